/* SPDX-License-Identifier: MIT */
/* maplog.h - the mapping log: a line per mapping, session and call made
 * and ended (log.mappings, RFC 6888 section 4) */
#ifndef TN_MAPLOG_H
#define TN_MAPLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../nat/nat.h"

#define MAPLOG_LINE_MAX	256

/**
 * maplog_set() - log mappings (@on) to the file @path, or to the log if
 * @path is NULL or ""; the same @path keeps the open file
 * @dests:	name remote endpoints (call lines; session lines come only
 *		when the engine reports sessions, which it does with it)
 * @uid, @gid:	if tunnat runs as root, a file it creates is given to
 *		them (the account it runs as later), so that it can be
 *		reopened after privileges are dropped
 *
 * A file is opened for appending, created with mode 0640 if missing.
 * Nothing changes unless the new file opens.
 *
 * Return: 0, or a negative errno (the file could not be opened)
 */
int maplog_set(bool on, bool dests, const char *path, uid_t uid, gid_t gid);

/* maplog_reopen() - open the file again by its name (after logrotate
 * moved it); keeps the old one if that fails.  Return: 0 or -errno */
int maplog_reopen(void);

/* maplog_close() - flush and close */
void maplog_close(void);

/* maplog_enabled() - whether mappings are being logged */
bool maplog_enabled(void);

/**
 * maplog_event() - the line for @ev, if it is one the mapping log takes
 * (MAPPING_*, SESSION_*, CALL_UP, CALL_DOWN) and logging is on; kept in a
 * buffer that maplog_flush() writes out (and that a full buffer writes at
 * once)
 */
void maplog_event(const struct nat_event *ev);

/* maplog_flush() - write the buffered lines */
void maplog_flush(void);

/**
 * maplog_format() - the line for @ev at @when_ms (Unix time), without a
 * newline: "2026-11-27T12:34:56.789Z session-up tcp inside=... public=...
 * remote=..." (see tunnat(8))
 * @buf:	MAPLOG_LINE_MAX bytes
 * @dests:	a call line names the remote host and its Call ID
 *
 * Return: its length, or 0 for an event the mapping log does not take
 */
size_t maplog_format(char *buf, const struct nat_event *ev, uint64_t when_ms,
		     bool dests);

/* maplog_counts() - lines written, and lines lost to failed writes */
void maplog_counts(uint64_t *lines, uint64_t *lost);

#endif /* TN_MAPLOG_H */
