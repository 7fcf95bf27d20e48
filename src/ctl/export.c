/* SPDX-License-Identifier: MIT */
/* export.c - the counters of a stats reply as JSON, Prometheus or text
 *
 * JSON needs no table: each '/' of a path opens an object, so the JSON
 * has the same names as the reply, and a counter the daemon adds shows
 * up without a change here.  The Prometheus text format needs a name,
 * a type, labels and a help text per metric family: families[] below
 * maps path patterns ('*' takes one name, which becomes a label's value)
 * to them.  A family's samples are written together, after its # HELP
 * and # TYPE lines, as the format requires, whatever order the reply
 * has.  A path no family takes is counted and left out: the unit tests
 * check that every path the daemon writes has a family.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "json.h"
#include "proto.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define DEPTH_MAX	8	/* names in a path */
#define LABELS_MAX	2

int export_parse(const char *line, struct export_line *l)
{
	const char *eq = strchr(line, '=');
	size_t n, i;

	if (!eq)
		return -EINVAL;
	n = (size_t)(eq - line);
	if (!n || n >= sizeof(l->path) || line[0] == '/' || line[n - 1] == '/')
		return -EINVAL;
	for (i = 0; i < n; i++) {
		char c = line[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-' || c == '/') ||
		    (c == '/' && line[i + 1] == '/'))
			return -EINVAL;
	}
	memcpy(l->path, line, n);
	l->path[n] = '\0';
	return ctl_u64_parse(eq + 1, UINT64_MAX, &l->value);
}

/* Split @path (copied into @buf) at each '/'; Return: the names, or 0 if
 * there are more than DEPTH_MAX. */
static unsigned split(const char *path, char buf[EXPORT_PATH_MAX],
		      const char *names[DEPTH_MAX])
{
	unsigned n = 0;
	char *s, *save;

	strcpy(buf, path);
	for (s = strtok_r(buf, "/", &save); s; s = strtok_r(NULL, "/", &save)) {
		if (n == DEPTH_MAX)
			return 0;
		names[n++] = s;
	}
	return n;
}

/* The members of one open object, to refuse a name written twice. */
struct members {
	const char **name;
	size_t n, cap;
};

static int member_add(struct members *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (!strcmp(m->name[i], name))
			return -EEXIST;
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		const char **p = realloc(m->name, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		m->name = p;
		m->cap = cap;
	}
	m->name[m->n++] = name;
	return 0;
}

int export_json(FILE *f, const struct export_line *l, size_t n,
		char err[128])
{
	/* the names of the open objects, and the names seen in each */
	char (*bufs)[EXPORT_PATH_MAX] = calloc(n ? n : 1, sizeof(*bufs));
	struct members mem[DEPTH_MAX + 1] = { { 0 } };
	const char *open[DEPTH_MAX];
	unsigned depth = 0, i, k;
	struct json j;
	int rc = 0;
	size_t li;

	if (!bufs)
		return -ENOMEM;
	json_init(&j, f, 2, 0);
	json_object(&j);
	for (li = 0; li < n && !rc; li++) {
		const char *names[DEPTH_MAX];
		unsigned cnt = split(l[li].path, bufs[li], names), same = 0;

		if (!cnt) {
			snprintf(err, 128, "%s: too deep", l[li].path);
			rc = -EINVAL;
			break;
		}
		while (same < depth && same < cnt - 1 &&
		       !strcmp(open[same], names[same]))
			same++;
		while (depth > same) {
			json_end(&j);
			mem[depth].n = 0;
			depth--;
		}
		for (k = depth; k < cnt && !rc; k++) {
			rc = member_add(&mem[k], names[k]);
			if (rc == -EEXIST) {
				snprintf(err, 128, "%s: \"%s\" comes twice",
					 l[li].path, names[k]);
				rc = -EINVAL;
			}
			if (rc)
				break;
			json_key(&j, names[k]);
			if (k == cnt - 1) {
				json_u64(&j, l[li].value);
			} else {
				json_object(&j);
				open[depth++] = names[k];
			}
		}
	}
	if (rc == -ENOMEM)
		snprintf(err, 128, "out of memory");
	while (!rc && depth--)
		json_end(&j);
	json_end(&j);
	if (!rc)
		rc = json_finish(&j);
	for (i = 0; i <= DEPTH_MAX; i++)
		free(mem[i].name);
	free(bufs);
	return rc;
}

/**
 * struct family - one Prometheus metric family
 * @pattern:	the paths it takes: names, or '*' for any one name, whose
 *		values become @labels in order
 * @name:	the metric; NULL for a path left out on purpose (a sum of
 *		the family's own samples)
 */
struct family {
	const char *pattern;
	const char *name;
	const char *type;
	const char *labels[LABELS_MAX];
	const char *help;
};

static const struct family families[] = {
	{ "packets/*/*", "tunnat_packets_total", "counter",
	  { "direction", "protocol" },
	  "Packets translated and sent on, by the side they were read from (outbound: from inside) and protocol." },
	{ "bytes/*/*", "tunnat_bytes_total", "counter",
	  { "direction", "protocol" },
	  "Bytes (IPv4 total length) of the packets of tunnat_packets_total." },
	{ "received/*", "tunnat_received_packets_total", "counter",
	  { "direction" }, "Packets read from each side." },
	{ "forwarded/*", "tunnat_forwarded_packets_total", "counter",
	  { "direction" }, "Packets translated to the other side." },
	{ "hairpinned", "tunnat_hairpinned_packets_total", "counter", { 0 },
	  "Inside packets sent back inside through a public address." },
	{ "icmp_errors_sent", "tunnat_icmp_errors_sent_total", "counter",
	  { 0 }, "ICMP errors tunnat generated." },
	{ "echo_replies", "tunnat_echo_replies_total", "counter", { 0 },
	  "Echo requests to the router answered." },
	{ "exempted", "tunnat_exempted_packets_total", "counter", { 0 },
	  "Packets passed untranslated (nat.exempt)." },
	{ "fragments_held", "tunnat_fragments_held_total", "counter", { 0 },
	  "Later fragments held until their first fragment came." },
	{ "fragments_made", "tunnat_fragments_made_total", "counter", { 0 },
	  "Fragments made of packets too big for the next hop." },
	{ "mss_clamped", "tunnat_mss_clamped_total", "counter", { 0 },
	  "TCP SYNs whose MSS option was lowered." },
	{ "drops/*", "tunnat_drops_total", "counter", { "reason" },
	  "Packets dropped, by reason." },
	{ "sessions/active", NULL, NULL, { 0 }, NULL },
	{ "sessions/created", NULL, NULL, { 0 }, NULL },
	{ "sessions/expired", NULL, NULL, { 0 }, NULL },
	{ "sessions/*/active", "tunnat_sessions", "gauge", { "protocol" },
	  "Sessions now, by protocol." },
	{ "sessions/*/created", "tunnat_sessions_created_total", "counter",
	  { "protocol" }, "Sessions created, by protocol." },
	{ "sessions/*/expired", "tunnat_sessions_expired_total", "counter",
	  { "protocol" }, "Sessions ended (timed out, closed or flushed), by protocol." },
	{ "sessions/records", "tunnat_session_records", "gauge", { 0 },
	  "Session records in use, resting PPTP Call IDs included." },
	{ "sessions/resting_calls", "tunnat_resting_calls", "gauge", { 0 },
	  "Ended PPTP calls whose Call ID still rests." },
	{ "mappings/active", "tunnat_mappings", "gauge", { 0 },
	  "Mappings (inside endpoint to public endpoint) now." },
	{ "mappings/created", "tunnat_mappings_created_total", "counter",
	  { 0 }, "Mappings created." },
	{ "ports/*/active", "tunnat_pool_address_active", "gauge",
	  { "address" },
	  "1 for a public address of the pool, 0 for one a reload removed that mappings still use." },
	{ "ports/*/*/used", "tunnat_ports_used", "gauge",
	  { "address", "protocol" },
	  "Public ports (ICMP: identifiers) taken, resting ones included." },
	{ "ports/*/*/total", "tunnat_ports_capacity", "gauge",
	  { "address", "protocol" },
	  "Public ports (ICMP: identifiers) of the configured range." },
	{ "alg/*/calls", "tunnat_alg_calls_total", "counter", { "alg" },
	  "Calls whose identifier an ALG translated." },
	{ "alg/*/id_collisions", "tunnat_alg_id_collisions_total", "counter",
	  { "alg" }, "Calls whose identifier was taken, so it was changed." },
	{ "alg/*/resets", "tunnat_alg_resets_total", "counter", { "alg" },
	  "Control connections an ALG reset." },
	{ "alg/*/server_refused", "tunnat_alg_server_refused_total",
	  "counter", { "alg" },
	  "Control connections a server refused (PPTP: one per peer address)." },
	{ "write_errors/*", "tunnat_write_errors_total", "counter",
	  { "device" }, "Packets lost to failed writes, by device written." },
	{ "queue_full/*", "tunnat_queue_full_total", "counter",
	  { "device" },
	  "Packets the kernel dropped because tunnat's queues of a device were full." },
	{ "gso_errors", "tunnat_gso_errors_total", "counter", { 0 },
	  "Superpackets that could not be cut for a device without offloads." },
	{ "log/suppressed", "tunnat_log_suppressed_total", "counter", { 0 },
	  "Log messages suppressed by rate limits." },
	{ "log/mappings", "tunnat_mapping_log_lines_total", "counter", { 0 },
	  "Lines written to the mapping log." },
	{ "log/mappings_lost", "tunnat_mapping_log_lost_total", "counter",
	  { 0 }, "Lines of the mapping log that could not be written." },
	{ "control/clients", "tunnat_control_clients", "gauge", { 0 },
	  "Clients connected to the control socket." },
	{ "control/requests", "tunnat_control_requests_total", "counter",
	  { 0 }, "Control requests answered." },
	{ "control/dropped", "tunnat_control_clients_dropped_total",
	  "counter", { 0 },
	  "Control clients dropped: silent, not reading, or too many." },
};

/* Whether @path is one of @fam's; its '*' names go to @vals. */
static bool family_match(const struct family *fam, const char *path,
			 const char *vals[LABELS_MAX],
			 char buf[EXPORT_PATH_MAX])
{
	const char *pn[DEPTH_MAX], *pp[DEPTH_MAX];
	char pbuf[EXPORT_PATH_MAX];
	unsigned n = split(path, buf, pn), m, i, v = 0;

	m = split(fam->pattern, pbuf, pp);
	if (!n || n != m)
		return false;
	for (i = 0; i < n; i++) {
		if (!strcmp(pp[i], "*")) {
			if (v < LABELS_MAX)
				vals[v++] = pn[i];
		} else if (strcmp(pp[i], pn[i])) {
			return false;
		}
	}
	return true;
}

const char *export_prom_family(const char *path)
{
	const char *vals[LABELS_MAX];
	char buf[EXPORT_PATH_MAX];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(families); i++)
		if (family_match(&families[i], path, vals, buf))
			return families[i].name ? families[i].name : "";
	return NULL;
}

/* @s with '\', '"' (if @quote) and newlines escaped */
static void prom_escape(FILE *f, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (quote && *s == '"')
			fputs("\\\"", f);
		else
			fputc(*s, f);
	}
}

int export_prom(FILE *f, const struct export_line *l, size_t n,
		size_t *unknown)
{
	size_t fi, li;

	*unknown = 0;
	for (li = 0; li < n; li++)
		if (!export_prom_family(l[li].path))
			(*unknown)++;
	for (fi = 0; fi < ARRAY_SIZE(families); fi++) {
		const struct family *fam = &families[fi];
		bool head = false;

		if (!fam->name)
			continue;
		for (li = 0; li < n; li++) {
			const char *vals[LABELS_MAX];
			char buf[EXPORT_PATH_MAX];
			unsigned k;

			if (!family_match(fam, l[li].path, vals, buf) ||
			    strcmp(export_prom_family(l[li].path), fam->name))
				continue;
			if (!head) {
				fprintf(f, "# HELP %s ", fam->name);
				prom_escape(f, fam->help, false);
				fprintf(f, "\n# TYPE %s %s\n", fam->name,
					fam->type);
				head = true;
			}
			fputs(fam->name, f);
			for (k = 0; k < LABELS_MAX && fam->labels[k]; k++) {
				fprintf(f, "%c%s=\"", k ? ',' : '{',
					fam->labels[k]);
				prom_escape(f, vals[k], true);
				fputc('"', f);
			}
			fprintf(f, "%s %" PRIu64 "\n", k ? "}" : "",
				l[li].value);
		}
	}
	if (fflush(f) || ferror(f))
		return -EIO;
	return 0;
}

int export_text(FILE *f, const struct export_line *l, size_t n)
{
	size_t i, w = 0;

	for (i = 0; i < n; i++)
		if (strlen(l[i].path) > w)
			w = strlen(l[i].path);
	for (i = 0; i < n; i++)
		fprintf(f, "%-*s  %" PRIu64 "\n", (int)w, l[i].path,
			l[i].value);
	if (fflush(f) || ferror(f))
		return -EIO;
	return 0;
}
