/* SPDX-License-Identifier: MIT */
/* proto.c - control requests parsed strictly, session records both ways
 *
 * A request is read by the daemon from a peer it does not trust, so the
 * parser is bounded and exact: lines of at most CTL_LINE_MAX bytes of
 * printable ASCII, at most CTL_REQUEST_MAX bytes in all, "key=value" with
 * a lower-case key, each key once and only where its command takes it,
 * every value read in full (no trailing bytes, no leading zeros, no
 * signs).  Anything else is refused with a message naming the line.
 */

#include <arpa/inet.h>
#include <netinet/in.h>

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define KEY_MAX		32

static const char *const cmd_names[CTL_CMD_N] = {
	[CTL_CMD_SESSIONS] = "sessions",
	[CTL_CMD_STATS] = "stats",
	[CTL_CMD_FLUSH] = "flush",
	[CTL_CMD_RELOAD] = "reload",
	[CTL_CMD_CONFIG] = "config",
};

#define C(x)	(1u << CTL_CMD_##x)

enum key_id { K_PROTOCOL, K_INSIDE, K_PUBLIC, K_REMOTE, K_LIMIT, K_N };

/* The keys after "command", and the commands that take each. */
static const struct {
	const char *name;
	unsigned cmds;
} keys[K_N] = {
	[K_PROTOCOL] = { "protocol", C(SESSIONS) | C(FLUSH) },
	[K_INSIDE] = { "inside", C(SESSIONS) | C(FLUSH) },
	[K_PUBLIC] = { "public", C(SESSIONS) | C(FLUSH) },
	[K_REMOTE] = { "remote", C(SESSIONS) | C(FLUSH) },
	[K_LIMIT] = { "limit", C(SESSIONS) },
};

const char *ctl_cmd_name(enum ctl_cmd c)
{
	return c > CTL_CMD_NONE && c < CTL_CMD_N ? cmd_names[c] : NULL;
}

static void errf(char *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void errf(char *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, CTL_ERR_MAX, fmt, ap);
	va_end(ap);
}

long ctl_request_scan(const char *buf, size_t len, char *err)
{
	size_t i, start = 0;
	unsigned line = 1;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)buf[i];

		if (i >= CTL_REQUEST_MAX)
			break;
		if (ch == '\n') {
			if (i == start)
				return (long)i + 1;
			start = i + 1;
			line++;
			continue;
		}
		if (ch < 0x20 || ch > 0x7e) {
			errf(err, "line %u: byte 0x%02x is not allowed (printable ASCII only)",
			     line, ch);
			return -EINVAL;
		}
		if (i - start + 1 >= CTL_LINE_MAX) {
			errf(err, "line %u: longer than %u bytes", line,
			     CTL_LINE_MAX - 1);
			return -EMSGSIZE;
		}
	}
	if (len >= CTL_REQUEST_MAX) {
		errf(err, "request longer than %u bytes", CTL_REQUEST_MAX);
		return -EMSGSIZE;
	}
	return 0;
}

int ctl_u64_parse(const char *s, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (x > (max - (uint64_t)(*s - '0')) / 10)
			return -EINVAL;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*v = x;
	return 0;
}

/* Read a decimal 0..@max of up to @n bytes at @s; the byte after it must
 * be @end.  Return: the bytes read, or 0. */
static size_t dec_read(const char *s, unsigned max, char end, unsigned *v)
{
	unsigned x = 0;
	size_t i;

	for (i = 0; s[i] >= '0' && s[i] <= '9'; i++) {
		if (i && !x)
			return 0;	/* a leading zero */
		x = x * 10 + (unsigned)(s[i] - '0');
		if (x > max)
			return 0;
	}
	if (!i || s[i] != end)
		return 0;
	*v = x;
	return i;
}

int ctl_endpoint_parse(const char *s, uint32_t *addr, uint16_t *port)
{
	uint32_t a = 0;
	unsigned o, i;
	size_t n;

	for (i = 0; i < 4; i++) {
		char end = i < 3 ? '.' : (strchr(s, ':') ? ':' : '\0');

		n = dec_read(s, 255, end, &o);
		if (!n)
			return -EINVAL;
		a = a << 8 | o;
		s += n + (end ? 1 : 0);
	}
	*port = 0;
	if (s[-1] == ':') {
		if (!dec_read(s, 65535, '\0', &o))
			return -EINVAL;
		*port = (uint16_t)o;
	}
	*addr = htonl(a);
	return 0;
}

const char *ctl_addr_str(uint32_t addr, char buf[16])
{
	const uint8_t *b = (const uint8_t *)&addr;

	snprintf(buf, 16, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
	return buf;
}

static const struct {
	const char *name;
	uint8_t proto;
} proto_names[] = {
	{ "tcp", IPPROTO_TCP },
	{ "udp", IPPROTO_UDP },
	{ "icmp", IPPROTO_ICMP },
	{ "gre", IPPROTO_GRE },
};

const char *ctl_proto_name(uint8_t proto, char buf[4])
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(proto_names); i++)
		if (proto_names[i].proto == proto)
			return proto_names[i].name;
	snprintf(buf, 4, "%u", proto);
	return buf;
}

int ctl_proto_parse(const char *s)
{
	uint64_t v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(proto_names); i++)
		if (!strcmp(s, proto_names[i].name))
			return proto_names[i].proto;
	if (ctl_u64_parse(s, 255, &v) || !v)
		return -1;
	return (int)v;
}

/* Read the value @v of key @k into @r; on error, say why in @err. */
static int value_read(struct ctl_request *r, enum key_id k, const char *v,
		      unsigned line, char *err)
{
	struct nat_match *m = &r->match;
	uint32_t *addr = NULL;
	uint16_t *port = NULL;
	uint64_t lim;
	int p;

	switch (k) {
	case K_PROTOCOL:
		p = ctl_proto_parse(v);
		if (p < 0) {
			errf(err, "line %u: protocol: \"%s\" is not tcp, udp, icmp, gre or 1 to 255",
			     line, v);
			return -EINVAL;
		}
		m->proto = (uint8_t)p;
		return 0;
	case K_INSIDE:
		addr = &m->in_addr;
		port = &m->in_port;
		break;
	case K_PUBLIC:
		addr = &m->pub_addr;
		port = &m->pub_port;
		break;
	case K_REMOTE:
		addr = &m->rem_addr;
		port = &m->rem_port;
		break;
	case K_LIMIT:
		if (ctl_u64_parse(v, UINT32_MAX, &lim) || !lim) {
			errf(err, "line %u: limit: \"%s\" is not a number from 1 to %" PRIu32,
			     line, v, UINT32_MAX);
			return -EINVAL;
		}
		r->limit = (uint32_t)lim;
		return 0;
	case K_N:
		break;
	}
	if (ctl_endpoint_parse(v, addr, port)) {
		errf(err, "line %u: %s: \"%s\" is not A.B.C.D or A.B.C.D:PORT (PORT 1 to 65535)",
		     line, keys[k].name, v);
		return -EINVAL;
	}
	if (!*addr || (strchr(v, ':') && !*port)) {
		errf(err, "line %u: %s: \"%s\" would match anything (0.0.0.0 and port 0 are not allowed)",
		     line, keys[k].name, v);
		return -EINVAL;
	}
	return 0;
}

/* Split line @s (NUL-terminated, no newline) at its '=' into @key (at
 * most KEY_MAX bytes, [a-z][a-z0-9-]*) and the value after it. */
static const char *key_split(const char *s, char key[KEY_MAX + 1],
			     unsigned line, char *err)
{
	const char *eq = strchr(s, '=');
	size_t n, i;

	if (!eq) {
		errf(err, "line %u: not key=value", line);
		return NULL;
	}
	n = (size_t)(eq - s);
	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (!(ch >= 'a' && ch <= 'z') &&
		    (!i || !((ch >= '0' && ch <= '9') || ch == '-')))
			break;
	}
	if (!n || i < n || n > KEY_MAX) {
		errf(err, "line %u: \"%.*s\" is not a key", line,
		     (int)(n > KEY_MAX ? KEY_MAX : n), s);
		return NULL;
	}
	memcpy(key, s, n);
	key[n] = '\0';
	if (!eq[1]) {
		errf(err, "line %u: %s: empty value", line, key);
		return NULL;
	}
	return eq + 1;
}

int ctl_request_parse(struct ctl_request *r, const char *buf, size_t len,
		      char *err)
{
	char line[CTL_LINE_MAX], key[KEY_MAX + 1];
	bool seen[K_N] = { false };
	unsigned lineno = 0;
	size_t off = 0;

	*r = (struct ctl_request){ .cmd = CTL_CMD_NONE };
	if (len > CTL_REQUEST_MAX || !len || buf[len - 1] != '\n' ||
	    (len > 1 && buf[len - 2] != '\n')) {
		errf(err, "not a whole request");
		return -EINVAL;
	}
	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t n = (size_t)(nl - (buf + off));
		const char *v;
		unsigned k, c;

		lineno++;
		if (!n) {
			if (off + 1 != len) {
				errf(err, "line %u: bytes after the empty line that ends the request",
				     lineno + 1);
				return -EINVAL;
			}
			break;
		}
		if (n >= sizeof(line)) {
			errf(err, "line %u: longer than %u bytes", lineno,
			     CTL_LINE_MAX - 1);
			return -EINVAL;
		}
		memcpy(line, buf + off, n);
		line[n] = '\0';
		off += n + 1;
		if (memchr(line, '\0', n)) {
			errf(err, "line %u: byte 0x00 is not allowed", lineno);
			return -EINVAL;
		}
		v = key_split(line, key, lineno, err);
		if (!v)
			return -EINVAL;
		if (lineno == 1) {
			if (strcmp(key, "command")) {
				errf(err, "line 1: the first line must be command=NAME, not %s=",
				     key);
				return -EINVAL;
			}
			for (c = CTL_CMD_NONE + 1; c < CTL_CMD_N; c++)
				if (!strcmp(v, cmd_names[c]))
					break;
			if (c == CTL_CMD_N) {
				errf(err, "line 1: unknown command \"%s\" (expected sessions, stats, flush, reload or config)",
				     v);
				return -EINVAL;
			}
			r->cmd = (enum ctl_cmd)c;
			continue;
		}
		for (k = 0; k < K_N; k++)
			if (!strcmp(key, keys[k].name))
				break;
		if (k == K_N || !(keys[k].cmds & (1u << r->cmd))) {
			errf(err, "line %u: command %s takes no key \"%s\"",
			     lineno, cmd_names[r->cmd], key);
			return -EINVAL;
		}
		if (seen[k]) {
			errf(err, "line %u: %s given twice", lineno, key);
			return -EINVAL;
		}
		seen[k] = true;
		if (value_read(r, (enum key_id)k, v, lineno, err))
			return -EINVAL;
	}
	if (r->cmd == CTL_CMD_NONE) {
		errf(err, "empty request (expected command=NAME)");
		return -EINVAL;
	}
	return 0;
}

size_t ctl_reply_end(char *buf, int err)
{
	int n = snprintf(buf, CTL_END_MAX, "errno=%d\n\n", err);

	return n > 0 && n < CTL_END_MAX ? (size_t)n : 0;
}

void ctl_line_clean(char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = '?';
}

size_t ctl_refusal_format(char *buf, int err, const char *msg)
{
	size_t len = strnlen(msg, CTL_ERR_MAX - 1), i = 0, out = 0;

	while (i < len) {
		const char *nl = memchr(msg + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (msg + i)) : len - i;

		memcpy(buf + out, "message=", 8);
		out += 8;
		memcpy(buf + out, msg + i, n);
		ctl_line_clean(buf + out, n);
		out += n;
		buf[out++] = '\n';
		i += n + 1;
	}
	return out + ctl_reply_end(buf + out, err);
}

enum ctl_read ctl_request_read(const char *buf, size_t len, bool eof,
			       struct ctl_request *r, char *reply,
			       size_t *reply_len)
{
	char err[CTL_ERR_MAX];
	long end;

	end = ctl_request_scan(buf, len, err);
	if (end < 0) {
		*reply_len = ctl_refusal_format(reply, (int)-end, err);
		return CTL_READ_REFUSED;
	}
	if (!end) {
		if (!eof)
			return CTL_READ_MORE;
		if (!len)
			return CTL_READ_CLOSED;
		*reply_len = ctl_refusal_format(reply, EINVAL,
			"the request ended without its empty line");
		return CTL_READ_REFUSED;
	}
	if (ctl_request_parse(r, buf, (size_t)end, err)) {
		*reply_len = ctl_refusal_format(reply, EINVAL, err);
		return CTL_READ_BAD;
	}
	return CTL_READ_REQUEST;
}

static const char *const flag_names[] = CTL_FLAG_NAMES;
static_assert(ARRAY_SIZE(flag_names) == 5 &&
	      NAT_SI_ADDR == 1u << (ARRAY_SIZE(flag_names) - 1),
	      "a name for every NAT_SI_* flag");

/* Append the decimal @v at @p; return the byte after it.  (The daemon
 * formats a line per session while packets wait: no printf here.) */
static char *put_u32(char *p, uint32_t v)
{
	char tmp[10];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

static char *put_endpoint(char *p, uint32_t addr, uint16_t port)
{
	const uint8_t *b = (const uint8_t *)&addr;

	p = put_u32(p, b[0]);
	*p++ = '.';
	p = put_u32(p, b[1]);
	*p++ = '.';
	p = put_u32(p, b[2]);
	*p++ = '.';
	p = put_u32(p, b[3]);
	*p++ = ':';
	return put_u32(p, port);
}

size_t ctl_session_format(char *buf, const struct nat_session_info *si)
{
	char *p = buf, proto[4];
	size_t i, n = 0;

	/* at most 8 + 3 + 3 * 22 + 16 + 2 * 11 + 41 + 16 + 1 < 192 bytes,
	 * state and ALG names being short words */
	p = put_str(p, "session=");
	p = put_str(p, ctl_proto_name(si->proto, proto));
	*p++ = ' ';
	p = put_endpoint(p, si->in_addr, si->in_port);
	*p++ = ' ';
	p = put_endpoint(p, si->pub_addr, si->pub_port);
	*p++ = ' ';
	p = put_endpoint(p, si->rem_addr, si->rem_port);
	*p++ = ' ';
	if (si->state && strlen(si->state) < 16)
		p = put_str(p, si->state);
	else
		p = put_str(p, "active");
	*p++ = ' ';
	p = put_u32(p, si->idle_ms);
	*p++ = ' ';
	p = put_u32(p, si->expires_ms);
	*p++ = ' ';
	for (i = 0; i < ARRAY_SIZE(flag_names); i++) {
		if (!(si->flags & (1u << i)))
			continue;
		if (n++)
			*p++ = ',';
		p = put_str(p, flag_names[i]);
	}
	if (!n)
		*p++ = '-';
	*p++ = ' ';
	if (si->alg && strlen(si->alg) < 16)
		p = put_str(p, si->alg);
	else
		*p++ = '-';
	*p++ = '\n';
	return (size_t)(p - buf);
}

/* Copy the next space-separated word of *@s into @w (@size bytes). */
static int word(const char **s, char *w, size_t size)
{
	const char *sp = strchr(*s, ' ');
	size_t n = sp ? (size_t)(sp - *s) : strlen(*s);

	if (!n || n >= size)
		return -EINVAL;
	memcpy(w, *s, n);
	w[n] = '\0';
	*s += n + (sp ? 1 : 0);
	return 0;
}

static int endpoint_word(const char **s, uint32_t *addr, uint16_t *port)
{
	char w[24];

	if (word(s, w, sizeof(w)) || !strchr(w, ':'))
		return -EINVAL;
	return ctl_endpoint_parse(w, addr, port);
}

int ctl_session_parse(const char *value, struct ctl_session *s)
{
	char w[64], *tok, *save;
	uint64_t v;
	int p;

	*s = (struct ctl_session){ .proto = 0 };
	if (word(&value, w, sizeof(w)) || (p = ctl_proto_parse(w)) < 0)
		return -EINVAL;
	s->proto = (uint8_t)p;
	if (endpoint_word(&value, &s->in_addr, &s->in_port) ||
	    endpoint_word(&value, &s->pub_addr, &s->pub_port) ||
	    endpoint_word(&value, &s->rem_addr, &s->rem_port) ||
	    word(&value, s->state, sizeof(s->state)))
		return -EINVAL;
	if (word(&value, w, sizeof(w)) || ctl_u64_parse(w, UINT32_MAX, &v))
		return -EINVAL;
	s->idle_ms = (uint32_t)v;
	if (word(&value, w, sizeof(w)) || ctl_u64_parse(w, UINT32_MAX, &v))
		return -EINVAL;
	s->expires_ms = (uint32_t)v;
	if (word(&value, w, sizeof(w)))
		return -EINVAL;
	if (strcmp(w, "-")) {
		if (w[0] == ',' || w[strlen(w) - 1] == ',' || strstr(w, ",,"))
			return -EINVAL;
		for (tok = strtok_r(w, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			size_t i;

			for (i = 0; i < ARRAY_SIZE(flag_names); i++)
				if (!strcmp(tok, flag_names[i]))
					break;
			if (i == ARRAY_SIZE(flag_names))
				return -EINVAL;
			s->flags |= (uint8_t)(1u << i);
		}
	}
	if (word(&value, s->alg, sizeof(s->alg)) || *value)
		return -EINVAL;
	if (!strcmp(s->alg, "-"))
		s->alg[0] = '\0';
	return 0;
}
