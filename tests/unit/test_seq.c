/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_seq.c - sequence arithmetic modulo 2^32 (RFC 9293 §3.4) and the
 * per-direction accounting of src/analysis.c: ISN and options from the SYN,
 * relative sequence numbers across the wrap, unique vs re-sent bytes, gaps,
 * keep-alives, FIN, acknowledgements and window scaling (RFC 7323 §2).
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tcptrack/analysis.h"
#include "tcptrack/flow_table.h"

#define ISN_WRAP UINT32_C(4294967000)

/* A segment built by hand: everything zero but what the test sets. */

/* Where the directions of these tests take their side blocks (kept for the
 * whole process: a test that clears a direction leaves its block behind). */
static const struct tt_dir_slabs *test_slabs(void)
{
	static struct tt_dir_slabs m;
	char err[256];

	if (m.ext == NULL) {
		cr_assert_eq(tt_flow_slab_new(&m.ext, sizeof(struct tt_dir_ext), 1u << 20, err), TT_OK,
		             "%s", err);
		cr_assert_eq(tt_flow_slab_new(&m.ring, sizeof(struct tt_rtt_ring), 1u << 20, err),
		             TT_OK, "%s", err);
		cr_assert_eq(tt_flow_slab_new(&m.wide, sizeof(tt_time_ns) * TT_RT_WIDE, 1u << 16, err),
		             TT_OK, "%s", err);
	}
	return &m;
}

/* The times of the directions these tests pair, which the tracker keeps in
 * their record: a pair's, found by either direction (its index in them). */
static struct pair {
	const struct tt_dir *d[2];
	struct tt_rtimes rt;
} pairs[16];
static int n_pairs;

static struct pair *pair_of(const struct tt_dir *d, int *k)
{
	for (int i = 0; i < n_pairs; i++)
		for (int j = 0; j < 2; j++)
			if (pairs[i].d[j] == d) {
				*k = j;
				return &pairs[i];
			}
	return NULL;
}

/* tt_analysis_segment() with the pair's times; a pair of directions that have
 * sent nothing (new, or cleared) starts with no times. */
static void analyse(const struct tt_dir_slabs *m, struct tt_dir *snd, struct tt_dir *rcv,
                    const struct tt_packet *p, tt_time_ns ooo, struct tt_seg_info *info)
{
	int si;
	struct pair *x = pair_of(snd, &si);

	if (x == NULL) {
		cr_assert_lt(n_pairs, 16);
		x = &pairs[n_pairs++];
		x->d[0] = snd;
		x->d[1] = rcv;
		si = 0;
	}
	cr_assert_eq(x->d[!si], rcv, "a direction in two pairs");
	if (!tt_dir_sent(snd) && !tt_dir_sent(rcv))
		memset(&x->rt, 0, sizeof(x->rt));
	*info = tt_analysis_segment(m, &x->rt, NULL, si, snd, rcv, p, ooo);
}

/* The round trips timed of a direction. */
static struct tt_rtt_stats rtt(const struct tt_dir *d)
{
	int k = 0;
	struct pair *x = pair_of(d, &k);

	cr_assert_not_null(x);
	return tt_rtt_of(&x->rt, d, k);
}

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
	analyse(test_slabs(), snd, rcv, &p, 3000000, &info);
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
	d.seq_next_lo = 0x20;
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
	struct tt_dir_ext x;

	memset(&d, 0, sizeof(d));
	memset(&x, 0, sizeof(x));
	d.has_base = true;
	d.base = 1000;
	d.ext = &x; /* seq_next 0x100000010: raw 1000 + 0x10 */
	d.ext_full = d.wide_ctr = true;
	x.hi[TT_CTR_SEQ_NEXT] = 1;
	d.seq_next_lo = 0x10;
	cr_assert_eq(tt_dir_seq_next(&d), UINT64_C(0x100000010));
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
	analyse(test_slabs(), &c2s, &s2c, &p, 3000000, &info);
	assert_info(info, false, false, false, false);
	cr_assert(c2s.has_isn);
	cr_assert_eq(c2s.isn, 1000);
	cr_assert(c2s.has_base);
	cr_assert_eq(c2s.base, 1000);
	cr_assert_eq(tt_dir_seq_next(&c2s), 1);
	cr_assert(c2s.has_mss);
	cr_assert_eq(c2s.mss, 1460);
	cr_assert(c2s.has_wscale);
	cr_assert_eq(c2s.wscale, 7);
	cr_assert_eq(c2s.shift, 0);
	cr_assert(c2s.sack_ok);
	cr_assert(c2s.ts_ok);
	cr_assert_eq(tt_dir_syns(&c2s), 1);
	cr_assert_eq(tt_dir_packets(&c2s), 1);
	cr_assert_eq(tt_dir_unique_bytes(&c2s), 0);
	cr_assert_eq(tt_dir_payload_bytes(&c2s), 0);
	cr_assert_eq(tt_dir_count(&c2s, TT_AN_RETRANSMISSION), 0);
	cr_assert_not(c2s.has_ack);
	cr_assert_eq(c2s.win_last, 64240);
	cr_assert_eq(tt_dir_count(&c2s, TT_AN_ZERO_WINDOW), 0);
	/* A SYN without ACK tells nothing about the other direction. */
	cr_assert_not(s2c.has_base);
	cr_assert_eq(tt_dir_packets(&s2c), 0);
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
	cr_assert_eq(tt_dir_count(&c2s, TT_AN_RETRANSMISSION), 1);
	cr_assert_eq(tt_dir_syns(&c2s), 2);
	cr_assert_eq(c2s.isn, 500);
	cr_assert_eq(tt_dir_seq_next(&c2s), 1);
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
	cr_assert_eq(tt_dir_ack_max(&s2c), 1);
	cr_assert_eq(tt_dir_bytes_acked(&s2c), 0);
	send_seg(&c2s, &s2c, TT_TH_ACK, 101, 9001, 512, 0);
	cr_assert_eq(tt_dir_ack_max(&c2s), 1);
	cr_assert_eq(tt_dir_count(&c2s, TT_AN_RETRANSMISSION), 0);
	cr_assert_eq(tt_dir_count(&c2s, TT_AN_KEEP_ALIVE), 0);
	cr_assert_eq(tt_dir_seq_next(&c2s), 1);
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
	cr_assert_eq(tt_dir_unique_bytes(&c2s), 600);
	cr_assert_eq(tt_dir_payload_bytes(&c2s), 600);
	cr_assert_eq(tt_dir_seq_next(&c2s), 601);
	cr_assert_eq(tt_dir_count(&c2s, TT_AN_RETRANSMISSION), 0);
	cr_assert_eq(tt_dir_count(&c2s, TT_AN_LOST_SEGMENT), 0);
	cr_assert_eq(tt_dir_count(&c2s, TT_AN_KEEP_ALIVE), 0);
	cr_assert_eq(tt_dir_packets(&c2s), 4);
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
	cr_assert_eq(tt_dir_count(&c2s, TT_AN_RETRANSMISSION), 1);
	cr_assert_eq(tt_dir_unique_bytes(&c2s), 600);
	cr_assert_eq(tt_dir_payload_bytes(&c2s), 800);
	cr_assert_eq(tt_dir_seq_next(&c2s), 601);
	cr_assert_eq(tt_dir_packets(&c2s), 5);
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
	cr_assert_eq(tt_dir_unique_bytes(&c2s), 700);
	cr_assert_eq(tt_dir_payload_bytes(&c2s), 800);
	cr_assert_eq(tt_dir_seq_next(&c2s), 701);
	cr_assert_eq(tt_dir_count(&c2s, TT_AN_RETRANSMISSION), 1);
}

Test(seq, gap_counts_lost_segment)
{
	struct tt_dir c2s, s2c;
	struct tt_seg_info i;

	wrap_setup(&c2s, &s2c);
	/* 601..800 not captured */
	i = send_seg(&c2s, &s2c, TT_TH_ACK, ISN_WRAP + 801u, 0, 512, 100);
	assert_info(i, false, false, true, false);
	cr_assert_eq(tt_dir_count(&c2s, TT_AN_LOST_SEGMENT), 1);
	cr_assert_eq(tt_dir_unique_bytes(&c2s), 700);
	cr_assert_eq(tt_dir_seq_next(&c2s), 901);
	cr_assert_eq(tt_dir_count(&c2s, TT_AN_RETRANSMISSION), 0);
}

Test(seq, keepalive_zero_length)
{
	struct tt_dir c2s, s2c;
	struct tt_seg_info i;

	wrap_setup(&c2s, &s2c);
	i = send_seg(&c2s, &s2c, TT_TH_ACK, ISN_WRAP + 600u, 0, 512, 0);
	assert_info(i, false, true, false, false);
	cr_assert_eq(tt_dir_count(&c2s, TT_AN_KEEP_ALIVE), 1);
	cr_assert_eq(tt_dir_count(&c2s, TT_AN_RETRANSMISSION), 0);
	cr_assert_eq(tt_dir_unique_bytes(&c2s), 600);
	cr_assert_eq(tt_dir_seq_next(&c2s), 601);
}

Test(seq, keepalive_one_byte)
{
	struct tt_dir c2s, s2c;
	struct tt_seg_info i;

	wrap_setup(&c2s, &s2c);
	i = send_seg(&c2s, &s2c, TT_TH_ACK, ISN_WRAP + 600u, 0, 512, 1);
	assert_info(i, false, true, false, false);
	cr_assert_eq(tt_dir_count(&c2s, TT_AN_KEEP_ALIVE), 1);
	cr_assert_eq(tt_dir_count(&c2s, TT_AN_RETRANSMISSION), 0);
	cr_assert_eq(tt_dir_unique_bytes(&c2s), 600);
	cr_assert_eq(tt_dir_payload_bytes(&c2s), 601);
	cr_assert_eq(tt_dir_seq_next(&c2s), 601);
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
	cr_assert_eq(tt_dir_count(&c2s, TT_AN_KEEP_ALIVE), 0);
	cr_assert_eq(tt_dir_count(&c2s, TT_AN_RETRANSMISSION), 1);
}

Test(seq, fin_consumes_one)
{
	struct tt_dir c2s, s2c;
	struct tt_seg_info i;

	wrap_setup(&c2s, &s2c);
	i = send_seg(&c2s, &s2c, TT_TH_FIN | TT_TH_ACK, ISN_WRAP + 601u, 0, 512, 0);
	assert_info(i, false, false, false, false);
	cr_assert_eq(tt_dir_fins(&c2s), 1);
	cr_assert(c2s.has_fin);
	cr_assert_eq(c2s.fin_seq, (uint32_t)(ISN_WRAP + 601u));
	cr_assert_eq(tt_dir_seq_next(&c2s), 602);
	cr_assert_eq(tt_dir_unique_bytes(&c2s), 600);
	/* Retransmitted FIN: counted, fin_seq unchanged. */
	i = send_seg(&c2s, &s2c, TT_TH_FIN | TT_TH_ACK, ISN_WRAP + 601u, 0, 512, 0);
	assert_info(i, true, false, false, false);
	cr_assert_eq(tt_dir_fins(&c2s), 2);
	cr_assert_eq(tt_dir_count(&c2s, TT_AN_RETRANSMISSION), 1);
	cr_assert_eq(c2s.fin_seq, (uint32_t)(ISN_WRAP + 601u));
	cr_assert_eq(tt_dir_seq_next(&c2s), 602);
}

Test(seq, fin_with_data)
{
	struct tt_dir c2s, s2c;

	wrap_setup(&c2s, &s2c);
	send_seg(&c2s, &s2c, TT_TH_FIN | TT_TH_ACK | TT_TH_PSH, ISN_WRAP + 601u, 0, 512, 50);
	cr_assert_eq(c2s.fin_seq, (uint32_t)(ISN_WRAP + 651u));
	cr_assert_eq(tt_dir_seq_next(&c2s), 652);
	cr_assert_eq(tt_dir_unique_bytes(&c2s), 650);
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
	cr_assert_eq(tt_dir_seq_next(&c2s), 101);
	cr_assert_eq(tt_dir_unique_bytes(&c2s), 100);
	/* The ACK field sets the peer's base too: it names the peer's next byte. */
	cr_assert(s2c.has_base);
	cr_assert(c2s.has_ack);
	cr_assert_eq(tt_dir_ack_max(&c2s), 1);
}

Test(seq, rst_counted_not_classified)
{
	struct tt_dir c2s, s2c;
	struct tt_seg_info i;

	wrap_setup(&c2s, &s2c);
	i = send_seg(&c2s, &s2c, TT_TH_RST, ISN_WRAP + 100u, 0, 0, 0);
	assert_info(i, false, false, false, false);
	cr_assert_eq(tt_dir_rsts(&c2s), 1);
	cr_assert_eq(tt_dir_count(&c2s, TT_AN_RETRANSMISSION), 0);
	cr_assert_eq(tt_dir_count(&c2s, TT_AN_KEEP_ALIVE), 0);
	cr_assert_eq(tt_dir_count(&c2s, TT_AN_ZERO_WINDOW), 0);
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
	cr_assert_eq(tt_dir_seq_next(&c2s), 301);
	/* The server acks 100, then 300 (the ack wraps past zero), then an old 200. */
	send_seg(&s2c, &c2s, TT_TH_ACK, 8, 0xffffff01u + 100u, 1000, 0);
	cr_assert_eq(tt_dir_ack_max(&s2c), 101);
	cr_assert_eq(tt_dir_bytes_acked(&s2c), 100);
	send_seg(&s2c, &c2s, TT_TH_ACK, 8, 0xffffff01u + 300u, 1000, 0);
	cr_assert_eq(tt_dir_ack_max(&s2c), 301);
	cr_assert_eq(tt_dir_bytes_acked(&s2c), 300);
	send_seg(&s2c, &c2s, TT_TH_ACK, 8, 0xffffff01u + 200u, 1000, 0);
	cr_assert_eq(tt_dir_ack_max(&s2c), 301);
	cr_assert_eq(tt_dir_bytes_acked(&s2c), 300);
	/* The client acked the server's SYN only. */
	cr_assert_eq(tt_dir_ack_max(&c2s), 1);
	cr_assert_eq(tt_dir_bytes_acked(&c2s), 0);
}

/* A segment without the ACK bit does not touch the ack fields. */
Test(seq, no_ack_bit_no_ack)
{
	struct tt_dir c2s, s2c;

	memset(&c2s, 0, sizeof(c2s));
	memset(&s2c, 0, sizeof(s2c));
	send_seg(&c2s, &s2c, TT_TH_SYN, 10, 12345, 1000, 0);
	cr_assert_not(c2s.has_ack);
	cr_assert_eq(tt_dir_ack_max(&c2s), 0);
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
	analyse(test_slabs(), c2s, s2c, &p, 3000000, &i);
	p = seg(TT_TH_SYN | TT_TH_ACK, 5000, 1001, 29200, 0);
	if (s_ws >= 0) {
		p.opts.has_wscale = true;
		p.opts.wscale = (uint8_t)s_ws;
	}
	analyse(test_slabs(), s2c, c2s, &p, 3000000, &i);
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
	cr_assert_eq(tt_dir_count(&c2s, TT_AN_ZERO_WINDOW), 1);
	cr_assert_eq(c2s.win_min, 0);
	cr_assert_eq(c2s.win_last, 0);
	cr_assert_eq(c2s.win_max, 65535);
	i = send_seg(&c2s, &s2c, TT_TH_ACK, 1001, 5001, 0, 0);
	cr_assert((i.anomalies & TT_AN_BIT(TT_AN_ZERO_WINDOW)));
	cr_assert_eq(tt_dir_count(&c2s, TT_AN_ZERO_WINDOW), 2);
}

/* A clean direction takes no side block, nor does its first condition (counted
 * in the record); a gap (or SACK blocks, a zero window...) takes the block,
 * which takes the counts over; with none to be had, the counts stay in the
 * record (and say so) while the segment's own conditions are still reported. */
Test(seq, side_block_on_first_need_and_without_one)
{
	struct tt_dir c2s, s2c;
	struct tt_dir_slabs one = {.ring = test_slabs()->ring};
	struct tt_seg_info i;
	struct tt_packet p;
	char err[256];

	cr_assert_eq(tt_flow_slab_new(&one.ext, sizeof(struct tt_dir_ext), 1, err), TT_OK, "%s",
	             err);
	handshake(&c2s, &s2c, 2, 2);
	i = send_seg(&c2s, &s2c, TT_TH_ACK, 1001, 5001, 1000, 100);
	cr_assert_eq(i.anomalies, 0);
	cr_assert_not(c2s.ext_full, "a clean direction has no side block");
	cr_assert_eq(c2s.nib, 0);
	cr_assert_not(s2c.ext_full);
	cr_assert_eq(tt_dir_count(&c2s, TT_AN_RETRANSMISSION), 0);

	p = seg(TT_TH_ACK, 1001, 5001, 1000, 100); /* the same data again */
	analyse(&one, &c2s, &s2c, &p, 3000000, &i);
	cr_assert(i.anomalies & TT_AN_BIT(TT_AN_RETRANSMISSION));
	cr_assert_not(c2s.ext_full, "a count in the record");
	cr_assert_eq(tt_dir_count(&c2s, TT_AN_RETRANSMISSION), 1);
	cr_assert_eq(tt_flow_slab_count(one.ext), 0);
	cr_assert_eq(tt_dir_x(&c2s), &tt_dir_ext_none, "no block to read");

	p = seg(TT_TH_ACK, 1301, 5001, 1000, 100); /* 1101..1300 never captured: a gap */
	analyse(&one, &c2s, &s2c, &p, 3000000, &i);
	cr_assert(i.anomalies & TT_AN_BIT(TT_AN_LOST_SEGMENT));
	cr_assert(c2s.ext_full, "the gap needs the block");
	cr_assert_eq(c2s.n_holes, 1);
	cr_assert_eq(tt_dir_count(&c2s, TT_AN_RETRANSMISSION), 1, "the counts moved");
	cr_assert_eq(tt_dir_count(&c2s, TT_AN_LOST_SEGMENT), 1);
	cr_assert_eq(tt_flow_slab_count(one.ext), 1);

	p = seg(TT_TH_ACK, 5001, 1101, 0, 0); /* a zero window from the server: no block left */
	analyse(&one, &s2c, &c2s, &p, 3000000, &i);
	cr_assert(i.anomalies & TT_AN_BIT(TT_AN_ZERO_WINDOW), "still reported for the segment");
	cr_assert_not(s2c.ext_full, "the count, in the record");
	cr_assert(s2c.limits & TT_DIR_LIM_EXT, "no block for the zero window's time");
	cr_assert_not(s2c.in_zero_window, "no period is timed without a block");
	cr_assert_eq(tt_dir_count(&s2c, TT_AN_ZERO_WINDOW), 1);
	tt_analysis_finish(&s2c, 10000000);

	tt_dir_release(&one, &c2s);
	tt_dir_release(&one, &s2c);
	cr_assert_not(c2s.ext_full);
	cr_assert_eq(c2s.nib, 0, "the counts go with the record");
	cr_assert_eq(tt_flow_slab_count(one.ext), 0);
	tt_flow_slab_free(&one.ext);
}

/* The record's counts are 4 bits each: the sixteenth of one takes the block
 * (the counts move, none spills into its neighbour); without a block a count
 * stops at 15 while the others go on. */
Test(seq, counts_in_the_record_then_the_block)
{
	struct tt_dir a, b;
	struct tt_dir_slabs one = {0};
	const uint32_t retx = TT_AN_BIT(TT_AN_RETRANSMISSION), dup = TT_AN_BIT(TT_AN_DUP_ACK);
	const uint32_t icmp = TT_AN_BIT(TT_DIR_ICMP);
	char err[256];

	cr_assert_eq(tt_flow_slab_new(&one.ext, sizeof(struct tt_dir_ext), 1, err), TT_OK, "%s",
	             err);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	for (int k = 0; k < 15; k++)
		tt_dir_count_add(&one, &a, retx | icmp);
	tt_dir_count_add(&one, &a, dup);
	cr_assert_not(a.ext_full, "15 fits the record");
	cr_assert_eq(tt_dir_count(&a, TT_AN_RETRANSMISSION), 15);
	cr_assert_eq(tt_dir_count(&a, TT_AN_FAST_RETRANSMISSION), 0, "no carry into the next");
	cr_assert_eq(tt_dir_count(&a, TT_DIR_ICMP), 15);
	cr_assert_eq(tt_dir_count(&a, TT_AN_DUP_ACK), 1);
	cr_assert_eq(tt_flow_slab_count(one.ext), 0);

	tt_dir_count_add(&one, &a, retx | dup);
	cr_assert(a.ext_full, "the sixteenth takes the block");
	cr_assert_eq(tt_flow_slab_count(one.ext), 1);
	cr_assert_eq(tt_dir_count(&a, TT_AN_RETRANSMISSION), 16);
	cr_assert_eq(tt_dir_count(&a, TT_AN_DUP_ACK), 2);
	cr_assert_eq(tt_dir_count(&a, TT_DIR_ICMP), 15, "moved as it was");
	tt_dir_count_add(&one, &a, icmp);
	cr_assert_eq(tt_dir_count(&a, TT_DIR_ICMP), 16);
	cr_assert_eq(tt_dir_count(&a, TT_AN_FAST_RETRANSMISSION), 0);
	cr_assert(tt_dir_any_condition(&a));

	for (int k = 0; k < 15; k++)
		tt_dir_count_add(&one, &b, retx);
	cr_assert(tt_dir_any_condition(&b));
	tt_dir_count_add(&one, &b, retx | dup); /* no block left */
	cr_assert_not(b.ext_full);
	cr_assert(b.limits & TT_DIR_LIM_EXT);
	cr_assert_eq(tt_dir_count(&b, TT_AN_RETRANSMISSION), 15, "stops at 15");
	cr_assert_eq(tt_dir_count(&b, TT_AN_FAST_RETRANSMISSION), 0);
	cr_assert_eq(tt_dir_count(&b, TT_AN_DUP_ACK), 1, "the others go on");

	memset(&b, 0, sizeof(b));
	tt_dir_count_add(&one, &b, icmp);
	cr_assert_not(tt_dir_any_condition(&b), "an ICMP error is not a condition");
	cr_assert_eq(tt_dir_count(&b, TT_DIR_ICMP), 1);
	tt_dir_release(&one, &a);
	cr_assert_eq(tt_flow_slab_count(one.ext), 0);
	for (int k = 0; k < 14; k++) /* the top count alone: its carry leaves the word's nibbles */
		tt_dir_count_add(&one, &b, icmp);
	cr_assert_eq(b.nib, (uint64_t)TT_DIR_NIB_MAX << (4 * TT_DIR_ICMP));
	tt_dir_count_add(&one, &b, icmp);
	cr_assert(b.ext_full, "the sixteenth ICMP error takes the block");
	cr_assert_eq(tt_dir_count(&b, TT_DIR_ICMP), 16);
	for (unsigned k = 0; k < TT_AN_COUNT; k++)
		cr_assert_eq(tt_dir_count(&b, k), 0, "count %u", k);
	tt_dir_release(&one, &b);
	cr_assert_eq(tt_flow_slab_count(one.ext), 0);
	tt_flow_slab_free(&one.ext);
}

Test(seq, zero_window_not_counted_on_syn_fin_rst)
{
	struct tt_dir c2s, s2c;
	struct tt_seg_info i;

	memset(&c2s, 0, sizeof(c2s));
	memset(&s2c, 0, sizeof(s2c));
	i = send_seg(&c2s, &s2c, TT_TH_SYN, 1000, 0, 0, 0);
	cr_assert_not((i.anomalies & TT_AN_BIT(TT_AN_ZERO_WINDOW)));
	cr_assert_eq(tt_dir_count(&c2s, TT_AN_ZERO_WINDOW), 0);
	cr_assert_eq(c2s.win_min, 0); /* the window is still recorded */
	i = send_seg(&c2s, &s2c, TT_TH_FIN | TT_TH_ACK, 1001, 1, 0, 0);
	cr_assert_not((i.anomalies & TT_AN_BIT(TT_AN_ZERO_WINDOW)));
	cr_assert_eq(tt_dir_count(&c2s, TT_AN_ZERO_WINDOW), 0);
	i = send_seg(&c2s, &s2c, TT_TH_RST | TT_TH_ACK, 1002, 1, 0, 0);
	cr_assert_not((i.anomalies & TT_AN_BIT(TT_AN_ZERO_WINDOW)));
	cr_assert_eq(tt_dir_count(&c2s, TT_AN_ZERO_WINDOW), 0);
	cr_assert_eq(tt_dir_rsts(&c2s), 1);
	cr_assert_eq(tt_dir_fins(&c2s), 1);
	cr_assert_eq(tt_dir_syns(&c2s), 1);
	cr_assert_eq(tt_dir_packets(&c2s), 3);
}

/* While the peer advertises a zero window, the keep-alive-shaped segment is a
 * zero-window probe (Linux), and so is one new byte at the next sequence number. */
Test(seq, zero_window_probes)
{
	struct tt_dir c2s, s2c;
	struct tt_seg_info i;

	wrap_setup(&c2s, &s2c);
	send_seg(&s2c, &c2s, TT_TH_ACK, 1u, ISN_WRAP + 601u, 0, 0); /* the peer: window 0 */
	cr_assert_eq(tt_dir_count(&s2c, TT_AN_ZERO_WINDOW), 1);
	i = send_seg(&c2s, &s2c, TT_TH_ACK, ISN_WRAP + 600u, 0, 512, 0);
	cr_assert(!(i.anomalies & TT_AN_BIT(TT_AN_KEEP_ALIVE)));
	cr_assert(!(i.anomalies & TT_AN_BIT(TT_AN_RETRANSMISSION)));
	i = send_seg(&c2s, &s2c, TT_TH_ACK, ISN_WRAP + 601u, 0, 512, 1);
	cr_assert(!(i.anomalies & TT_AN_BIT(TT_AN_RETRANSMISSION)));
	cr_assert_eq(tt_dir_count(&c2s, TT_AN_ZERO_WINDOW_PROBE), 2);
	cr_assert_eq(tt_dir_count(&c2s, TT_AN_KEEP_ALIVE), 0);
	/* The probe's byte is outside the window: it counts when it is sent again. */
	cr_assert_eq(tt_dir_unique_bytes(&c2s), 600);
	cr_assert_eq(tt_dir_seq_next(&c2s), 601);
}

/* ==== Wireshark's per-segment conditions (tcp.analysis.*) ================================== */
/*
 * A connection opened at 0, 10 and 20 ms: client ISN CISN, server ISN SISN,
 * no options (so no window scaling, and the scale is known).  Data is named
 * by its relative sequence number in the client's space (1 = first byte).
 */
#define CISN 1000u
#define SISN 5000u
#define CWIN 8192
#define SWIN 60000 /* large: no segment fills it by accident */
#define US(x) ((tt_time_ns)(x) * 1000)
#define MS(x) ((tt_time_ns)(x) * 1000000)
#define AN(a) TT_AN_BIT(TT_AN_##a)

struct conn {
	struct tt_dir c, s; /* what the client sent, what the server sent */
};

/* A segment at time t. */
static struct tt_packet at(tt_time_ns t, uint16_t flags, uint32_t seq, uint32_t ack, uint16_t win,
                           uint32_t len)
{
	struct tt_packet p = seg(flags, seq, ack, win, len);

	p.ts = t;
	return p;
}

/* Account p with an explicit out-of-order threshold; returns its conditions. */
static uint32_t feed_thr(struct tt_dir *snd, struct tt_dir *rcv, const struct tt_packet *p,
                         tt_time_ns ooo)
{
	struct tt_seg_info info;

	memset(&info, 0xff, sizeof(info));
	analyse(test_slabs(), snd, rcv, p, ooo, &info);
	return info.anomalies;
}

/* ... with Wireshark's default threshold, 3 ms. */
static uint32_t feed(struct tt_dir *snd, struct tt_dir *rcv, const struct tt_packet *p)
{
	return feed_thr(snd, rcv, p, MS(3));
}

/* Client data: len bytes from relative sequence number rel, sent at t. */
static struct tt_packet cpkt(tt_time_ns t, uint32_t rel, uint32_t len)
{
	return at(t, TT_TH_ACK, CISN + rel, SISN + 1, CWIN, len);
}

/* A pure ACK from the server of the client's bytes below rel_ack. */
static struct tt_packet spkt(tt_time_ns t, uint32_t rel_ack, uint16_t win)
{
	return at(t, TT_TH_ACK, SISN + 1, CISN + rel_ack, win, 0);
}

static uint32_t c_data(struct conn *k, tt_time_ns t, uint32_t rel, uint32_t len)
{
	struct tt_packet p = cpkt(t, rel, len);
	return feed(&k->c, &k->s, &p);
}

static uint32_t s_ack(struct conn *k, tt_time_ns t, uint32_t rel_ack, uint16_t win)
{
	struct tt_packet p = spkt(t, rel_ack, win);
	return feed(&k->s, &k->c, &p);
}

static void open_conn(struct conn *k)
{
	struct tt_packet p;

	memset(k, 0, sizeof(*k));
	p = at(MS(0), TT_TH_SYN, CISN, 0, CWIN, 0);
	cr_assert_eq(feed(&k->c, &k->s, &p), 0);
	p = at(MS(10), TT_TH_SYN | TT_TH_ACK, SISN, CISN + 1, SWIN, 0);
	cr_assert_eq(feed(&k->s, &k->c, &p), 0);
	tt_analysis_negotiate(&k->c, &k->s);
	p = at(MS(20), TT_TH_ACK, CISN + 1, SISN + 1, CWIN, 0);
	cr_assert_eq(feed(&k->c, &k->s, &p), 0);
	cr_assert(k->c.scale_known && k->s.scale_known);
}

/* ---- 64-bit counters kept as 32 (16) bits and a carry ------------------------------------- */

/* Counters one step below their low bits' limit: the next segment carries into
 * the side block, and the readers give the whole 64-bit values. */
Test(seq, counters_carry_past_their_low_bits)
{
	const uint64_t lim = UINT64_C(1) << 32;
	struct conn k;

	open_conn(&k);
	k.c.packets_lo = UINT32_MAX;
	k.c.payload_lo = k.c.unique_lo = UINT32_MAX - 49;
	k.s.acked_lo = UINT32_MAX - 49;
	cr_assert_not(k.c.wide_ctr);
	cr_assert_eq(c_data(&k, MS(30), 1, 100), 0);
	cr_assert(k.c.wide_ctr);
	cr_assert_eq(tt_dir_packets(&k.c), lim);
	cr_assert_eq(tt_dir_payload_bytes(&k.c), lim + 50);
	cr_assert_eq(tt_dir_unique_bytes(&k.c), lim + 50);
	cr_assert_eq(s_ack(&k, MS(40), 101, SWIN), 0);
	cr_assert_eq(tt_dir_bytes_acked(&k.s), lim + 50);
	cr_assert_eq(c_data(&k, MS(50), 101, 100), 0);
	cr_assert_eq(tt_dir_packets(&k.c), lim + 1);
	cr_assert_eq(tt_dir_payload_bytes(&k.c), lim + 150);
	cr_assert(tt_dir_sent(&k.c));

	/* A maximum already past 32 bits stays until a larger one. */
	k.c.flight_max_lo = 0;
	k.c.ext->hi[TT_CTR_FLIGHT_MAX] = 1;
	cr_assert_eq(c_data(&k, MS(60), 201, 100), 0);
	cr_assert_eq(tt_dir_bytes_in_flight_max(&k.c), lim);

	/* The flags' counts carry past 16 bits. */
	k.s.fin_lo = k.s.rst_lo = k.s.syn_lo = UINT16_MAX;
	feed(&k.s, &k.c, &(struct tt_packet){.seq = SISN + 1, .ack = CISN + 301,
	                                      .flags = TT_TH_FIN | TT_TH_ACK, .ts = MS(70)});
	cr_assert_eq(tt_dir_fins(&k.s), UINT64_C(1) << 16);
	cr_assert_eq(tt_dir_rsts(&k.s), UINT16_MAX);
	feed(&k.s, &k.c, &(struct tt_packet){.seq = SISN + 2, .flags = TT_TH_RST, .ts = MS(80)});
	cr_assert_eq(tt_dir_rsts(&k.s), UINT64_C(1) << 16);
	cr_assert_eq(tt_dir_syns(&k.s), UINT16_MAX);
}

/* The sequence marks are 64-bit values kept as 32 bits and a carry too: a
 * stream whose relative sequence passes 4 GiB keeps its marks exact, and the
 * segments after the carry are in order, not gaps or retransmissions. */
Test(seq, sequence_marks_carry_past_4gib)
{
	const uint64_t lim = UINT64_C(1) << 32;
	const uint32_t near = UINT32_MAX - 0xff; /* 256 bytes before 4 GiB */
	struct conn k;

	open_conn(&k);
	cr_assert_eq(c_data(&k, MS(30), 1, 100), 0);
	cr_assert_eq(s_ack(&k, MS(40), 101, SWIN), 0);
	/* As if 4 GiB - 257 bytes had gone by, all acknowledged. */
	k.c.seq_next_lo = k.c.data_next_lo = k.s.ack_max_lo = near;
	cr_assert_eq(c_data(&k, MS(50), near, 0x200), 0, "in order");
	cr_assert(k.c.wide_ctr, "the marks carried");
	cr_assert_eq(tt_dir_seq_next(&k.c), lim + 0x100);
	cr_assert_eq(tt_dir_data_next(&k.c), lim + 0x100);
	cr_assert_eq(c_data(&k, MS(60), near + 0x200u, 0x100), 0, "in order after the carry");
	cr_assert_eq(tt_dir_seq_next(&k.c), lim + 0x200);
	cr_assert_eq(tt_dir_rel_seq(&k.c, CISN + 0x10u), lim + 0x10);
	cr_assert_eq(s_ack(&k, MS(70), near + 0x300u, SWIN), 0);
	cr_assert(k.s.wide_ctr);
	cr_assert_eq(tt_dir_ack_max(&k.s), lim + 0x200);
	cr_assert_eq(tt_dir_bytes_acked(&k.s), 100 + 0x300);
	cr_assert(c_data(&k, MS(80), near + 0x200u, 0x100) & TT_AN_BIT(TT_AN_RETRANSMISSION),
	          "a re-send past the carry");
	cr_assert_eq(tt_dir_seq_next(&k.c), lim + 0x200);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_LOST_SEGMENT), 0);
}

/* The test slabs, but for side blocks (struct tt_dir_ext): none left. */
static void no_blocks_left(struct tt_dir_slabs *none)
{
	char err[256];

	*none = *test_slabs();
	cr_assert_eq(tt_flow_slab_new(&none->ext, sizeof(struct tt_dir_ext), 1, err), TT_OK, "%s",
	             err);
	cr_assert_not_null(tt_flow_slab_get(none->ext), "the one block, taken");
}

/* Without a side block for the carry (out of memory), the marks keep their low
 * 32 bits, so that the raw next sequence number, which the state machine
 * checks RSTs and FINs against, stays right (the direction says a limit was
 * hit; its marks as reported are short by 4 GiB, and its conditions past the
 * crossing are not to be trusted). */
Test(seq, sequence_marks_without_a_block_keep_their_low_bits)
{
	const uint32_t near = UINT32_MAX - 0xff;
	struct tt_dir_slabs none;
	struct tt_seg_info i;
	struct tt_packet p;
	struct conn k;

	no_blocks_left(&none);
	open_conn(&k);
	cr_assert_eq(c_data(&k, MS(30), 1, 100), 0);
	cr_assert_eq(s_ack(&k, MS(40), 101, SWIN), 0);
	k.c.seq_next_lo = k.c.data_next_lo = k.s.ack_max_lo = near;
	p = cpkt(MS(50), near, 0x200);
	analyse(&none, &k.c, &k.s, &p, MS(3), &i);
	cr_assert_eq(i.anomalies, 0);
	cr_assert(k.c.limits & TT_DIR_LIM_EXT);
	cr_assert_not(k.c.wide_ctr);
	cr_assert_eq(tt_dir_seq_next(&k.c), 0x100, "the low bits, not stuck at 2^32 - 1");
	cr_assert_eq(k.c.base + k.c.seq_next_lo, CISN + near + 0x200u, "the raw next number");
	p = cpkt(MS(60), near + 0x200u, 0x100);
	analyse(&none, &k.c, &k.s, &p, MS(3), &i);
	cr_assert_eq(tt_dir_seq_next(&k.c), 0x200);
	cr_assert_eq(k.c.base + k.c.seq_next_lo, CISN + near + 0x300u);
	tt_flow_slab_free(&none.ext);
}

/* Without a side block for the carry (out of memory), a counter stays at its
 * largest rather than wrapping, and the direction says a limit was hit. */
Test(seq, counter_without_a_block_for_its_carry_stays_at_its_largest)
{
	struct tt_dir_slabs none;
	struct tt_seg_info i;
	struct tt_packet p;
	struct conn k;

	no_blocks_left(&none);
	open_conn(&k);
	k.c.packets_lo = UINT32_MAX;
	k.c.fin_lo = UINT16_MAX;
	p = cpkt(MS(30), 1, 100);
	p.flags |= TT_TH_FIN;
	analyse(&none, &k.c, &k.s, &p, MS(3), &i);
	cr_assert(k.c.limits & TT_DIR_LIM_EXT);
	cr_assert_not(k.c.wide_ctr);
	cr_assert_eq(tt_dir_packets(&k.c), UINT32_MAX, "not wrapped to 0");
	cr_assert_eq(tt_dir_fins(&k.c), UINT16_MAX);
	cr_assert(tt_dir_sent(&k.c));
	tt_flow_slab_free(&none.ext);
}

/* ---- duplicate ACKs (tcp.analysis.duplicate_ack) -------------------------------------------- */

/* An ACK, then the same pure ACK three times: three duplicate ACKs in a row. */
Test(seq, dup_ack_three_identical_acks)
{
	struct conn k;

	open_conn(&k);
	cr_assert_eq(c_data(&k, MS(30), 1, 100), 0);
	cr_assert_eq(s_ack(&k, MS(40), 101, SWIN), 0, "the first ACK of 101 is not a duplicate");
	for (int i = 1; i <= 3; i++) {
		uint32_t an = s_ack(&k, MS(40) + MS(i), 101, SWIN);
		cr_assert_eq(an, AN(DUP_ACK), "dup #%d: %#x", i, an);
		cr_assert_eq(k.s.dup_ack_num, i);
	}
	cr_assert_eq(tt_dir_count(&k.s, TT_AN_DUP_ACK), 3);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_DUP_ACK), 0);
}

/* The run of duplicates ends when the acknowledgement number moves. */
Test(seq, dup_ack_run_resets_when_ack_moves)
{
	struct conn k;

	open_conn(&k);
	c_data(&k, MS(30), 1, 100);
	s_ack(&k, MS(40), 101, SWIN);
	s_ack(&k, MS(41), 101, SWIN);
	s_ack(&k, MS(42), 101, SWIN);
	cr_assert_eq(k.s.dup_ack_num, 2);
	cr_assert_eq(c_data(&k, MS(50), 101, 100), 0);
	cr_assert_eq(s_ack(&k, MS(60), 201, SWIN), 0, "a new ACK");
	cr_assert_eq(k.s.dup_ack_num, 0);
	cr_assert_eq(s_ack(&k, MS(61), 201, SWIN), AN(DUP_ACK));
	cr_assert_eq(k.s.dup_ack_num, 1, "a new run starts at 1");
	cr_assert_eq(tt_dir_count(&k.s, TT_AN_DUP_ACK), 3);
}

/* Same ACK, other window: tcp.analysis.window_update, not a duplicate ACK. */
Test(seq, changed_window_is_window_update_not_dup_ack)
{
	struct conn k;
	uint32_t an;

	open_conn(&k);
	c_data(&k, MS(30), 1, 100);
	s_ack(&k, MS(40), 101, SWIN);
	an = s_ack(&k, MS(41), 101, 2000);
	cr_assert_eq(an, AN(WINDOW_UPDATE), "got %#x", an);
	cr_assert_eq(tt_dir_count(&k.s, TT_AN_WINDOW_UPDATE), 1);
	cr_assert_eq(tt_dir_count(&k.s, TT_AN_DUP_ACK), 0);
	cr_assert_eq(k.s.dup_ack_num, 0);
	/* Repeated with the new window, it is a duplicate again. */
	cr_assert_eq(s_ack(&k, MS(42), 101, 2000), AN(DUP_ACK));
	cr_assert_eq(tt_dir_count(&k.s, TT_AN_WINDOW_UPDATE), 1);
}

/* A repeated pure ACK advertising a zero window is not a duplicate ACK. */
Test(seq, repeated_zero_window_ack_is_not_dup_ack)
{
	struct conn k;

	open_conn(&k);
	c_data(&k, MS(30), 1, 100);
	cr_assert_eq(s_ack(&k, MS(40), 101, 0), AN(ZERO_WINDOW));
	cr_assert_eq(s_ack(&k, MS(41), 101, 0), AN(ZERO_WINDOW));
	cr_assert_eq(tt_dir_count(&k.s, TT_AN_DUP_ACK), 0);
	cr_assert_eq(tt_dir_count(&k.s, TT_AN_ZERO_WINDOW), 2);
}

/* SYN, FIN and RST segments are never duplicate ACKs, whatever they repeat. */
Test(seq, syn_fin_rst_never_dup_ack)
{
	struct conn k;
	struct tt_packet p;
	uint32_t an;

	open_conn(&k);
	/* The SYN,ACK again, identical: a retransmission only. */
	p = at(MS(25), TT_TH_SYN | TT_TH_ACK, SISN, CISN + 1, SWIN, 0);
	an = feed(&k.s, &k.c, &p);
	cr_assert_eq(an, AN(RETRANSMISSION), "got %#x", an);
	c_data(&k, MS(30), 1, 100);
	cr_assert_eq(s_ack(&k, MS(40), 101, SWIN), 0);
	/* A FIN at the next sequence number, same ACK and window as the ACK before. */
	p = at(MS(41), TT_TH_FIN | TT_TH_ACK, SISN + 1, CISN + 101, SWIN, 0);
	an = feed(&k.s, &k.c, &p);
	cr_assert_eq(an, 0, "FIN: %#x", an);
	/* An RST at the next sequence number, same ACK and window. */
	p = at(MS(42), TT_TH_RST | TT_TH_ACK, SISN + 2, CISN + 101, SWIN, 0);
	an = feed(&k.s, &k.c, &p);
	cr_assert_eq(an, 0, "RST: %#x", an);
	cr_assert_eq(tt_dir_count(&k.s, TT_AN_DUP_ACK), 0);
	cr_assert_eq(k.s.dup_ack_num, 0);
	cr_assert_eq(tt_dir_count(&k.s, TT_AN_RETRANSMISSION), 1);
}

/* ---- fast retransmission (tcp.analysis.fast_retransmission) ------------------------------- */

/* Four segments captured, the second lost after the capture point; the
 * server acks the first, then sends n duplicate ACKs at 41, 42, ... ms. */
static void loss_setup(struct conn *k, int n_dup)
{
	open_conn(k);
	for (uint32_t i = 0; i < 4; i++)
		cr_assert_eq(c_data(k, MS(30) + MS(i), 1 + 100 * i, 100), 0);
	cr_assert_eq(s_ack(k, MS(40), 101, SWIN), 0);
	for (int i = 1; i <= n_dup; i++)
		cr_assert_eq(s_ack(k, MS(40) + MS(i), 101, SWIN), AN(DUP_ACK));
	cr_assert_eq(k->s.dup_ack_num, n_dup);
}

/* Two duplicate ACKs at 101, then 101..200 again 10 ms after the last one. */
Test(seq, fast_retransmission_after_two_dup_acks)
{
	struct conn k;
	uint32_t an;

	loss_setup(&k, 2);
	an = c_data(&k, MS(52), 101, 100);
	cr_assert_eq(an, AN(RETRANSMISSION) | AN(FAST_RETRANSMISSION), "got %#x", an);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_RETRANSMISSION), 1);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_FAST_RETRANSMISSION), 1);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_SPURIOUS_RETRANSMISSION), 0);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_OUT_OF_ORDER), 0);
	cr_assert_eq(tt_dir_unique_bytes(&k.c), 400);
	cr_assert_eq(tt_dir_payload_bytes(&k.c), 500);
}

/* The same re-send 25 ms after the last duplicate ACK: past Wireshark's 20 ms. */
Test(seq, retransmission_25ms_after_dup_acks_is_not_fast)
{
	struct conn k;
	uint32_t an;

	loss_setup(&k, 2);
	an = c_data(&k, MS(42) + MS(25), 101, 100);
	cr_assert_eq(an, AN(RETRANSMISSION), "got %#x", an);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_RETRANSMISSION), 1);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_FAST_RETRANSMISSION), 0);
}

/* One duplicate ACK is not enough (Wireshark: at least two). */
Test(seq, retransmission_after_one_dup_ack_is_not_fast)
{
	struct conn k;
	uint32_t an;

	loss_setup(&k, 1);
	an = c_data(&k, MS(45), 101, 100);
	cr_assert_eq(an, AN(RETRANSMISSION), "got %#x", an);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_FAST_RETRANSMISSION), 0);
}

/* Re-sending another segment than the one the duplicates ask for is not fast. */
Test(seq, retransmission_of_other_segment_is_not_fast)
{
	struct conn k;
	uint32_t an;

	loss_setup(&k, 3);
	an = c_data(&k, MS(48), 201, 100);
	cr_assert_eq(an, AN(RETRANSMISSION), "got %#x", an);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_FAST_RETRANSMISSION), 0);
}

/* SACK instead of duplicate ACKs (RFC 6675): the server's ACK of 101 SACKs
 * 201..400, and 101..200 comes again 5 ms later. */
Test(seq, fast_retransmission_answering_sack)
{
	struct conn k;
	struct tt_packet p;
	uint32_t an;

	loss_setup(&k, 0);
	p = spkt(MS(41), 101, SWIN);
	p.opts.n_sack = 1;
	p.opts.sack[0][0] = CISN + 201;
	p.opts.sack[0][1] = CISN + 401;
	cr_assert_eq(feed(&k.s, &k.c, &p), AN(DUP_ACK));
	an = c_data(&k, MS(46), 101, 100);
	cr_assert_eq(an, AN(RETRANSMISSION) | AN(FAST_RETRANSMISSION), "got %#x", an);
}

/* NewReno (RFC 6582): two segments lost, 101..200 and 301..400.  After the
 * fast retransmission of the first, the partial ACK of 301 names the second:
 * its re-send is fast too, without duplicate ACKs. */
Test(seq, fast_retransmission_after_partial_ack_in_recovery)
{
	struct conn k;
	uint32_t an;

	open_conn(&k);
	for (uint32_t i = 0; i < 5; i++)
		c_data(&k, MS(30) + MS(i), 1 + 100 * i, 100);
	s_ack(&k, MS(40), 101, SWIN);
	s_ack(&k, MS(41), 101, SWIN);
	s_ack(&k, MS(42), 101, SWIN);
	an = c_data(&k, MS(45), 101, 100);
	cr_assert_eq(an, AN(RETRANSMISSION) | AN(FAST_RETRANSMISSION), "got %#x", an);
	cr_assert(k.c.in_recovery);
	cr_assert_eq(s_ack(&k, MS(60), 301, SWIN), 0, "the partial ACK");
	cr_assert_eq(k.s.dup_ack_num, 0);
	an = c_data(&k, MS(65), 301, 100);
	cr_assert_eq(an, AN(RETRANSMISSION) | AN(FAST_RETRANSMISSION), "got %#x", an);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_FAST_RETRANSMISSION), 2);
	/* Everything sent before the loss ACKed: recovery is over. */
	s_ack(&k, MS(80), 501, SWIN);
	c_data(&k, MS(81), 501, 100);
	cr_assert_not(k.c.in_recovery);
}

/* ---- spurious retransmission (tcp.analysis.spurious_retransmission) ----------------------- */

/* Data the server has already acknowledged, sent again. */
Test(seq, spurious_retransmission_of_acked_data)
{
	struct conn k;
	uint32_t an;

	open_conn(&k);
	c_data(&k, MS(30), 1, 100);
	c_data(&k, MS(31), 101, 100);
	cr_assert_eq(s_ack(&k, MS(40), 201, SWIN), 0);
	an = c_data(&k, MS(300), 101, 100);
	cr_assert_eq(an, AN(RETRANSMISSION) | AN(SPURIOUS_RETRANSMISSION), "got %#x", an);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_RETRANSMISSION), 1);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_SPURIOUS_RETRANSMISSION), 1);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_FAST_RETRANSMISSION), 0);
	cr_assert_eq(tt_dir_unique_bytes(&k.c), 200);
}

/* Partly acknowledged data sent again is a plain retransmission. */
Test(seq, retransmission_of_partly_acked_data_is_not_spurious)
{
	struct conn k;
	uint32_t an;

	open_conn(&k);
	c_data(&k, MS(30), 1, 100);
	c_data(&k, MS(31), 101, 100);
	s_ack(&k, MS(40), 151, SWIN);
	an = c_data(&k, MS(300), 101, 100);
	cr_assert_eq(an, AN(RETRANSMISSION), "got %#x", an);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_SPURIOUS_RETRANSMISSION), 0);
}

/* ---- gap fills: out of order or re-sent (tcp.analysis.out_of_order) ------------------------ */

/* Bytes 1..100 at 30 ms, 201..300 at 31 ms: 101..200 never captured.  With
 * timestamps, the segments carry TSval 1000 and 1002. */
#define GAP_OPENED MS(31)
static void gap_setup(struct conn *k, bool ts)
{
	struct tt_packet p;

	open_conn(k);
	p = cpkt(MS(30), 1, 100);
	p.opts.has_ts = ts;
	p.opts.ts_val = ts ? 1000 : 0;
	cr_assert_eq(feed(&k->c, &k->s, &p), 0);
	p = cpkt(GAP_OPENED, 201, 100);
	p.opts.has_ts = ts;
	p.opts.ts_val = ts ? 1002 : 0;
	cr_assert_eq(feed(&k->c, &k->s, &p), AN(LOST_SEGMENT));
	cr_assert_eq(k->c.n_holes, 1);
}

/* The fill, at time t, with a TSval (if ts). */
static uint32_t gap_fill(struct conn *k, tt_time_ns t, bool ts, uint32_t tsval, tt_time_ns ooo)
{
	struct tt_packet p = cpkt(t, 101, 100);

	p.opts.has_ts = ts;
	p.opts.ts_val = tsval;
	return feed_thr(&k->c, &k->s, &p, ooo);
}

/* TSval below the gap-opening segment's: it was sent first, so it is out of
 * order, even half a second later. */
Test(seq, gap_fill_older_tsval_is_out_of_order)
{
	struct conn k;
	uint32_t an;

	gap_setup(&k, true);
	an = gap_fill(&k, GAP_OPENED + MS(500), true, 1001, MS(3));
	cr_assert_eq(an, AN(OUT_OF_ORDER), "got %#x", an);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_OUT_OF_ORDER), 1);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_RETRANSMISSION), 0);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_LOST_SEGMENT), 1);
	cr_assert_eq(tt_dir_unique_bytes(&k.c), 300);
	cr_assert_eq(k.c.n_holes, 0);
}

/* TT_OOO_HANDSHAKE: the handshake's round trip once both its halves are
 * known (here 1 ms: a fill 2 ms after the gap is re-sent), else 3 ms (the
 * same fill is out of order). */
Test(seq, gap_fill_handshake_threshold)
{
	for (int known = 0; known <= 2; known++) {
		struct conn k;
		struct pair *x;
		uint32_t an;
		int si;

		gap_setup(&k, false);
		x = pair_of(&k.c, &si);
		cr_assert_not_null(x);
		for (int h = 0; h < known; h++)
			tt_rt_set(&x->rt, NULL, TT_RT_PATH_RTT + h, US(500));
		an = gap_fill(&k, GAP_OPENED + MS(2), false, 0, TT_OOO_HANDSHAKE);
		cr_assert_eq(an, known == 2 ? AN(RETRANSMISSION) : AN(OUT_OF_ORDER),
		             "%d halves known: got %#x", known, an);
	}
}

/* TSval above it: sent after, so re-sent, even 0.1 ms later. */
Test(seq, gap_fill_newer_tsval_is_retransmission)
{
	struct conn k;
	uint32_t an;

	gap_setup(&k, true);
	an = gap_fill(&k, GAP_OPENED + US(100), true, 1003, MS(3));
	cr_assert_eq(an, AN(RETRANSMISSION), "got %#x", an);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_OUT_OF_ORDER), 0);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_RETRANSMISSION), 1);
	cr_assert_eq(tt_dir_unique_bytes(&k.c), 300, "never captured before: still unique");
}

/* IPv4 IDs counting up: n_steps small increments (IDs 100, 101, ...) on
 * 100-byte segments, then bytes 1+100*(n_steps+1).. are skipped and the
 * segment after the gap carries ID gap_id. */
static uint32_t ipid_gap_setup(struct conn *k, int n_steps, uint16_t gap_id, tt_time_ns *opened)
{
	struct tt_packet p;
	uint32_t rel = 1;

	open_conn(k);
	for (int i = 0; i <= n_steps; i++, rel += 100) {
		p = cpkt(MS(30) + MS(i), rel, 100);
		p.ip_version = 4;
		p.ip_id = (uint16_t)(100 + i);
		cr_assert_eq(feed(&k->c, &k->s, &p), 0);
	}
	*opened = MS(30) + MS(n_steps + 1);
	p = cpkt(*opened, rel + 100, 100);
	p.ip_version = 4;
	p.ip_id = gap_id;
	cr_assert_eq(feed(&k->c, &k->s, &p), AN(LOST_SEGMENT));
	return rel; /* the first byte of the gap */
}

static uint32_t ipid_fill(struct conn *k, tt_time_ns t, uint32_t rel, uint16_t id)
{
	struct tt_packet p = cpkt(t, rel, 100);

	p.ip_version = 4;
	p.ip_id = id;
	return feed(&k->c, &k->s, &p);
}

/* Eight increments: IDs are trusted; a lower ID was sent first (out of
 * order) although it comes 50 ms after the gap opened. */
Test(seq, gap_fill_lower_ipid_is_out_of_order)
{
	struct conn k;
	tt_time_ns opened;
	uint32_t rel, an;

	rel = ipid_gap_setup(&k, 8, 110, &opened);
	an = ipid_fill(&k, opened + MS(50), rel, 109);
	cr_assert_eq(an, AN(OUT_OF_ORDER), "got %#x", an);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_OUT_OF_ORDER), 1);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_RETRANSMISSION), 0);
}

/* A higher ID was sent after: re-sent, although only 0.1 ms later. */
Test(seq, gap_fill_higher_ipid_is_retransmission)
{
	struct conn k;
	tt_time_ns opened;
	uint32_t rel, an;

	rel = ipid_gap_setup(&k, 8, 110, &opened);
	an = ipid_fill(&k, opened + US(100), rel, 111);
	cr_assert_eq(an, AN(RETRANSMISSION), "got %#x", an);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_OUT_OF_ORDER), 0);
}

/* Seven increments are not enough evidence: time decides (3 ms). */
Test(seq, gap_fill_ipid_ignored_before_eight_increments)
{
	struct conn k;
	tt_time_ns opened;
	uint32_t rel, an;

	rel = ipid_gap_setup(&k, 7, 109, &opened);
	an = ipid_fill(&k, opened + MS(50), rel, 108);
	cr_assert_eq(an, AN(RETRANSMISSION), "lower ID but late: %#x", an);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_OUT_OF_ORDER), 0);
}

/* No timestamps, no IP IDs: within the threshold given (30 ms here) the fill
 * is out of order... */
Test(seq, gap_fill_within_threshold_is_out_of_order)
{
	struct conn k;
	uint32_t an;

	gap_setup(&k, false);
	an = gap_fill(&k, GAP_OPENED + MS(20), false, 0, MS(30));
	cr_assert_eq(an, AN(OUT_OF_ORDER), "got %#x", an);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_OUT_OF_ORDER), 1);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_RETRANSMISSION), 0);
}

/* ... and beyond it, a retransmission. */
Test(seq, gap_fill_beyond_threshold_is_retransmission)
{
	struct conn k;
	uint32_t an;

	gap_setup(&k, false);
	an = gap_fill(&k, GAP_OPENED + MS(40), false, 0, MS(30));
	cr_assert_eq(an, AN(RETRANSMISSION), "got %#x", an);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_OUT_OF_ORDER), 0);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_RETRANSMISSION), 1);
}

/* A segment that re-sends any byte captured before is a retransmission, never
 * out of order, even 0.1 ms later and with an older TSval. */
Test(seq, resend_of_captured_bytes_is_never_out_of_order)
{
	struct conn k;
	struct tt_packet p;
	uint32_t an;

	gap_setup(&k, true);
	/* 101..250: the gap and 50 captured bytes. */
	p = cpkt(GAP_OPENED + US(100), 101, 150);
	p.opts.has_ts = true;
	p.opts.ts_val = 1001;
	an = feed_thr(&k.c, &k.s, &p, MS(30));
	cr_assert_eq(an, AN(RETRANSMISSION), "got %#x", an);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_OUT_OF_ORDER), 0);
	cr_assert_eq(tt_dir_unique_bytes(&k.c), 300, "the 100 gap bytes are new");
	cr_assert_eq(k.c.n_holes, 0);
}

Test(seq, resend_of_gap_opening_segment_is_retransmission)
{
	struct conn k;
	uint32_t an;

	gap_setup(&k, false);
	an = c_data(&k, GAP_OPENED + US(100), 201, 100);
	cr_assert_eq(an, AN(RETRANSMISSION), "got %#x", an);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_OUT_OF_ORDER), 0);
	cr_assert_eq(k.c.n_holes, 1, "the gap is still open");
}

/* At most TT_MAX_HOLES gaps are remembered: when a fifth opens, the oldest
 * (lowest) is forgotten and its bytes count as seen.  Gaps A 101..200,
 * B 301..400, C 501..600, D 701..800 (D opened at 34 ms); A is filled; E
 * 901..1000 and F 1101..1200 open: B must go, D must stay. */
static void five_gaps(struct conn *k)
{
	cr_assert_eq(TT_MAX_HOLES, 4);
	open_conn(k);
	c_data(k, MS(30), 1, 100);
	for (uint32_t i = 0; i < 4; i++)
		cr_assert_eq(c_data(k, MS(31 + i), 201 + 200 * i, 100), AN(LOST_SEGMENT));
	cr_assert_eq(k->c.n_holes, 4);
	c_data(k, MS(34) + US(200), 101, 100); /* fill A */
	cr_assert_eq(k->c.n_holes, 3);
	cr_assert_eq(c_data(k, MS(34) + US(400), 1001, 100), AN(LOST_SEGMENT)); /* E */
	cr_assert_eq(c_data(k, MS(34) + US(600), 1201, 100), AN(LOST_SEGMENT)); /* F */
	cr_assert_eq(k->c.n_holes, 4);
}

Test(seq, fifth_gap_forgets_the_lowest)
{
	/* The gap table is unordered (a filled gap's slot takes the last one):
	 * the fifth gap must forget the lowest, B, not whatever sits in slot 0;
	 * D's fill 1 ms after it opened is then new bytes sent out of order. */
	struct conn k;
	uint64_t unique;
	uint32_t an;

	five_gaps(&k);
	unique = tt_dir_unique_bytes(&k.c);
	an = c_data(&k, MS(35), 701, 100); /* D, 1 ms after it opened */
	cr_assert_eq(an, AN(OUT_OF_ORDER), "got %#x", an);
	cr_assert_eq(tt_dir_unique_bytes(&k.c), unique + 100);
}

/* A fill in the middle of a gap splits it; when the table is full the lowest
 * gap must make room, not the upper part of the split.  Four gaps, then
 * 721..740 inside D (701..800): 761..780 must still be never-captured bytes. */
Test(seq, split_gap_keeps_upper_part_when_table_full)
{
	/* With TT_MAX_HOLES gaps remembered, splitting one forgets the oldest
	 * (lowest) gap, as a new gap does, and keeps the upper part: a later
	 * fill of 761..780 is new bytes, out of order. */
	struct conn k;
	uint64_t unique;
	uint32_t an;

	open_conn(&k);
	c_data(&k, MS(30), 1, 100);
	for (uint32_t i = 0; i < 4; i++)
		c_data(&k, MS(31 + i), 201 + 200 * i, 100);
	c_data(&k, MS(34) + US(100), 721, 20);
	unique = tt_dir_unique_bytes(&k.c);
	an = c_data(&k, MS(34) + US(200), 761, 20);
	cr_assert_eq(an, AN(OUT_OF_ORDER), "got %#x", an);
	cr_assert_eq(tt_dir_unique_bytes(&k.c), unique + 20);
}

/* ---- lost_segment and ack_lost_segment ---------------------------------------------------- */

/* "Previous segment not captured": once per gap, not for the segments after
 * it nor for the fill. */
Test(seq, gap_counts_lost_segment_once)
{
	struct conn k;

	gap_setup(&k, false);
	cr_assert_eq(c_data(&k, MS(32), 301, 100), 0);
	cr_assert_eq(c_data(&k, MS(33), 401, 100), 0);
	cr_assert_eq(c_data(&k, MS(80), 101, 100), AN(RETRANSMISSION));
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_LOST_SEGMENT), 1);
	cr_assert_eq(tt_dir_seq_next(&k.c), 501);
}

/* "ACKed unseen segment": an ACK beyond all the client's captured bytes counts
 * once; the same ACK again does not. */
Test(seq, ack_beyond_captured_counts_acked_unseen_once)
{
	struct conn k;
	uint32_t an;

	open_conn(&k);
	c_data(&k, MS(30), 1, 100);
	an = s_ack(&k, MS(40), 201, SWIN);
	cr_assert_eq(an, AN(ACKED_UNSEEN), "got %#x", an);
	an = s_ack(&k, MS(41), 201, SWIN);
	cr_assert_eq(an, AN(DUP_ACK), "got %#x", an);
	cr_assert_eq(tt_dir_count(&k.s, TT_AN_ACKED_UNSEEN), 1);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_ACKED_UNSEEN), 0);
}

/* A gap that was ACKed before it showed (the ACK counted then) is a lost
 * segment of the sender, but the ACKs of it do not count again; its fill
 * re-sends what the receiver had. */
Test(seq, gap_already_acked_does_not_count_again)
{
	struct conn k;
	uint32_t an;

	open_conn(&k);
	c_data(&k, MS(30), 1, 100);
	cr_assert_eq(s_ack(&k, MS(40), 201, SWIN), AN(ACKED_UNSEEN));
	an = c_data(&k, MS(50), 201, 100); /* 101..200 were never captured */
	cr_assert_eq(an, AN(LOST_SEGMENT), "got %#x", an);
	an = s_ack(&k, MS(60), 301, SWIN);
	cr_assert_eq(an, 0, "got %#x", an);
	cr_assert_eq(tt_dir_count(&k.s, TT_AN_ACKED_UNSEEN), 1);
	an = c_data(&k, MS(70), 101, 100);
	cr_assert_eq(an, AN(RETRANSMISSION) | AN(SPURIOUS_RETRANSMISSION), "got %#x", an);
}

/* A gap, then an ACK over it: one ack_lost_segment; later ACKs none. */
Test(seq, ack_over_gap_counts_acked_unseen_once)
{
	struct conn k;

	gap_setup(&k, false);
	cr_assert_eq(s_ack(&k, MS(40), 301, SWIN), AN(ACKED_UNSEEN));
	cr_assert_eq(c_data(&k, MS(41), 301, 100), 0);
	cr_assert_eq(s_ack(&k, MS(50), 401, SWIN), 0);
	cr_assert_eq(tt_dir_count(&k.s, TT_AN_ACKED_UNSEEN), 1);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_LOST_SEGMENT), 1);
}

/* Picked up mid-stream (no SYN): the ACK of the first captured segment also
 * covers everything before the capture, which is not "unseen". */
Test(seq, midstream_pickup_acks_before_capture_not_unseen)
{
	struct conn k;
	struct tt_packet p;
	uint32_t an;

	memset(&k, 0, sizeof(k));
	p = at(MS(0), TT_TH_ACK, 50000, 9000, CWIN, 100);
	cr_assert_eq(feed(&k.c, &k.s, &p), 0);
	p = at(MS(5), TT_TH_ACK, 9000, 50100, SWIN, 0);
	an = feed(&k.s, &k.c, &p);
	cr_assert_eq(an, 0, "got %#x", an);
	cr_assert_eq(tt_dir_count(&k.s, TT_AN_ACKED_UNSEEN), 0);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_LOST_SEGMENT), 0);
}

/* The server's ACK is captured first and names 50000; the client's first
 * captured segment starts at 50500: 50000..50499 went before the capture. */
Test(seq, midstream_first_segment_beyond_peer_ack_not_lost_nor_unseen)
{
	struct conn k;
	struct tt_packet p;
	uint32_t an;

	memset(&k, 0, sizeof(k));
	p = at(MS(0), TT_TH_ACK, 9000, 50000, SWIN, 0);
	cr_assert_eq(feed(&k.s, &k.c, &p), 0);
	p = at(MS(1), TT_TH_ACK, 50500, 9000, CWIN, 100);
	cr_assert_eq(feed(&k.c, &k.s, &p), 0);
	p = at(MS(5), TT_TH_ACK, 9000, 50600, SWIN, 0);
	an = feed(&k.s, &k.c, &p);
	cr_assert_eq(an, 0, "got %#x", an);
	cr_assert_eq(tt_dir_count(&k.s, TT_AN_ACKED_UNSEEN), 0);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_LOST_SEGMENT), 0);
	cr_assert_eq(tt_dir_unique_bytes(&k.c), 100);
}

/* ---- keep-alives (tcp.analysis.keep_alive, keep_alive_ack) --------------------------------- */

/* Keep-alive at next-1 (0 bytes), and the server's answer repeating its last
 * seq/ack/window: a keep-alive ACK, not a duplicate ACK. */
Test(seq, keep_alive_and_keep_alive_ack)
{
	struct conn k;
	uint32_t an;

	open_conn(&k);
	c_data(&k, MS(30), 1, 100);
	cr_assert_eq(s_ack(&k, MS(40), 101, SWIN), 0);
	an = c_data(&k, MS(10000), 100, 0);
	cr_assert_eq(an, AN(KEEP_ALIVE), "got %#x", an);
	an = s_ack(&k, MS(10010), 101, SWIN);
	cr_assert_eq(an, AN(KEEP_ALIVE_ACK), "got %#x", an);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_KEEP_ALIVE), 1);
	cr_assert_eq(tt_dir_count(&k.s, TT_AN_KEEP_ALIVE_ACK), 1);
	cr_assert_eq(tt_dir_count(&k.s, TT_AN_DUP_ACK), 0);
	cr_assert_eq(k.s.dup_ack_num, 0);
}

/* The one-byte form (a byte already sent): a keep-alive, not a retransmission. */
Test(seq, keep_alive_one_byte_and_ack)
{
	struct conn k;
	uint32_t an;

	open_conn(&k);
	c_data(&k, MS(30), 1, 100);
	s_ack(&k, MS(40), 101, SWIN);
	an = c_data(&k, MS(10000), 100, 1);
	cr_assert_eq(an, AN(KEEP_ALIVE), "got %#x", an);
	cr_assert_eq(s_ack(&k, MS(10010), 101, SWIN), AN(KEEP_ALIVE_ACK));
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_RETRANSMISSION), 0);
	cr_assert_eq(tt_dir_seq_next(&k.c), 101);
}

/* Only right after the peer's keep-alive: after the client's data the same
 * kind of ACK is a duplicate ACK again. */
Test(seq, keep_alive_ack_only_right_after_keep_alive)
{
	struct conn k;

	open_conn(&k);
	c_data(&k, MS(30), 1, 100);
	s_ack(&k, MS(40), 101, SWIN);
	cr_assert_eq(c_data(&k, MS(10000), 100, 0), AN(KEEP_ALIVE));
	cr_assert_eq(c_data(&k, MS(10005), 101, 100), 0);
	cr_assert_eq(s_ack(&k, MS(10010), 201, SWIN), 0);
	cr_assert_eq(s_ack(&k, MS(10011), 201, SWIN), AN(DUP_ACK));
	cr_assert_eq(tt_dir_count(&k.s, TT_AN_KEEP_ALIVE_ACK), 0);
}

/* An answer to a keep-alive with another window is a window update. */
Test(seq, keep_alive_answer_with_new_window_is_window_update)
{
	struct conn k;

	open_conn(&k);
	c_data(&k, MS(30), 1, 100);
	s_ack(&k, MS(40), 101, SWIN);
	c_data(&k, MS(10000), 100, 0);
	cr_assert_eq(s_ack(&k, MS(10010), 101, 1234), AN(WINDOW_UPDATE));
	cr_assert_eq(tt_dir_count(&k.s, TT_AN_KEEP_ALIVE_ACK), 0);
}

/* ---- zero-window probes (tcp.analysis.zero_window_probe, _ack) ---------------------------- */

/* Wireshark's form: one new byte at the next sequence number while the
 * peer's window is zero.  The probe ACK repeats window 0; the byte does not
 * advance seq_next, so sending it again with more data is no retransmission. */
Test(seq, zero_window_probe_one_byte)
{
	struct conn k;
	uint32_t an;

	open_conn(&k);
	c_data(&k, MS(30), 1, 100);
	cr_assert_eq(s_ack(&k, MS(40), 101, 0), AN(ZERO_WINDOW));
	an = c_data(&k, MS(240), 101, 1);
	cr_assert_eq(an, AN(ZERO_WINDOW_PROBE), "got %#x", an);
	cr_assert_eq(tt_dir_seq_next(&k.c), 101);
	cr_assert_eq(tt_dir_unique_bytes(&k.c), 100);
	cr_assert_not_null(k.c.ext, "the probe's end is kept in the side block");
	cr_assert_eq(k.c.ext->probe_next, 102);
	an = s_ack(&k, MS(250), 101, 0);
	cr_assert_eq(an, AN(ZERO_WINDOW) | AN(ZERO_WINDOW_PROBE_ACK), "got %#x", an);
	an = s_ack(&k, MS(400), 101, SWIN);
	cr_assert_eq(an, AN(WINDOW_UPDATE), "got %#x", an);
	an = c_data(&k, MS(401), 101, 100);
	cr_assert_eq(an, 0, "the probe's byte sent again: %#x", an);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_ZERO_WINDOW_PROBE), 1);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_RETRANSMISSION), 0);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_KEEP_ALIVE), 0);
	cr_assert_eq(tt_dir_count(&k.s, TT_AN_ZERO_WINDOW_PROBE_ACK), 1);
	cr_assert_eq(tt_dir_count(&k.s, TT_AN_DUP_ACK), 0);
	cr_assert_eq(tt_dir_seq_next(&k.c), 201);
	cr_assert_eq(tt_dir_unique_bytes(&k.c), 200);
}

/* Linux's form: no data, seq = next - 1 (tcp_xmit_probe_skb()). */
Test(seq, zero_window_probe_linux_form)
{
	struct conn k;
	uint32_t an;

	open_conn(&k);
	c_data(&k, MS(30), 1, 100);
	s_ack(&k, MS(40), 101, 0);
	an = c_data(&k, MS(240), 100, 0);
	cr_assert_eq(an, AN(ZERO_WINDOW_PROBE), "got %#x", an);
	an = s_ack(&k, MS(250), 101, 0);
	cr_assert_eq(an, AN(ZERO_WINDOW) | AN(ZERO_WINDOW_PROBE_ACK), "got %#x", an);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_KEEP_ALIVE), 0);
	cr_assert_eq(tt_dir_count(&k.s, TT_AN_KEEP_ALIVE_ACK), 0);
	cr_assert_eq(tt_dir_count(&k.s, TT_AN_DUP_ACK), 0);
}

/* ---- window_full (tcp.analysis.window_full) ----------------------------------------------- */

/* Both SYNs carry the option (client 2, server 3): the server's window of
 * 100 means 800 bytes.  Filling the raw 100 is not full; reaching 800 is. */
Test(seq, window_full_with_scaled_window)
{
	struct conn k;
	struct tt_packet p;
	uint32_t an;

	memset(&k, 0, sizeof(k));
	p = at(MS(0), TT_TH_SYN, CISN, 0, CWIN, 0);
	p.opts.has_wscale = true;
	p.opts.wscale = 2;
	feed(&k.c, &k.s, &p);
	p = at(MS(10), TT_TH_SYN | TT_TH_ACK, SISN, CISN + 1, SWIN, 0);
	p.opts.has_wscale = true;
	p.opts.wscale = 3;
	feed(&k.s, &k.c, &p);
	tt_analysis_negotiate(&k.c, &k.s);
	c_data(&k, MS(20), 1, 0);
	s_ack(&k, MS(21), 1, 100);
	cr_assert_eq(k.s.win_last, 800);
	an = c_data(&k, MS(30), 1, 100);
	cr_assert_eq(an, 0, "ends at the unscaled edge: %#x", an);
	an = c_data(&k, MS(31), 101, 700);
	cr_assert_eq(an, AN(WINDOW_FULL), "got %#x", an);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_WINDOW_FULL), 1);
}

/* One segment short of the edge, then the one reaching it. */
Test(seq, window_full_only_at_the_edge)
{
	struct conn k;

	open_conn(&k);
	s_ack(&k, MS(21), 1, 300);
	cr_assert_eq(c_data(&k, MS(30), 1, 299), 0);
	cr_assert_eq(c_data(&k, MS(31), 300, 1), AN(WINDOW_FULL));
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_WINDOW_FULL), 1);
}

/* The client's SYN offers scaling, the SYN,ACK was not captured: the scale is
 * unknown, so nothing is window_full, scaled or not. */
Test(seq, window_full_not_without_known_scale)
{
	struct conn k;
	struct tt_packet p;

	memset(&k, 0, sizeof(k));
	p = at(MS(0), TT_TH_SYN, CISN, 0, CWIN, 0);
	p.opts.has_wscale = true;
	p.opts.wscale = 2;
	feed(&k.c, &k.s, &p);
	cr_assert_not(k.c.scale_known);
	cr_assert_eq(s_ack(&k, MS(10), 1, 100), 0);
	cr_assert_eq(c_data(&k, MS(20), 1, 100), 0, "raw edge");
	cr_assert_eq(c_data(&k, MS(21), 101, 300), 0, "scaled edge");
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_WINDOW_FULL), 0);
}

/* A SYN without the option: no scaling either way, the scale is known. */
Test(seq, window_full_after_syn_without_wscale)
{
	struct conn k;
	struct tt_packet p;

	memset(&k, 0, sizeof(k));
	p = at(MS(0), TT_TH_SYN, CISN, 0, CWIN, 0);
	feed(&k.c, &k.s, &p);
	cr_assert(k.c.scale_known);
	cr_assert(k.s.scale_known);
	cr_assert_eq(s_ack(&k, MS(10), 1, 100), 0);
	cr_assert_eq(c_data(&k, MS(20), 1, 100), AN(WINDOW_FULL));
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_WINDOW_FULL), 1);
}

/* Picked up mid-stream: no SYN, the scale is unknown. */
Test(seq, window_full_not_midstream)
{
	struct conn k;
	struct tt_packet p;

	memset(&k, 0, sizeof(k));
	p = at(MS(0), TT_TH_ACK, 9000, 50000, 100, 0);
	feed(&k.s, &k.c, &p);
	p = at(MS(1), TT_TH_ACK, 50000, 9000, CWIN, 100);
	cr_assert_eq(feed(&k.c, &k.s, &p), 0);
	cr_assert_eq(tt_dir_count(&k.c, TT_AN_WINDOW_FULL), 0);
}

/* ---- time in zero window ------------------------------------------------------------------ */

/* 100..300 ms closed by a window update (200 ms), then 1000 ms.. still open
 * at the end of the record, 1500 ms (500 ms). */
Test(seq, zero_window_time_total_and_max)
{
	struct conn k;

	open_conn(&k);
	cr_assert_eq(s_ack(&k, MS(100), 1, 0), AN(ZERO_WINDOW));
	s_ack(&k, MS(150), 1, 0);
	cr_assert_eq(s_ack(&k, MS(300), 1, SWIN), AN(WINDOW_UPDATE));
	cr_assert_eq(tt_dir_x(&k.s)->zw_total, MS(200));
	cr_assert_eq(tt_dir_x(&k.s)->zw_max, MS(200));
	s_ack(&k, MS(1000), 1, 0);
	cr_assert(k.s.in_zero_window);
	tt_analysis_finish(&k.s, MS(1500));
	cr_assert_not(k.s.in_zero_window);
	cr_assert_eq(tt_dir_x(&k.s)->zw_total, MS(700));
	cr_assert_eq(tt_dir_x(&k.s)->zw_max, MS(500));
	/* Finishing again adds nothing; the other direction never had a zero window. */
	tt_analysis_finish(&k.s, MS(2000));
	cr_assert_eq(tt_dir_x(&k.s)->zw_total, MS(700));
	tt_analysis_finish(&k.c, MS(1500));
	cr_assert_eq(tt_dir_x(&k.c)->zw_total, 0);
	cr_assert_eq(tt_dir_x(&k.c)->zw_max, 0);
	cr_assert_eq(tt_dir_count(&k.s, TT_AN_ZERO_WINDOW), 3);
}

/* ---- bytes in flight ---------------------------------------------------------------------- */

/* 1..100 acked; 101..200 lost; 201..400 sent; a duplicate ACK (with SACK of
 * 201..400 if sack); then 401..500. */
static void flight_run(struct conn *k, bool sack)
{
	struct tt_packet p;

	open_conn(k);
	c_data(k, MS(30), 1, 100);
	cr_assert_eq(tt_dir_bytes_in_flight_max(&k->c), 100);
	s_ack(k, MS(40), 101, SWIN);
	c_data(k, MS(41), 201, 100);
	c_data(k, MS(42), 301, 100);
	cr_assert_eq(tt_dir_bytes_in_flight_max(&k->c), 300);
	p = spkt(MS(50), 101, SWIN);
	if (sack) {
		p.opts.n_sack = 1;
		p.opts.sack[0][0] = CISN + 201;
		p.opts.sack[0][1] = CISN + 401;
	}
	feed(&k->s, &k->c, &p);
	c_data(k, MS(51), 401, 100);
}

Test(seq, bytes_in_flight_without_sack)
{
	struct conn k;

	flight_run(&k, false);
	cr_assert_eq(tt_dir_bytes_in_flight_max(&k.c), 400);
}

Test(seq, bytes_in_flight_minus_sacked)
{
	struct conn k;

	flight_run(&k, true);
	cr_assert_eq(tt_dir_bytes_in_flight_max(&k.c), 300, "(400 unacked - 200 SACKed = 200)");
}

/* A D-SACK (RFC 2883 §4): the first block reports a duplicate inside the
 * second, larger block; SACKed bytes are 201..400 once, not 300 bytes.
 * 401..900 then makes 101..900 minus 201..400 = 600 bytes in flight. */
Test(seq, bytes_in_flight_dsack_inside_sack_block)
{
	/* Overlapping SACK blocks (a D-SACK block within the next one, as RFC
	 * 2883 §4 prescribes) count once: the flight is 600, not 500. */
	struct conn k;
	struct tt_packet p;

	flight_run(&k, true);
	p = spkt(MS(60), 101, SWIN);
	p.opts.n_sack = 2;
	p.opts.sack[0][0] = CISN + 201;
	p.opts.sack[0][1] = CISN + 301;
	p.opts.sack[1][0] = CISN + 201;
	p.opts.sack[1][1] = CISN + 401;
	feed(&k.s, &k.c, &p);
	c_data(&k, MS(61), 501, 400);
	cr_assert_eq(tt_dir_bytes_in_flight_max(&k.c), 600);
}

/* ---- round-trip times (tcp.analysis.ack_rtt) ---------------------------------------------- */

/* A segment at 100 ms, its ACK at 137 ms: one sample of 37 ms. */
Test(seq, rtt_one_segment_one_sample)
{
	struct conn k;

	open_conn(&k);
	c_data(&k, MS(100), 1, 100);
	s_ack(&k, MS(137), 101, SWIN);
	cr_assert_eq(rtt(&k.c).samples, 1);
	cr_assert_eq(rtt(&k.c).min, MS(37));
	cr_assert_eq(rtt(&k.c).max, MS(37));
	cr_assert_eq(rtt(&k.c).sum, MS(37));
	cr_assert_eq(rtt(&k.s).samples, 0, "the server sent no data");
	/* A duplicate of that ACK adds nothing. */
	s_ack(&k, MS(140), 101, SWIN);
	cr_assert_eq(rtt(&k.c).samples, 1);
}

/* Three segments at 100, 101, 102 ms, one ACK of all at 150 ms: one sample,
 * from the newest (48 ms). */
Test(seq, rtt_cumulative_ack_times_newest_segment)
{
	struct conn k;

	open_conn(&k);
	for (uint32_t i = 0; i < 3; i++)
		c_data(&k, MS(100 + i), 1 + 100 * i, 100);
	s_ack(&k, MS(150), 301, SWIN);
	cr_assert_eq(rtt(&k.c).samples, 1);
	cr_assert_eq(rtt(&k.c).sum, MS(48));
	cr_assert_eq(rtt(&k.c).min, MS(48));
	cr_assert_eq(rtt(&k.c).max, MS(48));
}

/* An ACK of part of them times the newest it covers; min/max/sum accumulate. */
Test(seq, rtt_partial_acks)
{
	struct conn k;

	open_conn(&k);
	for (uint32_t i = 0; i < 3; i++)
		c_data(&k, MS(100 + i), 1 + 100 * i, 100);
	s_ack(&k, MS(130), 201, SWIN); /* segments 1, 2: from 101 ms */
	s_ack(&k, MS(162), 301, SWIN); /* segment 3: from 102 ms */
	cr_assert_eq(rtt(&k.c).samples, 2);
	cr_assert_eq(rtt(&k.c).min, MS(29));
	cr_assert_eq(rtt(&k.c).max, MS(60));
	cr_assert_eq(rtt(&k.c).sum, MS(89));
}

/* Karn: without timestamps, the ACK of a re-sent segment is not timed (which
 * copy does it answer?), and neither are the segments after it it covers. */
Test(seq, rtt_karn_no_sample_for_resent_segment)
{
	struct conn k;

	open_conn(&k);
	c_data(&k, MS(100), 1, 100);
	c_data(&k, MS(101), 101, 100);
	c_data(&k, MS(102), 201, 100);
	cr_assert_eq(c_data(&k, MS(400), 1, 100), AN(RETRANSMISSION));
	s_ack(&k, MS(410), 301, SWIN);
	cr_assert_eq(rtt(&k.c).samples, 0);
	/* New data afterwards is timed again. */
	c_data(&k, MS(500), 301, 100);
	s_ack(&k, MS(520), 401, SWIN);
	cr_assert_eq(rtt(&k.c).samples, 1);
	cr_assert_eq(rtt(&k.c).sum, MS(20));
}

/* With timestamps: the ACK echoing the re-send's TSval is timed from the
 * re-send (RFC 7323 §4.1). */
Test(seq, rtt_resent_segment_timed_by_ts_echo)
{
	struct conn k;
	struct tt_packet p;

	open_conn(&k);
	for (uint32_t i = 0; i < 3; i++) {
		p = cpkt(MS(100 + i), 1 + 100 * i, 100);
		p.opts.has_ts = true;
		p.opts.ts_val = 1000 + i;
		feed(&k.c, &k.s, &p);
	}
	p = cpkt(MS(400), 1, 100);
	p.opts.has_ts = true;
	p.opts.ts_val = 1300;
	cr_assert_eq(feed(&k.c, &k.s, &p), AN(RETRANSMISSION));
	p = spkt(MS(410), 301, SWIN);
	p.opts.has_ts = true;
	p.opts.ts_val = 77;
	p.opts.ts_ecr = 1300;
	feed(&k.s, &k.c, &p);
	cr_assert_eq(rtt(&k.c).samples, 1);
	cr_assert_eq(rtt(&k.c).sum, MS(10));
}

/* Eight segments timed (TT_RTT_SLOTS), four ACKed, four more sent: the ring
 * of slots wraps and each ACK times the newest it covers. */
Test(seq, rtt_slots_wrap_around)
{
	struct conn k;

	cr_assert_eq(TT_RTT_SLOTS, 8);
	open_conn(&k);
	for (uint32_t i = 0; i < 8; i++)
		c_data(&k, MS(100 + i), 1 + 100 * i, 100);
	cr_assert_neq(k.c.ring, 0, "a ring while segments are timed");
	cr_assert_eq(k.s.ring, 0, "none for a direction with nothing in flight");
	s_ack(&k, MS(150), 401, SWIN);  /* from 103 ms */
	for (uint32_t i = 8; i < 12; i++)
		c_data(&k, MS(200 + i), 1 + 100 * i, 100);
	s_ack(&k, MS(268), 1201, SWIN); /* from 211 ms */
	cr_assert_eq(k.c.ring, 0, "given back with the last segment acknowledged");
	cr_assert_eq(rtt(&k.c).samples, 2);
	cr_assert_eq(rtt(&k.c).min, MS(47));
	cr_assert_eq(rtt(&k.c).max, MS(57));
	cr_assert_eq(rtt(&k.c).sum, MS(104));
	cr_assert_eq(k.c.rtt_count, 0, "nothing left to time");
}

/* More segments outstanding than slots: the extra ones are not timed, and
 * nothing overflows.  Twenty segments at 100..119 ms, one ACK of all at
 * 200 ms: one sample, from the newest timed (the eighth, 107 ms). */
Test(seq, rtt_more_segments_than_slots)
{
	struct conn k;

	open_conn(&k);
	for (uint32_t i = 0; i < 20; i++)
		cr_assert_eq(c_data(&k, MS(100 + i), 1 + 100 * i, 100), 0);
	cr_assert_eq(k.c.rtt_count, TT_RTT_SLOTS);
	s_ack(&k, MS(200), 2001, SWIN);
	cr_assert_eq(rtt(&k.c).samples, 1);
	cr_assert_eq(rtt(&k.c).sum, MS(93));
	cr_assert_eq(k.c.rtt_count, 0);
	/* Timing goes on afterwards. */
	c_data(&k, MS(300), 2001, 100);
	s_ack(&k, MS(311), 2101, SWIN);
	cr_assert_eq(rtt(&k.c).samples, 2);
	cr_assert_eq(rtt(&k.c).min, MS(11));
	cr_assert_eq(rtt(&k.c).max, MS(93));
}

/* ---- header prediction: the short way agrees with the whole way ------------------------------ */

/* A reproducible random stream (xorshift64*). */
static uint64_t rnd_state;
static uint32_t rnd(uint32_t n)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return (uint32_t)((rnd_state * UINT64_C(2685821657736338717)) >> 32) % n;
}

/* One connection's two directions and times, analysed one way. */
struct way {
	struct tt_dir d[2];
	struct tt_rtimes rt;
};

static size_t first_difference(const void *a, const void *b, size_t n)
{
	size_t i = 0;

	while (i < n && ((const uint8_t *)a)[i] == ((const uint8_t *)b)[i])
		i++;
	return i;
}

/* Everything a direction holds, wherever it is kept, must be the same. */
static void assert_dirs_same(const struct tt_dir *pa, const struct tt_dir *pb, uint64_t seed,
                             int seg)
{
	const struct tt_dir_slabs *m = test_slabs();
	struct tt_dir a = *pa, b = *pb;

	cr_assert_eq(a.ext_full, b.ext_full, "seed %" PRIu64 " segment %d: side block", seed, seg);
	if (a.ext_full) {
		cr_assert(memcmp(a.ext, b.ext, sizeof(*a.ext)) == 0,
		          "seed %" PRIu64 " segment %d: side blocks differ", seed, seg);
		a.ext = b.ext = NULL;
	}
	cr_assert_eq(a.ring != 0, b.ring != 0, "seed %" PRIu64 " segment %d: ring", seed, seg);
	for (int i = 0; a.ring != 0 && i < a.rtt_count; i++) {
		unsigned k = (a.rtt_head + (unsigned)i) % TT_RTT_SLOTS;
		const struct tt_rtt_ring *ra = tt_flow_slab_at(m->ring, a.ring);
		const struct tt_rtt_ring *rb = tt_flow_slab_at(m->ring, b.ring);
		cr_assert(memcmp(&ra->slot[k], &rb->slot[k], sizeof(ra->slot[k])) == 0,
		          "seed %" PRIu64 " segment %d: timed segment %d", seed, seg, i);
	}
	a.ring = b.ring = 0;
	cr_assert(memcmp(&a, &b, sizeof(a)) == 0,
	          "seed %" PRIu64 " segment %d: directions differ from byte %zu", seed, seg,
	          first_difference(&a, &b, sizeof(a)));
}

static void assert_times_same(const struct tt_rtimes *a, const struct tt_rtimes *b, uint64_t seed,
                              int seg)
{
	cr_assert_eq(a->set, b->set, "seed %" PRIu64 " segment %d: times set", seed, seg);
	for (int s = 0; s < TT_RT_NSCALAR; s++)
		cr_assert_eq(tt_rt_get(a, s), tt_rt_get(b, s), "seed %" PRIu64 " segment %d: time %d",
		             seed, seg, s);
}

/* A segment of a random but plausible conversation: mostly the sender's next
 * bytes or a pure ACK (what prediction takes), with re-sends, gaps, keep-alives,
 * zero windows, window changes, duplicate and stale ACKs, ACKs of bytes never
 * captured, SACK blocks, timestamps, IP IDs, and now and then a FIN or RST. */
static struct tt_packet random_seg(uint32_t nxt[2], const uint16_t win[2], int s, tt_time_ns ts,
                                   uint16_t ipid[2])
{
	static const uint32_t lens[] = {0, 0, 0, 1, 100, 536, 1448, 1448, 2896};
	uint32_t len = lens[rnd(sizeof(lens) / sizeof(lens[0]))], r = rnd(100);

	if (rnd(60) == 0) /* now and then 1.5 GB at once: counters and marks carry past 32 bits */
		len = 1500000000u + rnd(1000);
	uint32_t seq = nxt[s], ack = nxt[!s];
	uint16_t flags = TT_TH_ACK;
	struct tt_packet p;

	if (r < 8)
		seq -= rnd(3000) + 1; /* re-sent, or reordered */
	else if (r < 12)
		seq += rnd(3000) + 1; /* a gap */
	else if (r < 15)
		seq -= 1, len = rnd(2); /* keep-alive */
	else if (r < 17)
		flags |= TT_TH_FIN;
	else if (r == 17)
		flags = TT_TH_RST | (rnd(2) ? TT_TH_ACK : 0);
	r = rnd(100);
	if (r < 15)
		ack -= rnd(2) ? 0 : rnd(5000); /* duplicate or stale */
	else if (r < 18)
		ack += rnd(4000) + 1; /* bytes the capture missed */
	p = seg(flags, seq, ack, win[s], len);
	p.ts = ts;
	if (rnd(4) == 0)
		p.flags |= TT_TH_PSH;
	if (rnd(3) > 0) {
		p.opts.has_ts = true;
		p.opts.ts_val = (uint32_t)(ts / 1000000);
		p.opts.ts_ecr = (uint32_t)(ts / 1000000) - rnd(50);
	}
	if (rnd(10) == 0) {
		p.opts.n_sack = (uint8_t)(1 + rnd(TT_MAX_SACK_BLOCKS));
		for (int i = 0; i < p.opts.n_sack; i++) {
			p.opts.sack[i][0] = nxt[!s] + rnd(6000);
			p.opts.sack[i][1] = p.opts.sack[i][0] + 1 + rnd(3000);
		}
	}
	ipid[s] = (uint16_t)(ipid[s] + (rnd(20) == 0 ? rnd(60000) : 1));
	p.ip_id = ipid[s];
	if (tt_seq_after(seq + len + ((flags & TT_TH_FIN) ? 1u : 0u), nxt[s]))
		nxt[s] = seq + len + ((flags & TT_TH_FIN) ? 1u : 0u);
	return p;
}

/* Random conversations, each analysed twice: the way tt_analysis_segment()
 * goes (the short way when it takes the segment, else the whole way) and
 * always the whole way; after every segment both must have found the same
 * conditions and left the same state.  Some conversations open with a
 * handshake (options, window scaling), the others are picked up in the
 * middle; sequence numbers start anywhere, so they wrap too; in half of them
 * the caller gives the segment's time stamp, as the tracker does. */
Test(seq, prediction_agrees_with_the_whole_analysis)
{
	const struct tt_dir_slabs *m = test_slabs();
	uint64_t predicted = 0, total = 0, wide = 0;

	for (uint64_t seed = 1; seed <= 1500; seed++) {
		struct way *w = calloc(2, sizeof(*w));
		uint32_t nxt[2];
		uint16_t win[2] = {65535, 65535}, ipid[2] = {1, 1};
		tt_time_ns ts = INT64_C(1700000000) * TT_NS_PER_SEC + (tt_time_ns)(seed % 7) * 1000;
		bool hs = seed % 3 != 0;

		cr_assert_not_null(w);
		rnd_state = seed * UINT64_C(0x9e3779b97f4a7c15);
		nxt[0] = rnd(UINT32_MAX);
		nxt[1] = seed % 5 == 0 ? UINT32_MAX - rnd(20000) : rnd(UINT32_MAX);
		tt_rt_init(&w[0].rt, ts);
		tt_rt_init(&w[1].rt, ts);
		for (int i = 0; i < 200; i++) {
			struct tt_seg_info ia, ib;
			struct tt_packet p;
			struct tt_rt_stamp na, nb;
			int s = (int)rnd(2);
			bool given = seed % 2 == 0;

			ts += (tt_time_ns)rnd(3000) * 1000;
			if (hs && i < 2) { /* SYN, SYN,ACK */
				s = i;
				p = seg(i == 0 ? TT_TH_SYN : TT_TH_SYN | TT_TH_ACK, nxt[s], i ? nxt[0] : 0,
				        win[s], 0);
				p.ts = ts;
				p.opts.has_mss = true;
				p.opts.mss = 1460;
				p.opts.has_wscale = seed % 4 != 0;
				p.opts.wscale = (uint8_t)rnd(9);
				p.opts.sack_permitted = true;
				nxt[s]++;
			} else {
				if (rnd(12) == 0) /* a window change, now and then to zero */
					win[s] = rnd(4) == 0 ? 0 : (uint16_t)rnd(65536);
				p = random_seg(nxt, win, s, ts, ipid);
			}
			na = tt_rt_stamp(&w[0].rt, p.ts);
			nb = tt_rt_stamp(&w[1].rt, p.ts);
			if (tt_analysis_segment_predicted(m, &w[0].rt, given ? &na : NULL, s, &w[0].d[s],
			                                  &w[0].d[!s], &p, &ia))
				predicted++;
			else
				ia = tt_analysis_segment_full(m, &w[0].rt, given ? &na : NULL, s,
				                              &w[0].d[s], &w[0].d[!s], &p, 3000000);
			ib = tt_analysis_segment_full(m, &w[1].rt, given ? &nb : NULL, s, &w[1].d[s],
			                              &w[1].d[!s], &p, 3000000);
			if (hs && i == 1) {
				tt_analysis_negotiate(&w[0].d[0], &w[0].d[1]);
				tt_analysis_negotiate(&w[1].d[0], &w[1].d[1]);
			}
			cr_assert_eq(ia.anomalies, ib.anomalies,
			             "seed %" PRIu64 " segment %d: conditions %#x, the whole way %#x", seed,
			             i, ia.anomalies, ib.anomalies);
			assert_dirs_same(&w[0].d[0], &w[1].d[0], seed, i);
			assert_dirs_same(&w[0].d[1], &w[1].d[1], seed, i);
			assert_times_same(&w[0].rt, &w[1].rt, seed, i);
			total++;
		}
		wide += w[0].d[0].wide_ctr || w[0].d[1].wide_ctr;
		for (int d = 0; d < 2; d++) {
			tt_dir_release(m, &w[0].d[d]);
			tt_dir_release(m, &w[1].d[d]);
		}
		free(w);
	}
	/* (The streams exercise the short way, and counters past 32 bits.) */
	cr_log_info("%" PRIu64 " of %" PRIu64 " segments predicted; %" PRIu64
	            " conversations with wide counters", predicted, total, wide);
	cr_assert_gt(predicted * 4, total, "%" PRIu64 " of %" PRIu64 " predicted", predicted, total);
	cr_assert_gt(wide, 100, "%" PRIu64 " conversations with wide counters", wide);
}
