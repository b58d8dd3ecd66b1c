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

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tcptrack/common.h"
#include "tcptrack/report.h"

#define TT_OB_SIZE 8192

struct tt_outbuf {
	FILE *f;
	size_t n;
	/* The seconds of the last time written, as text: times in one record
	 * mostly share them. */
	uint64_t sec;
	size_t sec_len;             /* 0: none yet */
	char sec_str[20];
	char b[TT_OB_SIZE];
};

static inline void tt_ob_init(struct tt_outbuf *o, FILE *f)
{
	o->f = f;
	o->n = 0;
	o->sec_len = 0;
}

static inline void tt_ob_flush(struct tt_outbuf *o)
{
	if (o->n > 0)
		(void)fwrite(o->b, 1, o->n, o->f); /* errors surface through ferror() */
	o->n = 0;
}

/* Room for `need` more bytes (need <= TT_OB_SIZE). */
static inline char *tt_ob_room(struct tt_outbuf *o, size_t need)
{
	if (TT_OB_SIZE - o->n < need)
		tt_ob_flush(o);
	return o->b + o->n;
}

static inline void tt_ob_mem(struct tt_outbuf *o, const char *s, size_t len)
{
	if (TT_OB_SIZE - o->n >= len) { /* the usual case: it fits */
		memcpy(o->b + o->n, s, len);
		o->n += len;
		return;
	}
	while (len > 0) {
		size_t k = len < TT_OB_SIZE ? len : TT_OB_SIZE;
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
	while (v >= 100) {
		end -= 2;
		memcpy(end, tt_ob_pairs + (v % 100) * 2, 2);
		v /= 100;
	}
	if (v >= 10) {
		end -= 2;
		memcpy(end, tt_ob_pairs + v * 2, 2);
	} else {
		*--end = (char)('0' + v);
	}
	return end;
}

static inline void tt_ob_u64(struct tt_outbuf *o, uint64_t v)
{
	char t[20];

	if (v < 10) { /* most counters */
		tt_ob_char(o, (char)('0' + v));
		return;
	}
	char *p = tt_ob_digits(t + sizeof(t), v);
	tt_ob_mem(o, p, (size_t)(t + sizeof(t) - p));
}

/* v with exactly `digits` digits, zero-padded (v < 10^digits). */
static inline void tt_ob_fixed(struct tt_outbuf *o, uint64_t v, int digits)
{
	char *p = tt_ob_room(o, (size_t)digits);
	int i = digits;

	for (; i >= 2; i -= 2) {
		memcpy(p + i - 2, tt_ob_pairs + (v % 100) * 2, 2);
		v /= 100;
	}
	if (i == 1)
		p[0] = (char)('0' + v);
	o->n += (size_t)digits;
}

/* As tt_format_time(): seconds with 6 decimals, or 9 with sub-microsecond digits. */
static inline void tt_ob_time(struct tt_outbuf *o, tt_time_ns t)
{
	uint64_t mag = t < 0 ? (uint64_t)0 - (uint64_t)t : (uint64_t)t;
	uint64_t ns = mag % (uint64_t)TT_NS_PER_SEC;

	uint64_t sec = mag / (uint64_t)TT_NS_PER_SEC;

	if (t < 0)
		tt_ob_char(o, '-');
	if (o->sec_len == 0 || sec != o->sec) {
		char d[20];
		char *p = tt_ob_digits(d + sizeof(d), sec);
		o->sec_len = (size_t)(d + sizeof(d) - p);
		memcpy(o->sec_str, p, o->sec_len);
		o->sec = sec;
	}
	tt_ob_mem(o, o->sec_str, o->sec_len);
	tt_ob_char(o, '.');
	if (ns % 1000 == 0)
		tt_ob_fixed(o, ns / 1000, 6);
	else
		tt_ob_fixed(o, ns, 9);
}

/* As tt_format_ms(): a duration in milliseconds with 3 decimals (negative: 0). */
static inline void tt_ob_ms(struct tt_outbuf *o, tt_time_ns d)
{
	uint64_t us = d < 0 ? 0 : (uint64_t)d / 1000;

	tt_ob_u64(o, us / 1000);
	tt_ob_char(o, '.');
	tt_ob_fixed(o, us % 1000, 3);
}

/* As tt_format_endpoint(): 192.0.2.1:80 by hand, IPv6 ([2001:db8::1]:443) by it. */
static inline void tt_ob_endpoint(struct tt_outbuf *o, uint8_t ip_version, const uint8_t a[16],
                                  uint16_t port)
{
	if (ip_version == 4) {
		for (int i = 0; i < 4; i++) {
			tt_ob_u64(o, a[i]);
			tt_ob_char(o, i < 3 ? '.' : ':');
		}
		tt_ob_u64(o, port);
	} else {
		char b[64];
		tt_format_endpoint(b, sizeof(b), ip_version, a, port);
		tt_ob_str(o, b);
	}
}

#endif /* TCPTRACK_OUTBUF_H */
