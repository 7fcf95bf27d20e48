/* SPDX-License-Identifier: MIT */
/* ipv4.c - IPv4 and transport header validation, drop reason names */

#include <arpa/inet.h>

#include "csum.h"
#include "gre.h"
#include "ipv4.h"

/* each fits DROP_REASON_NAME_MAX (check_nat checks it) */
static const char drop_reason_names[][DROP_REASON_NAME_MAX + 1] = {
	[DROP_NONE]		= "none",
	[DROP_NOT_IPV4]		= "not-ipv4",
	[DROP_TRUNCATED]	= "truncated",
	[DROP_BAD_IP_HDR]	= "bad-ip-header",
	[DROP_BAD_IP_CSUM]	= "bad-ip-checksum",
	[DROP_BAD_L4_HDR]	= "bad-transport-header",
	[DROP_BAD_VNET]		= "bad-offload-header",
	[DROP_BAD_PORT]		= "bad-port",
	[DROP_MARTIAN]		= "martian-address",
	[DROP_ICMP_TYPE]	= "unsupported-icmp-type",
	[DROP_BAD_ICMP_CSUM]	= "bad-icmp-checksum",
	[DROP_NOT_OURS]		= "not-our-address",
	[DROP_NO_SESSION]	= "no-session",
	[DROP_ICMP_NO_SESSION]	= "icmp-error-no-session",
	[DROP_TCP_NO_SYN]	= "tcp-rst-no-session",
	[DROP_NO_PORT]		= "no-free-port",
	[DROP_TABLE_FULL]	= "session-table-full",
	[DROP_MAPPING_FULL]	= "mapping-session-limit",
	[DROP_FRAGMENT]		= "unknown-fragment",
	[DROP_TTL]		= "ttl-expired",
	[DROP_ICMP_RATE]	= "icmp-rate-limited",
	[DROP_TO_ROUTER]	= "to-router",
	[DROP_GRE_NO_CALL]	= "gre-no-call",
	[DROP_ADDR_IN_USE]	= "address-in-use",
	[DROP_ALG_OUT_OF_ORDER]	= "alg-out-of-order",
	[DROP_ALG_STALE]	= "alg-stale-segment",
	[DROP_ALG_NO_STATE]	= "alg-no-state",
	[DROP_ALG_RESET]	= "alg-reset",
	[DROP_NOT_INSIDE]	= "not-inside-prefix",
	[DROP_HOST_LIMIT]	= "host-session-limit",
	[DROP_FILTERED]		= "filtered",
	[DROP_SYN_UNSOLICITED]	= "unsolicited-syn",
	[DROP_FORWARD_FROM]	= "forward-not-allowed",
	[DROP_SOURCE_ROUTE]	= "source-route",
	[DROP_TOO_BIG]		= "too-big",
	[DROP_FRAG_LIMIT]	= "fragment-limit",
	[DROP_FRAG_TIMEOUT]	= "fragment-timeout",
	[DROP_ALG_HOST_LIMIT]	= "alg-host-limit",
	[DROP_TCP_WINDOW]	= "tcp-out-of-window",
	[DROP_FRAG_OVERLAP]	= "fragment-overlap",
	[DROP_FRAG_TOO_LONG]	= "fragment-too-long",
	[DROP_ICMP_SEQ]		= "icmp-error-out-of-window",
};
static_assert(sizeof(drop_reason_names) / sizeof(drop_reason_names[0]) ==
	      DROP_REASON_N, "every drop reason has a name");

const char *drop_reason_str(enum drop_reason r)
{
	if ((unsigned)r >= DROP_REASON_N || !drop_reason_names[r][0])
		return "?";
	return drop_reason_names[r];
}

void ipv4_header_write(struct ipv4_hdr *ip, uint8_t tos, uint16_t tot_len,
		       uint8_t proto, uint32_t saddr, uint32_t daddr)
{
	*ip = (struct ipv4_hdr){
		.ver_ihl = 0x45,
		.tos = tos,
		.tot_len = htons(tot_len),
		.frag_off = htons(IPV4_DF),
		.ttl = IPV4_LOCAL_TTL,
		.proto = proto,
		.saddr = saddr,
		.daddr = daddr,
	};
	ip->check = csum_buf(ip, sizeof(*ip));
}

bool ipv4_source_routed(const struct ipv4_hdr *ip)
{
	const uint8_t *opt = (const uint8_t *)ip + IPV4_HDR_LEN;
	unsigned len = ipv4_ihl_len(ip) - IPV4_HDR_LEN, i = 0;

	while (i < len) {
		uint8_t type = opt[i];

		if (type == 0)			/* end of options */
			break;
		if (type == 1) {		/* no operation */
			i++;
			continue;
		}
		if (type == IPOPT_LSRR || type == IPOPT_SSRR)
			return true;
		if (i + 1 >= len || opt[i + 1] < 2)
			break;			/* malformed: nothing more */
		i += opt[i + 1];
	}
	return false;
}

bool ipv4_addr_martian(uint32_t addr)
{
	uint32_t a = ntohl(addr);
	uint8_t first = a >> 24;

	return first == 0 || first == 127 || first >= 224;
}

/* Transport header checks for an unfragmented packet or a first fragment. */
static enum drop_reason l4_parse(const struct pkt *p)
{
	const uint8_t *l4 = pkt_l4(p);
	bool whole = !(p->frag & PKT_FRAG_MORE);

	switch (p->proto) {
	case IPPROTO_TCP: {
		const struct tcp_hdr *th = (const void *)l4;
		unsigned doff;

		if (p->l4_len < sizeof(*th))
			return DROP_BAD_L4_HDR;
		doff = (th->doff >> 4) * 4u;
		if (doff < sizeof(*th) || doff > p->l4_len)
			return DROP_BAD_L4_HDR;
		if (!th->sport || !th->dport)
			return DROP_BAD_PORT;
		return DROP_NONE;
	}
	case IPPROTO_UDP: {
		const struct udp_hdr *uh = (const void *)l4;
		unsigned ulen;

		if (p->l4_len < sizeof(*uh))
			return DROP_BAD_L4_HDR;
		ulen = ntohs(uh->len);
		/* a first fragment holds only part of the datagram */
		if (ulen < sizeof(*uh) || (whole && ulen > p->l4_len))
			return DROP_BAD_L4_HDR;
		if (!uh->sport || !uh->dport)
			return DROP_BAD_PORT;
		return DROP_NONE;
	}
	case IPPROTO_ICMP:
		if (p->l4_len < sizeof(struct icmp_hdr))
			return DROP_BAD_L4_HDR;
		return DROP_NONE;
	case IPPROTO_GRE:
		if (!gre_hdr_len((const struct gre_hdr *)(const void *)l4,
				 p->l4_len))
			return DROP_BAD_L4_HDR;
		return DROP_NONE;
	default:
		return DROP_NONE;
	}
}

/*
 * An offloaded packet's virtio-net header must describe it: a partial
 * checksum starts at the transport header and names its checksum field;
 * a superpacket is TCP (TSO) or UDP (USO) with a segment size and a
 * partial checksum.  Legacy UFO (IP fragmentation by the kernel) is not
 * accepted.
 */
static enum drop_reason vnet_check(const struct pkt *p)
{
	const struct pkt_vnet *v = &p->vnet;
	unsigned off;

	if (v->flags & VNET_NEEDS_CSUM) {
		switch (p->proto) {
		case IPPROTO_TCP:
			off = 16;
			break;
		case IPPROTO_UDP:
			off = 6;
			break;
		case IPPROTO_ICMP:
			off = 2;
			break;
		default:
			return DROP_BAD_VNET;
		}
		if (v->csum_start != p->l3_len || v->csum_offset != off ||
		    p->frag)
			return DROP_BAD_VNET;
	}
	switch (v->gso_type & (uint8_t)~VNET_GSO_ECN) {
	case VNET_GSO_NONE:
		return DROP_NONE;
	case VNET_GSO_TCPV4:
		if (p->proto != IPPROTO_TCP)
			return DROP_BAD_VNET;
		break;
	case VNET_GSO_UDP_L4:
		if (p->proto != IPPROTO_UDP)
			return DROP_BAD_VNET;
		break;
	default:
		return DROP_BAD_VNET;
	}
	if (!v->gso_size || !(v->flags & VNET_NEEDS_CSUM))
		return DROP_BAD_VNET;
	return DROP_NONE;
}

enum drop_reason ipv4_parse(struct pkt *p)
{
	struct ipv4_hdr *ip = ipv4_hdr(p);
	unsigned ihl, tot;
	uint16_t frag;

	if (p->len < 1)
		return DROP_TRUNCATED;
	if ((p->data[0] >> 4) != 4)
		return DROP_NOT_IPV4;
	if (p->len < IPV4_HDR_LEN)
		return DROP_TRUNCATED;
	ihl = ipv4_ihl_len(ip);
	tot = ntohs(ip->tot_len);
	if (ihl < IPV4_HDR_LEN || tot < ihl)
		return DROP_BAD_IP_HDR;
	if (ihl > p->len || tot > p->len)
		return DROP_TRUNCATED;
	if (csum_fold(csum_add(0, ip, ihl)) != 0xffff)
		return DROP_BAD_IP_CSUM;
	/* protocol 0 is IPv6's Hop-by-Hop Options, no transport of IPv4;
	 * a session of it could not be told from a free record */
	if (!ip->proto)
		return DROP_BAD_IP_HDR;

	p->len = tot;		/* drop link-layer padding, if any */
	p->l3_len = ihl;
	p->l4_len = tot - ihl;
	p->proto = ip->proto;
	frag = ntohs(ip->frag_off);
	p->frag = 0;
	if (frag & IPV4_MF)
		p->frag |= PKT_FRAG_MORE;
	if (frag & IPV4_OFFMASK)
		p->frag |= PKT_FRAG_LATER;
	/* the datagram it belongs to would pass 65535 bytes (the "ping of
	 * death"): no host can take it back together */
	if ((frag & IPV4_OFFMASK) * 8u + tot > 65535)
		return DROP_FRAG_TOO_LONG;
	if (p->vnet.flags || p->vnet.gso_type) {
		enum drop_reason r = vnet_check(p);

		if (r)
			return r;
	}
	if (p->frag & PKT_FRAG_LATER)
		return DROP_NONE;
	return l4_parse(p);
}
