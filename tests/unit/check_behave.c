/* SPDX-License-Identifier: MIT */
/* check_behave.c - the BEHAVE requirements under control: unsolicited SYNs,
 * port hold-down and parity, limits, exemptions, the MTU and fragments,
 * forwards, protocols without ports, and the ICMP errors about all of them
 *
 * Each test is named after the requirement it checks (the rows of
 * shared/reference/nat-requirements.md name them too); like check_nat.c it
 * compares every packet byte for byte with one built by pktbuild.c, and
 * runs on a fake clock.
 */

#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nattest.h"

#define INSRV	"10.0.0.50"	/* a server inside, behind forwards */
#define STRANGER "192.0.2.9"	/* a remote no forward lets in */

static uint8_t big[4000];

static void big_fill(void)
{
	size_t i;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 31 + 7);
}

/* ---- unsolicited SYNs (RFC 5382 REQ-4) ---------------------------------- */

START_TEST(rfc5382_req4_unsolicited_syn_dropped_silently)
{
	expect_drop(tcp_seg(DIR_IN, NULL, 0, SRV, 80, 5000, TCP_SYN, 0),
		    DROP_SYN_UNSOLICITED);
	ck_assert_uint_eq(pending_count(NULL, NULL, NULL), 0);
	nat_expire(n, 6 * S, 100);
	ck_assert_uint_eq(pending_count(NULL, NULL, NULL), 0);
	ck_assert_uint_eq(nat_stats(n)->sessions, 0);
}
END_TEST

/* With reject: silence for 6 s, then ICMP port unreachable from the
 * public address, quoting the SYN as it came. */
START_TEST(rfc5382_req4_unsolicited_syn_rejected_after_6_s)
{
	uint8_t syn[64], got[PKT_BUF_SIZE];
	size_t len, glen, wl;
	enum verdict v;

	cfg.syn_reject = true;
	renew();
	len = pb_tcp(syn, (struct pb_ip){ .src = SRV, .dst = PUB }, 80, 5000,
		     TCP_SYN, 77, 0, NULL, 0);
	memcpy(pb_data(&in), syn, len);
	expect_drop(run(len, DIR_IN, 1000), DROP_SYN_UNSOLICITED);
	nat_expire(n, 1000 + 6 * S - 1, 100);
	ck_assert_uint_eq(pending_count(NULL, NULL, NULL), 0);
	nat_expire(n, 1000 + 6 * S, 100);
	ck_assert_uint_eq(pending_count(got, &glen, &v), 1);
	ck_assert_int_eq(v, VERDICT_BACK);
	wl = pb_icmp_error(pb_data(&want), (struct pb_ip){ .src = PUB,
			   .dst = SRV, .frag_off = IPV4_DF },
			   ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0, syn, len);
	ck_assert_uint_eq(glen, wl);
	ck_assert_mem_eq(got, pb_data(&want), wl);
	/* once only */
	nat_expire(n, 1000 + 7 * S, 100);
	ck_assert_uint_eq(pending_count(NULL, NULL, NULL), 0);
}
END_TEST

/* A simultaneous open: the inside host's SYN for the same connection
 * within 6 s drops the held SYN silently, and the handshake completes. */
START_TEST(rfc5382_req4_simultaneous_open)
{
	cfg.syn_reject = true;
	renew();
	expect_drop(tcp_seg(DIR_IN, NULL, 0, SRV, 80, 5000, TCP_SYN, 0),
		    DROP_SYN_UNSOLICITED);
	ck_assert_int_eq(tcp_seg(DIR_OUT, LAN_A, 5000, SRV, 80, 0, TCP_SYN,
				 5 * S), VERDICT_FORWARD);
	ck_assert_uint_eq(out_sport(), 5000);
	ck_assert_int_eq(tcp_seg(DIR_IN, NULL, 0, SRV, 80, 5000,
				 TCP_SYN | TCP_ACK, 5 * S), VERDICT_FORWARD);
	nat_expire(n, 20 * S, 100);
	ck_assert_uint_eq(pending_count(NULL, NULL, NULL), 0);
	ck_assert_uint_eq(nat_stats(n)->icmp_errors, 0);
}
END_TEST

/* A SYN filtered by the mapping it hits is unsolicited too. */
START_TEST(rfc5382_req4_filtered_syn_held)
{
	tcp_seg(DIR_OUT, LAN_A, 5000, SRV, 80, 0, TCP_SYN, 0);
	expect_drop(tcp_seg(DIR_IN, NULL, 0, SRV2, 80, 5000, TCP_SYN, 0),
		    DROP_SYN_UNSOLICITED);
	/* a bare ACK that no filter lets in is just filtered */
	expect_drop(tcp_seg(DIR_IN, NULL, 0, SRV2, 80, 5000, TCP_ACK, 0),
		    DROP_FILTERED);
}
END_TEST

/* RFC 7857 2.1: the opening and closing timers are set apart. */
START_TEST(rfc7857_2_1_opening_and_closing_timers)
{
	cfg.tcp_open_ms = 2 * S;
	cfg.tcp_close_ms = 5 * S;
	renew();
	/* a SYN never answered: gone after 2 s */
	tcp_seg(DIR_OUT, LAN_A, 5000, SRV, 80, 0, TCP_SYN, 0);
	ck_assert_int_eq(tcp_seg(DIR_IN, NULL, 0, SRV, 80, 5000,
				 TCP_SYN | TCP_ACK, 2 * S - 1), VERDICT_FORWARD);
	tcp_seg(DIR_OUT, LAN_A, 5001, SRV, 80, 0, TCP_SYN, 0);
	expect_drop(tcp_seg(DIR_IN, NULL, 0, SRV, 80, 5001, TCP_SYN | TCP_ACK,
			    2 * S), DROP_NO_SESSION);
	/* FIN both ways: closing, gone after 5 s, not 2 */
	tcp_seg(DIR_OUT, LAN_A, 5000, SRV, 80, 0, TCP_ACK | TCP_FIN, 10 * S);
	tcp_seg(DIR_IN, NULL, 0, SRV, 80, 5000, TCP_ACK | TCP_FIN, 10 * S);
	ck_assert_int_eq(tcp_seg(DIR_IN, NULL, 0, SRV, 80, 5000, TCP_ACK,
				 15 * S - 1), VERDICT_FORWARD);
	expect_drop(tcp_seg(DIR_IN, NULL, 0, SRV, 80, 5000, TCP_ACK,
			    20 * S - 1), DROP_NO_SESSION);
}
END_TEST

/* ---- ports: hold-down and parity ------------------------------------------ */

/* RFC 6888 REQ-8: a released port rests 120 s before another inside
 * endpoint may have it. */
START_TEST(rfc6888_req8_port_holddown)
{
	uint16_t a;
	size_t len;

	cfg.port_lo = 5000;
	cfg.port_hi = 5001;
	cfg.holddown_ms = 120 * S;
	renew();
	a = udp_out(LAN_A, 5000, SRV, 53, 0);
	ck_assert_uint_eq(a, 5000);
	ck_assert_uint_eq(nat_expire(n, 300 * S, 100), 1);
	/* 5000 rests: LAN_B asking for it gets the other one */
	ck_assert_uint_eq(udp_out(LAN_B, 5000, SRV, 53, 301 * S), 5001);
	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = "10.0.0.4",
		     .dst = SRV }, 5000, 53, payload, 4);
	expect_drop(run(len, DIR_OUT, 301 * S), DROP_NO_PORT);
	nat_expire(n, 420 * S - 1, 100);
	expect_drop(run(len, DIR_OUT, 420 * S - 1), DROP_NO_PORT);
	nat_expire(n, 420 * S, 100);
	ck_assert_uint_eq(udp_out("10.0.0.4", 5000, SRV, 53, 420 * S), 5000);
}
END_TEST

START_TEST(port_holddown_off)
{
	cfg.port_lo = 5000;
	cfg.port_hi = 5000;
	cfg.holddown_ms = 0;
	renew();
	udp_out(LAN_A, 5000, SRV, 53, 0);
	nat_expire(n, 300 * S, 100);
	ck_assert_uint_eq(udp_out(LAN_B, 5000, SRV, 53, 300 * S), 5000);
}
END_TEST

/* RFC 4787 REQ-4: a port that must change keeps its parity. */
START_TEST(rfc4787_req4_port_parity)
{
	char host[32];
	unsigned i;

	cfg.port_parity = true;
	renew();
	udp_out(LAN_A, 40000, SRV, 53, 0);
	udp_out(LAN_A, 40001, SRV, 53, 0);
	for (i = 0; i < 200; i++) {
		snprintf(host, sizeof(host), "10.1.%u.%u", i / 100, i % 100 + 1);
		ck_assert_uint_eq(udp_out(host, 40000, SRV, 53, 0) % 2, 0);
		ck_assert_uint_eq(udp_out(host, 40001, SRV, 53, 0) % 2, 1);
	}
}
END_TEST

/* ---- limits (RFC 6888 REQ-4, REQ-11; RFC 5508 REQ-8) ---------------------- */

START_TEST(rfc6888_req4_sessions_per_host)
{
	size_t len;

	cfg.max_sessions_per_host = 3;
	cfg.icmp_on_failure = false;
	renew();
	udp_out(LAN_A, 1000, SRV, 53, 0);
	udp_out(LAN_A, 1001, SRV, 53, 0);
	udp_out(LAN_A, 1002, SRV, 53, 0);
	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = LAN_A, .dst = SRV },
		     1003, 53, payload, 4);
	expect_drop(run(len, DIR_OUT, 0), DROP_HOST_LIMIT);
	ck_assert_uint_eq(pending_count(NULL, NULL, NULL), 0);
	/* the others do not feel it, and nothing was evicted */
	udp_out(LAN_B, 1003, SRV, 53, 0);
	ck_assert_int_eq(udp_in(SRV, 53, 1000, 1), VERDICT_FORWARD);
	/* a session freed makes room again */
	nat_expire(n, 300 * S, 100);
	udp_out(LAN_A, 1003, SRV, 53, 300 * S);
}
END_TEST

/* RFC 5508 REQ-8: no session can be made: destination unreachable, code
 * 13, from the router's inside address, quoting the packet. */
START_TEST(rfc5508_req8_icmp_on_failure)
{
	uint8_t sent[128];
	size_t len, wl;

	cfg.max_sessions_per_host = 1;
	cfg.icmp_on_failure = true;
	renew();
	udp_out(LAN_A, 1000, SRV, 53, 0);
	len = pb_udp(sent, (struct pb_ip){ .src = LAN_A, .dst = SRV }, 1001,
		     53, payload, 4);
	memcpy(pb_data(&in), sent, len);
	ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_BACK);
	wl = pb_icmp_error(pb_data(&want), (struct pb_ip){ .src = RTR,
			   .dst = LAN_A, .frag_off = IPV4_DF },
			   ICMP_DEST_UNREACH, ICMP_ADMIN_PROHIBITED, 0, sent,
			   len);
	expect_packet(wl);
	ck_assert_uint_eq(nat_stats(n)->drops[DROP_HOST_LIMIT], 1);
	/* the table full, the same answer */
	cfg.max_sessions = 1;
	cfg.max_sessions_per_host = 0;
	renew();
	udp_out(LAN_B, 1000, SRV, 53, 0);
	memcpy(pb_data(&in), sent, len);
	ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_BACK);
	expect_packet(wl);
	ck_assert_uint_eq(nat_stats(n)->drops[DROP_TABLE_FULL], 1);
}
END_TEST

/* ---- exemptions and inside prefixes (RFC 6888 REQ-6) -------------------- */

START_TEST(rfc6888_req6_exempt_destinations)
{
	struct nat_prefix ex = { .addr = pb_addr("198.51.100.0"), .len = 24 };
	size_t len, wl;

	cfg.exempt = &ex;
	cfg.nexempt = 1;
	renew();
	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = LAN_A, .dst = SRV,
		     .id = 9 }, 4000, 53, payload, 4);
	wl = pb_udp(pb_data(&want), (struct pb_ip){ .src = LAN_A, .dst = SRV,
		    .id = 9, .ttl = 63 }, 4000, 53, payload, 4);
	ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_FORWARD);
	expect_packet(wl);
	/* and back, to the inside address itself */
	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = SRV, .dst = LAN_A },
		     53, 4000, payload, 4);
	wl = pb_udp(pb_data(&want), (struct pb_ip){ .src = SRV, .dst = LAN_A,
		    .ttl = 63 }, 53, 4000, payload, 4);
	ck_assert_int_eq(run(len, DIR_IN, 0), VERDICT_FORWARD);
	expect_packet(wl);
	/* from elsewhere, an inside address is not reachable */
	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = STRANGER,
		     .dst = LAN_A }, 53, 4000, payload, 4);
	expect_drop(run(len, DIR_IN, 0), DROP_NOT_OURS);
	ck_assert_uint_eq(nat_stats(n)->sessions, 0);
	ck_assert_uint_eq(nat_stats(n)->exempted, 2);
	/* other destinations are translated as ever */
	udp_out(LAN_A, 4000, STRANGER, 53, 0);
	ck_assert_uint_eq(ipv4_hdr(&p)->saddr, pb_addr(PUB));
}
END_TEST

/* Exempt traffic coming in is answered, when it must be, as all traffic
 * from outside is: from a public address (here the one pool address),
 * with the TTL run out or too big for the inside with DF. */
START_TEST(exempt_inbound_answered_from_public_address)
{
	struct nat_prefix ex = { .addr = pb_addr("198.51.100.0"), .len = 24 };
	static uint8_t sent[2000];
	size_t len, wl;

	big_fill();
	cfg.exempt = &ex;
	cfg.nexempt = 1;
	cfg.mtu_inside = 1280;
	renew();
	len = pb_udp(sent, (struct pb_ip){ .src = SRV, .dst = LAN_A,
		     .ttl = 1 }, 53, 4000, payload, 4);
	memcpy(pb_data(&in), sent, len);
	ck_assert_int_eq(run(len, DIR_IN, 0), VERDICT_BACK);
	wl = pb_icmp_error(pb_data(&want), (struct pb_ip){ .src = PUB,
			   .dst = SRV, .frag_off = IPV4_DF },
			   ICMP_TIME_EXCEEDED, 0, 0, sent, len);
	expect_packet(wl);
	len = pb_udp(sent, (struct pb_ip){ .src = SRV, .dst = LAN_A,
		     .frag_off = IPV4_DF }, 53, 4000, big, 1372);
	memcpy(pb_data(&in), sent, len);
	ck_assert_int_eq(run(len, DIR_IN, 0), VERDICT_BACK);
	wl = pb_icmp_error(pb_data(&want), (struct pb_ip){ .src = PUB,
			   .dst = SRV, .frag_off = IPV4_DF },
			   ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, 1280, sent,
			   576 - 28);
	expect_packet(wl);
}
END_TEST

START_TEST(inside_prefixes_only)
{
	struct nat_prefix inside = { .addr = pb_addr("10.0.0.0"), .len = 25 };
	size_t len;

	cfg.inside_prefixes = &inside;
	cfg.ninside_prefixes = 1;
	renew();
	udp_out(LAN_A, 4000, SRV, 53, 0);
	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = "10.0.0.200",
		     .dst = SRV }, 4000, 53, payload, 4);
	expect_drop(run(len, DIR_OUT, 0), DROP_NOT_INSIDE);
	ck_assert_uint_eq(nat_stats(n)->sessions, 1);
}
END_TEST

/* ---- the MTU (RFC 5508 7.1.1, RFC 4787 REQ-13) ----------------------------- */

/* DF set, too big for the outside: fragmentation needed with the next
 * hop's MTU, from the router into the inside network; nothing leaves. */
START_TEST(rfc5508_7_1_1_frag_needed_outbound)
{
	static uint8_t sent[2000];
	size_t len, wl;

	big_fill();
	cfg.mtu_outside = 1280;
	renew();
	len = pb_udp(sent, (struct pb_ip){ .src = LAN_A, .dst = SRV,
		     .frag_off = IPV4_DF }, 4000, 53, big, 1372);
	ck_assert_uint_eq(len, 1400);
	memcpy(pb_data(&in), sent, len);
	ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_BACK);
	wl = pb_icmp_error(pb_data(&want), (struct pb_ip){ .src = RTR,
			   .dst = LAN_A, .frag_off = IPV4_DF },
			   ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, 1280, sent,
			   576 - 28);
	expect_packet(wl);
	ck_assert_uint_eq(nat_stats(n)->sessions, 0);
	ck_assert_uint_eq(nat_stats(n)->forwarded[DIR_OUT], 0);
	/* at the MTU it goes */
	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = LAN_A, .dst = SRV,
		     .frag_off = IPV4_DF }, 4000, 53, big, 1252);
	ck_assert_uint_eq(len, 1280);
	ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_FORWARD);
}
END_TEST

/* From outside, too big for the inside: the remote hears it from the
 * public address, about the packet as it sent it. */
START_TEST(rfc5508_7_1_1_frag_needed_inbound)
{
	static uint8_t sent[2000];
	size_t len, wl;
	uint16_t a;

	big_fill();
	cfg.mtu_inside = 1280;
	renew();
	a = udp_out(LAN_A, 4000, SRV, 53, 0);
	len = pb_udp(sent, (struct pb_ip){ .src = SRV, .dst = PUB,
		     .frag_off = IPV4_DF }, 53, a, big, 1372);
	memcpy(pb_data(&in), sent, len);
	ck_assert_int_eq(run(len, DIR_IN, 0), VERDICT_BACK);
	wl = pb_icmp_error(pb_data(&want), (struct pb_ip){ .src = PUB,
			   .dst = SRV, .frag_off = IPV4_DF },
			   ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, 1280, sent,
			   576 - 28);
	expect_packet(wl);
}
END_TEST

/* Reassemble the fragments in @f (the whole datagram's payload lands at
 * @out + 20) and check each: at most @mtu bytes, valid header checksum,
 * offsets in 8-byte units, MF on all but the last, one ID. */
static size_t reassemble(uint8_t (*f)[2000], const size_t *fl, unsigned cnt,
			 size_t mtu, uint8_t *out)
{
	size_t end = 0;
	unsigned i;

	for (i = 0; i < cnt; i++) {
		uint16_t fo = get16(f[i] + 6);
		size_t off = (size_t)(fo & 0x1fff) * 8;
		size_t hl = (size_t)(f[i][0] & 0x0f) * 4;

		ck_assert_uint_le(fl[i], mtu);
		ck_assert(pb_ip_csum_ok(f[i]));
		ck_assert_uint_eq(get16(f[i] + 4), get16(f[0] + 4));
		ck_assert_uint_eq(!!(fo & IPV4_MF), i + 1 < cnt);
		if (i + 1 < cnt)
			ck_assert_uint_eq((fl[i] - hl) % 8, 0);
		memcpy(out + 20 + off, f[i] + hl, fl[i] - hl);
		if (off + fl[i] - hl > end)
			end = off + fl[i] - hl;
	}
	memcpy(out, f[0], 20);
	return 20 + end;
}

/* DF clear, too big: cut into fragments after translation, each within
 * the MTU, reassembling to exactly the translated datagram. */
START_TEST(rfc4787_req13_fragmented_on_output)
{
	static uint8_t f[8][2000], whole[4000], wwhole[4000];
	size_t fl[8], wl, tot;
	unsigned cnt = 1;
	struct pkt q;
	uint16_t id;

	big_fill();
	cfg.mtu_outside = 1280;
	renew();
	tot = pb_udp(pb_data(&in), (struct pb_ip){ .src = LAN_A, .dst = SRV,
		     .id = 77 }, 4000, 53, big, 3000);
	ck_assert_int_eq(run(tot, DIR_OUT, 0), VERDICT_FORWARD);
	memcpy(f[0], p.data, p.len);
	fl[0] = p.len;
	while (nat_pending(n, &q) == VERDICT_FORWARD) {
		ck_assert_uint_lt(cnt, 8);
		memcpy(f[cnt], q.data, q.len);
		fl[cnt++] = q.len;
	}
	ck_assert_uint_eq(cnt, 3);
	ck_assert_uint_eq(nat_stats(n)->frags_made, 3);
	wl = reassemble(f, fl, cnt, 1280, whole);
	id = get16(f[0] + 4);
	wl = pb_udp(wwhole, (struct pb_ip){ .src = PUB, .dst = SRV, .id = id,
		    .ttl = 63 }, 4000, 53, big, 3000);
	ck_assert_uint_eq(wl, tot);
	/* header fields but length, flags and checksum are the datagram's */
	ck_assert_mem_eq(whole + 4, wwhole + 4, 2);
	ck_assert_mem_eq(whole + 8, wwhole + 8, 2);
	ck_assert_mem_eq(whole + 12, wwhole + 12, 8);
	ck_assert_mem_eq(whole + 20, wwhole + 20, wl - 20);
}
END_TEST

/* A fragment cut again: offsets continue from its own, and the last piece
 * keeps the MF of the fragment it came from. */
START_TEST(fragment_cut_again)
{
	static uint8_t whole[4000], frag[2000];
	struct pkt q;
	size_t fl;
	uint16_t a;

	big_fill();
	cfg.mtu_inside = 576;
	renew();
	a = udp_out(LAN_A, 4000, SRV, 53, 0);
	pb_udp(whole, (struct pb_ip){ .src = SRV, .dst = PUB, .id = 5 }, 53,
	       a, big, 3000);
	fl = pb_fragment(frag, whole, 1480, 1000, true);
	memcpy(pb_data(&in), frag, fl);
	pb_fragment(pb_data(&in), whole, 0, 1480, true);
	ck_assert_int_eq(run(1500, DIR_IN, 0), VERDICT_FORWARD);
	while (nat_pending(n, &q) != VERDICT_DROP)
		;
	memcpy(pb_data(&in), frag, fl);
	ck_assert_int_eq(run(fl, DIR_IN, 0), VERDICT_FORWARD);
	ck_assert_uint_eq(get16(p.data + 6), IPV4_MF | 1480 / 8);
	ck_assert_uint_eq(p.len, 20 + 552);
	ck_assert_int_eq(nat_pending(n, &q), VERDICT_FORWARD);
	ck_assert_uint_eq(get16(q.data + 6), IPV4_MF | (1480 + 552) / 8);
	ck_assert_uint_eq(q.len, 20 + 448);
	ck_assert(pb_ip_csum_ok(q.data));
	ck_assert_uint_eq(q.data[8], 63);
	ck_assert_int_eq(nat_pending(n, &q), VERDICT_DROP);
}
END_TEST

/* ---- fragments: IDs, holding, bounds ---------------------------------- */

/* RFC 7857 10, RFC 6864: two inside hosts fragment datagrams to one
 * server with the same ID: they must not leave with the same one. */
START_TEST(rfc7857_10_fragment_ids_kept_apart)
{
	static uint8_t whole[2][4000], f[2][2000];
	uint16_t id[2];
	unsigned h;

	big_fill();
	for (h = 0; h < 2; h++)
		pb_udp(whole[h], (struct pb_ip){ .src = h ? LAN_B : LAN_A,
		       .dst = SRV, .id = 4242 }, 4000, 53, big, 2000);
	for (h = 0; h < 2; h++) {
		size_t l = pb_fragment(pb_data(&in), whole[h], 0, 1480, true);

		ck_assert_int_eq(run(l, DIR_OUT, 0), VERDICT_FORWARD);
		id[h] = get16(p.data + 4);
	}
	ck_assert_uint_eq(id[0], 4242);		/* the first keeps its own */
	ck_assert_uint_ne(id[1], id[0]);
	/* each later fragment follows its own datagram */
	for (h = 0; h < 2; h++) {
		size_t l = pb_fragment(f[h], whole[h], 1480, 528, false);

		memcpy(pb_data(&in), f[h], l);
		ck_assert_int_eq(run(l, DIR_OUT, 0), VERDICT_FORWARD);
		ck_assert_uint_eq(get16(p.data + 4), id[h]);
		ck_assert_uint_eq(ipv4_hdr(&p)->saddr, pb_addr(PUB));
		ck_assert(pb_ip_csum_ok(p.data));
	}
}
END_TEST

/* A later fragment from inside before its first: held, then sent after
 * the first, with the same new source and ID. */
START_TEST(rfc4787_req14_outbound_out_of_order)
{
	static uint8_t whole[4000];
	uint8_t got[PKT_BUF_SIZE];
	enum verdict v;
	size_t l, gl;

	big_fill();
	udp_out(LAN_B, 4000, SRV, 53, 0);	/* LAN_A's port moves */
	pb_udp(whole, (struct pb_ip){ .src = LAN_A, .dst = SRV, .id = 9 },
	       4000, 53, big, 2000);
	l = pb_fragment(pb_data(&in), whole, 1480, 528, false);
	ck_assert_int_eq(run(l, DIR_OUT, 0), VERDICT_DROP);
	ck_assert_int_eq(p.drop, DROP_NONE);
	l = pb_fragment(pb_data(&in), whole, 0, 1480, true);
	ck_assert_int_eq(run(l, DIR_OUT, 1), VERDICT_FORWARD);
	ck_assert_uint_ne(out_sport(), 4000);
	ck_assert_uint_eq(pending_count(got, &gl, &v), 1);
	ck_assert_int_eq(v, VERDICT_FORWARD);
	ck_assert_uint_eq(gl, 20 + 528);
	ck_assert_mem_eq(got + 12, p.data + 12, 4);	/* from PUB */
	ck_assert_mem_eq(got + 4, p.data + 4, 2);	/* the same ID */
	ck_assert_uint_eq(got[8], 63);
	ck_assert(pb_ip_csum_ok(got));
	ck_assert_mem_eq(got + 20, whole + 20 + 1480, 528);
}
END_TEST

/* RFC 4787 REQ-14a: held fragments are bounded per sender; one sender's
 * flood leaves room for the others, and everything held expires. */
START_TEST(rfc4787_req14a_hold_is_bounded)
{
	static uint8_t whole[4000];
	unsigned i, held = 0, refused = 0;
	size_t l;

	big_fill();
	for (i = 0; i < 200; i++) {
		pb_udp(whole, (struct pb_ip){ .src = SRV, .dst = PUB,
		       .id = (uint16_t)i }, 53, 9, big, 2000);
		l = pb_fragment(pb_data(&in), whole, 1000, 1000, false);
		if (run(l, DIR_IN, 0) != VERDICT_DROP)
			ck_abort_msg("a fragment of nothing went through");
		if (p.drop == DROP_NONE)
			held++;
		else if (p.drop == DROP_FRAG_LIMIT)
			refused++;
	}
	ck_assert_uint_gt(held, 50);
	ck_assert_uint_lt(held, 120);		/* 96 KiB of 1020 bytes */
	ck_assert_uint_eq(held + refused, 200);
	/* another sender still gets its fragment held */
	pb_udp(whole, (struct pb_ip){ .src = SRV2, .dst = PUB, .id = 1 }, 53,
	       9, big, 2000);
	l = pb_fragment(pb_data(&in), whole, 1000, 1000, false);
	ck_assert_int_eq(run(l, DIR_IN, 0), VERDICT_DROP);
	ck_assert_int_eq(p.drop, DROP_NONE);
	nat_expire(n, 5 * S, 100);
	ck_assert_uint_eq(nat_stats(n)->drops[DROP_FRAG_TIMEOUT], held + 1);
}
END_TEST

/* ---- TCP MSS clamping ----------------------------------------------------- */

/* The MSS option at an odd offset (after one NOP) and at an even one. */
START_TEST(tcp_mss_clamped_both_ways)
{
	static const uint8_t odd[8] = { 1, 2, 4, 0x05, 0xb4, 1, 1, 0 };
	static const uint8_t even[4] = { 2, 4, 0x05, 0xb4 };
	uint8_t w_odd[8], w_even[4];
	size_t len, wl;

	cfg.mss_clamp = 1240;
	renew();
	memcpy(w_odd, odd, 8);
	w_odd[3] = 1240 >> 8;
	w_odd[4] = 1240 & 0xff;
	len = pb_tcp_syn_opts(pb_data(&in), (struct pb_ip){ .src = LAN_A,
			      .dst = SRV }, 5000, 80, TCP_SYN, odd, 8);
	wl = pb_tcp_syn_opts(pb_data(&want), (struct pb_ip){ .src = PUB,
			     .dst = SRV, .ttl = 63 }, 5000, 80, TCP_SYN,
			     w_odd, 8);
	ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_FORWARD);
	expect_packet(wl);
	memcpy(w_even, even, 4);
	w_even[2] = 1240 >> 8;
	w_even[3] = 1240 & 0xff;
	len = pb_tcp_syn_opts(pb_data(&in), (struct pb_ip){ .src = SRV,
			      .dst = PUB }, 80, 5000, TCP_SYN | TCP_ACK, even,
			      4);
	wl = pb_tcp_syn_opts(pb_data(&want), (struct pb_ip){ .src = SRV,
			     .dst = LAN_A, .ttl = 63 }, 80, 5000,
			     TCP_SYN | TCP_ACK, w_even, 4);
	ck_assert_int_eq(run(len, DIR_IN, 0), VERDICT_FORWARD);
	expect_packet(wl);
	ck_assert_uint_eq(nat_stats(n)->mss_clamped, 2);
	/* a smaller MSS is left alone */
	w_even[2] = 0x01;
	len = pb_tcp_syn_opts(pb_data(&in), (struct pb_ip){ .src = LAN_A,
			      .dst = SRV }, 5001, 80, TCP_SYN, w_even, 4);
	ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_FORWARD);
	ck_assert_uint_eq(nat_stats(n)->mss_clamped, 2);
}
END_TEST

/* ---- source routes (RFC 5508 7.3) ----------------------------------------- */

START_TEST(rfc5508_7_3_source_route_dropped)
{
	size_t len;

	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = LAN_A, .dst = SRV,
		     .opt_words = 2 }, 4000, 53, payload, 4);
	/* NOP, then loose source route: type 131, length 7, pointer 4 */
	pb_data(&in)[21] = 131;
	pb_data(&in)[22] = 7;
	pb_data(&in)[23] = 4;
	pb_data(&in)[10] = pb_data(&in)[11] = 0;
	{
		uint16_t c = (uint16_t)~pb_sum(0, pb_data(&in), 28);

		pb_data(&in)[10] = (uint8_t)(c >> 8);
		pb_data(&in)[11] = (uint8_t)c;
	}
	expect_drop(run(len, DIR_OUT, 0), DROP_SOURCE_ROUTE);
	pb_data(&in)[21] = 137;			/* strict */
	pb_data(&in)[10] = pb_data(&in)[11] = 0;
	{
		uint16_t c = (uint16_t)~pb_sum(0, pb_data(&in), 28);

		pb_data(&in)[10] = (uint8_t)(c >> 8);
		pb_data(&in)[11] = (uint8_t)c;
	}
	expect_drop(run(len, DIR_OUT, 0), DROP_SOURCE_ROUTE);
	ck_assert_uint_eq(nat_stats(n)->sessions, 0);
}
END_TEST

/* ---- forwards ------------------------------------------------------------- */

static struct nat_prefix from_net = { .addr = 0, .len = 24 };
static struct nat_forward fwd[3];

static void forwards_setup(void)
{
	from_net.addr = pb_addr("198.51.100.0");
	fwd[0] = (struct nat_forward){ .proto = IPPROTO_TCP,
		.pub_addr = pool[0], .in_addr = pb_addr(INSRV), .pub_lo = 8000,
		.pub_hi = 8002, .in_lo = 80, .from = &from_net, .nfrom = 1 };
	fwd[1] = (struct nat_forward){ .proto = IPPROTO_UDP,
		.pub_addr = pool[0], .in_addr = pb_addr(INSRV), .pub_lo = 53,
		.pub_hi = 53, .in_lo = 5353 };
	fwd[2] = (struct nat_forward){ .proto = 132, .pub_addr = pool[0],
		.in_addr = pb_addr(INSRV) };
	cfg.forwards = fwd;
	cfg.nforwards = 3;
	renew();
}

/* A port range to another range; the client's address reaches the server;
 * the server's replies leave from the forwarded port. */
START_TEST(forward_port_range)
{
	size_t len, wl;

	forwards_setup();
	len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = SRV, .dst = PUB },
		     40000, 8001, TCP_SYN, 1, 0, NULL, 0);
	wl = pb_tcp(pb_data(&want), (struct pb_ip){ .src = SRV, .dst = INSRV,
		    .ttl = 63 }, 40000, 81, TCP_SYN, 1, 0, NULL, 0);
	ck_assert_int_eq(run(len, DIR_IN, 0), VERDICT_FORWARD);
	expect_packet(wl);
	len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = INSRV, .dst = SRV },
		     81, 40000, TCP_SYN | TCP_ACK, 5, 2, NULL, 0);
	wl = pb_tcp(pb_data(&want), (struct pb_ip){ .src = PUB, .dst = SRV,
		    .ttl = 63 }, 8001, 40000, TCP_SYN | TCP_ACK, 5, 2, NULL, 0);
	ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_FORWARD);
	expect_packet(wl);
	/* the range's ends */
	len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = SRV, .dst = PUB },
		     40001, 8002, TCP_SYN, 1, 0, NULL, 0);
	ck_assert_int_eq(run(len, DIR_IN, 0), VERDICT_FORWARD);
	ck_assert_uint_eq(get16(p.data + 22), 82);
	len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = SRV, .dst = PUB },
		     40001, 8003, TCP_SYN, 1, 0, NULL, 0);
	expect_drop(run(len, DIR_IN, 0), DROP_SYN_UNSOLICITED);
	/* UDP: one port to another */
	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = STRANGER,
		     .dst = PUB }, 999, 53, payload, 4);
	wl = pb_udp(pb_data(&want), (struct pb_ip){ .src = STRANGER,
		    .dst = INSRV, .ttl = 63 }, 999, 5353, payload, 4);
	ck_assert_int_eq(run(len, DIR_IN, 0), VERDICT_FORWARD);
	expect_packet(wl);
}
END_TEST

/* Only the remotes of a forward's from list get in through it. */
START_TEST(forward_from_list)
{
	size_t len;

	forwards_setup();
	len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = STRANGER,
		     .dst = PUB }, 40000, 8000, TCP_SYN, 1, 0, NULL, 0);
	expect_drop(run(len, DIR_IN, 0), DROP_FORWARD_FROM);
	ck_assert_uint_eq(nat_stats(n)->sessions, 0);
}
END_TEST

/* RFC 4787 REQ-9, RFC 5382 REQ-8 through a forward: the inside client
 * reaches the inside server from its own public mapping, and back. */
START_TEST(rfc5382_req8_hairpin_through_forward)
{
	size_t len, wl;
	uint16_t a;

	forwards_setup();
	len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = LAN_A, .dst = PUB },
		     6000, 8000, TCP_SYN, 1, 0, NULL, 0);
	ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_BACK);
	ck_assert_uint_eq(ipv4_hdr(&p)->saddr, pb_addr(PUB));
	ck_assert_uint_eq(ipv4_hdr(&p)->daddr, pb_addr(INSRV));
	a = out_sport();
	ck_assert_uint_eq(get16(p.data + 22), 80);
	ck_assert(pb_l4_csum_ok(p.data, p.len));
	len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = INSRV, .dst = PUB },
		     80, a, TCP_SYN | TCP_ACK, 9, 2, NULL, 0);
	wl = pb_tcp(pb_data(&want), (struct pb_ip){ .src = PUB, .dst = LAN_A,
		    .ttl = 63 }, 8000, 6000, TCP_SYN | TCP_ACK, 9, 2, NULL, 0);
	ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_BACK);
	expect_packet(wl);
}
END_TEST

/* A protocol forward: all SCTP to the public address goes to one host,
 * whose own SCTP leaves from it. */
START_TEST(forward_protocol)
{
	static const uint8_t chunk[12] = { 0x13, 0x88, 0x13, 0x88 };
	size_t len, wl;

	forwards_setup();
	len = pb_ipv4(pb_data(&in), &(struct pb_ip){ .src = SRV, .dst = PUB,
		      .proto = 132 }, chunk, sizeof(chunk));
	wl = pb_ipv4(pb_data(&want), &(struct pb_ip){ .src = SRV,
		     .dst = INSRV, .proto = 132, .ttl = 63 }, chunk,
		     sizeof(chunk));
	ck_assert_int_eq(run(len, DIR_IN, 0), VERDICT_FORWARD);
	ck_assert_mem_eq(p.data, pb_data(&want), wl);
	ck_assert(pb_ip_csum_ok(p.data));
	len = pb_ipv4(pb_data(&in), &(struct pb_ip){ .src = INSRV,
		      .dst = STRANGER, .proto = 132 }, chunk, sizeof(chunk));
	ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_FORWARD);
	ck_assert_uint_eq(ipv4_hdr(&p)->saddr, pb_addr(PUB));
}
END_TEST

/* Forwards are checked whole when the engine is made. */
START_TEST(forwards_validated)
{
	struct nat_forward f = { .proto = IPPROTO_TCP, .pub_addr = pool[0],
				 .in_addr = pb_addr(INSRV), .pub_lo = 10,
				 .pub_hi = 20, .in_lo = 65530 };
	struct nat_forward two[2];
	struct nat *bad;

	cfg.forwards = &f;
	cfg.nforwards = 1;
	ck_assert_ptr_null(bad = nat_new(&cfg));	/* past 65535 */
	f.in_lo = 100;
	f.proto = IPPROTO_ICMP;
	ck_assert_ptr_null(bad = nat_new(&cfg));
	f.proto = IPPROTO_TCP;
	f.in_addr = pool[0];
	ck_assert_ptr_null(bad = nat_new(&cfg));	/* inside = public */
	f.in_addr = pb_addr(INSRV);
	two[0] = f;
	two[1] = f;
	two[1].pub_lo = 15;
	two[1].pub_hi = 25;
	two[1].in_lo = 1000;
	cfg.forwards = two;
	cfg.nforwards = 2;
	ck_assert_ptr_null(bad = nat_new(&cfg));	/* public overlap */
	two[1].pub_lo = 21;
	two[1].pub_hi = 31;
	ck_assert_ptr_nonnull(bad = nat_new(&cfg));
	nat_free(bad);
}
END_TEST

/* ---- protocols without ports (RFC 6888 REQ-1) -------------------------- */

START_TEST(rfc6888_req1_other_protocols_by_address)
{
	static const uint8_t body[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	size_t len, wl;

	len = pb_ipv4(pb_data(&in), &(struct pb_ip){ .src = LAN_A, .dst = SRV,
		      .proto = 50 }, body, sizeof(body));
	wl = pb_ipv4(pb_data(&want), &(struct pb_ip){ .src = PUB, .dst = SRV,
		     .proto = 50, .ttl = 63 }, body, sizeof(body));
	ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_FORWARD);
	ck_assert_mem_eq(p.data, pb_data(&want), wl);
	len = pb_ipv4(pb_data(&in), &(struct pb_ip){ .src = SRV, .dst = PUB,
		      .proto = 50 }, body, sizeof(body));
	wl = pb_ipv4(pb_data(&want), &(struct pb_ip){ .src = SRV,
		     .dst = LAN_A, .proto = 50, .ttl = 63 }, body,
		     sizeof(body));
	ck_assert_int_eq(run(len, DIR_IN, 1), VERDICT_FORWARD);
	ck_assert_mem_eq(p.data, pb_data(&want), wl);
	/* one inside host per remote */
	len = pb_ipv4(pb_data(&in), &(struct pb_ip){ .src = LAN_B, .dst = SRV,
		      .proto = 50 }, body, sizeof(body));
	expect_drop(run(len, DIR_OUT, 2), DROP_ADDR_IN_USE);
	/* nothing comes in unasked */
	len = pb_ipv4(pb_data(&in), &(struct pb_ip){ .src = SRV2, .dst = PUB,
		      .proto = 50 }, body, sizeof(body));
	expect_drop(run(len, DIR_IN, 2), DROP_NO_SESSION);
	/* nat.timeouts.other, refreshed both ways */
	len = pb_ipv4(pb_data(&in), &(struct pb_ip){ .src = SRV, .dst = PUB,
		      .proto = 50 }, body, sizeof(body));
	ck_assert_int_eq(run(len, DIR_IN, 1 + 600 * S - 1), VERDICT_FORWARD);
	len = pb_ipv4(pb_data(&in), &(struct pb_ip){ .src = SRV, .dst = PUB,
		      .proto = 50 }, body, sizeof(body));
	expect_drop(run(len, DIR_IN, 1200 * S), DROP_NO_SESSION);
}
END_TEST

/* ---- ICMP errors about all of it ------------------------------------------ */

/* RFC 5508 REQ-7 (row 49): a hairpinned ICMP error.  A sends UDP to B's
 * public endpoint; B's port is closed; A hears so with outer destination A
 * and the quote as A sent it. */
START_TEST(rfc5508_req7_hairpinned_error)
{
	uint8_t got[256], quote[128];
	size_t len, wl, ql;
	uint16_t a, b;

	b = udp_out(LAN_B, 7000, SRV, 53, 0);
	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = LAN_A, .dst = PUB },
		     6000, b, payload, 4);
	ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_BACK);
	a = out_sport();
	memcpy(got, p.data, p.len);
	/* B answers port unreachable about what it got */
	len = pb_icmp_error(pb_data(&in), (struct pb_ip){ .src = LAN_B,
			    .dst = PUB }, ICMP_DEST_UNREACH, 3, 0, got, p.len);
	ql = pb_udp(quote, (struct pb_ip){ .src = LAN_A, .dst = PUB,
		    .ttl = 63 }, 6000, b, payload, 4);
	wl = pb_icmp_error(pb_data(&want), (struct pb_ip){ .src = PUB,
			   .dst = LAN_A, .ttl = 63 }, ICMP_DEST_UNREACH, 3, 0,
			   quote, ql);
	ck_assert_int_eq(run(len, DIR_OUT, 1), VERDICT_BACK);
	expect_packet(wl);
	(void)a;
}
END_TEST

/* RFC 7857 7.1 (row 22): under endpoint-independent filtering, an
 * inside host's port unreachable about a datagram that came in through
 * its mapping goes out, and refreshes nothing. */
START_TEST(rfc7857_7_1_error_about_filtered_in_datagram)
{
	uint8_t got[256], quote[128];
	size_t len, wl, ql;
	uint16_t a;

	cfg.filtering[NAT_L4_UDP] = NAT_FILTER_EI;
	renew();
	a = udp_out(LAN_A, 4000, SRV, 53, 0);
	ck_assert_int_eq(udp_in(SRV2, 99, a, 200 * S), VERDICT_FORWARD);
	memcpy(got, p.data, p.len);
	len = pb_icmp_error(pb_data(&in), (struct pb_ip){ .src = LAN_A,
			    .dst = SRV2 }, ICMP_DEST_UNREACH, 3, 0, got,
			    p.len);
	ql = pb_udp(quote, (struct pb_ip){ .src = SRV2, .dst = PUB,
		    .ttl = 63 }, 99, a, payload, sizeof(payload));
	wl = pb_icmp_error(pb_data(&want), (struct pb_ip){ .src = PUB,
			   .dst = SRV2, .ttl = 63 }, ICMP_DEST_UNREACH, 3, 0,
			   quote, ql);
	ck_assert_int_eq(run(len, DIR_OUT, 250 * S), VERDICT_FORWARD);
	expect_packet(wl);
	nat_expire(n, 300 * S, 100);
	expect_drop(udp_in(SRV, 53, a, 300 * S), DROP_NO_SESSION);
}
END_TEST

/* RFC 5508 REQ-3d (row 39): an error with RFC 4884 extensions keeps them
 * byte for byte; only the quoted headers change. */
START_TEST(rfc5508_req3d_icmp_extensions)
{
	uint8_t sent[200], body[300], wbody[300];
	size_t len, wl, sl;
	uint16_t a;

	udp_out(LAN_B, 4000, SRV, 53, 0);
	a = udp_out(LAN_A, 4000, SRV, 53, 0);
	sl = pb_udp(sent, (struct pb_ip){ .src = PUB, .dst = SRV, .ttl = 63 },
		    a, 53, payload, 4);
	/* quote padded to 128 bytes, then an extension header and object */
	memset(body, 0, sizeof(body));
	memcpy(body, sent, sl);
	memcpy(body + 128, "\x20\x00\x00\x00\x00\x08\x01\x01tunnat!!", 16);
	memcpy(wbody, body, sizeof(body));
	pb_udp(wbody, (struct pb_ip){ .src = LAN_A, .dst = SRV, .ttl = 63 },
	       4000, 53, payload, 4);
	len = pb_icmp_error(pb_data(&in), (struct pb_ip){ .src = WANRTR,
			    .dst = PUB }, ICMP_DEST_UNREACH, 3, 32 << 16, body,
			    144);
	wl = pb_icmp_error(pb_data(&want), (struct pb_ip){ .src = WANRTR,
			   .dst = LAN_A, .ttl = 63 }, ICMP_DEST_UNREACH, 3,
			   32 << 16, wbody, 144);
	ck_assert_int_eq(run(len, DIR_IN, 1), VERDICT_FORWARD);
	expect_packet(wl);
}
END_TEST

static Suite *behave_suite(void)
{
	Suite *s = suite_create("behave");
	TCase *tc;

	tc = tcase_create("unsolicited_syn");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rfc5382_req4_unsolicited_syn_dropped_silently);
	tcase_add_test(tc, rfc5382_req4_unsolicited_syn_rejected_after_6_s);
	tcase_add_test(tc, rfc5382_req4_simultaneous_open);
	tcase_add_test(tc, rfc5382_req4_filtered_syn_held);
	tcase_add_test(tc, rfc7857_2_1_opening_and_closing_timers);
	suite_add_tcase(s, tc);

	tc = tcase_create("ports_and_limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rfc6888_req8_port_holddown);
	tcase_add_test(tc, port_holddown_off);
	tcase_add_test(tc, rfc4787_req4_port_parity);
	tcase_add_test(tc, rfc6888_req4_sessions_per_host);
	tcase_add_test(tc, rfc5508_req8_icmp_on_failure);
	tcase_add_test(tc, rfc6888_req6_exempt_destinations);
	tcase_add_test(tc, exempt_inbound_answered_from_public_address);
	tcase_add_test(tc, inside_prefixes_only);
	suite_add_tcase(s, tc);

	tc = tcase_create("mtu_and_fragments");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rfc5508_7_1_1_frag_needed_outbound);
	tcase_add_test(tc, rfc5508_7_1_1_frag_needed_inbound);
	tcase_add_test(tc, rfc4787_req13_fragmented_on_output);
	tcase_add_test(tc, fragment_cut_again);
	tcase_add_test(tc, rfc7857_10_fragment_ids_kept_apart);
	tcase_add_test(tc, rfc4787_req14_outbound_out_of_order);
	tcase_add_test(tc, rfc4787_req14a_hold_is_bounded);
	tcase_add_test(tc, tcp_mss_clamped_both_ways);
	tcase_add_test(tc, rfc5508_7_3_source_route_dropped);
	suite_add_tcase(s, tc);

	tc = tcase_create("forwards_and_protocols");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, forward_port_range);
	tcase_add_test(tc, forward_from_list);
	tcase_add_test(tc, rfc5382_req8_hairpin_through_forward);
	tcase_add_test(tc, forward_protocol);
	tcase_add_test(tc, forwards_validated);
	tcase_add_test(tc, rfc6888_req1_other_protocols_by_address);
	suite_add_tcase(s, tc);

	tc = tcase_create("icmp_errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rfc5508_req7_hairpinned_error);
	tcase_add_test(tc, rfc7857_7_1_error_about_filtered_in_datagram);
	tcase_add_test(tc, rfc5508_req3d_icmp_extensions);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return nattest_run(behave_suite());
}
