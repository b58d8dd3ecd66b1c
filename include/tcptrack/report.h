/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report.h - report writers: text table, JSON Lines, CSV.
 *
 * Writers consume final connection records as the tracker hands them over
 * (tt_report_conn(): in batches, cfg.on_records), so memory does not grow
 * with the file, and write a summary at the end.
 * They never look at packets; the summary's diagnoses also follow the
 * tracker's state changes (tt_report_event()).
 */
#ifndef TCPTRACK_REPORT_H
#define TCPTRACK_REPORT_H

#include <stdio.h>

#include "tcptrack/common.h"
#include "tcptrack/tracker.h"

enum tt_report_format { TT_FMT_TEXT = 0, TT_FMT_JSON, TT_FMT_CSV };

/* What the summary says about the input. */
struct tt_input_info {
	const char *name;       /* file name, "(stdin)" */
	const char *link_name;  /* "EN10MB" */
	int dlt;
	bool truncated;         /* the file ended in the middle of a record */
	const char *error;      /* why reading stopped early (truncation included), or NULL */
	bool link_unsupported;  /* every frame was skipped for its link type */
	uint64_t limit_packets; /* -c N, 0 if none */
	bool stopped_by_limit;
};

struct tt_report;

/* A writer (dav1d Muxer style).  Every callback gets the report. */
struct tt_report_writer {
	const char *name;
	void (*begin)(struct tt_report *r);
	/* (outcome: tt_conn_outcome(c), worked out once for the counts, the diagnoses and
	 * the writer) */
	void (*conn)(struct tt_report *r, const struct tt_conn *c, enum tt_outcome outcome);
	void (*summary)(struct tt_report *r, const struct tt_stats *st, const struct tt_input_info *in);
};

/* Summary counts collected over the records written. */
struct tt_report_counts {
	uint64_t conns;
	uint64_t by_outcome[TT_OUT_NUM];
	uint64_t by_state_pair[11][11]; /* [client state][server state] */
	uint64_t evicted;
	/* Totals over the records written. */
	uint64_t packets;
	uint64_t anomalies[TT_AN_COUNT];
	tt_time_ns zero_window;
	uint64_t rtt_samples;
	tt_time_ns rtt_sum;
	uint64_t hs_rtts;
	tt_time_ns hs_rtt_sum;
	/* Records on which a bounded buffer was full. */
	uint64_t history_cut;       /* an endpoint's state history was cut (TT_HISTORY_MAX) */
	uint64_t gaps_forgotten;    /* a sequence gap was forgotten (TT_MAX_HOLES) */
	uint64_t rtt_untimed;       /* a segment went untimed (TT_RTT_SLOTS) */
	uint64_t ext_missing;       /* no side block: counts stopped at 15 (TT_DIR_LIM_EXT) */
};

/* A limit the run reached: its name, its value and how often it acted. */
struct tt_report_limit {
	const char *name;           /* "max_flows", "state_history", ... */
	uint64_t limit;
	uint64_t count;
	const char *unit;           /* what count counts: "connections evicted", ... */
};
#define TT_REPORT_LIMITS_MAX 6

/* The per-direction counters, in report order, under their report names. */
struct tt_report_counter {
	enum tt_anomaly an;
	const char *name;           /* "retransmissions", "dup_acks", ... */
};
extern const struct tt_report_counter tt_report_counters[TT_AN_COUNT];

/* ---- diagnoses (report_diag.c) ---- */

#define TT_DIAG_LIST_MAX 20       /* CLOSE_WAIT and half-closed connections listed */
#define TT_DIAG_TOP 5             /* keys listed per TIME_WAIT table and failure kind */
#define TT_DIAG_KEYS_MAX 65536u   /* keys per table; beyond, they are pooled in `other` */
#define TT_DIAG_CLOSE_WAIT_DEFAULT (60 * TT_NS_PER_SEC)

enum tt_diag_fail { TT_DIAG_REFUSED = 0, TT_DIAG_TIMEOUT, TT_DIAG_UNREACHABLE, TT_DIAG_NFAIL };

/* An address and port (0 for a client address alone). */
struct tt_diag_key {
	uint8_t ip_version;
	uint16_t port;
	uint8_t addr[16];
};

struct tt_diag_entry {
	struct tt_diag_key key;     /* key.ip_version 0: an empty slot */
	uint32_t seq;               /* order of first appearance (ties list the first) */
	uint32_t cur, peak;         /* TIME_WAIT: connections in it now, most at once */
	tt_time_ns peak_at;         /* when the peak was first reached */
	uint64_t n;                 /* TIME_WAIT entries, or failed openings to the target */
};

/* Counters by key, in the slots themselves (open addressing, at most half
 * full: a lookup is one cache miss, not an index's and an entry's); bounded,
 * so a scan of random addresses cannot exhaust memory: keys beyond
 * TT_DIAG_KEYS_MAX (or beyond memory) share `other`. */
struct tt_diag_table {
	struct tt_diag_entry *slot;
	uint32_t n;                 /* keys */
	uint32_t cap;               /* slots: 0, or a power of two */
	struct tt_diag_entry other;
	bool pooled;                /* `other` was used */
};

/* An endpoint that stayed in CLOSE_WAIT longer than the alert. */
struct tt_diag_close_wait {
	uint64_t id;
	tt_time_ns duration;
	uint8_t ip_version;
	uint8_t endpoint;           /* enum tt_endpoint */
	bool open_at_end;           /* still in CLOSE_WAIT when the record ended */
	uint16_t lport, pport;
	uint8_t local[16], peer[16];
};

/* A TIME_WAIT count change waiting its turn (see tt_report_event()). */
struct tt_diag_tw_change {
	struct tt_diag_key server, client;
	uint32_t server_hash, client_hash;
	int32_t delta;              /* +1 or -1 */
	tt_time_ns ts;
};
#define TT_DIAG_TW_LAG 4 /* changes waiting while their slots are fetched */
#define TT_DIAG_TW_RING 8 /* their ring: room for one more, a power of two */

struct tt_report_diag {
	tt_time_ns close_wait_alert;    /* --close-wait-alert; set after tt_report_init() */
	uint64_t close_wait_n;
	struct tt_diag_close_wait close_wait[TT_DIAG_LIST_MAX];
	uint64_t half_closed_n;
	uint64_t half_closed[TT_DIAG_LIST_MAX];
	struct tt_diag_table tw_server; /* connections in TIME_WAIT by server address and port */
	struct tt_diag_table tw_client; /* ... by client address */
	uint64_t fail_n[TT_DIAG_NFAIL];
	struct tt_diag_table fail[TT_DIAG_NFAIL]; /* failed openings by server address and port */
	uint64_t resets_by[2];          /* by enum tt_endpoint of the sender */
	/* The TIME_WAIT changes not yet counted, oldest first from tw_head (a
	 * ring): tt_diag_flush() counts them. */
	struct tt_diag_tw_change tw_wait[TT_DIAG_TW_RING];
	uint32_t tw_head, tw_n;
};

struct tt_outbuf;

struct tt_report {
	const struct tt_report_writer *w;
	FILE *out;
	struct tt_outbuf *batch;    /* records built here and written in large blocks, or NULL */
	struct tt_report_counts counts;
	struct tt_report_diag diag;
	bool began;
};

/** @return the format named "text", "json" (or "jsonl") or "csv"; -1 if unknown. */
int tt_report_format_from_name(const char *name);

/** Start a report on out (not owned). */
void tt_report_init(struct tt_report *r, enum tt_report_format fmt, FILE *out);

/**
 * Build the records (text and JSON) in one large buffer, written to out's
 * descriptor directly when full and before the summary, rather than copied
 * into out's stdio buffer record by record.  Only for a report that has its
 * stream to itself until tt_report_finish() or tt_report_free() (the order
 * with anything else written to it in between would not hold).  Without the
 * memory, records go out one by one as before.
 */
void tt_report_batch(struct tt_report *r);

/** Write one final record. */
void tt_report_conn(struct tt_report *r, const struct tt_conn *c);

/** Write the summary (text and JSON; CSV has none). */
void tt_report_finish(struct tt_report *r, const struct tt_stats *st,
                      const struct tt_input_info *in);

/**
 * Write what the batch still holds and free it and what the diagnoses
 * allocated; the report may not be used after.  Idempotent.
 */
void tt_report_free(struct tt_report *r);

/**
 * Every tracker event, in the order emitted (before tt_report_conn() for a
 * TT_EVT_CONN_END): follows the connections in TIME_WAIT over time.  Events
 * come per state change, never per packet.
 */
void tt_report_event(struct tt_report *r, const struct tt_event *ev);

/**
 * Count the TIME_WAIT changes still waiting: tt_report_event() counts each
 * TT_DIAG_TW_LAG changes later, its table slots asked for meanwhile (they are
 * cold when a connection leaves TIME_WAIT, 2*MSL after it entered), in the
 * same order.  tt_report_finish() does before the summary; read the tables
 * in between only after it.
 */
void tt_diag_flush(struct tt_report_diag *d);

/** Free the diagnoses' tables (tt_report_free() does). */
void tt_diag_free(struct tt_report_diag *d);

/** Count a final record, of outcome tt_conn_outcome(c), in the diagnoses
 * (tt_report_conn() does, with the outcome it has counted already). */
void tt_diag_conn(struct tt_report_diag *d, const struct tt_conn *c, enum tt_outcome outcome);

/** @return whether any diagnosis has something to say. */
bool tt_diag_any(const struct tt_report_diag *d);

/** @return the entry of key k in t, or NULL if it has none (new, or pooled). */
const struct tt_diag_entry *tt_diag_find(const struct tt_diag_table *t,
                                         const struct tt_diag_key *k);

/**
 * The entries of t with the highest peak (by_peak; ties: earlier peak, then
 * first seen) or count (ties: first seen), best first.  @return how many (<= TT_DIAG_TOP).
 */
size_t tt_diag_top(const struct tt_diag_table *t, bool by_peak,
                   const struct tt_diag_entry *top[TT_DIAG_TOP]);

/** Write the summary's "diagnoses:" lines (nothing when tt_diag_any() is false). */
void tt_diag_write_text(FILE *f, const struct tt_report_diag *d);

/** Write the summary's "diagnoses" member, with its leading comma. */
void tt_diag_write_json(FILE *f, const struct tt_report_diag *d);

/**
 * The limits the run hit, for the summary: --max-flows (evictions), the state
 * history, the sequence gaps and RTT slots per direction, the diagnoses' key
 * tables, the --at listener table.  @return how many were stored in out[].
 */
size_t tt_report_limits(const struct tt_report *r, const struct tt_stats *st,
                        struct tt_report_limit out[TT_REPORT_LIMITS_MAX]);

/** @return the frames counted under a malformed decode result, all reasons together. */
uint64_t tt_report_malformed_total(const struct tt_stats *st);

/**
 * Format a capture time as decimal epoch seconds: 6 decimals, or 9 when the
 * time has sub-microsecond digits.  @return the length written (buf >= 32 bytes).
 */
int tt_format_time(char *buf, size_t size, tt_time_ns t);

/** Format a capture time as "2023-11-14 22:13:20.000000 UTC". */
void tt_format_utc(char *buf, size_t size, tt_time_ns t);

/** Format a duration as milliseconds with microsecond digits: "20.104". @return length. */
int tt_format_ms(char *buf, size_t size, tt_time_ns d);

/** Format an address "10.0.0.1" or "fd00::1" (RFC 5952). @return length. */
int tt_format_addr(char *buf, size_t size, uint8_t ip_version, const uint8_t addr[16]);

/** Format an endpoint "10.0.0.1:80" or "[fd00::1]:443" (RFC 5952). @return length. */
int tt_format_endpoint(char *buf, size_t size, uint8_t ip_version, const uint8_t addr[16],
                       uint16_t port);

/* ---- --at: the socket table at one instant (report_at.c) ---- */

struct tt_at_row {
	uint64_t id;                /* connection id; 0 for a listening socket */
	tt_time_ns since;           /* when the endpoint entered the state (listener: proven) */
	uint8_t ip_version;
	uint8_t state;              /* enum tt_tcp_state */
	uint8_t endpoint;           /* enum tt_endpoint of a connection's row */
	uint16_t lport, pport;
	uint8_t local[16], peer[16];
};

struct tt_at {
	tt_time_ns at;
	struct tt_at_row *rows;
	size_t n, cap, n_listen;
	uint64_t conns;             /* connections with at least one row */
	uint64_t listeners_dropped; /* beyond the listener cap */
	uint32_t *lhash;            /* listener index (open addressing) */
	uint32_t lcap;
	bool oom;                   /* rows were lost for want of memory */
};

/** Start an empty table for instant at. */
int tt_at_init(struct tt_at *a, tt_time_ns at);

/** Add a row for each endpoint of c that had a socket at the table's instant. */
void tt_at_add_conn(struct tt_at *a, const struct tt_conn *c);

/** A listening socket proven by a handshake (added once per address and port). */
void tt_at_add_listener(struct tt_at *a, uint8_t ip_version, const uint8_t addr[16],
                        uint16_t port, tt_time_ns since);

/** Sort the rows as ss does and write them with the counts per state. */
void tt_at_write(struct tt_at *a, enum tt_report_format fmt, FILE *out);

void tt_at_free(struct tt_at *a);

/**
 * One line for a tracker event (report_events.c): the live monitor's
 * scripting mode.  Text: "TIME ID CLIENT > SERVER what"; JSON: an object with
 * "type":"event" and "event" one of opened, state, anomaly, closed.
 */
void tt_report_event_line(FILE *f, enum tt_report_format fmt, const struct tt_event *ev);

/* The writers (report_text.c, report_json.c, report_csv.c). */
extern const struct tt_report_writer tt_writer_text;
extern const struct tt_report_writer tt_writer_json;
extern const struct tt_report_writer tt_writer_csv;

#endif /* TCPTRACK_REPORT_H */
