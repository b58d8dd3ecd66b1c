/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pktbuild.h - build test frames and write them as pcap or pcapng, without libpcap.
 *
 * Frames are built inside out into caller buffers: an IP packet (IPv4 with options or IPv6
 * with extension headers) carrying TCP, UDP, ICMP/ICMPv6 or opaque bytes, then a link layer
 * around it, then a capture record. Every checksum is correct: the IPv4 header checksum
 * (RFC 791), the TCP/UDP checksum over the pseudo-header (RFC 793 §3.1, RFC 768, RFC 8200 §8.1)
 * and the ICMP (RFC 792) and ICMPv6 (RFC 4443 §2.3) checksums.
 *
 * Builders take `uint8_t *out, size_t cap` and return the number of bytes written, or 0 when
 * the result does not fit in cap or is impossible (an IPv4 total length above 65535, more than
 * 40 bytes of options, an address family mismatch). A buffer of PB_FRAME_MAX bytes always fits
 * any valid frame. Nothing here allocates memory, prints or exits.
 *
 * Multi-byte fields are written in network byte order except where a format says otherwise
 * (BSD NULL link header, pcap and pcapng headers: host byte order, as their writers do).
 */
#ifndef TCPTRACK_PKTBUILD_H
#define TCPTRACK_PKTBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Largest frame any builder can produce: link header + IPv6 header + 65535 bytes of payload. */
#define PB_FRAME_MAX 65664

/* TCP flag bits (RFC 793 §3.1, RFC 3168 ECE/CWR, RFC 9768 AE formerly NS) */
#define PB_TH_FIN 0x001
#define PB_TH_SYN 0x002
#define PB_TH_RST 0x004
#define PB_TH_PSH 0x008
#define PB_TH_ACK 0x010
#define PB_TH_URG 0x020
#define PB_TH_ECE 0x040
#define PB_TH_CWR 0x080
#define PB_TH_AE 0x100

/* IP protocol numbers, also used to name IPv6 extension headers (RFC 8200 §4). */
#define PB_IPPROTO_HOPOPTS 0
#define PB_IPPROTO_ICMP 1
#define PB_IPPROTO_TCP 6
#define PB_IPPROTO_UDP 17
#define PB_IPPROTO_ROUTING 43
#define PB_IPPROTO_FRAGMENT 44
#define PB_IPPROTO_AH 51
#define PB_IPPROTO_ICMPV6 58
#define PB_IPPROTO_DSTOPTS 60

/* Ethertypes */
#define PB_ETHERTYPE_IPV4 0x0800
#define PB_ETHERTYPE_ARP 0x0806
#define PB_ETHERTYPE_VLAN 0x8100 /* IEEE 802.1Q C-tag */
#define PB_ETHERTYPE_QINQ 0x88a8 /* IEEE 802.1ad S-tag */
#define PB_ETHERTYPE_IPV6 0x86dd

/* Link-layer header types (LINKTYPE_* of the pcap/pcapng registry) */
#define PB_LINK_NULL 0    /* BSD loopback: 4-byte address family, host byte order */
#define PB_LINK_ETHER 1   /* Ethernet II, optionally 802.1Q/802.1ad tagged */
#define PB_LINK_RAW 101   /* raw IPv4 or IPv6, version from the first nibble */
#define PB_LINK_LOOP 108  /* OpenBSD loopback: 4-byte address family, network byte order */
#define PB_LINK_SLL 113   /* Linux cooked capture v1, 16-byte header */
#define PB_LINK_IPV4 228  /* raw IPv4 only */
#define PB_LINK_IPV6 229  /* raw IPv6 only */
#define PB_LINK_SLL2 276  /* Linux cooked capture v2, 20-byte header */

/* Address families in NULL/LOOP headers (BSD values; 24 is NetBSD/OpenBSD AF_INET6). */
#define PB_BSD_AF_INET 2
#define PB_BSD_AF_INET6 24

/* sll_pkttype / SLL2 packet type values (linux/if_packet.h) */
#define PB_SLL_HOST 0      /* addressed to us */
#define PB_SLL_BROADCAST 1 /* link-layer broadcast */
#define PB_SLL_OTHERHOST 3 /* to somebody else */
#define PB_SLL_OUTGOING 4  /* sent by us */

/* ICMP (RFC 792) and ICMPv6 (RFC 4443) error types used by pb_build_icmp_error() */
#define PB_ICMP_UNREACH 3
#define PB_ICMP_TIMXCEED 11
#define PB_ICMP_UNREACH_NEEDFRAG 4 /* code of type 3: fragmentation needed (RFC 1191) */
#define PB_ICMP6_UNREACH 1
#define PB_ICMP6_TOOBIG 2
#define PB_ICMP6_TIMXCEED 3

#define PB_MAX_EXT 8     /* IPv6 extension headers per packet */
#define PB_MAX_VLAN 8    /* VLAN tags per Ethernet frame */
#define PB_TCP_OPT_MAX 40
#define PB_IP_OPT_MAX 40

/* An IPv4 or IPv6 address. */
struct pb_addr {
	int family;      /* 4 or 6 */
	uint8_t a[16];   /* IPv4 uses the first 4 bytes */
};

/* IP-layer parameters of one packet. Start from pb_ip_init(). */
struct pb_ip {
	struct pb_addr src;
	struct pb_addr dst;
	uint8_t ttl;             /* IPv4 TTL or IPv6 hop limit */
	uint8_t tos;             /* IPv4 TOS or IPv6 traffic class */
	uint16_t ipid;           /* IPv4 identification; IPv6 fragment header uses it too */
	bool df;                 /* IPv4 Don't Fragment */
	bool mf;                 /* IPv4 More Fragments */
	uint16_t frag_off;       /* IPv4 fragment offset in 8-byte units (0..8191) */
	const uint8_t *v4_opts;  /* IPv4 options, padded with EOL to a multiple of 4 */
	size_t v4_opts_len;      /* at most PB_IP_OPT_MAX */
	uint8_t ext[PB_MAX_EXT]; /* IPv6 extension headers in order, as PB_IPPROTO_* numbers */
	size_t n_ext;
};

/* One TCP segment. Start from pb_tcp_init(); add options with pb_tcp_opt_*(). */
struct pb_tcp {
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
	uint16_t flags;                 /* PB_TH_* bits */
	uint16_t win;
	uint16_t urp;
	uint8_t doff;                   /* 0: computed; else the data offset written (malformed) */
	uint8_t opts[PB_TCP_OPT_MAX];   /* option bytes, padded with EOL to a multiple of 4 */
	size_t opts_len;
	const uint8_t *payload;
	size_t payload_len;
};

/* Link-layer parameters. Start from pb_link_init(). */
struct pb_link {
	uint32_t linktype;              /* PB_LINK_* */
	uint8_t src_mac[6];             /* Ethernet source; SLL/SLL2 link address */
	uint8_t dst_mac[6];             /* Ethernet destination */
	uint16_t vlan[PB_MAX_VLAN];     /* VLAN IDs, outer first (Ethernet only) */
	size_t n_vlan;
	uint8_t sll_pkttype;            /* PB_SLL_* (SLL and SLL2) */
	uint32_t sll2_ifindex;          /* SLL2 interface index */
	size_t eth_min_len;             /* pad Ethernet frames with zeros to this (0: never) */
};

enum pb_file_format {
	PB_PCAP = 0,
	PB_PCAPNG = 1,
};

/* A capture file being written. Fields are read-only for callers. */
struct pb_writer {
	FILE *fp;
	enum pb_file_format format;
	bool is_nsec;        /* nanosecond timestamps (pcap magic 0xa1b23c4d, if_tsresol 9) */
	uint32_t linktype;
	uint32_t snaplen;
	uint64_t n_frames;
};

/**
 * Parse a textual IPv4 ("10.0.0.1") or IPv6 ("fd00::1", no brackets) address.
 * @return 0 on success, -1 if text is not an address.
 */
int pb_addr_parse(struct pb_addr *out, const char *text);

/**
 * Set *ip to a plain packet from src to dst: TTL 64, no options, no extension headers, DF off.
 * @return 0, or -1 if src and dst are of different families.
 */
int pb_ip_init(struct pb_ip *ip, const struct pb_addr *src, const struct pb_addr *dst);

/**
 * Length of the IP header(s) pb_build_ip() would write for *ip: the IPv4 header with padded
 * options, or the IPv6 header and its extension headers.
 * @return the length in bytes.
 */
size_t pb_ip_header_len(const struct pb_ip *ip);

/**
 * Set *tcp to an empty segment between the two ports: no flags, seq/ack 0, window 0, no options.
 * @return nothing.
 */
void pb_tcp_init(struct pb_tcp *tcp, uint16_t sport, uint16_t dport);

/**
 * Append the MSS option (kind 2, RFC 793 §3.1).
 * @return 0, or -1 if the options would exceed 40 bytes.
 */
int pb_tcp_opt_mss(struct pb_tcp *tcp, uint16_t mss);

/**
 * Append the window scale option (kind 3, RFC 7323 §2). Any shift count is written as given.
 * @return 0, or -1 if the options would exceed 40 bytes.
 */
int pb_tcp_opt_wscale(struct pb_tcp *tcp, uint8_t shift);

/**
 * Append the SACK-permitted option (kind 4, RFC 2018 §2).
 * @return 0, or -1 if the options would exceed 40 bytes.
 */
int pb_tcp_opt_sack_perm(struct pb_tcp *tcp);

/**
 * Append a SACK option (kind 5, RFC 2018 §3) with n blocks: left[i]..right[i], absolute.
 * @return 0, or -1 if n is 0 or above 4, or the options would exceed 40 bytes.
 */
int pb_tcp_opt_sack(struct pb_tcp *tcp, const uint32_t *left, const uint32_t *right, size_t n);

/**
 * Append the timestamps option (kind 8, RFC 7323 §3).
 * @return 0, or -1 if the options would exceed 40 bytes.
 */
int pb_tcp_opt_ts(struct pb_tcp *tcp, uint32_t val, uint32_t ecr);

/**
 * Append one NOP byte (kind 1).
 * @return 0, or -1 if the options would exceed 40 bytes.
 */
int pb_tcp_opt_nop(struct pb_tcp *tcp);

/**
 * Append one EOL byte (kind 0).
 * @return 0, or -1 if the options would exceed 40 bytes.
 */
int pb_tcp_opt_eol(struct pb_tcp *tcp);

/**
 * Append option bytes verbatim (for malformed options).
 * @return 0, or -1 if the options would exceed 40 bytes.
 */
int pb_tcp_opt_raw(struct pb_tcp *tcp, const uint8_t *bytes, size_t n);

/**
 * TCP header length for *tcp: 20 plus the options rounded up to a multiple of 4.
 * @return the length in bytes (20..60).
 */
size_t pb_tcp_header_len(const struct pb_tcp *tcp);

/**
 * Add bytes to a ones' complement running sum (RFC 1071). An odd length is padded with a zero
 * byte, so only the last chunk of a sum may have an odd length.
 * @return the new running sum.
 */
uint32_t pb_csum_add(uint32_t sum, const uint8_t *p, size_t n);

/**
 * Fold a running sum to 16 bits and complement it.
 * @return the checksum in host byte order, ready to be stored big-endian.
 */
uint16_t pb_csum_fold(uint32_t sum);

/**
 * Checksum of a transport segment l4[0..len) with the IPv4 or IPv6 pseudo-header of src/dst
 * and protocol proto. The checksum field inside l4 must be zero.
 * @return the checksum in host byte order.
 */
uint16_t pb_l4_checksum(const struct pb_addr *src, const struct pb_addr *dst, uint8_t proto,
			const uint8_t *l4, size_t len);

/**
 * Fill p[0..n) with the deterministic payload pattern: byte i is 'a' + (seq + i) mod 26, so a
 * retransmission of the same sequence range carries the same bytes.
 * @return nothing.
 */
void pb_fill_pattern(uint8_t *p, size_t n, uint32_t seq);

/**
 * Write an IP packet: the header(s) of *ip with protocol proto (IPv6: the last extension
 * header's next header), followed by l4[0..l4_len) verbatim. The IPv4 header checksum is
 * computed; transport checksums are the caller's.
 * @return bytes written, or 0 if it does not fit or the packet is too long.
 */
size_t pb_build_ip(uint8_t *out, size_t cap, const struct pb_ip *ip, uint8_t proto,
		   const uint8_t *l4, size_t l4_len);

/**
 * Write an IP packet carrying the TCP segment *tcp, with the TCP checksum computed over the
 * pseudo-header and the whole segment. A non-zero tcp->doff replaces the data offset field
 * (low 4 bits) without changing the bytes written.
 * @return bytes written, or 0 if it does not fit or the packet is too long.
 */
size_t pb_build_tcp(uint8_t *out, size_t cap, const struct pb_ip *ip, const struct pb_tcp *tcp);

/**
 * Write an IP packet carrying a UDP datagram with a correct checksum.
 * @return bytes written, or 0 if it does not fit or the packet is too long.
 */
size_t pb_build_udp(uint8_t *out, size_t cap, const struct pb_ip *ip, uint16_t sport,
		    uint16_t dport, const uint8_t *payload, size_t len);

/**
 * Write an ICMP (ip->src.family 4) or ICMPv6 (family 6) error message carrying `quoted`, the
 * start of the offending IP packet. `rest` fills the 4 bytes after the checksum: 0 for
 * unreachable and time exceeded, the next-hop MTU for ICMP type 3 code 4 (RFC 1191: low 16
 * bits) and the MTU for ICMPv6 packet too big.
 * @return bytes written, or 0 if it does not fit or the packet is too long.
 */
size_t pb_build_icmp_error(uint8_t *out, size_t cap, const struct pb_ip *ip, uint8_t type,
			   uint8_t code, uint32_t rest, const uint8_t *quoted, size_t quoted_len);

/**
 * Write the 28-byte body of an ARP request (RFC 826): "who has target_ip, tell sender_ip".
 * @return 28, or 0 if it does not fit.
 */
size_t pb_build_arp_request(uint8_t *out, size_t cap, const uint8_t sender_mac[6],
			    const uint8_t sender_ip[4], const uint8_t target_ip[4]);

/**
 * Set *link to the given link type with default MAC addresses, no VLAN tags, SLL packet type
 * PB_SLL_HOST, SLL2 interface index 1 and no Ethernet padding.
 * @return nothing.
 */
void pb_link_init(struct pb_link *link, uint32_t linktype);

/**
 * Ethertype of an IP packet from its version nibble.
 * @return PB_ETHERTYPE_IPV6 for version 6, PB_ETHERTYPE_IPV4 otherwise (also for len 0).
 */
uint16_t pb_ethertype_of(const uint8_t *ip, size_t len);

/**
 * Wrap payload[0..len) of the given ethertype in the link header of *link:
 * Ethernet (with link->n_vlan tags: the outer one 0x88a8 when there are two or more, the
 * others 0x8100), SLL, SLL2, NULL/LOOP (address family from the ethertype), or nothing
 * (RAW, IPV4, IPV6).
 * @return bytes written, or 0 if it does not fit, the link type is unknown or NULL/LOOP is
 *         asked to carry something other than IPv4 or IPv6.
 */
size_t pb_build_link(uint8_t *out, size_t cap, const struct pb_link *link, uint16_t ethertype,
		     const uint8_t *payload, size_t len);

/**
 * Start a capture file on fp: the pcap global header (magic 0xa1b2c3d4, or 0xa1b23c4d when
 * is_nsec, version 2.4) or a pcapng section header block and one interface description block
 * (if_tsresol 6 or 9, snaplen). Byte order is the host's.
 * @return 0, or -1 on a write error or an unknown format.
 */
int pb_writer_begin(struct pb_writer *w, FILE *fp, enum pb_file_format format, bool is_nsec,
		    uint32_t linktype, uint32_t snaplen);

/**
 * Write one frame captured at ts_ns nanoseconds after the epoch: a pcap record or a pcapng
 * enhanced packet block, with the captured length cut to the snaplen and the original length
 * len. With microsecond resolution the timestamp is truncated to whole microseconds.
 * @return 0, or -1 on a write error or a frame longer than 2^32-1 bytes.
 */
int pb_writer_frame(struct pb_writer *w, uint64_t ts_ns, const uint8_t *frame, size_t len);

/**
 * Write one record as given, for hostile files: caplen bytes of data (frame[0..len) cut, or
 * followed by zeros), and the header fields captured length = caplen and original length =
 * orig_len, whatever the snaplen or the frame's real length.
 * @return 0, or -1 on a write error.
 */
int pb_writer_record(struct pb_writer *w, uint64_t ts_ns, const uint8_t *frame, size_t len,
		     uint32_t caplen, uint32_t orig_len);

#endif /* TCPTRACK_PKTBUILD_H */
