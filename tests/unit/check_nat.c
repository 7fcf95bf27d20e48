/* SPDX-License-Identifier: MIT */
/* check_nat.c - the NAPT engine, driven with crafted bytes and a fake clock
 *
 * Each test builds the packet a host would send, translates it, and compares
 * the result byte for byte with the packet the translation should produce,
 * built independently by pktbuild.c; every checksum is then verified again
 * from scratch.  Time is whatever number the test passes.
 */

#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nattest.h"

/* ---- memory ------------------------------------------------------------- */

static unsigned bad_aligned_allocs;

/* The engine's aligned_alloc() calls come here: C11 7.22.3.1 asks for a
 * size that is a multiple of the alignment, and AddressSanitizer refuses
 * any other (glibc does not mind). */
void *aligned_alloc(size_t align, size_t size)
{
	void *mem = NULL;

	if (!align || size % align)
		bad_aligned_allocs++;
	return posix_memalign(&mem, align, size) ? NULL : mem;
}

/* nat_new() (run by the fixture) asked only for whole aligned blocks. */
START_TEST(aligned_alloc_sizes)
{
	ck_assert_uint_eq(bad_aligned_allocs, 0);
}
END_TEST

/* ---- basic translation, byte for byte -------------------------------- */

START_TEST(udp_out_and_back)
{
	size_t len, wlen;

	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = LAN_A, .dst = SRV,
		     .id = 0x1234, .tos = 0x10 }, 40000, 53, payload,
		     sizeof(payload));
	wlen = pb_udp(pb_data(&want), (struct pb_ip){ .src = PUB, .dst = SRV,
		      .id = 0x1234, .tos = 0x10, .ttl = 63 }, 40000, 53,
		      payload, sizeof(payload));
	ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_FORWARD);
	expect_packet(wlen);

	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = SRV, .dst = PUB,
		     .id = 7 }, 53, 40000, payload, sizeof(payload));
	wlen = pb_udp(pb_data(&want), (struct pb_ip){ .src = SRV,
		      .dst = LAN_A, .id = 7, .ttl = 63 }, 53, 40000, payload,
		      sizeof(payload));
	ck_assert_int_eq(run(len, DIR_IN, 1), VERDICT_FORWARD);
	expect_packet(wlen);

	ck_assert_uint_eq(nat_stats(n)->sessions, 1);
	ck_assert_uint_eq(nat_stats(n)->mappings, 1);
	ck_assert_uint_eq(nat_stats(n)->forwarded[DIR_OUT], 1);
	ck_assert_uint_eq(nat_stats(n)->forwarded[DIR_IN], 1);
}
END_TEST

START_TEST(tcp_out_and_back_with_new_port)
{
	size_t len, wlen;
	uint16_t a_port;

	/* LAN_B takes port 5000 first, so LAN_A's 5000 must move */
	ck_assert_int_eq(tcp_seg(DIR_OUT, LAN_B, 5000, SRV, 80, 0, TCP_SYN, 0),
			 VERDICT_FORWARD);
	ck_assert_uint_eq(out_sport(), 5000);

	len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = LAN_A, .dst = SRV },
		     5000, 80, TCP_SYN, 0xdeadbeef, 0, "x", 1);
	ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_FORWARD);
	a_port = out_sport();
	ck_assert_uint_ne(a_port, 5000);
	ck_assert_uint_ge(a_port, 1024);
	wlen = pb_tcp(pb_data(&want), (struct pb_ip){ .src = PUB, .dst = SRV,
		      .ttl = 63 }, a_port, 80, TCP_SYN, 0xdeadbeef, 0, "x", 1);
	expect_packet(wlen);

	len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = SRV, .dst = PUB },
		     80, a_port, TCP_SYN | TCP_ACK, 99, 0xdeadbef0, NULL, 0);
	wlen = pb_tcp(pb_data(&want), (struct pb_ip){ .src = SRV,
		      .dst = LAN_A, .ttl = 63 }, 80, 5000, TCP_SYN | TCP_ACK,
		      99, 0xdeadbef0, NULL, 0);
	ck_assert_int_eq(run(len, DIR_IN, 1), VERDICT_FORWARD);
	expect_packet(wlen);
}
END_TEST

START_TEST(ip_options_are_kept)
{
	size_t len, wlen;

	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = LAN_A, .dst = SRV,
		     .opt_words = 3 }, 40000, 53, payload, sizeof(payload));
	wlen = pb_udp(pb_data(&want), (struct pb_ip){ .src = PUB, .dst = SRV,
		      .opt_words = 3, .ttl = 63 }, 40000, 53, payload,
		      sizeof(payload));
	ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_FORWARD);
	expect_packet(wlen);
}
END_TEST

START_TEST(udp_zero_checksum_stays_zero)
{
	size_t len, wlen;

	len = pb_udp_nocsum(pb_data(&in), (struct pb_ip){ .src = LAN_A,
			    .dst = SRV }, 40000, 53, payload, sizeof(payload));
	wlen = pb_udp_nocsum(pb_data(&want), (struct pb_ip){ .src = PUB,
			     .dst = SRV, .ttl = 63 }, 40000, 53, payload,
			     sizeof(payload));
	ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_FORWARD);
	ck_assert_uint_eq(get16(p.data + 26), 0);
	expect_packet(wlen);
}
END_TEST

/* A datagram whose translated checksum computes to 0 leaves with 0xffff. */
START_TEST(udp_computed_zero_is_sent_as_ffff)
{
	uint8_t data[2];
	unsigned w;
	size_t len, wlen = 0;

	for (w = 0; w < 65536; w++) {
		data[0] = w >> 8;
		data[1] = w & 0xff;
		wlen = pb_udp(pb_data(&want), (struct pb_ip){ .src = PUB,
			      .dst = SRV, .ttl = 63 }, 40000, 53, data, 2);
		if (get16(pb_data(&want) + 26) == 0xffff)
			break;
	}
	ck_assert_uint_lt(w, 65536);
	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = LAN_A, .dst = SRV },
		     40000, 53, data, 2);
	ck_assert_uint_ne(get16(pb_data(&in) + 26), 0xffff);
	ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_FORWARD);
	ck_assert_uint_eq(get16(p.data + 26), 0xffff);
	expect_packet(wlen);
}
END_TEST

/* ---- RFC 4787 / 5382 / 5508 mapping behaviour ------------------------- */

START_TEST(rfc4787_req1_eim_udp)
{
	uint16_t a = udp_out(LAN_A, 40000, SRV, 53, 0);

	ck_assert_uint_eq(udp_out(LAN_A, 40000, SRV2, 9, 1), a);
	ck_assert_uint_eq(udp_out(LAN_A, 40000, SRV, 54, 2), a);
	ck_assert_uint_eq(nat_stats(n)->mappings, 1);
	ck_assert_uint_eq(nat_stats(n)->sessions, 3);
	ck_assert_int_eq(udp_in(SRV2, 9, a, 3), VERDICT_FORWARD);
	ck_assert_int_eq(udp_in(SRV, 54, a, 3), VERDICT_FORWARD);
}
END_TEST

START_TEST(rfc5382_req1_eim_tcp)
{
	uint16_t a;

	ck_assert_int_eq(tcp_seg(DIR_OUT, LAN_A, 5555, SRV, 80, 0, TCP_SYN, 0),
			 VERDICT_FORWARD);
	a = out_sport();
	ck_assert_int_eq(tcp_seg(DIR_OUT, LAN_A, 5555, SRV2, 443, 0, TCP_SYN,
				 1), VERDICT_FORWARD);
	ck_assert_uint_eq(out_sport(), a);
}
END_TEST

START_TEST(rfc4787_req3_no_port_overloading)
{
	uint16_t a = udp_out(LAN_A, 7000, SRV, 53, 0);
	uint16_t b = udp_out(LAN_B, 7000, SRV, 53, 0);

	ck_assert_uint_eq(a, 7000);
	ck_assert_uint_ne(b, a);
	/* each reply finds its own host */
	ck_assert_int_eq(udp_in(SRV, 53, a, 1), VERDICT_FORWARD);
	ck_assert_uint_eq(ipv4_hdr(&p)->daddr, pb_addr(LAN_A));
	ck_assert_int_eq(udp_in(SRV, 53, b, 1), VERDICT_FORWARD);
	ck_assert_uint_eq(ipv4_hdr(&p)->daddr, pb_addr(LAN_B));
}
END_TEST

START_TEST(rfc4787_req3a_port_class)
{
	uint16_t b;

	ck_assert_uint_eq(udp_out(LAN_A, 123, SRV, 123, 0), 123);
	b = udp_out(LAN_B, 123, SRV, 123, 0);
	ck_assert_uint_ne(b, 123);
	ck_assert_uint_ge(b, 1);
	ck_assert_uint_le(b, 1023);
	ck_assert_uint_eq(udp_out(LAN_A, 40000, SRV, 53, 0), 40000);
	b = udp_out(LAN_B, 40000, SRV, 53, 0);
	ck_assert_uint_ge(b, 1024);
}
END_TEST

START_TEST(low_port_without_low_range_is_dropped)
{
	size_t len;

	cfg.port_lo = 1024;
	renew();
	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = LAN_A, .dst = SRV },
		     123, 123, payload, 4);
	expect_drop(run(len, DIR_OUT, 0), DROP_NO_PORT);
	ck_assert_uint_eq(nat_stats(n)->drops[DROP_NO_PORT], 1);
	ck_assert_uint_eq(udp_out(LAN_A, 1024, SRV, 123, 0), 1024);
}
END_TEST

START_TEST(rfc4787_req12_exhaustion_is_deterministic)
{
	const char *hosts[] = { "10.0.0.10", "10.0.0.11", "10.0.0.12",
				"10.0.0.13", "10.0.0.14" };
	uint16_t got[4];
	unsigned i;
	size_t len;

	cfg.port_lo = 2000;
	cfg.port_hi = 2003;
	renew();
	for (i = 0; i < 4; i++) {
		got[i] = udp_out(hosts[i], 5000, SRV, 53, 0);
		ck_assert_uint_ge(got[i], 2000);
		ck_assert_uint_le(got[i], 2003);
	}
	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = hosts[4],
		     .dst = SRV }, 5000, 53, payload, 4);
	expect_drop(run(len, DIR_OUT, 1), DROP_NO_PORT);
	/* existing mappings keep their ports, also toward new destinations */
	for (i = 0; i < 4; i++) {
		ck_assert_uint_eq(udp_out(hosts[i], 5000, SRV2, 1, 2), got[i]);
		ck_assert_int_eq(udp_in(SRV, 53, got[i], 3), VERDICT_FORWARD);
		ck_assert_uint_eq(ipv4_hdr(&p)->daddr, pb_addr(hosts[i]));
	}
}
END_TEST

START_TEST(released_port_is_reused)
{
	size_t len;

	cfg.port_lo = cfg.port_hi = 2000;
	renew();
	ck_assert_uint_eq(udp_out(LAN_A, 5000, SRV, 53, 0), 2000);
	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = LAN_B, .dst = SRV },
		     5000, 53, payload, 4);
	expect_drop(run(len, DIR_OUT, 1000), DROP_NO_PORT);
	ck_assert_uint_eq(nat_expire(n, 300 * S - 1, 100), 0);
	ck_assert_uint_eq(nat_expire(n, 300 * S, 100), 1);
	ck_assert_uint_eq(nat_stats(n)->mappings, 0);
	ck_assert_uint_eq(udp_out(LAN_B, 5000, SRV, 53, 300 * S), 2000);
}
END_TEST

START_TEST(table_full)
{
	size_t len;

	cfg.max_sessions = 2;
	renew();
	udp_out(LAN_A, 1, SRV, 53, 0);
	udp_out(LAN_A, 1, SRV2, 53, 0);
	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = LAN_B, .dst = SRV },
		     1, 53, payload, 4);
	expect_drop(run(len, DIR_OUT, 0), DROP_TABLE_FULL);
	/* the two live flows are untouched */
	ck_assert_int_eq(udp_in(SRV2, 53, 1, 1), VERDICT_FORWARD);
	ck_assert_uint_eq(nat_stats(n)->drops[DROP_TABLE_FULL], 1);
}
END_TEST

/* Forwards hold mapping slots without sessions: a new flow that finds the
 * mapping pool full is dropped, and nothing else breaks. */
START_TEST(forwards_fill_the_mapping_pool)
{
	struct nat_forward fw[3] = {
		{ .proto = IPPROTO_UDP, .pub_addr = pb_addr(PUB),
		  .in_addr = pb_addr("10.0.0.50"), .pub_lo = 53, .pub_hi = 53,
		  .in_lo = 53 },
		{ .proto = IPPROTO_UDP, .pub_addr = pb_addr(PUB),
		  .in_addr = pb_addr("10.0.0.51"), .pub_lo = 54, .pub_hi = 54,
		  .in_lo = 53 },
		{ .proto = IPPROTO_UDP, .pub_addr = pb_addr(PUB),
		  .in_addr = pb_addr("10.0.0.52"), .pub_lo = 55, .pub_hi = 55,
		  .in_lo = 53 },
	};
	struct nat *bad;
	size_t len;

	cfg.max_sessions = 4;
	cfg.forwards = fw;
	cfg.nforwards = 2;
	renew();
	udp_out(LAN_A, 1000, SRV, 53, 0);
	udp_out(LAN_A, 1001, SRV, 53, 0);
	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = LAN_A, .dst = SRV },
		     1002, 53, payload, 4);
	expect_drop(run(len, DIR_OUT, 0), DROP_TABLE_FULL);
	/* a flow on an existing mapping still opens */
	ck_assert_uint_eq(udp_out(LAN_A, 1000, SRV2, 53, 0), 1000);
	/* more forwards than the table has mappings for: refused */
	cfg.max_sessions = 2;
	cfg.nforwards = 3;
	bad = nat_new(&cfg);
	ck_assert_ptr_null(bad);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* A forward may use any public address: the forwarded port's traffic
 * leaves from it, the host's other flows from its paired address. */
START_TEST(forward_on_another_address)
{
	uint32_t host = pb_addr("10.0.0.50"), pair, other;
	struct nat_forward fw = { .proto = IPPROTO_TCP, .in_addr = host,
				  .pub_lo = 22, .pub_hi = 22, .in_lo = 22 };
	struct nat *bad;
	size_t len;

	pool[0] = pb_addr("203.0.113.1");
	pool[1] = pb_addr("203.0.113.2");
	cfg.naddrs = 2;
	renew();
	pair = nat_pair_address(n, host);
	other = pair == pool[0] ? pool[1] : pool[0];
	fw.pub_addr = other;
	cfg.forwards = &fw;
	cfg.nforwards = 1;
	renew();
	len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = "10.0.0.50",
		     .dst = SRV }, 22, 40000, TCP_SYN | TCP_ACK, 1, 1, NULL, 0);
	ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_FORWARD);
	ck_assert_uint_eq(ipv4_hdr(&p)->saddr, other);
	ck_assert_uint_eq(out_sport(), 22);
	len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = "10.0.0.50",
		     .dst = SRV }, 23, 40000, TCP_SYN, 1, 0, NULL, 0);
	ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_FORWARD);
	ck_assert_uint_eq(ipv4_hdr(&p)->saddr, pair);
	/* a public address outside the pool is refused */
	fw.pub_addr = pb_addr("203.0.113.9");
	bad = nat_new(&cfg);
	ck_assert_ptr_null(bad);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(rfc4787_req2_paired_pooling)
{
	uint32_t seen_src = 0, first;
	unsigned i, used = 0;
	char host[32];

	pool[0] = pb_addr("203.0.113.1");
	pool[1] = pb_addr("203.0.113.9");
	pool[2] = pb_addr("203.0.113.5");
	pool[3] = pb_addr("198.51.100.200");
	cfg.naddrs = 4;
	renew();

	/* one host: UDP, TCP and ICMP all leave from one address */
	udp_out(LAN_A, 1000, SRV, 53, 0);
	first = ipv4_hdr(&p)->saddr;
	for (i = 0; i < 20; i++) {
		udp_out(LAN_A, (uint16_t)(2000 + i), SRV, 53, 0);
		ck_assert_uint_eq(ipv4_hdr(&p)->saddr, first);
		ck_assert_int_eq(tcp_seg(DIR_OUT, LAN_A, (uint16_t)(3000 + i),
					 SRV, 80, 0, TCP_SYN, 0),
				 VERDICT_FORWARD);
		ck_assert_uint_eq(ipv4_hdr(&p)->saddr, first);
	}
	/* many hosts spread over the pool, each always on its own address */
	for (i = 0; i < 64; i++) {
		uint32_t a;

		snprintf(host, sizeof(host), "10.1.0.%u", i + 1);
		udp_out(host, 9, SRV, 53, 0);
		a = ipv4_hdr(&p)->saddr;
		udp_out(host, 10, SRV2, 53, 0);
		ck_assert_uint_eq(ipv4_hdr(&p)->saddr, a);
		for (unsigned k = 0; k < 4; k++)
			if (a == pool[k] && !(seen_src & 1u << k)) {
				seen_src |= 1u << k;
				used++;
			}
	}
	ck_assert_uint_eq(used, 4);
}
END_TEST

/* ---- filtering --------------------------------------------------------- */

/* RFC 4787 REQ-8, address-and-port-dependent filtering: only the remote
 * endpoint the mapping sent to gets in. */
START_TEST(rfc4787_req8_apdf)
{
	uint16_t a = udp_out(LAN_A, 40000, SRV, 53, 0);

	/* another remote, another remote port: both filtered */
	expect_drop(udp_in(SRV2, 53, a, 1), DROP_FILTERED);
	expect_drop(udp_in(SRV, 54, a, 1), DROP_FILTERED);
	/* no mapping at all */
	expect_drop(udp_in(SRV, 53, (uint16_t)(a + 1), 1), DROP_NO_SESSION);
	/* TCP to the UDP mapping's port: protocols are separate (RFC 7857
	 * 5-6): no TCP mapping, so a SYN is unsolicited, an ACK no-session */
	expect_drop(tcp_seg(DIR_IN, NULL, 0, SRV, 53, a, TCP_SYN, 1),
		    DROP_SYN_UNSOLICITED);
	expect_drop(tcp_seg(DIR_IN, NULL, 0, SRV, 53, a, TCP_ACK, 1),
		    DROP_NO_SESSION);
	ck_assert_int_eq(udp_in(SRV, 53, a, 1), VERDICT_FORWARD);
	ck_assert_uint_eq(nat_stats(n)->drops[DROP_FILTERED], 2);
	ck_assert_uint_eq(nat_stats(n)->drops[DROP_NO_SESSION], 2);
}
END_TEST

/* Address-dependent filtering: any port of an address the mapping sent
 * to gets in, per protocol; another address does not. */
START_TEST(rfc4787_req8_adf)
{
	size_t len, wlen;
	uint16_t a;

	cfg.filtering[NAT_L4_UDP] = NAT_FILTER_AD;
	renew();
	udp_out(LAN_B, 40000, SRV, 53, 0);
	a = udp_out(LAN_A, 40000, SRV, 53, 0);
	ck_assert_uint_ne(a, 40000);
	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = SRV, .dst = PUB },
		     9999, a, payload, sizeof(payload));
	wlen = pb_udp(pb_data(&want), (struct pb_ip){ .src = SRV,
		      .dst = LAN_A, .ttl = 63 }, 9999, 40000, payload,
		      sizeof(payload));
	ck_assert_int_eq(run(len, DIR_IN, 1), VERDICT_FORWARD);
	expect_packet(wlen);
	expect_drop(udp_in(SRV2, 53, a, 1), DROP_FILTERED);
	/* it let the other port in without a session of its own */
	ck_assert_uint_eq(nat_stats(n)->sessions, 2);
	/* once the mapping's session to SRV is swept, SRV is a stranger */
	ck_assert_uint_eq(nat_expire(n, 300 * S, 100), 2);
	expect_drop(udp_in(SRV, 9999, a, 300 * S), DROP_NO_SESSION);
	/* TCP keeps its own, stricter, mode */
	tcp_seg(DIR_OUT, LAN_A, 6000, SRV, 80, 0, TCP_SYN, 400 * S);
	expect_drop(tcp_seg(DIR_IN, NULL, 0, SRV, 81, 6000, TCP_SYN, 400 * S),
		    DROP_SYN_UNSOLICITED);
}
END_TEST

/* Address-dependent filtering on a mapping that a second session moved
 * out of its first session (session.h): both remotes' addresses still get
 * in; once the first session ends, only the second's. */
START_TEST(adf_mapping_moved)
{
	uint16_t a, b;

	cfg.filtering[NAT_L4_UDP] = NAT_FILTER_AD;
	renew();
	a = udp_out(LAN_A, 40000, SRV, 53, 0);
	b = udp_out(LAN_A, 40000, SRV2, 53, 100 * S);
	ck_assert_uint_eq(a, b);
	ck_assert_uint_eq(nat_stats(n)->mappings, 1);
	ck_assert_int_eq(udp_in(SRV, 9, a, 100 * S), VERDICT_FORWARD);
	ck_assert_int_eq(udp_in(SRV2, 9, a, 100 * S), VERDICT_FORWARD);
	expect_drop(udp_in("192.0.2.99", 9, a, 100 * S), DROP_FILTERED);
	/* the first session is swept, the mapping lives on in the second */
	ck_assert_uint_eq(nat_expire(n, 300 * S, 100), 1);
	ck_assert_uint_eq(nat_stats(n)->mappings, 1);
	expect_drop(udp_in(SRV, 9, a, 300 * S), DROP_FILTERED);
	ck_assert_int_eq(udp_in(SRV2, 9, a, 300 * S), VERDICT_FORWARD);
	ck_assert_uint_eq(nat_expire(n, 400 * S, 100), 1);
	ck_assert_uint_eq(nat_stats(n)->mappings, 0);
}
END_TEST

/* Endpoint-independent filtering: anyone may reach the mapping; a TCP SYN
 * opens a session (so TCP is tracked), UDP goes through the mapping and
 * refreshes nothing (RFC 4787 REQ-6). */
START_TEST(rfc4787_req8_eif)
{
	size_t len, wlen;
	uint16_t a;

	cfg.filtering[NAT_L4_UDP] = NAT_FILTER_EI;
	cfg.filtering[NAT_L4_TCP] = NAT_FILTER_EI;
	renew();
	a = udp_out(LAN_A, 40000, SRV, 53, 0);
	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = SRV2, .dst = PUB },
		     7, a, payload, sizeof(payload));
	wlen = pb_udp(pb_data(&want), (struct pb_ip){ .src = SRV2,
		      .dst = LAN_A, .ttl = 63 }, 7, 40000, payload,
		      sizeof(payload));
	ck_assert_int_eq(run(len, DIR_IN, 299 * S), VERDICT_FORWARD);
	expect_packet(wlen);
	ck_assert_uint_eq(nat_stats(n)->sessions, 1);
	/* the mapping still ends 300 s after its own last packet */
	ck_assert_uint_eq(nat_expire(n, 300 * S, 100), 1);
	expect_drop(udp_in(SRV2, 7, a, 300 * S), DROP_NO_SESSION);

	tcp_seg(DIR_OUT, LAN_A, 6000, SRV, 80, 0, TCP_SYN, 400 * S);
	ck_assert_int_eq(tcp_seg(DIR_IN, NULL, 0, SRV2, 81, 6000, TCP_SYN,
				 400 * S), VERDICT_FORWARD);
	ck_assert_uint_eq(ipv4_hdr(&p)->daddr, pb_addr(LAN_A));
	ck_assert_uint_eq(nat_stats(n)->sessions, 2);
	/* a segment of no connection still needs one */
	expect_drop(tcp_seg(DIR_IN, NULL, 0, SRV2, 82, 6000, TCP_ACK,
			    400 * S), DROP_NO_SESSION);
}
END_TEST

START_TEST(inbound_not_our_address)
{
	size_t len = pb_udp(pb_data(&in), (struct pb_ip){ .src = SRV,
			    .dst = "203.0.113.2" }, 1, 2, payload, 4);

	expect_drop(run(len, DIR_IN, 0), DROP_NOT_OURS);
}
END_TEST

/* ---- timers (RFC 4787 REQ-5, RFC 5382 REQ-5, RFC 5508 REQ-2) ---------- */

START_TEST(udp_expires_at_exactly_its_timeout)
{
	uint64_t t0 = 5 * S;
	uint16_t a = udp_out(LAN_A, 40000, SRV, 53, t0);

	ck_assert_int_eq(udp_in(SRV, 53, a, t0 + 300 * S - 1), VERDICT_FORWARD);
	/* that reply did not refresh it (RFC 4787 REQ-6: outbound only) */
	expect_drop(udp_in(SRV, 53, a, t0 + 300 * S), DROP_NO_SESSION);
	ck_assert_uint_eq(nat_stats(n)->sessions, 0);
	ck_assert_uint_eq(nat_stats(n)->mappings, 0);
	/* an outbound packet does */
	a = udp_out(LAN_A, 40000, SRV, 53, t0);
	udp_out(LAN_A, 40000, SRV, 53, t0 + 299 * S);
	ck_assert_int_eq(udp_in(SRV, 53, a, t0 + 599 * S - 1),
			 VERDICT_FORWARD);
	expect_drop(udp_in(SRV, 53, a, t0 + 599 * S), DROP_NO_SESSION);
}
END_TEST

/* With nat.inbound-refresh, replies keep a UDP session alive too. */
START_TEST(rfc4787_req6_inbound_refresh)
{
	uint64_t t0 = 5 * S;
	uint16_t a;

	cfg.inbound_refresh = true;
	renew();
	a = udp_out(LAN_A, 40000, SRV, 53, t0);
	ck_assert_int_eq(udp_in(SRV, 53, a, t0 + 300 * S - 1), VERDICT_FORWARD);
	ck_assert_int_eq(udp_in(SRV, 53, a, t0 + 600 * S - 2), VERDICT_FORWARD);
	expect_drop(udp_in(SRV, 53, a, t0 + 900 * S - 2), DROP_NO_SESSION);
}
END_TEST

START_TEST(udp_timeout_is_configurable)
{
	uint16_t a;

	cfg.udp_ms = 120 * S;
	renew();
	a = udp_out(LAN_A, 40000, SRV, 53, 0);
	ck_assert_int_eq(udp_in(SRV, 53, a, 120 * S - 1), VERDICT_FORWARD);
	expect_drop(udp_in(SRV, 53, a, 240 * S - 1), DROP_NO_SESSION);
}
END_TEST

START_TEST(tcp_opening_is_transitory)
{
	/* answered just within the transitory time: still there */
	ck_assert_int_eq(tcp_seg(DIR_OUT, LAN_A, 5000, SRV, 80, 0, TCP_SYN, 0),
			 VERDICT_FORWARD);
	ck_assert_int_eq(tcp_seg(DIR_IN, NULL, 0, SRV, 80, 5000,
				 TCP_SYN | TCP_ACK, 240 * S - 1),
			 VERDICT_FORWARD);
	/* a SYN never answered: gone after exactly 240 s, although the
	 * established timer would have kept it */
	ck_assert_int_eq(tcp_seg(DIR_OUT, LAN_A, 5001, SRV, 80, 0, TCP_SYN,
				 10 * S), VERDICT_FORWARD);
	expect_drop(tcp_seg(DIR_IN, NULL, 0, SRV, 80, 5001, TCP_SYN | TCP_ACK,
			    250 * S), DROP_NO_SESSION);
	/* the answered one went established: it outlives 240 s idle */
	ck_assert_int_eq(tcp_seg(DIR_OUT, LAN_A, 5000, SRV, 80, 0, TCP_ACK,
				 240 * S), VERDICT_FORWARD);
	ck_assert_int_eq(tcp_seg(DIR_IN, NULL, 0, SRV, 80, 5000, TCP_ACK,
				 1000 * S), VERDICT_FORWARD);
}
END_TEST

static void tcp_establish(uint16_t port, uint64_t now)
{
	ck_assert_int_eq(tcp_seg(DIR_OUT, LAN_A, port, SRV, 80, 0, TCP_SYN,
				 now), VERDICT_FORWARD);
	ck_assert_int_eq(tcp_seg(DIR_IN, NULL, 0, SRV, 80, port,
				 TCP_SYN | TCP_ACK, now), VERDICT_FORWARD);
	ck_assert_int_eq(tcp_seg(DIR_OUT, LAN_A, port, SRV, 80, 0, TCP_ACK,
				 now), VERDICT_FORWARD);
}

START_TEST(rfc5382_req5_established_timer)
{
	tcp_establish(5000, 0);
	ck_assert_int_eq(tcp_seg(DIR_IN, NULL, 0, SRV, 80, 5000, TCP_ACK,
				 7440 * S - 1), VERDICT_FORWARD);
	expect_drop(tcp_seg(DIR_IN, NULL, 0, SRV, 80, 5000, TCP_ACK,
			    2 * 7440 * S - 1), DROP_NO_SESSION);
}
END_TEST

START_TEST(tcp_half_close_keeps_established_timer)
{
	tcp_establish(5000, 0);
	ck_assert_int_eq(tcp_seg(DIR_OUT, LAN_A, 5000, SRV, 80, 0,
				 TCP_FIN | TCP_ACK, 0), VERDICT_FORWARD);
	ck_assert_int_eq(tcp_seg(DIR_IN, NULL, 0, SRV, 80, 5000, TCP_ACK,
				 7440 * S - 1), VERDICT_FORWARD);
}
END_TEST

START_TEST(tcp_fin_both_ways_is_transitory)
{
	tcp_establish(5000, 0);
	ck_assert_int_eq(tcp_seg(DIR_OUT, LAN_A, 5000, SRV, 80, 0,
				 TCP_FIN | TCP_ACK, 0), VERDICT_FORWARD);
	ck_assert_int_eq(tcp_seg(DIR_IN, NULL, 0, SRV, 80, 5000,
				 TCP_FIN | TCP_ACK, 0), VERDICT_FORWARD);
	ck_assert_int_eq(tcp_seg(DIR_OUT, LAN_A, 5000, SRV, 80, 0, TCP_ACK,
				 240 * S - 1), VERDICT_FORWARD);
	expect_drop(tcp_seg(DIR_IN, NULL, 0, SRV, 80, 5000, TCP_ACK,
			    480 * S - 1), DROP_NO_SESSION);
}
END_TEST

START_TEST(rfc7857_rst_keeps_session_transitory)
{
	tcp_establish(5000, 0);
	ck_assert_int_eq(tcp_seg(DIR_IN, NULL, 0, SRV, 80, 5000, TCP_RST, 0),
			 VERDICT_FORWARD);
	/* the RST is remembered for the transitory time, then gone */
	ck_assert_int_eq(tcp_seg(DIR_IN, NULL, 0, SRV, 80, 5000, TCP_RST,
				 240 * S - 1), VERDICT_FORWARD);
	expect_drop(tcp_seg(DIR_IN, NULL, 0, SRV, 80, 5000, TCP_RST,
			    480 * S - 1), DROP_NO_SESSION);
}
END_TEST

START_TEST(rfc6146_segment_after_rst_reestablishes)
{
	tcp_establish(5000, 0);
	ck_assert_int_eq(tcp_seg(DIR_IN, NULL, 0, SRV, 80, 5000, TCP_RST, 0),
			 VERDICT_FORWARD);
	ck_assert_int_eq(tcp_seg(DIR_OUT, LAN_A, 5000, SRV, 80, 0, TCP_ACK,
				 S), VERDICT_FORWARD);
	ck_assert_int_eq(tcp_seg(DIR_IN, NULL, 0, SRV, 80, 5000, TCP_ACK,
				 S + 7440 * S - 1), VERDICT_FORWARD);
}
END_TEST

START_TEST(tcp_new_syn_reuses_closed_tuple)
{
	tcp_establish(5000, 0);
	ck_assert_int_eq(tcp_seg(DIR_OUT, LAN_A, 5000, SRV, 80, 0, TCP_RST, 0),
			 VERDICT_FORWARD);
	/* a fresh handshake on the same 4-tuple: opening, then established */
	ck_assert_int_eq(tcp_seg(DIR_OUT, LAN_A, 5000, SRV, 80, 0, TCP_SYN, S),
			 VERDICT_FORWARD);
	expect_drop(tcp_seg(DIR_IN, NULL, 0, SRV, 80, 5000, TCP_ACK,
			    S + 240 * S), DROP_NO_SESSION);
	tcp_establish(5000, 300 * S);
	ck_assert_int_eq(tcp_seg(DIR_IN, NULL, 0, SRV, 80, 5000, TCP_ACK,
				 300 * S + 7440 * S - 1), VERDICT_FORWARD);
}
END_TEST

START_TEST(tcp_picked_up_mid_stream)
{
	ck_assert_int_eq(tcp_seg(DIR_OUT, LAN_A, 5000, SRV, 80, 0, TCP_ACK, 0),
			 VERDICT_FORWARD);
	ck_assert_uint_eq(out_sport(), 5000);
	ck_assert_int_eq(tcp_seg(DIR_IN, NULL, 0, SRV, 80, 5000, TCP_ACK, S),
			 VERDICT_FORWARD);
	/* the peer answered: established from now on */
	ck_assert_int_eq(tcp_seg(DIR_IN, NULL, 0, SRV, 80, 5000, TCP_ACK,
				 S + 7440 * S - 1), VERDICT_FORWARD);
}
END_TEST

START_TEST(tcp_rst_never_opens)
{
	expect_drop(tcp_seg(DIR_OUT, LAN_A, 5000, SRV, 80, 0, TCP_RST, 0),
		    DROP_TCP_NO_SYN);
	ck_assert_uint_eq(nat_stats(n)->sessions, 0);
}
END_TEST

START_TEST(icmp_query_timer)
{
	size_t len;

	len = pb_icmp_query(pb_data(&in), (struct pb_ip){ .src = LAN_A,
			    .dst = SRV }, ICMP_ECHO, 77, 1, payload, 8);
	ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_FORWARD);
	len = pb_icmp_query(pb_data(&in), (struct pb_ip){ .src = SRV,
			    .dst = PUB }, ICMP_ECHOREPLY, 77, 1, payload, 8);
	ck_assert_int_eq(run(len, DIR_IN, 60 * S - 1), VERDICT_FORWARD);
	len = pb_icmp_query(pb_data(&in), (struct pb_ip){ .src = SRV,
			    .dst = PUB }, ICMP_ECHOREPLY, 77, 1, payload, 8);
	expect_drop(run(len, DIR_IN, 120 * S - 1), DROP_NO_SESSION);
}
END_TEST

/*
 * The engine keeps each session's last refresh as the low 32 bits of the
 * caller's millisecond clock, which wrap every 49.7 days (of the clock:
 * libuv's counts from boot).  Idle times are computed modulo 2^32, so
 * every timer must behave the same across the wrap as anywhere else.
 */
#define WRAP	(1ULL << 32)

/* A timeout must stay below 2^31 ms for the 32-bit idle arithmetic. */
START_TEST(timeouts_must_fit_the_clock)
{
	struct nat *bad;

	cfg.udp_ms = NAT_TIMEOUT_MAX_MS;
	bad = nat_new(&cfg);
	ck_assert_ptr_null(bad);
	ck_assert_int_eq(errno, EINVAL);
	cfg.udp_ms = NAT_TIMEOUT_MAX_MS - 1;
	bad = nat_new(&cfg);
	ck_assert_ptr_nonnull(bad);
	nat_free(bad);
}
END_TEST

START_TEST(timers_across_the_clock_wrap)
{
	uint64_t t0 = WRAP - 100 * S;	/* 100 s before the low bits wrap */
	uint16_t a;

	a = udp_out(LAN_A, 40000, SRV, 53, t0);
	udp_out(LAN_A, 40000, SRV, 53, t0 + 200 * S);	/* across the wrap */
	ck_assert_int_eq(udp_in(SRV, 53, a, t0 + 500 * S - 1), VERDICT_FORWARD);
	expect_drop(udp_in(SRV, 53, a, t0 + 500 * S), DROP_NO_SESSION);

	/* TCP: established across the wrap, transitory after a FIN each way */
	tcp_seg(DIR_OUT, LAN_A, 5000, SRV, 80, 0, TCP_SYN, t0);
	ck_assert_int_eq(tcp_seg(DIR_IN, NULL, 0, SRV, 80, 5000,
				 TCP_SYN | TCP_ACK, t0), VERDICT_FORWARD);
	ck_assert_int_eq(tcp_seg(DIR_IN, NULL, 0, SRV, 80, 5000, TCP_ACK,
				 t0 + 7440 * S - 1), VERDICT_FORWARD);
	expect_drop(tcp_seg(DIR_IN, NULL, 0, SRV, 80, 5000, TCP_ACK,
			    t0 + 2 * 7440 * S - 1), DROP_NO_SESSION);

	/* two wraps in, the same: swept at its exact timeout */
	udp_out(LAN_A, 41000, SRV, 53, 2 * WRAP + 5 * S);
	a = udp_out(LAN_A, 41000, SRV, 53, 2 * WRAP + 6 * S);
	ck_assert_uint_eq(nat_expire(n, 2 * WRAP + 306 * S - 1, 100), 0);
	ck_assert_uint_eq(nat_expire(n, 2 * WRAP + 306 * S, 100), 1);
	expect_drop(udp_in(SRV, 53, a, 2 * WRAP + 306 * S), DROP_NO_SESSION);
}
END_TEST

/* The sweep pops expired sessions in order across the wrap, and keeps
 * the live ones. */
START_TEST(expiry_sweep_across_the_clock_wrap)
{
	uint64_t t0 = WRAP - 2 * S;
	unsigned i;

	for (i = 0; i < 4; i++)		/* at -2 s, -1 s, 0 s, +1 s */
		udp_out(LAN_A, (uint16_t)(1000 + i), SRV, 53, t0 + i * S);
	ck_assert_uint_eq(nat_expire(n, t0 + 300 * S - 1, 100), 0);
	ck_assert_uint_eq(nat_expire(n, t0 + 301 * S, 100), 2);
	ck_assert_uint_eq(nat_stats(n)->sessions, 2);
	ck_assert_int_eq(udp_in(SRV, 53, 1003, t0 + 301 * S), VERDICT_FORWARD);
	ck_assert_uint_eq(nat_expire(n, t0 + 302 * S, 100), 1);
	ck_assert_uint_eq(nat_stats(n)->sessions, 1);
}
END_TEST

/* A later fragment from outside follows its first across the wrap, for
 * the fragment timeout and no longer. */
START_TEST(fragments_across_the_clock_wrap)
{
	static uint8_t data[2000], whole[2100], f[2][1600];
	uint64_t t0 = WRAP - 1 * S;
	size_t fl[2];
	uint16_t a;

	a = udp_out(LAN_A, 40000, SRV, 53, t0);
	pb_udp(whole, (struct pb_ip){ .src = SRV, .dst = PUB, .id = 6 }, 53,
	       a, data, sizeof(data));
	fl[0] = pb_fragment(f[0], whole, 0, 1480, true);
	fl[1] = pb_fragment(f[1], whole, 1480, 2008 - 1480, false);
	memcpy(pb_data(&in), f[0], fl[0]);
	ck_assert_int_eq(run(fl[0], DIR_IN, t0), VERDICT_FORWARD);
	memcpy(pb_data(&in), f[1], fl[1]);
	ck_assert_int_eq(run(fl[1], DIR_IN, t0 + 2 * S), VERDICT_FORWARD);
	ck_assert_uint_eq(ipv4_hdr(&p)->daddr, pb_addr(LAN_A));
	memcpy(pb_data(&in), f[1], fl[1]);
	ck_assert_int_eq(run(fl[1], DIR_IN, t0 + 5 * S), VERDICT_DROP);
	ck_assert_int_eq(p.drop, DROP_NONE);	/* held: the record is gone */
	nat_expire(n, t0 + 10 * S, 100);
	ck_assert_uint_eq(nat_stats(n)->drops[DROP_FRAG_TIMEOUT], 1);
}
END_TEST

START_TEST(expire_sweeps_with_budget)
{
	unsigned i;

	for (i = 0; i < 5; i++)
		udp_out(LAN_A, (uint16_t)(1000 + i), SRV, 53, i * 100);
	/* refreshed within the second it was linked in: it stays the head
	 * of the list and holds the sweep back, by less than a second */
	udp_out(LAN_A, 1000, SRV, 53, 900);
	ck_assert_uint_eq(nat_expire(n, 300 * S + 399, 100), 0);
	/* but a lookup sees the expired session behind it as gone */
	expect_drop(udp_in(SRV, 53, 1001, 300 * S + 100), DROP_NO_SESSION);
	ck_assert_uint_eq(nat_stats(n)->sessions, 4);
	ck_assert_uint_eq(nat_expire(n, 300 * S + 900, 2), 2);
	ck_assert_uint_eq(nat_stats(n)->sessions, 2);
	ck_assert_uint_eq(nat_expire(n, 300 * S + 900, 2), 2);
	ck_assert_uint_eq(nat_expire(n, 300 * S + 900, 2), 0);
	ck_assert_uint_eq(nat_stats(n)->sessions, 0);
	ck_assert_uint_eq(nat_stats(n)->mappings, 0);
	ck_assert_uint_eq(nat_stats(n)->sessions_expired, 5);
}
END_TEST

/* Many flows, half kept alive: the table stays consistent through churn. */
START_TEST(churn_keeps_table_consistent)
{
	uint16_t pub[2000];
	char host[32];
	unsigned i, round;

	cfg.inbound_refresh = true;
	renew();
	for (round = 0; round < 3; round++) {
		uint64_t t = round * 1000 * S;

		for (i = 0; i < 2000; i++) {
			snprintf(host, sizeof(host), "10.2.%u.%u", i / 200,
				 i % 200 + 1);
			pub[i] = udp_out(host, (uint16_t)(1024 + i * 7), SRV,
					 53, t);
		}
		for (i = 0; i < 2000; i += 2)
			ck_assert_int_eq(udp_in(SRV, 53, pub[i], t + 200 * S),
					 VERDICT_FORWARD);
		nat_expire(n, t + 300 * S, 100000);
		ck_assert_uint_eq(nat_stats(n)->sessions, 1000);
		for (i = 0; i < 2000; i++) {
			enum verdict v = udp_in(SRV, 53, pub[i], t + 300 * S);

			ck_assert_int_eq(v, i % 2 ? VERDICT_DROP :
					 VERDICT_FORWARD);
		}
		nat_expire(n, t + 600 * S, 100000);
		ck_assert_uint_eq(nat_stats(n)->sessions, 0);
		ck_assert_uint_eq(nat_stats(n)->mappings, 0);
	}
}
END_TEST

/* ---- malformed input: dropped and counted, never translated ----------- */

struct bad_case {
	const char *name;
	enum drop_reason reason;
	enum pkt_dir dir;
};

static const struct bad_case bad_cases[] = {
	{ "ipv6", DROP_NOT_IPV4, DIR_OUT },
	{ "empty", DROP_TRUNCATED, DIR_OUT },
	{ "short_header", DROP_TRUNCATED, DIR_OUT },
	{ "ihl_4", DROP_BAD_IP_HDR, DIR_OUT },
	{ "tot_len_below_ihl", DROP_BAD_IP_HDR, DIR_OUT },
	{ "tot_len_beyond_buffer", DROP_TRUNCATED, DIR_OUT },
	{ "ihl_beyond_buffer", DROP_TRUNCATED, DIR_OUT },
	{ "bad_ip_checksum", DROP_BAD_IP_CSUM, DIR_OUT },
	{ "protocol_0", DROP_BAD_IP_HDR, DIR_OUT },
	{ "in_protocol_0", DROP_BAD_IP_HDR, DIR_IN },
	{ "tcp_truncated", DROP_BAD_L4_HDR, DIR_OUT },
	{ "tcp_doff_4", DROP_BAD_L4_HDR, DIR_OUT },
	{ "tcp_doff_beyond", DROP_BAD_L4_HDR, DIR_OUT },
	{ "udp_truncated", DROP_BAD_L4_HDR, DIR_OUT },
	{ "udp_len_beyond", DROP_BAD_L4_HDR, DIR_OUT },
	{ "udp_len_below_8", DROP_BAD_L4_HDR, DIR_OUT },
	{ "icmp_truncated", DROP_BAD_L4_HDR, DIR_OUT },
	{ "udp_sport_0", DROP_BAD_PORT, DIR_OUT },
	{ "tcp_dport_0", DROP_BAD_PORT, DIR_OUT },
	{ "src_loopback", DROP_MARTIAN, DIR_OUT },
	{ "src_zero", DROP_MARTIAN, DIR_OUT },
	{ "dst_multicast", DROP_MARTIAN, DIR_OUT },
	{ "dst_broadcast", DROP_MARTIAN, DIR_OUT },
	{ "src_is_pool", DROP_MARTIAN, DIR_OUT },
	{ "in_src_is_pool", DROP_MARTIAN, DIR_IN },
	{ "icmp_redirect", DROP_ICMP_TYPE, DIR_OUT },
	{ "icmp_reply_without_request", DROP_NO_SESSION, DIR_OUT },
	{ "tcp_to_router", DROP_TO_ROUTER, DIR_OUT },
	{ "timestamp_to_pool", DROP_TO_ROUTER, DIR_IN },
};

/* Re-sum the IPv4 header after a test broke a field on purpose. */
static void fix_ip_csum(uint8_t *b)
{
	unsigned hl = (b[0] & 0x0f) * 4u;
	uint16_t c;

	b[10] = b[11] = 0;
	c = (uint16_t)~pb_sum(0, b, hl);
	b[10] = c >> 8;
	b[11] = c & 0xff;
}

static size_t bad_packet(const char *name, uint8_t *b)
{
	struct pb_ip out = { .src = LAN_A, .dst = SRV };
	struct pb_ip ip;
	size_t len;

	if (!strcmp(name, "ipv6")) {
		memset(b, 0, 40);
		b[0] = 0x60;
		return 40;
	}
	if (!strcmp(name, "empty"))
		return 0;
	len = pb_udp(b, out, 1000, 53, payload, 8);
	if (!strcmp(name, "short_header"))
		return 19;
	if (!strcmp(name, "ihl_4")) {
		b[0] = 0x44;
		fix_ip_csum(b);
		return len;
	}
	if (!strcmp(name, "tot_len_below_ihl")) {
		b[2] = 0;
		b[3] = 19;
		fix_ip_csum(b);
		return len;
	}
	if (!strcmp(name, "tot_len_beyond_buffer"))
		return len - 1;
	if (!strcmp(name, "ihl_beyond_buffer")) {
		b[0] = 0x4f;
		b[3] = 60;
		fix_ip_csum(b);
		return 40;
	}
	if (!strcmp(name, "bad_ip_checksum")) {
		b[10] ^= 1;
		return len;
	}
	if (!strcmp(name, "protocol_0") || !strcmp(name, "in_protocol_0")) {
		/* IPv6 Hop-by-Hop Options: no transport of IPv4 */
		ip = out;
		if (name[0] == 'i') {
			ip.src = SRV;
			ip.dst = PUB;
		}
		ip.proto = 0;
		return pb_ipv4(b, &ip, payload, 8);
	}
	if (!strncmp(name, "tcp_", 4)) {
		len = pb_tcp(b, out, 1000, 80, TCP_SYN, 1, 0, NULL, 0);
		if (!strcmp(name, "tcp_truncated")) {
			b[3] = 20 + 19;
			fix_ip_csum(b);
			return 39;
		}
		if (!strcmp(name, "tcp_doff_4"))
			b[32] = 4 << 4;
		if (!strcmp(name, "tcp_doff_beyond"))
			b[32] = 6 << 4;
		if (!strcmp(name, "tcp_dport_0"))
			b[22] = b[23] = 0;
		if (!strcmp(name, "tcp_to_router")) {
			ip = out;
			ip.dst = RTR;
			len = pb_tcp(b, ip, 1000, 80, TCP_SYN, 1, 0, NULL, 0);
		}
		return len;
	}
	if (!strcmp(name, "udp_truncated")) {
		b[3] = 20 + 7;
		fix_ip_csum(b);
		return 27;
	}
	if (!strcmp(name, "udp_len_beyond")) {
		b[25]++;
		return len;
	}
	if (!strcmp(name, "udp_len_below_8")) {
		b[24] = 0;
		b[25] = 7;
		return len;
	}
	if (!strcmp(name, "icmp_truncated")) {
		len = pb_icmp_query(b, out, ICMP_ECHO, 1, 1, NULL, 0);
		b[3] = 20 + 7;
		fix_ip_csum(b);
		return 27;
	}
	if (!strcmp(name, "udp_sport_0"))
		return pb_udp(b, out, 0, 53, payload, 8);
	ip = out;
	if (!strcmp(name, "src_loopback"))
		ip.src = "127.0.0.1";
	if (!strcmp(name, "src_zero"))
		ip.src = "0.0.0.0";
	if (!strcmp(name, "dst_multicast"))
		ip.dst = "224.0.0.251";
	if (!strcmp(name, "dst_broadcast"))
		ip.dst = "255.255.255.255";
	if (!strcmp(name, "src_is_pool"))
		ip.src = PUB;
	if (!strcmp(name, "in_src_is_pool")) {
		ip.src = PUB;
		ip.dst = PUB;
	}
	if (!strcmp(name, "icmp_redirect"))
		return pb_icmp_error(b, ip, 5, 1, 0, payload, 8);
	if (!strcmp(name, "icmp_reply_without_request"))
		return pb_icmp_query(b, ip, ICMP_ECHOREPLY, 9, 9, NULL, 0);
	if (!strcmp(name, "timestamp_to_pool")) {
		ip.src = SRV;
		ip.dst = PUB;
		return pb_icmp_query(b, ip, ICMP_TIMESTAMP, 9, 9, payload, 12);
	}
	return pb_udp(b, ip, 1000, 53, payload, 8);
}

START_TEST(malformed_dropped_with_reason)
{
	const struct bad_case *c = &bad_cases[_i];
	uint8_t before[128];
	size_t len = bad_packet(c->name, pb_data(&in));
	unsigned r;

	memcpy(before, pb_data(&in), len < sizeof(before) ? len : sizeof(before));
	expect_drop(run(len, c->dir, 0), c->reason);
	ck_assert_msg(!memcmp(before, pb_data(&in),
			      len < sizeof(before) ? len : sizeof(before)),
		      "%s: a dropped packet was modified", c->name);
	for (r = 0; r < DROP_REASON_N; r++)
		ck_assert_uint_eq(nat_stats(n)->drops[r], r == c->reason);
	ck_assert_uint_eq(nat_stats(n)->sessions, 0);
}
END_TEST

/* ---- TTL and the router's own ICMP ------------------------------------ */

START_TEST(ttl_decremented_and_expired_inside)
{
	size_t len, wlen;
	uint8_t orig[256];

	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = LAN_A, .dst = SRV,
		     .ttl = 2 }, 40000, 53, payload, sizeof(payload));
	ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_FORWARD);
	ck_assert_uint_eq(p.data[8], 1);

	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = LAN_A, .dst = SRV,
		     .ttl = 1, .tos = 0xb8, .id = 99 }, 40001, 53, payload,
		     sizeof(payload));
	memcpy(orig, pb_data(&in), len);
	wlen = pb_icmp_error(pb_data(&want), (struct pb_ip){ .src = RTR,
			     .dst = LAN_A, .tos = 0xb8, .frag_off = IPV4_DF },
			     ICMP_TIME_EXCEEDED, 0, 0, orig, len);
	ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_BACK);
	expect_packet(wlen);
	ck_assert_uint_eq(nat_stats(n)->icmp_errors, 1);
	/* no session was opened for a packet that went nowhere */
	ck_assert_uint_eq(nat_stats(n)->sessions, 1);
}
END_TEST

START_TEST(ttl_expired_outside_answered_from_public_address)
{
	uint8_t orig[256];
	size_t len, wlen;
	uint16_t a = udp_out(LAN_A, 40000, SRV, 53, 0);

	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = SRV, .dst = PUB,
		     .ttl = 1 }, 53, a, payload, sizeof(payload));
	memcpy(orig, pb_data(&in), len);
	wlen = pb_icmp_error(pb_data(&want), (struct pb_ip){ .src = PUB,
			     .dst = SRV, .frag_off = IPV4_DF },
			     ICMP_TIME_EXCEEDED, 0, 0, orig, len);
	ck_assert_int_eq(run(len, DIR_IN, 0), VERDICT_BACK);
	expect_packet(wlen);
}
END_TEST

START_TEST(ttl_expired_quote_is_capped_at_576)
{
	static uint8_t big[1400];
	size_t len;

	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = LAN_A, .dst = SRV,
		     .ttl = 1 }, 40000, 53, big, sizeof(big));
	ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_BACK);
	ck_assert_uint_eq(p.len, 576);
	ck_assert(pb_ip_csum_ok(p.data));
	ck_assert(pb_l4_csum_ok(p.data, p.len));
}
END_TEST

START_TEST(no_icmp_error_about_icmp_error)
{
	uint8_t q[28] = { 0x45 };
	size_t len;

	len = pb_icmp_error(pb_data(&in), (struct pb_ip){ .src = LAN_A,
			    .dst = SRV, .ttl = 1 }, ICMP_DEST_UNREACH, 3, 0,
			    q, sizeof(q));
	expect_drop(run(len, DIR_OUT, 0), DROP_TTL);
}
END_TEST

START_TEST(icmp_errors_rate_limited)
{
	unsigned i;
	size_t len;

	for (i = 0; i < 101; i++) {
		len = pb_udp(pb_data(&in), (struct pb_ip){ .src = LAN_A,
			     .dst = SRV, .ttl = 1 }, 40000, 53, payload, 4);
		if (i < 100)
			ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_BACK);
		else
			expect_drop(run(len, DIR_OUT, 0), DROP_ICMP_RATE);
	}
	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = LAN_A, .dst = SRV,
		     .ttl = 1 }, 40000, 53, payload, 4);
	ck_assert_int_eq(run(len, DIR_OUT, 10), VERDICT_BACK);
	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = LAN_A, .dst = SRV,
		     .ttl = 1 }, 40000, 53, payload, 4);
	expect_drop(run(len, DIR_OUT, 10), DROP_ICMP_RATE);
}
END_TEST

START_TEST(echo_to_router_answered)
{
	size_t len, wlen;

	len = pb_icmp_query(pb_data(&in), (struct pb_ip){ .src = LAN_A,
			    .dst = RTR, .ttl = 1 }, ICMP_ECHO, 5, 6, payload,
			    sizeof(payload));
	wlen = pb_icmp_query(pb_data(&want), (struct pb_ip){ .src = RTR,
			     .dst = LAN_A }, ICMP_ECHOREPLY, 5, 6, payload,
			     sizeof(payload));
	ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_BACK);
	expect_packet(wlen);

	len = pb_icmp_query(pb_data(&in), (struct pb_ip){ .src = SRV,
			    .dst = PUB }, ICMP_ECHO, 5, 6, payload, 3);
	wlen = pb_icmp_query(pb_data(&want), (struct pb_ip){ .src = PUB,
			     .dst = SRV }, ICMP_ECHOREPLY, 5, 6, payload, 3);
	ck_assert_int_eq(run(len, DIR_IN, 0), VERDICT_BACK);
	expect_packet(wlen);
	ck_assert_uint_eq(nat_stats(n)->echo_answered, 2);
	ck_assert_uint_eq(nat_stats(n)->sessions, 0);
}
END_TEST

/* ---- ICMP queries (RFC 5508 REQ-1) ------------------------------------ */

START_TEST(rfc5508_req1_echo_id_mapping)
{
	size_t len, wlen;
	uint16_t b_id;

	len = pb_icmp_query(pb_data(&in), (struct pb_ip){ .src = LAN_A,
			    .dst = SRV }, ICMP_ECHO, 777, 1, payload, 9);
	ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_FORWARD);
	ck_assert_uint_eq(out_icmp_id(), 777);
	/* same id to another server: same mapping (REQ-1a) */
	len = pb_icmp_query(pb_data(&in), (struct pb_ip){ .src = LAN_A,
			    .dst = SRV2 }, ICMP_ECHO, 777, 1, payload, 9);
	ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_FORWARD);
	ck_assert_uint_eq(out_icmp_id(), 777);
	/* another host, same id: moved */
	len = pb_icmp_query(pb_data(&in), (struct pb_ip){ .src = LAN_B,
			    .dst = SRV }, ICMP_ECHO, 777, 2, payload, 9);
	ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_FORWARD);
	b_id = out_icmp_id();
	ck_assert_uint_ne(b_id, 777);
	wlen = pb_icmp_query(pb_data(&want), (struct pb_ip){ .src = PUB,
			     .dst = SRV, .ttl = 63 }, ICMP_ECHO, b_id, 2,
			     payload, 9);
	expect_packet(wlen);

	len = pb_icmp_query(pb_data(&in), (struct pb_ip){ .src = SRV,
			    .dst = PUB }, ICMP_ECHOREPLY, b_id, 2, payload, 9);
	wlen = pb_icmp_query(pb_data(&want), (struct pb_ip){ .src = SRV,
			     .dst = LAN_B, .ttl = 63 }, ICMP_ECHOREPLY, 777, 2,
			     payload, 9);
	ck_assert_int_eq(run(len, DIR_IN, 1), VERDICT_FORWARD);
	expect_packet(wlen);
}
END_TEST

/* ---- ICMP errors (RFC 5508 REQ-3..5) ---------------------------------- */

/* LAN_B holds port 40000, so LAN_A's flow is moved to another port. */
static uint16_t moved_udp_flow(uint8_t *sent, size_t *sent_len)
{
	udp_out(LAN_B, 40000, SRV, 53, 0);
	*sent_len = pb_udp(pb_data(&in), (struct pb_ip){ .src = LAN_A,
			   .dst = SRV, .id = 42 }, 40000, 53, payload,
			   sizeof(payload));
	ck_assert_int_eq(run(*sent_len, DIR_OUT, 0), VERDICT_FORWARD);
	memcpy(sent, p.data, p.len);
	return out_sport();
}

START_TEST(rfc5508_req4_inbound_error_translated)
{
	uint8_t sent[256], quote[256];
	size_t sent_len, len, wlen, qlen;

	moved_udp_flow(sent, &sent_len);
	len = pb_icmp_error(pb_data(&in), (struct pb_ip){ .src = WANRTR,
			    .dst = PUB }, ICMP_DEST_UNREACH, 4, 1400,
			    sent, sent_len);
	/* the quote as LAN_A would recognise it: its own addresses back */
	qlen = pb_udp(quote, (struct pb_ip){ .src = LAN_A, .dst = SRV,
		      .id = 42, .ttl = 63 }, 40000, 53, payload,
		      sizeof(payload));
	wlen = pb_icmp_error(pb_data(&want), (struct pb_ip){ .src = WANRTR,
			     .dst = LAN_A, .ttl = 63 }, ICMP_DEST_UNREACH, 4,
			     1400, quote, qlen);
	ck_assert_int_eq(run(len, DIR_IN, 1), VERDICT_FORWARD);
	expect_packet(wlen);
	/* the quoted UDP checksum was fixed too */
	ck_assert(pb_l4_csum_ok(p.data + 28, qlen));
}
END_TEST

START_TEST(rfc5508_req3c_truncated_tcp_quote)
{
	uint8_t sent[64], quote[64];
	size_t len, wlen;
	uint16_t a;

	ck_assert_int_eq(tcp_seg(DIR_OUT, LAN_B, 5000, SRV, 80, 0, TCP_SYN, 0),
			 VERDICT_FORWARD);
	len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = LAN_A, .dst = SRV },
		     5000, 80, TCP_SYN, 1, 0, NULL, 0);
	ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_FORWARD);
	a = out_sport();
	memcpy(sent, p.data, 28);	/* RFC 792: header + 8 bytes */
	len = pb_icmp_error(pb_data(&in), (struct pb_ip){ .src = WANRTR,
			    .dst = PUB }, ICMP_TIME_EXCEEDED, 0, 0, sent, 28);
	pb_tcp(quote, (struct pb_ip){ .src = LAN_A, .dst = SRV, .ttl = 63 },
	       5000, 80, TCP_SYN, 1, 0, NULL, 0);
	wlen = pb_icmp_error(pb_data(&want), (struct pb_ip){ .src = WANRTR,
			     .dst = LAN_A, .ttl = 63 }, ICMP_TIME_EXCEEDED, 0,
			     0, quote, 28);
	ck_assert_uint_ne(a, 5000);
	ck_assert_int_eq(run(len, DIR_IN, 1), VERDICT_FORWARD);
	expect_packet(wlen);
}
END_TEST

START_TEST(inbound_error_quoting_echo)
{
	uint8_t sent[128], quote[128];
	size_t len, wlen, qlen;

	len = pb_icmp_query(pb_data(&in), (struct pb_ip){ .src = LAN_B,
			    .dst = SRV }, ICMP_ECHO, 9, 1, payload, 4);
	ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_FORWARD);
	len = pb_icmp_query(pb_data(&in), (struct pb_ip){ .src = LAN_A,
			    .dst = SRV }, ICMP_ECHO, 9, 1, payload, 4);
	ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_FORWARD);
	ck_assert_uint_ne(out_icmp_id(), 9);
	memcpy(sent, p.data, p.len);
	len = pb_icmp_error(pb_data(&in), (struct pb_ip){ .src = WANRTR,
			    .dst = PUB }, ICMP_TIME_EXCEEDED, 0, 0, sent,
			    p.len);
	qlen = pb_icmp_query(quote, (struct pb_ip){ .src = LAN_A, .dst = SRV,
			     .ttl = 63 }, ICMP_ECHO, 9, 1, payload, 4);
	wlen = pb_icmp_error(pb_data(&want), (struct pb_ip){ .src = WANRTR,
			     .dst = LAN_A, .ttl = 63 }, ICMP_TIME_EXCEEDED, 0,
			     0, quote, qlen);
	ck_assert_int_eq(run(len, DIR_IN, 1), VERDICT_FORWARD);
	expect_packet(wlen);
}
END_TEST

START_TEST(rfc5508_req3_bad_checksums_dropped)
{
	uint8_t sent[256];
	size_t sent_len, len;

	moved_udp_flow(sent, &sent_len);
	len = pb_icmp_error(pb_data(&in), (struct pb_ip){ .src = WANRTR,
			    .dst = PUB }, ICMP_DEST_UNREACH, 3, 0, sent,
			    sent_len);
	pb_data(&in)[22] ^= 0x40;		/* ICMP checksum */
	expect_drop(run(len, DIR_IN, 1), DROP_BAD_ICMP_CSUM);

	sent[10] ^= 0x40;			/* quoted IP header checksum */
	len = pb_icmp_error(pb_data(&in), (struct pb_ip){ .src = WANRTR,
			    .dst = PUB }, ICMP_DEST_UNREACH, 3, 0, sent,
			    sent_len);
	expect_drop(run(len, DIR_IN, 1), DROP_BAD_ICMP_CSUM);
}
END_TEST

START_TEST(rfc5508_req4a_error_without_session_dropped)
{
	uint8_t q[64];
	size_t qlen, len;

	qlen = pb_udp(q, (struct pb_ip){ .src = PUB, .dst = SRV }, 999, 53,
		      payload, 4);
	len = pb_icmp_error(pb_data(&in), (struct pb_ip){ .src = WANRTR,
			    .dst = PUB }, ICMP_DEST_UNREACH, 3, 0, q, qlen);
	expect_drop(run(len, DIR_IN, 0), DROP_ICMP_NO_SESSION);
}
END_TEST

START_TEST(rfc5508_req6_errors_do_not_refresh)
{
	uint8_t sent[256];
	size_t sent_len, len;
	uint16_t a = moved_udp_flow(sent, &sent_len);

	len = pb_icmp_error(pb_data(&in), (struct pb_ip){ .src = WANRTR,
			    .dst = PUB }, ICMP_DEST_UNREACH, 3, 0, sent,
			    sent_len);
	ck_assert_int_eq(run(len, DIR_IN, 299 * S), VERDICT_FORWARD);
	expect_drop(udp_in(SRV, 53, a, 300 * S), DROP_NO_SESSION);
}
END_TEST

START_TEST(rfc5508_req5_outbound_error_translated)
{
	uint8_t got[256], quote[256];
	size_t len, wlen, qlen;
	uint16_t a;

	udp_out(LAN_B, 40000, SRV, 53, 0);
	a = udp_out(LAN_A, 40000, SRV, 53, 0);
	ck_assert_int_eq(udp_in(SRV, 53, a, 1), VERDICT_FORWARD);
	memcpy(got, p.data, p.len);
	/* LAN_A's port is closed now: it answers port unreachable */
	len = pb_icmp_error(pb_data(&in), (struct pb_ip){ .src = LAN_A,
			    .dst = SRV }, ICMP_DEST_UNREACH, 3, 0, got, p.len);
	qlen = pb_udp(quote, (struct pb_ip){ .src = SRV, .dst = PUB,
		      .ttl = 63 }, 53, a, payload, sizeof(payload));
	wlen = pb_icmp_error(pb_data(&want), (struct pb_ip){ .src = PUB,
			     .dst = SRV, .ttl = 63 }, ICMP_DEST_UNREACH, 3, 0,
			     quote, qlen);
	ck_assert_int_eq(run(len, DIR_OUT, 2), VERDICT_FORWARD);
	expect_packet(wlen);
}
END_TEST

/* An inside router's error about an echo reply we delivered: the quoted
 * reply gets its public identifier back, its own ICMP checksum fixed for
 * it, and the error leaves from the public address (RFC 5508 REQ-5). */
START_TEST(rfc5508_req5_outbound_error_quoting_echo_reply)
{
	uint8_t got[128], quote[128];
	size_t len, wlen, qlen;
	uint16_t a;

	len = pb_icmp_query(pb_data(&in), (struct pb_ip){ .src = LAN_B,
			    .dst = SRV }, ICMP_ECHO, 9, 1, payload, 4);
	ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_FORWARD);
	len = pb_icmp_query(pb_data(&in), (struct pb_ip){ .src = LAN_A,
			    .dst = SRV }, ICMP_ECHO, 9, 1, payload, 4);
	ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_FORWARD);
	a = out_icmp_id();
	ck_assert_uint_ne(a, 9);
	len = pb_icmp_query(pb_data(&in), (struct pb_ip){ .src = SRV,
			    .dst = PUB }, ICMP_ECHOREPLY, a, 1, payload, 4);
	ck_assert_int_eq(run(len, DIR_IN, 1), VERDICT_FORWARD);
	memcpy(got, p.data, p.len);
	len = pb_icmp_error(pb_data(&in), (struct pb_ip){ .src = "10.0.0.1",
			    .dst = SRV }, ICMP_TIME_EXCEEDED, 0, 0, got, p.len);
	qlen = pb_icmp_query(quote, (struct pb_ip){ .src = SRV, .dst = PUB,
			     .ttl = 63 }, ICMP_ECHOREPLY, a, 1, payload, 4);
	wlen = pb_icmp_error(pb_data(&want), (struct pb_ip){ .src = PUB,
			     .dst = SRV, .ttl = 63 }, ICMP_TIME_EXCEEDED, 0, 0,
			     quote, qlen);
	ck_assert_int_eq(run(len, DIR_OUT, 2), VERDICT_FORWARD);
	expect_packet(wlen);
}
END_TEST

/* ---- hairpinning (RFC 4787 REQ-9, RFC 5382 REQ-8) --------------------- */

START_TEST(rfc4787_req9_udp_hairpin)
{
	size_t len, wlen;
	uint16_t a, b;

	a = udp_out(LAN_A, 5000, SRV, 53, 0);
	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = LAN_B, .dst = PUB },
		     6000, a, payload, sizeof(payload));
	ck_assert_int_eq(run(len, DIR_OUT, 1), VERDICT_BACK);
	b = out_sport();
	ck_assert_uint_eq(b, 6000);
	wlen = pb_udp(pb_data(&want), (struct pb_ip){ .src = PUB,
		      .dst = LAN_A, .ttl = 63 }, b, 5000, payload,
		      sizeof(payload));
	expect_packet(wlen);
	/* and the answer goes back the same way */
	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = LAN_A, .dst = PUB },
		     5000, b, payload, 3);
	wlen = pb_udp(pb_data(&want), (struct pb_ip){ .src = PUB,
		      .dst = LAN_B, .ttl = 63 }, a, 6000, payload, 3);
	ck_assert_int_eq(run(len, DIR_OUT, 2), VERDICT_BACK);
	expect_packet(wlen);
	ck_assert_uint_eq(nat_stats(n)->hairpinned, 2);
	/* no mapping behind that public port: dropped */
	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = LAN_B, .dst = PUB },
		     6000, 9999, payload, 3);
	expect_drop(run(len, DIR_OUT, 3), DROP_NO_SESSION);
}
END_TEST

START_TEST(rfc5382_req8_tcp_hairpin)
{
	size_t len, wlen;
	uint16_t a;

	ck_assert_int_eq(tcp_seg(DIR_OUT, LAN_A, 5000, SRV, 80, 0, TCP_SYN, 0),
			 VERDICT_FORWARD);
	a = out_sport();
	len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = LAN_B, .dst = PUB },
		     7000, a, TCP_SYN, 10, 0, NULL, 0);
	wlen = pb_tcp(pb_data(&want), (struct pb_ip){ .src = PUB,
		      .dst = LAN_A, .ttl = 63 }, 7000, 5000, TCP_SYN, 10, 0,
		      NULL, 0);
	ck_assert_int_eq(run(len, DIR_OUT, 1), VERDICT_BACK);
	expect_packet(wlen);
	len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = LAN_A, .dst = PUB },
		     5000, 7000, TCP_SYN | TCP_ACK, 20, 11, NULL, 0);
	wlen = pb_tcp(pb_data(&want), (struct pb_ip){ .src = PUB,
		      .dst = LAN_B, .ttl = 63 }, a, 7000, TCP_SYN | TCP_ACK,
		      20, 11, NULL, 0);
	ck_assert_int_eq(run(len, DIR_OUT, 1), VERDICT_BACK);
	expect_packet(wlen);
	/* a hairpinned ACK with no SYN before it opens nothing */
	len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = LAN_B, .dst = PUB },
		     7001, a, TCP_ACK, 10, 0, NULL, 0);
	expect_drop(run(len, DIR_OUT, 1), DROP_NO_SESSION);
}
END_TEST

/* ---- fragments --------------------------------------------------------- */

START_TEST(rfc4787_req14_fragments_both_ways)
{
	static uint8_t data[2000], whole[2100], wwhole[2100], f[2][1600];
	size_t wl, fl[2], i;
	uint16_t a;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	udp_out(LAN_B, 40000, SRV, 53, 0);	/* make LAN_A's port move */

	/* outbound: first fragment carries the port, the second does not */
	pb_udp(whole, (struct pb_ip){ .src = LAN_A, .dst = SRV, .id = 5 },
	       40000, 53, data, sizeof(data));
	fl[0] = pb_fragment(f[0], whole, 0, 1480, true);
	fl[1] = pb_fragment(f[1], whole, 1480, 2008 - 1480, false);
	memcpy(pb_data(&in), f[0], fl[0]);
	ck_assert_int_eq(run(fl[0], DIR_OUT, 0), VERDICT_FORWARD);
	a = out_sport();
	memcpy(f[0], p.data, p.len);
	memcpy(pb_data(&in), f[1], fl[1]);
	ck_assert_int_eq(run(fl[1], DIR_OUT, 0), VERDICT_FORWARD);
	memcpy(f[1], p.data, p.len);
	/* reassembled, it is exactly the translated datagram */
	wl = pb_udp(wwhole, (struct pb_ip){ .src = PUB, .dst = SRV, .id = 5,
		    .ttl = 63 }, a, 53, data, sizeof(data));
	ck_assert_mem_eq(f[0] + 20, wwhole + 20, 1480);
	ck_assert_mem_eq(f[1] + 20, wwhole + 20 + 1480, wl - 20 - 1480);
	ck_assert_uint_eq(f[1][8], 63);
	ck_assert(!memcmp(f[1] + 12, wwhole + 12, 4));
	ck_assert(pb_ip_csum_ok(f[0]) && pb_ip_csum_ok(f[1]));

	/* inbound: the reply, its later fragment follows the first */
	pb_udp(whole, (struct pb_ip){ .src = SRV, .dst = PUB, .id = 6 }, 53,
	       a, data, sizeof(data));
	fl[0] = pb_fragment(f[0], whole, 0, 1480, true);
	fl[1] = pb_fragment(f[1], whole, 1480, 2008 - 1480, false);
	/* its later fragment comes first: held, not lost */
	memcpy(pb_data(&in), f[1], fl[1]);
	ck_assert_int_eq(run(fl[1], DIR_IN, 1), VERDICT_DROP);
	ck_assert_int_eq(p.drop, DROP_NONE);
	ck_assert_uint_eq(nat_stats(n)->frags_held, 1);
	memcpy(pb_data(&in), f[0], fl[0]);
	ck_assert_int_eq(run(fl[0], DIR_IN, 1), VERDICT_FORWARD);
	memcpy(f[0], p.data, p.len);
	/* and goes right behind the first */
	{
		struct pkt q;

		ck_assert_int_eq(nat_pending(n, &q), VERDICT_FORWARD);
		ck_assert_int_eq(q.dir, DIR_IN);
		memcpy(f[1], q.data, q.len);
		ck_assert_int_eq(nat_pending(n, &q), VERDICT_DROP);
	}
	wl = pb_udp(wwhole, (struct pb_ip){ .src = SRV, .dst = LAN_A, .id = 6,
		    .ttl = 63 }, 53, 40000, data, sizeof(data));
	ck_assert_mem_eq(f[0] + 20, wwhole + 20, 1480);
	ck_assert_mem_eq(f[1] + 20, wwhole + 20 + 1480, wl - 20 - 1480);
	ck_assert(!memcmp(f[1] + 16, wwhole + 16, 4));
	ck_assert(pb_ip_csum_ok(f[0]) && pb_ip_csum_ok(f[1]));

	/* another copy follows the record while it lasts */
	pb_fragment(pb_data(&in), whole, 1480, 2008 - 1480, false);
	ck_assert_int_eq(run(fl[1], DIR_IN, 2), VERDICT_FORWARD);
	/* too late: the record has aged out, so it is held again, and
	 * dropped when its first does not come */
	pb_fragment(pb_data(&in), whole, 1480, 2008 - 1480, false);
	ck_assert_int_eq(run(fl[1], DIR_IN, 1 + 5 * S), VERDICT_DROP);
	ck_assert_int_eq(p.drop, DROP_NONE);
	nat_expire(n, 1 + 10 * S, 100);
	ck_assert_uint_eq(nat_stats(n)->drops[DROP_FRAG_TIMEOUT], 1);
}
END_TEST

/* Every drop reason has a name of its own, of at most DROP_REASON_NAME_MAX
 * characters (what the stats line's buffer is sized by), and no other
 * value has one. */
START_TEST(drop_reason_names)
{
	enum drop_reason r, q;

	for (r = DROP_NONE; r < DROP_REASON_N; r++) {
		const char *name = drop_reason_str(r);

		ck_assert_str_ne(name, "?");
		ck_assert_uint_gt(strlen(name), 0);
		ck_assert_uint_le(strlen(name), DROP_REASON_NAME_MAX);
		for (q = DROP_NONE; q < r; q++)
			ck_assert_str_ne(name, drop_reason_str(q));
	}
	ck_assert_str_eq(drop_reason_str(DROP_REASON_N), "?");
}
END_TEST

static Suite *nat_suite(void)
{
	Suite *s = suite_create("nat");
	TCase *tc;

	tc = tcase_create("memory");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, aligned_alloc_sizes);
	tcase_add_test(tc, drop_reason_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("translation");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, udp_out_and_back);
	tcase_add_test(tc, tcp_out_and_back_with_new_port);
	tcase_add_test(tc, ip_options_are_kept);
	tcase_add_test(tc, udp_zero_checksum_stays_zero);
	tcase_add_test(tc, udp_computed_zero_is_sent_as_ffff);
	suite_add_tcase(s, tc);

	tc = tcase_create("rfc4787_rfc5382_mapping");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rfc4787_req1_eim_udp);
	tcase_add_test(tc, rfc5382_req1_eim_tcp);
	tcase_add_test(tc, rfc4787_req3_no_port_overloading);
	tcase_add_test(tc, rfc4787_req3a_port_class);
	tcase_add_test(tc, low_port_without_low_range_is_dropped);
	tcase_add_test(tc, rfc4787_req12_exhaustion_is_deterministic);
	tcase_add_test(tc, released_port_is_reused);
	tcase_add_test(tc, table_full);
	tcase_add_test(tc, rfc4787_req2_paired_pooling);
	tcase_add_test(tc, forwards_fill_the_mapping_pool);
	tcase_add_test(tc, forward_on_another_address);
	suite_add_tcase(s, tc);

	tc = tcase_create("filtering");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rfc4787_req8_apdf);
	tcase_add_test(tc, rfc4787_req8_adf);
	tcase_add_test(tc, adf_mapping_moved);
	tcase_add_test(tc, rfc4787_req8_eif);
	tcase_add_test(tc, inbound_not_our_address);
	suite_add_tcase(s, tc);

	tc = tcase_create("timers");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, udp_expires_at_exactly_its_timeout);
	tcase_add_test(tc, udp_timeout_is_configurable);
	tcase_add_test(tc, rfc4787_req6_inbound_refresh);
	tcase_add_test(tc, tcp_opening_is_transitory);
	tcase_add_test(tc, rfc5382_req5_established_timer);
	tcase_add_test(tc, tcp_half_close_keeps_established_timer);
	tcase_add_test(tc, tcp_fin_both_ways_is_transitory);
	tcase_add_test(tc, rfc7857_rst_keeps_session_transitory);
	tcase_add_test(tc, rfc6146_segment_after_rst_reestablishes);
	tcase_add_test(tc, tcp_new_syn_reuses_closed_tuple);
	tcase_add_test(tc, tcp_picked_up_mid_stream);
	tcase_add_test(tc, tcp_rst_never_opens);
	tcase_add_test(tc, icmp_query_timer);
	tcase_add_test(tc, expire_sweeps_with_budget);
	tcase_add_test(tc, timeouts_must_fit_the_clock);
	tcase_add_test(tc, timers_across_the_clock_wrap);
	tcase_add_test(tc, expiry_sweep_across_the_clock_wrap);
	tcase_add_test(tc, fragments_across_the_clock_wrap);
	tcase_add_test(tc, churn_keeps_table_consistent);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, malformed_dropped_with_reason, 0,
			    sizeof(bad_cases) / sizeof(bad_cases[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("router_icmp");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ttl_decremented_and_expired_inside);
	tcase_add_test(tc, ttl_expired_outside_answered_from_public_address);
	tcase_add_test(tc, ttl_expired_quote_is_capped_at_576);
	tcase_add_test(tc, no_icmp_error_about_icmp_error);
	tcase_add_test(tc, icmp_errors_rate_limited);
	tcase_add_test(tc, echo_to_router_answered);
	suite_add_tcase(s, tc);

	tc = tcase_create("rfc5508_icmp");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rfc5508_req1_echo_id_mapping);
	tcase_add_test(tc, rfc5508_req4_inbound_error_translated);
	tcase_add_test(tc, rfc5508_req3c_truncated_tcp_quote);
	tcase_add_test(tc, inbound_error_quoting_echo);
	tcase_add_test(tc, rfc5508_req3_bad_checksums_dropped);
	tcase_add_test(tc, rfc5508_req4a_error_without_session_dropped);
	tcase_add_test(tc, rfc5508_req6_errors_do_not_refresh);
	tcase_add_test(tc, rfc5508_req5_outbound_error_translated);
	tcase_add_test(tc, rfc5508_req5_outbound_error_quoting_echo_reply);
	suite_add_tcase(s, tc);

	tc = tcase_create("hairpin");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rfc4787_req9_udp_hairpin);
	tcase_add_test(tc, rfc5382_req8_tcp_hairpin);
	suite_add_tcase(s, tc);

	tc = tcase_create("fragments");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rfc4787_req14_fragments_both_ways);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return nattest_run(nat_suite());
}
