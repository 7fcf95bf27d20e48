/* SPDX-License-Identifier: MIT */
/* nat.h - the NAPT engine: translate one packet, expire idle sessions
 *
 * The engine is pure: it makes no system calls and reads no clock.  The
 * caller passes the time (@now_ms, any monotonic millisecond clock) to every
 * call, and a random seed once, at nat_new().  Everything the engine needs is
 * allocated by nat_new(); nothing is allocated or copied per packet.
 */
#ifndef TN_NAT_H
#define TN_NAT_H

#include <stdint.h>

#include "../net/pkt.h"

#define NAT_POOL_MAX		1024	/* public addresses */
#define NAT_SESSIONS_MAX	(1u << 24)

/**
 * struct nat_config - what nat_new() needs to know
 * @addrs:		public address pool, network byte order, no duplicates
 * @naddrs:		1..NAT_POOL_MAX
 * @port_lo, @port_hi:	TCP/UDP ports the pool hands out, host order, >= 1
 * @max_sessions:	1..NAT_SESSIONS_MAX
 * @tcp_est_ms, @tcp_trans_ms, @udp_ms, @icmp_ms: idle timeouts
 * @router_addr:	source of ICMP the router sends into the inside
 *			network (network order); must not be in @addrs
 * @icmp_errors_per_s:	rate limit of generated ICMP errors (0: none sent)
 * @seed:		secret random bits for hashing and port choice
 */
struct nat_config {
	const uint32_t *addrs;
	unsigned naddrs;
	uint16_t port_lo, port_hi;
	uint32_t max_sessions;
	uint32_t tcp_est_ms, tcp_trans_ms, udp_ms, icmp_ms;
	uint32_t router_addr;
	uint32_t icmp_errors_per_s;
	uint64_t seed[4];
};

/**
 * struct nat_stats - counters since nat_new()
 * @rx:			packets handed to nat_translate(), per side read
 * @forwarded:		packets translated to the other side, per side read
 * @hairpinned:		inside packets sent back inside via a public address
 * @icmp_errors:	ICMP errors the router generated
 * @echo_answered:	echo requests to the router answered
 * @drops:		packets dropped, per enum drop_reason
 * @sessions_created, @sessions_expired, @mappings_created: totals
 * @sessions, @mappings: in use now
 */
struct nat_stats {
	uint64_t rx[DIR_N];
	uint64_t forwarded[DIR_N];
	uint64_t hairpinned;
	uint64_t icmp_errors;
	uint64_t echo_answered;
	uint64_t drops[DROP_REASON_N];
	uint64_t sessions_created;
	uint64_t sessions_expired;
	uint64_t mappings_created;
	uint32_t sessions;
	uint32_t mappings;
};

struct nat;

/**
 * nat_new() - create an engine for @cfg
 *
 * Return: the engine, or NULL with errno EINVAL (bad @cfg) or ENOMEM
 */
struct nat *nat_new(const struct nat_config *cfg);

/* nat_free() - destroy @n and everything it owns; NULL is allowed */
void nat_free(struct nat *n);

/**
 * nat_translate() - translate @p in place, at time @now_ms
 * @p:	packet from pkt_init(); its buffer must hold at least 576 bytes
 *	from @data (room for a generated ICMP error)
 *
 * Return: what to do with @p; on VERDICT_DROP, @p->drop says why.  On
 * VERDICT_BACK, @p is hairpinned traffic or an ICMP message the router built
 * in @p's buffer, to be written to the device @p came from.
 */
enum verdict nat_translate(struct nat *n, struct pkt *p, uint64_t now_ms);

/**
 * nat_expire() - free sessions idle for their whole timeout
 * @budget:	most sessions to free in this call
 *
 * A session is treated as gone from the exact millisecond it expires,
 * whether or not it has been swept; this only returns its memory and its
 * port, at most a second after it expired if called often enough.
 *
 * Return: sessions freed
 */
unsigned nat_expire(struct nat *n, uint64_t now_ms, unsigned budget);

/* nat_stats() - the counters of @n, with the in-use gauges up to date */
const struct nat_stats *nat_stats(struct nat *n);

/* nat_memory_bytes() - memory nat_new() reserves for @cfg */
uint64_t nat_memory_bytes(const struct nat_config *cfg);

#endif /* TN_NAT_H */
