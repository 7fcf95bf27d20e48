/* SPDX-License-Identifier: MIT */
/* tunnatctl.c - watch and steer a running tunnat through its control socket
 *
 * One command per run: it is checked here first (a bad option or value is
 * a usage error, exit 64, without a word to tunnat), sent as one request
 * (ctl/proto.h), and the reply is read line by line and shown as the
 * command's options ask: aligned columns, JSON, or the Prometheus text
 * format.  Sessions are shown as they arrive, so a table of a million
 * never sits in memory here either.  Exit statuses follow sysexits(3):
 * 0, 1 when tunnat refused the request, 64 usage, 69 when no tunnat
 * answers (or stops answering), 77 when the socket is not ours to use.
 */

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/export.h"
#include "ctl/json.h"
#include "ctl/proto.h"

#define EX_OK		0
#define EX_REFUSED	1
#define EX_USAGE	64
#define EX_UNAVAILABLE	69
#define EX_OSERR	71
#define EX_NOPERM	77

#define DEFAULT_SOCKET		"/run/tunnat.sock"
#define REPLY_TIMEOUT_MS	30000
#define REPLY_LINE_MAX		(1024 * 1024)
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: tunnatctl [-s PATH] COMMAND [OPTIONS]\n"
		"       tunnatctl -V | -h\n"
		"Watch and steer a running tunnat through its control socket.\n"
		"\n"
		"  -s, --socket PATH      control socket (default $TUNNAT_SOCKET,\n"
		"                         else %s)\n"
		"  -V, --version          print the version and exit\n"
		"  -h, --help             print this help and exit\n"
		"\n"
		"Commands:\n"
		"  sessions [--json] [FILTERS] [--limit N]\n"
		"                         list the sessions that match\n"
		"  stats [--json | --prometheus]\n"
		"                         every counter\n"
		"  flush [FILTERS]        end the sessions that match\n"
		"  reload                 read the configuration file again\n"
		"  config                 print the running configuration\n"
		"\n"
		"Options of the commands:\n"
		"  -p, --protocol PROTO   tcp, udp, icmp, gre or 1 to 255\n"
		"      --inside ADDR[:PORT]\n"
		"                         inside address (and port, ICMP query ID\n"
		"                         or PPTP Call ID)\n"
		"      --public ADDR[:PORT]\n"
		"                         public address (and port)\n"
		"      --remote ADDR[:PORT]\n"
		"                         remote address (and port)\n"
		"      --limit N          list at most N sessions\n"
		"      --json             print JSON\n"
		"      --prometheus       print the Prometheus text format\n"
		"\n"
		"See tunnatctl(8).\n", DEFAULT_SOCKET);
}

static void die_usage(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static void die_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("tunnatctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n(tunnatctl --help lists the commands and options)\n", stderr);
	exit(EX_USAGE);
}

/* ---- the command line ---------------------------------------------------- */

enum output { OUT_TEXT, OUT_JSON, OUT_PROM };

/* options without a short form */
enum {
	OPT_INSIDE = 256,
	OPT_PUBLIC,
	OPT_REMOTE,
	OPT_LIMIT,
	OPT_JSON,
	OPT_PROMETHEUS,
};

/* Which options each command takes. */
#define TAKES_FILTERS	0x1
#define TAKES_LIMIT	0x2
#define TAKES_JSON	0x4
#define TAKES_PROM	0x8

static const struct command {
	const char *name;
	enum ctl_cmd cmd;
	unsigned takes;
} commands[] = {
	{ "sessions", CTL_CMD_SESSIONS, TAKES_FILTERS | TAKES_LIMIT | TAKES_JSON },
	{ "stats", CTL_CMD_STATS, TAKES_JSON | TAKES_PROM },
	{ "flush", CTL_CMD_FLUSH, TAKES_FILTERS },
	{ "reload", CTL_CMD_RELOAD, 0 },
	{ "config", CTL_CMD_CONFIG, 0 },
};

/* The request as it will be sent, and how to show the reply. */
struct job {
	const struct command *c;
	char req[CTL_REQUEST_MAX];
	size_t req_len;
	enum output out;
};

static void req_add(struct job *j, const char *key, const char *value)
{
	int w = snprintf(j->req + j->req_len, sizeof(j->req) - j->req_len,
			 "%s=%s\n", key, value);

	if (w < 0 || (size_t)w >= sizeof(j->req) - j->req_len)
		die_usage("%s: value too long", key);
	j->req_len += (size_t)w;
}

static void filter_add(struct job *j, const char *key, const char *opt,
		       const char *value)
{
	uint32_t addr;
	uint16_t port;

	if (ctl_endpoint_parse(value, &addr, &port))
		die_usage("%s: \"%s\" is not ADDR or ADDR:PORT (ADDR as A.B.C.D, PORT 1 to 65535)",
			  opt, value);
	if (!addr || (strchr(value, ':') && !port))
		die_usage("%s: \"%s\" would match anything (0.0.0.0 and port 0 are not filters)",
			  opt, value);
	req_add(j, key, value);
}

static void command_parse(struct job *j, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "protocol", required_argument, NULL, 'p' },
		{ "inside", required_argument, NULL, OPT_INSIDE },
		{ "public", required_argument, NULL, OPT_PUBLIC },
		{ "remote", required_argument, NULL, OPT_REMOTE },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "prometheus", no_argument, NULL, OPT_PROMETHEUS },
		{ NULL, 0, NULL, 0 },
	};
	const struct command *c = NULL;
	char err[CTL_ERR_MAX];
	struct ctl_request r;
	unsigned need;
	uint64_t v;
	size_t i;
	int opt;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[0], commands[i].name))
			c = &commands[i];
	if (!c)
		die_usage("unknown command \"%s\"", argv[0]);
	j->c = c;
	req_add(j, "command", c->name);
	optind = 0;	/* a new argument vector: start getopt afresh */
	while ((opt = getopt_long(argc, argv, "p:", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
		case OPT_INSIDE:
		case OPT_PUBLIC:
		case OPT_REMOTE:
			need = TAKES_FILTERS;
			break;
		case OPT_LIMIT:
			need = TAKES_LIMIT;
			break;
		case OPT_JSON:
			need = TAKES_JSON;
			break;
		case OPT_PROMETHEUS:
			need = TAKES_PROM;
			break;
		default:
			die_usage("%s: bad option", c->name);
		}
		if (!(c->takes & need))
			die_usage("%s takes no option %s", c->name,
				  argv[optind - 1]);
		switch (opt) {
		case 'p':
			if (ctl_proto_parse(optarg) < 0)
				die_usage("--protocol: \"%s\" is not tcp, udp, icmp, gre or 1 to 255",
					  optarg);
			req_add(j, "protocol", optarg);
			break;
		case OPT_INSIDE:
			filter_add(j, "inside", "--inside", optarg);
			break;
		case OPT_PUBLIC:
			filter_add(j, "public", "--public", optarg);
			break;
		case OPT_REMOTE:
			filter_add(j, "remote", "--remote", optarg);
			break;
		case OPT_LIMIT:
			if (ctl_u64_parse(optarg, UINT32_MAX, &v) || !v)
				die_usage("--limit: \"%s\" is not a number from 1 to %u",
					  optarg, UINT32_MAX);
			req_add(j, "limit", optarg);
			break;
		case OPT_JSON:
			if (j->out == OUT_PROM)
				die_usage("--json and --prometheus exclude each other");
			j->out = OUT_JSON;
			break;
		case OPT_PROMETHEUS:
			if (j->out == OUT_JSON)
				die_usage("--json and --prometheus exclude each other");
			j->out = OUT_PROM;
			break;
		}
	}
	if (optind < argc)
		die_usage("%s: unexpected argument \"%s\"", c->name,
			  argv[optind]);
	if (j->req_len + 1 > sizeof(j->req))
		die_usage("request too long");
	j->req[j->req_len++] = '\n';
	/* what tunnat will check, checked here first */
	if (ctl_request_parse(&r, j->req, j->req_len, err))
		die_usage("%s", err);
}

/* ---- the connection ------------------------------------------------------ */

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if (!*path || strlen(path) >= sizeof(sa.sun_path))
		die_usage("--socket: \"%s\" is not a socket path of 1 to %zu bytes",
			  path, sizeof(sa.sun_path) - 1);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "tunnatctl: socket: %s\n", strerror(errno));
		exit(EX_OSERR);
	}
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return fd;
	err = errno;
	fprintf(stderr, "tunnatctl: cannot reach tunnat at %s: %s\n", path,
		strerror(err));
	if (err == EACCES || err == EPERM) {
		fprintf(stderr, "tunnatctl: (the socket is for tunnat's user and control.group)\n");
		exit(EX_NOPERM);
	}
	fprintf(stderr, "tunnatctl: (is tunnat running, with this control.socket? -s and TUNNAT_SOCKET choose another)\n");
	exit(EX_UNAVAILABLE);
}

static void send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = send(fd, buf, len, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			fprintf(stderr, "tunnatctl: sending the request failed: %s\n",
				strerror(errno));
			exit(EX_UNAVAILABLE);
		}
		buf += w;
		len -= (size_t)w;
	}
}

/* A buffered reader of reply lines, with a time limit per read. */
struct reader {
	int fd;
	char *buf;
	size_t len, off;
};

static void reply_lost(const char *why)
{
	fflush(stdout);
	fprintf(stderr, "tunnatctl: %s\n", why);
	exit(EX_UNAVAILABLE);
}

/* The next line, without its newline; NULL at the end of the stream. */
static char *line_read(struct reader *r)
{
	for (;;) {
		char *nl = memchr(r->buf + r->off, '\n', r->len - r->off);
		struct pollfd p = { .fd = r->fd, .events = POLLIN };
		ssize_t n;

		if (nl) {
			char *line = r->buf + r->off;

			*nl = '\0';
			r->off = (size_t)(nl - r->buf) + 1;
			return line;
		}
		if (r->off) {
			memmove(r->buf, r->buf + r->off, r->len - r->off);
			r->len -= r->off;
			r->off = 0;
		}
		if (r->len == REPLY_LINE_MAX)
			reply_lost("a reply line longer than 1 MiB");
		n = poll(&p, 1, REPLY_TIMEOUT_MS);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			reply_lost("no reply from tunnat within 30 s");
		n = read(r->fd, r->buf + r->len, REPLY_LINE_MAX - r->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			reply_lost(strerror(errno));
		if (!n) {
			if (r->len)
				reply_lost("the reply ended in the middle of a line");
			return NULL;
		}
		r->len += (size_t)n;
	}
}

/* ---- showing sessions ---------------------------------------------------- */

/* Whether endpoint @role (0 inside, 1 public, 2 remote) of @s has a port
 * worth showing: TCP and UDP all three, ICMP the query ID inside and
 * public; a call's IDs are shown on their own. */
static bool has_port(const struct ctl_session *s, int role)
{
	if (s->flags & NAT_SI_CALL)
		return false;
	if (s->proto == IPPROTO_TCP || s->proto == IPPROTO_UDP)
		return true;
	return s->proto == IPPROTO_ICMP && role < 2;
}

/* Append the decimal @v at @p; return the byte after it.  (A listing
 * of a million lines: no printf per field.) */
static char *put_u32(char *p, uint32_t v)
{
	char tmp[10];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

/* Append endpoint @role of @s: "A.B.C.D:PORT", "A.B.C.D", or with
 * @call_ids "A.B.C.D call ID" for a PPTP call; at most 26 bytes. */
static char *put_endpoint(char *p, const struct ctl_session *s, int role,
			  bool call_ids)
{
	const uint32_t addr[3] = { s->in_addr, s->pub_addr, s->rem_addr };
	const uint16_t port[3] = { s->in_port, s->pub_port, s->rem_port };
	const uint8_t *b = (const uint8_t *)&addr[role];
	int i;

	for (i = 0; i < 4; i++) {
		if (i)
			*p++ = '.';
		p = put_u32(p, b[i]);
	}
	if (has_port(s, role)) {
		*p++ = ':';
		p = put_u32(p, port[role]);
	} else if (call_ids && (s->flags & NAT_SI_CALL)) {
		p = put_str(p, " call ");
		p = put_u32(p, port[role]);
	}
	return p;
}

/* Pad the column that began at @col to @width (and one space), or put
 * one space after it if it is wider. */
static char *pad(char *p, const char *col, int width)
{
	do
		*p++ = ' ';
	while (p - col <= width);
	return p;
}

/* Right-align the decimal @v in @width. */
static char *put_u32_right(char *p, uint32_t v, int width)
{
	char tmp[12];
	int n = (int)(put_u32(tmp, v) - tmp);

	while (n < width--)
		*p++ = ' ';
	memcpy(p, tmp, (size_t)n);
	return p + n;
}

/* Endpoint columns fit "255.255.255.255 call 65535", 26 bytes. */
#define ENDPOINT_WIDTH	26
#define SESSION_HEADER \
	"PROTO INSIDE                     PUBLIC                     REMOTE                     STATE          IDLE EXPIRES  NOTE\n"

static void session_text(const struct ctl_session *s)
{
	static const char *const names[] = CTL_FLAG_NAMES;
	char line[256], pr[4], *p = line, *col;
	size_t i;
	bool note = false;

	col = p;
	p = put_str(p, ctl_proto_name(s->proto, pr));
	p = pad(p, col, 5);
	for (i = 0; i < 3; i++) {
		col = p;
		p = put_endpoint(p, s, (int)i, true);
		p = pad(p, col, ENDPOINT_WIDTH);
	}
	col = p;
	p = put_str(p, s->state);
	p = pad(p, col, 11);
	p = put_u32_right(p, s->idle_ms / 1000, 7);
	*p++ = ' ';
	p = put_u32_right(p, (uint32_t)(((uint64_t)s->expires_ms + 999) /
					 1000), 7);
	*p++ = ' ';
	*p++ = ' ';
	if (*s->alg) {
		p = put_str(p, s->alg);
		note = true;
	}
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (!(s->flags & (1u << i)))
			continue;
		if (note)
			*p++ = ' ';
		p = put_str(p, names[i]);
		note = true;
	}
	if (!note)
		p -= 2;		/* no trailing blanks */
	*p++ = '\n';
	fwrite(line, 1, (size_t)(p - line), stdout);
}

/* "A.B.C.D:PORT" or "A.B.C.D" for JSON, in @buf (32 bytes) */
static const char *endpoint_str(const struct ctl_session *s, int role,
				char buf[32])
{
	*put_endpoint(buf, s, role, false) = '\0';
	return buf;
}

static void session_json(struct json *j, const struct ctl_session *s)
{
	static const char *const names[] = CTL_FLAG_NAMES;
	char buf[32], p[4];
	size_t i;

	json_object(j);
	json_key(j, "protocol");
	json_string(j, ctl_proto_name(s->proto, p));
	json_key(j, "inside");
	json_string(j, endpoint_str(s, 0, buf));
	json_key(j, "public");
	json_string(j, endpoint_str(s, 1, buf));
	json_key(j, "remote");
	json_string(j, endpoint_str(s, 2, buf));
	if (s->flags & NAT_SI_CALL) {
		json_key(j, "inside_call_id");
		json_u64(j, s->in_port);
		json_key(j, "public_call_id");
		json_u64(j, s->pub_port);
		json_key(j, "remote_call_id");
		json_u64(j, s->rem_port);
	}
	json_key(j, "state");
	json_string(j, s->state);
	json_key(j, "idle");
	json_ms(j, s->idle_ms);
	json_key(j, "expires");
	json_ms(j, s->expires_ms);
	json_key(j, "flags");
	json_array(j);
	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (s->flags & (1u << i))
			json_string(j, names[i]);
	json_end(j);
	json_key(j, "alg");
	if (*s->alg)
		json_string(j, s->alg);
	else
		json_null(j);
	json_end(j);
}

/* Begin {"sessions": [ ... */
static void sessions_json_open(struct json *j)
{
	json_init(j, stdout, 2, 2);
	json_object(j);
	json_key(j, "sessions");
	json_array(j);
}

/* ---- the reply ----------------------------------------------------------- */

/**
 * struct reply - what has been read of a reply
 * @msgs:	its "message=" lines, shown at the end (stdout if the
 *		request was done, stderr if it was refused)
 * @stats:	its counters (stats), @nstats of @stats_cap
 */
struct reply {
	char *msgs;
	size_t msgs_len;
	FILE *mf;
	struct export_line *stats;
	size_t nstats, stats_cap;
	long err;
	bool ended, truncated, seen_truncated;
	uint64_t flushed, nsessions;
	bool seen_flushed;
};

static void bad_reply(const char *line)
{
	fflush(stdout);
	fprintf(stderr, "tunnatctl: tunnat sent a line this tunnatctl cannot read: \"%.80s\"\n",
		line);
	exit(EX_UNAVAILABLE);
}

static void stat_add(struct reply *rp, const char *line)
{
	if (rp->nstats == rp->stats_cap) {
		size_t cap = rp->stats_cap ? rp->stats_cap * 2 : 256;
		struct export_line *p = realloc(rp->stats, cap * sizeof(*p));

		if (!p) {
			fprintf(stderr, "tunnatctl: out of memory\n");
			exit(EX_OSERR);
		}
		rp->stats = p;
		rp->stats_cap = cap;
	}
	if (export_parse(line, &rp->stats[rp->nstats]))
		bad_reply(line);
	rp->nstats++;
}

/* Read the reply of @j from @fd, showing it as it comes. */
static void reply_read(struct job *j, int fd, struct reply *rp)
{
	struct reader r = { .fd = fd, .buf = malloc(REPLY_LINE_MAX) };
	bool header = false, json_open = false;
	struct json js;
	char *line;

	if (!r.buf || !(rp->mf = open_memstream(&rp->msgs, &rp->msgs_len))) {
		fprintf(stderr, "tunnatctl: out of memory\n");
		exit(EX_OSERR);
	}
	while ((line = line_read(&r))) {
		char *v = strchr(line, '=');
		uint64_t n;

		if (rp->ended) {
			if (*line)
				bad_reply(line);
			break;
		}
		if (!v)
			bad_reply(line);
		*v++ = '\0';
		if (!strcmp(line, "errno")) {
			if (ctl_u64_parse(v, 4095, &n))
				bad_reply(v);
			rp->err = (long)n;
			rp->ended = true;
		} else if (!strcmp(line, "message")) {
			fprintf(rp->mf, "%s\n", v);
		} else if (j->c->cmd == CTL_CMD_SESSIONS &&
			   !strcmp(line, "session")) {
			struct ctl_session s;

			if (ctl_session_parse(v, &s))
				bad_reply(v);
			rp->nsessions++;
			if (j->out == OUT_JSON) {
				if (!json_open)
					sessions_json_open(&js);
				json_open = true;
				session_json(&js, &s);
				continue;
			}
			if (!header) {
				fputs(SESSION_HEADER, stdout);
				header = true;
			}
			session_text(&s);
		} else if (j->c->cmd == CTL_CMD_SESSIONS &&
			   !strcmp(line, "truncated")) {
			if (strcmp(v, "0") && strcmp(v, "1"))
				bad_reply(v);
			rp->truncated = *v == '1';
			rp->seen_truncated = true;
		} else if (j->c->cmd == CTL_CMD_FLUSH &&
			   !strcmp(line, "flushed")) {
			if (ctl_u64_parse(v, UINT64_MAX, &rp->flushed))
				bad_reply(v);
			rp->seen_flushed = true;
		} else if (j->c->cmd == CTL_CMD_CONFIG &&
			   !strcmp(line, "yaml")) {
			puts(v);
		} else if (j->c->cmd == CTL_CMD_STATS) {
			v[-1] = '=';
			stat_add(rp, line);
		}
		/* other keys: from a newer tunnat; passed over */
	}
	if (!rp->ended)
		reply_lost("the connection ended before the reply did (tunnat stopped, or dropped this client)");
	if (j->c->cmd == CTL_CMD_SESSIONS && j->out == OUT_TEXT && !header &&
	    !rp->err)
		fputs(SESSION_HEADER, stdout);	/* an empty table */
	if (j->c->cmd == CTL_CMD_SESSIONS && j->out == OUT_JSON &&
	    !rp->err) {
		if (!json_open)
			sessions_json_open(&js);
		json_end(&js);
		json_key(&js, "truncated");
		json_bool(&js, rp->truncated);
		json_end(&js);
		if (json_finish(&js)) {
			fprintf(stderr, "tunnatctl: writing the output failed\n");
			exit(EX_OSERR);
		}
	}
	fclose(rp->mf);
	free(r.buf);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = getenv("TUNNAT_SOCKET");
	struct reply rp = { .err = 0 };
	struct job j = { .out = OUT_TEXT };
	size_t unknown;
	int fd, opt, rc = 0;

	if (!path || !*path)
		path = DEFAULT_SOCKET;
	while ((opt = getopt_long(argc, argv, "+s:Vh", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			path = optarg;
			break;
		case 'V':
			printf("tunnatctl %s\n", PACKAGE_VERSION);
			return EX_OK;
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind >= argc)
		die_usage("no command given");
	command_parse(&j, argc - optind, argv + optind);

	fd = connect_to(path);
	send_all(fd, j.req, j.req_len);
	reply_read(&j, fd, &rp);
	close(fd);

	if (rp.err) {
		fflush(stdout);
		fputs(rp.msgs ? rp.msgs : "", stderr);
		fprintf(stderr, "tunnatctl: %s refused: %s\n", j.c->name,
			strerror((int)rp.err));
		free(rp.msgs);
		free(rp.stats);
		return EX_REFUSED;
	}
	fputs(rp.msgs ? rp.msgs : "", stdout);
	switch (j.c->cmd) {
	case CTL_CMD_SESSIONS:
		if (!rp.seen_truncated)
			reply_lost("the reply did not say whether the list is whole");
		if (j.out == OUT_TEXT && rp.truncated)
			fprintf(stderr, "tunnatctl: more sessions match than --limit lets through\n");
		break;
	case CTL_CMD_FLUSH:
		if (!rp.seen_flushed)
			reply_lost("the reply did not say how many sessions ended");
		printf("%" PRIu64 " session%s flushed\n", rp.flushed,
		       rp.flushed == 1 ? "" : "s");
		break;
	case CTL_CMD_STATS:
		if (j.out == OUT_JSON) {
			char err[128];

			rc = export_json(stdout, rp.stats, rp.nstats, err);
			if (rc == -EINVAL)
				reply_lost(err);
		} else if (j.out == OUT_PROM) {
			rc = export_prom(stdout, rp.stats, rp.nstats, &unknown);
			if (unknown)
				fprintf(stderr, "tunnatctl: %zu counter%s unknown to this tunnatctl left out\n",
					unknown, unknown > 1 ? "s" : "");
		} else {
			rc = export_text(stdout, rp.stats, rp.nstats);
		}
		break;
	default:
		break;
	}
	free(rp.msgs);
	free(rp.stats);
	if (rc || fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "tunnatctl: writing the output failed\n");
		return EX_OSERR;
	}
	return EX_OK;
}
