/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tracker.h - decoded segments to connection records and events.
 *
 * tt_tracker_feed() takes every frame's decode result, in capture order:
 * it advances time (TIME_WAIT expiry), finds or creates the connection of a
 * segment, accounts it (analysis), steps both endpoints' state machines and
 * emits events.  A record is final when its connection is over (both
 * endpoints CLOSED, TIME_WAIT included), evicted, or the input ends; then
 * TT_EVT_CONN_END is emitted with it, and it is freed (with cfg.on_records, it
 * reaches the writers in a batch of up to TT_TRACKER_BATCH, and is freed
 * after its batch).
 */
#ifndef TCPTRACK_TRACKER_H
#define TCPTRACK_TRACKER_H

#include "tcptrack/analysis.h"
#include "tcptrack/common.h"
#include "tcptrack/decode.h"
#include "tcptrack/flow_table.h"
#include "tcptrack/tcp_state.h"


enum tt_endpoint { TT_CLIENT = 0, TT_SERVER = 1 };

enum tt_handshake {
	TT_HS_NONE = 0,    /* no SYN seen: picked up mid-stream */
	TT_HS_SYN,         /* SYN only */
	TT_HS_SYN_SYNACK,  /* SYN and SYN,ACK, no completing ACK */
	TT_HS_COMPLETE,    /* SYN, SYN,ACK, ACK */
	TT_HS_SIMULTANEOUS /* both sent SYN (simultaneous open) */
};

enum tt_outcome {
	TT_OUT_OPEN = 0,
	TT_OUT_CLOSED,
	TT_OUT_RESET,
	TT_OUT_REFUSED,
	TT_OUT_TIMEOUT,
	TT_OUT_UNREACHABLE,
	TT_OUT_HALF_CLOSED,
	TT_OUT_NUM
};

/* Why a record was handed to the writers. */
enum tt_end_reason {
	TT_END_CLOSED = 0, /* both endpoints CLOSED (after TIME_WAIT, if any) */
	TT_END_EVICTED,    /* --max-flows reached; the least recently active went */
	TT_END_INPUT       /* end of the input */
};

/*
 * State history of one endpoint; bounded (the first entries are kept, and the
 * latest in the last place).  Its times are the record's (struct tt_rtimes):
 * read them with tt_conn_hist_ts().
 */
struct tt_history {
	uint8_t n;
	bool truncated;             /* more transitions happened than are stored */
	uint8_t st[TT_HISTORY_MAX / 2]; /* the states, 4 bits each: tt_history_state() */
};

/** @return the state transition i (< h->n) of a history entered. */
static inline enum tt_tcp_state tt_history_state(const struct tt_history *h, int i)
{
	unsigned u = (unsigned)i; /* (unsigned: halving without a sign to correct) */

	return (enum tt_tcp_state)(h->st[u >> 1] >> ((u & 1u) << 2) & 0xfu);
}

/** Set the state of transition i (the tracker's, and tests building histories). */
static inline void tt_history_set_state(struct tt_history *h, int i, enum tt_tcp_state s)
{
	unsigned u = (unsigned)i, shift = (u & 1u) << 2;

	h->st[u >> 1] = (uint8_t)((h->st[u >> 1] & ~(0xfu << shift)) | ((unsigned)s & 0xfu) << shift);
}

/**
 * Append a transition to endpoint ep's history h, its time to the record's
 * times rt (the tracker's; public for its tests and for tests building
 * records).  The first TT_HISTORY_MAX are kept and the latest always in the
 * last place (truncated is set).  Past TT_HISTORY_INLINE transitions, or
 * for a time that does not fit the record's counts, the times take the
 * record's side block from `wide`; when there is none, the record's places
 * are all there is (the last takes the latest, and a time is clamped).
 */
void tt_history_push(struct tt_flow_slab *wide, struct tt_rtimes *rt, struct tt_history *h,
                     int ep, enum tt_tcp_state s, tt_time_ns ts);

/*
 * One connection incarnation.  Consumers get const pointers.  480 bytes,
 * seven and a half cache lines: the table's node with the key (which holds the addresses
 * and ports), states and flags, the record's times as 32-bit counts (struct
 * tt_rtimes), the state histories, then the two directions.  What only some
 * connections need is in side blocks: struct tt_dir_ext, struct tt_rtt_ring,
 * and the times in full of a record whose times outgrow their counts.
 */
struct tt_conn {
	struct tt_flow_node node;   /* the flow table's; must be first */
	uint64_t id;                /* 1, 2, ... in order of first packet */
	uint32_t incarnation;       /* 1 + incarnations of this 4-tuple seen before */
	uint8_t ip_version;
	uint8_t client_slot;        /* which key endpoint (0/1) is the client */
	uint8_t handshake;          /* enum tt_handshake */
	uint8_t end_reason;         /* enum tt_end_reason, once final */
	uint8_t state[2];           /* enum tt_tcp_state, by enum tt_endpoint */
	uint8_t reset_by;           /* 0 none, 1 client, 2 server */
	uint8_t fin_first;          /* bit 0 client, bit 1 server: sent FIN before the peer's FIN */
	uint8_t fin_pending;        /* bit per endpoint: the peer's FIN is still in flight to it */
	uint8_t est_provisional;    /* bit per endpoint: ESTABLISHED on a SYN,ACK, nothing sent since */
	bool port_reuse : 1;        /* SYN on a 4-tuple still in TIME_WAIT / recently closed */
	bool refused : 1, unreachable : 1;
	bool syn_seen : 1, synack_seen : 1, hs_ack : 1, sim_open : 1;
	bool emitted : 1;           /* over: final, kept to absorb strays */
	bool written : 1;           /* handed to the writers */
	bool tw_done : 1;           /* ended by TIME_WAIT expiry */
	bool tw_followed : 1;       /* over with an endpoint in TIME_WAIT: the tracker still emits
	                             * its leaving TIME_WAIT after the record is written */
	bool remnant : 1;           /* an event about a connection already written: only id,
	                             * incarnation, the key (addresses, ports) and states are set */
	bool held : 1;              /* a failed opening kept unwritten: the SYN may be retried */
	bool queued : 1;            /* written, not yet handed to cfg.on_records */
	/* The handshake round trip's halves, split at the capture point (SYN ->
	 * SYN,ACK is the server side, SYN,ACK -> ACK the client side), are known:
	 * tt_conn_rtt_side(). */
	bool has_rtt_server : 1, has_rtt_client : 1;
	uint8_t icmp_type, icmp_code; /* of the last ICMP error */
	uint8_t inferred;           /* TT_INF_*: states taken from indirect evidence */
	uint8_t client_reason;      /* enum tt_client_reason: how the client was chosen */
	uint32_t strays;            /* segments after the end, counted in dir[] but changing no state */
	/* The times: rt.first is the first packet; the rest are read with
	 * tt_conn_last(), tt_conn_end(), tt_conn_tw_deadline(), tt_conn_hist_ts(),
	 * tt_conn_rtt_side(), tt_conn_rtt() (and set by the tracker). */
	struct tt_rtimes rt;
	struct tt_history hist[2];  /* by enum tt_endpoint */
	struct tt_dir dir[2];       /* [TT_CLIENT] = c2s, [TT_SERVER] = s2c */
};
/* With the side blocks some records need, at most 512 bytes a connection open (issue 6). */
_Static_assert(sizeof(struct tt_conn) <= 480, "a record is at most 480 bytes");

/** @return the record's last packet's time. */
static inline tt_time_ns tt_conn_last(const struct tt_conn *c)
{
	return tt_rt_get(&c->rt, TT_RT_LAST);
}

/** @return when the record became final (once it is). */
static inline tt_time_ns tt_conn_end(const struct tt_conn *c)
{
	return tt_rt_get(&c->rt, TT_RT_END);
}

/** @return when endpoint ep leaves (or left) TIME_WAIT; 0 if it never entered it. */
static inline tt_time_ns tt_conn_tw_deadline(const struct tt_conn *c, int ep)
{
	return tt_rt_get(&c->rt, TT_RT_TW_DEADLINE + ep);
}

/** @return the time of transition i (< hist[ep].n) of endpoint ep's history. */
static inline tt_time_ns tt_conn_hist_ts(const struct tt_conn *c, int ep, int i)
{
	return tt_rt_hist(&c->rt, ep, i);
}

/** @return the round trips timed of direction d (enum tt_endpoint: its sender). */
static inline struct tt_rtt_stats tt_conn_rtt(const struct tt_conn *c, int d)
{
	return tt_rtt_of(&c->rt, &c->dir[d], d);
}

/* Half of the handshake round trip (valid if has_rtt_server / has_rtt_client):
 * the capture point to endpoint ep and back, kept in the record's times (TT_RT_PATH_RTT). */
static inline tt_time_ns tt_conn_rtt_side(const struct tt_conn *c, enum tt_endpoint ep)
{
	return tt_rt_get(&c->rt, TT_RT_PATH_RTT + (int)ep);
}

/* The handshake round trip, both halves (valid if has_rtt_server and has_rtt_client). */
static inline tt_time_ns tt_conn_handshake_rtt(const struct tt_conn *c)
{
	return tt_ns_add(tt_conn_rtt_side(c, TT_SERVER), tt_conn_rtt_side(c, TT_CLIENT));
}

/* An endpoint's address (16 bytes; IPv4 in the first 4) and port, by enum
 * tt_endpoint (or 0 and 1): the flow key's, whose endpoint client_slot is the
 * client.  (Macros, so that any integer type indexes them, as it does dir[].) */
#define tt_conn_addr(c, ep) ((const uint8_t *)(c)->node.key.addr[(ep) ^ (c)->client_slot])
#define tt_conn_port(c, ep) ((c)->node.key.port[(ep) ^ (c)->client_slot])

/* Evidence that was missing, and what was inferred in its place. */
#define TT_INF_SYN_NOT_SEEN 0x01    /* the client's SYN implied by the SYN,ACK answering it */
#define TT_INF_SYNACK_NOT_SEEN 0x02 /* the SYN,ACK implied by the client's ACK of it */
#define TT_INF_FIN_NOT_SEEN 0x04    /* a FIN implied by the peer's acknowledgement of it */

/* How the client of a connection picked up mid-stream was chosen. */
enum tt_client_reason {
	TT_CR_SYN = 0,          /* sent the first SYN (or received the first SYN,ACK) */
	TT_CR_PORT,             /* the other port is well known (< 1024) or lower */
	TT_CR_FIRST_SENDER      /* equal port evidence: the sender of the first packet */
};

enum tt_event_type {
	TT_EVT_CONN_OPENED = 0, /* first packet of a new record */
	TT_EVT_STATE,           /* an endpoint changed state */
	TT_EVT_ANOMALY,         /* retransmission, lost segment, zero window, ICMP error... */
	TT_EVT_CONN_END,        /* the record is final (see end_reason) */
	TT_EVT_SEGMENT          /* a segment of the record (only with cfg.segments): after
	                         * its STATE and ANOMALY events; conn->state is after it */
};

struct tt_event {
	enum tt_event_type type;
	tt_time_ns ts;
	const struct tt_conn *conn;
	enum tt_endpoint endpoint;  /* TT_EVT_STATE: whose state; TT_EVT_ANOMALY: the sender */
	enum tt_tcp_state from, to; /* TT_EVT_STATE */
	const char *anomaly;        /* TT_EVT_ANOMALY: "retransmission", ... */
	/* Only with cfg.segments: */
	bool by_segment;            /* STATE, ANOMALY: caused by the segment whose
	                             * TT_EVT_SEGMENT comes next (else by a timer, ICMP...) */
	bool stray;                 /* TT_EVT_SEGMENT: after the record's end; changed nothing */
	uint32_t anomalies;         /* TT_EVT_SEGMENT: TT_AN_BIT() of its conditions */
	const struct tt_packet *pkt; /* TT_EVT_SEGMENT: the segment (endpoint: its sender) */
};

typedef void (*tt_event_fn)(const struct tt_event *ev, void *user);

/* Frame and segment counters. */
struct tt_stats {
	uint64_t frames;                     /* every frame read */
	uint64_t tcp_segments;               /* decoded TCP segments */
	uint64_t icmp_errors;                /* ICMP errors quoting TCP */
	uint64_t icmp_unmatched;             /* ... of which for no known connection */
	uint64_t by_result[TT_DEC_NRESULTS]; /* frames by decode result */
	uint64_t bad_tcp_options;            /* segments whose options were malformed */
	uint64_t tcp_options_cut;            /* segments whose options the snaplen cut */
	uint64_t ip_length_clamped;          /* segments whose IP length exceeded the frame */
	uint64_t connections;                /* records created */
	uint64_t evicted;                    /* records evicted by --max-flows */
	uint64_t strays;                     /* segments of connections already over */
	uint64_t rst_ignored;                /* RSTs the receiver would reject (RFC 5961) */
	uint64_t time_wait_dropped;          /* compact TIME_WAIT entries dropped, the table full */
	uint64_t time_backwards;             /* frames older than their predecessor */
	tt_time_ns first_ts, last_ts;
	uint32_t max_flows;
	uint32_t peak_flows;
};

enum tt_event_set {
	TT_EVENTS_ALL = 0,
	TT_EVENTS_REPORT
};

struct tt_tracker_config {
	uint32_t max_flows;   /* pool size, >= 1 */
	tt_time_ns msl;       /* maximum segment lifetime; TIME_WAIT lasts 2*msl */
	tt_event_fn on_event; /* may be NULL */
	void *user;
	bool segments;        /* also emit TT_EVT_SEGMENT for every segment (ladders, plots) */
	/* The events the consumer takes: TT_EVENTS_ALL, or TT_EVENTS_REPORT (what a
	 * report needs: TT_EVT_CONN_END, and TT_EVT_STATE only for a change into or
	 * out of TIME_WAIT, which the diagnoses count; a dozen state changes a
	 * connection are not dispatched). */
	enum tt_event_set events;
	/* NULL, or where records go once written, in batches of up to
	 * TT_TRACKER_BATCH, in the order written (each after its TT_EVT_CONN_END,
	 * emitted when the record is written): a record handed over is as it was
	 * at its TT_EVT_CONN_END.  The last are handed over by
	 * tt_tracker_finish().  (A report's writers take records this way: writing
	 * a batch at once is faster than one record between two packets.) */
	void (*on_records)(const struct tt_conn *const *recs, size_t n, void *user);
};

#define TT_TRACKER_BATCH 32

struct tt_tracker; /* opaque */

/** Create a tracker. @return TT_OK, TT_ERR_INVAL or TT_ERR_NOMEM. */
int tt_tracker_new(struct tt_tracker **out, const struct tt_tracker_config *cfg, char *errbuf);

/** Free the tracker; accepts NULL; sets *trp to NULL.  Does not emit events, nor hand
 * over the records written since the last batch (tt_tracker_finish() does). */
void tt_tracker_free(struct tt_tracker **trp);

/**
 * Feed one frame.
 * @param r   its decode result
 * @param pkt the decoded segment when r == TT_DEC_OK, else NULL, as the decoder
 *            makes it (tt_decode(), tt_decode_track()): an IPv6 segment's ip_id is
 *            0, which the analysis reads as "no IP ID"
 * @param ts  its capture time (advances timers even for frames that are not TCP)
 */
void tt_tracker_feed(struct tt_tracker *tr, enum tt_decode_result r, const struct tt_packet *pkt,
                     tt_time_ns ts);

/**
 * Feeding with look-ahead (a reader of a file, where the next frames are at
 * hand): the tracker keeps the last frames in a ring and feeds each one
 * TT_TRACKER_LOOKAHEAD - 1 frames after it came.  When a frame comes, its key
 * and hash are built and the index slots it will probe brought into the
 * cache; TT_TRACKER_PEEK_LAG frames later, its record is found there and
 * brought in.  What is fed, and in what order, is what tt_tracker_feed() of
 * each frame would feed: only sooner or later.
 *
 * tt_tracker_ahead_slot() gives where to decode the next frame (its payload
 * pointer is cleared: the reader's buffer is not kept); tt_tracker_ahead_push()
 * takes it back (the same pointer) with its decode result (tt_decode_track()'s
 * will do: tracking reads none of the fields it may leave out).  The frame's
 * time is the slot's ts, which the decoder sets whatever the result.
 * tt_tracker_ahead_flush() feeds every frame waiting; tt_tracker_feed(),
 * tt_tracker_advance(), tt_tracker_foreach_open() and tt_tracker_finish() do
 * so first.
 */
#define TT_TRACKER_LOOKAHEAD 5
#define TT_TRACKER_PEEK_LAG 2
struct tt_packet *tt_tracker_ahead_slot(struct tt_tracker *tr);
void tt_tracker_ahead_push(struct tt_tracker *tr, struct tt_packet *slot,
                           enum tt_decode_result r);
void tt_tracker_ahead_flush(struct tt_tracker *tr);

/**
 * End of input: every remaining record becomes final (TT_END_INPUT), in order
 * of first packet, with states as of the last packet (nothing fast-forwarded).
 * After it the tracker takes no more frames: its records, all written, stay in
 * its table until tt_tracker_free() (tt_tracker_foreach_open() finds none), and
 * only its counts (tt_tracker_stats(), tt_tracker_time_wait_over()) are left
 * to read.
 */
void tt_tracker_finish(struct tt_tracker *tr);

/**
 * Let capture time reach `now` without a packet (live capture: the wall
 * clock): TIME_WAIT and other timers that expire by then fire, and records
 * whose strays have had their time are written.
 */
void tt_tracker_advance(struct tt_tracker *tr, tt_time_ns now);

typedef void (*tt_conn_fn)(const struct tt_conn *c, void *user);

/**
 * Call fn for every connection whose record is not written yet, in table order:
 * those open, and those over in the second their record waits for strays
 * (c->emitted).
 */
void tt_tracker_foreach_open(struct tt_tracker *tr, tt_conn_fn fn, void *user);

/** @return the endpoints in TIME_WAIT of connections over whose records are written. */
uint64_t tt_tracker_time_wait_over(const struct tt_tracker *tr);


/** @return the counters. */
const struct tt_stats *tt_tracker_stats(const struct tt_tracker *tr);

/** @return the outcome of a record, derived from what was seen. */
enum tt_outcome tt_conn_outcome(const struct tt_conn *c);

/** @return "closed", "reset", ... */
const char *tt_outcome_name(enum tt_outcome o);

/** @return "closed", "evicted" or "end_of_input". */
const char *tt_end_reason_name(enum tt_end_reason r);

/** @return "syn", "port" or "first_sender": how the client was chosen. */
const char *tt_client_reason_name(enum tt_client_reason r);

/**
 * What the record's states rest on besides captured segments, as names:
 * "midstream" (no handshake seen), "one_sided" (one direction never
 * captured), "syn_not_seen", "synack_not_seen", "fin_not_seen" (implied by
 * acknowledgements), "capture_loss" (segments missing from the capture).
 * @return how many names were stored in names[] (at most 6).
 */
int tt_conn_inferred(const struct tt_conn *c, const char *names[6]);

/**
 * A quick test that tt_conn_inferred() has no name for c (most records): a
 * handshake seen, nothing implied, both directions captured or neither, no
 * hole in either and no condition counted in the record's own bits (a
 * direction with a side block is left to tt_conn_inferred()).  false does not
 * mean there is a name.
 */
static inline bool tt_conn_inferred_none(const struct tt_conn *c)
{
	const struct tt_dir *a = &c->dir[TT_CLIENT], *b = &c->dir[TT_SERVER];

	return c->handshake != TT_HS_NONE && c->inferred == 0 && a->sent == b->sent &&
	       (a->n_holes | b->n_holes | a->ext_full | b->ext_full) == 0 &&
	       tt_dir_nib(a->nib | b->nib, TT_AN_ACKED_UNSEEN) == 0;
}

/*
 * A record kept past the event that handed it over (the live view, tests):
 * its side blocks live in the tracker and go with the record, so a copy takes
 * them along (all but the RTT ring, which only the tracker reads: a copy has
 * none).  conn's side-block pointers point into the copy itself, so copy a
 * copy with tt_conn_copy() too, never with memcpy().
 */
struct tt_conn_copy {
	struct tt_conn conn;
	struct tt_dir_ext ext[2];
	tt_time_ns wide[TT_RT_WIDE];
};

/** Copy src, side blocks included, into dst (src may be a copy's conn). */
void tt_conn_copy(struct tt_conn_copy *dst, const struct tt_conn *src);

/** @return "complete", "syn", "syn_synack", "simultaneous", "none". */
const char *tt_handshake_name(enum tt_handshake h);

/** @return "client", "server", "both" or NULL: who closed (sent FIN first). */
const char *tt_conn_closed_by(const struct tt_conn *c);

/** @return "client", "server" or NULL: who sent the RST that ended it. */
const char *tt_conn_reset_by(const struct tt_conn *c);

#endif /* TCPTRACK_TRACKER_H */
