/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_story.c - connection stories (src/story.c): --conn selectors, the
 * seeds' segment notation, anomaly words, folding of ordinary runs (and
 * --full), state rows from timers, and the bounded plot samples.  Events are
 * built by hand, as the tracker would emit them.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tcptrack/ladder.h"
#include "tcptrack/story.h"
#include "tcptrack/tcp_state.h"

#define T0 INT64_C(1700000000000000000)
#define MS INT64_C(1000000)

/* ---- selectors ---------------------------------------------------------- */

Test(selector, id_endpoint_filter)
{
	struct tt_selector s;
	char err[TT_ERRBUF_SIZE];

	cr_assert_eq(tt_selector_parse(&s, "3", err), TT_OK);
	cr_assert_eq(s.kind, TT_SEL_ID);
	cr_assert_eq(s.id, 3);
	cr_assert_eq(tt_selector_parse(&s, "10.0.0.1:49816", err), TT_OK);
	cr_assert_eq(s.kind, TT_SEL_ENDPOINT);
	cr_assert_eq(s.ip_version, 4);
	cr_assert_eq(s.port, 49816);
	cr_assert_eq(s.addr[0], 10);
	cr_assert_eq(s.addr[3], 1);
	cr_assert_eq(tt_selector_parse(&s, "[fd00::1]:443", err), TT_OK);
	cr_assert_eq(s.kind, TT_SEL_ENDPOINT);
	cr_assert_eq(s.ip_version, 6);
	cr_assert_eq(s.port, 443);
	cr_assert_eq(s.addr[0], 0xfd);
	cr_assert_eq(s.addr[15], 1);
	cr_assert_eq(tt_selector_parse(&s, "tcp port 443", err), TT_OK);
	cr_assert_eq(s.kind, TT_SEL_FILTER);
	cr_assert_eq(tt_selector_parse(&s, "10.0.0.1", err), TT_OK); /* a BPF host */
	cr_assert_eq(s.kind, TT_SEL_FILTER);
}

Test(selector, errors)
{
	struct tt_selector s;
	char err[TT_ERRBUF_SIZE];

	cr_assert_eq(tt_selector_parse(&s, "", err), TT_ERR_INVAL);
	cr_assert_eq(tt_selector_parse(&s, "0", err), TT_ERR_INVAL);
	cr_assert_eq(tt_selector_parse(&s, "10.0.0.1:65536", err), TT_ERR_INVAL);
	cr_assert_str_eq(err, "'10.0.0.1:65536': '65536' is not a port (0 to 65535)");
	cr_assert_eq(tt_selector_parse(&s, "10.0.0.1:", err), TT_ERR_INVAL);
	cr_assert_eq(tt_selector_parse(&s, "1.2.3:80", err), TT_ERR_INVAL);
	cr_assert_eq(tt_selector_parse(&s, "[fd00::1]443", err), TT_ERR_INVAL);
	cr_assert_eq(tt_selector_parse(&s, "[fd00::g]:443", err), TT_ERR_INVAL);
}

Test(selector, match_client_or_server)
{
	struct tt_selector s;
	struct tt_conn c;
	char err[TT_ERRBUF_SIZE];

	memset(&c, 0, sizeof(c));
	c.id = 5;
	c.ip_version = 4;
	c.node.key.addr[TT_CLIENT][0] = 10, c.node.key.addr[TT_CLIENT][3] = 1;
	c.node.key.addr[TT_SERVER][0] = 10, c.node.key.addr[TT_SERVER][3] = 2;
	c.node.key.port[TT_CLIENT] = 40000;
	c.node.key.port[TT_SERVER] = 80;
	tt_selector_parse(&s, "10.0.0.2:80", err);
	cr_assert(tt_selector_match(&s, &c));
	tt_selector_parse(&s, "10.0.0.1:40000", err);
	cr_assert(tt_selector_match(&s, &c));
	tt_selector_parse(&s, "10.0.0.1:80", err);
	cr_assert_not(tt_selector_match(&s, &c));
	tt_selector_parse(&s, "5", err);
	cr_assert(tt_selector_match(&s, &c));
	tt_selector_parse(&s, "port 80", err);
	cr_assert_not(tt_selector_match(&s, &c)); /* filters match frames, not records */
}

/* ---- notation ----------------------------------------------------------- */

Test(notation, seeds_labels)
{
	struct tt_story_row r;
	char buf[256];

	memset(&r, 0, sizeof(r));
	r.flags = TT_TH_SYN | TT_TH_ACK;
	r.seq = 8000, r.ack = 1001, r.rseq = 0, r.rack = 1, r.win = 6144;
	r.has_mss = true, r.mss = 1024;
	tt_story_label(buf, sizeof(buf), &r, true);
	cr_assert_str_eq(buf, "SYN,ACK 8000(0) ack 1001 win 6144 <mss 1024>");
	tt_story_label(buf, sizeof(buf), &r, false);
	cr_assert_str_eq(buf, "SYN,ACK 0(0) ack 1 win 6144 <mss 1024>");
	/* a pure ACK has no seq(len), as in the seeds' "ACK ack 8001" */
	memset(&r, 0, sizeof(r));
	r.flags = TT_TH_ACK, r.seq = 1001, r.ack = 8001, r.win = 4096;
	tt_story_label(buf, sizeof(buf), &r, true);
	cr_assert_str_eq(buf, "ACK ack 8001 win 4096");
	r.flags = TT_TH_FIN | TT_TH_PSH | TT_TH_ACK, r.len = 20;
	tt_story_label(buf, sizeof(buf), &r, true);
	cr_assert_str_eq(buf, "FIN,PSH,ACK 1001(20) ack 8001 win 4096");
	memset(&r, 0, sizeof(r));
	r.flags = TT_TH_RST;
	tt_story_label(buf, sizeof(buf), &r, true);
	cr_assert_str_eq(buf, "RST 0(0) win 0");
	r.flags = 0;
	tt_story_label(buf, sizeof(buf), &r, true);
	cr_assert_str_eq(buf, "- win 0");
	r.flags = TT_TH_ACK, r.ack = 100, r.rack = 1, r.n_sack = 2;
	r.sack[0][0] = 200, r.sack[0][1] = 300, r.rsack[0][0] = 101, r.rsack[0][1] = 201;
	r.sack[1][0] = 400, r.sack[1][1] = 500, r.rsack[1][0] = 301, r.rsack[1][1] = 401;
	tt_story_label(buf, sizeof(buf), &r, false);
	cr_assert_str_eq(buf, "ACK ack 1 win 0 <sack 101-201 301-401>");
}

Test(notation, anomaly_words)
{
	struct tt_story_row r;
	char buf[256];

	memset(&r, 0, sizeof(r));
	tt_story_notes(buf, sizeof(buf), &r);
	cr_assert_str_eq(buf, "");
	r.anomalies = TT_AN_BIT(TT_AN_RETRANSMISSION) | TT_AN_BIT(TT_AN_FAST_RETRANSMISSION);
	tt_story_notes(buf, sizeof(buf), &r);
	cr_assert_str_eq(buf, "fast retransmission");
	r.anomalies = TT_AN_BIT(TT_AN_DUP_ACK) | TT_AN_BIT(TT_AN_LOST_SEGMENT);
	r.dup_ack_num = 3;
	tt_story_notes(buf, sizeof(buf), &r);
	cr_assert_str_eq(buf, "lost segment before this one; dup ACK #3");
	r.anomalies = TT_AN_BIT(TT_AN_ZERO_WINDOW) | TT_AN_BIT(TT_AN_KEEP_ALIVE);
	r.stray = true;
	tt_story_notes(buf, sizeof(buf), &r);
	cr_assert_str_eq(buf, "zero window; keep-alive; after the end");
}

Test(notation, counts_and_bytes)
{
	char buf[32];

	tt_format_count(buf, sizeof(buf), 1204);
	cr_assert_str_eq(buf, "1 204");
	tt_format_count(buf, sizeof(buf), 1234567);
	cr_assert_str_eq(buf, "1 234 567");
	tt_format_count(buf, sizeof(buf), 12);
	cr_assert_str_eq(buf, "12");
	tt_format_bytes(buf, sizeof(buf), 1700000);
	cr_assert_str_eq(buf, "1.7 MB");
	tt_format_bytes(buf, sizeof(buf), 1);
	cr_assert_str_eq(buf, "1 byte");
}

/* ---- collection --------------------------------------------------------- */

static struct {
	size_t n_rows, n_points;
	uint8_t kinds[64];
	uint64_t fold_segments[64];
	uint32_t stride;
	uint64_t rows_dropped;
	tt_time_ns last_ts;
	int done;
} got;

static void on_done(const struct tt_story *s, void *user)
{
	(void)user;
	got.done++;
	got.n_rows = s->n_rows;
	got.n_points = s->n_points;
	got.stride = s->stride;
	got.rows_dropped = s->rows_dropped;
	got.last_ts = s->n_rows > 0 ? s->rows[s->n_rows - 1].ts : 0;
	for (size_t i = 0; i < s->n_rows && i < 64; i++) {
		got.kinds[i] = s->rows[i].kind;
		got.fold_segments[i] = s->rows[i].fold_segments;
	}
}

static struct tt_conn conn;
static struct tt_packet pkt;

static void ev(struct tt_stories *st, enum tt_event_type type, tt_time_ns ts)
{
	struct tt_event e;

	memset(&e, 0, sizeof(e));
	e.type = type;
	e.ts = ts;
	e.conn = &conn;
	e.endpoint = TT_CLIENT;
	e.by_segment = type != TT_EVT_CONN_END;
	e.pkt = &pkt;
	pkt.ts = ts;
	tt_stories_event(st, &e);
}

static void state(struct tt_stories *st, int ep, enum tt_tcp_state from, enum tt_tcp_state to,
                  tt_time_ns ts, bool by_segment)
{
	struct tt_event e;

	memset(&e, 0, sizeof(e));
	e.type = TT_EVT_STATE;
	e.ts = ts;
	e.conn = &conn;
	e.endpoint = (enum tt_endpoint)ep;
	e.from = from;
	e.to = to;
	e.by_segment = by_segment;
	tt_stories_event(st, &e);
}

static void start_cfg(struct tt_stories *st, bool full, bool points, size_t max_rows,
                      bool keep_latest)
{
	struct tt_story_config cfg;

	memset(&got, 0, sizeof(got));
	memset(&conn, 0, sizeof(conn));
	memset(&pkt, 0, sizeof(pkt));
	conn.id = 1;
	conn.ip_version = 4;
	tt_rt_init(&conn.rt, T0);
	memset(&cfg, 0, sizeof(cfg));
	cfg.sel.kind = TT_SEL_ID;
	cfg.sel.id = 1;
	cfg.rows = !points;
	cfg.points = points;
	cfg.full = full;
	cfg.max_rows = max_rows;
	cfg.keep_latest = keep_latest;
	cfg.on_done = on_done;
	tt_stories_init(st, &cfg);
	ev(st, TT_EVT_CONN_OPENED, T0);
}

static void start(struct tt_stories *st, bool full, bool points)
{
	start_cfg(st, full, points, 0, false);
}

/* n ordinary data segments from the client. */
static void data(struct tt_stories *st, int n, tt_time_ns *t)
{
	for (int i = 0; i < n; i++) {
		pkt.flags = TT_TH_ACK;
		pkt.payload_len = 100;
		ev(st, TT_EVT_SEGMENT, *t += MS);
	}
}

Test(fold, long_run_folds_its_middle)
{
	struct tt_stories st;
	tt_time_ns t = T0;

	start(&st, false, false);
	pkt.flags = TT_TH_SYN;
	state(&st, TT_CLIENT, TT_TCP_CLOSED, TT_TCP_SYN_SENT, t, true);
	ev(&st, TT_EVT_SEGMENT, t);
	data(&st, 30, &t);
	pkt.flags = TT_TH_FIN | TT_TH_ACK;
	pkt.payload_len = 0;
	ev(&st, TT_EVT_SEGMENT, t += MS);
	ev(&st, TT_EVT_CONN_END, t);
	cr_assert_eq(got.done, 1);
	/* SYN, 3 head, the fold, 3 tail, FIN */
	cr_assert_eq(got.n_rows, 9);
	cr_assert_eq(got.kinds[4], TT_ROW_FOLD);
	cr_assert_eq(got.fold_segments[4], 24);
	cr_assert_eq(got.kinds[8], TT_ROW_SEGMENT);
	cr_assert_eq(st.n, 0);
	tt_stories_free(&st);
}

Test(fold, short_run_and_full_are_whole)
{
	struct tt_stories st;
	tt_time_ns t = T0;

	start(&st, false, false);
	data(&st, TT_STORY_RUN_SHOWN, &t);
	ev(&st, TT_EVT_CONN_END, t);
	cr_assert_eq(got.n_rows, TT_STORY_RUN_SHOWN);
	for (size_t i = 0; i < got.n_rows; i++)
		cr_assert_eq(got.kinds[i], TT_ROW_SEGMENT);
	tt_stories_free(&st);

	start(&st, true, false);
	data(&st, 40, &t);
	ev(&st, TT_EVT_CONN_END, t);
	cr_assert_eq(got.n_rows, 40);
	tt_stories_free(&st);
}

Test(fold, timer_states_are_rows)
{
	struct tt_stories st;
	tt_time_ns t = T0;

	start(&st, false, false);
	data(&st, 2, &t);
	state(&st, TT_CLIENT, TT_TCP_TIME_WAIT, TT_TCP_CLOSED, t + 60000 * MS, false);
	ev(&st, TT_EVT_CONN_END, t + 60000 * MS);
	cr_assert_eq(got.n_rows, 3);
	cr_assert_eq(got.kinds[2], TT_ROW_TIMER);
	tt_stories_free(&st);
}

Test(fold, unselected_connections_cost_nothing)
{
	struct tt_stories st;
	tt_time_ns t = T0;

	start(&st, false, false);
	conn.id = 2; /* not selected: opened after the selector's connection */
	ev(&st, TT_EVT_CONN_OPENED, t);
	data(&st, 5, &t);
	cr_assert_eq(st.n, 1); /* connection 1 only */
	cr_assert_eq(st.matched, 1);
	tt_stories_free(&st);
}

Test(points, decimated_beyond_the_cap)
{
	struct tt_stories st;
	tt_time_ns t = T0;

	start(&st, false, true);
	data(&st, (int)TT_STORY_POINTS_MAX + 10, &t);
	ev(&st, TT_EVT_CONN_END, t);
	cr_assert_eq(got.stride, 2);
	cr_assert_leq(got.n_points, TT_STORY_POINTS_MAX);
	cr_assert_geq(got.n_points, TT_STORY_POINTS_MAX / 2);
	tt_stories_free(&st);
}

Test(fold, row_limit_folds_or_keeps_the_latest)
{
	struct tt_stories st;
	tt_time_ns t = T0;

	/* batch: beyond the limit, the rest is folded into one row */
	start_cfg(&st, true, false, 10, false);
	data(&st, 30, &t);
	ev(&st, TT_EVT_CONN_END, t);
	cr_assert_eq(got.n_rows, 11);
	cr_assert_eq(got.kinds[10], TT_ROW_FOLD);
	cr_assert_eq(got.fold_segments[10], 20);
	tt_stories_free(&st);

	/* the live view: the oldest rows go, the latest stay */
	t = T0;
	start_cfg(&st, true, false, 10, true);
	data(&st, 30, &t);
	ev(&st, TT_EVT_CONN_END, t);
	cr_assert_leq(got.n_rows, 10);
	cr_assert_eq(got.rows_dropped + got.n_rows, 30);
	cr_assert_eq(got.last_ts, t);
	for (size_t i = 0; i < got.n_rows; i++)
		cr_assert_eq(got.kinds[i], TT_ROW_SEGMENT);
	tt_stories_free(&st);
}

Test(fold, no_second_story_after_the_end)
{
	struct tt_stories st;
	tt_time_ns t = T0;

	start(&st, false, false);
	data(&st, 2, &t);
	ev(&st, TT_EVT_CONN_END, t);
	cr_assert_eq(got.done, 1);
	/* a TIME_WAIT exit reported after the record was written */
	state(&st, TT_CLIENT, TT_TCP_TIME_WAIT, TT_TCP_CLOSED, t + 60000 * MS, false);
	cr_assert_eq(st.n, 0);
	cr_assert_eq(st.matched, 1);
	tt_stories_free(&st);
}

/* A tracker that writes a record as its TIME_WAIT begins (end_reason closed,
 * an endpoint in TIME_WAIT): the story waits for the exit, or the end. */
Test(fold, record_written_in_time_wait_waits_for_the_exit)
{
	struct tt_stories st;
	tt_time_ns t = T0;

	start(&st, false, false);
	data(&st, 2, &t);
	conn.state[TT_CLIENT] = TT_TCP_TIME_WAIT;
	conn.end_reason = TT_END_CLOSED;
	tt_rt_set(&conn.rt, NULL, TT_RT_END, t);
	ev(&st, TT_EVT_CONN_END, t);
	cr_assert_eq(got.done, 0);
	state(&st, TT_CLIENT, TT_TCP_TIME_WAIT, TT_TCP_CLOSED, t + 60000 * MS, false);
	cr_assert_eq(got.done, 1);
	cr_assert_eq(got.n_rows, 3);
	cr_assert_eq(got.kinds[2], TT_ROW_TIMER);
	cr_assert_eq(st.n, 0);
	tt_stories_free(&st);

	/* no exit before the input ends: told by tt_stories_finish() */
	t = T0;
	start(&st, false, false);
	data(&st, 2, &t);
	conn.state[TT_CLIENT] = TT_TCP_TIME_WAIT;
	conn.end_reason = TT_END_CLOSED;
	ev(&st, TT_EVT_CONN_END, t);
	cr_assert_eq(got.done, 0);
	tt_stories_finish(&st, t + 1000);
	cr_assert_eq(got.done, 1);
	cr_assert_eq(got.n_rows, 2);
	cr_assert_eq(st.n, 0);
	tt_stories_free(&st);
}
