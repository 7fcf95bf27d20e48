/* SPDX-License-Identifier: MIT */
/* hugemem.c - anonymous mappings for the session table, THP-advised
 *
 * Transparent huge pages back only 2 MiB-aligned ranges of a mapping.  So
 * the mapping is placed at a 2 MiB boundary (a larger one is reserved and
 * its ends are cut off), and its length is rounded to ordinary pages only:
 * the head is all huge pages, and a partial tail stays in 4 KiB pages
 * instead of taking a whole huge page for a few bytes.
 */

#include <sys/mman.h>

#include <stdint.h>
#include <unistd.h>

#include "hugemem.h"

#define HUGE_PAGE	((size_t)2 << 20)

static size_t page_round(size_t bytes)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	return (bytes + pg - 1) & ~(pg - 1);
}

void *hugemem_alloc(size_t bytes)
{
	size_t len = page_round(bytes), head, tail;
	uint8_t *p, *aligned;

	p = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	aligned = (uint8_t *)(((uintptr_t)p + HUGE_PAGE - 1) &
			      ~(uintptr_t)(HUGE_PAGE - 1));
	head = (size_t)(aligned - p);
	tail = HUGE_PAGE - head;
	if (head)
		munmap(p, head);
	if (tail)
		munmap(aligned + len, tail);
	/* only advice: without THP the memory works the same */
	madvise(aligned, len, MADV_HUGEPAGE);
	return aligned;
}

void hugemem_free(void *p, size_t bytes)
{
	munmap(p, page_round(bytes));
}
