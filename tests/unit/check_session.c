/* SPDX-License-Identifier: MIT */
/* check_session.c - session_table_check(): it finds nothing wrong in a
 * table the session.c calls made, and names what was broken in one
 * changed behind their back; the session index under churn; mappings
 * hosted by their session and moved to a record; the count table per
 * address (counts.c)
 *
 * The fuzzers rely on session_table_check() after every call into the
 * engine, so each kind of damage it must see is made here once, on a
 * small table built by hand with the calls of session.h alone.
 */

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "nat/nat_int.h"
#include "nat/session.h"

static struct session_table t;
static uint32_t pool[1];
static uint32_t mi, s1, s2;

/* A mapping 10.0.0.2:5000 -> 203.0.113.1:6000 and two UDP sessions on
 * it, at 1000 and 2500 ms. */
static void setup(void)
{
	const uint64_t key[2] = { 7, 8 };
	struct nat_mapping m = {
		.in_addr = htonl(0x0a000002), .in_port = htons(5000),
		.pub_port = htons(6000), .pclass = MAP_UDP,
	};
	struct nat_session s = {
		.in_addr = m.in_addr, .in_port = m.in_port,
		.pub_port = m.pub_port,
		.rem_addr = htonl(0xc6336407), .rem_port = htons(53),
		.proto = IPPROTO_UDP, .klass = CLASS_UDP,
	};

	pool[0] = htonl(0xcb007101);
	ck_assert_int_eq(session_table_init(&t, 16, pool, key, NULL), 0);
	mi = mapping_add(&t, &m);
	s1 = session_add(&t, mi, &s, 1000);
	s.rem_port = htons(54);
	s2 = session_add(&t, mi, &s, 2500);
	ck_assert(mi && s1 && s2);
}

static void teardown(void)
{
	session_table_fini(&t);
}

static void expect(const char *why)
{
	const char *got = session_table_check(&t);

	ck_assert_msg(got && strstr(got, why), "wanted \"%s\", got \"%s\"",
		      why, got ? got : "(nothing)");
}

START_TEST(test_check_clean)
{
	struct nat_mapping ended = { 0 };

	ck_assert_ptr_null(session_table_check(&t));
	session_refresh(&t, s1, CLASS_UDP, 4000);
	ck_assert_ptr_null(session_table_check(&t));
	ck_assert(!session_del(&t, s2, &ended));
	ck_assert_ptr_null(session_table_check(&t));
	ck_assert(session_del(&t, s1, &ended));
	ck_assert_uint_eq(ended.pub_port, htons(6000));
	ck_assert_uint_eq(ended.in_port, htons(5000));
	ck_assert_uint_eq(mapping_count(&t), 0);
	ck_assert_ptr_null(session_table_check(&t));
}
END_TEST

/* A key field changed without taking the session out of the hash. */
START_TEST(test_check_key_changed)
{
	t.s[s2].rem_port = htons(99);
	expect("not found under one of its keys");
}
END_TEST

START_TEST(test_check_mapping_count)
{
	t.m[mi].nsessions++;
	expect("session count is wrong");
}
END_TEST

/* The mapping's last session freed, the mapping kept. */
START_TEST(test_check_mapping_leaked)
{
	struct nat_mapping ended;

	t.m[mi].is_static = 1;		/* so that session_del() keeps it */
	session_del(&t, s1, &ended);
	session_del(&t, s2, &ended);
	t.m[mi].is_static = 0;
	expect("without sessions lives on");
}
END_TEST

/* A session on a list it is not linked in the order of. */
START_TEST(test_check_list_order)
{
	t.s[s2].last_ms = 10;
	expect("out of order");
}
END_TEST

START_TEST(test_check_list_class)
{
	t.s[s1].klass = CLASS_ICMP;
	expect("expiry list is broken");
}
END_TEST

/* A record in use but marked free (protocol 0), as walks see it. */
START_TEST(test_check_free_marker)
{
	t.s[s1].proto = 0;
	ck_assert_ptr_nonnull(session_table_check(&t));
}
END_TEST

START_TEST(test_check_free_list)
{
	struct nat_mapping ended;

	session_del(&t, s2, &ended);
	t.s[s2].next = s2;	/* a loop */
	expect("free list is broken");
}
END_TEST

/* An index bucket's count of entries passed, off by one. */
START_TEST(test_check_index_passed)
{
	t.s_bucket[0].passed++;
	expect("count of entries passed is wrong");
}
END_TEST

/* An entry whose tag is not its hash's: lookups miss it. */
START_TEST(test_check_index_tag)
{
	uint32_t b;
	unsigned i;

	for (b = 0; b <= t.s_mask; b++)
		for (i = 0; i < INDEX_SLOTS; i++)
			if (t.s_bucket[b].ent[i]) {
				t.s_bucket[b].tag[i] ^= 1;
				expect("not found under one of its keys");
				return;
			}
	ck_abort_msg("no entry in the index");
}
END_TEST

/* ---- the index itself, filled to its load limit ----------------------- */

#define FULL_MAX	4096

static struct session_table big;
static uint32_t big_pool[1];

static void big_setup(void)
{
	const uint64_t key[2] = { 0x1234, 0x5678 };

	big_pool[0] = htonl(0xcb007101);
	ck_assert_int_eq(session_table_init(&big, FULL_MAX, big_pool, key,
					    NULL), 0);
}

static void big_teardown(void)
{
	session_table_fini(&big);
}

/* Session number @i's template: a UDP flow of its own, no mapping. */
static struct nat_session flow(uint32_t i)
{
	return (struct nat_session){
		.in_addr = htonl(0x0a000000 + i / 64),
		.in_port = htons((uint16_t)(1024 + i % 64)),
		.pub_port = htons((uint16_t)(2000 + i)),
		.rem_addr = htonl(0xc6336407), .rem_port = htons(53),
		.proto = IPPROTO_UDP, .klass = CLASS_UDP,
	};
}

/* Is session @si found under both its keys, and not once its key moved? */
static void expect_found(uint32_t si)
{
	struct flow_key k;

	session_key(&big, &big.s[si], SIDE_IN, &k);
	ck_assert_uint_eq(session_find(&big, &k), si);
	session_key(&big, &big.s[si], SIDE_OUT, &k);
	ck_assert_uint_eq(session_find(&big, &k), si);
	k.rem_port ^= 1;
	ck_assert_uint_eq(session_find(&big, &k), 0);
}

static uint32_t passed_total(void)
{
	uint32_t b, sum = 0;

	for (b = 0; b <= big.s_mask; b++)
		sum += big.s_bucket[b].passed;
	return sum;
}

/* Full, with buckets overflowing into their neighbours; emptied in a
 * scrambled order, refilled, emptied again: every key found throughout,
 * every count back to zero at the end. */
START_TEST(test_index_full_churn)
{
	static uint32_t si[FULL_MAX];
	uint32_t i, round;

	for (round = 0; round < 2; round++) {
		for (i = 0; i < FULL_MAX; i++) {
			struct nat_session s = flow(i + round * FULL_MAX);

			si[i] = session_add(&big, 0, &s, 1000);
			ck_assert_uint_ne(si[i], 0);
		}
		/* load 0.8: some buckets must have overflowed, or this
		 * test does not test the overflow path */
		ck_assert_uint_gt(passed_total(), 0);
		ck_assert_ptr_null(session_table_check(&big));
		for (i = 0; i < FULL_MAX; i++)
			expect_found(si[i]);
		for (i = 0; i < FULL_MAX; i++) {
			/* 1237 is prime to 4096: each index once */
			uint32_t j = (i * 1237 + round) % FULL_MAX;

			ck_assert(!session_del(&big, si[j], NULL));
			si[j] = 0;
			/* (spaced so that a sanitizer build stays within
			 * the test's time limit) */
			if (i % 1024 == 0)
				ck_assert_ptr_null(session_table_check(&big));
			if (i % 512 == 0) {
				uint32_t k;

				for (k = 0; k < FULL_MAX; k++)
					if (si[k])
						expect_found(si[k]);
			}
		}
		ck_assert_uint_eq(passed_total(), 0);
		ck_assert_ptr_null(session_table_check(&big));
	}
}
END_TEST

/* A live GRE call's two extra keys, in their chained hash. */
START_TEST(test_index_gre_call)
{
	struct nat_session s = {
		.in_addr = htonl(0x0a000002), .in_port = htons(0x1111),
		.pub_port = htons(0x2222),
		.rem_addr = htonl(0xc6336407), .rem_port = htons(0x3333),
		.proto = IPPROTO_GRE, .klass = CLASS_GRE,
	};
	uint32_t call = session_add(&big, 0, &s, 1000);
	struct flow_key k, rem;
	enum key_side side;

	ck_assert_uint_ne(call, 0);
	for (side = SIDE_IN; side < SIDE_N; side++) {
		ck_assert(session_has_side(&big.s[call], side));
		session_key(&big, &big.s[call], side, &k);
		ck_assert_uint_eq(session_find(&big, &k), call);
	}
	ck_assert_ptr_null(session_table_check(&big));
	session_key(&big, &big.s[call], SIDE_GRE_REM, &rem);
	/* quarantined: the extra keys go */
	session_refresh(&big, call, CLASS_GRE_QUARANTINE, 2000);
	session_key(&big, &big.s[call], SIDE_OUT, &k);
	ck_assert_uint_eq(session_find(&big, &k), call);
	ck_assert_uint_eq(session_find(&big, &rem), 0);
	ck_assert_ptr_null(session_table_check(&big));
	session_del(&big, call, NULL);
	ck_assert_ptr_null(session_table_check(&big));
}
END_TEST

/* Live GRE calls on shared chains (a 16-session table has 2 chain heads
 * for their extra keys): their links are where other sessions keep a
 * mapping reference, and no call is taken to have a mapping, whatever its
 * links hold; each end keeps the chains whole. */
START_TEST(test_index_gre_calls_shared_chains)
{
	enum { N = 6 };
	const uint64_t key[2] = { 5, 6 };
	struct session_table tb;
	uint32_t call[N], i, linked = 0;

	ck_assert_int_eq(session_table_init(&tb, 16, big_pool, key, NULL), 0);
	ck_assert_uint_eq(tb.g_mask + 1, 2);
	for (i = 0; i < N; i++) {
		struct nat_session s = {
			.in_addr = htonl(0x0a000002 + i),
			.in_port = htons((uint16_t)(0x1111 + i)),
			.pub_port = htons((uint16_t)(0x2222 + i)),
			.rem_addr = htonl(0xc6336407),
			.rem_port = htons((uint16_t)(0x3333 + i)),
			.proto = IPPROTO_GRE, .klass = CLASS_GRE,
		};

		call[i] = session_add(&tb, 0, &s, 1000);
		ck_assert_uint_ne(call[i], 0);
	}
	for (i = 0; i < N; i++) {
		const struct nat_session *s = &tb.s[call[i]];

		linked += s->glink[0] || s->glink[1];
		ck_assert_uint_eq(session_mref(&tb, s), 0);
	}
	ck_assert_uint_gt(linked, 0);	/* the case this test is for */
	ck_assert_ptr_null(session_table_check(&tb));
	/* (the check finds every live call under each of its keys) */
	for (i = 0; i < N; i++) {
		ck_assert(!session_del(&tb, call[(i * 5 + 2) % N], NULL));
		ck_assert_ptr_null(session_table_check(&tb));
	}
	ck_assert_uint_eq(tb.sp.used, 0);
	session_table_fini(&tb);
}
END_TEST

/* ---- mappings hosted by their session ----------------------------------- */

/* The mapping @mref is found under both its keys, with @s's endpoints. */
static void expect_mapping(const struct session_table *tb, uint32_t mref,
			   const struct nat_session *s)
{
	struct flow_key k;

	flow_key_set(&k, SIDE_IN, s->proto, s->in_addr, s->in_port, 0, 0);
	ck_assert_uint_eq(mapping_find(tb, &k), mref);
	flow_key_set(&k, SIDE_OUT, s->proto, session_pub_addr(tb, s),
		     s->pub_port, 0, 0);
	ck_assert_uint_eq(mapping_find(tb, &k), mref);
}

/* A new mapping lives in its session; a second session moves it to a
 * record, found where it was; it ends with its last session, and the
 * ending says which public port to release. */
START_TEST(test_hosted_lifecycle)
{
	struct nat_session s = flow(7);
	struct nat_mapping m, ended = { 0 };
	uint32_t a, b, mref;

	a = session_add(&big, MREF_NEW, &s, 1000);
	ck_assert_uint_ne(a, 0);
	mref = MREF_HOSTED | a;
	ck_assert_uint_eq(session_mref(&big, &big.s[a]), mref);
	ck_assert(big.s[a].flags & SESS_MAP_HOST);
	ck_assert_uint_eq(big.mp.used, 0);	/* no record taken */
	ck_assert_uint_eq(mapping_count(&big), 1);
	expect_mapping(&big, mref, &s);
	m = mapping_get(&big, mref);
	ck_assert_uint_eq(m.nsessions, 1);
	ck_assert_uint_eq(m.pub_port, s.pub_port);
	ck_assert_uint_eq(m.pclass, MAP_UDP);
	ck_assert_ptr_null(session_table_check(&big));

	s.rem_port = htons(54);
	b = session_add(&big, mref, &s, 1500);
	ck_assert_uint_ne(b, 0);
	ck_assert_uint_eq(big.mp.used, 1);
	ck_assert(!(big.s[a].flags & SESS_MAP_HOST));
	ck_assert(!(big.s[b].flags & SESS_MAP_HOST));
	ck_assert_uint_eq(session_mref(&big, &big.s[a]),
			  session_mref(&big, &big.s[b]));
	ck_assert(!(session_mref(&big, &big.s[a]) & MREF_HOSTED));
	ck_assert_uint_eq(big.m[session_mref(&big, &big.s[a])].nsessions, 2);
	expect_mapping(&big, session_mref(&big, &big.s[a]), &s);
	ck_assert_uint_eq(mapping_count(&big), 1);
	ck_assert_ptr_null(session_table_check(&big));

	/* the first session goes: the record stays with the second */
	ck_assert(!session_del(&big, a, &ended));
	expect_mapping(&big, session_mref(&big, &big.s[b]), &s);
	ck_assert_ptr_null(session_table_check(&big));
	ck_assert(session_del(&big, b, &ended));
	ck_assert_uint_eq(ended.pub_port, s.pub_port);
	ck_assert_uint_eq(ended.in_addr, s.in_addr);
	ck_assert_uint_eq(mapping_count(&big), 0);
	expect_mapping(&big, 0, &s);
	ck_assert_ptr_null(session_table_check(&big));
}
END_TEST

/* A host's only session ends: the mapping with it, all of its fields said. */
START_TEST(test_hosted_ends_with_host)
{
	struct nat_session s = flow(9);
	struct nat_mapping ended = { 0 };
	uint32_t a = session_add(&big, MREF_NEW, &s, 1000);

	ck_assert(session_del(&big, a, &ended));
	ck_assert_uint_eq(ended.in_addr, s.in_addr);
	ck_assert_uint_eq(ended.in_port, s.in_port);
	ck_assert_uint_eq(ended.pub_port, s.pub_port);
	ck_assert_uint_eq(ended.pub_idx, 0);
	ck_assert_uint_eq(ended.pclass, MAP_UDP);
	ck_assert(!ended.is_static);
	ck_assert_uint_eq(mapping_count(&big), 0);
	expect_mapping(&big, 0, &s);
	ck_assert_ptr_null(session_table_check(&big));
}
END_TEST

/* Many mappings on few chains (a 16-session table has 8 mapping buckets),
 * hosted and in records side by side: each move and each end keeps every
 * chain whole, whichever place in its chain the entry had. */
START_TEST(test_hosted_shared_chains)
{
	enum { N = 8 };
	const uint64_t key[2] = { 3, 4 };
	struct session_table tb;
	struct nat_session s[N];
	uint32_t host[N], second[N], i, j;

	ck_assert_int_eq(session_table_init(&tb, 2 * N, big_pool, key, NULL),
			 0);
	ck_assert_uint_le(tb.m_mask + 1, N);
	for (i = 0; i < N; i++) {
		s[i] = flow(i);
		host[i] = session_add(&tb, MREF_NEW, &s[i], 1000);
		second[i] = 0;
		ck_assert_uint_ne(host[i], 0);
	}
	ck_assert_ptr_null(session_table_check(&tb));
	/* move every other one to a record, in a scrambled order */
	for (i = 0; i < N; i++) {
		struct nat_session t2;

		j = (i * 5 + 3) % N;
		if (j % 2)
			continue;
		t2 = s[j];
		t2.rem_port = htons(99);
		second[j] = session_add(&tb, session_mref(&tb, &tb.s[host[j]]),
					&t2, 2000);
		ck_assert_uint_ne(second[j], 0);
		ck_assert_ptr_null(session_table_check(&tb));
	}
	ck_assert_uint_eq(tb.hosted, N / 2);
	ck_assert_uint_eq(tb.mp.used, N / 2);
	for (i = 0; i < N; i++)
		expect_mapping(&tb, session_mref(&tb, &tb.s[host[i]]), &s[i]);
	/* end them all in another order: the moved ones keep living on
	 * their second session until it ends too */
	for (i = 0; i < N; i++) {
		struct nat_mapping ended;

		j = (i * 3 + 1) % N;
		ck_assert(session_del(&tb, host[j], &ended) == !second[j]);
		ck_assert_ptr_null(session_table_check(&tb));
		if (second[j]) {
			expect_mapping(&tb,
				       session_mref(&tb, &tb.s[second[j]]),
				       &s[j]);
			ck_assert(session_del(&tb, second[j], &ended));
			ck_assert_uint_eq(ended.pub_port, s[j].pub_port);
			ck_assert_ptr_null(session_table_check(&tb));
		}
		expect_mapping(&tb, 0, &s[j]);
	}
	ck_assert_uint_eq(mapping_count(&tb), 0);
	session_table_fini(&tb);
}
END_TEST

/* What session_table_check() must see wrong in a hosted mapping. */
START_TEST(test_hosted_check)
{
	struct nat_session s = flow(11);
	uint32_t a = session_add(&big, MREF_NEW, &s, 1000);

	big.s[a].flags &= (uint8_t)~SESS_MAP_HOST;
	ck_assert_ptr_nonnull(strstr(session_table_check(&big),
				     "hosted mappings are not as many"));
	big.hosted--;	/* as if counted: the chains still say it */
	ck_assert_ptr_nonnull(strstr(session_table_check(&big),
				     "chain holds a session that hosts none"));
	big.s[a].flags |= SESS_MAP_HOST;
	big.hosted += 2;
	ck_assert_ptr_nonnull(strstr(session_table_check(&big),
				     "hosted mappings are not as many"));
	big.hosted--;
	big.s[a].in_port ^= 1;	/* a key field moved behind the hash's back */
	ck_assert_ptr_nonnull(session_table_check(&big));
}
END_TEST

/* What session_table_check() must see wrong in the words a session's
 * kind decides the meaning of. */
START_TEST(test_check_shared_words)
{
	struct nat_session u = flow(12), g = {
		.in_addr = htonl(0x0a000002), .in_port = htons(0x1111),
		.pub_port = htons(0x2222), .rem_addr = htonl(0xc6336407),
		.rem_port = htons(0x3333), .proto = IPPROTO_GRE,
		.klass = CLASS_GRE,
	};
	uint32_t a = session_add(&big, MREF_NEW, &u, 1000);
	uint32_t b, call = session_add(&big, 0, &g, 1000);

	u.rem_port = htons(99);
	b = session_add(&big, session_mref(&big, &big.s[a]), &u, 1000);
	ck_assert_ptr_null(session_table_check(&big));
	/* a UDP session with an ALG slot */
	big.s[b].ctl_slot = 1;
	ck_assert_ptr_nonnull(strstr(session_table_check(&big),
				     "mapping or ALG slot is marked wrong"));
	big.s[b].ctl_slot = 0;
	/* a session without a mapping in a filter record */
	big.s[call].flags |= SESS_PERM;
	ck_assert_ptr_nonnull(strstr(session_table_check(&big),
				     "without a dynamic mapping counts"));
	big.s[call].flags &= (uint8_t)~SESS_PERM;
	/* a GRE call that hosts */
	big.s[call].flags |= SESS_MAP_HOST;
	ck_assert_ptr_nonnull(strstr(session_table_check(&big),
				     "a GRE call hosts a mapping"));
	big.s[call].flags &= (uint8_t)~SESS_MAP_HOST;
	ck_assert_ptr_null(session_table_check(&big));
}
END_TEST

/* Every address of @addrs[0..n) counts @want[i], and nothing else
 * is in @ac. */
static void expect_counts(const struct addr_counts *ac, const uint64_t *key,
			  const uint32_t *addrs, const uint32_t *want,
			  uint32_t n)
{
	uint32_t i, used = 0;

	for (i = 0; i < n; i++) {
		ck_assert_uint_eq(addr_count(ac, key, addrs[i]), want[i]);
		used += want[i] != 0;
	}
	for (i = 0; i <= ac->mask; i++)
		used -= ac->e[i].n != 0;
	ck_assert_uint_eq(used, 0);
}

/* Hosts of a LAN share a few pages of a table sized for a million. */
START_TEST(test_counts_lan_on_few_pages)
{
	enum { HOSTS = 15625, PER_PAGE = 4096 / sizeof(struct addr_count) };
	const uint64_t key[2] = { 0x1234, 0x5678 };
	static uint32_t addrs[HOSTS], want[HOSTS];
	struct addr_counts ac;
	uint32_t i, pages = 0, slot;

	ck_assert_int_eq(addr_counts_init(&ac, 1000000), 0);
	for (i = 0; i < HOSTS; i++) {
		addrs[i] = htonl(0x0a000001 + i);	/* 10.0.0.1 on: 62 /24s */
		want[i] = 1 + i % 64;
		addr_count_add(&ac, key, addrs[i], want[i]);
	}
	expect_counts(&ac, key, addrs, want, HOSTS);
	for (slot = 0; slot <= ac.mask; slot += PER_PAGE) {
		uint32_t k;

		for (k = 0; k < PER_PAGE && !ac.e[slot + k].n; k++)
			;
		pages += k < PER_PAGE;
	}
	/* a run of 256 slots spans at most 2 pages; one per address would
	 * touch most of the 4096 */
	ck_assert_uint_le(pages, 2 * 62);
	for (i = 0; i < HOSTS; i++) {
		addr_count_sub(&ac, key, addrs[i], want[i]);
		want[i] = 0;
	}
	expect_counts(&ac, key, addrs, want, HOSTS);
	addr_counts_fini(&ac);
}
END_TEST

/* Runs of different /24s that overlap, and wrap around the table's end:
 * every count stays findable while addresses leave in a scrambled order. */
START_TEST(test_counts_overlapping_runs)
{
	enum { N = 512 };		/* two full /24s: load 1/2 of 1024 */
	uint32_t addrs[N], want[N], i, displaced = 0;
	uint64_t round;

	for (round = 1; round <= 16; round++) {
		const uint64_t key[2] = { round, ~round };
		struct addr_counts ac;
		uint32_t base[2] = { UINT32_MAX, UINT32_MAX };
		bool shifted = false;

		ck_assert_int_eq(addr_counts_init(&ac, N), 0);
		ck_assert_uint_eq(ac.mask, 1023);
		for (i = 0; i < N; i++) {
			/* 192.0.2.0/24 and 198.51.100.0/24, interleaved */
			addrs[i] = htonl((i % 2 ? 0xc6336400 : 0xc0000200) |
					 i / 2);
			want[i] = i + 1;
			addr_count_add(&ac, key, addrs[i], want[i]);
		}
		expect_counts(&ac, key, addrs, want, N);
		/* a /24 away from home has entries at different offsets */
		for (i = 0; i <= ac.mask; i++) {
			uint32_t a = ntohl(ac.e[i].addr), *b;

			if (!ac.e[i].n)
				continue;
			b = &base[(a >> 8) == 0xc63364];
			if (*b == UINT32_MAX)
				*b = (i - (a & 0xff)) & ac.mask;
			shifted |= *b != ((i - (a & 0xff)) & ac.mask);
		}
		displaced += shifted;
		for (i = 0; i < N; i++) {
			uint32_t k = (i * 167 + round) % N;	/* 167: odd */

			addr_count_sub(&ac, key, addrs[k], want[k]);
			want[k] = 0;
			expect_counts(&ac, key, addrs, want, N);
		}
		addr_counts_fini(&ac);
	}
	/* the keys made some runs overlap, so the shifts were exercised */
	ck_assert_uint_ge(displaced, 1);
}
END_TEST

static Suite *session_suite(void)
{
	Suite *s = suite_create("session");
	TCase *tc = tcase_create("session_table_check");
	TCase *ti = tcase_create("index");
	TCase *tn = tcase_create("counts");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_check_clean);
	tcase_add_test(tc, test_check_key_changed);
	tcase_add_test(tc, test_check_mapping_count);
	tcase_add_test(tc, test_check_mapping_leaked);
	tcase_add_test(tc, test_check_list_order);
	tcase_add_test(tc, test_check_list_class);
	tcase_add_test(tc, test_check_free_marker);
	tcase_add_test(tc, test_check_free_list);
	tcase_add_test(tc, test_check_index_passed);
	tcase_add_test(tc, test_check_index_tag);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(ti, big_setup, big_teardown);
	tcase_set_timeout(ti, 60);	/* a full table, under sanitizers */
	tcase_add_test(ti, test_index_full_churn);
	tcase_add_test(ti, test_index_gre_call);
	tcase_add_test(ti, test_index_gre_calls_shared_chains);
	tcase_add_test(ti, test_hosted_lifecycle);
	tcase_add_test(ti, test_hosted_ends_with_host);
	tcase_add_test(ti, test_hosted_shared_chains);
	tcase_add_test(ti, test_hosted_check);
	tcase_add_test(ti, test_check_shared_words);
	suite_add_tcase(s, ti);
	tcase_set_timeout(tn, 60);	/* checks every count at each step */
	tcase_add_test(tn, test_counts_lan_on_few_pages);
	tcase_add_test(tn, test_counts_overlapping_runs);
	suite_add_tcase(s, tn);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(session_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
