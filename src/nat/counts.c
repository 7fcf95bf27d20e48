/* SPDX-License-Identifier: MIT */
/* counts.c - a count per IPv4 address: sessions per host, calls per server
 *
 * Open addressing with linear probing, deletion by backward shift so that
 * no tombstones pile up.  An address with a count of 0 has no entry.  The
 * table is sized at load <= 1/2 for the most addresses that can be counted
 * at once, so it never fills.
 *
 * An address's home slot is SipHash of its /24 (remote hosts choose
 * addresses) plus its last octet.  The hosts of one /24 thus sit in one
 * run of at most 256 slots (2 KiB) wherever the table puts it, and a
 * table sized for a million hosts but used by a LAN of a few thousand
 * touches a few pages of its 16 MiB, not all of them.  Within a run, an
 * address is at its home unless another /24's run overlaps it.
 */

#include <arpa/inet.h>

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

#include "nat_int.h"
#include "siphash.h"

/* The keyed hash of the /24 of @addr (network order). */
static uint64_t prefix_hash(const uint64_t hkey[2], uint32_t addr)
{
	return siphash13_2w(hkey, ntohl(addr) >> 8, 0x636f756e74);
}

/* The home slot of @addr, whose /24 hashes to @ph. */
static uint32_t home_of(const struct addr_counts *ac, uint64_t ph,
			uint32_t addr)
{
	return (uint32_t)(ph + (ntohl(addr) & 0xff)) & ac->mask;
}

static uint32_t home(const struct addr_counts *ac, const uint64_t hkey[2],
		     uint32_t addr)
{
	return home_of(ac, prefix_hash(hkey, addr), addr);
}

int addr_counts_init(struct addr_counts *ac, uint64_t want)
{
	uint64_t size = 64;

	while (size < 2 * want)
		size <<= 1;
	ac->mask = (uint32_t)(size - 1);
	ac->e = calloc(size, sizeof(*ac->e));
	return ac->e ? 0 : -ENOMEM;
}

void addr_counts_fini(struct addr_counts *ac)
{
	free(ac->e);
	ac->e = NULL;
}

static struct addr_count *find(const struct addr_counts *ac,
			       const uint64_t hkey[2], uint32_t addr, bool add)
{
	uint32_t i = home(ac, hkey, addr);

	for (;; i = (i + 1) & ac->mask) {
		struct addr_count *e = &ac->e[i];

		if (e->n && e->addr == addr)
			return e;
		if (!e->n) {
			if (!add)
				return NULL;
			e->addr = addr;
			return e;
		}
	}
}

uint32_t addr_count(const struct addr_counts *ac, const uint64_t hkey[2],
		    uint32_t addr)
{
	const struct addr_count *e = find(ac, hkey, addr, false);

	return e ? e->n : 0;
}

void addr_count_add(struct addr_counts *ac, const uint64_t hkey[2],
		    uint32_t addr, uint32_t delta)
{
	if (delta)
		find(ac, hkey, addr, true)->n += delta;
}

void addr_count_sub(struct addr_counts *ac, const uint64_t hkey[2],
		    uint32_t addr, uint32_t delta)
{
	struct addr_count *e = find(ac, hkey, addr, false);
	uint32_t i, j, prefix = UINT32_MAX;	/* no /24 hashed yet */
	uint64_t ph = 0;

	if (!delta)
		return;
	assert(e && e->n >= delta);
	e->n -= delta;
	if (e->n)
		return;
	i = (uint32_t)(e - ac->e);
	/* backward shift: pull later entries of the run into the hole (a
	 * run is mostly one /24's: hash each /24 once as it comes) */
	for (j = (i + 1) & ac->mask; ac->e[j].n; j = (j + 1) & ac->mask) {
		uint32_t slash24 = ntohl(ac->e[j].addr) >> 8, h;

		if (slash24 != prefix) {
			prefix = slash24;
			ph = prefix_hash(hkey, ac->e[j].addr);
		}
		h = home_of(ac, ph, ac->e[j].addr);

		if (((j - h) & ac->mask) >= ((j - i) & ac->mask)) {
			ac->e[i] = ac->e[j];
			ac->e[j].n = 0;
			i = j;
		}
	}
}
