/* SPDX-License-Identifier: MIT */
/* nat.c - the NAPT engine: one packet in, one verdict out
 *
 * Theory of operation.
 *
 * Tuples.  A packet from inside (DIR_OUT) is looked up by its inside view
 * (protocol, inside address and port, remote address and port); a packet
 * from outside (DIR_IN) by its outside view (protocol, public address and
 * port, remote address and port).  ICMP queries use their identifier as the
 * port and 0 as the remote port.  The session table (session.c) indexes
 * every session under both views.
 *
 * Mappings.  A new outbound flow reuses the mapping of its inside endpoint
 * if there is one (endpoint-independent mapping, RFC 4787 REQ-1, RFC 5382
 * REQ-1, RFC 5508 REQ-1).  Otherwise it gets a public port on the public
 * address paired with its inside host: a keyed hash of the inside address
 * picks the address, so a host always leaves from the same one (paired
 * pooling, RFC 4787 REQ-2) and its later fragments can be translated
 * without state.  The port is the inside port itself when free, else a
 * random one of the same class (portpool.c).
 *
 * Filtering.  An inbound packet must match a session: endpoint- and
 * port-dependent filtering, the strictest of RFC 4787 section 5.  Hairpinned
 * packets (inside to a public endpoint) are the exception: they are
 * translated out, then in again through the destination's mapping.
 *
 * Timeouts (idle, refreshed by traffic both ways; ICMP errors never refresh):
 * TCP established >= 2 h 4 min and transitory >= 4 min (RFC 5382 REQ-5),
 * UDP >= 2 min, 5 min default (RFC 4787 REQ-5), ICMP query >= 60 s (RFC 5508
 * REQ-2).  See session.h for how expiry is exact yet swept lazily.
 *
 * The router itself.  It answers echo requests to its inside address and to
 * the public addresses, and sends ICMP time exceeded (rate-limited) when a
 * packet's TTL runs out: into the inside network from the inside router
 * address, to the outside from the public address the packet was sent to.
 *
 * Checksums are updated incrementally (RFC 1624), except for ICMP errors,
 * whose whole message is summed again after the quote is rewritten.
 */

#include <arpa/inet.h>

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../net/csum.h"
#include "../net/icmp.h"
#include "nat_int.h"
#include "siphash.h"

#define PREFETCH_MIN_SESSIONS	32768
#define ICMP_ID_LO	0
#define ICMP_ID_HI	65535

enum verdict nat_drop(struct nat *n, struct pkt *p, enum drop_reason r)
{
	p->drop = r;
	n->st.drops[r]++;
	return VERDICT_DROP;
}

/* xoroshiro128+ (Blackman and Vigna): cheap, and only used for port choice. */
uint32_t rng_next(struct nat *n)
{
	uint64_t s0 = n->rng[0], s1 = n->rng[1], r = s0 + s1;

	s1 ^= s0;
	n->rng[0] = ((s0 << 24) | (s0 >> 40)) ^ s1 ^ (s1 << 16);
	n->rng[1] = (s1 << 37) | (s1 >> 27);
	return (uint32_t)(r >> 32);
}

static int addr_cmp(const void *a, const void *b)
{
	uint32_t x = ntohl(*(const uint32_t *)a), y = ntohl(*(const uint32_t *)b);

	return x < y ? -1 : x > y;
}

int nat_pool_index(const struct nat *n, uint32_t addr)
{
	uint32_t key = ntohl(addr);
	unsigned lo = 0, hi = n->naddrs;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		uint32_t v = ntohl(n->addrs[mid]);

		if (v == key)
			return (int)mid;
		if (v < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

uint32_t nat_pair_address(const struct nat *n, uint32_t in_addr)
{
	return n->addrs[nat_pair_index(n, in_addr)];
}

unsigned nat_pair_index(const struct nat *n, uint32_t in_addr)
{
	if (n->naddrs == 1)
		return 0;
	return (unsigned)(siphash13_2w(n->hkey, in_addr, 0x70616972) %
			  n->naddrs);
}

static enum port_space space_of(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return PSPACE_TCP;
	case IPPROTO_UDP:
		return PSPACE_UDP;
	default:
		return PSPACE_ICMP;
	}
}

static struct portpool *pool_of(struct nat *n, unsigned pub_idx,
				 enum port_space sp)
{
	return &n->pools[pub_idx * PSPACE_N + sp];
}

uint64_t nat_memory_bytes(const struct nat_config *cfg)
{
	return sizeof(struct nat) + session_table_bytes(cfg->max_sessions) +
	       (uint64_t)cfg->naddrs * PSPACE_N * sizeof(struct portpool) +
	       (uint64_t)cfg->naddrs * sizeof(uint32_t);
}

/* Idle times are computed modulo 2^32 ms (session.h), so a timeout must
 * stay well below that: under 2^31 ms, about 24 days. */
static bool timeout_valid(uint32_t ms)
{
	return ms && ms < NAT_TIMEOUT_MAX_MS;
}

static bool alg_config_valid(const struct nat_alg_config *a)
{
	return !a->enabled ||
	       (a->nports && a->nports <= NAT_ALG_PORTS_MAX &&
		a->max_connections && a->max_connections <= NAT_SESSIONS_MAX &&
		a->max_calls_per_connection &&
		a->max_calls_per_connection <= 255 &&
		a->max_calls_per_host && a->max_calls_per_server);
}

static bool config_valid(const struct nat_config *c)
{
	unsigned i;

	if (!c->naddrs || c->naddrs > NAT_POOL_MAX || !c->addrs)
		return false;
	if (!c->port_lo || c->port_lo > c->port_hi)
		return false;
	if (!c->max_sessions || c->max_sessions > NAT_SESSIONS_MAX)
		return false;
	if (!timeout_valid(c->tcp_est_ms) || !timeout_valid(c->tcp_trans_ms) ||
	    !timeout_valid(c->udp_ms) || !timeout_valid(c->icmp_ms) ||
	    !timeout_valid(c->gre_ms))
		return false;
	for (i = 0; i < NAT_ALG_N; i++)
		if (!alg_config_valid(&c->alg[i]))
			return false;
	if (c->alg[NAT_ALG_NONE].enabled)
		return false;
	for (i = 0; i < c->naddrs; i++)
		if (c->addrs[i] == c->router_addr)
			return false;
	return true;
}

struct nat *nat_new(const struct nat_config *cfg)
{
	struct nat *n;
	unsigned i, sp;

	if (!config_valid(cfg)) {
		errno = EINVAL;
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->addrs = malloc(cfg->naddrs * sizeof(uint32_t));
	n->pools = malloc((size_t)cfg->naddrs * PSPACE_N * sizeof(*n->pools));
	if (!n->addrs || !n->pools)
		goto nomem;
	memcpy(n->addrs, cfg->addrs, cfg->naddrs * sizeof(uint32_t));
	qsort(n->addrs, cfg->naddrs, sizeof(uint32_t), addr_cmp);
	n->naddrs = cfg->naddrs;
	for (i = 1; i < n->naddrs; i++) {
		if (n->addrs[i] == n->addrs[i - 1]) {
			nat_free(n);
			errno = EINVAL;
			return NULL;
		}
	}

	portpool_range_ports(&n->ranges[PSPACE_TCP], cfg->port_lo,
			     cfg->port_hi);
	portpool_range_ports(&n->ranges[PSPACE_UDP], cfg->port_lo,
			     cfg->port_hi);
	portpool_range_ids(&n->ranges[PSPACE_ICMP], ICMP_ID_LO, ICMP_ID_HI);
	for (i = 0; i < n->naddrs; i++)
		for (sp = 0; sp < PSPACE_N; sp++)
			portpool_init(pool_of(n, i, sp), &n->ranges[sp]);

	n->hkey[0] = cfg->seed[0];
	n->hkey[1] = cfg->seed[1];
	n->rng[0] = cfg->seed[2] | 1;	/* xoroshiro needs a non-zero state */
	n->rng[1] = cfg->seed[3];
	if (session_table_init(&n->t, cfg->max_sessions, n->addrs, n->hkey,
			       &(struct session_mem){ cfg->mem_alloc,
						      cfg->mem_free }))
		goto nomem;
	n->t.timeout_ms[CLASS_TCP_EST] = cfg->tcp_est_ms;
	n->t.timeout_ms[CLASS_TCP_TRANS] = cfg->tcp_trans_ms;
	n->t.timeout_ms[CLASS_UDP] = cfg->udp_ms;
	n->t.timeout_ms[CLASS_ICMP] = cfg->icmp_ms;
	n->t.timeout_ms[CLASS_GRE] = cfg->gre_ms;
	n->t.timeout_ms[CLASS_GRE_PENDING] = GRE_PENDING_MS;
	n->t.timeout_ms[CLASS_GRE_CLOSING] = GRE_CLOSING_MS;
	n->t.timeout_ms[CLASS_GRE_QUARANTINE] = GRE_QUARANTINE_MS;
	n->cfg = *cfg;
	n->cfg.addrs = n->addrs;
	if (alg_init(n, cfg))
		goto nomem;
	n->icmp_credit = (uint64_t)cfg->icmp_errors_per_s * 1000;
	return n;

nomem:
	nat_free(n);
	errno = ENOMEM;
	return NULL;
}

void nat_free(struct nat *n)
{
	if (!n)
		return;
	alg_fini(n);
	session_table_fini(&n->t);
	free(n->pools);
	free(n->addrs);
	free(n);
}

const struct nat_stats *nat_stats(struct nat *n)
{
	n->st.sessions = n->t.sp.used;
	n->st.mappings = n->t.mp.used;
	return &n->st;
}

/* Free session @si, and its mapping and public port if it was the last. */
static void session_free(struct nat *n, uint32_t si)
{
	uint32_t mi = session_del(&n->t, si);

	n->st.sessions_expired++;
	if (mi) {
		const struct nat_mapping *m = &n->t.m[mi];
		enum port_space sp = space_of(mapping_proto(m));

		portpool_release(pool_of(n, m->pub_idx, sp), &n->ranges[sp],
				 ntohs(m->pub_port));
		mapping_del(&n->t, mi);
	}
}

/* Session @si's time ran out: free it, or move a call to its next stage. */
static void session_end(struct nat *n, uint32_t si, uint64_t now)
{
	struct nat_session *s = &n->t.s[si];

	if (s->proto == IPPROTO_GRE && !(s->flags & SESS_GRE0)) {
		if (s->klass != CLASS_GRE_QUARANTINE) {
			alg_call_expired(n, si, now);
			return;
		}
		alg_call_freed(n, si);
	}
	if (s->proto == IPPROTO_TCP && s->alg_slot)
		alg_conn_end(n, si, now);
	session_free(n, si);
}

uint32_t nat_session_live(struct nat *n, const struct flow_key *k,
			  uint64_t now)
{
	uint32_t si = session_find(&n->t, k);

	if (si && session_expired(&n->t, &n->t.s[si], now)) {
		session_end(n, si, now);
		return 0;
	}
	return si;
}

unsigned nat_expire(struct nat *n, uint64_t now_ms, unsigned budget)
{
	unsigned freed = 0;
	enum nat_class c;

	for (c = 0; c < CLASS_N; c++) {
		uint32_t si;

		while (freed < budget && (si = session_oldest(&n->t, c)) &&
		       session_expired(&n->t, &n->t.s[si], now_ms)) {
			session_end(n, si, now_ms);
			freed++;
		}
	}
	return freed;
}

static void l4_csum_update(const struct l4_view *v, uint32_t old, uint32_t new,
			   bool wide)
{
	uint16_t c;

	if (!v->csum)
		return;
	c = ipv4_load16(v->csum);
	if (v->partial) {
		/* a running sum, not a checksum: add without complementing */
		c = (uint16_t)~(wide ? csum_update32((uint16_t)~c, old, new)
				     : csum_update16((uint16_t)~c, (uint16_t)old,
						     (uint16_t)new));
		ipv4_store16(v->csum, c);
		return;
	}
	if (v->udp && !c)
		return;		/* RFC 768: the sender computed no checksum */
	c = wide ? csum_update32(c, old, new)
		 : csum_update16(c, (uint16_t)old, (uint16_t)new);
	if (v->udp && !c)
		c = 0xffff;	/* RFC 768: a computed 0 is sent as all ones */
	ipv4_store16(v->csum, c);
}

void nat_set_addr(struct ipv4_hdr *ip, const struct l4_view *v,
		  uint32_t *field, uint32_t addr)
{
	uint32_t old = *field;

	if (old == addr)
		return;
	ip->check = csum_update32(ip->check, old, addr);
	if (v->pseudo)
		l4_csum_update(v, old, addr, true);
	*field = addr;
}

void nat_set_port(const struct l4_view *v, uint16_t port)
{
	uint16_t old;

	if (!v->port)
		return;
	old = ipv4_load16(v->port);
	if (old == port)
		return;
	/* a partial sum covers the pseudo-header only, not the port */
	if (!v->partial)
		l4_csum_update(v, old, port, false);
	ipv4_store16(v->port, port);
}

void nat_flow_ports(struct pkt *p, struct pkt_flow *f, unsigned csum_off)
{
	struct ipv4_hdr *ip = ipv4_hdr(p);
	uint8_t *l4 = pkt_l4(p);
	uint16_t sport = ipv4_load16(l4), dport = ipv4_load16(l4 + 2);

	if (p->dir == DIR_OUT) {
		flow_key_set(&f->key, SIDE_IN, p->proto, ip->saddr, sport,
			     ip->daddr, dport);
		f->v.port = l4;
	} else {
		flow_key_set(&f->key, SIDE_OUT, p->proto, ip->daddr, dport,
			     ip->saddr, sport);
		f->v.port = l4 + 2;
	}
	f->v.csum = l4 + csum_off;
	f->v.pseudo = true;
	f->v.partial = pkt_csum_partial(p);
}

static void ttl_decrement(struct ipv4_hdr *ip)
{
	uint16_t old = ipv4_load16(&ip->ttl);

	ip->ttl--;
	ip->check = csum_update16(ip->check, old, ipv4_load16(&ip->ttl));
}

/* Token bucket for generated ICMP errors: a second's worth of burst. */
static bool icmp_credit_take(struct nat *n, uint64_t now)
{
	uint32_t rate = n->cfg.icmp_errors_per_s;
	uint64_t cap = (uint64_t)rate * 1000;

	if (now > n->icmp_last_ms) {
		n->icmp_credit += (now - n->icmp_last_ms) * rate;
		if (n->icmp_credit > cap)
			n->icmp_credit = cap;
	}
	n->icmp_last_ms = now;
	if (n->icmp_credit < 1000)
		return false;
	n->icmp_credit -= 1000;
	return true;
}

/* Answer a packet whose TTL ran out with ICMP time exceeded from @src. */
static enum verdict ttl_exceeded(struct nat *n, struct pkt *p, uint32_t src,
				 uint64_t now)
{
	if (!icmp_error_allowed(p))
		return nat_drop(n, p, DROP_TTL);
	if (!icmp_credit_take(n, now))
		return nat_drop(n, p, DROP_ICMP_RATE);
	icmp_error_build(p, ICMP_TIME_EXCEEDED, ICMP_EXC_TTL, src, 0);
	n->st.icmp_errors++;
	return VERDICT_BACK;
}

/* A packet addressed to the router itself: answer echo, drop the rest. */
static enum verdict to_router(struct nat *n, struct pkt *p)
{
	const struct icmp_hdr *ih = (const void *)pkt_l4(p);

	if (p->proto != IPPROTO_ICMP || ih->type != ICMP_ECHO || p->frag)
		return nat_drop(n, p, DROP_TO_ROUTER);
	icmp_echo_answer(p);
	n->st.echo_answered++;
	return VERDICT_BACK;
}

static bool is_icmp_error(const struct pkt *p)
{
	return p->proto == IPPROTO_ICMP && !(p->frag & PKT_FRAG_LATER) &&
	       icmp_is_error(((const struct icmp_hdr *)(const void *)
			      pkt_l4(p))->type);
}

static enum drop_reason flow_of(struct pkt *p, struct pkt_flow *f)
{
	switch (p->proto) {
	case IPPROTO_TCP:
		return proto_tcp_flow(p, f);
	case IPPROTO_UDP:
		return proto_udp_flow(p, f);
	case IPPROTO_ICMP:
		return proto_icmp_flow(p, f);
	default:
		return DROP_PROTO;
	}
}

/* Account for a packet of flow @f on live session @si. */
static void session_touch(struct nat *n, uint32_t si, const struct pkt_flow *f,
			  enum pkt_dir dir, uint64_t now)
{
	struct nat_session *s = &n->t.s[si];
	enum nat_class c = s->klass;

	if (s->proto == IPPROTO_TCP)
		c = proto_tcp_track(s, f->tcp_flags, dir);
	session_refresh(&n->t, si, c, now);
}

/* The ALG a new TCP session toward @server_port gets, if any.  A connection
 * the ALG has no room to watch is refused: it would carry untranslated
 * identifiers. */
static bool alg_choose(const struct nat *n, uint8_t proto,
		       uint16_t server_port, enum nat_alg *alg,
		       enum drop_reason *why)
{
	*alg = proto == IPPROTO_TCP ? alg_for_port(n, ntohs(server_port))
				    : NAT_ALG_NONE;
	if (*alg == NAT_ALG_NONE || alg_has_room(n, *alg))
		return true;
	*why = DROP_ALG_NO_STATE;
	return false;
}

/* Create the session (and if needed the mapping) for a new outbound flow. */
static uint32_t open_outbound(struct nat *n, const struct pkt_flow *f,
			      uint64_t now, enum drop_reason *why)
{
	struct flow_key mk = f->key;
	struct nat_session tmpl;
	enum port_space sp;
	enum nat_alg alg;
	uint32_t mi, si;
	unsigned idx;
	int port;

	if (n->t.sp.used >= n->t.sp.max) {
		*why = DROP_TABLE_FULL;
		return 0;
	}
	if (!alg_choose(n, f->key.proto, f->key.rem_port, &alg, why))
		return 0;
	mk.rem_addr = 0;
	mk.rem_port = 0;
	mi = mapping_find(&n->t, &mk);
	if (mi && n->t.m[mi].nsessions == MAP_SESSIONS_MAX) {
		*why = DROP_MAPPING_FULL;
		return 0;
	}
	if (!mi) {
		struct nat_mapping m;

		/* static mappings hold slots with no session: the mapping
		 * pool can be full while the session pool is not */
		if (n->t.mp.used >= n->t.mp.max) {
			*why = DROP_TABLE_FULL;
			return 0;
		}
		idx = nat_pair_index(n, f->key.addr);
		sp = space_of(f->key.proto);
		port = portpool_alloc(pool_of(n, idx, sp), &n->ranges[sp],
				      ntohs(f->key.port), rng_next(n));
		if (port < 0) {
			*why = DROP_NO_PORT;
			return 0;
		}
		m = (struct nat_mapping){
			.in_addr = f->key.addr,
			.in_port = f->key.port,
			.pub_port = htons((uint16_t)port),
			.pub_idx = (uint16_t)idx,
			.pclass = mapping_pclass(f->key.proto) & 3,
		};
		mi = mapping_add(&n->t, &m);	/* a slot is free: checked */
		n->st.mappings_created++;
	}

	tmpl = (struct nat_session){
		.in_addr = f->key.addr,
		.in_port = f->key.port,
		.rem_addr = f->key.rem_addr,
		.rem_port = f->key.rem_port,
		.pub_addr = n->addrs[n->t.m[mi].pub_idx],
		.pub_port = n->t.m[mi].pub_port,
		.pub_idx = n->t.m[mi].pub_idx,
		.proto = f->key.proto,
		.klass = f->klass,
	};
	if (tmpl.proto == IPPROTO_TCP)
		tmpl.klass = proto_tcp_track(&tmpl, f->tcp_flags, DIR_OUT);
	si = session_add(&n->t, mi, &tmpl, now);
	n->st.sessions_created++;
	if (alg != NAT_ALG_NONE)
		alg_conn_attach(n, si, alg);
	return si;
}

/**
 * open_inbound() - a session opened from the public side of a mapping
 * @hairpin:	the packet came from inside, through a public address: any
 *		mapping will do (RFC 4787 REQ-9); from outside, only a
 *		static one (a port forward)
 *
 * Only what could open an outbound session may: a TCP SYN, a UDP datagram.
 */
static uint32_t open_inbound(struct nat *n, const struct pkt_flow *f,
			     bool hairpin, uint64_t now, enum drop_reason *why)
{
	struct flow_key mk = f->key;
	const struct nat_mapping *m;
	struct nat_session tmpl;
	enum nat_alg alg;
	uint32_t mi, si;

	*why = DROP_NO_SESSION;
	if (f->key.proto == IPPROTO_TCP &&
	    (f->tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
		return 0;
	if (f->key.proto == IPPROTO_ICMP)
		return 0;
	mk.rem_addr = 0;
	mk.rem_port = 0;
	mi = mapping_find(&n->t, &mk);
	if (!mi || (!hairpin && !n->t.m[mi].is_static))
		return 0;
	if (n->t.m[mi].nsessions == MAP_SESSIONS_MAX) {
		*why = DROP_MAPPING_FULL;
		return 0;
	}
	if (n->t.sp.used >= n->t.sp.max) {
		*why = DROP_TABLE_FULL;
		return 0;
	}
	m = &n->t.m[mi];
	if (!alg_choose(n, mapping_proto(m), m->in_port, &alg, why))
		return 0;
	tmpl = (struct nat_session){
		.in_addr = m->in_addr,
		.in_port = m->in_port,
		.rem_addr = f->key.rem_addr,
		.rem_port = f->key.rem_port,
		.pub_addr = f->key.addr,
		.pub_port = m->pub_port,
		.pub_idx = m->pub_idx,
		.proto = mapping_proto(m),
		.klass = f->klass,
		.flags = hairpin ? SESS_HAIRPIN : SESS_INBOUND,
	};
	if (tmpl.proto == IPPROTO_TCP)
		tmpl.klass = proto_tcp_track(&tmpl, f->tcp_flags, DIR_IN);
	si = session_add(&n->t, mi, &tmpl, now);
	n->st.sessions_created++;
	if (alg != NAT_ALG_NONE)
		alg_conn_attach(n, si, alg);
	return si;
}

int nat_static_add(struct nat *n, uint8_t proto, uint32_t in_addr,
		   uint16_t in_port, uint32_t pub_addr, uint16_t pub_port)
{
	int idx = nat_pool_index(n, pub_addr);
	struct flow_key k;
	struct nat_mapping m;
	struct portpool *pp;
	enum port_space sp;

	if ((proto != IPPROTO_TCP && proto != IPPROTO_UDP) || idx < 0 ||
	    !in_port || !pub_port || ipv4_addr_martian(in_addr) ||
	    nat_pool_index(n, in_addr) >= 0 ||
	    (unsigned)idx != nat_pair_index(n, in_addr))
		return -EINVAL;
	flow_key_set(&k, SIDE_IN, proto, in_addr, htons(in_port), 0, 0);
	if (mapping_find(&n->t, &k))
		return -EADDRINUSE;
	if (n->t.mp.used >= n->t.mp.max)
		return -ENOSPC;
	sp = space_of(proto);
	pp = pool_of(n, (unsigned)idx, sp);
	if (!portpool_take_any(pp, &n->ranges[sp], pub_port))
		return -EADDRINUSE;
	m = (struct nat_mapping){
		.in_addr = in_addr,
		.in_port = htons(in_port),
		.pub_port = htons(pub_port),
		.pub_idx = (uint16_t)idx & 0x3ff,
		.pclass = mapping_pclass(proto) & 3,
		.is_static = 1,
	};
	mapping_add(&n->t, &m);
	n->st.mappings_created++;
	return 0;
}

static struct nat_frag *frag_slot(struct nat *n, uint32_t rem, uint32_t pub,
				  uint16_t id, uint8_t proto)
{
	uint64_t h = siphash13_2w(n->hkey, (uint64_t)rem << 32 | pub,
				  (uint64_t)id << 8 | proto);

	return &n->frags[h % NAT_FRAG_SLOTS];
}

void nat_frag_note(struct nat *n, const struct ipv4_hdr *ip, uint32_t in_addr,
		   uint64_t now)
{
	struct nat_frag *f = frag_slot(n, ip->saddr, ip->daddr, ip->id,
				       ip->proto);

	*f = (struct nat_frag){
		.rem_addr = ip->saddr, .pub_addr = ip->daddr,
		.in_addr = in_addr, .seen_ms = (uint32_t)now,
		.id = ip->id, .proto = ip->proto, .used = 1,
	};
}

/* A later fragment from outside follows its first fragment inside. */
static enum verdict frag_in(struct nat *n, struct pkt *p, uint64_t now)
{
	struct ipv4_hdr *ip = ipv4_hdr(p);
	const struct nat_frag *f = frag_slot(n, ip->saddr, ip->daddr, ip->id,
					     ip->proto);
	const struct l4_view none = { 0 };

	if (!f->used || f->rem_addr != ip->saddr || f->pub_addr != ip->daddr ||
	    f->id != ip->id || f->proto != ip->proto ||
	    (uint32_t)((uint32_t)now - f->seen_ms) >= NAT_FRAG_TIMEOUT_MS)
		return nat_drop(n, p, DROP_FRAGMENT);
	nat_set_addr(ip, &none, &ip->daddr, f->in_addr);
	return VERDICT_FORWARD;
}

/* A later fragment from inside leaves from its host's paired address. */
static enum verdict frag_out(struct nat *n, struct pkt *p)
{
	struct ipv4_hdr *ip = ipv4_hdr(p);
	const struct l4_view none = { 0 };

	if (nat_pool_index(n, ip->daddr) >= 0)
		return nat_drop(n, p, DROP_FRAGMENT);	/* no hairpin */
	nat_set_addr(ip, &none, &ip->saddr,
		     n->addrs[nat_pair_index(n, ip->saddr)]);
	return VERDICT_FORWARD;
}

/* Translate the destination of a packet arriving at a public address. */
static enum verdict translate_in(struct nat *n, struct pkt *p, uint64_t now,
				 bool hairpin)
{
	struct ipv4_hdr *ip = ipv4_hdr(p);
	const struct nat_session *s;
	enum drop_reason r;
	struct pkt_flow f;
	enum verdict v;
	uint32_t si;

	if (p->frag & PKT_FRAG_LATER)
		return frag_in(n, p, now);
	if (is_icmp_error(p))
		return proto_icmp_error(n, p, now);
	if (p->proto == IPPROTO_GRE)
		return proto_gre(n, p, now, hairpin);
	r = flow_of(p, &f);
	if (r)
		return nat_drop(n, p, r);
	si = nat_session_live(n, &f.key, now);
	if (si)
		session_touch(n, si, &f, DIR_IN, now);
	else if (!(si = open_inbound(n, &f, hairpin, now, &r)))
		return nat_drop(n, p, r);
	s = &n->t.s[si];
	if (s->alg_slot) {
		v = alg_segment(n, si, p, DIR_IN, hairpin, now);
		if (v != VERDICT_FORWARD)
			return v;
	}
	if (p->frag & PKT_FRAG_MORE && !hairpin)
		nat_frag_note(n, ip, s->in_addr, now);
	nat_set_addr(ip, &f.v, &ip->daddr, s->in_addr);
	nat_set_port(&f.v, s->in_port);
	return VERDICT_FORWARD;
}

/* Translate the source of a packet from inside: a session's own flow. */
static enum verdict translate_flow_out(struct nat *n, struct pkt *p,
				       uint64_t now)
{
	struct ipv4_hdr *ip = ipv4_hdr(p);
	const struct nat_session *s;
	enum drop_reason r;
	struct pkt_flow f;
	enum verdict v;
	uint32_t si;

	r = flow_of(p, &f);
	if (r)
		return nat_drop(n, p, r);
	si = nat_session_live(n, &f.key, now);
	if (si)
		session_touch(n, si, &f, DIR_OUT, now);
	else if (!f.may_create)
		return nat_drop(n, p, f.tcp_flags & TCP_RST ? DROP_TCP_NO_SYN
							      : DROP_NO_SESSION);
	else if (!(si = open_outbound(n, &f, now, &r)))
		return nat_drop(n, p, r);
	s = &n->t.s[si];
	if (s->alg_slot) {
		v = alg_segment(n, si, p, DIR_OUT, false, now);
		if (v != VERDICT_FORWARD)
			return v;
	}
	nat_set_addr(ip, &f.v, &ip->saddr, s->pub_addr);
	nat_set_port(&f.v, s->pub_port);
	return VERDICT_FORWARD;
}

/* Translate the source of a packet from inside; hairpin if it is for us. */
static enum verdict translate_out(struct nat *n, struct pkt *p, uint64_t now)
{
	struct ipv4_hdr *ip = ipv4_hdr(p);
	enum verdict v;

	if (p->frag & PKT_FRAG_LATER)
		return frag_out(n, p);
	if (is_icmp_error(p))
		v = proto_icmp_error(n, p, now);
	else if (p->proto == IPPROTO_GRE)
		v = proto_gre(n, p, now, false);
	else
		v = translate_flow_out(n, p, now);
	if (v != VERDICT_FORWARD || nat_pool_index(n, ip->daddr) < 0)
		return v;
	/* RFC 4787 REQ-9, RFC 5382 REQ-8: back in through the public side */
	p->dir = DIR_IN;
	v = translate_in(n, p, now, true);
	p->dir = DIR_OUT;
	if (v != VERDICT_FORWARD)
		return v;
	n->st.hairpinned++;
	return VERDICT_BACK;
}

static enum verdict from_inside(struct nat *n, struct pkt *p, uint64_t now)
{
	struct ipv4_hdr *ip = ipv4_hdr(p);
	enum verdict v;

	if (ipv4_addr_martian(ip->saddr) || ipv4_addr_martian(ip->daddr) ||
	    ip->saddr == n->cfg.router_addr || nat_pool_index(n, ip->saddr) >= 0)
		return nat_drop(n, p, DROP_MARTIAN);
	if (ip->daddr == n->cfg.router_addr)
		return to_router(n, p);
	if (p->proto == IPPROTO_ICMP && !(p->frag & PKT_FRAG_LATER) &&
	    icmp_is_request(((struct icmp_hdr *)(void *)pkt_l4(p))->type) &&
	    nat_pool_index(n, ip->daddr) >= 0)
		return to_router(n, p);
	if (ip->ttl <= 1)
		return ttl_exceeded(n, p, n->cfg.router_addr, now);

	v = translate_out(n, p, now);
	if (v == VERDICT_DROP || p->local)
		return v;
	ttl_decrement(ip);
	if (v == VERDICT_FORWARD)
		n->st.forwarded[DIR_OUT]++;
	return v;
}

static enum verdict from_outside(struct nat *n, struct pkt *p, uint64_t now)
{
	struct ipv4_hdr *ip = ipv4_hdr(p);
	enum verdict v;

	if (nat_pool_index(n, ip->daddr) < 0)
		return nat_drop(n, p, DROP_NOT_OURS);
	if (ipv4_addr_martian(ip->saddr) || nat_pool_index(n, ip->saddr) >= 0)
		return nat_drop(n, p, DROP_MARTIAN);
	if (p->proto == IPPROTO_ICMP && !(p->frag & PKT_FRAG_LATER) &&
	    icmp_is_request(((struct icmp_hdr *)(void *)pkt_l4(p))->type))
		return to_router(n, p);
	if (ip->ttl <= 1)
		return ttl_exceeded(n, p, ip->daddr, now);

	v = translate_in(n, p, now, false);
	if (v == VERDICT_DROP || p->local)
		return v;
	ttl_decrement(ip);
	n->st.forwarded[DIR_IN]++;
	return v;
}

/* The key a TCP or UDP packet will be looked up by, from its bytes alone
 * (unchecked: a wrong guess only prefetches the wrong line). */
static bool prefetch_key(const struct pkt *p, struct flow_key *k)
{
	const struct ipv4_hdr *ip = (const void *)p->data;
	const uint8_t *l4;
	unsigned ihl;

	if (p->len < IPV4_HDR_LEN + 4 || (p->data[0] >> 4) != 4)
		return false;
	ihl = ipv4_ihl_len(ip);
	if ((ip->proto != IPPROTO_TCP && ip->proto != IPPROTO_UDP) ||
	    p->len < ihl + 4 || ip->frag_off & htons(IPV4_OFFMASK))
		return false;
	l4 = p->data + ihl;
	if (p->dir == DIR_OUT)
		flow_key_set(k, SIDE_IN, ip->proto, ip->saddr,
			     ipv4_load16(l4), ip->daddr, ipv4_load16(l4 + 2));
	else
		flow_key_set(k, SIDE_OUT, ip->proto, ip->daddr,
			     ipv4_load16(l4 + 2), ip->saddr, ipv4_load16(l4));
	return true;
}

void nat_prefetch(struct nat *n, struct pkt *const *pkts, unsigned cnt)
{
	uint32_t h[NAT_BATCH_MAX];
	bool ok[NAT_BATCH_MAX];
	unsigned i;

	assert(cnt <= NAT_BATCH_MAX);
	/* a small table stays in the CPU's caches: the hashing would cost
	 * more than the prefetches save */
	if (n->t.sp.used < PREFETCH_MIN_SESSIONS)
		return;
	for (i = 0; i < cnt; i++) {
		struct flow_key k;

		ok[i] = prefetch_key(pkts[i], &k);
		if (ok[i]) {
			h[i] = session_hash(&n->t, &k);
			session_prefetch_bucket(&n->t, h[i]);
		}
	}
	for (i = 0; i < cnt; i++)
		if (ok[i])
			session_prefetch_head(&n->t, h[i]);
}

enum verdict nat_translate(struct nat *n, struct pkt *p, uint64_t now_ms)
{
	enum drop_reason r;

	assert(p->cap >= ICMP_ERR_MAX_LEN && p->dir < DIR_N);
	n->st.rx[p->dir]++;
	p->drop = DROP_NONE;
	p->local = false;
	/* a read-side hint: never assert a validity not checked here */
	p->vnet.flags &= (uint8_t)~VNET_DATA_VALID;
	r = ipv4_parse(p);
	if (r)
		return nat_drop(n, p, r);
	if (p->dir == DIR_OUT)
		return from_inside(n, p, now_ms);
	return from_outside(n, p, now_ms);
}
