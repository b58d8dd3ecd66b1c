/* SPDX-License-Identifier: BSD-2-Clause */
/* report_json.c - JSON Lines: one object per connection, then a summary object. */
#include "tcptrack/report.h"

#include <assert.h>
#include <inttypes.h>
#include <stddef.h>

#include "outbuf.h"

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void json_time(FILE *f, tt_time_ns t)
{
	char b[40];
	tt_format_time(b, sizeof(b), t);
	fputs(b, f);
}

/* ---- connection records: built in a buffer, no printf (see outbuf.h) ---- */

/* tt_p_u64(), always inlined: a record's 60-odd numbers are below 2^32 but the rarest,
 * which go to tt_p_wide(). */
static inline TT_ALWAYS_INLINE char *p_u64(char *p, uint64_t v)
{
	return v <= UINT32_MAX ? tt_p_u32(p, (uint32_t)v) : tt_p_wide(p, v);
}

/* ,"key":N or ,"key":null through the cursor p (see outbuf.h) */
#define P_U(p, key, v) ((p) = TT_P_LIT((p), ",\"" key "\":"), (p) = p_u64((p), (v)))
/* (A field of at most 32 bits: no test for the wider digits.) */
#define P_U32(p, key, v) ((p) = TT_P_LIT((p), ",\"" key "\":"), (p) = tt_p_u32((p), (v)))
#define P_OPT_U32(p, key, has, v) \
	((p) = TT_P_LIT((p), ",\"" key "\":"), (p) = (has) ? tt_p_u32((p), (v)) : TT_P_LIT((p), "null"))
#define P_BOOL(p, key, v) \
	((p) = (v) ? TT_P_LIT((p), ",\"" key "\":true") : TT_P_LIT((p), ",\"" key "\":false"))

/*
 * "name" (a name of ours: short, nothing to escape), or null: the inferred names, a
 * handful of literals (the fields whose names a value indexes are tables, see
 * p_field()).  Each is quoted once into a small table found by its address (another
 * name in its place is replaced), then copied as a fixed block: no strlen() and
 * memcpy() calls a name.  So only a string constant may be passed: the text is cached
 * by its address.
 */
struct name_text {
	const char *v;
	size_t len;  /* with the quotes */
	char q[32];
};
static struct name_text names[64];

/* Quote v into e (if it fits: else NULL, and v is not one of ours). */
static struct name_text *name_fill(struct name_text *e, const char *v)
{
	size_t len = strlen(v);

	if (len > sizeof(e->q) - 2)
		return NULL;
	e->q[0] = '"';
	memcpy(e->q + 1, v, len);
	e->q[len + 1] = '"';
	e->len = len + 2;
	e->v = v;
	return e;
}

static inline TT_ALWAYS_INLINE char *p_name(char *p, const char *v)
{
	struct name_text *e;

	if (v == NULL)
		return TT_P_LIT(p, "null");
	e = &names[(uint32_t)(uintptr_t)v * UINT32_C(0x9e3779b9) >> 26];
	if (e->v != v && name_fill(e, v) == NULL) {
		size_t len = strlen(v);
		*p++ = '"';
		memcpy(p, v, len);
		p[len] = '"';
		return p + len + 1;
	}
	memcpy(p, e->q, sizeof(e->q));
	return p + e->len;
}

/*
 * ,"key":"name" or ,"key":null of a field whose names are ours, by the field's value: the
 * text is built once for each value, from the name function, into a table indexed by the
 * value and copied as one fixed block (its length in the 48-byte entry's last byte): the
 * entry's first 32 bytes for the fields whose texts all fit them (FIELD_SHORT), all 48
 * for client_chosen_by ("first_sender": 34).  A value past the table's last entry takes
 * that entry, which holds what the name function gives every value from there on.
 */
struct field_text {
	char s[47];
	uint8_t len;
};
_Static_assert(sizeof(struct field_text) == 48, "a field's text is one 48-byte block");
#define FIELD_SHORT 32
#define FIELD_LONG sizeof(struct field_text)

/* (copy: the bytes p_field() will copy of it, FIELD_SHORT or FIELD_LONG) */
static void field_fill(struct field_text *f, const char *key, const char *name, size_t copy)
{
	int n = name != NULL ? snprintf(f->s, sizeof(f->s), ",\"%s\":\"%s\"", key, name)
	                     : snprintf(f->s, sizeof(f->s), ",\"%s\":null", key);
	size_t most = copy < sizeof(f->s) ? copy : sizeof(f->s) - 1;

	assert(n > 0 && (size_t)n <= most); /* (our keys and names are short) */
	/* (Never past what was written and copied, whatever a name: the cursor moves by it.) */
	f->len = (uint8_t)(n < 0 ? 0 : (size_t)n < most ? (size_t)n : most);
}

static inline TT_ALWAYS_INLINE char *p_field(char *p, const struct field_text *tab, unsigned v,
                                             unsigned last, size_t copy)
{
	const struct field_text *f = &tab[v < last ? v : last];

	memcpy(p, f, copy);
	return p + f->len;
}

/* The fields' tables (the last entry of each: any value from there on). */
#define HS_LAST (TT_HS_SIMULTANEOUS + 1)
#define CLOSED_BY_LAST 4 /* fin_first: bit 0 client, bit 1 server */
#define RESET_BY_LAST 3  /* reset_by: 0 none, 1 client, 2 server */
#define END_LAST (TT_END_INPUT + 1)
#define CR_LAST (TT_CR_FIRST_SENDER + 1)
static struct field_text f_handshake[HS_LAST + 1], f_outcome[TT_OUT_NUM + 1],
    f_closed_by[CLOSED_BY_LAST + 1], f_reset_by[RESET_BY_LAST + 1],
    f_state[2][TT_TCP_NSTATES + 1], f_end_reason[END_LAST + 1], f_client_reason[CR_LAST + 1];

/* A direction's counters' ,"name": (see json_dir()), and the counters and zero-window times
 * of a clean direction, all 0: the most common text of a record; built with the fields'
 * texts. */
static char ctr_keys[TT_AN_COUNT][48];
static size_t ctr_klen[TT_AN_COUNT];
static char dir_clean[TT_AN_COUNT * 48 + 64];
static size_t dir_clean_len;

/* ["STATE", for each of the 16 values of a history's state ("?" past the states), copied as
 * fixed 16-byte blocks (see json_history()); built with the fields' texts. */
static char hist_pre[16][16];
static uint8_t hist_pre_len[16];

static void fields_fill(void)
{
	struct tt_conn c;

	memset(&c, 0, sizeof(c));
	for (unsigned v = 0; v <= HS_LAST; v++)
		field_fill(&f_handshake[v], "handshake", tt_handshake_name((enum tt_handshake)v),
		           FIELD_SHORT);
	for (unsigned v = 0; v <= TT_OUT_NUM; v++)
		field_fill(&f_outcome[v], "outcome", tt_outcome_name((enum tt_outcome)v), FIELD_SHORT);
	for (unsigned v = 0; v <= CLOSED_BY_LAST; v++) {
		c.fin_first = (uint8_t)v;
		field_fill(&f_closed_by[v], "closed_by", tt_conn_closed_by(&c), FIELD_SHORT);
	}
	for (unsigned v = 0; v <= RESET_BY_LAST; v++) {
		c.reset_by = (uint8_t)v;
		field_fill(&f_reset_by[v], "reset_by", tt_conn_reset_by(&c), FIELD_SHORT);
	}
	for (unsigned v = 0; v <= TT_TCP_NSTATES; v++) {
		field_fill(&f_state[TT_CLIENT][v], "client_state", tt_tcp_state_name((enum tt_tcp_state)v),
		           FIELD_SHORT);
		field_fill(&f_state[TT_SERVER][v], "server_state", tt_tcp_state_name((enum tt_tcp_state)v),
		           FIELD_SHORT);
	}
	for (unsigned v = 0; v <= END_LAST; v++)
		field_fill(&f_end_reason[v], "end_reason", tt_end_reason_name((enum tt_end_reason)v),
		           FIELD_SHORT);
	for (unsigned v = 0; v <= CR_LAST; v++)
		field_fill(&f_client_reason[v], "client_chosen_by",
		           tt_client_reason_name((enum tt_client_reason)v), FIELD_LONG);
	for (int i = 0; i < TT_AN_COUNT; i++) {
		ctr_klen[i] = (size_t)snprintf(ctr_keys[i], sizeof(ctr_keys[i]), ",\"%s\":",
		                               tt_report_counters[i].name);
		dir_clean_len += (size_t)snprintf(dir_clean + dir_clean_len,
		                                  sizeof(dir_clean) - dir_clean_len, "%s0", ctr_keys[i]);
	}
	dir_clean_len += (size_t)snprintf(dir_clean + dir_clean_len, sizeof(dir_clean) - dir_clean_len,
	                                  ",\"zero_window_ms\":0.000,\"zero_window_max_ms\":0.000");
	for (int s = 0; s < 16; s++)
		hist_pre_len[s] = (uint8_t)snprintf(hist_pre[s], sizeof(hist_pre[s]), "[\"%s\",",
		                                    tt_tcp_state_name((enum tt_tcp_state)s));
}

/* A part written from `start` to `p` stayed within its bound `max` (asserted; start is
 * used in builds without asserts too). */
#define FITS(p, start, max)                                                                    \
	do {                                                                                   \
		(void)(start);                                                                 \
		assert((size_t)((p) - (start)) <= (max));                                      \
	} while (0)

/* The most the head of a record takes (see json_conn()): 16 keys of at most 32 bytes, 3
 * numbers, 2 endpoints, 2 times and 6 names of at most 40 characters. */
#define JSON_HEAD_MAX (16 * 32 + 3 * 20 + 2 * TT_P_ENDPOINT_MAX + 2 * TT_P_TIME_MAX + 6 * 40)

/* The most the tail of a record takes (see json_conn()): 12 keys of at most 40 bytes, 3
 * times, 3 numbers, 2 names and 6 inferred names of at most 40 characters. */
#define JSON_TAIL_MAX (12 * 40 + 3 * TT_P_TIME_MAX + 3 * 20 + 8 * 40)

/* The most a direction's key and object take: 39 keys (with a boolean's value) of at most
 * 32 bytes, 34 numbers of at most 20 digits, 2 durations of at most 24 characters, braces. */
#define JSON_DIR_MAX (39 * 32 + 34 * 20 + 2 * 24 + 2)

/* The clean text's length (325 bytes) rounded up to 16: its copy is 21 moves of 16 bytes,
 * unrolled (a libc memcpy() call took about 75 instructions, gcc's own fixed-size copy a
 * `rep movsq`). */
#define CLEAN_COPY 336

/* A direction's counters and zero-window times when not all 0 (see json_dir()): out of
 * line, the few directions with a condition. */
static __attribute__((noinline)) char *json_dir_counts(char *p, const struct tt_dir *d,
                                                       const struct tt_dir_ext *x)
{
	for (int i = 0; i < TT_AN_COUNT; i++) {
		/* (a fixed size, not a memcpy() call) */
		memcpy(p, ctr_keys[i], sizeof(ctr_keys[i]));
		p = tt_p_u64(p + ctr_klen[i], tt_dir_count(d, tt_report_counters[i].an));
	}
	p = TT_P_LIT(p, ",\"zero_window_ms\":");
	p = tt_p_ms(p, x->zw_total);
	p = TT_P_LIT(p, ",\"zero_window_max_ms\":");
	return tt_p_ms(p, x->zw_max);
}

/* A direction's counter v (tt_dir_packets() ...), whose low bits are lo: without the
 * wider bits (most directions), lo as it is, with one test of wide_ctr (the reader's). */
static inline TT_ALWAYS_INLINE char *p_ctr(char *p, const struct tt_dir *d, uint64_t v,
                                           uint32_t lo)
{
	return d->wide_ctr ? p_u64(p, v) : tt_p_u32(p, lo);
}
#define P_CTR(p, key, d, reader, lo) \
	((p) = TT_P_LIT((p), ",\"" key "\":"), (p) = p_ctr((p), (d), reader(d), (d)->lo))

/* ,"c2s":{...} (or "s2c": d is c->dir[ep], ep the direction's sender) through the cursor p
 * (JSON_DIR_MAX bytes) */
static char *json_dir(char *p, const struct tt_dir *d, int ep)
{
	const struct tt_dir_ext *x = tt_dir_x(d);
	char *start = p;

	p = ep == TT_CLIENT ? TT_P_LIT(p, ",\"c2s\":{\"packets\":") : TT_P_LIT(p, ",\"s2c\":{\"packets\":");
	p = p_ctr(p, d, tt_dir_packets(d), d->packets_lo);
	{
		/* Most directions re-sent nothing: their unique bytes are a copy of the payload's
		 * text (at most 20 digits), formatted aside and copied as a fixed 20-byte block
		 * (copied from the record instead, the two could overlap: a memmove() call). */
		uint64_t pay = tt_dir_payload_bytes(d), uni = tt_dir_unique_bytes(d);
		char digits[20];
		size_t len = (size_t)(p_ctr(digits, d, pay, d->payload_lo) - digits);
		p = TT_P_LIT(p, ",\"payload_bytes\":");
		memcpy(p, digits, sizeof(digits));
		p = TT_P_LIT(p + len, ",\"unique_bytes\":");
		if (uni == pay) {
			memcpy(p, digits, sizeof(digits));
			p += len;
			p = TT_P_LIT(p, ",\"retransmitted_bytes\":0");
		} else {
			p = p_u64(p, uni);
			P_U(p, "retransmitted_bytes", pay - uni);
		}
	}
	P_CTR(p, "syn", d, tt_dir_syns, syn_lo);
	P_CTR(p, "fin", d, tt_dir_fins, fin_lo);
	P_CTR(p, "rst", d, tt_dir_rsts, rst_lo);
	p = TT_P_LIT(p, ",\"isn\":");
	p = d->has_isn ? tt_p_u32_big(p, d->isn) : TT_P_LIT(p, "null");
	P_OPT_U32(p, "mss", d->has_mss, d->mss);
	P_OPT_U32(p, "wscale", d->has_wscale, d->wscale);
	P_BOOL(p, "sack_ok", d->sack_ok);
	P_BOOL(p, "ts_ok", d->ts_ok);
	if (d->has_win) { /* (the four windows under one test) */
		P_U32(p, "win_min", d->win_min);
		P_U32(p, "win_max", d->win_max);
		P_U32(p, "win_last", d->win_last);
		P_U32(p, "win_last_raw", d->win_last_raw);
	} else {
		p = TT_P_LIT(p, ",\"win_min\":null,\"win_max\":null,\"win_last\":null"
		                ",\"win_last_raw\":null");
	}
	P_OPT_U32(p, "win_shift", d->scale_known, d->shift);
	/* (zero-window times only with a side block: the test of it asked once) */
	if (d->ext_full ? x->zw_total < 1000 && x->zw_max < 1000 && !tt_dir_any_condition(d)
	                : !tt_dir_any_condition(d)) {
		if (dir_clean_len <= CLEAN_COPY) { /* (it is) */
#pragma GCC unroll 32
			for (int i = 0; i < CLEAN_COPY; i += 16)
				memcpy(p + i, dir_clean + i, 16);
		} else {
			memcpy(p, dir_clean, dir_clean_len);
		}
		p += dir_clean_len;
	} else {
		p = json_dir_counts(p, d, x);
	}
	P_CTR(p, "bytes_in_flight_max", d, tt_dir_bytes_in_flight_max, flight_max_lo);
	P_CTR(p, "seq_next", d, tt_dir_seq_next, seq_next_lo);
	p = TT_P_LIT(p, ",\"ack_max\":");
	p = d->has_ack ? p_ctr(p, d, tt_dir_ack_max(d), d->ack_max_lo) : TT_P_LIT(p, "null");
	P_CTR(p, "bytes_acked", d, tt_dir_bytes_acked, acked_lo);
	P_U(p, "icmp_errors", tt_dir_count(d, TT_DIR_ICMP));
	*p++ = '}';
	FITS(p, start, JSON_DIR_MAX);
	return p;
}

#define P_MS(p, key, has, v) \
	((p) = TT_P_LIT((p), ",\"" key "\":"), (p) = (has) ? tt_p_ms((p), (v)) : TT_P_LIT((p), "null"))

/* {"samples":N,"min_ms":..,"avg_ms":..,"max_ms":..} through the cursor p.  Many
 * directions have one sample: an average or maximum equal to the minimum is a copy of its
 * text.  (The copy of the average once made gcc's LTO inline more into the tracker's
 * handle_segment(), which cost more there than it saved here; no longer.)  Always inline
 * into its two uses (its call and register saves cost more than its 1 KB of code). */
/* Duration v: a copy of the minimum's text (len of its 24 bytes) when it is the minimum. */
static inline TT_ALWAYS_INLINE char *p_ms_as_min(char *p, tt_time_ns v, tt_time_ns vmin,
                                                 const char min[24], size_t len)
{
	if (v != vmin)
		return tt_p_ms(p, v);
	memcpy(p, min, 24);
	return p + len;
}

static inline TT_ALWAYS_INLINE char *json_rtt_dir(char *p, const struct tt_rtt_stats *r)
{
	tt_time_ns avg;
	char min[24];
	size_t len;

	p = TT_P_LIT(p, "{\"samples\":");
	p = tt_p_u32(p, r->samples);
	if (r->samples == 0)
		return TT_P_LIT(p, ",\"min_ms\":null,\"avg_ms\":null,\"max_ms\":null}");
	avg = r->sum / r->samples;
	len = (size_t)(tt_p_ms(min, r->min) - min);
	p = TT_P_LIT(p, ",\"min_ms\":");
	memcpy(p, min, sizeof(min));
	p += len;
	p = p_ms_as_min(TT_P_LIT(p, ",\"avg_ms\":"), avg, r->min, min, len);
	p = p_ms_as_min(TT_P_LIT(p, ",\"max_ms\":"), r->max, r->min, min, len);
	*p++ = '}';
	return p;
}

/* The most "rtt" takes: 10 keys of at most 32 bytes, 9 durations of at most 24
 * characters, 2 sample counts of at most 10 digits, braces. */
#define JSON_RTT_MAX (10 * 32 + 9 * 24 + 2 * 10 + 4)

/* ,"rtt":{...} through the cursor p (JSON_RTT_MAX bytes) */
static inline TT_ALWAYS_INLINE char *json_rtt(char *p, const struct tt_conn *c)
{
	bool hs = c->has_rtt_client && c->has_rtt_server;
	char *start = p;

	p = TT_P_LIT(p, ",\"rtt\":{\"handshake_ms\":");
	p = hs ? tt_p_ms(p, tt_conn_handshake_rtt(c)) : TT_P_LIT(p, "null");
	P_MS(p, "client_side_ms", c->has_rtt_client, tt_conn_rtt_side(c, TT_CLIENT));
	P_MS(p, "server_side_ms", c->has_rtt_server, tt_conn_rtt_side(c, TT_SERVER));
	{
		struct tt_rtt_stats ra = tt_conn_rtt(c, TT_CLIENT), rb = tt_conn_rtt(c, TT_SERVER);
		p = json_rtt_dir(TT_P_LIT(p, ",\"c2s\":"), &ra);
		p = json_rtt_dir(TT_P_LIT(p, ",\"s2c\":"), &rb);
	}
	*p++ = '}';
	FITS(p, start, JSON_RTT_MAX);
	return p;
}

/* The record's first and last packet's times as written: most times of the
 * histories and the end repeat one of them, and are copied instead. */
struct time_text {
	tt_time_ns t;
	size_t len;
	char s[TT_P_TIME_MAX];
};

/* Write t, and keep it in k. */
static inline char *p_time_keep(struct tt_outbuf *o, char *p, tt_time_ns t, struct time_text *k)
{
	k->t = t;
	k->len = (size_t)(tt_p_time(o, k->s, t) - k->s);
	memcpy(p, k->s, sizeof(k->s));
	return p + k->len;
}

/* Write t: a copy if it is one kept in k[2].  Always inline: gcc put the end's use (the
 * third) out of line, a call for each record. */
static inline TT_ALWAYS_INLINE char *p_time_as(struct tt_outbuf *o, char *p, tt_time_ns t,
                                               const struct time_text k[2])
{
	for (int i = 0; i < 2; i++)
		if (t == k[i].t) {
			memcpy(p, k[i].s, sizeof(k[i].s));
			return p + k[i].len;
		}
	return tt_p_time(o, p, t);
}

/* The most a history's key and one of its entries take (see json_history()). */
#define JSON_HIST_KEY_MAX 32
#define JSON_HIST_ENTRY_MAX (1 + 16 + TT_P_TIME_MAX + 1)
#define JSON_HIST_MAX (JSON_HIST_KEY_MAX + 1 + TT_HISTORY_MAX * JSON_HIST_ENTRY_MAX)

/* ,"client_history":[["STATE",time],...] (or the server's) through the cursor p
 * (JSON_HIST_MAX bytes).  Always inline into json_conn()'s two uses: the endpoint is then a
 * constant, and the kept times stay at hand (2 M instructions fewer on 200k/10, 1.6 KB more
 * code). */
static inline TT_ALWAYS_INLINE char *json_history(struct tt_outbuf *o, char *p,
                                                  const struct tt_conn *c, int ep,
                                                  const struct time_text kept[2])
{
	const struct tt_history *h = &c->hist[ep];
	tt_time_ns ts[TT_HISTORY_MAX];
	int n = h->n;
	char *start = p;
	uint64_t st = 0; /* the states, 4 bits each, the next one lowest */

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	_Static_assert(sizeof(*h) == 8 && offsetof(struct tt_history, st) == 2, "a word, st last");
	memcpy(&st, h, sizeof(st));
	st >>= 16;
#else
	for (size_t b = 0; b < sizeof(h->st); b++)
		st |= (uint64_t)h->st[b] << (8 * b);
#endif

	p = ep == TT_CLIENT ? TT_P_LIT(p, ",\"client_history\":[") : TT_P_LIT(p, ",\"server_history\":[");
	/* The times first, while nothing is written that could alias the record:
	 * its fields are read once for all of them, not again after each store. */
	assert(n <= TT_HISTORY_MAX);
	for (int i = 0; i < n; i++)
		ts[i] = tt_conn_hist_ts(c, ep, i);
	/* Each entry followed by a comma; the last one's closes the list. */
	for (int i = 0; i < n; i++) {
		unsigned s = (unsigned)st & 0xfu; /* (tt_history_state(h, i)) */
		st >>= 4;
		memcpy(p, hist_pre[s], sizeof(hist_pre[0]));
		p = p_time_as(o, p + hist_pre_len[s], ts[i], kept);
		p = TT_P_LIT(p, "],");
	}
	if (n > 0)
		p[-1] = ']';
	else
		*p++ = ']';
	FITS(p, start, JSON_HIST_MAX);
	return p;
}

/* The most a record takes: its parts' most, within one writer's buffer. */
#define JSON_CONN_MAX (JSON_HEAD_MAX + 2 * JSON_HIST_MAX + 2 * JSON_DIR_MAX + JSON_RTT_MAX + \
                       JSON_TAIL_MAX)
_Static_assert(JSON_CONN_MAX <= TT_OB_SIZE, "a record fits a writer's buffer");

static void json_conn(struct tt_report *r, const struct tt_conn *c, enum tt_outcome outcome)
{
	struct tt_outbuf ob;
	char buf[TT_OB_SIZE];
	struct tt_outbuf *o = tt_ob_record_begin(r, &ob, buf);
	const char *inf[6];
	struct time_text kept[2]; /* first, last */
	int n;
	/* The whole record through one cursor, its room reserved once (each part asserts its
	 * bound); part: where the part being written began. */
	char *p = tt_ob_room(o, JSON_CONN_MAX), *start = p, *part = p;

	if (f_handshake[0].len == 0) /* the fields' and the histories' texts, once */
		fields_fill();

	{
		/* Up to the histories: 16 keys, 3 numbers, 2 endpoints, 2 times and 6 names
		 * (ours, short). */
		p = TT_P_LIT(p, "{\"type\":\"conn\",\"id\":");
		p = p_u64(p, c->id);
		P_U32(p, "incarnation", c->incarnation);
		P_U32(p, "ip", c->ip_version);
		p = TT_P_LIT(p, ",\"client\":\"");
		p = tt_p_endpoint(p, c->ip_version, tt_conn_addr(c, TT_CLIENT), tt_conn_port(c, TT_CLIENT));
		p = TT_P_LIT(p, "\",\"server\":\"");
		p = tt_p_endpoint(p, c->ip_version, tt_conn_addr(c, TT_SERVER), tt_conn_port(c, TT_SERVER));
		p = TT_P_LIT(p, "\",\"first\":");
		p = p_time_keep(o, p, c->rt.first, &kept[0]);
		p = TT_P_LIT(p, ",\"last\":");
		p = p_time_keep(o, p, tt_conn_last(c), &kept[1]);
		p = p_field(p, f_handshake, c->handshake, HS_LAST, FIELD_SHORT);
		p = p_field(p, f_outcome, outcome, TT_OUT_NUM, FIELD_SHORT);
		p = p_field(p, f_closed_by, c->fin_first, CLOSED_BY_LAST, FIELD_SHORT);
		p = p_field(p, f_reset_by, c->reset_by, RESET_BY_LAST, FIELD_SHORT);
		P_BOOL(p, "port_reuse", c->port_reuse);
		p = p_field(p, f_state[TT_CLIENT], c->state[TT_CLIENT], TT_TCP_NSTATES, FIELD_SHORT);
		p = p_field(p, f_state[TT_SERVER], c->state[TT_SERVER], TT_TCP_NSTATES, FIELD_SHORT);
		FITS(p, part, JSON_HEAD_MAX);
	}
	p = json_history(o, p, c, TT_CLIENT, kept);
	p = json_history(o, p, c, TT_SERVER, kept);
	p = json_dir(p, &c->dir[TT_CLIENT], TT_CLIENT);
	p = json_dir(p, &c->dir[TT_SERVER], TT_SERVER);
	p = json_rtt(p, c);
	part = p;
	{
		/* The tail: 12 keys, 3 times, 3 numbers, 2 names and up to 6 inferred names
		 * (ours, short). */
		p = TT_P_LIT(p, ",\"end\":");
		p = p_time_as(o, p, tt_conn_end(c), kept);
		/* When the endpoints left in TIME_WAIT leave it (2*MSL after they entered). */
		p = TT_P_LIT(p, ",\"time_wait_until\":{\"client\":");
		for (int ep = 0; ep < 2; ep++) {
			if (ep == TT_SERVER)
				p = TT_P_LIT(p, ",\"server\":");
			if (c->state[ep] == TT_TCP_TIME_WAIT && tt_conn_tw_deadline(c, ep) != 0)
				p = tt_p_time_far(o, p, tt_conn_tw_deadline(c, ep));
			else
				p = TT_P_LIT(p, "null");
		}
		*p++ = '}';
		P_U32(p, "strays", c->strays);
		p = p_field(p, f_end_reason, c->end_reason, END_LAST, FIELD_SHORT);
		p = p_field(p, f_client_reason, c->client_reason, CR_LAST, FIELD_LONG);
		P_BOOL(p, "history_truncated", c->hist[0].truncated || c->hist[1].truncated);
		if (tt_dir_count(&c->dir[0], TT_DIR_ICMP) + tt_dir_count(&c->dir[1], TT_DIR_ICMP) > 0) {
			p = TT_P_LIT(p, ",\"icmp\":{\"type\":");
			p = tt_p_u32(p, c->icmp_type);
			P_U32(p, "code", c->icmp_code);
			*p++ = '}';
		} else {
			p = TT_P_LIT(p, ",\"icmp\":null");
		}
		/* (most records: one quick test, checked against the names in test builds) */
		n = tt_conn_inferred_none(c) ? 0 : tt_conn_inferred(c, inf);
		assert(!tt_conn_inferred_none(c) || tt_conn_inferred(c, inf) == 0);
		p = TT_P_LIT(p, ",\"inferred\":[");
		for (int i = 0; i < n; i++) {
			if (i > 0)
				*p++ = ',';
			p = p_name(p, inf[i]);
		}
		p = TT_P_LIT(p, "]}\n");
		FITS(p, part, JSON_TAIL_MAX);
	}
	o->n += (size_t)(p - start);
	tt_ob_record_end(r, o);
}

/* "limits_hit": {"max_flows": {"limit": N, "count": N}, ...}, only when a limit was hit. */
static void json_limits(FILE *f, const struct tt_report *r, const struct tt_stats *st)
{
	struct tt_report_limit lim[TT_REPORT_LIMITS_MAX];
	size_t n = tt_report_limits(r, st, lim);

	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s\"%s\":{\"limit\":%" PRIu64 ",\"count\":%" PRIu64 "}%s",
		        i == 0 ? ",\"limits_hit\":{" : ",", lim[i].name, lim[i].limit, lim[i].count,
		        i + 1 == n ? "}" : "");
}

static void json_summary(struct tt_report *r, const struct tt_stats *st,
                         const struct tt_input_info *in)
{
	FILE *f = r->out;
	uint64_t malformed = tt_report_malformed_total(st);
	bool first = true;

	fputs("{\"type\":\"summary\",\"input\":", f);
	json_string(f, in->name);
	fprintf(f, ",\"link\":\"%s\",\"dlt\":%d,\"truncated\":%s,\"error\":", in->link_name, in->dlt,
	        in->truncated ? "true" : "false");
	if (in->error != NULL)
		json_string(f, in->error);
	else
		fputs("null", f);
	fputs(",\"first\":", f);
	if (st->frames > 0) {
		json_time(f, st->first_ts);
		fputs(",\"last\":", f);
		json_time(f, st->last_ts);
	} else {
		fputs("null,\"last\":null", f);
	}
	fprintf(f, ",\"packets\":%" PRIu64 ",\"tcp_packets\":%" PRIu64 ",\"icmp_errors\":%" PRIu64
	        ",\"icmp_unmatched\":%" PRIu64 ",\"not_ip\":%" PRIu64 ",\"not_tcp\":%" PRIu64
	        ",\"fragments\":%" PRIu64 ",\"unsupported_link\":%" PRIu64 ",\"malformed\":%" PRIu64
	        ",\"malformed_by_reason\":{",
	        st->frames, st->tcp_segments, st->icmp_errors, st->icmp_unmatched,
	        st->by_result[TT_DEC_NOT_IP], st->by_result[TT_DEC_NOT_TCP],
	        st->by_result[TT_DEC_FRAGMENT], st->by_result[TT_DEC_UNSUPPORTED_LINK], malformed);
	for (int i = 0; i < TT_DEC_NRESULTS; i++) {
		if (!tt_decode_result_is_malformed((enum tt_decode_result)i) || st->by_result[i] == 0)
			continue;
		fprintf(f, "%s\"%s\":%" PRIu64, first ? "" : ",",
		        tt_decode_result_name((enum tt_decode_result)i), st->by_result[i]);
		first = false;
	}
	fprintf(f, "},\"bad_tcp_options\":%" PRIu64 ",\"tcp_options_cut\":%" PRIu64
	        ",\"ip_length_clamped\":%" PRIu64 ",\"rst_ignored\":%" PRIu64
	        ",\"stray_segments\":%" PRIu64
	        ",\"time_backwards\":%" PRIu64 ",\"connections\":%" PRIu64 ",\"outcomes\":{",
	        st->bad_tcp_options, st->tcp_options_cut, st->ip_length_clamped, st->rst_ignored,
	        st->strays,
	        st->time_backwards,
	        r->counts.conns);
	for (int o = 0; o < TT_OUT_NUM; o++)
		fprintf(f, "%s\"%s\":%" PRIu64, o ? "," : "", tt_outcome_name((enum tt_outcome)o),
		        r->counts.by_outcome[o]);
	fputs("},\"final_states\":{", f);
	first = true;
	for (int a = 0; a < 11; a++)
		for (int b = 0; b < 11; b++) {
			if (r->counts.by_state_pair[a][b] == 0)
				continue;
			fprintf(f, "%s\"%s/%s\":%" PRIu64, first ? "" : ",",
			        tt_tcp_state_name((enum tt_tcp_state)a),
			        tt_tcp_state_name((enum tt_tcp_state)b), r->counts.by_state_pair[a][b]);
			first = false;
		}
	fprintf(f, "},\"evicted\":%" PRIu64 ",\"time_wait_dropped\":%" PRIu64
	        ",\"max_flows\":%u,\"peak_flows\":%u",
	        st->evicted, st->time_wait_dropped, st->max_flows, st->peak_flows);
	tt_diag_write_json(f, &r->diag);
	json_limits(f, r, st);
	if (in->limit_packets > 0)
		fprintf(f, ",\"packet_limit\":%" PRIu64 ",\"stopped_by_limit\":%s", in->limit_packets,
		        in->stopped_by_limit ? "true" : "false");
	fputs("}\n", f);
}

const struct tt_report_writer tt_writer_json = {
	.name = "json",
	.begin = NULL,
	.conn = json_conn,
	.summary = json_summary,
};
