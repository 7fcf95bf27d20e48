/* SPDX-License-Identifier: MIT */
/* check_pptp.c - the PPTP ALG and GRE, byte for byte, with a fake clock
 *
 * A small TCP model (struct conn) plays a PPTP control connection between
 * an inside host and a server through the engine: each test sends RFC 2637
 * messages built here, and compares every translated segment with the one
 * it should be, built independently (pktbuild.c), checksums included.  GRE
 * packets are checked the same way.  The addresses are those of the worked
 * example in the issue: public 59.173.163.119, server 221.217.151.68.
 */

#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CK_MAX_ASSERT_MEM_PRINT_SIZE 600
#include <check.h>

#include "nat/nat.h"
#include "net/ipv4.h"
#include "pktbuild.h"

#define PUB	"59.173.163.119"
#define SRV	"221.217.151.68"
#define LAN_A	"192.168.1.10"
#define LAN_B	"192.168.1.11"
#define LAN_S	"192.168.1.50"	/* a PPTP server inside */
#define CLI	"198.51.100.20"	/* a PPTP client outside */
#define S	1000ULL

enum { SCCRQ = 1, SCCRP, STOPCCRQ, STOPCCRP, ECHORQ, ECHORP, OCRQ, OCRP,
       ICRQ, ICRP, ICCN, CCRQ, CDN, WEN, SLI };

static const uint16_t msg_len[] = {
	0, 156, 156, 16, 16, 16, 20, 168, 32, 220, 24, 28, 16, 148, 40, 24,
};

static struct nat *n;
static uint32_t pool[1];
static struct nat_config cfg;
static struct pb_buf in, want;
static struct pkt p;
static uint64_t now;

/* events seen, for the log tests */
static struct nat_event events[64];
static char reasons[64][80];
static unsigned nevents;

static void on_event(void *arg, const struct nat_event *ev)
{
	if (nevents < 64) {
		events[nevents] = *ev;
		snprintf(reasons[nevents], sizeof(reasons[0]), "%s",
			 ev->reason ? ev->reason : "");
		events[nevents].reason = reasons[nevents];
		nevents++;
	}
}

static void cfg_default(void)
{
	pool[0] = pb_addr(PUB);
	cfg = (struct nat_config){
		.addrs = pool, .naddrs = 1, .port_lo = 1, .port_hi = 65535,
		.max_sessions = 4096,
		.tcp_est_ms = 7440 * S, .tcp_open_ms = 240 * S,
		.tcp_close_ms = 240 * S,
		.udp_ms = 300 * S, .icmp_ms = 60 * S, .gre_ms = 300 * S,
		.other_ms = 600 * S,
		.router_addr = pb_addr("192.0.0.8"),
		.icmp_errors_per_s = 100,
		.seed = { 11, 12, 13, 14 },
		.alg[NAT_ALG_PPTP] = {
			.enabled = true, .ports = { 1723 }, .nports = 1,
			.max_connections = 64,
			.max_calls_per_connection = 4,
			.max_calls_per_host = 300,
			.max_calls_per_server = 1000,
		},
		.event = on_event,
	};
}

static void setup(void)
{
	cfg_default();
	nevents = 0;
	now = 0;
	n = nat_new(&cfg);
	ck_assert_ptr_nonnull(n);
}

static void teardown(void)
{
	nat_free(n);
	n = NULL;
}

static void renew(void)
{
	nat_free(n);
	nevents = 0;
	n = nat_new(&cfg);
	ck_assert_ptr_nonnull(n);
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

/* A forward of TCP 1723 on PUB to the PPTP server inside, LAN_S. */
static void forward_pptp_server(void)
{
	static struct nat_forward fw;

	fw = (struct nat_forward){ .proto = IPPROTO_TCP, .pub_addr = pool[0],
				   .in_addr = pb_addr(LAN_S), .pub_lo = 1723,
				   .pub_hi = 1723, .in_lo = 1723 };
	cfg.forwards = &fw;
	cfg.nforwards = 1;
	renew();
}

/* ---- PPTP messages ------------------------------------------------------ */

/* A message of @type with Call ID fields @a at 12 and @b at 14 and result
 * @res at the type's result offset (16, or 14 for SCCRP). */
static size_t msg(uint8_t *m, int type, uint16_t a, uint16_t b, uint8_t res)
{
	size_t len = msg_len[type];

	memset(m, 0, len);
	put16(m, (uint16_t)len);
	put16(m + 2, 1);
	m[4] = 0x1a;
	m[5] = 0x2b;
	m[6] = 0x3c;
	m[7] = 0x4d;
	put16(m + 8, (uint16_t)type);
	switch (type) {
	case SCCRQ:
	case SCCRP:
		put16(m + 12, 0x0100);	/* protocol version 1.0 */
		if (type == SCCRP)
			m[14] = res;
		memcpy(m + 28, "tunnat-test", 11);
		break;
	case OCRP:
	case ICRP:
		put16(m + 12, a);
		put16(m + 14, b);
		m[16] = res;
		break;
	case OCRQ:
	case ICRQ:
		put16(m + 12, a);
		put16(m + 14, b);	/* Call Serial Number */
		break;
	default:
		if (len >= 14)
			put16(m + 12, a);
	}
	for (size_t i = 24; i < len && type == OCRQ; i++)
		m[i] = (uint8_t)i;	/* speeds, phone number: filler */
	return len;
}

/* ---- a TCP connection through the engine ------------------------------ */

/**
 * struct conn - one control connection as both ends see it
 * @lan, @lport:	the inside end
 * @srv, @sport:	the outside end, as the inside end sees it
 * @pub:		the public address the outside end sees
 * @pport:		the public port it sees (learned from the SYN)
 * @in_seq, @out_seq:	next sequence numbers of the inside and outside ends
 * @server_inside:	the inside end is the server (static mapping)
 */
struct conn {
	const char *lan, *srv, *pub;
	uint16_t lport, sport, pport;
	uint32_t in_seq, out_seq;
	bool server_inside;
};

static enum verdict run(size_t len, enum pkt_dir dir)
{
	pkt_init(&p, pb_data(&in), (uint32_t)len, PKT_DATA_MAX, dir);
	return nat_translate(n, &p, now);
}

static size_t seg_in(uint8_t *b, const struct conn *c, uint8_t flags,
		     uint32_t seq, uint32_t ack, const void *d, size_t len)
{
	return pb_tcp(b, (struct pb_ip){ .src = c->srv, .dst = c->pub },
		      c->sport, c->pport, flags, seq, ack, d, len);
}

static size_t seg_out(uint8_t *b, const struct conn *c, uint8_t flags,
		      uint32_t seq, uint32_t ack, const void *d, size_t len)
{
	return pb_tcp(b, (struct pb_ip){ .src = c->lan, .dst = c->srv },
		      c->lport, c->sport, flags, seq, ack, d, len);
}

/* Inside end -> outside end: the segment as the outside end gets it. */
static size_t seg_out_xlated(uint8_t *b, const struct conn *c, uint8_t flags,
			     uint32_t seq, uint32_t ack, const void *d,
			     size_t len)
{
	return pb_tcp(b, (struct pb_ip){ .src = c->pub, .dst = c->srv,
		      .ttl = 63 }, c->pport, c->sport, flags, seq, ack, d,
		      len);
}

static size_t seg_in_xlated(uint8_t *b, const struct conn *c, uint8_t flags,
			    uint32_t seq, uint32_t ack, const void *d,
			    size_t len)
{
	return pb_tcp(b, (struct pb_ip){ .src = c->srv, .dst = c->lan,
		      .ttl = 63 }, c->sport, c->lport, flags, seq, ack, d,
		      len);
}

static void expect_packet(size_t len)
{
	ck_assert_uint_eq(p.len, len);
	ck_assert_mem_eq(p.data, pb_data(&want), len);
	ck_assert(pb_ip_csum_ok(p.data));
	ck_assert(pb_l4_csum_ok(p.data, p.len));
}

/* Handshake, opened by the inside end (a client) or the outside end. */
static void conn_open(struct conn *c)
{
	size_t len;

	c->in_seq = 1000;
	c->out_seq = 900000;
	if (!c->server_inside) {
		len = seg_out(pb_data(&in), c, TCP_SYN, c->in_seq - 1, 0,
			      NULL, 0);
		ck_assert_int_eq(run(len, DIR_OUT), VERDICT_FORWARD);
		c->pport = get16(p.data + 20);
		len = seg_in(pb_data(&in), c, TCP_SYN | TCP_ACK,
			     c->out_seq - 1, c->in_seq, NULL, 0);
		ck_assert_int_eq(run(len, DIR_IN), VERDICT_FORWARD);
	} else {
		len = seg_in(pb_data(&in), c, TCP_SYN, c->out_seq - 1, 0,
			     NULL, 0);
		ck_assert_int_eq(run(len, DIR_IN), VERDICT_FORWARD);
		len = seg_out(pb_data(&in), c, TCP_SYN | TCP_ACK,
			      c->in_seq - 1, c->out_seq, NULL, 0);
		ck_assert_int_eq(run(len, DIR_OUT), VERDICT_FORWARD);
	}
	len = seg_out(pb_data(&in), c, TCP_ACK, c->in_seq, c->out_seq, NULL,
		      0);
	ck_assert_int_eq(run(len, DIR_OUT), VERDICT_FORWARD);
}

/* Send @m from the inside end and expect @xm to leave, byte for byte. */
static void out_msg(struct conn *c, const uint8_t *m, const uint8_t *xm,
		    size_t len)
{
	size_t l = seg_out(pb_data(&in), c, TCP_ACK | TCP_PSH, c->in_seq,
			   c->out_seq, m, len);
	size_t wl = seg_out_xlated(pb_data(&want), c, TCP_ACK | TCP_PSH,
				   c->in_seq, c->out_seq, xm, len);

	ck_assert_int_eq(run(l, DIR_OUT), VERDICT_FORWARD);
	expect_packet(wl);
	c->in_seq += (uint32_t)len;
}

/* Send @m from the outside end and expect @xm to arrive inside. */
static void in_msg(struct conn *c, const uint8_t *m, const uint8_t *xm,
		   size_t len)
{
	size_t l = seg_in(pb_data(&in), c, TCP_ACK | TCP_PSH, c->out_seq,
			  c->in_seq, m, len);
	size_t wl = seg_in_xlated(pb_data(&want), c, TCP_ACK | TCP_PSH,
				  c->out_seq, c->in_seq, xm, len);

	ck_assert_int_eq(run(l, DIR_IN), VERDICT_FORWARD);
	expect_packet(wl);
	c->out_seq += (uint32_t)len;
}

/* Send a message unchanged both ways. */
static void out_same(struct conn *c, const uint8_t *m, size_t len)
{
	out_msg(c, m, m, len);
}

static void in_same(struct conn *c, const uint8_t *m, size_t len)
{
	in_msg(c, m, m, len);
}

/* Send OCRQ with Call ID @id; return the translated Call ID. */
static uint16_t ocrq(struct conn *c, uint16_t id)
{
	uint8_t m[220];
	size_t len = msg(m, OCRQ, id, 7, 0), l;
	uint16_t x;

	l = seg_out(pb_data(&in), c, TCP_ACK | TCP_PSH, c->in_seq, c->out_seq,
		    m, len);
	ck_assert_int_eq(run(l, DIR_OUT), VERDICT_FORWARD);
	x = get16(p.data + 40 + 12);
	ck_assert_uint_ne(x, 0);
	ck_assert_uint_eq(x >> 8, id >> 8);
	/* every other byte is as sent */
	put16(m + 12, x);
	l = seg_out_xlated(pb_data(&want), c, TCP_ACK | TCP_PSH, c->in_seq,
			   c->out_seq, m, len);
	expect_packet(l);
	c->in_seq += (uint32_t)len;
	return x;
}

/* Server answers OCRQ: its Call ID @pac, translated peer ID @x -> @orig. */
static void ocrp(struct conn *c, uint16_t pac, uint16_t x, uint16_t orig,
		 uint8_t res)
{
	uint8_t m[64], xm[64];
	size_t len = msg(m, OCRP, pac, x, res);

	msg(xm, OCRP, pac, orig, res);
	in_msg(c, m, xm, len);
}

/* ---- GRE ---------------------------------------------------------------- */

/* A GRE version 1 packet with Call ID @id, sequence @seq (if @with_seq),
 * and acknowledgment @ack (if @with_ack). */
static size_t gre1(uint8_t *b, const char *src, const char *dst, uint16_t id,
		   bool with_seq, bool with_ack, const char *data, uint8_t ttl)
{
	uint8_t g[128];
	size_t dl = data ? strlen(data) : 0, hl = 8;
	uint16_t flags = 0x2001;

	if (with_seq)
		flags |= 0x1000;
	if (with_ack)
		flags |= 0x0080;
	put16(g, flags);
	put16(g + 2, 0x880b);
	put16(g + 4, (uint16_t)dl);
	put16(g + 6, id);
	if (with_seq) {
		memcpy(g + hl, "\0\0\0\x05", 4);
		hl += 4;
	}
	if (with_ack) {
		memcpy(g + hl, "\0\0\0\x04", 4);
		hl += 4;
	}
	if (dl)
		memcpy(g + hl, data, dl);
	return pb_ipv4(b, &(struct pb_ip){ .src = src, .dst = dst,
		       .proto = IPPROTO_GRE, .ttl = ttl }, g, hl + dl);
}

/* GRE from @lan with the server's ID @pac leaves from PUB unchanged. */
static void gre_out_ok(const char *lan, uint16_t pac, bool seq, bool ack)
{
	size_t l = gre1(pb_data(&in), lan, SRV, pac, seq, ack,
			seq ? "ppp-frame" : NULL, 64);
	size_t wl = gre1(pb_data(&want), PUB, SRV, pac, seq, ack,
			 seq ? "ppp-frame" : NULL, 63);

	ck_assert_int_eq(run(l, DIR_OUT), VERDICT_FORWARD);
	ck_assert_uint_eq(p.len, wl);
	ck_assert_mem_eq(p.data, pb_data(&want), wl);
	ck_assert(pb_ip_csum_ok(p.data));
}

/* GRE from the server with translated ID @x reaches @lan as @orig. */
static void gre_in_ok(uint16_t x, const char *lan, uint16_t orig)
{
	size_t l = gre1(pb_data(&in), SRV, PUB, x, true, true, "reply", 64);
	size_t wl = gre1(pb_data(&want), SRV, lan, orig, true, true, "reply",
			 63);

	ck_assert_int_eq(run(l, DIR_IN), VERDICT_FORWARD);
	ck_assert_uint_eq(p.len, wl);
	ck_assert_mem_eq(p.data, pb_data(&want), wl);
	ck_assert(pb_ip_csum_ok(p.data));
}

static void gre_in_dropped(uint16_t x)
{
	size_t l = gre1(pb_data(&in), SRV, PUB, x, true, false, "late", 64);

	ck_assert_int_eq(run(l, DIR_IN), VERDICT_DROP);
	ck_assert_str_eq(drop_reason_str(p.drop), "gre-no-call");
}

static void gre_out_dropped(const char *lan, uint16_t pac)
{
	size_t l = gre1(pb_data(&in), lan, SRV, pac, true, false, "x", 64);

	ck_assert_int_eq(run(l, DIR_OUT), VERDICT_DROP);
	ck_assert_str_eq(drop_reason_str(p.drop), "gre-no-call");
}

static struct conn client(const char *lan, uint16_t lport)
{
	return (struct conn){ .lan = lan, .lport = lport, .srv = SRV,
			      .sport = 1723, .pub = PUB };
}

/* Open a control connection and its PPTP session (SCCRQ/SCCRP). */
static void session_start(struct conn *c)
{
	uint8_t m[160];
	size_t len;

	conn_open(c);
	len = msg(m, SCCRQ, 0, 0, 0);
	out_same(c, m, len);
	len = msg(m, SCCRP, 0, 0, 1);
	in_same(c, m, len);
}

/* ---- the scripted exchange -------------------------------------------- */

/*
 * Two inside clients use the same Call ID toward one server: every
 * message that carries a Call ID, in both directions, and GRE both ways.
 */
START_TEST(two_clients_same_call_id)
{
	struct conn a = client(LAN_A, 5000), b = client(LAN_B, 10000);
	uint8_t m[220], xm[220];
	uint16_t xa, xb;
	size_t len;

	session_start(&a);
	session_start(&b);
	xa = ocrq(&a, 30061);
	xb = ocrq(&b, 30061);
	ck_assert_uint_eq(xa, 30061);	/* free: kept */
	ck_assert_uint_ne(xb, 30061);	/* taken: moved, high byte kept */
	ck_assert_uint_eq(nat_stats(n)->alg[NAT_ALG_PPTP].id_collisions, 1);

	/* not live yet: GRE is refused both ways */
	gre_in_dropped(xa);
	gre_out_dropped(LAN_A, 256);

	ocrp(&a, 256, xa, 30061, 1);
	ocrp(&b, 512, xb, 30061, 1);

	/* GRE: in by translated ID, out with the server's ID untouched */
	gre_in_ok(xa, LAN_A, 30061);
	gre_in_ok(xb, LAN_B, 30061);
	gre_out_ok(LAN_A, 256, true, true);
	gre_out_ok(LAN_B, 512, true, false);
	gre_out_ok(LAN_B, 512, false, true);	/* ack only */
	gre_out_ok(LAN_A, 256, false, false);

	/* Set-Link-Info both ways: from the client it names the server's
	 * call, from the server the client's */
	len = msg(m, SLI, 512, 0, 0);
	out_same(&b, m, len);
	len = msg(m, SLI, xb, 0, 0);
	msg(xm, SLI, 30061, 0, 0);
	in_msg(&b, m, xm, len);
	/* WAN-Error-Notify names the client's call */
	len = msg(m, WEN, xa, 0, 0);
	msg(xm, WEN, 30061, 0, 0);
	in_msg(&a, m, xm, len);

	/* Echo passes untouched */
	len = msg(m, ECHORQ, 0, 0, 0);
	in_same(&a, m, len);

	/* Call-Clear-Request names the client's own call */
	len = msg(m, CCRQ, 30061, 0, 0);
	msg(xm, CCRQ, xa, 0, 0);
	out_msg(&a, m, xm, len);
	/* GRE still passes during the grace */
	gre_in_ok(xa, LAN_A, 30061);
	/* Call-Disconnect-Notify, RFC form: the server's own ID */
	len = msg(m, CDN, 256, 0, 0);
	in_same(&a, m, len);
	gre_in_dropped(xa);
	gre_out_dropped(LAN_A, 256);

	/* Call-Disconnect-Notify, accel-ppp form: the client's ID */
	len = msg(m, CDN, xb, 0, 0);
	msg(xm, CDN, 30061, 0, 0);
	in_msg(&b, m, xm, len);
	gre_in_dropped(xb);

	/* Stop-Control-Connection both ways */
	len = msg(m, STOPCCRQ, 0, 0, 0);
	m[12] = 1;
	out_same(&a, m, len);
	len = msg(m, STOPCCRP, 0, 0, 0);
	m[12] = 1;
	in_same(&a, m, len);

	ck_assert_uint_eq(nat_stats(n)->alg[NAT_ALG_PPTP].calls, 2);
	ck_assert_uint_eq(nat_stats(n)->alg[NAT_ALG_PPTP].resets, 0);
}
END_TEST

/* The mapping is logged so that the operator can read the NAT table. */
START_TEST(call_mapping_event)
{
	struct conn a = client(LAN_A, 5000);
	uint16_t x;
	unsigned i;

	session_start(&a);
	x = ocrq(&a, 30061);
	ocrp(&a, 256, x, 30061, 1);
	for (i = 0; i < nevents; i++)
		if (events[i].type == NAT_EV_CALL_UP)
			break;
	ck_assert_uint_lt(i, nevents);
	ck_assert_str_eq(events[i].alg, "pptp");
	ck_assert_uint_eq(events[i].in_addr, pb_addr(LAN_A));
	ck_assert_uint_eq(events[i].pub_addr, pb_addr(PUB));
	ck_assert_uint_eq(events[i].rem_addr, pb_addr(SRV));
	ck_assert_uint_eq(events[i].in_port, 5000);
	ck_assert_uint_eq(events[i].rem_port, 1723);
	ck_assert_uint_eq(events[i].in_id, 30061);
	ck_assert_uint_eq(events[i].pub_id, x);
	ck_assert_uint_eq(events[i].rem_id, 256);
}
END_TEST

/* ---- the stream: splits, batches, retransmissions, gaps ------------- */

/* Send the bytes [from, to) of @m as one segment at stream offset @from. */
static enum verdict out_part(struct conn *c, uint32_t base, const uint8_t *m,
			     size_t from, size_t to)
{
	size_t l = seg_out(pb_data(&in), c, TCP_ACK, base + (uint32_t)from,
			   c->out_seq, m + from, to - from);

	return run(l, DIR_OUT);
}

START_TEST(message_split_byte_by_byte)
{
	struct conn a = client(LAN_A, 5000), b = client(LAN_B, 5001);
	uint8_t m[220], xm[220];
	size_t len, i;
	uint16_t x;

	session_start(&a);
	session_start(&b);
	ocrq(&a, 0x1234);	/* make b's 0x1234 move */
	len = msg(m, OCRQ, 0x1234, 7, 0);
	for (i = 0; i < len; i++) {
		size_t wl;

		ck_assert_int_eq(out_part(&b, b.in_seq, m, i, i + 1),
				 VERDICT_FORWARD);
		xm[i] = p.data[40];
		/* the high byte of the Call ID goes out unchanged */
		if (i == 12)
			ck_assert_uint_eq(xm[i], 0x12);
		wl = seg_out_xlated(pb_data(&want), &b, TCP_ACK,
				    b.in_seq + (uint32_t)i, b.out_seq,
				    xm + i, 1);
		expect_packet(wl);
	}
	x = get16(xm + 12);
	ck_assert_uint_ne(x, 0x1234);
	ck_assert_uint_eq(x >> 8, 0x12);
	put16(m + 12, x);
	ck_assert_mem_eq(xm, m, len);
	b.in_seq += (uint32_t)len;

	/* the reply, split byte by byte too, comes back with 0x1234 */
	len = msg(m, OCRP, 99, x, 1);
	for (i = 0; i < len; i++) {
		size_t l = seg_in(pb_data(&in), &b, TCP_ACK,
				  b.out_seq + (uint32_t)i, b.in_seq, m + i, 1);

		ck_assert_int_eq(run(l, DIR_IN), VERDICT_FORWARD);
		xm[i] = p.data[40];
		ck_assert(pb_l4_csum_ok(p.data, p.len));
	}
	b.out_seq += (uint32_t)len;
	msg(m, OCRP, 99, 0x1234, 1);
	ck_assert_mem_eq(xm, m, len);
	gre_in_ok(x, LAN_B, 0x1234);
}
END_TEST

/* A Call ID cut between its two bytes: each half in its own segment. */
START_TEST(call_id_split_between_segments)
{
	struct conn a = client(LAN_A, 5000), b = client(LAN_B, 5001);
	uint8_t m[220], first[16], second[220];
	size_t len, l, wl;
	uint16_t x;

	session_start(&a);
	session_start(&b);
	ocrq(&a, 0x4242);
	len = msg(m, OCRQ, 0x4242, 7, 0);
	/* segment 1 ends after byte 12, the Call ID's high byte */
	ck_assert_int_eq(out_part(&b, b.in_seq, m, 0, 13), VERDICT_FORWARD);
	memcpy(first, p.data + 40, 13);
	ck_assert_mem_eq(first, m, 13);	/* nothing to change yet */
	wl = seg_out_xlated(pb_data(&want), &b, TCP_ACK, b.in_seq, b.out_seq,
			    m, 13);
	expect_packet(wl);
	ck_assert_int_eq(out_part(&b, b.in_seq, m, 13, len), VERDICT_FORWARD);
	memcpy(second, p.data + 40, len - 13);
	x = (uint16_t)(0x42 << 8 | second[0]);
	ck_assert_uint_ne(x, 0x4242);
	ck_assert_mem_eq(second + 1, m + 14, len - 14);
	put16(m + 12, x);
	wl = seg_out_xlated(pb_data(&want), &b, TCP_ACK, b.in_seq + 13,
			    b.out_seq, m + 13, len - 13);
	expect_packet(wl);
	b.in_seq += (uint32_t)len;

	/* the reply's Peer's Call ID cut the same way */
	len = msg(m, OCRP, 77, x, 1);
	l = seg_in(pb_data(&in), &b, TCP_ACK, b.out_seq, b.in_seq, m, 15);
	ck_assert_int_eq(run(l, DIR_IN), VERDICT_FORWARD);
	ck_assert_uint_eq(p.data[40 + 14], 0x42);
	l = seg_in(pb_data(&in), &b, TCP_ACK, b.out_seq + 15, b.in_seq,
		   m + 15, len - 15);
	ck_assert_int_eq(run(l, DIR_IN), VERDICT_FORWARD);
	ck_assert_uint_eq(p.data[40], 0x42);
	ck_assert(pb_l4_csum_ok(p.data, p.len));
	b.out_seq += (uint32_t)len;
	gre_in_ok(x, LAN_B, 0x4242);
}
END_TEST

START_TEST(three_messages_in_one_segment)
{
	struct conn a = client(LAN_A, 5000), b = client(LAN_B, 5001);
	uint8_t m[600], xm[600];
	size_t len = 0, l, wl;
	uint16_t xa, xb;

	session_start(&a);
	session_start(&b);
	xa = ocrq(&a, 0x0101);
	xb = ocrq(&b, 0x0101);
	ck_assert_uint_ne(xa, xb);
	/* server: OCRP to b, then SLI to b, then Echo-Request */
	len += msg(m + len, OCRP, 700, xb, 1);
	len += msg(m + len, SLI, xb, 0, 0);
	len += msg(m + len, ECHORQ, 0, 0, 0);
	memcpy(xm, m, len);
	put16(xm + 14, 0x0101);
	put16(xm + 32 + 12, 0x0101);
	l = seg_in(pb_data(&in), &b, TCP_ACK, b.out_seq, b.in_seq, m, len);
	wl = seg_in_xlated(pb_data(&want), &b, TCP_ACK, b.out_seq, b.in_seq,
			   xm, len);
	ck_assert_int_eq(run(l, DIR_IN), VERDICT_FORWARD);
	expect_packet(wl);
	b.out_seq += (uint32_t)len;
	gre_in_ok(xb, LAN_B, 0x0101);
	gre_out_ok(LAN_B, 700, true, true);
}
END_TEST

/* A retransmission of the same bytes, cut differently, gets the same
 * rewrite; new bytes in it are parsed as new. */
START_TEST(retransmission_resegmented)
{
	struct conn a = client(LAN_A, 5000), b = client(LAN_B, 5001);
	uint8_t m[400], first[400], again[400];
	size_t len, l;
	uint32_t base;
	uint16_t x;

	session_start(&a);
	session_start(&b);
	ocrq(&a, 0x5151);
	base = b.in_seq;
	len = msg(m, OCRQ, 0x5151, 9, 0);
	len += msg(m + len, SLI, 600, 0, 0);	/* a second message */
	/* first transmission: the OCRQ only */
	ck_assert_int_eq(out_part(&b, base, m, 0, 168), VERDICT_FORWARD);
	memcpy(first, p.data + 40, 168);
	x = get16(first + 12);
	ck_assert_uint_ne(x, 0x5151);
	/* retransmitted as 10..100 (old bytes), then 100..192 (old + new) */
	ck_assert_int_eq(out_part(&b, base, m, 10, 100), VERDICT_FORWARD);
	memcpy(again + 10, p.data + 40, 90);
	ck_assert_int_eq(out_part(&b, base, m, 100, len), VERDICT_FORWARD);
	memcpy(again + 100, p.data + 40, len - 100);
	ck_assert_mem_eq(again + 10, first + 10, 158);
	ck_assert_mem_eq(again + 168, m + 168, 24);	/* SLI: outside ID */
	/* and the whole thing once more in one piece */
	ck_assert_int_eq(out_part(&b, base, m, 0, len), VERDICT_FORWARD);
	ck_assert_mem_eq(p.data + 40, first, 168);
	ck_assert(pb_l4_csum_ok(p.data, p.len));
	b.in_seq = base + (uint32_t)len;
	l = 0;
	(void)l;
	ck_assert_uint_eq(nat_stats(n)->alg[NAT_ALG_PPTP].calls, 2);
}
END_TEST

START_TEST(out_of_order_segment_dropped_then_resent)
{
	struct conn a = client(LAN_A, 5000);
	uint8_t m[220];
	size_t len = msg(m, OCRQ, 0x7777, 9, 0);
	uint32_t base;

	session_start(&a);
	base = a.in_seq;
	/* bytes 100.. before 0..100: dropped, nothing learned */
	ck_assert_int_eq(out_part(&a, base, m, 100, len), VERDICT_DROP);
	ck_assert_str_eq(drop_reason_str(p.drop), "alg-out-of-order");
	ck_assert_int_eq(out_part(&a, base, m, 0, 100), VERDICT_FORWARD);
	ck_assert_uint_eq(get16(p.data + 40 + 12), 0x7777);
	ck_assert_int_eq(out_part(&a, base, m, 100, len), VERDICT_FORWARD);
	a.in_seq += (uint32_t)len;
	ck_assert_uint_eq(nat_stats(n)->alg[NAT_ALG_PPTP].calls, 1);
}
END_TEST

/* ---- fail closed ------------------------------------------------------- */

/* The reason of the newest NAT_EV_ALG_RESET event. */
static const char *last_reset_reason(void)
{
	unsigned i;

	for (i = nevents; i-- > 0;)
		if (events[i].type == NAT_EV_ALG_RESET)
			return events[i].reason;
	ck_abort_msg("no reset event");
	return NULL;
}

/* The RST tunnat answers a segment of @c from @dir with: to the client
 * from the server's endpoint (it acks the client's bytes), or to the
 * server from the public endpoint (acking the server's). */
static size_t rst_to(uint8_t *b, const struct conn *c, enum pkt_dir dir)
{
	if (dir == DIR_OUT)
		return pb_tcp_window(b, (struct pb_ip){ .src = c->srv,
				     .dst = c->lan, .frag_off = IPV4_DF },
				     c->sport, c->lport, TCP_RST, c->out_seq,
				     0, 0, NULL, 0);
	return pb_tcp_window(b, (struct pb_ip){ .src = c->pub, .dst = c->srv,
			     .frag_off = IPV4_DF }, c->pport, c->sport,
			     TCP_RST, c->in_seq, 0, 0, NULL, 0);
}

/* The segment of @l bytes in @in, from side @dir of @c, must reset the
 * connection for reason @why: it comes back as a RST to its sender, and
 * the other end's next segment is answered with a RST too. */
static void expect_reset_seg(struct conn *c, enum pkt_dir dir, size_t l,
			     const char *why)
{
	uint64_t resets = nat_stats(n)->alg[NAT_ALG_PPTP].resets;

	ck_assert_int_eq(run(l, dir), VERDICT_BACK);
	expect_packet(rst_to(pb_data(&want), c, dir));
	ck_assert_uint_eq(nat_stats(n)->alg[NAT_ALG_PPTP].resets, resets + 1);
	ck_assert_str_eq(last_reset_reason(), why);
	/* the other end hears of it at its next segment */
	if (dir == DIR_OUT)
		l = seg_in(pb_data(&in), c, TCP_ACK, c->out_seq, c->in_seq,
			   NULL, 0);
	else
		l = seg_out(pb_data(&in), c, TCP_ACK, c->in_seq, c->out_seq,
			    NULL, 0);
	ck_assert_int_eq(run(l, !dir), VERDICT_BACK);
	expect_packet(rst_to(pb_data(&want), c, !dir));
}

/* @m from the inside end must reset the connection. */
static void expect_reset(struct conn *c, const uint8_t *m, size_t len,
			 const char *why)
{
	expect_reset_seg(c, DIR_OUT, seg_out(pb_data(&in), c, TCP_ACK,
		c->in_seq, c->out_seq, m, len), why);
}

/* @m from the outside end must reset the connection. */
static void expect_reset_in(struct conn *c, const uint8_t *m, size_t len,
			    const char *why)
{
	expect_reset_seg(c, DIR_IN, seg_in(pb_data(&in), c, TCP_ACK,
		c->out_seq, c->in_seq, m, len), why);
}

/* A message spoiled in one 16-bit field, and why the reset says it came. */
static const struct spoil {
	int type;
	unsigned off;
	uint16_t val;
	const char *why;
} spoils[] = {
	/* the Magic Cookie's second half, one bit off */
	{ OCRQ, 6, 0x3c4c, "bad Magic Cookie: lost sync" },
	/* a Length beyond the type's */
	{ OCRQ, 0, 200, "Length does not match the type" },
	/* a Length short of the type's: the rest would read as a message */
	{ OCRQ, 0, 16, "Length does not match the type" },
	{ ECHORQ, 8, 16, "unknown control message type" },
	{ ECHORQ, 8, 0, "unknown control message type" },
	/* PPTP Message Type 2, Management: none is defined */
	{ ECHORQ, 2, 2, "not a control message: lost sync" },
	/* a Length shorter than any message, caught before the type is */
	{ ECHORQ, 0, 2, "Length does not match the type" },
	{ ECHORQ, 0, 9, "Length does not match the type" },
};

START_TEST(spoiled_message_resets)
{
	const struct spoil *sp = &spoils[_i];
	struct conn a = client(LAN_A, 5000);
	uint8_t m[220];
	size_t len;

	session_start(&a);
	len = msg(m, sp->type, 5, 1, 0);
	put16(m + sp->off, sp->val);
	expect_reset(&a, m, len, sp->why);
	ck_assert_uint_eq(nat_stats(n)->alg[NAT_ALG_PPTP].calls, 0);
}
END_TEST

/* A reset ends the connection's calls: their GRE stops at once. */
START_TEST(reset_ends_calls)
{
	struct conn a = client(LAN_A, 5000);
	uint8_t m[220];
	size_t len;
	uint16_t x;

	session_start(&a);
	x = ocrq(&a, 0x0a0a);
	ocrp(&a, 300, x, 0x0a0a, 1);
	gre_in_ok(x, LAN_A, 0x0a0a);
	len = msg(m, SLI, 300, 0, 0);
	m[4] = 0;
	expect_reset(&a, m, len, "bad Magic Cookie: lost sync");
	gre_in_dropped(x);
	gre_out_dropped(LAN_A, 300);
}
END_TEST

/* A message for a call the connection never had cannot be translated. */
START_TEST(unknown_call_resets)
{
	struct conn a = client(LAN_A, 5000);
	uint8_t m[220];
	size_t len;

	session_start(&a);
	len = msg(m, CCRQ, 4444, 0, 0);
	expect_reset(&a, m, len, "Call ID of no call of this connection");
}
END_TEST

START_TEST(picked_up_mid_stream_resets)
{
	struct conn a = client(LAN_A, 5000);
	uint8_t m[220];
	size_t len = msg(m, ECHORQ, 0, 0, 0), l;

	/* no handshake seen: tunnat started while the connection was up */
	a.pport = 5000;
	a.in_seq = 1000;
	a.out_seq = 5;
	l = seg_out(pb_data(&in), &a, TCP_ACK, a.in_seq, a.out_seq, m, len);
	expect_reset_seg(&a, DIR_OUT, l,
			 "control connection picked up mid-stream");
}
END_TEST

/* An IP fragment of a control segment holds only part of its payload:
 * the ALG cannot read it, so the connection is reset, whichever end
 * sent it, rather than let an untranslated Call ID through. */
START_TEST(fragmented_control_segment_resets)
{
	enum pkt_dir dir = _i ? DIR_IN : DIR_OUT;
	struct conn a = client(LAN_A, 5000);
	uint8_t m[220];
	size_t len, l;

	session_start(&a);
	len = msg(m, OCRQ, 0x4242, 1, 0);
	/* a first fragment: MF set, the segment's first bytes only */
	if (dir == DIR_OUT)
		l = pb_tcp(pb_data(&in), (struct pb_ip){ .src = a.lan,
			   .dst = a.srv, .frag_off = IPV4_MF }, a.lport,
			   a.sport, TCP_ACK, a.in_seq, a.out_seq, m, len);
	else
		l = pb_tcp(pb_data(&in), (struct pb_ip){ .src = a.srv,
			   .dst = a.pub, .frag_off = IPV4_MF }, a.sport,
			   a.pport, TCP_ACK, a.out_seq, a.in_seq, m, len);
	expect_reset_seg(&a, dir, l, "fragmented control segment");
	ck_assert_uint_eq(nat_stats(n)->alg[NAT_ALG_PPTP].calls, 0);
}
END_TEST

/* A Call ID field from the server that names no call of ours cannot be
 * translated back: reset, never passed on as it is. */
START_TEST(peer_call_id_of_no_call_resets)
{
	struct conn a = client(LAN_A, 5000);
	uint8_t m[64];
	size_t len;
	uint16_t x;

	session_start(&a);
	x = ocrq(&a, 0x0505);
	ocrp(&a, 300, x, 0x0505, 1);
	len = msg(m, WEN, (uint16_t)(x + 1), 0, 0);
	expect_reset_in(&a, m, len, "Peer's Call ID of no call");
	gre_in_dropped(x);
}
END_TEST

/* Call-Disconnect-Notify from inside naming no call in either form. */
START_TEST(disconnect_of_no_call_resets)
{
	struct conn a = client(LAN_A, 5000);
	uint8_t m[160];
	size_t len;
	uint16_t x;

	session_start(&a);
	x = ocrq(&a, 0x0505);
	ocrp(&a, 300, x, 0x0505, 1);
	len = msg(m, CDN, 0x0506, 0, 0);
	expect_reset(&a, m, len, "Call-Disconnect-Notify of no call");
	gre_in_dropped(x);
}
END_TEST

/* ---- blind segments: only one at the right place may act ------------ */

START_TEST(blind_rst_ends_nothing)
{
	struct conn a = client(LAN_A, 5000);
	uint16_t x;
	size_t l;

	session_start(&a);
	x = ocrq(&a, 77);
	ocrp(&a, 300, x, 77, 1);
	/* a RST with a guessed sequence number passes (TCP ignores it) */
	l = seg_in(pb_data(&in), &a, TCP_RST, a.out_seq + 12345, 0, NULL, 0);
	ck_assert_int_eq(run(l, DIR_IN), VERDICT_FORWARD);
	gre_in_ok(x, LAN_A, 77);
	/* the peer's own RST ends the calls */
	l = seg_in(pb_data(&in), &a, TCP_RST, a.out_seq, 0, NULL, 0);
	ck_assert_int_eq(run(l, DIR_IN), VERDICT_FORWARD);
	gre_in_dropped(x);
}
END_TEST

START_TEST(blind_syn_changes_nothing)
{
	struct conn a = client(LAN_A, 5000);
	uint8_t m[64], xm[64];
	size_t l, len;
	uint16_t x;

	session_start(&a);
	x = ocrq(&a, 77);
	l = seg_in(pb_data(&in), &a, TCP_SYN | TCP_ACK, 424242, a.in_seq,
		   NULL, 0);
	ck_assert_int_eq(run(l, DIR_IN), VERDICT_FORWARD);
	/* the server's next message is still parsed where it belongs */
	len = msg(m, OCRP, 300, x, 1);
	msg(xm, OCRP, 300, 77, 1);
	in_msg(&a, m, xm, len);
	gre_in_ok(x, LAN_A, 77);
	ck_assert_uint_eq(nat_stats(n)->alg[NAT_ALG_PPTP].resets, 0);
}
END_TEST

/* Data older than the rewrite log: dropped, not a reason to reset. */
START_TEST(stale_segment_dropped)
{
	struct conn a = client(LAN_A, 5000);
	uint8_t m[220];
	size_t l, len = msg(m, ECHORQ, 0, 0, 0);
	uint16_t x;

	session_start(&a);
	x = ocrq(&a, 77);
	ocrp(&a, 300, x, 77, 1);
	l = seg_in(pb_data(&in), &a, TCP_ACK, a.out_seq - 100000, a.in_seq,
		   m, len);
	ck_assert_int_eq(run(l, DIR_IN), VERDICT_DROP);
	ck_assert_str_eq(drop_reason_str(p.drop), "alg-stale-segment");
	gre_in_ok(x, LAN_A, 77);
	ck_assert_uint_eq(nat_stats(n)->alg[NAT_ALG_PPTP].resets, 0);
}
END_TEST

/* ---- calls: several, limits, exhaustion, quarantine, lifetimes ------- */

/* A call the engine ended (its request went unanswered) may still be
 * cleared by the client: translated, and no reset for the others. */
START_TEST(clearing_an_ended_call)
{
	struct conn a = client(LAN_A, 5000);
	uint8_t m[220], xm[220];
	size_t len;
	uint16_t x, y;

	{
		struct conn b = client(LAN_B, 5001);

		session_start(&b);	/* b holds 0x0a0a: a's moves */
		ck_assert_uint_eq(ocrq(&b, 0x0a0a), 0x0a0a);
	}
	session_start(&a);
	ocrq(&a, 0x0a00);		/* hold 0x0a0a's neighbour */
	x = ocrq(&a, 0x0a0a);
	ck_assert_uint_ne(x, 0x0a0a);
	now += 30 * S;
	y = ocrq(&a, 0x0b0b);
	ocrp(&a, 301, y, 0x0b0b, 1);
	now += 31 * S;			/* x's request: no answer in 60 s */
	gre_in_ok(y, LAN_A, 0x0b0b);
	len = msg(m, CCRQ, 0x0a0a, 0, 0);
	msg(xm, CCRQ, x, 0, 0);
	out_msg(&a, m, xm, len);
	ck_assert_uint_eq(nat_stats(n)->alg[NAT_ALG_PPTP].resets, 0);
	gre_in_ok(y, LAN_A, 0x0b0b);
}
END_TEST

/* A message's call handle must not outlive the call: the engine gives
 * the index to the next call. */
START_TEST(handle_not_reused_across_calls)
{
	struct conn a = client(LAN_A, 5000);
	uint8_t m[220];
	size_t len, l;
	uint16_t xa, xb;

	session_start(&a);
	xa = ocrq(&a, 0x1234);
	/* the first 16 bytes of the reply, naming call xa */
	len = msg(m, OCRP, 0x5555, xa, 1);
	l = seg_in(pb_data(&in), &a, TCP_ACK, a.out_seq, a.in_seq, m, 16);
	ck_assert_int_eq(run(l, DIR_IN), VERDICT_FORWARD);
	/* xa goes unanswered, rests, and is freed */
	now += 60 * S;
	nat_expire(n, now, 1000);
	now += 120 * S;
	nat_expire(n, now, 1000);
	/* a new call on the same connection takes xa's session index */
	xb = ocrq(&a, 0x2222);
	/* the rest of the old reply arrives: it must not answer xb */
	l = seg_in(pb_data(&in), &a, TCP_ACK, a.out_seq + 16, a.in_seq,
		   m + 16, len - 16);
	ck_assert_int_eq(run(l, DIR_IN), VERDICT_FORWARD);
	gre_in_dropped(xb);
}
END_TEST

/* A host's ended calls count against its limit until their IDs are
 * free again, so opening and ending calls fast cannot hoard IDs. */
START_TEST(host_limit_counts_quarantine)
{
	struct conn a = client(LAN_A, 5000);
	uint8_t m[220], xm[220];
	size_t len;
	uint16_t x;
	int i;

	cfg.alg[NAT_ALG_PPTP].max_calls_per_host = 2;
	renew();
	session_start(&a);
	for (i = 0; i < 2; i++) {
		x = ocrq(&a, (uint16_t)(100 + i));
		len = msg(m, CDN, x, 0, 0);	/* ends it at once */
		msg(xm, CDN, (uint16_t)(100 + i), 0, 0);
		in_msg(&a, m, xm, len);
	}
	len = msg(m, OCRQ, 102, 1, 0);
	expect_reset(&a, m, len, "max-calls-per-host reached");
	now += 120 * S;
	nat_expire(n, now, 1000);
	{
		struct conn b = client(LAN_A, 5001);

		session_start(&b);
		ocrq(&b, 103);
	}
}
END_TEST



START_TEST(two_calls_on_one_connection)
{
	struct conn a = client(LAN_A, 5000);
	uint16_t x1, x2;

	session_start(&a);
	x1 = ocrq(&a, 100);
	x2 = ocrq(&a, 101);
	ck_assert_uint_eq(x1, 100);
	ck_assert_uint_eq(x2, 101);
	ocrp(&a, 900, x2, 101, 1);
	ocrp(&a, 901, x1, 100, 1);
	gre_in_ok(x1, LAN_A, 100);
	gre_in_ok(x2, LAN_A, 101);
	gre_out_ok(LAN_A, 900, true, false);
	gre_out_ok(LAN_A, 901, true, false);
	/* the same request sent again keeps its translation */
	ck_assert_uint_eq(ocrq(&a, 101), x2);
	ck_assert_uint_eq(nat_stats(n)->alg[NAT_ALG_PPTP].calls, 2);
}
END_TEST

START_TEST(call_limit_per_connection)
{
	struct conn a = client(LAN_A, 5000);
	uint8_t m[220];
	size_t len;
	unsigned i;

	session_start(&a);
	for (i = 0; i < 4; i++)
		ocrq(&a, (uint16_t)(200 + i));
	len = msg(m, OCRQ, 300, 1, 0);
	expect_reset(&a, m, len, "call limit per connection");
}
END_TEST

START_TEST(call_limit_per_host)
{
	struct conn a = client(LAN_A, 5000), a2 = client(LAN_A, 5001);
	uint8_t m[220];
	size_t len;

	cfg.alg[NAT_ALG_PPTP].max_calls_per_host = 2;
	renew();
	session_start(&a);
	session_start(&a2);
	ocrq(&a, 1);
	ocrq(&a2, 2);
	len = msg(m, OCRQ, 3, 1, 0);
	expect_reset(&a, m, len, "max-calls-per-host reached");
}
END_TEST

/* The limit is reached at max-calls-per-server calls, not one later. */
START_TEST(call_limit_per_server)
{
	struct conn a = client(LAN_A, 5000), b = client(LAN_B, 5001);
	struct conn c = client(LAN_B, 5002);
	uint8_t m[220];
	size_t len;

	cfg.alg[NAT_ALG_PPTP].max_calls_per_server = 2;
	renew();
	session_start(&a);
	session_start(&b);
	ocrq(&a, 1);
	ocrq(&b, 2);		/* the second: still within the limit */
	len = msg(m, OCRQ, 3, 1, 0);
	expect_reset(&a, m, len, "max-calls-per-server reached");
	/* another server has its own count */
	c.srv = CLI;
	session_start(&c);
	ocrq(&c, 4);
}
END_TEST

/* No session left for the call: reset, and the table is untouched. */
START_TEST(table_full_resets)
{
	struct conn a = client(LAN_A, 5000);
	uint8_t m[220];
	size_t len, l;

	cfg.max_sessions = 3;
	renew();
	session_start(&a);
	/* two UDP flows take the rest of the table */
	l = pb_udp(pb_data(&in), (struct pb_ip){ .src = LAN_B, .dst = SRV },
		   53, 53, "x", 1);
	ck_assert_int_eq(run(l, DIR_OUT), VERDICT_FORWARD);
	l = pb_udp(pb_data(&in), (struct pb_ip){ .src = LAN_B, .dst = CLI },
		   53, 53, "x", 1);
	ck_assert_int_eq(run(l, DIR_OUT), VERDICT_FORWARD);
	ck_assert_uint_eq(nat_stats(n)->sessions, 3);
	len = msg(m, OCRQ, 0x0707, 1, 0);
	expect_reset(&a, m, len, "session table full");
	ck_assert_uint_eq(nat_stats(n)->sessions, 3);
	ck_assert_uint_eq(nat_stats(n)->alg[NAT_ALG_PPTP].calls, 0);
}
END_TEST

/* The client whose Call ID was moved: WAN-Error-Notify naming its
 * translated ID reaches it as its own, and its Call-Clear-Request leaves
 * with the translated ID.  Untranslated, that request would name the
 * other client's call (its ID is the first client's translated one), and
 * the server would clear the wrong call. */
START_TEST(moved_call_id_in_wan_error_and_clear)
{
	struct conn a = client(LAN_A, 5000), b = client(LAN_B, 10000);
	uint8_t m[64], xm[64];
	uint16_t xa, xb;
	size_t len;

	session_start(&a);
	session_start(&b);
	xa = ocrq(&a, 30061);
	xb = ocrq(&b, 30061);
	ck_assert_uint_eq(xa, 30061);
	ck_assert_uint_ne(xb, 30061);
	ocrp(&a, 256, xa, 30061, 1);
	ocrp(&b, 512, xb, 30061, 1);
	len = msg(m, WEN, xb, 0, 0);
	msg(xm, WEN, 30061, 0, 0);
	in_msg(&b, m, xm, len);
	len = msg(m, CCRQ, 30061, 0, 0);
	msg(xm, CCRQ, xb, 0, 0);
	out_msg(&b, m, xm, len);
	/* the grace ends b's call, and only b's */
	now += 10 * S;
	gre_in_dropped(xb);
	gre_in_ok(xa, LAN_A, 30061);
	gre_out_ok(LAN_A, 256, true, false);
	ck_assert_uint_eq(nat_stats(n)->alg[NAT_ALG_PPTP].resets, 0);
}
END_TEST

/* All IDs under one high byte taken: the next call with that high byte
 * is refused; quarantined IDs stay taken until their time is up. */
START_TEST(call_id_exhaustion_and_quarantine)
{
	struct conn c[65];
	uint16_t x;
	unsigned i, k;
	uint8_t m[220];
	size_t len;
	static uint16_t got[256];

	cfg.alg[NAT_ALG_PPTP].max_calls_per_connection = 4;
	cfg.alg[NAT_ALG_PPTP].max_connections = 128;
	renew();
	/* 64 connections x 4 calls = 256 requests for high byte 0x33 */
	for (i = 0, k = 0; i < 64; i++) {
		c[i] = client(LAN_A, (uint16_t)(6000 + i));
		session_start(&c[i]);
		for (unsigned j = 0; j < 4 && k < 256; j++, k++) {
			got[k] = ocrq(&c[i], 0x3300 | (uint16_t)(k & 0xff));
			ck_assert_uint_eq(got[k] >> 8, 0x33);
		}
	}
	for (i = 0; i < 256; i++)
		for (k = i + 1; k < 256; k++)
			ck_assert_uint_ne(got[i], got[k]);
	/* 0x3300 .. 0x33ff are all taken (0x3300 counts: it is not 0) */
	c[64] = client(LAN_A, 7000);
	session_start(&c[64]);
	len = msg(m, OCRQ, 0x3301, 1, 0);
	expect_reset(&c[64], m, len, "no free Call ID with that high byte");

	/* unanswered, the requests end after 60 s; their IDs rest 120 s */
	now += 60 * S;
	nat_expire(n, now, 100000);
	{
		struct conn d = client(LAN_B, 8000);

		session_start(&d);
		len = msg(m, OCRQ, 0x3301, 1, 0);
		expect_reset(&d, m, len, "no free Call ID with that high byte");
	}
	now += 120 * S;
	nat_expire(n, now, 100000);
	{
		struct conn e = client(LAN_B, 8001);

		session_start(&e);
		x = ocrq(&e, 0x3301);
		ck_assert_uint_eq(x, 0x3301);
	}
}
END_TEST

START_TEST(zero_call_id_is_translated)
{
	struct conn a = client(LAN_A, 5000);
	uint16_t x;

	session_start(&a);
	/* old pptp-linux clients used Call ID 0 */
	x = ocrq(&a, 0);
	ck_assert_uint_ne(x, 0);
	ck_assert_uint_lt(x, 256);
	ocrp(&a, 44, x, 0, 1);
	gre_in_ok(x, LAN_A, 0);
}
END_TEST

START_TEST(refused_call_ends)
{
	struct conn a = client(LAN_A, 5000);
	uint16_t x;

	session_start(&a);
	x = ocrq(&a, 77);
	ocrp(&a, 300, x, 77, 2);	/* general error */
	gre_in_dropped(x);
	gre_out_dropped(LAN_A, 300);
}
END_TEST

START_TEST(pending_call_dropped_after_60_s)
{
	struct conn a = client(LAN_A, 5000);
	uint8_t m[64], xm[64];
	size_t len;
	uint16_t x;

	session_start(&a);
	x = ocrq(&a, 77);
	now += 60 * S;
	/* the late reply is still translated back, but opens nothing */
	len = msg(m, OCRP, 300, x, 1);
	msg(xm, OCRP, 300, 77, 1);
	in_msg(&a, m, xm, len);
	gre_in_dropped(x);
}
END_TEST

START_TEST(clear_request_grace)
{
	struct conn a = client(LAN_A, 5000), b = client(LAN_B, 5001);
	uint8_t m[64], xm[64];
	size_t len;
	uint16_t x;

	session_start(&b);
	ck_assert_uint_eq(ocrq(&b, 77), 77);	/* so that a's 77 moves */
	session_start(&a);
	x = ocrq(&a, 77);
	ck_assert_uint_ne(x, 77);
	ocrp(&a, 300, x, 77, 1);
	len = msg(m, CCRQ, 77, 0, 0);
	msg(xm, CCRQ, x, 0, 0);
	out_msg(&a, m, xm, len);
	now += 10 * S - 1;
	gre_in_ok(x, LAN_A, 77);
	now += 1;
	gre_in_dropped(x);
}
END_TEST

/* The call timers run on the same 32-bit idle arithmetic as sessions:
 * the 60 s answer time, the GRE idle time and the 120 s quarantine of a
 * Call ID all hold across the wrap of the clock's low 32 bits. */
START_TEST(call_timers_across_the_clock_wrap)
{
	struct conn a = client(LAN_A, 5000), b = client(LAN_B, 5001);
	struct conn c = client(LAN_B, 5002);
	uint64_t t0 = (1ULL << 32) - 30 * S;
	uint16_t x;

	now = t0;
	session_start(&a);
	session_start(&b);
	session_start(&c);
	x = ocrq(&a, 77);
	ck_assert_uint_eq(ocrq(&a, 78), 78);	/* never answered */
	now = t0 + 60 * S - 1;
	ocrp(&a, 300, x, 77, 1);		/* just in time */
	gre_in_ok(x, LAN_A, 77);
	now = t0 + 60 * S;
	nat_expire(n, now, 1000);		/* 78: quarantined from now */
	now = t0 + 180 * S - 1;
	nat_expire(n, now, 1000);
	ck_assert_uint_ne(ocrq(&b, 78), 78);	/* still resting */
	now = t0 + 180 * S;
	nat_expire(n, now, 1000);
	ck_assert_uint_eq(ocrq(&c, 78), 78);	/* free again */
	/* the live call idles out 300 s after its last GRE */
	now = t0 + 360 * S - 2;
	gre_in_ok(x, LAN_A, 77);
	now += 300 * S;
	gre_in_dropped(x);
}
END_TEST

START_TEST(gre_idle_timeout_both_ways)
{
	struct conn a = client(LAN_A, 5000);
	uint16_t x;

	session_start(&a);
	x = ocrq(&a, 77);
	ocrp(&a, 300, x, 77, 1);
	now += 300 * S - 1;
	gre_in_ok(x, LAN_A, 77);	/* refreshes */
	now += 300 * S - 1;
	gre_out_ok(LAN_A, 300, true, false);	/* refreshes too */
	now += 300 * S;
	gre_in_dropped(x);
}
END_TEST

START_TEST(control_connection_end_ends_calls)
{
	struct conn a = client(LAN_A, 5000), b = client(LAN_B, 5001);
	uint16_t x, y;
	size_t l;

	session_start(&a);
	session_start(&b);
	x = ocrq(&a, 77);
	ocrp(&a, 300, x, 77, 1);
	y = ocrq(&b, 78);
	ocrp(&b, 301, y, 78, 1);
	/* a: RST from the server */
	l = seg_in(pb_data(&in), &a, TCP_RST, a.out_seq, 0, NULL, 0);
	ck_assert_int_eq(run(l, DIR_IN), VERDICT_FORWARD);
	gre_in_dropped(x);
	/* b: FIN both ways */
	l = seg_out(pb_data(&in), &b, TCP_FIN | TCP_ACK, b.in_seq, b.out_seq,
		    NULL, 0);
	ck_assert_int_eq(run(l, DIR_OUT), VERDICT_FORWARD);
	gre_in_ok(y, LAN_B, 78);
	l = seg_in(pb_data(&in), &b, TCP_FIN | TCP_ACK, b.out_seq,
		   b.in_seq + 1, NULL, 0);
	ck_assert_int_eq(run(l, DIR_IN), VERDICT_FORWARD);
	gre_in_dropped(y);
}
END_TEST

/* RFC 2637 2.3: Stop-Control-Connection-Request clears every call. */
START_TEST(stop_control_connection_ends_calls)
{
	struct conn a = client(LAN_A, 5000);
	uint8_t m[64];
	uint16_t x, y;
	size_t len;

	session_start(&a);
	x = ocrq(&a, 77);
	ocrp(&a, 300, x, 77, 1);
	y = ocrq(&a, 78);
	ocrp(&a, 301, y, 78, 1);
	len = msg(m, STOPCCRQ, 0, 0, 0);
	in_same(&a, m, len);
	gre_in_dropped(x);
	gre_in_dropped(y);
	gre_out_dropped(LAN_A, 301);
}
END_TEST

START_TEST(control_connection_expiry_ends_calls)
{
	struct conn a = client(LAN_A, 5000);
	uint16_t x;

	cfg.gre_ms = 10000 * S;		/* outlive the control connection */
	renew();
	session_start(&a);
	x = ocrq(&a, 77);
	ocrp(&a, 300, x, 77, 1);
	now += 7440 * S;
	nat_expire(n, now, 1000);
	gre_in_dropped(x);
	ck_assert_uint_eq(nat_stats(n)->sessions, 1);	/* quarantined ID */
}
END_TEST

START_TEST(server_refusal_counted)
{
	struct conn a = client(LAN_A, 5000);
	uint8_t m[160];
	size_t len;
	unsigned i;

	conn_open(&a);
	len = msg(m, SCCRQ, 0, 0, 0);
	out_same(&a, m, len);
	len = msg(m, SCCRP, 0, 0, 3);
	in_same(&a, m, len);
	ck_assert_uint_eq(nat_stats(n)->alg[NAT_ALG_PPTP].server_refused, 1);
	for (i = 0; i < nevents; i++)
		if (events[i].type == NAT_EV_SERVER_REFUSED)
			break;
	ck_assert_uint_lt(i, nevents);
}
END_TEST

/* ---- other roles --------------------------------------------------------- */

/* The server places the call (Incoming-Call-Request/Reply/Connected). */
START_TEST(incoming_call)
{
	struct conn a = client(LAN_A, 5000), b = client(LAN_B, 5001);
	uint8_t m[220], xm[220];
	size_t len;
	uint16_t x;

	session_start(&a);
	session_start(&b);
	ocrq(&a, 0x2020);		/* so that b's ID moves */
	len = msg(m, ICRQ, 4000, 1, 0);
	in_same(&b, m, len);
	/* the client accepts with its own ID 0x2020 */
	len = msg(m, ICRP, 0x2020, 4000, 1);
	{
		size_t l = seg_out(pb_data(&in), &b, TCP_ACK, b.in_seq,
				   b.out_seq, m, len);

		ck_assert_int_eq(run(l, DIR_OUT), VERDICT_FORWARD);
		x = get16(p.data + 40 + 12);
		ck_assert_uint_ne(x, 0x2020);
		msg(xm, ICRP, x, 4000, 1);
		l = seg_out_xlated(pb_data(&want), &b, TCP_ACK, b.in_seq,
				   b.out_seq, xm, len);
		expect_packet(l);
		b.in_seq += (uint32_t)len;
	}
	gre_in_dropped(x);		/* not connected yet */
	len = msg(m, ICCN, x, 0, 0);
	msg(xm, ICCN, 0x2020, 0, 0);
	in_msg(&b, m, xm, len);
	gre_in_ok(x, LAN_B, 0x2020);
	gre_out_ok(LAN_B, 4000, true, true);
}
END_TEST

/* A PPTP server inside, behind a static mapping of TCP 1723: its own Call
 * IDs are translated, so several outside clients can use it. */
START_TEST(server_inside)
{
	struct conn c1 = { .lan = LAN_S, .lport = 1723, .srv = CLI,
			   .sport = 40000, .pub = PUB, .pport = 1723,
			   .server_inside = true };
	uint8_t m[220], xm[220];
	size_t len, l;
	uint16_t x;

	forward_pptp_server();
	/* an inside client of the same outside host holds 0x0600 first */
	{
		struct conn a = { .lan = LAN_A, .lport = 5000, .srv = CLI,
				  .sport = 1723, .pub = PUB };

		session_start(&a);
		ck_assert_uint_eq(ocrq(&a, 0x0600), 0x0600);
	}
	conn_open(&c1);
	len = msg(m, SCCRQ, 0, 0, 0);
	in_same(&c1, m, len);
	len = msg(m, SCCRP, 0, 0, 1);
	out_same(&c1, m, len);
	/* the outside client asks; its ID 0x0bb8 is not ours to change */
	len = msg(m, OCRQ, 0x0bb8, 1, 0);
	in_same(&c1, m, len);
	/* the inside server answers with its own ID 0x0600: translated */
	len = msg(m, OCRP, 0x0600, 0x0bb8, 1);
	l = seg_out(pb_data(&in), &c1, TCP_ACK, c1.in_seq, c1.out_seq, m, len);
	ck_assert_int_eq(run(l, DIR_OUT), VERDICT_FORWARD);
	x = get16(p.data + 40 + 12);
	ck_assert_uint_ne(x, 0x0600);
	msg(xm, OCRP, x, 0x0bb8, 1);
	l = seg_out_xlated(pb_data(&want), &c1, TCP_ACK, c1.in_seq, c1.out_seq,
			   xm, len);
	expect_packet(l);
	c1.in_seq += (uint32_t)len;
	/* GRE: the client sends to x, which reaches the server as 0x0600 */
	l = gre1(pb_data(&in), CLI, PUB, x, true, false, "hi", 64);
	ck_assert_int_eq(run(l, DIR_IN), VERDICT_FORWARD);
	l = gre1(pb_data(&want), CLI, LAN_S, 0x0600, true, false, "hi", 63);
	ck_assert_mem_eq(p.data, pb_data(&want), l);
	/* the server sends to the client's 0x0bb8, from the public address */
	l = gre1(pb_data(&in), LAN_S, CLI, 0x0bb8, true, true, "yo", 64);
	ck_assert_int_eq(run(l, DIR_OUT), VERDICT_FORWARD);
	l = gre1(pb_data(&want), PUB, CLI, 0x0bb8, true, true, "yo", 63);
	ck_assert_mem_eq(p.data, pb_data(&want), l);
	/* Set-Link-Info from the client names the server's (translated) ID */
	len = msg(m, SLI, x, 0, 0);
	msg(xm, SLI, 0x0600, 0, 0);
	in_msg(&c1, m, xm, len);
	/* Call-Disconnect-Notify from the server: its own ID, translated */
	len = msg(m, CDN, 0x0600, 0, 0);
	msg(xm, CDN, x, 0, 0);
	out_msg(&c1, m, xm, len);
	l = gre1(pb_data(&in), CLI, PUB, x, true, false, "late", 64);
	ck_assert_int_eq(run(l, DIR_IN), VERDICT_DROP);
}
END_TEST

/* An inside client reaches an inside server through the public address. */
START_TEST(hairpin_client_to_inside_server)
{
	uint8_t m[220];
	size_t len, l;
	uint16_t cport, xc, xs;
	uint32_t cseq = 100, sseq = 700;

	forward_pptp_server();
	/* handshake: LAN_A:5000 -> PUB:1723 -> LAN_S:1723 */
	l = pb_tcp(pb_data(&in), (struct pb_ip){ .src = LAN_A, .dst = PUB },
		   5000, 1723, TCP_SYN, cseq - 1, 0, NULL, 0);
	ck_assert_int_eq(run(l, DIR_OUT), VERDICT_BACK);
	ck_assert_uint_eq(ipv4_hdr(&p)->daddr, pb_addr(LAN_S));
	cport = get16(p.data + 20);
	l = pb_tcp(pb_data(&in), (struct pb_ip){ .src = LAN_S, .dst = PUB },
		   1723, cport, TCP_SYN | TCP_ACK, sseq - 1, cseq, NULL, 0);
	ck_assert_int_eq(run(l, DIR_OUT), VERDICT_BACK);
	ck_assert_uint_eq(ipv4_hdr(&p)->daddr, pb_addr(LAN_A));
	/* OCRQ from the client: its ID is translated on its way out */
	len = msg(m, OCRQ, 0x0101, 1, 0);
	l = pb_tcp(pb_data(&in), (struct pb_ip){ .src = LAN_A, .dst = PUB },
		   5000, 1723, TCP_ACK, cseq, sseq, m, len);
	ck_assert_int_eq(run(l, DIR_OUT), VERDICT_BACK);
	xc = get16(p.data + 40 + 12);
	cseq += (uint32_t)len;
	/* OCRP from the server: its own ID translated, the peer's back */
	len = msg(m, OCRP, 0x0101, xc, 1);
	l = pb_tcp(pb_data(&in), (struct pb_ip){ .src = LAN_S, .dst = PUB },
		   1723, cport, TCP_ACK, sseq, cseq, m, len);
	ck_assert_int_eq(run(l, DIR_OUT), VERDICT_BACK);
	xs = get16(p.data + 40 + 12);
	ck_assert_uint_eq(get16(p.data + 40 + 14), 0x0101);
	ck_assert(pb_l4_csum_ok(p.data, p.len));
	/* GRE client -> server: key xs reaches the server as 0x0101 */
	l = gre1(pb_data(&in), LAN_A, PUB, xs, true, false, "c2s", 64);
	ck_assert_int_eq(run(l, DIR_OUT), VERDICT_BACK);
	l = gre1(pb_data(&want), PUB, LAN_S, 0x0101, true, false, "c2s", 63);
	ck_assert_mem_eq(p.data, pb_data(&want), l);
	/* GRE server -> client: key xc reaches the client as 0x0101 */
	l = gre1(pb_data(&in), LAN_S, PUB, xc, true, false, "s2c", 64);
	ck_assert_int_eq(run(l, DIR_OUT), VERDICT_BACK);
	l = gre1(pb_data(&want), PUB, LAN_A, 0x0101, true, false, "s2c", 63);
	ck_assert_mem_eq(p.data, pb_data(&want), l);
}
END_TEST

/* ICMP errors about a call's GRE are translated like any other, so path
 * MTU discovery works for calls: one from outside quoting the GRE we sent
 * (found by the server's Call ID), one from inside quoting the GRE we
 * delivered (found by the client's). */
START_TEST(icmp_errors_quoting_gre)
{
	struct conn a = client(LAN_A, 5000), b = client(LAN_B, 5001);
	uint8_t sent[128], quote[128];
	size_t l, sl, ql, wl;
	uint16_t xa, xb;

	session_start(&a);
	session_start(&b);
	xa = ocrq(&a, 0x0404);
	xb = ocrq(&b, 0x0404);
	ck_assert_uint_ne(xb, 0x0404);
	ocrp(&a, 300, xa, 0x0404, 1);
	ocrp(&b, 301, xb, 0x0404, 1);
	/* a router beyond says b's GRE to the server was too big */
	sl = gre1(sent, PUB, SRV, 301, true, false, "ppp-frame", 63);
	l = pb_icmp_error(pb_data(&in), (struct pb_ip){ .src = "192.0.2.254",
			  .dst = PUB }, 3, 4, 1400, sent, sl);
	ql = gre1(quote, LAN_B, SRV, 301, true, false, "ppp-frame", 63);
	wl = pb_icmp_error(pb_data(&want), (struct pb_ip){
			   .src = "192.0.2.254", .dst = LAN_B, .ttl = 63 },
			   3, 4, 1400, quote, ql);
	ck_assert_int_eq(run(l, DIR_IN), VERDICT_FORWARD);
	ck_assert_uint_eq(p.len, wl);
	ck_assert_mem_eq(p.data, pb_data(&want), wl);
	ck_assert(pb_l4_csum_ok(p.data, p.len));
	/* a router inside says the server's GRE to b went nowhere */
	sl = gre1(sent, SRV, LAN_B, 0x0404, true, false, "reply", 63);
	l = pb_icmp_error(pb_data(&in), (struct pb_ip){ .src = "192.168.1.1",
			  .dst = SRV }, 3, 1, 0, sent, sl);
	ql = gre1(quote, SRV, PUB, xb, true, false, "reply", 63);
	wl = pb_icmp_error(pb_data(&want), (struct pb_ip){ .src = PUB,
			   .dst = SRV, .ttl = 63 }, 3, 1, 0, quote, ql);
	ck_assert_int_eq(run(l, DIR_OUT), VERDICT_FORWARD);
	ck_assert_uint_eq(p.len, wl);
	ck_assert_mem_eq(p.data, pb_data(&want), wl);
	/* about a call that is over: dropped */
	now += 400 * S;
	sl = gre1(sent, PUB, SRV, 300, true, false, "late", 63);
	l = pb_icmp_error(pb_data(&in), (struct pb_ip){ .src = "192.0.2.254",
			  .dst = PUB }, 3, 4, 1400, sent, sl);
	ck_assert_int_eq(run(l, DIR_IN), VERDICT_DROP);
	ck_assert_str_eq(drop_reason_str(p.drop), "icmp-error-no-session");
}
END_TEST

static struct nat_session_info calls[8];
static unsigned ncalls;

static bool collect_call(void *arg, const struct nat_session_info *si)
{
	(void)arg;
	if (si->flags & NAT_SI_CALL && ncalls < 8)
		calls[ncalls++] = *si;
	return true;
}

static unsigned list_calls(void)
{
	uint32_t cursor = 0;

	ncalls = 0;
	while (!nat_walk(n, &cursor, 1000, NULL, now, collect_call, NULL))
		;
	return ncalls;
}

/* The Call ID table of a PPTP-aware NAT, live: inside address and Call
 * ID, public address and translated ID, server and its ID.  A flush of the
 * control connection ends its calls. */
START_TEST(call_table_walked_and_flushed)
{
	struct conn a = client(LAN_A, 5000), b = client(LAN_B, 5001);
	struct nat_match m = { .proto = IPPROTO_TCP,
			       .in_addr = pb_addr(LAN_B) };
	uint64_t ended = 0;
	uint32_t cursor = 0;
	uint16_t xa, xb;

	session_start(&a);
	session_start(&b);
	xa = ocrq(&a, 0x0101);
	ck_assert_uint_eq(list_calls(), 1);
	ck_assert_str_eq(calls[0].state, "pending");
	xb = ocrq(&b, 0x0101);
	ocrp(&a, 300, xa, 0x0101, 1);
	ocrp(&b, 301, xb, 0x0101, 1);
	ck_assert_uint_eq(list_calls(), 2);
	for (unsigned i = 0; i < 2; i++) {
		bool is_b = calls[i].in_addr == pb_addr(LAN_B);

		ck_assert_uint_eq(calls[i].proto, IPPROTO_GRE);
		ck_assert_str_eq(calls[i].alg, "pptp");
		ck_assert_str_eq(calls[i].state, "active");
		ck_assert_uint_eq(calls[i].in_port, 0x0101);
		ck_assert_uint_eq(calls[i].pub_addr, pb_addr(PUB));
		ck_assert_uint_eq(calls[i].pub_port, is_b ? xb : xa);
		ck_assert_uint_eq(calls[i].rem_addr, pb_addr(SRV));
		ck_assert_uint_eq(calls[i].rem_port, is_b ? 301 : 300);
	}
	while (!nat_flush(n, &cursor, 1000, &m, now, &ended))
		;
	ck_assert_uint_eq(ended, 1);
	gre_in_dropped(xb);
	gre_in_ok(xa, LAN_A, 0x0101);
	/* b's Call ID rests, and is no call */
	ck_assert_uint_eq(list_calls(), 1);
	ck_assert_uint_eq(calls[0].in_addr, pb_addr(LAN_A));
	ck_assert_uint_eq(nat_stats(n)->resting_calls, 1);
	ck_assert_uint_eq(nat_stats(n)->proto[NAT_PC_GRE].sessions, 1);
}
END_TEST

/* ---- GRE without calls -------------------------------------------------- */

START_TEST(gre_v1_unmatched_dropped_both_ways)
{
	gre_out_dropped(LAN_A, 5);
	gre_in_dropped(5);
	ck_assert_uint_eq(nat_stats(n)->drops[DROP_GRE_NO_CALL], 2);
}
END_TEST

START_TEST(gre_v1_malformed_dropped)
{
	size_t l = gre1(pb_data(&in), LAN_A, SRV, 5, true, false, "x", 64);

	pb_data(&in)[20 + 2] = 0x08;	/* protocol 0x080b, not PPP */
	pb_data(&in)[10] = pb_data(&in)[11] = 0;
	{
		uint16_t c = (uint16_t)~pb_sum(0, pb_data(&in), 20);

		put16(pb_data(&in) + 10, c);
	}
	ck_assert_int_eq(run(l, DIR_OUT), VERDICT_DROP);
	ck_assert_str_eq(drop_reason_str(p.drop), "bad-transport-header");
}
END_TEST

static size_t gre0(uint8_t *b, const char *src, const char *dst, uint8_t ttl)
{
	uint8_t g[16] = { 0x00, 0x00, 0x08, 0x00, 0x45 };

	return pb_ipv4(b, &(struct pb_ip){ .src = src, .dst = dst,
		       .proto = IPPROTO_GRE, .ttl = ttl }, g, sizeof(g));
}

START_TEST(gre_v0_address_only_one_host_per_remote)
{
	size_t l, wl;

	l = gre0(pb_data(&in), LAN_A, SRV, 64);
	wl = gre0(pb_data(&want), PUB, SRV, 63);
	ck_assert_int_eq(run(l, DIR_OUT), VERDICT_FORWARD);
	ck_assert_mem_eq(p.data, pb_data(&want), wl);
	l = gre0(pb_data(&in), SRV, PUB, 64);
	wl = gre0(pb_data(&want), SRV, LAN_A, 63);
	ck_assert_int_eq(run(l, DIR_IN), VERDICT_FORWARD);
	ck_assert_mem_eq(p.data, pb_data(&want), wl);
	/* a second inside host to the same remote: refused */
	l = gre0(pb_data(&in), LAN_B, SRV, 64);
	ck_assert_int_eq(run(l, DIR_OUT), VERDICT_DROP);
	ck_assert_str_eq(drop_reason_str(p.drop), "address-in-use");
	/* to another remote: fine */
	l = gre0(pb_data(&in), LAN_B, CLI, 64);
	ck_assert_int_eq(run(l, DIR_OUT), VERDICT_FORWARD);
}
END_TEST

/* With the ALG off, port 1723 is plain TCP and GRE goes by address only,
 * as any NAT without a PPTP helper does: one inside host per server. */
START_TEST(alg_disabled_passes_control_untouched)
{
	struct conn a = client(LAN_A, 5000);
	uint8_t m[220];
	size_t len, l, wl;

	cfg.alg[NAT_ALG_PPTP].enabled = false;
	renew();
	session_start(&a);
	len = msg(m, OCRQ, 5, 1, 0);
	out_same(&a, m, len);
	ck_assert_uint_eq(nat_stats(n)->alg[NAT_ALG_PPTP].calls, 0);
	gre_out_ok(LAN_A, 300, true, false);
	/* back by address, its Call ID untouched */
	l = gre1(pb_data(&in), SRV, PUB, 5, true, false, "r", 64);
	wl = gre1(pb_data(&want), SRV, LAN_A, 5, true, false, "r", 63);
	ck_assert_int_eq(run(l, DIR_IN), VERDICT_FORWARD);
	ck_assert_mem_eq(p.data, pb_data(&want), wl);
	/* another inside host to the same server: refused */
	l = gre1(pb_data(&in), LAN_B, SRV, 301, true, false, "x", 64);
	ck_assert_int_eq(run(l, DIR_OUT), VERDICT_DROP);
	ck_assert_str_eq(drop_reason_str(p.drop), "address-in-use");
}
END_TEST

START_TEST(no_state_slot_refuses_connection)
{
	struct conn a = client(LAN_A, 5000), b = client(LAN_A, 5001);
	size_t l;

	cfg.alg[NAT_ALG_PPTP].max_connections = 1;
	renew();
	session_start(&a);
	l = seg_out(pb_data(&in), &b, TCP_SYN, 1, 0, NULL, 0);
	ck_assert_int_eq(run(l, DIR_OUT), VERDICT_DROP);
	ck_assert_str_eq(drop_reason_str(p.drop), "alg-no-state");
	ck_assert_uint_eq(nat_stats(n)->sessions, 1);
}
END_TEST

static Suite *pptp_suite(void)
{
	Suite *s = suite_create("pptp");
	TCase *tc;

	tc = tcase_create("rfc2637_exchange");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, two_clients_same_call_id);
	tcase_add_test(tc, call_mapping_event);
	tcase_add_test(tc, moved_call_id_in_wan_error_and_clear);
	tcase_add_test(tc, two_calls_on_one_connection);
	tcase_add_test(tc, incoming_call);
	tcase_add_test(tc, server_inside);
	tcase_add_test(tc, hairpin_client_to_inside_server);
	tcase_add_test(tc, zero_call_id_is_translated);
	tcase_add_test(tc, server_refusal_counted);
	suite_add_tcase(s, tc);

	tc = tcase_create("stream");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, message_split_byte_by_byte);
	tcase_add_test(tc, call_id_split_between_segments);
	tcase_add_test(tc, three_messages_in_one_segment);
	tcase_add_test(tc, retransmission_resegmented);
	tcase_add_test(tc, out_of_order_segment_dropped_then_resent);
	suite_add_tcase(s, tc);

	tc = tcase_create("fail_closed");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, spoiled_message_resets, 0,
			    sizeof(spoils) / sizeof(spoils[0]));
	tcase_add_test(tc, reset_ends_calls);
	tcase_add_test(tc, unknown_call_resets);
	tcase_add_test(tc, picked_up_mid_stream_resets);
	tcase_add_loop_test(tc, fragmented_control_segment_resets, 0, 2);
	tcase_add_test(tc, peer_call_id_of_no_call_resets);
	tcase_add_test(tc, disconnect_of_no_call_resets);
	tcase_add_test(tc, table_full_resets);
	tcase_add_test(tc, no_state_slot_refuses_connection);
	tcase_add_test(tc, blind_rst_ends_nothing);
	tcase_add_test(tc, blind_syn_changes_nothing);
	tcase_add_test(tc, stale_segment_dropped);
	suite_add_tcase(s, tc);

	tc = tcase_create("calls");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, call_limit_per_connection);
	tcase_add_test(tc, call_limit_per_host);
	tcase_add_test(tc, call_limit_per_server);
	tcase_add_test(tc, host_limit_counts_quarantine);
	tcase_add_test(tc, clearing_an_ended_call);
	tcase_add_test(tc, handle_not_reused_across_calls);
	tcase_add_test(tc, call_id_exhaustion_and_quarantine);
	tcase_add_test(tc, refused_call_ends);
	tcase_add_test(tc, pending_call_dropped_after_60_s);
	tcase_add_test(tc, clear_request_grace);
	tcase_add_test(tc, gre_idle_timeout_both_ways);
	tcase_add_test(tc, call_timers_across_the_clock_wrap);
	tcase_add_test(tc, control_connection_end_ends_calls);
	tcase_add_test(tc, stop_control_connection_ends_calls);
	tcase_add_test(tc, control_connection_expiry_ends_calls);
	suite_add_tcase(s, tc);

	tc = tcase_create("gre");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, gre_v1_unmatched_dropped_both_ways);
	tcase_add_test(tc, icmp_errors_quoting_gre);
	tcase_add_test(tc, call_table_walked_and_flushed);
	tcase_add_test(tc, gre_v1_malformed_dropped);
	tcase_add_test(tc, gre_v0_address_only_one_host_per_remote);
	tcase_add_test(tc, alg_disabled_passes_control_untouched);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pptp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
