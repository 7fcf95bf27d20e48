/* SPDX-License-Identifier: MIT */
/* netlink.h - a minimal rtnetlink client: link, address and route setup
 *
 * Each call sends one request with NLM_F_ACK on a NETLINK_ROUTE socket and
 * waits for the kernel's answer, so a failure comes back as the kernel's own
 * negative errno.  A socket acts in the network namespace it was created in,
 * whichever namespace the caller is in later.  Addresses are IPv4, in network
 * byte order.  Not thread-safe (one sequence counter for all sockets).
 *
 * Besides the device setup of tun.c, it holds what links.c needs to steer
 * a link's packets into a TUN device: policy routing rules, routes in
 * tables of their own, proxy neighbour entries, per-device IPv4 settings,
 * and dumps of rules, routes, proxy entries and addresses.
 */
#ifndef TN_NETLINK_H
#define TN_NETLINK_H

#include <net/if.h>

#include <stdbool.h>
#include <stdint.h>

/**
 * nl_open() - open a NETLINK_ROUTE socket in the current network namespace
 *
 * Return: the socket (close-on-exec), or a negative errno
 */
int nl_open(void);

/* nl_close() - close socket @nl if it is >= 0 */
void nl_close(int nl);

/**
 * nl_link_set() - change the MTU or queue length, or bring up link @ifindex
 * @nl:		socket from nl_open()
 * @ifindex:	interface index
 * @mtu:	new MTU, or 0 to leave it
 * @txqlen:	new transmit queue length, or 0 to leave it (for a TUN
 *		device, the packets the kernel holds for the reader; when it
 *		is full the kernel drops, without back-pressure)
 * @up:		set IFF_UP; false leaves the flags as they are (never sets the
 *		link down)
 *
 * Return: 0, or a negative errno (e.g. -EINVAL for an MTU out of the
 * device's range, -ENODEV for a missing link)
 */
int nl_link_set(int nl, unsigned ifindex, unsigned mtu, unsigned txqlen,
		bool up);

/**
 * nl_link_get_mtu() - read the MTU of link @ifindex
 * @nl:		socket from nl_open()
 * @ifindex:	interface index
 * @mtu:	set on success
 *
 * Return: 0, or a negative errno (-EBADMSG if the reply carries no MTU)
 */
int nl_link_get_mtu(int nl, unsigned ifindex, unsigned *mtu);

/**
 * nl_link_get_tx_dropped() - read the tx_dropped counter of link @ifindex
 * (IFLA_STATS64): for a TUN device, packets dropped because the reader's
 * queue was full
 * @nl:		socket from nl_open()
 * @ifindex:	interface index
 * @drops:	set on success
 *
 * Return: 0, or a negative errno (-EBADMSG if the reply carries no stats)
 */
int nl_link_get_tx_dropped(int nl, unsigned ifindex, uint64_t *drops);

/**
 * nl_addr_add() - assign address @addr/@prefix_len to link @ifindex
 * @nl:		socket from nl_open()
 * @ifindex:	interface index
 * @addr:	IPv4 address, network byte order (IFA_LOCAL and IFA_ADDRESS)
 * @prefix_len:	0..32
 *
 * Uses NLM_F_CREATE | NLM_F_REPLACE: assigning an address the link already
 * has succeeds.  Other addresses on the link are left alone.
 *
 * Return: 0, or a negative errno
 */
int nl_addr_add(int nl, unsigned ifindex, uint32_t addr, unsigned prefix_len);

/**
 * nl_route_add() - route @dst/@prefix_len into link @ifindex
 * @nl:		socket from nl_open()
 * @ifindex:	interface index (RTA_OIF)
 * @dst:	destination prefix, network byte order; ignored for length 0
 * @prefix_len:	0..32; 0 is the default route
 *
 * Adds a unicast route of link scope, protocol "static", to the main table.
 * Uses NLM_F_CREATE | NLM_F_REPLACE, as "ip route replace" does: a route
 * already in the main table for the same prefix and metric is replaced, so
 * adding the same route twice succeeds.
 *
 * Return: 0, or a negative errno (-ENETDOWN if the link is down)
 */
int nl_route_add(int nl, unsigned ifindex, uint32_t dst, unsigned prefix_len);

/**
 * struct nl_route - a default route in a table of its own
 * @family:	AF_INET or AF_INET6
 * @table:	routing table, any but 0
 * @type:	RTN_UNICAST (into @oif) or RTN_UNREACHABLE
 * @protocol:	RTPROT_* value the route is tagged with
 * @oif:	output interface index, for RTN_UNICAST only
 * @metric:	RTA_PRIORITY: of routes to the same prefix, the lowest wins
 * @dst_len:	prefix length of the destination (0: the default route);
 *		only dumps fill it in
 */
struct nl_route {
	int family;
	uint32_t table;
	unsigned char type;
	unsigned char protocol;
	unsigned oif;
	uint32_t metric;
	unsigned char dst_len;
};

/**
 * nl_route_default() - add or replace, or delete, default route @r
 * @nl:		socket from nl_open()
 * @r:		the route; only a default route (@r->dst_len is ignored)
 * @del:	delete it (RTM_DELROUTE) instead
 *
 * Adding uses NLM_F_CREATE | NLM_F_REPLACE: a route in @r->table with the
 * same metric is replaced, whatever its type or interface, so adding the
 * same route twice leaves one.
 *
 * Return: 0, or a negative errno (-ESRCH: no such route to delete)
 */
int nl_route_default(int nl, const struct nl_route *r, bool del);

/**
 * nl_route_dump() - call @cb for every route of @family, in every table
 * @cb:		returns 0, or a negative errno that ends the walk with it
 *
 * Return: 0, or a negative errno (the first @cb returned, or the kernel's)
 */
int nl_route_dump(int nl, int family,
		  int (*cb)(const struct nl_route *r, void *arg), void *arg);

/**
 * struct nl_rule - a policy routing rule "iif IFNAME lookup TABLE"
 * @family:	AF_INET or AF_INET6
 * @priority:	FRA_PRIORITY: rules are tried from the lowest
 * @table:	the table to look the packet up in
 * @protocol:	RTPROT_* value the rule is tagged with (FRA_PROTOCOL)
 * @iifname:	the interface packets must arrive on; "" for any
 */
struct nl_rule {
	int family;
	uint32_t priority;
	uint32_t table;
	unsigned char protocol;
	char iifname[IFNAMSIZ];
};

/**
 * nl_rule_change() - add or delete policy routing rule @r
 * @del:	delete (RTM_DELRULE) the rule matching @r instead of adding it
 *
 * Adding uses NLM_F_EXCL: an equal rule is not added twice, and -EEXIST
 * says that one was there already.
 *
 * Return: 0, or a negative errno
 */
int nl_rule_change(int nl, const struct nl_rule *r, bool del);

/* nl_rule_dump() - call @cb for every rule of @family; as nl_route_dump() */
int nl_rule_dump(int nl, int family,
		 int (*cb)(const struct nl_rule *r, void *arg), void *arg);

/**
 * nl_neigh_proxy() - answer, or stop answering, ARP for @addr on @ifindex
 * @addr:	IPv4 address, network byte order
 * @protocol:	RTPROT_* value the entry is tagged with (NDA_PROTOCOL)
 * @del:	delete the entry instead
 *
 * A proxy neighbour entry ("ip neigh add proxy"): the kernel answers ARP
 * requests for @addr that arrive on @ifindex with the link's own hardware
 * address, provided forwarding is on for the link and @addr is routed
 * through another device.  Adding an entry that exists succeeds.
 *
 * Return: 0, or a negative errno (-ENOENT: no such entry to delete)
 */
int nl_neigh_proxy(int nl, unsigned ifindex, uint32_t addr,
		   unsigned char protocol, bool del);

/**
 * nl_neigh_proxy_dump() - call @cb for every IPv4 proxy neighbour entry
 * @cb:		gets the entry's interface, address, protocol (0: none)
 *
 * Return: 0, or a negative errno, as nl_route_dump()
 */
int nl_neigh_proxy_dump(int nl,
			int (*cb)(unsigned ifindex, uint32_t addr,
				  unsigned char protocol, void *arg),
			void *arg);

/**
 * nl_addr_dump() - call @cb for every IPv4 address of every link
 * @cb:		gets the link and the address (IFA_LOCAL, network order)
 *
 * Return: 0, or a negative errno, as nl_route_dump()
 */
int nl_addr_dump(int nl, int (*cb)(unsigned ifindex, uint32_t addr,
				   void *arg), void *arg);

/**
 * nl_link_forwarding() - turn on IPv4 forwarding for packets from @ifindex
 *
 * Sets the device's own net.ipv4.conf.IFNAME.forwarding to 1 over netlink
 * (IFLA_AF_SPEC, IFLA_INET_CONF), which needs no writable /proc/sys, as a
 * container does not have.  The kernel forwards a packet if forwarding is
 * on for the device it arrived on; it answers proxy ARP on a device only
 * if forwarding is on for it.
 *
 * Return: 0, or a negative errno
 */
int nl_link_forwarding(int nl, unsigned ifindex);

#endif /* TN_NETLINK_H */
