/* SPDX-License-Identifier: MIT */
/* maplog.c - the mapping log: who had which public endpoint, and when
 *
 * RFC 6888 section 4 asks a carrier-grade NAT to be able to log each
 * mapping it makes, so that an address and port seen outside can be
 * traced to an inside host.  With log.mappings, the engine reports every
 * mapping and session made and freed (struct nat_event), and the PPTP
 * gateway every call; each becomes one line, with the UTC time to the
 * millisecond:
 *
 *   2026-11-27T12:34:56.789Z session-up udp inside=192.168.1.10:5000
 *     public=203.0.113.1:5000 remote=198.51.100.1:53
 *
 * (on one line).  The engine calls in the middle of a packet, so a line
 * is only formatted into a buffer there; the loop writes the buffer out
 * after each batch and timer tick (maplog_flush()), and at once when it
 * fills.  The time is formatted anew only when the second changes.
 * Lines go to a file (log.mappings-file), one write(2) per flush, or to
 * the log (standard error or syslog) one message each.
 */

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../ctl/proto.h"
#include "log.h"
#include "maplog.h"

#define BUF_SIZE	(64 * 1024)

static struct {
	bool on;
	bool dests;		/* remote endpoints in call lines */
	int fd;			/* -1: to the log */
	char *path;
	char buf[BUF_SIZE];
	size_t len;
	unsigned pending;	/* lines in @buf */
	uint64_t lines, lost;
	time_t stamp_s;		/* the second @stamp is for */
	char stamp[24];		/* "YYYY-MM-DDTHH:MM:SS" */
} ml = { .fd = -1 };

/* The engines of all workers report through here: one lock, recursive
 * since a full buffer is flushed from within maplog_event(). */
static pthread_mutex_t ml_mu = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

static void maplog_flush_do(void);

static int file_open(const char *path, uid_t uid, gid_t gid)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
		      O_NOCTTY, 0640);

	if (fd < 0)
		return -errno;
	/* as root, give the file to the account that reopens it later */
	if (geteuid() == 0 && fchown(fd, uid, gid) && errno != EPERM) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int maplog_set_do(bool on, bool dests, const char *path, uid_t uid,
			 gid_t gid)
{
	bool file = on && path && *path;
	char *copy = NULL;
	int fd = -1;

	ml.dests = dests;

	if (file && ml.path && !strcmp(path, ml.path)) {
		ml.on = true;
		return 0;
	}
	if (file) {
		copy = strdup(path);
		if (!copy)
			return -ENOMEM;
		fd = file_open(path, uid, gid);
		if (fd < 0) {
			free(copy);
			return fd;
		}
	}
	maplog_flush_do();
	if (ml.fd >= 0)
		close(ml.fd);
	free(ml.path);
	ml.fd = fd;
	ml.path = copy;
	ml.on = on;
	return 0;
}

static int maplog_reopen_do(void)
{
	int fd;

	if (!ml.path)
		return 0;
	maplog_flush_do();
	fd = file_open(ml.path, getuid(), getgid());
	if (fd < 0)
		return fd;
	close(ml.fd);
	ml.fd = fd;
	return 0;
}

void maplog_close(void)
{
	maplog_set(false, false, NULL, 0, 0);
}

bool maplog_enabled(void)
{
	bool on;

	pthread_mutex_lock(&ml_mu);
	on = ml.on;
	pthread_mutex_unlock(&ml_mu);
	return on;
}

void maplog_counts(uint64_t *lines, uint64_t *lost)
{
	pthread_mutex_lock(&ml_mu);
	*lines = ml.lines;
	*lost = ml.lost;
	pthread_mutex_unlock(&ml_mu);
}

/* "A.B.C.D" or "A.B.C.D:PORT" into @buf (22 bytes) */
static const char *endpoint(char buf[22], uint32_t addr, uint16_t port,
			    bool with_port)
{
	char a[16];

	ctl_addr_str(addr, a);
	if (with_port)
		snprintf(buf, 22, "%s:%u", a, port);
	else
		snprintf(buf, 22, "%s", a);
	return buf;
}

/* The time of day part, cached: a new second costs one gmtime_r(). */
static const char *stamp(time_t s)
{
	struct tm tm;

	if (s != ml.stamp_s || !ml.stamp[0]) {
		gmtime_r(&s, &tm);
		strftime(ml.stamp, sizeof(ml.stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		ml.stamp_s = s;
	}
	return ml.stamp;
}

size_t maplog_format(char *buf, const struct nat_event *ev, uint64_t when_ms,
		     bool dests)
{
	bool ports = ev->proto == IPPROTO_TCP || ev->proto == IPPROTO_UDP;
	bool ids = ports || ev->proto == IPPROTO_ICMP;
	char in[22], pub[22], rem[22], p[4];
	const char *what;
	int w;

	switch (ev->type) {
	case NAT_EV_MAPPING_UP:
		what = "mapping-up";
		break;
	case NAT_EV_MAPPING_DOWN:
		what = "mapping-down";
		break;
	case NAT_EV_SESSION_UP:
		what = "session-up";
		break;
	case NAT_EV_SESSION_DOWN:
		what = "session-down";
		break;
	case NAT_EV_CALL_UP:
	case NAT_EV_CALL_DOWN:
		if (!dests) {
			w = snprintf(buf, MAPLOG_LINE_MAX,
				     "%s.%03uZ %s gre inside=%s inside_call_id=%u public=%s public_call_id=%u",
				     stamp((time_t)(when_ms / 1000)),
				     (unsigned)(when_ms % 1000),
				     ev->type == NAT_EV_CALL_UP ? "call-up"
								: "call-down",
				     endpoint(in, ev->in_addr, 0, false),
				     ev->in_id,
				     endpoint(pub, ev->pub_addr, 0, false),
				     ev->pub_id);
			return w > 0 && w < MAPLOG_LINE_MAX ? (size_t)w : 0;
		}
		w = snprintf(buf, MAPLOG_LINE_MAX,
			     "%s.%03uZ %s gre inside=%s inside_call_id=%u public=%s public_call_id=%u remote=%s remote_call_id=%u",
			     stamp((time_t)(when_ms / 1000)),
			     (unsigned)(when_ms % 1000),
			     ev->type == NAT_EV_CALL_UP ? "call-up"
							: "call-down",
			     endpoint(in, ev->in_addr, 0, false), ev->in_id,
			     endpoint(pub, ev->pub_addr, 0, false), ev->pub_id,
			     endpoint(rem, ev->rem_addr, 0, false),
			     ev->rem_id);
		return w > 0 && w < MAPLOG_LINE_MAX ? (size_t)w : 0;
	default:
		return 0;
	}
	w = snprintf(buf, MAPLOG_LINE_MAX, "%s.%03uZ %s %s inside=%s public=%s",
		     stamp((time_t)(when_ms / 1000)),
		     (unsigned)(when_ms % 1000), what,
		     ctl_proto_name(ev->proto, p),
		     endpoint(in, ev->in_addr, ev->in_port, ids),
		     endpoint(pub, ev->pub_addr, ev->pub_port, ids));
	if (w > 0 && (ev->type == NAT_EV_SESSION_UP ||
		      ev->type == NAT_EV_SESSION_DOWN))
		w += snprintf(buf + w, MAPLOG_LINE_MAX - (size_t)w,
			      " remote=%s",
			      endpoint(rem, ev->rem_addr, ev->rem_port,
				       ports));
	return w > 0 && w < MAPLOG_LINE_MAX ? (size_t)w : 0;
}

static void maplog_event_do(const struct nat_event *ev)
{
	struct timespec ts;
	size_t n;

	if (!ml.on)
		return;
	if (ml.len + MAPLOG_LINE_MAX + 1 > sizeof(ml.buf))
		maplog_flush_do();
	clock_gettime(CLOCK_REALTIME, &ts);
	/* a session that timed out ended when its time ran out */
	n = maplog_format(ml.buf + ml.len, ev, (uint64_t)ts.tv_sec * 1000 +
			  (uint64_t)ts.tv_nsec / 1000000 - ev->ago_ms,
			  ml.dests);
	if (!n)
		return;
	ml.len += n;
	ml.buf[ml.len++] = '\n';
	ml.pending++;
}

/* Write the buffer to the file; what cannot be written is lost, and
 * counted. */
static void file_flush(void)
{
	size_t off = 0;

	while (off < ml.len) {
		ssize_t w = write(ml.fd, ml.buf + off, ml.len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			unsigned lost = 0;
			size_t i;

			for (i = off; i < ml.len; i++)
				lost += ml.buf[i] == '\n';
			ml.lost += lost;
			ml.lines -= lost;
			LOG_RATELIMIT(LVL_ERROR, "mapping log %s: %u lines lost: %s",
				      ml.path, lost,
				      w < 0 ? strerror(errno) : "short write");
			break;
		}
		off += (size_t)w;
	}
}

static void maplog_flush_do(void)
{
	char *line, *nl;

	if (!ml.len)
		return;
	ml.lines += ml.pending;
	if (ml.fd >= 0) {
		file_flush();
	} else {
		for (line = ml.buf; line < ml.buf + ml.len; line = nl + 1) {
			nl = memchr(line, '\n',
				    (size_t)(ml.buf + ml.len - line));
			*nl = '\0';
			log_line(LVL_INFO, "mapping", line);
		}
	}
	ml.len = 0;
	ml.pending = 0;
}

int maplog_set(bool on, bool dests, const char *path, uid_t uid, gid_t gid)
{
	int rc;

	pthread_mutex_lock(&ml_mu);
	rc = maplog_set_do(on, dests, path, uid, gid);
	pthread_mutex_unlock(&ml_mu);
	return rc;
}

int maplog_reopen(void)
{
	int rc;

	pthread_mutex_lock(&ml_mu);
	rc = maplog_reopen_do();
	pthread_mutex_unlock(&ml_mu);
	return rc;
}

void maplog_event(const struct nat_event *ev)
{
	pthread_mutex_lock(&ml_mu);
	maplog_event_do(ev);
	pthread_mutex_unlock(&ml_mu);
}

void maplog_flush(void)
{
	pthread_mutex_lock(&ml_mu);
	maplog_flush_do();
	pthread_mutex_unlock(&ml_mu);
}
