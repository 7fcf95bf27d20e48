/* SPDX-License-Identifier: MIT */
/* frag.c - fragments, the next hop's MTU, and the queue of extra packets
 *
 * Theory of operation.
 *
 * Only a datagram's first fragment has a transport header, so only it can
 * be looked up in the session table.  Every fragmented datagram therefore
 * gets a record here, keyed by the header fields that tie its fragments
 * together as read (direction, source, destination, protocol, IP ID), that
 * says how its first fragment went: the new source, destination and ID,
 * and to which device.  Later fragments follow the record (RFC 4787
 * REQ-14).  A later fragment that comes before its first is copied into a
 * bounded store and held until the first comes, then sent right behind it
 * (REQ-14a: a flood of them cannot hurt other traffic, since the store is
 * bounded per sending host and in all, and held fragments expire after
 * FRAG_TIMEOUT_MS).  Records expire as well, and when the table is full
 * the oldest record that holds nothing gives way.
 *
 * Hostile fragments.  A fragment that would end past 65535 bytes of
 * datagram is dropped by ipv4_parse().  A later fragment that overlaps the
 * data of its first fragment (RFC 1858, RFC 3128: it could rewrite the
 * transport header the session was chosen by, once the receiver puts the
 * datagram back together) is dropped, whether it comes after the first or
 * was held for it (DROP_FRAG_OVERLAP).  Overlaps between later fragments
 * are the receiver's to refuse: they cannot touch the ports.  A datagram
 * whose fragments never end runs out of offsets at 64 KiB and of time
 * after FRAG_TIMEOUT_MS, and its held fragments count against its sender.
 *
 * IP IDs (RFC 7857 section 10, RFC 6864).  Inside hosts pick IDs on their
 * own, so two of them can fragment datagrams to one server with one ID;
 * after translation both would come from the same public address, and the
 * server would mix their fragments.  So a fragmented datagram leaving for
 * the outside keeps its ID only if no other datagram from that public
 * address to that destination uses it now; otherwise it gets a free one,
 * and its later fragments follow.  Records are indexed by that outgoing ID
 * too, which is what "uses it now" means.
 *
 * MTU.  A packet larger than the MTU of the device it goes to is answered,
 * when DF is set, with ICMP fragmentation needed carrying that MTU (RFC
 * 1191, RFC 5508 7.1.1), before it is translated; without DF it is cut
 * into fragments after translation, the first in the packet's own buffer
 * and the rest copied to the queue (RFC 791: each fragment's data a
 * multiple of 8 bytes, options without the copy flag only in the first).
 * A TCP superpacket without DF whose segments are too big gets smaller
 * segments; a UDP one is cut into its datagrams, then each into fragments.
 *
 * The queue.  Packets the engine sends besides a verdict (released and cut
 * fragments, an ICMP error for a held SYN) are copied into an arena and
 * taken by the caller with nat_pending() before its next call.
 */

#include <arpa/inet.h>

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../net/csum.h"
#include "../net/gso.h"
#include "../net/icmp.h"
#include "nat_int.h"
#include "siphash.h"

/* A build may set smaller tables: the fuzzers do, to reach their limits
 * (and to make an engine quickly for each input). */
#ifndef FRAG_FLOWS
#define FRAG_FLOWS		16384	/* records of fragmented datagrams */
#endif
#define FRAG_TIMEOUT_MS		5000	/* >= RFC 6146 FRAGMENT_MIN, 2 s */
#define FRAG_CHUNK		2048
#ifndef FRAG_CHUNKS
#define FRAG_CHUNKS		512	/* 1 MiB of held fragments */
#endif
#define FRAG_HOLD_PER_HOST	(96 * 1024)	/* bytes held per sender */
#define FRAG_FLOWS_PER_HOST	256	/* records waiting for a first */
#define PENDING_ARENA		(512 * 1024)
#define PENDING_ALIGN		64
/* one packet being cut; aligned_alloc() sizes are multiples of the
 * alignment (C11 7.22.3.1) */
#define PENDING_SCRATCH		((PKT_BUF_SIZE + PENDING_ALIGN - 1) & \
				 ~(PENDING_ALIGN - 1))
static_assert(PENDING_ARENA % PENDING_ALIGN == 0,
	      "the arena is whole aligned blocks");

enum frag_state {
	FS_WAITING = 0,		/* the first fragment has not come yet */
	FS_KNOWN,		/* later fragments follow the first */
	FS_DROPPED,		/* the first was dropped: so are the others */
};

/* A piece of a held fragment: the first piece has the fragment's length. */
struct frag_chunk {
	uint32_t next;		/* next piece of this fragment */
	uint32_t next_frag;	/* first piece of the next held fragment */
	uint16_t len;		/* bytes in this piece */
	uint16_t total;		/* bytes of the whole fragment */
	uint8_t data[FRAG_CHUNK - 12];
};

/**
 * struct frag_flow - one fragmented datagram
 * @hnext, @rnext:	chains of the read-key and outgoing-ID hashes
 * @lprev, @lnext:	the list of records, oldest first
 * @src, @dst, @id, @proto, @dir: the read key
 * @new_src, @new_dst, @new_id: its header once translated
 * @v:			VERDICT_FORWARD or VERDICT_BACK, once known
 * @held:		first piece of the first held fragment, 0: none
 * @held_bytes:		bytes held for it
 * @first_end:		bytes of data its first fragment carried (once
 *			known): a later fragment must start at or after it
 */
struct frag_flow {
	uint32_t hnext, rnext;
	uint32_t lprev, lnext;
	uint32_t src, dst, new_src, new_dst;
	uint32_t created_ms;
	uint32_t held, held_last;
	uint32_t held_bytes;
	uint16_t id, new_id;
	uint16_t first_end;
	uint8_t proto, dir, state, v;
	bool has_rev, waiting_counted;
};

struct frag_table {
	struct frag_flow *f;		/* FRAG_FLOWS + 1, [0] unused */
	uint32_t *bucket, *rbucket;	/* FRAG_FLOWS each */
	struct rec_pool pool;
	uint32_t head, tail;		/* oldest, newest */
	struct frag_chunk *chunk;	/* FRAG_CHUNKS + 1, [0] unused */
	uint32_t chunk_free, chunks_used;
	struct addr_counts held_bytes, waiting;	/* per sending host */
};

/* ---- the queue of extra packets ------------------------------------------ */

void pending_reset(struct nat *n)
{
	n->out.used = 0;
	n->out.head = 0;
	n->out.n = 0;
}

/* Fill in @q's header fields from its bytes, parsed once already. */
static void pending_parse(struct pkt *q)
{
	const struct ipv4_hdr *ip = ipv4_hdr(q);
	uint16_t fo = ntohs(ip->frag_off);

	q->l3_len = (uint16_t)ipv4_ihl_len(ip);
	q->l4_len = (uint16_t)(q->len > q->l3_len ? q->len - q->l3_len : 0);
	q->proto = ip->proto;
	q->frag = (fo & IPV4_MF ? PKT_FRAG_MORE : 0) |
		  (fo & IPV4_OFFMASK ? PKT_FRAG_LATER : 0);
}

/* Room for a packet of @len bytes in the queue; its bytes are the
 * caller's to write.  NULL when the queue is full. */
static struct pkt *pending_alloc(struct nat *n, uint32_t len,
				 enum pkt_dir dir, enum verdict v)
{
	struct pending *o = &n->out;
	uint32_t cap = len > ICMP_ERR_MAX_LEN ? len : ICMP_ERR_MAX_LEN;
	uint32_t room = (PKT_HEADROOM + cap + PENDING_ALIGN - 1) &
			~(uint32_t)(PENDING_ALIGN - 1);
	struct pkt *q;

	if (o->n == PENDING_MAX || o->used + room > o->size)
		return NULL;
	q = &o->q[o->n];
	o->v[o->n++] = v;
	pkt_init(q, o->arena + o->used + PKT_HEADROOM, len, cap, dir);
	o->used += room;
	return q;
}

struct pkt *pending_add(struct nat *n, const uint8_t *data, uint32_t len,
			enum pkt_dir dir, enum verdict v)
{
	struct pkt *q = pending_alloc(n, len, dir, v);

	if (q) {
		memcpy(q->data, data, len);
		pending_parse(q);
	}
	return q;
}

void pending_drop_item(struct nat *n, const struct pkt *q)
{
	n->out.v[q - n->out.q] = VERDICT_DROP;
}

enum verdict nat_pending(struct nat *n, struct pkt *p)
{
	struct pending *o = &n->out;

	while (o->head < o->n) {
		unsigned i = o->head++;

		if (o->v[i] != VERDICT_DROP) {
			*p = o->q[i];
			return o->v[i];
		}
	}
	pending_reset(n);
	return VERDICT_DROP;
}

/* ---- records -------------------------------------------------------------- */

static uint32_t key_hash(const struct nat *n, uint32_t a, uint32_t b,
			 uint8_t proto, uint16_t id, uint8_t kind)
{
	return (uint32_t)siphash13_2w(n->hkey, (uint64_t)a << 32 | b,
				      (uint64_t)id << 16 | proto << 8 | kind) %
	       FRAG_FLOWS;
}

static void flow_free(struct nat *n, uint32_t i, enum drop_reason r);

/* The record of a datagram, unless there is none or its time is over (it
 * is then freed: a record is exact to the millisecond, like a session). */
static uint32_t flow_find(struct nat *n, uint8_t dir, uint32_t src,
			  uint32_t dst, uint8_t proto, uint16_t id,
			  uint64_t now)
{
	const struct frag_table *ft = n->frags;
	uint32_t i = ft->bucket[key_hash(n, src, dst, proto, id, dir)];

	while (i) {
		const struct frag_flow *f = &ft->f[i];

		if (f->src == src && f->dst == dst && f->id == id &&
		    f->proto == proto && f->dir == dir) {
			if ((uint32_t)((uint32_t)now - f->created_ms) <
			    FRAG_TIMEOUT_MS)
				return i;
			flow_free(n, i, DROP_FRAG_TIMEOUT);
			return 0;
		}
		i = f->hnext;
	}
	return 0;
}

/* Is outgoing ID @id from @src to @dst in use by a record? */
static bool id_taken(const struct nat *n, uint32_t src, uint32_t dst,
		     uint8_t proto, uint16_t id)
{
	const struct frag_table *ft = n->frags;
	uint32_t i = ft->rbucket[key_hash(n, src, dst, proto, id, 0xee)];

	while (i) {
		const struct frag_flow *f = &ft->f[i];

		if (f->new_src == src && f->new_dst == dst &&
		    f->new_id == id && f->proto == proto)
			return true;
		i = f->rnext;
	}
	return false;
}

static void chain_remove(struct frag_table *ft, uint32_t *head, uint32_t i,
			 bool rev)
{
	while (*head != i)
		head = rev ? &ft->f[*head].rnext : &ft->f[*head].hnext;
	*head = rev ? ft->f[i].rnext : ft->f[i].hnext;
}

/* Free the held fragments of record @i, counting each as @r if not 0. */
static void held_free(struct nat *n, uint32_t i, enum drop_reason r)
{
	struct frag_table *ft = n->frags;
	struct frag_flow *f = &ft->f[i];
	uint32_t frag = f->held;

	while (frag) {
		uint32_t c = frag;

		frag = ft->chunk[c].next_frag;
		if (r)
			n->st.drops[r]++;
		while (c) {
			uint32_t next = ft->chunk[c].next;

			ft->chunk[c].next = ft->chunk_free;
			ft->chunk_free = c;
			ft->chunks_used--;
			c = next;
		}
	}
	addr_count_sub(&ft->held_bytes, n->hkey, f->src, f->held_bytes);
	f->held = f->held_last = 0;
	f->held_bytes = 0;
}

static void flow_free(struct nat *n, uint32_t i, enum drop_reason r)
{
	struct frag_table *ft = n->frags;
	struct frag_flow *f = &ft->f[i];

	held_free(n, i, r);
	if (f->waiting_counted)
		addr_count_sub(&ft->waiting, n->hkey, f->src, 1);
	chain_remove(ft, &ft->bucket[key_hash(n, f->src, f->dst, f->proto,
					      f->id, f->dir)], i, false);
	if (f->has_rev)
		chain_remove(ft, &ft->rbucket[key_hash(n, f->new_src,
					f->new_dst, f->proto, f->new_id,
					0xee)], i, true);
	if (f->lprev)
		ft->f[f->lprev].lnext = f->lnext;
	else
		ft->head = f->lnext;
	if (f->lnext)
		ft->f[f->lnext].lprev = f->lprev;
	else
		ft->tail = f->lprev;
	f->hnext = ft->pool.free;
	ft->pool.free = i;
	ft->pool.used--;
}

static uint32_t flow_new(struct nat *n, uint8_t dir, uint32_t src,
			 uint32_t dst, uint8_t proto, uint16_t id, uint64_t now)
{
	struct frag_table *ft = n->frags;
	struct frag_flow *f;
	uint32_t i, *head;

	if (!ft->pool.free && ft->pool.unused > ft->pool.max) {
		/* full: the oldest record gives way if it holds nothing */
		i = ft->head;
		if (!i || ft->f[i].held)
			return 0;
		flow_free(n, i, DROP_NONE);
	}
	if (ft->pool.free) {
		i = ft->pool.free;
		ft->pool.free = ft->f[i].hnext;
	} else {
		i = ft->pool.unused++;
	}
	ft->pool.used++;
	f = &ft->f[i];
	*f = (struct frag_flow){
		.src = src, .dst = dst, .id = id, .proto = proto, .dir = dir,
		.created_ms = (uint32_t)now, .lprev = ft->tail,
	};
	head = &ft->bucket[key_hash(n, src, dst, proto, id, dir)];
	f->hnext = *head;
	*head = i;
	if (ft->tail)
		ft->f[ft->tail].lnext = i;
	else
		ft->head = i;
	ft->tail = i;
	return i;
}

/* Give record @i the outgoing header @src -> @dst, ID @id. */
static void flow_set_out(struct nat *n, uint32_t i, uint32_t src, uint32_t dst,
			 uint16_t id, bool index_id)
{
	struct frag_table *ft = n->frags;
	struct frag_flow *f = &ft->f[i];

	f->new_src = src;
	f->new_dst = dst;
	f->new_id = id;
	if (index_id) {
		uint32_t *head = &ft->rbucket[key_hash(n, src, dst, f->proto,
						       id, 0xee)];

		f->rnext = *head;
		*head = i;
		f->has_rev = true;
	}
}

/* May this engine give outgoing ID @id?  With several workers, each only
 * those congruent to its index modulo their number, so that two workers
 * never give one ID to datagrams from one public address to one host. */
static bool id_mine(const struct nat *n, uint16_t id)
{
	return n->sh->nworkers == 1 || id % n->sh->nworkers == n->worker;
}

/* A free outgoing ID for a datagram from @pub to @dst: @id if free. */
static int32_t free_id(struct nat *n, uint32_t pub, uint32_t dst,
		       uint8_t proto, uint16_t id)
{
	unsigned tries, nw = n->sh->nworkers;

	if (id_mine(n, id) && !id_taken(n, pub, dst, proto, id))
		return id;
	for (tries = 0; tries < 32; tries++) {
		uint32_t cand = (uint16_t)rng_next(n);

		cand = cand - cand % nw + n->worker;
		if (cand > UINT16_MAX)
			cand -= nw;
		if (!id_taken(n, pub, dst, proto, (uint16_t)cand))
			return (int32_t)cand;
	}
	return -1;
}

int32_t frag_id_for(struct nat *n, uint32_t src, uint32_t pub, uint32_t dst,
		    uint8_t proto, uint16_t id, uint64_t now)
{
	struct frag_table *ft = n->frags;
	uint32_t i = flow_find(n, DIR_OUT, src, dst, proto, id, now);
	int32_t out;

	if (i && ft->f[i].state == FS_KNOWN && ft->f[i].has_rev)
		return ft->f[i].new_id;		/* the same ID again */
	out = free_id(n, pub, dst, proto, id);
	if (out < 0 || i)
		return out;	/* a record of its own only if none is there */
	i = flow_new(n, DIR_OUT, src, dst, proto, id, now);
	if (!i)
		return -1;
	ft->f[i].state = FS_KNOWN;
	ft->f[i].v = VERDICT_FORWARD;
	flow_set_out(n, i, pub, dst, (uint16_t)out, true);
	return out;
}

/* ---- later fragments ------------------------------------------------------ */

/* Rewrite fragment @p's header as record @f says. */
static void follow(const struct frag_flow *f, struct pkt *p)
{
	struct ipv4_hdr *ip = ipv4_hdr(p);
	const struct l4_view none = { 0 };

	nat_set_addr(ip, &none, &ip->saddr, f->new_src);
	nat_set_addr(ip, &none, &ip->daddr, f->new_dst);
	nat_set_ip16(ip, &ip->id, f->new_id);
}

/* Copy fragment @p into the store, behind record @i's other held ones. */
static bool hold(struct nat *n, uint32_t i, const struct pkt *p)
{
	struct frag_table *ft = n->frags;
	struct frag_flow *f = &ft->f[i];
	uint32_t need = (p->len + sizeof(ft->chunk->data) - 1) /
			sizeof(ft->chunk->data);
	uint32_t first = 0, prev = 0, off = 0;

	if (ft->chunks_used + need > FRAG_CHUNKS ||
	    addr_count(&ft->held_bytes, n->hkey, f->src) + p->len >
	    FRAG_HOLD_PER_HOST)
		return false;
	while (off < p->len) {
		uint32_t c = ft->chunk_free;
		uint32_t k = p->len - off;

		if (k > sizeof(ft->chunk->data))
			k = sizeof(ft->chunk->data);
		ft->chunk_free = ft->chunk[c].next;
		ft->chunks_used++;
		ft->chunk[c].next = 0;
		ft->chunk[c].next_frag = 0;
		ft->chunk[c].len = (uint16_t)k;
		memcpy(ft->chunk[c].data, p->data + off, k);
		if (prev)
			ft->chunk[prev].next = c;
		else
			first = c;
		prev = c;
		off += k;
	}
	ft->chunk[first].total = (uint16_t)p->len;
	if (f->held_last)
		ft->chunk[f->held_last].next_frag = first;
	else
		f->held = first;
	f->held_last = first;
	f->held_bytes += p->len;
	addr_count_add(&ft->held_bytes, n->hkey, f->src, p->len);
	n->st.frags_held++;
	return true;
}

enum verdict frag_later(struct nat *n, struct pkt *p, uint64_t now)
{
	struct frag_table *ft = n->frags;
	const struct ipv4_hdr *ip = ipv4_hdr(p);
	uint32_t i = flow_find(n, (uint8_t)p->dir, ip->saddr, ip->daddr,
			       ip->proto, ip->id, now);

	if (i && ft->f[i].state == FS_KNOWN) {
		if (ipv4_frag_offset(ip) < ft->f[i].first_end)
			return nat_drop(n, p, DROP_FRAG_OVERLAP);
		follow(&ft->f[i], p);
		return ft->f[i].v;
	}
	if (i && ft->f[i].state == FS_DROPPED)
		return nat_drop(n, p, DROP_FRAGMENT);
	if (!i) {
		if (addr_count(&ft->waiting, n->hkey, ip->saddr) >=
		    FRAG_FLOWS_PER_HOST)
			return nat_drop(n, p, DROP_FRAG_LIMIT);
		i = flow_new(n, (uint8_t)p->dir, ip->saddr, ip->daddr,
			     ip->proto, ip->id, now);
		if (!i)
			return nat_drop(n, p, DROP_FRAG_LIMIT);
		addr_count_add(&ft->waiting, n->hkey, ip->saddr, 1);
		ft->f[i].waiting_counted = true;
	}
	if (!hold(n, i, p))
		return nat_drop(n, p, DROP_FRAG_LIMIT);
	p->drop = DROP_NONE;	/* held, not lost */
	return VERDICT_DROP;
}

/* Queue record @i's held fragments, translated as it now says. */
static void release(struct nat *n, uint32_t i, uint64_t now)
{
	struct frag_table *ft = n->frags;
	struct frag_flow *f = &ft->f[i];
	uint32_t frag = f->held;

	while (frag) {
		uint32_t c = frag, off = 0, total = ft->chunk[frag].total;
		struct pkt *q;

		if (ipv4_frag_offset((const struct ipv4_hdr *)(const void *)
				     ft->chunk[frag].data) < f->first_end) {
			n->st.drops[DROP_FRAG_OVERLAP]++;
			frag = ft->chunk[frag].next_frag;
			continue;
		}
		q = pending_alloc(n, total, (enum pkt_dir)f->dir,
				  (enum verdict)f->v);
		if (!q) {
			n->st.drops[DROP_FRAG_LIMIT]++;
		} else {
			while (c) {
				memcpy(q->data + off, ft->chunk[c].data,
				       ft->chunk[c].len);
				off += ft->chunk[c].len;
				c = ft->chunk[c].next;
			}
			pending_parse(q);
			follow(f, q);
			nat_ttl_decrement(ipv4_hdr(q));
			if (frag_fit(n, q, (enum verdict)f->v, f->src, now) ==
			    VERDICT_DROP)
				pending_drop_item(n, q);
		}
		frag = ft->chunk[frag].next_frag;
	}
	held_free(n, i, DROP_NONE);
}

/* Record @i's first fragment is known: forget that it waited. */
static void flow_unwait(struct nat *n, uint32_t i)
{
	struct frag_table *ft = n->frags;
	struct frag_flow *f = &ft->f[i];

	if (f->waiting_counted) {
		addr_count_sub(&ft->waiting, n->hkey, f->src, 1);
		f->waiting_counted = false;
	}
}

void frag_first_done(struct nat *n, struct pkt *p, enum verdict v,
		     enum pkt_dir dir, uint32_t orig_src, uint32_t orig_dst,
		     uint16_t orig_id, uint64_t now)
{
	struct frag_table *ft = n->frags;
	struct ipv4_hdr *ip = ipv4_hdr(p);
	uint32_t i = flow_find(n, (uint8_t)dir, orig_src, orig_dst, ip->proto,
			       orig_id, now);
	struct frag_flow *f;

	if (!i) {
		i = flow_new(n, (uint8_t)dir, orig_src, orig_dst, ip->proto,
			     orig_id, now);
		if (!i)
			return;		/* later fragments will not follow */
	}
	f = &ft->f[i];
	flow_unwait(n, i);
	if (v == VERDICT_DROP) {
		f->state = FS_DROPPED;
		held_free(n, i, DROP_FRAGMENT);
		return;
	}
	if (!f->first_end)
		f->first_end = p->l4_len;
	if (f->state != FS_KNOWN) {
		bool out = dir == DIR_OUT;

		int32_t id = ip->id;

		/* only datagrams leaving from a public address take a new ID;
		 * one from outside keeps its sender's */
		if (out) {
			id = free_id(n, ip->saddr, ip->daddr, ip->proto,
				     ip->id);
			if (id < 0)
				id = ip->id;	/* no better one: keep it */
		}
		f->state = FS_KNOWN;
		f->v = (uint8_t)v;
		flow_set_out(n, i, ip->saddr, ip->daddr, (uint16_t)id, out);
	}
	nat_set_ip16(ip, &ip->id, f->new_id);
	release(n, i, now);
}

void nat_frag_follow(struct nat *n, uint32_t src, uint32_t dst, uint8_t proto,
		     uint16_t id, uint32_t new_dst, uint64_t now)
{
	struct frag_table *ft = n->frags;
	uint32_t i;

	pending_reset(n);
	i = flow_find(n, DIR_IN, src, dst, proto, id, now);
	if (!i)
		i = flow_new(n, DIR_IN, src, dst, proto, id, now);
	if (!i)
		return;		/* no room: later fragments are dropped */
	flow_unwait(n, i);
	if (ft->f[i].state != FS_KNOWN) {
		ft->f[i].state = FS_KNOWN;
		ft->f[i].v = VERDICT_FORWARD;
		flow_set_out(n, i, src, new_dst, id, false);
	}
	release(n, i, now);
}

/* ---- the MTU -------------------------------------------------------------- */

/* The MTU of the device a packet read from @dir goes to with verdict @v. */
static uint32_t mtu_toward(const struct nat *n, enum pkt_dir dir,
			   enum verdict v)
{
	bool to_inside = (dir == DIR_IN) == (v == VERDICT_FORWARD);

	return to_inside ? n->cfg.mtu_inside : n->cfg.mtu_outside;
}

/* Bytes of the largest packet @p stands for (a superpacket: a segment). */
static uint32_t wire_len(const struct pkt *p)
{
	uint32_t hdr = p->l3_len;

	if (!p->vnet.gso_type)
		return p->len;
	if (p->proto == IPPROTO_TCP)
		hdr += (((const struct tcp_hdr *)(const void *)pkt_l4(p))->doff
			>> 4) * 4u;
	else
		hdr += sizeof(struct udp_hdr);
	return hdr + p->vnet.gso_size;
}

bool frag_too_big(struct nat *n, struct pkt *p, bool to_inside,
		  uint32_t src, uint64_t now, enum verdict *v)
{
	uint32_t mtu = to_inside ? n->cfg.mtu_inside : n->cfg.mtu_outside;
	const struct ipv4_hdr *ip = ipv4_hdr(p);

	if (wire_len(p) <= mtu || !(ntohs(ip->frag_off) & IPV4_DF))
		return false;
	/* RFC 1191: the next-hop MTU in the low 16 bits of the word */
	*v = nat_icmp_error(n, p, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, src,
			    htonl(mtu & 0xffff), DROP_TOO_BIG, now);
	return true;
}

/* Options of header @ip that every fragment carries (copy flag set), and
 * the header length they make; @out gets the header. */
static unsigned later_header(const struct ipv4_hdr *ip, uint8_t *out)
{
	const uint8_t *opt = (const uint8_t *)ip + IPV4_HDR_LEN;
	unsigned ihl = ipv4_ihl_len(ip), i = 0, k = IPV4_HDR_LEN;

	memcpy(out, ip, IPV4_HDR_LEN);
	while (IPV4_HDR_LEN + i < ihl) {
		uint8_t type = opt[i];
		unsigned len;

		if (type == 0)		/* end of options */
			break;
		if (type == 1) {	/* no operation */
			i++;
			continue;
		}
		len = IPV4_HDR_LEN + i + 1 < ihl ? opt[i + 1] : 0;
		if (len < 2 || IPV4_HDR_LEN + i + len > ihl)
			break;
		if (type & 0x80) {
			memcpy(out + k, opt + i, len);
			k += len;
		}
		i += len;
	}
	while (k % 4)
		out[k++] = 0;		/* end of options */
	out[0] = (uint8_t)(0x40 | k / 4);
	return k;
}

/* Finish the header of fragment @b of @len bytes: offset @off (bytes from
 * the datagram's start), MF as given, checksum. */
static void frag_header(uint8_t *b, uint32_t len, uint32_t off, bool more)
{
	struct ipv4_hdr *ip = (struct ipv4_hdr *)(void *)b;
	uint16_t fo = (uint16_t)(off / 8) | (more ? IPV4_MF : 0);

	ip->tot_len = htons((uint16_t)len);
	ip->frag_off = htons(fo);
	ip->check = 0;
	ip->check = csum_buf(ip, ipv4_ihl_len(ip));
}

/* Cut translated packet @p (DF clear) into fragments of at most @mtu
 * bytes: the first stays in @p, the others are queued with verdict @v. */
static enum verdict cut(struct nat *n, struct pkt *p, enum verdict v,
			uint32_t mtu)
{
	struct ipv4_hdr *ip = ipv4_hdr(p);
	uint16_t fo = ntohs(ip->frag_off);
	uint32_t base = (uint32_t)(fo & IPV4_OFFMASK) * 8;
	bool more_after = fo & IPV4_MF;
	uint32_t hl = p->l3_len, data = p->len - hl, first, off;
	uint8_t hdr[60];
	unsigned hl2 = later_header(ip, hdr);
	uint32_t step = (mtu - hl2) & ~7u;

	first = (mtu - hl) & ~7u;
	if (mtu < hl + 8 || mtu < hl2 + 8 || !step)
		return nat_drop(n, p, DROP_TOO_BIG);
	for (off = first; off < data; off += step) {
		uint32_t k = data - off < step ? data - off : step;
		struct pkt *q = pending_alloc(n, hl2 + k, p->dir, v);

		if (!q)
			return nat_drop(n, p, DROP_FRAG_LIMIT);
		memcpy(q->data, hdr, hl2);
		memcpy(q->data + hl2, p->data + hl + off, k);
		frag_header(q->data, hl2 + k, base + off,
			    off + k < data || more_after);
		pending_parse(q);
		n->st.frags_made++;
	}
	p->len = hl + first;
	p->l4_len = (uint16_t)first;
	frag_header(p->data, p->len, base, true);
	p->frag |= PKT_FRAG_MORE;
	n->st.frags_made++;
	return v;
}

struct uso_ctx {
	struct nat *n;
	struct pkt *p;
	enum verdict v;
	uint32_t mtu;
	bool failed;
};

/* One datagram of a UDP superpacket: queued, then cut if too big. */
static void uso_emit(void *arg, const uint8_t *pkt, size_t len)
{
	struct uso_ctx *u = arg;
	struct pkt *q = pending_add(u->n, pkt, (uint32_t)len, u->p->dir, u->v);

	if (!q) {
		u->failed = true;
		return;
	}
	if (q->len > u->mtu && cut(u->n, q, u->v, u->mtu) == VERDICT_DROP)
		pending_drop_item(u->n, q);
}

enum verdict frag_fit(struct nat *n, struct pkt *p, enum verdict v,
		      uint32_t orig_src, uint64_t now)
{
	uint32_t mtu = mtu_toward(n, p->dir, v);
	struct ipv4_hdr *ip = ipv4_hdr(p);

	if (v == VERDICT_DROP || wire_len(p) <= mtu)
		return v;
	if (ntohs(ip->frag_off) & IPV4_DF)
		return nat_drop(n, p, DROP_TOO_BIG);	/* our own packets */
	if (p->vnet.gso_type && p->proto == IPPROTO_TCP) {
		/* smaller segments are still the same stream */
		p->vnet.gso_size = (uint16_t)(p->vnet.gso_size -
					      (wire_len(p) - mtu));
		return v;
	}
	/* leaving from a public address unfragmented: take an ID no
	 * other datagram to that destination has now.  An exempt one
	 * leaves from its host's own address, with its own IDs, and gets
	 * no record: later fragments with that ID, translated after a
	 * reload, would follow it and leave from the private address. */
	if (!p->frag && p->dir == DIR_OUT && v == VERDICT_FORWARD &&
	    nat_pool_index(n, ip->saddr) >= 0) {
		int32_t id = frag_id_for(n, orig_src, ip->saddr, ip->daddr,
					 ip->proto, ip->id, now);

		if (id < 0)
			return nat_drop(n, p, DROP_FRAG_LIMIT);
		nat_set_ip16(ip, &ip->id, (uint16_t)id);
	}
	if (p->vnet.gso_type) {
		struct uso_ctx u = { .n = n, .p = p, .v = v, .mtu = mtu };

		/* a UDP superpacket: its datagrams, each cut to fit */
		if (!gso_segment(p, n->out.scratch, uso_emit, &u) || u.failed)
			n->st.drops[DROP_FRAG_LIMIT]++;
		p->drop = DROP_NONE;
		return VERDICT_DROP;	/* all of it went to the queue */
	}
	if (pkt_csum_partial(p))
		gso_csum_finish(p);	/* a device cannot finish it in pieces */
	return cut(n, p, v, mtu);
}

/* ---- time and set up ----------------------------------------------------- */

void frag_expire(struct nat *n, uint64_t now)
{
	struct frag_table *ft = n->frags;

	while (ft->head && (uint32_t)((uint32_t)now -
				      ft->f[ft->head].created_ms) >=
			   FRAG_TIMEOUT_MS)
		flow_free(n, ft->head, DROP_FRAG_TIMEOUT);
}

int frag_init(struct nat *n, const struct nat_config *cfg)
{
	struct frag_table *ft = calloc(1, sizeof(*ft));
	uint32_t i;

	n->frags = ft;
	n->out.size = PENDING_ARENA;
	n->out.arena = aligned_alloc(PENDING_ALIGN, PENDING_ARENA);
	n->out.scratch = aligned_alloc(PENDING_ALIGN, PENDING_SCRATCH);
	if (!ft || !n->out.arena || !n->out.scratch)
		return -ENOMEM;
	ft->f = calloc(FRAG_FLOWS + 1, sizeof(*ft->f));
	ft->bucket = calloc(FRAG_FLOWS, sizeof(*ft->bucket));
	ft->rbucket = calloc(FRAG_FLOWS, sizeof(*ft->rbucket));
	ft->chunk = malloc((FRAG_CHUNKS + 1) * sizeof(*ft->chunk));
	if (!ft->f || !ft->bucket || !ft->rbucket || !ft->chunk ||
	    addr_counts_init(&ft->held_bytes, FRAG_FLOWS) ||
	    addr_counts_init(&ft->waiting, FRAG_FLOWS))
		return -ENOMEM;
	ft->pool = (struct rec_pool){ .max = FRAG_FLOWS, .unused = 1 };
	for (i = 1; i <= FRAG_CHUNKS; i++)
		ft->chunk[i].next = i < FRAG_CHUNKS ? i + 1 : 0;
	ft->chunk_free = 1;
	(void)cfg;
	return 0;
}

void frag_fini(struct nat *n)
{
	struct frag_table *ft = n->frags;

	if (ft) {
		free(ft->f);
		free(ft->bucket);
		free(ft->rbucket);
		free(ft->chunk);
		addr_counts_fini(&ft->held_bytes);
		addr_counts_fini(&ft->waiting);
		free(ft);
	}
	free(n->out.arena);
	free(n->out.scratch);
}
