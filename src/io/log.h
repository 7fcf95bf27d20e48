/* SPDX-License-Identifier: MIT */
/* log.h - leveled messages on standard error or to syslog, rate-limited
 * per call site with a count of what was suppressed */
#ifndef TN_LOG_H
#define TN_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "../conf/conf.h"

/* log_set_level() - print messages at @l and more severe ones from now on */
void log_set_level(enum log_level l);

/* log_enabled() - true if a message at @l would be printed */
bool log_enabled(enum log_level l);

/* log_set_target() - send messages to @t from now on (opens syslog) */
void log_set_target(enum log_target t);

/* log_target_name() - "stderr" or "syslog" */
const char *log_target_name(enum log_target t);

/* log_msg() - print "tunnat: LEVEL: message" if @l is enabled */
void log_msg(enum log_level l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* log_line() - print @line, a whole message, at @l whatever the level
 * (the mapping log, which log.mappings turns on) */
void log_line(enum log_level l, const char *tag, const char *line);

/**
 * struct log_rl - the rate limit of one call site (a static, zero at first)
 * @window_s:	when its current window began (monotonic seconds)
 * @count:	messages printed in that window
 * @suppressed:	messages not printed in it
 * @level:	level of the first suppressed one
 * @first:	text of the first suppressed one
 * @next, @listed: on the list of sites with suppressed messages
 */
struct log_rl {
	long window_s;
	unsigned count;
	unsigned suppressed;
	enum log_level level;
	char first[160];
	struct log_rl *next;
	bool listed;
};

/**
 * log_rl_msg() - log_msg() for a message that a packet or a peer can
 * cause: at most 5 per call site in any 10-second window; once the window
 * is over, one line says how many more there were, quoting the first
 */
void log_rl_msg(struct log_rl *rl, enum log_level l, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* log_rl_flush() - report the windows that ended with suppressed
 * messages (call it every second or so) */
void log_rl_flush(void);

/* log_suppressed_total() - messages suppressed by rate limits so far */
uint64_t log_suppressed_total(void);

#define log_err(...)	log_msg(LVL_ERROR, __VA_ARGS__)
#define log_warn(...)	log_msg(LVL_WARNING, __VA_ARGS__)
#define log_info(...)	log_msg(LVL_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LVL_DEBUG, __VA_ARGS__)

/* LOG_RATELIMIT() - log_rl_msg() with a struct log_rl of its own */
#define LOG_RATELIMIT(l, ...)						\
	do {								\
		static struct log_rl lr_;				\
		if (log_enabled(l))					\
			log_rl_msg(&lr_, l, __VA_ARGS__);		\
	} while (0)

#endif /* TN_LOG_H */
