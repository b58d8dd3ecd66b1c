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

#include "outbuf.h"

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

/* ---- connection rows: built in a buffer, no printf (see outbuf.h) ---- */

/*
 * Room for a whole record (its row and its health line) is reserved first, so
 * that nothing is flushed in the middle of a line and a field can be padded
 * in place once written: `start` is where it began.
 */
#define TEXT_RECORD_MAX 2048

/* printf's %-Ns: spaces after a field shorter than width. */
static void pad_after(struct tt_outbuf *o, size_t start, size_t width)
{
	size_t len = o->n - start;

	if (len < width) {
		memset(o->b + o->n, ' ', width - len);
		o->n += width - len;
	}
}

/* printf's %Ns: spaces before a field shorter than width. */
static void pad_before(struct tt_outbuf *o, size_t start, size_t width)
{
	size_t len = o->n - start;

	if (len < width) {
		memmove(o->b + start + (width - len), o->b + start, len);
		memset(o->b + start, ' ', width - len);
		o->n += width - len;
	}
}

/* As format_duration(). */
static void ob_duration(struct tt_outbuf *o, tt_time_ns d)
{
	if (d < 0)
		d = 0;
	tt_ob_u64(o, (uint64_t)(d / TT_NS_PER_SEC));
	tt_ob_char(o, '.');
	tt_ob_fixed(o, (uint64_t)((d % TT_NS_PER_SEC) / 1000), 6);
	tt_ob_char(o, 's');
}

/* As format_percent(). */
static void ob_percent(struct tt_outbuf *o, uint64_t part, uint64_t whole)
{
	uint64_t pm = whole > 0 ? (part * 1000 + whole / 2) / whole : 0;

	tt_ob_u64(o, pm / 10);
	tt_ob_char(o, '.');
	tt_ob_u64(o, pm % 10);
	tt_ob_char(o, '%');
}

static void rtt_dir(struct tt_outbuf *o, const char *name, const struct tt_rtt_stats *r)
{
	tt_ob_str(o, name);
	if (r->samples == 0) {
		tt_ob_str(o, " none");
		return;
	}
	tt_ob_char(o, ' ');
	tt_ob_ms(o, r->min);
	tt_ob_char(o, '/');
	tt_ob_ms(o, r->sum / r->samples);
	tt_ob_char(o, '/');
	tt_ob_ms(o, r->max);
	tt_ob_str(o, " ms (");
	tt_ob_u64(o, r->samples);
	tt_ob_char(o, ')');
}

/* The line under each connection: retransmission rate, dup ACKs, zero-window
 * time, handshake and data round trips, the other conditions seen, and what
 * the states rest on besides captured segments. */
static void text_health(struct tt_outbuf *o, const struct tt_conn *c)
{
	const struct tt_dir *a = &c->dir[0], *b = &c->dir[1];
	const struct tt_dir_ext *fa = tt_dir_x(a), *fb = tt_dir_x(b);
	uint64_t pkts = tt_dir_packets(a) + tt_dir_packets(b);
	uint32_t retx = tt_dir_count(a, TT_AN_RETRANSMISSION) + tt_dir_count(b, TT_AN_RETRANSMISSION);
	bool first = true;

	tt_ob_str(o, "      health: retx ");
	ob_percent(o, retx, pkts);
	tt_ob_str(o, " (");
	tt_ob_u64(o, retx);
	tt_ob_char(o, '/');
	tt_ob_u64(o, pkts);
	tt_ob_str(o, "); dup acks ");
	tt_ob_u64(o, (uint32_t)(tt_dir_count(a, TT_AN_DUP_ACK) + tt_dir_count(b, TT_AN_DUP_ACK)));
	tt_ob_str(o, "; zero window ");
	if (tt_ns_add(fa->zw_total, fb->zw_total) > 0 ||
	    tt_dir_count(a, TT_AN_ZERO_WINDOW) + tt_dir_count(b, TT_AN_ZERO_WINDOW) > 0) {
		ob_duration(o, tt_ns_add(fa->zw_total, fb->zw_total));
		tt_ob_str(o, " (longest ");
		ob_duration(o, fa->zw_max > fb->zw_max ? fa->zw_max : fb->zw_max);
		tt_ob_char(o, ')');
	} else {
		tt_ob_str(o, "none");
	}
	tt_ob_str(o, "; handshake rtt ");
	if (c->has_rtt_client && c->has_rtt_server) {
		tt_ob_ms(o, tt_conn_handshake_rtt(c));
		tt_ob_str(o, " ms (client ");
		tt_ob_ms(o, tt_conn_rtt_side(c, TT_CLIENT));
		tt_ob_str(o, " + server ");
		tt_ob_ms(o, tt_conn_rtt_side(c, TT_SERVER));
		tt_ob_char(o, ')');
	} else {
		tt_ob_str(o, "unknown");
	}
	tt_ob_str(o, "; data rtt min/avg/max ");
	{
		struct tt_rtt_stats ra = tt_conn_rtt(c, TT_CLIENT), rb = tt_conn_rtt(c, TT_SERVER);
		rtt_dir(o, "c2s", &ra);
		tt_ob_str(o, ", ");
		rtt_dir(o, "s2c", &rb);
	}
	for (int i = 0; i < TT_AN_COUNT; i++) {
		enum tt_anomaly an = tt_report_counters[i].an;
		uint32_t n = tt_dir_count(a, an) + tt_dir_count(b, an);
		if (n == 0 || an == TT_AN_RETRANSMISSION || an == TT_AN_DUP_ACK)
			continue;
		tt_ob_str(o, first ? "; also " : ", ");
		tt_ob_str(o, tt_report_counters[i].name);
		tt_ob_char(o, ' ');
		tt_ob_u64(o, n);
		first = false;
	}
	{
		const char *inf[6];
		int n = tt_conn_inferred(c, inf);
		for (int i = 0; i < n; i++) {
			tt_ob_str(o, i ? ", " : "; inferred: ");
			tt_ob_str(o, inf[i]);
		}
	}
	tt_ob_char(o, '\n');
}

static void text_conn(struct tt_report *r, const struct tt_conn *c, enum tt_outcome oc)
{
	struct tt_outbuf ob;
	char buf[TT_OB_SIZE];
	struct tt_outbuf *o = tt_ob_record_begin(r, &ob, buf);
	const char *by = tt_conn_closed_by(c);
	size_t f;

	if (oc == TT_OUT_RESET)
		by = tt_conn_reset_by(c);
	else if (oc != TT_OUT_CLOSED && oc != TT_OUT_HALF_CLOSED)
		by = NULL;
	(void)tt_ob_room(o, TEXT_RECORD_MAX);
	f = o->n;
	tt_ob_u64(o, c->id);
	pad_after(o, f, 5);
	tt_ob_char(o, ' ');
	for (int ep = 0; ep < 2; ep++) {
		f = o->n;
		tt_ob_endpoint(o, c->ip_version, tt_conn_addr(c, ep), tt_conn_port(c, ep));
		pad_after(o, f, 21);
		tt_ob_char(o, ' ');
	}
	for (int ep = 0; ep < 2; ep++) {
		f = o->n;
		tt_ob_str(o, tt_tcp_state_name(c->state[ep]));
		pad_after(o, f, 11);
		tt_ob_char(o, ' ');
	}
	f = o->n;
	tt_ob_str(o, tt_outcome_name(oc));
	if (by != NULL) {
		tt_ob_char(o, '(');
		tt_ob_str(o, by);
		tt_ob_char(o, ')');
	} else if (c->end_reason == TT_END_EVICTED) {
		tt_ob_char(o, '*');
	}
	pad_after(o, f, 19);
	tt_ob_char(o, ' ');
	f = o->n;
	ob_duration(o, tt_ns_sub(tt_conn_last(c), c->rt.first));
	pad_before(o, f, 13);
	{
		const uint64_t v[5] = {tt_dir_packets(&c->dir[0]), tt_dir_payload_bytes(&c->dir[0]),
		                       tt_dir_packets(&c->dir[1]), tt_dir_payload_bytes(&c->dir[1]),
		                       (uint32_t)(tt_dir_count(&c->dir[0], TT_AN_RETRANSMISSION) +
		                                  tt_dir_count(&c->dir[1], TT_AN_RETRANSMISSION))};
		static const size_t width[5] = {6, 9, 6, 9, 5};
		for (int i = 0; i < 5; i++) {
			tt_ob_char(o, ' ');
			f = o->n;
			tt_ob_u64(o, v[i]);
			pad_before(o, f, width[i]);
		}
	}
	tt_ob_char(o, '\n');
	text_health(o, c);
	tt_ob_record_end(r, o);
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
		format_duration(du, sizeof(du), tt_ns_sub(st->last_ts, st->first_ts));
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
