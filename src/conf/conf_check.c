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
 *    not the same address.
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
 * in_pool() - report if @addr (host order; from @what, at node @n, or a
 * default if @n is NULL) is in an accepted pool entry; at the later of the
 * two
 */
static void in_pool(struct ctx *x, uint32_t addr, yaml_node_t *n,
		    const char *what)
{
	char b1[PREFIX_BUF], b2[PREFIX_BUF], w[48];
	size_t i;

	for (i = 0; i < x->npool; i++) {
		struct pool_ent *e = &x->pool[i];
		char p[PATH_BUF];

		if (!conf_prefix_overlap(addr, 32, e->addr, e->len))
			continue;
		snprintf(p, sizeof(p), "nat.addresses[%u]", e->idx);
		conf_fmt_prefix(addr, 32, b1);
		conf_fmt_prefix(e->addr, e->len, b2);
		if (n && conf_is_later(n, e->node))
			conf_report(x, n->start_mark, what,
				    "%s is in the pool (%s: %s at %s)", b1, p,
				    b2, pos(e->node, w));
		else if (n)
			conf_report(x, e->node->start_mark, p,
				    "%s includes %s %s (%s)", b2, what, b1,
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
		in_pool(x, ntohl(c->router_addr), r,
			"inside.router-address");
	if (a)
		in_pool(x, ntohl(c->inside.address.addr), a,
			"inside.address");
	if (key_ok(x, rrow) && a &&
	    c->router_addr == c->inside.address.addr)
		report_same(x, ntohl(c->router_addr), a, "inside.address", r,
			    "inside.router-address",
			    "the router must not use the host's address");
}

void conf_cross_check(struct ctx *x)
{
	devices(x);
	router(x);
}
