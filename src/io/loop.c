/* SPDX-License-Identifier: MIT */
/* loop.c - libuv loop: read a device, translate, write the verdict's device
 *
 * Theory of operation.  One thread, one libuv loop.  Each TUN device has a
 * uv_poll_t watching for readability (epoll, level-triggered).  Its
 * callback reads up to READ_BUDGET packets, one read(2) each, in batches of
 * up to BATCH: each packet of a batch is read into a buffer of its own,
 * then nat_prefetch() starts loading the sessions they all need, so that
 * the memory misses of the batch overlap; then each goes through
 * nat_translate() with the loop's cached clock and is written, from the
 * same buffer, to the other device
 * (VERDICT_FORWARD) or back to its own (VERDICT_BACK), or dropped.  With
 * offloads, each read and write carries a virtio-net header in front of
 * the packet, in the buffer's headroom, and a read may be a GSO superpacket
 * of up to 64 KiB that the engine translates whole; the header goes out
 * again with the packet.  A device without the header never gets a packet
 * that needs one: its checksum is finished, or it is cut into the packets
 * it stands for (gso.c; never needed when both devices agreed).  The
 * budget keeps one busy direction from starving the other and the timers:
 * readiness is level-triggered, so what is left is read on the next turn.
 * Readiness can be spurious, so EAGAIN is normal.  Writes are synchronous
 * (a TUN device's send buffer is effectively unbounded); a failed write
 * drops the packet and is counted.
 *
 * A uv_timer_t frees expired sessions, at most EXPIRY_BUDGET a tick (a few
 * milliseconds of work at a million sessions), every EXPIRY_TICK_MS; while
 * a tick uses its whole budget the next comes EXPIRY_BACKLOG_MS later, so a
 * mass expiry drains quickly yet packets are forwarded between ticks.
 *
 * The same tick writes out the mapping log's buffer (also written after
 * each read batch) and the rate limits' reports of suppressed messages.
 *
 * Signals: SIGTERM and SIGINT stop the loop; SIGUSR1 logs the counters;
 * SIGHUP calls the hook main.c set (reload).  Other handles (the control
 * socket) join the same loop through loop_uv().  loop_new() creates the
 * loop before privileges are dropped, so that they can be set up then;
 * loop_free() closes every handle still open and runs the loop dry, so
 * that uv_loop_close() succeeds.
 */

#include <arpa/inet.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "../net/gso.h"
#include "../net/pkt.h"
#include "log.h"
#include "loop.h"
#include "maplog.h"

#define READ_BUDGET		64
#define BATCH			16
#define EXPIRY_TICK_MS		250
#define EXPIRY_BACKLOG_MS	10
#define EXPIRY_BUDGET		2048

static const char *const side_name[DIR_N] = {
	[DIR_OUT] = "inside",
	[DIR_IN] = "outside",
};

/**
 * struct loop - everything the callbacks need, reached from handle->data
 * @dev:		devices by the direction of packets read from them
 * @buf:		BATCH packet buffers, PKT_BUF_SIZE each, 64-byte aligned
 * @scratch:		where gso_segment() builds each packet it emits
 * @write_errors:	packets lost to failed writes, by device written
 * @gso_errors:		superpackets that could not be cut for a device
 *			without offloads
 * @exit_status:	what loop_run() returns
 * @hup, @hup_arg:	called on SIGHUP
 */
struct loop {
	uv_loop_t uv;
	uv_poll_t poll[DIR_N];
	uv_timer_t expiry;
	uv_signal_t sigs[4];
	struct tun *dev[DIR_N];
	struct nat *nat;
	uint8_t *buf;
	uint8_t *scratch;
	uint64_t write_errors[DIR_N];
	uint64_t gso_errors;
	int exit_status;
	void (*hup)(void *arg);
	void *hup_arg;
};

static struct loop *the_loop;

/* Append printf-style text to @buf (of @size) at *@off, if it fits. */
static void buf_add(char *buf, size_t size, size_t *off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void buf_add(char *buf, size_t size, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int w;

	va_start(ap, fmt);
	w = vsnprintf(buf + *off, size - *off, fmt, ap);
	va_end(ap);
	if (w > 0 && (size_t)w < size - *off)
		*off += (size_t)w;
}

void loop_log_stats(struct nat *n)
{
	const struct nat_stats *st = nat_stats(n);
	char algs[512] = "", drops[1024] = "";
	size_t aoff = 0, doff = 0;
	unsigned r, a;

	for (a = NAT_ALG_NONE + 1; a < NAT_ALG_N; a++) {
		const struct nat_alg_stats *as = &st->alg[a];
		const char *name = nat_alg_name(a);

		buf_add(algs, sizeof(algs), &aoff,
			" %s-calls=%llu %s-id-collisions=%llu %s-resets=%llu %s-server-refused=%llu",
			name, (unsigned long long)as->calls,
			name, (unsigned long long)as->id_collisions,
			name, (unsigned long long)as->resets,
			name, (unsigned long long)as->server_refused);
	}
	for (r = 1; r < DROP_REASON_N; r++)
		if (st->drops[r])
			buf_add(drops, sizeof(drops), &doff, " drop-%s=%llu",
				drop_reason_str(r),
				(unsigned long long)st->drops[r]);
	log_info("stats: rx-inside=%llu rx-outside=%llu forwarded-out=%llu forwarded-in=%llu hairpinned=%llu icmp-errors=%llu echo-answered=%llu sessions=%u mappings=%u sessions-created=%llu sessions-expired=%llu%s write-errors-inside=%llu write-errors-outside=%llu gso-errors=%llu%s",
		 (unsigned long long)st->rx[DIR_OUT],
		 (unsigned long long)st->rx[DIR_IN],
		 (unsigned long long)st->forwarded[DIR_OUT],
		 (unsigned long long)st->forwarded[DIR_IN],
		 (unsigned long long)st->hairpinned,
		 (unsigned long long)st->icmp_errors,
		 (unsigned long long)st->echo_answered,
		 st->sessions, st->mappings,
		 (unsigned long long)st->sessions_created,
		 (unsigned long long)st->sessions_expired,
		 algs,
		 (unsigned long long)(the_loop ?
				      the_loop->write_errors[DIR_OUT] : 0),
		 (unsigned long long)(the_loop ?
				      the_loop->write_errors[DIR_IN] : 0),
		 (unsigned long long)(the_loop ? the_loop->gso_errors : 0),
		 drops);
}

void loop_event_log(void *arg, const struct nat_event *ev)
{
	char in[INET_ADDRSTRLEN], pub[INET_ADDRSTRLEN], rem[INET_ADDRSTRLEN];

	maplog_event(ev);
	if (ev->type >= NAT_EV_MAPPING_UP)
		return;		/* the mapping log's own */

	inet_ntop(AF_INET, &ev->in_addr, in, sizeof(in));
	inet_ntop(AF_INET, &ev->pub_addr, pub, sizeof(pub));
	inet_ntop(AF_INET, &ev->rem_addr, rem, sizeof(rem));
	switch (ev->type) {
	case NAT_EV_CALL_UP:
		log_info("%s: call %s call-id %u -> %s call-id %u <-> %s call-id %u (control %s:%u -> %s:%u -> %s:%u)",
			 ev->alg, in, ev->in_id, pub, ev->pub_id, rem,
			 ev->rem_id, in, ev->in_port, pub, ev->pub_port, rem,
			 ev->rem_port);
		break;
	case NAT_EV_CALL_DOWN:
		log_info("%s: call %s call-id %u -> %s call-id %u <-> %s call-id %u ended: %s",
			 ev->alg, in, ev->in_id, pub, ev->pub_id, rem,
			 ev->rem_id, ev->reason);
		break;
	case NAT_EV_CALL_REFUSED:
		LOG_RATELIMIT(LVL_INFO, "%s: call %s call-id %u -> %s call-id %u to %s not set up: %s",
			      ev->alg, in, ev->in_id, pub, ev->pub_id, rem,
			      ev->reason);
		break;
	case NAT_EV_ALG_RESET:
		LOG_RATELIMIT(LVL_WARNING, "%s: control connection %s:%u -> %s:%u reset: %s",
			      ev->alg, in, ev->in_port, rem, ev->rem_port,
			      ev->reason);
		break;
	case NAT_EV_SERVER_REFUSED:
		LOG_RATELIMIT(LVL_WARNING, "%s: %s:%u refused the control connection from %s:%u (%s): it accepts one connection per peer address (RFC 2637 3.1.3), and the inside hosts all appear as %s; no ALG can change that",
			      ev->alg, rem, ev->rem_port, in, ev->in_port,
			      ev->reason, pub);
		break;
	case NAT_EV_MAPPING_UP:
	case NAT_EV_MAPPING_DOWN:
	case NAT_EV_SESSION_UP:
	case NAT_EV_SESSION_DOWN:
		break;
	}
}

/* Stop reading and let loop_run() close everything. */
static void loop_stop(struct loop *l, int status)
{
	l->exit_status = status;
	uv_stop(&l->uv);
}

static uint16_t le16_load(const uint8_t *b)
{
	return (uint16_t)(b[0] | b[1] << 8);
}

static void le16_store(uint8_t *b, uint16_t v)
{
	b[0] = v & 0xff;
	b[1] = v >> 8;
}

/* The virtio-net header is little-endian (no TUNSETVNETBE here). */
static void vnet_load(struct pkt_vnet *v, const uint8_t *b)
{
	v->flags = b[0];
	v->gso_type = b[1];
	v->hdr_len = le16_load(b + 2);
	v->gso_size = le16_load(b + 4);
	v->csum_start = le16_load(b + 6);
	v->csum_offset = le16_load(b + 8);
}

static void vnet_store(uint8_t *b, const struct pkt_vnet *v)
{
	b[0] = v->flags;
	b[1] = v->gso_type;
	le16_store(b + 2, v->hdr_len);
	le16_store(b + 4, v->gso_size);
	le16_store(b + 6, v->csum_start);
	le16_store(b + 8, v->csum_offset);
}

static void write_failed(struct loop *l, enum pkt_dir to_dev, size_t len,
			 ssize_t w)
{
	l->write_errors[to_dev]++;
	LOG_RATELIMIT(LVL_WARNING, "%s: write of %zu bytes to %s failed: %s",
		      side_name[to_dev], len, l->dev[to_dev]->name,
		      w < 0 ? strerror(errno) : "short write");
}

struct emit_ctx {
	struct loop *l;
	enum pkt_dir to_dev;
};

static void emit_cb(void *arg, const uint8_t *pkt, size_t len)
{
	struct emit_ctx *e = arg;
	ssize_t w = write(e->l->dev[e->to_dev]->fd, pkt, len);

	if (w != (ssize_t)len)
		write_failed(e->l, e->to_dev, len, w);
}

static void packet_write(struct loop *l, enum pkt_dir to_dev,
			 const struct pkt *p)
{
	const struct tun *t = l->dev[to_dev];
	size_t hdr = t->vnet ? VNET_HDR_LEN : 0;
	ssize_t w;

	if (t->vnet) {
		vnet_store(p->data - hdr, &p->vnet);
	} else if (p->vnet.flags & VNET_NEEDS_CSUM || p->vnet.gso_type) {
		struct emit_ctx e = { .l = l, .to_dev = to_dev };

		if (!gso_segment(p, l->scratch, emit_cb, &e)) {
			l->gso_errors++;
			LOG_RATELIMIT(LVL_WARNING, "%s: cannot cut a superpacket (type %u) for %s",
				      side_name[to_dev], p->vnet.gso_type,
				      t->name);
		}
		return;
	}
	w = write(t->fd, p->data - hdr, p->len + hdr);
	if (w != (ssize_t)(p->len + hdr))
		write_failed(l, to_dev, p->len + hdr, w);
}

/* Is @r a limit or a share running out, which the operator should hear
 * of at the default level (whoever fills it)? */
static bool drop_is_quota(enum drop_reason r)
{
	switch (r) {
	case DROP_TABLE_FULL:
	case DROP_HOST_LIMIT:
	case DROP_NO_PORT:
	case DROP_MAPPING_FULL:
	case DROP_ALG_NO_STATE:
	case DROP_ALG_HOST_LIMIT:
	case DROP_FRAG_LIMIT:
		return true;
	default:
		return false;
	}
}

/* Log a dropped packet: a limit reached as a warning naming the sender,
 * rate-limited per reason (5 lines in 10 s, then one saying how many
 * more); anything else at debug level.  @answered: @p is now the ICMP
 * error that answers it (nat.icmp-on-failure), addressed to the sender. */
static void drop_log(const struct pkt *p, bool answered)
{
	static struct log_rl quota_rl[DROP_REASON_N];
	char src[INET_ADDRSTRLEN] = "?";

	if (!drop_is_quota(p->drop)) {
		LOG_RATELIMIT(LVL_DEBUG, "%s: dropped a packet: %s",
			      side_name[p->dir], drop_reason_str(p->drop));
		return;
	}
	if (!log_enabled(LVL_WARNING))
		return;
	if (p->len >= 20)
		inet_ntop(AF_INET, p->data + (answered ? 16 : 12), src,
			  sizeof(src));
	log_rl_msg(&quota_rl[p->drop], LVL_WARNING,
		   "%s: dropped a packet from %s: limit reached: %s",
		   side_name[p->dir], src, drop_reason_str(p->drop));
}

/* Write packet @p, read from side @p->dir, where verdict @v sends it. */
static void verdict_write(struct loop *l, const struct pkt *p, enum verdict v)
{
	if (v == VERDICT_FORWARD) {
		packet_write(l, p->dir == DIR_OUT ? DIR_IN : DIR_OUT, p);
	} else if (v == VERDICT_BACK) {
		if (p->local && drop_is_quota(p->drop))
			drop_log(p, true);
		packet_write(l, p->dir, p);
	} else if (p->drop != DROP_NONE) {
		drop_log(p, false);
	}
}

/* Send what engine @n has queued besides its last verdict. */
static void pending_write(struct loop *l, struct nat *n)
{
	struct pkt q;
	enum verdict v;

	while ((v = nat_pending(n, &q)) != VERDICT_DROP)
		verdict_write(l, &q, v);
}

void loop_drain(struct loop *l, struct nat *n)
{
	pending_write(l, n);
}

/* Translate packet @p read from side @dir, and write it where it goes. */
static void packet_handle(struct loop *l, enum pkt_dir dir, struct pkt *p)
{
	enum verdict v = nat_translate(l->nat, p, uv_now(&l->uv));

	p->dir = dir;
	verdict_write(l, p, v);
	pending_write(l, l->nat);
}

/**
 * batch_read() - read up to BATCH packets from side @dir
 * @pkts:	filled in, each in its own buffer
 *
 * Return: packets read; *@more is false once the device had no more
 * (EAGAIN) or failed (the loop is then stopping)
 */
static unsigned batch_read(struct loop *l, enum pkt_dir dir,
			   struct pkt *pkts, bool *more)
{
	size_t hdr = l->dev[dir]->vnet ? VNET_HDR_LEN : 0;
	int fd = l->dev[dir]->fd;
	unsigned n = 0;

	*more = true;
	while (n < BATCH) {
		uint8_t *data = l->buf + (size_t)n * PKT_BUF_SIZE +
				PKT_HEADROOM;
		ssize_t r = read(fd, data - hdr, PKT_DATA_MAX + 1 + hdr);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			*more = false;
			if (errno == EAGAIN)
				break;
			log_err("%s: reading %s failed: %s", side_name[dir],
				l->dev[dir]->name, strerror(errno));
			loop_stop(l, EXIT_DEVICE_LOST);
			break;
		}
		if ((size_t)r < hdr) {
			LOG_RATELIMIT(LVL_WARNING, "%s: short read of %zd bytes from %s",
				      side_name[dir], r, l->dev[dir]->name);
			continue;
		}
		pkt_init(&pkts[n], data, (uint32_t)((size_t)r - hdr),
			 PKT_DATA_MAX, dir);
		if (hdr)
			vnet_load(&pkts[n].vnet, data - hdr);
		n++;
	}
	return n;
}

static void tun_readable_cb(uv_poll_t *h, int status, int events)
{
	struct loop *l = h->data;
	enum pkt_dir dir = h == &l->poll[DIR_OUT] ? DIR_OUT : DIR_IN;
	struct pkt pkts[BATCH], *pp[BATCH];
	unsigned total = 0, n, i;
	bool more = true;

	if (status < 0) {
		log_err("%s: device %s failed: %s", side_name[dir],
			l->dev[dir]->name, uv_strerror(status));
		loop_stop(l, EXIT_DEVICE_LOST);
		return;
	}
	for (i = 0; i < BATCH; i++)
		pp[i] = &pkts[i];
	while (more && total < READ_BUDGET) {
		n = batch_read(l, dir, pkts, &more);
		if (n > 1)
			nat_prefetch(l->nat, pp, n);
		for (i = 0; i < n; i++)
			packet_handle(l, dir, &pkts[i]);
		total += n;
	}
	maplog_flush();
}

static void expiry_cb(uv_timer_t *h)
{
	struct loop *l = h->data;
	unsigned n = nat_expire(l->nat, uv_now(&l->uv), EXPIRY_BUDGET);

	pending_write(l, l->nat);
	maplog_flush();
	log_rl_flush();

	uv_timer_start(h, expiry_cb, n == EXPIRY_BUDGET ? EXPIRY_BACKLOG_MS
							: EXPIRY_TICK_MS, 0);
}

static void signal_cb(uv_signal_t *h, int signum)
{
	struct loop *l = h->data;

	switch (signum) {
	case SIGTERM:
	case SIGINT:
		log_info("%s: stopping", strsignal(signum));
		loop_stop(l, 0);
		break;
	case SIGUSR1:
		loop_log_stats(l->nat);
		break;
	case SIGHUP:
		if (l->hup)
			l->hup(l->hup_arg);
		break;
	}
}

static void close_walk_cb(uv_handle_t *h, void *arg)
{
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

struct loop *loop_new(struct nat *n, struct tun *inside, struct tun *outside)
{
	static const int signums[4] = { SIGTERM, SIGINT, SIGUSR1, SIGHUP };
	void *buf = NULL, *scratch = NULL;
	struct loop *l;
	int rc, i;

	l = calloc(1, sizeof(*l));
	if (!l || posix_memalign(&buf, 64, (size_t)BATCH * PKT_BUF_SIZE) ||
	    posix_memalign(&scratch, 64, PKT_BUF_SIZE)) {
		log_err("cannot allocate the packet buffers");
		free(buf);
		free(l);
		return NULL;
	}
	l->nat = n;
	l->dev[DIR_OUT] = inside;
	l->dev[DIR_IN] = outside;
	l->buf = buf;
	l->scratch = scratch;
	rc = uv_loop_init(&l->uv);
	if (rc) {
		log_err("cannot start the event loop: %s", uv_strerror(rc));
		free(buf);
		free(scratch);
		free(l);
		return NULL;
	}
	for (i = 0; i < DIR_N; i++) {
		rc = uv_poll_init(&l->uv, &l->poll[i], l->dev[i]->fd);
		if (rc)
			goto fail;
		l->poll[i].data = l;
	}
	rc = uv_timer_init(&l->uv, &l->expiry);
	if (rc)
		goto fail;
	l->expiry.data = l;
	for (i = 0; i < 4; i++) {
		rc = uv_signal_init(&l->uv, &l->sigs[i]);
		if (rc)
			goto fail;
		l->sigs[i].data = l;
		rc = uv_signal_start(&l->sigs[i], signal_cb, signums[i]);
		if (rc)
			goto fail;
	}
	the_loop = l;
	return l;
fail:
	log_err("cannot set up the event loop: %s", uv_strerror(rc));
	loop_free(l);
	return NULL;
}

uv_loop_t *loop_uv(struct loop *l)
{
	return &l->uv;
}

void loop_on_hup(struct loop *l, void (*fn)(void *arg), void *arg)
{
	l->hup = fn;
	l->hup_arg = arg;
}

void loop_counters(const struct loop *l, uint64_t write_errors[DIR_N],
		   uint64_t *gso_errors)
{
	write_errors[DIR_OUT] = l->write_errors[DIR_OUT];
	write_errors[DIR_IN] = l->write_errors[DIR_IN];
	*gso_errors = l->gso_errors;
}

int loop_run(struct loop *l)
{
	int rc = 0, i;

	for (i = 0; i < DIR_N && !rc; i++)
		rc = uv_poll_start(&l->poll[i], UV_READABLE, tun_readable_cb);
	if (!rc)
		rc = uv_timer_start(&l->expiry, expiry_cb, EXPIRY_TICK_MS, 0);
	if (rc) {
		log_err("cannot start the event loop: %s", uv_strerror(rc));
		return 71;
	}
	log_info("forwarding between %s (inside) and %s (outside)",
		 l->dev[DIR_OUT]->name, l->dev[DIR_IN]->name);
	uv_run(&l->uv, UV_RUN_DEFAULT);
	maplog_flush();
	return l->exit_status;
}

void loop_free(struct loop *l)
{
	int rc;

	if (!l)
		return;
	uv_walk(&l->uv, close_walk_cb, NULL);
	uv_run(&l->uv, UV_RUN_DEFAULT);
	rc = uv_loop_close(&l->uv);
	if (rc)
		log_warn("event loop not closed cleanly: %s", uv_strerror(rc));
	loop_log_stats(l->nat);
	the_loop = NULL;
	free(l->buf);
	free(l->scratch);
	free(l);
}
