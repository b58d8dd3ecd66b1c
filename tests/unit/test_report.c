/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_report.c - the report writers (src/report*.c): time and endpoint
 * formatting (RFC 5952), and the text, JSON Lines and CSV writers run on a
 * hand-built connection record into a tmpfile().  When python3 is installed,
 * every JSON line is also parsed by json.loads.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "tcptrack/report.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define T0 INT64_C(1700000000123456000)        /* 2023-11-14 22:13:20.123456 UTC */
#define T_LAST INT64_C(1700000001500000000)
#define T_END INT64_C(1700000061500000000)

/* ---- helpers ------------------------------------------------------------------------------- */

/*
 * Read a whole stream from the start into a static NUL-terminated buffer
 * (static, so a failing assertion leaks nothing; each test is its own process).
 */
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

static void hist_add(struct tt_history *h, enum tt_tcp_state s, tt_time_ns ts)
{
	h->state[h->n] = (uint8_t)s;
	h->ts[h->n] = ts;
	h->n++;
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
	memcpy(c->addr[TT_CLIENT], cl, 4);
	memcpy(c->addr[TT_SERVER], sv, 4);
	c->port[TT_CLIENT] = 40000;
	c->port[TT_SERVER] = 80;
	c->handshake = TT_HS_COMPLETE;
	c->state[TT_CLIENT] = TT_TCP_CLOSED;
	c->state[TT_SERVER] = TT_TCP_CLOSED;
	c->fin_first = 1;
	c->end_reason = TT_END_CLOSED;
	c->first = T0;
	c->last = T_LAST;
	c->end = T_END;
	hist_add(&c->hist[TT_CLIENT], TT_TCP_SYN_SENT, T0);
	hist_add(&c->hist[TT_CLIENT], TT_TCP_ESTABLISHED, T0 + 1000);
	hist_add(&c->hist[TT_CLIENT], TT_TCP_CLOSED, T_END + 1);

	d = &c->dir[TT_CLIENT];
	d->packets = 5;
	d->payload_bytes = 100;
	d->unique_bytes = 90;
	d->syn = 1;
	d->fin = 1;
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
	d->counts[TT_AN_ZERO_WINDOW] = 2;
	d->counts[TT_AN_RETRANSMISSION] = 1;
	d->counts[TT_AN_KEEP_ALIVE] = 3;

	d = &c->dir[TT_SERVER];
	d->packets = 4;
	d->fin = 1;
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
	"client_history", "server_history", "c2s", "s2c", "end", "end_reason", "client_chosen_by",
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
	cr_assert_not_null(strstr(s, "\"end\":1700000061.500000,\"strays\":0,"
	                             "\"end_reason\":\"closed\","
	                             "\"client_chosen_by\":\"syn\",\"history_truncated\":false"),
	                   "%s", s);
	cr_assert_not_null(strstr(s, ",\"icmp\":null}"), "%s", s);
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
	memcpy(c.addr[TT_CLIENT], a6, 16);
	memcpy(c.addr[TT_SERVER], b6, 16);
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
	c[1].dir[0].icmp_errors = 1;
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
	                        "client_state,server_state,client_chosen_by,history_truncated,"
	                        "icmp_type,icmp_code,rtt_handshake_ms,rtt_client_side_ms,"
	                        "rtt_server_side_ms,client_history,server_history,"
	                        "c2s_packets,c2s_payload_bytes,c2s_unique_bytes,"
	                        "c2s_retransmitted_bytes,");
	assert_prefix(lines[1], "7,1,4,192.0.2.1:40000,198.51.100.7:80,1700000000.123456,"
	                        "1700000001.500000,1700000061.500000,closed,0,complete,closed,"
	                        "client,,0,CLOSED,CLOSED,syn,0,,,,,,SYN_SENT@1700000000.123456 "
	                        "ESTABLISHED@1700000000.123457 CLOSED@1700000061.500000001,,"
	                        "5,100,90,10,1,1,0,1000,1460,7,1,0,100,65535,502,");

	size_t ncols = count_char(lines[0], lines[0] + strlen(lines[0]), ',') + 1;
	cr_assert_eq(ncols, 26 + 2 * 42);
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
	cr_assert_eq(count_char(s, s + strlen(s), ','), 26 + 2 * 42 - 1);
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
	c.last = c.first - INT64_C(500000000);
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
