/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * decode.h - captured bytes to a struct tt_packet view.
 *
 * tt_decode() understands the link layers Ethernet (802.1Q / 802.1ad tags,
 * PPPoE sessions, MPLS, LLC/SNAP), Linux cooked SLL and SLL2, raw IP (DLT_RAW, LINKTYPE_IPV4,
 * LINKTYPE_IPV6) and BSD NULL/LOOP; IPv4 with options (first fragments only),
 * IPv6 with extension headers skipped, IP-in-IP (4in4, 6in4, 4in6, 6in6),
 * TCP with every header field and options, and ICMP/ICMPv6 errors that quote a
 * TCP header.  Every read is bounds-checked against the captured length; a
 * frame that cannot be decoded yields a reason, never a crash.
 */
#ifndef TCPTRACK_DECODE_H
#define TCPTRACK_DECODE_H

#include "tcptrack/common.h"

/* Link types: the DLT_* values pcap_datalink() returns. */
#define TT_DLT_NULL 0
#define TT_DLT_EN10MB 1
#define TT_DLT_RAW 12       /* pcap_datalink() maps LINKTYPE_RAW (101) to DLT_RAW */
#define TT_DLT_RAW_OPENBSD 14
#define TT_DLT_LOOP 108
#define TT_DLT_LINUX_SLL 113
#define TT_DLT_IPV4 228
#define TT_DLT_IPV6 229
#define TT_DLT_LINUX_SLL2 276
#define TT_LINKTYPE_RAW 101 /* accepted as an alias of TT_DLT_RAW */

/* TCP header flags (RFC 9293 §3.1, RFC 3168 for ECE/CWR, RFC 3540 NS/AE). */
#define TT_TH_FIN 0x001
#define TT_TH_SYN 0x002
#define TT_TH_RST 0x004
#define TT_TH_PSH 0x008
#define TT_TH_ACK 0x010
#define TT_TH_URG 0x020
#define TT_TH_ECE 0x040
#define TT_TH_CWR 0x080
#define TT_TH_AE 0x100 /* formerly NS, the bit just before CWR */

/* TCP option kinds (IANA). */
#define TT_TCPOPT_EOL 0
#define TT_TCPOPT_NOP 1
#define TT_TCPOPT_MSS 2
#define TT_TCPOPT_WSCALE 3      /* RFC 7323 */
#define TT_TCPOPT_SACK_PERM 4   /* RFC 2018 */
#define TT_TCPOPT_SACK 5        /* RFC 2018 */
#define TT_TCPOPT_TIMESTAMP 8   /* RFC 7323 */

#define TT_MAX_SACK_BLOCKS 4

/* Why a frame did not yield a TCP segment.  Counted per reason in tt_stats. */
enum tt_decode_result {
	TT_DEC_OK = 0,           /* a TCP segment, or an ICMP error quoting one */
	TT_DEC_NOT_IP,           /* ARP, LLDP, other ethertypes */
	TT_DEC_NOT_TCP,          /* UDP, ICMP echo, ICMP errors not quoting TCP, ... */
	TT_DEC_FRAGMENT,         /* IPv4/IPv6 fragment other than the first */
	TT_DEC_UNSUPPORTED_LINK, /* link type tcptrack does not decode */
	TT_DEC_TRUNC_LINK,       /* capture ends inside the link header */
	TT_DEC_TRUNC_IP,         /* capture ends inside the IP header(s) */
	TT_DEC_TRUNC_TCP,        /* capture ends inside the TCP header */
	TT_DEC_BAD_IP_VERSION,   /* version nibble does not match the link's claim */
	TT_DEC_BAD_IP_HLEN,      /* IPv4 IHL < 5 */
	TT_DEC_BAD_IP_LEN,       /* IP total/payload length smaller than the headers */
	TT_DEC_BAD_IP6_EXT,      /* IPv6 extension header chain too long or malformed */
	TT_DEC_BAD_TCP_DOFF,     /* TCP data offset < 5 or beyond the IP payload */
	TT_DEC_NRESULTS
};

/* Parsed TCP options.  Options after a malformed one are not parsed. */
struct tt_tcp_opts {
	uint16_t mss;            /* valid if has_mss */
	uint8_t wscale;          /* valid if has_wscale; as sent (not clamped) */
	uint8_t n_sack;          /* SACK blocks in sack[] */
	bool has_mss;
	bool has_wscale;
	bool sack_permitted;
	bool has_ts;
	bool bad;                /* a malformed option stopped parsing */
	bool truncated;          /* the capture ends inside the options (they count up to there) */
	uint32_t ts_val, ts_ecr; /* valid if has_ts */
	uint32_t sack[TT_MAX_SACK_BLOCKS][2]; /* left, right edges */
};

/* One decoded TCP segment: a view valid until the next frame is read. */
struct tt_packet {
	tt_time_ns ts;           /* capture timestamp */
	uint32_t caplen;         /* bytes captured */
	uint32_t wire_len;       /* bytes on the wire */

	uint8_t ip_version;      /* 4 or 6 */
	uint8_t ttl;             /* IPv4 TTL or IPv6 hop limit */
	uint16_t ip_id;          /* IPv4 identification; 0 for IPv6 */
	/* Addresses in network order; IPv4 uses the first 4 bytes, rest zero. */
	uint8_t src[16], dst[16];
	uint16_t sport, dport;

	uint32_t seq, ack;
	/* (sport to urp in the header's order: the decoder reads them in pairs) */
	uint16_t flags;          /* TT_TH_* */
	uint16_t win;            /* raw (unscaled) window */
	uint16_t checksum;
	uint16_t urp;
	uint8_t hdr_len;         /* TCP header length in bytes (data offset * 4) */
	struct tt_tcp_opts opts;

	uint32_t payload_len;     /* from the IP lengths: counts even if not captured */
	bool ip_len_clamped;      /* an IP length exceeded the frame's wire length and was cut to it */
	uint32_t payload_caplen;  /* payload bytes present in the capture */
	const uint8_t *payload;   /* payload_caplen bytes */

	/* ICMP/ICMPv6 errors: the fields above describe the *quoted* segment
	 * (as sent by its original sender); only seq is certain beyond the ports,
	 * and flags/ack/win are valid only if quote_has_full_tcp. */
	bool is_icmp_error;
	bool quote_has_full_tcp;
	uint8_t icmp_version;    /* 4 = ICMP, 6 = ICMPv6 */
	uint8_t icmp_type, icmp_code;
	uint8_t icmp_src[16];    /* the address that sent the ICMP error */
};

/**
 * Decode one captured frame.
 * @param dlt     link type (TT_DLT_*, as pcap_datalink() returns it)
 * @param data    captured bytes (caplen of them)
 * @param caplen  bytes captured
 * @param wire_len bytes on the wire (>= caplen)
 * @param ts      capture timestamp
 * @param out     filled on TT_DEC_OK; otherwise only its ts, caplen and wire_len
 *                are set (always: the look-ahead takes a frame's time from ts).
 *                Malformed TCP options do not fail the decode: out->opts.bad is set.
 * @return TT_DEC_OK or the reason the frame is not a TCP segment.
 */
enum tt_decode_result tt_decode(int dlt, const uint8_t *data, uint32_t caplen,
                                uint32_t wire_len, tt_time_ns ts, struct tt_packet *out);

/**
 * tt_decode() for tracking (the tracker's look-ahead): the same result and
 * fields, but that the fields no tracking reads -- ttl, checksum, urp,
 * hdr_len, payload_caplen and payload -- may be left 0 (the fast path's
 * frames, most of them, leave them so: fewer stores for every segment).
 */
enum tt_decode_result tt_decode_track(int dlt, const uint8_t *data, uint32_t caplen,
                                      uint32_t wire_len, tt_time_ns ts, struct tt_packet *out);

/**
 * tt_decode() without its fast path for the common Ethernet / IPv4 / TCP
 * frame: the same result, more slowly.  For tests that compare the two.
 */
enum tt_decode_result tt_decode_general(int dlt, const uint8_t *data, uint32_t caplen,
                                        uint32_t wire_len, tt_time_ns ts, struct tt_packet *out);

/** @return true when tt_decode() understands link type dlt. */
bool tt_decode_link_supported(int dlt);

/** @return a short stable name for a decode result ("truncated_ip", ...). */
const char *tt_decode_result_name(enum tt_decode_result r);

/** @return true for results that mean malformed/truncated input (not merely "not TCP"). */
bool tt_decode_result_is_malformed(enum tt_decode_result r);

#endif /* TCPTRACK_DECODE_H */
