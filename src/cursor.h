/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cursor.h - bounds-checked reader over captured packet bytes (private).
 *
 * A struct tt_cur is the half-open range [p, end) of bytes that may be read.
 * Every accessor checks the range first and never reads at or past end; on
 * failure it returns false and leaves the cursor unchanged.  Multi-byte values
 * are assembled byte by byte (network order unless the name says otherwise),
 * so they are safe for any alignment: packet bytes are never cast to structs
 * or wider integer pointers (tcpdump EXTRACT_BE_*, STYLE.md §2.7).
 *
 * This is the only place in tcptrack that does pointer arithmetic on packet
 * bytes.  Everything here is O(1) except tt_cur_copy(), which is O(n).
 */
#ifndef TCPTRACK_CURSOR_H
#define TCPTRACK_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct tt_cur {
	const uint8_t *p;   /* next byte to read */
	const uint8_t *end; /* one past the last readable byte */
};

/* A cursor over the n bytes at p.  A NULL p yields an empty cursor. */
static inline struct tt_cur tt_cur_make(const uint8_t *p, size_t n)
{
	struct tt_cur c;

	c.p = p;
	c.end = (p != NULL && n > 0) ? p + n : p;
	return c;
}

/* Bytes left to read. */
static inline size_t tt_cur_left(const struct tt_cur *c)
{
	return (size_t)(c->end - c->p);
}

/* True when at least n more bytes can be read. */
static inline bool tt_cur_has(const struct tt_cur *c, size_t n)
{
	return tt_cur_left(c) >= n;
}

/* Cut the readable range to at most n bytes from the current position. */
static inline void tt_cur_limit(struct tt_cur *c, size_t n)
{
	if (tt_cur_left(c) > n)
		c->end = c->p + n;
}

static inline bool tt_cur_skip(struct tt_cur *c, size_t n)
{
	if (!tt_cur_has(c, n))
		return false;
	if (n > 0) /* an empty cursor may hold NULL: never offset it */
		c->p += n;
	return true;
}

/* Move the next n bytes into *sub (a cursor of their own) and step over them. */
static inline bool tt_cur_split(struct tt_cur *c, size_t n, struct tt_cur *sub)
{
	if (!tt_cur_has(c, n))
		return false;
	sub->p = c->p;
	sub->end = c->p;
	if (n > 0) {
		sub->end += n;
		c->p += n;
	}
	return true;
}

/* The next byte, without consuming it. */
static inline bool tt_cur_peek_u8(const struct tt_cur *c, uint8_t *v)
{
	if (!tt_cur_has(c, 1))
		return false;
	*v = c->p[0];
	return true;
}

static inline bool tt_cur_u8(struct tt_cur *c, uint8_t *v)
{
	if (!tt_cur_has(c, 1))
		return false;
	*v = c->p[0];
	c->p += 1;
	return true;
}

static inline bool tt_cur_be16(struct tt_cur *c, uint16_t *v)
{
	if (!tt_cur_has(c, 2))
		return false;
	*v = (uint16_t)((unsigned)c->p[0] << 8 | (unsigned)c->p[1]);
	c->p += 2;
	return true;
}

static inline bool tt_cur_be32(struct tt_cur *c, uint32_t *v)
{
	if (!tt_cur_has(c, 4))
		return false;
	*v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 | (uint32_t)c->p[2] << 8 |
	     (uint32_t)c->p[3];
	c->p += 4;
	return true;
}

static inline bool tt_cur_le32(struct tt_cur *c, uint32_t *v)
{
	if (!tt_cur_has(c, 4))
		return false;
	*v = (uint32_t)c->p[3] << 24 | (uint32_t)c->p[2] << 16 | (uint32_t)c->p[1] << 8 |
	     (uint32_t)c->p[0];
	c->p += 4;
	return true;
}

/* Copy the next n bytes to dst (addresses); dst is untouched on failure. */
static inline bool tt_cur_copy(struct tt_cur *c, void *dst, size_t n)
{
	if (!tt_cur_has(c, n))
		return false;
	if (n > 0) {
		memcpy(dst, c->p, n);
		c->p += n;
	}
	return true;
}

#endif /* TCPTRACK_CURSOR_H */
