/* SPDX-License-Identifier: MIT */
/* check_control.c - the engine as the control plane sees it: walking and
 * flushing sessions, counters per protocol, port use, mapping events, and
 * reconfiguring a running engine without losing its sessions
 */

#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nat/nat_int.h"
#include "nattest.h"

#define PUB2	"203.0.113.2"

static struct nat_session_info seen[64];
static unsigned nseen;

static bool collect(void *arg, const struct nat_session_info *si)
{
	unsigned *stop_at = arg;

	ck_assert_uint_lt(nseen, 64);
	seen[nseen++] = *si;
	return !stop_at || nseen < *stop_at;
}

/* Walk all of it in slices of @budget; return the sessions seen. */
static unsigned walk_all(const struct nat_match *m, uint64_t now,
			 unsigned budget)
{
	uint32_t cursor = 0;
	unsigned rounds = 0;

	nseen = 0;
	while (!nat_walk(n, &cursor, budget, m, now, collect, NULL))
		ck_assert_uint_lt(++rounds, 10000);
	return nseen;
}

static const struct nat_session_info *seen_proto(uint8_t proto)
{
	unsigned i;

	for (i = 0; i < nseen; i++)
		if (seen[i].proto == proto)
			return &seen[i];
	return NULL;
}

/* Three flows: UDP from LAN_A, established TCP from LAN_B, a ping. */
static void three_flows(void)
{
	size_t len;

	udp_out(LAN_A, 4000, SRV, 53, 0);
	tcp_seg(DIR_OUT, LAN_B, 5000, SRV, 80, 0, TCP_SYN, 0);
	tcp_seg(DIR_IN, NULL, 0, SRV, 80, 5000, TCP_SYN | TCP_ACK, 0);
	len = pb_icmp_query(pb_data(&in), (struct pb_ip){ .src = LAN_A,
			    .dst = SRV2 }, ICMP_ECHO, 77, 1, payload, 4);
	ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_FORWARD);
}

START_TEST(walk_lists_every_session)
{
	const struct nat_session_info *u, *t, *i;

	three_flows();
	ck_assert_uint_eq(walk_all(NULL, 10 * S, 1000), 3);
	u = seen_proto(IPPROTO_UDP);
	t = seen_proto(IPPROTO_TCP);
	i = seen_proto(IPPROTO_ICMP);
	ck_assert_ptr_nonnull(u);
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(i);
	ck_assert_uint_eq(u->in_addr, pb_addr(LAN_A));
	ck_assert_uint_eq(u->in_port, 4000);
	ck_assert_uint_eq(u->pub_addr, pb_addr(PUB));
	ck_assert_uint_eq(u->pub_port, 4000);
	ck_assert_uint_eq(u->rem_addr, pb_addr(SRV));
	ck_assert_uint_eq(u->rem_port, 53);
	ck_assert_str_eq(u->state, "active");
	ck_assert_uint_eq(u->idle_ms, 10 * S);
	ck_assert_uint_eq(u->expires_ms, 290 * S);
	ck_assert_str_eq(t->state, "established");
	ck_assert_uint_eq(t->expires_ms, 7430 * S);
	ck_assert_uint_eq(i->in_port, 77);
	ck_assert_uint_eq(i->rem_port, 0);
	ck_assert_ptr_null(u->alg);
	/* sliced one record at a time, the same */
	ck_assert_uint_eq(walk_all(NULL, 10 * S, 1), 3);
	/* an expired session is not listed, swept or not */
	ck_assert_uint_eq(walk_all(NULL, 300 * S, 1000), 1);
	ck_assert_uint_eq(seen[0].proto, IPPROTO_TCP);
}
END_TEST

START_TEST(walk_filters)
{
	struct nat_match m = { .proto = IPPROTO_TCP };

	three_flows();
	ck_assert_uint_eq(walk_all(&m, 0, 1000), 1);
	m = (struct nat_match){ .in_addr = pb_addr(LAN_A) };
	ck_assert_uint_eq(walk_all(&m, 0, 1000), 2);
	m.in_port = 4000;
	ck_assert_uint_eq(walk_all(&m, 0, 1000), 1);
	m = (struct nat_match){ .rem_addr = pb_addr(SRV), .rem_port = 80 };
	ck_assert_uint_eq(walk_all(&m, 0, 1000), 1);
	ck_assert_uint_eq(seen[0].in_port, 5000);
	m = (struct nat_match){ .pub_addr = pb_addr(PUB), .pub_port = 77 };
	ck_assert_uint_eq(walk_all(&m, 0, 1000), 1);
	m = (struct nat_match){ .pub_addr = pb_addr(PUB2) };
	ck_assert_uint_eq(walk_all(&m, 0, 1000), 0);
	/* the callback may end the walk, which then says it is done */
	{
		unsigned stop_at = 2;
		uint32_t cursor = 0;

		nseen = 0;
		ck_assert(nat_walk(n, &cursor, 1000, NULL, 0, collect,
				   &stop_at));
		ck_assert_uint_eq(nseen, 2);
	}
}
END_TEST

/* A flush ends sessions as their time would: the port rests. */
START_TEST(flush_ends_sessions)
{
	struct nat_match m = { .in_addr = pb_addr(LAN_A) };
	uint64_t ended = 0;
	uint32_t cursor = 0;

	cfg.holddown_ms = 120 * S;
	renew();
	three_flows();
	while (!nat_flush(n, &cursor, 1, &m, 5 * S, &ended))
		;
	ck_assert_uint_eq(ended, 2);
	ck_assert_uint_eq(nat_stats(n)->sessions, 1);
	expect_drop(udp_in(SRV, 53, 4000, 5 * S), DROP_NO_SESSION);
	/* 4000 rests: LAN_B does not get it */
	ck_assert_uint_ne(udp_out(LAN_B, 4000, SRV, 53, 6 * S), 4000);
	ck_assert_uint_eq(walk_all(NULL, 6 * S, 1000), 2);
}
END_TEST

START_TEST(counters_per_protocol)
{
	const struct nat_stats *st;
	struct nat_port_use u;

	three_flows();
	ck_assert_int_eq(udp_in(SRV, 53, 4000, 1), VERDICT_FORWARD);
	st = nat_stats(n);
	ck_assert_uint_eq(st->proto[NAT_PC_UDP].packets[DIR_OUT], 1);
	ck_assert_uint_eq(st->proto[NAT_PC_UDP].packets[DIR_IN], 1);
	ck_assert_uint_eq(st->proto[NAT_PC_UDP].bytes[DIR_IN],
			  20 + 8 + sizeof(payload));
	ck_assert_uint_eq(st->proto[NAT_PC_TCP].packets[DIR_OUT], 1);
	ck_assert_uint_eq(st->proto[NAT_PC_TCP].packets[DIR_IN], 1);
	ck_assert_uint_eq(st->proto[NAT_PC_ICMP].packets[DIR_OUT], 1);
	ck_assert_uint_eq(st->proto[NAT_PC_UDP].sessions, 1);
	ck_assert_uint_eq(st->proto[NAT_PC_TCP].sessions, 1);
	ck_assert_uint_eq(st->proto[NAT_PC_ICMP].sessions_created, 1);
	nat_expire(n, 300 * S, 100);
	st = nat_stats(n);
	ck_assert_uint_eq(st->proto[NAT_PC_UDP].sessions, 0);
	ck_assert_uint_eq(st->proto[NAT_PC_UDP].sessions_ended, 1);
	ck_assert_uint_eq(st->proto[NAT_PC_ICMP].sessions_ended, 1);
	ck_assert_uint_eq(st->proto[NAT_PC_TCP].sessions, 1);
	ck_assert_str_eq(nat_proto_class_name(NAT_PC_GRE), "gre");
	ck_assert_uint_eq(nat_port_use(n, 0, &u), 1);
	ck_assert_uint_eq(u.addr, pb_addr(PUB));
	ck_assert(u.active);
	ck_assert_uint_eq(u.used[0], 1);	/* TCP 5000 */
	ck_assert_uint_eq(u.total[0], 65535);
	ck_assert_uint_eq(u.used[1], 0);	/* UDP 4000: released */
	ck_assert_uint_eq(u.used[2], 0);
	ck_assert_uint_eq(nat_port_use(n, 1, &u), 1);
}
END_TEST

static struct nat_event evs[16];
static unsigned nevs;

static void on_event(void *arg, const struct nat_event *ev)
{
	(void)arg;
	if (nevs < 16)
		evs[nevs++] = *ev;
}

/* RFC 6888 section 4: with log_mappings, one event per mapping made and
 * freed; with log_sessions, per session too (REQ-12: they name remote
 * hosts, so only when asked). */
START_TEST(mapping_events)
{
	cfg.log_mappings = true;
	cfg.event = on_event;
	renew();
	nevs = 0;
	udp_out(LAN_A, 4000, SRV, 53, 0);
	ck_assert_uint_eq(nevs, 1);
	ck_assert_int_eq(evs[0].type, NAT_EV_MAPPING_UP);
	ck_assert_uint_eq(evs[0].rem_addr, 0);
	cfg.log_sessions = true;
	renew();
	nevs = 0;
	udp_out(LAN_A, 4000, SRV, 53, 0);
	ck_assert_uint_eq(nevs, 2);
	ck_assert_int_eq(evs[0].type, NAT_EV_MAPPING_UP);
	ck_assert_uint_eq(evs[0].proto, IPPROTO_UDP);
	ck_assert_uint_eq(evs[0].in_addr, pb_addr(LAN_A));
	ck_assert_uint_eq(evs[0].in_port, 4000);
	ck_assert_uint_eq(evs[0].pub_addr, pb_addr(PUB));
	ck_assert_uint_eq(evs[0].pub_port, 4000);
	ck_assert_uint_eq(evs[0].rem_addr, 0);
	ck_assert_int_eq(evs[1].type, NAT_EV_SESSION_UP);
	ck_assert_uint_eq(evs[1].rem_addr, pb_addr(SRV));
	ck_assert_uint_eq(evs[1].rem_port, 53);
	nat_expire(n, 300 * S + 700, 100);
	ck_assert_uint_eq(nevs, 4);
	ck_assert_int_eq(evs[2].type, NAT_EV_SESSION_DOWN);
	ck_assert_int_eq(evs[3].type, NAT_EV_MAPPING_DOWN);
	/* swept 700 ms late: it says when it really ended */
	ck_assert_uint_eq(evs[2].ago_ms, 700);
	ck_assert_uint_eq(evs[3].ago_ms, 700);
	/* without them, none */
	cfg.log_mappings = false;
	cfg.log_sessions = false;
	renew();
	nevs = 0;
	udp_out(LAN_A, 4000, SRV, 53, 0);
	ck_assert_uint_eq(nevs, 0);
}
END_TEST

/* ---- reconfiguring ---------------------------------------------------- */

static int reconf(uint64_t now)
{
	char err[160];

	return nat_reconfigure(n, &cfg, now, err, sizeof(err));
}

/* A shorter timeout applies to the live session at once. */
START_TEST(reconfigure_timeouts_live)
{
	uint16_t a = udp_out(LAN_A, 4000, SRV, 53, 0);

	cfg.udp_ms = 30 * S;
	ck_assert_int_eq(reconf(10 * S), 0);
	ck_assert_int_eq(udp_in(SRV, 53, a, 30 * S - 1), VERDICT_FORWARD);
	expect_drop(udp_in(SRV, 53, a, 30 * S), DROP_NO_SESSION);
	/* and filtering: endpoint-independent from now on */
	a = udp_out(LAN_A, 4000, SRV, 53, 40 * S);
	expect_drop(udp_in(SRV2, 53, a, 41 * S), DROP_FILTERED);
	cfg.filtering[NAT_L4_UDP] = NAT_FILTER_EI;
	ck_assert_int_eq(reconf(41 * S), 0);
	ck_assert_int_eq(udp_in(SRV2, 53, a, 42 * S), VERDICT_FORWARD);
}
END_TEST

/* Filter records: none while no protocol filters by address; a reload to
 * address-dependent filtering gives every session of a dynamic mapping
 * that has none one, so the addresses they talk to get in at once; they
 * end with their sessions, whatever the mode by then. */
START_TEST(reconfigure_filter_records)
{
	uint16_t a, b;

	cfg.filtering[NAT_L4_UDP] = NAT_FILTER_EI;	/* TCP stays APD */
	renew();
	a = udp_out(LAN_A, 4000, SRV, 53, 0);
	ck_assert_uint_eq(udp_out(LAN_A, 4000, SRV2, 54, 0), a);
	b = udp_out(LAN_B, 4000, SRV2, 53, 0);
	tcp_seg(DIR_OUT, LAN_A, 6000, SRV, 80, 0, TCP_SYN, 0);
	ck_assert_uint_eq(nat_stats(n)->sessions, 4);
	ck_assert_uint_eq(n->perms.pool.used, 0);

	cfg.filtering[NAT_L4_UDP] = NAT_FILTER_AD;
	ck_assert_int_eq(reconf(1 * S), 0);
	/* (a, SRV), (a, SRV2), (b, SRV2); none for TCP */
	ck_assert_uint_eq(n->perms.pool.used, 3);
	ck_assert_int_eq(udp_in(SRV, 99, a, 2 * S), VERDICT_FORWARD);
	ck_assert_int_eq(udp_in(SRV2, 99, b, 2 * S), VERDICT_FORWARD);
	expect_drop(udp_in(SRV, 99, b, 2 * S), DROP_FILTERED);
	ck_assert_int_eq(reconf(3 * S), 0);	/* none twice */
	ck_assert_uint_eq(n->perms.pool.used, 3);

	cfg.filtering[NAT_L4_UDP] = NAT_FILTER_EI;
	ck_assert_int_eq(reconf(4 * S), 0);
	udp_out(LAN_B, 4000, SRV, 53, 5 * S);
	ck_assert_uint_eq(n->perms.pool.used, 3);
	/* on again: only the session opened meanwhile needs one, (b, SRV),
	 * and the others are not counted twice */
	cfg.filtering[NAT_L4_UDP] = NAT_FILTER_AD;
	ck_assert_int_eq(reconf(6 * S), 0);
	ck_assert_uint_eq(n->perms.pool.used, 4);
	ck_assert_int_eq(udp_in(SRV, 99, b, 7 * S), VERDICT_FORWARD);
	ck_assert_uint_eq(nat_expire(n, 100000 * S, 100), 5);
	ck_assert_uint_eq(n->perms.pool.used, 0);
}
END_TEST

/* What the tables were sized for is refused, and nothing changes. */
START_TEST(reconfigure_refuses_sizes)
{
	char err[160];
	uint16_t a = udp_out(LAN_A, 4000, SRV, 53, 0);

	cfg.max_sessions = 8192;
	cfg.udp_ms = 10 * S;
	ck_assert_int_eq(nat_reconfigure(n, &cfg, 1, err, sizeof(err)),
			 -EINVAL);
	ck_assert(strstr(err, "size"));
	ck_assert_int_eq(udp_in(SRV, 53, a, 100 * S), VERDICT_FORWARD);
}
END_TEST

/* Every list may be NULL when it is empty: the prefix lists, the
 * forwards, a forward's from list (memcpy() from NULL is undefined even
 * for 0 bytes, so this fails under --enable-sanitizers if one is copied). */
START_TEST(reconfigure_lists_may_be_null)
{
	struct nat_forward fw = { .proto = IPPROTO_UDP, .pub_addr = pool[0],
				  .in_addr = pb_addr("10.0.0.50"),
				  .pub_lo = 53, .pub_hi = 53, .in_lo = 53 };

	cfg.exempt = cfg.inside_prefixes = NULL;
	cfg.nexempt = cfg.ninside_prefixes = 0;
	cfg.forwards = &fw;
	cfg.nforwards = 1;
	renew();
	ck_assert_int_eq(reconf(1), 0);
	cfg.forwards = NULL;
	cfg.nforwards = 0;
	ck_assert_int_eq(reconf(2), 0);
}
END_TEST

/* An ALG turned off keeps its state, sized for its limits when it was
 * first turned on: turned on again, those limits may not change. */
START_TEST(reconfigure_alg_off_and_on_keeps_sizes)
{
	const struct nat_alg_config pptp = {
		.enabled = true, .ports = { 1723 }, .nports = 1,
		.max_connections = 4, .max_calls_per_connection = 2,
		.max_calls_per_host = 8, .max_calls_per_server = 8,
	};
	char err[160];

	cfg.alg[NAT_ALG_PPTP] = pptp;
	renew();
	cfg.alg[NAT_ALG_PPTP].enabled = false;
	ck_assert_int_eq(reconf(1), 0);
	cfg.alg[NAT_ALG_PPTP] = pptp;
	cfg.alg[NAT_ALG_PPTP].max_calls_per_connection = 16;
	ck_assert_int_eq(nat_reconfigure(n, &cfg, 2, err, sizeof(err)),
			 -EINVAL);
	ck_assert(strstr(err, "max-calls-per-connection"));
	cfg.alg[NAT_ALG_PPTP] = pptp;
	cfg.alg[NAT_ALG_PPTP].max_connections = 8;
	ck_assert_int_eq(nat_reconfigure(n, &cfg, 3, err, sizeof(err)),
			 -EINVAL);
	cfg.alg[NAT_ALG_PPTP] = pptp;
	ck_assert_int_eq(reconf(4), 0);
}
END_TEST

/* An exemption a reload takes away: a datagram that comes in fragments
 * afterwards is translated, its later fragments too, even with the IP ID
 * of one that left exempt, cut to fit the MTU, just before. */
START_TEST(reconfigure_exempt_gone_fragments_translated)
{
	struct nat_prefix ex = { .addr = pb_addr("198.51.100.0"), .len = 24 };
	static uint8_t whole[2000], data[1200];
	size_t len, k;

	memset(data, 'x', sizeof(data));
	cfg.exempt = &ex;
	cfg.nexempt = 1;
	cfg.mtu_outside = 576;
	renew();
	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = LAN_A, .dst = SRV,
		     .id = 9 }, 4000, 53, data, sizeof(data));
	ck_assert_int_eq(run(len, DIR_OUT, 0), VERDICT_FORWARD);
	ck_assert_uint_eq(ipv4_hdr(&p)->saddr, pb_addr(LAN_A));
	ck_assert_uint_eq(pending_count(NULL, NULL, NULL), 2);
	cfg.exempt = NULL;
	cfg.nexempt = 0;
	ck_assert_int_eq(reconf(1), 0);
	len = pb_udp(whole, (struct pb_ip){ .src = LAN_A, .dst = SRV,
		     .id = 9 }, 4000, 53, data, 400);
	k = pb_fragment(pb_data(&in), whole, 0, 200, true);
	ck_assert_int_eq(run(k, DIR_OUT, 2), VERDICT_FORWARD);
	ck_assert_uint_eq(ipv4_hdr(&p)->saddr, pb_addr(PUB));
	k = pb_fragment(pb_data(&in), whole, 200, len - 20 - 200, false);
	ck_assert_int_eq(run(k, DIR_OUT, 3), VERDICT_FORWARD);
	ck_assert_uint_eq(ipv4_hdr(&p)->saddr, pb_addr(PUB));
}
END_TEST

/* Forwards come and go; a session through a removed forward lives on. */
START_TEST(reconfigure_forwards)
{
	struct nat_forward fw = { .proto = IPPROTO_UDP, .pub_addr = pool[0],
				  .in_addr = pb_addr("10.0.0.50"),
				  .pub_lo = 53, .pub_hi = 53, .in_lo = 53 };
	size_t len;

	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = SRV, .dst = PUB },
		     999, 53, payload, 4);
	expect_drop(run(len, DIR_IN, 0), DROP_NO_SESSION);
	cfg.forwards = &fw;
	cfg.nforwards = 1;
	ck_assert_int_eq(reconf(0), 0);
	ck_assert_int_eq(run(len, DIR_IN, 0), VERDICT_FORWARD);
	ck_assert_uint_eq(ipv4_hdr(&p)->daddr, pb_addr("10.0.0.50"));
	cfg.nforwards = 0;
	ck_assert_int_eq(reconf(1), 0);
	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = SRV, .dst = PUB },
		     999, 53, payload, 4);
	ck_assert_int_eq(run(len, DIR_IN, 2), VERDICT_FORWARD);
	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = SRV2, .dst = PUB },
		     999, 53, payload, 4);
	expect_drop(run(len, DIR_IN, 2), DROP_FILTERED);
	/* once its session is gone the port is free for anyone */
	nat_expire(n, 400 * S, 100);
	ck_assert_uint_eq(udp_out(LAN_A, 53, SRV, 53, 400 * S), 53);
}
END_TEST

/* A new forward on a port a dynamic mapping holds is refused whole. */
START_TEST(reconfigure_forward_conflict)
{
	struct nat_forward fw = { .proto = IPPROTO_UDP, .pub_addr = pool[0],
				  .in_addr = pb_addr("10.0.0.50"),
				  .pub_lo = 4000, .pub_hi = 4000, .in_lo = 53 };
	char err[160];
	uint16_t a = udp_out(LAN_A, 4000, SRV, 53, 0);

	ck_assert_uint_eq(a, 4000);
	cfg.forwards = &fw;
	cfg.nforwards = 1;
	cfg.udp_ms = 10 * S;
	ck_assert_int_eq(nat_reconfigure(n, &cfg, 1, err, sizeof(err)),
			 -EINVAL);
	ck_assert(strstr(err, "4000"));
	/* the old timeout stands */
	ck_assert_int_eq(udp_in(SRV, 53, a, 100 * S), VERDICT_FORWARD);
}
END_TEST

/* A public address taken out of the pool: its sessions live on, new
 * mappings go to the new one; put back, it is the same address again. */
START_TEST(reconfigure_pool)
{
	size_t len;
	uint16_t a;

	a = udp_out(LAN_A, 4000, SRV, 53, 0);
	pool[0] = pb_addr(PUB2);
	ck_assert_int_eq(reconf(1), 0);
	ck_assert_int_eq(udp_in(SRV, 53, a, 2), VERDICT_FORWARD);
	ck_assert_uint_eq(udp_out(LAN_A, 4000, SRV, 53, 3), a);
	ck_assert_uint_eq(ipv4_hdr(&p)->saddr, pb_addr(PUB));
	len = pb_udp(pb_data(&in), (struct pb_ip){ .src = LAN_B, .dst = SRV },
		     4000, 53, payload, 4);
	ck_assert_int_eq(run(len, DIR_OUT, 3), VERDICT_FORWARD);
	ck_assert_uint_eq(ipv4_hdr(&p)->saddr, pb_addr(PUB2));
	pool[0] = pb_addr(PUB);
	pool[1] = pb_addr(PUB2);
	cfg.naddrs = 2;
	ck_assert_int_eq(reconf(4), 0);
	{
		struct nat_port_use u;

		ck_assert_uint_eq(nat_port_use(n, 0, &u), 2);
		ck_assert(u.active);
		nat_port_use(n, 1, &u);
		ck_assert(u.active);
	}
}
END_TEST

/* Slots of removed addresses run out after NAT_POOL_MAX addresses; those
 * nothing uses any more are taken back. */
START_TEST(reconfigure_pool_slots_come_back)
{
	char addr[32];
	uint16_t a;
	unsigned i;

	a = udp_out(LAN_A, 4000, SRV, 53, 0);
	/* more different pools than there are slots */
	for (i = 0; i < NAT_POOL_MAX + 10; i++) {
		snprintf(addr, sizeof(addr), "100.%u.%u.1", 64 + i / 256,
			 i % 256);
		pool[0] = pb_addr(addr);
		ck_assert_int_eq(reconf(1), 0);
	}
	/* the first address's slot was kept for its session all along */
	ck_assert_int_eq(udp_in(SRV, 53, a, 2), VERDICT_FORWARD);
	ck_assert_uint_eq(ipv4_hdr(&p)->daddr, pb_addr(LAN_A));
	udp_out(LAN_B, 4000, SRV, 53, 3);
	ck_assert_uint_eq(ipv4_hdr(&p)->saddr, pool[0]);
}
END_TEST

static Suite *control_suite(void)
{
	Suite *s = suite_create("control");
	TCase *tc;

	tc = tcase_create("walk_and_flush");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, walk_lists_every_session);
	tcase_add_test(tc, walk_filters);
	tcase_add_test(tc, flush_ends_sessions);
	tcase_add_test(tc, counters_per_protocol);
	tcase_add_test(tc, mapping_events);
	suite_add_tcase(s, tc);

	tc = tcase_create("reconfigure");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, reconfigure_timeouts_live);
	tcase_add_test(tc, reconfigure_filter_records);
	tcase_add_test(tc, reconfigure_refuses_sizes);
	tcase_add_test(tc, reconfigure_lists_may_be_null);
	tcase_add_test(tc, reconfigure_alg_off_and_on_keeps_sizes);
	tcase_add_test(tc, reconfigure_exempt_gone_fragments_translated);
	tcase_add_test(tc, reconfigure_forwards);
	tcase_add_test(tc, reconfigure_forward_conflict);
	tcase_add_test(tc, reconfigure_pool);
	tcase_add_test(tc, reconfigure_pool_slots_come_back);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return nattest_run(control_suite());
}
