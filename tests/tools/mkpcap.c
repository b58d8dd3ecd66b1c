/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mkpcap - compile a readable scenario (testdata/scenarios/FORMAT.md) into a pcap or pcapng file.
 *
 *   mkpcap IN.txt OUT      OUT may be "-" for standard output
 *
 * The output is written to OUT.tmp (or a temporary file for "-") and renamed (copied) only when
 * the whole scenario compiled. On any error mkpcap prints one line
 * "mkpcap: IN.txt:LINE: reason" to stderr, leaves no output file and exits 2.
 *
 * Hostile files (FORMAT.md, "Hostile files and floods"): `record caplen N len M` sets the next
 * record header as given, `cut N` / `cut -N` truncates the finished file, `synflood N
 * [every DT]` writes N SYNs from distinct 4-tuples.
 */
#include "pktbuild.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_TOKENS 256
#define DEFAULT_START_SEC 1700000000u
#define DEFAULT_SNAPLEN 262144u
#define MAX_SNAPLEN 262144u
#define DEFAULT_GAP_NS 1000000u /* a frame without a time prefix comes 1 ms after the previous */
#define DEFAULT_WIN 64240
#define DEFAULT_TTL 64
#define DEFAULT_MTU 1280
#define NS_PER_SEC 1000000000u

#if defined(__GNUC__)
#define MK_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define MK_PRINTF(fmt, args)
#endif

enum dir {
	DIR_CS = 0, /* client to server */
	DIR_SC = 1, /* server to client */
};

/* An address:port named by `client` or `server`. */
struct endpoint {
	struct pb_addr addr;
	uint16_t port;
	bool is_set;
};

/* What one side of a client/server pair has sent so far. */
struct side {
	bool has_next;
	uint32_t next;          /* highest seq + len + SYN + FIN sent */
	bool has_last;
	uint32_t last_seq;      /* seq of the last segment sent (default of a quoted segment) */
	uint16_t ipid_next;     /* IPv4 identification of the next packet */
	bool has_ipid;
	uint16_t last_ipid;     /* identification of the last TCP segment (for `fragment`) */
};

/* One client/server pair: sequence and IP ID tracking survives redefinitions. */
struct pair {
	struct endpoint c;
	struct endpoint s;
	struct side side[2];    /* indexed by enum dir: the sender */
};

/* One parsed segment description. */
struct seg {
	enum dir dir;
	uint16_t flags;
	bool has_seq;
	uint32_t seq;
	size_t len;
	bool has_ack;
	uint32_t ack;
	uint16_t win;
	uint16_t urg;
	uint8_t ttl;
	bool has_ipid;
	uint16_t ipid;
	struct pb_tcp tcp;      /* only the options are used */
	bool mf;
	uint8_t ipopt[PB_IP_OPT_MAX];
	size_t ipopt_len;
	uint8_t ext[PB_MAX_EXT];
	size_t n_ext;
};

struct mk {
	const char *in_name;
	unsigned long line;
	char err[512];
	/* file header: fixed by the first frame */
	enum pb_file_format format;
	bool is_nsec;
	uint32_t linktype;
	uint32_t snaplen;
	bool is_started;
	/* hostile files: the next frame's record header, and where the file is cut */
	bool has_rec_caplen, has_rec_len;
	uint32_t rec_caplen, rec_len;
	bool has_cut;
	bool cut_from_end;      /* cut_bytes are dropped from the end, else kept from the start */
	uint64_t cut_bytes;
	/* frame settings */
	uint16_t vlan[PB_MAX_VLAN];
	size_t n_vlan;
	size_t eth_min_len;
	uint64_t clock_ns;
	bool is_clock_exact;    /* the next frame without a prefix is at clock_ns itself */
	struct endpoint client;
	struct endpoint server;
	struct pair *pairs;
	size_t n_pairs;
	uint16_t icmp_ipid;
	struct pb_writer w;
	FILE *out;
	uint8_t ip[PB_FRAME_MAX];
	uint8_t frame[PB_FRAME_MAX];
	uint8_t payload[PB_FRAME_MAX];
	uint8_t quote[PB_FRAME_MAX];
};

static int fail(struct mk *m, const char *fmt, ...) MK_PRINTF(2, 3);

static int fail(struct mk *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->err, sizeof(m->err), fmt, ap);
	va_end(ap);
	return -1;
}

static bool seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

/* ---- numbers, times, addresses, hex ---- */

/* Decimal, or hexadecimal with 0x; the whole string; at most max. */
static int parse_num(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	int base = 10;
	const char *p = s;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (*p == '\0')
		return -1;
	for (; *p != '\0'; p++) {
		unsigned d;

		if (isdigit((unsigned char)*p))
			d = (unsigned)(*p - '0');
		else if (base == 16 && isxdigit((unsigned char)*p))
			d = (unsigned)(tolower((unsigned char)*p) - 'a' + 10);
		else
			return -1;
		if (v > (max - d) / (uint64_t)base)
			return -1;
		v = v * (uint64_t)base + d;
	}
	*out = v;
	return 0;
}

static int num_arg(struct mk *m, const char *what, const char *s, uint64_t max, uint64_t *out)
{
	if (s == NULL)
		return fail(m, "%s needs a number", what);
	if (parse_num(s, max, out) < 0)
		return fail(m, "bad number '%s' for %s (0..%llu)", s, what,
			    (unsigned long long)max);
	return 0;
}

/* "SEC[.FRACTION]" with at most 9 decimals, SEC below 2^32, into nanoseconds. */
static int parse_time(const char *s, uint64_t *ns)
{
	uint64_t sec = 0;
	uint64_t frac = 0;
	unsigned n_dec = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		sec = sec * 10 + (uint64_t)(*p - '0');
		if (sec > UINT64_MAX / NS_PER_SEC - 1) /* pcapng's 64-bit ns; pcap checks 32 bits */
			return -1;
	}
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++) {
			if (++n_dec > 9)
				return -1;
			frac = frac * 10 + (uint64_t)(*p - '0');
		}
	}
	if (*p != '\0')
		return -1;
	for (; n_dec < 9; n_dec++)
		frac *= 10;
	*ns = sec * NS_PER_SEC + frac;
	return 0;
}

/* An address without port, optionally in brackets. */
static int parse_addr(const char *s, struct pb_addr *out)
{
	char buf[64];
	size_t n = strlen(s);

	if (n >= sizeof(buf))
		return -1;
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		memcpy(buf, s + 1, n - 2);
		buf[n - 2] = '\0';
		if (pb_addr_parse(out, buf) < 0 || out->family != 6)
			return -1;
		return 0;
	}
	return pb_addr_parse(out, s);
}

/* "10.0.0.1:80" or "[fd00::1]:80" */
static int parse_endpoint(const char *s, struct endpoint *ep)
{
	char buf[64];
	const char *colon;
	size_t n;
	uint64_t port;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':')
			return -1;
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return -1;
	}
	n = (size_t)(colon - s);
	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (parse_addr(buf, &ep->addr) < 0)
		return -1;
	if (ep->addr.family == 6 && s[0] != '[')
		return -1;
	if (parse_num(colon + 1, 0xffff, &port) < 0)
		return -1;
	ep->port = (uint16_t)port;
	ep->is_set = true;
	return 0;
}

/* Hex digits from tokens tok[0..n) (each may also contain ':' or '.' separators). */
static int parse_hex(struct mk *m, char **tok, size_t n, uint8_t *out, size_t cap, size_t *len)
{
	size_t k = 0;
	int hi = -1;

	for (size_t i = 0; i < n; i++) {
		for (const char *p = tok[i]; *p != '\0'; p++) {
			int v;

			if (*p == ':' || *p == '.')
				continue;
			if (!isxdigit((unsigned char)*p))
				return fail(m, "bad hex byte string '%s'", tok[i]);
			if (isdigit((unsigned char)*p))
				v = *p - '0';
			else
				v = tolower((unsigned char)*p) - 'a' + 10;
			if (hi < 0) {
				hi = v;
				continue;
			}
			if (k >= cap)
				return fail(m, "too many hex bytes (at most %zu)", cap);
			out[k++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0)
		return fail(m, "odd number of hex digits");
	*len = k;
	return 0;
}

/* ---- tokens ---- */

/* Split line in place; "<...>" is one token even with spaces inside; '#' starts a comment. */
static int tokenize(struct mk *m, char *line, char **tok, size_t *n_tok)
{
	char *p = line;
	size_t n = 0;
	char *hash = strchr(line, '#');

	if (hash != NULL)
		*hash = '\0';
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		if (n == MAX_TOKENS)
			return fail(m, "too many words on one line");
		tok[n++] = p;
		if (*p == '<') {
			char *gt = strchr(p, '>');

			if (gt == NULL)
				return fail(m, "option list '<' without '>'");
			p = gt + 1;
			if (*p != '\0' && !isspace((unsigned char)*p))
				return fail(m, "text right after '>'");
		} else {
			while (*p != '\0' && !isspace((unsigned char)*p))
				p++;
		}
		if (*p != '\0')
			*p++ = '\0';
	}
	*n_tok = n;
	return 0;
}

/* ---- pairs and endpoints ---- */

static bool ep_eq(const struct endpoint *a, const struct endpoint *b)
{
	return a->port == b->port && a->addr.family == b->addr.family &&
	       memcmp(a->addr.a, b->addr.a, sizeof(a->addr.a)) == 0;
}

static struct pair *current_pair(struct mk *m)
{
	struct pair *p;
	size_t k;

	if (!m->client.is_set || !m->server.is_set) {
		fail(m, "segment before client/server is set");
		return NULL;
	}
	if (m->client.addr.family != m->server.addr.family) {
		fail(m, "client and server are of different address families");
		return NULL;
	}
	for (k = 0; k < m->n_pairs; k++) {
		if (ep_eq(&m->pairs[k].c, &m->client) && ep_eq(&m->pairs[k].s, &m->server))
			return &m->pairs[k];
	}
	p = realloc(m->pairs, (m->n_pairs + 1) * sizeof(*p));
	if (p == NULL) {
		fail(m, "out of memory");
		return NULL;
	}
	m->pairs = p;
	p = &m->pairs[m->n_pairs++];
	memset(p, 0, sizeof(*p));
	p->c = m->client;
	p->s = m->server;
	/* deterministic, distinct IP ID starting points per direction */
	p->side[DIR_CS].ipid_next = (uint16_t)(0x3a00u + 0x1111u * (uint32_t)(2 * k));
	p->side[DIR_SC].ipid_next = (uint16_t)(0x3a00u + 0x1111u * (uint32_t)(2 * k + 1));
	return p;
}

static void mac_of(const struct pb_addr *a, uint8_t mac[6])
{
	const uint8_t *tail = a->family == 6 ? a->a + 12 : a->a;

	mac[0] = 0x02;
	mac[1] = 0x00;
	memcpy(mac + 2, tail, 4);
}

/* ---- output ---- */

static int frame_time(struct mk *m, const char *prefix, uint64_t *ts)
{
	uint64_t t;

	if (prefix == NULL) {
		t = m->is_clock_exact ? m->clock_ns : m->clock_ns + DEFAULT_GAP_NS;
	} else {
		uint64_t v;

		if (parse_time(prefix + 1, &v) < 0)
			return fail(m, "bad time '%s'", prefix);
		t = prefix[0] == '+' ? m->clock_ns + v : v;
	}
	if (t / NS_PER_SEC > 0xffffffffu && m->w.format == PB_PCAP)
		return fail(m, "time beyond the year 2106: pcap cannot hold it, use 'format pcapng'");
	if (!m->is_nsec && t % 1000 != 0)
		return fail(m, "time has sub-microsecond digits: use 'precision ns'");
	m->clock_ns = t;
	m->is_clock_exact = false;
	*ts = t;
	return 0;
}

static int emit_frame(struct mk *m, uint64_t ts, const uint8_t *frame, size_t len)
{
	if (!m->is_started) {
		if (pb_writer_begin(&m->w, m->out, m->format, m->is_nsec, m->linktype,
				    m->snaplen) < 0)
			return fail(m, "write error: %s", strerror(errno));
		m->is_started = true;
	}
	if (m->has_rec_caplen || m->has_rec_len) {
		uint32_t caplen = m->has_rec_caplen ? m->rec_caplen
		                  : len < m->snaplen ? (uint32_t)len : m->snaplen;
		int rc = pb_writer_record(&m->w, ts, frame, len, caplen,
		                          m->has_rec_len ? m->rec_len : (uint32_t)len);

		m->has_rec_caplen = m->has_rec_len = false;
		if (rc < 0)
			return fail(m, "write error: %s", strerror(errno));
		return 0;
	}
	if (pb_writer_frame(&m->w, ts, frame, len) < 0)
		return fail(m, "write error: %s", strerror(errno));
	return 0;
}

/* SLL packet type as seen on the client's host. */
static uint8_t pkttype_of(struct mk *m, const struct pb_addr *src, const struct pb_addr *dst)
{
	if (m->client.is_set && memcmp(src->a, m->client.addr.a, 16) == 0)
		return PB_SLL_OUTGOING;
	if (m->client.is_set && memcmp(dst->a, m->client.addr.a, 16) == 0)
		return PB_SLL_HOST;
	return PB_SLL_OTHERHOST;
}

/* Wrap l3[0..len) in the current link layer and write it. */
static int emit_l3(struct mk *m, uint64_t ts, const uint8_t *src_mac, const uint8_t *dst_mac,
		   uint8_t pkttype, uint16_t ethertype, const uint8_t *l3, size_t len)
{
	struct pb_link link;
	size_t n;

	pb_link_init(&link, m->linktype);
	memcpy(link.src_mac, src_mac, 6);
	memcpy(link.dst_mac, dst_mac, 6);
	memcpy(link.vlan, m->vlan, sizeof(m->vlan));
	link.n_vlan = m->n_vlan;
	link.sll_pkttype = pkttype;
	link.eth_min_len = m->eth_min_len;
	if (m->linktype == PB_LINK_IPV4 && ethertype == PB_ETHERTYPE_IPV6)
		return fail(m, "link ipv4 cannot carry IPv6");
	if (m->linktype == PB_LINK_IPV6 && ethertype == PB_ETHERTYPE_IPV4)
		return fail(m, "link ipv6 cannot carry IPv4");
	n = pb_build_link(m->frame, sizeof(m->frame), &link, ethertype, l3, len);
	if (n == 0)
		return fail(m, "cannot wrap this packet in the link layer");
	return emit_frame(m, ts, m->frame, n);
}

static int emit_ip(struct mk *m, uint64_t ts, const struct pb_ip *ip, const uint8_t *l3,
		   size_t len)
{
	uint8_t smac[6], dmac[6];

	mac_of(&ip->src, smac);
	mac_of(&ip->dst, dmac);
	return emit_l3(m, ts, smac, dmac, pkttype_of(m, &ip->src, &ip->dst),
		       ip->src.family == 6 ? PB_ETHERTYPE_IPV6 : PB_ETHERTYPE_IPV4, l3, len);
}

/* ---- segments ---- */

static int parse_flags(struct mk *m, const char *s, uint16_t *flags)
{
	static const struct {
		const char *name;
		uint16_t bit;
	} names[] = {
		{ "SYN", PB_TH_SYN }, { "ACK", PB_TH_ACK }, { "FIN", PB_TH_FIN },
		{ "RST", PB_TH_RST }, { "PSH", PB_TH_PSH }, { "URG", PB_TH_URG },
		{ "ECE", PB_TH_ECE }, { "CWR", PB_TH_CWR }, { "AE", PB_TH_AE },
	};
	char buf[128];
	char *save = NULL;

	*flags = 0;
	if (strcmp(s, "-") == 0)
		return 0;
	if (strlen(s) >= sizeof(buf))
		return fail(m, "unknown flags '%s'", s);
	strcpy(buf, s);
	if (buf[0] == ',' || buf[strlen(buf) - 1] == ',' || strstr(buf, ",,") != NULL)
		return fail(m, "bad flag list '%s'", s);
	for (char *f = strtok_r(buf, ",", &save); f != NULL; f = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			if (strcasecmp(f, names[i].name) == 0)
				break;
		}
		if (i == sizeof(names) / sizeof(names[0]))
			return fail(m, "unknown flag '%s'", f);
		*flags |= names[i].bit;
	}
	return 0;
}

/* "SEQ(LEN)" */
static int parse_seqlen(struct mk *m, const char *s, struct seg *sg)
{
	char buf[64];
	char *open;
	size_t n = strlen(s);
	uint64_t v;

	if (n >= sizeof(buf) || n < 4 || s[n - 1] != ')')
		return fail(m, "bad SEQ(LEN) '%s'", s);
	memcpy(buf, s, n - 1);
	buf[n - 1] = '\0';
	open = strchr(buf, '(');
	if (open == NULL)
		return fail(m, "bad SEQ(LEN) '%s'", s);
	*open = '\0';
	if (parse_num(buf, 0xffffffffu, &v) < 0)
		return fail(m, "bad sequence number in '%s'", s);
	sg->seq = (uint32_t)v;
	if (parse_num(open + 1, 0xffff, &v) < 0)
		return fail(m, "bad payload length in '%s' (0..65535)", s);
	sg->len = (size_t)v;
	sg->has_seq = true;
	return 0;
}

/* One option of a "<...>" list, already split into words. */
static int parse_option(struct mk *m, char **w, size_t n, struct pb_tcp *tcp)
{
	uint64_t a, b;
	int rc;

	if (strcasecmp(w[0], "mss") == 0 && n == 2) {
		if (num_arg(m, "mss", w[1], 0xffff, &a) < 0)
			return -1;
		rc = pb_tcp_opt_mss(tcp, (uint16_t)a);
	} else if (strcasecmp(w[0], "wscale") == 0 && n == 2) {
		if (num_arg(m, "wscale", w[1], 0xff, &a) < 0)
			return -1;
		rc = pb_tcp_opt_wscale(tcp, (uint8_t)a);
	} else if (strcasecmp(w[0], "sackOK") == 0 && n == 1) {
		rc = pb_tcp_opt_sack_perm(tcp);
	} else if (strcasecmp(w[0], "sack") == 0) {
		uint32_t left[4], right[4];

		if (n < 2 || n > 5)
			return fail(m, "sack needs 1 to 4 blocks L-R");
		for (size_t i = 1; i < n; i++) {
			char *dash = strchr(w[i], '-');

			if (dash == NULL)
				return fail(m, "bad sack block '%s' (L-R)", w[i]);
			*dash = '\0';
			if (num_arg(m, "sack", w[i], 0xffffffffu, &a) < 0 ||
			    num_arg(m, "sack", dash + 1, 0xffffffffu, &b) < 0)
				return -1;
			left[i - 1] = (uint32_t)a;
			right[i - 1] = (uint32_t)b;
		}
		rc = pb_tcp_opt_sack(tcp, left, right, n - 1);
	} else if (strcasecmp(w[0], "ts") == 0 && n == 3) {
		if (num_arg(m, "ts", w[1], 0xffffffffu, &a) < 0 ||
		    num_arg(m, "ts", w[2], 0xffffffffu, &b) < 0)
			return -1;
		rc = pb_tcp_opt_ts(tcp, (uint32_t)a, (uint32_t)b);
	} else if (strcasecmp(w[0], "nop") == 0 && n == 1) {
		rc = pb_tcp_opt_nop(tcp);
	} else if (strcasecmp(w[0], "eol") == 0 && n == 1) {
		rc = pb_tcp_opt_eol(tcp);
	} else if (strcasecmp(w[0], "raw") == 0 && n >= 2) {
		uint8_t bytes[64];
		size_t len;

		if (parse_hex(m, w + 1, n - 1, bytes, sizeof(bytes), &len) < 0)
			return -1;
		rc = pb_tcp_opt_raw(tcp, bytes, len);
	} else {
		return fail(m, "unknown option '%s' (or wrong number of arguments)", w[0]);
	}
	if (rc < 0)
		return fail(m, "TCP options exceed 40 bytes");
	return 0;
}

/* "<opt,opt ARG,...>" */
static int parse_options(struct mk *m, char *s, struct pb_tcp *tcp)
{
	size_t n = strlen(s);
	char *p;

	s[n - 1] = '\0'; /* tokenize() guarantees '<' ... '>' */
	p = s + 1;
	for (;;) {
		char *comma = strchr(p, ',');
		char *w[8];
		size_t nw = 0;
		char *save = NULL;

		if (comma != NULL)
			*comma = '\0';
		for (char *t = strtok_r(p, " \t", &save); t != NULL;
		     t = strtok_r(NULL, " \t", &save)) {
			if (nw == sizeof(w) / sizeof(w[0]))
				return fail(m, "too many words in one option");
			w[nw++] = t;
		}
		if (nw == 0) {
			if (comma != NULL || p != s + 1)
				return fail(m, "empty option in option list");
		} else if (parse_option(m, w, nw, tcp) < 0) {
			return -1;
		}
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return 0;
}

static int parse_ext(struct mk *m, const char *s, struct seg *sg)
{
	static const struct {
		const char *name;
		uint8_t proto;
	} names[] = {
		{ "hbh", PB_IPPROTO_HOPOPTS }, { "dst", PB_IPPROTO_DSTOPTS },
		{ "rt", PB_IPPROTO_ROUTING },  { "frag", PB_IPPROTO_FRAGMENT },
		{ "ah", PB_IPPROTO_AH },
	};
	char buf[128];
	char *save = NULL;

	if (strlen(s) >= sizeof(buf))
		return fail(m, "bad extension header list '%s'", s);
	strcpy(buf, s);
	sg->n_ext = 0;
	for (char *e = strtok_r(buf, ",", &save); e != NULL; e = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			if (strcasecmp(e, names[i].name) == 0)
				break;
		}
		if (i == sizeof(names) / sizeof(names[0]))
			return fail(m, "unknown extension header '%s' (hbh dst rt frag ah)", e);
		if (sg->n_ext == PB_MAX_EXT)
			return fail(m, "more than %d extension headers", PB_MAX_EXT);
		sg->ext[sg->n_ext++] = names[i].proto;
	}
	if (sg->n_ext == 0)
		return fail(m, "ext needs a list of extension headers");
	return 0;
}

/* Parse a segment description at tok[*i] ("C>S" or "S>C"); advance *i past it. */
static int parse_segment(struct mk *m, char **tok, size_t n, size_t *i, struct seg *sg)
{
	size_t k = *i;
	uint64_t v;

	memset(sg, 0, sizeof(*sg));
	sg->win = DEFAULT_WIN;
	sg->ttl = DEFAULT_TTL;
	pb_tcp_init(&sg->tcp, 0, 0);
	if (k >= n)
		return fail(m, "segment direction C>S or S>C expected");
	if (strcasecmp(tok[k], "C>S") == 0)
		sg->dir = DIR_CS;
	else if (strcasecmp(tok[k], "S>C") == 0)
		sg->dir = DIR_SC;
	else
		return fail(m, "segment direction C>S or S>C expected, not '%s'", tok[k]);
	k++;
	if (k >= n)
		return fail(m, "segment flags expected (or '-')");
	if (parse_flags(m, tok[k++], &sg->flags) < 0)
		return -1;
	if (k < n && strchr(tok[k], '(') != NULL) {
		if (parse_seqlen(m, tok[k++], sg) < 0)
			return -1;
	}
	while (k < n) {
		const char *w = tok[k++];
		const char *arg = k < n ? tok[k] : NULL;

		if (w[0] == '<') {
			if (parse_options(m, tok[k - 1], &sg->tcp) < 0)
				return -1;
			continue;
		}
		if (strcasecmp(w, "mf") == 0) {
			sg->mf = true;
			continue;
		}
		if (strcasecmp(w, "ack") == 0) {
			if (num_arg(m, "ack", arg, 0xffffffffu, &v) < 0)
				return -1;
			sg->ack = (uint32_t)v;
			sg->has_ack = true;
		} else if (strcasecmp(w, "win") == 0) {
			if (num_arg(m, "win", arg, 0xffff, &v) < 0)
				return -1;
			sg->win = (uint16_t)v;
		} else if (strcasecmp(w, "urg") == 0) {
			if (num_arg(m, "urg", arg, 0xffff, &v) < 0)
				return -1;
			sg->urg = (uint16_t)v;
		} else if (strcasecmp(w, "doff") == 0) {
			if (num_arg(m, "doff", arg, 15, &v) < 0)
				return -1;
			if (v == 0)
				return fail(m, "doff must be 1..15");
			sg->tcp.doff = (uint8_t)v;
		} else if (strcasecmp(w, "ttl") == 0) {
			if (num_arg(m, "ttl", arg, 0xff, &v) < 0)
				return -1;
			sg->ttl = (uint8_t)v;
		} else if (strcasecmp(w, "ipid") == 0) {
			if (num_arg(m, "ipid", arg, 0xffff, &v) < 0)
				return -1;
			sg->ipid = (uint16_t)v;
			sg->has_ipid = true;
		} else if (strcasecmp(w, "ipopt") == 0) {
			if (arg == NULL)
				return fail(m, "ipopt needs hex bytes");
			if (parse_hex(m, &tok[k], 1, sg->ipopt, sizeof(sg->ipopt),
				      &sg->ipopt_len) < 0)
				return -1;
		} else if (strcasecmp(w, "ext") == 0) {
			if (arg == NULL)
				return fail(m, "ext needs a list of extension headers");
			if (parse_ext(m, arg, sg) < 0)
				return -1;
		} else {
			return fail(m, "unknown segment attribute '%s'", w);
		}
		k++;
	}
	*i = k;
	return 0;
}

/*
 * Build the IP packet of a segment into out. A quoted segment (inside an ICMP error) takes its
 * defaults from the last segment of its sender and changes no tracking.
 */
static int build_segment(struct mk *m, struct seg *sg, bool is_quote, uint8_t *out,
			 size_t *out_len, struct pb_ip *ip)
{
	struct pair *pr = current_pair(m);
	struct side *me, *peer;
	const struct endpoint *src, *dst;
	struct pb_tcp *tcp = &sg->tcp;
	const char *me_name = sg->dir == DIR_CS ? "C" : "S";
	const char *peer_name = sg->dir == DIR_CS ? "S" : "C";
	size_t n;

	if (pr == NULL)
		return -1;
	me = &pr->side[sg->dir];
	peer = &pr->side[1 - sg->dir];
	src = sg->dir == DIR_CS ? &pr->c : &pr->s;
	dst = sg->dir == DIR_CS ? &pr->s : &pr->c;

	if (!sg->has_seq) {
		if (is_quote && me->has_last) {
			sg->seq = me->last_seq;
		} else if (!is_quote && me->has_next) {
			sg->seq = me->next;
		} else {
			return fail(m, "%s has sent nothing yet: give SEQ(LEN)", me_name);
		}
		sg->len = 0;
	}
	if (!sg->has_ack && (sg->flags & PB_TH_ACK)) {
		if (!peer->has_next)
			return fail(m, "%s has sent nothing yet: give 'ack N'", peer_name);
		sg->ack = peer->next;
	}
	if (src->addr.family == 6 && (sg->mf || sg->ipopt_len > 0))
		return fail(m, "mf and ipopt need an IPv4 pair");
	if (src->addr.family == 4 && sg->n_ext > 0)
		return fail(m, "ext needs an IPv6 pair");

	pb_ip_init(ip, &src->addr, &dst->addr);
	ip->ttl = sg->ttl;
	if (sg->has_ipid)
		ip->ipid = sg->ipid;
	else if (is_quote && me->has_ipid)
		ip->ipid = me->last_ipid;
	else
		ip->ipid = me->ipid_next;
	ip->df = src->addr.family == 4 && !sg->mf;
	ip->mf = sg->mf;
	ip->v4_opts = sg->ipopt;
	ip->v4_opts_len = sg->ipopt_len;
	memcpy(ip->ext, sg->ext, sizeof(sg->ext));
	ip->n_ext = sg->n_ext;

	tcp->sport = src->port;
	tcp->dport = dst->port;
	tcp->seq = sg->seq;
	tcp->ack = sg->ack;
	tcp->flags = sg->flags;
	tcp->win = sg->win;
	tcp->urp = sg->urg;
	pb_fill_pattern(m->payload, sg->len, sg->seq);
	tcp->payload = m->payload;
	tcp->payload_len = sg->len;
	n = pb_build_tcp(out, PB_FRAME_MAX, ip, tcp);
	if (n == 0)
		return fail(m, "segment too large for one IP packet");
	*out_len = n;

	if (!is_quote) {
		uint32_t end = sg->seq + (uint32_t)sg->len + (sg->flags & PB_TH_SYN ? 1u : 0u) +
			       (sg->flags & PB_TH_FIN ? 1u : 0u);

		/* a SYN starts a new sequence space; otherwise keep the highest end */
		if (!me->has_next || (sg->flags & PB_TH_SYN) || seq_after(end, me->next))
			me->next = end;
		me->has_next = true;
		me->last_seq = sg->seq;
		me->has_last = true;
		me->last_ipid = ip->ipid;
		me->has_ipid = true;
		me->ipid_next = (uint16_t)(ip->ipid + 1);
	}
	return 0;
}

static int do_segment(struct mk *m, uint64_t ts, char **tok, size_t n, size_t i)
{
	struct seg sg;
	struct pb_ip ip;
	size_t len;

	if (parse_segment(m, tok, n, &i, &sg) < 0)
		return -1;
	if (build_segment(m, &sg, false, m->ip, &len, &ip) < 0)
		return -1;
	return emit_ip(m, ts, &ip, m->ip, len);
}

static int parse_dir(struct mk *m, const char *s, enum dir *dir)
{
	if (s != NULL && strcasecmp(s, "C>S") == 0)
		*dir = DIR_CS;
	else if (s != NULL && strcasecmp(s, "S>C") == 0)
		*dir = DIR_SC;
	else
		return fail(m, "direction C>S or S>C expected");
	return 0;
}

/* fragment C>S OFFSET LEN [mf] [ttl T] */
static int do_fragment(struct mk *m, uint64_t ts, char **tok, size_t n, size_t i)
{
	struct pair *pr = current_pair(m);
	struct side *me;
	struct pb_ip ip;
	enum dir dir = DIR_CS;
	uint64_t off, len, ttl = DEFAULT_TTL;
	bool mf = false;
	size_t k;

	if (pr == NULL)
		return -1;
	if (parse_dir(m, i < n ? tok[i] : NULL, &dir) < 0)
		return -1;
	if (num_arg(m, "fragment offset", i + 1 < n ? tok[i + 1] : NULL, 0x1fff, &off) < 0 ||
	    num_arg(m, "fragment length", i + 2 < n ? tok[i + 2] : NULL, 0xffff, &len) < 0)
		return -1;
	for (k = i + 3; k < n; k++) {
		if (strcasecmp(tok[k], "mf") == 0) {
			mf = true;
		} else if (strcasecmp(tok[k], "ttl") == 0) {
			if (num_arg(m, "ttl", k + 1 < n ? tok[k + 1] : NULL, 0xff, &ttl) < 0)
				return -1;
			k++;
		} else {
			return fail(m, "unknown fragment attribute '%s'", tok[k]);
		}
	}
	if (pr->c.addr.family != 4)
		return fail(m, "fragment needs an IPv4 pair");
	me = &pr->side[dir];
	if (!me->has_ipid)
		return fail(m, "fragment: no earlier segment in that direction gives the IP ID");
	pb_ip_init(&ip, dir == DIR_CS ? &pr->c.addr : &pr->s.addr,
		   dir == DIR_CS ? &pr->s.addr : &pr->c.addr);
	ip.ttl = (uint8_t)ttl;
	ip.ipid = me->last_ipid;
	ip.mf = mf;
	ip.frag_off = (uint16_t)off;
	pb_fill_pattern(m->payload, (size_t)len, (uint32_t)(off * 8));
	len = pb_build_ip(m->ip, sizeof(m->ip), &ip, PB_IPPROTO_TCP, m->payload, (size_t)len);
	if (len == 0)
		return fail(m, "fragment too large");
	return emit_ip(m, ts, &ip, m->ip, (size_t)len);
}

/* CODE names per family and ICMP kind */
static int icmp_code(const char *s, int family, const char *kind, uint64_t *code)
{
	static const struct {
		int family;
		const char *kind;
		const char *name;
		uint8_t code;
	} names[] = {
		{ 4, "unreach", "net", 0 },      { 4, "unreach", "host", 1 },
		{ 4, "unreach", "proto", 2 },    { 4, "unreach", "port", 3 },
		{ 4, "unreach", "admin", 13 },   { 4, "timxceed", "ttl", 0 },
		{ 4, "timxceed", "reass", 1 },   { 6, "unreach", "noroute", 0 },
		{ 6, "unreach", "net", 0 },      { 6, "unreach", "admin", 1 },
		{ 6, "unreach", "addr", 3 },     { 6, "unreach", "host", 3 },
		{ 6, "unreach", "port", 4 },     { 6, "timxceed", "ttl", 0 },
		{ 6, "timxceed", "reass", 1 },
	};

	if (parse_num(s, 0xff, code) == 0)
		return 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].family == family && strcmp(names[i].kind, kind) == 0 &&
		    strcasecmp(names[i].name, s) == 0) {
			*code = names[i].code;
			return 0;
		}
	}
	return -1;
}

/* icmp ADDR unreach|timxceed|toobig [CODE] [mtu N] quote|quote8 SEGMENT */
static int do_icmp(struct mk *m, uint64_t ts, char **tok, size_t n, size_t i)
{
	struct pb_addr from;
	struct pb_ip qip, ip;
	struct seg sg;
	const char *kind;
	uint64_t code = 0, mtu = DEFAULT_MTU;
	bool has_code = false, is_quote8 = false;
	uint8_t type;
	uint32_t rest = 0;
	size_t qlen, len;
	int family;

	if (i >= n || parse_addr(tok[i], &from) < 0)
		return fail(m, "bad address '%s'", i < n ? tok[i] : "");
	if (++i >= n)
		return fail(m, "icmp kind expected (unreach timxceed toobig)");
	kind = tok[i++];
	if (strcasecmp(kind, "unreach") != 0 && strcasecmp(kind, "timxceed") != 0 &&
	    strcasecmp(kind, "toobig") != 0)
		return fail(m, "unknown icmp kind '%s' (unreach timxceed toobig)", kind);
	family = from.family;
	for (; i < n; i++) {
		if (strcasecmp(tok[i], "quote") == 0 || strcasecmp(tok[i], "quote8") == 0)
			break;
		if (strcasecmp(tok[i], "mtu") == 0) {
			if (num_arg(m, "mtu", i + 1 < n ? tok[i + 1] : NULL, 0xffffffffu, &mtu) < 0)
				return -1;
			i++;
		} else if (!has_code) {
			char lkind[16];

			snprintf(lkind, sizeof(lkind), "%s", kind);
			for (char *p = lkind; *p != '\0'; p++)
				*p = (char)tolower((unsigned char)*p);
			if (icmp_code(tok[i], family, lkind, &code) < 0)
				return fail(m, "unknown icmp code '%s'", tok[i]);
			has_code = true;
		} else {
			return fail(m, "unknown icmp attribute '%s'", tok[i]);
		}
	}
	if (i >= n)
		return fail(m, "icmp needs 'quote SEGMENT'");
	if (strcasecmp(tok[i], "quote8") == 0) {
		is_quote8 = true;
		i++;
		if (i < n && strcasecmp(tok[i], "quote") == 0)
			i++;
	} else {
		i++;
	}
	if (parse_segment(m, tok, n, &i, &sg) < 0)
		return -1;
	if (build_segment(m, &sg, true, m->quote, &qlen, &qip) < 0)
		return -1;
	if (qip.src.family != family)
		return fail(m, "icmp sender and quoted segment are of different address families");
	qlen = pb_ip_header_len(&qip) + (is_quote8 ? 8 : pb_tcp_header_len(&sg.tcp));

	if (strcasecmp(kind, "unreach") == 0) {
		type = family == 6 ? PB_ICMP6_UNREACH : PB_ICMP_UNREACH;
	} else if (strcasecmp(kind, "timxceed") == 0) {
		type = family == 6 ? PB_ICMP6_TIMXCEED : PB_ICMP_TIMXCEED;
	} else {
		type = family == 6 ? PB_ICMP6_TOOBIG : PB_ICMP_UNREACH;
		if (!has_code)
			code = family == 6 ? 0 : PB_ICMP_UNREACH_NEEDFRAG;
		if (family == 4 && mtu > 0xffff)
			return fail(m, "mtu above 65535 for ICMP");
		rest = (uint32_t)mtu;
	}
	pb_ip_init(&ip, &from, &qip.src);
	ip.ipid = m->icmp_ipid++;
	len = pb_build_icmp_error(m->ip, sizeof(m->ip), &ip, type, (uint8_t)code, rest, m->quote,
				  qlen);
	if (len == 0)
		return fail(m, "icmp message too large");
	return emit_ip(m, ts, &ip, m->ip, len);
}

/* udp C>S LEN */
static int do_udp(struct mk *m, uint64_t ts, char **tok, size_t n, size_t i)
{
	struct pair *pr = current_pair(m);
	struct pb_ip ip;
	enum dir dir = DIR_CS;
	uint64_t len;
	const struct endpoint *src, *dst;
	size_t out;

	if (pr == NULL)
		return -1;
	if (parse_dir(m, i < n ? tok[i] : NULL, &dir) < 0)
		return -1;
	if (num_arg(m, "udp length", i + 1 < n ? tok[i + 1] : NULL, 0xffff, &len) < 0)
		return -1;
	if (i + 2 < n)
		return fail(m, "unexpected '%s' after udp length", tok[i + 2]);
	src = dir == DIR_CS ? &pr->c : &pr->s;
	dst = dir == DIR_CS ? &pr->s : &pr->c;
	pb_ip_init(&ip, &src->addr, &dst->addr);
	ip.ipid = pr->side[dir].ipid_next++;
	pb_fill_pattern(m->payload, (size_t)len, 0);
	out = pb_build_udp(m->ip, sizeof(m->ip), &ip, src->port, dst->port, m->payload,
			   (size_t)len);
	if (out == 0)
		return fail(m, "udp datagram too large");
	return emit_ip(m, ts, &ip, m->ip, out);
}

/* raw HEX... (whole frame) and rawip HEX... (IP layer, wrapped in the link) */
static int do_raw(struct mk *m, uint64_t ts, char **tok, size_t n, size_t i, bool is_ip)
{
	static const uint8_t smac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
	static const uint8_t dmac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
	size_t len;

	if (i >= n)
		return fail(m, "%s needs hex bytes", is_ip ? "rawip" : "raw");
	if (parse_hex(m, tok + i, n - i, m->quote, sizeof(m->quote) - 64, &len) < 0)
		return -1;
	if (len == 0)
		return fail(m, "%s needs hex bytes", is_ip ? "rawip" : "raw");
	if (!is_ip)
		return emit_frame(m, ts, m->quote, len);
	return emit_l3(m, ts, smac, dmac, PB_SLL_HOST, pb_ethertype_of(m->quote, len), m->quote,
		       len);
}

/* arp: who has the server's IPv4 address, tell the client (10.0.0.2 / 10.0.0.1 by default) */
static int do_arp(struct mk *m, uint64_t ts, size_t n, size_t i)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct pb_addr sender, target;
	uint8_t smac[6];
	uint8_t body[28];

	if (i < n)
		return fail(m, "arp takes no arguments");
	if (m->linktype != PB_LINK_ETHER)
		return fail(m, "arp needs link ether");
	pb_addr_parse(&sender, "10.0.0.1");
	pb_addr_parse(&target, "10.0.0.2");
	if (m->client.is_set && m->client.addr.family == 4)
		sender = m->client.addr;
	if (m->server.is_set && m->server.addr.family == 4)
		target = m->server.addr;
	mac_of(&sender, smac);
	pb_build_arp_request(body, sizeof(body), smac, sender.a, target.a);
	return emit_l3(m, ts, smac, bcast, PB_SLL_OUTGOING, PB_ETHERTYPE_ARP, body, sizeof(body));
}

/* ---- directives ---- */

static int header_directive_ok(struct mk *m, const char *what)
{
	if (m->is_started)
		return fail(m, "'%s' after the first frame", what);
	return 0;
}

/*
 * record [caplen N] [len N]: the next frame's record header says so (N bytes of data follow);
 * cut N | cut -N: the finished file keeps its first N bytes, or loses its last N.
 */
static int hostile_directive(struct mk *m, char **tok, size_t n)
{
	uint64_t v;

	if (strcmp(tok[0], "cut") == 0) {
		const char *arg = n == 2 ? tok[1] : NULL;

		if (arg == NULL)
			return fail(m, "cut takes one argument: N or -N bytes");
		m->cut_from_end = arg[0] == '-';
		if (num_arg(m, "cut", arg + m->cut_from_end, UINT32_MAX, &v) < 0)
			return -1;
		m->has_cut = true;
		m->cut_bytes = v;
		return 0;
	}
	if (n < 3 || n % 2 == 0)
		return fail(m, "record takes caplen N and/or len N");
	for (size_t k = 1; k + 1 < n; k += 2) {
		if (num_arg(m, tok[k], tok[k + 1], MAX_SNAPLEN * 4u, &v) < 0)
			return -1;
		if (strcmp(tok[k], "caplen") == 0) {
			m->has_rec_caplen = true;
			m->rec_caplen = (uint32_t)v;
		} else if (strcmp(tok[k], "len") == 0) {
			m->has_rec_len = true;
			m->rec_len = (uint32_t)v;
		} else {
			return fail(m, "unknown record field '%s' (caplen len)", tok[k]);
		}
	}
	return 0;
}

/* Apply `cut` to the finished output. */
static int cut_output(struct mk *m)
{
	long size;
	uint64_t keep;

	if (!m->has_cut)
		return 0;
	if (fflush(m->out) != 0 || fseek(m->out, 0, SEEK_END) != 0 || (size = ftell(m->out)) < 0)
		return fail(m, "write error: %s", strerror(errno));
	keep = m->cut_from_end ? (m->cut_bytes < (uint64_t)size ? (uint64_t)size - m->cut_bytes : 0)
	                       : m->cut_bytes;
	if (keep > (uint64_t)size)
		return fail(m, "cut %llu: the file has only %ld bytes",
		            (unsigned long long)m->cut_bytes, size);
	if (ftruncate(fileno(m->out), (off_t)keep) != 0)
		return fail(m, "cannot cut the file: %s", strerror(errno));
	return 0;
}

/*
 * synflood N [every DT]: N SYNs from distinct 4-tuples to the server, the first at the clock,
 * then DT apart (default 1 us): from the client's address and port up, ports 1024..65535, the
 * address's last bytes counting up whenever the ports run out.  No pair tracking changes.
 */
static int do_synflood(struct mk *m, char **tok, size_t n)
{
	uint64_t count, dt = 1000;
	struct pb_addr src;
	uint32_t port;

	if (n != 2 && !(n == 4 && strcmp(tok[2], "every") == 0))
		return fail(m, "synflood takes N [every DT]");
	if (num_arg(m, "synflood", tok[1], UINT32_MAX, &count) < 0)
		return -1;
	if (n == 4) {
		if (parse_time(tok[3], &dt) < 0)
			return fail(m, "bad time '%s'", tok[3]);
	}
	if (!m->client.is_set || !m->server.is_set ||
	    m->client.addr.family != m->server.addr.family)
		return fail(m, "synflood needs client and server of one family");
	src = m->client.addr;
	port = m->client.port < 1024 ? 1024 : m->client.port;
	for (uint64_t i = 0; i < count; i++) {
		struct pb_ip ip;
		struct pb_tcp tcp;
		size_t len;
		uint64_t ts = m->is_clock_exact || i > 0 ? m->clock_ns : m->clock_ns + DEFAULT_GAP_NS;

		pb_ip_init(&ip, &src, &m->server.addr);
		ip.ipid = (uint16_t)i;
		ip.df = src.family == 4;
		pb_tcp_init(&tcp, (uint16_t)port, m->server.port);
		tcp.seq = (uint32_t)(i * 2654435761u);
		tcp.flags = PB_TH_SYN;
		tcp.win = DEFAULT_WIN;
		len = pb_build_tcp(m->ip, PB_FRAME_MAX, &ip, &tcp);
		if (len == 0 || emit_ip(m, ts, &ip, m->ip, len) < 0)
			return len == 0 ? fail(m, "cannot build a SYN") : -1;
		m->clock_ns = ts + dt;
		m->is_clock_exact = true;
		if (++port > 65535) {
			port = 1024;
			/* the next address: the last byte, carrying into the ones before */
			for (int k = src.family == 4 ? 3 : 15; k >= 0 && ++src.a[k] == 0; k--)
				;
		}
	}
	return 0;
}

static int do_directive(struct mk *m, char **tok, size_t n, bool *handled)
{
	const char *d = tok[0];
	const char *arg = n > 1 ? tok[1] : NULL;
	uint64_t v;

	*handled = true;
	if (strcmp(d, "vlan") == 0) {
		if (n - 1 > PB_MAX_VLAN)
			return fail(m, "more than %d VLAN tags", PB_MAX_VLAN);
		for (size_t k = 1; k < n; k++) {
			if (num_arg(m, "vlan", tok[k], 4095, &v) < 0)
				return -1;
			m->vlan[k - 1] = (uint16_t)v;
		}
		m->n_vlan = n - 1;
		return 0;
	}
	if (strcmp(d, "record") == 0 || strcmp(d, "cut") == 0)
		return hostile_directive(m, tok, n);
	if (strcmp(d, "synflood") == 0)
		return do_synflood(m, tok, n);
	if (strcmp(d, "format") != 0 && strcmp(d, "precision") != 0 && strcmp(d, "link") != 0 &&
	    strcmp(d, "snaplen") != 0 && strcmp(d, "time") != 0 && strcmp(d, "client") != 0 &&
	    strcmp(d, "server") != 0 && strcmp(d, "ethpad") != 0) {
		*handled = false;
		return 0;
	}
	if (arg == NULL)
		return fail(m, "'%s' needs an argument", d);
	if (n > 2)
		return fail(m, "unexpected '%s' after '%s %s'", tok[2], d, arg);

	if (strcmp(d, "format") == 0) {
		if (header_directive_ok(m, d) < 0)
			return -1;
		if (strcmp(arg, "pcap") == 0)
			m->format = PB_PCAP;
		else if (strcmp(arg, "pcapng") == 0)
			m->format = PB_PCAPNG;
		else
			return fail(m, "unknown format '%s' (pcap pcapng)", arg);
	} else if (strcmp(d, "precision") == 0) {
		if (header_directive_ok(m, d) < 0)
			return -1;
		if (strcmp(arg, "us") == 0)
			m->is_nsec = false;
		else if (strcmp(arg, "ns") == 0)
			m->is_nsec = true;
		else
			return fail(m, "unknown precision '%s' (us ns)", arg);
	} else if (strcmp(d, "link") == 0) {
		static const struct {
			const char *name;
			uint32_t type;
		} links[] = {
			{ "ether", PB_LINK_ETHER }, { "sll", PB_LINK_SLL },
			{ "sll2", PB_LINK_SLL2 },   { "raw", PB_LINK_RAW },
			{ "ipv4", PB_LINK_IPV4 },   { "ipv6", PB_LINK_IPV6 },
			{ "null", PB_LINK_NULL },   { "loop", PB_LINK_LOOP },
		};
		size_t k;

		if (m->is_started)
			return fail(m, "link change after the first frame");
		for (k = 0; k < sizeof(links) / sizeof(links[0]); k++) {
			if (strcmp(arg, links[k].name) == 0)
				break;
		}
		if (k == sizeof(links) / sizeof(links[0]))
			return fail(m, "unknown link '%s'", arg);
		m->linktype = links[k].type;
	} else if (strcmp(d, "snaplen") == 0) {
		if (header_directive_ok(m, d) < 0)
			return -1;
		if (num_arg(m, "snaplen", arg, MAX_SNAPLEN, &v) < 0)
			return -1;
		if (v == 0)
			return fail(m, "snaplen must be at least 1");
		m->snaplen = (uint32_t)v;
	} else if (strcmp(d, "time") == 0) {
		if (parse_time(arg, &v) < 0)
			return fail(m, "bad time '%s'", arg);
		m->clock_ns = v;
		m->is_clock_exact = true;
	} else if (strcmp(d, "client") == 0 || strcmp(d, "server") == 0) {
		struct endpoint ep;

		if (parse_endpoint(arg, &ep) < 0)
			return fail(m, "bad address '%s' (ADDR:PORT or [IPV6]:PORT)", arg);
		if (d[0] == 'c')
			m->client = ep;
		else
			m->server = ep;
	} else {
		/* ethpad on|off */
		if (strcmp(arg, "on") == 0)
			m->eth_min_len = 60;
		else if (strcmp(arg, "off") == 0)
			m->eth_min_len = 0;
		else
			return fail(m, "ethpad takes on or off");
	}
	return 0;
}

static int do_line(struct mk *m, char *line)
{
	char *tok[MAX_TOKENS];
	size_t n = 0, i = 0;
	const char *prefix = NULL;
	bool handled;
	uint64_t ts = 0;
	const char *w;

	if (tokenize(m, line, tok, &n) < 0)
		return -1;
	if (n == 0)
		return 0;
	if (do_directive(m, tok, n, &handled) < 0)
		return -1;
	if (handled)
		return 0;
	if (tok[0][0] == '+' || tok[0][0] == '@') {
		prefix = tok[0];
		i = 1;
		if (n < 2)
			return fail(m, "frame expected after time '%s'", prefix);
	}
	w = tok[i];
	if (strcasecmp(w, "C>S") != 0 && strcasecmp(w, "S>C") != 0 && strcmp(w, "fragment") != 0 &&
	    strcmp(w, "icmp") != 0 && strcmp(w, "udp") != 0 && strcmp(w, "raw") != 0 &&
	    strcmp(w, "rawip") != 0 && strcmp(w, "arp") != 0)
		return fail(m, "unknown directive '%s'", w);
	if (frame_time(m, prefix, &ts) < 0)
		return -1;
	if (strcmp(w, "fragment") == 0)
		return do_fragment(m, ts, tok, n, i + 1);
	if (strcmp(w, "icmp") == 0)
		return do_icmp(m, ts, tok, n, i + 1);
	if (strcmp(w, "udp") == 0)
		return do_udp(m, ts, tok, n, i + 1);
	if (strcmp(w, "raw") == 0)
		return do_raw(m, ts, tok, n, i + 1, false);
	if (strcmp(w, "rawip") == 0)
		return do_raw(m, ts, tok, n, i + 1, true);
	if (strcmp(w, "arp") == 0)
		return do_arp(m, ts, n, i + 1);
	return do_segment(m, ts, tok, n, i);
}

static int compile(struct mk *m, FILE *in)
{
	char *line = NULL;
	size_t cap = 0;
	int rc = 0;

	while (getline(&line, &cap, in) >= 0) {
		m->line++;
		if (do_line(m, line) < 0) {
			rc = -1;
			break;
		}
	}
	if (rc == 0 && ferror(in)) {
		rc = fail(m, "read error: %s", strerror(errno));
	}
	free(line);
	if (rc == 0 && !m->is_started) {
		if (pb_writer_begin(&m->w, m->out, m->format, m->is_nsec, m->linktype,
				    m->snaplen) < 0)
			return fail(m, "write error: %s", strerror(errno));
		m->is_started = true;
	}
	return rc;
}

static int copy_out(FILE *from, FILE *to)
{
	char buf[8192];
	size_t n;

	rewind(from);
	while ((n = fread(buf, 1, sizeof(buf), from)) > 0) {
		if (fwrite(buf, 1, n, to) != n)
			return -1;
	}
	if (ferror(from))
		return -1;
	return fflush(to) == 0 ? 0 : -1;
}

/* Is path the file already open as in? */
static bool same_file(FILE *in, const char *path)
{
	struct stat a, b;

	if (strcmp(path, "-") == 0 || fstat(fileno(in), &a) != 0 || stat(path, &b) != 0)
		return false;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int main(int argc, char **argv)
{
	struct mk *m;
	FILE *in;
	char *tmp = NULL;
	bool to_stdout;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: mkpcap IN.txt OUT   (OUT may be - for standard output)\n");
		return 2;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		fprintf(stderr, "mkpcap: %s:0: out of memory\n", argv[1]);
		return 2;
	}
	m->in_name = argv[1];
	m->format = PB_PCAP;
	m->linktype = PB_LINK_ETHER;
	m->snaplen = DEFAULT_SNAPLEN;
	m->clock_ns = (uint64_t)DEFAULT_START_SEC * NS_PER_SEC;
	m->is_clock_exact = true;
	m->icmp_ipid = 0x5c00;

	in = fopen(argv[1], "r");
	if (in != NULL && same_file(in, argv[2])) {
		fprintf(stderr, "mkpcap: %s:0: the output would overwrite the input\n", argv[1]);
		fclose(in);
		free(m);
		return 2;
	}
	if (in == NULL) {
		fprintf(stderr, "mkpcap: %s:0: cannot open: %s\n", argv[1], strerror(errno));
		free(m);
		return 2;
	}
	to_stdout = strcmp(argv[2], "-") == 0;
	if (to_stdout) {
		m->out = tmpfile();
	} else {
		size_t n = strlen(argv[2]) + sizeof(".tmp");

		tmp = malloc(n);
		if (tmp != NULL) {
			snprintf(tmp, n, "%s.tmp", argv[2]);
			m->out = fopen(tmp, "wb");
		}
	}
	if (m->out == NULL) {
		fprintf(stderr, "mkpcap: %s:0: cannot create %s: %s\n", argv[1],
			tmp != NULL ? tmp : "a temporary file", strerror(errno));
		fclose(in);
		free(tmp);
		free(m);
		return 2;
	}

	rc = compile(m, in);
	fclose(in);
	if (rc == 0)
		rc = cut_output(m);
	if (rc == 0 && fflush(m->out) != 0)
		rc = fail(m, "write error: %s", strerror(errno));
	if (rc == 0 && to_stdout && copy_out(m->out, stdout) < 0)
		rc = fail(m, "write error on standard output: %s", strerror(errno));
	if (fclose(m->out) != 0 && rc == 0)
		rc = fail(m, "write error: %s", strerror(errno));
	if (rc == 0 && tmp != NULL && rename(tmp, argv[2]) != 0)
		rc = fail(m, "cannot rename %s to %s: %s", tmp, argv[2], strerror(errno));
	if (rc < 0) {
		fprintf(stderr, "mkpcap: %s:%lu: %s\n", m->in_name, m->line, m->err);
		if (tmp != NULL) {
			/* leave no output behind, not even a stale one (make's .DELETE_ON_ERROR) */
			remove(tmp);
			remove(argv[2]);
		}
	}
	free(tmp);
	free(m->pairs);
	free(m);
	return rc < 0 ? 2 : 0;
}
