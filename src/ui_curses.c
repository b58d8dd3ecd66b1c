/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ui_curses.c - the live monitor's full-screen view (see ui.h).
 *
 * Rows are copies of connection records, kept sorted by id: every refresh
 * takes a fresh copy of each open connection (tt_tracker_foreach_open), a
 * connection that ended (TT_EVT_CONN_END) stays listed --linger seconds with
 * its final states, dimmed.  Rates come from the byte counts of two
 * successive refreshes.  Nothing here runs per packet.
 *
 * Keys: q quit; h or ? help; p pause (the display freezes, tracking goes
 * on); s next sort field, 1-6 sort by rate, bytes, age, idle, state,
 * retransmissions; r reverse; / filter (a substring of the client or server
 * address:port, or a state name; Enter applies, Esc cancels, empty clears);
 * arrows, PgUp/PgDn, Home/End move; Enter details of the selected
 * connection (Esc, Enter or q come back).
 */
#include "tcptrack/ui.h"

#include <curses.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "tcptrack/report.h"
#include "tt_config.h"

#define MAX_ROWS 100000
#define FILTER_MAX 63

enum sort_key { SORT_RATE, SORT_BYTES, SORT_AGE, SORT_IDLE, SORT_STATE, SORT_RETX, SORT_N };
static const char *const sort_names[SORT_N] = {"rate", "bytes", "age", "idle", "state",
                                               "retransmissions"};

enum mode { MODE_LIST, MODE_DETAIL, MODE_HELP, MODE_FILTER };

struct row {
	struct tt_conn c;
	tt_time_ns over_at;         /* when its record became final, if over */
	uint64_t prev_bytes;        /* payload both ways at the previous refresh */
	tt_time_ns prev_t;
	uint64_t rate;              /* bytes per second between the last two refreshes */
	bool over, seen;
};

struct tt_ui {
	struct tt_ui_info info;
	char source[128], filter_expr[256], speed[32];
	tt_time_ns linger;
	struct row *rows;           /* sorted by connection id */
	size_t n, cap;
	size_t *order;              /* rows shown, in display order */
	size_t n_order, cap_order;
	enum sort_key sort;
	bool reverse, paused, colors;
	enum mode mode, back_mode;
	uint64_t selected_id;
	size_t sel, top;            /* selection and first shown line, in order[] */
	char filter[FILTER_MAX + 1], edit[FILTER_MAX + 1];
	struct tt_ui_counts counts;
	tt_time_ns now;
	uint64_t refreshes;
};

static struct termios saved_tio;
static bool have_saved_tio;
static bool curses_on;

/* ---- rows ------------------------------------------------------------------------------- */

static size_t find_row(const struct tt_ui *ui, uint64_t id, bool *found)
{
	size_t lo = 0, hi = ui->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ui->rows[mid].c.id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < ui->n && ui->rows[lo].c.id == id;
	return lo;
}

static struct row *upsert(struct tt_ui *ui, const struct tt_conn *c)
{
	bool found;
	size_t i = find_row(ui, c->id, &found);

	if (!found) {
		if (ui->n == MAX_ROWS)
			return NULL;
		if (ui->n == ui->cap) {
			size_t cap = ui->cap ? ui->cap * 2 : 256;
			struct row *p = realloc(ui->rows, cap * sizeof(*p));
			if (p == NULL)
				return NULL;
			ui->rows = p;
			ui->cap = cap;
		}
		memmove(&ui->rows[i + 1], &ui->rows[i], (ui->n - i) * sizeof(*ui->rows));
		ui->n++;
		memset(&ui->rows[i], 0, sizeof(ui->rows[i]));
	}
	ui->rows[i].c = *c;
	return &ui->rows[i];
}

static uint64_t row_bytes(const struct row *r)
{
	return r->c.dir[0].payload_bytes + r->c.dir[1].payload_bytes;
}

static void take_open(const struct tt_conn *c, void *user)
{
	struct tt_ui *ui = user;
	struct row *r = upsert(ui, c);

	if (r != NULL) {
		r->seen = true;
		r->over = false;
	}
}

/* ---- formatting (ASCII, no locale) ------------------------------------------------------ */

static void fmt_count(char *b, size_t n, uint64_t v, const char *suffix)
{
	static const char units[] = "KMGTP";
	uint64_t div = 1;
	int u = -1;

	while (v / div >= 1000 && u < 4) {
		div *= 1000;
		u++;
	}
	if (u < 0)
		snprintf(b, n, "%" PRIu64 "%s", v, suffix);
	else
		snprintf(b, n, "%" PRIu64 ".%" PRIu64 "%c%s", v / div, (v % div) * 10 / div, units[u],
		         suffix);
}

static void fmt_age(char *b, size_t n, tt_time_ns d)
{
	int64_t s = d < 0 ? 0 : d / TT_NS_PER_SEC;

	if (s < 60)
		snprintf(b, n, "%" PRId64 ".%" PRId64 "s", s, (d < 0 ? 0 : d % TT_NS_PER_SEC) / 100000000);
	else if (s < 3600)
		snprintf(b, n, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(b, n, "%" PRId64 "h%02" PRId64 "m", s / 3600, s % 3600 / 60);
	else
		snprintf(b, n, "%" PRId64 "d%02" PRId64 "h", s / 86400, s % 86400 / 3600);
}

/* Cut a string to w columns, keeping its end (the port matters most). */
static void fit_left(char *dst, size_t n, const char *src, int w)
{
	int len = (int)strlen(src);

	if (len <= w || w < 2)
		snprintf(dst, n, "%s", src);
	else
		snprintf(dst, n, "~%s", src + len - (w - 1));
}

/* ---- colours ---------------------------------------------------------------------------- */

enum { C_EST = 1, C_OPEN, C_CLOSING, C_CLOSE_WAIT, C_HEADER, C_SELECT };

static int state_attr(const struct tt_ui *ui, uint8_t s)
{
	if (!ui->colors)
		return s == TT_TCP_CLOSE_WAIT ? A_BOLD : 0;
	switch (s) {
	case TT_TCP_ESTABLISHED:
		return COLOR_PAIR(C_EST);
	case TT_TCP_SYN_SENT:
	case TT_TCP_SYN_RCVD:
	case TT_TCP_LISTEN:
		return COLOR_PAIR(C_OPEN);
	case TT_TCP_CLOSE_WAIT:
		return COLOR_PAIR(C_CLOSE_WAIT) | A_BOLD;
	case TT_TCP_CLOSED:
		return A_DIM;
	default:
		return COLOR_PAIR(C_CLOSING);
	}
}

/* ---- sorting and filtering -------------------------------------------------------------- */

static const struct tt_ui *sort_ui; /* qsort has no context argument */

static int64_t sort_value(const struct row *r, enum sort_key k, tt_time_ns now)
{
	switch (k) {
	case SORT_RATE:
		return (int64_t)r->rate;
	case SORT_BYTES:
		return (int64_t)row_bytes(r);
	case SORT_AGE:
		return now - r->c.first;
	case SORT_IDLE:
		return now - r->c.last;
	case SORT_STATE:
		return r->c.state[TT_CLIENT] * 16 + r->c.state[TT_SERVER];
	default:
		return (int64_t)(r->c.dir[0].counts[TT_AN_RETRANSMISSION] +
		                 r->c.dir[1].counts[TT_AN_RETRANSMISSION]);
	}
}

static int cmp_order(const void *x, const void *y)
{
	const struct tt_ui *ui = sort_ui;
	const struct row *a = &ui->rows[*(const size_t *)x], *b = &ui->rows[*(const size_t *)y];
	int64_t va = sort_value(a, ui->sort, ui->now), vb = sort_value(b, ui->sort, ui->now);
	int d;

	/* Largest first (state: in state order), reversed with r; ties by id. */
	d = va == vb ? 0 : (va > vb ? -1 : 1);
	if (ui->sort == SORT_STATE)
		d = -d;
	if (ui->reverse)
		d = -d;
	if (d == 0)
		d = a->c.id < b->c.id ? -1 : 1;
	return d;
}

static bool matches(const struct tt_ui *ui, const struct row *r)
{
	char cl[64], sv[64];

	if (ui->filter[0] == '\0')
		return true;
	tt_format_endpoint(cl, sizeof(cl), r->c.ip_version, r->c.addr[TT_CLIENT], r->c.port[TT_CLIENT]);
	tt_format_endpoint(sv, sizeof(sv), r->c.ip_version, r->c.addr[TT_SERVER], r->c.port[TT_SERVER]);
	return strstr(cl, ui->filter) != NULL || strstr(sv, ui->filter) != NULL ||
	       strcasecmp(ui->filter, tt_tcp_state_name(r->c.state[TT_CLIENT])) == 0 ||
	       strcasecmp(ui->filter, tt_tcp_state_name(r->c.state[TT_SERVER])) == 0;
}

static void build_order(struct tt_ui *ui)
{
	if (ui->cap_order < ui->n) {
		size_t *p = realloc(ui->order, (ui->n + 1) * sizeof(*p));
		if (p == NULL)
			return;
		ui->order = p;
		ui->cap_order = ui->n + 1;
	}
	ui->n_order = 0;
	for (size_t i = 0; i < ui->n; i++)
		if (matches(ui, &ui->rows[i]))
			ui->order[ui->n_order++] = i;
	sort_ui = ui;
	qsort(ui->order, ui->n_order, sizeof(*ui->order), cmp_order);
	/* The selection follows its connection. */
	ui->sel = 0;
	for (size_t i = 0; i < ui->n_order; i++)
		if (ui->rows[ui->order[i]].c.id == ui->selected_id)
			ui->sel = i;
	if (ui->n_order > 0)
		ui->selected_id = ui->rows[ui->order[ui->sel]].c.id;
}

/* ---- drawing ---------------------------------------------------------------------------- */

static void draw_header(struct tt_ui *ui)
{
	uint64_t by_state[11] = {0}, open = 0;
	char t[64];
	int x;

	for (size_t i = 0; i < ui->n; i++) {
		const struct row *r = &ui->rows[i];
		if (r->over)
			continue;
		open++;
		by_state[r->c.state[TT_CLIENT] % 11]++;
		by_state[r->c.state[TT_SERVER] % 11]++;
		by_state[TT_TCP_CLOSED] = 0; /* a closed endpoint has no socket to count */
	}
	attron(A_BOLD);
	mvprintw(0, 0, "tcptrack %s - %s%s%s%s", TT_VERSION, ui->source,
	         ui->info.replay ? " (replay x" : "", ui->info.replay ? ui->speed : "",
	         ui->info.replay ? ")" : "");
	attroff(A_BOLD);
	if (ui->filter_expr[0] != '\0')
		printw("  filter: %s", ui->filter_expr);
	clrtoeol();
	move(1, 0);
	printw("packets %" PRIu64, ui->counts.packets);
	if (ui->counts.have_drops)
		printw("  dropped %" PRIu64 " (if %" PRIu64 ")", ui->counts.dropped,
		       ui->counts.if_dropped);
	printw("  connections %" PRIu64 " open", open);
	for (int s = 0; s < 11; s++) {
		if (by_state[s] == 0)
			continue;
		getyx(stdscr, x, x);
		if (x > COLS - 20)
			break;
		printw("  ");
		attron(state_attr(ui, (uint8_t)s));
		printw("%s", tt_tcp_state_name((enum tt_tcp_state)s));
		attroff(state_attr(ui, (uint8_t)s));
		printw(" %" PRIu64, by_state[s]);
	}
	clrtoeol();
	tt_format_utc(t, sizeof(t), ui->now);
	mvprintw(2, 0, "%s  sort: %s %s%s%s%s", t, sort_names[ui->sort], ui->reverse ? "^" : "v",
	         ui->filter[0] ? "  filter: /" : "", ui->filter, ui->paused ? "  [paused]" : "");
	clrtoeol();
}

/* Columns after the two addresses, in the order they are given up when the
 * terminal is narrow (last first): the two states always stay. */
enum col { COL_CSTATE, COL_SSTATE, COL_RATE, COL_AGE, COL_RETX, COL_BYTES_OUT, COL_BYTES_IN,
           COL_IDLE, COL_WIN_OUT, COL_WIN_IN, COL_N };
static const struct {
	const char *title;
	int width;
	bool left;
} cols[COL_N] = {
	[COL_CSTATE] = {"C-STATE", 11, true},  [COL_SSTATE] = {"S-STATE", 11, true},
	[COL_RATE] = {"RATE", 8, false},        [COL_AGE] = {"AGE", 6, false},
	[COL_RETX] = {"RETX", 5, false},        [COL_BYTES_OUT] = {"BYTES>", 7, false},
	[COL_BYTES_IN] = {"BYTES<", 7, false},  [COL_IDLE] = {"IDLE", 6, false},
	[COL_WIN_OUT] = {"WIN>", 6, false},     [COL_WIN_IN] = {"WIN<", 6, false},
};
/* Display order of the columns. */
static const enum col display[COL_N] = {COL_CSTATE, COL_SSTATE, COL_AGE, COL_IDLE,
                                        COL_BYTES_OUT, COL_BYTES_IN, COL_RATE, COL_RETX,
                                        COL_WIN_OUT, COL_WIN_IN};

struct layout {
	int wa;                     /* width of each address column */
	bool on[COL_N];
};

/* As many columns as fit with the addresses at their longest (up to 47, an
 * IPv6 address and port); then the addresses shrink, keeping their end. */
static struct layout layout(const struct tt_ui *ui)
{
	struct layout l;
	int want = 8, used;
	char a[64];

	for (size_t k = 0; k < ui->n_order; k++) {
		const struct tt_conn *c = &ui->rows[ui->order[k]].c;
		for (int ep = 0; ep < 2; ep++) {
			int n = tt_format_endpoint(a, sizeof(a), c->ip_version, c->addr[ep], c->port[ep]);
			if (n > want)
				want = n;
		}
	}
	if (want > 47)
		want = 47;
	memset(&l, 0, sizeof(l));
	used = 2 * (want + 1) + cols[COL_CSTATE].width + 1 + cols[COL_SSTATE].width;
	l.on[COL_CSTATE] = l.on[COL_SSTATE] = true;
	for (int c = COL_RATE; c < COL_N; c++) {
		if (used + 1 + cols[c].width > COLS)
			break;
		l.on[c] = true;
		used += 1 + cols[c].width;
	}
	l.wa = want;
	if (used > COLS) {
		l.wa = (COLS - (used - 2 * (want + 1))) / 2 - 1;
		if (l.wa < 8)
			l.wa = 8;
	}
	return l;
}

static void draw_list(struct tt_ui *ui)
{
	struct layout l = layout(ui);
	int lines = LINES - 5, y = 4;
	char cl[64], sv[64], a[64], b[64], v[COL_N][32];

	attron(A_REVERSE);
	mvprintw(3, 0, "%-*s %-*s", l.wa, "CLIENT", l.wa, "SERVER");
	for (int k = 0; k < COL_N; k++)
		if (l.on[display[k]])
			printw(cols[display[k]].left ? " %-*s" : " %*s", cols[display[k]].width,
			       cols[display[k]].title);
	clrtoeol();
	attroff(A_REVERSE);
	if (lines < 1)
		return;
	if (ui->sel < ui->top)
		ui->top = ui->sel;
	if (ui->sel >= ui->top + (size_t)lines)
		ui->top = ui->sel - (size_t)lines + 1;
	for (size_t k = ui->top; k < ui->n_order && y < LINES - 1; k++, y++) {
		const struct row *r = &ui->rows[ui->order[k]];
		const struct tt_conn *c = &r->c;
		tt_format_endpoint(a, sizeof(a), c->ip_version, c->addr[TT_CLIENT], c->port[TT_CLIENT]);
		tt_format_endpoint(b, sizeof(b), c->ip_version, c->addr[TT_SERVER], c->port[TT_SERVER]);
		fit_left(cl, sizeof(cl), a, l.wa);
		fit_left(sv, sizeof(sv), b, l.wa);
		fmt_age(v[COL_AGE], sizeof(v[0]), (r->over ? r->over_at : ui->now) - c->first);
		fmt_age(v[COL_IDLE], sizeof(v[0]), ui->now - c->last);
		fmt_count(v[COL_BYTES_OUT], sizeof(v[0]), c->dir[0].payload_bytes, "");
		fmt_count(v[COL_BYTES_IN], sizeof(v[0]), c->dir[1].payload_bytes, "");
		fmt_count(v[COL_RATE], sizeof(v[0]), r->over ? 0 : r->rate, "/s");
		snprintf(v[COL_RETX], sizeof(v[0]), "%u",
		         c->dir[0].counts[TT_AN_RETRANSMISSION] + c->dir[1].counts[TT_AN_RETRANSMISSION]);
		if (c->dir[0].has_win)
			fmt_count(v[COL_WIN_OUT], sizeof(v[0]), c->dir[0].win_last, "");
		else
			snprintf(v[COL_WIN_OUT], sizeof(v[0]), "-");
		if (c->dir[1].has_win)
			fmt_count(v[COL_WIN_IN], sizeof(v[0]), c->dir[1].win_last, "");
		else
			snprintf(v[COL_WIN_IN], sizeof(v[0]), "-");
		move(y, 0);
		if (k == ui->sel)
			attron(A_REVERSE);
		if (r->over)
			attron(A_DIM);
		printw("%-*s %-*s", l.wa, cl, l.wa, sv);
		for (int d = 0; d < COL_N; d++) {
			enum col cc = display[d];
			if (!l.on[cc])
				continue;
			if (cc == COL_CSTATE || cc == COL_SSTATE) {
				uint8_t st = c->state[cc == COL_CSTATE ? TT_CLIENT : TT_SERVER];
				printw(" ");
				attron(state_attr(ui, st));
				printw("%-*s", cols[cc].width, tt_tcp_state_name(st));
				attroff(state_attr(ui, st));
			} else {
				printw(" %*s", cols[cc].width, v[cc]);
			}
		}
		clrtoeol();
		attrset(A_NORMAL);
	}
	if (ui->n_order == 0)
		mvprintw(y, 0, ui->filter[0] ? "(no connection matches the filter)"
		                             : "(no connection yet)");
}

static void draw_dir(int *y, const char *name, const struct tt_dir *d)
{
	char mn[32], av[32], mx[32], zw[32];
	int x = 2;

	mvprintw((*y)++, 0, "%s: %" PRIu64 " packets, %" PRIu64 " payload bytes (%" PRIu64
	         " unique), syn %u fin %u rst %u", name, d->packets, d->payload_bytes,
	         d->unique_bytes, d->syn, d->fin, d->rst);
	if (d->has_win)
	{
		if (d->scale_known)
			mvprintw((*y)++, x, "window min %u max %u last %u (scaled, shift %u)",
			         d->win_min, d->win_max, d->win_last, d->shift);
		else
			mvprintw((*y)++, x, "window min %u max %u last %u (raw: scale unknown)",
			         d->win_min, d->win_max, d->win_last);
	}
	tt_format_ms(zw, sizeof(zw), d->zw_total);
	move(*y, x);
	for (int i = 0; i < TT_AN_COUNT; i++) {
		int cx, cy;
		getyx(stdscr, cy, cx);
		(void)cy;
		if (cx > COLS - 30) {
			(*y)++;
			move(*y, x);
		}
		printw("%s %u  ", tt_report_counters[i].name, d->counts[tt_report_counters[i].an]);
	}
	(*y)++;
	if (d->rtt.samples > 0) {
		tt_format_ms(mn, sizeof(mn), d->rtt.min);
		tt_format_ms(av, sizeof(av), d->rtt.sum / d->rtt.samples);
		tt_format_ms(mx, sizeof(mx), d->rtt.max);
		mvprintw((*y)++, x, "rtt min/avg/max %s/%s/%s ms (%u samples); zero window %s ms",
		         mn, av, mx, d->rtt.samples, zw);
	} else {
		mvprintw((*y)++, x, "rtt: no sample; zero window %s ms", zw);
	}
}

static void draw_detail(struct tt_ui *ui)
{
	bool found;
	size_t i = find_row(ui, ui->selected_id, &found);
	const struct tt_conn *c;
	char a[64], b[64], t[40], h[32], cs[32], ss[32];
	const char *inf[6];
	int y = 4, n;

	if (!found) {
		mvprintw(4, 0, "(the connection is gone)");
		return;
	}
	c = &ui->rows[i].c;
	tt_format_endpoint(a, sizeof(a), c->ip_version, c->addr[TT_CLIENT], c->port[TT_CLIENT]);
	tt_format_endpoint(b, sizeof(b), c->ip_version, c->addr[TT_SERVER], c->port[TT_SERVER]);
	attron(A_BOLD);
	mvprintw(3, 0, "connection %" PRIu64 ": %s > %s  (%s, handshake %s)", c->id, a, b,
	         tt_outcome_name(tt_conn_outcome(c)), tt_handshake_name((enum tt_handshake)c->handshake));
	attroff(A_BOLD);
	clrtoeol();
	for (int ep = 0; ep < 2; ep++) {
		const struct tt_history *hi = &c->hist[ep];
		mvprintw(y, 0, "%s:", ep == TT_CLIENT ? "client" : "server");
		for (int k = 0; k < hi->n; k++) {
			int cy, cx;
			tt_format_time(t, sizeof(t), hi->ts[k]);
			getyx(stdscr, cy, cx);
			if (cx > COLS - 36)
				move(++y, 2);
			(void)cy;
			printw(" ");
			attron(state_attr(ui, hi->state[k]));
			printw("%s", tt_tcp_state_name(hi->state[k]));
			attroff(state_attr(ui, hi->state[k]));
			printw("@%s", t);
		}
		y += 2;
	}
	if (c->has_rtt_client && c->has_rtt_server) {
		tt_format_ms(h, sizeof(h), c->rtt_client_side + c->rtt_server_side);
		tt_format_ms(cs, sizeof(cs), c->rtt_client_side);
		tt_format_ms(ss, sizeof(ss), c->rtt_server_side);
		mvprintw(y++, 0, "handshake rtt %s ms (client side %s + server side %s)", h, cs, ss);
	} else {
		mvprintw(y++, 0, "handshake rtt unknown");
	}
	n = tt_conn_inferred(c, inf);
	if (n > 0) {
		mvprintw(y, 0, "inferred:");
		for (int k = 0; k < n; k++)
			printw(" %s", inf[k]);
		y++;
	}
	y++;
	draw_dir(&y, "c2s", &c->dir[TT_CLIENT]);
	y++;
	draw_dir(&y, "s2c", &c->dir[TT_SERVER]);
}

static void draw_help(void)
{
	static const char *const lines[] = {
		"Keys",
		"  q            quit (in details or help: back)",
		"  h, ?         this help",
		"  p            pause the display (tracking goes on)",
		"  s            next sort field: rate, bytes, age, idle, state, retransmissions",
		"  1 2 3 4 5 6  sort by rate, bytes, age, idle, state, retransmissions",
		"  r            reverse the order",
		"  /            filter: part of an address:port, or a state (Enter, Esc cancels)",
		"  Up Down PgUp PgDn Home End   move the selection",
		"  Enter        details of the selected connection (Esc or Enter: back)",
		"",
		"Columns: client and server address:port, each endpoint's state, age, idle time,",
		"payload bytes each way, rate over the last refresh, retransmissions, the last",
		"windows each side advertised.  Connections that are over stay dimmed for",
		"--linger seconds.  CLOSE_WAIT is in bold: the application has not closed yet.",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]) && (int)i + 4 < LINES - 1; i++)
		mvprintw((int)i + 4, 0, "%s", lines[i]);
}

static void draw_footer(struct tt_ui *ui)
{
	attron(A_REVERSE);
	if (ui->mode == MODE_FILTER)
		mvprintw(LINES - 1, 0, "filter: /%s", ui->edit);
	else if (ui->mode == MODE_LIST)
		mvprintw(LINES - 1, 0, "q quit  h help  s/1-6 sort  r reverse  / filter  Enter details"
		                       "  p pause");
	else
		mvprintw(LINES - 1, 0, "Esc back  q back");
	clrtoeol();
	attroff(A_REVERSE);
}

static void draw(struct tt_ui *ui)
{
	erase();
	draw_header(ui);
	if (ui->mode == MODE_HELP)
		draw_help();
	else if (ui->mode == MODE_DETAIL || (ui->mode == MODE_FILTER && ui->back_mode == MODE_DETAIL))
		draw_detail(ui);
	else
		draw_list(ui);
	draw_footer(ui);
	if (ui->mode == MODE_FILTER)
		move(LINES - 1, 9 + (int)strlen(ui->edit));
	refresh();
}

/* ---- the interface ---------------------------------------------------------------------- */

int tt_ui_open(struct tt_ui **out, const struct tt_ui_info *info, tt_time_ns linger, char *errbuf)
{
	struct tt_ui *ui;

	*out = NULL;
	if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO))
		return tt_set_err(errbuf, TT_ERR_INVAL, "the full-screen view needs a terminal "
		                                        "(use --no-ui for event lines)");
	ui = calloc(1, sizeof(*ui));
	if (ui == NULL)
		return tt_set_err(errbuf, TT_ERR_NOMEM, "out of memory");
	ui->info = *info;
	snprintf(ui->source, sizeof(ui->source), "%s", info->source ? info->source : "");
	snprintf(ui->filter_expr, sizeof(ui->filter_expr), "%s", info->filter ? info->filter : "");
	snprintf(ui->speed, sizeof(ui->speed), "%s", info->speed ? info->speed : "1");
	ui->linger = linger;
	if (tcgetattr(STDIN_FILENO, &saved_tio) == 0)
		have_saved_tio = true;
	if (getenv("ESCDELAY") == NULL)
		setenv("ESCDELAY", "25", 1);
	if (initscr() == NULL) {
		free(ui);
		return tt_set_err(errbuf, TT_ERR_INVAL, "cannot start the full-screen view (TERM=%s)",
		                  getenv("TERM") ? getenv("TERM") : "");
	}
	curses_on = true;
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	if (has_colors()) {
		start_color();
		use_default_colors();
		init_pair(C_EST, COLOR_GREEN, -1);
		init_pair(C_OPEN, COLOR_YELLOW, -1);
		init_pair(C_CLOSING, COLOR_CYAN, -1);
		init_pair(C_CLOSE_WAIT, COLOR_MAGENTA, -1);
		ui->colors = true;
	}
	*out = ui;
	return TT_OK;
}

void tt_ui_close(struct tt_ui **uip)
{
	if (curses_on) {
		endwin();
		curses_on = false;
	}
	if (uip == NULL || *uip == NULL)
		return;
	free((*uip)->rows);
	free((*uip)->order);
	free(*uip);
	*uip = NULL;
}

void tt_ui_emergency_restore(void)
{
	static const char reset[] = "\033[0m\033[?25h\033[?1049l\r\n";

	if (!curses_on)
		return;
	if (write(STDOUT_FILENO, reset, sizeof(reset) - 1) < 0) {
		/* nothing more can be done */
	}
	if (have_saved_tio)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
}

void tt_ui_event(struct tt_ui *ui, const struct tt_event *ev)
{
	struct row *r;

	if (ev->type != TT_EVT_CONN_END)
		return;
	r = upsert(ui, ev->conn);
	if (r != NULL) {
		r->over = true;
		r->over_at = ev->ts;
	}
}

void tt_ui_refresh(struct tt_ui *ui, struct tt_tracker *tr, tt_time_ns now,
                   const struct tt_ui_counts *counts)
{
	size_t k = 0;

	if (ui->paused) {
		draw_header(ui); /* (says [paused]) */
		refresh();
		return;
	}
	ui->now = now;
	ui->counts = *counts;
	for (size_t i = 0; i < ui->n; i++)
		ui->rows[i].seen = false;
	tt_tracker_foreach_open(tr, take_open, ui);
	/* Drop what is gone: over longer than --linger, or evicted unseen. */
	for (size_t i = 0; i < ui->n; i++) {
		struct row *r = &ui->rows[i];
		if (r->over ? now - r->over_at > ui->linger : !r->seen)
			continue;
		if (r->prev_t != 0 && now > r->prev_t && row_bytes(r) >= r->prev_bytes)
			r->rate = (uint64_t)((double)(row_bytes(r) - r->prev_bytes) * 1e9 /
			                     (double)(now - r->prev_t));
		r->prev_bytes = row_bytes(r);
		r->prev_t = now;
		ui->rows[k++] = *r;
	}
	ui->n = k;
	ui->refreshes++;
	build_order(ui);
	draw(ui);
}

static void move_sel(struct tt_ui *ui, long delta)
{
	long s = (long)ui->sel + delta;

	if (ui->n_order == 0)
		return;
	if (s < 0)
		s = 0;
	if (s >= (long)ui->n_order)
		s = (long)ui->n_order - 1;
	ui->sel = (size_t)s;
	ui->selected_id = ui->rows[ui->order[ui->sel]].c.id;
}

enum tt_ui_action tt_ui_key(struct tt_ui *ui)
{
	enum tt_ui_action act = TT_UI_CONTINUE;
	int ch, page = LINES > 6 ? LINES - 6 : 1;

	while ((ch = getch()) != ERR) {
		if (ui->mode == MODE_FILTER) {
			size_t n = strlen(ui->edit);
			if (ch == 27) {
				ui->mode = ui->back_mode;
			} else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
				memcpy(ui->filter, ui->edit, sizeof(ui->filter));
				ui->mode = MODE_LIST;
			} else if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && n > 0) {
				ui->edit[n - 1] = '\0';
			} else if (ch >= 32 && ch < 127 && n < FILTER_MAX) {
				ui->edit[n] = (char)ch;
				ui->edit[n + 1] = '\0';
			}
			continue;
		}
		if (ui->mode != MODE_LIST) {
			if (ch == 27 || ch == 'q' || ch == '\n' || ch == '\r' || ch == KEY_ENTER ||
			    ch == 'h' || ch == '?')
				ui->mode = MODE_LIST;
			else if (ch == 'p') {
				ui->paused = !ui->paused;
				act = TT_UI_PAUSE_TOGGLED;
			}
			continue;
		}
		switch (ch) {
		case 'q':
		case 'Q':
			return TT_UI_QUIT;
		case 'h':
		case '?':
			ui->mode = MODE_HELP;
			break;
		case 'p':
			ui->paused = !ui->paused;
			act = TT_UI_PAUSE_TOGGLED;
			break;
		case 's':
			ui->sort = (enum sort_key)((ui->sort + 1) % SORT_N);
			break;
		case '1': case '2': case '3': case '4': case '5': case '6':
			ui->sort = (enum sort_key)(ch - '1');
			break;
		case 'r':
			ui->reverse = !ui->reverse;
			break;
		case '/':
			memcpy(ui->edit, ui->filter, sizeof(ui->edit));
			ui->back_mode = MODE_LIST;
			ui->mode = MODE_FILTER;
			break;
		case KEY_UP:
		case 'k':
			move_sel(ui, -1);
			break;
		case KEY_DOWN:
		case 'j':
			move_sel(ui, 1);
			break;
		case KEY_PPAGE:
			move_sel(ui, -page);
			break;
		case KEY_NPAGE:
			move_sel(ui, page);
			break;
		case KEY_HOME:
			move_sel(ui, -(long)ui->n_order);
			break;
		case KEY_END:
			move_sel(ui, (long)ui->n_order);
			break;
		case '\n':
		case '\r':
		case KEY_ENTER:
			if (ui->n_order > 0)
				ui->mode = MODE_DETAIL;
			break;
		case KEY_RESIZE:
			break;
		default:
			break;
		}
	}
	/* Show the effect now, even while paused (keys move within the frozen view). */
	build_order(ui);
	draw(ui);
	return act;
}
