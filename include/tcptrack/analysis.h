/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * analysis.h - per-direction sequence and acknowledgement accounting: ISN,
 * relative sequence numbers with 32-bit wraparound, unique vs re-sent bytes,
 * acknowledgements, window advertisements, and the anomaly counters.
 */
#ifndef TCPTRACK_ANALYSIS_H
#define TCPTRACK_ANALYSIS_H

#include "tcptrack/common.h"
#include "tcptrack/decode.h"

/* Sequence comparison modulo 2^32 (RFC 9293 §3.4; Linux before()/after()). */
static inline bool tt_seq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}
static inline bool tt_seq_after(uint32_t a, uint32_t b)
{
	return tt_seq_before(b, a);
}
/** @return true when lo <= x <= hi modulo 2^32. */
static inline bool tt_seq_between(uint32_t x, uint32_t lo, uint32_t hi)
{
	return hi - lo >= x - lo;
}

/* One direction of a connection: what one endpoint sent. */
struct tt_dir {
	uint64_t packets;
	uint64_t payload_bytes;     /* TCP payload, retransmissions included */
	uint64_t unique_bytes;      /* payload bytes of sequence space sent for the first time */
	uint64_t bytes_acked;       /* peer payload bytes newly acknowledged by this side */
	uint32_t syn, fin, rst;     /* segments with the flag (syn counts SYN and SYN,ACK) */

	uint32_t isn;               /* valid if has_isn */
	uint32_t base;              /* relative sequence 0 (isn, or first seq - 1) */
	uint64_t seq_next;          /* highest relative sequence end sent, unwrapped */
	uint64_t ack_first, ack_max; /* relative acks (in the peer's space), unwrapped */
	uint32_t fin_seq;           /* raw sequence number of the first FIN */

	uint16_t mss;
	uint8_t wscale;             /* as sent in the SYN */
	uint8_t shift;              /* applied shift: wscale if both SYNs carried it, else 0 */
	uint32_t win_min, win_max, win_last; /* scaled by shift (SYN windows never scaled) */
	uint16_t win_last_raw;
	uint32_t zero_windows;

	uint32_t retransmissions, fast_retransmissions, spurious_retransmissions;
	uint32_t out_of_order, lost_segments, dup_acks, window_full, window_updates;
	uint32_t zero_window_probes, keepalives, keepalive_acks;
	uint32_t icmp_errors;       /* ICMP errors quoting a segment of this direction */

	bool has_isn, has_base, has_ack, has_win, has_fin;
	bool has_mss, has_wscale, sack_ok, ts_ok;
	bool sent_synack;
};

/* What a segment was, for the state machine and the event stream. */
struct tt_seg_info {
	bool is_retransmission;
	bool is_keepalive;
	bool is_lost_before;        /* sequence gap: previous segment not captured */
	bool is_zero_window;
};

/**
 * Convert a raw sequence number of this direction to a relative one, unwrapped
 * to 64 bits around the highest sequence seen.  The direction must have a base.
 */
uint64_t tt_dir_rel_seq(const struct tt_dir *d, uint32_t seq);

/**
 * Account one segment sent in direction snd, received by the other side (rcv).
 * Sets the bases on first sight, learns handshake options, updates counters.
 */
void tt_analysis_segment(struct tt_dir *snd, struct tt_dir *rcv, const struct tt_packet *p,
                         struct tt_seg_info *info);

/** After both SYNs: apply RFC 7323 §2.2 (scale only if both sent the option). */
void tt_analysis_negotiate(struct tt_dir *c2s, struct tt_dir *s2c);

#endif /* TCPTRACK_ANALYSIS_H */
