/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report_at.c - "ss from a pcap": the socket table both hosts would have shown
 * at one instant (--at), one row per endpoint of every connection open then,
 * plus the listening sockets the handshakes proved, then counts per state.
 */
#include "tcptrack/report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LISTENERS (1u << 20)

int tt_at_init(struct tt_at *a, tt_time_ns at)
{
	memset(a, 0, sizeof(*a));
	a->at = at;
	return TT_OK;
}

void tt_at_free(struct tt_at *a)
{
	free(a->rows);
	free(a->lhash);
	memset(a, 0, sizeof(*a));
}

static struct tt_at_row *new_row(struct tt_at *a)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		struct tt_at_row *p = realloc(a->rows, cap * sizeof(*p));
		if (p == NULL) {
			a->oom = true;
			return NULL;
		}
		a->rows = p;
		a->cap = cap;
	}
	return &a->rows[a->n++];
}

/*
 * An endpoint's state at the table's instant, from its history: the last
 * transition at or before it.  Histories are dated by the segments that
 * caused them, including those proven later (a server's SYN_RCVD from the SYN
 * its SYN,ACK answers), so the whole capture is read first.  A TIME_WAIT
 * whose 2*MSL ended by then is over even if the capture stopped before.
 * @return false if the endpoint had no socket then.
 */
static bool state_at(const struct tt_conn *c, int ep, tt_time_ns at, uint8_t *state,
                     tt_time_ns *since)
{
	const struct tt_history *h = &c->hist[ep];
	int i = -1;

	for (int k = 0; k < h->n; k++)
		if (tt_conn_hist_ts(c, ep, k) <= at)
			i = k;
	if (i < 0 || tt_history_state(h, i) == TT_TCP_CLOSED)
		return false;
	if (tt_history_state(h, i) == TT_TCP_TIME_WAIT && tt_conn_tw_deadline(c, ep) != 0 &&
	    tt_conn_tw_deadline(c, ep) <= at)
		return false;
	*state = (uint8_t)tt_history_state(h, i);
	*since = tt_conn_hist_ts(c, ep, i);
	return true;
}

/*
 * A later incarnation on the same 4-tuple that began by the table's instant
 * took the 4-tuple over: the earlier one's endpoints left in TIME_WAIT were
 * gone from then (Linux lets connect() reuse its own TIME_WAIT).  Their rows,
 * added when the earlier record was written, are taken out.
 */
static void drop_replaced(struct tt_at *a, const struct tt_conn *c)
{
	uint64_t gone = 0;

	for (size_t i = a->n; i-- > 0;) {
		struct tt_at_row *r = &a->rows[i];
		bool same = false;
		if (r->id == 0 || r->id == c->id || r->state != TT_TCP_TIME_WAIT ||
		    r->ip_version != c->ip_version)
			continue;
		for (int ep = 0; ep < 2 && !same; ep++) /* either role */
			same = r->lport == tt_conn_port(c, ep) && r->pport == tt_conn_port(c, !ep) &&
			       memcmp(r->local, tt_conn_addr(c, ep), 16) == 0 &&
			       memcmp(r->peer, tt_conn_addr(c, !ep), 16) == 0;
		if (!same)
			continue;
		gone = r->id;
		*r = a->rows[--a->n];
	}
	if (gone == 0)
		return;
	for (size_t i = 0; i < a->n; i++)
		if (a->rows[i].id == gone)
			return;
	a->conns--;
}

void tt_at_add_conn(struct tt_at *a, const struct tt_conn *c)
{
	bool any = false;

	if (c->incarnation > 1 && c->rt.first <= a->at)
		drop_replaced(a, c);

	for (int ep = 0; ep < 2; ep++) {
		struct tt_at_row *r;
		uint8_t st;
		tt_time_ns since;

		if (!state_at(c, ep, a->at, &st, &since))
			continue;
		r = new_row(a);
		if (r == NULL)
			return;
		memset(r, 0, sizeof(*r));
		r->ip_version = c->ip_version;
		r->state = st;
		r->endpoint = (uint8_t)ep;
		memcpy(r->local, tt_conn_addr(c, ep), 16);
		memcpy(r->peer, tt_conn_addr(c, !ep), 16);
		r->lport = tt_conn_port(c, ep);
		r->pport = tt_conn_port(c, !ep);
		r->id = c->id;
		r->since = since;
		any = true;
	}
	if (any)
		a->conns++;
}

static uint32_t listener_hash(uint8_t v, const uint8_t addr[16], uint16_t port)
{
	uint32_t x = 2166136261u ^ v;
	for (int i = 0; i < 16; i++)
		x = (x ^ addr[i]) * 16777619u;
	x = (x ^ port) * 16777619u;
	return x ^ (x >> 15);
}

/* The listener table: indexes into rows, open addressing, 0 = empty. */
static bool listener_grow(struct tt_at *a)
{
	uint32_t cap = a->lcap ? a->lcap * 2 : 256;
	uint32_t *h = calloc(cap, sizeof(*h));

	if (h == NULL)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const struct tt_at_row *r = &a->rows[i];
		if (r->state != TT_TCP_LISTEN || r->id != 0)
			continue;
		uint32_t j = listener_hash(r->ip_version, r->local, r->lport) & (cap - 1);
		while (h[j] != 0)
			j = (j + 1) & (cap - 1);
		h[j] = (uint32_t)i + 1;
	}
	free(a->lhash);
	a->lhash = h;
	a->lcap = cap;
	return true;
}

void tt_at_add_listener(struct tt_at *a, uint8_t ip_version, const uint8_t addr[16],
                        uint16_t port, tt_time_ns since)
{
	uint32_t j;
	struct tt_at_row *r;

	if ((a->n_listen + 1) * 2 > a->lcap && !listener_grow(a)) {
		a->oom = true;
		return;
	}
	j = listener_hash(ip_version, addr, port) & (a->lcap - 1);
	for (; a->lhash[j] != 0; j = (j + 1) & (a->lcap - 1)) {
		r = &a->rows[a->lhash[j] - 1];
		if (r->ip_version == ip_version && r->lport == port && memcmp(r->local, addr, 16) == 0)
			return; /* known: keep the first proof */
	}
	if (a->n_listen >= MAX_LISTENERS) {
		a->listeners_dropped++;
		return;
	}
	r = new_row(a);
	if (r == NULL)
		return;
	memset(r, 0, sizeof(*r));
	r->ip_version = ip_version;
	r->state = TT_TCP_LISTEN;
	memcpy(r->local, addr, 16);
	r->lport = port;
	r->since = since;
	a->lhash[j] = (uint32_t)(r - a->rows) + 1;
	a->n_listen++;
}

/* ss order: listeners first, then by local address and port, then peer. */
static int cmp_row(const void *x, const void *y)
{
	const struct tt_at_row *a = x, *b = y;
	int d;

	if ((a->id == 0) != (b->id == 0))
		return a->id == 0 ? -1 : 1;
	if (a->ip_version != b->ip_version)
		return a->ip_version < b->ip_version ? -1 : 1;
	if ((d = memcmp(a->local, b->local, 16)) != 0)
		return d;
	if (a->lport != b->lport)
		return a->lport < b->lport ? -1 : 1;
	if ((d = memcmp(a->peer, b->peer, 16)) != 0)
		return d;
	if (a->pport != b->pport)
		return a->pport < b->pport ? -1 : 1;
	return a->id < b->id ? -1 : (a->id > b->id ? 1 : 0);
}

static void peer_name(char *b, size_t n, const struct tt_at_row *r)
{
	if (r->id == 0)
		snprintf(b, n, "*:*");
	else
		tt_format_endpoint(b, n, r->ip_version, r->peer, r->pport);
}

static void write_text(const struct tt_at *a, FILE *f, const uint64_t *by_state)
{
	char t[40], l[64], p[64], s[40];
	int wl = (int)strlen("Local Address:Port"), wp = (int)strlen("Peer Address:Port");
	bool first = true;

	/* Columns as wide as their longest address (ss does the same). */
	for (size_t i = 0; i < a->n; i++) {
		const struct tt_at_row *r = &a->rows[i];
		int n = tt_format_endpoint(l, sizeof(l), r->ip_version, r->local, r->lport);
		if (n > wl)
			wl = n;
		peer_name(p, sizeof(p), r);
		if ((int)strlen(p) > wp)
			wp = (int)strlen(p);
	}
	fprintf(f, "%-12s %-*s %-*s %7s  %s\n", "State", wl, "Local Address:Port", wp,
	        "Peer Address:Port", "Conn", "Since");
	for (size_t i = 0; i < a->n; i++) {
		const struct tt_at_row *r = &a->rows[i];
		tt_format_endpoint(l, sizeof(l), r->ip_version, r->local, r->lport);
		peer_name(p, sizeof(p), r);
		tt_format_time(s, sizeof(s), r->since);
		if (r->id != 0)
			fprintf(f, "%-12s %-*s %-*s %7" PRIu64 "  %s\n",
			        tt_tcp_state_name((enum tt_tcp_state)r->state), wl, l, wp, p, r->id, s);
		else
			fprintf(f, "%-12s %-*s %-*s %7s  %s\n", "LISTEN", wl, l, wp, p, "-", s);
	}
	tt_format_time(t, sizeof(t), a->at);
	tt_format_utc(s, sizeof(s), a->at);
	fprintf(f, "\nAt %s (%s): %zu sockets of %" PRIu64 " connections, %zu listening", s, t,
	        a->n - a->n_listen, a->conns, a->n_listen);
	for (int st = 0; st < 11; st++) {
		if (by_state[st] == 0 || st == TT_TCP_LISTEN)
			continue;
		fprintf(f, "%s %s %" PRIu64, first ? " --" : ",",
		        tt_tcp_state_name((enum tt_tcp_state)st), by_state[st]);
		first = false;
	}
	fputc('\n', f);
	if (a->listeners_dropped > 0)
		fprintf(f, "(%" PRIu64 " more listening sockets not shown)\n", a->listeners_dropped);
}

static void write_json(const struct tt_at *a, FILE *f, const uint64_t *by_state)
{
	char t[40], l[64], p[64], s[40];
	bool first = true;

	for (size_t i = 0; i < a->n; i++) {
		const struct tt_at_row *r = &a->rows[i];
		tt_format_endpoint(l, sizeof(l), r->ip_version, r->local, r->lport);
		peer_name(p, sizeof(p), r);
		tt_format_time(s, sizeof(s), r->since);
		fprintf(f, "{\"type\":\"socket\",\"state\":\"%s\",\"local\":\"%s\",\"peer\":\"%s\",",
		        tt_tcp_state_name((enum tt_tcp_state)r->state), l, p);
		if (r->id != 0)
			fprintf(f, "\"id\":%" PRIu64 ",\"endpoint\":\"%s\",", r->id,
			        r->endpoint == TT_CLIENT ? "client" : "server");
		else
			fputs("\"id\":null,\"endpoint\":null,", f);
		fprintf(f, "\"since\":%s}\n", s);
	}
	tt_format_time(t, sizeof(t), a->at);
	fprintf(f, "{\"type\":\"at\",\"time\":%s,\"sockets\":%zu,\"connections\":%" PRIu64
	        ",\"listening\":%zu,\"states\":{", t, a->n - a->n_listen, a->conns, a->n_listen);
	for (int st = 0; st < 11; st++) {
		if (by_state[st] == 0 || st == TT_TCP_LISTEN)
			continue;
		fprintf(f, "%s\"%s\":%" PRIu64, first ? "" : ",",
		        tt_tcp_state_name((enum tt_tcp_state)st), by_state[st]);
		first = false;
	}
	fprintf(f, "},\"incomplete\":%s}\n", a->oom || a->listeners_dropped ? "true" : "false");
}

static void write_csv(const struct tt_at *a, FILE *f)
{
	char l[64], p[64], s[40];

	fputs("state,local,peer,id,endpoint,since\n", f);
	for (size_t i = 0; i < a->n; i++) {
		const struct tt_at_row *r = &a->rows[i];
		tt_format_endpoint(l, sizeof(l), r->ip_version, r->local, r->lport);
		peer_name(p, sizeof(p), r);
		tt_format_time(s, sizeof(s), r->since);
		if (r->id != 0)
			fprintf(f, "%s,%s,%s,%" PRIu64 ",%s,%s\n",
			        tt_tcp_state_name((enum tt_tcp_state)r->state), l, p, r->id,
			        r->endpoint == TT_CLIENT ? "client" : "server", s);
		else
			fprintf(f, "LISTEN,%s,%s,,,%s\n", l, p, s);
	}
}

void tt_at_write(struct tt_at *a, enum tt_report_format fmt, FILE *out)
{
	uint64_t by_state[11] = {0};

	if (a->n > 1)
		qsort(a->rows, a->n, sizeof(*a->rows), cmp_row);
	/* (The listener index is stale after sorting; nothing is added later.) */
	for (size_t i = 0; i < a->n; i++)
		by_state[a->rows[i].state % 11]++;
	if (fmt == TT_FMT_JSON)
		write_json(a, out, by_state);
	else if (fmt == TT_FMT_CSV)
		write_csv(a, out);
	else
		write_text(a, out, by_state);
}
