/* SPDX-License-Identifier: MIT */
/* proto_tcp.c - TCP: ports, the connection state that picks the timer, and
 * the sequence checks that keep blind resets out
 *
 * Theory of operation.  The NAT tracks enough of the handshake
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
 *
 * Sequence checks (RFC 5961, as a middlebox can apply it).  Anyone who
 * guesses a session's four addresses and ports can send a RST or a FIN
 * from outside; only one near where the remote stands in its sequence
 * space may change the session's state.  Each TCP session keeps one 32-bit
 * number for it (@tcp_seq) and a few bits (@seqst):
 *
 *   SYN_SENT	the inside host sent a SYN and no SYN came back yet: the
 *		number is its ISN + 1, and an inbound RST or FIN must carry
 *		ACK with exactly that (RFC 9293 3.10.7.3, SYN-SENT)
 *   REMOTE	the number is the remote's next sequence number: the end of
 *		the furthest segment it sent (its SYN, data and FIN), moved
 *		only forward and never by more than a window at a time
 *   (none)	nothing seen yet to check against: nothing is checked
 *
 * and the window scale the inside host announced in its SYN (RFC 7323;
 * none: 0; a session picked up mid-stream: unknown, taken as 14).  The
 * remote cannot send further than the inside host's window, so the window
 * W is the largest the inside host can announce, 65535 << scale.  An
 * inbound RST or FIN whose sequence number is more than W before or after
 * the remote's next one is dropped (DROP_TCP_WINDOW) and changes nothing.
 * A FIN in the window acts as usual.  A RST in the window acts only at
 * exactly the remote's next sequence number (RFC 5961 3.2); elsewhere in the
 * window it is passed to the inside host, which answers with a challenge
 * ACK, but it neither refreshes nor changes the session: a real remote
 * then sends the exact RST.  A blind attacker hits the window once in
 * 2^32 / 2W tries (32768 at scale 0, 256 at scale 7), and then only
 * reaches the inside host's own RFC 5961 checks.  Segments from inside are
 * not checked: the inside hosts are the NAT's own.
 *
 * ICMP errors from outside (RFC 5927 4.1, as pf does it).  An error that
 * quotes a TCP segment of a session says the inside host sent it, so its
 * sequence number lies between what the remote last acknowledged and the
 * end of what the inside host sent: at most the remote's window W' behind
 * the inside host's next sequence number.  A session keeps the top 16
 * bits of that number (@snd_hi, moved only forward, set anew by a SYN)
 * and, in @seqst, the class of the window scale the remote announced in
 * its SYN: 0 (W' < 2^16), 1 to 7 (< 2^23), 8 to 14 (< 2^30), or none
 * seen (a connection picked up mid-stream: nothing is checked).  An
 * error whose quoted sequence number is not within W' behind, give or
 * take the 64 KiB the kept bits blur, is dropped
 * (DROP_ICMP_SEQ): a blind attacker who knows the four addresses and
 * ports passes once in 2^16 / 3 tries against a remote that does not
 * scale, once in 500 at scale 7.
 */

#include <arpa/inet.h>

#include <stddef.h>

#include "nat_int.h"

#define TCPOPT_EOL	0
#define TCPOPT_NOP	1
#define TCPOPT_WSCALE	3	/* RFC 7323 2.2 */

#define SEQ_MODE	0x03	/* @seqst: what @tcp_seq holds */
#define SEQ_NONE	0
#define SEQ_SYN_SENT	1
#define SEQ_REMOTE	2
#define SEQ_WS_SHIFT	2	/* @seqst bits 2-5: scale + 1, 0: unknown */
#define SEQ_WS_BITS	(15u << SEQ_WS_SHIFT)
#define SEQ_RW_SHIFT	6	/* @seqst bits 6-7: the remote's window class */
#define SEQ_RW_BITS	(3u << SEQ_RW_SHIFT)
#define SEQ_WS_MAX	14	/* RFC 7323 2.3 */

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

/* The window scale SYN @th (of @doff bytes) announces, 0 if none. */
static unsigned syn_wscale(const uint8_t *th, unsigned doff)
{
	unsigned i = sizeof(struct tcp_hdr);

	while (i < doff) {
		uint8_t kind = th[i];

		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= doff || th[i + 1] < 2 || i + th[i + 1] > doff)
			break;		/* malformed: no scale */
		if (kind == TCPOPT_WSCALE && th[i + 1] == 3)
			return th[i + 2] > SEQ_WS_MAX ? SEQ_WS_MAX : th[i + 2];
		i += th[i + 1];
	}
	return 0;
}

/* The window W of session @s: the most the inside host can announce. */
static uint32_t seq_window(const struct nat_session *s)
{
	unsigned ws = (s->seqst & SEQ_WS_BITS) >> SEQ_WS_SHIFT;

	return 65535u << (ws ? ws - 1 : SEQ_WS_MAX);
}

/* Is @seq within @w of @ref, either way (modulo 2^32)? */
static bool seq_near(uint32_t seq, uint32_t ref, uint32_t w)
{
	return seq - ref <= w || ref - seq <= w;
}

enum tcp_seq_verdict proto_tcp_seq_check(const struct nat_session *s,
					 const struct pkt *p)
{
	const struct tcp_hdr *th = (const void *)pkt_l4(p);
	uint32_t seq = ntohl(th->seq);

	if (!(th->flags & (TCP_RST | TCP_FIN)))
		return TCP_SEQ_OK;
	switch (s->seqst & SEQ_MODE) {
	case SEQ_SYN_SENT:
		return th->flags & TCP_ACK && ntohl(th->ack) == s->tcp_seq
		       ? TCP_SEQ_OK : TCP_SEQ_BAD;
	case SEQ_REMOTE:
		if (!seq_near(seq, s->tcp_seq, seq_window(s)))
			return TCP_SEQ_BAD;
		if (th->flags & TCP_RST && seq != s->tcp_seq)
			return TCP_SEQ_IN_WINDOW;
		return TCP_SEQ_OK;
	default:
		return TCP_SEQ_OK;
	}
}

/* The class of the remote's window, from the scale in its SYN @th. */
static unsigned remote_window_class(const uint8_t *th, unsigned doff)
{
	unsigned ws = syn_wscale(th, doff);

	return ws == 0 ? 1 : ws <= 7 ? 2 : 3;
}

bool proto_tcp_quote_ok(const struct nat_session *s, uint32_t seq)
{
	/* W' by class, in 64 KiB units, rounded up */
	static const int units[4] = { 0, 1, 1 << 7, 1 << 14 };
	unsigned c = (s->seqst & SEQ_RW_BITS) >> SEQ_RW_SHIFT;
	int behind = (int16_t)(uint16_t)(s->snd_hi - (uint16_t)(seq >> 16));

	return !c || (behind >= -1 && behind <= units[c] + 1);
}

void proto_tcp_seq_note(struct nat_session *s, const struct pkt *p,
			enum pkt_dir dir)
{
	const struct tcp_hdr *th = (const void *)pkt_l4(p);
	unsigned doff = (th->doff >> 4) * 4u;
	uint8_t fl = th->flags, mode = s->seqst & SEQ_MODE;
	uint32_t seq = ntohl(th->seq), ack = ntohl(th->ack);
	uint32_t end = seq + (p->l4_len - doff) + !!(fl & TCP_SYN) +
		       !!(fl & TCP_FIN);
	/* after proto_tcp_track(): the session is new or starts afresh */
	bool fresh = !(s->tcp & (dir == DIR_OUT ? TCPS_SYN_IN : TCPS_SYN_OUT));

	if (fl & TCP_RST)
		return;
	if (dir == DIR_OUT) {
		if (fl & TCP_SYN || (int16_t)(uint16_t)((end >> 16) -
							s->snd_hi) > 0)
			s->snd_hi = (uint16_t)(end >> 16);
		if ((fl & (TCP_SYN | TCP_ACK)) == TCP_SYN && fresh)
			s->seqst &= (uint8_t)~SEQ_RW_BITS; /* until it answers */
		if (fl & TCP_SYN)
			s->seqst = (uint8_t)((s->seqst & ~SEQ_WS_BITS) |
					     (syn_wscale(pkt_l4(p), doff) + 1)
					     << SEQ_WS_SHIFT);
		if ((fl & (TCP_SYN | TCP_ACK)) == TCP_SYN && fresh) {
			mode = SEQ_SYN_SENT;
			s->tcp_seq = seq + 1;
		} else if (mode == SEQ_NONE && fl & TCP_ACK) {
			/* picked up mid-stream: the inside host says where
			 * the remote stands */
			mode = SEQ_REMOTE;
			s->tcp_seq = ack;
		}
	} else if (fl & TCP_SYN) {
		/* a remote's SYN opens (or reopens) the session; its SYN-ACK
		 * counts only if it acknowledges the inside host's SYN */
		if ((mode == SEQ_NONE && fresh) ||
		    (mode == SEQ_REMOTE && fresh && !(fl & TCP_ACK)) ||
		    (mode == SEQ_SYN_SENT &&
		     (!(fl & TCP_ACK) || ack == s->tcp_seq))) {
			mode = SEQ_REMOTE;
			s->tcp_seq = end;
			s->seqst = (uint8_t)((s->seqst & ~SEQ_RW_BITS) |
					     remote_window_class(pkt_l4(p),
								 doff)
					     << SEQ_RW_SHIFT);
		}
	} else if (mode == SEQ_REMOTE && (int32_t)(end - s->tcp_seq) > 0 &&
		   end - s->tcp_seq <= seq_window(s)) {
		s->tcp_seq = end;
	}
	s->seqst = (uint8_t)((s->seqst & ~SEQ_MODE) | mode);
}
