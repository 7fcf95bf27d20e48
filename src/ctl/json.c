/* SPDX-License-Identifier: MIT */
/* json.c - a streaming JSON writer: exact numbers, strict string escapes
 *
 * Values are written as they come, so a list of a million sessions never
 * sits in memory.  Strings are escaped as RFC 8259 section 7 requires
 * ('"', '\' and U+0000..U+001F), and since a JSON text must be UTF-8
 * (section 8.1), a byte that does not belong to a valid UTF-8 sequence
 * (overlong forms, surrogates and code points past U+10FFFF included) is
 * replaced by U+FFFD rather than passed on.  Integers are printed from
 * their 64 bits, never through a double, and times in milliseconds as
 * exact decimal seconds.
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "json.h"

void json_init(struct json *j, FILE *f, unsigned indent, unsigned flat_from)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->indent = indent;
	j->flat_from = flat_from;
}

static void newline(struct json *j, unsigned depth)
{
	fprintf(j->f, "\n%*s", (int)(depth * j->indent), "");
}

/* Separate and place the value about to be written. */
static void value_begin(struct json *j)
{
	unsigned d = j->depth;

	if (!d) {
		/* the top: one value, nothing before it */
		if (j->members[0]++)
			j->bad = true;
		return;
	}
	if (!j->array[d]) {
		if (!j->keyed)
			j->bad = true;
		j->keyed = false;
		return;		/* json_key() placed it */
	}
	if (j->members[d]++)
		fputc(',', j->f);
	if (j->flat[d]) {
		if (j->members[d] > 1)
			fputc(' ', j->f);
	} else {
		newline(j, d);
	}
}

static void open_container(struct json *j, bool array)
{
	value_begin(j);
	fputc(array ? '[' : '{', j->f);
	if (j->depth + 1 >= JSON_DEPTH_MAX) {
		j->bad = true;
		return;
	}
	j->depth++;
	j->array[j->depth] = array;
	j->members[j->depth] = 0;
	j->flat[j->depth] = !j->indent || j->flat[j->depth - 1] ||
			    (j->flat_from && j->depth - 1 >= j->flat_from);
}

void json_object(struct json *j)
{
	open_container(j, false);
}

void json_array(struct json *j)
{
	open_container(j, true);
}

void json_end(struct json *j)
{
	unsigned d = j->depth;

	if (!d || j->keyed) {
		j->bad = true;
		return;
	}
	if (!j->flat[d] && j->members[d])
		newline(j, d - 1);
	fputc(j->array[d] ? ']' : '}', j->f);
	j->depth--;
}

/* The length of the valid UTF-8 sequence at @s, or 0. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;	/* a continuation byte, C0, C1 or F5..FF */
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;	/* the NUL ends a sequence too */
	if ((c == 0xe0 && s[1] < 0xa0) ||	/* overlong */
	    (c == 0xed && s[1] >= 0xa0) ||	/* a surrogate */
	    (c == 0xf0 && s[1] < 0x90) ||	/* overlong */
	    (c == 0xf4 && s[1] >= 0x90))	/* past U+10FFFF */
		return 0;
	return n;
}

static void put_string(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	while (*s) {
		const unsigned char *run = s;
		size_t n;

		/* a run of bytes that need nothing, written at once */
		while (*s >= 0x20 && *s < 0x80 && *s != '"' && *s != '\\')
			s++;
		if (s > run)
			fwrite(run, 1, (size_t)(s - run), f);
		switch (*s) {
		case '\0':
			continue;
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*s < 0x20) {
				fprintf(f, "\\u%04x", *s);
				break;
			}
			n = utf8_len(s);
			if (!n) {
				fputs("\\ufffd", f);
				break;
			}
			fwrite(s, 1, n, f);
			s += n;
			continue;
		}
		s++;
	}
	fputc('"', f);
}

void json_key(struct json *j, const char *key)
{
	unsigned d = j->depth;

	if (!d || j->array[d] || j->keyed) {
		j->bad = true;
		return;
	}
	if (j->members[d]++)
		fputc(',', j->f);
	if (j->flat[d]) {
		if (j->members[d] > 1)
			fputc(' ', j->f);
	} else {
		newline(j, d);
	}
	put_string(j->f, key);
	fputs(": ", j->f);
	j->keyed = true;
}

void json_string(struct json *j, const char *s)
{
	value_begin(j);
	put_string(j->f, s);
}

void json_u64(struct json *j, uint64_t v)
{
	value_begin(j);
	fprintf(j->f, "%" PRIu64, v);
}

void json_ms(struct json *j, uint64_t ms)
{
	unsigned frac = (unsigned)(ms % 1000), digits = 3;

	value_begin(j);
	fprintf(j->f, "%" PRIu64, ms / 1000);
	if (!frac)
		return;
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	fprintf(j->f, ".%0*u", (int)digits, frac);
}

void json_bool(struct json *j, bool b)
{
	value_begin(j);
	fputs(b ? "true" : "false", j->f);
}

void json_null(struct json *j)
{
	value_begin(j);
	fputs("null", j->f);
}

int json_finish(struct json *j)
{
	if (j->depth || j->keyed || j->members[0] != 1)
		j->bad = true;
	fputc('\n', j->f);
	if (fflush(j->f) || ferror(j->f))
		return -EIO;
	return j->bad ? -EINVAL : 0;
}
