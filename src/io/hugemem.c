/* SPDX-License-Identifier: MIT */
/* hugemem.c - anonymous mappings for the session table, THP-advised */

#include <sys/mman.h>

#include "hugemem.h"

#define HUGE_PAGE	(2u << 20)

static size_t round_up(size_t bytes)
{
	return (bytes + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
}

void *hugemem_alloc(size_t bytes)
{
	size_t len = round_up(bytes);
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	/* only advice: without THP the memory works the same */
	madvise(p, len, MADV_HUGEPAGE);
	return p;
}

void hugemem_free(void *p, size_t bytes)
{
	munmap(p, round_up(bytes));
}
