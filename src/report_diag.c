/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report_diag.c - the summary's diagnoses: endpoints that stayed in
 * CLOSE_WAIT too long (the application did not call close()), half-closed
 * connections, connections in TIME_WAIT over time per server and per client
 * (port exhaustion), failed openings by kind and target, resets by side.
 * Records are counted as they are written and TIME_WAIT follows the
 * tracker's state-change events: nothing here runs per packet.
 */
#include "tcptrack/report.h"

#include "tcptrack/common.h"

#include <assert.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---- bounded tables ------------------------------------------------------------------------ */

/* The hash of a key whose address is addr (16 bytes). */
static inline uint32_t hash_of(const uint8_t *addr, uint16_t port, uint8_t ip_version)
{
	/* Multiply-xorshift over 8-byte words (as the flow table's): a few
	 * multiplies where a byte-wise hash chains eighteen.  An IPv4 key (its
	 * address's last 12 bytes zero) as one word, one multiply: the address
	 * in the low bits, where the product carries it into every bit above
	 * (shifted up, the bytes that vary missed the slot's bits). */
	uint64_t w[2], h = UINT64_C(0x2545f4914f6cdd1d);

	if (ip_version == 4) {
		uint32_t a;
		memcpy(&a, addr, sizeof(a));
		h = tt_hash_mix(h, a | (uint64_t)port << 32 | UINT64_C(4) << 48);
	} else {
		memcpy(w, addr, sizeof(w));
		h = tt_hash_mix(h, w[0]);
		h = tt_hash_mix(h, w[1]);
		h = tt_hash_mix(h, (uint64_t)port << 8 | ip_version);
	}
	return (uint32_t)(h ^ (h >> 32));
}

static uint32_t key_hash(const struct tt_diag_key *k)
{
	return hash_of(k->addr, k->port, k->ip_version);
}

static bool key_eq(const struct tt_diag_key *a, const struct tt_diag_key *b)
{
	return a->ip_version == b->ip_version && a->port == b->port &&
	       memcmp(a->addr, b->addr, 16) == 0;
}

/* The slot of key k in slots[cap]: its own, or the empty one where it goes. */
static struct tt_diag_entry *slot_of(struct tt_diag_entry *slots, uint32_t cap,
                                     const struct tt_diag_key *k, uint32_t h)
{
	uint32_t j = h & (cap - 1);

	while (slots[j].key.ip_version != 0 && !key_eq(&slots[j].key, k))
		j = (j + 1) & (cap - 1);
	return &slots[j];
}

/* Room for one more key: the slots double, staying at most half full. */
static bool table_reserve(struct tt_diag_table *t)
{
	uint32_t cap;
	size_t bytes;
	struct tt_diag_entry *slots;

	if ((t->n + 1) * 2 <= t->cap)
		return true;
	cap = t->cap ? t->cap * 2 : 32;
	bytes = (size_t)cap * sizeof(*slots);
	/* Probed at random and dense: on huge pages once large (a TLB miss per
	 * lookup otherwise, for a table of many clients). */
	slots = tt_block_alloc(&bytes);
	if (slots == NULL)
		return false;
	memset(slots, 0, bytes);
	for (uint32_t i = 0; i < t->cap; i++)
		if (t->slot[i].key.ip_version != 0)
			*slot_of(slots, cap, &t->slot[i].key, key_hash(&t->slot[i].key)) = t->slot[i];
	free(t->slot);
	t->slot = slots;
	t->cap = cap;
	return true;
}

/* The entry of key k (hash h) in t, or NULL. */
static struct tt_diag_entry *find(const struct tt_diag_table *t, const struct tt_diag_key *k,
                                  uint32_t h)
{
	struct tt_diag_entry *e;

	if (t->cap == 0)
		return NULL;
	e = slot_of(t->slot, t->cap, k, h);
	return e->key.ip_version != 0 ? e : NULL;
}

/*
 * The entry of key k, added when new and `add`.  A key that cannot have its
 * own entry (the table is full, or memory ran out) counts in `other`; from
 * then on no key is added, so a key missing from the table was pooled and a
 * later lookup of it (leaving TIME_WAIT) finds `other` too.
 */
static __attribute__((noinline)) struct tt_diag_entry *table_add(struct tt_diag_table *t,
                                                                  const struct tt_diag_key *k,
                                                                  uint32_t h, bool add);

static struct tt_diag_entry *table_get(struct tt_diag_table *t, const struct tt_diag_key *k,
                                       uint32_t h, bool add)
{
	struct tt_diag_entry *e;

	assert(k->ip_version != 0); /* (0 marks an empty slot) */
	if ((e = find(t, k, h)) != NULL)
		return e;
	return table_add(t, k, h, add);
}

/* table_get() of a key not in the table.  (Out of line: a key is added once,
 * then found many times.) */
static struct tt_diag_entry *table_add(struct tt_diag_table *t, const struct tt_diag_key *k,
                                       uint32_t h, bool add)
{
	struct tt_diag_entry *e;

	if (!add || t->pooled)
		return &t->other;
	if (t->n >= TT_DIAG_KEYS_MAX || !table_reserve(t)) {
		t->pooled = true;
		return &t->other;
	}
	e = slot_of(t->slot, t->cap, k, h);
	memset(e, 0, sizeof(*e));
	e->key = *k;
	e->seq = t->n++;
	return e;
}

const struct tt_diag_entry *tt_diag_find(const struct tt_diag_table *t,
                                         const struct tt_diag_key *k)
{
	return find(t, k, key_hash(k));
}

static void table_free(struct tt_diag_table *t)
{
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

void tt_diag_free(struct tt_report_diag *d)
{
	table_free(&d->tw_server);
	table_free(&d->tw_client);
	for (int i = 0; i < TT_DIAG_NFAIL; i++)
		table_free(&d->fail[i]);
	d->tw_head = d->tw_n = 0;
}

/* The key of connection c's endpoint ep, with its port or not, into k.
 * @return its hash, worked out from what was read, not read back from k. */
static uint32_t make_key(struct tt_diag_key *k, const struct tt_conn *c, enum tt_endpoint ep,
                         bool with_port)
{
	static const uint8_t zero[12];
	const uint8_t *addr = tt_conn_addr(c, ep);
	uint8_t v = c->ip_version;
	uint16_t port = with_port ? tt_conn_port(c, ep) : 0;

	/* (The byte of padding is left: keys are hashed and compared field by field.) */
	k->ip_version = v;
	k->port = port;
	/* All 16 bytes, one fixed copy: the flow key holds an IPv4 address's
	 * last 12 as zeros already (tt_flow_key_make()), as a key here must. */
	memcpy(k->addr, addr, 16);
	assert(v != 4 || memcmp(addr + 4, zero, sizeof(zero)) == 0);
	(void)zero;
	return hash_of(addr, port, v);
}

static bool better(const struct tt_diag_entry *a, const struct tt_diag_entry *b, bool by_peak)
{
	if (by_peak) {
		if (a->peak != b->peak)
			return a->peak > b->peak;
		if (a->peak_at != b->peak_at)
			return a->peak_at < b->peak_at;
	} else if (a->n != b->n) {
		return a->n > b->n;
	}
	return a->seq < b->seq;
}

size_t tt_diag_top(const struct tt_diag_table *t, bool by_peak,
                   const struct tt_diag_entry *top[TT_DIAG_TOP])
{
	size_t k = 0;

	for (uint32_t i = 0; i < t->cap; i++) {
		const struct tt_diag_entry *e = &t->slot[i];
		size_t j;

		if (e->key.ip_version == 0)
			continue;
		if (k == TT_DIAG_TOP && !better(e, top[k - 1], by_peak))
			continue;
		if (k < TT_DIAG_TOP)
			k++;
		for (j = k - 1; j > 0 && better(e, top[j - 1], by_peak); j--)
			top[j] = top[j - 1];
		top[j] = e;
	}
	return k;
}

/* ---- collection ---------------------------------------------------------------------------- */

/* Ask for the slot where a key of hash h is (or goes) in t. */
static void prefetch_slot(const struct tt_diag_table *t, uint32_t h)
{
	if (t->cap > 0)
		__builtin_prefetch(&t->slot[h & (t->cap - 1)], 1);
}

/* Count a change of entry e's count in TIME_WAIT. */
static inline void tw_count(struct tt_diag_entry *e, int delta, tt_time_ns ts)
{
	if (delta < 0) {
		if (e->cur > 0) /* never below zero, whatever the events */
			e->cur--;
		return;
	}
	e->n++;
	if (++e->cur > e->peak) {
		e->peak = e->cur;
		e->peak_at = ts;
	}
}

/* tw_change() of a key not in the table.  (Out of line, so that the common
 * case, a key found, calls nothing and saves no registers.) */
static __attribute__((noinline)) void tw_change_new(struct tt_diag_table *t,
                                                    const struct tt_diag_key *k, uint32_t h,
                                                    int delta, tt_time_ns ts)
{
	tw_count(table_add(t, k, h, delta > 0), delta, ts);
}

static void tw_change(struct tt_diag_table *t, const struct tt_diag_key *k, uint32_t h,
                      int delta, tt_time_ns ts)
{
	struct tt_diag_entry *e;

	assert(k->ip_version != 0); /* (0 marks an empty slot) */
	if ((e = find(t, k, h)) == NULL)
		tw_change_new(t, k, h, delta, ts);
	else
		tw_count(e, delta, ts);
}

/* Count the oldest change waiting. */
static void tw_apply_oldest(struct tt_report_diag *d)
{
	const struct tt_diag_tw_change *w = &d->tw_wait[d->tw_head];

	tw_change(&d->tw_server, &w->server, w->server_hash, w->delta, w->ts);
	tw_change(&d->tw_client, &w->client, w->client_hash, w->delta, w->ts);
	d->tw_head = (d->tw_head + 1) % TT_DIAG_TW_RING;
	d->tw_n--;
}

/* Queue a change of connection c's count in TIME_WAIT, then count the oldest
 * when more than TT_DIAG_TW_LAG wait (the ring has room for one more, so the
 * count comes last, with the keys just built no longer needed in registers).
 * (Out of line: a few events in a connection's dozen change it, and inlined,
 * its registers were saved and restored for every event.) */
static __attribute__((noinline)) void tw_queue(struct tt_report_diag *d, const struct tt_conn *c,
                                               int delta, tt_time_ns ts)
{
	_Static_assert(TT_DIAG_TW_LAG < TT_DIAG_TW_RING, "room for one more");
	_Static_assert((TT_DIAG_TW_RING & (TT_DIAG_TW_RING - 1)) == 0, "a power of two");
	struct tt_diag_tw_change *w = &d->tw_wait[(d->tw_head + d->tw_n++) % TT_DIAG_TW_RING];

	w->server_hash = make_key(&w->server, c, TT_SERVER, true);
	w->client_hash = make_key(&w->client, c, TT_CLIENT, false);
	w->delta = delta;
	w->ts = ts;
	prefetch_slot(&d->tw_server, w->server_hash);
	prefetch_slot(&d->tw_client, w->client_hash);
	if (d->tw_n > TT_DIAG_TW_LAG)
		tw_apply_oldest(d);
}

/*
 * A connection counts in TIME_WAIT from the first of its endpoints entering it
 * to the last leaving it: a simultaneous close (both endpoints in TIME_WAIT)
 * is one connection, and it leaves at the tracker's single timer for both,
 * so the count never depends on the order in which the two exits are dated.
 * A record written with an endpoint still in TIME_WAIT is followed on by the
 * tracker when the connection was over (its leaving TIME_WAIT comes as an
 * event); otherwise (evicted, or the end of the input) it leaves then.
 */
void tt_report_event(struct tt_report *r, const struct tt_event *ev)
{
	struct tt_report_diag *d = &r->diag;
	const struct tt_conn *c = ev->conn;
	int delta = 0;

	if (c == NULL)
		return;
	if (ev->type == TT_EVT_STATE) {
		/* The tracker has already set the endpoint's new state. */
		bool peer = c->state[ev->endpoint == TT_CLIENT ? TT_SERVER : TT_CLIENT] ==
		            TT_TCP_TIME_WAIT;
		bool before = ev->from == TT_TCP_TIME_WAIT || peer;
		bool after = ev->to == TT_TCP_TIME_WAIT || peer;
		if (after && !before)
			delta = 1;
		else if (before && !after)
			delta = -1;
	} else if (ev->type == TT_EVT_CONN_END && !c->tw_followed) {
		if (c->state[TT_CLIENT] == TT_TCP_TIME_WAIT || c->state[TT_SERVER] == TT_TCP_TIME_WAIT)
			delta = -1;
	}
	if (delta != 0)
		tw_queue(d, c, delta, ev->ts);
}

void tt_diag_flush(struct tt_report_diag *d)
{
	while (d->tw_n > 0)
		tw_apply_oldest(d);
}

/*
 * Where history h may have entered state s: bit 4i+3 for transition i.  Its
 * states, 4 bits each, are compared all at once: each is XORed with s, and a
 * zero place (a match) borrows in a subtraction of 1 from every place; the
 * places past h->n are masked off.  The lowest bit set is a match; one above
 * a match may be its borrow instead (check it).  0: s was never entered (most
 * endpoints never were in CLOSE_WAIT: they take no loop).
 */
static uint64_t history_matches(const struct tt_history *h, enum tt_tcp_state s)
{
	const uint64_t ones = UINT64_C(0x1111111111111111);
	unsigned n = h->n < TT_HISTORY_MAX ? h->n : TT_HISTORY_MAX;
	uint64_t places = (UINT64_C(1) << (4 * n)) - 1, w = 0, x;

	_Static_assert(TT_HISTORY_MAX < 16, "a history's states and the borrow fit a word");
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* The history as one word (one load), its states shifted down to place i
	 * at bits 4i. */
	_Static_assert(sizeof(*h) == 8 && offsetof(struct tt_history, st) == 2, "a word, st last");
	memcpy(&w, h, sizeof(w));
	w >>= 16;
#else
	for (size_t b = 0; b < sizeof(h->st); b++) /* (place i at bits 4i) */
		w |= (uint64_t)h->st[b] << (8 * b);
#endif
	x = w ^ (ones * ((unsigned)s & 0xfu));
	return (x - ones) & ~x & (ones << 3) & places;
}

/*
 * Time the endpoint spent in CLOSE_WAIT (m: where its history may have entered
 * it, history_matches(), not 0): from entering it to its next state, or, when
 * still there, to the record's end (the end of the input, or the eviction): a
 * CLOSE_WAIT leak is silence, so the connection's last packet would say nothing.
 */
static void close_wait_check(struct tt_report_diag *d, const struct tt_conn *c,
                             enum tt_endpoint ep, uint64_t m)
{
	const struct tt_history *h = &c->hist[ep];
	tt_time_ns total = 0;
	bool open = false, seen = false;
	struct tt_diag_close_wait *w;

	for (; m != 0; m &= m - 1) {
		int i = __builtin_ctzll(m) >> 2; /* (lowest first) */
		tt_time_ns to;
		if (tt_history_state(h, i) != TT_TCP_CLOSE_WAIT)
			continue;
		seen = true;
		open = i == h->n - 1;
		if (open) {
			tt_time_ns end = tt_conn_end(c), last = tt_conn_last(c);
			to = end > last ? end : last;
		} else {
			to = tt_conn_hist_ts(c, (int)ep, i + 1);
		}
		if (to > tt_conn_hist_ts(c, (int)ep, i)) /* time may go backwards in a capture */
			total += to - tt_conn_hist_ts(c, (int)ep, i);
	}
	if (!seen || total <= d->close_wait_alert)
		return;
	if (d->close_wait_n < TT_DIAG_LIST_MAX) {
		w = &d->close_wait[d->close_wait_n];
		memset(w, 0, sizeof(*w));
		w->id = c->id;
		w->duration = total;
		w->ip_version = c->ip_version;
		w->endpoint = (uint8_t)ep;
		w->open_at_end = open;
		w->lport = tt_conn_port(c, ep);
		w->pport = tt_conn_port(c, !ep);
		memcpy(w->local, tt_conn_addr(c, ep), 16);
		memcpy(w->peer, tt_conn_addr(c, !ep), 16);
	}
	d->close_wait_n++;
}

static void failed(struct tt_report_diag *d, enum tt_diag_fail kind, const struct tt_conn *c)
{
	struct tt_diag_key k;
	uint32_t h = make_key(&k, c, TT_SERVER, true);

	table_get(&d->fail[kind], &k, h, true)->n++;
	d->fail_n[kind]++;
}

void tt_diag_conn(struct tt_report_diag *d, const struct tt_conn *c, enum tt_outcome outcome)
{
	/* (the quick test here: most endpoints never were in CLOSE_WAIT) */
	for (int ep = 0; ep < 2; ep++) {
		uint64_t m = history_matches(&c->hist[ep], TT_TCP_CLOSE_WAIT);
		if (m != 0)
			close_wait_check(d, c, (enum tt_endpoint)ep, m);
	}
	switch (outcome) {
	case TT_OUT_HALF_CLOSED:
		if (d->half_closed_n < TT_DIAG_LIST_MAX)
			d->half_closed[d->half_closed_n] = c->id;
		d->half_closed_n++;
		break;
	case TT_OUT_REFUSED:
		failed(d, TT_DIAG_REFUSED, c);
		break;
	case TT_OUT_TIMEOUT:
		failed(d, TT_DIAG_TIMEOUT, c);
		break;
	case TT_OUT_UNREACHABLE:
		failed(d, TT_DIAG_UNREACHABLE, c);
		break;
	case TT_OUT_RESET:
		if (c->reset_by == 1 || c->reset_by == 2)
			d->resets_by[c->reset_by - 1]++;
		break;
	default:
		break;
	}
}

bool tt_diag_any(const struct tt_report_diag *d)
{
	bool any = d->close_wait_n > 0 || d->half_closed_n > 0 || d->tw_server.n > 0 ||
	           d->tw_server.pooled || d->tw_client.n > 0 || d->tw_client.pooled ||
	           d->resets_by[0] + d->resets_by[1] > 0;

	for (int i = 0; i < TT_DIAG_NFAIL; i++)
		any = any || d->fail_n[i] > 0;
	return any;
}

/* ---- text ---------------------------------------------------------------------------------- */

static const char *const fail_names[TT_DIAG_NFAIL] = {"refused", "timeout", "unreachable"};

#define TEXT_LEAD "  diagnoses:   "
#define TEXT_NEXT "               "
#define TEXT_ITEM "                 "

/* "60", "1.5": the --close-wait-alert as it could have been typed, without floating point. */
static void format_seconds_short(char *b, size_t n, tt_time_ns t)
{
	int64_t frac = t % TT_NS_PER_SEC;
	int digits = 9;

	if (frac == 0) {
		snprintf(b, n, "%" PRId64, t / TT_NS_PER_SEC);
		return;
	}
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	snprintf(b, n, "%" PRId64 ".%0*" PRId64, t / TT_NS_PER_SEC, digits, frac);
}

/* As the text report's durations: seconds with microsecond digits. */
static void format_duration(char *b, size_t n, tt_time_ns d)
{
	if (d < 0)
		d = 0;
	snprintf(b, n, "%" PRId64 ".%06" PRId64 "s", d / TT_NS_PER_SEC,
	         (d % TT_NS_PER_SEC) / 1000);
}

static void format_key(char *b, size_t n, const struct tt_diag_key *k, bool with_port)
{
	if (with_port)
		tt_format_endpoint(b, n, k->ip_version, k->addr, k->port);
	else
		tt_format_addr(b, n, k->ip_version, k->addr);
}

static const char *lead(bool *first)
{
	const char *s = *first ? TEXT_LEAD : TEXT_NEXT;
	*first = false;
	return s;
}

static void text_close_wait(FILE *f, const struct tt_report_diag *d, bool *first)
{
	char a[32], l[64], p[64];

	format_seconds_short(a, sizeof(a), d->close_wait_alert);
	fprintf(f, "%sCLOSE_WAIT over %ss: %" PRIu64 " %s (the application did not call close())\n",
	        lead(first), a, d->close_wait_n, d->close_wait_n == 1 ? "endpoint" : "endpoints");
	for (uint64_t i = 0; i < d->close_wait_n && i < TT_DIAG_LIST_MAX; i++) {
		const struct tt_diag_close_wait *w = &d->close_wait[i];
		tt_format_endpoint(l, sizeof(l), w->ip_version, w->local, w->lport);
		tt_format_endpoint(p, sizeof(p), w->ip_version, w->peer, w->pport);
		format_duration(a, sizeof(a), w->duration);
		fprintf(f, TEXT_ITEM "#%" PRIu64 " %s %s <- %s: %s%s\n", w->id,
		        w->endpoint == TT_CLIENT ? "client" : "server", l, p, a,
		        w->open_at_end ? ", still in CLOSE_WAIT at the end" : "");
	}
	if (d->close_wait_n > TT_DIAG_LIST_MAX)
		fprintf(f, TEXT_ITEM "and %" PRIu64 " more\n", d->close_wait_n - TT_DIAG_LIST_MAX);
}

static void text_half_closed(FILE *f, const struct tt_report_diag *d, bool *first)
{
	fprintf(f, "%shalf-closed: %" PRIu64 " %s:", lead(first), d->half_closed_n,
	        d->half_closed_n == 1 ? "connection" : "connections");
	for (uint64_t i = 0; i < d->half_closed_n && i < TT_DIAG_LIST_MAX; i++)
		fprintf(f, "%s #%" PRIu64, i ? "," : "", d->half_closed[i]);
	if (d->half_closed_n > TT_DIAG_LIST_MAX)
		fprintf(f, " and %" PRIu64 " more", d->half_closed_n - TT_DIAG_LIST_MAX);
	fputc('\n', f);
}

static void text_tw_entry(FILE *f, const struct tt_diag_entry *e)
{
	char t[64];

	tt_format_utc(t, sizeof(t), e->peak_at);
	fprintf(f, "%u at %s (%" PRIu64 " in all)", e->peak, t, e->n);
}

/* The busiest keys of one TIME_WAIT table: the first on the heading's line. */
static void text_time_wait(FILE *f, const struct tt_diag_table *t, const char *what,
                           const char *whats, bool with_port, bool *first)
{
	const struct tt_diag_entry *top[TT_DIAG_TOP];
	size_t k = tt_diag_top(t, true, top);
	const char *sep = " ";
	char b[64];

	if (t->n == 0 && !t->pooled)
		return;
	fprintf(f, "%sTIME_WAIT peak per %s:", lead(first), what);
	for (size_t i = 0; i < k; i++) {
		format_key(b, sizeof(b), &top[i]->key, with_port);
		fprintf(f, "%s%s ", sep, b);
		text_tw_entry(f, top[i]);
		sep = "\n" TEXT_ITEM;
	}
	if (t->n > k) {
		fprintf(f, "%sand %" PRIu64 " more %s", sep, (uint64_t)(t->n - k), whats);
		sep = "\n" TEXT_ITEM;
	}
	if (t->pooled) {
		fprintf(f, "%sbeyond %u %s, together: ", sep, TT_DIAG_KEYS_MAX, whats);
		text_tw_entry(f, &t->other);
	}
	fputc('\n', f);
}

static void text_failures(FILE *f, const struct tt_report_diag *d, bool *first)
{
	const char *sep = "";

	fprintf(f, "%shandshake failures: ", lead(first));
	for (int i = 0; i < TT_DIAG_NFAIL; i++) {
		const struct tt_diag_entry *top[TT_DIAG_TOP];
		size_t k;
		uint64_t rest = d->fail_n[i];
		char b[64];

		if (d->fail_n[i] == 0)
			continue;
		k = tt_diag_top(&d->fail[i], false, top);
		fprintf(f, "%s%s %" PRIu64 " (", sep, fail_names[i], d->fail_n[i]);
		for (size_t j = 0; j < k; j++) {
			format_key(b, sizeof(b), &top[j]->key, true);
			fprintf(f, "%s%s %" PRIu64, j ? ", " : "", b, top[j]->n);
			rest -= top[j]->n;
		}
		if (rest > 0)
			fprintf(f, "%sothers %" PRIu64, k ? ", " : "", rest);
		fputc(')', f);
		sep = ", ";
	}
	fputc('\n', f);
}

void tt_diag_write_text(FILE *f, const struct tt_report_diag *d)
{
	bool first = true;

	if (!tt_diag_any(d))
		return;
	if (d->close_wait_n > 0)
		text_close_wait(f, d, &first);
	if (d->half_closed_n > 0)
		text_half_closed(f, d, &first);
	text_time_wait(f, &d->tw_server, "server", "servers", true, &first);
	text_time_wait(f, &d->tw_client, "client", "clients", false, &first);
	if (d->fail_n[TT_DIAG_REFUSED] + d->fail_n[TT_DIAG_TIMEOUT] +
	    d->fail_n[TT_DIAG_UNREACHABLE] > 0)
		text_failures(f, d, &first);
	if (d->resets_by[TT_CLIENT] + d->resets_by[TT_SERVER] > 0) {
		fprintf(f, "%sresets: ", lead(&first));
		if (d->resets_by[TT_CLIENT] > 0)
			fprintf(f, "by client %" PRIu64 "%s", d->resets_by[TT_CLIENT],
			        d->resets_by[TT_SERVER] > 0 ? ", " : "");
		if (d->resets_by[TT_SERVER] > 0)
			fprintf(f, "by server %" PRIu64, d->resets_by[TT_SERVER]);
		fputc('\n', f);
	}
}

/* ---- JSON ---------------------------------------------------------------------------------- */

static void json_seconds(FILE *f, tt_time_ns t)
{
	char b[40];

	tt_format_time(b, sizeof(b), t);
	fputs(b, f);
}

static void json_tw_entry(FILE *f, const struct tt_diag_entry *e)
{
	fprintf(f, "\"peak\":%u,\"peak_at\":", e->peak);
	json_seconds(f, e->peak_at);
	fprintf(f, ",\"entries\":%" PRIu64 "}", e->n);
}

static void json_time_wait(FILE *f, const struct tt_diag_table *t, const char *what,
                           const char *whats, bool with_port)
{
	const struct tt_diag_entry *top[TT_DIAG_TOP];
	size_t k = tt_diag_top(t, true, top);
	char b[64];

	fprintf(f, "\"%s\":%u,\"by_%s\":[", whats, t->n, what);
	for (size_t i = 0; i < k; i++) {
		format_key(b, sizeof(b), &top[i]->key, with_port);
		fprintf(f, "%s{\"%s\":\"%s\",", i ? "," : "", what, b);
		json_tw_entry(f, top[i]);
	}
	fprintf(f, "],\"%s_other\":", what);
	if (t->pooled) {
		fputc('{', f);
		json_tw_entry(f, &t->other);
	} else {
		fputs("null", f);
	}
}

void tt_diag_write_json(FILE *f, const struct tt_report_diag *d)
{
	char b[64], p[64];

	fputs(",\"diagnoses\":{\"close_wait_alert_s\":", f);
	json_seconds(f, d->close_wait_alert);
	fprintf(f, ",\"close_wait\":{\"count\":%" PRIu64 ",\"connections\":[", d->close_wait_n);
	for (uint64_t i = 0; i < d->close_wait_n && i < TT_DIAG_LIST_MAX; i++) {
		const struct tt_diag_close_wait *w = &d->close_wait[i];
		tt_format_endpoint(b, sizeof(b), w->ip_version, w->local, w->lport);
		tt_format_endpoint(p, sizeof(p), w->ip_version, w->peer, w->pport);
		fprintf(f, "%s{\"id\":%" PRIu64 ",\"endpoint\":\"%s\",\"local\":\"%s\",\"peer\":\"%s\","
		        "\"seconds\":", i ? "," : "", w->id,
		        w->endpoint == TT_CLIENT ? "client" : "server", b, p);
		json_seconds(f, w->duration);
		fprintf(f, ",\"open_at_end\":%s}", w->open_at_end ? "true" : "false");
	}
	fprintf(f, "]},\"half_closed\":{\"count\":%" PRIu64 ",\"ids\":[", d->half_closed_n);
	for (uint64_t i = 0; i < d->half_closed_n && i < TT_DIAG_LIST_MAX; i++)
		fprintf(f, "%s%" PRIu64, i ? "," : "", d->half_closed[i]);
	fputs("]},\"time_wait\":{", f);
	json_time_wait(f, &d->tw_server, "server", "servers", true);
	fputc(',', f);
	json_time_wait(f, &d->tw_client, "client", "clients", false);
	fputs("},\"handshake_failures\":{", f);
	for (int i = 0; i < TT_DIAG_NFAIL; i++) {
		const struct tt_diag_entry *top[TT_DIAG_TOP];
		size_t k = tt_diag_top(&d->fail[i], false, top);

		fprintf(f, "%s\"%s\":{\"count\":%" PRIu64 ",\"targets\":[", i ? "," : "",
		        fail_names[i], d->fail_n[i]);
		for (size_t j = 0; j < k; j++) {
			format_key(b, sizeof(b), &top[j]->key, true);
			fprintf(f, "%s{\"server\":\"%s\",\"count\":%" PRIu64 "}", j ? "," : "", b,
			        top[j]->n);
		}
		fputs("]}", f);
	}
	fprintf(f, "},\"resets\":{\"by_client\":%" PRIu64 ",\"by_server\":%" PRIu64 "}}",
	        d->resets_by[TT_CLIENT], d->resets_by[TT_SERVER]);
}
