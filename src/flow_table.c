/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * flow_table.c - open addressing (linear probing, backward-shift deletion, no
 * tombstones) over uint32 indices into a record pool.
 *
 * The pool grows by chunks of CHUNK records up to max_flows (plus the records
 * that may be detached at once, tt_flow_table_new_held()), and the index
 * doubles (load <= 1/2) as the pool grows, so memory follows the connections
 * tracked at once rather than --max-flows, and start-up costs nothing.
 * Records never move: pointers stay valid until tt_flow_remove(), or
 * tt_flow_release() of a record tt_flow_detach_hashed() took out.
 */
#include "tcptrack/flow_table.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/*
 * A timer list, doubly linked through the records.  A list kept in deadline
 * order (tt_flow_timer_insert()) takes a record whose deadline is not before
 * the tail's after the tail, which is in the cache (every insert on a list of
 * records armed in order, a tenth of them on the compact TIME_WAIT list of the
 * 10-packet-connection bench capture).  For the others it has hints: for a
 * deadline quantum of about a millisecond, its slot names the last record of
 * that quantum.  Such an insert starts from the hint of its quantum or of one
 * shortly before and walks a few records, where walking back from the tail
 * passes every record inserted meanwhile with a later deadline (compact
 * TIME_WAIT entries come in order of their end, not of their deadline: dozens
 * of cache misses each).
 * A hint is only a place to start: it is checked before use and the list
 * order does not depend on it.
 */
#define HINT_BITS 14                 /* slots: 16384 quanta, about 17 s */
#define HINT_QUANTUM_SHIFT 20        /* 2^20 ns, about 1 ms */
#define HINT_SCAN 64                 /* quanta looked back for a hint */

/* A hint: the record (index + 1, 0 for none) and the rest of its quantum's
 * number (quantum >> HINT_BITS), so that a hint left by a quantum 17 s
 * earlier or later is told apart without reading its record (a cache miss,
 * for a TIME_WAIT entry inserted a minute before its deadline). */
struct hint {
	uint32_t idx;
	uint32_t tag;
};

struct list {
	uint32_t head, tail;
	struct hint *hint;       /* NULL, or 1 << HINT_BITS slots */
	bool no_hint;            /* appended to out of order: never hinted */
};

#define CHUNK_SHIFT 12
#define CHUNK (UINT32_C(1) << CHUNK_SHIFT)
#define MIN_SLOTS 1024u

/* An index slot: record index + 1 (0 = empty) and the record's hash, so that a
 * probe reads one 8-byte slot and touches a record only when the hashes match. */
struct slot {
	uint32_t idx;
	uint32_t hash;
};

/* A candidate for the least recently active record: current while the record
 * is in use with this stamp. */
struct lru_ent {
	uint64_t stamp;
	uint32_t idx;
};

struct tt_flow_table {
	uint8_t **chunks;        /* ceil(pool / CHUNK) pointers, allocated on demand */
	uint32_t n_chunks;       /* chunks allocated */
	uint8_t *arena;          /* or NULL: the reserved pool that chunks[] point into */
	size_t arena_len;
	size_t elem_size;
	uint32_t max_flows;      /* records in the table at once */
	uint32_t pool;           /* max_flows + the records that may be detached at once */
	uint32_t n_used;         /* in the table (not detached) */
	uint32_t n_detached;     /* out of the table, their memory not yet released */
	uint32_t bound;          /* highest index ever handed out + 1 */
	uint32_t free_head;      /* freed records, linked through free_next */
	struct slot *slots;      /* the index: probed without touching records */
	uint32_t mask;           /* slots - 1 (power of two) */
	uint32_t grow_at;        /* records in use past which the index doubles: 3/4 of its
	                          * slots, worked out when it is sized, not at every insert */
	uint32_t seed;
	bool use_lru;            /* keep the least-recently-active order */
	struct lru_ent *lru;     /* the oldest records, oldest first (see tt_flow_lru_oldest()) */
	uint32_t lru_head, lru_len, lru_cap;
	uint64_t clock;          /* the last stamp given */
	struct list timers[TT_FLOW_NTIMERS];
};

/*
 * The pool as one reservation of address space for its records, on huge
 * pages: pages become resident only as records are first used, so the RSS
 * follows the most records in use at once (to within one huge page), and
 * every record a segment touches is mapped by a few TLB entries instead of
 * one per 4 KiB.  Where the address space cannot be had (a strict overcommit
 * policy, a ulimit -v), the chunks are allocated one by one instead.
 */
static bool arena_reserve(struct tt_flow_table *t)
{
	size_t need = (size_t)t->pool * t->elem_size;
	size_t len = (need + TT_HUGE_PAGE - 1) & ~(TT_HUGE_PAGE - 1);
	uint8_t *p, *start;

	if (need < TT_HUGE_PAGE)
		return false; /* small tables: chunks waste nothing */
	p = mmap(NULL, len + TT_HUGE_PAGE, PROT_READ | PROT_WRITE,
	         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return false;
	start = (uint8_t *)(((uintptr_t)p + TT_HUGE_PAGE - 1) & ~(uintptr_t)(TT_HUGE_PAGE - 1));
	if (start > p)
		(void)munmap(p, (size_t)(start - p));
	(void)munmap(start + len, (size_t)(p + TT_HUGE_PAGE - start));
#ifdef MADV_HUGEPAGE
	(void)madvise(start, len, MADV_HUGEPAGE); /* a hint: without it, 4 KiB pages */
#endif
	t->arena = start;
	t->arena_len = len;
	for (uint32_t k = 0; (size_t)k * CHUNK < t->pool; k++)
		t->chunks[t->n_chunks++] = start + (size_t)k * CHUNK * t->elem_size;
	return true;
}

/* The deadline quantum, monotonic over the whole range of tt_time_ns. */
static inline uint64_t quantum(tt_time_ns d)
{
	return ((uint64_t)d ^ (UINT64_C(1) << 63)) >> HINT_QUANTUM_SHIFT;
}

static inline uint32_t hint_tag(uint64_t q)
{
	return (uint32_t)(q >> HINT_BITS);
}

static inline uint32_t hint_slot(uint64_t q)
{
	return (uint32_t)q & ((UINT32_C(1) << HINT_BITS) - 1);
}

static inline struct tt_flow_node *node_at(const struct tt_flow_table *t, uint32_t i)
{
	uint8_t *chunk = t->chunks[i >> CHUNK_SHIFT];
	return (struct tt_flow_node *)(void *)(chunk + (size_t)(i & (CHUNK - 1)) * t->elem_size);
}

static inline uint32_t index_of(const struct tt_flow_table *t, const void *rec)
{
	(void)t;
	return ((const struct tt_flow_node *)rec)->self;
}

/* The key's last word: the ports and the IP version as they lie in memory
 * (port[0], port[1], ip_version, zero padding).  ports: tt_flow_ports(), the
 * segment's pair, which goes first unless swapped. */
static inline uint64_t ports_word(uint32_t ports, bool swapped, uint8_t ip_version)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* (the pair as it lies, or turned round: a rotation) */
	return (uint64_t)(swapped ? ports >> 16 | ports << 16 : ports) | (uint64_t)ip_version << 32;
#else
	struct tt_flow_key k;
	uint16_t p[2];
	uint64_t w;

	memcpy(p, &ports, sizeof(p));
	memset(&k, 0, sizeof(k));
	k.port[0] = p[swapped];
	k.port[1] = p[!swapped];
	k.ip_version = ip_version;
	memcpy(&w, &k.port, sizeof(w));
	return w;
#endif
}

static inline uint32_t hash_words(uint32_t seed, uint64_t w0, uint64_t w1, uint64_t w2,
                                  uint64_t w3, uint64_t w4)
{
	uint64_t h = seed ^ UINT64_C(0x2545f4914f6cdd1d);

	if ((w1 | w3) == 0) {
		/* IPv4 (and IPv6 whose addresses end in eight zero bytes): both
		 * addresses fit one word, rotated so that neither hides the other. */
		h = tt_hash_mix(h, w0 ^ (w2 << 32 | w2 >> 32));
	} else {
		h = tt_hash_mix(h, w0);
		h = tt_hash_mix(h, w1);
		h = tt_hash_mix(h, w2);
		h = tt_hash_mix(h, w3);
	}
	h = tt_hash_mix(h, w4);
	return (uint32_t)(h ^ (h >> 32));
}

/* 8 bytes as a big-endian number (gcc makes it one load and a byte swap). */
static inline uint64_t be64(const uint8_t *b)
{
	return (uint64_t)b[0] << 56 | (uint64_t)b[1] << 48 | (uint64_t)b[2] << 40 |
	       (uint64_t)b[3] << 32 | (uint64_t)b[4] << 24 | (uint64_t)b[5] << 16 |
	       (uint64_t)b[6] << 8 | b[7];
}

/* The key's five 8-byte words. */
struct key_words {
	uint64_t w0, w1, w2, w3, w4;
};

/*
 * The key as five words, built in registers: the key is stored a word at a
 * time and the hash worked out from the registers.  (Loading the key back
 * right after it was stored, in pieces of other sizes than the stores', would
 * wait for the stores to reach the cache: a store forwards its data only to
 * loads it covers.)  IPv4 addresses are read as the 4-byte words the decoder
 * stored.
 */
static inline bool key_words(struct key_words *k, uint8_t ip_version, const uint8_t src[16],
                             const uint8_t dst[16], uint32_t ports)
{
	uint64_t s0, s1, d0, d1;
	uint16_t pp[2];
	bool swapped;

	memcpy(pp, &ports, sizeof(pp));
	uint16_t sport = pp[0], dport = pp[1];

	if (ip_version == 4) {
		uint32_t a, b;
		memcpy(&a, src, 4);
		memcpy(&b, dst, 4);
		/* Byte order is memcmp() order: compare the addresses as big-endian numbers. */
		uint32_t ha = (uint32_t)src[0] << 24 | (uint32_t)src[1] << 16 |
		              (uint32_t)src[2] << 8 | src[3];
		uint32_t hb = (uint32_t)dst[0] << 24 | (uint32_t)dst[1] << 16 |
		              (uint32_t)dst[2] << 8 | dst[3];
		swapped = ha > hb || (ha == hb && sport > dport);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		s0 = a;
		d0 = b;
#else
		s0 = (uint64_t)a << 32;
		d0 = (uint64_t)b << 32;
#endif
		s1 = d1 = 0;
	} else {
		/* memcmp() order again, as two big-endian numbers each: no call,
		 * so the key is built without saving registers. */
		uint64_t hs0 = be64(src), hs1 = be64(src + 8);
		uint64_t hd0 = be64(dst), hd1 = be64(dst + 8);
		swapped = hs0 > hd0 ||
		          (hs0 == hd0 && (hs1 > hd1 || (hs1 == hd1 && sport > dport)));
		memcpy(&s0, src, 8);
		memcpy(&s1, src + 8, 8);
		memcpy(&d0, dst, 8);
		memcpy(&d1, dst + 8, 8);
	}
	k->w0 = swapped ? d0 : s0;
	k->w1 = swapped ? d1 : s1;
	k->w2 = swapped ? s0 : d0;
	k->w3 = swapped ? s1 : d1;
	k->w4 = ports_word(ports, swapped, ip_version);
	return swapped;
}

/* Store the words one by one (8-byte stores). */
static inline void key_store(struct tt_flow_key *key, const struct key_words *k)
{
	unsigned char *b = (unsigned char *)key;

	memcpy(b, &k->w0, 8);
	memcpy(b + 8, &k->w1, 8);
	memcpy(b + 16, &k->w2, 8);
	memcpy(b + 24, &k->w3, 8);
	memcpy(b + 32, &k->w4, 8);
}

bool tt_flow_key_make(struct tt_flow_key *key, uint8_t ip_version, const uint8_t src[16],
                      uint16_t sport, const uint8_t dst[16], uint16_t dport)
{
	struct key_words k;
	bool swapped = key_words(&k, ip_version, src, dst, tt_flow_ports(sport, dport));

	key_store(key, &k);
	return swapped;
}

static inline TT_ALWAYS_INLINE bool key_make_hash(const struct tt_flow_table *t,
                                                  struct tt_flow_key *key, uint32_t *hash,
                                                  uint8_t ip_version, const uint8_t src[16],
                                                  const uint8_t dst[16], uint32_t ports)
{
	struct key_words k;
	bool swapped = key_words(&k, ip_version, src, dst, ports);

	key_store(key, &k);
	*hash = hash_words(t->seed, k.w0, k.w1, k.w2, k.w3, k.w4);
	return swapped;
}

/* An IPv6 key, out of line: the IPv4 key is then built in the registers a
 * call may use without saving any. */
static __attribute__((noinline)) bool key_make_hash_v6(const struct tt_flow_table *t,
                                                      struct tt_flow_key *key, uint32_t *hash,
                                                      uint8_t ip_version, const uint8_t src[16],
                                                      const uint8_t dst[16], uint32_t ports)
{
	return key_make_hash(t, key, hash, ip_version, src, dst, ports);
}

bool tt_flow_key_make_hash(const struct tt_flow_table *t, struct tt_flow_key *key,
                           uint32_t *hash, uint8_t ip_version, const uint8_t src[16],
                           const uint8_t dst[16], uint32_t ports)
{
	if (ip_version != 4)
		return key_make_hash_v6(t, key, hash, ip_version, src, dst, ports);
	return key_make_hash(t, key, hash, 4, src, dst, ports);
}

int tt_flow_table_new(struct tt_flow_table **out, uint32_t max_flows, size_t elem_size,
                      uint32_t seed, char *errbuf)
{
	return tt_flow_table_new_held(out, max_flows, 0, elem_size, seed, errbuf);
}

int tt_flow_table_new_held(struct tt_flow_table **out, uint32_t max_flows, uint32_t held,
                           size_t elem_size, uint32_t seed, char *errbuf)
{
	struct tt_flow_table *t;

	*out = NULL;
	if (max_flows == 0 || max_flows > (UINT32_C(1) << 30))
		return tt_set_err(errbuf, TT_ERR_INVAL,
		                  "flow table: %u flows is out of range (1 to 1073741824)", max_flows);
	if (held > 65536)
		return tt_set_err(errbuf, TT_ERR_INVAL,
		                  "flow table: %u detached records is out of range (0 to 65536)", held);
	if (elem_size < sizeof(struct tt_flow_node))
		return tt_set_err(errbuf, TT_ERR_INVAL,
		                  "flow table: records of %zu bytes cannot hold the table's node",
		                  elem_size);
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return tt_set_err(errbuf, TT_ERR_NOMEM, "flow table: out of memory");
	/* Records 8-byte aligned; large ones 32-byte aligned, so that their
	 * 40-byte keys, which lookups compare, span at most two lines (a 480-byte
	 * connection record starts a line or half way through one: measured no
	 * slower than records padded to 512). */
	t->elem_size = elem_size > 256 ? (elem_size + 31) & ~(size_t)31
	                               : (elem_size + 7) & ~(size_t)7;
	t->pool = max_flows + held;
	t->chunks = calloc((t->pool + CHUNK - 1) / CHUNK, sizeof(*t->chunks));
	t->slots = calloc(MIN_SLOTS, sizeof(struct slot));
	if (t->chunks == NULL || t->slots == NULL) {
		free(t->chunks);
		free(t->slots);
		free(t);
		return tt_set_err(errbuf, TT_ERR_NOMEM, "flow table: out of memory");
	}
	t->max_flows = max_flows;
	t->mask = MIN_SLOTS - 1;
	t->grow_at = MIN_SLOTS / 4 * 3;
	t->seed = seed;
	t->free_head = TT_FLOW_NIL;
	t->use_lru = true;
	for (int i = 0; i < TT_FLOW_NTIMERS; i++)
		t->timers[i].head = t->timers[i].tail = TT_FLOW_NIL;
	(void)arena_reserve(t);
	*out = t;
	return TT_OK;
}

void tt_flow_table_free(struct tt_flow_table **tp)
{
	if (tp == NULL || *tp == NULL)
		return;
	if ((*tp)->arena != NULL)
		(void)munmap((*tp)->arena, (*tp)->arena_len);
	else
		for (uint32_t i = 0; i < (*tp)->n_chunks; i++)
			free((*tp)->chunks[i]);
	free((*tp)->chunks);
	for (int i = 0; i < TT_FLOW_NTIMERS; i++)
		free((*tp)->timers[i].hint);
	free((*tp)->slots);
	free((*tp)->lru);
	free(*tp);
	*tp = NULL;
}

/* A 64-bit multiply-xorshift mix over the key's 8-byte words (seeded). */
uint32_t tt_flow_hash(const struct tt_flow_table *t, const struct tt_flow_key *key)
{
	uint64_t w[5];

	_Static_assert(sizeof(struct tt_flow_key) == 40, "key is five 8-byte words");
	memcpy(w, key, sizeof(w));
	return hash_words(t->seed, w[0], w[1], w[2], w[3], w[4]);
}

static inline bool key_eq(const struct tt_flow_key *a, const struct tt_flow_key *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

void *tt_flow_lookup(struct tt_flow_table *t, const struct tt_flow_key *key, uint32_t hash)
{
	for (uint32_t s = hash & t->mask;; s = (s + 1) & t->mask) {
		const struct slot *v = &t->slots[s];
		if (v->idx == 0)
			return NULL;
		if (v->hash == hash) {
			struct tt_flow_node *n = node_at(t, v->idx - 1);
			if (key_eq(&n->key, key))
				return n;
		}
	}
}

const void *tt_flow_peek(const struct tt_flow_table *t, uint32_t hash)
{
	for (uint32_t s = hash & t->mask;; s = (s + 1) & t->mask) {
		const struct slot *v = &t->slots[s];
		if (v->idx == 0)
			return NULL;
		if (v->hash == hash)
			return node_at(t, v->idx - 1);
	}
}

void *tt_flow_lookup_hint(struct tt_flow_table *t, const void *hint,
                          const struct tt_flow_key *key, uint32_t hash)
{
	const struct tt_flow_node *h = hint;

	/* The hint is the table's own record, named by tt_flow_peek() as const:
	 * returned as it is, not looked up again by its index.  (Expected to
	 * hold: every segment of a known connection has it, and the lookup
	 * below is laid out aside.) */
	if (__builtin_expect(h != NULL && h->in_use && key_eq(&h->key, key), 1))
		return (void *)(uintptr_t)h;
	return tt_flow_lookup(t, key, hash);
}

void tt_flow_prefetch_slot(const struct tt_flow_table *t, uint32_t hash)
{
	__builtin_prefetch(&t->slots[hash & t->mask]);
}

/* (n: the node of index i, at hand in every caller: not found again.) */
static void list_append(struct tt_flow_table *t, struct list *l, struct tt_flow_node *n,
                        uint32_t i)
{
	n->tmr_prev = l->tail;
	n->tmr_next = TT_FLOW_NIL;
	if (l->tail != TT_FLOW_NIL)
		node_at(t, l->tail)->tmr_next = i;
	else
		l->head = i;
	l->tail = i;
}

static void list_unlink(struct tt_flow_table *t, struct list *l, struct tt_flow_node *n,
                        uint32_t i)
{
	if (l->hint != NULL) {
		uint64_t q = quantum(n->deadline);
		struct hint *h = &l->hint[hint_slot(q)];
		if (h->idx == i + 1) /* the last of its quantum: the one before it, if of the same */
			h->idx = n->tmr_prev != TT_FLOW_NIL &&
			                 quantum(node_at(t, n->tmr_prev)->deadline) == q
			             ? n->tmr_prev + 1
			             : 0;
	}

	if (n->tmr_prev != TT_FLOW_NIL)
		node_at(t, n->tmr_prev)->tmr_next = n->tmr_next;
	else
		l->head = n->tmr_next;
	if (n->tmr_next != TT_FLOW_NIL)
		node_at(t, n->tmr_next)->tmr_prev = n->tmr_prev;
	else
		l->tail = n->tmr_prev;
}

/*
 * Double the index (amortised O(1) per insert); @return false without memory.
 * The index is on huge pages from 2 MiB on (tt_block_alloc()).  (Separate
 * record chunks stay on 4 KiB pages: a chunk is not a whole number of huge
 * pages, and its unused tail would count in the RSS; see arena_reserve() for
 * the records.)
 */
static bool grow_index(struct tt_flow_table *t)
{
	uint64_t nslots = (uint64_t)t->mask + 1;
	struct slot *old = t->slots, *slots;
	uint32_t old_mask = t->mask;

	if (nslots >= (uint64_t)t->max_flows * 4 / 3 + 2)
		return true; /* already large enough for every flow the pool can hold */
	size_t bytes = (size_t)nslots * 2 * sizeof(struct slot);
	slots = tt_block_alloc(&bytes);
	if (slots == NULL)
		return false;
	memset(slots, 0, bytes);
	t->slots = slots;
	t->mask = (uint32_t)(nslots * 2 - 1);
	t->grow_at = (t->mask + 1) / 4 * 3;
	for (uint64_t j = 0; j <= old_mask; j++) {
		uint32_t s;
		if (old[j].idx == 0)
			continue;
		for (s = old[j].hash & t->mask; t->slots[s].idx != 0; s = (s + 1) & t->mask)
			;
		t->slots[s] = old[j];
	}
	free(old);
	return true;
}

void *tt_flow_insert(struct tt_flow_table *t, const struct tt_flow_key *key, uint32_t hash)
{
	uint32_t i;
	struct tt_flow_node *n;
	uint32_t s;

	/* (The pool's spare records are for those detached, not for more in the table.) */
	if (t->n_used >= t->max_flows)
		return NULL;
	/* Up to 3/4 full: a probe compares 8-byte slots (hash and index), not records. */
	if (t->n_used + 1 > t->grow_at && !grow_index(t))
		return NULL;
	if (t->free_head != TT_FLOW_NIL) { /* zeroed when it was removed */
		i = t->free_head;
		n = node_at(t, i);
		t->free_head = n->free_next;
		n->free_next = 0;
	} else if (t->bound < t->pool) {
		if ((t->bound >> CHUNK_SHIFT) >= t->n_chunks) {
			/* The last chunk holds only what the pool leaves for it. */
			uint32_t len = t->pool - t->bound < CHUNK ? t->pool - t->bound : CHUNK;
			size_t bytes = ((size_t)len * t->elem_size + 63) & ~(size_t)63;
			uint8_t *chunk = aligned_alloc(64, bytes);
			if (chunk == NULL)
				return NULL;
			t->chunks[t->n_chunks++] = chunk;
		}
		i = t->bound++;
		n = node_at(t, i);
		/* The arena's pages are fresh anonymous memory, zero already (and a
		 * record past the bound was never written); a chunk is not. */
		if (t->arena == NULL)
			memset(n, 0, t->elem_size);
	} else {
		return NULL;
	}
	n->self = i;
	n->key = *key;
	n->tmr_list = -1;
	n->in_use = true;
	n->stamp = ++t->clock;
	for (s = hash & t->mask; t->slots[s].idx != 0; s = (s + 1) & t->mask)
		;
	t->slots[s].idx = i + 1;
	t->slots[s].hash = hash;
	t->n_used++;
	return n;
}

/* Backward-shift deletion keeps every probe chain unbroken without tombstones.
 * (hash: of record i's key.) */
static void slot_delete(struct tt_flow_table *t, uint32_t i, uint32_t hash)
{
	uint32_t s = hash & t->mask;

	while (t->slots[s].idx != i + 1)
		s = (s + 1) & t->mask;
	for (uint32_t j = (s + 1) & t->mask;; j = (j + 1) & t->mask) {
		struct slot v = t->slots[j];
		if (v.idx == 0)
			break;
		uint32_t home = v.hash & t->mask;
		/* Move v back into the hole at s unless its home lies in (s, j]. */
		bool home_between = s <= j ? (home > s && home <= j) : (home > s || home <= j);
		if (!home_between) {
			t->slots[s] = v;
			s = j;
		}
	}
	t->slots[s].idx = 0;
}

void tt_flow_remove(struct tt_flow_table *t, void *rec)
{
	tt_flow_remove_hashed(t, rec, tt_flow_hash(t, &((struct tt_flow_node *)rec)->key));
}

/* Take record i out of the index, the LRU order (its stamp goes with in_use)
 * and its timer list: the table no longer counts it. */
static inline void unlink_node(struct tt_flow_table *t, struct tt_flow_node *n, uint32_t i,
                               uint32_t hash)
{
	tt_flow_timer_cancel(t, n);
	slot_delete(t, i, hash);
	t->n_used--;
}

/* Record i's memory to the free list.  Zeroed now, for the next insert: the
 * record was just used and is in the cache, where zeroing it at the insert
 * would fetch every line of it. */
static inline void free_node(struct tt_flow_table *t, struct tt_flow_node *n, uint32_t i)
{
	memset(n, 0, t->elem_size);
	n->self = i;
	n->free_next = t->free_head;
	t->free_head = i;
}

void tt_flow_remove_hashed(struct tt_flow_table *t, void *rec, uint32_t hash)
{
	struct tt_flow_node *n = rec;
	uint32_t i = index_of(t, rec);

	if (!n->in_use)
		return;
	unlink_node(t, n, i, hash);
	free_node(t, n, i);
}

void tt_flow_detach_hashed(struct tt_flow_table *t, void *rec, uint32_t hash)
{
	struct tt_flow_node *n = rec;

	if (!n->in_use)
		return;
	assert(t->n_detached < t->pool - t->max_flows);
	unlink_node(t, n, index_of(t, rec), hash);
	n->in_use = false; /* (what tt_flow_at() and the least-recently-active pass skip) */
	t->n_detached++;
}

void tt_flow_release(struct tt_flow_table *t, void *rec)
{
	struct tt_flow_node *n = rec;

	assert(!n->in_use && t->n_detached > 0);
	free_node(t, n, index_of(t, rec));
	t->n_detached--;
}

/*
 * Least-recently-active order without a list or a log: a touch only stamps
 * the record with a clock (one store, to a line the segment reads anyway), and
 * the least recently active record is the one with the smallest stamp.  Since
 * that is only needed when the table is full, tt_flow_lru_oldest() keeps the
 * oldest sixteenth of the records, found by one pass over the pool, in order;
 * a candidate touched since (its stamp changed) or removed is skipped.  That is
 * exact: every record outside the candidates, and every record inserted or
 * touched since the pass, is more recent than every candidate still current.
 * A pass costs O(records) once per sixteenth of them evicted.
 */
void tt_flow_touch(struct tt_flow_table *t, void *rec)
{
	struct tt_flow_node *n = rec;

	n->stamp = ++t->clock;
}

/* Max-heap on stamp: the newest of the candidates on top. */
static void lru_sift_down(struct lru_ent *h, uint32_t n, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, m = i;
		if (l < n && h[l].stamp > h[m].stamp)
			m = l;
		if (l + 1 < n && h[l + 1].stamp > h[m].stamp)
			m = l + 1;
		if (m == i)
			return;
		struct lru_ent x = h[i];
		h[i] = h[m];
		h[m] = x;
		i = m;
	}
}

/* The oldest `want` records in use, oldest first, into t->lru. */
static void lru_refill(struct tt_flow_table *t, uint32_t want)
{
	struct lru_ent *h = t->lru;
	uint32_t n = 0;

	for (uint32_t i = 0; i < t->bound; i++) {
		const struct tt_flow_node *m = node_at(t, i);
		if (!m->in_use)
			continue;
		if (n < want) {
			h[n++] = (struct lru_ent){m->stamp, i};
			if (n == want)
				for (uint32_t j = n / 2; j-- > 0;)
					lru_sift_down(h, n, j);
		} else if (m->stamp < h[0].stamp) {
			h[0] = (struct lru_ent){m->stamp, i};
			lru_sift_down(h, n, 0);
		}
	}
	if (n < want)
		for (uint32_t j = n / 2; j-- > 0;)
			lru_sift_down(h, n, j);
	/* Heap sort: the newest to the end, one by one. */
	for (uint32_t k = n; k > 1; k--) {
		struct lru_ent x = h[0];
		h[0] = h[k - 1];
		h[k - 1] = x;
		lru_sift_down(h, k - 1, 0);
	}
	t->lru_head = 0;
	t->lru_len = n;
}

void *tt_flow_lru_oldest(struct tt_flow_table *t)
{
	if (!t->use_lru || t->n_used == 0)
		return NULL;
	for (int pass = 0; pass < 2; pass++) {
		while (t->lru_head < t->lru_len) {
			struct lru_ent e = t->lru[t->lru_head];
			struct tt_flow_node *n = node_at(t, e.idx);
			if (n->in_use && n->stamp == e.stamp)
				return n;
			t->lru_head++;
		}
		uint32_t want = t->n_used / 16 > 64 ? t->n_used / 16 : 64;
		if (want > t->lru_cap) {
			struct lru_ent *h = realloc(t->lru, sizeof(*h) * want);
			if (h != NULL) {
				t->lru = h;
				t->lru_cap = want;
			}
		}
		if (t->lru_cap == 0)
			break; /* no memory even for a few: one pass for the oldest */
		lru_refill(t, want < t->lru_cap ? want : t->lru_cap);
	}
	if (t->lru_cap == 0) {
		struct tt_flow_node *best = NULL;
		for (uint32_t i = 0; i < t->bound; i++) {
			struct tt_flow_node *m = node_at(t, i);
			if (m->in_use && (best == NULL || m->stamp < best->stamp))
				best = m;
		}
		return best;
	}
	return t->lru_head < t->lru_len ? node_at(t, t->lru[t->lru_head].idx) : NULL;
}

void tt_flow_table_no_lru(struct tt_flow_table *t)
{
	t->use_lru = false;
	free(t->lru);
	t->lru = NULL;
	t->lru_head = t->lru_len = t->lru_cap = 0;
}

void tt_flow_timer_set(struct tt_flow_table *t, void *rec, int list, tt_time_ns deadline)
{
	struct tt_flow_node *n = rec;

	struct list *l = &t->timers[list];

	if (n->tmr_list >= 0) /* (most records are armed once: no call for them) */
		tt_flow_timer_cancel(t, rec);
	if (!l->no_hint) { /* appended in any order: hints would not hold */
		free(l->hint);
		l->hint = NULL;
		l->no_hint = true;
	}
	n->deadline = deadline;
	n->tmr_list = (int8_t)list;
	list_append(t, l, n, index_of(t, rec));
}

/* A hinted record of quantum q on list `list`, or TT_FLOW_NIL. */
static uint32_t hint_at(const struct tt_flow_table *t, const struct list *l, int list, uint64_t q)
{
	struct hint h = l->hint[hint_slot(q)];
	const struct tt_flow_node *m;

	if (h.idx == 0 || h.tag != hint_tag(q))
		return TT_FLOW_NIL;
	m = node_at(t, h.idx - 1);
	return m->in_use && m->tmr_list == list && quantum(m->deadline) == q ? h.idx - 1
	                                                                      : TT_FLOW_NIL;
}

/*
 * Where a record with `deadline` goes: after the last record whose deadline
 * is not later (TT_FLOW_NIL: at the head).  From a hint when there is one
 * nearby, else back from the tail; the answer is the same.
 */
static uint32_t insert_after(const struct tt_flow_table *t, const struct list *l, int list,
                             tt_time_ns deadline)
{
	uint64_t q = quantum(deadline);
	uint32_t after = TT_FLOW_NIL;

	/* Many records come in order of deadline: after the tail, inserted last
	 * and in the cache, where a hint's line is not (it was last used seconds
	 * before, by a deadline 17 s apart). */
	if (l->tail != TT_FLOW_NIL && node_at(t, l->tail)->deadline <= deadline)
		return l->tail;
	if (l->hint != NULL)
		for (uint64_t k = 0; k < HINT_SCAN && k <= q && after == TT_FLOW_NIL; k++)
			after = hint_at(t, l, list, q - k);
	if (after == TT_FLOW_NIL) {
		after = l->tail;
	} else if (node_at(t, after)->deadline <= deadline) {
		uint32_t next;
		while ((next = node_at(t, after)->tmr_next) != TT_FLOW_NIL &&
		       node_at(t, next)->deadline <= deadline)
			after = next;
		return after;
	}
	while (after != TT_FLOW_NIL && node_at(t, after)->deadline > deadline)
		after = node_at(t, after)->tmr_prev;
	return after;
}

void tt_flow_timer_insert(struct tt_flow_table *t, void *rec, int list, tt_time_ns deadline)
{
	struct tt_flow_node *n = rec;
	struct list *l = &t->timers[list];
	uint32_t i = index_of(t, rec), after;

	if (n->tmr_list >= 0) /* (a new compact entry is on none: no call) */
		tt_flow_timer_cancel(t, rec);
	if (l->hint == NULL && !l->no_hint && l->head == TT_FLOW_NIL) {
		/* Hints from the first record on; without memory, none. */
		l->hint = calloc((size_t)1 << HINT_BITS, sizeof(*l->hint));
		l->no_hint = l->hint == NULL;
	}
	after = insert_after(t, l, list, deadline);
	n->deadline = deadline;
	n->tmr_list = (int8_t)list;
	if (after == l->tail) {
		list_append(t, l, n, i);
	} else {
		/* Between `after` (or the head) and its successor. */
		uint32_t next = after == TT_FLOW_NIL ? l->head : node_at(t, after)->tmr_next;
		n->tmr_prev = after;
		n->tmr_next = next;
		node_at(t, next)->tmr_prev = i;
		if (after == TT_FLOW_NIL)
			l->head = i;
		else
			node_at(t, after)->tmr_next = i;
	}
	if (l->hint != NULL) {
		/* The last of its quantum unless one after it shares the quantum. */
		uint32_t next = n->tmr_next;
		if (next == TT_FLOW_NIL || quantum(node_at(t, next)->deadline) != quantum(deadline))
			l->hint[hint_slot(quantum(deadline))] =
			        (struct hint){.idx = i + 1, .tag = hint_tag(quantum(deadline))};
	}
}

void tt_flow_timer_cancel(struct tt_flow_table *t, void *rec)
{
	struct tt_flow_node *n = rec;

	if (n->tmr_list < 0)
		return;
	list_unlink(t, &t->timers[n->tmr_list], n, index_of(t, rec));
	n->tmr_list = -1;
}

void *tt_flow_timer_first(struct tt_flow_table *t, int list)
{
	uint32_t h = t->timers[list].head;
	return h == TT_FLOW_NIL ? NULL : node_at(t, h);
}

/*
 * Two ahead: the next record, asked for one firing ago, is in by now: ask for
 * its index slot (its removal probes there) and for the record after it.
 * Firings are far apart (a few packets on average), so both arrive in time.
 */
void tt_flow_timer_prefetch_next(const struct tt_flow_table *t, const void *rec)
{
	const struct tt_flow_node *n = rec, *next;

	if (n->tmr_list < 0 || n->tmr_next == TT_FLOW_NIL)
		return;
	next = node_at(t, n->tmr_next);
	if (next->tmr_next != TT_FLOW_NIL) {
		/* Both lines of its node: a record seldom starts a line (a compact
		 * entry is 104 bytes), and the links and deadline are past the key. */
		const char *after = (const char *)node_at(t, next->tmr_next);
		__builtin_prefetch(after, 1);
		__builtin_prefetch(after + sizeof(struct tt_flow_node) - 1, 1);
	}
	__builtin_prefetch(&t->slots[tt_flow_hash(t, &next->key) & t->mask], 1);
	/* And its quantum's hint, which its unlinking reads (last used when it was
	 * armed; next is on rec's list). */
	const struct hint *h = t->timers[n->tmr_list].hint;
	if (h != NULL)
		__builtin_prefetch(&h[hint_slot(quantum(next->deadline))], 1);
}

uint32_t tt_flow_count(const struct tt_flow_table *t)
{
	return t->n_used;
}

uint32_t tt_flow_capacity(const struct tt_flow_table *t)
{
	return t->max_flows;
}

void *tt_flow_at(struct tt_flow_table *t, uint32_t i)
{
	if (i >= t->bound)
		return NULL;
	struct tt_flow_node *n = node_at(t, i);
	return n->in_use ? n : NULL;
}

bool tt_flow_table_reserved(const struct tt_flow_table *t)
{
	return t->arena != NULL;
}

uint32_t tt_flow_used_bound(const struct tt_flow_table *t)
{
	return t->bound;
}

/* ---- side blocks ----------------------------------------------------------------------------- */

#define SLAB_CHUNK 256u /* blocks per chunk */

struct tt_flow_slab {
	uint8_t **chunks;        /* ceil(max_blocks / SLAB_CHUNK), allocated on demand */
	uint32_t n_chunks;
	size_t block_size;
	uint32_t max_blocks;
	uint32_t n_used;
	uint32_t bound;          /* blocks ever handed out from the chunks */
	void *free_head;         /* freed blocks, linked through their first word */
	uint32_t free_id;        /* or, used by number: the first freed block's (0: none),
	                          * each linking to the next's by its first 4 bytes */
	bool no_zero;            /* blocks are handed out as put back */
};

int tt_flow_slab_new(struct tt_flow_slab **out, size_t block_size, uint32_t max_blocks,
                     char *errbuf)
{
	struct tt_flow_slab *s;

	*out = NULL;
	if (max_blocks == 0 || block_size < sizeof(void *) || block_size > ((size_t)1 << 20))
		return tt_set_err(errbuf, TT_ERR_INVAL, "side blocks: %u blocks of %zu bytes is out of range",
		                  max_blocks, block_size);
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return tt_set_err(errbuf, TT_ERR_NOMEM, "side blocks: out of memory");
	s->chunks = calloc((max_blocks + SLAB_CHUNK - 1) / SLAB_CHUNK, sizeof(*s->chunks));
	if (s->chunks == NULL) {
		free(s);
		return tt_set_err(errbuf, TT_ERR_NOMEM, "side blocks: out of memory");
	}
	s->block_size = (block_size + 7) & ~(size_t)7;
	s->max_blocks = max_blocks;
	*out = s;
	return TT_OK;
}

void tt_flow_slab_free(struct tt_flow_slab **sp)
{
	if (sp == NULL || *sp == NULL)
		return;
	for (uint32_t i = 0; i < (*sp)->n_chunks; i++)
		free((*sp)->chunks[i]);
	free((*sp)->chunks);
	free(*sp);
	*sp = NULL;
}

void tt_flow_slab_no_zero(struct tt_flow_slab *s)
{
	s->no_zero = true;
}

/* A block never handed out (numbered s->bound + 1), or NULL when memory ran out.
 * (Out of line: a block from the free list, the common case, then needs no
 * registers saved.) */
static __attribute__((noinline)) void *slab_fresh(struct tt_flow_slab *s)
{
	uint32_t c = s->bound / SLAB_CHUNK;
	void *b;

	if (c == s->n_chunks) {
		size_t bytes = s->block_size * SLAB_CHUNK;
		uint8_t *chunk = tt_block_alloc(&bytes);
		if (chunk == NULL)
			return NULL;
		memset(chunk, 0, bytes);
		s->chunks[s->n_chunks++] = chunk;
	}
	b = s->chunks[c] + (size_t)(s->bound % SLAB_CHUNK) * s->block_size;
	s->bound++;
	return b;
}

void *tt_flow_slab_get(struct tt_flow_slab *s)
{
	void *b;

	if (s->n_used >= s->max_blocks)
		return NULL;
	if (s->free_head != NULL) {
		b = s->free_head;
		memcpy(&s->free_head, b, sizeof(void *));
		if (!s->no_zero)
			memset(b, 0, sizeof(void *)); /* the rest was zeroed when put back */
	} else if ((b = slab_fresh(s)) == NULL) {
		return NULL;
	}
	s->n_used++;
	return b;
}

void *tt_flow_slab_at(const struct tt_flow_slab *s, uint32_t id)
{
	uint32_t i = id - 1;

	return s->chunks[i / SLAB_CHUNK] + (size_t)(i % SLAB_CHUNK) * s->block_size;
}

uint32_t tt_flow_slab_get_id(struct tt_flow_slab *s)
{
	uint32_t id;

	if (s->n_used >= s->max_blocks)
		return 0;
	if (s->free_id != 0) {
		uint8_t *b = tt_flow_slab_at(s, s->free_id);
		id = s->free_id;
		memcpy(&s->free_id, b, sizeof(uint32_t));
		if (!s->no_zero)
			memset(b, 0, sizeof(uint32_t)); /* the rest was zeroed when put back */
	} else {
		if (slab_fresh(s) == NULL)
			return 0;
		id = s->bound;
	}
	s->n_used++;
	return id;
}

void tt_flow_slab_put_id(struct tt_flow_slab *s, uint32_t id)
{
	uint8_t *b;

	if (id == 0)
		return;
	b = tt_flow_slab_at(s, id);
	if (!s->no_zero)
		memset(b, 0, s->block_size);
	memcpy(b, &s->free_id, sizeof(uint32_t));
	s->free_id = id;
	s->n_used--;
}

void tt_flow_slab_put(struct tt_flow_slab *s, void *block)
{
	if (block == NULL)
		return;
	if (!s->no_zero)
		memset(block, 0, s->block_size);
	memcpy(block, &s->free_head, sizeof(void *));
	s->free_head = block;
	s->n_used--;
}

uint32_t tt_flow_slab_count(const struct tt_flow_slab *s)
{
	return s->n_used;
}
