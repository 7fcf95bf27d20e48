/* SPDX-License-Identifier: MIT */
/* engines.h - the running configuration, the engines made from it, and
 * reloading both */
#ifndef TN_ENGINES_H
#define TN_ENGINES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "conf/conf.h"
#include "nat/nat.h"

#define ENGINES_MAX	NAT_WORKERS_MAX	/* one per worker thread */

/**
 * struct engines - everything a reload replaces or keeps
 * @path:	the configuration file (tunnat -c)
 * @c:		the configuration in force
 * @nat:	the engines, @n of them
 * @mtu_in, @mtu_out: the devices' MTUs, which the engines were made for
 * @level:	the log level -l forces, or -1
 * @uid, @gid:	the account tunnat runs as
 */
struct engines {
	const char *path;
	struct config *c;
	struct nat *nat[ENGINES_MAX];
	unsigned n;
	struct nat_shared *sh;
	unsigned workers;
	unsigned mtu_in, mtu_out;
	int level;
	uid_t uid;
	gid_t gid;
};

/**
 * engines_start() - make the engines for @e->c, @e->workers of them
 * (one per worker, sharing one public pool when more than one),
 * and apply its log settings (log level, target, mapping log)
 *
 * Return: 0, or a negative errno (logged)
 */
int engines_start(struct engines *e);

/* engines_workers() - the worker count @c asks for: workers, or for
 * "auto" one per online CPU (at most ENGINES_MAX) */
unsigned engines_workers(const struct config *c);

/* engines_free() - free the engines and the configuration */
void engines_free(struct engines *e);

/**
 * engines_reload() - read @e->path again and swap it in at @now_ms
 * @out:	one line per message: each key that changed, or each reason
 *		the file was refused
 *
 * The new file is read and checked whole before anything changes.  It is
 * refused, and the running configuration stays, if it has any error, if
 * it changes a key that only a restart can apply (each is named), or if
 * the engine refuses it (a forward on a port a mapping holds).
 * Otherwise every engine takes it (nat_reconfigure(): every session
 * stays) and so do the log settings.
 *
 * Return: 0 if applied (or nothing changed); -EINVAL (refused), or
 * another negative errno (the file could not be read, out of memory)
 */
int engines_reload(struct engines *e, FILE *out, uint64_t now_ms);

/* engines_print() - the configuration in force, as YAML that tunnat -t
 * accepts.  Return: 0 or a negative errno */
int engines_print(const struct engines *e, FILE *out);

#endif /* TN_ENGINES_H */
