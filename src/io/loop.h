/* SPDX-License-Identifier: MIT */
/* loop.h - the event loop: move packets between the devices and the engine */
#ifndef TN_LOOP_H
#define TN_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "../nat/nat.h"
#include "tun.h"

/* Exit statuses the loop can end with (sysexits(3)). */
#define EXIT_DEVICE_LOST	74	/* EX_IOERR: a device went away */

struct loop;

/**
 * loop_new() - set up the loop for @nw workers and the two devices
 * @n:		the engine of each worker
 * @sh:		the pool they share (steering), with several workers
 * @inside:	device to the LAN: packets read here are DIR_OUT; worker i
 *		reads its queue @inside->qfd[i]
 * @uring:	read and write the devices through io_uring, if the kernel
 *		allows it (else, logged, with read(2) and write(2))
 * @outside:	device to the WAN: packets read here are DIR_IN
 *
 * Nothing is read before loop_run(); handles of other modules may be
 * added to loop_uv() meanwhile (before privileges are dropped).
 *
 * Return: the loop, or NULL (logged)
 */
struct loop *loop_new(struct nat *const *n, unsigned nw,
		      struct nat_shared *sh, struct tun *inside,
		      struct tun *outside, bool uring);

/* loop_uv() - the libuv loop of @l */
uv_loop_t *loop_uv(struct loop *l);

/* loop_on_hup() - have SIGHUP call @fn(@arg) */
void loop_on_hup(struct loop *l, void (*fn)(void *arg), void *arg);

/* loop_drain() - write what nat_pending() holds for engine @n */
void loop_drain(struct loop *l, struct nat *n);

/* loop_counters() - packets lost to failed writes per device written
 * (DIR_OUT: inside), superpackets that could not be cut */
void loop_counters(const struct loop *l, uint64_t write_errors[DIR_N],
		   uint64_t *gso_errors);

/* loop_queue_full() - packets the kernel dropped since loop_new() because
 * tunnat's queues of a device were full, by device read (DIR_OUT: inside);
 * 0 where the count cannot be read.  Makes a system call: not for the
 * workers. */
void loop_queue_full(const struct loop *l, uint64_t full[DIR_N]);

/**
 * loop_run() - forward packets until SIGTERM or SIGINT
 *
 * Return: the process exit status: 0 after SIGTERM/SIGINT,
 * EXIT_DEVICE_LOST if a device failed, 71 if libuv could not start
 */
int loop_run(struct loop *l);

/* loop_free() - close what is still open, run the loop dry, log the
 * counters, free @l; NULL is allowed */
void loop_free(struct loop *l);

/* loop_event_log() - log an engine event (struct nat_config's @event) */
void loop_event_log(void *arg, const struct nat_event *ev);

/* loop_log_stats() - log the engines' and the loop's counters at info
 * level, summed over the workers */
void loop_log_stats(struct loop *l);

/* loop_handoffs() - records given from one worker to another, and those
 * dropped because the ring to that worker was full (several workers) */
void loop_handoffs(const struct loop *l, uint64_t *handed,
		   uint64_t *ring_full);

/**
 * loop_pause() - park every worker at a safe point between batches, so
 * that the calling thread (the first, which serves the control socket
 * and the signals) may touch the engines and the workers' counters;
 * loop_resume() lets them go.  Nothing with one worker, or before
 * loop_run() started the workers.
 */
void loop_pause(struct loop *l);
void loop_resume(struct loop *l);

#endif /* TN_LOOP_H */
