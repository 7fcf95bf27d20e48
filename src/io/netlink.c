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
 *
 * Dumps (NLM_F_DUMP) go through the same nl_talk(): their answers are data
 * messages, one callback each, ended by NLMSG_DONE instead of an ACK.  The
 * dump functions parse each message into a small plain struct (struct
 * nl_rule, struct nl_route, ...) and hand that to their caller, so that no
 * caller reads raw attributes.
 */

#include <sys/socket.h>

#include <net/if.h>

#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <assert.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "netlink.h"

/* A request is a header, a fixed part and a few small attributes. */
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
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	r->nh.nlmsg_len = off + RTA_SPACE(len);
}

/* Start nested attribute @type; return its offset for nl_nest_end(). */
static size_t nl_nest_begin(union nl_req *r, unsigned short type)
{
	size_t off = NLMSG_ALIGN(r->nh.nlmsg_len);

	nl_attr_put(r, type, NULL, 0);
	return off;
}

/* Close the nested attribute that starts at @off around what follows it. */
static void nl_nest_end(union nl_req *r, size_t off)
{
	struct rtattr *rta = (struct rtattr *)(r->b + off);

	rta->rta_len = (unsigned short)(r->nh.nlmsg_len - off);
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
			if (nh->nlmsg_type == NLMSG_DONE) {
				/* a dump that failed ends with its errno */
				int done = 0;

				if (nh->nlmsg_len >= NLMSG_LENGTH(sizeof(done)))
					memcpy(&done, NLMSG_DATA(nh),
					       sizeof(done));
				return done < 0 ? done : cb_err;
			}
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
	bool has_stats;
	uint64_t tx_dropped;
};

/* nl_talk() callback: take IFLA_MTU and IFLA_STATS64's tx_dropped from the
 * RTM_NEWLINK for our link. */
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
		if (rta->rta_type == IFLA_STATS64) {
			struct rtnl_link_stats64 st;

			if (RTA_PAYLOAD(rta) < sizeof(st))
				return -EBADMSG;
			memcpy(&st, RTA_DATA(rta), sizeof(st));
			li->tx_dropped = st.tx_dropped;
			li->has_stats = true;
			continue;
		}
		if (rta->rta_type != IFLA_MTU)
			continue;
		if (RTA_PAYLOAD(rta) < sizeof(uint32_t))
			return -EBADMSG;
		memcpy(&li->mtu, RTA_DATA(rta), sizeof(uint32_t));
		li->has_mtu = true;
	}
	return 0;
}

int nl_link_get_tx_dropped(int nl, unsigned ifindex, uint64_t *drops)
{
	struct nl_link_info li = { .ifindex = ifindex };
	struct ifinfomsg *ifi;
	union nl_req r;
	int err;

	ifi = nl_req_init(&r, RTM_GETLINK, 0, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;
	err = nl_talk(nl, &r, nl_link_cb, &li);
	if (err)
		return err;
	if (!li.has_stats)
		return -EBADMSG;
	*drops = li.tx_dropped;
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

/**
 * nl_parse() - index the attributes of a message by type
 * @rta:	first attribute
 * @len:	bytes from @rta to the end of the message
 * @tb:		@max + 1 slots, cleared here; tb[type] is the last
 *		attribute of each type up to @max, or NULL
 *
 * Stops at the first malformed attribute, as RTA_OK() does.
 */
static void nl_parse(const struct rtattr *rta, int len,
		     const struct rtattr **tb, unsigned max)
{
	memset(tb, 0, (max + 1) * sizeof(*tb));
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type <= max)
			tb[rta->rta_type] = rta;
}

/* The u32 in attribute @rta, or @dflt if it is missing or too short. */
static uint32_t nl_u32(const struct rtattr *rta, uint32_t dflt)
{
	uint32_t v;

	if (!rta || RTA_PAYLOAD(rta) < sizeof(v))
		return dflt;
	memcpy(&v, RTA_DATA(rta), sizeof(v));
	return v;
}

/* Send dump request @r (flags set here) and feed each answer to @cb. */
static int nl_dump(int nl, union nl_req *r,
		   int (*cb)(const struct nlmsghdr *nh, void *arg), void *arg)
{
	r->nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	return nl_talk(nl, r, cb, arg);
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

int nl_route_default(int nl, const struct nl_route *r, bool del)
{
	uint32_t oif = r->oif, table = r->table, metric = r->metric;
	struct rtmsg *rtm;
	union nl_req q;

	if (!table || (r->family != AF_INET && r->family != AF_INET6))
		return -EINVAL;
	rtm = nl_req_init(&q, del ? RTM_DELROUTE : RTM_NEWROUTE,
			  del ? 0 : NLM_F_CREATE | NLM_F_REPLACE,
			  sizeof(*rtm));
	rtm->rtm_family = (unsigned char)r->family;
	rtm->rtm_table = table < 256 ? (unsigned char)table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = r->protocol;
	rtm->rtm_type = r->type;
	rtm->rtm_scope = r->type == RTN_UNICAST ? RT_SCOPE_LINK
						: RT_SCOPE_UNIVERSE;
	nl_attr_put(&q, RTA_TABLE, &table, sizeof(table));
	nl_attr_put(&q, RTA_PRIORITY, &metric, sizeof(metric));
	if (r->type == RTN_UNICAST)
		nl_attr_put(&q, RTA_OIF, &oif, sizeof(oif));
	return nl_talk(nl, &q, NULL, NULL);
}

struct nl_route_walk {
	int (*cb)(const struct nl_route *r, void *arg);
	void *arg;
};

/* nl_talk() callback: one RTM_NEWROUTE of a dump, as a struct nl_route. */
static int nl_route_cb(const struct nlmsghdr *nh, void *arg)
{
	const struct rtmsg *rtm = NLMSG_DATA(nh);
	const struct rtattr *tb[RTA_MAX + 1];
	struct nl_route_walk *w = arg;
	struct nl_route r;

	if (nh->nlmsg_type != RTM_NEWROUTE)
		return 0;
	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)))
		return -EBADMSG;
	nl_parse(RTM_RTA(rtm), (int)RTM_PAYLOAD(nh), tb, RTA_MAX);
	r = (struct nl_route){
		.family = rtm->rtm_family,
		.table = nl_u32(tb[RTA_TABLE], rtm->rtm_table),
		.type = rtm->rtm_type,
		.protocol = rtm->rtm_protocol,
		.oif = nl_u32(tb[RTA_OIF], 0),
		.metric = nl_u32(tb[RTA_PRIORITY], 0),
		.dst_len = rtm->rtm_dst_len,
	};
	return w->cb(&r, w->arg);
}

int nl_route_dump(int nl, int family,
		  int (*cb)(const struct nl_route *r, void *arg), void *arg)
{
	struct nl_route_walk w = { .cb = cb, .arg = arg };
	struct rtmsg *rtm;
	union nl_req q;

	rtm = nl_req_init(&q, RTM_GETROUTE, 0, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)family;
	return nl_dump(nl, &q, nl_route_cb, &w);
}

int nl_rule_change(int nl, const struct nl_rule *r, bool del)
{
	uint32_t prio = r->priority, table = r->table;
	struct fib_rule_hdr *frh;
	union nl_req q;

	if (!table || (r->family != AF_INET && r->family != AF_INET6))
		return -EINVAL;
	frh = nl_req_init(&q, del ? RTM_DELRULE : RTM_NEWRULE,
			  del ? 0 : NLM_F_CREATE | NLM_F_EXCL, sizeof(*frh));
	frh->family = (unsigned char)r->family;
	frh->table = table < 256 ? (unsigned char)table : RT_TABLE_UNSPEC;
	frh->action = FR_ACT_TO_TBL;
	nl_attr_put(&q, FRA_PRIORITY, &prio, sizeof(prio));
	nl_attr_put(&q, FRA_TABLE, &table, sizeof(table));
	nl_attr_put(&q, FRA_PROTOCOL, &r->protocol, sizeof(r->protocol));
	if (r->iifname[0])
		nl_attr_put(&q, FRA_IIFNAME, r->iifname,
			    strnlen(r->iifname, IFNAMSIZ - 1) + 1);
	return nl_talk(nl, &q, NULL, NULL);
}

struct nl_rule_walk {
	int (*cb)(const struct nl_rule *r, void *arg);
	void *arg;
};

/* nl_talk() callback: one RTM_NEWRULE of a dump, as a struct nl_rule. */
static int nl_rule_cb(const struct nlmsghdr *nh, void *arg)
{
	const struct fib_rule_hdr *frh = NLMSG_DATA(nh);
	const struct rtattr *tb[FRA_MAX + 1];
	struct nl_rule_walk *w = arg;
	struct nl_rule r;
	size_t len;

	if (nh->nlmsg_type != RTM_NEWRULE)
		return 0;
	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*frh)))
		return -EBADMSG;
	nl_parse((const struct rtattr *)((const char *)frh +
					 NLMSG_ALIGN(sizeof(*frh))),
		 (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof(*frh))), tb,
		 FRA_MAX);
	r = (struct nl_rule){
		.family = frh->family,
		.priority = nl_u32(tb[FRA_PRIORITY], 0),
		.table = nl_u32(tb[FRA_TABLE], frh->table),
	};
	if (tb[FRA_PROTOCOL] && RTA_PAYLOAD(tb[FRA_PROTOCOL]) >= 1)
		r.protocol = *(const unsigned char *)RTA_DATA(tb[FRA_PROTOCOL]);
	if (tb[FRA_IIFNAME]) {
		len = strnlen(RTA_DATA(tb[FRA_IIFNAME]),
			      RTA_PAYLOAD(tb[FRA_IIFNAME]));
		if (len >= sizeof(r.iifname))
			return -EBADMSG;
		memcpy(r.iifname, RTA_DATA(tb[FRA_IIFNAME]), len);
	}
	return w->cb(&r, w->arg);
}

int nl_rule_dump(int nl, int family,
		 int (*cb)(const struct nl_rule *r, void *arg), void *arg)
{
	struct nl_rule_walk w = { .cb = cb, .arg = arg };
	struct fib_rule_hdr *frh;
	union nl_req q;

	frh = nl_req_init(&q, RTM_GETRULE, 0, sizeof(*frh));
	frh->family = (unsigned char)family;
	return nl_dump(nl, &q, nl_rule_cb, &w);
}

int nl_neigh_proxy(int nl, unsigned ifindex, uint32_t addr,
		   unsigned char protocol, bool del)
{
	struct ndmsg *ndm;
	union nl_req q;

	ndm = nl_req_init(&q, del ? RTM_DELNEIGH : RTM_NEWNEIGH,
			  del ? 0 : NLM_F_CREATE | NLM_F_REPLACE,
			  sizeof(*ndm));
	ndm->ndm_family = AF_INET;
	ndm->ndm_ifindex = (int)ifindex;
	ndm->ndm_flags = NTF_PROXY;
	ndm->ndm_state = NUD_PERMANENT;
	nl_attr_put(&q, NDA_DST, &addr, sizeof(addr));
	nl_attr_put(&q, NDA_PROTOCOL, &protocol, sizeof(protocol));
	return nl_talk(nl, &q, NULL, NULL);
}

struct nl_proxy_walk {
	int (*cb)(unsigned ifindex, uint32_t addr, unsigned char protocol,
		  void *arg);
	void *arg;
};

/* nl_talk() callback: one proxy entry (RTM_NEWNEIGH, NTF_PROXY). */
static int nl_proxy_cb(const struct nlmsghdr *nh, void *arg)
{
	const struct ndmsg *ndm = NLMSG_DATA(nh);
	const struct rtattr *tb[NDA_MAX + 1];
	struct nl_proxy_walk *w = arg;
	unsigned char protocol = 0;
	uint32_t addr;

	if (nh->nlmsg_type != RTM_NEWNEIGH)
		return 0;
	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ndm)))
		return -EBADMSG;
	if (ndm->ndm_family != AF_INET || !(ndm->ndm_flags & NTF_PROXY))
		return 0;
	nl_parse((const struct rtattr *)((const char *)ndm +
					 NLMSG_ALIGN(sizeof(*ndm))),
		 (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof(*ndm))), tb,
		 NDA_MAX);
	if (!tb[NDA_DST] || RTA_PAYLOAD(tb[NDA_DST]) != sizeof(addr))
		return 0;
	memcpy(&addr, RTA_DATA(tb[NDA_DST]), sizeof(addr));
	if (tb[NDA_PROTOCOL] && RTA_PAYLOAD(tb[NDA_PROTOCOL]) >= 1)
		protocol = *(const unsigned char *)RTA_DATA(tb[NDA_PROTOCOL]);
	return w->cb((unsigned)ndm->ndm_ifindex, addr, protocol, w->arg);
}

int nl_neigh_proxy_dump(int nl,
			int (*cb)(unsigned ifindex, uint32_t addr,
				  unsigned char protocol, void *arg),
			void *arg)
{
	struct nl_proxy_walk w = { .cb = cb, .arg = arg };
	struct ndmsg *ndm;
	union nl_req q;

	ndm = nl_req_init(&q, RTM_GETNEIGH, 0, sizeof(*ndm));
	ndm->ndm_family = AF_INET;
	ndm->ndm_flags = NTF_PROXY;	/* asks for the proxy table */
	return nl_dump(nl, &q, nl_proxy_cb, &w);
}

struct nl_addr_walk {
	int (*cb)(unsigned ifindex, uint32_t addr, void *arg);
	void *arg;
};

/* nl_talk() callback: one IPv4 address (RTM_NEWADDR) of a dump. */
static int nl_addr_cb(const struct nlmsghdr *nh, void *arg)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	const struct rtattr *tb[IFA_MAX + 1], *a;
	struct nl_addr_walk *w = arg;
	uint32_t addr;

	if (nh->nlmsg_type != RTM_NEWADDR)
		return 0;
	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)))
		return -EBADMSG;
	if (ifa->ifa_family != AF_INET)
		return 0;
	nl_parse(IFA_RTA(ifa), (int)IFA_PAYLOAD(nh), tb, IFA_MAX);
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a || RTA_PAYLOAD(a) != sizeof(addr))
		return 0;
	memcpy(&addr, RTA_DATA(a), sizeof(addr));
	return w->cb(ifa->ifa_index, addr, w->arg);
}

int nl_addr_dump(int nl, int (*cb)(unsigned ifindex, uint32_t addr,
				   void *arg), void *arg)
{
	struct nl_addr_walk w = { .cb = cb, .arg = arg };
	struct ifaddrmsg *ifa;
	union nl_req q;

	ifa = nl_req_init(&q, RTM_GETADDR, 0, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	return nl_dump(nl, &q, nl_addr_cb, &w);
}

int nl_link_forwarding(int nl, unsigned ifindex)
{
	struct ifinfomsg *ifi;
	size_t spec, inet, conf;
	union nl_req q;
	uint32_t on = 1;

	ifi = nl_req_init(&q, RTM_NEWLINK, 0, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;
	spec = nl_nest_begin(&q, IFLA_AF_SPEC);
	inet = nl_nest_begin(&q, AF_INET);
	conf = nl_nest_begin(&q, IFLA_INET_CONF);
	nl_attr_put(&q, IPV4_DEVCONF_FORWARDING, &on, sizeof(on));
	nl_nest_end(&q, conf);
	nl_nest_end(&q, inet);
	nl_nest_end(&q, spec);
	return nl_talk(nl, &q, NULL, NULL);
}
