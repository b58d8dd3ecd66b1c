/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * live.c - the live loop (see live.h).
 *
 * One thread and one poll(): the capture's descriptor, standard input (keys)
 * and a timeout until whatever is due next (the next refresh, the next
 * replayed packet).  The tracker's clock follows the wall clock (live) or the
 * replay clock, so TIME_WAIT expires and idle times grow with no packet in
 * sight; nothing spins while idle.
 */
#include "tcptrack/live.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tcptrack/decode.h"
#include "tcptrack/ui.h"

#define REFRESH_NS (TT_NS_PER_SEC / 2)   /* the view redraws twice a second */
#define IDLE_WAIT_NS TT_NS_PER_SEC       /* event lines: wake up to run timers */
#define BURST 4096                       /* packets per turn before looking at keys */

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

/* A fatal signal with the view on screen: give the terminal back, then die. */
static void on_fatal(int sig)
{
	tt_ui_emergency_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static tt_time_ns clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (tt_time_ns)ts.tv_sec * TT_NS_PER_SEC + ts.tv_nsec;
}

struct loop {
	const struct tt_live_config *cfg;
	struct tt_ui *ui;
	struct tt_tracker *tr;
	struct tt_capture *cap;
	int dlt;
	bool flush_lines;          /* each event line reaches a pipe at once */
};

static void on_event(const struct tt_event *ev, void *user)
{
	struct loop *l = user;

	if (l->ui != NULL) {
		tt_ui_event(l->ui, ev);
		return;
	}
	tt_report_event_line(l->cfg->out, l->cfg->format, ev);
	if (l->flush_lines)
		fflush(l->cfg->out);
}

static void feed(struct loop *l, const struct tt_rawpkt *raw, uint64_t *packets)
{
	struct tt_packet pkt;
	enum tt_decode_result r = tt_decode(l->dlt, raw->data, raw->caplen, raw->wire_len,
	                                    raw->ts, &pkt);

	tt_tracker_feed(l->tr, r, r == TT_DEC_OK ? &pkt : NULL, raw->ts);
	(*packets)++;
}

static void install_signals(bool ui)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop; /* no SA_RESTART: poll() returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (ui) {
		sa.sa_handler = on_fatal;
		sigaction(SIGSEGV, &sa, NULL);
		sigaction(SIGBUS, &sa, NULL);
		sigaction(SIGFPE, &sa, NULL);
		sigaction(SIGABRT, &sa, NULL);
	}
}

int tt_live_run(struct tt_capture *cap, const struct tt_live_config *cfg,
                struct tt_live_result *res, char *errbuf)
{
	struct tt_tracker_config tc;
	struct loop l;
	struct tt_ui_info info;
	struct tt_rawpkt pending;
	bool have_pending = false, eof = false, paused = false;
	tt_time_ns start_mono = 0, first_ts = 0, paused_at = 0, next_refresh = 0;
	tt_time_ns cap_now = 0;
	int rc = TT_OK;

	memset(res, 0, sizeof(*res));
	memset(&l, 0, sizeof(l));
	l.cfg = cfg;
	l.cap = cap;
	l.dlt = tt_capture_datalink(cap);
	l.flush_lines = !cfg->replay || cfg->paced;
	stop_signal = 0;

	memset(&tc, 0, sizeof(tc)); /* (records from the events: no on_records) */
	tc.max_flows = cfg->max_flows;
	tc.msl = cfg->msl;
	tc.on_event = on_event;
	tc.user = &l;
	tc.segments = cfg->ui; /* the detail view's ladder */
	tc.events = TT_EVENTS_ALL; /* the event lines and the view take them all */
	rc = tt_tracker_new(&l.tr, &tc, errbuf);
	if (rc != TT_OK)
		return rc;
	if (cfg->ui) {
		info.source = cfg->source;
		info.filter = cfg->filter;
		info.replay = cfg->replay;
		info.speed = cfg->replay ? cfg->speed_str : NULL;
		rc = tt_ui_open(&l.ui, &info, cfg->linger, errbuf);
		if (rc != TT_OK) {
			tt_tracker_free(&l.tr);
			return rc;
		}
	}
	install_signals(cfg->ui);

	for (;;) {
		struct pollfd fds[2];
		nfds_t nfds = 0;
		tt_time_ns now_mono, wait;
		int n = 0, r;

		if (stop_signal) {
			res->interrupted = true;
			if (l.ui == NULL)
				tt_tracker_finish(l.tr); /* every opened connection gets its closed line */
			break;
		}
		now_mono = clock_ns(CLOCK_MONOTONIC);

		/* Packets: what the interface has, or what the replay clock reached. */
		while (n < BURST && !eof) {
			if (!have_pending) {
				r = tt_capture_next(cap, &pending, errbuf);
				if (r < 0) {
					rc = r;
					eof = true;
					break;
				}
				if (r == 0) {
					eof = cfg->replay; /* a live capture has nothing waiting */
					break;
				}
				have_pending = true;
			}
			if (cfg->replay && cfg->paced) {
				tt_time_ns due;
				if (res->packets == 0 && start_mono == 0) {
					start_mono = now_mono;
					first_ts = pending.ts;
				}
				if (paused)
					break;
				due = start_mono +
				      (tt_time_ns)((double)(pending.ts - first_ts) / cfg->speed);
				if (due > now_mono)
					break;
			}
			feed(&l, &pending, &res->packets);
			cap_now = pending.ts;
			have_pending = false;
			n++;
			if (cfg->limit_packets > 0 && res->packets >= cfg->limit_packets)
				eof = true; /* -c: nothing more is read */
		}
		if (rc < 0)
			break;

		/* The clock: timers run even when no packet comes. */
		if (!cfg->replay)
			cap_now = clock_ns(CLOCK_REALTIME);
		else if (cfg->paced && start_mono != 0 && !paused)
			cap_now = first_ts + (tt_time_ns)((double)(now_mono - start_mono) * cfg->speed);
		tt_tracker_advance(l.tr, cap_now);

		if (eof && l.ui == NULL) {
			/* Event lines from a file or up to -c: the records still open end here. */
			tt_tracker_finish(l.tr);
			break;
		}
		if (l.ui != NULL && now_mono >= next_refresh) {
			struct tt_ui_counts uc;
			struct tt_capture_counts cc;
			memset(&uc, 0, sizeof(uc));
			uc.packets = res->packets;
			if (tt_capture_stats(cap, &cc) == TT_OK) {
				uc.dropped = cc.dropped;
				uc.if_dropped = cc.if_dropped;
				uc.have_drops = true;
			}
			tt_ui_refresh(l.ui, l.tr, cap_now, &uc);
			next_refresh = now_mono + REFRESH_NS;
		}

		/* Wait for the next thing to do. */
		if (n == BURST)
			wait = 0;
		else if (l.ui != NULL)
			wait = next_refresh - now_mono;
		else
			wait = IDLE_WAIT_NS;
		if (have_pending && cfg->replay && cfg->paced && !paused) {
			tt_time_ns due = start_mono +
			                 (tt_time_ns)((double)(pending.ts - first_ts) / cfg->speed);
			if (due - now_mono < wait)
				wait = due - now_mono;
		}
		if (wait < 0)
			wait = 0;
		if (!cfg->replay && !eof && tt_capture_fd(cap) >= 0) {
			fds[nfds].fd = tt_capture_fd(cap);
			fds[nfds++].events = POLLIN;
		}
		if (l.ui != NULL) {
			fds[nfds].fd = STDIN_FILENO;
			fds[nfds++].events = POLLIN;
		}
		if (poll(fds, nfds, (int)(wait / 1000000)) < 0 && errno != EINTR) {
			rc = tt_set_errno(errbuf, TT_ERR_IO, errno, "poll");
			break;
		}
		if (l.ui != NULL && nfds > 0 && (fds[nfds - 1].revents & POLLIN)) {
			enum tt_ui_action a = tt_ui_key(l.ui);
			if (a == TT_UI_QUIT)
				break;
			if (a == TT_UI_PAUSE_TOGGLED && cfg->replay && cfg->paced) {
				/* A paused replay stops its clock too. */
				tt_time_ns t = clock_ns(CLOCK_MONOTONIC);
				if (!paused) {
					paused_at = t;
				} else if (start_mono != 0) {
					start_mono += t - paused_at;
				}
				paused = !paused;
			}
			next_refresh = 0; /* show the effect of the key at once */
		}
	}

	if (tt_capture_stats(cap, &res->counts) == TT_OK)
		res->have_counts = true;
	tt_ui_close(&l.ui);
	tt_tracker_free(&l.tr);
	return rc;
}
