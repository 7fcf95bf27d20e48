/* SPDX-License-Identifier: MIT */
/* nat.h - the NAPT engine: translate one packet, expire idle sessions
 *
 * The engine is pure: it makes no system calls and reads no clock.  The
 * caller passes the time (@now_ms, any monotonic millisecond clock) to every
 * call, and a random seed once, at nat_new().  Only the clock's low 32 bits
 * are kept per session, so idle times are computed modulo 2^32 ms (49.7
 * days): the caller must call nat_expire() at least every few minutes,
 * which it does anyway to give memory back, and the clock may wrap.
 *
 * Everything the engine needs is allocated by nat_new(); nothing is
 * allocated per packet, and a packet is copied only where the wire demands
 * a new one: a later fragment held until its first fragment arrives, the
 * fragments of a packet too big for the next hop.  Those, and the few
 * messages the engine sends on its own (an ICMP error for a SYN held past
 * its time), wait in a small queue the caller drains with nat_pending()
 * after each call.
 */
#ifndef TN_NAT_H
#define TN_NAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../net/pkt.h"

#define NAT_POOL_MAX		1024	/* public addresses */
#define NAT_SESSIONS_MAX	(1u << 24)
#define NAT_ALG_PORTS_MAX	8
#define NAT_TIMEOUT_MAX_MS	(1u << 31)	/* timeouts stay below this */
#define NAT_PREFIXES_MAX	256	/* exempt, inside prefixes */
#define NAT_FORWARDS_MAX	1024
#define NAT_FROM_MAX		32	/* prefixes in one forward's from */
#define NAT_MTU_MIN		68	/* RFC 791: every host takes 68 bytes */
#define NAT_WORKERS_MAX		64	/* engines sharing one pool */

/* The application gateways, one row each in alg.c's table. */
enum nat_alg {
	NAT_ALG_NONE = 0,
	NAT_ALG_PPTP,		/* PPTP: GRE Call IDs (alg_pptp.c) */
	NAT_ALG_N
};

/**
 * struct nat_alg_config - one ALG (alg.NAME in tunnat.yaml(5))
 * @enabled:		translate this protocol's control connections
 * @ports:		TCP ports of its servers, host order
 * @max_connections:	control connections tracked at once
 * @max_connections_per_host: of those, most opened by one client host
 *			(an inside host, or a remote one through a forward;
 *			0: no limit)
 * @max_calls_per_connection, @max_calls_per_host, @max_calls_per_server:
 *			limits on the related flows ("calls") set up or
 *			live at once (>= 1; per connection <= 255)
 */
struct nat_alg_config {
	bool enabled;
	uint16_t ports[NAT_ALG_PORTS_MAX];
	unsigned nports;
	uint32_t max_connections;
	uint32_t max_connections_per_host;
	uint32_t max_calls_per_connection;
	uint32_t max_calls_per_host;
	uint32_t max_calls_per_server;
};

/* Filtering behaviour, RFC 4787 section 5 (RFC 5382 REQ-3 for TCP). */
enum nat_filter {
	NAT_FILTER_EI = 0,	/* endpoint-independent: any remote */
	NAT_FILTER_AD,		/* address-dependent: a remote address the
				 * mapping has sent to */
	NAT_FILTER_APD,		/* address-and-port-dependent: a remote
				 * endpoint the mapping has sent to */
};

/* The protocols whose filtering can be set (struct nat_config). */
enum nat_l4 {
	NAT_L4_TCP = 0,
	NAT_L4_UDP,
	NAT_L4_ICMP,
	NAT_L4_N
};

/* An IPv4 prefix; @addr in network order, bits past @len clear. */
struct nat_prefix {
	uint32_t addr;
	uint8_t len;
};

/**
 * struct nat_forward - a port forward, or a protocol forward
 * @proto:	IPPROTO_TCP or IPPROTO_UDP: ports @pub_lo..@pub_hi of
 *		@pub_addr lead to ports @in_lo.. of @in_addr; any other
 *		protocol but ICMP: every packet of it to @pub_addr leads to
 *		@in_addr (ports 0)
 * @pub_addr:	a public address (in @addrs), network order
 * @in_addr:	the inside host, network order
 * @pub_lo, @pub_hi, @in_lo: host order
 * @from:	remotes that may open sessions through it, @nfrom prefixes
 *		(<= NAT_FROM_MAX); none: any
 *
 * The inside host's own traffic from a forwarded port (or of a forwarded
 * protocol) leaves from the forward's public endpoint.  Forwards must not
 * overlap on either side.
 */
struct nat_forward {
	uint8_t proto;
	uint32_t pub_addr, in_addr;
	uint16_t pub_lo, pub_hi, in_lo;
	const struct nat_prefix *from;
	unsigned nfrom;
};

enum nat_event_type {
	NAT_EV_CALL_UP,		/* a call's GRE mapping is live */
	NAT_EV_CALL_DOWN,	/* a call ended: @reason */
	NAT_EV_CALL_REFUSED,	/* a call could not be translated: @reason */
	NAT_EV_ALG_RESET,	/* a control connection was reset: @reason */
	NAT_EV_SERVER_REFUSED,	/* a server refused a control connection */
	/* with @log_mappings only (RFC 6888 section 4): */
	NAT_EV_MAPPING_UP,	/* a dynamic mapping was made (no remote) */
	NAT_EV_MAPPING_DOWN,	/* ... and freed */
	NAT_EV_SESSION_UP,	/* a session was made (with its remote) */
	NAT_EV_SESSION_DOWN,	/* ... and freed */
};

/**
 * struct nat_event - something the operator should be able to read
 * @alg:	ALG name ("pptp")
 * @in_addr, @pub_addr, @rem_addr: the control connection's inside host,
 *		public address and remote host, network order
 * @in_port, @pub_port, @rem_port: its TCP ports, host order
 * @in_id, @pub_id, @rem_id: a call's inside, translated and outside Call
 *		IDs, host order (CALL_* events)
 * @reason:	static text (CALL_DOWN, CALL_REFUSED, ALG_RESET)
 * @proto:	IP protocol (MAPPING_* and SESSION_* events, which use the
 *		addresses and ports for the mapping or session itself: ICMP
 *		identifiers as ports, none for protocols without ports, no
 *		remote for a mapping)
 * @ago_ms:	how long before the call it happened: a session that
 *		timed out ended when its time ran out, which may be up to
 *		a sweep's delay earlier (SESSION_DOWN, MAPPING_DOWN)
 *
 * The ALG events are rare (one per call or per failure), but a peer can
 * cause them, so the receiver should rate-limit what it logs.  Mapping
 * and session events come with every flow: the receiver must be quick.
 */
struct nat_event {
	enum nat_event_type type;
	uint8_t proto;
	uint32_t ago_ms;
	const char *alg;
	uint32_t in_addr, pub_addr, rem_addr;
	uint16_t in_port, pub_port, rem_port;
	uint16_t in_id, pub_id, rem_id;
	const char *reason;
};

/**
 * struct nat_config - what nat_new() needs to know
 * @addrs:		public address pool, network byte order, no duplicates
 * @naddrs:		1..NAT_POOL_MAX
 * @port_lo, @port_hi:	TCP/UDP ports the pool hands out, host order, >= 1
 * @max_sessions:	1..NAT_SESSIONS_MAX
 * @tcp_est_ms, @tcp_open_ms, @tcp_close_ms, @udp_ms, @icmp_ms, @other_ms:
 *			idle
 *			timeouts, each 1..NAT_TIMEOUT_MAX_MS - 1 (@other_ms:
 *			protocols translated by address only)
 * @router_addr:	source of ICMP the router sends into the inside
 *			network (network order); must not be in @addrs
 * @gre_ms:		idle timeout of GRE calls and tunnels
 * @icmp_errors_per_s:	rate limit of generated ICMP errors (0: none sent)
 * @filtering:		which inbound packets may use a mapping, per
 *			enum nat_l4
 * @inbound_refresh:	inbound UDP refreshes its session, and one a filter
 *			lets in opens a session (RFC 4787 REQ-6)
 * @holddown_ms:	a released public port rests this long before any
 *			mapping may take it again (RFC 6888 REQ-8), < 2^31
 * @port_parity:	a port that cannot be kept keeps its parity (RFC
 *			4787 REQ-4)
 * @max_sessions_per_host: sessions one inside address may have, 0: no
 *			limit (RFC 6888 REQ-4)
 * @icmp_on_failure:	answer a packet no session could be made for with
 *			ICMP destination unreachable, code 13 (RFC 5508
 *			REQ-8)
 * @syn_reject:		answer an unsolicited SYN held NAT_SYN_HOLD_MS with
 *			ICMP port unreachable (RFC 5382 REQ-4), else drop it
 * @exempt:		destinations that pass untranslated both ways,
 *			@nexempt prefixes
 * @inside_prefixes:	the only sources translated, @ninside_prefixes of
 *			them; none: any
 * @mtu_inside, @mtu_outside: MTU of each device, NAT_MTU_MIN..65535
 * @mss_clamp:		largest TCP MSS a SYN may announce, 0 for no clamp
 * @forwards:		port and protocol forwards, @nforwards of them
 * @log_mappings:	report every dynamic mapping made and freed through
 *			@event
 * @log_sessions:	report every session made and freed (they name
 *			remote hosts: RFC 6888 REQ-12 logs them only if asked)
 *
 * nat_new() copies every array it is given.
 * @seed:		secret random bits for hashing and port choice
 * @alg:		the ALGs, by enum nat_alg ([NAT_ALG_NONE] unused)
 * @event:		called (if set) for each struct nat_event, with
 *			@event_arg; it must not call back into the engine
 * @shared:		the public pool shared with the engines of the other
 *			workers (nat_shared_new()), or NULL: a pool of its
 *			own, for one worker
 * @worker:		this engine's worker, < nat_shared_workers(@shared)
 * @mem_alloc:		if set, where the session table's big arrays come
 *			from: zeroed memory aligned to 64 bytes, or NULL
 *			(so that the caller can back them with huge pages);
 *			@mem_free gives each back
 */
struct nat_config {
	const uint32_t *addrs;
	unsigned naddrs;
	uint16_t port_lo, port_hi;
	uint32_t max_sessions;
	uint32_t tcp_est_ms, tcp_open_ms, tcp_close_ms;
	uint32_t udp_ms, icmp_ms, gre_ms, other_ms;
	uint32_t router_addr;
	uint32_t icmp_errors_per_s;
	uint64_t seed[4];
	enum nat_filter filtering[NAT_L4_N];
	bool inbound_refresh;
	uint32_t holddown_ms;
	bool port_parity;
	uint32_t max_sessions_per_host;
	bool icmp_on_failure;
	bool syn_reject;
	const struct nat_prefix *exempt;
	unsigned nexempt;
	const struct nat_prefix *inside_prefixes;
	unsigned ninside_prefixes;
	uint32_t mtu_inside, mtu_outside;
	uint16_t mss_clamp;
	const struct nat_forward *forwards;
	unsigned nforwards;
	bool log_mappings;
	bool log_sessions;
	struct nat_alg_config alg[NAT_ALG_N];
	void (*event)(void *event_arg, const struct nat_event *ev);
	void *event_arg;
	struct nat_shared *shared;
	unsigned worker;
	void *(*mem_alloc)(size_t bytes);
	void (*mem_free)(void *p, size_t bytes);
};

/**
 * struct nat_alg_stats - what one ALG did since nat_new()
 * @calls:		calls whose identifier was translated
 * @id_collisions:	calls whose identifier was taken, so it was changed
 * @resets:		control connections reset (lost sync, limits, ...)
 * @server_refused:	servers that refused a control connection (PPTP:
 *			Start-Control-Connection-Reply result 3)
 */
struct nat_alg_stats {
	uint64_t calls;
	uint64_t id_collisions;
	uint64_t resets;
	uint64_t server_refused;
};

/* The protocols counters and session lists tell apart. */
enum nat_proto_class {
	NAT_PC_TCP = 0,
	NAT_PC_UDP,
	NAT_PC_ICMP,
	NAT_PC_GRE,
	NAT_PC_OTHER,		/* any protocol without ports */
	NAT_PC_N
};

/**
 * struct nat_proto_stats - one protocol's traffic and sessions
 * @packets, @bytes:	translated and forwarded (or hairpinned), per side
 *			read (IPv4 total length; a superpacket counts once)
 * @sessions_created, @sessions_ended: totals (a PPTP call ends when it
 *			is over, though its Call ID rests on)
 * @sessions:		active now
 */
struct nat_proto_stats {
	uint64_t packets[DIR_N];
	uint64_t bytes[DIR_N];
	uint64_t sessions_created;
	uint64_t sessions_ended;
	uint32_t sessions;
};

/**
 * struct nat_stats - counters since nat_new()
 * @rx:			packets handed to nat_translate(), per side read
 * @forwarded:		packets translated to the other side, per side read
 * @hairpinned:		inside packets sent back inside via a public address
 * @icmp_errors:	ICMP errors the router generated
 * @echo_answered:	echo requests to the router answered
 * @exempted:		packets passed untranslated (nat.exempt)
 * @frags_held:		later fragments held until their first came
 * @frags_made:		fragments made of packets too big for the next hop
 * @mss_clamped:	SYNs whose MSS option was lowered
 * @drops:		packets dropped, per enum drop_reason
 * @sessions_created, @sessions_expired, @mappings_created: totals
 * @sessions, @mappings: in use now (sessions: every record, resting Call
 *			IDs included)
 * @resting_calls:	ended PPTP calls whose Call ID still rests
 * @proto:		per protocol, by enum nat_proto_class
 * @alg:		per ALG, by enum nat_alg
 */
struct nat_stats {
	uint64_t rx[DIR_N];
	uint64_t forwarded[DIR_N];
	uint64_t hairpinned;
	uint64_t icmp_errors;
	uint64_t echo_answered;
	uint64_t exempted;
	uint64_t frags_held;
	uint64_t frags_made;
	uint64_t mss_clamped;
	uint64_t drops[DROP_REASON_N];
	uint64_t sessions_created;
	uint64_t sessions_expired;
	uint64_t mappings_created;
	uint32_t sessions;
	uint32_t mappings;
	uint32_t resting_calls;
	struct nat_proto_stats proto[NAT_PC_N];
	struct nat_alg_stats alg[NAT_ALG_N];
};

/* nat_proto_class() - the counter class of IP protocol @proto */
enum nat_proto_class nat_proto_class(uint8_t proto);

/* nat_proto_class_name() - "tcp", "udp", "icmp", "gre", "other" */
const char *nat_proto_class_name(enum nat_proto_class pc);

struct nat;
struct nat_shared;

/**
 * nat_shared_new() - the public pool of @cfg (addresses, port range,
 * @seed, whether PPTP is on) for the engines of @nworkers workers
 * (1..NAT_WORKERS_MAX), each made with it as @cfg->shared
 *
 * Return: the pool, or NULL with errno EINVAL or ENOMEM
 */
struct nat_shared *nat_shared_new(const struct nat_config *cfg,
				  unsigned nworkers);

/* nat_shared_free() - free @sh, after every engine that uses it */
void nat_shared_free(struct nat_shared *sh);

/* nat_shared_workers() - the number of workers @sh was made for */
unsigned nat_shared_workers(const struct nat_shared *sh);

/**
 * nat_shared_pool_set() - make @addrs (@cnt) the configured pool of @sh,
 * before nat_reconfigure() of each of its engines @ns (@nn), while none
 * of them runs
 *
 * Return: 0, -EINVAL (a duplicate), -ENOSPC (no slot left), -ENOMEM
 */
int nat_shared_pool_set(struct nat_shared *sh, struct nat *const *ns,
			unsigned nn, const uint32_t *addrs, unsigned cnt);

/* nat_shared_set_pptp() - whether GRE version 1 is translated by Call ID,
 * which steering needs to know (set with the engines' configuration) */
void nat_shared_set_pptp(struct nat_shared *sh, bool on);

/* nat_shared_index() - the slot of public address @addr, or -1 */
int nat_shared_index(const struct nat_shared *sh, uint32_t addr);

/*
 * What a steering program outside the engine (io/steer.c, BPF) needs to
 * repeat nat_steer(): the owner arrays' layout (a byte per port, the
 * worker + 1, 0: nobody; NAT_OWN_SPACES arrays of 65536 per slot: TCP,
 * UDP, ICMP identifiers, PPTP Call IDs), the hash key, and the addresses
 * of the slots.
 */
#define NAT_OWN_TCP		0
#define NAT_OWN_UDP		1
#define NAT_OWN_ICMP		2
#define NAT_OWN_CALL		3
#define NAT_OWN_SPACES		4
#define NAT_OWN_BYTES		((size_t)NAT_OWN_SPACES * 65536)

/* nat_shared_steer_key() - the secret of nat_steer()'s hash */
void nat_shared_steer_key(const struct nat_shared *sh, uint64_t key[2]);

/* nat_shared_slot_addr() - the address (network order) of slot @slot; 0
 * for a slot not in use */
uint32_t nat_shared_slot_addr(const struct nat_shared *sh, unsigned slot);

/**
 * nat_shared_owner_mem() - keep the owner arrays of slots 0 to @n - 1 in
 * @mem (@n * NAT_OWN_BYTES, zeroed, which outlives @sh), so that another
 * reader can see them; with several workers, before any engine runs
 *
 * Return: 0, or -EINVAL with one worker (@sh has no owner arrays)
 */
int nat_shared_owner_mem(struct nat_shared *sh, uint8_t *mem, unsigned n);

/**
 * nat_steer() - the worker that owns IPv4 packet @data (@len bytes, no
 * offload header) read from side @dir (shared.c tells how it decides)
 *
 * Pure: reads the packet and the pool's owner arrays, changes nothing.
 * With one worker, 0.
 *
 * Return: a worker index, < nat_shared_workers(@sh)
 */
unsigned nat_steer(const struct nat_shared *sh, const uint8_t *data,
		   uint32_t len, enum pkt_dir dir);

/* nat_steer_host() - the worker of inside host @in_addr (network order) */
unsigned nat_steer_host(const struct nat_shared *sh, uint32_t in_addr);

/* nat_steer_frag_home() - the worker that translates the later fragments
 * of a datagram from outside, by its header fields (network order) */
unsigned nat_steer_frag_home(const struct nat_shared *sh, uint32_t src,
			     uint32_t dst, uint8_t proto, uint16_t id);

/**
 * nat_new() - create an engine for @cfg
 *
 * Return: the engine, or NULL with errno EINVAL (bad @cfg) or ENOMEM
 */
struct nat *nat_new(const struct nat_config *cfg);

/* nat_free() - destroy @n and everything it owns; NULL is allowed */
void nat_free(struct nat *n);

/**
 * nat_translate() - translate @p in place, at time @now_ms
 * @p:	packet from pkt_init(); its buffer must hold at least 576 bytes
 *	from @data (room for a generated ICMP error)
 *
 * Return: what to do with @p; on VERDICT_DROP, @p->drop says why
 * (DROP_NONE: a fragment held until its first fragment comes).  On
 * VERDICT_BACK, @p is hairpinned traffic or an ICMP message the router built
 * in @p's buffer, to be written to the device @p came from.  Then take
 * what nat_pending() has.
 */
enum verdict nat_translate(struct nat *n, struct pkt *p, uint64_t now_ms);

/**
 * nat_hairpin() - go on with packet @p, read from inside, that another
 * worker's engine translated out and handed off (VERDICT_HANDOFF): in
 * through the mapping of its destination, which this engine owns
 *
 * Return: as nat_translate()
 */
enum verdict nat_hairpin(struct nat *n, struct pkt *p, uint64_t now_ms);

/**
 * nat_frag_follow() - the first fragment of a datagram read from outside,
 * (@src, @dst, @proto, @id as read, network order), was translated by
 * another worker's engine, to destination @new_dst: this engine, the
 * datagram's fragment home (nat_steer_frag_home()), translates its later
 * fragments the same way, and sends those it held (take them with
 * nat_pending())
 */
void nat_frag_follow(struct nat *n, uint32_t src, uint32_t dst, uint8_t proto,
		     uint16_t id, uint32_t new_dst, uint64_t now_ms);

#define NAT_BATCH_MAX	32

/**
 * nat_prefetch() - start loading the sessions packets @pkts will need
 * @cnt:	at most NAT_BATCH_MAX
 *
 * Only a hint, with no effect on translation: for each TCP or UDP packet
 * it hashes the lookup key and asks the CPU to fetch its index bucket,
 * then (the buckets having had time to arrive) the session whose entry
 * there has the key's tag.  It does nothing while the table is small enough to stay in
 * the CPU's caches.  Called on a batch before nat_translate() on each of its
 * packets, the misses of the whole batch overlap instead of coming one
 * after another.
 */
void nat_prefetch(struct nat *n, struct pkt *const *pkts, unsigned cnt);

/**
 * nat_expire() - free sessions idle for their whole timeout, and whatever
 * else ran out of time: resting ports, held SYNs, fragments
 * @budget:	most sessions to free in this call
 *
 * A session is treated as gone from the exact millisecond it expires,
 * whether or not it has been swept; this only returns its memory and its
 * port, at most a second after it expired if called often enough.  A held
 * SYN whose time ran out may leave an ICMP error to send: take it with
 * nat_pending().
 *
 * Return: sessions freed
 */
unsigned nat_expire(struct nat *n, uint64_t now_ms, unsigned budget);

/**
 * nat_pending() - the next packet the engine sends on its own, after a
 * call to nat_translate() or nat_expire(): a fragment held until its first
 * came, a fragment of a packet too big for the next hop, an ICMP error
 * @p:	filled in to point into the engine's memory, valid until the next
 *	call into the engine; @p->dir is the side it counts as read from
 *
 * Call it until it returns VERDICT_DROP: what is not taken before the next
 * nat_translate() or nat_expire() is discarded.
 *
 * Return: VERDICT_FORWARD (write @p to the other side), VERDICT_BACK
 * (write it to side @p->dir), or VERDICT_DROP when there is none left
 */
enum verdict nat_pending(struct nat *n, struct pkt *p);

/* nat_stats() - the counters of @n, with the in-use gauges up to date */
const struct nat_stats *nat_stats(struct nat *n);

/* nat_pair_address() - the public address inside host @in_addr always
 * leaves from (RFC 4787 REQ-2 paired pooling), network order */
uint32_t nat_pair_address(const struct nat *n, uint32_t in_addr);

/**
 * struct nat_port_use - ports of one public address and protocol
 * @addr:	the public address, network order
 * @active:	in the configured pool (else removed by a reload, with
 *		mappings still on it)
 * @used:	ports of the configured range taken (resting ones too), per
 *		port space (TCP, UDP, ICMP identifiers)
 * @total:	ports of the range, per port space
 */
struct nat_port_use {
	uint32_t addr;
	bool active;
	uint32_t used[3];
	uint32_t total[3];
};

/**
 * nat_port_use() - how full public address @i is (0 <= @i < the number
 * nat_port_use() returned for @i = 0 and up)
 *
 * Return: the number of public addresses (slots) the engine has, whatever
 * @i; @u is filled in if @i is below it
 */
unsigned nat_port_use(const struct nat *n, unsigned i, struct nat_port_use *u);

/* What nat_walk() and nat_flush() match; a zero field matches anything. */
struct nat_match {
	uint8_t proto;
	uint32_t in_addr, pub_addr, rem_addr;	/* network order */
	uint16_t in_port, pub_port, rem_port;	/* host order */
};

#define NAT_SI_INBOUND	0x01	/* opened from outside (forward, filter) */
#define NAT_SI_HAIRPIN	0x02	/* opened by a hairpinned packet */
#define NAT_SI_STATIC	0x04	/* on a forward's mapping */
#define NAT_SI_CALL	0x08	/* a PPTP call: ports are its Call IDs */
#define NAT_SI_ADDR	0x10	/* translated by address only */

/**
 * struct nat_session_info - one session as an operator sees it
 * @proto:		IP protocol
 * @in_addr, @pub_addr, @rem_addr: network order
 * @in_port, @pub_port, @rem_port: host order; ICMP: the query identifier
 *			(@rem_port 0); a call: the inside, translated and
 *			remote Call IDs; address only: 0
 * @state:		"opening", "established", "half-closed", "closing",
 *			"reset" (TCP); "pending", "closing" (a call not yet
 *			answered, or being cleared); else "active"
 * @idle_ms:		since its last refresh
 * @expires_ms:		until it ends, if nothing refreshes it
 * @flags:		NAT_SI_*
 * @alg:		"pptp" for a control connection or a call, else NULL
 */
struct nat_session_info {
	uint8_t proto;
	uint32_t in_addr, pub_addr, rem_addr;
	uint16_t in_port, pub_port, rem_port;
	const char *state;
	uint32_t idle_ms, expires_ms;
	uint8_t flags;
	const char *alg;
};

/**
 * nat_walk() - visit the live sessions that match @m, a slice at a time
 * @cursor:	where to go on from; 0 to start
 * @budget:	most records to look at in this call (live or not), so that
 *		a walk over a million sessions can be cut into slices
 *		between packets; a session made or freed between slices may
 *		be seen or not
 * @fn:		called for each, with @arg; it returns false to end the walk
 *		there (the cursor stays past that session)
 *
 * Resting Call IDs are not sessions and are not visited.
 *
 * Return: true once the walk has reached the end, or @fn ended it
 */
bool nat_walk(struct nat *n, uint32_t *cursor, unsigned budget,
	      const struct nat_match *m, uint64_t now,
	      bool (*fn)(void *arg, const struct nat_session_info *si),
	      void *arg);

/**
 * nat_flush() - end the live sessions that match @m, a slice at a time
 * @cursor, @budget: as for nat_walk()
 * @ended:	incremented for each session ended
 *
 * A session ends as if its time had run out: its public port rests
 * (nat.port-holddown), a control connection's calls end, a call's Call ID
 * rests.  It queues no packet, and leaves what nat_pending() holds.
 *
 * Return: true once the flush has reached the end
 */
bool nat_flush(struct nat *n, uint32_t *cursor, unsigned budget,
	       const struct nat_match *m, uint64_t now, uint64_t *ended);

/**
 * nat_reconfigure() - apply @cfg to a running engine at @now, keeping its
 * sessions
 * @err:	on failure, why (a sentence), @errlen bytes
 *
 * Everything changes but what the tables were sized for: @max_sessions,
 * the MTUs, the seed, the memory hooks, and each enabled ALG's
 * @max_connections and @max_calls_per_connection, which must stay as they
 * were when it was first enabled, even if it was off since (a change is
 * refused).  Timeouts apply to live sessions at once.  A
 * public address no longer in @addrs gets no new mapping; the sessions on
 * it live out their time.  A forward that is gone leaves its sessions to
 * end on their own; a new forward whose public port or inside endpoint a
 * dynamic mapping holds now is refused.  Nothing changes unless all of it
 * can.  Public address slots run out after NAT_POOL_MAX different
 * addresses; the slots of removed addresses nothing uses any more are
 * then taken back.
 *
 * Return: 0, -EINVAL (bad @cfg or refused, @err says why), -ENOMEM
 */
int nat_reconfigure(struct nat *n, const struct nat_config *cfg, uint64_t now,
		    char *err, size_t errlen);

/* nat_alg_name() - the name of ALG @a in the configuration and the logs
 * ("pptp"), or NULL for NAT_ALG_NONE and unknown values */
const char *nat_alg_name(enum nat_alg a);

/* nat_memory_bytes() - memory nat_new() reserves for @cfg */
uint64_t nat_memory_bytes(const struct nat_config *cfg);

#endif /* TN_NAT_H */
