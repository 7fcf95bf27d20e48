/* SPDX-License-Identifier: MIT */
/* rewrite.c - rewrite addresses, ports and TCP options in place
 *
 * Every change to a field is paired with the incremental update of each
 * checksum that covers it (RFC 1624 eqn. 3): the IPv4 header checksum for
 * addresses and TTL, the transport checksum for addresses (through the
 * pseudo-header), ports and options.  Two special cases: a UDP checksum of
 * 0 means "none" and stays 0, and a computed 0 is sent as 0xffff (RFC 768);
 * a partial checksum of an offloaded packet (virtio NEEDS_CSUM) holds only
 * the pseudo-header sum, so only address changes go into it, uncomplemented.
 */

#include <arpa/inet.h>

#include <string.h>

#include "../net/csum.h"
#include "nat_int.h"

#define TCPOPT_EOL	0
#define TCPOPT_NOP	1
#define TCPOPT_MSS	2

static void l4_csum_update(const struct l4_view *v, uint32_t old, uint32_t new,
			   bool wide)
{
	uint16_t c;

	if (!v->csum)
		return;
	c = ipv4_load16(v->csum);
	if (v->partial) {
		/* a running sum, not a checksum: add without complementing */
		c = (uint16_t)~(wide ? csum_update32((uint16_t)~c, old, new)
				     : csum_update16((uint16_t)~c, (uint16_t)old,
						     (uint16_t)new));
		ipv4_store16(v->csum, c);
		return;
	}
	if (v->udp && !c)
		return;		/* RFC 768: the sender computed no checksum */
	c = wide ? csum_update32(c, old, new)
		 : csum_update16(c, (uint16_t)old, (uint16_t)new);
	if (v->udp && !c)
		c = 0xffff;	/* RFC 768: a computed 0 is sent as all ones */
	ipv4_store16(v->csum, c);
}

void nat_set_addr(struct ipv4_hdr *ip, const struct l4_view *v,
		  uint32_t *field, uint32_t addr)
{
	uint32_t old = *field;

	if (old == addr)
		return;
	ip->check = csum_update32(ip->check, old, addr);
	if (v->pseudo)
		l4_csum_update(v, old, addr, true);
	*field = addr;
}

void nat_set_port(const struct l4_view *v, uint16_t port)
{
	uint16_t old;

	if (!v->port)
		return;
	old = ipv4_load16(v->port);
	if (old == port)
		return;
	/* a partial sum covers the pseudo-header only, not the port */
	if (!v->partial)
		l4_csum_update(v, old, port, false);
	ipv4_store16(v->port, port);
}

void nat_set_ip16(struct ipv4_hdr *ip, uint16_t *field, uint16_t val)
{
	if (*field == val)
		return;
	ip->check = csum_update16(ip->check, *field, val);
	*field = val;
}

void nat_flow_ports(struct pkt *p, struct pkt_flow *f, unsigned csum_off)
{
	struct ipv4_hdr *ip = ipv4_hdr(p);
	uint8_t *l4 = pkt_l4(p);
	uint16_t sport = ipv4_load16(l4), dport = ipv4_load16(l4 + 2);

	if (p->dir == DIR_OUT) {
		flow_key_set(&f->key, SIDE_IN, p->proto, ip->saddr, sport,
			     ip->daddr, dport);
		f->v.port = l4;
	} else {
		flow_key_set(&f->key, SIDE_OUT, p->proto, ip->daddr, dport,
			     ip->saddr, sport);
		f->v.port = l4 + 2;
	}
	f->v.csum = l4 + csum_off;
	f->v.pseudo = true;
	f->v.partial = pkt_csum_partial(p);
}

void nat_ttl_decrement(struct ipv4_hdr *ip)
{
	uint16_t old = ipv4_load16(&ip->ttl);

	ip->ttl--;
	ip->check = csum_update16(ip->check, old, ipv4_load16(&ip->ttl));
}

/*
 * The MSS option (RFC 9293 3.2, kind 2, length 4) may sit at any offset
 * among the options, so its two bytes need not be a 16-bit word of the
 * checksummed data: an odd offset changes the two words it straddles.
 */
bool nat_mss_clamp(struct pkt *p, uint16_t mss)
{
	struct tcp_hdr *th = (struct tcp_hdr *)(void *)pkt_l4(p);
	unsigned doff = (th->doff >> 4) * 4u, i = sizeof(*th);
	uint8_t *opt = pkt_l4(p);

	while (i < doff) {
		uint8_t kind = opt[i];
		unsigned len;

		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= doff)
			break;
		len = opt[i + 1];
		if (len < 2 || i + len > doff)
			break;		/* malformed: leave it alone */
		if (kind == TCPOPT_MSS && len == 4) {
			uint16_t cur = (uint16_t)(opt[i + 2] << 8 | opt[i + 3]);
			unsigned at = i + 2;

			if (cur <= mss)
				return false;
			if (!pkt_csum_partial(p)) {
				/* update the words the two bytes sit in */
				unsigned w = at & ~1u;
				uint8_t old[4], new[4];
				uint16_t c = ntohs(th->check), a, b;

				memcpy(old, opt + w, at % 2 ? 4 : 2);
				opt[at] = (uint8_t)(mss >> 8);
				opt[at + 1] = (uint8_t)mss;
				memcpy(new, opt + w, at % 2 ? 4 : 2);
				a = (uint16_t)(old[0] << 8 | old[1]);
				b = (uint16_t)(new[0] << 8 | new[1]);
				c = csum_update16(c, a, b);
				if (at % 2) {
					a = (uint16_t)(old[2] << 8 | old[3]);
					b = (uint16_t)(new[2] << 8 | new[3]);
					c = csum_update16(c, a, b);
				}
				th->check = htons(c);
			} else {
				opt[at] = (uint8_t)(mss >> 8);
				opt[at + 1] = (uint8_t)mss;
			}
			return true;
		}
		i += len;
	}
	return false;
}
