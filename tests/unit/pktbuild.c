/* SPDX-License-Identifier: MIT */
/* pktbuild.c - craft IPv4 packets with independently computed checksums */

#include <arpa/inet.h>
#include <netinet/in.h>

#include <assert.h>
#include <string.h>

#include "pktbuild.h"

uint32_t pb_addr(const char *dotted)
{
	struct in_addr a;
	int ok = inet_pton(AF_INET, dotted, &a);

	assert(ok == 1);
	return a.s_addr;
}

uint32_t pb_sum(uint32_t sum, const uint8_t *b, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = v >> 8;
	b[1] = v & 0xff;
}

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

size_t pb_ipv4(uint8_t *out, const struct pb_ip *ip, const void *l4,
	       size_t len)
{
	size_t hl = 20 + 4 * ip->opt_words, tot = hl + len;
	uint32_t s = pb_addr(ip->src), d = pb_addr(ip->dst);

	memset(out, 0, hl);
	out[0] = 0x40 | (uint8_t)(hl / 4);
	out[1] = ip->tos;
	put16(out + 2, (uint16_t)tot);
	put16(out + 4, ip->id);
	put16(out + 6, ip->frag_off);
	out[8] = ip->ttl ? ip->ttl : 64;
	out[9] = ip->proto;
	memcpy(out + 12, &s, 4);
	memcpy(out + 16, &d, 4);
	memset(out + 20, 1, hl - 20);		/* NOP options */
	put16(out + 10, (uint16_t)~pb_sum(0, out, hl));
	memmove(out + hl, l4, len);
	return tot;
}

/* Sum of the pseudo-header for a transport segment of @len bytes. */
static uint32_t pseudo_sum(const struct pb_ip *ip, uint8_t proto, size_t len)
{
	uint8_t ph[12];
	uint32_t s = pb_addr(ip->src), d = pb_addr(ip->dst);

	memcpy(ph, &s, 4);
	memcpy(ph + 4, &d, 4);
	ph[8] = 0;
	ph[9] = proto;
	put16(ph + 10, (uint16_t)len);
	return pb_sum(0, ph, sizeof(ph));
}

static size_t udp_build(uint8_t *out, struct pb_ip ip, uint16_t sport,
			uint16_t dport, const void *payload, size_t n,
			bool csum)
{
	uint8_t seg[PKT_DATA_MAX];
	size_t len = 8 + n;

	put16(seg, sport);
	put16(seg + 2, dport);
	put16(seg + 4, (uint16_t)len);
	put16(seg + 6, 0);
	if (n)
		memcpy(seg + 8, payload, n);
	if (csum) {
		uint16_t c = (uint16_t)~pb_sum(pseudo_sum(&ip, IPPROTO_UDP,
							  len), seg, len);

		put16(seg + 6, c ? c : 0xffff);
	}
	ip.proto = IPPROTO_UDP;
	return pb_ipv4(out, &ip, seg, len);
}

size_t pb_udp(uint8_t *out, struct pb_ip ip, uint16_t sport, uint16_t dport,
	      const void *payload, size_t n)
{
	return udp_build(out, ip, sport, dport, payload, n, true);
}

size_t pb_udp_nocsum(uint8_t *out, struct pb_ip ip, uint16_t sport,
		     uint16_t dport, const void *payload, size_t n)
{
	return udp_build(out, ip, sport, dport, payload, n, false);
}

size_t pb_tcp(uint8_t *out, struct pb_ip ip, uint16_t sport, uint16_t dport,
	      uint8_t flags, uint32_t seq, uint32_t ack, const void *payload,
	      size_t n)
{
	return pb_tcp_window(out, ip, sport, dport, flags, seq, ack, 64240,
			     payload, n);
}

size_t pb_tcp_window(uint8_t *out, struct pb_ip ip, uint16_t sport,
		     uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack,
		     uint16_t window, const void *payload, size_t n)
{
	uint8_t seg[PKT_DATA_MAX];
	size_t len = 20 + n;

	memset(seg, 0, 20);
	put16(seg, sport);
	put16(seg + 2, dport);
	put16(seg + 4, (uint16_t)(seq >> 16));
	put16(seg + 6, (uint16_t)seq);
	put16(seg + 8, (uint16_t)(ack >> 16));
	put16(seg + 10, (uint16_t)ack);
	seg[12] = 5 << 4;
	seg[13] = flags;
	put16(seg + 14, window);
	if (n)
		memcpy(seg + 20, payload, n);
	put16(seg + 16, (uint16_t)~pb_sum(pseudo_sum(&ip, IPPROTO_TCP, len),
					  seg, len));
	ip.proto = IPPROTO_TCP;
	return pb_ipv4(out, &ip, seg, len);
}

size_t pb_tcp_syn_opts(uint8_t *out, struct pb_ip ip, uint16_t sport,
		       uint16_t dport, uint8_t flags, const uint8_t *opt,
		       size_t optlen)
{
	return pb_tcp_opts(out, ip, sport, dport, flags, 1, 0, opt, optlen);
}

size_t pb_tcp_opts(uint8_t *out, struct pb_ip ip, uint16_t sport,
		   uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack,
		   const uint8_t *opt, size_t optlen)
{
	uint8_t seg[80];
	size_t len = 20 + optlen;

	assert(optlen % 4 == 0 && optlen <= 40);
	memset(seg, 0, 20);
	put16(seg, sport);
	put16(seg + 2, dport);
	put16(seg + 4, (uint16_t)(seq >> 16));
	put16(seg + 6, (uint16_t)seq);
	put16(seg + 8, (uint16_t)(ack >> 16));
	put16(seg + 10, (uint16_t)ack);
	seg[12] = (uint8_t)((len / 4) << 4);
	seg[13] = flags;
	put16(seg + 14, 65535);
	memcpy(seg + 20, opt, optlen);
	put16(seg + 16, (uint16_t)~pb_sum(pseudo_sum(&ip, IPPROTO_TCP, len),
					  seg, len));
	ip.proto = IPPROTO_TCP;
	return pb_ipv4(out, &ip, seg, len);
}

size_t pb_icmp_query(uint8_t *out, struct pb_ip ip, uint8_t type, uint16_t id,
		     uint16_t seq, const void *payload, size_t n)
{
	uint8_t msg[PKT_DATA_MAX];
	size_t len = 8 + n;

	msg[0] = type;
	msg[1] = 0;
	put16(msg + 2, 0);
	put16(msg + 4, id);
	put16(msg + 6, seq);
	if (n)
		memcpy(msg + 8, payload, n);
	put16(msg + 2, (uint16_t)~pb_sum(0, msg, len));
	ip.proto = IPPROTO_ICMP;
	return pb_ipv4(out, &ip, msg, len);
}

size_t pb_icmp_error(uint8_t *out, struct pb_ip ip, uint8_t type,
		     uint8_t code, uint32_t info, const void *quoted,
		     size_t qlen)
{
	uint8_t msg[PKT_DATA_MAX];
	size_t len = 8 + qlen;

	msg[0] = type;
	msg[1] = code;
	put16(msg + 2, 0);
	put16(msg + 4, (uint16_t)(info >> 16));
	put16(msg + 6, (uint16_t)info);
	memcpy(msg + 8, quoted, qlen);
	put16(msg + 2, (uint16_t)~pb_sum(0, msg, len));
	ip.proto = IPPROTO_ICMP;
	return pb_ipv4(out, &ip, msg, len);
}

size_t pb_fragment(uint8_t *out, const uint8_t *whole, size_t off, size_t n,
		   bool more)
{
	size_t hl = (size_t)(whole[0] & 0x0f) * 4;
	uint16_t frag = (uint16_t)(off / 8) | (more ? 0x2000 : 0);

	assert(off % 8 == 0);
	memcpy(out, whole, hl);
	memcpy(out + hl, whole + hl + off, n);
	put16(out + 2, (uint16_t)(hl + n));
	put16(out + 6, frag);
	put16(out + 10, 0);
	put16(out + 10, (uint16_t)~pb_sum(0, out, hl));
	return hl + n;
}

bool pb_ip_csum_ok(const uint8_t *pkt)
{
	return pb_sum(0, pkt, (size_t)(pkt[0] & 0x0f) * 4) == 0xffff;
}

bool pb_l4_csum_ok(const uint8_t *pkt, size_t len)
{
	size_t hl = (size_t)(pkt[0] & 0x0f) * 4, l4 = len - hl;
	const uint8_t *seg = pkt + hl;
	uint32_t sum = 0;

	switch (pkt[9]) {
	case IPPROTO_UDP:
		if (!get16(seg + 6))
			return true;
		/* fall through */
	case IPPROTO_TCP:
		sum = pb_sum(0, pkt + 12, 8);
		sum = pb_sum(sum, (const uint8_t[]){ 0, pkt[9], l4 >> 8,
						     l4 & 0xff }, 4);
		break;
	case IPPROTO_ICMP:
		break;
	default:
		return true;
	}
	return pb_sum(sum, seg, l4) == 0xffff;
}
