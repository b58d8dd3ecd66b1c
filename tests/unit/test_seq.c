/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_seq.c - sequence arithmetic modulo 2^32 (RFC 9293 §3.4) and the
 * per-direction accounting of src/analysis.c: ISN and options from the SYN,
 * relative sequence numbers across the wrap, unique vs re-sent bytes, gaps,
 * keep-alives, FIN, acknowledgements and window scaling (RFC 7323 §2).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "tcptrack/analysis.h"

#define ISN_WRAP UINT32_C(4294967000)

/* A segment built by hand: everything zero but what the test sets. */
static struct tt_packet seg(uint16_t flags, uint32_t seq, uint32_t ack, uint16_t win,
                            uint32_t len)
{
	struct tt_packet p;

	memset(&p, 0, sizeof(p));
	p.ip_version = 4;
	p.sport = 40000;
	p.dport = 80;
	p.flags = flags;
	p.seq = seq;
	p.ack = ack;
	p.win = win;
	p.payload_len = len;
	p.payload_caplen = 0;
	return p;
}

/* Send one segment; returns what analysis made of it. */
static struct tt_seg_info send_seg(struct tt_dir *snd, struct tt_dir *rcv, uint16_t flags,
                                   uint32_t seq, uint32_t ack, uint16_t win, uint32_t len)
{
	struct tt_packet p = seg(flags, seq, ack, win, len);
	struct tt_seg_info info;

	memset(&info, 0xff, sizeof(info));
	tt_analysis_segment(snd, rcv, &p, 3000000, &info);
	return info;
}

static void assert_info(struct tt_seg_info i, bool retx, bool ka, bool lost, bool zw)
{
	cr_assert_eq(!!(i.anomalies & TT_AN_BIT(TT_AN_RETRANSMISSION)), retx);
	cr_assert_eq(!!(i.anomalies & TT_AN_BIT(TT_AN_KEEP_ALIVE)), ka);
	cr_assert_eq(!!(i.anomalies & TT_AN_BIT(TT_AN_LOST_SEGMENT)), lost);
	cr_assert_eq(!!(i.anomalies & TT_AN_BIT(TT_AN_ZERO_WINDOW)), zw);
}

/* ---- modular comparisons ------------------------------------------------------------------- */

Test(seq, before_after_across_wrap)
{
	cr_assert(tt_seq_before(0xfffffff0u, 0x10u));
	cr_assert_not(tt_seq_after(0xfffffff0u, 0x10u));
	cr_assert(tt_seq_after(0x10u, 0xfffffff0u));
	cr_assert_not(tt_seq_before(0x10u, 0xfffffff0u));
	cr_assert(tt_seq_before(0xffffffffu, 0u));
	cr_assert(tt_seq_after(0u, 0xffffffffu));
	cr_assert(tt_seq_before(1u, 2u));
	cr_assert(tt_seq_after(2u, 1u));
}

Test(seq, before_after_equal)
{
	static const uint32_t v[] = {0u, 1u, 0x7fffffffu, 0x80000000u, 0xffffffffu};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		cr_assert_not(tt_seq_before(v[i], v[i]));
		cr_assert_not(tt_seq_after(v[i], v[i]));
	}
}

/* 2^31 - 1 apart is still ordered; exactly 2^31 apart is ambiguous and, as
 * with Linux before(), each side is "before" the other. */
Test(seq, half_space_apart)
{
	cr_assert(tt_seq_before(0u, 0x7fffffffu));
	cr_assert_not(tt_seq_before(0x7fffffffu, 0u));
	cr_assert(tt_seq_after(0x7fffffffu, 0u));
	cr_assert(tt_seq_before(0u, 0x80000000u));
	cr_assert(tt_seq_before(0x80000000u, 0u));
	cr_assert(tt_seq_after(0u, 0x80000000u));
	cr_assert(tt_seq_after(0x80000000u, 0u));
	cr_assert(tt_seq_before(0x10u, 0x80000010u));
	cr_assert(tt_seq_before(0x80000010u, 0x10u));
	/* One past half the space flips the order. */
	cr_assert(tt_seq_after(0u, 0x80000001u));
	cr_assert_not(tt_seq_before(0u, 0x80000001u));
}

Test(seq, between)
{
	cr_assert(tt_seq_between(5u, 0u, 10u));
	cr_assert(tt_seq_between(0u, 0u, 10u));
	cr_assert(tt_seq_between(10u, 0u, 10u));
	cr_assert_not(tt_seq_between(11u, 0u, 10u));
	cr_assert_not(tt_seq_between(0xffffffffu, 0u, 10u));
	/* A window across the wrap. */
	cr_assert(tt_seq_between(0xfffffff0u, 0xfffffff0u, 0x10u));
	cr_assert(tt_seq_between(0xffffffffu, 0xfffffff0u, 0x10u));
	cr_assert(tt_seq_between(0u, 0xfffffff0u, 0x10u));
	cr_assert(tt_seq_between(0x10u, 0xfffffff0u, 0x10u));
	cr_assert_not(tt_seq_between(0x11u, 0xfffffff0u, 0x10u));
	cr_assert_not(tt_seq_between(0xffffffefu, 0xfffffff0u, 0x10u));
	/* An empty-width window holds only its one value. */
	cr_assert(tt_seq_between(7u, 7u, 7u));
	cr_assert_not(tt_seq_between(8u, 7u, 7u));
	cr_assert_not(tt_seq_between(6u, 7u, 7u));
}

/* ---- relative sequence numbers ------------------------------------------------------------- */

Test(seq, rel_seq_unwraps_around_highest)
{
	struct tt_dir d;

	memset(&d, 0, sizeof(d));
	d.has_base = true;
	d.base = 0xfffffff0u;
	d.seq_next = 0x20;
	cr_assert_eq(tt_dir_rel_seq(&d, 0xfffffff0u), 0);
	cr_assert_eq(tt_dir_rel_seq(&d, 0xffffffffu), 0xf);
	cr_assert_eq(tt_dir_rel_seq(&d, 0u), 0x10);
	cr_assert_eq(tt_dir_rel_seq(&d, 0x10u), 0x20);
	cr_assert_eq(tt_dir_rel_seq(&d, 0x1010u), 0x1020);
	/* Below the base: clamped to 0. */
	cr_assert_eq(tt_dir_rel_seq(&d, 0xffffffe0u), 0);
}

/* Past 4 GiB of data, raw numbers repeat; the unwrapped value keeps growing. */
Test(seq, rel_seq_beyond_4gib)
{
	struct tt_dir d;

	memset(&d, 0, sizeof(d));
	d.has_base = true;
	d.base = 1000;
	d.seq_next = UINT64_C(0x100000010); /* raw 1000 + 0x10 */
	cr_assert_eq(tt_dir_rel_seq(&d, 1000u + 0x10u), UINT64_C(0x100000010));
	cr_assert_eq(tt_dir_rel_seq(&d, 1000u + 0x20u), UINT64_C(0x100000020));
	cr_assert_eq(tt_dir_rel_seq(&d, 1000u), UINT64_C(0x100000000));
	cr_assert_eq(tt_dir_rel_seq(&d, 1000u - 0x10u), UINT64_C(0xfffffff0));
}

/* ---- the SYN ------------------------------------------------------------------------------- */

Test(seq, syn_learns_isn_and_options)
{
	struct tt_dir c2s, s2c;
	struct tt_packet p = seg(TT_TH_SYN, 1000, 0, 64240, 0);
	struct tt_seg_info info;

	memset(&c2s, 0, sizeof(c2s));
	memset(&s2c, 0, sizeof(s2c));
	p.opts.has_mss = true;
	p.opts.mss = 1460;
	p.opts.has_wscale = true;
	p.opts.wscale = 7;
	p.opts.sack_permitted = true;
	p.opts.has_ts = true;
	p.opts.ts_val = 12345;
	tt_analysis_segment(&c2s, &s2c, &p, 3000000, &info);
	assert_info(info, false, false, false, false);
	cr_assert(c2s.has_isn);
	cr_assert_eq(c2s.isn, 1000);
	cr_assert(c2s.has_base);
	cr_assert_eq(c2s.base, 1000);
	cr_assert_eq(c2s.seq_next, 1);
	cr_assert(c2s.has_mss);
	cr_assert_eq(c2s.mss, 1460);
	cr_assert(c2s.has_wscale);
	cr_assert_eq(c2s.wscale, 7);
	cr_assert_eq(c2s.shift, 0);
	cr_assert(c2s.sack_ok);
	cr_assert(c2s.ts_ok);
	cr_assert_eq(c2s.syn, 1);
	cr_assert_eq(c2s.packets, 1);
	cr_assert_eq(c2s.unique_bytes, 0);
	cr_assert_eq(c2s.payload_bytes, 0);
	cr_assert_eq(c2s.counts[TT_AN_RETRANSMISSION], 0);
	cr_assert_not(c2s.has_ack);
	cr_assert_eq(c2s.win_last, 64240);
	cr_assert_eq(c2s.counts[TT_AN_ZERO_WINDOW], 0);
	/* A SYN without ACK tells nothing about the other direction. */
	cr_assert_not(s2c.has_base);
	cr_assert_eq(s2c.packets, 0);
}

Test(seq, syn_without_options)
{
	struct tt_dir c2s, s2c;

	memset(&c2s, 0, sizeof(c2s));
	memset(&s2c, 0, sizeof(s2c));
	send_seg(&c2s, &s2c, TT_TH_SYN, 77, 0, 8192, 0);
	cr_assert(c2s.has_isn);
	cr_assert_eq(c2s.isn, 77);
	cr_assert_not(c2s.has_mss);
	cr_assert_not(c2s.has_wscale);
	cr_assert_not(c2s.sack_ok);
	cr_assert_not(c2s.ts_ok);
}

/* A retransmitted SYN is a retransmission and keeps the first ISN. */
Test(seq, syn_retransmitted)
{
	struct tt_dir c2s, s2c;
	struct tt_seg_info i;

	memset(&c2s, 0, sizeof(c2s));
	memset(&s2c, 0, sizeof(s2c));
	send_seg(&c2s, &s2c, TT_TH_SYN, 500, 0, 8192, 0);
	i = send_seg(&c2s, &s2c, TT_TH_SYN, 500, 0, 8192, 0);
	assert_info(i, true, false, false, false);
	cr_assert_eq(c2s.counts[TT_AN_RETRANSMISSION], 1);
	cr_assert_eq(c2s.syn, 2);
	cr_assert_eq(c2s.isn, 500);
	cr_assert_eq(c2s.seq_next, 1);
}

/* The SYN,ACK learns the server's ISN and acks the client's SYN (relative 1). */
Test(seq, synack_acks_client_syn)
{
	struct tt_dir c2s, s2c;

	memset(&c2s, 0, sizeof(c2s));
	memset(&s2c, 0, sizeof(s2c));
	send_seg(&c2s, &s2c, TT_TH_SYN, 100, 0, 65535, 0);
	send_seg(&s2c, &c2s, TT_TH_SYN | TT_TH_ACK, 9000, 101, 65535, 0);
	cr_assert_eq(s2c.isn, 9000);
	cr_assert(s2c.has_ack);
	cr_assert_eq(s2c.ack_first, 1);
	cr_assert_eq(s2c.ack_max, 1);
	cr_assert_eq(s2c.bytes_acked, 0);
	send_seg(&c2s, &s2c, TT_TH_ACK, 101, 9001, 512, 0);
	cr_assert_eq(c2s.ack_first, 1);
	cr_assert_eq(c2s.ack_max, 1);
	cr_assert_eq(c2s.counts[TT_AN_RETRANSMISSION], 0);
	cr_assert_eq(c2s.counts[TT_AN_KEEP_ALIVE], 0);
	cr_assert_eq(c2s.seq_next, 1);
}

/* ---- data ---------------------------------------------------------------------------------- */

/* A client direction after its SYN, with three 200-byte segments across the wrap. */
static void wrap_setup(struct tt_dir *c2s, struct tt_dir *s2c)
{
	memset(c2s, 0, sizeof(*c2s));
	memset(s2c, 0, sizeof(*s2c));
	send_seg(c2s, s2c, TT_TH_SYN, ISN_WRAP, 0, 65535, 0);
	for (uint32_t i = 0; i < 3; i++) {
		struct tt_seg_info info = send_seg(c2s, s2c, TT_TH_ACK | TT_TH_PSH,
		                                   ISN_WRAP + 1 + 200 * i, 0, 512, 200);
		assert_info(info, false, false, false, false);
	}
}

Test(seq, wraparound_counts_unique_bytes)
{
	struct tt_dir c2s, s2c;

	wrap_setup(&c2s, &s2c);
	/* The third segment's raw sequence number wrapped past zero. */
	cr_assert_eq((uint32_t)(ISN_WRAP + 401u), 105u);
	cr_assert_eq(c2s.unique_bytes, 600);
	cr_assert_eq(c2s.payload_bytes, 600);
	cr_assert_eq(c2s.seq_next, 601);
	cr_assert_eq(c2s.counts[TT_AN_RETRANSMISSION], 0);
	cr_assert_eq(c2s.counts[TT_AN_LOST_SEGMENT], 0);
	cr_assert_eq(c2s.counts[TT_AN_KEEP_ALIVE], 0);
	cr_assert_eq(c2s.packets, 4);
	cr_assert_eq(tt_dir_rel_seq(&c2s, 105u), 401);
	cr_assert_eq(tt_dir_rel_seq(&c2s, ISN_WRAP + 601u), 601);
}

Test(seq, resent_segment_is_retransmission)
{
	struct tt_dir c2s, s2c;
	struct tt_seg_info i;

	wrap_setup(&c2s, &s2c);
	i = send_seg(&c2s, &s2c, TT_TH_ACK | TT_TH_PSH, ISN_WRAP + 201u, 0, 512, 200);
	assert_info(i, true, false, false, false);
	cr_assert_eq(c2s.counts[TT_AN_RETRANSMISSION], 1);
	cr_assert_eq(c2s.unique_bytes, 600);
	cr_assert_eq(c2s.payload_bytes, 800);
	cr_assert_eq(c2s.seq_next, 601);
	cr_assert_eq(c2s.packets, 5);
}

/* Re-sending bytes 501..600 together with 100 new ones: only 100 are unique. */
Test(seq, partial_overlap_counts_new_bytes)
{
	struct tt_dir c2s, s2c;
	struct tt_seg_info i;

	wrap_setup(&c2s, &s2c);
	i = send_seg(&c2s, &s2c, TT_TH_ACK, ISN_WRAP + 501u, 0, 512, 200);
	cr_assert((i.anomalies & TT_AN_BIT(TT_AN_RETRANSMISSION)));
	cr_assert_not((i.anomalies & TT_AN_BIT(TT_AN_LOST_SEGMENT)));
	cr_assert_eq(c2s.unique_bytes, 700);
	cr_assert_eq(c2s.payload_bytes, 800);
	cr_assert_eq(c2s.seq_next, 701);
	cr_assert_eq(c2s.counts[TT_AN_RETRANSMISSION], 1);
}

Test(seq, gap_counts_lost_segment)
{
	struct tt_dir c2s, s2c;
	struct tt_seg_info i;

	wrap_setup(&c2s, &s2c);
	/* 601..800 not captured */
	i = send_seg(&c2s, &s2c, TT_TH_ACK, ISN_WRAP + 801u, 0, 512, 100);
	assert_info(i, false, false, true, false);
	cr_assert_eq(c2s.counts[TT_AN_LOST_SEGMENT], 1);
	cr_assert_eq(c2s.unique_bytes, 700);
	cr_assert_eq(c2s.seq_next, 901);
	cr_assert_eq(c2s.counts[TT_AN_RETRANSMISSION], 0);
}

Test(seq, keepalive_zero_length)
{
	struct tt_dir c2s, s2c;
	struct tt_seg_info i;

	wrap_setup(&c2s, &s2c);
	i = send_seg(&c2s, &s2c, TT_TH_ACK, ISN_WRAP + 600u, 0, 512, 0);
	assert_info(i, false, true, false, false);
	cr_assert_eq(c2s.counts[TT_AN_KEEP_ALIVE], 1);
	cr_assert_eq(c2s.counts[TT_AN_RETRANSMISSION], 0);
	cr_assert_eq(c2s.unique_bytes, 600);
	cr_assert_eq(c2s.seq_next, 601);
}

Test(seq, keepalive_one_byte)
{
	struct tt_dir c2s, s2c;
	struct tt_seg_info i;

	wrap_setup(&c2s, &s2c);
	i = send_seg(&c2s, &s2c, TT_TH_ACK, ISN_WRAP + 600u, 0, 512, 1);
	assert_info(i, false, true, false, false);
	cr_assert_eq(c2s.counts[TT_AN_KEEP_ALIVE], 1);
	cr_assert_eq(c2s.counts[TT_AN_RETRANSMISSION], 0);
	cr_assert_eq(c2s.unique_bytes, 600);
	cr_assert_eq(c2s.payload_bytes, 601);
	cr_assert_eq(c2s.seq_next, 601);
}

/* Two bytes one below the next sequence number are a retransmission, and a
 * pure ACK at the next sequence number is neither. */
Test(seq, not_keepalive)
{
	struct tt_dir c2s, s2c;
	struct tt_seg_info i;

	wrap_setup(&c2s, &s2c);
	i = send_seg(&c2s, &s2c, TT_TH_ACK, ISN_WRAP + 601u, 0, 512, 0);
	assert_info(i, false, false, false, false);
	i = send_seg(&c2s, &s2c, TT_TH_ACK, ISN_WRAP + 599u, 0, 512, 2);
	assert_info(i, true, false, false, false);
	cr_assert_eq(c2s.counts[TT_AN_KEEP_ALIVE], 0);
	cr_assert_eq(c2s.counts[TT_AN_RETRANSMISSION], 1);
}

Test(seq, fin_consumes_one)
{
	struct tt_dir c2s, s2c;
	struct tt_seg_info i;

	wrap_setup(&c2s, &s2c);
	i = send_seg(&c2s, &s2c, TT_TH_FIN | TT_TH_ACK, ISN_WRAP + 601u, 0, 512, 0);
	assert_info(i, false, false, false, false);
	cr_assert_eq(c2s.fin, 1);
	cr_assert(c2s.has_fin);
	cr_assert_eq(c2s.fin_seq, (uint32_t)(ISN_WRAP + 601u));
	cr_assert_eq(c2s.seq_next, 602);
	cr_assert_eq(c2s.unique_bytes, 600);
	/* Retransmitted FIN: counted, fin_seq unchanged. */
	i = send_seg(&c2s, &s2c, TT_TH_FIN | TT_TH_ACK, ISN_WRAP + 601u, 0, 512, 0);
	assert_info(i, true, false, false, false);
	cr_assert_eq(c2s.fin, 2);
	cr_assert_eq(c2s.counts[TT_AN_RETRANSMISSION], 1);
	cr_assert_eq(c2s.fin_seq, (uint32_t)(ISN_WRAP + 601u));
	cr_assert_eq(c2s.seq_next, 602);
}

Test(seq, fin_with_data)
{
	struct tt_dir c2s, s2c;

	wrap_setup(&c2s, &s2c);
	send_seg(&c2s, &s2c, TT_TH_FIN | TT_TH_ACK | TT_TH_PSH, ISN_WRAP + 601u, 0, 512, 50);
	cr_assert_eq(c2s.fin_seq, (uint32_t)(ISN_WRAP + 651u));
	cr_assert_eq(c2s.seq_next, 652);
	cr_assert_eq(c2s.unique_bytes, 650);
}

/* A connection picked up mid-stream: base is the first sequence number - 1. */
Test(seq, midstream_base)
{
	struct tt_dir c2s, s2c;
	struct tt_seg_info i;

	memset(&c2s, 0, sizeof(c2s));
	memset(&s2c, 0, sizeof(s2c));
	i = send_seg(&c2s, &s2c, TT_TH_ACK, 5000, 0, 100, 100);
	assert_info(i, false, false, false, false);
	cr_assert_not(c2s.has_isn);
	cr_assert(c2s.has_base);
	cr_assert_eq(c2s.base, 4999);
	cr_assert_eq(c2s.seq_next, 101);
	cr_assert_eq(c2s.unique_bytes, 100);
	/* The ACK field sets the peer's base too: it names the peer's next byte. */
	cr_assert(s2c.has_base);
	cr_assert(c2s.has_ack);
	cr_assert_eq(c2s.ack_first, 1);
}

Test(seq, rst_counted_not_classified)
{
	struct tt_dir c2s, s2c;
	struct tt_seg_info i;

	wrap_setup(&c2s, &s2c);
	i = send_seg(&c2s, &s2c, TT_TH_RST, ISN_WRAP + 100u, 0, 0, 0);
	assert_info(i, false, false, false, false);
	cr_assert_eq(c2s.rst, 1);
	cr_assert_eq(c2s.counts[TT_AN_RETRANSMISSION], 0);
	cr_assert_eq(c2s.counts[TT_AN_KEEP_ALIVE], 0);
	cr_assert_eq(c2s.counts[TT_AN_ZERO_WINDOW], 0);
	cr_assert_eq(c2s.win_last, 512); /* the RST's window is not a window */
	cr_assert_eq(c2s.win_min, 512);
}

/* ---- acknowledgements ---------------------------------------------------------------------- */

Test(seq, acks_first_max_bytes_acked)
{
	struct tt_dir c2s, s2c;

	memset(&c2s, 0, sizeof(c2s));
	memset(&s2c, 0, sizeof(s2c));
	send_seg(&c2s, &s2c, TT_TH_SYN, 0xffffff00u, 0, 65535, 0);
	send_seg(&s2c, &c2s, TT_TH_SYN | TT_TH_ACK, 7, 0xffffff01u, 65535, 0);
	send_seg(&c2s, &s2c, TT_TH_ACK, 0xffffff01u, 8, 512, 0);
	for (uint32_t k = 0; k < 3; k++)
		send_seg(&c2s, &s2c, TT_TH_ACK, 0xffffff01u + 100 * k, 8, 512, 100);
	cr_assert_eq(c2s.seq_next, 301);
	/* The server acks 100, then 300 (the ack wraps past zero), then an old 200. */
	send_seg(&s2c, &c2s, TT_TH_ACK, 8, 0xffffff01u + 100u, 1000, 0);
	cr_assert_eq(s2c.ack_first, 1);
	cr_assert_eq(s2c.ack_max, 101);
	cr_assert_eq(s2c.bytes_acked, 100);
	send_seg(&s2c, &c2s, TT_TH_ACK, 8, 0xffffff01u + 300u, 1000, 0);
	cr_assert_eq(s2c.ack_max, 301);
	cr_assert_eq(s2c.bytes_acked, 300);
	send_seg(&s2c, &c2s, TT_TH_ACK, 8, 0xffffff01u + 200u, 1000, 0);
	cr_assert_eq(s2c.ack_max, 301);
	cr_assert_eq(s2c.bytes_acked, 300);
	cr_assert_eq(s2c.ack_first, 1);
	/* The client acked the server's SYN only. */
	cr_assert_eq(c2s.ack_first, 1);
	cr_assert_eq(c2s.ack_max, 1);
	cr_assert_eq(c2s.bytes_acked, 0);
}

/* A segment without the ACK bit does not touch the ack fields. */
Test(seq, no_ack_bit_no_ack)
{
	struct tt_dir c2s, s2c;

	memset(&c2s, 0, sizeof(c2s));
	memset(&s2c, 0, sizeof(s2c));
	send_seg(&c2s, &s2c, TT_TH_SYN, 10, 12345, 1000, 0);
	cr_assert_not(c2s.has_ack);
	cr_assert_eq(c2s.ack_first, 0);
	cr_assert_not(s2c.has_base);
}

/* ---- windows ------------------------------------------------------------------------------- */

static void handshake(struct tt_dir *c2s, struct tt_dir *s2c, int c_ws, int s_ws)
{
	struct tt_packet p;
	struct tt_seg_info i;

	memset(c2s, 0, sizeof(*c2s));
	memset(s2c, 0, sizeof(*s2c));
	p = seg(TT_TH_SYN, 1000, 0, 65535, 0);
	if (c_ws >= 0) {
		p.opts.has_wscale = true;
		p.opts.wscale = (uint8_t)c_ws;
	}
	tt_analysis_segment(c2s, s2c, &p, 3000000, &i);
	p = seg(TT_TH_SYN | TT_TH_ACK, 5000, 1001, 29200, 0);
	if (s_ws >= 0) {
		p.opts.has_wscale = true;
		p.opts.wscale = (uint8_t)s_ws;
	}
	tt_analysis_segment(s2c, c2s, &p, 3000000, &i);
	tt_analysis_negotiate(c2s, s2c);
}

Test(seq, window_scaled_after_both_syns)
{
	struct tt_dir c2s, s2c;

	handshake(&c2s, &s2c, 7, 9);
	cr_assert_eq(c2s.shift, 7);
	cr_assert_eq(s2c.shift, 9);
	/* SYN windows were not scaled. */
	cr_assert_eq(c2s.win_last, 65535);
	cr_assert_eq(s2c.win_last, 29200);
	send_seg(&c2s, &s2c, TT_TH_ACK, 1001, 5001, 512, 0);
	cr_assert_eq(c2s.win_last, 512u << 7);
	cr_assert_eq(c2s.win_last_raw, 512);
	cr_assert_eq(c2s.win_min, 65535);
	cr_assert_eq(c2s.win_max, 65536);
	send_seg(&c2s, &s2c, TT_TH_ACK, 1001, 5001, 1, 0);
	cr_assert_eq(c2s.win_last, 128);
	cr_assert_eq(c2s.win_min, 128);
	cr_assert_eq(c2s.win_max, 65536);
	send_seg(&s2c, &c2s, TT_TH_ACK, 5001, 1001, 100, 0);
	cr_assert_eq(s2c.win_last, 51200);
	cr_assert_eq(s2c.win_min, 29200);
	cr_assert_eq(s2c.win_max, 51200);
}

/* A retransmitted SYN,ACK after negotiation is still not scaled. */
Test(seq, syn_window_never_scaled)
{
	struct tt_dir c2s, s2c;

	handshake(&c2s, &s2c, 7, 7);
	send_seg(&s2c, &c2s, TT_TH_SYN | TT_TH_ACK, 5000, 1001, 1000, 0);
	cr_assert_eq(s2c.win_last, 1000);
	cr_assert_eq(s2c.win_min, 1000);
}

Test(seq, window_not_scaled_when_one_side_lacks_option)
{
	struct tt_dir c2s, s2c;

	handshake(&c2s, &s2c, 7, -1);
	cr_assert_eq(c2s.shift, 0);
	cr_assert_eq(s2c.shift, 0);
	cr_assert(c2s.has_wscale);
	cr_assert_eq(c2s.wscale, 7);
	send_seg(&c2s, &s2c, TT_TH_ACK, 1001, 5001, 512, 0);
	cr_assert_eq(c2s.win_last, 512);
	handshake(&c2s, &s2c, -1, 5);
	cr_assert_eq(c2s.shift, 0);
	cr_assert_eq(s2c.shift, 0);
}

/* RFC 7323 §2.3: a shift above 14 is used as 14; the value sent is kept. */
Test(seq, window_shift_clamped_to_14)
{
	struct tt_dir c2s, s2c;

	handshake(&c2s, &s2c, 15, 14);
	cr_assert_eq(c2s.wscale, 15);
	cr_assert_eq(c2s.shift, 14);
	cr_assert_eq(s2c.shift, 14);
	send_seg(&c2s, &s2c, TT_TH_ACK, 1001, 5001, 65535, 0);
	cr_assert_eq(c2s.win_last, 65535u << 14);
	cr_assert_eq(c2s.win_max, 65535u << 14);
	handshake(&c2s, &s2c, 255, 0);
	cr_assert_eq(c2s.shift, 14);
	cr_assert_eq(s2c.shift, 0);
}

Test(seq, zero_window_counted)
{
	struct tt_dir c2s, s2c;
	struct tt_seg_info i;

	handshake(&c2s, &s2c, 2, 2);
	i = send_seg(&c2s, &s2c, TT_TH_ACK, 1001, 5001, 0, 0);
	assert_info(i, false, false, false, true);
	cr_assert_eq(c2s.counts[TT_AN_ZERO_WINDOW], 1);
	cr_assert_eq(c2s.win_min, 0);
	cr_assert_eq(c2s.win_last, 0);
	cr_assert_eq(c2s.win_max, 65535);
	i = send_seg(&c2s, &s2c, TT_TH_ACK, 1001, 5001, 0, 0);
	cr_assert((i.anomalies & TT_AN_BIT(TT_AN_ZERO_WINDOW)));
	cr_assert_eq(c2s.counts[TT_AN_ZERO_WINDOW], 2);
}

Test(seq, zero_window_not_counted_on_syn_fin_rst)
{
	struct tt_dir c2s, s2c;
	struct tt_seg_info i;

	memset(&c2s, 0, sizeof(c2s));
	memset(&s2c, 0, sizeof(s2c));
	i = send_seg(&c2s, &s2c, TT_TH_SYN, 1000, 0, 0, 0);
	cr_assert_not((i.anomalies & TT_AN_BIT(TT_AN_ZERO_WINDOW)));
	cr_assert_eq(c2s.counts[TT_AN_ZERO_WINDOW], 0);
	cr_assert_eq(c2s.win_min, 0); /* the window is still recorded */
	i = send_seg(&c2s, &s2c, TT_TH_FIN | TT_TH_ACK, 1001, 1, 0, 0);
	cr_assert_not((i.anomalies & TT_AN_BIT(TT_AN_ZERO_WINDOW)));
	cr_assert_eq(c2s.counts[TT_AN_ZERO_WINDOW], 0);
	i = send_seg(&c2s, &s2c, TT_TH_RST | TT_TH_ACK, 1002, 1, 0, 0);
	cr_assert_not((i.anomalies & TT_AN_BIT(TT_AN_ZERO_WINDOW)));
	cr_assert_eq(c2s.counts[TT_AN_ZERO_WINDOW], 0);
	cr_assert_eq(c2s.rst, 1);
	cr_assert_eq(c2s.fin, 1);
	cr_assert_eq(c2s.syn, 1);
	cr_assert_eq(c2s.packets, 3);
}

/* While the peer advertises a zero window, the keep-alive-shaped segment is a
 * zero-window probe (Linux), and so is one new byte at the next sequence number. */
Test(seq, zero_window_probes)
{
	struct tt_dir c2s, s2c;
	struct tt_seg_info i;

	wrap_setup(&c2s, &s2c);
	send_seg(&s2c, &c2s, TT_TH_ACK, 1u, ISN_WRAP + 601u, 0, 0); /* the peer: window 0 */
	cr_assert_eq(s2c.counts[TT_AN_ZERO_WINDOW], 1);
	i = send_seg(&c2s, &s2c, TT_TH_ACK, ISN_WRAP + 600u, 0, 512, 0);
	cr_assert(!(i.anomalies & TT_AN_BIT(TT_AN_KEEP_ALIVE)));
	cr_assert(!(i.anomalies & TT_AN_BIT(TT_AN_RETRANSMISSION)));
	i = send_seg(&c2s, &s2c, TT_TH_ACK, ISN_WRAP + 601u, 0, 512, 1);
	cr_assert(!(i.anomalies & TT_AN_BIT(TT_AN_RETRANSMISSION)));
	cr_assert_eq(c2s.counts[TT_AN_ZERO_WINDOW_PROBE], 2);
	cr_assert_eq(c2s.counts[TT_AN_KEEP_ALIVE], 0);
	/* The probe's byte is outside the window: it counts when it is sent again. */
	cr_assert_eq(c2s.unique_bytes, 600);
	cr_assert_eq(c2s.seq_next, 601);
}
