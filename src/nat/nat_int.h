/* SPDX-License-Identifier: MIT */
/* nat_int.h - engine internals shared by the files of src/nat/
 *
 * The engine reads top-down, each layer calling only the ones below it:
 *
 *   nat.c          nat_translate(): where a packet goes, in what order
 *   proto_*.c      one transport each: its keys, its state, its errors
 *   alg.c          the ALG contract; alg_pptp.c behind it
 *   filter.c       which inbound packets a mapping lets in; held SYNs
 *   frag.c         fragments, the MTU, and the queue of extra packets
 *   table.c        sessions with their mappings, ports, limits, counters
 *   rewrite.c      addresses, ports and checksums rewritten in place
 *   session.c, portpool.c, counts.c: the data structures
 *
 * The one call upward is table.c telling an ALG, through its hooks, that a
 * control connection or a call has ended.  Nothing outside src/nat/
 * includes this header.
 */
#ifndef TN_NAT_INT_H
#define TN_NAT_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "../net/ipv4.h"
#include "alg.h"
#include "nat.h"
#include "portpool.h"
#include "session.h"

/* Port spaces: each public address has one port pool per space. */
enum port_space {
	PSPACE_TCP = 0,
	PSPACE_UDP,
	PSPACE_ICMP,		/* ICMP query identifiers */
	PSPACE_N
};

#define GRE_PENDING_MS		60000	/* RFC 2637 3.0: replies within 60 s */
#define GRE_CLOSING_MS		10000	/* grace after Call-Clear-Request */
#define GRE_QUARANTINE_MS	120000	/* a Call ID rests before reuse */

/* ---- counts.c: a count per IPv4 address ------------------------------- */

struct addr_count {
	uint32_t addr;
	uint32_t n;		/* 0: empty */
};

/* Open addressing, linear probing, deletion by backward shift. */
struct addr_counts {
	struct addr_count *e;
	uint32_t mask;
};

/* addr_counts_init() - room for @want addresses at load <= 1/2; -ENOMEM */
int addr_counts_init(struct addr_counts *ac, uint64_t want);

/* addr_counts_fini() - free what addr_counts_init() took */
void addr_counts_fini(struct addr_counts *ac);

/* addr_count() - the count of @addr, 0 if none */
uint32_t addr_count(const struct addr_counts *ac, const uint64_t hkey[2],
		    uint32_t addr);

/* addr_count_add() - @delta more for @addr (the table never fills: it
 * has room for more addresses than can be counted at once) */
void addr_count_add(struct addr_counts *ac, const uint64_t hkey[2],
		    uint32_t addr, uint32_t delta);

/* addr_count_sub() - @delta less for @addr, whose count is >= @delta */
void addr_count_sub(struct addr_counts *ac, const uint64_t hkey[2],
		    uint32_t addr, uint32_t delta);

/* ---- the engine --------------------------------------------------------- */

/* One ALG's control connection state slots, its connections per client
 * host and its calls per address, for the limits. */
struct alg_state {
	size_t size;		/* bytes per slot */
	uint8_t *slots;		/* slot 0 unused; NULL: the ALG is off */
	struct rec_pool pool;
	struct addr_counts conns_host;
	struct addr_counts calls_host, calls_server;
};

/* Ports released and resting before reuse (RFC 6888 REQ-8), oldest
 * first: a ring of (release time, space, pool index, port). */
struct holddown {
	uint64_t *e;
	uint32_t cap, head, n;
};

/**
 * struct perm - remote address a dynamic mapping has sessions with
 * @hnext:	hash chain
 * @mapping:	the mapping, by mapping_pubkey(): a hosted mapping keeps its
 *		name when it moves to a record
 * @rem_addr:	the remote address, network order
 * @n:		sessions of @mapping with @rem_addr
 *
 * Address-dependent filtering asks whether a mapping has ever sent to an
 * address; sessions of one mapping to one address share one record.
 */
struct perm {
	uint32_t hnext;
	uint32_t mapping;
	uint32_t rem_addr;
	uint32_t n;
};

struct perm_table {
	struct perm *e;
	uint32_t *bucket;
	uint32_t mask;
	struct rec_pool pool;
};

#define SYN_HOLD_SLOTS	1024
#define SYN_HOLD_MS	6000	/* RFC 5382 REQ-4, RFC 6146 TCP_INCOMING_SYN */
#define SYN_QUOTE_MAX	128	/* bytes of a held SYN kept for the error */

/* An unsolicited inbound SYN, held in case the inside host opens the same
 * connection (simultaneous open) within SYN_HOLD_MS. */
struct held_syn {
	uint32_t pub_addr, rem_addr;
	uint16_t pub_port, rem_port;
	uint32_t seen_ms;
	uint16_t len;		/* bytes of @quote; 0: the slot is free */
	uint8_t quote[SYN_QUOTE_MAX];
};

struct syn_hold {
	struct held_syn *slot;	/* SYN_HOLD_SLOTS of them */
	unsigned used;
};

#define PENDING_MAX		128	/* extra packets after one call */

/* Packets the engine sends besides the verdict of the packet it was given
 * (frag.c): each in @arena, with headroom for an offload header. */
struct pending {
	uint8_t *arena;
	uint8_t *scratch;	/* one packet being cut */
	uint32_t size, used;
	unsigned head, n;
	struct pkt q[PENDING_MAX];
	enum verdict v[PENDING_MAX];	/* VERDICT_DROP: taken back */
};

struct frag_table;

/* A public address, for lookups by value: its slot (pub_idx). */
struct pool_ix {
	uint32_t addr_h;		/* host order, the sort key */
	uint16_t slot;
};

/*
 * The public pool, which the engines of all workers share (struct
 * nat_shared).  Each address has a slot, its index in @addrs, which
 * mappings and sessions keep as pub_idx; a slot never changes address, so
 * a reload that removes an address only takes its slot off @active (no
 * new mapping goes there; what is there lives out its time), and one that
 * adds an address gives it a new slot, or its old one back.
 *
 * With more than one worker, each slot also has an owner array per port
 * space, and one for PPTP Call IDs: a byte per port, the worker that holds
 * it plus one (0: free).  The worker that claims a port in the pool
 * (portpool.c) writes it after the claim and clears it before the release,
 * so every port has at most one owner at any time; nat_steer() reads it to
 * send a packet from outside to the worker whose sessions it belongs to.
 * The pool changes (a reload) only while every worker is stopped.
 */
#define OWN_CALL	PSPACE_N	/* owner array of the PPTP Call IDs */
#define OWN_N		(PSPACE_N + 1)
#define OWN_BYTES	((size_t)OWN_N * 65536)

struct nat_shared {
	uint32_t *addrs;		/* by slot, NAT_POOL_MAX of them */
	unsigned nslots;		/* slots ever used */
	unsigned slots_cap;		/* slots @sorted and @pools hold */
	struct pool_ix *sorted;		/* every slot's address, sorted */
	uint64_t seen[8];		/* a bit per hash of each slot's
					 * address: most addresses not ours
					 * are told apart by one line */
	uint16_t *active;		/* slots of the configured pool, by
					 * address; pairing picks among them */
	unsigned nactive;
	struct portpool *pools;		/* [pub_idx * PSPACE_N + space] */
	struct portpool_range ranges[PSPACE_N];
	uint8_t **owner;		/* by slot, OWN_BYTES each; NULL with
					 * one worker */
	unsigned owner_ext;		/* slots below: in memory not ours
					 * (nat_shared_owner_mem()) */
	unsigned nworkers;
	uint64_t skey[2];		/* steering hash secret */
	bool pptp;			/* GRE version 1 has Call IDs */
};

/* owner_of() - the worker + 1 that holds @port of @space on @slot (0:
 * none); only with several workers */
static inline unsigned owner_of(const struct nat_shared *sh, unsigned slot,
				unsigned space, uint16_t port)
{
	return __atomic_load_n(&sh->owner[slot][(size_t)space * 65536 + port],
			       __ATOMIC_RELAXED);
}

/* owner_set() - note that worker @w + 1 (0: none) holds @port */
static inline void owner_set(struct nat_shared *sh, unsigned slot,
			     unsigned space, uint16_t port, unsigned w1)
{
	if (sh->owner)
		__atomic_store_n(&sh->owner[slot][(size_t)space * 65536 + port],
				 (uint8_t)w1, __ATOMIC_RELAXED);
}

struct nat {
	struct session_table t;
	struct nat_shared *sh;		/* the pool, maybe shared */
	bool sh_own;			/* made by nat_new(): freed with it */
	unsigned worker;		/* index of this engine's worker */
	uint64_t hkey[2];		/* secret for hashes */
	uint64_t rng[2];		/* xoroshiro128+ state */
	uint64_t icmp_credit;		/* in 1/1000 errors */
	uint64_t icmp_last_ms;
	struct nat_stats st;
	struct nat_config cfg;		/* arrays point to the copies below */
	struct nat_prefix *exempt, *inside_prefixes;
	struct nat_forward *fwd;	/* sorted by (proto, pub_addr, pub_lo) */
	struct nat_prefix *fwd_from;	/* all forwards' from lists */
	struct alg_state alg[NAT_ALG_N];
	struct addr_counts hosts;	/* sessions per inside address */
	struct holddown hold;
	struct perm_table perms;
	struct syn_hold syns;
	struct frag_table *frags;
	struct pending out;
};

/* ---- rewrite.c: fields rewritten in place, checksums kept right ------- */

/**
 * struct l4_view - the transport fields one translation rewrites
 * @port:	the port or ICMP identifier of the inside/public endpoint;
 *		NULL in a later fragment
 * @csum:	the transport checksum, or NULL if not in this packet
 * @pseudo:	the checksum covers the IPv4 pseudo-header
 * @udp:	UDP rules: 0 means "no checksum", a computed 0 is sent as 0xffff
 * @partial:	the field holds the uncomplemented pseudo-header sum of an
 *		offloaded packet (virtio NEEDS_CSUM): only address changes
 *		go into it, without the complement, and the UDP rules do not
 *		apply (performance.md 1.4, as Linux inet_proto_csum_replace4)
 */
struct l4_view {
	uint8_t *port;
	uint8_t *csum;
	bool pseudo;
	bool udp;
	bool partial;
};

/**
 * struct pkt_flow - what a protocol handler tells the core about a packet
 * @key:	session lookup key (side SIDE_IN for outbound packets)
 * @v:		fields to rewrite
 * @klass:	class of a session this packet would create
 * @space:	the port space of its mapping
 * @tcp_flags:	TCP flags, 0 for other protocols
 * @may_create:	an outbound packet that may open a new session
 */
struct pkt_flow {
	struct flow_key key;
	struct l4_view v;
	enum nat_class klass;
	enum port_space space;
	uint8_t tcp_flags;
	bool may_create;
};

/* nat_set_addr() - rewrite the address @field of header @ip, fix checksums */
void nat_set_addr(struct ipv4_hdr *ip, const struct l4_view *v, uint32_t *field,
		  uint32_t addr);

/* nat_set_port() - rewrite the port @v->port and fix the checksum */
void nat_set_port(const struct l4_view *v, uint16_t port);

/* nat_set_ip16() - rewrite a 16-bit word of header @ip, fix its checksum */
void nat_set_ip16(struct ipv4_hdr *ip, uint16_t *field, uint16_t val);

/**
 * nat_flow_ports() - key and fields of a packet whose transport header
 * starts with source and destination ports (TCP, UDP)
 * @csum_off:	offset of the transport checksum in that header
 *
 * Sets @f->key, @f->v.port, @f->v.csum and @f->v.pseudo; the caller sets
 * the rest.
 */
void nat_flow_ports(struct pkt *p, struct pkt_flow *f, unsigned csum_off);

/* nat_ttl_decrement() - one hop less, header checksum kept right */
void nat_ttl_decrement(struct ipv4_hdr *ip);

/**
 * nat_mss_clamp() - lower the MSS option of TCP SYN @p to @mss
 *
 * Return: true if the option was lowered
 */
bool nat_mss_clamp(struct pkt *p, uint16_t mss);

/* flow_key_set() - fill @k; addresses and ports in network order */
static inline void flow_key_set(struct flow_key *k, enum key_side side,
				uint8_t proto, uint32_t addr, uint16_t port,
				uint32_t rem_addr, uint16_t rem_port)
{
	*k = (struct flow_key){
		.addr = addr, .rem_addr = rem_addr, .port = port,
		.rem_port = rem_port, .proto = proto, .side = side,
	};
}

/* ---- table.c: sessions, mappings, ports, limits ----------------------- */

/* nat_drop() - count @r against @p and return VERDICT_DROP */
enum verdict nat_drop(struct nat *n, struct pkt *p, enum drop_reason r);

/* rng_next() - 32 random bits for port and Call ID choice */
uint32_t rng_next(struct nat *n);

/* nat_pool_index() - the slot of public address @addr (in the pool now,
 * or one removed whose sessions may live on), or -1 */
int nat_pool_index(const struct nat *n, uint32_t addr);

/* nat_pair_index() - the slot of the public address paired with inside
 * host @in_addr (RFC 4787 REQ-2), among the configured ones */
unsigned nat_pair_index(const struct nat *n, uint32_t in_addr);

/* prefix_match() - true if @addr lies in one of @cnt prefixes */
bool prefix_match(const struct nat_prefix *pfx, unsigned cnt, uint32_t addr);

/* space_of() - the port space of IP protocol @proto (TCP, UDP, ICMP) */
enum port_space space_of(uint8_t proto);

/* nat_session_live() - session under @k unless expired (then freed), or 0 */
uint32_t nat_session_live(struct nat *n, const struct flow_key *k,
			  uint64_t now);

/**
 * table_session_add() - create session @tmpl on mapping @mref (0: none;
 * MREF_NEW: a new dynamic mapping of @tmpl's endpoints, which it hosts)
 * @why:	on failure, why: DROP_TABLE_FULL, DROP_HOST_LIMIT
 *
 * Checks the table and the inside host's limit, then counts the session
 * against its host and, on a dynamic mapping, in the address-dependent
 * filter's records.
 *
 * Return: the session, or 0
 */
uint32_t table_session_add(struct nat *n, uint32_t mref,
			   const struct nat_session *tmpl, uint64_t now,
			   enum drop_reason *why);

/**
 * table_open_outbound() - session (and if needed mapping) for a new
 * outbound flow @f
 * @why:	on failure: DROP_TABLE_FULL, DROP_HOST_LIMIT, DROP_NO_PORT,
 *		DROP_MAPPING_FULL, DROP_ALG_NO_STATE
 *
 * Return: the session, or 0
 */
uint32_t table_open_outbound(struct nat *n, const struct pkt_flow *f,
			     uint64_t now, enum drop_reason *why);

/**
 * table_open_inbound() - a session opened from the public side of
 * mapping @mref by flow @f (a forward, a hairpin, or a filter that lets a
 * new remote in)
 * @flags:	SESS_HAIRPIN or SESS_INBOUND
 *
 * Return: the session, or 0 with @why set
 */
uint32_t table_open_inbound(struct nat *n, uint32_t mref,
			    const struct pkt_flow *f, uint8_t flags,
			    uint64_t now, enum drop_reason *why);

/* table_session_free() - free session @si, with its mapping if it was the
 * last; the port rests (holddown) from @now before it is free again */
void table_session_free(struct nat *n, uint32_t si, uint64_t now);

/* table_expire_sessions() - end up to @budget sessions whose time ran out
 * (a GRE call moves to its next stage); return how many */
unsigned table_expire_sessions(struct nat *n, uint64_t now, unsigned budget);

/* table_forward_of() - the forward whose public side is @proto @addr
 * @port (host order; 0 for protocol forwards), or NULL */
const struct nat_forward *table_forward_of(const struct nat *n, uint8_t proto,
					   uint32_t addr, uint16_t port);

/* table_forward_from_inside() - the protocol forward whose inside host is
 * @in_addr, for protocol @proto, or NULL */
const struct nat_forward *table_forward_from_inside(const struct nat *n,
						    uint8_t proto,
						    uint32_t in_addr);

/* table_expire_holddown() - free the ports whose rest is over */
void table_expire_holddown(struct nat *n, uint64_t now);

/**
 * nat_icmp_error() - turn @p into ICMP error @type/@code from @src, back to
 * its sender, if the rules (RFC 1812 4.3.2.7) and the rate limit allow
 * @info:	the word after the checksum (network order): next-hop MTU
 *
 * Return: VERDICT_BACK, or VERDICT_DROP counted as @fallback
 */
enum verdict nat_icmp_error(struct nat *n, struct pkt *p, uint8_t type,
			    uint8_t code, uint32_t src, uint32_t info,
			    enum drop_reason fallback, uint64_t now);

/**
 * table_refuse() - no session could be made for @p, for reason @why:
 * count it, and with nat.icmp-on-failure answer a lack of room (table,
 * host share, ports) with ICMP destination unreachable, code 13 (RFC 5508
 * REQ-8), rate-limited
 *
 * Return: VERDICT_BACK with the answer in @p, or VERDICT_DROP
 */
enum verdict table_refuse(struct nat *n, struct pkt *p, enum drop_reason why,
			  uint64_t now);

/* table_session_kill() - end session @si now, as if its time ran out */
void table_session_kill(struct nat *n, uint32_t si, uint64_t now);

/* table_forwards_copy() - the forwards of @cfg, sorted by public side,
 * with their from lists, in new arrays; 0 or -ENOMEM */
int table_forwards_copy(const struct nat_config *cfg, struct nat_forward **fwd,
			struct nat_prefix **from);

/* table_forwards_apply() - make the static mappings of forwards @fwd
 * (@cnt, sorted) what they are at @now; nothing changes on failure (@err
 * says why).  Return: 0, -EINVAL, -EADDRINUSE, -ENOSPC */
int table_forwards_apply(struct nat *n, const struct nat_forward *fwd,
			 unsigned cnt, uint64_t now, char *err, size_t errlen);

/* table_init() / table_fini() - the parts of struct nat table.c owns */
int table_init(struct nat *n, const struct nat_config *cfg);
void table_fini(struct nat *n);

/* ---- filter.c: inbound packets on mappings, held SYNs ------------------ */

/**
 * filter_allows() - may remote @rem_addr reach dynamic mapping @m, under
 * the filtering of its protocol, without a session of its own?
 */
bool filter_allows(const struct nat *n, const struct nat_mapping *m,
		   uint32_t rem_addr);

/* perm_add() / perm_del() - a session of dynamic mapping @m with
 * @rem_addr begins / ends; perm_add() returns the record (0 if the table is
 * full), perm_del() finds it by that key: it must be there */
uint32_t perm_add(struct nat *n, const struct nat_mapping *m,
		  uint32_t rem_addr);
void perm_del(struct nat *n, const struct nat_mapping *m, uint32_t rem_addr);

/* filter_wants_record() - does a session of mapping @m (NULL: none) need a
 * filter record: is @m dynamic, with address-dependent filtering? */
bool filter_wants_record(const struct nat *n, const struct nat_mapping *m);

/* filter_records_fill() - after a reload from @old, give a filter record
 * to every session that n->cfg now wants one for and has none */
void filter_records_fill(struct nat *n, const struct nat_config *old);

/**
 * syn_hold() - keep unsolicited inbound SYN @p (RFC 5382 REQ-4)
 *
 * Return: VERDICT_DROP, counted as DROP_SYN_UNSOLICITED
 */
enum verdict syn_hold(struct nat *n, struct pkt *p, uint64_t now);

/* syn_hold_cancel() - an outbound SYN from @pub_addr:@pub_port to
 * @rem_addr:@rem_port was translated: its held twin is dropped silently */
void syn_hold_cancel(struct nat *n, uint32_t pub_addr, uint16_t pub_port,
		     uint32_t rem_addr, uint16_t rem_port);

/* syn_hold_expire() - SYNs held their time: dropped, or rejected with ICMP
 * port unreachable (queued with pending_add()) */
void syn_hold_expire(struct nat *n, uint64_t now);

/* perm_init(), syn_hold_init() and their _fini() */
int filter_init(struct nat *n, const struct nat_config *cfg);
void filter_fini(struct nat *n);

/* ---- frag.c: fragments, MTU, extra packets ----------------------------- */

/**
 * pending_add() - queue a copy of the @len bytes at @data (an IPv4 packet
 * read from side @dir, or built for it) to be sent with verdict @v
 *
 * Return: the copy in the queue, its header fields filled in from its
 * bytes (trusted: they were parsed before), or NULL when the queue is full
 * (counted by the caller)
 */
struct pkt *pending_add(struct nat *n, const uint8_t *data, uint32_t len,
			enum pkt_dir dir, enum verdict v);

/* pending_drop_item() - take queued packet @q back: it is not sent */
void pending_drop_item(struct nat *n, const struct pkt *q);

/* pending_reset() - forget what the caller did not take */
void pending_reset(struct nat *n);

/**
 * frag_later() - a later fragment (offset > 0) read from side @p->dir
 *
 * Return: how the fragment goes, as for the datagram's first fragment, or
 * VERDICT_DROP if it is held until that one comes (counted as held, not
 * dropped) or cannot be
 */
enum verdict frag_later(struct nat *n, struct pkt *p, uint64_t now);

/**
 * frag_first_done() - the first fragment @p (MF set) went as @v, its
 * header as it was read in @orig: later fragments follow it, and those
 * held for it are queued
 * @orig_src, @orig_dst, @orig_id: its header before translation
 */
void frag_first_done(struct nat *n, struct pkt *p, enum verdict v,
		     enum pkt_dir dir, uint32_t orig_src, uint32_t orig_dst,
		     uint16_t orig_id, uint64_t now);

/**
 * frag_id_for() - the IP ID a fragmented datagram from @src (translated
 * to @pub) to @dst leaves with: its own if no other datagram from @pub to
 * @dst uses it now, else a free one (RFC 7857 10, RFC 6864)
 *
 * Return: the ID (network order), or -1 if no record can be kept
 */
int32_t frag_id_for(struct nat *n, uint32_t src, uint32_t pub, uint32_t dst,
		    uint8_t proto, uint16_t id, uint64_t now);

/**
 * frag_fit() - make translated packet @p (verdict @v) fit the MTU of the
 * device it goes to: cut into fragments if DF is clear (the first stays in
 * @p, the rest are queued), or shrink a TCP superpacket's segments
 * @orig_src:	@p's source as read, which with its ID names the datagram
 *
 * Return: @v, or VERDICT_DROP (counted) if it cannot be made to fit
 */
enum verdict frag_fit(struct nat *n, struct pkt *p, enum verdict v,
		      uint32_t orig_src, uint64_t now);

/**
 * frag_too_big() - would @p, untranslated as it is, exceed the MTU of the
 * device it goes to (the inside one if @to_inside), with DF set?  Then it
 * is answered with ICMP fragmentation needed from @src (RFC 1191, RFC 5508
 * 7.1.1).
 *
 * Return: true if @p was turned into that answer or dropped; its verdict
 * is then in *@v
 */
bool frag_too_big(struct nat *n, struct pkt *p, bool to_inside, uint32_t src,
		  uint64_t now, enum verdict *v);

/* frag_expire() - held fragments and records past their time */
void frag_expire(struct nat *n, uint64_t now);

/* frag_init() / frag_fini() - the fragment table and the pending queue */
int frag_init(struct nat *n, const struct nat_config *cfg);
void frag_fini(struct nat *n);

/* ---- alg.c: Call IDs across workers ----------------------------------- */

/* call_id_claim() - take translated Call ID @id of public slot @slot for
 * this worker (always true with one worker); false if another has it */
bool call_id_claim(struct nat *n, unsigned slot, uint16_t id);

/* call_id_release() - give back what call_id_claim() took */
void call_id_release(struct nat *n, unsigned slot, uint16_t id);

/* ---- nat.c: the engine as a whole ---------------------------------------- */

/* nat_config_valid() - @cfg is one nat_new() accepts */
bool nat_config_valid(const struct nat_config *cfg);

/* space_of() is in table.c; the pool's functions are nat_shared_*()
 * (shared.c, declared in nat.h). */

/* ---- proto_*.c ---------------------------------------------------------- */

/* proto_tcp.c */
enum drop_reason proto_tcp_flow(struct pkt *p, struct pkt_flow *f);
enum nat_class proto_tcp_track(struct nat_session *s, uint8_t flags,
			       enum pkt_dir dir);
const char *proto_tcp_state(uint8_t st);

/* What the sequence check says of an inbound RST or FIN. */
enum tcp_seq_verdict {
	TCP_SEQ_BAD = 0,	/* outside the window: drop it */
	TCP_SEQ_IN_WINDOW,	/* a RST in the window, not where the remote
				 * stands: pass it to the inside host (which
				 * answers with a challenge ACK) but let it
				 * change nothing here */
	TCP_SEQ_OK,		/* acts as usual */
};

/* proto_tcp_seq_check() - may inbound segment @p (TCP, first fragment or
 * whole) act on session @s?  Only RST and FIN are checked (RFC 5961). */
enum tcp_seq_verdict proto_tcp_seq_check(const struct nat_session *s,
					 const struct pkt *p);

/* proto_tcp_quote_ok() - may an ICMP error from outside quote a segment
 * of session @s with sequence number @seq (RFC 5927)? */
bool proto_tcp_quote_ok(const struct nat_session *s, uint32_t seq);

/* proto_tcp_seq_note() - follow the sequence numbers of segment @p of
 * session @s, sent in direction @dir; call it after proto_tcp_track() */
void proto_tcp_seq_note(struct nat_session *s, const struct pkt *p,
			enum pkt_dir dir);

/* proto_udp.c */
enum drop_reason proto_udp_flow(struct pkt *p, struct pkt_flow *f);

/* proto_gre.c */
enum verdict proto_gre(struct nat *n, struct pkt *p, uint64_t now,
		       bool hairpin);

/* proto_other.c: protocols translated by address only (GRE version 0,
 * and any protocol without a handler of its own) */
enum verdict proto_other(struct nat *n, struct pkt *p, uint64_t now,
			 bool hairpin, enum nat_class klass);

/* proto_icmp.c */
enum drop_reason proto_icmp_flow(struct pkt *p, struct pkt_flow *f);
enum verdict proto_icmp_error(struct nat *n, struct pkt *p, uint64_t now);

#endif /* TN_NAT_INT_H */
