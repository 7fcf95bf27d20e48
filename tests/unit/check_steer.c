/* SPDX-License-Identifier: MIT */
/* check_steer.c - engines of several workers on one shared pool: who owns
 * each port, where nat_steer() sends each packet, and the flows that
 * cross from one worker to another (hairpins, fragments, Call IDs)
 */

#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nattest.h"

#define W_MAX	5

static struct nat_shared *sh;
static struct nat *w[W_MAX];
static unsigned nw;

/* Engines for @cnt workers on one pool made from cfg. */
static void workers_new(unsigned cnt)
{
	unsigned i;

	nw = cnt;
	sh = nat_shared_new(&cfg, cnt);
	ck_assert_ptr_nonnull(sh);
	ck_assert_uint_eq(nat_shared_workers(sh), cnt);
	for (i = 0; i < cnt; i++) {
		struct nat_config c = cfg;

		c.shared = sh;
		c.worker = i;
		w[i] = nat_new(&c);
		ck_assert_ptr_nonnull(w[i]);
	}
}

static void workers_free(void)
{
	unsigned i;

	for (i = 0; i < nw; i++)
		nat_free(w[i]);
	nat_shared_free(sh);
	sh = NULL;
	nw = 0;
}

static void steer_setup(void)
{
	cfg_default();
}

static void steer_teardown(void)
{
	workers_free();
}

/* Dotted quad of inside host 10.0.@hi.@lo in @buf. */
static const char *host(char *buf, unsigned hi, unsigned lo)
{
	sprintf(buf, "10.0.%u.%u", hi, lo);
	return buf;
}

/* An inside host whose packets belong to worker @want, in @buf. */
static const char *host_of(char *buf, unsigned worker)
{
	unsigned i;

	for (i = 2; i < 250; i++)
		if (nat_steer_host(sh, pb_addr(host(buf, 0, i))) == worker)
			return buf;
	ck_abort_msg("no host for worker %u", worker);
	return NULL;
}

/* Translate the @len bytes in @in, read from @dir, with engine @e. */
static enum verdict run_on(unsigned e, size_t len, enum pkt_dir dir,
			   uint64_t now)
{
	pkt_init(&p, pb_data(&in), (uint32_t)len, PKT_DATA_MAX, dir);
	return nat_translate(w[e], &p, now);
}

static size_t udp_pkt(const char *src, uint16_t sport, const char *dst,
		      uint16_t dport)
{
	return pb_udp(pb_data(&in), (struct pb_ip){ .src = src, .dst = dst },
		      sport, dport, payload, sizeof(payload));
}

static unsigned steer_in(size_t len, enum pkt_dir dir)
{
	return nat_steer(sh, pb_data(&in), (uint32_t)len, dir);
}

/*
 * Every port of the range is owned by exactly one worker: each worker's
 * hosts open UDP flows until the pool is dry, then a reply to each public
 * port goes through exactly one engine, the one nat_steer() names; any
 * worker count, pools of one to three addresses.
 */
START_TEST(port_share_disjoint)
{
	unsigned cnt = (unsigned)_i % W_MAX + 1, naddr = (unsigned)_i / W_MAX + 1;
	unsigned k, a, e, made = 0, port;
	char b[32];

	pool[0] = pb_addr(PUB);
	pool[1] = pb_addr("203.0.113.2");
	pool[2] = pb_addr("203.0.113.3");
	cfg.naddrs = naddr;
	cfg.port_lo = 2000;
	cfg.port_hi = 2099;
	cfg.filtering[NAT_L4_UDP] = NAT_FILTER_EI;
	workers_new(cnt);
	/* hosts across all workers, until no port is left anywhere */
	for (k = 0; k < 400 * naddr; k++) {
		const char *src = host(b, 1 + k % 7, 1 + k / 7);
		unsigned we = nat_steer_host(sh, pb_addr(src));
		size_t len = udp_pkt(src, (uint16_t)(2000 + k % 100), SRV, 53);
		enum verdict v = run_on(we, len, DIR_OUT, 0);

		ck_assert_uint_lt(we, cnt);
		if (v == VERDICT_FORWARD)
			made++;
		else
			ck_assert_str_eq(drop_reason_str(p.drop),
					 drop_reason_str(DROP_NO_PORT));
	}
	ck_assert_uint_eq(made, 100 * naddr);
	for (a = 0; a < naddr; a++) {
		char pub[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &pool[a], pub, sizeof(pub));
		for (port = 2000; port <= 2099; port++) {
			size_t len = udp_pkt(SRV, 53, pub, (uint16_t)port);
			unsigned owner = steer_in(len, DIR_IN), fwd = 0;

			ck_assert_uint_lt(owner, cnt);
			for (e = 0; e < cnt; e++) {
				len = udp_pkt(SRV, 53, pub, (uint16_t)port);
				if (run_on(e, len, DIR_IN, 1) ==
				    VERDICT_FORWARD) {
					fwd++;
					ck_assert_uint_eq(e, owner);
				}
			}
			ck_assert_uint_eq(fwd, 1);
		}
	}
}
END_TEST

/* Workers keep an inside port when it is free: preservation is not cut
 * into fixed shares (tests/lab/basic.sh checks it end to end). */
START_TEST(port_preserved_any_worker)
{
	unsigned e;
	char b[32];

	workers_new(3);
	for (e = 0; e < 3; e++) {
		size_t len = udp_pkt(host_of(b, e), (uint16_t)(40000 + e), SRV,
				     53);

		ck_assert_int_eq(run_on(e, len, DIR_OUT, 0), VERDICT_FORWARD);
		ck_assert_uint_eq(out_sport(), 40000 + e);
	}
	/* the same inside port from another worker's host: a new one */
	{
		size_t len = udp_pkt(host_of(b, 1), 40000, SRV, 53);

		ck_assert_int_eq(run_on(1, len, DIR_OUT, 0), VERDICT_FORWARD);
		ck_assert_uint_ne(out_sport(), 40000);
		len = udp_pkt(SRV, 53, PUB, out_sport());
		ck_assert_uint_eq(steer_in(len, DIR_IN), 1);
	}
}
END_TEST

/* With one worker, everything is worker 0's and nothing else changes. */
START_TEST(one_worker_all_zero)
{
	size_t len;
	char b[32];

	workers_new(1);
	len = udp_pkt(host(b, 0, 9), 1234, SRV, 53);
	ck_assert_uint_eq(steer_in(len, DIR_OUT), 0);
	ck_assert_int_eq(run_on(0, len, DIR_OUT, 0), VERDICT_FORWARD);
	ck_assert_uint_eq(out_sport(), 1234);
	len = udp_pkt(SRV, 53, PUB, 1234);
	ck_assert_uint_eq(steer_in(len, DIR_IN), 0);
}
END_TEST

/* From inside, TCP, UDP and ICMP go by the source host; so does GRE
 * version 1 while the PPTP ALG is on; the rest is worker 0's. */
START_TEST(steer_inside)
{
	uint8_t g[8] = { 0x20, 0x01, 0x88, 0x0b, 0, 0, 0x12, 0x34 };
	const char *esp = "espespespesp";
	unsigned e, hits[W_MAX] = { 0 }, i;
	size_t len;
	char b[32];

	cfg.alg[NAT_ALG_PPTP] = (struct nat_alg_config){
		.enabled = true, .ports = { 1723 }, .nports = 1,
		.max_connections = 16, .max_calls_per_connection = 4,
		.max_calls_per_host = 8, .max_calls_per_server = 8,
	};
	workers_new(4);
	for (i = 0; i < 200; i++) {
		const char *src = host(b, i / 100, i % 100 + 1);

		e = nat_steer_host(sh, pb_addr(src));
		hits[e]++;
		len = udp_pkt(src, 999, SRV, 53);
		ck_assert_uint_eq(steer_in(len, DIR_OUT), e);
		len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = src,
			     .dst = SRV }, 999, 80, TCP_SYN, 1, 0, NULL, 0);
		ck_assert_uint_eq(steer_in(len, DIR_OUT), e);
		len = pb_icmp_query(pb_data(&in), (struct pb_ip){ .src = src,
				    .dst = SRV }, 8, 77, 1, NULL, 0);
		ck_assert_uint_eq(steer_in(len, DIR_OUT), e);
		len = pb_ipv4(pb_data(&in), &(struct pb_ip){ .src = src,
			      .dst = SRV, .proto = IPPROTO_GRE }, g,
			      sizeof(g));
		ck_assert_uint_eq(steer_in(len, DIR_OUT), e);
		g[1] = 0;	/* version 0: by address only */
		len = pb_ipv4(pb_data(&in), &(struct pb_ip){ .src = src,
			      .dst = SRV, .proto = IPPROTO_GRE }, g,
			      sizeof(g));
		ck_assert_uint_eq(steer_in(len, DIR_OUT), 0);
		g[1] = 1;
		len = pb_ipv4(pb_data(&in), &(struct pb_ip){ .src = src,
			      .dst = SRV, .proto = 50 }, esp, 12);
		ck_assert_uint_eq(steer_in(len, DIR_OUT), 0);
	}
	/* the hash spreads hosts over every worker */
	for (e = 0; e < 4; e++)
		ck_assert_uint_gt(hits[e], 20);
}
END_TEST

/* GRE version 1 is by address only when the ALG is off: worker 0's. */
START_TEST(steer_gre_alg_off)
{
	uint8_t g[8] = { 0x20, 0x01, 0x88, 0x0b, 0, 0, 0x12, 0x34 };
	size_t len;
	char b[32];

	workers_new(3);
	len = pb_ipv4(pb_data(&in), &(struct pb_ip){ .src = host_of(b, 2),
		      .dst = SRV, .proto = IPPROTO_GRE }, g, sizeof(g));
	ck_assert_uint_eq(steer_in(len, DIR_OUT), 0);
	len = pb_ipv4(pb_data(&in), &(struct pb_ip){ .src = SRV, .dst = PUB,
		      .proto = IPPROTO_GRE }, g, sizeof(g));
	ck_assert_uint_eq(steer_in(len, DIR_IN), 0);
}
END_TEST

/* From outside: TCP and UDP by the owner of the destination port, ICMP
 * queries by the owner of the identifier, ICMP errors by the owner of
 * the port the quoted packet left from. */
START_TEST(steer_outside)
{
	uint8_t quote[64];
	unsigned e;
	char b[32];

	cfg.filtering[NAT_L4_UDP] = NAT_FILTER_EI;
	workers_new(3);
	for (e = 0; e < 3; e++) {
		const char *src = host_of(b, e);
		uint16_t tport, uport, id;
		size_t len, ql;

		len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = src,
			     .dst = SRV }, (uint16_t)(3000 + e), 80, TCP_SYN,
			     1, 0, NULL, 0);
		ck_assert_int_eq(run_on(e, len, DIR_OUT, 0), VERDICT_FORWARD);
		tport = out_sport();
		len = udp_pkt(src, (uint16_t)(3000 + e), SRV, 53);
		ck_assert_int_eq(run_on(e, len, DIR_OUT, 0), VERDICT_FORWARD);
		uport = out_sport();
		/* the quote of what left, for an error about it */
		ql = p.len < sizeof(quote) ? p.len : sizeof(quote);
		memcpy(quote, p.data, ql);
		len = pb_icmp_query(pb_data(&in), (struct pb_ip){ .src = src,
				    .dst = SRV }, 8, (uint16_t)(500 + e), 1,
				    NULL, 0);
		ck_assert_int_eq(run_on(e, len, DIR_OUT, 0), VERDICT_FORWARD);
		id = out_icmp_id();

		len = pb_tcp(pb_data(&in), (struct pb_ip){ .src = SRV,
			     .dst = PUB }, 80, tport, TCP_SYN | TCP_ACK, 1, 2,
			     NULL, 0);
		ck_assert_uint_eq(steer_in(len, DIR_IN), e);
		len = udp_pkt(SRV, 53, PUB, uport);
		ck_assert_uint_eq(steer_in(len, DIR_IN), e);
		ck_assert_int_eq(run_on(e, len, DIR_IN, 1), VERDICT_FORWARD);
		len = pb_icmp_query(pb_data(&in), (struct pb_ip){ .src = SRV,
				    .dst = PUB }, 0, id, 1, NULL, 0);
		ck_assert_uint_eq(steer_in(len, DIR_IN), e);
		len = pb_icmp_error(pb_data(&in), (struct pb_ip){
				    .src = WANRTR, .dst = PUB }, 3, 3, 0,
				    quote, ql);
		ck_assert_uint_eq(steer_in(len, DIR_IN), e);
		ck_assert_int_eq(run_on(e, len, DIR_IN, 1), VERDICT_FORWARD);
	}
	/* a port nobody holds: some worker, the same every time */
	{
		size_t len = udp_pkt(SRV, 53, PUB, 9);
		unsigned a = steer_in(len, DIR_IN);

		ck_assert_uint_lt(a, 3);
		ck_assert_uint_eq(steer_in(len, DIR_IN), a);
	}
}
END_TEST

/* An ICMP error from inside goes to the worker of the host it is from,
 * which is the destination of the packet it quotes. */
START_TEST(steer_inside_error)
{
	uint8_t quote[28];
	size_t len;
	char b[32];

	workers_new(4);
	host_of(b, 3);
	len = udp_pkt(SRV, 53, b, 4000);
	memcpy(quote, pb_data(&in), sizeof(quote));
	len = pb_icmp_error(pb_data(&in), (struct pb_ip){ .src = b,
			    .dst = SRV }, 3, 3, 0, quote, sizeof(quote));
	ck_assert_uint_eq(steer_in(len, DIR_OUT), 3);
}
END_TEST

/* Fragments: from inside, later ones follow their source like the first;
 * from outside, all later fragments of a datagram meet at one home. */
START_TEST(steer_fragments)
{
	uint8_t whole[PKT_BUF_SIZE], big[600];
	unsigned e, homes[W_MAX] = { 0 };
	uint16_t id;
	size_t wl, len;
	char b[32];

	memset(big, 'x', sizeof(big));
	workers_new(4);
	for (e = 0; e < 4; e++) {
		wl = pb_udp(whole, (struct pb_ip){ .src = host_of(b, e),
			    .dst = SRV, .id = 99 }, 5000, 53, big,
			    sizeof(big));
		len = pb_fragment(pb_data(&in), whole, 0, 256, true);
		ck_assert_uint_eq(steer_in(len, DIR_OUT), e);
		len = pb_fragment(pb_data(&in), whole, 256, 256, true);
		ck_assert_uint_eq(steer_in(len, DIR_OUT), e);
		(void)wl;
	}
	for (id = 1; id < 400; id++) {
		unsigned h;

		wl = pb_udp(whole, (struct pb_ip){ .src = SRV, .dst = PUB,
			    .id = id }, 53, 5000, big, sizeof(big));
		len = pb_fragment(pb_data(&in), whole, 256, 256, true);
		h = steer_in(len, DIR_IN);
		ck_assert_uint_eq(h, nat_steer_frag_home(sh, pb_addr(SRV),
							 pb_addr(PUB), 17,
							 htons(id)));
		len = pb_fragment(pb_data(&in), whole, 512,
				  wl - 20 - 8 - 512 + 8, false);
		ck_assert_uint_eq(steer_in(len, DIR_IN), h);
		homes[h]++;
	}
	for (e = 0; e < 4; e++)
		ck_assert_uint_gt(homes[e], 40);
}
END_TEST

/*
 * A flow from one worker's host to another worker's host through a public
 * address: the first engine translates it out and hands it off, the
 * owner of the destination port translates it in; the reply crosses back
 * the same way.
 */
START_TEST(hairpin_across_workers)
{
	char a[32], bb[32];
	uint16_t bport, aport;
	enum verdict v;
	unsigned to;
	size_t len;

	cfg.filtering[NAT_L4_UDP] = NAT_FILTER_EI;
	workers_new(2);
	host_of(a, 0);
	host_of(bb, 1);
	/* B's mapping, on worker 1 */
	len = udp_pkt(bb, 5000, SRV, 53);
	ck_assert_int_eq(run_on(1, len, DIR_OUT, 0), VERDICT_FORWARD);
	bport = out_sport();
	/* A to B's public endpoint */
	len = udp_pkt(a, 6000, PUB, bport);
	ck_assert_uint_eq(steer_in(len, DIR_OUT), 0);
	v = run_on(0, len, DIR_OUT, 1);
	ck_assert_int_eq(v, VERDICT_HANDOFF);
	aport = out_sport();
	to = nat_steer(sh, p.data, p.len, DIR_IN);
	ck_assert_uint_eq(to, 1);
	v = nat_hairpin(w[to], &p, 1);
	ck_assert_int_eq(v, VERDICT_BACK);
	len = pb_udp(pb_data(&want), (struct pb_ip){ .src = PUB, .dst = bb,
		     .ttl = 63 }, aport, 5000, payload, sizeof(payload));
	expect_packet(len);
	/* B answers A's public endpoint: back through worker 0 */
	len = udp_pkt(bb, 5000, PUB, aport);
	ck_assert_uint_eq(steer_in(len, DIR_OUT), 1);
	ck_assert_int_eq(run_on(1, len, DIR_OUT, 2), VERDICT_HANDOFF);
	ck_assert_uint_eq(nat_steer(sh, p.data, p.len, DIR_IN), 0);
	ck_assert_int_eq(nat_hairpin(w[0], &p, 2), VERDICT_BACK);
	len = pb_udp(pb_data(&want), (struct pb_ip){ .src = PUB, .dst = a,
		     .ttl = 63 }, bport, 6000, payload, sizeof(payload));
	expect_packet(len);
}
END_TEST

/* A later fragment from outside waits at its home until the worker that
 * translated the first tells the home how (nat_frag_follow()). */
START_TEST(fragment_home_follows)
{
	uint8_t whole[PKT_BUF_SIZE], big[600];
	unsigned owner, home = 0;
	uint16_t pport, id;
	size_t wl, len;
	struct pkt q;
	char b[32];

	memset(big, 'y', sizeof(big));
	cfg.filtering[NAT_L4_UDP] = NAT_FILTER_EI;
	workers_new(3);
	host_of(b, 2);
	len = udp_pkt(b, 7000, SRV, 53);
	ck_assert_int_eq(run_on(2, len, DIR_OUT, 0), VERDICT_FORWARD);
	pport = out_sport();
	owner = 2;
	for (id = 1; id < 1000; id++) {
		home = nat_steer_frag_home(sh, pb_addr(SRV), pb_addr(PUB), 17,
					   htons(id));
		if (home != owner)
			break;
	}
	wl = pb_udp(whole, (struct pb_ip){ .src = SRV, .dst = PUB, .id = id },
		    53, pport, big, sizeof(big));
	/* the later fragment first: held at its home */
	len = pb_fragment(pb_data(&in), whole, 304, wl - 20 - 304, false);
	ck_assert_uint_eq(steer_in(len, DIR_IN), home);
	expect_drop(run_on(home, len, DIR_IN, 1), DROP_NONE);
	/* the first at the owner of the port */
	len = pb_fragment(pb_data(&in), whole, 0, 304, true);
	ck_assert_uint_eq(steer_in(len, DIR_IN), owner);
	ck_assert_int_eq(run_on(owner, len, DIR_IN, 1), VERDICT_FORWARD);
	ck_assert_uint_eq(ipv4_hdr(&p)->daddr, pb_addr(b));
	/* the owner's news reaches the home: the held one goes */
	nat_frag_follow(w[home], pb_addr(SRV), pb_addr(PUB), 17, htons(id),
			pb_addr(b), 2);
	ck_assert_int_eq(nat_pending(w[home], &q), VERDICT_FORWARD);
	ck_assert_uint_eq(ipv4_hdr(&q)->daddr, pb_addr(b));
	ck_assert(pb_ip_csum_ok(q.data));
	ck_assert_int_eq(nat_pending(w[home], &q), VERDICT_DROP);
	/* and a later fragment after the news goes at once */
	len = pb_fragment(pb_data(&in), whole, 304, wl - 20 - 304, false);
	ck_assert_int_eq(run_on(home, len, DIR_IN, 3), VERDICT_FORWARD);
	ck_assert_uint_eq(ipv4_hdr(&p)->daddr, pb_addr(b));
}
END_TEST

/* IP IDs of fragmented datagrams leaving for the outside: each worker
 * gives only IDs congruent to its index, so two never collide. */
START_TEST(fragment_ids_disjoint)
{
	uint8_t whole[PKT_BUF_SIZE], big[600];
	unsigned e;
	size_t len;
	char b[32];

	memset(big, 'z', sizeof(big));
	workers_new(3);
	for (e = 0; e < 3; e++) {
		uint16_t id = (uint16_t)(3 * 100 + (e + 1) % 3);

		pb_udp(whole, (struct pb_ip){ .src = host_of(b, e),
		       .dst = SRV, .id = id }, 5000, 53, big, sizeof(big));
		len = pb_fragment(pb_data(&in), whole, 0, 256, true);
		ck_assert_int_eq(run_on(e, len, DIR_OUT, 0), VERDICT_FORWARD);
		ck_assert_uint_eq(ntohs(ipv4_hdr(&p)->id) % 3, e);
	}
}
END_TEST

/*
 * What io/steer.c's BPF program reads: with the owner arrays moved into
 * memory of the caller's (nat_shared_owner_mem()), a port a worker takes
 * shows as that worker + 1 at slot * NAT_OWN_BYTES + space * 65536 +
 * port, and nat_steer() still reads them from there; slot 0's address
 * is the pool's; the hash of a host is the multiply-shift the program
 * repeats from nat_shared_steer_key().
 */
START_TEST(owner_memory_layout)
{
	static uint8_t mem[2 * NAT_OWN_BYTES];
	uint64_t key[2], h;
	size_t len, off;
	uint16_t port;
	uint32_t a;
	char b[32];

	workers_new(3);
	ck_assert_int_eq(nat_shared_owner_mem(sh, mem, 2), 0);
	ck_assert_int_eq(nat_shared_owner_mem(sh, mem, 2), -EINVAL);
	ck_assert_uint_eq(nat_shared_slot_addr(sh, 0), pb_addr(PUB));
	ck_assert_uint_eq(nat_shared_slot_addr(sh, 1), 0);
	len = udp_pkt(host_of(b, 2), 41000, SRV, 53);
	ck_assert_int_eq(run_on(2, len, DIR_OUT, 0), VERDICT_FORWARD);
	port = out_sport();
	off = (size_t)NAT_OWN_UDP * 65536 + port;
	ck_assert_uint_eq(mem[off], 3);
	ck_assert_uint_eq(mem[(size_t)NAT_OWN_TCP * 65536 + port], 0);
	len = udp_pkt(SRV, 53, PUB, port);
	ck_assert_uint_eq(steer_in(len, DIR_IN), 2);
	mem[off] = 1;		/* the reader follows the memory */
	ck_assert_uint_eq(steer_in(len, DIR_IN), 0);
	mem[off] = 3;

	nat_shared_steer_key(sh, key);
	a = pb_addr(b);
	h = ((uint64_t)a ^ key[0]) * 0x9e3779b97f4a7c15ULL;
	h ^= h >> 29;
	h *= key[1] | 1;
	ck_assert_uint_eq(((h >> 32) * 3) >> 32, 2);
	ck_assert_uint_eq(nat_steer_host(sh, a), 2);
}
END_TEST

/* A reload's forward on a public port that another worker's mapping
 * holds is refused by the forward's worker, as one engine refuses one on
 * a port its own mapping holds; a port that only rests is taken. */
START_TEST(forward_on_other_workers_port)
{
	struct nat_forward fw = { .proto = IPPROTO_UDP, .pub_addr = pb_addr(PUB),
				  .pub_lo = 700, .pub_hi = 700, .in_lo = 700 };
	char b[32], err[256];
	struct nat_config c;
	size_t len;

	workers_new(2);
	len = udp_pkt(host_of(b, 0), 700, SRV, 53);
	ck_assert_int_eq(run_on(0, len, DIR_OUT, 0), VERDICT_FORWARD);
	ck_assert_uint_eq(out_sport(), 700);
	fw.in_addr = pb_addr(host_of(b, 1));
	c = cfg;
	c.shared = sh;
	c.worker = 1;
	c.forwards = &fw;
	c.nforwards = 1;
	ck_assert_int_ne(nat_reconfigure(w[1], &c, 1, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "held by a mapping of worker 0"));
	/* worker 0's session ends, its port rests: now the forward goes */
	nat_expire(w[0], 400 * S, 100);
	ck_assert_int_eq(nat_reconfigure(w[1], &c, 400 * S, err, sizeof(err)),
			 0);
}
END_TEST

static Suite *steer_suite(void)
{
	Suite *s = suite_create("steer");
	TCase *tc = tcase_create("port_share");

	tcase_add_checked_fixture(tc, steer_setup, steer_teardown);
	tcase_add_loop_test(tc, port_share_disjoint, 0, 3 * W_MAX);
	tcase_add_test(tc, port_preserved_any_worker);
	tcase_add_test(tc, one_worker_all_zero);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("steering");
	tcase_add_checked_fixture(tc, steer_setup, steer_teardown);
	tcase_add_test(tc, steer_inside);
	tcase_add_test(tc, steer_gre_alg_off);
	tcase_add_test(tc, steer_outside);
	tcase_add_test(tc, steer_inside_error);
	tcase_add_test(tc, steer_fragments);
	tcase_add_test(tc, owner_memory_layout);
	suite_add_tcase(s, tc);

	tc = tcase_create("across_workers");
	tcase_add_checked_fixture(tc, steer_setup, steer_teardown);
	tcase_add_test(tc, hairpin_across_workers);
	tcase_add_test(tc, forward_on_other_workers_port);
	tcase_add_test(tc, fragment_home_follows);
	tcase_add_test(tc, fragment_ids_disjoint);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return nattest_run(steer_suite());
}
