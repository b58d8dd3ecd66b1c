/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * common.h - status codes, error buffers and time for every tcptrack module.
 *
 * Library code never prints and never exits: a fallible call returns a
 * negative enum tt_status and writes one sentence into the caller's errbuf
 * (TT_ERRBUF_SIZE bytes, the same size as libpcap's PCAP_ERRBUF_SIZE).
 */
#ifndef TCPTRACK_COMMON_H
#define TCPTRACK_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TT_ERRBUF_SIZE 256

enum tt_status {
	TT_OK = 0,
	TT_ERR_NOMEM = -1,       /* allocation failed */
	TT_ERR_IO = -2,          /* read or write error */
	TT_ERR_PCAP = -3,        /* libpcap reported an error */
	TT_ERR_INVAL = -4,       /* invalid argument or input */
	TT_ERR_LIMIT = -5,       /* a configured limit was reached */
	TT_ERR_UNSUPPORTED = -6, /* format or link type not supported */
	TT_ERR_TRUNCATED = -7,   /* input ended in the middle of a record */
};

/* Time: nanoseconds since the Unix epoch (capture timestamps). */
typedef int64_t tt_time_ns;
#define TT_NS_PER_SEC INT64_C(1000000000)

/** One multiply-xorshift step of the project's 64-bit hashes (flow keys, report tables). */
static inline uint64_t tt_hash_mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= UINT64_C(0x9e3779b97f4a7c15);
	return h ^ (h >> 29);
}

/**
 * a + b for times and durations, saturating at the ends of tt_time_ns instead
 * of overflowing: a crafted capture can hold times almost 2^63 ns apart, and
 * sums of such durations (totals, averages, the two halves of a handshake)
 * must not overflow.
 */
static inline tt_time_ns tt_ns_add(tt_time_ns a, tt_time_ns b)
{
	tt_time_ns s;

	if (__builtin_add_overflow(a, b, &s))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return s;
}

/** a - b, saturating as tt_ns_add() does (a duration between two times of a crafted capture). */
static inline tt_time_ns tt_ns_sub(tt_time_ns a, tt_time_ns b)
{
	tt_time_ns d;

	if (__builtin_sub_overflow(a, b, &d))
		return b < 0 ? INT64_MAX : INT64_MIN;
	return d;
}

#if defined(__GNUC__)
#define TT_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define TT_ALWAYS_INLINE __attribute__((always_inline))
#else
#define TT_PRINTF(fmt, args)
#define TT_ALWAYS_INLINE
#endif

/**
 * Format a message into errbuf (TT_ERRBUF_SIZE bytes).
 * @return err, so that callers can write `return tt_set_err(errbuf, TT_ERR_INVAL, "...")`.
 */
int tt_set_err(char *errbuf, int err, const char *fmt, ...) TT_PRINTF(3, 4);

/**
 * Like tt_set_err(), with ": <strerror(errnum)>" appended.
 * @return err.
 */
int tt_set_errno(char *errbuf, int err, int errnum, const char *fmt, ...) TT_PRINTF(4, 5);

/**
 * Parse an instant: ISO 8601 ("2024-05-01T12:00:03.25Z"; an offset such as
 * +02:00 may replace Z; without either, UTC), epoch seconds ("1714564803.25"),
 * or "+SECONDS" counted from the first packet (then *relative is set and *t
 * holds the offset).  Up to 9 decimals.
 * @return TT_OK, or TT_ERR_INVAL if s is none of these.
 */
int tt_parse_time_spec(const char *s, tt_time_ns *t, bool *relative);

/**
 * Give up root for good once the capture is open (tcpdump -Z): switch to
 * user's uid and gid, with no supplementary groups.  Nothing to do when not
 * running as root or when user is "root".
 * @return TT_OK, or TT_ERR_INVAL (no such user) / TT_ERR_IO with the reason.
 */
int tt_drop_privileges(const char *user, char *errbuf);

/*
 * Memory for a large table probed at random (a flow index, a diagnosis
 * table, a slab of side blocks): from 2 MiB on it is aligned to 2 MiB and
 * offered to the kernel for transparent huge pages, since with 4 KiB pages
 * nearly every probe of a large table costs a TLB miss (a two-level page walk
 * in a virtual machine).  Only for memory that is all used (dense, or filled
 * in order): then huge pages cost nothing more.
 * *bytes is rounded up to what was allocated.  Not zeroed; free() it.
 */
#define TT_HUGE_PAGE ((size_t)2 << 20)
void *tt_block_alloc(size_t *bytes);

#endif /* TCPTRACK_COMMON_H */
