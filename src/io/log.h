/* SPDX-License-Identifier: MIT */
/* log.h - leveled messages on standard error */
#ifndef TN_LOG_H
#define TN_LOG_H

#include <stdbool.h>

#include "../conf/conf.h"

/* log_set_level() - print messages at @l and more severe ones from now on */
void log_set_level(enum log_level l);

/* log_enabled() - true if a message at @l would be printed */
bool log_enabled(enum log_level l);

/* log_msg() - print "tunnat: LEVEL: message" if @l is enabled */
void log_msg(enum log_level l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * log_ratelimited() - true if a call site may log now
 * @last_s:	the call site's own state (a static, zero at first)
 * @count:	messages printed in the current window (a static)
 *
 * Allows 5 messages per call site in any 10-second window; for messages
 * that a packet can cause, so that a flood cannot flood the log.
 */
bool log_ratelimited(long *last_s, unsigned *count);

#define log_err(...)	log_msg(LVL_ERROR, __VA_ARGS__)
#define log_warn(...)	log_msg(LVL_WARNING, __VA_ARGS__)
#define log_info(...)	log_msg(LVL_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LVL_DEBUG, __VA_ARGS__)

/* LOG_RATELIMIT() - log_msg() with log_ratelimited() state of its own */
#define LOG_RATELIMIT(l, ...)						\
	do {								\
		static long lr_last_;					\
		static unsigned lr_count_;				\
		if (log_enabled(l) &&					\
		    log_ratelimited(&lr_last_, &lr_count_))		\
			log_msg(l, __VA_ARGS__);			\
	} while (0)

#endif /* TN_LOG_H */
