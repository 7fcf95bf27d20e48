/* SPDX-License-Identifier: MIT */
/* mkcorpus.c - write the seeds of the engine and PPTP fuzz harnesses
 *
 * Each seed is an input in the format of ops.h that plays one real
 * exchange: a UDP flow and its reply, a TCP connection from SYN to FIN,
 * echo, ICMP errors, fragments in and out of order, forwards, hairpins,
 * offloaded packets, limits, reloads, a PPTP call set up, used and torn
 * down.  The packets are built with pktbuild.c, as the unit tests build
 * theirs, so the fuzzer starts from traffic the engine takes.
 *
 *   mkcorpus DIR	writes DIR/engine/NAME and DIR/pptp/NAME
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/ipv4.h"
#include "ops.h"
#include "../unit/pktbuild.h"

#define LAN_A	"10.0.0.2"
#define LAN_B	"10.0.0.3"
#define INSRV	"10.0.0.50"
#define PUB	"203.0.113.1"
#define PUB2	"203.0.113.2"
#define SRV	"198.51.100.7"
#define SRV2	"198.51.100.8"
#define RTR	"192.0.0.8"

/* An input being written. */
struct seed {
	uint8_t b[8192];
	size_t n;
};

static struct seed sd;
static uint8_t pkt[PKT_BUF_SIZE], tmp[PKT_BUF_SIZE];
static const char *dir;

static void u8(unsigned v)
{
	if (sd.n < sizeof(sd.b))
		sd.b[sd.n++] = (uint8_t)v;
}

static void u16(unsigned v)
{
	u8(v >> 8);
	u8(v);
}

static void u32(uint32_t v)
{
	u16(v >> 16);
	u16(v & 0xffff);
}

static void bytes(const uint8_t *b, size_t n)
{
	while (n--)
		u8(*b++);
}

/* An engine input: configuration @cfg, clock start @clock. */
static void begin(unsigned cfg, unsigned clock)
{
	sd.n = 0;
	u8(cfg);
	u8(clock);
}

/* A PPTP input: configuration @cfg (an index into those with PPTP on). */
static void begin_pptp(unsigned cfg)
{
	sd.n = 0;
	u8(cfg);
}

static void save(const char *harness, const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, harness);
	if (mkdir(path, 0755) && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s/%s", dir, harness, name);
	f = fopen(path, "wb");
	if (!f || fwrite(sd.b, 1, sd.n, f) != sd.n || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* ---- engine operations ------------------------------------------------------ */

/* A packet as it is, read from outside if @in. */
static void raw(bool in, size_t len)
{
	u8(OP(EOP_RAW, in ? 1 : 0));
	u16((unsigned)len);
	bytes(pkt, len);
}

static void udp(bool in, const char *src, unsigned sport, const char *dst,
		unsigned dport, size_t n)
{
	static uint8_t data[1500];

	memset(data, 'u', sizeof(data));
	raw(in, pb_udp(pkt, (struct pb_ip){ .src = src, .dst = dst }, sport,
		       dport, data, n));
}

static void tcp(bool in, const char *src, unsigned sport, const char *dst,
		unsigned dport, uint8_t flags, uint32_t seq, uint32_t ack,
		const char *data)
{
	raw(in, pb_tcp(pkt, (struct pb_ip){ .src = src, .dst = dst }, sport,
		       dport, flags, seq, ack, data, data ? strlen(data) : 0));
}

static void clock_s(unsigned s)
{
	u8(OP(EOP_CLOCK, 2));
	u16(s);
}

static void expire(void)
{
	u8(OP(EOP_EXPIRE, 0));
	u8(0);
}

static void walk_all(void)
{
	u8(OP(EOP_WALK, 0));
	u8(0);
	u8(3);
}

/* EOP_BUILD of @kind from @flags' side: addresses @sel, ports @sp, @dp
 * (or GRE key, ICMP identifier and sequence number). */
static void build(unsigned flags, unsigned kind, unsigned sel, unsigned sp,
		  unsigned dp, unsigned bits, unsigned ipb, unsigned n)
{
	u8(OP(EOP_BUILD, flags));
	u8(kind);
	u8(sel);
	u8(PORT_RAW);
	u16(sp);
	u8(PORT_RAW);
	u16(dp);
	u8(bits);
	u8(ipb);
	u8(7);		/* IP ID */
	u16(n);
}

static void engine_seeds(void)
{
	uint8_t opts[8] = { 1, 2, 4, 0x05, 0xb4, 1, 1, 1 };
	size_t len, k;

	/* a UDP flow: out, back, idle, swept */
	begin(0, 0);
	udp(false, LAN_A, 5000, SRV, 53, 40);
	udp(true, SRV, 53, PUB, 5000, 100);
	udp(false, LAN_A, 5000, SRV, 53, 0);
	walk_all();
	clock_s(301);
	expire();
	udp(true, SRV, 53, PUB, 5000, 10);
	save("engine", "udp-flow");

	/* a TCP connection with an MSS option, data, FIN both ways */
	begin(1, 1);
	len = pb_tcp_syn_opts(pkt, (struct pb_ip){ .src = LAN_A, .dst = SRV },
			      40000, 80, TCP_SYN, opts, sizeof(opts));
	raw(false, len);
	u8(OP(EOP_REPLY, 0));
	u8(TCP_SYN | TCP_ACK);
	u8(0);
	u16(0);
	u8(OP(EOP_REPLY, 1));
	u8(TCP_ACK);
	u8(0);
	u16(0);
	tcp(false, LAN_A, 40000, SRV, 80, TCP_ACK | TCP_PSH, 2, 2001,
	    "GET / HTTP/1.0\r\n\r\n");
	u8(OP(EOP_REPLY, 0));
	u8(TCP_ACK | TCP_FIN);
	u8(200);
	u16(0);
	tcp(false, LAN_A, 40000, SRV, 80, TCP_ACK | TCP_FIN, 20, 2202, NULL);
	clock_s(5);
	expire();
	save("engine", "tcp-connection");

	/* the same through a preserved port, replies as raw packets */
	begin(0, 2);
	tcp(false, LAN_A, 40001, SRV, 443, TCP_SYN, 100, 0, NULL);
	tcp(true, SRV, 443, PUB, 40001, TCP_SYN | TCP_ACK, 500, 101, NULL);
	tcp(false, LAN_A, 40001, SRV, 443, TCP_ACK, 101, 501, NULL);
	tcp(true, SRV, 443, PUB, 40001, TCP_RST, 501, 0, NULL);
	tcp(false, LAN_A, 40001, SRV, 443, TCP_RST, 101, 0, NULL);
	save("engine", "tcp-reset");

	/* echo out and back, to the router, to the public address;
	 * timestamp */
	begin(0, 0);
	raw(false, pb_icmp_query(pkt, (struct pb_ip){ .src = LAN_A,
				 .dst = SRV }, 8, 0x1234, 1, "ping", 4));
	raw(true, pb_icmp_query(pkt, (struct pb_ip){ .src = SRV, .dst = PUB },
				0, 0x1234, 1, "ping", 4));
	raw(false, pb_icmp_query(pkt, (struct pb_ip){ .src = LAN_A,
				 .dst = RTR }, 8, 7, 1, NULL, 0));
	raw(false, pb_icmp_query(pkt, (struct pb_ip){ .src = LAN_B,
				 .dst = PUB }, 8, 8, 1, NULL, 0));
	raw(true, pb_icmp_query(pkt, (struct pb_ip){ .src = SRV, .dst = PUB },
				8, 9, 1, NULL, 0));
	raw(false, pb_icmp_query(pkt, (struct pb_ip){ .src = LAN_B,
				 .dst = SRV2 }, 13, 99, 1,
				 "123456789012", 12));
	u8(OP(EOP_REPLY, 0));
	u8(0);
	u8(12);
	u16(0);
	save("engine", "icmp-echo");

	/* ICMP errors both ways about a translated flow */
	begin(0, 0);
	udp(false, LAN_A, 5000, SRV, 53, 30);
	len = pb_udp(tmp, (struct pb_ip){ .src = PUB, .dst = SRV, .ttl = 63 },
		     5000, 53, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 30);
	raw(true, pb_icmp_error(pkt, (struct pb_ip){ .src = SRV, .dst = PUB },
				3, 3, 0, tmp, len));
	u8(OP(EOP_ICMP_ERR, 2));
	u8(EE_FRAG_NEEDED);
	u8(8);
	udp(true, SRV, 53, PUB, 5000, 20);
	u8(OP(EOP_ICMP_ERR, 1));
	u8(EE_PORT_UNREACH);
	u8(0);
	u8(OP(EOP_ICMP_ERR, 3));
	u8(EE_TTL);
	u8(0);
	save("engine", "icmp-errors");

	/* a big UDP datagram out in fragments, in and out of order, and
	 * one in from outside */
	begin(0, 0);
	build(0, EK_UDP, 0, 53, 53, 0, 0, 2900);
	u8(OP(EOP_FRAGS, 0));
	u8(63);
	u8(EO_IN_ORDER);
	u8(OP(EOP_FRAGS, 0));
	u8(20);
	u8(EO_REVERSE);
	u8(OP(EOP_FRAGS, 0));
	u8(40);
	u8(EO_MISSING_ONE);
	clock_s(6);
	expire();
	/* the reply, in two fragments, the later one first */
	memset(tmp, 'f', 1500);
	len = pb_udp(pkt, (struct pb_ip){ .src = SRV, .dst = PUB, .id = 77 },
		     53, 53, tmp, 1500);
	memcpy(tmp, pkt, len);
	k = pb_fragment(pkt, tmp, 1000, len - 20 - 1000, false);
	raw(true, k);
	k = pb_fragment(pkt, tmp, 0, 1000, true);
	raw(true, k);
	save("engine", "fragments");

	/* a small MTU: too big with DF, cut without (configuration 2) */
	begin(2, 0);
	build(0, EK_UDP, 0, 53, 53, 0, EI_DF, 300);
	build(0, EK_UDP, 1, 5000, 53, 0, 0, 300);
	build(0, EK_TCP, 0, 5000, 80, TCP_SYN, EI_EXTRA, 0);
	build(0, EK_ECHO, 0, 1723, 1723, 0, EI_OPTS, 200);
	build(0, EK_UDP, 5, 53, 53, 0, 0, 10);
	save("engine", "mtu");

	/* GRE version 0 and ESP both ways; the ESP forward (config 1) */
	begin(1, 0);
	build(0, EK_GRE0, 0, 1723, 1723, 7, 0, 64);
	u8(OP(EOP_REPLY, 0));
	u8(0);
	u8(64);
	u16(0);
	build(0, EK_ESP, 1, 1723, 1723, 0, 0, 64);
	u8(OP(EOP_REPLY, 0));
	u8(0);
	u8(64);
	u16(0);
	build(1, EK_ESP, 1, 1723, 1723, 0, 0, 64);
	build(1, EK_GRE0, 1, 1723, 1723, 0, 0, 64);
	build(0, EK_PROTO, 0, 1723, 1723, 0, 0, 8);
	u8(132);
	save("engine", "protocols");

	/* forwards: TCP 8080 and UDP 5000-5003 in, answers out */
	begin(1, 0);
	tcp(true, SRV, 33000, PUB, 8080, TCP_SYN, 1, 0, NULL);
	tcp(false, INSRV, 80, SRV, 33000, TCP_SYN | TCP_ACK, 9, 2, NULL);
	tcp(true, "192.0.2.9", 33001, PUB, 8080, TCP_SYN, 1, 0, NULL);
	udp(true, SRV, 7777, PUB2, 5001, 10);
	udp(false, INSRV, 6001, SRV, 7777, 10);
	udp(false, INSRV, 6003, SRV2, 7777, 10);
	walk_all();
	save("engine", "forwards");

	/* a hairpin: one inside host to another's public endpoint */
	begin(0, 0);
	udp(false, LAN_A, 5000, SRV, 53, 10);
	udp(false, LAN_B, 6000, PUB, 5000, 10);
	udp(false, LAN_A, 5000, PUB, 6000, 10);
	tcp(false, LAN_A, 7000, SRV, 80, TCP_SYN, 1, 0, NULL);
	tcp(false, LAN_B, 7001, PUB, 7000, TCP_SYN, 1, 0, NULL);
	save("engine", "hairpin");

	/* offload: partial checksums, a TCP and a UDP superpacket */
	begin(0, 0);
	build(2, EK_TCP, 0, 5000, 80, TCP_ACK, 0, 1400);
	build(6, EK_TCP, 0, 5000, 80, TCP_ACK | TCP_PSH, 0, 2800);
	u16(1000);
	build(6, EK_UDP, 1, 5000, 53, 0, 0, 2000);
	u16(700);
	build(3, EK_UDP, 1, 53, 5000, 0, 0, 100);
	save("engine", "offload");

	/* superpackets past a small MTU (configuration 1) */
	begin(1, 0);
	build(6, EK_TCP, 0, 5000, 80, TCP_ACK, 0, 2800);
	u16(1400);
	build(6, EK_UDP, 0, 5000, 53, 0, 0, 2900);
	u16(1400);
	save("engine", "offload-mtu");

	/* limits: a table of four, two per host (configurations 4, 5) */
	begin(4, 0);
	for (k = 0; k < 6; k++)
		udp(false, k % 2 ? LAN_A : LAN_B, 1000 + (unsigned)k, SRV,
		    53, 8);
	u8(OP(EOP_RECONF, 0));
	u8(5);
	udp(false, "10.0.0.51", 1, SRV, 53, 8);
	clock_s(3);
	expire();
	save("engine", "limits");

	/* the port range runs out (configuration 3: four ports) */
	begin(3, 0);
	for (k = 0; k < 7; k++)
		udp(false, k % 2 ? LAN_A : "10.0.0.51", 2000 + (unsigned)k,
		    SRV, 53, 8);
	save("engine", "ports");

	/* unsolicited SYNs held, then rejected (configuration 1) */
	begin(1, 0);
	tcp(true, SRV, 80, PUB, 1050, TCP_SYN, 5, 0, NULL);
	tcp(true, SRV, 81, PUB, 1051, TCP_SYN, 5, 0, NULL);
	tcp(false, LAN_A, 1051, SRV, 81, TCP_SYN, 9, 0, NULL);
	clock_s(7);
	expire();
	save("engine", "syn-hold");

	/* reloads, walks and flushes */
	begin(0, 0);
	udp(false, LAN_A, 5000, SRV, 53, 10);
	tcp(false, LAN_B, 5001, SRV2, 80, TCP_SYN, 1, 0, NULL);
	u8(OP(EOP_RECONF, 0));
	u8(2);
	udp(false, LAN_A, 5002, SRV, 53, 10);
	u8(OP(EOP_RECONF, 0));
	u8(3);
	udp(true, SRV, 53, PUB, 5000, 10);
	u8(OP(EOP_RECONF, 0));
	u8(6);
	u8(OP(EOP_WALK, 0));
	u8(EM_PROTO | EM_IN_ADDR);
	u8(1);
	u8(0);
	u8(1);
	u8(OP(EOP_FLUSH, 0));
	u8(EM_REM_ADDR);
	u8(0);
	u8(2);
	u8(OP(EOP_RECONF, 0));
	u8(1);
	walk_all();
	save("engine", "reload");

	/* odd headers: TTL 1, options, a source route, martians */
	begin(0, 0);
	build(0, EK_UDP, 0, 53, 53, 0, EI_TTL1, 10);
	build(1, EK_UDP, 0, 53, 53, 0, EI_TTL1, 10);
	build(0, EK_UDP, 0, 53, 53, 0, EI_OPTS, 10);
	build(0, EK_UDP, 0, 53, 53, 0, EI_SRR, 10);
	build(0, EK_UDP, 0, 53, 53, 0, EI_ODD_SRC, 10);
	build(0, EK_UDP, 0xc1, 53, 53, 0, 0, 10);
	build(0, EK_UDP, 0, 53, 53, 0, EI_EXTRA, 10);
	build(0, EK_TCP, 0, 53, 53, TCP_SYN, EI_BAD_CSUM, 10);
	save("engine", "headers");

	/* PPTP through the engine: a call set up, GRE both ways */
	begin(0, 0);
	tcp(false, LAN_A, 5000, SRV, 1723, TCP_SYN, 1, 0, NULL);
	tcp(true, SRV, 1723, PUB, 5000, TCP_SYN | TCP_ACK, 100, 2, NULL);
	{
		static const uint8_t ocrq_hdr[16] = {
			0, 168, 0, 1, 0x1a, 0x2b, 0x3c, 0x4d, 0, 7, 0, 0,
			0x12, 0x34, 0, 1,
		};
		static const uint8_t ocrp_hdr[20] = {
			0, 32, 0, 1, 0x1a, 0x2b, 0x3c, 0x4d, 0, 8, 0, 0,
			0x43, 0x21, 0x12, 0x34, 1, 0, 0, 0,
		};
		uint8_t m[168] = { 0 };

		memcpy(m, ocrq_hdr, sizeof(ocrq_hdr));
		raw(false, pb_tcp(pkt, (struct pb_ip){ .src = LAN_A,
				  .dst = SRV }, 5000, 1723,
				  TCP_ACK | TCP_PSH, 2, 101, m, 168));
		memset(m, 0, sizeof(m));
		memcpy(m, ocrp_hdr, sizeof(ocrp_hdr));
		raw(true, pb_tcp(pkt, (struct pb_ip){ .src = SRV,
				 .dst = PUB }, 1723, 5000,
				 TCP_ACK | TCP_PSH, 101, 170, m, 32));
	}
	build(0, EK_GRE1, 0, 0, 0x4321, 3, 0, 40);
	build(1, EK_GRE1, 0, 0, 0x1234, 3, 0, 40);
	save("engine", "pptp");
}

/* ---- PPTP operations -------------------------------------------------------- */

enum { SCCRQ = 1, SCCRP, STOPCCRQ, STOPCCRP, ECHORQ, ECHORP, OCRQ, OCRP,
       ICRQ, ICRP, ICCN, CCRQ, CDN, WEN, SLI };

static void p_open(unsigned c, uint32_t isn_c, uint32_t isn_s)
{
	u8(OP(POP_OPEN, c));
	u32(isn_c);
	u32(isn_s);
}

/* A message from side @srv of connection @c. */
static void p_msg(unsigned c, bool srv, unsigned type, unsigned how1,
		  unsigned id1, unsigned how2, unsigned id2, unsigned res)
{
	u8(OP(POP_MSG, c | (srv ? 4 : 0)));
	u8(type);
	u8(how1);
	u16(id1);
	u8(how2);
	u16(id2);
	u8(res);
}

static void p_send(unsigned c, bool srv, unsigned size)
{
	u8(OP(POP_SEND, c | (srv ? 4 : 0)));
	u8(size);
}

static void p_gre(unsigned c, bool srv)
{
	u8(OP(POP_GRE, c | (srv ? 4 : 0)));
	u8(PID_PEER);
	u16(0);
	u8(3);
	u8(40);
}

/* Start-Control-Connection both ways, then a call out: OCRQ, OCRP. */
static void p_call(unsigned c, unsigned id, unsigned srv_id)
{
	p_msg(c, false, SCCRQ, 0, 0, 0, 0, 0);
	p_send(c, false, 255);
	p_msg(c, true, SCCRP, 0, 0, 0, 0, 1);
	p_send(c, true, 255);
	p_msg(c, false, OCRQ, PID_RAW, id, PID_RAW, 1, 0);
	p_send(c, false, 255);
	p_msg(c, true, OCRP, PID_RAW, srv_id, PID_PEER, 0, 1);
	p_send(c, true, 255);
}

static void pptp_seeds(void)
{
	/* a call out: set up, GRE both ways, cleared, disconnected */
	begin_pptp(0);
	p_open(0, 1000, 90000);
	p_call(0, 0x1234, 0x4321);
	p_gre(0, false);
	p_gre(0, true);
	p_msg(0, false, CCRQ, PID_MINE, 0, 0, 0, 0);
	p_send(0, false, 255);
	p_msg(0, true, CDN, PID_MINE, 0, 0, 0, 0);
	p_send(0, true, 255);
	u8(OP(POP_CLOSE, 0));
	u8(TCP_FIN);
	u8(0);
	u8(OP(POP_CLOSE, 4));
	u8(TCP_FIN);
	u8(0);
	save("pptp", "call");

	/* the same byte by byte, retransmitted, and ahead of a gap */
	begin_pptp(0);
	p_open(0, 0xfffffff0, 7);
	p_msg(0, false, SCCRQ, 0, 0, 0, 0, 0);
	p_msg(0, false, OCRQ, PID_RAW, 0x0101, PID_RAW, 1, 0);
	p_send(0, false, 0);
	u8(OP(POP_SEG, 0));
	u8(0xe0);	/* 32 bytes back */
	u16(20);
	u8(0);
	p_msg(0, true, OCRP, PID_RAW, 0x0202, PID_PEER, 0, 1);
	u8(OP(POP_SEG, 4));
	u8(20);		/* 20 bytes ahead: a gap */
	u16(10);
	u8(0);
	u8(OP(POP_SEG, 4));
	u8(0xe2);	/* the gap filled */
	u16(30);
	u8(0);
	p_send(0, true, 1);
	p_gre(0, true);
	save("pptp", "split");

	/* two inside clients of one server with the same Call ID */
	begin_pptp(0);
	p_open(0, 1, 2);
	p_open(2, 3, 4);
	p_call(0, 0x5555, 0x0001);
	p_call(2, 0x5555, 0x0002);
	p_gre(0, true);
	p_gre(2, true);
	p_gre(2, false);
	u8(OP(POP_FLUSH, 0));
	u8(0);
	p_gre(2, true);
	save("pptp", "collision");

	/* an outside client of the PPTP server inside (configuration 1):
	 * an incoming call, ICRQ ICRP ICCN, WEN, SLI, echo, stop */
	begin_pptp(1);
	p_open(1, 11, 22);
	p_msg(1, false, SCCRQ, 0, 0, 0, 0, 0);
	p_send(1, false, 255);
	p_msg(1, true, SCCRP, 0, 0, 0, 0, 1);
	p_send(1, true, 255);
	p_msg(1, false, ICRQ, PID_RAW, 0x0777, PID_RAW, 5, 0);
	p_send(1, false, 255);
	p_msg(1, true, ICRP, PID_RAW, 0x0888, PID_PEER, 0, 1);
	p_send(1, true, 255);
	p_msg(1, false, ICCN, PID_PEER, 0, 0, 0, 0);
	p_msg(1, false, WEN, PID_PEER, 0, 0, 0, 0);
	p_msg(1, true, SLI, PID_PEER, 0, 0, 0, 0);
	p_msg(1, false, ECHORQ, 0, 0, 0, 0, 0);
	p_send(1, false, 3);
	p_send(1, true, 3);
	p_gre(1, false);
	p_gre(1, true);
	p_msg(1, true, STOPCCRQ, 0, 0, 0, 0, 0);
	p_send(1, true, 255);
	save("pptp", "incoming");

	/* a call limit of two (configuration 4), a refused call, a lost
	 * sync, a reset, the connection used again */
	begin_pptp(3);
	p_open(0, 100, 200);
	p_call(0, 0x0100, 0x0a00);
	p_msg(0, false, OCRQ, PID_RAW, 0x0101, PID_RAW, 2, 0);
	p_msg(0, false, OCRQ, PID_RAW, 0x0102, PID_RAW, 3, 0);
	p_send(0, false, 255);
	p_msg(0, true, OCRP, PID_RAW, 0x0b00, PID_PEER, 1, 2);
	p_send(0, true, 255);
	u8(OP(POP_CLOCK, 0));
	u16(61);
	p_gre(0, true);
	u8(OP(POP_BYTES, 0));
	u8(4);
	u32(0xdeadbeef);
	p_send(0, false, 255);
	u8(OP(POP_CLOSE, 4));
	u8(TCP_RST);
	u8(0);
	u8(OP(POP_REUSE, 0));
	u32(5000);
	u32(6000);
	save("pptp", "limits");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mkcorpus DIR\n");
		return 64;
	}
	dir = argv[1];
	if (mkdir(dir, 0755) && errno != EEXIST) {
		perror(dir);
		return 1;
	}
	engine_seeds();
	pptp_seeds();
	return 0;
}
