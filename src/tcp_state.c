/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_state.c - the endpoint state machine of RFC 793 §3.2 / RFC 9293 §3.3.2,
 * as one table.  Read it beside RFC 9293 Figure 5 ("TCP Connection State
 * Diagram") and §3.10 ("Event Processing").
 *
 * Vantage point: tcptrack sees segments on the wire, not inside the hosts.  A
 * segment is taken to be sent and received at its capture time.  Besides the
 * RFC's transitions the table has "proof" transitions: a segment an endpoint
 * sends can prove a state it must have reached even when the segment that took
 * it there was not captured (an ACK of the peer's SYN proves ESTABLISHED).
 *
 * Cells not written mean "no change".
 */
#include "tcptrack/tcp_state.h"
#include "tcptrack/decode.h"

#include <string.h>

/*
 * next[state][event] holds the next state plus one: 0 (the default of every
 * cell not written) means "no transition", and TT_TCP_CELL_REARM none either
 * but a restart of TIME-WAIT's timer.  Rows cite RFC 9293.  16 by 16, the
 * states and events beyond the last none: a step is one bounds check and a
 * shift, not two checks and a multiply (the tracker steps a dozen times a
 * connection).
 */
#define TO(s) ((uint8_t)((s) + 1))
#define STEP_DIM 16

_Static_assert(TT_TCP_NSTATES <= STEP_DIM && TT_EV_NUM <= STEP_DIM, "the table holds them");

static const uint8_t next_state[STEP_DIM][STEP_DIM] = {
	/* CLOSED: no connection (yet, or any more).  §3.10.1 OPEN, active: send
	 * SYN, enter SYN-SENT.  A SYN,ACK from an endpoint never seen listening
	 * proves it was (the tracker dates its LISTEN and SYN_RCVD). */
	[TT_TCP_CLOSED] = {
		[TT_EV_SND_SYN] = TO(TT_TCP_SYN_SENT),
		[TT_EV_SND_SYNACK] = TO(TT_TCP_SYN_RCVD),
	},
	/* LISTEN: §3.10.7.2, a SYN is answered by SYN,ACK: SYN-RECEIVED.  Taken
	 * when the SYN,ACK proves it; a SYN to a closed port gets an RST instead. */
	[TT_TCP_LISTEN] = {
		[TT_EV_SND_SYNACK] = TO(TT_TCP_SYN_RCVD),
		[TT_EV_SND_SYN] = TO(TT_TCP_SYN_SENT),         /* §3.10.2 SEND in LISTEN */
	},
	/* SYN-SENT: §3.10.7.3. */
	[TT_TCP_SYN_SENT] = {
		[TT_EV_RCV_SYNACK] = TO(TT_TCP_ESTABLISHED),   /* our SYN acknowledged */
		[TT_EV_RCV_SYN] = TO(TT_TCP_SYN_RCVD),         /* simultaneous open */
		[TT_EV_SND_SYNACK] = TO(TT_TCP_SYN_RCVD),      /* ditto, peer's SYN not captured */
		[TT_EV_SND_ACK_OF_SYN] = TO(TT_TCP_ESTABLISHED), /* proof: SYN,ACK not captured */
		[TT_EV_RCV_RST] = TO(TT_TCP_CLOSED),           /* refused: RST acking our SYN */
		[TT_EV_SND_RST] = TO(TT_TCP_CLOSED),
	},
	/* SYN-RECEIVED: §3.10.7.4, fifth check (ACK) and eighth (FIN);
	 * §3.10.4 CLOSE in SYN-RECEIVED sends FIN. */
	[TT_TCP_SYN_RCVD] = {
		[TT_EV_RCV_ACK_OF_SYN] = TO(TT_TCP_ESTABLISHED),
		[TT_EV_RCV_SYNACK] = TO(TT_TCP_ESTABLISHED),   /* simultaneous open */
		[TT_EV_SND_ACK_OF_SYN] = TO(TT_TCP_ESTABLISHED), /* proof */
		[TT_EV_SND_FIN] = TO(TT_TCP_FIN_WAIT_1),
		[TT_EV_RCV_FIN] = TO(TT_TCP_CLOSE_WAIT),
		[TT_EV_RCV_RST] = TO(TT_TCP_CLOSED),
		[TT_EV_SND_RST] = TO(TT_TCP_CLOSED),
	},
	/* ESTABLISHED: §3.10.4 CLOSE sends FIN: FIN-WAIT-1; §3.10.7.4 eighth
	 * check, the peer's FIN: CLOSE-WAIT. */
	[TT_TCP_ESTABLISHED] = {
		[TT_EV_SND_FIN] = TO(TT_TCP_FIN_WAIT_1),
		[TT_EV_RCV_FIN] = TO(TT_TCP_CLOSE_WAIT),
		[TT_EV_SND_ACK_OF_FIN] = TO(TT_TCP_CLOSE_WAIT), /* proof */
		[TT_EV_RCV_RST] = TO(TT_TCP_CLOSED),
		[TT_EV_SND_RST] = TO(TT_TCP_CLOSED),
	},
	/* FIN-WAIT-1: our FIN acked: FIN-WAIT-2; the peer's FIN: CLOSING; both in
	 * one segment: TIME-WAIT at once (§3.10.7.4 eighth check). */
	[TT_TCP_FIN_WAIT_1] = {
		[TT_EV_RCV_ACK_OF_FIN] = TO(TT_TCP_FIN_WAIT_2),
		[TT_EV_RCV_FIN] = TO(TT_TCP_CLOSING),
		[TT_EV_RCV_FIN_ACK_OF_FIN] = TO(TT_TCP_TIME_WAIT),
		[TT_EV_SND_ACK_OF_FIN] = TO(TT_TCP_CLOSING),   /* proof */
		[TT_EV_RCV_RST] = TO(TT_TCP_CLOSED),
		[TT_EV_SND_RST] = TO(TT_TCP_CLOSED),
	},
	/* FIN-WAIT-2: the peer's FIN: TIME-WAIT. */
	[TT_TCP_FIN_WAIT_2] = {
		[TT_EV_RCV_FIN] = TO(TT_TCP_TIME_WAIT),
		[TT_EV_RCV_FIN_ACK_OF_FIN] = TO(TT_TCP_TIME_WAIT),
		[TT_EV_SND_ACK_OF_FIN] = TO(TT_TCP_TIME_WAIT),  /* proof */
		[TT_EV_RCV_RST] = TO(TT_TCP_CLOSED),
		[TT_EV_SND_RST] = TO(TT_TCP_CLOSED),
	},
	/* CLOSE-WAIT: §3.10.4 CLOSE sends FIN: LAST-ACK. */
	[TT_TCP_CLOSE_WAIT] = {
		[TT_EV_SND_FIN] = TO(TT_TCP_LAST_ACK),
		[TT_EV_RCV_RST] = TO(TT_TCP_CLOSED),
		[TT_EV_SND_RST] = TO(TT_TCP_CLOSED),
	},
	/* CLOSING (simultaneous close): our FIN acked: TIME-WAIT. */
	[TT_TCP_CLOSING] = {
		[TT_EV_RCV_ACK_OF_FIN] = TO(TT_TCP_TIME_WAIT),
		[TT_EV_RCV_FIN_ACK_OF_FIN] = TO(TT_TCP_TIME_WAIT),
		[TT_EV_RCV_RST] = TO(TT_TCP_CLOSED),
		[TT_EV_SND_RST] = TO(TT_TCP_CLOSED),
	},
	/* LAST-ACK: our FIN acked: CLOSED. */
	[TT_TCP_LAST_ACK] = {
		[TT_EV_RCV_ACK_OF_FIN] = TO(TT_TCP_CLOSED),
		[TT_EV_RCV_FIN_ACK_OF_FIN] = TO(TT_TCP_CLOSED),
		[TT_EV_RCV_RST] = TO(TT_TCP_CLOSED),
		[TT_EV_SND_RST] = TO(TT_TCP_CLOSED),
	},
	/* TIME-WAIT: 2*MSL later CLOSED (§3.10.8).  An RST ends it, as Linux
	 * does by default (net.ipv4.tcp_rfc1337 = 0; RFC 1337 would ignore it).
	 * A FIN retransmitted into it is acknowledged again and restarts the
	 * 2*MSL timer (§3.10.7.4): no transition, a rearm. */
	[TT_TCP_TIME_WAIT] = {
		[TT_EV_TIMEOUT] = TO(TT_TCP_CLOSED),
		[TT_EV_RCV_RST] = TO(TT_TCP_CLOSED),
		[TT_EV_SND_RST] = TO(TT_TCP_CLOSED),
		[TT_EV_RCV_FIN] = TT_TCP_CELL_REARM,
		[TT_EV_RCV_FIN_ACK_OF_FIN] = TT_TCP_CELL_REARM,
	},
};

uint8_t tt_tcp_cell(enum tt_tcp_state state, enum tt_tcp_event ev)
{
	if (((unsigned)state | (unsigned)ev) >= STEP_DIM)
		return 0; /* (below STEP_DIM, the table says no transition) */
	return next_state[state][ev];
}

enum tt_tcp_state tt_tcp_step(enum tt_tcp_state state, enum tt_tcp_event ev, bool *rearm)
{
	uint8_t cell = tt_tcp_cell(state, ev);

	if (rearm != NULL)
		*rearm = cell == TT_TCP_CELL_REARM;
	return tt_tcp_cell_next(state, cell);
}

bool tt_tcp_step_defined(enum tt_tcp_state state, enum tt_tcp_event ev)
{
	uint8_t cell = tt_tcp_cell(state, ev);

	return cell != 0 && cell != TT_TCP_CELL_REARM;
}

static void push(struct tt_tcp_events *e, enum tt_tcp_event ev)
{
	if (e->n < sizeof(e->ev))
		e->ev[e->n++] = (uint8_t)ev;
}

void tt_tcp_classify(const struct tt_seg_facts *f, struct tt_tcp_events *snd,
                     struct tt_tcp_events *rcv)
{
	bool syn = (f->flags & TT_TH_SYN) != 0;
	bool ack = (f->flags & TT_TH_ACK) != 0;
	bool fin = (f->flags & TT_TH_FIN) != 0;

	snd->n = 0;
	rcv->n = 0;
	if (f->flags & TT_TH_RST) {
		/* The sender of an RST has no connection any more, unless the
		 * receiver rejects the RST (then it may be blind or forged, RFC
		 * 5961); the receiver acts only on an acceptable one. */
		if (!f->rst_rejected)
			push(snd, TT_EV_SND_RST);
		if (f->rst_acceptable)
			push(rcv, TT_EV_RCV_RST);
		return;
	}
	if (syn) {
		if (ack) {
			push(snd, TT_EV_SND_SYNACK);
			if (f->acks_peer_syn)
				push(rcv, TT_EV_RCV_SYNACK);
		} else {
			push(snd, TT_EV_SND_SYN);
			push(rcv, TT_EV_RCV_SYN);
		}
		return;
	}
	/* Sender: what the ACK field proves first, then its own FIN. */
	if (ack && f->acks_peer_syn)
		push(snd, TT_EV_SND_ACK_OF_SYN);
	if (ack && f->acks_peer_fin)
		push(snd, TT_EV_SND_ACK_OF_FIN);
	if (fin && f->fin_is_new)
		push(snd, TT_EV_SND_FIN);
	/* Receiver: the acknowledgement is processed before the FIN (§3.10.7.4). */
	if (ack && f->acks_peer_syn)
		push(rcv, TT_EV_RCV_ACK_OF_SYN);
	if (fin)
		push(rcv, ack && f->acks_peer_fin ? TT_EV_RCV_FIN_ACK_OF_FIN : TT_EV_RCV_FIN);
	else if (ack && f->acks_peer_fin)
		push(rcv, TT_EV_RCV_ACK_OF_FIN);
}

static const char *const state_names[TT_TCP_NSTATES] = {
	[TT_TCP_CLOSED] = "CLOSED",
	[TT_TCP_LISTEN] = "LISTEN",
	[TT_TCP_SYN_SENT] = "SYN_SENT",
	[TT_TCP_SYN_RCVD] = "SYN_RCVD",
	[TT_TCP_ESTABLISHED] = "ESTABLISHED",
	[TT_TCP_FIN_WAIT_1] = "FIN_WAIT_1",
	[TT_TCP_FIN_WAIT_2] = "FIN_WAIT_2",
	[TT_TCP_CLOSE_WAIT] = "CLOSE_WAIT",
	[TT_TCP_CLOSING] = "CLOSING",
	[TT_TCP_LAST_ACK] = "LAST_ACK",
	[TT_TCP_TIME_WAIT] = "TIME_WAIT",
};

const char *tt_tcp_state_name(enum tt_tcp_state s)
{
	return (unsigned)s < TT_TCP_NSTATES ? state_names[s] : "?";
}

int tt_tcp_state_from_name(const char *name)
{
	for (int i = 0; i < TT_TCP_NSTATES; i++)
		if (strcmp(name, state_names[i]) == 0)
			return i;
	return -1;
}

static const char *const event_names[TT_EV_NUM] = {
	[TT_EV_SND_SYN] = "SND_SYN",
	[TT_EV_SND_SYNACK] = "SND_SYNACK",
	[TT_EV_SND_ACK_OF_SYN] = "SND_ACK_OF_SYN",
	[TT_EV_SND_ACK_OF_FIN] = "SND_ACK_OF_FIN",
	[TT_EV_SND_FIN] = "SND_FIN",
	[TT_EV_SND_RST] = "SND_RST",
	[TT_EV_RCV_SYN] = "RCV_SYN",
	[TT_EV_RCV_SYNACK] = "RCV_SYNACK",
	[TT_EV_RCV_ACK_OF_SYN] = "RCV_ACK_OF_SYN",
	[TT_EV_RCV_ACK_OF_FIN] = "RCV_ACK_OF_FIN",
	[TT_EV_RCV_FIN] = "RCV_FIN",
	[TT_EV_RCV_FIN_ACK_OF_FIN] = "RCV_FIN_ACK_OF_FIN",
	[TT_EV_RCV_RST] = "RCV_RST",
	[TT_EV_TIMEOUT] = "TIMEOUT",
};

const char *tt_tcp_event_name(enum tt_tcp_event ev)
{
	return (unsigned)ev < TT_EV_NUM ? event_names[ev] : "?";
}
