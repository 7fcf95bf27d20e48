/* SPDX-License-Identifier: MIT */
/* nat_int.h - engine internals shared by the files of src/nat/
 *
 * struct nat and the contract between the protocol-neutral core (nat.c)
 * and the per-protocol handlers (proto_*.c).  Nothing outside src/nat/
 * includes this header.
 */
#ifndef TN_NAT_INT_H
#define TN_NAT_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "../net/ipv4.h"
#include "alg.h"
#include "nat.h"
#include "portpool.h"
#include "session.h"

/* Port spaces: each public address has one port pool per space. */
enum port_space {
	PSPACE_TCP = 0,
	PSPACE_UDP,
	PSPACE_ICMP,		/* ICMP query identifiers */
	PSPACE_N
};

#define NAT_FRAG_SLOTS		1024
#define NAT_FRAG_TIMEOUT_MS	30000	/* Linux's ipfrag_time */

#define GRE_PENDING_MS		60000	/* RFC 2637 3.0: replies within 60 s */
#define GRE_CLOSING_MS		10000	/* grace after Call-Clear-Request */
#define GRE_QUARANTINE_MS	120000	/* a Call ID rests before reuse */

/* Calls per address, for the ALG limits (alg.c). */
struct alg_count_entry {
	uint32_t addr;
	uint32_t n;		/* 0: empty */
};

struct alg_counts {
	struct alg_count_entry *e;
	uint32_t mask;
};

/* One ALG's control connection state slots, and its calls per address
 * for the limits. */
struct alg_state {
	size_t size;		/* bytes per slot */
	uint8_t *slots;		/* slot 0 unused; NULL: the ALG is off */
	struct rec_pool pool;
	struct alg_counts calls_host, calls_server;
};

/* An inbound datagram whose first fragment went to @in_addr. */
struct nat_frag {
	uint32_t rem_addr, pub_addr, in_addr;
	uint32_t seen_ms;
	uint16_t id;
	uint8_t proto;
	uint8_t used;
};

struct nat {
	struct session_table t;
	uint32_t *addrs;		/* sorted by host-order value */
	unsigned naddrs;
	struct portpool *pools;		/* [pub_idx * PSPACE_N + space] */
	struct portpool_range ranges[PSPACE_N];
	uint64_t hkey[2];		/* secret for hashes */
	uint64_t rng[2];		/* xoroshiro128+ state */
	uint64_t icmp_credit;		/* in 1/1000 errors */
	uint64_t icmp_last_ms;
	struct nat_frag frags[NAT_FRAG_SLOTS];
	struct nat_stats st;
	struct nat_config cfg;		/* as given to nat_new() */
	struct alg_state alg[NAT_ALG_N];
};

/**
 * struct l4_view - the transport fields one translation rewrites
 * @port:	the port or ICMP identifier of the inside/public endpoint;
 *		NULL in a later fragment
 * @csum:	the transport checksum, or NULL if not in this packet
 * @pseudo:	the checksum covers the IPv4 pseudo-header
 * @udp:	UDP rules: 0 means "no checksum", a computed 0 is sent as 0xffff
 * @partial:	the field holds the uncomplemented pseudo-header sum of an
 *		offloaded packet (virtio NEEDS_CSUM): only address changes
 *		go into it, without the complement, and the UDP rules do not
 *		apply (performance.md 1.4, as Linux inet_proto_csum_replace4)
 */
struct l4_view {
	uint8_t *port;
	uint8_t *csum;
	bool pseudo;
	bool udp;
	bool partial;
};

/**
 * struct pkt_flow - what a protocol handler tells the core about a packet
 * @key:	session lookup key (side SIDE_IN for outbound packets)
 * @v:		fields to rewrite
 * @klass:	class of a session this packet would create
 * @tcp_flags:	TCP flags, 0 for other protocols
 * @may_create:	an outbound packet that may open a new session
 */
struct pkt_flow {
	struct flow_key key;
	struct l4_view v;
	enum nat_class klass;
	uint8_t tcp_flags;
	bool may_create;
};

/* proto_tcp.c */
enum drop_reason proto_tcp_flow(struct pkt *p, struct pkt_flow *f);
enum nat_class proto_tcp_track(struct nat_session *s, uint8_t flags,
			       enum pkt_dir dir);

/* proto_udp.c */
enum drop_reason proto_udp_flow(struct pkt *p, struct pkt_flow *f);

/* proto_gre.c */
enum verdict proto_gre(struct nat *n, struct pkt *p, uint64_t now,
		       bool hairpin);

/* proto_icmp.c */
enum drop_reason proto_icmp_flow(struct pkt *p, struct pkt_flow *f);
enum verdict proto_icmp_error(struct nat *n, struct pkt *p, uint64_t now);

/* nat.c: services for the protocol handlers */

/* nat_session_live() - session under @k unless expired (then freed), or 0 */
uint32_t nat_session_live(struct nat *n, const struct flow_key *k,
			  uint64_t now);

/* nat_set_addr() - rewrite the address @field of header @ip, fix checksums */
void nat_set_addr(struct ipv4_hdr *ip, const struct l4_view *v, uint32_t *field,
		  uint32_t addr);

/* nat_set_port() - rewrite the port @v->port and fix the checksum */
void nat_set_port(const struct l4_view *v, uint16_t port);

/**
 * nat_flow_ports() - key and fields of a packet whose transport header
 * starts with source and destination ports (TCP, UDP)
 * @csum_off:	offset of the transport checksum in that header
 *
 * Sets @f->key, @f->v.port, @f->v.csum and @f->v.pseudo; the caller sets
 * the rest.
 */
void nat_flow_ports(struct pkt *p, struct pkt_flow *f, unsigned csum_off);

/* nat_pair_index() - the public address paired with inside host @in_addr */
unsigned nat_pair_index(const struct nat *n, uint32_t in_addr);

/* nat_frag_note() - later fragments of inbound @ip follow it to @in_addr */
void nat_frag_note(struct nat *n, const struct ipv4_hdr *ip, uint32_t in_addr,
		   uint64_t now);

/* rng_next() - 32 random bits for port and Call ID choice */
uint32_t rng_next(struct nat *n);

/* nat_pool_index() - index of @addr in the public pool, or -1 */
int nat_pool_index(const struct nat *n, uint32_t addr);

/* nat_drop() - count @r against @p and return VERDICT_DROP */
enum verdict nat_drop(struct nat *n, struct pkt *p, enum drop_reason r);

/* flow_key_set() - fill @k; addresses and ports in network order */
static inline void flow_key_set(struct flow_key *k, enum key_side side,
				uint8_t proto, uint32_t addr, uint16_t port,
				uint32_t rem_addr, uint16_t rem_port)
{
	*k = (struct flow_key){
		.addr = addr, .rem_addr = rem_addr, .port = port,
		.rem_port = rem_port, .proto = proto, .side = side,
	};
}

#endif /* TN_NAT_INT_H */
