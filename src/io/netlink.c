/* SPDX-License-Identifier: MIT */
/* netlink.c - a minimal rtnetlink client: link, address and route setup
 *
 * Every request carries NLM_F_ACK and a fresh sequence number.  nl_talk()
 * sends it and reads until the NLMSG_ERROR with that sequence number arrives:
 * error 0 is the ACK, a negative error is the kernel's errno.  Data messages
 * before it (the RTM_NEWLINK answering RTM_GETLINK) go to a callback.  Stale
 * answers (other sequence numbers) and messages not sent by the kernel are
 * skipped.  NETLINK_CAP_ACK keeps error messages short, and NETLINK_EXT_ACK
 * makes the kernel explain its errors; the explanation is logged at debug
 * level.
 */

#include <sys/socket.h>

#include <net/if.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <assert.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "netlink.h"

/* A request is a header, a fixed part and at most three small attributes. */
#define NL_REQ_LEN	256

/*
 * An answer is an ACK or one RTM_NEWLINK of a few KiB; a datagram larger
 * than this is reported as -EMSGSIZE.
 */
#define NL_RECV_LEN	32768

union nl_req {
	struct nlmsghdr nh;
	char b[NL_REQ_LEN];
};

union nl_rbuf {
	struct nlmsghdr nh;
	char b[NL_RECV_LEN];
};

static uint32_t nl_seq;

int nl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int one = 1;
	int nl, err;

	nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl < 0)
		return -errno;
	if (bind(nl, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		close(nl);
		return err;
	}
	/* Both are optional: older kernels only lose detail. */
	setsockopt(nl, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(nl, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	return nl;
}

void nl_close(int nl)
{
	if (nl >= 0)
		close(nl);
}

/* Start a request with a zeroed fixed part of @len bytes; return that part. */
static void *nl_req_init(union nl_req *r, uint16_t type, uint16_t flags,
			 size_t len)
{
	memset(r, 0, sizeof(*r));
	r->nh.nlmsg_len = NLMSG_LENGTH(len);
	r->nh.nlmsg_type = type;
	r->nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	return NLMSG_DATA(&r->nh);
}

/* Append attribute @type with @len bytes of @data; the caller sizes @r. */
static void nl_attr_put(union nl_req *r, unsigned short type,
			const void *data, size_t len)
{
	size_t off = NLMSG_ALIGN(r->nh.nlmsg_len);
	struct rtattr *rta;

	assert(off + RTA_SPACE(len) <= sizeof(r->b));
	rta = (struct rtattr *)(r->b + off);
	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	r->nh.nlmsg_len = off + RTA_SPACE(len);
}

/* Log the kernel's extended ACK message (NLMSGERR_ATTR_MSG), if any. */
static void nl_log_extack(const struct nlmsghdr *nh)
{
	const struct nlmsgerr *e = NLMSG_DATA(nh);
	size_t off = sizeof(*e);
	const struct nlattr *a;
	size_t len;

	if (!(nh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* Without NLM_F_CAPPED the whole request is echoed before the TLVs. */
	if (!(nh->nlmsg_flags & NLM_F_CAPPED) &&
	    e->msg.nlmsg_len >= NLMSG_HDRLEN)
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	off = NLMSG_HDRLEN + NLMSG_ALIGN(off);
	while (off + NLA_HDRLEN <= nh->nlmsg_len) {
		a = (const struct nlattr *)((const char *)nh + off);
		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > nh->nlmsg_len)
			return;
		len = a->nla_len - NLA_HDRLEN;
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG && len) {
			log_debug("netlink: kernel says: %.*s", (int)len,
				  (const char *)a + NLA_HDRLEN);
			return;
		}
		off += NLA_ALIGN(a->nla_len);
	}
}

/**
 * nl_recv() - receive one datagram from the kernel
 * @nl:		socket
 * @buf:	receives the datagram
 *
 * Return: its length (> 0), or a negative errno: -EMSGSIZE if it did not
 * fit (MSG_TRUNC), -EPROTO for an empty one
 */
static int nl_recv(int nl, union nl_rbuf *buf)
{
	struct iovec iov = { .iov_base = buf->b, .iov_len = sizeof(buf->b) };
	struct sockaddr_nl sa;
	struct msghdr msg = {
		.msg_name = &sa, .msg_namelen = sizeof(sa),
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	ssize_t n;

	for (;;) {
		msg.msg_namelen = sizeof(sa);
		n = recvmsg(nl, &msg, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (msg.msg_flags & MSG_TRUNC)
			return -EMSGSIZE;
		if (n == 0)
			return -EPROTO;
		if (msg.msg_namelen == sizeof(sa) && sa.nl_pid == 0)
			return (int)n;
		/* Not from the kernel: ignore it. */
	}
}

/**
 * nl_talk() - send request @r and wait for its ACK
 * @nl:		socket
 * @r:		the request; its sequence number is set here
 * @cb:		called for each data message answering @r, or NULL; returns 0
 *		or a negative errno
 * @arg:	passed to @cb
 *
 * Reads until the NLMSG_ERROR carrying @r's sequence number, even after @cb
 * has failed, so that no answer to @r is left in the socket.
 *
 * Return: 0, the kernel's negative errno, the first error @cb returned, or
 * a negative errno from the socket
 */
static int nl_talk(int nl, union nl_req *r,
		   int (*cb)(const struct nlmsghdr *nh, void *arg), void *arg)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	const struct nlmsgerr *e;
	const struct nlmsghdr *nh;
	union nl_rbuf buf;
	int cb_err = 0;
	uint32_t seq;
	ssize_t sent;
	size_t off;
	int len;

	seq = ++nl_seq;
	r->nh.nlmsg_seq = seq;
	do {
		sent = sendto(nl, r, r->nh.nlmsg_len, 0, (struct sockaddr *)&sa,
			      sizeof(sa));
	} while (sent < 0 && errno == EINTR);
	if (sent < 0)
		return -errno;
	if ((size_t)sent != r->nh.nlmsg_len)
		return -EMSGSIZE;

	for (;;) {
		len = nl_recv(nl, &buf);
		if (len < 0)
			return len;
		/* NLMSG_OK()/NLMSG_NEXT(), without their signedness traps. */
		for (off = 0; off + NLMSG_HDRLEN <= (size_t)len;
		     off += NLMSG_ALIGN(nh->nlmsg_len)) {
			nh = (const struct nlmsghdr *)(buf.b + off);
			if (nh->nlmsg_len < NLMSG_HDRLEN ||
			    nh->nlmsg_len > (size_t)len - off)
				break;
			if (nh->nlmsg_seq != seq)
				continue;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EBADMSG;
				e = NLMSG_DATA(nh);
				if (e->error > 0)
					return -EPROTO;
				if (e->error < 0) {
					nl_log_extack(nh);
					return e->error;
				}
				return cb_err;
			}
			if (nh->nlmsg_type == NLMSG_DONE)
				return cb_err;
			if (nh->nlmsg_type < NLMSG_MIN_TYPE)
				continue;	/* NLMSG_NOOP, NLMSG_OVERRUN */
			if (cb && !cb_err)
				cb_err = cb(nh, arg);
		}
	}
}

int nl_link_set(int nl, unsigned ifindex, unsigned mtu, unsigned txqlen,
		bool up)
{
	struct ifinfomsg *ifi;
	union nl_req r;
	uint32_t v = mtu, q = txqlen;

	ifi = nl_req_init(&r, RTM_NEWLINK, 0, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;
	if (up) {
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
	}
	if (mtu)
		nl_attr_put(&r, IFLA_MTU, &v, sizeof(v));
	if (txqlen)
		nl_attr_put(&r, IFLA_TXQLEN, &q, sizeof(q));
	return nl_talk(nl, &r, NULL, NULL);
}

struct nl_link_info {
	unsigned ifindex;
	bool has_mtu;
	unsigned mtu;
};

/* nl_talk() callback: take IFLA_MTU from the RTM_NEWLINK for our link. */
static int nl_link_cb(const struct nlmsghdr *nh, void *arg)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(nh);
	struct nl_link_info *li = arg;
	const struct rtattr *rta;
	int len;

	if (nh->nlmsg_type != RTM_NEWLINK)
		return 0;
	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return -EBADMSG;
	if ((unsigned)ifi->ifi_index != li->ifindex)
		return 0;
	len = (int)IFLA_PAYLOAD(nh);
	for (rta = IFLA_RTA(ifi); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type != IFLA_MTU)
			continue;
		if (RTA_PAYLOAD(rta) < sizeof(uint32_t))
			return -EBADMSG;
		memcpy(&li->mtu, RTA_DATA(rta), sizeof(uint32_t));
		li->has_mtu = true;
	}
	return 0;
}

int nl_link_get_mtu(int nl, unsigned ifindex, unsigned *mtu)
{
	struct nl_link_info li = { .ifindex = ifindex };
	struct ifinfomsg *ifi;
	union nl_req r;
	int err;

	static_assert(sizeof(li.mtu) == sizeof(uint32_t), "IFLA_MTU is u32");
	ifi = nl_req_init(&r, RTM_GETLINK, 0, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;
	err = nl_talk(nl, &r, nl_link_cb, &li);
	if (err)
		return err;
	if (!li.has_mtu)
		return -EBADMSG;
	*mtu = li.mtu;
	return 0;
}

int nl_addr_add(int nl, unsigned ifindex, uint32_t addr, unsigned prefix_len)
{
	struct ifaddrmsg *ifa;
	union nl_req r;

	if (prefix_len > 32)
		return -EINVAL;
	ifa = nl_req_init(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE,
			  sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefix_len;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	nl_attr_put(&r, IFA_LOCAL, &addr, sizeof(addr));
	nl_attr_put(&r, IFA_ADDRESS, &addr, sizeof(addr));
	return nl_talk(nl, &r, NULL, NULL);
}

int nl_route_add(int nl, unsigned ifindex, uint32_t dst, unsigned prefix_len)
{
	uint32_t oif = ifindex;
	struct rtmsg *rtm;
	union nl_req r;

	if (prefix_len > 32)
		return -EINVAL;
	rtm = nl_req_init(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE,
			  sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = (unsigned char)prefix_len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	if (prefix_len)
		nl_attr_put(&r, RTA_DST, &dst, sizeof(dst));
	nl_attr_put(&r, RTA_OIF, &oif, sizeof(oif));
	return nl_talk(nl, &r, NULL, NULL);
}
