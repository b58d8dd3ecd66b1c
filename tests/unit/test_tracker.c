/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_tracker.c - segments through the tracker: both endpoints' histories,
 * outcomes, timers, incarnations and eviction, checked on the final records.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <string.h>

#include "tcptrack/tracker.h"

#define SEC(x) ((tt_time_ns)((x) * 1e9))
#define T0 SEC(1700000000)
#define MAXREC 16

/* The final records, copied as the tracker hands them over. */
static struct tt_conn_copy copies[MAXREC];
static struct tt_conn recs[MAXREC]; /* copies[i].conn, side blocks in copies[i] */
static int nrecs;
static struct tt_tracker *tr;

/* Endpoints leaving TIME_WAIT after their record was written (remnant events). */
struct tw_exit {
	uint64_t id;
	enum tt_endpoint ep;
	tt_time_ns ts;
};
static struct tw_exit exits[MAXREC];
static int nexits;

/* Every event, in order: what a reader of the event stream sees. */
struct ev_log {
	enum tt_event_type type;
	tt_time_ns ts;
	uint64_t id;
	enum tt_endpoint endpoint;
	enum tt_tcp_state from, to;
	const char *anomaly;
};
#define MAXEV 256
static struct ev_log evlog[MAXEV];
static int nev;

/*
 * The records handed over in batches (cfg.on_records), as a report takes them:
 * each must be as it was at its TT_EVT_CONN_END, in the same order.  A record's
 * fingerprint at both times: FNV-1a over a copy of it, its side blocks copied
 * into one place (so that their pointers are equal), without what the table
 * owns but the key, and without the tracker's mark of a record still to be
 * handed over; with the number of its segments in flight, which a copy leaves.
 */
#define MAXFP 1024
static uint64_t fps[MAXFP];
static int nfp, handed, full_batches, detached_seen;
static bool batched; /* the tracker was made with on_records */

static uint64_t fingerprint(const struct tt_conn *c)
{
	static struct tt_conn_copy x;
	const unsigned char *b = (const unsigned char *)&x;
	uint64_t h = UINT64_C(1469598103934665603);

	memset(&x, 0, sizeof(x));
	tt_conn_copy(&x, c);
	memset(&x.conn.node, 0, sizeof(x.conn.node));
	x.conn.node.key = c->node.key;
	x.conn.queued = false;
	for (size_t i = 0; i < sizeof(x); i++)
		h = (h ^ b[i]) * UINT64_C(1099511628211);
	return h ^ ((uint64_t)c->dir[TT_CLIENT].ring << 32 | c->dir[TT_SERVER].ring);
}

static void on_records(const struct tt_conn *const *rs, size_t n, void *user)
{
	(void)user;
	cr_assert(n >= 1 && n <= TT_TRACKER_BATCH, "a batch of %zu", n);
	if (n == TT_TRACKER_BATCH)
		full_batches++;
	for (size_t i = 0; i < n; i++) {
		cr_assert_lt(handed, nfp, "handed over before its TT_EVT_CONN_END");
		cr_assert(rs[i]->written && rs[i]->queued);
		cr_assert_eq(fingerprint(rs[i]), fps[handed],
		             "record %d (id %" PRIu64 ") changed between its end and its hand-over",
		             handed, rs[i]->id);
		if (!rs[i]->node.in_use)
			detached_seen++; /* out of the table, its memory kept for the writers */
		handed++;
	}
}

/* End of input: every record written is handed over. */
static void finish(void)
{
	tt_tracker_finish(tr);
	if (batched)
		cr_assert_eq(handed, nfp, "%d records written, %d handed over", nfp, handed);
}

static void on_event(const struct tt_event *ev, void *user)
{
	(void)user;
	if (ev->type == TT_EVT_CONN_END && nfp < MAXFP)
		fps[nfp++] = fingerprint(ev->conn);
	if (nev < MAXEV)
		evlog[nev++] = (struct ev_log){ev->type, ev->ts, ev->conn != NULL ? ev->conn->id : 0,
		                               ev->endpoint, ev->from, ev->to, ev->anomaly};
	if (ev->type == TT_EVT_CONN_END && nrecs < MAXREC) {
		tt_conn_copy(&copies[nrecs], ev->conn);
		recs[nrecs] = copies[nrecs].conn; /* (its side-block pointers point into copies[]) */
		nrecs++;
	}
	if (ev->type == TT_EVT_STATE && ev->conn->remnant && nexits < MAXREC) {
		cr_assert_eq(ev->from, TT_TCP_TIME_WAIT);
		cr_assert_eq(ev->to, TT_TCP_CLOSED);
		exits[nexits++] = (struct tw_exit){ev->conn->id, ev->endpoint, ev->ts};
	}
}

static void setup_n(uint32_t max_flows)
{
	struct tt_tracker_config cfg = {.max_flows = max_flows, .msl = SEC(30),
	                                .on_event = on_event, .user = NULL};
	char err[TT_ERRBUF_SIZE];

	/* Records handed over in batches too (a report), unless the suite runs as
	 * the live monitor takes them: from the events only (TT_TEST_UNBATCHED,
	 * the tracker-unbatched test). */
	batched = getenv("TT_TEST_UNBATCHED") == NULL;
	if (batched)
		cfg.on_records = on_records;
	nfp = handed = full_batches = detached_seen = 0;
	nrecs = 0;
	nexits = 0;
	nev = 0;
	cr_assert_eq(tt_tracker_new(&tr, &cfg, err), TT_OK);
}

static void setup(void)
{
	setup_n(64);
}

static void teardown(void)
{
	tt_tracker_free(&tr);
	cr_assert_null(tr);
}

/* C = 10.0.0.1:40000, S = 10.0.0.2:80 unless cport says otherwise. */
static uint16_t cport = 40000;
/* How seg() and tick() feed: 0 tt_tracker_feed(); 1 the look-ahead
 * (tt_tracker_ahead_push()); 2 both in turn (a direct feed comes after the
 * frames waiting). */
static int ahead;
static unsigned fed;

static void feed_frame(enum tt_decode_result r, const struct tt_packet *p, tt_time_ns ts)
{
	if (ahead == 1 || (ahead == 2 && fed++ % 3 != 0)) {
		struct tt_packet *slot = tt_tracker_ahead_slot(tr);
		if (p != NULL)
			*slot = *p;
		else
			memset(slot, 0xa5, sizeof(*slot)); /* not read: the frame is not TCP */
		slot->ts = ts; /* (as tt_decode() sets it, whatever the result) */
		tt_tracker_ahead_push(tr, slot, r);
	} else {
		tt_tracker_feed(tr, r, p, ts);
	}
}

static void seg(double t, bool from_client, uint16_t flags, uint32_t seq, uint32_t ack,
                uint32_t len)
{
	struct tt_packet p;

	memset(&p, 0, sizeof(p));
	p.ts = T0 + SEC(t);
	p.ip_version = 4;
	uint8_t c[4] = {10, 0, 0, 1}, s[4] = {10, 0, 0, 2};
	memcpy(from_client ? p.src : p.dst, c, 4);
	memcpy(from_client ? p.dst : p.src, s, 4);
	p.sport = from_client ? cport : 80;
	p.dport = from_client ? 80 : cport;
	p.seq = seq;
	p.ack = ack;
	p.flags = flags;
	p.win = 1000;
	p.payload_len = len;
	feed_frame(TT_DEC_OK, &p, p.ts);
}

/* A frame that is not TCP at time t: time moves on, records that ended are written. */
static void tick(double t)
{
	feed_frame(TT_DEC_NOT_TCP, NULL, T0 + SEC(t));
}

#define C true
#define S false
#define SYN TT_TH_SYN
#define ACK TT_TH_ACK
#define FIN TT_TH_FIN
#define RST TT_TH_RST

static void assert_history(const struct tt_history *h, const char *const *want, int n)
{
	cr_assert_eq(h->n, n, "history has %d entries, want %d", h->n, n);
	for (int i = 0; i < n; i++)
		cr_assert_str_eq(tt_tcp_state_name(tt_history_state(h, i)), want[i], "entry %d", i);
}

static void handshake(double t)
{
	seg(t, C, SYN, 100, 0, 0);
	seg(t + 0.01, S, SYN | ACK, 500, 101, 0);
	seg(t + 0.02, C, ACK, 101, 501, 0);
}

/* Opened at 0, closed by the client at 1 s: its FIN, the server's FIN,ACK, the last ACK
 * (over at 1.02 s, the client in TIME_WAIT since 1.01 s). */
static void closed_by_client_3way(void)
{
	handshake(0);
	seg(1, C, ACK | FIN, 101, 501, 0);
	seg(1.01, S, ACK | FIN, 501, 102, 0);
	seg(1.02, C, ACK, 102, 502, 0);
}

/* The same in four segments: the server ACKs, then sends its FIN at 1.02 s (over at 1.03 s). */
static void closed_by_client_4way(void)
{
	handshake(0);
	seg(1, C, ACK | FIN, 101, 501, 0);
	seg(1.01, S, ACK, 501, 102, 0);
	seg(1.02, S, ACK | FIN, 501, 102, 0);
	seg(1.03, C, ACK, 102, 502, 0);
}

TestSuite(tracker, .init = setup, .fini = teardown);

Test(tracker, classic_open_close_and_time_wait_expiry)
{
	static const char *const cw[] = {"SYN_SENT", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2",
	                                 "TIME_WAIT"};
	static const char *const sw[] = {"LISTEN", "SYN_RCVD", "ESTABLISHED", "CLOSE_WAIT",
	                                 "LAST_ACK", "CLOSED"};

	closed_by_client_4way();
	/* Over at 1.03 s (client TIME_WAIT, server CLOSED): written a second later. */
	tick(2.0);
	cr_assert_eq(nrecs, 0, "strays may still come");
	tick(2.04);
	cr_assert_eq(nrecs, 1);
	assert_history(&recs[0].hist[TT_CLIENT], cw, 5);
	assert_history(&recs[0].hist[TT_SERVER], sw, 6);
	cr_assert_eq(tt_conn_hist_ts(&recs[0], TT_CLIENT, 4), T0 + SEC(1.02), "TIME_WAIT on the FIN");
	cr_assert_eq(tt_conn_hist_ts(&recs[0], TT_SERVER, 0), T0, "LISTEN dated from the SYN");
	cr_assert_eq(tt_conn_end(&recs[0]), T0 + SEC(1.03));
	cr_assert_eq(tt_conn_tw_deadline(&recs[0], TT_CLIENT), T0 + SEC(61.02),
	             "2*MSL after entering");
	cr_assert_eq(tt_conn_tw_deadline(&recs[0], TT_SERVER), 0, "never in TIME_WAIT");
	cr_assert(recs[0].tw_followed);
	cr_assert_eq(tt_conn_outcome(&recs[0]), TT_OUT_CLOSED);
	cr_assert_str_eq(tt_conn_closed_by(&recs[0]), "client");
	cr_assert_eq(recs[0].handshake, TT_HS_COMPLETE);
	cr_assert_not(recs[0].dir[TT_CLIENT].ext_full || recs[0].dir[TT_CLIENT].nib,
	              "a clean connection takes no side block");
	cr_assert_not(recs[0].dir[TT_SERVER].ext_full || recs[0].dir[TT_SERVER].nib);
	cr_assert_eq(recs[0].end_reason, TT_END_CLOSED);
	cr_assert_eq(tt_tracker_time_wait_over(tr), 1);
	/* The compact entry leaves TIME_WAIT at 2*MSL exactly, dated so. */
	tick(61.019);
	cr_assert_eq(nexits, 0, "one millisecond early");
	tick(61.04);
	cr_assert_eq(nexits, 1);
	cr_assert_eq(exits[0].id, recs[0].id);
	cr_assert_eq(exits[0].ep, TT_CLIENT);
	cr_assert_eq(exits[0].ts, T0 + SEC(61.02));
	cr_assert_eq(tt_tracker_time_wait_over(tr), 0);
}

Test(tracker, states_at_end_of_input_are_not_fast_forwarded)
{
	closed_by_client_3way();
	cport = 40001; /* another, still open at the end */
	handshake(1.5);
	cport = 40000;
	finish();
	cr_assert_eq(nrecs, 2);
	cr_assert_eq(recs[0].state[TT_CLIENT], TT_TCP_TIME_WAIT);
	cr_assert_eq(recs[0].state[TT_SERVER], TT_TCP_CLOSED);
	cr_assert_eq(recs[0].end_reason, TT_END_CLOSED, "over at the last ACK");
	cr_assert_eq(tt_conn_end(&recs[0]), T0 + SEC(1.02));
	cr_assert_eq(recs[1].state[TT_CLIENT], TT_TCP_ESTABLISHED);
	cr_assert_eq(recs[1].end_reason, TT_END_INPUT);
	cr_assert_eq(nexits, 0, "nothing expires at the end of the input");
}

Test(tracker, fin_wait_1_to_time_wait_on_fin_ack)
{
	static const char *const cw[] = {"SYN_SENT", "ESTABLISHED", "FIN_WAIT_1", "TIME_WAIT"};

	handshake(0);
	seg(1, C, ACK | FIN, 101, 501, 0);
	seg(1.01, S, ACK | FIN, 501, 102, 0);
	finish();
	assert_history(&recs[0].hist[TT_CLIENT], cw, 4);
	cr_assert_eq(recs[0].state[TT_SERVER], TT_TCP_LAST_ACK);
}

Test(tracker, simultaneous_close_goes_through_closing)
{
	static const char *const both[] = {"ESTABLISHED", "FIN_WAIT_1", "CLOSING", "TIME_WAIT"};

	handshake(0);
	seg(1, C, ACK | FIN, 101, 501, 0);
	seg(1.001, S, ACK | FIN, 501, 101, 0); /* does not ack the client's FIN */
	seg(1.01, C, ACK, 102, 502, 0);
	seg(1.011, S, ACK, 502, 102, 0);
	finish();
	cr_assert_eq(nrecs, 1);
	assert_history(&recs[0].hist[TT_CLIENT], (const char *const[]){"SYN_SENT", "ESTABLISHED",
	               "FIN_WAIT_1", "CLOSING", "TIME_WAIT"}, 5);
	cr_assert_eq(recs[0].hist[TT_SERVER].n, 6);
	for (int i = 0; i < 4; i++)
		cr_assert_str_eq(tt_tcp_state_name(tt_history_state(&recs[0].hist[TT_SERVER], 2 + i)),
		                 both[i]);
	cr_assert_str_eq(tt_conn_closed_by(&recs[0]), "both");
}

Test(tracker, refused)
{
	seg(0, C, SYN, 100, 0, 0);
	seg(0.001, S, RST | ACK, 0, 101, 0);
	/* A refused opening is held 2*MSL: the client may retry the same SYN. */
	tick(60);
	cr_assert_eq(nrecs, 0);
	tick(60.002);
	cr_assert_eq(nrecs, 1, "written when no retry can come any more");
	cr_assert_eq(tt_conn_outcome(&recs[0]), TT_OUT_REFUSED);
	cr_assert_eq(recs[0].state[TT_CLIENT], TT_TCP_CLOSED);
	cr_assert_eq(recs[0].hist[TT_SERVER].n, 0, "the server never left CLOSED");
	cr_assert_eq(tt_conn_end(&recs[0]), T0 + SEC(60.001));
}

Test(tracker, refused_then_the_same_syn_retried_is_one_opening)
{
	/* Windows retries a refused connect() with the same SYN: one record,
	 * the retries counted as retransmissions (as tshark does). */
	seg(0, C, SYN, 100, 0, 0);
	seg(0.001, S, RST | ACK, 0, 101, 0);
	seg(0.2, C, ACK, 101, 1, 0); /* a stray is absorbed */
	cr_assert_eq(tt_tracker_stats(tr)->strays, 1);
	seg(0.5, C, SYN, 100, 0, 0);
	seg(0.501, S, RST | ACK, 0, 101, 0);
	seg(1, C, SYN, 100, 0, 0);
	seg(1.001, S, RST | ACK, 0, 101, 0);
	finish();
	cr_assert_eq(nrecs, 1);
	cr_assert_eq(recs[0].incarnation, 1);
	cr_assert_eq(tt_conn_outcome(&recs[0]), TT_OUT_REFUSED);
	cr_assert_eq(tt_dir_count(&recs[0].dir[TT_CLIENT], TT_AN_RETRANSMISSION), 2);
	cr_assert_not(recs[0].dir[TT_CLIENT].ext_full, "the counts in the record, copied with it");
	assert_history(&recs[0].hist[TT_CLIENT],
	               (const char *const[]){"SYN_SENT", "CLOSED", "SYN_SENT", "CLOSED", "SYN_SENT",
	                                     "CLOSED"}, 6);
}

/* Eight refused tries of the same SYN: sixteen transitions for the client.
 * The first eleven are kept and the latest in the twelfth place; the times
 * past the sixth live in a side block, copied with the record. */
Test(tracker, long_history_is_truncated_keeping_the_first_and_the_latest)
{
	const struct tt_history *h;

	for (int i = 0; i < 8; i++) {
		seg(0.5 * i, C, SYN, 100, 0, 0);
		seg(0.5 * i + 0.001, S, RST | ACK, 0, 101, 0);
	}
	finish();
	cr_assert_eq(nrecs, 1);
	h = &recs[0].hist[TT_CLIENT];
	cr_assert_eq(h->n, TT_HISTORY_MAX);
	cr_assert(h->truncated);
	cr_assert_eq(recs[0].rt.wide, copies[0].wide, "copied with the record");
	for (int i = 0; i < TT_HISTORY_MAX - 1; i++) {
		cr_assert_eq(tt_history_state(h, i), i % 2 == 0 ? TT_TCP_SYN_SENT : TT_TCP_CLOSED,
		             "entry %d", i);
		cr_assert_eq(tt_conn_hist_ts(&recs[0], TT_CLIENT, i),
		             T0 + SEC(0.5 * (i / 2) + (i % 2 ? 0.001 : 0)),
		             "entry %d", i);
	}
	cr_assert_eq(tt_history_state(h, TT_HISTORY_MAX - 1), TT_TCP_CLOSED, "the latest last");
	cr_assert_eq(tt_conn_hist_ts(&recs[0], TT_CLIENT, TT_HISTORY_MAX - 1), T0 + SEC(3.501));
	cr_assert_not(recs[0].hist[TT_SERVER].truncated);
}

/* Without a side block for the later times, the record's sixth place takes
 * the latest transition. */
Test(tracker, history_without_a_side_block_keeps_the_latest_in_the_record)
{
	struct tt_flow_slab *wide;
	struct tt_rtimes ra = {0}, rb = {0};
	struct tt_history a, b;
	char err[256];

	tt_rt_init(&ra, T0);
	tt_rt_init(&rb, T0);
	cr_assert_eq(tt_flow_slab_new(&wide, sizeof(tt_time_ns) * TT_RT_WIDE, 1, err), TT_OK, "%s",
	             err);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	for (int i = 0; i < 8; i++)
		tt_history_push(wide, &ra, &a, TT_SERVER, (enum tt_tcp_state)(1 + i), T0 + i * 1000);
	cr_assert_eq(a.n, 8);
	cr_assert_not_null(ra.wide, "the one block");
	cr_assert_not(a.truncated);
	for (int i = 0; i < 8; i++)
		cr_assert_eq(tt_rt_hist(&ra, TT_SERVER, i), T0 + i * 1000);
	for (int i = 0; i < 8; i++)
		tt_history_push(wide, &rb, &b, TT_SERVER, (enum tt_tcp_state)(1 + i), T0 + i * 1000);
	cr_assert_null(rb.wide, "none left");
	cr_assert_eq(b.n, TT_HISTORY_INLINE);
	cr_assert(b.truncated);
	for (int i = 0; i < TT_HISTORY_INLINE - 1; i++) {
		cr_assert_eq((int)tt_history_state(&b, i), 1 + i);
		cr_assert_eq(tt_rt_hist(&rb, TT_SERVER, i), T0 + i * 1000);
	}
	cr_assert_eq((int)tt_history_state(&b, TT_HISTORY_INLINE - 1), 8, "the latest");
	cr_assert_eq(tt_rt_hist(&rb, TT_SERVER, TT_HISTORY_INLINE - 1), T0 + 7000);
	tt_flow_slab_free(&wide);
}

/* The record keeps a time as 32 bits after its first packet, in microseconds
 * when that is a whole microsecond (else in nanoseconds); one that does not
 * fit moves every time into the side block, exactly. */
Test(tracker, record_times_that_do_not_fit_are_kept_in_full)
{
	const tt_time_ns us_far = ((tt_time_ns)UINT32_MAX + 1) * 1000;
	const tt_time_ns ns_far = (tt_time_ns)UINT32_MAX + 1;
	struct tt_flow_slab *wide;
	struct tt_rtimes a = {0}, b = {0}, c = {0}, d = {0}, e = {0};
	struct tt_history h;
	char err[256];

	tt_rt_init(&a, T0);
	tt_rt_init(&b, T0);
	tt_rt_init(&c, T0 + 1);
	tt_rt_init(&d, T0);
	tt_rt_init(&e, T0);
	cr_assert_eq(tt_flow_slab_new(&wide, sizeof(tt_time_ns) * TT_RT_WIDE, 8, err), TT_OK, "%s",
	             err);
	cr_assert(tt_rt_us(&a));
	cr_assert_not(tt_rt_us(&c));
	cr_assert_eq(tt_rt_get(&a, TT_RT_END), 0, "never set");
	cr_assert_eq(tt_rt_get(&a, TT_RT_PATH_RTT), 0);
	tt_rt_set(&a, wide, TT_RT_LAST, T0 + us_far - 1000);
	tt_rt_set(&a, wide, TT_RT_PATH_RTT + 1, SEC(1.5));
	cr_assert_null(a.wide, "71.6 minutes of microseconds");
	cr_assert_eq(tt_rt_get(&a, TT_RT_LAST), T0 + us_far - 1000);
	cr_assert_eq(tt_rt_get(&a, TT_RT_PATH_RTT + 1), SEC(1.5));
	tt_rt_set(&a, wide, TT_RT_END, T0 + us_far);
	cr_assert_not_null(a.wide);
	cr_assert_eq(tt_rt_get(&a, TT_RT_END), T0 + us_far);
	cr_assert_eq(tt_rt_get(&a, TT_RT_LAST), T0 + us_far - 1000);
	cr_assert_eq(tt_rt_get(&a, TT_RT_PATH_RTT + 1), SEC(1.5));
	cr_assert_eq(tt_rt_get(&a, TT_RT_SYN_FIRST), 0, "still never set");
	{ /* A stamp raises a time, and sets one never set. */
		struct tt_rt_stamp st = tt_rt_stamp(&d, T0 + 7000);
		tt_rt_raise(&d, wide, TT_RT_SYNACK_LAST, &st);
		cr_assert_eq(tt_rt_get(&d, TT_RT_SYNACK_LAST), T0 + 7000);
		st = tt_rt_stamp(&d, T0 + 5000);
		tt_rt_raise(&d, wide, TT_RT_SYNACK_LAST, &st);
		cr_assert_eq(tt_rt_get(&d, TT_RT_SYNACK_LAST), T0 + 7000, "not lowered");
	}

	tt_rt_set(&b, wide, TT_RT_LAST, T0 + SEC(10));
	tt_rt_set(&b, wide, TT_RT_SYN_LAST, T0 + 1500);
	cr_assert_not_null(b.wide, "1.5 us is not a whole microsecond");
	cr_assert_eq(tt_rt_get(&b, TT_RT_SYN_LAST), T0 + 1500);
	cr_assert_eq(tt_rt_get(&b, TT_RT_LAST), T0 + SEC(10));

	tt_rt_set(&c, wide, TT_RT_LAST, T0 + 1 + ns_far - 1);
	tt_rt_set(&c, wide, TT_RT_RTT_MIN, 7);
	cr_assert_null(c.wide);
	cr_assert_eq(tt_rt_get(&c, TT_RT_LAST), T0 + ns_far);
	cr_assert_eq(tt_rt_get(&c, TT_RT_RTT_MIN), 7);
	tt_rt_set(&c, wide, TT_RT_RTT_MAX, ns_far);
	cr_assert_not_null(c.wide);
	cr_assert_eq(tt_rt_get(&c, TT_RT_RTT_MAX), ns_far);
	cr_assert_eq(tt_rt_get(&c, TT_RT_RTT_MIN), 7);

	/* Time going backwards: an earlier packet moves the first; the times stay. */
	memset(&h, 0, sizeof(h));
	tt_rt_set(&d, wide, TT_RT_LAST, T0 + SEC(2));
	tt_history_push(wide, &d, &h, TT_CLIENT, TT_TCP_SYN_SENT, T0 + SEC(1));
	tt_rt_set(&d, wide, TT_RT_SEG_LAST, T0 - 3000);
	cr_assert_not_null(d.wide, "before the first packet");
	tt_rt_rebase(&e, wide, T0 - SEC(1));
	tt_rt_set(&e, wide, TT_RT_LAST, T0 + SEC(2));
	memset(&h, 0, sizeof(h));
	tt_history_push(wide, &e, &h, TT_SERVER, TT_TCP_LISTEN, T0 + SEC(1));
	tt_rt_rebase(&e, wide, T0 - SEC(2));
	cr_assert_null(e.wide, "still fits");
	cr_assert_eq(e.first, T0 - SEC(2));
	cr_assert_eq(tt_rt_get(&e, TT_RT_LAST), T0 + SEC(2));
	cr_assert_eq(tt_rt_hist(&e, TT_SERVER, 0), T0 + SEC(1));
	cr_assert_eq(tt_rt_get(&e, TT_RT_END), 0, "never set: stays so");
	tt_rt_rebase(&e, wide, T0 - us_far);
	cr_assert_not_null(e.wide, "no longer fits");
	cr_assert_eq(tt_rt_get(&e, TT_RT_LAST), T0 + SEC(2));
	cr_assert_eq(tt_rt_hist(&e, TT_SERVER, 0), T0 + SEC(1));
	cr_assert_eq(tt_rt_get(&e, TT_RT_END), 0);

	/* The tracker's simultaneous-close fix rewrites a transition's time. */
	cr_assert(tt_rt_set_hist(&d, wide, TT_CLIENT, 0, T0 + 3000));
	cr_assert_eq(tt_rt_hist(&d, TT_CLIENT, 0), T0 + 3000);
	tt_flow_slab_free(&wide);
}

Test(tracker, refused_then_a_new_syn_is_a_new_incarnation)
{
	seg(0, C, SYN, 100, 0, 0);
	seg(0.001, S, RST | ACK, 0, 101, 0);
	seg(0.5, C, SYN, 9000, 0, 0);
	tick(0.6);
	cr_assert_eq(nrecs, 1, "the refused record ends at the new SYN");
	cr_assert_eq(tt_conn_end(&recs[0]), T0 + SEC(0.5));
	finish();
	cr_assert_eq(nrecs, 2);
	cr_assert_eq(recs[1].incarnation, 2);
	cr_assert(recs[1].port_reuse);
	cr_assert_eq(tt_conn_outcome(&recs[1]), TT_OUT_TIMEOUT);
}

Test(tracker, syn_with_a_new_isn_while_unanswered_is_a_new_attempt)
{
	seg(0, C, SYN, 1000, 0, 0);
	seg(3, C, SYN, 777777, 0, 0);
	seg(3.001, S, RST | ACK, 0, 777778, 0);
	finish();
	cr_assert_eq(nrecs, 2);
	cr_assert_eq(tt_conn_outcome(&recs[0]), TT_OUT_TIMEOUT);
	cr_assert_eq(recs[0].dir[TT_CLIENT].isn, 1000);
	cr_assert_eq(recs[1].incarnation, 2);
	cr_assert_eq(tt_conn_outcome(&recs[1]), TT_OUT_REFUSED);
	cr_assert_eq(tt_dir_count(&recs[1].dir[TT_CLIENT], TT_AN_LOST_SEGMENT), 0);
}

Test(tracker, rst_with_wrong_ack_is_ignored_in_syn_sent)
{
	seg(0, C, SYN, 100, 0, 0);
	seg(0.001, S, RST | ACK, 0, 4242, 0);
	seg(0.002, S, SYN | ACK, 500, 101, 0);
	seg(0.003, C, ACK, 101, 501, 0);
	finish();
	cr_assert_eq(nrecs, 1);
	cr_assert_eq(recs[0].state[TT_CLIENT], TT_TCP_ESTABLISHED);
	cr_assert_eq(tt_conn_outcome(&recs[0]), TT_OUT_OPEN);
}

Test(tracker, reset_in_established_names_the_sender)
{
	handshake(0);
	seg(1, S, RST | ACK, 501, 101, 0);
	cr_assert_eq(nrecs, 0, "written once time moves a second past its end");
	tick(1.5);
	cr_assert_eq(nrecs, 0);
	tick(2);
	cr_assert_eq(nrecs, 1);
	cr_assert_eq(tt_conn_outcome(&recs[0]), TT_OUT_RESET);
	cr_assert_str_eq(tt_conn_reset_by(&recs[0]), "server");
	cr_assert_eq(recs[0].state[TT_CLIENT], TT_TCP_CLOSED);
	cr_assert_eq(recs[0].state[TT_SERVER], TT_TCP_CLOSED);
}

Test(tracker, midstream_pickup_chooses_the_high_port_client)
{
	cport = 51000;
	seg(0, S, ACK, 7000, 3000, 100); /* first packet from the server */
	seg(0.01, C, ACK, 3000, 7100, 0);
	finish();
	cport = 40000;
	cr_assert_eq(nrecs, 1);
	cr_assert_eq(tt_conn_port(&recs[0], TT_CLIENT), 51000);
	cr_assert_eq(tt_conn_port(&recs[0], TT_SERVER), 80);
	cr_assert_eq(recs[0].handshake, TT_HS_NONE);
	cr_assert_eq(recs[0].state[TT_CLIENT], TT_TCP_ESTABLISHED);
	cr_assert_eq(recs[0].client_reason, TT_CR_PORT);
}

Test(tracker, syn_in_time_wait_starts_a_new_incarnation)
{
	closed_by_client_3way();
	seg(5, C, SYN, 200000, 0, 0);
	tick(6);
	cr_assert_eq(nrecs, 1, "written at 2.02 s, over with the client in TIME_WAIT");
	cr_assert_eq(recs[0].state[TT_CLIENT], TT_TCP_TIME_WAIT);
	cr_assert_eq(nexits, 1, "the old incarnation leaves TIME_WAIT when the new SYN is seen");
	cr_assert_eq(exits[0].ts, T0 + SEC(5));
	cr_assert_eq(exits[0].ep, TT_CLIENT);
	finish();
	cr_assert_eq(nrecs, 2);
	cr_assert_eq(recs[1].incarnation, 2);
	cr_assert(recs[1].port_reuse);
	cr_assert_eq(recs[1].state[TT_CLIENT], TT_TCP_SYN_SENT);
}

/* The same SYN within the stray grace, while the record still waits to be written. */
Test(tracker, syn_in_time_wait_before_the_record_is_written)
{
	closed_by_client_3way();
	seg(1.5, C, SYN, 200000, 0, 0);
	cr_assert_eq(nrecs, 1, "written when the new incarnation takes the 4-tuple");
	cr_assert_eq(recs[0].state[TT_CLIENT], TT_TCP_TIME_WAIT);
	cr_assert_eq(nexits, 1);
	cr_assert_eq(exits[0].ts, T0 + SEC(1.5));
	finish();
	cr_assert_eq(nrecs, 2);
	cr_assert_eq(recs[1].incarnation, 2);
	cr_assert(recs[1].port_reuse);
}

/* After TIME_WAIT ran its course, a new SYN within 2*MSL is an incarnation, not port reuse. */
Test(tracker, syn_after_time_wait_is_no_port_reuse)
{
	closed_by_client_3way();
	seg(70, C, SYN, 200000, 0, 0);
	cr_assert_eq(nexits, 1);
	cr_assert_eq(exits[0].ts, T0 + SEC(61.01));
	finish();
	cr_assert_eq(nrecs, 2);
	cr_assert_eq(recs[1].incarnation, 2);
	cr_assert_not(recs[1].port_reuse);
}

Test(tracker, fin_retransmitted_into_time_wait_rearms_the_timer)
{
	closed_by_client_4way();
	seg(21, S, ACK | FIN, 501, 102, 0); /* retransmitted FIN: the record was written at 2.03 s */
	cr_assert_eq(nrecs, 1);
	cr_assert_eq(tt_tracker_stats(tr)->strays, 1);
	tick(75);
	cr_assert_eq(nexits, 0, "TIME_WAIT restarted at 21 s: ends at 81 s");
	tick(82);
	cr_assert_eq(nexits, 1);
	cr_assert_eq(exits[0].ts, T0 + SEC(81));
}

/* Within the second before the record is written, a retransmitted FIN counts
 * in it and re-arms TIME_WAIT too. */
Test(tracker, fin_retransmitted_just_after_the_end_counts_in_the_record)
{
	closed_by_client_4way();
	seg(1.5, S, ACK | FIN, 501, 102, 0);
	tick(3);
	cr_assert_eq(nrecs, 1);
	cr_assert_eq(tt_dir_count(&recs[0].dir[TT_SERVER], TT_AN_RETRANSMISSION), 1);
	cr_assert_eq(recs[0].strays, 1);
	tick(62);
	cr_assert_eq(nexits, 1);
	cr_assert_eq(exits[0].ts, T0 + SEC(61.5));
}

Test(tracker, eviction_of_the_least_recently_active)
{
	tt_tracker_free(&tr); /* replace the suite's tracker by one of 2 flows */
	setup_n(2);
	cport = 1001;
	seg(0, C, SYN, 1, 0, 0);
	cport = 1002;
	seg(0.1, C, SYN, 1, 0, 0);
	cport = 1001;
	seg(0.2, C, SYN, 1, 0, 0); /* touches 1001: 1002 is now the oldest */
	cport = 1003;
	seg(0.3, C, SYN, 1, 0, 0);
	tick(0.4);
	cr_assert_eq(nrecs, 1);
	cr_assert_eq(tt_conn_port(&recs[0], TT_CLIENT), 1002);
	cr_assert_eq(recs[0].end_reason, TT_END_EVICTED);
	cr_assert_eq(tt_tracker_stats(tr)->evicted, 1);
	finish();
	cr_assert_eq(nrecs, 3);
	cr_assert_eq(tt_conn_port(&recs[1], TT_CLIENT), 1001, "end of input: in order of first packet");
	cr_assert_eq(tt_conn_port(&recs[2], TT_CLIENT), 1003);
	cport = 40000;
}

/* The events a report takes: the state changes into or out of TIME_WAIT and the
 * ends, as the whole stream has them; the records are the same. */
Test(tracker, report_events_are_the_time_wait_changes_and_the_ends)
{
	struct ev_log all[MAXEV];
	struct tt_conn rec_all[2];
	int nall, nwant = 0;

	for (int set = 0; set < 2; set++) {
		struct tt_tracker_config cfg = {.max_flows = 64, .msl = SEC(30), .on_event = on_event,
		                                .events = set == 0 ? TT_EVENTS_ALL : TT_EVENTS_REPORT};
		char err[TT_ERRBUF_SIZE];

		tt_tracker_free(&tr);
		nrecs = nexits = nev = 0;
		batched = false; /* (records straight from the events, as stories take them) */
		cr_assert_eq(tt_tracker_new(&tr, &cfg, err), TT_OK);
		closed_by_client_4way(); /* the client in TIME_WAIT */
		cport = 40001;
		handshake(1.5);
		seg(1.6, S, RST | ACK, 501, 101, 0); /* an end without TIME_WAIT */
		cport = 40000;
		tick(3);
		tick(62);
		finish();
		cr_assert_eq(nrecs, 2);
		cr_assert_eq(nexits, 1, "the remnant leaves TIME_WAIT");
		if (set == 0) {
			memcpy(all, evlog, sizeof(all));
			nall = nev;
			rec_all[0] = recs[0];
			rec_all[1] = recs[1];
			continue;
		}
		for (int i = 0; i < nall; i++) {
			const struct ev_log *e = &all[i];
			if (e->type == TT_EVT_CONN_END ||
			    (e->type == TT_EVT_STATE &&
			     (e->from == TT_TCP_TIME_WAIT || e->to == TT_TCP_TIME_WAIT))) {
				cr_assert_lt(nwant, nev);
				cr_assert_eq(memcmp(&evlog[nwant], e, sizeof(*e)), 0, "event %d", i);
				nwant++;
			}
		}
		cr_assert_eq(nev, nwant, "no other event");
		cr_assert_eq(nwant, 4, "into TIME_WAIT, 2 ends, out of it: %d", nwant);
		cr_assert_gt(nall, 20, "the whole stream has every state change");
		for (int i = 0; i < 2; i++) {
			cr_assert_eq(memcmp(rec_all[i].hist, recs[i].hist, sizeof(recs[i].hist)), 0);
			cr_assert_eq(memcmp(rec_all[i].state, recs[i].state, sizeof(recs[i].state)), 0);
		}
	}
}

Test(tracker, simultaneous_open)
{
	seg(0, C, SYN, 100, 0, 0);
	seg(0.001, S, SYN, 500, 0, 0);
	seg(0.01, C, SYN | ACK, 100, 501, 0);
	seg(0.011, S, SYN | ACK, 500, 101, 0);
	finish();
	cr_assert_eq(recs[0].handshake, TT_HS_SIMULTANEOUS);
	assert_history(&recs[0].hist[TT_CLIENT],
	               (const char *const[]){"SYN_SENT", "SYN_RCVD", "ESTABLISHED"}, 3);
	assert_history(&recs[0].hist[TT_SERVER],
	               (const char *const[]){"SYN_SENT", "SYN_RCVD", "ESTABLISHED"}, 3);
}

Test(tracker, crossing_fin_that_never_arrives_leaves_fin_wait_1)
{
	/* The client's FIN is lost after the capture point: the server closes
	 * too, and its FIN (and retransmissions) never acknowledge the client's.
	 * The server never received it, so it must not be shown in CLOSING. */
	handshake(0);
	seg(1, C, ACK | FIN, 101, 501, 0);
	seg(2, S, ACK | FIN, 501, 101, 0);
	seg(3, S, ACK | FIN, 501, 101, 0);
	finish();
	cr_assert_eq(recs[0].state[TT_SERVER], TT_TCP_FIN_WAIT_1);
	cr_assert_eq(recs[0].state[TT_CLIENT], TT_TCP_CLOSING);
	cr_assert_str_eq(tt_conn_closed_by(&recs[0]), "both");
	cr_assert_eq(tt_dir_count(&recs[0].dir[TT_SERVER], TT_AN_RETRANSMISSION), 1);
}

Test(tracker, first_fin_with_resent_data_is_still_a_close)
{
	handshake(0);
	seg(1, S, ACK, 501, 101, 100);         /* 100 bytes */
	seg(2, S, ACK | FIN, 501, 101, 150);   /* re-sends them, 50 new, then FIN */
	finish();
	cr_assert_eq(recs[0].state[TT_SERVER], TT_TCP_FIN_WAIT_1);
	cr_assert_eq(recs[0].state[TT_CLIENT], TT_TCP_CLOSE_WAIT);
	cr_assert_eq(tt_dir_unique_bytes(&recs[0].dir[TT_SERVER]), 150);
}

Test(tracker, syn_retransmitted_after_a_bad_synack_is_not_a_simultaneous_open)
{
	seg(0, C, SYN, 100, 0, 0);
	seg(0.01, S, SYN | ACK, 500, 4242, 0); /* acks nothing the client sent */
	seg(1, C, SYN, 100, 0, 0);            /* the client's SYN retransmission */
	finish();
	cr_assert_eq(recs[0].state[TT_CLIENT], TT_TCP_SYN_SENT, "client %s",
	             tt_tcp_state_name(recs[0].state[TT_CLIENT]));
	cr_assert_eq(recs[0].handshake, TT_HS_SYN_SYNACK);
	cr_assert_eq(tt_dir_count(&recs[0].dir[TT_CLIENT], TT_AN_RETRANSMISSION), 1);
}

Test(tracker, rst_out_of_window_or_inexact_changes_nothing)
{
	handshake(0);
	seg(1, S, RST, 3000000000u, 0, 0);    /* far out of window: blind or forged */
	seg(1.1, S, RST, 501 + 999, 0, 0);     /* in the window, not RCV.NXT: challenge ACK */
	seg(2, C, ACK, 101, 501, 100);
	seg(2.1, S, ACK, 501, 201, 0);
	finish();
	cr_assert_eq(nrecs, 1);
	cr_assert_eq(recs[0].state[TT_CLIENT], TT_TCP_ESTABLISHED);
	cr_assert_eq(recs[0].state[TT_SERVER], TT_TCP_ESTABLISHED);
	cr_assert_eq(tt_conn_outcome(&recs[0]), TT_OUT_OPEN);
	cr_assert_eq(tt_tracker_stats(tr)->rst_ignored, 2);
	cr_assert_eq(tt_dir_payload_bytes(&recs[0].dir[TT_CLIENT]), 100);
}

Test(tracker, rst_at_the_last_acknowledged_number_is_accepted)
{
	/* The capture missed the server's last 100 bytes, which the client acked:
	 * an RST at that sequence number is exact for the client. */
	handshake(0);
	seg(1, C, ACK, 101, 601, 0);
	seg(1.1, S, RST, 601, 0, 0);
	tick(2.1);
	cr_assert_eq(nrecs, 1);
	cr_assert_eq(tt_conn_outcome(&recs[0]), TT_OUT_RESET);
	cr_assert_str_eq(tt_conn_reset_by(&recs[0]), "server");
}

Test(tracker, rst_with_the_fin_number_is_accepted_after_the_fin)
{
	/* Client FIN at 101 (next 102); the client's RST carries 101, the FIN's
	 * own number: Linux accepts it in CLOSE_WAIT/LAST_ACK/CLOSING. */
	handshake(0);
	seg(1, C, ACK | FIN, 101, 501, 0);
	seg(1.01, S, ACK, 501, 102, 0);
	seg(1.02, C, RST, 101, 0, 0);
	tick(2.02);
	cr_assert_eq(nrecs, 1);
	cr_assert_eq(recs[0].state[TT_SERVER], TT_TCP_CLOSED);
	cr_assert_str_eq(tt_conn_reset_by(&recs[0]), "client");
	cr_assert_eq(tt_tracker_stats(tr)->rst_ignored, 0);
}

Test(tracker, old_syn_after_a_reset_is_a_stray)
{
	seg(0, C, SYN, 100, 0, 0);
	seg(0.01, S, SYN | ACK, 500, 101, 0);
	seg(0.02, C, RST, 101, 0, 0);   /* the client resets the opening */
	seg(0.03, C, SYN, 100, 0, 0);   /* a duplicate of its old SYN: not a new connection */
	seg(0.04, C, SYN, 9000, 0, 0);  /* a new ISN: the next incarnation */
	finish();
	cr_assert_eq(nrecs, 2);
	cr_assert_eq(tt_tracker_stats(tr)->strays, 1);
	/* The stray counts in the record it follows, as in Wireshark's stream. */
	cr_assert_eq(tt_dir_packets(&recs[0].dir[TT_CLIENT]), 3);
	cr_assert_eq(recs[0].strays, 1);
	cr_assert_eq(tt_dir_count(&recs[0].dir[TT_CLIENT], TT_AN_RETRANSMISSION), 1);
	cr_assert_eq(recs[1].incarnation, 2);
	cr_assert_eq(recs[1].dir[TT_CLIENT].isn, 9000);
}

Test(tracker, time_going_backwards_keeps_timers_in_order)
{
	/* Connection A enters TIME_WAIT at 10 s; B, whose packets are stamped
	 * earlier (the capture's clock stepped back), at 5 s: B's timer counts
	 * from 10 s, so neither expiry is missed. */
	handshake(9.9);
	seg(10, C, ACK | FIN, 101, 501, 0);
	seg(10, S, ACK | FIN, 501, 102, 0);
	seg(10, C, ACK, 102, 502, 0);
	cport = 40001;
	handshake(4.9);
	seg(5, C, ACK | FIN, 101, 501, 0);
	seg(5, S, ACK | FIN, 501, 102, 0);
	seg(5, C, ACK, 102, 502, 0);
	cport = 40000;
	cr_assert_eq(tt_tracker_stats(tr)->time_backwards, 6);
	tick(11);
	cr_assert_eq(nrecs, 2, "both over at 10 s (an end is never before an earlier end)");
	cr_assert_eq(tt_conn_port(&recs[0], TT_CLIENT), 40001, "same end: in order of first packet");
	cr_assert_eq(tt_conn_port(&recs[1], TT_CLIENT), 40000);
	tick(69.9);
	cr_assert_eq(nexits, 0);
	tick(70.1);
	cr_assert_eq(nexits, 2, "both TIME_WAITs ended at 70 s");
	cr_assert_eq(exits[0].ts, T0 + SEC(70));
	cr_assert_eq(exits[1].ts, T0 + SEC(70));
}

Test(tracker, rejected_rst_after_synack_does_not_undo_established)
{
	seg(0, C, SYN, 1000, 0, 0);
	seg(0.01, S, SYN | ACK, 5000, 1001, 0);
	seg(0.02, C, RST, 3000000000u, 0, 0); /* far out of window: rejected */
	finish();
	cr_assert_eq(tt_tracker_stats(tr)->rst_ignored, 1);
	cr_assert_eq(recs[0].state[TT_CLIENT], TT_TCP_ESTABLISHED);
}

Test(tracker, reopening_after_unreachable_is_judged_again)
{
	struct tt_packet p;

	seg(0, S, SYN | ACK, 5000, 1001, 0); /* capture starts at the SYN,ACK */
	memset(&p, 0, sizeof(p));           /* ICMP host unreachable quoting the client's SYN */
	p.ts = T0 + SEC(0.01);
	p.ip_version = 4;
	p.src[0] = 10, p.src[3] = 1, p.dst[0] = 10, p.dst[3] = 2;
	p.sport = 40000, p.dport = 80, p.seq = 1000;
	p.is_icmp_error = true, p.icmp_version = 4, p.icmp_type = 3, p.icmp_code = 1;
	tt_tracker_feed(tr, TT_DEC_OK, &p, p.ts);
	seg(1, C, SYN, 1000, 0, 0);
	seg(1.01, S, SYN | ACK, 5000, 1001, 0);
	seg(1.02, C, ACK, 1001, 5001, 100);
	finish();
	cr_assert_eq(nrecs, 1);
	cr_assert_eq(tt_conn_outcome(&recs[0]), TT_OUT_OPEN);
	cr_assert_eq(recs[0].state[TT_CLIENT], TT_TCP_ESTABLISHED);
}

Test(tracker, an_end_is_never_before_an_earlier_end)
{
	handshake(100);
	seg(110, S, RST | ACK, 501, 101, 0);
	cport = 40001;
	handshake(104);                       /* the clock stepped back */
	seg(105, S, RST | ACK, 501, 101, 0);
	cport = 40000;
	finish();
	cr_assert_eq(nrecs, 2);
	cr_assert(tt_conn_end(&recs[1]) >= tt_conn_end(&recs[0]));
	cr_assert(tt_conn_end(&recs[1]) >= tt_conn_last(&recs[1]));
}

Test(tracker, each_endpoint_leaves_time_wait_at_its_own_deadline)
{
	handshake(0);
	seg(1, C, ACK | FIN, 101, 501, 0);
	seg(1.001, S, ACK | FIN, 501, 101, 0);  /* crosses: simultaneous close */
	seg(1.002, C, ACK, 102, 502, 0);        /* acks the server's FIN: server TIME_WAIT */
	seg(3, S, ACK, 502, 102, 0);            /* acks the client's FIN, late: client TIME_WAIT */
	tick(4);
	cr_assert_eq(nrecs, 1);
	cr_assert_eq(recs[0].state[TT_CLIENT], TT_TCP_TIME_WAIT);
	cr_assert_eq(recs[0].state[TT_SERVER], TT_TCP_TIME_WAIT);
	cr_assert_eq(tt_tracker_time_wait_over(tr), 2);
	tick(64);
	cr_assert_eq(nexits, 2);
	cr_assert_eq(exits[0].ep, TT_SERVER);
	cr_assert_eq(exits[0].ts, T0 + SEC(1.002) + SEC(60));
	cr_assert_eq(exits[1].ep, TT_CLIENT);
	cr_assert_eq(exits[1].ts, T0 + SEC(3) + SEC(60));
	cr_assert_eq(tt_tracker_time_wait_over(tr), 0);
}

/* ---- handshake round trip (Wireshark's tcp.analysis.initial_rtt, split) ------------------- */

/* SYN at 0, SYN,ACK at 30 ms, ACK at 35 ms: the server side of the capture
 * point is 30 ms away, the client side 5 ms. */
Test(tracker, handshake_rtt_split_at_the_capture_point)
{
	seg(0, C, SYN, 100, 0, 0);
	seg(0.030, S, SYN | ACK, 500, 101, 0);
	seg(0.035, C, ACK, 101, 501, 0);
	finish();
	cr_assert_eq(nrecs, 1);
	cr_assert(recs[0].has_rtt_server);
	cr_assert(recs[0].has_rtt_client);
	cr_assert_eq(tt_conn_rtt_side(&recs[0], TT_SERVER), SEC(0.030));
	cr_assert_eq(tt_conn_rtt_side(&recs[0], TT_CLIENT), SEC(0.035) - SEC(0.030));
	/* Each direction's path round trip, for the fast-retransmission slack. */
	cr_assert_eq(tt_rt_get(&recs[0].rt, TT_RT_PATH_RTT + TT_SERVER), SEC(0.030));
	cr_assert_eq(tt_rt_get(&recs[0].rt, TT_RT_PATH_RTT + TT_CLIENT), SEC(0.035) - SEC(0.030));
}

/* A hole filled 10 ms after it opened, with a handshake round trip of 35 ms:
 * out of order, not a retransmission (Wireshark's threshold is the handshake
 * round trip once both its halves are known, 3 ms before). */
Test(tracker, fill_within_the_handshake_rtt_is_out_of_order)
{
	seg(0, C, SYN, 100, 0, 0);
	seg(0.030, S, SYN | ACK, 500, 101, 0);
	seg(0.035, C, ACK, 101, 501, 0);
	seg(0.100, C, ACK, 201, 501, 100); /* 101..200 not yet seen */
	seg(0.110, C, ACK, 101, 501, 100);
	finish();
	cr_assert_eq(nrecs, 1);
	cr_assert_eq(tt_dir_count(&recs[0].dir[TT_CLIENT], TT_AN_OUT_OF_ORDER), 1);
	cr_assert_eq(tt_dir_count(&recs[0].dir[TT_CLIENT], TT_AN_RETRANSMISSION), 0);
}

/* The SYN re-sent at 1 s: the SYN,ACK answers the last SYN, so the server
 * side is timed from it (20 ms), not from the first (1.02 s). */
Test(tracker, handshake_rtt_from_the_last_syn)
{
	seg(0, C, SYN, 100, 0, 0);
	seg(1, C, SYN, 100, 0, 0);
	seg(1.02, S, SYN | ACK, 500, 101, 0);
	seg(1.03, C, ACK, 101, 501, 0);
	finish();
	cr_assert_eq(nrecs, 1);
	cr_assert_eq(tt_dir_count(&recs[0].dir[TT_CLIENT], TT_AN_RETRANSMISSION), 1);
	cr_assert(recs[0].has_rtt_server);
	cr_assert_eq(tt_conn_rtt_side(&recs[0], TT_SERVER), SEC(1.02) - SEC(1));
	cr_assert(recs[0].has_rtt_client);
	cr_assert_eq(tt_conn_rtt_side(&recs[0], TT_CLIENT), SEC(1.03) - SEC(1.02));
}

/* No SYN,ACK captured: no handshake round trip. */
Test(tracker, no_handshake_rtt_without_synack)
{
	seg(0, C, SYN, 100, 0, 0);
	seg(0.05, C, ACK, 101, 501, 0);
	finish();
	cr_assert_eq(nrecs, 1);
	cr_assert_not(recs[0].has_rtt_server);
	cr_assert_not(recs[0].has_rtt_client);
}

/* ---- strays after the end ------------------------------------------------------------------ */

/* The server resets at 1 s; the client's ACK at 1.5 s crossed it: it counts
 * in the record (as in Wireshark's stream), which is written at 2 s. */
Test(tracker, stray_within_a_second_of_the_end_counts_in_the_record)
{
	handshake(0);
	seg(1, S, RST | ACK, 501, 101, 0);
	seg(1.5, C, ACK, 101, 501, 0);
	cr_assert_eq(tt_tracker_stats(tr)->strays, 1);
	cr_assert_eq(nrecs, 0);
	tick(2);
	cr_assert_eq(nrecs, 1);
	cr_assert_eq(recs[0].strays, 1);
	cr_assert_eq(tt_dir_packets(&recs[0].dir[TT_CLIENT]), 3, "SYN, ACK and the stray");
	cr_assert_eq(tt_dir_packets(&recs[0].dir[TT_SERVER]), 2);
	cr_assert_eq(tt_conn_end(&recs[0]), T0 + SEC(1), "the stray does not move the end");
	cr_assert_eq(tt_conn_outcome(&recs[0]), TT_OUT_RESET);
}

/* The same segment 2 s after the RST: the record was written at 2 s without
 * it; it is only counted in the tracker's statistics. */
Test(tracker, stray_after_the_record_is_written_is_not_counted_in_it)
{
	handshake(0);
	seg(1, S, RST | ACK, 501, 101, 0);
	seg(3, C, ACK, 101, 501, 0);
	cr_assert_eq(nrecs, 1, "written before the stray is handled");
	cr_assert_eq(tt_tracker_stats(tr)->strays, 1);
	cr_assert_eq(recs[0].strays, 0);
	cr_assert_eq(tt_dir_packets(&recs[0].dir[TT_CLIENT]), 2);
	finish();
	cr_assert_eq(nrecs, 1, "no new record for the stray");
}

/* --max-flows counts records and compact TIME_WAIT entries together: a new
 * connection takes the place of the entry nearest its end, counted as dropped. */
Test(tracker, max_flows_counts_time_wait_entries_and_drops_them_first)
{
	tt_tracker_free(&tr);
	setup_n(2);
	closed_by_client_3way(); /* over at 1.02 s, written (compact) at 2.02 s */
	tick(3);
	cr_assert_eq(nrecs, 1);
	cr_assert_eq(tt_tracker_time_wait_over(tr), 1);
	cport = 40001;
	handshake(4);
	cport = 40002;
	handshake(5); /* the third: the TIME_WAIT entry gives its place */
	cport = 40000;
	cr_assert_eq(tt_tracker_stats(tr)->time_wait_dropped, 1);
	cr_assert_eq(tt_tracker_stats(tr)->evicted, 0, "no open connection was evicted");
	cr_assert_leq(tt_tracker_stats(tr)->peak_flows, 2);
	cr_assert_eq(nexits, 1, "the forgotten TIME_WAIT is left, as an event");
	cr_assert_eq(tt_tracker_time_wait_over(tr), 0);
}

/* Connections that end in every way the timers see: closed (TIME_WAIT runs
 * out after the record is written), refused, one still open at the end. */
static void lookahead_scenario(void)
{
	closed_by_client_4way();
	cport = 40001;
	seg(2, C, SYN, 7000, 0, 0);
	seg(2.01, S, RST | ACK, 0, 7001, 0);
	cport = 40002;
	handshake(3);
	seg(3.5, C, ACK, 101, 501, 100);
	seg(3.5, C, ACK, 101, 501, 100); /* a retransmission */
	tick(100);
	seg(101, S, ACK, 501, 201, 0);
	cport = 40000;
	/* The first 4-tuple again, its TIME_WAIT over. */
	seg(102, C, SYN, 9000, 0, 0);
	seg(102.01, S, SYN | ACK, 3000, 9001, 0);
	seg(102.02, C, ACK, 9001, 3001, 0);
	seg(103, C, ACK, 9001, 3001, 10);
}

/* Feeding through the look-ahead, or mixing it with direct feeds, changes
 * nothing: the same events in the same order, the same records. */
Test(tracker, lookahead_changes_nothing)
{
	static struct ev_log want[MAXEV];
	static struct tt_conn_copy plain[MAXREC];
	int nwant = 0, nplain = 0;
	uint64_t segs = 0, frames = 0;

	for (int mode = 0; mode < 3; mode++) {
		if (mode > 0) {
			teardown();
			setup();
		}
		ahead = mode;
		fed = 0;
		lookahead_scenario();
		finish();
		ahead = 0;
		if (mode == 0) {
			nwant = nev;
			memcpy(want, evlog, sizeof(want));
			nplain = nrecs;
			for (int i = 0; i < nrecs; i++)
				tt_conn_copy(&plain[i], &copies[i].conn);
			segs = tt_tracker_stats(tr)->tcp_segments;
			frames = tt_tracker_stats(tr)->frames;
			cr_assert_geq(nrecs, 4, "the scenario gives %d records", nrecs);
			cr_assert_eq(segs, 19);
			continue;
		}
		cr_assert_eq(nev, nwant, "mode %d: %d events, want %d", mode, nev, nwant);
		for (int i = 0; i < nev; i++)
			cr_assert_eq(memcmp(&evlog[i], &want[i], sizeof(want[i])), 0,
			             "mode %d: event %d differs", mode, i);
		cr_assert_eq(nrecs, nplain);
		for (int i = 0; i < nrecs; i++) {
			const struct tt_conn *a = &plain[i].conn, *b = &recs[i];
			cr_assert_eq(a->id, b->id);
			cr_assert_eq(memcmp(a->hist, b->hist, sizeof(a->hist)), 0, "record %d", i);
			cr_assert_eq(memcmp(a->state, b->state, sizeof(a->state)), 0, "record %d", i);
			for (int d = 0; d < 2; d++) {
				struct tt_dir x = a->dir[d], y = b->dir[d];
				if (x.ext_full)
					x.ext = NULL;
				if (y.ext_full)
					y.ext = NULL;
				cr_assert_eq(memcmp(&x, &y, sizeof(x)), 0, "record %d, direction %d", i, d);
				cr_assert_eq(memcmp(tt_dir_x(&a->dir[d]), tt_dir_x(&b->dir[d]),
				                    sizeof(struct tt_dir_ext)),
				             0, "record %d, direction %d: side block", i, d);
				for (unsigned k = 0; k <= TT_DIR_ICMP; k++)
					cr_assert_eq(tt_dir_count(&a->dir[d], k), tt_dir_count(&b->dir[d], k),
					             "record %d, direction %d: count %u", i, d, k);
			}
			for (int k = 0; k < TT_RT_NSCALAR; k++)
				cr_assert_eq(tt_rt_get(&a->rt, k), tt_rt_get(&b->rt, k), "record %d, time %d",
				             i, k);
			for (int ep = 0; ep < 2; ep++)
				for (int k = 0; k < a->hist[ep].n; k++)
					cr_assert_eq(tt_conn_hist_ts(a, ep, k), tt_conn_hist_ts(b, ep, k));
		}
		cr_assert_eq(tt_tracker_stats(tr)->tcp_segments, segs);
		cr_assert_eq(tt_tracker_stats(tr)->frames, frames);
	}
}

/* Many connections closed one after another, written as time passes their
 * ends: the records go to the writers in full batches, most of them already
 * out of the table (compact TIME_WAIT entries in their place), each as it was
 * when written, in order. */
Test(tracker, records_handed_over_in_batches_as_written)
{
	const uint32_t n = 3 * TT_TRACKER_BATCH + 5;

	if (!batched)
		cr_skip_test("records from the events only");

	for (uint32_t i = 0; i < n; i++) {
		double t = 0.1 * i;
		cport = (uint16_t)(20000 + i);
		seg(t, C, SYN, 100, 0, 0);
		seg(t + 0.01, S, SYN | ACK, 500, 101, 0);
		seg(t + 0.02, C, ACK, 101, 501, 0);
		seg(t + 0.03, C, ACK, 101, 501, 50 + i); /* sizes differ: records differ */
		seg(t + 0.04, S, ACK, 501, 151 + i, 0);
		seg(t + 0.05, C, ACK | FIN, 151 + i, 501, 0);
		seg(t + 0.06, S, ACK | FIN, 501, 152 + i, 0);
		seg(t + 0.07, C, ACK, 152 + i, 502, 0);
	}
	cport = 40000;
	cr_assert_eq(nfp, (int)n - 10, "written once time passed their ends by a second");
	cr_assert_eq(handed, nfp - nfp % TT_TRACKER_BATCH, "only full batches so far");
	cr_assert_eq(full_batches, handed / TT_TRACKER_BATCH);
	cr_assert_geq(full_batches, 2);
	cr_assert_eq(detached_seen, handed, "each compact by its hand-over");
	finish();
	cr_assert_eq(nfp, (int)n);
	for (int i = 0; i < nrecs; i++)
		cr_assert_eq(recs[i].id, (uint64_t)i + 1, "in order");
}
