/* SPDX-License-Identifier: MIT */
/* table.c - sessions with their mappings, ports, limits and counters
 *
 * Theory of operation.
 *
 * Opening.  Every session is made here, so that every limit is checked in
 * one place before anything is taken: the table (nat.max-sessions), the
 * inside host's share (max-sessions-per-host, RFC 6888 REQ-4), the
 * mapping's share (MAP_SESSIONS_MAX, REQ-5), a public port, an ALG state
 * slot.  When one is missing the flow is refused with the reason; nothing
 * that exists is ever evicted to make room (RFC 6888 REQ-11d).
 *
 * Mappings.  A new outbound flow reuses the mapping of its inside endpoint
 * (endpoint-independent mapping, RFC 4787 REQ-1, RFC 5382 REQ-1, RFC 5508
 * REQ-1), else gets a port on the public address paired with its inside
 * host: a keyed hash of the inside address picks it, so a host always
 * leaves from the same address (RFC 4787 REQ-2).  The port is the inside
 * port when free, else a random one of the same class, and of the same
 * parity while there is one (portpool.c).  Forwards are static mappings,
 * made once and never freed; their public endpoint may be on any public
 * address.
 *
 * Closing.  When a dynamic mapping loses its last session, its port rests
 * for nat.port-holddown (RFC 6888 REQ-8) before any mapping may take it:
 * a ring of released ports, oldest first, is emptied as their time comes.
 *
 * Counts.  Sessions are counted per inside address (the per-host limit)
 * and, for the address-dependent filter, per (mapping, remote address)
 * (filter.c); both counts move with every session made or freed here.
 */

#include <arpa/inet.h>

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../net/icmp.h"
#include "nat_int.h"
#include "siphash.h"

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

unsigned nat_pair_index(const struct nat *n, uint32_t in_addr)
{
	if (n->naddrs == 1)
		return 0;
	return (unsigned)(siphash13_2w(n->hkey, in_addr, 0x70616972) %
			  n->naddrs);
}

uint32_t nat_pair_address(const struct nat *n, uint32_t in_addr)
{
	return n->addrs[nat_pair_index(n, in_addr)];
}

bool prefix_match(const struct nat_prefix *pfx, unsigned cnt, uint32_t addr)
{
	uint32_t a = ntohl(addr);
	unsigned i;

	for (i = 0; i < cnt; i++) {
		uint32_t mask = pfx[i].len ? ~0u << (32 - pfx[i].len) : 0;

		if ((a & mask) == ntohl(pfx[i].addr))
			return true;
	}
	return false;
}

enum port_space space_of(uint8_t proto)
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

/* ---- ICMP errors the router sends -------------------------------------- */

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

enum verdict nat_icmp_error(struct nat *n, struct pkt *p, uint8_t type,
			    uint8_t code, uint32_t src, uint32_t info,
			    enum drop_reason fallback, uint64_t now)
{
	if (!icmp_error_allowed(p))
		return nat_drop(n, p, fallback);
	if (!icmp_credit_take(n, now))
		return nat_drop(n, p, DROP_ICMP_RATE);
	icmp_error_build(p, type, code, src, info);
	n->st.icmp_errors++;
	return VERDICT_BACK;
}

enum verdict table_refuse(struct nat *n, struct pkt *p, enum drop_reason why,
			  uint64_t now)
{
	const struct ipv4_hdr *ip = ipv4_hdr(p);
	uint32_t src = p->dir == DIR_OUT ? n->cfg.router_addr : ip->daddr;

	p->drop = why;
	n->st.drops[why]++;
	if (!n->cfg.icmp_on_failure ||
	    (why != DROP_TABLE_FULL && why != DROP_HOST_LIMIT &&
	     why != DROP_NO_PORT && why != DROP_MAPPING_FULL) ||
	    !icmp_error_allowed(p) || !icmp_credit_take(n, now))
		return VERDICT_DROP;
	icmp_error_build(p, ICMP_DEST_UNREACH, ICMP_ADMIN_PROHIBITED, src, 0);
	n->st.icmp_errors++;
	return VERDICT_BACK;
}

/* ---- released ports rest -------------------------------------------------- */

static uint64_t hold_entry(uint32_t ms, enum port_space sp, unsigned idx,
			   uint16_t port)
{
	return (uint64_t)ms << 32 | (uint64_t)sp << 26 | (uint64_t)idx << 16 |
	       port;
}

static void port_release(struct nat *n, unsigned idx, enum port_space sp,
			 uint16_t port, uint64_t now)
{
	struct holddown *h = &n->hold;

	if (!n->cfg.holddown_ms || h->n == h->cap) {
		/* no rest asked for (or, impossibly, no room to note it) */
		portpool_release(pool_of(n, idx, sp), &n->ranges[sp], port);
		return;
	}
	h->e[(h->head + h->n) % h->cap] = hold_entry((uint32_t)now, sp, idx,
						     port);
	h->n++;
}

void table_expire_holddown(struct nat *n, uint64_t now)
{
	struct holddown *h = &n->hold;

	while (h->n) {
		uint64_t e = h->e[h->head];
		uint32_t ms = (uint32_t)(e >> 32);
		enum port_space sp = (enum port_space)(e >> 26 & 3);

		if ((uint32_t)((uint32_t)now - ms) < n->cfg.holddown_ms)
			break;
		portpool_release(pool_of(n, (unsigned)(e >> 16 & 0x3ff), sp),
				 &n->ranges[sp], (uint16_t)e);
		h->head = (h->head + 1) % h->cap;
		h->n--;
	}
}

/* ---- sessions ------------------------------------------------------------ */

/* Room for one more session of inside host @in_addr? */
static bool room_for(const struct nat *n, uint32_t in_addr,
		     enum drop_reason *why)
{
	uint32_t lim = n->cfg.max_sessions_per_host;

	if (n->t.sp.used >= n->t.sp.max) {
		*why = DROP_TABLE_FULL;
		return false;
	}
	if (lim && addr_count(&n->hosts, n->hkey, in_addr) >= lim) {
		*why = DROP_HOST_LIMIT;
		return false;
	}
	return true;
}

uint32_t table_session_add(struct nat *n, uint32_t mi,
			   const struct nat_session *tmpl, uint64_t now,
			   enum drop_reason *why)
{
	uint32_t si, perm = 0;

	if (!room_for(n, tmpl->in_addr, why))
		return 0;
	if (mi && !n->t.m[mi].is_static) {
		perm = perm_add(n, mi, tmpl->rem_addr);
		if (!perm) {
			*why = DROP_TABLE_FULL;
			return 0;
		}
	}
	si = session_add(&n->t, mi, tmpl, now);
	assert(si);		/* a slot is free: checked above */
	n->t.s[si].aux[0] = perm;
	addr_count_add(&n->hosts, n->hkey, tmpl->in_addr, 1);
	n->st.sessions_created++;
	return si;
}

void table_session_free(struct nat *n, uint32_t si, uint64_t now)
{
	struct nat_session *s = &n->t.s[si];
	uint32_t mi, perm = 0;

	addr_count_sub(&n->hosts, n->hkey, s->in_addr, 1);
	/* only sessions of mappings have filter records (not GRE calls,
	 * whose aux words are hash links) */
	if (s->mapping)
		perm = s->aux[0];
	mi = session_del(&n->t, si);
	if (perm)
		perm_del(n, perm);
	n->st.sessions_expired++;
	if (mi) {
		const struct nat_mapping *m = &n->t.m[mi];

		port_release(n, m->pub_idx, space_of(mapping_proto(m)),
			     ntohs(m->pub_port), now);
		mapping_del(&n->t, mi);
	}
}

/* Session @si's time ran out: free it, or move a call to its next stage. */
static void session_end(struct nat *n, uint32_t si, uint64_t now)
{
	struct nat_session *s = &n->t.s[si];

	if (s->proto == IPPROTO_GRE && !(s->flags & SESS_ADDR) &&
	    s->alg != NAT_ALG_NONE) {
		if (s->klass != CLASS_GRE_QUARANTINE) {
			alg_call_expired(n, si, now);
			return;
		}
		alg_call_freed(n, si);
	}
	if (s->proto == IPPROTO_TCP && s->alg_slot)
		alg_conn_end(n, si, now);
	table_session_free(n, si, now);
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

unsigned table_expire_sessions(struct nat *n, uint64_t now, unsigned budget)
{
	unsigned freed = 0;
	enum nat_class c;

	for (c = 0; c < CLASS_N; c++) {
		uint32_t si;

		while (freed < budget && (si = session_oldest(&n->t, c)) &&
		       session_expired(&n->t, &n->t.s[si], now)) {
			session_end(n, si, now);
			freed++;
		}
	}
	return freed;
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

uint32_t table_open_outbound(struct nat *n, const struct pkt_flow *f,
			     uint64_t now, enum drop_reason *why)
{
	struct flow_key mk = f->key;
	struct nat_session tmpl;
	enum nat_alg alg;
	uint32_t mi, si;
	unsigned idx;
	int port;

	/* everything that can refuse the flow, before anything is taken */
	if (!room_for(n, f->key.addr, why) ||
	    !alg_choose(n, f->key.proto, f->key.rem_port, &alg, why))
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
		port = portpool_alloc(pool_of(n, idx, f->space),
				      &n->ranges[f->space], ntohs(f->key.port),
				      rng_next(n), n->cfg.port_parity);
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
	si = table_session_add(n, mi, &tmpl, now, why);
	if (!si) {
		/* only the filter records can be out of room here */
		if (!n->t.m[mi].nsessions && !n->t.m[mi].is_static) {
			portpool_release(pool_of(n, n->t.m[mi].pub_idx,
						 f->space),
					 &n->ranges[f->space],
					 ntohs(n->t.m[mi].pub_port));
			mapping_del(&n->t, mi);
		}
		return 0;
	}
	if (alg != NAT_ALG_NONE)
		alg_conn_attach(n, si, alg);
	return si;
}

uint32_t table_open_inbound(struct nat *n, uint32_t mi,
			    const struct pkt_flow *f, uint8_t flags,
			    uint64_t now, enum drop_reason *why)
{
	const struct nat_mapping *m = &n->t.m[mi];
	struct nat_session tmpl;
	enum nat_alg alg;
	uint32_t si;

	if (m->nsessions == MAP_SESSIONS_MAX) {
		*why = DROP_MAPPING_FULL;
		return 0;
	}
	if (!room_for(n, m->in_addr, why) ||
	    !alg_choose(n, mapping_proto(m), m->in_port, &alg, why))
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
		.flags = flags,
	};
	if (tmpl.proto == IPPROTO_TCP)
		tmpl.klass = proto_tcp_track(&tmpl, f->tcp_flags, DIR_IN);
	si = table_session_add(n, mi, &tmpl, now, why);
	if (si && alg != NAT_ALG_NONE)
		alg_conn_attach(n, si, alg);
	return si;
}

/* ---- forwards ------------------------------------------------------------ */

static int fwd_cmp(const void *a, const void *b)
{
	const struct nat_forward *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->pub_addr != y->pub_addr)
		return ntohl(x->pub_addr) < ntohl(y->pub_addr) ? -1 : 1;
	return x->pub_lo < y->pub_lo ? -1 : x->pub_lo > y->pub_lo;
}

const struct nat_forward *table_forward_of(const struct nat *n, uint8_t proto,
					   uint32_t addr, uint16_t port)
{
	unsigned lo = 0, hi = n->cfg.nforwards;

	/* the last forward that starts at or before (proto, addr, port) */
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		const struct nat_forward *f = &n->fwd[mid];
		struct nat_forward key = { .proto = proto, .pub_addr = addr,
					   .pub_lo = port };

		if (fwd_cmp(f, &key) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	{
		const struct nat_forward *f = &n->fwd[lo - 1];

		if (f->proto == proto && f->pub_addr == addr &&
		    port >= f->pub_lo && port <= f->pub_hi)
			return f;
	}
	return NULL;
}

const struct nat_forward *table_forward_from_inside(const struct nat *n,
						    uint8_t proto,
						    uint32_t in_addr)
{
	unsigned i;

	/* protocol forwards are few: a scan is enough */
	for (i = 0; i < n->cfg.nforwards; i++)
		if (n->fwd[i].proto == proto && n->fwd[i].in_addr == in_addr &&
		    !n->fwd[i].pub_lo)
			return &n->fwd[i];
	return NULL;
}

/* The static mappings of port forward @f. */
static int forward_install(struct nat *n, const struct nat_forward *f)
{
	int idx = nat_pool_index(n, f->pub_addr);
	enum port_space sp = space_of(f->proto);
	uint32_t i, cnt = (uint32_t)f->pub_hi - f->pub_lo + 1;

	if (idx < 0)
		return -EINVAL;
	for (i = 0; i < cnt; i++) {
		uint16_t pub = (uint16_t)(f->pub_lo + i);
		uint16_t in = (uint16_t)(f->in_lo + i);
		struct nat_mapping m = {
			.in_addr = f->in_addr,
			.in_port = htons(in),
			.pub_port = htons(pub),
			.pub_idx = (uint16_t)idx & 0x3ff,
			.pclass = mapping_pclass(f->proto) & 3,
			.is_static = 1,
		};
		struct flow_key k;

		flow_key_set(&k, SIDE_IN, f->proto, f->in_addr, htons(in), 0,
			     0);
		if (mapping_find(&n->t, &k))
			return -EADDRINUSE;
		if (n->t.mp.used >= n->t.mp.max)
			return -ENOSPC;
		if (!portpool_take_any(pool_of(n, (unsigned)idx, sp),
				       &n->ranges[sp], pub))
			return -EADDRINUSE;
		mapping_add(&n->t, &m);
		n->st.mappings_created++;
	}
	return 0;
}

/* Copy the forwards of @cfg, sorted, with their from lists. */
static int forwards_copy(struct nat *n, const struct nat_config *cfg)
{
	unsigned i, nfrom = 0, at = 0;

	for (i = 0; i < cfg->nforwards; i++)
		nfrom += cfg->forwards[i].nfrom;
	n->fwd = calloc(cfg->nforwards + 1, sizeof(*n->fwd));
	n->fwd_from = calloc(nfrom + 1, sizeof(*n->fwd_from));
	if (!n->fwd || !n->fwd_from)
		return -ENOMEM;
	for (i = 0; i < cfg->nforwards; i++) {
		n->fwd[i] = cfg->forwards[i];
		memcpy(n->fwd_from + at, cfg->forwards[i].from,
		       cfg->forwards[i].nfrom * sizeof(*n->fwd_from));
		n->fwd[i].from = n->fwd_from + at;
		at += cfg->forwards[i].nfrom;
	}
	qsort(n->fwd, cfg->nforwards, sizeof(*n->fwd), fwd_cmp);
	n->cfg.forwards = n->fwd;
	return 0;
}

/* ---- set up -------------------------------------------------------------- */

int table_init(struct nat *n, const struct nat_config *cfg)
{
	unsigned i;
	int err;

	if (addr_counts_init(&n->hosts, cfg->max_sessions))
		return -ENOMEM;
	n->hold.cap = cfg->max_sessions + 1;
	n->hold.e = calloc(n->hold.cap, sizeof(*n->hold.e));
	if (!n->hold.e)
		return -ENOMEM;
	err = forwards_copy(n, cfg);
	if (err)
		return err;
	for (i = 0; i < n->cfg.nforwards; i++) {
		const struct nat_forward *f = &n->fwd[i];

		if (f->proto != IPPROTO_TCP && f->proto != IPPROTO_UDP)
			continue;
		err = forward_install(n, f);
		if (err)
			return err;
	}
	return 0;
}

void table_fini(struct nat *n)
{
	addr_counts_fini(&n->hosts);
	free(n->hold.e);
	free(n->fwd);
	free(n->fwd_from);
}
