/* SPDX-License-Identifier: MIT */
/* control.c - the engine as the control plane sees it: walking and
 * flushing the session table, port use, and reconfiguring live
 *
 * Walks and flushes go over the session records by index, a slice at a
 * time, so that a table of a million sessions can be listed or emptied
 * between batches of packets without stalling them: the caller keeps the
 * cursor.  A free record has protocol 0; an expired one not yet swept, and
 * a resting Call ID, are not sessions and are passed by.
 *
 * Reconfiguring keeps every session.  What the tables were sized for
 * cannot change (the caller refuses such a change before it gets here);
 * everything else is checked whole first, then swapped in: the pool (see
 * struct nat), the port range, the forwards, the prefix lists, timers
 * and limits.  Timeouts are per class, so live sessions take a new one at
 * once.
 */

#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nat_int.h"

/* ---- walking -------------------------------------------------------------- */

static bool match_field(uint32_t want, uint32_t have)
{
	return !want || want == have;
}

static void info_of(const struct nat *n, const struct nat_session *s,
		    uint64_t now, struct nat_session_info *si)
{
	uint32_t idle = (uint32_t)now - s->last_ms;
	uint32_t timeout = n->t.timeout_ms[s->klass];
	bool call = session_is_call(s);
	uint32_t mref = session_mref(&n->t, s);

	*si = (struct nat_session_info){
		.proto = s->proto,
		.in_addr = s->in_addr, .pub_addr = session_pub_addr(&n->t, s),
		.rem_addr = s->rem_addr,
		.in_port = ntohs(s->in_port), .pub_port = ntohs(s->pub_port),
		.rem_port = ntohs(s->rem_port),
		.idle_ms = idle,
		.expires_ms = idle < timeout ? timeout - idle : 0,
		.state = "active",
	};
	if (s->flags & SESS_INBOUND)
		si->flags |= NAT_SI_INBOUND;
	if (s->flags & SESS_HAIRPIN)
		si->flags |= NAT_SI_HAIRPIN;
	if (mref && mapping_get(&n->t, mref).is_static)
		si->flags |= NAT_SI_STATIC;
	if (s->flags & SESS_ADDR)
		si->flags |= NAT_SI_ADDR;
	if (call)
		si->flags |= NAT_SI_CALL;
	if (s->alg != NAT_ALG_NONE)
		si->alg = nat_alg_name(s->alg);
	if (s->proto == IPPROTO_TCP)
		si->state = proto_tcp_state(s->tcp);
	else if (call && s->klass == CLASS_GRE_PENDING)
		si->state = "pending";
	else if (call && s->klass == CLASS_GRE_CLOSING)
		si->state = "closing";
}

/* Session record @i if it is a live session that matches @m, else NULL. */
static const struct nat_session *live_match(const struct nat *n, uint32_t i,
					    const struct nat_match *m,
					    uint64_t now)
{
	const struct nat_session *s = &n->t.s[i];

	if (!s->proto || session_expired(&n->t, s, now))
		return NULL;
	if (session_is_call(s) && s->klass == CLASS_GRE_QUARANTINE)
		return NULL;
	if (!m)
		return s;
	if ((m->proto && m->proto != s->proto) ||
	    !match_field(m->in_addr, s->in_addr) ||
	    !match_field(m->pub_addr, session_pub_addr(&n->t, s)) ||
	    !match_field(m->rem_addr, s->rem_addr) ||
	    !match_field(m->in_port, ntohs(s->in_port)) ||
	    !match_field(m->pub_port, ntohs(s->pub_port)) ||
	    !match_field(m->rem_port, ntohs(s->rem_port)))
		return NULL;
	return s;
}

bool nat_walk(struct nat *n, uint32_t *cursor, unsigned budget,
	      const struct nat_match *m, uint64_t now,
	      bool (*fn)(void *arg, const struct nat_session_info *si),
	      void *arg)
{
	uint32_t i = *cursor ? *cursor : 1;

	for (; budget && i < n->t.sp.unused; i++, budget--) {
		const struct nat_session *s = live_match(n, i, m, now);
		struct nat_session_info si;

		if (!s)
			continue;
		info_of(n, s, now, &si);
		if (!fn(arg, &si)) {
			*cursor = i + 1;
			return true;
		}
	}
	*cursor = i;
	return i >= n->t.sp.unused;
}

bool nat_flush(struct nat *n, uint32_t *cursor, unsigned budget,
	       const struct nat_match *m, uint64_t now, uint64_t *ended)
{
	uint32_t i = *cursor ? *cursor : 1;

	for (; budget && i < n->t.sp.unused; i++, budget--) {
		if (!live_match(n, i, m, now))
			continue;
		table_session_kill(n, i, now);
		(*ended)++;
	}
	*cursor = i;
	return i >= n->t.sp.unused;
}

unsigned nat_port_use(const struct nat *n, unsigned i, struct nat_port_use *u)
{
	unsigned sp, k;

	if (i >= n->sh->nslots)
		return n->sh->nslots;
	*u = (struct nat_port_use){ .addr = n->sh->addrs[i] };
	for (k = 0; k < n->sh->nactive; k++)
		u->active |= n->sh->active[k] == i;
	for (sp = 0; sp < PSPACE_N; sp++) {
		const struct portpool *pp = &n->sh->pools[i * PSPACE_N + sp];
		const struct portpool_range *r = &n->sh->ranges[sp];
		unsigned c;

		for (c = 0; c < 2; c++) {
			uint32_t size = portpool_class_size(r, c);

			u->total[sp] += size;
			u->used[sp] += size -
				       __atomic_load_n(&pp->free[c],
						       __ATOMIC_RELAXED);
		}
	}
	return n->sh->nslots;
}

/* ---- reconfiguring ------------------------------------------------------ */

/* A copy of @cnt prefixes from @src, or NULL (errno ENOMEM). */
static struct nat_prefix *prefixes_dup(const struct nat_prefix *src,
				       unsigned cnt)
{
	struct nat_prefix *p = calloc(cnt + 1, sizeof(*p));

	if (p && cnt)		/* @src may be NULL when empty */
		memcpy(p, src, cnt * sizeof(*p));
	return p;
}

/* What the tables of @n were sized for is the same in @b: the session
 * table, and the state of each ALG @b enables that was ever on (kept,
 * while it was off, for its connections and calls). */
static bool same_sizes(const struct nat *n, const struct nat_config *b,
		       char *err, size_t errlen)
{
	unsigned i;

	if (n->cfg.max_sessions != b->max_sessions) {
		snprintf(err, errlen, "the session table's size cannot change while running");
		return false;
	}
	for (i = 0; i < NAT_ALG_N; i++) {
		if (b->alg[i].enabled &&
		    !alg_state_fits(n, (enum nat_alg)i, &b->alg[i])) {
			snprintf(err, errlen, "%s: max-connections and max-calls-per-connection cannot change while running",
				 nat_alg_name(i));
			return false;
		}
	}
	return true;
}

int nat_reconfigure(struct nat *n, const struct nat_config *cfg, uint64_t now,
		    char *err, size_t errlen)
{
	struct nat_prefix *exempt = NULL, *inside = NULL, *from = NULL;
	struct portpool_range ranges[PSPACE_N];
	struct nat_forward *fwd = NULL;
	struct nat_config keep = n->cfg;
	unsigned i, sp;
	int rc;

	unsigned old_nactive = n->sh->nactive;
	uint32_t *old_pool = NULL;

	if (!nat_config_valid(cfg)) {
		snprintf(err, errlen, "the configuration is not valid for the engine");
		return -EINVAL;
	}
	if (!same_sizes(n, cfg, err, errlen))
		return -EINVAL;
	exempt = prefixes_dup(cfg->exempt, cfg->nexempt);
	inside = prefixes_dup(cfg->inside_prefixes, cfg->ninside_prefixes);
	if (!exempt || !inside ||
	    table_forwards_copy(cfg, &fwd, &from))
		goto nomem;
	for (i = 0; i < NAT_ALG_N; i++)
		if (cfg->alg[i].enabled && !n->alg[i].slots &&
		    alg_enable(n, (enum nat_alg)i, &cfg->alg[i],
			       cfg->max_sessions))
			goto nomem;

	/* the pool, kept to be put back if the forwards refuse */
	old_pool = calloc(old_nactive, sizeof(*old_pool));
	if (!old_pool)
		goto nomem;
	for (i = 0; i < old_nactive; i++)
		old_pool[i] = n->sh->addrs[n->sh->active[i]];
	/* a shared pool is set by the caller, for all engines at once */
	rc = n->sh_own ? nat_shared_pool_set(n->sh, &n, 1, cfg->addrs,
					     cfg->naddrs)
		       : 0;
	if (rc == -ENOSPC) {
		snprintf(err, errlen, "reloads have used all %u public address slots: restart tunnat",
			 NAT_POOL_MAX);
		goto refuse;
	}
	if (rc)
		goto nomem;
	rc = table_forwards_apply(n, fwd, cfg->nforwards, now, err, errlen);
	if (rc) {
		/* the old addresses have their slots: this cannot fail but
		 * for memory, and then the new pool stays */
		if (n->sh_own)
			nat_shared_pool_set(n->sh, &n, 1, old_pool,
					    old_nactive);
		goto refuse;
	}

	/* nothing can fail from here on: the port range, free ports
	 * recounted in every pool */
	free(old_pool);
	portpool_range_ports(&ranges[PSPACE_TCP], cfg->port_lo, cfg->port_hi);
	portpool_range_ports(&ranges[PSPACE_UDP], cfg->port_lo, cfg->port_hi);
	ranges[PSPACE_ICMP] = n->sh->ranges[PSPACE_ICMP];
	if (!portpool_range_eq(&ranges[PSPACE_TCP], &n->sh->ranges[PSPACE_TCP]) ||
	    !portpool_range_eq(&ranges[PSPACE_UDP], &n->sh->ranges[PSPACE_UDP])) {
		memcpy(n->sh->ranges, ranges, sizeof(ranges));
		for (i = 0; i < n->sh->nslots; i++)
			for (sp = 0; sp < PSPACE_N; sp++)
				portpool_rebase(&n->sh->pools[i * PSPACE_N + sp],
						&n->sh->ranges[sp]);
	}
	free(n->fwd);
	free(n->fwd_from);
	n->fwd = fwd;
	n->fwd_from = from;
	free(n->exempt);
	free(n->inside_prefixes);
	n->exempt = exempt;
	n->inside_prefixes = inside;
	if (n->sh_own)
		nat_shared_set_pptp(n->sh, cfg->alg[NAT_ALG_PPTP].enabled);
	n->cfg = *cfg;
	n->cfg.addrs = NULL;
	n->cfg.shared = keep.shared;
	n->cfg.worker = keep.worker;
	n->cfg.forwards = n->fwd;
	n->cfg.exempt = n->exempt;
	n->cfg.inside_prefixes = n->inside_prefixes;
	n->cfg.mtu_inside = keep.mtu_inside;
	n->cfg.mtu_outside = keep.mtu_outside;
	n->cfg.mss_clamp = cfg->mss_clamp;
	memcpy(n->cfg.seed, keep.seed, sizeof(keep.seed));
	n->cfg.mem_alloc = keep.mem_alloc;
	n->cfg.mem_free = keep.mem_free;
	n->t.timeout_ms[CLASS_TCP_EST] = cfg->tcp_est_ms;
	n->t.timeout_ms[CLASS_TCP_OPEN] = cfg->tcp_open_ms;
	n->t.timeout_ms[CLASS_TCP_CLOSE] = cfg->tcp_close_ms;
	n->t.timeout_ms[CLASS_UDP] = cfg->udp_ms;
	n->t.timeout_ms[CLASS_ICMP] = cfg->icmp_ms;
	n->t.timeout_ms[CLASS_GRE] = cfg->gre_ms;
	n->t.timeout_ms[CLASS_OTHER] = cfg->other_ms;
	filter_records_fill(n, &keep);
	return 0;

nomem:
	snprintf(err, errlen, "out of memory");
	rc = -ENOMEM;
refuse:
	free(old_pool);
	free(exempt);
	free(inside);
	free(fwd);
	free(from);
	return rc == -ENOMEM ? rc : -EINVAL;
}
