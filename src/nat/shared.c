/* SPDX-License-Identifier: MIT */
/* shared.c - the public pool the engines of all workers share, and which
 * worker owns a packet
 *
 * Theory of operation.
 *
 * With several workers, each owns a whole engine (its sessions, mappings,
 * timers, fragments) and nothing on the packet path is locked.  What they
 * must agree on is the public pool: its address slots and, per slot and
 * port space, which ports are taken (portpool.c, claimed with atomic
 * operations) and by whom (an owner byte per port, struct nat_shared).  A
 * port is so owned by at most one worker at any time, and that worker
 * owns every session on it: "a disjoint share of every public address's
 * ports" is dynamic, and port preservation, classes and parity work as
 * with one worker.
 *
 * Steering (nat_steer()) is then a pure function of a packet's bytes and
 * the owner arrays.  From inside, a packet belongs to the worker of its
 * source host (a keyed hash of the address), so every mapping of one host
 * lives on one worker: endpoint-independent mapping and paired pooling
 * hold as they do with one worker.  From outside, it belongs to the owner
 * of its destination port (query identifier, Call ID); a port nobody
 * holds goes by a hash of the source, to spread unsolicited traffic.  An
 * ICMP error goes where the packet it quotes came from.  Protocols
 * translated by address only (GRE version 0, any protocol without ports,
 * GRE version 1 with the PPTP ALG off) have no port to tell hosts apart on
 * the way in, so they are worker 0's both ways.  A later fragment has no
 * port: from inside it goes by its source like its first; from outside,
 * every later fragment of a datagram goes to one "fragment home", a hash
 * of (source, destination, protocol, ID), and the worker that translates
 * the first fragment tells the home how (nat_frag_follow()).
 *
 * The io layer uses nat_steer() to hand a packet that a device queue gave
 * to the wrong worker to its owner; a BPF steering program may mirror it.
 */

#include <arpa/inet.h>

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../net/gre.h"
#include "../net/icmp.h"
#include "nat_int.h"

#define ICMP_ID_LO	0
#define ICMP_ID_HI	65535

static int ix_cmp(const void *a, const void *b)
{
	const struct pool_ix *x = a, *y = b;

	return x->addr_h < y->addr_h ? -1 : x->addr_h > y->addr_h;
}

static int slot_cmp(const void *a, const void *b, void *arg)
{
	const uint32_t *addrs = arg;
	uint32_t x = ntohl(addrs[*(const uint16_t *)a]);
	uint32_t y = ntohl(addrs[*(const uint16_t *)b]);

	return x < y ? -1 : x > y;
}

/* The bit of @seen that host-order address @addr_h sets. */
static unsigned seen_bit(uint32_t addr_h)
{
	return (addr_h * 0x9e3779b1u) >> 23;	/* 0..511 */
}

/* Every packet asks this (is the address one of ours?), most often of an
 * address that is not: @seen answers those at once.  For the others the
 * search narrows the range without a branch on the data (a conditional
 * move: the addresses are random to a branch predictor), and compares
 * once at the end. */
int nat_shared_index(const struct nat_shared *sh, uint32_t addr)
{
	const struct pool_ix *base = sh->sorted;
	uint32_t key = ntohl(addr);
	unsigned len = sh->nslots, bit = seen_bit(key);

	if (!len || !(sh->seen[bit / 64] >> (bit % 64) & 1))
		return -1;
	while (len > 1) {
		unsigned half = len / 2;

		base = base[half].addr_h <= key ? base + half : base;
		len -= half;
	}
	return base->addr_h == key ? base->slot : -1;
}

/* Is slot @slot free to take a new address: off the active list, not
 * named in @addrs (@cnt), and used by no mapping or session of any of the
 * engines @ns (@nn)? */
static bool slot_idle(const struct nat_shared *sh, struct nat *const *ns,
		      unsigned nn, unsigned slot, const uint32_t *addrs,
		      unsigned cnt)
{
	uint32_t i, e;

	for (i = 0; i < sh->nactive; i++)
		if (sh->active[i] == slot)
			return false;
	for (i = 0; i < cnt; i++)
		if (addrs[i] == sh->addrs[slot])
			return false;
	for (e = 0; e < nn; e++) {
		const struct nat *n = ns[e];

		for (i = 1; i < n->t.mp.unused; i++)
			if (n->t.m[i].pub_idx == slot &&
			    (n->t.m[i].nsessions || n->t.m[i].is_static))
				return false;
		for (i = 1; i < n->t.sp.unused; i++)
			if (n->t.s[i].proto && n->t.s[i].pub_idx == slot)
				return false;
	}
	return true;
}

/* Give slot @slot address @addr, its ports all free. */
static void slot_set(struct nat_shared *sh, unsigned slot, uint32_t addr)
{
	unsigned i, sp;

	sh->addrs[slot] = addr;
	for (sp = 0; sp < PSPACE_N; sp++)
		portpool_init(&sh->pools[slot * PSPACE_N + sp],
			      &sh->ranges[sp]);
	if (sh->owner)
		memset(sh->owner[slot], 0, OWN_BYTES);
	for (i = 0; i < sh->nslots; i++)
		if (sh->sorted[i].slot == slot)
			sh->sorted[i].addr_h = ntohl(addr);
	/* kept sorted as it changes: lookups come next */
	qsort(sh->sorted, sh->nslots, sizeof(*sh->sorted), ix_cmp);
	memset(sh->seen, 0, sizeof(sh->seen));
	for (i = 0; i < sh->nslots; i++) {
		unsigned bit = seen_bit(sh->sorted[i].addr_h);

		sh->seen[bit / 64] |= 1ULL << (bit % 64);
	}
}

int nat_shared_pool_set(struct nat_shared *sh, struct nat *const *ns,
			unsigned nn, const uint32_t *addrs, unsigned cnt)
{
	unsigned i, k, need = 0, grow, nslots = sh->nslots, nreuse = 0;
	uint16_t reuse[NAT_POOL_MAX];
	struct portpool *pools;
	struct pool_ix *sorted;
	uint16_t *active;

	for (i = 0; i < cnt; i++) {
		for (k = 0; k < i; k++)
			if (addrs[k] == addrs[i])
				return -EINVAL;
		need += nat_shared_index(sh, addrs[i]) < 0;
	}
	grow = need;
	if (nslots + need > NAT_POOL_MAX) {
		/* the slots of removed addresses nothing uses any more */
		for (i = 0; i < nslots && nreuse + NAT_POOL_MAX - nslots < need;
		     i++)
			if (slot_idle(sh, ns, nn, i, addrs, cnt))
				reuse[nreuse++] = (uint16_t)i;
		if (nreuse + NAT_POOL_MAX - nslots < need)
			return -ENOSPC;
		grow = need - nreuse;
	}
	active = calloc(cnt, sizeof(*active));
	if (!active)
		goto nomem;
	if (nslots + grow > sh->slots_cap) {
		/* doubled, so that reloads adding one address at a time
		 * copy the pools a few times, not once per address */
		unsigned cap = sh->slots_cap * 2;

		if (cap < nslots + grow)
			cap = nslots + grow;
		if (cap > NAT_POOL_MAX)
			cap = NAT_POOL_MAX;
		sorted = realloc(sh->sorted, cap * sizeof(*sorted));
		if (sorted)
			sh->sorted = sorted;
		pools = realloc(sh->pools,
				(size_t)cap * PSPACE_N * sizeof(*pools));
		if (pools)
			sh->pools = pools;
		if (!sorted || !pools)
			goto nomem;
		sh->slots_cap = cap;
	}
	for (i = nslots; sh->owner && i < nslots + grow; i++) {
		if (!sh->owner[i])
			sh->owner[i] = calloc(1, OWN_BYTES);
		if (!sh->owner[i])
			goto nomem;
	}
	for (i = 0; i < cnt; i++) {
		int slot = nat_shared_index(sh, addrs[i]);

		if (slot < 0 && nreuse) {
			slot = reuse[--nreuse];
		} else if (slot < 0) {
			slot = (int)sh->nslots++;
			sh->sorted[slot] = (struct pool_ix){
				.slot = (uint16_t)slot,
			};
		}
		if (sh->addrs[slot] != addrs[i])
			slot_set(sh, (unsigned)slot, addrs[i]);
		active[i] = (uint16_t)slot;
	}
	qsort_r(active, cnt, sizeof(*active), slot_cmp, sh->addrs);
	free(sh->active);
	sh->active = active;
	sh->nactive = cnt;
	return 0;
nomem:
	free(active);
	return -ENOMEM;
}

struct nat_shared *nat_shared_new(const struct nat_config *cfg,
				  unsigned nworkers)
{
	struct nat_shared *sh;

	if (!nworkers || nworkers > NAT_WORKERS_MAX || !cfg->naddrs ||
	    cfg->naddrs > NAT_POOL_MAX) {
		errno = EINVAL;
		return NULL;
	}
	sh = calloc(1, sizeof(*sh));
	if (!sh)
		goto nomem;
	sh->nworkers = nworkers;
	sh->skey[0] = cfg->seed[0] ^ 0x7374656572ULL;	/* "steer" */
	sh->skey[1] = cfg->seed[1];
	sh->pptp = cfg->alg[NAT_ALG_PPTP].enabled;
	sh->addrs = calloc(NAT_POOL_MAX, sizeof(*sh->addrs));
	if (!sh->addrs)
		goto nomem;
	if (nworkers > 1) {
		sh->owner = calloc(NAT_POOL_MAX, sizeof(*sh->owner));
		if (!sh->owner)
			goto nomem;
	}
	portpool_range_ports(&sh->ranges[PSPACE_TCP], cfg->port_lo,
			     cfg->port_hi);
	portpool_range_ports(&sh->ranges[PSPACE_UDP], cfg->port_lo,
			     cfg->port_hi);
	portpool_range_ids(&sh->ranges[PSPACE_ICMP], ICMP_ID_LO, ICMP_ID_HI);
	switch (nat_shared_pool_set(sh, NULL, 0, cfg->addrs, cfg->naddrs)) {
	case 0:
		return sh;
	case -ENOMEM:
		goto nomem;
	default:
		nat_shared_free(sh);
		errno = EINVAL;
		return NULL;
	}
nomem:
	nat_shared_free(sh);
	errno = ENOMEM;
	return NULL;
}

void nat_shared_free(struct nat_shared *sh)
{
	unsigned i;

	if (!sh)
		return;
	for (i = sh->owner_ext; sh->owner && i < NAT_POOL_MAX; i++)
		free(sh->owner[i]);
	free(sh->owner);
	free(sh->pools);
	free(sh->sorted);
	free(sh->active);
	free(sh->addrs);
	free(sh);
}

void nat_shared_set_pptp(struct nat_shared *sh, bool on)
{
	sh->pptp = on;
}

unsigned nat_shared_workers(const struct nat_shared *sh)
{
	return sh->nworkers;
}

static_assert(NAT_OWN_TCP == PSPACE_TCP && NAT_OWN_UDP == PSPACE_UDP &&
	      NAT_OWN_ICMP == PSPACE_ICMP && NAT_OWN_CALL == OWN_CALL &&
	      NAT_OWN_BYTES == OWN_BYTES, "nat.h tells the owner layout");

void nat_shared_steer_key(const struct nat_shared *sh, uint64_t key[2])
{
	key[0] = sh->skey[0];
	key[1] = sh->skey[1];
}

uint32_t nat_shared_slot_addr(const struct nat_shared *sh, unsigned slot)
{
	return slot < sh->nslots ? sh->addrs[slot] : 0;
}

int nat_shared_owner_mem(struct nat_shared *sh, uint8_t *mem, unsigned n)
{
	unsigned i;

	if (!sh->owner || sh->owner_ext)
		return -EINVAL;
	if (n > NAT_POOL_MAX)
		n = NAT_POOL_MAX;
	for (i = 0; i < n; i++) {
		uint8_t *o = mem + (size_t)i * OWN_BYTES;

		if (sh->owner[i]) {
			memcpy(o, sh->owner[i], OWN_BYTES);
			free(sh->owner[i]);
		}
		sh->owner[i] = o;
	}
	sh->owner_ext = n;
	return 0;
}

/* ---- steering --------------------------------------------------------- */

/* A keyed mix of @x to a worker: multiply-shift, cheap enough to run on
 * every packet and simple enough for a BPF program to repeat. */
static unsigned mix(const struct nat_shared *sh, uint64_t x)
{
	uint64_t h = (x ^ sh->skey[0]) * 0x9e3779b97f4a7c15ULL;

	h ^= h >> 29;
	h *= sh->skey[1] | 1;
	return (unsigned)(((h >> 32) * sh->nworkers) >> 32);
}

unsigned nat_steer_host(const struct nat_shared *sh, uint32_t in_addr)
{
	return sh->nworkers > 1 ? mix(sh, in_addr) : 0;
}

unsigned nat_steer_frag_home(const struct nat_shared *sh, uint32_t src,
			     uint32_t dst, uint8_t proto, uint16_t id)
{
	if (sh->nworkers == 1)
		return 0;
	return mix(sh, ((uint64_t)src << 32 | dst) ^
		       ((uint64_t)proto << 16 | id) * 0xff51afd7ed558ccdULL);
}

/* The worker of a port nobody may hold: by a hash of @src. */
static unsigned owner_or(const struct nat_shared *sh, int slot,
			 unsigned space, uint16_t port, uint32_t src)
{
	unsigned w1 = slot >= 0 ? owner_of(sh, (unsigned)slot, space, port)
				: 0;

	return w1 ? w1 - 1 : mix(sh, src);
}

static uint16_t load16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static uint32_t load32n(const uint8_t *b)
{
	uint32_t v;

	memcpy(&v, b, 4);
	return v;
}

/* Is GRE header @g (@len bytes) version 1, which the ALG translates? */
static bool gre_call(const struct nat_shared *sh, const uint8_t *g,
		     uint32_t len)
{
	return sh->pptp && len >= 8 && (g[1] & 7) == 1 && (g[0] & 0x20);
}

/* The port of the inside view a quoted or a whole packet @l4 of protocol
 * @proto has; false for protocols without one. */
static bool has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_ICMP;
}

/* An ICMP error read from @dir that quotes @q (@qlen bytes): where the
 * packet it quotes came from. */
static unsigned steer_error(const struct nat_shared *sh, const uint8_t *q,
			    uint32_t qlen, enum pkt_dir dir, uint32_t src)
{
	unsigned ihl;
	uint8_t proto;
	int slot;

	if (qlen < 20 || q[0] >> 4 != 4)
		return dir == DIR_OUT ? mix(sh, src) : 0;
	ihl = (q[0] & 15u) * 4;
	proto = q[9];
	if (dir == DIR_OUT) {
		/* it quotes a packet the inside host got: by that host */
		if (has_ports(proto) || (proto == IPPROTO_GRE &&
					 gre_call(sh, q + ihl, qlen - ihl)))
			return mix(sh, load32n(q + 16));
		return 0;
	}
	/* it quotes a packet we sent from a public port */
	slot = nat_shared_index(sh, load32n(q + 12));
	if (qlen < ihl + 8)
		return 0;
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP)
		return owner_or(sh, slot, space_of(proto), load16(q + ihl),
				src);
	if (proto == IPPROTO_ICMP)
		return owner_or(sh, slot, PSPACE_ICMP, load16(q + ihl + 4),
				src);
	return 0;	/* address only, or a call's GRE: worker 0's */
}

unsigned nat_steer(const struct nat_shared *sh, const uint8_t *data,
		   uint32_t len, enum pkt_dir dir)
{
	uint32_t src, dst, ihl, l4len;
	const uint8_t *l4;
	uint16_t frag;
	uint8_t proto;
	int slot;

	if (sh->nworkers == 1)
		return 0;
	if (len < 20 || data[0] >> 4 != 4 || (data[0] & 15u) < 5 ||
	    (data[0] & 15u) * 4u > len)
		return 0;	/* junk: dropped wherever it goes */
	ihl = (data[0] & 15u) * 4;
	proto = data[9];
	src = load32n(data + 12);
	dst = load32n(data + 16);
	frag = load16(data + 6);
	l4 = data + ihl;
	l4len = len - ihl;
	if (frag & IPV4_OFFMASK) {
		/* a later fragment: no transport header */
		if (dir == DIR_OUT)
			return has_ports(proto) || (proto == IPPROTO_GRE &&
						    sh->pptp)
			       ? mix(sh, src) : 0;
		if (nat_shared_index(sh, dst) < 0)
			return 0;
		return nat_steer_frag_home(sh, src, dst, proto,
					   htons(load16(data + 4)));
	}
	if (dir == DIR_OUT) {
		if (proto == IPPROTO_ICMP && l4len >= 8 &&
		    icmp_is_error(l4[0]))
			return steer_error(sh, l4 + 8, l4len - 8, dir, src);
		if (has_ports(proto) ||
		    (proto == IPPROTO_GRE && gre_call(sh, l4, l4len)))
			return mix(sh, src);
		return 0;
	}
	slot = nat_shared_index(sh, dst);
	if (slot < 0)
		return 0;	/* not ours: exempt, or dropped */
	switch (proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		if (l4len < 4)
			return 0;
		return owner_or(sh, slot, space_of(proto), load16(l4 + 2),
				src);
	case IPPROTO_ICMP:
		if (l4len < 8)
			return 0;
		if (icmp_is_error(l4[0]))
			return steer_error(sh, l4 + 8, l4len - 8, dir, src);
		return owner_or(sh, slot, PSPACE_ICMP, load16(l4 + 4), src);
	case IPPROTO_GRE:
		if (!gre_call(sh, l4, l4len))
			return 0;
		/* the key's low half is the translated Call ID */
		return owner_or(sh, slot, OWN_CALL, load16(l4 + 6), 0);
	default:
		return 0;
	}
}
