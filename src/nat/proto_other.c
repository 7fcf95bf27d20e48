/* SPDX-License-Identifier: MIT */
/* proto_other.c - protocols translated by address only
 *
 * A protocol without ports (GRE version 0 tunnels, GRE version 1 while the
 * PPTP ALG is off, ESP, SCTP, IP in IP, ...) carries nothing tunnat could
 * tell flows apart by, so its session holds the three addresses alone:
 * one inside host per (protocol, public address, remote address) at a
 * time.  Another inside host sending that protocol to the same remote is
 * refused (DROP_ADDR_IN_USE) until the session idles out (RFC 6888 REQ-1
 * asks for a stated policy; this is it).  Nothing from outside opens such
 * a session, except through a protocol forward, which gives a protocol on
 * a public address to one inside host: packets of it from outside open its
 * sessions, and the host's own packets of it leave from that address.
 */

#include <arpa/inet.h>

#include "nat_int.h"

static void addr_key(struct flow_key *k, enum key_side side, uint8_t proto,
		     uint32_t addr, uint32_t rem)
{
	flow_key_set(k, side, proto, addr, 0, rem, 0);
	k->kind = KEY_KIND_ADDR;
}

/* A session of @p's protocol between @in, @pub and @rem (0 and @why if
 * there is no room). */
static uint32_t addr_session(struct nat *n, const struct pkt *p, uint32_t in,
			     uint32_t pub, uint32_t rem, uint8_t flags,
			     enum nat_class klass, uint64_t now,
			     enum drop_reason *why)
{
	struct nat_session tmpl = {
		.in_addr = in,
		.rem_addr = rem,
		.pub_idx = (uint16_t)nat_pool_index(n, pub),
		.proto = p->proto,
		.klass = (uint8_t)klass,
		.flags = flags,
	};

	return table_session_add(n, 0, &tmpl, now, why);
}

static enum verdict addr_in(struct nat *n, struct pkt *p, uint64_t now,
			    enum nat_class klass)
{
	struct ipv4_hdr *ip = ipv4_hdr(p);
	const struct l4_view none = { 0 };
	const struct nat_forward *f;
	enum drop_reason why;
	struct flow_key k;
	uint32_t si;

	addr_key(&k, SIDE_OUT, p->proto, ip->daddr, ip->saddr);
	si = nat_session_live(n, &k, now);
	if (!si) {
		f = table_forward_of(n, p->proto, ip->daddr, 0);
		if (!f)
			return nat_drop(n, p, DROP_NO_SESSION);
		if (f->nfrom && !prefix_match(f->from, f->nfrom, ip->saddr))
			return nat_drop(n, p, DROP_FORWARD_FROM);
		si = addr_session(n, p, f->in_addr, ip->daddr, ip->saddr,
				  SESS_ADDR | SESS_INBOUND, klass, now, &why);
		if (!si)
			return table_refuse(n, p, why, now);
	} else {
		session_refresh(&n->t, si, klass, now);
	}
	nat_set_addr(ip, &none, &ip->daddr, n->t.s[si].in_addr);
	return VERDICT_FORWARD;
}

static enum verdict addr_out(struct nat *n, struct pkt *p, uint64_t now,
			     enum nat_class klass)
{
	struct ipv4_hdr *ip = ipv4_hdr(p);
	const struct l4_view none = { 0 };
	const struct nat_forward *f;
	enum drop_reason why;
	struct flow_key k;
	uint32_t si, pub;

	addr_key(&k, SIDE_IN, p->proto, ip->saddr, ip->daddr);
	si = nat_session_live(n, &k, now);
	if (si) {
		session_refresh(&n->t, si, klass, now);
		nat_set_addr(ip, &none, &ip->saddr,
			     session_pub_addr(&n->t, &n->t.s[si]));
		return VERDICT_FORWARD;
	}
	f = table_forward_from_inside(n, p->proto, ip->saddr);
	pub = f ? f->pub_addr : n->sh->addrs[nat_pair_index(n, ip->saddr)];
	addr_key(&k, SIDE_OUT, p->proto, pub, ip->daddr);
	if (nat_session_live(n, &k, now))
		return nat_drop(n, p, DROP_ADDR_IN_USE);
	si = addr_session(n, p, ip->saddr, pub, ip->daddr, SESS_ADDR, klass,
			  now, &why);
	if (!si)
		return table_refuse(n, p, why, now);
	nat_set_addr(ip, &none, &ip->saddr, pub);
	return VERDICT_FORWARD;
}

/**
 * proto_other() - translate a packet of a protocol without ports
 * @hairpin:	@p is on the inbound half of a hairpin
 * @klass:	the timeout class of its sessions
 *
 * Return: VERDICT_FORWARD, or the drop (counted)
 */
enum verdict proto_other(struct nat *n, struct pkt *p, uint64_t now,
			 bool hairpin, enum nat_class klass)
{
	(void)hairpin;
	if (p->dir == DIR_IN)
		return addr_in(n, p, now, klass);
	return addr_out(n, p, now, klass);
}
