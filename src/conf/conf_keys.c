/* SPDX-License-Identifier: MIT */
/* conf_keys.c - the table of keys of tunnat.yaml(5): one row per key
 *
 * Every key of the file is one row of keys[] below: its dotted name, its
 * type, default and range in words, a line of documentation, and its
 * spec: what kind of value it is, its bounds, and where in struct config
 * it goes.  That one table drives everything else.  The walk in conf.c
 * knows the keys of a section, and which are required, from the rows
 * whose names start with the section's; conf_defaults() reads each
 * default through the same code as a value in a file; conf_print() writes
 * the rows in order; conf_keys() lists them for tunnatctl and for the
 * test that holds the manual page to them.
 *
 * A section is required if one of its keys is (a row whose default is
 * NULL).  The rows of a section's keys give the order in which messages
 * list them and conf_print() writes them.  The fields of each entry of
 * forwards are rows too, named "forwards.protocol" and so on and marked
 * as fields: they document the entries and name their keys, and the
 * forwards reader in conf_value.c reads them.
 */

#include <netinet/in.h>

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "conf_int.h"

#define STR(x)		#x
#define XSTR(x)		STR(x)
#define OFF(f)		offsetof(struct config, f)
#define SIZE(f)		sizeof(((struct config *)0)->f)
#define FOFF(f)		offsetof(struct conf_forward, f)
#define SPEC(...)	(&(const struct conf_spec){ __VA_ARGS__ })

/* Specs of the common kinds. */
#define BOOL(f)		SPEC(.kind = K_BOOL, .off = OFF(f))
#define UINT(f, l, h)	SPEC(.kind = K_UINT, .off = OFF(f), .lo = l, \
			     .hi = h, .unit = "")
#define ENUM(f, n, w)	SPEC(.kind = K_ENUM, .off = OFF(f), \
			     .size = SIZE(f), .names = n, .what = w)
#define PREFIXES(f, n, max, noun_, src)					\
	SPEC(.kind = K_PREFIXES, .off = OFF(f), .off2 = OFF(n), .hi = max, \
	     .noun = noun_, .net = true, .sources = src)

/*
 * A time in seconds, 1 to @max; below @min (if not 0) only with
 * nat.allow-short-timeouts, @min being required by @why_.
 */
#define SECONDS(f, min, why_, max)					\
	SPEC(.kind = K_UINT, .off = OFF(f), .lo = 1, .hi = max,		\
	     .rfc_min = min, .unit = " second", .why = why_)
#define SHORT_RANGE(min, max)						\
	#min " to " XSTR(max) "; 1 to " XSTR(max)			\
	" with nat.allow-short-timeouts"

/* The keys of a TUN device, @s being inside or outside, @side its role. */
#define DEV_ROWS(s, side)						\
	{ #s ".device", "device name", NULL,				\
	  "1 to 15 bytes; no \"/\", \":\" or white space; "		\
	  "not \".\" or \"..\"",						\
	  "name of the TUN device that faces " side,			\
	  .spec = SPEC(.kind = K_DEVNAME, .off = OFF(s.name)) },	\
	{ #s ".netns", "namespace name or path", "",			\
	  "a name of up to 255 letters, digits, \".\", \"_\", \"-\" "	\
	  "(/run/netns/NAME), or an absolute path",			\
	  "network namespace to put the device in; none: tunnat's own",	\
	  .spec = SPEC(.kind = K_NETNS, .off = OFF(s.netns)) },		\
	{ #s ".create", "boolean", "true", "true or false",		\
	  "create the device if missing (and remove it at exit)",	\
	  .spec = BOOL(s.create) },					\
	{ #s ".address", "IPv4 address[/length]", "",			\
	  "an address, /0 to /32 (a bare address is a /32)",		\
	  "address and prefix given to the device: the host's own",	\
	  .spec = SPEC(.kind = K_IFADDR, .off = OFF(s.address),		\
		       .off2 = OFF(s.has_address)) },			\
	{ #s ".mtu", "integer", "0", "0, or 68 to 65535",		\
	  "MTU to set on the device; 0 leaves its own",			\
	  .spec = SPEC(.kind = K_MTU, .off = OFF(s.mtu)) },		\
	{ #s ".routes", "IPv4 prefixes", "[]",				\
	  "up to " XSTR(CONF_ROUTES_MAX) " prefixes, host bits zero, "	\
	  "none twice",							\
	  "routes into the device, added in its namespace",		\
	  .spec = PREFIXES(s.routes, s.nroutes, CONF_ROUTES_MAX, "routes", \
			   NULL) },						\
	{ #s ".links", "device names", "[]",				\
	  "up to " XSTR(CONF_LINKS_MAX) " interfaces of the device's "	\
	  "namespace, none twice, not lo",				\
	  "links whose packets are routed into the device",		\
	  .spec = SPEC(.kind = K_LINKS, .off = OFF(s.links),		\
		       .off2 = OFF(s.nlinks), .hi = CONF_LINKS_MAX) }

const struct conf_name conf_log_names[] = {
	{ "error", LVL_ERROR },
	{ "warning", LVL_WARNING },
	{ "info", LVL_INFO },
	{ "debug", LVL_DEBUG },
	{ NULL, 0 },
};

const struct conf_name conf_target_names[] = {
	{ "stderr", LOG_TO_STDERR },
	{ "syslog", LOG_TO_SYSLOG },
	{ NULL, 0 },
};

const struct conf_name conf_filter_names[] = {
	{ "endpoint-independent", CONF_FILTER_EI },
	{ "address-dependent", CONF_FILTER_AD },
	{ "address-and-port-dependent", CONF_FILTER_APD },
	{ NULL, 0 },
};

/* The protocols of nat.filtering's map form, indexed by enum conf_l4. */
const struct conf_name conf_l4_names[] = {
	[CONF_L4_TCP]	= { "tcp", CONF_L4_TCP },
	[CONF_L4_UDP]	= { "udp", CONF_L4_UDP },
	[CONF_L4_ICMP]	= { "icmp", CONF_L4_ICMP },
	[CONF_L4_N]	= { NULL, 0 },
};
static_assert(ARRAY_SIZE(conf_l4_names) == CONF_L4_N + 1,
	      "every protocol of nat.filtering has a name");

/*
 * The protocols forwards knows by name, in the order messages list them
 * (IANA numbers; /etc/protocols is not read: a container may have none).
 * icmp is last: it is known, so that the refusal can name it, but it is
 * never forwarded.
 */
const struct conf_name conf_proto_names[] = {
	{ "tcp", IPPROTO_TCP },
	{ "udp", IPPROTO_UDP },
	{ "gre", IPPROTO_GRE },
	{ "esp", IPPROTO_ESP },
	{ "ah", IPPROTO_AH },
	{ "sctp", IPPROTO_SCTP },
	{ "ipip", IPPROTO_IPIP },
	{ "ipv6", IPPROTO_IPV6 },
	{ "udplite", IPPROTO_UDPLITE },
	{ "icmp", IPPROTO_ICMP },
	{ NULL, 0 },
};

static const struct conf_name syn_names[] = {
	{ "drop", CONF_SYN_DROP },
	{ "reject", CONF_SYN_REJECT },
	{ NULL, 0 },
};

static const struct conf_name offload_names[] = {
	{ "auto", true },
	{ "off", false },
	{ NULL, 0 },
};

static const struct conf_key keys[] = {
	/* inside and outside: the two TUN devices */
	DEV_ROWS(inside, "the LAN"),
	{ "inside.router-address", "IPv4 address", "192.0.0.8",
	  "one unicast address, not in nat.addresses, not inside.address",
	  "source of tunnat's ICMP messages into the LAN (RFC 7600)",
	  .spec = SPEC(.kind = K_ROUTER, .off = OFF(router_addr)) },
	DEV_ROWS(outside, "the WAN"),
	{ "outside.proxy-arp", "boolean", "true", "true or false",
	  "outside.links answer ARP for the addresses of nat.addresses",
	  .spec = BOOL(proxy_arp) },

	/* nat: the translation */
	{ "nat.addresses", "IPv4 addresses and prefixes", NULL,
	  "1 to " XSTR(CONF_POOL_MAX) " addresses, host bits zero, "
	  "no overlaps, no martians",
	  "the public address pool, paired per inside host (RFC 4787 REQ-2)",
	  .spec = SPEC(.kind = K_POOL, .off = OFF(addrs),
		       .off2 = OFF(naddrs)) },
	{ "nat.ports", "port range", "1-65535", "LO-HI or one port, 1 to 65535",
	  "TCP and UDP ports handed out on each public address "
	  "(RFC 4787 REQ-3)",
	  .spec = SPEC(.kind = K_PORTS, .off = OFF(port_lo),
		       .off2 = OFF(port_hi)) },
	{ "nat.max-sessions", "integer", "1000000",
	  "1 to " XSTR(MAX_SESSIONS_MAX), "most sessions tracked at once",
	  .spec = UINT(max_sessions, 1, MAX_SESSIONS_MAX) },
	{ "nat.timeouts.tcp-established", "seconds", "7440",
	  SHORT_RANGE(7440, TIMEOUT_MAX),
	  "idle timeout of an established TCP connection (RFC 5382 REQ-5)",
	  .spec = SECONDS(tcp_est_s, 7440, "RFC 5382 REQ-5", TIMEOUT_MAX) },
	{ "nat.timeouts.tcp-transitory", "seconds", "240",
	  "1 to " XSTR(TIMEOUT_MAX),
	  "idle timeout of a TCP connection opening or closing (RFC 7857 2.1)",
	  .spec = SECONDS(tcp_trans_s, 0, NULL, TIMEOUT_MAX) },
	{ "nat.timeouts.tcp-opening", "seconds", "240",
	  "1 to " XSTR(TIMEOUT_MAX),
	  "idle timeout of a TCP connection whose handshake is not done "
	  "(RFC 7857 2.1); default: nat.timeouts.tcp-transitory",
	  .spec = SECONDS(tcp_open_s, 0, NULL, TIMEOUT_MAX) },
	{ "nat.timeouts.tcp-closing", "seconds", "240",
	  "1 to " XSTR(TIMEOUT_MAX),
	  "idle timeout of a TCP connection closed by FIN both ways or a "
	  "RST (RFC 7857 2.1, 2.2); default: nat.timeouts.tcp-transitory",
	  .spec = SECONDS(tcp_close_s, 0, NULL, TIMEOUT_MAX) },
	{ "nat.timeouts.udp", "seconds", "300", SHORT_RANGE(120, TIMEOUT_MAX),
	  "idle timeout of a UDP session (RFC 4787 REQ-5)",
	  .spec = SECONDS(udp_s, 120, "RFC 4787 REQ-5", TIMEOUT_MAX) },
	{ "nat.timeouts.icmp", "seconds", "60", SHORT_RANGE(60, TIMEOUT_MAX),
	  "idle timeout of an ICMP query session (RFC 5508 REQ-2)",
	  .spec = SECONDS(icmp_s, 60, "RFC 5508 REQ-2", TIMEOUT_MAX) },
	{ "nat.timeouts.gre", "seconds", "300", SHORT_RANGE(60, TIMEOUT_MAX),
	  "idle timeout of a PPTP call or a GRE version 0 tunnel",
	  .spec = SECONDS(gre_s, 60, NULL, TIMEOUT_MAX) },
	{ "nat.timeouts.other", "seconds", "600", SHORT_RANGE(60, TIMEOUT_MAX),
	  "idle timeout of a session of another IP protocol, by address only",
	  .spec = SECONDS(other_s, 60, NULL, TIMEOUT_MAX) },
	{ "nat.allow-short-timeouts", "boolean", "false", "true or false",
	  "let nat.timeouts and nat.port-holddown go below the RFC minimums",
	  .spec = BOOL(allow_short_timeouts) },
	{ "nat.port-holddown", "seconds", "120",
	  SHORT_RANGE(120, HOLDDOWN_MAX),
	  "time before a freed public port goes to another inside endpoint "
	  "(RFC 6888 REQ-8)",
	  .spec = SECONDS(port_holddown_s, 120, "RFC 6888 REQ-8",
			  HOLDDOWN_MAX) },
	{ "nat.filtering",
	  "filtering behaviour, or a mapping of tcp, udp, icmp to one",
	  "endpoint-independent",
	  "endpoint-independent, address-dependent, "
	  "address-and-port-dependent",
	  "which inbound packets a mapping lets in "
	  "(RFC 4787 REQ-8, RFC 5382 REQ-3, RFC 6888 REQ-7)",
	  .spec = SPEC(.kind = K_FILTERING, .off = OFF(filtering)) },
	{ "nat.inbound-refresh", "boolean", "false", "true or false",
	  "inbound UDP refreshes a session, as outbound does (RFC 4787 REQ-6)",
	  .spec = BOOL(inbound_refresh) },
	{ "nat.port-parity", "boolean", "true", "true or false",
	  "a public port that cannot be the inside one keeps its parity "
	  "(RFC 4787 REQ-4)",
	  .spec = BOOL(port_parity) },
	{ "nat.max-sessions-per-host", "integer", "16384",
	  "0 to " XSTR(MAX_SESSIONS_MAX) ", at most nat.max-sessions",
	  "most sessions of one inside host; 0: no limit (RFC 6888 REQ-4)",
	  .spec = UINT(max_sessions_per_host, 0, MAX_SESSIONS_MAX) },
	{ "nat.icmp-on-failure", "boolean", "true", "true or false",
	  "answer a packet that gets no session with ICMP unreachable, "
	  "code 13 (RFC 5508 REQ-8)",
	  .spec = BOOL(icmp_on_failure) },
	{ "nat.unsolicited-syn", "keyword", "drop", "drop or reject",
	  "fate of an unsolicited inbound SYN held 6 s (RFC 5382 REQ-4)",
	  .spec = ENUM(unsolicited_syn, syn_names, NULL) },
	{ "nat.exempt", "IPv4 prefixes", "[]",
	  "up to " XSTR(CONF_PREFIXES_MAX) " prefixes, host bits zero, "
	  "none twice, none overlapping nat.addresses",
	  "destinations reached untranslated, both ways (RFC 6888 REQ-6)",
	  .spec = PREFIXES(exempt, nexempt, CONF_PREFIXES_MAX, "prefixes",
			   NULL) },
	{ "nat.inside-prefixes", "IPv4 prefixes", "[]",
	  "up to " XSTR(CONF_PREFIXES_MAX) " prefixes, host bits zero, "
	  "none twice, none overlapping nat.addresses, none martian",
	  "the only inside sources translated, others dropped; none: any",
	  .spec = PREFIXES(inside_prefixes, ninside_prefixes,
			   CONF_PREFIXES_MAX, "prefixes", "an inside source") },
	{ "nat.tcp-mss-clamp", "auto, off or integer", "auto",
	  "auto, off, or " XSTR(MSS_MIN) " to " XSTR(MSS_MAX),
	  "the most MSS a TCP SYN may carry; auto: what the devices' MTU fits",
	  .spec = SPEC(.kind = K_MSS, .off = OFF(tcp_mss_clamp),
		       .lo = MSS_MIN, .hi = MSS_MAX) },

	/* forwards: static mappings, and the fields of each */
	{ "forwards", "sequence of forwards", "[]",
	  "up to " XSTR(CONF_FORWARDS_MAX) " entries, none overlapping another",
	  "static mappings: what comes to a public end goes to an inside one",
	  .spec = SPEC(.kind = K_FORWARDS, .off = OFF(forwards),
		       .off2 = OFF(nforwards)) },
	{ "forwards.protocol", "protocol name or number", NULL,
	  "tcp, udp, gre, esp, ah, sctp, ipip, ipv6, udplite, "
	  "or 1 to 255 but not icmp (1)",
	  "the IP protocol forwarded",
	  .field = true, .spec = SPEC(.kind = K_PROTO, .off = FOFF(proto)) },
	{ "forwards.public", "ADDR[:PORT[-PORT]]", NULL,
	  "an address of nat.addresses; ports 1 to 65535, "
	  "for tcp and udp only",
	  "the public end: an address of the pool, and ports for tcp and udp",
	  .field = true,
	  .spec = SPEC(.kind = K_ENDPOINT, .off = FOFF(pub_addr)) },
	{ "forwards.inside", "ADDR[:PORT[-PORT]]", NULL,
	  "a unicast address, not in nat.addresses, not "
	  "inside.router-address, in nat.inside-prefixes if set; "
	  "as many ports as public",
	  "the inside end: the host, and its ports for tcp and udp",
	  .field = true,
	  .spec = SPEC(.kind = K_ENDPOINT, .off = FOFF(in_addr)) },
	{ "forwards.from", "IPv4 prefixes", "[]",
	  "up to " XSTR(CONF_FROM_MAX) " prefixes, host bits zero, "
	  "none twice, none martian",
	  "the remote sources that may use the forward; none: any",
	  .field = true,
	  .spec = SPEC(.kind = K_PREFIXES, .off = FOFF(from),
		       .off2 = FOFF(nfrom), .hi = CONF_FROM_MAX,
		       .noun = "prefixes", .net = true,
		       .sources = "a remote source") },

	/* alg: application layer gateways */
	{ "alg.pptp.enabled", "boolean", "false", "true or false",
	  "translate PPTP Call IDs; off by default (RFC 5382 REQ-6)",
	  .spec = SPEC(.kind = K_BOOL, .off = OFF(pptp.enabled)) },
	{ "alg.pptp.ports", "TCP ports", "[1723]",
	  "1 to " XSTR(CONF_ALG_PORTS_MAX) " ports, 1 to 65535, none twice",
	  "TCP ports of PPTP servers, outside or forwarded to inside",
	  .spec = SPEC(.kind = K_ALG_PORTS, .off = OFF(pptp.ports),
		       .off2 = OFF(pptp.nports)) },
	{ "alg.pptp.max-connections", "integer", "1024", "1 to 1000000",
	  "PPTP control connections watched at once",
	  .spec = UINT(pptp.max_connections, 1, 1000000) },
	{ "alg.pptp.max-connections-per-host", "integer", "16", "1 to 1000000",
	  "control connections one client host has watched at once",
	  .spec = UINT(pptp.max_connections_per_host, 1, 1000000) },
	{ "alg.pptp.max-calls-per-connection", "integer", "16", "1 to 255",
	  "calls on one control connection at once",
	  .spec = UINT(pptp.max_calls_per_connection, 1, 255) },
	{ "alg.pptp.max-calls-per-host", "integer", "64", "1 to 1000000",
	  "calls of one inside host at once, recently ended ones included",
	  .spec = UINT(pptp.max_calls_per_host, 1, 1000000) },
	{ "alg.pptp.max-calls-per-server", "integer", "1024", "1 to 1000000",
	  "calls to one remote host at once",
	  .spec = UINT(pptp.max_calls_per_server, 1, 1000000) },

	/* the rest */
	{ "offload", "keyword", "auto", "auto or off",
	  "agree TUN offloads with the kernel (checksums, TSO, USO)",
	  .spec = ENUM(offload, offload_names, NULL) },
	{ "workers", "auto or integer", "1", "auto, or 1 to "
	  XSTR(CONF_WORKERS_MAX),
	  "threads that forward packets, each with a queue of both devices; "
	  "auto: one per online CPU",
	  .spec = SPEC(.kind = K_AUTO_UINT, .off = OFF(workers), .lo = 1,
		       .hi = CONF_WORKERS_MAX) },
	{ "steering", "keyword", "auto", "auto or off",
	  "with several workers, a BPF program puts each packet on its "
	  "worker's queue (auto, where it loads), or not (off)",
	  .spec = ENUM(steering, offload_names, NULL) },
	{ "fair-queues", "integer", "4", "1 to " XSTR(CONF_FAIR_QUEUES_MAX),
	  "queues of each device per worker, read in turn; a packet's queue "
	  "is chosen by its source address, so a flood fills its own",
	  .spec = UINT(fair_queues, 1, CONF_FAIR_QUEUES_MAX) },
	{ "nice", "integer", "-10", XSTR(CONF_NICE_MIN) " to "
	  XSTR(CONF_NICE_MAX),
	  "the scheduling priority of tunnat's threads, as nice(1): below 0, "
	  "forwarding comes before ordinary processes",
	  .spec = SPEC(.kind = K_NICE, .off = OFF(nice)) },
	{ "io-uring", "keyword", "off", "auto or off",
	  "read and write the devices through io_uring, batched",
	  .spec = ENUM(io_uring, offload_names, NULL) },
	{ "user", "user name or uid", "nobody",
	  "1 to 255 letters, digits, \".\", \"_\", \"-\", not starting "
	  "with \"-\"; or a uid, 0 to 4294967294",
	  "the account tunnat runs as once its devices are set up",
	  .spec = SPEC(.kind = K_USER, .off = OFF(user)) },

	/* control: the control socket, for tunnatctl(8) */
	{ "control.enabled", "boolean", "true", "true or false",
	  "serve tunnatctl(8) on a Unix socket; \"control: off\" is short "
	  "for false",
	  .spec = BOOL(control) },
	{ "control.socket", "absolute path", "/run/tunnat.sock",
	  "an absolute path of 1 to 107 bytes",
	  "the control socket, made before privileges are dropped, owned "
	  "by user, mode 0660",
	  .spec = SPEC(.kind = K_PATH, .off = OFF(control_socket),
		       .size = SIZE(control_socket)) },
	{ "control.group", "group name or gid", "",
	  "1 to 255 letters, digits, \".\", \"_\", \"-\", not starting "
	  "with \"-\"; or a gid, 0 to 4294967294",
	  "group of the control socket, whose members may use it; none: "
	  "user's own group",
	  .spec = SPEC(.kind = K_GROUP, .off = OFF(control_group)) },

	/* log */
	{ "log.level", "keyword", "info", "error, warning, info, debug",
	  "least severe messages logged",
	  .spec = ENUM(log_level, conf_log_names, "a log level") },
	{ "log.target", "keyword", "stderr", "stderr or syslog",
	  "where messages go: standard error, or syslog(3) as daemon",
	  .spec = ENUM(log_target, conf_target_names, "a log target") },
	{ "log.mappings", "boolean", "false", "true or false",
	  "log every mapping and PPTP call made and freed "
	  "(RFC 6888 section 4)",
	  .spec = BOOL(log_mappings) },
	{ "log.destinations", "boolean", "false", "true or false",
	  "with log.mappings, log every session too, and the remote "
	  "endpoints (RFC 6888 REQ-12: not unless asked)",
	  .spec = BOOL(log_destinations) },
	{ "log.mappings-file", "absolute path", "",
	  "an absolute path of 1 to 4095 bytes",
	  "file the mapping log is appended to, reopened on SIGHUP; none: "
	  "the log",
	  .spec = SPEC(.kind = K_PATH, .off = OFF(log_mappings_file),
		       .size = SIZE(log_mappings_file)) },
};
static_assert(ARRAY_SIZE(keys) <= CONF_KEYS_MAX, "raise CONF_KEYS_MAX");
static_assert(sizeof(enum log_level) == sizeof(int) &&
	      sizeof(enum log_target) == sizeof(int) &&
	      sizeof(enum conf_syn) == sizeof(int),
	      "K_ENUM stores enums as int");

const struct conf_key *conf_keys(size_t *n)
{
	*n = ARRAY_SIZE(keys);
	return keys;
}

size_t conf_key_index(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (!strcmp(keys[i].name, name))
			return i;
	assert(!"no such key");
	return 0;
}

const char *conf_key_leaf(const struct conf_key *k)
{
	const char *dot = strrchr(k->name, '.');

	return dot ? dot + 1 : k->name;
}

/* A key that is often put in the wrong section, and where it belongs. */
static const struct {
	const char *section, *key, *home;
} misplaced[] = {
	{ "outside", "router-address", "inside" },
	{ "inside", "proxy-arp", "outside" },
	{ "", "links", "inside\" or \"outside" },
	{ "", "device", "inside\" or \"outside" },
	{ "", "addresses", "nat" },
	{ "", "ports", "nat" },
	{ "", "max-sessions", "nat" },
	{ "", "timeouts", "nat" },
	{ "", "filtering", "nat" },
	{ "", "exempt", "nat" },
	{ "", "level", "log" },
	{ "", "target", "log" },
	{ "", "mappings", "log" },
	{ "", "mappings-file", "log" },
	{ "", "socket", "control" },
	{ "", "group", "control" },
	{ "", "pptp", "alg" },
	{ "alg", "enabled", "alg.pptp" },
	{ "nat", "forwards", "" },
};

const char *conf_misplaced(const char *path, const char *key)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(misplaced); i++)
		if (!strcmp(misplaced[i].section, path) &&
		    !strcmp(misplaced[i].key, key))
			return misplaced[i].home;
	return NULL;
}

void conf_children(const char *sec, bool fields, struct conf_children *ch)
{
	size_t i, plen = strlen(sec);

	ch->n = 0;
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		const char *rest = keys[i].name, *dot;
		unsigned j;
		size_t len;

		if (keys[i].field != fields)
			continue;
		if (plen) {
			if (strncmp(rest, sec, plen) || rest[plen] != '.')
				continue;
			rest += plen + 1;
		}
		dot = strchr(rest, '.');
		len = dot ? (size_t)(dot - rest) : strlen(rest);
		for (j = 0; j < ch->n; j++)
			if (!strncmp(ch->names[j], rest, len) &&
			    !ch->names[j][len])
				break;
		if (j == ch->n) {
			assert(j < CHILDREN_MAX && len < CHILD_NAME_MAX);
			memcpy(ch->names[j], rest, len);
			ch->names[j][len] = '\0';
			ch->name_p[j] = ch->names[j];
			ch->row[j] = SIZE_MAX;
			ch->required[j] = false;
			ch->n++;
		}
		if (!dot)
			ch->row[j] = i;
		if (!keys[i].def)
			ch->required[j] = true;
	}
}
