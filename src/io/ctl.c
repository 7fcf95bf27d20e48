/* SPDX-License-Identifier: MIT */
/* ctl.c - the control socket: requests in, replies out, packets first
 *
 * Theory of operation.  The socket is a libuv pipe in the loop that
 * forwards packets, and nothing it does may hold that loop up.  Each
 * client is read into a buffer of CTL_REQUEST_MAX bytes, checked line by
 * line as it comes, and parsed when its empty line arrives
 * (ctl_request_read(), pure, which the fuzzer drives too); reading then
 * stops, so one connection carries one request.
 * A malformed request gets "message=...", "errno=N" and the connection
 * ends; a client that sends no whole request within REQUEST_TIMEOUT_MS is
 * told so and dropped.
 *
 * Short replies (stats, reload, config) are built at once.  Sessions and
 * flush walk the engines' tables with a cursor (nat_walk(), nat_flush()),
 * WALK_SLICE records at a time, from a uv_idle_t: each turn of the loop
 * gives at most TURN_BUDGET records to the clients waiting, in turn, then
 * the loop goes back to the devices.  A listing of a million sessions so
 * becomes a few hundred slices of about a millisecond between packet
 * batches.  Each engine is walked on its own, one after the other.
 *
 * Replies go out in CHUNK_SIZE chunks with uv_write().  A client whose
 * unsent bytes reach CLIENT_BUFFER_MAX is taken off the idle work until
 * its writes complete: a client that does not read costs at most that
 * much memory and no time.  One whose writes make no progress for
 * STALL_TIMEOUT_MS is dropped, and so is one whose socket fails (it went
 * away); a timer checks every TICK_MS while clients are connected.  At
 * most CLIENTS_MAX clients are served at once; one more is told so and
 * dropped.
 */

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../ctl/proto.h"
#include "ctl.h"
#include "log.h"

#define CHUNK_SIZE		(64 * 1024)
#define CLIENT_BUFFER_MAX	(256 * 1024)
#define WALK_SLICE		2048
#define TURN_BUDGET		8192
#define CLIENTS_MAX		256
#define REQUEST_TIMEOUT_MS	5000
#define STALL_TIMEOUT_MS	10000
#define TICK_MS			1000
#define BACKLOG			64

enum client_state {
	C_READING,	/* waiting for the whole request */
	C_WORKING,	/* walking: sessions or flush */
	C_DONE,		/* the reply is all queued; shutting down */
	C_CLOSING,	/* uv_close() called */
};

/* Reply bytes on their way: one uv_write() each. */
struct chunk {
	uv_write_t req;
	size_t len;
	char data[CHUNK_SIZE];
};

/**
 * struct client - one connection
 * @link, @work:	on the list of clients; on the list of clients with
 *			walking to do (@in_work)
 * @req, @req_len:	the request read so far
 * @r:			the request, parsed
 * @engine, @cursor:	where the walk is
 * @listed:		sessions listed (or ended, for flush)
 * @stop:		sessions: the limit was passed (@truncated)
 * @cur:		the chunk being filled, or NULL
 * @queued:		bytes in uv_write() and not yet written
 * @since_ms:		when it connected, then when a write last completed
 */
struct client {
	uv_pipe_t pipe;
	uv_shutdown_t shut;
	struct ctl *ctl;
	struct client *prev, *next;
	struct client *wprev, *wnext;
	bool in_work;
	enum client_state state;
	char req[CTL_REQUEST_MAX + 1];
	size_t req_len;
	struct ctl_request r;
	unsigned engine;
	uint32_t cursor;
	uint64_t listed;
	bool stop, truncated;
	struct chunk *cur;
	size_t queued;
	uint64_t since_ms;
};

/**
 * struct ctl - the server
 * @handles:	handles open (server, idle, timer, clients); the memory
 *		goes when the last closes after ctl_close()
 */
struct ctl {
	uv_loop_t *uv;
	uv_pipe_t server;
	uv_idle_t idle;
	uv_timer_t tick;
	struct ctl_env env;
	char *path;
	struct client *clients;
	struct client *work_head, *work_tail;
	unsigned nclients;
	unsigned handles;
	bool closing;
	uint64_t requests, dropped;
};

static void client_close(struct client *c);
static void idle_cb(uv_idle_t *h);

/* ---- the work list ------------------------------------------------------- */

static void work_add(struct client *c)
{
	struct ctl *ctl = c->ctl;

	if (c->in_work || c->state != C_WORKING)
		return;
	c->in_work = true;
	c->wnext = NULL;
	c->wprev = ctl->work_tail;
	if (ctl->work_tail)
		ctl->work_tail->wnext = c;
	else
		ctl->work_head = c;
	ctl->work_tail = c;
	if (!uv_is_active((uv_handle_t *)&ctl->idle))
		uv_idle_start(&ctl->idle, idle_cb);
}

static void work_del(struct client *c)
{
	struct ctl *ctl = c->ctl;

	if (!c->in_work)
		return;
	if (c->wprev)
		c->wprev->wnext = c->wnext;
	else
		ctl->work_head = c->wnext;
	if (c->wnext)
		c->wnext->wprev = c->wprev;
	else
		ctl->work_tail = c->wprev;
	c->in_work = false;
	c->wprev = c->wnext = NULL;
}

/* ---- output -------------------------------------------------------------- */

static size_t unsent(const struct client *c)
{
	return c->queued + (c->cur ? c->cur->len : 0);
}

static void write_cb(uv_write_t *req, int status)
{
	struct chunk *ch = (struct chunk *)req;
	struct client *c = req->data;

	c->queued -= ch->len;
	free(ch);
	if (status < 0) {
		/* the client went away, or we are closing it */
		client_close(c);
		return;
	}
	c->since_ms = uv_now(c->ctl->uv);
	if (c->state == C_WORKING && unsent(c) < CLIENT_BUFFER_MAX)
		work_add(c);
}

/* Hand the chunk being filled to uv_write(). */
static void out_flush(struct client *c)
{
	struct chunk *ch = c->cur;
	uv_buf_t b;
	int rc;

	if (!ch || !ch->len || c->state == C_CLOSING)
		return;
	c->cur = NULL;
	b = uv_buf_init(ch->data, (unsigned)ch->len);
	ch->req.data = c;
	rc = uv_write(&ch->req, (uv_stream_t *)&c->pipe, &b, 1, write_cb);
	if (rc) {
		free(ch);
		client_close(c);
		return;
	}
	c->queued += ch->len;
}

/* Append @len bytes; false if the client is gone (out of memory, or its
 * socket failed). */
static bool out_bytes(struct client *c, const char *data, size_t len)
{
	while (len && c->state != C_CLOSING) {
		size_t n;

		if (!c->cur) {
			c->cur = malloc(sizeof(*c->cur));
			if (!c->cur) {
				LOG_RATELIMIT(LVL_WARNING, "control: out of memory for a reply");
				client_close(c);
				return false;
			}
			c->cur->len = 0;
		}
		n = CHUNK_SIZE - c->cur->len;
		if (n > len)
			n = len;
		memcpy(c->cur->data + c->cur->len, data, n);
		c->cur->len += n;
		data += n;
		len -= n;
		if (c->cur->len == CHUNK_SIZE)
			out_flush(c);
	}
	return c->state != C_CLOSING;
}

static bool out_str(struct client *c, const char *s)
{
	return out_bytes(c, s, strlen(s));
}

static void shutdown_cb(uv_shutdown_t *req, int status)
{
	client_close(req->data);
}

/* The reply ends with the @len bytes at @tail: send them and what waits,
 * then end the connection. */
static void finish_with(struct client *c, const char *tail, size_t len)
{
	work_del(c);
	if (!out_bytes(c, tail, len))
		return;
	out_flush(c);
	if (c->state == C_CLOSING)
		return;
	c->state = C_DONE;
	c->shut.data = c;
	if (uv_shutdown(&c->shut, (uv_stream_t *)&c->pipe, shutdown_cb))
		client_close(c);
}

/* The reply is complete but for "errno=@err": send it all, then end the
 * connection. */
static void finish(struct client *c, int err)
{
	char end[CTL_END_MAX];

	finish_with(c, end, ctl_reply_end(end, err));
}

/* Each line of @text (@len bytes) as "KEY=line"; control characters
 * become '?', so that a line stays one line. */
static void out_lines(struct client *c, const char *key, char *text,
		      size_t len)
{
	char *line = text, *end = text + len;

	while (line < end && c->state != C_CLOSING) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t n = nl ? (size_t)(nl - line) : (size_t)(end - line);

		ctl_line_clean(line, n);
		out_str(c, key);
		out_bytes(c, line, n);
		out_str(c, "\n");
		line += n + 1;
	}
}

static void error_reply(struct client *c, int err, const char *msg)
{
	char reply[CTL_REFUSAL_MAX];

	finish_with(c, reply, ctl_refusal_format(reply, err, msg));
}

/* ---- requests ------------------------------------------------------------ */

static bool session_cb(void *arg, const struct nat_session_info *si)
{
	struct client *c = arg;
	char line[CTL_SESSION_MAX];
	size_t n;

	if (c->stop)
		return false;
	if (c->r.limit && c->listed == c->r.limit) {
		c->stop = true;
		c->truncated = true;
		return false;
	}
	n = ctl_session_format(line, si);
	if (out_bytes(c, line, n))
		c->listed++;
	return true;
}

/* Let the engines' threads stop (@on) or go on, if they have their own. */
static void engines_hold(const struct ctl *ctl, bool on)
{
	if (ctl->env.pause)
		ctl->env.pause(ctl->env.arg, on);
}

/* One slice of a sessions or flush request. */
static void work_step(struct client *c, unsigned budget)
{
	struct ctl *ctl = c->ctl;
	uint64_t now = uv_now(ctl->uv);
	struct nat *n;
	char line[64];
	bool done;

	if (c->engine >= ctl->env.nengines || c->stop) {
		if (c->r.cmd == CTL_CMD_SESSIONS) {
			if (!out_str(c, c->truncated ? "truncated=1\n"
						     : "truncated=0\n"))
				return;
		} else {
			snprintf(line, sizeof(line), "flushed=%" PRIu64 "\n",
				 c->listed);
			if (!out_str(c, line))
				return;
		}
		finish(c, 0);
		return;
	}
	n = ctl->env.engines[c->engine];
	engines_hold(ctl, true);
	now = uv_now(ctl->uv);	/* not before the engines' last packet */
	if (c->r.cmd == CTL_CMD_SESSIONS) {
		done = nat_walk(n, &c->cursor, budget, &c->r.match, now,
				session_cb, c);
	} else {
		done = nat_flush(n, &c->cursor, budget, &c->r.match, now,
				 &c->listed);
		ctl->env.drain(ctl->env.arg, n);
	}
	engines_hold(ctl, false);
	if (done) {
		c->engine++;
		c->cursor = 0;
	}
}

static void idle_cb(uv_idle_t *h)
{
	struct ctl *ctl = h->data;
	unsigned budget = TURN_BUDGET;

	while (budget && ctl->work_head) {
		struct client *c = ctl->work_head;

		work_del(c);
		work_step(c, WALK_SLICE);
		budget = budget > WALK_SLICE ? budget - WALK_SLICE : 0;
		if (c->state != C_WORKING)
			continue;
		out_flush(c);
		if (c->state == C_WORKING && unsent(c) < CLIENT_BUFFER_MAX)
			work_add(c);
	}
	if (!ctl->work_head)
		uv_idle_stop(h);
}

static void stats_reply(struct client *c)
{
	const struct ctl_env *env = &c->ctl->env;
	struct nat_port_use *ports = NULL, u;
	unsigned e, i, k, nports = 0;
	struct stats_extra x;
	struct nat_stats sum;
	bool held = false;
	size_t len = 0;
	char *text = NULL;
	FILE *f;

	memset(&x, 0, sizeof(x));
	memset(&sum, 0, sizeof(sum));

	engines_hold(c->ctl, true);
	held = true;
	for (e = 0; e < env->nengines; e++) {
		unsigned slots = nat_port_use(env->engines[e], 0, &u);
		struct nat_port_use *p;

		stats_add(&sum, nat_stats(env->engines[e]));
		if (e && env->pool_shared)
			continue;	/* one pool: counted once */
		p = realloc(ports, (nports + slots + 1) * sizeof(*ports));
		if (!p)
			goto nomem;
		ports = p;
		for (i = 0; i < slots; i++) {
			nat_port_use(env->engines[e], i, &u);
			for (k = 0; k < nports; k++)
				if (ports[k].addr == u.addr)
					break;
			if (k == nports)
				ports[nports++] = u;
			else
				stats_port_add(&ports[k], &u);
		}
	}
	env->extra(env->arg, &x);
	engines_hold(c->ctl, false);
	held = false;
	ctl_counts(c->ctl, &x.ctl_clients, &x.ctl_requests, &x.ctl_dropped);
	f = open_memstream(&text, &len);
	if (!f)
		goto nomem;
	stats_write(f, &sum, ports, nports, &x);
	if (fclose(f))
		goto nomem;
	free(ports);
	out_bytes(c, text, len);
	free(text);
	finish(c, 0);
	return;
nomem:
	if (held)
		engines_hold(c->ctl, false);
	free(ports);
	free(text);
	error_reply(c, ENOMEM, "out of memory");
}

/* Reply with what @fn writes, each line as "KEY=line". */
static void text_reply(struct client *c, const char *key,
		       int (*fn)(void *arg, FILE *out))
{
	size_t len = 0;
	char *text = NULL;
	FILE *f = open_memstream(&text, &len);
	int rc;

	if (!f) {
		error_reply(c, ENOMEM, "out of memory");
		return;
	}
	engines_hold(c->ctl, true);
	rc = fn(c->ctl->env.arg, f);
	engines_hold(c->ctl, false);
	if (fclose(f)) {
		free(text);
		error_reply(c, ENOMEM, "out of memory");
		return;
	}
	out_lines(c, key, text, len);
	free(text);
	finish(c, rc < 0 ? -rc : 0);
}

/* Run the request parsed into @c->r. */
static void request_run(struct client *c)
{
	switch (c->r.cmd) {
	case CTL_CMD_SESSIONS:
	case CTL_CMD_FLUSH:
		c->state = C_WORKING;
		work_add(c);
		break;
	case CTL_CMD_STATS:
		stats_reply(c);
		break;
	case CTL_CMD_RELOAD:
		text_reply(c, "message=", c->ctl->env.reload);
		break;
	case CTL_CMD_CONFIG:
		text_reply(c, "yaml=", c->ctl->env.config);
		break;
	case CTL_CMD_NONE:
	case CTL_CMD_N:
		error_reply(c, EINVAL, "no command");
		break;
	}
}

/* ---- connections --------------------------------------------------------- */

static void handle_closed(struct ctl *ctl)
{
	if (!--ctl->handles && ctl->closing) {
		free(ctl->path);
		free(ctl);
	}
}

static void client_close_cb(uv_handle_t *h)
{
	struct client *c = h->data;
	struct ctl *ctl = c->ctl;

	free(c->cur);
	free(c);
	handle_closed(ctl);
}

static void client_close(struct client *c)
{
	struct ctl *ctl = c->ctl;

	if (c->state == C_CLOSING)
		return;
	work_del(c);
	if (c->prev)
		c->prev->next = c->next;
	else
		ctl->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	ctl->nclients--;
	c->state = C_CLOSING;
	uv_close((uv_handle_t *)&c->pipe, client_close_cb);
	if (!ctl->nclients && !ctl->closing)
		uv_timer_stop(&ctl->tick);
}

static void alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct client *c = h->data;

	*buf = uv_buf_init(c->req + c->req_len,
			   (unsigned)(sizeof(c->req) - c->req_len));
}

static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct client *c = s->data;
	char reply[CTL_REFUSAL_MAX];
	size_t reply_len = 0;
	enum ctl_read rd;

	if (c->state != C_READING)
		return;
	if (nread < 0 && nread != UV_EOF) {
		client_close(c);
		return;
	}
	if (nread > 0)
		c->req_len += (size_t)nread;
	rd = ctl_request_read(c->req, c->req_len, nread == UV_EOF, &c->r,
			      reply, &reply_len);
	if (rd == CTL_READ_MORE)
		return;
	uv_read_stop(s);
	switch (rd) {
	case CTL_READ_MORE:
		break;
	case CTL_READ_CLOSED:
		client_close(c);
		break;
	case CTL_READ_REQUEST:
	case CTL_READ_BAD:
		c->ctl->requests++;
		c->since_ms = uv_now(c->ctl->uv);
		if (rd == CTL_READ_REQUEST)
			request_run(c);
		else
			finish_with(c, reply, reply_len);
		break;
	case CTL_READ_REFUSED:
		finish_with(c, reply, reply_len);
		break;
	}
}

static void tick_cb(uv_timer_t *h)
{
	struct ctl *ctl = h->data;
	uint64_t now = uv_now(ctl->uv);
	struct client *c, *next;

	for (c = ctl->clients; c; c = next) {
		next = c->next;
		if (c->state == C_READING &&
		    now - c->since_ms >= REQUEST_TIMEOUT_MS) {
			uv_read_stop((uv_stream_t *)&c->pipe);
			ctl->dropped++;
			error_reply(c, ETIMEDOUT, "no whole request within 5 s");
		} else if (c->state != C_READING && unsent(c) &&
			   now - c->since_ms >= STALL_TIMEOUT_MS) {
			ctl->dropped++;
			LOG_RATELIMIT(LVL_INFO, "control: dropped a client that read nothing of its reply for %u s (%zu bytes waiting)",
				      STALL_TIMEOUT_MS / 1000, unsent(c));
			client_close(c);
		}
	}
}

static void connection_cb(uv_stream_t *server, int status)
{
	static const char busy[] =
		"message=too many control clients; try again\nerrno=16\n\n";
	struct ctl *ctl = server->data;
	struct client *c;
	uv_buf_t b;

	if (status < 0) {
		LOG_RATELIMIT(LVL_WARNING, "control: accept failed: %s",
			      uv_strerror(status));
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c || uv_pipe_init(ctl->uv, &c->pipe, 0)) {
		free(c);
		LOG_RATELIMIT(LVL_WARNING, "control: out of memory for a client");
		return;
	}
	c->pipe.data = c;
	c->ctl = ctl;
	c->state = C_READING;
	c->since_ms = uv_now(ctl->uv);
	ctl->handles++;
	ctl->nclients++;
	c->next = ctl->clients;
	if (c->next)
		c->next->prev = c;
	ctl->clients = c;
	if (uv_accept(server, (uv_stream_t *)&c->pipe)) {
		client_close(c);
		return;
	}
	if (ctl->nclients > CLIENTS_MAX) {
		b = uv_buf_init((char *)busy, sizeof(busy) - 1);
		uv_try_write((uv_stream_t *)&c->pipe, &b, 1);
		ctl->dropped++;
		LOG_RATELIMIT(LVL_WARNING, "control: more than %u clients: refused one",
			      CLIENTS_MAX);
		client_close(c);
		return;
	}
	if (uv_read_start((uv_stream_t *)&c->pipe, alloc_cb, read_cb)) {
		client_close(c);
		return;
	}
	if (!uv_is_active((uv_handle_t *)&ctl->tick))
		uv_timer_start(&ctl->tick, tick_cb, TICK_MS, TICK_MS);
}

/* ---- the socket ---------------------------------------------------------- */

/**
 * stale_remove() - make way for the socket at @path
 *
 * Return: 0 if nothing is there or a socket nobody serves was removed;
 * -EADDRINUSE if a process serves it; -EEXIST if it is not a socket; or
 * another negative errno (all logged)
 */
static int stale_remove(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, rc;

	if (lstat(path, &st)) {
		if (errno == ENOENT)
			return 0;
		rc = -errno;
		log_warn("control socket %s: %s", path, strerror(errno));
		return rc;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_warn("control socket %s: the file exists and is not a socket: remove it or choose another control.socket",
			path);
		return -EEXIST;
	}
	/* non-blocking: a server whose queue is full is not waited for */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		rc = -errno;
		log_warn("control socket: socket(): %s", strerror(errno));
		return rc;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	close(fd);
	if (!rc) {
		log_warn("control socket %s: another process serves it (is another tunnat running?)",
			path);
		return -EADDRINUSE;
	}
	if (rc != -ECONNREFUSED) {
		/* not known to be stale (another user's, say): left alone */
		log_warn("control socket %s: cannot tell whether it is in use: %s",
			 path, strerror(-rc));
		return rc;
	}
	if (unlink(path) && errno != ENOENT) {
		rc = -errno;
		log_warn("control socket %s: cannot remove the stale socket: %s",
			path, strerror(errno));
		return rc;
	}
	log_info("control socket %s: removed a stale socket", path);
	return 0;
}

static void server_close_cb(uv_handle_t *h)
{
	handle_closed(h->data);
}

int ctl_open(struct ctl **cp, uv_loop_t *uv, const char *path, uid_t uid,
	     gid_t gid, const struct ctl_env *env)
{
	struct sockaddr_un sa;
	struct ctl *ctl;
	mode_t mask;
	int rc;

	*cp = NULL;
	if (!*path || strlen(path) >= sizeof(sa.sun_path)) {
		log_warn("control socket \"%s\": a path of 1 to %zu bytes is needed",
			path, sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	rc = stale_remove(path);
	if (rc)
		return rc;
	ctl = calloc(1, sizeof(*ctl));
	if (!ctl || !(ctl->path = strdup(path))) {
		free(ctl);
		log_warn("control socket: out of memory");
		return -ENOMEM;
	}
	ctl->uv = uv;
	ctl->env = *env;
	uv_pipe_init(uv, &ctl->server, 0);
	uv_idle_init(uv, &ctl->idle);
	uv_timer_init(uv, &ctl->tick);
	ctl->server.data = ctl->idle.data = ctl->tick.data = ctl;
	ctl->handles = 3;

	/* created 0600, then given to the user and group and opened to the
	 * group: never open to others, not even for a moment */
	mask = umask(0177);
	rc = uv_pipe_bind(&ctl->server, path);
	umask(mask);
	if (rc) {
		log_warn("control socket %s: %s", path, uv_strerror(rc));
		goto fail;
	}
	if (chown(path, uid, gid) || chmod(path, 0660)) {
		rc = -errno;
		log_warn("control socket %s: cannot give it to uid %u gid %u with mode 0660: %s",
			path, (unsigned)uid, (unsigned)gid, strerror(errno));
		unlink(path);
		goto fail;
	}
	rc = uv_listen((uv_stream_t *)&ctl->server, BACKLOG, connection_cb);
	if (rc) {
		log_warn("control socket %s: listen: %s", path,
			uv_strerror(rc));
		unlink(path);
		goto fail;
	}
	log_info("control socket %s (uid %u, gid %u, mode 0660)", path,
		 (unsigned)uid, (unsigned)gid);
	*cp = ctl;
	return 0;
fail:
	free(ctl->path);
	ctl->path = NULL;
	ctl_close(ctl);
	return rc;
}

void ctl_close(struct ctl *ctl)
{
	if (!ctl || ctl->closing)
		return;
	while (ctl->clients)
		client_close(ctl->clients);
	ctl->closing = true;
	if (ctl->path && unlink(ctl->path) && errno != ENOENT)
		log_debug("control socket %s left behind: %s (it is replaced at the next start)",
			  ctl->path, strerror(errno));
	uv_close((uv_handle_t *)&ctl->server, server_close_cb);
	uv_close((uv_handle_t *)&ctl->idle, server_close_cb);
	uv_close((uv_handle_t *)&ctl->tick, server_close_cb);
}

void ctl_counts(const struct ctl *ctl, uint64_t *clients, uint64_t *requests,
		uint64_t *dropped)
{
	*clients = ctl ? ctl->nclients : 0;
	*requests = ctl ? ctl->requests : 0;
	*dropped = ctl ? ctl->dropped : 0;
}
