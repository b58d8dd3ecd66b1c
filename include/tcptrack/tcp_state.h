/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_state.h - the RFC 793 endpoint state machine, as seen from the capture point.
 *
 * Each connection has two endpoints (client, server), each running its own
 * machine.  Every captured segment yields a short ordered list of events for
 * the endpoint that sent it and for the endpoint that receives it; each event
 * is looked up in one transition table (src/tcp_state.c).  Vantage-point rule:
 * a segment is "sent" and "received" at its capture time.
 */
#ifndef TCPTRACK_TCP_STATE_H
#define TCPTRACK_TCP_STATE_H

#include "tcptrack/common.h"

/* The eleven states of RFC 793 §3.2 (RFC 9293 §3.3.2). */
enum tt_tcp_state {
	TT_TCP_CLOSED = 0,
	TT_TCP_LISTEN,
	TT_TCP_SYN_SENT,
	TT_TCP_SYN_RCVD,
	TT_TCP_ESTABLISHED,
	TT_TCP_FIN_WAIT_1,
	TT_TCP_FIN_WAIT_2,
	TT_TCP_CLOSE_WAIT,
	TT_TCP_CLOSING,
	TT_TCP_LAST_ACK,
	TT_TCP_TIME_WAIT,
	TT_TCP_NSTATES
};

/* Events, one endpoint's view of one segment (or of the clock). */
enum tt_tcp_event {
	/* the endpoint sent ... */
	TT_EV_SND_SYN = 0,      /* SYN without ACK */
	TT_EV_SND_SYNACK,       /* SYN with ACK */
	TT_EV_SND_ACK_OF_SYN,   /* a non-SYN segment acknowledging the peer's SYN */
	TT_EV_SND_ACK_OF_FIN,   /* a segment acknowledging the peer's FIN */
	TT_EV_SND_FIN,          /* its first FIN (retransmissions are no event) */
	TT_EV_SND_RST,
	/* the endpoint received ... */
	TT_EV_RCV_SYN,          /* the peer's SYN without ACK */
	TT_EV_RCV_SYNACK,       /* SYN,ACK acknowledging its SYN */
	TT_EV_RCV_ACK_OF_SYN,   /* a non-SYN segment acknowledging its SYN */
	TT_EV_RCV_ACK_OF_FIN,   /* a segment without FIN acknowledging its FIN */
	TT_EV_RCV_FIN,          /* the peer's FIN, not acknowledging a FIN of its own */
	TT_EV_RCV_FIN_ACK_OF_FIN, /* the peer's FIN together with the ACK of its own FIN */
	TT_EV_RCV_RST,          /* an acceptable RST */
	/* the clock */
	TT_EV_TIMEOUT,          /* 2*MSL elapsed in TIME_WAIT */
	TT_EV_NUM
};

/* What a segment tells the state machine; filled by the tracker. */
struct tt_seg_facts {
	uint16_t flags;             /* TT_TH_* */
	bool acks_peer_syn;         /* ACK set and ack covers the receiver's SYN */
	bool acks_peer_fin;         /* ACK set and ack covers the receiver's FIN */
	bool fin_is_new;            /* the FIN is the sender's first FIN */
	bool rst_acceptable;        /* the receiver would accept this RST (RFC 9293 §3.10.7.3) */
	bool rst_rejected;          /* the receiver was able to judge it and would reject it */
};

/* Events for one endpoint, in the order they apply. */
struct tt_tcp_events {
	uint8_t n;
	uint8_t ev[4];
};

/**
 * Classify a segment into the sender's and the receiver's events (pure function).
 * @param f   the segment's facts
 * @param snd receives the sender's events
 * @param rcv receives the receiver's events
 */
void tt_tcp_classify(const struct tt_seg_facts *f, struct tt_tcp_events *snd,
                     struct tt_tcp_events *rcv);

/**
 * One step of the machine.
 * @param state current state
 * @param ev    event
 * @param rearm optional: set true when the event restarts the TIME_WAIT timer
 *              (a FIN retransmitted into TIME_WAIT, RFC 9293 §3.10.7.4)
 * @return the next state; equal to state when the event changes nothing.
 */
enum tt_tcp_state tt_tcp_step(enum tt_tcp_state state, enum tt_tcp_event ev, bool *rearm);

/*
 * One step as the table has it, for a caller that skips the events that
 * change nothing with one test: 0 when the event changes nothing,
 * TT_TCP_CELL_REARM when it restarts the TIME_WAIT timer and changes no
 * state (tt_tcp_step()'s rearm), else the next state plus one.
 */
#define TT_TCP_CELL_REARM 0x80
uint8_t tt_tcp_cell(enum tt_tcp_state state, enum tt_tcp_event ev);

/** @return the state after a step whose cell (tt_tcp_cell()) is `cell`, from `state`. */
static inline enum tt_tcp_state tt_tcp_cell_next(enum tt_tcp_state state, uint8_t cell)
{
	return cell == 0 || cell == TT_TCP_CELL_REARM ? state : (enum tt_tcp_state)(cell - 1);
}

/** @return true if the step (state, ev) is defined in the table (not ignored). */
bool tt_tcp_step_defined(enum tt_tcp_state state, enum tt_tcp_event ev);

/** @return the RFC 793 name with underscores ("SYN_SENT"); "?" when out of range. */
const char *tt_tcp_state_name(enum tt_tcp_state s);

/** Parse a state name as printed by tt_tcp_state_name(). @return the state, or -1. */
int tt_tcp_state_from_name(const char *name);

/** @return the name of an event ("RCV_FIN"), for diagnostics and tests. */
const char *tt_tcp_event_name(enum tt_tcp_event ev);

#endif /* TCPTRACK_TCP_STATE_H */
