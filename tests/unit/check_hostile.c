/* SPDX-License-Identifier: MIT */
/* check_hostile.c - hostile outside input creates nothing, and quotas hold
 *
 * Each test opens legitimate flows first (a TCP connection, a UDP flow and
 * a ping from LAN_A), then sends one kind of attack, crafted byte by byte,
 * at a fake clock, with a legitimate exchange between every few attack
 * packets.  It checks that every attack packet was dropped and counted
 * under its reason, that no session and no mapping was made, and that the
 * legitimate flows pass throughout and after, the TCP connection still
 * established.
 */

#include <arpa/inet.h>

#include <string.h>

#include "nattest.h"

#define LPORT	5000		/* the legitimate TCP flow: LAN_A:5000 */
#define UPORT	6000		/* the legitimate UDP flow: LAN_A:6000 */
#define PING_ID	0x4242		/* the legitimate ping */
#define EVIL	"198.51.100.66"	/* an outside host that is no peer */

/* Where the legitimate TCP flow's two ends stand. */
static uint32_t in_seq, out_seq;
static uint16_t tcp_pport, udp_pport, ping_pid;
static uint64_t now;

/* Sessions and mappings when the attack began. */
static uint32_t sessions0, mappings0;

/* A segment of the legitimate flow: from LAN_A (DIR_OUT) or from SRV. */
static enum verdict legit_tcp(enum pkt_dir dir, uint8_t flags,
			      const void *d, size_t len)
{
	size_t l;

	if (dir == DIR_OUT)
		l = pb_tcp(pb_data(&in), (struct pb_ip){ .src = LAN_A,
			   .dst = SRV }, LPORT, 80, flags, in_seq, out_seq,
			   d, len);
	else
		l = pb_tcp(pb_data(&in), (struct pb_ip){ .src = SRV,
			   .dst = PUB }, 80, tcp_pport, flags, out_seq,
			   in_seq, d, len);
	return run(l, dir, now);
}

/* The legitimate state of a session: the one state nat_walk() gives. */
static const char *walked_state;

static bool remember_state(void *arg, const struct nat_session_info *si)
{
	(void)arg;
	walked_state = si->state;
	return false;
}

/* The state of the legitimate TCP session, or NULL if it is gone. */
static const char *legit_state(void)
{
	struct nat_match m = { .proto = IPPROTO_TCP, .in_port = LPORT };
	uint32_t cur = 0;

	walked_state = NULL;
	nat_walk(n, &cur, 1u << 20, &m, now, remember_state, NULL);
	return walked_state;
}

/* One round of legitimate traffic: data both ways on the TCP flow, a
 * datagram and its answer, a ping and its reply; all must pass. */
static void legit_round(void)
{
	size_t l;

	ck_assert_int_eq(legit_tcp(DIR_OUT, TCP_ACK | TCP_PSH, "ping", 4),
			 VERDICT_FORWARD);
	in_seq += 4;
	ck_assert_int_eq(legit_tcp(DIR_IN, TCP_ACK | TCP_PSH, "pong!", 5),
			 VERDICT_FORWARD);
	ck_assert_uint_eq(ipv4_hdr(&p)->daddr, pb_addr(LAN_A));
	out_seq += 5;
	ck_assert_uint_eq(udp_out(LAN_A, UPORT, SRV, 53, now), udp_pport);
	ck_assert_int_eq(udp_in(SRV, 53, udp_pport, now), VERDICT_FORWARD);
	l = pb_icmp_query(pb_data(&in), (struct pb_ip){ .src = LAN_A,
			  .dst = SRV }, 8, PING_ID, 1, "hi", 2);
	ck_assert_int_eq(run(l, DIR_OUT, now), VERDICT_FORWARD);
	l = pb_icmp_query(pb_data(&in), (struct pb_ip){ .src = SRV,
			  .dst = PUB }, 0, ping_pid, 1, "hi", 2);
	ck_assert_int_eq(run(l, DIR_IN, now), VERDICT_FORWARD);
	ck_assert_str_eq(legit_state(), "established");
}

/* The legitimate flows: a TCP handshake, a UDP flow, a ping. */
static void legit_setup(void)
{
	size_t l;

	setup();
	now = 1000 * S;
	in_seq = 100000;
	out_seq = 7000000;
	ck_assert_int_eq(legit_tcp(DIR_OUT, TCP_SYN, NULL, 0),
			 VERDICT_FORWARD);
	tcp_pport = out_sport();
	in_seq++;
	ck_assert_int_eq(legit_tcp(DIR_IN, TCP_SYN | TCP_ACK, NULL, 0),
			 VERDICT_FORWARD);
	out_seq++;
	ck_assert_int_eq(legit_tcp(DIR_OUT, TCP_ACK, NULL, 0),
			 VERDICT_FORWARD);
	udp_pport = udp_out(LAN_A, UPORT, SRV, 53, now);
	l = pb_icmp_query(pb_data(&in), (struct pb_ip){ .src = LAN_A,
			  .dst = SRV }, 8, PING_ID, 1, "hi", 2);
	ck_assert_int_eq(run(l, DIR_OUT, now), VERDICT_FORWARD);
	ping_pid = out_icmp_id();
	legit_round();
	sessions0 = nat_stats(n)->sessions;
	mappings0 = nat_stats(n)->mappings;
	ck_assert_uint_eq(sessions0, 3);
}

/* After an attack: nothing made, every attack packet counted as @r. */
static void expect_nothing_made(enum drop_reason r, uint64_t before,
				uint64_t sent)
{
	ck_assert_uint_eq(nat_stats(n)->sessions, sessions0);
	ck_assert_uint_eq(nat_stats(n)->mappings, mappings0);
	ck_assert_uint_eq(nat_stats(n)->drops[r] - before, sent);
	legit_round();
}

/* Send the @len bytes in @in @cnt times from outside, a legitimate round
 * every 16; each must be dropped as @r. */
static void flood_in(size_t len, unsigned cnt, enum drop_reason r)
{
	static struct pb_buf saved;
	uint64_t before = nat_stats(n)->drops[r];
	unsigned i;

	memcpy(&saved, &in, sizeof(saved));
	for (i = 0; i < cnt; i++) {
		memcpy(&in, &saved, sizeof(in));
		expect_drop(run(len, DIR_IN, now), r);
		if (i % 16 == 15)
			legit_round();
	}
	expect_nothing_made(r, before, cnt);
}

/* ---- unsolicited traffic ------------------------------------------------ */

/* TCP SYNs to every public port but the flows': held, then dropped. */
START_TEST(unsolicited_tcp_syn)
{
	uint64_t before = nat_stats(n)->drops[DROP_SYN_UNSOLICITED];
	unsigned port;

	for (port = 1; port <= 2000; port++) {
		size_t l;

		if (port == tcp_pport)
			continue;
		l = pb_tcp(pb_data(&in), (struct pb_ip){ .src = EVIL,
			   .dst = PUB }, 4444, (uint16_t)port, TCP_SYN, 1, 0,
			   NULL, 0);
		expect_drop(run(l, DIR_IN, now), DROP_SYN_UNSOLICITED);
		if (port % 100 == 0)
			legit_round();
	}
	expect_nothing_made(DROP_SYN_UNSOLICITED, before,
			    2000 - (tcp_pport <= 2000));
	/* their hold runs out: still nothing */
	now += 7 * S;
	nat_expire(n, now, 1000);
	expect_nothing_made(DROP_SYN_UNSOLICITED, before,
			    2000 - (tcp_pport <= 2000));
}
END_TEST

/* TCP that is not a SYN: to the flow's own public port from a stranger,
 * or from its own peer at another port (the filter refuses both), and to
 * a public port with no mapping. */
START_TEST(unsolicited_tcp_ack)
{
	size_t l = pb_tcp(pb_data(&in), (struct pb_ip){ .src = EVIL,
			  .dst = PUB }, 80, tcp_pport, TCP_ACK | TCP_PSH, 5, 6,
			  "x", 1);

	flood_in(l, 100, DROP_FILTERED);
	l = pb_tcp(pb_data(&in), (struct pb_ip){ .src = SRV, .dst = PUB },
		   81, tcp_pport, TCP_RST | TCP_ACK, out_seq, in_seq, NULL, 0);
	flood_in(l, 100, DROP_FILTERED);
	l = pb_tcp(pb_data(&in), (struct pb_ip){ .src = SRV, .dst = PUB },
		   80, (uint16_t)(tcp_pport + 1), TCP_FIN | TCP_ACK, out_seq,
		   in_seq, NULL, 0);
	flood_in(l, 100, DROP_NO_SESSION);
}
END_TEST

/* UDP to the flow's public port from a stranger: the filter refuses it. */
START_TEST(unsolicited_udp)
{
	size_t l = pb_udp(pb_data(&in), (struct pb_ip){ .src = EVIL,
			  .dst = PUB }, 53, udp_pport, "evil", 4);

	flood_in(l, 200, DROP_FILTERED);
	l = pb_udp(pb_data(&in), (struct pb_ip){ .src = EVIL, .dst = PUB },
		   53, (uint16_t)(udp_pport + 1), "evil", 4);
	flood_in(l, 200, DROP_NO_SESSION);
}
END_TEST

/* Echo replies with guessed identifiers. */
START_TEST(unsolicited_icmp)
{
	uint64_t before = nat_stats(n)->drops[DROP_NO_SESSION];
	unsigned id;

	for (id = 0; id < 1000; id++) {
		size_t l;

		if (id == ping_pid)
			continue;
		l = pb_icmp_query(pb_data(&in), (struct pb_ip){ .src = SRV,
				  .dst = PUB }, 0, (uint16_t)id, 1, "x", 1);
		expect_drop(run(l, DIR_IN, now), DROP_NO_SESSION);
	}
	expect_nothing_made(DROP_NO_SESSION, before, 1000 - (ping_pid < 1000));
}
END_TEST

/* GRE of both versions, with no tunnel or call to go to. */
START_TEST(unsolicited_gre)
{
	uint8_t g[12] = { 0x20, 0x01, 0x88, 0x0b, 0, 0, 0x12, 0x34 };
	size_t l;

	l = pb_ipv4(pb_data(&in), &(struct pb_ip){ .src = EVIL, .dst = PUB,
		    .proto = IPPROTO_GRE }, g, 8);
	flood_in(l, 100, DROP_NO_SESSION);
	g[0] = 0;
	g[1] = 0;	/* version 0 */
	l = pb_ipv4(pb_data(&in), &(struct pb_ip){ .src = EVIL, .dst = PUB,
		    .proto = IPPROTO_GRE }, g, 4);
	flood_in(l, 100, DROP_NO_SESSION);
}
END_TEST

/* ---- ICMP errors -------------------------------------------------------- */

/* An ICMP error from outside quoting @quoted (@qlen bytes), to @dst. */
static size_t icmp_err_in(const char *src, const char *dst,
			  const uint8_t *quoted, size_t qlen)
{
	return pb_icmp_error(pb_data(&in), (struct pb_ip){ .src = src,
			     .dst = dst }, 3, 1, 0, quoted, qlen);
}

START_TEST(icmp_error_matching_nothing)
{
	static struct pb_buf q;
	size_t ql, l;

	/* quoting a packet from a public port nothing uses */
	ql = pb_udp(pb_data(&q), (struct pb_ip){ .src = PUB, .dst = SRV },
		    (uint16_t)(udp_pport + 7), 53, "q", 1);
	l = icmp_err_in(WANRTR, PUB, pb_data(&q), ql);
	flood_in(l, 50, DROP_ICMP_NO_SESSION);
}
END_TEST

/* Errors that name a live flow but spoof it: another remote in the quote,
 * or an outer destination that is not the quoted source. */
START_TEST(icmp_error_spoofing_a_session)
{
	static struct pb_buf q;
	size_t ql, l;

	ql = pb_tcp(pb_data(&q), (struct pb_ip){ .src = PUB, .dst = EVIL },
		    tcp_pport, 80, TCP_ACK, in_seq, out_seq, NULL, 0);
	l = icmp_err_in(WANRTR, PUB, pb_data(&q), ql);
	flood_in(l, 50, DROP_ICMP_NO_SESSION);
	ql = pb_tcp(pb_data(&q), (struct pb_ip){ .src = PUB, .dst = SRV },
		    tcp_pport, 81, TCP_ACK, in_seq, out_seq, NULL, 0);
	l = icmp_err_in(WANRTR, PUB, pb_data(&q), ql);
	flood_in(l, 50, DROP_ICMP_NO_SESSION);
	ql = pb_tcp(pb_data(&q), (struct pb_ip){ .src = "203.0.113.9",
		    .dst = SRV }, tcp_pport, 80, TCP_ACK, in_seq, out_seq,
		    NULL, 0);
	l = icmp_err_in(WANRTR, PUB, pb_data(&q), ql);
	flood_in(l, 50, DROP_ICMP_NO_SESSION);
}
END_TEST

/* An error from a router on the path quoting the legitimate flow's own
 * four addresses and ports, with sequence number @seq. */
static size_t icmp_err_quoting_flow(uint32_t seq)
{
	static struct pb_buf q;
	size_t ql;

	ql = pb_tcp(pb_data(&q), (struct pb_ip){ .src = PUB, .dst = SRV },
		    tcp_pport, 80, TCP_ACK, seq, out_seq, NULL, 0);
	return icmp_err_in(WANRTR, PUB, pb_data(&q), ql);
}

/* RFC 5927: errors that quote the live flow exactly, but a sequence
 * number the inside host has not sent, or sent longer ago than the
 * remote's window (65535: it announced no scale), are dropped; one that
 * quotes a segment in flight passes, translated. */
START_TEST(icmp_error_quoting_unsent_sequence)
{
	static const uint32_t offs[] = {
		1u << 31, 1u << 20, 3u << 16, 0u - (1u << 20),
		0u - (4u << 16),
	};
	unsigned i;
	size_t l;

	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		flood_in(icmp_err_quoting_flow(in_seq + offs[i]), 20,
			 DROP_ICMP_SEQ);
		ck_assert_str_eq(legit_state(), "established");
	}
	/* a segment sent and not yet acknowledged, and the next one */
	l = icmp_err_quoting_flow(in_seq - 1000);
	ck_assert_int_eq(run(l, DIR_IN, now), VERDICT_FORWARD);
	ck_assert_uint_eq(ipv4_hdr(&p)->daddr, pb_addr(LAN_A));
	l = icmp_err_quoting_flow(in_seq);
	ck_assert_int_eq(run(l, DIR_IN, now), VERDICT_FORWARD);
	legit_round();
}
END_TEST

/* With a remote that scales its window by 7, the inside host may have
 * 65535 << 7 bytes in flight: errors quoting them pass, further back not. */
START_TEST(icmp_error_window_scaled)
{
	static const uint8_t ws7[] = { 1, 3, 3, 7 };	/* NOP, scale 7 */
	static struct pb_buf q;
	uint32_t isn = 0x70000000;
	uint16_t pport;
	size_t l, ql;
	unsigned i;

	l = pb_tcp(pb_data(&in), (struct pb_ip){ .src = LAN_B, .dst = SRV },
		   5003, 80, TCP_SYN, isn, 0, NULL, 0);
	ck_assert_int_eq(run(l, DIR_OUT, now), VERDICT_FORWARD);
	pport = out_sport();
	l = pb_tcp_opts(pb_data(&in), (struct pb_ip){ .src = SRV,
			.dst = PUB }, 80, pport, TCP_SYN | TCP_ACK, 999,
			isn + 1, ws7, sizeof(ws7));
	ck_assert_int_eq(run(l, DIR_IN, now), VERDICT_FORWARD);
	/* the inside host sends 8 MB; its next byte is isn + 1 + 8 MiB */
	for (i = 0; i < 128; i++) {
		/* a segment's end is what counts: the last byte of each
		 * 64 KiB is enough */
		l = pb_tcp(pb_data(&in), (struct pb_ip){ .src = LAN_B,
			   .dst = SRV }, 5003, 80, TCP_ACK,
			   isn + (uint32_t)(i + 1) * 65536, 1000, "x", 1);
		ck_assert_int_eq(run(l, DIR_OUT, now), VERDICT_FORWARD);
	}
	/* 65535 << 7 back from the next byte: in flight */
	ql = pb_tcp(pb_data(&q), (struct pb_ip){ .src = PUB, .dst = SRV },
		    pport, 80, TCP_ACK, isn + 1 + (128u << 16) - (65535u << 7),
		    1000, NULL, 0);
	l = icmp_err_in(WANRTR, PUB, pb_data(&q), ql);
	ck_assert_int_eq(run(l, DIR_IN, now), VERDICT_FORWARD);
	/* twice that: long acknowledged, or never sent */
	ql = pb_tcp(pb_data(&q), (struct pb_ip){ .src = PUB, .dst = SRV },
		    pport, 80, TCP_ACK, isn + 1 + (128u << 16) - (65535u << 8),
		    1000, NULL, 0);
	l = icmp_err_in(WANRTR, PUB, pb_data(&q), ql);
	expect_drop(run(l, DIR_IN, now), DROP_ICMP_SEQ);
	ck_assert_uint_eq(nat_stats(n)->drops[DROP_ICMP_SEQ], 1);
	legit_round();
}
END_TEST

/* ---- blind RST and FIN (RFC 5961) -------------------------------------- */

/* RST and FIN from the peer's own endpoint with sequence numbers far from
 * where it stands: dropped, the connection stays established. */
START_TEST(rst_fin_out_of_window)
{
	/* the window is 65535 (no scale); the legitimate rounds between
	 * the forged packets move the remote on by 5 bytes each */
	static const uint32_t offs[] = {
		65536 + 100, 100000, 1u << 20, 1u << 31, 0u - 65536,
		0u - (1u << 24),
	};
	unsigned i;

	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		size_t l;

		l = pb_tcp(pb_data(&in), (struct pb_ip){ .src = SRV,
				  .dst = PUB }, 80, tcp_pport, TCP_RST,
				  out_seq + offs[i], 0, NULL, 0);

		flood_in(l, 20, DROP_TCP_WINDOW);
		l = pb_tcp(pb_data(&in), (struct pb_ip){ .src = SRV,
			   .dst = PUB }, 80, tcp_pport, TCP_FIN | TCP_ACK,
			   out_seq + offs[i], in_seq, NULL, 0);
		flood_in(l, 20, DROP_TCP_WINDOW);
		ck_assert_str_eq(legit_state(), "established");
	}
}
END_TEST

/* A RST in the window but not at the remote's next byte reaches the inside
 * host (for its challenge ACK) and changes nothing; the exact one acts. */
START_TEST(rst_in_window_challenge)
{
	uint64_t drops = nat_stats(n)->drops[DROP_TCP_WINDOW];
	size_t l;

	l = pb_tcp(pb_data(&in), (struct pb_ip){ .src = SRV, .dst = PUB },
		   80, tcp_pport, TCP_RST, out_seq + 1000, 0, NULL, 0);
	ck_assert_int_eq(run(l, DIR_IN, now), VERDICT_FORWARD);
	ck_assert_str_eq(legit_state(), "established");
	legit_round();
	ck_assert_uint_eq(nat_stats(n)->drops[DROP_TCP_WINDOW], drops);
	/* the peer's own RST, at its next sequence number */
	ck_assert_int_eq(legit_tcp(DIR_IN, TCP_RST, NULL, 0),
			 VERDICT_FORWARD);
	ck_assert_str_eq(legit_state(), "reset");
}
END_TEST

/* While the inside host waits for a SYN-ACK, a RST must acknowledge its
 * SYN exactly (RFC 9293 3.10.7.3): a guessed one is dropped. */
START_TEST(rst_to_syn_sent)
{
	uint64_t before = nat_stats(n)->drops[DROP_TCP_WINDOW];
	struct nat_match m = { .proto = IPPROTO_TCP, .in_port = 5001 };
	uint16_t pport;
	uint32_t cur = 0;
	unsigned i;
	size_t l;

	l = pb_tcp(pb_data(&in), (struct pb_ip){ .src = LAN_A, .dst = SRV },
		   5001, 80, TCP_SYN, 41, 0, NULL, 0);
	ck_assert_int_eq(run(l, DIR_OUT, now), VERDICT_FORWARD);
	pport = out_sport();
	sessions0 = nat_stats(n)->sessions;
	mappings0 = nat_stats(n)->mappings;
	for (i = 0; i < 100; i++) {
		l = pb_tcp(pb_data(&in), (struct pb_ip){ .src = SRV,
			   .dst = PUB }, 80, pport, TCP_RST | TCP_ACK, 0,
			   43 + i * 7919, NULL, 0);
		expect_drop(run(l, DIR_IN, now), DROP_TCP_WINDOW);
	}
	expect_nothing_made(DROP_TCP_WINDOW, before, 100);
	walked_state = NULL;
	nat_walk(n, &cur, 1u << 20, &m, now, remember_state, NULL);
	ck_assert_str_eq(walked_state, "opening");
	/* the server's refusal acknowledges the SYN: it acts */
	l = pb_tcp(pb_data(&in), (struct pb_ip){ .src = SRV, .dst = PUB },
		   80, pport, TCP_RST | TCP_ACK, 0, 42, NULL, 0);
	ck_assert_int_eq(run(l, DIR_IN, now), VERDICT_FORWARD);
	cur = 0;
	nat_walk(n, &cur, 1u << 20, &m, now, remember_state, NULL);
	ck_assert_str_eq(walked_state, "reset");
}
END_TEST

/* A window scale in the inside host's SYN widens the window by as much,
 * and data moves where the remote stands. */
START_TEST(window_scale_and_progress)
{
	static const uint8_t ws7[] = { 1, 3, 3, 7 };	/* NOP, scale 7 */
	uint64_t before = nat_stats(n)->drops[DROP_TCP_WINDOW];
	uint16_t pport;
	size_t l;

	l = pb_tcp_syn_opts(pb_data(&in), (struct pb_ip){ .src = LAN_B,
			    .dst = SRV }, 5002, 80, TCP_SYN, ws7,
			    sizeof(ws7));
	ck_assert_int_eq(run(l, DIR_OUT, now), VERDICT_FORWARD);
	pport = out_sport();
	l = pb_tcp(pb_data(&in), (struct pb_ip){ .src = SRV, .dst = PUB },
		   80, pport, TCP_SYN | TCP_ACK, 999, 2, NULL, 0);
	ck_assert_int_eq(run(l, DIR_IN, now), VERDICT_FORWARD);
	/* 65535 << 7 past the remote's next byte (1000): in the window */
	l = pb_tcp(pb_data(&in), (struct pb_ip){ .src = SRV, .dst = PUB },
		   80, pport, TCP_FIN | TCP_ACK, 1000 + (65535u << 7), 2,
		   NULL, 0);
	ck_assert_int_eq(run(l, DIR_IN, now), VERDICT_FORWARD);
	/* one byte further: out */
	l = pb_tcp(pb_data(&in), (struct pb_ip){ .src = SRV, .dst = PUB },
		   80, pport, TCP_FIN | TCP_ACK, 1001 + (65535u << 7), 2,
		   NULL, 0);
	expect_drop(run(l, DIR_IN, now), DROP_TCP_WINDOW);
	ck_assert_uint_eq(nat_stats(n)->drops[DROP_TCP_WINDOW], before + 1);
	legit_round();
}
END_TEST

/* A long transfer: the remote's place follows its data, so its final FIN
 * and RST, megabytes on, are accepted. */
START_TEST(window_follows_the_data)
{
	static uint8_t chunk[1400];
	unsigned i;

	for (i = 0; i < 2000; i++) {
		ck_assert_int_eq(legit_tcp(DIR_IN, TCP_ACK, chunk,
					   sizeof(chunk)), VERDICT_FORWARD);
		out_seq += sizeof(chunk);
	}
	ck_assert_int_eq(legit_tcp(DIR_IN, TCP_FIN | TCP_ACK, NULL, 0),
			 VERDICT_FORWARD);
	ck_assert_str_eq(legit_state(), "half-closed");
}
END_TEST

/* ---- fragments ----------------------------------------------------------- */

/* A later fragment that would end past 65535 bytes. */
START_TEST(fragment_too_long)
{
	static uint8_t d[64];
	size_t l = pb_ipv4(pb_data(&in), &(struct pb_ip){ .src = SRV,
			   .dst = PUB, .proto = IPPROTO_UDP, .id = 77,
			   .frag_off = 8189 }, d, sizeof(d));

	flood_in(l, 50, DROP_FRAG_TOO_LONG);
	ck_assert_uint_eq(nat_stats(n)->frags_held, 0);
}
END_TEST

/* Fragments of a datagram on the UDP flow: a later one that overlaps the
 * first's bytes (it could rewrite the ports) is dropped, after the first
 * or held before it; the rest of the datagram goes through. */
START_TEST(fragment_overlapping_first)
{
	static struct pb_buf whole;
	static uint8_t data[200];
	size_t wl, l;
	uint64_t before = nat_stats(n)->drops[DROP_FRAG_OVERLAP];

	memset(data, 'd', sizeof(data));
	wl = pb_udp(pb_data(&whole), (struct pb_ip){ .src = SRV, .dst = PUB,
		    .id = 900 }, 53, udp_pport, data, sizeof(data));
	/* first: 8 UDP + 56 data */
	l = pb_fragment(pb_data(&in), pb_data(&whole), 0, 64, true);
	ck_assert_int_eq(run(l, DIR_IN, now), VERDICT_FORWARD);
	/* a forged one at offset 8, over the first's data */
	l = pb_fragment(pb_data(&in), pb_data(&whole), 8, 64, true);
	flood_in(l, 10, DROP_FRAG_OVERLAP);
	/* the real rest follows */
	l = pb_fragment(pb_data(&in), pb_data(&whole), 64, wl - 20 - 64,
			false);
	ck_assert_int_eq(run(l, DIR_IN, now), VERDICT_FORWARD);
	/* held before its first, then found overlapping when it comes */
	wl = pb_udp(pb_data(&whole), (struct pb_ip){ .src = SRV, .dst = PUB,
		    .id = 901 }, 53, udp_pport, data, sizeof(data));
	l = pb_fragment(pb_data(&in), pb_data(&whole), 8, 64, true);
	expect_drop(run(l, DIR_IN, now), DROP_NONE);
	l = pb_fragment(pb_data(&in), pb_data(&whole), 0, 64, true);
	ck_assert_int_eq(run(l, DIR_IN, now), VERDICT_FORWARD);
	ck_assert_uint_eq(pending_count(NULL, NULL, NULL), 0);
	ck_assert_uint_eq(nat_stats(n)->drops[DROP_FRAG_OVERLAP],
			  before + 11);
	legit_round();
}
END_TEST

/* Endless later fragments of datagrams whose first never comes: one
 * sender holds at most its share, the rest is dropped, all expires. */
START_TEST(fragments_endless)
{
	static uint8_t d[1024];
	uint64_t lim = nat_stats(n)->drops[DROP_FRAG_LIMIT];
	uint64_t tmo = nat_stats(n)->drops[DROP_FRAG_TIMEOUT];
	uint64_t held0 = nat_stats(n)->frags_held;
	unsigned i, held;

	for (i = 0; i < 1000; i++) {
		size_t l = pb_ipv4(pb_data(&in), &(struct pb_ip){ .src = EVIL,
				   .dst = PUB, .proto = IPPROTO_UDP,
				   .id = (uint16_t)(i / 50),
				   .frag_off = (uint16_t)(IPV4_MF | (1 + i % 50)
							  * 128) }, d,
				   sizeof(d));

		ck_assert_int_eq(run(l, DIR_IN, now), VERDICT_DROP);
		if (i % 16 == 15)
			legit_round();
	}
	held = (unsigned)(nat_stats(n)->frags_held - held0);
	/* 96 KiB per sender: 92 fragments of 1044 bytes */
	ck_assert_uint_eq(held, 96 * 1024 / 1044);
	ck_assert_uint_eq(nat_stats(n)->drops[DROP_FRAG_LIMIT] - lim,
			  1000 - held);
	ck_assert_uint_eq(nat_stats(n)->sessions, sessions0);
	now += 6 * S;
	nat_expire(n, now, 1000);
	ck_assert_uint_eq(nat_stats(n)->drops[DROP_FRAG_TIMEOUT] - tmo, held);
	legit_round();
}
END_TEST

/* ---- quotas ------------------------------------------------------------- */

/* LAN_B opens sessions without end: it fills its own share, no more; the
 * flows of LAN_A go on, and LAN_A can still open new ones. */
START_TEST(host_session_quota)
{
	uint64_t before = nat_stats(n)->drops[DROP_HOST_LIMIT];
	char err[160];
	unsigned i;

	cfg.max_sessions_per_host = 100;
	ck_assert_int_eq(nat_reconfigure(n, &cfg, now, err, sizeof(err)), 0);
	for (i = 0; i < 1000; i++) {
		size_t l = pb_udp(pb_data(&in), (struct pb_ip){ .src = LAN_B,
				  .dst = SRV }, (uint16_t)(10000 + i), 53,
				  "x", 1);
		enum verdict v = run(l, DIR_OUT, now);

		if (i < 100)
			ck_assert_int_eq(v, VERDICT_FORWARD);
		else
			ck_assert_uint_eq(p.drop, DROP_HOST_LIMIT);
		if (i % 16 == 15)
			legit_round();
	}
	ck_assert_uint_eq(nat_stats(n)->sessions, sessions0 + 100);
	ck_assert_uint_eq(nat_stats(n)->drops[DROP_HOST_LIMIT] - before, 900);
	ck_assert_uint_eq(udp_out(LAN_A, 7000, SRV, 53, now) != 0, 1);
	legit_round();
}
END_TEST

static Suite *hostile_suite(void)
{
	Suite *s = suite_create("hostile");
	TCase *tc;

	tc = tcase_create("unsolicited");
	tcase_add_checked_fixture(tc, legit_setup, teardown);
	tcase_add_test(tc, unsolicited_tcp_syn);
	tcase_add_test(tc, unsolicited_tcp_ack);
	tcase_add_test(tc, unsolicited_udp);
	tcase_add_test(tc, unsolicited_icmp);
	tcase_add_test(tc, unsolicited_gre);
	suite_add_tcase(s, tc);

	tc = tcase_create("icmp_errors");
	tcase_add_checked_fixture(tc, legit_setup, teardown);
	tcase_add_test(tc, icmp_error_matching_nothing);
	tcase_add_test(tc, icmp_error_spoofing_a_session);
	tcase_add_test(tc, icmp_error_quoting_unsent_sequence);
	tcase_add_test(tc, icmp_error_window_scaled);
	suite_add_tcase(s, tc);

	tc = tcase_create("rfc5961");
	tcase_add_checked_fixture(tc, legit_setup, teardown);
	tcase_add_test(tc, rst_fin_out_of_window);
	tcase_add_test(tc, rst_in_window_challenge);
	tcase_add_test(tc, rst_to_syn_sent);
	tcase_add_test(tc, window_scale_and_progress);
	tcase_add_test(tc, window_follows_the_data);
	suite_add_tcase(s, tc);

	tc = tcase_create("fragments");
	tcase_add_checked_fixture(tc, legit_setup, teardown);
	tcase_add_test(tc, fragment_too_long);
	tcase_add_test(tc, fragment_overlapping_first);
	tcase_add_test(tc, fragments_endless);
	suite_add_tcase(s, tc);

	tc = tcase_create("quotas");
	tcase_add_checked_fixture(tc, legit_setup, teardown);
	tcase_add_test(tc, host_session_quota);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return nattest_run(hostile_suite());
}
