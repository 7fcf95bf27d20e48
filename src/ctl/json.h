/* SPDX-License-Identifier: MIT */
/* json.h - a streaming JSON writer (RFC 8259) for tunnatctl's output */
#ifndef TN_JSON_H
#define TN_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_DEPTH_MAX	16

/**
 * struct json - a document being written to @f
 * @indent:	spaces per level; 0 writes the document on one line
 * @flat_from:	containers opened at this depth or deeper are written on
 *		one line (the top-level container is at depth 0); 0: none
 * @depth:	containers open now
 * @array:	per depth, whether the container is an array
 * @members:	per depth, members written so far
 * @flat:	per depth, the container is written on one line
 * @keyed:	a key was written and waits for its value
 * @bad:	the calls did not form a document (a value without a key in
 *		an object, a key in an array, too deep, unbalanced ends)
 */
struct json {
	FILE *f;
	unsigned indent;
	unsigned flat_from;
	unsigned depth;
	bool array[JSON_DEPTH_MAX];
	unsigned long members[JSON_DEPTH_MAX];
	bool flat[JSON_DEPTH_MAX];
	bool keyed;
	bool bad;
};

/* json_init() - start a document on @f (see struct json) */
void json_init(struct json *j, FILE *f, unsigned indent, unsigned flat_from);

/* json_object(), json_array() - open a container; json_end() closes the
 * innermost one */
void json_object(struct json *j);
void json_array(struct json *j);
void json_end(struct json *j);

/* json_key() - the name of the next member of an object, escaped */
void json_key(struct json *j, const char *key);

/**
 * json_string() - @s as a JSON string: '"', '\' and control characters
 * escaped; valid UTF-8 passed through; each byte of an invalid UTF-8
 * sequence written as U+FFFD
 */
void json_string(struct json *j, const char *s);

/* json_u64() - @v in decimal, every digit: no rounding through a double */
void json_u64(struct json *j, uint64_t v);

/* json_ms() - @ms milliseconds as seconds, exactly: 3, 3.5, 0.012 */
void json_ms(struct json *j, uint64_t ms);

/* json_bool(), json_null() - true/false, null */
void json_bool(struct json *j, bool b);
void json_null(struct json *j);

/* json_finish() - end the document with a newline
 * Return: 0, -EINVAL if the calls did not make one document, -EIO if
 * writing failed */
int json_finish(struct json *j);

#endif /* TN_JSON_H */
