/* SPDX-License-Identifier: MIT */
/* check_portpool.c - port preservation, classes, exhaustion, release */

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "nat/portpool.h"

static struct portpool pp;
static struct portpool_range r;

START_TEST(preserves_free_port)
{
	portpool_range_ports(&r, 1, 65535);
	portpool_init(&pp, &r);
	ck_assert_int_eq(portpool_alloc(&pp, &r, 40000, 12345, false), 40000);
	ck_assert_int_eq(portpool_alloc(&pp, &r, 123, 12345, false), 123);
	ck_assert(portpool_in_use(&pp, 40000));
	ck_assert(portpool_in_use(&pp, 123));
	ck_assert_uint_eq(pp.free[0], 1022);
	ck_assert_uint_eq(pp.free[1], 64511);
}
END_TEST

START_TEST(collision_stays_in_class)
{
	unsigned i;

	portpool_range_ports(&r, 1, 65535);
	portpool_init(&pp, &r);
	ck_assert_int_eq(portpool_alloc(&pp, &r, 123, 0, false), 123);
	for (i = 0; i < 200; i++) {
		int p = portpool_alloc(&pp, &r, 123, (uint32_t)random(), false);

		ck_assert_int_ge(p, 1);
		ck_assert_int_le(p, 1023);
		ck_assert_int_ne(p, 123);
	}
	ck_assert_int_eq(portpool_alloc(&pp, &r, 5000, 0, false), 5000);
	for (i = 0; i < 200; i++) {
		int p = portpool_alloc(&pp, &r, 5000, (uint32_t)random(), false);

		ck_assert_int_ge(p, 1024);
		ck_assert_int_le(p, 65535);
	}
}
END_TEST

START_TEST(low_port_without_low_range_fails)
{
	portpool_range_ports(&r, 1024, 65535);
	portpool_init(&pp, &r);
	ck_assert_int_eq(portpool_alloc(&pp, &r, 123, 7, false), -1);
	ck_assert_int_eq(portpool_alloc(&pp, &r, 1023, 7, false), -1);
	ck_assert_int_eq(portpool_alloc(&pp, &r, 1024, 7, false), 1024);
}
END_TEST

START_TEST(out_of_range_port_is_not_preserved)
{
	int p;

	portpool_range_ports(&r, 2000, 2003);
	portpool_init(&pp, &r);
	p = portpool_alloc(&pp, &r, 5000, 1, false);
	ck_assert_int_ge(p, 2000);
	ck_assert_int_le(p, 2003);
}
END_TEST

START_TEST(exhaustion_and_release)
{
	int got[4], i;

	portpool_range_ports(&r, 2000, 2003);
	portpool_init(&pp, &r);
	for (i = 0; i < 4; i++) {
		got[i] = portpool_alloc(&pp, &r, 5000, (uint32_t)random(), false);
		ck_assert_int_ge(got[i], 2000);
		ck_assert_int_le(got[i], 2003);
	}
	ck_assert_int_ne(got[0], got[1]);
	ck_assert_int_ne(got[2], got[3]);
	ck_assert_int_eq(got[0] + got[1] + got[2] + got[3],
			 2000 + 2001 + 2002 + 2003);
	ck_assert_int_eq(portpool_alloc(&pp, &r, 5000, 3, false), -1);
	portpool_release(&pp, &r, (uint16_t)got[2]);
	ck_assert_int_eq(portpool_alloc(&pp, &r, 5000, 3, false), got[2]);
}
END_TEST

/* Every port of both classes of a range that straddles 1024 is handed
 * out exactly once, in the class of the port asked for, whatever the
 * random start; a full class fails while the other still serves. */
START_TEST(every_port_once_in_its_class)
{
	static bool seen[65536];
	unsigned i;
	int p;

	memset(seen, 0, sizeof(seen));
	portpool_range_ports(&r, 1000, 1100);
	portpool_init(&pp, &r);
	for (i = 0; i < 24; i++) {		/* 1000..1023 */
		p = portpool_alloc(&pp, &r, 1010, (uint32_t)random(), false);
		ck_assert_int_ge(p, 1000);
		ck_assert_int_le(p, 1023);
		ck_assert(!seen[p]);
		seen[p] = true;
	}
	ck_assert_int_eq(portpool_alloc(&pp, &r, 1010, 5, false), -1);
	ck_assert_int_eq(portpool_alloc(&pp, &r, 999, 5, false), -1);
	for (i = 0; i < 77; i++) {		/* 1024..1100 */
		p = portpool_alloc(&pp, &r, 1050, (uint32_t)random(), false);
		ck_assert_int_ge(p, 1024);
		ck_assert_int_le(p, 1100);
		ck_assert(!seen[p]);
		seen[p] = true;
	}
	ck_assert_int_eq(portpool_alloc(&pp, &r, 1050, 5, false), -1);
	ck_assert_uint_eq(pp.free[0], 0);
	ck_assert_uint_eq(pp.free[1], 0);
	/* a released port is the only one free: it is the one given */
	portpool_release(&pp, &r, 1077);
	ck_assert_int_eq(portpool_alloc(&pp, &r, 60000, 12345, false), 1077);
	portpool_release(&pp, &r, 1001);
	ck_assert_int_eq(portpool_alloc(&pp, &r, 1, 999, false), 1001);
}
END_TEST

START_TEST(scan_wraps_and_crosses_words)
{
	unsigned i;

	/* a range spanning three bitmap words, filled from a late start */
	portpool_range_ports(&r, 1030, 1200);
	portpool_init(&pp, &r);
	for (i = 0; i < 171; i++)
		ck_assert_int_ne(portpool_alloc(&pp, &r, 9000, 170, false), -1);
	ck_assert_int_eq(portpool_alloc(&pp, &r, 9000, 0, false), -1);
	for (i = 1030; i <= 1200; i++)
		ck_assert(portpool_in_use(&pp, (uint16_t)i));
	ck_assert(!portpool_in_use(&pp, 1029));
	ck_assert(!portpool_in_use(&pp, 1201));
}
END_TEST

START_TEST(random_start_spreads)
{
	unsigned i, low = 0;

	portpool_range_ports(&r, 1024, 65535);
	portpool_init(&pp, &r);
	ck_assert_int_eq(portpool_alloc(&pp, &r, 7000, 0, false), 7000);
	/* RFC 6056: collisions are not handed out sequentially */
	for (i = 0; i < 100; i++) {
		int p = portpool_alloc(&pp, &r, 7000, (uint32_t)random(), false);

		low += p < 33000;
	}
	ck_assert_uint_gt(low, 20);
	ck_assert_uint_lt(low, 80);
}
END_TEST

START_TEST(icmp_ids_one_class)
{
	portpool_range_ids(&r, 0, 65535);
	portpool_init(&pp, &r);
	ck_assert_uint_eq(pp.free[0], 65536);
	ck_assert_int_eq(portpool_alloc(&pp, &r, 0, 1, false), 0);
	ck_assert_int_eq(portpool_alloc(&pp, &r, 100, 1, false), 100);
	ck_assert_int_ge(portpool_alloc(&pp, &r, 100, 65000, false), 0);
	ck_assert(portpool_take(&pp, &r, 65535));
	ck_assert(!portpool_take(&pp, &r, 65535));
}
END_TEST

/* Found by valgrind (make check-valgrind): a reload compared port ranges
 * with memcmp(), padding byte and all, which is never written. */
START_TEST(range_eq_reads_fields_only)
{
	struct portpool_range a, b;

	memset(&a, 0x00, sizeof(a));
	memset(&b, 0xff, sizeof(b));
	portpool_range_ports(&a, 1024, 65535);
	portpool_range_ports(&b, 1024, 65535);
	ck_assert(portpool_range_eq(&a, &b));
	b.hi[1] = 65534;
	ck_assert(!portpool_range_eq(&a, &b));
	portpool_range_ports(&b, 1, 65535);
	ck_assert(!portpool_range_eq(&a, &b));
	portpool_range_ids(&a, 1, 1023);
	portpool_range_ports(&b, 1, 1023);
	ck_assert(!portpool_range_eq(&a, &b));	/* one class, or two */
}
END_TEST

static Suite *portpool_suite(void)
{
	Suite *s = suite_create("portpool");
	TCase *tc = tcase_create("rfc4787_req3_rfc6056");

	tcase_add_test(tc, preserves_free_port);
	tcase_add_test(tc, collision_stays_in_class);
	tcase_add_test(tc, low_port_without_low_range_fails);
	tcase_add_test(tc, out_of_range_port_is_not_preserved);
	tcase_add_test(tc, exhaustion_and_release);
	tcase_add_test(tc, every_port_once_in_its_class);
	tcase_add_test(tc, scan_wraps_and_crosses_words);
	tcase_add_test(tc, random_start_spreads);
	tcase_add_test(tc, icmp_ids_one_class);
	tcase_add_test(tc, range_eq_reads_fields_only);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(portpool_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
