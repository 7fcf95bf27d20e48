/* SPDX-License-Identifier: MIT */
/* session.h - the session table: sessions, mappings, their hash and timers
 *
 * A *mapping* binds one inside endpoint (protocol, inside address, inside
 * port) to one public endpoint (public address, public port); it exists so
 * that every flow from that inside endpoint leaves with the same public
 * endpoint (endpoint-independent mapping, RFC 4787 REQ-1, RFC 5382 REQ-1).
 * A *session* is one flow through a mapping to one remote endpoint; it holds
 * the timer and the TCP state.  A mapping lives while any session uses it.
 *
 * Most dynamic mappings only ever have one session (a client's every
 * connection comes from a new port), and that session holds all a mapping
 * knows but its two hash chain links.  So a new dynamic mapping is *hosted*
 * by its first session: the session keeps the links (@mlink) and no mapping
 * record is taken.  When a second session joins, or its session becomes an
 * ALG's control connection (whose ALG slot takes the words of the links),
 * the mapping moves to a record of its own and stays there until it ends.
 * A mapping is named by a reference (mref): a record index, or
 * MREF_HOSTED | its host's index; mapping_get() reads either.
 *
 * Both live in preallocated pools of fixed-size records linked by 32-bit
 * index (0 is "none"); a pool hands out never-used records in order, so pages
 * are touched only as the table grows, then recycles freed ones.  Each
 * record is findable by two keys, its inside view and its outside view
 * (an index entry is index << 2 | side).  Hashing is SipHash-1-3 under a
 * secret, because remote hosts choose the ports we hash.
 *
 * The session index, which every packet reads, is a table of buckets of one
 * cache line each: ten entries with a 16-bit tag apiece (bits of the hash
 * the bucket number does not use).  A lookup reads its bucket, and only the
 * session whose tag matches: two cache misses (three when the 48-byte
 * session straddles two lines, whose misses overlap), the second known as
 * soon as the first is in, so a batch can prefetch both (nat_prefetch()).
 * A full bucket sends new entries on to the next one and counts them as
 * passed; a lookup goes on past a bucket (to the adjacent line) only while
 * that count is not zero.  There
 * are slots for every key at a load of at most 0.8.  The two extra keys of
 * a live GRE call, looked up only for ICMP errors, sit in a small chained
 * hash instead (links in the session), so the index never needs more than
 * two slots per session.  Mappings, looked up only to open a session, are
 * in a chained hash with the links in their records (or hosts).
 *
 * Timers: one FIFO list per timeout class (TCP transitory, TCP established,
 * UDP, ICMP, the stages of a GRE call: pending, active, closing,
 * quarantined, and other protocols).  A session moves to the tail of its list when it changes class,
 * and when a packet refreshes it in a later second than its previous refresh
 * (so a busy flow touches its neighbours' cache lines at most once a second,
 * as VPP does).  The list therefore stays ordered by the time each session was
 * linked, and every session's last refresh is less than a second after that:
 * a sweep pops expired heads and stops at the first live one.  A session
 * expired but not yet swept is treated as absent by every lookup, so expiry
 * is exact to the millisecond whatever the sweep's pace.
 */
#ifndef TN_SESSION_H
#define TN_SESSION_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>

#include <netinet/in.h>

enum nat_class {
	CLASS_TCP_OPEN = 0,	/* TCP opening: no handshake both ways yet */
	CLASS_TCP_CLOSE,	/* TCP closing: FIN both ways, or reset */
	CLASS_TCP_EST,		/* TCP established (or half closed) */
	CLASS_UDP,
	CLASS_ICMP,		/* ICMP query (echo, timestamp) */
	CLASS_GRE,		/* GRE: a live call, or a version 0 tunnel */
	CLASS_GRE_PENDING,	/* call requested, not yet answered */
	CLASS_GRE_CLOSING,	/* call being cleared: GRE still passes */
	CLASS_GRE_QUARANTINE,	/* call over: its Call ID is not reused yet */
	CLASS_OTHER,		/* a protocol translated by address only */
	CLASS_N
};

enum key_side {
	SIDE_IN = 0,		/* inside address and port */
	SIDE_OUT = 1,		/* public address and port */
	/* a live GRE call is also found by what an ICMP error about its
	 * packets quotes: */
	SIDE_GRE_REM = 2,	/* public address, remote and its Call ID */
	SIDE_GRE_IN = 3,	/* inside address and Call ID, remote */
	SIDE_N
};

/**
 * struct flow_key - what a hash lookup matches, all fields network order
 * @addr:	inside address (SIDE_IN) or public address (SIDE_OUT)
 * @rem_addr:	remote address; 0 in mapping keys
 * @port:	inside or public port / ICMP identifier
 * @rem_port:	remote port; 0 for ICMP and in mapping keys
 * @proto:	IP protocol
 * @side:	enum key_side
 * @kind:	KEY_KIND_*: tells apart keys that share a protocol
 */
struct flow_key {
	uint32_t addr;
	uint32_t rem_addr;
	uint16_t port;
	uint16_t rem_port;
	uint8_t proto;
	uint8_t side;
	uint16_t kind;		/* also keeps the key 16 bytes with no holes */
};

#define KEY_KIND_PLAIN	0
#define KEY_KIND_ADDR	1	/* translated by address only */
static_assert(sizeof(struct flow_key) == 16, "flow_key is two words");

/* Session flags */
#define SESS_HAIRPIN	0x01	/* created by a hairpinned packet */
#define SESS_INBOUND	0x02	/* opened from outside, through a static mapping */
#define SESS_ADDR	0x04	/* translated by address only: a GRE version 0
				 * tunnel, any protocol without ports */
#define SESS_ALG_DEAD	0x08	/* control connection reset by its ALG */
#define SESS_MAP_HOST	0x10	/* hosts its mapping: @mlink are its links */
#define SESS_PERM	0x20	/* counts in an address-dependent filter
				 * record of its mapping (filter.c) */

/**
 * struct nat_session - one flow, 48 bytes
 * @mlink:	with SESS_MAP_HOST, the hash chain links of the mapping this
 *		session hosts, [SIDE_IN] and [SIDE_OUT]
 * @glink:	a GRE call (session_is_call()) while live or closing: the
 *		chain links of its SIDE_GRE_* keys
 * @mref:	any other session: the reference of the mapping it uses, 0
 *		for none; read it with session_mref(), which knows all three
 * @ctl_slot:	with @mref: a control connection's ALG state slot, 0 for
 *		none (a control connection never hosts its mapping)
 * @prev:	expiry list links; @next also links the free list
 * @in_addr, @rem_addr: inside and remote addresses, network order; the
 *		public one is the pool's address @pub_idx (session_pub_addr())
 * @in_port, @pub_port, @rem_port: ports or ICMP ids, network order
 * @pub_idx:	index of the public address in the pool
 * @last_ms:	low 32 bits of the caller's clock at the last refresh
 * @proto:	IP protocol
 * @klass:	enum nat_class, chooses the timeout and the expiry list
 * @tcp:	TCP state bits (proto_tcp.c)
 * @flags:	SESS_*
 * @alg:	ALG of a control connection (enum alg_id), 0 for none
 * @seqst:	TCP: what @tcp_seq holds for the sequence checks of inbound
 *		RST and FIN, the inside host's window scale, and the
 *		remote's window class (proto_tcp.c)
 * @snd_hi:	TCP: the top 16 bits of the inside host's next sequence
 *		number, for the check of inbound ICMP errors (RFC 5927)
 * @tcp_seq:	TCP: the sequence number its inbound RST and FIN are checked
 *		against (proto_tcp.c)
 * @owner:	a GRE call: the session index of the control connection that
 *		owns it; 0 once the call rests (CLASS_GRE_QUARANTINE)
 *
 * A GRE version 1 call keeps the inside peer's Call ID in @in_port, the
 * translated one in @pub_port and the outside peer's in @rem_port.
 *
 * 48 bytes, not a cache line: a session in two of every four straddles two
 * lines, which the prefetch of its lookup fetches together
 * (session_prefetch_match()); the 16 bytes saved are a fifth of the memory
 * a session costs all in.
 */
struct nat_session {
	union {
		uint32_t mlink[2];
		uint32_t glink[2];
		struct {
			uint32_t mref;
			uint32_t ctl_slot;
		};
	};
	uint32_t prev, next;
	uint32_t in_addr, rem_addr;
	uint16_t in_port, pub_port, rem_port;
	uint16_t pub_idx;
	uint32_t last_ms;
	uint8_t proto;
	uint8_t klass;
	uint8_t tcp;
	uint8_t flags;
	uint8_t alg;
	uint8_t seqst;
	uint16_t snd_hi;
	union {
		uint32_t tcp_seq;
		uint32_t owner;
	};
} __attribute__((aligned(16)));
static_assert(sizeof(struct nat_session) == 48, "a session is 48 bytes");

/* session_is_call() - is @s a GRE version 1 call (no mapping, a Call ID
 * for a port)? */
static inline bool session_is_call(const struct nat_session *s)
{
	return s->proto == IPPROTO_GRE && !(s->flags & SESS_ADDR);
}

/* Protocols a mapping can have, in its 2-bit @pclass. */
enum map_pclass {
	MAP_TCP = 0,
	MAP_UDP,
	MAP_ICMP,
};

#define MAP_SESSIONS_MAX	UINT16_MAX	/* sessions per mapping */

/* Mapping references: a record index, or a hosting session's index with
 * MREF_HOSTED; MREF_NEW asks session_add() for a new hosted mapping. */
#define MREF_HOSTED	0x80000000u
#define MREF_NEW	MREF_HOSTED

/**
 * struct nat_mapping - one endpoint-independent mapping, 20 bytes
 * @hnext:	hash chain links, [SIDE_IN] and [SIDE_OUT]
 * @in_addr:	inside address, network order
 * @in_port, @pub_port: network order
 * @nsessions:	sessions using this mapping (at most MAP_SESSIONS_MAX, a
 *		limit per mapping as RFC 6888 REQ-5 suggests); freed at 0
 * @pub_idx:	index of the public address in the pool (< 1024)
 * @pclass:	enum map_pclass
 * @is_static:	configured: outlives its sessions, and lets traffic from
 *		outside open sessions
 */
struct nat_mapping {
	uint32_t hnext[2];
	uint32_t in_addr;
	uint16_t in_port, pub_port;
	uint16_t nsessions;
	uint16_t pub_idx : 10;
	uint16_t pclass : 2;
	uint16_t is_static : 1;
};
static_assert(sizeof(struct nat_mapping) == 20, "mapping is 20 bytes");

/* mapping_proto() - the IP protocol of @m */
static inline uint8_t mapping_proto(const struct nat_mapping *m)
{
	static const uint8_t proto[] = { 6, 17, 1 };

	return proto[m->pclass];
}

/* mapping_pclass() - the @pclass of a mapping for IP protocol @proto */
static inline unsigned mapping_pclass(uint8_t proto)
{
	return proto == 6 ? MAP_TCP : proto == 17 ? MAP_UDP : MAP_ICMP;
}

/* mapping_hosted_by() - the mapping that session @s hosts or would host:
 * its fields, one session, no links */
static inline struct nat_mapping mapping_hosted_by(const struct nat_session *s)
{
	return (struct nat_mapping){
		.in_addr = s->in_addr,
		.in_port = s->in_port,
		.pub_port = s->pub_port,
		.nsessions = 1,
		.pub_idx = s->pub_idx & 0x3ff,
		.pclass = mapping_pclass(s->proto) & 3,
	};
}

/* mapping_pubkey() - 32 bits that name dynamic mapping @m among the live
 * ones of a table: its public address slot, port and protocol class */
static inline uint32_t mapping_pubkey(const struct nat_mapping *m)
{
	return (uint32_t)m->pub_idx << 18 | (uint32_t)m->pclass << 16 |
	       m->pub_port;
}

/* A pool of fixed-size records handed out by index. */
struct rec_pool {
	uint32_t max;		/* usable indices are 1..max */
	uint32_t unused;	/* next never-used index */
	uint32_t free;		/* head of the free list */
	uint32_t used;		/* records in use */
};

struct expiry_list {
	uint32_t head, tail;
};

/* An entry of the session index or of a hash chain: record and side. */
#define ENTRY(idx, side)	((uint32_t)(idx) << 2 | (side))
#define ENTRY_IDX(e)		((e) >> 2)
#define ENTRY_SIDE(e)		((e) & 3)

#define INDEX_SLOTS	10	/* entries in a bucket of the session index */

/* index_tag() - the tag of an index entry of hash @h: bits no bucket
 * number uses */
static inline uint16_t index_tag(uint64_t h)
{
	return (uint16_t)(h >> 48);
}

/**
 * struct index_bucket - one cache line of the session index
 * @tag:	the top 16 bits of each entry's hash
 * @passed:	entries whose search went on past this bucket because it was
 *		full when they were added, and that are still in the index
 * @ent:	entries (ENTRY()), 0 for a free slot
 */
struct index_bucket {
	uint16_t tag[INDEX_SLOTS];
	uint32_t passed;
	uint32_t ent[INDEX_SLOTS];
} __attribute__((aligned(64)));
static_assert(sizeof(struct index_bucket) == 64, "a bucket is a cache line");

/**
 * struct session_table - sessions and mappings with their indexes
 * @s, @m:		record arrays, index 0 unused
 * @s_bucket:		the session index, @s_mask + 1 buckets
 * @g_bucket:		chain heads of the GRE calls' extra keys, @g_mask + 1
 * @m_bucket:		mapping hash heads, @m_mask + 1 of them
 * @hosted:		mappings hosted by their session (SESS_MAP_HOST)
 * @pool_addrs:		public addresses by pub_idx (owned by the caller)
 * @lists:		one expiry list per enum nat_class
 * @timeout_ms:		timeout of each class
 * @hkey:		SipHash secret
 * @mem:		where the big arrays come from
 */
struct session_table {
	struct nat_session *s;
	struct nat_mapping *m;
	struct index_bucket *s_bucket;
	uint32_t *g_bucket, *m_bucket;
	uint32_t s_mask, g_mask, m_mask;
	struct rec_pool sp, mp;
	uint32_t hosted;
	const uint32_t *pool_addrs;
	struct expiry_list lists[CLASS_N];
	uint32_t timeout_ms[CLASS_N];
	uint64_t hkey[2];
	struct session_mem {
		void *(*alloc)(size_t bytes);
		void (*release)(void *p, size_t bytes);
	} mem;
};

/* session_mref() - the reference of the mapping session @s of @t uses, 0
 * for none */
static inline uint32_t session_mref(const struct session_table *t,
				    const struct nat_session *s)
{
	if (s->flags & SESS_MAP_HOST)
		return MREF_HOSTED | (uint32_t)(s - t->s);
	return session_is_call(s) ? 0 : s->mref;
}

/* session_ctl_slot() - the ALG state slot of control connection @s, 0 if
 * it is none */
static inline uint32_t session_ctl_slot(const struct nat_session *s)
{
	return s->proto == IPPROTO_TCP && !(s->flags & SESS_MAP_HOST) ?
	       s->ctl_slot : 0;
}

/* session_pub_addr() - the public address of session @s of @t, network
 * order */
static inline uint32_t session_pub_addr(const struct session_table *t,
					const struct nat_session *s)
{
	return t->pool_addrs[s->pub_idx];
}

/**
 * session_table_init() - allocate a table for @max sessions
 * @mem:	@mem->alloc returns zeroed, 64-byte aligned memory, or NULL;
 *		both NULL: calloc() and free()
 *
 * The session index has a power of two buckets, with a slot for every
 * inside and outside key of @max sessions at a load of at most 0.8.
 * Mapping buckets are at least one per two mappings (load <= 4): mappings
 * are looked up only to open a session, and memory per session is what
 * bounds the table.
 *
 * Return: 0, or -ENOMEM (nothing is left allocated)
 */
int session_table_init(struct session_table *t, uint32_t max,
		       const uint32_t *pool_addrs, const uint64_t hkey[2],
		       const struct session_mem *mem);

/* session_table_fini() - free everything session_table_init() allocated */
void session_table_fini(struct session_table *t);

/* session_table_bytes() - memory reserved for a table of @max sessions */
uint64_t session_table_bytes(uint32_t max);

/* session_has_side() - is session @s indexed under side @side now? */
bool session_has_side(const struct nat_session *s, enum key_side side);

/* session_key() - the @side key under which session @s is indexed */
void session_key(const struct session_table *t, const struct nat_session *s,
		 enum key_side side, struct flow_key *k);

/* session_hash() - the hash of key @k, which says where it is indexed */
uint64_t session_hash(const struct session_table *t, const struct flow_key *k);

/* session_prefetch_bucket() - start loading the index bucket of hash @h */
static inline void session_prefetch_bucket(const struct session_table *t,
					   uint64_t h)
{
	__builtin_prefetch(&t->s_bucket[h & t->s_mask]);
}

/* session_prefetch_match() - start loading the session an index entry of
 * hash @h and side @side (SIDE_IN or SIDE_OUT) points to, if its bucket
 * (which session_prefetch_bucket() fetched) has one */
static inline void session_prefetch_match(const struct session_table *t,
					  uint64_t h, enum key_side side)
{
	const struct index_bucket *b = &t->s_bucket[h & t->s_mask];
	unsigned i;

	for (i = 0; i < INDEX_SLOTS; i++)
		if (b->tag[i] == index_tag(h) &&
		    ENTRY_SIDE(b->ent[i]) == side && b->ent[i]) {
			const struct nat_session *s = &t->s[ENTRY_IDX(b->ent[i])];

			/* its first and last byte: both its cache lines */
			__builtin_prefetch(s);
			__builtin_prefetch((const char *)(s + 1) - 1);
			return;
		}
}

/* session_find() - session indexed under @k, or 0; expiry is not checked */
uint32_t session_find(const struct session_table *t, const struct flow_key *k);

/* mapping_find() - reference of the mapping indexed under @k (rem_* zero),
 * or 0 */
uint32_t mapping_find(const struct session_table *t, const struct flow_key *k);

/* mapping_get() - the fields of mapping @mref, hosted or in a record */
static inline struct nat_mapping mapping_get(const struct session_table *t,
					     uint32_t mref)
{
	if (!mref)
		return (struct nat_mapping){ 0 };
	if (mref & MREF_HOSTED)
		return mapping_hosted_by(&t->s[mref & ~MREF_HOSTED]);
	return t->m[mref];
}

/* mapping_count() - dynamic and static mappings in the table */
static inline uint32_t mapping_count(const struct session_table *t)
{
	return t->mp.used + t->hosted;
}

/* session_expired() - true if session @s has been idle its full timeout */
static inline bool session_expired(const struct session_table *t,
				   const struct nat_session *s, uint64_t now)
{
	return (uint32_t)((uint32_t)now - s->last_ms) >= t->timeout_ms[s->klass];
}

/**
 * mapping_add() - create and index a mapping record (fields as in @tmpl)
 *
 * For static mappings: a dynamic one begins hosted (session_add()).
 *
 * Return: its index, or 0 if the pool is full
 */
uint32_t mapping_add(struct session_table *t, const struct nat_mapping *tmpl);

/**
 * mapping_unhost() - move the mapping session @si hosts to a record of its
 * own (at the heads of its hash chains)
 *
 * There is a free record as long as mapping_count() <= mp.max.
 *
 * Return: the record's index, now also the session's @mref
 */
uint32_t mapping_unhost(struct session_table *t, uint32_t si);

/**
 * session_add() - create and index a session on mapping @mref
 * @mref:	a mapping; 0 for none; MREF_NEW: the session hosts a new
 *		dynamic mapping made of its inside and public endpoints
 * @tmpl:	addresses, ports, protocol, class and TCP state of the session
 *
 * Takes a reference on the mapping (a hosted one moves to a record of its
 * own, and there is one free as long as mapping_count() <= mp.max, which
 * the callers keep: a hosted mapping counts without a record), links the
 * session at the tail of its class's expiry list and stamps it with
 * @now.
 *
 * Return: its index, or 0 if the session pool is full
 */
uint32_t session_add(struct session_table *t, uint32_t mref,
		     const struct nat_session *tmpl, uint64_t now);

/* session_refresh() - note traffic on @si at @now, in class @klass */
void session_refresh(struct session_table *t, uint32_t si,
		     enum nat_class klass, uint64_t now);

/**
 * session_rekey() - change what session @si is indexed under
 * @update:	called between unindexing and indexing again, to change the
 *		fields its keys come from (and possibly its class); the
 *		session must have no mapping, whose keys would not follow
 *
 * The session moves to the tail of its (possibly new) class's list,
 * stamped with @now.
 */
void session_rekey(struct session_table *t, uint32_t si,
		   void (*update)(struct nat_session *s, const void *arg),
		   const void *arg, uint64_t now);

/**
 * session_del() - unindex and free session @si, and its mapping if that
 * was dynamic and has no session left
 * @ended:	set to the fields of that mapping (the caller releases its
 *		public port); may be NULL for a session without a mapping
 *
 * Return: true if the mapping ended
 */
bool session_del(struct session_table *t, uint32_t si,
		 struct nat_mapping *ended);

/* mapping_del() - unindex and free mapping record @mi, which has no
 * sessions */
void mapping_del(struct session_table *t, uint32_t mi);

/**
 * session_table_check() - check every invariant of @t: pools and free
 * lists, each session found under each of its keys and on its class's
 * expiry list in order, the hash chains, mappings and their counts
 *
 * For tests and fuzzers, never the packet path: it reads the whole table.
 *
 * Return: NULL if all hold, else a sentence naming the first that fails
 */
const char *session_table_check(const struct session_table *t);

/* session_oldest() - head of @klass's expiry list, or 0 */
static inline uint32_t session_oldest(const struct session_table *t,
				      enum nat_class klass)
{
	return t->lists[klass].head;
}

#endif /* TN_SESSION_H */
