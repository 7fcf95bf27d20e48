/* SPDX-License-Identifier: MIT */
/* conf.c - read tunnat.yaml(5) into a struct config, reporting every error
 *
 * Theory of Operation
 * ===================
 * The whole file is loaded with libyaml's document API (yaml_parser_load()),
 * so every node keeps its start mark and can be looked at in any order.  The
 * walk then follows the table of keys (conf_keys.c): at each mapping it asks
 * the table which keys the section has, sorts the mapping's pairs by them
 * (reporting unknown, misplaced and duplicate keys), reports the required
 * ones that are missing, and hands each value to the reader of its kind
 * (conf_value.c) or, for a subsection, walks on into it.  Each reader
 * reports its own errors and returns false, and the walk goes on with the
 * next key, so one run finds every error in the file.  The walk notes,
 * per row, the node each key was given at and whether it was accepted;
 * once it is done, conf_check.c applies the rules that involve more than
 * one key (same device twice, router address in the pool, RFC minimums,
 * forwards against the pool, ...), in one place.
 *
 * Errors are not printed at once: conf_report() keeps them, with their
 * position, and flush_errors() prints them sorted by line and column when
 * everything is checked.  So they come out in file order, whatever order
 * they were found in.  Each is one line, "FILE:LINE:COLUMN: path.to.key:
 * message", with the 1-based position of the offending value (or of the
 * key, for unknown and duplicate keys).
 *
 * Values taken from the file are quoted and escaped (control characters as
 * \xNN) and shortened when shown in a message, so that a broken file cannot
 * garble the terminal.  Scalars are read by their text alone: tags and
 * quoting styles are not looked at, so "1500" and 1500 are the same integer.
 *
 * The defaults are rows of the table too, written as YAML text;
 * conf_defaults() reads each through the reader of its kind, from a small
 * document built in place, so a default means what the same text in a
 * file would.
 */

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "conf.h"
#include "conf_int.h"

#define CONF_FILE_MAX		(16u << 20)	/* bytes; larger is an error */
#define SYNTH_MAX		8	/* entries of a default list */
#define SYNTH_TEXT		64	/* bytes of a default */

/* ---------------------------------------------------------------------- */
/* Errors */

/*
 * If memory runs out, the message is printed at once instead (out of order,
 * but not lost).
 */
void conf_report(struct ctx *x, yaml_mark_t m, const char *path,
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

/* ctx_free() - what a run allocated, but the errors */
static void ctx_free(struct ctx *x)
{
	size_t i;

	for (i = 0; i < CONF_KEYS_MAX; i++)
		free(x->items[i]);
	free(x->pool);
	free(x->fwd);
}

/* ---------------------------------------------------------------------- */
/* Nodes and scalars */

yaml_node_t *conf_node(struct ctx *x, int id)
{
	return yaml_document_get_node(x->doc, id);
}

/**
 * conf_quote() - @s (@len bytes) as a C-like quoted string for a message
 * @buf:	QUOTE_BUF bytes
 *
 * Control bytes, '"' and '\' are escaped; bytes from 0x80 up (UTF-8) pass.
 * Beyond QUOTE_MAX bytes the text is cut (at a character start) and "..."
 * appended.
 *
 * Return: @buf
 */
const char *conf_quote(const char *s, size_t len, char *buf)
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

const char *conf_qstr(const char *s, char *buf)
{
	return conf_quote(s, strlen(s), buf);
}

/**
 * conf_node_desc() - what @n is, for "expected X, got Y" messages
 * @buf:	QUOTE_BUF bytes, used for a scalar's quoted text
 *
 * Return: "a sequence", "a mapping", "an empty value" or the quoted scalar
 */
const char *conf_node_desc(const yaml_node_t *n, char *buf)
{
	switch (n->type) {
	case YAML_SEQUENCE_NODE:
		return "a sequence";
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SCALAR_NODE:
		if (!n->data.scalar.length)
			return "an empty value";
		return conf_quote((const char *)n->data.scalar.value,
				  n->data.scalar.length, buf);
	default:
		return "nothing";
	}
}

/**
 * conf_want_kind() - check that @n is a node of @type
 * @what:	what was expected, for the message ("a mapping")
 *
 * Return: true if it is; false after reporting otherwise
 */
bool conf_want_kind(struct ctx *x, yaml_node_t *n, yaml_node_type_t type,
		    const char *path, const char *what)
{
	char q[QUOTE_BUF];

	if (n->type == type)
		return true;
	conf_report(x, n->start_mark, path, "expected %s, got %s", what,
		    conf_node_desc(n, q));
	return false;
}

/**
 * conf_want_scalar() - the text of @n, which must be a non-empty scalar
 * @what:	what was expected, for the message ("a device name")
 *
 * libyaml terminates every scalar with a NUL; one inside it (from a "\0"
 * escape) would cut the value short unseen, so it is an error.
 *
 * Return: the text, or NULL after reporting why not
 */
const char *conf_want_scalar(struct ctx *x, yaml_node_t *n,
			     const char *path, const char *what)
{
	char q[QUOTE_BUF];
	const char *s;

	if (n->type != YAML_SCALAR_NODE || !n->data.scalar.length) {
		conf_report(x, n->start_mark, path, "expected %s, got %s",
			    what, conf_node_desc(n, q));
		return NULL;
	}
	s = (const char *)n->data.scalar.value;
	if (strlen(s) != n->data.scalar.length) {
		conf_report(x, n->start_mark, path, "contains a NUL character");
		return NULL;
	}
	return s;
}

/* ---------------------------------------------------------------------- */
/* Mappings */

/**
 * conf_map_scan() - sort the pairs of mapping @map into @vals by key name
 * @path:	the mapping's key path ("" for the top level)
 * @names:	the keys allowed here, @n of them
 * @vals:	@n slots, NULL on entry; the value node of each key found
 * @keys:	@n slots, the key nodes
 *
 * Reports keys that are not scalars, unknown keys (listing the allowed
 * ones, or naming the section of a misplaced one) and duplicate keys, at
 * the key.  The values are not looked at.
 */
void conf_map_scan(struct ctx *x, yaml_node_t *map, const char *path,
		   const char *const names[], unsigned n,
		   yaml_node_t *vals[], yaml_node_t *keys[])
{
	yaml_node_pair_t *pair;

	for (pair = map->data.mapping.pairs.start;
	     pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = conf_node(x, pair->key);
		yaml_node_t *v = conf_node(x, pair->value);
		char q[QUOTE_BUF], list[512];
		const char *ks, *home;
		size_t len;
		unsigned i;

		if (!k || !v)
			continue;
		if (k->type != YAML_SCALAR_NODE) {
			conf_report(x, k->start_mark, path,
				    "expected a key name, got %s",
				    conf_node_desc(k, q));
			continue;
		}
		ks = (const char *)k->data.scalar.value;
		for (i = 0; i < n; i++)
			if (strlen(names[i]) == k->data.scalar.length &&
			    !strcmp(names[i], ks))
				break;
		if (i < n && vals[i]) {
			conf_report(x, k->start_mark, path,
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

		conf_quote(ks, k->data.scalar.length, q);
		home = conf_misplaced(path, ks);
		if (home && *home) {
			conf_report(x, k->start_mark, path,
				    "key %s belongs in \"%s\"", q, home);
			continue;
		}
		if (home) {
			conf_report(x, k->start_mark, path,
				    "key %s belongs at the top level", q);
			continue;
		}
		for (i = 0, len = 0; i < n; i++)
			len += (size_t)snprintf(list + len, sizeof(list) - len,
						"%s%s", i ? ", " : "",
						names[i]);
		conf_report(x, k->start_mark, path,
			    "unknown key %s (expected: %s)", q, list);
	}
}

/* conf_need() - report key @names[@i] of @map if it is missing */
bool conf_need(struct ctx *x, yaml_node_t *map, const char *path,
	       const char *const names[], yaml_node_t *vals[], unsigned i)
{
	if (vals[i])
		return true;
	if (*path)
		conf_report(x, map->start_mark, path,
			    "missing required key \"%s\"", names[i]);
	else
		conf_report(x, map->start_mark, path,
			    "missing required section \"%s\"", names[i]);
	return false;
}

bool conf_is_later(const yaml_node_t *a, const yaml_node_t *b)
{
	return a->start_mark.line != b->start_mark.line ?
	       a->start_mark.line > b->start_mark.line :
	       a->start_mark.column > b->start_mark.column;
}

/**
 * switch_set() - read the scalar @n given for section @sec as the value
 * of its key "enabled", if it has one: "control: off" is short for
 * "control: {enabled: off}"
 *
 * Return: whether @sec has such a key (@n was read, errors reported)
 */
static bool switch_set(struct ctx *x, yaml_node_t *n, const char *sec)
{
	const struct conf_key *tab;
	char name[PATH_BUF + 8];
	size_t nkeys, row;

	tab = conf_keys(&nkeys);
	snprintf(name, sizeof(name), "%s.enabled", sec);
	for (row = 0; row < nkeys; row++)
		if (!tab[row].field && !strcmp(tab[row].name, name))
			break;
	if (row == nkeys || tab[row].spec->kind != K_BOOL)
		return false;
	x->given[row] = n;
	if (conf_parse_value(x, &tab[row], n, sec, x->c))
		x->at[row] = n;
	return true;
}

/**
 * walk() - read mapping @map, the section @sec ("" for the top level)
 *
 * The table says which keys @sec has; each value found goes to the reader
 * of its kind, each subsection is walked in turn.  x->given and x->at note,
 * per row, where the key was and whether it was accepted.
 */
static void walk(struct ctx *x, yaml_node_t *map, const char *sec)
{
	yaml_node_t *vals[CHILDREN_MAX] = { 0 }, *keys[CHILDREN_MAX] = { 0 };
	const struct conf_key *tab;
	struct conf_children ch;
	size_t nkeys;
	unsigned i;

	tab = conf_keys(&nkeys);
	conf_children(sec, false, &ch);
	conf_map_scan(x, map, sec, ch.name_p, ch.n, vals, keys);
	for (i = 0; i < ch.n; i++)
		if (ch.required[i])
			conf_need(x, map, sec, ch.name_p, vals, i);
	for (i = 0; i < ch.n; i++) {
		size_t row = ch.row[i];
		char p[PATH_BUF];

		if (!vals[i])
			continue;
		snprintf(p, sizeof(p), "%s%s%s", sec, *sec ? "." : "",
			 ch.names[i]);
		if (row == SIZE_MAX) {
			if (vals[i]->type == YAML_SCALAR_NODE &&
			    switch_set(x, vals[i], p))
				continue;
			if (conf_want_kind(x, vals[i], YAML_MAPPING_NODE, p,
					   "a mapping"))
				walk(x, vals[i], p);
			continue;
		}
		x->given[row] = vals[i];
		if (conf_parse_value(x, &tab[row], vals[i], p, x->c))
			x->at[row] = vals[i];
	}
}

/* ---------------------------------------------------------------------- */
/* Defaults */

/**
 * struct synth - a document of one scalar, or of a flow sequence of
 * scalars "[a, b]", built in place for a default: read by the same code
 * as a file, without libyaml's parser or allocator
 * @doc:	the document; node 1 is the root
 * @nodes:	its nodes
 * @items:	the sequence's items, if the root is one
 * @text:	the scalars, NUL-terminated
 */
struct synth {
	yaml_document_t doc;
	yaml_node_t nodes[1 + SYNTH_MAX];
	yaml_node_item_t items[SYNTH_MAX];
	char text[SYNTH_TEXT];
};

/* synth_scalar() - make @n a scalar of @s, which is in s->text */
static void synth_scalar(yaml_node_t *n, char *s)
{
	n->type = YAML_SCALAR_NODE;
	n->data.scalar.value = (yaml_char_t *)s;
	n->data.scalar.length = strlen(s);
}

/* synth_load() - build the document of @def in @s; return its root */
static yaml_node_t *synth_load(struct synth *s, const char *def)
{
	unsigned n = 0;
	char *p, *end;

	memset(s, 0, sizeof(*s));
	assert(strlen(def) < sizeof(s->text));
	strcpy(s->text, def);
	s->doc.nodes.start = s->nodes;
	if (*def != '[') {
		synth_scalar(&s->nodes[0], s->text);
		s->doc.nodes.top = s->doc.nodes.end = s->nodes + 1;
		return s->nodes;
	}
	end = strchr(s->text, ']');
	assert(end && !end[1]);
	*end = '\0';
	for (p = s->text + 1; *p; n++) {
		char *comma = strchr(p, ',');

		assert(n < SYNTH_MAX);
		if (comma)
			*comma = '\0';
		synth_scalar(&s->nodes[1 + n], p);
		s->items[n] = (yaml_node_item_t)(n + 2);
		p = comma ? comma + 1 + (comma[1] == ' ') : p + strlen(p);
	}
	s->nodes[0].type = YAML_SEQUENCE_NODE;
	s->nodes[0].data.sequence.items.start = s->items;
	s->nodes[0].data.sequence.items.top = s->items + n;
	s->nodes[0].data.sequence.items.end = s->items + SYNTH_MAX;
	s->doc.nodes.top = s->doc.nodes.end = s->nodes + 1 + n;
	return s->nodes;
}

/*
 * Every row's default is read like a value from a file.  A default that
 * the reader rejects is a bug in the table, which the unit tests catch; it
 * is printed here rather than lost.
 */
void conf_defaults(struct config *c)
{
	struct ctx x = { .c = c, .name = "tunnat: default", .err = stderr };
	const struct conf_key *k;
	size_t n, i;

	memset(c, 0, sizeof(*c));
	k = conf_keys(&n);
	for (i = 0; i < n; i++) {
		struct synth s;
		yaml_node_t *root;

		if (k[i].field || !k[i].def || !*k[i].def ||
		    !strcmp(k[i].def, "[]"))
			continue;
		root = synth_load(&s, k[i].def);
		x.doc = &s.doc;
		conf_parse_value(&x, &k[i], root, k[i].name, c);
	}
	ctx_free(&x);
	assert(!x.nerr);
	flush_errors(&x);
}

int conf_log_level_parse(const char *s)
{
	const struct conf_name *n;

	for (n = conf_log_names; n->name; n++)
		if (!strcmp(s, n->name))
			return n->value;
	return -1;
}

const char *conf_log_level_str(enum log_level l)
{
	const char *s = conf_name_of(conf_log_names, (int)l);

	return s ? s : "unknown";
}

/* ---------------------------------------------------------------------- */
/* The file */

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
		conf_report(x, m, "", "out of memory");
		return;
	case YAML_READER_ERROR:
		m = offset_mark(text, len, ps->problem_offset);
		if (ps->problem_value != -1)
			conf_report(x, m, "", "%s (byte 0x%02x)", problem,
				    ps->problem_value);
		else
			conf_report(x, m, "", "%s", problem);
		return;
	default:
		break;
	}
	if (ps->context)
		conf_report(x, m, "",
			    "syntax error: %s (%s at line %zu, column %zu)",
			    problem, ps->context, ps->context_mark.line + 1,
			    ps->context_mark.column + 1);
	else
		conf_report(x, m, "", "syntax error: %s", problem);
}

int conf_load_mem(struct config *c, const char *name, const char *text,
		  size_t len, FILE *err)
{
	struct ctx x = { .c = c, .name = name, .err = err };
	yaml_document_t doc, more;
	yaml_parser_t ps;
	yaml_node_t *root;
	char q[QUOTE_BUF];

	conf_defaults(c);
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

		conf_report(&x, m, "",
			    "empty file (expected a mapping with the sections inside, outside and nat)");
		yaml_document_delete(&doc);
		goto out;
	}
	if (root->type != YAML_MAPPING_NODE) {
		conf_report(&x, root->start_mark, "",
			    "expected a mapping at the top level, got %s",
			    conf_node_desc(root, q));
	} else {
		walk(&x, root, "");
		conf_cross_check(&x);
	}

	if (!yaml_parser_load(&ps, &more)) {
		parser_error(&x, &ps, text, len);
	} else {
		root = yaml_document_get_root_node(&more);
		if (root)
			conf_report(&x, more.start_mark, "",
				    "a second YAML document (the file must hold one)");
		yaml_document_delete(&more);
	}
	yaml_document_delete(&doc);
out:
	yaml_parser_delete(&ps);
	ctx_free(&x);
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
