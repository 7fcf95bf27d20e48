/* SPDX-License-Identifier: MIT */
/* ctl.h - the control socket: tunnatctl's requests, served in the loop */
#ifndef TN_CTL_H
#define TN_CTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <uv.h>

#include "../ctl/stats.h"
#include "../nat/nat.h"

/**
 * struct ctl_env - what the control socket serves, and how
 * @engines:	the engines, @nengines of them (each walked on its own)
 * @pool_shared: the engines share one public pool: its port use is
 *		counted once
 * @arg:	passed to each callback
 * @pause:	if set, called with true before anything that touches the
 *		engines (or calls @drain, @extra, @reload, @config) and with
 *		false after: the engines run in other threads meanwhile
 * @drain:	write what nat_pending() holds for @n (after nat_flush())
 * @extra:	fill in the daemon's counters beside the engines'
 * @reload:	read the configuration again; write one line per message
 *		(each change, or each reason for refusing) to @out.
 *		Return: 0 if applied, else a negative errno (refused)
 * @config:	write the running configuration as YAML to @out.
 *		Return: 0 or a negative errno
 */
struct ctl_env {
	struct nat *const *engines;
	unsigned nengines;
	bool pool_shared;
	void *arg;
	void (*pause)(void *arg, bool on);
	void (*drain)(void *arg, struct nat *n);
	void (*extra)(void *arg, struct stats_extra *x);
	int (*reload)(void *arg, FILE *out);
	int (*config)(void *arg, FILE *out);
};

struct ctl;

/**
 * ctl_open() - listen on the Unix socket @path, in loop @uv
 * @uid, @gid:	owner and group of the socket file (mode 0660)
 * @env:	copied
 *
 * To be called while tunnat may still create files where the socket
 * goes (before privileges are dropped).  A socket file that nothing
 * listens on (left by a tunnat that stopped) is replaced; a file that is
 * not a socket, or a socket that another process serves, is an error.
 * Every failure is logged.
 *
 * Return: 0, or a negative errno
 */
int ctl_open(struct ctl **cp, uv_loop_t *uv, const char *path, uid_t uid,
	     gid_t gid, const struct ctl_env *env);

/* ctl_close() - stop serving: close every client and the socket, and
 * remove the socket file if allowed; the memory goes as the loop runs
 * the handles' close callbacks.  NULL is allowed. */
void ctl_close(struct ctl *c);

/* ctl_counts() - clients connected, requests answered, clients dropped */
void ctl_counts(const struct ctl *c, uint64_t *clients, uint64_t *requests,
		uint64_t *dropped);

#endif /* TN_CTL_H */
