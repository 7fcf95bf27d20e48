/* SPDX-License-Identifier: MIT */
/* portpool.c - bitmap port allocator with preservation and random start
 *
 * The engines of several workers share one pool per (public address, port
 * space), so every change of a bitmap word or a count is an atomic
 * operation: a port is claimed by the fetch_or that sets its bit, and only
 * the claim that found the bit clear owns it.  Scans read the words
 * without a lock; a port taken between the scan and the claim is passed
 * by and the scan goes on.  With one worker the atomics cost a few cycles
 * per mapping made, nothing per packet.
 */

#include <assert.h>
#include <string.h>

#include "portpool.h"

void portpool_range_ports(struct portpool_range *r, uint16_t lo, uint16_t hi)
{
	r->classes = true;
	r->lo[0] = lo;
	r->hi[0] = hi < 1023 ? hi : 1023;
	r->lo[1] = lo > 1024 ? lo : 1024;
	r->hi[1] = hi;
}

void portpool_range_ids(struct portpool_range *r, uint16_t lo, uint16_t hi)
{
	r->classes = false;
	r->lo[0] = lo;
	r->hi[0] = hi;
	r->lo[1] = 1;
	r->hi[1] = 0;
}

bool portpool_range_eq(const struct portpool_range *a,
		       const struct portpool_range *b)
{
	return a->classes == b->classes && a->lo[0] == b->lo[0] &&
	       a->hi[0] == b->hi[0] && a->lo[1] == b->lo[1] &&
	       a->hi[1] == b->hi[1];
}

static unsigned class_of(const struct portpool_range *r, uint16_t port)
{
	return r->classes && port >= 1024;
}

static bool in_class(const struct portpool_range *r, unsigned c, uint16_t port)
{
	return r->lo[c] <= r->hi[c] && port >= r->lo[c] && port <= r->hi[c];
}

uint32_t portpool_class_size(const struct portpool_range *r, unsigned c)
{
	return r->lo[c] <= r->hi[c] ? (uint32_t)r->hi[c] - r->lo[c] + 1 : 0;
}

#define LOAD(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define BIT(port)	(1ULL << ((port) % 64))

void portpool_init(struct portpool *pp, const struct portpool_range *r)
{
	unsigned c;

	memset(pp->used, 0, sizeof(pp->used));
	memset(pp->resting, 0, sizeof(pp->resting));
	for (c = 0; c < 2; c++)
		pp->free[c] = portpool_class_size(r, c);
}

void portpool_rebase(struct portpool *pp, const struct portpool_range *r)
{
	unsigned c, port;

	for (c = 0; c < 2; c++) {
		uint32_t n = portpool_class_size(r, c);

		if (n)
			for (port = r->lo[c]; port <= r->hi[c]; port++)
				n -= portpool_in_use(pp, (uint16_t)port);
		__atomic_store_n(&pp->free[c], n, __ATOMIC_RELAXED);
	}
}

/* First clear bit in [from, to] among the bits set in @allow, or -1. */
static int find_free(const uint64_t *used, unsigned from, unsigned to,
		     uint64_t allow)
{
	unsigned w, last = to / 64;

	for (w = from / 64; w <= last; w++) {
		uint64_t word = LOAD(used[w]) | ~allow;

		if (w == from / 64 && from % 64)
			word |= (1ULL << (from % 64)) - 1;
		if (w == last && to % 64 != 63)
			word |= ~0ULL << (to % 64 + 1);
		if (~word)
			return (int)(w * 64 + (unsigned)__builtin_ctzll(~word));
	}
	return -1;
}

/* Claim @port: true if this call set its bit.  Ports outside @r (static
 * mappings) are marked but never counted. */
static bool claim(struct portpool *pp, const struct portpool_range *r,
		  uint16_t port)
{
	unsigned c = class_of(r, port);

	if (__atomic_fetch_or(&pp->used[port / 64], BIT(port),
			      __ATOMIC_ACQ_REL) & BIT(port))
		return false;
	if (in_class(r, c, port))
		__atomic_fetch_sub(&pp->free[c], 1, __ATOMIC_RELAXED);
	return true;
}

bool portpool_take_any(struct portpool *pp, const struct portpool_range *r,
		       uint16_t port)
{
	if (__atomic_fetch_and(&pp->resting[port / 64], ~BIT(port),
			       __ATOMIC_ACQ_REL) & BIT(port))
		return true;	/* taken already, now for good */
	return claim(pp, r, port);
}

void portpool_rest(struct portpool *pp, uint16_t port)
{
	assert(portpool_in_use(pp, port));
	__atomic_fetch_or(&pp->resting[port / 64], BIT(port),
			  __ATOMIC_RELAXED);
}

bool portpool_unrest(struct portpool *pp, uint16_t port)
{
	return __atomic_fetch_and(&pp->resting[port / 64], ~BIT(port),
				  __ATOMIC_ACQ_REL) & BIT(port);
}

void portpool_wake(struct portpool *pp, const struct portpool_range *r,
		   uint16_t port)
{
	if (portpool_unrest(pp, port))
		portpool_release(pp, r, port);
}

bool portpool_take(struct portpool *pp, const struct portpool_range *r,
		   uint16_t port)
{
	if (!in_class(r, class_of(r, port), port) || portpool_in_use(pp, port))
		return false;
	return claim(pp, r, port);
}

/* Claim a free port of [lo, hi] among @allow, scanning from @start round;
 * a port another worker claims first is passed by.  Return: it, or -1. */
static int scan(struct portpool *pp, const struct portpool_range *r,
		unsigned lo, unsigned hi, unsigned start, uint64_t allow)
{
	unsigned from = start, to = hi;
	bool wrapped = false;

	for (;;) {
		int port = from <= to ? find_free(pp->used, from, to, allow)
				      : -1;

		if (port >= 0 && claim(pp, r, (uint16_t)port))
			return port;
		if (port >= 0) {
			from = (unsigned)port + 1;	/* lost a race */
			continue;
		}
		if (wrapped || start <= lo)
			return -1;
		wrapped = true;
		from = lo;
		to = start - 1;
	}
}

int portpool_alloc(struct portpool *pp, const struct portpool_range *r,
		   uint16_t want, uint32_t rnd, bool parity)
{
	unsigned c = class_of(r, want), lo = r->lo[c], hi = r->hi[c], start;
	int port = -1;

	if (!LOAD(pp->free[c]))
		return -1;
	if (portpool_take(pp, r, want))
		return want;
	start = lo + rnd % (hi - lo + 1);
	/* RFC 4787 REQ-4: an even port stays even, an odd one odd, while
	 * the class has such a port free */
	if (parity)
		port = scan(pp, r, lo, hi, start,
			    want & 1 ? 0xaaaaaaaaaaaaaaaaULL
				     : 0x5555555555555555ULL);
	if (port < 0)
		port = scan(pp, r, lo, hi, start, ~0ULL);
	/* -1 only if other workers took the last ports meanwhile */
	return port;
}

void portpool_release(struct portpool *pp, const struct portpool_range *r,
		      uint16_t port)
{
	unsigned c = class_of(r, port);

	assert(portpool_in_use(pp, port));
	__atomic_fetch_and(&pp->used[port / 64], ~BIT(port), __ATOMIC_RELEASE);
	if (in_class(r, c, port))
		__atomic_fetch_add(&pp->free[c], 1, __ATOMIC_RELAXED);
}
