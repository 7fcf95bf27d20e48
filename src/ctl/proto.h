/* SPDX-License-Identifier: MIT */
/* proto.h - the control protocol that tunnat serves and tunnatctl speaks
 *
 * A request is a few "key=value" lines ended by an empty line; the reply is
 * "key=value" lines ended by "errno=N" and an empty line, as in WireGuard's
 * cross-platform interface.  tunnatctl(8) documents both.  This file is
 * pure C (libc only): the daemon parses requests and formats records with
 * it, tunnatctl checks its own requests and parses records with it, and
 * the unit tests drive it directly.
 */
#ifndef TN_CTL_PROTO_H
#define TN_CTL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../nat/nat.h"

#define CTL_REQUEST_MAX		4096	/* bytes, with the empty line */
#define CTL_LINE_MAX		256	/* bytes of a line, with \n */
#define CTL_SESSION_MAX		192	/* bytes of a "session=" line, with \n */
#define CTL_ERR_MAX		160	/* bytes of an error message */

enum ctl_cmd {
	CTL_CMD_NONE = 0,
	CTL_CMD_SESSIONS,	/* list sessions that match */
	CTL_CMD_STATS,		/* every counter */
	CTL_CMD_FLUSH,		/* end sessions that match */
	CTL_CMD_RELOAD,		/* read the configuration file again */
	CTL_CMD_CONFIG,		/* the running configuration, as YAML */
	CTL_CMD_N
};

/**
 * struct ctl_request - one parsed request
 * @cmd:	what is asked
 * @match:	sessions and flush: the filter (a zero field matches any)
 * @limit:	sessions: the most to list; 0 for all
 */
struct ctl_request {
	enum ctl_cmd cmd;
	struct nat_match match;
	uint32_t limit;
};

/* ctl_cmd_name() - "sessions", "stats"...; NULL for CTL_CMD_NONE */
const char *ctl_cmd_name(enum ctl_cmd c);

/**
 * ctl_request_scan() - whether @buf (@len bytes read so far) holds a whole
 * request, checking each complete line's bytes and length on the way, so
 * that a bad request is refused as soon as it is seen
 * @err:	why not, on failure (CTL_ERR_MAX bytes)
 *
 * Return: the request's length up to and including its empty line; 0 if
 * more bytes are needed; -EMSGSIZE (a line longer than CTL_LINE_MAX, or
 * more than CTL_REQUEST_MAX bytes without an end) or -EINVAL (a byte that
 * no request holds: only printable ASCII, and newlines, are allowed)
 */
long ctl_request_scan(const char *buf, size_t len, char *err);

/**
 * ctl_request_parse() - read the request @buf of @len bytes (ending with
 * its empty line, as ctl_request_scan() found it) into @r
 * @err:	why it was refused (CTL_ERR_MAX bytes)
 *
 * The first line must be "command=NAME".  Each key may come once and only
 * with the commands that take it; values are checked in full: protocol
 * (tcp, udp, icmp, gre or 1 to 255), inside, public and remote
 * (A.B.C.D or A.B.C.D:PORT, no leading zeros, neither 0.0.0.0 nor port
 * 0, which would match anything), limit (1 to 4294967295).
 *
 * Return: 0, or -EINVAL
 */
int ctl_request_parse(struct ctl_request *r, const char *buf, size_t len,
		      char *err);

#define CTL_END_MAX		32	/* bytes of "errno=N\n\n" */
/* bytes of a refusal: every byte of a message may start a line */
#define CTL_REFUSAL_MAX		(CTL_ERR_MAX * (sizeof("message=\n") - 1) + \
				 CTL_END_MAX)

/* ctl_reply_end() - the end of every reply, "errno=@err\n\n", in @buf
 * (CTL_END_MAX bytes); return its length */
size_t ctl_reply_end(char *buf, int err);

/* ctl_line_clean() - make each control byte (below 0x20, and 0x7f) of the
 * @n bytes at @s a '?', so that they stay one line of a reply */
void ctl_line_clean(char *s, size_t n);

/**
 * ctl_refusal_format() - the whole reply refusing a request: each line of
 * @msg as "message=LINE\n", cleaned by ctl_line_clean(), then
 * ctl_reply_end(@err)
 * @buf:	CTL_REFUSAL_MAX bytes; of @msg, the first CTL_ERR_MAX - 1
 *		bytes are sent (what ctl_request_scan() and
 *		ctl_request_parse() write is never longer)
 *
 * Return: the length written (without a NUL)
 */
size_t ctl_refusal_format(char *buf, int err, const char *msg);

/* What the bytes a client has sent call for (ctl_request_read()). */
enum ctl_read {
	CTL_READ_MORE,		/* wait for more */
	CTL_READ_CLOSED,	/* it closed without sending a byte: no reply */
	CTL_READ_REQUEST,	/* a whole request, parsed: run it */
	CTL_READ_BAD,		/* a whole request that does not parse */
	CTL_READ_REFUSED,	/* no whole request: bad bytes, too long, or
				 * closed before the empty line */
};

/**
 * ctl_request_read() - decide what the @len bytes at @buf that a client
 * has sent so far call for (@eof: and then it closed its side), as the
 * daemon does after each read: ctl_request_scan(), then
 * ctl_request_parse() of a whole request
 * @r:		for CTL_READ_REQUEST, the request
 * @reply:	for CTL_READ_BAD and CTL_READ_REFUSED, the whole reply
 *		(ctl_refusal_format(), CTL_REFUSAL_MAX bytes); its length
 *		in @reply_len
 *
 * Return: an enum ctl_read; never CTL_READ_MORE once @eof is set or
 * @len reaches CTL_REQUEST_MAX, so a buffer of CTL_REQUEST_MAX bytes is
 * always enough
 */
enum ctl_read ctl_request_read(const char *buf, size_t len, bool eof,
			       struct ctl_request *r, char *reply,
			       size_t *reply_len);

/* ctl_proto_name() - "tcp", "udp", "icmp", "gre", or the number, in @buf */
const char *ctl_proto_name(uint8_t proto, char buf[4]);

/* ctl_proto_parse() - the protocol @s names (as ctl_proto_name() writes
 * it); -1 if none */
int ctl_proto_parse(const char *s);

/* ctl_addr_str() - "A.B.C.D" of @addr (network order) into @buf (16) */
const char *ctl_addr_str(uint32_t addr, char buf[16]);

/**
 * ctl_endpoint_parse() - read "A.B.C.D" or "A.B.C.D:PORT"
 * @addr:	network order
 * @port:	host order; 0 if none was given
 *
 * Return: 0, or -EINVAL
 */
int ctl_endpoint_parse(const char *s, uint32_t *addr, uint16_t *port);

/* Session flags on the wire, in this order, by bit of NAT_SI_*. */
#define CTL_FLAG_NAMES	{ "inbound", "hairpin", "static", "call", \
			  "address-only" }

/**
 * ctl_session_format() - @si as one "session=" reply line:
 * "session=PROTO IN:PORT PUB:PORT REM:PORT STATE IDLE_MS EXPIRES_MS FLAGS
 * ALG\n", FLAGS a comma-separated list or "-", ALG a name or "-"
 * @buf:	CTL_SESSION_MAX bytes
 *
 * Return: the length written (without a NUL)
 */
size_t ctl_session_format(char *buf, const struct nat_session_info *si);

/**
 * struct ctl_session - a session as tunnatctl reads it back
 * @state, @alg: words from the line ("" for no ALG)
 */
struct ctl_session {
	uint8_t proto;
	uint32_t in_addr, pub_addr, rem_addr;
	uint16_t in_port, pub_port, rem_port;
	char state[16];
	uint32_t idle_ms, expires_ms;
	uint8_t flags;
	char alg[16];
};

/**
 * ctl_session_parse() - read the value of a "session=" line
 *
 * Return: 0, or -EINVAL if it is not as ctl_session_format() writes it
 */
int ctl_session_parse(const char *value, struct ctl_session *s);

/* ctl_u64_parse() - a decimal number without sign or leading zeros, at
 * most @max; 0 or -EINVAL */
int ctl_u64_parse(const char *s, uint64_t max, uint64_t *v);

#endif /* TN_CTL_PROTO_H */
