/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * analysis.h - per-direction sequence and acknowledgement accounting: ISN,
 * relative sequence numbers with 32-bit wraparound, unique vs re-sent bytes,
 * acknowledgements, window advertisements, and the anomaly counters.
 */
#ifndef TCPTRACK_ANALYSIS_H
#define TCPTRACK_ANALYSIS_H

#include <assert.h>

#include "tcptrack/common.h"
#include "tcptrack/decode.h"

/* Sequence comparison modulo 2^32 (RFC 9293 §3.4; Linux before()/after()). */
static inline bool tt_seq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}
static inline bool tt_seq_after(uint32_t a, uint32_t b)
{
	return tt_seq_before(b, a);
}
/** @return true when lo <= x <= hi modulo 2^32. */
static inline bool tt_seq_between(uint32_t x, uint32_t lo, uint32_t hi)
{
	return hi - lo >= x - lo;
}

/*
 * The conditions a segment can carry, named as Wireshark's tcp.analysis.*
 * fields.  Each is counted in the direction of the segment that carries it.
 */
enum tt_anomaly {
	TT_AN_RETRANSMISSION = 0,   /* re-sends sequence space (SYN, FIN, data) */
	TT_AN_FAST_RETRANSMISSION,  /* ... answering >= 2 duplicate ACKs (subset of the above) */
	TT_AN_SPURIOUS_RETRANSMISSION, /* ... of data the receiver had already ACKed (subset) */
	TT_AN_OUT_OF_ORDER,         /* fills a sequence hole, sent before the segment after it */
	TT_AN_LOST_SEGMENT,         /* "previous segment not captured": a sequence gap */
	TT_AN_ACKED_UNSEEN,         /* ACKs sequence space of the peer never captured */
	TT_AN_DUP_ACK,
	TT_AN_ZERO_WINDOW,
	TT_AN_ZERO_WINDOW_PROBE,
	TT_AN_ZERO_WINDOW_PROBE_ACK,
	TT_AN_WINDOW_FULL,
	TT_AN_WINDOW_UPDATE,
	TT_AN_KEEP_ALIVE,
	TT_AN_KEEP_ALIVE_ACK,
	TT_AN_COUNT
};

#define TT_AN_BIT(a) (1u << (a))

/** @return Wireshark's name of a condition ("retransmission", "duplicate_ack", ...). */
const char *tt_anomaly_name(enum tt_anomaly a);

#define TT_MAX_HOLES 4     /* sequence gaps remembered per direction */
#define TT_RTT_SLOTS 8     /* segments timed at once per direction */

/* tt_dir.limits: a per-direction buffer was full and something was let go. */
#define TT_DIR_LIM_HOLES 0x01 /* a gap was forgotten (its bytes count as seen) */
#define TT_DIR_LIM_RTT 0x02   /* a segment went untimed: TT_RTT_SLOTS were in flight */
#define TT_DIR_LIM_EXT 0x04   /* no side block (out of memory): counts stop at 15 */

/*
 * A direction's counters and sequence marks are 64-bit values.  The record
 * keeps their low 32 bits (16 for the flags' counts), which is all that almost
 * every connection needs (4 GiB); what carries beyond goes to the side block's
 * hi[] (and sets wide_ctr).
 */
enum tt_dir_ctr {
	TT_CTR_PACKETS = 0, TT_CTR_PAYLOAD, TT_CTR_UNIQUE, TT_CTR_ACKED, TT_CTR_FLIGHT_MAX,
	TT_CTR_SYN, TT_CTR_FIN, TT_CTR_RST,
	TT_CTR_SEQ_NEXT, TT_CTR_DATA_NEXT, TT_CTR_ACK_MAX, /* the sequence marks */
	TT_CTR_N
};

/* A gap in the sequence space this direction sent: bytes never captured. */
struct tt_hole {
	int64_t lo, hi;             /* relative sequence range [lo, hi) */
	tt_time_ns opened;          /* capture time of the segment that jumped over it */
	uint32_t tsval;             /* that segment's TCP timestamp, if HOLE_TS */
	uint16_t ipid;              /* and its IPv4 ID, if HOLE_IPID */
	uint8_t flags;              /* TT_HOLE_* */
};
#define TT_HOLE_TS 0x01
#define TT_HOLE_IPID 0x02
#define TT_HOLE_ACKED 0x04          /* the peer has acknowledged into it */
#define TT_HOLE_BEFORE 0x08         /* everything before a mid-stream pickup */

/* A data segment waiting for the ACK that covers it (RTT measurement).  Its
 * flags are bits of tt_dir.rtt_ts and rtt_retx, so that a slot is 16 bytes. */
struct tt_rtt_slot {
	uint32_t end;               /* raw sequence number just past its data */
	uint32_t tsval;             /* TSval of its latest transmission, if its rtt_ts bit */
	tt_time_ns ts;              /* capture time of its latest transmission */
};

/*
 * The segments a direction times at once: a side block held only while one is
 * in flight (rtt_count > 0), taken from its own slab and given back when the
 * last is acknowledged, so that an idle direction does not carry it.
 */
struct tt_rtt_ring {
	struct tt_rtt_slot slot[TT_RTT_SLOTS];
};

/* Round-trip samples: a data segment to the first ACK that covers it (what a
 * reader gets from tt_conn_rtt(); the record keeps them in parts). */
struct tt_rtt_stats {
	uint32_t samples;
	tt_time_ns min, max, sum;
};

/*
 * The times a record keeps, and how (struct tt_rtimes).  Each is 32 bits in
 * the record: a time as the count after the record's first packet, a duration
 * as a count from 0: microseconds (71.6 minutes) when the first packet's time
 * is a whole microsecond (every time of a capture with microsecond stamps,
 * the most common), else nanoseconds (4.29 s).  Once a value does not fit
 * (later, earlier than the first packet, not a whole microsecond), the record
 * takes a side block (wide) and keeps every one of its times there in full.
 * Exact either way (but for a record that cannot have the side block, out of
 * memory: its counts are then clamped to fit).  A time never set reads 0.
 */
enum tt_rt_slot {
	/* Times: */
	TT_RT_LAST = 0,             /* the record's last packet */
	TT_RT_END,                  /* when the record became final */
	TT_RT_SYN_FIRST,            /* the client's first and latest SYN */
	TT_RT_SYN_LAST,
	TT_RT_SYNACK_LAST,          /* the server's latest SYN,ACK */
	TT_RT_TW_DEADLINE,          /* + endpoint: TIME_WAIT's end */
	TT_RT_SEG_LAST = TT_RT_TW_DEADLINE + 2, /* + direction: its last segment */
	TT_RT_FRONT_FILL = TT_RT_SEG_LAST + 2,  /* + direction: its latest data segment
	                                         * starting at the peer's last ACK */
	TT_RT_NTIMES = TT_RT_FRONT_FILL + 2,
	/* Durations: */
	TT_RT_PATH_RTT = TT_RT_NTIMES, /* + direction: capture point -> this sender ->
	                                * capture point, from the handshake; 0 if unknown */
	TT_RT_RTT_MIN = TT_RT_PATH_RTT + 2, /* + direction: round-trip samples (if any) */
	TT_RT_RTT_MAX = TT_RT_RTT_MIN + 2,
	TT_RT_NSCALAR = TT_RT_RTT_MAX + 2,
	/* The state histories' times: + endpoint * TT_HISTORY_INLINE + i in the
	 * record, + endpoint * TT_HISTORY_MAX + i in the side block. */
	TT_RT_HIST = TT_RT_NSCALAR
};
#define TT_HISTORY_MAX 12    /* transitions kept per endpoint */
#define TT_HISTORY_INLINE 6  /* ... of which the record has places for */
#define TT_RT_NARROW (TT_RT_HIST + 2 * TT_HISTORY_INLINE)
#define TT_RT_WIDE (TT_RT_HIST + 2 * TT_HISTORY_MAX)
/* Transition i of endpoint ep's history: its place in the record's counts
 * (i < TT_HISTORY_INLINE), and in the side block. */
#define TT_RT_HIST_N(ep, i) (TT_RT_HIST + (ep) * TT_HISTORY_INLINE + (i))
#define TT_RT_HIST_W(ep, i) (TT_RT_HIST + (ep) * TT_HISTORY_MAX + (i))

struct tt_rtimes {
	tt_time_ns first;           /* the record's first packet: the base */
	tt_time_ns *wide;           /* [TT_RT_WIDE] every time in full, or NULL */
	uint32_t set;               /* bit per time slot (< TT_RT_NTIMES) set (the side
	                             * block has 0 for those never set), per half of the
	                             * handshake round trip known (TT_RT_PATH_RTT, set
	                             * with tt_rt_set()), and TT_RT_US */
	uint32_t n[TT_RT_NARROW];   /* while wide is NULL (the histories' last: read and
	                             * written only when states change) */
};
#define TT_RT_US (UINT32_C(1) << 31) /* the counts count microseconds */

/** A record's times begin (the record is all zero): its first packet at first. */
static inline void tt_rt_init(struct tt_rtimes *rt, tt_time_ns first)
{
	rt->first = first;
	rt->set = first % 1000 == 0 ? TT_RT_US : 0;
}

/* Do the record's counts count microseconds? */
static inline bool tt_rt_us(const struct tt_rtimes *rt)
{
	return (rt->set & TT_RT_US) != 0;
}

/* Nanoseconds per count. */
static inline tt_time_ns tt_rt_unit(const struct tt_rtimes *rt)
{
	return tt_rt_us(rt) ? 1000 : 1;
}

/** @return the time or duration of slot (< TT_RT_NSCALAR). */
static inline TT_ALWAYS_INLINE tt_time_ns tt_rt_get(const struct tt_rtimes *rt, int slot)
{
	tt_time_ns v;

	if (rt->wide != NULL)
		return rt->wide[slot];
	v = (tt_time_ns)rt->n[slot] * tt_rt_unit(rt);
	if (slot >= TT_RT_NTIMES)
		return v;
	return (rt->set >> slot & 1) ? rt->first + v : 0;
}

/** @return the time of transition i (< the history's n) of endpoint ep's history. */
static inline tt_time_ns tt_rt_hist(const struct tt_rtimes *rt, int ep, int i)
{
	/* (Without a side block, a history has at most TT_HISTORY_INLINE.) */
	int k = i < TT_HISTORY_INLINE ? i : TT_HISTORY_INLINE - 1;

	if (rt->wide != NULL)
		return rt->wide[TT_RT_HIST_W(ep, i)];
	return rt->first + (tt_time_ns)rt->n[TT_RT_HIST_N(ep, k)] * tt_rt_unit(rt);
}

/* The record's count for v (a time, or a duration); false if it does not fit. */
static inline TT_ALWAYS_INLINE bool tt_rt_enc(const struct tt_rtimes *rt, bool is_time,
                                              tt_time_ns v, uint32_t *n)
{
	uint64_t d = (uint64_t)v - (is_time ? (uint64_t)rt->first : 0);

	/* (A count that does not fit is rare: expected so, the tracker's stamp of
	 * every segment is laid out in line, not behind jumps.) */
	if (tt_rt_us(rt)) {
		uint64_t q = d / 1000;
		if (__builtin_expect(q * 1000 != d || q > UINT32_MAX, 0))
			return false;
		d = q;
	} else if (__builtin_expect(d > UINT32_MAX, 0)) {
		return false;
	}
	*n = (uint32_t)d;
	return true;
}

struct tt_flow_slab;

/** Set a time or duration that does not fit, or of a record with a side block
 * (taken from `wide`, blocks of TT_RT_WIDE times; without one, the record's
 * count is clamped). */
void tt_rt_set_wide(struct tt_rtimes *rt, struct tt_flow_slab *wide, int slot, tt_time_ns v);

/** Set slot (< TT_RT_NSCALAR) to a count already in the record's unit, from
 * its first packet for a time (the record has no side block): tt_rt_set()'s
 * marking rule, for callers that have the count. */
static inline TT_ALWAYS_INLINE void tt_rt_set_count(struct tt_rtimes *rt, int slot, uint32_t n)
{
	assert(rt->wide == NULL);
	if (slot < TT_RT_RTT_MIN) /* a time, or a half of the handshake known */
		rt->set |= UINT32_C(1) << slot;
	rt->n[slot] = n;
}

/** Set the time or duration of slot (< TT_RT_NSCALAR). */
static inline TT_ALWAYS_INLINE void tt_rt_set(struct tt_rtimes *rt, struct tt_flow_slab *wide,
                                              int slot, tt_time_ns v)
{
	if (slot < TT_RT_RTT_MIN) /* a time, or a half of the handshake known */
		rt->set |= UINT32_C(1) << slot;
	if (rt->wide == NULL && tt_rt_enc(rt, slot < TT_RT_NTIMES, v, &rt->n[slot]))
		return;
	tt_rt_set_wide(rt, wide, slot, v);
}

/* A packet's time as its record counts it, worked out once for the places it
 * goes (tt_rt_stamp(), then tt_rt_set_stamp() and tt_rt_raise()). */
struct tt_rt_stamp {
	tt_time_ns ts;
	tt_time_ns first;           /* the record's first packet then */
	uint32_t n;                 /* the count, if fits */
	bool fits;                  /* the record had no side block and ts fit its counts */
};

static inline TT_ALWAYS_INLINE struct tt_rt_stamp tt_rt_stamp(const struct tt_rtimes *rt,
                                                              tt_time_ns ts)
{
	struct tt_rt_stamp s = {.ts = ts, .first = rt->first, .n = 0, .fits = false};

	s.fits = rt->wide == NULL && tt_rt_enc(rt, true, ts, &s.n);
	return s;
}

/* Does a stamp still count as its record does (no side block taken, no
 * earlier first packet since)? */
static inline TT_ALWAYS_INLINE bool tt_rt_stamp_ok(const struct tt_rtimes *rt,
                                                   const struct tt_rt_stamp *s)
{
	return s->fits && rt->wide == NULL && rt->first == s->first;
}

/** tt_rt_set(), out of line: for the rare time its callers' fast paths do
 * not take, whose division and side block they need not carry inlined. */
void tt_rt_set_far(struct tt_rtimes *rt, struct tt_flow_slab *wide, int slot, tt_time_ns v);

/** Set time slot (< TT_RT_NTIMES) to a stamp's time. */
static inline TT_ALWAYS_INLINE void tt_rt_set_stamp(struct tt_rtimes *rt, struct tt_flow_slab *wide,
                                                    int slot, const struct tt_rt_stamp *s)
{
	if (tt_rt_stamp_ok(rt, s)) {
		rt->set |= UINT32_C(1) << slot; /* (a time: tt_rt_set_count() without its test) */
		rt->n[slot] = s->n;
	} else {
		tt_rt_set_far(rt, wide, slot, s->ts);
	}
}

/** Raise time slot (< TT_RT_NTIMES) to a stamp's time, if that is later (or it is unset). */
static inline TT_ALWAYS_INLINE void tt_rt_raise(struct tt_rtimes *rt, struct tt_flow_slab *wide,
                                                int slot, const struct tt_rt_stamp *s)
{
	if (!(rt->set >> slot & 1)) {
		tt_rt_set_stamp(rt, wide, slot, s);
	} else if (tt_rt_stamp_ok(rt, s)) {
		if (s->n > rt->n[slot])
			rt->n[slot] = s->n;
	} else if (s->ts > tt_rt_get(rt, slot)) {
		tt_rt_set(rt, wide, slot, s->ts);
	}
}

/** Set the time of transition i of endpoint ep's history (i < TT_HISTORY_MAX;
 * i >= TT_HISTORY_INLINE takes the side block). @return false if there was
 * none to take: then only places below TT_HISTORY_INLINE exist (and the time
 * is clamped to fit). */
bool tt_rt_set_hist(struct tt_rtimes *rt, struct tt_flow_slab *wide, int ep, int i,
                    tt_time_ns ts);

/** The record's first packet moves to `first` (a packet older than it): every
 * time stays what it was. */
void tt_rt_rebase(struct tt_rtimes *rt, struct tt_flow_slab *wide, tt_time_ns first);

/** Take the side block now (if there is none); false if none could be had. */
bool tt_rt_widen(struct tt_rtimes *rt, struct tt_flow_slab *wide);

/*
 * What only some directions need: the counters' carries, sequence gaps, the
 * last SACK blocks, zero-window times, the sequence marks of rare conditions,
 * and the condition counts and ICMP errors past what the record holds.  A side
 * block (struct tt_dir_ext), taken at the first need and given back with the
 * record.  n_holes > 0, n_sack > 0, in_zero_window, in_recovery and wide_ctr
 * imply it (ext_full); without it, its fields read as 0 (tt_dir_x()).
 *
 * The condition counts: until a direction has the block, each is a 4-bit
 * field of one word in the record (tt_dir.nib, in ext's place), which is all
 * almost every direction needs; the first count that would pass 15 takes the
 * block, and the counts move into it.  Read them with tt_dir_count().
 */
struct tt_dir_counts {
	uint32_t counts[TT_AN_COUNT]; /* conditions carried by this direction's segments */
	uint32_t icmp_errors;       /* ICMP errors quoting a segment of this direction */
};
/* The record's 4-bit count of ICMP errors follows the conditions' (tt_dir.nib):
 * TT_AN_BIT(TT_DIR_ICMP) counts one with tt_dir_count_add(). */
#define TT_DIR_ICMP TT_AN_COUNT
#define TT_DIR_NIB_MAX 15u

struct tt_dir_ext {
	struct tt_dir_counts c;
	uint32_t hi[TT_CTR_N];      /* what the record's counters and marks carried (enum
	                             * tt_dir_ctr) */
	uint32_t sack[TT_MAX_SACK_BLOCKS][2];
	/* Zero-window advertisements: time spent, per direction. */
	tt_time_ns zw_since;        /* start of the open zero-window period, if in_zero_window */
	tt_time_ns zw_total, zw_max;
	struct tt_hole holes[TT_MAX_HOLES];
	/* Sequence marks that only a zero-window probe, an ACK of bytes never
	 * captured or a fast retransmission set (each a condition counted here). */
	uint64_t probe_next;        /* highest end of a one-byte zero-window probe */
	uint64_t unseen_acked;      /* highest relative ack beyond seq_next already counted */
	uint64_t recover;           /* seq_next when fast recovery began (RFC 6582), if in_recovery */
};

/*
 * One direction of a connection: what one endpoint sent.  Fields are laid out
 * by how often a segment touches them: flags, sequence and window state and
 * the byte counters first (the first three cache lines, which every segment
 * reads); what only some directions need is in the side block (ext), and the
 * segments being timed in another (ring) while there are any.
 */
struct tt_dir {
	bool has_isn : 1, has_base : 1, has_ack : 1, has_win : 1, has_fin : 1;
	bool has_mss : 1, has_wscale : 1, sack_ok : 1, ts_ok : 1;
	bool scale_known : 1;       /* the shift is known: both SYNs seen, or one without the option */
	bool sent_synack : 1;
	bool has_last_ack : 1, in_zero_window : 1, has_ipid : 1, in_recovery : 1;
	bool wide_ctr : 1;          /* a counter or mark carried into the side block's hi[] */
	unsigned rtt_head : 3, rtt_count : 4; /* the ring's oldest slot, and slots in use (in
	                                       * one byte: an ACK updates them with byte stores) */
	bool ext_full : 1;          /* the side block is taken: ext, not nib */
	unsigned n_holes : 3, n_sack : 3; /* holes[] in use; SACK blocks of the last segment
	                                   * sent (about the peer's data) */
	bool sent : 1;              /* a segment was counted (tt_dir_sent(): one bit to test,
	                             * where the count is 64 bits kept as two parts) */
	uint8_t wscale;             /* as sent in the SYN */
	uint8_t shift;              /* applied shift: wscale if both SYNs carried it, else 0 */
	uint8_t last_anomalies;     /* the last segment's keep-alive / probe bits (TT_LAST_*) */
	uint8_t rtt_ts;             /* bit i: ring->slot[i] carried a timestamp (tsval is valid) */
	uint8_t rtt_retx;           /* bit i: ring->slot[i] was re-sent: only a timestamp echo
	                             * can time it (Karn) */
	uint8_t limits;             /* TT_DIR_LIM_*: a bounded buffer was full */
	uint16_t mss;
	uint16_t win_last_raw;
	uint16_t dup_ack_num;       /* duplicate ACKs in a row */
	/* IPv4 ID pattern: consecutive small increments make IDs evidence of send order. */
	uint16_t ipid_last;
	uint16_t ipid_steps, ipid_jumps;
	uint16_t syn_lo, fin_lo, rst_lo; /* segments with the flag (syn: SYN and SYN,ACK): the
	                                  * low bits of counters (below) */

	uint32_t isn;               /* valid if has_isn */
	uint32_t base;              /* relative sequence 0 (isn, or first seq - 1) */
	uint32_t fin_seq;           /* raw sequence number of the first FIN */
	uint32_t win_min, win_max, win_last; /* scaled by shift (SYN windows never scaled) */
	/* Wireshark's view of the last segment sent, for the per-segment rules. */
	uint32_t last_ack_raw;      /* its acknowledgement field */
	/* Counters, 64-bit values kept as their low 32 (16) bits: read them with
	 * tt_dir_packets() ... (enum tt_dir_ctr). */
	uint32_t packets_lo;
	uint32_t payload_lo;        /* TCP payload, retransmissions included */
	uint32_t unique_lo;         /* payload bytes of sequence space captured for the first time */
	uint32_t acked_lo;          /* peer payload bytes newly acknowledged by this side */
	uint32_t flight_max_lo;     /* largest unacknowledged, un-SACKed data after a segment */
	uint32_t rtt_samples;       /* round trips timed: this direction's data to the peer's
	                             * ACKs (their least and greatest are the record's times) */
	/* Sequence marks, relative and unwrapped 64-bit values kept as their low 32
	 * bits: read them with tt_dir_seq_next() ... */
	uint32_t seq_next_lo;       /* highest relative sequence end sent */
	uint32_t data_next_lo;      /* highest relative end of payload sent */
	uint32_t ack_max_lo;        /* highest relative ack (in the peer's space) */
	uint32_t ring;              /* the segments timed (struct tt_rtt_ring), by number in
	                             * its slab, while rtt_count > 0; else 0 */
	tt_time_ns rtt_sum;         /* of the round trips timed */
	union {
		struct tt_dir_ext *ext; /* what only some directions need, if ext_full */
		uint64_t nib;           /* else: the condition counts, 4 bits each (bits 4a..4a+3
		                         * of condition a; TT_DIR_ICMP's: ICMP errors) */
	};
};
#define TT_LAST_KEEP_ALIVE 0x01
#define TT_LAST_ZW_PROBE 0x02

/* A direction's side block, or an all-zero one if it has none (for readers). */
extern const struct tt_dir_ext tt_dir_ext_none;
static inline const struct tt_dir_ext *tt_dir_x(const struct tt_dir *d)
{
	return d->ext_full ? d->ext : &tt_dir_ext_none;
}

/* Count a (enum tt_anomaly, or TT_DIR_ICMP) of the record's 4-bit counts nib. */
static inline uint32_t tt_dir_nib(uint64_t nib, unsigned a)
{
	return (uint32_t)(nib >> (4 * a)) & TT_DIR_NIB_MAX;
}

/* How many segments of a direction carried condition a (enum tt_anomaly), or
 * ICMP errors quoted one (a = TT_DIR_ICMP). */
static inline uint32_t tt_dir_count(const struct tt_dir *d, unsigned a)
{
	if (d->ext_full)
		return a == TT_DIR_ICMP ? d->ext->c.icmp_errors : d->ext->c.counts[a];
	return tt_dir_nib(d->nib, a);
}

/* All the counts of a direction, wherever they are kept. */
static inline void tt_dir_counts_of(const struct tt_dir *d, struct tt_dir_counts *out)
{
	if (d->ext_full) {
		*out = d->ext->c;
		return;
	}
	for (unsigned a = 0; a < TT_AN_COUNT; a++)
		out->counts[a] = tt_dir_nib(d->nib, a);
	out->icmp_errors = tt_dir_nib(d->nib, TT_DIR_ICMP);
}

/* Did any segment of a direction carry a condition (ICMP errors aside)? */
static inline bool tt_dir_any_condition(const struct tt_dir *d)
{
	if (!d->ext_full)
		return (d->nib & (((uint64_t)1 << (4 * TT_AN_COUNT)) - 1)) != 0;
	for (int a = 0; a < TT_AN_COUNT; a++)
		if (d->ext->c.counts[a] != 0)
			return true;
	return false;
}

/* A counter of a direction: its low bits, and what carried beyond them (bits wide). */
static inline uint64_t tt_dir_ctr(const struct tt_dir *d, enum tt_dir_ctr w, uint32_t lo,
                                  unsigned bits)
{
	return d->wide_ctr ? ((uint64_t)d->ext->hi[w] << bits) + lo : lo;
}
#define TT_DIR_CTR_READER(name, w, lo, bits)                                                      \
	static inline uint64_t name(const struct tt_dir *d)                                           \
	{                                                                                             \
		return tt_dir_ctr(d, w, d->lo, bits);                                                 \
	}
TT_DIR_CTR_READER(tt_dir_packets, TT_CTR_PACKETS, packets_lo, 32)
/* TCP payload, retransmissions included. */
TT_DIR_CTR_READER(tt_dir_payload_bytes, TT_CTR_PAYLOAD, payload_lo, 32)
/* Payload bytes of sequence space captured for the first time. */
TT_DIR_CTR_READER(tt_dir_unique_bytes, TT_CTR_UNIQUE, unique_lo, 32)
/* Peer payload bytes newly acknowledged by this side. */
TT_DIR_CTR_READER(tt_dir_bytes_acked, TT_CTR_ACKED, acked_lo, 32)
/* The largest unacknowledged, un-SACKed data after a segment. */
TT_DIR_CTR_READER(tt_dir_bytes_in_flight_max, TT_CTR_FLIGHT_MAX, flight_max_lo, 32)
/* Segments with SYN (SYN and SYN,ACK), FIN, RST. */
TT_DIR_CTR_READER(tt_dir_syns, TT_CTR_SYN, syn_lo, 16)
TT_DIR_CTR_READER(tt_dir_fins, TT_CTR_FIN, fin_lo, 16)
TT_DIR_CTR_READER(tt_dir_rsts, TT_CTR_RST, rst_lo, 16)
/* The highest relative sequence end sent (SYN and FIN included), unwrapped. */
TT_DIR_CTR_READER(tt_dir_seq_next, TT_CTR_SEQ_NEXT, seq_next_lo, 32)
/* The highest relative end of payload sent. */
TT_DIR_CTR_READER(tt_dir_data_next, TT_CTR_DATA_NEXT, data_next_lo, 32)
/* The highest relative ack (valid if has_ack), in the peer's sequence space, unwrapped. */
TT_DIR_CTR_READER(tt_dir_ack_max, TT_CTR_ACK_MAX, ack_max_lo, 32)
#undef TT_DIR_CTR_READER

/* The raw sequence number just past the highest the direction sent (its SND.NXT
 * as the capture saw it; valid if has_base): seq_next's low bits suffice. */
static inline uint32_t tt_dir_raw_next(const struct tt_dir *d)
{
	return d->base + d->seq_next_lo;
}

/* Has the direction sent anything? */
static inline bool tt_dir_sent(const struct tt_dir *d)
{
	return d->sent;
}

/* Where a direction's side blocks come from, and its record's wide times. */
struct tt_dir_slabs {
	struct tt_flow_slab *ext;   /* blocks of sizeof(struct tt_dir_ext) */
	struct tt_flow_slab *ring;  /* blocks of sizeof(struct tt_rtt_ring), used by number */
	struct tt_flow_slab *wide;  /* blocks of TT_RT_WIDE times (struct tt_rtimes) */
};

/**
 * A direction's side block, taken from m->ext if it has none yet (and the
 * record's condition counts moved into it).
 * @return the block, or NULL when the slab has none left (d->limits records it).
 */
struct tt_dir_ext *tt_dir_ext_need(const struct tt_dir_slabs *m, struct tt_dir *d);

/**
 * Count one more of each condition in `an` (TT_AN_BIT()s, and
 * TT_AN_BIT(TT_DIR_ICMP) for an ICMP error) for direction d: in the record
 * while each fits 4 bits, else in the side block, taken from m->ext.  Without
 * one (d->limits records it), a count stops at 15.
 */
void tt_dir_count_add(const struct tt_dir_slabs *m, struct tt_dir *d, uint32_t an);

/** Give a direction's side blocks back to their slabs (and forget them). */
void tt_dir_release(const struct tt_dir_slabs *m, struct tt_dir *d);

/* What a segment was, for the state machine and the event stream. */
struct tt_seg_info {
	uint32_t anomalies;         /* TT_AN_BIT() of each condition the segment carries */
};

/**
 * Convert a raw sequence number of this direction to a relative one, unwrapped
 * to 64 bits around the highest sequence seen.  The direction must have a base.
 */
uint64_t tt_dir_rel_seq(const struct tt_dir *d, uint32_t seq);

/**
 * Account one segment sent in direction snd, received by the other side (rcv).
 * Sets the bases on first sight, learns handshake options, updates counters.
 * @return what the segment was (returned, not stored through a pointer: one
 * argument fewer on the stack of every segment's call).
 * rt: the record's times, where snd's are those of direction si (0 or 1) and
 * rcv's of the other; now: the segment's time as rt counts it (tt_rt_stamp()),
 * or NULL to have it worked out here.
 * ooo_threshold: how soon after a sequence gap opened a segment filling it
 * counts as reordered rather than re-sent, when no timestamp or IP ID says
 * which was sent first (the handshake round trip, or 3 ms as in Wireshark);
 * TT_OOO_HANDSHAKE: the record's handshake round trip, its two halves in rt
 * (worked out only for a segment that needs it), or 3 ms while either is
 * unknown.
 * m: where side blocks come from (struct tt_dir_ext, struct tt_rtt_ring, wide times).
 */
#define TT_OOO_HANDSHAKE ((tt_time_ns)-1)
struct tt_seg_info tt_analysis_segment(const struct tt_dir_slabs *m, struct tt_rtimes *rt,
                                       const struct tt_rt_stamp *now, int si, struct tt_dir *snd,
                                       struct tt_dir *rcv, const struct tt_packet *p,
                                       tt_time_ns ooo_threshold);

/* What the tracker's analysis of a segment takes besides the record: where side
 * blocks come from, and the segment's stamp (tt_rt_stamp(), of the record's
 * times).  Kept together so that tt_analysis_seg() takes six arguments, all in
 * registers, not eight with the packet on the stack. */
struct tt_seg_env {
	struct tt_dir_slabs m;
	struct tt_rt_stamp now;
};

/**
 * tt_analysis_segment() with the side blocks and the stamp from e (the stamp
 * must be of p, from rt) and the out-of-order threshold TT_OOO_HANDSHAKE:
 * the tracker's.
 */
struct tt_seg_info tt_analysis_seg(const struct tt_seg_env *e, struct tt_rtimes *rt, int si,
                                   struct tt_dir *snd, struct tt_dir *rcv,
                                   const struct tt_packet *p);

/**
 * The same, always the whole way.  tt_analysis_segment() takes a short way
 * for the commonest segments (header prediction: the sender's next bytes or a
 * pure ACK, ACK alone set or ACK and FIN, no zero window advertised, not in
 * loss recovery, neither direction's counters past 32 bits), and another for
 * a direction's first segment when it is a plain SYN or SYN,ACK; they must
 * leave everything exactly as this does; a test compares them over random
 * segment streams.
 */
struct tt_seg_info tt_analysis_segment_full(const struct tt_dir_slabs *m, struct tt_rtimes *rt,
                                            const struct tt_rt_stamp *now, int si,
                                            struct tt_dir *snd, struct tt_dir *rcv,
                                            const struct tt_packet *p, tt_time_ns ooo_threshold);

/**
 * The short ways alone: @return true if one took the segment (as
 * tt_analysis_segment() would), false, having changed nothing, if the segment
 * needs tt_analysis_segment_full().  (For the test that compares them.)
 */
bool tt_analysis_segment_predicted(const struct tt_dir_slabs *m, struct tt_rtimes *rt,
                                   const struct tt_rt_stamp *now, int si, struct tt_dir *snd,
                                   struct tt_dir *rcv, const struct tt_packet *p,
                                   struct tt_seg_info *info);

/** @return the round trips timed of direction d, number di (0 or 1) of its record's times. */
static inline struct tt_rtt_stats tt_rtt_of(const struct tt_rtimes *rt, const struct tt_dir *d,
                                            int di)
{
	struct tt_rtt_stats r = {.samples = d->rtt_samples, .sum = d->rtt_sum};

	if (r.samples > 0) {
		r.min = tt_rt_get(rt, TT_RT_RTT_MIN + di);
		r.max = tt_rt_get(rt, TT_RT_RTT_MAX + di);
	}
	return r;
}

/**
 * The end of a record: a zero-window period still open is counted up to end.
 */
void tt_analysis_finish(struct tt_dir *d, tt_time_ns end);

/** After both SYNs: apply RFC 7323 §2.2 (scale only if both sent the option). */
void tt_analysis_negotiate(struct tt_dir *c2s, struct tt_dir *s2c);

#endif /* TCPTRACK_ANALYSIS_H */
