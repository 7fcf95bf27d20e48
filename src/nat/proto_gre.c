/* SPDX-License-Identifier: MIT */
/* proto_gre.c - GRE: PPTP calls keyed by Call ID, other GRE by address
 *
 * Version 1 (PPTP, RFC 2637 4.1) has no ports.  The key field's low half
 * holds the *receiver's* Call ID: GRE from inside carries the outside
 * peer's ID, which is not translated, so only the source address changes;
 * GRE from outside carries the translated ID, by which it finds its call,
 * and gets the inside peer's ID and address back.  Calls are set up by the
 * PPTP ALG (alg_pptp.c); GRE matching no live call is dropped both ways, so
 * a private address never leaves and nothing unsolicited comes in.  GRE
 * has no checksum over the addresses (version 1 has none at all), so only
 * the IPv4 header checksum changes; payload length, sequence and
 * acknowledgment numbers are never touched.
 *
 * Version 0 (RFC 2784/2890) tunnels, and version 1 while the PPTP ALG is
 * off, carry nothing tunnat reads to tell their flows apart: they are
 * translated by address only (proto_other.c), one inside host per
 * (public address, remote address).
 */

#include <arpa/inet.h>

#include "../net/gre.h"
#include "nat_int.h"

static enum verdict gre_call(struct nat *n, struct pkt *p, uint64_t now,
			     bool hairpin)
{
	struct ipv4_hdr *ip = ipv4_hdr(p);
	uint8_t *id = pkt_l4(p) + GRE_V1_CALL_ID;
	const struct l4_view none = { 0 };
	struct nat_session *s;
	struct flow_key k;
	uint32_t si;

	if (p->dir == DIR_OUT)
		flow_key_set(&k, SIDE_IN, IPPROTO_GRE, ip->saddr, 0, ip->daddr,
			     ipv4_load16(id));
	else
		flow_key_set(&k, SIDE_OUT, IPPROTO_GRE, ip->daddr,
			     ipv4_load16(id), ip->saddr, 0);
	si = nat_session_live(n, &k, now);
	if (!si || (n->t.s[si].klass != CLASS_GRE &&
		    n->t.s[si].klass != CLASS_GRE_CLOSING)) {
		/* turned off by a reload: its calls live out their time,
		 * other GRE goes by address */
		if (!n->cfg.alg[NAT_ALG_PPTP].enabled)
			return proto_other(n, p, now, hairpin, CLASS_GRE);
		return nat_drop(n, p, DROP_GRE_NO_CALL);
	}
	s = &n->t.s[si];
	if (s->klass == CLASS_GRE)
		session_refresh(&n->t, si, CLASS_GRE, now);
	if (p->dir == DIR_OUT) {
		nat_set_addr(ip, &none, &ip->saddr, session_pub_addr(&n->t, s));
		return VERDICT_FORWARD;
	}
	nat_set_addr(ip, &none, &ip->daddr, s->in_addr);
	ipv4_store16(id, s->in_port);
	return VERDICT_FORWARD;
}

/**
 * proto_gre() - translate a GRE packet (first fragment or whole)
 * @hairpin:	@p is on the inbound half of a hairpin
 *
 * Return: VERDICT_FORWARD, or the drop (counted)
 */
enum verdict proto_gre(struct nat *n, struct pkt *p, uint64_t now,
		       bool hairpin)
{
	const struct gre_hdr *g = (const void *)pkt_l4(p);

	if (gre_version(g) == 1 && n->alg[NAT_ALG_PPTP].slots)
		return gre_call(n, p, now, hairpin);
	return proto_other(n, p, now, hairpin, CLASS_GRE);
}
