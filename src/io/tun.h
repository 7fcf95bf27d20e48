/* SPDX-License-Identifier: MIT */
/* tun.h - open and set up the TUN devices, each in its network namespace */
#ifndef TN_TUN_H
#define TN_TUN_H

#include <net/if.h>

#include <stdbool.h>

#include "../conf/conf.h"
#include "links.h"

#define TUN_QUEUES_MAX	256	/* workers x fair queues; the kernel's limit */

/**
 * struct tun - an open TUN device
 * @fd:		non-blocking file descriptor, IFF_TUN | IFF_NO_PI; -1 if closed
 * @qfd, @nq:	with several queues (IFF_MULTI_QUEUE), one fd per queue
 * @nl, @ifindex: a NETLINK_ROUTE socket in the device's namespace (-1:
 *		none), and the device's index there, for its counters
 * @name:	device name
 * @created:	tunnat created the device (it disappears when @fd closes);
 *		false when it attached to an existing persistent device
 * @mtu:	the device's MTU after setup
 * @vnet:	packets carry a virtio-net header (IFF_VNET_HDR)
 * @offload:	TUN_F_* offloads this device's reader (tunnat) accepts
 */
struct tun {
	int fd;
	int qfd[TUN_QUEUES_MAX];
	unsigned nq;
	int nl;
	unsigned ifindex;
	char name[IFNAMSIZ];
	bool created;
	unsigned mtu;
	bool vnet;
	unsigned offload;
};

#define TUN_TXQLEN	4096	/* the kernel's default 500 drops bursts */

/**
 * tun_open() - open the device @d describes and configure it
 * @t:		filled in on success; @t->fd is -1 on failure
 * @d:		the "inside" or "outside" section of the configuration
 * @role:	"inside" or "outside", for messages
 * @vnet:	open with IFF_VNET_HDR (10-byte header), for offloads
 * @links:	links to route into the device (links_setup()), or NULL
 * @workers:	worker threads, each with @fair queues of the device:
 *		1 x 1 is a single-queue device, as persistent ones made by
 *		"ip tuntap add" are; more, IFF_MULTI_QUEUE, one fd per queue
 *		(with one worker, a persistent single-queue device is
 *		attached with its one queue: check @t->nq)
 * @fair:	queues per worker
 *
 * In @d->netns if set (entered with setns(2), left again before returning):
 * creates the device if missing and @d->create allows it, or attaches to the
 * existing persistent device; sets the MTU if given, brings the link up,
 * assigns @d->address if given and adds @d->routes (both idempotently, so a
 * persistent device can be attached again after a restart); then routes
 * what arrives on @links into it.  Each failure is logged with the device,
 * the namespace and the step that failed.
 *
 * Return: 0, or a negative errno
 */
int tun_open(struct tun *t, const struct conf_dev *d, const char *role,
	     bool vnet, const struct links_side *links, unsigned workers,
	     unsigned fair);

/**
 * tun_queue_drops() - packets the kernel dropped because a queue of @t
 * was full (the device's tx_dropped: tunnat did not read them in time)
 *
 * Asks over the netlink socket tun_open() kept in the device's namespace;
 * no privilege is needed.
 *
 * Return: 0, or a negative errno (*@drops is then unchanged)
 */
int tun_queue_drops(const struct tun *t, uint64_t *drops);

/**
 * tun_links_check() - links_check() @links in the namespace of device @d
 * @role:	"inside" or "outside", for messages
 *
 * Changes nothing, so that main can check the links of both sides before
 * it sets up either.
 *
 * Return: 0, or a negative errno (logged)
 */
int tun_links_check(const struct conf_dev *d, const char *role,
		    const struct links_side *links);

/**
 * tun_offload_best() - agree on the most offloads the kernel allows
 *
 * Tries, in order, CSUM|TSO4|TSO6|TSO_ECN|USO4|USO6 (USO needs Linux 6.2),
 * then without USO, without TSO_ECN, CSUM alone, and nothing; each set
 * contains the next.  The device keeps the first the kernel accepts.
 *
 * Return: that set (0 if only none)
 */
unsigned tun_offload_best(struct tun *t);

/* tun_offload_set() - set exactly @flags; 0 or a negative errno */
int tun_offload_set(struct tun *t, unsigned flags);

/* tun_offload_str() - "csum tso4 ..." or "none", into @buf */
const char *tun_offload_str(unsigned flags, char *buf, size_t len);

/* tun_close() - close @t; a device tunnat created disappears with it */
void tun_close(struct tun *t);

#endif /* TN_TUN_H */
