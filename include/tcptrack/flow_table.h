/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * flow_table.h - connections by 4-tuple: open addressing over a preallocated
 * pool, least-recently-active order, and FIFO timer lists.
 *
 * The table does not know what a connection record holds: records are
 * elem_size bytes and begin with a struct tt_flow_node that the table owns.
 * Nothing is allocated per packet: the pool is address space reserved for
 * max_flows records, resident as records are first used (or, for a small
 * table, chunks of records allocated as needed), and the index doubles as
 * connections are added (amortised O(1)), up to max_flows.  A timer list holds
 * flows whose deadlines all have the same delay, so appending keeps it sorted
 * and every operation is O(1).
 */
#ifndef TCPTRACK_FLOW_TABLE_H
#define TCPTRACK_FLOW_TABLE_H

#include "tcptrack/common.h"

#include <string.h>

/* Canonical key: the lower (address, port) endpoint first. */
struct tt_flow_key {
	uint8_t addr[2][16];
	uint16_t port[2];
	uint8_t ip_version;
	uint8_t pad[3];
};

#define TT_FLOW_NTIMERS 3
#define TT_FLOW_NIL UINT32_MAX

/* Embedded at offset 0 of every record; fields are the table's.  72 bytes:
 * the hash is in the index slot (tt_flow_hash() of the key gives it again),
 * and a free record, on no timer list, links the free list through tmr_prev. */
struct tt_flow_node {
	struct tt_flow_key key;
	uint64_t stamp;                  /* when last touched (least-recently-active order) */
	tt_time_ns deadline;             /* valid while on a timer list */
	uint32_t self;                   /* own pool index */
	union {
		uint32_t tmr_prev;       /* while in use */
		uint32_t free_next;      /* free list link while not in use */
	};
	uint32_t tmr_next;
	int8_t tmr_list;                 /* -1: on no timer list */
	bool in_use;
};

struct tt_flow_table; /* opaque */

/**
 * Build the canonical key of a segment.
 * @return true when (src, sport) is the key's second endpoint (key.addr[1]).
 */
bool tt_flow_key_make(struct tt_flow_key *key, uint8_t ip_version, const uint8_t src[16],
                      uint16_t sport, const uint8_t dst[16], uint16_t dport);

/**
 * Create a table.
 * @param max_flows  records at once (>= 1); inserts fail when the table holds as many
 * @param elem_size  record size, >= sizeof(struct tt_flow_node)
 * @param seed       hash seed
 * @return TT_OK, TT_ERR_INVAL or TT_ERR_NOMEM (errbuf says why).
 */
int tt_flow_table_new(struct tt_flow_table **out, uint32_t max_flows, size_t elem_size,
                      uint32_t seed, char *errbuf);

/**
 * tt_flow_table_new() of a table whose records may also be detached: taken out
 * of it (tt_flow_detach_hashed()), their memory kept until tt_flow_release().
 * @param held  records detached at once, at most (0 to 65536): the pool has
 *              max_flows + held records, and the table holds max_flows of them
 * @return as tt_flow_table_new().
 */
int tt_flow_table_new_held(struct tt_flow_table **out, uint32_t max_flows, uint32_t held,
                           size_t elem_size, uint32_t seed, char *errbuf);

/** Free the table and every record; accepts NULL; sets *tp to NULL. */
void tt_flow_table_free(struct tt_flow_table **tp);

/** The port pair as tt_flow_key_make_hash() takes it: sport then dport, as they
 * lie in memory side by side (one 32-bit load from a struct that has them so). */
static inline uint32_t tt_flow_ports(uint16_t sport, uint16_t dport)
{
	uint16_t p[2] = {sport, dport};
	uint32_t w;

	memcpy(&w, p, sizeof(w));
	return w;
}

/**
 * tt_flow_key_make() and tt_flow_hash() in one: the hash is worked out as the
 * key is built (a segment's lookup, on the hot path).  ports: tt_flow_ports()
 * (one argument, not two: all but one are passed in registers).
 */
bool tt_flow_key_make_hash(const struct tt_flow_table *t, struct tt_flow_key *key,
                           uint32_t *hash, uint8_t ip_version, const uint8_t src[16],
                           const uint8_t dst[16], uint32_t ports);

/** @return the hash of key (pass it to lookup and insert). */
uint32_t tt_flow_hash(const struct tt_flow_table *t, const struct tt_flow_key *key);

/** @return the record with this key, or NULL. */
void *tt_flow_lookup(struct tt_flow_table *t, const struct tt_flow_key *key, uint32_t hash);

/**
 * The record the first index slot with this hash names, for prefetching: it
 * may have another key, and the call touches no record.  @return it, or NULL.
 */
const void *tt_flow_peek(const struct tt_flow_table *t, uint32_t hash);

/**
 * As tt_flow_lookup(), with a hint: a record tt_flow_peek() named earlier (or
 * NULL), taken without probing the index if it is still in use with this key.
 * (Keys are unique in the table, so it is the record the lookup would find.)
 */
void *tt_flow_lookup_hint(struct tt_flow_table *t, const void *hint,
                          const struct tt_flow_key *key, uint32_t hash);

/** A hint: the index slot of this hash is probed soon (prefetch it; no load). */
void tt_flow_prefetch_slot(const struct tt_flow_table *t, uint32_t hash);

/**
 * Insert a zeroed record for key (which must not be present); it becomes the
 * most recently active.
 * @return the record, or NULL when the pool is full (evict, then retry).
 */
void *tt_flow_insert(struct tt_flow_table *t, const struct tt_flow_key *key, uint32_t hash);

/** Remove a record (from the index, the LRU order and any timer list). */
void tt_flow_remove(struct tt_flow_table *t, void *rec);

/** tt_flow_remove() of a record whose key's hash (tt_flow_hash()) is at hand. */
void tt_flow_remove_hashed(struct tt_flow_table *t, void *rec, uint32_t hash);

/**
 * Take a record out of the table as tt_flow_remove_hashed() does (index, LRU
 * order, timer list: the table no longer has it, and counts it as gone), but
 * keep its memory and contents until tt_flow_release().  At most `held`
 * (tt_flow_table_new_held()) records are detached at once.
 */
void tt_flow_detach_hashed(struct tt_flow_table *t, void *rec, uint32_t hash);

/** Give back the memory of a record tt_flow_detach_hashed() took out. */
void tt_flow_release(struct tt_flow_table *t, void *rec);

/** Make rec the most recently active record. */
void tt_flow_touch(struct tt_flow_table *t, void *rec);

/** Keep no least-recently-active order (tt_flow_lru_oldest() then returns NULL). */
void tt_flow_table_no_lru(struct tt_flow_table *t);

/** @return the least recently active record, or NULL when empty. */
void *tt_flow_lru_oldest(struct tt_flow_table *t);

/** Put rec at the tail of timer list `list` with `deadline` (leaving any other list). */
void tt_flow_timer_set(struct tt_flow_table *t, void *rec, int list, tt_time_ns deadline);

/**
 * Put rec on timer list `list` at its place by deadline (equal deadlines keep
 * their arrival order).  The place is searched from a hint of about a
 * millisecond of deadlines, so the cost does not grow with the records
 * inserted out of order meanwhile.  A list that tt_flow_timer_set() appends to
 * is searched from the tail instead.
 */
void tt_flow_timer_insert(struct tt_flow_table *t, void *rec, int list, tt_time_ns deadline);

/** Take rec off its timer list, if any. */
void tt_flow_timer_cancel(struct tt_flow_table *t, void *rec);

/** @return the head of timer list `list` (earliest deadline), or NULL. */
void *tt_flow_timer_first(struct tt_flow_table *t, int list);

/** A hint: the records after rec on its timer list are needed soon (prefetch
 * the next one's index slot and quantum hint, and both lines of the node of the
 * record after it). */
void tt_flow_timer_prefetch_next(const struct tt_flow_table *t, const void *rec);

/** @return the number of records in use. */
uint32_t tt_flow_count(const struct tt_flow_table *t);

/** @return the most records the table holds at once (max_flows). */
uint32_t tt_flow_capacity(const struct tt_flow_table *t);

/** @return the record at pool index i if it is in use, else NULL (for iteration). */
void *tt_flow_at(struct tt_flow_table *t, uint32_t i);

/** @return the highest pool index ever used plus one (iteration bound). */
uint32_t tt_flow_used_bound(const struct tt_flow_table *t);

/**
 * @return true if the pool is one reservation of address space on huge pages
 * (large tables), false if it is chunks allocated as needed (small tables,
 * or where the address space could not be reserved).  Either way the
 * resident memory follows the records used.
 */
bool tt_flow_table_reserved(const struct tt_flow_table *t);

/*
 * Side blocks: fixed-size blocks that only some records need (a direction's
 * sequence gaps and condition counts, say), so that a record stays small for
 * the connections that need none.  Blocks come from chunks allocated on
 * demand, at most max_blocks of them, and freed blocks are reused; a block is
 * zeroed when it is put back (still in the cache), so it is handed out zeroed.
 */
struct tt_flow_slab; /* opaque */

/**
 * Create a slab of blocks of block_size bytes (at least a pointer's size),
 * at most max_blocks in use at once.
 * @return TT_OK, or TT_ERR_INVAL / TT_ERR_NOMEM with errbuf set.
 */
int tt_flow_slab_new(struct tt_flow_slab **out, size_t block_size, uint32_t max_blocks,
                     char *errbuf);

/** Free the slab and every block. *sp becomes NULL; NULL is ignored. */
void tt_flow_slab_free(struct tt_flow_slab **sp);

/**
 * Hand blocks out as they were put back, not zeroed (for blocks whose users
 * write before they read: a ring of slots with its own count).  Call before
 * the first tt_flow_slab_get().
 */
void tt_flow_slab_no_zero(struct tt_flow_slab *s);

/** @return a zeroed block (see tt_flow_slab_no_zero()), or NULL when max_blocks are in use
 *  or memory ran out. */
void *tt_flow_slab_get(struct tt_flow_slab *s);

/** Give back a block from tt_flow_slab_get() (NULL is ignored). */
void tt_flow_slab_put(struct tt_flow_slab *s, void *block);

/*
 * Blocks named by number instead of address, for a record that keeps 4 bytes
 * instead of a pointer: 1 .. max_blocks, 0 for none.  A slab is used either
 * this way or by pointer (tt_flow_slab_get(), tt_flow_slab_put()), not both.
 */

/** @return the number of a block handed out as tt_flow_slab_get() does, or 0 when none
 *  can be. */
uint32_t tt_flow_slab_get_id(struct tt_flow_slab *s);

/** @return the block numbered id (not 0) by tt_flow_slab_get_id(). */
void *tt_flow_slab_at(const struct tt_flow_slab *s, uint32_t id);

/** Give back the block numbered id (0 is ignored). */
void tt_flow_slab_put_id(struct tt_flow_slab *s, uint32_t id);

/** @return the blocks in use. */
uint32_t tt_flow_slab_count(const struct tt_flow_slab *s);

#endif /* TCPTRACK_FLOW_TABLE_H */
