/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pktbuild.c - test frame builder and pcap/pcapng writer (see pktbuild.h).
 */
#include "pktbuild.h"

#include <arpa/inet.h>
#include <string.h>

#define IPV4_HDR_LEN 20
#define IPV6_HDR_LEN 40
#define TCP_HDR_LEN 20
#define UDP_HDR_LEN 8
#define ICMP_HDR_LEN 8
#define ETHER_HDR_LEN 14
#define SLL_HDR_LEN 16
#define SLL2_HDR_LEN 20
#define NULL_HDR_LEN 4
#define IPV6_EXT_LEN 8 /* hop-by-hop, destination, routing and fragment headers built here */
#define IPV6_AH_LEN 24 /* AH with a 96-bit ICV (RFC 4302 §2.2) */
#define IPV6_RT_TYPE 0 /* type 0 (RFC 5095: ignored like an unknown type when segments left is 0) */

/* Kinds of TCP options (RFC 793, 7323, 2018) */
#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WSCALE 3
#define TCPOPT_SACK_PERM 4
#define TCPOPT_SACK 5
#define TCPOPT_TS 8

#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du
#define PCAPNG_SHB 0x0a0d0d0au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_EPB 0x00000006u
#define PCAPNG_BOM 0x1a2b3c4du
#define PCAPNG_OPT_TSRESOL 9

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Host byte order, for the capture file headers and the BSD NULL link header. */
static void put_h16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put_h32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static size_t addr_len(const struct pb_addr *a)
{
	return a->family == 6 ? 16 : 4;
}

int pb_addr_parse(struct pb_addr *out, const char *text)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, text, out->a) == 1) {
		out->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, text, out->a) == 1) {
		out->family = 6;
		return 0;
	}
	return -1;
}

int pb_ip_init(struct pb_ip *ip, const struct pb_addr *src, const struct pb_addr *dst)
{
	memset(ip, 0, sizeof(*ip));
	ip->src = *src;
	ip->dst = *dst;
	ip->ttl = 64;
	return src->family == dst->family ? 0 : -1;
}

static size_t ext_len(uint8_t ext)
{
	return ext == PB_IPPROTO_AH ? IPV6_AH_LEN : IPV6_EXT_LEN;
}

size_t pb_ip_header_len(const struct pb_ip *ip)
{
	size_t len;

	if (ip->src.family == 6) {
		len = IPV6_HDR_LEN;
		for (size_t i = 0; i < ip->n_ext && i < PB_MAX_EXT; i++)
			len += ext_len(ip->ext[i]);
		return len;
	}
	return IPV4_HDR_LEN + ((ip->v4_opts_len + 3) & ~(size_t)3);
}

void pb_tcp_init(struct pb_tcp *tcp, uint16_t sport, uint16_t dport)
{
	memset(tcp, 0, sizeof(*tcp));
	tcp->sport = sport;
	tcp->dport = dport;
}

static int opt_room(const struct pb_tcp *tcp, size_t n)
{
	return n <= PB_TCP_OPT_MAX - tcp->opts_len ? 0 : -1;
}

int pb_tcp_opt_mss(struct pb_tcp *tcp, uint16_t mss)
{
	uint8_t *p = tcp->opts + tcp->opts_len;

	if (opt_room(tcp, 4) < 0)
		return -1;
	p[0] = TCPOPT_MSS;
	p[1] = 4;
	put_be16(p + 2, mss);
	tcp->opts_len += 4;
	return 0;
}

int pb_tcp_opt_wscale(struct pb_tcp *tcp, uint8_t shift)
{
	uint8_t *p = tcp->opts + tcp->opts_len;

	if (opt_room(tcp, 3) < 0)
		return -1;
	p[0] = TCPOPT_WSCALE;
	p[1] = 3;
	p[2] = shift;
	tcp->opts_len += 3;
	return 0;
}

int pb_tcp_opt_sack_perm(struct pb_tcp *tcp)
{
	uint8_t *p = tcp->opts + tcp->opts_len;

	if (opt_room(tcp, 2) < 0)
		return -1;
	p[0] = TCPOPT_SACK_PERM;
	p[1] = 2;
	tcp->opts_len += 2;
	return 0;
}

int pb_tcp_opt_sack(struct pb_tcp *tcp, const uint32_t *left, const uint32_t *right, size_t n)
{
	uint8_t *p = tcp->opts + tcp->opts_len;

	if (n == 0 || n > 4 || opt_room(tcp, 2 + 8 * n) < 0)
		return -1;
	p[0] = TCPOPT_SACK;
	p[1] = (uint8_t)(2 + 8 * n);
	for (size_t i = 0; i < n; i++) {
		put_be32(p + 2 + 8 * i, left[i]);
		put_be32(p + 6 + 8 * i, right[i]);
	}
	tcp->opts_len += 2 + 8 * n;
	return 0;
}

int pb_tcp_opt_ts(struct pb_tcp *tcp, uint32_t val, uint32_t ecr)
{
	uint8_t *p = tcp->opts + tcp->opts_len;

	if (opt_room(tcp, 10) < 0)
		return -1;
	p[0] = TCPOPT_TS;
	p[1] = 10;
	put_be32(p + 2, val);
	put_be32(p + 6, ecr);
	tcp->opts_len += 10;
	return 0;
}

int pb_tcp_opt_nop(struct pb_tcp *tcp)
{
	if (opt_room(tcp, 1) < 0)
		return -1;
	tcp->opts[tcp->opts_len++] = TCPOPT_NOP;
	return 0;
}

int pb_tcp_opt_eol(struct pb_tcp *tcp)
{
	if (opt_room(tcp, 1) < 0)
		return -1;
	tcp->opts[tcp->opts_len++] = TCPOPT_EOL;
	return 0;
}

int pb_tcp_opt_raw(struct pb_tcp *tcp, const uint8_t *bytes, size_t n)
{
	if (opt_room(tcp, n) < 0)
		return -1;
	if (n > 0)
		memcpy(tcp->opts + tcp->opts_len, bytes, n);
	tcp->opts_len += n;
	return 0;
}

size_t pb_tcp_header_len(const struct pb_tcp *tcp)
{
	size_t n = tcp->opts_len > PB_TCP_OPT_MAX ? PB_TCP_OPT_MAX : tcp->opts_len;

	return TCP_HDR_LEN + ((n + 3) & ~(size_t)3);
}

uint32_t pb_csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	uint64_t s = sum;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (i < n)
		s += (uint32_t)p[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

uint16_t pb_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t pb_l4_checksum(const struct pb_addr *src, const struct pb_addr *dst, uint8_t proto,
			const uint8_t *l4, size_t len)
{
	uint8_t ph[8];
	uint32_t sum = 0;

	sum = pb_csum_add(sum, src->a, addr_len(src));
	sum = pb_csum_add(sum, dst->a, addr_len(dst));
	if (src->family == 6) {
		/* RFC 8200 §8.1: 32-bit upper-layer length, 24 zero bits, next header */
		put_be32(ph, (uint32_t)len);
		ph[4] = ph[5] = ph[6] = 0;
		ph[7] = proto;
		sum = pb_csum_add(sum, ph, 8);
	} else {
		/* RFC 793 §3.1: zero, protocol, 16-bit TCP length */
		ph[0] = 0;
		ph[1] = proto;
		put_be16(ph + 2, (uint16_t)len);
		sum = pb_csum_add(sum, ph, 4);
	}
	sum = pb_csum_add(sum, l4, len);
	return pb_csum_fold(sum);
}

void pb_fill_pattern(uint8_t *p, size_t n, uint32_t seq)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)('a' + (uint8_t)(((uint64_t)seq + i) % 26));
}

/*
 * Write the IP header(s) for an l4_len-byte payload of protocol proto at out.
 * Return the header length, or 0 if it does not fit in cap or the packet would be too long.
 */
static size_t write_ip_header(uint8_t *out, size_t cap, const struct pb_ip *ip, uint8_t proto,
			      size_t l4_len)
{
	size_t hl = pb_ip_header_len(ip);

	if (hl > cap || l4_len > cap - hl)
		return 0;
	if (ip->src.family != ip->dst.family)
		return 0;
	if (ip->src.family == 6) {
		size_t plen = hl - IPV6_HDR_LEN + l4_len;
		size_t n_ext = ip->n_ext < PB_MAX_EXT ? ip->n_ext : PB_MAX_EXT;
		uint8_t *p = out + IPV6_HDR_LEN;

		if (plen > 0xffff)
			return 0;
		/* RFC 8200 §3: version 6, traffic class, flow label 0 */
		put_be32(out, 0x60000000u | (uint32_t)ip->tos << 20);
		put_be16(out + 4, (uint16_t)plen);
		out[6] = n_ext > 0 ? ip->ext[0] : proto;
		out[7] = ip->ttl;
		memcpy(out + 8, ip->src.a, 16);
		memcpy(out + 24, ip->dst.a, 16);
		for (size_t i = 0; i < n_ext; i++) {
			uint8_t next = i + 1 < n_ext ? ip->ext[i + 1] : proto;
			size_t len = ext_len(ip->ext[i]);

			memset(p, 0, len);
			p[0] = next;
			switch (ip->ext[i]) {
			case PB_IPPROTO_AH:
				/* RFC 4302 §2.2: length in 4-octet units minus 2, SPI, sequence */
				p[1] = (uint8_t)(len / 4 - 2);
				put_be32(p + 4, 0x00000100u);
				put_be32(p + 8, 1);
				break;
			case PB_IPPROTO_FRAGMENT:
				/* RFC 8200 §4.5: offset 0, M 0 (an atomic fragment) */
				put_be32(p + 4, ip->ipid);
				break;
			case PB_IPPROTO_ROUTING:
				/* RFC 8200 §4.4: length 0, type, segments left 0 */
				p[2] = IPV6_RT_TYPE;
				break;
			default:
				/* hop-by-hop or destination options: one PadN option of 4 bytes */
				p[2] = 1;
				p[3] = 4;
				break;
			}
			p += len;
		}
		return hl;
	}

	/* RFC 791 §3.1 */
	if (hl + l4_len > 0xffff || ip->v4_opts_len > PB_IP_OPT_MAX)
		return 0;
	out[0] = (uint8_t)(0x40 | hl / 4);
	out[1] = ip->tos;
	put_be16(out + 2, (uint16_t)(hl + l4_len));
	put_be16(out + 4, ip->ipid);
	put_be16(out + 6, (uint16_t)((ip->df ? 0x4000 : 0) | (ip->mf ? 0x2000 : 0) |
				     (ip->frag_off & 0x1fff)));
	out[8] = ip->ttl;
	out[9] = proto;
	out[10] = out[11] = 0;
	memcpy(out + 12, ip->src.a, 4);
	memcpy(out + 16, ip->dst.a, 4);
	memset(out + IPV4_HDR_LEN, 0, hl - IPV4_HDR_LEN);
	if (ip->v4_opts_len > 0)
		memcpy(out + IPV4_HDR_LEN, ip->v4_opts, ip->v4_opts_len);
	put_be16(out + 10, pb_csum_fold(pb_csum_add(0, out, hl)));
	return hl;
}

size_t pb_build_ip(uint8_t *out, size_t cap, const struct pb_ip *ip, uint8_t proto,
		   const uint8_t *l4, size_t l4_len)
{
	size_t hl = write_ip_header(out, cap, ip, proto, l4_len);

	if (hl == 0)
		return 0;
	if (l4_len > 0)
		memmove(out + hl, l4, l4_len);
	return hl + l4_len;
}

size_t pb_build_tcp(uint8_t *out, size_t cap, const struct pb_ip *ip, const struct pb_tcp *tcp)
{
	size_t hl = pb_ip_header_len(ip);
	size_t thl = pb_tcp_header_len(tcp);
	size_t len = thl + tcp->payload_len;
	uint8_t *t;

	if (tcp->opts_len > PB_TCP_OPT_MAX || hl > cap || len > cap - hl)
		return 0;
	t = out + hl;
	/* RFC 793 §3.1; RFC 9293 §3.1 for the AE bit beside the 4-bit data offset */
	put_be16(t, tcp->sport);
	put_be16(t + 2, tcp->dport);
	put_be32(t + 4, tcp->seq);
	put_be32(t + 8, tcp->ack);
	t[12] = (uint8_t)((tcp->doff != 0 ? tcp->doff & 0x0f : thl / 4) << 4 |
			  (tcp->flags & PB_TH_AE ? 1 : 0));
	t[13] = (uint8_t)tcp->flags;
	put_be16(t + 14, tcp->win);
	t[16] = t[17] = 0;
	put_be16(t + 18, tcp->urp);
	memset(t + TCP_HDR_LEN, 0, thl - TCP_HDR_LEN);
	if (tcp->opts_len > 0)
		memcpy(t + TCP_HDR_LEN, tcp->opts, tcp->opts_len);
	if (tcp->payload_len > 0)
		memmove(t + thl, tcp->payload, tcp->payload_len);
	if (write_ip_header(out, cap, ip, PB_IPPROTO_TCP, len) == 0)
		return 0;
	put_be16(t + 16, pb_l4_checksum(&ip->src, &ip->dst, PB_IPPROTO_TCP, t, len));
	return hl + len;
}

size_t pb_build_udp(uint8_t *out, size_t cap, const struct pb_ip *ip, uint16_t sport,
		    uint16_t dport, const uint8_t *payload, size_t len)
{
	size_t hl = pb_ip_header_len(ip);
	size_t ulen = UDP_HDR_LEN + len;
	uint16_t sum;
	uint8_t *u;

	if (hl > cap || ulen > cap - hl || ulen > 0xffff)
		return 0;
	u = out + hl;
	put_be16(u, sport);
	put_be16(u + 2, dport);
	put_be16(u + 4, (uint16_t)ulen);
	u[6] = u[7] = 0;
	if (len > 0)
		memmove(u + UDP_HDR_LEN, payload, len);
	if (write_ip_header(out, cap, ip, PB_IPPROTO_UDP, ulen) == 0)
		return 0;
	/* RFC 768: a computed zero is sent as all ones */
	sum = pb_l4_checksum(&ip->src, &ip->dst, PB_IPPROTO_UDP, u, ulen);
	put_be16(u + 6, sum == 0 ? 0xffff : sum);
	return hl + ulen;
}

size_t pb_build_icmp_error(uint8_t *out, size_t cap, const struct pb_ip *ip, uint8_t type,
			   uint8_t code, uint32_t rest, const uint8_t *quoted, size_t quoted_len)
{
	size_t hl = pb_ip_header_len(ip);
	size_t len = ICMP_HDR_LEN + quoted_len;
	uint8_t proto = ip->src.family == 6 ? PB_IPPROTO_ICMPV6 : PB_IPPROTO_ICMP;
	uint16_t sum;
	uint8_t *c;

	if (hl > cap || len > cap - hl)
		return 0;
	c = out + hl;
	c[0] = type;
	c[1] = code;
	c[2] = c[3] = 0;
	put_be32(c + 4, rest);
	if (quoted_len > 0)
		memmove(c + ICMP_HDR_LEN, quoted, quoted_len);
	if (write_ip_header(out, cap, ip, proto, len) == 0)
		return 0;
	if (proto == PB_IPPROTO_ICMPV6)
		sum = pb_l4_checksum(&ip->src, &ip->dst, proto, c, len);
	else
		sum = pb_csum_fold(pb_csum_add(0, c, len));
	put_be16(c + 2, sum);
	return hl + len;
}

size_t pb_build_arp_request(uint8_t *out, size_t cap, const uint8_t sender_mac[6],
			    const uint8_t sender_ip[4], const uint8_t target_ip[4])
{
	if (cap < 28)
		return 0;
	put_be16(out, 1);                   /* hardware type: Ethernet */
	put_be16(out + 2, PB_ETHERTYPE_IPV4); /* protocol type */
	out[4] = 6;
	out[5] = 4;
	put_be16(out + 6, 1);               /* operation: request */
	memcpy(out + 8, sender_mac, 6);
	memcpy(out + 14, sender_ip, 4);
	memset(out + 18, 0, 6);
	memcpy(out + 24, target_ip, 4);
	return 28;
}

void pb_link_init(struct pb_link *link, uint32_t linktype)
{
	static const uint8_t src[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
	static const uint8_t dst[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

	memset(link, 0, sizeof(*link));
	link->linktype = linktype;
	memcpy(link->src_mac, src, 6);
	memcpy(link->dst_mac, dst, 6);
	link->sll_pkttype = PB_SLL_HOST;
	link->sll2_ifindex = 1;
}

uint16_t pb_ethertype_of(const uint8_t *ip, size_t len)
{
	return len > 0 && ip[0] >> 4 == 6 ? PB_ETHERTYPE_IPV6 : PB_ETHERTYPE_IPV4;
}

size_t pb_build_link(uint8_t *out, size_t cap, const struct pb_link *link, uint16_t ethertype,
		     const uint8_t *payload, size_t len)
{
	size_t hl;
	size_t n_vlan = link->n_vlan < PB_MAX_VLAN ? link->n_vlan : PB_MAX_VLAN;
	uint32_t af;

	switch (link->linktype) {
	case PB_LINK_ETHER:
		hl = ETHER_HDR_LEN + 4 * n_vlan;
		break;
	case PB_LINK_SLL:
		hl = SLL_HDR_LEN;
		break;
	case PB_LINK_SLL2:
		hl = SLL2_HDR_LEN;
		break;
	case PB_LINK_NULL:
	case PB_LINK_LOOP:
		if (ethertype != PB_ETHERTYPE_IPV4 && ethertype != PB_ETHERTYPE_IPV6)
			return 0;
		hl = NULL_HDR_LEN;
		break;
	case PB_LINK_RAW:
	case PB_LINK_IPV4:
	case PB_LINK_IPV6:
		hl = 0;
		break;
	default:
		return 0;
	}
	if (hl > cap || len > cap - hl)
		return 0;
	if (len > 0)
		memmove(out + hl, payload, len);

	switch (link->linktype) {
	case PB_LINK_ETHER: {
		uint8_t *p = out + 12;

		memcpy(out, link->dst_mac, 6);
		memcpy(out + 6, link->src_mac, 6);
		for (size_t i = 0; i < n_vlan; i++) {
			/* IEEE 802.1ad: the outer tag of a stack is an S-tag */
			uint16_t tpid = PB_ETHERTYPE_VLAN;

			if (i == 0 && n_vlan >= 2)
				tpid = PB_ETHERTYPE_QINQ;

			put_be16(p, tpid);
			put_be16(p + 2, link->vlan[i] & 0x0fff);
			p += 4;
		}
		put_be16(p, ethertype);
		if (hl + len < link->eth_min_len) {
			size_t pad = link->eth_min_len - (hl + len);

			if (pad > cap - hl - len)
				return 0;
			memset(out + hl + len, 0, pad);
			len += pad;
		}
		break;
	}
	case PB_LINK_SLL:
		/* packet type, ARPHRD_ETHER, address length, address (8 bytes), protocol */
		put_be16(out, link->sll_pkttype);
		put_be16(out + 2, 1);
		put_be16(out + 4, 6);
		memcpy(out + 6, link->src_mac, 6);
		out[12] = out[13] = 0;
		put_be16(out + 14, ethertype);
		break;
	case PB_LINK_SLL2:
		/* protocol, reserved, ifindex, ARPHRD_ETHER, packet type, address len, address */
		put_be16(out, ethertype);
		out[2] = out[3] = 0;
		put_be32(out + 4, link->sll2_ifindex);
		put_be16(out + 8, 1);
		out[10] = link->sll_pkttype;
		out[11] = 6;
		memcpy(out + 12, link->src_mac, 6);
		out[18] = out[19] = 0;
		break;
	case PB_LINK_NULL:
	case PB_LINK_LOOP:
		af = ethertype == PB_ETHERTYPE_IPV6 ? PB_BSD_AF_INET6 : PB_BSD_AF_INET;
		if (link->linktype == PB_LINK_NULL)
			put_h32(out, af);
		else
			put_be32(out, af);
		break;
	default:
		break;
	}
	return hl + len;
}

static int write_all(FILE *fp, const void *p, size_t n)
{
	return n == 0 || fwrite(p, 1, n, fp) == n ? 0 : -1;
}

int pb_writer_begin(struct pb_writer *w, FILE *fp, enum pb_file_format format, bool is_nsec,
		    uint32_t linktype, uint32_t snaplen)
{
	uint8_t h[64];

	memset(w, 0, sizeof(*w));
	w->fp = fp;
	w->format = format;
	w->is_nsec = is_nsec;
	w->linktype = linktype;
	w->snaplen = snaplen;
	memset(h, 0, sizeof(h));
	if (format == PB_PCAP) {
		put_h32(h, is_nsec ? PCAP_MAGIC_NS : PCAP_MAGIC_US);
		put_h16(h + 4, 2);      /* version 2.4 */
		put_h16(h + 6, 4);
		put_h32(h + 8, 0);      /* thiszone */
		put_h32(h + 12, 0);     /* sigfigs */
		put_h32(h + 16, snaplen);
		put_h32(h + 20, linktype);
		return write_all(fp, h, 24);
	}
	if (format != PB_PCAPNG)
		return -1;
	/* Section Header Block: type, length, byte-order magic, version 1.0, length unknown */
	put_h32(h, PCAPNG_SHB);
	put_h32(h + 4, 28);
	put_h32(h + 8, PCAPNG_BOM);
	put_h16(h + 12, 1);
	put_h16(h + 14, 0);
	put_h32(h + 16, 0xffffffffu);
	put_h32(h + 20, 0xffffffffu);
	put_h32(h + 24, 28);
	if (write_all(fp, h, 28) < 0)
		return -1;
	/* Interface Description Block: linktype, reserved, snaplen, if_tsresol, opt_endofopt */
	memset(h, 0, sizeof(h));
	put_h32(h, PCAPNG_IDB);
	put_h32(h + 4, 32);
	put_h16(h + 8, (uint16_t)linktype);
	put_h16(h + 10, 0);
	put_h32(h + 12, snaplen);
	put_h16(h + 16, PCAPNG_OPT_TSRESOL);
	put_h16(h + 18, 1);
	h[20] = is_nsec ? 9 : 6;
	put_h16(h + 24, 0);
	put_h16(h + 26, 0);
	put_h32(h + 28, 32);
	return write_all(fp, h, 32);
}

int pb_writer_frame(struct pb_writer *w, uint64_t ts_ns, const uint8_t *frame, size_t len)
{
	size_t caplen = len < w->snaplen ? len : w->snaplen;

	if (len > 0xffffffffu)
		return -1;
	return pb_writer_record(w, ts_ns, frame, caplen, (uint32_t)caplen, (uint32_t)len);
}

/* frame[0..len) then zeros up to caplen bytes in all. */
static int write_data(FILE *fp, const uint8_t *frame, size_t len, size_t caplen)
{
	static const uint8_t zeros[64];

	if (write_all(fp, frame, len < caplen ? len : caplen) < 0)
		return -1;
	for (size_t n = len; n < caplen; n += sizeof(zeros)) {
		if (write_all(fp, zeros, caplen - n < sizeof(zeros) ? caplen - n : sizeof(zeros)) < 0)
			return -1;
	}
	return 0;
}

int pb_writer_record(struct pb_writer *w, uint64_t ts_ns, const uint8_t *frame, size_t len,
		     uint32_t caplen, uint32_t orig_len)
{
	static const uint8_t zeros[4];
	uint8_t h[28];

	if (w->format == PB_PCAP) {
		uint64_t sec = ts_ns / 1000000000u;
		uint64_t frac = ts_ns % 1000000000u;

		if (sec > 0xffffffffu)
			return -1; /* pcap records hold 32-bit seconds: use pcapng */
		if (!w->is_nsec)
			frac /= 1000u;
		put_h32(h, (uint32_t)sec);
		put_h32(h + 4, (uint32_t)frac);
		put_h32(h + 8, caplen);
		put_h32(h + 12, orig_len);
		if (write_all(w->fp, h, 16) < 0 || write_data(w->fp, frame, len, caplen) < 0)
			return -1;
	} else {
		uint64_t ts = w->is_nsec ? ts_ns : ts_ns / 1000u;
		size_t pad = (4 - caplen % 4) % 4;
		uint32_t blen = (uint32_t)(28 + caplen + pad + 4);

		/* Enhanced Packet Block: interface 0, timestamp high/low, captured/original len */
		put_h32(h, PCAPNG_EPB);
		put_h32(h + 4, blen);
		put_h32(h + 8, 0);
		put_h32(h + 12, (uint32_t)(ts >> 32));
		put_h32(h + 16, (uint32_t)ts);
		put_h32(h + 20, caplen);
		put_h32(h + 24, orig_len);
		if (write_all(w->fp, h, 28) < 0 || write_data(w->fp, frame, len, caplen) < 0 ||
		    write_all(w->fp, zeros, pad) < 0)
			return -1;
		put_h32(h, blen);
		if (write_all(w->fp, h, 4) < 0)
			return -1;
	}
	w->n_frames++;
	return 0;
}
