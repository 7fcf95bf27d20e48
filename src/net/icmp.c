/* SPDX-License-Identifier: MIT */
/* icmp.c - build ICMP errors and echo replies in the packet's own buffer */

#include <arpa/inet.h>

#include <string.h>

#include "csum.h"
#include "icmp.h"
#include "ipv4.h"

bool icmp_error_allowed(const struct pkt *p)
{
	const struct ipv4_hdr *ip = ipv4_hdr(p);

	if (p->frag & PKT_FRAG_LATER)
		return false;
	if (ipv4_addr_martian(ip->saddr))
		return false;
	if (p->proto == IPPROTO_ICMP) {
		const struct icmp_hdr *ih = (const void *)pkt_l4(p);

		if (!icmp_is_query(ih->type))
			return false;
	}
	return true;
}

void icmp_error_build(struct pkt *p, uint8_t type, uint8_t code, uint32_t src,
		      uint32_t info)
{
	const unsigned hdrs = IPV4_HDR_LEN + sizeof(struct icmp_hdr);
	const struct ipv4_hdr *orig = ipv4_hdr(p);
	uint32_t quote = p->len, to = orig->saddr;
	uint8_t tos = orig->tos;
	struct icmp_hdr *ih;

	if (quote > ICMP_ERR_MAX_LEN - hdrs)
		quote = ICMP_ERR_MAX_LEN - hdrs;
	/* the buffer always holds far more than 576 bytes (PKT_DATA_MAX) */
	memmove(p->data + hdrs, p->data, quote);

	ih = (struct icmp_hdr *)(void *)(p->data + IPV4_HDR_LEN);
	*ih = (struct icmp_hdr){ .type = type, .code = code };
	ih->un.unused = info;
	ih->check = csum_buf(ih, sizeof(*ih) + quote);

	p->len = hdrs + quote;
	ipv4_header_write(ipv4_hdr(p), tos, (uint16_t)p->len, IPPROTO_ICMP,
			  src, to);
	p->l3_len = IPV4_HDR_LEN;
	p->l4_len = p->len - IPV4_HDR_LEN;
	p->proto = IPPROTO_ICMP;
	p->frag = 0;
	p->local = true;
	p->vnet = (struct pkt_vnet){ 0 };
}

void icmp_echo_answer(struct pkt *p)
{
	struct ipv4_hdr *ip = ipv4_hdr(p);
	struct icmp_hdr *ih = (struct icmp_hdr *)(void *)pkt_l4(p);
	uint16_t old = ipv4_load16(&ih->type), new;
	uint32_t from = ip->saddr;

	ih->type = ICMP_ECHOREPLY;
	new = ipv4_load16(&ih->type);
	if (pkt_csum_partial(p)) {
		/* left to offload, which the reply will not have: sum it */
		ih->check = 0;
		ih->check = csum_buf(ih, p->l4_len);
	} else {
		ih->check = csum_update16(ih->check, old, new);
	}

	ip->saddr = ip->daddr;
	ip->daddr = from;
	ip->ttl = IPV4_LOCAL_TTL;
	ip->check = 0;
	ip->check = csum_buf(ip, p->l3_len);
	p->local = true;
	p->vnet = (struct pkt_vnet){ 0 };
}
