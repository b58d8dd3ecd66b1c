/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tracker.c - glue of the tracking stage: tt_packet -> connection record ->
 * analysis -> both endpoints' state machines -> timers -> events.
 *
 * A connection is over when neither endpoint can send or receive any more:
 * both are CLOSED or in TIME_WAIT.  Its record is then final; it is written a
 * second later (so that strays just after the end still count in it) and the
 * full record is freed (with cfg.on_records, once its batch is handed over:
 * hand_over()).  What the tracker still needs of it -- the 4-tuple,
 * the states, the client's ISN, the deadlines -- moves to a compact entry
 * (struct tt_tw, ~100 bytes, as the kernel keeps a timewait socket): it ends
 * TIME_WAIT at its deadline (the event), re-arms it on a retransmitted FIN,
 * takes strays for what they are, and numbers a new SYN on the 4-tuple as the
 * next incarnation, for 2*MSL after the last endpoint left TIME_WAIT (or
 * after the end, when there was no TIME_WAIT).
 *
 * Timer lists, in both tables (sorted by deadline):
 *   TW_LIST   an endpoint in TIME_WAIT, deadline 2*MSL after it entered;
 *   AFTER_TW_LIST (compact entries) the same after TIME_WAIT ran its course:
 *             deadlines 2*MSL later than DONE_LIST's, so a list of their own
 *             keeps both in order with O(1) inserts;
 *   DONE_LIST over and out of TIME_WAIT, kept 2*MSL so that stray segments are
 *             not taken for new connections and a new SYN on the 4-tuple is
 *             numbered as the next incarnation.
 */
#include "tcptrack/tracker.h"

#include <assert.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define TW_LIST 0
#define DONE_LIST 1
#define AFTER_TW_LIST 2 /* compact entries only: 2*MSL after TIME_WAIT ended (in order) */

/* A final record waits this long (at most 2*MSL) for strays before it is written. */
#define STRAY_GRACE TT_NS_PER_SEC

/* A connection over and written: what the tracker still needs of it. */
struct tt_tw {
	struct tt_flow_node node;   /* the table's; must be first */
	uint64_t id;
	uint32_t incarnation;
	uint32_t client_isn;        /* valid if TWF_ISN: the same SYN again is a stray */
	uint32_t early_us;          /* both in TIME_WAIT: the first leaves this much earlier */
	uint32_t rst_seq;           /* the one sequence number of an RST the endpoint in TIME_WAIT
	                             * accepts (its RCV.NXT), valid if TWF_RST */
	uint8_t state[2];           /* by enum tt_endpoint: TIME_WAIT or CLOSED */
	uint8_t client_slot;
	uint8_t flags;              /* TWF_* */
};
#define TWF_ISN 0x01
#define TWF_PROTECTED 0x02 /* TIME_WAIT ran its course: a new SYN is no port reuse */
#define TWF_SERVER_FIRST 0x04 /* both in TIME_WAIT: the server leaves it first */
#define TWF_RST 0x08          /* rst_seq is known (for the endpoint in TIME_WAIT, the client's
                               * when both are) */

/* A record waiting to be written, its end (c->end, final) and the hash of
 * its key (for the index slots it leaves and its compact entry takes). */
struct pend_ent {
	struct tt_conn *c;
	tt_time_ns end;
	uint32_t hash;
};

/* A segment's flow key and its hash, which way round the key has its
 * endpoints, and a hint for the lookup: the record the look-ahead's index
 * probe named, or NULL (checked by tt_flow_lookup_hint()). */
struct seg_key {
	struct tt_flow_key key;
	uint32_t hash;
	bool swapped;
	const struct tt_conn *hint;
};

/* The look-ahead's ring: room for its TT_TRACKER_LOOKAHEAD frames. */
#define AHEAD_RING 8u
_Static_assert((AHEAD_RING & (AHEAD_RING - 1)) == 0 && AHEAD_RING >= TT_TRACKER_LOOKAHEAD,
               "a power of two that holds the look-ahead");

struct tt_tracker {
	struct tt_tracker_config cfg;
	struct tt_flow_table *flows;
	struct tt_flow_table *tws;  /* struct tt_tw by 4-tuple */
	/* seg.m: the records' side blocks (condition counts, struct tt_dir_ext,
	 * tt_rtt_ring, the times in full); seg.now: the time of the segment
	 * being fed, as its record counts it (the last's: a stamp whose time and
	 * first packet match is current).  Together: the analysis's argument. */
	struct tt_seg_env seg;
	struct tt_conn view;        /* a struct tt_tw as a record, for its events */
	struct tt_stats stats;
	uint64_t next_id;
	tt_time_ns now;
	bool have_time;
	/* Records over but not yet written, in order of end: each waits
	 * STRAY_GRACE (at most 2*MSL) as a tombstone in the table, so that
	 * strays just after its end (a second RST, data crossing it) still
	 * count in it.  A ring of pointers into the flow table, with the
	 * records' ends. */
	struct pend_ent *pend;
	uint32_t pend_head, pend_n, pend_cap; /* pend_cap: 0 or a power of two */
	tt_time_ns pend_due;       /* the oldest's end, INT64_MAX when none waits (every
	                            * frame asks: one comparison, no look into the ring) */
	tt_time_ns timer_floor[2]; /* latest start time given to each timer list */
	bool compacting;           /* write_pending() may free (or detach) what it writes */
	/* Records written (their TT_EVT_CONN_END emitted) and not yet handed to
	 * cfg.on_records, in order; done_live of them are still in the table (the
	 * others are detached: out of it, their memory and side blocks kept until
	 * handed over).  See hand_over(). */
	struct tt_conn *done[TT_TRACKER_BATCH];
	uint32_t done_n, done_live;
	uint64_t tw_over;          /* endpoints in TIME_WAIT of connections over */
	tt_time_ns end_floor;      /* latest end given to a record */
	/* A final record is written once time moves this far past its end, for
	 * its strays to come: STRAY_GRACE, at most 2*MSL (every frame asks). */
	tt_time_ns grace;
	uint32_t emit_mask;        /* 1 << TT_EVT_*: the events emit() dispatches (cfg.events) */
	bool seg_events;           /* a segment's own events are taken: anomalies or segments */
	/* The events emitted, one at a time: what emit() does not set stays
	 * (by_segment: events now are caused by the segment being fed, set
	 * around it; stray, anomalies and pkt: 0, only a segment's own event
	 * has them). */
	struct tt_event ev;
	tt_time_ns wake;           /* no deadline on any timer list is earlier (a lower bound) */
	/* min(wake, pend_due + grace), kept up to date by timer_set(), timer_insert(),
	 * expire(), pend_push() and due_reset(): nothing comes due before it (a
	 * lower bound), so each frame asks one comparison (feed_is_due()). */
	tt_time_ns due;
	/* The look-ahead (tt_tracker_ahead_push()): a ring of the frames waiting
	 * to be fed.  ahead_in counts the frames pushed, ahead_out those fed: the
	 * oldest waiting is at ahead_out, the next pushed goes to ahead_in (each
	 * modulo AHEAD_RING, a power of two: a mask, no comparison). */
	struct ahead {
		struct tt_packet pkt;   /* valid if r == TT_DEC_OK; its ts always */
		enum tt_decode_result r;
		struct seg_key k;       /* a segment's key (not an ICMP error's) */
		char pad[16];           /* to 256 bytes: a frame's place is a shift */
	} ahead[AHEAD_RING];
	uint32_t ahead_in, ahead_out;
};

_Static_assert(sizeof(((struct tt_tracker *)0)->ahead[0]) == 256,
               "a look-ahead frame is 256 bytes (its pad fills it)");

static void emit(struct tt_tracker *tr, enum tt_event_type type, tt_time_ns ts,
                 const struct tt_conn *c, enum tt_endpoint ep, enum tt_tcp_state from,
                 enum tt_tcp_state to, const char *anomaly)
{
	struct tt_event *ev = &tr->ev;

	if (!(tr->emit_mask >> type & 1))
		return;
	if (type == TT_EVT_STATE && tr->cfg.events == TT_EVENTS_REPORT &&
	    from != TT_TCP_TIME_WAIT && to != TT_TCP_TIME_WAIT)
		return;
	ev->type = type;
	ev->ts = ts;
	ev->conn = c;
	ev->endpoint = ep;
	ev->from = from;
	ev->to = to;
	ev->anomaly = anomaly;
	tr->cfg.on_event(ev, tr->cfg.user);
}

/* TT_EVT_SEGMENT, when asked for (cfg.segments): the segment after its effects. */
static void emit_segment(struct tt_tracker *tr, const struct tt_conn *c, enum tt_endpoint se,
                         const struct tt_packet *p, uint32_t anomalies, bool stray)
{
	if (tr->cfg.segments && tr->cfg.on_event != NULL) {
		struct tt_event ev = {.type = TT_EVT_SEGMENT, .ts = p->ts, .conn = c, .endpoint = se,
		                      .by_segment = true, .stray = stray, .anomalies = anomalies,
		                      .pkt = p};
		tr->cfg.on_event(&ev, tr->cfg.user);
	}
}

/* TT_EVT_ANOMALY for each of a segment's anomalies, lowest bit first.  (The
 * mask asked once, not for each: a report takes none.) */
static inline void emit_anomalies(struct tt_tracker *tr, const struct tt_conn *c,
                                  enum tt_endpoint se, const struct tt_packet *p,
                                  uint32_t anomalies)
{
	if (!(tr->emit_mask >> TT_EVT_ANOMALY & 1))
		return;
	for (uint32_t m = anomalies; m != 0; m &= m - 1)
		emit(tr, TT_EVT_ANOMALY, p->ts, c, se, TT_TCP_CLOSED, TT_TCP_CLOSED,
		     tt_anomaly_name((enum tt_anomaly)__builtin_ctz(m)));
}

/* A segment's anomalies, then the segment: out of line, behind one test, so
 * that a segment whose events no one takes (a report's) asks once. */
static __attribute__((noinline)) void emit_segment_events_far(struct tt_tracker *tr,
                                                              const struct tt_conn *c,
                                                              enum tt_endpoint se,
                                                              const struct tt_packet *p,
                                                              uint32_t anomalies, bool stray)
{
	emit_anomalies(tr, c, se, p, anomalies);
	emit_segment(tr, c, se, p, anomalies, stray);
}

static inline void emit_segment_events(struct tt_tracker *tr, const struct tt_conn *c,
                                       enum tt_endpoint se, const struct tt_packet *p,
                                       uint32_t anomalies, bool stray)
{
	if (tr->seg_events)
		emit_segment_events_far(tr, c, se, p, anomalies, stray);
}

/* When a record that ended at `end` is due to be written: after the stray
 * grace (end may be INT64_MAX, none waiting: the sum saturates). */
static inline tt_time_ns write_time(const struct tt_tracker *tr, tt_time_ns end)
{
	return end > INT64_MAX - tr->grace ? INT64_MAX : end + tr->grace;
}

/* tr->due worked out again, after wake or pend_due moved. */
static void due_reset(struct tt_tracker *tr)
{
	tt_time_ns pend = write_time(tr, tr->pend_due);

	tr->due = tr->wake < pend ? tr->wake : pend;
}

/* tr->wake and tr->due lowered to a new deadline, if it is earlier. */
static inline void wake_by(struct tt_tracker *tr, tt_time_ns deadline)
{
	if (deadline < tr->wake)
		tr->wake = deadline;
	if (deadline < tr->due)
		tr->due = deadline;
}

/*
 * Every timer is armed through these two: tr->wake stays a lower bound of the
 * earliest deadline on any list, so that expire() costs one comparison for a
 * packet that ends no timer.
 */
static void timer_set(struct tt_tracker *tr, struct tt_flow_table *t, void *rec, int list,
                      tt_time_ns deadline)
{
	tt_flow_timer_set(t, rec, list, deadline);
	wake_by(tr, deadline);
}

static void timer_insert(struct tt_tracker *tr, struct tt_flow_table *t, void *rec, int list,
                         tt_time_ns deadline)
{
	tt_flow_timer_insert(t, rec, list, deadline);
	wake_by(tr, deadline);
}

int tt_tracker_new(struct tt_tracker **out, const struct tt_tracker_config *cfg, char *errbuf)
{
	struct tt_tracker *tr;
	uint32_t held, records; /* records detached at once; in the table and detached, at most */
	int rc;

	*out = NULL;
	if (cfg->max_flows == 0)
		return tt_set_err(errbuf, TT_ERR_INVAL, "--max-flows must be at least 1");
	if (cfg->msl < 0)
		return tt_set_err(errbuf, TT_ERR_INVAL, "--msl must not be negative");
	tr = calloc(1, sizeof(*tr));
	if (tr == NULL)
		return tt_set_err(errbuf, TT_ERR_NOMEM, "out of memory");
	tr->cfg = *cfg;
	held = cfg->on_records != NULL ? TT_TRACKER_BATCH : 0;
	records = cfg->max_flows + held;
	tr->emit_mask = cfg->on_event == NULL            ? 0
	                : cfg->events == TT_EVENTS_REPORT ? 1u << TT_EVT_STATE | 1u << TT_EVT_CONN_END
	                                                  : UINT32_MAX;
	tr->seg_events = (tr->emit_mask >> TT_EVT_ANOMALY & 1) ||
	                 (cfg->segments && cfg->on_event != NULL);
	tr->timer_floor[TW_LIST] = tr->timer_floor[DONE_LIST] = INT64_MIN;
	tr->end_floor = INT64_MIN;
	tr->pend_due = INT64_MAX;
	tr->grace = 2 * cfg->msl < STRAY_GRACE ? 2 * cfg->msl : STRAY_GRACE;
	due_reset(tr); /* (wake is 0: the first frame runs expire(), which sets it) */
	/* A fixed seed: output never depends on bucket order anyway (records
	 * are written in event order), and replays stay reproducible. */
	rc = tt_flow_table_new_held(&tr->flows, cfg->max_flows, held, sizeof(struct tt_conn),
	                            0x7463u, errbuf);
	if (rc == TT_OK)
		rc = tt_flow_table_new(&tr->tws, cfg->max_flows, sizeof(struct tt_tw), 0x7463u, errbuf);
	if (rc == TT_OK)
		tt_flow_table_no_lru(tr->tws); /* full, the entry nearest its end goes (timers) */
	/* At most one of each per direction of each record, in the table or
	 * detached: the slabs never run out before the table does. */
	if (rc == TT_OK)
		rc = tt_flow_slab_new(&tr->seg.m.ext, sizeof(struct tt_dir_ext), 2 * records, errbuf);
	if (rc == TT_OK)
		rc = tt_flow_slab_new(&tr->seg.m.ring, sizeof(struct tt_rtt_ring), 2 * records, errbuf);
	if (rc == TT_OK)
		tt_flow_slab_no_zero(tr->seg.m.ring); /* slots are written before they are read */
	if (rc == TT_OK)
		rc = tt_flow_slab_new(&tr->seg.m.wide, sizeof(tt_time_ns) * TT_RT_WIDE, records, errbuf);
	if (rc == TT_OK)
		tt_flow_slab_no_zero(tr->seg.m.wide); /* filled when taken */
	if (rc != TT_OK) {
		tt_tracker_free(&tr); /* what was made (the rest is NULL) */
		return rc;
	}
	tr->stats.max_flows = cfg->max_flows;
	*out = tr;
	return TT_OK;
}

void tt_tracker_free(struct tt_tracker **trp)
{
	if (trp == NULL || *trp == NULL)
		return;
	tt_flow_table_free(&(*trp)->flows);
	tt_flow_table_free(&(*trp)->tws);
	tt_flow_slab_free(&(*trp)->seg.m.ext);
	tt_flow_slab_free(&(*trp)->seg.m.ring);
	tt_flow_slab_free(&(*trp)->seg.m.wide);
	free((*trp)->pend);
	free(*trp);
	*trp = NULL;
}

const struct tt_stats *tt_tracker_stats(const struct tt_tracker *tr)
{
	return &tr->stats;
}

/* ---- history and state changes ---------------------------------------- */

/* Transitions past the record's places, or times that do not fit them
 * (out of line: rare). */
static __attribute__((noinline, cold)) void history_push_wide(struct tt_flow_slab *wide,
                                                              struct tt_rtimes *rt,
                                                              struct tt_history *h, int ep,
                                                              enum tt_tcp_state s, tt_time_ns ts)
{
	int i = h->n < TT_HISTORY_MAX ? h->n : TT_HISTORY_MAX - 1;

	if (i >= TT_HISTORY_INLINE && !tt_rt_widen(rt, wide))
		i = TT_HISTORY_INLINE - 1; /* no side block: the record's last place takes the latest */
	if (i < h->n)
		h->truncated = true; /* full: the first entries are kept, the latest last */
	else
		h->n++;
	tt_history_set_state(h, i, s);
	tt_rt_set_hist(rt, wide, ep, i, ts);
}

_Static_assert(TT_TCP_CLOSED == 0, "a cleared history place reads CLOSED");

/* (st: a stamp of the record's, or NULL; when it is of ts, it has ts's count
 * already, worked out once for the segment and the transitions it causes.) */
static inline void history_push(struct tt_flow_slab *wide, struct tt_rtimes *rt,
                                struct tt_history *h, int ep, enum tt_tcp_state s, tt_time_ns ts,
                                const struct tt_rt_stamp *st)
{
	if (h->n < TT_HISTORY_INLINE && rt->wide == NULL) {
		uint32_t *n = &rt->n[TT_RT_HIST_N(ep, h->n)];
		if (st != NULL && st->ts == ts && tt_rt_stamp_ok(rt, st))
			*n = st->n;
		else if (!tt_rt_enc(rt, true, ts, n))
			goto wide;
		/* Places from h->n on are 0, CLOSED (a record starts zeroed, and a
		 * transition taken back is cleared): the state is ORed in. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		/* The history as one word (n in its low byte, place i at bit
		 * 16 + 4i): the state ORed in and n raised in one store (n below
		 * TT_HISTORY_INLINE: no carry out of its byte). */
		uint64_t w;
		_Static_assert(sizeof(*h) == sizeof(w) && offsetof(struct tt_history, st) == 2,
		               "n, truncated, then the places");
		memcpy(&w, h, sizeof(w));
		w = (w | (uint64_t)((unsigned)s & 0xfu) << (16 + 4 * (w & 0xffu))) + 1;
		memcpy(h, &w, sizeof(w));
#else
		h->st[h->n >> 1] |= (uint8_t)(((unsigned)s & 0xfu) << ((h->n & 1u) << 2));
		h->n++;
#endif
		return;
	}
wide:
	history_push_wide(wide, rt, h, ep, s, ts);
}

void tt_history_push(struct tt_flow_slab *wide, struct tt_rtimes *rt, struct tt_history *h,
                     int ep, enum tt_tcp_state s, tt_time_ns ts)
{
	if (h->n < TT_HISTORY_MAX) /* (a history built by hand may have its next place set) */
		tt_history_set_state(h, h->n, TT_TCP_CLOSED);
	history_push(wide, rt, h, ep, s, ts, NULL);
}

static bool done_state(uint8_t s)
{
	return s == TT_TCP_CLOSED || s == TT_TCP_TIME_WAIT;
}

/* A record view of what is left of a connection, for the events it still emits. */
static struct tt_conn *view_of(struct tt_tracker *tr, const struct tt_flow_key *key, uint64_t id,
                               uint32_t incarnation, uint8_t client_slot, const uint8_t state[2])
{
	struct tt_conn *v = &tr->view;

	v->id = id;
	v->incarnation = incarnation;
	v->ip_version = key->ip_version;
	v->client_slot = client_slot;
	v->node.key = *key;
	for (int ep = 0; ep < 2; ep++)
		v->state[ep] = state[ep];
	v->emitted = v->written = v->remnant = true;
	v->end_reason = TT_END_CLOSED;
	return v;
}

/* The endpoints of view v still in TIME_WAIT leave it: the first at `first`, the other at `at`. */
/* Endpoint ep of view v, if in TIME_WAIT, leaves it at ts. */
static void view_leave(struct tt_tracker *tr, struct tt_conn *v, int ep, tt_time_ns ts)
{
	if (v->state[ep] != TT_TCP_TIME_WAIT)
		return;
	v->state[ep] = TT_TCP_CLOSED;
	tr->tw_over--;
	emit(tr, TT_EVT_STATE, ts, v, (enum tt_endpoint)ep, TT_TCP_TIME_WAIT, TT_TCP_CLOSED, NULL);
}

static void view_leave_time_wait(struct tt_tracker *tr, struct tt_conn *v, int first_ep,
                                 tt_time_ns first, tt_time_ns at)
{
	view_leave(tr, v, first_ep, first);
	view_leave(tr, v, !first_ep, at);
}

/* The record's times (struct tt_rtimes). */
#define RT_GET(c, slot) tt_rt_get(&(c)->rt, (slot))
static inline TT_ALWAYS_INLINE void rt_set(struct tt_tracker *tr, struct tt_conn *c, int slot,
                                           tt_time_ns v)
{
	tt_rt_set(&c->rt, tr->seg.m.wide, slot, v);
}

/*
 * Duration slot `dur` set to the time from time slot `since` (set) to the
 * segment's, whose stamp is st, unless the segment is earlier: @return
 * whether it was set.  From the counts when both are the record's: the same
 * unit from the same first packet, so their difference is the duration's
 * count, with no division.
 */
static inline bool rt_set_since(struct tt_tracker *tr, struct tt_conn *c, int dur, int since,
                                const struct tt_rt_stamp *st)
{
	assert(c->rt.set >> since & 1);
	if (tt_rt_stamp_ok(&c->rt, st)) {
		if (st->n < c->rt.n[since])
			return false;
		/* (Marked known, as the out-of-order threshold reads: TT_OOO_HANDSHAKE.) */
		assert(dur >= TT_RT_PATH_RTT && dur < TT_RT_RTT_MIN);
		tt_rt_set_count(&c->rt, dur, st->n - c->rt.n[since]);
		return true;
	}
	tt_time_ns t0 = RT_GET(c, since);
	if (st->ts < t0)
		return false;
	rt_set(tr, c, dur, st->ts - t0);
	return true;
}

static inline void set_state(struct tt_tracker *tr, struct tt_conn *c, enum tt_endpoint ep,
                             enum tt_tcp_state to, tt_time_ns ts)
{
	enum tt_tcp_state from = (enum tt_tcp_state)c->state[ep];

	if (from == to)
		return;
	c->state[ep] = (uint8_t)to;
	history_push(tr->seg.m.wide, &c->rt, &c->hist[ep], (int)ep, to, ts, &tr->seg.now);
	emit(tr, TT_EVT_STATE, ts, c, ep, from, to, NULL);
}

/* 2*MSL after ts, for timer list `list`.  A packet older than one already
 * timed (time going backwards) counts from that later time instead, which
 * keeps each list sorted. */
static tt_time_ns two_msl_after(struct tt_tracker *tr, int list, tt_time_ns ts)
{
	if (ts < tr->timer_floor[list])
		ts = tr->timer_floor[list];
	tr->timer_floor[list] = ts;
	return ts + 2 * tr->cfg.msl;
}

/* Keep the TIME_WAIT timer at the latest deadline of the endpoints in TIME_WAIT. */
static void arm_time_wait(struct tt_tracker *tr, struct tt_conn *c, enum tt_endpoint ep,
                          tt_time_ns ts)
{
	/* One timer a connection, at the latest deadline (so the list stays
	 * sorted); each endpoint keeps its own deadline: when both are in
	 * TIME_WAIT, the first leaves it, dated at its own deadline, when the
	 * timer fires. */
	tt_time_ns deadline = two_msl_after(tr, TW_LIST, ts);

	rt_set(tr, c, TT_RT_TW_DEADLINE + (int)ep, deadline);
	timer_set(tr, tr->flows, c, TW_LIST, deadline);
}

/* Which endpoint sent a segment whose source is key side `swapped`, of a
 * record or compact entry whose client is key side client_slot. */
static inline enum tt_endpoint endpoint_in(uint8_t client_slot, bool swapped)
{
	/* (The key's endpoint `swapped` is the client's when it is client_slot.) */
	return (enum tt_endpoint)((unsigned)swapped ^ (client_slot & 1u));
}

static inline enum tt_endpoint endpoint_of(const struct tt_conn *c, bool swapped)
{
	return endpoint_in(c->client_slot, swapped);
}

/* The hash of a record's key, where none is at hand. */
static uint32_t conn_hash(const struct tt_tracker *tr, const struct tt_conn *c)
{
	return tt_flow_hash(tr->flows, &c->node.key);
}

static bool both_closed(const struct tt_conn *c)
{
	return c->state[TT_CLIENT] == TT_TCP_CLOSED && c->state[TT_SERVER] == TT_TCP_CLOSED;
}

static int cmp_first(const void *a, const void *b)
{
	const struct tt_conn *x = a, *y = b;

	if (x->rt.first != y->rt.first)
		return x->rt.first < y->rt.first ? -1 : 1;
	return x->id < y->id ? -1 : (x->id > y->id ? 1 : 0);
}

/* Prefetch `len` bytes at p, a cache line at a time. */
static inline void prefetch_range(const void *p, size_t len)
{
	const char *b = p;
	for (size_t off = 0; off < len; off += 64)
		__builtin_prefetch(b + off, 1);
}

/* The i-th record waiting, oldest first.  Its end and hash are read from the
 * ring, not the record: the end is asked for every packet and for the ties of
 * every record written, and records were last used up to a second before. */
static struct pend_ent *pend_ent(const struct tt_tracker *tr, uint32_t i)
{
	return &tr->pend[(tr->pend_head + i) & (tr->pend_cap - 1)];
}

static struct tt_conn *pend_at(const struct tt_tracker *tr, uint32_t i)
{
	return pend_ent(tr, i)->c;
}

/* Give a record's side blocks back to their slabs. */
static inline void release_side_blocks(struct tt_tracker *tr, struct tt_conn *c)
{
	tt_dir_release(&tr->seg.m, &c->dir[TT_CLIENT]);
	tt_dir_release(&tr->seg.m, &c->dir[TT_SERVER]);
	tt_flow_slab_put(tr->seg.m.wide, c->rt.wide);
	c->rt.wide = NULL;
}

/* Free what drop_record() of a detached record left: its side blocks, its memory. */
static void release_detached(struct tt_tracker *tr, struct tt_conn *c)
{
	release_side_blocks(tr, c);
	tt_flow_release(tr->flows, c);
}

/*
 * The records written since the last hand-over go to cfg.on_records, in the
 * order written; then the detached ones are freed.  Handing records over in
 * batches keeps the writers' code in the instruction cache across a batch,
 * and the segments' code across the packets between batches: a record's
 * writing, about half a connection's instructions, is a large body of code
 * run once a connection.
 *
 * What the records say is what they said when written: a record is changed
 * by nothing between its TT_EVT_CONN_END and its hand-over.  One still in the
 * table (done_live) could be, by a later segment or timer: write_pending()
 * and the other writers hand over before returning when done_live is not 0
 * (done_wait()), so only detached records wait, and only for the batch to fill.
 */
static __attribute__((noinline)) void hand_over(struct tt_tracker *tr)
{
	uint32_t n = tr->done_n;

	if (n == 0)
		return;
	tr->cfg.on_records((const struct tt_conn *const *)tr->done, n, tr->cfg.user);
	tr->done_n = tr->done_live = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct tt_conn *c = tr->done[i];
		c->queued = false;
		if (!c->node.in_use)
			release_detached(tr, c);
	}
}

/* Records written and still in the table are handed over now (see hand_over()). */
static inline void done_wait(struct tt_tracker *tr)
{
	if (tr->done_live > 0)
		hand_over(tr);
}

static void write_record(struct tt_tracker *tr, struct tt_conn *c)
{
	c->written = true;
	if (c->tw_followed) /* followed on until it leaves TIME_WAIT */
		tr->tw_over += (uint64_t)(c->state[0] == TT_TCP_TIME_WAIT) +
		               (c->state[1] == TT_TCP_TIME_WAIT);
	emit(tr, TT_EVT_CONN_END, tt_conn_end(c), c, TT_CLIENT, TT_TCP_CLOSED, TT_TCP_CLOSED, NULL);
	if (tr->cfg.on_records != NULL) {
		if (tr->done_n == TT_TRACKER_BATCH)
			hand_over(tr);
		c->queued = true;
		tr->done[tr->done_n++] = c;
		tr->done_live++;
	}
}

/* Forget the compact entry nearest its end. @return false when there is none. */
static bool tw_drop_nearest(struct tt_tracker *tr)
{
	struct tt_tw *victim = NULL;

	for (int l = 0; l < TT_FLOW_NTIMERS; l++) {
		struct tt_tw *h = tt_flow_timer_first(tr->tws, l);
		if (h != NULL && (victim == NULL || h->node.deadline < victim->node.deadline))
			victim = h;
	}
	if (victim == NULL)
		return false;
	tr->stats.time_wait_dropped++;
	/* Forgotten: what was in TIME_WAIT is no longer followed from now. */
	view_leave_time_wait(tr, view_of(tr, &victim->node.key, victim->id, victim->incarnation,
	                                 victim->client_slot, victim->state),
	                     TT_CLIENT, tr->now, tr->now);
	tt_flow_remove(tr->tws, victim);
	return true;
}

/* Room in the compact table: when it is full, the entry nearest its end goes. */
static struct tt_tw *tw_insert(struct tt_tracker *tr, const struct tt_flow_key *key, uint32_t hash)
{
	struct tt_tw *w = tt_flow_insert(tr->tws, key, hash);

	while (w == NULL && tw_drop_nearest(tr))
		w = tt_flow_insert(tr->tws, key, hash);
	return w;
}

/* Free a record and its side blocks (hash: of its key); one written and not
 * yet handed over is only detached from the table (hand_over() frees it). */
static void drop_record(struct tt_tracker *tr, struct tt_conn *c, uint32_t hash)
{
	if (c->queued) {
		assert(c->node.in_use); /* (queued records are in the table or detached once) */
		tt_flow_detach_hashed(tr->flows, c, hash);
		tr->done_live--;
		return;
	}
	release_side_blocks(tr, c);
	tt_flow_remove_hashed(tr->flows, c, hash);
}

/*
 * A written record waiting on a timer (TIME_WAIT, or 2*MSL after its end)
 * becomes a compact entry and the full record is freed (detached until its
 * batch is handed over, with cfg.on_records).
 */
static void compact(struct tt_tracker *tr, struct tt_conn *c, uint32_t hash)
{
	int list = c->node.tmr_list;
	tt_time_ns deadline = c->node.deadline;
	struct tt_tw *w;
	/* The flags built here and stored once: the entry's memory is seldom in the
	 * cache, and |= on it loaded its line while the segments waited. */
	uint8_t flags = 0;

	if (list < 0 || c->held)
		return;
	w = tw_insert(tr, &c->node.key, hash);
	if (w == NULL)
		return; /* no memory: the full record stays on its timer */
	w->id = c->id;
	w->incarnation = c->incarnation;
	w->client_slot = c->client_slot;
	{
		/* An exact RST kills TIME_WAIT, as Linux does (tcp_rfc1337 off). */
		int ep = c->state[TT_CLIENT] == TT_TCP_TIME_WAIT ? TT_CLIENT : TT_SERVER;
		const struct tt_dir *snd = &c->dir[!ep];
		if (c->state[ep] == TT_TCP_TIME_WAIT && snd->has_base) {
			w->rst_seq = tt_dir_raw_next(snd);
			flags |= TWF_RST;
		}
	}
	w->state[TT_CLIENT] = c->state[TT_CLIENT];
	w->state[TT_SERVER] = c->state[TT_SERVER];
	if (c->dir[TT_CLIENT].has_isn) {
		w->client_isn = c->dir[TT_CLIENT].isn;
		flags |= TWF_ISN;
	}
	if (c->tw_done)
		flags |= TWF_PROTECTED;
	if (list == TW_LIST && c->state[0] == TT_TCP_TIME_WAIT && c->state[1] == TT_TCP_TIME_WAIT) {
		/* Both in TIME_WAIT: the timer is the later deadline; remember the other. */
		tt_time_ns d0 = tt_conn_tw_deadline(c, 0), d1 = tt_conn_tw_deadline(c, 1);
		tt_time_ns lo = d0 < d1 ? d0 : d1;
		tt_time_ns gap = deadline - lo;
		w->early_us = gap <= 0 ? 0 : gap / 1000 > UINT32_MAX ? UINT32_MAX : (uint32_t)(gap / 1000);
		if (d1 < d0)
			flags |= TWF_SERVER_FIRST;
	}
	w->flags = flags; /* (a new entry's are 0) */
	drop_record(tr, c, hash);
	timer_insert(tr, tr->tws, w, list, deadline);
}

/*
 * Write the waiting records that ended at or before `until`, oldest first;
 * those that ended at the same instant in order of first packet (then id):
 * the output is ordered by (end, first packet).
 */
static void write_pending(struct tt_tracker *tr, tt_time_ns until)
{
	while (tr->pend_n > 0 && pend_ent(tr, 0)->end <= until) {
		tt_time_ns end = pend_ent(tr, 0)->end;
		uint32_t n = 1;
		while (n < tr->pend_n && pend_ent(tr, n)->end == end)
			n++;
		/* Insertion sort of the tie group in place (usually 1 or 2). */
		for (uint32_t i = 1; i < n; i++)
			for (uint32_t j = i; j > 0 && cmp_first(pend_at(tr, j - 1), pend_at(tr, j)) > 0;
			     j--) {
				struct pend_ent t = *pend_ent(tr, j - 1);
				*pend_ent(tr, j - 1) = *pend_ent(tr, j);
				*pend_ent(tr, j) = t;
			}
		for (uint32_t i = 0; i < n; i++) {
			struct tt_conn *c = pend_at(tr, 0);
			uint32_t hash = pend_ent(tr, 0)->hash;
			/* The writers read all of a record, a second after its last
			 * use: bring the next one in while this one is written, with
			 * the index slots its compact entry takes and it leaves. */
			if (tr->pend_n > 1) {
				const struct pend_ent *next = pend_ent(tr, 1);
				prefetch_range(next->c, sizeof(struct tt_conn));
				if (tr->compacting) {
					tt_flow_prefetch_slot(tr->tws, next->hash);
					tt_flow_prefetch_slot(tr->flows, next->hash);
				}
			}
			write_record(tr, c);
			tr->pend_head = (tr->pend_head + 1) & (tr->pend_cap - 1);
			tr->pend_n--;
			if (tr->compacting)
				compact(tr, c, hash);
		}
	}
	tr->pend_due = tr->pend_n > 0 ? pend_ent(tr, 0)->end : INT64_MAX;
	due_reset(tr);
	done_wait(tr);
}

/* Write the records due by `until`, and let them become compact entries. */
static void write_due(struct tt_tracker *tr, tt_time_ns until)
{
	if (until < tr->pend_due)
		return; /* (every packet asks) */
	tr->compacting = true;
	write_pending(tr, until);
	tr->compacting = false;
}

/*
 * Take c out of the table; a record still waiting is written first.  The
 * endpoints of a record over in TIME_WAIT leave it at `ts`: nothing follows
 * them any more.
 */
static void remove_conn(struct tt_tracker *tr, struct tt_conn *c, tt_time_ns ts)
{
	if (c->emitted && !c->written)
		write_pending(tr, tt_conn_end(c));
	if (c->tw_followed) {
		struct tt_conn *v = view_of(tr, &c->node.key, c->id, c->incarnation, c->client_slot,
		                            c->state);
		view_leave_time_wait(tr, v, TT_CLIENT, ts, ts);
	}
	drop_record(tr, c, conn_hash(tr, c));
}

/* (hash: of c's key, for the index slots it leaves and its compact entry takes) */
static bool pend_push(struct tt_tracker *tr, struct tt_conn *c, uint32_t hash)
{
	tt_time_ns end = tt_conn_end(c);

	if (tr->pend_n == tr->pend_cap) {
		uint32_t cap = tr->pend_cap ? tr->pend_cap * 2 : 64;
		struct pend_ent *p = malloc(sizeof(*p) * cap);
		if (p == NULL)
			return false;
		for (uint32_t i = 0; i < tr->pend_n; i++)
			p[i] = *pend_ent(tr, i);
		free(tr->pend);
		tr->pend = p;
		tr->pend_cap = cap;
		tr->pend_head = 0;
	}
	if (tr->pend_n == 0) { /* (ends only grow: the oldest is the earliest) */
		tt_time_ns due = write_time(tr, end);
		tr->pend_due = end;
		if (due < tr->due)
			tr->due = due;
	}
	tr->pend[(tr->pend_head + tr->pend_n++) & (tr->pend_cap - 1)] =
	        (struct pend_ent){.c = c, .end = end, .hash = hash};
	return true;
}

/* The record is final at ts (hash: of its key, which a segment's caller has at hand). */
static void finalize(struct tt_tracker *tr, struct tt_conn *c, enum tt_end_reason why,
                     tt_time_ns ts, uint32_t hash)
{
	tt_time_ns last = tt_conn_last(c);

	/* Capture time may go backwards: an end is never before an earlier end
	 * (records stay in order) nor before the record's own last packet. */
	if (ts < tr->end_floor)
		ts = tr->end_floor;
	if (ts < last)
		ts = last;
	tr->end_floor = ts;
	if (ts == last && c->rt.wide == NULL) {
		/* Most often the end is the last packet's time: its count, not
		 * divided again. */
		assert(c->rt.set >> TT_RT_LAST & 1);
		tt_rt_set_count(&c->rt, TT_RT_END, c->rt.n[TT_RT_LAST]);
	} else {
		rt_set(tr, c, TT_RT_END, ts);
	}
	c->end_reason = (uint8_t)why;
	/* A zero window still advertised lasts until the last packet. */
	tt_analysis_finish(&c->dir[TT_CLIENT], last);
	tt_analysis_finish(&c->dir[TT_SERVER], last);
	c->emitted = true;
	c->held = false;
	if (!pend_push(tr, c, hash)) {
		/* No memory to wait: write it now, in order. */
		write_pending(tr, ts);
		write_record(tr, c);
		done_wait(tr);
	}
}

/*
 * After a segment or a timer: a connection whose endpoints are both CLOSED is
 * over.  Its record stays 2*MSL more: strays are absorbed and a later SYN on
 * the 4-tuple is numbered as its next incarnation.  A failed opening (refused,
 * unreachable) is held unwritten that long, since a client may retry the same
 * SYN (Windows does after an RST): the retry continues the same record.
 */
static void end_now(struct tt_tracker *tr, struct tt_conn *c, tt_time_ns ts, bool via_timer,
                    uint32_t hash)
{
	if (!both_closed(c)) {
		/* Over, an endpoint in TIME_WAIT: the record is final now; its
		 * TIME_WAIT timer goes on (with the compact entry, once written). */
		c->tw_followed = true;
		finalize(tr, c, TT_END_CLOSED, ts, hash);
		return;
	}
	c->tw_done = via_timer;
	if (c->refused || c->unreachable)
		c->held = true;
	else
		finalize(tr, c, TT_END_CLOSED, ts, hash);
	timer_set(tr, tr->flows, c, DONE_LIST, two_msl_after(tr, DONE_LIST, ts));
}

/* Both endpoints CLOSED or in TIME_WAIT, and not ended yet: end_now().  (Inlined:
 * every segment asks, and the call cost more than the answer.) */
static inline TT_ALWAYS_INLINE void maybe_end(struct tt_tracker *tr, struct tt_conn *c,
                                              tt_time_ns ts, bool via_timer, uint32_t hash)
{
	/* (The states first: most segments find an endpoint still open.) */
	if (done_state(c->state[0]) && done_state(c->state[1]) && !c->emitted && !c->held)
		end_now(tr, c, ts, via_timer, hash);
}

/* ---- timers ------------------------------------------------------------- */

/* A compact entry's deadline: it leaves TIME_WAIT, or it is forgotten. */
static void tw_expire(struct tt_tracker *tr, struct tt_tw *w, tt_time_ns at)
{
	if (w->node.tmr_list != TW_LIST) {
		tt_flow_remove(tr->tws, w);
		return;
	}
	struct tt_conn *v = view_of(tr, &w->node.key, w->id, w->incarnation, w->client_slot,
	                            w->state);
	int first = (w->flags & TWF_SERVER_FIRST) ? TT_SERVER : TT_CLIENT;
	view_leave_time_wait(tr, v, first, at - (tt_time_ns)w->early_us * 1000, at);
	w->state[TT_CLIENT] = w->state[TT_SERVER] = TT_TCP_CLOSED;
	w->flags |= TWF_PROTECTED;
	timer_insert(tr, tr->tws, w, AFTER_TW_LIST, at + 2 * tr->cfg.msl);
}

/* The full record's TIME_WAIT timer. */
static void conn_tw_expire(struct tt_tracker *tr, struct tt_conn *c, tt_time_ns at)
{
	if (c->emitted) {
		/* Over: its record is final.  Write it now (with those that ended
		 * before it) and let the compact entry take the deadline. */
		if (!c->written)
			write_due(tr, tt_conn_end(c));
		else
			compact(tr, c, conn_hash(tr, c));
		if (!c->node.in_use)
			return; /* compact: its entry is on the compact TW list now */
		/* No memory for the entry: the full record leaves TIME_WAIT itself. */
		tt_flow_timer_cancel(tr->flows, c);
		struct tt_conn *v = view_of(tr, &c->node.key, c->id, c->incarnation, c->client_slot,
		                            c->state);
		view_leave_time_wait(tr, v, TT_CLIENT, at, at);
		c->tw_followed = false;
		c->tw_done = true;
		timer_set(tr, tr->flows, c, DONE_LIST, two_msl_after(tr, DONE_LIST, at));
		return;
	}
	tt_flow_timer_cancel(tr->flows, c);
	for (int ep = 0; ep < 2; ep++) {
		tt_time_ns deadline = tt_conn_tw_deadline(c, ep);
		if (c->state[ep] == TT_TCP_TIME_WAIT)
			set_state(tr, c, (enum tt_endpoint)ep,
			          tt_tcp_step(TT_TCP_TIME_WAIT, TT_EV_TIMEOUT, NULL),
			          deadline != 0 && deadline < at ? deadline : at);
	}
	maybe_end(tr, c, at, true, conn_hash(tr, c));
}

/* The timer lists' heads in deadline order, so records end in time order. */
static void expire(struct tt_tracker *tr, tt_time_ns now)
{
	if (now < tr->wake)
		return;
	for (;;) {
		struct tt_flow_node *head[5] = {
			tt_flow_timer_first(tr->flows, TW_LIST), tt_flow_timer_first(tr->flows, DONE_LIST),
			tt_flow_timer_first(tr->tws, TW_LIST), tt_flow_timer_first(tr->tws, DONE_LIST),
			tt_flow_timer_first(tr->tws, AFTER_TW_LIST)};
		int k = -1;
		tt_time_ns next = INT64_MAX;

		for (int i = 0; i < 5; i++) {
			if (head[i] != NULL && head[i]->deadline < next)
				next = head[i]->deadline;
			if (head[i] != NULL && head[i]->deadline <= now &&
			    (k < 0 || head[i]->deadline < head[k]->deadline))
				k = i;
		}
		if (k < 0) {
			tr->wake = next;
			due_reset(tr);
			break;
		}
		tt_time_ns at = head[k]->deadline;
		/* The list's next entry, cold since it was armed: in while this one fires. */
		tt_flow_timer_prefetch_next(k < 2 ? tr->flows : tr->tws, head[k]);
		if (k == 0) {
			conn_tw_expire(tr, (struct tt_conn *)(void *)head[k], at);
		} else if (k == 1) {
			struct tt_conn *c = (struct tt_conn *)(void *)head[k];
			tt_flow_timer_cancel(tr->flows, c);
			/* A failed opening nobody retried is written when its 2*MSL ends. */
			if (c->held)
				finalize(tr, c, TT_END_CLOSED, at, conn_hash(tr, c));
			remove_conn(tr, c, at);
		} else {
			tw_expire(tr, (struct tt_tw *)(void *)head[k], at);
		}
	}
}

/* ---- creation and eviction ---------------------------------------------- */

/* Records looked at, from the least recently active, for one that is cheap to lose. */
#define EVICT_SCAN 32

/*
 * The record to evict when the table is full: the least recently active
 * record that is over already or was never answered (one direction only: a
 * flood's SYN, a scan, a spoofed segment), looking at up to EVICT_SCAN of
 * them; a record that is talking gets a second chance (it is touched, as if
 * active), so that a SYN flood cannot push out the connections that are
 * really talking (as conntrack's early_drop prefers unassured entries).  If
 * every record looked at was talking, the least recently active one then.
 */
static struct tt_conn *eviction_victim(struct tt_tracker *tr)
{
	struct tt_conn *c = tt_flow_lru_oldest(tr->flows);

	for (int i = 0; i < EVICT_SCAN && c != NULL; i++) {
		if (c->held || c->emitted || !tt_dir_sent(&c->dir[TT_CLIENT]) ||
		    !tt_dir_sent(&c->dir[TT_SERVER]))
			return c;
		tt_flow_touch(tr->flows, c);
		c = tt_flow_lru_oldest(tr->flows);
	}
	return c;
}

static struct tt_conn *make_room_and_insert(struct tt_tracker *tr, const struct tt_flow_key *key,
                                            uint32_t hash, tt_time_ns ts)
{
	struct tt_conn *c;

	/* --max-flows counts records and compact entries together: the latter,
	 * connections already over, give their place first. */
	while (tt_flow_count(tr->flows) + tt_flow_count(tr->tws) >= tr->cfg.max_flows &&
	       tt_flow_count(tr->flows) < tr->cfg.max_flows && tw_drop_nearest(tr))
		;
	c = tt_flow_insert(tr->flows, key, hash);

	while (c == NULL) {
		struct tt_conn *victim = eviction_victim(tr);
		if (victim == NULL)
			return NULL;
		if (victim->held) {
			finalize(tr, victim, TT_END_CLOSED, ts, conn_hash(tr, victim)); /* over already */
		} else if (!victim->emitted) {
			tr->stats.evicted++;
			finalize(tr, victim, TT_END_EVICTED, ts, conn_hash(tr, victim));
		}
		remove_conn(tr, victim, ts);
		c = tt_flow_insert(tr->flows, key, hash);
	}
	return c;
}

/* Mid-stream pickup: the client is the side with the ephemeral-looking port. */
static bool midstream_sender_is_client(const struct tt_packet *p, uint8_t *reason)
{
	bool s_low = p->sport < 1024, d_low = p->dport < 1024;

	if (s_low != d_low) {
		*reason = TT_CR_PORT;
		return d_low;
	}
	if (p->sport != p->dport) {
		*reason = TT_CR_PORT;
		return p->sport > p->dport;
	}
	*reason = TT_CR_FIRST_SENDER;
	return true;
}

static struct tt_conn *new_conn(struct tt_tracker *tr, const struct tt_flow_key *key,
                                uint32_t hash, bool sender_slot, const struct tt_packet *p,
                                uint32_t incarnation, bool reuse)
{
	bool syn = (p->flags & TT_TH_SYN) != 0, ack = (p->flags & TT_TH_ACK) != 0;
	bool sender_is_client;
	uint8_t reason = TT_CR_SYN;
	struct tt_conn *c = make_room_and_insert(tr, key, hash, p->ts);

	if (c == NULL)
		return NULL;
	if (syn && !p->is_icmp_error && !(p->flags & TT_TH_RST))
		sender_is_client = !ack; /* SYN: its sender; SYN,ACK: its receiver */
	else
		sender_is_client = midstream_sender_is_client(p, &reason);
	c->id = ++tr->next_id;
	c->incarnation = incarnation;
	c->port_reuse = reuse;
	c->ip_version = key->ip_version;
	c->client_slot = (uint8_t)(sender_is_client ? sender_slot : !sender_slot);
	c->client_reason = reason;
	for (int ep = 0; ep < 2; ep++)
		c->state[ep] = TT_TCP_CLOSED;
	tt_rt_init(&c->rt, p->ts);
	/* The last packet is the first: its count is 0, as the new record has
	 * it already (rt_set() would work that out with a division). */
	assert(c->rt.wide == NULL && c->rt.n[TT_RT_LAST] == 0);
	tt_rt_set_count(&c->rt, TT_RT_LAST, 0);
	tr->stats.connections++;
	/* Tracked: full records and what is left of those over (compact entries). */
	if (tt_flow_count(tr->flows) + tt_flow_count(tr->tws) > tr->stats.peak_flows)
		tr->stats.peak_flows = tt_flow_count(tr->flows) + tt_flow_count(tr->tws);
	emit(tr, TT_EVT_CONN_OPENED, p->ts, c, TT_CLIENT, TT_TCP_CLOSED, TT_TCP_CLOSED, NULL);

	if (syn && ack) {
		/* The SYN was not captured; the client must have sent it. */
		set_state(tr, c, TT_CLIENT, TT_TCP_SYN_SENT, p->ts);
	} else if ((p->flags & (TT_TH_RST | TT_TH_ACK)) == (TT_TH_RST | TT_TH_ACK) &&
	           p->payload_len == 0 && !p->is_icmp_error) {
		/* A lone RST,ACK first: the answer to a SYN it acknowledges, not
		 * captured (a refused connect() seen from the server's side). */
		struct tt_dir *cl = &c->dir[TT_CLIENT];
		cl->isn = p->ack - 1;
		cl->has_isn = true;
		c->inferred |= TT_INF_SYN_NOT_SEEN;
		c->syn_seen = true;
		rt_set(tr, c, TT_RT_SYN_FIRST, p->ts);
		rt_set(tr, c, TT_RT_SYN_LAST, p->ts);
		set_state(tr, c, TT_CLIENT, TT_TCP_SYN_SENT, p->ts);
	} else if (!syn) {
		/* Mid-stream: both endpoints are taken to be ESTABLISHED. */
		set_state(tr, c, TT_CLIENT, TT_TCP_ESTABLISHED, p->ts);
		set_state(tr, c, TT_SERVER, TT_TCP_ESTABLISHED, p->ts);
	}
	return c;
}

/* A SYN on a known 4-tuple starts a new incarnation when the old one is over
 * or in TIME_WAIT and the SYN is not a retransmission of the old SYN. */
static bool syn_starts_new(const struct tt_conn *c, enum tt_endpoint ep, const struct tt_packet *p)
{
	const struct tt_dir *d = &c->dir[ep];
	enum tt_tcp_state a = (enum tt_tcp_state)c->state[ep];
	enum tt_tcp_state b = (enum tt_tcp_state)c->state[!ep];
	bool a_done = a == TT_TCP_CLOSED || a == TT_TCP_TIME_WAIT;
	bool b_done = b == TT_TCP_CLOSED || b == TT_TCP_TIME_WAIT;

	/* A client still waiting for an answer sends a SYN with a new ISN: it
	 * gave up (connect() timed out) and tries again. */
	if (ep == TT_CLIENT && a == TT_TCP_SYN_SENT && !c->synack_seen && !c->sim_open &&
	    d->has_isn && d->isn != p->seq)
		return true;
	/* Its FIN sent, the sender's socket is closing or gone: a SYN with a
	 * new ISN is a new connect() (the peer's last segments may be missing
	 * from the capture, as in a one-sided one). */
	if (d->has_fin && !(d->has_isn && d->isn == p->seq) &&
	    (a == TT_TCP_LAST_ACK || a == TT_TCP_FIN_WAIT_2 || a == TT_TCP_CLOSING))
		return true;
	if (!a_done || !b_done)
		return false;
	return !(d->has_isn && d->isn == p->seq);
}

/* ---- segments --------------------------------------------------------------- */

/* Would the receiver accept this RST?  Also says whether the receiver could judge. */
static bool rst_acceptable(const struct tt_conn *c, enum tt_endpoint rcv_ep,
                           const struct tt_packet *p, bool *judged)
{
	const struct tt_dir *snd = &c->dir[!rcv_ep];
	const struct tt_dir *rcv = &c->dir[rcv_ep];
	enum tt_tcp_state rs = (enum tt_tcp_state)c->state[rcv_ep];

	*judged = !(rs == TT_TCP_CLOSED || rs == TT_TCP_LISTEN || !snd->has_base);
	if (rs == TT_TCP_CLOSED || rs == TT_TCP_LISTEN)
		return false;
	if (rs == TT_TCP_SYN_SENT) { /* RFC 9293 §3.10.7.3: the RST must ack our SYN */
		*judged = true;
		return (p->flags & TT_TH_ACK) && rcv->has_isn && p->ack == rcv->isn + 1;
	}
	if (!snd->has_base)
		return true;
	/* RFC 5961 §3.2 (and Linux): only an RST whose sequence number is exactly
	 * the next one expected (RCV.NXT) resets; one merely in the window draws
	 * a challenge ACK.  RCV.NXT is the next sequence number the sender used,
	 * or, when the capture missed some of its segments, what the receiver
	 * last acknowledged.  After the sender's FIN, an RST carrying the FIN's
	 * own number is accepted too, as Linux does in CLOSE_WAIT, LAST_ACK and
	 * CLOSING (tcp_reset_check()): some stacks send that. */
	{
		uint32_t rcv_nxt = tt_dir_raw_next(snd);
		bool after_fin = rs == TT_TCP_CLOSE_WAIT || rs == TT_TCP_LAST_ACK ||
		                 rs == TT_TCP_CLOSING;
		return p->seq == rcv_nxt || (after_fin && p->seq == rcv_nxt - 1) ||
		       (rcv->has_ack && p->seq == snd->base + rcv->ack_max_lo);
	}
}

/*
 * Does segment p acknowledge sequence number `seq` of the peer (direction d)?
 * RFC 9293 §3.10.7.4: an acceptable ACK satisfies SND.UNA < SEG.ACK =< SND.NXT.
 * A SYN,ACK must acknowledge exactly the SYN (§3.10.7.3); otherwise SND.NXT is
 * the highest sequence number seen from the peer, plus the window the acking
 * side advertised (what the peer may have sent unseen by the capture).
 */
static bool acks_beyond(const struct tt_dir *d, const struct tt_dir *acker,
                        const struct tt_packet *p, uint32_t seq)
{
	uint32_t snd_max = tt_dir_raw_next(d);
	uint32_t slack;

	if (!tt_seq_after(p->ack, seq))
		return false;
	if (p->flags & TT_TH_SYN)
		return p->ack == seq + 1;
	slack = acker->win_max > 65535 ? acker->win_max : 65535;
	return !tt_seq_after(p->ack, snd_max + slack);
}

static inline TT_ALWAYS_INLINE void apply_events_in(struct tt_tracker *tr, struct tt_conn *c,
                                                    enum tt_endpoint ep,
                                                    const struct tt_tcp_events *evs, tt_time_ns ts)
{
	for (int i = 0; i < evs->n; i++) {
		enum tt_tcp_event ev = (enum tt_tcp_event)evs->ev[i];
		enum tt_tcp_state from = (enum tt_tcp_state)c->state[ep];
		uint8_t cell = tt_tcp_cell(from, ev);

		/* Most events change nothing (an acknowledgement of a SYN or FIN
		 * acknowledged before): none of what follows applies to them. */
		if (cell == 0)
			continue;
		bool rearm = cell == TT_TCP_CELL_REARM;
		enum tt_tcp_state to = tt_tcp_cell_next(from, cell);
		if (from == TT_TCP_CLOSED && ev == TT_EV_SND_SYNACK && ep == TT_SERVER) {
			/* The SYN,ACK proves the server was listening and received
			 * the SYN it answers: date LISTEN and SYN_RCVD from the SYNs. */
			tt_time_ns l = c->syn_seen ? RT_GET(c, TT_RT_SYN_FIRST) : ts;
			tt_time_ns r = c->syn_seen ? RT_GET(c, TT_RT_SYN_LAST) : ts;
			set_state(tr, c, ep, TT_TCP_LISTEN, l);
			set_state(tr, c, ep, TT_TCP_SYN_RCVD, r);
			continue;
		}
		if ((ev == TT_EV_RCV_RST || ev == TT_EV_SND_RST) && to == TT_TCP_CLOSED &&
		    from != TT_TCP_CLOSED) {
			enum tt_endpoint sender = ev == TT_EV_SND_RST ? ep : (enum tt_endpoint)!ep;
			if (from == TT_TCP_SYN_SENT && ev == TT_EV_RCV_RST && !c->synack_seen)
				c->refused = true;
			else if (from != TT_TCP_TIME_WAIT && c->reset_by == 0)
				c->reset_by = (uint8_t)(sender + 1);
		}
		set_state(tr, c, ep, to, ts);
		if (ev == TT_EV_RCV_SYNACK && from == TT_TCP_SYN_SENT && to == TT_TCP_ESTABLISHED)
			c->est_provisional |= (uint8_t)(1u << ep);
		if ((to == TT_TCP_TIME_WAIT && from != TT_TCP_TIME_WAIT) || rearm)
			arm_time_wait(tr, c, ep, ts);
	}
}

static void apply_events(struct tt_tracker *tr, struct tt_conn *c, enum tt_endpoint ep,
                         const struct tt_tcp_events *evs, tt_time_ns ts)
{
	apply_events_in(tr, c, ep, evs, ts);
}

/*
 * Simultaneous close seen from the middle: the peer's FIN was captured first
 * and taken as received (CLOSE_WAIT), but this endpoint's own FIN does not
 * acknowledge it, so the endpoint sent its FIN before the peer's arrived: it
 * really went ESTABLISHED -> FIN_WAIT_1 (RFC 9293 Figure 13).  Rewrite the
 * provisional CLOSE_WAIT; the peer's FIN stays in flight (fin_pending) until
 * this endpoint acknowledges it or the peer's next segment, sent after that
 * FIN, shows it must have arrived (in order) first.
 */
static bool fix_simultaneous_close(struct tt_tracker *tr, struct tt_conn *c, enum tt_endpoint ep,
                                   const struct tt_seg_facts *f, tt_time_ns ts)
{
	struct tt_history *h = &c->hist[ep];

	if (!(f->flags & TT_TH_FIN) || !f->fin_is_new || f->acks_peer_fin ||
	    c->state[ep] != TT_TCP_CLOSE_WAIT || !c->dir[!ep].has_fin || h->n == 0 ||
	    tt_history_state(h, h->n - 1) != TT_TCP_CLOSE_WAIT)
		return false;
	tt_history_set_state(h, h->n - 1, TT_TCP_FIN_WAIT_1);
	/* Its place held the CLOSE_WAIT. */
	tt_rt_set_hist(&c->rt, tr->seg.m.wide, (int)ep, h->n - 1, ts);
	c->state[ep] = TT_TCP_FIN_WAIT_1;
	c->fin_pending |= (uint8_t)(1u << ep);
	emit(tr, TT_EVT_STATE, ts, c, ep, TT_TCP_CLOSE_WAIT, TT_TCP_FIN_WAIT_1, NULL);
	return true;
}

/*
 * A FIN that arrives above a hole in the receiver's data waits in its
 * out-of-order queue: the receiver acts on it only once the hole is filled
 * (RFC 9293 §3.10.7.4: segment text and FIN are processed in sequence order;
 * Linux tcp_data_queue()).  The receiver's latest ACK shows the hole: a SACK
 * block above its cumulative ACK, or a run of duplicate ACKs; and nothing sent
 * since starts at that ACK.  The FIN then takes effect when the receiver
 * acknowledges it (the proof transition).
 */
static bool fin_behind_hole(const struct tt_conn *c, enum tt_endpoint se, const struct tt_packet *p)
{
	const struct tt_dir *r = &c->dir[!se];

	if (!(p->flags & TT_TH_FIN) || !r->has_last_ack || !tt_seq_after(p->seq, r->last_ack_raw) ||
	    RT_GET(c, TT_RT_FRONT_FILL + (int)se) > RT_GET(c, TT_RT_SEG_LAST + !se))
		return false;
	for (int i = 0; i < r->n_sack; i++)
		if (tt_seq_after(r->ext->sack[i][0], r->last_ack_raw))
			return true;
	return r->dup_ack_num >= 2;
}

/* Take the FIN out of what the receiver gets from this segment. */
static void hold_fin(struct tt_tcp_events *rev)
{
	for (int i = 0; i < rev->n; i++) {
		if (rev->ev[i] == TT_EV_RCV_FIN_ACK_OF_FIN)
			rev->ev[i] = TT_EV_RCV_ACK_OF_FIN;
		else if (rev->ev[i] == TT_EV_RCV_FIN) {
			for (int j = i + 1; j < rev->n; j++)
				rev->ev[j - 1] = rev->ev[j];
			rev->n--;
			i--;
		}
	}
}

/* Deliver a FIN left in flight by fix_simultaneous_close() to endpoint ep. */
static void deliver_pending_fin(struct tt_tracker *tr, struct tt_conn *c, enum tt_endpoint ep,
                                tt_time_ns ts)
{
	static const struct tt_tcp_events fin = {.n = 1, .ev = {TT_EV_RCV_FIN}};

	if (c->fin_pending & (1u << ep)) {
		c->fin_pending &= (uint8_t)~(1u << ep);
		apply_events(tr, c, ep, &fin, ts);
	}
}

/*
 * The client was taken to have accepted the SYN,ACK at its capture time, but
 * its first segment since is an RST: it never accepted it (a half-open scan,
 * or a SYN,ACK it found unacceptable, RFC 9293 §3.10.7.3).  Undo the
 * provisional ESTABLISHED; the RST then closes it from SYN_SENT.
 */
static void fix_refused_synack(struct tt_conn *c, enum tt_endpoint ep, const struct tt_seg_facts *f)
{
	struct tt_history *h = &c->hist[ep];

	if (c->est_provisional & (1u << ep)) {
		c->est_provisional &= (uint8_t)~(1u << ep);
		if ((f->flags & TT_TH_RST) && c->state[ep] == TT_TCP_ESTABLISHED && h->n >= 2 &&
		    tt_history_state(h, h->n - 1) == TT_TCP_ESTABLISHED) {
			h->n--;
			tt_history_set_state(h, h->n, TT_TCP_CLOSED); /* (places past n stay 0) */
			c->state[ep] = (uint8_t)tt_history_state(h, h->n - 1);
		}
	}
}

/* Build p's key and hash into k (no hint). */
static void seg_key_make(const struct tt_tracker *tr, const struct tt_packet *p,
                         struct seg_key *k)
{
	uint32_t ports;

	_Static_assert(offsetof(struct tt_packet, dport) == offsetof(struct tt_packet, sport) + 2,
	               "dport follows sport: the pair is one load, as tt_flow_ports() lays it");
	memcpy(&ports, &p->sport, sizeof(ports));
	k->swapped = tt_flow_key_make_hash(tr->flows, &k->key, &k->hash, p->ip_version, p->src,
	                                   p->dst, ports);
	k->hint = NULL;
}

static void handle_icmp(struct tt_tracker *tr, const struct tt_packet *p)
{
	struct seg_key k;
	struct tt_conn *c;
	enum tt_endpoint ep;
	bool abort, port_unreach;

	seg_key_make(tr, p, &k); /* the quoted segment's */
	c = tt_flow_lookup(tr->flows, &k.key, k.hash);
	tr->stats.icmp_errors++;
	if (c == NULL || c->emitted) {
		tr->stats.icmp_unmatched++;
		return;
	}
	ep = endpoint_of(c, k.swapped);
	tt_dir_count_add(&tr->seg.m, &c->dir[ep], TT_AN_BIT(TT_DIR_ICMP));
	c->icmp_type = p->icmp_type;
	c->icmp_code = p->icmp_code;
	{
		struct tt_rt_stamp now = tt_rt_stamp(&c->rt, p->ts);
		tt_rt_raise(&c->rt, tr->seg.m.wide, TT_RT_LAST, &now);
	}
	tt_flow_touch(tr->flows, c);
	emit(tr, TT_EVT_ANOMALY, p->ts, c, ep, TT_TCP_CLOSED, TT_TCP_CLOSED, "icmp_error");
	/* An ICMP error about a segment sent in SYN_SENT or SYN_RCVD aborts the
	 * opening (RFC 1122 §4.2.3.9 lets hosts do so; Linux tcp_v4_err() and
	 * tcp_v6_err() do it for destination unreachable but "fragmentation
	 * needed", time exceeded and parameter problem, ICMPv6 likewise but
	 * "packet too big").  Port unreachable means ECONNREFUSED: refused. */
	abort = p->icmp_version == 4
	                ? ((p->icmp_type == 3 && p->icmp_code != 4) || p->icmp_type == 11 ||
	                   p->icmp_type == 12)
	                : (p->icmp_type == 1 || p->icmp_type == 3 || p->icmp_type == 4);
	port_unreach = p->icmp_version == 4 ? (p->icmp_type == 3 && p->icmp_code == 3)
	                                    : (p->icmp_type == 1 && p->icmp_code == 4);
	if (abort && (c->state[ep] == TT_TCP_SYN_SENT || c->state[ep] == TT_TCP_SYN_RCVD)) {
		if (ep == TT_CLIENT) {
			if (port_unreach)
				c->refused = true;
			else
				c->unreachable = true;
		}
		set_state(tr, c, ep, TT_TCP_CLOSED, p->ts);
		maybe_end(tr, c, p->ts, false, k.hash);
	}
}

/*
 * The peer's FIN, not captured, acknowledged by this segment (its number is
 * the ACK minus one): the peer sent it and this endpoint received it, just
 * before this segment.  From FIN_WAIT_1, that FIN (sent after the peer got
 * ours) is taken to acknowledge ours too.
 */
static void imply_fin(struct tt_tracker *tr, struct tt_conn *c, enum tt_endpoint se,
                      const struct tt_packet *p)
{
	static const struct tt_tcp_events snd_fin = {.n = 1, .ev = {TT_EV_SND_FIN}};
	static const struct tt_tcp_events rcv_fin = {.n = 1, .ev = {TT_EV_RCV_FIN}};
	static const struct tt_tcp_events rcv_fin_ack = {.n = 1, .ev = {TT_EV_RCV_FIN_ACK_OF_FIN}};
	enum tt_endpoint re = (enum tt_endpoint)!se;
	enum tt_tcp_state s = (enum tt_tcp_state)c->state[se];

	if (s != TT_TCP_ESTABLISHED && s != TT_TCP_FIN_WAIT_1 && s != TT_TCP_FIN_WAIT_2)
		return;
	c->dir[re].has_fin = true;
	c->dir[re].fin_seq = p->ack - 1;
	c->inferred |= TT_INF_FIN_NOT_SEEN;
	apply_events(tr, c, re, &snd_fin, p->ts);
	apply_events(tr, c, se, s == TT_TCP_FIN_WAIT_1 ? &rcv_fin_ack : &rcv_fin, p->ts);
}

/*
 * Only one direction captured (asymmetric routing, a one-sided filter): the
 * peer's segments never show, but this segment's ACK field proves what the
 * sender received of them.  Apply the peer's implied segments before this one:
 *  - an ACK from a client in SYN_SENT: the SYN,ACK it answers;
 *  - a segment from a server in SYN_RCVD after its SYN,ACK: the client's ACK;
 *  - an acknowledgement that moves exactly one past everything acknowledged
 *    before: the peer's FIN (the likeliest reading; one byte of data would
 *    look the same, hence the flag).
 * ack_before is the sender's highest acknowledgement before this segment.
 */
static __attribute__((noinline)) void imply_one_way(struct tt_tracker *tr, struct tt_conn *c,
                                                    enum tt_endpoint se, const struct tt_packet *p,
                                                    bool had_ack, uint64_t ack_before);

static inline void imply_unseen_peer(struct tt_tracker *tr, struct tt_conn *c, enum tt_endpoint se,
                                     const struct tt_packet *p, bool had_ack, uint64_t ack_before)
{
	struct tt_dir *peer = &c->dir[!se];

	if ((p->flags & (TT_TH_ACK | TT_TH_RST)) != TT_TH_ACK)
		return;
	if (tt_dir_sent(peer)) {
		/* Both directions captured, but not the peer's FIN: the ACK
		 * moves exactly one past the peer's highest captured sequence
		 * (tt_dir_rel_seq(peer, p->ack) == peer->seq_next + 1, compared
		 * raw: one past the raw sequence number of seq_next).  (That
		 * comparison first: it is the one that fails, and its numbers
		 * are read whatever has_base says.) */
		if (p->ack == tt_dir_raw_next(peer) + 1u && !peer->has_fin && peer->has_base &&
		    !(p->flags & TT_TH_SYN))
			imply_fin(tr, c, se, p);
		return;
	}
	imply_one_way(tr, c, se, p, had_ack, ack_before);
}

/* imply_unseen_peer() when the peer has sent nothing captured: out of line,
 * where the segment's frame does not carry it. */
static void imply_one_way(struct tt_tracker *tr, struct tt_conn *c, enum tt_endpoint se,
                          const struct tt_packet *p, bool had_ack, uint64_t ack_before)
{
	static const struct tt_tcp_events snd_synack = {.n = 1, .ev = {TT_EV_SND_SYNACK}};
	static const struct tt_tcp_events rcv_synack = {.n = 1, .ev = {TT_EV_RCV_SYNACK}};
	static const struct tt_tcp_events rcv_ack_of_syn = {.n = 1, .ev = {TT_EV_RCV_ACK_OF_SYN}};
	enum tt_endpoint re = (enum tt_endpoint)!se;
	struct tt_dir *peer = &c->dir[re];
	enum tt_tcp_state s = (enum tt_tcp_state)c->state[se];
	uint64_t arel;

	if (p->flags & TT_TH_SYN) {
		/* A SYN,ACK from the server: it answers a SYN whose number it acks. */
		if (se == TT_SERVER && !peer->has_isn) {
			peer->isn = p->ack - 1;
			peer->has_isn = true;
			c->inferred |= TT_INF_SYN_NOT_SEEN;
		}
		return;
	}
	if (se == TT_CLIENT && s == TT_TCP_SYN_SENT) {
		if (!peer->has_isn) {
			peer->isn = p->ack - 1;
			peer->has_isn = true;
		}
		apply_events(tr, c, re, &snd_synack, p->ts);
		apply_events(tr, c, se, &rcv_synack, p->ts);
		c->est_provisional &= (uint8_t)~(1u << se);
		c->inferred |= TT_INF_SYNACK_NOT_SEEN;
		return; /* this ACK itself completes the server's side below */
	}
	if (se == TT_SERVER && s == TT_TCP_SYN_RCVD) {
		apply_events(tr, c, se, &rcv_ack_of_syn, p->ts);
		return;
	}
	if (!had_ack || peer->has_fin || !peer->has_base)
		return;
	arel = tt_dir_rel_seq(peer, p->ack);
	if (arel == ack_before + 1)
		imply_fin(tr, c, se, p);
}

/* A segment after the end still counts in the record's packets, bytes and
 * conditions, as in Wireshark's stream; it changes no state.  (Out of line:
 * its own analysis's call need not weigh on every segment's frame.) */
static __attribute__((noinline)) void count_stray(struct tt_tracker *tr, struct tt_conn *c,
                                                  enum tt_endpoint se, const struct tt_packet *p)
{
	struct tt_seg_info info;

	c->strays++;
	tr->seg.now = tt_rt_stamp(&c->rt, p->ts);
	info = tt_analysis_seg(&tr->seg, &c->rt, (int)se, &c->dir[se], &c->dir[!se], p);
	emit_segment_events(tr, c, se, p, info.anomalies, true);
}

/* Both endpoints ESTABLISHED, and no FIN pending nor ESTABLISHED provisional
 * for either: the two states and the two bit sets, which lie in the first six
 * bytes from state[], in one masked comparison of eight. */
static inline bool both_established_settled(const struct tt_conn *c)
{
	static const uint8_t mask[8] = {0xff, 0xff, 0, 0, 0xff, 0xff, 0, 0};
	static const uint8_t want[8] = {TT_TCP_ESTABLISHED, TT_TCP_ESTABLISHED};
	uint64_t w, m, v;

	_Static_assert(offsetof(struct tt_conn, fin_pending) == offsetof(struct tt_conn, state) + 4 &&
	                   offsetof(struct tt_conn, est_provisional) ==
	                       offsetof(struct tt_conn, state) + 5 &&
	                   offsetof(struct tt_conn, state) + 8 <= sizeof(struct tt_conn),
	               "the states, then two bytes, then fin_pending and est_provisional");
	memcpy(&w, (const unsigned char *)c + offsetof(struct tt_conn, state), 8);
	memcpy(&m, mask, 8);
	memcpy(&v, want, 8);
	return (w & m) == v;
}

/* The states an acknowledgement of the peer's SYN moves an endpoint out of. */
#define SYN_STATES (1u << TT_TCP_SYN_SENT | 1u << TT_TCP_SYN_RCVD)

/* One segment, whose key is k. */
static void handle_segment(struct tt_tracker *tr, const struct tt_packet *p,
                           const struct seg_key *k)
{
	const struct tt_flow_key *key = &k->key;
	uint32_t hash = k->hash;
	bool swapped = k->swapped;
	struct tt_conn *c = tt_flow_lookup_hint(tr->flows, k->hint, key, hash);
	/* The segment's flags, read once: the record's stores might alias the
	 * packet for all the compiler knows, which would read them again. */
	const uint16_t flags = p->flags;
	bool syn = (flags & TT_TH_SYN) != 0, ack = (flags & TT_TH_ACK) != 0;
	bool pure_syn = syn && !ack && !(flags & TT_TH_RST);
	enum tt_endpoint se, re;
	struct tt_dir *sd, *rd;      /* the sender's direction, the receiver's */
	struct tt_seg_facts f;
	struct tt_seg_info info;
	struct tt_tcp_events sev, rev;
	bool had_ack, steady;
	uint64_t ack_before;
	struct tt_rt_stamp *now = &tr->seg.now;

	if (__builtin_expect(c == NULL, 0)) { /* (a new connection: once each) */
		struct tt_tw *w = tt_flow_lookup(tr->tws, key, hash);
		uint32_t inc = 1;
		bool reuse = false;
		if (w != NULL) {
			enum tt_endpoint ep = endpoint_in(w->client_slot, swapped);
			bool same_syn = ep == TT_CLIENT && (w->flags & TWF_ISN) && p->seq == w->client_isn;
			if (!pure_syn || same_syn) {
				tr->stats.strays++;
				if ((flags & TT_TH_RST) && (w->flags & TWF_RST) &&
				    w->state[!ep] == TT_TCP_TIME_WAIT && p->seq == w->rst_seq &&
				    w->node.tmr_list == TW_LIST) {
					/* TIME_WAIT assassinated (RFC 1337): over now,
					 * and without TIME_WAIT's protection. */
					struct tt_conn *v = view_of(tr, key, w->id, w->incarnation,
					                            w->client_slot, w->state);
					view_leave(tr, v, !ep, p->ts);
					w->state[!ep] = TT_TCP_CLOSED;
					if (w->state[0] != TT_TCP_TIME_WAIT && w->state[1] != TT_TCP_TIME_WAIT)
						timer_insert(tr, tr->tws, w, DONE_LIST,
						                     p->ts + 2 * tr->cfg.msl);
					return;
				}
				if ((flags & TT_TH_FIN) && w->state[!ep] == TT_TCP_TIME_WAIT &&
				    w->node.tmr_list == TW_LIST && p->ts + 2 * tr->cfg.msl > w->node.deadline)
					timer_insert(tr, tr->tws, w, TW_LIST, p->ts + 2 * tr->cfg.msl);
				return;
			}
			/* A new connect() takes the 4-tuple over: what is left in
			 * TIME_WAIT leaves it now. */
			struct tt_conn *v = view_of(tr, key, w->id, w->incarnation, w->client_slot,
			                            w->state);
			view_leave_time_wait(tr, v, TT_CLIENT, p->ts, p->ts);
			inc = w->incarnation + 1;
			reuse = !(w->flags & TWF_PROTECTED);
			tt_flow_remove(tr->tws, w);
		}
		c = new_conn(tr, key, hash, swapped, p, inc, reuse);
	} else if (c->emitted || c->held || pure_syn) {
		/* (A record not over takes any segment but a SYN alone.) */
		enum tt_endpoint ep = endpoint_of(c, swapped);
		bool over = c->emitted || c->held;
		bool same_syn = ep == TT_CLIENT && c->dir[TT_CLIENT].has_isn &&
		                p->seq == c->dir[TT_CLIENT].isn;
		/* After the end, anything but a new SYN is a stray: an old SYN (its
		 * ISN) only continues a held failed opening. */
		if (over && (!pure_syn || (same_syn && !c->held))) {
			tr->stats.strays++;
			if (!c->written)
				count_stray(tr, c, ep, p);
			/* The peer's FIN again: TIME_WAIT answers it and lasts 2*MSL more. */
			if ((flags & TT_TH_FIN) && c->state[!ep] == TT_TCP_TIME_WAIT &&
			    c->node.tmr_list == TW_LIST)
				arm_time_wait(tr, c, (enum tt_endpoint)!ep, p->ts);
			return;
		}
		if (c->held && same_syn) {
			/* The same SYN again after a refusal (Windows retries
			 * connect() so): the same opening goes on. */
			tt_flow_timer_cancel(tr->flows, c);
			c->held = false;
			c->refused = false;
			c->unreachable = false;
		} else if (over || (pure_syn && syn_starts_new(c, ep, p))) {
			uint32_t inc = c->incarnation + 1;
			if (!c->emitted) {
				/* Linux lets connect() take over its own TIME_WAIT,
				 * and a client that gave up on a SYN may try again
				 * with a new one: the old endpoints end CLOSED when
				 * the new SYN is seen. */
				tt_flow_timer_cancel(tr->flows, c);
				set_state(tr, c, TT_CLIENT, TT_TCP_CLOSED, p->ts);
				set_state(tr, c, TT_SERVER, TT_TCP_CLOSED, p->ts);
				finalize(tr, c, TT_END_CLOSED, p->ts, hash);
			}
			/* Port reuse: the old incarnation is in TIME_WAIT, or ended
			 * less than 2*MSL ago without TIME_WAIT's protection. */
			bool reuse = !c->tw_done;
			remove_conn(tr, c, p->ts);
			c = new_conn(tr, key, hash, swapped, p, inc, reuse);
		}
	}
	if (c == NULL)
		return;

	se = endpoint_of(c, swapped);
	re = (enum tt_endpoint)!se;
	/* Timestamps may go backwards in a capture: first/last bound them all. */
	{
		/* (Raised from a copy in registers: the stamp in the tracker
		 * might alias the record, for all the compiler knows.) */
		struct tt_rt_stamp st = tt_rt_stamp(&c->rt, p->ts);
		*now = st;
		tt_rt_raise(&c->rt, tr->seg.m.wide, TT_RT_LAST, &st);
	}
	if (p->ts < c->rt.first) { /* time going backwards: the times stay what they were */
		tt_rt_rebase(&c->rt, tr->seg.m.wide, p->ts);
		*now = tt_rt_stamp(&c->rt, p->ts); /* (the analysis takes a stamp of first as it is) */
	}
	tt_flow_touch(tr->flows, c);

	if (__builtin_expect(pure_syn, 0) && se == TT_CLIENT &&
	    c->state[TT_CLIENT] == TT_TCP_CLOSED) { /* (a SYN alone: rare) */
		/* The client opens again after a failure: judge the new try. */
		c->refused = false;
		c->unreachable = false;
	}
	/* (The segment's times from its stamp: counted once, not divided again.) */
	if (syn && !ack) {
		if (se == TT_CLIENT) {
			if (!c->syn_seen)
				tt_rt_set_stamp(&c->rt, tr->seg.m.wide, TT_RT_SYN_FIRST, now);
			c->syn_seen = true;
			tt_rt_set_stamp(&c->rt, tr->seg.m.wide, TT_RT_SYN_LAST, now);
		} else {
			c->sim_open = true;
		}
	} else if (syn && ack) {
		if (se == TT_SERVER) {
			if (!c->synack_seen && c->syn_seen &&
			    rt_set_since(tr, c, TT_RT_PATH_RTT + TT_SERVER, TT_RT_SYN_LAST, now))
				c->has_rtt_server = true;
			c->synack_seen = true;
			tt_rt_set_stamp(&c->rt, tr->seg.m.wide, TT_RT_SYNACK_LAST, now);
		} else {
			c->sim_open = true;
		}
	}

	f.flags = flags;
	f.rst_acceptable = false;
	f.rst_rejected = false;
	if (flags & TT_TH_RST) {
		bool judged;
		f.rst_acceptable = rst_acceptable(c, re, p, &judged);
		/* An RST the receiver rejects (blind, forged, out of window) tells
		 * nothing about its sender either: it changes no state. */
		f.rst_rejected = judged && !f.rst_acceptable;
		if (f.rst_rejected) {
			tr->stats.rst_ignored++;
			emit(tr, TT_EVT_ANOMALY, p->ts, c, se, TT_TCP_CLOSED, TT_TCP_CLOSED,
			     "rst_ignored");
		}
	}
	sd = &c->dir[se];
	rd = &c->dir[re];
	had_ack = sd->has_ack;
	ack_before = tt_dir_ack_max(sd);
	/* (Wireshark's out-of-order threshold: the handshake round trip, else 3 ms.) */
	info = tt_analysis_seg(&tr->seg, &c->rt, (int)se, sd, rd, p); /* (now is tr->seg.now) */
	/* (An RST implies nothing, rejected or not: imply_unseen_peer() leaves it.) */
	imply_unseen_peer(tr, c, se, p, had_ack, ack_before);
	if (syn && c->dir[0].has_isn && c->dir[1].has_isn)
		tt_analysis_negotiate(&c->dir[TT_CLIENT], &c->dir[TT_SERVER]);
	/* The steady state: both ESTABLISHED, a segment with ACK and no SYN, FIN
	 * or RST, no FIN of the receiver's to acknowledge and nothing provisional
	 * or in flight.  All it can tell the machines is that the SYNs were
	 * acknowledged, which moves neither: the events are not worked out. */
	steady = (flags & (TT_TH_SYN | TT_TH_FIN | TT_TH_RST | TT_TH_ACK)) == TT_TH_ACK &&
	         both_established_settled(c) && !rd->has_fin;
	if (c->hs_ack && steady) { /* (in this order: 0.8 M fewer on 200k, callgrind) */
		/* The handshake's acknowledgement seen before: nothing below
		 * changes (no FIN, no SYN to acknowledge, the handshake's inputs
		 * as they were when it was last worked out), no TIME_WAIT timer
		 * to cancel (one is cancelled when its TIME_WAIT is left),
		 * nothing ends. */
		assert(c->node.tmr_list != TW_LIST);
		emit_segment_events(tr, c, se, p, info.anomalies, false);
		return;
	}
	/* An acknowledgement of the peer's SYN moves an endpoint only out of
	 * SYN_SENT or SYN_RCVD (and a SYN's, and the handshake's ACK, count):
	 * once past them, with the handshake's ACK seen, it is not worked out. */
	f.acks_peer_syn = ack &&
	                  (syn || !c->hs_ack ||
	                   ((1u << c->state[se] | 1u << c->state[re]) & SYN_STATES) != 0) &&
	                  rd->has_isn && acks_beyond(rd, sd, p, rd->isn);
	f.acks_peer_fin = ack && rd->has_fin && acks_beyond(rd, sd, p, rd->fin_seq);
	/* The sender's first FIN, even when it re-sends data along with it. */
	f.fin_is_new = (flags & TT_TH_FIN) && tt_dir_fins(sd) == 1;
	/* (hs_ack first: every segment after the handshake's ACK stops there.) */
	if (!c->hs_ack && se == TT_CLIENT && !syn && f.acks_peer_syn && c->synack_seen) {
		c->hs_ack = true;
		if (c->has_rtt_server &&
		    rt_set_since(tr, c, TT_RT_PATH_RTT + TT_CLIENT, TT_RT_SYNACK_LAST, now))
			c->has_rtt_client = true;
	}
	/* (Its inputs change only on a SYN or the ACK of one: a complete
	 * handshake stays complete until the next SYN.) */
	if (syn || c->handshake != TT_HS_COMPLETE)
		c->handshake = (uint8_t)(c->sim_open ? TT_HS_SIMULTANEOUS
		                         : !c->syn_seen ? TT_HS_NONE
		                         : !c->synack_seen ? TT_HS_SYN
		                         : c->hs_ack ? TT_HS_COMPLETE : TT_HS_SYN_SYNACK);
	if (f.fin_is_new && !(rd->has_fin && f.acks_peer_fin))
		c->fin_first |= (uint8_t)(1u << se);

	emit_anomalies(tr, c, se, p, info.anomalies);
	if (steady) {
		/* Both ESTABLISHED, and they stay so: no TIME_WAIT timer to cancel
		 * (one is cancelled when its TIME_WAIT is left), nothing ends. */
		assert(c->node.tmr_list != TW_LIST);
		emit_segment(tr, c, se, p, info.anomalies, false);
		return;
	}
	tt_tcp_classify(&f, &sev, &rev);
	if (fin_behind_hole(c, se, p))
		hold_fin(&rev);
	/* (Both for a bit of est_provisional or fin_pending: most records have neither.) */
	if (!f.rst_rejected && (c->est_provisional | c->fin_pending) != 0) {
		/* (A rejected RST proves nothing about what its sender received.) */
		fix_refused_synack(c, se, &f);
		/* A FIN this segment's sender sent earlier reached the receiver first. */
		deliver_pending_fin(tr, c, re, p->ts);
	}
	if (f.acks_peer_fin)
		c->fin_pending &= (uint8_t)~(1u << se); /* the proof transition takes over */
	if (fix_simultaneous_close(tr, c, se, &f, p->ts)) {
		/* The FIN has been applied; the peer still receives it below. */
		sev.n = 0;
	}
	apply_events_in(tr, c, se, &sev, p->ts);
	if (syn && !ack && rd->has_isn && !rd->sent_synack) {
		/* Simultaneous open seen from the middle: the peer's SYN was
		 * captured first, but this endpoint sent a SYN, not a SYN,ACK, so
		 * the peer's SYN was still in flight; it arrives now (RFC 9293
		 * Figure 8: SYN-SENT -> SYN-RECEIVED). */
		struct tt_tcp_events late = {.n = 1, .ev = {TT_EV_RCV_SYN}};
		apply_events(tr, c, se, &late, p->ts);
	}
	apply_events_in(tr, c, re, &rev, p->ts);
	if (c->node.tmr_list == TW_LIST && c->state[TT_CLIENT] != TT_TCP_TIME_WAIT &&
	    c->state[TT_SERVER] != TT_TCP_TIME_WAIT) /* (most are on no timer: one test) */
		tt_flow_timer_cancel(tr->flows, c);
	emit_segment(tr, c, se, p, info.anomalies, false);
	maybe_end(tr, c, p->ts, false, hash);
}

/* A frame's counts and time. */
static inline TT_ALWAYS_INLINE void feed_time(struct tt_tracker *tr, enum tt_decode_result r,
                                              tt_time_ns ts)
{
	struct tt_stats *st = &tr->stats;

	st->frames++;
	if ((unsigned)r < TT_DEC_NRESULTS)
		st->by_result[r]++;
	if (tr->have_time && ts > tr->now) {
		/* Time moves on, past the last frame's (st->last_ts <= tr->now). */
		tr->now = ts;
		st->last_ts = ts;
	} else {
		if (!tr->have_time) {
			st->first_ts = st->last_ts = ts;
			tr->now = ts;
			tr->have_time = true;
		}
		if (ts < tr->now)
			st->time_backwards++;
		if (ts > st->last_ts)
			st->last_ts = ts;
		if (ts < st->first_ts)
			st->first_ts = ts;
	}
}

/* Does anything come due by now: a timer that fires (expire()'s test), a
 * record to write (write_due()'s)?  Most frames find nothing. */
static inline bool feed_is_due(const struct tt_tracker *tr)
{
	return tr->now >= tr->due;
}

/* What comes due by now: timers that fire, records written.  Events from
 * here on are no segment's until feed_segment() says so (and stay its own
 * until the next frame's time). */
static void feed_due(struct tt_tracker *tr)
{
	tr->ev.by_segment = false;
	expire(tr, tr->now);
	/* Write what ended long enough ago for its strays to have come. */
	write_due(tr, tr->now - tr->grace);
}

/* A segment whose frame's time has been fed; k: its key.  (Last: the caller
 * ends with it, so that the call to handle_segment() is a jump.) */
static inline TT_ALWAYS_INLINE void feed_segment(struct tt_tracker *tr,
                                                 const struct tt_packet *pkt,
                                                 const struct seg_key *k)
{
	struct tt_stats *st = &tr->stats;
	uint16_t bad_cut; /* opts.bad and opts.truncated, side by side: one test for both */

	_Static_assert(offsetof(struct tt_tcp_opts, truncated) ==
	                   offsetof(struct tt_tcp_opts, bad) + 1,
	               "truncated follows bad");
	memcpy(&bad_cut, &pkt->opts.bad, 2);
	st->tcp_segments++;
	if (bad_cut != 0) {
		if (pkt->opts.bad && !pkt->opts.truncated)
			st->bad_tcp_options++;
		if (pkt->opts.truncated)
			st->tcp_options_cut++;
	}
	if (pkt->ip_len_clamped)
		st->ip_length_clamped++;
	tr->ev.by_segment = true;
	handle_segment(tr, pkt, k);
}

void tt_tracker_feed(struct tt_tracker *tr, enum tt_decode_result r, const struct tt_packet *pkt,
                     tt_time_ns ts)
{
	struct seg_key k;

	tt_tracker_ahead_flush(tr);
	feed_time(tr, r, ts);
	feed_due(tr);
	if (r != TT_DEC_OK || pkt == NULL)
		return;
	if (pkt->is_icmp_error) {
		handle_icmp(tr, pkt);
		return;
	}
	seg_key_make(tr, pkt, &k);
	feed_segment(tr, pkt, &k);
}

/* The frame pushed i-th (ahead_in's count), in the ring. */
static struct ahead *ahead_at(struct tt_tracker *tr, uint32_t i)
{
	return &tr->ahead[i & (AHEAD_RING - 1)];
}

/* Is a frame of the look-ahead a segment (with a key), not an ICMP error or no TCP? */
static bool ahead_is_segment(const struct ahead *a)
{
	return a->r == TT_DEC_OK && !a->pkt.is_icmp_error;
}

/* A look-ahead frame whose time has been fed: its segment, with the key the
 * look-ahead built, or its ICMP error. */
static inline TT_ALWAYS_INLINE void ahead_feed_packet(struct tt_tracker *tr,
                                                      const struct ahead *a)
{
	if (a->r != TT_DEC_OK)
		return;
	if (a->pkt.is_icmp_error) {
		tr->ev.by_segment = false;
		handle_icmp(tr, &a->pkt);
		return;
	}
	feed_segment(tr, &a->pkt, &a->k);
}

/* ahead_feed_oldest() of a frame by whose time something comes due. */
static __attribute__((noinline)) void ahead_feed_due(struct tt_tracker *tr, const struct ahead *a)
{
	feed_due(tr);
	ahead_feed_packet(tr, a);
}

/* Feed the oldest frame of the look-ahead, as tt_tracker_feed() would.  (Its
 * only calls are its last acts, jumps: it keeps no registers.) */
static void ahead_feed_oldest(struct tt_tracker *tr)
{
	const struct ahead *a = ahead_at(tr, tr->ahead_out++);

	feed_time(tr, a->r, a->pkt.ts);
	if (feed_is_due(tr)) {
		ahead_feed_due(tr, a);
		return;
	}
	ahead_feed_packet(tr, a);
}

/* A segment whose index slots were prefetched frames ago: its record (the
 * lookup's hint), or its compact entry, brought in. */
static void ahead_peek(struct tt_tracker *tr, struct ahead *a)
{
	const struct tt_conn *c = tt_flow_peek(tr->flows, a->k.hash);

	a->k.hint = c;
	if (c != NULL) {
		/* What a segment touches: the node, the flags, the times but the
		 * histories', and both directions (see struct tt_conn and struct
		 * tt_dir; their side blocks are not reached without reading the
		 * record). */
		prefetch_range(c, offsetof(struct tt_conn, rt.n[TT_RT_HIST]));
		prefetch_range(&c->dir[0], sizeof(c->dir));
	} else {
		const void *w = tt_flow_peek(tr->tws, a->k.hash);
		if (w != NULL)
			prefetch_range(w, sizeof(struct tt_tw));
	}
}

struct tt_packet *tt_tracker_ahead_slot(struct tt_tracker *tr)
{
	return &ahead_at(tr, tr->ahead_in)->pkt;
}

void tt_tracker_ahead_push(struct tt_tracker *tr, struct tt_packet *slot,
                           enum tt_decode_result r)
{
	uint32_t in = tr->ahead_in;
	/* (the caller's slot, at hand: its frame's place is not worked out again) */
	struct ahead *a = (struct ahead *)(void *)slot;

	_Static_assert(offsetof(struct ahead, pkt) == 0, "a frame's place is its packet's");
	assert(slot == &ahead_at(tr, in)->pkt);

	a->r = r;
	if (r == TT_DEC_OK)
		a->pkt.payload = NULL; /* the reader's buffer is not kept */
	if (ahead_is_segment(a)) {
		seg_key_make(tr, &a->pkt, &a->k);
		/* A new connection probes both indexes; one in progress, the first.
		 * (New connections come with a SYN: the compact entries' slot only
		 * then, where a stray after the end may miss it.) */
		tt_flow_prefetch_slot(tr->flows, a->k.hash);
		if (a->pkt.flags & TT_TH_SYN)
			tt_flow_prefetch_slot(tr->tws, a->k.hash);
	}
	if (in - tr->ahead_out >= TT_TRACKER_PEEK_LAG) {
		/* The frame TT_TRACKER_PEEK_LAG before: its slots have come in. */
		struct ahead *b = ahead_at(tr, in - TT_TRACKER_PEEK_LAG);
		if (ahead_is_segment(b))
			ahead_peek(tr, b);
	}
	tr->ahead_in = ++in;
	if (in - tr->ahead_out == TT_TRACKER_LOOKAHEAD)
		ahead_feed_oldest(tr);
}

void tt_tracker_ahead_flush(struct tt_tracker *tr)
{
	while (tr->ahead_out != tr->ahead_in)
		ahead_feed_oldest(tr);
}

void tt_tracker_advance(struct tt_tracker *tr, tt_time_ns now)
{
	tt_tracker_ahead_flush(tr);
	if (!tr->have_time)
		return;
	if (now > tr->now)
		tr->now = now;
	feed_due(tr);
}

void tt_tracker_foreach_open(struct tt_tracker *tr, tt_conn_fn fn, void *user)
{
	uint32_t bound;

	tt_tracker_ahead_flush(tr);
	bound = tt_flow_used_bound(tr->flows);

	for (uint32_t i = 0; i < bound; i++) {
		const struct tt_conn *c = tt_flow_at(tr->flows, i);
		if (c != NULL && !c->written && !c->held)
			fn(c, user);
	}
}

uint64_t tt_tracker_time_wait_over(const struct tt_tracker *tr)
{
	return tr->tw_over;
}

static int cmp_first_ptr(const void *a, const void *b)
{
	return cmp_first(*(const struct tt_conn *const *)a, *(const struct tt_conn *const *)b);
}

void tt_tracker_finish(struct tt_tracker *tr)
{
	uint32_t bound, n = 0;
	tt_time_ns end;
	struct tt_conn **list;

	tt_tracker_ahead_flush(tr);
	tr->ev.by_segment = false;
	bound = tt_flow_used_bound(tr->flows);
	end = tr->stats.last_ts;

	/* Every record still unwritten ends now, with the states of the last
	 * packet; with those that ended at that same instant, in order of first
	 * packet.  Pointers are sorted, records are not copied. */
	write_pending(tr, end - 1);
	list = malloc(sizeof(*list) * ((size_t)tt_flow_count(tr->flows) + 1));
	if (list == NULL)
		write_pending(tr, INT64_MAX);
	for (uint32_t i = 0; i < bound; i++) {
		struct tt_conn *c = tt_flow_at(tr->flows, i);
		if (c == NULL || c->written)
			continue;
		if (!c->emitted) {
			rt_set(tr, c, TT_RT_END, end);
			c->end_reason = (uint8_t)(c->held ? TT_END_CLOSED : TT_END_INPUT);
			tt_analysis_finish(&c->dir[TT_CLIENT], tt_conn_last(c));
			tt_analysis_finish(&c->dir[TT_SERVER], tt_conn_last(c));
			c->emitted = true;
			c->held = false;
		}
		if (list != NULL)
			list[n++] = c;
		else /* out of memory: table order */
			write_record(tr, c);
	}
	if (list != NULL) {
		qsort(list, n, sizeof(*list), cmp_first_ptr);
		for (uint32_t i = 0; i < n; i++)
			write_record(tr, list[i]);
		free(list);
	}
	hand_over(tr);
	/* Every record is written: they stay in the table, which
	 * tt_tracker_free() frees with their side blocks (removing each, its
	 * index slot and its timer, was work for nothing at the end). */
	tr->pend_n = 0;
	tr->pend_due = INT64_MAX; /* (tr->due, lower, stays a lower bound) */
}

/* ---- derived facts --------------------------------------------------------- */

void tt_conn_copy(struct tt_conn_copy *dst, const struct tt_conn *src)
{
	if (&dst->conn != src)
		memcpy(&dst->conn, src, sizeof(*src));
	if (src->rt.wide != NULL) {
		if (src->rt.wide != dst->wide)
			memcpy(dst->wide, src->rt.wide, sizeof(dst->wide));
		dst->conn.rt.wide = dst->wide;
	}
	for (int d = 0; d < 2; d++) {
		dst->conn.dir[d].ring = 0; /* the segments in flight stay with the tracker */
		if (!src->dir[d].ext_full)
			continue; /* (the counts are in the record) */
		if (src->dir[d].ext != &dst->ext[d])
			memcpy(&dst->ext[d], src->dir[d].ext, sizeof(dst->ext[d]));
		dst->conn.dir[d].ext = &dst->ext[d];
	}
}

/* Sequence gaps never filled (a reordered segment fills its gap). */
static bool open_gaps(const struct tt_dir *d)
{
	for (int i = 0; i < d->n_holes; i++)
		if (!(d->ext->holes[i].flags & TT_HOLE_BEFORE))
			return true;
	return false;
}

int tt_conn_inferred(const struct tt_conn *c, const char *names[6])
{
	const struct tt_dir *a = &c->dir[TT_CLIENT], *b = &c->dir[TT_SERVER];
	int n = 0;

	if (c->handshake == TT_HS_NONE && !(c->inferred & TT_INF_SYN_NOT_SEEN))
		names[n++] = "midstream";
	if (tt_dir_sent(a) != tt_dir_sent(b) &&
	    (a->has_ack || b->has_ack)) /* the captured side acknowledges the other */
		names[n++] = "one_sided";
	if (c->inferred & TT_INF_SYN_NOT_SEEN)
		names[n++] = "syn_not_seen";
	if (c->inferred & TT_INF_SYNACK_NOT_SEEN)
		names[n++] = "synack_not_seen";
	if (c->inferred & TT_INF_FIN_NOT_SEEN)
		names[n++] = "fin_not_seen";
	if (tt_dir_count(a, TT_AN_ACKED_UNSEEN) > 0 || tt_dir_count(b, TT_AN_ACKED_UNSEEN) > 0 ||
	    open_gaps(a) || open_gaps(b))
		names[n++] = "capture_loss";
	return n;
}

/* Did an endpoint ever enter state s? */
static bool reached(const struct tt_conn *c, enum tt_tcp_state s)
{
	for (int ep = 0; ep < 2; ep++)
		for (int i = 0; i < c->hist[ep].n; i++)
			if (tt_history_state(&c->hist[ep], i) == s)
				return true;
	return false;
}

enum tt_outcome tt_conn_outcome(const struct tt_conn *c)
{
	bool cf = c->dir[TT_CLIENT].has_fin, sf = c->dir[TT_SERVER].has_fin;

	if (c->unreachable)
		return TT_OUT_UNREACHABLE;
	if (c->refused)
		return TT_OUT_REFUSED;
	if (c->reset_by != 0)
		return TT_OUT_RESET;
	if (cf && sf)
		return TT_OUT_CLOSED;
	if (cf || sf)
		return TT_OUT_HALF_CLOSED;
	if (c->syn_seen && !c->synack_seen && !c->sim_open && !reached(c, TT_TCP_ESTABLISHED))
		return TT_OUT_TIMEOUT; /* the SYN was never answered */
	return TT_OUT_OPEN;
}

const char *tt_outcome_name(enum tt_outcome o)
{
	static const char *const names[TT_OUT_NUM] = {
		[TT_OUT_OPEN] = "open",         [TT_OUT_CLOSED] = "closed",
		[TT_OUT_RESET] = "reset",       [TT_OUT_REFUSED] = "refused",
		[TT_OUT_TIMEOUT] = "timeout",   [TT_OUT_UNREACHABLE] = "unreachable",
		[TT_OUT_HALF_CLOSED] = "half_closed",
	};
	return (unsigned)o < TT_OUT_NUM ? names[o] : "?";
}

const char *tt_end_reason_name(enum tt_end_reason r)
{
	switch (r) {
	case TT_END_EVICTED: return "evicted";
	case TT_END_INPUT: return "end_of_input";
	case TT_END_CLOSED: break;
	}
	return "closed";
}

const char *tt_client_reason_name(enum tt_client_reason r)
{
	switch (r) {
	case TT_CR_PORT: return "port";
	case TT_CR_FIRST_SENDER: return "first_sender";
	case TT_CR_SYN: break;
	}
	return "syn";
}

const char *tt_handshake_name(enum tt_handshake h)
{
	switch (h) {
	case TT_HS_SYN: return "syn";
	case TT_HS_SYN_SYNACK: return "syn_synack";
	case TT_HS_COMPLETE: return "complete";
	case TT_HS_SIMULTANEOUS: return "simultaneous";
	case TT_HS_NONE: break;
	}
	return "none";
}

const char *tt_conn_closed_by(const struct tt_conn *c)
{
	switch (c->fin_first) {
	case 1: return "client";
	case 2: return "server";
	case 3: return "both";
	default: return NULL;
	}
}

const char *tt_conn_reset_by(const struct tt_conn *c)
{
	return c->reset_by == 1 ? "client" : c->reset_by == 2 ? "server" : NULL;
}
