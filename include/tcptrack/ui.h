/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ui.h - the live monitor's ncurses view (src/ui_curses.c), like top/htop: a
 * header (source, filter, packets seen and dropped, connections per state), a
 * table of connections, a footer with the keys; a detail view of one
 * connection; help.  It consumes tracker events and connection records and
 * never reaches back into capture or decoding.
 *
 * The live loop (src/live.c) owns time and input: it calls tt_ui_event() for
 * every tracker event, tt_ui_key() when standard input is readable, and
 * tt_ui_refresh() about twice a second (and after a key).  The UI never
 * blocks: getch() is non-blocking.
 */
#ifndef TCPTRACK_UI_H
#define TCPTRACK_UI_H

#include "tcptrack/common.h"
#include "tcptrack/tracker.h"

struct tt_ui; /* opaque */

/* What the header shows about the source. */
struct tt_ui_info {
	const char *source;     /* "eth0", "any", or the replayed file's name */
	const char *filter;     /* the BPF expression, or NULL */
	bool replay;            /* -r FILE --live: a replay, not a live interface */
	const char *speed;      /* replay speed as given ("1", "10", "max"), or NULL */
};

/* Capture counters for the header (pcap_stats; zeros in a replay). */
struct tt_ui_counts {
	uint64_t packets;       /* frames read by tcptrack */
	uint64_t dropped;       /* dropped by the kernel (ps_drop) */
	uint64_t if_dropped;    /* dropped by the interface (ps_ifdrop) */
	bool have_drops;        /* the source reports drops (live capture) */
};

enum tt_ui_action {
	TT_UI_CONTINUE = 0,
	TT_UI_QUIT,             /* q: leave */
	TT_UI_PAUSE_TOGGLED     /* p: the loop may want to pause a replay's clock too */
};

/**
 * Take over the terminal (initscr, cbreak, noecho, keypad, colours if any,
 * non-blocking getch).  linger: how long a connection over stays listed.
 * @return TT_OK, or TT_ERR_INVAL with a reason ("standard output is not a terminal").
 */
int tt_ui_open(struct tt_ui **out, const struct tt_ui_info *info, tt_time_ns linger,
               char *errbuf);

/**
 * Give the terminal back (endwin) and free everything.  Safe to call twice,
 * with NULL, and from any exit path; the terminal is restored.
 */
void tt_ui_close(struct tt_ui **uip);

/** Async-signal-safe part of the restore for a fatal signal: leave curses mode now. */
void tt_ui_emergency_restore(void);

/**
 * A tracker event (the callback of struct tt_tracker_config).  The UI keeps
 * what it needs: CONN_END marks the connection over (it stays --linger
 * seconds, then leaves); STATE and ANOMALY may feed the detail view.
 * ev->conn is only valid during the call: copy what is kept.
 */
void tt_ui_event(struct tt_ui *ui, const struct tt_event *ev);

/**
 * Redraw (unless paused): `now` is the current (capture) time, used for ages,
 * idle times, rates and linger.  Calls tt_tracker_foreach_open(tr, ...) to
 * take a fresh copy of every open connection.
 */
void tt_ui_refresh(struct tt_ui *ui, struct tt_tracker *tr, tt_time_ns now,
                   const struct tt_ui_counts *counts);

/** Read and act on the keys waiting on standard input (non-blocking). */
enum tt_ui_action tt_ui_key(struct tt_ui *ui);

#endif /* TCPTRACK_UI_H */
