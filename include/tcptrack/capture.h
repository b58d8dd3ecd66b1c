/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * capture.h - packet sources: capture files (pcap, pcapng, stdin) through
 * libpcap's offline reader, BPF filters, capture statistics.  This is the
 * only module that calls libpcap.
 */
#ifndef TCPTRACK_CAPTURE_H
#define TCPTRACK_CAPTURE_H

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
 * Compile and install a BPF filter (pcap-filter(7) syntax).
 * @return TT_OK, or TT_ERR_INVAL with "filter 'expr': reason" in errbuf.
 */
int tt_capture_set_filter(struct tt_capture *cap, const char *expr, char *errbuf);

/**
 * Read the next frame that passes the filter.
 * @return 1 and *pkt filled; 0 at the end of the input; TT_ERR_TRUNCATED when
 *         the file ends in the middle of a record (errbuf says so); another
 *         negative status on a read error.
 */
int tt_capture_next(struct tt_capture *cap, struct tt_rawpkt *pkt, char *errbuf);

/** @return the link type (DLT_*) of the capture. */
int tt_capture_datalink(const struct tt_capture *cap);

/** @return the DLT name libpcap knows for the link type ("EN10MB"), or "unknown". */
const char *tt_capture_datalink_name(const struct tt_capture *cap);

/** @return the name of the capture source as given when opening it. */
const char *tt_capture_name(const struct tt_capture *cap);

/** Close the capture; accepts NULL; sets *capp to NULL. */
void tt_capture_free(struct tt_capture **capp);

#endif /* TCPTRACK_CAPTURE_H */
