/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report_events.c - the scripting mode of the live monitor: one line per
 * tracker event (connection opened, endpoint state changed, anomaly,
 * connection over), as text or as JSON Lines.
 */
#include "tcptrack/report.h"

#include <inttypes.h>

#include "outbuf.h"

static const char *const kind_names[] = {
	[TT_EVT_CONN_OPENED] = "opened",
	[TT_EVT_STATE] = "state",
	[TT_EVT_ANOMALY] = "anomaly",
	[TT_EVT_CONN_END] = "closed",
};

/* Names of ours: nothing to escape. */
static void ob_quoted(struct tt_outbuf *o, const char *key, const char *v)
{
	tt_ob_str(o, key);
	tt_ob_char(o, '"');
	tt_ob_str(o, v);
	tt_ob_char(o, '"');
}

void tt_report_event_line(FILE *f, enum tt_report_format fmt, const struct tt_event *ev)
{
	const struct tt_conn *c = ev->conn;
	const char *ep = ev->endpoint == TT_CLIENT ? "client" : "server";
	struct tt_outbuf ob;
	struct tt_outbuf *o = &ob;
	char buf[TT_OB_SIZE];

	if ((unsigned)ev->type >= sizeof(kind_names) / sizeof(kind_names[0]))
		return;
	tt_ob_init(&ob, f, buf, sizeof(buf));
	if (fmt == TT_FMT_JSON) {
		ob_quoted(o, "{\"type\":\"event\",\"event\":", kind_names[ev->type]);
		tt_ob_str(o, ",\"time\":");
		tt_ob_time(o, ev->ts);
		tt_ob_str(o, ",\"id\":");
		tt_ob_u64(o, c->id);
		tt_ob_str(o, ",\"client\":\"");
		tt_ob_endpoint(o, c->ip_version, tt_conn_addr(c, TT_CLIENT), tt_conn_port(c, TT_CLIENT));
		tt_ob_str(o, "\",\"server\":\"");
		tt_ob_endpoint(o, c->ip_version, tt_conn_addr(c, TT_SERVER), tt_conn_port(c, TT_SERVER));
		tt_ob_char(o, '"');
		if (ev->type == TT_EVT_STATE) {
			ob_quoted(o, ",\"endpoint\":", ep);
			ob_quoted(o, ",\"from\":", tt_tcp_state_name(ev->from));
			ob_quoted(o, ",\"to\":", tt_tcp_state_name(ev->to));
		} else if (ev->type == TT_EVT_ANOMALY) {
			ob_quoted(o, ",\"endpoint\":", ep);
			ob_quoted(o, ",\"anomaly\":", ev->anomaly != NULL ? ev->anomaly : "");
		} else if (ev->type == TT_EVT_CONN_END) {
			ob_quoted(o, ",\"outcome\":", tt_outcome_name(tt_conn_outcome(c)));
			ob_quoted(o, ",\"end_reason\":",
			          tt_end_reason_name((enum tt_end_reason)c->end_reason));
			ob_quoted(o, ",\"client_state\":",
			          tt_tcp_state_name((enum tt_tcp_state)c->state[TT_CLIENT]));
			ob_quoted(o, ",\"server_state\":",
			          tt_tcp_state_name((enum tt_tcp_state)c->state[TT_SERVER]));
		}
		tt_ob_mem(o, "}\n", 2);
		tt_ob_flush(o);
		return;
	}
	tt_ob_time(o, ev->ts);
	tt_ob_char(o, ' ');
	tt_ob_u64(o, c->id);
	tt_ob_char(o, ' ');
	tt_ob_endpoint(o, c->ip_version, tt_conn_addr(c, TT_CLIENT), tt_conn_port(c, TT_CLIENT));
	tt_ob_mem(o, " > ", 3);
	tt_ob_endpoint(o, c->ip_version, tt_conn_addr(c, TT_SERVER), tt_conn_port(c, TT_SERVER));
	tt_ob_char(o, ' ');
	switch (ev->type) {
	case TT_EVT_CONN_OPENED:
		tt_ob_str(o, "opened");
		break;
	case TT_EVT_STATE:
		tt_ob_str(o, ep);
		tt_ob_char(o, ' ');
		tt_ob_str(o, tt_tcp_state_name(ev->from));
		tt_ob_mem(o, " -> ", 4);
		tt_ob_str(o, tt_tcp_state_name(ev->to));
		break;
	case TT_EVT_ANOMALY:
		tt_ob_str(o, ep);
		tt_ob_char(o, ' ');
		tt_ob_str(o, ev->anomaly != NULL ? ev->anomaly : "");
		break;
	case TT_EVT_CONN_END:
		tt_ob_str(o, "closed ");
		tt_ob_str(o, tt_outcome_name(tt_conn_outcome(c)));
		tt_ob_mem(o, " (", 2);
		tt_ob_str(o, tt_end_reason_name((enum tt_end_reason)c->end_reason));
		tt_ob_mem(o, ") ", 2);
		tt_ob_str(o, tt_tcp_state_name((enum tt_tcp_state)c->state[TT_CLIENT]));
		tt_ob_char(o, '/');
		tt_ob_str(o, tt_tcp_state_name((enum tt_tcp_state)c->state[TT_SERVER]));
		break;
	case TT_EVT_SEGMENT: /* never asked for here (kind_names has no name for it) */
		break;
	}
	tt_ob_char(o, '\n');
	tt_ob_flush(o);
}
