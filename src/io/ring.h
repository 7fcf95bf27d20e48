/* SPDX-License-Identifier: MIT */
/* ring.h - a lock-free ring of variable-sized records, one writer thread
 * and one reader thread
 *
 * The handoff path between workers: a worker that read a packet another
 * worker owns copies it into the ring from itself to that worker, which
 * translates it in place, in the ring, and writes it out.  Records are
 * contiguous and 64-byte aligned; one that would cross the end of the
 * buffer is put at its start, after a filler record.  The writer owns
 * @head and the reader @tail; each publishes its index with a release
 * store and reads the other's with an acquire load, so a record is whole
 * before the reader sees it and free before the writer reuses it.  A full
 * ring refuses a record (the caller drops and counts it): nothing grows
 * without bound.
 */
#ifndef TN_RING_H
#define TN_RING_H

#include <stddef.h>
#include <stdint.h>

#define RING_ALIGN	64

struct ring {
	_Alignas(64) uint64_t head;	/* bytes ever reserved by the writer */
	_Alignas(64) uint64_t tail;	/* bytes ever released by the reader */
	_Alignas(64) uint8_t *buf;
	size_t size;			/* a power of two */
	uint64_t head_cached, tail_cached;	/* writer's, reader's */
};

/* ring_init() - a ring of @size bytes (a power of two); 0 or -ENOMEM */
int ring_init(struct ring *r, size_t size);

/* ring_fini() - free what ring_init() took */
void ring_fini(struct ring *r);

/**
 * ring_reserve() - room for a record of @len bytes, for the writer
 *
 * Return: where to write it, or NULL if the ring is full; ring_commit()
 * makes it visible
 */
void *ring_reserve(struct ring *r, size_t len);

/* ring_commit() - publish the record ring_reserve() returned */
void ring_commit(struct ring *r);

/**
 * ring_peek() - the oldest record, for the reader
 *
 * Return: the record (the writer's @len bytes at least), or NULL if there
 * is none; ring_release() frees it
 */
void *ring_peek(struct ring *r);

/* ring_release() - free the record ring_peek() returned */
void ring_release(struct ring *r);

#endif /* TN_RING_H */
