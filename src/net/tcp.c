/* SPDX-License-Identifier: MIT */
/* tcp.c - build a TCP reset in the buffer of the segment it answers */

#include <arpa/inet.h>

#include <string.h>

#include "csum.h"
#include "ipv4.h"
#include "tcp.h"

void tcp_reset_build(struct pkt *p)
{
	const struct ipv4_hdr *oip = ipv4_hdr(p);
	const struct tcp_hdr *oth = (const void *)pkt_l4(p);
	uint32_t seg_len = p->l4_len - (oth->doff >> 4) * 4u;
	uint32_t saddr = oip->daddr, daddr = oip->saddr;
	uint8_t tos = oip->tos;
	struct tcp_hdr th;

	if (oth->flags & TCP_SYN)
		seg_len++;
	if (oth->flags & TCP_FIN)
		seg_len++;
	th = (struct tcp_hdr){
		.sport = oth->dport,
		.dport = oth->sport,
		.doff = 5 << 4,
	};
	if (oth->flags & TCP_ACK) {
		th.seq = oth->ack;
		th.flags = TCP_RST;
	} else {
		th.ack = htonl(ntohl(oth->seq) + seg_len);
		th.flags = TCP_RST | TCP_ACK;
	}
	th.check = (uint16_t)~csum_fold(csum_add(csum_pseudo(saddr, daddr,
				IPPROTO_TCP, sizeof(th)), &th, sizeof(th)));
	/* the old header is read above, then overwritten */
	ipv4_header_write(ipv4_hdr(p), tos, IPV4_HDR_LEN + sizeof(th),
			  IPPROTO_TCP, saddr, daddr);
	memcpy(p->data + IPV4_HDR_LEN, &th, sizeof(th));
	p->len = IPV4_HDR_LEN + sizeof(th);
	p->l3_len = IPV4_HDR_LEN;
	p->l4_len = sizeof(th);
	p->frag = 0;
	p->local = true;
	p->vnet = (struct pkt_vnet){ 0 };
}
