/* SPDX-License-Identifier: MIT */
/* nat.c - the NAPT engine: one packet in, one verdict out
 *
 * Theory of operation.
 *
 * Tuples.  A packet from inside (DIR_OUT) is looked up by its inside view
 * (protocol, inside address and port, remote address and port); a packet
 * from outside (DIR_IN) by its outside view (protocol, public address and
 * port, remote address and port).  ICMP queries use their identifier as the
 * port and 0 as the remote port; protocols without ports use addresses
 * alone (proto_other.c).  The session table (session.c) indexes every
 * session under both views; table.c makes and frees sessions, mappings and
 * ports under every limit.
 *
 * A packet from inside, in order: drop what may never be routed (martian
 * addresses, source routes); answer what is for the router itself; pass a
 * packet to an exempt destination untranslated (RFC 6888 REQ-6); drop a
 * source outside the inside prefixes; answer an expired TTL (RFC 5508 7.2)
 * and, with DF set, a packet too big for the next hop (RFC 5508 7.1.1);
 * then translate: a later fragment follows its first (frag.c), anything
 * else goes to its protocol's handler and gets its session, opened if it
 * may open one.  A packet to a public address goes on, through the
 * destination's mapping, back inside (hairpinning, RFC 4787 REQ-9, RFC
 * 5382 REQ-8).  Last, TTL down by one, the MSS clamped on a SYN, and the
 * packet cut to fit the next hop if it must be.
 *
 * A packet from outside goes the same way, with filtering (filter.c) deciding
 * what a mapping lets in without a session of its own, unsolicited SYNs
 * held (RFC 5382 REQ-4), and forwards opening sessions to inside servers.
 *
 * Timeouts (idle; ICMP errors never refresh): TCP established >= 2 h 4 min
 * and transitory >= 4 min (RFC 5382 REQ-5), UDP >= 2 min, 5 min default (RFC
 * 4787 REQ-5), refreshed from outside only with nat.inbound-refresh (REQ-6),
 * ICMP query >= 60 s (RFC 5508 REQ-2); shorter ones only as the caller
 * allows.  See session.h for how expiry is exact yet swept lazily.
 *
 * The router itself answers echo requests to its inside address and to the
 * public addresses, and sends ICMP errors (rate-limited, table.c): time
 * exceeded, fragmentation needed, and when a session cannot be made,
 * destination unreachable.
 *
 * Checksums are updated incrementally (RFC 1624, rewrite.c), except for
 * ICMP errors, whose whole message is summed again after the quote is
 * rewritten.
 */

#include <arpa/inet.h>

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../net/icmp.h"
#include "nat_int.h"

#define PREFETCH_MIN_SESSIONS	32768

uint64_t nat_memory_bytes(const struct nat_config *cfg)
{
	return sizeof(struct nat) + session_table_bytes(cfg->max_sessions) +
	       (uint64_t)cfg->naddrs * PSPACE_N * sizeof(struct portpool) +
	       (uint64_t)NAT_POOL_MAX * sizeof(uint32_t) +
	       (uint64_t)(cfg->max_sessions + 1) *
	       (sizeof(struct perm) + sizeof(uint64_t) + 2 * 8 + 4);
}

/* ---- the configuration ---------------------------------------------------- */

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

static bool prefixes_valid(const struct nat_prefix *p, unsigned cnt,
			   unsigned max)
{
	unsigned i;

	if (cnt > max || (cnt && !p))
		return false;
	for (i = 0; i < cnt; i++) {
		uint32_t mask = p[i].len ? ~0u << (32 - p[i].len) : 0;

		if (p[i].len > 32 || (ntohl(p[i].addr) & ~mask))
			return false;
	}
	return true;
}

static bool in_pool(const struct nat_config *c, uint32_t addr)
{
	unsigned i;

	for (i = 0; i < c->naddrs; i++)
		if (c->addrs[i] == addr)
			return true;
	return false;
}

static bool forward_valid(const struct nat_config *c,
			  const struct nat_forward *f)
{
	bool ports = f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP;

	if (!f->proto || f->proto == IPPROTO_ICMP || !in_pool(c, f->pub_addr) ||
	    ipv4_addr_martian(f->in_addr) || in_pool(c, f->in_addr) ||
	    f->in_addr == c->router_addr ||
	    !prefixes_valid(f->from, f->nfrom, NAT_FROM_MAX))
		return false;
	if (!ports)
		return !f->pub_lo && !f->pub_hi && !f->in_lo;
	return f->pub_lo && f->pub_lo <= f->pub_hi && f->in_lo &&
	       (uint32_t)f->in_lo + (f->pub_hi - f->pub_lo) <= 65535;
}

/* Do two forwards claim one public port, one inside endpoint, or (address
 * only) one protocol on one public address or inside host? */
static bool forwards_overlap(const struct nat_forward *f, unsigned cnt)
{
	unsigned i, k;

	for (i = 0; i < cnt; i++) {
		for (k = i + 1; k < cnt; k++) {
			const struct nat_forward *a = &f[i], *b = &f[k];
			uint32_t a_hi = (uint32_t)a->in_lo + (a->pub_hi - a->pub_lo);
			uint32_t b_hi = (uint32_t)b->in_lo + (b->pub_hi - b->pub_lo);

			if (a->proto != b->proto)
				continue;
			if (a->pub_addr == b->pub_addr &&
			    a->pub_lo <= b->pub_hi && b->pub_lo <= a->pub_hi)
				return true;
			if (a->in_addr == b->in_addr && a->in_lo <= b_hi &&
			    b->in_lo <= a_hi)
				return true;
		}
	}
	return false;
}

bool nat_config_valid(const struct nat_config *c)
{
	unsigned i;

	if (!c->naddrs || c->naddrs > NAT_POOL_MAX || !c->addrs)
		return false;
	if (!c->port_lo || c->port_lo > c->port_hi)
		return false;
	if (!c->max_sessions || c->max_sessions > NAT_SESSIONS_MAX)
		return false;
	if (!timeout_valid(c->tcp_est_ms) || !timeout_valid(c->tcp_open_ms) ||
	    !timeout_valid(c->tcp_close_ms) ||
	    !timeout_valid(c->udp_ms) || !timeout_valid(c->icmp_ms) ||
	    !timeout_valid(c->gre_ms) || !timeout_valid(c->other_ms) ||
	    c->holddown_ms >= NAT_TIMEOUT_MAX_MS)
		return false;
	for (i = 0; i < NAT_L4_N; i++)
		if ((unsigned)c->filtering[i] > NAT_FILTER_APD)
			return false;
	if ((c->mtu_inside && c->mtu_inside < NAT_MTU_MIN) ||
	    (c->mtu_outside && c->mtu_outside < NAT_MTU_MIN) ||
	    c->mtu_inside > 65535 || c->mtu_outside > 65535)
		return false;
	if (!prefixes_valid(c->exempt, c->nexempt, NAT_PREFIXES_MAX) ||
	    !prefixes_valid(c->inside_prefixes, c->ninside_prefixes,
			    NAT_PREFIXES_MAX))
		return false;
	if (c->nforwards > NAT_FORWARDS_MAX || (c->nforwards && !c->forwards))
		return false;
	for (i = 0; i < c->nforwards; i++)
		if (!forward_valid(c, &c->forwards[i]))
			return false;
	if (forwards_overlap(c->forwards, c->nforwards))
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

/* Keep copies of the prefix lists @cfg points to. */
static int prefixes_copy(struct nat *n, const struct nat_config *cfg)
{
	n->exempt = calloc(cfg->nexempt + 1, sizeof(*n->exempt));
	n->inside_prefixes = calloc(cfg->ninside_prefixes + 1,
				    sizeof(*n->inside_prefixes));
	if (!n->exempt || !n->inside_prefixes)
		return -ENOMEM;
	/* an empty list may be NULL, which memcpy() must not be given */
	if (cfg->nexempt)
		memcpy(n->exempt, cfg->exempt,
		       cfg->nexempt * sizeof(*n->exempt));
	if (cfg->ninside_prefixes)
		memcpy(n->inside_prefixes, cfg->inside_prefixes,
		       cfg->ninside_prefixes * sizeof(*n->inside_prefixes));
	n->cfg.exempt = n->exempt;
	n->cfg.inside_prefixes = n->inside_prefixes;
	return 0;
}

struct nat *nat_new(const struct nat_config *cfg)
{
	struct nat *n;
	int err;

	if (!nat_config_valid(cfg)) {
		errno = EINVAL;
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		goto nomem;
	if (cfg->shared) {
		if (cfg->worker >= cfg->shared->nworkers) {
			err = -EINVAL;
			goto fail;
		}
		n->sh = cfg->shared;
		n->worker = cfg->worker;
	} else {
		n->sh = nat_shared_new(cfg, 1);
		if (!n->sh) {
			err = errno == ENOMEM ? -ENOMEM : -EINVAL;
			goto fail;
		}
		n->sh_own = true;
	}

	n->hkey[0] = cfg->seed[0];
	n->hkey[1] = cfg->seed[1];
	n->rng[0] = cfg->seed[2] | 1;	/* xoroshiro needs a non-zero state */
	n->rng[1] = cfg->seed[3];
	if (session_table_init(&n->t, cfg->max_sessions, n->sh->addrs, n->hkey,
			       &(struct session_mem){ cfg->mem_alloc,
						      cfg->mem_free }))
		goto nomem;
	n->t.timeout_ms[CLASS_TCP_EST] = cfg->tcp_est_ms;
	n->t.timeout_ms[CLASS_TCP_OPEN] = cfg->tcp_open_ms;
	n->t.timeout_ms[CLASS_TCP_CLOSE] = cfg->tcp_close_ms;
	n->t.timeout_ms[CLASS_UDP] = cfg->udp_ms;
	n->t.timeout_ms[CLASS_ICMP] = cfg->icmp_ms;
	n->t.timeout_ms[CLASS_GRE] = cfg->gre_ms;
	n->t.timeout_ms[CLASS_GRE_PENDING] = GRE_PENDING_MS;
	n->t.timeout_ms[CLASS_GRE_CLOSING] = GRE_CLOSING_MS;
	n->t.timeout_ms[CLASS_GRE_QUARANTINE] = GRE_QUARANTINE_MS;
	n->t.timeout_ms[CLASS_OTHER] = cfg->other_ms;
	n->cfg = *cfg;
	n->cfg.addrs = NULL;	/* the pool is n->sh->active: never read this */
	if (!n->cfg.mtu_inside)
		n->cfg.mtu_inside = 65535;
	if (!n->cfg.mtu_outside)
		n->cfg.mtu_outside = 65535;
	n->icmp_credit = (uint64_t)cfg->icmp_errors_per_s * 1000;
	err = prefixes_copy(n, cfg);
	if (!err)
		err = filter_init(n, cfg);
	if (!err)
		err = frag_init(n, cfg);
	if (!err)
		err = alg_init(n, cfg);
	if (!err)
		err = table_init(n, cfg);
	if (err)
		goto fail;
	return n;

nomem:
	err = -ENOMEM;
fail:
	nat_free(n);
	errno = err == -ENOMEM ? ENOMEM : EINVAL;
	return NULL;
}

void nat_free(struct nat *n)
{
	if (!n)
		return;
	table_fini(n);
	alg_fini(n);
	frag_fini(n);
	filter_fini(n);
	session_table_fini(&n->t);
	free(n->exempt);
	free(n->inside_prefixes);
	if (n->sh_own)
		nat_shared_free(n->sh);
	free(n);
}

const struct nat_stats *nat_stats(struct nat *n)
{
	n->st.sessions = n->t.sp.used;
	n->st.mappings = mapping_count(&n->t);
	return &n->st;
}

unsigned nat_expire(struct nat *n, uint64_t now_ms, unsigned budget)
{
	unsigned freed;

	pending_reset(n);
	freed = table_expire_sessions(n, now_ms, budget);
	table_expire_holddown(n, now_ms);
	syn_hold_expire(n, now_ms);
	frag_expire(n, now_ms);
	return freed;
}

/* ---- one packet ---------------------------------------------------------- */

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

static bool is_icmp_request(const struct pkt *p)
{
	return p->proto == IPPROTO_ICMP && !(p->frag & PKT_FRAG_LATER) &&
	       icmp_is_request(((const struct icmp_hdr *)(const void *)
				pkt_l4(p))->type);
}

/* A TCP segment with SYN and neither ACK nor RST: a connection's start. */
static bool is_tcp_open(uint8_t flags)
{
	return (flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN;
}

static enum drop_reason flow_of(struct pkt *p, struct pkt_flow *f)
{
	enum drop_reason r;

	switch (p->proto) {
	case IPPROTO_TCP:
		r = proto_tcp_flow(p, f);
		break;
	case IPPROTO_UDP:
		r = proto_udp_flow(p, f);
		break;
	default:
		r = proto_icmp_flow(p, f);
		break;
	}
	f->space = space_of(p->proto);
	return r;
}

/* Account for a packet of flow @f on live session @si. */
static void session_touch(struct nat *n, uint32_t si, const struct pkt_flow *f,
			  enum pkt_dir dir, uint64_t now)
{
	struct nat_session *s = &n->t.s[si];
	enum nat_class c = s->klass;

	if (s->proto == IPPROTO_TCP)
		c = proto_tcp_track(s, f->tcp_flags, dir);
	else if (s->proto == IPPROTO_UDP && dir == DIR_IN &&
		 !n->cfg.inbound_refresh)
		return;		/* RFC 4787 REQ-6: outbound refresh only */
	session_refresh(&n->t, si, c, now);
}

/**
 * inbound_new() - an inbound packet of flow @f with no session of its own
 * @si:	set to the session opened for it, or left 0 when the packet goes
 *	through its mapping without one (@in_addr, @in_port set)
 *
 * What it may do depends on the mapping of its public endpoint: a static
 * one (a forward) opens sessions for the remotes its from list allows; a
 * dynamic one lets in what its filter allows; a hairpinned packet from
 * inside may use any mapping (RFC 4787 REQ-9).  Only a TCP SYN opens a TCP
 * session; other TCP segments need one.  A SYN nothing lets in is held
 * (RFC 5382 REQ-4).
 *
 * Return: VERDICT_FORWARD to go on translating, else the verdict (counted)
 */
static enum verdict inbound_new(struct nat *n, struct pkt *p,
				const struct pkt_flow *f, bool hairpin,
				uint64_t now, uint32_t *si, uint32_t *in_addr,
				uint16_t *in_port)
{
	bool tcp = f->key.proto == IPPROTO_TCP;
	bool open = tcp && is_tcp_open(f->tcp_flags);
	struct flow_key mk = f->key;
	struct nat_mapping m;
	enum drop_reason why;
	uint32_t mi;

	mk.rem_addr = 0;
	mk.rem_port = 0;
	mi = mapping_find(&n->t, &mk);
	if (!mi) {
		if (open && !hairpin)
			return syn_hold(n, p, now);
		return nat_drop(n, p, DROP_NO_SESSION);
	}
	m = mapping_get(&n->t, mi);
	if (hairpin) {
		if ((tcp && !open) || f->key.proto == IPPROTO_ICMP)
			return nat_drop(n, p, DROP_NO_SESSION);
		*si = table_open_inbound(n, mi, f, SESS_HAIRPIN, now, &why);
		return *si ? VERDICT_FORWARD : table_refuse(n, p, why, now);
	}
	if (m.is_static) {
		const struct nat_forward *fw = table_forward_of(n,
				f->key.proto, f->key.addr, ntohs(m.pub_port));

		if (fw && fw->nfrom &&
		    !prefix_match(fw->from, fw->nfrom, f->key.rem_addr))
			return nat_drop(n, p, DROP_FORWARD_FROM);
	} else if (!filter_allows(n, &m, f->key.rem_addr)) {
		if (open)
			return syn_hold(n, p, now);
		return nat_drop(n, p, DROP_FILTERED);
	}
	if (tcp && !open)
		return nat_drop(n, p, DROP_NO_SESSION);
	if (!tcp && !m.is_static && !n->cfg.inbound_refresh) {
		/* let in through the mapping: no session, so inbound
		 * traffic keeps nothing alive (RFC 4787 REQ-6) */
		*in_addr = m.in_addr;
		*in_port = m.in_port;
		return VERDICT_FORWARD;
	}
	*si = table_open_inbound(n, mi, f, SESS_INBOUND, now, &why);
	return *si ? VERDICT_FORWARD : table_refuse(n, p, why, now);
}

/* Translate the destination of a packet arriving at a public address. */
static enum verdict translate_in(struct nat *n, struct pkt *p, uint64_t now,
				 bool hairpin)
{
	struct ipv4_hdr *ip = ipv4_hdr(p);
	uint32_t si, in_addr = 0;
	uint16_t in_port = 0;
	bool quiet = false;
	struct pkt_flow f;
	enum drop_reason r;
	enum verdict v;

	if (is_icmp_error(p))
		return proto_icmp_error(n, p, now);
	if (p->proto == IPPROTO_GRE)
		return proto_gre(n, p, now, hairpin);
	if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP &&
	    p->proto != IPPROTO_ICMP)
		return proto_other(n, p, now, hairpin, CLASS_OTHER);
	r = flow_of(p, &f);
	if (r)
		return nat_drop(n, p, r);
	si = nat_session_live(n, &f.key, now);
	if (si && f.key.proto == IPPROTO_TCP && !hairpin) {
		/* RFC 5961: a blind RST or FIN from outside changes nothing */
		enum tcp_seq_verdict sv = proto_tcp_seq_check(&n->t.s[si], p);

		if (sv == TCP_SEQ_BAD)
			return nat_drop(n, p, DROP_TCP_WINDOW);
		quiet = sv == TCP_SEQ_IN_WINDOW;
	}
	if (si) {
		if (!quiet)
			session_touch(n, si, &f, DIR_IN, now);
	} else {
		v = inbound_new(n, p, &f, hairpin, now, &si, &in_addr,
				&in_port);
		if (v != VERDICT_FORWARD)
			return v;
	}
	if (si) {
		const struct nat_session *s = &n->t.s[si];

		if (s->proto == IPPROTO_TCP && !quiet)
			proto_tcp_seq_note(&n->t.s[si], p, DIR_IN);

		if (session_ctl_slot(s)) {
			v = alg_segment(n, si, p, DIR_IN, hairpin, now);
			if (v != VERDICT_FORWARD)
				return v;
		}
		in_addr = s->in_addr;
		in_port = s->in_port;
	}
	nat_set_addr(ip, &f.v, &ip->daddr, in_addr);
	nat_set_port(&f.v, in_port);
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
	else if (!(si = table_open_outbound(n, &f, now, &r)))
		return table_refuse(n, p, r, now);
	if (f.key.proto == IPPROTO_TCP)
		proto_tcp_seq_note(&n->t.s[si], p, DIR_OUT);
	s = &n->t.s[si];
	if (session_ctl_slot(s)) {
		v = alg_segment(n, si, p, DIR_OUT, false, now);
		if (v != VERDICT_FORWARD)
			return v;
	}
	/* RFC 5382 REQ-4: a simultaneous open drops the held SYN silently */
	if (f.tcp_flags & TCP_SYN)
		syn_hold_cancel(n, session_pub_addr(&n->t, s), s->pub_port,
				s->rem_addr, s->rem_port);
	nat_set_addr(ip, &f.v, &ip->saddr, session_pub_addr(&n->t, s));
	nat_set_port(&f.v, s->pub_port);
	return VERDICT_FORWARD;
}

static enum verdict hairpin_in(struct nat *n, struct pkt *p, uint64_t now);

/* Translate the source of a packet from inside; hairpin if it is for us. */
static enum verdict translate_out(struct nat *n, struct pkt *p, uint64_t now)
{
	struct ipv4_hdr *ip = ipv4_hdr(p);
	enum verdict v;

	if (is_icmp_error(p))
		v = proto_icmp_error(n, p, now);
	else if (p->proto == IPPROTO_GRE)
		v = proto_gre(n, p, now, false);
	else if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP &&
		 p->proto != IPPROTO_ICMP)
		v = proto_other(n, p, now, false, CLASS_OTHER);
	else
		v = translate_flow_out(n, p, now);
	if (v != VERDICT_FORWARD || nat_pool_index(n, ip->daddr) < 0)
		return v;
	/* the destination's mapping may be another worker's: its engine
	 * goes on (nat_hairpin()) */
	if (n->sh->nworkers > 1 &&
	    nat_steer(n->sh, p->data, p->len, DIR_IN) != n->worker)
		return VERDICT_HANDOFF;
	return hairpin_in(n, p, now);
}

/* RFC 4787 REQ-9, RFC 5382 REQ-8: back in through the public side. */
static enum verdict hairpin_in(struct nat *n, struct pkt *p, uint64_t now)
{
	enum verdict v;

	p->dir = DIR_IN;
	v = translate_in(n, p, now, true);
	p->dir = DIR_OUT;
	if (v != VERDICT_FORWARD)
		return v;
	n->st.hairpinned++;
	return VERDICT_BACK;
}

/* Lower the MSS a translated SYN announces, if it is above the clamp. */
static void mss_clamp(struct nat *n, struct pkt *p)
{
	const struct tcp_hdr *th = (const void *)pkt_l4(p);

	if (n->cfg.mss_clamp && p->proto == IPPROTO_TCP &&
	    !(p->frag & PKT_FRAG_LATER) && th->flags & TCP_SYN &&
	    nat_mss_clamp(p, n->cfg.mss_clamp))
		n->st.mss_clamped++;
}

/**
 * translate() - a packet read from @p->dir that is not for the router:
 * translate it (or follow its first fragment) and make it fit the next hop
 * @to_inside:	it goes to the inside device if forwarded
 * @err_src:	the source of an ICMP error about it
 */
/* What a router checks before a packet takes the hop: its TTL (RFC 5508
 * 7.2) and, with DF, the next hop's MTU (7.1.1).  True if @p was answered
 * or dropped instead: its verdict is then in *@v. */
static bool hop_refused(struct nat *n, struct pkt *p, bool to_inside,
			uint32_t err_src, uint64_t now, enum verdict *v)
{
	if (ipv4_hdr(p)->ttl <= 1) {
		*v = nat_icmp_error(n, p, ICMP_TIME_EXCEEDED, ICMP_EXC_TTL,
				    err_src, 0, DROP_TTL, now);
		return true;
	}
	return frag_too_big(n, p, to_inside, err_src, now, v);
}

static enum verdict translate_done(struct nat *n, struct pkt *p,
				   enum verdict v, enum pkt_dir dir,
				   uint32_t orig_src, uint64_t now);

static enum verdict translate(struct nat *n, struct pkt *p, bool to_inside,
			      uint32_t err_src, uint64_t now)
{
	struct ipv4_hdr *ip = ipv4_hdr(p);
	uint32_t orig_src = ip->saddr, orig_dst = ip->daddr;
	uint16_t orig_id = ip->id;
	enum pkt_dir dir = p->dir;
	enum verdict v;

	if (hop_refused(n, p, to_inside, err_src, now, &v))
		return v;
	if (p->frag & PKT_FRAG_LATER) {
		v = frag_later(n, p, now);
	} else {
		v = dir == DIR_OUT ? translate_out(n, p, now)
				   : translate_in(n, p, now, false);
		if (v == VERDICT_HANDOFF)
			return v;	/* the rest is nat_hairpin()'s */
		if (p->frag & PKT_FRAG_MORE)
			frag_first_done(n, p, p->local ? VERDICT_DROP : v, dir,
					orig_src, orig_dst, orig_id, now);
	}
	if (v == VERDICT_DROP || p->local)
		return v;
	return translate_done(n, p, v, dir, orig_src, now);
}

/* The last steps of translate(): TTL, MSS, counters, the next hop's MTU. */
static enum verdict translate_done(struct nat *n, struct pkt *p,
				   enum verdict v, enum pkt_dir dir,
				   uint32_t orig_src, uint64_t now)
{
	struct ipv4_hdr *ip = ipv4_hdr(p);

	nat_ttl_decrement(ip);
	mss_clamp(n, p);
	{
		struct nat_proto_stats *ps =
			&n->st.proto[nat_proto_class(p->proto)];

		ps->packets[dir]++;
		ps->bytes[dir] += p->len;
	}
	v = frag_fit(n, p, v, orig_src, now);
	if (v == VERDICT_FORWARD)
		n->st.forwarded[dir]++;
	return v;
}

/* A packet that goes on untranslated (nat.exempt), if it fits. */
static enum verdict pass(struct nat *n, struct pkt *p, bool to_inside,
			 uint32_t err_src, uint64_t now)
{
	struct ipv4_hdr *ip = ipv4_hdr(p);
	enum verdict v;

	if (hop_refused(n, p, to_inside, err_src, now, &v))
		return v;
	nat_ttl_decrement(ip);
	v = frag_fit(n, p, VERDICT_FORWARD, ip->saddr, now);
	if (v == VERDICT_FORWARD) {
		n->st.exempted++;
		n->st.forwarded[p->dir]++;
	}
	return v;
}

static enum verdict from_inside(struct nat *n, struct pkt *p, uint64_t now)
{
	struct ipv4_hdr *ip = ipv4_hdr(p);
	bool hairpin;

	if (ipv4_addr_martian(ip->saddr) || ipv4_addr_martian(ip->daddr) ||
	    ip->saddr == n->cfg.router_addr || nat_pool_index(n, ip->saddr) >= 0)
		return nat_drop(n, p, DROP_MARTIAN);
	if (p->l3_len > IPV4_HDR_LEN && ipv4_source_routed(ip))
		return nat_drop(n, p, DROP_SOURCE_ROUTE);
	if (ip->daddr == n->cfg.router_addr)
		return to_router(n, p);
	hairpin = nat_pool_index(n, ip->daddr) >= 0;
	if (hairpin && is_icmp_request(p))
		return to_router(n, p);
	if (n->cfg.nexempt &&
	    prefix_match(n->exempt, n->cfg.nexempt, ip->daddr))
		return pass(n, p, false, n->cfg.router_addr, now);
	if (n->cfg.ninside_prefixes &&
	    !prefix_match(n->inside_prefixes, n->cfg.ninside_prefixes,
			  ip->saddr))
		return nat_drop(n, p, DROP_NOT_INSIDE);
	return translate(n, p, hairpin, n->cfg.router_addr, now);
}

static enum verdict from_outside(struct nat *n, struct pkt *p, uint64_t now)
{
	struct ipv4_hdr *ip = ipv4_hdr(p);

	if (nat_pool_index(n, ip->daddr) < 0) {
		/* an error about it comes from the public address its inside
		 * host leaves from, as for any packet from outside */
		if (n->cfg.nexempt && !ipv4_addr_martian(ip->daddr) &&
		    prefix_match(n->exempt, n->cfg.nexempt, ip->saddr))
			return pass(n, p, true,
				    nat_pair_address(n, ip->daddr), now);
		return nat_drop(n, p, DROP_NOT_OURS);
	}
	if (ipv4_addr_martian(ip->saddr) || nat_pool_index(n, ip->saddr) >= 0)
		return nat_drop(n, p, DROP_MARTIAN);
	if (p->l3_len > IPV4_HDR_LEN && ipv4_source_routed(ip))
		return nat_drop(n, p, DROP_SOURCE_ROUTE);
	if (is_icmp_request(p))
		return to_router(n, p);
	return translate(n, p, true, ip->daddr, now);
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
	uint64_t h[NAT_BATCH_MAX];
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
			session_prefetch_match(&n->t, h[i],
					       pkts[i]->dir == DIR_OUT ? SIDE_IN
								  : SIDE_OUT);
}

enum verdict nat_translate(struct nat *n, struct pkt *p, uint64_t now_ms)
{
	enum drop_reason r;

	assert(p->cap >= ICMP_ERR_MAX_LEN && p->dir < DIR_N);
	pending_reset(n);
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

enum verdict nat_hairpin(struct nat *n, struct pkt *p, uint64_t now_ms)
{
	uint32_t orig_src = ipv4_hdr(p)->saddr;
	enum verdict v;

	assert(p->dir == DIR_OUT && p->l3_len);
	pending_reset(n);
	p->drop = DROP_NONE;
	v = hairpin_in(n, p, now_ms);
	if (v == VERDICT_DROP)
		return v;
	return translate_done(n, p, v, DIR_OUT, orig_src, now_ms);
}
