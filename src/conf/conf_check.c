/* SPDX-License-Identifier: MIT */
/* conf_check.c - the rules that involve more than one key, in one place
 *
 * conf_cross_check() runs once the walk has read every key on its own.
 * It looks only at values that were accepted (x->at[] of their row, or
 * the default when the key is absent), so that one bad value is not
 * reported again as a conflict.  Where two keys conflict and both are in
 * the file, the error is reported at the later of the two and names the
 * position of the other, so that it reads as "this one clashes with that
 * one above".  The rules:
 *
 *  - inside.device and outside.device: not the same device in the same
 *    namespace;
 *  - inside.links and outside.links: no link is a TUN device of its
 *    namespace, nor a link of both sides in the same namespace;
 *  - inside.router-address and inside.address: not in nat.addresses, and
 *    not the same address;
 *  - every key with an RFC minimum (nat.timeouts, nat.port-holddown):
 *    at least that minimum, unless nat.allow-short-timeouts;
 *  - nat.max-sessions-per-host: at most nat.max-sessions (its default
 *    lowered to nat.max-sessions when that is smaller);
 *  - nat.exempt and nat.inside-prefixes: no prefix overlaps the pool
 *    (RFC 4787 REQ-7: inside and outside addresses must not clash);
 *  - forwards: ports for tcp and udp only, ranges of equal length, the
 *    public address in the pool, the inside address an inside host (not
 *    the pool, not the router, in nat.inside-prefixes if set), and no two
 *    forwards overlapping on either side.
 */

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "conf_int.h"

/* key_ok() - the key of @row is absent (so at its default) or accepted */
static bool key_ok(const struct ctx *x, size_t row)
{
	return !x->given[row] || x->at[row];
}

#define POS_BUF		48

/* pos() - "line L, column C" of @n, in @buf (POS_BUF bytes) */
static const char *pos(const yaml_node_t *n, char *buf)
{
	snprintf(buf, POS_BUF, "line %zu, column %zu", n->start_mark.line + 1,
		 n->start_mark.column + 1);
	return buf;
}

/**
 * in_pool() - report if @addr/@len (host order; from @what, at node @n,
 * or a default if @n is NULL) is in, or overlaps, an accepted pool entry;
 * at the later of the two
 */
static void in_pool(struct ctx *x, uint32_t addr, unsigned len,
		    yaml_node_t *n, const char *what)
{
	char b1[PREFIX_BUF], b2[PREFIX_BUF], w[POS_BUF];
	bool one = len == 32;
	size_t i;

	for (i = 0; i < x->npool; i++) {
		struct pool_ent *e = &x->pool[i];
		char p[PATH_BUF];

		if (!conf_prefix_overlap(addr, len, e->addr, e->len))
			continue;
		snprintf(p, sizeof(p), "nat.addresses[%u]", e->idx);
		conf_fmt_prefix(addr, len, b1);
		conf_fmt_prefix(e->addr, e->len, b2);
		if (n && conf_is_later(n, e->node))
			conf_report(x, n->start_mark, what,
				    "%s %s the pool (%s: %s at %s)", b1,
				    one ? "is in" : "overlaps", p, b2,
				    pos(e->node, w));
		else if (n)
			conf_report(x, e->node->start_mark, p,
				    "%s %s %s %s (%s)", b2,
				    one ? "includes" : "overlaps", what, b1,
				    pos(n, w));
		else
			conf_report(x, e->node->start_mark, p,
				    "%s includes %s %s (the default)", b2,
				    what, b1);
		return;
	}
}

/**
 * report_same() - @addr is both @what1 (at @n1) and @what2 (at @n2, or the
 * default if @n2 is NULL): report at the later, naming the other, with
 * @why after a colon
 */
static void report_same(struct ctx *x, uint32_t addr, yaml_node_t *n1,
			const char *what1, yaml_node_t *n2,
			const char *what2, const char *why)
{
	char b[PREFIX_BUF], w[POS_BUF];
	bool later;

	conf_fmt_prefix(addr, 32, b);
	if (!n2) {
		conf_report(x, n1->start_mark, what1,
			    "%s is also %s (the default): %s", b, what2, why);
		return;
	}
	later = conf_is_later(n1, n2);
	conf_report(x, (later ? n1 : n2)->start_mark, later ? what1 : what2,
		    "%s is also %s (%s): %s", b, later ? what2 : what1,
		    pos(later ? n2 : n1, w), why);
}

/* devices() - the same device twice, in the same namespace */
static void devices(struct ctx *x)
{
	size_t in = conf_key_index("inside.device");
	size_t out = conf_key_index("outside.device");
	struct config *c = x->c;
	bool out_later;
	yaml_node_t *n, *o;
	char w[POS_BUF];

	if (!x->at[in] || !x->at[out] ||
	    !key_ok(x, conf_key_index("inside.netns")) ||
	    !key_ok(x, conf_key_index("outside.netns")) ||
	    strcmp(c->inside.name, c->outside.name) ||
	    strcmp(c->inside.netns, c->outside.netns))
		return;
	out_later = conf_is_later(x->at[out], x->at[in]);
	n = x->at[out_later ? out : in];
	o = x->at[out_later ? in : out];
	conf_report(x, n->start_mark,
		    out_later ? "outside.device" : "inside.device",
		    "%s is also %s, in the same network namespace (%s)",
		    c->inside.name,
		    out_later ? "inside.device" : "outside.device", pos(o, w));
}

/**
 * links() - a link that is one of the TUN devices of its namespace, or a
 * link of both sides in the same namespace: its packets would be routed
 * into the device they came from, or into two devices at once
 */
static void links(struct ctx *x)
{
	static const char *const side[2] = { "inside", "outside" };
	const struct conf_dev *d[2] = { &x->c->inside, &x->c->outside };
	size_t row[2], dev[2];
	char p[PATH_BUF], w[POS_BUF];
	bool same_ns;
	unsigned s, o, i, j;

	for (s = 0; s < 2; s++) {
		snprintf(p, sizeof(p), "%s.links", side[s]);
		row[s] = conf_key_index(p);
		snprintf(p, sizeof(p), "%s.device", side[s]);
		dev[s] = conf_key_index(p);
	}
	same_ns = key_ok(x, conf_key_index("inside.netns")) &&
		  key_ok(x, conf_key_index("outside.netns")) &&
		  !strcmp(d[0]->netns, d[1]->netns);
	for (s = 0; s < 2; s++) {
		if (!x->at[row[s]])
			continue;
		for (i = 0; i < d[s]->nlinks; i++) {
			yaml_node_t *n = x->items[row[s]][i];

			snprintf(p, sizeof(p), "%s.links[%u]", side[s], i);
			for (o = 0; o < 2; o++) {
				if (!x->at[dev[o]] || (o != s && !same_ns) ||
				    strcmp(d[s]->links[i], d[o]->name))
					continue;
				conf_report(x, n->start_mark, p,
					    "%s is %s.device (%s): a link must be another interface",
					    d[s]->links[i], side[o],
					    pos(x->at[dev[o]], w));
			}
			if (s || !same_ns || !x->at[row[1]])
				continue;
			for (j = 0; j < d[1]->nlinks; j++) {
				yaml_node_t *m = x->items[row[1]][j];
				bool later = conf_is_later(m, n);

				if (strcmp(d[0]->links[i], d[1]->links[j]))
					continue;
				snprintf(p, sizeof(p), "%s.links[%u]",
					 later ? "outside" : "inside",
					 later ? j : i);
				conf_report(x, (later ? m : n)->start_mark, p,
					    "%s is also in %s.links (%s), in the same network namespace",
					    d[0]->links[i],
					    later ? "inside" : "outside",
					    pos(later ? n : m, w));
			}
		}
	}
}

/* router() - inside.router-address and inside.address against the pool */
static void router(struct ctx *x)
{
	size_t rrow = conf_key_index("inside.router-address");
	yaml_node_t *r = x->at[rrow];
	yaml_node_t *a = x->at[conf_key_index("inside.address")];
	struct config *c = x->c;

	if (key_ok(x, rrow))
		in_pool(x, ntohl(c->router_addr), 32, r,
			"inside.router-address");
	if (a)
		in_pool(x, ntohl(c->inside.address.addr), 32, a,
			"inside.address");
	if (key_ok(x, rrow) && a &&
	    c->router_addr == c->inside.address.addr)
		report_same(x, ntohl(c->router_addr), a, "inside.address", r,
			    "inside.router-address",
			    "the router must not use the host's address");
}

/**
 * minimums() - the keys whose RFC minimum applies unless
 * nat.allow-short-timeouts is true; with it, only the key's own floor
 */
static void minimums(struct ctx *x)
{
	bool short_ok = x->c->allow_short_timeouts;
	const struct conf_key *k;
	size_t n, i;

	k = conf_keys(&n);
	for (i = 0; i < n; i++) {
		const struct conf_spec *sp = k[i].spec;
		uint32_t v, floor;
		char why[128];

		if (sp->kind != K_UINT || !sp->rfc_min || !x->at[i])
			continue;
		memcpy(&v, (char *)x->c + sp->off, sizeof(v));
		floor = short_ok ? sp->lo : sp->rfc_min;
		if (v >= floor)
			continue;
		if (short_ok)
			snprintf(why, sizeof(why), "%s", "");
		else
			snprintf(why, sizeof(why),
				 " (%s%snat.allow-short-timeouts: true lowers it to %u)",
				 sp->why ? sp->why : "", sp->why ? "; " : "",
				 sp->lo);
		conf_report_below(x, x->at[i], k[i].name, floor, sp->unit,
				  why);
	}
}

/* per_host() - nat.max-sessions-per-host is at most nat.max-sessions */
static void per_host(struct ctx *x)
{
	size_t prow = conf_key_index("nat.max-sessions-per-host");
	size_t mrow = conf_key_index("nat.max-sessions");
	yaml_node_t *p = x->at[prow], *m = x->at[mrow];
	struct config *c = x->c;
	char w[POS_BUF];

	if (!p && c->max_sessions_per_host > c->max_sessions) {
		/* the default share, above a small table: the whole table,
		 * so that the configuration prints as it behaves, and the
		 * printed file loads again */
		c->max_sessions_per_host = c->max_sessions;
		return;
	}
	if (!p || !key_ok(x, mrow) ||
	    c->max_sessions_per_host <= c->max_sessions)
		return;
	if (!m)
		conf_report(x, p->start_mark, "nat.max-sessions-per-host",
			    "%u is above nat.max-sessions (%u, the default)",
			    c->max_sessions_per_host, c->max_sessions);
	else if (conf_is_later(p, m))
		conf_report(x, p->start_mark, "nat.max-sessions-per-host",
			    "%u is above nat.max-sessions (%u at %s)",
			    c->max_sessions_per_host, c->max_sessions,
			    pos(m, w));
	else
		conf_report(x, m->start_mark, "nat.max-sessions",
			    "%u is below nat.max-sessions-per-host (%u at %s)",
			    c->max_sessions, c->max_sessions_per_host,
			    pos(p, w));
}

/* prefixes() - no prefix of the list @name overlaps the pool */
static void prefixes(struct ctx *x, const char *name,
		     const struct conf_prefix *p, unsigned n)
{
	yaml_node_t **where = x->items[conf_key_index(name)];
	unsigned i;

	for (i = 0; i < n && where; i++) {
		char path[PATH_BUF];
		const yaml_node_t *seq = x->given[conf_key_index(name)];
		yaml_node_item_t *it;
		unsigned idx = 0;

		/* the entry's index in the sequence, for the path */
		for (it = seq->data.sequence.items.start;
		     it < seq->data.sequence.items.top; it++, idx++)
			if (conf_node(x, *it) == where[i])
				break;
		snprintf(path, sizeof(path), "%s[%u]", name, idx);
		in_pool(x, ntohl(p[i].addr), p[i].len, where[i], path);
	}
}

/* proto_name() - "tcp", or "protocol 99" for one without a name */
static const char *proto_name(uint8_t proto, char *buf)
{
	const char *s = conf_name_of(conf_proto_names, proto);

	if (s)
		return s;
	sprintf(buf, "protocol %u", proto);
	return buf;
}

/* fmt_end() - "tcp 203.0.113.1:80-89", "gre 203.0.113.1" */
static const char *fmt_end(uint8_t proto, const struct conf_endpoint *e,
			   char *buf)
{
	char pn[16], b[PREFIX_BUF];
	int n;

	n = sprintf(buf, "%s %s", proto_name(proto, pn),
		    conf_fmt_prefix(e->addr, 32, b));
	if (e->port && e->lo == e->hi)
		sprintf(buf + n, ":%u", e->lo);
	else if (e->port)
		sprintf(buf + n, ":%u-%u", e->lo, e->hi);
	return buf;
}

/*
 * ends_overlap() - two ends of forwards of one protocol, which fwd_shape()
 * accepted, share an address and a port; an end without ports has 0-0,
 * so two address-only ends of one address always overlap
 */
static bool ends_overlap(const struct conf_endpoint *a,
			 const struct conf_endpoint *b)
{
	return a->addr == b->addr && a->lo <= b->hi && b->lo <= a->hi;
}

/**
 * fwd_shape() - the ports of forward @i fit its protocol: both ends with
 * ports, of equal length, for tcp and udp; neither end for the others
 *
 * Return: true if they do
 */
static bool fwd_shape(struct ctx *x, unsigned i)
{
	const struct conf_forward *f = &x->c->forwards[i];
	struct fwd_at *fa = &x->fwd[i];
	bool ports = f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP;
	char p[PATH_BUF], q[QUOTE_BUF], pn[16];
	unsigned side, np, ni;
	bool ok = true;

	for (side = 0; side < 2; side++) {
		const struct conf_endpoint *e = side ? &fa->in_ep : &fa->pub_ep;
		yaml_node_t *n = side ? fa->in : fa->pub;

		if (e->port == ports)
			continue;
		snprintf(p, sizeof(p), "forwards[%u].%s", fa->idx,
			 side ? "inside" : "public");
		conf_node_desc(n, q);
		if (ports)
			conf_report(x, n->start_mark, p,
				    "%s has no port (a %s forward needs ADDR:PORT or ADDR:LO-HI)",
				    q, proto_name(f->proto, pn));
		else
			conf_report(x, n->start_mark, p,
				    "%s has a port, but a %s forward takes an address alone",
				    q, proto_name(f->proto, pn));
		ok = false;
	}
	if (!ok || !ports)
		return ok;
	np = (unsigned)(fa->pub_ep.hi - fa->pub_ep.lo) + 1;
	ni = (unsigned)(fa->in_ep.hi - fa->in_ep.lo) + 1;
	if (np == ni)
		return true;
	snprintf(p, sizeof(p), "forwards[%u].%s", fa->idx,
		 conf_is_later(fa->in, fa->pub) ? "inside" : "public");
	conf_report(x, (conf_is_later(fa->in, fa->pub) ? fa->in :
			fa->pub)->start_mark, p,
		    "public range has %u port%s, inside range has %u", np,
		    np == 1 ? "" : "s", ni);
	return false;
}

/* fwd_public() - the public address of forward @i is in the pool */
static void fwd_public(struct ctx *x, unsigned i)
{
	struct fwd_at *fa = &x->fwd[i];
	char p[PATH_BUF], b[PREFIX_BUF];
	size_t k;

	if (x->pool_bad || !x->npool)
		return;
	for (k = 0; k < x->npool; k++)
		if (conf_prefix_overlap(fa->pub_ep.addr, 32, x->pool[k].addr,
					x->pool[k].len))
			return;
	snprintf(p, sizeof(p), "forwards[%u].public", fa->idx);
	conf_report(x, fa->pub->start_mark, p, "%s is not in nat.addresses",
		    conf_fmt_prefix(fa->pub_ep.addr, 32, b));
}

/**
 * fwd_inside() - the inside address of forward @i is an inside host: not
 * in the pool, not the router, and in nat.inside-prefixes if there are any
 */
static void fwd_inside(struct ctx *x, unsigned i)
{
	size_t rrow = conf_key_index("inside.router-address");
	size_t irow = conf_key_index("nat.inside-prefixes");
	struct fwd_at *fa = &x->fwd[i];
	const struct config *c = x->c;
	char p[PATH_BUF], b[PREFIX_BUF], w[POS_BUF];
	uint32_t a = fa->in_ep.addr;
	unsigned k;

	snprintf(p, sizeof(p), "forwards[%u].inside", fa->idx);
	in_pool(x, a, 32, fa->in, p);
	if (key_ok(x, rrow) && htonl(a) == c->router_addr)
		report_same(x, a, fa->in, p, x->at[rrow],
			    "inside.router-address",
			    "the router is not an inside host");
	if (!c->ninside_prefixes || !x->at[irow])
		return;
	for (k = 0; k < c->ninside_prefixes; k++)
		if (conf_prefix_overlap(a, 32,
					ntohl(c->inside_prefixes[k].addr),
					c->inside_prefixes[k].len))
			return;
	conf_report(x, fa->in->start_mark, p,
		    "%s is not in nat.inside-prefixes (%s)",
		    conf_fmt_prefix(a, 32, b), pos(x->at[irow], w));
}

/**
 * fwd_overlaps() - forward @j against every earlier good one: the same
 * protocol may not share a public address and port, nor an inside address
 * and port; an address-only forward takes every port of its address
 */
static void fwd_overlaps(struct ctx *x, unsigned j, const bool *good)
{
	const struct conf_forward *f = x->c->forwards;
	struct fwd_at *fa = x->fwd;
	char p[PATH_BUF], e1[64], e2[64], w[POS_BUF];
	unsigned i, side;

	for (side = 0; side < 2; side++) {
		for (i = 0; i < j; i++) {
			const struct conf_endpoint *a, *b;
			yaml_node_t *n, *o;

			if (!good[i] || f[i].proto != f[j].proto)
				continue;
			a = side ? &fa[j].in_ep : &fa[j].pub_ep;
			b = side ? &fa[i].in_ep : &fa[i].pub_ep;
			if (!ends_overlap(a, b))
				continue;
			/* a forward given twice: once, for its public end */
			if (side && ends_overlap(&fa[j].pub_ep, &fa[i].pub_ep))
				continue;
			n = side ? fa[j].in : fa[j].pub;
			o = side ? fa[i].in : fa[i].pub;
			snprintf(p, sizeof(p), "forwards[%u].%s", fa[j].idx,
				 side ? "inside" : "public");
			conf_report(x, n->start_mark, p,
				    "%s overlaps forwards[%u] (%s at %s)",
				    fmt_end(f[j].proto, a, e1), fa[i].idx,
				    fmt_end(f[i].proto, b, e2), pos(o, w));
			break;
		}
	}
}

/* forwards() - every rule of forwards; see fwd_*() */
static void forwards(struct ctx *x)
{
	bool good[CONF_FORWARDS_MAX];
	unsigned i;

	for (i = 0; i < x->c->nforwards; i++) {
		good[i] = fwd_shape(x, i);
		if (!good[i])
			continue;
		fwd_public(x, i);
		fwd_inside(x, i);
		fwd_overlaps(x, i, good);
	}
}

/* tcp_timers() - the opening and closing timers not given take
 * nat.timeouts.tcp-transitory's value (RFC 7857 2.1 lets them differ) */
static void tcp_timers(struct ctx *x)
{
	if (!x->given[conf_key_index("nat.timeouts.tcp-opening")])
		x->c->tcp_open_s = x->c->tcp_trans_s;
	if (!x->given[conf_key_index("nat.timeouts.tcp-closing")])
		x->c->tcp_close_s = x->c->tcp_trans_s;
}

void conf_cross_check(struct ctx *x)
{
	tcp_timers(x);
	devices(x);
	links(x);
	router(x);
	minimums(x);
	per_host(x);
	prefixes(x, "nat.exempt", x->c->exempt, x->c->nexempt);
	prefixes(x, "nat.inside-prefixes", x->c->inside_prefixes,
		 x->c->ninside_prefixes);
	forwards(x);
}
