/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_flow_table.c - the flow table (src/flow_table.c): canonical keys,
 * insert/lookup/remove, a full pool, the LRU order, timer lists, the free
 * list, iteration, and randomized insert/remove runs checked against a
 * reference array (which exercises backward-shift deletion across the end of
 * the slot array).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "tcptrack/flow_table.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A record as the tracker would define one: the node first. */
struct rec {
	struct tt_flow_node node;
	uint32_t id;
	uint8_t blob[20];
	uint64_t counter;
};

static struct tt_flow_table *tab;
static char errbuf[TT_ERRBUF_SIZE];

static void setup_small(void)
{
	errbuf[0] = '\0';
	cr_assert_eq(tt_flow_table_new(&tab, 8, sizeof(struct rec), 12345, errbuf), TT_OK,
	             "%s", errbuf);
	cr_assert_not_null(tab);
}

static void teardown(void)
{
	tt_flow_table_free(&tab);
	cr_assert_null(tab);
}

/* An IPv4 key 10.0.<n/256>.<n%256>:1000+n -> 192.0.2.1:80. */
static void key_v4(struct tt_flow_key *k, uint32_t n)
{
	uint8_t a[16] = {10, (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
	uint8_t b[16] = {192, 0, 2, 1};

	tt_flow_key_make(k, 4, a, (uint16_t)(1000 + (n & 0x3fff)), b, 80);
}

static struct rec *ins(uint32_t n)
{
	struct tt_flow_key k;
	struct rec *r;

	key_v4(&k, n);
	r = tt_flow_insert(tab, &k, tt_flow_hash(tab, &k));
	if (r != NULL)
		r->id = n;
	return r;
}

static struct rec *look(uint32_t n)
{
	struct tt_flow_key k;

	key_v4(&k, n);
	return tt_flow_lookup(tab, &k, tt_flow_hash(tab, &k));
}

/* ---- keys ---------------------------------------------------------------------------------- */

static const uint8_t v4_lo[16] = {10, 0, 0, 1};
static const uint8_t v4_hi[16] = {10, 0, 0, 2};
static const uint8_t v6_lo[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t v6_hi[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

Test(flow_table, key_v4_both_directions)
{
	struct tt_flow_key k1, k2;

	/* From the higher address: the source is the key's second endpoint. */
	cr_assert(tt_flow_key_make(&k1, 4, v4_hi, 40000, v4_lo, 80));
	cr_assert_not(tt_flow_key_make(&k2, 4, v4_lo, 80, v4_hi, 40000));
	cr_assert_eq(memcmp(&k1, &k2, sizeof(k1)), 0);
	cr_assert_eq(k1.ip_version, 4);
	cr_assert_eq(memcmp(k1.addr[0], v4_lo, 16), 0);
	cr_assert_eq(memcmp(k1.addr[1], v4_hi, 16), 0);
	cr_assert_eq(k1.port[0], 80);
	cr_assert_eq(k1.port[1], 40000);
	cr_assert_eq(k1.pad[0] | k1.pad[1] | k1.pad[2], 0);
}

/* IPv4 addresses order as numbers, byte by byte from the first (memcmp order). */
Test(flow_table, key_v4_orders_addresses_as_numbers)
{
	static const uint8_t a[][16] = {{10, 0, 0, 255}, {10, 0, 1, 0}, {9, 255, 255, 255},
	                                {10, 0, 0, 0}, {128, 0, 0, 0}, {127, 255, 255, 255}};
	struct tt_flow_key k;

	for (size_t i = 0; i < NELEM(a); i += 2) {
		const uint8_t *lo = memcmp(a[i], a[i + 1], 4) < 0 ? a[i] : a[i + 1];
		cr_assert(tt_flow_key_make(&k, 4, a[i + 1] == lo ? a[i] : a[i + 1], 1, lo, 2),
		          "pair %zu: the higher address is the second endpoint", i / 2);
		cr_assert_eq(memcmp(k.addr[0], lo, 4), 0, "pair %zu", i / 2);
	}
}

/* Only the first 4 address bytes of IPv4 count: garbage after them is ignored. */
Test(flow_table, key_v4_ignores_bytes_after_address)
{
	uint8_t src[16], dst[16];
	struct tt_flow_key k1, k2;

	memset(src, 0xee, sizeof(src));
	memset(dst, 0x77, sizeof(dst));
	memcpy(src, v4_hi, 4);
	memcpy(dst, v4_lo, 4);
	cr_assert(tt_flow_key_make(&k1, 4, src, 1234, dst, 443));
	cr_assert(tt_flow_key_make(&k2, 4, v4_hi, 1234, v4_lo, 443));
	cr_assert_eq(memcmp(&k1, &k2, sizeof(k1)), 0);
}

Test(flow_table, key_v6_both_directions)
{
	struct tt_flow_key k1, k2;

	cr_assert_not(tt_flow_key_make(&k1, 6, v6_lo, 443, v6_hi, 50000));
	cr_assert(tt_flow_key_make(&k2, 6, v6_hi, 50000, v6_lo, 443));
	cr_assert_eq(memcmp(&k1, &k2, sizeof(k1)), 0);
	cr_assert_eq(k1.ip_version, 6);
	cr_assert_eq(memcmp(k1.addr[0], v6_lo, 16), 0);
	cr_assert_eq(memcmp(k1.addr[1], v6_hi, 16), 0);
	cr_assert_eq(k1.port[0], 443);
	cr_assert_eq(k1.port[1], 50000);
}

/* The whole 16 bytes count for IPv6: addresses differing only in byte 0. */
Test(flow_table, key_v6_compares_all_bytes)
{
	uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8};
	uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8};
	struct tt_flow_key k;

	a[15] = 9;
	b[0] = 0x21;
	b[15] = 1;
	cr_assert_not(tt_flow_key_make(&k, 6, a, 1, b, 2));
	cr_assert_eq(k.addr[0][15], 9);
	cr_assert(tt_flow_key_make(&k, 6, b, 2, a, 1));
	cr_assert_eq(k.addr[0][15], 9);
	cr_assert_eq(k.port[0], 1);
}

/* Same address: the lower port is the first endpoint. */
Test(flow_table, key_same_address_different_ports)
{
	struct tt_flow_key k1, k2;

	cr_assert(tt_flow_key_make(&k1, 4, v4_lo, 2000, v4_lo, 1000));
	cr_assert_not(tt_flow_key_make(&k2, 4, v4_lo, 1000, v4_lo, 2000));
	cr_assert_eq(memcmp(&k1, &k2, sizeof(k1)), 0);
	cr_assert_eq(k1.port[0], 1000);
	cr_assert_eq(k1.port[1], 2000);
	cr_assert(tt_flow_key_make(&k1, 6, v6_lo, 65535, v6_lo, 0));
	cr_assert_eq(k1.port[0], 0);
	cr_assert_eq(k1.port[1], 65535);
}

/* A connection to itself (same address and port) is not swapped. */
Test(flow_table, key_self_connection)
{
	struct tt_flow_key k;

	cr_assert_not(tt_flow_key_make(&k, 4, v4_lo, 5000, v4_lo, 5000));
	cr_assert_eq(k.port[0], 5000);
	cr_assert_eq(k.port[1], 5000);
}

/* The address decides before the port. */
Test(flow_table, key_address_before_port)
{
	struct tt_flow_key k;

	cr_assert_not(tt_flow_key_make(&k, 4, v4_lo, 65000, v4_hi, 1));
	cr_assert_eq(k.port[0], 65000);
	cr_assert_eq(k.port[1], 1);
}

Test(flow_table, key_version_is_part_of_key)
{
	struct tt_flow_key k4, k6;
	uint8_t z[16] = {0};

	tt_flow_key_make(&k4, 4, z, 1, z, 2);
	tt_flow_key_make(&k6, 6, z, 1, z, 2);
	cr_assert_neq(memcmp(&k4, &k6, sizeof(k4)), 0);
}

/* ---- creation ------------------------------------------------------------------------------ */

/* The hot path's key-and-hash in one step gives the key tt_flow_key_make()
 * gives, byte for byte (padding included), and tt_flow_hash() of it, for
 * IPv4 and IPv6 in both directions, equal addresses and the port order. */
Test(flow_table, key_make_hash_equals_make_then_hash, .init = setup_small, .fini = teardown)
{
	static const uint8_t v4[][16] = {{10, 0, 0, 1}, {192, 0, 2, 1}, {10, 0, 0, 1},
	                                 {255, 255, 255, 255}, {0, 0, 0, 0}};
	static const uint8_t v6[][16] = {
	    {0x20, 0x01, 0x0d, 0xb8, [15] = 1}, {0x20, 0x01, 0x0d, 0xb8, [15] = 2},
	    {0xfe, 0x80, [8] = 0xff, [15] = 9}, {[10] = 0xff, [11] = 0xff, 192, 0, 2, 1}};
	static const uint16_t ports[][2] = {{40000, 80}, {80, 40000}, {5, 5}, {0, 65535}};
	int checked = 0;

	for (int ver = 4; ver <= 6; ver += 2) {
		const uint8_t(*a)[16] = ver == 4 ? v4 : v6;
		size_t na = ver == 4 ? NELEM(v4) : NELEM(v6);
		for (size_t i = 0; i < na; i++)
			for (size_t j = 0; j < na; j++)
				for (size_t p = 0; p < NELEM(ports); p++) {
					struct tt_flow_key k1, k2;
					uint32_t h2 = 0;
					memset(&k1, 0xa5, sizeof(k1));
					memset(&k2, 0x5a, sizeof(k2));
					bool s1 = tt_flow_key_make(&k1, (uint8_t)ver, a[i], ports[p][0],
					                           a[j], ports[p][1]);
					bool s2 = tt_flow_key_make_hash(
					        tab, &k2, &h2, (uint8_t)ver, a[i], a[j],
					        tt_flow_ports(ports[p][0], ports[p][1]));
					cr_assert_eq(s1, s2);
					cr_assert_eq(memcmp(&k1, &k2, sizeof(k1)), 0, "v%d %zu %zu %zu", ver,
					             i, j, p);
					cr_assert_eq(h2, tt_flow_hash(tab, &k1));
					cr_assert_eq(k1.ip_version, ver);
					cr_assert_eq(k1.port[s1 ? 1 : 0], ports[p][0]);
					cr_assert_eq(k1.port[s1 ? 0 : 1], ports[p][1]);
					cr_assert_eq(k1.pad[0] | k1.pad[1] | k1.pad[2], 0);
					checked++;
				}
	}
	cr_assert_eq(checked, (int)((NELEM(v4) * NELEM(v4) + NELEM(v6) * NELEM(v6)) * NELEM(ports)));
}

Test(flow_table, new_rejects_zero_flows)
{
	struct tt_flow_table *t = (struct tt_flow_table *)&errbuf; /* must be overwritten */

	errbuf[0] = '\0';
	cr_assert_eq(tt_flow_table_new(&t, 0, sizeof(struct rec), 1, errbuf), TT_ERR_INVAL);
	cr_assert_null(t);
	cr_assert_str_eq(errbuf, "flow table: 0 flows is out of range (1 to 1073741824)");
}

Test(flow_table, new_rejects_too_many_flows)
{
	struct tt_flow_table *t;

	errbuf[0] = '\0';
	cr_assert_eq(tt_flow_table_new(&t, (UINT32_C(1) << 30) + 1, sizeof(struct rec), 1, errbuf),
	             TT_ERR_INVAL);
	cr_assert_null(t);
	cr_assert_str_eq(errbuf, "flow table: 1073741825 flows is out of range (1 to 1073741824)");
}

Test(flow_table, new_rejects_small_records)
{
	struct tt_flow_table *t;

	errbuf[0] = '\0';
	cr_assert_eq(tt_flow_table_new(&t, 16, sizeof(struct tt_flow_node) - 1, 1, errbuf),
	             TT_ERR_INVAL);
	cr_assert_null(t);
	cr_assert_eq(strncmp(errbuf, "flow table: ", 12), 0, "errbuf: %s", errbuf);
}

Test(flow_table, new_accepts_node_sized_records)
{
	struct tt_flow_table *t;

	cr_assert_eq(tt_flow_table_new(&t, 1, sizeof(struct tt_flow_node), 1, errbuf), TT_OK);
	cr_assert_eq(tt_flow_capacity(t), 1);
	cr_assert_eq(tt_flow_count(t), 0);
	cr_assert_eq(tt_flow_used_bound(t), 0);
	cr_assert_null(tt_flow_lru_oldest(t));
	cr_assert_null(tt_flow_timer_first(t, 0));
	cr_assert_null(tt_flow_timer_first(t, 1));
	tt_flow_table_free(&t);
	cr_assert_null(t);
}

Test(flow_table, free_null)
{
	struct tt_flow_table *t = NULL;

	tt_flow_table_free(NULL);
	tt_flow_table_free(&t);
	cr_assert_null(t);
}

/* Odd record sizes are rounded so every record stays 8-byte aligned. */
Test(flow_table, records_aligned)
{
	struct tt_flow_table *t;
	struct tt_flow_key k;
	uint8_t src[16] = {1, 2, 3, 4}, dst[16] = {5, 6, 7, 8};

	cr_assert_eq(tt_flow_table_new(&t, 4, sizeof(struct tt_flow_node) + 3, 9, errbuf), TT_OK);
	for (uint16_t i = 0; i < 4; i++) {
		tt_flow_key_make(&k, 4, src, i, dst, 80);
		void *r = tt_flow_insert(t, &k, tt_flow_hash(t, &k));
		cr_assert_not_null(r);
		cr_assert_eq((uintptr_t)r % 8, 0);
	}
	tt_flow_table_free(&t);
}

/* ---- insert, lookup, remove ---------------------------------------------------------------- */

Test(flow_table, insert_lookup_remove, .init = setup_small, .fini = teardown)
{
	struct tt_flow_key k;
	struct rec *r;
	uint32_t h;

	key_v4(&k, 1);
	h = tt_flow_hash(tab, &k);
	cr_assert_eq(tt_flow_hash(tab, &k), h);
	cr_assert_null(tt_flow_lookup(tab, &k, h));
	r = tt_flow_insert(tab, &k, h);
	cr_assert_not_null(r);
	cr_assert_eq(tt_flow_count(tab), 1);
	cr_assert_eq(tt_flow_lookup(tab, &k, h), r);
	cr_assert_eq(memcmp(&r->node.key, &k, sizeof(k)), 0);
	cr_assert_eq(tt_flow_hash(tab, &r->node.key), h);
	cr_assert(r->node.in_use);
	cr_assert_eq(r->node.tmr_list, -1);
	cr_assert_eq(r->id, 0);
	cr_assert_eq(r->counter, 0);

	/* The reverse direction finds the same record. */
	uint8_t a[16] = {10, 0, 0, 1}, b[16] = {192, 0, 2, 1};
	struct tt_flow_key rev;
	tt_flow_key_make(&rev, 4, b, 80, a, 1001);
	cr_assert_eq(tt_flow_lookup(tab, &rev, tt_flow_hash(tab, &rev)), r);

	tt_flow_remove(tab, r);
	cr_assert_eq(tt_flow_count(tab), 0);
	cr_assert_null(tt_flow_lookup(tab, &k, h));
	cr_assert_null(tt_flow_lru_oldest(tab));
	cr_assert_not(r->node.in_use);
	/* Removing again is a no-op. */
	tt_flow_remove(tab, r);
	cr_assert_eq(tt_flow_count(tab), 0);
}

Test(flow_table, distinct_keys_distinct_records, .init = setup_small, .fini = teardown)
{
	struct rec *r[8];

	for (uint32_t i = 0; i < 8; i++) {
		r[i] = ins(i);
		cr_assert_not_null(r[i]);
	}
	for (uint32_t i = 0; i < 8; i++) {
		cr_assert_eq(look(i), r[i]);
		cr_assert_eq(r[i]->id, i);
		for (uint32_t j = 0; j < i; j++)
			cr_assert_neq(r[i], r[j]);
	}
	cr_assert_null(look(8));
}

Test(flow_table, full_pool_returns_null, .init = setup_small, .fini = teardown)
{
	struct rec *r3 = NULL;

	cr_assert_eq(tt_flow_capacity(tab), 8);
	for (uint32_t i = 0; i < 8; i++) {
		struct rec *r = ins(i);
		cr_assert_not_null(r);
		if (i == 3)
			r3 = r;
	}
	cr_assert_eq(tt_flow_count(tab), 8);
	cr_assert_null(ins(100));
	cr_assert_eq(tt_flow_count(tab), 8);
	cr_assert_null(look(100));
	/* Evict one, then the insert succeeds in its place. */
	tt_flow_remove(tab, r3);
	struct rec *r = ins(100);
	cr_assert_eq(r, r3);
	cr_assert_eq(look(100), r);
	cr_assert_null(look(3));
	cr_assert_null(ins(101));
	for (uint32_t i = 0; i < 8; i++)
		if (i != 3)
			cr_assert_not_null(look(i));
}

/* ---- detached records ---------------------------------------------------------------------- */

Test(flow_table, new_held_rejects_too_many_detached)
{
	struct tt_flow_table *t = NULL;

	cr_assert_eq(tt_flow_table_new_held(&t, 8, 65537, sizeof(struct rec), 1, errbuf),
	             TT_ERR_INVAL);
	cr_assert_null(t);
	cr_assert_eq(tt_flow_table_new_held(&t, 8, 65536, sizeof(struct rec), 1, errbuf), TT_OK);
	tt_flow_table_free(&t);
}

/* A detached record is gone from the table (lookups, iteration, count, its
 * timer) but keeps its contents until released; the table still holds only
 * max_flows records, whatever is detached; a released record is reused. */
Test(flow_table, detach_keeps_contents_until_release, .fini = teardown)
{
	struct rec *r[4], *d;
	struct tt_flow_key k;

	cr_assert_eq(tt_flow_table_new_held(&tab, 4, 2, sizeof(struct rec), 7, errbuf), TT_OK);
	for (uint32_t i = 0; i < 4; i++)
		cr_assert_not_null(r[i] = ins(i));
	cr_assert_null(ins(10), "max_flows in the table: full, spare records or not");
	d = r[1];
	d->counter = 0x1122334455667788u;
	memset(d->blob, 0x5a, sizeof(d->blob));
	tt_flow_timer_set(tab, d, 0, 100);
	key_v4(&k, 1);
	tt_flow_detach_hashed(tab, d, tt_flow_hash(tab, &k));
	cr_assert_null(look(1));
	cr_assert_eq(tt_flow_count(tab), 3);
	cr_assert_null(tt_flow_timer_first(tab, 0), "its timer is cancelled");
	for (uint32_t i = 0; i < tt_flow_used_bound(tab); i++)
		cr_assert_neq(tt_flow_at(tab, i), (void *)d, "iteration skips it");
	/* Its contents stay while a new record takes the room it left (a spare one). */
	struct rec *n1 = ins(20), *n2;
	cr_assert_not_null(n1);
	cr_assert_neq(n1, d);
	cr_assert_null(ins(21), "full again");
	cr_assert_eq(d->id, 1);
	cr_assert_eq(d->counter, 0x1122334455667788u);
	for (size_t b = 0; b < sizeof(d->blob); b++)
		cr_assert_eq(d->blob[b], 0x5a);
	/* Released: its memory is the next insert's, zeroed. */
	tt_flow_remove(tab, r[2]);
	tt_flow_release(tab, d);
	cr_assert_eq(tt_flow_count(tab), 3);
	n2 = ins(22);
	cr_assert_eq(n2, d, "the released record is reused first (LIFO)");
	cr_assert_eq(n2->counter, 0);
	cr_assert_eq(n2->blob[0], 0);
	cr_assert_eq(look(22), n2);
	cr_assert_null(look(2));
}

/* Both spare records detached at once, and max_flows records in the table. */
Test(flow_table, detach_up_to_held, .fini = teardown)
{
	struct tt_flow_key k;
	struct rec *a, *b;

	cr_assert_eq(tt_flow_table_new_held(&tab, 2, 2, sizeof(struct rec), 7, errbuf), TT_OK);
	cr_assert_not_null(a = ins(0));
	cr_assert_not_null(b = ins(1));
	key_v4(&k, 0);
	tt_flow_detach_hashed(tab, a, tt_flow_hash(tab, &k));
	key_v4(&k, 1);
	tt_flow_detach_hashed(tab, b, tt_flow_hash(tab, &k));
	cr_assert_not_null(ins(2));
	cr_assert_not_null(ins(3));
	cr_assert_null(ins(4));
	cr_assert_eq(a->id, 0);
	cr_assert_eq(b->id, 1);
	tt_flow_release(tab, a);
	tt_flow_release(tab, b);
	cr_assert_null(ins(4), "released memory is no room in a full table");
	cr_assert_eq(tt_flow_count(tab), 2);
}

/* ---- LRU order ----------------------------------------------------------------------------- */

Test(flow_table, lru_order, .init = setup_small, .fini = teardown)
{
	struct rec *a, *b, *c;

	cr_assert_null(tt_flow_lru_oldest(tab));
	a = ins(1);
	b = ins(2);
	c = ins(3);
	cr_assert_eq(tt_flow_lru_oldest(tab), a);
	tt_flow_touch(tab, a); /* b c a */
	cr_assert_eq(tt_flow_lru_oldest(tab), b);
	tt_flow_touch(tab, a); /* the newest touched again: no change */
	cr_assert_eq(tt_flow_lru_oldest(tab), b);
	tt_flow_touch(tab, b); /* c a b */
	cr_assert_eq(tt_flow_lru_oldest(tab), c);
	tt_flow_remove(tab, c); /* a b */
	cr_assert_eq(tt_flow_lru_oldest(tab), a);
	tt_flow_remove(tab, b); /* a: removing the newest */
	cr_assert_eq(tt_flow_lru_oldest(tab), a);
	b = ins(2); /* a b */
	cr_assert_eq(tt_flow_lru_oldest(tab), a);
	tt_flow_remove(tab, a);
	cr_assert_eq(tt_flow_lru_oldest(tab), b);
	tt_flow_remove(tab, b);
	cr_assert_null(tt_flow_lru_oldest(tab));
}

/* Eviction in LRU order drains the table oldest first. */
Test(flow_table, lru_drain_order, .init = setup_small, .fini = teardown)
{
	static const uint32_t touch[] = {4, 0, 7, 2};
	static const uint32_t want[] = {1, 3, 5, 6, 4, 0, 7, 2};
	struct rec *r[8];

	for (uint32_t i = 0; i < 8; i++)
		r[i] = ins(i);
	for (size_t i = 0; i < NELEM(touch); i++)
		tt_flow_touch(tab, r[touch[i]]);
	for (size_t i = 0; i < NELEM(want); i++) {
		struct rec *old = tt_flow_lru_oldest(tab);
		cr_assert_not_null(old);
		cr_assert_eq(old->id, want[i], "eviction %zu: id %u, expected %u", i, old->id,
		             want[i]);
		tt_flow_remove(tab, old);
	}
	cr_assert_null(tt_flow_lru_oldest(tab));
	cr_assert_eq(tt_flow_count(tab), 0);
}

/* ---- timer lists --------------------------------------------------------------------------- */

/* Pop a timer list completely, recording ids in order. */
static size_t drain_timer(int list, uint32_t *ids, size_t max)
{
	size_t n = 0;
	struct rec *r;

	while ((r = tt_flow_timer_first(tab, list)) != NULL) {
		cr_assert_lt(n, max);
		cr_assert_eq(r->node.tmr_list, list);
		ids[n++] = r->id;
		tt_flow_timer_cancel(tab, r);
		cr_assert_eq(r->node.tmr_list, -1);
	}
	return n;
}

Test(flow_table, timer_fifo, .init = setup_small, .fini = teardown)
{
	struct rec *r[5];
	uint32_t ids[8];

	for (uint32_t i = 0; i < 5; i++) {
		r[i] = ins(i);
		tt_flow_timer_set(tab, r[i], 0, (tt_time_ns)(100 + i));
		cr_assert_eq(r[i]->node.deadline, (tt_time_ns)(100 + i));
		cr_assert_eq(r[i]->node.tmr_list, 0);
	}
	cr_assert_eq(tt_flow_timer_first(tab, 0), r[0]);
	cr_assert_null(tt_flow_timer_first(tab, 1));
	cr_assert_eq(drain_timer(0, ids, NELEM(ids)), 5);
	for (uint32_t i = 0; i < 5; i++)
		cr_assert_eq(ids[i], i);
	cr_assert_null(tt_flow_timer_first(tab, 0));
}

Test(flow_table, timer_set_moves_to_tail, .init = setup_small, .fini = teardown)
{
	static const uint32_t want[] = {1, 3, 0, 2};
	struct rec *r[4];
	uint32_t ids[8];

	for (uint32_t i = 0; i < 4; i++) {
		r[i] = ins(i);
		tt_flow_timer_set(tab, r[i], 1, 10);
	}
	tt_flow_timer_set(tab, r[0], 1, 50); /* 1 2 3 0 */
	cr_assert_eq(r[0]->node.deadline, 50);
	tt_flow_timer_set(tab, r[2], 1, 60); /* 1 3 0 2 */
	cr_assert_eq(tt_flow_timer_first(tab, 1), r[1]);
	cr_assert_eq(drain_timer(1, ids, NELEM(ids)), NELEM(want));
	for (size_t i = 0; i < NELEM(want); i++)
		cr_assert_eq(ids[i], want[i], "position %zu: %u, expected %u", i, ids[i], want[i]);
}

Test(flow_table, timer_set_other_list_leaves_first, .init = setup_small, .fini = teardown)
{
	struct rec *a = ins(1), *b = ins(2);

	tt_flow_timer_set(tab, a, 0, 10);
	tt_flow_timer_set(tab, b, 0, 20);
	tt_flow_timer_set(tab, a, 1, 30);
	cr_assert_eq(a->node.tmr_list, 1);
	cr_assert_eq(tt_flow_timer_first(tab, 0), b);
	cr_assert_eq(tt_flow_timer_first(tab, 1), a);
	tt_flow_timer_cancel(tab, b);
	cr_assert_null(tt_flow_timer_first(tab, 0));
	cr_assert_eq(tt_flow_timer_first(tab, 1), a);
}

Test(flow_table, timer_cancel, .init = setup_small, .fini = teardown)
{
	static const uint32_t want[] = {0, 2, 4};
	struct rec *r[5];
	uint32_t ids[8];

	for (uint32_t i = 0; i < 5; i++) {
		r[i] = ins(i);
		tt_flow_timer_set(tab, r[i], 0, 7);
	}
	tt_flow_timer_cancel(tab, r[1]);
	tt_flow_timer_cancel(tab, r[3]);
	tt_flow_timer_cancel(tab, r[3]); /* not on a list any more: no-op */
	cr_assert_eq(r[3]->node.tmr_list, -1);
	cr_assert_eq(drain_timer(0, ids, NELEM(ids)), NELEM(want));
	for (size_t i = 0; i < NELEM(want); i++)
		cr_assert_eq(ids[i], want[i]);
	/* Cancel the head and the tail. */
	for (uint32_t i = 0; i < 3; i++)
		tt_flow_timer_set(tab, r[i], 0, 8);
	tt_flow_timer_cancel(tab, r[0]);
	cr_assert_eq(tt_flow_timer_first(tab, 0), r[1]);
	tt_flow_timer_cancel(tab, r[2]);
	tt_flow_timer_set(tab, r[4], 0, 9);
	cr_assert_eq(drain_timer(0, ids, NELEM(ids)), 2);
	cr_assert_eq(ids[0], 1);
	cr_assert_eq(ids[1], 4);
}

Test(flow_table, remove_cancels_timer, .init = setup_small, .fini = teardown)
{
	struct rec *a = ins(1), *b = ins(2), *c = ins(3);
	uint32_t ids[4];

	tt_flow_timer_set(tab, a, 0, 1);
	tt_flow_timer_set(tab, b, 0, 2);
	tt_flow_timer_set(tab, c, 0, 3);
	tt_flow_remove(tab, b);
	tt_flow_remove(tab, a);
	cr_assert_eq(tt_flow_timer_first(tab, 0), c);
	/* A new record in a's slot is on no timer list. */
	struct rec *d = ins(4);
	cr_assert_eq(d->node.tmr_list, -1);
	cr_assert_eq(drain_timer(0, ids, NELEM(ids)), 1);
	cr_assert_eq(ids[0], 3);
}

/* ---- free list and iteration --------------------------------------------------------------- */

Test(flow_table, free_list_reuse_zeroes_record, .init = setup_small, .fini = teardown)
{
	struct rec *a = ins(1), *b = ins(2);
	struct rec *c;

	cr_assert_not_null(b);
	a->counter = 0xdeadbeef;
	memset(a->blob, 0xab, sizeof(a->blob));
	tt_flow_timer_set(tab, a, 1, 99);
	tt_flow_remove(tab, a);
	c = ins(3);
	cr_assert_eq(c, a, "a freed record is reused first");
	cr_assert_eq(c->id, 3); /* set by ins() */
	cr_assert_eq(c->counter, 0);
	for (size_t i = 0; i < sizeof(c->blob); i++)
		cr_assert_eq(c->blob[i], 0);
	cr_assert_eq(c->node.tmr_list, -1);
	cr_assert_eq(c->node.deadline, 0);
	cr_assert(c->node.in_use);
	cr_assert_eq(look(3), c);
	cr_assert_null(look(1));
	cr_assert_eq(tt_flow_used_bound(tab), 2);
}

/* Freed records are reused last freed first, before fresh pool entries. */
Test(flow_table, free_list_lifo, .init = setup_small, .fini = teardown)
{
	struct rec *r[4];

	for (uint32_t i = 0; i < 4; i++)
		r[i] = ins(i);
	tt_flow_remove(tab, r[1]);
	tt_flow_remove(tab, r[3]);
	cr_assert_eq(ins(10), r[3]);
	cr_assert_eq(ins(11), r[1]);
	cr_assert_eq(tt_flow_used_bound(tab), 4);
	struct rec *fresh = ins(12);
	cr_assert_not_null(fresh);
	cr_assert_eq(tt_flow_used_bound(tab), 5);
	cr_assert_eq(tt_flow_at(tab, 4), fresh);
}

Test(flow_table, iteration, .init = setup_small, .fini = teardown)
{
	struct rec *r[5];
	uint32_t seen = 0;

	cr_assert_eq(tt_flow_used_bound(tab), 0);
	cr_assert_null(tt_flow_at(tab, 0));
	for (uint32_t i = 0; i < 5; i++)
		r[i] = ins(i);
	cr_assert_eq(tt_flow_used_bound(tab), 5);
	tt_flow_remove(tab, r[2]);
	cr_assert_eq(tt_flow_used_bound(tab), 5);
	cr_assert_null(tt_flow_at(tab, 2));
	cr_assert_null(tt_flow_at(tab, 5));
	cr_assert_null(tt_flow_at(tab, 7));
	cr_assert_null(tt_flow_at(tab, UINT32_MAX));
	for (uint32_t i = 0; i < tt_flow_used_bound(tab); i++) {
		struct rec *x = tt_flow_at(tab, i);
		if (x == NULL)
			continue;
		cr_assert_eq(x, r[x->id]);
		seen |= UINT32_C(1) << x->id;
	}
	cr_assert_eq(seen, 0x1b);
}

/* ---- backward-shift deletion --------------------------------------------------------------- */

/*
 * Keys chosen so that, in a table of 16 slots (max_flows 8), three have their
 * home in the last slot, one in slot 0 and one in slot 14: their probe chain
 * wraps around the end of the slot array.  Each of the 120 removal orders is
 * checked; every other key must stay findable after each removal.  (If the
 * slot count ever changes, the test still checks removal, just less sharply.)
 */
#define NWRAP 5

static uint32_t wrap_keys[NWRAP];

static void find_wrap_keys(void)
{
	static const uint32_t homes[NWRAP] = {15, 15, 15, 0, 14};
	bool used[NWRAP] = {false};
	int found = 0;

	for (uint32_t n = 0; found < NWRAP && n < 100000; n++) {
		struct tt_flow_key k;
		uint32_t home;

		key_v4(&k, n);
		home = tt_flow_hash(tab, &k) & 15;
		for (int i = 0; i < NWRAP; i++) {
			if (!used[i] && homes[i] == home) {
				used[i] = true;
				wrap_keys[i] = n;
				found++;
				break;
			}
		}
	}
	cr_assert_eq(found, NWRAP);
}

static bool next_perm(int *p, int n)
{
	int i = n - 2, j = n - 1;

	while (i >= 0 && p[i] >= p[i + 1])
		i--;
	if (i < 0)
		return false;
	while (p[j] <= p[i])
		j--;
	int t = p[i];
	p[i] = p[j];
	p[j] = t;
	for (int a = i + 1, b = n - 1; a < b; a++, b--) {
		t = p[a];
		p[a] = p[b];
		p[b] = t;
	}
	return true;
}

Test(flow_table, remove_wraparound_chain_every_order, .fini = teardown)
{
	int perm[NWRAP] = {0, 1, 2, 3, 4};
	int orders = 0;

	cr_assert_eq(tt_flow_table_new(&tab, 8, sizeof(struct rec), 777, errbuf), TT_OK);
	find_wrap_keys();
	tt_flow_table_free(&tab);
	do {
		struct rec *r[NWRAP];
		bool present[NWRAP];

		cr_assert_eq(tt_flow_table_new(&tab, 8, sizeof(struct rec), 777, errbuf), TT_OK);
		for (int i = 0; i < NWRAP; i++) {
			r[i] = ins(wrap_keys[i]);
			cr_assert_not_null(r[i]);
			present[i] = true;
		}
		for (int step = 0; step < NWRAP; step++) {
			tt_flow_remove(tab, r[perm[step]]);
			present[perm[step]] = false;
			for (int i = 0; i < NWRAP; i++) {
				struct rec *want = present[i] ? r[i] : NULL;

				cr_assert_eq(look(wrap_keys[i]), want, "order %d step %d: key %d",
				             orders, step, i);
			}
		}
		cr_assert_eq(tt_flow_count(tab), 0);
		tt_flow_table_free(&tab);
		orders++;
	} while (next_perm(perm, NWRAP));
	cr_assert_eq(orders, 120);
}

/* ---- randomized runs against a reference --------------------------------------------------- */

static uint64_t rng_state;

static uint32_t rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * UINT64_C(2685821657736338717)) >> 32);
}

static void check_all(uint32_t nkeys, struct rec *const *ref)
{
	uint32_t count = 0;

	for (uint32_t n = 0; n < nkeys; n++) {
		struct rec *got = look(n);
		cr_assert_eq(got, ref[n], "key %u: found %p, expected %p", n, (void *)got,
		             (void *)ref[n]);
		if (ref[n] != NULL) {
			cr_assert_eq(ref[n]->id, n);
			count++;
		}
	}
	cr_assert_eq(tt_flow_count(tab), count);
}

static void stress_sized(uint32_t max_flows, size_t elem_size, uint32_t seed, uint32_t ops);

static void stress(uint32_t max_flows, uint32_t seed, uint32_t ops)
{
	stress_sized(max_flows, sizeof(struct rec), seed, ops);
}

static void stress_sized(uint32_t max_flows, size_t elem_size, uint32_t seed, uint32_t ops)
{
	static struct rec *ref[3 * 4096];
	uint32_t nkeys = max_flows * 3;
	uint32_t count = 0;

	cr_assert_leq(nkeys, sizeof(ref) / sizeof(ref[0]));
	memset(ref, 0, sizeof(ref));
	rng_state = UINT64_C(0x9e3779b97f4a7c15) ^ seed;
	cr_assert_eq(tt_flow_table_new(&tab, max_flows, elem_size, seed, errbuf), TT_OK);
	for (uint32_t op = 0; op < ops; op++) {
		uint32_t n = rng() % nkeys;

		if (ref[n] != NULL) {
			if (rng() % 4 != 0) {
				tt_flow_remove(tab, ref[n]);
				ref[n] = NULL;
				count--;
			} else {
				cr_assert_eq(look(n), ref[n]);
			}
		} else {
			struct rec *r = ins(n);
			if (count == max_flows) {
				cr_assert_null(r, "op %u: insert into a full table", op);
			} else {
				cr_assert_not_null(r, "op %u: insert failed at %u of %u", op, count,
				                   max_flows);
				ref[n] = r;
				count++;
			}
		}
		cr_assert_eq(tt_flow_count(tab), count);
		if (op % (max_flows / 2 + 1) == 0)
			check_all(nkeys, ref);
	}
	check_all(nkeys, ref);
	/* Drain in LRU order: every record comes out once. */
	while (count > 0) {
		struct rec *old = tt_flow_lru_oldest(tab);
		cr_assert_not_null(old);
		cr_assert_eq(ref[old->id], old);
		ref[old->id] = NULL;
		tt_flow_remove(tab, old);
		count--;
	}
	cr_assert_null(tt_flow_lru_oldest(tab));
	check_all(nkeys, ref);
	tt_flow_table_free(&tab);
}

Test(flow_table, stress_64, .fini = teardown)
{
	for (uint32_t seed = 1; seed <= 8; seed++)
		stress(64, seed, 20000);
}

Test(flow_table, stress_4096, .fini = teardown)
{
	stress(4096, 42, 100000);
}

/* Records of a connection's size: the pool is one reservation on huge pages. */
Test(flow_table, stress_4096_reserved, .fini = teardown)
{
	cr_assert_eq(tt_flow_table_new(&tab, 4096, 1216, 1, errbuf), TT_OK, "%s", errbuf);
	cr_assert(tt_flow_table_reserved(tab), "4096 records of 1216 bytes: one reservation");
	tt_flow_table_free(&tab);
	stress_sized(4096, 1216, 43, 100000);
}

/* Without the address space for a reservation (ulimit -v), chunks do. */
Test(flow_table, pool_without_address_space_for_a_reservation, .fini = teardown)
{
#if defined(__SANITIZE_ADDRESS__)
	cr_skip_test("AddressSanitizer reserves its shadow memory: no address-space limit");
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
	cr_skip_test("AddressSanitizer reserves its shadow memory: no address-space limit");
#endif
#endif
	unsigned long pages = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	struct rlimit rl;
	static struct rec *got[20000];

	if (f == NULL || fscanf(f, "%lu", &pages) != 1)
		cr_skip_test("no /proc/self/statm");
	fclose(f);
	/* 256 MB more than now: chunks of 4096 records fit, 1M records of 1216
	 * bytes (1.2 GB) do not. */
	rl.rlim_cur = rl.rlim_max = (rlim_t)pages * 4096 + ((rlim_t)256 << 20);
	cr_assert_eq(setrlimit(RLIMIT_AS, &rl), 0);
	cr_assert_eq(tt_flow_table_new(&tab, 1u << 20, 1216, 1, errbuf), TT_OK, "%s", errbuf);
	cr_assert_not(tt_flow_table_reserved(tab));
	for (uint32_t n = 0; n < 20000; n++) { /* five chunks */
		got[n] = ins(n);
		cr_assert_not_null(got[n], "insert %u", n);
	}
	for (uint32_t n = 0; n < 20000; n += 2)
		tt_flow_remove(tab, got[n]);
	for (uint32_t n = 0; n < 20000; n++) {
		struct rec *r = look(n);
		cr_assert_eq(r, n % 2 ? got[n] : NULL, "key %u", n);
		if (r != NULL)
			cr_assert_eq(r->id, n);
	}
	cr_assert_eq(tt_flow_count(tab), 10000);
}

/* A table of one flow: probing wraps within 16 slots. */
Test(flow_table, stress_1, .fini = teardown)
{
	stress(1, 5, 2000);
}

/* The prefetch hint names the record of the first slot with the hash, or nothing. */
Test(flow_table, peek_names_the_record_of_a_hash, .init = setup_small, .fini = teardown)
{
	struct tt_flow_key k;
	struct rec *r = ins(3);

	cr_assert_not_null(r);
	key_v4(&k, 3);
	cr_assert_eq(tt_flow_peek(tab, tt_flow_hash(tab, &k)), r);
	key_v4(&k, 4);
	uint32_t h = tt_flow_hash(tab, &k);
	cr_assert(tt_flow_peek(tab, h) == NULL || tt_flow_hash(tab, &((const struct rec *)tt_flow_peek(tab, h))->node.key) == h);
	tt_flow_remove(tab, r);
	key_v4(&k, 3);
	cr_assert_null(tt_flow_peek(tab, tt_flow_hash(tab, &k)));
}

/* ---- timer lists in deadline order --------------------------------------------------------- */

/*
 * Deadlines inserted in random order, with records cancelled, re-inserted and
 * taken from the head in between, checked after every step against a
 * reference list (deadline order, equal deadlines in arrival order).  Deadlines
 * are spread over `span` ns around `base`: from within one hint quantum
 * (about 1 ms) to far more than the hint slots cover (aliasing), and across 0
 * and the ends of the range of tt_time_ns.
 */
static void sorted_timers(tt_time_ns base, uint64_t span, uint32_t seed, uint32_t ops)
{
	enum { N = 256 };
	struct rec *r[N];
	uint32_t ref[N], nref = 0;
	tt_time_ns dl[N];

	rng_state = UINT64_C(0x2545f4914f6cdd1d) ^ seed;
	cr_assert_eq(tt_flow_table_new(&tab, N, sizeof(struct rec), seed, errbuf), TT_OK);
	for (uint32_t i = 0; i < N; i++)
		cr_assert_not_null(r[i] = ins(i));
	for (uint32_t op = 0; op < ops; op++) {
		uint32_t i = rng() % N, pos, k;
		bool on = r[i]->node.tmr_list == 2;

		for (k = 0; k < nref && ref[k] != i; k++)
			;
		cr_assert_eq(on, k < nref, "op %u: record %u on the list: %d", op, i, on);
		if (on && rng() % 3 == 0) { /* cancel */
			tt_flow_timer_cancel(tab, r[i]);
			memmove(&ref[k], &ref[k + 1], (nref - k - 1) * sizeof(ref[0]));
			nref--;
		} else if (nref > 0 && rng() % 4 == 0) { /* the head's deadline passes */
			struct rec *h = tt_flow_timer_first(tab, 2);
			cr_assert_eq(h, r[ref[0]], "op %u: head", op);
			tt_flow_timer_cancel(tab, h);
			memmove(&ref[0], &ref[1], (nref - 1) * sizeof(ref[0]));
			nref--;
		} else { /* (re-)insert: a few deadlines repeat exactly */
			if (on) {
				memmove(&ref[k], &ref[k + 1], (nref - k - 1) * sizeof(ref[0]));
				nref--;
			}
			uint64_t off = (uint64_t)rng() << 32 | rng();
			if (span < UINT64_MAX)
				off %= span + 1;
			dl[i] = rng() % 8 == 0 && nref > 0 ? dl[ref[rng() % nref]]
			                                   : (tt_time_ns)((uint64_t)base + off);
			tt_flow_timer_insert(tab, r[i], 2, dl[i]);
			for (pos = nref; pos > 0 && dl[ref[pos - 1]] > dl[i]; pos--)
				ref[pos] = ref[pos - 1];
			ref[pos] = i;
			nref++;
		}
		/* The whole list, both ways. */
		const struct tt_flow_node *n = tt_flow_timer_first(tab, 2);
		for (k = 0; k < nref; k++) {
			cr_assert_not_null(n, "op %u: list ends at %u of %u", op, k, nref);
			cr_assert_eq(((const struct rec *)(const void *)n)->id, ref[k],
			             "op %u: position %u: record %u, expected %u", op, k,
			             ((const struct rec *)(const void *)n)->id, ref[k]);
			cr_assert_eq(n->deadline, dl[ref[k]]);
			if (k > 0)
				cr_assert_eq(n->tmr_prev, r[ref[k - 1]]->node.self);
			n = n->tmr_next == TT_FLOW_NIL
			        ? NULL
			        : (const struct tt_flow_node *)tt_flow_at(tab, n->tmr_next);
		}
		cr_assert_null(n, "op %u: list longer than %u", op, nref);
	}
	tt_flow_table_free(&tab);
}

Test(flow_table, timer_insert_within_one_quantum, .fini = teardown)
{
	sorted_timers(1000000000, 900000, 1, 4000);
}

Test(flow_table, timer_insert_over_seconds, .fini = teardown)
{
	sorted_timers(INT64_C(1700000000000000000), UINT64_C(3000000000), 2, 6000);
}

Test(flow_table, timer_insert_wider_than_the_hints, .fini = teardown)
{
	sorted_timers(INT64_C(1700000000000000000), UINT64_C(120000000000), 3, 6000);
}

Test(flow_table, timer_insert_across_zero_and_the_ends, .fini = teardown)
{
	sorted_timers(-4000000, 8000000, 4, 4000);
	sorted_timers(INT64_MIN, 5000000, 5, 3000);
	sorted_timers(INT64_MAX - 5000000, 5000000, 6, 3000);
	sorted_timers(INT64_MIN, UINT64_MAX, 7, 3000);
}

/* Appending to a list kept in order leaves it a FIFO list that sorted inserts still walk. */
Test(flow_table, timer_set_after_insert_keeps_order, .init = setup_small, .fini = teardown)
{
	static const uint32_t want[] = {1, 0, 3, 2};
	struct rec *r[4];
	uint32_t ids[8];

	for (uint32_t i = 0; i < 4; i++)
		r[i] = ins(i);
	tt_flow_timer_insert(tab, r[0], 2, 5000000);
	tt_flow_timer_insert(tab, r[1], 2, 1000000);
	tt_flow_timer_set(tab, r[2], 2, 9000000);
	tt_flow_timer_insert(tab, r[3], 2, 6000000);
	cr_assert_eq(drain_timer(2, ids, NELEM(ids)), NELEM(want));
	for (size_t i = 0; i < NELEM(want); i++)
		cr_assert_eq(ids[i], want[i], "position %zu: %u, expected %u", i, ids[i], want[i]);
}

/*
 * The least recently active record against a reference (a stamp per record
 * from a counter of our own), over inserts, removals, touches and evictions of
 * the oldest, in tables small and large enough for several candidate passes.
 */
static void lru_against_reference(uint32_t max_flows, uint32_t seed, uint32_t ops)
{
	static struct rec *ref[3 * 4096];
	static uint64_t when[3 * 4096];
	uint32_t nkeys = max_flows * 3, count = 0;
	uint64_t clock = 0;

	cr_assert_leq(nkeys, sizeof(ref) / sizeof(ref[0]));
	memset(ref, 0, sizeof(ref));
	rng_state = UINT64_C(0x5851f42d4c957f2d) ^ seed;
	cr_assert_eq(tt_flow_table_new(&tab, max_flows, sizeof(struct rec), seed, errbuf), TT_OK);
	for (uint32_t op = 0; op < ops; op++) {
		uint32_t n = rng() % nkeys, pick = rng() % 8;

		if (pick < 3 && count < max_flows && ref[n] == NULL) {
			cr_assert_not_null(ref[n] = ins(n));
			when[n] = ++clock;
			count++;
		} else if (pick < 5 && ref[n] != NULL) {
			tt_flow_touch(tab, ref[n]);
			when[n] = ++clock;
		} else if (pick == 5 && ref[n] != NULL) {
			tt_flow_remove(tab, ref[n]);
			ref[n] = NULL;
			count--;
		} else {
			/* The oldest, by the reference; then evicted, or given a second chance. */
			struct rec *want = NULL, *got = tt_flow_lru_oldest(tab);
			for (uint32_t k = 0; k < nkeys; k++)
				if (ref[k] != NULL && (want == NULL || when[k] < when[want->id]))
					want = ref[k];
			cr_assert_eq(got, want, "op %u: oldest %u, expected %u", op,
			             got ? got->id : 0u, want ? want->id : 0u);
			if (got == NULL)
				continue;
			if (rng() % 3 == 0) {
				tt_flow_touch(tab, got);
				when[got->id] = ++clock;
			} else {
				ref[got->id] = NULL;
				tt_flow_remove(tab, got);
				count--;
			}
		}
	}
	tt_flow_table_free(&tab);
}

Test(flow_table, lru_oldest_against_reference_small, .fini = teardown)
{
	for (uint32_t seed = 1; seed <= 6; seed++)
		lru_against_reference(8, seed, 4000);
}

Test(flow_table, lru_oldest_against_reference_large, .fini = teardown)
{
	lru_against_reference(2048, 9, 30000);
}

/* ---- side blocks --------------------------------------------------------------------------- */

/* Blocks come zeroed, are distinct, are reused once put back (zeroed again),
 * and no more than max_blocks are in use at once. */
Test(flow_table, slab_blocks_zeroed_bounded_and_reused)
{
	struct tt_flow_slab *s;
	char err[256];
	unsigned char *b[600];
	static const unsigned char zero[40];

	cr_assert_eq(tt_flow_slab_new(&s, 40, 600, err), TT_OK, "%s", err);
	for (int i = 0; i < 600; i++) { /* more than one chunk */
		b[i] = tt_flow_slab_get(s);
		cr_assert_not_null(b[i]);
		cr_assert_eq(memcmp(b[i], zero, sizeof(zero)), 0, "block %d zeroed", i);
		memset(b[i], 0xa5, 40);
		for (int j = 0; j < i; j += 97)
			cr_assert_neq(b[i], b[j]);
	}
	cr_assert_eq(tt_flow_slab_count(s), 600);
	cr_assert_null(tt_flow_slab_get(s), "max_blocks in use");
	tt_flow_slab_put(s, b[17]);
	tt_flow_slab_put(s, NULL); /* ignored */
	cr_assert_eq(tt_flow_slab_count(s), 599);
	unsigned char *again = tt_flow_slab_get(s);
	cr_assert_eq(again, b[17], "a freed block is reused");
	cr_assert_eq(memcmp(again, zero, sizeof(zero)), 0, "and handed out zeroed");
	cr_assert_eq(b[18][0], 0xa5, "its neighbour untouched");
	tt_flow_slab_free(&s);
	cr_assert_null(s);
	tt_flow_slab_free(&s); /* NULL is ignored */
}

Test(flow_table, slab_rejects_bad_sizes)
{
	struct tt_flow_slab *s;
	char err[256];

	cr_assert_eq(tt_flow_slab_new(&s, 40, 0, err), TT_ERR_INVAL);
	cr_assert_null(s);
	cr_assert_eq(tt_flow_slab_new(&s, 1, 10, err), TT_ERR_INVAL);
	cr_assert_not_null(strstr(err, "side blocks"), "%s", err);
}

/* A lookup with a hint: taken when in use with the key, else the index decides. */
Test(flow_table, lookup_hint_checks_its_record, .init = setup_small, .fini = teardown)
{
	struct tt_flow_key k3, k4;
	struct rec *r3 = ins(3), *r4 = ins(4);

	key_v4(&k3, 3);
	key_v4(&k4, 4);
	cr_assert_eq(tt_flow_lookup_hint(tab, NULL, &k3, tt_flow_hash(tab, &k3)), r3);
	cr_assert_eq(tt_flow_lookup_hint(tab, r3, &k3, tt_flow_hash(tab, &k3)), r3);
	cr_assert_eq(tt_flow_lookup_hint(tab, r4, &k3, tt_flow_hash(tab, &k3)), r3,
	             "a hint with another key is not taken");
	tt_flow_remove(tab, r3);
	cr_assert_null(tt_flow_lookup_hint(tab, r3, &k3, tt_flow_hash(tab, &k3)),
	               "a removed record is not taken");
	cr_assert_eq(tt_flow_lookup_hint(tab, r3, &k4, tt_flow_hash(tab, &k4)), r4);
}

/* A slab told not to zero hands a block back as it was put back (but for the
 * free list's link in its first word), and is still bounded. */
Test(flow_table, slab_no_zero_keeps_contents)
{
	struct tt_flow_slab *s;
	char err[256];
	unsigned char *a, *b;

	cr_assert_eq(tt_flow_slab_new(&s, 64, 2, err), TT_OK, "%s", err);
	tt_flow_slab_no_zero(s);
	a = tt_flow_slab_get(s);
	b = tt_flow_slab_get(s);
	cr_assert_not_null(a);
	cr_assert_not_null(b);
	cr_assert_null(tt_flow_slab_get(s), "max_blocks in use");
	memset(a, 0x5a, 64);
	tt_flow_slab_put(s, a);
	cr_assert_eq(tt_flow_slab_get(s), a);
	for (int i = (int)sizeof(void *); i < 64; i++)
		cr_assert_eq(a[i], 0x5a, "byte %d as put back", i);
	tt_flow_slab_free(&s);
}

/* Blocks by number: 1 .. max_blocks across chunks, handed out zeroed, reused
 * last put first, bounded; 0 is none. */
Test(flow_table, slab_blocks_by_number)
{
	enum { N = 600 }; /* three chunks */
	static uint32_t id[N];
	struct tt_flow_slab *s;
	char err[256];
	unsigned char *b;

	cr_assert_eq(tt_flow_slab_new(&s, 24, N, err), TT_OK, "%s", err);
	for (uint32_t i = 0; i < N; i++) {
		id[i] = tt_flow_slab_get_id(s);
		cr_assert_eq(id[i], i + 1, "numbered in order");
		b = tt_flow_slab_at(s, id[i]);
		for (int j = 0; j < 24; j++)
			cr_assert_eq(b[j], 0);
		memset(b, (int)(i & 0x7f) + 1, 24);
	}
	cr_assert_eq(tt_flow_slab_get_id(s), 0, "max_blocks in use");
	cr_assert_eq(tt_flow_slab_count(s), N);
	for (uint32_t i = 0; i < N; i++) { /* each block its own */
		b = tt_flow_slab_at(s, id[i]);
		cr_assert_eq(b[0], (i & 0x7f) + 1, "block %u", i);
		cr_assert_eq(b[23], (i & 0x7f) + 1, "block %u", i);
	}
	tt_flow_slab_put_id(s, id[300]);
	tt_flow_slab_put_id(s, id[5]);
	tt_flow_slab_put_id(s, 0);
	cr_assert_eq(tt_flow_slab_count(s), N - 2);
	cr_assert_eq(tt_flow_slab_get_id(s), id[5], "the last put back first");
	cr_assert_eq(tt_flow_slab_get_id(s), id[300]);
	b = tt_flow_slab_at(s, id[300]);
	for (int j = 0; j < 24; j++)
		cr_assert_eq(b[j], 0, "zeroed again, byte %d", j);
	cr_assert_eq(tt_flow_slab_get_id(s), 0);
	tt_flow_slab_free(&s);
}

/* By number on a slab told not to zero: a block comes back as it was put back
 * (but for the free list's 4-byte link). */
Test(flow_table, slab_blocks_by_number_no_zero)
{
	struct tt_flow_slab *s;
	char err[256];
	unsigned char *b;
	uint32_t a;

	cr_assert_eq(tt_flow_slab_new(&s, 32, 2, err), TT_OK, "%s", err);
	tt_flow_slab_no_zero(s);
	a = tt_flow_slab_get_id(s);
	cr_assert_neq(a, 0);
	b = tt_flow_slab_at(s, a);
	memset(b, 0x5a, 32);
	tt_flow_slab_put_id(s, a);
	cr_assert_eq(tt_flow_slab_get_id(s), a);
	for (int i = (int)sizeof(uint32_t); i < 32; i++)
		cr_assert_eq(b[i], 0x5a, "byte %d as put back", i);
	tt_flow_slab_free(&s);
}
