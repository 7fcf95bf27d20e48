/* SPDX-License-Identifier: MIT */
/* csum.c - one's complement sum over a byte range (RFC 1071) */

#include <string.h>

#include "csum.h"

uint32_t csum_add(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *b = buf;
	uint64_t acc = sum;

	/* 32 bits at a time into a 64-bit accumulator: no carry is lost */
	for (; len >= 4; b += 4, len -= 4) {
		uint32_t w;

		memcpy(&w, b, 4);
		acc += w;
	}
	if (len >= 2) {
		uint16_t w;

		memcpy(&w, b, 2);
		acc += w;
		b += 2;
		len -= 2;
	}
	if (len) {
		/* the odd byte is the high-order byte of a zero-padded word */
		uint16_t w = 0;

		memcpy(&w, b, 1);
		acc += w;
	}
	acc = (acc & 0xffffffff) + (acc >> 32);
	acc = (acc & 0xffffffff) + (acc >> 32);
	return csum_fold((uint32_t)acc);
}
