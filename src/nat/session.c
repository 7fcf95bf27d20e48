/* SPDX-License-Identifier: MIT */
/* session.c - session and mapping pools, their indexes, expiry lists */

#include <netinet/in.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"
#include "siphash.h"

static uint32_t pow2_at_least(uint64_t n)
{
	uint64_t p = 1;

	while (p < n)
		p <<= 1;
	return (uint32_t)p;
}

/* Index buckets: slots for two keys per session at a load <= 0.8. */
static uint32_t s_buckets(uint32_t max)
{
	uint64_t keys = 2ULL * max;

	return pow2_at_least((keys * 10 / 8 + INDEX_SLOTS - 1) / INDEX_SLOTS);
}

/* Chain heads for the extra keys of GRE calls: a few, as few sessions are
 * calls. */
static uint32_t g_buckets(uint32_t max)
{
	return pow2_at_least(max / 16 + 1);
}

static uint32_t m_buckets(uint32_t max)
{
	return pow2_at_least(max / 2);
}

uint64_t session_table_bytes(uint32_t max)
{
	return (uint64_t)(max + 1) * sizeof(struct nat_session) +
	       (uint64_t)(max + 1) * sizeof(struct nat_mapping) +
	       (uint64_t)s_buckets(max) * sizeof(struct index_bucket) +
	       (uint64_t)(g_buckets(max) + m_buckets(max)) * sizeof(uint32_t);
}

/*
 * Without a hook, records come from posix_memalign() and are not cleared:
 * each is written before it is used, so its pages become resident only as
 * the table fills.  Buckets must start empty, and index buckets on a cache
 * line each, so they are cleared here (the hook's memory, fresh anonymous
 * pages, is zero and aligned already).
 */
static void *table_alloc(const struct session_table *t, size_t bytes,
			 bool zero)
{
	void *p = NULL;

	if (t->mem.alloc)
		return t->mem.alloc(bytes);
	if (posix_memalign(&p, 64, bytes))
		return NULL;
	if (zero)
		memset(p, 0, bytes);
	return p;
}

static void table_free(const struct session_table *t, void *p, size_t bytes)
{
	if (!p)
		return;
	if (t->mem.release)
		t->mem.release(p, bytes);
	else
		free(p);
}

static size_t s_bytes(const struct session_table *t)
{
	return (size_t)(t->sp.max + 1) * sizeof(*t->s);
}

static size_t m_bytes(const struct session_table *t)
{
	return (size_t)(t->mp.max + 1) * sizeof(*t->m);
}

static size_t s_index_bytes(const struct session_table *t)
{
	return ((size_t)t->s_mask + 1) * sizeof(*t->s_bucket);
}

int session_table_init(struct session_table *t, uint32_t max,
		       const uint32_t *pool_addrs, const uint64_t hkey[2],
		       const struct session_mem *mem)
{
	memset(t, 0, sizeof(*t));
	if (!max || max > (UINT32_MAX >> 3))
		return -EINVAL;
	if (mem && mem->alloc)
		t->mem = *mem;
	t->sp = (struct rec_pool){ .max = max, .unused = 1 };
	t->mp = (struct rec_pool){ .max = max, .unused = 1 };
	t->s_mask = s_buckets(max) - 1;
	t->g_mask = g_buckets(max) - 1;
	t->m_mask = m_buckets(max) - 1;
	t->s = table_alloc(t, s_bytes(t), false);
	t->m = table_alloc(t, m_bytes(t), false);
	t->s_bucket = table_alloc(t, s_index_bytes(t), true);
	t->g_bucket = table_alloc(t, ((size_t)t->g_mask + 1) * 4, true);
	t->m_bucket = table_alloc(t, ((size_t)t->m_mask + 1) * 4, true);
	if (!t->s || !t->m || !t->s_bucket || !t->g_bucket || !t->m_bucket) {
		session_table_fini(t);
		return -ENOMEM;
	}
	t->pool_addrs = pool_addrs;
	t->hkey[0] = hkey[0];
	t->hkey[1] = hkey[1];
	return 0;
}

void session_table_fini(struct session_table *t)
{
	table_free(t, t->s, s_bytes(t));
	table_free(t, t->m, m_bytes(t));
	table_free(t, t->s_bucket, s_index_bytes(t));
	table_free(t, t->g_bucket, ((size_t)t->g_mask + 1) * 4);
	table_free(t, t->m_bucket, ((size_t)t->m_mask + 1) * 4);
	memset(t, 0, sizeof(*t));
}

static uint64_t key_hash(const struct session_table *t,
			 const struct flow_key *k)
{
	uint64_t w[2];

	memcpy(w, k, sizeof(w));
	return siphash13_2w(t->hkey, w[0], w[1]);
}

uint64_t session_hash(const struct session_table *t, const struct flow_key *k)
{
	return key_hash(t, k);
}

static void flow_key_set_raw(struct flow_key *k, enum key_side side,
			     uint8_t proto, uint32_t addr, uint16_t port,
			     uint32_t rem_addr, uint16_t rem_port)
{
	*k = (struct flow_key){
		.addr = addr, .rem_addr = rem_addr, .port = port,
		.rem_port = rem_port, .proto = proto, .side = side,
	};
}

static bool key_eq(const struct flow_key *a, const struct flow_key *b)
{
	return !memcmp(a, b, sizeof(*a));
}

/* A GRE call passes packets while it is live or being cleared. */
static bool gre_call_open(const struct nat_session *s)
{
	return s->klass == CLASS_GRE || s->klass == CLASS_GRE_CLOSING;
}

bool session_has_side(const struct nat_session *s, enum key_side side)
{
	if (side < SIDE_GRE_REM)
		return true;
	return session_is_call(s) && gre_call_open(s);
}

/* Where a GRE call @s keeps its chain link for @side (SIDE_GRE_*). */
static uint32_t *side_link(struct nat_session *s, enum key_side side)
{
	assert(side >= SIDE_GRE_REM);
	return &s->glink[side - SIDE_GRE_REM];
}

/* Where GRE call chain entry @e keeps its link. */
static uint32_t *session_link(const struct session_table *t, uint32_t e)
{
	return side_link(&t->s[ENTRY_IDX(e)], ENTRY_SIDE(e));
}

void session_key(const struct session_table *t, const struct nat_session *s,
		 enum key_side side, struct flow_key *k)
{
	if (side == SIDE_GRE_REM || side == SIDE_GRE_IN) {
		/* an outbound GRE packet carries the remote's Call ID, an
		 * inbound one (once translated) the inside peer's */
		flow_key_set_raw(k, side, IPPROTO_GRE,
				 side == SIDE_GRE_REM ? session_pub_addr(t, s)
						      : s->in_addr,
				 side == SIDE_GRE_REM ? 0 : s->in_port,
				 s->rem_addr,
				 side == SIDE_GRE_REM ? s->rem_port : 0);
		return;
	}
	*k = (struct flow_key){
		.addr = side == SIDE_IN ? s->in_addr : session_pub_addr(t, s),
		.rem_addr = s->rem_addr,
		.port = side == SIDE_IN ? s->in_port : s->pub_port,
		.rem_port = s->rem_port,
		.proto = s->proto,
		.side = side,
	};
	if (s->flags & SESS_ADDR) {
		/* no ports: the addresses are the whole key */
		k->port = k->rem_port = 0;
		k->kind = KEY_KIND_ADDR;
		return;
	}
	if (s->proto != IPPROTO_GRE)
		return;
	if (side == SIDE_OUT) {
		/* GRE from outside carries the translated Call ID */
		k->rem_port = 0;
	} else if (gre_call_open(s)) {
		/* GRE from inside carries the outside peer's Call ID */
		k->port = 0;
	} else {
		/* pending or quarantined: never matches a packet (the Call
		 * ID is never 0), unique as the translated ID is */
		k->port = s->pub_port;
		k->rem_port = 0;
	}
}

static void mapping_key(const struct session_table *t,
			const struct nat_mapping *m, enum key_side side,
			struct flow_key *k)
{
	*k = (struct flow_key){
		.addr = side == SIDE_IN ? m->in_addr : t->pool_addrs[m->pub_idx],
		.port = side == SIDE_IN ? m->in_port : m->pub_port,
		.proto = mapping_proto(m),
		.side = side,
	};
}

/* Is index entry @e the session indexed under @k? */
static bool entry_matches(const struct session_table *t, uint32_t e,
			  const struct flow_key *k)
{
	struct flow_key sk;

	if (ENTRY_SIDE(e) != k->side)
		return false;
	session_key(t, &t->s[ENTRY_IDX(e)], k->side, &sk);
	return key_eq(&sk, k);
}

/* The GRE call indexed under @k (a SIDE_GRE_* key), or 0. */
static uint32_t gre_find(const struct session_table *t,
			 const struct flow_key *k)
{
	uint32_t e = t->g_bucket[key_hash(t, k) & t->g_mask];

	while (e && !entry_matches(t, e, k))
		e = *session_link(t, e);
	return ENTRY_IDX(e);
}

uint32_t session_find(const struct session_table *t, const struct flow_key *k)
{
	uint64_t h;
	uint32_t b, n;

	if (k->side >= SIDE_GRE_REM)
		return gre_find(t, k);
	h = key_hash(t, k);
	b = (uint32_t)h & t->s_mask;
	for (n = 0; n <= t->s_mask; n++) {
		const struct index_bucket *ib = &t->s_bucket[b];
		unsigned i;

		for (i = 0; i < INDEX_SLOTS; i++)
			if (ib->tag[i] == index_tag(h) && ib->ent[i] &&
			    entry_matches(t, ib->ent[i], k))
				return ENTRY_IDX(ib->ent[i]);
		if (!ib->passed)
			break;
		b = (b + 1) & t->s_mask;
	}
	return 0;
}

/* Mapping hash entries: ENTRY(record, side), or ENTRY(host, MAP_HOSTED_SIDE
 * | side) for a mapping its session hosts. */
#define MAP_HOSTED_SIDE	2

/* Where mapping hash entry @e keeps its chain link (the records are not
 * the table's own fields: a const table still links them). */
static uint32_t *mapping_link(const struct session_table *t, uint32_t e)
{
	if (ENTRY_SIDE(e) & MAP_HOSTED_SIDE)
		return &t->s[ENTRY_IDX(e)].mlink[ENTRY_SIDE(e) & 1];
	return &t->m[ENTRY_IDX(e)].hnext[ENTRY_SIDE(e)];
}

/* The reference of the mapping that hash entry @e stands for. */
static uint32_t entry_mref(uint32_t e)
{
	return ENTRY_SIDE(e) & MAP_HOSTED_SIDE ? MREF_HOSTED | ENTRY_IDX(e)
					       : ENTRY_IDX(e);
}

/* The chain head of the mapping hash where @m is indexed on @side. */
static uint32_t *mapping_head(struct session_table *t,
			      const struct nat_mapping *m, enum key_side side)
{
	struct flow_key k;

	mapping_key(t, m, side, &k);
	return &t->m_bucket[(uint32_t)key_hash(t, &k) & t->m_mask];
}

uint32_t mapping_find(const struct session_table *t, const struct flow_key *k)
{
	uint32_t e = t->m_bucket[(uint32_t)key_hash(t, k) & t->m_mask];

	while (e) {
		if ((ENTRY_SIDE(e) & 1) == k->side) {
			struct nat_mapping m = mapping_get(t, entry_mref(e));
			struct flow_key mk;

			mapping_key(t, &m, k->side, &mk);
			if (key_eq(&mk, k))
				return entry_mref(e);
		}
		e = *mapping_link(t, e);
	}
	return 0;
}

/* Remove @entry from the chain starting at @head, whose entries keep
 * their links where @link says; it must be there. */
static void chain_unlink(const struct session_table *t, uint32_t *head,
			 uint32_t entry,
			 uint32_t *(*link)(const struct session_table *t,
					   uint32_t e))
{
	uint32_t *p = head;

	while (*p != entry)
		p = link(t, *p);
	*p = *link(t, entry);
}

static uint32_t pool_take(struct rec_pool *p, uint32_t next_free)
{
	uint32_t idx;

	if (p->free) {
		idx = p->free;
		p->free = next_free;
	} else if (p->unused <= p->max) {
		idx = p->unused++;
	} else {
		return 0;
	}
	p->used++;
	return idx;
}

static void list_append(struct session_table *t, enum nat_class c,
			uint32_t si)
{
	struct expiry_list *l = &t->lists[c];
	struct nat_session *s = &t->s[si];

	s->prev = l->tail;
	s->next = 0;
	if (l->tail)
		t->s[l->tail].next = si;
	else
		l->head = si;
	l->tail = si;
}

static void list_unlink(struct session_table *t, enum nat_class c,
			uint32_t si)
{
	struct expiry_list *l = &t->lists[c];
	struct nat_session *s = &t->s[si];

	if (s->prev)
		t->s[s->prev].next = s->next;
	else
		l->head = s->next;
	if (s->next)
		t->s[s->next].prev = s->prev;
	else
		l->tail = s->prev;
}

/* Index mapping hash entry @e, of a mapping with fields @m, on @side. */
static void mapping_link_in(struct session_table *t,
			    const struct nat_mapping *m, enum key_side side,
			    uint32_t e)
{
	uint32_t *head = mapping_head(t, m, side);

	*mapping_link(t, e) = *head;
	*head = e;
}

/* Take mapping hash entry @e, of a mapping with fields @m, off @side's
 * chain, where it must be. */
static void mapping_link_out(struct session_table *t,
			     const struct nat_mapping *m, enum key_side side,
			     uint32_t e)
{
	chain_unlink(t, mapping_head(t, m, side), e, mapping_link);
}

uint32_t mapping_add(struct session_table *t, const struct nat_mapping *tmpl)
{
	uint32_t mi = pool_take(&t->mp, t->mp.free ? t->m[t->mp.free].hnext[0]
						   : 0);
	struct nat_mapping *m;
	enum key_side side;

	if (!mi)
		return 0;
	m = &t->m[mi];
	*m = *tmpl;
	m->nsessions = 0;
	for (side = SIDE_IN; side <= SIDE_OUT; side++)
		mapping_link_in(t, m, side, ENTRY(mi, side));
	return mi;
}

void mapping_del(struct session_table *t, uint32_t mi)
{
	struct nat_mapping *m = &t->m[mi];
	enum key_side side;

	assert(!m->nsessions);
	for (side = SIDE_IN; side <= SIDE_OUT; side++)
		mapping_link_out(t, m, side, ENTRY(mi, side));
	m->hnext[0] = t->mp.free;
	t->mp.free = mi;
	t->mp.used--;
}

/* Take the mapping session @si hosts out of the hash: its fields. */
static struct nat_mapping mapping_unlink_hosted(struct session_table *t,
						uint32_t si)
{
	struct nat_session *s = &t->s[si];
	struct nat_mapping m = mapping_hosted_by(s);
	enum key_side side;

	assert(s->flags & SESS_MAP_HOST);
	for (side = SIDE_IN; side <= SIDE_OUT; side++)
		mapping_link_out(t, &m, side, ENTRY(si, MAP_HOSTED_SIDE | side));
	s->flags &= (uint8_t)~SESS_MAP_HOST;
	s->mlink[0] = s->mlink[1] = 0;
	t->hosted--;
	return m;
}

uint32_t mapping_unhost(struct session_table *t, uint32_t si)
{
	struct nat_mapping m = mapping_unlink_hosted(t, si);
	uint32_t mi = mapping_add(t, &m);

	assert(mi);		/* mapping_count() <= mp.max: one is free */
	t->m[mi].nsessions = 1;
	t->s[si].mref = mi;
	return mi;
}

/*
 * Walk the index from the bucket of hash @h on to the first slot holding
 * @from, put @to (with @tag) there, and add @step to the passed count of
 * each bucket walked over before it: index_add() looks for a free slot
 * (@from 0, @step 1), index_del() for its entry (@step -1), which passed
 * the same buckets when it was added.
 */
static void index_swap(struct session_table *t, uint64_t h, uint32_t from,
		       uint32_t to, uint16_t tag, int step)
{
	uint32_t b = (uint32_t)h & t->s_mask, n;

	for (n = 0; n <= t->s_mask; n++) {
		struct index_bucket *ib = &t->s_bucket[b];
		unsigned i;

		for (i = 0; i < INDEX_SLOTS; i++)
			if (ib->ent[i] == from) {
				ib->ent[i] = to;
				ib->tag[i] = tag;
				return;
			}
		assert(step > 0 || ib->passed);
		ib->passed += (uint32_t)step;
		b = (b + 1) & t->s_mask;
	}
	assert(!"the index has a free slot, or the entry sought");
}

/* Put entry (@si, @side) of hash @h in the index. */
static void index_add(struct session_table *t, uint32_t si,
		      enum key_side side, uint64_t h)
{
	index_swap(t, h, 0, ENTRY(si, side), index_tag(h), 1);
}

/* Take entry (@si, @side) of hash @h out of the index. */
static void index_del(struct session_table *t, uint32_t si,
		      enum key_side side, uint64_t h)
{
	index_swap(t, h, ENTRY(si, side), 0, 0, -1);
}

static void key_link(struct session_table *t, uint32_t si, enum key_side side)
{
	struct nat_session *s = &t->s[si];
	struct flow_key k;
	uint32_t *head;

	session_key(t, s, side, &k);
	if (side < SIDE_GRE_REM) {
		index_add(t, si, side, key_hash(t, &k));
		return;
	}
	head = &t->g_bucket[key_hash(t, &k) & t->g_mask];
	*side_link(s, side) = *head;
	*head = ENTRY(si, side);
}

/* Index session @si under every key it has now. */
static void keys_link(struct session_table *t, uint32_t si)
{
	enum key_side side;

	for (side = SIDE_IN; side < SIDE_N; side++)
		if (session_has_side(&t->s[si], side))
			key_link(t, si, side);
}

static void key_unlink(struct session_table *t, uint32_t si,
		       enum key_side side)
{
	struct flow_key k;

	session_key(t, &t->s[si], side, &k);
	if (side < SIDE_GRE_REM)
		index_del(t, si, side, key_hash(t, &k));
	else
		chain_unlink(t, &t->g_bucket[key_hash(t, &k) & t->g_mask],
			     ENTRY(si, side), session_link);
}

static void keys_unlink(struct session_table *t, uint32_t si)
{
	enum key_side side;

	for (side = SIDE_IN; side < SIDE_N; side++)
		if (session_has_side(&t->s[si], side))
			key_unlink(t, si, side);
}

uint32_t session_add(struct session_table *t, uint32_t mref,
		     const struct nat_session *tmpl, uint64_t now)
{
	uint32_t si = pool_take(&t->sp, t->sp.free ? t->s[t->sp.free].next
						   : 0);
	struct nat_session *s;

	if (!si)
		return 0;
	if ((mref & MREF_HOSTED) && mref != MREF_NEW)
		mref = mapping_unhost(t, mref & ~MREF_HOSTED);
	s = &t->s[si];
	*s = *tmpl;
	s->mlink[0] = s->mlink[1] = 0;	/* @mref, @ctl_slot, @glink too */
	s->flags &= (uint8_t)~SESS_MAP_HOST;
	s->last_ms = (uint32_t)now;
	assert(!mref || !session_is_call(s));
	if (mref && mref != MREF_NEW) {
		s->mref = mref;
		t->m[mref].nsessions++;
	}
	keys_link(t, si);
	list_append(t, s->klass, si);
	if (mref == MREF_NEW) {
		struct nat_mapping m = mapping_hosted_by(s);
		enum key_side side;

		s->flags |= SESS_MAP_HOST;
		for (side = SIDE_IN; side <= SIDE_OUT; side++)
			mapping_link_in(t, &m, side,
					ENTRY(si, MAP_HOSTED_SIDE | side));
		t->hosted++;
	}
	return si;
}

void session_refresh(struct session_table *t, uint32_t si,
		     enum nat_class klass, uint64_t now)
{
	struct nat_session *s = &t->s[si];

	if (s->klass != klass || (uint32_t)now / 1000 != s->last_ms / 1000) {
		bool rekey = s->proto == IPPROTO_GRE && s->klass != klass;

		/* a GRE call's keys depend on its class */
		if (rekey)
			keys_unlink(t, si);
		list_unlink(t, s->klass, si);
		s->klass = klass;
		list_append(t, klass, si);
		if (rekey)
			keys_link(t, si);
	}
	s->last_ms = (uint32_t)now;
}

bool session_del(struct session_table *t, uint32_t si,
		 struct nat_mapping *ended)
{
	struct nat_session *s = &t->s[si];
	bool hosted = s->flags & SESS_MAP_HOST;
	uint32_t mi = session_mref(t, s);

	if (hosted) {
		*ended = mapping_unlink_hosted(t, si);
		ended->nsessions = 0;
	}
	keys_unlink(t, si);
	list_unlink(t, s->klass, si);
	s->proto = 0;		/* a free record: walks pass it by */
	s->next = t->sp.free;
	t->sp.free = si;
	t->sp.used--;
	if (hosted)
		return true;
	if (!mi || --t->m[mi].nsessions || t->m[mi].is_static)
		return false;
	*ended = t->m[mi];
	mapping_del(t, mi);
	return true;
}

void session_rekey(struct session_table *t, uint32_t si,
		   void (*update)(struct nat_session *s, const void *arg),
		   const void *arg, uint64_t now)
{
	struct nat_session *s = &t->s[si];

	assert(!session_mref(t, s));
	keys_unlink(t, si);
	list_unlink(t, s->klass, si);
	update(s, arg);
	keys_link(t, si);
	list_append(t, s->klass, si);
	s->last_ms = (uint32_t)now;
}

/* ---- a check of the whole table, for tests and fuzzers ----------------- */

#define CHECK_FREE	UINT32_MAX	/* in the mapping counts: a free record */

/* Walk free list @head of @p (links by @next_of); false if it leaves the
 * records handed out, meets one in use or loops. */
static bool free_list_ok(const struct session_table *t,
			 const struct rec_pool *p, bool sessions,
			 uint32_t *mark)
{
	uint32_t i = p->free, steps = 0;

	while (i) {
		if (i >= p->unused || ++steps >= p->unused)
			return false;
		if (sessions) {
			if (t->s[i].proto)
				return false;
			i = t->s[i].next;
		} else {
			if (mark[i] == CHECK_FREE)
				return false;
			mark[i] = CHECK_FREE;
			i = t->m[i].hnext[0];
		}
	}
	return steps + p->used == p->unused - 1;
}

/* One session in use: its keys, its mapping, its public address. */
static const char *session_check(const struct session_table *t, uint32_t si,
				 uint32_t *mcount, uint32_t *links,
				 uint32_t *hosts)
{
	const struct nat_session *s = &t->s[si];
	uint32_t mref = session_mref(t, s);
	enum key_side side;

	if (s->klass >= CLASS_N)
		return "a session has no valid class";
	for (side = SIDE_IN; side < SIDE_N; side++) {
		struct flow_key k;

		if (!session_has_side(s, side))
			continue;
		session_key(t, s, side, &k);
		if (session_find(t, &k) != si)
			return "a session is not found under one of its keys";
		(*links)++;
	}
	if ((s->flags & SESS_MAP_HOST) && session_is_call(s))
		return "a GRE call hosts a mapping";
	if ((s->flags & SESS_PERM) &&
	    (!mref || (!(mref & MREF_HOSTED) && mref < t->mp.unused &&
		       t->m[mref].is_static)))
		return "a session without a dynamic mapping counts in a filter record";
	if (!(s->flags & SESS_MAP_HOST) && !session_is_call(s) &&
	    ((s->mref & MREF_HOSTED) ||
	     (s->ctl_slot && (s->proto != IPPROTO_TCP || !s->alg))))
		return "a session's mapping or ALG slot is marked wrong";
	if (s->flags & SESS_MAP_HOST) {
		/* found under its keys: mappings_check(), once the chains
		 * are known to be whole */
		if ((s->proto != IPPROTO_TCP && s->proto != IPPROTO_UDP &&
		     s->proto != IPPROTO_ICMP) ||
		    (s->flags & (SESS_ADDR | SESS_INBOUND | SESS_HAIRPIN)) ||
		    s->alg)
			return "a session hosts a mapping it cannot";
		(*hosts)++;
	} else if (mref) {
		const struct nat_mapping *m = &t->m[mref];

		if (mref >= t->mp.unused || mcount[mref] == CHECK_FREE)
			return "a session is on a free mapping";
		if (m->in_addr != s->in_addr || m->in_port != s->in_port ||
		    m->pub_port != s->pub_port || m->pub_idx != s->pub_idx ||
		    mapping_proto(m) != s->proto)
			return "a session and its mapping disagree";
		mcount[mref]++;
	}
	return NULL;
}

/* Is index or chain entry @e a key that a session in use has? */
static bool entry_live(const struct session_table *t, uint32_t e)
{
	const struct nat_session *s = &t->s[ENTRY_IDX(e)];

	return ENTRY_IDX(e) && ENTRY_IDX(e) < t->sp.unused && s->proto &&
	       session_has_side(s, ENTRY_SIDE(e));
}

/* The session index: each entry a live key, the buckets' passed counts
 * exactly the entries placed beyond them; *@seen counts the entries. */
static const char *index_check(const struct session_table *t, uint32_t *seen)
{
	uint32_t *passed = calloc((size_t)t->s_mask + 1, sizeof(*passed));
	const char *why = NULL;
	uint32_t b;

	if (!passed)
		return "out of memory";
	for (b = 0; !why && b <= t->s_mask; b++) {
		const struct index_bucket *ib = &t->s_bucket[b];
		unsigned i;

		for (i = 0; !why && i < INDEX_SLOTS; i++) {
			uint32_t e = ib->ent[i], home;
			struct flow_key k;
			uint64_t h;

			if (!e) {
				if (ib->tag[i])
					why = "a free index slot has a tag";
				continue;
			}
			if (!entry_live(t, e) || ENTRY_SIDE(e) >= SIDE_GRE_REM) {
				why = "the index holds a free record or a key it has not";
				break;
			}
			/* (a wrong tag hides the entry from session_find(),
			 * which session_check() sees) */
			session_key(t, &t->s[ENTRY_IDX(e)], ENTRY_SIDE(e), &k);
			h = key_hash(t, &k);
			for (home = (uint32_t)h & t->s_mask; home != b;
			     home = (home + 1) & t->s_mask)
				passed[home]++;
			(*seen)++;
		}
	}
	for (b = 0; !why && b <= t->s_mask; b++)
		if (t->s_bucket[b].passed != passed[b])
			why = "an index bucket's count of entries passed is wrong";
	free(passed);
	return why;
}

/* The session index and the chains of GRE calls' extra keys: entries in
 * use, where their hash puts them, as many as the sessions' keys. */
static const char *chains_check(const struct session_table *t,
				uint32_t links)
{
	uint32_t b, seen = 0;
	const char *why = index_check(t, &seen);

	if (why)
		return why;
	for (b = 0; b <= t->g_mask; b++) {
		uint32_t e;

		for (e = t->g_bucket[b]; e; ) {
			const struct nat_session *s = &t->s[ENTRY_IDX(e)];
			struct flow_key k;

			if (!entry_live(t, e) || ENTRY_SIDE(e) < SIDE_GRE_REM)
				return "a GRE key chain holds a free record or a key it has not";
			session_key(t, s, ENTRY_SIDE(e), &k);
			if ((key_hash(t, &k) & t->g_mask) != b)
				return "a GRE call is chained in the wrong bucket";
			if (++seen > links)
				return "the session indexes have more entries than keys";
			e = *side_link((struct nat_session *)s, ENTRY_SIDE(e));
		}
	}
	return seen == links ? NULL : "the session indexes lack keys";
}

/* Every chain of the mapping hash, and every mapping in use. */
static const char *mappings_check(const struct session_table *t,
				  const uint32_t *mcount)
{
	uint32_t b, mi, si, seen = 0;

	for (b = 0; b <= t->m_mask; b++) {
		uint32_t e;

		for (e = t->m_bucket[b]; e; ) {
			struct nat_mapping m;
			struct flow_key k;

			if (ENTRY_SIDE(e) & MAP_HOSTED_SIDE) {
				const struct nat_session *s =
					&t->s[ENTRY_IDX(e)];

				if (!ENTRY_IDX(e) || ENTRY_IDX(e) >= t->sp.unused ||
				    !s->proto || !(s->flags & SESS_MAP_HOST))
					return "a mapping chain holds a session that hosts none";
			} else if (ENTRY_IDX(e) >= t->mp.unused ||
				   mcount[ENTRY_IDX(e)] == CHECK_FREE) {
				return "a mapping chain holds a free record";
			}
			m = mapping_get(t, entry_mref(e));
			mapping_key(t, &m, ENTRY_SIDE(e) & 1, &k);
			if (((uint32_t)key_hash(t, &k) & t->m_mask) != b)
				return "a mapping is chained in the wrong bucket";
			if (++seen > 2 * mapping_count(t))
				return "the mapping hash has more entries than keys";
			e = *mapping_link(t, e);
		}
	}
	if (seen != 2 * mapping_count(t))
		return "the mapping hash lacks keys";
	if (mapping_count(t) > t->mp.max)
		return "more mappings than a moved one would find records for";
	for (si = 1; si < t->sp.unused; si++) {
		const struct nat_session *s = &t->s[si];
		struct nat_mapping m = mapping_hosted_by(s);
		enum key_side side;

		if (!s->proto || !(s->flags & SESS_MAP_HOST))
			continue;
		for (side = SIDE_IN; side <= SIDE_OUT; side++) {
			struct flow_key k;

			mapping_key(t, &m, side, &k);
			if (mapping_find(t, &k) != (MREF_HOSTED | si))
				return "a hosted mapping is not found under one of its keys";
		}
	}
	for (mi = 1; mi < t->mp.unused; mi++) {
		const struct nat_mapping *m = &t->m[mi];
		enum key_side side;

		if (mcount[mi] == CHECK_FREE)
			continue;
		for (side = SIDE_IN; side <= SIDE_OUT; side++) {
			struct flow_key k;

			mapping_key(t, m, side, &k);
			if (mapping_find(t, &k) != mi)
				return "a mapping is not found under one of its keys";
		}
		if (m->nsessions != mcount[mi])
			return "a mapping's session count is wrong";
		if (!m->nsessions && !m->is_static)
			return "a dynamic mapping without sessions lives on";
	}
	return NULL;
}

/* The expiry lists: linked both ways, each session on its class's list,
 * in the order of the time each was linked (session.h). */
static const char *lists_check(const struct session_table *t)
{
	uint32_t listed = 0;
	enum nat_class c;

	for (c = 0; c < CLASS_N; c++) {
		uint32_t i = t->lists[c].head, prev = 0;

		while (i) {
			const struct nat_session *s = &t->s[i];

			if (i >= t->sp.unused || !s->proto || s->klass != c ||
			    s->prev != prev || ++listed > t->sp.used)
				return "an expiry list is broken";
			if (prev) {
				uint32_t p = t->s[prev].last_ms;

				/* linked no earlier than the second its
				 * predecessor was last linked in */
				if ((int32_t)(s->last_ms - (p - p % 1000)) < 0)
					return "an expiry list is out of order";
			}
			prev = i;
			i = s->next;
		}
		if (t->lists[c].tail != prev)
			return "an expiry list's tail is wrong";
	}
	return listed == t->sp.used ? NULL
				    : "a session is on no expiry list";
}

const char *session_table_check(const struct session_table *t)
{
	uint32_t *mcount, si, used = 0, links = 0, hosts = 0;
	const char *why = NULL;

	if (t->sp.unused > t->sp.max + 1 || t->mp.unused > t->mp.max + 1 ||
	    t->sp.used >= t->sp.unused || t->mp.used >= t->mp.unused)
		return "a record pool's counts are wrong";
	mcount = calloc(t->mp.max + 1, sizeof(*mcount));
	if (!mcount)
		return "out of memory";
	if (!free_list_ok(t, &t->sp, true, NULL) ||
	    !free_list_ok(t, &t->mp, false, mcount))
		why = "a free list is broken";
	for (si = 1; !why && si < t->sp.unused; si++) {
		if (!t->s[si].proto)
			continue;
		used++;
		why = session_check(t, si, mcount, &links, &hosts);
	}
	if (!why && used != t->sp.used)
		why = "the sessions in use are not as many as counted";
	if (!why && hosts != t->hosted)
		why = "the hosted mappings are not as many as counted";
	if (!why)
		why = chains_check(t, links);
	if (!why)
		why = mappings_check(t, mcount);
	if (!why)
		why = lists_check(t);
	free(mcount);
	return why;
}
