/* SPDX-License-Identifier: MIT */
/* fuzz_pptp.c - libFuzzer harness: the PPTP ALG's stream parser, through
 * the engine, on control connections whose byte streams the input writes
 *
 * Each of three control connections (two inside clients of one server,
 * one outside client of the PPTP server inside) has two byte streams.
 * The input (ops.h) appends PPTP messages or raw bytes to them and sends
 * them in segments of its choosing: in order, split anywhere, packed,
 * retransmitted, ahead of a gap; it sends GRE both ways, closes, resets
 * and reuses connections, moves the clock and reloads.  Every byte a
 * segment carries is the byte of its stream at that place, as a real
 * sender would send, so what comes out can be checked:
 *
 * - a byte the ALG may change is the low byte of a Call ID field of a
 *   well-formed message, one it translates in that direction (the inside
 *   peer's own IDs going out, the translated ones coming in); every other
 *   byte goes through as sent, and the length never changes;
 * - a byte sent again comes out as it came out before, however the
 *   segments are cut (until the ALG's state starts afresh: a SYN, or a
 *   session made anew);
 * - a Call ID changed on its way is a call of that inside host and
 *   remote in the session table with those two IDs, and so is the Call
 *   ID of a GRE packet delivered inside;
 * - GRE going out keeps its Call ID.
 * Over all that, fuzz.c checks every packet and the engine's state.
 */

#include <arpa/inet.h>
#include <netinet/in.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "nat/nat_int.h"
#include "ops.h"

#define STREAM_MAX	8192
#define IDS		8

enum { SCCRQ = 1, SCCRP, STOPCCRQ, STOPCCRP, ECHORQ, ECHORP, OCRQ, OCRP,
       ICRQ, ICRP, ICCN, CCRQ, CDN, WEN, SLI, MSG_N };

static const uint16_t msg_len[MSG_N] = {
	[SCCRQ] = 156, [SCCRP] = 156, [STOPCCRQ] = 16, [STOPCCRP] = 16,
	[ECHORQ] = 16, [ECHORP] = 20, [OCRQ] = 168, [OCRP] = 32,
	[ICRQ] = 220, [ICRP] = 24, [ICCN] = 28, [CCRQ] = 16, [CDN] = 148,
	[WEN] = 40, [SLI] = 24,
};

/* What a Call ID field holds (RFC 2637 section 2). */
enum field { F_NONE, F_OWN, F_PEER, F_CDN };

static const uint8_t field12[MSG_N] = {
	[OCRQ] = F_OWN, [OCRP] = F_OWN, [ICRQ] = F_OWN, [ICRP] = F_OWN,
	[ICCN] = F_PEER, [CCRQ] = F_OWN, [CDN] = F_CDN, [WEN] = F_PEER,
	[SLI] = F_PEER,
};

static const uint8_t field14[MSG_N] = { [OCRP] = F_PEER, [ICRP] = F_PEER };

/**
 * struct stream - one direction of a control connection
 * @buf:	the stream, @len bytes; position 0 is the byte after the SYN
 * @nxt:	first byte never sent
 * @out:	each byte as it came out, where @have
 * @field:	the field the low byte at a position is, for well-formed
 *		messages: F_* of its message type
 * @frontier:	bytes before this were delivered before (by this ALG state)
 * @ids:	Call IDs this side announced in its own fields
 * @seen:	Call IDs of the other side, as they reached this side
 */
struct stream {
	uint8_t buf[STREAM_MAX];
	uint8_t out[STREAM_MAX];
	uint8_t have[STREAM_MAX];
	uint8_t field[STREAM_MAX];
	uint32_t len, nxt, isn, frontier;
	uint16_t ids[IDS], seen[IDS];
	unsigned nids, nseen;
};

/**
 * struct conn - a control connection; side 0 is the client's, side 1
 * the server's
 * @inside:	the side that is inside
 * @host, @hport: the inside end; @rem, @rport: the outside end
 * @pub, @pport: the public end the outside end sees
 * @si:		its TCP session, when last seen
 * @tainted:	reused at another sequence number: the ALG may parse it
 *		out of step with @s, so only fuzz.c's checks apply
 */
struct conn {
	struct stream s[2];
	unsigned inside;
	uint32_t host, rem, pub;
	uint16_t hport, rport, pport;
	uint32_t si;
	bool open, tainted;
};

static struct conn conns[PCONN_N];
static uint8_t pkt[PKT_DATA_MAX + 1], got[PKT_DATA_MAX + 1];

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void conns_init(void)
{
	unsigned c;

	memset(conns, 0, sizeof(conns));
	for (c = 0; c < PCONN_N; c++) {
		struct conn *k = &conns[c];

		k->pub = fz_addr(FZ_PUB, 0);
		if (c == 1) {
			/* an outside client of the PPTP server inside */
			k->inside = 1;
			k->host = fz_addr(FZ_IN, 2);
			k->hport = 1723;
			k->rem = fz_addr(FZ_REM, 1);
			k->rport = 40000;
			k->pport = 1723;
		} else {
			k->inside = 0;
			k->host = fz_addr(FZ_IN, c ? 1 : 0);
			k->hport = (uint16_t)(5000 + c);
			k->rem = fz_addr(FZ_REM, 0);
			k->rport = 1723;
			k->pport = k->hport;
		}
	}
}

/* The direction a packet from side @side of @k is read in. */
static enum pkt_dir dir_of(const struct conn *k, unsigned side)
{
	return side == k->inside ? DIR_OUT : DIR_IN;
}

/* Addresses and ports of a packet from side @side of @k. */
static void ends(const struct conn *k, unsigned side, struct fz_pkt *d)
{
	if (side == k->inside) {
		d->src = k->host;
		d->sport = k->hport;
		d->dst = k->rem;
		d->dport = k->rport;
	} else {
		d->src = k->rem;
		d->sport = k->rport;
		d->dst = k->pub;
		d->dport = k->pport;
	}
}

/* ---- the streams ---------------------------------------------------------- */

/* Mark the Call ID fields of the well-formed messages of @st. */
static void stream_parse(struct stream *st)
{
	uint32_t at = 0;

	memset(st->field, 0, st->len);
	while (at + 10 <= st->len) {
		const uint8_t *m = st->buf + at;
		uint16_t len = get16(m), type = get16(m + 8);

		if (len < 16 || get16(m + 2) != 1 ||
		    memcmp(m + 4, "\x1a\x2b\x3c\x4d", 4) || !type ||
		    type >= MSG_N || len != msg_len[type])
			return;		/* the ALG loses sync here */
		if (at + 13 < st->len)
			st->field[at + 13] = field12[type];
		if (at + 15 < st->len)
			st->field[at + 15] = field14[type];
		at += len;
	}
}

static void stream_add(struct stream *st, const uint8_t *b, size_t n)
{
	if (n > STREAM_MAX - st->len)
		n = STREAM_MAX - st->len;
	memcpy(st->buf + st->len, b, n);
	st->len += (uint32_t)n;
	stream_parse(st);
}

/* The ALG's state may have started afresh: forget what came out. */
static void records_clear(struct conn *k, bool fresh)
{
	unsigned s;

	for (s = 0; s < 2; s++) {
		memset(k->s[s].have, 0, sizeof(k->s[s].have));
		if (fresh)
			k->s[s].frontier = 0;
	}
}

/* The TCP session of @k, if live now, else 0. */
static uint32_t conn_session(const struct conn *k)
{
	struct nat *n = fz_engine();
	struct flow_key key;
	uint32_t si;

	flow_key_set(&key, SIDE_IN, IPPROTO_TCP, k->host, htons(k->hport),
		     k->rem, htons(k->rport));
	si = session_find(&n->t, &key);
	if (si && session_expired(&n->t, &n->t.s[si], fz_now()))
		return 0;
	return si;
}

static void id_note(uint16_t *ids, unsigned *cnt, uint16_t id)
{
	ids[*cnt % IDS] = id;
	(*cnt)++;
}

static uint16_t id_pick(const struct conn *k, unsigned side, uint8_t how,
			uint16_t raw)
{
	const struct stream *st = &k->s[side];

	switch (how % PID_N) {
	case PID_MINE:
		if (st->nids)
			return st->ids[raw % (st->nids < IDS ? st->nids : IDS)];
		break;
	case PID_PEER:
		if (st->nseen)
			return st->seen[raw % (st->nseen < IDS ? st->nseen
							       : IDS)];
		break;
	}
	return raw;
}

/* ---- what came out --------------------------------------------------------- */

/* Is there a call of inside host @host and remote @rem on public address
 * @pub, translated ID @x, inside ID @in? */
static bool call_is(uint32_t pub, uint32_t rem, uint32_t host, uint16_t x,
		    uint16_t in)
{
	struct nat *n = fz_engine();
	struct flow_key key;
	uint32_t si;

	flow_key_set(&key, SIDE_OUT, IPPROTO_GRE, pub, htons(x), rem, 0);
	si = session_find(&n->t, &key);
	return si && n->t.s[si].in_addr == host &&
	       ntohs(n->t.s[si].in_port) == in;
}

/* Check the payload @p (@n bytes) that came out of segment [@at, @at +
 * @n) of side @side's stream, delivered from public address @pub. */
static void stream_check(struct conn *k, unsigned side, uint32_t at,
			 const uint8_t *p, size_t n, uint32_t pub)
{
	struct stream *st = &k->s[side];
	bool from_inside = side == k->inside;
	uint32_t i;

	for (i = 0; i < n; i++) {
		uint32_t pos = at + i;
		uint8_t f = st->field[pos];
		uint16_t was, now;

		if (st->have[pos] && st->out[pos] != p[i])
			fuzz_fail("PPTP: byte %u of side %u of connection %u came out as %02x, before as %02x",
				  pos, side, (unsigned)(k - conns), p[i],
				  st->out[pos]);
		st->have[pos] = 1;
		st->out[pos] = p[i];
		if (p[i] == st->buf[pos]) {
			/* a Call ID the other side sees: learn it */
			if (f && pos >= 1 && (from_inside ? f == F_OWN
							  : f != F_NONE))
				id_note(k->s[!side].seen, &k->s[!side].nseen,
					get16(st->buf + pos - 1));
			continue;
		}
		/* the low byte of a field translated in this direction */
		if (!(from_inside ? f == F_OWN || f == F_CDN
				  : f == F_PEER || f == F_CDN))
			fuzz_fail("PPTP: byte %u of side %u of connection %u (field %u) changed from %02x to %02x",
				  pos, side, (unsigned)(k - conns), f,
				  st->buf[pos], p[i]);
		was = get16(st->buf + pos - 1);
		now = (uint16_t)(st->buf[pos - 1] << 8 | p[i]);
		if (from_inside)
			id_note(k->s[!side].seen, &k->s[!side].nseen, now);
		if (pos < st->frontier)
			continue;	/* a rewrite replayed from the log */
		if (!(from_inside ? call_is(pub, k->rem, k->host, now, was)
				  : call_is(pub, k->rem, k->host, was, now)))
			fuzz_fail("PPTP: Call ID %u became %u, which no call of the host has",
				  was, now);
	}
	if (at + n > st->frontier)
		st->frontier = at + (uint32_t)n;
}

/* Send a TCP segment from side @side of @k: @n bytes of its stream from
 * @at, flags @flags at sequence number @seq; check what came out. */
static void segment(struct conn *k, unsigned side, uint32_t at, size_t n,
		    uint8_t flags, uint32_t seq)
{
	struct stream *st = &k->s[side];
	struct fz_pkt d = {
		.proto = IPPROTO_TCP, .tcp_flags = flags, .seq = seq,
		.ack = k->s[!side].isn + 1 + k->s[!side].nxt,
		.payload = st->buf + at, .len = n,
	};
	bool to_inside = side != k->inside;
	const struct fz_result *r;
	size_t len, hl, doff, got_len;
	uint32_t si = conn_session(k), pub;

	if (!si || si != k->si)
		records_clear(k, true);		/* a new session, a new ALG */
	if (flags & TCP_SYN)
		records_clear(k, false);
	ends(k, side, &d);
	len = fz_build(pkt, &d);
	r = fz_packet(dir_of(k, side), pkt, len, NULL);
	k->si = conn_session(k);
	if (k->inside == 0 && side == 0 && flags & TCP_SYN &&
	    r->v == VERDICT_FORWARD && r->out[0].len >= 24) {
		/* the public end the server sees */
		memcpy(&k->pub, r->out[0].data + 12, 4);
		k->pport = get16(r->out[0].data + 20);
	}
	got_len = fz_payload(r, to_inside, got);
	if (!got_len || k->tainted)
		return;
	hl = (got[0] & 0x0f) * 4u;
	doff = (got[hl + 12] >> 4) * 4u;
	if (got_len != hl + doff + n)
		fuzz_fail("PPTP: a segment of %zu bytes came out with %zu",
			  n, got_len - hl - doff);
	if (seq != st->isn + 1 + at)
		return;		/* a stray segment: not of the stream */
	/* the public address: where it came in, or where it left from */
	if (to_inside)
		pub = k->pub;
	else
		memcpy(&pub, got + 12, 4);
	stream_check(k, side, at, got + hl + doff, n, pub);
}

/* ---- operations ------------------------------------------------------------- */

static void op_open(struct fin *in, unsigned c)
{
	struct conn *k = &conns[c % PCONN_N];
	unsigned cl = 0, sv = 1;

	if (!k->open) {
		k->s[cl].isn = fin_u32(in);
		k->s[sv].isn = fin_u32(in);
		k->open = true;
	}
	segment(k, cl, 0, 0, TCP_SYN, k->s[cl].isn);
	segment(k, sv, 0, 0, TCP_SYN | TCP_ACK, k->s[sv].isn);
	segment(k, cl, 0, 0, TCP_ACK, k->s[cl].isn + 1);
}

static size_t msg_build(uint8_t *m, uint8_t type, uint16_t a, uint16_t b,
			uint8_t res)
{
	size_t len = type && type < MSG_N ? msg_len[type] : 16u + (type & 63);

	memset(m, 0, len);
	put16(m, (uint16_t)len);
	put16(m + 2, 1);
	memcpy(m + 4, "\x1a\x2b\x3c\x4d", 4);
	put16(m + 8, type);
	switch (type) {
	case SCCRQ:
	case SCCRP:
		put16(m + 12, 0x0100);
		m[14] = res;
		break;
	case OCRP:
	case ICRP:
		put16(m + 12, a);
		put16(m + 14, b);
		m[16] = res;
		break;
	default:
		put16(m + 12, a);
		put16(m + 14, b);
		break;
	}
	return len;
}

static void op_msg(struct fin *in, unsigned flags)
{
	struct conn *k = &conns[(flags & 3) % PCONN_N];
	unsigned side = flags >> 2 & 1;
	uint8_t type = fin_u8(in), h1 = fin_u8(in);
	uint16_t r1 = fin_u16(in);
	uint8_t h2 = fin_u8(in);
	uint16_t r2 = fin_u16(in);
	uint8_t res = fin_u8(in), m[256];
	uint16_t a = id_pick(k, side, h1, r1), b = id_pick(k, side, h2, r2);
	size_t len = msg_build(m, type, a, b, res);

	if (type && type < MSG_N && field12[type] == F_OWN)
		id_note(k->s[side].ids, &k->s[side].nids, a);
	stream_add(&k->s[side], m, len);
}

static void op_bytes(struct fin *in, unsigned flags)
{
	struct conn *k = &conns[(flags & 3) % PCONN_N];
	uint8_t b[255];
	size_t n = fin_bytes(in, b, fin_u8(in));

	stream_add(&k->s[flags >> 2 & 1], b, n);
}

static void op_seg(struct fin *in, unsigned flags)
{
	struct conn *k = &conns[(flags & 3) % PCONN_N];
	unsigned side = flags >> 2 & 1;
	struct stream *st = &k->s[side];
	int64_t at = (int64_t)st->nxt + (int8_t)fin_u8(in);
	size_t n = fin_u16(in) % 1600;
	uint8_t extra = fin_u8(in) & (TCP_FIN | TCP_PSH | 0x20 | 0xc0);

	if (at < 0)
		at = 0;
	if (at > st->len)
		at = st->len;
	if (n > st->len - (uint32_t)at)
		n = st->len - (uint32_t)at;
	segment(k, side, (uint32_t)at, n, TCP_ACK | extra,
		st->isn + 1 + (uint32_t)at);
	if (at + n > st->nxt)
		st->nxt = (uint32_t)(at + n);
}

static void op_send(struct fin *in, unsigned flags)
{
	struct conn *k = &conns[(flags & 3) % PCONN_N];
	unsigned side = flags >> 2 & 1;
	struct stream *st = &k->s[side];
	size_t size = 1u + fin_u8(in) * 8u;

	while (st->nxt < st->len) {
		size_t n = st->len - st->nxt < size ? st->len - st->nxt : size;

		segment(k, side, st->nxt, n, TCP_ACK | TCP_PSH,
			st->isn + 1 + st->nxt);
		st->nxt += (uint32_t)n;
	}
}

static void op_gre(struct fin *in, unsigned flags)
{
	struct conn *k = &conns[(flags & 3) % PCONN_N];
	unsigned side = flags >> 2 & 1;
	uint8_t how = fin_u8(in);
	uint16_t raw = fin_u16(in), id = id_pick(k, side, how, raw);
	uint8_t bits = fin_u8(in), n = fin_u8(in);
	struct fz_pkt d = {
		.proto = IPPROTO_GRE, .key = id, .len = n, .seq = 7,
		.ack = 9,
		.gre_flags = (uint16_t)(0x2001 | (bits & 1 ? 0x1000 : 0) |
					(bits & 2 ? 0x0080 : 0)),
	};
	bool to_inside = side != k->inside;
	const struct fz_result *r;
	uint32_t dst, src;
	size_t len;

	ends(k, side, &d);
	d.sport = d.dport = 0;
	len = fz_build(pkt, &d);
	r = fz_packet(dir_of(k, side), pkt, len, NULL);
	len = fz_payload(r, to_inside, got);
	if (!len)
		return;
	memcpy(&src, got + 12, 4);
	memcpy(&dst, got + 16, 4);
	if (!to_inside && get16(got + 20 + 6) != id)
		fuzz_fail("PPTP: GRE going out changed its Call ID");
	/* by a call (GRE goes by address only while PPTP is off, and
	 * then keeps its Call ID) */
	if (to_inside && (get16(got + 20 + 6) != id ||
			  fz_config()->alg[NAT_ALG_PPTP].enabled) &&
	    !call_is(d.dst, src, dst, id, get16(got + 20 + 6)))
		fuzz_fail("PPTP: GRE with Call ID %u went inside with %u, of no call",
			  id, get16(got + 20 + 6));
}

static void op_close(struct fin *in, unsigned flags)
{
	struct conn *k = &conns[(flags & 3) % PCONN_N];
	unsigned side = flags >> 2 & 1;
	struct stream *st = &k->s[side];
	uint8_t f = fin_u8(in) & (TCP_FIN | TCP_RST);
	int8_t off = (int8_t)fin_u8(in);

	segment(k, side, st->nxt, 0, (uint8_t)(f ? f : TCP_FIN) |
		(f & TCP_RST ? 0 : TCP_ACK), st->isn + 1 + st->nxt +
		(uint32_t)(int32_t)off);
}

static void op_reuse(struct fin *in, unsigned c)
{
	struct conn *k = &conns[c % PCONN_N];

	k->tainted = true;
	memset(k->s, 0, sizeof(k->s));
	k->s[0].isn = fin_u32(in);
	k->s[1].isn = fin_u32(in);
	k->open = true;
	segment(k, 0, 0, 0, TCP_SYN, k->s[0].isn);
}

static void op_flush(struct fin *in)
{
	uint8_t c = fin_u8(in);
	struct nat_match m = { 0 };

	if (c < PCONN_N)
		m.in_addr = conns[c].host;
	fz_flush(&m, 16);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned cfg[4] = { 0, 1, 3, 4 };
	struct fin in = { data, size };

	fz_start(cfg[fin_u8(&in) % 4], 1000);
	conns_init();
	while (in.n) {
		uint8_t op = fin_u8(&in);
		unsigned flags = op >> 4;

		switch ((op & 0x0f) % POP_N) {
		case POP_OPEN:
			op_open(&in, flags);
			break;
		case POP_MSG:
			op_msg(&in, flags);
			break;
		case POP_BYTES:
			op_bytes(&in, flags);
			break;
		case POP_SEG:
			op_seg(&in, flags);
			break;
		case POP_SEND:
			op_send(&in, flags);
			break;
		case POP_GRE:
			op_gre(&in, flags);
			break;
		case POP_CLOSE:
			op_close(&in, flags);
			break;
		case POP_REUSE:
			op_reuse(&in, flags);
			break;
		case POP_CLOCK: {
			uint64_t ms = fin_u16(&in) * 1000ULL;

			fz_clock(ms > 600000 ? 600000 : ms);
			break;
		}
		case POP_EXPIRE: {
			unsigned b = fin_u8(&in);

			fz_expire(b ? b : UINT_MAX);
			break;
		}
		case POP_RECONF:
			fz_reconfigure(fin_u8(&in));
			break;
		case POP_FLUSH:
			op_flush(&in);
			break;
		}
	}
	fz_stop();
	return 0;
}
