/* SPDX-License-Identifier: MIT */
/* check_csum.c - checksums: full sums and RFC 1624 incremental updates */

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "net/csum.h"
#include "pktbuild.h"

/* Plain big-endian checksum field value, as stored in memory. */
static uint16_t ref_csum_field(const uint8_t *b, size_t len)
{
	uint16_t be = (uint16_t)~pb_sum(0, b, len);
	uint8_t raw[2] = { be >> 8, be & 0xff };
	uint16_t v;

	memcpy(&v, raw, 2);
	return v;
}

START_TEST(full_sum_matches_reference)
{
	uint8_t buf[1600];
	unsigned i, len, off;

	srandom(1);
	for (i = 0; i < 20000; i++) {
		len = (unsigned)random() % 1500;
		off = (unsigned)random() % 8;	/* any alignment */
		for (unsigned j = 0; j < len; j++)
			buf[off + j] = (uint8_t)random();
		ck_assert_uint_eq(csum_buf(buf + off, len),
				  ref_csum_field(buf + off, len));
	}
}
END_TEST

START_TEST(all_ones_and_zeroes)
{
	uint8_t zeros[40] = { 0 }, ones[40];

	memset(ones, 0xff, sizeof(ones));
	ck_assert_uint_eq(csum_buf(zeros, sizeof(zeros)), 0xffff);
	ck_assert_uint_eq(csum_buf(ones, sizeof(ones)), 0x0000);
	ck_assert_uint_eq(csum_buf(ones, 1), ref_csum_field(ones, 1));
}
END_TEST

/* A block whose checksum field sits at @cs; after editing the word at @at
 * incrementally the block must verify, exactly as a full recomputation. */
START_TEST(rfc1624_incremental_equals_full)
{
	uint8_t buf[64];
	unsigned i;

	srandom(2);
	for (i = 0; i < 1000000; i++) {
		unsigned at = 2 * ((unsigned)random() % 31 + 1);
		uint16_t hc, old, new, full;
		uint32_t old32, new32;

		for (unsigned j = 0; j < sizeof(buf); j++)
			buf[j] = (uint8_t)random();
		/* force edge values now and then */
		if (i % 7 == 0)
			memset(buf + at, 0xff, 2);
		if (i % 11 == 0)
			memset(buf + at, 0, 2);
		memset(buf, 0, 2);
		hc = csum_buf(buf, sizeof(buf));
		memcpy(buf, &hc, 2);

		if (i & 1 && at <= 60) {
			memcpy(&old32, buf + at, 4);
			new32 = (uint32_t)random() ^ (uint32_t)random() << 16;
			if (i % 13 == 0)
				new32 = 0;
			memcpy(buf + at, &new32, 4);
			hc = csum_update32(hc, old32, new32);
		} else {
			memcpy(&old, buf + at, 2);
			new = (uint16_t)random();
			if (i % 5 == 0)
				new = (uint16_t)~old;
			memcpy(buf + at, &new, 2);
			hc = csum_update16(hc, old, new);
		}
		memcpy(buf, &hc, 2);
		ck_assert_msg(pb_sum(0, buf, sizeof(buf)) == 0xffff,
			      "iteration %u: incremental checksum wrong", i);
		memset(buf, 0, 2);
		full = csum_buf(buf, sizeof(buf));
		ck_assert_uint_eq(hc, full);
	}
}
END_TEST

START_TEST(pseudo_header_sum)
{
	uint8_t seg[8] = { 0x9c, 0x40, 0x00, 0x35, 0x00, 0x08, 0, 0 };
	uint32_t s = pb_addr("10.0.0.2"), d = pb_addr("198.51.100.7");
	uint16_t c;

	c = (uint16_t)~csum_fold(csum_add(csum_pseudo(s, d, 17, 8), seg, 8));
	memcpy(seg + 6, &c, 2);
	{
		uint8_t ph[12];

		memcpy(ph, &s, 4);
		memcpy(ph + 4, &d, 4);
		ph[8] = 0;
		ph[9] = 17;
		ph[10] = 0;
		ph[11] = 8;
		ck_assert_uint_eq(pb_sum(pb_sum(0, ph, 12), seg, 8), 0xffff);
	}
}
END_TEST

static Suite *csum_suite(void)
{
	Suite *s = suite_create("csum");
	TCase *tc = tcase_create("rfc1071_rfc1624");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, full_sum_matches_reference);
	tcase_add_test(tc, all_ones_and_zeroes);
	tcase_add_test(tc, rfc1624_incremental_equals_full);
	tcase_add_test(tc, pseudo_header_sum);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(csum_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
