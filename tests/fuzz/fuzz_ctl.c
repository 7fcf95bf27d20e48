/* SPDX-License-Identifier: MIT */
/* fuzz_ctl.c - libFuzzer harness: the control socket's request reader
 *
 * The input is what a client sends, read the way the daemon reads it
 * (io/ctl.c read_cb()): into a buffer of CTL_REQUEST_MAX + 1 bytes, a
 * read at a time, ctl_request_read() after each.  Header: 2 bytes.
 *   byte 0	bytes per read (0: as many as fit)
 *   byte 1	bit 0: the client closes its side after its bytes;
 *		bits 1-7: an errno for the refusal formatter's own check
 *   then	the client's bytes
 * Invariants:
 * - the buffer never fills while more bytes are awaited, and once the
 *   client has closed, something is decided: a reply is always made,
 *   but to a client that sent nothing;
 * - a refusal is "message=TEXT" lines of printable ASCII, at least one
 *   with text, then "errno=N" (EINVAL, or EMSGSIZE for bytes that are
 *   no request) and the empty line, nothing else, at most
 *   CTL_REFUSAL_MAX bytes; so is the timeout's refusal;
 * - the decision is the same whatever the reads' sizes;
 * - a request parsed holds only what its command takes, no filter that
 *   matches anything by accident (a port without its address), and,
 *   written back as tunnatctl would write it, parses to the same;
 * - ctl_refusal_format() of any text keeps to the same form, one
 *   "message=" line per line of the text, and ctl_session_format() of
 *   any session writes one bounded line that ctl_session_parse() reads
 *   back to the same.
 * Buffers are allocated to their exact size, so that AddressSanitizer
 * sees any byte written or read past them.
 */

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/proto.h"

#define BUF_LEN		(CTL_REQUEST_MAX + 1)	/* as io/ctl.c's */

/* Stop with a message: libFuzzer keeps the input. */
static void fail(const char *what, const char *data, size_t len)
{
	fprintf(stderr, "fuzz_ctl: %s\n", what);
	if (data)
		fprintf(stderr, "  %.*s\n", (int)(len > 2000 ? 2000 : len),
			data);
	abort();
}

/* What one client's bytes come to. */
struct outcome {
	enum ctl_read rd;
	size_t used;		/* bytes read when it was decided */
	struct ctl_request r;
	char *reply;		/* CTL_REFUSAL_MAX bytes */
	size_t reply_len;
};

/* Feed @n bytes at @data, @chunk at a time (0: all that fit), then the
 * end of the connection if @eof, as read_cb() does. */
static void feed(struct outcome *o, const uint8_t *data, size_t n,
		 size_t chunk, bool eof)
{
	char *buf = malloc(BUF_LEN);
	size_t len = 0;

	if (!buf)
		abort();
	o->rd = CTL_READ_MORE;
	for (;;) {
		size_t take = n - len;

		if (len == BUF_LEN)
			fail("the buffer is full and the reader waits for more",
			     buf, len);
		if (take > BUF_LEN - len)
			take = BUF_LEN - len;
		if (chunk && take > chunk)
			take = chunk;
		if (!take) {
			if (eof) {
				o->rd = ctl_request_read(buf, len, true, &o->r,
							 o->reply,
							 &o->reply_len);
				if (o->rd == CTL_READ_MORE)
					fail("closed, and still waiting", buf,
					     len);
			}
			break;
		}
		memcpy(buf + len, data + len, take);
		len += take;
		o->rd = ctl_request_read(buf, len, false, &o->r, o->reply,
					 &o->reply_len);
		if (o->rd != CTL_READ_MORE)
			break;
	}
	o->used = len;
	free(buf);
}

/* @reply is "message=TEXT\n"... "errno=@err\n\n" and nothing else, TEXT
 * without a control byte, and with @ascii printable ASCII alone; @lines,
 * if not 0, is how many message lines it must have. */
static void refusal_check(const char *reply, size_t len, int err,
			  size_t lines, bool ascii)
{
	char end[CTL_END_MAX];
	size_t i = 0, n = 0, text = 0, elen;

	elen = (size_t)snprintf(end, sizeof(end), "errno=%d\n\n", err);
	if (len > CTL_REFUSAL_MAX)
		fail("a refusal longer than CTL_REFUSAL_MAX", reply, len);
	if (len < elen || memcmp(reply + len - elen, end, elen))
		fail("a refusal that does not end with its errno and the empty line",
		     reply, len);
	len -= elen;
	while (i < len) {
		const char *nl = memchr(reply + i, '\n', len - i);
		size_t j;

		if (!nl || len - i < 8 || memcmp(reply + i, "message=", 8))
			fail("a refusal line that is not message=", reply,
			     len);
		for (j = i + 8; j < (size_t)(nl - reply); j++) {
			unsigned char ch = (unsigned char)reply[j];

			if (ch < 0x20 || ch == 0x7f || (ascii && ch > 0x7e))
				fail("a refusal with a byte that is not printable",
				     reply, len);
		}
		text += (size_t)(nl - reply) - (i + 8);
		n++;
		i = (size_t)(nl - reply) + 1;
	}
	if (lines ? n != lines : !n || !text)
		fail("a refusal without the message it should have", reply,
		     len);
}

/* Append "KEY=A.B.C.D[:PORT]\n" for a filter that is set. */
static size_t put_endpoint(char *p, const char *key, uint32_t addr,
			   uint16_t port)
{
	char a[16];

	if (!addr)
		return 0;
	if (port)
		return (size_t)sprintf(p, "%s=%s:%u\n", key,
				       ctl_addr_str(addr, a), port);
	return (size_t)sprintf(p, "%s=%s\n", key, ctl_addr_str(addr, a));
}

static bool request_same(const struct ctl_request *a,
			 const struct ctl_request *b)
{
	const struct nat_match *x = &a->match, *y = &b->match;

	return a->cmd == b->cmd && a->limit == b->limit &&
	       x->proto == y->proto && x->in_addr == y->in_addr &&
	       x->pub_addr == y->pub_addr && x->rem_addr == y->rem_addr &&
	       x->in_port == y->in_port && x->pub_port == y->pub_port &&
	       x->rem_port == y->rem_port;
}

/* A parsed request is one its command takes, and writes back to itself. */
static void request_check(const struct ctl_request *r, bool named)
{
	const struct nat_match *m = &r->match;
	char text[CTL_REQUEST_MAX], proto[4];
	struct outcome again = { 0 };
	size_t n = 0;

	if (!ctl_cmd_name(r->cmd))
		fail("a request without a command", NULL, 0);
	if (r->cmd != CTL_CMD_SESSIONS && r->limit)
		fail("a limit on a command that takes none", NULL, 0);
	if (r->cmd != CTL_CMD_SESSIONS && r->cmd != CTL_CMD_FLUSH &&
	    (m->proto || m->in_addr || m->pub_addr || m->rem_addr ||
	     m->in_port || m->pub_port || m->rem_port))
		fail("a filter on a command that takes none", NULL, 0);
	if ((m->in_port && !m->in_addr) || (m->pub_port && !m->pub_addr) ||
	    (m->rem_port && !m->rem_addr))
		fail("a port filter without its address", NULL, 0);

	n += (size_t)sprintf(text + n, "command=%s\n", ctl_cmd_name(r->cmd));
	if (m->proto)
		n += (size_t)sprintf(text + n, "protocol=%s\n", named ?
				     ctl_proto_name(m->proto, proto) :
				     (snprintf(proto, sizeof(proto), "%u",
					       m->proto), proto));
	n += put_endpoint(text + n, "inside", m->in_addr, m->in_port);
	n += put_endpoint(text + n, "public", m->pub_addr, m->pub_port);
	n += put_endpoint(text + n, "remote", m->rem_addr, m->rem_port);
	if (r->limit)
		n += (size_t)sprintf(text + n, "limit=%u\n", r->limit);
	text[n++] = '\n';
	again.reply = malloc(CTL_REFUSAL_MAX);
	if (!again.reply)
		abort();
	feed(&again, (const uint8_t *)text, n, 0, true);
	if (again.rd != CTL_READ_REQUEST || again.used != n ||
	    !request_same(r, &again.r))
		fail("a request written back does not read back the same",
		     text, n);
	free(again.reply);
}

/* ctl_refusal_format() of @msg, as any text: its form, and one line per
 * line of the text (up to its first CTL_ERR_MAX - 1 bytes). */
static void refusal_any(const uint8_t *data, size_t size, int err)
{
	size_t n = size < 2 * CTL_ERR_MAX ? size : 2 * CTL_ERR_MAX;
	char *msg = malloc(n + 1), *reply = malloc(CTL_REFUSAL_MAX);
	size_t len, i, lines = 0;

	if (!msg || !reply)
		abort();
	memcpy(msg, data, n);
	msg[n] = '\0';
	n = strnlen(msg, CTL_ERR_MAX - 1);
	for (i = 0; i < n; i++)
		if (msg[i] == '\n' || i == n - 1)
			lines++;
	len = ctl_refusal_format(reply, err, msg);
	if (lines)
		refusal_check(reply, len, err, lines, false);
	else if (len != (size_t)snprintf(msg, 0, "errno=%d\n\n", err))
		fail("an empty message made message lines", reply, len);
	free(msg);
	free(reply);
}

/* ctl_session_format() of a session made of the input's bytes must be
 * one line that reads back the same. */
static void session_any(const uint8_t *d, size_t size)
{
	static const char *const states[] = {
		"opening", "established", "half-closed", "closing", "reset",
		"pending", "active", NULL,
	};
	struct nat_session_info si;
	struct ctl_session s;
	char *line;
	size_t n;

	if (size < 31)
		return;
	si = (struct nat_session_info){
		.proto = d[0],
		.state = states[d[1] % 8],
		.flags = d[2] & 0x1f,
		.alg = d[2] & 0x80 ? "pptp" : NULL,
	};
	memcpy(&si.in_addr, d + 3, 4);
	memcpy(&si.pub_addr, d + 7, 4);
	memcpy(&si.rem_addr, d + 11, 4);
	memcpy(&si.in_port, d + 15, 2);
	memcpy(&si.pub_port, d + 17, 2);
	memcpy(&si.rem_port, d + 19, 2);
	memcpy(&si.idle_ms, d + 21, 4);
	memcpy(&si.expires_ms, d + 25, 4);
	line = malloc(CTL_SESSION_MAX);
	if (!line)
		abort();
	n = ctl_session_format(line, &si);
	if (n >= CTL_SESSION_MAX || n < 9 || memcmp(line, "session=", 8) ||
	    line[n - 1] != '\n' || memchr(line, '\n', n - 1))
		fail("a session line out of form or too long", line, n);
	line[n - 1] = '\0';
	if (si.proto == 0 || ctl_session_parse(line + 8, &s))
		goto out;	/* protocol 0 is no session's */
	if (s.proto != si.proto || s.in_addr != si.in_addr ||
	    s.pub_addr != si.pub_addr || s.rem_addr != si.rem_addr ||
	    s.in_port != si.in_port || s.pub_port != si.pub_port ||
	    s.rem_port != si.rem_port || s.idle_ms != si.idle_ms ||
	    s.expires_ms != si.expires_ms || s.flags != si.flags ||
	    strcmp(s.state, si.state ? si.state : "active") ||
	    strcmp(s.alg, si.alg ? si.alg : ""))
		fail("a session line reads back different", line, n - 1);
out:
	free(line);
}

static bool ends_with(const struct outcome *o, const char *s)
{
	size_t n = strlen(s);

	return o->reply_len >= n && !memcmp(o->reply + o->reply_len - n, s, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome o = { 0 }, whole = { 0 };
	size_t chunk;
	bool eof;
	int err;

	if (size < 2)
		return 0;
	chunk = data[0];
	eof = data[1] & 1;
	err = data[1] >> 1;
	data += 2;
	size -= 2;
	o.reply = malloc(CTL_REFUSAL_MAX);
	whole.reply = malloc(CTL_REFUSAL_MAX);
	if (!o.reply || !whole.reply)
		abort();

	feed(&o, data, size, chunk, eof);
	feed(&whole, data, size, 0, eof);
	if (o.rd != whole.rd || o.reply_len != whole.reply_len ||
	    memcmp(o.reply, whole.reply, o.reply_len) ||
	    (o.rd == CTL_READ_REQUEST && !request_same(&o.r, &whole.r)))
		fail("the decision depends on the size of the reads",
		     (const char *)data, size);
	switch (o.rd) {
	case CTL_READ_MORE:
		if (eof)
			fail("closed, and nothing decided", NULL, 0);
		/* what the daemon sends when it tires of waiting */
		o.reply_len = ctl_refusal_format(o.reply, ETIMEDOUT,
						 "no whole request within 5 s");
		refusal_check(o.reply, o.reply_len, ETIMEDOUT, 1, true);
		break;
	case CTL_READ_CLOSED:
		if (!eof || size)
			fail("a client that sent bytes closed without a reply",
			     NULL, 0);
		break;
	case CTL_READ_REQUEST:
		request_check(&o.r, true);
		request_check(&o.r, false);
		break;
	case CTL_READ_BAD:
		refusal_check(o.reply, o.reply_len, EINVAL, 0, true);
		break;
	case CTL_READ_REFUSED:
		refusal_check(o.reply, o.reply_len,
			      ends_with(&o, "errno=90\n\n") ? EMSGSIZE : EINVAL,
			      0, true);
		break;
	}
	refusal_any(data, size, err);
	session_any(data, size);
	free(o.reply);
	free(whole.reply);
	return 0;
}
