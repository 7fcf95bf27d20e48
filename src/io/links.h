/* SPDX-License-Identifier: MIT */
/* links.h - steer what arrives on a router's links into its TUN devices */
#ifndef TN_LINKS_H
#define TN_LINKS_H

#include <net/if.h>

#include <stdbool.h>
#include <stdint.h>

/* Everything links_setup() adds carries this routing protocol number (not
 * assigned in <linux/rtnetlink.h>), so that the next start finds it. */
#define LINKS_PROTO		116

/* Priority of the rule of each link: before the main table (32766). */
#define LINKS_RULE_PRIO		1000

/* The table of a link is LINKS_TABLE_BASE + its interface index. */
#define LINKS_TABLE_BASE	0x74000000u

/**
 * struct links_side - the links of one side, and what they must answer
 * @role:	"inside" or "outside", for messages
 * @key:	the configuration key that lists them, for messages
 * @netns:	the namespace they are in, for messages: a path, or "" for
 *		tunnat's own
 * @names:	the links, @n of them
 * @pool:	nat.addresses, @npool of them, network order: none may be an
 *		address of this namespace; NULL on the inside
 * @proxy_arp:	answer ARP for every address of @pool on every link
 */
struct links_side {
	const char *role;
	const char *key;
	const char *netns;
	const char (*names)[IFNAMSIZ];
	unsigned n;
	const uint32_t *pool;
	unsigned npool;
	bool proxy_arp;
};

/**
 * links_check() - refuse links that cannot work, before anything is set up
 * @s:		the links, in the current network namespace
 *
 * Return: 0; -ENODEV if a link does not exist, -EADDRINUSE if an address
 * of @s->pool is an address of this namespace (where the kernel would
 * answer for it itself), or another negative errno; each logged with the
 * link or the address and the key to change
 */
int links_check(const struct links_side *s);

/**
 * links_setup() - send what arrives on @s's links into TUN device @tun
 * @s:		the links
 * @tun:	interface index of the side's TUN device, which is up
 * @tun_name:	its name, for messages
 *
 * In the current network namespace, which holds the links and the TUN
 * device, for each link L with interface index I: table
 * LINKS_TABLE_BASE + I gets an unreachable default route (metric
 * 0xffffffff) for IPv4 and IPv6, then an IPv4 default route into @tun
 * (metric 0); then a rule "iif L lookup that table" (priority
 * LINKS_RULE_PRIO) for each family; only then is forwarding turned on for
 * L and @tun.  So at no moment is a packet from L routed by the main
 * table, and once @tun is gone (tunnat stopped) the unreachable route is
 * what is left.  With @s->proxy_arp, L answers ARP for each address of
 * @s->pool.
 *
 * Everything is tagged with LINKS_PROTO and replaced, not added twice: a
 * start after a stop leaves one rule per link and family, one table per
 * link, one proxy entry per address; rules of an earlier start for these
 * links that point elsewhere, tagged proxy entries on them that are no
 * longer wanted, and tagged routes in tables no rule uses any more are
 * deleted.
 *
 * Return: 0, or a negative errno (logged, naming the link and the step)
 */
int links_setup(const struct links_side *s, unsigned tun,
		const char *tun_name);

#endif /* TN_LINKS_H */
