/* SPDX-License-Identifier: MIT */
/* tun.c - open and set up the TUN devices, each in its network namespace
 *
 * tun_open() works in these steps, all but the first and last inside the
 * device's namespace:
 *
 * 1. enter the namespace: keep /proc/self/ns/net open to come back, then
 *    setns(2) into the configured one (skipped without a namespace);
 * 2. look the device up (if_nametoindex()); a missing device is created only
 *    if the configuration allows it;
 * 3. open /dev/net/tun and TUNSETIFF with IFF_TUN | IFF_NO_PI (and
 *    IFF_VNET_HDR for offloads, with a 10-byte header): this creates
 *    the device or attaches to the existing persistent one.  TUNSETPERSIST is
 *    never set, so a device tunnat created disappears when its fd closes.
 *    With several queues (workers times fair queues), IFF_MULTI_QUEUE
 *    too, and one more fd per queue, each attached the same way; with
 *    one worker, a persistent single-queue device is attached as it is;
 * 4. over a NETLINK_ROUTE socket opened in the namespace: set the MTU and
 *    the transmit queue length, bring
 *    the link up, assign the address and add the routes, each with
 *    NLM_F_REPLACE so that attaching to a persistent device again after a
 *    restart succeeds; read the MTU back; the socket is kept, for the
 *    device's counters (tun_queue_drops());
 * 5. route the configured links into the device (links.c);
 * 6. setns(2) back to the original namespace, on every path.
 *
 * The fd keeps working whatever namespace the process is in afterwards.
 */
#include <sys/ioctl.h>

#include <arpa/inet.h>
#include <net/if.h>

#include <linux/if_tun.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "netlink.h"
#include "tun.h"

#ifndef TUN_F_USO4		/* Linux 6.2; older headers lack them */
#define TUN_F_USO4	0x20
#define TUN_F_USO6	0x40
#endif

#define NETNS_RUN_DIR	"/run/netns/"
#define VNET_HDR_SIZE	10	/* struct virtio_net_hdr, no mergeable buffers */

/**
 * struct tun_ctx - what every message about one device names
 * @role:	"inside" or "outside"
 * @name:	the device: the configured name, then the kernel's
 * @netns:	namespace path, or "" for the namespace tunnat runs in
 */
struct tun_ctx {
	const char *role;
	const char *name;
	const char *netns;
};

/* "namespace PATH" or "current namespace", as two strings for "%s%s". */
static const char *ns_pre(const struct tun_ctx *c)
{
	return c->netns[0] ? "namespace " : "current namespace";
}

/**
 * tun_fail() - log "ROLE: STEP in NAMESPACE: strerror (HINT)" at error level
 * @c:		the device
 * @err:	negative errno
 * @hint:	what to do about it, or NULL
 * @fmt:	the step that failed, naming the device, e.g. "cannot bring up
 *		tin0"
 *
 * Return: @err
 */
static int tun_fail(const struct tun_ctx *c, int err, const char *hint,
		    const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int tun_fail(const struct tun_ctx *c, int err, const char *hint,
		    const char *fmt, ...)
{
	char step[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(step, sizeof(step), fmt, ap);
	va_end(ap);
	log_err("%s: %s in %s%s: %s%s%s%s", c->role, step, ns_pre(c),
		c->netns, strerror(-err), hint ? " (" : "", hint ? hint : "",
		hint ? ")" : "");
	return err;
}

/* A hint for a failed netlink step: only permissions have an obvious one. */
static const char *nl_hint(int err)
{
	return err == -EPERM ? "needs CAP_NET_ADMIN" : NULL;
}

/* Format @p as "A.B.C.D/LEN" into @buf. */
static const char *prefix_str(const struct conf_prefix *p, char *buf,
			      size_t len)
{
	char a[INET_ADDRSTRLEN];

	if (!inet_ntop(AF_INET, &p->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, "%s/%u", a, p->len);
	return buf;
}

/**
 * ns_enter() - setns(2) into @c->netns, remembering the current namespace
 * @c:		the device; @c->netns must not be empty
 * @self_fd:	set to an fd of the current namespace, for ns_leave()
 *
 * Return: 0, or a negative errno (logged); nothing is left open on failure
 */
static int ns_enter(const struct tun_ctx *c, int *self_fd)
{
	const char *base = c->netns;
	int self, ns, err;

	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0) {
		err = -errno;
		log_err("%s: cannot open /proc/self/ns/net: %s", c->role,
			strerror(-err));
		return err;
	}
	ns = open(c->netns, O_RDONLY | O_CLOEXEC);
	if (ns < 0) {
		err = -errno;
		if (err != -ENOENT) {
			log_err("%s: cannot open network namespace %s: %s",
				c->role, c->netns, strerror(-err));
		} else if (!strncmp(base, NETNS_RUN_DIR,
				    strlen(NETNS_RUN_DIR))) {
			base += strlen(NETNS_RUN_DIR);
			log_err("%s: network namespace %s does not exist (create it with: ip netns add %s)",
				c->role, c->netns, base);
		} else {
			log_err("%s: network namespace %s does not exist (check the path, or create one with: ip netns add NAME)",
				c->role, c->netns);
		}
		goto err_self;
	}
	if (setns(ns, CLONE_NEWNET) < 0) {
		err = -errno;
		if (err == -EINVAL)
			log_err("%s: %s is not a network namespace", c->role,
				c->netns);
		else
			log_err("%s: cannot enter network namespace %s: %s%s",
				c->role, c->netns, strerror(-err),
				err == -EPERM ? " (needs CAP_SYS_ADMIN)" : "");
		goto err_ns;
	}
	close(ns);
	*self_fd = self;
	return 0;

err_ns:
	close(ns);
err_self:
	close(self);
	return err;
}

/**
 * ns_leave() - setns(2) back into the namespace ns_enter() left
 * @c:		the device
 * @self_fd:	from ns_enter(); closed here
 *
 * Return: 0, or a negative errno (logged): the process is then still in
 * @c->netns and must not go on
 */
static int ns_leave(const struct tun_ctx *c, int self_fd)
{
	int err = 0;

	if (setns(self_fd, CLONE_NEWNET) < 0) {
		err = -errno;
		log_err("%s: cannot return from network namespace %s: %s",
			c->role, c->netns, strerror(-err));
	}
	close(self_fd);
	return err;
}

/**
 * tun_attach() - create or attach to the TUN device, in the current namespace
 * @t:		@t->fd, @t->name and @t->created are set on success
 * @d:		the device's configuration
 * @c:		the device; @c->name is pointed at @t->name on success
 * @ifindex:	set to the device's interface index
 * @workers, @queues: worker threads, and queues in all
 *
 * Refuses (-ENODEV) to create a missing device if @d->create is false.
 *
 * Return: 0, or a negative errno (logged); @t->fd is -1 on failure
 */
static int tun_queue_add(struct tun *t, struct ifreq *ifr,
			 const struct tun_ctx *c, bool vnet);

static int tun_attach(struct tun *t, const struct conf_dev *d,
		      struct tun_ctx *c, unsigned *ifindex, bool vnet,
		      unsigned workers, unsigned queues)
{
	const char *hint = NULL;
	struct ifreq ifr;
	bool existed;
	int fd, err, rc;

	existed = if_nametoindex(d->name) != 0;
	if (!existed && errno != ENODEV) {
		err = -errno;
		return tun_fail(c, err, NULL, "cannot look up %s", d->name);
	}
	if (!existed && !d->create) {
		log_err("%s: device %s does not exist in %s%s and create is false",
			c->role, d->name, ns_pre(c), c->netns);
		return -ENODEV;
	}

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		if (err == -ENOENT || err == -ENODEV)
			hint = "is the tun module loaded?";
		else if (err == -EACCES)
			hint = "needs read-write access to /dev/net/tun";
		return tun_fail(c, err, hint, "cannot open /dev/net/tun for %s",
				d->name);
	}

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | (vnet ? IFF_VNET_HDR : 0) |
			(queues > 1 ? IFF_MULTI_QUEUE : 0);
	memcpy(ifr.ifr_name, d->name, sizeof(ifr.ifr_name));
	ifr.ifr_name[sizeof(ifr.ifr_name) - 1] = '\0';
	rc = ioctl(fd, TUNSETIFF, &ifr);
	if (rc < 0 && errno == EINVAL && existed && queues > 1 &&
	    workers == 1) {
		/* one worker's fair queues: a single-queue device will do */
		log_info("%s: %s is a single-queue device: one queue, no fair queues",
			 c->role, d->name);
		queues = 1;
		ifr.ifr_flags = (short)(ifr.ifr_flags & ~IFF_MULTI_QUEUE);
		rc = ioctl(fd, TUNSETIFF, &ifr);
	}
	if (rc < 0) {
		err = -errno;
		if (err == -EBUSY)
			hint = "another process has it open: a non-persistent device, or another tunnat";
		else if (err == -EPERM && existed)
			hint = "needs CAP_NET_ADMIN, or a persistent device owned by this user";
		else if (err == -EPERM)
			hint = "needs CAP_NET_ADMIN";
		else if (err == -EINVAL && existed && queues > 1)
			hint = "it exists but is not a multi-queue TUN device, which workers above 1 need";
		else if (err == -EINVAL && existed)
			hint = "it exists but is not a single-queue TUN device";
		tun_fail(c, err, hint, "cannot %s TUN device %s",
			 existed ? "attach to" : "create", d->name);
		goto err_close;
	}
	/* attaching to a non-persistent device fails (EBUSY): anything
	 * without IFF_PERSIST now is the device this call created */
	if (ioctl(fd, TUNGETIFF, &ifr) < 0) {
		err = -errno;
		tun_fail(c, err, NULL, "cannot read the flags of %s", d->name);
		goto err_close;
	}
	existed = ifr.ifr_flags & IFF_PERSIST;
	if (vnet) {
		int sz = VNET_HDR_SIZE;

		if (ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0) {
			err = -errno;
			tun_fail(c, err, NULL, "cannot set the virtio-net header size of %s",
				 d->name);
			goto err_close;
		}
		t->vnet = true;
	}
	memcpy(t->name, ifr.ifr_name, sizeof(t->name));
	t->name[sizeof(t->name) - 1] = '\0';
	c->name = t->name;

	*ifindex = if_nametoindex(t->name);
	if (!*ifindex) {
		err = -errno;
		tun_fail(c, err, NULL, "cannot look up %s", t->name);
		goto err_close;
	}
	t->fd = fd;
	t->qfd[0] = fd;
	t->nq = 1;
	t->created = !existed;
	for (; t->nq < queues; t->nq++) {
		err = tun_queue_add(t, &ifr, c, vnet);
		if (err)
			goto err_queues;
	}
	log_debug("%s: %s %s, ifindex %u", c->role,
		  existed ? "attached to" : "created", t->name, *ifindex);
	return 0;

err_queues:
	tun_close(t);
	return err;
err_close:
	close(fd);
	return err;
}

/* One more queue of multi-queue device @t, as @ifr names it: an fd of its
 * own in @t->qfd[@t->nq].  Return: 0, or a negative errno (logged) */
static int tun_queue_add(struct tun *t, struct ifreq *ifr,
			 const struct tun_ctx *c, bool vnet)
{
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC), err;
	int sz = VNET_HDR_SIZE;

	if (fd < 0)
		return tun_fail(c, -errno, NULL, "cannot open /dev/net/tun for queue %u of %s",
				t->nq, t->name);
	if (ioctl(fd, TUNSETIFF, ifr) < 0 ||
	    (vnet && ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0)) {
		err = -errno;
		close(fd);
		return tun_fail(c, err, NULL, "cannot attach queue %u of %s",
				t->nq, t->name);
	}
	t->qfd[t->nq] = fd;
	return 0;
}

/**
 * tun_configure() - MTU, up, address and routes, in the current namespace
 * @t:		the open device; @t->mtu is set on success
 * @d:		the device's configuration
 * @c:		the device
 * @ifindex:	its interface index
 *
 * Return: 0, or a negative errno (logged, naming the step)
 */
static int tun_configure(struct tun *t, const struct conf_dev *d,
			 const struct tun_ctx *c, unsigned ifindex)
{
	char p[INET_ADDRSTRLEN + 4];
	int nl, err;
	unsigned i;

	nl = nl_open();
	if (nl < 0)
		return tun_fail(c, nl, NULL,
				"cannot open a netlink socket for %s", c->name);

	if (d->mtu) {
		log_debug("%s: setting MTU %u on %s", c->role,
			  (unsigned)d->mtu, c->name);
		err = nl_link_set(nl, ifindex, d->mtu, 0, false);
		if (err) {
			tun_fail(c, err, nl_hint(err), "cannot set MTU %u on %s",
				 (unsigned)d->mtu, c->name);
			goto out;
		}
	}

	err = nl_link_set(nl, ifindex, 0, TUN_TXQLEN, false);
	if (err) {
		tun_fail(c, err, nl_hint(err), "cannot set the queue length of %s",
			 c->name);
		goto out;
	}

	log_debug("%s: bringing up %s", c->role, c->name);
	err = nl_link_set(nl, ifindex, 0, 0, true);
	if (err) {
		tun_fail(c, err, nl_hint(err), "cannot bring up %s", c->name);
		goto out;
	}

	if (d->has_address) {
		prefix_str(&d->address, p, sizeof(p));
		log_debug("%s: adding address %s to %s", c->role, p, c->name);
		err = nl_addr_add(nl, ifindex, d->address.addr,
				  d->address.len);
		if (err) {
			tun_fail(c, err, nl_hint(err), "cannot add address %s to %s",
				 p, c->name);
			goto out;
		}
	}

	for (i = 0; i < d->nroutes; i++) {
		prefix_str(&d->routes[i], p, sizeof(p));
		log_debug("%s: adding route %s via %s", c->role, p, c->name);
		err = nl_route_add(nl, ifindex, d->routes[i].addr,
				   d->routes[i].len);
		if (err) {
			tun_fail(c, err, nl_hint(err), "cannot add route %s via %s",
				 p, c->name);
			goto out;
		}
	}

	err = nl_link_get_mtu(nl, ifindex, &t->mtu);
	if (err) {
		tun_fail(c, err, NULL, "cannot read the MTU of %s", c->name);
		goto out;
	}
	t->nl = nl;
	t->ifindex = ifindex;
	return 0;
out:
	nl_close(nl);
	return err;
}

int tun_open(struct tun *t, const struct conf_dev *d, const char *role,
	     bool vnet, const struct links_side *links, unsigned workers,
	     unsigned fair)
{
	struct tun_ctx c = { .role = role, .name = d->name,
			     .netns = d->netns };
	char p[INET_ADDRSTRLEN + 4] = "";
	unsigned ifindex = 0;
	int self = -1;
	int err, err2;

	memset(t, 0, sizeof(*t));
	t->fd = -1;
	t->nl = -1;

	if (d->netns[0]) {
		err = ns_enter(&c, &self);
		if (err)
			return err;
	}

	err = tun_attach(t, d, &c, &ifindex, vnet, workers, workers * fair);
	if (!err)
		err = tun_configure(t, d, &c, ifindex);
	if (!err && links)
		err = links_setup(links, ifindex, t->name);

	if (self >= 0) {
		err2 = ns_leave(&c, self);
		if (!err)
			err = err2;
	}
	if (err) {
		tun_close(t);
		return err;
	}

	if (d->has_address)
		prefix_str(&d->address, p, sizeof(p));
	log_info("%s: %s %s in %s%s, mtu %u, %u queue%s of %u%s%s, %u route%s",
		 role, t->created ? "created" : "attached to persistent",
		 t->name, ns_pre(&c), c.netns, t->mtu, t->nq,
		 t->nq > 1 ? "s" : "", TUN_TXQLEN,
		 p[0] ? ", address " : "", p,
		 d->nroutes, d->nroutes == 1 ? "" : "s");
	return 0;
}

int tun_links_check(const struct conf_dev *d, const char *role,
		    const struct links_side *links)
{
	struct tun_ctx c = { .role = role, .name = d->name,
			     .netns = d->netns };
	int self = -1;
	int err, err2;

	if (!links->n)
		return 0;
	if (d->netns[0]) {
		err = ns_enter(&c, &self);
		if (err)
			return err;
	}
	err = links_check(links);
	if (self >= 0) {
		err2 = ns_leave(&c, self);
		if (!err)
			err = err2;
	}
	return err;
}

static const unsigned offload_sets[] = {
	TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN | TUN_F_USO4 |
		TUN_F_USO6,
	TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN,
	TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6,
	TUN_F_CSUM,
	0,
};

int tun_offload_set(struct tun *t, unsigned flags)
{
	if (ioctl(t->fd, TUNSETOFFLOAD, (unsigned long)flags) < 0)
		return -errno;
	t->offload = flags;
	return 0;
}

unsigned tun_offload_best(struct tun *t)
{
	unsigned i;

	for (i = 0; i < sizeof(offload_sets) / sizeof(offload_sets[0]); i++)
		if (!tun_offload_set(t, offload_sets[i]))
			return offload_sets[i];
	return 0;
}

const char *tun_offload_str(unsigned flags, char *buf, size_t len)
{
	static const struct {
		unsigned flag;
		const char *name;
	} names[] = {
		{ TUN_F_CSUM, "csum" }, { TUN_F_TSO4, "tso4" },
		{ TUN_F_TSO6, "tso6" }, { TUN_F_TSO_ECN, "tso-ecn" },
		{ TUN_F_USO4, "uso4" }, { TUN_F_USO6, "uso6" },
	};
	size_t off = 0;
	unsigned i;

	buf[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (flags & names[i].flag && off < len)
			off += (size_t)snprintf(buf + off, len - off, "%s%s",
						off ? " " : "", names[i].name);
	if (!off)
		snprintf(buf, len, "none");
	return buf;
}

void tun_close(struct tun *t)
{
	unsigned i;

	for (i = 1; i < t->nq; i++)
		close(t->qfd[i]);
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	t->nq = 0;
	nl_close(t->nl);
	t->nl = -1;
}

int tun_queue_drops(const struct tun *t, uint64_t *drops)
{
	if (t->nl < 0)
		return -EBADF;
	return nl_link_get_tx_dropped(t->nl, t->ifindex, drops);
}
