/* SPDX-License-Identifier: MIT */
/* ring.c - a lock-free single-writer, single-reader ring of records
 *
 * Each record starts with a 64-bit word: its size in bytes (a multiple of
 * RING_ALIGN, the word included), with FILLER set for the padding that
 * takes a record to the start of the buffer.  The writer remembers the
 * last tail it read (@tail_cached) and the reader the last head, so each
 * side touches the other's cache line only when its own view runs out.
 */

#include <errno.h>
#include <stdlib.h>

#include "ring.h"

#define FILLER		(1ULL << 63)
#define WORD		8

int ring_init(struct ring *r, size_t size)
{
	void *p = NULL;

	*r = (struct ring){ .size = size };
	if (size & (size - 1) || size < 4 * RING_ALIGN ||
	    posix_memalign(&p, RING_ALIGN, size))
		return -ENOMEM;
	r->buf = p;
	return 0;
}

void ring_fini(struct ring *r)
{
	free(r->buf);
	r->buf = NULL;
}

static size_t round_up(size_t len)
{
	return (len + WORD + RING_ALIGN - 1) & ~(size_t)(RING_ALIGN - 1);
}

/* Does the writer have @need bytes free from @head on? */
static int room(struct ring *r, uint64_t head, size_t need)
{
	if (head + need - r->tail_cached <= r->size)
		return 1;
	r->tail_cached = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
	return head + need - r->tail_cached <= r->size;
}

void *ring_reserve(struct ring *r, size_t len)
{
	uint64_t head = r->head, *word;
	size_t need = round_up(len), at = head & (r->size - 1);
	size_t to_end = r->size - at;

	if (need > r->size / 2)
		return NULL;
	if (need > to_end) {
		/* a filler to the end, then the record at the start */
		if (!room(r, head, to_end + need))
			return NULL;
		word = (uint64_t *)(void *)(r->buf + at);
		*word = FILLER | to_end;
		head += to_end;
		__atomic_store_n(&r->head, head, __ATOMIC_RELEASE);
		at = 0;
	} else if (!room(r, head, need)) {
		return NULL;
	}
	word = (uint64_t *)(void *)(r->buf + at);
	*word = need;
	return r->buf + at + WORD;
}

void ring_commit(struct ring *r)
{
	uint64_t head = r->head;	/* past a filler ring_reserve() put */
	const uint64_t *word = (const void *)(r->buf + (head & (r->size - 1)));

	__atomic_store_n(&r->head, head + *word, __ATOMIC_RELEASE);
}

void *ring_peek(struct ring *r)
{
	const uint64_t *word;

	for (;;) {
		if (r->tail == r->head_cached) {
			r->head_cached = __atomic_load_n(&r->head,
							 __ATOMIC_ACQUIRE);
			if (r->tail == r->head_cached)
				return NULL;
		}
		word = (const void *)(r->buf + (r->tail & (r->size - 1)));
		if (!(*word & FILLER))
			return (uint8_t *)(uintptr_t)word + WORD;
		/* skip the filler */
		__atomic_store_n(&r->tail, r->tail + (*word & ~FILLER),
				 __ATOMIC_RELEASE);
	}
}

void ring_release(struct ring *r)
{
	const uint64_t *word = (const void *)(r->buf +
					      (r->tail & (r->size - 1)));

	__atomic_store_n(&r->tail, r->tail + *word, __ATOMIC_RELEASE);
}
