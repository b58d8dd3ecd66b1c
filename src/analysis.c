/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * analysis.c - sequence/acknowledgement accounting of one direction.
 *
 * Sequence numbers are kept relative to the direction's base (its ISN, or the
 * first sequence number seen minus one for a connection picked up mid-stream,
 * as Wireshark does) and unwrapped to 64 bits around the highest sequence
 * number seen, so 32-bit wraparound (RFC 9293 §3.4) never confuses counts.
 */
#include "tcptrack/analysis.h"

uint64_t tt_dir_rel_seq(const struct tt_dir *d, uint32_t seq)
{
	uint32_t ref = d->base + (uint32_t)d->seq_next;
	int64_t rel = (int64_t)d->seq_next + (int32_t)(seq - ref);
	return rel < 0 ? 0 : (uint64_t)rel;
}

static void set_base(struct tt_dir *d, uint32_t base)
{
	d->base = base;
	d->seq_next = 1;
	d->has_base = true;
}

static void learn_syn(struct tt_dir *d, const struct tt_packet *p)
{
	d->isn = p->seq;
	d->has_isn = true;
	d->base = p->seq;
	d->seq_next = 0;
	d->has_base = true;
	d->has_mss = p->opts.has_mss;
	d->mss = p->opts.mss;
	d->has_wscale = p->opts.has_wscale;
	d->wscale = p->opts.wscale;
	d->sack_ok = p->opts.sack_permitted;
	d->ts_ok = p->opts.has_ts;
}

void tt_analysis_negotiate(struct tt_dir *c2s, struct tt_dir *s2c)
{
	/* RFC 7323 §2.2: scaling is in effect only if both SYNs carried the
	 * option; shifts above 14 are treated as 14 (§2.3). */
	bool on = c2s->has_wscale && s2c->has_wscale;
	c2s->shift = on ? (uint8_t)(c2s->wscale > 14 ? 14 : c2s->wscale) : 0;
	s2c->shift = on ? (uint8_t)(s2c->wscale > 14 ? 14 : s2c->wscale) : 0;
}

static void account_window(struct tt_dir *d, const struct tt_packet *p, bool syn)
{
	/* The window field of a SYN is never scaled (RFC 7323 §2.2). */
	uint32_t w = syn ? p->win : (uint32_t)p->win << d->shift;

	d->win_last = w;
	d->win_last_raw = p->win;
	if (!d->has_win || w < d->win_min)
		d->win_min = w;
	if (!d->has_win || w > d->win_max)
		d->win_max = w;
	d->has_win = true;
}

static void account_ack(struct tt_dir *snd, struct tt_dir *rcv, uint32_t ack)
{
	uint64_t arel;

	if (!rcv->has_base)
		set_base(rcv, ack - 1); /* one-sided capture: the ack names the peer's next byte */
	arel = tt_dir_rel_seq(rcv, ack);
	if (!snd->has_ack) {
		snd->ack_first = snd->ack_max = arel;
		snd->has_ack = true;
	} else if (arel > snd->ack_max) {
		/* Payload bytes only: the peer's FIN occupies a number too. */
		uint64_t fin_rel = rcv->has_fin ? tt_dir_rel_seq(rcv, rcv->fin_seq) : 0;
		snd->bytes_acked += arel - snd->ack_max;
		if (rcv->has_fin && fin_rel >= snd->ack_max && fin_rel < arel)
			snd->bytes_acked--;
		snd->ack_max = arel;
	}
}

void tt_analysis_segment(struct tt_dir *snd, struct tt_dir *rcv, const struct tt_packet *p,
                         struct tt_seg_info *info)
{
	bool syn = (p->flags & TT_TH_SYN) != 0;
	bool fin = (p->flags & TT_TH_FIN) != 0;
	bool rst = (p->flags & TT_TH_RST) != 0;
	bool first = !snd->has_base;
	uint64_t rel, end, data_start, data_end, prev_next;

	info->is_retransmission = false;
	info->is_keepalive = false;
	info->is_lost_before = false;
	info->is_zero_window = false;

	snd->packets++;
	snd->payload_bytes += p->payload_len;
	if (syn) {
		snd->syn++;
		if (!snd->has_isn)
			learn_syn(snd, p);
	}
	if (!snd->has_base)
		set_base(snd, p->seq - 1);

	rel = tt_dir_rel_seq(snd, p->seq);
	data_start = rel + (syn ? 1 : 0);
	data_end = data_start + p->payload_len;
	end = data_end + (fin ? 1 : 0);
	prev_next = snd->seq_next;

	if (!rst) {
		bool peer_window_zero = rcv->has_win && rcv->win_last == 0;
		if (!syn && !fin && p->payload_len <= 1 && prev_next > 0 && rel + 1 == prev_next) {
			/* One byte (or none) below the next sequence number: a
			 * keep-alive (RFC 9293 §3.8.4), or, while the peer's window
			 * is zero, the same segment used as a zero-window probe
			 * (Linux tcp_xmit_probe_skb()). */
			if (peer_window_zero) {
				snd->zero_window_probes++;
			} else {
				snd->keepalives++;
				info->is_keepalive = true;
			}
		} else if (!syn && !fin && p->payload_len == 1 && rel == prev_next &&
		           peer_window_zero && !first) {
			/* One new byte into a zero window (RFC 9293 §3.8.6.1). */
			snd->zero_window_probes++;
		} else if (syn && (p->flags & TT_TH_ACK) && !snd->sent_synack) {
			/* Simultaneous open: the SYN,ACK repeats the SYN's number
			 * by design (RFC 9293 Figure 8); not a retransmission. */
		} else if (end > rel && rel < prev_next && !first) {
			snd->retransmissions++;
			info->is_retransmission = true;
		} else if (rel > prev_next && !first) {
			snd->lost_segments++;
			info->is_lost_before = true;
		}
	}
	if (data_end > data_start && data_end > prev_next)
		snd->unique_bytes += data_end - (data_start > prev_next ? data_start : prev_next);
	if (end > snd->seq_next)
		snd->seq_next = end;

	if (fin) {
		snd->fin++;
		if (!snd->has_fin) {
			snd->has_fin = true;
			snd->fin_seq = p->seq + (syn ? 1u : 0u) + p->payload_len;
		}
	}
	if (rst)
		snd->rst++;
	if (syn && (p->flags & TT_TH_ACK))
		snd->sent_synack = true;
	if (p->flags & TT_TH_ACK)
		account_ack(snd, rcv, p->ack);
	if (!rst) {
		account_window(snd, p, syn);
		if (p->win == 0 && !syn && !fin) {
			snd->zero_windows++;
			info->is_zero_window = true;
		}
	}
}
