/* SPDX-License-Identifier: MIT */
/* links.c - steer what arrives on a router's links into its TUN devices
 *
 * Theory of operation.  A router in a container or a lab has ordinary
 * links (veth pairs, say eth1 to the LAN and eth2 to the WAN), on which
 * the kernel does ARP and everything else of layer 2.  tunnat translates
 * only what it reads from its TUN devices, so each packet that arrives on
 * a link must be routed into the TUN device of the link's side, and never
 * by the main table (which would forward it untranslated).  Policy
 * routing does exactly that: for a link with interface index I,
 *
 *	ip rule add iif LINK lookup T priority 1000 protocol 116
 *	ip route replace default dev TUN table T metric 0 protocol 116
 *	ip route replace unreachable default table T metric 4294967295 ...
 *
 * with T = LINKS_TABLE_BASE + I, and the same rule and unreachable route
 * for IPv6, which tunnat does not translate.  The local table (priority
 * 0) still comes first, so the router's own addresses answer on the links
 * as before.  Packets that tunnat writes arrive from its TUN devices, to
 * which no rule applies: the main table routes them out of the links.
 *
 * Fail closed.  The unreachable route is added before the route into the
 * TUN device, the rule only after both, and forwarding is turned on for
 * the link last: so from the first packet the rule catches to the last,
 * the table has either the TUN device or nothing else than unreachable.
 * When tunnat stops, a device it created disappears, and the route into it
 * with it; the rule and the unreachable route stay, since tunnat has no
 * privilege left to remove them: the link stays closed until the next
 * start.  Nothing else is ever forwarded from a link.
 *
 * Replace, never pile up.  Every rule, route and proxy entry is tagged
 * with routing protocol LINKS_PROTO.  Routes are replaced (same table and
 * metric); a rule is added only if the same one is not there, and tagged
 * rules for the same link that point elsewhere (the link was deleted and
 * made again, with another index) are deleted once the new one is in
 * place; tagged routes in tables that no tagged rule uses any more are
 * deleted last.  Tagged rules of links that are no longer configured are
 * left, so such a link stays closed (they are listed by "ip rule list
 * protocol 116").
 *
 * Proxy ARP.  The upstream router finds the public addresses by ARP on
 * the outside links.  They are not local addresses (a local address would
 * be answered by the kernel itself, never reach tunnat, and is refused),
 * so each gets a proxy neighbour entry on each outside link.  The kernel
 * answers for it because the address is routed, by the link's rule, into
 * another device, and forwarding is on for the link.
 */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <net/if.h>

#include <linux/rtnetlink.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "links.h"
#include "log.h"
#include "netlink.h"

#define METRIC_LAST	0xffffffffu	/* behind every other route */

/* A link of the side being set up. */
struct link {
	const char *name;
	unsigned ifindex;
	uint32_t table;
};

/* What one setup works with. */
struct links_ctx {
	const struct links_side *s;
	struct link *l;
	int nl;
};

/* A hint for a failed netlink step: only permissions have an obvious one. */
static const char *perm_hint(int err)
{
	return err == -EPERM ? " (needs CAP_NET_ADMIN)" : "";
}

static const char *family_str(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

/* "tunnat's network namespace" or "network namespace PATH", into @buf. */
static const char *ns_str(const struct links_side *s, char *buf, size_t len)
{
	if (!s->netns[0])
		snprintf(buf, len, "tunnat's network namespace");
	else
		snprintf(buf, len, "network namespace %s", s->netns);
	return buf;
}

/* The link of @x named @name, or NULL. */
static const struct link *link_named(const struct links_ctx *x,
				     const char *name)
{
	unsigned i;

	for (i = 0; i < x->s->n; i++)
		if (!strcmp(x->l[i].name, name))
			return &x->l[i];
	return NULL;
}

static const struct link *link_indexed(const struct links_ctx *x,
				       unsigned ifindex)
{
	unsigned i;

	for (i = 0; i < x->s->n; i++)
		if (x->l[i].ifindex == ifindex)
			return &x->l[i];
	return NULL;
}

static bool in_pool(const struct links_side *s, uint32_t addr)
{
	unsigned i;

	for (i = 0; i < s->npool; i++)
		if (s->pool[i] == addr)
			return true;
	return false;
}

/* Find each link's interface index; -ENODEV (logged) for a missing one. */
static int links_resolve(struct links_ctx *x)
{
	const struct links_side *s = x->s;
	char ns[4200];
	unsigned i;
	int err;

	for (i = 0; i < s->n; i++) {
		x->l[i].name = s->names[i];
		x->l[i].ifindex = if_nametoindex(s->names[i]);
		if (!x->l[i].ifindex) {
			err = -errno;
			if (err == -ENODEV)
				log_err("%s: link %s (%s) does not exist in %s",
					s->role, s->names[i], s->key,
					ns_str(s, ns, sizeof(ns)));
			else
				log_err("%s: cannot look up link %s (%s): %s",
					s->role, s->names[i], s->key,
					strerror(-err));
			return err;
		}
		x->l[i].table = LINKS_TABLE_BASE + x->l[i].ifindex;
	}
	return 0;
}

/* nl_addr_dump() callback: refuse a pool address that is local. */
static int local_cb(unsigned ifindex, uint32_t addr, void *arg)
{
	const struct links_ctx *x = arg;
	char a[INET_ADDRSTRLEN], dev[IF_NAMESIZE], ns[4200];

	if (!in_pool(x->s, addr))
		return 0;
	inet_ntop(AF_INET, &addr, a, sizeof(a));
	if (!if_indextoname(ifindex, dev))
		snprintf(dev, sizeof(dev), "#%u", ifindex);
	log_err("%s: public address %s (nat.addresses) is an address of %s in %s: the kernel would answer for it itself; remove it from %s or from the pool",
		x->s->role, a, dev, ns_str(x->s, ns, sizeof(ns)), dev);
	return -EADDRINUSE;
}

/* The unreachable routes, then the route into the TUN device. */
static int links_tables(struct links_ctx *x, unsigned tun,
			const char *tun_name)
{
	static const int families[] = { AF_INET, AF_INET6 };
	unsigned i, f;
	int err;

	for (i = 0; i < x->s->n; i++) {
		const struct link *l = &x->l[i];
		struct nl_route r = {
			.table = l->table,
			.type = RTN_UNREACHABLE,
			.protocol = LINKS_PROTO,
			.metric = METRIC_LAST,
		};

		for (f = 0; f < 2; f++) {
			r.family = families[f];
			err = nl_route_default(x->nl, &r, false);
			if (err == -EAFNOSUPPORT && r.family == AF_INET6)
				continue;	/* a kernel without IPv6 */
			if (err) {
				log_err("%s: cannot add the %s unreachable route of link %s to table %u: %s%s",
					x->s->role, family_str(r.family),
					l->name, l->table, strerror(-err),
					perm_hint(err));
				return err;
			}
		}
		r = (struct nl_route){
			.family = AF_INET,
			.table = l->table,
			.type = RTN_UNICAST,
			.protocol = LINKS_PROTO,
			.oif = tun,
		};
		err = nl_route_default(x->nl, &r, false);
		if (err) {
			log_err("%s: cannot route link %s into %s (table %u): %s%s",
				x->s->role, l->name, tun_name, l->table,
				strerror(-err), perm_hint(err));
			return err;
		}
	}
	return 0;
}

/* Tagged rules of one family, as a dump found them. */
struct rules {
	struct nl_rule *r;
	unsigned n, cap;
	int family;
};

/* nl_rule_dump() callback: keep the tagged rules. */
static int rules_cb(const struct nl_rule *r, void *arg)
{
	struct rules *rs = arg;
	struct nl_rule *g;

	if (r->protocol != LINKS_PROTO || r->family != rs->family)
		return 0;
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? 2 * rs->cap : 16;
		g = realloc(rs->r, rs->cap * sizeof(*g));
		if (!g)
			return -ENOMEM;
		rs->r = g;
	}
	rs->r[rs->n++] = *r;
	return 0;
}

static int rules_read(int nl, int family, struct rules *rs)
{
	rs->n = 0;
	rs->family = family;
	return nl_rule_dump(nl, family, rules_cb, rs);
}

/* Each link's rule in @family; then delete stale tagged rules of links. */
static int links_rules(struct links_ctx *x, int family)
{
	struct rules rs = { 0 };
	unsigned i, j;
	int err;

	err = rules_read(x->nl, family, &rs);
	if (err) {
		log_err("%s: cannot list the %s rules: %s", x->s->role,
			family_str(family), strerror(-err));
		goto out;
	}
	for (i = 0; i < x->s->n; i++) {
		const struct link *l = &x->l[i];
		struct nl_rule want = {
			.family = family,
			.priority = LINKS_RULE_PRIO,
			.table = l->table,
			.protocol = LINKS_PROTO,
		};
		bool have = false;

		memcpy(want.iifname, l->name, strlen(l->name) + 1);
		for (j = 0; j < rs.n && !have; j++)
			have = !strcmp(rs.r[j].iifname, l->name) &&
			       rs.r[j].table == l->table &&
			       rs.r[j].priority == LINKS_RULE_PRIO;
		if (have)
			continue;
		err = nl_rule_change(x->nl, &want, false);
		if (err == -EEXIST)
			err = 0;
		if (err == -EAFNOSUPPORT && family == AF_INET6)
			goto out_ok;
		if (err) {
			log_err("%s: cannot add the %s rule of link %s (table %u): %s%s",
				x->s->role, family_str(family), l->name,
				l->table, strerror(-err), perm_hint(err));
			goto out;
		}
		log_debug("%s: %s rule: iif %s lookup %u", x->s->role,
			  family_str(family), l->name, l->table);
	}
	for (j = 0; j < rs.n; j++) {
		const struct link *l = link_named(x, rs.r[j].iifname);

		if (!l || (rs.r[j].table == l->table &&
			   rs.r[j].priority == LINKS_RULE_PRIO))
			continue;
		err = nl_rule_change(x->nl, &rs.r[j], true);
		if (err && err != -ENOENT) {
			log_err("%s: cannot delete the stale %s rule of link %s (table %u): %s",
				x->s->role, family_str(family), l->name,
				rs.r[j].table, strerror(-err));
			goto out;
		}
		log_debug("%s: deleted a stale %s rule: iif %s lookup %u",
			  x->s->role, family_str(family), l->name,
			  rs.r[j].table);
	}
out_ok:
	err = 0;
out:
	free(rs.r);
	return err;
}

/* Tagged routes to delete: those in tables no tagged rule uses. */
struct gc {
	const struct rules *rs;
	struct nl_route *del;
	unsigned n, cap;
};

static int gc_cb(const struct nl_route *r, void *arg)
{
	struct gc *g = arg;
	struct nl_route *d;
	unsigned i;

	if (r->protocol != LINKS_PROTO || r->dst_len != 0)
		return 0;
	for (i = 0; i < g->rs->n; i++)
		if (g->rs->r[i].table == r->table)
			return 0;
	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 16;
		d = realloc(g->del, g->cap * sizeof(*d));
		if (!d)
			return -ENOMEM;
		g->del = d;
	}
	g->del[g->n++] = *r;
	return 0;
}

/* Delete tagged routes of @family in tables that no tagged rule uses. */
static int links_gc(struct links_ctx *x, int family)
{
	struct rules rs = { 0 };
	struct gc g = { .rs = &rs };
	unsigned i;
	int err;

	err = rules_read(x->nl, family, &rs);
	if (!err)
		err = nl_route_dump(x->nl, family, gc_cb, &g);
	for (i = 0; !err && i < g.n; i++) {
		err = nl_route_default(x->nl, &g.del[i], true);
		if (err == -ESRCH)
			err = 0;
		if (!err)
			log_debug("%s: deleted a stale %s route of table %u",
				  x->s->role, family_str(family),
				  g.del[i].table);
	}
	if (err == -EAFNOSUPPORT && family == AF_INET6)
		err = 0;
	if (err)
		log_err("%s: cannot delete the stale %s routes of earlier links: %s",
			x->s->role, family_str(family), strerror(-err));
	free(g.del);
	free(rs.r);
	return err;
}

/* Tagged proxy entries on the links that are not wanted any more. */
struct stale {
	const struct links_ctx *x;
	struct { unsigned ifindex; uint32_t addr; } *e;
	unsigned n, cap;
};

static int stale_cb(unsigned ifindex, uint32_t addr, unsigned char protocol,
		    void *arg)
{
	struct stale *st = arg;
	const struct links_side *s = st->x->s;
	void *g;

	if (protocol != LINKS_PROTO || !link_indexed(st->x, ifindex) ||
	    (s->proxy_arp && in_pool(s, addr)))
		return 0;
	if (st->n == st->cap) {
		st->cap = st->cap ? 2 * st->cap : 16;
		g = realloc(st->e, st->cap * sizeof(*st->e));
		if (!g)
			return -ENOMEM;
		st->e = g;
	}
	st->e[st->n].ifindex = ifindex;
	st->e[st->n].addr = addr;
	st->n++;
	return 0;
}

/* Proxy entries for the pool on every link; stale tagged ones deleted. */
static int links_proxy(struct links_ctx *x)
{
	const struct links_side *s = x->s;
	struct stale st = { .x = x };
	char a[INET_ADDRSTRLEN];
	unsigned i, j;
	int err = 0;

	for (i = 0; s->proxy_arp && i < s->n; i++) {
		for (j = 0; j < s->npool; j++) {
			err = nl_neigh_proxy(x->nl, x->l[i].ifindex,
					     s->pool[j], LINKS_PROTO, false);
			if (err) {
				inet_ntop(AF_INET, &s->pool[j], a, sizeof(a));
				log_err("%s: cannot answer ARP for %s on %s: %s%s",
					s->role, a, x->l[i].name,
					strerror(-err), perm_hint(err));
				return err;
			}
		}
	}
	err = nl_neigh_proxy_dump(x->nl, stale_cb, &st);
	for (i = 0; !err && i < st.n; i++) {
		err = nl_neigh_proxy(x->nl, st.e[i].ifindex, st.e[i].addr,
				     LINKS_PROTO, true);
		if (err == -ENOENT)
			err = 0;
	}
	if (err)
		log_err("%s: cannot delete the proxy ARP entries no longer wanted: %s",
			s->role, strerror(-err));
	free(st.e);
	return err;
}

int links_check(const struct links_side *s)
{
	struct links_ctx x = { .s = s, .nl = -1 };
	int err;

	if (!s->n)
		return 0;
	x.l = calloc(s->n, sizeof(*x.l));
	if (!x.l) {
		log_err("%s: out of memory", s->role);
		return -ENOMEM;
	}
	err = links_resolve(&x);
	if (err || !s->npool)
		goto out;
	x.nl = nl_open();
	if (x.nl < 0) {
		err = x.nl;
		log_err("%s: cannot open a netlink socket: %s", s->role,
			strerror(-err));
		goto out;
	}
	err = nl_addr_dump(x.nl, local_cb, &x);
	if (err && err != -EADDRINUSE)
		log_err("%s: cannot list the addresses of its network namespace: %s",
			s->role, strerror(-err));
out:
	nl_close(x.nl);
	free(x.l);
	return err;
}

int links_setup(const struct links_side *s, unsigned tun,
		const char *tun_name)
{
	struct links_ctx x = { .s = s, .nl = -1 };
	unsigned i;
	int err;

	if (!s->n)
		return 0;
	x.l = calloc(s->n, sizeof(*x.l));
	if (!x.l) {
		log_err("%s: out of memory", s->role);
		return -ENOMEM;
	}
	err = links_resolve(&x);
	if (err)
		goto out;
	for (i = 0; i < s->n; i++) {
		if (x.l[i].ifindex != tun)
			continue;
		log_err("%s: link %s (%s) is the TUN device itself",
			s->role, x.l[i].name, s->key);
		err = -EINVAL;
		goto out;
	}
	x.nl = nl_open();
	if (x.nl < 0) {
		err = x.nl;
		log_err("%s: cannot open a netlink socket: %s", s->role,
			strerror(-err));
		goto out;
	}

	err = links_tables(&x, tun, tun_name);
	if (!err)
		err = links_rules(&x, AF_INET);
	if (!err)
		err = links_rules(&x, AF_INET6);
	for (i = 0; !err && i <= s->n; i++) {
		unsigned ifindex = i < s->n ? x.l[i].ifindex : tun;

		err = nl_link_forwarding(x.nl, ifindex);
		if (err)
			log_err("%s: cannot turn on forwarding for %s: %s%s",
				s->role, i < s->n ? x.l[i].name : tun_name,
				strerror(-err), perm_hint(err));
	}
	if (!err)
		err = links_proxy(&x);
	if (!err)
		err = links_gc(&x, AF_INET);
	if (!err)
		err = links_gc(&x, AF_INET6);
	if (err)
		goto out;

	for (i = 0; i < s->n; i++)
		log_info("%s: link %s routed into %s (table %u)%s", s->role,
			 x.l[i].name, tun_name, x.l[i].table,
			 s->proxy_arp && s->npool ?
			 ", answering ARP for the public addresses" : "");
out:
	nl_close(x.nl);
	free(x.l);
	return err;
}
