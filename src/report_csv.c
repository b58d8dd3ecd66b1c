/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report_csv.c - a header row, then one flattened row per connection: every
 * field of the JSON object, DIR objects as c2s_* and s2c_* columns.  Histories
 * are "STATE@time" items separated by spaces; an empty cell means none/null.
 */
#include "tcptrack/report.h"

#include <inttypes.h>

/* The JSON DIR object's fields, in its order; the counters go in between, and
 * the direction's RTT summary (the JSON "rtt" object's c2s/s2c) at the end. */
static const char *const dir_head =
	"packets,payload_bytes,unique_bytes,retransmitted_bytes,syn,fin,rst,isn,mss,wscale,"
	"sack_ok,ts_ok,win_min,win_max,win_last,win_last_raw,win_shift";
static const char *const dir_tail =
	"zero_window_ms,zero_window_max_ms,bytes_in_flight_max,seq_next,ack_max,bytes_acked,"
	"icmp_errors,rtt_samples,rtt_min_ms,rtt_avg_ms,rtt_max_ms";

static void prefixed(FILE *f, const char *prefix, const char *cols)
{
	fputs(prefix, f);
	for (const char *p = cols; *p != '\0'; p++) {
		fputc(*p, f);
		if (*p == ',')
			fputs(prefix, f);
	}
}

static void dir_header(FILE *f, const char *prefix)
{
	prefixed(f, prefix, dir_head);
	for (int i = 0; i < TT_AN_COUNT; i++)
		fprintf(f, ",%s%s", prefix, tt_report_counters[i].name);
	fputc(',', f);
	prefixed(f, prefix, dir_tail);
}

static void csv_begin(struct tt_report *r)
{
	fputs("id,incarnation,ip,client,server,first,last,end,end_reason,strays,handshake,outcome,"
	      "closed_by,reset_by,port_reuse,client_state,server_state,client_tw_until,"
	      "server_tw_until,client_chosen_by,"
	      "history_truncated,icmp_type,icmp_code,rtt_handshake_ms,rtt_client_side_ms,"
	      "rtt_server_side_ms,inferred,client_history,server_history,",
	      r->out);
	dir_header(r->out, "c2s_");
	fputc(',', r->out);
	dir_header(r->out, "s2c_");
	fputc('\n', r->out);
}

static void opt_u(FILE *f, bool has, uint64_t v)
{
	if (has)
		fprintf(f, ",%" PRIu64, v);
	else
		fputc(',', f);
}

static void opt_ms(FILE *f, bool has, tt_time_ns v)
{
	char b[32];

	fputc(',', f);
	if (has) {
		tt_format_ms(b, sizeof(b), v);
		fputs(b, f);
	}
}

static void csv_dir(FILE *f, const struct tt_conn *c, int di)
{
	const struct tt_dir *d = &c->dir[di];
	const struct tt_dir_ext *x = tt_dir_x(d);
	struct tt_rtt_stats r = tt_conn_rtt(c, di);
	bool rtt = r.samples > 0;

	fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64,
	        tt_dir_packets(d), tt_dir_payload_bytes(d), tt_dir_unique_bytes(d),
	        tt_dir_payload_bytes(d) - tt_dir_unique_bytes(d), tt_dir_syns(d), tt_dir_fins(d),
	        tt_dir_rsts(d));
	opt_u(f, d->has_isn, d->isn);
	opt_u(f, d->has_mss, d->mss);
	opt_u(f, d->has_wscale, d->wscale);
	fprintf(f, ",%d,%d", d->sack_ok, d->ts_ok);
	opt_u(f, d->has_win, d->win_min);
	opt_u(f, d->has_win, d->win_max);
	opt_u(f, d->has_win, d->win_last);
	opt_u(f, d->has_win, d->win_last_raw);
	opt_u(f, d->scale_known, d->shift);
	for (int i = 0; i < TT_AN_COUNT; i++)
		fprintf(f, ",%u", tt_dir_count(d, tt_report_counters[i].an));
	opt_ms(f, true, x->zw_total);
	opt_ms(f, true, x->zw_max);
	fprintf(f, ",%" PRIu64 ",%" PRIu64, tt_dir_bytes_in_flight_max(d), tt_dir_seq_next(d));
	opt_u(f, d->has_ack, tt_dir_ack_max(d));
	fprintf(f, ",%" PRIu64 ",%u,%u", tt_dir_bytes_acked(d), tt_dir_count(d, TT_DIR_ICMP), r.samples);
	opt_ms(f, rtt, r.min);
	opt_ms(f, rtt, rtt ? r.sum / r.samples : 0);
	opt_ms(f, rtt, r.max);
}

static void csv_time(FILE *f, tt_time_ns t)
{
	char b[40];
	tt_format_time(b, sizeof(b), t);
	fputs(b, f);
}

static void csv_history(FILE *f, const struct tt_conn *c, int ep)
{
	const struct tt_history *h = &c->hist[ep];

	fputc(',', f);
	for (int i = 0; i < h->n; i++) {
		fprintf(f, "%s%s@", i ? " " : "", tt_tcp_state_name(tt_history_state(h, i)));
		csv_time(f, tt_conn_hist_ts(c, ep, i));
	}
}

static void csv_conn(struct tt_report *r, const struct tt_conn *c, enum tt_outcome outcome)
{
	FILE *f = r->out;
	char cl[64], sv[64];
	const char *cb = tt_conn_closed_by(c), *rb = tt_conn_reset_by(c);

	tt_format_endpoint(cl, sizeof(cl), c->ip_version, tt_conn_addr(c, TT_CLIENT),
	                   tt_conn_port(c, TT_CLIENT));
	tt_format_endpoint(sv, sizeof(sv), c->ip_version, tt_conn_addr(c, TT_SERVER),
	                   tt_conn_port(c, TT_SERVER));
	fprintf(f, "%" PRIu64 ",%u,%u,%s,%s,", c->id, c->incarnation, c->ip_version, cl, sv);
	csv_time(f, c->rt.first);
	fputc(',', f);
	csv_time(f, tt_conn_last(c));
	fputc(',', f);
	csv_time(f, tt_conn_end(c));
	fprintf(f, ",%s,%u,%s,%s,%s,%s,%d,%s,%s,",
	        tt_end_reason_name((enum tt_end_reason)c->end_reason), c->strays,
	        tt_handshake_name((enum tt_handshake)c->handshake),
	        tt_outcome_name(outcome), cb != NULL ? cb : "", rb != NULL ? rb : "",
	        c->port_reuse, tt_tcp_state_name(c->state[TT_CLIENT]),
	        tt_tcp_state_name(c->state[TT_SERVER]));
	for (int ep = 0; ep < 2; ep++) {
		/* When an endpoint left in TIME_WAIT leaves it (2*MSL after it entered). */
		if (c->state[ep] == TT_TCP_TIME_WAIT && tt_conn_tw_deadline(c, ep) != 0)
			csv_time(f, tt_conn_tw_deadline(c, ep));
		fputc(',', f);
	}
	fprintf(f, "%s,%d", tt_client_reason_name((enum tt_client_reason)c->client_reason),
	        c->hist[0].truncated || c->hist[1].truncated);
	if (tt_dir_count(&c->dir[0], TT_DIR_ICMP) + tt_dir_count(&c->dir[1], TT_DIR_ICMP) > 0)
		fprintf(f, ",%u,%u", c->icmp_type, c->icmp_code);
	else
		fputs(",,", f);
	opt_ms(f, c->has_rtt_client && c->has_rtt_server, tt_conn_handshake_rtt(c));
	opt_ms(f, c->has_rtt_client, tt_conn_rtt_side(c, TT_CLIENT));
	opt_ms(f, c->has_rtt_server, tt_conn_rtt_side(c, TT_SERVER));
	{
		const char *inf[6];
		int n = tt_conn_inferred(c, inf);
		fputc(',', f);
		for (int i = 0; i < n; i++)
			fprintf(f, "%s%s", i ? " " : "", inf[i]);
	}
	csv_history(f, c, TT_CLIENT);
	csv_history(f, c, TT_SERVER);
	csv_dir(f, c, TT_CLIENT);
	csv_dir(f, c, TT_SERVER);
	fputc('\n', f);
}

const struct tt_report_writer tt_writer_csv = {
	.name = "csv",
	.begin = csv_begin,
	.conn = csv_conn,
	.summary = NULL,
};
