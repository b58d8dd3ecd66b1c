/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_tcp_state.c - the endpoint state machine (src/tcp_state.c): every
 * defined cell of the transition table next to RFC 9293 §3.10, every
 * undefined cell, the TIME-WAIT rearm, the segment classifier, complete
 * connection paths driven through tt_tcp_classify() + tt_tcp_step() for both
 * endpoints, and the state and event names.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "tcptrack/decode.h"
#include "tcptrack/tcp_state.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the transition table ------------------------------------------------------------------ */

struct transition {
	enum tt_tcp_state from;
	enum tt_tcp_event ev;
	enum tt_tcp_state to;
};

/*
 * Every defined cell, written from RFC 9293 Figure 5 and §3.10 plus the
 * vantage-point "proof" transitions documented in src/tcp_state.c.
 */
static struct transition transitions[] = {
	/* CLOSED: §3.10.1 active OPEN sends SYN; a SYN,ACK proves a passive OPEN. */
	{TT_TCP_CLOSED, TT_EV_SND_SYN, TT_TCP_SYN_SENT},
	{TT_TCP_CLOSED, TT_EV_SND_SYNACK, TT_TCP_SYN_RCVD},
	/* LISTEN: §3.10.7.2 SYN answered by SYN,ACK; §3.10.2 SEND in LISTEN. */
	{TT_TCP_LISTEN, TT_EV_SND_SYNACK, TT_TCP_SYN_RCVD},
	{TT_TCP_LISTEN, TT_EV_SND_SYN, TT_TCP_SYN_SENT},
	/* SYN-SENT: §3.10.7.3. */
	{TT_TCP_SYN_SENT, TT_EV_RCV_SYNACK, TT_TCP_ESTABLISHED},
	{TT_TCP_SYN_SENT, TT_EV_RCV_SYN, TT_TCP_SYN_RCVD},
	{TT_TCP_SYN_SENT, TT_EV_SND_SYNACK, TT_TCP_SYN_RCVD},
	{TT_TCP_SYN_SENT, TT_EV_SND_ACK_OF_SYN, TT_TCP_ESTABLISHED},
	{TT_TCP_SYN_SENT, TT_EV_RCV_RST, TT_TCP_CLOSED},
	{TT_TCP_SYN_SENT, TT_EV_SND_RST, TT_TCP_CLOSED},
	/* SYN-RECEIVED: §3.10.7.4 fifth (ACK) and eighth (FIN) checks, §3.10.4 CLOSE. */
	{TT_TCP_SYN_RCVD, TT_EV_RCV_ACK_OF_SYN, TT_TCP_ESTABLISHED},
	{TT_TCP_SYN_RCVD, TT_EV_RCV_SYNACK, TT_TCP_ESTABLISHED},
	{TT_TCP_SYN_RCVD, TT_EV_SND_ACK_OF_SYN, TT_TCP_ESTABLISHED},
	{TT_TCP_SYN_RCVD, TT_EV_SND_FIN, TT_TCP_FIN_WAIT_1},
	{TT_TCP_SYN_RCVD, TT_EV_RCV_FIN, TT_TCP_CLOSE_WAIT},
	{TT_TCP_SYN_RCVD, TT_EV_RCV_RST, TT_TCP_CLOSED},
	{TT_TCP_SYN_RCVD, TT_EV_SND_RST, TT_TCP_CLOSED},
	/* ESTABLISHED: §3.10.4 CLOSE, §3.10.7.4 eighth check. */
	{TT_TCP_ESTABLISHED, TT_EV_SND_FIN, TT_TCP_FIN_WAIT_1},
	{TT_TCP_ESTABLISHED, TT_EV_RCV_FIN, TT_TCP_CLOSE_WAIT},
	{TT_TCP_ESTABLISHED, TT_EV_SND_ACK_OF_FIN, TT_TCP_CLOSE_WAIT},
	{TT_TCP_ESTABLISHED, TT_EV_RCV_RST, TT_TCP_CLOSED},
	{TT_TCP_ESTABLISHED, TT_EV_SND_RST, TT_TCP_CLOSED},
	/* FIN-WAIT-1 */
	{TT_TCP_FIN_WAIT_1, TT_EV_RCV_ACK_OF_FIN, TT_TCP_FIN_WAIT_2},
	{TT_TCP_FIN_WAIT_1, TT_EV_RCV_FIN, TT_TCP_CLOSING},
	{TT_TCP_FIN_WAIT_1, TT_EV_RCV_FIN_ACK_OF_FIN, TT_TCP_TIME_WAIT},
	{TT_TCP_FIN_WAIT_1, TT_EV_SND_ACK_OF_FIN, TT_TCP_CLOSING},
	{TT_TCP_FIN_WAIT_1, TT_EV_RCV_RST, TT_TCP_CLOSED},
	{TT_TCP_FIN_WAIT_1, TT_EV_SND_RST, TT_TCP_CLOSED},
	/* FIN-WAIT-2 */
	{TT_TCP_FIN_WAIT_2, TT_EV_RCV_FIN, TT_TCP_TIME_WAIT},
	{TT_TCP_FIN_WAIT_2, TT_EV_RCV_FIN_ACK_OF_FIN, TT_TCP_TIME_WAIT},
	{TT_TCP_FIN_WAIT_2, TT_EV_SND_ACK_OF_FIN, TT_TCP_TIME_WAIT},
	{TT_TCP_FIN_WAIT_2, TT_EV_RCV_RST, TT_TCP_CLOSED},
	{TT_TCP_FIN_WAIT_2, TT_EV_SND_RST, TT_TCP_CLOSED},
	/* CLOSE-WAIT */
	{TT_TCP_CLOSE_WAIT, TT_EV_SND_FIN, TT_TCP_LAST_ACK},
	{TT_TCP_CLOSE_WAIT, TT_EV_RCV_RST, TT_TCP_CLOSED},
	{TT_TCP_CLOSE_WAIT, TT_EV_SND_RST, TT_TCP_CLOSED},
	/* CLOSING */
	{TT_TCP_CLOSING, TT_EV_RCV_ACK_OF_FIN, TT_TCP_TIME_WAIT},
	{TT_TCP_CLOSING, TT_EV_RCV_FIN_ACK_OF_FIN, TT_TCP_TIME_WAIT},
	{TT_TCP_CLOSING, TT_EV_RCV_RST, TT_TCP_CLOSED},
	{TT_TCP_CLOSING, TT_EV_SND_RST, TT_TCP_CLOSED},
	/* LAST-ACK */
	{TT_TCP_LAST_ACK, TT_EV_RCV_ACK_OF_FIN, TT_TCP_CLOSED},
	{TT_TCP_LAST_ACK, TT_EV_RCV_FIN_ACK_OF_FIN, TT_TCP_CLOSED},
	{TT_TCP_LAST_ACK, TT_EV_RCV_RST, TT_TCP_CLOSED},
	{TT_TCP_LAST_ACK, TT_EV_SND_RST, TT_TCP_CLOSED},
	/* TIME-WAIT: §3.10.8 2*MSL timeout; an RST ends it (Linux tcp_rfc1337 = 0). */
	{TT_TCP_TIME_WAIT, TT_EV_TIMEOUT, TT_TCP_CLOSED},
	{TT_TCP_TIME_WAIT, TT_EV_RCV_RST, TT_TCP_CLOSED},
	{TT_TCP_TIME_WAIT, TT_EV_SND_RST, TT_TCP_CLOSED},
};

ParameterizedTestParameters(tcp_state, defined_transition)
{
	return cr_make_param_array(struct transition, transitions, NELEM(transitions));
}

ParameterizedTest(struct transition *t, tcp_state, defined_transition)
{
	bool rearm = true;
	enum tt_tcp_state got = tt_tcp_step(t->from, t->ev, &rearm);

	cr_assert_eq(got, t->to, "%s + %s: got %s, expected %s", tt_tcp_state_name(t->from),
	             tt_tcp_event_name(t->ev), tt_tcp_state_name(got), tt_tcp_state_name(t->to));
	cr_assert(tt_tcp_step_defined(t->from, t->ev), "%s + %s should be defined",
	          tt_tcp_state_name(t->from), tt_tcp_event_name(t->ev));
	cr_assert_not(rearm, "%s + %s must not rearm", tt_tcp_state_name(t->from),
	              tt_tcp_event_name(t->ev));
	/* A NULL rearm pointer is allowed. */
	cr_assert_eq(tt_tcp_step(t->from, t->ev, NULL), t->to);
}

static bool is_defined_here(enum tt_tcp_state s, enum tt_tcp_event ev)
{
	for (size_t i = 0; i < NELEM(transitions); i++)
		if (transitions[i].from == s && transitions[i].ev == ev)
			return true;
	return false;
}

/* One row per state: every event not in transitions[] for it changes nothing. */
ParameterizedTestParameters(tcp_state, undefined_cells_keep_state)
{
	static enum tt_tcp_state params[] = {
		TT_TCP_CLOSED, TT_TCP_LISTEN, TT_TCP_SYN_SENT, TT_TCP_SYN_RCVD,
		TT_TCP_ESTABLISHED, TT_TCP_FIN_WAIT_1, TT_TCP_FIN_WAIT_2, TT_TCP_CLOSE_WAIT,
		TT_TCP_CLOSING, TT_TCP_LAST_ACK, TT_TCP_TIME_WAIT,
	};

	return cr_make_param_array(enum tt_tcp_state, params, NELEM(params));
}

ParameterizedTest(enum tt_tcp_state *sp, tcp_state, undefined_cells_keep_state)
{
	enum tt_tcp_state s = *sp;
	int n_undefined = 0;

	for (int e = 0; e < TT_EV_NUM; e++) {
		enum tt_tcp_event ev = (enum tt_tcp_event)e;
		bool rearm = false;
		bool tw_fin = s == TT_TCP_TIME_WAIT &&
		              (ev == TT_EV_RCV_FIN || ev == TT_EV_RCV_FIN_ACK_OF_FIN);

		if (is_defined_here(s, ev))
			continue;
		n_undefined++;
		cr_assert_eq(tt_tcp_step(s, ev, &rearm), s, "%s + %s must not change the state",
		             tt_tcp_state_name(s), tt_tcp_event_name(ev));
		cr_assert_not(tt_tcp_step_defined(s, ev), "%s + %s should be undefined",
		              tt_tcp_state_name(s), tt_tcp_event_name(ev));
		cr_assert_eq(rearm, tw_fin, "%s + %s: rearm %d", tt_tcp_state_name(s),
		             tt_tcp_event_name(ev), rearm);
	}
	cr_assert_gt(n_undefined, 0);
}

/* The table has exactly the cells above: 47 defined of 11 * 14. */
Test(tcp_state, defined_cell_count)
{
	int n = 0;

	for (int s = 0; s < TT_TCP_NSTATES; s++)
		for (int e = 0; e < TT_EV_NUM; e++)
			n += tt_tcp_step_defined((enum tt_tcp_state)s, (enum tt_tcp_event)e);
	cr_assert_eq(n, 47);
	cr_assert_eq(NELEM(transitions), 47);
}

/* tt_tcp_cell(), the tracker's step: 0 exactly when tt_tcp_step() changes
 * nothing and does not rearm; else the same next state and rearm. */
Test(tcp_state, cell_agrees_with_step)
{
	for (int s = 0; s < 16; s++)
		for (int e = 0; e < 16; e++) {
			bool rearm = false;
			enum tt_tcp_state to = tt_tcp_step((enum tt_tcp_state)s, (enum tt_tcp_event)e, &rearm);
			uint8_t cell = tt_tcp_cell((enum tt_tcp_state)s, (enum tt_tcp_event)e);

			cr_assert_eq(cell == 0, to == (enum tt_tcp_state)s && !rearm, "%d + %d", s, e);
			cr_assert_eq(cell == TT_TCP_CELL_REARM, rearm, "%d + %d", s, e);
			cr_assert_eq(tt_tcp_cell_next((enum tt_tcp_state)s, cell), to, "%d + %d", s, e);
		}
}

/* RFC 9293 §3.10.7.4: a FIN retransmitted into TIME-WAIT restarts 2*MSL. */
Test(tcp_state, time_wait_rcv_fin_rearms)
{
	bool rearm = false;

	cr_assert_eq(tt_tcp_step(TT_TCP_TIME_WAIT, TT_EV_RCV_FIN, &rearm), TT_TCP_TIME_WAIT);
	cr_assert(rearm);
	cr_assert_eq(tt_tcp_step(TT_TCP_TIME_WAIT, TT_EV_RCV_FIN, NULL), TT_TCP_TIME_WAIT);
}

Test(tcp_state, time_wait_rcv_fin_ack_of_fin_rearms)
{
	bool rearm = false;

	cr_assert_eq(tt_tcp_step(TT_TCP_TIME_WAIT, TT_EV_RCV_FIN_ACK_OF_FIN, &rearm),
	             TT_TCP_TIME_WAIT);
	cr_assert(rearm);
}

/* rearm is reset by every call, not only set. */
Test(tcp_state, rearm_cleared_on_other_events)
{
	bool rearm = true;

	cr_assert_eq(tt_tcp_step(TT_TCP_TIME_WAIT, TT_EV_TIMEOUT, &rearm), TT_TCP_CLOSED);
	cr_assert_not(rearm);
	rearm = true;
	cr_assert_eq(tt_tcp_step(TT_TCP_FIN_WAIT_2, TT_EV_RCV_FIN, &rearm), TT_TCP_TIME_WAIT);
	cr_assert_not(rearm);
	rearm = true;
	cr_assert_eq(tt_tcp_step(TT_TCP_TIME_WAIT, TT_EV_RCV_ACK_OF_FIN, &rearm), TT_TCP_TIME_WAIT);
	cr_assert_not(rearm);
}

Test(tcp_state, out_of_range_step)
{
	bool rearm = true;

	cr_assert_eq(tt_tcp_step(TT_TCP_NSTATES, TT_EV_SND_SYN, &rearm), TT_TCP_NSTATES);
	cr_assert_not(rearm);
	rearm = true;
	cr_assert_eq(tt_tcp_step(TT_TCP_ESTABLISHED, TT_EV_NUM, &rearm), TT_TCP_ESTABLISHED);
	cr_assert_not(rearm);
	cr_assert_eq(tt_tcp_step((enum tt_tcp_state)200, TT_EV_RCV_RST, NULL),
	             (enum tt_tcp_state)200);
	cr_assert_eq(tt_tcp_step(TT_TCP_TIME_WAIT, (enum tt_tcp_event)99, NULL), TT_TCP_TIME_WAIT);
	cr_assert_not(tt_tcp_step_defined(TT_TCP_NSTATES, TT_EV_SND_SYN));
	cr_assert_not(tt_tcp_step_defined(TT_TCP_CLOSED, TT_EV_NUM));
	cr_assert_not(tt_tcp_step_defined((enum tt_tcp_state)200, (enum tt_tcp_event)200));
}

/* ---- the classifier ------------------------------------------------------------------------ */

struct classify_case {
	struct tt_seg_facts f;
	uint8_t n_snd;
	uint8_t snd[4];
	uint8_t n_rcv;
	uint8_t rcv[4];
};

#define ACK TT_TH_ACK
#define SYN TT_TH_SYN
#define FIN TT_TH_FIN
#define RST TT_TH_RST
#define PSH TT_TH_PSH

/* facts: flags, acks_peer_syn, acks_peer_fin, fin_is_new, rst_acceptable, rst_rejected */
static struct classify_case classify_cases[] = {
	/* 0: SYN: the sender's SND_SYN, the receiver's RCV_SYN. */
	{{SYN, false, false, false, false, false}, 1, {TT_EV_SND_SYN}, 1, {TT_EV_RCV_SYN}},
	/* 1: SYN,ACK acknowledging the peer's SYN. */
	{{SYN | ACK, true, false, false, false, false}, 1, {TT_EV_SND_SYNACK}, 1, {TT_EV_RCV_SYNACK}},
	/* 2: SYN,ACK not acknowledging the peer's SYN: nothing for the receiver. */
	{{SYN | ACK, false, false, false, false, false}, 1, {TT_EV_SND_SYNACK}, 0, {0}},
	/* 3: pure ACK of the peer's SYN (third segment of the handshake). */
	{{ACK, true, false, false, false, false},
	 1, {TT_EV_SND_ACK_OF_SYN}, 1, {TT_EV_RCV_ACK_OF_SYN}},
	/* 4: an ACK that acknowledges nothing new: no events. */
	{{ACK | PSH, false, false, false, false, false}, 0, {0}, 0, {0}},
	/* 5: a new FIN (with an ACK of data only). */
	{{FIN | ACK, false, false, true, false, false}, 1, {TT_EV_SND_FIN}, 1, {TT_EV_RCV_FIN}},
	/* 6: a retransmitted FIN: no sender event, the receiver still sees RCV_FIN. */
	{{FIN | ACK, false, false, false, false, false}, 0, {0}, 1, {TT_EV_RCV_FIN}},
	/* 7: FIN together with the ACK of the peer's FIN. */
	{{FIN | ACK, false, true, true, false, false},
	 2, {TT_EV_SND_ACK_OF_FIN, TT_EV_SND_FIN}, 1, {TT_EV_RCV_FIN_ACK_OF_FIN}},
	/* 8: same, the FIN retransmitted. */
	{{FIN | ACK, false, true, false, false, false},
	 1, {TT_EV_SND_ACK_OF_FIN}, 1, {TT_EV_RCV_FIN_ACK_OF_FIN}},
	/* 9: pure ACK of the peer's FIN. */
	{{ACK, false, true, false, false, false},
	 1, {TT_EV_SND_ACK_OF_FIN}, 1, {TT_EV_RCV_ACK_OF_FIN}},
	/* 10: FIN without the ACK bit, even if the facts say it would ack. */
	{{FIN, true, true, true, false, false}, 1, {TT_EV_SND_FIN}, 1, {TT_EV_RCV_FIN}},
	/* 11: ordering: ACK of SYN before the FIN, for both sides (§3.10.7.4). */
	{{FIN | ACK, true, false, true, false, false},
	 2, {TT_EV_SND_ACK_OF_SYN, TT_EV_SND_FIN}, 2, {TT_EV_RCV_ACK_OF_SYN, TT_EV_RCV_FIN}},
	/* 12: ordering: ACK of SYN, ACK of FIN, FIN. */
	{{FIN | ACK, true, true, true, false, false},
	 3, {TT_EV_SND_ACK_OF_SYN, TT_EV_SND_ACK_OF_FIN, TT_EV_SND_FIN},
	 2, {TT_EV_RCV_ACK_OF_SYN, TT_EV_RCV_FIN_ACK_OF_FIN}},
	/* 13: ACK of SYN and of FIN, no FIN. */
	{{ACK, true, true, false, false, false},
	 2, {TT_EV_SND_ACK_OF_SYN, TT_EV_SND_ACK_OF_FIN},
	 2, {TT_EV_RCV_ACK_OF_SYN, TT_EV_RCV_ACK_OF_FIN}},
	/* 14: acceptable RST. */
	{{RST, false, false, false, true, false}, 1, {TT_EV_SND_RST}, 1, {TT_EV_RCV_RST}},
	/* 15: RST the receiver cannot judge (it is CLOSED): the sender has no connection. */
	{{RST, false, false, false, false, false}, 1, {TT_EV_SND_RST}, 0, {0}},
	/* 16: RST,ACK acceptable: only the RST events, whatever else the facts say. */
	{{RST | ACK, true, true, false, true, false}, 1, {TT_EV_SND_RST}, 1, {TT_EV_RCV_RST}},
	/* 17: RST,ACK not acceptable, not judged. */
	{{RST | ACK, true, false, false, false, false}, 1, {TT_EV_SND_RST}, 0, {0}},
	/* 18b: an RST the receiver judges and rejects (RFC 5961): no event at all. */
	{{RST | ACK, false, false, false, false, true}, 0, {0}, 0, {0}},
	/* 18: SYN with RST is an RST. */
	{{SYN | RST, false, false, false, true, false}, 1, {TT_EV_SND_RST}, 1, {TT_EV_RCV_RST}},
	/* 19: SYN,ACK with FIN: handled as a SYN,ACK only. */
	{{SYN | ACK | FIN, true, false, true, false, false},
	 1, {TT_EV_SND_SYNACK}, 1, {TT_EV_RCV_SYNACK}},
};

ParameterizedTestParameters(tcp_state, classify)
{
	return cr_make_param_array(struct classify_case, classify_cases, NELEM(classify_cases));
}

static void assert_events(const struct tt_tcp_events *got, uint8_t n, const uint8_t *ev,
                          const char *who)
{
	cr_assert_eq(got->n, n, "%s: %u events, expected %u", who, got->n, n);
	for (uint8_t i = 0; i < n; i++)
		cr_assert_eq(got->ev[i], ev[i], "%s event %u: %s, expected %s", who, i,
		             tt_tcp_event_name((enum tt_tcp_event)got->ev[i]),
		             tt_tcp_event_name((enum tt_tcp_event)ev[i]));
}

ParameterizedTest(struct classify_case *c, tcp_state, classify)
{
	struct tt_tcp_events snd, rcv;

	memset(&snd, 0xa5, sizeof(snd));
	memset(&rcv, 0xa5, sizeof(rcv));
	tt_tcp_classify(&c->f, &snd, &rcv);
	assert_events(&snd, c->n_snd, c->snd, "sender");
	assert_events(&rcv, c->n_rcv, c->rcv, "receiver");
}

/* The classifier is pure: the same facts always give the same events. */
Test(tcp_state, classify_is_pure)
{
	struct tt_seg_facts f = {FIN | ACK, true, true, true, false, false};
	struct tt_seg_facts copy = f;
	struct tt_tcp_events s1, r1, s2, r2;

	tt_tcp_classify(&f, &s1, &r1);
	tt_tcp_classify(&f, &s2, &r2);
	cr_assert_eq(memcmp(&f, &copy, sizeof(f)), 0);
	cr_assert_eq(s1.n, 3);
	cr_assert_eq(s1.n, s2.n);
	cr_assert_eq(r1.n, r2.n);
	cr_assert_eq(memcmp(s1.ev, s2.ev, s1.n), 0);
	cr_assert_eq(memcmp(r1.ev, r2.ev, r1.n), 0);
}

/* ---- complete paths ------------------------------------------------------------------------ */

/* Two endpoints and their state histories. */
struct conn {
	enum tt_tcp_state st[2];
	enum tt_tcp_state hist[2][16];
	int n[2];
	bool rearmed[2];
};

enum { A = 0, B = 1 };

static void conn_init(struct conn *c, enum tt_tcp_state a, enum tt_tcp_state b)
{
	memset(c, 0, sizeof(*c));
	c->st[A] = a;
	c->st[B] = b;
	c->hist[A][c->n[A]++] = a;
	c->hist[B][c->n[B]++] = b;
}

static void apply(struct conn *c, int who, const struct tt_tcp_events *e)
{
	for (int i = 0; i < e->n; i++) {
		bool rearm = false;
		enum tt_tcp_state s = tt_tcp_step(c->st[who], (enum tt_tcp_event)e->ev[i], &rearm);

		c->rearmed[who] = c->rearmed[who] || rearm;
		if (s != c->st[who]) {
			cr_assert_lt(c->n[who], 16);
			c->hist[who][c->n[who]++] = s;
			c->st[who] = s;
		}
	}
}

/* A segment sent by `from`: the sender's events, then the receiver's. */
static void segment(struct conn *c, int from, uint16_t flags, bool acks_syn, bool acks_fin,
                    bool fin_is_new, bool rst_ok)
{
	struct tt_seg_facts f = {flags, acks_syn, acks_fin, fin_is_new, rst_ok, false};
	struct tt_tcp_events snd, rcv;

	tt_tcp_classify(&f, &snd, &rcv);
	apply(c, from, &snd);
	apply(c, 1 - from, &rcv);
}

static void timeout(struct conn *c, int who)
{
	struct tt_tcp_events e = {1, {TT_EV_TIMEOUT, 0, 0, 0}};

	apply(c, who, &e);
}

static void assert_history(const struct conn *c, int who, const enum tt_tcp_state *want,
                           int n)
{
	cr_assert_eq(c->n[who], n, "endpoint %d: %d states in its history, expected %d", who,
	             c->n[who], n);
	for (int i = 0; i < n; i++)
		cr_assert_eq(c->hist[who][i], want[i], "endpoint %d step %d: %s, expected %s", who,
		             i, tt_tcp_state_name(c->hist[who][i]), tt_tcp_state_name(want[i]));
}

Test(tcp_state, path_classic_open_close)
{
	static const enum tt_tcp_state client[] = {
		TT_TCP_CLOSED, TT_TCP_SYN_SENT, TT_TCP_ESTABLISHED, TT_TCP_FIN_WAIT_1,
		TT_TCP_FIN_WAIT_2, TT_TCP_TIME_WAIT, TT_TCP_CLOSED,
	};
	static const enum tt_tcp_state server[] = {
		TT_TCP_CLOSED, TT_TCP_SYN_RCVD, TT_TCP_ESTABLISHED, TT_TCP_CLOSE_WAIT,
		TT_TCP_LAST_ACK, TT_TCP_CLOSED,
	};
	struct conn c;

	conn_init(&c, TT_TCP_CLOSED, TT_TCP_CLOSED);
	segment(&c, A, SYN, false, false, false, false);
	cr_assert_eq(c.st[A], TT_TCP_SYN_SENT);
	cr_assert_eq(c.st[B], TT_TCP_CLOSED); /* SYN_RCVD only once the SYN,ACK proves it */
	segment(&c, B, SYN | ACK, true, false, false, false);
	cr_assert_eq(c.st[B], TT_TCP_SYN_RCVD);
	cr_assert_eq(c.st[A], TT_TCP_ESTABLISHED);
	segment(&c, A, ACK, true, false, false, false);
	cr_assert_eq(c.st[B], TT_TCP_ESTABLISHED);
	segment(&c, A, ACK | PSH, false, false, false, false); /* data */
	segment(&c, A, FIN | ACK, false, false, true, false);
	cr_assert_eq(c.st[A], TT_TCP_FIN_WAIT_1);
	cr_assert_eq(c.st[B], TT_TCP_CLOSE_WAIT);
	segment(&c, B, ACK, false, true, false, false);
	cr_assert_eq(c.st[A], TT_TCP_FIN_WAIT_2);
	segment(&c, B, FIN | ACK, false, true, true, false);
	cr_assert_eq(c.st[A], TT_TCP_TIME_WAIT);
	cr_assert_eq(c.st[B], TT_TCP_LAST_ACK);
	segment(&c, A, ACK, false, true, false, false);
	cr_assert_eq(c.st[B], TT_TCP_CLOSED);
	cr_assert_eq(c.st[A], TT_TCP_TIME_WAIT);
	cr_assert_not(c.rearmed[A]);
	timeout(&c, A);
	assert_history(&c, A, client, (int)NELEM(client));
	assert_history(&c, B, server, (int)NELEM(server));
}

/* The server's FIN is retransmitted after the client entered TIME_WAIT. */
Test(tcp_state, path_fin_retransmitted_into_time_wait)
{
	struct conn c;

	conn_init(&c, TT_TCP_ESTABLISHED, TT_TCP_ESTABLISHED);
	segment(&c, A, FIN | ACK, false, false, true, false);
	segment(&c, B, FIN | ACK, false, true, true, false);
	cr_assert_eq(c.st[A], TT_TCP_TIME_WAIT);
	cr_assert_eq(c.st[B], TT_TCP_LAST_ACK);
	cr_assert_not(c.rearmed[A]);
	/* The client's ACK was lost downstream of the capture point. */
	segment(&c, B, FIN | ACK, false, true, false, false);
	cr_assert_eq(c.st[A], TT_TCP_TIME_WAIT);
	cr_assert(c.rearmed[A]);
	cr_assert_eq(c.st[B], TT_TCP_LAST_ACK);
}

Test(tcp_state, path_simultaneous_open)
{
	static const enum tt_tcp_state a[] = {
		TT_TCP_CLOSED, TT_TCP_SYN_SENT, TT_TCP_SYN_RCVD, TT_TCP_ESTABLISHED,
	};
	static const enum tt_tcp_state b[] = {
		TT_TCP_CLOSED, TT_TCP_SYN_SENT, TT_TCP_ESTABLISHED,
	};
	struct conn c;

	conn_init(&c, TT_TCP_CLOSED, TT_TCP_CLOSED);
	segment(&c, A, SYN, false, false, false, false);
	segment(&c, B, SYN, false, false, false, false); /* crosses A's SYN */
	cr_assert_eq(c.st[A], TT_TCP_SYN_RCVD);
	cr_assert_eq(c.st[B], TT_TCP_SYN_SENT);
	segment(&c, A, SYN | ACK, true, false, false, false);
	cr_assert_eq(c.st[B], TT_TCP_ESTABLISHED);
	segment(&c, B, SYN | ACK, true, false, false, false);
	cr_assert_eq(c.st[A], TT_TCP_ESTABLISHED);
	assert_history(&c, A, a, (int)NELEM(a));
	assert_history(&c, B, b, (int)NELEM(b));
}

/* One endpoint's view of RFC 9293 Figure 7 (simultaneous open). */
Test(tcp_state, simultaneous_open_one_endpoint)
{
	enum tt_tcp_state s = TT_TCP_CLOSED;

	s = tt_tcp_step(s, TT_EV_SND_SYN, NULL);
	cr_assert_eq(s, TT_TCP_SYN_SENT);
	s = tt_tcp_step(s, TT_EV_RCV_SYN, NULL);
	cr_assert_eq(s, TT_TCP_SYN_RCVD);
	s = tt_tcp_step(s, TT_EV_SND_SYNACK, NULL);
	cr_assert_eq(s, TT_TCP_SYN_RCVD);
	s = tt_tcp_step(s, TT_EV_RCV_SYNACK, NULL);
	cr_assert_eq(s, TT_TCP_ESTABLISHED);
}

Test(tcp_state, path_simultaneous_close)
{
	static const enum tt_tcp_state a[] = {
		TT_TCP_ESTABLISHED, TT_TCP_FIN_WAIT_1, TT_TCP_CLOSING, TT_TCP_TIME_WAIT,
		TT_TCP_CLOSED,
	};
	static const enum tt_tcp_state b[] = {
		TT_TCP_ESTABLISHED, TT_TCP_CLOSE_WAIT, TT_TCP_LAST_ACK, TT_TCP_CLOSED,
	};
	struct conn c;

	conn_init(&c, TT_TCP_ESTABLISHED, TT_TCP_ESTABLISHED);
	segment(&c, A, FIN | ACK, false, false, true, false);
	segment(&c, B, FIN | ACK, false, false, true, false); /* crosses A's FIN */
	cr_assert_eq(c.st[A], TT_TCP_CLOSING);
	cr_assert_eq(c.st[B], TT_TCP_LAST_ACK);
	segment(&c, A, ACK, false, true, false, false);
	cr_assert_eq(c.st[A], TT_TCP_CLOSING);
	cr_assert_eq(c.st[B], TT_TCP_CLOSED);
	segment(&c, B, ACK, false, true, false, false);
	cr_assert_eq(c.st[A], TT_TCP_TIME_WAIT);
	timeout(&c, A);
	assert_history(&c, A, a, (int)NELEM(a));
	assert_history(&c, B, b, (int)NELEM(b));
}

/* One endpoint's view of RFC 9293 Figure 13 (simultaneous close). */
Test(tcp_state, simultaneous_close_one_endpoint)
{
	enum tt_tcp_state s = TT_TCP_ESTABLISHED;

	s = tt_tcp_step(s, TT_EV_SND_FIN, NULL);
	cr_assert_eq(s, TT_TCP_FIN_WAIT_1);
	s = tt_tcp_step(s, TT_EV_RCV_FIN, NULL);
	cr_assert_eq(s, TT_TCP_CLOSING);
	s = tt_tcp_step(s, TT_EV_SND_ACK_OF_FIN, NULL);
	cr_assert_eq(s, TT_TCP_CLOSING);
	s = tt_tcp_step(s, TT_EV_RCV_ACK_OF_FIN, NULL);
	cr_assert_eq(s, TT_TCP_TIME_WAIT);
	s = tt_tcp_step(s, TT_EV_TIMEOUT, NULL);
	cr_assert_eq(s, TT_TCP_CLOSED);
}

/* FIN-WAIT-1 straight to TIME-WAIT: the peer's FIN carries the ACK of ours. */
Test(tcp_state, path_fin_wait_1_fin_ack_to_time_wait)
{
	static const enum tt_tcp_state a[] = {
		TT_TCP_ESTABLISHED, TT_TCP_FIN_WAIT_1, TT_TCP_TIME_WAIT, TT_TCP_CLOSED,
	};
	static const enum tt_tcp_state b[] = {
		TT_TCP_ESTABLISHED, TT_TCP_CLOSE_WAIT, TT_TCP_LAST_ACK, TT_TCP_CLOSED,
	};
	struct conn c;

	conn_init(&c, TT_TCP_ESTABLISHED, TT_TCP_ESTABLISHED);
	segment(&c, A, FIN | ACK, false, false, true, false);
	segment(&c, B, FIN | ACK, false, true, true, false);
	cr_assert_eq(c.st[A], TT_TCP_TIME_WAIT);
	cr_assert_eq(c.st[B], TT_TCP_LAST_ACK);
	segment(&c, A, ACK, false, true, false, false);
	timeout(&c, A);
	assert_history(&c, A, a, (int)NELEM(a));
	assert_history(&c, B, b, (int)NELEM(b));
}

/* A SYN answered by an acceptable RST: refused. */
Test(tcp_state, path_refused)
{
	struct conn c;

	conn_init(&c, TT_TCP_CLOSED, TT_TCP_CLOSED);
	segment(&c, A, SYN, false, false, false, false);
	segment(&c, B, RST | ACK, false, false, false, true);
	cr_assert_eq(c.st[A], TT_TCP_CLOSED);
	cr_assert_eq(c.st[B], TT_TCP_CLOSED);
	cr_assert_eq(c.n[A], 3);
	cr_assert_eq(c.n[B], 1);
}

/* An RST the receiver would not accept leaves it where it was. */
Test(tcp_state, path_unacceptable_rst)
{
	struct conn c;

	conn_init(&c, TT_TCP_ESTABLISHED, TT_TCP_ESTABLISHED);
	segment(&c, B, RST, false, false, false, false);
	cr_assert_eq(c.st[A], TT_TCP_ESTABLISHED);
	cr_assert_eq(c.st[B], TT_TCP_CLOSED);
}

/* ---- names --------------------------------------------------------------------------------- */

struct state_name {
	enum tt_tcp_state s;
	char name[16];
};

ParameterizedTestParameters(tcp_state, state_name_round_trip)
{
	static struct state_name params[] = {
		{TT_TCP_CLOSED, "CLOSED"},
		{TT_TCP_LISTEN, "LISTEN"},
		{TT_TCP_SYN_SENT, "SYN_SENT"},
		{TT_TCP_SYN_RCVD, "SYN_RCVD"},
		{TT_TCP_ESTABLISHED, "ESTABLISHED"},
		{TT_TCP_FIN_WAIT_1, "FIN_WAIT_1"},
		{TT_TCP_FIN_WAIT_2, "FIN_WAIT_2"},
		{TT_TCP_CLOSE_WAIT, "CLOSE_WAIT"},
		{TT_TCP_CLOSING, "CLOSING"},
		{TT_TCP_LAST_ACK, "LAST_ACK"},
		{TT_TCP_TIME_WAIT, "TIME_WAIT"},
	};

	return cr_make_param_array(struct state_name, params, NELEM(params));
}

ParameterizedTest(struct state_name *p, tcp_state, state_name_round_trip)
{
	cr_assert_str_eq(tt_tcp_state_name(p->s), p->name);
	cr_assert_eq(tt_tcp_state_from_name(p->name), (int)p->s);
}

Test(tcp_state, state_count_is_eleven)
{
	cr_assert_eq(TT_TCP_NSTATES, 11);
	cr_assert_eq(TT_TCP_CLOSED, 0);
	cr_assert_eq(TT_TCP_TIME_WAIT, 10);
}

Test(tcp_state, state_name_out_of_range)
{
	cr_assert_str_eq(tt_tcp_state_name(TT_TCP_NSTATES), "?");
	cr_assert_str_eq(tt_tcp_state_name((enum tt_tcp_state)255), "?");
	cr_assert_str_eq(tt_tcp_state_name((enum tt_tcp_state)-1), "?");
}

Test(tcp_state, state_from_name_rejects)
{
	cr_assert_eq(tt_tcp_state_from_name(""), -1);
	cr_assert_eq(tt_tcp_state_from_name("?"), -1);
	cr_assert_eq(tt_tcp_state_from_name("closed"), -1);
	cr_assert_eq(tt_tcp_state_from_name("SYN-SENT"), -1);
	cr_assert_eq(tt_tcp_state_from_name("SYN_RECEIVED"), -1);
	cr_assert_eq(tt_tcp_state_from_name("ESTABLISHED "), -1);
	cr_assert_eq(tt_tcp_state_from_name("TIME_WAITX"), -1);
	cr_assert_eq(tt_tcp_state_from_name("TIME_WAI"), -1);
}

Test(tcp_state, event_names)
{
	static const char *const want[TT_EV_NUM] = {
		"SND_SYN", "SND_SYNACK", "SND_ACK_OF_SYN", "SND_ACK_OF_FIN", "SND_FIN", "SND_RST",
		"RCV_SYN", "RCV_SYNACK", "RCV_ACK_OF_SYN", "RCV_ACK_OF_FIN", "RCV_FIN",
		"RCV_FIN_ACK_OF_FIN", "RCV_RST", "TIMEOUT",
	};

	cr_assert_eq(TT_EV_NUM, 14);
	for (int e = 0; e < TT_EV_NUM; e++)
		cr_assert_str_eq(tt_tcp_event_name((enum tt_tcp_event)e), want[e]);
	cr_assert_str_eq(tt_tcp_event_name(TT_EV_NUM), "?");
	cr_assert_str_eq(tt_tcp_event_name((enum tt_tcp_event)1000), "?");
}

/* The tracker works out whether a segment acknowledges the peer's SYN only
 * while it can move a state (tracker.c, SYN_STATES): for a SYN, before the
 * handshake's ACK, or with an endpoint in SYN_SENT or SYN_RCVD.  That holds
 * while no other state has a step on an acknowledgement of a SYN. */
Test(tcp_state, ack_of_syn_moves_only_syn_states)
{
	for (int s = 0; s < TT_TCP_NSTATES; s++) {
		if (s == TT_TCP_SYN_SENT || s == TT_TCP_SYN_RCVD)
			continue;
		cr_assert_eq(tt_tcp_cell((enum tt_tcp_state)s, TT_EV_SND_ACK_OF_SYN), 0, "%s",
		             tt_tcp_state_name((enum tt_tcp_state)s));
		cr_assert_eq(tt_tcp_cell((enum tt_tcp_state)s, TT_EV_RCV_ACK_OF_SYN), 0, "%s",
		             tt_tcp_state_name((enum tt_tcp_state)s));
	}
}
