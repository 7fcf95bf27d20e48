/* SPDX-License-Identifier: MIT */
/* log.c - leveled messages on standard error or to syslog, with per-site
 * rate limits that say what they suppressed
 *
 * A message is formatted into one line and written with one call, so that
 * concurrent writers do not interleave.  On standard error it reads
 * "tunnat: LEVEL: message" (systemd and container runtimes add the time);
 * to syslog it goes at the matching priority, facility LOG_DAEMON.
 *
 * Rate limits: a call site (LOG_RATELIMIT) prints at most RATELIMIT_BURST
 * messages in a window of RATELIMIT_WINDOW_S seconds.  The first message
 * it suppresses is kept, the others only counted, and the site joins a
 * list; once its window is over, log_rl_flush() (from the loop's timer) or
 * the site's next message prints one line with the count and the first
 * suppressed message, so that a flood shows in the log as a few lines and
 * a number, and nothing is lost silently.
 */

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

#define RATELIMIT_WINDOW_S	10
#define RATELIMIT_BURST		5

/* Workers log from their own threads: messages and the rate limits' state
 * are taken under one lock (recursive: a report is itself a message). */
static pthread_mutex_t log_mu = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

static enum log_level log_level = LVL_INFO;
static enum log_target log_target = LOG_TO_STDERR;
static struct log_rl *rl_list;
static uint64_t suppressed_total;

void log_set_level(enum log_level l)
{
	log_level = l;
}

bool log_enabled(enum log_level l)
{
	return l <= log_level;
}

void log_set_target(enum log_target t)
{
	if (t == log_target)
		return;
	if (t == LOG_TO_SYSLOG)
		openlog("tunnat", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	else
		closelog();
	log_target = t;
}

const char *log_target_name(enum log_target t)
{
	return t == LOG_TO_SYSLOG ? "syslog" : "stderr";
}

static int syslog_priority(enum log_level l)
{
	switch (l) {
	case LVL_ERROR:
		return LOG_ERR;
	case LVL_WARNING:
		return LOG_WARNING;
	case LVL_INFO:
		return LOG_INFO;
	case LVL_DEBUG:
		break;
	}
	return LOG_DEBUG;
}

void log_line(enum log_level l, const char *tag, const char *line)
{
	pthread_mutex_lock(&log_mu);
	if (log_target == LOG_TO_SYSLOG)
		syslog(syslog_priority(l), "%s%s%s", tag ? tag : "",
		       tag ? ": " : "", line);
	else
		fprintf(stderr, "tunnat: %s: %s\n",
			tag ? tag : conf_log_level_str(l), line);
	pthread_mutex_unlock(&log_mu);
}

static void log_vmsg(enum log_level l, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void log_vmsg(enum log_level l, const char *fmt, va_list ap)
{
	char line[4096];	/* the longest, the stats line, fits */

	vsnprintf(line, sizeof(line), fmt, ap);
	pthread_mutex_lock(&log_mu);
	if (log_target == LOG_TO_SYSLOG)
		syslog(syslog_priority(l), "%s", line);
	else
		fprintf(stderr, "tunnat: %s: %s\n", conf_log_level_str(l),
			line);
	pthread_mutex_unlock(&log_mu);
}

void log_msg(enum log_level l, const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(l))
		return;
	va_start(ap, fmt);
	log_vmsg(l, fmt, ap);
	va_end(ap);
}

static long now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec;
}

/* Say what @rl suppressed in its window, and start a new window. */
static void rl_report(struct log_rl *rl, long now)
{
	if (rl->suppressed)
		log_msg(rl->level, "suppressed %u more message%s like this in %ld s: %s",
			rl->suppressed, rl->suppressed > 1 ? "s" : "",
			now - rl->window_s < RATELIMIT_WINDOW_S ?
			now - rl->window_s : RATELIMIT_WINDOW_S, rl->first);
	rl->window_s = now;
	rl->count = 0;
	rl->suppressed = 0;
}

void log_rl_msg(struct log_rl *rl, enum log_level l, const char *fmt, ...)
{
	long now = now_s();
	va_list ap;

	pthread_mutex_lock(&log_mu);
	if (now - rl->window_s >= RATELIMIT_WINDOW_S)
		rl_report(rl, now);
	va_start(ap, fmt);
	if (rl->count < RATELIMIT_BURST) {
		rl->count++;
		log_vmsg(l, fmt, ap);
	} else {
		/* only the first is formatted: a flood costs a counter */
		if (!rl->suppressed++) {
			vsnprintf(rl->first, sizeof(rl->first), fmt, ap);
			rl->level = l;
		}
		suppressed_total++;
		if (!rl->listed) {
			rl->listed = true;
			rl->next = rl_list;
			rl_list = rl;
		}
	}
	va_end(ap);
	pthread_mutex_unlock(&log_mu);
}

void log_rl_flush(void)
{
	struct log_rl **pp = &rl_list;
	long now = now_s();

	pthread_mutex_lock(&log_mu);
	while (*pp) {
		struct log_rl *rl = *pp;

		if (now - rl->window_s >= RATELIMIT_WINDOW_S)
			rl_report(rl, now);
		if (!rl->suppressed) {
			*pp = rl->next;
			rl->listed = false;
			rl->next = NULL;
		} else {
			pp = &rl->next;
		}
	}
	pthread_mutex_unlock(&log_mu);
}

uint64_t log_suppressed_total(void)
{
	uint64_t n;

	pthread_mutex_lock(&log_mu);
	n = suppressed_total;
	pthread_mutex_unlock(&log_mu);
	return n;
}
