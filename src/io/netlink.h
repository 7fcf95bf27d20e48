/* SPDX-License-Identifier: MIT */
/* netlink.h - a minimal rtnetlink client: link, address and route setup
 *
 * Each call sends one request with NLM_F_ACK on a NETLINK_ROUTE socket and
 * waits for the kernel's answer, so a failure comes back as the kernel's own
 * negative errno.  A socket acts in the network namespace it was created in,
 * whichever namespace the caller is in later.  Addresses are IPv4, in network
 * byte order.  Not thread-safe (one sequence counter for all sockets).
 */
#ifndef TN_NETLINK_H
#define TN_NETLINK_H

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

#endif /* TN_NETLINK_H */
