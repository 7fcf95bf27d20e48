/* SPDX-License-Identifier: MIT */
/* fuzz.h - what the engine's fuzz harnesses share: reading the input, a
 * packet builder, and a driver that runs one engine on a fake clock and
 * checks, after every call, what it sent and the state it is in
 *
 * The driver's invariants (fuzz.c):
 * - a packet whose IPv4 header does not verify is dropped;
 * - every packet the engine sends (the verdict's, and every one of
 *   nat_pending()) is IPv4 with a header checksum that verifies and a
 *   total length equal to its length; its transport checksum verifies
 *   (or, left to offload, holds the pseudo-header sum) whenever the
 *   packet it came from had a good one, or the engine built or finished
 *   it itself; the fragments the engine cut a packet into reassemble into
 *   one whose checksum verifies; none is larger than the MTU of the
 *   device it goes to, unless the router built it;
 * - nothing leaves on the outside from an address outside the public
 *   pool (but traffic to an exempt destination), and nothing goes inside
 *   to a public address;
 * - the session table's indexes agree (session_table_check()), no host
 *   gains sessions or calls beyond its limits, the counters agree with
 *   the table, every port a mapping holds is taken in its pool and each
 *   pool's count of free ports is right, the PPTP ALG's state slots fit
 *   its limits and every live call has its control connection, a walk
 *   sees exactly the live sessions and a flush leaves none that match;
 * - events name public addresses as public, inside ones as inside.
 * Checksums are computed here and in pktbuild.c, never by src/net/csum.c.
 * With FUZZ_TRACE set in the environment, each packet's fate is printed.
 */
#ifndef TN_FUZZ_H
#define TN_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nat/nat.h"
#include "net/pkt.h"

/* ---- the input ---------------------------------------------------------- */

/* The fuzzer's bytes, read front to back; reads past the end give 0. */
struct fin {
	const uint8_t *p;
	size_t n;
};

/* fin_u8(), fin_u16(), fin_u32() - the next 1, 2, 4 bytes, big-endian */
uint8_t fin_u8(struct fin *in);
uint16_t fin_u16(struct fin *in);
uint32_t fin_u32(struct fin *in);

/* fin_bytes() - copy up to @max bytes to @out; how many there were */
size_t fin_bytes(struct fin *in, uint8_t *out, size_t max);

/* fuzz_fail() - report a broken invariant and abort, for libFuzzer */
void fuzz_fail(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));

/* ---- the world the packets come from -------------------------------------- */

/* The kinds of address the packets use. */
enum fz_where {
	FZ_IN,		/* inside hosts (.50 is the forwards' server) */
	FZ_REM,		/* remote hosts (192.0.2.9 is exempt in one config) */
	FZ_PUB,		/* every address any configuration's pool has */
	FZ_ODD,		/* the router, martians, broadcast */
	FZ_WHERE_N
};

/* fz_addr() - address @i of kind @w (any @i: taken modulo the table),
 * network order */
uint32_t fz_addr(enum fz_where w, unsigned i);

/* fz_port() - a port from a small table (1723, 80, 53, ...), host order */
uint16_t fz_port(unsigned i);

#define FZ_CONFIGS	7

/**
 * struct fz_pkt - a packet to build; every field host order, addresses
 * network order
 * @opt_words:	32-bit words of IPv4 options (NOPs, or a source route)
 * @srr:	the options are a loose source route
 * @gre_flags:	for GRE: the flags and version word (key and sequence
 *		presence); the key field holds @key
 */
struct fz_pkt {
	uint32_t src, dst;
	uint8_t proto, ttl, tos;
	uint16_t id, frag_off;
	unsigned opt_words;
	bool srr;
	uint16_t sport, dport;		/* TCP, UDP */
	uint8_t tcp_flags;
	uint32_t seq, ack;
	uint8_t tcp_opt[12];		/* TCP options, @tcp_opt_len bytes */
	unsigned tcp_opt_len;
	uint8_t icmp_type, icmp_code;	/* ICMP; id and seq: sport, dport */
	uint16_t gre_flags;
	uint32_t key;
	const uint8_t *payload;
	size_t len;
	bool bad_l4_csum;		/* leave the transport checksum wrong */
	bool udp_no_csum;		/* UDP checksum 0 */
};

/* fz_build() - write @d at @out (room for PKT_DATA_MAX); return its length */
size_t fz_build(uint8_t *out, const struct fz_pkt *d);

/* fz_fix() - make the IPv4 header of @len bytes at @b verify (total length
 * and checksum), and with @l4 its TCP, UDP or ICMP checksum too */
void fz_fix(uint8_t *b, size_t len, bool l4);

/* fz_pseudo() - folded pseudo-header sum of IPv4 packet @b (as offload
 * expects it in the checksum field of a partial packet) */
uint16_t fz_pseudo(const uint8_t *b, size_t len);

/* ---- the driver ------------------------------------------------------------ */

/**
 * struct fz_out - a packet the engine sent, as the driver saw it
 * @data, @len:	its bytes (valid until the next call into the engine)
 * @v:		VERDICT_FORWARD or VERDICT_BACK
 * @to_inside:	the device it goes to
 * @local:	the router built it
 */
struct fz_out {
	const uint8_t *data;
	size_t len;
	enum verdict v;
	bool to_inside;
	bool local;
};

#define FZ_OUT_MAX	160

/**
 * struct fz_result - what one packet led to
 * @v:		the verdict of the packet itself
 * @drop:	its drop reason
 * @out:	every packet sent: the verdict's first, then nat_pending()'s
 */
struct fz_result {
	enum verdict v;
	enum drop_reason drop;
	struct fz_out out[FZ_OUT_MAX];
	unsigned nout;
};

/* fz_start() - a new engine on configuration @cfg (mod FZ_CONFIGS), the
 * clock at @now */
void fz_start(unsigned cfg, uint64_t now);

/* fz_stop() - free it */
void fz_stop(void);

/* fz_now() - the fake clock */
uint64_t fz_now(void);

/* fz_config() - the configuration in force */
const struct nat_config *fz_config(void);

/* fz_engine() - the engine, for harness-specific checks */
struct nat *fz_engine(void);

/**
 * fz_packet() - translate @len bytes at @data read from @dir, check what
 * was sent and the state after it
 * @vnet:	its virtio-net header, or NULL
 *
 * Return: what happened, valid until the next call
 */
const struct fz_result *fz_packet(enum pkt_dir dir, const uint8_t *data,
				  size_t len, const struct pkt_vnet *vnet);

/* fz_clock() - move the clock on by @ms; a full nat_expire() runs at
 * least every 10 minutes of it, as the engine's contract asks */
void fz_clock(uint64_t ms);

/* fz_expire() - nat_expire() with @budget, then the checks */
void fz_expire(unsigned budget);

/* fz_walk() - a whole nat_walk() for @m in slices of @budget, checked */
void fz_walk(const struct nat_match *m, unsigned budget);

/* fz_flush() - a whole nat_flush() for @m in slices of @budget; then no
 * session may match @m */
void fz_flush(const struct nat_match *m, unsigned budget);

/* fz_reconfigure() - nat_reconfigure() to configuration @cfg */
void fz_reconfigure(unsigned cfg);

/* fz_check() - every invariant of the engine's state */
void fz_check(void);

/**
 * fz_payload() - the transport payload that @r delivered to the device
 * @to_inside leads to, reassembled if the engine cut it into fragments
 * @out:	room for PKT_DATA_MAX bytes: the whole IPv4 packet, with a
 *		20-byte header if it was reassembled
 *
 * Return: the packet's length, or 0 if @r sent no such packet whole (a
 * part of it was lost, or it was not forwarded)
 */
size_t fz_payload(const struct fz_result *r, bool to_inside, uint8_t *out);

/* fz_on_event() - also hand every event of the engine to @fn */
void fz_on_event(void (*fn)(const struct nat_event *ev));

/* fz_last() - the last packet sent out of device @to_inside's side
 * (toward that device), or NULL; @len set */
const uint8_t *fz_last(bool to_inside, size_t *len);

#endif /* TN_FUZZ_H */
