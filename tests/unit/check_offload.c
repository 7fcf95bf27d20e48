/* SPDX-License-Identifier: MIT */
/* check_offload.c - packets with virtio-net headers: partial checksums,
 * superpackets, and the software slow path (gso.c)
 *
 * A NEEDS_CSUM packet's transport checksum field holds only the folded,
 * uncomplemented pseudo-header sum; the device that finally sends it sums
 * the segment over it.  So the NAT must fold address changes into that
 * field without the complement, and leave port and payload changes out.
 * Each test builds the packet the translation should produce from the
 * translated addresses and ports it names (never from the engine's
 * output), puts the pseudo-header sum of those addresses in its field,
 * and compares every byte; where it can, it then finishes the checksum
 * as a device would, to prove the result verifies.
 */

#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CK_MAX_ASSERT_MEM_PRINT_SIZE 1600
#include <check.h>

#include "nat/nat.h"
#include "net/gso.h"
#include "net/ipv4.h"
#include "pktbuild.h"

#define LAN	"10.0.0.2"
#define PUB	"203.0.113.1"
#define SRV	"198.51.100.7"
#define S	1000ULL

static struct nat *n;
static uint32_t pool[1];
static struct pb_buf in, want, scratch;
static struct pkt p;

static void setup(void)
{
	struct nat_config cfg = {
		.addrs = pool, .naddrs = 1, .port_lo = 1, .port_hi = 65535,
		.max_sessions = 1024,
		.tcp_est_ms = 7440 * S, .tcp_open_ms = 240 * S,
		.tcp_close_ms = 240 * S,
		.udp_ms = 300 * S, .icmp_ms = 60 * S, .gre_ms = 300 * S,
		.other_ms = 600 * S,
		.router_addr = pb_addr("192.0.0.8"),
		.icmp_errors_per_s = 100,
		.seed = { 5, 6, 7, 8 },
		.alg[NAT_ALG_PPTP] = { .enabled = true, .ports = { 1723 }, .nports = 1,
			  .max_connections = 4, .max_calls_per_connection = 2,
			  .max_calls_per_host = 4, .max_calls_per_server = 4 },
	};

	pool[0] = pb_addr(PUB);
	n = nat_new(&cfg);
	ck_assert_ptr_nonnull(n);
}

static void teardown(void)
{
	nat_free(n);
}

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = v >> 8;
	b[1] = v & 0xff;
}

/* Folded pseudo-header sum of IPv4 packet @b, as a device expects it. */
static uint16_t pseudo(const uint8_t *b)
{
	size_t hl = (size_t)(b[0] & 0x0f) * 4, l4 = get16(b + 2) - hl;

	return (uint16_t)pb_sum(pb_sum(0, b + 12, 8), (const uint8_t[]){
		0, b[9], (uint8_t)(l4 >> 8), (uint8_t)l4 }, 4);
}

/* The same sum for the addresses @src -> @dst, built from scratch. */
static uint16_t pseudo_of(const char *src, const char *dst, uint8_t proto,
			  size_t l4_len)
{
	uint32_t a[2] = { pb_addr(src), pb_addr(dst) };

	return (uint16_t)pb_sum(pb_sum(0, (const uint8_t *)a, 8),
				(const uint8_t[]){ 0, proto,
						   (uint8_t)(l4_len >> 8),
						   (uint8_t)l4_len }, 4);
}

static unsigned csum_off(uint8_t proto)
{
	return proto == IPPROTO_TCP ? 16 : 6;
}

/* Turn the whole packet @b into its NEEDS_CSUM form. */
static void make_partial(uint8_t *b)
{
	size_t hl = (size_t)(b[0] & 0x0f) * 4;

	put16(b + hl + csum_off(b[9]), pseudo(b));
}

/* Finish the checksum of partial packet @b, as the sending device does. */
static void finish(uint8_t *b)
{
	size_t hl = (size_t)(b[0] & 0x0f) * 4, len = get16(b + 2);
	uint16_t c = (uint16_t)~pb_sum(0, b + hl, len - hl);

	put16(b + hl + csum_off(b[9]), c);
}

static struct pkt_vnet partial_hdr(uint8_t proto)
{
	return (struct pkt_vnet){
		.flags = VNET_NEEDS_CSUM | VNET_DATA_VALID,
		.csum_start = 20, .csum_offset = (uint16_t)csum_off(proto),
		.hdr_len = 40,
	};
}

static enum verdict run(size_t len, enum pkt_dir dir, struct pkt_vnet v)
{
	pkt_init(&p, pb_data(&in), (uint32_t)len, PKT_DATA_MAX, dir);
	p.vnet = v;
	return nat_translate(n, &p, 0);
}

START_TEST(partial_tcp_out_folds_addresses_only)
{
	static const char data[] = "payload bytes, not in the partial sum";
	size_t len, wl;

	/* another host holds port 4000, so this flow's port changes too */
	len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = "10.0.0.3",
		     .dst = SRV }, 4000, 80, TCP_SYN, 1, 0, NULL, 0);
	ck_assert_int_eq(run(len, DIR_OUT, (struct pkt_vnet){ 0 }),
			 VERDICT_FORWARD);

	len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = LAN, .dst = SRV },
		     4000, 80, TCP_SYN, 7, 0, data, sizeof(data));
	make_partial(pb_data(&in));
	ck_assert_int_eq(run(len, DIR_OUT, partial_hdr(IPPROTO_TCP)),
			 VERDICT_FORWARD);
	ck_assert_uint_ne(get16(p.data + 20), 4000);
	/* the field is the pseudo-header sum of PUB -> SRV; the new port
	 * did not go into it */
	ck_assert_uint_eq(get16(p.data + 36),
			  pseudo_of(PUB, SRV, IPPROTO_TCP, 20 + sizeof(data)));
	ck_assert(pb_ip_csum_ok(p.data));
	/* DATA_VALID is a read-side hint and does not travel on */
	ck_assert_uint_eq(p.vnet.flags, VNET_NEEDS_CSUM);
	ck_assert_uint_eq(p.vnet.csum_start, 20);
	ck_assert_uint_eq(p.vnet.csum_offset, 16);
	/* finished by the device, it is exactly the full translation */
	finish(p.data);
	wl = pb_tcp(pb_data(&want), (struct pb_ip){ .src = PUB, .dst = SRV,
		    .ttl = 63 }, get16(p.data + 20), 80, TCP_SYN, 7, 0, data,
		    sizeof(data));
	ck_assert_uint_eq(p.len, wl);
	ck_assert_mem_eq(p.data, pb_data(&want), wl);
}
END_TEST

START_TEST(partial_udp_in_folds_addresses_only)
{
	size_t len, wl;
	uint16_t pport;

	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = "10.0.0.3",
		     .dst = SRV }, 5000, 53, "x", 1);
	ck_assert_int_eq(run(len, DIR_OUT, (struct pkt_vnet){ 0 }),
			 VERDICT_FORWARD);
	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = LAN, .dst = SRV },
		     5000, 53, "x", 1);
	ck_assert_int_eq(run(len, DIR_OUT, (struct pkt_vnet){ 0 }),
			 VERDICT_FORWARD);
	pport = get16(p.data + 20);

	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = SRV, .dst = PUB },
		     53, pport, "reply", 5);
	make_partial(pb_data(&in));
	ck_assert_int_eq(run(len, DIR_IN, partial_hdr(IPPROTO_UDP)),
			 VERDICT_FORWARD);
	ck_assert_uint_eq(get16(p.data + 22), 5000);
	ck_assert_uint_eq(get16(p.data + 26),
			  pseudo_of(SRV, LAN, IPPROTO_UDP, 8 + 5));
	finish(p.data);
	wl = pb_udp(pb_data(&want), (struct pb_ip){ .src = SRV, .dst = LAN,
		    .ttl = 63 }, 53, 5000, "reply", 5);
	ck_assert_mem_eq(p.data, pb_data(&want), wl);
}
END_TEST

/* A TSO superpacket is translated whole: one lookup, headers only. */
START_TEST(tso_superpacket_translated_whole)
{
	static uint8_t data[30000];
	struct pkt_vnet v = partial_hdr(IPPROTO_TCP);
	size_t len, wl, i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13);
	len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = LAN, .dst = SRV },
		     4000, 80, TCP_ACK | TCP_PSH | TCP_FIN, 1, 1, data,
		     sizeof(data));
	make_partial(pb_data(&in));
	v.gso_type = VNET_GSO_TCPV4;
	v.gso_size = 1448;
	ck_assert_int_eq(run(len, DIR_OUT, v), VERDICT_FORWARD);
	ck_assert_uint_eq(p.vnet.gso_type, VNET_GSO_TCPV4);
	ck_assert_uint_eq(p.vnet.gso_size, 1448);
	/* source address and TTL changed, port 4000 kept, field = the
	 * pseudo-header sum of PUB -> SRV */
	wl = pb_tcp(pb_data(&want), (struct pb_ip){ .src = PUB, .dst = SRV,
		    .ttl = 63 }, 4000, 80, TCP_ACK | TCP_PSH | TCP_FIN, 1, 1,
		    data, sizeof(data));
	make_partial(pb_data(&want));
	ck_assert_uint_eq(p.len, wl);
	ck_assert_mem_eq(p.data, pb_data(&want), 40);
	ck_assert_mem_eq(p.data + 40, data, sizeof(data));
	ck_assert(pb_ip_csum_ok(p.data));
	ck_assert_uint_eq(nat_stats(n)->sessions, 1);

	/* and the reply superpacket comes back to LAN, field and all */
	len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = SRV, .dst = PUB },
		     80, 4000, TCP_ACK | TCP_PSH, 1, 30002, data,
		     sizeof(data));
	make_partial(pb_data(&in));
	ck_assert_int_eq(run(len, DIR_IN, v), VERDICT_FORWARD);
	wl = pb_tcp(pb_data(&want), (struct pb_ip){ .src = SRV, .dst = LAN,
		    .ttl = 63 }, 80, 4000, TCP_ACK | TCP_PSH, 1, 30002, data,
		    sizeof(data));
	make_partial(pb_data(&want));
	ck_assert_uint_eq(p.len, wl);
	ck_assert_mem_eq(p.data, pb_data(&want), 40);
	finish(p.data);
	ck_assert(pb_l4_csum_ok(p.data, p.len));
}
END_TEST

START_TEST(bad_offload_header_dropped)
{
	struct pkt_vnet v = partial_hdr(IPPROTO_TCP);
	size_t len;

	len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = LAN, .dst = SRV },
		     4000, 80, TCP_SYN, 1, 0, NULL, 0);
	v.csum_offset = 6;		/* not TCP's checksum field */
	ck_assert_int_eq(run(len, DIR_OUT, v), VERDICT_DROP);
	ck_assert_str_eq(drop_reason_str(p.drop), "bad-offload-header");
	v = partial_hdr(IPPROTO_TCP);
	v.gso_type = VNET_GSO_UDP_L4;	/* a UDP superpacket of TCP */
	v.gso_size = 1000;
	ck_assert_int_eq(run(len, DIR_OUT, v), VERDICT_DROP);
	v.gso_type = VNET_GSO_UDP;	/* legacy UFO */
	ck_assert_int_eq(run(len, DIR_OUT, v), VERDICT_DROP);
	v = (struct pkt_vnet){ .gso_type = VNET_GSO_TCPV4, .gso_size = 100 };
	ck_assert_int_eq(run(len, DIR_OUT, v), VERDICT_DROP);	/* no csum */
}
END_TEST

/* The router's own answers to a superpacket carry no offload header. */
START_TEST(local_packets_have_no_offload_header)
{
	static uint8_t data[20000];
	struct pkt_vnet v = partial_hdr(IPPROTO_TCP);
	size_t len;

	len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = LAN, .dst = SRV,
		     .ttl = 1 }, 4000, 80, TCP_ACK, 1, 1, data, sizeof(data));
	make_partial(pb_data(&in));
	v.gso_type = VNET_GSO_TCPV4;
	v.gso_size = 1448;
	ck_assert_int_eq(run(len, DIR_OUT, v), VERDICT_BACK);
	ck_assert_uint_eq(p.len, 576);
	ck_assert_uint_eq(p.vnet.flags, 0);
	ck_assert_uint_eq(p.vnet.gso_type, 0);
	ck_assert(pb_l4_csum_ok(p.data, p.len));
}
END_TEST

/* An echo request left to offload (ICMP has no pseudo-header: its field
 * holds 0 until the device sums the message) is answered by the router
 * with a reply whose checksum is whole, since the reply has no offload
 * header for a device to finish it. */
START_TEST(partial_echo_to_router_answered_whole)
{
	const struct pkt_vnet v = { .flags = VNET_NEEDS_CSUM, .csum_start = 20,
				    .csum_offset = 2 };
	size_t len, wl;

	len = pb_icmp_query(pb_data(&in), (struct pb_ip){ .src = LAN,
			    .dst = "192.0.0.8" }, 8, 0x1234, 7, "ping", 4);
	put16(pb_data(&in) + 22, 0);
	ck_assert_int_eq(run(len, DIR_OUT, v), VERDICT_BACK);
	ck_assert_uint_eq(p.vnet.flags, 0);
	wl = pb_icmp_query(pb_data(&want), (struct pb_ip){ .src = "192.0.0.8",
			   .dst = LAN }, 0, 0x1234, 7, "ping", 4);
	ck_assert_uint_eq(p.len, wl);
	ck_assert_mem_eq(p.data, pb_data(&want), wl);
}
END_TEST

/* The connection state sees a superpacket's flags: FIN on the last one. */
START_TEST(fin_on_superpacket_closes)
{
	static uint8_t data[8000];
	struct pkt_vnet v = partial_hdr(IPPROTO_TCP);
	size_t len;

	len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = LAN, .dst = SRV },
		     4000, 80, TCP_SYN, 1, 0, NULL, 0);
	ck_assert_int_eq(run(len, DIR_OUT, (struct pkt_vnet){ 0 }),
			 VERDICT_FORWARD);
	len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = SRV, .dst = PUB },
		     80, 4000, TCP_SYN | TCP_ACK, 9, 2, NULL, 0);
	ck_assert_int_eq(run(len, DIR_IN, (struct pkt_vnet){ 0 }),
			 VERDICT_FORWARD);
	len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = LAN, .dst = SRV },
		     4000, 80, TCP_ACK | TCP_FIN, 2, 10, data, sizeof(data));
	make_partial(pb_data(&in));
	v.gso_type = VNET_GSO_TCPV4;
	v.gso_size = 1448;
	ck_assert_int_eq(run(len, DIR_OUT, v), VERDICT_FORWARD);
	len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = SRV, .dst = PUB },
		     80, 4000, TCP_ACK | TCP_FIN, 10, 8003, NULL, 0);
	ck_assert_int_eq(run(len, DIR_IN, (struct pkt_vnet){ 0 }),
			 VERDICT_FORWARD);
	/* FIN both ways: transitory (240 s), not established (7440 s) */
	len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = SRV, .dst = PUB },
		     80, 4000, TCP_ACK, 11, 8003, NULL, 0);
	pkt_init(&p, pb_data(&in), (uint32_t)len, PKT_DATA_MAX, DIR_IN);
	ck_assert_int_eq(nat_translate(n, &p, 240 * S), VERDICT_DROP);
}
END_TEST

/* The PPTP ALG rewrites a Call ID in an offloaded superpacket without
 * touching its checksum field, which does not cover the payload. */
START_TEST(alg_rewrite_in_partial_superpacket)
{
	uint8_t msgs[400] = { 0 };
	struct pkt_vnet v = partial_hdr(IPPROTO_TCP);
	size_t len;

	len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = LAN, .dst = SRV },
		     5000, 1723, TCP_SYN, 99, 0, NULL, 0);
	ck_assert_int_eq(run(len, DIR_OUT, (struct pkt_vnet){ 0 }),
			 VERDICT_FORWARD);
	len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = SRV, .dst = PUB },
		     1723, 5000, TCP_SYN | TCP_ACK, 7, 100, NULL, 0);
	ck_assert_int_eq(run(len, DIR_IN, (struct pkt_vnet){ 0 }),
			 VERDICT_FORWARD);
	/* Start-Control-Connection-Request, then Outgoing-Call-Request with
	 * Call ID 0, which is never used outside */
	put16(msgs, 156);
	put16(msgs + 2, 1);
	memcpy(msgs + 4, "\x1a\x2b\x3c\x4d", 4);
	put16(msgs + 8, 1);
	put16(msgs + 156, 168);
	put16(msgs + 158, 1);
	memcpy(msgs + 160, "\x1a\x2b\x3c\x4d", 4);
	put16(msgs + 164, 7);
	len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = LAN, .dst = SRV },
		     5000, 1723, TCP_ACK | TCP_PSH, 100, 8, msgs, 324);
	make_partial(pb_data(&in));
	v.gso_type = VNET_GSO_TCPV4;
	v.gso_size = 200;
	ck_assert_int_eq(run(len, DIR_OUT, v), VERDICT_FORWARD);
	ck_assert_uint_eq(get16(p.data + 40 + 156 + 12) >> 8, 0);
	ck_assert_uint_ne(get16(p.data + 40 + 156 + 12), 0);
	ck_assert_uint_eq(ipv4_hdr(&p)->saddr, pb_addr(PUB));
	ck_assert_uint_eq(get16(p.data + 36),
			  pseudo_of(PUB, SRV, IPPROTO_TCP, 20 + 324));
	ck_assert_uint_eq(nat_stats(n)->alg[NAT_ALG_PPTP].calls, 1);
}
END_TEST

/* A superpacket whose segments exceed the next hop's MTU: with DF, the
 * sender hears the MTU; without, a TCP one gets smaller segments. */
START_TEST(superpacket_segments_fit_the_mtu)
{
	static uint8_t data[20000];
	struct pkt_vnet v = partial_hdr(IPPROTO_TCP);
	struct nat_config c = {
		.addrs = pool, .naddrs = 1, .port_lo = 1, .port_hi = 65535,
		.max_sessions = 64, .tcp_est_ms = 7440 * S,
		.tcp_open_ms = 240 * S,
		.tcp_close_ms = 240 * S, .udp_ms = 300 * S, .icmp_ms = 60 * S,
		.gre_ms = 300 * S, .other_ms = 600 * S,
		.router_addr = pb_addr("192.0.0.8"), .icmp_errors_per_s = 100,
		.mtu_outside = 1280,
	};
	size_t len;

	nat_free(n);
	n = nat_new(&c);
	ck_assert_ptr_nonnull(n);
	v.gso_type = VNET_GSO_TCPV4;
	v.gso_size = 1448;
	len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = LAN, .dst = SRV,
		     .frag_off = IPV4_DF }, 4000, 80, TCP_ACK, 1, 1, data,
		     sizeof(data));
	make_partial(pb_data(&in));
	ck_assert_int_eq(run(len, DIR_OUT, v), VERDICT_BACK);
	ck_assert_uint_eq(p.data[20], 3);		/* unreachable */
	ck_assert_uint_eq(p.data[21], 4);		/* fragmentation needed */
	ck_assert_uint_eq(get16(p.data + 26), 1280);
	ck_assert_uint_eq(p.vnet.gso_type, 0);
	/* no DF: the segments shrink to 1280 - 40 bytes of payload */
	len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = LAN, .dst = SRV },
		     4000, 80, TCP_ACK, 1, 1, data, sizeof(data));
	make_partial(pb_data(&in));
	ck_assert_int_eq(run(len, DIR_OUT, v), VERDICT_FORWARD);
	ck_assert_uint_eq(p.vnet.gso_size, 1240);
	ck_assert_uint_eq(p.vnet.gso_type, VNET_GSO_TCPV4);
	ck_assert_uint_eq(p.len, len);
}
END_TEST

/* ---- the slow path: gso_segment() ------------------------------------ */

static uint8_t segs[64][2000];
static size_t seg_len[64];
static unsigned nsegs;

static void collect(void *arg, const uint8_t *pkt, size_t len)
{
	ck_assert_uint_lt(nsegs, 64);
	memcpy(segs[nsegs], pkt, len);
	seg_len[nsegs++] = len;
}

START_TEST(gso_tcp_split)
{
	static uint8_t data[3 * 1000 + 123];
	struct pkt sp;
	size_t len, i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);
	len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = PUB, .dst = SRV,
		     .id = 100, .frag_off = IPV4_DF }, 4000, 80,
		     TCP_ACK | TCP_PSH | TCP_FIN | 0x80, 5000, 9, data,
		     sizeof(data));
	make_partial(pb_data(&in));
	pkt_init(&sp, pb_data(&in), (uint32_t)len, PKT_DATA_MAX, DIR_OUT);
	ck_assert_int_eq(ipv4_parse(&sp), DROP_NONE);
	sp.vnet = partial_hdr(IPPROTO_TCP);
	sp.vnet.gso_type = VNET_GSO_TCPV4;
	sp.vnet.gso_size = 1000;
	nsegs = 0;
	ck_assert_uint_eq(gso_segment(&sp, pb_data(&scratch), collect, NULL),
			  4);
	ck_assert_uint_eq(nsegs, 4);
	for (i = 0; i < 4; i++) {
		size_t cnt = i < 3 ? 1000 : 123, wl;
		uint8_t flags = TCP_ACK;

		if (i == 3)
			flags |= TCP_PSH | TCP_FIN;
		if (i == 0)
			flags |= 0x80;		/* CWR on the first only */
		wl = pb_tcp(pb_data(&want), (struct pb_ip){ .src = PUB,
			    .dst = SRV, .id = (uint16_t)(100 + i),
			    .frag_off = IPV4_DF }, 4000, 80, flags,
			    5000 + (uint32_t)(i * 1000), 9, data + i * 1000,
			    cnt);
		ck_assert_uint_eq(seg_len[i], wl);
		ck_assert_mem_eq(segs[i], pb_data(&want), wl);
	}
}
END_TEST

START_TEST(gso_udp_split)
{
	static uint8_t data[2500];
	struct pkt sp;
	size_t len, i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 3);
	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = PUB, .dst = SRV,
		     .id = 7 }, 4000, 443, data, sizeof(data));
	make_partial(pb_data(&in));
	pkt_init(&sp, pb_data(&in), (uint32_t)len, PKT_DATA_MAX, DIR_OUT);
	ck_assert_int_eq(ipv4_parse(&sp), DROP_NONE);
	sp.vnet = partial_hdr(IPPROTO_UDP);
	sp.vnet.gso_type = VNET_GSO_UDP_L4;
	sp.vnet.gso_size = 1200;
	nsegs = 0;
	ck_assert_uint_eq(gso_segment(&sp, pb_data(&scratch), collect, NULL),
			  3);
	for (i = 0; i < 3; i++) {
		size_t cnt = i < 2 ? 1200 : 100;
		size_t wl = pb_udp(pb_data(&want), (struct pb_ip){ .src = PUB,
				   .dst = SRV, .id = (uint16_t)(7 + i) }, 4000,
				   443, data + i * 1200, cnt);

		ck_assert_uint_eq(seg_len[i], wl);
		ck_assert_mem_eq(segs[i], pb_data(&want), wl);
	}
}
END_TEST

START_TEST(gso_none_finishes_checksum)
{
	struct pkt sp;
	size_t len;

	len = pb_udp(pb_data(&want), (struct pb_ip){ .src = PUB, .dst = SRV },
		     4000, 53, "abc", 3);
	memcpy(pb_data(&in), pb_data(&want), len);
	make_partial(pb_data(&in));
	pkt_init(&sp, pb_data(&in), (uint32_t)len, PKT_DATA_MAX, DIR_OUT);
	ck_assert_int_eq(ipv4_parse(&sp), DROP_NONE);
	sp.vnet = partial_hdr(IPPROTO_UDP);
	nsegs = 0;
	ck_assert_uint_eq(gso_segment(&sp, pb_data(&scratch), collect, NULL),
			  1);
	ck_assert_mem_eq(segs[0], pb_data(&want), len);
}
END_TEST

static Suite *offload_suite(void)
{
	Suite *s = suite_create("offload");
	TCase *tc;

	tc = tcase_create("partial_checksum");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, partial_tcp_out_folds_addresses_only);
	tcase_add_test(tc, partial_udp_in_folds_addresses_only);
	tcase_add_test(tc, tso_superpacket_translated_whole);
	tcase_add_test(tc, bad_offload_header_dropped);
	tcase_add_test(tc, local_packets_have_no_offload_header);
	tcase_add_test(tc, partial_echo_to_router_answered_whole);
	tcase_add_test(tc, fin_on_superpacket_closes);
	tcase_add_test(tc, alg_rewrite_in_partial_superpacket);
	tcase_add_test(tc, superpacket_segments_fit_the_mtu);
	suite_add_tcase(s, tc);

	tc = tcase_create("software_segmentation");
	tcase_add_test(tc, gso_tcp_split);
	tcase_add_test(tc, gso_udp_split);
	tcase_add_test(tc, gso_none_finishes_checksum);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(offload_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
