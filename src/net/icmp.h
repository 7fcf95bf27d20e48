/* SPDX-License-Identifier: MIT */
/* icmp.h - ICMP messages the router itself sends: errors and echo replies */
#ifndef TN_ICMP_H
#define TN_ICMP_H

#include <stdbool.h>
#include <stdint.h>

#include "pkt.h"

#define ICMP_ERR_MAX_LEN	576	/* RFC 1812 4.3.2.3: whole error <= 576 */

/**
 * icmp_error_allowed() - may the router answer @p with an ICMP error?
 *
 * RFC 1812 4.3.2.7: never about an ICMP error, a later fragment, or a
 * packet whose source is not a unicast address.
 */
bool icmp_error_allowed(const struct pkt *p);

/**
 * icmp_error_build() - replace @p, in place, by an ICMP error quoting it
 * @p:		the offending packet as it was received, parsed by ipv4_parse()
 * @type:	ICMP type (ICMP_TIME_EXCEEDED, ICMP_DEST_UNREACH, ...)
 * @code:	ICMP code
 * @src:	source address of the error, network byte order
 * @info:	the 32-bit word after the checksum (next-hop MTU, or 0)
 *
 * The error goes back to @p's source.  It quotes @p's IPv4 header and as
 * many following bytes as fit in ICMP_ERR_MAX_LEN, carries @p's TOS (RFC
 * 5508 7.7), and the header of ipv4_header_write().
 * The caller checks icmp_error_allowed() first.
 */
void icmp_error_build(struct pkt *p, uint8_t type, uint8_t code, uint32_t src,
		      uint32_t info);

/**
 * icmp_echo_answer() - turn the echo request @p, in place, into its reply
 *
 * Addresses are swapped, the type becomes echo reply, TTL IPV4_LOCAL_TTL;
 * identifier, sequence and data are returned unchanged.  The reply has no
 * offload header: a checksum left to offload is summed here.
 */
void icmp_echo_answer(struct pkt *p);

#endif /* TN_ICMP_H */
