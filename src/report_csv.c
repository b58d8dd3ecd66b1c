/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report_csv.c - a header row, then one flattened row per connection: every
 * field of the JSON object, DIR objects as c2s_* and s2c_* columns.  Histories
 * are "STATE@time" items separated by spaces; an empty cell means none/null.
 */
#include "tcptrack/report.h"

#include <inttypes.h>

/* The JSON DIR object's fields, in its order. */
static const char *const dir_cols =
	"packets,payload_bytes,unique_bytes,retransmitted_bytes,syn,fin,rst,isn,mss,wscale,"
	"sack_ok,ts_ok,win_min,win_max,win_last,win_last_raw,zero_windows,retransmissions,"
	"fast_retransmissions,spurious_retransmissions,out_of_order,lost_segments,dup_acks,"
	"window_full,window_updates,zero_window_probes,keepalives,keepalive_acks,seq_next,"
	"ack_max,bytes_acked,icmp_errors";

static void prefixed(FILE *f, const char *prefix)
{
	const char *p = dir_cols;

	fputs(prefix, f);
	for (; *p != '\0'; p++) {
		fputc(*p, f);
		if (*p == ',')
			fputs(prefix, f);
	}
}

static void csv_begin(struct tt_report *r)
{
	fputs("id,incarnation,ip,client,server,first,last,end,end_reason,handshake,outcome,"
	      "closed_by,reset_by,port_reuse,client_state,server_state,client_chosen_by,"
	      "history_truncated,icmp_type,icmp_code,client_history,server_history,",
	      r->out);
	prefixed(r->out, "c2s_");
	fputc(',', r->out);
	prefixed(r->out, "s2c_");
	fputc('\n', r->out);
}

static void opt_u(FILE *f, bool has, uint64_t v)
{
	if (has)
		fprintf(f, ",%" PRIu64, v);
	else
		fputc(',', f);
}

static void csv_dir(FILE *f, const struct tt_dir *d)
{
	fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%u,%u,%u", d->packets,
	        d->payload_bytes, d->unique_bytes, d->payload_bytes - d->unique_bytes, d->syn,
	        d->fin, d->rst);
	opt_u(f, d->has_isn, d->isn);
	opt_u(f, d->has_mss, d->mss);
	opt_u(f, d->has_wscale, d->wscale);
	fprintf(f, ",%d,%d", d->sack_ok, d->ts_ok);
	opt_u(f, d->has_win, d->win_min);
	opt_u(f, d->has_win, d->win_max);
	opt_u(f, d->has_win, d->win_last);
	opt_u(f, d->has_win, d->win_last_raw);
	fprintf(f, ",%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%" PRIu64, d->zero_windows,
	        d->retransmissions, d->fast_retransmissions, d->spurious_retransmissions,
	        d->out_of_order, d->lost_segments, d->dup_acks, d->window_full, d->window_updates,
	        d->zero_window_probes, d->keepalives, d->keepalive_acks, d->seq_next);
	opt_u(f, d->has_ack, d->ack_max);
	fprintf(f, ",%" PRIu64 ",%u", d->bytes_acked, d->icmp_errors);
}

static void csv_time(FILE *f, tt_time_ns t)
{
	char b[40];
	tt_format_time(b, sizeof(b), t);
	fputs(b, f);
}

static void csv_history(FILE *f, const struct tt_history *h)
{
	fputc(',', f);
	for (int i = 0; i < h->n; i++) {
		fprintf(f, "%s%s@", i ? " " : "", tt_tcp_state_name(h->state[i]));
		csv_time(f, h->ts[i]);
	}
}

static void csv_conn(struct tt_report *r, const struct tt_conn *c)
{
	FILE *f = r->out;
	char cl[64], sv[64];
	const char *cb = tt_conn_closed_by(c), *rb = tt_conn_reset_by(c);

	tt_format_endpoint(cl, sizeof(cl), c->ip_version, c->addr[TT_CLIENT], c->port[TT_CLIENT]);
	tt_format_endpoint(sv, sizeof(sv), c->ip_version, c->addr[TT_SERVER], c->port[TT_SERVER]);
	fprintf(f, "%" PRIu64 ",%u,%u,%s,%s,", c->id, c->incarnation, c->ip_version, cl, sv);
	csv_time(f, c->first);
	fputc(',', f);
	csv_time(f, c->last);
	fputc(',', f);
	csv_time(f, c->end);
	fprintf(f, ",%s,%s,%s,%s,%s,%d,%s,%s,%s,%d",
	        tt_end_reason_name((enum tt_end_reason)c->end_reason),
	        tt_handshake_name((enum tt_handshake)c->handshake),
	        tt_outcome_name(tt_conn_outcome(c)), cb != NULL ? cb : "", rb != NULL ? rb : "",
	        c->port_reuse, tt_tcp_state_name(c->state[TT_CLIENT]),
	        tt_tcp_state_name(c->state[TT_SERVER]),
	        tt_client_reason_name((enum tt_client_reason)c->client_reason),
	        c->hist[0].truncated || c->hist[1].truncated);
	if (c->dir[0].icmp_errors + c->dir[1].icmp_errors > 0)
		fprintf(f, ",%u,%u", c->icmp_type, c->icmp_code);
	else
		fputs(",,", f);
	csv_history(f, &c->hist[TT_CLIENT]);
	csv_history(f, &c->hist[TT_SERVER]);
	csv_dir(f, &c->dir[TT_CLIENT]);
	csv_dir(f, &c->dir[TT_SERVER]);
	fputc('\n', f);
}

const struct tt_report_writer tt_writer_csv = {
	.name = "csv",
	.begin = csv_begin,
	.conn = csv_conn,
	.summary = NULL,
};
