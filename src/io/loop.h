/* SPDX-License-Identifier: MIT */
/* loop.h - the event loop: move packets between the devices and the engine */
#ifndef TN_LOOP_H
#define TN_LOOP_H

#include "../nat/nat.h"
#include "tun.h"

/* Exit statuses the loop can end with (sysexits(3)). */
#define EXIT_DEVICE_LOST	74	/* EX_IOERR: a device went away */

/**
 * loop_run() - forward packets until SIGTERM or SIGINT
 * @n:		the engine
 * @inside:	device to the LAN: packets read here are DIR_OUT
 * @outside:	device to the WAN: packets read here are DIR_IN
 *
 * Return: the process exit status: 0 after SIGTERM/SIGINT,
 * EXIT_DEVICE_LOST if a device failed, 71 if libuv could not start
 */
int loop_run(struct nat *n, struct tun *inside, struct tun *outside);

/* loop_event_log() - log an engine event (struct nat_config's @event) */
void loop_event_log(void *arg, const struct nat_event *ev);

/* loop_log_stats() - log the engine's and the loop's counters at info level */
void loop_log_stats(struct nat *n);

#endif /* TN_LOOP_H */
