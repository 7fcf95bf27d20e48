/* SPDX-License-Identifier: MIT */
/* check_session.c - session_table_check(): it finds nothing wrong in a
 * table the session.c calls made, and names what was broken in one
 * changed behind their back
 *
 * The fuzzers rely on it after every call into the engine, so each kind
 * of damage it must see is made here once, on a small table built by
 * hand with the calls of session.h alone.
 */

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include <check.h>

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
		.pub_addr = htonl(0xcb007101), .pub_port = m.pub_port,
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
	ck_assert_ptr_null(session_table_check(&t));
	session_refresh(&t, s1, CLASS_UDP, 4000);
	ck_assert_ptr_null(session_table_check(&t));
	ck_assert_uint_eq(session_del(&t, s2), 0);
	ck_assert_ptr_null(session_table_check(&t));
	ck_assert_uint_eq(session_del(&t, s1), mi);
	mapping_del(&t, mi);
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
	session_del(&t, s1);
	session_del(&t, s2);
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
	session_del(&t, s2);
	t.s[s2].next = s2;	/* a loop */
	expect("free list is broken");
}
END_TEST

static Suite *session_suite(void)
{
	Suite *s = suite_create("session");
	TCase *tc = tcase_create("session_table_check");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_check_clean);
	tcase_add_test(tc, test_check_key_changed);
	tcase_add_test(tc, test_check_mapping_count);
	tcase_add_test(tc, test_check_mapping_leaked);
	tcase_add_test(tc, test_check_list_order);
	tcase_add_test(tc, test_check_list_class);
	tcase_add_test(tc, test_check_free_marker);
	tcase_add_test(tc, test_check_free_list);
	suite_add_tcase(s, tc);
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
