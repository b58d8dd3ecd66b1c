/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report_timeline.c - both endpoints' state transitions, with the time each
 * state was entered (since the connection's first packet) and how long the
 * endpoint stayed in it.
 */
#include <inttypes.h>
#include <string.h>

#include "tcptrack/ladder.h"
#include "tcptrack/report.h"
#include "tcptrack/tcp_state.h"

static void write_endpoint(FILE *f, const struct tt_story *s, int ep)
{
	char addr[80], t[32], d[32];
	tt_time_ns end = s->ended ? s->end : s->first;
	uint8_t n = s->n_trans[ep];

	tt_format_endpoint(addr, sizeof(addr), s->ip_version, s->addr[ep], s->port[ep]);
	fprintf(f, "  %s %s\n", ep == TT_CLIENT ? "client" : "server", addr);
	fprintf(f, "    %10s  %-11s  %s\n", "at (s)", "state", "for (s)");
	if (n == 0 || s->trans[ep][0].ts > s->first || s->initial[ep] != TT_TCP_CLOSED) {
		/* The state it was found in. */
		tt_format_secs(t, sizeof(t), 0);
		tt_format_secs(d, sizeof(d), tt_ns_sub(n > 0 ? s->trans[ep][0].ts : end, s->first));
		fprintf(f, "    %10s  %-11s  %s%s\n", t,
		        tt_tcp_state_name((enum tt_tcp_state)(n > 0 ? s->initial[ep] : s->final_state[ep])),
		        d, n > 0 ? "" : "  (no change seen)");
	}
	for (uint8_t i = 0; i < n; i++) {
		const struct tt_story_trans *tr = &s->trans[ep][i];
		bool last = i + 1 == n;
		tt_format_secs(t, sizeof(t), tt_ns_sub(tr->ts, s->first));
		fprintf(f, "    %10s  %s", t, tt_tcp_state_name((enum tt_tcp_state)tr->state));
		if (!last || (tr->state != TT_TCP_CLOSED && s->ended))
			fprintf(f, "%*s", 11 - (int)strlen(tt_tcp_state_name((enum tt_tcp_state)tr->state)),
			        "");
		if (!last) {
			tt_format_secs(d, sizeof(d), s->trans[ep][i + 1].ts - tr->ts);
			fprintf(f, "  %s", d);
		} else if (tr->state != TT_TCP_CLOSED && s->ended) {
			tt_format_secs(d, sizeof(d), end - tr->ts);
			fprintf(f, "  %s+", d);
			if (tr->state == TT_TCP_TIME_WAIT && s->tw_deadline[ep] != 0) {
				tt_format_secs(d, sizeof(d), tt_ns_sub(s->tw_deadline[ep], s->first));
				fprintf(f, "; 2MSL until %s", d);
			}
		}
		fputc('\n', f);
	}
	if (s->trans_truncated)
		fprintf(f, "    (more than %d transitions: the rest are not listed)\n",
		        TT_STORY_TRANS_MAX);
}

void tt_timeline_write(FILE *f, const struct tt_story *s)
{
	char c[80], sv[80];

	tt_format_endpoint(c, sizeof(c), s->ip_version, s->addr[0], s->port[0]);
	tt_format_endpoint(sv, sizeof(sv), s->ip_version, s->addr[1], s->port[1]);
	fprintf(f, "connection %" PRIu64 ": %s > %s\n", s->id, c, sv);
	write_endpoint(f, s, TT_CLIENT);
	write_endpoint(f, s, TT_SERVER);
	if (s->ended) {
		char end[160];
		tt_story_end_line(end, sizeof(end), s);
		fprintf(f, "  %s\n", end);
	}
}
