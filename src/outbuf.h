/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * outbuf.h - (internal) building an output line without printf: integers,
 * capture times and milliseconds are formatted by hand into a buffer that is
 * written with one fwrite.  The writers produce a record per connection, so
 * on a capture of a million connections this is most of the output's cost.
 *
 * Every append reserves what it needs first: a line longer than the buffer is
 * flushed in pieces, never truncated.
 */
#ifndef TCPTRACK_OUTBUF_H
#define TCPTRACK_OUTBUF_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tcptrack/common.h"
#include "tcptrack/report.h"

#define TT_OB_SIZE 8192 /* a writer's buffer for one record or line */

struct tt_outbuf {
	FILE *f;
	char *b;
	size_t n, cap;
	/* Written with write(2) to f's descriptor, after fflush(f): a buffer of
	 * many records that owns the stream until it is flushed (see
	 * tt_report_batch()).  Otherwise with fwrite(). */
	bool direct;
	/* Three seconds' worth of times, as text, and as the nanoseconds they
	 * start at: times in one record mostly share them, and a time within them
	 * needs no division.  sec[0]: the seconds of the last new time of now
	 * written; sec[1]: the seconds before them; sec[2]: those of the last far
	 * time (a record's TIME_WAIT deadline, a minute later: tt_p_time_far()),
	 * kept apart so that a record's deadline and its first time in the second
	 * before its last do not push each other out.  (Before any: 0, as "0".) */
	struct tt_ob_sec {
		uint64_t ns;
		size_t len;
		char str[20];
	} sec[3];
};

/* Start o on f, with buf (cap bytes, at least TT_OB_SIZE) to build in. */
static inline void tt_ob_init(struct tt_outbuf *o, FILE *f, char *buf, size_t cap)
{
	o->f = f;
	o->b = buf;
	o->n = 0;
	o->cap = cap;
	o->direct = false;
	for (int i = 0; i < 3; i++) {
		o->sec[i].ns = 0;
		o->sec[i].len = 1;
		memset(o->sec[i].str, '0', sizeof(o->sec[i].str)); /* copied whole by tt_p_time() */
	}
}

/* Straight to the descriptor: stdio would copy it all into its buffer first.
 * What write(2) does not take (an error) goes through fwrite(), which fails
 * the same way and leaves the error where ferror() finds it. */
static inline void tt_ob_write_direct(struct tt_outbuf *o)
{
	const char *p = o->b;
	size_t left = o->n;
	int fd;

	if (fflush(o->f) == 0 && (fd = fileno(o->f)) >= 0) {
		while (left > 0) {
			ssize_t k = write(fd, p, left);
			if (k > 0) {
				p += k;
				left -= (size_t)k;
			} else if (k < 0 && errno == EINTR) {
				continue;
			} else {
				break;
			}
		}
	}
	if (left > 0)
		(void)fwrite(p, 1, left, o->f);
}

static inline void tt_ob_flush(struct tt_outbuf *o)
{
	if (o->n > 0) {
		if (o->direct)
			tt_ob_write_direct(o);
		else
			(void)fwrite(o->b, 1, o->n, o->f); /* errors surface through ferror() */
	}
	o->n = 0;
}

/*
 * Where a writer builds one record: the report's batch if it has one, else
 * `own` on buf (TT_OB_SIZE bytes), flushed by tt_ob_record_end().
 */
static inline struct tt_outbuf *tt_ob_record_begin(const struct tt_report *r,
                                                   struct tt_outbuf *own, char *buf)
{
	if (r->batch != NULL)
		return r->batch;
	tt_ob_init(own, r->out, buf, TT_OB_SIZE);
	return own;
}

static inline void tt_ob_record_end(const struct tt_report *r, struct tt_outbuf *o)
{
	if (o != r->batch)
		tt_ob_flush(o);
}

/* Room for `need` more bytes (need <= TT_OB_SIZE). */
static inline char *tt_ob_room(struct tt_outbuf *o, size_t need)
{
	if (o->cap - o->n < need)
		tt_ob_flush(o);
	return o->b + o->n;
}

static inline void tt_ob_mem(struct tt_outbuf *o, const char *s, size_t len)
{
	if (o->cap - o->n >= len) { /* the usual case: it fits */
		memcpy(o->b + o->n, s, len);
		o->n += len;
		return;
	}
	while (len > 0) {
		size_t k = len < o->cap ? len : o->cap;
		memcpy(tt_ob_room(o, k), s, k);
		o->n += k;
		s += k;
		len -= k;
	}
}

static inline void tt_ob_str(struct tt_outbuf *o, const char *s)
{
	tt_ob_mem(o, s, strlen(s));
}

static inline void tt_ob_char(struct tt_outbuf *o, char c)
{
	*tt_ob_room(o, 1) = c;
	o->n++;
}

/* "00" to "99": two digits per division. */
static const char tt_ob_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* The digits of v written backwards from end; @return where they start. */
static inline char *tt_ob_digits(char *end, uint64_t v)
{
	uint32_t w;

	while (v > UINT32_MAX) { /* (rare: the rest in 32-bit arithmetic, cheaper) */
		uint64_t q = v / 100;
		end -= 2;
		memcpy(end, tt_ob_pairs + (v - q * 100) * 2, 2);
		v = q;
	}
	w = (uint32_t)v;
	while (w >= 100) {
		uint32_t q = w / 100;
		end -= 2;
		memcpy(end, tt_ob_pairs + (w - q * 100) * 2, 2);
		w = q;
	}
	if (w >= 10) {
		end -= 2;
		memcpy(end, tt_ob_pairs + w * 2, 2);
	} else {
		*--end = (char)('0' + w);
	}
	return end;
}

/* How many decimal digits v has: from its bit length (1233/4096 is just over
 * log10(2)), corrected by one comparison with a power of ten. */
static inline unsigned tt_ob_ndigits(uint64_t v)
{
	static const uint64_t pow10[20] = {
	    UINT64_C(1), UINT64_C(10), UINT64_C(100), UINT64_C(1000), UINT64_C(10000),
	    UINT64_C(100000), UINT64_C(1000000), UINT64_C(10000000), UINT64_C(100000000),
	    UINT64_C(1000000000), UINT64_C(10000000000), UINT64_C(100000000000),
	    UINT64_C(1000000000000), UINT64_C(10000000000000), UINT64_C(100000000000000),
	    UINT64_C(1000000000000000), UINT64_C(10000000000000000),
	    UINT64_C(100000000000000000), UINT64_C(1000000000000000000),
	    UINT64_C(10000000000000000000)};
	unsigned bits = 64u - (unsigned)__builtin_clzll(v | 1);
	unsigned t = (bits * 1233u) >> 12; /* 0..19: floor(log10(2^bits)) */

	return t + 1 - ((v | 1) < pow10[t]); /* (v | 1: 0 has one digit) */
}


/*
 * Unchecked appends through a cursor p, for a run of fields whose total size
 * is bounded: reserve it once with tt_ob_room(), append, then add what was
 * written to o->n.  (No room check or length update per field.)
 */
#define TT_P_LIT(p, lit) (memcpy((p), (lit), sizeof(lit) - 1), (p) + sizeof(lit) - 1)

/*
 * "000" to "999", each followed by its length without leading zeros (1 to 3; 0 has
 * 1): a number below 1000 is one 4-byte copy of its entry (see report.c).
 */
extern const char tt_ob_trip[4001];

/* v < 1000 without leading zeros: the last len digits of its entry, copied as 4 bytes
 * (up to 3 bytes past the digits, which what follows overwrites). */
static inline TT_ALWAYS_INLINE char *tt_p_trip(char *p, uint32_t v)
{
	const char *e = tt_ob_trip + 4 * v;
	unsigned len = (unsigned char)e[3];

	memcpy(p, e + 3 - len, 4);
	return p + len;
}

/* v < 1000 as exactly three digits (and a byte past them, overwritten by what follows). */
static inline TT_ALWAYS_INLINE char *tt_p_trip0(char *p, uint32_t v)
{
	memcpy(p, tt_ob_trip + 4 * v, 4);
	return p + 3;
}

/* v < 10^9 as exactly nine digits (and a byte past them). */
static inline TT_ALWAYS_INLINE char *tt_p_9(char *p, uint32_t v)
{
	uint32_t h = v / 1000000u, m;

	v -= h * 1000000u;
	m = v / 1000u;
	return tt_p_trip0(tt_p_trip0(tt_p_trip0(p, h), m), v - m * 1000u);
}

/* v of 10 digits (at least 10^9). */
static inline TT_ALWAYS_INLINE char *tt_p_10(char *p, uint32_t v)
{
	uint32_t h = v / 1000000000u; /* (1 to 4) */

	*p = (char)('0' + h);
	return tt_p_9(p + 1, v - h * 1000000000u);
}

/*
 * v below 2^32: its digits three at a time from tt_ob_trip, the leading group without
 * zeros (divisions by constants: a product and a shift each).  A byte or up to three
 * past the digits may be written: the caller's room must hold them (tt_ob_u64() reserves
 * 20 bytes; the JSON record's parts are written within its one reservation,
 * JSON_CONN_MAX, and a literal always follows a number there).
 * Always inline: a call costs as much as the digits of a small value.
 */
static inline TT_ALWAYS_INLINE char *tt_p_u32(char *p, uint32_t v)
{
	uint32_t h;

	if (v < 1000)
		return tt_p_trip(p, v);
	if (v < 1000000) {
		h = v / 1000u;
		return tt_p_trip0(tt_p_trip(p, h), v - h * 1000u);
	}
	if (v < 1000000000) {
		uint32_t m;
		h = v / 1000000u;
		v -= h * 1000000u;
		m = v / 1000u;
		return tt_p_trip0(tt_p_trip0(tt_p_trip(p, h), m), v - m * 1000u);
	}
	return tt_p_10(p, v);
}

/* As tt_p_u32(), for a value that is mostly of 9 or 10 digits (an initial sequence
 * number, random over 32 bits: 97.7% of them): those of 10 asked for first. */
static inline TT_ALWAYS_INLINE char *tt_p_u32_big(char *p, uint32_t v)
{
	return v >= 1000000000 ? tt_p_10(p, v) : tt_p_u32(p, v);
}

/* v of any size by its digit count and pairs (tt_p_u64() takes those below 2^32 first).
 * Out of line (report.c): rare, and the writers' numbers are many. */
char *tt_p_wide(char *p, uint64_t v);

static inline char *tt_p_u64(char *p, uint64_t v)
{
	return v <= UINT32_MAX ? tt_p_u32(p, (uint32_t)v) : tt_p_wide(p, v);
}

/* v < 1000 as exactly three digits (a byte past them may be written). */
static inline char *tt_p_3(char *p, uint32_t v)
{
	return tt_p_trip0(p, v);
}

/* v < 10^6 as exactly six digits (a byte past them may be written). */
static inline char *tt_p_6(char *p, uint32_t v)
{
	uint32_t h = v / 1000u;

	return tt_p_trip0(tt_p_trip0(p, h), v - h * 1000u);
}

/* v with exactly `digits` digits, zero-padded (v < 10^digits); the fractions
 * of times and durations (3, 6 or 9 digits) by tt_p_3() and tt_p_6(), which may
 * write a byte past them. */
static inline char *tt_p_fixed(char *p, uint64_t v, int digits)
{
	int i = digits;

	if (digits % 3 == 0 && digits <= 9) {
		uint32_t w = (uint32_t)v;
		if (digits == 3)
			return tt_p_3(p, w);
		if (digits == 9)
			return tt_p_9(p, w);
		return tt_p_6(p, w);
	}
	for (; i >= 2; i -= 2) {
		memcpy(p + i - 2, tt_ob_pairs + (v % 100) * 2, 2);
		v /= 100;
	}
	if (i == 1)
		p[0] = (char)('0' + v);
	return p + digits;
}

/* As tt_format_ms(): a duration in milliseconds with 3 decimals (negative: 0). */
static inline char *tt_p_ms(char *p, tt_time_ns d)
{
	uint64_t us;

	if (d >= 0 && d <= UINT32_MAX) { /* (to 4.3 s, most: 32-bit arithmetic) */
		uint32_t us32 = (uint32_t)d / 1000u, ms = us32 / 1000u;
		p = tt_p_u32(p, ms);
		*p++ = '.';
		return tt_p_3(p, us32 - ms * 1000u);
	}
	us = d < 0 ? 0 : (uint64_t)d / 1000;

	p = tt_p_u64(p, us / 1000);
	*p++ = '.';
	return tt_p_fixed(p, us % 1000, 3);
}

/* The tt_ob_ forms: room reserved for the most each writes, then the cursor form. */
static inline void tt_ob_u64(struct tt_outbuf *o, uint64_t v)
{
	char *p = tt_ob_room(o, 20);

	o->n += (size_t)(tt_p_u64(p, v) - p);
}

static inline void tt_ob_fixed(struct tt_outbuf *o, uint64_t v, int digits)
{
	char *p = tt_ob_room(o, (size_t)digits + 1); /* (and the byte tt_p_3() may write past) */

	o->n += (size_t)(tt_p_fixed(p, v, digits) - p);
}

static inline void tt_ob_ms(struct tt_outbuf *o, tt_time_ns d)
{
	char *p = tt_ob_room(o, 24);

	o->n += (size_t)(tt_p_ms(p, d) - p);
}


/* The most tt_p_time() writes (a sign, the 20-byte block of the seconds, '.', 9 digits). */
#define TT_P_TIME_MAX 32

/* New seconds, of mag nanoseconds, into the cache: sec[2] for a far time, else sec[0] (the
 * last become sec[1]).  Out of line (report.c): rare (about once a record), and a copy of
 * it in each of a record's times was most of their code. */
const struct tt_ob_sec *tt_ob_sec_new(struct tt_outbuf *o, uint64_t mag, bool far);

/* As tt_format_time() for a time of mag nanoseconds from 0 (see tt_p_time_in()). */
static inline TT_ALWAYS_INLINE char *tt_p_time_mag(struct tt_outbuf *o, char *p, uint64_t mag,
                                                   bool far)
{
	const struct tt_ob_sec *s = &o->sec[far ? 2 : 0];
	uint64_t ns = mag - s->ns; /* (wraps to beyond a second if mag is below them) */
	uint32_t us, sub;

	if (ns >= (uint64_t)TT_NS_PER_SEC) {
		if (!far) {
			s = &o->sec[1];
			ns = mag - s->ns;
		}
		if (far || ns >= (uint64_t)TT_NS_PER_SEC) {
			s = tt_ob_sec_new(o, mag, far);
			ns = mag - s->ns;
		}
	}
	/* (the text is copied whole, a fixed size, and only its digits counted) */
	memcpy(p, s->str, sizeof(s->str));
	p += s->len;
	*p++ = '.';
	/* six digits, and three more only for a time finer than microseconds */
	us = (uint32_t)ns / 1000u;
	sub = (uint32_t)ns - us * 1000u;
	p = tt_p_6(p, us);
	return sub == 0 ? p : tt_p_3(p, sub);
}

/* A time before 1970: its sign, then its magnitude (out of line, report.c: rare). */
char *tt_p_time_neg(struct tt_outbuf *o, char *p, tt_time_ns t, bool far);

/* As tt_format_time(): seconds with 6 decimals, or 9 with sub-microsecond digits; through a
 * cursor (TT_P_TIME_MAX bytes reserved).  far: a time away from the others written (a
 * record's TIME_WAIT deadline, a minute after its times), whose seconds are looked for in
 * sec[2] alone and, when new, put there, so that sec[0] and sec[1] keep the seconds of now
 * and the second before them.  Always inline: under link-time optimisation gcc's
 * unit-growth budget otherwise decides, and a few bytes more code elsewhere put it out of
 * line from json_conn() (+0.26 M instructions on 200k, +0.46 M on 200k/10). */
static inline TT_ALWAYS_INLINE char *tt_p_time_in(struct tt_outbuf *o, char *p, tt_time_ns t,
                                                  bool far)
{
	if (t < 0)
		return tt_p_time_neg(o, p, t, far);
	return tt_p_time_mag(o, p, (uint64_t)t, far);
}

static inline TT_ALWAYS_INLINE char *tt_p_time(struct tt_outbuf *o, char *p, tt_time_ns t)
{
	return tt_p_time_in(o, p, t, false);
}

/* A time far from the others (see tt_p_time_in()). */
static inline TT_ALWAYS_INLINE char *tt_p_time_far(struct tt_outbuf *o, char *p, tt_time_ns t)
{
	return tt_p_time_in(o, p, t, true);
}

static inline void tt_ob_time(struct tt_outbuf *o, tt_time_ns t)
{
	char *p = tt_ob_room(o, TT_P_TIME_MAX);

	o->n += (size_t)(tt_p_time(o, p, t) - p);
}


/* The most tt_p_ipv6() and tt_p_endpoint() write. */
#define TT_P_IPV6_MAX 40
#define TT_P_ENDPOINT_MAX 48

/* As tt_format_addr() for IPv6 (RFC 5952: lowercase hex without leading
 * zeros, the longest run, first if tied, of two or more zero groups as "::",
 * IPv4-mapped as ::ffff:a.b.c.d), by hand, through a cursor. */
static inline char *tt_p_ipv6(char *p, const uint8_t a[16])
{
	static const char hex[16] = {'0', '1', '2', '3', '4', '5', '6', '7',
	                             '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
	uint16_t g[8];
	int best = -1, best_len = 0, run = -1, run_len = 0;

	for (int i = 0; i < 8; i++) {
		g[i] = (uint16_t)(a[2 * i] << 8 | a[2 * i + 1]);
		if (g[i] != 0) {
			run = -1;
			continue;
		}
		if (run < 0) {
			run = i;
			run_len = 0;
		}
		if (++run_len > best_len) {
			best = run;
			best_len = run_len;
		}
	}
	if (best_len < 2)
		best = -1;
	if (best == 0 && best_len == 5 && g[5] == 0xffff) {
		p = TT_P_LIT(p, "::ffff:");
		for (int i = 12; i < 16; i++) {
			if (i > 12)
				*p++ = '.';
			p = tt_p_u32(p, a[i]);
		}
		return p;
	}
	for (int i = 0; i < 8; i++) {
		unsigned v = g[i];
		if (i == best) {
			*p++ = ':';
			*p++ = ':';
			i += best_len - 1;
			continue;
		}
		if (i > 0 && i != best + best_len)
			*p++ = ':';
		if (v >= 0x1000)
			*p++ = hex[v >> 12];
		if (v >= 0x100)
			*p++ = hex[v >> 8 & 0xf];
		if (v >= 0x10)
			*p++ = hex[v >> 4 & 0xf];
		*p++ = hex[v & 0xf];
	}
	return p;
}

/* As tt_format_endpoint(): 192.0.2.1:80, [2001:db8::1]:443, by hand, through a cursor.
 * An IPv4 address's bytes from a table of "0." to "255.", built once: a copy of 4 bytes
 * each, the last dot then made the colon.  Always inline: a call and its register saves
 * cost about as much as an address's bytes. */
static inline TT_ALWAYS_INLINE char *tt_p_endpoint(char *p, uint8_t ip_version,
                                                   const uint8_t a[16], uint16_t port)
{
	static char dotted[256][4];
	static uint8_t dotted_len[256];

	if (ip_version == 4) {
		if (dotted_len[0] == 0)
			for (uint32_t v = 0; v < 256; v++) {
				char *e = tt_p_u32(dotted[v], v);
				*e++ = '.';
				dotted_len[v] = (uint8_t)(e - dotted[v]);
			}
		for (int i = 0; i < 4; i++) {
			memcpy(p, dotted[a[i]], 4);
			p += dotted_len[a[i]];
		}
		p[-1] = ':';
	} else {
		*p++ = '[';
		p = tt_p_ipv6(p, a);
		*p++ = ']';
		*p++ = ':';
	}
	return tt_p_u32(p, port);
}

static inline void tt_ob_ipv6(struct tt_outbuf *o, const uint8_t a[16])
{
	char *p = tt_ob_room(o, TT_P_IPV6_MAX);

	o->n += (size_t)(tt_p_ipv6(p, a) - p);
}

static inline void tt_ob_endpoint(struct tt_outbuf *o, uint8_t ip_version, const uint8_t a[16],
                                  uint16_t port)
{
	char *p = tt_ob_room(o, TT_P_ENDPOINT_MAX);

	o->n += (size_t)(tt_p_endpoint(p, ip_version, a, port) - p);
}

#endif /* TCPTRACK_OUTBUF_H */
