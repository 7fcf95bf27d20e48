/* SPDX-License-Identifier: MIT */
/* alg_pptp.c - PPTP ALG: translate Call IDs on control connections
 *
 * Theory of operation.
 *
 * PPTP (RFC 2637) carries its data in GRE keyed by the receiver's Call ID,
 * which each peer announces on the TCP control connection.  A Call ID is to
 * GRE what a port is to UDP: so the ALG translates the Call ID of the inside
 * peer, in every control message that carries it, into one unique for
 * (public address, remote host), and opens a GRE call that maps it back
 * (alg.c, proto_gre.c).  The outside peer's Call IDs are left alone.
 *
 * The stream.  Each direction of the connection is parsed as a byte stream,
 * in sequence order, whatever the segmentation: several messages in one
 * segment, one message over several, even a Call ID split between two
 * segments.  Messages are cut by their Length field, which must equal the
 * fixed length of their type (RFC 2637 section 2); Message Type must be 1
 * and Magic Cookie 0x1A2B3C4D.  Anything else means the stream is out of
 * sync, and RFC 2637 1.5 says such a connection must be closed: the ALG
 * resets it rather than let an untranslated Call ID through.  Of each
 * message only the first PPTP_KEEP bytes are kept (the header, both Call
 * ID fields and the result codes), so memory per connection is fixed.
 *
 * Split fields.  A translated ID keeps the high byte of the inside ID
 * (alg.c), so the first byte of a Call ID field never changes, inbound or
 * outbound: the decision, and the only byte rewritten, come with the
 * field's second byte, when the whole value is known.  Each rewrite is
 * logged with its sequence number; a retransmission of those bytes, however
 * re-segmented, gets exactly the same bytes.  A segment beyond a gap
 * (out of order) is dropped: the sender will send it again once the gap is
 * filled, and nothing is buffered here.  So is a segment older than the
 * rewrite log reaches: its peer has long had those bytes.
 *
 * Blind segments.  Whoever knows the four addresses and ports can send a
 * segment; only one at the right sequence number may act.  A RST ends the
 * calls only at the sequence number the stream expects next (RFC 5961's
 * rule), a SYN restarts the stream only once the connection has closed,
 * and a segment at a wrong place is dropped, never a reason to reset.
 *
 * Roles come from the messages, not from who opened TCP: each Call ID field
 * holds either the sender's own ID or the receiver's ("Peer's Call ID"),
 * and the packet's direction tells which of the two is inside.
 *
 *   field              holds              inside sender       inside receiver
 *   OCRQ@12 ICRQ@12    sender's, new      open call, O -> T   (note it)
 *   OCRP@12 ICRP@12    sender's, new      open call, O -> T   (note it)
 *   CCRQ@12            sender's           O -> T              -
 *   OCRP@14 ICRP@14    receiver's         -                   T -> O
 *   ICCN@12 WEN@12     receiver's         -                   T -> O
 *   SLI@12             receiver's         -                   T -> O
 *   CDN@12             sender's (RFC) or receiver's (accel-ppp): both
 *                      forms are recognised by matching the call's IDs
 *
 * (O: the inside peer's ID, T: translated.)  A call is activated, and GRE
 * passes, when it is accepted: Outgoing-Call-Reply with result 1, or
 * Incoming-Call-Connected.  It ends on Call-Disconnect-Notify, on a
 * refused reply, after a grace on Call-Clear-Request, on
 * Stop-Control-Connection (RFC 2637 2.3: all calls), and when the control
 * connection closes, is reset or times out.
 */

#include <arpa/inet.h>

#include <stddef.h>
#include <string.h>

#include "../net/ipv4.h"
#include "alg.h"

#define PPTP_MAGIC	0x1a2b3c4d
#define PPTP_CONTROL	1	/* PPTP Message Type */
#define PPTP_KEEP	18	/* bytes kept of each message */
#define PPTP_LOG	32	/* rewrites remembered per direction */
#define PPTP_ENDED	8	/* ended calls remembered per connection */
#define PPTP_MIN_LEN	16	/* the shortest control message */

enum pptp_msg {
	SCCRQ = 1, SCCRP, STOPCCRQ, STOPCCRP, ECHORQ, ECHORP, OCRQ, OCRP,
	ICRQ, ICRP, ICCN, CCRQ, CDN, WEN, SLI,
	PPTP_MSG_N
};

/* RFC 2637 section 2: every control message has a fixed length. */
static const uint16_t msg_len[PPTP_MSG_N] = {
	[SCCRQ] = 156, [SCCRP] = 156, [STOPCCRQ] = 16, [STOPCCRP] = 16,
	[ECHORQ] = 16, [ECHORP] = 20, [OCRQ] = 168, [OCRP] = 32,
	[ICRQ] = 220, [ICRP] = 24, [ICCN] = 28, [CCRQ] = 16, [CDN] = 148,
	[WEN] = 40, [SLI] = 24,
};

/* What a Call ID field holds. */
enum field {
	F_NONE = 0,
	F_OWN_NEW,	/* the sender's own ID, announcing a call */
	F_OWN,		/* the sender's own ID, of a call it has */
	F_PEER,		/* the receiver's ID */
	F_CDN,		/* the sender's (RFC 2637) or the receiver's */
};

static const uint8_t field_at12[PPTP_MSG_N] = {
	[OCRQ] = F_OWN_NEW, [OCRP] = F_OWN_NEW, [ICRQ] = F_OWN_NEW,
	[ICRP] = F_OWN_NEW, [ICCN] = F_PEER, [CCRQ] = F_OWN, [CDN] = F_CDN,
	[WEN] = F_PEER, [SLI] = F_PEER,
};

static const uint8_t field_at14[PPTP_MSG_N] = {
	[OCRP] = F_PEER, [ICRP] = F_PEER,
};

#define RESULT_OK	1	/* OCRP "Connected", ICRP "Accept" */
#define SCCRP_EXISTS	3	/* "command channel already exists" */

struct pptp_rewrite {
	uint32_t seq;
	uint8_t old, new;
};

/**
 * struct pptp_stream - one direction of a control connection
 * @next:	sequence number of the next byte to parse
 * @floor:	bytes before this may have had rewrites the log forgot
 * @off:	offset of the next byte in its message
 * @len:	the current message's Length, once @off > 1
 * @hdr:	the current message's first bytes, as the sender sent them
 * @call:	handle of the call the current message is about, or 0
 * @ann:	the outside peer's ID the current message announced
 * @log:	the last rewrites, @nlog of them, oldest at @logpos if full
 */
struct pptp_stream {
	uint32_t next;
	uint32_t floor;
	uint16_t off;
	uint16_t len;
	uint8_t hdr[PPTP_KEEP];
	bool started;
	bool fin;
	bool has_ann;
	uint16_t ann;
	uint32_t call;
	uint8_t nlog, logpos;
	struct pptp_rewrite log[PPTP_LOG];
};

/**
 * struct pptp_call - a call of this connection, as the ALG knows it
 * @h:		the engine's handle
 * @in_id:	the inside peer's Call ID
 * @x_id:	its translation
 * @out_id:	the outside peer's Call ID, if @has_out
 */
struct pptp_call {
	uint32_t h;
	uint16_t in_id, x_id, out_id;
	bool has_out;
};

/* A call this connection had, for a late message about it. */
struct pptp_ended {
	uint16_t in_id, x_id;
};

/**
 * struct pptp_conn - one control connection
 * @closed:	FIN both ways, or a RST at the right place: a SYN may start
 *		the connection afresh
 * @ended:	the last calls that ended, newest at @ended_pos - 1
 */
struct pptp_conn {
	struct pptp_stream s[DIR_N];
	bool closed;
	uint8_t ended_pos;
	struct pptp_ended ended[PPTP_ENDED];
	uint16_t ncalls, max_calls;
	struct pptp_call calls[];
};

static size_t pptp_priv_size(const struct nat_alg_config *cfg)
{
	return sizeof(struct pptp_conn) +
	       cfg->max_calls_per_connection * sizeof(struct pptp_call);
}

static void pptp_conn_init(void *priv, const struct nat_alg_config *cfg)
{
	struct pptp_conn *cn = priv;

	cn->max_calls = (uint16_t)cfg->max_calls_per_connection;
}

/* ---- the connection's calls ------------------------------------------- */

static struct pptp_call *call_by_handle(struct pptp_conn *cn, uint32_t h)
{
	unsigned i;

	for (i = 0; h && i < cn->ncalls; i++)
		if (cn->calls[i].h == h)
			return &cn->calls[i];
	return NULL;
}

static struct pptp_call *call_by_in(struct pptp_conn *cn, uint16_t id)
{
	unsigned i;

	for (i = 0; i < cn->ncalls; i++)
		if (cn->calls[i].in_id == id)
			return &cn->calls[i];
	return NULL;
}

static struct pptp_call *call_by_x(struct pptp_conn *cn, uint16_t id)
{
	unsigned i;

	for (i = 0; i < cn->ncalls; i++)
		if (cn->calls[i].x_id == id)
			return &cn->calls[i];
	return NULL;
}

static struct pptp_call *call_by_out(struct pptp_conn *cn, uint16_t id)
{
	unsigned i;

	for (i = 0; i < cn->ncalls; i++)
		if (cn->calls[i].has_out && cn->calls[i].out_id == id)
			return &cn->calls[i];
	return NULL;
}

/* Forget @call: no message in progress may act on its handle any more
 * (the engine may give it to a new call), but its IDs are remembered. */
static void call_forget(struct pptp_conn *cn, struct pptp_call *call)
{
	unsigned d;

	for (d = 0; d < DIR_N; d++)
		if (cn->s[d].call == call->h)
			cn->s[d].call = 0;
	cn->ended[cn->ended_pos] = (struct pptp_ended){
		.in_id = call->in_id, .x_id = call->x_id,
	};
	cn->ended_pos = (uint8_t)((cn->ended_pos + 1) % PPTP_ENDED);
	*call = cn->calls[--cn->ncalls];
}

/* The translation of inside ID @in_id on a call of this connection that
 * ended, while its translated ID is still quarantined (so still its). */
static bool ended_x(struct alg_ctx *c, const struct pptp_conn *cn,
		    uint16_t in_id, uint16_t *x)
{
	uint16_t orig;
	unsigned i;

	for (i = 0; i < PPTP_ENDED; i++) {
		const struct pptp_ended *e = &cn->ended[i];

		if (e->in_id == in_id && e->x_id &&
		    alg_call_recent(c, e->x_id, &orig) && orig == in_id) {
			*x = e->x_id;
			return true;
		}
	}
	return false;
}

static void call_end(struct alg_ctx *c, struct pptp_conn *cn,
		     struct pptp_call *call, bool grace, const char *why)
{
	if (!alg_call_close(c, call->h, grace, why))
		call_forget(cn, call);
}

static void calls_end_all(struct alg_ctx *c, struct pptp_conn *cn,
			  const char *why)
{
	while (cn->ncalls)
		call_end(c, cn, &cn->calls[0], false, why);
}

/* ---- rewriting -------------------------------------------------------- */

/* Set payload byte @i (stream position @seq) and remember it. */
static void rewrite(struct alg_ctx *c, struct pptp_stream *st, uint32_t i,
		    uint32_t seq, uint8_t old, uint8_t new)
{
	struct pptp_rewrite *e;

	if (old == new)
		return;
	alg_set_byte(c, i, new);
	if (st->nlog == PPTP_LOG)
		st->floor = st->log[st->logpos].seq + 1;
	else
		st->nlog++;
	e = &st->log[st->logpos];
	st->logpos = (uint8_t)((st->logpos + 1) % PPTP_LOG);
	*e = (struct pptp_rewrite){ .seq = seq, .old = old, .new = new };
}

/* Make field bytes @i-1, @i (value @from, of which byte @i-1 is already
 * gone) say @to; the high bytes are equal by construction. */
static void rewrite_id(struct alg_ctx *c, struct pptp_stream *st, uint32_t i,
		       uint32_t seq, uint16_t from, uint16_t to)
{
	rewrite(c, st, i, seq, (uint8_t)from, (uint8_t)to);
}

/* ---- one Call ID field ------------------------------------------------ */

static enum alg_verdict reset(struct alg_ctx *c, const char *why)
{
	alg_reset_why(c, why);
	return ALG_RESET;
}

/* The inside ID that translated ID @x stands for: a live call's, or that
 * of an ended call whose ID still rests.  @call is the live call or NULL. */
static bool inside_id_of(struct alg_ctx *c, struct pptp_conn *cn, uint16_t x,
			 struct pptp_call **call, uint16_t *in_id)
{
	*call = call_by_x(cn, x);
	if (*call) {
		*in_id = (*call)->in_id;
		return true;
	}
	return alg_call_recent(c, x, in_id);
}

/**
 * id_field() - decide a Call ID field whose last byte is payload byte @i
 * @dir:	DIR_OUT: the inside peer sent the message
 * @v:		the field's value as sent
 */
static enum alg_verdict id_field(struct alg_ctx *c, struct pptp_conn *cn,
				 struct pptp_stream *st, enum pkt_dir dir,
				 enum field f, uint16_t v, uint32_t i,
				 uint32_t seq)
{
	bool out = dir == DIR_OUT;
	struct pptp_call *call = NULL;
	uint16_t x;

	switch (f) {
	case F_NONE:
		return ALG_PASS;
	case F_OWN_NEW:
		if (!out) {
			st->ann = v;
			st->has_ann = true;
			return ALG_PASS;
		}
		call = call_by_in(cn, v);	/* a request sent again */
		if (!call) {
			const char *why = "call limit per connection";
			uint32_t h = 0;

			x = 0;
			if (cn->ncalls < cn->max_calls)
				h = alg_call_open(c, v, &x, &why);
			if (!h)
				return reset(c, why);
			call = &cn->calls[cn->ncalls++];
			*call = (struct pptp_call){ .h = h, .in_id = v,
						    .x_id = x };
		}
		rewrite_id(c, st, i, seq, v, call->x_id);
		break;
	case F_OWN:
		if (!out) {
			call = call_by_out(cn, v);
			break;
		}
		call = call_by_in(cn, v);
		if (call)
			rewrite_id(c, st, i, seq, v, call->x_id);
		else if (ended_x(c, cn, v, &x))	/* clearing an ended call */
			rewrite_id(c, st, i, seq, v, x);
		else
			return reset(c, "Call ID of no call of this connection");
		break;
	case F_PEER:
		if (!out) {
			if (!inside_id_of(c, cn, v, &call, &x))
				return reset(c, "Peer's Call ID of no call");
			rewrite_id(c, st, i, seq, v, x);
			break;
		}
		/* the outside peer's own ID: a reply names its call at @12 */
		call = call_by_handle(cn, st->call);
		if (call && (st->hdr[9] == OCRP || st->hdr[9] == ICRP)) {
			call->out_id = v;
			call->has_out = true;
		} else {
			call = call_by_out(cn, v);
		}
		break;
	case F_CDN:
		if (!out) {
			/* from an outside PAC: its own ID (RFC), or ours */
			call = call_by_out(cn, v);
			if (!call && inside_id_of(c, cn, v, &call, &x))
				rewrite_id(c, st, i, seq, v, x);
			break;
		}
		/* from an inside PAC: its own ID (RFC), or the peer's */
		call = call_by_in(cn, v);
		if (call)
			rewrite_id(c, st, i, seq, v, call->x_id);
		else if (!(call = call_by_out(cn, v))) {
			if (!ended_x(c, cn, v, &x))
				return reset(c, "Call-Disconnect-Notify of no call");
			rewrite_id(c, st, i, seq, v, x);
		}
		break;
	}
	if (call)
		st->call = call->h;
	return ALG_PASS;
}

/* ---- one whole message ------------------------------------------------ */

static void calls_refresh(struct alg_ctx *c, struct pptp_conn *cn)
{
	unsigned i;

	for (i = 0; i < cn->ncalls; i++)
		alg_call_refresh(c, cn->calls[i].h);
}

/* Act on a message whose every byte has been seen. */
static void message_end(struct alg_ctx *c, struct pptp_conn *cn,
			struct pptp_stream *st, enum pkt_dir dir)
{
	struct pptp_call *call = call_by_handle(cn, st->call);
	uint8_t type = st->hdr[9];

	switch (type) {
	case SCCRP:
		if (st->hdr[14] == SCCRP_EXISTS)
			alg_server_refused(c);
		break;
	case STOPCCRQ:
	case STOPCCRP:
		calls_end_all(c, cn, "Stop-Control-Connection");
		break;
	case ECHORQ:
	case ECHORP:
		calls_refresh(c, cn);
		break;
	case OCRP:
	case ICRP:
		if (!call)
			break;
		if (dir == DIR_IN && st->has_ann) {
			call->out_id = st->ann;
			call->has_out = true;
		}
		if (st->hdr[16] != RESULT_OK)
			call_end(c, cn, call, false, "call refused");
		else if (type == OCRP)
			alg_call_activate(c, call->h, call->out_id);
		break;
	case ICCN:
		if (call && call->has_out)
			alg_call_activate(c, call->h, call->out_id);
		break;
	case CCRQ:
		if (call)
			call_end(c, cn, call, true, "Call-Clear-Request");
		break;
	case CDN:
		if (call)
			call_end(c, cn, call, false, "Call-Disconnect-Notify");
		break;
	case WEN:
	case SLI:
		if (call)
			alg_call_refresh(c, call->h);
		break;
	}
}

/* Parse payload byte @i, stream position @seq, value @b. */
static enum alg_verdict parse_byte(struct alg_ctx *c, struct pptp_conn *cn,
				   struct pptp_stream *st, enum pkt_dir dir,
				   uint32_t i, uint32_t seq, uint8_t b)
{
	uint16_t m = st->off, type;
	enum alg_verdict v = ALG_PASS;
	const uint8_t *h = st->hdr;

	if (m == 0) {
		st->call = 0;
		st->has_ann = false;
	}
	if (m < PPTP_KEEP)
		st->hdr[m] = b;
	switch (m) {
	case 1:
		st->len = (uint16_t)(h[0] << 8 | h[1]);
		/* checked in full at byte 9, but the end of a message is
		 * looked for at every byte: never before its type is known */
		if (st->len < PPTP_MIN_LEN)
			return reset(c, "Length does not match the type");
		break;
	case 3:
		if ((h[2] << 8 | h[3]) != PPTP_CONTROL)
			return reset(c, "not a control message: lost sync");
		break;
	case 7:
		if (((uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 |
		     (uint32_t)h[6] << 8 | h[7]) != PPTP_MAGIC)
			return reset(c, "bad Magic Cookie: lost sync");
		break;
	case 9:
		type = (uint16_t)(h[8] << 8 | h[9]);
		if (!type || type >= PPTP_MSG_N)
			return reset(c, "unknown control message type");
		if (st->len != msg_len[type])
			return reset(c, "Length does not match the type");
		break;
	case 13:
		v = id_field(c, cn, st, dir, field_at12[h[9]],
			     (uint16_t)(h[12] << 8 | h[13]), i, seq);
		break;
	case 15:
		v = id_field(c, cn, st, dir, field_at14[h[9]],
			     (uint16_t)(h[14] << 8 | h[15]), i, seq);
		break;
	}
	if (v != ALG_PASS)
		return v;
	if (m + 1u == st->len) {
		message_end(c, cn, st, dir);
		st->off = 0;
	} else {
		st->off = m + 1;
	}
	return ALG_PASS;
}

/* ---- segments --------------------------------------------------------- */

static bool seq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static enum alg_verdict pptp_segment(struct alg_ctx *c, void *priv,
				     const struct alg_seg *seg)
{
	struct pptp_conn *cn = priv;
	struct pptp_stream *st = &cn->s[seg->dir];
	uint32_t seq = seg->seq, old = 0, i;
	unsigned k;

	/* calls whose time ran out while nothing looked at them end now */
	for (k = 0; k < cn->ncalls;)
		if (alg_call_alive(c, cn->calls[k].h))
			k++;
	if (seg->flags & TCP_RST) {
		/* only a reset at the expected place is the peer's */
		if (st->started && seq == st->next) {
			cn->closed = true;
			calls_end_all(c, cn, "control connection reset");
		}
		return ALG_PASS;
	}
	if (seg->flags & TCP_SYN) {
		if (cn->closed) {
			/* the four-tuple is used again: a new connection */
			calls_end_all(c, cn, "control connection closed");
			memset(cn->s, 0, sizeof(cn->s));
			cn->closed = false;
		}
		/* a SYN sent again, or a stray one, changes nothing */
		if (!st->started) {
			st->started = true;
			st->next = st->floor = seq + 1;
		}
		seq++;
	}
	if (seg->len) {
		if (!st->started)
			return reset(c, "control connection picked up mid-stream");
		if (seq_before(st->next, seq)) {
			alg_set_drop(c, DROP_ALG_OUT_OF_ORDER);
			return ALG_DROP;
		}
		/* bytes before st->next were parsed: rewrite them again */
		old = st->next - seq < seg->len ? st->next - seq : seg->len;
		if (old && seq_before(seq, st->floor)) {
			/* older than the log: long since delivered */
			alg_set_drop(c, DROP_ALG_STALE);
			return ALG_DROP;
		}
		for (k = 0; old && k < st->nlog; k++) {
			const struct pptp_rewrite *e = &st->log[k];

			if (!seq_before(e->seq, seq) &&
			    seq_before(e->seq, seq + old))
				alg_set_byte(c, e->seq - seq, e->new);
		}
		for (i = old; i < seg->len; i++) {
			enum alg_verdict v = parse_byte(c, cn, st, seg->dir, i,
							seq + i, seg->data[i]);

			if (v != ALG_PASS)
				return v;
		}
		if (seg->len > old)
			st->next = seq + seg->len;
	}
	if (seg->flags & TCP_FIN) {
		st->fin = true;
		if (cn->s[!seg->dir].fin) {
			cn->closed = true;
			calls_end_all(c, cn, "control connection closed");
		}
	}
	return ALG_PASS;
}

static void pptp_conn_end(struct alg_ctx *c, void *priv)
{
	calls_end_all(c, priv, "control connection ended");
}

static void pptp_call_ended(struct alg_ctx *c, void *priv, uint32_t call)
{
	struct pptp_conn *cn = priv;
	struct pptp_call *pc = call_by_handle(cn, call);

	if (pc)
		call_forget(cn, pc);
}

const struct alg_ops alg_pptp_ops = {
	.name = "pptp",
	.priv_size = pptp_priv_size,
	.conn_init = pptp_conn_init,
	.segment = pptp_segment,
	.conn_end = pptp_conn_end,
	.call_ended = pptp_call_ended,
};
