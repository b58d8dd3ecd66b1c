/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ui_model.c - the live view's model (see ui_model.h): no terminal here, so
 * every piece is testable on its own.
 */
#include "ui_model.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcptrack/report.h"

/* ---- units ---------------------------------------------------------------------------------- */

int tt_ui_fmt_size(char *buf, size_t size, uint64_t v)
{
	static const char units[] = "KMGTPE";
	double x = (double)v;
	int i = 0;

	if (v < 1000)
		return snprintf(buf, size, "%u", (unsigned)v);
	x /= 1024.0;
	while (x >= 999.5 && i < 5) {
		x /= 1024.0;
		i++;
	}
	if (x < 9.95)
		return snprintf(buf, size, "%.1f%c", x, units[i]);
	return snprintf(buf, size, "%.0f%c", x, units[i]);
}

int tt_ui_fmt_dur(char *buf, size_t size, tt_time_ns d)
{
	int64_t tenths, s, m, h, days;

	if (d < 0)
		d = 0;
	tenths = d / (TT_NS_PER_SEC / 10);
	if (tenths < 100)
		return snprintf(buf, size, "%d.%ds", (int)(tenths / 10), (int)(tenths % 10));
	s = d / TT_NS_PER_SEC;
	if (s < 100)
		return snprintf(buf, size, "%ds", (int)s);
	m = s / 60;
	if (m < 100)
		return snprintf(buf, size, "%dm", (int)m);
	h = m / 60;
	if (h < 100)
		return snprintf(buf, size, "%dh", (int)h);
	days = h / 24;
	return snprintf(buf, size, "%dd", days > 999 ? 999 : (int)days);
}

int tt_ui_fit_left(char *dst, size_t size, const char *src, int width, const char *marker)
{
	size_t len = strlen(src);

	if (size == 0)
		return 0;
	if (width <= 0) {
		dst[0] = '\0';
		return 0;
	}
	if (len <= (size_t)width)
		return snprintf(dst, size, "%s", src);
	return snprintf(dst, size, "%s%s", marker, src + len - (size_t)(width - 1));
}

static const char *const short_names[TT_TCP_NSTATES] = {
	[TT_TCP_CLOSED] = "CLOSED",     [TT_TCP_LISTEN] = "LISTEN",
	[TT_TCP_SYN_SENT] = "SYN_SNT",  [TT_TCP_SYN_RCVD] = "SYN_RCV",
	[TT_TCP_ESTABLISHED] = "ESTAB", [TT_TCP_FIN_WAIT_1] = "FIN_WT1",
	[TT_TCP_FIN_WAIT_2] = "FIN_WT2", [TT_TCP_CLOSE_WAIT] = "CLOSE_W",
	[TT_TCP_CLOSING] = "CLOSING",   [TT_TCP_LAST_ACK] = "LST_ACK",
	[TT_TCP_TIME_WAIT] = "TIME_W",
};

const char *tt_ui_state_short(enum tt_tcp_state s)
{
	return (unsigned)s < TT_TCP_NSTATES ? short_names[s] : "?";
}

int tt_ui_state_parse(const char *name)
{
	char up[32];
	size_t i;

	for (i = 0; name[i] != '\0' && i < sizeof(up) - 1; i++)
		up[i] = name[i] == '-' ? '_' : (char)toupper((unsigned char)name[i]);
	if (name[i] != '\0' || i == 0)
		return -1;
	up[i] = '\0';
	for (int s = 0; s < TT_TCP_NSTATES; s++)
		if (strcmp(up, tt_tcp_state_name((enum tt_tcp_state)s)) == 0 ||
		    strcmp(up, short_names[s]) == 0)
			return s;
	return -1;
}

/* ---- rows ----------------------------------------------------------------------------------- */

void tt_ui_row_update(struct tt_ui_row *r, const struct tt_conn *c)
{
	r->id = c->id;
	r->incarnation = c->incarnation;
	r->ip_version = c->ip_version;
	if (r->ep_len[0] == 0) {
		for (int e = 0; e < 2; e++) {
			int n = tt_format_endpoint(r->ep[e], sizeof(r->ep[e]), c->ip_version,
			                           tt_conn_addr(c, e), tt_conn_port(c, e));
			r->ep_len[e] = (uint8_t)(n < 0 ? 0 : (n >= TT_UI_EP_SIZE ? TT_UI_EP_SIZE - 1 : n));
		}
	}
	r->first = c->rt.first;
	r->last = tt_conn_last(c);
	for (int e = 0; e < 2; e++) {
		const struct tt_dir *d = &c->dir[e];
		r->state[e] = c->state[e];
		r->port[e] = tt_conn_port(c, e);
		r->bytes[e] = tt_dir_payload_bytes(d);
		r->packets[e] = tt_dir_packets(d);
		r->retx[e] = tt_dir_count(d, TT_AN_RETRANSMISSION);
		r->has_win[e] = d->has_win;
		r->scale_known[e] = d->scale_known;
		r->win[e] = d->win_last;
	}
}

tt_time_ns tt_ui_closed_at(const struct tt_conn *c, tt_time_ns fallback)
{
	tt_time_ns t = 0;

	if (c->state[TT_CLIENT] != TT_TCP_CLOSED || c->state[TT_SERVER] != TT_TCP_CLOSED)
		return fallback;
	for (int e = 0; e < 2; e++) {
		const struct tt_history *h = &c->hist[e];
		if (h->n > 0 && tt_history_state(h, h->n - 1) == TT_TCP_CLOSED &&
		    tt_conn_hist_ts(c, e, h->n - 1) > t)
			t = tt_conn_hist_ts(c, e, h->n - 1);
	}
	return t != 0 ? t : fallback;
}

/* ---- filter --------------------------------------------------------------------------------- */

/* @return the port of "443", or -1. */
static int parse_port(const char *s)
{
	long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		v = v * 10 + (*s - '0');
		if (v > 65535)
			return -1;
	}
	return (int)v;
}

void tt_ui_filter_set(struct tt_ui_filter *f, const char *text)
{
	const char *p;

	memset(f, 0, sizeof(*f));
	snprintf(f->text, sizeof(f->text), "%s", text);
	p = f->text;
	while (f->n < TT_UI_FILTER_TERMS) {
		struct tt_ui_term *t = &f->t[f->n];
		char w[TT_UI_FILTER_SIZE];
		size_t len = 0;
		int v;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			w[len++] = (char)tolower((unsigned char)*p++);
		w[len] = '\0';
		if (strncmp(w, "state:", 6) == 0 && (v = tt_ui_state_parse(w + 6)) >= 0) {
			t->kind = TT_UI_TERM_STATE;
			t->state = (uint8_t)v;
		} else if ((v = tt_ui_state_parse(w)) >= 0) {
			t->kind = TT_UI_TERM_STATE;
			t->state = (uint8_t)v;
		} else if (strncmp(w, "port:", 5) == 0 && (v = parse_port(w + 5)) >= 0) {
			t->kind = TT_UI_TERM_PORT;
			t->port = (uint16_t)v;
		} else if (w[0] == ':' && (v = parse_port(w + 1)) >= 0) {
			t->kind = TT_UI_TERM_PORT;
			t->port = (uint16_t)v;
		} else {
			t->kind = TT_UI_TERM_SUB;
			memcpy(t->sub, w, len + 1);
		}
		f->n++;
	}
}

bool tt_ui_filter_match(const struct tt_ui_filter *f, const struct tt_ui_row *r)
{
	for (unsigned i = 0; i < f->n; i++) {
		const struct tt_ui_term *t = &f->t[i];
		bool ok;

		switch (t->kind) {
		case TT_UI_TERM_STATE:
			ok = r->state[0] == t->state || r->state[1] == t->state;
			break;
		case TT_UI_TERM_PORT:
			ok = r->port[0] == t->port || r->port[1] == t->port;
			break;
		default:
			ok = strstr(r->ep[0], t->sub) != NULL || strstr(r->ep[1], t->sub) != NULL;
			break;
		}
		if (!ok)
			return false;
	}
	return true;
}

/* ---- sort ----------------------------------------------------------------------------------- */

static const char *const sort_names[TT_UI_SORT_N] = {"rate", "bytes", "age", "idle", "state",
                                                     "retransmissions"};

const char *tt_ui_sort_name(enum tt_ui_sort s)
{
	return (unsigned)s < TT_UI_SORT_N ? sort_names[s] : "?";
}

bool tt_ui_sort_descending(enum tt_ui_sort s)
{
	return s != TT_UI_SORT_STATE;
}

#define KEY_MAX (INT64_MAX / 2)

static int64_t clamp_key(double v)
{
	if (v > (double)KEY_MAX)
		return KEY_MAX;
	if (v < -(double)KEY_MAX)
		return -KEY_MAX;
	return (int64_t)v;
}

int64_t tt_ui_sort_key(const struct tt_ui_row *r, enum tt_ui_sort s, bool reverse, tt_time_ns now)
{
	int64_t v;

	switch (s) {
	case TT_UI_SORT_RATE:
		v = clamp_key(r->rate * 1000.0);
		break;
	case TT_UI_SORT_BYTES:
		v = clamp_key((double)r->bytes[0] + (double)r->bytes[1]);
		break;
	case TT_UI_SORT_AGE:
		v = clamp_key((double)tt_ns_sub(r->over ? r->over_at : now, r->first));
		break;
	case TT_UI_SORT_IDLE:
		v = clamp_key((double)(now - r->last));
		break;
	case TT_UI_SORT_STATE:
		v = (int64_t)r->state[0] * 16 + r->state[1];
		break;
	case TT_UI_SORT_RETX:
		v = (int64_t)r->retx[0] + r->retx[1];
		break;
	default:
		v = 0;
		break;
	}
	return tt_ui_sort_descending(s) != reverse ? -v : v;
}

/* ---- columns -------------------------------------------------------------------------------- */

static const char *const col_labels[TT_UI_NCOLS] = {
	"CLIENT", "SERVER", "C-STATE", "S-STATE", "AGE", "IDLE",
	"BYTES>", "BYTES<", "RATE", "RETX", "WIN>", "WIN<",
};

const char *tt_ui_col_label(enum tt_ui_col c)
{
	return (unsigned)c < TT_UI_NCOLS ? col_labels[c] : "?";
}

#define ADDR_MIN 12

static int sum_layout(const struct tt_ui_layout *l)
{
	int total = 0, n = 0;

	for (int c = 0; c < TT_UI_NCOLS; c++)
		if (l->w[c] > 0) {
			total += l->w[c];
			n++;
		}
	return n > 0 ? total + n - 1 : 0;
}

/* The addresses share the room the other columns leave, each at least
 * ADDR_MIN (or its need): the shorter keeps its need if it can. */
static void shrink_addresses(struct tt_ui_layout *l, int cols, const int need[2])
{
	int avail = cols - (sum_layout(l) - l->w[TT_UI_COL_CLIENT] - l->w[TT_UI_COL_SERVER]);
	int a = need[0], b = need[1], half = avail / 2;
	int amin = a < ADDR_MIN ? a : ADDR_MIN, bmin = b < ADDR_MIN ? b : ADDR_MIN;

	if (a + b > avail) {
		if (a <= half)
			b = avail - a;
		else if (b <= half)
			a = avail - b;
		else {
			a = half;
			b = avail - half;
		}
	}
	l->w[TT_UI_COL_CLIENT] = a < amin ? amin : a;
	l->w[TT_UI_COL_SERVER] = b < bmin ? bmin : b;
}

void tt_ui_layout(struct tt_ui_layout *l, int cols, int client_need, int server_need)
{
	static const int full[TT_UI_NCOLS] = {0, 0, 11, 11, 4, 4, 6, 6, 6, 4, 5, 5};
	int need[2] = {client_need < 6 ? 6 : client_need, server_need < 6 ? 6 : server_need};
	int step = 0;

	for (int e = 0; e < 2; e++)
		if (need[e] > TT_UI_EP_SIZE - 1)
			need[e] = TT_UI_EP_SIZE - 1;
	memset(l, 0, sizeof(*l));
	memcpy(l->w, full, sizeof(full));
	l->w[TT_UI_COL_CLIENT] = need[0];
	l->w[TT_UI_COL_SERVER] = need[1];
	while (sum_layout(l) > cols && step < 8) {
		switch (step++) {
		case 0:
			l->w[TT_UI_COL_CWIN] = l->w[TT_UI_COL_SWIN] = 0;
			break;
		case 1:
			l->w[TT_UI_COL_IDLE] = 0;
			break;
		case 2:
			l->w[TT_UI_COL_BYTES_OUT] = l->w[TT_UI_COL_BYTES_IN] = 0;
			break;
		case 3:
			shrink_addresses(l, cols, need);
			break;
		case 4:
			l->short_states = true;
			l->w[TT_UI_COL_CSTATE] = l->w[TT_UI_COL_SSTATE] = 7;
			break;
		case 5:
			l->w[TT_UI_COL_AGE] = 0;
			break;
		case 6:
			l->w[TT_UI_COL_RETX] = 0;
			break;
		default:
			l->w[TT_UI_COL_RATE] = 0;
			break;
		}
		/* Once the addresses shrank, what later steps free goes back to them. */
		if (step > 3)
			shrink_addresses(l, cols, need);
	}
	/* Columns that went before the addresses had to shrink: bring back those
	 * that fit in what is left, the most useful first. */
	if (l->w[TT_UI_COL_CLIENT] == need[0] && l->w[TT_UI_COL_SERVER] == need[1]) {
		static const int back[][2] = {{TT_UI_COL_BYTES_OUT, TT_UI_COL_BYTES_IN},
		                              {TT_UI_COL_IDLE, TT_UI_COL_IDLE},
		                              {TT_UI_COL_CWIN, TT_UI_COL_SWIN}};
		for (size_t i = 0; i < sizeof(back) / sizeof(back[0]); i++) {
			int a = back[i][0], b = back[i][1];
			if (l->w[a] != 0)
				continue;
			l->w[a] = full[a];
			l->w[b] = full[b];
			if (sum_layout(l) > cols)
				l->w[a] = l->w[b] = 0;
		}
	}
	int x = 0;
	for (int c = 0; c < TT_UI_NCOLS; c++) {
		l->x[c] = x;
		if (l->w[c] > 0)
			x += l->w[c] + 1;
	}
	l->total = sum_layout(l);
}

/* ---- the table ------------------------------------------------------------------------------ */

static uint32_t hash_id(uint64_t id)
{
	id ^= id >> 33;
	id *= UINT64_C(0xff51afd7ed558ccd);
	id ^= id >> 33;
	return (uint32_t)id;
}

int tt_ui_model_init(struct tt_ui_model *m, tt_time_ns linger)
{
	memset(m, 0, sizeof(*m));
	m->linger = linger;
	m->hcap = 256;
	m->hash = calloc(m->hcap, sizeof(*m->hash));
	return m->hash != NULL ? TT_OK : TT_ERR_NOMEM;
}

void tt_ui_model_free(struct tt_ui_model *m)
{
	for (uint32_t i = 0; i < m->n; i++)
		free(m->rows[i].final);
	free(m->rows);
	free(m->hash);
	free(m->view);
	free(m->keys);
	memset(m, 0, sizeof(*m));
}

struct tt_ui_row *tt_ui_model_find(const struct tt_ui_model *m, uint64_t id)
{
	uint32_t mask = m->hcap - 1;

	if (m->hash == NULL)
		return NULL;
	for (uint32_t h = hash_id(id) & mask;; h = (h + 1) & mask) {
		uint32_t v = m->hash[h];
		if (v == 0)
			return NULL;
		if (m->rows[v - 1].id == id)
			return &m->rows[v - 1];
	}
}

static void hash_put(uint32_t *hash, uint32_t hcap, uint64_t id, uint32_t idx)
{
	uint32_t mask = hcap - 1, h = hash_id(id) & mask;

	while (hash[h] != 0)
		h = (h + 1) & mask;
	hash[h] = idx + 1;
}

static bool rehash(struct tt_ui_model *m, uint32_t hcap)
{
	uint32_t *h = calloc(hcap, sizeof(*h));

	if (h == NULL)
		return false;
	for (uint32_t i = 0; i < m->n; i++)
		hash_put(h, hcap, m->rows[i].id, i);
	free(m->hash);
	m->hash = h;
	m->hcap = hcap;
	return true;
}

/* A new zeroed row for id, or NULL (full, or no memory). */
static struct tt_ui_row *add_row(struct tt_ui_model *m, uint64_t id)
{
	struct tt_ui_row *r;

	if (m->n >= TT_UI_MAX_ROWS)
		return NULL;
	if (m->n == m->cap) {
		uint32_t cap = m->cap ? m->cap * 2 : 64;
		if (cap > TT_UI_MAX_ROWS)
			cap = TT_UI_MAX_ROWS;
		struct tt_ui_row *rows = realloc(m->rows, sizeof(*rows) * cap);
		if (rows == NULL)
			goto oom;
		m->rows = rows;
		uint32_t *view = realloc(m->view, sizeof(*view) * cap);
		if (view == NULL)
			goto oom;
		m->view = view;
		struct tt_ui_sortkey *keys = realloc(m->keys, sizeof(*keys) * cap);
		if (keys == NULL)
			goto oom;
		m->keys = keys;
		m->cap = cap;
	}
	if ((m->n + 1) * 2 >= m->hcap && !rehash(m, m->hcap * 2))
		goto oom;
	r = &m->rows[m->n];
	memset(r, 0, sizeof(*r));
	r->id = id;
	hash_put(m->hash, m->hcap, id, m->n);
	m->n++;
	return r;
oom:
	m->oom = true;
	return NULL;
}

void tt_ui_model_begin(struct tt_ui_model *m, tt_time_ns now)
{
	m->now = now;
	m->open = 0;
	m->not_listed = 0;
	memset(m->by_state, 0, sizeof(m->by_state));
	for (uint32_t i = 0; i < m->n; i++)
		m->rows[i].seen = false;
}

static void mark_over(struct tt_ui_row *r, const struct tt_conn *c, tt_time_ns ts)
{
	if (!r->over) {
		r->over = true;
		r->over_at = tt_ui_closed_at(c, ts);
		r->rate = 0;
	}
	if (r->final == NULL)
		r->final = malloc(sizeof(*r->final));
	if (r->final != NULL)
		tt_conn_copy(r->final, c);
}

void tt_ui_model_open(struct tt_ui_model *m, const struct tt_conn *c)
{
	struct tt_ui_row *r;
	uint64_t bytes;
	bool fresh = false;

	if (!c->emitted)
		m->open++; /* else over, its record about to be written */
	m->by_state[c->state[0] % TT_TCP_NSTATES]++;
	m->by_state[c->state[1] % TT_TCP_NSTATES]++;
	r = tt_ui_model_find(m, c->id);
	if (r == NULL) {
		r = add_row(m, c->id);
		if (r == NULL) {
			m->not_listed++;
			return;
		}
		fresh = true;
	}
	tt_ui_row_update(r, c);
	r->seen = true;
	r->gone = false;
	if (c->emitted || (c->state[0] == TT_TCP_CLOSED && c->state[1] == TT_TCP_CLOSED)) {
		/* Over, though not handed over yet. */
		mark_over(r, c, m->now);
		return;
	}
	if (r->over) {
		/* A failed opening retried: it goes on. */
		r->over = false;
		free(r->final);
		r->final = NULL;
		fresh = true;
	}
	bytes = r->bytes[0] + r->bytes[1];
	if (fresh) {
		tt_time_ns span = tt_ns_sub(m->now, c->rt.first);
		if (span < TT_NS_PER_SEC)
			span = TT_NS_PER_SEC;
		r->rate = (double)bytes * 1e9 / (double)span;
		r->sample_bytes = bytes;
		r->sample_ts = m->now;
	} else if (m->now < r->sample_ts || bytes < r->sample_bytes) {
		r->sample_bytes = bytes;
		r->sample_ts = m->now;
	} else if (m->now - r->sample_ts >= TT_UI_RATE_WINDOW) {
		r->rate = (double)(bytes - r->sample_bytes) * 1e9 / (double)(m->now - r->sample_ts);
		r->sample_bytes = bytes;
		r->sample_ts = m->now;
	}
}

void tt_ui_model_over(struct tt_ui_model *m, const struct tt_conn *c, tt_time_ns ts)
{
	struct tt_ui_row *r = tt_ui_model_find(m, c->id);

	if (c->remnant) {
		/* A row over leaves TIME_WAIT: its states change, it lingers from now. */
		if (r != NULL && r->over && r->final != NULL) {
			r->final->conn.state[TT_CLIENT] = c->state[TT_CLIENT];
			r->final->conn.state[TT_SERVER] = c->state[TT_SERVER];
			r->state[TT_CLIENT] = c->state[TT_CLIENT];
			r->state[TT_SERVER] = c->state[TT_SERVER];
			r->over_at = ts;
		}
		return;
	}
	if (r == NULL) {
		if (m->now != 0 && m->now - tt_ui_closed_at(c, ts) > m->linger)
			return;
		r = add_row(m, c->id);
		if (r == NULL)
			return;
	}
	tt_ui_row_update(r, c);
	r->gone = false;
	mark_over(r, c, ts);
}

void tt_ui_model_evicted(struct tt_ui_model *m, uint64_t id)
{
	struct tt_ui_row *r = tt_ui_model_find(m, id);

	if (r != NULL)
		r->gone = true;
}

static int cmp_key(const void *a, const void *b)
{
	const struct tt_ui_sortkey *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->id < y->id ? -1 : (x->id > y->id ? 1 : 0);
}

/* A row over with an endpoint still in TIME_WAIT stays until it leaves. */
static bool in_time_wait(const struct tt_ui_row *r)
{
	return r->state[TT_CLIENT] == TT_TCP_TIME_WAIT || r->state[TT_SERVER] == TT_TCP_TIME_WAIT;
}

void tt_ui_model_end(struct tt_ui_model *m)
{
	uint32_t j = 0, nover = 0;
	tt_time_ns over_floor = INT64_MIN; /* over rows before this leave (too many) */

	for (uint32_t i = 0; i < m->n; i++) {
		struct tt_ui_row *r = &m->rows[i];
		if (r->over && !r->gone && (m->now - r->over_at <= m->linger || in_time_wait(r)))
			m->keys[nover++] = (struct tt_ui_sortkey){r->over_at, r->id, i};
	}
	if (nover > TT_UI_MAX_OVER) {
		qsort(m->keys, nover, sizeof(*m->keys), cmp_key);
		over_floor = m->keys[nover - TT_UI_MAX_OVER].key;
	}
	nover = 0;
	for (uint32_t i = 0; i < m->n; i++) {
		struct tt_ui_row *r = &m->rows[i];
		bool keep = !r->gone && (r->seen || r->over);
		if (keep && r->over)
			keep = (m->now - r->over_at <= m->linger || in_time_wait(r)) &&
			       r->over_at >= over_floor &&
			       nover < TT_UI_MAX_OVER;
		if (!keep) {
			free(r->final);
			continue;
		}
		if (r->over)
			nover++;
		if (j != i)
			m->rows[j] = *r;
		j++;
	}
	m->n = j;
	m->over = nover;
	m->nview = 0;
	memset(m->hash, 0, sizeof(*m->hash) * m->hcap);
	for (uint32_t i = 0; i < m->n; i++)
		hash_put(m->hash, m->hcap, m->rows[i].id, i);
}

void tt_ui_model_view(struct tt_ui_model *m, const struct tt_ui_filter *f, enum tt_ui_sort s,
                      bool reverse)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < m->n; i++) {
		const struct tt_ui_row *r = &m->rows[i];
		if (tt_ui_filter_match(f, r))
			m->keys[n++] = (struct tt_ui_sortkey){tt_ui_sort_key(r, s, reverse, m->now), r->id, i};
	}
	if (n > 1)
		qsort(m->keys, n, sizeof(*m->keys), cmp_key);
	for (uint32_t i = 0; i < n; i++)
		m->view[i] = m->keys[i].idx;
	m->nview = n;
}
