/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_decode.c - tt_decode(): every link type, IPv4/IPv6 (options, extension
 * headers, fragments, tunnels, jumbograms), TCP fields and options, ICMP
 * errors quoting TCP, and every malformed case decode.h names.
 *
 * Frames are composed in this file, byte by byte.  Every decode runs on an
 * exact-size heap copy of the captured bytes, so ASan reports any read past
 * caplen; check_cuts() decodes each valid frame cut at every length.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tcptrack/decode.h"

#define TS INT64_C(1700000000123456789)
#define TCP_CSUM 0xbeef

/* ---- frame composition --------------------------------------------------------------------- */

struct frame {
	uint8_t b[4096];
	size_t n;
};

static void put(struct frame *f, const void *p, size_t n)
{
	cr_assert(f->n + n <= sizeof(f->b), "frame too long");
	if (n > 0)
		memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void put8(struct frame *f, unsigned v)
{
	uint8_t b = (uint8_t)v;

	put(f, &b, 1);
}

static void put16(struct frame *f, unsigned v)
{
	put8(f, v >> 8 & 0xff);
	put8(f, v & 0xff);
}

static void put32(struct frame *f, uint32_t v)
{
	put16(f, v >> 16);
	put16(f, v & 0xffff);
}

static void put_le32(struct frame *f, uint32_t v)
{
	put8(f, v & 0xff);
	put8(f, v >> 8 & 0xff);
	put8(f, v >> 16 & 0xff);
	put8(f, v >> 24);
}

static void zeros(struct frame *f, size_t n)
{
	while (n-- > 0)
		put8(f, 0);
}

static void set8(struct frame *f, size_t off, unsigned v)
{
	cr_assert(off < f->n);
	f->b[off] = (uint8_t)v;
}

static void set16(struct frame *f, size_t off, unsigned v)
{
	set8(f, off, v >> 8 & 0xff);
	set8(f, off + 1, v & 0xff);
}

static const uint8_t v4_a[4] = {192, 0, 2, 1};
static const uint8_t v4_b[4] = {198, 51, 100, 7};
static const uint8_t v4_tun_a[4] = {203, 0, 113, 1};
static const uint8_t v4_tun_b[4] = {203, 0, 113, 2};
static const uint8_t v4_router[4] = {203, 0, 113, 254};
/* 2001:db8::1, 2001:db8::2, 2001:db8:ff00::1, 2001:db8:ff00::2, 2001:db8:ee00::9 */
#define V6(b4, last) {0x20, 0x01, 0x0d, 0xb8, b4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, last}
static const uint8_t v6_a[16] = V6(0, 1);
static const uint8_t v6_b[16] = V6(0, 2);
static const uint8_t v6_tun_a[16] = V6(0xff, 1);
static const uint8_t v6_tun_b[16] = V6(0xff, 2);
static const uint8_t v6_router[16] = V6(0xee, 9);

/* Ethernet II: destination, source, ethertype. */
static void eth(struct frame *f, unsigned type)
{
	static const uint8_t macs[12] = {0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02};

	put(f, macs, sizeof(macs));
	put16(f, type);
}

/* One 802.1Q tag body after its TPID: TCI (PCP 3, VID), then the next ethertype. */
static void vlan(struct frame *f, unsigned vid, unsigned type)
{
	put16(f, 3u << 13 | vid);
	put16(f, type);
}

/* Linux cooked v1: packet type, ARPHRD_ETHER, address length, 8 address bytes, protocol. */
static void sll(struct frame *f, unsigned proto)
{
	static const uint8_t addr[8] = {0x02, 0, 0, 0, 0, 0x01, 0, 0};

	put16(f, 0);
	put16(f, 1);
	put16(f, 6);
	put(f, addr, sizeof(addr));
	put16(f, proto);
}

/* Linux cooked v2: protocol, reserved, ifindex, ARPHRD, packet type, address length, address. */
static void sll2(struct frame *f, unsigned proto)
{
	static const uint8_t addr[8] = {0x02, 0, 0, 0, 0, 0x01, 0, 0};

	put16(f, proto);
	put16(f, 0);
	put32(f, 3);
	put16(f, 1);
	put8(f, 4);
	put8(f, 6);
	put(f, addr, sizeof(addr));
}

/* IPv4 header with options (a multiple of 4 bytes); the total length is set by ip4_done(). */
static size_t ip4(struct frame *f, unsigned proto, const uint8_t src[4], const uint8_t dst[4],
                  const uint8_t *opts, size_t optlen)
{
	size_t off = f->n;

	cr_assert(optlen % 4 == 0 && optlen <= 40);
	put8(f, 0x40 | (unsigned)(5 + optlen / 4));
	put8(f, 0);
	put16(f, 0);      /* total length */
	put16(f, 0x1234); /* id */
	put16(f, 0x4000); /* DF */
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	put(f, src, 4);
	put(f, dst, 4);
	put(f, opts, optlen);
	return off;
}

static void ip4_done(struct frame *f, size_t off)
{
	set16(f, off + 2, (unsigned)(f->n - off));
}

/* IPv6 header; the payload length is set by ip6_done(). */
static size_t ip6(struct frame *f, unsigned nh, const uint8_t src[16], const uint8_t dst[16])
{
	size_t off = f->n;

	put32(f, 0x60012345); /* version 6, flow label */
	put16(f, 0);
	put8(f, nh);
	put8(f, 63);
	put(f, src, 16);
	put(f, dst, 16);
	return off;
}

static void ip6_done(struct frame *f, size_t off)
{
	set16(f, off + 4, (unsigned)(f->n - off - 40));
}

/* Generic extension header ((units + 1) * 8 bytes of Pad1 options). */
static void ext6(struct frame *f, unsigned nh, unsigned units)
{
	put8(f, nh);
	put8(f, units);
	zeros(f, ((size_t)units + 1) * 8 - 2);
}

static void frag6(struct frame *f, unsigned nh, unsigned offset, unsigned mf)
{
	put8(f, nh);
	put8(f, 0);
	put16(f, offset << 3 | mf);
	put32(f, 0xabcdef01);
}

/* Authentication header: (units + 2) * 4 bytes (RFC 4302). */
static void ah6(struct frame *f, unsigned nh, unsigned units)
{
	put8(f, nh);
	put8(f, units);
	put16(f, 0);
	put32(f, 0x1000); /* SPI */
	put32(f, 7);      /* sequence */
	zeros(f, ((size_t)units + 2) * 4 - 12);
}

struct tcp_spec {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint16_t flags; /* TT_TH_* */
	uint16_t win, urp;
	const uint8_t *opts;
	size_t optlen;  /* a multiple of 4 */
	size_t paylen;
	unsigned doff;  /* 0: computed from optlen */
};

static const struct tcp_spec tcp_dflt = {
	.sport = 40000, .dport = 80, .seq = 0x11223344, .ack = 0x55667788,
	.flags = TT_TH_ACK | TT_TH_PSH, .win = 29200, .urp = 0, .paylen = 10,
};

static uint8_t pay_byte(size_t i)
{
	return (uint8_t)(i * 7 + 3);
}

/* TCP header, options and payload; returns the header's offset. */
static size_t tcp(struct frame *f, const struct tcp_spec *t)
{
	size_t off = f->n, i;
	unsigned doff = t->doff != 0 ? t->doff : (unsigned)(5 + t->optlen / 4);

	cr_assert(t->optlen % 4 == 0 && t->optlen <= 40);
	put16(f, t->sport);
	put16(f, t->dport);
	put32(f, t->seq);
	put32(f, t->ack);
	put8(f, doff << 4 | ((unsigned)t->flags >> 8 & 1));
	put8(f, t->flags & 0xffu);
	put16(f, t->win);
	put16(f, TCP_CSUM);
	put16(f, t->urp);
	put(f, t->opts, t->optlen);
	for (i = 0; i < t->paylen; i++)
		put8(f, pay_byte(i));
	return off;
}

/* The link header dlt uses for IP version v. */
static void link_hdr(struct frame *f, int dlt, int v)
{
	unsigned type = v == 4 ? 0x0800 : 0x86dd;

	switch (dlt) {
	case TT_DLT_EN10MB:
		eth(f, type);
		break;
	case TT_DLT_LINUX_SLL:
		sll(f, type);
		break;
	case TT_DLT_LINUX_SLL2:
		sll2(f, type);
		break;
	case TT_DLT_NULL:
		put_le32(f, v == 4 ? 2 : 30); /* a little-endian macOS capture */
		break;
	case TT_DLT_LOOP:
		put32(f, v == 4 ? 2 : 24); /* OpenBSD, network order */
		break;
	default:
		break; /* raw IP */
	}
}

/* link + IPv4/IPv6 (v4_a/v6_a -> v4_b/v6_b) + TCP; returns the TCP header's offset. */
static size_t build(struct frame *f, int dlt, int v, const struct tcp_spec *t)
{
	size_t ip_off, tcp_off;

	f->n = 0;
	link_hdr(f, dlt, v);
	if (v == 4) {
		ip_off = ip4(f, 6, v4_a, v4_b, NULL, 0);
		tcp_off = tcp(f, t);
		ip4_done(f, ip_off);
	} else {
		ip_off = ip6(f, 6, v6_a, v6_b);
		tcp_off = tcp(f, t);
		ip6_done(f, ip_off);
	}
	return tcp_off;
}

/* ---- decoding and checks ------------------------------------------------------------------- */

/* The fields tt_decode_track() may leave 0, cleared. */
static void clear_untracked(struct tt_packet *x)
{
	x->ttl = x->hdr_len = 0;
	x->checksum = x->urp = 0;
	x->payload_caplen = 0;
	x->payload = NULL;
}

/*
 * tt_decode_track() of the same bytes: the same result, and on success the
 * same packet (padding included: both clear it) but for the fields it may
 * leave 0.
 */
static void track_agrees(int dlt, const uint8_t *h, size_t caplen, size_t wire,
                         enum tt_decode_result r, const struct tt_packet *p)
{
	struct tt_packet q, full;

	memcpy(&full, p, sizeof(full)); /* (its padding too) */
	memset(&q, 0xa5, sizeof(q));    /* (a stale look-ahead slot) */
	cr_assert_eq(tt_decode_track(dlt, h, (uint32_t)caplen, (uint32_t)wire, TS, &q), r);
	if (r != TT_DEC_OK)
		return;
	cr_assert(q.payload == NULL || q.payload == p->payload);
	clear_untracked(&q);
	clear_untracked(&full);
	cr_assert(memcmp(&q, &full, sizeof(q)) == 0, "tt_decode_track() differs from tt_decode()");
}

/*
 * Decode the first caplen bytes of f from an exact-size heap copy (ASan sees
 * any overread), claiming wire bytes on the wire.  On success the payload
 * pointer is moved back into f.
 */
static enum tt_decode_result dec_cut(int dlt, const struct frame *f, size_t caplen, size_t wire,
                                     struct tt_packet *p)
{
	enum tt_decode_result r;
	uint8_t *h;

	cr_assert(caplen <= f->n);
	h = malloc(caplen > 0 ? caplen : 1);
	cr_assert_not_null(h);
	if (caplen > 0)
		memcpy(h, f->b, caplen);
	r = tt_decode(dlt, h, (uint32_t)caplen, (uint32_t)wire, TS, p);
	track_agrees(dlt, h, caplen, wire, r, p);
	if (r == TT_DEC_OK && p->payload != NULL)
		p->payload = f->b + (p->payload - h);
	free(h);
	return r;
}

static enum tt_decode_result dec(int dlt, const struct frame *f, struct tt_packet *p)
{
	return dec_cut(dlt, f, f->n, f->n, p);
}

static void expect_result(enum tt_decode_result got, enum tt_decode_result want)
{
	cr_assert_eq(got, want, "decoded as %s, expected %s", tt_decode_result_name(got),
	             tt_decode_result_name(want));
}

static void expect_ok(int dlt, const struct frame *f, struct tt_packet *p)
{
	expect_result(dec(dlt, f, p), TT_DEC_OK);
}

static void expect_addr4(const uint8_t got[16], const uint8_t want[4])
{
	static const uint8_t zero[12];

	cr_assert_arr_eq(got, want, 4);
	cr_assert_arr_eq(got + 4, zero, 12, "IPv4 address not zero-padded");
}

static void expect_no_opts(const struct tt_tcp_opts *o)
{
	cr_assert_not(o->has_mss);
	cr_assert_not(o->has_wscale);
	cr_assert_not(o->sack_permitted);
	cr_assert_not(o->has_ts);
	cr_assert_not(o->bad);
	cr_assert_eq(o->n_sack, 0);
}

static void expect_v4(const struct tt_packet *p, const uint8_t src[4], const uint8_t dst[4])
{
	cr_assert_eq(p->ip_version, 4);
	expect_addr4(p->src, src);
	expect_addr4(p->dst, dst);
}

static void expect_v6(const struct tt_packet *p, const uint8_t src[16], const uint8_t dst[16])
{
	cr_assert_eq(p->ip_version, 6);
	cr_assert_arr_eq(p->src, src, 16);
	cr_assert_arr_eq(p->dst, dst, 16);
}

/* The TCP fields of a segment built from t, with its whole payload captured. */
static void expect_tcp(const struct tt_packet *p, const struct frame *f, size_t tcp_off,
                       const struct tcp_spec *t)
{
	size_t hlen = 20 + t->optlen;

	cr_assert_eq(p->ts, TS);
	cr_assert_eq(p->sport, t->sport);
	cr_assert_eq(p->dport, t->dport);
	cr_assert_eq(p->seq, t->seq);
	cr_assert_eq(p->ack, t->ack);
	cr_assert_eq(p->flags, t->flags, "flags %#x, expected %#x", p->flags, t->flags);
	cr_assert_eq(p->win, t->win);
	cr_assert_eq(p->urp, t->urp);
	cr_assert_eq(p->checksum, TCP_CSUM);
	cr_assert_eq(p->hdr_len, hlen);
	cr_assert_eq(p->payload_len, t->paylen);
	cr_assert_eq(p->payload_caplen, t->paylen);
	cr_assert(p->payload == f->b + tcp_off + hlen, "payload does not point after the header");
	cr_assert_not(p->is_icmp_error);
	cr_assert_not(p->quote_has_full_tcp);
}

/*
 * Decode f (which decodes OK in full) cut at every length 0..n, with wire_len
 * n.  Below ok_from (the end of the TCP header, or of the 8 quoted TCP bytes
 * for an ICMP error) the result must be a malformed/truncated one; from there
 * on it is OK, with payload_caplen the bytes captured below ip_end.
 */
static void check_cuts(int dlt, const struct frame *f, size_t ok_from, size_t ip_end, bool icmp)
{
	struct tt_packet full, p;
	enum tt_decode_result r;
	size_t cut, want_cap;
	bool want_full;

	cr_assert(ok_from <= ip_end && ip_end <= f->n);
	expect_result(dec(dlt, f, &full), TT_DEC_OK);
	for (cut = 0; cut <= f->n; cut++) {
		r = dec_cut(dlt, f, cut, f->n, &p);
		if (!icmp && cut < ok_from && cut >= ok_from - full.hdr_len + 20) {
			/* Cut inside the options: the fixed header counts. */
			cr_assert_eq(r, TT_DEC_OK, "cut at %zu in the options: %s", cut,
			             tt_decode_result_name(r));
			cr_assert(p.opts.truncated, "cut at %zu", cut);
			cr_assert_eq(p.payload_caplen, 0);
			cr_assert_eq(p.payload_len, full.payload_len);
			cr_assert_eq(p.seq, full.seq);
			cr_assert_eq(p.flags, full.flags);
			continue;
		}
		if (cut < ok_from) {
			cr_assert_neq(r, TT_DEC_OK, "cut at %zu of %zu decoded OK", cut, f->n);
			cr_assert(tt_decode_result_is_malformed(r), "cut at %zu: %s", cut,
			          tt_decode_result_name(r));
			continue;
		}
		cr_assert_eq(r, TT_DEC_OK, "cut at %zu of %zu: %s", cut, f->n,
		             tt_decode_result_name(r));
		cr_assert_eq(p.caplen, cut);
		cr_assert_eq(p.wire_len, f->n);
		cr_assert_eq(p.sport, full.sport);
		cr_assert_eq(p.dport, full.dport);
		cr_assert_eq(p.seq, full.seq);
		cr_assert_arr_eq(p.src, full.src, 16);
		cr_assert_arr_eq(p.dst, full.dst, 16);
		cr_assert_eq(p.payload_len, full.payload_len, "cut at %zu", cut);
		if (icmp) {
			cr_assert(p.is_icmp_error);
			cr_assert_eq(p.payload_caplen, 0);
			want_full = full.quote_has_full_tcp && cut >= ok_from + 12;
			cr_assert_eq(p.quote_has_full_tcp, want_full, "cut at %zu", cut);
			continue;
		}
		want_cap = (cut < ip_end ? cut : ip_end) - ok_from;
		cr_assert_eq(p.payload_caplen, want_cap, "cut at %zu: payload_caplen %u, want %zu",
		             cut, p.payload_caplen, want_cap);
		cr_assert(p.payload == f->b + ok_from);
		cr_assert_eq(p.flags, full.flags);
		cr_assert_eq(p.ack, full.ack);
	}
}

/* ---- link types ---------------------------------------------------------------------------- */

/* A plain segment over dlt for IP version v: every field, then every cut. */
static void link_case(int dlt, int v)
{
	struct frame f = {.n = 0};
	struct tt_packet p;
	size_t off = build(&f, dlt, v, &tcp_dflt);

	expect_ok(dlt, &f, &p);
	cr_assert_eq(p.caplen, f.n);
	cr_assert_eq(p.wire_len, f.n);
	if (v == 4) {
		expect_v4(&p, v4_a, v4_b);
		cr_assert_eq(p.ttl, 64);
	} else {
		expect_v6(&p, v6_a, v6_b);
		cr_assert_eq(p.ttl, 63);
	}
	expect_tcp(&p, &f, off, &tcp_dflt);
	expect_no_opts(&p.opts);
	check_cuts(dlt, &f, off + 20, f.n, false);
}

Test(decode, link_ethernet)
{
	link_case(TT_DLT_EN10MB, 4);
	link_case(TT_DLT_EN10MB, 6);
}

Test(decode, link_linux_sll)
{
	link_case(TT_DLT_LINUX_SLL, 4);
	link_case(TT_DLT_LINUX_SLL, 6);
}

Test(decode, link_linux_sll2)
{
	link_case(TT_DLT_LINUX_SLL2, 4);
	link_case(TT_DLT_LINUX_SLL2, 6);
}

Test(decode, link_raw)
{
	link_case(TT_DLT_RAW, 4);
	link_case(TT_DLT_RAW, 6);
	link_case(TT_DLT_RAW_OPENBSD, 4);
	link_case(TT_DLT_RAW_OPENBSD, 6);
	link_case(TT_LINKTYPE_RAW, 4);
	link_case(TT_LINKTYPE_RAW, 6);
}

Test(decode, link_ipv4_ipv6)
{
	struct frame f = {.n = 0};
	struct tt_packet p;

	link_case(TT_DLT_IPV4, 4);
	link_case(TT_DLT_IPV6, 6);
	/* the version nibble must match the link's claim */
	build(&f, TT_DLT_IPV4, 6, &tcp_dflt);
	expect_result(dec(TT_DLT_IPV4, &f, &p), TT_DEC_BAD_IP_VERSION);
	build(&f, TT_DLT_IPV6, 4, &tcp_dflt);
	expect_result(dec(TT_DLT_IPV6, &f, &p), TT_DEC_BAD_IP_VERSION);
}

Test(decode, link_raw_bad_version)
{
	struct frame f = {.n = 0};
	struct tt_packet p;

	build(&f, TT_DLT_RAW, 4, &tcp_dflt);
	set8(&f, 0, 0x55);
	expect_result(dec(TT_DLT_RAW, &f, &p), TT_DEC_BAD_IP_VERSION);
	cr_assert(tt_decode_result_is_malformed(TT_DEC_BAD_IP_VERSION));
	/* Ethernet says IPv4, the header says 6 */
	build(&f, TT_DLT_EN10MB, 4, &tcp_dflt);
	set8(&f, 14, 0x65);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_BAD_IP_VERSION);
}

Test(decode, link_null_both_byte_orders)
{
	static const uint32_t af6[] = {10, 24, 28, 30};
	struct frame f = {.n = 0};
	struct tt_packet p;
	size_t i, off;

	link_case(TT_DLT_NULL, 4);
	link_case(TT_DLT_NULL, 6);
	for (i = 0; i < sizeof(af6) / sizeof(af6[0]); i++) {
		/* little-endian capturing host */
		off = build(&f, TT_DLT_RAW, 6, &tcp_dflt);
		memmove(f.b + 4, f.b, f.n);
		f.n += 4;
		f.b[0] = (uint8_t)af6[i];
		f.b[1] = f.b[2] = f.b[3] = 0;
		expect_ok(TT_DLT_NULL, &f, &p);
		expect_v6(&p, v6_a, v6_b);
		expect_tcp(&p, &f, off + 4, &tcp_dflt);
		/* big-endian capturing host */
		f.b[0] = f.b[1] = f.b[2] = 0;
		f.b[3] = (uint8_t)af6[i];
		expect_ok(TT_DLT_NULL, &f, &p);
		expect_v6(&p, v6_a, v6_b);
	}
	/* AF_INET, big-endian */
	f.n = 0;
	put32(&f, 2);
	off = ip4(&f, 6, v4_a, v4_b, NULL, 0);
	tcp(&f, &tcp_dflt);
	ip4_done(&f, off);
	expect_ok(TT_DLT_NULL, &f, &p);
	expect_v4(&p, v4_a, v4_b);
	/* AF_UNIX, AF_APPLETALK: not IP */
	set8(&f, 3, 1);
	expect_result(dec(TT_DLT_NULL, &f, &p), TT_DEC_NOT_IP);
	set8(&f, 3, 16);
	expect_result(dec(TT_DLT_NULL, &f, &p), TT_DEC_NOT_IP);
}

Test(decode, link_loop_network_order)
{
	struct frame f = {.n = 0};
	struct tt_packet p;
	size_t off;

	link_case(TT_DLT_LOOP, 4);
	link_case(TT_DLT_LOOP, 6);
	/* LOOP is always network order: a little-endian AF_INET is not IP */
	f.n = 0;
	put_le32(&f, 2);
	off = ip4(&f, 6, v4_a, v4_b, NULL, 0);
	tcp(&f, &tcp_dflt);
	ip4_done(&f, off);
	expect_result(dec(TT_DLT_LOOP, &f, &p), TT_DEC_NOT_IP);
	f.b[0] = 0;
	f.b[3] = 28; /* FreeBSD AF_INET6 with an IPv4 header */
	expect_result(dec(TT_DLT_LOOP, &f, &p), TT_DEC_BAD_IP_VERSION);
}

Test(decode, link_unsupported)
{
	struct frame f = {.n = 0};
	struct tt_packet p;

	build(&f, TT_DLT_EN10MB, 4, &tcp_dflt);
	expect_result(dec(105 /* IEEE 802.11 */, &f, &p), TT_DEC_UNSUPPORTED_LINK);
	expect_result(dec(-1, &f, &p), TT_DEC_UNSUPPORTED_LINK);
	expect_result(dec(127 /* radiotap */, &f, &p), TT_DEC_UNSUPPORTED_LINK);
	cr_assert_not(tt_decode_result_is_malformed(TT_DEC_UNSUPPORTED_LINK));

	cr_assert(tt_decode_link_supported(TT_DLT_NULL));
	cr_assert(tt_decode_link_supported(TT_DLT_EN10MB));
	cr_assert(tt_decode_link_supported(TT_DLT_RAW));
	cr_assert(tt_decode_link_supported(TT_DLT_RAW_OPENBSD));
	cr_assert(tt_decode_link_supported(TT_LINKTYPE_RAW));
	cr_assert(tt_decode_link_supported(TT_DLT_LOOP));
	cr_assert(tt_decode_link_supported(TT_DLT_LINUX_SLL));
	cr_assert(tt_decode_link_supported(TT_DLT_LINUX_SLL2));
	cr_assert(tt_decode_link_supported(TT_DLT_IPV4));
	cr_assert(tt_decode_link_supported(TT_DLT_IPV6));
	cr_assert_not(tt_decode_link_supported(105));
	cr_assert_not(tt_decode_link_supported(9 /* PPP */));
}

Test(decode, empty_and_null_capture)
{
	struct tt_packet p;

	expect_result(tt_decode(TT_DLT_EN10MB, NULL, 0, 60, TS, &p), TT_DEC_TRUNC_LINK);
	expect_result(tt_decode(TT_DLT_EN10MB, NULL, 100, 100, TS, &p), TT_DEC_TRUNC_LINK);
	expect_result(tt_decode(TT_DLT_RAW, NULL, 0, 0, TS, &p), TT_DEC_TRUNC_IP);
	expect_result(tt_decode(TT_DLT_NULL, NULL, 0, 0, TS, &p), TT_DEC_TRUNC_LINK);
	cr_assert_eq(p.ts, TS);
}

/* ---- Ethernet details ---------------------------------------------------------------------- */

Test(decode, vlan_8021q)
{
	struct frame f = {.n = 0};
	struct tt_packet p;
	size_t ip_off, off;

	eth(&f, 0x8100);
	vlan(&f, 100, 0x86dd);
	ip_off = ip6(&f, 6, v6_a, v6_b);
	off = tcp(&f, &tcp_dflt);
	ip6_done(&f, ip_off);
	expect_ok(TT_DLT_EN10MB, &f, &p);
	expect_v6(&p, v6_a, v6_b);
	expect_tcp(&p, &f, off, &tcp_dflt);
	check_cuts(TT_DLT_EN10MB, &f, off + 20, f.n, false);
}

Test(decode, pppoe_session_over_vlan)
{
	struct frame f = {.n = 0};
	struct tt_packet p;
	size_t ip_off, off;

	eth(&f, 0x8100);
	vlan(&f, 7, 0x8864);
	put8(&f, 0x11);   /* PPPoE version 1, type 1 */
	put8(&f, 0x00);   /* code: session data */
	put16(&f, 0x0f07); /* session id */
	put16(&f, 0);     /* length (not trusted) */
	put16(&f, 0x0021); /* PPP: IPv4 */
	ip_off = ip4(&f, 6, v4_a, v4_b, NULL, 0);
	off = tcp(&f, &tcp_dflt);
	ip4_done(&f, ip_off);
	expect_ok(TT_DLT_EN10MB, &f, &p);
	expect_v4(&p, v4_a, v4_b);
	expect_tcp(&p, &f, off, &tcp_dflt);
	check_cuts(TT_DLT_EN10MB, &f, off + 20, f.n, false);
	/* PPP control protocols (LCP 0xc021) are not IP */
	set16(&f, 14 + 4 + 6, 0xc021);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_NOT_IP);
}

/* The PPPoE length bounds the IP packet: an IP total length claiming more
 * only reaches into the Ethernet padding (zeek's pppoe-over-qinq capture). */
Test(decode, pppoe_length_bounds_ip)
{
	struct frame f = {.n = 0};
	struct tt_packet p;
	size_t ip_off;

	eth(&f, 0x8864);
	put8(&f, 0x11);
	put8(&f, 0x00);
	put16(&f, 0x0f07);
	put16(&f, 2 + 20 + 20); /* PPP protocol + IPv4 header + TCP header */
	put16(&f, 0x0021);
	ip_off = ip4(&f, 6, v4_a, v4_b, NULL, 0);
	tcp(&f, &tcp_dflt);
	ip4_done(&f, ip_off);
	set16(&f, ip_off + 2, 48); /* the IP header claims 8 payload bytes */
	for (int i = 0; i < 8; i++)
		put8(&f, 0); /* Ethernet padding */
	expect_ok(TT_DLT_EN10MB, &f, &p);
	cr_assert_eq(p.payload_len, 0, "padding is not payload");
	cr_assert(p.ip_len_clamped);
	/* Without a length (0), the frame bounds it, as before. */
	set16(&f, 14 + 4, 0);
	expect_ok(TT_DLT_EN10MB, &f, &p);
	cr_assert_eq(p.payload_len, 8);
}

Test(decode, mpls_label_stack)
{
	struct frame f = {.n = 0};
	struct tt_packet p;
	size_t ip_off, off;

	eth(&f, 0x8847);
	put32(&f, (100u << 12) | 64);          /* label 100, not bottom */
	put32(&f, (200u << 12) | 0x100 | 64);  /* label 200, bottom of stack */
	ip_off = ip6(&f, 6, v6_a, v6_b);
	off = tcp(&f, &tcp_dflt);
	ip6_done(&f, ip_off);
	expect_ok(TT_DLT_EN10MB, &f, &p);
	expect_v6(&p, v6_a, v6_b);
	expect_tcp(&p, &f, off, &tcp_dflt);
	check_cuts(TT_DLT_EN10MB, &f, off + 20, f.n, false);
}

Test(decode, llc_snap_after_8023_length)
{
	struct frame f = {.n = 0};
	struct tt_packet p;
	size_t ip_off, off;

	eth(&f, 60);      /* an 802.3 length field */
	put8(&f, 0xaa);
	put8(&f, 0xaa);
	put8(&f, 0x03);
	put8(&f, 0);
	put8(&f, 0);
	put8(&f, 0);
	put16(&f, 0x0800);
	ip_off = ip4(&f, 6, v4_a, v4_b, NULL, 0);
	off = tcp(&f, &tcp_dflt);
	ip4_done(&f, ip_off);
	expect_ok(TT_DLT_EN10MB, &f, &p);
	expect_v4(&p, v4_a, v4_b);
	expect_tcp(&p, &f, off, &tcp_dflt);
	check_cuts(TT_DLT_EN10MB, &f, off + 20, f.n, false);
	/* plain 802.2 LLC (STP, NetBIOS...) is not IP */
	set8(&f, 14, 0x42);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_NOT_IP);
}

Test(decode, vlan_qinq)
{
	static const unsigned outer[] = {0x88a8, 0x9100, 0x8100};
	struct frame f = {.n = 0};
	struct tt_packet p;
	size_t i, ip_off, off;

	for (i = 0; i < sizeof(outer) / sizeof(outer[0]); i++) {
		f.n = 0;
		eth(&f, outer[i]);
		vlan(&f, 10, 0x8100);
		vlan(&f, 20, 0x0800);
		ip_off = ip4(&f, 6, v4_a, v4_b, NULL, 0);
		off = tcp(&f, &tcp_dflt);
		ip4_done(&f, ip_off);
		cr_assert_eq(off, 14 + 8 + 20);
		expect_ok(TT_DLT_EN10MB, &f, &p);
		expect_v4(&p, v4_a, v4_b);
		expect_tcp(&p, &f, off, &tcp_dflt);
		check_cuts(TT_DLT_EN10MB, &f, off + 20, f.n, false);
	}
}

Test(decode, vlan_tag_limit)
{
	struct frame f = {.n = 0};
	struct tt_packet p;
	size_t i, ip_off, off;

	/* 8 tags decode */
	eth(&f, 0x88a8);
	for (i = 0; i < 7; i++)
		vlan(&f, (unsigned)i, 0x8100);
	vlan(&f, 99, 0x0800);
	ip_off = ip4(&f, 6, v4_a, v4_b, NULL, 0);
	off = tcp(&f, &tcp_dflt);
	ip4_done(&f, ip_off);
	expect_ok(TT_DLT_EN10MB, &f, &p);
	expect_tcp(&p, &f, off, &tcp_dflt);

	/* 9 do not */
	f.n = 0;
	eth(&f, 0x8100);
	for (i = 0; i < 8; i++)
		vlan(&f, (unsigned)i, 0x8100);
	vlan(&f, 99, 0x0800);
	ip_off = ip4(&f, 6, v4_a, v4_b, NULL, 0);
	tcp(&f, &tcp_dflt);
	ip4_done(&f, ip_off);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_NOT_IP);
}

Test(decode, not_ip_ethertypes)
{
	struct frame f = {.n = 0};
	struct tt_packet p;

	/* ARP request */
	eth(&f, 0x0806);
	put16(&f, 1);
	put16(&f, 0x0800);
	put8(&f, 6);
	put8(&f, 4);
	put16(&f, 1);
	zeros(&f, 20);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_NOT_IP);
	cr_assert_not(tt_decode_result_is_malformed(TT_DEC_NOT_IP));

	/* 802.3 frame: a length field, then LLC (STP) */
	f.n = 0;
	eth(&f, 0x0026);
	put8(&f, 0x42);
	put8(&f, 0x42);
	put8(&f, 0x03);
	zeros(&f, 35);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_NOT_IP);

	/* 802.3 length 0x05dc, and LLDP inside a VLAN */
	set16(&f, 12, 0x05dc);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_NOT_IP);
	f.n = 0;
	eth(&f, 0x8100);
	vlan(&f, 5, 0x88cc);
	zeros(&f, 40);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_NOT_IP);

	/* ARP over Linux cooked v1 and v2 */
	f.n = 0;
	sll(&f, 0x0806);
	zeros(&f, 28);
	expect_result(dec(TT_DLT_LINUX_SLL, &f, &p), TT_DEC_NOT_IP);
	f.n = 0;
	sll2(&f, 0x0806);
	zeros(&f, 28);
	expect_result(dec(TT_DLT_LINUX_SLL2, &f, &p), TT_DEC_NOT_IP);
}

Test(decode, ethernet_padding_not_payload)
{
	struct frame f = {.n = 0};
	struct tt_packet p;
	struct tcp_spec t = tcp_dflt;
	size_t off, ip_end;

	t.paylen = 0;
	t.flags = TT_TH_ACK;
	off = build(&f, TT_DLT_EN10MB, 4, &t);
	ip_end = f.n;
	cr_assert_eq(ip_end, 54);
	zeros(&f, 6); /* padded to the 60-byte minimum */
	expect_ok(TT_DLT_EN10MB, &f, &p);
	expect_tcp(&p, &f, off, &t);
	cr_assert_eq(p.payload_len, 0);
	cr_assert_eq(p.payload_caplen, 0);
	check_cuts(TT_DLT_EN10MB, &f, off + 20, ip_end, false);

	/* with 2 bytes of payload and a 4-byte FCS-like trailer */
	t.paylen = 2;
	off = build(&f, TT_DLT_EN10MB, 6, &t);
	ip_end = f.n;
	put32(&f, 0xdeadbeef);
	expect_ok(TT_DLT_EN10MB, &f, &p);
	expect_tcp(&p, &f, off, &t);
	check_cuts(TT_DLT_EN10MB, &f, off + 20, ip_end, false);
}

/* A frame written out by hand, independent of the builders above. */
Test(decode, literal_frame)
{
	static const uint8_t frame[] = {
		/* Ethernet */
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x08, 0x00,
		/* IPv4: 20 bytes, total 52, DF, TTL 57, TCP, 192.168.1.2 -> 93.184.216.34 */
		0x45, 0x00, 0x00, 0x34, 0x1c, 0x46, 0x40, 0x00, 0x39, 0x06, 0x00, 0x00,
		0xc0, 0xa8, 0x01, 0x02, 0x5d, 0xb8, 0xd8, 0x22,
		/* TCP 50000 -> 443, seq 4096, ack 8192, doff 8 + AE, CWR ECE ACK FIN, win 501 */
		0xc3, 0x50, 0x01, 0xbb, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x20, 0x00,
		0x81, 0xd1, 0x01, 0xf5, 0x12, 0x34, 0x00, 0x07,
		/* NOP NOP TS 100 200 */
		0x01, 0x01, 0x08, 0x0a, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00, 0xc8,
	};
	static const uint8_t src[4] = {192, 168, 1, 2}, dst[4] = {93, 184, 216, 34};
	struct frame f = {.n = 0};
	struct tt_packet p;

	put(&f, frame, sizeof(frame));
	expect_ok(TT_DLT_EN10MB, &f, &p);
	expect_v4(&p, src, dst);
	cr_assert_eq(p.ttl, 57);
	cr_assert_eq(p.sport, 50000);
	cr_assert_eq(p.dport, 443);
	cr_assert_eq(p.seq, 4096);
	cr_assert_eq(p.ack, 8192);
	cr_assert_eq(p.flags, TT_TH_AE | TT_TH_CWR | TT_TH_ECE | TT_TH_ACK | TT_TH_FIN);
	cr_assert_eq(p.flags, 0x1d1);
	cr_assert_eq(p.win, 501);
	cr_assert_eq(p.checksum, 0x1234);
	cr_assert_eq(p.urp, 7);
	cr_assert_eq(p.hdr_len, 32);
	cr_assert_eq(p.payload_len, 0);
	cr_assert_eq(p.payload_caplen, 0);
	cr_assert(p.opts.has_ts);
	cr_assert_eq(p.opts.ts_val, 100);
	cr_assert_eq(p.opts.ts_ecr, 200);
	cr_assert_not(p.opts.bad);
	check_cuts(TT_DLT_EN10MB, &f, sizeof(frame), sizeof(frame), false);
}

/* ---- IPv4 ---------------------------------------------------------------------------------- */

Test(decode, ipv4_options_skipped)
{
	/* Router Alert (RFC 2113), NOP, NOP, Timestamp (RFC 791) with room for one entry, EOLs */
	static const uint8_t opts[16] = {0x94, 4, 0, 0, 1, 1, 0x44, 8, 5, 0, 0, 0, 0, 0, 0, 0};
	struct frame f = {.n = 0};
	struct tt_packet p;
	size_t ip_off, off;

	eth(&f, 0x0800);
	ip_off = ip4(&f, 6, v4_a, v4_b, opts, sizeof(opts));
	off = tcp(&f, &tcp_dflt);
	ip4_done(&f, ip_off);
	cr_assert_eq(f.b[ip_off], 0x49);
	cr_assert_eq(off, 14 + 36);
	expect_ok(TT_DLT_EN10MB, &f, &p);
	expect_v4(&p, v4_a, v4_b);
	expect_tcp(&p, &f, off, &tcp_dflt);
	check_cuts(TT_DLT_EN10MB, &f, off + 20, f.n, false);

	/* IHL 15: 40 option bytes */
	f.n = 0;
	eth(&f, 0x0800);
	{
		uint8_t nops[40];

		memset(nops, 1, sizeof(nops));
		ip_off = ip4(&f, 6, v4_a, v4_b, nops, sizeof(nops));
	}
	off = tcp(&f, &tcp_dflt);
	ip4_done(&f, ip_off);
	expect_ok(TT_DLT_EN10MB, &f, &p);
	expect_tcp(&p, &f, off, &tcp_dflt);
	check_cuts(TT_DLT_EN10MB, &f, off + 20, f.n, false);
}

Test(decode, ipv4_bad_ihl)
{
	struct frame f = {.n = 0};
	struct tt_packet p;
	unsigned ihl;

	build(&f, TT_DLT_EN10MB, 4, &tcp_dflt);
	for (ihl = 0; ihl < 5; ihl++) {
		set8(&f, 14, 0x40 | ihl);
		expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_BAD_IP_HLEN);
	}
	/* IHL 15 (60 bytes) but a total length of 50 */
	set8(&f, 14, 0x4f);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_BAD_IP_LEN);
	cr_assert(tt_decode_result_is_malformed(TT_DEC_BAD_IP_HLEN));
}

Test(decode, ipv4_total_length_too_small)
{
	struct frame f = {.n = 0};
	struct tt_packet p;

	build(&f, TT_DLT_EN10MB, 4, &tcp_dflt);
	set16(&f, 16, 19); /* less than the header */
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_BAD_IP_LEN);
	set16(&f, 16, 1);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_BAD_IP_LEN);
	set16(&f, 16, 30); /* room for 10 bytes of TCP only */
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_BAD_TCP_DOFF);
	set16(&f, 16, 20); /* no TCP at all */
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_BAD_TCP_DOFF);
	set16(&f, 16, 45); /* header fits: 5 of the 10 payload bytes */
	expect_ok(TT_DLT_EN10MB, &f, &p);
	cr_assert_eq(p.payload_len, 5);
	cr_assert_eq(p.payload_caplen, 5);
}

Test(decode, ipv4_total_length_too_large)
{
	struct frame f = {.n = 0};
	struct tt_packet p;
	size_t off = build(&f, TT_DLT_EN10MB, 4, &tcp_dflt);

	set16(&f, 16, 1500);
	/* The frame was not cut (caplen == wire length): the header lies, and the
	 * payload is what the wire carried. */
	expect_ok(TT_DLT_EN10MB, &f, &p);
	cr_assert(p.ip_len_clamped);
	cr_assert_eq(p.payload_len, 10);
	cr_assert_eq(p.payload_caplen, 10);
	cr_assert(p.payload == f.b + off + 20);
	/* Cut by a snaplen (wire length 1514): the IP length counts. */
	expect_result(dec_cut(TT_DLT_EN10MB, &f, f.n, 14 + 1500, &p), TT_DEC_OK);
	cr_assert(!p.ip_len_clamped);
	cr_assert_eq(p.payload_len, 1500 - 40);
	cr_assert_eq(p.payload_caplen, 10);
	check_cuts(TT_DLT_EN10MB, &f, off + 20, f.n, false);
}

Test(decode, ipv6_payload_length_too_large)
{
	struct frame f = {.n = 0};
	struct tt_packet p;

	build(&f, TT_DLT_EN10MB, 6, &tcp_dflt);
	set16(&f, 14 + 4, 3000);
	expect_ok(TT_DLT_EN10MB, &f, &p);
	cr_assert(p.ip_len_clamped);
	cr_assert_eq(p.payload_len, 10);
	expect_result(dec_cut(TT_DLT_EN10MB, &f, f.n, 14 + 40 + 3000, &p), TT_DEC_OK);
	cr_assert(!p.ip_len_clamped);
	cr_assert_eq(p.payload_len, 3000 - 20);
}

Test(decode, ipv4_total_length_zero_tso)
{
	struct frame f = {.n = 0};
	struct tt_packet p;
	struct tcp_spec t = tcp_dflt;
	size_t off;

	t.paylen = 100;
	off = build(&f, TT_DLT_EN10MB, 4, &t);
	set16(&f, 16, 0);
	expect_ok(TT_DLT_EN10MB, &f, &p);
	expect_tcp(&p, &f, off, &t);
	/* a TSO super-packet cut by the snaplen: the wire length counts */
	expect_result(dec_cut(TT_DLT_EN10MB, &f, off + 20 + 30, 14 + 40 + 30000, &p), TT_DEC_OK);
	cr_assert_eq(p.payload_len, 30000);
	cr_assert_eq(p.payload_caplen, 30);
	check_cuts(TT_DLT_EN10MB, &f, off + 20, f.n, false);
}

Test(decode, snaplen_cut_payload_counts)
{
	struct frame f = {.n = 0};
	struct tt_packet p;
	struct tcp_spec t = tcp_dflt;
	size_t off;

	t.paylen = 1000;
	off = build(&f, TT_DLT_EN10MB, 4, &t);
	expect_result(dec_cut(TT_DLT_EN10MB, &f, off + 20 + 5, f.n, &p), TT_DEC_OK);
	cr_assert_eq(p.caplen, off + 25);
	cr_assert_eq(p.wire_len, f.n);
	cr_assert_eq(p.payload_len, 1000);
	cr_assert_eq(p.payload_caplen, 5);
	cr_assert_eq(p.payload[0], pay_byte(0));
	cr_assert_eq(p.payload[4], pay_byte(4));
	/* snaplen exactly at the TCP header */
	expect_result(dec_cut(TT_DLT_EN10MB, &f, off + 20, f.n, &p), TT_DEC_OK);
	cr_assert_eq(p.payload_len, 1000);
	cr_assert_eq(p.payload_caplen, 0);
	/* and a byte short of it */
	expect_result(dec_cut(TT_DLT_EN10MB, &f, off + 19, f.n, &p), TT_DEC_TRUNC_TCP);
	expect_result(dec_cut(TT_DLT_EN10MB, &f, 14 + 19, f.n, &p), TT_DEC_TRUNC_IP);
	expect_result(dec_cut(TT_DLT_EN10MB, &f, 13, f.n, &p), TT_DEC_TRUNC_LINK);
}

Test(decode, ipv4_fragments)
{
	struct frame f = {.n = 0};
	struct tt_packet p;
	struct tcp_spec t = tcp_dflt;
	size_t off;

	/* first fragment (offset 0, MF): decoded; payload_len is this fragment's share */
	t.paylen = 64;
	off = build(&f, TT_DLT_EN10MB, 4, &t);
	set16(&f, 20, 0x2000);
	expect_ok(TT_DLT_EN10MB, &f, &p);
	expect_tcp(&p, &f, off, &t);
	check_cuts(TT_DLT_EN10MB, &f, off + 20, f.n, false);

	/* later fragments, with and without MF */
	set16(&f, 20, 0x2000 | 185);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_FRAGMENT);
	set16(&f, 20, 1);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_FRAGMENT);
	set16(&f, 20, 0x4000 | 0x1fff);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_FRAGMENT);
	cr_assert_not(tt_decode_result_is_malformed(TT_DEC_FRAGMENT));

	/* a tiny first fragment that does not hold the whole TCP header (RFC 1858) */
	set16(&f, 20, 0x2000);
	set16(&f, 16, 20 + 8);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_FRAGMENT);
	/* the same lengths without MF are simply broken */
	set16(&f, 20, 0x0000);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_BAD_TCP_DOFF);
}

Test(decode, not_tcp_protocols)
{
	struct frame f = {.n = 0};
	struct tt_packet p;
	size_t ip_off;

	/* UDP */
	eth(&f, 0x0800);
	ip_off = ip4(&f, 17, v4_a, v4_b, NULL, 0);
	put16(&f, 53);
	put16(&f, 53);
	put16(&f, 8);
	put16(&f, 0);
	ip4_done(&f, ip_off);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_NOT_TCP);
	cr_assert_not(tt_decode_result_is_malformed(TT_DEC_NOT_TCP));
	/* GRE, SCTP, ICMPv6 in IPv4 */
	set8(&f, 14 + 9, 47);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_NOT_TCP);
	set8(&f, 14 + 9, 132);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_NOT_TCP);
	set8(&f, 14 + 9, 58);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_NOT_TCP);

	/* UDP over IPv6; ICMP (v4) in IPv6 */
	f.n = 0;
	eth(&f, 0x86dd);
	ip_off = ip6(&f, 17, v6_a, v6_b);
	zeros(&f, 8);
	ip6_done(&f, ip_off);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_NOT_TCP);
	set8(&f, 14 + 6, 1);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_NOT_TCP);
}

/* ---- IPv6 ---------------------------------------------------------------------------------- */

Test(decode, ipv6_extension_chain)
{
	struct frame f = {.n = 0};
	struct tt_packet p;
	struct tcp_spec t = tcp_dflt;
	size_t ip_off, off;

	t.paylen = 33;
	eth(&f, 0x86dd);
	ip_off = ip6(&f, 0, v6_a, v6_b);
	ext6(&f, 60, 0);     /* hop-by-hop, 8 bytes */
	ext6(&f, 43, 1);     /* destination options, 16 bytes */
	ext6(&f, 44, 2);     /* routing, 24 bytes */
	frag6(&f, 51, 0, 1); /* first fragment, 8 bytes */
	ah6(&f, 60, 4);      /* AH, 24 bytes */
	ext6(&f, 6, 0);      /* destination options again, 8 bytes */
	off = tcp(&f, &t);
	ip6_done(&f, ip_off);
	cr_assert_eq(off, 14 + 40 + 8 + 16 + 24 + 8 + 24 + 8);
	expect_ok(TT_DLT_EN10MB, &f, &p);
	expect_v6(&p, v6_a, v6_b);
	cr_assert_eq(p.ttl, 63);
	expect_tcp(&p, &f, off, &t);
	check_cuts(TT_DLT_EN10MB, &f, off + 20, f.n, false);

	/* a later fragment */
	set16(&f, 14 + 40 + 8 + 16 + 24 + 2, (1480 / 8) << 3 | 1);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_FRAGMENT);
	set16(&f, 14 + 40 + 8 + 16 + 24 + 2, 8 << 3);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_FRAGMENT);
}

Test(decode, ipv6_extension_limits)
{
	struct frame f = {.n = 0};
	struct tt_packet p;
	size_t i, ip_off, off;

	/* 16 extension headers decode */
	eth(&f, 0x86dd);
	ip_off = ip6(&f, 60, v6_a, v6_b);
	for (i = 0; i < 16; i++)
		ext6(&f, i < 15 ? 60 : 6, 0);
	off = tcp(&f, &tcp_dflt);
	ip6_done(&f, ip_off);
	expect_ok(TT_DLT_EN10MB, &f, &p);
	expect_tcp(&p, &f, off, &tcp_dflt);

	/* 17 do not */
	f.n = 0;
	eth(&f, 0x86dd);
	ip_off = ip6(&f, 60, v6_a, v6_b);
	for (i = 0; i < 17; i++)
		ext6(&f, i < 16 ? 60 : 6, 0);
	tcp(&f, &tcp_dflt);
	ip6_done(&f, ip_off);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_BAD_IP6_EXT);
	cr_assert(tt_decode_result_is_malformed(TT_DEC_BAD_IP6_EXT));

	/* hop-by-hop anywhere but first (RFC 8200 §4.1) */
	f.n = 0;
	eth(&f, 0x86dd);
	ip_off = ip6(&f, 60, v6_a, v6_b);
	ext6(&f, 0, 0);
	ext6(&f, 6, 0);
	tcp(&f, &tcp_dflt);
	ip6_done(&f, ip_off);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_BAD_IP6_EXT);

	/* destination options twice; a chain longer than the payload length */
	set8(&f, 14 + 40, 60);
	expect_ok(TT_DLT_EN10MB, &f, &p);
	cr_assert_eq(p.payload_len, 10);
	set16(&f, 14 + 4, 12);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_BAD_IP_LEN);
	set16(&f, 14 + 4, 1);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_BAD_IP_LEN);
	/* a chain that fits, with no room for TCP */
	set16(&f, 14 + 4, 16 + 10);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_BAD_TCP_DOFF);
}

Test(decode, ipv6_no_next_esp_mobility)
{
	struct frame f = {.n = 0};
	struct tt_packet p;
	size_t ip_off;

	eth(&f, 0x86dd);
	ip_off = ip6(&f, 59, v6_a, v6_b);
	ip6_done(&f, ip_off);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_NOT_TCP);

	f.n = 0;
	eth(&f, 0x86dd);
	ip_off = ip6(&f, 60, v6_a, v6_b);
	ext6(&f, 135, 0);
	ext6(&f, 59, 1); /* mobility header: payload proto is always NONE */
	ip6_done(&f, ip_off);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_NOT_TCP);

	f.n = 0;
	eth(&f, 0x86dd);
	ip_off = ip6(&f, 50, v6_a, v6_b);
	put32(&f, 0x1000);
	zeros(&f, 40);
	ip6_done(&f, ip_off);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_NOT_TCP);
}

Test(decode, ipv6_jumbogram)
{
	struct frame f = {.n = 0};
	struct tt_packet p;
	struct tcp_spec t = tcp_dflt;
	size_t ip_off, off;

	t.paylen = 100;
	eth(&f, 0x86dd);
	ip_off = ip6(&f, 0, v6_a, v6_b);
	/* hop-by-hop: Pad1, Pad1, Jumbo Payload (RFC 2675) */
	put8(&f, 6);
	put8(&f, 0);
	put8(&f, 0xc2);
	put8(&f, 4);
	put32(&f, 70000);
	off = tcp(&f, &t);
	set16(&f, ip_off + 4, 0);
	expect_result(dec_cut(TT_DLT_EN10MB, &f, f.n, 14 + 40 + 70000, &p), TT_DEC_OK);
	expect_v6(&p, v6_a, v6_b);
	cr_assert_eq(p.payload_len, 70000 - 8 - 20);
	cr_assert_eq(p.payload_caplen, 100);
	cr_assert(p.payload == f.b + off + 20);
	check_cuts(TT_DLT_EN10MB, &f, off + 20, f.n, false);

	/* the option after Pad1 and PadN */
	f.n = 0;
	eth(&f, 0x86dd);
	ip_off = ip6(&f, 0, v6_a, v6_b);
	put8(&f, 6);
	put8(&f, 1);
	put8(&f, 0);          /* Pad1 */
	put8(&f, 1);          /* PadN, 5 bytes of data */
	put8(&f, 5);
	zeros(&f, 5);
	put8(&f, 0xc2);
	put8(&f, 4);
	put32(&f, 123456);
	off = tcp(&f, &t);
	expect_ok(TT_DLT_EN10MB, &f, &p);
	cr_assert_eq(p.payload_len, 123456 - 16 - 20);
	cr_assert_eq(p.payload_caplen, 100);
	cr_assert(p.payload == f.b + off + 20);
}

Test(decode, ipv6_zero_payload_length_uses_wire)
{
	struct frame f = {.n = 0};
	struct tt_packet p;
	struct tcp_spec t = tcp_dflt;
	size_t off;

	t.paylen = 40;
	off = build(&f, TT_DLT_EN10MB, 6, &t);
	set16(&f, 14 + 4, 0);
	expect_ok(TT_DLT_EN10MB, &f, &p);
	expect_tcp(&p, &f, off, &t);
	expect_result(dec_cut(TT_DLT_EN10MB, &f, f.n, f.n + 5000, &p), TT_DEC_OK);
	cr_assert_eq(p.payload_len, 40 + 5000);
	cr_assert_eq(p.payload_caplen, 40);

	/* a hop-by-hop header without a Jumbo option: still the wire */
	f.n = 0;
	{
		size_t ip_off;

		eth(&f, 0x86dd);
		ip_off = ip6(&f, 0, v6_a, v6_b);
		ext6(&f, 6, 0);
		off = tcp(&f, &t);
		set16(&f, ip_off + 4, 0);
	}
	expect_ok(TT_DLT_EN10MB, &f, &p);
	cr_assert_eq(p.payload_len, 40);
	cr_assert(p.payload == f.b + off + 20);
	check_cuts(TT_DLT_EN10MB, &f, off + 20, f.n, false);
}

/* ---- tunnels ------------------------------------------------------------------------------- */

/* outer IP version ov carrying inner version iv carrying TCP, over Ethernet */
static size_t tunnel(struct frame *f, int ov, int iv, const struct tcp_spec *t)
{
	size_t outer, inner, off;
	unsigned proto = iv == 4 ? 4 : 41;

	f->n = 0;
	eth(f, ov == 4 ? 0x0800 : 0x86dd);
	outer = ov == 4 ? ip4(f, proto, v4_tun_a, v4_tun_b, NULL, 0)
	                : ip6(f, proto, v6_tun_a, v6_tun_b);
	inner = iv == 4 ? ip4(f, 6, v4_a, v4_b, NULL, 0) : ip6(f, 6, v6_a, v6_b);
	off = tcp(f, t);
	if (iv == 4)
		ip4_done(f, inner);
	else
		ip6_done(f, inner);
	if (ov == 4)
		ip4_done(f, outer);
	else
		ip6_done(f, outer);
	return off;
}

Test(decode, tunnels)
{
	static const int vers[4][2] = {{4, 6}, {4, 4}, {6, 4}, {6, 6}};
	struct frame f = {.n = 0};
	struct tt_packet p;
	size_t i, off;

	for (i = 0; i < 4; i++) {
		off = tunnel(&f, vers[i][0], vers[i][1], &tcp_dflt);
		expect_ok(TT_DLT_EN10MB, &f, &p);
		if (vers[i][1] == 4)
			expect_v4(&p, v4_a, v4_b);
		else
			expect_v6(&p, v6_a, v6_b);
		cr_assert_eq(p.ttl, vers[i][1] == 4 ? 64 : 63);
		expect_tcp(&p, &f, off, &tcp_dflt);
		check_cuts(TT_DLT_EN10MB, &f, off + 20, f.n, false);
	}

	/* 6in4 whose inner header is IPv4 */
	tunnel(&f, 4, 4, &tcp_dflt);
	set8(&f, 14 + 9, 41);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_BAD_IP_VERSION);
	/* the inner packet's lengths are checked too */
	tunnel(&f, 4, 4, &tcp_dflt);
	set16(&f, 14 + 20 + 2, 10);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_BAD_IP_LEN);
	/* an inner later fragment */
	tunnel(&f, 6, 4, &tcp_dflt);
	set16(&f, 14 + 40 + 6, 100);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_FRAGMENT);
}

/* AYIYA: IPv6 in UDP port 5072 (the zeek capture ayiya-ipv6-in-udp). */
static size_t ayiya_frame(struct frame *f, unsigned opcode, unsigned next)
{
	size_t ip_off, udp_off, in_off, off;

	f->n = 0;
	eth(f, 0x0800);
	ip_off = ip4(f, 17, v4_a, v4_b, NULL, 0);
	udp_off = f->n;
	put16(f, 5072);
	put16(f, 53796);
	put16(f, 0); /* length, set below */
	put16(f, 0);
	put8(f, 0x41);          /* identity 2^4 = 16 bytes, integer */
	put8(f, 0x52);          /* signature 5 words = 20 bytes, SHA1 */
	put8(f, 0x10 | opcode); /* shared secret; forward */
	put8(f, next);
	put32(f, 1257655293);   /* epoch */
	for (int i = 0; i < 36; i++)
		put8(f, (unsigned)i); /* identity and signature */
	in_off = ip6(f, 6, v6_a, v6_b);
	off = tcp(f, &tcp_dflt);
	ip6_done(f, in_off);
	set16(f, udp_off + 4, (unsigned)(f->n - udp_off));
	ip4_done(f, ip_off);
	return off;
}

Test(decode, ayiya_ipv6_in_udp)
{
	struct frame f;
	struct tt_packet p;
	size_t off = ayiya_frame(&f, 1, 41);

	expect_ok(TT_DLT_EN10MB, &f, &p);
	expect_v6(&p, v6_a, v6_b);
	expect_tcp(&p, &f, off, &tcp_dflt);
	/* Cut in the UDP header: not TCP as far as anyone knows; after the
	 * ports say AYIYA: truncated; from the inner TCP header's end: decoded. */
	for (size_t cut = 0; cut <= f.n; cut++) {
		enum tt_decode_result r = dec_cut(TT_DLT_EN10MB, &f, cut, f.n, &p);
		if (cut >= off + 20)
			cr_assert_eq(r, TT_DEC_OK, "cut at %zu", cut);
		else if (cut >= 14 + 20 + 4)
			cr_assert(tt_decode_result_is_malformed(r), "cut at %zu: %s", cut,
			          tt_decode_result_name(r));
		else
			cr_assert_neq(r, TT_DEC_OK, "cut at %zu", cut);
	}
	/* Not "forward", or not IP inside: just UDP. */
	ayiya_frame(&f, 0, 41);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_NOT_TCP);
	ayiya_frame(&f, 1, 59);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_NOT_TCP);
	/* Another port: just UDP. */
	ayiya_frame(&f, 1, 41);
	set16(&f, 14 + 20, 5073);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_NOT_TCP);
}

Test(decode, tunnel_nesting_limit)
{
	struct frame f = {.n = 0};
	struct tt_packet p;
	size_t o1, o2, o3, o4, off;

	/* two encapsulations: decoded */
	eth(&f, 0x0800);
	o1 = ip4(&f, 4, v4_tun_a, v4_tun_b, NULL, 0);
	o2 = ip4(&f, 41, v4_tun_b, v4_tun_a, NULL, 0);
	o3 = ip6(&f, 6, v6_a, v6_b);
	off = tcp(&f, &tcp_dflt);
	ip6_done(&f, o3);
	ip4_done(&f, o2);
	ip4_done(&f, o1);
	expect_ok(TT_DLT_EN10MB, &f, &p);
	expect_v6(&p, v6_a, v6_b);
	expect_tcp(&p, &f, off, &tcp_dflt);
	check_cuts(TT_DLT_EN10MB, &f, off + 20, f.n, false);

	/* three: not decoded */
	f.n = 0;
	eth(&f, 0x0800);
	o1 = ip4(&f, 4, v4_tun_a, v4_tun_b, NULL, 0);
	o2 = ip4(&f, 4, v4_tun_b, v4_tun_a, NULL, 0);
	o3 = ip4(&f, 4, v4_tun_a, v4_tun_b, NULL, 0);
	o4 = ip4(&f, 6, v4_a, v4_b, NULL, 0);
	tcp(&f, &tcp_dflt);
	ip4_done(&f, o4);
	ip4_done(&f, o3);
	ip4_done(&f, o2);
	ip4_done(&f, o1);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_NOT_TCP);
}

/* ---- TCP header ---------------------------------------------------------------------------- */

Test(decode, tcp_flags_each_and_all)
{
	static const uint16_t each[] = {TT_TH_FIN, TT_TH_SYN, TT_TH_RST, TT_TH_PSH, TT_TH_ACK,
	                                TT_TH_URG, TT_TH_ECE, TT_TH_CWR, TT_TH_AE};
	struct frame f = {.n = 0};
	struct tt_packet p;
	struct tcp_spec t = tcp_dflt;
	size_t i, off;

	for (i = 0; i < sizeof(each) / sizeof(each[0]); i++) {
		t.flags = each[i];
		off = build(&f, TT_DLT_EN10MB, 4, &t);
		expect_ok(TT_DLT_EN10MB, &f, &p);
		expect_tcp(&p, &f, off, &t);
	}
	t.flags = 0x1ff;
	t.urp = 0x0102;
	t.win = 0xffff;
	t.seq = 0xffffffff;
	t.ack = 0x80000000;
	t.sport = 65535;
	t.dport = 1;
	off = build(&f, TT_DLT_EN10MB, 6, &t);
	expect_ok(TT_DLT_EN10MB, &f, &p);
	expect_tcp(&p, &f, off, &t);
	cr_assert_eq(p.flags, TT_TH_FIN | TT_TH_SYN | TT_TH_RST | TT_TH_PSH | TT_TH_ACK |
	                      TT_TH_URG | TT_TH_ECE | TT_TH_CWR | TT_TH_AE);
	/* the reserved bits of byte 12 are not flags */
	t.flags = TT_TH_SYN;
	off = build(&f, TT_DLT_EN10MB, 4, &t);
	set8(&f, off + 12, 0x5e);
	expect_ok(TT_DLT_EN10MB, &f, &p);
	cr_assert_eq(p.flags, TT_TH_SYN);
	/* ECE and CWR alone (RFC 3168) and AE alone */
	set8(&f, off + 12, 0x51);
	set8(&f, off + 13, 0xc2);
	expect_ok(TT_DLT_EN10MB, &f, &p);
	cr_assert_eq(p.flags, TT_TH_AE | TT_TH_CWR | TT_TH_ECE | TT_TH_SYN);
}

Test(decode, tcp_bad_data_offset)
{
	struct frame f = {.n = 0};
	struct tt_packet p;
	struct tcp_spec t = tcp_dflt;
	size_t off;
	unsigned doff;

	off = build(&f, TT_DLT_EN10MB, 4, &t);
	for (doff = 0; doff < 5; doff++) {
		set8(&f, off + 12, doff << 4);
		expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_BAD_TCP_DOFF);
	}
	/* 15 words = 60 bytes, but the IP payload is 30 */
	set8(&f, off + 12, 0xf0);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_BAD_TCP_DOFF);
	/* 7 words = 28 bytes of 30: fits */
	set8(&f, off + 12, 0x70);
	expect_ok(TT_DLT_EN10MB, &f, &p);
	cr_assert_eq(p.hdr_len, 28);
	cr_assert_eq(p.payload_len, 2);
	/* 8 words = 32 > 30 */
	set8(&f, off + 12, 0x80);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_BAD_TCP_DOFF);
	cr_assert(tt_decode_result_is_malformed(TT_DEC_BAD_TCP_DOFF));

	/* inside the IP length but past the capture: the fixed header counts,
	 * the options are marked as cut */
	t.paylen = 200;
	off = build(&f, TT_DLT_EN10MB, 6, &t);
	set8(&f, off + 12, 0xf0);
	expect_result(dec_cut(TT_DLT_EN10MB, &f, off + 40, f.n, &p), TT_DEC_OK);
	cr_assert(p.opts.truncated);
	cr_assert_eq(p.hdr_len, 60);
	cr_assert_eq(p.payload_len, 200 + 20 - 60);
	cr_assert_eq(p.payload_caplen, 0);
	/* ... but not the fixed header itself */
	expect_result(dec_cut(TT_DLT_EN10MB, &f, off + 19, f.n, &p), TT_DEC_TRUNC_TCP);
	expect_result(dec_cut(TT_DLT_EN10MB, &f, off + 60, f.n, &p), TT_DEC_OK);
	cr_assert_eq(p.hdr_len, 60);
	cr_assert_eq(p.payload_len, 160);
	cr_assert_eq(p.payload_caplen, 0);
	cr_assert(p.opts.bad); /* the payload bytes as options */
}

/* ---- TCP options --------------------------------------------------------------------------- */

/* Decode a segment carrying opts (EOL-padded to a multiple of 4); checks the rest of the header. */
static struct tt_tcp_opts opts_case(const uint8_t *opts, size_t n)
{
	uint8_t padded[40] = {0};
	struct frame f = {.n = 0};
	struct tt_packet p;
	struct tcp_spec t = tcp_dflt;
	size_t off;

	cr_assert(n <= 40);
	memcpy(padded, opts, n);
	t.opts = padded;
	t.optlen = (n + 3) / 4 * 4;
	t.flags = TT_TH_SYN;
	off = build(&f, TT_DLT_EN10MB, 4, &t);
	expect_ok(TT_DLT_EN10MB, &f, &p);
	expect_tcp(&p, &f, off, &t);
	check_cuts(TT_DLT_EN10MB, &f, off + 20 + t.optlen, f.n, false);
	return p.opts;
}

Test(decode, tcp_options_syn)
{
	static const uint8_t o[] = {
		2, 4, 0x05, 0xb4,                              /* MSS 1460 */
		4, 2,                                          /* SACK permitted */
		8, 10, 0, 0, 0x30, 0x39, 0xde, 0xad, 0xbe, 0xef, /* TS 12345, 0xdeadbeef */
		1,                                             /* NOP */
		3, 3, 7,                                       /* WS 7 */
	};
	struct tt_tcp_opts x = opts_case(o, sizeof(o));

	cr_assert_not(x.bad);
	cr_assert(x.has_mss);
	cr_assert_eq(x.mss, 1460);
	cr_assert(x.sack_permitted);
	cr_assert(x.has_ts);
	cr_assert_eq(x.ts_val, 12345);
	cr_assert_eq(x.ts_ecr, 0xdeadbeef);
	cr_assert(x.has_wscale);
	cr_assert_eq(x.wscale, 7);
	cr_assert_eq(x.n_sack, 0);

	/* The same 20 bytes but for one (the decoder reads this layout in one
	 * go): a window scale option of length 2 is malformed, NOPs in its
	 * place leave no window scale. */
	{
		uint8_t bad[sizeof(o)], nop[sizeof(o)];

		memcpy(bad, o, sizeof(o));
		bad[18] = 2;
		x = opts_case(bad, sizeof(bad));
		cr_assert(x.bad);
		cr_assert(x.has_ts);
		cr_assert_not(x.has_wscale);
		memcpy(nop, o, sizeof(o));
		nop[17] = nop[18] = nop[19] = 1;
		x = opts_case(nop, sizeof(nop));
		cr_assert_not(x.bad);
		cr_assert(x.has_mss);
		cr_assert(x.has_ts);
		cr_assert_not(x.has_wscale);
	}
}

Test(decode, tcp_options_wscale_not_clamped)
{
	static const uint8_t o15[] = {1, 3, 3, 15}, o255[] = {3, 3, 255, 0}, o0[] = {3, 3, 0};
	struct tt_tcp_opts x;

	x = opts_case(o15, sizeof(o15));
	cr_assert(x.has_wscale);
	cr_assert_eq(x.wscale, 15);
	x = opts_case(o255, sizeof(o255));
	cr_assert_eq(x.wscale, 255);
	cr_assert_not(x.bad);
	x = opts_case(o0, sizeof(o0));
	cr_assert(x.has_wscale);
	cr_assert_eq(x.wscale, 0);
	cr_assert_not(x.has_mss);
}

Test(decode, tcp_options_sack_blocks)
{
	uint8_t o[40];
	struct tt_tcp_opts x;
	size_t n, i, k;

	for (n = 1; n <= 4; n++) {
		k = 0;
		o[k++] = 1;
		o[k++] = 1;
		o[k++] = 5;
		o[k++] = (uint8_t)(2 + 8 * n);
		for (i = 0; i < 2 * n; i++) {
			uint32_t v = 0x10000000u * (uint32_t)(i + 1) + (uint32_t)i;

			o[k++] = (uint8_t)(v >> 24);
			o[k++] = (uint8_t)(v >> 16);
			o[k++] = (uint8_t)(v >> 8);
			o[k++] = (uint8_t)v;
		}
		x = opts_case(o, k);
		cr_assert_not(x.bad, "%zu blocks", n);
		cr_assert_eq(x.n_sack, n);
		for (i = 0; i < n; i++) {
			cr_assert_eq(x.sack[i][0], 0x10000000u * (uint32_t)(2 * i + 1) + 2 * i);
			cr_assert_eq(x.sack[i][1], 0x10000000u * (uint32_t)(2 * i + 2) + 2 * i + 1);
		}
	}

	/* SACK with timestamps, the usual combination */
	{
		static const uint8_t st[] = {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2,
		                             1, 1, 5, 10, 0, 0, 0x10, 0, 0, 0, 0x20, 0};

		x = opts_case(st, sizeof(st));
		cr_assert(x.has_ts);
		cr_assert_eq(x.ts_val, 1);
		cr_assert_eq(x.ts_ecr, 2);
		cr_assert_eq(x.n_sack, 1);
		cr_assert_eq(x.sack[0][0], 0x1000);
		cr_assert_eq(x.sack[0][1], 0x2000);
	}
}

Test(decode, tcp_options_unknown_nop_eol)
{
	/* MPTCP (30) and TCP Fast Open (34) are skipped by length; MSS follows */
	static const uint8_t unk[] = {30, 4, 0x10, 0x01, 34, 10, 1, 2, 3, 4, 5, 6, 7, 8,
	                              1, 1, 2, 4, 0x23, 0x28};
	/* nothing after EOL is parsed, not even garbage */
	static const uint8_t eol[] = {2, 4, 0x05, 0x00, 0, 3, 3, 9, 0, 1, 0xff, 0xff};
	/* only NOPs */
	static const uint8_t nops[] = {1, 1, 1, 1, 1, 1, 1, 1};
	struct tt_tcp_opts x;

	x = opts_case(unk, sizeof(unk));
	cr_assert_not(x.bad);
	cr_assert(x.has_mss);
	cr_assert_eq(x.mss, 9000);
	x = opts_case(eol, sizeof(eol));
	cr_assert_not(x.bad);
	cr_assert(x.has_mss);
	cr_assert_eq(x.mss, 1280);
	cr_assert_not(x.has_wscale);
	x = opts_case(nops, sizeof(nops));
	expect_no_opts(&x);
}

Test(decode, tcp_options_malformed)
{
	static const struct {
		uint8_t o[12];
		size_t n;
		bool mss_before; /* an MSS option precedes the bad one */
	} bad[] = {
		{{2, 4, 0x05, 0xb4, 30, 0, 3, 3, 7}, 9, true},       /* len 0 */
		{{2, 4, 0x05, 0xb4, 30, 1, 3, 3, 7}, 9, true},       /* len 1 */
		{{2, 4, 0x05, 0xb4, 1, 1, 1, 1, 1, 1, 1, 30}, 12, true}, /* no length byte */
		{{1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2}, 8, false},   /* TS overlong: 8 > 4 left */
		{{2, 4, 0x05, 0xb4, 30, 9, 1, 1}, 8, true},          /* unknown kind overlong */
		{{2, 3, 0x05, 1, 3, 3, 7}, 7, false},                /* MSS len 3 */
		{{2, 5, 0x05, 0xb4, 0, 3, 3, 7}, 8, false},          /* MSS len 5 */
		{{2, 4, 0x05, 0xb4, 3, 4, 7, 0}, 8, true},           /* WS len 4 */
		{{2, 4, 0x05, 0xb4, 3, 2, 3, 3, 7}, 9, true},        /* WS len 2 */
		{{2, 4, 0x05, 0xb4, 4, 3, 0, 3, 3, 7}, 10, true},    /* SACK_PERM len 3 */
		{{8, 12, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0}, 12, false},  /* TS len 12 */
		{{8, 8, 0, 0, 0, 1, 0, 0, 3, 3, 7}, 11, false},      /* TS len 8 */
		{{2, 4, 0x05, 0xb4, 5, 2, 3, 3, 7}, 9, true},        /* SACK with no block */
		{{5, 11, 0, 0, 0, 1, 0, 0, 0, 2, 0}, 11, false},     /* SACK len 11 */
	};
	struct tt_tcp_opts x;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		x = opts_case(bad[i].o, bad[i].n);
		cr_assert(x.bad, "case %zu", i);
		cr_assert_eq(x.has_mss, bad[i].mss_before, "case %zu", i);
		if (bad[i].mss_before)
			cr_assert_eq(x.mss, 1460, "case %zu", i);
		cr_assert_not(x.has_wscale, "case %zu: parsed past a bad option", i);
		cr_assert_not(x.has_ts, "case %zu", i);
		cr_assert_not(x.sack_permitted, "case %zu", i);
		cr_assert_eq(x.n_sack, 0, "case %zu", i);
	}
}

Test(decode, tcp_options_sack_overlong_in_max_header)
{
	/* SACK claiming 5 blocks (42 bytes) does not fit in 40 option bytes */
	uint8_t o[40];
	struct tt_tcp_opts x;

	memset(o, 0, sizeof(o));
	o[0] = 5;
	o[1] = 42;
	x = opts_case(o, sizeof(o));
	cr_assert(x.bad);
	cr_assert_eq(x.n_sack, 0);
	/* 4 blocks + WS: ok */
	o[0] = 5;
	o[1] = 34;
	o[34] = 3;
	o[35] = 3;
	o[36] = 14;
	x = opts_case(o, 37);
	cr_assert_not(x.bad);
	cr_assert_eq(x.n_sack, 4);
	cr_assert(x.has_wscale);
	cr_assert_eq(x.wscale, 14);
}

/* ---- ICMP errors --------------------------------------------------------------------------- */

static const struct tcp_spec syn_spec = {
	.sport = 51000, .dport = 443, .seq = 0xdeadbeef, .ack = 0,
	.flags = TT_TH_SYN | TT_TH_ECE | TT_TH_CWR, .win = 64240,
	.opts = (const uint8_t[]){2, 4, 0x05, 0xb4, 1, 3, 3, 7}, .optlen = 8,
};

/*
 * An ICMPv4 error (type, code) from v4_router to v4_a quoting the first
 * quote_tcp bytes of a SYN v4_a -> v4_b (quoted protocol qproto); returns the
 * offset of the quoted TCP header.
 */
static size_t icmp4(struct frame *f, unsigned type, unsigned code, unsigned qproto,
                    size_t quote_tcp)
{
	struct frame seg = {.n = 0};
	size_t outer, quoted, qtcp;

	tcp(&seg, &syn_spec);
	cr_assert(quote_tcp <= seg.n);
	f->n = 0;
	eth(f, 0x0800);
	outer = ip4(f, 1, v4_router, v4_a, NULL, 0);
	put8(f, type);
	put8(f, code);
	put16(f, 0);
	put32(f, 0);
	quoted = ip4(f, qproto, v4_a, v4_b, NULL, 0);
	set16(f, quoted + 2, (unsigned)(20 + seg.n)); /* the original length */
	set8(f, quoted + 8, 1);                       /* TTL expired on the way */
	qtcp = f->n;
	put(f, seg.b, quote_tcp);
	ip4_done(f, outer);
	return qtcp;
}

static void expect_syn_quote(const struct tt_packet *p, bool full)
{
	cr_assert(p->is_icmp_error);
	cr_assert_eq(p->quote_has_full_tcp, full);
	expect_v4(p, v4_a, v4_b);
	expect_addr4(p->icmp_src, v4_router);
	cr_assert_eq(p->icmp_version, 4);
	cr_assert_eq(p->ttl, 1);
	cr_assert_eq(p->sport, 51000);
	cr_assert_eq(p->dport, 443);
	cr_assert_eq(p->seq, 0xdeadbeef);
	cr_assert_eq(p->payload_len, 0);
	cr_assert_eq(p->payload_caplen, 0);
	if (full) {
		cr_assert_eq(p->flags, TT_TH_SYN | TT_TH_ECE | TT_TH_CWR);
		cr_assert_eq(p->ack, 0);
		cr_assert_eq(p->win, 64240);
		cr_assert_eq(p->checksum, TCP_CSUM);
		cr_assert_eq(p->hdr_len, 28);
	} else {
		cr_assert_eq(p->flags, 0);
		cr_assert_eq(p->win, 0);
	}
}

Test(decode, icmp_unreachable_quoting_syn_8_bytes)
{
	struct frame f = {.n = 0};
	struct tt_packet p;
	size_t qtcp = icmp4(&f, 3, 1, 6, 8);

	expect_ok(TT_DLT_EN10MB, &f, &p);
	expect_syn_quote(&p, false);
	cr_assert_eq(p.icmp_type, 3);
	cr_assert_eq(p.icmp_code, 1);
	cr_assert_eq(p.ts, TS);
	check_cuts(TT_DLT_EN10MB, &f, qtcp + 8, f.n, true);
}

Test(decode, icmp_unreachable_quoting_syn_full)
{
	struct frame f = {.n = 0};
	struct tt_packet p;
	size_t qtcp;

	qtcp = icmp4(&f, 3, 1, 6, 28); /* RFC 1812: as much as fits */
	expect_ok(TT_DLT_EN10MB, &f, &p);
	expect_syn_quote(&p, true);
	check_cuts(TT_DLT_EN10MB, &f, qtcp + 8, f.n, true);

	qtcp = icmp4(&f, 3, 1, 6, 20);
	expect_ok(TT_DLT_EN10MB, &f, &p);
	expect_syn_quote(&p, true);
	qtcp = icmp4(&f, 3, 1, 6, 19);
	expect_ok(TT_DLT_EN10MB, &f, &p);
	expect_syn_quote(&p, false);
	(void)qtcp;
}

Test(decode, icmp_other_error_types)
{
	static const unsigned types[] = {3, 4, 5, 11, 12};
	struct frame f = {.n = 0};
	struct tt_packet p;
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		icmp4(&f, types[i], 0, 6, 20);
		expect_ok(TT_DLT_EN10MB, &f, &p);
		expect_syn_quote(&p, true);
		cr_assert_eq(p.icmp_type, types[i]);
		cr_assert_eq(p.icmp_code, 0);
	}
}

Test(decode, icmp_not_tcp)
{
	struct frame f = {.n = 0};
	struct tt_packet p;
	size_t outer;

	/* echo request and reply, router advertisement */
	icmp4(&f, 8, 0, 6, 20);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_NOT_TCP);
	icmp4(&f, 0, 0, 6, 20);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_NOT_TCP);
	icmp4(&f, 9, 0, 6, 20);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_NOT_TCP);
	/* port unreachable quoting UDP */
	icmp4(&f, 3, 3, 17, 8);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_NOT_TCP);
	/* a small echo */
	f.n = 0;
	eth(&f, 0x0800);
	outer = ip4(&f, 1, v4_a, v4_b, NULL, 0);
	put8(&f, 8);
	put8(&f, 0);
	put16(&f, 0);
	put32(&f, 0x00010001);
	ip4_done(&f, outer);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_NOT_TCP);
}

Test(decode, icmp_short_or_odd_quotes)
{
	struct frame f = {.n = 0};
	struct tt_packet p;
	size_t q;

	/* fewer than the 8 TCP bytes RFC 792 promises */
	icmp4(&f, 3, 1, 6, 7);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_TRUNC_TCP);
	icmp4(&f, 3, 1, 6, 0);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_TRUNC_TCP);
	/* the quoted IP header cut */
	icmp4(&f, 3, 1, 6, 0);
	f.n -= 1;
	set16(&f, 16, (unsigned)(f.n - 14));
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_TRUNC_IP);
	/* an ICMP message shorter than its header */
	icmp4(&f, 3, 1, 6, 8);
	set16(&f, 16, 20 + 4);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_BAD_IP_LEN);
	/* the outer length cuts the quote, whatever was captured */
	icmp4(&f, 3, 1, 6, 8);
	set16(&f, 16, 20 + 8 + 20 + 6);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_TRUNC_TCP);
	/* a quoted non-first fragment */
	q = icmp4(&f, 3, 1, 6, 8);
	set16(&f, q - 20 + 6, 0x2000 | 10);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_FRAGMENT);
	/* quoted IHL < 5, quoted IPv6 in ICMPv4 */
	q = icmp4(&f, 3, 1, 6, 8);
	set8(&f, q - 20, 0x44);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_BAD_IP_HLEN);
	set8(&f, q - 20, 0x65);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_BAD_IP_VERSION);
	/* the quoted total length is not trusted: a tiny one is fine */
	q = icmp4(&f, 3, 1, 6, 8);
	set16(&f, q - 20 + 2, 3);
	expect_ok(TT_DLT_EN10MB, &f, &p);
	expect_syn_quote(&p, false);
}

Test(decode, icmp_quote_with_ip_options)
{
	static const uint8_t ra[4] = {0x94, 4, 0, 0};
	struct frame f = {.n = 0}, seg = {.n = 0};
	struct tt_packet p;
	size_t outer, qtcp;

	tcp(&seg, &syn_spec);
	eth(&f, 0x0800);
	outer = ip4(&f, 1, v4_router, v4_a, NULL, 0);
	put8(&f, 11);
	put8(&f, 0);
	zeros(&f, 6);
	ip4(&f, 6, v4_a, v4_b, ra, sizeof(ra));
	qtcp = f.n;
	put(&f, seg.b, 8);
	ip4_done(&f, outer);
	expect_ok(TT_DLT_EN10MB, &f, &p);
	cr_assert_eq(p.sport, 51000);
	cr_assert_eq(p.seq, 0xdeadbeef);
	cr_assert_eq(p.icmp_type, 11);
	check_cuts(TT_DLT_EN10MB, &f, qtcp + 8, f.n, true);
}

/* An ICMPv6 error from v6_router quoting a SYN v6_a -> v6_b (extension header optional). */
static size_t icmp6(struct frame *f, unsigned type, unsigned code, bool with_ext,
                    size_t quote_tcp)
{
	struct frame seg = {.n = 0};
	size_t outer, quoted, qtcp;

	tcp(&seg, &syn_spec);
	f->n = 0;
	eth(f, 0x86dd);
	outer = ip6(f, 58, v6_router, v6_a);
	put8(f, type);
	put8(f, code);
	put16(f, 0);
	put32(f, type == 2 ? 1280 : 0);
	quoted = ip6(f, with_ext ? 60 : 6, v6_a, v6_b);
	set16(f, quoted + 4, 1000); /* untrusted */
	set8(f, quoted + 7, 2);
	if (with_ext)
		ext6(f, 6, 1);
	qtcp = f->n;
	put(f, seg.b, quote_tcp);
	ip6_done(f, outer);
	return qtcp;
}

Test(decode, icmpv6_unreachable_quoting_tcp)
{
	struct frame f = {.n = 0};
	struct tt_packet p;
	size_t qtcp;

	qtcp = icmp6(&f, 1, 4, false, 28);
	expect_ok(TT_DLT_EN10MB, &f, &p);
	cr_assert(p.is_icmp_error);
	cr_assert(p.quote_has_full_tcp);
	cr_assert_eq(p.icmp_version, 6);
	cr_assert_eq(p.icmp_type, 1);
	cr_assert_eq(p.icmp_code, 4);
	cr_assert_arr_eq(p.icmp_src, v6_router, 16);
	expect_v6(&p, v6_a, v6_b);
	cr_assert_eq(p.ttl, 2);
	cr_assert_eq(p.sport, 51000);
	cr_assert_eq(p.dport, 443);
	cr_assert_eq(p.seq, 0xdeadbeef);
	cr_assert_eq(p.flags, TT_TH_SYN | TT_TH_ECE | TT_TH_CWR);
	cr_assert_eq(p.win, 64240);
	cr_assert_eq(p.payload_len, 0);
	check_cuts(TT_DLT_EN10MB, &f, qtcp + 8, f.n, true);

	/* packet too big, quoting through a destination options header, 8 bytes */
	qtcp = icmp6(&f, 2, 0, true, 8);
	expect_ok(TT_DLT_EN10MB, &f, &p);
	cr_assert_not(p.quote_has_full_tcp);
	cr_assert_eq(p.icmp_type, 2);
	cr_assert_eq(p.seq, 0xdeadbeef);
	check_cuts(TT_DLT_EN10MB, &f, qtcp + 8, f.n, true);

	/* time exceeded, parameter problem */
	icmp6(&f, 3, 0, false, 20);
	expect_ok(TT_DLT_EN10MB, &f, &p);
	cr_assert_eq(p.icmp_type, 3);
	icmp6(&f, 4, 1, true, 20);
	expect_ok(TT_DLT_EN10MB, &f, &p);
	cr_assert_eq(p.icmp_type, 4);
	cr_assert(p.quote_has_full_tcp);
}

Test(decode, icmpv6_not_tcp_and_short)
{
	struct frame f = {.n = 0};
	struct tt_packet p;
	size_t q;

	icmp6(&f, 128, 0, false, 20); /* echo request */
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_NOT_TCP);
	icmp6(&f, 135, 0, false, 20); /* neighbour solicitation */
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_NOT_TCP);
	q = icmp6(&f, 1, 4, false, 20);
	set8(&f, q - 40 + 6, 17); /* quoting UDP */
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_NOT_TCP);
	icmp6(&f, 1, 4, false, 6);
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_TRUNC_TCP);
	q = icmp6(&f, 1, 4, false, 8);
	set8(&f, q - 40, 0x45); /* an IPv4 header quoted by ICMPv6 */
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_BAD_IP_VERSION);
	/* quoted chain: a later fragment */
	f.n = 0;
	{
		size_t outer;

		eth(&f, 0x86dd);
		outer = ip6(&f, 58, v6_router, v6_a);
		put8(&f, 1);
		put8(&f, 0);
		zeros(&f, 6);
		ip6(&f, 44, v6_a, v6_b);
		frag6(&f, 6, 100, 0);
		zeros(&f, 8);
		ip6_done(&f, outer);
	}
	expect_result(dec(TT_DLT_EN10MB, &f, &p), TT_DEC_FRAGMENT);
}

Test(decode, icmp_inside_tunnel)
{
	struct frame f = {.n = 0}, inner = {.n = 0};
	struct tt_packet p;
	size_t outer, qtcp, inner_qtcp;

	inner_qtcp = icmp4(&inner, 3, 13, 6, 8);
	eth(&f, 0x86dd);
	outer = ip6(&f, 4, v6_tun_a, v6_tun_b);
	qtcp = f.n + inner_qtcp - 14;
	put(&f, inner.b + 14, inner.n - 14);
	ip6_done(&f, outer);
	expect_ok(TT_DLT_EN10MB, &f, &p);
	expect_syn_quote(&p, false);
	cr_assert_eq(p.icmp_code, 13);
	check_cuts(TT_DLT_EN10MB, &f, qtcp + 8, f.n, true);
}

/* ---- result names -------------------------------------------------------------------------- */

Test(decode, result_names)
{
	static const struct {
		enum tt_decode_result r;
		const char *name;
		bool malformed;
	} want[] = {
		{TT_DEC_OK, "ok", false},
		{TT_DEC_NOT_IP, "not_ip", false},
		{TT_DEC_NOT_TCP, "not_tcp", false},
		{TT_DEC_FRAGMENT, "ip_fragment", false},
		{TT_DEC_UNSUPPORTED_LINK, "unsupported_link", false},
		{TT_DEC_TRUNC_LINK, "truncated_link", true},
		{TT_DEC_TRUNC_IP, "truncated_ip", true},
		{TT_DEC_TRUNC_TCP, "truncated_tcp", true},
		{TT_DEC_BAD_IP_VERSION, "bad_ip_version", true},
		{TT_DEC_BAD_IP_HLEN, "bad_ip_header_length", true},
		{TT_DEC_BAD_IP_LEN, "bad_ip_length", true},
		{TT_DEC_BAD_IP6_EXT, "bad_ipv6_ext_chain", true},
		{TT_DEC_BAD_TCP_DOFF, "bad_tcp_data_offset", true},
	};
	size_t i;

	cr_assert_eq(sizeof(want) / sizeof(want[0]), TT_DEC_NRESULTS);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		cr_assert_eq(want[i].r, (enum tt_decode_result)i);
		cr_assert_str_eq(tt_decode_result_name(want[i].r), want[i].name);
		cr_assert_eq(tt_decode_result_is_malformed(want[i].r), want[i].malformed, "%s",
		             want[i].name);
	}
	cr_assert_str_eq(tt_decode_result_name(TT_DEC_NRESULTS), "unknown");
	cr_assert_not(tt_decode_result_is_malformed(TT_DEC_NRESULTS));
}

/* ---- the fast path against the general one ------------------------------------------------- */

/* Both decoders on the first caplen bytes of f (an exact-size copy), wire bytes on the wire. */
static void same_as_general(const uint8_t *b, size_t caplen, size_t wire, const char *what,
                            size_t at)
{
	struct tt_packet fast, gen;
	enum tt_decode_result rf, rg;
	uint8_t *h = malloc(caplen > 0 ? caplen : 1);

	cr_assert_not_null(h);
	if (caplen > 0)
		memcpy(h, b, caplen);
	rf = tt_decode(TT_DLT_EN10MB, h, (uint32_t)caplen, (uint32_t)wire, TS, &fast);
	rg = tt_decode_general(TT_DLT_EN10MB, h, (uint32_t)caplen, (uint32_t)wire, TS, &gen);
	cr_assert_eq(rf, rg, "%s (%zu): %s, general path %s", what, at, tt_decode_result_name(rf),
	             tt_decode_result_name(rg));
	/* (tt_packet has no padding holes the two could fill differently: both start zeroed) */
	if (rf == TT_DEC_OK)
		cr_assert(memcmp(&fast, &gen, sizeof(fast)) == 0, "%s (%zu): packets differ", what, at);
	free(h);
}

/* Ethernet, with an 802.1Q tag if tagged, IPv4 or IPv6, TCP t. */
static void build_eth(struct frame *f, bool tagged, int v, const struct tcp_spec *t)
{
	size_t ip_off;

	if (!tagged) {
		build(f, TT_DLT_EN10MB, v, t);
		return;
	}
	f->n = 0;
	eth(f, 0x8100);
	vlan(f, 5, v == 4 ? 0x0800 : 0x86dd);
	if (v == 4) {
		ip_off = ip4(f, 6, v4_a, v4_b, NULL, 0);
		tcp(f, t);
		ip4_done(f, ip_off);
	} else {
		ip_off = ip6(f, 6, v6_a, v6_b);
		tcp(f, t);
		ip6_done(f, ip_off);
	}
}

/*
 * Ethernet (untagged and with one 802.1Q tag) / IPv4 and IPv6 / TCP frames of
 * the kinds the fast path takes and of kinds next to them: each cut at every
 * length (with the wire length whole, and shorter than the capture), each
 * byte replaced by values that make or break the fast path's conditions, and
 * wire lengths around the IP length.
 */
Test(decode, fast_path_same_as_general)
{
	static const uint8_t ts_opts[12] = {1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9};
	static const uint8_t syn_opts[20] = {2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1,
	                                     0, 0, 0, 0, 1, 3, 3, 7};
	static const uint8_t sack_opts[24] = {1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9,
	                                      1, 1, 5, 10, 0, 0, 1, 0, 0, 0, 2, 0};
	static const uint8_t nop_ts_eol[16] = {1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9, 0, 0, 0, 0};
	static const uint8_t values[] = {0x00, 0x01, 0x05, 0x06, 0x08, 0x0a, 0x45, 0x50,
	                                 0x60, 0x80, 0x81, 0x86, 0xdd, 0xff};
	struct {
		const uint8_t *opts;
		size_t optlen, paylen, pad;
	} kinds[] = {
		{ts_opts, 12, 100, 0}, {syn_opts, 20, 0, 0}, {sack_opts, 24, 0, 0},
		{NULL, 0, 0, 6},       {nop_ts_eol, 16, 3, 3}, {ts_opts, 12, 0, 0},
	};
	struct frame f;
	size_t n = 0;

	for (size_t k = 0; k < 4 * sizeof(kinds) / sizeof(kinds[0]); k++) {
		struct tcp_spec t = tcp_dflt;
		size_t kind = k / 4;

		t.opts = kinds[kind].opts;
		t.optlen = kinds[kind].optlen;
		t.paylen = kinds[kind].paylen;
		build_eth(&f, k % 2 == 1, k / 2 % 2 == 0 ? 4 : 6, &t);
		zeros(&f, kinds[kind].pad); /* Ethernet padding after the IP packet */
		for (size_t cut = 0; cut <= f.n; cut++) {
			same_as_general(f.b, cut, f.n, "cut", cut);
			same_as_general(f.b, cut, cut / 2, "cut, shorter on the wire", cut);
		}
		for (size_t w = 0; w <= f.n + 8; w++)
			same_as_general(f.b, f.n, w, "wire length", w);
		for (size_t i = 0; i < f.n; i++) {
			uint8_t orig = f.b[i];
			for (size_t v = 0; v < sizeof(values); v++) {
				f.b[i] = values[v];
				same_as_general(f.b, f.n, f.n, "byte replaced", i);
				same_as_general(f.b, f.n, f.n + 40, "byte replaced, longer on the wire", i);
				n++;
			}
			f.b[i] = (uint8_t)(orig ^ 0x01);
			same_as_general(f.b, f.n, f.n, "low bit flipped", i);
			f.b[i] = orig;
		}
	}
	cr_assert_gt(n, 1000);
}
