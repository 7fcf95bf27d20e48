/* SPDX-License-Identifier: MIT */
/* csum.h - Internet checksum: full sums and RFC 1624 incremental updates
 *
 * All values are 16-bit words exactly as they sit in the packet (network
 * byte order, loaded with memcpy into a uint16_t).  One's complement addition
 * is the same in either byte order as long as every operand uses the same
 * one, so a checksum field and the words it covers can be combined without
 * swapping (the trick pf_change_ap() relies on).
 */
#ifndef TN_CSUM_H
#define TN_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* csum_add() - one's complement sum of @len bytes at @buf, added to @sum */
uint32_t csum_add(uint32_t sum, const void *buf, size_t len);

/* csum_fold() - fold a 32-bit running sum into 16 bits (not complemented) */
static inline uint16_t csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* csum_buf() - the checksum field value for @len bytes at @buf */
static inline uint16_t csum_buf(const void *buf, size_t len)
{
	return (uint16_t)~csum_fold(csum_add(0, buf, len));
}

/* csum_pseudo() - one's complement sum of the IPv4 pseudo-header (RFC 793) */
static inline uint32_t csum_pseudo(uint32_t saddr, uint32_t daddr,
				   uint8_t proto, uint16_t l4_len)
{
	uint32_t sum = 0;

	sum += saddr >> 16;
	sum += saddr & 0xffff;
	sum += daddr >> 16;
	sum += daddr & 0xffff;
	/* proto and length as the big-endian words they are on the wire */
	sum += csum_fold(csum_add(0, (uint8_t[4]){ 0, proto, l4_len >> 8,
						    l4_len & 0xff }, 4));
	return sum;
}

/**
 * csum_update16() - checksum @hc after a covered word changes @old -> @new
 *
 * RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m').  Unlike the RFC 1141 form it
 * never turns a valid 0xffff into 0x0000 by accident.
 *
 * Return: the new checksum field value
 */
static inline uint16_t csum_update16(uint16_t hc, uint16_t old, uint16_t new)
{
	uint32_t sum = (uint16_t)~hc;

	sum += (uint16_t)~old;
	sum += new;
	return (uint16_t)~csum_fold(sum);
}

/* csum_update32() - csum_update16() for a covered 32-bit field */
static inline uint16_t csum_update32(uint16_t hc, uint32_t old, uint32_t new)
{
	uint32_t sum = (uint16_t)~hc;

	sum += (uint16_t)~(old >> 16);
	sum += (uint16_t)~(old & 0xffff);
	sum += new >> 16;
	sum += new & 0xffff;
	return (uint16_t)~csum_fold(sum);
}

#endif /* TN_CSUM_H */
