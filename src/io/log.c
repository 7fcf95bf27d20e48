/* SPDX-License-Identifier: MIT */
/* log.c - leveled messages on standard error, with per-site rate limits */

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "log.h"

#define RATELIMIT_WINDOW_S	10
#define RATELIMIT_BURST		5

static enum log_level log_level = LVL_INFO;

void log_set_level(enum log_level l)
{
	log_level = l;
}

bool log_enabled(enum log_level l)
{
	return l <= log_level;
}

void log_msg(enum log_level l, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (!log_enabled(l))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* one write per line, so concurrent writers do not interleave */
	fprintf(stderr, "tunnat: %s: %s\n", conf_log_level_str(l), line);
}

bool log_ratelimited(long *last_s, unsigned *count)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	if (ts.tv_sec - *last_s >= RATELIMIT_WINDOW_S) {
		*last_s = ts.tv_sec;
		*count = 0;
	}
	return (*count)++ < RATELIMIT_BURST;
}
