/* SPDX-License-Identifier: MIT */
/* main.c - tunnat: command line, start-up sequence, exit status
 *
 * Start-up, in order: parse the command line; read and validate the whole
 * configuration (exit 78 on any error, before anything is touched); check
 * the links of both sides (they exist, no public address is local); open
 * and set up both TUN devices, routing each side's links into its device;
 * create the engine for their MTUs; drop every privilege; run the loop
 * until SIGTERM or SIGINT.  Exit statuses follow sysexits(3).
 */

#include <sys/random.h>

#include <arpa/inet.h>

#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "io/hugemem.h"
#include "io/log.h"
#include "io/loop.h"
#include "io/privs.h"
#include "io/tun.h"
#include "nat/nat.h"

#define EX_OK		0
#define EX_USAGE	64
#define EX_OSERR	71
#define EX_CONFIG	78

#define DEFAULT_CONFIG	SYSCONFDIR "/tunnat/tunnat.yaml"
#define ICMP_ERRORS_PER_S	100

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: tunnat [-t] [-c FILE] [-l LEVEL]\n"
		"       tunnat -V | -h\n"
		"Userspace IPv4 NAT router between two TUN devices.\n"
		"\n"
		"  -c, --config FILE      configuration file (default %s)\n"
		"  -t, --check-config     validate the configuration and exit\n"
		"  -l, --log-level LEVEL  error, warning, info or debug;\n"
		"                         overrides log.level\n"
		"  -V, --version          print the version and exit\n"
		"  -h, --help             print this help and exit\n"
		"\n"
		"See tunnat(8) and tunnat.yaml(5).\n", DEFAULT_CONFIG);
}

static int seed_fill(uint64_t *seed, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = getrandom((uint8_t *)seed + got, len - got, 0);

		if (r < 0 && errno != EINTR)
			return -errno;
		if (r > 0)
			got += (size_t)r;
	}
	return 0;
}

/* The engine's forwards for the configured ones: the from lists stay in
 * @c, which outlives nat_new() (it copies them). */
static struct nat_forward *forwards_of(const struct config *c)
{
	struct nat_forward *f = calloc(c->nforwards + 1, sizeof(*f));
	unsigned i;

	for (i = 0; f && i < c->nforwards; i++) {
		const struct conf_forward *cf = &c->forwards[i];

		f[i] = (struct nat_forward){
			.proto = cf->proto,
			.pub_addr = cf->pub_addr,
			.in_addr = cf->in_addr,
			.pub_lo = cf->pub_lo,
			.pub_hi = cf->pub_hi,
			.in_lo = cf->in_lo,
			.from = (const struct nat_prefix *)cf->from,
			.nfrom = cf->nfrom,
		};
	}
	return f;
}

static_assert(sizeof(struct conf_prefix) == sizeof(struct nat_prefix) &&
	      offsetof(struct conf_prefix, addr) ==
	      offsetof(struct nat_prefix, addr) &&
	      offsetof(struct conf_prefix, len) ==
	      offsetof(struct nat_prefix, len), "prefixes are shared as is");
static_assert((int)CONF_FILTER_APD == (int)NAT_FILTER_APD &&
	      (int)CONF_L4_N == (int)NAT_L4_N, "filtering is shared as is");

/* The MSS a SYN may announce: nat.tcp-mss-clamp, or for "auto" what the
 * smaller MTU leaves after the IPv4 and TCP headers. */
static uint16_t mss_clamp_of(const struct config *c, unsigned mtu_in,
			     unsigned mtu_out)
{
	unsigned mtu = mtu_in < mtu_out ? mtu_in : mtu_out;

	if (c->tcp_mss_clamp >= 0)
		return (uint16_t)c->tcp_mss_clamp;
	return mtu > 40 ? (uint16_t)(mtu - 40) : 0;
}

static struct nat *engine_new(const struct config *c, unsigned mtu_in,
			      unsigned mtu_out)
{
	struct nat_forward *fwd = forwards_of(c);
	struct nat_config nc = {
		.addrs = c->addrs,
		.naddrs = c->naddrs,
		.port_lo = c->port_lo,
		.port_hi = c->port_hi,
		.max_sessions = c->max_sessions,
		.tcp_est_ms = c->tcp_est_s * 1000,
		.tcp_trans_ms = c->tcp_trans_s * 1000,
		.udp_ms = c->udp_s * 1000,
		.icmp_ms = c->icmp_s * 1000,
		.gre_ms = c->gre_s * 1000,
		.other_ms = c->other_s * 1000,
		.router_addr = c->router_addr,
		.icmp_errors_per_s = ICMP_ERRORS_PER_S,
		.filtering = {
			[NAT_L4_TCP] = (enum nat_filter)c->filtering[CONF_L4_TCP],
			[NAT_L4_UDP] = (enum nat_filter)c->filtering[CONF_L4_UDP],
			[NAT_L4_ICMP] =
				(enum nat_filter)c->filtering[CONF_L4_ICMP],
		},
		.inbound_refresh = c->inbound_refresh,
		.holddown_ms = c->port_holddown_s * 1000,
		.port_parity = c->port_parity,
		.max_sessions_per_host = c->max_sessions_per_host,
		.icmp_on_failure = c->icmp_on_failure,
		.syn_reject = c->unsolicited_syn == CONF_SYN_REJECT,
		.exempt = (const struct nat_prefix *)c->exempt,
		.nexempt = c->nexempt,
		.inside_prefixes = (const struct nat_prefix *)c->inside_prefixes,
		.ninside_prefixes = c->ninside_prefixes,
		.mtu_inside = mtu_in,
		.mtu_outside = mtu_out,
		.mss_clamp = mss_clamp_of(c, mtu_in, mtu_out),
		.forwards = fwd,
		.nforwards = c->nforwards,
		.alg[NAT_ALG_PPTP] = {
			.enabled = c->pptp.enabled,
			.nports = c->pptp.nports,
			.max_connections = c->pptp.max_connections,
			.max_calls_per_connection =
				c->pptp.max_calls_per_connection,
			.max_calls_per_host = c->pptp.max_calls_per_host,
			.max_calls_per_server = c->pptp.max_calls_per_server,
		},
		.event = loop_event_log,
		.mem_alloc = hugemem_alloc,
		.mem_free = hugemem_free,
	};
	struct nat *n;
	int err;

	memcpy(nc.alg[NAT_ALG_PPTP].ports, c->pptp.ports,
	       sizeof(nc.alg[NAT_ALG_PPTP].ports));
	if (!fwd) {
		log_err("out of memory");
		return NULL;
	}
	err = seed_fill(nc.seed, sizeof(nc.seed));
	if (err) {
		log_err("cannot get random bytes: %s", strerror(-err));
		free(fwd);
		return NULL;
	}
	n = nat_new(&nc);
	free(fwd);
	if (!n)
		log_err("cannot create the NAT engine for %u sessions (%llu MiB): %s",
			c->max_sessions,
			(unsigned long long)(nat_memory_bytes(&nc) >> 20),
			strerror(errno));
	else
		log_debug("engine: %u public addresses, ports %u-%u, up to %u sessions (%llu MiB reserved)",
			  c->naddrs, c->port_lo, c->port_hi, c->max_sessions,
			  (unsigned long long)(nat_memory_bytes(&nc) >> 20));
	if (n && c->pptp.enabled)
		log_info("pptp: translating Call IDs on TCP port%s %u%s",
			 c->pptp.nports > 1 ? "s" : "", c->pptp.ports[0],
			 c->pptp.nports > 1 ? " and more" : "");
	return n;
}

/*
 * The links of side @d (inside or outside), into @ls, as links_setup()
 * takes them: the outside ones must not hold a public address, and answer
 * ARP for the pool unless outside.proxy-arp is false.
 */
static void links_of(struct links_side *ls, const struct config *c,
		     const struct conf_dev *d, const char *role)
{
	bool outside = d == &c->outside;

	*ls = (struct links_side){
		.role = role,
		.key = outside ? "outside.links" : "inside.links",
		.netns = d->netns,
		.names = (const char (*)[IFNAMSIZ])d->links,
		.n = d->nlinks,
		.pool = outside ? c->addrs : NULL,
		.npool = outside ? c->naddrs : 0,
		.proxy_arp = outside && c->proxy_arp,
	};
}

/*
 * Give both devices the same offloads, the most both accept: a superpacket
 * read from one must be writable, as it is, to the other.
 */
static int offloads_agree(struct tun *in, struct tun *out)
{
	unsigned common;
	char s[64];
	int err = 0;

	if (!in->vnet) {
		log_info("offloads: off: one packet per read and write");
		return 0;
	}
	common = tun_offload_best(in) & tun_offload_best(out);
	if (in->offload != common)
		err = tun_offload_set(in, common);
	if (!err && out->offload != common)
		err = tun_offload_set(out, common);
	if (err) {
		log_err("cannot set the same offloads on both devices: %s",
			strerror(-err));
		return err;
	}
	log_info("offloads: %s", tun_offload_str(common, s, sizeof(s)));
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 't' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = DEFAULT_CONFIG;
	struct tun inside = { .fd = -1 }, outside = { .fd = -1 };
	struct links_side links_in, links_out;
	int level = -1, opt, status = EX_OSERR;
	bool check_only = false;
	struct nat *n = NULL;
	struct config *c;
	uid_t uid;
	gid_t gid;

	while ((opt = getopt_long(argc, argv, "c:tl:Vh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 't':
			check_only = true;
			break;
		case 'l':
			level = conf_log_level_parse(optarg);
			if (level < 0) {
				fprintf(stderr, "tunnat: unknown log level \"%s\" (expected error, warning, info or debug)\n",
					optarg);
				return EX_USAGE;
			}
			break;
		case 'V':
			printf("tunnat %s\n", PACKAGE_VERSION);
			return EX_OK;
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tunnat: unexpected argument \"%s\"\n",
			argv[optind]);
		usage(stderr);
		return EX_USAGE;
	}

	c = malloc(sizeof(*c));
	if (!c) {
		fprintf(stderr, "tunnat: out of memory\n");
		return EX_OSERR;
	}
	if (conf_load(c, path, stderr)) {
		free(c);
		return EX_CONFIG;
	}
	if (privs_lookup_user(c->user, &uid, &gid)) {
		fprintf(stderr, "%s: user: no account \"%s\" on this system (a numeric uid needs none)\n",
			path, c->user);
		free(c);
		return EX_CONFIG;
	}
	if (check_only) {
		printf("%s: configuration is valid\n", path);
		free(c);
		return EX_OK;
	}
	log_set_level(level >= 0 ? (enum log_level)level : c->log_level);
	log_info("tunnat %s starting with %s", PACKAGE_VERSION, path);

	links_of(&links_in, c, &c->inside, "inside");
	links_of(&links_out, c, &c->outside, "outside");
	if (tun_links_check(&c->inside, "inside", &links_in) ||
	    tun_links_check(&c->outside, "outside", &links_out))
		goto out;
	if (tun_open(&inside, &c->inside, "inside", c->offload,
		     links_in.n ? &links_in : NULL) ||
	    tun_open(&outside, &c->outside, "outside", c->offload,
		     links_out.n ? &links_out : NULL))
		goto out;
	if (offloads_agree(&inside, &outside))
		goto out;
	n = engine_new(c, inside.mtu, outside.mtu);
	if (!n)
		goto out;
	if (privs_drop(c->user))
		goto out;
	status = loop_run(n, &inside, &outside);
out:
	tun_close(&outside);
	tun_close(&inside);
	nat_free(n);
	free(c);
	log_info("exiting with status %d", status);
	return status;
}
