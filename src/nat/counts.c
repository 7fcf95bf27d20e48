/* SPDX-License-Identifier: MIT */
/* counts.c - a count per IPv4 address: sessions per host, calls per server
 *
 * Open addressing with linear probing, keyed by SipHash of the address
 * (remote hosts choose addresses), deletion by backward shift so that no
 * tombstones pile up.  An address with a count of 0 has no entry.  The
 * table is sized at load <= 1/2 for the most addresses that can be counted
 * at once, so it never fills.
 */

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

#include "nat_int.h"
#include "siphash.h"

static uint32_t home(const struct addr_counts *ac, const uint64_t hkey[2],
		     uint32_t addr)
{
	return (uint32_t)siphash13_2w(hkey, addr, 0x636f756e74) & ac->mask;
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
	uint32_t i, j;

	if (!delta)
		return;
	assert(e && e->n >= delta);
	e->n -= delta;
	if (e->n)
		return;
	i = (uint32_t)(e - ac->e);
	/* backward shift: pull later entries of the run into the hole */
	for (j = (i + 1) & ac->mask; ac->e[j].n; j = (j + 1) & ac->mask) {
		uint32_t h = home(ac, hkey, ac->e[j].addr);

		if (((j - h) & ac->mask) >= ((j - i) & ac->mask)) {
			ac->e[i] = ac->e[j];
			ac->e[j].n = 0;
			i = j;
		}
	}
}
