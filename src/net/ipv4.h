/* SPDX-License-Identifier: MIT */
/* ipv4.h - IPv4, TCP, UDP and ICMP header views and packet validation
 *
 * Views are plain structs laid over the packet buffer, which pkt.h keeps
 * 4-byte aligned.  Multi-byte fields stay in network byte order: code that
 * only moves them around (the NAT) never swaps them.
 */
#ifndef TN_IPV4_H
#define TN_IPV4_H

#include <netinet/in.h>

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "pkt.h"

#define IPV4_HDR_LEN	20
#define IPV4_DF		0x4000
#define IPV4_MF		0x2000
#define IPV4_OFFMASK	0x1fff
#define IPV4_LOCAL_TTL	64	/* TTL of the packets the router builds */

struct ipv4_hdr {
	uint8_t ver_ihl;
	uint8_t tos;
	uint16_t tot_len;
	uint16_t id;
	uint16_t frag_off;
	uint8_t ttl;
	uint8_t proto;
	uint16_t check;
	uint32_t saddr;
	uint32_t daddr;
};
static_assert(sizeof(struct ipv4_hdr) == 20, "IPv4 header is 20 bytes");

struct udp_hdr {
	uint16_t sport;
	uint16_t dport;
	uint16_t len;
	uint16_t check;
};
static_assert(sizeof(struct udp_hdr) == 8, "UDP header is 8 bytes");

struct tcp_hdr {
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
	uint8_t doff;		/* data offset in the high nibble */
	uint8_t flags;
	uint16_t window;
	uint16_t check;
	uint16_t urg;
};
static_assert(sizeof(struct tcp_hdr) == 20, "TCP header is 20 bytes");

#define TCP_FIN	0x01
#define TCP_SYN	0x02
#define TCP_RST	0x04
#define TCP_PSH	0x08
#define TCP_ACK	0x10

struct icmp_hdr {
	uint8_t type;
	uint8_t code;
	uint16_t check;
	union {
		struct {
			uint16_t id;
			uint16_t seq;
		} echo;
		uint32_t unused;
		struct {
			uint16_t unused;
			uint16_t mtu;
		} frag;
	} un;
};
static_assert(sizeof(struct icmp_hdr) == 8, "ICMP header is 8 bytes");

#define ICMP_ECHOREPLY		0
#define ICMP_DEST_UNREACH	3
#define ICMP_SOURCE_QUENCH	4
#define ICMP_ECHO		8
#define ICMP_TIME_EXCEEDED	11
#define ICMP_PARAMETERPROB	12
#define ICMP_TIMESTAMP		13
#define ICMP_TIMESTAMPREPLY	14

#define ICMP_EXC_TTL		0
#define ICMP_PORT_UNREACH	3	/* destination unreachable codes */
#define ICMP_FRAG_NEEDED	4
#define ICMP_ADMIN_PROHIBITED	13

#define IPOPT_LSRR		131	/* loose source and record route */
#define IPOPT_SSRR		137	/* strict source and record route */

/* ipv4_hdr() - the IPv4 header view of @p */
static inline struct ipv4_hdr *ipv4_hdr(const struct pkt *p)
{
	return (struct ipv4_hdr *)(void *)p->data;
}

/* ipv4_ihl_len() - header length in bytes encoded in @ip */
static inline unsigned ipv4_ihl_len(const struct ipv4_hdr *ip)
{
	return (ip->ver_ihl & 0x0f) * 4u;
}

/* icmp_is_error() - true for the ICMP error types tunnat translates */
static inline bool icmp_is_error(uint8_t type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_TIME_EXCEEDED ||
	       type == ICMP_PARAMETERPROB;
}

/* icmp_is_query() - true for query types whose identifier acts as a port */
static inline bool icmp_is_query(uint8_t type)
{
	return type == ICMP_ECHO || type == ICMP_ECHOREPLY ||
	       type == ICMP_TIMESTAMP || type == ICMP_TIMESTAMPREPLY;
}

/* icmp_is_request() - true for the query types a client sends */
static inline bool icmp_is_request(uint8_t type)
{
	return type == ICMP_ECHO || type == ICMP_TIMESTAMP;
}

/**
 * ipv4_parse() - validate the IPv4 header and the transport header of @p
 * @p:	packet with @data, @len set; on success @l3_len, @l4_len, @proto and
 *	@frag are filled in, and @len is trimmed to the IPv4 total length
 *
 * Accepts any IPv4 packet whose header and checksum verify, but protocol 0
 * (IPv6's Hop-by-Hop Options, never carried by IPv4).  For an
 * unfragmented packet or a first fragment of TCP, UDP or ICMP it also demands
 * a complete transport header (RFC 1858: a first fragment too short to hold
 * it is dropped).  Later fragments carry no transport header and are
 * accepted as they are.  Other protocols are accepted here; the NAT decides.
 *
 * Return: DROP_NONE, or the reason the packet is malformed
 */
enum drop_reason ipv4_parse(struct pkt *p);

/**
 * ipv4_header_write() - a 20-byte IPv4 header for a packet the router sends
 *
 * TTL 64, DF set and ID 0 (an atomic datagram, RFC 6864), checksum filled.
 * @tos, @tot_len, @saddr and @daddr as given (addresses network order).
 */
void ipv4_header_write(struct ipv4_hdr *ip, uint8_t tos, uint16_t tot_len,
		       uint8_t proto, uint32_t saddr, uint32_t daddr);

/* ipv4_source_routed() - true if header @ip carries a loose or strict
 * source route option (its length was checked by ipv4_parse()) */
bool ipv4_source_routed(const struct ipv4_hdr *ip);

/* ipv4_addr_martian() - true for addresses never valid as a source or
 * destination on a routed link: 0/8, 127/8, 224/4 (multicast), 240/4 and the
 * limited broadcast address.  @addr is in network byte order. */
bool ipv4_addr_martian(uint32_t addr);

/* ipv4_load16() / ipv4_store16() - unaligned 16-bit access, byte order kept */
static inline uint16_t ipv4_load16(const uint8_t *b)
{
	uint16_t v;

	memcpy(&v, b, 2);
	return v;
}

static inline void ipv4_store16(uint8_t *b, uint16_t v)
{
	memcpy(b, &v, 2);
}

#endif /* TN_IPV4_H */
