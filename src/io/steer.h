/* SPDX-License-Identifier: MIT */
/* steer.h - BPF programs that pick each packet's queue, as nat_steer() would */
#ifndef TN_STEER_H
#define TN_STEER_H

#include "../nat/nat.h"
#include "tun.h"

struct steer;

/**
 * steer_new() - load a steering program into each of @inside and @outside
 * (multi-queue, the same number of fair queues per worker of @sh, in
 * worker order), and, with several workers, keep @sh's owner arrays where
 * the programs read them
 * @sh:		the engines' pool, or NULL with one worker
 * @err:	set to a negative errno on failure
 *
 * Needs CAP_BPF or CAP_SYS_ADMIN (unprivileged BPF is off on Debian), so
 * it runs before the privileges are dropped; nothing afterwards makes a
 * system call.  Call it before any engine runs.
 *
 * Return: the programs' state, or NULL (then the kernel spreads packets
 * by its own flow hash, and the workers hand them to their owners)
 */
struct steer *steer_new(struct nat_shared *sh, const struct tun *inside,
			const struct tun *outside, int *err);

/* steer_sync() - tell the programs the pool's addresses again, after
 * nat_shared_pool_set() (a reload), while no worker runs */
void steer_sync(struct steer *s);

/* steer_slots() - how many slots of the pool the programs steer by port
 * owner (the rest go by a hash of the source, and are handed off) */
unsigned steer_slots(const struct steer *s);

/* steer_free() - unmap what steer_new() mapped, after every engine */
void steer_free(struct steer *s);

#endif
