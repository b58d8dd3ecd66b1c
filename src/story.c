/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * story.c - selected connections, segment by segment (see story.h): the
 * rows of the ladder with ordinary runs folded, the state transitions, and
 * decimated plot samples, all bounded.
 */
#include "tcptrack/story.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcptrack/analysis.h"
#include "tcptrack/tcp_state.h"

/* ---- selectors ---------------------------------------------------------- */

static bool all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static bool parse_port(const char *s, uint16_t *port)
{
	unsigned long v = 0;

	if (!all_digits(s) || strlen(s) > 5)
		return false;
	v = strtoul(s, NULL, 10);
	if (v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

/* "A.B.C.D:P": digits and dots, one colon. */
static bool looks_like_v4_endpoint(const char *s)
{
	const char *colon = strchr(s, ':');

	if (colon == NULL || colon == s || strchr(colon + 1, ':') != NULL)
		return false;
	for (const char *p = s; p < colon; p++)
		if ((*p < '0' || *p > '9') && *p != '.')
			return false;
	return true;
}

int tt_selector_parse(struct tt_selector *s, const char *text, char *errbuf)
{
	char host[64];
	const char *port;
	size_t hl;

	memset(s, 0, sizeof(*s));
	s->text = text;
	if (*text == '\0')
		return tt_set_err(errbuf, TT_ERR_INVAL, "an empty selector");
	if (all_digits(text)) {
		unsigned long long v = strtoull(text, NULL, 10);
		if (v == 0 || strlen(text) > 19)
			return tt_set_err(errbuf, TT_ERR_INVAL, "'%s' is not a connection id (1, 2, ...)",
			                  text);
		s->kind = TT_SEL_ID;
		s->id = v;
		return TT_OK;
	}
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (close == NULL || close[1] != ':')
			return tt_set_err(errbuf, TT_ERR_INVAL, "'%s': an IPv6 endpoint is [ADDRESS]:PORT",
			                  text);
		hl = (size_t)(close - text - 1);
		port = close + 2;
		if (hl >= sizeof(host))
			return tt_set_err(errbuf, TT_ERR_INVAL, "'%s': not an IPv6 address", text);
		memcpy(host, text + 1, hl);
		host[hl] = '\0';
		if (inet_pton(AF_INET6, host, s->addr) != 1)
			return tt_set_err(errbuf, TT_ERR_INVAL, "'%s': '%s' is not an IPv6 address", text,
			                  host);
		s->ip_version = 6;
	} else if (looks_like_v4_endpoint(text)) {
		const char *colon = strchr(text, ':');
		hl = (size_t)(colon - text);
		port = colon + 1;
		if (hl >= sizeof(host))
			return tt_set_err(errbuf, TT_ERR_INVAL, "'%s': not an IPv4 address", text);
		memcpy(host, text, hl);
		host[hl] = '\0';
		if (inet_pton(AF_INET, host, s->addr) != 1)
			return tt_set_err(errbuf, TT_ERR_INVAL, "'%s': '%s' is not an IPv4 address", text,
			                  host);
		s->ip_version = 4;
	} else {
		s->kind = TT_SEL_FILTER;
		return TT_OK;
	}
	if (!parse_port(port, &s->port))
		return tt_set_err(errbuf, TT_ERR_INVAL, "'%s': '%s' is not a port (0 to 65535)", text,
		                  port);
	s->kind = TT_SEL_ENDPOINT;
	return TT_OK;
}

bool tt_selector_match(const struct tt_selector *s, const struct tt_conn *c)
{
	if (s->kind == TT_SEL_ID)
		return c->id == s->id;
	if (s->kind != TT_SEL_ENDPOINT || c->ip_version != s->ip_version)
		return false;
	for (int ep = 0; ep < 2; ep++)
		if (tt_conn_port(c, ep) == s->port && memcmp(tt_conn_addr(c, ep), s->addr, 16) == 0)
			return true;
	return false;
}

/* ---- labels ------------------------------------------------------------- */

int tt_story_flags(char *buf, size_t size, uint16_t flags)
{
	static const struct {
		uint16_t bit;
		const char *name;
	} order[] = {
		{TT_TH_SYN, "SYN"}, {TT_TH_FIN, "FIN"}, {TT_TH_RST, "RST"}, {TT_TH_PSH, "PSH"},
		{TT_TH_URG, "URG"}, {TT_TH_ECE, "ECE"}, {TT_TH_CWR, "CWR"}, {TT_TH_AE, "AE"},
		{TT_TH_ACK, "ACK"},
	};
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (!(flags & order[i].bit))
			continue;
		int k = snprintf(buf + n, size - n, "%s%s", n > 0 ? "," : "", order[i].name);
		if (k < 0 || (size_t)k >= size - n)
			break;
		n += (size_t)k;
	}
	if (n == 0)
		n = (size_t)snprintf(buf, size, "-");
	return (int)n;
}

/* Append to buf at *n, never past size. */
static void add(char *buf, size_t size, size_t *n, const char *fmt, ...) TT_PRINTF(4, 5);
static void add(char *buf, size_t size, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*n >= size)
		return;
	va_start(ap, fmt);
	k = vsnprintf(buf + *n, size - *n, fmt, ap);
	va_end(ap);
	if (k > 0)
		*n = *n + (size_t)k < size ? *n + (size_t)k : size - 1;
}

int tt_story_label(char *buf, size_t size, const struct tt_story_row *r, bool absolute)
{
	size_t n = 0;
	bool opts = false;

	buf[0] = '\0';
	n = (size_t)tt_story_flags(buf, size, r->flags);
	if (r->len > 0 || (r->flags & (TT_TH_SYN | TT_TH_FIN | TT_TH_RST)))
		add(buf, size, &n, " %u(%u)", absolute ? r->seq : r->rseq, r->len);
	if (r->flags & TT_TH_ACK)
		add(buf, size, &n, " ack %u", absolute ? r->ack : r->rack);
	add(buf, size, &n, " win %u", r->win);
	if (r->has_mss) {
		add(buf, size, &n, "%smss %u", opts ? "," : " <", r->mss);
		opts = true;
	}
	if (r->has_wscale) {
		add(buf, size, &n, "%swscale %u", opts ? "," : " <", r->wscale);
		opts = true;
	}
	if (r->sack_ok) {
		add(buf, size, &n, "%ssackOK", opts ? "," : " <");
		opts = true;
	}
	if (r->has_ts && (r->flags & TT_TH_SYN)) {
		add(buf, size, &n, "%sts %u %u", opts ? "," : " <", r->ts_val, r->ts_ecr);
		opts = true;
	}
	if (r->n_sack > 0) {
		add(buf, size, &n, "%ssack", opts ? "," : " <");
		for (int i = 0; i < r->n_sack; i++)
			add(buf, size, &n, " %u-%u", absolute ? r->sack[i][0] : r->rsack[i][0],
			    absolute ? r->sack[i][1] : r->rsack[i][1]);
		opts = true;
	}
	if (opts)
		add(buf, size, &n, ">");
	return (int)n;
}

int tt_story_notes(char *buf, size_t size, const struct tt_story_row *r)
{
	static const struct {
		enum tt_anomaly an;
		const char *words;
	} names[] = {
		{TT_AN_LOST_SEGMENT, "lost segment before this one"},
		{TT_AN_RETRANSMISSION, "retransmission"},
		{TT_AN_OUT_OF_ORDER, "out-of-order"},
		{TT_AN_ACKED_UNSEEN, "acks a segment not captured"},
		{TT_AN_DUP_ACK, "dup ACK"},
		{TT_AN_ZERO_WINDOW, "zero window"},
		{TT_AN_ZERO_WINDOW_PROBE, "zero window probe"},
		{TT_AN_ZERO_WINDOW_PROBE_ACK, "zero window probe ACK"},
		{TT_AN_WINDOW_FULL, "window full"},
		{TT_AN_WINDOW_UPDATE, "window update"},
		{TT_AN_KEEP_ALIVE, "keep-alive"},
		{TT_AN_KEEP_ALIVE_ACK, "keep-alive ACK"},
	};
	size_t n = 0;
	const char *sep = "";

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		enum tt_anomaly an = names[i].an;
		if (!(r->anomalies & TT_AN_BIT(an)))
			continue;
		if (an == TT_AN_RETRANSMISSION) {
			/* The finer kind when there is one. */
			const char *w = r->anomalies & TT_AN_BIT(TT_AN_SPURIOUS_RETRANSMISSION)
			                        ? "spurious retransmission"
			                : r->anomalies & TT_AN_BIT(TT_AN_FAST_RETRANSMISSION)
			                        ? "fast retransmission"
			                        : "retransmission";
			add(buf, size, &n, "%s%s", sep, w);
		} else if (an == TT_AN_DUP_ACK) {
			add(buf, size, &n, "%sdup ACK #%u", sep, r->dup_ack_num);
		} else {
			add(buf, size, &n, "%s%s", sep, names[i].words);
		}
		sep = "; ";
	}
	if (r->rst_ignored) {
		add(buf, size, &n, "%sRST the receiver would ignore", sep);
		sep = "; ";
	}
	if (r->stray)
		add(buf, size, &n, "%safter the end", sep);
	return (int)n;
}

uint8_t tt_story_initial_state(const struct tt_story *s, int ep)
{
	if (s->n_trans[ep] > 0 && s->trans[ep][0].state == TT_TCP_LISTEN)
		return TT_TCP_LISTEN;
	if (s->initial_set[ep])
		return s->initial[ep];
	return s->ended ? s->final_state[ep] : TT_TCP_CLOSED;
}

void tt_story_end_line(char *buf, size_t size, const struct tt_story *s)
{
	const char *by = s->closed_by;
	tt_time_ns d = tt_ns_sub(s->end, s->first);

	if (d < 0)
		d = 0;
	snprintf(buf, size, "end at %" PRId64 ".%06" PRId64 " s: %s%s%s%s", d / TT_NS_PER_SEC,
	         (d % TT_NS_PER_SEC) / 1000, tt_outcome_name((enum tt_outcome)s->outcome),
	         by == NULL ? "" : strcmp(by, "both") == 0 ? " by " : " by the ", by != NULL ? by : "",
	         s->end_reason == TT_END_EVICTED ? " (evicted by --max-flows)" : "");
}

/* ---- collection --------------------------------------------------------- */

void tt_stories_init(struct tt_stories *st, const struct tt_story_config *cfg)
{
	memset(st, 0, sizeof(*st));
	st->cfg = *cfg;
}

static void story_free(struct tt_story *s)
{
	free(s->rows);
	free(s->points);
	free(s);
}

void tt_stories_free(struct tt_stories *st)
{
	for (size_t i = 0; i < st->n; i++)
		story_free(st->s[i]);
	st->n = 0;
}

static struct tt_story *find(const struct tt_stories *st, uint64_t id)
{
	for (size_t i = 0; i < st->n; i++)
		if (st->s[i]->id == id)
			return st->s[i];
	return NULL;
}

const struct tt_story *tt_stories_find(const struct tt_stories *st, uint64_t id)
{
	return find(st, id);
}

static void tell(struct tt_stories *st, struct tt_story *s);

static struct tt_story *story_new(struct tt_stories *st, const struct tt_conn *c)
{
	struct tt_story *s;

	st->matched++;
	for (size_t i = 0; i < st->n && st->n == TT_STORY_CONNS_MAX; i++)
		if (st->s[i]->lingering)
			tell(st, st->s[i]); /* the oldest waiting for its TIME_WAIT's end */
	if (st->n == TT_STORY_CONNS_MAX) {
		st->skipped++;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		st->oom = true;
		return NULL;
	}
	s->id = c->id;
	s->ip_version = c->ip_version;
	for (int ep = 0; ep < 2; ep++) {
		memcpy(s->addr[ep], tt_conn_addr(c, ep), sizeof(s->addr[ep]));
		s->port[ep] = tt_conn_port(c, ep);
	}
	s->first = c->rt.first;
	s->initial[0] = s->initial[1] = TT_TCP_CLOSED;
	s->pend_to[0] = s->pend_to[1] = TT_NO_STATE;
	s->stride = 1;
	st->s[st->n++] = s;
	return s;
}

/* The story of the event's connection, selecting it when it qualifies. */
static struct tt_story *story_of(struct tt_stories *st, const struct tt_event *ev)
{
	struct tt_story *s = find(st, ev->conn->id);
	bool take;

	if (s != NULL || ev->type == TT_EVT_CONN_END)
		return s;
	if (st->cfg.sel.kind == TT_SEL_FILTER)
		take = st->filter_hit && ev->by_segment && !ev->stray;
	else /* (from its first event; later when the live view starts following it) */
		take = tt_selector_match(&st->cfg.sel, ev->conn);
	if (!take)
		return NULL;
	for (size_t i = 0; i < st->ended_n && i < TT_STORY_ENDED_MAX; i++)
		if (st->ended[i] == ev->conn->id)
			return NULL;
	return story_new(st, ev->conn);
}

static void push_row(struct tt_stories *st, struct tt_story *s, const struct tt_story_row *r)
{
	if (s->n_rows == s->cap_rows) {
		size_t cap = s->cap_rows ? s->cap_rows * 2 : 64;
		struct tt_story_row *p = realloc(s->rows, cap * sizeof(*p));
		if (p == NULL) {
			st->oom = true;
			return;
		}
		s->rows = p;
		s->cap_rows = cap;
	}
	s->rows[s->n_rows++] = *r;
	st->rows_total++;
}

static void fold_in(struct tt_story *s, const struct tt_story_row *r)
{
	struct tt_story_row *f = &s->fold;

	if (f->fold_segments == 0) {
		memset(f, 0, sizeof(*f));
		f->kind = TT_ROW_FOLD;
		f->ts = r->ts;
		f->to[0] = f->to[1] = TT_NO_STATE;
	}
	if (r->kind == TT_ROW_FOLD) {
		f->fold_segments += r->fold_segments;
		f->fold_bytes += r->fold_bytes;
	} else {
		f->fold_segments++;
		f->fold_bytes += r->len;
	}
	f->ts_last = r->kind == TT_ROW_FOLD ? r->ts_last : r->ts;
}

#define RING (TT_STORY_RUN_SHOWN - TT_STORY_RUN_HEAD)

static struct tt_story_row *ring_at(struct tt_story *s, size_t i)
{
	return &s->run_tail[(s->tail_head + i) % RING];
}

/* The run of ordinary segments ends: its tail is shown, its middle folded. */
static void flush_run(struct tt_stories *st, struct tt_story *s)
{
	size_t shown = s->tail_n;

	if (s->fold.fold_segments > 0) {
		shown = s->tail_n < TT_STORY_RUN_TAIL ? s->tail_n : TT_STORY_RUN_TAIL;
		for (size_t i = 0; i < s->tail_n - shown; i++)
			fold_in(s, ring_at(s, i));
		push_row(st, s, &s->fold);
		s->fold.fold_segments = 0;
	}
	for (size_t i = s->tail_n - shown; i < s->tail_n; i++)
		push_row(st, s, ring_at(s, i));
	s->tail_n = 0;
	s->tail_head = 0;
	s->run_n = 0;
}

static bool ordinary(const struct tt_story_row *r)
{
	return r->kind == TT_ROW_SEGMENT && r->to[0] == TT_NO_STATE && r->to[1] == TT_NO_STATE &&
	       r->anomalies == 0 && !r->stray && !r->rst_ignored &&
	       !(r->flags & (TT_TH_SYN | TT_TH_FIN | TT_TH_RST));
}

static void add_row(struct tt_stories *st, struct tt_story *s, const struct tt_story_row *r)
{
	if (!st->cfg.rows)
		return;
	size_t max = st->cfg.max_rows > 0 ? st->cfg.max_rows : TT_STORY_ROWS_MAX;

	if (st->rows_total >= max && st->cfg.keep_latest && s->n_rows >= 2) {
		/* The live view: the latest rows matter, the oldest half goes. */
		size_t drop = s->n_rows / 2;
		memmove(s->rows, s->rows + drop, (s->n_rows - drop) * sizeof(*s->rows));
		s->n_rows -= drop;
		st->rows_total -= drop;
		s->rows_dropped += drop;
	}
	if (st->rows_total >= max) {
		/* Out of rows: everything from here on is counted, not shown. */
		s->rows_capped = true;
		if (r->kind == TT_ROW_SEGMENT)
			fold_in(s, r);
		return;
	}
	if (st->cfg.full || !ordinary(r)) {
		flush_run(st, s);
		push_row(st, s, r);
		return;
	}
	s->run_n++;
	if (s->run_n <= TT_STORY_RUN_HEAD) {
		push_row(st, s, r);
		return;
	}
	if (s->tail_n == RING) {
		fold_in(s, ring_at(s, 0));
		s->tail_head = (s->tail_head + 1) % RING;
		s->tail_n--;
	}
	s->run_tail[(s->tail_head + s->tail_n) % RING] = *r;
	s->tail_n++;
}

/* States changed without a segment (a timer): a row of their own. */
static void timer_state(struct tt_stories *st, struct tt_story *s, const struct tt_event *ev)
{
	struct tt_story_row r;

	if (st->cfg.rows && s->tail_n == 0 && s->fold.fold_segments == 0 && s->n_rows > 0) {
		struct tt_story_row *last = &s->rows[s->n_rows - 1];
		if ((last->kind == TT_ROW_TIMER || last->kind == TT_ROW_ICMP) && last->ts == ev->ts) {
			last->to[ev->endpoint] = (uint8_t)ev->to;
			last->tw_expired |= ev->from == TT_TCP_TIME_WAIT;
			return;
		}
	}
	memset(&r, 0, sizeof(r));
	r.kind = TT_ROW_TIMER;
	r.ts = ev->ts;
	r.to[0] = r.to[1] = TT_NO_STATE;
	r.to[ev->endpoint] = (uint8_t)ev->to;
	r.tw_expired = ev->from == TT_TCP_TIME_WAIT;
	add_row(st, s, &r);
}

static void on_state(struct tt_stories *st, struct tt_story *s, const struct tt_event *ev)
{
	int ep = (int)ev->endpoint;

	if (!s->initial_set[ep]) {
		s->initial[ep] = (uint8_t)ev->from;
		s->initial_set[ep] = true;
	}
	if (s->n_trans[ep] < TT_STORY_TRANS_MAX)
		s->trans[ep][s->n_trans[ep]++] = (struct tt_story_trans){ev->ts, (uint8_t)ev->to};
	else
		s->trans_truncated = true;
	if (ev->to == TT_TCP_LISTEN && s->n_trans[ep] == 1)
		return; /* drawn as the server's state before the first row */
	if (ev->by_segment) {
		s->pend_to[ep] = (uint8_t)ev->to;
		s->pend = true;
		s->pend_ts = ev->ts;
	} else {
		timer_state(st, s, ev);
	}
}

static uint64_t rel_or_zero(const struct tt_dir *d, uint32_t seq)
{
	return d->has_base ? tt_dir_rel_seq(d, seq) : 0;
}

static void add_point(struct tt_stories *st, struct tt_story *s, const struct tt_event *ev,
                      const struct tt_story_row *r)
{
	const struct tt_conn *c = ev->conn;
	const struct tt_dir *snd = &c->dir[ev->endpoint], *rcv = &c->dir[!ev->endpoint];
	const struct tt_packet *p = ev->pkt;
	struct tt_story_point pt;

	memset(&pt, 0, sizeof(pt));
	/* RTT: a sample the segment completed shows in the other side's sums. */
	for (int d = 0; d < 2; d++) {
		const struct tt_dir *rs = &c->dir[d];
		if (rs->rtt_samples > s->rtt_samples[d] && rs->rtt_samples == s->rtt_samples[d] + 1)
			pt.rtt = rs->rtt_sum - s->rtt_sum[d];
		s->rtt_samples[d] = rs->rtt_samples;
		s->rtt_sum[d] = rs->rtt_sum;
	}
	if (!st->cfg.points)
		return;
	if (s->stride_pos++ % s->stride != 0 && pt.rtt == 0)
		return;
	if (s->n_points == TT_STORY_POINTS_MAX) {
		/* Decimate: keep every other sample, then one in twice as many. */
		size_t k = 0;
		for (size_t i = 0; i < s->n_points; i += 2)
			s->points[k++] = s->points[i];
		s->n_points = k;
		s->stride *= 2;
	}
	if (s->n_points == s->cap_points) {
		size_t cap = s->cap_points ? s->cap_points * 2 : 256;
		struct tt_story_point *np;
		if (cap > TT_STORY_POINTS_MAX)
			cap = TT_STORY_POINTS_MAX;
		np = realloc(s->points, cap * sizeof(*np));
		if (np == NULL) {
			st->oom = true;
			return;
		}
		s->points = np;
		s->cap_points = cap;
	}
	pt.ts = ev->ts;
	pt.dir = (uint8_t)ev->endpoint;
	pt.flags = p->flags;
	pt.anomalies = ev->anomalies;
	pt.seq = rel_or_zero(snd, p->seq);
	pt.end = pt.seq + p->payload_len;
	pt.ack = (p->flags & TT_TH_ACK) ? rel_or_zero(rcv, p->ack) : 0;
	pt.win = r->win;
	for (int d = 0; d < 2; d++) {
		const struct tt_dir *ds = &c->dir[d], *dr = &c->dir[!d];
		if (!dr->has_ack)
			pt.in_flight[d] = tt_dir_seq_next(ds);
		else if (tt_dir_seq_next(ds) > tt_dir_ack_max(dr))
			pt.in_flight[d] = tt_dir_seq_next(ds) - tt_dir_ack_max(dr);
	}
	pt.n_sack = p->opts.n_sack;
	for (int i = 0; i < p->opts.n_sack; i++) {
		pt.sack[i][0] = rel_or_zero(rcv, p->opts.sack[i][0]);
		pt.sack[i][1] = rel_or_zero(rcv, p->opts.sack[i][1]);
	}
	s->points[s->n_points++] = pt;
}

static void on_segment(struct tt_stories *st, struct tt_story *s, const struct tt_event *ev)
{
	const struct tt_conn *c = ev->conn;
	const struct tt_packet *p = ev->pkt;
	int se = (int)ev->endpoint, re = !ev->endpoint;
	const struct tt_dir *snd = &c->dir[se], *rcv = &c->dir[re];
	struct tt_story_row r;

	s->segments++;
	memset(&r, 0, sizeof(r));
	r.kind = TT_ROW_SEGMENT;
	r.ts = ev->ts;
	r.dir = (uint8_t)se;
	r.to[0] = s->pend_to[0];
	r.to[1] = s->pend_to[1];
	r.rst_ignored = s->pend_rst_ignored;
	r.stray = ev->stray;
	r.flags = p->flags;
	r.anomalies = ev->anomalies;
	r.dup_ack_num = snd->dup_ack_num;
	r.seq = p->seq;
	r.ack = p->ack;
	r.rseq = snd->has_base ? p->seq - snd->base : p->seq;
	r.rack = rcv->has_base ? p->ack - rcv->base : p->ack;
	r.len = p->payload_len;
	r.raw_win = p->win;
	r.win = (p->flags & TT_TH_SYN) ? p->win : (uint32_t)p->win << snd->shift;
	r.has_mss = p->opts.has_mss;
	r.mss = p->opts.mss;
	r.has_wscale = p->opts.has_wscale;
	r.wscale = p->opts.wscale;
	r.sack_ok = p->opts.sack_permitted;
	r.has_ts = p->opts.has_ts;
	r.ts_val = p->opts.ts_val;
	r.ts_ecr = p->opts.ts_ecr;
	r.n_sack = p->opts.n_sack;
	for (int i = 0; i < p->opts.n_sack; i++) {
		r.sack[i][0] = p->opts.sack[i][0];
		r.sack[i][1] = p->opts.sack[i][1];
		r.rsack[i][0] = rcv->has_base ? p->opts.sack[i][0] - rcv->base : p->opts.sack[i][0];
		r.rsack[i][1] = rcv->has_base ? p->opts.sack[i][1] - rcv->base : p->opts.sack[i][1];
	}
	for (int ep = 0; ep < 2; ep++)
		if (r.to[ep] == TT_TCP_TIME_WAIT)
			r.tw_until = tt_conn_tw_deadline(c, ep);
	s->pend_to[0] = s->pend_to[1] = TT_NO_STATE;
	s->pend = false;
	s->pend_rst_ignored = false;
	s->shift[se] = snd->shift;
	add_row(st, s, &r);
	add_point(st, s, ev, &r);
}

/* The story is told (on_done), remembered as told, and freed. */
static void tell(struct tt_stories *st, struct tt_story *s)
{
	if (st->cfg.on_done != NULL)
		st->cfg.on_done(s, st->cfg.user);
	st->ended[st->ended_n++ % TT_STORY_ENDED_MAX] = s->id;
	for (size_t i = 0; i < st->n; i++) {
		if (st->s[i] == s) {
			st->rows_total -= s->n_rows < st->rows_total ? s->n_rows : st->rows_total;
			/* keep the order of selection (tt_stories_finish) */
			memmove(&st->s[i], &st->s[i + 1], (st->n - i - 1) * sizeof(st->s[0]));
			st->n--;
			break;
		}
	}
	story_free(s);
}

static bool in_time_wait(const struct tt_story *s)
{
	return s->final_state[0] == TT_TCP_TIME_WAIT || s->final_state[1] == TT_TCP_TIME_WAIT;
}

/* States that changed after the record was written: a TIME_WAIT running out. */
static void after_end(struct tt_stories *st, struct tt_story *s, const struct tt_event *ev)
{
	struct tt_story_row r;
	int ep = (int)ev->endpoint;

	if (s->n_trans[ep] < TT_STORY_TRANS_MAX)
		s->trans[ep][s->n_trans[ep]++] = (struct tt_story_trans){ev->ts, (uint8_t)ev->to};
	else
		s->trans_truncated = true;
	memset(&r, 0, sizeof(r));
	r.kind = TT_ROW_TIMER;
	r.ts = ev->ts;
	r.to[0] = r.to[1] = TT_NO_STATE;
	r.to[ep] = (uint8_t)ev->to;
	r.tw_expired = ev->from == TT_TCP_TIME_WAIT && !ev->by_segment;
	add_row(st, s, &r);
	s->final_state[ep] = (uint8_t)ev->to;
	if (ev->ts > s->end)
		s->end = ev->ts;
	if (!in_time_wait(s))
		tell(st, s);
}

static void on_end(struct tt_stories *st, struct tt_story *s, const struct tt_event *ev)
{
	const struct tt_conn *c = ev->conn;

	if (st->cfg.rows)
		flush_run(st, s);
	if (s->pend) {
		/* States a segment of another connection changed (a new SYN on
		 * its ports ended this one): a row without an arrow. */
		struct tt_story_row r;
		memset(&r, 0, sizeof(r));
		r.kind = TT_ROW_TIMER;
		r.ts = s->pend_ts != 0 ? s->pend_ts : tt_conn_end(c);
		r.to[0] = s->pend_to[0];
		r.to[1] = s->pend_to[1];
		add_row(st, s, &r);
		s->pend = false;
	}
	s->ended = true;
	s->end = tt_conn_end(c);
	s->first = c->rt.first;
	s->outcome = (uint8_t)tt_conn_outcome(c);
	s->end_reason = c->end_reason;
	s->final_state[0] = c->state[0];
	s->final_state[1] = c->state[1];
	s->closed_by = tt_conn_closed_by(c);
	s->midstream = c->handshake == TT_HS_NONE;
	s->tw_deadline[0] = tt_conn_tw_deadline(c, 0);
	s->tw_deadline[1] = tt_conn_tw_deadline(c, 1);
	/* A record written as its TIME_WAIT begins: the exit comes later. */
	if (c->end_reason == TT_END_CLOSED && in_time_wait(s))
		s->lingering = true;
	else
		tell(st, s);
}

void tt_stories_finish(struct tt_stories *st, tt_time_ns input_end)
{
	for (size_t i = 0; i < st->n;) {
		if (st->s[i]->lingering) {
			if (input_end > st->s[i]->end)
				st->s[i]->end = input_end; /* still in TIME_WAIT when the input ended */
			tell(st, st->s[i]);
		} else
			i++;
	}
}

void tt_stories_event(struct tt_stories *st, const struct tt_event *ev)
{
	struct tt_story *s = story_of(st, ev);

	if (s == NULL)
		return;
	switch (ev->type) {
	case TT_EVT_CONN_OPENED:
		break;
	case TT_EVT_STATE:
		if (s->lingering)
			after_end(st, s, ev);
		else
			on_state(st, s, ev);
		break;
	case TT_EVT_ANOMALY:
		if (ev->by_segment && ev->anomaly != NULL && strcmp(ev->anomaly, "rst_ignored") == 0) {
			s->pend_rst_ignored = true;
		} else if (!ev->by_segment && ev->anomaly != NULL &&
		           strcmp(ev->anomaly, "icmp_error") == 0) {
			struct tt_story_row r;
			memset(&r, 0, sizeof(r));
			r.kind = TT_ROW_ICMP;
			r.ts = ev->ts;
			r.dir = (uint8_t)ev->endpoint;
			r.to[0] = r.to[1] = TT_NO_STATE;
			r.icmp_type = ev->conn->icmp_type;
			r.icmp_code = ev->conn->icmp_code;
			add_row(st, s, &r);
		}
		break;
	case TT_EVT_SEGMENT:
		on_segment(st, s, ev);
		break;
	case TT_EVT_CONN_END:
		on_end(st, s, ev);
		break;
	}
}
