/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * plot_svg.c - a connection's story as an SVG picture (see plot.h).
 * Plain SVG 1.1: lines, paths, rectangles and text, no scripts, no external
 * resources, so that xmllint validates it and any viewer draws it.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tcptrack/ladder.h"
#include "tcptrack/plot.h"
#include "tcptrack/report.h"
#include "tcptrack/tcp_state.h"

#define W 1000
#define H 600
#define ML 100 /* margins of the plot area */
#define MR 40
#define MT 70
#define MB 70

#define C_DATA "#1f5fbf"
#define C_RETX "#d62728"
#define C_ACK "#2ca02c"
#define C_WIN "#b8860b"
#define C_SACK "#9467bd"
#define C_ZW "#f4cccc"
#define C_OTHER "#ff7f0e"

int tt_plot_kind_from_name(const char *name)
{
	static const char *const names[] = {"ladder", "tseq", "window", "rtt"};

	for (int i = 0; i < 4; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

bool tt_plot_needs_rows(enum tt_plot_kind k)
{
	return k == TT_PLOT_LADDER;
}

/* Text content with XML's special characters escaped. */
static void esc(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

static void text(FILE *f, double x, double y, const char *anchor, const char *style,
                 const char *s)
{
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" %s>", x, y, anchor, style);
	esc(f, s);
	fputs("</text>\n", f);
}

static void begin(FILE *f, int w, int h, const char *title)
{
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	           "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
	           "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Arial, "
	           "sans-serif\" font-size=\"12\">\n<title>",
	        w, h, w, h);
	esc(f, title);
	fprintf(f, "</title>\n<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"white\"/>\n",
	        w, h);
	text(f, w / 2.0, 24, "middle", "font-size=\"16\" font-weight=\"bold\"", title);
}

static void conn_title(char *buf, size_t size, const struct tt_story *s, const char *what)
{
	char c[80], sv[80];

	tt_format_endpoint(c, sizeof(c), s->ip_version, s->addr[0], s->port[0]);
	tt_format_endpoint(sv, sizeof(sv), s->ip_version, s->addr[1], s->port[1]);
	snprintf(buf, size, "%s: connection %" PRIu64 ", %s > %s", what, s->id, c, sv);
}

/* ---- axes --------------------------------------------------------------- */

struct axis {
	double lo, hi;     /* data range */
	double step;       /* tick step */
	int decimals;
};

/* A tick step of 1, 2 or 5 times a power of ten, about 6 ticks over the range. */
static void nice(struct axis *a)
{
	double range = a->hi - a->lo, step = 1e-9;

	if (range <= 0) {
		a->hi = a->lo + 1;
		range = 1;
	}
	a->decimals = 9;
	while (step * 10 <= range / 6) {
		step *= 10;
		if (a->decimals > 0)
			a->decimals--;
	}
	if (step * 5 <= range / 6)
		step *= 5;
	else if (step * 2 <= range / 6)
		step *= 2;
	a->step = step;
	/* widen to whole ticks */
	{
		double k = 0;
		while ((k + 1) * step <= a->lo)
			k++;
		a->lo = k * step;
		k = a->lo / step;
		while (k * step < a->hi)
			k++;
		a->hi = k * step;
	}
}

static double map(const struct axis *a, double v, double p0, double p1)
{
	return p0 + (v - a->lo) / (a->hi - a->lo) * (p1 - p0);
}

/* 1500 -> "1.5k"; 2000000 -> "2M". */
static void si(char *buf, size_t size, double v)
{
	if (v >= 1e9)
		snprintf(buf, size, "%gG", v / 1e9);
	else if (v >= 1e6)
		snprintf(buf, size, "%gM", v / 1e6);
	else if (v >= 1e4)
		snprintf(buf, size, "%gk", v / 1e3);
	else
		snprintf(buf, size, "%g", v);
}

static void axes(FILE *f, const struct axis *x, const struct axis *y, const char *xlabel,
                 const char *ylabel)
{
	char buf[32];

	fprintf(f, "<g stroke=\"#ddd\" stroke-width=\"1\">\n");
	for (double v = x->lo; v <= x->hi + x->step / 2; v += x->step) {
		double px = map(x, v, ML, W - MR);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>\n", px, MT, px, H - MB);
	}
	for (double v = y->lo; v <= y->hi + y->step / 2; v += y->step) {
		double py = map(y, v, H - MB, MT);
		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>\n", ML, py, W - MR, py);
	}
	fputs("</g>\n", f);
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
	           "stroke=\"black\"/>\n", ML, MT, W - ML - MR, H - MT - MB);
	for (double v = x->lo; v <= x->hi + x->step / 2; v += x->step) {
		snprintf(buf, sizeof(buf), "%.*f", x->decimals, v);
		text(f, map(x, v, ML, W - MR), H - MB + 18, "middle", "", buf);
	}
	for (double v = y->lo; v <= y->hi + y->step / 2; v += y->step) {
		si(buf, sizeof(buf), v);
		text(f, ML - 6, map(y, v, H - MB, MT) + 4, "end", "", buf);
	}
	text(f, (ML + W - MR) / 2.0, H - MB + 42, "middle", "font-size=\"13\"", xlabel);
	fprintf(f, "<text x=\"20\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"13\" "
	           "transform=\"rotate(-90 20 %.1f)\">",
	        (MT + H - MB) / 2.0, (MT + H - MB) / 2.0);
	esc(f, ylabel);
	fputs("</text>\n", f);
}

struct legend_item {
	const char *color;
	const char *label;
	int shape; /* 0 line, 1 box, 2 dot */
};

static void legend(FILE *f, const struct legend_item *it, int n, double y)
{
	double x = ML;

	for (int i = 0; i < n; i++) {
		if (it[i].shape == 1)
			fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"16\" height=\"10\" fill=\"%s\"/>\n",
			        x, y - 9, it[i].color);
		else if (it[i].shape == 2)
			fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>\n", x + 8, y - 4,
			        it[i].color);
		else
			fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
			           "stroke-width=\"3\"/>\n", x, y - 4, x + 16, y - 4, it[i].color);
		text(f, x + 22, y, "start", "", it[i].label);
		x += 40 + 7.0 * (double)strlen(it[i].label);
	}
}

static void decimation_note(FILE *f, const struct tt_story *s)
{
	char buf[160], n[32];

	if (s->stride <= 1)
		return;
	tt_format_count(n, sizeof(n), s->segments);
	snprintf(buf, sizeof(buf), "decimated: 1 in %u segments drawn (%s in all), RTT samples kept",
	         s->stride, n);
	text(f, W - MR, 48, "end", "fill=\"#a00\"", buf);
}

static double secs_since(const struct tt_story *s, tt_time_ns t)
{
	return (double)tt_ns_sub(t, s->first) / 1e9;
}

/* ---- time-sequence graph ------------------------------------------------ */

/* The direction that sent the most data: the graph's subject. */
static int data_dir(const struct tt_story *s)
{
	uint64_t top[2] = {0, 0};

	for (size_t i = 0; i < s->n_points; i++)
		if (s->points[i].end > top[s->points[i].dir])
			top[s->points[i].dir] = s->points[i].end;
	return top[TT_SERVER] > top[TT_CLIENT] ? TT_SERVER : TT_CLIENT;
}

static void plot_tseq(FILE *f, const struct tt_story *s)
{
	int d = data_dir(s);
	struct axis x = {0, 0, 0, 0}, y = {0, 0, 0, 0};
	char title[256], ylabel[128];
	bool zw = false, first_ack = true;
	double zw_x = 0, lx = 0, lack = 0, lwin = 0;
	static const struct legend_item items[] = {
		{C_DATA, "data segment", 0}, {C_RETX, "retransmission", 0}, {C_ACK, "ACK", 0},
		{C_WIN, "receive window edge", 0}, {C_SACK, "SACK block", 0},
		{C_ZW, "zero window", 1}};

	for (size_t i = 0; i < s->n_points; i++) {
		const struct tt_story_point *p = &s->points[i];
		double t = secs_since(s, p->ts), top = 0;
		if (p->dir == d && p->end > p->seq)
			top = (double)p->end;
		else if (p->dir != d && (p->flags & TT_TH_ACK))
			top = (double)(p->ack + p->win);
		if (t > x.hi)
			x.hi = t;
		if (top > y.hi)
			y.hi = top;
	}
	nice(&x);
	nice(&y);
	conn_title(title, sizeof(title), s, "Time-sequence graph");
	begin(f, W, H, title);
	snprintf(ylabel, sizeof(ylabel), "%s sequence number, relative (bytes)",
	         d == TT_CLIENT ? "client" : "server");
	decimation_note(f, s);
	axes(f, &x, &y, "time since the first packet (s)", ylabel);
	/* zero-window periods, under everything */
	for (size_t i = 0; i <= s->n_points; i++) {
		const struct tt_story_point *p = i < s->n_points ? &s->points[i] : NULL;
		if (p != NULL && (p->dir == d || !(p->flags & TT_TH_ACK)))
			continue;
		double px = p != NULL ? map(&x, secs_since(s, p->ts), ML, W - MR)
		                      : map(&x, secs_since(s, s->end), ML, W - MR);
		if (p != NULL && p->win == 0 && !zw) {
			zw = true;
			zw_x = px;
		} else if ((p == NULL || p->win > 0) && zw) {
			zw = false;
			fprintf(f, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>\n",
			        zw_x, MT, px - zw_x < 1 ? 1 : px - zw_x, H - MT - MB, C_ZW);
		}
	}
	/* the ACK line and the window edge, as steps */
	fprintf(f, "<g fill=\"none\" stroke-width=\"1.2\">\n");
	for (size_t i = 0; i < s->n_points; i++) {
		const struct tt_story_point *p = &s->points[i];
		if (p->dir == d || !(p->flags & TT_TH_ACK))
			continue;
		double px = map(&x, secs_since(s, p->ts), ML, W - MR);
		double pa = map(&y, (double)p->ack, H - MB, MT);
		double pw = map(&y, (double)(p->ack + p->win), H - MB, MT);
		if (!first_ack) {
			fprintf(f, "<path stroke=\"%s\" d=\"M%.1f %.1fH%.1fV%.1f\"/>\n", C_ACK, lx, lack, px,
			        pa);
			fprintf(f, "<path stroke=\"%s\" d=\"M%.1f %.1fH%.1fV%.1f\"/>\n", C_WIN, lx, lwin, px,
			        pw);
		}
		first_ack = false;
		lx = px;
		lack = pa;
		lwin = pw;
		for (int k = 0; k < p->n_sack; k++)
			fprintf(f, "<line stroke=\"%s\" stroke-width=\"3\" x1=\"%.1f\" y1=\"%.1f\" "
			           "x2=\"%.1f\" y2=\"%.1f\"/>\n", C_SACK, px,
			        map(&y, (double)p->sack[k][0], H - MB, MT), px,
			        map(&y, (double)p->sack[k][1], H - MB, MT));
	}
	fputs("</g>\n", f);
	/* data segments as I-bars */
	fprintf(f, "<g stroke-width=\"1.5\">\n");
	for (size_t i = 0; i < s->n_points; i++) {
		const struct tt_story_point *p = &s->points[i];
		if (p->dir != d || p->end <= p->seq)
			continue;
		bool retx = (p->anomalies & TT_AN_BIT(TT_AN_RETRANSMISSION)) != 0;
		double px = map(&x, secs_since(s, p->ts), ML, W - MR);
		double y0 = map(&y, (double)p->seq, H - MB, MT);
		double y1 = map(&y, (double)p->end, H - MB, MT);
		fprintf(f, "<path stroke=\"%s\" d=\"M%.1f %.1fV%.1fM%.1f %.1fh4M%.1f %.1fh4\"/>\n",
		        retx ? C_RETX : C_DATA, px, y0, y1, px - 2, y0, px - 2, y1);
		if (retx)
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\" font-size=\"10\" "
			           "text-anchor=\"middle\">R</text>\n", px, y1 - 3, C_RETX);
	}
	fputs("</g>\n", f);
	legend(f, items, 6, H - 8);
}

/* ---- window and bytes in flight ---------------------------------------- */

static void series(FILE *f, const struct tt_story *s, const struct axis *x, const struct axis *y,
                   int dir, bool in_flight, const char *color, const char *dash)
{
	bool first = true;

	fprintf(f, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"%s d=\"", color, dash);
	for (size_t i = 0; i < s->n_points; i++) {
		const struct tt_story_point *p = &s->points[i];
		if (p->dir != dir && !in_flight)
			continue;
		double v = in_flight ? (double)p->in_flight[dir] : (double)p->win;
		double px = map(x, secs_since(s, p->ts), ML, W - MR), py = map(y, v, H - MB, MT);
		if (first)
			fprintf(f, "M%.1f %.1f", px, py);
		else
			fprintf(f, "H%.1fV%.1f", px, py);
		first = false;
	}
	fputs("\"/>\n", f);
}

static void plot_window(FILE *f, const struct tt_story *s)
{
	struct axis x = {0, 0, 0, 0}, y = {0, 0, 0, 0};
	char title[256];
	static const struct legend_item items[] = {
		{C_DATA, "client advertised window", 0}, {C_ACK, "server advertised window", 0},
		{C_RETX, "client bytes in flight", 0}, {C_SACK, "server bytes in flight", 0}};

	for (size_t i = 0; i < s->n_points; i++) {
		const struct tt_story_point *p = &s->points[i];
		double t = secs_since(s, p->ts);
		if (t > x.hi)
			x.hi = t;
		if ((double)p->win > y.hi)
			y.hi = (double)p->win;
		for (int d = 0; d < 2; d++)
			if ((double)p->in_flight[d] > y.hi)
				y.hi = (double)p->in_flight[d];
	}
	nice(&x);
	nice(&y);
	conn_title(title, sizeof(title), s, "Window and bytes in flight");
	begin(f, W, H, title);
	decimation_note(f, s);
	axes(f, &x, &y, "time since the first packet (s)", "bytes");
	series(f, s, &x, &y, TT_CLIENT, false, C_DATA, "");
	series(f, s, &x, &y, TT_SERVER, false, C_ACK, "");
	series(f, s, &x, &y, TT_CLIENT, true, C_RETX, " stroke-dasharray=\"4 2\"");
	series(f, s, &x, &y, TT_SERVER, true, C_SACK, " stroke-dasharray=\"4 2\"");
	legend(f, items, 4, H - 8);
}

/* ---- RTT samples -------------------------------------------------------- */

static void plot_rtt(FILE *f, const struct tt_story *s)
{
	struct axis x = {0, 0, 0, 0}, y = {0, 0, 0, 0};
	char title[256], buf[64];
	size_t n = 0;
	static const struct legend_item items[] = {
		{C_DATA, "client data, timed by the server's ACK", 2},
		{C_ACK, "server data, timed by the client's ACK", 2}};

	for (size_t i = 0; i < s->n_points; i++) {
		const struct tt_story_point *p = &s->points[i];
		double t = secs_since(s, p->ts);
		if (t > x.hi)
			x.hi = t;
		if (p->rtt > 0) {
			n++;
			if ((double)p->rtt / 1e6 > y.hi)
				y.hi = (double)p->rtt / 1e6;
		}
	}
	nice(&x);
	nice(&y);
	conn_title(title, sizeof(title), s, "RTT samples");
	begin(f, W, H, title);
	decimation_note(f, s);
	axes(f, &x, &y, "time since the first packet (s)", "round-trip time (ms)");
	for (size_t i = 0; i < s->n_points; i++) {
		const struct tt_story_point *p = &s->points[i];
		if (p->rtt <= 0)
			continue;
		/* the ACK's sender timed the other side's data */
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n",
		        map(&x, secs_since(s, p->ts), ML, W - MR),
		        map(&y, (double)p->rtt / 1e6, H - MB, MT), p->dir == TT_SERVER ? C_DATA : C_ACK);
	}
	snprintf(buf, sizeof(buf), "%zu sample%s", n, n == 1 ? "" : "s");
	text(f, ML, 48, "start", "", buf);
	legend(f, items, 2, H - 8);
}

/* ---- the ladder, drawn -------------------------------------------------- */

#define LX0 300 /* the client's line */
#define LX1 760 /* the server's line */
#define SLANT 14

/* Vertical room before a row: grows with the time since the previous one. */
static double gap(tt_time_ns dt)
{
	static const tt_time_ns steps[] = {100000, 1000000, 10000000, 100000000, 1000000000};
	double g = 30;

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (dt >= steps[i])
			g += 9;
	return g;
}

/* A picture stays renderable (rsvg-convert stops at 32767 pixels): beyond
 * 2 * DRAW_HALF rows, the first and last DRAW_HALF are drawn. */
#define DRAW_HALF 200

static bool undrawn(const struct tt_story *s, size_t i)
{
	return s->n_rows > 2 * DRAW_HALF && i >= DRAW_HALF && i < s->n_rows - DRAW_HALF;
}

static void plot_ladder(FILE *f, const struct tt_story *s, bool absolute)
{
	char title[256], label[256], notes[256], t[32], ep[80];
	double y = 110, *ys;
	int h;
	static const struct legend_item items[] = {
		{"#000", "segment", 0}, {C_RETX, "retransmission or loss", 0},
		{C_OTHER, "other anomaly", 0}, {"#888", "after the end", 0}};

	/* Row positions first: the height depends on them. */
	ys = malloc((s->n_rows + 1) * sizeof(*ys));
	if (ys == NULL) {
		begin(f, W, H, "out of memory: no ladder");
		return;
	}
	for (size_t i = 0; i < s->n_rows; i++) {
		const struct tt_story_row *r = &s->rows[i];
		tt_time_ns dt = i == 0 ? 0 : r->ts - s->rows[i - 1].ts;
		if (undrawn(s, i)) {
			if (i == DRAW_HALF)
				y += 50;
			ys[i] = y;
			continue;
		}
		if (i > 0 && s->rows[i - 1].kind == TT_ROW_FOLD)
			dt = r->ts - s->rows[i - 1].ts_last;
		y += i == 0 ? 0 : gap(dt) + (r->anomalies != 0 || r->stray ? 10 : 0);
		ys[i] = y;
	}
	h = (int)y + 110;
	conn_title(title, sizeof(title), s, "Ladder diagram");
	begin(f, W, h, title);
	for (int i = 0; i < 2; i++) {
		double lx = i == 0 ? LX0 : LX1;
		tt_format_endpoint(ep, sizeof(ep), s->ip_version, s->addr[i], s->port[i]);
		text(f, lx, 52, "middle", "font-weight=\"bold\"", i == 0 ? "client" : "server");
		text(f, lx, 68, "middle", "", ep);
		fprintf(f, "<line x1=\"%d\" y1=\"76\" x2=\"%d\" y2=\"%d\" stroke=\"black\" "
		           "stroke-width=\"2\"/>\n", (int)lx, (int)lx, h - 60);
		text(f, i == 0 ? lx - 8 : lx + 8, 92, i == 0 ? "end" : "start",
		     "font-weight=\"bold\" fill=\"#555\"",
		     tt_tcp_state_name((enum tt_tcp_state)tt_story_initial_state(s, i)));
	}
	text(f, 20, 92, "start", "fill=\"#555\"", "time (s)");
	fputs("<defs>", f);
	for (int i = 0; i < 4; i++)
		fprintf(f, "<marker id=\"head%d\" markerWidth=\"10\" markerHeight=\"8\" refX=\"9\" "
		           "refY=\"4\" orient=\"auto\" markerUnits=\"userSpaceOnUse\"><path "
		           "d=\"M0 0L10 4L0 8z\" fill=\"%s\"/></marker>",
		        i, items[i].color);
	fputs("</defs>\n", f);
	for (size_t i = 0; i < s->n_rows; i++) {
		const struct tt_story_row *r = &s->rows[i];
		double ry = ys[i];
		if (undrawn(s, i)) {
			if (i == DRAW_HALF) {
				char n[32], buf[160];
				tt_format_count(n, sizeof(n), s->n_rows - 2 * DRAW_HALF);
				snprintf(buf, sizeof(buf), "\u2026 %s rows not drawn: tcptrack --ladder shows them "
				         "\u2026", n);
				text(f, (LX0 + LX1) / 2.0, ry - 20, "middle", "font-style=\"italic\" fill=\"#a00\"",
				     buf);
			}
			continue;
		}
		tt_format_secs(t, sizeof(t), tt_ns_sub(r->ts, s->first));
		text(f, 20, ry + 4, "start", "font-family=\"monospace\" fill=\"#555\"", t);
		if (r->kind == TT_ROW_FOLD) {
			char n[32], b[32], buf[128];
			tt_format_count(n, sizeof(n), r->fold_segments);
			tt_format_bytes(b, sizeof(b), r->fold_bytes);
			snprintf(buf, sizeof(buf), "\u2026 %s segments, %s \u2026", n, b);
			fprintf(f, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"18\" fill=\"#eee\"/>\n",
			        LX0 + 2, ry - 12, LX1 - LX0 - 4);
			text(f, (LX0 + LX1) / 2.0, ry + 2, "middle", "font-style=\"italic\"", buf);
			continue;
		}
		if (r->kind == TT_ROW_SEGMENT) {
			bool bad = (r->anomalies & (TT_AN_BIT(TT_AN_RETRANSMISSION) |
			                            TT_AN_BIT(TT_AN_LOST_SEGMENT))) != 0;
			int kind = r->stray ? 3 : bad ? 1 : r->anomalies != 0 ? 2 : 0;
			const char *color = items[kind].color;
			double x0 = r->dir == TT_CLIENT ? LX0 : LX1, x1 = r->dir == TT_CLIENT ? LX1 : LX0;
			fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
			           "stroke-width=\"1.5\" marker-end=\"url(#head%d)\"/>\n",
			        x0, ry - SLANT / 2.0, x1 + (r->dir == TT_CLIENT ? -2 : 2), ry + SLANT / 2.0,
			        color, kind);
			tt_story_label(label, sizeof(label), r, absolute);
			/* label above the middle of the arrow */
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
			           "font-family=\"monospace\" font-size=\"11\" fill=\"%s\">",
			        (LX0 + LX1) / 2.0, ry - 4, color);
			esc(f, label);
			fputs("</text>\n", f);
		}
		tt_story_notes(notes, sizeof(notes), r);
		if (r->kind == TT_ROW_ICMP)
			snprintf(notes, sizeof(notes), "ICMP error type %u code %u", r->icmp_type,
			         r->icmp_code);
		else if (r->kind == TT_ROW_TIMER)
			snprintf(notes, sizeof(notes), r->tw_expired ? "no segment: 2MSL expired"
			                                              : "no segment of this connection");
		if (notes[0] != '\0')
			text(f, (LX0 + LX1) / 2.0, ry + 16, "middle",
			     "font-size=\"11\" font-style=\"italic\" fill=\"" C_RETX "\"", notes);
		for (int e = 0; e < 2; e++) {
			if (r->to[e] == TT_NO_STATE)
				continue;
			double sx = e == 0 ? LX0 - 8 : LX1 + 8, sy = ry + (r->dir == e ? -2 : SLANT / 2.0 + 4);
			const char *anchor = e == 0 ? "end" : "start";
			text(f, sx, sy, anchor, "font-weight=\"bold\" fill=\"#1f5fbf\"",
			     tt_tcp_state_name((enum tt_tcp_state)r->to[e]));
			if (r->to[e] == TT_TCP_TIME_WAIT && r->tw_until != 0) {
				char u[32], st[64];
				tt_format_secs(u, sizeof(u), tt_ns_sub(r->tw_until, s->first));
				snprintf(st, sizeof(st), "2MSL until %s s", u);
				text(f, sx, sy + 12, anchor, "font-size=\"10\" fill=\"#1f5fbf\"", st);
			}
		}
	}
	if (s->ended) {
		char buf[160];
		tt_story_end_line(buf, sizeof(buf), s);
		text(f, (LX0 + LX1) / 2.0, h - 40, "middle", "", buf);
	}
	legend(f, items, 4, h - 10);
	free(ys);
}

void tt_plot_svg(FILE *f, const struct tt_story *s, enum tt_plot_kind k, bool absolute)
{
	switch (k) {
	case TT_PLOT_LADDER:
		plot_ladder(f, s, absolute);
		break;
	case TT_PLOT_TSEQ:
		plot_tseq(f, s);
		break;
	case TT_PLOT_WINDOW:
		plot_window(f, s);
		break;
	case TT_PLOT_RTT:
		plot_rtt(f, s);
		break;
	}
	fputs("</svg>\n", f);
}
