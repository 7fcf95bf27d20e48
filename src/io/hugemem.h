/* SPDX-License-Identifier: MIT */
/* hugemem.h - big zeroed arrays, on transparent huge pages where allowed */
#ifndef TN_HUGEMEM_H
#define TN_HUGEMEM_H

#include <stddef.h>

/**
 * hugemem_alloc() - @bytes of zeroed, 64-byte aligned memory
 *
 * Anonymous pages reserved, not touched: they become resident as they are
 * written.  madvise(MADV_HUGEPAGE) asks for 2 MiB pages, which cut TLB
 * misses when a million sessions are looked up at random.
 *
 * Return: the memory, or NULL
 */
void *hugemem_alloc(size_t bytes);

/* hugemem_free() - give back @p, from hugemem_alloc(@bytes) */
void hugemem_free(void *p, size_t bytes);

#endif /* TN_HUGEMEM_H */
