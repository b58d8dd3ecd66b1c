/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_capture.c - a whole capture file (pcap or pcapng) through the real
 * pipeline: libpcap's reader (tt_capture_open_stream() on an fmemopen()
 * buffer), tt_decode(), the tracker with a small --max-flows (so eviction
 * runs), and every writer at once: the text, JSON and CSV reports, the event
 * lines (text and JSON) and the --at socket table, all into /dev/null.
 * Besides the sanitizers: the counters must add up, and the tracker may never
 * hold more connections than its cap.
 */
#include "fuzz.h"

#include <stdio.h>
#include <string.h>

#include "tcptrack/capture.h"
#include "tcptrack/report.h"
#include "tcptrack/tracker.h"

#define FUZZ_MAX_FLOWS 8
#define FUZZ_MAX_FRAMES 100000 /* libFuzzer inputs are small; a replayed file may not be */

struct sinks {
	FILE *null;
	struct tt_report rep[3];    /* by enum tt_report_format */
	struct tt_at at;
	bool at_set;
	uint64_t ended;             /* TT_EVT_CONN_END events */
	uint64_t handed;            /* records handed over (on_records) */
};

/* The records, handed over in batches as main.c's report takes them. */
static void on_records(const struct tt_conn *const *recs, size_t n, void *user)
{
	struct sinks *s = user;

	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(recs[i]->written);
		for (int f = 0; f < 3; f++)
			tt_report_conn(&s->rep[f], recs[i]);
	}
	s->handed += n;
	FUZZ_CHECK(s->handed <= s->ended);
}

static void on_event(const struct tt_event *ev, void *user)
{
	struct sinks *s = user;

	tt_report_event_line(s->null, TT_FMT_TEXT, ev);
	tt_report_event_line(s->null, TT_FMT_JSON, ev);
	for (int f = 0; f < 3; f++)
		tt_report_event(&s->rep[f], ev);
	if (ev->type == TT_EVT_STATE && ev->to == TT_TCP_LISTEN && ev->ts <= s->at.at)
		tt_at_add_listener(&s->at, ev->conn->ip_version, tt_conn_addr(ev->conn, ev->endpoint),
		                   tt_conn_port(ev->conn, ev->endpoint), ev->ts);
	if (ev->type == TT_EVT_CONN_END) {
		tt_at_add_conn(&s->at, ev->conn);
		s->ended++;
	}
}

static void run(struct tt_capture *cap, struct sinks *s)
{
	struct tt_tracker_config cfg = {.max_flows = FUZZ_MAX_FLOWS,
	                                .msl = 30 * TT_NS_PER_SEC,
	                                .on_event = on_event,
	                                .user = s,
	                                .on_records = on_records};
	struct tt_input_info in;
	struct tt_tracker *tr = NULL;
	const struct tt_stats *st;
	char errbuf[TT_ERRBUF_SIZE] = "";
	uint64_t n = 0, malformed = 0;
	int dlt = tt_capture_datalink(cap);

	memset(&in, 0, sizeof(in));
	in.name = tt_capture_name(cap);
	in.link_name = tt_capture_datalink_name(cap);
	in.dlt = dlt;
	in.link_unsupported = !tt_decode_link_supported(dlt);
	if (tt_tracker_new(&tr, &cfg, errbuf) != TT_OK)
		return;
	while (n < FUZZ_MAX_FRAMES) {
		struct tt_rawpkt raw;
		struct tt_packet pkt;
		enum tt_decode_result r;
		int rc = tt_capture_next(cap, &raw, errbuf);

		if (rc <= 0) {
			in.truncated = rc == TT_ERR_TRUNCATED;
			in.error = rc < 0 ? errbuf : NULL;
			break;
		}
		FUZZ_CHECK(raw.wire_len >= raw.caplen);
		if (n == 0)
			s->at.at = raw.ts + TT_NS_PER_SEC / 20; /* --at +0.05 */
		n++;
		if (n % 7 != 0) { /* through the look-ahead, as main.c feeds; mixed with direct feeds */
			struct tt_packet *slot = tt_tracker_ahead_slot(tr);
			r = tt_decode_track(dlt, raw.data, raw.caplen, raw.wire_len, raw.ts, slot);
			tt_tracker_ahead_push(tr, slot, r);
		} else {
			r = tt_decode(dlt, raw.data, raw.caplen, raw.wire_len, raw.ts, &pkt);
			tt_tracker_feed(tr, r, r == TT_DEC_OK ? &pkt : NULL, raw.ts);
		}
		malformed += tt_decode_result_is_malformed(r);
		FUZZ_CHECK(tt_tracker_stats(tr)->peak_flows <= FUZZ_MAX_FLOWS);
	}
	in.stopped_by_limit = n == FUZZ_MAX_FRAMES;
	tt_tracker_finish(tr);
	st = tt_tracker_stats(tr);
	FUZZ_CHECK(st->frames == n);
	FUZZ_CHECK(tt_report_malformed_total(st) == malformed);
	FUZZ_CHECK(s->ended == st->connections);
	FUZZ_CHECK(s->handed == s->ended);
	FUZZ_CHECK(s->rep[TT_FMT_TEXT].counts.conns == st->connections);
	FUZZ_CHECK(s->rep[TT_FMT_TEXT].counts.evicted == st->evicted);
	for (int f = 0; f < 3; f++)
		tt_report_finish(&s->rep[f], st, &in);
	tt_at_write(&s->at, TT_FMT_TEXT, s->null);
	tt_at_write(&s->at, TT_FMT_JSON, s->null);
	tt_at_write(&s->at, TT_FMT_CSV, s->null);
	tt_tracker_free(&tr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tt_capture *cap = NULL;
	struct sinks s;
	char errbuf[TT_ERRBUF_SIZE] = "";
	FILE *fp;

	if (size == 0)
		return 0; /* fmemopen() refuses a zero-size buffer */
	fp = fmemopen((void *)(uintptr_t)data, size, "rb");
	if (fp == NULL)
		return 0;
	if (tt_capture_open_stream(&cap, fp, "fuzz.pcap", errbuf) != TT_OK) {
		FUZZ_CHECK(errbuf[0] != '\0' && memchr(errbuf, '\n', strlen(errbuf)) == NULL);
		return 0;
	}
	memset(&s, 0, sizeof(s));
	s.null = fopen("/dev/null", "w");
	if (s.null != NULL && tt_at_init(&s.at, 0) == TT_OK) {
		for (int f = 0; f < 3; f++)
			tt_report_init(&s.rep[f], (enum tt_report_format)f, s.null);
		run(cap, &s);
		for (int f = 0; f < 3; f++)
			tt_report_free(&s.rep[f]);
		tt_at_free(&s.at);
	}
	if (s.null != NULL)
		fclose(s.null);
	tt_capture_free(&cap);
	return 0;
}
