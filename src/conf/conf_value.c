/* SPDX-License-Identifier: MIT */
/* conf_value.c - read one value of each kind the table knows
 *
 * conf_parse_value() reads the value of one key into its place, as the
 * key's row says (kind, bounds, offset), and reports what is wrong with
 * it alone: its type, syntax and range, and rules within the value such
 * as entries listed twice or pool blocks that overlap.  Rules that need
 * another key to decide are conf_check.c's.  A reader reports at the
 * offending node, so messages point at the value; lists report at the
 * entry.  Each returns false if it reported anything.
 *
 * Addresses are read strictly (four decimal parts, no leading zeros), as
 * are integers (digits only); the helpers for both are here.
 */

#include <arpa/inet.h>
#include <net/if.h>

#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "conf_int.h"

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

/* at() - the place @off bytes into @base */
static void *at(void *base, size_t off)
{
	return (char *)base + off;
}

/* row_of() - the index of @k in the table */
static size_t row_of(const struct conf_key *k)
{
	size_t n;

	return (size_t)(k - conf_keys(&n));
}

const char *conf_name_of(const struct conf_name *names, int value)
{
	for (; names->name; names++)
		if (names->value == value)
			return names->name;
	return NULL;
}

/* ---------------------------------------------------------------------- */
/* Integers and words */

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
		unsigned d = (unsigned)(*s - '0');

		if (*s < '0' || *s > '9')
			return false;
		/* n * 10 + d > max, without wrapping (d > max: a bound
		 * below 10) */
		if (d > max || n > (max - d) / 10)
			*over = true;
		else
			n = n * 10 + d;
	}
	*v = n;
	return true;
}

/**
 * conf_report_below() - "N is below the minimum of LO[ UNIT[s]]WHY" at
 * scalar @n, whose text is the digits of N
 */
void conf_report_below(struct ctx *x, yaml_node_t *n, const char *path,
		       uint64_t lo, const char *unit, const char *why)
{
	conf_report(x, n->start_mark, path,
		    "%s is below the minimum of %" PRIu64 "%s%s%s",
		    (const char *)n->data.scalar.value, lo, unit,
		    *unit && lo != 1 ? "s" : "", why);
}

/**
 * get_uint() - an integer scalar within @lo..@hi
 * @unit:	appended to the bounds in messages (" second", with an "s"
 *		added for bounds other than 1), or ""
 * @out:	the value, if valid
 *
 * Return: true if valid; false after reporting
 */
static bool get_uint(struct ctx *x, yaml_node_t *n, const char *path,
		     uint64_t lo, uint64_t hi, const char *unit,
		     uint32_t *out)
{
	const char *s = conf_want_scalar(x, n, path, "an integer");
	char q[QUOTE_BUF];
	uint64_t v = 0;
	bool over;

	if (!s)
		return false;
	if (!parse_digits(s, hi, &v, &over)) {
		conf_report(x, n->start_mark, path,
			    "expected an integer, got %s",
			    conf_quote(s, n->data.scalar.length, q));
		return false;
	}
	if (over) {
		conf_report(x, n->start_mark, path,
			    "%s is above the maximum of %" PRIu64 "%s%s", s, hi,
			    unit, *unit && hi != 1 ? "s" : "");
		return false;
	}
	if (v < lo) {
		conf_report_below(x, n, path, lo, unit, "");
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
	const char *s = conf_want_scalar(x, n, path, "true or false");
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
	conf_report(x, n->start_mark, path, "expected true or false, got %s",
		    conf_quote(s, n->data.scalar.length, q));
	return false;
}

/* join_names() - "a, b, c" (@last ", ") or "a, b or c" (@last " or ") */
static const char *join_names(const struct conf_name *names,
			      const char *last, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (; names->name; names++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
					!len ? "" : names[1].name ? ", " :
					last, names->name);
	return buf;
}

/**
 * get_word() - one of @names, exactly (case matters)
 * @what:	what a value is ("a log level"): a bad word is then reported
 *		as "X is not a log level (expected: a, b)"; if NULL, as
 *		"expected a or b, got X"
 */
static bool get_word(struct ctx *x, yaml_node_t *n, const char *path,
		     const struct conf_name *names, const char *what,
		     int *out)
{
	char q[QUOTE_BUF], list[256];
	const struct conf_name *nm;
	const char *s;

	join_names(names, what ? ", " : " or ", list, sizeof(list));
	s = conf_want_scalar(x, n, path, what ? what : list);
	if (!s)
		return false;
	for (nm = names; nm->name; nm++) {
		if (!strcmp(s, nm->name)) {
			*out = nm->value;
			return true;
		}
	}
	conf_quote(s, n->data.scalar.length, q);
	if (what)
		conf_report(x, n->start_mark, path,
			    "%s is not %s (expected: %s)", q, what, list);
	else
		conf_report(x, n->start_mark, path, "expected %s, got %s",
			    list, q);
	return false;
}

/* store_int() - @v into an enum (int) or a bool of @size bytes at @p */
static void store_int(void *p, size_t size, int v)
{
	bool b = v;

	if (size == sizeof(bool))
		memcpy(p, &b, sizeof(b));
	else
		memcpy(p, &v, sizeof(v));
}

/* get_filtering() - a behaviour for all, or a map of tcp, udp, icmp to one */
static bool get_filtering(struct ctx *x, yaml_node_t *n, const char *path,
			  enum conf_filter *f)
{
	yaml_node_t *vals[CONF_L4_N] = { 0 }, *keys[CONF_L4_N] = { 0 };
	const char *names[CONF_L4_N];
	bool ok = true;
	char q[QUOTE_BUF];
	unsigned i;
	int v;

	if (n->type == YAML_SCALAR_NODE && n->data.scalar.length) {
		if (!get_word(x, n, path, conf_filter_names,
			      "a filtering behaviour", &v))
			return false;
		for (i = 0; i < CONF_L4_N; i++)
			f[i] = (enum conf_filter)v;
		return true;
	}
	if (n->type != YAML_MAPPING_NODE) {
		conf_report(x, n->start_mark, path,
			    "expected a filtering behaviour or a mapping of tcp, udp and icmp to one, got %s",
			    conf_node_desc(n, q));
		return false;
	}
	for (i = 0; i < CONF_L4_N; i++)
		names[i] = conf_l4_names[i].name;
	conf_map_scan(x, n, path, names, CONF_L4_N, vals, keys);
	for (i = 0; i < CONF_L4_N; i++) {
		char p[PATH_BUF];

		if (!vals[i])
			continue;
		snprintf(p, sizeof(p), "%s.%s", path, names[i]);
		if (get_word(x, vals[i], p, conf_filter_names,
			     "a filtering behaviour", &v))
			f[i] = (enum conf_filter)v;
		else
			ok = false;
	}
	return ok;
}

/* get_mss() - "auto" (-1), "off" (0) or an integer @lo..@hi */
static bool get_mss(struct ctx *x, yaml_node_t *n, const char *path,
		    uint32_t lo, uint32_t hi, int *out)
{
	const char *s = conf_want_scalar(x, n, path, "auto, off or an integer");
	char q[QUOTE_BUF];
	uint64_t v;
	uint32_t mss;
	bool over;

	if (!s)
		return false;
	if (!strcmp(s, "auto") || !strcmp(s, "off")) {
		*out = !strcmp(s, "auto") ? -1 : 0;
		return true;
	}
	if (!parse_digits(s, hi, &v, &over)) {
		conf_report(x, n->start_mark, path,
			    "expected auto, off or an integer, got %s",
			    conf_quote(s, n->data.scalar.length, q));
		return false;
	}
	if (!get_uint(x, n, path, lo, hi, "", &mss))
		return false;
	*out = (int)mss;
	return true;
}

/* get_nice() - an integer CONF_NICE_MIN..CONF_NICE_MAX, a sign allowed */
static bool get_nice(struct ctx *x, yaml_node_t *n, const char *path,
		     int *out)
{
	const char *s = conf_want_scalar(x, n, path, "an integer");
	bool neg, over;
	char q[QUOTE_BUF];
	uint64_t v;

	if (!s)
		return false;
	neg = *s == '-';
	if (!parse_digits(s + neg, 100, &v, &over)) {
		conf_report(x, n->start_mark, path,
			    "expected an integer, got %s",
			    conf_quote(s, n->data.scalar.length, q));
		return false;
	}
	if (neg && (over || v > (uint64_t)-CONF_NICE_MIN)) {
		conf_report(x, n->start_mark, path,
			    "%s is below the minimum of %d", s, CONF_NICE_MIN);
		return false;
	}
	if (!neg && (over || v > CONF_NICE_MAX)) {
		conf_report(x, n->start_mark, path,
			    "%s is above the maximum of %d", s, CONF_NICE_MAX);
		return false;
	}
	*out = neg ? -(int)v : (int)v;
	return true;
}

/* get_auto_uint() - "auto" (0) or an integer @lo..@hi */
static bool get_auto_uint(struct ctx *x, yaml_node_t *n, const char *path,
			  uint32_t lo, uint32_t hi, uint32_t *out)
{
	const char *s = conf_want_scalar(x, n, path, "auto or an integer");
	char q[QUOTE_BUF];
	uint64_t v;
	bool over;

	if (!s)
		return false;
	if (!strcmp(s, "auto")) {
		*out = 0;
		return true;
	}
	if (!parse_digits(s, hi, &v, &over)) {
		conf_report(x, n->start_mark, path,
			    "expected auto or an integer, got %s",
			    conf_quote(s, n->data.scalar.length, q));
		return false;
	}
	return get_uint(x, n, path, lo, hi, "", out);
}

/* ---------------------------------------------------------------------- */
/* Addresses */

uint32_t conf_prefix_mask(unsigned len)
{
	return len ? ~0u << (32 - len) : 0;
}

bool conf_prefix_overlap(uint32_t a, unsigned alen, uint32_t b,
			 unsigned blen)
{
	uint32_t m = conf_prefix_mask(alen < blen ? alen : blen);

	return (a & m) == (b & m);
}

const char *conf_fmt_prefix(uint32_t a, unsigned len, char *buf)
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
	const char *s = conf_want_scalar(x, n, path, net ? "an IPv4 prefix" :
					 "an IPv4 address"), *e;
	char q[QUOTE_BUF], b1[PREFIX_BUF], b2[PREFIX_BUF];
	uint64_t len = 32;
	uint32_t a;
	bool over;

	if (!s)
		return false;
	conf_quote(s, n->data.scalar.length, q);
	if (!parse_addr(s, &e, &a) || (*e && *e != '/')) {
		conf_report(x, n->start_mark, path,
			    "%s is not an IPv4 address", q);
		return false;
	}
	if (*e == '/' && (!parse_digits(e + 1, 32, &len, &over) || over ||
			  (e[1] == '0' && e[2]))) {
		conf_report(x, n->start_mark, path,
			    "%s: the prefix length must be 0 to 32", q);
		return false;
	}
	if (net && (a & ~conf_prefix_mask((unsigned)len))) {
		conf_report(x, n->start_mark, path,
			    "%s has host bits set (did you mean %s?)",
			    conf_fmt_prefix(a, (unsigned)len, b1),
			    conf_fmt_prefix(a & conf_prefix_mask((unsigned)len),
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
		if (conf_prefix_overlap(a, len, martians[i].addr,
					martians[i].len))
			return (int)i;
	return -1;
}

/* martian_within() - the martian block that holds all of @a/@len, or -1 */
static int martian_within(uint32_t a, unsigned len)
{
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(martians); i++)
		if (len >= martians[i].len &&
		    conf_prefix_overlap(a, len, martians[i].addr,
					martians[i].len))
			return (int)i;
	return -1;
}

/* report_martian() - "X is in Y (what)" or "X includes Y (what)" */
static void report_martian(struct ctx *x, yaml_node_t *n, const char *path,
			   uint32_t a, unsigned len, int m, const char *use)
{
	char b1[PREFIX_BUF], b2[PREFIX_BUF];

	conf_report(x, n->start_mark, path, "%s %s %s (%s), not %s",
		    conf_fmt_prefix(a, len, b1),
		    len >= martians[m].len ? "is in" : "includes",
		    conf_fmt_prefix(martians[m].addr, martians[m].len, b2),
		    martians[m].what, use);
}

/* get_ifaddr() - an interface address: any host bits, a /32 if bare */
static bool get_ifaddr(struct ctx *x, yaml_node_t *n, const char *path,
		       struct conf_prefix *p, bool *has)
{
	uint32_t a;
	unsigned len;

	if (!get_prefix(x, n, path, false, &a, &len))
		return false;
	p->addr = htonl(a);
	p->len = (uint8_t)len;
	*has = true;
	return true;
}

/* get_router() - one unicast address, without a prefix length */
static bool get_router(struct ctx *x, yaml_node_t *n, const char *path,
		       uint32_t *out)
{
	char q[QUOTE_BUF];
	uint32_t a;
	unsigned len;
	int m;

	if (n->type == YAML_SCALAR_NODE &&
	    memchr(n->data.scalar.value, '/', n->data.scalar.length)) {
		conf_report(x, n->start_mark, path,
			    "expected one IPv4 address without a prefix length, got %s",
			    conf_node_desc(n, q));
		return false;
	}
	if (!get_prefix(x, n, path, false, &a, &len))
		return false;
	m = martian(a, 32);
	if (m >= 0) {
		report_martian(x, n, path, a, 32, m, "a unicast address");
		return false;
	}
	*out = htonl(a);
	return true;
}

/**
 * get_prefixes() - a sequence of prefixes, none twice, at most @max
 * @net:	the host bits must be zero
 * @sources:	the entries are sources of packets: none may lie within a
 *		martian block; @sources says whose ("an inside source")
 * @noun:	what the entries are, for the count ("routes")
 * @where:	if not NULL, set to the node of each accepted entry
 *
 * Beyond @max, the first @max are kept and the count is reported at the
 * sequence.
 */
static bool get_prefixes(struct ctx *x, yaml_node_t *seq, const char *path,
			 bool net, const char *sources, const char *noun,
			 unsigned max, struct conf_prefix *out, unsigned *nout,
			 yaml_node_t **where)
{
	yaml_node_t *first[CONF_PREFIXES_MAX];
	yaml_node_item_t *it;
	unsigned i, idx = 0;
	bool ok = true;

	if (!conf_want_kind(x, seq, YAML_SEQUENCE_NODE, path, "a sequence"))
		return false;
	for (it = seq->data.sequence.items.start;
	     it < seq->data.sequence.items.top; it++, idx++) {
		yaml_node_t *n = conf_node(x, *it);
		char p[PATH_BUF + 16], b[PREFIX_BUF];
		uint32_t a;
		unsigned len;
		int m;

		snprintf(p, sizeof(p), "%s[%u]", path, idx);
		if (!n || !get_prefix(x, n, p, net, &a, &len)) {
			ok = false;
			continue;
		}
		m = sources ? martian_within(a, len) : -1;
		if (m >= 0) {
			report_martian(x, n, p, a, len, m, sources);
			ok = false;
			continue;
		}
		for (i = 0; i < *nout; i++)
			if (out[i].addr == htonl(a) && out[i].len == len)
				break;
		if (i < *nout) {
			conf_report(x, n->start_mark, p,
				    "%s is listed twice (first at line %zu, column %zu)",
				    conf_fmt_prefix(a, len, b),
				    first[i]->start_mark.line + 1,
				    first[i]->start_mark.column + 1);
			ok = false;
			continue;
		}
		if (*nout < max) {
			first[*nout] = n;
			if (where)
				where[*nout] = n;
			out[*nout].addr = htonl(a);
			out[*nout].len = (uint8_t)len;
			(*nout)++;
		}
	}
	if (idx > max) {
		conf_report(x, seq->start_mark, path,
			    "%u %s, more than the maximum of %u", idx, noun,
			    max);
		ok = false;
	}
	return ok;
}

/* ---------------------------------------------------------------------- */
/* Names */

/**
 * get_devname() - a network interface name, as the kernel's
 * dev_valid_name() accepts: 1..IFNAMSIZ-1 bytes, no '/', ':' or white space,
 * not "." or ".."
 */
static bool get_devname(struct ctx *x, yaml_node_t *n, const char *path,
			char *out)
{
	const char *s = conf_want_scalar(x, n, path, "a device name");
	char q[QUOTE_BUF];

	if (!s)
		return false;
	conf_qstr(s, q);
	if (strlen(s) >= IFNAMSIZ) {
		conf_report(x, n->start_mark, path,
			    "%s is longer than %d characters", q, IFNAMSIZ - 1);
		return false;
	}
	if (strpbrk(s, "/: \t\n\v\f\r") || !strcmp(s, ".") ||
	    !strcmp(s, "..")) {
		conf_report(x, n->start_mark, path,
			    "%s is not a valid device name (no \"/\", \":\" or white space; not \".\" or \"..\")",
			    q);
		return false;
	}
	strcpy(out, s);
	return true;
}

/**
 * get_links() - a sequence of interface names, none twice, not "lo"
 * @out:	char[@max][IFNAMSIZ]; the count goes to *@nout
 * @where:	set to the node of each accepted entry
 *
 * "lo" is refused: a rule for packets arriving on it would catch
 * everything the router itself sends.
 */
static bool get_links(struct ctx *x, yaml_node_t *seq, const char *path,
		      unsigned max, char (*out)[IFNAMSIZ], unsigned *nout,
		      yaml_node_t **where)
{
	yaml_node_item_t *it;
	unsigned i, idx = 0;
	bool ok = true;

	if (!conf_want_kind(x, seq, YAML_SEQUENCE_NODE, path, "a sequence"))
		return false;
	for (it = seq->data.sequence.items.start;
	     it < seq->data.sequence.items.top; it++, idx++) {
		yaml_node_t *n = conf_node(x, *it);
		char p[PATH_BUF + 16], name[IFNAMSIZ], q[QUOTE_BUF];

		snprintf(p, sizeof(p), "%s[%u]", path, idx);
		if (!n || !get_devname(x, n, p, name)) {
			ok = false;
			continue;
		}
		if (!strcmp(name, "lo")) {
			conf_report(x, n->start_mark, p,
				    "\"lo\" cannot be a link: its rule would catch every packet the router sends itself");
			ok = false;
			continue;
		}
		for (i = 0; i < *nout; i++)
			if (!strcmp(out[i], name))
				break;
		if (i < *nout) {
			conf_report(x, n->start_mark, p,
				    "%s is listed twice (first at line %zu, column %zu)",
				    conf_qstr(name, q),
				    where[i]->start_mark.line + 1,
				    where[i]->start_mark.column + 1);
			ok = false;
			continue;
		}
		if (*nout < max) {
			where[*nout] = n;
			strcpy(out[*nout], name);
			(*nout)++;
		}
	}
	if (idx > max) {
		conf_report(x, seq->start_mark, path,
			    "%u links, more than the maximum of %u", idx, max);
		ok = false;
	}
	return ok;
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
 * @size:	bytes at @out
 */
static bool get_netns(struct ctx *x, yaml_node_t *n, const char *path,
		      char *out, size_t size)
{
	const char *s = conf_want_scalar(x, n, path, "a namespace name or "
					 "an absolute path");
	char q[QUOTE_BUF];

	if (!s)
		return false;
	conf_qstr(s, q);
	if (strchr(s, '/')) {
		if (*s != '/') {
			conf_report(x, n->start_mark, path,
				    "%s is a relative path (a path must start with \"/\")",
				    q);
			return false;
		}
		if (strlen(s) >= size) {
			conf_report(x, n->start_mark, path,
				    "the path is longer than %zu characters",
				    size - 1);
			return false;
		}
		strcpy(out, s);
		return true;
	}
	if (strlen(s) > NETNS_NAME_MAX) {
		conf_report(x, n->start_mark, path,
			    "the name is longer than %d characters",
			    NETNS_NAME_MAX);
		return false;
	}
	if (!name_ok(s) || !strcmp(s, ".") || !strcmp(s, "..")) {
		conf_report(x, n->start_mark, path,
			    "%s is not a valid namespace name (letters, digits, \".\", \"_\" and \"-\"; not \".\" or \"..\")",
			    q);
		return false;
	}
	snprintf(out, size, "%s%s", NETNS_DIR, s);
	return true;
}

/**
 * get_account() - an account name (1..255 of [A-Za-z0-9._-], not
 * starting with '-') or a number: a user and uid (@group false), or a
 * group and gid; whether it exists is checked elsewhere
 * @size:	bytes at @out
 */
static bool get_account(struct ctx *x, yaml_node_t *n, const char *path,
			bool group, char *out, size_t size)
{
	const char *who = group ? "group" : "user", *id = group ? "gid" : "uid";
	char q[QUOTE_BUF], what[32];
	uint64_t num;
	const char *s;
	bool over;

	snprintf(what, sizeof(what), "a %s name or %s", who, id);
	s = conf_want_scalar(x, n, path, what);
	if (!s)
		return false;
	conf_qstr(s, q);
	if (parse_digits(s, UID_MAX_VALID, &num, &over)) {
		if (over) {
			conf_report(x, n->start_mark, path,
				    "%s is not a valid %s (the maximum is %u)",
				    s, id, UID_MAX_VALID);
			return false;
		}
	} else if (strlen(s) >= size) {
		conf_report(x, n->start_mark, path,
			    "the name is longer than %zu characters", size - 1);
		return false;
	} else if (!name_ok(s) || *s == '-') {
		conf_report(x, n->start_mark, path,
			    "%s is not a valid %s name (letters, digits, \".\", \"_\" and \"-\"; not starting with \"-\")",
			    q, who);
		return false;
	}
	strcpy(out, s);
	return true;
}

/**
 * get_path() - an absolute path of fewer than @size bytes
 */
static bool get_path(struct ctx *x, yaml_node_t *n, const char *path,
		     char *out, size_t size)
{
	const char *s = conf_want_scalar(x, n, path, "an absolute path");
	char q[QUOTE_BUF];

	if (!s)
		return false;
	if (*s != '/') {
		conf_report(x, n->start_mark, path,
			    "%s is not an absolute path (it must start with \"/\")",
			    conf_qstr(s, q));
		return false;
	}
	if (strlen(s) >= size) {
		conf_report(x, n->start_mark, path,
			    "the path is longer than %zu bytes", size - 1);
		return false;
	}
	strcpy(out, s);
	return true;
}

/* ---------------------------------------------------------------------- */
/* The pool and ports */

/**
 * get_pool() - nat.addresses: single addresses and blocks
 *
 * Each valid entry that overlaps no earlier one is kept in x->pool; one that
 * does is reported with the position of the earlier one.  The total is
 * checked against CONF_POOL_MAX at the entry that goes past it.  The
 * addresses are expanded into @addrs only if they all fit.
 */
static bool get_pool(struct ctx *x, yaml_node_t *seq, const char *path,
		     uint32_t *addrs, unsigned *naddrs)
{
	int nerr = x->nerr;
	yaml_node_item_t *it;
	bool too_many = false;
	unsigned idx = 0;
	size_t n, i;

	x->pool_bad = true;
	if (!conf_want_kind(x, seq, YAML_SEQUENCE_NODE, path, "a sequence"))
		return false;
	n = (size_t)(seq->data.sequence.items.top -
		     seq->data.sequence.items.start);
	if (!n) {
		conf_report(x, seq->start_mark, path,
			    "the pool is empty (expected at least one address)");
		return false;
	}
	free(x->pool);
	x->npool = 0;
	x->pool_total = 0;
	x->pool = calloc(n, sizeof(*x->pool));
	if (!x->pool) {
		conf_report(x, seq->start_mark, path, "out of memory");
		return false;
	}
	for (it = seq->data.sequence.items.start;
	     it < seq->data.sequence.items.top; it++, idx++) {
		yaml_node_t *e = conf_node(x, *it);
		char p[PATH_BUF], b1[PREFIX_BUF], b2[PREFIX_BUF];
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
			if (conf_prefix_overlap(a, len, x->pool[i].addr,
						x->pool[i].len))
				break;
		if (i < x->npool) {
			struct pool_ent *o = &x->pool[i];
			size_t line = o->node->start_mark.line + 1;
			size_t col = o->node->start_mark.column + 1;

			if (len == o->len && a == o->addr)
				conf_report(x, e->start_mark, p,
					    "%s is listed twice (first at line %zu, column %zu)",
					    conf_fmt_prefix(a, len, b1), line,
					    col);
			else
				conf_report(x, e->start_mark, p,
					    "%s overlaps %s (line %zu, column %zu)",
					    conf_fmt_prefix(a, len, b1),
					    conf_fmt_prefix(o->addr, o->len,
							    b2),
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
			conf_report(x, e->start_mark, p,
				    "%s brings the pool to %" PRIu64
				    " addresses, more than the maximum of %d",
				    conf_fmt_prefix(a, len, b1), x->pool_total,
				    CONF_POOL_MAX);
		}
	}
	if (x->pool_total > CONF_POOL_MAX)
		return false;
	for (i = 0; i < x->npool; i++) {
		uint64_t a, end = x->pool[i].addr +
				  (1ull << (32 - x->pool[i].len));

		for (a = x->pool[i].addr; a < end; a++)
			addrs[(*naddrs)++] = htonl((uint32_t)a);
	}
	x->pool_bad = x->nerr != nerr;
	return !x->pool_bad;
}

/* The ways a port range can be wrong. */
enum range_err { RANGE_OK, RANGE_SYNTAX, RANGE_PORTS, RANGE_EMPTY };

/**
 * parse_range() - "LO-HI" or "N", 1 <= LO <= HI <= 65535
 *
 * Return: RANGE_OK with @lo and @hi set, or what is wrong
 */
static enum range_err parse_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	const char *dash = strchr(s, '-');
	uint64_t l, h;
	char lo_s[8];
	bool o1, o2;

	if (!dash) {
		if (!parse_digits(s, 65535, &l, &o1))
			return RANGE_SYNTAX;
		h = l;
		o2 = o1;
	} else {
		if ((size_t)(dash - s) >= sizeof(lo_s))
			return RANGE_SYNTAX;
		memcpy(lo_s, s, (size_t)(dash - s));
		lo_s[dash - s] = '\0';
		if (!parse_digits(lo_s, 65535, &l, &o1) ||
		    !parse_digits(dash + 1, 65535, &h, &o2))
			return RANGE_SYNTAX;
	}
	if (o1 || o2 || !l || !h)
		return RANGE_PORTS;
	if (l > h)
		return RANGE_EMPTY;
	*lo = (uint16_t)l;
	*hi = (uint16_t)h;
	return RANGE_OK;
}

/* report_range() - the message for @e about the value quoted as @q */
static void report_range(struct ctx *x, yaml_node_t *n, const char *path,
			 enum range_err e, const char *q)
{
	if (e == RANGE_PORTS)
		conf_report(x, n->start_mark, path,
			    "%s: ports must be 1 to 65535", q);
	else if (e == RANGE_EMPTY)
		conf_report(x, n->start_mark, path,
			    "%s is empty (the first port is above the last)",
			    q);
}

/* get_ports() - nat.ports: "LO-HI" or "N" (also as an integer) */
static bool get_ports(struct ctx *x, yaml_node_t *n, const char *path,
		      uint16_t *lo, uint16_t *hi)
{
	const char *s = conf_want_scalar(x, n, path, "a port range LO-HI");
	char q[QUOTE_BUF];
	enum range_err e;

	if (!s)
		return false;
	conf_quote(s, n->data.scalar.length, q);
	e = parse_range(s, lo, hi);
	if (e == RANGE_SYNTAX)
		conf_report(x, n->start_mark, path,
			    "expected a port range LO-HI such as 1024-65535, got %s",
			    q);
	else
		report_range(x, n, path, e, q);
	return e == RANGE_OK;
}

/* get_alg_ports() - a sequence of distinct TCP ports, 1..CONF_ALG_PORTS_MAX */
static bool get_alg_ports(struct ctx *x, yaml_node_t *seq, const char *path,
			  uint16_t *out, unsigned *nout)
{
	uint16_t ports[CONF_ALG_PORTS_MAX] = { 0 };
	yaml_node_item_t *it;
	unsigned n = 0, i;
	bool ok = true;

	if (!conf_want_kind(x, seq, YAML_SEQUENCE_NODE, path, "a sequence"))
		return false;
	if (seq->data.sequence.items.start == seq->data.sequence.items.top) {
		conf_report(x, seq->start_mark, path, "the list is empty");
		return false;
	}
	for (it = seq->data.sequence.items.start;
	     it < seq->data.sequence.items.top; it++) {
		yaml_node_t *v = conf_node(x, *it);
		uint32_t port;

		if (!v || !get_uint(x, v, path, 1, 65535, "", &port)) {
			ok = false;
			continue;
		}
		for (i = 0; i < n; i++)
			if (ports[i] == port)
				break;
		if (i < n) {
			conf_report(x, v->start_mark, path,
				    "port %u is listed twice", port);
			ok = false;
		} else if (n == CONF_ALG_PORTS_MAX) {
			conf_report(x, v->start_mark, path,
				    "more than %d ports", CONF_ALG_PORTS_MAX);
			ok = false;
			break;
		} else {
			ports[n++] = (uint16_t)port;
		}
	}
	if (!ok)
		return false;
	memcpy(out, ports, sizeof(ports));
	*nout = n;
	return true;
}

/* ---------------------------------------------------------------------- */
/* forwards */

/**
 * get_proto() - a protocol of conf_proto_names[] or a number 1..255, but
 * not ICMP: tunnat answers ICMP queries to its public addresses itself
 */
static bool get_proto(struct ctx *x, yaml_node_t *n, const char *path,
		      uint8_t *out)
{
	const char *s = conf_want_scalar(x, n, path,
					 "a protocol name or number");
	const struct conf_name *nm;
	char q[QUOTE_BUF], list[256];
	uint32_t v = 0;
	uint64_t d;
	bool over;

	if (!s)
		return false;
	if (parse_digits(s, 255, &d, &over)) {
		if (!get_uint(x, n, path, 1, 255, "", &v))
			return false;
	} else {
		for (nm = conf_proto_names; nm->name; nm++)
			if (!strcmp(s, nm->name))
				break;
		if (!nm->name) {
			size_t len = 0;

			for (nm = conf_proto_names; nm->name; nm++)
				if (nm->value != IPPROTO_ICMP)
					len += (size_t)snprintf(list + len,
						sizeof(list) - len, "%s, ",
						nm->name);
			conf_report(x, n->start_mark, path,
				    "%s is not a protocol (expected: %sor a number 1 to 255)",
				    conf_quote(s, n->data.scalar.length, q),
				    list);
			return false;
		}
		v = (uint32_t)nm->value;
	}
	if (v == IPPROTO_ICMP) {
		conf_report(x, n->start_mark, path,
			    "icmp (protocol 1) cannot be forwarded: tunnat answers ICMP queries to its public addresses itself");
		return false;
	}
	*out = (uint8_t)v;
	return true;
}

/**
 * get_endpoint() - "ADDR", "ADDR:PORT" or "ADDR:LO-HI"
 * @inside:	the inside end: the address must be unicast
 *
 * Whether the protocol wants ports, and whether the address is in the
 * pool, are conf_check.c's to say.
 */
static bool get_endpoint(struct ctx *x, yaml_node_t *n, const char *path,
			 bool inside, struct conf_endpoint *ep)
{
	static const char what[] = "ADDR, ADDR:PORT or ADDR:LO-HI";
	const char *s = conf_want_scalar(x, n, path, what), *e;
	char q[QUOTE_BUF];
	enum range_err r;
	uint32_t a;
	int m;

	if (!s)
		return false;
	conf_quote(s, n->data.scalar.length, q);
	if (!parse_addr(s, &e, &a) || (*e && *e != ':')) {
		conf_report(x, n->start_mark, path, "expected %s, got %s",
			    what, q);
		return false;
	}
	ep->addr = a;
	ep->port = *e == ':';
	if (ep->port) {
		r = parse_range(e + 1, &ep->lo, &ep->hi);
		if (r == RANGE_SYNTAX)
			conf_report(x, n->start_mark, path,
				    "expected %s, got %s", what, q);
		else
			report_range(x, n, path, r, q);
		if (r != RANGE_OK)
			return false;
	}
	m = inside ? martian(a, 32) : -1;
	if (m >= 0) {
		report_martian(x, n, path, a, 32, m, "a unicast address");
		return false;
	}
	return true;
}

/**
 * get_forward() - entry @idx of forwards, a mapping of the fields @ch
 * @f:		the forward, if valid
 * @fa:		where its parts are, if valid
 */
static bool get_forward(struct ctx *x, const struct conf_children *ch,
			yaml_node_t *map, unsigned idx,
			struct conf_forward *f, struct fwd_at *fa)
{
	yaml_node_t *vals[CHILDREN_MAX] = { 0 }, *keys[CHILDREN_MAX] = { 0 };
	const struct conf_key *tab;
	char p[PATH_BUF];
	bool ok = true;
	unsigned i;
	size_t n;

	snprintf(p, sizeof(p), "forwards[%u]", idx);
	if (!conf_want_kind(x, map, YAML_MAPPING_NODE, p, "a mapping"))
		return false;
	tab = conf_keys(&n);
	memset(f, 0, sizeof(*f));
	memset(fa, 0, sizeof(*fa));
	fa->idx = idx;
	conf_map_scan(x, map, p, ch->name_p, ch->n, vals, keys);
	for (i = 0; i < ch->n; i++)
		if (ch->required[i] &&
		    !conf_need(x, map, p, ch->name_p, vals, i))
			ok = false;
	for (i = 0; i < ch->n; i++) {
		const struct conf_key *k = &tab[ch->row[i]];
		char fp[PATH_BUF + CHILD_NAME_MAX];
		bool pub;

		if (!vals[i])
			continue;
		snprintf(fp, sizeof(fp), "%s.%s", p, ch->names[i]);
		switch (k->spec->kind) {
		case K_PROTO:
			ok &= get_proto(x, vals[i], fp, &f->proto);
			break;
		case K_ENDPOINT:
			pub = k->spec->off ==
			      offsetof(struct conf_forward, pub_addr);
			*(pub ? &fa->pub : &fa->in) = vals[i];
			ok &= get_endpoint(x, vals[i], fp, !pub,
					   pub ? &fa->pub_ep : &fa->in_ep);
			break;
		default:
			ok &= conf_parse_value(x, k, vals[i], fp, f);
			break;
		}
	}
	if (!ok)
		return false;
	f->pub_addr = htonl(fa->pub_ep.addr);
	f->pub_lo = fa->pub_ep.lo;
	f->pub_hi = fa->pub_ep.hi;
	f->in_addr = htonl(fa->in_ep.addr);
	f->in_lo = fa->in_ep.lo;
	return true;
}

/**
 * get_forwards() - the forwards sequence; the first CONF_FORWARDS_MAX
 * entries are read, and more are an error
 */
static bool get_forwards(struct ctx *x, const struct conf_key *k,
			 yaml_node_t *seq, const char *path,
			 struct conf_forward *fw, unsigned *nfw)
{
	struct conf_children ch;
	yaml_node_item_t *it;
	unsigned idx = 0;
	bool ok = true;
	size_t n;

	if (!conf_want_kind(x, seq, YAML_SEQUENCE_NODE, path, "a sequence"))
		return false;
	n = (size_t)(seq->data.sequence.items.top -
		     seq->data.sequence.items.start);
	if (n > CONF_FORWARDS_MAX) {
		conf_report(x, seq->start_mark, path,
			    "%zu entries, more than the maximum of %d", n,
			    CONF_FORWARDS_MAX);
		ok = false;
		n = CONF_FORWARDS_MAX;
	}
	free(x->fwd);
	x->fwd = calloc(n ? n : 1, sizeof(*x->fwd));
	if (!x->fwd) {
		conf_report(x, seq->start_mark, path, "out of memory");
		return false;
	}
	conf_children(k->name, true, &ch);
	for (it = seq->data.sequence.items.start;
	     it < seq->data.sequence.items.top && idx < n; it++, idx++) {
		yaml_node_t *e = conf_node(x, *it);

		if (!e || !get_forward(x, &ch, e, idx, &fw[*nfw],
				       &x->fwd[*nfw]))
			ok = false;
		else
			(*nfw)++;
	}
	return ok;
}

/* ---------------------------------------------------------------------- */

bool conf_parse_value(struct ctx *x, const struct conf_key *k,
		      yaml_node_t *n, const char *path, void *base)
{
	const struct conf_spec *sp = k->spec;
	void *p = at(base, sp->off);
	yaml_node_t ***items;
	uint32_t mtu;
	int v;

	switch (sp->kind) {
	case K_BOOL:
		return get_bool(x, n, path, p);
	case K_UINT:
		/* below @rfc_min is for conf_check.c to judge */
		return get_uint(x, n, path, sp->rfc_min ? 0 : sp->lo, sp->hi,
				sp->unit ? sp->unit : "", p);
	case K_NICE:
		return get_nice(x, n, path, p);
	case K_MTU:
		if (!get_uint(x, n, path, 0, 65535, "", &mtu))
			return false;
		if (mtu && mtu < 68) {
			conf_report(x, n->start_mark, path,
				    "%u is below the minimum of 68 (0 leaves the MTU as it is)",
				    mtu);
			return false;
		}
		memcpy(p, &mtu, sizeof(mtu));
		return true;
	case K_DEVNAME:
		return get_devname(x, n, path, p);
	case K_LINKS:
		items = &x->items[row_of(k)];
		if (!*items) {
			*items = calloc(sp->hi, sizeof(**items));
			if (!*items) {
				conf_report(x, n->start_mark, path,
					    "out of memory");
				return false;
			}
		}
		return get_links(x, n, path, sp->hi, p, at(base, sp->off2),
				 *items);
	case K_NETNS:
		return get_netns(x, n, path, p,
				 sizeof(((struct conf_dev *)0)->netns));
	case K_IFADDR:
		return get_ifaddr(x, n, path, p, at(base, sp->off2));
	case K_ROUTER:
		return get_router(x, n, path, p);
	case K_PREFIXES:
		items = k->field ? NULL : &x->items[row_of(k)];
		if (items && !*items) {
			*items = calloc(sp->hi, sizeof(**items));
			if (!*items) {
				conf_report(x, n->start_mark, path,
					    "out of memory");
				return false;
			}
		}
		return get_prefixes(x, n, path, sp->net, sp->sources,
				    sp->noun, sp->hi, p, at(base, sp->off2),
				    items ? *items : NULL);
	case K_POOL:
		return get_pool(x, n, path, p, at(base, sp->off2));
	case K_PORTS:
		return get_ports(x, n, path, p, at(base, sp->off2));
	case K_ENUM:
		if (!get_word(x, n, path, sp->names, sp->what, &v))
			return false;
		store_int(p, sp->size, v);
		return true;
	case K_FILTERING:
		return get_filtering(x, n, path, p);
	case K_MSS:
		return get_mss(x, n, path, sp->lo, sp->hi, p);
	case K_AUTO_UINT:
		return get_auto_uint(x, n, path, sp->lo, sp->hi, p);
	case K_ALG_PORTS:
		return get_alg_ports(x, n, path, p, at(base, sp->off2));
	case K_USER:
		return get_account(x, n, path, false, p,
				   sizeof(((struct config *)0)->user));
	case K_GROUP:
		return get_account(x, n, path, true, p,
				   sizeof(((struct config *)0)->control_group));
	case K_PATH:
		return get_path(x, n, path, p, sp->size);
	case K_FORWARDS:
		return get_forwards(x, k, n, path, p, at(base, sp->off2));
	case K_PROTO:
	case K_ENDPOINT:
		break;	/* fields, read by get_forward() */
	}
	return false;
}
