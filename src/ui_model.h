/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ui_model.h - what the live view shows, without a terminal (src/ui_model.c):
 * the table of connection rows kept between refreshes (rates, lingering
 * connections over), the filter, the sort, the column layout and the
 * human-readable units.  Private to src/ui_curses.c and tests/unit/test_ui.c.
 */
#ifndef TCPTRACK_UI_MODEL_H
#define TCPTRACK_UI_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcptrack/common.h"
#include "tcptrack/tcp_state.h"
#include "tcptrack/tracker.h"

#define TT_UI_MAX_ROWS 100000u  /* rows listed at most (beyond: counted as not listed) */
#define TT_UI_MAX_OVER 10000u   /* ... of which over (each keeps its final record); the
                                 * oldest leave first */
#define TT_UI_EP_SIZE 48        /* "[ffff:...:ffff]:65535" and its NUL */
#define TT_UI_RATE_WINDOW (TT_NS_PER_SEC * 9 / 10) /* shortest span a rate is measured over */

/* ---- units ---------------------------------------------------------------------------------- */

/** A count of bytes in at most 4 characters, powers of 1024: "999", "1.2K", "12K", "1.0M". */
int tt_ui_fmt_size(char *buf, size_t size, uint64_t v);

/** A duration in at most 4 characters: "0.3s", "42s", "17m", "5h", "12d" ("0s" if < 0). */
int tt_ui_fmt_dur(char *buf, size_t size, tt_time_ns d);

/**
 * Fit text into width columns: as is when it fits, else its last width - 1
 * characters after marker (one column, e.g. "~" or the UTF-8 ellipsis),
 * so a port at the end stays visible.  Text is ASCII.  @return the length in bytes.
 */
int tt_ui_fit_left(char *dst, size_t size, const char *src, int width, const char *marker);

/** @return a state's name in at most 7 characters ("ESTAB", "CLS_WT", "TIME_WT"...). */
const char *tt_ui_state_short(enum tt_tcp_state s);

/** @return the state named (full name or short name, any case, '-' for '_'), or -1. */
int tt_ui_state_parse(const char *name);

/* ---- rows ----------------------------------------------------------------------------------- */

/* One connection as listed: what the table needs, copied at each refresh. */
struct tt_ui_row {
	uint64_t id;
	uint32_t incarnation;
	uint8_t ip_version;
	uint8_t state[2];           /* by enum tt_endpoint */
	bool over;                  /* both endpoints CLOSED: lingers, dimmed */
	bool seen;                  /* open at the latest refresh */
	bool gone;                  /* evicted: leaves at the next refresh */
	bool has_win[2], scale_known[2];
	uint8_t ep_len[2];
	uint16_t port[2];
	char ep[2][TT_UI_EP_SIZE];  /* "10.0.0.1:80", "[fd00::1]:443" */
	tt_time_ns first, last;     /* first and last packet */
	tt_time_ns over_at;         /* when both endpoints were CLOSED, if over */
	uint64_t bytes[2];          /* payload each way: [TT_CLIENT] client to server */
	uint64_t packets[2];
	uint32_t retx[2];
	uint32_t win[2];            /* latest window each endpoint advertised (scaled if known) */
	uint64_t sample_bytes;      /* both ways, at sample_ts: the rate's starting point */
	tt_time_ns sample_ts;
	double rate;                /* bytes per second, both ways */
	struct tt_conn_copy *final; /* the record as it ended, if over (owned) */
};

/** Copy what a row shows from a connection (not the rate). */
void tt_ui_row_update(struct tt_ui_row *r, const struct tt_conn *c);

/** @return when both endpoints of c reached CLOSED (their latest history entries), or fallback. */
tt_time_ns tt_ui_closed_at(const struct tt_conn *c, tt_time_ns fallback);

/* ---- filter --------------------------------------------------------------------------------- */

#define TT_UI_FILTER_SIZE 64
#define TT_UI_FILTER_TERMS 8

enum tt_ui_term_kind { TT_UI_TERM_SUB = 0, TT_UI_TERM_STATE, TT_UI_TERM_PORT };

/*
 * Words separated by blanks, all of which must match (case does not matter):
 * a state name, "state:NAME"              either endpoint is in that state
 * ":PORT", "port:PORT"                    either port is PORT
 * anything else                           a substring of the client's or the server's
 *                                         "address:port" ("10.0.0.", "fd00::", ":44")
 */
struct tt_ui_filter {
	char text[TT_UI_FILTER_SIZE];  /* as typed; "" = everything */
	unsigned n;
	struct tt_ui_term {
		uint8_t kind;              /* enum tt_ui_term_kind */
		uint8_t state;
		uint16_t port;
		char sub[TT_UI_FILTER_SIZE];
	} t[TT_UI_FILTER_TERMS];
};

/** Parse text (truncated to TT_UI_FILTER_SIZE - 1; words beyond TT_UI_FILTER_TERMS ignored). */
void tt_ui_filter_set(struct tt_ui_filter *f, const char *text);

/** @return whether the row passes (always, for an empty filter). */
bool tt_ui_filter_match(const struct tt_ui_filter *f, const struct tt_ui_row *r);

/* ---- sort ----------------------------------------------------------------------------------- */

enum tt_ui_sort {
	TT_UI_SORT_RATE = 0,    /* descending unless reversed */
	TT_UI_SORT_BYTES,       /* both ways */
	TT_UI_SORT_AGE,         /* oldest first */
	TT_UI_SORT_IDLE,        /* longest idle first */
	TT_UI_SORT_STATE,       /* ascending: client state, then server state, RFC 793 order */
	TT_UI_SORT_RETX,        /* retransmissions both ways */
	TT_UI_SORT_N
};

/** @return "rate", "bytes", "age", "idle", "state", "retransmissions". */
const char *tt_ui_sort_name(enum tt_ui_sort s);

/** @return whether the sort's natural order (reverse == false) is descending. */
bool tt_ui_sort_descending(enum tt_ui_sort s);

/** @return the sort key of a row at `now`: rows sort by ascending key, then id. */
int64_t tt_ui_sort_key(const struct tt_ui_row *r, enum tt_ui_sort s, bool reverse, tt_time_ns now);

/* ---- columns -------------------------------------------------------------------------------- */

enum tt_ui_col {
	TT_UI_COL_CLIENT = 0,
	TT_UI_COL_SERVER,
	TT_UI_COL_CSTATE,
	TT_UI_COL_SSTATE,
	TT_UI_COL_AGE,
	TT_UI_COL_IDLE,
	TT_UI_COL_BYTES_OUT,    /* client to server */
	TT_UI_COL_BYTES_IN,     /* server to client */
	TT_UI_COL_RATE,
	TT_UI_COL_RETX,
	TT_UI_COL_CWIN,         /* WIN>: the window the client advertises */
	TT_UI_COL_SWIN,         /* WIN<: the window the server advertises */
	TT_UI_NCOLS
};

struct tt_ui_layout {
	int x[TT_UI_NCOLS];     /* first column on screen */
	int w[TT_UI_NCOLS];     /* width; 0 = not shown */
	bool short_states;      /* tt_ui_state_short() names */
	int total;              /* columns used */
};

/** @return a column's heading. */
const char *tt_ui_col_label(enum tt_ui_col c);

/**
 * Lay the table out on `cols` screen columns for addresses up to client_need
 * and server_need characters.  Everything when it fits; else, in order: the
 * windows go, then idle, then the bytes; then the addresses shrink (down to
 * 12 each, cut from the left); then states are abbreviated, then age,
 * retransmissions and rate go.  Columns gone while the addresses are whole
 * come back when they fit (bytes, then idle, then windows).
 */
void tt_ui_layout(struct tt_ui_layout *l, int cols, int client_need, int server_need);

/* ---- the table ------------------------------------------------------------------------------ */

struct tt_ui_sortkey {
	int64_t key;
	uint64_t id;
	uint32_t idx;
};

struct tt_ui_model {
	struct tt_ui_row *rows;     /* dense */
	uint32_t n, cap;
	uint32_t *hash;             /* row index + 1 by id (open addressing); 0 = empty */
	uint32_t hcap;              /* power of two, > 2 * n */
	uint32_t *view;             /* row indices, filtered and sorted */
	uint32_t nview;
	struct tt_ui_sortkey *keys; /* sort scratch, cap entries */
	tt_time_ns linger;
	tt_time_ns now;             /* of the latest refresh */
	/* From the latest refresh: */
	uint64_t open;                          /* connections open */
	uint64_t by_state[TT_TCP_NSTATES];      /* their endpoints in each state */
	uint64_t not_listed;                    /* open but beyond TT_UI_MAX_ROWS */
	uint32_t over;                          /* rows over (lingering) */
	bool oom;                               /* a row was lost for want of memory */
};

/** @return TT_OK or TT_ERR_NOMEM. */
int tt_ui_model_init(struct tt_ui_model *m, tt_time_ns linger);
void tt_ui_model_free(struct tt_ui_model *m);

/** @return the row of connection id, or NULL. */
struct tt_ui_row *tt_ui_model_find(const struct tt_ui_model *m, uint64_t id);

/** A refresh begins: every row unseen, the counts zero. */
void tt_ui_model_begin(struct tt_ui_model *m, tt_time_ns now);

/** An open connection at this refresh (tt_tracker_foreach_open()); updates its rate. */
void tt_ui_model_open(struct tt_ui_model *m, const struct tt_conn *c);

/**
 * A connection is over (both endpoints CLOSED, or its record final): its row
 * keeps c's final states and a copy of c, and lingers from when both
 * endpoints were CLOSED.  No row is made for one that ended longer ago than
 * the linger.
 */
void tt_ui_model_over(struct tt_ui_model *m, const struct tt_conn *c, tt_time_ns ts);

/** An evicted connection: its row leaves at the next refresh. */
void tt_ui_model_evicted(struct tt_ui_model *m, uint64_t id);

/**
 * The refresh ends: rows neither open nor over leave, and rows over longer
 * than the linger (the oldest first when more than TT_UI_MAX_OVER are).
 * Row indices change.
 */
void tt_ui_model_end(struct tt_ui_model *m);

/** Rebuild the view: the rows passing f, sorted (ties by id). */
void tt_ui_model_view(struct tt_ui_model *m, const struct tt_ui_filter *f, enum tt_ui_sort s,
                      bool reverse);

#endif /* TCPTRACK_UI_MODEL_H */
