/* SPDX-License-Identifier: MIT */
/* check_ctl.c - unit tests for src/ctl: the request parser, session
 * records, the JSON writer, and the counters' JSON and Prometheus views */

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CK_MAX_ASSERT_MEM_PRINT_SIZE	4096
#include <check.h>

#include "ctl/export.h"
#include "ctl/json.h"
#include "ctl/proto.h"
#include "ctl/stats.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static uint32_t ip(const char *s)
{
	struct in_addr a;

	ck_assert_int_eq(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

/* ---- requests -------------------------------------------------------------- */

START_TEST(test_scan_incomplete)
{
	char err[CTL_ERR_MAX];

	ck_assert_int_eq(ctl_request_scan("", 0, err), 0);
	ck_assert_int_eq(ctl_request_scan("command=stats", 13, err), 0);
	ck_assert_int_eq(ctl_request_scan("command=stats\n", 14, err), 0);
	ck_assert_int_eq(ctl_request_scan("command=stats\n\n", 15, err), 15);
	/* bytes after the end are not its business */
	ck_assert_int_eq(ctl_request_scan("command=stats\n\nxx", 17, err), 15);
	ck_assert_int_eq(ctl_request_scan("\n", 1, err), 1);
}
END_TEST

static const struct {
	const char *in;
	size_t len;
	long want;
	const char *msg;
} scan_bad[] = {
	{ "command=st\0ts\n\n", 15, -EINVAL, "line 1: byte 0x00" },
	{ "command=stats\r\n\r\n", 17, -EINVAL, "line 1: byte 0x0d" },
	{ "command=stats\nx=\x80\n\n", 19, -EINVAL, "line 2: byte 0x80" },
	{ "command=stats\nx=\x7f\n\n", 19, -EINVAL, "line 2: byte 0x7f" },
	{ "\tcommand=stats\n\n", 16, -EINVAL, "byte 0x09" },
};

START_TEST(test_scan_bad)
{
	char err[CTL_ERR_MAX] = "";

	ck_assert_int_eq(ctl_request_scan(scan_bad[_i].in, scan_bad[_i].len,
					  err), scan_bad[_i].want);
	ck_assert_msg(strstr(err, scan_bad[_i].msg), "error \"%s\"", err);
}
END_TEST

START_TEST(test_scan_sizes)
{
	char buf[CTL_REQUEST_MAX + 64], err[CTL_ERR_MAX];
	size_t i;

	/* a line of CTL_LINE_MAX - 1 bytes and its newline is fine... */
	memset(buf, 'a', sizeof(buf));
	buf[CTL_LINE_MAX - 1] = '\n';
	buf[CTL_LINE_MAX] = '\n';
	ck_assert_int_eq(ctl_request_scan(buf, CTL_LINE_MAX + 1, err),
			 CTL_LINE_MAX + 1);
	/* ...one more byte is not, and is refused before its newline */
	memset(buf, 'a', sizeof(buf));
	ck_assert_int_eq(ctl_request_scan(buf, CTL_LINE_MAX - 1, err), 0);
	ck_assert_int_eq(ctl_request_scan(buf, CTL_LINE_MAX, err), -EMSGSIZE);
	ck_assert_msg(strstr(err, "line 1: longer than 255 bytes"), "%s", err);

	/* short lines up to CTL_REQUEST_MAX bytes in all, then no more */
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = i % 16 == 15 ? '\n' : 'a';
	ck_assert_int_eq(ctl_request_scan(buf, CTL_REQUEST_MAX - 1, err), 0);
	ck_assert_int_eq(ctl_request_scan(buf, CTL_REQUEST_MAX, err),
			 -EMSGSIZE);
	ck_assert_msg(strstr(err, "longer than 4096 bytes"), "%s", err);
	/* the empty line as byte 4096 ends a request of 4096 bytes */
	buf[CTL_REQUEST_MAX - 2] = '\n';
	buf[CTL_REQUEST_MAX - 1] = '\n';
	ck_assert_int_eq(ctl_request_scan(buf, CTL_REQUEST_MAX + 10, err),
			 CTL_REQUEST_MAX);
	/* as byte 4097 it is one too many */
	buf[CTL_REQUEST_MAX - 2] = 'a';
	buf[CTL_REQUEST_MAX - 1] = '\n';
	buf[CTL_REQUEST_MAX] = '\n';
	ck_assert_int_eq(ctl_request_scan(buf, CTL_REQUEST_MAX + 10, err),
			 -EMSGSIZE);
}
END_TEST

static int parse(struct ctl_request *r, const char *text, char *err)
{
	return ctl_request_parse(r, text, strlen(text), err);
}

START_TEST(test_parse_commands)
{
	static const struct {
		const char *text;
		enum ctl_cmd cmd;
	} ok[] = {
		{ "command=sessions\n\n", CTL_CMD_SESSIONS },
		{ "command=stats\n\n", CTL_CMD_STATS },
		{ "command=flush\n\n", CTL_CMD_FLUSH },
		{ "command=reload\n\n", CTL_CMD_RELOAD },
		{ "command=config\n\n", CTL_CMD_CONFIG },
	};
	char err[CTL_ERR_MAX];
	struct ctl_request r;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		ck_assert_int_eq(parse(&r, ok[i].text, err), 0);
		ck_assert_int_eq(r.cmd, ok[i].cmd);
		ck_assert_int_eq(strncmp(ctl_cmd_name(r.cmd), ok[i].text + 8,
					 strlen(ok[i].text) - 10), 0);
		ck_assert_int_eq(r.limit, 0);
		ck_assert_int_eq(r.match.proto, 0);
		ck_assert_int_eq(r.match.in_addr, 0);
	}
}
END_TEST

START_TEST(test_parse_filters)
{
	char err[CTL_ERR_MAX];
	struct ctl_request r;

	ck_assert_int_eq(parse(&r, "command=sessions\nprotocol=udp\n"
			       "inside=192.168.1.10:40000\npublic=203.0.113.1\n"
			       "remote=198.51.100.1:53\nlimit=4294967295\n\n",
			       err), 0);
	ck_assert_int_eq(r.cmd, CTL_CMD_SESSIONS);
	ck_assert_int_eq(r.match.proto, IPPROTO_UDP);
	ck_assert_uint_eq(r.match.in_addr, ip("192.168.1.10"));
	ck_assert_uint_eq(r.match.in_port, 40000);
	ck_assert_uint_eq(r.match.pub_addr, ip("203.0.113.1"));
	ck_assert_uint_eq(r.match.pub_port, 0);
	ck_assert_uint_eq(r.match.rem_addr, ip("198.51.100.1"));
	ck_assert_uint_eq(r.match.rem_port, 53);
	ck_assert_uint_eq(r.limit, 4294967295u);

	ck_assert_int_eq(parse(&r, "command=flush\nprotocol=47\n\n", err), 0);
	ck_assert_int_eq(r.match.proto, IPPROTO_GRE);
	ck_assert_int_eq(parse(&r, "command=flush\nprotocol=255\n\n", err), 0);
	ck_assert_int_eq(r.match.proto, 255);
	ck_assert_int_eq(parse(&r, "command=flush\nprotocol=icmp\n\n", err),
			 0);
	ck_assert_int_eq(r.match.proto, IPPROTO_ICMP);
}
END_TEST

static const struct {
	const char *text;
	const char *msg;
} parse_bad[] = {
	{ "", "not a whole request" },
	{ "command=stats\n", "not a whole request" },
	{ "\n", "empty request" },
	{ "command=stats", "not a whole request" },
	{ "command=stats\n\nmore\n\n", "line 3: bytes after the empty line" },
	{ "command=bogus\n\n", "line 1: unknown command \"bogus\"" },
	{ "command=\n\n", "line 1: command: empty value" },
	{ "command=Stats\n\n", "unknown command" },
	{ "command=stats \n\n", "unknown command" },
	{ "limit=3\ncommand=sessions\n\n",
	  "line 1: the first line must be command=NAME" },
	{ "command\n\n", "line 1: not key=value" },
	{ "=stats\n\n", "line 1: \"\" is not a key" },
	{ "Command=stats\n\n", "is not a key" },
	{ "command=stats\nlimit=3\n\n",
	  "line 2: command stats takes no key \"limit\"" },
	{ "command=flush\nlimit=3\n\n", "command flush takes no key \"limit\"" },
	{ "command=reload\nprotocol=tcp\n\n", "takes no key \"protocol\"" },
	{ "command=sessions\ncolour=blue\n\n",
	  "line 2: command sessions takes no key \"colour\"" },
	{ "command=sessions\ncommand=stats\n\n", "takes no key \"command\"" },
	{ "command=sessions\nlimit=1\nlimit=2\n\n",
	  "line 3: limit given twice" },
	{ "command=sessions\nlimit=0\n\n", "limit: \"0\" is not a number" },
	{ "command=sessions\nlimit=4294967296\n\n", "is not a number" },
	{ "command=sessions\nlimit=01\n\n", "is not a number" },
	{ "command=sessions\nlimit=-1\n\n", "is not a number" },
	{ "command=sessions\nlimit=1x\n\n", "is not a number" },
	{ "command=sessions\nprotocol=0\n\n", "protocol: \"0\" is not tcp" },
	{ "command=sessions\nprotocol=256\n\n", "is not tcp" },
	{ "command=sessions\nprotocol=TCP\n\n", "is not tcp" },
	{ "command=sessions\nprotocol=006\n\n", "is not tcp" },
	{ "command=sessions\ninside=10.0.0\n\n",
	  "line 2: inside: \"10.0.0\" is not A.B.C.D" },
	{ "command=sessions\ninside=10.0.0.256\n\n", "is not A.B.C.D" },
	{ "command=sessions\ninside=10.0.0.01\n\n", "is not A.B.C.D" },
	{ "command=sessions\ninside=10.0.0.1.2\n\n", "is not A.B.C.D" },
	{ "command=sessions\ninside=10.0.0.1:\n\n", "is not A.B.C.D" },
	{ "command=sessions\ninside=10.0.0.1:65536\n\n", "is not A.B.C.D" },
	{ "command=sessions\ninside=10.0.0.1:80x\n\n", "is not A.B.C.D" },
	{ "command=sessions\npublic= 10.0.0.1\n\n", "public: \" 10.0.0.1\"" },
	{ "command=sessions\nremote=0.0.0.0\n\n",
	  "remote: \"0.0.0.0\" would match anything" },
	{ "command=sessions\nremote=10.0.0.1:0\n\n", "would match anything" },
};

START_TEST(test_parse_bad)
{
	char err[CTL_ERR_MAX] = "";
	struct ctl_request r;

	ck_assert_int_eq(parse(&r, parse_bad[_i].text, err), -EINVAL);
	ck_assert_msg(strstr(err, parse_bad[_i].msg),
		      "\"%s\": error \"%s\", want \"%s\"", parse_bad[_i].text,
		      err, parse_bad[_i].msg);
}
END_TEST

START_TEST(test_parse_long_key)
{
	char text[128], err[CTL_ERR_MAX];
	struct ctl_request r;

	snprintf(text, sizeof(text), "command=stats\n%s=1\n\n",
		 "abcdefghijklmnopqrstuvwxyzabcdefg");	/* 33 bytes */
	ck_assert_int_eq(parse(&r, text, err), -EINVAL);
	ck_assert_msg(strstr(err, "is not a key"), "%s", err);
}
END_TEST

/* ---- what a client's bytes come to ------------------------------------------ */

START_TEST(test_reply_end)
{
	char buf[CTL_END_MAX];

	ck_assert_uint_eq(ctl_reply_end(buf, 0), 9);
	ck_assert_mem_eq(buf, "errno=0\n\n", 9);
	ck_assert_uint_eq(ctl_reply_end(buf, -2147483647 - 1), 19);
	ck_assert_mem_eq(buf, "errno=-2147483648\n\n", 19);
}
END_TEST

static const struct {
	const char *msg;
	int err;
	const char *want;
} refusals[] = {
	{ "line 1: not key=value", EINVAL,
	  "message=line 1: not key=value\nerrno=22\n\n" },
	/* each line its own message line, a control byte a '?' */
	{ "one\ntwo\x7f\tthree\n", EMSGSIZE,
	  "message=one\nmessage=two??three\nerrno=90\n\n" },
	{ "\n\n", EINVAL, "message=\nmessage=\nerrno=22\n\n" },
	{ "", ETIMEDOUT, "errno=110\n\n" },
};

START_TEST(test_refusal_format)
{
	char buf[CTL_REFUSAL_MAX];
	size_t n = ctl_refusal_format(buf, refusals[_i].err, refusals[_i].msg);

	ck_assert_uint_eq(n, strlen(refusals[_i].want));
	ck_assert_mem_eq(buf, refusals[_i].want, n);
}
END_TEST

/* A message of CTL_ERR_MAX - 1 newlines is the longest refusal there is;
 * a longer message is cut there. */
START_TEST(test_refusal_longest)
{
	char msg[2 * CTL_ERR_MAX], *buf = malloc(CTL_REFUSAL_MAX);
	size_t n;

	ck_assert_ptr_nonnull(buf);
	memset(msg, '\n', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	n = ctl_refusal_format(buf, -2147483647 - 1, msg);
	ck_assert_uint_eq(n, (CTL_ERR_MAX - 1) * 9 + 19);
	ck_assert_uint_le(n, CTL_REFUSAL_MAX);
	ck_assert_mem_eq(buf + n - 19, "errno=-2147483648\n\n", 19);
	memset(msg, 'x', sizeof(msg) - 1);
	n = ctl_refusal_format(buf, EINVAL, msg);
	ck_assert_uint_eq(n, 8 + CTL_ERR_MAX - 1 + 1 + 10);
	free(buf);
}
END_TEST

static const struct {
	const char *in;
	size_t len;
	bool eof;
	enum ctl_read want;
	const char *reply;	/* the start of the refusal, if one */
} reads[] = {
	{ "", 0, false, CTL_READ_MORE, NULL },
	{ "", 0, true, CTL_READ_CLOSED, NULL },
	{ "command=stats\n", 14, false, CTL_READ_MORE, NULL },
	{ "command=stats\n", 14, true, CTL_READ_REFUSED,
	  "message=the request ended without its empty line\nerrno=22\n\n" },
	{ "c", 1, true, CTL_READ_REFUSED,
	  "message=the request ended without its empty line\nerrno=22\n\n" },
	{ "command=stats\n\n", 15, false, CTL_READ_REQUEST, NULL },
	{ "command=stats\n\n", 15, true, CTL_READ_REQUEST, NULL },
	{ "command=stat\n\n", 14, false, CTL_READ_BAD,
	  "message=line 1: unknown command \"stat\"" },
	{ "command=st\x01", 11, false, CTL_READ_REFUSED,
	  "message=line 1: byte 0x01 is not allowed" },
};

START_TEST(test_request_read)
{
	char reply[CTL_REFUSAL_MAX];
	struct ctl_request r;
	size_t n = 0;
	enum ctl_read rd;

	rd = ctl_request_read(reads[_i].in, reads[_i].len, reads[_i].eof, &r,
			      reply, &n);
	ck_assert_int_eq(rd, reads[_i].want);
	if (rd == CTL_READ_REQUEST)
		ck_assert_int_eq(r.cmd, CTL_CMD_STATS);
	if (reads[_i].reply) {
		ck_assert_uint_ge(n, strlen(reads[_i].reply));
		ck_assert_mem_eq(reply, reads[_i].reply,
				 strlen(reads[_i].reply));
		ck_assert_mem_eq(reply + n - 10, "errno=22\n\n", 10);
	}
}
END_TEST

/* The daemon's buffer holds CTL_REQUEST_MAX + 1 bytes: at
 * CTL_REQUEST_MAX bytes without an end, the reader must stop waiting. */
START_TEST(test_request_read_full)
{
	char *buf = malloc(CTL_REQUEST_MAX), reply[CTL_REFUSAL_MAX];
	struct ctl_request r;
	size_t i, n = 0;

	ck_assert_ptr_nonnull(buf);
	for (i = 0; i < CTL_REQUEST_MAX; i++)
		buf[i] = i % 100 == 99 ? '\n' : 'a';
	ck_assert_int_eq(ctl_request_read(buf, CTL_REQUEST_MAX - 1, false, &r,
					  reply, &n), CTL_READ_MORE);
	ck_assert_int_eq(ctl_request_read(buf, CTL_REQUEST_MAX, false, &r,
					  reply, &n), CTL_READ_REFUSED);
	ck_assert_mem_eq(reply, "message=request longer than 4096 bytes\nerrno=90\n\n",
			 n);
	free(buf);
}
END_TEST

/* ---- session records ------------------------------------------------------- */

START_TEST(test_session_format)
{
	struct nat_session_info si = {
		.proto = IPPROTO_TCP,
		.in_addr = ip("192.168.1.10"), .in_port = 40000,
		.pub_addr = ip("203.0.113.1"), .pub_port = 1024,
		.rem_addr = ip("198.51.100.1"), .rem_port = 80,
		.state = "established", .idle_ms = 0,
		.expires_ms = 4294967295u, .flags = 0, .alg = NULL,
	};
	char buf[CTL_SESSION_MAX];
	size_t n = ctl_session_format(buf, &si);

	buf[n] = '\0';
	ck_assert_str_eq(buf, "session=tcp 192.168.1.10:40000 203.0.113.1:1024 198.51.100.1:80 established 0 4294967295 - -\n");

	si = (struct nat_session_info){
		.proto = IPPROTO_GRE,
		.in_addr = ip("255.255.255.255"), .in_port = 65535,
		.pub_addr = ip("0.0.0.0"), .pub_port = 0,
		.rem_addr = ip("10.1.2.3"), .rem_port = 256,
		.state = "pending", .idle_ms = 12, .expires_ms = 300000,
		.flags = NAT_SI_INBOUND | NAT_SI_HAIRPIN | NAT_SI_STATIC |
			 NAT_SI_CALL | NAT_SI_ADDR,
		.alg = "pptp",
	};
	n = ctl_session_format(buf, &si);
	ck_assert_uint_lt(n, CTL_SESSION_MAX);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "session=gre 255.255.255.255:65535 0.0.0.0:0 10.1.2.3:256 pending 12 300000 inbound,hairpin,static,call,address-only pptp\n");

	si.proto = 132;
	si.state = NULL;
	si.flags = 0;
	n = ctl_session_format(buf, &si);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "session=132 255.255.255.255:65535 0.0.0.0:0 10.1.2.3:256 active 12 300000 - pptp\n");
}
END_TEST

START_TEST(test_session_roundtrip)
{
	struct nat_session_info si = {
		.proto = IPPROTO_ICMP,
		.in_addr = ip("10.0.0.2"), .in_port = 7,
		.pub_addr = ip("203.0.113.9"), .pub_port = 9,
		.rem_addr = ip("8.8.8.8"), .rem_port = 0,
		.state = "active", .idle_ms = 1500, .expires_ms = 58500,
		.flags = NAT_SI_HAIRPIN | NAT_SI_STATIC,
	};
	char buf[CTL_SESSION_MAX];
	struct ctl_session s;
	size_t n = ctl_session_format(buf, &si);

	buf[n - 1] = '\0';	/* the newline */
	ck_assert_int_eq(ctl_session_parse(buf + strlen("session="), &s), 0);
	ck_assert_int_eq(s.proto, IPPROTO_ICMP);
	ck_assert_uint_eq(s.in_addr, si.in_addr);
	ck_assert_uint_eq(s.in_port, 7);
	ck_assert_uint_eq(s.pub_addr, si.pub_addr);
	ck_assert_uint_eq(s.pub_port, 9);
	ck_assert_uint_eq(s.rem_addr, si.rem_addr);
	ck_assert_uint_eq(s.rem_port, 0);
	ck_assert_str_eq(s.state, "active");
	ck_assert_uint_eq(s.idle_ms, 1500);
	ck_assert_uint_eq(s.expires_ms, 58500);
	ck_assert_uint_eq(s.flags, NAT_SI_HAIRPIN | NAT_SI_STATIC);
	ck_assert_str_eq(s.alg, "");
}
END_TEST

static const char *const session_bad[] = {
	"",
	"tcp 1.2.3.4:1 1.2.3.4:1 1.2.3.4:1 active 1 2 -",
	"tcp 1.2.3.4:1 1.2.3.4:1 1.2.3.4:1 active 1 2 - - extra",
	"tcp 1.2.3.4 1.2.3.4:1 1.2.3.4:1 active 1 2 - -",
	"tcp 1.2.3.4:1 1.2.3.4:1 1.2.3.4:1 active -1 2 - -",
	"tcp 1.2.3.4:1 1.2.3.4:1 1.2.3.4:1 active 1 4294967296 - -",
	"tcp 1.2.3.4:1 1.2.3.4:1 1.2.3.4:1 active 1 2 sideways -",
	"tcp 1.2.3.4:1 1.2.3.4:1 1.2.3.4:1 active 1 2 call, -",
	"tcp  1.2.3.4:1 1.2.3.4:1 1.2.3.4:1 active 1 2 - -",
	"nope 1.2.3.4:1 1.2.3.4:1 1.2.3.4:1 active 1 2 - -",
	"tcp 1.2.3.4:1 1.2.3.4:1 1.2.3.4:1 averyveryverylongstate 1 2 - -",
	/* 16 bytes: one more than struct ctl_session's state holds */
	"tcp 1.2.3.4:1 1.2.3.4:1 1.2.3.4:1 abcdefghijklmnop 1 2 - -",
	"tcp 1.2.3.4:1 1.2.3.4:1 1.2.3.4:1 active 1 2 - abcdefghijklmnop",
};

START_TEST(test_session_bad)
{
	struct ctl_session s;

	ck_assert_msg(ctl_session_parse(session_bad[_i], &s) == -EINVAL,
		      "accepted \"%s\"", session_bad[_i]);
}
END_TEST

/* ---- JSON ------------------------------------------------------------------ */

/* The document that @fn writes, in a string to free. */
static char *json_doc(void (*fn)(struct json *j), unsigned indent,
		      unsigned flat_from, int *rc)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct json j;

	ck_assert_ptr_nonnull(f);
	json_init(&j, f, indent, flat_from);
	fn(&j);
	*rc = json_finish(&j);
	fclose(f);
	return text;
}

static const struct {
	const char *in;
	const char *out;
} escapes[] = {
	{ "", "\"\"" },
	{ "plain text", "\"plain text\"" },
	{ "quote \" backslash \\ slash /", "\"quote \\\" backslash \\\\ slash /\"" },
	{ "\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"" },
	{ "\x01\x1f", "\"\\u0001\\u001f\"" },
	{ "\x7f", "\"\x7f\"" },
	{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"" },
	{ "\xff", "\"\\ufffd\"" },
	{ "a\x80" "b", "\"a\\ufffdb\"" },
	{ "\xc3", "\"\\ufffd\"" },				/* cut */
	{ "\xc3(", "\"\\ufffd(\"" },
	{ "\xc0\xaf", "\"\\ufffd\\ufffd\"" },			/* overlong */
	{ "\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"" },	/* overlong */
	{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },	/* surrogate */
	{ "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
	{ "\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"" },		/* U+10FFFF */
};

static unsigned escape_case;

static void write_escape(struct json *j)
{
	json_string(j, escapes[escape_case].in);
}

START_TEST(test_json_escape)
{
	int rc;
	char *out;

	escape_case = (unsigned)_i;
	out = json_doc(write_escape, 0, 0, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_gt(strlen(out), 0);
	out[strlen(out) - 1] = '\0';	/* the final newline */
	ck_assert_str_eq(out, escapes[_i].out);
	free(out);
}
END_TEST

static void write_numbers(struct json *j)
{
	json_array(j);
	json_u64(j, 0);
	json_u64(j, 9007199254740993ull);	/* 2^53 + 1: not a double */
	json_u64(j, UINT64_MAX);
	json_ms(j, 0);
	json_ms(j, 1);
	json_ms(j, 10);
	json_ms(j, 1000);
	json_ms(j, 1500);
	json_ms(j, 12345);
	json_ms(j, 4294967295u);
	json_ms(j, UINT64_MAX);
	json_bool(j, true);
	json_bool(j, false);
	json_null(j);
	json_end(j);
}

START_TEST(test_json_numbers)
{
	int rc;
	char *out = json_doc(write_numbers, 0, 0, &rc);

	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(out, "[0, 9007199254740993, 18446744073709551615, 0, 0.001, 0.01, 1, 1.5, 12.345, 4294967.295, 18446744073709551.615, true, false, null]\n");
	free(out);
}
END_TEST

static void write_nested(struct json *j)
{
	json_object(j);
	json_key(j, "sessions");
	json_array(j);
	json_object(j);
	json_key(j, "a");
	json_u64(j, 1);
	json_key(j, "b");
	json_array(j);
	json_string(j, "x");
	json_end(j);
	json_end(j);
	json_object(j);
	json_end(j);
	json_end(j);
	json_key(j, "empty");
	json_array(j);
	json_end(j);
	json_key(j, "truncated");
	json_bool(j, false);
	json_end(j);
}

START_TEST(test_json_layout)
{
	int rc;
	char *out = json_doc(write_nested, 2, 2, &rc);

	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(out,
		"{\n"
		"  \"sessions\": [\n"
		"    {\"a\": 1, \"b\": [\"x\"]},\n"
		"    {}\n"
		"  ],\n"
		"  \"empty\": [],\n"
		"  \"truncated\": false\n"
		"}\n");
	free(out);
	out = json_doc(write_nested, 0, 0, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(out, "{\"sessions\": [{\"a\": 1, \"b\": [\"x\"]}, {}], \"empty\": [], \"truncated\": false}\n");
	free(out);
}
END_TEST

static void misuse_value_in_object(struct json *j)
{
	json_object(j);
	json_u64(j, 1);
	json_end(j);
}

static void misuse_key_in_array(struct json *j)
{
	json_array(j);
	json_key(j, "k");
	json_u64(j, 1);
	json_end(j);
}

static void misuse_unclosed(struct json *j)
{
	json_object(j);
}

static void misuse_two_tops(struct json *j)
{
	json_u64(j, 1);
	json_u64(j, 2);
}

static void misuse_dangling_key(struct json *j)
{
	json_object(j);
	json_key(j, "k");
	json_end(j);
}

static void misuse_too_deep(struct json *j)
{
	unsigned i;

	for (i = 0; i < JSON_DEPTH_MAX + 2; i++)
		json_array(j);
	for (i = 0; i < JSON_DEPTH_MAX + 2; i++)
		json_end(j);
}

static void (*const misuses[])(struct json *j) = {
	misuse_value_in_object, misuse_key_in_array, misuse_unclosed,
	misuse_two_tops, misuse_dangling_key, misuse_too_deep,
};

START_TEST(test_json_misuse)
{
	int rc;

	free(json_doc(misuses[_i], 2, 0, &rc));
	ck_assert_int_eq(rc, -EINVAL);
}
END_TEST

/* ---- counters -------------------------------------------------------------- */

/* A stats reply for made-up counters, as the daemon writes it. */
static char *stats_text(void)
{
	struct nat_port_use ports[2] = {
		{ .addr = ip("203.0.113.1"), .active = true,
		  .used = { 3, 2, 1 }, .total = { 65535, 65535, 65536 } },
		{ .addr = ip("203.0.113.2"), .active = false,
		  .used = { 1, 0, 0 }, .total = { 65535, 65535, 65536 } },
	};
	struct stats_extra x = { .write_errors = { 5, 6 }, .gso_errors = 7,
				 .ctl_clients = 1 };
	struct nat_stats st, one;
	size_t len = 0;
	char *text = NULL;
	FILE *f;

	memset(&st, 0, sizeof(st));
	memset(&one, 0, sizeof(one));
	one.proto[NAT_PC_UDP].packets[DIR_OUT] = 10;
	one.proto[NAT_PC_UDP].bytes[DIR_OUT] = UINT64_MAX / 2;
	one.proto[NAT_PC_TCP].sessions = 2;
	one.proto[NAT_PC_UDP].sessions = 3;
	one.proto[NAT_PC_UDP].sessions_created = 4;
	one.proto[NAT_PC_UDP].sessions_ended = 1;
	one.drops[DROP_NO_SESSION] = 9;
	one.alg[NAT_ALG_PPTP].calls = 2;
	/* two engines: everything doubles */
	stats_add(&st, &one);
	stats_add(&st, &one);
	f = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(f);
	stats_write(f, &st, ports, 2, &x);
	fclose(f);
	return text;
}

/* The reply's lines, parsed. */
static struct export_line *stats_lines(size_t *n)
{
	char *text = stats_text(), *line, *save;
	struct export_line *l = calloc(1024, sizeof(*l));

	ck_assert_ptr_nonnull(l);
	*n = 0;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		ck_assert_uint_lt(*n, 1024);
		ck_assert_msg(!export_parse(line, &l[*n]), "bad line %s", line);
		(*n)++;
	}
	free(text);
	return l;
}

static uint64_t stat_of(const struct export_line *l, size_t n,
			const char *path)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(l[i].path, path))
			return l[i].value;
	ck_abort_msg("no counter %s", path);
	return 0;
}

START_TEST(test_stats_lines)
{
	size_t n, i, drops = 0;
	struct export_line *l = stats_lines(&n);

	ck_assert_uint_eq(stat_of(l, n, "packets/outbound/udp"), 20);
	ck_assert_uint_eq(stat_of(l, n, "bytes/outbound/udp"),
			  UINT64_MAX / 2 * 2);
	ck_assert_uint_eq(stat_of(l, n, "sessions/active"), 10);
	ck_assert_uint_eq(stat_of(l, n, "sessions/udp/active"), 6);
	ck_assert_uint_eq(stat_of(l, n, "sessions/created"), 8);
	ck_assert_uint_eq(stat_of(l, n, "sessions/expired"), 2);
	ck_assert_uint_eq(stat_of(l, n, "drops/no-session"), 18);
	ck_assert_uint_eq(stat_of(l, n, "drops/not-ipv4"), 0);
	ck_assert_uint_eq(stat_of(l, n, "alg/pptp/calls"), 4);
	ck_assert_uint_eq(stat_of(l, n, "ports/203.0.113.1/active"), 1);
	ck_assert_uint_eq(stat_of(l, n, "ports/203.0.113.2/active"), 0);
	ck_assert_uint_eq(stat_of(l, n, "ports/203.0.113.1/icmp/total"),
			  65536);
	ck_assert_uint_eq(stat_of(l, n, "write_errors/outside"), 6);
	ck_assert_uint_eq(stat_of(l, n, "control/clients"), 1);
	for (i = 0; i < n; i++)
		drops += !strncmp(l[i].path, "drops/", 6);
	/* every reason but "none" */
	ck_assert_uint_eq(drops, DROP_REASON_N - 1);
	free(l);
}
END_TEST

START_TEST(test_stats_prom_families)
{
	size_t n, i;
	struct export_line *l = stats_lines(&n);

	for (i = 0; i < n; i++) {
		const char *fam = export_prom_family(l[i].path);

		ck_assert_msg(fam, "no Prometheus metric for %s", l[i].path);
		ck_assert_msg(!*fam || !strncmp(fam, "tunnat_", 7),
			      "%s: metric %s", l[i].path, fam);
	}
	/* the sums are left out: the per-protocol samples carry them */
	ck_assert_str_eq(export_prom_family("sessions/active"), "");
	ck_assert_ptr_null(export_prom_family("no/such/counter"));
	free(l);
}
END_TEST

/* @text, from the start of the first line that starts with @prefix */
static const char *line_at(const char *text, const char *prefix)
{
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, prefix, strlen(prefix)))
			return p;
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return NULL;
}

START_TEST(test_stats_prom_output)
{
	size_t n, unknown, len = 0;
	struct export_line *l = stats_lines(&n);
	char *text = NULL, *dup;
	const char *p, *q;
	FILE *f = open_memstream(&text, &len);

	ck_assert_int_eq(export_prom(f, l, n, &unknown), 0);
	fclose(f);
	ck_assert_uint_eq(unknown, 0);
	p = line_at(text, "# HELP tunnat_packets_total ");
	ck_assert_ptr_nonnull(p);
	q = line_at(text, "# TYPE tunnat_packets_total counter\n");
	ck_assert_ptr_eq(q, strchr(p, '\n') + 1);
	ck_assert_ptr_nonnull(line_at(text, "tunnat_packets_total{direction=\"outbound\",protocol=\"udp\"} 20\n"));
	ck_assert_ptr_nonnull(line_at(text, "tunnat_drops_total{reason=\"no-session\"} 18\n"));
	ck_assert_ptr_nonnull(line_at(text, "tunnat_sessions{protocol=\"udp\"} 6\n"));
	ck_assert_ptr_nonnull(line_at(text, "# TYPE tunnat_sessions gauge\n"));
	ck_assert_ptr_nonnull(line_at(text, "tunnat_ports_used{address=\"203.0.113.1\",protocol=\"tcp\"} 3\n"));
	ck_assert_ptr_nonnull(line_at(text, "tunnat_gso_errors_total 7\n"));
	ck_assert_ptr_null(line_at(text, "tunnat_sessions_active"));
	/* each family's samples come together, after its one # TYPE */
	dup = strdup(text);
	for (p = strtok(dup, "\n"); p; p = strtok(NULL, "\n")) {
		char name[128], want[160];
		const char *type;

		if (*p == '#')
			continue;
		ck_assert_int_eq(sscanf(p, "%127[a-z_]", name), 1);
		snprintf(want, sizeof(want), "# TYPE %s ", name);
		type = line_at(text, want);
		ck_assert_msg(type, "no # TYPE for %s", name);
		ck_assert_msg(!line_at(strchr(type, '\n') + 1, want),
			      "two # TYPE lines for %s", name);
	}
	free(dup);
	free(text);
	free(l);
}
END_TEST

START_TEST(test_prom_label_escape)
{
	struct export_line l = { .path = "drops/a\\b", .value = 1 };
	size_t len = 0, unknown;
	char *text = NULL;
	FILE *f = open_memstream(&text, &len);

	/* not a path the daemon writes, but the escape must hold */
	ck_assert_int_eq(export_prom(f, &l, 1, &unknown), 0);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text, "tunnat_drops_total{reason=\"a\\\\b\"} 1\n"));
	free(text);
}
END_TEST

START_TEST(test_stats_json)
{
	struct export_line l[] = {
		{ "sessions/active", 7 },
		{ "sessions/udp/active", 3 },
		{ "sessions/udp/created", 4 },
		{ "drops/no-session", 18446744073709551615ull },
		{ "ports/203.0.113.1/tcp/used", 1 },
	};
	size_t len = 0;
	char *text = NULL, err[128];
	FILE *f = open_memstream(&text, &len);

	ck_assert_int_eq(export_json(f, l, ARRAY_SIZE(l), err), 0);
	fclose(f);
	ck_assert_str_eq(text,
		"{\n"
		"  \"sessions\": {\n"
		"    \"active\": 7,\n"
		"    \"udp\": {\n"
		"      \"active\": 3,\n"
		"      \"created\": 4\n"
		"    }\n"
		"  },\n"
		"  \"drops\": {\n"
		"    \"no-session\": 18446744073709551615\n"
		"  },\n"
		"  \"ports\": {\n"
		"    \"203.0.113.1\": {\n"
		"      \"tcp\": {\n"
		"        \"used\": 1\n"
		"      }\n"
		"    }\n"
		"  }\n"
		"}\n");
	free(text);
}
END_TEST

static const struct {
	struct export_line l[3];
	const char *msg;
} json_bad[] = {
	{ { { "a/x", 1 }, { "b", 2 }, { "a/y", 3 } }, "a/y: \"a\" comes twice" },
	{ { { "a", 1 }, { "a/x", 2 }, { "c", 3 } }, "a/x: \"a\" comes twice" },
	{ { { "a/x", 1 }, { "a", 2 }, { "c", 3 } }, "a: \"a\" comes twice" },
	{ { { "a/x", 1 }, { "a/x", 2 }, { "c", 3 } }, "a/x: \"x\" comes twice" },
};

START_TEST(test_stats_json_bad)
{
	size_t len = 0;
	char *text = NULL, err[128] = "";
	FILE *f = open_memstream(&text, &len);

	ck_assert_int_eq(export_json(f, json_bad[_i].l, 3, err), -EINVAL);
	fclose(f);
	ck_assert_str_eq(err, json_bad[_i].msg);
	free(text);
}
END_TEST

START_TEST(test_export_parse)
{
	static const char *const bad[] = {
		"", "=1", "a=", "a=x", "a=-1", "a=01", "/a=1", "a/=1", "a//b=1",
		"a b=1", "a=18446744073709551616", "a\"=1",
	};
	struct export_line l;
	size_t i;

	ck_assert_int_eq(export_parse("ports/203.0.113.1/tcp/used=0", &l), 0);
	ck_assert_str_eq(l.path, "ports/203.0.113.1/tcp/used");
	ck_assert_uint_eq(l.value, 0);
	ck_assert_int_eq(export_parse("a=18446744073709551615", &l), 0);
	ck_assert_uint_eq(l.value, UINT64_MAX);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		ck_assert_msg(export_parse(bad[i], &l) == -EINVAL,
			      "accepted \"%s\"", bad[i]);
}
END_TEST

static Suite *ctl_suite(void)
{
	Suite *s = suite_create("ctl");
	TCase *tc;

	tc = tcase_create("request");
	tcase_add_test(tc, test_scan_incomplete);
	tcase_add_loop_test(tc, test_scan_bad, 0, ARRAY_SIZE(scan_bad));
	tcase_add_test(tc, test_scan_sizes);
	tcase_add_test(tc, test_parse_commands);
	tcase_add_test(tc, test_parse_filters);
	tcase_add_loop_test(tc, test_parse_bad, 0, ARRAY_SIZE(parse_bad));
	tcase_add_test(tc, test_parse_long_key);
	suite_add_tcase(s, tc);

	tc = tcase_create("read");
	tcase_add_test(tc, test_reply_end);
	tcase_add_loop_test(tc, test_refusal_format, 0, ARRAY_SIZE(refusals));
	tcase_add_test(tc, test_refusal_longest);
	tcase_add_loop_test(tc, test_request_read, 0, ARRAY_SIZE(reads));
	tcase_add_test(tc, test_request_read_full);
	suite_add_tcase(s, tc);

	tc = tcase_create("session");
	tcase_add_test(tc, test_session_format);
	tcase_add_test(tc, test_session_roundtrip);
	tcase_add_loop_test(tc, test_session_bad, 0, ARRAY_SIZE(session_bad));
	suite_add_tcase(s, tc);

	tc = tcase_create("json");
	tcase_add_loop_test(tc, test_json_escape, 0, ARRAY_SIZE(escapes));
	tcase_add_test(tc, test_json_numbers);
	tcase_add_test(tc, test_json_layout);
	tcase_add_loop_test(tc, test_json_misuse, 0, ARRAY_SIZE(misuses));
	suite_add_tcase(s, tc);

	tc = tcase_create("stats");
	tcase_add_test(tc, test_stats_lines);
	tcase_add_test(tc, test_stats_prom_families);
	tcase_add_test(tc, test_stats_prom_output);
	tcase_add_test(tc, test_prom_label_escape);
	tcase_add_test(tc, test_stats_json);
	tcase_add_loop_test(tc, test_stats_json_bad, 0, ARRAY_SIZE(json_bad));
	tcase_add_test(tc, test_export_parse);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ctl_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
