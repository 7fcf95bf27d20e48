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
#include <stdio.h>
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
	return nat_shared_index(n->sh, addr);
}

unsigned nat_pair_index(const struct nat *n, uint32_t in_addr)
{
	if (n->sh->nactive == 1)
		return n->sh->active[0];
	return n->sh->active[siphash13_2w(n->hkey, in_addr, 0x70616972) %
			 n->sh->nactive];
}

uint32_t nat_pair_address(const struct nat *n, uint32_t in_addr)
{
	return n->sh->addrs[nat_pair_index(n, in_addr)];
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
	return &n->sh->pools[pub_idx * PSPACE_N + sp];
}

enum nat_proto_class nat_proto_class(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return NAT_PC_TCP;
	case IPPROTO_UDP:
		return NAT_PC_UDP;
	case IPPROTO_ICMP:
		return NAT_PC_ICMP;
	case IPPROTO_GRE:
		return NAT_PC_GRE;
	default:
		return NAT_PC_OTHER;
	}
}

const char *nat_proto_class_name(enum nat_proto_class pc)
{
	static const char *const names[NAT_PC_N] = {
		[NAT_PC_TCP] = "tcp", [NAT_PC_UDP] = "udp",
		[NAT_PC_ICMP] = "icmp", [NAT_PC_GRE] = "gre",
		[NAT_PC_OTHER] = "other",
	};

	return (unsigned)pc < NAT_PC_N ? names[pc] : "?";
}

/* Tell the operator, with nat.log-mappings, of a mapping or session made
 * or freed (calls have events of their own). */
static void log_event(struct nat *n, enum nat_event_type type, uint8_t proto,
		      uint32_t in_addr, uint16_t in_port, uint32_t pub_addr,
		      uint16_t pub_port, uint32_t rem_addr, uint16_t rem_port,
		      uint32_t ago_ms)
{
	struct nat_event ev = {
		.type = type, .proto = proto, .ago_ms = ago_ms,
		.in_addr = in_addr, .pub_addr = pub_addr, .rem_addr = rem_addr,
		.in_port = ntohs(in_port), .pub_port = ntohs(pub_port),
		.rem_port = ntohs(rem_port),
	};

	n->cfg.event(n->cfg.event_arg, &ev);
}

/* How long ago session @s ran out of time, 0 if it has not (it was ended
 * by something else, or is being made). */
static uint32_t ended_ago(const struct nat *n, const struct nat_session *s,
			  uint64_t now)
{
	uint32_t idle = (uint32_t)now - s->last_ms;
	uint32_t timeout = n->t.timeout_ms[s->klass];

	return idle > timeout ? idle - timeout : 0;
}

static void log_session(struct nat *n, enum nat_event_type type,
			const struct nat_session *s, uint32_t ago_ms)
{
	if (n->cfg.log_sessions && n->cfg.event && !session_is_call(s))
		log_event(n, type, s->proto, s->in_addr, s->in_port,
			  session_pub_addr(&n->t, s), s->pub_port, s->rem_addr,
			  s->rem_port, ago_ms);
}

static void log_mapping(struct nat *n, enum nat_event_type type,
			const struct nat_mapping *m, uint32_t ago_ms)
{
	if (n->cfg.log_mappings && n->cfg.event)
		log_event(n, type, mapping_proto(m), m->in_addr, m->in_port,
			  n->sh->addrs[m->pub_idx], m->pub_port, 0, 0, ago_ms);
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

/* Free @port of @sp on slot @idx: its owner first, so that no other
 * worker's claim can be undone. */
static void port_give_back(struct nat *n, unsigned idx, enum port_space sp,
			   uint16_t port)
{
	owner_set(n->sh, idx, sp, port, 0);
	portpool_release(pool_of(n, idx, sp), &n->sh->ranges[sp], port);
}

/* Note that this engine's worker holds @port of @sp on slot @idx. */
static void port_owned(struct nat *n, unsigned idx, enum port_space sp,
		       uint16_t port)
{
	owner_set(n->sh, idx, sp, port, n->worker + 1);
}

static void port_release(struct nat *n, unsigned idx, enum port_space sp,
			 uint16_t port, uint64_t now)
{
	struct holddown *h = &n->hold;

	if (!n->cfg.holddown_ms || h->n == h->cap) {
		/* no rest asked for (or, impossibly, no room to note it) */
		port_give_back(n, idx, sp, port);
		return;
	}
	portpool_rest(pool_of(n, idx, sp), port);
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
		/* a forward may have taken it meanwhile: then it stays */
		if (portpool_unrest(pool_of(n, (unsigned)(e >> 16 & 0x3ff),
					    sp), (uint16_t)e))
			port_give_back(n, (unsigned)(e >> 16 & 0x3ff), sp,
				       (uint16_t)e);
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

uint32_t table_session_add(struct nat *n, uint32_t mref,
			   const struct nat_session *tmpl, uint64_t now,
			   enum drop_reason *why)
{
	struct nat_mapping m;
	bool perm = false;
	uint32_t si;

	if (!room_for(n, tmpl->in_addr, why))
		return 0;
	if (mref) {
		m = mref == MREF_NEW ? mapping_hosted_by(tmpl)
				     : mapping_get(&n->t, mref);
		if (filter_wants_record(n, &m)) {
			perm = perm_add(n, &m, tmpl->rem_addr);
			if (!perm) {
				*why = DROP_TABLE_FULL;
				return 0;
			}
		}
	}
	si = session_add(&n->t, mref, tmpl, now);
	assert(si);		/* a slot is free: checked above */
	n->t.s[si].flags &= (uint8_t)~SESS_PERM;
	if (perm)
		n->t.s[si].flags |= SESS_PERM;
	if (mref == MREF_NEW) {
		n->st.mappings_created++;
		log_mapping(n, NAT_EV_MAPPING_UP, &m, 0);
	}
	addr_count_add(&n->hosts, n->hkey, tmpl->in_addr, 1);
	n->st.sessions_created++;
	n->st.proto[nat_proto_class(tmpl->proto)].sessions_created++;
	n->st.proto[nat_proto_class(tmpl->proto)].sessions++;
	log_session(n, NAT_EV_SESSION_UP, &n->t.s[si], 0);
	return si;
}

void table_session_free(struct nat *n, uint32_t si, uint64_t now)
{
	struct nat_session *s = &n->t.s[si];
	enum nat_proto_class pc = nat_proto_class(s->proto);
	uint32_t ago = ended_ago(n, s, now);
	struct nat_mapping m;

	addr_count_sub(&n->hosts, n->hkey, s->in_addr, 1);
	if (session_is_call(s))
		call_id_release(n, s->pub_idx, ntohs(s->pub_port));
	if (session_is_call(s) && s->klass == CLASS_GRE_QUARANTINE) {
		n->st.resting_calls--;	/* it ended when it began to rest */
	} else {
		n->st.proto[pc].sessions--;
		n->st.proto[pc].sessions_ended++;
	}
	log_session(n, NAT_EV_SESSION_DOWN, s, ago);
	if (s->flags & SESS_PERM) {
		m = mapping_get(&n->t, session_mref(&n->t, s));
		perm_del(n, &m, s->rem_addr);
	}
	n->st.sessions_expired++;
	if (session_del(&n->t, si, &m)) {
		log_mapping(n, NAT_EV_MAPPING_DOWN, &m, ago);
		port_release(n, m.pub_idx, space_of(mapping_proto(&m)),
			     ntohs(m.pub_port), now);
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
	if (session_ctl_slot(s))
		alg_conn_end(n, si, now);
	table_session_free(n, si, now);
}

void table_session_kill(struct nat *n, uint32_t si, uint64_t now)
{
	const struct nat_session *s = &n->t.s[si];

	/* a resting Call ID is no session: it rests on */
	if (!(session_is_call(s) && s->klass == CLASS_GRE_QUARANTINE))
		session_end(n, si, now);
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

/* The ALG a new TCP session toward @server_port, opened by @client (0: a
 * hairpin's inbound half), gets, if any.  A connection the ALG has no room
 * to watch, in all or in its client's share, is refused: it would carry
 * untranslated identifiers. */
static bool alg_choose(const struct nat *n, uint8_t proto,
		       uint16_t server_port, uint32_t client,
		       enum nat_alg *alg, enum drop_reason *why)
{
	enum drop_reason r;

	*alg = proto == IPPROTO_TCP ? alg_for_port(n, ntohs(server_port))
				    : NAT_ALG_NONE;
	if (*alg == NAT_ALG_NONE)
		return true;
	r = alg_has_room(n, *alg, client);
	if (r == DROP_NONE)
		return true;
	*why = r;
	return false;
}

uint32_t table_open_outbound(struct nat *n, const struct pkt_flow *f,
			     uint64_t now, enum drop_reason *why)
{
	struct flow_key mk = f->key;
	struct nat_session tmpl;
	struct nat_mapping m;
	enum nat_alg alg;
	uint32_t mi, si;
	unsigned idx;
	int port;

	/* everything that can refuse the flow, before anything is taken */
	if (!room_for(n, f->key.addr, why) ||
	    !alg_choose(n, f->key.proto, f->key.rem_port, f->key.addr, &alg,
			why))
		return 0;
	mk.rem_addr = 0;
	mk.rem_port = 0;
	mi = mapping_find(&n->t, &mk);
	if (mi) {
		m = mapping_get(&n->t, mi);
		if (m.nsessions == MAP_SESSIONS_MAX) {
			*why = DROP_MAPPING_FULL;
			return 0;
		}
	} else {
		/* static mappings hold slots with no session: the mappings
		 * can be as many as allowed while the sessions are not (and
		 * then, a mapping that moves out of its session finds a
		 * record free) */
		if (mapping_count(&n->t) >= n->t.mp.max) {
			*why = DROP_TABLE_FULL;
			return 0;
		}
		idx = nat_pair_index(n, f->key.addr);
		port = portpool_alloc(pool_of(n, idx, f->space),
				      &n->sh->ranges[f->space], ntohs(f->key.port),
				      rng_next(n), n->cfg.port_parity);
		if (port < 0) {
			*why = DROP_NO_PORT;
			return 0;
		}
		port_owned(n, idx, f->space, (uint16_t)port);
		m = (struct nat_mapping){
			.in_addr = f->key.addr,
			.in_port = f->key.port,
			.pub_port = htons((uint16_t)port),
			.pub_idx = (uint16_t)idx,
			.pclass = mapping_pclass(f->key.proto) & 3,
		};
		mi = MREF_NEW;		/* the session will host it */
	}

	tmpl = (struct nat_session){
		.in_addr = f->key.addr,
		.in_port = f->key.port,
		.rem_addr = f->key.rem_addr,
		.rem_port = f->key.rem_port,
		.pub_port = m.pub_port,
		.pub_idx = m.pub_idx,
		.proto = f->key.proto,
		.klass = f->klass,
	};
	if (tmpl.proto == IPPROTO_TCP)
		tmpl.klass = proto_tcp_track(&tmpl, f->tcp_flags, DIR_OUT);
	si = table_session_add(n, mi, &tmpl, now, why);
	if (!si) {
		/* only the filter records can be out of room here */
		if (mi == MREF_NEW)
			port_give_back(n, m.pub_idx, f->space,
				       ntohs(m.pub_port));
		return 0;
	}
	if (alg != NAT_ALG_NONE)
		alg_conn_attach(n, si, alg);
	return si;
}

uint32_t table_open_inbound(struct nat *n, uint32_t mref,
			    const struct pkt_flow *f, uint8_t flags,
			    uint64_t now, enum drop_reason *why)
{
	const struct nat_mapping m = mapping_get(&n->t, mref);
	struct nat_session tmpl;
	enum nat_alg alg;
	uint32_t si;

	if (m.nsessions == MAP_SESSIONS_MAX) {
		*why = DROP_MAPPING_FULL;
		return 0;
	}
	if (!room_for(n, m.in_addr, why) ||
	    !alg_choose(n, mapping_proto(&m), m.in_port,
			flags & SESS_HAIRPIN ? 0 : f->key.rem_addr, &alg,
			why))
		return 0;
	tmpl = (struct nat_session){
		.in_addr = m.in_addr,
		.in_port = m.in_port,
		.rem_addr = f->key.rem_addr,
		.rem_port = f->key.rem_port,
		.pub_port = m.pub_port,
		.pub_idx = m.pub_idx,
		.proto = mapping_proto(&m),
		.klass = f->klass,
		.flags = flags,
	};
	if (tmpl.proto == IPPROTO_TCP)
		tmpl.klass = proto_tcp_track(&tmpl, f->tcp_flags, DIR_IN);
	si = table_session_add(n, mref, &tmpl, now, why);
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

/* The forward of sorted @fwd (@cnt) whose public side is @proto @addr
 * @port, or NULL. */
static const struct nat_forward *forward_find(const struct nat_forward *fwd,
					      unsigned cnt, uint8_t proto,
					      uint32_t addr, uint16_t port)
{
	struct nat_forward key = { .proto = proto, .pub_addr = addr,
				   .pub_lo = port };
	unsigned lo = 0, hi = cnt;
	const struct nat_forward *f;

	/* the last forward that starts at or before (proto, addr, port) */
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (fwd_cmp(&fwd[mid], &key) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	f = &fwd[lo - 1];
	if (f->proto == proto && f->pub_addr == addr && port >= f->pub_lo &&
	    port <= f->pub_hi)
		return f;
	return NULL;
}

const struct nat_forward *table_forward_of(const struct nat *n, uint8_t proto,
					   uint32_t addr, uint16_t port)
{
	return forward_find(n->fwd, n->cfg.nforwards, proto, addr, port);
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

/* Does forward list @fwd map public @proto @pub_addr:@pub_port to
 * @in_addr:@in_port (ports host order)? */
static bool forward_maps(const struct nat_forward *fwd, unsigned cnt,
			 uint8_t proto, uint32_t pub_addr, uint16_t pub_port,
			 uint32_t in_addr, uint16_t in_port)
{
	const struct nat_forward *f = forward_find(fwd, cnt, proto, pub_addr,
						   pub_port);

	return f && f->in_addr == in_addr &&
	       f->in_lo + (pub_port - f->pub_lo) == in_port;
}

/* The mapping of @proto @addr:@port (host order) on @side, or 0. */
static uint32_t mapping_at(const struct nat *n, enum key_side side,
			   uint8_t proto, uint32_t addr, uint16_t port)
{
	struct flow_key k;

	flow_key_set(&k, side, proto, addr, htons(port), 0, 0);
	return mapping_find(&n->t, &k);
}

/* May port @i of new forward @f be installed?  A mapping already there
 * must be the same static one, or one of a forward that goes and has no
 * session left (it is freed first). */
static int forward_port_check(const struct nat *n, const struct nat_forward *f,
			      uint32_t i, char *err, size_t errlen)
{
	uint16_t pub = (uint16_t)(f->pub_lo + i), in = (uint16_t)(f->in_lo + i);
	uint32_t mi = mapping_at(n, SIDE_IN, f->proto, f->in_addr, in);
	struct nat_mapping view = mapping_get(&n->t, mi);
	const struct nat_mapping *m = mi ? &view : NULL;
	uint32_t pi;

	if (m && m->is_static && n->sh->addrs[m->pub_idx] == f->pub_addr &&
	    ntohs(m->pub_port) == pub)
		return 0;		/* it is there already */
	if (m && (!m->is_static || m->nsessions)) {
		snprintf(err, errlen, "the inside endpoint of forward %s port %u has a mapping with sessions now",
			 f->proto == IPPROTO_TCP ? "tcp" : "udp", pub);
		return -EADDRINUSE;
	}
	pi = mapping_at(n, SIDE_OUT, f->proto, f->pub_addr, pub);
	view = mapping_get(&n->t, pi);
	if (pi && (!view.is_static || view.nsessions)) {
		snprintf(err, errlen, "public port %u of forward %s is held by a mapping with sessions now",
			 pub, f->proto == IPPROTO_TCP ? "tcp" : "udp");
		return -EADDRINUSE;
	}
	/* with several workers, another's mapping may hold it: its owner
	 * byte says so, unless the port only rests */
	if (!pi && n->sh->owner) {
		int slot = nat_pool_index(n, f->pub_addr);
		enum port_space sp = space_of(f->proto);
		unsigned w1 = owner_of(n->sh, (unsigned)slot, sp, pub);
		const struct portpool *pp =
			&n->sh->pools[(unsigned)slot * PSPACE_N + sp];

		if (w1 && w1 != n->worker + 1 && !portpool_resting(pp, pub)) {
			snprintf(err, errlen, "public port %u of forward %s is held by a mapping of worker %u now",
				 pub, f->proto == IPPROTO_TCP ? "tcp" : "udp",
				 w1 - 1);
			return -EADDRINUSE;
		}
	}
	return 0;
}

/* Forget static mapping @mi (its forward is gone): it ends with its last
 * session like any other, at once if it has none. */
static void forward_drop(struct nat *n, uint32_t mi, uint64_t now)
{
	struct nat_mapping *m = &n->t.m[mi];

	assert(!(mi & MREF_HOSTED));	/* a static mapping has a record */
	m->is_static = 0;
	if (m->nsessions)
		return;
	port_release(n, m->pub_idx, space_of(mapping_proto(m)),
		     ntohs(m->pub_port), now);
	mapping_del(&n->t, mi);
}

/* Is port forward @f this engine's: are its inside host's packets steered
 * to this worker?  Only that worker holds its static mappings. */
static bool fwd_ours(const struct nat *n, const struct nat_forward *f)
{
	return (f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP) &&
	       nat_steer_host(n->sh, f->in_addr) == n->worker;
}

int table_forwards_apply(struct nat *n, const struct nat_forward *fwd,
			 unsigned cnt, uint64_t now, char *err, size_t errlen)
{
	uint64_t want = 0;
	unsigned i, k;
	int rc;

	for (i = 0; i < cnt; i++) {
		const struct nat_forward *f = &fwd[i];

		if (!fwd_ours(n, f))
			continue;
		if (nat_pool_index(n, f->pub_addr) < 0) {
			snprintf(err, errlen, "a forward's public address is not in the pool");
			return -EINVAL;
		}
		for (k = 0; k <= (unsigned)(f->pub_hi - f->pub_lo); k++) {
			rc = forward_port_check(n, f, k, err, errlen);
			if (rc)
				return rc;
			want += !mapping_at(n, SIDE_OUT, f->proto,
					    f->pub_addr,
					    (uint16_t)(f->pub_lo + k));
		}
	}
	if (mapping_count(&n->t) + want > n->t.mp.max) {
		snprintf(err, errlen, "the forwards need more mappings than nat.max-sessions leaves");
		return -ENOSPC;
	}
	/* from here on nothing fails: the old forwards' mappings that stay
	 * are kept, the others let go, the new ones made */
	for (i = 0; i < n->cfg.nforwards; i++) {
		const struct nat_forward *f = &n->fwd[i];

		if (!fwd_ours(n, f))
			continue;
		for (k = 0; k <= (unsigned)(f->pub_hi - f->pub_lo); k++) {
			uint16_t pub = (uint16_t)(f->pub_lo + k);
			uint32_t mi = mapping_at(n, SIDE_OUT, f->proto,
						 f->pub_addr, pub);
			struct nat_mapping m = mapping_get(&n->t, mi);

			if (mi && m.is_static &&
			    !forward_maps(fwd, cnt, f->proto, f->pub_addr, pub,
					  m.in_addr, ntohs(m.in_port)))
				forward_drop(n, mi, now);
		}
	}
	for (i = 0; i < cnt; i++) {
		const struct nat_forward *f = &fwd[i];
		int idx = nat_pool_index(n, f->pub_addr);
		enum port_space sp = space_of(f->proto);

		if (!fwd_ours(n, f))
			continue;
		for (k = 0; k <= (unsigned)(f->pub_hi - f->pub_lo); k++) {
			uint16_t pub = (uint16_t)(f->pub_lo + k);
			uint16_t in = (uint16_t)(f->in_lo + k);
			struct nat_mapping m = {
				.in_addr = f->in_addr,
				.in_port = htons(in),
				.pub_port = htons(pub),
				.pub_idx = (uint16_t)idx & 0x3ff,
				.pclass = mapping_pclass(f->proto) & 3,
				.is_static = 1,
			};
			uint32_t mi = mapping_at(n, SIDE_OUT, f->proto,
						 f->pub_addr, pub);

			if (mi) {
				/* the same forward as before, or one that
				 * had no session left (so static, with a
				 * record): take it over */
				assert(!(mi & MREF_HOSTED));
				if (n->t.m[mi].in_addr == m.in_addr &&
				    n->t.m[mi].in_port == m.in_port) {
					n->t.m[mi].is_static = 1;
					continue;
				}
				forward_drop(n, mi, now);
			}
			portpool_take_any(pool_of(n, (unsigned)idx, sp),
					  &n->sh->ranges[sp], pub);
			port_owned(n, (unsigned)idx, sp, pub);
			mapping_add(&n->t, &m);
			n->st.mappings_created++;
		}
	}
	return 0;
}

int table_forwards_copy(const struct nat_config *cfg, struct nat_forward **fwd,
			struct nat_prefix **from)
{
	unsigned i, nfrom = 0, at = 0;

	for (i = 0; i < cfg->nforwards; i++)
		nfrom += cfg->forwards[i].nfrom;
	*fwd = calloc(cfg->nforwards + 1, sizeof(**fwd));
	*from = calloc(nfrom + 1, sizeof(**from));
	if (!*fwd || !*from) {
		free(*fwd);
		free(*from);
		return -ENOMEM;
	}
	for (i = 0; i < cfg->nforwards; i++) {
		(*fwd)[i] = cfg->forwards[i];
		if (cfg->forwards[i].nfrom)	/* else from may be NULL */
			memcpy(*from + at, cfg->forwards[i].from,
			       cfg->forwards[i].nfrom * sizeof(**from));
		(*fwd)[i].from = *from + at;
		at += cfg->forwards[i].nfrom;
	}
	qsort(*fwd, cfg->nforwards, sizeof(**fwd), fwd_cmp);
	return 0;
}

/* ---- set up -------------------------------------------------------------- */

int table_init(struct nat *n, const struct nat_config *cfg)
{
	char why[128];
	int err;

	if (addr_counts_init(&n->hosts, cfg->max_sessions))
		return -ENOMEM;
	n->hold.cap = cfg->max_sessions + 1;
	n->hold.e = calloc(n->hold.cap, sizeof(*n->hold.e));
	if (!n->hold.e)
		return -ENOMEM;
	n->cfg.nforwards = 0;	/* none installed yet */
	err = table_forwards_copy(cfg, &n->fwd, &n->fwd_from);
	if (err)
		return err;
	n->cfg.forwards = n->fwd;
	err = table_forwards_apply(n, n->fwd, cfg->nforwards, 0, why,
				   sizeof(why));
	if (err)
		return -EINVAL;
	n->cfg.nforwards = cfg->nforwards;
	return 0;
}

void table_fini(struct nat *n)
{
	addr_counts_fini(&n->hosts);
	free(n->hold.e);
	free(n->fwd);
	free(n->fwd_from);
}
