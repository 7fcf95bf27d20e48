/* SPDX-License-Identifier: MIT */
/* portpool.c - bitmap port allocator with preservation and random start */

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
		pp->free[c] = portpool_class_size(r, c);
		if (!pp->free[c])
			continue;
		for (port = r->lo[c]; port <= r->hi[c]; port++)
			pp->free[c] -= portpool_in_use(pp, (uint16_t)port);
	}
}

/* First clear bit in [from, to] among the bits set in @allow, or -1. */
static int find_free(const uint64_t *used, unsigned from, unsigned to,
		     uint64_t allow)
{
	unsigned w, last = to / 64;

	for (w = from / 64; w <= last; w++) {
		uint64_t word = used[w] | ~allow;

		if (w == from / 64 && from % 64)
			word |= (1ULL << (from % 64)) - 1;
		if (w == last && to % 64 != 63)
			word |= ~0ULL << (to % 64 + 1);
		if (~word)
			return (int)(w * 64 + (unsigned)__builtin_ctzll(~word));
	}
	return -1;
}

/* Ports outside @r (static mappings) are marked but never counted. */
static void mark(struct portpool *pp, const struct portpool_range *r,
		 uint16_t port)
{
	unsigned c = class_of(r, port);

	pp->used[port / 64] |= 1ULL << (port % 64);
	if (in_class(r, c, port))
		pp->free[c]--;
}

static bool is_resting(const struct portpool *pp, uint16_t port)
{
	return pp->resting[port / 64] >> (port % 64) & 1;
}

bool portpool_take_any(struct portpool *pp, const struct portpool_range *r,
		       uint16_t port)
{
	if (is_resting(pp, port)) {
		pp->resting[port / 64] &= ~(1ULL << (port % 64));
		return true;	/* taken already, now for good */
	}
	if (portpool_in_use(pp, port))
		return false;
	mark(pp, r, port);
	return true;
}

void portpool_rest(struct portpool *pp, uint16_t port)
{
	assert(portpool_in_use(pp, port));
	pp->resting[port / 64] |= 1ULL << (port % 64);
}

void portpool_wake(struct portpool *pp, const struct portpool_range *r,
		   uint16_t port)
{
	if (!is_resting(pp, port))
		return;
	pp->resting[port / 64] &= ~(1ULL << (port % 64));
	portpool_release(pp, r, port);
}

bool portpool_take(struct portpool *pp, const struct portpool_range *r,
		   uint16_t port)
{
	if (!in_class(r, class_of(r, port), port) || portpool_in_use(pp, port))
		return false;
	mark(pp, r, port);
	return true;
}

/* A free port of [lo, hi] among @allow, scanning from @start round. */
static int scan(const struct portpool *pp, unsigned lo, unsigned hi,
		unsigned start, uint64_t allow)
{
	int port = find_free(pp->used, start, hi, allow);

	if (port < 0 && start > lo)
		port = find_free(pp->used, lo, start - 1, allow);
	return port;
}

int portpool_alloc(struct portpool *pp, const struct portpool_range *r,
		   uint16_t want, uint32_t rnd, bool parity)
{
	unsigned c = class_of(r, want), lo = r->lo[c], hi = r->hi[c], start;
	int port = -1;

	if (!pp->free[c])
		return -1;
	if (portpool_take(pp, r, want))
		return want;
	start = lo + rnd % (hi - lo + 1);
	/* RFC 4787 REQ-4: an even port stays even, an odd one odd, while
	 * the class has such a port free */
	if (parity)
		port = scan(pp, lo, hi, start,
			    want & 1 ? 0xaaaaaaaaaaaaaaaaULL
				     : 0x5555555555555555ULL);
	if (port < 0)
		port = scan(pp, lo, hi, start, ~0ULL);
	assert(port >= 0);	/* free[c] said there was one */
	mark(pp, r, (uint16_t)port);
	return port;
}

void portpool_release(struct portpool *pp, const struct portpool_range *r,
		      uint16_t port)
{
	unsigned c = class_of(r, port);

	assert(portpool_in_use(pp, port));
	pp->used[port / 64] &= ~(1ULL << (port % 64));
	if (in_class(r, c, port))
		pp->free[c]++;
}
