/* SPDX-License-Identifier: MIT */
/* pkt.h - one packet in flight: its buffer, parsed offsets and fate
 *
 * A packet is read into a buffer once and every later stage rewrites it in
 * place.  The buffer keeps PKT_HEADROOM bytes in front of the IPv4 header:
 * room for the virtio-net header that TUN offloads prepend (10 bytes), placed
 * so that the IPv4 header itself starts 4-byte aligned and the header views in
 * ipv4.h can be used directly.  PKT_DATA_MAX is the largest IPv4 packet (64 KiB
 * minus one), so a GSO superpacket fits without a second design.
 */
#ifndef TN_PKT_H
#define TN_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKT_HEADROOM	12		/* >= virtio-net header, keeps data aligned */
#define PKT_DATA_MAX	65535		/* largest IPv4 total length */
#define PKT_BUF_SIZE	(PKT_HEADROOM + PKT_DATA_MAX + 1)

/* Which device a packet came from: DIR_OUT travels inside -> outside. */
enum pkt_dir {
	DIR_OUT = 0,	/* read from the inside (LAN) device */
	DIR_IN = 1,	/* read from the outside (WAN) device */
	DIR_N
};

/* Why a packet was dropped; every value has a name in drop_reason_str(). */
enum drop_reason {
	DROP_NONE = 0,
	DROP_NOT_IPV4,		/* not IPv4 (IPv6 router solicitations land here) */
	DROP_TRUNCATED,		/* shorter than a header or its stated length */
	DROP_BAD_IP_HDR,	/* IHL < 5, total length below the header,
				 * protocol 0, ... */
	DROP_BAD_IP_CSUM,	/* IPv4 header checksum does not verify */
	DROP_BAD_L4_HDR,	/* TCP/UDP/ICMP header malformed or truncated */
	DROP_BAD_VNET,		/* virtio-net header that does not fit the packet */
	DROP_BAD_PORT,		/* TCP or UDP port 0 */
	DROP_MARTIAN,		/* source or destination never routable */
	DROP_ICMP_TYPE,		/* ICMP type tunnat does not translate */
	DROP_BAD_ICMP_CSUM,	/* ICMP error with a bad checksum (RFC 5508 REQ-3) */
	DROP_NOT_OURS,		/* inbound to an address outside the pool */
	DROP_NO_SESSION,	/* inbound packet that matches no session */
	DROP_ICMP_NO_SESSION,	/* ICMP error quoting a flow with no session */
	DROP_TCP_NO_SYN,	/* outbound RST with no session to carry it */
	DROP_NO_PORT,		/* no free public port/id for a new mapping */
	DROP_TABLE_FULL,	/* max-sessions reached */
	DROP_MAPPING_FULL,	/* a mapping has its 65535 sessions already */
	DROP_FRAGMENT,		/* non-first fragment of an unknown datagram */
	DROP_TTL,		/* TTL expired and no ICMP error may be sent */
	DROP_ICMP_RATE,		/* ICMP error suppressed by the rate limit */
	DROP_TO_ROUTER,		/* addressed to the router, not answerable */
	DROP_GRE_NO_CALL,	/* GRE version 1 that belongs to no live call */
	DROP_ADDR_IN_USE,	/* address-only protocol to a remote another
				 * inside host uses (GRE version 0, ...) */
	DROP_ALG_OUT_OF_ORDER,	/* control segment after a gap in the stream */
	DROP_ALG_STALE,		/* control segment older than the ALG remembers */
	DROP_ALG_NO_STATE,	/* no room to track one more control connection */
	DROP_ALG_RESET,		/* segment of a control connection being reset */
	DROP_NOT_INSIDE,	/* source outside nat.inside-prefixes */
	DROP_HOST_LIMIT,	/* the inside host has all its sessions */
	DROP_FILTERED,		/* inbound, refused by the mapping's filter */
	DROP_SYN_UNSOLICITED,	/* inbound SYN no filter lets in: held, then
				 * dropped (RFC 5382 REQ-4) */
	DROP_FORWARD_FROM,	/* inbound through a forward, remote not in
				 * its from list */
	DROP_SOURCE_ROUTE,	/* loose or strict source route option */
	DROP_TOO_BIG,		/* DF set, larger than the next hop's MTU */
	DROP_FRAG_LIMIT,	/* a fragment that could not be held */
	DROP_FRAG_TIMEOUT,	/* a held fragment whose first never came */
	DROP_ALG_HOST_LIMIT,	/* the host has all the control connections
				 * its ALG share allows */
	DROP_TCP_WINDOW,	/* inbound RST or FIN outside the sequence
				 * window (RFC 5961) */
	DROP_FRAG_OVERLAP,	/* a later fragment over its first's bytes */
	DROP_FRAG_TOO_LONG,	/* a fragment reaching past 65535 bytes */
	DROP_ICMP_SEQ,		/* inbound ICMP error quoting a TCP segment
				 * the inside host cannot have sent yet or
				 * still (RFC 5927) */
	DROP_REASON_N
};

/* virtio-net header flags and GSO types (include/uapi/linux/virtio_net.h) */
#define VNET_NEEDS_CSUM		1	/* L4 checksum field: pseudo sum only */
#define VNET_DATA_VALID		2	/* checksums were verified on read */
#define VNET_GSO_NONE		0
#define VNET_GSO_TCPV4		1
#define VNET_GSO_UDP		3	/* legacy UFO: IP fragmentation */
#define VNET_GSO_TCPV6		4
#define VNET_GSO_UDP_L4		5	/* USO: one UDP datagram per segment */
#define VNET_GSO_ECN		0x80
#define VNET_HDR_LEN		10

/**
 * struct pkt_vnet - a virtio-net header, in host byte order
 * @flags:	VNET_NEEDS_CSUM, VNET_DATA_VALID
 * @gso_type:	VNET_GSO_*: a superpacket standing for several packets
 * @hdr_len:	the kernel's hint of the linear header length (unused)
 * @gso_size:	payload bytes per segment
 * @csum_start:	where the checksum starts (the L4 header)
 * @csum_offset: where its field is, from @csum_start
 */
struct pkt_vnet {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
};

/* What the I/O shell does with a packet after nat_translate(). */
enum verdict {
	VERDICT_DROP = 0,	/* discard; p->drop says why */
	VERDICT_FORWARD,	/* write to the other device */
	VERDICT_BACK,		/* write to the device it came from: hairpinned
				 * traffic or an ICMP message tunnat generated */
	VERDICT_HANDOFF,	/* (several workers only) hairpinned traffic
				 * translated out, to be translated in by the
				 * worker nat_steer() names for DIR_IN:
				 * nat_hairpin() */
};

/**
 * struct pkt - a packet and what parsing learned about it
 * @data:	first byte of the IPv4 header (4-byte aligned)
 * @len:	bytes of packet at @data
 * @cap:	bytes the buffer holds from @data on (>= @len)
 * @dir:	device the packet was read from
 * @drop:	reason, when the verdict is VERDICT_DROP
 * @l3_len:	IPv4 header length (IHL * 4), set by ipv4_parse()
 * @l4_len:	bytes after the IPv4 header
 * @proto:	IPv4 protocol number
 * @frag:	PKT_FRAG_* bits, set by ipv4_parse()
 * @local:	the router built this packet itself (an ICMP message or a
 *		TCP reset in the buffer of the packet it answers)
 * @vnet:	its virtio-net header (all zero from a device without one)
 */
struct pkt {
	uint8_t *data;
	uint32_t len;
	uint32_t cap;
	enum pkt_dir dir;
	enum drop_reason drop;
	uint16_t l3_len;
	uint16_t l4_len;
	uint8_t proto;
	uint8_t frag;
	bool local;
	struct pkt_vnet vnet;
};

#define PKT_FRAG_MORE	0x01	/* MF set: more fragments follow */
#define PKT_FRAG_LATER	0x02	/* offset > 0: no transport header here */

/* pkt_init() - point @p at an IPv4 packet of @len bytes in a @cap-byte area */
static inline void pkt_init(struct pkt *p, uint8_t *data, uint32_t len,
			    uint32_t cap, enum pkt_dir dir)
{
	*p = (struct pkt){ .data = data, .len = len, .cap = cap, .dir = dir };
}

/* pkt_csum_partial() - the L4 checksum field holds only the pseudo-header
 * sum, to be completed over the segment by whoever sends it on */
static inline bool pkt_csum_partial(const struct pkt *p)
{
	return p->vnet.flags & VNET_NEEDS_CSUM;
}

/* pkt_l4() - first byte after the IPv4 header; valid after ipv4_parse() */
static inline uint8_t *pkt_l4(const struct pkt *p)
{
	return p->data + p->l3_len;
}

/* drop_reason_str() - stable lower-case name of @r, for logs and counters */
const char *drop_reason_str(enum drop_reason r);

#define DROP_REASON_NAME_MAX	24	/* the longest drop_reason_str() */

#endif /* TN_PKT_H */
