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
 *  - inside.router-address and inside.address: not in nat.addresses, and
 *    not the same address;
 *  - every key with an RFC minimum (nat.timeouts, nat.port-holddown):
 *    at least that minimum, unless nat.allow-short-timeouts;
 *  - nat.max-sessions-per-host: at most nat.max-sessions;
 *  - nat.exempt and nat.inside-prefixes: no prefix overlaps the pool
 *    (RFC 4787 REQ-7: inside and outside addresses must not clash).
 */

#include <arpa/inet.h>

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

/* pos() - "line L, column C" of @n, in @buf (48 bytes) */
static const char *pos(const yaml_node_t *n, char *buf)
{
	snprintf(buf, 48, "line %zu, column %zu", n->start_mark.line + 1,
		 n->start_mark.column + 1);
	return buf;
}

/**
 * in_pool() - report if @addr/@len (host order; from @what, at node @n) is
 * in, or overlaps, an accepted pool entry; at the later of the two
 */
static void in_pool(struct ctx *x, uint32_t addr, unsigned len,
		    yaml_node_t *n, const char *what)
{
	char b1[PREFIX_BUF], b2[PREFIX_BUF], w[48];
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
	char b[PREFIX_BUF], w[48];
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
	char w[48];

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
	char w[48];

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

void conf_cross_check(struct ctx *x)
{
	devices(x);
	router(x);
	minimums(x);
	per_host(x);
	prefixes(x, "nat.exempt", x->c->exempt, x->c->nexempt);
	prefixes(x, "nat.inside-prefixes", x->c->inside_prefixes,
		 x->c->ninside_prefixes);
}
