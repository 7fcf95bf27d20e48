/* SPDX-License-Identifier: MIT */
/* engines.c - the engines of a configuration, and reloading it live
 *
 * A reload is a swap, not a patch.  The file is read and checked whole
 * into a new struct config, off to the side, with the same messages as
 * at start; any error refuses it.  Then the keys that only a restart can
 * apply (the devices, namespaces, user, offloads, the control socket,
 * and what the engine's tables were sized for) are compared, and each one
 * that changed is named in a refusal.  Only then is the engines'
 * configuration built and handed to each engine (nat_reconfigure(),
 * which keeps every session and applies new timeouts to live ones), and
 * the log settings after it.  The loop is single-threaded and this runs
 * from one of its callbacks, so the swap falls between two packet
 * batches.  If the second engine refused what the first took, the first
 * is put back.
 */

#include <sys/random.h>

#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engines.h"
#include "io/hugemem.h"
#include "io/log.h"
#include "io/loop.h"
#include "io/maplog.h"
#include "io/privs.h"

#define ICMP_ERRORS_PER_S	100
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

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
 * @c, which outlives nat_new() and nat_reconfigure() (they copy them). */
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

/**
 * engine_config() - the engine's configuration for @c
 * @fwd:	set to the forwards @nc points to (free it after use)
 *
 * Return: 0, or -ENOMEM
 */
static int engine_config(const struct engines *e, const struct config *c,
			 struct nat_config *nc, struct nat_forward **fwd)
{
	*fwd = forwards_of(c);
	if (!*fwd)
		return -ENOMEM;
	*nc = (struct nat_config){
		.addrs = c->addrs,
		.naddrs = c->naddrs,
		.port_lo = c->port_lo,
		.port_hi = c->port_hi,
		.max_sessions = c->max_sessions,
		.tcp_est_ms = c->tcp_est_s * 1000,
		.tcp_open_ms = c->tcp_open_s * 1000,
		.tcp_close_ms = c->tcp_close_s * 1000,
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
		.mtu_inside = e->mtu_in,
		.mtu_outside = e->mtu_out,
		.mss_clamp = mss_clamp_of(c, e->mtu_in, e->mtu_out),
		.forwards = *fwd,
		.nforwards = c->nforwards,
		.log_mappings = c->log_mappings,
		.log_sessions = c->log_mappings && c->log_destinations,
		.alg[NAT_ALG_PPTP] = {
			.enabled = c->pptp.enabled,
			.nports = c->pptp.nports,
			.max_connections = c->pptp.max_connections,
			.max_connections_per_host =
				c->pptp.max_connections_per_host,
			.max_calls_per_connection =
				c->pptp.max_calls_per_connection,
			.max_calls_per_host = c->pptp.max_calls_per_host,
			.max_calls_per_server = c->pptp.max_calls_per_server,
		},
		.event = loop_event_log,
		.mem_alloc = hugemem_alloc,
		.mem_free = hugemem_free,
	};
	memcpy(nc->alg[NAT_ALG_PPTP].ports, c->pptp.ports,
	       sizeof(nc->alg[NAT_ALG_PPTP].ports));
	return 0;
}

/* Apply the log settings of @c.  Return: 0, or -errno (the mapping log
 * file could not be opened: nothing changed) */
static int log_apply(const struct engines *e, const struct config *c)
{
	int rc;

	rc = maplog_set(c->log_mappings, c->log_destinations,
			c->log_mappings_file, e->uid,
			e->gid);
	if (rc)
		return rc;
	log_set_target(c->log_target);
	log_set_level(e->level >= 0 ? (enum log_level)e->level : c->log_level);
	return 0;
}

unsigned engines_workers(const struct config *c)
{
	long cpus;

	if (c->workers)
		return c->workers;
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 1)
		return 1;
	return cpus > ENGINES_MAX ? ENGINES_MAX : (unsigned)cpus;
}

int engines_start(struct engines *e)
{
	const struct config *c = e->c;
	struct nat_forward *fwd;
	struct nat_config nc;
	unsigned i;
	int rc;

	rc = log_apply(e, c);
	if (rc) {
		log_err("log.mappings-file %s: %s", c->log_mappings_file,
			strerror(-rc));
		return rc;
	}
	if (engine_config(e, c, &nc, &fwd)) {
		log_err("out of memory");
		return -ENOMEM;
	}
	rc = seed_fill(nc.seed, sizeof(nc.seed));
	if (rc) {
		log_err("cannot get random bytes: %s", strerror(-rc));
		free(fwd);
		return rc;
	}
	e->n = 0;
	if (e->workers > 1) {
		/* each worker's share of the table; its own port choices */
		nc.max_sessions = (c->max_sessions + e->workers - 1) /
				  e->workers;
		e->sh = nat_shared_new(&nc, e->workers);
		if (!e->sh) {
			rc = -errno;
			log_err("cannot create the public pool of %u workers: %s",
				e->workers, strerror(errno));
			free(fwd);
			return rc;
		}
		nc.shared = e->sh;
	}
	for (i = 0; i < (e->workers ? e->workers : 1); i++) {
		nc.worker = i;
		nc.seed[2] ^= (uint64_t)i << 32;
		e->nat[i] = nat_new(&nc);
		if (!e->nat[i])
			break;
		e->n++;
	}
	rc = -errno;
	free(fwd);
	if (e->n < (e->workers ? e->workers : 1)) {
		log_err("cannot create the NAT engine for %u sessions (%llu MiB): %s",
			nc.max_sessions,
			(unsigned long long)(nat_memory_bytes(&nc) >> 20),
			strerror(-rc));
		return rc;
	}
	if (e->n > 1)
		log_info("%u workers, each with up to %u sessions", e->n,
			 nc.max_sessions);
	log_debug("engine: %u public addresses, ports %u-%u, up to %u sessions (%llu MiB reserved)",
		  c->naddrs, c->port_lo, c->port_hi, c->max_sessions,
		  (unsigned long long)(nat_memory_bytes(&nc) >> 20));
	if (c->pptp.enabled)
		log_info("pptp: translating Call IDs on TCP port%s %u%s",
			 c->pptp.nports > 1 ? "s" : "", c->pptp.ports[0],
			 c->pptp.nports > 1 ? " and more" : "");
	if (c->log_mappings)
		log_info("logging mappings to %s",
			 *c->log_mappings_file ? c->log_mappings_file
					       : "the log");
	return 0;
}

void engines_free(struct engines *e)
{
	unsigned i;

	for (i = 0; i < e->n; i++)
		nat_free(e->nat[i]);
	e->n = 0;
	nat_shared_free(e->sh);
	e->sh = NULL;
	free(e->c);
	e->c = NULL;
}

/*
 * What a reload changes is found by key, from what conf_print() writes
 * of each configuration: every key of the table, one per line, nested by
 * two spaces a level; a key without a value as "# key: none"; forwards
 * as a block sequence, taken here as one value.
 */

#define VALUE_SHOWN	100	/* bytes of a value in a message */

/**
 * struct flat - a configuration as a list of (dotted key, value)
 * @text:	conf_print()'s output, cut in place into the names and values
 */
struct flat {
	char *text;
	size_t len;
	char **name, **value;
	size_t n;
};

static void flat_free(struct flat *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		free(f->name[i]);
	free(f->name);
	free(f->value);
	free(f->text);
}

static int flat_add(struct flat *f, const char *path, char *value)
{
	char **n = realloc(f->name, (f->n + 1) * sizeof(*n));
	char **v;

	if (!n)
		return -ENOMEM;
	f->name = n;
	v = realloc(f->value, (f->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	f->value = v;
	f->name[f->n] = strdup(path);
	if (!f->name[f->n])
		return -ENOMEM;
	f->value[f->n++] = value;
	return 0;
}

/* squeeze() - @s without its leading spaces and with one space at most
 * in a row, in place */
static void squeeze(char *s)
{
	char *w = s;
	const char *r = s;

	while (*r == ' ')
		r++;
	for (; *r; r++)
		if (*r != ' ' || (w > s && w[-1] != ' ' && w[-1] != ';'))
			*w++ = *r;
	*w = '\0';
}

/* flatten() - @c as a struct flat.  Return: 0, or -ENOMEM */
static int flatten(const struct config *c, struct flat *f)
{
	char sec[8][64], path[512], *line, *next;
	unsigned depth;
	FILE *m;

	memset(f, 0, sizeof(*f));
	m = open_memstream(&f->text, &f->len);
	if (!m)
		return -ENOMEM;
	conf_print(m, c);
	if (fclose(m))
		return -ENOMEM;
	for (line = f->text; line && *line; line = next) {
		char *k = line, *colon, *v;
		bool none;
		unsigned i;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		while (*k == ' ')
			k++;
		depth = (unsigned)(k - line) / 2;
		none = !strncmp(k, "# ", 2);
		k += none ? 2 : 0;
		colon = strchr(k, ':');
		if (*k == '#' || *k == '-' || !colon || depth >= 8)
			continue;
		*colon = '\0';
		snprintf(sec[depth], sizeof(sec[0]), "%s", k);
		path[0] = '\0';
		for (i = 0; i <= depth; i++)
			snprintf(path + strlen(path),
				 sizeof(path) - strlen(path),
				 "%s%s", i ? "." : "", sec[i]);
		v = colon + 1 + (colon[1] == ' ');
		if (none) {
			v = "none";
		} else if (!*v) {
			/* a section, or a block sequence: its lines are the
			 * value, joined with "; " */
			const char *peek = next;

			while (peek && *peek == ' ')
				peek++;
			if (!peek || *peek != '-')
				continue;
			v = next;
			while (next && (next[0] == ' ' || next[0] == '-') &&
			       strncmp(next, "  ", 2) == 0) {
				char *nl = strchr(next, '\n');

				if (!nl || (nl[1] != ' ' && nl[1] != '-')) {
					if (nl)
						*nl = '\0';
					next = nl ? nl + 1 : NULL;
					break;
				}
				*nl = ';';
				next = nl + 1;
			}
			squeeze(v);
		}
		if (flat_add(f, path, v))
			return -ENOMEM;
	}
	return 0;
}

/* The keys a reload cannot change (or those under a name ending in '.'),
 * but for the exceptions; alg.pptp's sizes only while it stays on. */
static const char *const restart_keys[] = {
	"inside.", "outside.", "nat.max-sessions", "offload", "workers",
	"steering", "fair-queues", "nice", "io-uring", "user",
	"control.", "alg.pptp.max-connections",
	"alg.pptp.max-calls-per-connection",
};
static const char *const live_keys[] = { "inside.router-address" };

static bool needs_restart(const char *key, const struct config *a,
			  const struct config *b)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(live_keys); i++)
		if (!strcmp(key, live_keys[i]))
			return false;
	if (!strncmp(key, "alg.pptp.max-", 13) &&
	    !(a->pptp.enabled && b->pptp.enabled))
		return false;	/* the engine sizes it when it turns on */
	for (i = 0; i < ARRAY_SIZE(restart_keys); i++) {
		size_t n = strlen(restart_keys[i]);

		if (restart_keys[i][n - 1] == '.' ?
		    !strncmp(key, restart_keys[i], n) :
		    !strcmp(key, restart_keys[i]))
			return true;
	}
	return false;
}

/* "value", cut to VALUE_SHOWN bytes */
static void shown(char *buf, const char *v)
{
	if (strlen(v) <= VALUE_SHOWN)
		snprintf(buf, VALUE_SHOWN + 8, "%s", v);
	else
		snprintf(buf, VALUE_SHOWN + 8, "%.*s...", VALUE_SHOWN - 3, v);
}

/**
 * changes() - write a line per key that differs between @a and @b, as
 * "key: old -> new", with @why after it for a key that needs a restart
 * @restart:	set to the number of those
 *
 * Return: the number of keys that differ, or -ENOMEM
 */
static long changes(FILE *out, const struct config *a, const struct config *b,
		    bool restart_only, unsigned *restart)
{
	struct flat fa, fb;
	long n = 0;
	size_t i, j;

	*restart = 0;
	if (flatten(a, &fa) || flatten(b, &fb)) {
		flat_free(&fa);
		return -ENOMEM;
	}
	for (i = 0; i < fb.n; i++) {
		char was[VALUE_SHOWN + 8], now[VALUE_SHOWN + 8];
		const char *old = "none";
		bool fixed;

		for (j = 0; j < fa.n; j++)
			if (!strcmp(fa.name[j], fb.name[i]))
				break;
		if (j < fa.n)
			old = fa.value[j];
		if (!strcmp(old, fb.value[i]))
			continue;
		n++;
		fixed = needs_restart(fb.name[i], a, b);
		*restart += fixed;
		if (!out || (restart_only && !fixed))
			continue;
		shown(was, old);
		shown(now, fb.value[i]);
		fprintf(out, "%s: %s -> %s%s\n", fb.name[i], was, now,
			fixed ? ": cannot change while tunnat runs; restart tunnat to apply it"
			      : "");
	}
	flat_free(&fa);
	flat_free(&fb);
	return n;
}

/* Copy each line of @text to @out after @prefix. */
static void lines_to(FILE *out, const char *prefix, const char *text)
{
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) : strlen(text);

		fprintf(out, "%s%.*s\n", prefix, (int)n, text);
		text += n + (nl ? 1 : 0);
	}
}

int engines_reload(struct engines *e, FILE *out, uint64_t now_ms)
{
	struct nat_forward *fwd = NULL, *old_fwd = NULL;
	struct nat_config nc, old_nc;
	char err[256], *errs = NULL;
	struct config *c = malloc(sizeof(*c));
	unsigned i, done = 0, restart;
	size_t errs_len = 0;
	long n;
	FILE *ef;
	int rc;

	if (!c)
		return -ENOMEM;
	ef = open_memstream(&errs, &errs_len);
	if (!ef) {
		free(c);
		return -ENOMEM;
	}
	rc = conf_load(c, e->path, ef);
	fclose(ef);
	if (rc) {
		fprintf(out, "%s: refused; the running configuration stays:\n",
			e->path);
		lines_to(out, "", errs ? errs : "");
		if (rc == -EACCES)
			fprintf(out, "%s: tunnat reads it again as user %s, who may not read it\n",
				e->path, e->c->user);
		free(errs);
		free(c);
		return rc < 0 ? rc : -EINVAL;
	}
	free(errs);
	/* first only the keys that refuse it, if any */
	n = changes(NULL, e->c, c, true, &restart);
	if (n >= 0 && restart) {
		fprintf(out, "%s: refused; the running configuration stays:\n",
			e->path);
		changes(out, e->c, c, true, &restart);
		free(c);
		return -EINVAL;
	}
	if (n < 0) {
		free(c);
		return -ENOMEM;
	}
	if (engine_config(e, c, &nc, &fwd) ||
	    engine_config(e, e->c, &old_nc, &old_fwd)) {
		rc = -ENOMEM;
		goto out;
	}
	if (e->sh) {
		/* the pool is one for all engines: set it first */
		rc = nat_shared_pool_set(e->sh, e->nat, e->n, nc.addrs,
					 nc.naddrs);
		if (rc == -ENOSPC)
			snprintf(err, sizeof(err), "reloads have used all %u public address slots: restart tunnat",
				 NAT_POOL_MAX);
		else if (rc)
			snprintf(err, sizeof(err), "out of memory");
		if (!rc)
			nat_shared_set_pptp(e->sh, c->pptp.enabled);
		nc.max_sessions = old_nc.max_sessions =
			(c->max_sessions + e->n - 1) / e->n;
	}
	for (i = 0; !rc && i < e->n; i++, done++) {
		nc.worker = i;
		rc = nat_reconfigure(e->nat[i], &nc, now_ms, err, sizeof(err));
		if (rc)
			break;
	}
	if (!rc) {
		rc = log_apply(e, c);
		if (rc)
			snprintf(err, sizeof(err), "log.mappings-file: %s",
				 strerror(-rc));
	}
	if (rc) {
		/* put back what took the new one: it took it, so it can */
		if (e->sh) {
			nat_shared_pool_set(e->sh, e->nat, e->n, old_nc.addrs,
					    old_nc.naddrs);
			nat_shared_set_pptp(e->sh, e->c->pptp.enabled);
		}
		for (i = 0; i < done; i++)
			nat_reconfigure(e->nat[i], &old_nc, now_ms, NULL, 0);
		fprintf(out, "%s: refused; the running configuration stays:\n",
			e->path);
		fprintf(out, "%s\n", err);
		rc = rc == -ENOMEM ? rc : -EINVAL;
		goto out;
	}
	if (n)
		fprintf(out, "%s: reloaded; %ld key%s changed:\n", e->path, n,
			n > 1 ? "s" : "");
	else
		fprintf(out, "%s: reloaded; nothing changed\n", e->path);
	changes(out, e->c, c, false, &restart);
	free(e->c);
	e->c = c;
	c = NULL;
out:
	free(fwd);
	free(old_fwd);
	free(c);
	return rc;
}

int engines_print(const struct engines *e, FILE *out)
{
	struct config *c = malloc(sizeof(*c));
	int rc;

	if (!c)
		return -ENOMEM;
	/* the level in force: -l overrides the file */
	*c = *e->c;
	if (e->level >= 0)
		c->log_level = (enum log_level)e->level;
	fprintf(out, "# the configuration tunnat runs with (%s)\n", e->path);
	rc = conf_print(out, c);
	free(c);
	return rc;
}
