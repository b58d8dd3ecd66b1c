/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ui_curses.c - the live monitor's ncurses view (see ui.h).
 *
 * Screen, top to bottom: the source and filter; packets read and dropped,
 * connections open and over, their endpoints per state; the capture clock,
 * the sort, the view's filter, [paused]; the table; the keys.  Rows of
 * connections over are dimmed and stay --linger seconds.
 *
 * Keys (list view):
 *   q                quit                      h ?         help
 *   p                pause the display; tracking goes on
 *   s                next sort field: rate, bytes, age, idle, state, retransmissions
 *   1 2 3 4 5 6      sort by rate, bytes, age, idle, state, retransmissions
 *   r                reverse the order
 *   /                filter prompt: Enter applies, Esc cancels, empty clears;
 *                    the list follows as you type (syntax: ui_model.h)
 *   Up Down j k      move the selection; PgUp PgDn a page; Home End g G
 *   Enter            details of the selected connection
 *   Ctrl-L           redraw
 * Detail view: Up Down PgUp PgDn Home End scroll; Esc, Enter, q, Left,
 * Backspace: back to the list.  Help: any key back.
 *
 * The model (rows, filter, sort, layout) is in ui_model.c; this file draws
 * and reads keys.  Events are O(1) (a hash look-up); a refresh copies the
 * open connections and sorts the rows.  While paused nothing the screen
 * shows changes: events wait in a queue until the display resumes.
 */
#include "tcptrack/ui.h"

#include <curses.h>
#include <inttypes.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "src/ui_model.h"
#include "tcptrack/ladder.h"
#include "tcptrack/report.h"
#include "tt_config.h"

#define MAX_QUEUE 10000u        /* events held while paused; beyond, the oldest go */
#define TABLE_TOP 4             /* screen line of the column headings */
#define LADDER_LINES 400   /* the ladder's latest lines in the detail view */
#define DETAIL_LINES (96 + LADDER_LINES)
#define DETAIL_WIDTH 160

enum { P_GREEN = 1, P_YELLOW, P_CYAN, P_RED, P_MAGENTA };

enum mode { MODE_LIST = 0, MODE_DETAIL, MODE_HELP };

enum qkind { Q_OVER = 0, Q_EVICT };

struct qent {
	uint8_t kind;
	uint64_t id;
	tt_time_ns ts;
	struct tt_conn_copy *c;     /* Q_OVER: a copy (owned) */
};

/* One line of the detail view: text, and up to eight spans drawn in a state's colours. */
struct dline {
	char s[DETAIL_WIDTH];
	attr_t attr;
	uint8_t nspan;
	struct {
		short x, len;
		uint8_t state;
	} span[8];
};

struct tt_ui {
	SCREEN *scr;
	struct tt_ui_model m;
	char *source, *filter_expr, *speed;
	bool replay;
	struct tt_ui_counts counts;

	enum tt_ui_sort sort;
	bool reverse;
	struct tt_ui_filter filter;
	bool paused;
	enum mode mode, back_mode;
	bool color;
	const char *marker;         /* one column: what truncated addresses start with */

	/* the filter prompt */
	bool prompting;
	char prompt[TT_UI_FILTER_SIZE];
	size_t prompt_len;
	char saved_filter[TT_UI_FILTER_SIZE];

	/* the list */
	uint32_t sel, top;
	uint64_t sel_id;

	/* the detail view */
	uint64_t detail_id;
	struct tt_conn_copy detail;
	bool have_detail, detail_gone;
	int dscroll;
	struct dline *dl;
	int ndl;

	/* the ladder of the connection in the detail view, from when it opened */
	struct tt_stories story;
	bool story_on;
	char *ladder_final;         /* its text once the connection is over */

	/* events while paused */
	struct qent *q;
	uint32_t qhead, qn, qcap;
	uint64_t qdropped;
};

/* For tt_ui_emergency_restore(): written once at open, read from a signal handler. */
static struct termios saved_tio;
static bool saved_tio_ok;
static volatile sig_atomic_t term_active;
static char restore_seq[256];
static size_t restore_len;

/* ---- small drawing helpers ------------------------------------------------------------------ */

static void set_attr(attr_t a)
{
	(wattrset)(stdscr, (int)a);
}

/* Bytes of s that fill at most w columns (UTF-8: continuation bytes take none). */
static int fit_bytes(const char *s, int w)
{
	int cols = 0, i = 0;

	for (; s[i] != '\0'; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80) {
			if (cols == w)
				break;
			cols++;
		}
	}
	return i;
}

/* Draw s at (y, x), clipped to the screen and to w columns (w < 0: to the screen). */
static void put(int y, int x, int w, const char *s, attr_t a)
{
	int room = COLS - x;

	if (y < 0 || y >= LINES || x < 0 || room <= 0)
		return;
	if (w >= 0 && w < room)
		room = w;
	set_attr(a);
	mvaddnstr(y, x, s, fit_bytes(s, room));
}

/* Fill line y with blanks in attribute a. */
static void blank_line(int y, attr_t a)
{
	if (y < 0 || y >= LINES)
		return;
	set_attr(a);
	mvhline(y, 0, ' ', COLS);
}

static attr_t state_attr(const struct tt_ui *ui, int s)
{
	switch (s) {
	case TT_TCP_ESTABLISHED:
		return ui->color ? (attr_t)COLOR_PAIR(P_GREEN) : A_NORMAL;
	case TT_TCP_SYN_SENT:
	case TT_TCP_SYN_RCVD:
		return ui->color ? (attr_t)COLOR_PAIR(P_YELLOW) : A_NORMAL;
	case TT_TCP_FIN_WAIT_1:
	case TT_TCP_FIN_WAIT_2:
	case TT_TCP_CLOSING:
	case TT_TCP_LAST_ACK:
	case TT_TCP_TIME_WAIT:
		return ui->color ? (attr_t)COLOR_PAIR(P_CYAN) : A_NORMAL;
	case TT_TCP_CLOSE_WAIT: /* the one people hunt */
		return (ui->color ? (attr_t)COLOR_PAIR(P_MAGENTA) : A_NORMAL) | A_BOLD;
	case TT_TCP_CLOSED:
		return A_DIM;
	default:
		return A_NORMAL;
	}
}

static const char *state_label(const struct tt_ui_layout *l, int s)
{
	return l->short_states ? tt_ui_state_short((enum tt_tcp_state)s)
	                       : tt_tcp_state_name((enum tt_tcp_state)s);
}

/* ---- the list ------------------------------------------------------------------------------- */

static int table_height(void)
{
	int h = LINES - TABLE_TOP - 2;
	return h > 0 ? h : 0;
}

static void clamp_top(struct tt_ui *ui)
{
	uint32_t n = ui->m.nview, h = (uint32_t)table_height();

	if (h == 0)
		h = 1;
	if (ui->sel < ui->top)
		ui->top = ui->sel;
	if (ui->sel >= ui->top + h)
		ui->top = ui->sel - h + 1;
	if (ui->top + h > n)
		ui->top = n > h ? n - h : 0;
}

/* After the view changed: stay on the selected connection if it is still listed. */
static void fix_selection(struct tt_ui *ui)
{
	uint32_t n = ui->m.nview;
	bool found = false;

	if (n == 0) {
		ui->sel = ui->top = 0;
		return;
	}
	if (ui->sel_id != 0)
		for (uint32_t i = 0; i < n; i++)
			if (ui->m.rows[ui->m.view[i]].id == ui->sel_id) {
				ui->sel = i;
				found = true;
				break;
			}
	if (!found && ui->sel >= n)
		ui->sel = n - 1;
	ui->sel_id = ui->m.rows[ui->m.view[ui->sel]].id;
	clamp_top(ui);
}

static void rebuild_view(struct tt_ui *ui)
{
	tt_ui_model_view(&ui->m, &ui->filter, ui->sort, ui->reverse);
	fix_selection(ui);
}

static void move_sel(struct tt_ui *ui, int64_t delta, bool absolute)
{
	int64_t n = ui->m.nview, s = absolute ? delta : (int64_t)ui->sel + delta;

	if (n == 0)
		return;
	if (s < 0)
		s = 0;
	if (s >= n)
		s = n - 1;
	ui->sel = (uint32_t)s;
	ui->sel_id = ui->m.rows[ui->m.view[ui->sel]].id;
	clamp_top(ui);
}

static void draw_header(struct tt_ui *ui)
{
	char buf[512];
	int x, n;

	/* 1: the source and the capture filter. */
	n = snprintf(buf, sizeof(buf), "tcptrack %s - %s", TT_VERSION, ui->source);
	if (ui->replay && n >= 0 && (size_t)n < sizeof(buf))
		snprintf(buf + n, sizeof(buf) - (size_t)n, " (replay x%s)",
		         ui->speed != NULL ? ui->speed : "1");
	put(0, 0, -1, buf, A_BOLD);
	x = (int)strlen(buf);
	if (ui->filter_expr != NULL) {
		snprintf(buf, sizeof(buf), "  filter: %s", ui->filter_expr);
		put(0, x, -1, buf, A_NORMAL);
	}

	/* 2: packets, drops, connections, endpoints per state. */
	x = 0;
	n = snprintf(buf, sizeof(buf), "packets %llu", (unsigned long long)ui->counts.packets);
	put(1, x, -1, buf, A_NORMAL);
	x += n;
	if (ui->counts.have_drops) {
		attr_t a = ui->counts.dropped + ui->counts.if_dropped > 0
		                   ? (ui->color ? (attr_t)COLOR_PAIR(P_RED) : A_NORMAL) | A_BOLD
		                   : A_NORMAL;
		n = snprintf(buf, sizeof(buf), "  dropped %llu (if %llu)",
		             (unsigned long long)ui->counts.dropped,
		             (unsigned long long)ui->counts.if_dropped);
		put(1, x, -1, buf, a);
		x += n;
	}
	n = snprintf(buf, sizeof(buf), "  connections %llu open", (unsigned long long)ui->m.open);
	if (ui->m.over > 0)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, ", %u over", ui->m.over);
	put(1, x, -1, buf, A_NORMAL);
	x += n;
	if (ui->m.not_listed > 0) {
		n = snprintf(buf, sizeof(buf), " (%llu not listed: table full)",
		             (unsigned long long)ui->m.not_listed);
		put(1, x, -1, buf, A_BOLD);
		x += n;
	}
	/* A CLOSED endpoint has no socket to count. */
	for (int s = TT_TCP_CLOSED + 1; s < TT_TCP_NSTATES; s++) {
		if (ui->m.by_state[s] == 0)
			continue;
		n = snprintf(buf, sizeof(buf), "  %s", tt_tcp_state_name((enum tt_tcp_state)s));
		put(1, x, -1, buf, state_attr(ui, s));
		x += n;
		n = snprintf(buf, sizeof(buf), " %llu", (unsigned long long)ui->m.by_state[s]);
		put(1, x, -1, buf, A_NORMAL);
		x += n;
	}

	/* 3: the clock, the sort, the view's filter, pause. */
	if (ui->m.now != 0)
		tt_format_utc(buf, sizeof(buf), ui->m.now);
	else
		snprintf(buf, sizeof(buf), "-");
	n = (int)strlen(buf);
	/* v: the field's own order (largest first; states in RFC 793 order), ^: reversed */
	n += snprintf(buf + n, sizeof(buf) - (size_t)n, "  sort: %s %s",
	              tt_ui_sort_name(ui->sort), ui->reverse ? "^" : "v");
	if (ui->filter.text[0] != '\0')
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "  filter: /%s (%u of %u)",
		              ui->filter.text, ui->m.nview, ui->m.n);
	put(2, 0, -1, buf, A_NORMAL);
	x = n;
	if (ui->paused) {
		put(2, x + 2, -1, "[paused]", A_BOLD | A_REVERSE);
		x += 10;
	}
	if (ui->qdropped > 0) {
		snprintf(buf, sizeof(buf), "  (%llu changes lost while paused)",
		         (unsigned long long)ui->qdropped);
		put(2, x, -1, buf, A_DIM);
	}
}

static void fmt_right(char *buf, size_t size, int w, const char *s)
{
	snprintf(buf, size, "%*s", w, s);
}

static void draw_cell(int y, const struct tt_ui_layout *l, int c, const char *s, bool right,
                      attr_t a)
{
	char buf[TT_UI_EP_SIZE * 4];

	if (l->w[c] <= 0)
		return;
	if (right)
		fmt_right(buf, sizeof(buf), l->w[c], s);
	else
		snprintf(buf, sizeof(buf), "%s", s);
	put(y, l->x[c], l->w[c], buf, a);
}

static void draw_row(struct tt_ui *ui, int y, const struct tt_ui_layout *l,
                     const struct tt_ui_row *r, bool selected)
{
	attr_t base = (r->over ? A_DIM : A_NORMAL) | (selected ? A_REVERSE : A_NORMAL);
	tt_time_ns now = ui->m.now;
	char b[TT_UI_EP_SIZE * 4];

	if (selected)
		blank_line(y, base);
	for (int e = 0; e < 2; e++) {
		tt_ui_fit_left(b, sizeof(b), r->ep[e], l->w[e], ui->marker);
		draw_cell(y, l, e, b, false, base);
		draw_cell(y, l, TT_UI_COL_CSTATE + e, state_label(l, r->state[e]), false,
		          base | state_attr(ui, r->state[e]));
	}
	tt_ui_fmt_dur(b, sizeof(b), tt_ns_sub(r->over ? r->over_at : now, r->first));
	draw_cell(y, l, TT_UI_COL_AGE, b, true, base);
	tt_ui_fmt_dur(b, sizeof(b), now - r->last);
	draw_cell(y, l, TT_UI_COL_IDLE, b, true, base);
	tt_ui_fmt_size(b, sizeof(b), r->bytes[0]);
	draw_cell(y, l, TT_UI_COL_BYTES_OUT, b, true, base);
	tt_ui_fmt_size(b, sizeof(b), r->bytes[1]);
	draw_cell(y, l, TT_UI_COL_BYTES_IN, b, true, base);
	if (r->over) {
		snprintf(b, sizeof(b), "-");
	} else {
		size_t n = (size_t)tt_ui_fmt_size(b, sizeof(b), (uint64_t)(r->rate + 0.5));
		snprintf(b + n, sizeof(b) - n, "/s");
	}
	draw_cell(y, l, TT_UI_COL_RATE, b, true, base);
	uint64_t retx = (uint64_t)r->retx[0] + r->retx[1];
	if (retx < 10000)
		snprintf(b, sizeof(b), "%u", (unsigned)retx);
	else
		tt_ui_fmt_size(b, sizeof(b), retx);
	draw_cell(y, l, TT_UI_COL_RETX, b, true,
	          base | (retx > 0 && !r->over ? A_BOLD : A_NORMAL));
	for (int e = 0; e < 2; e++) {
		if (r->has_win[e]) {
			size_t n = (size_t)tt_ui_fmt_size(b, sizeof(b), r->win[e]);
			if (!r->scale_known[e] && n + 1 < sizeof(b))
				memcpy(b + n, "?", 2);
		} else {
			snprintf(b, sizeof(b), "-");
		}
		draw_cell(y, l, TT_UI_COL_CWIN + e, b, true, base);
	}
}

static void draw_footer(struct tt_ui *ui, const char *const *keys)
{
	int y = LINES - 1, x = 0;

	if (y < 1)
		return;
	blank_line(y, A_REVERSE);
	if (ui->prompting) {
		char buf[TT_UI_FILTER_SIZE + 32];
		snprintf(buf, sizeof(buf), "filter: /%s", ui->prompt);
		put(y, 0, -1, buf, A_REVERSE);
		set_attr(A_NORMAL);
		if ((int)strlen(buf) < COLS) {
			move(y, (int)strlen(buf));
			curs_set(1);
		}
		return;
	}
	curs_set(0);
	for (int i = 0; keys[i] != NULL; i += 2) {
		put(y, x, -1, keys[i], A_REVERSE | A_BOLD);
		x += (int)strlen(keys[i]) + 1;
		put(y, x, -1, keys[i + 1], A_REVERSE);
		x += (int)strlen(keys[i + 1]) + 2;
	}
}

static void draw_list(struct tt_ui *ui)
{
	static const char *const keys[] = {"q", "quit", "h", "help", "s/1-6", "sort", "r", "reverse",
	                                   "/", "filter", "Enter", "details", "p", "pause", NULL};
	struct tt_ui_layout l;
	int need[2] = {0, 0}, h = table_height();

	draw_header(ui);
	for (uint32_t i = 0; i < ui->m.nview; i++) {
		const struct tt_ui_row *r = &ui->m.rows[ui->m.view[i]];
		for (int e = 0; e < 2; e++)
			if (r->ep_len[e] > need[e])
				need[e] = r->ep_len[e];
	}
	tt_ui_layout(&l, COLS, need[0], need[1]);
	blank_line(TABLE_TOP - 1, A_REVERSE);
	for (int c = 0; c < TT_UI_NCOLS; c++) {
		bool right = c >= TT_UI_COL_AGE;
		attr_t a = A_REVERSE;
		if ((c == TT_UI_COL_RATE && ui->sort == TT_UI_SORT_RATE) ||
		    ((c == TT_UI_COL_BYTES_OUT || c == TT_UI_COL_BYTES_IN) &&
		     ui->sort == TT_UI_SORT_BYTES) ||
		    (c == TT_UI_COL_AGE && ui->sort == TT_UI_SORT_AGE) ||
		    (c == TT_UI_COL_IDLE && ui->sort == TT_UI_SORT_IDLE) ||
		    ((c == TT_UI_COL_CSTATE || c == TT_UI_COL_SSTATE) && ui->sort == TT_UI_SORT_STATE) ||
		    (c == TT_UI_COL_RETX && ui->sort == TT_UI_SORT_RETX))
			a |= A_BOLD | A_UNDERLINE;
		draw_cell(TABLE_TOP - 1, &l, c, tt_ui_col_label((enum tt_ui_col)c), right, a);
	}
	clamp_top(ui);
	for (int i = 0; i < h && ui->top + (uint32_t)i < ui->m.nview; i++) {
		uint32_t v = ui->top + (uint32_t)i;
		draw_row(ui, TABLE_TOP + i, &l, &ui->m.rows[ui->m.view[v]], v == ui->sel);
	}
	if (ui->m.nview == 0 && h > 0)
		put(TABLE_TOP, 1, -1,
		    ui->filter.text[0] != '\0' ? "(no connection matches the filter)"
		                               : "(no connection yet)",
		    A_DIM);
	draw_footer(ui, keys);
}

/* ---- the detail view ------------------------------------------------------------------------ */

#define LABEL_END 25      /* labels are right-aligned, ending before this column */
#define COL_A 26          /* the client's (client > server) values */
#define COL_B 54          /* the server's (server > client) values */

static struct dline *dl_add(struct tt_ui *ui, attr_t attr)
{
	struct dline *d;

	if (ui->ndl >= DETAIL_LINES)
		return NULL;
	d = &ui->dl[ui->ndl++];
	memset(d, 0, sizeof(*d));
	memset(d->s, ' ', sizeof(d->s) - 1);
	d->attr = attr;
	return d;
}

/* Put text at column x of a detail line (space-padded, so columns line up). */
static void dl_at(struct dline *d, int x, const char *text)
{
	size_t n = strlen(text);

	if (d == NULL || x < 0 || (size_t)x >= sizeof(d->s) - 1)
		return;
	if (n > sizeof(d->s) - 1 - (size_t)x)
		n = sizeof(d->s) - 1 - (size_t)x;
	memcpy(d->s + x, text, n);
}

/* Text at x whose first `len` characters are a state's name, drawn in its colours. */
static void dl_span(struct dline *d, int x, const char *text, int len, int state)
{
	if (d == NULL)
		return;
	dl_at(d, x, text);
	if (d->nspan < sizeof(d->span) / sizeof(d->span[0])) {
		d->span[d->nspan].x = (short)x;
		d->span[d->nspan].len = (short)len;
		d->span[d->nspan].state = (uint8_t)state;
		d->nspan++;
	}
}

/* A line "        label a   b": label right-aligned before COL_A. */
static struct dline *dl_kv(struct tt_ui *ui, const char *label, const char *a, const char *b)
{
	struct dline *d = dl_add(ui, A_NORMAL);
	int len = (int)strlen(label);

	dl_at(d, len < LABEL_END ? LABEL_END - len : 0, label);
	if (a != NULL)
		dl_at(d, COL_A, a);
	if (b != NULL)
		dl_at(d, COL_B, b);
	return d;
}

/* "client: SYN_SENT@+0.000000 ESTABLISHED@+0.000212 ...", wrapped to the screen. */
static void dl_history(struct tt_ui *ui, const char *who, const struct tt_conn *c, int ep)
{
	const struct tt_history *h = &c->hist[ep];
	struct dline *d = dl_add(ui, A_NORMAL);
	int x, width = COLS < DETAIL_WIDTH ? COLS : DETAIL_WIDTH - 1;
	char head[16];

	snprintf(head, sizeof(head), "%s:", who);
	dl_at(d, 0, head);
	x = (int)strlen(head);
	if (h->n == 0)
		dl_at(d, x, " (no state change seen)");
	for (int i = 0; i < h->n; i++) {
		const char *name = tt_tcp_state_name(tt_history_state(h, i));
		char rel[40], item[64];
		int len;
		tt_format_time(rel, sizeof(rel), tt_ns_sub(tt_conn_hist_ts(c, ep, i), c->rt.first));
		len = snprintf(item, sizeof(item), "%s@+%s", name, rel);
		if (x + 1 + len > width && x > 8) {
			d = dl_add(ui, A_NORMAL);
			x = 7;
		}
		if (i == h->n - 1 && h->truncated && x + 5 + len <= width) {
			dl_at(d, x + 1, "...");
			x += 4;
		}
		dl_span(d, x + 1, item, (int)strlen(name), (int)tt_history_state(h, i));
		x += 1 + len;
	}
}

static void fmt_u64(char *b, size_t n, uint64_t v)
{
	snprintf(b, n, "%llu", (unsigned long long)v);
}

static void fmt_window(char *b, size_t n, const struct tt_dir *d)
{
	if (!d->has_win) {
		snprintf(b, n, "-");
		return;
	}
	snprintf(b, n, "%u/%u/%u", d->win_min, d->win_max, d->win_last);
}

static void fmt_scale(char *b, size_t n, const struct tt_dir *d)
{
	char sent[24];

	if (d->has_wscale)
		snprintf(sent, sizeof(sent), "sent %u", d->wscale);
	else
		snprintf(sent, sizeof(sent), "none sent");
	if (d->scale_known)
		snprintf(b, n, "shift %u (%s)", d->shift, sent);
	else
		snprintf(b, n, "unknown (%s)", sent);
}

static void fmt_rtt(char *b, size_t n, const struct tt_rtt_stats *r)
{
	char lo[24], avg[24], hi[24];

	if (r->samples == 0) {
		snprintf(b, n, "-");
		return;
	}
	tt_format_ms(lo, sizeof(lo), r->min);
	tt_format_ms(avg, sizeof(avg), r->sum / (tt_time_ns)r->samples);
	tt_format_ms(hi, sizeof(hi), r->max);
	snprintf(b, n, "%s/%s/%s (%u)", lo, avg, hi, r->samples);
}

static void fmt_zw(char *b, size_t n, const struct tt_dir *d)
{
	char total[24], longest[24];

	tt_format_ms(total, sizeof(total), tt_dir_x(d)->zw_total);
	tt_format_ms(longest, sizeof(longest), tt_dir_x(d)->zw_max);
	snprintf(b, n, "%s (longest %s)%s", total, longest, d->in_zero_window ? ", now" : "");
}

static void dl_ladder(struct tt_ui *ui);

static void build_detail(struct tt_ui *ui)
{
	const struct tt_conn *c = &ui->detail.conn;
	const struct tt_dir *cs = &c->dir[TT_CLIENT], *sc = &c->dir[TT_SERVER];
	char a[128], b[128], line[DETAIL_WIDTH];
	const char *names[6];
	const struct tt_ui_row *r = tt_ui_model_find(&ui->m, ui->detail_id);
	bool over = r != NULL && r->over;
	int n;

	ui->ndl = 0;
	if (!ui->have_detail) {
		dl_at(dl_add(ui, A_DIM), 0, "(waiting for the next refresh)");
		return;
	}
	dl_history(ui, "client", c, TT_CLIENT);
	dl_history(ui, "server", c, TT_SERVER);
	{
		char t[48];
		tt_format_utc(t, sizeof(t), c->rt.first);
		snprintf(line, sizeof(line), "(seconds after the first packet, %s)", t);
	}
	dl_at(dl_add(ui, A_DIM), 7, line);
	dl_add(ui, A_NORMAL);

	{
		struct dline *d = dl_kv(ui, "state now", NULL, NULL);
		const char *cn = tt_tcp_state_name((enum tt_tcp_state)c->state[TT_CLIENT]);
		const char *sn = tt_tcp_state_name((enum tt_tcp_state)c->state[TT_SERVER]);
		dl_at(d, COL_A, "client");
		dl_span(d, COL_A + 7, cn, (int)strlen(cn), c->state[TT_CLIENT]);
		dl_at(d, COL_B, "server");
		dl_span(d, COL_B + 7, sn, (int)strlen(sn), c->state[TT_SERVER]);
		if (ui->detail_gone)
			dl_at(d, COL_B + 8 + (int)strlen(sn), " (no longer listed)");
		else if (over)
			dl_at(d, COL_B + 8 + (int)strlen(sn), " (over)");
	}
	{
		char age[16], idle[16];
		tt_ui_fmt_dur(age, sizeof(age), tt_ns_sub(over ? r->over_at : ui->m.now, c->rt.first));
		tt_ui_fmt_dur(idle, sizeof(idle), ui->m.now - tt_conn_last(c));
		snprintf(line, sizeof(line), "age %s, idle %s, %s", age, idle,
		         c->ip_version == 6 ? "IPv6" : "IPv4");
		if (c->incarnation > 1)
			snprintf(line + strlen(line), sizeof(line) - strlen(line),
			         ", incarnation %u of its 4-tuple", c->incarnation);
		dl_kv(ui, "time", line, NULL);
	}
	{
		const char *cb = tt_conn_closed_by(c), *rb = tt_conn_reset_by(c);
		snprintf(line, sizeof(line), "%s", tt_outcome_name(tt_conn_outcome(c)));
		if (cb != NULL)
			snprintf(line + strlen(line), sizeof(line) - strlen(line), ", closed by %s", cb);
		if (rb != NULL)
			snprintf(line + strlen(line), sizeof(line) - strlen(line), ", reset by %s", rb);
		if (c->port_reuse)
			snprintf(line + strlen(line), sizeof(line) - strlen(line), ", port reuse");
		dl_kv(ui, "outcome", line, NULL);
	}
	snprintf(line, sizeof(line), "%s, client chosen by %s",
	         tt_handshake_name((enum tt_handshake)c->handshake),
	         tt_client_reason_name((enum tt_client_reason)c->client_reason));
	dl_kv(ui, "handshake", line, NULL);
	if (c->has_rtt_server || c->has_rtt_client) {
		char sv[24] = "-", cl[24] = "-";
		if (c->has_rtt_server)
			tt_format_ms(sv, sizeof(sv), tt_conn_rtt_side(c, TT_SERVER));
		if (c->has_rtt_client)
			tt_format_ms(cl, sizeof(cl), tt_conn_rtt_side(c, TT_CLIENT));
		snprintf(line, sizeof(line), "server side %s ms, client side %s ms", sv, cl);
		dl_kv(ui, "handshake RTT", line, NULL);
	} else {
		dl_kv(ui, "handshake RTT", "unknown", NULL);
	}
	n = tt_conn_inferred(c, names);
	line[0] = '\0';
	for (int i = 0; i < n; i++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line), "%s%s", i ? ", " : "",
		         names[i]);
	dl_kv(ui, "inferred", n > 0 ? line : "nothing", NULL);
	if (c->icmp_type != 0 || c->unreachable) {
		snprintf(line, sizeof(line), "type %u code %u", c->icmp_type, c->icmp_code);
		dl_kv(ui, "last ICMP error", line, NULL);
	}
	if (c->strays > 0) {
		snprintf(line, sizeof(line), "%u", c->strays);
		dl_kv(ui, "strays after the end", line, NULL);
	}

	dl_add(ui, A_NORMAL);
	dl_kv(ui, "", "CLIENT > SERVER", "SERVER > CLIENT")->attr = A_BOLD;
#define PAIR_U64(label, field)                                                                    \
	do {                                                                                          \
		fmt_u64(a, sizeof(a), tt_dir_##field(cs));                                            \
		fmt_u64(b, sizeof(b), tt_dir_##field(sc));                                            \
		dl_kv(ui, label, a, b);                                                               \
	} while (0)
	PAIR_U64("packets", packets);
	PAIR_U64("payload bytes", payload_bytes);
	PAIR_U64("unique bytes", unique_bytes);
	PAIR_U64("bytes acked of peer", bytes_acked);
	PAIR_U64("in flight, max", bytes_in_flight_max);
	snprintf(a, sizeof(a), "%" PRIu64 "/%" PRIu64 "/%" PRIu64, tt_dir_syns(cs), tt_dir_fins(cs),
	         tt_dir_rsts(cs));
	snprintf(b, sizeof(b), "%" PRIu64 "/%" PRIu64 "/%" PRIu64, tt_dir_syns(sc), tt_dir_fins(sc),
	         tt_dir_rsts(sc));
	dl_kv(ui, "SYN/FIN/RST", a, b);
	snprintf(a, sizeof(a), cs->has_mss ? "%u" : "-", cs->mss);
	snprintf(b, sizeof(b), sc->has_mss ? "%u" : "-", sc->mss);
	dl_kv(ui, "MSS", a, b);
	fmt_window(a, sizeof(a), cs);
	fmt_window(b, sizeof(b), sc);
	dl_kv(ui, "window min/max/last", a, b);
	fmt_scale(a, sizeof(a), cs);
	fmt_scale(b, sizeof(b), sc);
	dl_kv(ui, "window scale", a, b);
	snprintf(a, sizeof(a), cs->has_win ? "%u" : "-", cs->win_last_raw);
	snprintf(b, sizeof(b), sc->has_win ? "%u" : "-", sc->win_last_raw);
	dl_kv(ui, "last window, raw", a, b);
	fmt_zw(a, sizeof(a), cs);
	fmt_zw(b, sizeof(b), sc);
	dl_kv(ui, "zero window ms", a, b);
	{
		struct tt_rtt_stats ra = tt_conn_rtt(c, TT_CLIENT), rb = tt_conn_rtt(c, TT_SERVER);
		fmt_rtt(a, sizeof(a), &ra);
		fmt_rtt(b, sizeof(b), &rb);
	}
	dl_kv(ui, "RTT ms min/avg/max", a, b);
	if (tt_conn_rtt_side(c, TT_CLIENT) > 0)
		tt_format_ms(a, sizeof(a), tt_conn_rtt_side(c, TT_CLIENT));
	else
		snprintf(a, sizeof(a), "-");
	if (tt_conn_rtt_side(c, TT_SERVER) > 0)
		tt_format_ms(b, sizeof(b), tt_conn_rtt_side(c, TT_SERVER));
	else
		snprintf(b, sizeof(b), "-");
	dl_kv(ui, "path RTT ms", a, b);
	fmt_u64(a, sizeof(a), tt_dir_count(cs, TT_DIR_ICMP));
	fmt_u64(b, sizeof(b), tt_dir_count(sc, TT_DIR_ICMP));
	dl_kv(ui, "icmp_errors", a, b);
#undef PAIR_U64
	for (int i = 0; i < TT_AN_COUNT; i++) {
		enum tt_anomaly an = tt_report_counters[i].an;
		fmt_u64(a, sizeof(a), tt_dir_count(cs, an));
		fmt_u64(b, sizeof(b), tt_dir_count(sc, an));
		dl_kv(ui, tt_report_counters[i].name, a, b);
	}
	dl_ladder(ui);
	/* Trim the padding. */
	for (int i = 0; i < ui->ndl; i++) {
		char *s = ui->dl[i].s;
		size_t len = sizeof(ui->dl[i].s) - 1;
		s[len] = '\0';
		while (len > 0 && s[len - 1] == ' ')
			s[--len] = '\0';
	}
}

static int detail_height(void)
{
	int h = LINES - 2;
	return h > 0 ? h : 0;
}

static void draw_detail(struct tt_ui *ui)
{
	static const char *const keys[] = {"Esc", "back", "Up/Down PgUp/PgDn", "scroll", "p",
	                                   "pause", "h", "help", NULL};
	char buf[256];
	int h = detail_height(), maxscroll, n;

	build_detail(ui);
	maxscroll = ui->ndl - h;
	if (ui->dscroll > maxscroll)
		ui->dscroll = maxscroll;
	if (ui->dscroll < 0)
		ui->dscroll = 0;
	n = snprintf(buf, sizeof(buf), "connection %llu: ", (unsigned long long)ui->detail_id);
	if (ui->have_detail) {
		const struct tt_conn *c = &ui->detail.conn;
		char x[TT_UI_EP_SIZE], y[TT_UI_EP_SIZE];
		tt_format_endpoint(x, sizeof(x), c->ip_version, tt_conn_addr(c, 0), tt_conn_port(c, 0));
		tt_format_endpoint(y, sizeof(y), c->ip_version, tt_conn_addr(c, 1), tt_conn_port(c, 1));
		snprintf(buf + n, sizeof(buf) - (size_t)n, "%s > %s", x, y);
	}
	put(0, 0, -1, buf, A_BOLD);
	if (ui->paused)
		put(0, COLS - 8, -1, "[paused]", A_BOLD | A_REVERSE);
	for (int i = 0; i < h && ui->dscroll + i < ui->ndl; i++) {
		const struct dline *d = &ui->dl[ui->dscroll + i];
		int y = 1 + i, len = (int)strlen(d->s);
		put(y, 0, -1, d->s, d->attr);
		for (int k = 0; k < d->nspan; k++) {
			int x = d->span[k].x;
			if (x < len && d->span[k].len > 0) {
				char s[32];
				snprintf(s, sizeof(s), "%.*s", d->span[k].len, d->s + x);
				put(y, x, -1, s, d->attr | state_attr(ui, d->span[k].state));
			}
		}
	}
	if (ui->ndl > h && h > 0) {
		snprintf(buf, sizeof(buf), "[%d-%d of %d]", ui->dscroll + 1,
		         ui->dscroll + h < ui->ndl ? ui->dscroll + h : ui->ndl, ui->ndl);
		put(0, COLS - (int)strlen(buf) - (ui->paused ? 9 : 0), -1, buf, A_DIM);
	}
	draw_footer(ui, keys);
}

/* ---- help ----------------------------------------------------------------------------------- */

static void draw_help(struct tt_ui *ui)
{
	static const char *const lines[] = {
		"Keys",
		"  q              quit (in the details or this help: back to the list)",
		"  h ?            this help",
		"  p              pause the display (tracking goes on); again to resume",
		"  s              next sort field: rate, bytes, age, idle, state, retransmissions",
		"  1 2 3 4 5 6    sort by rate, bytes, age, idle, state, retransmissions",
		"  r              reverse the order (v largest first, ^ reversed)",
		"  /              filter; Enter applies, Esc cancels, empty shows everything.",
		"                 Words that must all match: a state (CLOSE_WAIT, state:estab),",
		"                 a port (:443, port:443), or part of an address:port",
		"  Up Down j k    move the selection;  PgUp PgDn  a page;  Home End  first, last",
		"  Enter          details of the selected connection (Esc, Enter or q: back)",
		"  Ctrl-L         redraw the screen",
		"",
		"Columns: client and server address:port; C-STATE and S-STATE, each endpoint's",
		"RFC 793 state; AGE since the first packet, IDLE since the last; payload BYTES>",
		"client to server and BYTES< back; RATE both ways per second; RETX",
		"retransmissions both ways; WIN> and WIN< the window the client and the server",
		"last advertised (? when its scale is unknown).  K, M, G: powers of 1024.",
		"Dimmed rows are over (CLOSED or TIME_WAIT): they stay while in TIME_WAIT,",
		"then --linger seconds.",
		NULL,
	};
	static const char *const keys[] = {"any key", "back", NULL};

	for (int i = 0; lines[i] != NULL && i < LINES - 1; i++)
		put(i, 0, -1, lines[i], i == 0 ? A_BOLD : A_NORMAL);
	draw_footer(ui, keys);
}

/* ---- screen --------------------------------------------------------------------------------- */

static void draw(struct tt_ui *ui)
{
	set_attr(A_NORMAL);
	erase();
	if (ui->mode == MODE_DETAIL)
		draw_detail(ui);
	else if (ui->mode == MODE_HELP)
		draw_help(ui);
	else
		draw_list(ui);
	set_attr(A_NORMAL);
	refresh();
}

/* The terminal changed size and no key told us yet (SIGWINCH only interrupts poll()). */
static void check_size(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0 &&
	    (ws.ws_row != LINES || ws.ws_col != COLS))
		resizeterm(ws.ws_row, ws.ws_col);
}

/* ---- events --------------------------------------------------------------------------------- */

static void apply(struct tt_ui *ui, enum qkind kind, uint64_t id, const struct tt_conn *c,
                  tt_time_ns ts)
{
	if (kind == Q_EVICT) {
		tt_ui_model_evicted(&ui->m, id);
		return;
	}
	tt_ui_model_over(&ui->m, c, ts);
	if (ui->mode != MODE_LIST && c->id == ui->detail_id && !c->remnant) {
		tt_conn_copy(&ui->detail, c);
		ui->have_detail = true;
	}
}

static void queue_push(struct tt_ui *ui, enum qkind kind, const struct tt_event *ev)
{
	struct qent *e;

	if (ui->qn == ui->qcap) {
		if (ui->qcap < MAX_QUEUE) {
			uint32_t cap = ui->qcap ? ui->qcap * 2 : 64;
			struct qent *q;
			if (cap > MAX_QUEUE)
				cap = MAX_QUEUE;
			q = malloc(sizeof(*q) * cap);
			if (q != NULL) {
				for (uint32_t i = 0; i < ui->qn; i++)
					q[i] = ui->q[(ui->qhead + i) % ui->qcap];
				free(ui->q);
				ui->q = q;
				ui->qcap = cap;
				ui->qhead = 0;
			}
		}
		if (ui->qn == ui->qcap) {
			if (ui->qcap == 0) {
				ui->qdropped++;
				return;
			}
			/* Full: the oldest goes (it would leave first anyway). */
			free(ui->q[ui->qhead].c);
			ui->qhead = (ui->qhead + 1) % ui->qcap;
			ui->qn--;
			ui->qdropped++;
		}
	}
	e = &ui->q[(ui->qhead + ui->qn) % ui->qcap];
	e->kind = (uint8_t)kind;
	e->id = ev->conn->id;
	e->ts = ev->ts;
	e->c = NULL;
	if (kind == Q_OVER) {
		e->c = malloc(sizeof(*e->c));
		if (e->c == NULL) {
			ui->qdropped++;
			return;
		}
		tt_conn_copy(e->c, ev->conn);
	}
	ui->qn++;
}

static void queue_drain(struct tt_ui *ui)
{
	while (ui->qn > 0) {
		struct qent *e = &ui->q[ui->qhead];
		apply(ui, (enum qkind)e->kind, e->id, e->c != NULL ? &e->c->conn : NULL, e->ts);
		free(e->c);
		e->c = NULL;
		ui->qhead = (ui->qhead + 1) % ui->qcap;
		ui->qn--;
	}
	ui->qhead = 0;
}

void tt_ui_event(struct tt_ui *ui, const struct tt_event *ev)
{
	const struct tt_conn *c = ev->conn;
	enum qkind kind;

	if (ui == NULL || c == NULL)
		return;
	if (ui->story_on)
		tt_stories_event(&ui->story, ev);
	if (ev->type == TT_EVT_STATE) {
		if (c->state[TT_CLIENT] != TT_TCP_CLOSED || c->state[TT_SERVER] != TT_TCP_CLOSED)
			return;
		kind = Q_OVER; /* a remnant: a row over leaves TIME_WAIT */
	} else if (ev->type == TT_EVT_CONN_END) {
		kind = c->end_reason == TT_END_EVICTED ? Q_EVICT : Q_OVER;
	} else {
		return;
	}
	if (ui->paused)
		queue_push(ui, kind, ev);
	else
		apply(ui, kind, c->id, c, ev->ts);
}

/* ---- refresh -------------------------------------------------------------------------------- */

static void on_open(const struct tt_conn *c, void *user)
{
	struct tt_ui *ui = user;

	tt_ui_model_open(&ui->m, c);
	if (ui->mode != MODE_LIST && c->id == ui->detail_id) {
		tt_conn_copy(&ui->detail, c);
		ui->have_detail = true;
	}
}

static void fetch_detail(const struct tt_conn *c, void *user)
{
	struct tt_ui *ui = user;

	if (c->id == ui->detail_id) {
		tt_conn_copy(&ui->detail, c);
		ui->have_detail = true;
	}
}

void tt_ui_refresh(struct tt_ui *ui, struct tt_tracker *tr, tt_time_ns now,
                   const struct tt_ui_counts *counts)
{
	if (ui == NULL)
		return;
	check_size();
	if (ui->paused) {
		/* Frozen; but a detail view opened meanwhile needs its record once. */
		if (ui->mode == MODE_DETAIL && !ui->have_detail && tr != NULL)
			tt_tracker_foreach_open(tr, fetch_detail, ui);
		draw(ui);
		return;
	}
	if (counts != NULL)
		ui->counts = *counts;
	tt_ui_model_begin(&ui->m, now);
	if (tr != NULL) {
		tt_tracker_foreach_open(tr, on_open, ui);
		/* Connections over, still in TIME_WAIT, count in the header too. */
		ui->m.by_state[TT_TCP_TIME_WAIT] += tt_tracker_time_wait_over(tr);
	}
	tt_ui_model_end(&ui->m);
	rebuild_view(ui);
	if (ui->detail_id != 0)
		ui->detail_gone = tt_ui_model_find(&ui->m, ui->detail_id) == NULL;
	draw(ui);
}

/* ---- the ladder in the detail view ---------------------------------------------------------- */

/* The ladder as text (ASCII: the view draws it in any locale).  @return malloc'd, or NULL. */
static char *ladder_text(const struct tt_story *st)
{
	struct tt_ladder_opts o = {.absolute = false, .unicode = false};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	tt_ladder_write(f, st, &o);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void on_story_done(const struct tt_story *st, void *user)
{
	struct tt_ui *ui = user;

	free(ui->ladder_final);
	ui->ladder_final = ladder_text(st);
}

/* Collect the segments of connection id from now on (the tracker emits them). */
static void follow(struct tt_ui *ui, uint64_t id)
{
	struct tt_story_config cfg;

	if (ui->story_on)
		tt_stories_free(&ui->story);
	free(ui->ladder_final);
	ui->ladder_final = NULL;
	memset(&cfg, 0, sizeof(cfg));
	cfg.sel.kind = TT_SEL_ID;
	cfg.sel.id = id;
	cfg.rows = true;
	cfg.max_rows = 2 * LADDER_LINES; /* drawn twice a second: keep it small */
	cfg.keep_latest = true;
	cfg.on_done = on_story_done;
	cfg.user = ui;
	tt_stories_init(&ui->story, &cfg);
	ui->story_on = true;
}

/* The ladder's latest lines at the end of the detail view. */
static void dl_ladder(struct tt_ui *ui)
{
	const struct tt_story *st = ui->story_on ? tt_stories_find(&ui->story, ui->detail_id) : NULL;
	char *text = st != NULL ? ladder_text(st) : NULL, *line, *save = NULL;
	const char *src = text != NULL ? text : ui->ladder_final;
	int total = 0, skip, i = 0;
	char *copy;

	dl_add(ui, A_NORMAL);
	dl_at(dl_add(ui, A_BOLD), 0, "ladder (segments since this view opened; tcptrack --ladder "
	                             "draws a whole capture)");
	if (src == NULL) {
		dl_at(dl_add(ui, A_DIM), 2, "(no segment yet)");
		return;
	}
	copy = strdup(src);
	free(text);
	if (copy == NULL)
		return;
	for (const char *p = copy; *p != '\0'; p++)
		total += *p == '\n';
	skip = total > LADDER_LINES ? total - LADDER_LINES : 0;
	if (skip > 0) {
		char note[64];
		snprintf(note, sizeof(note), "(%d earlier lines)", skip);
		dl_at(dl_add(ui, A_DIM), 2, note);
	}
	for (line = strtok_r(copy, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
		if (i++ >= skip || i <= 3) /* the header lines stay */
			dl_at(dl_add(ui, A_NORMAL), 0, line);
	free(copy);
}

/* ---- keys ----------------------------------------------------------------------------------- */

static void open_detail(struct tt_ui *ui)
{
	const struct tt_ui_row *r;

	if (ui->m.nview == 0)
		return;
	r = &ui->m.rows[ui->m.view[ui->sel]];
	ui->mode = MODE_DETAIL;
	ui->detail_id = r->id;
	ui->dscroll = 0;
	ui->detail_gone = false;
	ui->have_detail = r->final != NULL;
	if (r->final != NULL)
		tt_conn_copy(&ui->detail, &r->final->conn);
	/* else: an open connection; the next refresh copies it */
	follow(ui, r->id);
}

static void prompt_key(struct tt_ui *ui, int ch)
{
	switch (ch) {
	case 27: /* Esc: back to the filter before the prompt */
		ui->prompting = false;
		tt_ui_filter_set(&ui->filter, ui->saved_filter);
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
		ui->prompting = false;
		break;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (ui->prompt_len > 0)
			ui->prompt[--ui->prompt_len] = '\0';
		break;
	case 21: /* Ctrl-U */
		ui->prompt_len = 0;
		ui->prompt[0] = '\0';
		break;
	default:
		if (ch >= 32 && ch < 127 && ui->prompt_len + 1 < sizeof(ui->prompt)) {
			ui->prompt[ui->prompt_len++] = (char)ch;
			ui->prompt[ui->prompt_len] = '\0';
		}
		break;
	}
	if (ui->prompting)
		tt_ui_filter_set(&ui->filter, ui->prompt);
	ui->sel_id = 0;
	ui->sel = 0;
	rebuild_view(ui);
}

static void scroll_detail(struct tt_ui *ui, int delta, bool absolute)
{
	ui->dscroll = absolute ? delta : ui->dscroll + delta;
	if (ui->dscroll < 0)
		ui->dscroll = 0; /* the upper bound is applied when drawing */
}

/* @return true to quit. */
static bool handle_key(struct tt_ui *ui, int ch)
{
	int page = table_height() > 1 ? table_height() - 1 : 1;

	if (ch == KEY_RESIZE) {
		clamp_top(ui);
		return false;
	}
	if (ch == 12) { /* Ctrl-L */
		clearok(curscr, TRUE);
		return false;
	}
	if (ui->prompting) {
		prompt_key(ui, ch);
		return false;
	}
	if (ui->mode == MODE_HELP) {
		ui->mode = ui->back_mode;
		return false;
	}
	if (ch == 'p') {
		ui->paused = !ui->paused;
		return false;
	}
	if (ch == 'h' || ch == '?' || ch == KEY_F(1)) {
		ui->back_mode = ui->mode;
		ui->mode = MODE_HELP;
		return false;
	}
	if (ui->mode == MODE_DETAIL) {
		int dpage = detail_height() > 1 ? detail_height() - 1 : 1;
		switch (ch) {
		case 27:
		case '\n':
		case '\r':
		case KEY_ENTER:
		case 'q':
		case 'Q':
		case KEY_LEFT:
		case KEY_BACKSPACE:
		case 127:
			ui->mode = MODE_LIST;
			break;
		case KEY_UP:
		case 'k':
			scroll_detail(ui, -1, false);
			break;
		case KEY_DOWN:
		case 'j':
			scroll_detail(ui, 1, false);
			break;
		case KEY_PPAGE:
			scroll_detail(ui, -dpage, false);
			break;
		case KEY_NPAGE:
		case ' ':
			scroll_detail(ui, dpage, false);
			break;
		case KEY_HOME:
		case 'g':
			scroll_detail(ui, 0, true);
			break;
		case KEY_END:
		case 'G':
			scroll_detail(ui, DETAIL_LINES, true);
			break;
		default:
			break;
		}
		return false;
	}
	switch (ch) {
	case 'q':
	case 'Q':
		return true;
	case 's':
		ui->sort = (enum tt_ui_sort)((ui->sort + 1) % TT_UI_SORT_N);
		rebuild_view(ui);
		break;
	case 'r':
		ui->reverse = !ui->reverse;
		rebuild_view(ui);
		break;
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
		ui->sort = (enum tt_ui_sort)(ch - '1');
		rebuild_view(ui);
		break;
	case '/':
		ui->prompting = true;
		snprintf(ui->saved_filter, sizeof(ui->saved_filter), "%s", ui->filter.text);
		snprintf(ui->prompt, sizeof(ui->prompt), "%s", ui->filter.text);
		ui->prompt_len = strlen(ui->prompt);
		break;
	case KEY_UP:
	case 'k':
		move_sel(ui, -1, false);
		break;
	case KEY_DOWN:
	case 'j':
		move_sel(ui, 1, false);
		break;
	case KEY_PPAGE:
		move_sel(ui, -page, false);
		break;
	case KEY_NPAGE:
	case ' ':
		move_sel(ui, page, false);
		break;
	case KEY_HOME:
	case 'g':
		move_sel(ui, 0, true);
		break;
	case KEY_END:
	case 'G':
		move_sel(ui, (int64_t)ui->m.nview - 1, true);
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
		open_detail(ui);
		break;
	default:
		break;
	}
	return false;
}

enum tt_ui_action tt_ui_key(struct tt_ui *ui)
{
	bool was_paused, quit = false;
	int ch, n = 0;

	if (ui == NULL)
		return TT_UI_CONTINUE;
	was_paused = ui->paused;
	while (n++ < 256 && (ch = getch()) != ERR) {
		if (handle_key(ui, ch)) {
			quit = true;
			break;
		}
	}
	if (quit)
		return TT_UI_QUIT;
	if (was_paused && !ui->paused)
		queue_drain(ui);
	draw(ui);
	return ui->paused != was_paused ? TT_UI_PAUSE_TOGGLED : TT_UI_CONTINUE;
}

/* ---- open and close ------------------------------------------------------------------------- */

static void add_cap(const char *name)
{
	char *s = tigetstr((char *)name);
	size_t n;

	if (s == NULL || s == (char *)-1)
		return;
	n = strlen(s);
	if (restore_len + n < sizeof(restore_seq)) {
		memcpy(restore_seq + restore_len, s, n);
		restore_len += n;
	}
}

static char *dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

int tt_ui_open(struct tt_ui **out, const struct tt_ui_info *info, tt_time_ns linger,
               char *errbuf)
{
	struct tt_ui *ui;
	const char *nc;

	*out = NULL;
	if (!isatty(STDOUT_FILENO))
		return tt_set_err(errbuf, TT_ERR_INVAL,
		                  "the full-screen view needs a terminal: standard output is not a "
		                  "terminal (use --no-ui for event lines)");
	if (!isatty(STDIN_FILENO))
		return tt_set_err(errbuf, TT_ERR_INVAL,
		                  "the full-screen view reads keys from standard input, which is not a "
		                  "terminal (use --no-ui for event lines)");
	ui = calloc(1, sizeof(*ui));
	if (ui == NULL)
		return tt_set_err(errbuf, TT_ERR_NOMEM, "out of memory");
	ui->dl = calloc(DETAIL_LINES, sizeof(*ui->dl));
	ui->source = strdup(info != NULL && info->source != NULL ? info->source : "?");
	ui->filter_expr = info != NULL ? dup_or_null(info->filter) : NULL;
	ui->speed = info != NULL ? dup_or_null(info->speed) : NULL;
	ui->replay = info != NULL && info->replay;
	if (ui->dl == NULL || ui->source == NULL || tt_ui_model_init(&ui->m, linger) != TT_OK ||
	    (info != NULL && info->filter != NULL && ui->filter_expr == NULL) ||
	    (info != NULL && info->speed != NULL && ui->speed == NULL)) {
		tt_ui_close(&ui);
		return tt_set_err(errbuf, TT_ERR_NOMEM, "out of memory");
	}
	tt_ui_filter_set(&ui->filter, "");
	ui->marker = "~";
#ifdef TT_CURSES_WIDE
	setlocale(LC_CTYPE, "");
	{
		const char *cs = nl_langinfo(CODESET);
		if (cs != NULL && strcmp(cs, "UTF-8") == 0)
			ui->marker = "\xe2\x80\xa6"; /* U+2026 HORIZONTAL ELLIPSIS */
	}
#endif
	saved_tio_ok = tcgetattr(STDOUT_FILENO, &saved_tio) == 0;
	ui->scr = newterm(NULL, stdout, stdin);
	if (ui->scr == NULL) {
		const char *term = getenv("TERM");
		tt_ui_close(&ui);
		return tt_set_err(errbuf, TT_ERR_INVAL,
		                  "the full-screen view cannot use this terminal (TERM=%s; use --no-ui "
		                  "for event lines)",
		                  term != NULL ? term : "unset");
	}
	set_term(ui->scr);
	set_escdelay(25);
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	nc = getenv("NO_COLOR");
	if (has_colors() && (nc == NULL || nc[0] == '\0') && start_color() == OK) {
		short bg = use_default_colors() == OK ? -1 : COLOR_BLACK;
		init_pair(P_GREEN, COLOR_GREEN, bg);
		init_pair(P_YELLOW, COLOR_YELLOW, bg);
		init_pair(P_CYAN, COLOR_CYAN, bg);
		init_pair(P_RED, COLOR_RED, bg);
		init_pair(P_MAGENTA, COLOR_MAGENTA, bg);
		ui->color = true;
	}
	/* What leaving curses writes, for a fatal signal (no curses call is safe there). */
	restore_len = 0;
	add_cap("sgr0");
	add_cap("rmkx");
	add_cap("cnorm");
	add_cap("rmcup");
	if (restore_len == 0) {
		static const char fallback[] = "\033[0m\033[?25h\033[?1049l";
		memcpy(restore_seq, fallback, sizeof(fallback) - 1);
		restore_len = sizeof(fallback) - 1;
	}
	term_active = 1;
	rebuild_view(ui);
	draw(ui);
	*out = ui;
	return TT_OK;
}

void tt_ui_close(struct tt_ui **uip)
{
	struct tt_ui *ui;

	if (uip == NULL || *uip == NULL)
		return;
	ui = *uip;
	*uip = NULL;
	if (ui->scr != NULL) {
		term_active = 0;
		curs_set(1);
		endwin();
		delscreen(ui->scr);
		ui->scr = NULL;
	}
	for (uint32_t i = 0; i < ui->qn; i++)
		free(ui->q[(ui->qhead + i) % ui->qcap].c);
	free(ui->q);
	tt_ui_model_free(&ui->m);
	if (ui->story_on)
		tt_stories_free(&ui->story);
	free(ui->ladder_final);
	free(ui->dl);
	free(ui->source);
	free(ui->filter_expr);
	free(ui->speed);
	free(ui);
}

void tt_ui_emergency_restore(void)
{
	ssize_t r;

	if (!term_active)
		return;
	term_active = 0;
	r = write(STDOUT_FILENO, restore_seq, restore_len);
	(void)r;
	if (saved_tio_ok)
		tcsetattr(STDOUT_FILENO, TCSANOW, &saved_tio);
}
