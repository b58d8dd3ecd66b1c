/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_ui.c - the live view's model without a terminal (src/ui_model.c):
 * units, address truncation, state names, the filter, sort keys, the column
 * layout from 80 columns up, and the row table (rates, lingering, eviction,
 * the caps).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/ui_model.h"

#define SEC(x) ((tt_time_ns)((x) * 1e9))
#define T0 SEC(1700000000)

static const char *size_str(uint64_t v)
{
	static char b[32];
	tt_ui_fmt_size(b, sizeof(b), v);
	return b;
}

static const char *dur_str(tt_time_ns d)
{
	static char b[32];
	tt_ui_fmt_dur(b, sizeof(b), d);
	return b;
}

/* ---- units ---------------------------------------------------------------------------------- */

Test(units, sizes_fit_four_columns)
{
	cr_assert_str_eq(size_str(0), "0");
	cr_assert_str_eq(size_str(999), "999");
	cr_assert_str_eq(size_str(1000), "1.0K");
	cr_assert_str_eq(size_str(1024), "1.0K");
	cr_assert_str_eq(size_str(1536), "1.5K");
	cr_assert_str_eq(size_str(10 * 1024), "10K");
	cr_assert_str_eq(size_str(999 * 1024), "999K");
	cr_assert_str_eq(size_str(1023 * 1024), "1.0M");
	cr_assert_str_eq(size_str(UINT64_C(3) << 30), "3.0G");
	cr_assert_str_eq(size_str(UINT64_MAX), "16E");
	for (uint64_t v = 1; v < UINT64_MAX / 3; v = v * 3 + 1)
		cr_assert_leq(strlen(size_str(v)), 4, "%llu -> %s", (unsigned long long)v,
		              size_str(v));
}

Test(units, durations_fit_four_columns)
{
	cr_assert_str_eq(dur_str(-5), "0.0s");
	cr_assert_str_eq(dur_str(SEC(0.35)), "0.3s");
	cr_assert_str_eq(dur_str(SEC(9.99)), "9.9s");
	cr_assert_str_eq(dur_str(SEC(10)), "10s");
	cr_assert_str_eq(dur_str(SEC(99.9)), "99s");
	cr_assert_str_eq(dur_str(SEC(100)), "1m");
	cr_assert_str_eq(dur_str(SEC(99 * 60 + 59)), "99m");
	cr_assert_str_eq(dur_str(SEC(100 * 60)), "1h");
	cr_assert_str_eq(dur_str(SEC(99 * 3600)), "99h");
	cr_assert_str_eq(dur_str(SEC(100 * 3600)), "4d");
	cr_assert_str_eq(dur_str(INT64_MAX), "999d");
}

Test(units, addresses_are_cut_from_the_left)
{
	char b[64];

	tt_ui_fit_left(b, sizeof(b), "10.0.0.1:80", 20, "~");
	cr_assert_str_eq(b, "10.0.0.1:80");
	tt_ui_fit_left(b, sizeof(b), "10.0.0.1:80", 11, "~");
	cr_assert_str_eq(b, "10.0.0.1:80");
	tt_ui_fit_left(b, sizeof(b), "192.168.100.200:54321", 12, "~");
	cr_assert_str_eq(b, "~0.200:54321"); /* the marker is one column of the 12 */
	tt_ui_fit_left(b, sizeof(b), "[2001:db8::1]:443", 10, "\xe2\x80\xa6");
	cr_assert_str_eq(b, "\xe2\x80\xa6" "8::1]:443");
	tt_ui_fit_left(b, sizeof(b), "abc", 0, "~");
	cr_assert_str_eq(b, "");
}

Test(units, state_names)
{
	for (int s = 0; s < TT_TCP_NSTATES; s++) {
		const char *full = tt_tcp_state_name((enum tt_tcp_state)s);
		const char *sh = tt_ui_state_short((enum tt_tcp_state)s);
		cr_assert_leq(strlen(sh), 7);
		cr_assert_eq(tt_ui_state_parse(full), s);
		cr_assert_eq(tt_ui_state_parse(sh), s);
	}
	cr_assert_eq(tt_ui_state_parse("close-wait"), TT_TCP_CLOSE_WAIT);
	cr_assert_eq(tt_ui_state_parse("estab"), TT_TCP_ESTABLISHED);
	cr_assert_eq(tt_ui_state_parse("CLOSE"), -1);
	cr_assert_eq(tt_ui_state_parse(""), -1);
}

/* ---- rows, filter, sort --------------------------------------------------------------------- */

static struct tt_conn conn(uint64_t id, uint16_t cport, uint16_t sport, uint8_t cs, uint8_t ss)
{
	struct tt_conn c;

	memset(&c, 0, sizeof(c));
	c.id = id;
	c.ip_version = 4;
	c.node.key.addr[TT_CLIENT][0] = 10;
	c.node.key.addr[TT_CLIENT][3] = 1;
	c.node.key.addr[TT_SERVER][0] = 10;
	c.node.key.addr[TT_SERVER][3] = 2;
	c.node.key.port[TT_CLIENT] = cport;
	c.node.key.port[TT_SERVER] = sport;
	c.state[TT_CLIENT] = cs;
	c.state[TT_SERVER] = ss;
	tt_rt_init(&c.rt, T0);
	tt_rt_set(&c.rt, NULL, TT_RT_LAST, T0);
	return c;
}

static struct tt_conn conn6(uint64_t id)
{
	struct tt_conn c = conn(id, 50000, 443, TT_TCP_ESTABLISHED, TT_TCP_ESTABLISHED);
	static const uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, 0x85, 0xa3, 0, 0, 0, 0, 0x8a, 0x2e,
	                              0x03, 0x70, 0x73, 0x34};
	c.ip_version = 6;
	memcpy(c.node.key.addr[TT_CLIENT], a, 16);
	memcpy(c.node.key.addr[TT_SERVER], a, 16);
	c.node.key.addr[TT_SERVER][15] = 0x35;
	return c;
}

static struct tt_ui_row row_of(const struct tt_conn *c)
{
	struct tt_ui_row r;

	memset(&r, 0, sizeof(r));
	tt_ui_row_update(&r, c);
	return r;
}

static bool match(const char *filter, const struct tt_ui_row *r)
{
	struct tt_ui_filter f;
	tt_ui_filter_set(&f, filter);
	return tt_ui_filter_match(&f, r);
}

Test(filter, words)
{
	struct tt_conn c = conn(1, 40000, 443, TT_TCP_FIN_WAIT_2, TT_TCP_CLOSE_WAIT);
	struct tt_ui_row r = row_of(&c);
	struct tt_conn c6 = conn6(2);
	struct tt_ui_row r6 = row_of(&c6);

	cr_assert_str_eq(r.ep[0], "10.0.0.1:40000");
	cr_assert_str_eq(r6.ep[1], "[2001:db8:85a3::8a2e:370:7335]:443");
	cr_assert(match("", &r));
	cr_assert(match("   ", &r));
	cr_assert(match("10.0.0.2", &r));
	cr_assert(match("0.1:4000", &r));
	cr_assert_not(match("10.0.0.3", &r));
	cr_assert(match("CLOSE_WAIT", &r));
	cr_assert(match("close-wait", &r));
	cr_assert(match("state:fin_wt2", &r));
	cr_assert_not(match("ESTABLISHED", &r));
	cr_assert(match(":443", &r));
	cr_assert(match("port:40000", &r));
	cr_assert_not(match(":44", &r));  /* a port is exact */
	cr_assert(match("44", &r));       /* a bare number is part of an address:port */
	cr_assert(match("CLOSE_WAIT :443 10.0.0.", &r));
	cr_assert_not(match("CLOSE_WAIT :80", &r));
	cr_assert(match("2001:DB8:85A3", &r6)); /* any case */
	cr_assert(match("::8a2e:370:7335]", &r6));
	cr_assert_not(match("::8a2e:370:7336", &r6));
}

Test(sort, keys_and_directions)
{
	struct tt_conn c = conn(1, 40000, 80, TT_TCP_ESTABLISHED, TT_TCP_CLOSE_WAIT);
	struct tt_ui_row a, b;

	c.dir[0].payload_lo = 100;
	a = row_of(&c);
	c.dir[0].payload_lo = 200;
	c.id = 2;
	b = row_of(&c);
	/* Bytes: largest first, so b's key is smaller; reversed, the other way. */
	cr_assert_lt(tt_ui_sort_key(&b, TT_UI_SORT_BYTES, false, T0),
	             tt_ui_sort_key(&a, TT_UI_SORT_BYTES, false, T0));
	cr_assert_gt(tt_ui_sort_key(&b, TT_UI_SORT_BYTES, true, T0),
	             tt_ui_sort_key(&a, TT_UI_SORT_BYTES, true, T0));
	/* State: ascending by the client's state, then the server's. */
	b.state[0] = TT_TCP_SYN_SENT;
	cr_assert_lt(tt_ui_sort_key(&b, TT_UI_SORT_STATE, false, T0),
	             tt_ui_sort_key(&a, TT_UI_SORT_STATE, false, T0));
	cr_assert(!tt_ui_sort_descending(TT_UI_SORT_STATE));
	cr_assert(tt_ui_sort_descending(TT_UI_SORT_RATE));
	/* Age: the oldest first. */
	b.first = T0 - SEC(10);
	cr_assert_lt(tt_ui_sort_key(&b, TT_UI_SORT_AGE, false, T0 + SEC(1)),
	             tt_ui_sort_key(&a, TT_UI_SORT_AGE, false, T0 + SEC(1)));
	cr_assert_str_eq(tt_ui_sort_name(TT_UI_SORT_RETX), "retransmissions");
}

/* ---- layout --------------------------------------------------------------------------------- */

static void check_layout(const struct tt_ui_layout *l, int cols)
{
	int end = 0;

	cr_assert_leq(l->total, cols, "total %d > %d", l->total, cols);
	for (int c = 0; c < TT_UI_NCOLS; c++)
		if (l->w[c] > 0) {
			cr_assert_geq(l->x[c], end, "column %d overlaps", c);
			end = l->x[c] + l->w[c];
		}
	cr_assert_leq(end, cols);
	cr_assert_gt(l->w[TT_UI_COL_CLIENT], 0);
	cr_assert_gt(l->w[TT_UI_COL_SERVER], 0);
	cr_assert_gt(l->w[TT_UI_COL_CSTATE], 0);
	cr_assert_gt(l->w[TT_UI_COL_SSTATE], 0);
}

Test(layout, everything_when_wide)
{
	struct tt_ui_layout l;

	tt_ui_layout(&l, 200, 21, 21);
	check_layout(&l, 200);
	for (int c = 0; c < TT_UI_NCOLS; c++)
		cr_assert_gt(l.w[c], 0, "column %d hidden", c);
	cr_assert_eq(l.w[TT_UI_COL_CLIENT], 21);
	cr_assert_not(l.short_states);
	cr_assert_str_eq(tt_ui_col_label(TT_UI_COL_CWIN), "WIN>");
}

Test(layout, ipv4_at_80_columns_keeps_whole_addresses)
{
	struct tt_ui_layout l;

	tt_ui_layout(&l, 80, 21, 21); /* the longest two: 19 columns each, cut from the left */
	check_layout(&l, 80);
	cr_assert_eq(l.w[TT_UI_COL_CLIENT], 19);
	cr_assert_eq(l.w[TT_UI_COL_SERVER], 19);
	cr_assert_not(l.short_states);

	/* "192.168.100.200:54321" and "192.168.1.1:443" */
	tt_ui_layout(&l, 80, 21, 15);
	check_layout(&l, 80);
	cr_assert_eq(l.w[TT_UI_COL_CLIENT], 21);
	cr_assert_eq(l.w[TT_UI_COL_SERVER], 15);
	cr_assert_not(l.short_states);
	cr_assert_eq(l.w[TT_UI_COL_CWIN], 0); /* the windows go first */
	cr_assert_eq(l.w[TT_UI_COL_IDLE], 0); /* then idle */
	cr_assert_gt(l.w[TT_UI_COL_RATE], 0);
	cr_assert_gt(l.w[TT_UI_COL_RETX], 0);
}

Test(layout, ipv6_fits_one_row_at_every_width)
{
	for (int cols = 80; cols <= 300; cols++) {
		struct tt_ui_layout l;
		tt_ui_layout(&l, cols, 47, 47);
		check_layout(&l, cols);
		cr_assert_geq(l.w[TT_UI_COL_CLIENT], 12);
		cr_assert_gt(l.w[TT_UI_COL_RATE], 0, "rate hidden at %d", cols);
	}
}

Test(layout, narrow_terminals_degrade)
{
	for (int cols = 40; cols < 80; cols++) {
		struct tt_ui_layout l;
		tt_ui_layout(&l, cols, 47, 15);
		cr_assert_gt(l.w[TT_UI_COL_CLIENT], 0);
		if (cols >= 52)
			check_layout(&l, cols);
	}
}

/* ---- the table ------------------------------------------------------------------------------ */

static struct tt_ui_model m;

static void model_setup(void)
{
	cr_assert_eq(tt_ui_model_init(&m, SEC(10)), TT_OK);
}

static void model_teardown(void)
{
	tt_ui_model_free(&m);
}

static void refresh(tt_time_ns now, struct tt_conn *open, size_t n)
{
	tt_ui_model_begin(&m, now);
	for (size_t i = 0; i < n; i++)
		tt_ui_model_open(&m, &open[i]);
	tt_ui_model_end(&m);
}

TestSuite(model, .init = model_setup, .fini = model_teardown);

Test(model, rate_from_successive_refreshes)
{
	struct tt_conn c = conn(7, 40000, 80, TT_TCP_ESTABLISHED, TT_TCP_ESTABLISHED);
	struct tt_ui_row *r;

	c.dir[0].payload_lo = 1000;
	refresh(T0 + SEC(0.5), &c, 1);
	r = tt_ui_model_find(&m, 7);
	cr_assert_not_null(r);
	cr_assert_float_eq(r->rate, 1000.0, 1e-6); /* a new row: over at least a second */
	c.dir[0].payload_lo = 3000;
	refresh(T0 + SEC(1.0), &c, 1); /* half a second: too short to measure */
	cr_assert_float_eq(tt_ui_model_find(&m, 7)->rate, 1000.0, 1e-6);
	refresh(T0 + SEC(1.5), &c, 1);
	cr_assert_float_eq(tt_ui_model_find(&m, 7)->rate, 2000.0, 1e-6);
	refresh(T0 + SEC(2.5), &c, 1);
	cr_assert_float_eq(tt_ui_model_find(&m, 7)->rate, 0.0, 1e-6);
	cr_assert_eq(m.open, 1);
	cr_assert_eq(m.by_state[TT_TCP_ESTABLISHED], 2); /* endpoints */
}

Test(model, over_rows_linger_then_leave)
{
	struct tt_conn c = conn(3, 40000, 80, TT_TCP_ESTABLISHED, TT_TCP_ESTABLISHED);
	struct tt_ui_row *r;

	refresh(T0 + SEC(1), &c, 1);
	/* Both endpoints CLOSED at T0 + 2: the row stays, with the final states. */
	c.state[0] = c.state[1] = TT_TCP_CLOSED;
	tt_history_push(NULL, &c.rt, &c.hist[0], 0, TT_TCP_CLOSED, T0 + SEC(2));
	tt_history_push(NULL, &c.rt, &c.hist[1], 1, TT_TCP_CLOSED, T0 + SEC(1.5));
	tt_ui_model_over(&m, &c, T0 + SEC(3));
	r = tt_ui_model_find(&m, 3);
	cr_assert_not_null(r);
	cr_assert(r->over);
	cr_assert_eq(r->over_at, T0 + SEC(2));
	cr_assert_not_null(r->final);
	cr_assert_eq(r->state[0], TT_TCP_CLOSED);
	refresh(T0 + SEC(12), NULL, 0);
	cr_assert_not_null(tt_ui_model_find(&m, 3));
	cr_assert_eq(m.over, 1);
	refresh(T0 + SEC(12.5), NULL, 0);
	cr_assert_null(tt_ui_model_find(&m, 3));
	cr_assert_eq(m.n, 0);
	/* Its record handed over later makes no new row: it ended too long ago. */
	tt_ui_model_over(&m, &c, T0 + SEC(13));
	cr_assert_null(tt_ui_model_find(&m, 3));
}

Test(model, rows_neither_open_nor_over_leave)
{
	struct tt_conn c[2] = {conn(1, 40000, 80, TT_TCP_ESTABLISHED, TT_TCP_ESTABLISHED),
	                       conn(2, 40001, 80, TT_TCP_ESTABLISHED, TT_TCP_ESTABLISHED)};

	refresh(T0, c, 2);
	cr_assert_eq(m.n, 2);
	tt_ui_model_evicted(&m, 1);
	cr_assert(tt_ui_model_find(&m, 1)->gone);
	refresh(T0 + SEC(1), &c[1], 1); /* evicted: it goes at once, no lingering */
	cr_assert_null(tt_ui_model_find(&m, 1));
	cr_assert_not_null(tt_ui_model_find(&m, 2));
	refresh(T0 + SEC(2), NULL, 0); /* the second vanished silently */
	cr_assert_eq(m.n, 0);
}

Test(model, a_refused_opening_retried_goes_on)
{
	struct tt_conn c = conn(4, 40000, 80, TT_TCP_CLOSED, TT_TCP_CLOSED);

	tt_ui_model_over(&m, &c, T0);
	cr_assert(tt_ui_model_find(&m, 4)->over);
	c.state[0] = TT_TCP_SYN_SENT;
	refresh(T0 + SEC(1), &c, 1);
	cr_assert_not(tt_ui_model_find(&m, 4)->over);
	cr_assert_null(tt_ui_model_find(&m, 4)->final);
}

Test(model, view_filters_and_sorts_with_ties_by_id)
{
	struct tt_conn c[4];
	struct tt_ui_filter f;

	for (int i = 0; i < 4; i++) {
		c[i] = conn((uint64_t)(10 - i), (uint16_t)(40000 + i), 80, TT_TCP_ESTABLISHED,
		            TT_TCP_ESTABLISHED);
		c[i].dir[1].payload_lo = (uint32_t)(i % 2) * 500;
	}
	c[3].state[1] = TT_TCP_CLOSE_WAIT;
	refresh(T0, c, 4);
	tt_ui_filter_set(&f, "");
	tt_ui_model_view(&m, &f, TT_UI_SORT_BYTES, false);
	cr_assert_eq(m.nview, 4);
	/* 500 bytes: ids 7 and 9; then 0 bytes: ids 8 and 10. */
	cr_assert_eq(m.rows[m.view[0]].id, 7);
	cr_assert_eq(m.rows[m.view[1]].id, 9);
	cr_assert_eq(m.rows[m.view[2]].id, 8);
	cr_assert_eq(m.rows[m.view[3]].id, 10);
	tt_ui_model_view(&m, &f, TT_UI_SORT_BYTES, true);
	cr_assert_eq(m.rows[m.view[0]].id, 8);
	cr_assert_eq(m.rows[m.view[3]].id, 9);
	tt_ui_filter_set(&f, "close_wait");
	tt_ui_model_view(&m, &f, TT_UI_SORT_RATE, false);
	cr_assert_eq(m.nview, 1);
	cr_assert_eq(m.rows[m.view[0]].id, 7);
}

Test(model, many_rows_and_the_over_cap)
{
	static struct tt_conn c;
	uint32_t n = TT_UI_MAX_OVER + 500;

	c = conn(0, 1, 80, TT_TCP_CLOSED, TT_TCP_CLOSED);
	tt_ui_model_begin(&m, T0);
	for (uint32_t i = 1; i <= n; i++) {
		c.id = i;
		c.node.key.port[0] = (uint16_t)i;
		tt_ui_model_over(&m, &c, T0 - SEC(5) + (tt_time_ns)i);
	}
	cr_assert_eq(m.n, n);
	for (uint32_t i = 1; i <= n; i += 97)
		cr_assert_eq(tt_ui_model_find(&m, i)->id, i);
	tt_ui_model_end(&m);
	/* The newest TT_UI_MAX_OVER stay. */
	cr_assert_eq(m.n, TT_UI_MAX_OVER);
	cr_assert_eq(m.over, TT_UI_MAX_OVER);
	cr_assert_null(tt_ui_model_find(&m, 1));
	cr_assert_null(tt_ui_model_find(&m, 500));
	cr_assert_not_null(tt_ui_model_find(&m, 501));
	cr_assert_not_null(tt_ui_model_find(&m, n));
}
