/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * decode.c - captured bytes to a struct tt_packet view.
 *
 * The frame is read through a bounds-checked cursor (cursor.h) in three
 * steps: the link header gives the IP version, the IP header(s) give the
 * upper-layer protocol and a cursor narrowed to the IP length, and the TCP
 * header (or an ICMP error quoting one) fills the packet.  Every step is O(1):
 * VLAN tags, tunnels, IPv6 extension headers and TCP options are all bounded.
 * Nothing allocates, prints or keeps state between calls.
 *
 * Results a tracker author should know (see also decode.h):
 *  - The IP length is trusted over the capture: payload_len comes from it
 *    even when the snaplen cut the payload, and bytes past it (Ethernet
 *    padding) are never payload.  An IPv4 total length of 0 (TSO) or an IPv6
 *    payload length of 0 without a Jumbo option uses the wire length.
 *  - An IP length too small for the IP headers (IPv4 options, IPv6
 *    extension headers) is TT_DEC_BAD_IP_LEN; too small for the TCP header
 *    (including an IP payload under 20 bytes) is TT_DEC_BAD_TCP_DOFF, except
 *    in a first fragment (MF set), where it is TT_DEC_FRAGMENT.
 *  - ICMP errors: an ICMP message shorter than its 8-byte header is
 *    TT_DEC_BAD_IP_LEN; a quote that ends before its IP header (or IPv6
 *    extension headers) ends is TT_DEC_TRUNC_IP; a quote holding fewer than
 *    the 8 TCP bytes RFC 792 guarantees is TT_DEC_TRUNC_TCP.  A quoted IP
 *    version that differs from the ICMP version is TT_DEC_BAD_IP_VERSION and a
 *    quoted non-first fragment TT_DEC_FRAGMENT.  ttl and ip_version then
 *    describe the quoted header; payload is NULL and payload_len 0.
 *  - Between the link header and IP: VLAN tags, a PPPoE session header, an
 *    MPLS label stack, 802.2 LLC/SNAP; other ethertypes are TT_DEC_NOT_IP.
 *  - TCP options cut by the snaplen do not fail the decode: the fixed header
 *    is intact, opts.truncated is set and the options are parsed as far as
 *    they were captured.
 *  - More than 8 VLAN tags is TT_DEC_NOT_IP; more than 2 nested tunnels
 *    (IP-in-IP) is TT_DEC_NOT_TCP; more than 16 IPv6 extension headers, or a
 *    hop-by-hop header anywhere but first, is TT_DEC_BAD_IP6_EXT.
 */
#include "tcptrack/decode.h"

#include <stddef.h>
#include <string.h>

#include "cursor.h"

/* Bounds on the loops over variable-length header chains. */
#define MAX_VLAN_TAGS 8     /* 802.1Q / 802.1ad tags in one frame */
#define MAX_TUNNEL_DEPTH 2  /* IP-in-IP headers above the innermost IP header */
#define AYIYA_PORT 5072     /* IANA: ayiya (SixXS tunnels of IPv6 in UDP) */
#define AYIYA_OP_FORWARD 1
#define MAX_IP6_EXT 16      /* IPv6 extension headers in one chain */

/* Ethertypes (IEEE 802 numbers). */
#define ETHERTYPE_MIN 0x0600 /* smaller values are 802.3 length fields */
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_8021Q 0x8100
#define ETHERTYPE_8021AD 0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100
#define ETHERTYPE_PPPOE_SESSION 0x8864
#define ETHERTYPE_MPLS 0x8847
#define ETHERTYPE_MPLS_MC 0x8848
#define PPPOE_HDR_LEN 6
#define PPP_IPV4 0x0021
#define PPP_IPV6 0x0057
#define MPLS_BOTTOM_OF_STACK 0x100u
#define LLC_SNAP_SAP 0xaa
#define LLC_UI 0x03
#define SNAP_OUI_LEN 3

/* Address families in DLT_NULL / DLT_LOOP headers. */
#define BSD_AF_INET 2
#define BSD_AF_INET6_LINUX 10
#define BSD_AF_INET6_BSD 24     /* OpenBSD, NetBSD, BSD/OS */
#define BSD_AF_INET6_FREEBSD 28
#define BSD_AF_INET6_DARWIN 30

/* IP protocol numbers (IANA). */
#define PROTO_HOPOPTS 0
#define PROTO_ICMP 1
#define PROTO_IPIP 4
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_IPV6 41
#define PROTO_ROUTING 43
#define PROTO_FRAGMENT 44
#define PROTO_ESP 50
#define PROTO_AH 51
#define PROTO_ICMPV6 58
#define PROTO_NONE 59
#define PROTO_DSTOPTS 60
#define PROTO_MOBILITY 135
#define PROTO_HIP 139
#define PROTO_SHIM6 140

/* Header sizes. */
#define ETH_ADDRS_LEN 12     /* destination and source MAC */
#define VLAN_TCI_LEN 2
#define SLL_PROTO_OFF 14     /* Linux cooked v1: protocol at offset 14 of 16 */
#define SLL2_REST_LEN 18     /* Linux cooked v2: 20 bytes, protocol first */
#define IP4_HDR_LEN 20
#define IP6_HDR_LEN 40
#define IP6_FRAG_HDR_LEN 8
#define TCP_HDR_LEN 20
#define ICMP_HDR_LEN 8
#define TCP_QUOTE_MIN 8      /* ports and sequence number, RFC 792 */

#define IP4_MF 0x2000        /* more fragments, RFC 791 §3.1 */
#define IP4_OFFMASK 0x1fff
#define IP6_FRAG_MF 0x0001   /* RFC 8200 §4.5 */
#define IP6_JUMBO_OPT 0xc2   /* RFC 2675 §2 */
#define IP6_PAD1_OPT 0x00

/* One IP header's view of what follows it. */
struct l3 {
	struct tt_cur c;   /* upper-layer bytes captured, cut at the IP length */
	uint32_t len;      /* upper-layer length the IP header claims (quotes: UINT32_MAX) */
	uint8_t version;   /* 4 or 6 */
	uint8_t ttl;       /* TTL or hop limit */
	uint16_t id;       /* IPv4 identification (0 for IPv6) */
	uint8_t proto;     /* IPv4 protocol, or the next header ending the IPv6 chain */
	bool more_frags;   /* a first fragment: the datagram continues elsewhere */
	bool len_clamped;  /* the IP length claimed more bytes than the frame had on the wire */
	uint8_t src[16], dst[16];
};

/* Big-endian reads at p, for fixed headers whose length was checked as a whole. */
static inline uint16_t be16_at(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | (unsigned)p[1]);
}

static inline uint32_t be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* ---- link layer ---------------------------------------------------------------------------- */

static bool is_vlan_tpid(uint16_t type)
{
	return type == ETHERTYPE_8021Q || type == ETHERTYPE_8021AD || type == ETHERTYPE_QINQ_OLD;
}

/*
 * An ethertype to the IP version it carries, stepping over what may come
 * between: 802.1Q / 802.1ad tags (4 bytes each: the TPID just read, the TCI,
 * then the next ethertype), an 802.2 LLC/SNAP header after an 802.3 length
 * field, a PPPoE session header (RFC 2516) with its PPP protocol, and an MPLS
 * label stack (RFC 3032; the payload's version nibble then decides).
 */
static enum tt_decode_result ethertype(struct tt_cur *c, uint16_t type, uint8_t *version,
                                      uint32_t *ip_max)
{
	unsigned n_tags = 0, n_steps = 0;
	uint8_t b[3];
	uint16_t ppp, plen;
	uint32_t label;

	for (;;) {
		if (n_steps++ > MAX_VLAN_TAGS + 4)
			return TT_DEC_NOT_IP;
		if (is_vlan_tpid(type)) {
			if (n_tags++ == MAX_VLAN_TAGS)
				return TT_DEC_NOT_IP;
			if (!tt_cur_skip(c, VLAN_TCI_LEN) || !tt_cur_be16(c, &type))
				return TT_DEC_TRUNC_LINK;
			continue;
		}
		switch (type) {
		case ETHERTYPE_IPV4:
			*version = 4;
			return TT_DEC_OK;
		case ETHERTYPE_IPV6:
			*version = 6;
			return TT_DEC_OK;
		case ETHERTYPE_PPPOE_SESSION:
			/* version/type, code, session id, length; then PPP protocol.
			 * The length bounds the IP packet: what follows is padding. */
			if (!tt_cur_skip(c, PPPOE_HDR_LEN - 2) || !tt_cur_be16(c, &plen) ||
			    !tt_cur_be16(c, &ppp))
				return TT_DEC_TRUNC_LINK;
			if (plen >= 2 && (uint32_t)plen - 2 < *ip_max)
				*ip_max = (uint32_t)plen - 2;
			if (ppp == PPP_IPV4 || ppp == PPP_IPV6) {
				*version = ppp == PPP_IPV4 ? 4 : 6;
				return TT_DEC_OK;
			}
			return TT_DEC_NOT_IP;
		case ETHERTYPE_MPLS:
		case ETHERTYPE_MPLS_MC:
			do {
				if (!tt_cur_be32(c, &label))
					return TT_DEC_TRUNC_LINK;
			} while (!(label & MPLS_BOTTOM_OF_STACK) && n_steps++ < 16);
			*version = 0;
			return TT_DEC_OK;
		default:
			break;
		}
		if (type < ETHERTYPE_MIN) {
			/* 802.3 length: IP only inside LLC/SNAP (AA AA 03, OUI 0, ethertype) */
			if (!tt_cur_u8(c, &b[0]) || !tt_cur_u8(c, &b[1]) || !tt_cur_u8(c, &b[2]))
				return TT_DEC_TRUNC_LINK;
			if (b[0] != LLC_SNAP_SAP || b[1] != LLC_SNAP_SAP || b[2] != LLC_UI)
				return TT_DEC_NOT_IP;
			if (!tt_cur_skip(c, SNAP_OUI_LEN) || !tt_cur_be16(c, &type))
				return TT_DEC_TRUNC_LINK;
			continue;
		}
		/* ARP, LLDP, PPPoE discovery, ... */
		return TT_DEC_NOT_IP;
	}
}

/* A BSD address family to an IP version (0 if it is not IP). */
static uint8_t af_version(uint32_t af)
{
	switch (af) {
	case BSD_AF_INET:
		return 4;
	case BSD_AF_INET6_LINUX:
	case BSD_AF_INET6_BSD:
	case BSD_AF_INET6_FREEBSD:
	case BSD_AF_INET6_DARWIN:
		return 6;
	default:
		return 0;
	}
}

/*
 * Step over the link header.  *version is the IP version the link announces,
 * or 0 for raw IP links, where the version nibble decides.
 */
static enum tt_decode_result link_header(int dlt, struct tt_cur *c, uint8_t *version,
                                        uint32_t *ip_max)
{
	uint16_t type;
	uint32_t af;

	*version = 0;
	switch (dlt) {
	case TT_DLT_EN10MB:
		if (!tt_cur_skip(c, ETH_ADDRS_LEN) || !tt_cur_be16(c, &type))
			return TT_DEC_TRUNC_LINK;
		return ethertype(c, type, version, ip_max);
	case TT_DLT_LINUX_SLL:
		/* packet type, ARPHRD type, address length, 8 address bytes, protocol */
		if (!tt_cur_skip(c, SLL_PROTO_OFF) || !tt_cur_be16(c, &type))
			return TT_DEC_TRUNC_LINK;
		return ethertype(c, type, version, ip_max);
	case TT_DLT_LINUX_SLL2:
		/* protocol, reserved, ifindex, ARPHRD type, packet type, address length, address */
		if (!tt_cur_be16(c, &type) || !tt_cur_skip(c, SLL2_REST_LEN))
			return TT_DEC_TRUNC_LINK;
		return ethertype(c, type, version, ip_max);
	case TT_DLT_RAW:
	case TT_DLT_RAW_OPENBSD:
	case TT_LINKTYPE_RAW:
		return TT_DEC_OK;
	case TT_DLT_IPV4:
		*version = 4;
		return TT_DEC_OK;
	case TT_DLT_IPV6:
		*version = 6;
		return TT_DEC_OK;
	case TT_DLT_NULL:
		/* The family is in the capturing host's byte order: try both. */
		if (!tt_cur_le32(c, &af))
			return TT_DEC_TRUNC_LINK;
		*version = af_version(af);
		if (*version == 0)
			*version = af_version((af >> 24) | ((af >> 8) & 0xff00) |
			                      ((af << 8) & 0xff0000) | (af << 24));
		return *version != 0 ? TT_DEC_OK : TT_DEC_NOT_IP;
	case TT_DLT_LOOP:
		/* The family is in network byte order. */
		if (!tt_cur_be32(c, &af))
			return TT_DEC_TRUNC_LINK;
		*version = af_version(af);
		return *version != 0 ? TT_DEC_OK : TT_DEC_NOT_IP;
	default:
		return TT_DEC_UNSUPPORTED_LINK;
	}
}

bool tt_decode_link_supported(int dlt)
{
	switch (dlt) {
	case TT_DLT_NULL:
	case TT_DLT_EN10MB:
	case TT_DLT_RAW:
	case TT_DLT_RAW_OPENBSD:
	case TT_LINKTYPE_RAW:
	case TT_DLT_LOOP:
	case TT_DLT_LINUX_SLL:
	case TT_DLT_LINUX_SLL2:
	case TT_DLT_IPV4:
	case TT_DLT_IPV6:
		return true;
	default:
		return false;
	}
}

/* ---- IPv4 ---------------------------------------------------------------------------------- */

/*
 * IPv4 header, RFC 791 §3.1.  wire_left is the number of bytes on the wire
 * from this header on, used when the total length is 0 (TCP segmentation
 * offload captures).  A quote (the payload of an ICMP error) is usually cut,
 * so its total length is not trusted.
 */
static enum tt_decode_result ipv4_header(struct tt_cur c, uint32_t wire_left, bool is_quote,
                                         struct l3 *ip)
{
	uint8_t vihl, ttl, proto;
	uint16_t tot_len, id, frag;
	uint32_t hlen, len;

	memset(ip, 0, sizeof(*ip));
	if (tt_cur_has(&c, IP4_HDR_LEN)) { /* the usual case: one bounds check */
		const uint8_t *h = c.p;
		vihl = h[0];
		tot_len = be16_at(h + 2);
		id = be16_at(h + 4);
		frag = be16_at(h + 6);
		ttl = h[8];
		proto = h[9];
		memcpy(ip->src, h + 12, 4);
		memcpy(ip->dst, h + 16, 4);
		c.p += IP4_HDR_LEN;
	} else if (!tt_cur_u8(&c, &vihl) || !tt_cur_skip(&c, 1) || !tt_cur_be16(&c, &tot_len) ||
	           !tt_cur_be16(&c, &id) || !tt_cur_be16(&c, &frag) || !tt_cur_u8(&c, &ttl) ||
	           !tt_cur_u8(&c, &proto) || !tt_cur_skip(&c, 2) || !tt_cur_copy(&c, ip->src, 4) ||
	           !tt_cur_copy(&c, ip->dst, 4)) {
		return TT_DEC_TRUNC_IP;
	}
	if (vihl >> 4 != 4)
		return TT_DEC_BAD_IP_VERSION;
	hlen = (uint32_t)(vihl & 0x0f) * 4;
	if (hlen < IP4_HDR_LEN)
		return TT_DEC_BAD_IP_HLEN;
	if (is_quote) {
		len = UINT32_MAX;
	} else {
		len = tot_len != 0 ? tot_len : wire_left;
		if (len > wire_left) {
			/* Longer than the frame on the wire: the header lies (a
			 * snaplen cut shows in caplen, not in the wire length). */
			len = wire_left;
			ip->len_clamped = true;
		}
		if (len < hlen)
			return TT_DEC_BAD_IP_LEN;
		len -= hlen;
	}
	if (!tt_cur_skip(&c, hlen - IP4_HDR_LEN)) /* options */
		return TT_DEC_TRUNC_IP;
	if ((frag & IP4_OFFMASK) != 0)
		return TT_DEC_FRAGMENT;
	if (!is_quote)
		tt_cur_limit(&c, len); /* Ethernet padding is not payload */

	ip->c = c;
	ip->len = len;
	ip->version = 4;
	ip->ttl = ttl;
	ip->id = id;
	ip->proto = proto;
	ip->more_frags = (frag & IP4_MF) != 0;
	return TT_DEC_OK;
}

/* ---- IPv6 ---------------------------------------------------------------------------------- */

/*
 * With a payload length of 0, look for a Jumbo Payload option (RFC 2675 §2) in
 * the hop-by-hop header c starts at.  *jumbo is 0 if there is none.
 */
static enum tt_decode_result ipv6_jumbo(struct tt_cur c, uint8_t nh, uint32_t *jumbo)
{
	struct tt_cur opts;
	uint8_t units, type, olen;

	*jumbo = 0;
	if (nh != PROTO_HOPOPTS)
		return TT_DEC_OK;
	if (!tt_cur_skip(&c, 1) || !tt_cur_u8(&c, &units) ||
	    !tt_cur_split(&c, ((size_t)units + 1) * 8 - 2, &opts))
		return TT_DEC_TRUNC_IP;
	/* RFC 8200 §4.2: Pad1 is one byte, every other option is type, length, data. */
	while (tt_cur_u8(&opts, &type)) {
		if (type == IP6_PAD1_OPT)
			continue;
		if (!tt_cur_u8(&opts, &olen))
			break;
		if (type == IP6_JUMBO_OPT && olen == 4) {
			(void)tt_cur_be32(&opts, jumbo);
			break;
		}
		if (!tt_cur_skip(&opts, olen))
			break;
	}
	return TT_DEC_OK;
}

/*
 * Skip IPv6 extension headers (RFC 8200 §4) until *nh names an upper layer.
 * *len is the payload length left according to the IP header; c is already
 * cut at it.  Running out of *len is TT_DEC_BAD_IP_LEN, out of captured bytes
 * TT_DEC_TRUNC_IP.
 */
static enum tt_decode_result ipv6_ext_chain(struct tt_cur *c, uint32_t *len, uint8_t *nh,
                                            bool *more_frags)
{
	unsigned n;

	for (n = 0;; n++) {
		struct tt_cur h = *c;
		uint8_t next, units;
		uint16_t frag = 0;
		uint32_t hlen;

		switch (*nh) {
		case PROTO_HOPOPTS:
			/* RFC 8200 §4.1: only immediately after the IPv6 header */
			if (n != 0)
				return TT_DEC_BAD_IP6_EXT;
			break;
		case PROTO_ROUTING:
		case PROTO_FRAGMENT:
		case PROTO_AH:
		case PROTO_DSTOPTS:
		case PROTO_MOBILITY: /* RFC 6275 §6.1: its next header is always NONE */
		case PROTO_HIP:
		case PROTO_SHIM6:
			break;
		case PROTO_NONE:
		case PROTO_ESP: /* encrypted: the upper layer cannot be read */
			return TT_DEC_NOT_TCP;
		default:
			return TT_DEC_OK;
		}
		if (n == MAX_IP6_EXT)
			return TT_DEC_BAD_IP6_EXT;
		if (*len < 2)
			return TT_DEC_BAD_IP_LEN;
		if (!tt_cur_u8(&h, &next) || !tt_cur_u8(&h, &units))
			return TT_DEC_TRUNC_IP;
		if (*nh == PROTO_FRAGMENT)
			hlen = IP6_FRAG_HDR_LEN;
		else if (*nh == PROTO_AH)
			hlen = ((uint32_t)units + 2) * 4; /* RFC 4302 §2.2 */
		else
			hlen = ((uint32_t)units + 1) * 8; /* RFC 8200 §4.3-4.6, RFC 7045 */
		if (*len < hlen)
			return TT_DEC_BAD_IP_LEN;
		if (!tt_cur_has(c, hlen))
			return TT_DEC_TRUNC_IP;
		if (*nh == PROTO_FRAGMENT) {
			/* the units byte was the reserved byte; then offset << 3 | M */
			(void)tt_cur_be16(&h, &frag);
			if ((frag >> 3) != 0)
				return TT_DEC_FRAGMENT;
			if ((frag & IP6_FRAG_MF) != 0)
				*more_frags = true;
		}
		(void)tt_cur_skip(c, hlen);
		*len -= hlen;
		*nh = next;
	}
}

/* IPv6 header, RFC 8200 §3, and its extension headers.  See ipv4_header(). */
static enum tt_decode_result ipv6_header(struct tt_cur c, uint32_t wire_left, bool is_quote,
                                         struct l3 *ip)
{
	enum tt_decode_result r;
	uint8_t vtc, nh, hlim;
	uint16_t plen;
	uint32_t len;

	memset(ip, 0, sizeof(*ip));
	if (!tt_cur_u8(&c, &vtc) || !tt_cur_skip(&c, 3) || !tt_cur_be16(&c, &plen) ||
	    !tt_cur_u8(&c, &nh) || !tt_cur_u8(&c, &hlim) || !tt_cur_copy(&c, ip->src, 16) ||
	    !tt_cur_copy(&c, ip->dst, 16))
		return TT_DEC_TRUNC_IP;
	if (vtc >> 4 != 6)
		return TT_DEC_BAD_IP_VERSION;
	if (is_quote) {
		len = UINT32_MAX;
	} else if (plen != 0) {
		len = plen;
		if (wire_left >= IP6_HDR_LEN && len > wire_left - IP6_HDR_LEN) {
			len = wire_left - IP6_HDR_LEN; /* the header lies, as for IPv4 */
			ip->len_clamped = true;
		}
	} else {
		r = ipv6_jumbo(c, nh, &len);
		if (r != TT_DEC_OK)
			return r;
		if (len == 0) /* no Jumbo option: trust the wire */
			len = wire_left > IP6_HDR_LEN ? wire_left - IP6_HDR_LEN : 0;
	}
	if (!is_quote)
		tt_cur_limit(&c, len);
	r = ipv6_ext_chain(&c, &len, &nh, &ip->more_frags);
	if (r != TT_DEC_OK)
		return r;

	ip->c = c;
	ip->len = len;
	ip->version = 6;
	ip->ttl = hlim;
	ip->proto = nh;
	return TT_DEC_OK;
}

/*
 * An IPv4 or IPv6 header; want is the version the link or the enclosing
 * header announced (0: any).
 */
static enum tt_decode_result ip_header(struct tt_cur c, uint32_t wire_left, uint8_t want,
                                       bool is_quote, struct l3 *ip)
{
	uint8_t b;
	unsigned version;

	if (!tt_cur_peek_u8(&c, &b))
		return TT_DEC_TRUNC_IP;
	version = (unsigned)b >> 4;
	if (want != 0 && version != want)
		return TT_DEC_BAD_IP_VERSION;
	if (version == 4)
		return ipv4_header(c, wire_left, is_quote, ip);
	if (version == 6)
		return ipv6_header(c, wire_left, is_quote, ip);
	return TT_DEC_BAD_IP_VERSION;
}

/* ---- TCP ----------------------------------------------------------------------------------- */

/*
 * TCP options, RFC 9293 §3.2: EOL and NOP are one byte; every other kind is
 * kind, length (counting both), data.  Parsing stops at EOL, or with o->bad
 * set at the first option whose length is impossible or wrong for its kind
 * (Linux's "silly options", tcpdump's LENCHECK).
 */
static __attribute__((noinline)) void tcp_options_walk(struct tt_cur c, struct tt_tcp_opts *o)
{
	uint8_t kind, len;
	unsigned i, n;
	struct tt_cur v;

	while (tt_cur_u8(&c, &kind)) {
		if (kind == TT_TCPOPT_EOL)
			return;
		if (kind == TT_TCPOPT_NOP)
			continue;
		if (!tt_cur_u8(&c, &len) || len < 2 || !tt_cur_split(&c, (size_t)len - 2, &v))
			goto bad;
		switch (kind) {
		case TT_TCPOPT_MSS:
			if (len != 4 || !tt_cur_be16(&v, &o->mss))
				goto bad;
			o->has_mss = true;
			break;
		case TT_TCPOPT_WSCALE: /* RFC 7323 §2.2; stored as sent, not clamped to 14 */
			if (len != 3 || !tt_cur_u8(&v, &o->wscale))
				goto bad;
			o->has_wscale = true;
			break;
		case TT_TCPOPT_SACK_PERM: /* RFC 2018 §2 */
			if (len != 2)
				goto bad;
			o->sack_permitted = true;
			break;
		case TT_TCPOPT_TIMESTAMP: /* RFC 7323 §3.2 */
			if (len != 10 || !tt_cur_be32(&v, &o->ts_val) ||
			    !tt_cur_be32(&v, &o->ts_ecr))
				goto bad;
			o->has_ts = true;
			break;
		case TT_TCPOPT_SACK: /* RFC 2018 §3: 2 + 8n bytes, n = 1..4 */
			n = ((unsigned)len - 2) / 8;
			if (((unsigned)len - 2) % 8 != 0 || n < 1 || n > TT_MAX_SACK_BLOCKS)
				goto bad;
			for (i = 0; i < n; i++) {
				if (!tt_cur_be32(&v, &o->sack[i][0]) ||
				    !tt_cur_be32(&v, &o->sack[i][1]))
					goto bad;
			}
			o->n_sack = (uint8_t)n;
			break;
		default:
			break; /* unknown kinds are skipped by their length */
		}
	}
	return;
bad:
	o->bad = true;
}

/*
 * Options other than NOP, NOP, timestamp.  What Linux sends in a SYN and a
 * SYN,ACK (tcp_options_write(): MSS, SACK permitted, timestamp, NOP, window
 * scale, 20 bytes) is read in one go, as the walk would read it: a walk of
 * its five options cost eight times as much, once for each SYN.
 */
static __attribute__((noinline)) void tcp_options_other(struct tt_cur c, struct tt_tcp_opts *o)
{
	const uint8_t *p = c.p;

	if (tt_cur_left(&c) == 20 && be16_at(p) == 0x0204u && be32_at(p + 4) == 0x0402080au &&
	    (be32_at(p + 16) & 0xffffff00u) == 0x01030300u) {
		o->mss = be16_at(p + 2);
		o->has_mss = true;
		o->sack_permitted = true;
		o->ts_val = be32_at(p + 8);
		o->ts_ecr = be32_at(p + 12);
		o->has_ts = true;
		o->wscale = p[19];
		o->has_wscale = true;
		return;
	}
	tcp_options_walk(c, o);
}

/* The options, with what Linux sends on an established connection (NOP, NOP,
 * timestamp) and no options at all read here; any other out of line, whose
 * registers the fast path would otherwise save and restore. */
static inline TT_ALWAYS_INLINE void tcp_options(struct tt_cur c, struct tt_tcp_opts *o)
{
	if (tt_cur_left(&c) == 12 && be32_at(c.p) == 0x0101080au) {
		o->ts_val = be32_at(c.p + 4);
		o->ts_ecr = be32_at(c.p + 8);
		o->has_ts = true;
	} else if (tt_cur_left(&c) > 0) {
		tcp_options_other(c, o);
	}
}

/* Two big-endian 16-bit fields at p, as the same two fields lie in memory in
 * host order: one load and one store for both. */
static inline uint32_t be16_pair_at(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap32(v);  /* first << 16 | second */
	v = v >> 16 | v << 16;     /* the first in the low half, first in memory */
#endif
	return v;
}

/* The fixed TCP header at h (20 bytes, checked by the caller), but for the
 * data offset; the checksum and urgent pointer only if `all` (what tracking
 * does not read: tt_decode_track()).  Fields that lie side by side in both
 * are read in pairs. */
static inline TT_ALWAYS_INLINE void tcp_fixed(const uint8_t *h, struct tt_packet *out, bool all)
{
	/* Byte 12's low bit is AE (formerly NS, RFC 3540); byte 13 holds CWR..FIN:
	 * the flags are the first field's low 9 bits, the window all the second. */
	static const uint16_t flags_mask[2] = {0x1ff, 0xffff};
	uint32_t ports = be16_pair_at(h), flags_win = be16_pair_at(h + 12),
	         sum_urp = be16_pair_at(h + 16), mask;

	memcpy(&mask, flags_mask, 4);
	flags_win &= mask;

	_Static_assert(offsetof(struct tt_packet, dport) == offsetof(struct tt_packet, sport) + 2 &&
	                   offsetof(struct tt_packet, win) == offsetof(struct tt_packet, flags) + 2 &&
	                   offsetof(struct tt_packet, urp) == offsetof(struct tt_packet, checksum) + 2,
	               "the pairs lie side by side, in the header's order");
	memcpy(&out->sport, &ports, 4);
	out->seq = be32_at(h + 4);
	out->ack = be32_at(h + 8);
	memcpy(&out->flags, &flags_win, 4);
	if (all)
		memcpy(&out->checksum, &sum_urp, 4);
}

/* TCP header, RFC 9293 §3.1, at the start of ip->c. */
static enum tt_decode_result tcp_header(const struct l3 *ip, struct tt_packet *out)
{
	struct tt_cur c = ip->c, opts;
	uint8_t off;
	uint32_t hlen;

	/* An IP payload too short for any TCP header: broken, or cut by fragmentation. */
	if (ip->len < TCP_HDR_LEN)
		return ip->more_frags ? TT_DEC_FRAGMENT : TT_DEC_BAD_TCP_DOFF;
	/* (a TCP header shorter than 20 bytes is cut: nothing of it is kept) */
	if (!tt_cur_has(&c, TCP_HDR_LEN))
		return TT_DEC_TRUNC_TCP;
	tcp_fixed(c.p, out, true);
	off = c.p[12];
	c.p += TCP_HDR_LEN;
	hlen = (uint32_t)(off >> 4) * 4;
	if (hlen < TCP_HDR_LEN)
		return TT_DEC_BAD_TCP_DOFF;
	if (hlen > ip->len)
		return ip->more_frags ? TT_DEC_FRAGMENT : TT_DEC_BAD_TCP_DOFF;
	if (!tt_cur_split(&c, hlen - TCP_HDR_LEN, &opts)) {
		/* The snaplen cut the options: the fixed header is intact, so the
		 * segment counts (RFC 9293 §3.1 fields); options are parsed as far
		 * as they were captured and there is no payload in the capture. */
		opts = c;
		c.p = c.end;
		out->opts.truncated = true;
	}
	tcp_options(opts, &out->opts);
	out->hdr_len = (uint8_t)hlen;
	out->payload_len = ip->len - hlen;
	out->payload_caplen = (uint32_t)tt_cur_left(&c);
	out->payload = c.p;
	return TT_DEC_OK;
}

/* ---- ICMP errors --------------------------------------------------------------------------- */

static bool icmp_is_error(uint8_t version, uint8_t type)
{
	if (version == 4) {
		/* RFC 792: unreachable, source quench, redirect, time exceeded,
		 * parameter problem */
		return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
	}
	/* RFC 4443 §3: unreachable, packet too big, time exceeded, parameter problem */
	return type >= 1 && type <= 4;
}

static void copy_addrs(struct tt_packet *out, const struct l3 *ip)
{
	out->ip_version = ip->version;
	out->ttl = ip->ttl;
	out->ip_id = ip->id;
	memcpy(out->src, ip->src, sizeof(out->src));
	memcpy(out->dst, ip->dst, sizeof(out->dst));
}

/*
 * An ICMP (RFC 792) or ICMPv6 (RFC 4443) error quoting a TCP segment: the
 * packet describes the quoted segment, which went from src to dst.  The quote
 * holds the IP header and at least 8 bytes of TCP; its lengths are not
 * trusted, only the captured bytes.
 */
static enum tt_decode_result icmp_error(const struct l3 *ip, struct tt_packet *out)
{
	struct tt_cur c = ip->c, t;
	struct l3 q;
	enum tt_decode_result r;
	uint8_t type, code, off, flags;
	uint16_t sport, dport, win, sum, urp;
	uint32_t seq, ack;

	if (ip->len < ICMP_HDR_LEN)
		return TT_DEC_BAD_IP_LEN;
	if (!tt_cur_u8(&c, &type))
		return TT_DEC_TRUNC_IP;
	if (!icmp_is_error(ip->version, type))
		return TT_DEC_NOT_TCP;
	/* code, checksum, then 4 bytes of unused / MTU / pointer / gateway */
	if (!tt_cur_u8(&c, &code) || !tt_cur_skip(&c, ICMP_HDR_LEN - 2))
		return TT_DEC_TRUNC_IP;

	r = ip_header(c, 0, ip->version, true, &q);
	if (r != TT_DEC_OK)
		return r;
	if (q.proto != PROTO_TCP)
		return TT_DEC_NOT_TCP;
	t = q.c;
	if (!tt_cur_be16(&t, &sport) || !tt_cur_be16(&t, &dport) || !tt_cur_be32(&t, &seq))
		return TT_DEC_TRUNC_TCP;

	copy_addrs(out, &q);
	out->sport = sport;
	out->dport = dport;
	out->seq = seq;
	out->is_icmp_error = true;
	out->icmp_version = ip->version;
	out->icmp_type = type;
	out->icmp_code = code;
	memcpy(out->icmp_src, ip->src, sizeof(out->icmp_src));
	if (tt_cur_be32(&t, &ack) && tt_cur_u8(&t, &off) && tt_cur_u8(&t, &flags) &&
	    tt_cur_be16(&t, &win) && tt_cur_be16(&t, &sum) && tt_cur_be16(&t, &urp)) {
		out->quote_has_full_tcp = true;
		out->ack = ack;
		out->flags = (uint16_t)((unsigned)flags | ((unsigned)off & 0x01) << 8);
		out->win = win;
		out->checksum = sum;
		out->urp = urp;
		out->hdr_len = (uint8_t)((off >> 4) * 4);
	}
	return TT_DEC_OK;
}

/* ---- entry points -------------------------------------------------------------------------- */

/*
 * A UDP datagram to or from port 5072 carrying AYIYA: version/identity
 * length (2^n bytes) and type, signature length (4-byte words) and hash,
 * authentication and opcode, next header, epoch, identity, signature, then
 * the packet.  Only "forward" messages of IPv4 or IPv6 are unwrapped.
 */
static enum tt_decode_result ayiya(const struct l3 *ip, struct tt_cur *inner,
                                   uint32_t *inner_len, uint8_t *want)
{
	struct tt_cur c = ip->c;
	uint16_t sport, dport;
	uint8_t b0, b1, b2, next;
	uint32_t hdr;

	/* (A UDP header cut by the snaplen is just not TCP, as far as we know.) */
	if (!tt_cur_be16(&c, &sport) || !tt_cur_be16(&c, &dport) ||
	    (sport != AYIYA_PORT && dport != AYIYA_PORT))
		return TT_DEC_NOT_TCP;
	if (!tt_cur_skip(&c, 4) || !tt_cur_u8(&c, &b0) || !tt_cur_u8(&c, &b1) || !tt_cur_u8(&c, &b2) ||
	    !tt_cur_u8(&c, &next) || !tt_cur_skip(&c, 4))
		return TT_DEC_TRUNC_IP;
	if ((b2 & 0x0f) != AYIYA_OP_FORWARD || (next != PROTO_IPV6 && next != PROTO_IPIP))
		return TT_DEC_NOT_TCP;
	hdr = 8 + 8 + (1u << (b0 >> 4)) + (uint32_t)(b1 >> 4) * 4;
	if (ip->len < hdr)
		return TT_DEC_BAD_IP_LEN;
	if (!tt_cur_skip(&c, hdr - 16))
		return TT_DEC_TRUNC_IP;
	*inner = c;
	*inner_len = ip->len - hdr;
	*want = next == PROTO_IPV6 ? 6 : 4;
	return TT_DEC_OK;
}

/* The IP header(s) at c, through at most MAX_TUNNEL_DEPTH IP-in-IP encapsulations. */
static enum tt_decode_result ip_layers(struct tt_cur c, uint32_t wire_left, uint8_t want,
                                       struct tt_packet *out)
{
	struct l3 ip;
	enum tt_decode_result r;
	unsigned depth;

	for (depth = 0;; depth++) {
		r = ip_header(c, wire_left, want, false, &ip);
		if (r != TT_DEC_OK)
			return r;
		if (ip.len_clamped)
			out->ip_len_clamped = true;
		switch (ip.proto) {
		case PROTO_TCP:
			copy_addrs(out, &ip);
			return tcp_header(&ip, out);
		case PROTO_ICMP:
			return ip.version == 4 ? icmp_error(&ip, out) : TT_DEC_NOT_TCP;
		case PROTO_ICMPV6:
			return ip.version == 6 ? icmp_error(&ip, out) : TT_DEC_NOT_TCP;
		case PROTO_IPIP:
		case PROTO_IPV6:
			/* RFC 2003, RFC 4213: the outer addresses are dropped */
			if (depth == MAX_TUNNEL_DEPTH)
				return TT_DEC_NOT_TCP;
			want = ip.proto == PROTO_IPIP ? 4 : 6;
			c = ip.c;
			wire_left = ip.len;
			break;
		case PROTO_UDP:
			/* AYIYA (draft-massar-v6ops-ayiya): IP in UDP, as tshark decodes it */
			if (depth == MAX_TUNNEL_DEPTH)
				return TT_DEC_NOT_TCP;
			r = ayiya(&ip, &c, &wire_left, &want);
			if (r != TT_DEC_OK)
				return r;
			break;
		default:
			return TT_DEC_NOT_TCP;
		}
	}
}

/*
 * fast_eth_ip_tcp() from the IP header's length on: iph is IP4_HDR_LEN or
 * IP6_HDR_LEN, a constant in each of the two copies (the lengths then take no
 * registers); tot is the IP length, header included.  all: also the fields
 * tracking does not read (tt_decode_track()).
 */
static inline TT_ALWAYS_INLINE bool fast_ip_tcp(const uint8_t *ip, uint32_t iph, uint32_t tot,
                                                uint32_t ip_cap, uint32_t wire_left,
                                                struct tt_packet *out, bool all)
{
	const uint8_t *th = ip + iph;
	uint32_t hlen = (uint32_t)(th[12] >> 4) * 4;

	/* (an IP length of 0 or past the frame, a TCP header past the IP length
	 * or cut by the snaplen: the general path says what they are) */
	if (tot < iph + TCP_HDR_LEN || tot > wire_left || hlen < TCP_HDR_LEN ||
	    hlen > tot - iph || iph + hlen > ip_cap)
		return false;
	if (iph == IP4_HDR_LEN) {
		out->ip_version = 4;
		if (all)
			out->ttl = ip[8];
		out->ip_id = be16_at(ip + 4);
		memcpy(out->src, ip + 12, 4);
		memcpy(out->dst, ip + 16, 4);
	} else {
		out->ip_version = 6;
		if (all)
			out->ttl = ip[7];
		memcpy(out->src, ip + 8, 16);
		memcpy(out->dst, ip + 24, 16);
	}
	tcp_fixed(th, out, all);
	out->payload_len = tot - iph - hlen;
	if (all) {
		out->hdr_len = (uint8_t)hlen;
		/* Captured bytes up to the IP length (Ethernet padding is not payload). */
		out->payload_caplen = (ip_cap < tot ? ip_cap : tot) - iph - hlen;
		out->payload = th + hlen;
	}
	/* (Last: nothing is kept in registers across a walk of the options.) */
	tcp_options(tt_cur_make(th + TCP_HDR_LEN, hlen - TCP_HDR_LEN), &out->opts);
	return true;
}

/*
 * The frames most captures are made of: Ethernet II with at most one 802.1Q
 * tag; IPv4 without options or fragmentation, or IPv6 without extension
 * headers, with a plausible length; TCP with its header and options captured,
 * the options absent or NOP, NOP, timestamp (what Linux sends on an
 * established connection).  Read straight from the bytes after a few length
 * checks, where the general path below steps a cursor through every field;
 * its result is the same (a unit test and the decoder's fuzz harness compare
 * the two).  @return false to take the general path: anything else, or any
 * doubt.
 */
static inline TT_ALWAYS_INLINE bool fast_eth_ip_tcp(const uint8_t *d, uint32_t cap,
                                                    uint32_t wire_len, struct tt_packet *out,
                                                    bool all)
{
	uint32_t l2 = ETH_ADDRS_LEN + 2, wire_left, ip_cap;
	const uint8_t *ip;
	uint16_t type;

	if (cap < l2 + IP4_HDR_LEN + TCP_HDR_LEN)
		return false;
	type = be16_at(d + ETH_ADDRS_LEN);
	if (type == ETHERTYPE_8021Q) { /* one tag: its TCI, then the ethertype */
		type = be16_at(d + l2 + VLAN_TCI_LEN);
		l2 += VLAN_TCI_LEN + 2;
	}
	ip = d + l2;
	ip_cap = cap - l2;
	wire_left = (wire_len > cap ? wire_len : cap) - l2;
	if (type == ETHERTYPE_IPV4) {
		if (ip_cap < IP4_HDR_LEN + TCP_HDR_LEN || ip[0] != 0x45 || ip[9] != PROTO_TCP ||
		    (be16_at(ip + 6) & IP4_OFFMASK) != 0)
			return false;
		return fast_ip_tcp(ip, IP4_HDR_LEN, be16_at(ip + 2), ip_cap, wire_left, out, all);
	}
	if (type == ETHERTYPE_IPV6) {
		if (ip_cap < IP6_HDR_LEN + TCP_HDR_LEN || ip[0] >> 4 != 6 || ip[6] != PROTO_TCP ||
		    be16_at(ip + 4) == 0)
			return false;
		return fast_ip_tcp(ip, IP6_HDR_LEN, IP6_HDR_LEN + (uint32_t)be16_at(ip + 4), ip_cap,
		                   wire_left, out, all);
	}
	return false;
}

/* The general path: every link type, tunnel, extension header and error.
 * (Out of line: inlined, its registers were saved and restored for the fast
 * path's frames too.) */
static __attribute__((noinline)) enum tt_decode_result
decode_general(int dlt, const uint8_t *data, uint32_t cap, struct tt_packet *out)
{
	struct tt_cur c = tt_cur_make(data, cap);
	enum tt_decode_result r;
	uint32_t wire_left, ip_max = UINT32_MAX;
	uint8_t version;

	r = link_header(dlt, &c, &version, &ip_max);
	if (r != TT_DEC_OK)
		return r;
	/* bytes on the wire from the IP header on (wire_len < caplen is taken as caplen) */
	wire_left = (out->wire_len > cap ? out->wire_len : cap) - (cap - (uint32_t)tt_cur_left(&c));
	if (wire_left > ip_max)
		wire_left = ip_max;
	return ip_layers(c, wire_left, version, out);
}

/*
 * A segment all zero but for its first three fields (set by the caller).  Not
 * one memset(): compilers clear a struct of this size with `rep stos`, which
 * is slow to start, and whose stores the loads of the fields just after (the
 * flow key's) cannot take their data from.  Nor a copy of a zero struct (a
 * load for every store).  Pieces of at most 64 bytes are cleared with one
 * zeroed vector register and a store each.
 */
static inline TT_ALWAYS_INLINE void packet_clear(struct tt_packet *out)
{
	enum { AT = offsetof(struct tt_packet, ip_version), REST = sizeof(*out) - AT };
	unsigned char *b = (unsigned char *)out + AT;

	_Static_assert(offsetof(struct tt_packet, caplen) == sizeof(out->ts) &&
	                   offsetof(struct tt_packet, wire_len) == sizeof(out->ts) + 4 &&
	                   AT == sizeof(out->ts) + 8,
	               "ts, caplen and wire_len come first, without padding");
	_Static_assert(REST > 128 && REST <= 192, "three pieces");
	memset(b, 0, 64);
	memset(b + 64, 0, 64);
	memset(b + 128, 0, REST - 128);
}

/* tt_decode() and tt_decode_track(): all says which. */
static inline TT_ALWAYS_INLINE enum tt_decode_result decode(int dlt, const uint8_t *data,
                                                           uint32_t caplen, uint32_t wire_len,
                                                           tt_time_ns ts, struct tt_packet *out,
                                                           bool all)
{
	uint32_t cap = data != NULL ? caplen : 0;

	packet_clear(out);
	out->ts = ts;
	out->caplen = caplen;
	out->wire_len = wire_len;
	if (dlt == TT_DLT_EN10MB) {
		if (fast_eth_ip_tcp(data, cap, wire_len, out, all))
			return TT_DEC_OK;
		/* (the link type a constant: one register fewer kept for this) */
		return decode_general(TT_DLT_EN10MB, data, cap, out);
	}
	return decode_general(dlt, data, cap, out);
}

/* (Out of line even under LTO: inlined into the read loop, which it now fits,
 * it cost more than the call, as it did before.) */
__attribute__((noinline)) enum tt_decode_result tt_decode(int dlt, const uint8_t *data,
                                                          uint32_t caplen, uint32_t wire_len,
                                                          tt_time_ns ts, struct tt_packet *out)
{
	return decode(dlt, data, caplen, wire_len, ts, out, true);
}

__attribute__((noinline)) enum tt_decode_result
tt_decode_track(int dlt, const uint8_t *data, uint32_t caplen, uint32_t wire_len, tt_time_ns ts,
                struct tt_packet *out)
{
	return decode(dlt, data, caplen, wire_len, ts, out, false);
}

enum tt_decode_result tt_decode_general(int dlt, const uint8_t *data, uint32_t caplen,
                                        uint32_t wire_len, tt_time_ns ts, struct tt_packet *out)
{
	memset(out, 0, sizeof(*out));
	out->ts = ts;
	out->caplen = caplen;
	out->wire_len = wire_len;
	return decode_general(dlt, data, data != NULL ? caplen : 0, out);
}

const char *tt_decode_result_name(enum tt_decode_result r)
{
	static const char *const names[TT_DEC_NRESULTS] = {
		[TT_DEC_OK] = "ok",
		[TT_DEC_NOT_IP] = "not_ip",
		[TT_DEC_NOT_TCP] = "not_tcp",
		[TT_DEC_FRAGMENT] = "ip_fragment",
		[TT_DEC_UNSUPPORTED_LINK] = "unsupported_link",
		[TT_DEC_TRUNC_LINK] = "truncated_link",
		[TT_DEC_TRUNC_IP] = "truncated_ip",
		[TT_DEC_TRUNC_TCP] = "truncated_tcp",
		[TT_DEC_BAD_IP_VERSION] = "bad_ip_version",
		[TT_DEC_BAD_IP_HLEN] = "bad_ip_header_length",
		[TT_DEC_BAD_IP_LEN] = "bad_ip_length",
		[TT_DEC_BAD_IP6_EXT] = "bad_ipv6_ext_chain",
		[TT_DEC_BAD_TCP_DOFF] = "bad_tcp_data_offset",
	};

	if ((unsigned)r >= TT_DEC_NRESULTS || names[r] == NULL)
		return "unknown";
	return names[r];
}

bool tt_decode_result_is_malformed(enum tt_decode_result r)
{
	switch (r) {
	case TT_DEC_TRUNC_LINK:
	case TT_DEC_TRUNC_IP:
	case TT_DEC_TRUNC_TCP:
	case TT_DEC_BAD_IP_VERSION:
	case TT_DEC_BAD_IP_HLEN:
	case TT_DEC_BAD_IP_LEN:
	case TT_DEC_BAD_IP6_EXT:
	case TT_DEC_BAD_TCP_DOFF:
		return true;
	case TT_DEC_OK:
	case TT_DEC_NOT_IP:
	case TT_DEC_NOT_TCP:
	case TT_DEC_FRAGMENT:
	case TT_DEC_UNSUPPORTED_LINK:
	case TT_DEC_NRESULTS:
	default:
		return false;
	}
}
