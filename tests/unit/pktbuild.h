/* SPDX-License-Identifier: MIT */
/* pktbuild.h - craft IPv4 packets byte by byte for the unit tests
 *
 * Checksums here come from this file's own plain big-endian sum, never from
 * src/net/csum.c, so that a bug shared by the engine and its tests cannot
 * pass unseen.
 */
#ifndef TN_PKTBUILD_H
#define TN_PKTBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/pkt.h"

/**
 * struct pb_ip - IPv4 header fields of a crafted packet
 * @src, @dst:	dotted quads
 * @ttl:	0 means 64
 * @opt_words:	32-bit words of options (NOP-filled) after the header
 * @frag_off:	flags and offset, host order (IPV4_MF, 8-byte units)
 */
struct pb_ip {
	const char *src, *dst;
	uint8_t ttl, tos, proto;
	uint16_t id;
	uint16_t frag_off;
	unsigned opt_words;
};

/* A buffer shaped like the I/O shell's: aligned data after the headroom. */
struct pb_buf {
	uint8_t raw[PKT_BUF_SIZE] __attribute__((aligned(64)));
};

/* pb_data() - where the IPv4 header starts in @b */
static inline uint8_t *pb_data(struct pb_buf *b)
{
	return b->raw + PKT_HEADROOM;
}

/* pb_addr() - dotted quad to network byte order */
uint32_t pb_addr(const char *dotted);

/* pb_ipv4() - write an IPv4 header plus @len bytes of @l4; returns length */
size_t pb_ipv4(uint8_t *out, const struct pb_ip *ip, const void *l4,
	       size_t len);

/* pb_udp() - a UDP datagram with a correct checksum (0 kept as 0xffff) */
size_t pb_udp(uint8_t *out, struct pb_ip ip, uint16_t sport, uint16_t dport,
	      const void *payload, size_t n);

/* pb_udp_nocsum() - a UDP datagram whose checksum field is 0 (none) */
size_t pb_udp_nocsum(uint8_t *out, struct pb_ip ip, uint16_t sport,
		     uint16_t dport, const void *payload, size_t n);

/* pb_tcp() - a TCP segment with a 20-byte header and a correct checksum */
size_t pb_tcp(uint8_t *out, struct pb_ip ip, uint16_t sport, uint16_t dport,
	      uint8_t flags, uint32_t seq, uint32_t ack, const void *payload,
	      size_t n);

/* pb_tcp_window() - pb_tcp() with a chosen window */
size_t pb_tcp_window(uint8_t *out, struct pb_ip ip, uint16_t sport,
		     uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack,
		     uint16_t window, const void *payload, size_t n);

/* pb_tcp_syn_opts() - a TCP segment, sequence 1, with @optlen bytes of
 * options (a multiple of 4, at most 40) and no payload */
size_t pb_tcp_syn_opts(uint8_t *out, struct pb_ip ip, uint16_t sport,
		       uint16_t dport, uint8_t flags, const uint8_t *opt,
		       size_t optlen);

/* pb_tcp_opts() - pb_tcp_syn_opts() with a chosen sequence and
 * acknowledgement number */
size_t pb_tcp_opts(uint8_t *out, struct pb_ip ip, uint16_t sport,
		   uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack,
		   const uint8_t *opt, size_t optlen);

/* pb_icmp_query() - an echo/timestamp message with id, seq and payload */
size_t pb_icmp_query(uint8_t *out, struct pb_ip ip, uint8_t type, uint16_t id,
		     uint16_t seq, const void *payload, size_t n);

/* pb_icmp_error() - an ICMP error quoting @qlen bytes of @quoted */
size_t pb_icmp_error(uint8_t *out, struct pb_ip ip, uint8_t type,
		     uint8_t code, uint32_t info, const void *quoted,
		     size_t qlen);

/**
 * pb_fragment() - cut one fragment out of the whole datagram @whole
 * @off:	payload offset in bytes (a multiple of 8)
 * @n:		payload bytes in this fragment
 * @more:	set MF
 *
 * Return: the fragment's length
 */
size_t pb_fragment(uint8_t *out, const uint8_t *whole, size_t off, size_t n,
		   bool more);

/* pb_sum() - plain one's complement sum of @len bytes, big-endian words */
uint32_t pb_sum(uint32_t sum, const uint8_t *b, size_t len);

/* pb_ip_csum_ok() - the IPv4 header checksum of @pkt verifies */
bool pb_ip_csum_ok(const uint8_t *pkt);

/* pb_l4_csum_ok() - the TCP/UDP/ICMP checksum of @pkt verifies
 * (a UDP checksum of 0, "none", counts as verifying) */
bool pb_l4_csum_ok(const uint8_t *pkt, size_t len);

#endif /* TN_PKTBUILD_H */
