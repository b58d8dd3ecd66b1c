/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report_ladder.c - the ladder (sequence) diagram as text, in the notation
 * of the seeds' figures: client on the left, server on the right, one arrow
 * per segment, each endpoint's new state at its side.
 */
#include <inttypes.h>
#include <string.h>

#include "tcptrack/ladder.h"
#include "tcptrack/report.h"
#include "tcptrack/tcp_state.h"

#define STATE_W 11   /* "ESTABLISHED" */
#define ARROW_MIN 44
#define ARROW_MAX 96
#define LABEL_MAX 256

struct glyphs {
	const char *line, *dash, *right, *left, *fold, *ellipsis;
};

static const struct glyphs ascii = {"|", "-", ">", "<", ":", "..."};
static const struct glyphs utf8 = {"\u2502", "\u2500", "\u25b6", "\u25c0", "\u250a", "\u2026"};

void tt_format_count(char *buf, size_t size, uint64_t n)
{
	char digits[32];
	size_t len, k = 0;

	snprintf(digits, sizeof(digits), "%" PRIu64, n);
	len = strlen(digits);
	for (size_t i = 0; i < len && k + 2 < size; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			buf[k++] = ' ';
		buf[k++] = digits[i];
	}
	buf[k] = '\0';
}

void tt_format_bytes(char *buf, size_t size, uint64_t b)
{
	if (b < 1000)
		snprintf(buf, size, "%" PRIu64 " byte%s", b, b == 1 ? "" : "s");
	else if (b < 1000000)
		snprintf(buf, size, "%.1f kB", (double)b / 1e3);
	else if (b < 1000000000)
		snprintf(buf, size, "%.1f MB", (double)b / 1e6);
	else
		snprintf(buf, size, "%.1f GB", (double)b / 1e9);
}

void tt_format_secs(char *buf, size_t size, tt_time_ns d)
{
	const char *sign = d < 0 ? "-" : "";

	if (d < 0)
		d = -d;
	snprintf(buf, size, "%s%" PRId64 ".%06" PRId64, sign, d / TT_NS_PER_SEC,
	         (d % TT_NS_PER_SEC) / 1000);
}

/* Seconds since the connection's first packet. */
static void rel_time(char *buf, size_t size, tt_time_ns t, tt_time_ns first)
{
	tt_format_secs(buf, size, t - first);
}

static void repeat(FILE *f, const char *s, int n)
{
	for (int i = 0; i < n; i++)
		fputs(s, f);
}

static const char *state_or_blank(uint8_t st)
{
	return st == TT_NO_STATE ? "" : tt_tcp_state_name((enum tt_tcp_state)st);
}

struct layout {
	const struct glyphs *g;
	int left_w;     /* the client's state column */
	int arrow_w;    /* between the two lines */
	bool absolute;
};

static void row_start(FILE *f, const struct layout *L, const char *time, const char *lstate,
                      const char *line)
{
	fprintf(f, "%10s  %*s %s", time, L->left_w, lstate, line);
}

static void row_end(FILE *f, const struct layout *L, const char *line, const char *rstate,
                    const char *notes)
{
	(void)L;
	fputs(line, f);
	/* no trailing blanks */
	if (notes[0] != '\0')
		fprintf(f, " %-*s  %s", STATE_W, rstate, notes);
	else if (rstate[0] != '\0')
		fprintf(f, " %s", rstate);
	fputc('\n', f);
}

static void write_segment(FILE *f, const struct layout *L, const struct tt_story *s,
                          const struct tt_story_row *r)
{
	char t[32], label[LABEL_MAX], notes[256], tw[64] = "";
	int len = tt_story_label(label, sizeof(label), r, L->absolute);
	int fill = L->arrow_w - len - 6;

	tt_story_notes(notes, sizeof(notes), r);
	if (r->tw_until != 0) {
		char u[32];
		rel_time(u, sizeof(u), r->tw_until, s->first);
		snprintf(tw, sizeof(tw), "%s2MSL until %s", notes[0] != '\0' ? "; " : "", u);
		strncat(notes, tw, sizeof(notes) - strlen(notes) - 1);
	}
	if (fill < 1)
		fill = 1;
	rel_time(t, sizeof(t), r->ts, s->first);
	row_start(f, L, t, state_or_blank(r->to[0]), L->g->line);
	if (r->dir == TT_CLIENT) {
		repeat(f, L->g->dash, 3);
		fprintf(f, " %s ", label);
		repeat(f, L->g->dash, fill);
		fputs(L->g->right, f);
	} else {
		fputs(L->g->left, f);
		repeat(f, L->g->dash, 2);
		fprintf(f, " %s ", label);
		repeat(f, L->g->dash, fill + 1);
	}
	row_end(f, L, L->g->line, state_or_blank(r->to[1]), notes);
}

static void write_middle(FILE *f, const struct layout *L, const char *text, int text_cols)
{
	int pad = (L->arrow_w - text_cols) / 2;

	if (pad < 1)
		pad = 1;
	fprintf(f, "%*s%s", pad, "", text);
	if (L->arrow_w - pad - text_cols > 0)
		fprintf(f, "%*s", L->arrow_w - pad - text_cols, "");
}

static void write_fold(FILE *f, const struct layout *L, const struct tt_story *s,
                       const struct tt_story_row *r)
{
	char t[32], n[32], b[32], d[32], text[160];
	int cols;

	rel_time(t, sizeof(t), r->ts, s->first);
	tt_format_count(n, sizeof(n), r->fold_segments);
	tt_format_bytes(b, sizeof(b), r->fold_bytes);
	rel_time(d, sizeof(d), r->ts_last, r->ts);
	snprintf(text, sizeof(text), "%s %s segment%s, %s in %s s %s", L->g->ellipsis, n,
	         r->fold_segments == 1 ? "" : "s", b, d, L->g->ellipsis);
	/* the ellipsis is one column wide in UTF-8 */
	cols = (int)strlen(text) - (L->g == &utf8 ? 4 : 0);
	row_start(f, L, t, "", L->g->fold);
	write_middle(f, L, text, cols);
	row_end(f, L, L->g->fold, "", "");
}

static void write_event_row(FILE *f, const struct layout *L, const struct tt_story *s,
                            const struct tt_story_row *r)
{
	char t[32], notes[128];

	rel_time(t, sizeof(t), r->ts, s->first);
	if (r->kind == TT_ROW_ICMP)
		snprintf(notes, sizeof(notes), "ICMP error type %u code %u about the %s's segment",
		         r->icmp_type, r->icmp_code, r->dir == TT_CLIENT ? "client" : "server");
	else if (r->tw_expired)
		snprintf(notes, sizeof(notes), "no segment: 2MSL expired");
	else
		snprintf(notes, sizeof(notes), "no segment of this connection");
	row_start(f, L, t, state_or_blank(r->to[0]), L->g->line);
	fprintf(f, "%*s", L->arrow_w, "");
	row_end(f, L, L->g->line, state_or_blank(r->to[1]), notes);
}

void tt_ladder_write(FILE *f, const struct tt_story *s, const struct tt_ladder_opts *o)
{
	struct layout L;
	char ep[2][80], head[2][96], label[LABEL_MAX];
	int maxlab = 0;

	L.g = o->unicode ? &utf8 : &ascii;
	L.absolute = o->absolute;
	for (int i = 0; i < 2; i++) {
		tt_format_endpoint(ep[i], sizeof(ep[i]), s->ip_version, s->addr[i], s->port[i]);
		snprintf(head[i], sizeof(head[i]), "%s %s", i == 0 ? "client" : "server", ep[i]);
	}
	for (size_t i = 0; i < s->n_rows; i++) {
		if (s->rows[i].kind != TT_ROW_SEGMENT)
			continue;
		int len = tt_story_label(label, sizeof(label), &s->rows[i], o->absolute);
		if (len > maxlab)
			maxlab = len;
	}
	L.arrow_w = maxlab + 8;
	if (L.arrow_w < ARROW_MIN)
		L.arrow_w = ARROW_MIN;
	if (L.arrow_w > ARROW_MAX)
		L.arrow_w = ARROW_MAX;
	L.left_w = (int)strlen(head[0]) > STATE_W ? (int)strlen(head[0]) : STATE_W;

	fprintf(f, "connection %" PRIu64 ": %s > %s, %s sequence numbers%s\n", s->id, ep[0], ep[1],
	        o->absolute ? "absolute" : "relative",
	        s->midstream ? "; no handshake seen: picked up mid-stream" : "");
	row_start(f, &L, "time (s)", head[0], L.g->line);
	fprintf(f, "%*s", L.arrow_w, "");
	row_end(f, &L, L.g->line, head[1], "");
	row_start(f, &L, "", tt_tcp_state_name((enum tt_tcp_state)tt_story_initial_state(s, 0)), L.g->line);
	fprintf(f, "%*s", L.arrow_w, "");
	row_end(f, &L, L.g->line, tt_tcp_state_name((enum tt_tcp_state)tt_story_initial_state(s, 1)), "");
	if (s->rows_dropped > 0)
		fprintf(f, "  (%" PRIu64 " earlier rows are not kept)\n", s->rows_dropped);
	for (size_t i = 0; i < s->n_rows; i++) {
		const struct tt_story_row *r = &s->rows[i];
		if (r->kind == TT_ROW_SEGMENT)
			write_segment(f, &L, s, r);
		else if (r->kind == TT_ROW_FOLD)
			write_fold(f, &L, s, r);
		else
			write_event_row(f, &L, s, r);
	}
	if (s->rows_capped)
		fprintf(f, "  (the row limit was reached: later segments are folded)\n");
	if (s->ended) {
		char end[160];
		tt_story_end_line(end, sizeof(end), s);
		fprintf(f, "  %s; client %s, server %s\n", end,
		        tt_tcp_state_name((enum tt_tcp_state)s->final_state[0]),
		        tt_tcp_state_name((enum tt_tcp_state)s->final_state[1]));
	}
}
