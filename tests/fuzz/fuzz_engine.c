/* SPDX-License-Identifier: MIT */
/* fuzz_engine.c - libFuzzer harness: the NAPT engine under a sequence of
 * packets both ways, clock moves, expiry, walks, flushes and reloads
 *
 * The input (ops.h) picks one of fuzz.c's configurations, then says what
 * happens: raw packets (optionally with their checksums fixed, so that
 * mutated bytes get past the header checks), packets built from a
 * template out of a small world of addresses and ports (so that flows
 * meet), replies and ICMP errors about what the engine sent last, a
 * packet cut into fragments sent in some order, offloaded packets and
 * superpackets, and the control plane's calls.  fuzz.c checks every
 * packet sent and the engine's state after each step.
 */

#include <arpa/inet.h>
#include <netinet/in.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ops.h"

#define PAYLOAD_MAX	3000

static uint8_t pkt[PKT_DATA_MAX + 1];
static uint8_t built[PKT_DATA_MAX + 1];	/* the last packet built */
static size_t built_len;
static enum pkt_dir built_dir;

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static uint16_t port_operand(struct fin *in)
{
	uint8_t b = fin_u8(in);

	return b < PORT_RAW ? fz_port(b) : fin_u16(in);
}

static void op_raw(struct fin *in, unsigned flags, bool vnet_hdr)
{
	struct pkt_vnet v = { 0 };
	size_t len;

	if (vnet_hdr) {
		v.flags = fin_u8(in);
		v.gso_type = fin_u8(in);
		v.gso_size = fin_u16(in);
		v.csum_start = fin_u16(in);
		v.csum_offset = fin_u16(in);
	}
	len = fin_bytes(in, pkt, fin_u16(in) % (PKT_DATA_MAX + 1));
	if (flags & 6)
		fz_fix(pkt, len, flags & 4);
	if (vnet_hdr && flags & 8 && len >= 20) {
		/* the checksum left to offload: the pseudo-header sum, or
		 * for ICMP, which has none, 0 */
		unsigned hl = (pkt[0] & 0x0f) * 4u;
		unsigned off = pkt[9] == IPPROTO_TCP ? 16 :
			       pkt[9] == IPPROTO_ICMP ? 2 : 6;

		v.flags |= VNET_NEEDS_CSUM;
		v.csum_start = (uint16_t)hl;
		v.csum_offset = (uint16_t)off;
		if (len >= hl + off + 2)
			put16(pkt + hl + off, pkt[9] == IPPROTO_ICMP ? 0 :
			      fz_pseudo(pkt, len));
	}
	fz_packet(flags & 1 ? DIR_IN : DIR_OUT, pkt, len,
		  vnet_hdr ? &v : NULL);
}

/* Source and destination of a built packet from @dir, from operand @sel. */
static void addresses(struct fz_pkt *d, enum pkt_dir dir, uint8_t sel,
		      bool odd_src)
{
	unsigned s = sel & 7, t = sel >> 3 & 7, kind = sel >> 6;
	static const enum fz_where out_dst[4] = { FZ_REM, FZ_REM, FZ_PUB,
						  FZ_ODD };
	static const enum fz_where in_dst[4] = { FZ_PUB, FZ_PUB, FZ_IN,
						 FZ_ODD };

	if (dir == DIR_OUT) {
		d->src = fz_addr(odd_src ? FZ_ODD : FZ_IN, s);
		d->dst = fz_addr(out_dst[kind], t);
	} else {
		d->src = odd_src ? fz_addr(s & 1 ? FZ_ODD : FZ_PUB, s >> 1)
				 : fz_addr(FZ_REM, s);
		d->dst = fz_addr(in_dst[kind], t);
	}
}

static void op_build(struct fin *in, unsigned flags)
{
	enum pkt_dir dir = flags & 1 ? DIR_IN : DIR_OUT;
	uint8_t kind = fin_u8(in) % EK_N, sel = fin_u8(in);
	uint16_t sport = port_operand(in), dport = port_operand(in);
	uint8_t bits = fin_u8(in), ipb = fin_u8(in), id = fin_u8(in);
	uint16_t n = fin_u16(in) % PAYLOAD_MAX, seg = 0;
	struct fz_pkt d = { .sport = sport, .dport = dport, .id = id,
			    .len = n, .seq = 1000, .ack = 2000 };
	struct pkt_vnet v = { 0 };
	size_t len;

	if (flags & 4)
		seg = fin_u16(in);
	addresses(&d, dir, sel, ipb & EI_ODD_SRC);
	switch (kind) {
	case EK_TCP:
		d.proto = IPPROTO_TCP;
		d.tcp_flags = bits;
		if (ipb & EI_EXTRA) {
			/* an MSS option, at an odd offset after a NOP */
			static const uint8_t mss[] = { 1, 2, 4, 0x05, 0xb4,
						       1, 1, 1 };

			memcpy(d.tcp_opt, mss, sizeof(mss));
			d.tcp_opt_len = sizeof(mss);
		}
		break;
	case EK_UDP:
		d.proto = IPPROTO_UDP;
		d.udp_no_csum = ipb & EI_EXTRA;
		break;
	case EK_ECHO:
	case EK_ECHO_REPLY:
	case EK_TIMESTAMP:
		d.proto = IPPROTO_ICMP;
		d.icmp_type = kind == EK_ECHO ? 8 : kind == EK_ECHO_REPLY ? 0
								       : 13;
		d.icmp_code = bits & 1;
		break;
	case EK_GRE1:
		d.proto = IPPROTO_GRE;
		d.gre_flags = (uint16_t)(0x2001 | (bits & 1 ? 0x1000 : 0) |
					 (bits & 2 ? 0x0080 : 0));
		d.key = dport;
		break;
	case EK_GRE0:
		d.proto = IPPROTO_GRE;
		d.gre_flags = (uint16_t)((bits & 1 ? 0x8000 : 0) |
					 (bits & 2 ? 0x2000 : 0) |
					 (bits & 4 ? 0x1000 : 0));
		d.key = dport;
		break;
	case EK_ESP:
		d.proto = 50;
		break;
	default:
		d.proto = fin_u8(in);
		break;
	}
	if (ipb & EI_DF)
		d.frag_off |= 0x4000;
	if (ipb & EI_MF)
		d.frag_off |= 0x2000;
	d.opt_words = ipb & (EI_OPTS | EI_SRR) ? 2 : 0;
	d.srr = ipb & EI_SRR;
	d.ttl = ipb & EI_TTL1 ? 1 : 64;
	d.bad_l4_csum = ipb & EI_BAD_CSUM;
	d.tos = bits & 0xfc;
	len = fz_build(pkt, &d);
	memcpy(built, pkt, len);
	built_len = len;
	built_dir = dir;
	if (flags & 2 && (d.proto == IPPROTO_TCP || d.proto == IPPROTO_UDP) &&
	    !(ipb & EI_MF)) {
		unsigned hl = (pkt[0] & 0x0f) * 4u;
		unsigned off = d.proto == IPPROTO_TCP ? 16 : 6;

		v.flags = VNET_NEEDS_CSUM;
		v.csum_start = (uint16_t)hl;
		v.csum_offset = (uint16_t)off;
		put16(pkt + hl + off, fz_pseudo(pkt, len));
		if (flags & 4) {
			v.gso_type = d.proto == IPPROTO_TCP ? VNET_GSO_TCPV4
							    : VNET_GSO_UDP_L4;
			v.gso_size = seg ? seg : 1;
		}
	}
	fz_packet(dir, pkt, len, v.flags ? &v : NULL);
}

/* Answer the last packet that went out (or, @inside, in). */
static void op_reply(struct fin *in, unsigned flags)
{
	bool inside = flags & 1;
	uint8_t tcp = fin_u8(in), n = fin_u8(in);
	uint16_t call = fin_u16(in);
	const uint8_t *last;
	struct fz_pkt d = { .len = n, .seq = 2000, .ack = 1001 };
	size_t len, hl;

	last = fz_last(inside, &len);
	if (!last || len < 28)
		return;
	hl = (last[0] & 0x0f) * 4u;
	memcpy(&d.src, last + 16, 4);
	memcpy(&d.dst, last + 12, 4);
	d.proto = last[9];
	if (len >= hl + 4) {
		d.sport = get16(last + hl + 2);
		d.dport = get16(last + hl);
	}
	switch (d.proto) {
	case IPPROTO_TCP:
		d.tcp_flags = tcp;
		break;
	case IPPROTO_ICMP:
		/* echo and timestamp answers keep the identifier */
		d.icmp_type = last[hl] == 8 ? 0 : last[hl] == 13 ? 14
								 : last[hl];
		d.sport = get16(last + hl + 4);
		d.dport = get16(last + hl + 6);
		break;
	case IPPROTO_GRE:
		d.gre_flags = get16(last + hl);
		d.key = call;
		break;
	}
	len = fz_build(pkt, &d);
	fz_packet(inside ? DIR_OUT : DIR_IN, pkt, len, NULL);
}

/* An ICMP error about the last packet sent out (or, @inside, in). */
static void op_icmp_err(struct fin *in, unsigned flags)
{
	static const uint8_t tc[EE_N][2] = {
		[EE_FRAG_NEEDED] = { 3, 4 }, [EE_PORT_UNREACH] = { 3, 3 },
		[EE_TTL] = { 11, 0 }, [EE_PARAM] = { 12, 0 },
		[EE_HOST] = { 3, 1 },
	};
	bool inside = flags & 1;
	uint8_t which = fin_u8(in) % EE_N, extra = fin_u8(in);
	struct fz_pkt d = { .proto = IPPROTO_ICMP };
	const uint8_t *last;
	size_t len, hl, q;

	last = fz_last(inside, &len);
	if (!last || len < 28)
		return;
	hl = (last[0] & 0x0f) * 4u;
	q = hl + 8 + extra;
	if (q > len)
		q = len;
	memcpy(&d.dst, last + 12, 4);
	if (flags & 2)
		d.src = inside ? fz_addr(FZ_IN, 5) : fz_addr(FZ_ODD, 5);
	else
		memcpy(&d.src, last + 16, 4);
	d.icmp_type = tc[which][0];
	d.icmp_code = tc[which][1];
	if (which == EE_FRAG_NEEDED)
		d.dport = 576;		/* the next-hop MTU */
	d.payload = last;
	d.len = q;
	len = fz_build(pkt, &d);
	fz_packet(inside ? DIR_OUT : DIR_IN, pkt, len, NULL);
}

/* The last packet built, cut into fragments, sent in some order. */
static void op_frags(struct fin *in)
{
	static uint8_t frag[PKT_DATA_MAX + 1];
	size_t size = 8u * (1 + fin_u8(in) % 64), hl, data, off, len;
	uint8_t order = fin_u8(in) % EO_N;
	unsigned cnt, i, k;

	if (!built_len)
		return;
	hl = (built[0] & 0x0f) * 4u;
	data = built_len - hl;
	cnt = (unsigned)((data + size - 1) / size);
	if (!cnt || cnt > 64)
		return;
	for (k = 0; k < cnt + (order == EO_TWICE); k++) {
		switch (order) {
		case EO_REVERSE:
			i = cnt - 1 - k;
			break;
		case EO_LAST_FIRST:
			i = (k + cnt - 1) % cnt;
			break;
		case EO_MISSING_ONE:
			if (k == cnt / 2)
				continue;
			i = k;
			break;
		case EO_TWICE:
			i = k % cnt;
			break;
		default:
			i = k;
			break;
		}
		off = i * size;
		len = data - off < size ? data - off : size;
		memcpy(frag, built, hl);
		memcpy(frag + hl, built + hl + off, len);
		put16(frag + 6, (uint16_t)((get16(built + 6) & 0x4000) |
					   (i + 1 < cnt ? 0x2000 : 0) |
					   off / 8));
		fz_fix(frag, hl + len, false);
		fz_packet(built_dir, frag, hl + len, NULL);
	}
}

static void op_clock(struct fin *in, unsigned flags)
{
	static const uint64_t unit[4] = { 1, 100, 1000, 10000 };
	uint64_t ms = fin_u16(in) * unit[flags & 3];

	fz_clock(ms > 600000 ? 600000 : ms);
}

static void op_match(struct fin *in, bool flush)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP,
					  IPPROTO_ICMP, IPPROTO_GRE, 50 };
	uint8_t which = fin_u8(in);
	struct nat_match m = { 0 };
	unsigned budget;

	if (which & EM_PROTO)
		m.proto = protos[fin_u8(in) % sizeof(protos)];
	if (which & EM_IN_ADDR)
		m.in_addr = fz_addr(FZ_IN, fin_u8(in));
	if (which & EM_PUB_ADDR)
		m.pub_addr = fz_addr(FZ_PUB, fin_u8(in));
	if (which & EM_REM_ADDR)
		m.rem_addr = fz_addr(FZ_REM, fin_u8(in));
	if (which & EM_IN_PORT)
		m.in_port = port_operand(in);
	if (which & EM_PUB_PORT)
		m.pub_port = port_operand(in);
	if (which & EM_REM_PORT)
		m.rem_port = port_operand(in);
	budget = fin_u8(in);
	if (flush)
		fz_flush(&m, budget);
	else
		fz_walk(&m, budget);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t start[4] = { 0, 1000, (1ULL << 32) - 60000,
					   1ULL << 40 };
	struct fin in = { data, size };
	unsigned cfg = fin_u8(&in);

	fz_start(cfg, start[fin_u8(&in) & 3]);
	built_len = 0;
	while (in.n) {
		uint8_t op = fin_u8(&in);
		unsigned flags = op >> 4;

		switch ((op & 0x0f) % EOP_N) {
		case EOP_RAW:
			op_raw(&in, flags, false);
			break;
		case EOP_VNET:
			op_raw(&in, flags, true);
			break;
		case EOP_BUILD:
			op_build(&in, flags);
			break;
		case EOP_REPLY:
			op_reply(&in, flags);
			break;
		case EOP_ICMP_ERR:
			op_icmp_err(&in, flags);
			break;
		case EOP_FRAGS:
			op_frags(&in);
			break;
		case EOP_CLOCK:
			op_clock(&in, flags);
			break;
		case EOP_EXPIRE: {
			unsigned b = fin_u8(&in);

			fz_expire(b ? b : UINT_MAX);
			break;
		}
		case EOP_WALK:
			op_match(&in, false);
			break;
		case EOP_FLUSH:
			op_match(&in, true);
			break;
		case EOP_RECONF:
			fz_reconfigure(fin_u8(&in));
			break;
		}
	}
	fz_stop();
	return 0;
}
