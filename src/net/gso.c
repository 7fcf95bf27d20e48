/* SPDX-License-Identifier: MIT */
/* gso.c - software segmentation and checksum completion */

#include <arpa/inet.h>

#include <string.h>

#include "csum.h"
#include "gso.h"
#include "ipv4.h"

/* Complete the L4 checksum of @len bytes at @pkt, L4 header at @l3. */
static void csum_finish_l4(uint8_t *pkt, size_t len, unsigned l3,
			   uint8_t proto)
{
	const struct ipv4_hdr *ip = (const void *)pkt;
	unsigned off = proto == IPPROTO_TCP ? 16 : proto == IPPROTO_UDP ? 6 : 2;
	uint32_t sum = 0;
	uint16_t c;

	memset(pkt + l3 + off, 0, 2);
	if (proto != IPPROTO_ICMP)
		sum = csum_pseudo(ip->saddr, ip->daddr, proto,
				  (uint16_t)(len - l3));
	c = (uint16_t)~csum_fold(csum_add(sum, pkt + l3, len - l3));
	if (proto == IPPROTO_UDP && !c)
		c = 0xffff;
	memcpy(pkt + l3 + off, &c, 2);
}

static void ip_fix(uint8_t *pkt, unsigned l3, size_t len, uint16_t id)
{
	struct ipv4_hdr *ip = (struct ipv4_hdr *)(void *)pkt;

	ip->tot_len = htons((uint16_t)len);
	ip->id = htons(id);
	ip->check = 0;
	ip->check = csum_buf(ip, l3);
}

void gso_csum_finish(struct pkt *p)
{
	csum_finish_l4(p->data, p->len, p->l3_len, p->proto);
	p->vnet.flags &= (uint8_t)~VNET_NEEDS_CSUM;
}

unsigned gso_segment(const struct pkt *p, uint8_t *out,
		     void (*emit)(void *arg, const uint8_t *pkt, size_t len),
		     void *arg)
{
	const struct ipv4_hdr *ip = (const void *)p->data;
	uint8_t gso = p->vnet.gso_type & (uint8_t)~VNET_GSO_ECN;
	unsigned l3 = p->l3_len, hdr, i, nseg;
	uint32_t payload, mss = p->vnet.gso_size;
	uint16_t id = ntohs(ip->id);

	if (gso == VNET_GSO_NONE) {
		memcpy(out, p->data, p->len);
		if (pkt_csum_partial(p))
			csum_finish_l4(out, p->len, l3, p->proto);
		emit(arg, out, p->len);
		return 1;
	}
	if (gso == VNET_GSO_TCPV4) {
		const struct tcp_hdr *th = (const void *)(p->data + l3);

		hdr = l3 + (th->doff >> 4) * 4u;
	} else if (gso == VNET_GSO_UDP_L4) {
		hdr = l3 + sizeof(struct udp_hdr);
	} else {
		return 0;
	}
	if (p->len <= hdr || !mss)
		return 0;
	payload = p->len - hdr;
	nseg = (payload + mss - 1) / mss;
	for (i = 0; i < nseg; i++) {
		uint32_t off = i * mss;
		uint32_t n = payload - off < mss ? payload - off : mss;
		size_t len = hdr + n;

		memcpy(out, p->data, hdr);
		memcpy(out + hdr, p->data + hdr + off, n);
		ip_fix(out, l3, len, (uint16_t)(id + i));
		if (gso == VNET_GSO_TCPV4) {
			struct tcp_hdr *th = (struct tcp_hdr *)(void *)
					     (out + l3);

			th->seq = htonl(ntohl(th->seq) + off);
			if (i + 1 < nseg)
				th->flags &= (uint8_t)~(TCP_FIN | TCP_PSH);
			if (i)
				th->flags &= (uint8_t)~0x80;	/* CWR */
			csum_finish_l4(out, len, l3, IPPROTO_TCP);
		} else {
			struct udp_hdr *uh = (struct udp_hdr *)(void *)
					     (out + l3);

			uh->len = htons((uint16_t)(len - l3));
			csum_finish_l4(out, len, l3, IPPROTO_UDP);
		}
		emit(arg, out, len);
	}
	return nseg;
}
