/* SPDX-License-Identifier: MIT */
/* stats.c - the counters of every engine, summed, as "PATH=N" lines
 *
 * The paths, in the order they are written (tunnatctl(8) lists them with
 * their meaning):
 *   packets/DIR/PROTO, bytes/DIR/PROTO	translated, by side and class
 *   received/DIR, forwarded/DIR	every packet read; sent on
 *   hairpinned, icmp_errors_sent, echo_replies, exempted,
 *   fragments_held, fragments_made, mss_clamped
 *   drops/REASON			every reason the engine has
 *   sessions/active, sessions/created, sessions/expired	sums of:
 *   sessions/PROTO/active, .../created, .../expired
 *   sessions/records, sessions/resting_calls
 *   mappings/active, mappings/created
 *   ports/ADDR/active, ports/ADDR/SPACE/used, ports/ADDR/SPACE/total
 *   alg/NAME/calls, .../id_collisions, .../resets, .../server_refused
 *   write_errors/DEVICE, queue_full/DEVICE, gso_errors
 *   log/suppressed, log/mappings, log/mappings_lost
 *   control/clients, control/requests, control/dropped
 * DIR is outbound or inbound, PROTO tcp, udp, icmp, gre or other, SPACE
 * tcp, udp or icmp (identifiers).
 */

#include <assert.h>
#include <inttypes.h>

#include "proto.h"
#include "stats.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const char *const dir_names[DIR_N] = {
	[DIR_OUT] = "outbound",
	[DIR_IN] = "inbound",
};

static const char *const device_names[DIR_N] = {
	[DIR_OUT] = "inside",
	[DIR_IN] = "outside",
};

/* nat_port_use's port spaces, in its order */
static const char *const space_names[] = { "tcp", "udp", "icmp" };
static_assert(ARRAY_SIZE(space_names) ==
	      ARRAY_SIZE(((struct nat_port_use *)0)->used),
	      "a name for every port space");

const char *stats_dir_name(enum pkt_dir d)
{
	return dir_names[d];
}

void stats_add(struct nat_stats *a, const struct nat_stats *b)
{
	unsigned i, d;

	for (d = 0; d < DIR_N; d++) {
		a->rx[d] += b->rx[d];
		a->forwarded[d] += b->forwarded[d];
	}
	a->hairpinned += b->hairpinned;
	a->icmp_errors += b->icmp_errors;
	a->echo_answered += b->echo_answered;
	a->exempted += b->exempted;
	a->frags_held += b->frags_held;
	a->frags_made += b->frags_made;
	a->mss_clamped += b->mss_clamped;
	for (i = 0; i < DROP_REASON_N; i++)
		a->drops[i] += b->drops[i];
	a->sessions_created += b->sessions_created;
	a->sessions_expired += b->sessions_expired;
	a->mappings_created += b->mappings_created;
	a->sessions += b->sessions;
	a->mappings += b->mappings;
	a->resting_calls += b->resting_calls;
	for (i = 0; i < NAT_PC_N; i++) {
		struct nat_proto_stats *x = &a->proto[i];
		const struct nat_proto_stats *y = &b->proto[i];

		for (d = 0; d < DIR_N; d++) {
			x->packets[d] += y->packets[d];
			x->bytes[d] += y->bytes[d];
		}
		x->sessions_created += y->sessions_created;
		x->sessions_ended += y->sessions_ended;
		x->sessions += y->sessions;
	}
	for (i = 0; i < NAT_ALG_N; i++) {
		a->alg[i].calls += b->alg[i].calls;
		a->alg[i].id_collisions += b->alg[i].id_collisions;
		a->alg[i].resets += b->alg[i].resets;
		a->alg[i].server_refused += b->alg[i].server_refused;
	}
}

void stats_port_add(struct nat_port_use *a, const struct nat_port_use *b)
{
	size_t i;

	a->active |= b->active;
	for (i = 0; i < ARRAY_SIZE(a->used); i++) {
		a->used[i] += b->used[i];
		a->total[i] += b->total[i];
	}
}

static void put(FILE *f, const char *path, uint64_t v)
{
	fprintf(f, "%s=%" PRIu64 "\n", path, v);
}

void stats_write(FILE *f, const struct nat_stats *st,
		 const struct nat_port_use *ports, unsigned nports,
		 const struct stats_extra *x)
{
	uint64_t active = 0, created = 0, expired = 0;
	unsigned i, d, pc, sp;
	char a[16];

	for (d = 0; d < DIR_N; d++)
		for (pc = 0; pc < NAT_PC_N; pc++)
			fprintf(f, "packets/%s/%s=%" PRIu64 "\n", dir_names[d],
				nat_proto_class_name(pc),
				st->proto[pc].packets[d]);
	for (d = 0; d < DIR_N; d++)
		for (pc = 0; pc < NAT_PC_N; pc++)
			fprintf(f, "bytes/%s/%s=%" PRIu64 "\n", dir_names[d],
				nat_proto_class_name(pc),
				st->proto[pc].bytes[d]);
	for (d = 0; d < DIR_N; d++)
		fprintf(f, "received/%s=%" PRIu64 "\n", dir_names[d],
			st->rx[d]);
	for (d = 0; d < DIR_N; d++)
		fprintf(f, "forwarded/%s=%" PRIu64 "\n", dir_names[d],
			st->forwarded[d]);
	put(f, "hairpinned", st->hairpinned);
	put(f, "icmp_errors_sent", st->icmp_errors);
	put(f, "echo_replies", st->echo_answered);
	put(f, "exempted", st->exempted);
	put(f, "fragments_held", st->frags_held);
	put(f, "fragments_made", st->frags_made);
	put(f, "mss_clamped", st->mss_clamped);
	for (i = DROP_NONE + 1; i < DROP_REASON_N; i++)
		fprintf(f, "drops/%s=%" PRIu64 "\n", drop_reason_str(i),
			st->drops[i]);

	for (pc = 0; pc < NAT_PC_N; pc++) {
		active += st->proto[pc].sessions;
		created += st->proto[pc].sessions_created;
		expired += st->proto[pc].sessions_ended;
	}
	put(f, "sessions/active", active);
	put(f, "sessions/created", created);
	put(f, "sessions/expired", expired);
	for (pc = 0; pc < NAT_PC_N; pc++) {
		const char *name = nat_proto_class_name(pc);
		const struct nat_proto_stats *ps = &st->proto[pc];

		fprintf(f, "sessions/%s/active=%" PRIu32 "\n", name,
			ps->sessions);
		fprintf(f, "sessions/%s/created=%" PRIu64 "\n", name,
			ps->sessions_created);
		fprintf(f, "sessions/%s/expired=%" PRIu64 "\n", name,
			ps->sessions_ended);
	}
	put(f, "sessions/records", st->sessions);
	put(f, "sessions/resting_calls", st->resting_calls);
	put(f, "mappings/active", st->mappings);
	put(f, "mappings/created", st->mappings_created);

	for (i = 0; i < nports; i++) {
		const struct nat_port_use *u = &ports[i];

		ctl_addr_str(u->addr, a);
		fprintf(f, "ports/%s/active=%u\n", a, u->active ? 1 : 0);
		for (sp = 0; sp < ARRAY_SIZE(space_names); sp++) {
			fprintf(f, "ports/%s/%s/used=%" PRIu32 "\n", a,
				space_names[sp], u->used[sp]);
			fprintf(f, "ports/%s/%s/total=%" PRIu32 "\n", a,
				space_names[sp], u->total[sp]);
		}
	}

	for (i = NAT_ALG_NONE + 1; i < NAT_ALG_N; i++) {
		const char *name = nat_alg_name(i);
		const struct nat_alg_stats *as = &st->alg[i];

		fprintf(f, "alg/%s/calls=%" PRIu64 "\n", name, as->calls);
		fprintf(f, "alg/%s/id_collisions=%" PRIu64 "\n", name,
			as->id_collisions);
		fprintf(f, "alg/%s/resets=%" PRIu64 "\n", name, as->resets);
		fprintf(f, "alg/%s/server_refused=%" PRIu64 "\n", name,
			as->server_refused);
	}

	for (d = 0; d < DIR_N; d++)
		fprintf(f, "write_errors/%s=%" PRIu64 "\n", device_names[d],
			x->write_errors[d]);
	for (d = 0; d < DIR_N; d++)
		fprintf(f, "queue_full/%s=%" PRIu64 "\n", device_names[d],
			x->queue_full[d]);
	put(f, "gso_errors", x->gso_errors);
	put(f, "log/suppressed", x->log_suppressed);
	put(f, "log/mappings", x->maplog_lines);
	put(f, "log/mappings_lost", x->maplog_lost);
	put(f, "control/clients", x->ctl_clients);
	put(f, "control/requests", x->ctl_requests);
	put(f, "control/dropped", x->ctl_dropped);
}
