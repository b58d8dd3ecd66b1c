/* SPDX-License-Identifier: BSD-2-Clause */
/* report_json.c - JSON Lines: one object per connection, then a summary object. */
#include "tcptrack/report.h"

#include <inttypes.h>

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void json_time(FILE *f, tt_time_ns t)
{
	char b[40];
	tt_format_time(b, sizeof(b), t);
	fputs(b, f);
}

static void json_opt_u(FILE *f, const char *key, bool has, uint64_t v)
{
	if (has)
		fprintf(f, ",\"%s\":%" PRIu64, key, v);
	else
		fprintf(f, ",\"%s\":null", key);
}

/* A member holding a duration in milliseconds, or null; sep goes before it. */
static void json_ms(FILE *f, const char *sep, const char *key, bool has, tt_time_ns v)
{
	char b[32];

	if (has)
		tt_format_ms(b, sizeof(b), v);
	fprintf(f, "%s\"%s\":%s", sep, key, has ? b : "null");
}

static void json_dir(FILE *f, const struct tt_dir *d)
{
	fprintf(f, "{\"packets\":%" PRIu64 ",\"payload_bytes\":%" PRIu64 ",\"unique_bytes\":%" PRIu64
	        ",\"retransmitted_bytes\":%" PRIu64 ",\"syn\":%u,\"fin\":%u,\"rst\":%u",
	        d->packets, d->payload_bytes, d->unique_bytes, d->payload_bytes - d->unique_bytes,
	        d->syn, d->fin, d->rst);
	json_opt_u(f, "isn", d->has_isn, d->isn);
	json_opt_u(f, "mss", d->has_mss, d->mss);
	json_opt_u(f, "wscale", d->has_wscale, d->wscale);
	fprintf(f, ",\"sack_ok\":%s,\"ts_ok\":%s", d->sack_ok ? "true" : "false",
	        d->ts_ok ? "true" : "false");
	json_opt_u(f, "win_min", d->has_win, d->win_min);
	json_opt_u(f, "win_max", d->has_win, d->win_max);
	json_opt_u(f, "win_last", d->has_win, d->win_last);
	json_opt_u(f, "win_last_raw", d->has_win, d->win_last_raw);
	json_opt_u(f, "win_shift", d->scale_known, d->shift);
	for (int i = 0; i < TT_AN_COUNT; i++)
		fprintf(f, ",\"%s\":%u", tt_report_counters[i].name, d->counts[tt_report_counters[i].an]);
	json_ms(f, ",", "zero_window_ms", true, d->zw_total);
	json_ms(f, ",", "zero_window_max_ms", true, d->zw_max);
	fprintf(f, ",\"bytes_in_flight_max\":%" PRIu64 ",\"seq_next\":%" PRIu64,
	        d->bytes_in_flight_max, d->seq_next);
	json_opt_u(f, "ack_max", d->has_ack, d->ack_max);
	fprintf(f, ",\"bytes_acked\":%" PRIu64 ",\"icmp_errors\":%u}", d->bytes_acked,
	        d->icmp_errors);
}

static void json_rtt_dir(FILE *f, const char *key, const struct tt_rtt_stats *r)
{
	bool has = r->samples > 0;

	fprintf(f, "\"%s\":{\"samples\":%u", key, r->samples);
	json_ms(f, ",", "min_ms", has, r->min);
	json_ms(f, ",", "avg_ms", has, has ? r->sum / r->samples : 0);
	json_ms(f, ",", "max_ms", has, r->max);
	fputc('}', f);
}

static void json_rtt(FILE *f, const struct tt_conn *c)
{
	bool hs = c->has_rtt_client && c->has_rtt_server;

	fputs(",\"rtt\":{", f);
	json_ms(f, "", "handshake_ms", hs, c->rtt_client_side + c->rtt_server_side);
	json_ms(f, ",", "client_side_ms", c->has_rtt_client, c->rtt_client_side);
	json_ms(f, ",", "server_side_ms", c->has_rtt_server, c->rtt_server_side);
	fputc(',', f);
	json_rtt_dir(f, "c2s", &c->dir[TT_CLIENT].rtt);
	fputc(',', f);
	json_rtt_dir(f, "s2c", &c->dir[TT_SERVER].rtt);
	fputc('}', f);
}

static void json_history(FILE *f, const struct tt_history *h)
{
	fputc('[', f);
	for (int i = 0; i < h->n; i++) {
		fprintf(f, "%s[\"%s\",", i ? "," : "", tt_tcp_state_name(h->state[i]));
		json_time(f, h->ts[i]);
		fputc(']', f);
	}
	fputc(']', f);
}

static void json_nullable_str(FILE *f, const char *key, const char *v)
{
	if (v != NULL)
		fprintf(f, ",\"%s\":\"%s\"", key, v);
	else
		fprintf(f, ",\"%s\":null", key);
}


static void json_conn(struct tt_report *r, const struct tt_conn *c)
{
	FILE *f = r->out;
	char cl[64], sv[64];

	tt_format_endpoint(cl, sizeof(cl), c->ip_version, c->addr[TT_CLIENT], c->port[TT_CLIENT]);
	tt_format_endpoint(sv, sizeof(sv), c->ip_version, c->addr[TT_SERVER], c->port[TT_SERVER]);
	fprintf(f, "{\"type\":\"conn\",\"id\":%" PRIu64 ",\"incarnation\":%u,\"ip\":%u,"
	        "\"client\":\"%s\",\"server\":\"%s\",\"first\":",
	        c->id, c->incarnation, c->ip_version, cl, sv);
	json_time(f, c->first);
	fputs(",\"last\":", f);
	json_time(f, c->last);
	fprintf(f, ",\"handshake\":\"%s\",\"outcome\":\"%s\"",
	        tt_handshake_name((enum tt_handshake)c->handshake),
	        tt_outcome_name(tt_conn_outcome(c)));
	json_nullable_str(f, "closed_by", tt_conn_closed_by(c));
	json_nullable_str(f, "reset_by", tt_conn_reset_by(c));
	fprintf(f, ",\"port_reuse\":%s,\"client_state\":\"%s\",\"server_state\":\"%s\"",
	        c->port_reuse ? "true" : "false", tt_tcp_state_name(c->state[TT_CLIENT]),
	        tt_tcp_state_name(c->state[TT_SERVER]));
	fputs(",\"client_history\":", f);
	json_history(f, &c->hist[TT_CLIENT]);
	fputs(",\"server_history\":", f);
	json_history(f, &c->hist[TT_SERVER]);
	fputs(",\"c2s\":", f);
	json_dir(f, &c->dir[TT_CLIENT]);
	fputs(",\"s2c\":", f);
	json_dir(f, &c->dir[TT_SERVER]);
	json_rtt(f, c);
	fputs(",\"end\":", f);
	json_time(f, c->end);
	fprintf(f, ",\"strays\":%u,\"end_reason\":\"%s\",\"client_chosen_by\":\"%s\","
	        "\"history_truncated\":%s", c->strays,
	        tt_end_reason_name((enum tt_end_reason)c->end_reason),
	        tt_client_reason_name((enum tt_client_reason)c->client_reason),
	        (c->hist[0].truncated || c->hist[1].truncated) ? "true" : "false");
	if (c->dir[0].icmp_errors + c->dir[1].icmp_errors > 0)
		fprintf(f, ",\"icmp\":{\"type\":%u,\"code\":%u}", c->icmp_type, c->icmp_code);
	else
		fputs(",\"icmp\":null", f);
	{
		const char *inf[6];
		int n = tt_conn_inferred(c, inf);
		fputs(",\"inferred\":[", f);
		for (int i = 0; i < n; i++)
			fprintf(f, "%s\"%s\"", i ? "," : "", inf[i]);
		fputc(']', f);
	}
	fputs("}\n", f);
}

/* "limits_hit": {"max_flows": {"limit": N, "count": N}, ...}, only when a limit was hit. */
static void json_limits(FILE *f, const struct tt_report *r, const struct tt_stats *st)
{
	struct tt_report_limit lim[TT_REPORT_LIMITS_MAX];
	size_t n = tt_report_limits(r, st, lim);

	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s\"%s\":{\"limit\":%" PRIu64 ",\"count\":%" PRIu64 "}%s",
		        i == 0 ? ",\"limits_hit\":{" : ",", lim[i].name, lim[i].limit, lim[i].count,
		        i + 1 == n ? "}" : "");
}

static void json_summary(struct tt_report *r, const struct tt_stats *st,
                         const struct tt_input_info *in)
{
	FILE *f = r->out;
	uint64_t malformed = tt_report_malformed_total(st);
	bool first = true;

	fputs("{\"type\":\"summary\",\"input\":", f);
	json_string(f, in->name);
	fprintf(f, ",\"link\":\"%s\",\"dlt\":%d,\"truncated\":%s,\"error\":", in->link_name, in->dlt,
	        in->truncated ? "true" : "false");
	if (in->error != NULL)
		json_string(f, in->error);
	else
		fputs("null", f);
	fputs(",\"first\":", f);
	if (st->frames > 0) {
		json_time(f, st->first_ts);
		fputs(",\"last\":", f);
		json_time(f, st->last_ts);
	} else {
		fputs("null,\"last\":null", f);
	}
	fprintf(f, ",\"packets\":%" PRIu64 ",\"tcp_packets\":%" PRIu64 ",\"icmp_errors\":%" PRIu64
	        ",\"icmp_unmatched\":%" PRIu64 ",\"not_ip\":%" PRIu64 ",\"not_tcp\":%" PRIu64
	        ",\"fragments\":%" PRIu64 ",\"unsupported_link\":%" PRIu64 ",\"malformed\":%" PRIu64
	        ",\"malformed_by_reason\":{",
	        st->frames, st->tcp_segments, st->icmp_errors, st->icmp_unmatched,
	        st->by_result[TT_DEC_NOT_IP], st->by_result[TT_DEC_NOT_TCP],
	        st->by_result[TT_DEC_FRAGMENT], st->by_result[TT_DEC_UNSUPPORTED_LINK], malformed);
	for (int i = 0; i < TT_DEC_NRESULTS; i++) {
		if (!tt_decode_result_is_malformed((enum tt_decode_result)i) || st->by_result[i] == 0)
			continue;
		fprintf(f, "%s\"%s\":%" PRIu64, first ? "" : ",",
		        tt_decode_result_name((enum tt_decode_result)i), st->by_result[i]);
		first = false;
	}
	fprintf(f, "},\"bad_tcp_options\":%" PRIu64 ",\"tcp_options_cut\":%" PRIu64
	        ",\"ip_length_clamped\":%" PRIu64 ",\"rst_ignored\":%" PRIu64
	        ",\"stray_segments\":%" PRIu64
	        ",\"time_backwards\":%" PRIu64 ",\"connections\":%" PRIu64 ",\"outcomes\":{",
	        st->bad_tcp_options, st->tcp_options_cut, st->ip_length_clamped, st->rst_ignored,
	        st->strays,
	        st->time_backwards,
	        r->counts.conns);
	for (int o = 0; o < TT_OUT_NUM; o++)
		fprintf(f, "%s\"%s\":%" PRIu64, o ? "," : "", tt_outcome_name((enum tt_outcome)o),
		        r->counts.by_outcome[o]);
	fputs("},\"final_states\":{", f);
	first = true;
	for (int a = 0; a < 11; a++)
		for (int b = 0; b < 11; b++) {
			if (r->counts.by_state_pair[a][b] == 0)
				continue;
			fprintf(f, "%s\"%s/%s\":%" PRIu64, first ? "" : ",",
			        tt_tcp_state_name((enum tt_tcp_state)a),
			        tt_tcp_state_name((enum tt_tcp_state)b), r->counts.by_state_pair[a][b]);
			first = false;
		}
	fprintf(f, "},\"evicted\":%" PRIu64 ",\"max_flows\":%u,\"peak_flows\":%u",
	        st->evicted, st->max_flows, st->peak_flows);
	tt_diag_write_json(f, &r->diag);
	json_limits(f, r, st);
	if (in->limit_packets > 0)
		fprintf(f, ",\"packet_limit\":%" PRIu64 ",\"stopped_by_limit\":%s", in->limit_packets,
		        in->stopped_by_limit ? "true" : "false");
	fputs("}\n", f);
}

const struct tt_report_writer tt_writer_json = {
	.name = "json",
	.begin = NULL,
	.conn = json_conn,
	.summary = json_summary,
};
