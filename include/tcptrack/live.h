/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * live.h - the live loop: packets from an interface (or a capture replayed at
 * capture speed) through decode and the tracker, timers driven by the clock
 * even when no packet comes, to the ncurses view or to one line per event.
 * One thread: poll() waits for packets, keys and the next refresh, so an idle
 * monitor uses no CPU.
 */
#ifndef TCPTRACK_LIVE_H
#define TCPTRACK_LIVE_H

#include <stdio.h>

#include "tcptrack/capture.h"
#include "tcptrack/report.h"
#include "tcptrack/tracker.h"

struct tt_live_config {
	uint32_t max_flows;         /* as struct tt_tracker_config */
	tt_time_ns msl;
	const char *source;         /* interface or file name, for the header */
	const char *filter;         /* BPF expression or NULL */
	bool replay;                /* the capture is a file */
	bool paced;                 /* replay at capture speed x speed (false: as fast as read) */
	double speed;               /* > 0 */
	const char *speed_str;      /* as given, for the header */
	bool ui;                    /* the ncurses view; else event lines on out */
	enum tt_report_format format; /* event lines: text or JSON */
	FILE *out;
	tt_time_ns linger;          /* how long the view keeps a connection that is over */
	uint64_t limit_packets;     /* -c: stop reading after this many frames (0: no limit) */
};

struct tt_live_result {
	uint64_t packets;           /* frames read */
	struct tt_capture_counts counts; /* live: pcap_stats at the end */
	bool have_counts;
	bool interrupted;           /* stopped by a signal */
};

/**
 * Run until the user quits (q), a signal (SIGINT, SIGTERM, SIGHUP), or, for
 * event lines, the end of the file or limit_packets frames.  With event lines,
 * the connections still open at the end are closed (end_of_input), as from a
 * file.  The view stops reading at limit_packets and stays until q.  The terminal is restored on
 * every exit, fatal signals included.
 * @return TT_OK, or a negative status with a one-line reason in errbuf (the
 *         terminal is already restored then).
 */
int tt_live_run(struct tt_capture *cap, const struct tt_live_config *cfg,
                struct tt_live_result *res, char *errbuf);

#endif /* TCPTRACK_LIVE_H */
