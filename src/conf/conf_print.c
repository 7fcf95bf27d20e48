/* SPDX-License-Identifier: MIT */
/* conf_print.c - write a struct config back out as tunnat.yaml(5)
 *
 * conf_print() walks the table of keys as the reader does, section by
 * section in table order, and writes each key with its value in the form
 * the reader takes, so that what it writes loads back into the same
 * struct config, byte for byte (the unit tests check it).  Device names
 * and paths are double-quoted with YAML escapes; numbers, words,
 * addresses and ranges are written plain; lists in flow style, and
 * forwards as a block sequence of mappings.  The pool is written as the
 * fewest blocks that expand to the same addresses in the same order.  A
 * key that has no value (a device without netns or address) is written
 * as a comment, since no value would mean "none".
 */

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "conf_int.h"

/* put_str() - @s double-quoted, with YAML escapes */
static void put_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(f, "\\x%02x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

/* put_name() - the name of @v in @names, or the number if it has none */
static void put_name(FILE *f, const struct conf_name *names, int v)
{
	const char *s = conf_name_of(names, v);

	if (s)
		fputs(s, f);
	else
		fprintf(f, "%d", v);
}

/* put_prefixes() - "[a.b.c.d/n, ...]" of @n prefixes (network order) */
static void put_prefixes(FILE *f, const struct conf_prefix *p, unsigned n)
{
	char b[PREFIX_BUF];
	unsigned i;

	fputc('[', f);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? ", " : "",
			conf_fmt_prefix(ntohl(p[i].addr), p[i].len, b));
	fputc(']', f);
}

/**
 * put_pool() - the expanded pool @a (network order) as the fewest blocks:
 * from each address, the largest aligned block whose addresses follow in
 * order, which the reader expands back to the same sequence
 */
static void put_pool(FILE *f, const uint32_t *a, unsigned n)
{
	char b[PREFIX_BUF];
	unsigned i = 0, first = 1;

	fputc('[', f);
	while (i < n) {
		uint32_t start = ntohl(a[i]);
		unsigned len = 32;

		while (len > 0) {
			uint64_t size = 1ull << (33 - len), k;

			if (start & (uint32_t)(size - 1) || i + size > n)
				break;
			for (k = 1; k < size; k++)
				if (ntohl(a[i + k]) != start + k)
					break;
			if (k < size)
				break;
			len--;
		}
		fprintf(f, "%s%s", first ? "" : ", ",
			conf_fmt_prefix(start, len, b));
		first = 0;
		i += 1u << (32 - len);
	}
	fputc(']', f);
}

/* put_end() - "a.b.c.d", "a.b.c.d:P" or "a.b.c.d:LO-HI" */
static void put_end(FILE *f, uint32_t addr, bool ports, unsigned lo,
		    unsigned hi)
{
	char b[PREFIX_BUF];

	fputs(conf_fmt_prefix(ntohl(addr), 32, b), f);
	if (ports && lo == hi)
		fprintf(f, ":%u", lo);
	else if (ports)
		fprintf(f, ":%u-%u", lo, hi);
}

/* put_forwards() - a block sequence, one mapping per forward */
static void put_forwards(FILE *f, const struct conf_forward *fw, unsigned n,
			 int indent)
{
	unsigned i;

	if (!n) {
		fputs(" []\n", f);
		return;
	}
	fputc('\n', f);
	for (i = 0; i < n; i++) {
		bool ports = fw[i].proto == IPPROTO_TCP ||
			     fw[i].proto == IPPROTO_UDP;

		fprintf(f, "%*s- protocol: ", indent, "");
		put_name(f, conf_proto_names, fw[i].proto);
		fprintf(f, "\n%*s  public: ", indent, "");
		put_end(f, fw[i].pub_addr, ports, fw[i].pub_lo, fw[i].pub_hi);
		fprintf(f, "\n%*s  inside: ", indent, "");
		put_end(f, fw[i].in_addr, ports, fw[i].in_lo,
			fw[i].in_lo + (unsigned)(fw[i].pub_hi - fw[i].pub_lo));
		fprintf(f, "\n%*s  from: ", indent, "");
		put_prefixes(f, fw[i].from, fw[i].nfrom);
		fputc('\n', f);
	}
}

/* has_value() - whether key @k has a value in @c: not so for an empty
 * netns or a device without an address */
static bool has_value(const struct conf_key *k, const struct config *c)
{
	const char *p = (const char *)c + k->spec->off;
	bool has;

	switch (k->spec->kind) {
	case K_NETNS:
	case K_GROUP:
	case K_PATH:
		return *p;
	case K_IFADDR:
		memcpy(&has, (const char *)c + k->spec->off2, sizeof(has));
		return has;
	default:
		return true;
	}
}

/* load_int() - the enum (int) or bool of @size bytes at @p */
static int load_int(const void *p, size_t size)
{
	bool b;
	int v;

	if (size == sizeof(bool)) {
		memcpy(&b, p, sizeof(b));
		return b;
	}
	memcpy(&v, p, sizeof(v));
	return v;
}

/**
 * put_value() - the value of @k in @c, after "key:", with its newline
 * @indent:	of the key, for values written as blocks
 */
static void put_value(FILE *f, const struct conf_key *k,
		      const struct config *c, int indent)
{
	const struct conf_spec *sp = k->spec;
	const void *p = (const char *)c + sp->off;
	const void *p2 = (const char *)c + sp->off2;
	const enum conf_filter *flt;
	const struct conf_prefix *pf;
	char b[PREFIX_BUF];
	unsigned n, i;
	uint32_t u;
	uint16_t lo, hi;
	bool bo;
	int v;

	if (sp->kind == K_FORWARDS) {
		memcpy(&n, p2, sizeof(n));
		put_forwards(f, p, n, indent + 2);
		return;		/* it ends its own lines */
	}
	fputc(' ', f);
	switch (sp->kind) {
	case K_BOOL:
		memcpy(&bo, p, sizeof(bo));
		fputs(bo ? "true" : "false", f);
		break;
	case K_UINT:
	case K_MTU:
		memcpy(&u, p, sizeof(u));
		fprintf(f, "%u", u);
		break;
	case K_DEVNAME:
	case K_NETNS:
		put_str(f, p);
		break;
	case K_LINKS:
		memcpy(&n, p2, sizeof(n));
		fputc('[', f);
		for (i = 0; i < n; i++) {
			fputs(i ? ", " : "", f);
			put_str(f, (const char *)p + i * IFNAMSIZ);
		}
		fputc(']', f);
		break;
	case K_USER:
	case K_GROUP:
		fputs(p, f);	/* [A-Za-z0-9._-], not starting with '-' */
		break;
	case K_PATH:
		/* plain if it can be, as its default is written */
		if (strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			      "abcdefghijklmnopqrstuvwxyz0123456789/._-") ==
		    strlen(p))
			fputs(p, f);
		else
			put_str(f, p);
		break;
	case K_IFADDR:
		pf = p;
		fputs(conf_fmt_prefix(ntohl(pf->addr), pf->len, b), f);
		break;
	case K_ROUTER:
		memcpy(&u, p, sizeof(u));
		fputs(conf_fmt_prefix(ntohl(u), 32, b), f);
		break;
	case K_PREFIXES:
		memcpy(&n, p2, sizeof(n));
		put_prefixes(f, p, n);
		break;
	case K_POOL:
		memcpy(&n, p2, sizeof(n));
		put_pool(f, p, n);
		break;
	case K_PORTS:
		memcpy(&lo, p, sizeof(lo));
		memcpy(&hi, p2, sizeof(hi));
		fprintf(f, "%u-%u", lo, hi);
		break;
	case K_ENUM:
		put_name(f, sp->names, load_int(p, sp->size));
		break;
	case K_FILTERING:
		flt = p;
		if (flt[CONF_L4_TCP] == flt[CONF_L4_UDP] &&
		    flt[CONF_L4_UDP] == flt[CONF_L4_ICMP]) {
			put_name(f, conf_filter_names, (int)flt[0]);
			break;
		}
		fputc('{', f);
		for (i = 0; i < CONF_L4_N; i++) {
			fprintf(f, "%s%s: ", i ? ", " : "",
				conf_l4_names[i].name);
			put_name(f, conf_filter_names, (int)flt[i]);
		}
		fputc('}', f);
		break;
	case K_MSS:
		memcpy(&v, p, sizeof(v));
		if (v < 0)
			fputs("auto", f);
		else if (!v)
			fputs("off", f);
		else
			fprintf(f, "%d", v);
		break;
	case K_NICE:
		memcpy(&v, p, sizeof(v));
		fprintf(f, "%d", v);
		break;
	case K_AUTO_UINT:
		memcpy(&u, p, sizeof(u));
		if (u)
			fprintf(f, "%u", u);
		else
			fputs("auto", f);
		break;
	case K_ALG_PORTS:
		memcpy(&n, p2, sizeof(n));
		fputc('[', f);
		for (i = 0; i < n; i++)
			fprintf(f, "%s%u", i ? ", " : "",
				((const uint16_t *)p)[i]);
		fputc(']', f);
		break;
	case K_FORWARDS:
	case K_PROTO:
	case K_ENDPOINT:
		break;
	}
	fputc('\n', f);
}

/* put_section() - the keys of section @sec, indented by @indent */
static void put_section(FILE *f, const struct config *c, const char *sec,
			int indent)
{
	const struct conf_key *tab;
	struct conf_children ch;
	size_t nkeys;
	unsigned i;

	tab = conf_keys(&nkeys);
	conf_children(sec, false, &ch);
	for (i = 0; i < ch.n; i++) {
		const struct conf_key *k;
		char p[PATH_BUF];

		if (ch.row[i] == SIZE_MAX) {
			fprintf(f, "%*s%s:\n", indent, "", ch.names[i]);
			snprintf(p, sizeof(p), "%s%s%s", sec, *sec ? "." : "",
				 ch.names[i]);
			put_section(f, c, p, indent + 2);
			continue;
		}
		k = &tab[ch.row[i]];
		if (!has_value(k, c)) {
			fprintf(f, "%*s# %s: none\n", indent, "", ch.names[i]);
		} else {
			fprintf(f, "%*s%s:", indent, "", ch.names[i]);
			put_value(f, k, c, indent);
		}
	}
}

int conf_print(FILE *f, const struct config *c)
{
	put_section(f, c, "", 0);
	if (fflush(f) || ferror(f))
		return errno ? -errno : -EIO;
	return 0;
}
