/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report_events.c - the scripting mode of the live monitor: one line per
 * tracker event (connection opened, endpoint state changed, anomaly,
 * connection over), as text or as JSON Lines.
 */
#include "tcptrack/report.h"

#include <inttypes.h>

static const char *const kind_names[] = {
	[TT_EVT_CONN_OPENED] = "opened",
	[TT_EVT_STATE] = "state",
	[TT_EVT_ANOMALY] = "anomaly",
	[TT_EVT_CONN_END] = "closed",
};

void tt_report_event_line(FILE *f, enum tt_report_format fmt, const struct tt_event *ev)
{
	const struct tt_conn *c = ev->conn;
	const char *ep = ev->endpoint == TT_CLIENT ? "client" : "server";
	char t[40], cl[64], sv[64];

	if ((unsigned)ev->type >= sizeof(kind_names) / sizeof(kind_names[0]))
		return;
	tt_format_time(t, sizeof(t), ev->ts);
	tt_format_endpoint(cl, sizeof(cl), c->ip_version, c->addr[TT_CLIENT], c->port[TT_CLIENT]);
	tt_format_endpoint(sv, sizeof(sv), c->ip_version, c->addr[TT_SERVER], c->port[TT_SERVER]);
	if (fmt == TT_FMT_JSON) {
		fprintf(f, "{\"type\":\"event\",\"event\":\"%s\",\"time\":%s,\"id\":%" PRIu64
		        ",\"client\":\"%s\",\"server\":\"%s\"",
		        kind_names[ev->type], t, c->id, cl, sv);
		if (ev->type == TT_EVT_STATE)
			fprintf(f, ",\"endpoint\":\"%s\",\"from\":\"%s\",\"to\":\"%s\"", ep,
			        tt_tcp_state_name(ev->from), tt_tcp_state_name(ev->to));
		else if (ev->type == TT_EVT_ANOMALY)
			fprintf(f, ",\"endpoint\":\"%s\",\"anomaly\":\"%s\"", ep,
			        ev->anomaly != NULL ? ev->anomaly : "");
		else if (ev->type == TT_EVT_CONN_END)
			fprintf(f, ",\"outcome\":\"%s\",\"end_reason\":\"%s\",\"client_state\":\"%s\","
			        "\"server_state\":\"%s\"",
			        tt_outcome_name(tt_conn_outcome(c)),
			        tt_end_reason_name((enum tt_end_reason)c->end_reason),
			        tt_tcp_state_name((enum tt_tcp_state)c->state[TT_CLIENT]),
			        tt_tcp_state_name((enum tt_tcp_state)c->state[TT_SERVER]));
		fputs("}\n", f);
		return;
	}
	fprintf(f, "%s %" PRIu64 " %s > %s ", t, c->id, cl, sv);
	switch (ev->type) {
	case TT_EVT_CONN_OPENED:
		fputs("opened\n", f);
		break;
	case TT_EVT_STATE:
		fprintf(f, "%s %s -> %s\n", ep, tt_tcp_state_name(ev->from), tt_tcp_state_name(ev->to));
		break;
	case TT_EVT_ANOMALY:
		fprintf(f, "%s %s\n", ep, ev->anomaly != NULL ? ev->anomaly : "");
		break;
	case TT_EVT_CONN_END:
		fprintf(f, "closed %s (%s) %s/%s\n", tt_outcome_name(tt_conn_outcome(c)),
		        tt_end_reason_name((enum tt_end_reason)c->end_reason),
		        tt_tcp_state_name((enum tt_tcp_state)c->state[TT_CLIENT]),
		        tt_tcp_state_name((enum tt_tcp_state)c->state[TT_SERVER]));
		break;
	case TT_EVT_SEGMENT: /* never asked for here (kind_names has no name for it) */
		break;
	}
}
