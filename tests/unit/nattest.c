/* SPDX-License-Identifier: MIT */
/* nattest.c - the fixture the engine's test suites share (nattest.h) */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nattest.h"

struct nat *n;
uint32_t pool[4];
struct nat_config cfg;
struct pb_buf in, want;
struct pkt p;

const char payload[14] = "hello, tunnat";

void cfg_default(void)
{
	pool[0] = pb_addr(PUB);
	cfg = (struct nat_config){
		.addrs = pool,
		.naddrs = 1,
		.port_lo = 1,
		.port_hi = 65535,
		.max_sessions = 4096,
		.tcp_est_ms = 7440 * S,
		.tcp_open_ms = 240 * S,
		.tcp_close_ms = 240 * S,
		.udp_ms = 300 * S,
		.icmp_ms = 60 * S,
		.gre_ms = 300 * S,
		.other_ms = 600 * S,
		.router_addr = pb_addr(RTR),
		/* the strictest filtering, so that each test of another
		 * mode says so */
		.filtering = { NAT_FILTER_APD, NAT_FILTER_APD, NAT_FILTER_APD },
		.icmp_errors_per_s = 100,
		.seed = { 1, 2, 3, 4 },
	};
}

void setup(void)
{
	cfg_default();
	n = nat_new(&cfg);
	ck_assert_ptr_nonnull(n);
}

void teardown(void)
{
	nat_free(n);
	n = NULL;
}

/* Recreate the engine after a test changed cfg. */
void renew(void)
{
	nat_free(n);
	n = nat_new(&cfg);
	ck_assert_ptr_nonnull(n);
}

enum verdict run(size_t len, enum pkt_dir dir, uint64_t now)
{
	pkt_init(&p, pb_data(&in), (uint32_t)len, PKT_DATA_MAX, dir);
	return nat_translate(n, &p, now);
}

/* The translated packet equals @len bytes of want, and all checksums hold. */
void expect_packet(size_t len)
{
	ck_assert_uint_eq(p.len, len);
	ck_assert_mem_eq(p.data, pb_data(&want), len);
	ck_assert(pb_ip_csum_ok(p.data));
	ck_assert(pb_l4_csum_ok(p.data, p.len));
}

void expect_drop(enum verdict v, enum drop_reason r)
{
	ck_assert_int_eq(v, VERDICT_DROP);
	ck_assert_str_eq(drop_reason_str(p.drop), drop_reason_str(r));
}

uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* Source port of the packet just translated (any IHL). */
uint16_t out_sport(void)
{
	return get16(p.data + (p.data[0] & 0x0f) * 4);
}

uint16_t out_icmp_id(void)
{
	return get16(p.data + (p.data[0] & 0x0f) * 4 + 4);
}

/* Send a UDP datagram from inside; return the public port it left with. */
uint16_t udp_out(const char *src, uint16_t sport, const char *dst,
			uint16_t dport, uint64_t now)
{
	size_t len = pb_udp(pb_data(&in), (struct pb_ip){ .src = src,
			    .dst = dst }, sport, dport, payload,
			    sizeof(payload));

	ck_assert_int_eq(run(len, DIR_OUT, now), VERDICT_FORWARD);
	return out_sport();
}

/* Send the reply to a UDP flow in from outside; return the verdict. */
enum verdict udp_in(const char *src, uint16_t sport, uint16_t pport,
			   uint64_t now)
{
	size_t len = pb_udp(pb_data(&in), (struct pb_ip){ .src = src,
			    .dst = PUB }, sport, pport, payload,
			    sizeof(payload));

	return run(len, DIR_IN, now);
}

enum verdict tcp_seg(enum pkt_dir dir, const char *lan, uint16_t lport,
			    const char *srv, uint16_t sport, uint16_t pport,
			    uint8_t flags, uint64_t now)
{
	size_t len;

	if (dir == DIR_OUT)
		len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = lan,
			     .dst = srv }, lport, sport, flags, 1000, 2000,
			     NULL, 0);
	else
		len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = srv,
			     .dst = PUB }, sport, pport, flags, 2000, 1001,
			     NULL, 0);
	return run(len, dir, now);
}


unsigned pending_count(uint8_t *last, size_t *last_len, enum verdict *v)
{
	unsigned cnt = 0;
	enum verdict pv;
	struct pkt q;

	while ((pv = nat_pending(n, &q)) != VERDICT_DROP) {
		cnt++;
		if (last) {
			memcpy(last, q.data, q.len);
			*last_len = q.len;
		}
		if (v)
			*v = pv;
	}
	return cnt;
}

int nattest_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
