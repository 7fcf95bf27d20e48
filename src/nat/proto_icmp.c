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
 * 4787 REQ-12).  The embedded transport checksum is updated when its field
 * was quoted but never verified (REQ-3c: it often covers data that was cut
 * off); the embedded IPv4 header and the ICMP checksum must verify (REQ-3,
 * REQ-3a).
 */

#include <arpa/inet.h>

#include "../net/csum.h"
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

/* The quoted packet's endpoints and the fields to rewrite in it. */
struct quoted {
	struct ipv4_hdr *ip;
	struct l4_view v;
	struct flow_key key;
};

/* Find the session a quoted packet belongs to; fill @q's key and view. */
static enum drop_reason quoted_parse(struct pkt *p, struct quoted *q)
{
	uint8_t *emb = pkt_l4(p) + sizeof(struct icmp_hdr), *l4;
	unsigned avail = p->l4_len - sizeof(struct icmp_hdr), ihl, l4_len;
	bool in = p->dir == DIR_IN;
	uint16_t sport, dport;

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

		sport = ipv4_load16(l4);
		dport = ipv4_load16(l4 + 2);
		q->v.port = in ? l4 : l4 + 2;
		if (csum_off + 2 <= l4_len)
			q->v.csum = l4 + csum_off;
		q->v.pseudo = true;
		q->v.udp = q->ip->proto == IPPROTO_UDP;
		break;
	}
	case IPPROTO_ICMP:
		/* quoting a request we sent, or a reply we delivered */
		if (!icmp_is_query(l4[0]))
			return DROP_ICMP_NO_SESSION;
		sport = ipv4_load16(l4 + 4);
		dport = 0;
		q->v.port = l4 + 4;
		q->v.csum = l4 + 2;
		if (in)
			flow_key_set(&q->key, SIDE_OUT, IPPROTO_ICMP,
				     q->ip->saddr, sport, q->ip->daddr, 0);
		else
			flow_key_set(&q->key, SIDE_IN, IPPROTO_ICMP,
				     q->ip->daddr, sport, q->ip->saddr, 0);
		return DROP_NONE;
	default:
		return DROP_ICMP_NO_SESSION;
	}
	if (in)
		flow_key_set(&q->key, SIDE_OUT, q->ip->proto, q->ip->saddr,
			     sport, q->ip->daddr, dport);
	else
		flow_key_set(&q->key, SIDE_IN, q->ip->proto, q->ip->daddr,
			     dport, q->ip->saddr, sport);
	return DROP_NONE;
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
	const struct nat_session *s;
	enum drop_reason r;
	struct quoted q;
	uint32_t si;

	if (p->frag)
		return nat_drop(n, p, DROP_FRAGMENT);
	if (csum_fold(csum_add(0, ih, p->l4_len)) != 0xffff)
		return nat_drop(n, p, DROP_BAD_ICMP_CSUM);
	r = quoted_parse(p, &q);
	if (r)
		return nat_drop(n, p, r);
	/* An error from outside is addressed to whoever sent the quoted
	 * packet.  One from inside may come from an inside router rather
	 * than the host the quoted packet was for: either way its source
	 * becomes the public address. */
	if (p->dir == DIR_IN && ip->daddr != q.ip->saddr)
		return nat_drop(n, p, DROP_ICMP_NO_SESSION);
	si = nat_session_live(n, &q.key, now);
	if (!si)
		return nat_drop(n, p, DROP_ICMP_NO_SESSION);
	s = &n->t.s[si];

	if (p->dir == DIR_IN) {
		nat_set_addr(q.ip, &q.v, &q.ip->saddr, s->in_addr);
		nat_set_port(&q.v, s->in_port);
		nat_set_addr(ip, &none, &ip->daddr, s->in_addr);
	} else {
		nat_set_addr(q.ip, &q.v, &q.ip->daddr, s->pub_addr);
		nat_set_port(&q.v, s->pub_port);
		nat_set_addr(ip, &none, &ip->saddr, s->pub_addr);
	}
	/* many words changed inside the quote: sum the message afresh, a
	 * complete checksum (so no longer one left for offload to finish) */
	ih->check = 0;
	ih->check = csum_buf(ih, p->l4_len);
	p->vnet.flags &= (uint8_t)~VNET_NEEDS_CSUM;
	return VERDICT_FORWARD;
}
