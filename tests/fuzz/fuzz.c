/* SPDX-License-Identifier: MIT */
/* fuzz.c - the engine harnesses' driver: configurations, a fake clock, a
 * packet builder, and the invariants checked after every call (fuzz.h)
 *
 * It reads the engine's internals (nat_int.h) only to check them: the
 * session table, the counts per host and per call, the port pools.  What
 * it checks packets with is its own code and pktbuild.c's sums.
 */

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "nat/nat_int.h"
#include "net/icmp.h"
#include "../unit/pktbuild.h"

/* ---- the input ---------------------------------------------------------- */

uint8_t fin_u8(struct fin *in)
{
	uint8_t b;

	if (!in->n)
		return 0;
	b = *in->p++;
	in->n--;
	return b;
}

uint16_t fin_u16(struct fin *in)
{
	uint16_t hi = fin_u8(in);

	return (uint16_t)(hi << 8 | fin_u8(in));
}

uint32_t fin_u32(struct fin *in)
{
	uint32_t hi = fin_u16(in);

	return hi << 16 | fin_u16(in);
}

size_t fin_bytes(struct fin *in, uint8_t *out, size_t max)
{
	size_t k = in->n < max ? in->n : max;

	memcpy(out, in->p, k);
	in->p += k;
	in->n -= k;
	return k;
}

void fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz: invariant broken: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* ---- the world ------------------------------------------------------------ */

static const char *const addr_text[FZ_WHERE_N][6] = {
	[FZ_IN] = { "10.0.0.2", "10.0.0.3", "10.0.0.50", "10.0.0.51",
		    "192.168.1.10", "172.16.0.9" },
	[FZ_REM] = { "198.51.100.7", "198.51.100.8", "192.0.2.9",
		     "100.64.0.1" },
	[FZ_PUB] = { "203.0.113.1", "203.0.113.2", "203.0.113.3" },
	[FZ_ODD] = { "192.0.0.8", "127.0.0.1", "224.0.0.1",
		     "255.255.255.255", "0.0.0.0", "192.0.2.254" },
};

static uint32_t addrs[FZ_WHERE_N][6];
static unsigned naddrs[FZ_WHERE_N];

static void addrs_init(void)
{
	unsigned w, i;

	for (w = 0; w < FZ_WHERE_N; w++)
		for (i = 0; i < 6 && addr_text[w][i]; i++) {
			addrs[w][i] = pb_addr(addr_text[w][i]);
			naddrs[w] = i + 1;
		}
}

uint32_t fz_addr(enum fz_where w, unsigned i)
{
	return addrs[w][i % naddrs[w]];
}

uint16_t fz_port(unsigned i)
{
	static const uint16_t ports[] = {
		1723, 80, 8080, 53, 5000, 5001, 5003, 6000, 1024, 1087,
		60000, 40000, 12345, 1, 65535, 1025,
	};

	return ports[i % (sizeof(ports) / sizeof(ports[0]))];
}

/* ---- packets -------------------------------------------------------------- */

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static unsigned ihl_of(const uint8_t *b)
{
	return (b[0] & 0x0f) * 4u;
}

/* Offset of the transport checksum field, or 0 if there is none. */
static unsigned csum_field(uint8_t proto)
{
	return proto == IPPROTO_TCP ? 16 : proto == IPPROTO_UDP ? 6 :
	       proto == IPPROTO_ICMP ? 2 : 0;
}

/* Unfolded sum of the pseudo-header of @b for @l4 transport bytes. */
static uint32_t pseudo_sum(const uint8_t *b, size_t l4)
{
	return pb_sum(pb_sum(0, b + 12, 8), (const uint8_t[]){
		0, b[9], (uint8_t)(l4 >> 8), (uint8_t)l4 }, 4);
}

uint16_t fz_pseudo(const uint8_t *b, size_t len)
{
	unsigned hl = ihl_of(b);

	return (uint16_t)pseudo_sum(b, len - hl);
}

void fz_fix(uint8_t *b, size_t len, bool l4)
{
	unsigned hl, off;
	uint16_t fo;

	if (len < 20 || (b[0] >> 4) != 4 || ihl_of(b) < 20 || ihl_of(b) > len)
		return;
	hl = ihl_of(b);
	put16(b + 2, (uint16_t)len);
	put16(b + 10, 0);
	put16(b + 10, (uint16_t)~pb_sum(0, b, hl));
	fo = get16(b + 6);
	off = csum_field(b[9]);
	if (!l4 || (fo & 0x3fff) || !off || len < hl + off + 2)
		return;
	put16(b + hl + off, 0);
	if (b[9] == IPPROTO_ICMP)
		put16(b + hl + off, (uint16_t)~pb_sum(0, b + hl, len - hl));
	else
		put16(b + hl + off, (uint16_t)~pb_sum(pseudo_sum(b, len - hl),
						      b + hl, len - hl));
	if (b[9] == IPPROTO_UDP && !get16(b + hl + off))
		put16(b + hl + off, 0xffff);
}

size_t fz_build(uint8_t *out, const struct fz_pkt *d)
{
	unsigned hl = 20 + 4 * (d->opt_words > 10 ? 10 : d->opt_words);
	uint8_t *l4 = out + hl;
	size_t n = d->len, l4len = 0, tot;
	unsigned off;

	memset(out, 0, hl);
	memset(out + 20, 1, hl - 20);		/* NOP options */
	if (d->srr && hl >= 28) {
		out[20] = 131;			/* a loose source route */
		out[21] = 7;
		out[22] = 4;
		memcpy(out + 23, &d->dst, 4);
	}
	switch (d->proto) {
	case IPPROTO_TCP: {
		unsigned ol = (d->tcp_opt_len + 3) & ~3u, doff;

		if (ol > sizeof(d->tcp_opt))
			ol = sizeof(d->tcp_opt);
		doff = 20 + ol;
		memset(l4, 0, doff);
		put16(l4, d->sport);
		put16(l4 + 2, d->dport);
		put16(l4 + 4, (uint16_t)(d->seq >> 16));
		put16(l4 + 6, (uint16_t)d->seq);
		put16(l4 + 8, (uint16_t)(d->ack >> 16));
		put16(l4 + 10, (uint16_t)d->ack);
		l4[12] = (uint8_t)(doff / 4 << 4);
		l4[13] = d->tcp_flags;
		put16(l4 + 14, 64240);
		memcpy(l4 + 20, d->tcp_opt, d->tcp_opt_len < ol ?
		       d->tcp_opt_len : ol);
		l4len = doff;
		break;
	}
	case IPPROTO_UDP:
		put16(l4, d->sport);
		put16(l4 + 2, d->dport);
		put16(l4 + 4, (uint16_t)(8 + n));
		put16(l4 + 6, 0);
		l4len = 8;
		break;
	case IPPROTO_ICMP:
		l4[0] = d->icmp_type;
		l4[1] = d->icmp_code;
		put16(l4 + 2, 0);
		put16(l4 + 4, d->sport);
		put16(l4 + 6, d->dport);
		l4len = 8;
		break;
	case IPPROTO_GRE: {
		uint16_t f = d->gre_flags;

		put16(l4, f);
		put16(l4 + 2, (f & 7) == 1 ? 0x880b : 0x0800);
		l4len = 4;
		if ((f & 7) == 1) {
			/* the key: payload length and the Call ID */
			put16(l4 + 4, (uint16_t)n);
			put16(l4 + 6, (uint16_t)d->key);
			l4len = 8;
			if (f & 0x1000) {
				put16(l4 + l4len, (uint16_t)(d->seq >> 16));
				put16(l4 + l4len + 2, (uint16_t)d->seq);
				l4len += 4;
			}
			if (f & 0x0080) {
				put16(l4 + l4len, (uint16_t)(d->ack >> 16));
				put16(l4 + l4len + 2, (uint16_t)d->ack);
				l4len += 4;
			}
		} else {
			if (f & 0x8000) {
				memset(l4 + l4len, 0, 4);
				l4len += 4;
			}
			if (f & 0x2000) {
				put16(l4 + l4len, (uint16_t)(d->key >> 16));
				put16(l4 + l4len + 2, (uint16_t)d->key);
				l4len += 4;
			}
			if (f & 0x1000) {
				put16(l4 + l4len, (uint16_t)(d->seq >> 16));
				put16(l4 + l4len + 2, (uint16_t)d->seq);
				l4len += 4;
			}
		}
		break;
	}
	default:
		break;
	}
	if (hl + l4len + n > PKT_DATA_MAX)
		n = PKT_DATA_MAX - hl - l4len;
	if (n && d->payload)
		memcpy(l4 + l4len, d->payload, n);
	else if (n)
		memset(l4 + l4len, 0x5a, n);
	l4len += n;
	if (d->proto == IPPROTO_UDP)
		put16(l4 + 4, (uint16_t)l4len);
	tot = hl + l4len;
	out[0] = (uint8_t)(0x40 | hl / 4);
	out[1] = d->tos;
	put16(out + 4, d->id);
	put16(out + 6, d->frag_off);
	out[8] = d->ttl ? d->ttl : 64;
	out[9] = d->proto;
	memcpy(out + 12, &d->src, 4);
	memcpy(out + 16, &d->dst, 4);
	fz_fix(out, tot, false);
	off = csum_field(d->proto);
	if (off && !(d->frag_off & 0x3fff)) {
		if (d->proto == IPPROTO_UDP && d->udp_no_csum)
			;
		else if (d->proto == IPPROTO_ICMP)
			put16(l4 + off, (uint16_t)~pb_sum(0, l4, l4len));
		else
			fz_fix(out, tot, true);
		if (d->bad_l4_csum)
			l4[off] ^= 0x40;
	}
	if (d->proto == IPPROTO_GRE && (d->gre_flags & 0x8007) == 0x8000)
		put16(l4 + 4, (uint16_t)~pb_sum(0, l4, l4len));
	return tot;
}

/* ---- configurations -------------------------------------------------------- */

#define S	1000u

static struct nat_config cfgs[FZ_CONFIGS];

static uint32_t pool_a[1], pool_ab[2], pool_ac[2], pool_c[1];
static struct nat_prefix exempt_b[1], inside_c[1], from_b[1];
static struct nat_forward fwd_b[5], fwd_d[1];

static void on_event(void *arg, const struct nat_event *ev);

static void configs_init(void)
{
	const uint32_t a = fz_addr(FZ_PUB, 0), b = fz_addr(FZ_PUB, 1),
		       c = fz_addr(FZ_PUB, 2), srv = fz_addr(FZ_IN, 2);
	const struct nat_alg_config pptp = {
		.enabled = true, .ports = { 1723 }, .nports = 1,
		.max_connections = 4, .max_calls_per_connection = 4,
		.max_calls_per_host = 6, .max_calls_per_server = 8,
	};
	const struct nat_config base = {
		.port_lo = 1, .port_hi = 65535, .max_sessions = 64,
		.tcp_est_ms = 7440 * S, .tcp_open_ms = 240 * S,
		.tcp_close_ms = 240 * S,
		.udp_ms = 300 * S, .icmp_ms = 60 * S, .gre_ms = 300 * S,
		.other_ms = 600 * S,
		.router_addr = fz_addr(FZ_ODD, 0),
		.icmp_errors_per_s = 1000,
		.seed = { 1, 2, 3, 4 },
		.alg[NAT_ALG_PPTP] = pptp,
		.event = on_event,
		.mtu_inside = 1500, .mtu_outside = 1500,
	};
	struct nat_config *k;

	pool_a[0] = a;
	pool_ab[0] = a;
	pool_ab[1] = b;
	pool_ac[0] = a;
	pool_ac[1] = c;
	pool_c[0] = c;
	exempt_b[0] = (struct nat_prefix){ pb_addr("192.0.2.0"), 24 };
	inside_c[0] = (struct nat_prefix){ pb_addr("10.0.0.0"), 8 };
	from_b[0] = (struct nat_prefix){ pb_addr("198.51.100.0"), 24 };
	fwd_b[0] = (struct nat_forward){ .proto = IPPROTO_TCP, .pub_addr = a,
		.in_addr = srv, .pub_lo = 8080, .pub_hi = 8080, .in_lo = 80,
		.from = from_b, .nfrom = 1 };
	fwd_b[1] = (struct nat_forward){ .proto = IPPROTO_UDP, .pub_addr = b,
		.in_addr = srv, .pub_lo = 5000, .pub_hi = 5003,
		.in_lo = 6000 };
	fwd_b[2] = (struct nat_forward){ .proto = 50, .pub_addr = a,
		.in_addr = srv };
	fwd_b[3] = (struct nat_forward){ .proto = IPPROTO_GRE,
		.pub_addr = b, .in_addr = fz_addr(FZ_IN, 3) };
	fwd_b[4] = (struct nat_forward){ .proto = IPPROTO_TCP, .pub_addr = a,
		.in_addr = srv, .pub_lo = 1723, .pub_hi = 1723,
		.in_lo = 1723 };
	fwd_d[0] = (struct nat_forward){ .proto = IPPROTO_UDP, .pub_addr = c,
		.in_addr = fz_addr(FZ_IN, 0), .pub_lo = 53, .pub_hi = 53,
		.in_lo = 53 };

	/* 0: plain, endpoint-independent, PPTP on */
	k = &cfgs[0];
	*k = base;
	k->addrs = pool_a;
	k->naddrs = 1;

	/* 1: strict and small: two addresses, 64 ports, per-host limit,
	 * hold-down, short timers, forwards, exemptions, small MTUs */
	k = &cfgs[1];
	*k = base;
	k->addrs = pool_ab;
	k->naddrs = 2;
	k->port_lo = 1024;
	k->port_hi = 1087;
	k->filtering[NAT_L4_TCP] = NAT_FILTER_APD;
	k->filtering[NAT_L4_UDP] = NAT_FILTER_APD;
	k->filtering[NAT_L4_ICMP] = NAT_FILTER_APD;
	k->max_sessions_per_host = 6;
	k->holddown_ms = 3 * S;
	k->port_parity = true;
	k->syn_reject = true;
	k->icmp_on_failure = true;
	k->inbound_refresh = true;
	k->tcp_est_ms = 20 * S;
	k->tcp_open_ms = 4 * S;
	k->tcp_close_ms = 3 * S;
	k->udp_ms = 3 * S;
	k->icmp_ms = 2 * S;
	k->gre_ms = 5 * S;
	k->other_ms = 4 * S;
	k->mss_clamp = 1200;
	k->exempt = exempt_b;
	k->nexempt = 1;
	k->forwards = fwd_b;
	k->nforwards = 5;
	k->mtu_inside = 576;
	k->mtu_outside = 1280;
	k->log_mappings = true;
	k->alg[NAT_ALG_PPTP].max_calls_per_host = 3;
	k->alg[NAT_ALG_PPTP].max_calls_per_server = 3;
	k->icmp_errors_per_s = 2;

	/* 2: address-dependent, inside prefixes, PPTP off, tiny MTU out */
	k = &cfgs[2];
	*k = base;
	k->addrs = pool_ac;
	k->naddrs = 2;
	k->filtering[NAT_L4_TCP] = NAT_FILTER_AD;
	k->filtering[NAT_L4_UDP] = NAT_FILTER_AD;
	k->inside_prefixes = inside_c;
	k->ninside_prefixes = 1;
	k->alg[NAT_ALG_PPTP] = (struct nat_alg_config){ 0 };
	k->mtu_outside = 68;
	k->udp_ms = 120 * S;
	k->seed[0] = 99;

	/* 3: four ports, mixed filtering, PPTP on with other limits */
	k = &cfgs[3];
	*k = base;
	k->addrs = pool_c;
	k->naddrs = 1;
	k->port_lo = 60000;
	k->port_hi = 60003;
	k->filtering[NAT_L4_TCP] = NAT_FILTER_APD;
	k->filtering[NAT_L4_UDP] = NAT_FILTER_AD;
	k->holddown_ms = 1 * S;
	k->max_sessions_per_host = 2;
	k->forwards = fwd_d;
	k->nforwards = 1;
	k->mtu_inside = 68;
	k->mtu_outside = 576;
	k->alg[NAT_ALG_PPTP].max_connections = 2;
	k->alg[NAT_ALG_PPTP].max_calls_per_connection = 6;

	/* 4, 5: a table of four sessions */
	k = &cfgs[4];
	*k = base;
	k->addrs = pool_a;
	k->naddrs = 1;
	k->max_sessions = 4;
	k->max_sessions_per_host = 2;
	k->alg[NAT_ALG_PPTP].max_connections = 1;
	k->alg[NAT_ALG_PPTP].max_calls_per_connection = 2;
	k->alg[NAT_ALG_PPTP].max_calls_per_host = 2;
	k->alg[NAT_ALG_PPTP].max_calls_per_server = 2;
	k->mtu_inside = 296;
	k->mtu_outside = 296;
	k->udp_ms = 2 * S;
	k->tcp_open_ms = 2 * S;
	k->tcp_close_ms = 1 * S;

	k = &cfgs[5];
	*k = cfgs[4];
	k->filtering[NAT_L4_UDP] = NAT_FILTER_APD;
	k->alg[NAT_ALG_PPTP] = (struct nat_alg_config){ 0 };
	k->icmp_on_failure = true;
	k->holddown_ms = S / 2;
	k->addrs = pool_ab;
	k->naddrs = 2;

	/* 6: another table size: a reload to or from it is refused */
	k = &cfgs[6];
	*k = base;
	k->addrs = pool_ab;
	k->naddrs = 2;
	k->max_sessions = 16;
	k->inbound_refresh = true;
	k->filtering[NAT_L4_UDP] = NAT_FILTER_AD;
}

/* ---- the driver's state ------------------------------------------------------ */

#define SNAP_MAX	4096
#define SWEEP_MS	(5 * 60 * S)

/* A copy of the counts of an addr_counts table. */
struct snap {
	uint32_t addr[SNAP_MAX];
	uint32_t n[SNAP_MAX];
	unsigned cnt;
};

static struct {
	struct nat *n;
	unsigned cfg;
	uint32_t mtu[2];		/* [to_inside] */
	uint64_t now, swept;
	struct snap hosts, calls_host, calls_server;
	uint32_t conns;			/* PPTP connections tracked */
	uint8_t *buf;			/* the packet being translated */
	uint8_t last[2][PKT_DATA_MAX];	/* [to_inside] */
	size_t last_len[2];
	struct fz_result res;
	bool in_event;
} d;

static bool ready, trace;

static void init_once(void)
{
	if (ready)
		return;
	trace = getenv("FUZZ_TRACE");
	addrs_init();
	configs_init();
	ready = true;
}

const struct nat_config *fz_config(void)
{
	return &cfgs[d.cfg];
}

struct nat *fz_engine(void)
{
	return d.n;
}

uint64_t fz_now(void)
{
	return d.now;
}

/* A public address of the engine: in its pool now, or once (its
 * sessions live on). */
static bool is_pub(uint32_t a)
{
	return nat_pool_index(d.n, a) >= 0;
}

static void (*event_hook)(const struct nat_event *ev);

void fz_on_event(void (*fn)(const struct nat_event *ev))
{
	event_hook = fn;
}

static void on_event(void *arg, const struct nat_event *ev)
{
	(void)arg;
	if (event_hook)
		event_hook(ev);
	switch (ev->type) {
	case NAT_EV_MAPPING_UP:
	case NAT_EV_MAPPING_DOWN:
	case NAT_EV_SESSION_UP:
	case NAT_EV_SESSION_DOWN:
		if (!is_pub(ev->pub_addr) || is_pub(ev->in_addr))
			fuzz_fail("event %d: public %08x, inside %08x",
				  ev->type, ntohl(ev->pub_addr),
				  ntohl(ev->in_addr));
		break;
	case NAT_EV_CALL_UP:
	case NAT_EV_CALL_DOWN:
	case NAT_EV_CALL_REFUSED:
	case NAT_EV_ALG_RESET:
	case NAT_EV_SERVER_REFUSED:
		if (!ev->alg || strcmp(ev->alg, "pptp") ||
		    !is_pub(ev->pub_addr) ||
		    (ev->type != NAT_EV_CALL_UP && !ev->reason))
			fuzz_fail("ALG event %d is malformed", ev->type);
		break;
	}
}

/* ---- packets sent ------------------------------------------------------------ */

/**
 * struct in_info - the packet given to the engine, as read here
 * @valid:	its IPv4 header verifies
 * @whole:	not a fragment
 * @partial:	its transport checksum is left to offload
 * @l4_ok:	its transport checksum verifies (in the partial form if
 *		@partial); false when it has none
 * @udp_csum:	UDP with a checksum
 */
struct in_info {
	bool valid, whole, partial, l4_ok, udp_csum;
	size_t len;
	uint8_t ttl, proto;
	const uint8_t *data;
};

/* A whole packet's transport checksum: 1 good, 0 bad, -1 none to check. */
static int l4_full(const uint8_t *b, size_t len)
{
	unsigned hl = ihl_of(b), off = csum_field(b[9]);

	if (!off)
		return -1;
	if (len < hl + off + 2)
		return 0;
	return pb_l4_csum_ok(b, len);
}

/* The same for a partial checksum: the pseudo-header sum (TCP, UDP), or
 * 0 (ICMP, which has no pseudo-header). */
static int l4_partial(const uint8_t *b, size_t len)
{
	unsigned hl = ihl_of(b), off = csum_field(b[9]);

	if (!off)
		return -1;
	if (len < hl + off + 2)
		return 0;
	if (b[9] == IPPROTO_ICMP)
		return !get16(b + hl + off);
	return get16(b + hl + off) == fz_pseudo(b, len);
}

/* Does IPv4 header @b of @len bytes verify, total length <= @len? */
static bool ip_ok(const uint8_t *b, size_t len)
{
	unsigned hl;

	if (len < 20 || (b[0] >> 4) != 4)
		return false;
	hl = ihl_of(b);
	return hl >= 20 && hl <= len && get16(b + 2) >= hl &&
	       get16(b + 2) <= len && pb_ip_csum_ok(b);
}

static void in_read(struct in_info *in, const uint8_t *b, size_t len,
		    const struct pkt_vnet *vnet)
{
	*in = (struct in_info){ .data = b };
	in->valid = ip_ok(b, len);
	if (!in->valid)
		return;
	in->len = get16(b + 2);
	in->whole = !(get16(b + 6) & 0x3fff);
	in->ttl = b[8];
	in->proto = b[9];
	in->partial = vnet && vnet->flags & VNET_NEEDS_CSUM;
	if (in->whole)
		in->l4_ok = (in->partial ? l4_partial(b, in->len)
					 : l4_full(b, in->len)) == 1;
	in->udp_csum = in->proto == IPPROTO_UDP &&
		       in->len >= ihl_of(b) + 8 &&
		       get16(b + ihl_of(b) + 6);
}

static bool exempt_dst(uint32_t dst)
{
	const struct nat_config *c = fz_config();
	unsigned i;

	for (i = 0; i < c->nexempt; i++) {
		uint32_t mask = c->exempt[i].len ?
				~0u << (32 - c->exempt[i].len) : 0;

		if ((ntohl(dst) & mask) == ntohl(c->exempt[i].addr))
			return true;
	}
	return false;
}

/* What one superpacket segment, or the packet, puts on the wire. */
static size_t wire_len(const struct pkt *q)
{
	unsigned hl = ihl_of(q->data);

	if (!q->vnet.gso_type)
		return q->len;
	if (q->data[9] == IPPROTO_TCP)
		return hl + (q->data[hl + 12] >> 4) * 4u + q->vnet.gso_size;
	return hl + 8 + q->vnet.gso_size;
}

static bool is_icmp_error_type(uint8_t t)
{
	return t == 3 || t == 11 || t == 12;
}

/* An ICMP error @b (whole, @len bytes, IPv4 header @hl) leaving on the
 * outside quotes no inside address: one forwarded from inside quotes a
 * packet to a public address; one the router built in answer to input
 * @in quotes @in's addresses as they came. */
static void quote_check(const struct in_info *in, const uint8_t *b,
			size_t len, unsigned hl, bool local, bool first)
{
	uint32_t isrc, idst, osrc, odst;

	if (b[9] != IPPROTO_ICMP || len < hl + 8 + 20 ||
	    !is_icmp_error_type(b[hl]))
		return;
	memcpy(&isrc, b + hl + 8 + 12, 4);
	memcpy(&idst, b + hl + 8 + 16, 4);
	if (!local && !is_pub(idst))
		fuzz_fail("an ICMP error leaves quoting a packet to %08x, not public",
			  ntohl(idst));
	if (!local || !first || !in || !in->valid)
		return;
	memcpy(&osrc, in->data + 12, 4);
	memcpy(&odst, in->data + 16, 4);
	if (isrc != osrc || idst != odst)
		fuzz_fail("the router's ICMP error quotes %08x -> %08x, not the %08x -> %08x it answers",
			  ntohl(isrc), ntohl(idst), ntohl(osrc), ntohl(odst));
}

/* Check packet @q the engine sent with verdict @v, from input @in (NULL:
 * sent on its own); @first: it is the verdict's packet. */
static void out_check(const struct in_info *in, const struct pkt *q,
		      enum verdict v, bool first)
{
	const uint8_t *b = q->data;
	bool to_inside = (q->dir == DIR_IN) == (v == VERDICT_FORWARD);
	bool partial = q->vnet.flags & VNET_NEEDS_CSUM, whole, must, may;
	uint32_t src, dst;
	unsigned hl;

	if ((uintptr_t)b % 4)
		fuzz_fail("a packet sent is not 4-byte aligned");
	if (!ip_ok(b, q->len) || get16(b + 2) != q->len)
		fuzz_fail("a packet sent (verdict %d, dir %d) is not valid IPv4",
			  v, q->dir);
	hl = ihl_of(b);
	if (q->l3_len != hl || q->proto != b[9])
		fuzz_fail("a packet sent has its parsed fields wrong");
	memcpy(&src, b + 12, 4);
	memcpy(&dst, b + 16, 4);
	whole = !(get16(b + 6) & 0x3fff);
	if (partial && (!first || !in || !in->partial))
		fuzz_fail("a packet sent claims a partial checksum it never had");

	/* the transport checksum */
	if (whole && csum_field(b[9])) {
		bool icmp_err = b[9] == IPPROTO_ICMP && q->len >= hl + 8 &&
				is_icmp_error_type(b[hl]);

		/* built or summed from scratch here: always right */
		must = (q->local && (b[9] != IPPROTO_ICMP || icmp_err)) ||
		       (!q->local && icmp_err) ||
		       (in && in->partial && !partial);
		may = in && in->l4_ok;
		if ((must || may) &&
		    (partial ? l4_partial(b, q->len) : l4_full(b, q->len)) != 1)
			fuzz_fail("a packet sent (proto %u, verdict %d, local %d) has a bad transport checksum",
				  b[9], v, q->local);
	}

	/* no private source leaves, no packet goes inside to the pool */
	if (!to_inside && !is_pub(src) &&
	    !(q->dir == DIR_OUT && v == VERDICT_FORWARD && exempt_dst(dst)))
		fuzz_fail("a packet leaves with source %08x, not public",
			  ntohl(src));
	if (to_inside && is_pub(dst))
		fuzz_fail("a packet goes inside to public address %08x",
			  ntohl(dst));
	if (!to_inside && whole &&
	    !(q->dir == DIR_OUT && v == VERDICT_FORWARD && exempt_dst(dst)))
		quote_check(in, b, q->len, hl, q->local, first);

	if (!q->local && wire_len(q) > d.mtu[to_inside])
		fuzz_fail("a packet of %zu bytes goes to a device of MTU %u",
			  wire_len(q), d.mtu[to_inside]);
	if (!first || !in || q->local)
		return;

	/* the verdict's own packet, translated */
	if (b[8] != in->ttl - 1)
		fuzz_fail("TTL %u became %u", in->ttl, b[8]);
	if (whole && in->whole && !q->vnet.gso_type && q->len != in->len)
		fuzz_fail("a packet of %zu bytes was sent with %u",
			  in->len, q->len);
	if (whole && in->whole && b[9] == IPPROTO_UDP && q->len >= hl + 8) {
		if (in->udp_csum && !in->partial && !get16(b + hl + 6))
			fuzz_fail("a UDP checksum became 0 (none)");
		if (q->len == in->len &&
		    memcmp(b + hl + 8, in->data + hl + 8, q->len - hl - 8))
			fuzz_fail("a UDP payload changed");
	}
}

/* The fragments an unfragmented packet was cut into: each a multiple of 8
 * bytes but the last, and together a datagram whose checksum holds. */
static void frags_check(const struct in_info *in)
{
	static uint8_t dgram[PKT_DATA_MAX], seen[PKT_DATA_MAX];
	const struct fz_result *r = &d.res;
	bool done[FZ_OUT_MAX] = { false };
	unsigned i, k;

	for (i = 0; i < r->nout; i++) {
		const uint8_t *f = r->out[i].data;
		size_t got = 0, total = 0;
		bool ok = true, first = false;
		uint8_t hdr[60];

		if (done[i] || r->out[i].local || !(get16(f + 6) & 0x3fff))
			continue;
		memset(seen, 0, sizeof(seen));
		for (k = i; k < r->nout; k++) {
			const uint8_t *g = r->out[k].data;
			unsigned hl = ihl_of(g);
			size_t off = (get16(g + 6) & 0x1fff) * 8u;
			size_t n = r->out[k].len - hl, j;

			if (r->out[k].local || !(get16(g + 6) & 0x3fff) ||
			    memcmp(g + 4, f + 4, 2) || g[9] != f[9] ||
			    memcmp(g + 12, f + 12, 8) ||
			    r->out[k].to_inside != r->out[i].to_inside)
				continue;
			done[k] = true;
			if ((get16(g + 6) & 0x2000) && n % 8)
				fuzz_fail("a fragment not the last holds %zu bytes",
					  n);
			if (off + n > PKT_DATA_MAX - 60) {
				ok = false;
				continue;
			}
			if (!(get16(g + 6) & 0x2000))
				total = off + n;
			if (!off) {
				first = true;
				memcpy(hdr, g, hl);
			}
			for (j = 0; j < n; j++) {
				if (seen[off + j])
					fuzz_fail("fragments overlap");
				seen[off + j] = 1;
			}
			memcpy(dgram + 60 + off, g + hl, n);
			got += n;
		}
		if (!ok || !first || !total || got != total)
			continue;	/* not all of it was sent */
		if (!(in->partial || in->l4_ok) || !csum_field(hdr[9]))
			continue;
		/* the datagram, with a 20-byte header before its data */
		memcpy(dgram + 40, hdr, 20);
		dgram[40] = 0x45;
		put16(dgram + 42, (uint16_t)(20 + total));
		put16(dgram + 46, 0);
		put16(dgram + 50, 0);
		put16(dgram + 50, (uint16_t)~pb_sum(0, dgram + 40, 20));
		if (l4_full(dgram + 40, 20 + total) == 0)
			fuzz_fail("fragments reassemble with a bad transport checksum");
	}
}

size_t fz_payload(const struct fz_result *r, bool to_inside, uint8_t *out)
{
	static uint8_t seen[PKT_DATA_MAX];
	size_t total = 0, got = 0;
	bool first = false, cleared = false;
	unsigned i;

	for (i = 0; i < r->nout; i++) {
		const struct fz_out *o = &r->out[i];
		const uint8_t *g = o->data;
		unsigned hl = ihl_of(g);
		size_t off = (get16(g + 6) & 0x1fff) * 8u, n = o->len - hl;

		if (o->local || o->v != VERDICT_FORWARD ||
		    o->to_inside != to_inside)
			continue;
		if (!(get16(g + 6) & 0x3fff)) {
			memcpy(out, g, o->len);
			return o->len;
		}
		if (20 + off + n > PKT_DATA_MAX)
			return 0;
		if (!cleared)
			memset(seen, 0, sizeof(seen));
		cleared = true;
		if (!off) {
			memcpy(out, g, 20);
			out[0] = 0x45;
		}
		first |= !off;
		if (!(get16(g + 6) & 0x2000))
			total = off + n;
		memcpy(out + 20 + off, g + hl, n);
		for (; n; n--, off++)
			got += !seen[off]++;
	}
	if (!first || !total || got != total)
		return 0;
	put16(out + 2, (uint16_t)(20 + total));
	put16(out + 6, 0);
	return 20 + total;
}

static void result_add(const struct pkt *q, enum verdict v)
{
	struct fz_out *o;

	if (d.res.nout == FZ_OUT_MAX)
		fuzz_fail("more packets sent than the queue holds");
	o = &d.res.out[d.res.nout++];
	if (trace)
		fprintf(stderr, "fuzz:   sent %s%s, %u bytes, proto %u, %u.%u.%u.%u -> %u.%u.%u.%u\n",
			v == VERDICT_FORWARD ? "forward" : "back",
			q->local ? " (built here)" : "", q->len, q->data[9],
			q->data[12], q->data[13], q->data[14], q->data[15],
			q->data[16], q->data[17], q->data[18], q->data[19]);
	*o = (struct fz_out){
		.data = q->data, .len = q->len, .v = v, .local = q->local,
		.to_inside = (q->dir == DIR_IN) == (v == VERDICT_FORWARD),
	};
	d.last_len[o->to_inside] = q->len;
	memcpy(d.last[o->to_inside], q->data, q->len);
}

/* Take and check what nat_pending() has. */
static void drain(const struct in_info *in)
{
	enum verdict v;
	struct pkt q;

	while ((v = nat_pending(d.n, &q)) != VERDICT_DROP) {
		if (v != VERDICT_FORWARD && v != VERDICT_BACK)
			fuzz_fail("nat_pending() gave verdict %d", v);
		result_add(&q, v);
		out_check(in, &q, v, false);
	}
}

const uint8_t *fz_last(bool to_inside, size_t *len)
{
	*len = d.last_len[to_inside];
	return *len ? d.last[to_inside] : NULL;
}

/* ---- the engine's state ------------------------------------------------------ */

static void snap_take(struct snap *s, const struct addr_counts *ac)
{
	uint32_t i;

	s->cnt = 0;
	for (i = 0; ac->e && i <= ac->mask && s->cnt < SNAP_MAX; i++)
		if (ac->e[i].n) {
			s->addr[s->cnt] = ac->e[i].addr;
			s->n[s->cnt++] = ac->e[i].n;
		}
}

static uint32_t snap_get(const struct snap *s, uint32_t addr)
{
	unsigned i;

	for (i = 0; i < s->cnt; i++)
		if (s->addr[i] == addr)
			return s->n[i];
	return 0;
}

/* No count of @ac rose above @limit (0: none) since @before; return the
 * sum of the counts. */
static uint64_t limit_check(const struct addr_counts *ac,
			    const struct snap *before, uint32_t limit,
			    const char *what)
{
	uint64_t sum = 0;
	uint32_t i;

	for (i = 0; ac->e && i <= ac->mask; i++) {
		const struct addr_count *e = &ac->e[i];

		if (!e->n)
			continue;
		sum += e->n;
		if (limit && e->n > limit && e->n > snap_get(before, e->addr))
			fuzz_fail("%s: %08x has %u, more than %u",
				  what, ntohl(e->addr), e->n, limit);
	}
	return sum;
}

static void snaps_take(void)
{
	d.conns = d.n->alg[NAT_ALG_PPTP].pool.used;
	snap_take(&d.hosts, &d.n->hosts);
	snap_take(&d.calls_host, &d.n->alg[NAT_ALG_PPTP].calls_host);
	snap_take(&d.calls_server, &d.n->alg[NAT_ALG_PPTP].calls_server);
}

/* A live session, as nat_walk() sees them. */
static bool live(const struct nat_session *s)
{
	return s->proto && !session_expired(&d.n->t, s, d.now) &&
	       !(session_is_call(s) && s->klass == CLASS_GRE_QUARANTINE);
}

static bool match(const struct nat_match *m, const struct nat_session *s)
{
	return (!m->proto || m->proto == s->proto) &&
	       (!m->in_addr || m->in_addr == s->in_addr) &&
	       (!m->pub_addr || m->pub_addr == session_pub_addr(&d.n->t, s)) &&
	       (!m->rem_addr || m->rem_addr == s->rem_addr) &&
	       (!m->in_port || m->in_port == ntohs(s->in_port)) &&
	       (!m->pub_port || m->pub_port == ntohs(s->pub_port)) &&
	       (!m->rem_port || m->rem_port == ntohs(s->rem_port));
}

/* Ports @lo..@hi taken in bitmap @used. */
static uint32_t taken(const uint64_t *used, unsigned lo, unsigned hi)
{
	uint32_t cnt = 0;
	unsigned w;

	for (w = lo / 64; w <= hi / 64; w++) {
		uint64_t bits = used[w];

		if (w == lo / 64)
			bits &= ~0ULL << (lo % 64);
		if (w == hi / 64 && hi % 64 != 63)
			bits &= ~(~0ULL << (hi % 64 + 1));
		cnt += (uint32_t)__builtin_popcountll(bits);
	}
	return cnt;
}

/* Mapping @what @idx holds @port_n of @proto on address slot @slot: it
 * must be taken in its pool. */
static void port_held_check(unsigned slot, uint8_t proto, uint16_t port_n,
			    const char *what, uint32_t idx)
{
	const struct portpool *pp =
		&d.n->sh->pools[slot * PSPACE_N + space_of(proto)];

	if (!portpool_in_use(pp, ntohs(port_n)))
		fuzz_fail("%s %u holds port %u, free in its pool", what, idx,
			  ntohs(port_n));
}

/* Every port a mapping holds is taken in its pool; every pool's count
 * of free ports is what its bitmap says. */
static void ports_check(void)
{
	static bool free_map[4097];
	const struct session_table *t = &d.n->t;
	uint32_t mi, i;
	unsigned slot, sp, c;

	if (t->mp.max >= sizeof(free_map))
		fuzz_fail("configuration too large for the checks");
	memset(free_map, 0, t->mp.unused);
	for (i = t->mp.free; i; i = t->m[i].hnext[0])
		free_map[i] = true;
	for (mi = 1; mi < t->mp.unused; mi++)
		if (!free_map[mi])
			port_held_check(t->m[mi].pub_idx,
					mapping_proto(&t->m[mi]),
					t->m[mi].pub_port, "mapping", mi);
	/* and the mappings that live in their session */
	for (i = 1; i < t->sp.unused; i++)
		if (t->s[i].proto && (t->s[i].flags & SESS_MAP_HOST))
			port_held_check(t->s[i].pub_idx, t->s[i].proto,
					t->s[i].pub_port,
					"the mapping hosted by session", i);
	for (slot = 0; slot < d.n->sh->nslots; slot++) {
		for (sp = 0; sp < PSPACE_N; sp++) {
			const struct portpool *pp =
				&d.n->sh->pools[slot * PSPACE_N + sp];
			const struct portpool_range *r = &d.n->sh->ranges[sp];

			for (c = 0; c < 2; c++) {
				uint32_t size = portpool_class_size(r, c);

				if (size && pp->free[c] + taken(pp->used,
				    r->lo[c], r->hi[c]) != size)
					fuzz_fail("pool %u/%u class %u: %u free, the bitmap says otherwise",
						  slot, sp, c, pp->free[c]);
			}
		}
	}
}

/* The PPTP ALG's slots fit its limits, and its call counts agree with
 * the table. */
static void alg_check(uint64_t calls_host, uint64_t calls_server)
{
	const struct nat_alg_config *ac = &fz_config()->alg[NAT_ALG_PPTP];
	const struct alg_state *a = &d.n->alg[NAT_ALG_PPTP];
	const struct session_table *t = &d.n->t;
	uint64_t calls = 0, live_calls = 0, ctl = 0;
	uint32_t si;

	if (!a->slots)
		return;
	if (a->pool.used > a->pool.max)
		fuzz_fail("more PPTP connections than slots");
	if (ac->enabled && a->size < alg_pptp_ops.priv_size(ac))
		fuzz_fail("PPTP state slots of %zu bytes, the limits need %zu",
			  a->size, alg_pptp_ops.priv_size(ac));
	if (ac->enabled && a->pool.used > ac->max_connections &&
	    a->pool.used > d.conns)
		fuzz_fail("%u PPTP connections, more than %u", a->pool.used,
			  ac->max_connections);
	for (si = 1; si < t->sp.unused; si++) {
		const struct nat_session *s = &t->s[si];

		if (!s->proto)
			continue;
		if (session_ctl_slot(s)) {
			ctl++;
			if (s->alg != NAT_ALG_PPTP ||
			    session_ctl_slot(s) >= a->pool.unused)
				fuzz_fail("a control connection's slot is wrong");
		}
		if (!session_is_call(s))
			continue;
		calls++;
		if (s->klass == CLASS_GRE_QUARANTINE) {
			if (s->owner)
				fuzz_fail("a resting call keeps its owner");
			continue;
		}
		live_calls++;
		if (!s->owner || s->owner >= t->sp.unused ||
		    !session_ctl_slot(&t->s[s->owner]))
			fuzz_fail("call %u belongs to no control connection",
				  si);
		if (t->s[s->owner].in_addr != s->in_addr ||
		    t->s[s->owner].rem_addr != s->rem_addr ||
		    t->s[s->owner].pub_idx != s->pub_idx)
			fuzz_fail("call %u belongs to another host's control "
				  "connection", si);
	}
	if (ctl != a->pool.used)
		fuzz_fail("%llu control connections hold %u slots",
			  (unsigned long long)ctl, a->pool.used);
	if (calls != calls_host || live_calls != calls_server)
		fuzz_fail("calls %llu/%llu, counted %llu/%llu",
			  (unsigned long long)calls,
			  (unsigned long long)live_calls,
			  (unsigned long long)calls_host,
			  (unsigned long long)calls_server);
}

/* What a walk's callback checks against, and counts. */
struct walk_arg {
	const struct nat_match *m;
	uint32_t seen, stop;
};

static bool walk_cb(void *arg, const struct nat_session_info *si)
{
	struct walk_arg *w = arg;
	const struct nat_match *m = w->m;
	uint32_t timeout = 0;
	unsigned c;

	for (c = 0; c < CLASS_N; c++)
		if (d.n->t.timeout_ms[c] > timeout)
			timeout = d.n->t.timeout_ms[c];
	if (!is_pub(si->pub_addr) || is_pub(si->in_addr) ||
	    si->expires_ms > timeout || !si->state)
		fuzz_fail("a session walked is malformed");
	if ((m->proto && m->proto != si->proto) ||
	    (m->in_addr && m->in_addr != si->in_addr) ||
	    (m->pub_addr && m->pub_addr != si->pub_addr) ||
	    (m->rem_addr && m->rem_addr != si->rem_addr) ||
	    (m->in_port && m->in_port != si->in_port) ||
	    (m->pub_port && m->pub_port != si->pub_port) ||
	    (m->rem_port && m->rem_port != si->rem_port))
		fuzz_fail("a session walked does not match the filter");
	if (w->stop && w->seen == w->stop)
		fuzz_fail("nat_walk() went on after its callback ended it");
	w->seen++;
	return !w->stop || w->seen < w->stop;
}

void fz_walk(const struct nat_match *m, unsigned budget, uint32_t stop)
{
	struct walk_arg w = { .m = m, .stop = stop };
	uint32_t cursor = 0, si, want = 0, slices = 0;

	if (!budget)
		budget = 1;
	while (!nat_walk(d.n, &cursor, budget, m, d.now, walk_cb, &w))
		if (++slices > d.n->t.sp.unused)
			fuzz_fail("nat_walk() does not come to an end");
	for (si = 1; si < d.n->t.sp.unused; si++)
		want += live(&d.n->t.s[si]) && match(m, &d.n->t.s[si]);
	if (stop && want > stop)
		want = stop;
	if (w.seen != want)
		fuzz_fail("nat_walk() saw %u sessions of %u", w.seen, want);
}

void fz_check(void)
{
	const struct nat_config *c = fz_config();
	struct nat *n = d.n;
	const struct nat_stats *st = nat_stats(n);
	uint64_t hosts, ch, cs, sessions = 0;
	const char *why = session_table_check(&n->t);
	struct nat_match all = { 0 };
	unsigned pc;

	if (why)
		fuzz_fail("session table: %s", why);
	if (n->t.sp.used > c->max_sessions || st->sessions != n->t.sp.used)
		fuzz_fail("%u sessions in a table of %u", n->t.sp.used,
			  c->max_sessions);
	hosts = limit_check(&n->hosts, &d.hosts, c->max_sessions_per_host,
			    "sessions per host");
	if (hosts != n->t.sp.used)
		fuzz_fail("hosts count %llu sessions, the table has %u",
			  (unsigned long long)hosts, n->t.sp.used);
	for (pc = 0; pc < NAT_PC_N; pc++)
		sessions += st->proto[pc].sessions;
	if (sessions + st->resting_calls != n->t.sp.used)
		fuzz_fail("protocol counters say %llu + %u resting, the table %u",
			  (unsigned long long)sessions, st->resting_calls,
			  n->t.sp.used);
	ch = limit_check(&n->alg[NAT_ALG_PPTP].calls_host, &d.calls_host,
			 c->alg[NAT_ALG_PPTP].enabled ?
			 c->alg[NAT_ALG_PPTP].max_calls_per_host : 0,
			 "calls per host");
	cs = limit_check(&n->alg[NAT_ALG_PPTP].calls_server, &d.calls_server,
			 c->alg[NAT_ALG_PPTP].enabled ?
			 c->alg[NAT_ALG_PPTP].max_calls_per_server : 0,
			 "calls per server");
	alg_check(ch, cs);
	ports_check();
	fz_walk(&all, UINT_MAX, 0);
	snaps_take();
}

/* ---- the operations ------------------------------------------------------------ */

void fz_start(unsigned cfg, uint64_t now)
{
	init_once();
	memset(&d.res, 0, sizeof(d.res));
	d.cfg = cfg % FZ_CONFIGS;
	d.now = d.swept = now;
	d.last_len[0] = d.last_len[1] = 0;
	d.n = nat_new(&cfgs[d.cfg]);
	if (!d.n)
		fuzz_fail("nat_new() refused configuration %u", d.cfg);
	d.mtu[true] = cfgs[d.cfg].mtu_inside;
	d.mtu[false] = cfgs[d.cfg].mtu_outside;
	snaps_take();
}

void fz_stop(void)
{
	nat_free(d.n);
	d.n = NULL;
	free(d.buf);
	d.buf = NULL;
}

const struct fz_result *fz_packet(enum pkt_dir dir, const uint8_t *data,
				  size_t len, const struct pkt_vnet *vnet)
{
	size_t cap = len > ICMP_ERR_MAX_LEN ? len : ICMP_ERR_MAX_LEN;
	struct in_info in;
	struct pkt p;

	if (len > PKT_DATA_MAX)
		len = PKT_DATA_MAX;
	/* exactly the room the engine may use, so that a read or write
	 * past it is caught */
	free(d.buf);
	d.buf = malloc(PKT_HEADROOM + cap);
	if (!d.buf)
		abort();
	memcpy(d.buf + PKT_HEADROOM, data, len);
	in_read(&in, data, len, vnet);
	pkt_init(&p, d.buf + PKT_HEADROOM, (uint32_t)len, (uint32_t)cap,
		 dir);
	if (vnet)
		p.vnet = *vnet;
	d.res.nout = 0;
	d.res.v = nat_translate(d.n, &p, d.now);
	d.res.drop = p.drop;
	if (trace)
		fprintf(stderr, "fuzz: %llu ms: %s, proto %u, id %u, frag %04x, %zu bytes: %s%s\n",
			(unsigned long long)d.now, dir == DIR_OUT ? "out" : "in",
			len >= 20 ? data[9] : 0,
			len >= 20 ? get16(data + 4) : 0,
			len >= 20 ? get16(data + 6) : 0, len,
			d.res.v == VERDICT_FORWARD ? "forward" :
			d.res.v == VERDICT_BACK ? "back" : "drop ",
			d.res.v ? "" : drop_reason_str(p.drop));
	if (!in.valid && d.res.v != VERDICT_DROP)
		fuzz_fail("a packet whose IPv4 header does not verify went on");
	if (d.res.v != VERDICT_DROP) {
		result_add(&p, d.res.v);
		out_check(&in, &p, d.res.v, true);
	}
	drain(&in);
	if (in.valid && in.whole)
		frags_check(&in);
	fz_check();
	return &d.res;
}

void fz_expire(unsigned budget)
{
	nat_expire(d.n, d.now, budget);
	d.res.nout = 0;
	drain(NULL);
	fz_check();
}

void fz_clock(uint64_t ms)
{
	d.now += ms;
	if (trace)
		fprintf(stderr, "fuzz: %llu ms: the clock moved %llu ms\n",
			(unsigned long long)d.now, (unsigned long long)ms);
	if (d.now - d.swept >= SWEEP_MS) {
		/* the contract: a sweep every few minutes */
		d.swept = d.now;
		fz_expire(UINT_MAX);
	} else {
		fz_check();
	}
}

void fz_flush(const struct nat_match *m, unsigned budget)
{
	uint32_t cursor = 0, si, slices = 0;
	uint64_t ended = 0;

	if (!budget)
		budget = 1;
	while (!nat_flush(d.n, &cursor, budget, m, d.now, &ended))
		if (++slices > d.n->t.sp.unused)
			fuzz_fail("nat_flush() does not come to an end");
	for (si = 1; si < d.n->t.sp.unused; si++)
		if (live(&d.n->t.s[si]) && match(m, &d.n->t.s[si]))
			fuzz_fail("session %u matches a flush and lives on", si);
	d.res.nout = 0;
	drain(NULL);
	fz_check();
}

void fz_reconfigure(unsigned cfg)
{
	static struct nat_config before;
	char err[256] = "";
	int rc;

	cfg %= FZ_CONFIGS;
	memcpy(&before, &d.n->cfg, sizeof(before));
	rc = nat_reconfigure(d.n, &cfgs[cfg], d.now, err, sizeof(err));
	if (trace)
		fprintf(stderr, "fuzz: %llu ms: configuration %u: %s\n",
			(unsigned long long)d.now, cfg, rc ? err : "in force");
	if (!rc)
		d.cfg = cfg;
	else if (rc != -EINVAL || !err[0])
		fuzz_fail("nat_reconfigure() returned %d (%s)", rc, err);
	else if (memcmp(&before, &d.n->cfg, sizeof(before)))
		fuzz_fail("a refused reconfiguration changed the engine");
	fz_check();
}
