/* SPDX-License-Identifier: MIT */
/* portpool.h - which public ports (or ICMP identifiers) are in use
 *
 * One bitmap of 65536 bits per (public address, protocol): a set bit is a
 * port in use.  A request first tries the inside port itself (port
 * preservation), then a random start in the same class followed by a linear
 * scan, 64 ports a word (RFC 6056 algorithm 1), first among the ports of the
 * same parity if asked (RFC 4787 REQ-4).  Classes keep ports below 1024
 * below 1024 and the rest at or above it (RFC 4787 REQ-3a).
 *
 * Several engines (one per worker) may share a pool: every change is an
 * atomic claim or release of a bit, so that each port has one owner at a
 * time (portpool.c).
 */
#ifndef TN_PORTPOOL_H
#define TN_PORTPOOL_H

#include <stdbool.h>
#include <stdint.h>

#define PORTPOOL_WORDS	(65536 / 64)

/**
 * struct portpool_range - ports a pool may hand out, split into classes
 * @lo, @hi:	inclusive bounds of each class, host byte order; a class
 *		with lo > hi is empty
 */
struct portpool_range {
	uint16_t lo[2];
	uint16_t hi[2];
	bool classes;	/* false: one class, [lo[0], hi[0]] (ICMP ids) */
};

struct portpool {
	uint64_t used[PORTPOOL_WORDS];
	uint64_t resting[PORTPOOL_WORDS];	/* used, released, resting */
	uint32_t free[2];	/* free ports left in each class */
};

/* portpool_range_ports() - split [@lo, @hi] at 1024 into two classes */
void portpool_range_ports(struct portpool_range *r, uint16_t lo, uint16_t hi);

/* portpool_range_ids() - one class [@lo, @hi], for ICMP identifiers */
void portpool_range_ids(struct portpool_range *r, uint16_t lo, uint16_t hi);

/* portpool_range_eq() - whether @a and @b hold the same classes (field by
 * field: the struct has a byte of padding that memcmp() would read) */
bool portpool_range_eq(const struct portpool_range *a,
		       const struct portpool_range *b);

/* portpool_init() - mark every port of @r free in @pp */
void portpool_init(struct portpool *pp, const struct portpool_range *r);

/**
 * portpool_alloc() - take a port for an inside port @want
 * @pp:		the pool of one (public address, protocol)
 * @r:		its range
 * @want:	inside port, host byte order; kept if free and in range
 * @rnd:	random value choosing where the scan starts
 * @parity:	if @want is taken, prefer a port of its parity
 *
 * Return: the port taken (host byte order), or -1 if @want's class is full
 * (or became full while it scanned: other engines share the pool)
 */
int portpool_alloc(struct portpool *pp, const struct portpool_range *r,
		   uint16_t want, uint32_t rnd, bool parity);

/* portpool_take() - take exactly @port; false if used or out of range */
bool portpool_take(struct portpool *pp, const struct portpool_range *r,
		   uint16_t port);

/* portpool_take_any() - take exactly @port, even outside @r (a static
 * mapping); false if it is in use (a resting port is taken: its rest ends) */
bool portpool_take_any(struct portpool *pp, const struct portpool_range *r,
		       uint16_t port);

/* portpool_release() - give back @port taken from @pp */
void portpool_release(struct portpool *pp, const struct portpool_range *r,
		      uint16_t port);

/* portpool_rest() - @port is released but rests: it stays taken until
 * portpool_wake() gives it back */
void portpool_rest(struct portpool *pp, uint16_t port);

/* portpool_unrest() - end @port's rest, leaving it taken; false if it
 * was not resting (something took it meanwhile) */
bool portpool_unrest(struct portpool *pp, uint16_t port);

/* portpool_wake() - end @port's rest and give it back, unless something
 * took it meanwhile (then nothing happens) */
void portpool_wake(struct portpool *pp, const struct portpool_range *r,
		   uint16_t port);

/* portpool_rebase() - @pp now hands out ports of @r: recount what is free
 * (ports taken outside @r stay taken, and are not counted) */
void portpool_rebase(struct portpool *pp, const struct portpool_range *r);

/* portpool_class_size() - ports in class @c of @r */
uint32_t portpool_class_size(const struct portpool_range *r, unsigned c);

/* portpool_in_use() - true if @port is taken */
static inline bool portpool_in_use(const struct portpool *pp, uint16_t port)
{
	return __atomic_load_n(&pp->used[port / 64], __ATOMIC_RELAXED) >>
	       (port % 64) & 1;
}

/* portpool_resting() - true if @port is released and rests */
static inline bool portpool_resting(const struct portpool *pp, uint16_t port)
{
	return __atomic_load_n(&pp->resting[port / 64], __ATOMIC_RELAXED) >>
	       (port % 64) & 1;
}

#endif /* TN_PORTPOOL_H */
