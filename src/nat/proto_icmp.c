/* SPDX-License-Identifier: MIT */
/* proto_icmp.c - ICMP: query identifiers as ports, and error translation
 *
 * Queries (echo, timestamp) are translated like a port-based protocol whose
 * only "port" is the identifier (RFC 5508 REQ-1: endpoint-independent).
 *
 * Errors (destination unreachable, time exceeded, parameter problem) quote
 * the packet that caused them.  An error coming in from outside quotes a
 * packet we sent out, so its embedded source is a public endpoint: it is
 * looked up by that endpoint, then the embedded source and the outer
 * destination are put back to the inside host (RFC 5508 REQ-4).  An error
 * going out from an inside host quotes a packet we delivered to it: the
 * embedded destination and the outer source become the public endpoint
 * (REQ-5).  Errors neither refresh nor end a session (RFC 5508 REQ-6, RFC
 * 4787 REQ-12).  A quoted GRE packet of a PPTP call is found by the Call ID
 * it carries, the remote's in what we sent and the inside peer's in what
 * we delivered, so path MTU discovery works for calls too; a quoted packet
 * of a protocol translated by address only is found by its addresses.  The embedded transport checksum is updated when its field
 * was quoted but never verified (REQ-3c: it often covers data that was cut
 * off); the embedded IPv4 header and the ICMP checksum must verify (REQ-3,
 * REQ-3a).
 */

#include <arpa/inet.h>

#include "../net/csum.h"
#include "../net/gre.h"
#include "nat_int.h"

enum drop_reason proto_icmp_flow(struct pkt *p, struct pkt_flow *f)
{
	struct ipv4_hdr *ip = ipv4_hdr(p);
	struct icmp_hdr *ih = (struct icmp_hdr *)(void *)pkt_l4(p);
	uint16_t id = ih->un.echo.id;

	if (!icmp_is_query(ih->type))
		return DROP_ICMP_TYPE;
	if (p->dir == DIR_OUT)
		flow_key_set(&f->key, SIDE_IN, IPPROTO_ICMP, ip->saddr, id,
			     ip->daddr, 0);
	else
		flow_key_set(&f->key, SIDE_OUT, IPPROTO_ICMP, ip->daddr, id,
			     ip->saddr, 0);
	f->v.port = (uint8_t *)&ih->un.echo.id;
	f->v.csum = (uint8_t *)&ih->check;
	f->v.pseudo = false;
	f->v.udp = false;
	f->v.partial = pkt_csum_partial(p);
	f->klass = CLASS_ICMP;
	f->tcp_flags = 0;
	/* only a request opens a session: a reply answers one */
	f->may_create = p->dir == DIR_OUT && icmp_is_request(ih->type);
	return DROP_NONE;
}

/**
 * struct quoted - the packet an ICMP error quotes
 * @ip:		its IPv4 header
 * @v:		the fields to rewrite; @v.port NULL if its port stays
 * @key:	the session it belongs to
 */
struct quoted {
	struct ipv4_hdr *ip;
	struct l4_view v;
	struct flow_key key;
};

/* The key of a quoted packet with ports: by what we sent (@in: the error
 * came from outside) or by what we delivered. */
static void quoted_ports_key(struct quoted *q, bool in, uint16_t sport,
			     uint16_t dport)
{
	if (in)
		flow_key_set(&q->key, SIDE_OUT, q->ip->proto, q->ip->saddr,
			     sport, q->ip->daddr, dport);
	else
		flow_key_set(&q->key, SIDE_IN, q->ip->proto, q->ip->daddr,
			     dport, q->ip->saddr, sport);
}

/* A quoted GRE packet (first 8 bytes at @l4). */
static enum drop_reason quoted_gre(const struct nat *n, struct quoted *q,
				   uint8_t *l4, bool in)
{
	const struct gre_hdr *g = (const void *)l4;
	uint16_t id = ipv4_load16(l4 + GRE_V1_CALL_ID);

	if (gre_version(g) != 1 || !n->cfg.alg[NAT_ALG_PPTP].enabled)
		return DROP_NONE;	/* by address, as the caller set */
	if (in) {
		/* we sent it with the remote's Call ID, which stays */
		flow_key_set(&q->key, SIDE_GRE_REM, IPPROTO_GRE, q->ip->saddr,
			     0, q->ip->daddr, id);
	} else {
		/* we delivered it with the inside peer's: the remote sent
		 * the translated one */
		flow_key_set(&q->key, SIDE_GRE_IN, IPPROTO_GRE, q->ip->daddr,
			     id, q->ip->saddr, 0);
		q->v.port = l4 + GRE_V1_CALL_ID;
	}
	return DROP_NONE;
}

/* Find the session a quoted packet belongs to; fill @q's key and view. */
static enum drop_reason quoted_parse(const struct nat *n, struct pkt *p,
				     struct quoted *q)
{
	uint8_t *emb = pkt_l4(p) + sizeof(struct icmp_hdr), *l4;
	unsigned avail = p->l4_len - sizeof(struct icmp_hdr), ihl, l4_len;
	bool in = p->dir == DIR_IN;

	q->ip = (struct ipv4_hdr *)(void *)emb;
	if (avail < IPV4_HDR_LEN || (q->ip->ver_ihl >> 4) != 4)
		return DROP_BAD_L4_HDR;
	ihl = ipv4_ihl_len(q->ip);
	/* RFC 5508 REQ-3b: walk past options; RFC 792: 8 bytes follow */
	if (ihl < IPV4_HDR_LEN || ihl + 8 > avail)
		return DROP_BAD_L4_HDR;
	if (csum_fold(csum_add(0, q->ip, ihl)) != 0xffff)
		return DROP_BAD_ICMP_CSUM;
	if (ntohs(q->ip->frag_off) & IPV4_OFFMASK)
		return DROP_FRAGMENT;	/* a later fragment has no ports */
	l4 = emb + ihl;
	l4_len = avail - ihl;
	q->v = (struct l4_view){ 0 };

	switch (q->ip->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP: {
		unsigned csum_off = q->ip->proto == IPPROTO_TCP ? 16 : 6;

		q->v.port = in ? l4 : l4 + 2;
		if (csum_off + 2 <= l4_len)
			q->v.csum = l4 + csum_off;
		q->v.pseudo = true;
		q->v.udp = q->ip->proto == IPPROTO_UDP;
		quoted_ports_key(q, in, ipv4_load16(l4), ipv4_load16(l4 + 2));
		return DROP_NONE;
	}
	case IPPROTO_ICMP:
		/* quoting a request we sent, or a reply we delivered */
		if (!icmp_is_query(l4[0]))
			return DROP_ICMP_NO_SESSION;
		q->v.port = l4 + 4;
		q->v.csum = l4 + 2;
		if (in)
			flow_key_set(&q->key, SIDE_OUT, IPPROTO_ICMP,
				     q->ip->saddr, ipv4_load16(l4 + 4),
				     q->ip->daddr, 0);
		else
			flow_key_set(&q->key, SIDE_IN, IPPROTO_ICMP,
				     q->ip->daddr, ipv4_load16(l4 + 4),
				     q->ip->saddr, 0);
		return DROP_NONE;
	default:
		/* by address only */
		if (in)
			flow_key_set(&q->key, SIDE_OUT, q->ip->proto,
				     q->ip->saddr, 0, q->ip->daddr, 0);
		else
			flow_key_set(&q->key, SIDE_IN, q->ip->proto,
				     q->ip->daddr, 0, q->ip->saddr, 0);
		q->key.kind = KEY_KIND_ADDR;
		if (q->ip->proto == IPPROTO_GRE)
			return quoted_gre(n, q, l4, in);
		return DROP_NONE;
	}
}

/* The sequence number of the TCP segment @q quotes (quoted_parse() made
 * sure its first 8 bytes are there) */
static uint32_t quoted_tcp_seq(const struct quoted *q)
{
	const struct tcp_hdr *th = (const void *)((const uint8_t *)q->ip +
						  ipv4_ihl_len(q->ip));

	return ntohl(th->seq);
}

/**
 * proto_icmp_error() - translate an ICMP error and the packet it quotes
 *
 * Return: VERDICT_FORWARD, or the drop (counted)
 */
enum verdict proto_icmp_error(struct nat *n, struct pkt *p, uint64_t now)
{
	struct icmp_hdr *ih = (struct icmp_hdr *)(void *)pkt_l4(p);
	const struct l4_view none = { 0 };
	struct ipv4_hdr *ip = ipv4_hdr(p);
	uint32_t si, in_addr, pub_addr;
	uint16_t in_port, pub_port;
	enum drop_reason r;
	struct quoted q;

	if (p->frag)
		return nat_drop(n, p, DROP_FRAGMENT);
	if (csum_fold(csum_add(0, ih, p->l4_len)) != 0xffff)
		return nat_drop(n, p, DROP_BAD_ICMP_CSUM);
	r = quoted_parse(n, p, &q);
	if (r)
		return nat_drop(n, p, r);
	/* An error from outside is addressed to whoever sent the quoted
	 * packet.  One from inside may come from an inside router rather
	 * than the host the quoted packet was for: either way its source
	 * becomes the public address. */
	if (p->dir == DIR_IN && ip->daddr != q.ip->saddr)
		return nat_drop(n, p, DROP_ICMP_NO_SESSION);
	si = nat_session_live(n, &q.key, now);
	if (si) {
		const struct nat_session *s = &n->t.s[si];

		/* RFC 5927: the inside host must have sent what it quotes */
		if (p->dir == DIR_IN && s->proto == IPPROTO_TCP &&
		    !proto_tcp_quote_ok(s, quoted_tcp_seq(&q)))
			return nat_drop(n, p, DROP_ICMP_SEQ);
		in_addr = s->in_addr;
		in_port = s->in_port;
		pub_addr = session_pub_addr(&n->t, s);
		pub_port = s->pub_port;
	} else if (p->dir == DIR_OUT && q.key.kind == KEY_KIND_PLAIN &&
		   q.key.proto != IPPROTO_GRE) {
		/* about a packet a filter let in without a session of its
		 * own (endpoint-independent or address-dependent filtering):
		 * the mapping has the whole answer */
		struct flow_key mk = q.key;
		struct nat_mapping m;
		uint32_t mi;

		mk.rem_addr = 0;
		mk.rem_port = 0;
		mi = mapping_find(&n->t, &mk);
		if (!mi)
			return nat_drop(n, p, DROP_ICMP_NO_SESSION);
		m = mapping_get(&n->t, mi);
		in_addr = m.in_addr;
		in_port = m.in_port;
		pub_addr = n->sh->addrs[m.pub_idx];
		pub_port = m.pub_port;
	} else {
		return nat_drop(n, p, DROP_ICMP_NO_SESSION);
	}

	if (p->dir == DIR_IN) {
		nat_set_addr(q.ip, &q.v, &q.ip->saddr, in_addr);
		nat_set_port(&q.v, in_port);
		nat_set_addr(ip, &none, &ip->daddr, in_addr);
	} else {
		nat_set_addr(q.ip, &q.v, &q.ip->daddr, pub_addr);
		nat_set_port(&q.v, pub_port);
		nat_set_addr(ip, &none, &ip->saddr, pub_addr);
	}
	/* many words changed inside the quote: sum the message afresh, a
	 * complete checksum (so no longer one left for offload to finish) */
	ih->check = 0;
	ih->check = csum_buf(ih, p->l4_len);
	p->vnet.flags &= (uint8_t)~VNET_NEEDS_CSUM;
	return VERDICT_FORWARD;
}
