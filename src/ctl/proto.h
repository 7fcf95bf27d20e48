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
