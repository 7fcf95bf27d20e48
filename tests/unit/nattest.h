/* SPDX-License-Identifier: MIT */
/* nattest.h - the fixture the engine's test suites share
 *
 * One engine (n) built from one configuration (cfg) before each test, a
 * packet buffer to build into (in), one for the expected result (want), and
 * the packet just translated (p).  The helpers send the usual packets of a
 * flow and check verdicts and drop reasons; everything they compare with
 * is built by pktbuild.c, never by the engine.
 */
#ifndef TN_NATTEST_H
#define TN_NATTEST_H

#include <stddef.h>
#include <stdint.h>

#define CK_MAX_ASSERT_MEM_PRINT_SIZE 1600
#include <check.h>

#include "nat/nat.h"
#include "net/ipv4.h"
#include "pktbuild.h"

#define LAN_A	"10.0.0.2"
#define LAN_B	"10.0.0.3"
#define PUB	"203.0.113.1"
#define SRV	"198.51.100.7"
#define SRV2	"198.51.100.8"
#define RTR	"192.0.0.8"
#define WANRTR	"192.0.2.254"

#define S	1000ULL		/* one second of fake clock */

extern struct nat *n;
extern uint32_t pool[4];
extern struct nat_config cfg;
extern struct pb_buf in, want;
extern struct pkt p;
extern const char payload[14];

/* cfg_default() - one public address PUB, RFC timers, APD filtering */
void cfg_default(void);

/* setup() / teardown() - the checked fixture: an engine on cfg_default() */
void setup(void);
void teardown(void);

/* renew() - recreate the engine after a test changed cfg */
void renew(void);

/* run() - translate the @len bytes in @in, read from @dir, at @now */
enum verdict run(size_t len, enum pkt_dir dir, uint64_t now);

/* expect_packet() - p equals @len bytes of want, all checksums hold */
void expect_packet(size_t len);

/* expect_drop() - verdict @v is a drop for reason @r */
void expect_drop(enum verdict v, enum drop_reason r);

/* get16() - big-endian 16 bits at @b */
uint16_t get16(const uint8_t *b);

/* out_sport() - the source port of p (any IHL) */
uint16_t out_sport(void);

/* out_icmp_id() - the ICMP identifier of p */
uint16_t out_icmp_id(void);

/* udp_out() - payload from @src:@sport to @dst:@dport must be forwarded;
 * return the public port it left with */
uint16_t udp_out(const char *src, uint16_t sport, const char *dst,
		 uint16_t dport, uint64_t now);

/* udp_in() - payload from @src:@sport to PUB:@pport, read from outside */
enum verdict udp_in(const char *src, uint16_t sport, uint16_t pport,
		    uint64_t now);

/* tcp_seg() - a bare TCP segment: from @lan:@lport to @srv:@sport
 * (DIR_OUT), or from @srv:@sport to PUB:@pport (DIR_IN), each end at the
 * sequence number it has after its SYN (1000 inside, 2000 outside) */
enum verdict tcp_seg(enum pkt_dir dir, const char *lan, uint16_t lport,
		     const char *srv, uint16_t sport, uint16_t pport,
		     uint8_t flags, uint64_t now);

/* pending_count() - take what nat_pending() has; how many packets, the
 * last of them copied to @last (if not NULL, room for PKT_BUF_SIZE) */
unsigned pending_count(uint8_t *last, size_t *last_len, enum verdict *v);

/* nattest_run() - run suite @s; the exit status for main() */
int nattest_run(Suite *s);

#endif /* TN_NATTEST_H */
