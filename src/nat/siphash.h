/* SPDX-License-Identifier: MIT */
/* siphash.h - SipHash-1-3 of two 64-bit words under a 128-bit secret
 *
 * Remote hosts choose the addresses and ports the session table hashes, so
 * the hash is keyed (Aumasson and Bernstein's SipHash, with the 1-3 round
 * counts used for hash tables) and the key comes from the caller's random
 * seed.  Only fixed 16-byte inputs are needed, so only that case exists.
 */
#ifndef TN_SIPHASH_H
#define TN_SIPHASH_H

#include <stdint.h>

#define SIP_ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIP_ROUND(v0, v1, v2, v3)					\
	do {								\
		v0 += v1; v1 = SIP_ROTL(v1, 13); v1 ^= v0;		\
		v0 = SIP_ROTL(v0, 32);					\
		v2 += v3; v3 = SIP_ROTL(v3, 16); v3 ^= v2;		\
		v0 += v3; v3 = SIP_ROTL(v3, 21); v3 ^= v0;		\
		v2 += v1; v1 = SIP_ROTL(v1, 17); v1 ^= v2;		\
		v2 = SIP_ROTL(v2, 32);					\
	} while (0)

/* siphash13_2w() - SipHash-1-3 of the 16-byte message (@a, @b) */
static inline uint64_t siphash13_2w(const uint64_t key[2], uint64_t a,
				    uint64_t b)
{
	uint64_t v0 = key[0] ^ 0x736f6d6570736575ULL;
	uint64_t v1 = key[1] ^ 0x646f72616e646f6dULL;
	uint64_t v2 = key[0] ^ 0x6c7967656e657261ULL;
	uint64_t v3 = key[1] ^ 0x7465646279746573ULL;
	const uint64_t last = (uint64_t)16 << 56;

	v3 ^= a;
	SIP_ROUND(v0, v1, v2, v3);
	v0 ^= a;
	v3 ^= b;
	SIP_ROUND(v0, v1, v2, v3);
	v0 ^= b;
	v3 ^= last;
	SIP_ROUND(v0, v1, v2, v3);
	v0 ^= last;
	v2 ^= 0xff;
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

#endif /* TN_SIPHASH_H */
