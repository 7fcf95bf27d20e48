/* SPDX-License-Identifier: MIT */
/* ops.h - the input formats of the engine and PPTP harnesses, shared with
 * mkcorpus.c, which writes their seeds
 *
 * An input is a header, then operations to the end.  Each operation is
 * one byte, what to do in its low 4 bits (taken modulo the number of
 * operations) and flags in its high 4 bits, followed by its operands.
 * Operands past the end of the input read as 0.  Multi-byte operands are
 * big-endian.  A port operand is one byte: below 0xf0 an index into
 * fz_port()'s table, else two more bytes with the port itself.
 */
#ifndef TN_FUZZ_OPS_H
#define TN_FUZZ_OPS_H

#define OP(what, flags)		((uint8_t)((what) | (flags) << 4))
#define PORT_RAW		0xf0	/* a port operand: two bytes follow */

/*
 * fuzz_engine: header: configuration (1 byte), clock start (1 byte: 0,
 * 1 s, 2^32 - 60 s, 2^40 by its low 2 bits).
 */
enum eng_op {
	/* flags: 1 read from outside, 2 fix the IPv4 header, 4 fix the
	 * transport checksum; u16 length, the bytes */
	EOP_RAW = 0,
	/* the same, after a virtio-net header: u8 flags, u8 gso type, u16
	 * gso size, u16 csum start, u16 csum offset; flag 8: make the
	 * checksum partial and the csum fields right instead */
	EOP_VNET,
	/* flags: 1 from outside, 2 offload (partial checksum), 4 a
	 * superpacket; u8 kind (enum eng_kind), u8 addresses (bits 0-2
	 * source, 3-5 destination, 6-7 destination kind), port, port, u8
	 * TCP flags or ICMP code or GRE flags, u8 IP bits (enum eng_ip),
	 * u8 IP ID, u16 payload length; with flag 4, u16 segment size */
	EOP_BUILD,
	/* flags: 1 from inside (answering the last packet sent inside),
	 * else from outside (the last one sent out); u8 TCP flags, u8
	 * payload length, u16 GRE Call ID */
	EOP_REPLY,
	/* flags: 1 from inside, 2 from a router on the way rather than the
	 * peer; u8 type and code (enum eng_err), u8 bytes of the packet's
	 * data to quote beyond its headers */
	EOP_ICMP_ERR,
	/* the last packet built, cut into fragments: u8 size (8 * (1 +
	 * size % 64) bytes of data each), u8 order (enum eng_order) */
	EOP_FRAGS,
	/* flags: unit (0 ms, 1 100 ms, 2 s, 3 10 s); u16 amount */
	EOP_CLOCK,
	/* u8 budget, 0: all */
	EOP_EXPIRE,
	/* u8 which fields filter (enum eng_match), their operands, u8
	 * budget per slice */
	EOP_WALK,
	EOP_FLUSH,
	/* u8 configuration */
	EOP_RECONF,
	EOP_N
};

enum eng_kind {
	EK_TCP = 0, EK_UDP, EK_ECHO, EK_ECHO_REPLY, EK_TIMESTAMP, EK_GRE1,
	EK_GRE0, EK_ESP, EK_PROTO,	/* EK_PROTO: u8 protocol follows */
	EK_N
};

enum eng_ip {
	EI_DF = 1, EI_MF = 2, EI_OPTS = 4, EI_SRR = 8, EI_TTL1 = 16,
	EI_BAD_CSUM = 32, EI_EXTRA = 64,	/* UDP: no checksum; TCP: MSS */
	EI_ODD_SRC = 128,		/* source from the odd or public ones */
};

enum eng_err {
	EE_FRAG_NEEDED = 0, EE_PORT_UNREACH, EE_TTL, EE_PARAM, EE_HOST,
	EE_N
};

enum eng_order {
	EO_IN_ORDER = 0, EO_REVERSE, EO_LAST_FIRST, EO_MISSING_ONE,
	EO_TWICE, EO_N
};

enum eng_match {
	EM_PROTO = 1, EM_IN_ADDR = 2, EM_PUB_ADDR = 4, EM_REM_ADDR = 8,
	EM_IN_PORT = 16, EM_PUB_PORT = 32, EM_REM_PORT = 64,
};

/*
 * fuzz_pptp: header: configuration (1 byte: 0, 1, 3, 4: those with PPTP
 * on).  A control connection (one of PCONN_N) is inside client to
 * server, or (odd ones) an outside client to the PPTP server inside,
 * behind configuration 1's forward.  Each direction has a stream the
 * operations write to, and segments carry bytes of it.
 */
#define PCONN_N	3

enum pptp_op {
	/* flags: connection; u32 initial sequence numbers come from it:
	 * SYN, SYN-ACK, ACK */
	POP_OPEN = 0,
	/* flags: bits 0-1 connection, 2 from the server's side; u8 type,
	 * u8 ID choice, u16, u8 ID choice, u16, u8 result: a whole message
	 * appended to the stream (enum pptp_id) */
	POP_MSG,
	/* flags as POP_MSG; u8 length, the bytes appended */
	POP_BYTES,
	/* flags as POP_MSG; u8 where (signed: back from the first unsent
	 * byte, or ahead), u16 length, u8 TCP flags beyond ACK */
	POP_SEG,
	/* flags as POP_MSG; u8 segment size: every unsent byte */
	POP_SEND,
	/* flags as POP_MSG; u8 choice, u16 Call ID (enum pptp_id), u8
	 * bits (1 sequence, 2 ack), u8 payload length: a GRE packet */
	POP_GRE,
	/* flags as POP_MSG; u8 TCP flags (FIN, RST) at the next sequence
	 * number, u8 offset from it */
	POP_CLOSE,
	/* flags: connection; a SYN on the same ports at a new sequence
	 * number (u32) */
	POP_REUSE,
	/* u16 seconds */
	POP_CLOCK,
	/* u8 budget, 0: all */
	POP_EXPIRE,
	/* u8 configuration */
	POP_RECONF,
	/* u8 which connection's sessions to flush: 0-2, else all */
	POP_FLUSH,
	POP_N
};

/* Where a Call ID operand comes from. */
enum pptp_id {
	PID_RAW = 0,	/* the u16 operand itself */
	PID_MINE,	/* one this side announced (its operand: which) */
	PID_PEER,	/* one the other side announced, as seen here */
	PID_N
};

#endif /* TN_FUZZ_OPS_H */
