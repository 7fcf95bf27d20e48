/* SPDX-License-Identifier: MIT */
/* conf.c - read tunnat.yaml(5) into a struct config, reporting every error
 *
 * Theory of Operation
 * ===================
 * The whole file is loaded with libyaml's document API (yaml_parser_load()),
 * so every node keeps its start mark and can be looked at in any order.  The
 * walk then follows the fixed schema: the top-level mapping, one function per
 * section, one helper per kind of value (integer, boolean, address, prefix).
 * Each helper reports its own errors and returns false, and its caller goes
 * on with the next key, so one run finds every error in the file.
 *
 * Errors are not printed at once: report() keeps them, with their position,
 * and flush_errors() prints them sorted by line and column once the walk and
 * the checks across keys (same device twice, router address in the pool, ...)
 * are done.  So they come out in file order, whatever order they were found
 * in.  Each is one line, "FILE:LINE:COLUMN: path.to.key: message", with the
 * 1-based position of the offending value (or of the key, for unknown and
 * duplicate keys).
 *
 * Values taken from the file are quoted and escaped (control characters as
 * \xNN) and shortened when shown in a message, so that a broken file cannot
 * garble the terminal.  Scalars are read by their text alone: tags and
 * quoting styles are not looked at, so "1500" and 1500 are the same integer.
 */

#include <arpa/inet.h>

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "conf.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif

#define CONF_FILE_MAX		(16u << 20)	/* bytes; larger is an error */
#define QUOTE_MAX		64		/* bytes of a value shown */
#define QUOTE_BUF		(QUOTE_MAX * 4 + 8)
#define PATH_BUF		64

#define DEF_ROUTER_ADDR		0xc0000008u	/* 192.0.0.8, RFC 7600 */
#define DEF_MAX_SESSIONS	1000000u
#define MAX_SESSIONS_MAX	16777216u	/* equals NAT_SESSIONS_MAX */
#define TIMEOUT_MAX		1000000u	/* seconds */
#define NETNS_DIR		"/run/netns/"
#define NETNS_NAME_MAX		255
#define UID_MAX_VALID		4294967294u	/* (uid_t)-1 means "none" */

static const char *const log_level_names[] = {
	[LVL_ERROR]	= "error",
	[LVL_WARNING]	= "warning",
	[LVL_INFO]	= "info",
	[LVL_DEBUG]	= "debug",
};
static_assert(ARRAY_SIZE(log_level_names) == LVL_DEBUG + 1,
	      "every log level has a name");

/**
 * struct conf_msg - one error, kept until all are known
 * @line, @column:	0-based position, as in a yaml_mark_t
 * @seq:		order of discovery, to keep the sort stable
 * @text:		the whole line, "FILE:LINE:COLUMN: message\n"
 */
struct conf_msg {
	size_t line, column;
	unsigned seq;
	char *text;
};

/**
 * struct pool_ent - one accepted entry of nat.addresses
 * @addr, @len:	the block, host byte order
 * @idx:	its index in the sequence
 * @node:	its node, for the position
 */
struct pool_ent {
	uint32_t addr;
	unsigned len;
	unsigned idx;
	yaml_node_t *node;
};

/**
 * struct ctx - state of one conf_load_mem() run
 * @c:		the configuration being filled in
 * @name:	file name for messages
 * @doc:	the loaded document
 * @err:	where the errors go
 * @msgs:	errors found so far, @nmsgs of @msgs_cap
 * @nerr:	number of errors found
 * @dev:	value nodes of inside.device and outside.device, if valid
 * @netns_ok:	the netns key of each device is valid (or absent)
 * @router:	value node of inside.router-address, if present and valid
 * @router_ok:	c->router_addr is valid (from the file or the default)
 * @address:	value node of inside.address, if present and valid
 * @pool:	accepted nat.addresses entries, @npool of them
 * @pool_total:	addresses in @pool
 */
struct ctx {
	struct config *c;
	const char *name;
	yaml_document_t *doc;
	FILE *err;
	struct conf_msg *msgs;
	size_t nmsgs, msgs_cap;
	int nerr;
	yaml_node_t *dev[2];
	bool netns_ok[2];
	yaml_node_t *router;
	bool router_ok;
	yaml_node_t *address;
	struct pool_ent *pool;
	size_t npool;
	uint64_t pool_total;
};

/* A block of addresses that cannot be a public (pool) or unicast address. */
static const struct {
	uint32_t addr;
	unsigned len;
	const char *what;
} martians[] = {
	{ 0x00000000u,  8, "this network" },
	{ 0x7f000000u,  8, "loopback" },
	{ 0xe0000000u,  4, "multicast" },
	{ 0xffffffffu, 32, "limited broadcast" },
	{ 0xf0000000u,  4, "reserved" },
};

void conf_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->inside.create = true;
	c->outside.create = true;
	c->router_addr = htonl(DEF_ROUTER_ADDR);
	c->port_lo = 1;
	c->port_hi = 65535;
	c->max_sessions = DEF_MAX_SESSIONS;
	c->tcp_est_s = 7440;
	c->tcp_trans_s = 240;
	c->udp_s = 300;
	c->icmp_s = 60;
	c->gre_s = 300;
	c->other_s = 600;
	c->port_holddown_s = 120;
	c->port_parity = true;
	c->icmp_on_failure = true;
	c->tcp_mss_clamp = -1;
	c->pptp = (struct conf_pptp){
		.ports = { 1723 },
		.nports = 1,
		.max_connections = 1024,
		.max_calls_per_connection = 16,
		.max_calls_per_host = 64,
		.max_calls_per_server = 1024,
	};
	c->offload = true;
	strcpy(c->user, "nobody");
	c->log_level = LVL_INFO;
}

int conf_log_level_parse(const char *s)
{
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(log_level_names); i++)
		if (!strcmp(s, log_level_names[i]))
			return (int)i;
	return -1;
}

const char *conf_log_level_str(enum log_level l)
{
	if ((unsigned)l >= ARRAY_SIZE(log_level_names))
		return "unknown";
	return log_level_names[l];
}

/* ---------------------------------------------------------------------- */
/* Errors */

/**
 * report() - record one error at @m
 * @x:		the run
 * @m:		libyaml position (0-based)
 * @path:	dotted key path for the message prefix, "" for none
 * @fmt:	message, printf-style
 *
 * If memory runs out, the message is printed at once instead (out of order,
 * but not lost).
 */
static void report(struct ctx *x, yaml_mark_t m, const char *path,
		   const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void report(struct ctx *x, yaml_mark_t m, const char *path,
		   const char *fmt, ...)
{
	char head[64], *text = NULL;
	int hlen, blen;
	va_list ap;

	x->nerr++;
	hlen = snprintf(head, sizeof(head), ":%zu:%zu: ", m.line + 1,
			m.column + 1);
	va_start(ap, fmt);
	blen = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (blen >= 0)
		text = malloc(strlen(x->name) + (size_t)hlen + strlen(path) +
			      2 + (size_t)blen + 2);
	if (text) {
		char *t = text + sprintf(text, "%s%s%s%s", x->name, head,
					 path, *path ? ": " : "");

		va_start(ap, fmt);
		t += vsprintf(t, fmt, ap);
		va_end(ap);
		strcpy(t, "\n");
	}

	if (x->nmsgs == x->msgs_cap) {
		size_t cap = x->msgs_cap ? x->msgs_cap * 2 : 16;
		struct conf_msg *p = realloc(x->msgs, cap * sizeof(*p));

		if (p) {
			x->msgs = p;
			x->msgs_cap = cap;
		}
	}
	if (!text || x->nmsgs == x->msgs_cap) {
		if (text)
			fputs(text, x->err);
		else
			fprintf(x->err, "%s:%zu:%zu: out of memory\n",
				x->name, m.line + 1, m.column + 1);
		free(text);
		return;
	}
	x->msgs[x->nmsgs].line = m.line;
	x->msgs[x->nmsgs].column = m.column;
	x->msgs[x->nmsgs].seq = (unsigned)x->nmsgs;
	x->msgs[x->nmsgs].text = text;
	x->nmsgs++;
}

static int msg_cmp(const void *a, const void *b)
{
	const struct conf_msg *p = a, *q = b;

	if (p->line != q->line)
		return p->line < q->line ? -1 : 1;
	if (p->column != q->column)
		return p->column < q->column ? -1 : 1;
	return p->seq < q->seq ? -1 : p->seq > q->seq;
}

/* flush_errors() - print the recorded errors in file order, free them */
static void flush_errors(struct ctx *x)
{
	size_t i;

	if (x->nmsgs)
		qsort(x->msgs, x->nmsgs, sizeof(*x->msgs), msg_cmp);
	for (i = 0; i < x->nmsgs; i++) {
		fputs(x->msgs[i].text, x->err);
		free(x->msgs[i].text);
	}
	free(x->msgs);
	x->msgs = NULL;
	x->nmsgs = x->msgs_cap = 0;
}

/* ---------------------------------------------------------------------- */
/* Nodes and scalars */

static yaml_node_t *node_get(struct ctx *x, int id)
{
	return yaml_document_get_node(x->doc, id);
}

/**
 * quote() - @s (@len bytes) as a C-like quoted string for a message
 * @buf:	QUOTE_BUF bytes
 *
 * Control bytes, '"' and '\' are escaped; bytes from 0x80 up (UTF-8) pass.
 * Beyond QUOTE_MAX bytes the text is cut (at a character start) and "..."
 * appended.
 *
 * Return: @buf
 */
static const char *quote(const char *s, size_t len, char *buf)
{
	bool cut = len > QUOTE_MAX;
	char *p = buf;
	size_t i;

	if (cut) {
		len = QUOTE_MAX - 4;
		while (len && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	*p++ = '"';
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"' || ch == '\\') {
			*p++ = '\\';
			*p++ = (char)ch;
		} else if (ch < 0x20 || ch == 0x7f) {
			p += sprintf(p, "\\x%02x", ch);
		} else {
			*p++ = (char)ch;
		}
	}
	if (cut)
		p = stpcpy(p, "...");
	*p++ = '"';
	*p = '\0';
	return buf;
}

/* qstr() - quote() for a NUL-terminated string */
static const char *qstr(const char *s, char *buf)
{
	return quote(s, strlen(s), buf);
}

/**
 * node_desc() - what @n is, for "expected X, got Y" messages
 * @buf:	QUOTE_BUF bytes, used for a scalar's quoted text
 *
 * Return: "a sequence", "a mapping", "an empty value" or the quoted scalar
 */
static const char *node_desc(const yaml_node_t *n, char *buf)
{
	switch (n->type) {
	case YAML_SEQUENCE_NODE:
		return "a sequence";
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SCALAR_NODE:
		if (!n->data.scalar.length)
			return "an empty value";
		return quote((const char *)n->data.scalar.value,
			     n->data.scalar.length, buf);
	default:
		return "nothing";
	}
}

/**
 * want_kind() - check that @n is a node of @type
 * @what:	what was expected, for the message ("a mapping")
 *
 * Return: true if it is; false after reporting otherwise
 */
static bool want_kind(struct ctx *x, yaml_node_t *n, yaml_node_type_t type,
		      const char *path, const char *what)
{
	char q[QUOTE_BUF];

	if (n->type == type)
		return true;
	report(x, n->start_mark, path, "expected %s, got %s", what,
	       node_desc(n, q));
	return false;
}

/**
 * want_scalar() - the text of @n, which must be a non-empty scalar
 * @what:	what was expected, for the message ("a device name")
 *
 * libyaml terminates every scalar with a NUL; one inside it (from a "\0"
 * escape) would cut the value short unseen, so it is an error.
 *
 * Return: the text, or NULL after reporting why not
 */
static const char *want_scalar(struct ctx *x, yaml_node_t *n,
			       const char *path, const char *what)
{
	const char *s;

	char q[QUOTE_BUF];

	if (n->type != YAML_SCALAR_NODE || !n->data.scalar.length) {
		report(x, n->start_mark, path, "expected %s, got %s", what,
		       node_desc(n, q));
		return NULL;
	}
	s = (const char *)n->data.scalar.value;
	if (strlen(s) != n->data.scalar.length) {
		report(x, n->start_mark, path, "contains a NUL character");
		return NULL;
	}
	return s;
}

/**
 * parse_digits() - a decimal number made of digits only
 * @s:		the text
 * @max:	larger values set *@over instead of failing
 * @v:		the value, if not over
 * @over:	set if the number is larger than @max
 *
 * No sign, no base prefix, no exponent, no blanks: "1e3", "0x10", "-5",
 * " 5" and "" are not numbers.
 *
 * Return: true if @s is all digits (at least one)
 */
static bool parse_digits(const char *s, uint64_t max, uint64_t *v, bool *over)
{
	uint64_t n = 0;

	*over = false;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (n > (max - (unsigned)(*s - '0')) / 10)
			*over = true;
		else
			n = n * 10 + (unsigned)(*s - '0');
	}
	*v = n;
	return true;
}

/**
 * get_uint() - an integer scalar within @lo..@hi
 * @unit:	appended to the bounds in messages (" second", with an "s"
 *		added for bounds other than 1), or ""
 * @why:	appended to the below-minimum message (" (RFC ...)"), or ""
 * @out:	the value, if valid
 *
 * Return: true if valid; false after reporting
 */
static bool get_uint(struct ctx *x, yaml_node_t *n, const char *path,
		     uint64_t lo, uint64_t hi, const char *unit,
		     const char *why, uint32_t *out)
{
	const char *s = want_scalar(x, n, path, "an integer");
	char q[QUOTE_BUF];
	uint64_t v = 0;
	bool over;

	if (!s)
		return false;
	if (!parse_digits(s, hi, &v, &over)) {
		report(x, n->start_mark, path, "expected an integer, got %s",
		       quote(s, n->data.scalar.length, q));
		return false;
	}
	if (over) {
		report(x, n->start_mark, path,
		       "%s is above the maximum of %" PRIu64 "%s%s", s, hi,
		       unit, *unit && hi != 1 ? "s" : "");
		return false;
	}
	if (v < lo) {
		report(x, n->start_mark, path,
		       "%s is below the minimum of %" PRIu64 "%s%s%s", s, lo,
		       unit, *unit && lo != 1 ? "s" : "", why);
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

/* get_bool() - true/false/yes/no/on/off, any case */
static bool get_bool(struct ctx *x, yaml_node_t *n, const char *path,
		     bool *out)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	const char *s = want_scalar(x, n, path, "true or false");
	char q[QUOTE_BUF];
	unsigned i;

	if (!s)
		return false;
	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return true;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return true;
		}
	}
	report(x, n->start_mark, path, "expected true or false, got %s",
	       quote(s, n->data.scalar.length, q));
	return false;
}

/* ---------------------------------------------------------------------- */
/* Addresses */

static uint32_t prefix_mask(unsigned len)
{
	return len ? ~0u << (32 - len) : 0;
}

/* prefix_overlap() - whether two blocks share an address */
static bool prefix_overlap(uint32_t a, unsigned alen, uint32_t b,
			   unsigned blen)
{
	uint32_t m = prefix_mask(alen < blen ? alen : blen);

	return (a & m) == (b & m);
}

/**
 * fmt_prefix() - "a.b.c.d" for a /32, "a.b.c.d/len" otherwise
 * @buf:	at least 19 bytes
 *
 * Return: @buf
 */
static const char *fmt_prefix(uint32_t a, unsigned len, char *buf)
{
	int n = sprintf(buf, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
			(a >> 8) & 0xff, a & 0xff);

	if (len != 32)
		sprintf(buf + n, "/%u", len);
	return buf;
}

/**
 * parse_addr() - a strict dotted quad at the start of @s
 * @end:	set to the first byte after it
 *
 * Four decimal parts 0..255, without leading zeros (inet_aton() would read
 * "010" as octal 8, so it is rejected rather than guessed).
 *
 * Return: true if @s starts with one
 */
static bool parse_addr(const char *s, const char **end, uint32_t *addr)
{
	uint32_t a = 0;
	unsigned i;

	for (i = 0; i < 4; i++) {
		unsigned v = 0, digits = 0;
		const char *start;

		if (i && *s++ != '.')
			return false;
		start = s;
		while (*s >= '0' && *s <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(*s++ - '0');
			digits++;
		}
		if (!digits || digits > 3 || v > 255 ||
		    (digits > 1 && *start == '0'))
			return false;
		a = a << 8 | v;
	}
	*end = s;
	*addr = a;
	return true;
}

/**
 * get_prefix() - "a.b.c.d/len" (0..32) or a bare "a.b.c.d" (a /32)
 * @net:	the host bits must be zero (a route or a pool block)
 * @p_addr, @p_len:	the result, host byte order
 *
 * Return: true if valid; false after reporting
 */
static bool get_prefix(struct ctx *x, yaml_node_t *n, const char *path,
		       bool net, uint32_t *p_addr, unsigned *p_len)
{
	const char *s = want_scalar(x, n, path, net ? "an IPv4 prefix" :
				    "an IPv4 address"), *e;
	char q[QUOTE_BUF], b1[20], b2[20];
	uint64_t len = 32;
	uint32_t a;
	bool over;

	if (!s)
		return false;
	quote(s, n->data.scalar.length, q);
	if (!parse_addr(s, &e, &a) || (*e && *e != '/')) {
		report(x, n->start_mark, path, "%s is not an IPv4 address", q);
		return false;
	}
	if (*e == '/' && (!parse_digits(e + 1, 32, &len, &over) || over ||
			  (e[1] == '0' && e[2]))) {
		report(x, n->start_mark, path,
		       "%s: the prefix length must be 0 to 32", q);
		return false;
	}
	if (net && (a & ~prefix_mask((unsigned)len))) {
		report(x, n->start_mark, path,
		       "%s has host bits set (did you mean %s?)",
		       fmt_prefix(a, (unsigned)len, b1),
		       fmt_prefix(a & prefix_mask((unsigned)len),
				  (unsigned)len, b2));
		return false;
	}
	*p_addr = a;
	*p_len = (unsigned)len;
	return true;
}

/**
 * martian() - the first martian block that @a/@len overlaps
 *
 * Return: an index into martians[], or -1
 */
static int martian(uint32_t a, unsigned len)
{
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(martians); i++)
		if (prefix_overlap(a, len, martians[i].addr, martians[i].len))
			return (int)i;
	return -1;
}

/* report_martian() - "X is in Y (what)" or "X includes Y (what)" */
static void report_martian(struct ctx *x, yaml_node_t *n, const char *path,
			   uint32_t a, unsigned len, int m, const char *use)
{
	char b1[20], b2[20];

	report(x, n->start_mark, path, "%s %s %s (%s), not %s",
	       fmt_prefix(a, len, b1),
	       len >= martians[m].len ? "is in" : "includes",
	       fmt_prefix(martians[m].addr, martians[m].len, b2),
	       martians[m].what, use);
}

/* ---------------------------------------------------------------------- */
/* Mappings */

/* A key that is often put in the wrong section, and where it belongs. */
static const struct {
	const char *section, *key, *home;
} misplaced[] = {
	{ "outside", "router-address", "inside" },
	{ "", "device", "inside\" or \"outside" },
	{ "", "addresses", "nat" },
	{ "", "ports", "nat" },
	{ "", "max-sessions", "nat" },
	{ "", "timeouts", "nat" },
	{ "", "level", "log" },
	{ "", "pptp", "alg" },
	{ "alg", "enabled", "alg.pptp" },
};

/**
 * map_scan() - sort the pairs of mapping @map into @vals by key name
 * @path:	the mapping's key path ("" for the top level)
 * @names:	the keys allowed here, @n of them
 * @vals:	@n slots, NULL on entry; the value node of each key found
 * @keys:	@n slots, the key nodes
 *
 * Reports keys that are not scalars, unknown keys (listing the allowed
 * ones, or naming the section of a misplaced one) and duplicate keys, at
 * the key.  The values are not looked at.
 */
static void map_scan(struct ctx *x, yaml_node_t *map, const char *path,
		     const char *const names[], unsigned n,
		     yaml_node_t *vals[], yaml_node_t *keys[])
{
	yaml_node_pair_t *pair;

	for (pair = map->data.mapping.pairs.start;
	     pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = node_get(x, pair->key);
		yaml_node_t *v = node_get(x, pair->value);
		char q[QUOTE_BUF], list[256];
		const char *ks;
		unsigned i;
		size_t len;

		if (!k || !v)
			continue;
		if (k->type != YAML_SCALAR_NODE) {
			report(x, k->start_mark, path,
			       "expected a key name, got %s",
			       node_desc(k, q));
			continue;
		}
		ks = (const char *)k->data.scalar.value;
		for (i = 0; i < n; i++)
			if (strlen(names[i]) == k->data.scalar.length &&
			    !strcmp(names[i], ks))
				break;
		if (i < n && vals[i]) {
			report(x, k->start_mark, path,
			       "duplicate key \"%s\" (first at line %zu, column %zu)",
			       names[i], keys[i]->start_mark.line + 1,
			       keys[i]->start_mark.column + 1);
			continue;
		}
		if (i < n) {
			vals[i] = v;
			keys[i] = k;
			continue;
		}

		quote(ks, k->data.scalar.length, q);
		for (i = 0; i < ARRAY_SIZE(misplaced); i++) {
			if (!strcmp(misplaced[i].section, path) &&
			    !strcmp(misplaced[i].key, ks)) {
				report(x, k->start_mark, path,
				       "key %s belongs in \"%s\"", q,
				       misplaced[i].home);
				break;
			}
		}
		if (i < ARRAY_SIZE(misplaced))
			continue;
		for (i = 0, len = 0; i < n; i++)
			len += (size_t)snprintf(list + len, sizeof(list) - len,
						"%s%s", i ? ", " : "",
						names[i]);
		report(x, k->start_mark, path,
		       "unknown key %s (expected: %s)", q, list);
	}
}

/* need() - report key @names[@i] of @map if it is missing */
static bool need(struct ctx *x, yaml_node_t *map, const char *path,
		 const char *const names[], yaml_node_t *vals[], unsigned i)
{
	if (vals[i])
		return true;
	if (*path)
		report(x, map->start_mark, path,
		       "missing required key \"%s\"", names[i]);
	else
		report(x, map->start_mark, path,
		       "missing required section \"%s\"", names[i]);
	return false;
}

/* ---------------------------------------------------------------------- */
/* The sections */

/**
 * get_devname() - a network interface name, as the kernel's
 * dev_valid_name() accepts: 1..IFNAMSIZ-1 bytes, no '/', ':' or white space,
 * not "." or ".."
 */
static bool get_devname(struct ctx *x, yaml_node_t *n, const char *path,
			char *out)
{
	const char *s = want_scalar(x, n, path, "a device name");
	char q[QUOTE_BUF];

	if (!s)
		return false;
	qstr(s, q);
	if (strlen(s) >= IFNAMSIZ) {
		report(x, n->start_mark, path,
		       "%s is longer than %d characters", q, IFNAMSIZ - 1);
		return false;
	}
	if (strpbrk(s, "/: \t\n\v\f\r") || !strcmp(s, ".") ||
	    !strcmp(s, "..")) {
		report(x, n->start_mark, path,
		       "%s is not a valid device name (no \"/\", \":\" or white space; not \".\" or \"..\")",
		       q);
		return false;
	}
	strcpy(out, s);
	return true;
}

/* name_ok() - [A-Za-z0-9._-]+ */
static bool name_ok(const char *s)
{
	return *s && strspn(s, "abcdefghijklmnopqrstuvwxyz"
			       "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			       "0123456789._-") == strlen(s);
}

/**
 * get_netns() - a namespace name (kept as NETNS_DIR + name) or, if it has
 * a '/', an absolute path (kept as it is)
 * @out:	4096 bytes
 */
static bool get_netns(struct ctx *x, yaml_node_t *n, const char *path,
		      char *out, size_t size)
{
	const char *s = want_scalar(x, n, path,
				    "a namespace name or an absolute path");
	char q[QUOTE_BUF];

	if (!s)
		return false;
	qstr(s, q);
	if (strchr(s, '/')) {
		if (*s != '/') {
			report(x, n->start_mark, path,
			       "%s is a relative path (a path must start with \"/\")",
			       q);
			return false;
		}
		if (strlen(s) >= size) {
			report(x, n->start_mark, path,
			       "the path is longer than %zu characters",
			       size - 1);
			return false;
		}
		strcpy(out, s);
		return true;
	}
	if (strlen(s) > NETNS_NAME_MAX) {
		report(x, n->start_mark, path,
		       "the name is longer than %d characters", NETNS_NAME_MAX);
		return false;
	}
	if (!name_ok(s) || !strcmp(s, ".") || !strcmp(s, "..")) {
		report(x, n->start_mark, path,
		       "%s is not a valid namespace name (letters, digits, \".\", \"_\" and \"-\"; not \".\" or \"..\")",
		       q);
		return false;
	}
	snprintf(out, size, "%s%s", NETNS_DIR, s);
	return true;
}

/* get_routes() - a sequence of network prefixes, no duplicates */
static void get_routes(struct ctx *x, yaml_node_t *seq, const char *path,
		       struct conf_dev *d)
{
	yaml_node_t *where[CONF_ROUTES_MAX];
	yaml_node_item_t *it;
	unsigned i, idx = 0;

	if (!want_kind(x, seq, YAML_SEQUENCE_NODE, path, "a sequence"))
		return;
	for (it = seq->data.sequence.items.start;
	     it < seq->data.sequence.items.top; it++, idx++) {
		yaml_node_t *n = node_get(x, *it);
		char p[PATH_BUF + 16], b[20];
		uint32_t a;
		unsigned len;

		snprintf(p, sizeof(p), "%s[%u]", path, idx);
		if (!n || !get_prefix(x, n, p, true, &a, &len))
			continue;
		for (i = 0; i < d->nroutes; i++)
			if (d->routes[i].addr == htonl(a) &&
			    d->routes[i].len == len)
				break;
		if (i < d->nroutes) {
			report(x, n->start_mark, p,
			       "%s is listed twice (first at line %zu, column %zu)",
			       fmt_prefix(a, len, b),
			       where[i]->start_mark.line + 1,
			       where[i]->start_mark.column + 1);
			continue;
		}
		if (d->nroutes < CONF_ROUTES_MAX) {
			where[d->nroutes] = n;
			d->routes[d->nroutes].addr = htonl(a);
			d->routes[d->nroutes].len = (uint8_t)len;
			d->nroutes++;
		}
	}
	if (idx > CONF_ROUTES_MAX)
		report(x, seq->start_mark, path,
		       "%u routes, more than the maximum of %d", idx,
		       CONF_ROUTES_MAX);
}

enum {
	DK_DEVICE, DK_NETNS, DK_CREATE, DK_ADDRESS, DK_MTU, DK_ROUTES,
	DK_ROUTER, DK_N
};

static const char *const dev_keys[DK_N] = {
	[DK_DEVICE]	= "device",
	[DK_NETNS]	= "netns",
	[DK_CREATE]	= "create",
	[DK_ADDRESS]	= "address",
	[DK_MTU]	= "mtu",
	[DK_ROUTES]	= "routes",
	[DK_ROUTER]	= "router-address",
};

/**
 * parse_dev() - the "inside" (@which 0) or "outside" (@which 1) section
 *
 * router-address is known only in "inside"; in "outside" map_scan() says
 * where it belongs.
 */
static void parse_dev(struct ctx *x, yaml_node_t *map, unsigned which)
{
	const char *sec = which ? "outside" : "inside";
	struct conf_dev *d = which ? &x->c->outside : &x->c->inside;
	yaml_node_t *vals[DK_N] = { 0 }, *keys[DK_N] = { 0 };
	char p[PATH_BUF], q[QUOTE_BUF];
	uint32_t a;
	unsigned len;

	if (!want_kind(x, map, YAML_MAPPING_NODE, sec, "a mapping"))
		return;
	map_scan(x, map, sec, dev_keys, which ? DK_ROUTER : DK_N, vals, keys);

#define KEYPATH(k)	(snprintf(p, sizeof(p), "%s.%s", sec, dev_keys[k]), p)
	if (need(x, map, sec, dev_keys, vals, DK_DEVICE) &&
	    get_devname(x, vals[DK_DEVICE], KEYPATH(DK_DEVICE), d->name))
		x->dev[which] = vals[DK_DEVICE];
	x->netns_ok[which] = !vals[DK_NETNS] ||
		get_netns(x, vals[DK_NETNS], KEYPATH(DK_NETNS), d->netns,
			  sizeof(d->netns));
	if (vals[DK_CREATE])
		get_bool(x, vals[DK_CREATE], KEYPATH(DK_CREATE), &d->create);
	if (vals[DK_ADDRESS] &&
	    get_prefix(x, vals[DK_ADDRESS], KEYPATH(DK_ADDRESS), false,
		       &a, &len)) {
		d->has_address = true;
		d->address.addr = htonl(a);
		d->address.len = (uint8_t)len;
		if (!which)
			x->address = vals[DK_ADDRESS];
	}
	if (vals[DK_MTU] &&
	    get_uint(x, vals[DK_MTU], KEYPATH(DK_MTU), 0, 65535, "", "",
		     &d->mtu) && d->mtu && d->mtu < 68) {
		report(x, vals[DK_MTU]->start_mark, p,
		       "%u is below the minimum of 68 (0 leaves the MTU as it is)",
		       d->mtu);
		d->mtu = 0;
	}
	if (vals[DK_ROUTES])
		get_routes(x, vals[DK_ROUTES], KEYPATH(DK_ROUTES), d);
	if (which || !vals[DK_ROUTER])
		return;

	KEYPATH(DK_ROUTER);
	x->router_ok = false;
	if (vals[DK_ROUTER]->type == YAML_SCALAR_NODE &&
	    memchr(vals[DK_ROUTER]->data.scalar.value, '/',
		   vals[DK_ROUTER]->data.scalar.length)) {
		report(x, vals[DK_ROUTER]->start_mark, p,
		       "expected one IPv4 address without a prefix length, got %s",
		       node_desc(vals[DK_ROUTER], q));
		return;
	}
	if (!get_prefix(x, vals[DK_ROUTER], p, false, &a, &len))
		return;
	if (martian(a, 32) >= 0) {
		report_martian(x, vals[DK_ROUTER], p, a, 32, martian(a, 32),
			       "a unicast address");
		return;
	}
	x->c->router_addr = htonl(a);
	x->router = vals[DK_ROUTER];
	x->router_ok = true;
#undef KEYPATH
}

/**
 * get_pool() - nat.addresses: single addresses and blocks
 *
 * Each valid entry that overlaps no earlier one is kept in x->pool; one that
 * does is reported with the position of the earlier one.  The total is
 * checked against CONF_POOL_MAX at the entry that goes past it.
 */
static void get_pool(struct ctx *x, yaml_node_t *seq)
{
	const char *path = "nat.addresses";
	yaml_node_item_t *it;
	bool too_many = false;
	unsigned idx = 0;
	size_t n, i;

	if (!want_kind(x, seq, YAML_SEQUENCE_NODE, path, "a sequence"))
		return;
	n = (size_t)(seq->data.sequence.items.top -
		     seq->data.sequence.items.start);
	if (!n) {
		report(x, seq->start_mark, path,
		       "the pool is empty (expected at least one address)");
		return;
	}
	x->pool = calloc(n, sizeof(*x->pool));
	if (!x->pool) {
		report(x, seq->start_mark, path, "out of memory");
		return;
	}
	for (it = seq->data.sequence.items.start;
	     it < seq->data.sequence.items.top; it++, idx++) {
		yaml_node_t *e = node_get(x, *it);
		char p[PATH_BUF], b1[20], b2[20];
		uint32_t a;
		unsigned len;
		int m;

		snprintf(p, sizeof(p), "%s[%u]", path, idx);
		if (!e || !get_prefix(x, e, p, true, &a, &len))
			continue;
		m = martian(a, len);
		if (m >= 0) {
			report_martian(x, e, p, a, len, m,
				       "a public address");
			continue;
		}
		for (i = 0; i < x->npool; i++)
			if (prefix_overlap(a, len, x->pool[i].addr,
					   x->pool[i].len))
				break;
		if (i < x->npool) {
			struct pool_ent *o = &x->pool[i];
			size_t line = o->node->start_mark.line + 1;
			size_t col = o->node->start_mark.column + 1;

			if (len == o->len && a == o->addr)
				report(x, e->start_mark, p,
				       "%s is listed twice (first at line %zu, column %zu)",
				       fmt_prefix(a, len, b1), line, col);
			else
				report(x, e->start_mark, p,
				       "%s overlaps %s (line %zu, column %zu)",
				       fmt_prefix(a, len, b1),
				       fmt_prefix(o->addr, o->len, b2),
				       line, col);
			continue;
		}
		x->pool[x->npool].addr = a;
		x->pool[x->npool].len = len;
		x->pool[x->npool].idx = idx;
		x->pool[x->npool].node = e;
		x->npool++;
		x->pool_total += 1ull << (32 - len);
		if (x->pool_total > CONF_POOL_MAX && !too_many) {
			too_many = true;
			report(x, e->start_mark, p,
			       "%s brings the pool to %" PRIu64
			       " addresses, more than the maximum of %d",
			       fmt_prefix(a, len, b1), x->pool_total,
			       CONF_POOL_MAX);
		}
	}
	if (x->pool_total > CONF_POOL_MAX)
		return;
	for (i = 0; i < x->npool; i++) {
		uint64_t a, end = x->pool[i].addr +
				  (1ull << (32 - x->pool[i].len));

		for (a = x->pool[i].addr; a < end; a++)
			x->c->addrs[x->c->naddrs++] = htonl((uint32_t)a);
	}
}

/**
 * get_ports() - "LO-HI" or "N" (also as an integer), 1 <= LO <= HI <= 65535
 */
static void get_ports(struct ctx *x, yaml_node_t *n)
{
	const char *path = "nat.ports";
	const char *s = want_scalar(x, n, path, "a port range LO-HI");
	char q[QUOTE_BUF], lo_s[8], *dash;
	uint64_t lo, hi;
	bool o1, o2;

	if (!s)
		return;
	quote(s, n->data.scalar.length, q);
	dash = strchr(s, '-');
	if (!dash) {
		if (!parse_digits(s, 65535, &lo, &o1))
			goto bad;
		hi = lo;
		o2 = o1;
	} else {
		if ((size_t)(dash - s) >= sizeof(lo_s))
			goto bad;
		memcpy(lo_s, s, (size_t)(dash - s));
		lo_s[dash - s] = '\0';
		if (!parse_digits(lo_s, 65535, &lo, &o1) ||
		    !parse_digits(dash + 1, 65535, &hi, &o2))
			goto bad;
	}
	if (o1 || o2 || !lo || !hi) {
		report(x, n->start_mark, path,
		       "%s: ports must be 1 to 65535", q);
		return;
	}
	if (lo > hi) {
		report(x, n->start_mark, path,
		       "%s is empty (the first port is above the last)", q);
		return;
	}
	x->c->port_lo = (uint16_t)lo;
	x->c->port_hi = (uint16_t)hi;
	return;
bad:
	report(x, n->start_mark, path,
	       "expected a port range LO-HI such as 1024-65535, got %s", q);
}

enum { TK_TCP_EST, TK_TCP_TRANS, TK_UDP, TK_ICMP, TK_GRE, TK_N };

static const char *const timeout_keys[TK_N] = {
	[TK_TCP_EST]	= "tcp-established",
	[TK_TCP_TRANS]	= "tcp-transitory",
	[TK_UDP]	= "udp",
	[TK_ICMP]	= "icmp",
	[TK_GRE]	= "gre",
};

/* parse_timeouts() - nat.timeouts, with the RFC minimums */
static void parse_timeouts(struct ctx *x, yaml_node_t *map)
{
	static const struct {
		unsigned min;
		const char *why;
	} lim[TK_N] = {
		[TK_TCP_EST]	= { 7440, " (RFC 5382 REQ-5)" },
		[TK_TCP_TRANS]	= { 1, "" },
		[TK_UDP]	= { 120, " (RFC 4787 REQ-5)" },
		[TK_ICMP]	= { 60, " (RFC 5508 REQ-2)" },
		[TK_GRE]	= { 60, "" },
	};
	const char *sec = "nat.timeouts";
	yaml_node_t *vals[TK_N] = { 0 }, *keys[TK_N] = { 0 };
	uint32_t *out[TK_N] = {
		[TK_TCP_EST]	= &x->c->tcp_est_s,
		[TK_TCP_TRANS]	= &x->c->tcp_trans_s,
		[TK_UDP]	= &x->c->udp_s,
		[TK_ICMP]	= &x->c->icmp_s,
		[TK_GRE]	= &x->c->gre_s,
	};
	unsigned i;

	if (!want_kind(x, map, YAML_MAPPING_NODE, sec, "a mapping"))
		return;
	map_scan(x, map, sec, timeout_keys, TK_N, vals, keys);
	for (i = 0; i < TK_N; i++) {
		char p[PATH_BUF];

		if (!vals[i])
			continue;
		snprintf(p, sizeof(p), "%s.%s", sec, timeout_keys[i]);
		get_uint(x, vals[i], p, lim[i].min, TIMEOUT_MAX, " second",
			 lim[i].why, out[i]);
	}
}

enum { NK_ADDRESSES, NK_PORTS, NK_MAX_SESSIONS, NK_TIMEOUTS, NK_N };

static const char *const nat_keys[NK_N] = {
	[NK_ADDRESSES]		= "addresses",
	[NK_PORTS]		= "ports",
	[NK_MAX_SESSIONS]	= "max-sessions",
	[NK_TIMEOUTS]		= "timeouts",
};

/* parse_nat() - the "nat" section */
static void parse_nat(struct ctx *x, yaml_node_t *map)
{
	yaml_node_t *vals[NK_N] = { 0 }, *keys[NK_N] = { 0 };

	if (!want_kind(x, map, YAML_MAPPING_NODE, "nat", "a mapping"))
		return;
	map_scan(x, map, "nat", nat_keys, NK_N, vals, keys);
	if (need(x, map, "nat", nat_keys, vals, NK_ADDRESSES))
		get_pool(x, vals[NK_ADDRESSES]);
	if (vals[NK_PORTS])
		get_ports(x, vals[NK_PORTS]);
	if (vals[NK_MAX_SESSIONS])
		get_uint(x, vals[NK_MAX_SESSIONS], "nat.max-sessions", 1,
			 MAX_SESSIONS_MAX, "", "", &x->c->max_sessions);
	if (vals[NK_TIMEOUTS])
		parse_timeouts(x, vals[NK_TIMEOUTS]);
}

enum { PK_ENABLED, PK_PORTS, PK_MAX_CONN, PK_MAX_PER_CONN, PK_MAX_PER_HOST,
       PK_MAX_PER_SERVER, PK_N };

static const char *const pptp_keys[PK_N] = {
	[PK_ENABLED]		= "enabled",
	[PK_PORTS]		= "ports",
	[PK_MAX_CONN]		= "max-connections",
	[PK_MAX_PER_CONN]	= "max-calls-per-connection",
	[PK_MAX_PER_HOST]	= "max-calls-per-host",
	[PK_MAX_PER_SERVER]	= "max-calls-per-server",
};

/* get_alg_ports() - a sequence of distinct TCP ports, 1..CONF_ALG_PORTS_MAX */
static void get_alg_ports(struct ctx *x, yaml_node_t *seq, struct conf_pptp *p)
{
	const char *path = "alg.pptp.ports";
	uint16_t ports[CONF_ALG_PORTS_MAX];
	yaml_node_item_t *it;
	unsigned n = 0, i;
	bool ok = true;

	if (!want_kind(x, seq, YAML_SEQUENCE_NODE, path, "a sequence"))
		return;
	if (seq->data.sequence.items.start == seq->data.sequence.items.top) {
		report(x, seq->start_mark, path, "the list is empty");
		return;
	}
	for (it = seq->data.sequence.items.start;
	     it < seq->data.sequence.items.top; it++) {
		yaml_node_t *v = node_get(x, *it);
		uint32_t port;

		if (!v || !get_uint(x, v, path, 1, 65535, "", "", &port)) {
			ok = false;
			continue;
		}
		for (i = 0; i < n; i++)
			if (ports[i] == port)
				break;
		if (i < n) {
			report(x, v->start_mark, path,
			       "port %u is listed twice", port);
			ok = false;
		} else if (n == CONF_ALG_PORTS_MAX) {
			report(x, v->start_mark, path,
			       "more than %d ports", CONF_ALG_PORTS_MAX);
			ok = false;
			break;
		} else {
			ports[n++] = (uint16_t)port;
		}
	}
	if (!ok)
		return;
	memcpy(p->ports, ports, sizeof(ports));
	p->nports = n;
}

/* parse_pptp() - the "alg.pptp" section */
static void parse_pptp(struct ctx *x, yaml_node_t *map)
{
	static const struct {
		uint32_t max;
		size_t off;
	} lim[PK_N] = {
		[PK_MAX_CONN] = { 1000000,
			offsetof(struct conf_pptp, max_connections) },
		[PK_MAX_PER_CONN] = { 255,
			offsetof(struct conf_pptp, max_calls_per_connection) },
		[PK_MAX_PER_HOST] = { 1000000,
			offsetof(struct conf_pptp, max_calls_per_host) },
		[PK_MAX_PER_SERVER] = { 1000000,
			offsetof(struct conf_pptp, max_calls_per_server) },
	};
	const char *sec = "alg.pptp";
	yaml_node_t *vals[PK_N] = { 0 }, *keys[PK_N] = { 0 };
	struct conf_pptp *p = &x->c->pptp;
	unsigned i;

	if (!want_kind(x, map, YAML_MAPPING_NODE, sec, "a mapping"))
		return;
	map_scan(x, map, sec, pptp_keys, PK_N, vals, keys);
	if (vals[PK_ENABLED])
		get_bool(x, vals[PK_ENABLED], "alg.pptp.enabled", &p->enabled);
	if (vals[PK_PORTS])
		get_alg_ports(x, vals[PK_PORTS], p);
	for (i = PK_MAX_CONN; i < PK_N; i++) {
		char path[PATH_BUF];

		if (!vals[i])
			continue;
		snprintf(path, sizeof(path), "%s.%s", sec, pptp_keys[i]);
		get_uint(x, vals[i], path, 1, lim[i].max, "", "",
			 (uint32_t *)(void *)((char *)p + lim[i].off));
	}
}

/* parse_alg() - the "alg" section: one subsection per ALG */
static void parse_alg(struct ctx *x, yaml_node_t *map)
{
	static const char *const alg_keys[] = { "pptp" };
	yaml_node_t *vals[1] = { 0 }, *keys[1] = { 0 };

	if (!want_kind(x, map, YAML_MAPPING_NODE, "alg", "a mapping"))
		return;
	map_scan(x, map, "alg", alg_keys, 1, vals, keys);
	if (vals[0])
		parse_pptp(x, vals[0]);
}

/**
 * get_user() - an account name (1..255 of [A-Za-z0-9._-], not starting
 * with '-') or a numeric uid; whether it exists is checked elsewhere
 */
static void get_user(struct ctx *x, yaml_node_t *n)
{
	const char *s = want_scalar(x, n, "user", "a user name or uid");
	char q[QUOTE_BUF];
	uint64_t uid;
	bool over;

	if (!s)
		return;
	qstr(s, q);
	if (parse_digits(s, UID_MAX_VALID, &uid, &over)) {
		if (over) {
			report(x, n->start_mark, "user",
			       "%s is not a valid uid (the maximum is %u)",
			       s, UID_MAX_VALID);
			return;
		}
	} else if (strlen(s) >= sizeof(x->c->user)) {
		report(x, n->start_mark, "user",
		       "the name is longer than %zu characters",
		       sizeof(x->c->user) - 1);
		return;
	} else if (!name_ok(s) || *s == '-') {
		report(x, n->start_mark, "user",
		       "%s is not a valid user name (letters, digits, \".\", \"_\" and \"-\"; not starting with \"-\")",
		       q);
		return;
	}
	strcpy(x->c->user, s);
}

/* parse_log() - the "log" section */
static void parse_log(struct ctx *x, yaml_node_t *map)
{
	static const char *const log_keys[] = { "level" };
	yaml_node_t *vals[1] = { 0 }, *keys[1] = { 0 };
	const char *s;
	char q[QUOTE_BUF];
	int l;

	if (!want_kind(x, map, YAML_MAPPING_NODE, "log", "a mapping"))
		return;
	map_scan(x, map, "log", log_keys, 1, vals, keys);
	if (!vals[0])
		return;
	s = want_scalar(x, vals[0], "log.level", "a log level");
	if (!s)
		return;
	l = conf_log_level_parse(s);
	if (l < 0) {
		report(x, vals[0]->start_mark, "log.level",
		       "%s is not a log level (expected: error, warning, info, debug)",
		       qstr(s, q));
		return;
	}
	x->c->log_level = (enum log_level)l;
}

/* ---------------------------------------------------------------------- */
/* Checks across keys */

/* is_later() - whether node @a starts after node @b in the file */
static bool is_later(const yaml_node_t *a, const yaml_node_t *b)
{
	return a->start_mark.line != b->start_mark.line ?
	       a->start_mark.line > b->start_mark.line :
	       a->start_mark.column > b->start_mark.column;
}

/**
 * in_pool() - report if @addr (from @what, at node @n, or a default if @n
 * is NULL) is in one of the accepted pool entries; at the later of the two
 */
static void in_pool(struct ctx *x, uint32_t addr, yaml_node_t *n,
		    const char *what)
{
	char b1[20], b2[20];
	size_t i;

	for (i = 0; i < x->npool; i++) {
		struct pool_ent *e = &x->pool[i];
		char p[PATH_BUF];

		if (!prefix_overlap(addr, 32, e->addr, e->len))
			continue;
		snprintf(p, sizeof(p), "nat.addresses[%u]", e->idx);
		if (n && is_later(n, e->node)) {
			report(x, n->start_mark, what,
			       "%s is in the pool (%s: %s at line %zu, column %zu)",
			       fmt_prefix(addr, 32, b1), p,
			       fmt_prefix(e->addr, e->len, b2),
			       e->node->start_mark.line + 1,
			       e->node->start_mark.column + 1);
		} else if (n) {
			report(x, e->node->start_mark, p,
			       "%s includes %s %s (line %zu, column %zu)",
			       fmt_prefix(e->addr, e->len, b2), what,
			       fmt_prefix(addr, 32, b1),
			       n->start_mark.line + 1,
			       n->start_mark.column + 1);
		} else {
			report(x, e->node->start_mark, p,
			       "%s includes %s %s (the default)",
			       fmt_prefix(e->addr, e->len, b2), what,
			       fmt_prefix(addr, 32, b1));
		}
		return;
	}
}

/* cross_check() - rules that involve more than one key */
static void cross_check(struct ctx *x)
{
	struct config *c = x->c;

	if (x->dev[0] && x->dev[1] && x->netns_ok[0] && x->netns_ok[1] &&
	    !strcmp(c->inside.name, c->outside.name) &&
	    !strcmp(c->inside.netns, c->outside.netns)) {
		bool out_later = is_later(x->dev[1], x->dev[0]);
		yaml_node_t *n = x->dev[out_later], *o = x->dev[!out_later];

		report(x, n->start_mark,
		       out_later ? "outside.device" : "inside.device",
		       "%s is also %s, in the same network namespace (line %zu, column %zu)",
		       out_later ? c->outside.name : c->inside.name,
		       out_later ? "inside.device" : "outside.device",
		       o->start_mark.line + 1, o->start_mark.column + 1);
	}
	if (x->router_ok)
		in_pool(x, ntohl(c->router_addr), x->router,
			"inside.router-address");
	if (x->address)
		in_pool(x, ntohl(c->inside.address.addr), x->address,
			"inside.address");
	if (x->router_ok && !x->router && x->address &&
	    c->router_addr == c->inside.address.addr) {
		char b[20];

		report(x, x->address->start_mark, "inside.address",
		       "%s is also inside.router-address (the default): the router must not use the host's address",
		       fmt_prefix(ntohl(c->router_addr), 32, b));
	} else if (x->router && x->address &&
		   c->router_addr == c->inside.address.addr) {
		yaml_node_t *r = x->router, *a = x->address;
		bool r_later = is_later(r, a);
		char b[20];

		report(x, r_later ? r->start_mark : a->start_mark,
		       r_later ? "inside.router-address" : "inside.address",
		       "%s is also %s (line %zu, column %zu): the router must not use the host's address",
		       fmt_prefix(ntohl(c->router_addr), 32, b),
		       r_later ? "inside.address" : "inside.router-address",
		       (r_later ? a : r)->start_mark.line + 1,
		       (r_later ? a : r)->start_mark.column + 1);
	}
}

/* ---------------------------------------------------------------------- */
/* The file */

enum { SK_INSIDE, SK_OUTSIDE, SK_NAT, SK_ALG, SK_OFFLOAD, SK_USER, SK_LOG,
       SK_N };

static const char *const top_keys[SK_N] = {
	[SK_INSIDE]	= "inside",
	[SK_OUTSIDE]	= "outside",
	[SK_NAT]	= "nat",
	[SK_ALG]	= "alg",
	[SK_OFFLOAD]	= "offload",
	[SK_USER]	= "user",
	[SK_LOG]	= "log",
};

/* get_offload() - "auto" or "off" */
static void get_offload(struct ctx *x, yaml_node_t *n)
{
	const char *s = want_scalar(x, n, "offload", "auto or off");
	char q[QUOTE_BUF];

	if (!s)
		return;
	if (!strcmp(s, "auto") || !strcmp(s, "off")) {
		x->c->offload = !strcmp(s, "auto");
		return;
	}
	report(x, n->start_mark, "offload", "expected auto or off, got %s",
	       quote(s, n->data.scalar.length, q));
}

/* parse_root() - the top-level mapping */
static void parse_root(struct ctx *x, yaml_node_t *root)
{
	yaml_node_t *vals[SK_N] = { 0 }, *keys[SK_N] = { 0 };
	char q[QUOTE_BUF];
	unsigned i;

	if (root->type != YAML_MAPPING_NODE) {
		report(x, root->start_mark, "",
		       "expected a mapping at the top level, got %s",
		       node_desc(root, q));
		return;
	}
	map_scan(x, root, "", top_keys, SK_N, vals, keys);
	for (i = SK_INSIDE; i <= SK_NAT; i++)
		need(x, root, "", top_keys, vals, i);
	if (vals[SK_INSIDE])
		parse_dev(x, vals[SK_INSIDE], 0);
	if (vals[SK_OUTSIDE])
		parse_dev(x, vals[SK_OUTSIDE], 1);
	if (vals[SK_NAT])
		parse_nat(x, vals[SK_NAT]);
	if (vals[SK_ALG])
		parse_alg(x, vals[SK_ALG]);
	if (vals[SK_OFFLOAD])
		get_offload(x, vals[SK_OFFLOAD]);
	if (vals[SK_USER])
		get_user(x, vals[SK_USER]);
	if (vals[SK_LOG])
		parse_log(x, vals[SK_LOG]);
	cross_check(x);
}

/**
 * offset_mark() - the position of byte @off of @text, for reader errors,
 * which carry an offset instead of a mark
 */
static yaml_mark_t offset_mark(const char *text, size_t len, size_t off)
{
	yaml_mark_t m = { 0 };
	size_t i;

	for (i = 0; i < off && i < len; i++) {
		if (text[i] == '\n') {
			m.line++;
			m.column = 0;
		} else if (((unsigned char)text[i] & 0xc0) != 0x80) {
			m.column++;
		}
	}
	m.index = i;
	return m;
}

/* parser_error() - report the parser's error */
static void parser_error(struct ctx *x, yaml_parser_t *ps, const char *text,
			 size_t len)
{
	yaml_mark_t m = ps->problem_mark;
	const char *problem = ps->problem ? ps->problem : "unknown error";

	switch (ps->error) {
	case YAML_MEMORY_ERROR:
		report(x, m, "", "out of memory");
		return;
	case YAML_READER_ERROR:
		m = offset_mark(text, len, ps->problem_offset);
		if (ps->problem_value != -1)
			report(x, m, "", "%s (byte 0x%02x)", problem,
			       ps->problem_value);
		else
			report(x, m, "", "%s", problem);
		return;
	default:
		break;
	}
	if (ps->context)
		report(x, m, "", "syntax error: %s (%s at line %zu, column %zu)",
		       problem, ps->context, ps->context_mark.line + 1,
		       ps->context_mark.column + 1);
	else
		report(x, m, "", "syntax error: %s", problem);
}

int conf_load_mem(struct config *c, const char *name, const char *text,
		  size_t len, FILE *err)
{
	struct ctx x = { .c = c, .name = name, .err = err };
	yaml_document_t doc, more;
	yaml_parser_t ps;
	yaml_node_t *root;

	conf_defaults(c);
	x.router_ok = true;
	if (!yaml_parser_initialize(&ps)) {
		fprintf(err, "%s: cannot parse: out of memory\n", name);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&ps, (const unsigned char *)text, len);

	if (!yaml_parser_load(&ps, &doc)) {
		parser_error(&x, &ps, text, len);
		goto out;
	}
	x.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (!root) {
		yaml_mark_t m = { 0 };

		report(&x, m, "",
		       "empty file (expected a mapping with the sections inside, outside and nat)");
		yaml_document_delete(&doc);
		goto out;
	}
	parse_root(&x, root);

	if (!yaml_parser_load(&ps, &more)) {
		parser_error(&x, &ps, text, len);
	} else {
		root = yaml_document_get_root_node(&more);
		if (root)
			report(&x, more.start_mark, "",
			       "a second YAML document (the file must hold one)");
		yaml_document_delete(&more);
	}
	yaml_document_delete(&doc);
out:
	yaml_parser_delete(&ps);
	free(x.pool);
	flush_errors(&x);
	return x.nerr;
}

int conf_load(struct config *c, const char *path, FILE *err)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;
	int ret = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		goto fail;
	}
	for (;;) {
		size_t n;

		if (cap - len < 4096) {
			char *p;

			cap = cap ? cap * 2 : 16384;
			if (cap > CONF_FILE_MAX + 4096) {
				ret = -EFBIG;
				break;
			}
			p = realloc(buf, cap);
			if (!p) {
				ret = -ENOMEM;
				break;
			}
			buf = p;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n)
			continue;
		if (ferror(f))
			ret = errno ? -errno : -EIO;
		break;
	}
	fclose(f);
	if (!ret && len > CONF_FILE_MAX)
		ret = -EFBIG;
	if (!ret) {
		ret = conf_load_mem(c, path, buf ? buf : "", len, err);
		free(buf);
		return ret;
	}
	free(buf);
fail:
	fprintf(err, "%s: cannot read: %s\n", path, strerror(-ret));
	return ret;
}
