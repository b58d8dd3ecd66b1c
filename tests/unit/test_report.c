/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_report.c - the report writers (src/report*.c): time and endpoint
 * formatting (RFC 5952), and the text, JSON Lines and CSV writers run on a
 * hand-built connection record into a tmpfile().  When python3 is installed,
 * every JSON line is also parsed by json.loads.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "tcptrack/report.h"
#include "src/outbuf.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define T0 INT64_C(1700000000123456000)        /* 2023-11-14 22:13:20.123456 UTC */
#define T_LAST INT64_C(1700000001500000000)
#define T_END INT64_C(1700000061500000000)

/* ---- helpers ------------------------------------------------------------------------------- */

/*
 * Read a whole stream from the start into a static NUL-terminated buffer
 * (static, so a failing assertion leaks nothing; each test is its own process).
 */

/* A test record's side block, from a static pool (each test runs in a process of its own). */
static struct tt_dir_ext *ext_of(struct tt_dir *d)
{
	static struct tt_dir_ext pool[256];
	static unsigned used;

	if (d->ext == NULL) {
		cr_assert_lt(used, 256u);
		d->ext = &pool[used++];
		d->ext_full = true;
	}
	return d->ext;
}

static char *slurp(FILE *f)
{
	static char s[65536];
	long n;

	cr_assert_eq(fflush(f), 0);
	cr_assert_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	cr_assert_geq(n, 0);
	cr_assert_lt((size_t)n, sizeof(s));
	rewind(f);
	cr_assert_eq(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	return s;
}

static const struct tt_input_info input = {.name = "x.pcap", .link_name = "EN10MB"};

/* Run a writer over n records and return what it wrote (in slurp()'s buffer). */
static char *run(enum tt_report_format fmt, const struct tt_conn *conns, size_t n,
                 const struct tt_stats *st, const struct tt_input_info *in)
{
	struct tt_report r;
	FILE *f = tmpfile();
	char *s;

	cr_assert_not_null(f);
	tt_report_init(&r, fmt, f);
	for (size_t i = 0; i < n; i++)
		tt_report_conn(&r, &conns[i]);
	tt_report_finish(&r, st, in);
	s = slurp(f);
	fclose(f);
	return s;
}

/* Where the records these tests build take their side block of times from,
 * as the tracker's would. */
static struct tt_flow_slab *test_wide(void)
{
	static struct tt_flow_slab *wide;
	char err[256];

	if (wide == NULL)
		cr_assert_eq(tt_flow_slab_new(&wide, sizeof(tt_time_ns) * TT_RT_WIDE, 4096, err),
		             TT_OK, "%s", err);
	return wide;
}

/* Set a time of a record (enum tt_rt_slot), as the tracker sets it. */
static void set_time(struct tt_conn *c, int slot, tt_time_ns v)
{
	tt_rt_set(&c->rt, test_wide(), slot, v);
	cr_assert_eq(tt_rt_get(&c->rt, slot), v);
}

/* A transition of endpoint ep of a record, stored as the tracker stores it. */
static void hist_add(struct tt_conn *c, int ep, enum tt_tcp_state s, tt_time_ns ts)
{
	struct tt_history *h = &c->hist[ep];

	cr_assert_lt(h->n, TT_HISTORY_MAX);
	tt_history_push(test_wide(), &c->rt, h, ep, s, ts);
	cr_assert_eq(tt_conn_hist_ts(c, ep, h->n - 1), ts);
}

/* A closed IPv4 connection, client 192.0.2.1:40000, server 198.51.100.7:80. */
static void make_conn(struct tt_conn *c)
{
	static const uint8_t cl[4] = {192, 0, 2, 1}, sv[4] = {198, 51, 100, 7};
	struct tt_dir *d;

	memset(c, 0, sizeof(*c));
	c->id = 7;
	c->incarnation = 1;
	c->ip_version = 4;
	memcpy(c->node.key.addr[TT_CLIENT], cl, 4);
	memcpy(c->node.key.addr[TT_SERVER], sv, 4);
	c->node.key.port[TT_CLIENT] = 40000;
	c->node.key.port[TT_SERVER] = 80;
	c->handshake = TT_HS_COMPLETE;
	c->state[TT_CLIENT] = TT_TCP_CLOSED;
	c->state[TT_SERVER] = TT_TCP_CLOSED;
	c->fin_first = 1;
	c->end_reason = TT_END_CLOSED;
	tt_rt_init(&c->rt, T0);
	set_time(c, TT_RT_LAST, T_LAST);
	set_time(c, TT_RT_END, T_END);
	hist_add(c, TT_CLIENT, TT_TCP_SYN_SENT, T0);
	hist_add(c, TT_CLIENT, TT_TCP_ESTABLISHED, T0 + 1000);
	hist_add(c, TT_CLIENT, TT_TCP_CLOSED, T_END + 1);

	d = &c->dir[TT_CLIENT];
	d->packets_lo = 5;
	d->payload_lo = 100;
	d->unique_lo = 90;
	d->syn_lo = 1;
	d->fin_lo = 1;
	d->has_fin = true;
	d->has_isn = true;
	d->isn = 1000;
	d->has_mss = true;
	d->mss = 1460;
	d->has_wscale = true;
	d->wscale = 7;
	d->sack_ok = true;
	d->has_win = true;
	d->win_min = 100;
	d->win_max = 65535;
	d->win_last = 502;
	ext_of(d)->c.counts[TT_AN_ZERO_WINDOW] = 2;
	ext_of(d)->c.counts[TT_AN_RETRANSMISSION] = 1;
	ext_of(d)->c.counts[TT_AN_KEEP_ALIVE] = 3;

	d = &c->dir[TT_SERVER];
	d->packets_lo = 4;
	d->fin_lo = 1;
	d->has_fin = true;
}

/* s starts with want. */
static void assert_prefix(const char *s, const char *want)
{
	cr_assert_eq(strncmp(s, want, strlen(want)), 0, "expected a line starting\n%s\ngot\n%s",
	             want, s);
}

/* Every key, as "key":, appears in s (before end, if given) in this order. */
static void assert_keys_in_order(const char *s, const char *end, const char *const *keys,
                                 size_t n)
{
	const char *p = s;

	for (size_t i = 0; i < n; i++) {
		char needle[64];
		const char *q;

		snprintf(needle, sizeof(needle), "\"%s\":", keys[i]);
		q = strstr(p, needle);
		cr_assert_not_null(q, "key %s missing or out of order", keys[i]);
		cr_assert(end == NULL || q < end, "key %s not in its object", keys[i]);
		p = q + strlen(needle);
	}
}

static const char *const conn_keys[] = {
	"type", "id", "incarnation", "ip", "client", "server", "first", "last", "handshake",
	"outcome", "closed_by", "reset_by", "port_reuse", "client_state", "server_state",
	"client_history", "server_history", "c2s", "s2c", "end", "time_wait_until", "end_reason",
	"client_chosen_by",
	"history_truncated", "icmp",
};

/* The DIR object, as README.md documents it. */
static const char *const dir_keys[] = {
	"packets", "payload_bytes", "unique_bytes", "retransmitted_bytes", "syn", "fin", "rst",
	"isn", "mss", "wscale", "sack_ok", "ts_ok", "win_min", "win_max", "win_last",
	"win_last_raw", "zero_windows", "retransmissions", "fast_retransmissions",
	"spurious_retransmissions", "out_of_order", "lost_segments", "dup_acks", "window_full",
	"window_updates", "zero_window_probes", "keepalives", "keepalive_acks", "seq_next",
	"ack_max", "bytes_acked", "icmp_errors",
};

static size_t count_char(const char *s, const char *end, char ch)
{
	size_t n = 0;

	for (; s < end; s++)
		n += *s == ch;
	return n;
}

/* ---- format names -------------------------------------------------------------------------- */

Test(report, format_from_name)
{
	cr_assert_eq(tt_report_format_from_name("text"), TT_FMT_TEXT);
	cr_assert_eq(tt_report_format_from_name("json"), TT_FMT_JSON);
	cr_assert_eq(tt_report_format_from_name("jsonl"), TT_FMT_JSON);
	cr_assert_eq(tt_report_format_from_name("csv"), TT_FMT_CSV);
	cr_assert_eq(tt_report_format_from_name("JSON"), -1);
	cr_assert_eq(tt_report_format_from_name(""), -1);
	cr_assert_eq(tt_report_format_from_name("xml"), -1);
	cr_assert_eq(tt_report_format_from_name("csv "), -1);
}

/* ---- time ---------------------------------------------------------------------------------- */

struct time_case {
	tt_time_ns t;
	char want[32];
};

ParameterizedTestParameters(report, format_time)
{
	static struct time_case params[] = {
		{T0, "1700000000.123456"},
		{INT64_C(1700000000123456789), "1700000000.123456789"},
		{INT64_C(1700000000000000000), "1700000000.000000"},
		{INT64_C(1700000000000000001), "1700000000.000000001"},
		{INT64_C(1700000000999999000), "1700000000.999999"},
		{INT64_C(1700000000999999999), "1700000000.999999999"},
		{INT64_C(1700000000000001000), "1700000000.000001"},
		{INT64_C(1700000000000000100), "1700000000.000000100"},
		{0, "0.000000"},
		{1, "0.000000001"},
		{999, "0.000000999"},
		{1000, "0.000001"},
		{INT64_C(4294967295000000000), "4294967295.000000"},
	};

	return cr_make_param_array(struct time_case, params, NELEM(params));
}

ParameterizedTest(struct time_case *c, report, format_time)
{
	char buf[40];
	int n = tt_format_time(buf, sizeof(buf), c->t);

	cr_assert_str_eq(buf, c->want);
	cr_assert_eq(n, (int)strlen(c->want));
}

/*
 * Times before the epoch must still read as the same decimal number:
 * -1.5 s is "-1.500000", not "-2.500000" (floor seconds plus a positive
 * fraction reads as a different number).
 */
ParameterizedTestParameters(report, format_time_negative)
{
	static struct time_case params[] = {
		{-INT64_C(1500000000), "-1.500000"},
		{-1, "-0.000000001"},
		{-INT64_C(1000), "-0.000001"},
		{-INT64_C(2000000000), "-2.000000"},
	};

	return cr_make_param_array(struct time_case, params, NELEM(params));
}

ParameterizedTest(struct time_case *c, report, format_time_negative)
{
	char buf[40];

	tt_format_time(buf, sizeof(buf), c->t);
	cr_assert_str_eq(buf, c->want);
}

/* ---- endpoints ----------------------------------------------------------------------------- */

struct ep_case {
	uint8_t ip_version;
	uint8_t addr[16];
	uint16_t port;
	char want[64];
};

ParameterizedTestParameters(report, format_endpoint)
{
	static struct ep_case params[] = {
		{4, {192, 0, 2, 1}, 80, "192.0.2.1:80"},
		{4, {0, 0, 0, 0}, 0, "0.0.0.0:0"},
		{4, {255, 255, 255, 255}, 65535, "255.255.255.255:65535"},
		/* fd00::1 */
		{6, {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 443, "[fd00::1]:443"},
		/* 2001:db8::1 */
		{6, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 443,
		 "[2001:db8::1]:443"},
		/* RFC 5952 §4.2.2: a single zero group is not compressed. */
		{6, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1}, 443,
		 "[2001:db8:0:1:1:1:1:1]:443"},
		/* §4.2.3: the longest run is compressed. */
		{6, {0x20, 0x01, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1}, 443,
		 "[2001:0:0:1::1]:443"},
		/* §4.2.3: equal runs, the first is compressed. */
		{6, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1}, 443,
		 "[2001:db8::1:0:0:1]:443"},
		/* :: and ::1 */
		{6, {0}, 0, "[::]:0"},
		{6, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 1, "[::1]:1"},
		/* §5: IPv4-mapped addresses in dotted quad. */
		{6, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1}, 80,
		 "[::ffff:192.0.2.1]:80"},
		/* ... but not other embeddings (IPv4-compatible is plain hex). */
		{6, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 192, 0, 2, 1}, 80, "[::c000:201]:80"},
		/* §4.3 lowercase, §4.1 no leading zeros; a trailing run. */
		{6, {0x20, 0x01, 0x0d, 0xb8, 0xab, 0xcd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 8080,
		 "[2001:db8:abcd::]:8080"},
		{6, {0x20, 0x01, 0x0D, 0xB8, 0x00, 0x0A, 0x0B, 0xC0, 0xFE, 0xED, 0xBE, 0xEF, 0x00,
		     0x01, 0xF0, 0x00},
		 65535, "[2001:db8:a:bc0:feed:beef:1:f000]:65535"},
		/* A single zero group at the end or the start stays. */
		{6, {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 0}, 9, "[1:2:3:4:5:6:7:0]:9"},
		{6, {0, 0, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8}, 9, "[0:2:3:4:5:6:7:8]:9"},
		/* A run in the middle longer than a leading one. */
		{6, {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0}, 22, "[fe80::1:0:0]:22"},
		/* Leading run of two beats a later run of two. */
		{6, {0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0, 3, 0, 4}, 22, "[::1:0:0:2:3:4]:22"},
	};

	return cr_make_param_array(struct ep_case, params, NELEM(params));
}

ParameterizedTest(struct ep_case *c, report, format_endpoint)
{
	char buf[64];
	int n = tt_format_endpoint(buf, sizeof(buf), c->ip_version, c->addr, c->port);

	cr_assert_str_eq(buf, c->want);
	cr_assert_eq(n, (int)strlen(c->want));
}

/* IPv4 uses the first four bytes only. */
Test(report, format_endpoint_v4_ignores_rest)
{
	uint8_t a[16];
	char buf[64];

	memset(a, 0xee, sizeof(a));
	a[0] = 10;
	a[1] = 1;
	a[2] = 2;
	a[3] = 3;
	tt_format_endpoint(buf, sizeof(buf), 4, a, 443);
	cr_assert_str_eq(buf, "10.1.2.3:443");
}

/* ---- JSON Lines ---------------------------------------------------------------------------- */

Test(report, json_conn_line)
{
	struct tt_conn c;
	struct tt_stats st;
	char *s, *nl;

	make_conn(&c);
	memset(&st, 0, sizeof(st));
	s = run(TT_FMT_JSON, &c, 1, &st, &input);
	nl = strchr(s, '\n');
	cr_assert_not_null(nl);
	*nl = '\0';
	assert_prefix(s, "{\"type\":\"conn\",\"id\":7,\"incarnation\":1,\"ip\":4,"
	                 "\"client\":\"192.0.2.1:40000\",\"server\":\"198.51.100.7:80\","
	                 "\"first\":1700000000.123456,\"last\":1700000001.500000,"
	                 "\"handshake\":\"complete\",\"outcome\":\"closed\","
	                 "\"closed_by\":\"client\",\"reset_by\":null,\"port_reuse\":false,"
	                 "\"client_state\":\"CLOSED\",\"server_state\":\"CLOSED\","
	                 "\"client_history\":[[\"SYN_SENT\",1700000000.123456],"
	                 "[\"ESTABLISHED\",1700000000.123457],"
	                 "[\"CLOSED\",1700000061.500000001]],\"server_history\":[],");
	cr_assert_not_null(strstr(s, "\"c2s\":{\"packets\":5,\"payload_bytes\":100,"
	                             "\"unique_bytes\":90,"),
	                   "%s", s);
	cr_assert_not_null(strstr(s, "\"syn\":1,\"fin\":1,\"rst\":0,\"isn\":1000,\"mss\":1460,"
	                             "\"wscale\":7,\"sack_ok\":true,\"ts_ok\":false,"
	                             "\"win_min\":100,\"win_max\":65535,\"win_last\":502,"),
	                   "%s", s);
	cr_assert_not_null(strstr(s, "\"zero_windows\":2,\"retransmissions\":1,"), "%s", s);
	cr_assert_not_null(strstr(s, "\"keepalives\":3,\"keepalive_acks\":0"), "%s", s);
	/* Unknown values of the server direction are null. */
	cr_assert_not_null(strstr(s, "\"s2c\":{\"packets\":4,\"payload_bytes\":0,"), "%s", s);
	cr_assert_not_null(strstr(s, "\"isn\":null,\"mss\":null,\"wscale\":null,"
	                             "\"sack_ok\":false,\"ts_ok\":false,\"win_min\":null,"
	                             "\"win_max\":null,\"win_last\":null,"),
	                   "%s", s);
	cr_assert_eq(s[strlen(s) - 1], '}');
}

Test(report, json_keys_in_order)
{
	struct tt_conn c;
	struct tt_stats st;
	char *s, *c2s, *s2c, *nl;

	make_conn(&c);
	memset(&st, 0, sizeof(st));
	s = run(TT_FMT_JSON, &c, 1, &st, &input);
	nl = strchr(s, '\n');
	cr_assert_not_null(nl);
	*nl = '\0';
	cr_assert_eq(strncmp(s, "{\"type\":", 8), 0);
	assert_keys_in_order(s, NULL, conn_keys, NELEM(conn_keys));
	c2s = strstr(s, "\"c2s\":{");
	s2c = strstr(s, "\"s2c\":{");
	cr_assert_not_null(c2s);
	cr_assert_not_null(s2c);
	cr_assert_lt(c2s, s2c);
	assert_keys_in_order(c2s, s2c, dir_keys, NELEM(dir_keys));
	assert_keys_in_order(s2c, strstr(s2c, "},\"rtt\":"), dir_keys, NELEM(dir_keys));
	/* Nothing timed in this record: every round trip is null or 0 samples. */
	cr_assert_not_null(strstr(s, "\"rtt\":{\"handshake_ms\":null,\"client_side_ms\":null,"
	                             "\"server_side_ms\":null,\"c2s\":{\"samples\":0,"
	                             "\"min_ms\":null,\"avg_ms\":null,\"max_ms\":null},"),
	                   "%s", s);
	cr_assert_not_null(strstr(s, "\"end\":1700000061.500000,\"time_wait_until\":{\"client\":null,"
	                             "\"server\":null},\"strays\":0,"
	                             "\"end_reason\":\"closed\","
	                             "\"client_chosen_by\":\"syn\",\"history_truncated\":false"),
	                   "%s", s);
	/* A complete handshake, both directions: nothing inferred. */
	cr_assert_not_null(strstr(s, ",\"icmp\":null,\"inferred\":[]}"), "%s", s);
}

Test(report, json_summary_line)
{
	struct tt_conn c;
	struct tt_stats st;
	char *s, *line;

	make_conn(&c);
	memset(&st, 0, sizeof(st));
	s = run(TT_FMT_JSON, &c, 1, &st, &input);
	line = strchr(s, '\n');
	cr_assert_not_null(line);
	line++;
	cr_assert_eq(strncmp(line, "{\"type\":\"summary\",", 18), 0, "%s", line);
	cr_assert_not_null(strstr(line, "\"input\":\"x.pcap\",\"link\":\"EN10MB\",\"dlt\":0,"
	                                "\"truncated\":false,\"error\":null,\"first\":null,\"last\":null,"
	                                "\"packets\":0,\"tcp_packets\":0,"),
	                   "%s", line);
	cr_assert_not_null(strstr(line, "\"malformed\":0,\"malformed_by_reason\":{},"), "%s",
	                   line);
	cr_assert_not_null(strstr(line, "\"connections\":1,\"outcomes\":{\"open\":0,"
	                                "\"closed\":1,\"reset\":0,\"refused\":0,\"timeout\":0,"
	                                "\"unreachable\":0,\"half_closed\":0},"),
	                   "%s", line);
	cr_assert_not_null(strstr(line, "\"final_states\":{\"CLOSED/CLOSED\":1},"), "%s", line);
	cr_assert_null(strstr(line, "packet_limit"));
	/* The summary is the last line. */
	cr_assert_not_null(strchr(line, '\n'));
	cr_assert_str_eq(strchr(line, '\n') - 1, "}\n");
}

Test(report, json_summary_times_and_limit)
{
	struct tt_stats st;
	struct tt_input_info in = input;
	char *s;

	memset(&st, 0, sizeof(st));
	st.frames = 3;
	st.tcp_segments = 2;
	st.by_result[TT_DEC_NOT_IP] = 1;
	st.by_result[TT_DEC_TRUNC_TCP] = 2;
	st.first_ts = T0;
	st.last_ts = T0 + INT64_C(1500000000);
	in.limit_packets = 10;
	in.stopped_by_limit = true;
	in.truncated = true;
	in.dlt = 1;
	s = run(TT_FMT_JSON, NULL, 0, &st, &in);
	cr_assert_eq(strncmp(s, "{\"type\":\"summary\",", 18), 0, "%s", s);
	cr_assert_not_null(strstr(s, "\"dlt\":1,\"truncated\":true,\"error\":null,\"first\":1700000000.123456,"
	                             "\"last\":1700000001.623456,\"packets\":3,"
	                             "\"tcp_packets\":2,"),
	                   "%s", s);
	cr_assert_not_null(strstr(s, "\"not_ip\":1,"), "%s", s);
	cr_assert_not_null(strstr(s, "\"malformed\":2,\"malformed_by_reason\":"
	                             "{\"truncated_tcp\":2},"),
	                   "%s", s);
	cr_assert_not_null(strstr(s, "\"connections\":0,"), "%s", s);
	cr_assert_not_null(strstr(s, "\"final_states\":{},"), "%s", s);
	cr_assert_not_null(strstr(s, "\"packet_limit\":10,\"stopped_by_limit\":true}\n"), "%s",
	                   s);
}

Test(report, json_escapes_input_name)
{
	struct tt_stats st;
	struct tt_input_info in = input;
	char *s;

	memset(&st, 0, sizeof(st));
	in.name = "dir/a\"b\\c\n.pcap";
	s = run(TT_FMT_JSON, NULL, 0, &st, &in);
	cr_assert_not_null(strstr(s, "\"input\":\"dir/a\\\"b\\\\c\\u000a.pcap\","), "%s", s);
}

Test(report, json_ipv6_endpoints)
{
	static const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	static const uint8_t b6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
	struct tt_conn c;
	struct tt_stats st;
	char *s;

	make_conn(&c);
	c.ip_version = 6;
	memcpy(c.node.key.addr[TT_CLIENT], a6, 16);
	memcpy(c.node.key.addr[TT_SERVER], b6, 16);
	memset(&st, 0, sizeof(st));
	s = run(TT_FMT_JSON, &c, 1, &st, &input);
	cr_assert_not_null(strstr(s, "\"ip\":6,\"client\":\"[2001:db8::1]:40000\","
	                             "\"server\":\"[2001:db8::2]:80\","),
	                   "%s", s);
}

/* Every line parses as JSON (python3's json.loads), when python3 is installed. */
Test(report, json_lines_parse)
{
	struct tt_conn c[2];
	struct tt_stats st;
	struct tt_input_info in = input;
	char *s;
	FILE *py;
	int status;

	if (system("command -v python3 >/dev/null 2>&1") != 0)
		cr_skip_test("python3 not installed");
	make_conn(&c[0]);
	make_conn(&c[1]);
	c[1].id = 8;
	c[1].reset_by = 2;
	ext_of(&c[1].dir[0])->c.icmp_errors = 1;
	c[1].icmp_type = 3;
	c[1].hist[TT_SERVER].truncated = true;
	memset(&st, 0, sizeof(st));
	st.frames = 1;
	st.by_result[TT_DEC_BAD_IP_HLEN] = 1;
	in.name = "we\"ird\\name\t.pcap";
	in.limit_packets = 5;
	s = run(TT_FMT_JSON, c, 2, &st, &in);
	cr_assert_eq(count_char(s, s + strlen(s), '\n'), 3);
	py = popen("python3 -c 'import json, sys\n"
	           "lines = sys.stdin.read().split(\"\\n\")\n"
	           "assert lines[-1] == \"\"\n"
	           "objs = [json.loads(l) for l in lines[:-1]]\n"
	           "assert [o[\"type\"] for o in objs] == [\"conn\", \"conn\", \"summary\"]\n"
	           "assert objs[0][\"c2s\"][\"isn\"] == 1000\n"
	           "assert objs[0][\"s2c\"][\"isn\"] is None\n"
	           "assert objs[1][\"reset_by\"] == \"server\"\n"
	           "assert objs[2][\"input\"] == \"we\\\"ird\\\\name\\t.pcap\"\n"
	           "' >&2",
	           "w");
	cr_assert_not_null(py);
	fputs(s, py);
	status = pclose(py);
	cr_assert(WIFEXITED(status));
	cr_assert_eq(WEXITSTATUS(status), 0, "python3 rejected the output:\n%s", s);
}

/* ---- CSV ----------------------------------------------------------------------------------- */

/* Split a line (without its newline) at commas, in place. */
static size_t split_csv(char *line, char **cols, size_t max)
{
	size_t n = 0;

	cols[n++] = line;
	for (char *p = line; *p != '\0'; p++) {
		if (*p == ',') {
			*p = '\0';
			cr_assert_lt(n, max);
			cols[n++] = p + 1;
		}
	}
	return n;
}

static const char *csv_value(char **hdr, char **row, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(hdr[i], name) == 0)
			return row[i];
	cr_assert_fail("no column %s", name);
	return NULL;
}

Test(report, csv_header_and_rows)
{
	struct tt_conn c[2];
	struct tt_stats st;
	char *s, *lines[4], *hdr[128], *row[128];
	size_t nl = 0, nh, nr;

	make_conn(&c[0]);
	make_conn(&c[1]);
	c[1].id = 8;
	c[1].reset_by = 1;
	c[1].port_reuse = true;
	c[1].hist[TT_CLIENT].n = 0;
	memset(&st, 0, sizeof(st));
	s = run(TT_FMT_CSV, c, 2, &st, &input);
	/* Exactly three lines: the header and two rows; CSV has no summary. */
	cr_assert_eq(count_char(s, s + strlen(s), '\n'), 3);
	for (char *p = s; *p != '\0'; p++) {
		if (p == s || p[-1] == '\0')
			lines[nl++] = p;
		if (*p == '\n')
			*p = '\0';
	}
	cr_assert_eq(nl, 3);
	assert_prefix(lines[0], "id,incarnation,ip,client,server,first,last,end,end_reason,strays,"
	                        "handshake,outcome,closed_by,reset_by,port_reuse,"
	                        "client_state,server_state,client_tw_until,server_tw_until,"
	                        "client_chosen_by,history_truncated,"
	                        "icmp_type,icmp_code,rtt_handshake_ms,rtt_client_side_ms,"
	                        "rtt_server_side_ms,inferred,client_history,server_history,"
	                        "c2s_packets,c2s_payload_bytes,c2s_unique_bytes,"
	                        "c2s_retransmitted_bytes,");
	assert_prefix(lines[1], "7,1,4,192.0.2.1:40000,198.51.100.7:80,1700000000.123456,"
	                        "1700000001.500000,1700000061.500000,closed,0,complete,closed,"
	                        "client,,0,CLOSED,CLOSED,,,syn,0,,,,,,,SYN_SENT@1700000000.123456 "
	                        "ESTABLISHED@1700000000.123457 CLOSED@1700000061.500000001,,"
	                        "5,100,90,10,1,1,0,1000,1460,7,1,0,100,65535,502,");

	size_t ncols = count_char(lines[0], lines[0] + strlen(lines[0]), ',') + 1;
	cr_assert_eq(ncols, 29 + 2 * 42);
	for (size_t i = 1; i < 3; i++)
		cr_assert_eq(count_char(lines[i], lines[i] + strlen(lines[i]), ',') + 1, ncols,
		             "row %zu: %s", i, lines[i]);

	/* Values line up with their column names. */
	nh = split_csv(lines[0], hdr, NELEM(hdr));
	nr = split_csv(lines[1], row, NELEM(row));
	cr_assert_eq(nh, nr);
	cr_assert_str_eq(csv_value(hdr, row, nh, "c2s_isn"), "1000");
	cr_assert_str_eq(csv_value(hdr, row, nh, "c2s_retransmitted_bytes"), "10");
	cr_assert_str_eq(csv_value(hdr, row, nh, "client_chosen_by"), "syn");
	cr_assert_str_eq(csv_value(hdr, row, nh, "icmp_type"), "");
	cr_assert_str_eq(csv_value(hdr, row, nh, "s2c_isn"), "");
	cr_assert_str_eq(csv_value(hdr, row, nh, "s2c_mss"), "");
	cr_assert_str_eq(csv_value(hdr, row, nh, "s2c_wscale"), "");
	cr_assert_str_eq(csv_value(hdr, row, nh, "s2c_win_min"), "");
	cr_assert_str_eq(csv_value(hdr, row, nh, "c2s_sack_ok"), "1");
	cr_assert_str_eq(csv_value(hdr, row, nh, "c2s_keepalives"), "3");
	cr_assert_str_eq(csv_value(hdr, row, nh, "c2s_keepalive_acks"), "0");
	cr_assert_str_eq(csv_value(hdr, row, nh, "c2s_zero_windows"), "2");
	cr_assert_str_eq(csv_value(hdr, row, nh, "s2c_packets"), "4");
	cr_assert_str_eq(csv_value(hdr, row, nh, "s2c_fin"), "1");
	cr_assert_str_eq(csv_value(hdr, row, nh, "end_reason"), "closed");
	cr_assert_str_eq(csv_value(hdr, row, nh, "server_history"), "");

	nr = split_csv(lines[2], row, NELEM(row));
	cr_assert_eq(nh, nr);
	cr_assert_str_eq(csv_value(hdr, row, nh, "id"), "8");
	cr_assert_str_eq(csv_value(hdr, row, nh, "outcome"), "reset");
	cr_assert_str_eq(csv_value(hdr, row, nh, "reset_by"), "client");
	cr_assert_str_eq(csv_value(hdr, row, nh, "port_reuse"), "1");
	cr_assert_str_eq(csv_value(hdr, row, nh, "client_history"), "");
}

/* No connections: the header alone. */
Test(report, csv_empty)
{
	struct tt_stats st;
	char *s;

	memset(&st, 0, sizeof(st));
	s = run(TT_FMT_CSV, NULL, 0, &st, &input);
	cr_assert_eq(count_char(s, s + strlen(s), '\n'), 1);
	cr_assert_eq(strncmp(s, "id,incarnation,", 15), 0);
	cr_assert_eq(count_char(s, s + strlen(s), ','), 29 + 2 * 42 - 1);
}

/* ---- text ---------------------------------------------------------------------------------- */

Test(report, text_header_row_summary)
{
	struct tt_conn c;
	struct tt_stats st;
	char *s, *row;

	make_conn(&c);
	memset(&st, 0, sizeof(st));
	s = run(TT_FMT_TEXT, &c, 1, &st, &input);
	assert_prefix(s, "ID    CLIENT                SERVER                CLIENT      "
	                 "SERVER      OUTCOME                  DURATION  PKTS>    BYTES>  PKTS<"
	                 "    BYTES<  RETX\n");
	row = strchr(s, '\n') + 1;
	assert_prefix(row, "7     192.0.2.1:40000       198.51.100.7:80       CLOSED      "
	                   "CLOSED      closed(client)          1.376544s      5       100      "
	                   "4         0     1\n");
	cr_assert_not_null(strstr(s, "\nSummary of x.pcap (link type EN10MB)\n"), "%s", s);
	cr_assert_null(strstr(s, "  time:"), "no frames: no time line\n%s", s);
	cr_assert_not_null(strstr(s, "  packets:     0 read, 0 TCP,"), "%s", s);
	cr_assert_not_null(strstr(s, "  connections: 1 -- closed 1\n"), "%s", s);
	cr_assert_not_null(strstr(s, "  final states (client/server): CLOSED/CLOSED 1\n"), "%s",
	                   s);
	cr_assert_not_null(strstr(s, "  evicted:     0 (--max-flows 0, at most 0 tracked at "
	                             "once)\n"),
	                   "%s", s);
}

Test(report, text_summary_times)
{
	struct tt_stats st;
	struct tt_input_info in = input;
	char *s;

	memset(&st, 0, sizeof(st));
	st.frames = 2;
	st.first_ts = T0;
	st.last_ts = T0 + INT64_C(1500000000);
	in.truncated = true;
	s = run(TT_FMT_TEXT, NULL, 0, &st, &in);
	cr_assert_not_null(strstr(s, "Summary of x.pcap (link type EN10MB) -- FILE TRUNCATED"),
	                   "%s", s);
	cr_assert_not_null(strstr(s, "  time:        2023-11-14 22:13:20.123456 UTC to "
	                             "2023-11-14 22:13:21.623456 UTC (1.500000s)\n"),
	                   "%s", s);
	cr_assert_not_null(strstr(s, "  connections: 0\n"), "%s", s);
	cr_assert_null(strstr(s, "final states"), "%s", s);
}

/*
 * A connection whose timestamps went backwards (last < first; the tracker
 * sets last from each packet's time) must still print a well-formed
 * duration, not "0.-500000s".
 */
Test(report, text_negative_duration)
{
	struct tt_conn c;
	struct tt_stats st;
	char *s;

	make_conn(&c);
	set_time(&c, TT_RT_LAST, c.rt.first - INT64_C(500000000));
	memset(&st, 0, sizeof(st));
	s = run(TT_FMT_TEXT, &c, 1, &st, &input);
	cr_assert_null(strstr(s, ".-"), "malformed duration:\n%s", s);
}

/* The outcome column names who reset; an evicted open record is starred. */
Test(report, text_outcome_labels)
{
	struct tt_conn c[2];
	struct tt_stats st;
	char *s;

	make_conn(&c[0]);
	c[0].reset_by = 2;
	make_conn(&c[1]);
	c[1].id = 8;
	c[1].fin_first = 0;
	c[1].dir[0].has_fin = false;
	c[1].dir[1].has_fin = false;
	c[1].state[TT_CLIENT] = TT_TCP_ESTABLISHED;
	c[1].state[TT_SERVER] = TT_TCP_ESTABLISHED;
	c[1].end_reason = TT_END_EVICTED;
	memset(&st, 0, sizeof(st));
	s = run(TT_FMT_TEXT, c, 2, &st, &input);
	cr_assert_not_null(strstr(s, " reset(server)  "), "%s", s);
	cr_assert_not_null(strstr(s, " ESTABLISHED ESTABLISHED open*  "), "%s", s);
	cr_assert_not_null(strstr(s, "  connections: 2 -- open 1, reset 1\n"), "%s", s);
	cr_assert_not_null(strstr(s, "  final states (client/server): CLOSED/CLOSED 1, "
	                             "ESTABLISHED/ESTABLISHED 1\n"),
	                   "%s", s);
}

/* ---- diagnoses ----------------------------------------------------------------------------- */

#define SEC(n) ((tt_time_ns)(n) * TT_NS_PER_SEC)

/* A report on a tmpfile(), fed records and events by the tests below. */
struct diag_run {
	struct tt_report r;
	FILE *f;
};

static void diag_begin(struct diag_run *d, enum tt_report_format fmt)
{
	d->f = tmpfile();
	cr_assert_not_null(d->f);
	tt_report_init(&d->r, fmt, d->f);
}

/* Write the summary and return the whole report (slurp()'s buffer); frees the report. */
static char *diag_end(struct diag_run *d)
{
	struct tt_stats st;
	char *s;

	memset(&st, 0, sizeof(st));
	tt_report_finish(&d->r, &st, &input);
	tt_report_free(&d->r);
	tt_report_free(&d->r); /* idempotent */
	s = slurp(d->f);
	fclose(d->f);
	return s;
}

/* An endpoint changes state, as the tracker does it: state first, then the event. */
static void step(struct tt_report *r, struct tt_conn *c, enum tt_endpoint ep,
                 enum tt_tcp_state to, tt_time_ns ts)
{
	struct tt_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = TT_EVT_STATE;
	ev.ts = ts;
	ev.conn = c;
	ev.endpoint = ep;
	ev.from = (enum tt_tcp_state)c->state[ep];
	ev.to = to;
	c->state[ep] = (uint8_t)to;
	tt_report_event(r, &ev);
	tt_diag_flush(&r->diag); /* counted now: the tests read the tables */
}

static void conn_end(struct tt_report *r, struct tt_conn *c, tt_time_ns ts)
{
	struct tt_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = TT_EVT_CONN_END;
	ev.ts = ts;
	ev.conn = c;
	tt_report_event(r, &ev);
	tt_diag_flush(&r->diag); /* counted now: the tests read the tables */
}

/* make_conn() with a server history ESTABLISHED, CLOSE_WAIT at cw, then `next` at cw + d
 * (or nothing more when next is CLOSE_WAIT: still there at the end). */
static void make_close_wait(struct tt_conn *c, uint64_t id, tt_time_ns cw, tt_time_ns d,
                            enum tt_tcp_state next)
{
	make_conn(c);
	c->id = id;
	c->dir[TT_SERVER].has_fin = next != TT_TCP_CLOSE_WAIT;
	hist_add(c, TT_SERVER, TT_TCP_ESTABLISHED, T0);
	hist_add(c, TT_SERVER, TT_TCP_CLOSE_WAIT, cw);
	if (next != TT_TCP_CLOSE_WAIT)
		hist_add(c, TT_SERVER, next, cw + d);
	c->state[TT_SERVER] = (uint8_t)next;
}

Test(report, diag_none)
{
	struct tt_conn c;
	struct tt_stats st;
	char *s;

	make_conn(&c);
	memset(&st, 0, sizeof(st));
	s = run(TT_FMT_TEXT, &c, 1, &st, &input);
	cr_assert_null(strstr(s, "diagnoses"), "%s", s);
	s = run(TT_FMT_JSON, &c, 1, &st, &input);
	cr_assert_not_null(strstr(s, ",\"peak_flows\":0,\"diagnoses\":{\"close_wait_alert_s\":"
	                             "60.000000,\"close_wait\":{\"count\":0,\"connections\":[]},"
	                             "\"half_closed\":{\"count\":0,\"ids\":[]},"
	                             "\"time_wait\":{\"servers\":0,\"by_server\":[],"
	                             "\"server_other\":null,\"clients\":0,\"by_client\":[],"
	                             "\"client_other\":null},"
	                             "\"handshake_failures\":{\"refused\":{\"count\":0,"
	                             "\"targets\":[]},\"timeout\":{\"count\":0,\"targets\":[]},"
	                             "\"unreachable\":{\"count\":0,\"targets\":[]}},"
	                             "\"resets\":{\"by_client\":0,\"by_server\":0}}}\n"),
	                   "%s", s);
}

/* "Longer than" the alert: exactly the alert is not a diagnosis, a nanosecond more is. */
Test(report, diag_close_wait_boundary)
{
	struct diag_run d;
	struct tt_conn c[3];
	char *s;

	diag_begin(&d, TT_FMT_TEXT);
	make_close_wait(&c[0], 1, T0 + SEC(1), SEC(60), TT_TCP_LAST_ACK);
	make_close_wait(&c[1], 2, T0 + SEC(1), SEC(60) + 1, TT_TCP_LAST_ACK);
	make_close_wait(&c[2], 3, T0 + SEC(1), SEC(59), TT_TCP_CLOSED);
	for (int i = 0; i < 3; i++)
		tt_report_conn(&d.r, &c[i]);
	cr_assert_eq(d.r.diag.close_wait_n, 1);
	cr_assert_eq(d.r.diag.close_wait[0].id, 2);
	cr_assert_eq(d.r.diag.close_wait[0].duration, SEC(60) + 1);
	cr_assert_eq(d.r.diag.close_wait[0].endpoint, TT_SERVER);
	cr_assert_not(d.r.diag.close_wait[0].open_at_end);
	s = diag_end(&d);
	cr_assert_not_null(strstr(s, "\n  diagnoses:   CLOSE_WAIT over 60s: 1 endpoint (the "
	                             "application did not call close())\n"
	                             "                 #2 server 198.51.100.7:80 <- "
	                             "192.0.2.1:40000: 60.000000s\n"
	                             "  evicted:"),
	                   "%s", s);
}

/* Still in CLOSE_WAIT: counted to the record's end (end of input), not to its last packet. */
Test(report, diag_close_wait_open_at_end)
{
	struct diag_run d;
	struct tt_conn c;
	char *s;

	diag_begin(&d, TT_FMT_JSON);
	d.r.diag.close_wait_alert = SEC(1) + 500000000; /* 1.5 s */
	make_close_wait(&c, 9, T0 + SEC(1), 0, TT_TCP_CLOSE_WAIT);
	set_time(&c, TT_RT_LAST, T0 + SEC(2)); /* the last packet: 1 s after entering CLOSE_WAIT */
	set_time(&c, TT_RT_END, T0 + SEC(31) + 250); /* the end of the input */
	c.end_reason = TT_END_INPUT;
	tt_report_conn(&d.r, &c);
	cr_assert_eq(d.r.diag.close_wait_n, 1);
	cr_assert_eq(d.r.diag.close_wait[0].duration, SEC(30) + 250);
	cr_assert(d.r.diag.close_wait[0].open_at_end);
	/* Half-closed too: the client sent a FIN, the server did not. */
	cr_assert_eq(d.r.diag.half_closed_n, 1);
	s = diag_end(&d);
	cr_assert_not_null(strstr(s, "\"diagnoses\":{\"close_wait_alert_s\":1.500000,"
	                             "\"close_wait\":{\"count\":1,\"connections\":[{\"id\":9,"
	                             "\"endpoint\":\"server\",\"local\":\"198.51.100.7:80\","
	                             "\"peer\":\"192.0.2.1:40000\",\"seconds\":30.000000250,"
	                             "\"open_at_end\":true}]},\"half_closed\":{\"count\":1,"
	                             "\"ids\":[9]},"),
	                   "%s", s);
}

Test(report, diag_close_wait_alert_text)
{
	struct diag_run d;
	struct tt_conn c;
	char *s;

	diag_begin(&d, TT_FMT_TEXT);
	d.r.diag.close_wait_alert = SEC(1) + 500000000;
	make_close_wait(&c, 9, T0 + SEC(1), 0, TT_TCP_CLOSE_WAIT);
	set_time(&c, TT_RT_END, T0 + SEC(3));
	tt_report_conn(&d.r, &c);
	s = diag_end(&d);
	cr_assert_not_null(strstr(s, "CLOSE_WAIT over 1.5s: 1 endpoint "), "%s", s);
	cr_assert_not_null(strstr(s, " 2.000000s, still in CLOSE_WAIT at the end\n"), "%s", s);
	cr_assert_not_null(strstr(s, "               half-closed: 1 connection: #9\n"), "%s", s);
}

/* The client endpoint in CLOSE_WAIT is named as such; both lists keep the first 20. */
Test(report, diag_lists_capped)
{
	struct diag_run d;
	struct tt_conn c;
	char *s, *p;

	diag_begin(&d, TT_FMT_TEXT);
	for (uint64_t i = 1; i <= 25; i++) {
		make_conn(&c);
		c.id = i;
		c.dir[TT_SERVER].has_fin = false; /* half-closed by the client... */
		c.hist[TT_CLIENT].n = 0;          /* ...whose peer's FIN it never answered */
		hist_add(&c, TT_CLIENT, TT_TCP_CLOSE_WAIT, T0);
		c.state[TT_CLIENT] = TT_TCP_CLOSE_WAIT;
		set_time(&c, TT_RT_END, T0 + SEC(61));
		tt_report_conn(&d.r, &c);
	}
	cr_assert_eq(d.r.diag.close_wait_n, 25);
	cr_assert_eq(d.r.diag.half_closed_n, 25);
	cr_assert_eq(d.r.diag.close_wait[19].id, 20);
	cr_assert_eq(d.r.diag.half_closed[19], 20);
	s = diag_end(&d);
	cr_assert_not_null(strstr(s, "CLOSE_WAIT over 60s: 25 endpoints "), "%s", s);
	cr_assert_not_null(strstr(s, "                 #1 client 192.0.2.1:40000 <- "
	                             "198.51.100.7:80: 61.000000s, still in CLOSE_WAIT at the "
	                             "end\n"),
	                   "%s", s);
	p = strstr(s, "                 #20 client ");
	cr_assert_not_null(p, "%s", s);
	p = strchr(p, '\n') + 1;
	assert_prefix(p, "                 and 5 more\n");
	cr_assert_null(strstr(s, "#21 "), "%s", s);
	cr_assert_not_null(strstr(s, "half-closed: 25 connections: #1, #2, #3, #4, #5, #6, #7, "
	                             "#8, #9, #10, #11, #12, #13, #14, #15, #16, #17, #18, "
	                             "#19, #20 and 5 more\n"),
	                   "%s", s);
}

/* A connection in TIME_WAIT from client 192.0.2.1:port to server 198.51.100.7:80. */
static void make_tw_conn(struct tt_conn *c, uint64_t id, uint16_t cport)
{
	make_conn(c);
	c->id = id;
	c->node.key.port[TT_CLIENT] = cport;
	c->state[TT_CLIENT] = TT_TCP_FIN_WAIT_2;
	c->state[TT_SERVER] = TT_TCP_LAST_ACK;
}

/* The one entry of table t (which must have exactly one). */
static const struct tt_diag_entry *only_entry(const struct tt_diag_table *t)
{
	const struct tt_diag_entry *e = NULL;

	cr_assert_eq(t->n, 1);
	for (uint32_t i = 0; i < t->cap; i++) {
		if (t->slot[i].key.ip_version == 0)
			continue;
		cr_assert_null(e, "a second entry in slot %u", i);
		e = &t->slot[i];
	}
	cr_assert_not_null(e);
	return e;
}

/* Overlapping TIME_WAITs: the count goes up and down with the events; the peak and the
 * time it was first reached stay; every entry counts. */
Test(report, diag_time_wait_peak)
{
	struct diag_run d;
	struct tt_conn a, b, c;
	const struct tt_diag_entry *e;
	char *s;

	diag_begin(&d, TT_FMT_TEXT);
	make_tw_conn(&a, 1, 40001);
	make_tw_conn(&b, 2, 40002);
	make_tw_conn(&c, 3, 40003);
	step(&d.r, &a, TT_CLIENT, TT_TCP_TIME_WAIT, T0 + SEC(1));
	step(&d.r, &a, TT_SERVER, TT_TCP_CLOSED, T0 + SEC(1));      /* no change */
	step(&d.r, &b, TT_CLIENT, TT_TCP_TIME_WAIT, T0 + SEC(2));   /* 2: the peak */
	step(&d.r, &a, TT_CLIENT, TT_TCP_CLOSED, T0 + SEC(61));     /* 1 */
	step(&d.r, &c, TT_CLIENT, TT_TCP_TIME_WAIT, T0 + SEC(62));  /* 2 again: not new */
	step(&d.r, &b, TT_CLIENT, TT_TCP_CLOSED, T0 + SEC(62));     /* 1 */
	e = only_entry(&d.r.diag.tw_server);
	cr_assert_eq(d.r.diag.tw_server.n, 1);
	cr_assert_eq(e->cur, 1);
	cr_assert_eq(e->peak, 2);
	cr_assert_eq(e->peak_at, T0 + SEC(2));
	cr_assert_eq(e->n, 3);
	cr_assert_eq(d.r.diag.tw_client.n, 1);
	cr_assert_eq(only_entry(&d.r.diag.tw_client)->peak, 2);
	cr_assert_eq(only_entry(&d.r.diag.tw_client)->key.port, 0);
	/* Evicted (or the input ends) while in TIME_WAIT: it stops counting. */
	conn_end(&d.r, &c, T0 + SEC(63));
	cr_assert_eq(e->cur, 0);
	conn_end(&d.r, &a, T0 + SEC(64)); /* over: no change, and never below 0 */
	cr_assert_eq(e->cur, 0);
	s = diag_end(&d);
	cr_assert_not_null(strstr(s, "  diagnoses:   TIME_WAIT peak per server: 198.51.100.7:80 "
	                             "2 at 2023-11-14 22:13:22.123456 UTC (3 in all)\n"
	                             "               TIME_WAIT peak per client: 192.0.2.1 2 at "
	                             "2023-11-14 22:13:22.123456 UTC (3 in all)\n"
	                             "  evicted:"),
	                   "%s", s);
}

/* TIME_WAIT changes are counted TT_DIAG_TW_LAG changes late, in order: fed without
 * flushing, 20 connections on 7 ports in and out of TIME_WAIT give the same peaks, their
 * times and counts as counting each at once; before the flush, the last changes wait. */
Test(report, diag_time_wait_deferred_same_counts)
{
	struct diag_run late, now;
	struct tt_conn c[20];
	const struct tt_diag_table *a, *b;

	diag_begin(&late, TT_FMT_TEXT);
	diag_begin(&now, TT_FMT_TEXT);
	for (int pass = 0; pass < 2; pass++) {
		struct tt_report *r = pass == 0 ? &late.r : &now.r;
		for (int i = 0; i < 20; i++) {
			make_tw_conn(&c[i], (uint64_t)i + 1, (uint16_t)(40000 + i));
			c[i].node.key.port[TT_SERVER] = (uint16_t)(80 + i % 7);
			c[i].node.key.addr[TT_CLIENT][3] = (uint8_t)(1 + i % 3);
		}
		for (int k = 0; k < 40; k++) {
			/* Connection k/2 enters, then (k odd) connection k/2 - 3 leaves. */
			struct tt_conn *x = &c[k % 2 == 0 ? k / 2 : (k / 2 + 17) % 20];
			bool in = k % 2 == 0;
			struct tt_event ev;
			memset(&ev, 0, sizeof(ev));
			ev.type = TT_EVT_STATE;
			ev.ts = T0 + SEC(k);
			ev.conn = x;
			ev.endpoint = TT_CLIENT;
			ev.from = (enum tt_tcp_state)x->state[TT_CLIENT];
			ev.to = in ? TT_TCP_TIME_WAIT : TT_TCP_CLOSED;
			if (!in && x->state[TT_CLIENT] != TT_TCP_TIME_WAIT)
				continue;
			x->state[TT_CLIENT] = (uint8_t)ev.to;
			tt_report_event(r, &ev);
			if (pass == 1)
				tt_diag_flush(&r->diag);
		}
	}
	cr_assert_eq(late.r.diag.tw_n, TT_DIAG_TW_LAG, "the last changes wait");
	tt_diag_flush(&late.r.diag);
	cr_assert_eq(late.r.diag.tw_n, 0);
	for (int t = 0; t < 2; t++) {
		a = t == 0 ? &late.r.diag.tw_server : &late.r.diag.tw_client;
		b = t == 0 ? &now.r.diag.tw_server : &now.r.diag.tw_client;
		cr_assert_eq(a->n, b->n);
		cr_assert_eq(a->n, t == 0 ? 7u : 3u);
		for (uint32_t i = 0; i < b->cap; i++) {
			const struct tt_diag_entry *y = &b->slot[i], *x;
			if (y->key.ip_version == 0)
				continue;
			x = tt_diag_find(a, &y->key);
			cr_assert_not_null(x);
			cr_assert_eq(x->seq, y->seq);
			cr_assert_eq(x->cur, y->cur);
			cr_assert_eq(x->peak, y->peak);
			cr_assert_eq(x->peak_at, y->peak_at);
			cr_assert_eq(x->n, y->n);
		}
	}
	{
		/* And the same summary. */
		char *first = strdup(diag_end(&late));
		cr_assert_not_null(first);
		cr_assert_str_eq(diag_end(&now), first);
		free(first);
	}
}

/* Both endpoints in TIME_WAIT (simultaneous close): one connection, until the last leaves,
 * whatever the order of the exits' times. */
Test(report, diag_time_wait_simultaneous_close)
{
	struct diag_run d;
	struct tt_conn a;
	const struct tt_diag_entry *e;

	diag_begin(&d, TT_FMT_TEXT);
	make_tw_conn(&a, 1, 40001);
	step(&d.r, &a, TT_CLIENT, TT_TCP_TIME_WAIT, T0 + SEC(1));
	step(&d.r, &a, TT_SERVER, TT_TCP_TIME_WAIT, T0 + SEC(1) + 5);
	e = only_entry(&d.r.diag.tw_server);
	cr_assert_eq(e->cur, 1);
	cr_assert_eq(e->n, 1);
	step(&d.r, &a, TT_CLIENT, TT_TCP_CLOSED, T0 + SEC(61));
	cr_assert_eq(e->cur, 1);
	step(&d.r, &a, TT_SERVER, TT_TCP_CLOSED, T0 + SEC(61) + 5);
	cr_assert_eq(e->cur, 0);
	cr_assert_eq(e->peak, 1);
	cr_assert_eq(e->peak_at, T0 + SEC(1));
	diag_end(&d);
}

/* Keys: server address and port, client address; the top 5 by peak, ties by earlier peak. */
Test(report, diag_time_wait_top)
{
	static const uint16_t want[TT_DIAG_TOP] = {85, 84, 83, 82, 80};
	const struct tt_diag_entry *top[TT_DIAG_TOP];
	struct diag_run d;
	struct tt_conn c[17];
	char *s;
	int k = 0;

	diag_begin(&d, TT_FMT_JSON);
	/* Peaks 1 to 5 on ports 81 to 85, and 1 on ports 80 and 86: of the three peaks of 1,
	 * port 80's came first and is the one listed. */
	for (int port = 80; port <= 86; port++) {
		int n = port >= 81 && port <= 85 ? port - 80 : 1;
		for (int j = 0; j < n; j++, k++) {
			make_tw_conn(&c[k], (uint64_t)k + 1, (uint16_t)(40000 + k));
			c[k].node.key.port[TT_SERVER] = (uint16_t)port;
			step(&d.r, &c[k], TT_CLIENT, TT_TCP_TIME_WAIT, T0 + SEC(k + 1));
		}
	}
	/* 17 connections from one client, all still in TIME_WAIT. */
	cr_assert_eq(k, 17);
	cr_assert_eq(d.r.diag.tw_server.n, 7);
	cr_assert_eq(d.r.diag.tw_client.n, 1);
	cr_assert_eq(only_entry(&d.r.diag.tw_client)->peak, 17);
	cr_assert_eq(tt_diag_top(&d.r.diag.tw_server, true, top), TT_DIAG_TOP);
	for (size_t i = 0; i < TT_DIAG_TOP; i++)
		cr_assert_eq(top[i]->key.port, want[i], "%zu: %u", i, top[i]->key.port);
	s = diag_end(&d);
	cr_assert_not_null(strstr(s, "\"time_wait\":{\"servers\":7,\"by_server\":["
	                             "{\"server\":\"198.51.100.7:85\",\"peak\":5,"
	                             "\"peak_at\":1700000016.123456,\"entries\":5},"
	                             "{\"server\":\"198.51.100.7:84\",\"peak\":4,"),
	                   "%s", s);
	cr_assert_not_null(strstr(s, "{\"server\":\"198.51.100.7:80\",\"peak\":1,"
	                             "\"peak_at\":1700000001.123456,\"entries\":1}],"
	                             "\"server_other\":null,\"clients\":1,\"by_client\":["
	                             "{\"client\":\"192.0.2.1\",\"peak\":17,"
	                             "\"peak_at\":1700000017.123456,\"entries\":17}],"
	                             "\"client_other\":null}"),
	                   "%s", s);
}

Test(report, diag_time_wait_top_text)
{
	struct diag_run d;
	struct tt_conn c;
	char *s;

	diag_begin(&d, TT_FMT_TEXT);
	for (int port = 1; port <= 7; port++) {
		make_tw_conn(&c, (uint64_t)port, 40000);
		c.node.key.port[TT_SERVER] = (uint16_t)port;
		step(&d.r, &c, TT_CLIENT, TT_TCP_TIME_WAIT, T0 + SEC(port));
	}
	s = diag_end(&d);
	cr_assert_not_null(strstr(s, "TIME_WAIT peak per server: 198.51.100.7:1 1 at "
	                             "2023-11-14 22:13:21.123456 UTC (1 in all)\n"
	                             "                 198.51.100.7:2 1 at "),
	                   "%s", s);
	cr_assert_not_null(strstr(s, "                 198.51.100.7:5 1 at 2023-11-14 "
	                             "22:13:25.123456 UTC (1 in all)\n"
	                             "                 and 2 more servers\n"
	                             "               TIME_WAIT peak per client: 192.0.2.1 7 at "),
	                   "%s", s);
}

/* IPv6: a server as [addr]:port, a client address alone. */
Test(report, diag_time_wait_ipv6)
{
	static const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	static const uint8_t b6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
	struct diag_run d;
	struct tt_conn c;
	char *s;

	diag_begin(&d, TT_FMT_TEXT);
	make_tw_conn(&c, 1, 40000);
	c.ip_version = 6;
	memcpy(c.node.key.addr[TT_CLIENT], a6, 16);
	memcpy(c.node.key.addr[TT_SERVER], b6, 16);
	step(&d.r, &c, TT_SERVER, TT_TCP_TIME_WAIT, T0);
	s = diag_end(&d);
	cr_assert_not_null(strstr(s, "TIME_WAIT peak per server: [2001:db8::2]:80 1 at "), "%s",
	                   s);
	cr_assert_not_null(strstr(s, "TIME_WAIT peak per client: 2001:db8::1 1 at "), "%s", s);
}

/* Beyond TT_DIAG_KEYS_MAX keys, the rest share one pooled entry, leaving included. */
Test(report, diag_time_wait_cap)
{
	struct diag_run d;
	struct tt_conn c;
	const struct tt_diag_table *t = NULL;
	char *s;

	diag_begin(&d, TT_FMT_TEXT);
	make_tw_conn(&c, 1, 40000);
	for (uint32_t i = 0; i < TT_DIAG_KEYS_MAX + 10; i++) {
		c.node.key.addr[TT_SERVER][0] = 10;
		c.node.key.addr[TT_SERVER][1] = (uint8_t)(i >> 16);
		c.node.key.addr[TT_SERVER][2] = (uint8_t)(i >> 8);
		c.node.key.addr[TT_SERVER][3] = (uint8_t)i;
		c.state[TT_CLIENT] = TT_TCP_FIN_WAIT_2;
		step(&d.r, &c, TT_CLIENT, TT_TCP_TIME_WAIT, T0 + (tt_time_ns)i);
	}
	t = &d.r.diag.tw_server;
	cr_assert_eq(t->n, TT_DIAG_KEYS_MAX);
	cr_assert(t->pooled);
	{
		/* The keys spread over the slots: their longest run of occupied
		 * slots is 28 (42 with the three-word hash IPv4 keys had before);
		 * an IPv4 hash with the address shifted above the port gave 128
		 * here, and thousands for keys without a port. */
		uint32_t run = 0, longest = 0;
		for (uint32_t i = 0; i < t->cap; i++) {
			run = t->slot[i].key.ip_version != 0 ? run + 1 : 0;
			longest = run > longest ? run : longest;
		}
		cr_assert_lt(longest, 64, "a run of %u occupied slots", longest);
	}
	cr_assert_eq(t->other.n, 10);
	cr_assert_eq(t->other.cur, 10);
	cr_assert_eq(t->other.peak, 10);
	cr_assert_eq(t->other.peak_at, T0 + TT_DIAG_KEYS_MAX + 9);
	/* A pooled key leaves from the pool; a kept key from its own entry. */
	step(&d.r, &c, TT_CLIENT, TT_TCP_CLOSED, T0 + SEC(100));
	cr_assert_eq(t->other.cur, 9);
	c.node.key.addr[TT_SERVER][1] = 0;
	c.node.key.addr[TT_SERVER][2] = 0;
	c.node.key.addr[TT_SERVER][3] = 5;
	c.state[TT_CLIENT] = TT_TCP_TIME_WAIT;
	step(&d.r, &c, TT_CLIENT, TT_TCP_CLOSED, T0 + SEC(100));
	cr_assert_eq(t->other.cur, 9);
	{
		/* The sixth key kept: 10.0.0.5:80, the sixth in order of first appearance. */
		struct tt_diag_key k = {.ip_version = 4, .port = 80, .addr = {10, 0, 0, 5}};
		const struct tt_diag_entry *e = tt_diag_find(t, &k);
		cr_assert_not_null(e);
		cr_assert_eq(e->seq, 5);
		cr_assert_eq(e->cur, 0);
		cr_assert_eq(e->n, 1);
		k.addr[3] = 0;
		k.addr[1] = 1; /* 10.1.0.0: key 65536, pooled */
		cr_assert_null(tt_diag_find(t, &k));
	}
	/* One client address for all. */
	cr_assert_eq(d.r.diag.tw_client.n, 1);
	cr_assert_not(d.r.diag.tw_client.pooled);
	cr_assert_eq(only_entry(&d.r.diag.tw_client)->peak, TT_DIAG_KEYS_MAX + 10);
	s = diag_end(&d);
	cr_assert_not_null(strstr(s, "                 and 65531 more servers\n"
	                             "                 beyond 65536 servers, together: 10 at "
	                             "2023-11-14 22:13:20.123521 UTC (10 in all)\n"),
	                   "%s", s);
}

/* Failed openings by kind and target (ties: the target seen first), resets by side. */
Test(report, diag_failures_and_resets)
{
	struct diag_run d;
	struct tt_conn c;
	char *s;
	static const struct {
		int kind;       /* 0 refused, 1 timeout, 2 unreachable, 3 reset */
		uint16_t port;
		uint8_t reset_by;
	} conns[] = {
		{0, 81, 0}, {0, 82, 0}, {0, 82, 0}, {0, 83, 0}, {0, 84, 0}, {0, 85, 0}, {0, 86, 0},
		{0, 87, 0}, {1, 443, 0}, {2, 22, 0}, {2, 23, 0}, {3, 80, 1}, {3, 80, 2}, {3, 80, 2},
	};

	diag_begin(&d, TT_FMT_TEXT);
	for (size_t i = 0; i < NELEM(conns); i++) {
		make_conn(&c);
		c.id = i + 1;
		c.node.key.port[TT_SERVER] = conns[i].port;
		c.dir[TT_CLIENT].has_fin = c.dir[TT_SERVER].has_fin = false;
		c.fin_first = 0;
		switch (conns[i].kind) {
		case 0:
			c.refused = true;
			break;
		case 1:
			c.syn_seen = true;
			c.hist[TT_CLIENT].n = 1; /* SYN_SENT only */
			break;
		case 2:
			c.unreachable = true;
			break;
		default:
			c.reset_by = conns[i].reset_by;
		}
		tt_report_conn(&d.r, &c);
	}
	cr_assert_eq(d.r.diag.fail_n[TT_DIAG_REFUSED], 8);
	cr_assert_eq(d.r.diag.fail_n[TT_DIAG_TIMEOUT], 1);
	cr_assert_eq(d.r.diag.fail_n[TT_DIAG_UNREACHABLE], 2);
	cr_assert_eq(d.r.diag.resets_by[TT_CLIENT], 1);
	cr_assert_eq(d.r.diag.resets_by[TT_SERVER], 2);
	s = diag_end(&d);
	cr_assert_not_null(strstr(s, "  diagnoses:   handshake failures: refused 8 "
	                             "(198.51.100.7:82 2, 198.51.100.7:81 1, 198.51.100.7:83 1, "
	                             "198.51.100.7:84 1, 198.51.100.7:85 1, others 2), "
	                             "timeout 1 (198.51.100.7:443 1), unreachable 2 "
	                             "(198.51.100.7:22 1, 198.51.100.7:23 1)\n"
	                             "               resets: by client 1, by server 2\n"),
	                   "%s", s);
}

Test(report, diag_failures_json)
{
	struct diag_run d;
	struct tt_conn c;
	char *s;

	diag_begin(&d, TT_FMT_JSON);
	make_conn(&c);
	c.refused = true;
	tt_report_conn(&d.r, &c);
	tt_report_conn(&d.r, &c);
	c.refused = false;
	c.reset_by = 2;
	tt_report_conn(&d.r, &c);
	s = diag_end(&d);
	cr_assert_not_null(strstr(s, "\"handshake_failures\":{\"refused\":{\"count\":2,"
	                             "\"targets\":[{\"server\":\"198.51.100.7:80\",\"count\":2}]},"
	                             "\"timeout\":{\"count\":0,\"targets\":[]},"
	                             "\"unreachable\":{\"count\":0,\"targets\":[]}},"
	                             "\"resets\":{\"by_client\":0,\"by_server\":1}}}\n"),
	                   "%s", s);
}

/* The summary with every diagnosis still parses (python3's json.loads). */
Test(report, diag_json_parses)
{
	struct diag_run d;
	struct tt_conn c;
	char *s;
	FILE *py;
	int status;

	if (system("command -v python3 >/dev/null 2>&1") != 0)
		cr_skip_test("python3 not installed");
	diag_begin(&d, TT_FMT_JSON);
	make_close_wait(&c, 4, T0, 0, TT_TCP_CLOSE_WAIT);
	set_time(&c, TT_RT_END, T0 + SEC(100));
	tt_report_conn(&d.r, &c);
	make_tw_conn(&c, 5, 40005);
	step(&d.r, &c, TT_CLIENT, TT_TCP_TIME_WAIT, T0);
	make_conn(&c);
	c.unreachable = true;
	tt_report_conn(&d.r, &c);
	s = diag_end(&d);
	py = popen("python3 -c 'import json, sys\n"
	           "objs = [json.loads(l) for l in sys.stdin.read().split(\"\\n\")[:-1]]\n"
	           "g = objs[-1][\"diagnoses\"]\n"
	           "assert g[\"close_wait\"][\"connections\"][0][\"seconds\"] == 100\n"
	           "assert g[\"half_closed\"][\"ids\"] == [4]\n"
	           "assert g[\"time_wait\"][\"by_client\"][0][\"client\"] == \"192.0.2.1\"\n"
	           "assert g[\"handshake_failures\"][\"unreachable\"][\"count\"] == 1\n"
	           "' >&2",
	           "w");
	cr_assert_not_null(py);
	fputs(s, py);
	status = pclose(py);
	cr_assert(WIFEXITED(status));
	cr_assert_eq(WEXITSTATUS(status), 0, "python3 rejected the output:\n%s", s);
}

/* n records (ids and ports varied) through a writer, in a batch or not, with
 * the summary; what reached the file, whole (malloc'd). */
static char *run_many(enum tt_report_format fmt, size_t n, bool batch)
{
	struct tt_report r;
	struct tt_conn c;
	struct tt_stats st;
	FILE *f = tmpfile();
	char *s;
	long len;

	cr_assert_not_null(f);
	memset(&st, 0, sizeof(st));
	make_conn(&c);
	tt_report_init(&r, fmt, f);
	if (batch)
		tt_report_batch(&r);
	cr_assert_eq(r.batch != NULL, batch);
	for (size_t i = 0; i < n; i++) {
		c.id = 1 + i * 7919;
		c.node.key.port[TT_CLIENT] = (uint16_t)(1024 + i);
		c.dir[TT_CLIENT].packets_lo = (uint32_t)(i * i);
		tt_report_conn(&r, &c);
	}
	tt_report_finish(&r, &st, &input);
	tt_report_free(&r);
	cr_assert_null(r.batch);
	cr_assert_eq(fflush(f), 0);
	cr_assert_not(ferror(f));
	cr_assert_eq(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	cr_assert_gt(len, 0);
	rewind(f);
	s = malloc((size_t)len + 1);
	cr_assert_not_null(s);
	cr_assert_eq(fread(s, 1, (size_t)len, f), (size_t)len);
	s[len] = '\0';
	fclose(f);
	return s;
}

/* Records built in the batch and written straight to the descriptor come out
 * exactly as records written one by one through stdio: the text report's
 * header first, the summary last, across many flushes of the batch (2,000
 * JSON records are about 4 MB). */
Test(report, batch_same_as_record_by_record)
{
	static const enum tt_report_format fmts[] = {TT_FMT_JSON, TT_FMT_TEXT, TT_FMT_CSV};

	for (size_t k = 0; k < NELEM(fmts); k++) {
		char *one = run_many(fmts[k], 2000, false);
		char *batch = run_many(fmts[k], 2000, true);
		cr_assert_gt(strlen(one), fmts[k] == TT_FMT_CSV ? 100000u : 400000u);
		cr_assert_str_eq(batch, one, "format %d", (int)fmts[k]);
		free(one);
		free(batch);
	}
}

/* A write error of the batch (a full device) is where ferror() finds it,
 * as for records written through stdio. */
Test(report, batch_write_error_surfaces)
{
	struct tt_report r;
	struct tt_conn c;
	FILE *f = fopen("/dev/full", "w");

	if (f == NULL)
		cr_skip_test("no /dev/full");
	make_conn(&c);
	tt_report_init(&r, TT_FMT_JSON, f);
	tt_report_batch(&r);
	cr_assert_not_null(r.batch);
	for (int i = 0; i < 500; i++) /* (about 1 MB: the batch was written, and failed) */
		tt_report_conn(&r, &c);
	tt_report_free(&r); /* the rest of the batch, and no summary to fail after it */
	cr_assert(ferror(f));
	fclose(f);
}

Test(report, format_addr)
{
	static const uint8_t v4[16] = {192, 0, 2, 1};
	static const uint8_t v6[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	char buf[64];

	cr_assert_eq(tt_format_addr(buf, sizeof(buf), 4, v4), 9);
	cr_assert_str_eq(buf, "192.0.2.1");
	cr_assert_eq(tt_format_addr(buf, sizeof(buf), 6, v6), 7);
	cr_assert_str_eq(buf, "fd00::1");
}

/* The writers' IPv6 formatting by hand against tt_format_addr() and tt_format_endpoint():
 * every pattern of zero groups, group values of every width, IPv4-mapped addresses. */
Test(report, outbuf_ipv6_same_as_format_addr)
{
	static const uint16_t widths[] = {1, 0xf, 0x10, 0xab, 0x100, 0xfff, 0x1000, 0xffff};
	struct tt_outbuf o;
	char obuf[TT_OB_SIZE];
	uint32_t x = 12345;
	int n = 0;

	tt_ob_init(&o, NULL, obuf, sizeof(obuf));
	for (unsigned pattern = 0; pattern < 256; pattern++) {
		for (unsigned trial = 0; trial < 12; trial++) {
			uint8_t a[16] = {0};
			char want[64], got[80];

			for (int i = 0; i < 8; i++) {
				x = x * 1103515245u + 12345u;
				uint16_t v = trial < 8 ? widths[(trial + (unsigned)i) % 8] : (uint16_t)(x >> 16);
				if (!(pattern >> i & 1))
					continue;
				if (v == 0)
					v = 1;
				a[2 * i] = (uint8_t)(v >> 8);
				a[2 * i + 1] = (uint8_t)v;
			}
			if (trial == 11 && (pattern & 0x3f) == 0x20) { /* ::ffff:a.b.c.d */
				a[10] = a[11] = 0xff;
				a[12] = (uint8_t)x;
				a[13] = (uint8_t)(x >> 8);
				a[14] = 0;
				a[15] = 255;
			}
			o.n = 0;
			tt_ob_ipv6(&o, a);
			tt_format_addr(want, sizeof(want), 6, a);
			cr_assert_eq(o.n, strlen(want), "%s: %zu bytes", want, o.n);
			cr_assert(memcmp(o.b, want, o.n) == 0, "%.*s, expected %s", (int)o.n, o.b, want);
			o.n = 0;
			tt_ob_endpoint(&o, 6, a, (uint16_t)(pattern * 251 + trial));
			tt_format_endpoint(want, sizeof(want), 6, a, (uint16_t)(pattern * 251 + trial));
			memcpy(got, o.b, o.n);
			got[o.n] = '\0';
			cr_assert_str_eq(got, want);
			uint8_t v4[16] = {a[12], a[13], a[14], a[15]};
			o.n = 0;
			tt_ob_endpoint(&o, 4, v4, (uint16_t)x);
			tt_format_endpoint(want, sizeof(want), 4, v4, (uint16_t)x);
			memcpy(got, o.b, o.n);
			got[o.n] = '\0';
			cr_assert_str_eq(got, want);
			n++;
		}
	}
	cr_assert_eq(n, 256 * 12);
}

/* Every counter of both directions at its largest: the direction objects, written without a
 * room check per field, are whole (the debug build also asserts their size bound). */
Test(report, json_dir_largest_values)
{
	struct tt_conn c;
	struct tt_stats st;
	char *s;

	make_conn(&c);
	for (int e = 0; e < 2; e++) {
		struct tt_dir *d = &c.dir[e];
		d->packets_lo = d->payload_lo = d->flight_max_lo = d->acked_lo = UINT32_MAX;
		d->seq_next_lo = d->ack_max_lo = UINT32_MAX; /* (and their carries, below) */
		d->unique_lo = 0;
		d->syn_lo = d->fin_lo = d->rst_lo = UINT16_MAX;
		d->isn = UINT32_MAX;
		d->wide_ctr = true; /* and every carry at its largest: */
		for (int w = 0; w < TT_CTR_N; w++)
			ext_of(d)->hi[w] = w == TT_CTR_UNIQUE ? 0 : UINT32_MAX;
		d->win_min = d->win_max = d->win_last = UINT32_MAX;
		ext_of(d)->c.icmp_errors = UINT32_MAX;
		d->has_isn = d->has_mss = d->has_wscale = d->has_win = d->has_ack = true;
		d->scale_known = true;
		d->mss = d->win_last_raw = UINT16_MAX;
		d->wscale = d->shift = UINT8_MAX;
		for (int i = 0; i < TT_AN_COUNT; i++)
			ext_of(d)->c.counts[i] = UINT32_MAX;
		ext_of(d)->zw_total = ext_of(d)->zw_max = INT64_MAX;
		d->rtt_samples = UINT32_MAX;
		d->rtt_sum = INT64_MAX;
		set_time(&c, TT_RT_RTT_MIN + e, INT64_MAX);
		set_time(&c, TT_RT_RTT_MAX + e, INT64_MAX);
		set_time(&c, TT_RT_PATH_RTT + e, INT64_MAX / 2);
	}
	c.has_rtt_client = c.has_rtt_server = true;
	memset(&st, 0, sizeof(st));
	s = run(TT_FMT_JSON, &c, 1, &st, &input);
	cr_assert_not_null(strstr(s, "\"c2s\":{\"packets\":18446744073709551615,"
	                             "\"payload_bytes\":18446744073709551615,\"unique_bytes\":0,"
	                             "\"retransmitted_bytes\":18446744073709551615,"
	                             "\"syn\":281474976710655,"),
	                   "%s", s);
	cr_assert_not_null(strstr(s, "\"retransmissions\":4294967295,"), "%s", s);
	cr_assert_not_null(strstr(s, "\"zero_window_ms\":9223372036854.775,"
	                             "\"zero_window_max_ms\":9223372036854.775,"
	                             "\"bytes_in_flight_max\":18446744073709551615,"),
	                   "%s", s);
	cr_assert_not_null(strstr(s, "\"icmp_errors\":4294967295},\"s2c\":{\"packets\":"), "%s", s);
	cr_assert_not_null(strstr(s, "\"icmp_errors\":4294967295},\"rtt\":{\"handshake_ms\":"
	                             "9223372036854.775,\"client_side_ms\":4611686018427.387,"),
	                   "%s", s);
	cr_assert_not_null(strstr(s, "\"s2c\":{\"samples\":4294967295,\"min_ms\":9223372036854.775,"
	                             "\"avg_ms\":2147.483,\"max_ms\":9223372036854.775}},"),
	                   "%s", s);
}

/* A direction that re-sent nothing has its unique bytes written as a copy of
 * its payload's digits: 20 of them, and 1, with what follows intact. */
Test(report, json_dir_unique_bytes_equal_to_payload)
{
	static const struct {
		uint32_t lo, hi;
		const char *want;
	} cases[] = {
		{UINT32_MAX, UINT32_MAX,
		 "\"payload_bytes\":18446744073709551615,\"unique_bytes\":18446744073709551615,"
		 "\"retransmitted_bytes\":0,\"syn\":"},
		{7, 0, "\"payload_bytes\":7,\"unique_bytes\":7,\"retransmitted_bytes\":0,\"syn\":"},
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct tt_conn c;
		const char *s;

		make_conn(&c);
		for (struct tt_dir *d = c.dir; d < c.dir + 2; d++) {
			d->payload_lo = d->unique_lo = cases[k].lo;
			if (cases[k].hi != 0) {
				d->wide_ctr = true;
				ext_of(d)->hi[TT_CTR_PAYLOAD] = ext_of(d)->hi[TT_CTR_UNIQUE] = cases[k].hi;
			}
		}
		s = run(TT_FMT_JSON, &c, 1, &(struct tt_stats){0}, &input);
		cr_assert_not_null(strstr(s, cases[k].want), "%s", s);
	}
}

/* Digit counts and digits at and around every power of ten, and at the ends. */
Test(report, outbuf_digits_at_every_power_of_ten)
{
	uint64_t p = 1;

	for (int e = 0; e <= 19; e++, p *= 10) {
		const uint64_t around[3] = {p - 1, p, p + 1};
		for (int k = 0; k < 3; k++) {
			uint64_t v = around[k];
			char want[24], got[24];
			int n = snprintf(want, sizeof(want), "%" PRIu64, v);
			cr_assert_eq(tt_ob_ndigits(v), (unsigned)n, "ndigits(%s)", want);
			*tt_p_u64(got, v) = '\0';
			cr_assert_str_eq(got, want);
		}
	}
	cr_assert_eq(tt_ob_ndigits(0), 1);
	cr_assert_eq(tt_ob_ndigits(UINT64_MAX), 20);
	for (uint64_t v = 0; v < 100000; v += 7) {
		char want[24], got[24];
		snprintf(want, sizeof(want), "%" PRIu64, v);
		*tt_p_u64(got, v) = '\0';
		cr_assert_str_eq(got, want);
	}
}

/* What a writer holds is `want`. */
static void assert_written(const struct tt_outbuf *o, const char *want)
{
	cr_assert(o->n == strlen(want) && memcmp(o->b, want, o->n) == 0, "%.*s, expected %s",
	          (int)o->n, o->b, want);
}

/* The writers' times, durations and 32-bit integers against tt_format_time(),
 * tt_format_ms() and printf: times that stay within the seconds last written, go
 * back to the seconds before them (the two cached) or to others, cross zero and the
 * ends, some written as far times (tt_p_time_far(): looked for in a third cache of
 * their own); durations around 2^32 ns (the 32-bit way's end) and at random; every
 * width of integer.  One writer throughout, as a report uses it. */
Test(report, outbuf_times_durations_and_integers_same_as_format)
{
	static const tt_time_ns fixed[] = {0, 1, 999, 1000, 999999999, 1000000000, -1, -1000,
	                                   -999999999, -1000000000, -1000000001, INT64_MAX,
	                                   INT64_MIN + 1, INT64_C(4294967295999999999),
	                                   INT64_C(4294967296000000000)};
	static const tt_time_ns durations[] = {0, 1, 999, 1000, 999999, 1000000, 4294967295,
	                                       4294967296, 4294967297, 4294000000, 4294999999,
	                                       INT64_MAX, -1, INT64_MIN};
	struct tt_outbuf o;
	char obuf[TT_OB_SIZE], want[48];
	uint64_t rng = 99;
	tt_time_ns secs[3] = {INT64_C(1700000000), INT64_C(1700000060), INT64_C(1700000001)};

	tt_ob_init(&o, NULL, obuf, sizeof(obuf));
	for (int k = 0; k < 400000; k++) {
		tt_time_ns t;
		rng = rng * UINT64_C(6364136223846793005) + 1442695040888963407u;
		if (k < (int)NELEM(fixed))
			t = fixed[k];
		else if (k % 1000 == 0) /* new seconds now and then: the cache moves on */
			t = secs[(rng >> 20) % 3] = (tt_time_ns)((rng >> 33) % 4000000000u);
		else /* mostly in one of three seconds, whole microseconds or not */
			t = secs[(rng >> 20) % 3] * TT_NS_PER_SEC +
			    (tt_time_ns)((rng >> 34) % 1000000000u / ((rng >> 10 & 1) ? 1000 : 1) *
			                 ((rng >> 10 & 1) ? 1000 : 1));
		if (k % 7 == 3)
			t = -t;
		o.n = 0;
		if (k % 5 == 1) { /* now and then as a time far from the others (a deadline) */
			char *p = tt_ob_room(&o, TT_P_TIME_MAX);
			o.n += (size_t)(tt_p_time_far(&o, p, t) - p);
		} else {
			tt_ob_time(&o, t);
		}
		tt_format_time(want, sizeof(want), t);
		assert_written(&o, want);
	}
	for (int k = 0; k < 400000; k++) {
		tt_time_ns d;
		rng = rng * UINT64_C(6364136223846793005) + 1442695040888963407u;
		d = k < (int)NELEM(durations) ? durations[k]
		    : k % 2 ? (tt_time_ns)(rng >> 31) /* 0 to 2^33: both ways */
		            : (tt_time_ns)(rng >> 1) >> (rng % 63);
		o.n = 0;
		tt_ob_ms(&o, d);
		tt_format_ms(want, sizeof(want), d);
		assert_written(&o, want);
	}
	for (int k = 0; k < 1000000; k++) {
		char got[24];
		uint32_t v;
		rng = rng * UINT64_C(6364136223846793005) + 1442695040888963407u;
		v = (uint32_t)(rng >> 32) >> (rng % 32); /* every width */
		snprintf(want, sizeof(want), "%" PRIu32, v);
		*tt_p_u32(got, v) = '\0';
		cr_assert_str_eq(got, want);
	}
}

/* tt_p_ms() below 100 ms (its one-product way) against tt_format_ms(): every count of
 * microseconds, with a varying part below them, and the edges around 100 ms. */
Test(report, outbuf_ms_below_100_same_as_format)
{
	static const tt_time_ns edges[] = {0, 999, 1000, 9999999, 10000000, 99999999, 100000000,
	                                   100000999};

	for (int k = 0; k < 100000 + (int)NELEM(edges); k++) {
		char want[40], got[40];
		tt_time_ns d = k < 100000 ? (tt_time_ns)k * 1000 + (k * 7919) % 1000
		                          : edges[k - 100000];
		tt_format_ms(want, sizeof(want), d);
		*tt_p_ms(got, d) = '\0';
		cr_assert_str_eq(got, want, "%" PRId64, (int64_t)d);
	}
}

/* tt_p_u32_big() (9 and 10 digits asked for first) against printf: the edges of its first
 * test and of every width below it, and random values of every width. */
Test(report, outbuf_u32_big_same_as_printf)
{
	static const uint32_t edges[] = {0, 9, 10, 99, 100, 9999, 10000, 999999, 1000000,
	                                 99999999, 100000000, 100000001, 999999999, 1000000000,
	                                 4294967294u, UINT32_MAX};
	uint64_t rng = 4242;

	for (int k = 0; k < 1000000; k++) {
		char want[24], got[24];
		uint32_t v;
		rng = rng * UINT64_C(6364136223846793005) + 1442695040888963407u;
		v = k < (int)NELEM(edges) ? edges[k] : (uint32_t)(rng >> 32) >> (rng % 32);
		snprintf(want, sizeof(want), "%" PRIu32, v);
		*tt_p_u32_big(got, v) = '\0';
		cr_assert_str_eq(got, want);
	}
}

/* tt_p_u32()'s groups of three digits (tt_ob_trip) against printf: every value below
 * 2 * 10^6 (the leading group of each length, padded groups of every value), and the
 * edges of the wider lengths. */
Test(report, outbuf_u32_groups_same_as_printf)
{
	static const uint32_t edges[] = {9999999, 10000000, 99999999, 100000000, 100000999,
	                                 999999999, 1000000000, 1000000999, 1999999999,
	                                 4294967295u};

	for (uint32_t k = 0; k < 2000000 + NELEM(edges); k++) {
		char want[24], got[24];
		uint32_t v = k < 2000000 ? k : edges[k - 2000000];
		snprintf(want, sizeof(want), "%" PRIu32, v);
		*tt_p_u32(got, v) = '\0';
		cr_assert_str_eq(got, want);
	}
}

/* Fixed-width digits (the fractions of times and durations) against printf. */
Test(report, outbuf_fixed_digits_same_as_printf)
{
	static const int widths[] = {1, 2, 3, 4, 6, 9, 12};
	uint64_t rng = 12345;

	for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++) {
		int d = widths[w];
		uint64_t lim = 1;
		for (int i = 0; i < d; i++)
			lim *= 10;
		for (int k = 0; k < 20000; k++) {
			char want[32], got[32];
			uint64_t v;
			rng = rng * UINT64_C(6364136223846793005) + 1442695040888963407u;
			v = k < 3 ? (k == 0 ? 0 : k == 1 ? lim - 1 : lim / 10) : (rng >> 11) % lim;
			snprintf(want, sizeof(want), "%0*" PRIu64, d, v);
			*tt_p_fixed(got, v, d) = '\0';
			cr_assert_str_eq(got, want, "width %d", d);
		}
	}
}

/* Ties across growth: 40 targets refused once each, seen in descending port order, grow the
 * table twice (32 -> 64 -> 128 slots); every key keeps its order of first appearance and the
 * top five are the five seen first, whatever their slots. */
Test(report, diag_failures_ties_after_growth)
{
	const struct tt_diag_entry *top[TT_DIAG_TOP];
	const struct tt_diag_table *t;
	struct diag_run d;
	struct tt_conn c;
	char *s;

	diag_begin(&d, TT_FMT_TEXT);
	for (uint16_t i = 0; i < 40; i++) {
		make_conn(&c);
		c.id = i + 1u;
		c.node.key.port[TT_SERVER] = (uint16_t)(1039 - i);
		c.dir[TT_CLIENT].has_fin = c.dir[TT_SERVER].has_fin = false;
		c.fin_first = 0;
		c.refused = true;
		tt_report_conn(&d.r, &c);
	}
	t = &d.r.diag.fail[TT_DIAG_REFUSED];
	cr_assert_eq(t->n, 40);
	cr_assert_eq(t->cap, 128);
	cr_assert_not(t->pooled);
	for (uint16_t i = 0; i < 40; i++) {
		struct tt_diag_key k = {.ip_version = 4, .port = (uint16_t)(1039 - i),
		                        .addr = {198, 51, 100, 7}};
		const struct tt_diag_entry *e = tt_diag_find(t, &k);
		cr_assert_not_null(e, "port %u", k.port);
		cr_assert_eq(e->seq, i, "port %u: seq %u", k.port, e->seq);
		cr_assert_eq(e->n, 1);
	}
	cr_assert_eq(tt_diag_top(t, false, top), TT_DIAG_TOP);
	for (size_t i = 0; i < TT_DIAG_TOP; i++)
		cr_assert_eq(top[i]->key.port, 1039 - i, "%zu: %u", i, top[i]->key.port);
	s = diag_end(&d);
	cr_assert_not_null(strstr(s, "handshake failures: refused 40 (198.51.100.7:1039 1, "
	                             "198.51.100.7:1038 1, 198.51.100.7:1037 1, "
	                             "198.51.100.7:1036 1, 198.51.100.7:1035 1, others 35)\n"),
	                   "%s", s);
}

/* TIME_WAIT ties on both peak and peak_at (one timestamp): first appearance decides, also
 * for keys added after the table grew; a kept key leaves from its own entry after growth. */
Test(report, diag_time_wait_ties_after_growth)
{
	static const uint16_t want[TT_DIAG_TOP] = {30, 2000, 1999, 1998, 1997};
	const struct tt_diag_entry *top[TT_DIAG_TOP];
	const struct tt_diag_table *t;
	struct diag_run d;
	struct tt_conn c;

	diag_begin(&d, TT_FMT_TEXT);
	/* 40 servers on ports 2000 down to 1961, each entering TIME_WAIT once, all at T0. */
	for (uint16_t i = 0; i < 40; i++) {
		make_tw_conn(&c, i + 1u, 40000);
		c.node.key.port[TT_SERVER] = (uint16_t)(2000 - i);
		step(&d.r, &c, TT_CLIENT, TT_TCP_TIME_WAIT, T0);
	}
	t = &d.r.diag.tw_server;
	cr_assert_eq(t->n, 40);
	cr_assert_eq(t->cap, 128);
	/* Port 30, seen last (seq 40), is the only one to reach a peak of 2. */
	make_tw_conn(&c, 41, 40001);
	c.node.key.port[TT_SERVER] = 30;
	step(&d.r, &c, TT_CLIENT, TT_TCP_TIME_WAIT, T0 + 1);
	make_tw_conn(&c, 42, 40002);
	c.node.key.port[TT_SERVER] = 30;
	step(&d.r, &c, TT_CLIENT, TT_TCP_TIME_WAIT, T0 + 2);
	/* Leaving, after the growths, from port 1999's own entry. */
	make_tw_conn(&c, 2, 40000);
	c.node.key.port[TT_SERVER] = 1999;
	c.state[TT_CLIENT] = TT_TCP_TIME_WAIT;
	step(&d.r, &c, TT_CLIENT, TT_TCP_CLOSED, T0 + SEC(60));
	{
		struct tt_diag_key k = {.ip_version = 4, .port = 1999, .addr = {198, 51, 100, 7}};
		const struct tt_diag_entry *e = tt_diag_find(t, &k);
		cr_assert_not_null(e);
		cr_assert_eq(e->seq, 1);
		cr_assert_eq(e->cur, 0);
		cr_assert_eq(e->peak, 1);
		cr_assert_eq(t->other.cur, 0);
		k.port = 30;
		cr_assert_eq(tt_diag_find(t, &k)->seq, 40);
	}
	cr_assert_eq(tt_diag_top(t, true, top), TT_DIAG_TOP);
	for (size_t i = 0; i < TT_DIAG_TOP; i++)
		cr_assert_eq(top[i]->key.port, want[i], "%zu: %u", i, top[i]->key.port);
	diag_end(&d);
}

/* The JSON writer copies the fields named by a value from tables built once
 * (report_json.c, p_field()); for every value of the byte each is stored in,
 * the text is what the name function gives, as the text writer prints it. */
static void field_is(const struct tt_conn *c, const char *key, const char *name)
{
	char want[96];
	char *s;

	if (name != NULL)
		snprintf(want, sizeof(want), ",\"%s\":\"%s\",", key, name);
	else
		snprintf(want, sizeof(want), ",\"%s\":null,", key);
	s = run(TT_FMT_JSON, c, 1, &(struct tt_stats){0}, &input);
	cr_assert_not_null(strstr(s, want), "want %s in %s", want, s);
}

Test(report, json_named_fields_for_every_value)
{
	for (unsigned v = 0; v < 256; v++) {
		struct tt_conn c;

		make_conn(&c);
		c.handshake = (uint8_t)v;
		c.end_reason = (uint8_t)v;
		c.client_reason = (uint8_t)v;
		c.reset_by = (uint8_t)v;
		c.fin_first = (uint8_t)v;
		field_is(&c, "handshake", tt_handshake_name((enum tt_handshake)v));
		field_is(&c, "end_reason", tt_end_reason_name((enum tt_end_reason)v));
		field_is(&c, "client_chosen_by", tt_client_reason_name((enum tt_client_reason)v));
		field_is(&c, "reset_by", tt_conn_reset_by(&c));
		field_is(&c, "closed_by", tt_conn_closed_by(&c));
	}
}
