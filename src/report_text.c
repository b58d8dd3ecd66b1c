/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report_text.c - the default report: one line per connection, then a summary.
 * Columns have fixed widths (rows are written as connections end, before the
 * widest is known); they fit IPv4 endpoints, every outcome and durations up to
 * a day; a longer IPv6 endpoint pushes the rest of its row to the right.
 */
#include "tcptrack/report.h"

#include <inttypes.h>
#include <time.h>

static void text_begin(struct tt_report *r)
{
	fprintf(r->out, "%-5s %-21s %-21s %-11s %-11s %-19s %13s %6s %9s %6s %9s %5s\n", "ID",
	        "CLIENT", "SERVER", "CLIENT", "SERVER", "OUTCOME", "DURATION", "PKTS>", "BYTES>",
	        "PKTS<", "BYTES<", "RETX");
}

static void format_duration(char *b, size_t n, tt_time_ns d)
{
	/* Durations are never negative (the tracker keeps first <= last). */
	if (d < 0)
		d = 0;
	snprintf(b, n, "%" PRId64 ".%06" PRId64 "s", d / TT_NS_PER_SEC,
	         (d % TT_NS_PER_SEC) / 1000);
}

/* "12.3%" without floating point (the locale cannot change it). */
static void format_percent(char *b, size_t n, uint64_t part, uint64_t whole)
{
	uint64_t pm = whole > 0 ? (part * 1000 + whole / 2) / whole : 0;
	snprintf(b, n, "%" PRIu64 ".%" PRIu64 "%%", pm / 10, pm % 10);
}

static void rtt_dir(FILE *f, const char *name, const struct tt_rtt_stats *r)
{
	char mn[32], av[32], mx[32];

	if (r->samples == 0) {
		fprintf(f, "%s none", name);
		return;
	}
	tt_format_ms(mn, sizeof(mn), r->min);
	tt_format_ms(av, sizeof(av), r->sum / r->samples);
	tt_format_ms(mx, sizeof(mx), r->max);
	fprintf(f, "%s %s/%s/%s ms (%u)", name, mn, av, mx, r->samples);
}

/* The line under each connection: retransmission rate, dup ACKs, zero-window
 * time, round trips, and any other condition that occurred. */
static void text_health(FILE *f, const struct tt_conn *c)
{
	const struct tt_dir *a = &c->dir[0], *b = &c->dir[1];
	uint64_t pkts = a->packets + b->packets;
	uint32_t retx = a->counts[TT_AN_RETRANSMISSION] + b->counts[TT_AN_RETRANSMISSION];
	char pc[32], x[32], y[32];
	bool first = true;

	format_percent(pc, sizeof(pc), retx, pkts);
	fprintf(f, "      health: retx %s (%u/%" PRIu64 "); dup acks %u; zero window ", pc, retx, pkts,
	        a->counts[TT_AN_DUP_ACK] + b->counts[TT_AN_DUP_ACK]);
	if (a->zw_total + b->zw_total > 0 || a->counts[TT_AN_ZERO_WINDOW] + b->counts[TT_AN_ZERO_WINDOW] > 0) {
		format_duration(x, sizeof(x), a->zw_total + b->zw_total);
		format_duration(y, sizeof(y), a->zw_max > b->zw_max ? a->zw_max : b->zw_max);
		fprintf(f, "%s (longest %s)", x, y);
	} else {
		fputs("none", f);
	}
	fputs("; handshake rtt ", f);
	if (c->has_rtt_client && c->has_rtt_server) {
		tt_format_ms(pc, sizeof(pc), c->rtt_client_side + c->rtt_server_side);
		tt_format_ms(x, sizeof(x), c->rtt_client_side);
		tt_format_ms(y, sizeof(y), c->rtt_server_side);
		fprintf(f, "%s ms (client %s + server %s)", pc, x, y);
	} else {
		fputs("unknown", f);
	}
	fputs("; data rtt min/avg/max ", f);
	rtt_dir(f, "c2s", &a->rtt);
	fputs(", ", f);
	rtt_dir(f, "s2c", &b->rtt);
	for (int i = 0; i < TT_AN_COUNT; i++) {
		enum tt_anomaly an = tt_report_counters[i].an;
		uint32_t n = a->counts[an] + b->counts[an];
		if (n == 0 || an == TT_AN_RETRANSMISSION || an == TT_AN_DUP_ACK)
			continue;
		fprintf(f, "%s %s %u", first ? "; also" : ",", tt_report_counters[i].name, n);
		first = false;
	}
	{
		const char *inf[6];
		int n = tt_conn_inferred(c, inf);
		for (int i = 0; i < n; i++)
			fprintf(f, "%s%s", i ? ", " : "; inferred: ", inf[i]);
	}
	fputc('\n', f);
}

static void text_conn(struct tt_report *r, const struct tt_conn *c)
{
	char cl[64], sv[64], oc[32], du[32];
	const char *by = tt_conn_closed_by(c);
	enum tt_outcome o = tt_conn_outcome(c);

	tt_format_endpoint(cl, sizeof(cl), c->ip_version, c->addr[TT_CLIENT], c->port[TT_CLIENT]);
	tt_format_endpoint(sv, sizeof(sv), c->ip_version, c->addr[TT_SERVER], c->port[TT_SERVER]);
	if (o == TT_OUT_RESET)
		by = tt_conn_reset_by(c);
	else if (o != TT_OUT_CLOSED && o != TT_OUT_HALF_CLOSED)
		by = NULL;
	if (by != NULL)
		snprintf(oc, sizeof(oc), "%s(%s)", tt_outcome_name(o), by);
	else
		snprintf(oc, sizeof(oc), "%s%s", tt_outcome_name(o),
		         c->end_reason == TT_END_EVICTED ? "*" : "");
	format_duration(du, sizeof(du), c->last - c->first);
	fprintf(r->out,
	        "%-5" PRIu64 " %-21s %-21s %-11s %-11s %-19s %13s %6" PRIu64 " %9" PRIu64
	        " %6" PRIu64 " %9" PRIu64 " %5u\n",
	        c->id, cl, sv, tt_tcp_state_name(c->state[TT_CLIENT]),
	        tt_tcp_state_name(c->state[TT_SERVER]), oc, du, c->dir[0].packets,
	        c->dir[0].payload_bytes, c->dir[1].packets, c->dir[1].payload_bytes,
	        c->dir[0].counts[TT_AN_RETRANSMISSION] + c->dir[1].counts[TT_AN_RETRANSMISSION]);
	text_health(r->out, c);
}

/* Analysis totals over the connections reported. */
static void text_totals(FILE *f, const struct tt_report_counts *n)
{
	char pc[32], zw[32], a[32];
	bool first = true;

	if (n->conns == 0)
		return;
	format_percent(pc, sizeof(pc), n->anomalies[TT_AN_RETRANSMISSION], n->packets);
	format_duration(zw, sizeof(zw), n->zero_window);
	fprintf(f, "  analysis:    %" PRIu64 " retransmissions (%s of %" PRIu64 " packets)",
	        n->anomalies[TT_AN_RETRANSMISSION], pc, n->packets);
	for (int i = 0; i < TT_AN_COUNT; i++) {
		enum tt_anomaly an = tt_report_counters[i].an;
		if (an == TT_AN_RETRANSMISSION || n->anomalies[an] == 0)
			continue;
		fprintf(f, "%s %s %" PRIu64, first ? ";" : ",", tt_report_counters[i].name,
		        n->anomalies[an]);
		first = false;
	}
	if (n->zero_window > 0)
		fprintf(f, "; zero window %s in all", zw);
	fputc('\n', f);
	fputs("  rtt:         handshake ", f);
	if (n->hs_rtts > 0) {
		tt_format_ms(a, sizeof(a), n->hs_rtt_sum / (tt_time_ns)n->hs_rtts);
		fprintf(f, "%s ms avg over %" PRIu64 " connections", a, n->hs_rtts);
	} else {
		fputs("none", f);
	}
	fputs("; data ", f);
	if (n->rtt_samples > 0) {
		tt_format_ms(a, sizeof(a), n->rtt_sum / (tt_time_ns)n->rtt_samples);
		fprintf(f, "%s ms avg over %" PRIu64 " samples\n", a, n->rtt_samples);
	} else {
		fputs("none\n", f);
	}
}

/* "limits hit:", one line per limit, only when one was. */
static void text_limits(FILE *f, const struct tt_report *r, const struct tt_stats *st)
{
	struct tt_report_limit lim[TT_REPORT_LIMITS_MAX];
	size_t n = tt_report_limits(r, st, lim);

	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s %" PRIu64 ": %" PRIu64 " %s\n", i == 0 ? "  limits hit:  " : "               ",
		        lim[i].name, lim[i].limit, lim[i].count, lim[i].unit);
}

static void text_summary(struct tt_report *r, const struct tt_stats *st,
                         const struct tt_input_info *in)
{
	FILE *f = r->out;
	uint64_t malformed = tt_report_malformed_total(st);
	char a[64], b[64], du[32];
	bool first = true;

	fprintf(f, "\nSummary of %s (link type %s)%s\n", in->name, in->link_name,
	        in->truncated ? " -- FILE TRUNCATED: the last record was cut off"
	        : in->error != NULL ? " -- READ ERROR: the report covers the packets before it"
	                            : "");
	if (in->error != NULL)
		fprintf(f, "  error:       %s\n", in->error);
	if (st->frames > 0) {
		tt_format_utc(a, sizeof(a), st->first_ts);
		tt_format_utc(b, sizeof(b), st->last_ts);
		format_duration(du, sizeof(du), st->last_ts - st->first_ts);
		fprintf(f, "  time:        %s to %s (%s)\n", a, b, du);
	}
	fprintf(f, "  packets:     %" PRIu64 " read, %" PRIu64 " TCP, %" PRIu64
	        " ICMP errors quoting TCP (%" PRIu64 " for no known connection), %" PRIu64
	        " not IP, %" PRIu64 " not TCP, %" PRIu64 " later fragments, %" PRIu64
	        " malformed\n",
	        st->frames, st->tcp_segments, st->icmp_errors, st->icmp_unmatched,
	        st->by_result[TT_DEC_NOT_IP], st->by_result[TT_DEC_NOT_TCP],
	        st->by_result[TT_DEC_FRAGMENT], malformed);
	if (st->by_result[TT_DEC_UNSUPPORTED_LINK] > 0)
		fprintf(f, "  unsupported: %" PRIu64 " frames of link type %s were skipped\n",
		        st->by_result[TT_DEC_UNSUPPORTED_LINK], in->link_name);
	if (malformed > 0) {
		fputs("  malformed:  ", f);
		for (int i = 0; i < TT_DEC_NRESULTS; i++) {
			if (!tt_decode_result_is_malformed((enum tt_decode_result)i) ||
			    st->by_result[i] == 0)
				continue;
			fprintf(f, "%s %s %" PRIu64, first ? "" : ",",
			        tt_decode_result_name((enum tt_decode_result)i), st->by_result[i]);
			first = false;
		}
		fputc('\n', f);
	}
	{
		/* Only the oddities that occurred, as "N what" items. */
		const struct {
			uint64_t n;
			const char *what;
		} odd[] = {
			{st->bad_tcp_options, "segments with malformed TCP options"},
			{st->tcp_options_cut, "segments with options cut by the snaplen"},
			{st->ip_length_clamped, "segments with an IP length beyond the frame"},
			{st->rst_ignored, "RSTs the receiver would ignore"},
			{st->strays, "segments after their connection was over"},
			{st->time_backwards, "timestamps going backwards"},
		};
		first = true;
		for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
			if (odd[i].n == 0)
				continue;
			fprintf(f, "%s %" PRIu64 " %s", first ? "  oddities:   " : ",", odd[i].n,
			        odd[i].what);
			first = false;
		}
		if (!first)
			fputc('\n', f);
	}
	fprintf(f, "  connections: %" PRIu64, r->counts.conns);
	first = true;
	for (int o = 0; o < TT_OUT_NUM; o++) {
		if (r->counts.by_outcome[o] == 0)
			continue;
		fprintf(f, "%s %s %" PRIu64, first ? " --" : ",", tt_outcome_name((enum tt_outcome)o),
		        r->counts.by_outcome[o]);
		first = false;
	}
	fputc('\n', f);
	if (r->counts.conns > 0) {
		fputs("  final states (client/server):", f);
		first = true;
		for (int x = 0; x < 11; x++)
			for (int y = 0; y < 11; y++) {
				if (r->counts.by_state_pair[x][y] == 0)
					continue;
				fprintf(f, "%s %s/%s %" PRIu64, first ? "" : ",",
				        tt_tcp_state_name((enum tt_tcp_state)x),
				        tt_tcp_state_name((enum tt_tcp_state)y),
				        r->counts.by_state_pair[x][y]);
				first = false;
			}
		fputc('\n', f);
	}
	text_totals(f, &r->counts);
	tt_diag_write_text(f, &r->diag);
	fprintf(f, "  evicted:     %" PRIu64 " (--max-flows %u, at most %u tracked at once)\n",
	        st->evicted, st->max_flows, st->peak_flows);
	if (st->time_wait_dropped > 0)
		fprintf(f, "  TIME_WAIT:   %" PRIu64 " connections over forgotten before their 2*MSL ended"
		        " (--max-flows %u of them at once)\n", st->time_wait_dropped, st->max_flows);
	if (in->limit_packets > 0 && in->stopped_by_limit)
		fprintf(f, "  stopped:     after %" PRIu64 " packets (-c)\n", in->limit_packets);
	text_limits(f, r, st);
}

const struct tt_report_writer tt_writer_text = {
	.name = "text",
	.begin = text_begin,
	.conn = text_conn,
	.summary = text_summary,
};
