/* SPDX-License-Identifier: MIT */
/* conf_int.h - what the files of src/conf/ share, and nothing else sees
 *
 * The configuration is read by five files that meet here: conf.c walks
 * the document and keeps the errors, conf_keys.c holds the table of keys
 * (one row each), conf_value.c reads one value of each kind, conf_check.c
 * applies the rules that involve more than one key, and conf_print.c
 * writes a configuration back out.  This header has the state of one run
 * (struct ctx), the private half of a row (struct conf_spec) and the
 * helpers that one file calls in another; nothing outside src/conf/
 * includes it.
 */
#ifndef TN_CONF_INT_H
#define TN_CONF_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <yaml.h>

#include "conf.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif

#define CONF_KEYS_MAX		96	/* rows of the table, at most */
#define QUOTE_MAX		64	/* bytes of a value shown */
#define QUOTE_BUF		(QUOTE_MAX * 4 + 8)
#define PATH_BUF		96
#define PREFIX_BUF		20	/* "255.255.255.255/32" */

#define TIMEOUT_MAX		1000000	/* seconds */
#define HOLDDOWN_MAX		3600	/* seconds */
#define MAX_SESSIONS_MAX	16777216	/* equals NAT_SESSIONS_MAX */
#define MSS_MIN			536	/* RFC 1122 4.2.2.6 */
#define MSS_MAX			65495	/* 65535 - 40 */
#define NETNS_DIR		"/run/netns/"
#define NETNS_NAME_MAX		255
#define UID_MAX_VALID		4294967294u	/* (uid_t)-1 means "none" */

/**
 * enum conf_kind - what a key's value is, and so how it is read and printed
 * @K_BOOL:	bool
 * @K_UINT:	uint32_t, @lo..@hi; or @rfc_min..@hi unless
 *		nat.allow-short-timeouts (checked in conf_check.c)
 * @K_MTU:	uint32_t, 0 or 68..65535
 * @K_DEVNAME:	char[IFNAMSIZ]
 * @K_LINKS:	char[@hi][IFNAMSIZ], count (unsigned) at @off2
 * @K_NETNS:	char[4096]: a path; "" for none
 * @K_IFADDR:	struct conf_prefix, any host bits; bool at @off2 set
 * @K_ROUTER:	uint32_t, one unicast address
 * @K_PREFIXES:	struct conf_prefix[@hi], count (unsigned) at @off2
 * @K_POOL:	uint32_t[CONF_POOL_MAX], blocks expanded, count at @off2
 * @K_PORTS:	uint16_t first port; the last at @off2
 * @K_ENUM:	one of @names, stored in @size bytes (an enum or a bool)
 * @K_FILTERING: enum conf_filter[CONF_L4_N]
 * @K_MSS:	int: -1 auto, 0 off, or @lo..@hi
 * @K_AUTO_UINT: uint32_t: 0 for "auto", or @lo..@hi (@lo >= 1)
 * @K_ALG_PORTS: uint16_t[CONF_ALG_PORTS_MAX], count (unsigned) at @off2
 * @K_USER:	char[256]: a user name or uid
 * @K_GROUP:	char[256]: a group name or gid
 * @K_PATH:	char[@size]: an absolute path; "" for none
 * @K_FORWARDS:	struct conf_forward[CONF_FORWARDS_MAX], count at @off2
 * @K_PROTO:	a field of forwards: uint8_t IP protocol
 * @K_ENDPOINT:	a field of forwards: address and ports; @off says which
 * @K_NICE:	int, a nice value: CONF_NICE_MIN..CONF_NICE_MAX
 */
enum conf_kind {
	K_BOOL,
	K_UINT,
	K_MTU,
	K_DEVNAME,
	K_LINKS,
	K_NETNS,
	K_IFADDR,
	K_ROUTER,
	K_PREFIXES,
	K_POOL,
	K_PORTS,
	K_ENUM,
	K_FILTERING,
	K_MSS,
	K_AUTO_UINT,
	K_ALG_PORTS,
	K_USER,
	K_GROUP,
	K_PATH,
	K_FORWARDS,
	K_PROTO,
	K_ENDPOINT,
	K_NICE,
};

/* A name of a value, for keys that take one of a few words. */
struct conf_name {
	const char *name;
	int value;
};

/**
 * struct conf_spec - the private half of a row of the table
 * @kind:	how the value is read and printed
 * @off:	where it goes: offset in struct config, or in struct
 *		conf_forward for a field of forwards
 * @off2:	a second place, as @kind says (count, flag, last port)
 * @size:	bytes at @off, for K_ENUM and K_PATH
 * @lo, @hi:	bounds of an integer; @hi is the most entries of a list
 * @rfc_min:	for K_UINT, if not 0: the least value unless
 *		nat.allow-short-timeouts is true (then @lo)
 * @unit:	" second" or "", after a bound in a message
 * @why:	the requirement behind @rfc_min ("RFC 4787 REQ-5"), or NULL
 * @names:	for K_ENUM, the words in the order messages list them,
 *		ended by a NULL name
 * @what:	for K_ENUM, what a value is ("a log level"): then a bad word
 *		is "X is not a log level (expected: a, b)"; if NULL it is
 *		"expected a or b, got X"
 * @noun:	for K_PREFIXES, what the entries are, in a count ("routes")
 * @net:	for K_PREFIXES, the host bits must be zero
 * @sources:	for K_PREFIXES, the entries are sources of packets, so none
 *		may lie in a martian block; whose ("an inside source")
 */
struct conf_spec {
	enum conf_kind kind;
	size_t off, off2;
	size_t size;
	uint32_t lo, hi;
	uint32_t rfc_min;
	const char *unit;
	const char *why;
	const struct conf_name *names;
	const char *what;
	const char *noun;
	bool net;
	const char *sources;
};

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
 * struct conf_endpoint - one side of a forward, as written
 * @addr:	host byte order
 * @lo, @hi:	ports, host order; both 0 without a port part
 * @port:	a port part was given
 */
struct conf_endpoint {
	uint32_t addr;
	uint16_t lo, hi;
	bool port;
};

/**
 * struct fwd_at - where an accepted entry of forwards is in the file
 * @pub, @in:	the value nodes of its public and inside ends
 * @idx:	its index in the sequence
 * @pub_ep, @in_ep:	the two ends as written
 */
struct fwd_at {
	yaml_node_t *pub, *in;
	unsigned idx;
	struct conf_endpoint pub_ep, in_ep;
};

/**
 * struct ctx - state of one conf_load_mem() run
 * @c:		the configuration being filled in
 * @name:	file name for messages
 * @doc:	the loaded document
 * @err:	where the errors go
 * @msgs:	errors found so far, @nmsgs of @msgs_cap
 * @nerr:	number of errors found
 * @given:	per row of the table, the value node found in the file
 * @at:		per row, the same if the value was accepted
 * @items:	per list row, the node of each accepted entry (allocated)
 * @pool:	accepted nat.addresses entries, @npool of them
 * @pool_total:	addresses in @pool
 * @pool_bad:	nat.addresses had an error (so @pool is not all of it)
 * @fwd:	one per entry of c->forwards (allocated)
 */
struct ctx {
	struct config *c;
	const char *name;
	yaml_document_t *doc;
	FILE *err;
	struct conf_msg *msgs;
	size_t nmsgs, msgs_cap;
	int nerr;
	yaml_node_t *given[CONF_KEYS_MAX];
	yaml_node_t *at[CONF_KEYS_MAX];
	yaml_node_t **items[CONF_KEYS_MAX];
	struct pool_ent *pool;
	size_t npool;
	uint64_t pool_total;
	bool pool_bad;
	struct fwd_at *fwd;
};

/* conf.c: errors, nodes and the walk */

/* conf_report() - record one error at @m, "PATH: message" ("" for none) */
void conf_report(struct ctx *x, yaml_mark_t m, const char *path,
		 const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* conf_node() - the node @id of the document, or NULL */
yaml_node_t *conf_node(struct ctx *x, int id);

/* conf_quote() - @s (@len bytes) quoted and escaped, cut past QUOTE_MAX */
const char *conf_quote(const char *s, size_t len, char *buf);

/* conf_qstr() - conf_quote() for a NUL-terminated string */
const char *conf_qstr(const char *s, char *buf);

/* conf_node_desc() - "a sequence", "an empty value", the quoted text... */
const char *conf_node_desc(const yaml_node_t *n, char *buf);

/* conf_want_kind() - whether @n is a @type node; reports if not */
bool conf_want_kind(struct ctx *x, yaml_node_t *n, yaml_node_type_t type,
		    const char *path, const char *what);

/* conf_want_scalar() - the text of a non-empty scalar @n; reports if not */
const char *conf_want_scalar(struct ctx *x, yaml_node_t *n,
			     const char *path, const char *what);

/* conf_map_scan() - sort the pairs of @map into @vals by the key @names */
void conf_map_scan(struct ctx *x, yaml_node_t *map, const char *path,
		   const char *const names[], unsigned n,
		   yaml_node_t *vals[], yaml_node_t *keys[]);

/* conf_need() - whether key @names[@i] of @map is there; reports if not */
bool conf_need(struct ctx *x, yaml_node_t *map, const char *path,
	       const char *const names[], yaml_node_t *vals[], unsigned i);

/* conf_is_later() - whether node @a starts after node @b in the file */
bool conf_is_later(const yaml_node_t *a, const yaml_node_t *b);

#define CHILDREN_MAX		24	/* keys of one section, at most */
#define CHILD_NAME_MAX		32

/**
 * struct conf_children - the keys of one section, from the table
 * @n:		how many
 * @names:	their names, in table order
 * @name_p:	pointers to @names, for conf_map_scan()
 * @row:	the row of each key, or SIZE_MAX for a subsection
 * @required:	the key, or a key of the subsection, must be given
 */
struct conf_children {
	unsigned n;
	char names[CHILDREN_MAX][CHILD_NAME_MAX];
	const char *name_p[CHILDREN_MAX];
	size_t row[CHILDREN_MAX];
	bool required[CHILDREN_MAX];
};

/* conf_keys.c: the table */

/**
 * conf_children() - the keys of section @sec ("" for the top level, else
 * "nat", "nat.timeouts"...); with @fields, the fields of the entries of
 * the sequence @sec ("forwards") instead
 */
void conf_children(const char *sec, bool fields, struct conf_children *ch);


/* conf_key_index() - the row of the key named @name; asserts it exists */
size_t conf_key_index(const char *name);

/* conf_key_leaf() - the last part of @k's name ("udp") */
const char *conf_key_leaf(const struct conf_key *k);

/* conf_misplaced() - the home of key @key found in section @path, or NULL */
const char *conf_misplaced(const char *path, const char *key);

extern const struct conf_name conf_log_names[];
extern const struct conf_name conf_target_names[];
extern const struct conf_name conf_filter_names[];
extern const struct conf_name conf_l4_names[];
extern const struct conf_name conf_proto_names[];

/* conf_value.c: one value of each kind */

/* conf_parse_value() - read @n into @base as row @k says; reports errors */
bool conf_parse_value(struct ctx *x, const struct conf_key *k,
		      yaml_node_t *n, const char *path, void *base);

/* conf_name_of() - the name of @value in @names, or NULL */
const char *conf_name_of(const struct conf_name *names, int value);

/* conf_prefix_mask() - the netmask of a /@len, host byte order */
uint32_t conf_prefix_mask(unsigned len);

/* conf_prefix_overlap() - whether two blocks (host order) share an address */
bool conf_prefix_overlap(uint32_t a, unsigned alen, uint32_t b,
			 unsigned blen);

/* conf_fmt_prefix() - "a.b.c.d" for a /32, else "a.b.c.d/len"; @buf 20 */
const char *conf_fmt_prefix(uint32_t a, unsigned len, char *buf);

/* conf_report_below() - "N is below the minimum of LO[ UNIT]WHY" at @n */
void conf_report_below(struct ctx *x, yaml_node_t *n, const char *path,
		       uint64_t lo, const char *unit, const char *why);

/* conf_check.c: the rules across keys */

/* conf_cross_check() - every rule that involves more than one key */
void conf_cross_check(struct ctx *x);

#endif /* TN_CONF_INT_H */
