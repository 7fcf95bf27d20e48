/* SPDX-License-Identifier: MIT */
/* filter.c - which inbound packets a mapping lets in; unsolicited SYNs
 *
 * Theory of operation.
 *
 * Filtering (RFC 4787 section 5, RFC 5382 REQ-3) decides what may come in
 * through a mapping from a remote endpoint it has no session with.  Mapping
 * is endpoint-independent whatever the filtering, and each protocol has
 * its own mappings (a TCP mapping opens no UDP port).  The three modes,
 * set per protocol:
 *
 *   endpoint-independent        any remote
 *   address-dependent           a remote address the mapping has a
 *                               session with (any port of it)
 *   address-and-port-dependent  only a remote endpoint it has a session
 *                               with: nothing to decide here, the
 *                               session lookup already said no
 *
 * Address-dependent filtering needs "has this mapping a session with
 * address A?", which the session table cannot answer (its keys include the
 * remote port).  While a protocol's filtering is address-dependent, each
 * session of a dynamic mapping of it therefore counts in a record
 * (mapping, remote address) kept here: one record for all the sessions of
 * a mapping with one address.  Such a session is flagged SESS_PERM, and
 * finds its record again by that key when it ends (the session keeps no
 * index: it has no room).  Under the other modes new sessions take none
 * (20 bytes a session saved); a reload that turns the mode on gives one to
 * every session still without (filter_records_fill()), and one that turns
 * it off lets the records go as their sessions end.
 *
 * Unsolicited SYNs (RFC 5382 REQ-4).  An inbound SYN that no filter lets
 * in is held SYN_HOLD_MS (6 s) without any answer.  If the inside host
 * sends a SYN for the same connection meanwhile (a simultaneous open), the
 * held SYN is dropped silently; otherwise, when its time is up, it is
 * dropped, or with nat.unsolicited-syn: reject answered with ICMP port
 * unreachable.  Held SYNs live in a fixed table indexed by a keyed hash of
 * the connection: a new SYN that lands on a taken slot replaces the held
 * one, so the table never grows and outside hosts cannot fill anything
 * else with it.  No SYN is ever passed on.
 */

#include <arpa/inet.h>

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nat_int.h"
#include "siphash.h"

/* ---- address-dependent filter records ------------------------------------ */

static uint32_t perm_hash(const struct nat *n, uint32_t mkey, uint32_t rem)
{
	return (uint32_t)siphash13_2w(n->hkey, mkey, (uint64_t)rem << 8 | 0x70) &
	       n->perms.mask;
}

/* The link that holds the record of mapping_pubkey() @mkey with @rem: a
 * bucket or a record's @hnext; it holds 0 (the end of the chain) if there
 * is no such record. */
static uint32_t *perm_link(const struct nat *n, uint32_t mkey, uint32_t rem)
{
	const struct perm_table *pt = &n->perms;
	uint32_t *p = &pt->bucket[perm_hash(n, mkey, rem)];

	while (*p && (pt->e[*p].mapping != mkey || pt->e[*p].rem_addr != rem))
		p = &pt->e[*p].hnext;
	return p;
}

uint32_t perm_add(struct nat *n, const struct nat_mapping *m,
		  uint32_t rem_addr)
{
	struct perm_table *pt = &n->perms;
	uint32_t mkey = mapping_pubkey(m), *link = perm_link(n, mkey, rem_addr);
	uint32_t i = *link;

	if (i) {
		pt->e[i].n++;
		return i;
	}
	if (pt->pool.free) {
		i = pt->pool.free;
		pt->pool.free = pt->e[i].hnext;
	} else if (pt->pool.unused <= pt->pool.max) {
		i = pt->pool.unused++;
	} else {
		return 0;
	}
	pt->pool.used++;
	pt->e[i] = (struct perm){ .mapping = mkey, .rem_addr = rem_addr,
				  .n = 1 };
	*link = i;		/* at the end of its chain */
	return i;
}

void perm_del(struct nat *n, const struct nat_mapping *m, uint32_t rem_addr)
{
	struct perm_table *pt = &n->perms;
	uint32_t *link = perm_link(n, mapping_pubkey(m), rem_addr), pi = *link;

	assert(pi);
	if (--pt->e[pi].n)
		return;
	*link = pt->e[pi].hnext;
	pt->e[pi].hnext = pt->pool.free;
	pt->pool.free = pi;
	pt->pool.used--;
}

/* The filtering @cfg sets for mappings of class @pclass (enum map_pclass). */
static enum nat_filter filter_mode(const struct nat_config *cfg,
				   unsigned pclass)
{
	static const enum nat_l4 l4[] = {
		[MAP_TCP] = NAT_L4_TCP,
		[MAP_UDP] = NAT_L4_UDP,
		[MAP_ICMP] = NAT_L4_ICMP,
	};

	return cfg->filtering[l4[pclass]];
}

/* Do sessions of mappings of class @pclass need filter records under @cfg? */
static bool wants_records(const struct nat_config *cfg, unsigned pclass)
{
	return filter_mode(cfg, pclass) == NAT_FILTER_AD;
}

bool filter_wants_record(const struct nat *n, const struct nat_mapping *m)
{
	return m && !m->is_static && wants_records(&n->cfg, m->pclass);
}

void filter_records_fill(struct nat *n, const struct nat_config *old)
{
	bool turned_on = false;
	unsigned pc;
	uint32_t i;

	/* where the mode was address-dependent, every session has its
	 * record already: walk the table only for a protocol turned to it */
	for (pc = MAP_TCP; pc <= MAP_ICMP; pc++)
		turned_on |= !wants_records(old, pc) &&
			     wants_records(&n->cfg, pc);
	if (!turned_on)
		return;
	for (i = 1; i < n->t.sp.unused; i++) {
		struct nat_session *s = &n->t.s[i];
		struct nat_mapping m;

		/* free records have no protocol; GRE calls no mapping */
		if (!s->proto || (s->flags & SESS_PERM) ||
		    !session_mref(&n->t, s))
			continue;
		m = mapping_get(&n->t, session_mref(&n->t, s));
		if (!filter_wants_record(n, &m))
			continue;
		/* a record per session at most, and room for every session */
		if (perm_add(n, &m, s->rem_addr))
			s->flags |= SESS_PERM;
		else
			assert(!"a filter record is free");
	}
}

bool filter_allows(const struct nat *n, const struct nat_mapping *m,
		   uint32_t rem_addr)
{
	switch (filter_mode(&n->cfg, m->pclass)) {
	case NAT_FILTER_EI:
		return true;
	case NAT_FILTER_AD:
		return *perm_link(n, mapping_pubkey(m), rem_addr) != 0;
	case NAT_FILTER_APD:
		break;
	}
	return false;
}

/* ---- unsolicited SYNs ----------------------------------------------------- */

static struct held_syn *syn_slot(struct nat *n, uint32_t pub, uint16_t pport,
				 uint32_t rem, uint16_t rport)
{
	uint64_t h = siphash13_2w(n->hkey, (uint64_t)pub << 32 | rem,
				  (uint64_t)pport << 16 | rport);

	return &n->syns.slot[h % SYN_HOLD_SLOTS];
}

enum verdict syn_hold(struct nat *n, struct pkt *p, uint64_t now)
{
	const struct ipv4_hdr *ip = ipv4_hdr(p);
	const uint8_t *l4 = pkt_l4(p);
	struct held_syn *h = syn_slot(n, ip->daddr, ipv4_load16(l4 + 2),
				      ip->saddr, ipv4_load16(l4));
	uint32_t len = p->len < SYN_QUOTE_MAX ? p->len : SYN_QUOTE_MAX;

	if (!h->len)
		n->syns.used++;
	h->pub_addr = ip->daddr;
	h->rem_addr = ip->saddr;
	h->pub_port = ipv4_load16(l4 + 2);
	h->rem_port = ipv4_load16(l4);
	h->seen_ms = (uint32_t)now;
	h->len = (uint16_t)len;
	memcpy(h->quote, p->data, len);
	return nat_drop(n, p, DROP_SYN_UNSOLICITED);
}

void syn_hold_cancel(struct nat *n, uint32_t pub_addr, uint16_t pub_port,
		     uint32_t rem_addr, uint16_t rem_port)
{
	struct held_syn *h;

	if (!n->syns.used)
		return;
	h = syn_slot(n, pub_addr, pub_port, rem_addr, rem_port);
	if (h->len && h->pub_addr == pub_addr && h->pub_port == pub_port &&
	    h->rem_addr == rem_addr && h->rem_port == rem_port) {
		h->len = 0;
		n->syns.used--;
	}
}

/* Answer held SYN @h with ICMP port unreachable, queued for the outside. */
static void syn_reject(struct nat *n, const struct held_syn *h, uint64_t now)
{
	struct pkt *q = pending_add(n, h->quote, h->len, DIR_IN, VERDICT_BACK);

	if (q && nat_icmp_error(n, q, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH,
				h->pub_addr, 0, DROP_NONE, now) != VERDICT_BACK)
		pending_drop_item(n, q);
}

void syn_hold_expire(struct nat *n, uint64_t now)
{
	unsigned i;

	for (i = 0; n->syns.used && i < SYN_HOLD_SLOTS; i++) {
		struct held_syn *h = &n->syns.slot[i];

		if (!h->len ||
		    (uint32_t)((uint32_t)now - h->seen_ms) < SYN_HOLD_MS)
			continue;
		if (n->cfg.syn_reject)
			syn_reject(n, h, now);
		h->len = 0;
		n->syns.used--;
	}
}

/* ---- set up -------------------------------------------------------------- */

int filter_init(struct nat *n, const struct nat_config *cfg)
{
	struct perm_table *pt = &n->perms;
	uint64_t buckets = 64;

	while (buckets < cfg->max_sessions)
		buckets <<= 1;
	pt->mask = (uint32_t)(buckets - 1);
	pt->pool = (struct rec_pool){ .max = cfg->max_sessions, .unused = 1 };
	/* records are written before they are read: pages are touched only
	 * as address-dependent filtering uses them */
	pt->e = malloc(((size_t)cfg->max_sessions + 1) * sizeof(*pt->e));
	pt->bucket = calloc(buckets, sizeof(*pt->bucket));
	n->syns.slot = calloc(SYN_HOLD_SLOTS, sizeof(*n->syns.slot));
	if (!pt->e || !pt->bucket || !n->syns.slot)
		return -ENOMEM;
	return 0;
}

void filter_fini(struct nat *n)
{
	free(n->perms.e);
	free(n->perms.bucket);
	free(n->syns.slot);
}
