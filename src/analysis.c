/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * analysis.c - sequence/acknowledgement accounting of one direction, and the
 * per-segment conditions Wireshark users know (tcp.analysis.*).
 *
 * Sequence numbers are kept relative to the direction's base (its ISN, or the
 * first sequence number seen minus one for a connection picked up mid-stream,
 * as Wireshark does) and unwrapped to 64 bits around the highest sequence
 * number seen, so 32-bit wraparound (RFC 9293 §3.4) never confuses counts.
 *
 * The rules follow Wireshark's tcp_analyze_sequence_number() as its User's
 * Guide documents them, with two deliberate differences (see the man page):
 *
 *  - A segment below the highest sequence number is a retransmission when any
 *    of its bytes were captured before.  Only a segment that fills a gap of
 *    bytes never captured can be out of order, and only when the evidence says
 *    it was sent before the segment that jumped the gap: its TCP timestamp, its
 *    IPv4 ID (when the sender's IDs count up), or else its arrival within one
 *    handshake round trip of that segment.  Wireshark times from the latest
 *    segment instead, so it calls most retransmissions of a busy sender
 *    "out of order".
 *  - A segment one byte below the next sequence number is a keep-alive, unless
 *    the peer's window is zero: then it is a zero-window probe, the form Linux
 *    sends (tcp_xmit_probe_skb()).  Wireshark only knows the one-byte form.
 *
 * Everything here is O(1) per segment: at most TT_MAX_HOLES gaps and
 * TT_RTT_SLOTS timed segments are remembered per direction.
 */
#include "tcptrack/analysis.h"
#include "tcptrack/flow_table.h"

#include <assert.h>
#include <string.h>

_Static_assert(TT_RTT_SLOTS <= 8 && (TT_RTT_SLOTS & (TT_RTT_SLOTS - 1)) == 0,
               "rtt_head and rtt_count are 4 bits; the ring wraps by mask");
_Static_assert(TT_MAX_HOLES < 16 && TT_MAX_SACK_BLOCKS < 16, "n_holes and n_sack are 4 bits");

#define MS_NS ((tt_time_ns)1000000)
#define FAST_RETX_WINDOW (20 * MS_NS) /* Wireshark: within 20 ms of the dup ACK */
#define OOO_DEFAULT (3 * MS_NS)       /* Wireshark's out-of-order threshold */

static const char *const anomaly_names[TT_AN_COUNT] = {
	[TT_AN_RETRANSMISSION] = "retransmission",
	[TT_AN_FAST_RETRANSMISSION] = "fast_retransmission",
	[TT_AN_SPURIOUS_RETRANSMISSION] = "spurious_retransmission",
	[TT_AN_OUT_OF_ORDER] = "out_of_order",
	[TT_AN_LOST_SEGMENT] = "lost_segment",
	[TT_AN_ACKED_UNSEEN] = "ack_lost_segment",
	[TT_AN_DUP_ACK] = "duplicate_ack",
	[TT_AN_ZERO_WINDOW] = "zero_window",
	[TT_AN_ZERO_WINDOW_PROBE] = "zero_window_probe",
	[TT_AN_ZERO_WINDOW_PROBE_ACK] = "zero_window_probe_ack",
	[TT_AN_WINDOW_FULL] = "window_full",
	[TT_AN_WINDOW_UPDATE] = "window_update",
	[TT_AN_KEEP_ALIVE] = "keep_alive",
	[TT_AN_KEEP_ALIVE_ACK] = "keep_alive_ack",
};

const char *tt_anomaly_name(enum tt_anomaly a)
{
	return (unsigned)a < TT_AN_COUNT ? anomaly_names[a] : "?";
}

/* rel_seq() with the direction's seq_next (next) at hand. */
static inline int64_t rel_seq_at(const struct tt_dir *d, uint64_t next, uint32_t seq)
{
	return (int64_t)next + (int32_t)(seq - tt_dir_raw_next(d));
}

/* Relative sequence number, signed: below the base is negative. */
static int64_t rel_seq(const struct tt_dir *d, uint32_t seq)
{
	return rel_seq_at(d, tt_dir_seq_next(d), seq);
}

/*
 * A sequence mark of a direction (lo: its low bits), knowing when `narrow`
 * that the direction had carried nothing past 32 bits when the segment came
 * (!wide_ctr; the short way asks it of both directions): its low bits are then
 * all of it, read without the test.  (A counter that carries during the
 * segment leaves the marks' carries at 0; a mark read so is read before the
 * segment raises it.)
 */
static inline TT_ALWAYS_INLINE uint64_t mark_of(const struct tt_dir *d, bool narrow,
                                                enum tt_dir_ctr w, uint32_t lo)
{
	return narrow ? lo : tt_dir_ctr(d, w, lo, 32);
}

uint64_t tt_dir_rel_seq(const struct tt_dir *d, uint32_t seq)
{
	int64_t rel = rel_seq(d, seq);
	return rel < 0 ? 0 : (uint64_t)rel;
}

/* The sequence marks start again (what they carried too). */
static void marks_reset(struct tt_dir *d, uint32_t seq_next)
{
	d->seq_next_lo = seq_next;
	d->data_next_lo = 1;
	if (d->wide_ctr)
		d->ext->hi[TT_CTR_SEQ_NEXT] = d->ext->hi[TT_CTR_DATA_NEXT] = 0;
}

static void set_base(struct tt_dir *d, uint32_t base)
{
	d->base = base;
	marks_reset(d, 1);
	d->has_base = true;
}

static void learn_syn(struct tt_dir *d, const struct tt_packet *p)
{
	d->isn = p->seq;
	d->has_isn = true;
	d->base = p->seq;
	marks_reset(d, 0);
	d->has_base = true;
	d->has_mss = p->opts.has_mss;
	d->mss = p->opts.mss;
	d->has_wscale = p->opts.has_wscale;
	d->wscale = p->opts.wscale;
	d->sack_ok = p->opts.sack_permitted;
	d->ts_ok = p->opts.has_ts;
}

void tt_analysis_negotiate(struct tt_dir *c2s, struct tt_dir *s2c)
{
	/* RFC 7323 §2.2: scaling is in effect only if both SYNs carried the
	 * option; shifts above 14 are treated as 14 (§2.3). */
	bool on = c2s->has_wscale && s2c->has_wscale;
	c2s->shift = on ? (uint8_t)(c2s->wscale > 14 ? 14 : c2s->wscale) : 0;
	s2c->shift = on ? (uint8_t)(s2c->wscale > 14 ? 14 : s2c->wscale) : 0;
	c2s->scale_known = s2c->scale_known = true;
}

/* A segment's stamp, when the caller has none (tests): out of line, so that
 * the analysis does not carry its division inlined. */
static __attribute__((noinline)) struct tt_rt_stamp stamp_far(const struct tt_rtimes *rt,
                                                              tt_time_ns ts)
{
	return tt_rt_stamp(rt, ts);
}

/* ---- windows ------------------------------------------------------------------------------- */

static void account_window(struct tt_dir *d, const struct tt_packet *p, bool syn)
{
	/* The window field of a SYN is never scaled (RFC 7323 §2.2). */
	uint32_t w = syn ? p->win : (uint32_t)p->win << d->shift;

	d->win_last = w;
	d->win_last_raw = p->win;
	if (!d->has_win) {
		d->win_min = d->win_max = w;
		d->has_win = true;
	} else if (w < d->win_min) {
		d->win_min = w;
	} else if (w > d->win_max) { /* (not both: win_min <= win_max) */
		d->win_max = w;
	}
}

/* ---- side blocks --------------------------------------------------------------------------- */

const struct tt_dir_ext tt_dir_ext_none;

_Static_assert(TT_DIR_ICMP < 16, "the record's condition counts are nibbles of tt_dir.nib");
_Static_assert(TT_MAX_HOLES < 8 && TT_MAX_SACK_BLOCKS < 8, "tt_dir.n_holes, n_sack: 3 bits");

struct tt_dir_ext *tt_dir_ext_need(const struct tt_dir_slabs *m, struct tt_dir *d)
{
	struct tt_dir_ext *x;

	if (d->ext_full)
		return d->ext;
	x = tt_flow_slab_get(m->ext);
	if (x == NULL) {
		d->limits |= TT_DIR_LIM_EXT;
		return NULL;
	}
	tt_dir_counts_of(d, &x->c); /* the record's counts move into the block */
	d->ext = x;
	d->ext_full = true;
	return x;
}

/* Count `an` in the side block, taking it if need be (the slow path of
 * count(); full: the lowest bit of each record count of `an` at 15). */
static void count_in_block(const struct tt_dir_slabs *m, struct tt_dir *d, uint32_t an,
                           uint64_t one, uint64_t full)
{
	if (!d->ext_full && tt_dir_ext_need(m, d) == NULL) {
		d->nib += one & ~full; /* without a block, a full count stays at 15 */
		return;
	}
	for (uint32_t b = an; b != 0; b &= b - 1) { /* each bit set */
		unsigned a = (unsigned)__builtin_ctz(b);
		if (a == TT_DIR_ICMP)
			d->ext->c.icmp_errors++;
		else
			d->ext->c.counts[a]++;
	}
}

/* tt_dir_count_add(): a 1 in the lowest bit of each condition's nibble, added
 * at once unless one of those counts is 15 already. */
static inline void count(const struct tt_dir_slabs *m, struct tt_dir *d, uint32_t an)
{
	uint64_t one = 0, full = 0;
	for (uint32_t b = an; b != 0; b &= b - 1) /* each bit set */
		one |= (uint64_t)1 << (4 * __builtin_ctz(b));
	if (!d->ext_full) {
		uint64_t t = d->nib;
		full = t & t >> 1 & t >> 2 & t >> 3 & one; /* the counts of `an` at 15 */
		if (full == 0) {
			d->nib += one;
			return;
		}
	}
	count_in_block(m, d, an, one, full);
}

void tt_dir_count_add(const struct tt_dir_slabs *m, struct tt_dir *d, uint32_t an)
{
	count(m, d, an);
}

/* ---- the record's times ------------------------------------------------------------------- */

/* The record's count for a time or duration, clamped to fit (when there is no
 * side block to take). */
static uint32_t rt_clamp(const struct tt_rtimes *rt, bool is_time, tt_time_ns v)
{
	uint64_t d = (uint64_t)v - (is_time ? (uint64_t)rt->first : 0);
	uint32_t n;

	if (tt_rt_enc(rt, is_time, v, &n))
		return n;
	if (is_time ? v < rt->first : v < 0)
		return 0;
	d /= (uint64_t)tt_rt_unit(rt);
	return d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
}

/* Every time, in the side block's layout, from the record's counts. */
static void rt_expand(const struct tt_rtimes *rt, tt_time_ns *w)
{
	for (int k = 0; k < TT_RT_NSCALAR; k++)
		w[k] = tt_rt_get(rt, k);
	for (int ep = 0; ep < 2; ep++)
		for (int i = 0; i < TT_HISTORY_INLINE; i++)
			w[TT_RT_HIST_W(ep, i)] = tt_rt_hist(rt, ep, i);
}

bool tt_rt_widen(struct tt_rtimes *rt, struct tt_flow_slab *wide)
{
	tt_time_ns *w;

	if (rt->wide != NULL)
		return true;
	w = wide != NULL ? tt_flow_slab_get(wide) : NULL;
	if (w == NULL)
		return false;
	rt_expand(rt, w);
	rt->wide = w;
	return true;
}

/* A time or duration as a count of `to`; false if it does not fit, unless
 * clamp (then the nearest count). */
static bool rt_count(struct tt_rtimes *to, bool is_time, tt_time_ns v, uint32_t *n, bool clamp)
{
	if (!clamp)
		return tt_rt_enc(to, is_time, v, n);
	*n = rt_clamp(to, is_time, v);
	return true;
}

/* Every time and duration, in the side block's layout, as counts of `to`
 * (its first and unit, and which times are set, already there); false if
 * one does not fit, unless clamp (then the nearest counts). */
static bool rt_encode_all(struct tt_rtimes *to, const tt_time_ns *w, bool clamp)
{
	for (int k = 0; k < TT_RT_NSCALAR; k++) {
		if (k < TT_RT_NTIMES && !(to->set >> k & 1))
			to->n[k] = 0; /* never set: stays so */
		else if (!rt_count(to, k < TT_RT_NTIMES, w[k], &to->n[k], clamp))
			return false;
	}
	for (int ep = 0; ep < 2; ep++)
		for (int i = 0; i < TT_HISTORY_INLINE; i++)
			if (!rt_count(to, true, w[TT_RT_HIST_W(ep, i)], &to->n[TT_RT_HIST_N(ep, i)], clamp))
				return false;
	return true;
}

void tt_rt_set_wide(struct tt_rtimes *rt, struct tt_flow_slab *wide, int slot, tt_time_ns v)
{
	if (tt_rt_widen(rt, wide))
		rt->wide[slot] = v;
	else
		rt->n[slot] = rt_clamp(rt, slot < TT_RT_NTIMES, v);
}

__attribute__((noinline)) void tt_rt_set_far(struct tt_rtimes *rt, struct tt_flow_slab *wide,
                                             int slot, tt_time_ns v)
{
	tt_rt_set(rt, wide, slot, v);
}

bool tt_rt_set_hist(struct tt_rtimes *rt, struct tt_flow_slab *wide, int ep, int i,
                    tt_time_ns ts)
{
	uint32_t *n = i < TT_HISTORY_INLINE ? &rt->n[TT_RT_HIST_N(ep, i)] : NULL;

	if (rt->wide == NULL && n != NULL && tt_rt_enc(rt, true, ts, n))
		return true;
	if (tt_rt_widen(rt, wide)) {
		rt->wide[TT_RT_HIST_W(ep, i)] = ts;
		return true;
	}
	if (n != NULL)
		*n = rt_clamp(rt, true, ts);
	return false;
}

void tt_rt_rebase(struct tt_rtimes *rt, struct tt_flow_slab *wide, tt_time_ns first)
{
	tt_time_ns w[TT_RT_WIDE];
	struct tt_rtimes to;

	if (rt->wide != NULL) { /* full times: nothing counts from the first packet */
		rt->first = first;
		return;
	}
	rt_expand(rt, w);
	memset(&to, 0, sizeof(to));
	tt_rt_init(&to, first);
	to.set |= rt->set & ~TT_RT_US;
	if (!rt_encode_all(&to, w, false)) {
		if (wide != NULL && (to.wide = tt_flow_slab_get(wide)) != NULL)
			memcpy(to.wide, w, sizeof(w));
		else /* no side block: the nearest counts */
			rt_encode_all(&to, w, true);
	}
	*rt = to;
}

/* What carried past a counter's low bits (out of line: beyond 4 GiB, or 64 Ki flags).
 * @return false if there was no side block to take (d->limits says so). */
static __attribute__((noinline, cold)) bool ctr_carry(const struct tt_dir_slabs *m,
                                                      struct tt_dir *d, enum tt_dir_ctr w,
                                                      uint32_t carry)
{
	struct tt_dir_ext *x = tt_dir_ext_need(m, d);

	if (x == NULL)
		return false;
	x->hi[w] += carry;
	d->wide_ctr = true;
	return true;
}

/* (Without a side block for the carry, a counter stays at its largest.) */
static inline void ctr_add(const struct tt_dir_slabs *m, struct tt_dir *d, uint32_t *lo,
                           enum tt_dir_ctr w, uint64_t n)
{
	uint64_t v = (uint64_t)*lo + n;

	*lo = (uint32_t)v;
	if (v > UINT32_MAX && !ctr_carry(m, d, w, (uint32_t)(v >> 32)))
		*lo = UINT32_MAX;
}

static inline void ctr_inc16(const struct tt_dir_slabs *m, struct tt_dir *d, uint16_t *lo,
                             enum tt_dir_ctr w)
{
	if (++*lo == 0 && !ctr_carry(m, d, w, 1))
		*lo = UINT16_MAX;
}

/* Set a sequence mark that does not fit the record's 32 bits.  Without a
 * side block (out of memory only; d->limits says so), the carry is lost but
 * the low bits are kept: the raw sequence numbers the state machine checks
 * stay right, while comparisons with marks that did carry (the peer's ACKs)
 * may not. */
static __attribute__((noinline, cold)) void mark_wide(const struct tt_dir_slabs *m,
                                                      struct tt_dir *d, uint32_t *lo,
                                                      enum tt_dir_ctr w, uint64_t v)
{
	struct tt_dir_ext *x = tt_dir_ext_need(m, d);

	*lo = (uint32_t)v;
	if (x == NULL)
		return;
	x->hi[w] = (uint32_t)(v >> 32);
	d->wide_ctr = true;
}

/* Raise sequence mark w (kept as its low 32 bits in *lo) to v.  Marks only
 * rise (the first ACK sets ack_max from 0; marks_reset() clears what the
 * others carried), so a v below 2^32 was above what it held, and what it
 * carried was 0 and stays so: the low bits are all there is to store. */
static inline void mark_set(const struct tt_dir_slabs *m, struct tt_dir *d, uint32_t *lo,
                            enum tt_dir_ctr w, uint64_t v)
{
	assert(v > UINT32_MAX || tt_dir_ctr(d, w, 0, 32) == 0); /* (live in test builds) */
	if (v <= UINT32_MAX)
		*lo = (uint32_t)v;
	else
		mark_wide(m, d, lo, w, v);
}

/* A larger bytes-in-flight maximum that does not fit the record's 32 bits. */
static __attribute__((noinline, cold)) void flight_max_wide(const struct tt_dir_slabs *m,
                                                            struct tt_dir *d, uint64_t v)
{
	struct tt_dir_ext *x;

	if (v <= tt_dir_bytes_in_flight_max(d))
		return;
	x = tt_dir_ext_need(m, d);
	if (x == NULL) {
		d->flight_max_lo = UINT32_MAX; /* (d->limits says so) */
		return;
	}
	x->hi[TT_CTR_FLIGHT_MAX] = (uint32_t)(v >> 32);
	d->flight_max_lo = (uint32_t)v;
	d->wide_ctr = true;
}

void tt_dir_release(const struct tt_dir_slabs *m, struct tt_dir *d)
{
	if (d->ext_full)
		tt_flow_slab_put(m->ext, d->ext);
	d->nib = 0;
	/* (What the side block backed goes with it.) */
	d->ext_full = d->wide_ctr = d->in_zero_window = d->in_recovery = false;
	d->n_holes = d->n_sack = 0;
	tt_flow_slab_put_id(m->ring, d->ring);
	d->ring = 0;
	d->rtt_count = 0;
}

/* ---- zero windows -------------------------------------------------------------------------- */

/* (in_zero_window implies the side block.) */
static void close_zero_window(struct tt_dir *d, tt_time_ns now)
{
	struct tt_dir_ext *x = d->ext;
	tt_time_ns len = now > x->zw_since ? now - x->zw_since : 0;
	x->zw_total = tt_ns_add(x->zw_total, len);
	if (len > x->zw_max)
		x->zw_max = len;
	d->in_zero_window = false;
}

static void track_zero_window(const struct tt_dir_slabs *m, struct tt_dir *d,
                              const struct tt_packet *p)
{
	if (p->win == 0 && !d->in_zero_window) {
		if (tt_dir_ext_need(m, d) == NULL)
			return;
		d->in_zero_window = true;
		d->ext->zw_since = p->ts;
	} else if (p->win != 0 && d->in_zero_window) {
		close_zero_window(d, p->ts);
	}
}

void tt_analysis_finish(struct tt_dir *d, tt_time_ns end)
{
	if (d->in_zero_window)
		close_zero_window(d, end);
}

/* ---- sequence gaps ------------------------------------------------------------------------- */

/* The gaps are unordered: find the lowest (the oldest) and drop it. */
static int lowest_hole(const struct tt_dir *d)
{
	int j = 0;

	for (int i = 1; i < d->n_holes; i++)
		if (d->ext->holes[i].lo < d->ext->holes[j].lo)
			j = i;
	return j;
}

static void forget_lowest_hole(struct tt_dir *d)
{
	d->limits |= TT_DIR_LIM_HOLES;
	d->ext->holes[lowest_hole(d)] = d->ext->holes[--d->n_holes];
}

/* @return the new gap, or NULL without a side block (its bytes count as seen). */
static struct tt_hole *add_hole(const struct tt_dir_slabs *m, struct tt_dir *d, int64_t lo,
                                int64_t hi, const struct tt_packet *p, bool ipid_ok)
{
	struct tt_hole *h;

	if (tt_dir_ext_need(m, d) == NULL)
		return NULL;
	if (d->n_holes == TT_MAX_HOLES)
		forget_lowest_hole(d); /* its bytes count as seen from now on */
	h = &d->ext->holes[d->n_holes++];
	h->lo = lo;
	h->hi = hi;
	h->opened = p->ts;
	h->tsval = p->opts.ts_val;
	h->ipid = p->ip_id;
	h->flags = (uint8_t)((p->opts.has_ts ? TT_HOLE_TS : 0) | (ipid_ok ? TT_HOLE_IPID : 0));
	return h;
}

/* Bytes of [lo, hi) inside gaps; *first gets the lowest gap it touches. */
static int64_t unseen_bytes(const struct tt_dir *d, int64_t lo, int64_t hi,
                            const struct tt_hole **first)
{
	int64_t n = 0;

	*first = NULL;
	for (int i = 0; i < d->n_holes; i++) {
		const struct tt_hole *h = &d->ext->holes[i];
		int64_t a = h->lo > lo ? h->lo : lo, b = h->hi < hi ? h->hi : hi;
		if (a < b) {
			n += b - a;
			if (*first == NULL || h->lo < (*first)->lo)
				*first = h;
		}
	}
	return n;
}

/* Remove [lo, hi) from the gaps (a gap may split in two). */
static void fill_holes(struct tt_dir *d, int64_t lo, int64_t hi)
{
	for (int i = 0; i < d->n_holes; i++) {
		struct tt_hole *h = &d->ext->holes[i];
		if (hi <= h->lo || lo >= h->hi)
			continue;
		if (lo > h->lo && hi < h->hi) {
			/* Split: the upper part becomes a gap of its own.  With no
			 * room, the lowest gap is forgotten, as for a new one: if that
			 * is this gap's own lower part, only the upper part stays. */
			struct tt_hole upper = *h;
			upper.lo = hi;
			if (d->n_holes == TT_MAX_HOLES && lowest_hole(d) == i) {
				d->limits |= TT_DIR_LIM_HOLES;
				h->lo = hi;
				continue;
			}
			h->hi = lo;
			if (d->n_holes == TT_MAX_HOLES)
				forget_lowest_hole(d);
			d->ext->holes[d->n_holes++] = upper;
			break; /* [lo, hi) lay inside this one gap: no other overlaps it */
		}
		if (lo > h->lo)
			h->hi = lo;
		else if (hi < h->hi)
			h->lo = hi;
		else {
			d->ext->holes[i] = d->ext->holes[--d->n_holes];
			i--;
		}
	}
}

/* IPv4 IDs are evidence of send order only if this sender's count up. */
static bool ipid_trusted(const struct tt_dir *d)
{
	return d->has_ipid && d->ipid_steps >= 8 && d->ipid_jumps * 16u <= d->ipid_steps;
}

static void learn_ipid(struct tt_dir *d, const struct tt_packet *p)
{
	/* (An IPv6 segment's ip_id is 0: decode.h.  Not asked of the version,
	 * one test of each segment fewer.) */
	assert(p->ip_version == 4 || p->ip_id == 0); /* (live in test builds) */
	if (p->ip_id == 0)
		return;
	if (d->has_ipid) {
		int16_t step = (int16_t)(uint16_t)(p->ip_id - d->ipid_last);
		if (step > 0 && step <= 256) {
			if (d->ipid_steps < UINT16_MAX)
				d->ipid_steps++;
		} else if (step > 256 || step < -256) {
			if (d->ipid_jumps < UINT16_MAX)
				d->ipid_jumps++;
		}
	}
	d->ipid_last = p->ip_id;
	d->has_ipid = true;
}

/*
 * A segment made only of never-captured bytes: re-sent after a loss before
 * the capture point, or sent before the segment that jumped the gap and
 * delayed on the way (reordered)?
 */
static bool fill_is_resend(const struct tt_rtimes *rt, const struct tt_dir *d,
                           const struct tt_hole *h, const struct tt_packet *p,
                           tt_time_ns ooo_threshold)
{
	if (h->flags & TT_HOLE_ACKED)
		return true; /* the receiver had these bytes: an earlier copy passed */
	if ((h->flags & TT_HOLE_TS) && p->opts.has_ts && p->opts.ts_val != h->tsval)
		return tt_seq_after(p->opts.ts_val, h->tsval);
	if ((h->flags & TT_HOLE_IPID) && p->ip_version == 4 && p->ip_id != 0 && ipid_trusted(d) &&
	    p->ip_id != h->ipid)
		return (int16_t)(uint16_t)(p->ip_id - h->ipid) > 0;
	if (ooo_threshold == TT_OOO_HANDSHAKE) {
		uint32_t both = UINT32_C(3) << TT_RT_PATH_RTT; /* the halves known (tt_rt_set()) */
		ooo_threshold = (rt->set & both) != both
		                        ? OOO_DEFAULT
		                        : tt_ns_add(tt_rt_get(rt, TT_RT_PATH_RTT),
		                                    tt_rt_get(rt, TT_RT_PATH_RTT + 1));
	}
	return p->ts - h->opened >= ooo_threshold;
}

/*
 * Is this re-send the answer to the receiver's loss signal (a fast
 * retransmission, RFC 5681 §3.2 / RFC 6675), rather than to a timeout?  The
 * receiver's last segment must have been a duplicate ACK at this sequence
 * number (Wireshark's rule), a partial ACK at it during a recovery, or have
 * SACKed data above it; and the re-send
 * must follow that ACK within 20 ms (Wireshark's slack) plus the time the ACK
 * needs to reach the sender and the re-send to come back to the capture point.
 */
static bool answers_loss_signal(const struct tt_rtimes *rt, int si, const struct tt_dir *snd,
                                const struct tt_dir *rcv, const struct tt_packet *p)
{
	if (!rcv->has_last_ack || p->ts - tt_rt_get(rt, TT_RT_SEG_LAST + !si) >=
	                                  FAST_RETX_WINDOW + tt_rt_get(rt, TT_RT_PATH_RTT + si))
		return false;
	if (rcv->dup_ack_num >= 2 && rcv->last_ack_raw == p->seq)
		return true;
	/* A partial ACK during recovery names the next hole (RFC 6582 §3.2). */
	if (snd->in_recovery && rcv->last_ack_raw == p->seq)
		return true;
	if (tt_seq_before(p->seq, rcv->last_ack_raw))
		return false;
	for (int i = 0; i < rcv->n_sack; i++)
		if (tt_seq_after(rcv->ext->sack[i][0], p->seq) &&
		    tt_seq_after(rcv->ext->sack[i][0], rcv->last_ack_raw))
			return true;
	return false;
}

/* ---- round-trip times ---------------------------------------------------------------------- */

/* The physical index of the i-th slot in flight. */
static unsigned rtt_index(const struct tt_dir *d, int i)
{
	return (unsigned)(d->rtt_head + i) % TT_RTT_SLOTS;
}

/* A slot's flags: whether its segment carried a timestamp, whether it was re-sent. */
static void rtt_flags(struct tt_dir *d, unsigned k, bool ts, bool retx)
{
	uint8_t bit = (uint8_t)(1u << k);

	/* (Without a branch: the bit cleared, then set from the flag.) */
	d->rtt_ts = (uint8_t)((d->rtt_ts & ~bit) | ((unsigned)ts << k));
	d->rtt_retx = (uint8_t)((d->rtt_retx & ~bit) | ((unsigned)retx << k));
}

static inline TT_ALWAYS_INLINE void rtt_push(struct tt_flow_slab *rings, struct tt_dir *d,
                                             const struct tt_packet *p, uint32_t end)
{
	struct tt_rtt_slot *s;
	unsigned k;

	if (d->rtt_count == TT_RTT_SLOTS) {
		d->limits |= TT_DIR_LIM_RTT;
		return; /* enough segments timed at once */
	}
	if (d->ring == 0) {
		d->ring = tt_flow_slab_get_id(rings);
		if (d->ring == 0) {
			d->limits |= TT_DIR_LIM_RTT; /* out of memory: untimed */
			return;
		}
	}
	k = rtt_index(d, d->rtt_count++);
	s = &((struct tt_rtt_ring *)tt_flow_slab_at(rings, d->ring))->slot[k];
	s->end = end;
	s->ts = p->ts;
	s->tsval = p->opts.ts_val;
	rtt_flags(d, k, p->opts.has_ts, false);
}

/* A re-send of sequence space from seq on: Karn's rule spoils the slots. */
static void rtt_resent(const struct tt_flow_slab *rings, struct tt_dir *d,
                       const struct tt_packet *p)
{
	struct tt_rtt_ring *ring;

	if (d->rtt_count == 0)
		return;
	ring = tt_flow_slab_at(rings, d->ring);
	for (int i = 0; i < d->rtt_count; i++) {
		unsigned k = rtt_index(d, i);
		struct tt_rtt_slot *s = &ring->slot[k];
		if (!tt_seq_after(s->end, p->seq))
			continue;
		rtt_flags(d, k, p->opts.has_ts, true);
		s->ts = p->ts;
		s->tsval = p->opts.ts_val;
	}
}

/* A round trip counted in its direction's sum and samples. */
static inline void rtt_add(struct tt_dir *d, tt_time_ns v)
{
	d->rtt_sum = tt_ns_add(d->rtt_sum, v);
	d->rtt_samples++;
}

/* rtt_sample() of a round trip the record's counts do not hold (its times in
 * a side block, or one that does not fit): out of line, so that the common
 * case saves no registers for its calls. */
static __attribute__((noinline)) void rtt_sample_wide(struct tt_flow_slab *wide,
                                                      struct tt_rtimes *rt, int di,
                                                      struct tt_dir *d, tt_time_ns v)
{
	if (d->rtt_samples == 0 || v < tt_rt_get(rt, TT_RT_RTT_MIN + di))
		tt_rt_set(rt, wide, TT_RT_RTT_MIN + di, v);
	if (d->rtt_samples == 0 || v > tt_rt_get(rt, TT_RT_RTT_MAX + di))
		tt_rt_set(rt, wide, TT_RT_RTT_MAX + di, v);
	rtt_add(d, v);
}

/* A round trip of direction d, number di of the record's times. */
static void rtt_sample(struct tt_flow_slab *wide, struct tt_rtimes *rt, int di, struct tt_dir *d,
                       tt_time_ns v)
{
	uint32_t n;

	if (rt->wide != NULL || !tt_rt_enc(rt, false, v, &n)) {
		rtt_sample_wide(wide, rt, di, d, v);
		return;
	}
	/* (compared as the record counts) */
	if (d->rtt_samples == 0 || n < rt->n[TT_RT_RTT_MIN + di])
		rt->n[TT_RT_RTT_MIN + di] = n;
	if (d->rtt_samples == 0 || n > rt->n[TT_RT_RTT_MAX + di])
		rt->n[TT_RT_RTT_MAX + di] = n;
	rtt_add(d, v);
}

/* An ACK from the peer: time the newest segment it covers; the ring goes
 * back to its slab when none is left in flight. */
static inline TT_ALWAYS_INLINE void rtt_acked(const struct tt_dir_slabs *m, struct tt_rtimes *rt,
                                              int di, struct tt_dir *d, const struct tt_packet *p)
{
	const struct tt_rtt_slot *last = NULL;
	const struct tt_rtt_ring *ring;
	unsigned k = 0;

	if (d->rtt_count == 0)
		return;
	ring = tt_flow_slab_at(m->ring, d->ring);
	while (d->rtt_count > 0 && !tt_seq_after(ring->slot[d->rtt_head].end, p->ack)) {
		k = d->rtt_head;
		last = &ring->slot[k];
		d->rtt_head = (d->rtt_head + 1u) & (TT_RTT_SLOTS - 1);
		d->rtt_count--;
	}
	if (last == NULL)
		return;
	/* A re-sent segment is timed only when the ACK echoes the timestamp of
	 * the re-send (RFC 7323 §4.1): otherwise which copy it answers is
	 * unknown (Karn). */
	if (p->ts >= last->ts &&
	    (!(d->rtt_retx >> k & 1) ||
	     ((d->rtt_ts >> k & 1) && p->opts.has_ts && p->opts.ts_ecr == last->tsval)))
		rtt_sample(m->wide, rt, di, d, p->ts - last->ts);
	if (d->rtt_count == 0) {
		tt_flow_slab_put_id(m->ring, d->ring);
		d->ring = 0;
	}
}

/* ---- acknowledgements ---------------------------------------------------------------------- */

/* An ACK number in the peer's (rcv's) sequence space, relative and signed;
 * rcv's base is set first if it has none. */
static inline TT_ALWAYS_INLINE int64_t ack_rel(struct tt_dir *rcv, uint32_t ack, bool narrow)
{
	if (!rcv->has_base)
		set_base(rcv, ack - 1); /* one-sided capture: the ack names the peer's next byte */
	return rel_seq_at(rcv, mark_of(rcv, narrow, TT_CTR_SEQ_NEXT, rcv->seq_next_lo), ack);
}

/* rel: the ACK's ack_rel(). */
static inline TT_ALWAYS_INLINE void account_ack(const struct tt_dir_slabs *m, struct tt_dir *snd,
                                                struct tt_dir *rcv, int64_t rel, bool narrow)
{
	uint64_t arel = rel < 0 ? 0 : (uint64_t)rel;

	if (!snd->has_ack) {
		mark_set(m, snd, &snd->ack_max_lo, TT_CTR_ACK_MAX, arel);
		snd->has_ack = true;
	} else {
		uint64_t ack_max = mark_of(snd, narrow, TT_CTR_ACK_MAX, snd->ack_max_lo);
		if (arel > ack_max) {
			/* Payload bytes only: the peer's FIN occupies a number too. */
			uint64_t fin_rel = rcv->has_fin ? tt_dir_rel_seq(rcv, rcv->fin_seq) : 0;
			uint64_t n = arel - ack_max;
			if (rcv->has_fin && fin_rel >= ack_max && fin_rel < arel)
				n--;
			ctr_add(m, snd, &snd->acked_lo, TT_CTR_ACKED, n);
			mark_set(m, snd, &snd->ack_max_lo, TT_CTR_ACK_MAX, arel);
		}
	}
}

/* Does this ACK cover sequence space of the peer that was never captured?
 * arel: its ack_rel(), which stays what it was (an ACK of a zero-window
 * probe's byte moves rcv's mark to arel itself). */
static inline TT_ALWAYS_INLINE bool acks_unseen(const struct tt_dir_slabs *m, struct tt_dir *rcv,
                                                int64_t arel, bool narrow)
{
	const struct tt_dir_ext *x;
	int64_t top;
	uint64_t next = mark_of(rcv, narrow, TT_CTR_SEQ_NEXT, rcv->seq_next_lo);
	bool unseen = false;

	/* Without a side block there is no probe, no gap and nothing counted
	 * yet: only an ACK beyond what rcv sent is of interest. */
	if (!rcv->ext_full && arel <= (int64_t)next)
		return false;
	x = tt_dir_x(rcv);
	top = (int64_t)(next > x->probe_next ? next : x->probe_next);
	if (arel > (int64_t)next && arel <= (int64_t)x->probe_next) {
		/* The receiver took the byte of a zero-window probe after all. */
		ctr_add(m, rcv, &rcv->unique_lo, TT_CTR_UNIQUE, (uint64_t)arel - next);
		mark_set(m, rcv, &rcv->seq_next_lo, TT_CTR_SEQ_NEXT, (uint64_t)arel);
		if (arel > (int64_t)tt_dir_data_next(rcv))
			mark_set(m, rcv, &rcv->data_next_lo, TT_CTR_DATA_NEXT, (uint64_t)arel);
	}

	if (arel > top && arel > (int64_t)x->unseen_acked) {
		if (tt_dir_ext_need(m, rcv) != NULL)
			rcv->ext->unseen_acked = (uint64_t)arel;
		unseen = true;
	}
	for (int i = 0; i < rcv->n_holes; i++) {
		struct tt_hole *h = &rcv->ext->holes[i];
		/* (What a capture started after was never "seen" either; not counted.) */
		if (h->lo < arel && !(h->flags & (TT_HOLE_ACKED | TT_HOLE_BEFORE))) {
			h->flags |= TT_HOLE_ACKED;
			unseen = true;
		}
	}
	return unseen;
}

/* Bytes of [una, top) the receiver SACKed (its last segment's blocks).  The
 * SACKed ranges may overlap (a D-SACK block inside the next one, RFC 2883
 * §4): their union, clipped to [una, top).  (Out of line: most segments
 * follow one without SACK blocks, and its arrays would cost every one a
 * larger frame.) */
static __attribute__((noinline)) int64_t sacked_bytes(const struct tt_dir *snd,
                                                      const struct tt_dir *rcv, int64_t una,
                                                      int64_t top)
{
	int64_t l[TT_MAX_SACK_BLOCKS], r[TT_MAX_SACK_BLOCKS], end = INT64_MIN, sum = 0;
	int n = 0;

	for (int i = 0; i < rcv->n_sack; i++) {
		int64_t a = rel_seq(snd, rcv->ext->sack[i][0]);
		int64_t b = rel_seq(snd, rcv->ext->sack[i][1]);
		if (a < una)
			a = una;
		if (b > top)
			b = top;
		if (a >= b)
			continue;
		int k = n++; /* insertion by left edge */
		for (; k > 0 && l[k - 1] > a; k--) {
			l[k] = l[k - 1];
			r[k] = r[k - 1];
		}
		l[k] = a;
		r[k] = b;
	}
	for (int i = 0; i < n; i++) {
		int64_t a = l[i] > end ? l[i] : end;
		if (r[i] > a)
			sum += r[i] - a;
		if (r[i] > end)
			end = r[i];
	}
	return sum;
}

/* The sender's data in flight, [una, top) with una < top: what of it the
 * peer has not SACKed either. */
static inline TT_ALWAYS_INLINE void account_flight(const struct tt_dir_slabs *m,
                                                   struct tt_dir *snd, const struct tt_dir *rcv,
                                                   int64_t una, int64_t top)
{
	int64_t flight = top - una;

	if (rcv->n_sack > 0)
		flight -= sacked_bytes(snd, rcv, una, top);
	if (flight > 0 && (snd->wide_ctr || flight > UINT32_MAX))
		flight_max_wide(m, snd, (uint64_t)flight);
	else if (flight > (int64_t)snd->flight_max_lo)
		snd->flight_max_lo = (uint32_t)flight;
}

/* Bytes of the sender's data the peer has neither acknowledged nor SACKed. */
static inline TT_ALWAYS_INLINE void account_in_flight(const struct tt_dir_slabs *m,
                                                      struct tt_dir *snd, const struct tt_dir *rcv)
{
	int64_t una = (int64_t)tt_dir_ack_max(rcv), top = (int64_t)tt_dir_data_next(snd);

	if (rcv->has_ack && top > una)
		account_flight(m, snd, rcv, una, top);
}

/* ---- one segment --------------------------------------------------------------------------- */

/* tt_rt_set_stamp() of the segment's stamp, which every caller gives of the
 * record's first packet as it stands (the tracker stamps again after moving
 * it; stamp_far() stamps now): the analysis does not move it, so only a side
 * block taken since (a round trip that did not fit) leaves the count unused. */
static inline TT_ALWAYS_INLINE void set_seg_stamp(struct tt_rtimes *rt, struct tt_flow_slab *wide,
                                                  int slot, const struct tt_rt_stamp *now)
{
	assert(!now->fits || rt->first == now->first); /* (live in test builds) */
	/* (Expected: gcc laid the common store out of line, two jumps each.) */
	if (__builtin_expect(now->fits && rt->wide == NULL, 1)) {
		rt->set |= UINT32_C(1) << slot;
		rt->n[slot] = now->n;
	} else {
		tt_rt_set_far(rt, wide, slot, now->ts);
	}
}

/* The segment's ACK number and time as the sender's last, and its keep-alive /
 * probe bits (TT_LAST_*) for the peer's next segment: every way ends so, but
 * for an RST. */
static inline TT_ALWAYS_INLINE void note_last(struct tt_rtimes *rt, const struct tt_dir_slabs *m,
                                              const struct tt_rt_stamp *now, int si,
                                              struct tt_dir *snd, const struct tt_packet *p,
                                              uint8_t last_anomalies)
{
	snd->last_ack_raw = p->ack;
	set_seg_stamp(rt, m->wide, TT_RT_SEG_LAST + si, now);
	snd->has_last_ack = true;
	snd->last_anomalies = last_anomalies;
}

/* A segment's SACK blocks into snd's side block (taking it if need be). */
static void keep_sack_blocks(const struct tt_dir_slabs *m, struct tt_dir *snd,
                             const struct tt_packet *p)
{
	if (tt_dir_ext_need(m, snd) != NULL) {
		snd->n_sack = p->opts.n_sack & 0x7u;
		for (int i = 0; i < p->opts.n_sack; i++) {
			snd->ext->sack[i][0] = p->opts.sack[i][0];
			snd->ext->sack[i][1] = p->opts.sack[i][1];
		}
	}
}

/* The SACK blocks of the segment snd sent (about the peer's data), for the
 * next ones.  (Inline: most segments carry none, and a call cost more than
 * the test.) */
static inline TT_ALWAYS_INLINE void keep_sack(const struct tt_dir_slabs *m, struct tt_dir *snd,
                                              const struct tt_packet *p)
{
	snd->n_sack = 0;
	if (p->opts.n_sack > 0)
		keep_sack_blocks(m, snd, p);
}

/*
 * Header prediction (Van Jacobson's, as in 4.3BSD-Reno's tcp_input() and
 * Linux's tcp_rcv_established()): most segments are the sender's next bytes,
 * or a pure ACK, on an open connection with nothing unusual going on.
 * For those, what tt_analysis_segment() works out reduces to the few
 * conditions that remain possible (window update, window full, duplicate ACK
 * and its keep-alive ACK, an ACK of bytes never captured) and the bookkeeping.
 * The conditions for the short way are all checked before anything changes;
 * @return false (nothing done) when the segment needs the whole analysis.
 *
 * The short way is the long way with what the conditions rule out taken away:
 * no SYN or RST (so no SYN or RST counts, no learning); a FIN, with its
 * count and mark, is the one control flag it takes (the window and
 * duplicate-ACK rules leave control segments alone, so only an ACK of bytes
 * never captured remains possible for it: a connection's FIN,ACK); the
 * direction sent before and the segment starts at its next sequence number
 * (so no gap, fill, re-send, out-of-order, keep-alive or lost segment, and all
 * its payload is new); neither side advertises a zero window (no probe, no
 * zero-window condition, though the sender may be leaving one); not in loss
 * recovery; payload the receiver had not
 * acknowledged already (else it is a spurious retransmission); neither
 * direction past 4 GiB (its marks are read as their low 32 bits, mark_of()).  The helpers
 * both ways call (ACK and round-trip accounting) are always inlined: a call,
 * with the registers it saves, cost as much as their work (callgrind).  The
 * record's times, its two directions and the packet do not overlap (restrict):
 * a store to one does not make the compiler load the others again.
 */
static inline TT_ALWAYS_INLINE bool
segment_predicted_as(const struct tt_dir_slabs *m, struct tt_rtimes *restrict rt,
                     const struct tt_rt_stamp *now, int si, struct tt_dir *restrict snd,
                     struct tt_dir *restrict rcv, const struct tt_packet *restrict p,
                     struct tt_seg_info *info, bool data, bool fin)
{
	uint32_t len = data ? p->payload_len : 0, an = 0; /* (data: len > 0; fin: FIN set) */
	int64_t next, data_end, arel;
	bool same_ack;
	struct tt_rt_stamp own;

	/* (Neither direction carried past 32 bits: the marks are read narrow.) */
	next = (int64_t)mark_of(snd, true, TT_CTR_SEQ_NEXT, snd->seq_next_lo);
	data_end = next + (int64_t)len;
	if (data && rcv->has_ack &&
	    data_end <= (int64_t)mark_of(rcv, true, TT_CTR_ACK_MAX, rcv->ack_max_lo))
		return false;

	if (now == NULL) {
		own = stamp_far(rt, p->ts);
		now = &own;
	}
	ctr_add(m, snd, &snd->packets_lo, TT_CTR_PACKETS, 1);
	same_ack = snd->has_last_ack && p->ack == snd->last_ack_raw;
	if (data)
		ctr_add(m, snd, &snd->payload_lo, TT_CTR_PAYLOAD, len);
	if (fin) {
		/* (The window and duplicate-ACK rules leave control segments alone.) */
	} else if (!data) {
		bool same_win = snd->has_win && p->win == snd->win_last_raw;
		if (!same_win && same_ack)
			an |= TT_AN_BIT(TT_AN_WINDOW_UPDATE);
		else if (same_win && same_ack)
			an |= TT_AN_BIT((rcv->last_anomalies & TT_LAST_KEEP_ALIVE) ? TT_AN_KEEP_ALIVE_ACK
			                                                           : TT_AN_DUP_ACK);
	} else if (rcv->scale_known && rcv->has_win && rcv->has_last_ack &&
	           p->seq + len == rcv->last_ack_raw + rcv->win_last) {
		an |= TT_AN_BIT(TT_AN_WINDOW_FULL);
	}
	arel = ack_rel(rcv, p->ack, true); /* (worked out once for the two that need it) */
	if (tt_dir_sent(rcv) && acks_unseen(m, rcv, arel, true))
		an |= TT_AN_BIT(TT_AN_ACKED_UNSEEN);

	/* The payload mark never exceeds seq_next: with payload, data_end becomes
	 * it; without, it may lag behind after a pickup in mid-stream. */
	assert(tt_dir_data_next(snd) <= (uint64_t)next); /* (live in test builds) */
	if (data) {
		mark_set(m, snd, &snd->data_next_lo, TT_CTR_DATA_NEXT, (uint64_t)data_end);
		ctr_add(m, snd, &snd->unique_lo, TT_CTR_UNIQUE, len);
		mark_set(m, snd, &snd->seq_next_lo, TT_CTR_SEQ_NEXT, (uint64_t)data_end + fin);
		if (rcv->has_last_ack && p->seq == rcv->last_ack_raw)
			set_seg_stamp(rt, m->wide, TT_RT_FRONT_FILL + si, now);
		rtt_push(m->ring, snd, p, p->seq + len);
	} else {
		if (data_end > (int64_t)mark_of(snd, true, TT_CTR_DATA_NEXT, snd->data_next_lo))
			mark_set(m, snd, &snd->data_next_lo, TT_CTR_DATA_NEXT, (uint64_t)data_end);
		if (fin)
			mark_set(m, snd, &snd->seq_next_lo, TT_CTR_SEQ_NEXT, (uint64_t)data_end + 1);
	}
	if (fin) { /* (the FIN takes the number after the data) */
		if (!snd->has_fin) {
			snd->has_fin = true;
			snd->fin_seq = p->seq + len;
		}
		ctr_inc16(m, snd, &snd->fin_lo, TT_CTR_FIN);
	}
	rtt_acked(m, rt, !si, rcv, p);

	if (!same_ack)
		snd->dup_ack_num = 0;
	else if ((an & TT_AN_BIT(TT_AN_DUP_ACK)) && snd->dup_ack_num < UINT16_MAX)
		snd->dup_ack_num++;
	account_ack(m, snd, rcv, arel, true);
	note_last(rt, m, now, si, snd, p, 0);
	account_window(snd, p, false);
	if (snd->in_zero_window)
		close_zero_window(snd, p->ts);
	keep_sack(m, snd, p);
	learn_ipid(snd, p);
	if (data && rcv->has_ack) /* (data_end is above the peer's mark: see above) */
		account_flight(m, snd, rcv,
		               (int64_t)mark_of(rcv, true, TT_CTR_ACK_MAX, rcv->ack_max_lo), data_end);
	if (an != 0)
		count(m, snd, an);
	info->anomalies = an;
	return true;
}

/* The short way's conditions (see above), then its work in one of three
 * copies: with payload, without, and with a FIN (rare: payload or not, as it
 * comes).  Each tests what it was chosen for once, where one body tested it at
 * every step that depends on it. */
static inline TT_ALWAYS_INLINE bool
segment_predicted(const struct tt_dir_slabs *m, struct tt_rtimes *restrict rt,
                  const struct tt_rt_stamp *now, int si, struct tt_dir *restrict snd,
                  struct tt_dir *restrict rcv, const struct tt_packet *restrict p,
                  struct tt_seg_info *info)
{
	/* The sender's flags the short way asks for (sent and has_base, not
	 * in_recovery or wide_ctr), all in its first four bytes: one masked
	 * comparison, the mask and the value built by the compiler from these. */
	static const struct tt_dir mask = {.sent = 1, .has_base = 1, .in_recovery = 1, .wide_ctr = 1};
	static const struct tt_dir want = {.sent = 1, .has_base = 1};
	uint32_t f, fm, fw;

	_Static_assert(offsetof(struct tt_dir, wscale) == 4, "the flags are the first four bytes");
	memcpy(&f, snd, 4);
	memcpy(&fm, &mask, 4);
	memcpy(&fw, &want, 4);
	if ((p->flags & (TT_TH_SYN | TT_TH_RST | TT_TH_ACK)) != TT_TH_ACK ||
	    p->win == 0 || (f & fm) != fw || rcv->wide_ctr || p->seq != tt_dir_raw_next(snd) ||
	    (rcv->win_last_raw == 0 && rcv->has_win))
		return false; /* (a zero window first: it is rare, has_win is not) */
	if (p->flags & TT_TH_FIN) /* (a connection's FIN,ACK: one copy for both) */
		return segment_predicted_as(m, rt, now, si, snd, rcv, p, info, p->payload_len > 0,
		                            true);
	if (p->payload_len > 0)
		return segment_predicted_as(m, rt, now, si, snd, rcv, p, info, true, false);
	return segment_predicted_as(m, rt, now, si, snd, rcv, p, info, false, false);
}

/*
 * The short way of a direction's first segment when it is a SYN (or SYN,ACK)
 * without payload, FIN or RST, from a direction with no side block: the
 * whole way then learns the handshake's options and base, counts the segment
 * and its SYN, takes its sequence number, and does the ACK and window
 * bookkeeping; of the conditions only an ACK of bytes never captured is
 * possible (the others need a direction that sent before, or leave control
 * segments alone).  @return false (nothing done) for any other segment.
 */
static inline TT_ALWAYS_INLINE bool
segment_first_syn(const struct tt_dir_slabs *m, struct tt_rtimes *restrict rt,
                  const struct tt_rt_stamp *now, int si, struct tt_dir *restrict snd,
                  struct tt_dir *restrict rcv, const struct tt_packet *restrict p,
                  struct tt_seg_info *info)
{
	bool ackf = (p->flags & TT_TH_ACK) != 0;
	uint32_t an = 0;
	struct tt_rt_stamp own;

	if ((p->flags & (TT_TH_SYN | TT_TH_FIN | TT_TH_RST)) != TT_TH_SYN || p->payload_len != 0 ||
	    tt_dir_sent(snd) || snd->has_isn || snd->ext_full)
		return false;
	ctr_add(m, snd, &snd->packets_lo, TT_CTR_PACKETS, 1);
	snd->sent = true;
	ctr_inc16(m, snd, &snd->syn_lo, TT_CTR_SYN);
	learn_syn(snd, p);
	if (!p->opts.has_wscale) /* no scaling either way (RFC 7323 §2.2) */
		snd->scale_known = rcv->scale_known = true;
	mark_set(m, snd, &snd->seq_next_lo, TT_CTR_SEQ_NEXT, 1); /* the SYN's number */
	if (ackf) {
		/* (Worked out once: a peer that sent has its base, so the number is
		 * the same for acks_unseen(); one that did not is not asked.) */
		int64_t arel = ack_rel(rcv, p->ack, false);
		snd->sent_synack = true;
		if (tt_dir_sent(rcv) && acks_unseen(m, rcv, arel, false))
			an |= TT_AN_BIT(TT_AN_ACKED_UNSEEN);
		rtt_acked(m, rt, !si, rcv, p);
		account_ack(m, snd, rcv, arel, false);
	}
	if (now == NULL) {
		own = stamp_far(rt, p->ts);
		now = &own;
	}
	snd->dup_ack_num = 0;
	note_last(rt, m, now, si, snd, p, 0);
	account_window(snd, p, true);
	keep_sack(m, snd, p);
	learn_ipid(snd, p);
	if (an != 0)
		count(m, snd, an);
	info->anomalies = an;
	return true;
}

/* (What changes here for a segment segment_predicted() or segment_first_syn()
 * takes must change there too: the test prediction_agrees_with_the_whole_analysis
 * compares them.)  Out of line: the segments the short ways take are most of them,
 * and inlined into tt_analysis_seg(), this body's register saves and spills were
 * paid for every segment (-0.6% of the instructions on the 200k capture). */
__attribute__((noinline)) struct tt_seg_info
tt_analysis_segment_full(const struct tt_dir_slabs *m, struct tt_rtimes *rt,
                         const struct tt_rt_stamp *now, int si, struct tt_dir *snd,
                         struct tt_dir *rcv, const struct tt_packet *p, tt_time_ns ooo_threshold)
{
	bool syn = (p->flags & TT_TH_SYN) != 0;
	bool fin = (p->flags & TT_TH_FIN) != 0;
	bool rst = (p->flags & TT_TH_RST) != 0;
	bool ackf = (p->flags & TT_TH_ACK) != 0;
	bool seen = tt_dir_sent(snd); /* Wireshark checks nothing on a direction's first segment */
	bool ctl = syn || fin || rst;
	uint32_t len = p->payload_len, an = 0;
	int64_t rel, data_start, data_end, end, prev_next;
	bool at_next, same_ack, same_win, peer_zero, probe1 = false, resend = false;
	struct tt_rt_stamp own;

	ctr_add(m, snd, &snd->packets_lo, TT_CTR_PACKETS, 1);
	snd->sent = true;
	ctr_add(m, snd, &snd->payload_lo, TT_CTR_PAYLOAD, len);
	if (syn) {
		ctr_inc16(m, snd, &snd->syn_lo, TT_CTR_SYN);
		if (!snd->has_isn) {
			learn_syn(snd, p);
			if (!p->opts.has_wscale) /* no scaling either way (RFC 7323 §2.2) */
				snd->scale_known = rcv->scale_known = true;
		}
	}
	if (!snd->has_base)
		set_base(snd, p->seq - 1);

	rel = rel_seq(snd, p->seq);
	data_start = rel + (syn ? 1 : 0);
	data_end = data_start + (int64_t)len;
	end = data_end + (fin ? 1 : 0);
	prev_next = (int64_t)tt_dir_seq_next(snd);
	if (!seen && !syn && rel > prev_next) {
		/* The first segment after the peer's ACKs named this side's base:
		 * what lies between was sent before the capture. */
		prev_next = rel;
		mark_set(m, snd, &snd->seq_next_lo, TT_CTR_SEQ_NEXT, (uint64_t)rel);
	}
	if (!seen && !syn && snd->n_holes == 0 && !snd->has_isn)
		/* Picked up mid-stream: everything below was sent before the capture. */
	{
		struct tt_hole *h = add_hole(m, snd, INT64_MIN / 4,
		                             data_start > prev_next ? data_start : prev_next, p, false);
		if (h != NULL)
			h->flags |= TT_HOLE_BEFORE;
	}

	if (snd->in_recovery && rcv->has_ack && tt_dir_ack_max(rcv) >= snd->ext->recover)
		snd->in_recovery = false; /* everything sent before the loss is ACKed */
	at_next = seen && rel == prev_next;
	same_ack = snd->has_last_ack && p->ack == snd->last_ack_raw;
	same_win = snd->has_win && p->win == snd->win_last_raw;
	peer_zero = rcv->has_win && rcv->win_last_raw == 0;

	if (!rst) {
		/* Probes and keep-alives (Wireshark: zero-window probe first). */
		if (!syn && !fin && len == 1 && at_next && peer_zero) {
			an |= TT_AN_BIT(TT_AN_ZERO_WINDOW_PROBE);
			probe1 = true;
		} else if (!ctl && len <= 1 && seen && rel + 1 == prev_next) {
			an |= TT_AN_BIT(peer_zero ? TT_AN_ZERO_WINDOW_PROBE : TT_AN_KEEP_ALIVE);
		}
		if (p->win == 0 && !ctl && !probe1)
			an |= TT_AN_BIT(TT_AN_ZERO_WINDOW);
		if (seen && rel > prev_next && !probe1)
			an |= TT_AN_BIT(TT_AN_LOST_SEGMENT);

		if (!ctl && !probe1) {
			if (len == 0 && p->win != 0 && !same_win && at_next && same_ack)
				an |= TT_AN_BIT(TT_AN_WINDOW_UPDATE);
			if (len > 0 && rcv->scale_known && rcv->has_win && rcv->has_last_ack &&
			    p->seq + len == rcv->last_ack_raw + rcv->win_last)
				an |= TT_AN_BIT(TT_AN_WINDOW_FULL);
			if (len == 0 && same_win && at_next && same_ack) {
				if (p->win != 0 && (rcv->last_anomalies & TT_LAST_KEEP_ALIVE))
					an |= TT_AN_BIT(TT_AN_KEEP_ALIVE_ACK);
				else if (p->win == 0 && (rcv->last_anomalies & TT_LAST_ZW_PROBE))
					an |= TT_AN_BIT(TT_AN_ZERO_WINDOW_PROBE_ACK);
				else if (p->win != 0)
					an |= TT_AN_BIT(TT_AN_DUP_ACK);
			}
		}
		if (ackf && tt_dir_sent(rcv) && acks_unseen(m, rcv, rel_seq(rcv, p->ack), false))
			an |= TT_AN_BIT(TT_AN_ACKED_UNSEEN);

		/* Retransmission, fast, spurious, out of order. */
		if (seen && (len > 0 || syn || fin) &&
		    !(an & (TT_AN_BIT(TT_AN_KEEP_ALIVE) | TT_AN_BIT(TT_AN_ZERO_WINDOW_PROBE)))) {
			bool acked = len > 0 && rcv->has_ack && data_end <= (int64_t)tt_dir_ack_max(rcv);
			const struct tt_hole *h = NULL;
			int64_t below = end < prev_next ? end : prev_next;
			int64_t unseen = rel < below ? unseen_bytes(snd, rel, below, &h) : 0;

			if (syn && ackf && !snd->sent_synack && snd->has_isn && rel == 0) {
				/* Simultaneous open: the SYN,ACK repeats the SYN's number
				 * by design (RFC 9293 Figure 8); not a retransmission. */
			} else if (rel < prev_next && end > rel) {
				if (acked || unseen < below - rel || fill_is_resend(rt, snd, h, p, ooo_threshold))
					resend = true;
				else
					an |= TT_AN_BIT(TT_AN_OUT_OF_ORDER);
			} else if (acked) {
				resend = true; /* new to the capture, old to the receiver */
			}
			if (resend) {
				an |= TT_AN_BIT(TT_AN_RETRANSMISSION);
				if (acked)
					an |= TT_AN_BIT(TT_AN_SPURIOUS_RETRANSMISSION);
				else if (rel < prev_next && answers_loss_signal(rt, si, snd, rcv, p)) {
					an |= TT_AN_BIT(TT_AN_FAST_RETRANSMISSION);
					if (!snd->in_recovery && tt_dir_ext_need(m, snd) != NULL) {
						snd->in_recovery = true;
						snd->ext->recover = (uint64_t)prev_next;
					}
				}
			}
		}
	}

	/* Sequence space: new bytes, gaps, gap fills. */
	if (!probe1) {
		if (data_end > data_start) {
			const struct tt_hole *h;
			int64_t lo = data_start, hi = data_end < prev_next ? data_end : prev_next;
			uint64_t fresh = 0;
			if (lo < hi)
				fresh += (uint64_t)unseen_bytes(snd, lo, hi, &h);
			if (data_end > prev_next)
				fresh += (uint64_t)(data_end - (data_start > prev_next ? data_start : prev_next));
			ctr_add(m, snd, &snd->unique_lo, TT_CTR_UNIQUE, fresh);
		}
		if (rel < prev_next && end > rel)
			fill_holes(snd, rel, end);
		if (seen && rel > prev_next && !rst) {
			struct tt_hole *h = add_hole(m, snd, prev_next, rel, p, ipid_trusted(snd));
			/* Already ACKed (and counted as such) before the gap showed. */
			if (h != NULL && rcv->has_ack && (int64_t)tt_dir_ack_max(rcv) > prev_next)
				h->flags |= TT_HOLE_ACKED;
		}
		if (end > prev_next)
			mark_set(m, snd, &snd->seq_next_lo, TT_CTR_SEQ_NEXT, (uint64_t)end);
		if (data_end > (int64_t)tt_dir_data_next(snd))
			mark_set(m, snd, &snd->data_next_lo, TT_CTR_DATA_NEXT, (uint64_t)data_end);
	} else if ((uint64_t)end > tt_dir_x(snd)->probe_next && tt_dir_ext_need(m, snd) != NULL) {
		snd->ext->probe_next = (uint64_t)end;
	}

	if (fin && !snd->has_fin) {
		snd->has_fin = true;
		snd->fin_seq = p->seq + (syn ? 1u : 0u) + len;
	}
	if (fin)
		ctr_inc16(m, snd, &snd->fin_lo, TT_CTR_FIN);
	if (rst)
		ctr_inc16(m, snd, &snd->rst_lo, TT_CTR_RST);
	if (syn && ackf)
		snd->sent_synack = true;

	if (now == NULL) { /* the segment's time for the record's times set below */
		own = stamp_far(rt, p->ts);
		now = &own;
	}
	if (len > 0 && !rst && rcv->has_last_ack && p->seq == rcv->last_ack_raw)
		set_seg_stamp(rt, m->wide, TT_RT_FRONT_FILL + si, now); /* what the peer waits for */

	/* Round trips: this segment's data, and the peer's data it ACKs. */
	if (len > 0 && !rst) {
		if (resend)
			rtt_resent(m->ring, snd, p);
		else if (data_end > prev_next && !(an & TT_AN_BIT(TT_AN_KEEP_ALIVE)) && !probe1)
			rtt_push(m->ring, snd, p, p->seq + (syn ? 1u : 0u) + len);
	}
	if (ackf && !rst)
		rtt_acked(m, rt, !si, rcv, p);

	/* Wireshark's duplicate-ACK run: reset when the ACK number moves. */
	if (!snd->has_last_ack || p->ack != snd->last_ack_raw)
		snd->dup_ack_num = 0;
	if ((an & TT_AN_BIT(TT_AN_DUP_ACK)) && snd->dup_ack_num < UINT16_MAX)
		snd->dup_ack_num++;

	if (ackf)
		account_ack(m, snd, rcv, ack_rel(rcv, p->ack, false), false);
	if (!rst) {
		note_last(rt, m, now, si, snd, p,
		          (uint8_t)(((an & TT_AN_BIT(TT_AN_KEEP_ALIVE)) ? TT_LAST_KEEP_ALIVE : 0) |
		                    ((an & TT_AN_BIT(TT_AN_ZERO_WINDOW_PROBE)) ? TT_LAST_ZW_PROBE : 0)));
		account_window(snd, p, syn);
		if (!syn)
			track_zero_window(m, snd, p);
		keep_sack(m, snd, p);
	}
	learn_ipid(snd, p);
	if (len > 0 && !rst)
		account_in_flight(m, snd, rcv);

	if (an != 0)
		count(m, snd, an);
	return (struct tt_seg_info){.anomalies = an};
}

bool tt_analysis_segment_predicted(const struct tt_dir_slabs *m, struct tt_rtimes *rt,
                                   const struct tt_rt_stamp *now, int si, struct tt_dir *snd,
                                   struct tt_dir *rcv, const struct tt_packet *p,
                                   struct tt_seg_info *info)
{
	return segment_predicted(m, rt, now, si, snd, rcv, p, info) ||
	       segment_first_syn(m, rt, now, si, snd, rcv, p, info);
}

struct tt_seg_info tt_analysis_segment(const struct tt_dir_slabs *m, struct tt_rtimes *rt,
                                       const struct tt_rt_stamp *now, int si, struct tt_dir *snd,
                                       struct tt_dir *rcv, const struct tt_packet *p,
                                       tt_time_ns ooo_threshold)
{
	struct tt_seg_info info;

	if (tt_analysis_segment_predicted(m, rt, now, si, snd, rcv, p, &info))
		return info;
	return tt_analysis_segment_full(m, rt, now, si, snd, rcv, p, ooo_threshold);
}

struct tt_seg_info tt_analysis_seg(const struct tt_seg_env *e, struct tt_rtimes *rt, int si,
                                   struct tt_dir *snd, struct tt_dir *rcv,
                                   const struct tt_packet *p)
{
	struct tt_seg_info info;

	if (segment_predicted(&e->m, rt, &e->now, si, snd, rcv, p, &info) ||
	    segment_first_syn(&e->m, rt, &e->now, si, snd, rcv, p, &info))
		return info;
	return tt_analysis_segment_full(&e->m, rt, &e->now, si, snd, rcv, p, TT_OOO_HANDSHAKE);
}
