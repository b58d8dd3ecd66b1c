/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * capture.h - packet sources: capture files (pcap, pcapng, stdin) through
 * libpcap's offline reader, BPF filters, capture statistics.  This is the
 * only module that calls libpcap.
 */
#ifndef TCPTRACK_CAPTURE_H
#define TCPTRACK_CAPTURE_H

#include <stdio.h>

#include "tcptrack/common.h"

struct tt_capture; /* opaque */

/* One captured frame; borrows libpcap's buffer until the next tt_capture_next(). */
struct tt_rawpkt {
	tt_time_ns ts;
	uint32_t caplen;
	uint32_t wire_len;
	const uint8_t *data;
};

/**
 * Open a capture file for reading; "-" reads standard input.
 * Timestamps are delivered in nanoseconds whatever the file's resolution.
 * @param out    receives the capture handle
 * @param path   file name or "-"
 * @param errbuf TT_ERRBUF_SIZE bytes; on failure names the file and the reason,
 *               e.g. "capture.pcap: not a pcap or pcapng file"
 * @return TT_OK, or TT_ERR_IO (cannot open or read), TT_ERR_INVAL (empty file),
 *         TT_ERR_PCAP (libpcap refused the file), TT_ERR_NOMEM.
 */
int tt_capture_open_file(struct tt_capture **out, const char *path, char *errbuf);

/**
 * Read a capture from an open stream (a pipe, an fmemopen() buffer): as
 * tt_capture_open_file(), with name used in messages and by tt_capture_name().
 * The capture owns fp from then on: it is closed on failure or by
 * tt_capture_free() (stdin is never closed on failure).
 */
int tt_capture_open_stream(struct tt_capture **out, FILE *fp, const char *name, char *errbuf);

/**
 * Compile and install a BPF filter (pcap-filter(7) syntax).
 * @return TT_OK, or TT_ERR_INVAL with "filter 'expr': reason" in errbuf.
 */
int tt_capture_set_filter(struct tt_capture *cap, const char *expr, char *errbuf);

struct tt_bpf; /* a compiled filter, to test frames one by one */

/**
 * Compile a filter (pcap-filter(7)) for the capture's link type, to test
 * frames with tt_bpf_match() (--conn with a filter) without filtering the input.
 * @return TT_OK, or TT_ERR_INVAL with libpcap's reason alone in errbuf, TT_ERR_NOMEM.
 */
int tt_capture_compile(struct tt_capture *cap, const char *expr, struct tt_bpf **out,
                       char *errbuf);

/** @return whether the frame passes the compiled filter. */
bool tt_bpf_match(const struct tt_bpf *f, const struct tt_rawpkt *pkt);

/** Free a compiled filter; accepts NULL; sets *fp to NULL. */
void tt_bpf_free(struct tt_bpf **fp);

/**
 * Read the next frame that passes the filter.
 * @return 1 and *pkt filled; 0 at the end of the input; TT_ERR_TRUNCATED when
 *         the file ends in the middle of a record (errbuf says so); another
 *         negative status on a read error.
 */
int tt_capture_next(struct tt_capture *cap, struct tt_rawpkt *pkt, char *errbuf);

/* A frame from tt_capture_dispatch(): a struct tt_rawpkt's fields, handed
 * over as arguments (in registers: no struct written and read back, and the
 * reader's call to fn is its last act). */
typedef void (*tt_frame_fn)(void *user, const uint8_t *data, uint32_t caplen, uint32_t wire_len,
                            tt_time_ns ts);

/**
 * Read up to `max` frames that pass the filter, calling fn for each (libpcap's
 * pcap_dispatch(): fewer instructions per frame than tt_capture_next()).  The
 * frame's bytes are valid only during the call.
 * @return the frames read; 0 at the end of the input (or, live, when none is
 *         waiting); a negative status as tt_capture_next() (the frames before
 *         the error have been delivered).
 */
int tt_capture_dispatch(struct tt_capture *cap, int max, tt_frame_fn fn, void *user,
                        char *errbuf);

/** @return the link type (DLT_*) of the capture. */
int tt_capture_datalink(const struct tt_capture *cap);

/** @return the DLT name libpcap knows for the link type ("EN10MB"), or "unknown". */
const char *tt_capture_datalink_name(const struct tt_capture *cap);

/** @return the name of the capture source as given when opening it. */
const char *tt_capture_name(const struct tt_capture *cap);

/* A live capture. */
struct tt_live_opts {
	const char *iface;      /* "eth0", "any" */
	int snaplen;            /* bytes kept of each frame */
	bool promisc;           /* promiscuous mode (tcpdump's default; -p turns it off) */
	int buffer_bytes;       /* kernel buffer */
};

/**
 * Open an interface for live capture: immediate delivery, non-blocking
 * reads (tt_capture_next() returns 0 when nothing is waiting), nanosecond
 * timestamps where the system has them.
 * @return TT_OK, or TT_ERR_IO with a one-line reason in errbuf (no such
 *         interface, permission denied: root or CAP_NET_RAW needed, down),
 *         TT_ERR_PCAP, TT_ERR_NOMEM.
 */
int tt_capture_open_live(struct tt_capture **out, const struct tt_live_opts *o, char *errbuf);

/** @return a file descriptor to poll() for packets (live capture), or -1. */
int tt_capture_fd(const struct tt_capture *cap);

struct tt_capture_counts {
	uint64_t received, dropped, if_dropped; /* pcap_stats(3PCAP) */
};

/** Capture statistics of a live capture. @return TT_OK or TT_ERR_UNSUPPORTED. */
int tt_capture_stats(struct tt_capture *cap, struct tt_capture_counts *st);

#define TT_DEV_UP 0x1
#define TT_DEV_RUNNING 0x2
#define TT_DEV_LOOPBACK 0x4
typedef void (*tt_device_fn)(int index, const char *name, const char *description,
                             unsigned flags, void *user);

/**
 * Call fn for every interface libpcap can capture on (tcpdump -D).
 * @return the number of interfaces, or TT_ERR_PCAP with the reason.
 */
int tt_capture_list_devices(tt_device_fn fn, void *user, char *errbuf);

/** Close the capture; accepts NULL; sets *capp to NULL. */
void tt_capture_free(struct tt_capture **capp);

#endif /* TCPTRACK_CAPTURE_H */
