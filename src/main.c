/* SPDX-License-Identifier: MIT */
/* main.c - tunnat: command line, start-up sequence, exit status
 *
 * Start-up, in order: parse the command line; read and validate the whole
 * configuration (exit 78 on any error, before anything is touched); check
 * the links of both sides (they exist, no public address is local); open
 * and set up both TUN devices, routing each side's links into its device;
 * create the engine for their MTUs; set up the loop and bind the control
 * socket (owned by the run user); drop every privilege; run the loop
 * until SIGTERM or SIGINT.  SIGHUP and tunnatctl reload read the
 * configuration again (engines.c).  Exit statuses follow sysexits(3).
 */

#include <sys/resource.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "engines.h"
#include "io/ctl.h"
#include "io/log.h"
#include "io/loop.h"
#include "io/maplog.h"
#include "io/privs.h"
#include "io/steer.h"
#include "io/tun.h"
#include "nat/nat.h"

#define EX_OK		0
#define EX_USAGE	64
#define EX_OSERR	71
#define EX_CONFIG	78

#define DEFAULT_CONFIG	SYSCONFDIR "/tunnat/tunnat.yaml"

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

/* What the loop's and the control socket's callbacks need. */
struct daemon {
	struct engines e;
	struct loop *loop;
	struct ctl *ctl;
	struct steer *steer;
};

static void drain_cb(void *arg, struct nat *n)
{
	struct daemon *d = arg;

	loop_drain(d->loop, n);
}

static void extra_cb(void *arg, struct stats_extra *x)
{
	struct daemon *d = arg;

	loop_counters(d->loop, x->write_errors, &x->gso_errors);
	loop_queue_full(d->loop, x->queue_full);
	x->log_suppressed = log_suppressed_total();
	maplog_counts(&x->maplog_lines, &x->maplog_lost);
}

static void pause_cb(void *arg, bool on)
{
	struct daemon *d = arg;

	if (on)
		loop_pause(d->loop);
	else
		loop_resume(d->loop);
}

static int reload_cb(void *arg, FILE *out)
{
	struct daemon *d = arg;
	int rc = engines_reload(&d->e, out, uv_now(loop_uv(d->loop)));

	steer_sync(d->steer);	/* the pool's slots may have changed */
	return rc;
}

static int config_cb(void *arg, FILE *out)
{
	struct daemon *d = arg;

	return engines_print(&d->e, out);
}

/* SIGHUP: reload, saying what happened in the log; reopen the mapping
 * log file, which logrotate may have moved. */
static void hup_cb(void *arg)
{
	struct daemon *d = arg;
	char *text = NULL, *line, *save;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int rc;

	if (!f) {
		log_err("SIGHUP: out of memory");
		return;
	}
	loop_pause(d->loop);
	rc = reload_cb(d, f);
	loop_resume(d->loop);
	fclose(f);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		log_msg(rc ? LVL_ERROR : LVL_INFO, "SIGHUP: %s", line);
	free(text);
	rc = maplog_reopen();
	if (rc)
		log_err("SIGHUP: cannot reopen the mapping log: %s",
			strerror(-rc));
}

/*
 * Give this thread, and so every worker it starts, nice value @nice
 * (Linux keeps one per thread, and a new thread takes its creator's).
 * Below the one it has, that needs CAP_SYS_NICE, which is dropped with the
 * others right after: without it, say so and keep the one it has.
 */
static void nice_set(int nice)
{
	int was;

	errno = 0;
	was = getpriority(PRIO_PROCESS, 0);
	if (errno)
		was = 0;
	if (was == nice)
		return;
	if (setpriority(PRIO_PROCESS, 0, nice) == 0) {
		log_info("scheduling priority: nice %d", nice);
		return;
	}
	log_info("scheduling priority: cannot set nice %d (%s%s): it stays %d",
		 nice, strerror(errno),
		 errno == EACCES || errno == EPERM ? ", needs CAP_SYS_NICE" : "",
		 was);
}

/* Set up the loop and the control socket; drop privileges; forward. */
static int run(struct daemon *d, struct tun *inside, struct tun *outside)
{
	const struct ctl_env env = {
		.engines = d->e.nat,
		.nengines = d->e.n,
		.pool_shared = d->e.n > 1,
		.arg = d,
		.pause = pause_cb,
		.drain = drain_cb,
		.extra = extra_cb,
		.reload = reload_cb,
		.config = config_cb,
	};
	const struct config *c = d->e.c;
	gid_t gid = d->e.gid;
	int status = EX_OSERR;
	int rc;

	if ((d->e.n > 1 || inside->nq > 1 || outside->nq > 1) &&
	    c->steering) {
		d->steer = steer_new(d->e.sh, inside, outside, &rc);
		if (rc && d->e.n > 1)
			log_warn("steering: no BPF program (%s): the workers hand packets on to each other",
				 strerror(-rc));
		else if (rc)
			log_info("steering: no BPF program (%s): the kernel spreads packets over the fair queues by its own flow hash",
				 strerror(-rc));
		else if (d->e.n > 1)
			log_info("steering: BPF programs put packets on their workers' queues (%u addresses by port), by source on %u fair queues each",
				 steer_slots(d->steer), inside->nq / d->e.n);
		else
			log_info("steering: a BPF program puts packets by source on %u fair queues",
				 inside->nq);
	}
	d->loop = loop_new(d->e.nat, d->e.n, d->e.sh, inside, outside,
			   c->io_uring);
	if (!d->loop)
		return EX_OSERR;
	loop_on_hup(d->loop, hup_cb, d);
	if (*c->control_group)
		privs_lookup_group(c->control_group, &gid);	/* checked */
	/* forwarding comes first: without its socket, tunnat still runs */
	if (c->control && ctl_open(&d->ctl, loop_uv(d->loop),
				   c->control_socket, d->e.uid, gid, &env))
		log_warn("running without a control socket (tunnatctl cannot reach this tunnat)");
	nice_set(c->nice);
	if (privs_drop(d->e.c->user))
		goto out;
	status = loop_run(d->loop);
out:
	ctl_close(d->ctl);
	loop_free(d->loop);
	return status;
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
	struct tun inside = { .fd = -1, .nl = -1 };
	struct tun outside = { .fd = -1, .nl = -1 };
	struct links_side links_in, links_out;
	int level = -1, opt, status = EX_OSERR;
	struct daemon d = { .e.n = 0 };
	bool check_only = false;
	struct config *c;
	gid_t gid, cgid;
	uid_t uid;

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
	if (*c->control_group && privs_lookup_group(c->control_group, &cgid)) {
		fprintf(stderr, "%s: control.group: no group \"%s\" on this system\n",
			path, c->control_group);
		free(c);
		return EX_CONFIG;
	}
	if (check_only) {
		printf("%s: configuration is valid\n", path);
		free(c);
		return EX_OK;
	}
	/* a control client that goes away must not kill tunnat */
	signal(SIGPIPE, SIG_IGN);
	d.e = (struct engines){ .path = path, .c = c, .level = level,
				.uid = uid, .gid = gid };
	log_set_level(level >= 0 ? (enum log_level)level : c->log_level);
	log_set_target(c->log_target);	/* every message, from the first */
	log_info("tunnat %s starting with %s", PACKAGE_VERSION, path);

	links_of(&links_in, c, &c->inside, "inside");
	links_of(&links_out, c, &c->outside, "outside");
	if (tun_links_check(&c->inside, "inside", &links_in) ||
	    tun_links_check(&c->outside, "outside", &links_out))
		goto out;
	d.e.workers = engines_workers(c);
	if (tun_open(&inside, &c->inside, "inside", c->offload,
		     links_in.n ? &links_in : NULL, d.e.workers,
		     c->fair_queues) ||
	    tun_open(&outside, &c->outside, "outside", c->offload,
		     links_out.n ? &links_out : NULL, d.e.workers,
		     c->fair_queues))
		goto out;
	if (offloads_agree(&inside, &outside))
		goto out;
	d.e.mtu_in = inside.mtu;
	d.e.mtu_out = outside.mtu;
	if (engines_start(&d.e))
		goto out;
	status = run(&d, &inside, &outside);
out:
	tun_close(&outside);
	tun_close(&inside);
	maplog_close();
	engines_free(&d.e);
	steer_free(d.steer);	/* after the pool whose owners it holds */
	log_info("exiting with status %d", status);
	return status;
}
