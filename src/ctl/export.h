/* SPDX-License-Identifier: MIT */
/* export.h - tunnatctl's views of the counters: JSON, Prometheus, text */
#ifndef TN_CTL_EXPORT_H
#define TN_CTL_EXPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define EXPORT_PATH_MAX	128	/* bytes of a counter's path, NUL too */

/* One "PATH=N" line of a stats reply (stats.h). */
struct export_line {
	char path[EXPORT_PATH_MAX];
	uint64_t value;
};

/**
 * export_parse() - read one "PATH=N" line (no newline) into @l: PATH of
 * '/'-separated names of [A-Za-z0-9._-], N a decimal
 *
 * Return: 0, or -EINVAL
 */
int export_parse(const char *line, struct export_line *l);

/**
 * export_json() - the lines @l (@n of them) as one JSON object, each path
 * a chain of nested objects: "drops/no-session=3" is {"drops":
 * {"no-session": 3}}
 * @err:	what was wrong, on failure (a name used twice, as a counter
 *		and as a group, or a group split into two runs of lines)
 *
 * Return: 0, -EINVAL, or -EIO if writing failed
 */
int export_json(FILE *f, const struct export_line *l, size_t n,
		char err[128]);

/**
 * export_prom() - the lines @l as the Prometheus text exposition format
 * (version 0.0.4): each metric family once, with its # HELP and # TYPE
 * lines, then its samples; names start with tunnat_
 * @unknown:	set to the number of lines no metric takes (not written)
 *
 * Return: 0, or -EIO if writing failed
 */
int export_prom(FILE *f, const struct export_line *l, size_t n,
		size_t *unknown);

/* export_text() - the lines @l as two aligned columns, path and value */
int export_text(FILE *f, const struct export_line *l, size_t n);

/* export_prom_family() - the name of the metric that takes @path, NULL if
 * none; "" if it is deliberately left out (a sum of other samples) */
const char *export_prom_family(const char *path);

#endif /* TN_CTL_EXPORT_H */
