/* SPDX-License-Identifier: MIT */
/* proto_tcp.c - TCP: ports, and the connection state that picks the timer
 *
 * Theory of operation.  The NAT does not validate sequence numbers (RFC
 * 7857 section 2 does not ask it to); it only tracks enough of the handshake
 * and teardown to choose between the timers of RFC 5382 REQ-5: the
 * established timer (>= 2 h 4 min) and the transitory one (>= 4 min),
 * which RFC 7857 2.1 splits into an opening and a closing timer.  The
 * state is a set of bits, one per event and direction:
 *
 *   SYN_OUT, SYN_IN	a SYN was seen leaving / arriving
 *   FIN_OUT, FIN_IN	a FIN was seen leaving / arriving
 *   RST		the last segment seen was a RST (RFC 7857 2.2: keep
 *			the session for the transitory time, don't delete)
 *   MID		picked up mid-stream: the first outbound segment had
 *			no SYN (a connection older than this process)
 *
 * SYN both ways is established; an unfinished handshake is opening; FIN
 * both ways or a RST is closing; a half-close keeps the established
 * timer.  As in
 * RFC 6146 3.5.2.2, a segment other than RST after a RST returns the session
 * to what its other bits say, and a bare SYN on a closed or reset session
 * starts the tracking afresh (the 4-tuple is being reused).  A GSO
 * superpacket carries the flags of its last segment's header, so a FIN in
 * it is seen here like any other.
 */

#include <stddef.h>

#include "nat_int.h"

#define TCPS_SYN_OUT	0x01
#define TCPS_SYN_IN	0x02
#define TCPS_FIN_OUT	0x04
#define TCPS_FIN_IN	0x08
#define TCPS_RST	0x10
#define TCPS_MID	0x20

enum drop_reason proto_tcp_flow(struct pkt *p, struct pkt_flow *f)
{
	const struct tcp_hdr *th = (const struct tcp_hdr *)(void *)pkt_l4(p);

	nat_flow_ports(p, f, offsetof(struct tcp_hdr, check));
	f->v.udp = false;
	f->klass = CLASS_TCP_OPEN;
	f->tcp_flags = th->flags;
	/* a RST never opens anything: there is nothing to reset */
	f->may_create = !(th->flags & TCP_RST);
	return DROP_NONE;
}

static enum nat_class tcp_class(uint8_t st)
{
	const uint8_t fins = TCPS_FIN_OUT | TCPS_FIN_IN;
	const uint8_t syns = TCPS_SYN_OUT | TCPS_SYN_IN;

	if (st & TCPS_RST || (st & fins) == fins)
		return CLASS_TCP_CLOSE;
	if ((st & syns) == syns)
		return CLASS_TCP_EST;
	return CLASS_TCP_OPEN;
}

/**
 * proto_tcp_track() - account for a segment with @flags on session @s
 * @dir:	direction of the segment
 *
 * Call it for the segment that creates the session too (with s->tcp 0).
 *
 * Return: the timeout class the session is now in
 */
enum nat_class proto_tcp_track(struct nat_session *s, uint8_t flags,
			       enum pkt_dir dir)
{
	uint8_t syn = dir == DIR_OUT ? TCPS_SYN_OUT : TCPS_SYN_IN;
	uint8_t fin = dir == DIR_OUT ? TCPS_FIN_OUT : TCPS_FIN_IN;
	const uint8_t closed = TCPS_RST | TCPS_FIN_OUT | TCPS_FIN_IN;
	uint8_t st = s->tcp;

	if (flags & TCP_RST) {
		s->tcp = st | TCPS_RST;
		return tcp_class(s->tcp);
	}
	if ((flags & (TCP_SYN | TCP_ACK)) == TCP_SYN && st & closed)
		st = 0;
	st &= (uint8_t)~TCPS_RST;
	if (!st && !(flags & TCP_SYN) && dir == DIR_OUT)
		st = TCPS_SYN_OUT | TCPS_MID;
	if (flags & TCP_SYN)
		st |= syn;
	if (st & TCPS_MID && dir == DIR_IN)
		st = (st | TCPS_SYN_IN) & (uint8_t)~TCPS_MID;
	if (flags & TCP_FIN)
		st |= fin;
	s->tcp = st;
	return tcp_class(st);
}

/* proto_tcp_state() - the state of a session's TCP bits, for an operator */
const char *proto_tcp_state(uint8_t st)
{
	const uint8_t fins = TCPS_FIN_OUT | TCPS_FIN_IN;
	const uint8_t syns = TCPS_SYN_OUT | TCPS_SYN_IN;

	if (st & TCPS_RST)
		return "reset";
	if ((st & fins) == fins)
		return "closing";
	if (st & fins)
		return "half-closed";
	if ((st & syns) == syns)
		return "established";
	return "opening";
}
