/* SPDX-License-Identifier: MIT */
/* stats.h - every counter of the daemon as "PATH=N" reply lines
 *
 * The daemon sums the counters of its engines (one today; one per worker
 * later, each owning its own sessions) and writes them with stats_write()
 * as lines such as "drops/no-session=3" or "ports/203.0.113.1/udp/used=2":
 * a path of '/'-separated names, and an unsigned decimal.  tunnatctl
 * turns the same lines into JSON (export.c nests the names) and into the
 * Prometheus text format (export.c maps each path to a metric).
 */
#ifndef TN_CTL_STATS_H
#define TN_CTL_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "../nat/nat.h"

/**
 * struct stats_extra - the daemon's own counters, beside the engines'
 * @write_errors:	packets lost to failed writes, by device written
 *			(DIR_OUT: the inside device)
 * @queue_full:	packets the kernel dropped because tunnat's queues
 *			of a device were full, by device read
 * @gso_errors:		superpackets that could not be cut
 * @log_suppressed:	messages the log's rate limits suppressed
 * @maplog_lines:	lines written to the mapping log
 * @maplog_lost:	lines of the mapping log that could not be written
 * @ctl_clients:	control clients connected now
 * @ctl_requests:	requests answered
 * @ctl_dropped:	clients dropped (too slow, too many, silent)
 */
struct stats_extra {
	uint64_t write_errors[DIR_N];
	uint64_t queue_full[DIR_N];
	uint64_t gso_errors;
	uint64_t log_suppressed;
	uint64_t maplog_lines;
	uint64_t maplog_lost;
	uint64_t ctl_clients;
	uint64_t ctl_requests;
	uint64_t ctl_dropped;
};

/* stats_add() - add every counter and gauge of @b to @a */
void stats_add(struct nat_stats *a, const struct nat_stats *b);

/* stats_port_add() - add the port use @b to @a, of the same address */
void stats_port_add(struct nat_port_use *a, const struct nat_port_use *b);

/* stats_dir_name() - "outbound" (DIR_OUT: read inside) or "inbound" */
const char *stats_dir_name(enum pkt_dir d);

/**
 * stats_write() - every counter as a "PATH=N\n" line, grouped by path
 * (all the lines under one name come together), to @f
 * @ports:	port use of each public address, @nports of them
 */
void stats_write(FILE *f, const struct nat_stats *st,
		 const struct nat_port_use *ports, unsigned nports,
		 const struct stats_extra *x);

#endif /* TN_CTL_STATS_H */
