/* SPDX-License-Identifier: MIT */
/* conf.h - the configuration file, parsed and validated into plain C
 *
 * conf_load() reads one YAML file (format: tunnat.yaml(5)) into a struct
 * config.  Every key is checked: unknown keys, wrong types, out-of-range
 * values, bad addresses, overlapping or empty pools.  Every error found is
 * reported as "FILE:LINE:COLUMN: message" (1-based line and column), not just
 * the first, and nothing in the system is touched while parsing.
 */
#ifndef TN_CONF_H
#define TN_CONF_H

#include <net/if.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define CONF_ROUTES_MAX		64
#define CONF_POOL_MAX		1024	/* equals NAT_POOL_MAX */
#define CONF_WORKERS_MAX	64	/* equals NAT_WORKERS_MAX */
#define CONF_FAIR_QUEUES_MAX	4	/* 64 workers x 4: the kernel's 256 */
#define CONF_NICE_MIN		(-20)	/* setpriority(2)'s range */
#define CONF_NICE_MAX		19
#define CONF_ALG_PORTS_MAX	8	/* equals NAT_ALG_PORTS_MAX */
#define CONF_PREFIXES_MAX	256	/* nat.exempt, nat.inside-prefixes */
#define CONF_FORWARDS_MAX	1024	/* entries of forwards */
#define CONF_FROM_MAX		32	/* prefixes in one forward's from */
#define CONF_LINKS_MAX		16	/* links of one side */
#define CONF_SOCKET_MAX		108	/* bytes of control.socket, with NUL
					 * (sizeof(sockaddr_un.sun_path)) */
#define CONF_PATH_MAX		4096	/* bytes of a file path, with NUL */

enum log_level {
	LVL_ERROR = 0,
	LVL_WARNING,
	LVL_INFO,
	LVL_DEBUG,
};

/* log.target: where messages go */
enum log_target {
	LOG_TO_STDERR = 0,	/* "tunnat: LEVEL: message" on standard error */
	LOG_TO_SYSLOG,		/* syslog(3), facility daemon, ident tunnat */
};

/* An IPv4 prefix: address (network byte order) and length 0..32. */
struct conf_prefix {
	uint32_t addr;
	uint8_t len;
};

/* Filtering behaviour of RFC 4787 section 5, for one protocol. */
enum conf_filter {
	CONF_FILTER_EI = 0,	/* endpoint-independent */
	CONF_FILTER_AD,		/* address-dependent */
	CONF_FILTER_APD,	/* address-and-port-dependent */
};

/* The protocols nat.filtering can be set for, in its map form. */
enum conf_l4 {
	CONF_L4_TCP = 0,
	CONF_L4_UDP,
	CONF_L4_ICMP,
	CONF_L4_N
};

/* nat.unsolicited-syn: what becomes of an inbound SYN no filter lets in,
 * once it has been held 6 s without an outbound SYN (RFC 5382 REQ-4) */
enum conf_syn {
	CONF_SYN_DROP = 0,	/* dropped silently (REQ-4a) */
	CONF_SYN_REJECT,	/* answered with ICMP port unreachable */
};

/**
 * struct conf_forward - one entry of forwards
 * @proto:	IP protocol: IPPROTO_TCP or IPPROTO_UDP (ports), or any other
 *		but ICMP (address only: every packet of that protocol)
 * @pub_addr, @in_addr:	network order; @pub_addr is in nat.addresses
 * @pub_lo, @pub_hi:	public ports, host order, @pub_lo <= @pub_hi; both 0
 *		for an address-only forward
 * @in_lo:	first inside port, host order (the inside range has the same
 *		length as the public one); 0 for an address-only forward
 * @from:	remote prefixes allowed to open sessions through it, @nfrom of
 *		them; none: any remote
 */
struct conf_forward {
	uint8_t proto;
	uint32_t pub_addr, in_addr;
	uint16_t pub_lo, pub_hi;
	uint16_t in_lo;
	struct conf_prefix from[CONF_FROM_MAX];
	unsigned nfrom;
};

/**
 * struct conf_dev - one TUN device: the "inside" or "outside" section
 * @name:	device name, 1..IFNAMSIZ-1 characters
 * @netns:	path of the network namespace to open it in ("/run/netns/X"
 *		for a bare name X), or "" for the namespace tunnat runs in
 * @create:	create the device if it does not exist (default true)
 * @has_address: @address is set
 * @address:	address and prefix length to assign to the device
 * @mtu:	MTU to set, 0 to leave the device's own; either way the MTU
 *		the device has is the one tunnat fragments for
 * @routes:	prefixes to route into the device, in its namespace
 * @links:	interfaces in the device's namespace whose packets are routed
 *		into the device (policy routing), @nlinks of them
 */
struct conf_dev {
	char name[IFNAMSIZ];
	char netns[4096];
	bool create;
	bool has_address;
	struct conf_prefix address;
	uint32_t mtu;
	struct conf_prefix routes[CONF_ROUTES_MAX];
	unsigned nroutes;
	char links[CONF_LINKS_MAX][IFNAMSIZ];
	unsigned nlinks;
};

/**
 * struct conf_pptp - the "alg.pptp" section
 * @enabled:	translate PPTP Call IDs (default false: RFC 5382 REQ-6
 *		recommends ALGs off unless asked for)
 * @ports:	TCP ports of PPTP servers, host order (default 1723)
 * @max_connections, @max_connections_per_host, @max_calls_per_connection,
 * @max_calls_per_host, @max_calls_per_server: limits (defaults 1024, 16,
 * 16, 64, 1024)
 */
struct conf_pptp {
	bool enabled;
	uint16_t ports[CONF_ALG_PORTS_MAX];
	unsigned nports;
	uint32_t max_connections;
	uint32_t max_connections_per_host;
	uint32_t max_calls_per_connection;
	uint32_t max_calls_per_host;
	uint32_t max_calls_per_server;
};

/**
 * struct config - the whole file
 * @inside, @outside:	the two devices
 * @router_addr:	inside.router-address (default 192.0.0.8, RFC 7600)
 * @proxy_arp:		outside.proxy-arp: outside.links answer ARP for the
 *			pool (default true)
 * @addrs:		nat.addresses expanded to single addresses, network order
 * @port_lo, @port_hi:	nat.ports, host order
 * @max_sessions:	nat.max-sessions
 * @tcp_est_s, @tcp_trans_s, @udp_s, @icmp_s, @gre_s, @other_s: nat.timeouts,
 *			seconds
 * @filtering:		nat.filtering, per enum conf_l4
 * @allow_short_timeouts: nat.allow-short-timeouts: timeouts and the port
 *			hold-down may go down to 1 s
 * @inbound_refresh:	nat.inbound-refresh: inbound UDP refreshes sessions
 * @port_holddown_s:	nat.port-holddown, seconds
 * @port_parity:	nat.port-parity: a port that must change keeps parity
 * @max_sessions_per_host: nat.max-sessions-per-host (default 16384), 0 for
 *			no limit
 * @icmp_on_failure:	nat.icmp-on-failure
 * @unsolicited_syn:	nat.unsolicited-syn
 * @exempt:		nat.exempt, @nexempt prefixes
 * @inside_prefixes:	nat.inside-prefixes, @ninside_prefixes; none: any
 * @tcp_mss_clamp:	nat.tcp-mss-clamp: -1 auto, 0 off, else the MSS
 * @forwards:		forwards, @nforwards of them, in file order
 * @pptp:		alg.pptp
 * @offload:		"auto" (true): negotiate TUN offloads; "off" (false)
 * @workers:		worker threads; 0 for "auto" (one per online CPU)
 * @steering:		"auto" (true): with several workers, load a BPF
 *			steering program if the kernel allows; "off" (false)
 * @fair_queues:	queues of each device per worker, chosen by source
 *			address and read in turn (1: one queue per worker)
 * @nice:		the threads' nice value, set before privileges drop
 * @io_uring:		"auto" (true): read and write the devices through
 *			io_uring if the kernel allows; "off" (false)
 * @user:		account to run as after setup
 * @control:		the control socket is served ("control: off": not)
 * @control_socket:	control.socket, an absolute path
 * @control_group:	control.group, a name or gid; "" for the user's
 *			own group
 * @log_level:		log.level
 * @log_target:		log.target
 * @log_mappings:	log.mappings: log each mapping made and freed
 * @log_destinations:	log.destinations: with it, each session too, and
 *			the remote endpoints (RFC 6888 REQ-12)
 * @log_mappings_file:	log.mappings-file; "" for the log
 */
struct config {
	struct conf_dev inside, outside;
	uint32_t router_addr;
	bool proxy_arp;
	uint32_t addrs[CONF_POOL_MAX];
	unsigned naddrs;
	uint16_t port_lo, port_hi;
	uint32_t max_sessions;
	uint32_t tcp_est_s, tcp_trans_s, tcp_open_s, tcp_close_s;
	uint32_t udp_s, icmp_s, gre_s, other_s;
	enum conf_filter filtering[CONF_L4_N];
	bool allow_short_timeouts;
	bool inbound_refresh;
	uint32_t port_holddown_s;
	bool port_parity;
	uint32_t max_sessions_per_host;
	bool icmp_on_failure;
	enum conf_syn unsolicited_syn;
	struct conf_prefix exempt[CONF_PREFIXES_MAX];
	unsigned nexempt;
	struct conf_prefix inside_prefixes[CONF_PREFIXES_MAX];
	unsigned ninside_prefixes;
	int tcp_mss_clamp;
	struct conf_forward forwards[CONF_FORWARDS_MAX];
	unsigned nforwards;
	struct conf_pptp pptp;
	bool offload;
	uint32_t workers;
	bool steering;
	uint32_t fair_queues;
	int nice;
	bool io_uring;
	char user[256];
	bool control;
	char control_socket[CONF_SOCKET_MAX];
	char control_group[256];
	enum log_level log_level;
	enum log_target log_target;
	bool log_mappings;
	bool log_destinations;
	char log_mappings_file[CONF_PATH_MAX];
};

/* The private half of a row of the table: how conf/ reads and prints it. */
struct conf_spec;

/**
 * struct conf_key - one key of tunnat.yaml(5), as conf_keys() lists it
 * @name:	dotted path, "nat.timeouts.udp"; a field of every entry of a
 *		sequence of mappings is named after the sequence, as
 *		"forwards.protocol" (then @field is set)
 * @type:	what the value is, in words ("seconds", "boolean", ...)
 * @def:	the default, as conf_print() writes it; "" if the key has
 *		no value unless given; NULL if it must be given
 * @range:	the values accepted, in words
 * @doc:	what the key does, in one line
 * @field:	a field of each entry of a sequence, not a key of its own
 * @spec:	private to conf/
 */
struct conf_key {
	const char *name;
	const char *type;
	const char *def;
	const char *range;
	const char *doc;
	bool field;
	const struct conf_spec *spec;
};

/**
 * conf_keys() - every key of the file, in the order conf_print() writes
 * them: the one table that parsing, defaults and printing all read
 * @n:		set to the number of keys
 *
 * Return: the first of @n keys, read-only, valid for the program's life
 */
const struct conf_key *conf_keys(size_t *n);

/* conf_defaults() - fill @c with every default (no devices, empty pool) */
void conf_defaults(struct config *c);

/**
 * conf_load() - read and validate the YAML file @path into @c
 * @err:	stream that receives one line per error
 *
 * Return: 0 if @c is valid; otherwise the number of errors printed (> 0),
 * or a negative errno if the file cannot be read (also printed)
 */
int conf_load(struct config *c, const char *path, FILE *err);

/**
 * conf_load_mem() - conf_load() for @len bytes of YAML at @text
 * @name:	file name to print in error messages
 */
int conf_load_mem(struct config *c, const char *name, const char *text,
		  size_t len, FILE *err);

/**
 * conf_print() - write @c to @f as YAML that conf_load() reads back into
 * the same struct config: every key, in table order, with its value; a
 * key that has no value (netns, address) is written as a comment
 *
 * Return: 0, or a negative errno if writing failed
 */
int conf_print(FILE *f, const struct config *c);

/* conf_log_level_parse() - "error"|"warning"|"info"|"debug"; -1 otherwise */
int conf_log_level_parse(const char *s);

/* conf_log_level_str() - the name of @l */
const char *conf_log_level_str(enum log_level l);

#endif /* TN_CONF_H */
