/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * story.h - what selected connections went through, segment by segment:
 * the rows of a ladder (sequence) diagram, each endpoint's state timeline
 * and the samples of the plots, collected from the tracker's events
 * (TT_EVT_SEGMENT included: tt_tracker_config.segments).
 *
 * Memory is bounded.  Ladder rows keep the handshake, the close and every
 * segment that changed a state or carried an anomaly; runs of ordinary
 * segments longer than TT_STORY_RUN_SHOWN are folded into one row (counts
 * and bytes) unless `full`; at most TT_STORY_ROWS_MAX rows are kept over all
 * connections, the rest is folded.  Plot samples are decimated beyond
 * TT_STORY_POINTS_MAX per connection (every other one dropped, the stride
 * doubled), and the story says so.
 */
#ifndef TCPTRACK_STORY_H
#define TCPTRACK_STORY_H

#include "tcptrack/common.h"
#include "tcptrack/tracker.h"

#define TT_STORY_RUN_HEAD 3        /* ordinary segments shown at the start of a run */
#define TT_STORY_RUN_TAIL 3        /* ... and at its end, when the middle is folded */
#define TT_STORY_RUN_SHOWN 9       /* runs up to this long are shown whole */
#define TT_STORY_ROWS_MAX 200000u  /* ladder rows kept over all connections */
#define TT_STORY_POINTS_MAX 20000u /* plot samples per connection before decimation */
#define TT_STORY_TRANS_MAX 32      /* state transitions kept per endpoint */
#define TT_STORY_CONNS_MAX 256     /* connections followed at once */
#define TT_STORY_ENDED_MAX 256     /* ids of told stories remembered (not told twice) */
#define TT_NO_STATE 0xff

/* ---- connection selectors (--conn) ---- */

enum tt_sel_kind { TT_SEL_ID = 0, TT_SEL_ENDPOINT, TT_SEL_FILTER };

struct tt_selector {
	enum tt_sel_kind kind;
	uint64_t id;                /* TT_SEL_ID */
	uint8_t ip_version;         /* TT_SEL_ENDPOINT */
	uint8_t addr[16];
	uint16_t port;
	const char *text;           /* as given (TT_SEL_FILTER: the BPF expression) */
};

/**
 * Parse a selector: a connection id ("3"), an endpoint ("10.0.0.1:49816",
 * "[fd00::1]:443"), otherwise a filter expression (TT_SEL_FILTER, which the
 * caller compiles).  @return TT_OK, or TT_ERR_INVAL for an empty selector or
 * an endpoint with a bad address or port (errbuf says which).
 */
int tt_selector_parse(struct tt_selector *s, const char *text, char *errbuf);

/** @return whether c is selected by an id or endpoint selector (never for a filter). */
bool tt_selector_match(const struct tt_selector *s, const struct tt_conn *c);

/* ---- rows ---- */

enum tt_row_kind {
	TT_ROW_SEGMENT = 0,         /* a segment: an arrow */
	TT_ROW_TIMER,               /* states changed without a segment (TIME_WAIT expiry...) */
	TT_ROW_ICMP,                /* an ICMP error about the connection */
	TT_ROW_FOLD                 /* ordinary segments folded together */
};

struct tt_story_row {
	tt_time_ns ts;              /* TT_ROW_FOLD: the first folded segment */
	tt_time_ns ts_last;         /* TT_ROW_FOLD: the last one */
	uint8_t kind;               /* enum tt_row_kind */
	uint8_t dir;                /* sender (enum tt_endpoint) */
	uint8_t to[2];              /* state each endpoint entered, or TT_NO_STATE */
	bool stray;                 /* after the record's end */
	bool rst_ignored;           /* an RST its receiver would reject */
	bool tw_expired;            /* TT_ROW_TIMER: a TIME_WAIT ran out (2MSL) */
	uint16_t flags;             /* TT_TH_* */
	uint16_t dup_ack_num;       /* TT_AN_DUP_ACK: which in a row */
	uint32_t anomalies;         /* TT_AN_BIT() */
	uint32_t seq, ack;          /* absolute */
	uint32_t rseq, rack;        /* relative to each direction's base */
	uint32_t len;               /* payload */
	uint32_t win;               /* advertised window, scaled */
	uint16_t raw_win;
	uint16_t mss;
	uint8_t wscale;
	uint8_t n_sack;
	bool has_mss, has_wscale, sack_ok, has_ts, has_ack_field;
	uint32_t ts_val, ts_ecr;
	uint32_t sack[TT_MAX_SACK_BLOCKS][2]; /* absolute */
	uint32_t rsack[TT_MAX_SACK_BLOCKS][2]; /* relative to the peer's base */
	tt_time_ns tw_until;        /* someone entered TIME_WAIT: its 2MSL expiry, else 0 */
	uint8_t icmp_type, icmp_code;
	uint64_t fold_segments;     /* TT_ROW_FOLD */
	uint64_t fold_bytes;
};

/* ---- plot samples ---- */

struct tt_story_point {
	tt_time_ns ts;
	uint8_t dir;                /* sender */
	uint16_t flags;
	uint32_t anomalies;
	uint64_t seq, end;          /* relative, unwrapped: the sender's [seq, end) */
	uint64_t ack;               /* relative, unwrapped, in the peer's space (if ACK) */
	uint32_t win;               /* advertised, scaled */
	uint64_t in_flight[2];      /* each side's data not yet acknowledged (by sender) */
	tt_time_ns rtt;             /* an RTT sample this segment (an ACK) completed, or 0 */
	uint8_t n_sack;
	uint64_t sack[TT_MAX_SACK_BLOCKS][2]; /* relative to the peer's base, unwrapped */
};

struct tt_story_trans {
	tt_time_ns ts;
	uint8_t state;
};

/* One selected connection. */
struct tt_story {
	uint64_t id;
	uint8_t ip_version;
	uint8_t addr[2][16];        /* by enum tt_endpoint */
	uint16_t port[2];
	tt_time_ns first, end;
	bool ended;                 /* TT_EVT_CONN_END seen */
	bool lingering;             /* ended in TIME_WAIT: told when it runs out (or at the end) */
	uint8_t outcome;            /* enum tt_outcome, once ended */
	uint8_t end_reason;
	uint8_t final_state[2];
	const char *closed_by;      /* static string or NULL */
	bool midstream;             /* no handshake seen: picked up mid-stream */
	uint8_t initial[2];         /* state before the first change */
	bool initial_set[2];
	tt_time_ns tw_deadline[2];
	uint8_t shift[2];           /* window scale applied, by sender */

	struct tt_story_row *rows;
	size_t n_rows, cap_rows;
	/* the run of ordinary segments now being collected */
	uint64_t run_n;
	struct tt_story_row run_tail[TT_STORY_RUN_SHOWN];
	size_t tail_n, tail_head;
	struct tt_story_row fold;   /* accumulates the folded middle */
	uint8_t pend_to[2];         /* states entered by the segment being fed */
	tt_time_ns pend_ts;
	bool pend;
	bool pend_rst_ignored;
	bool rows_capped;           /* TT_STORY_ROWS_MAX reached: more was folded */
	uint64_t rows_dropped;      /* keep_latest: the oldest rows let go */

	struct tt_story_trans trans[2][TT_STORY_TRANS_MAX];
	uint8_t n_trans[2];
	bool trans_truncated;

	struct tt_story_point *points;
	size_t n_points, cap_points;
	uint32_t stride, stride_pos; /* keep one point in `stride` */
	uint64_t segments;          /* all segments seen */
	uint32_t rtt_samples[2];
	tt_time_ns rtt_sum[2];
};

typedef void (*tt_story_fn)(const struct tt_story *s, void *user);

struct tt_story_config {
	struct tt_selector sel;
	bool rows;                  /* collect ladder rows */
	bool full;                  /* never fold */
	bool points;                /* collect plot samples */
	size_t max_rows;            /* rows kept over all connections; 0: TT_STORY_ROWS_MAX */
	bool keep_latest;           /* at the limit, drop the oldest half (the live view) */
	tt_story_fn on_done;        /* a story is complete (its record is final) */
	void *user;
};

struct tt_stories {
	struct tt_story_config cfg;
	struct tt_story *s[TT_STORY_CONNS_MAX];
	size_t n;
	uint64_t matched;           /* connections selected in all */
	uint64_t skipped;           /* selected beyond TT_STORY_CONNS_MAX at once */
	size_t rows_total;
	bool filter_hit;            /* TT_SEL_FILTER: the frame being fed passed the filter */
	uint64_t ended[TT_STORY_ENDED_MAX]; /* ids whose story was told: events after the
	                                     * record's end (a TIME_WAIT exit) start none */
	size_t ended_n;
	bool oom;
};

/** Start collecting. */
void tt_stories_init(struct tt_stories *st, const struct tt_story_config *cfg);

/** Every tracker event (with cfg.segments on in the tracker). */
void tt_stories_event(struct tt_stories *st, const struct tt_event *ev);

/**
 * The input is over at `input_end` (its last packet): tell the stories whose
 * record was written while an endpoint was in TIME_WAIT and whose exit never
 * came, observed in TIME_WAIT until then.  Call after tt_tracker_finish().
 */
void tt_stories_finish(struct tt_stories *st, tt_time_ns input_end);

/** Free what is left (stories not ended are freed without on_done). */
void tt_stories_free(struct tt_stories *st);

/** The story of connection id, or NULL (for the live view). */
const struct tt_story *tt_stories_find(const struct tt_stories *st, uint64_t id);

/** @return "SYN,ACK", "FIN,PSH,ACK", "-": the flags in the seeds' notation. */
int tt_story_flags(char *buf, size_t size, uint16_t flags);

/**
 * Label a segment row in the seeds' notation: `FLAGS seq(len) ack N win W
 * <options>`; seq(len) is left out of a pure ACK.  @return the length.
 */
int tt_story_label(char *buf, size_t size, const struct tt_story_row *r, bool absolute);

/** The state an endpoint had before the first row (LISTEN for a server seen answering). */
uint8_t tt_story_initial_state(const struct tt_story *s, int ep);

/** "end at 0.115950 s: closed by the client": when and how (eviction said). */
void tt_story_end_line(char *buf, size_t size, const struct tt_story *s);

/** The row's anomalies in words ("retransmission; dup ACK #2"); "" if none. @return length. */
int tt_story_notes(char *buf, size_t size, const struct tt_story_row *r);

#endif /* TCPTRACK_STORY_H */
