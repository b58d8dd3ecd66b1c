/* SPDX-License-Identifier: BSD-2-Clause */
/* report.c - writer registry, summary counts and the formatting every writer shares. */
#include "tcptrack/report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "outbuf.h"

const struct tt_report_counter tt_report_counters[TT_AN_COUNT] = {
	{TT_AN_ZERO_WINDOW, "zero_windows"},
	{TT_AN_RETRANSMISSION, "retransmissions"},
	{TT_AN_FAST_RETRANSMISSION, "fast_retransmissions"},
	{TT_AN_SPURIOUS_RETRANSMISSION, "spurious_retransmissions"},
	{TT_AN_OUT_OF_ORDER, "out_of_order"},
	{TT_AN_LOST_SEGMENT, "lost_segments"},
	{TT_AN_ACKED_UNSEEN, "acked_unseen"},
	{TT_AN_DUP_ACK, "dup_acks"},
	{TT_AN_WINDOW_FULL, "window_full"},
	{TT_AN_WINDOW_UPDATE, "window_updates"},
	{TT_AN_ZERO_WINDOW_PROBE, "zero_window_probes"},
	{TT_AN_ZERO_WINDOW_PROBE_ACK, "zero_window_probe_acks"},
	{TT_AN_KEEP_ALIVE, "keepalives"},
	{TT_AN_KEEP_ALIVE_ACK, "keepalive_acks"},
};

/* tt_ob_trip (see outbuf.h): for each hundreds digit h, the ten rows of ten entries h t u
 * and length l (leading zeros dropped: the first row of "0" has 1, the others 2). */
#define TRIP_ROW(h, t, l) \
	h t "0" l h t "1" l h t "2" l h t "3" l h t "4" l h t "5" l h t "6" l h t "7" l h t "8" l h t "9" l
#define TRIP_100(h, l0, l)                                                                        \
	TRIP_ROW(h, "0", l0) TRIP_ROW(h, "1", l) TRIP_ROW(h, "2", l) TRIP_ROW(h, "3", l)          \
	TRIP_ROW(h, "4", l) TRIP_ROW(h, "5", l) TRIP_ROW(h, "6", l) TRIP_ROW(h, "7", l)           \
	TRIP_ROW(h, "8", l) TRIP_ROW(h, "9", l)
const char tt_ob_trip[4001] = TRIP_100("0", "\1", "\2") TRIP_100("1", "\3", "\3")
    TRIP_100("2", "\3", "\3") TRIP_100("3", "\3", "\3") TRIP_100("4", "\3", "\3")
    TRIP_100("5", "\3", "\3") TRIP_100("6", "\3", "\3") TRIP_100("7", "\3", "\3")
    TRIP_100("8", "\3", "\3") TRIP_100("9", "\3", "\3");
#undef TRIP_100
#undef TRIP_ROW

/* (See outbuf.h.) */
__attribute__((noinline)) const struct tt_ob_sec *tt_ob_sec_new(struct tt_outbuf *o, uint64_t mag,
                                                                bool far)
{
	uint64_t sec = mag / (uint64_t)TT_NS_PER_SEC;
	struct tt_ob_sec *n = &o->sec[far ? 2 : 0];

	if (!far)
		o->sec[1] = o->sec[0];
	n->len = (size_t)(tt_p_u64(n->str, sec) - n->str);
	n->ns = sec * (uint64_t)TT_NS_PER_SEC;
	return n;
}

/* (See outbuf.h.) */
__attribute__((noinline)) char *tt_p_wide(char *p, uint64_t v)
{
	unsigned n = tt_ob_ndigits(v);

	tt_ob_digits(p + n, v);
	return p + n;
}

/* (See outbuf.h.) */
__attribute__((noinline)) char *tt_p_time_neg(struct tt_outbuf *o, char *p, tt_time_ns t,
                                              bool far)
{
	*p++ = '-';
	return tt_p_time_mag(o, p, (uint64_t)0 - (uint64_t)t, far);
}

int tt_report_format_from_name(const char *name)
{
	if (strcmp(name, "text") == 0)
		return TT_FMT_TEXT;
	if (strcmp(name, "json") == 0 || strcmp(name, "jsonl") == 0)
		return TT_FMT_JSON;
	if (strcmp(name, "csv") == 0)
		return TT_FMT_CSV;
	return -1;
}

void tt_report_init(struct tt_report *r, enum tt_report_format fmt, FILE *out)
{
	static const struct tt_report_writer *const writers[] = {
		[TT_FMT_TEXT] = &tt_writer_text,
		[TT_FMT_JSON] = &tt_writer_json,
		[TT_FMT_CSV] = &tt_writer_csv,
	};

	memset(r, 0, sizeof(*r));
	r->w = writers[fmt];
	r->out = out;
	r->diag.close_wait_alert = TT_DIAG_CLOSE_WAIT_DEFAULT;
}

/* The batch: 256 KiB, as the report's stdio buffer in main.c. */
#define BATCH_SIZE (256u * 1024u)

void tt_report_batch(struct tt_report *r)
{
	struct tt_outbuf *o;
	char *b;

	if (r->batch != NULL)
		return;
	o = malloc(sizeof(*o));
	b = malloc(BATCH_SIZE);
	if (o == NULL || b == NULL) {
		free(o);
		free(b);
		return;
	}
	tt_ob_init(o, r->out, b, BATCH_SIZE);
	o->direct = true;
	r->batch = o;
}

/* What the batch holds goes out (before anything else is written). */
static void batch_flush(struct tt_report *r)
{
	if (r->batch != NULL)
		tt_ob_flush(r->batch);
}

void tt_report_free(struct tt_report *r)
{
	batch_flush(r);
	if (r->batch != NULL) {
		free(r->batch->b);
		free(r->batch);
		r->batch = NULL;
	}
	tt_diag_free(&r->diag);
}

static void begin_once(struct tt_report *r)
{
	if (!r->began) {
		r->began = true;
		if (r->w->begin != NULL)
			r->w->begin(r);
	}
}

/* A state's row or column of by_state_pair (a state is below TT_TCP_NSTATES: no
 * division but for one that is not). */
static unsigned state_index(uint8_t s)
{
	_Static_assert(sizeof(((struct tt_report_counts *)0)->by_state_pair) ==
	                   sizeof(uint64_t) * TT_TCP_NSTATES * TT_TCP_NSTATES,
	               "a row and a column a state");
	return s < TT_TCP_NSTATES ? s : s % TT_TCP_NSTATES;
}

void tt_report_conn(struct tt_report *r, const struct tt_conn *c)
{
	/* Worked out once for the counts, the diagnoses and the writer (a few dozen
	 * instructions of tests on the states and flags). */
	enum tt_outcome outcome = tt_conn_outcome(c);

	begin_once(r);
	r->counts.conns++;
	r->counts.by_outcome[outcome]++;
	r->counts.by_state_pair[state_index(c->state[TT_CLIENT])][state_index(c->state[TT_SERVER])]++;
	if (c->end_reason == TT_END_EVICTED)
		r->counts.evicted++;
#pragma GCC unroll 2 /* (both directions straight: no loop) */
	for (int d = 0; d < 2; d++) {
		const struct tt_dir *x = &c->dir[d];
		struct tt_dir_counts n;

		r->counts.packets += tt_dir_packets(x);
		if (tt_dir_any_condition(x)) { /* (most directions have none) */
			tt_dir_counts_of(x, &n);
			for (int a = 0; a < TT_AN_COUNT; a++)
				r->counts.anomalies[a] += n.counts[a];
		}
		if (x->ext_full) /* (without a side block, no zero-window time) */
			r->counts.zero_window = tt_ns_add(r->counts.zero_window, tt_dir_x(x)->zw_total);
		r->counts.rtt_samples += x->rtt_samples;
		r->counts.rtt_sum = tt_ns_add(r->counts.rtt_sum, x->rtt_sum);
	}
	if (c->hist[TT_CLIENT].truncated || c->hist[TT_SERVER].truncated)
		r->counts.history_cut++;
	if ((c->dir[0].limits | c->dir[1].limits) & TT_DIR_LIM_HOLES)
		r->counts.gaps_forgotten++;
	if ((c->dir[0].limits | c->dir[1].limits) & TT_DIR_LIM_RTT)
		r->counts.rtt_untimed++;
	if ((c->dir[0].limits | c->dir[1].limits) & TT_DIR_LIM_EXT)
		r->counts.ext_missing++;
	if (c->has_rtt_client && c->has_rtt_server) {
		r->counts.hs_rtts++;
		r->counts.hs_rtt_sum = tt_ns_add(r->counts.hs_rtt_sum, tt_conn_handshake_rtt(c));
	}
	tt_diag_conn(&r->diag, c, outcome);
	r->w->conn(r, c, outcome);
}

void tt_report_finish(struct tt_report *r, const struct tt_stats *st,
                      const struct tt_input_info *in)
{
	begin_once(r);
	batch_flush(r);
	tt_diag_flush(&r->diag);
	if (r->w->summary != NULL)
		r->w->summary(r, st, in);
	fflush(r->out);
}

size_t tt_report_limits(const struct tt_report *r, const struct tt_stats *st,
                        struct tt_report_limit out[TT_REPORT_LIMITS_MAX])
{
	const struct tt_report_diag *d = &r->diag;
	uint64_t pooled = (uint64_t)d->tw_server.pooled + d->tw_client.pooled;
	size_t n = 0;

	for (int k = 0; k < TT_DIAG_NFAIL; k++)
		pooled += d->fail[k].pooled;
	const struct tt_report_limit all[] = {
		{"max_flows", st->max_flows, st->evicted, "connections evicted"},
		{"state_history", TT_HISTORY_MAX, r->counts.history_cut,
		 "connections with transitions not kept"},
		{"sequence_gaps", TT_MAX_HOLES, r->counts.gaps_forgotten,
		 "connections with a gap forgotten"},
		{"rtt_slots", TT_RTT_SLOTS, r->counts.rtt_untimed,
		 "connections with segments not timed"},
		{"diagnosis_keys", TT_DIAG_KEYS_MAX, pooled, "tables pooling further keys"},
		{"side_blocks", 2 * (uint64_t)st->max_flows, r->counts.ext_missing,
		 "connections with conditions not recorded (out of memory)"},
	};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]) && n < TT_REPORT_LIMITS_MAX; i++)
		if (all[i].count > 0)
			out[n++] = all[i];
	return n;
}

uint64_t tt_report_malformed_total(const struct tt_stats *st)
{
	uint64_t n = 0;

	for (int i = 0; i < TT_DEC_NRESULTS; i++)
		if (tt_decode_result_is_malformed((enum tt_decode_result)i))
			n += st->by_result[i];
	return n;
}

int tt_format_time(char *buf, size_t size, tt_time_ns t)
{
	/* Magnitude and sign apart, so -1.5 s prints as -1.500000. */
	uint64_t mag = t < 0 ? (uint64_t)0 - (uint64_t)t : (uint64_t)t;
	uint64_t sec = mag / (uint64_t)TT_NS_PER_SEC, ns = mag % (uint64_t)TT_NS_PER_SEC;
	const char *sign = t < 0 ? "-" : "";

	if (ns % 1000 == 0)
		return snprintf(buf, size, "%s%" PRIu64 ".%06" PRIu64, sign, sec, ns / 1000);
	return snprintf(buf, size, "%s%" PRIu64 ".%09" PRIu64, sign, sec, ns);
}

int tt_format_ms(char *buf, size_t size, tt_time_ns d)
{
	uint64_t us = d < 0 ? 0 : (uint64_t)d / 1000;
	return snprintf(buf, size, "%" PRIu64 ".%03" PRIu64, us / 1000, us % 1000);
}

void tt_format_utc(char *b, size_t n, tt_time_ns t)
{
	time_t sec = (time_t)(t / TT_NS_PER_SEC);
	struct tm tm;

	if (gmtime_r(&sec, &tm) == NULL) {
		snprintf(b, n, "?");
		return;
	}
	snprintf(b, n, "%04d-%02d-%02d %02d:%02d:%02d.%06" PRId64 " UTC", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	         (t % TT_NS_PER_SEC) / 1000);
}

/* RFC 5952 §4 (see tt_p_ipv6()), with snprintf()'s return value and truncation. */
static int format_ipv6(char *buf, size_t size, const uint8_t a[16])
{
	char t[TT_P_IPV6_MAX];
	size_t n = (size_t)(tt_p_ipv6(t, a) - t);

	if (size > 0) {
		size_t k = n < size - 1 ? n : size - 1;
		memcpy(buf, t, k);
		buf[k] = '\0';
	}
	return (int)n;
}

int tt_format_addr(char *buf, size_t size, uint8_t ip_version, const uint8_t addr[16])
{
	if (ip_version == 4)
		return snprintf(buf, size, "%u.%u.%u.%u", addr[0], addr[1], addr[2], addr[3]);
	return format_ipv6(buf, size, addr);
}

int tt_format_endpoint(char *buf, size_t size, uint8_t ip_version, const uint8_t addr[16],
                       uint16_t port)
{
	if (ip_version == 4)
		return snprintf(buf, size, "%u.%u.%u.%u:%u", addr[0], addr[1], addr[2], addr[3], port);
	char a[48];
	format_ipv6(a, sizeof(a), addr);
	return snprintf(buf, size, "[%s]:%u", a, port);
}
