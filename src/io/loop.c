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
 * Workers.  With nat.workers above 1, each worker is a thread with a
 * libuv loop of its own, its own engine, buffers and timer, and one queue
 * of each device (IFF_MULTI_QUEUE): the loop above, once per worker,
 * with nothing locked on the packet path.  The kernel picks the queue a
 * packet is read from, so a worker first asks nat_steer() whose packet it
 * is; one that belongs to another worker is copied into the ring from this
 * worker to that one (ring.c, lock-free, one per ordered pair), and that
 * worker is woken (uv_async_t) once per batch.  It translates the packet
 * in the ring and writes it to its own queues.  The same rings carry a
 * hairpinned packet whose destination is another worker's (the engine
 * says VERDICT_HANDOFF: nat_hairpin() there), and the news of how a
 * first fragment from outside went, for the worker that holds its later
 * fragments (nat_frag_follow()).  A full ring drops the packet, counted.
 * The first thread keeps a loop of its own for the signals and the
 * control socket.  Whatever must touch the engines from there (a walk,
 * counters, a reload) first parks every worker at a safe point between
 * batches (loop_pause()) and lets them go after (loop_resume()).  With
 * one worker, that worker is the first thread's loop, as it always was,
 * and none of this exists.
 *
 * Fair queues.  Each worker reads nq queues of each device (fair-queues,
 * as many for every worker), each with a uv_poll_t and READ_BUDGET of its
 * own, so the worker serves them in turn.  The steering program puts a
 * packet on the queue of its source address (steer.c); the kernel drops
 * what reaches a full queue, and loop_queue_full() reads that count.  A
 * packet goes out through the queue of its destination (out_fd()), which
 * without a program makes the kernel's flow table pick the same queue for
 * the answers.
 *
 * io_uring.  Unless io-uring is off (or the kernel refuses a ring),
 * each worker keeps reads of every queue in flight in an io_uring
 * instead, and writes what they bring through it too: see "the io_uring
 * path" below.
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
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <liburing.h>
#include <uv.h>

#include "../conf/conf.h"
#include "../ctl/stats.h"
#include "../net/gso.h"
#include "../net/icmp.h"
#include "../net/ipv4.h"
#include "../net/pkt.h"
#include "log.h"
#include "loop.h"
#include "maplog.h"
#include "ring.h"

#define READ_BUDGET		64
#define BATCH			16
#define EXPIRY_TICK_MS		250
#define EXPIRY_BACKLOG_MS	10
#define EXPIRY_BUDGET		2048
#define RING_BYTES		(8u << 20)	/* per ordered pair of workers */
#define RING_BUDGET		256	/* records taken per wake-up */
#define MSG_HDR			64	/* struct msg, padded */
#define UR_SLOTS		32	/* reads in flight per device (io_uring) */
#define UR_ENTRIES		256
#define FAIR_MAX		CONF_FAIR_QUEUES_MAX	/* queues per worker */

static const char *const side_name[DIR_N] = {
	[DIR_OUT] = "inside",
	[DIR_IN] = "outside",
};

/* What a record of a handoff ring carries. */
enum msg_kind {
	MSG_PACKET,	/* a packet as read, for its owner to translate */
	MSG_HAIRPIN,	/* translated out: nat_hairpin() on the owner */
	MSG_FOLLOW,	/* a first fragment went: nat_frag_follow() */
};

/**
 * struct msg - the head of a handoff record; the packet's bytes follow
 * at MSG_HDR + PKT_HEADROOM, with room for an ICMP error
 * @meta:	the packet's fields as its sender had them (data unset)
 * @src, @dst, @id, @proto, @new_dst: MSG_FOLLOW's datagram
 */
struct msg {
	uint8_t kind;
	uint8_t proto;
	uint16_t id;
	uint32_t src, dst, new_dst;
	struct pkt meta;
};
static_assert(sizeof(struct msg) <= MSG_HDR, "a record's head fits");

struct loop;

/**
 * struct ur_slot - a packet buffer of the io_uring path: a read of device
 * @dev in flight, or a write of what it read
 */
struct ur_slot {
	uint8_t *buf;
	uint32_t wlen;		/* bytes of the write in flight */
	uint8_t dev;
	uint8_t q;
	bool writing;
};

/**
 * struct worker - one forwarding thread (or the only loop)
 * @uv:			its loop: @own, or with one worker the loop's own
 * @qfd, @nq:		its queues of each device (fair queues), by
 *			direction read, read in turn
 * @buf:		BATCH packet buffers, PKT_BUF_SIZE each, 64-byte aligned
 * @scratch:		where gso_segment() builds each packet it emits
 * @kick:		workers this one gave records to since it last woke them
 * @write_errors:	packets lost to failed writes, by device written
 * @gso_errors:		superpackets that could not be cut for a device
 *			without offloads
 * @handed, @ring_full:	records given to other workers; records dropped
 *			because the ring was full
 * @ur:			the io_uring, or NULL: read(2) and write(2)
 * @slots:		with @ur, 2 * UR_SLOTS buffers
 * @cur:		with @ur, the slot of the packet being handled
 */
struct worker {
	struct loop *l;
	unsigned idx;
	uv_loop_t *uv;
	uv_loop_t own;
	uv_poll_t poll[DIR_N][FAIR_MAX];
	uv_timer_t expiry;
	uv_async_t wake;
	int qfd[DIR_N][FAIR_MAX];
	unsigned nq[DIR_N];
	struct nat *nat;
	uint8_t *buf;
	uint8_t *scratch;
	bool kick[NAT_WORKERS_MAX];
	uint64_t write_errors[DIR_N];
	uint64_t gso_errors;
	uint64_t handed, ring_full;
	pthread_t th;
	bool running;
	struct io_uring *ur;
	struct ur_slot *slots;
	struct ur_slot *cur;
	uv_poll_t ur_poll;
};

/**
 * struct loop - everything the callbacks need, reached from handle->data
 * @dev:		devices by the direction of packets read from them
 * @sh:			the pool the engines share (steering)
 * @w, @nw:		the workers
 * @rings:		[from * @nw + to], with several workers
 * @mu, @cv:		guard the pause and the stop (@pausing and @stopping
 *			are also read without the lock, atomically, by a
 *			worker that checks whether to take it)
 * @pausing, @parked:	a pause is asked for; workers parked in it
 * @pause_gen:		pauses ended: a worker still waiting for the end of
 *			the last one when the next begins parks anew
 * @stopping:		the workers must end
 * @wake:		with several workers: a worker stopped the loop
 * @uring:		read and write the devices through io_uring
 * @qfull0:		the devices' counts of drops for full queues at
 *			the start (a persistent device may have some)
 * @exit_status:	what loop_run() returns
 * @hup, @hup_arg:	called on SIGHUP
 */
struct loop {
	uv_loop_t uv;
	uv_signal_t sigs[4];
	uv_async_t wake;
	struct tun *dev[DIR_N];
	struct nat_shared *sh;
	struct worker *w;
	unsigned nw;
	struct ring *rings;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool pausing, stopping;
	unsigned parked;
	uint64_t pause_gen;		/* pauses ended */
	unsigned pause_depth;		/* the first thread's own */
	int exit_status;
	bool uring;
	uint64_t qfull0[DIR_N];
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
	else
		buf[*off] = '\0';	/* no entry cut short */
}

void loop_log_stats(struct loop *l)
{
	struct nat_stats sum, *st = &sum;
	/* room for every drop reason counted, and the workers' counters */
	char algs[512] = "",
	     drops[DROP_REASON_N * (sizeof(" drop-=") - 1 +
				    DROP_REASON_NAME_MAX + 20) + 128] = "";
	uint64_t we[DIR_N], qf[DIR_N], gso, handed, full;
	size_t aoff = 0, doff = 0;
	unsigned r, a, i;

	memset(&sum, 0, sizeof(sum));
	loop_pause(l);
	for (i = 0; i < l->nw; i++)
		stats_add(&sum, nat_stats(l->w[i].nat));
	loop_counters(l, we, &gso);
	loop_handoffs(l, &handed, &full);
	loop_resume(l);
	loop_queue_full(l, qf);
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
	if (l->nw > 1)
		buf_add(drops, sizeof(drops), &doff,
			" workers=%u handed-off=%llu handoff-ring-full=%llu",
			l->nw, (unsigned long long)handed,
			(unsigned long long)full);
	log_info("stats: rx-inside=%llu rx-outside=%llu forwarded-out=%llu forwarded-in=%llu hairpinned=%llu icmp-errors=%llu echo-answered=%llu sessions=%u mappings=%u sessions-created=%llu sessions-expired=%llu%s write-errors-inside=%llu write-errors-outside=%llu queue-full-inside=%llu queue-full-outside=%llu gso-errors=%llu%s",
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
		 algs, (unsigned long long)we[DIR_OUT],
		 (unsigned long long)we[DIR_IN],
		 (unsigned long long)qf[DIR_OUT],
		 (unsigned long long)qf[DIR_IN], (unsigned long long)gso,
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

/* Stop reading and let loop_run() close everything; from any thread. */
static void loop_stop(struct loop *l, int status)
{
	if (l->nw == 1) {
		l->exit_status = status;
		uv_stop(&l->uv);
		return;
	}
	pthread_mutex_lock(&l->mu);
	if (!l->exit_status)
		l->exit_status = status;
	pthread_mutex_unlock(&l->mu);
	uv_async_send(&l->wake);
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

/* Count and log a write of @len bytes to @to_dev that failed with errno
 * @err, or wrote less (@err 0). */
static void write_failed(struct worker *w, enum pkt_dir to_dev, size_t len,
			 int err)
{
	w->write_errors[to_dev]++;
	LOG_RATELIMIT(LVL_WARNING, "%s: write of %zu bytes to %s failed: %s",
		      side_name[to_dev], len, w->l->dev[to_dev]->name,
		      err ? strerror(err) : "short write");
}

/*
 * The queue of @w to write @pkt to device @to_dev through: the fair
 * queue of its destination.  Where no BPF program picks the queues, the
 * kernel then sends the packets that answer it (the same flow, the other
 * way) on that queue, which is the one a program would have picked for
 * them: their source is this packet's destination.
 */
static int out_fd(const struct worker *w, enum pkt_dir to_dev,
		  const uint8_t *pkt, size_t len)
{
	const struct ipv4_hdr *ip = (const void *)pkt;
	unsigned q = 0;

	if (w->nq[to_dev] > 1 && len >= IPV4_HDR_LEN)
		q = ntohl(ip->daddr) % w->nq[to_dev];
	return w->qfd[to_dev][q];
}

struct emit_ctx {
	struct worker *w;
	enum pkt_dir to_dev;
};

static void emit_cb(void *arg, const uint8_t *pkt, size_t len)
{
	struct emit_ctx *e = arg;
	ssize_t n = write(out_fd(e->w, e->to_dev, pkt, len), pkt, len);

	if (n != (ssize_t)len)
		write_failed(e->w, e->to_dev, len, n < 0 ? errno : 0);
}

static bool ur_write(struct worker *w, enum pkt_dir to_dev, size_t len);

static void packet_write(struct worker *w, enum pkt_dir to_dev,
			 const struct pkt *p)
{
	const struct tun *t = w->l->dev[to_dev];
	size_t hdr = t->vnet ? VNET_HDR_LEN : 0;
	ssize_t n;

	if (t->vnet) {
		vnet_store(p->data - hdr, &p->vnet);
	} else if (p->vnet.flags & VNET_NEEDS_CSUM || p->vnet.gso_type) {
		struct emit_ctx e = { .w = w, .to_dev = to_dev };

		if (!gso_segment(p, w->scratch, emit_cb, &e)) {
			w->gso_errors++;
			LOG_RATELIMIT(LVL_WARNING, "%s: cannot cut a superpacket (type %u) for %s",
				      side_name[to_dev], p->vnet.gso_type,
				      t->name);
		}
		return;
	}
	if (w->cur && p->data == w->cur->buf + PKT_HEADROOM &&
	    !w->cur->writing && ur_write(w, to_dev, p->len + hdr))
		return;
	n = write(out_fd(w, to_dev, p->data, p->len), p->data - hdr,
		  p->len + hdr);
	if (n != (ssize_t)(p->len + hdr))
		write_failed(w, to_dev, p->len + hdr, n < 0 ? errno : 0);
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
static void verdict_write(struct worker *w, const struct pkt *p,
			  enum verdict v)
{
	if (v == VERDICT_FORWARD) {
		packet_write(w, p->dir == DIR_OUT ? DIR_IN : DIR_OUT, p);
	} else if (v == VERDICT_BACK) {
		if (p->local && drop_is_quota(p->drop))
			drop_log(p, true);
		packet_write(w, p->dir, p);
	} else if (p->drop != DROP_NONE) {
		drop_log(p, false);
	}
}

/* Send what the engine of @w has queued besides its last verdict. */
static void pending_write(struct worker *w)
{
	struct pkt q;
	enum verdict v = nat_pending(w->nat, &q);

	if (v == VERDICT_DROP)
		return;
	/* what io_uring is to write goes first (a first fragment), so that
	 * packets leave in the engine's order: a write to a TUN device is
	 * issued at submission, never deferred */
	if (w->ur)
		io_uring_submit(w->ur);
	do
		verdict_write(w, &q, v);
	while ((v = nat_pending(w->nat, &q)) != VERDICT_DROP);
}

void loop_drain(struct loop *l, struct nat *n)
{
	unsigned i;

	for (i = 0; i < l->nw; i++)
		if (l->w[i].nat == n)
			pending_write(&l->w[i]);
}

/* ---- handoff between workers -------------------------------------------- */

/**
 * handoff() - give worker @to a record of kind @kind, with packet @p if
 * not NULL
 *
 * Return: the record's head, filled in but for what MSG_FOLLOW adds, or
 * NULL when the ring is full (the packet is dropped, and counted)
 */
static struct msg *handoff(struct worker *w, unsigned to, enum msg_kind kind,
			   const struct pkt *p)
{
	struct ring *r = &w->l->rings[w->idx * w->l->nw + to];
	uint32_t len = p ? p->len : 0;
	uint32_t room = len > ICMP_ERR_MAX_LEN ? len : ICMP_ERR_MAX_LEN;
	struct msg *m = ring_reserve(r, MSG_HDR + PKT_HEADROOM + room);

	if (!m) {
		w->ring_full++;
		return NULL;
	}
	m->kind = (uint8_t)kind;
	if (p) {
		m->meta = *p;
		memcpy((uint8_t *)m + MSG_HDR + PKT_HEADROOM, p->data, len);
	}
	w->handed++;
	w->kick[to] = true;
	return m;
}

/* Publish @to's record and wake it after the batch. */
static void handoff_commit(struct worker *w, unsigned to)
{
	ring_commit(&w->l->rings[w->idx * w->l->nw + to]);
}

/* Wake the workers given records since the last call. */
static void kick_flush(struct worker *w)
{
	unsigned i;

	for (i = 0; i < w->l->nw; i++)
		if (w->kick[i]) {
			w->kick[i] = false;
			uv_async_send(&w->l->w[i].wake);
		}
}

/* What a first fragment read from outside needs to tell its home. */
struct frag_note {
	uint32_t src, dst;
	uint16_t id;
	uint8_t proto;
	unsigned home;
};

/* Is @p a first fragment from outside whose later fragments another
 * worker holds (its home)?  Read before translation. */
static bool frag_note_take(const struct worker *w, const struct pkt *p,
			   struct frag_note *fn)
{
	const uint8_t *b = p->data;

	if (w->l->nw == 1 || p->dir != DIR_IN || p->len < 20 ||
	    (b[6] & 0x3f) != 0x20 || b[7])	/* MF, offset 0 */
		return false;
	memcpy(&fn->src, b + 12, 4);
	memcpy(&fn->dst, b + 16, 4);
	memcpy(&fn->id, b + 4, 2);
	fn->proto = b[9];
	fn->home = nat_steer_frag_home(w->l->sh, fn->src, fn->dst, fn->proto,
				       fn->id);
	return fn->home != w->idx;
}

/* Tell the home of @fn's datagram that it goes to @new_dst. */
static void frag_note_send(struct worker *w, const struct frag_note *fn,
			   uint32_t new_dst)
{
	struct msg *m = handoff(w, fn->home, MSG_FOLLOW, NULL);

	if (!m)
		return;
	m->src = fn->src;
	m->dst = fn->dst;
	m->id = fn->id;
	m->proto = fn->proto;
	m->new_dst = new_dst;
	handoff_commit(w, fn->home);
}

/* Go on with @p after its engine's verdict @v: write it, or hand a
 * hairpin to the owner of its destination. */
static void verdict_go(struct worker *w, struct pkt *p, enum verdict v)
{
	if (v == VERDICT_HANDOFF) {
		unsigned to = nat_steer(w->l->sh, p->data, p->len, DIR_IN);

		if (to != w->idx && handoff(w, to, MSG_HAIRPIN, p))
			handoff_commit(w, to);
		return;
	}
	verdict_write(w, p, v);
}

/* Translate packet @p read from side @dir, and write it where it goes. */
static void packet_handle(struct worker *w, enum pkt_dir dir, struct pkt *p)
{
	struct frag_note fn;
	bool note = frag_note_take(w, p, &fn);
	enum verdict v = nat_translate(w->nat, p, uv_now(w->uv));

	p->dir = dir;
	verdict_go(w, p, v);
	if (note && v == VERDICT_FORWARD)
		frag_note_send(w, &fn, ipv4_hdr(p)->daddr);
	pending_write(w);
}

/* One record of another worker, in its ring. */
static void msg_handle(struct worker *w, struct msg *m)
{
	uint8_t *data = (uint8_t *)m + MSG_HDR + PKT_HEADROOM;
	uint32_t cap = m->meta.len > ICMP_ERR_MAX_LEN ? m->meta.len
						      : ICMP_ERR_MAX_LEN;
	struct pkt p = m->meta;
	enum verdict v;

	p.data = data;
	p.cap = cap;
	switch (m->kind) {
	case MSG_PACKET:
		packet_handle(w, p.dir, &p);
		break;
	case MSG_HAIRPIN:
		v = nat_hairpin(w->nat, &p, uv_now(w->uv));
		verdict_go(w, &p, v);
		pending_write(w);
		break;
	case MSG_FOLLOW:
		nat_frag_follow(w->nat, m->src, m->dst, m->proto, m->id,
				m->new_dst, uv_now(w->uv));
		pending_write(w);
		break;
	}
}

/* Park @w while a pause lasts.  Return: true if it must stop. */
static bool park(struct worker *w)
{
	struct loop *l = w->l;
	bool stop;

	if (!__atomic_load_n(&l->pausing, __ATOMIC_ACQUIRE) &&
	    !__atomic_load_n(&l->stopping, __ATOMIC_ACQUIRE))
		return false;
	pthread_mutex_lock(&l->mu);
	if (l->pausing) {
		uint64_t gen = l->pause_gen;

		l->parked++;
		pthread_cond_broadcast(&l->cv);
		while (l->pause_gen == gen && !l->stopping)
			pthread_cond_wait(&l->cv, &l->mu);
	}
	stop = l->stopping;
	pthread_mutex_unlock(&l->mu);
	return stop;
}

/* Records from the other workers, a pause, or the end. */
static void wake_cb(uv_async_t *h)
{
	struct worker *w = h->data;
	struct loop *l = w->l;
	unsigned budget = RING_BUDGET, i;
	struct msg *m;

	if (park(w)) {
		uv_stop(w->uv);
		return;
	}
	for (i = 0; i < l->nw; i++) {
		struct ring *r = &l->rings[i * l->nw + w->idx];

		if (i == w->idx)
			continue;
		while (budget && (m = ring_peek(r))) {
			msg_handle(w, m);
			ring_release(r);
			budget--;
		}
	}
	kick_flush(w);
	if (!budget)
		uv_async_send(&w->wake);	/* more: after the devices */
	maplog_flush();
}

/* ---- the io_uring path -------------------------------------------------- */

/*
 * With io_uring, each device has UR_SLOTS reads in flight, each into a
 * buffer of its own.  A completed read is translated like one from
 * read(2); its packet is written from the same buffer with a write
 * request, and the buffer goes back to reading when that completes.  All
 * requests made while handling a batch of completions go to the kernel
 * in one io_uring_enter(2): two system calls per packet become a fraction
 * of one.  Packets the engine makes on its own (nat_pending()) and those
 * cut for a device without offloads are written with write(2).  libuv
 * watches the ring's fd, which is readable while completions wait.
 */

static uint64_t ur_data(const struct worker *w, const struct ur_slot *s)
{
	return (uint64_t)(s - w->slots);
}

/* Queue a read into @s; false if the submission queue is full. */
static bool ur_read(struct worker *w, struct ur_slot *s)
{
	struct io_uring_sqe *e = io_uring_get_sqe(w->ur);
	size_t hdr = w->l->dev[s->dev]->vnet ? VNET_HDR_LEN : 0;

	if (!e) {
		io_uring_submit(w->ur);
		e = io_uring_get_sqe(w->ur);
		if (!e)
			return false;
	}
	io_uring_prep_read(e, w->qfd[s->dev][s->q], s->buf + PKT_HEADROOM - hdr,
			   (unsigned)(PKT_DATA_MAX + 1 + hdr), 0);
	io_uring_sqe_set_data64(e, ur_data(w, s));
	s->writing = false;
	return true;
}

/* Write the current slot's packet (@len bytes with its header) to
 * @to_dev.  Return: false if it must go by write(2) instead. */
static bool ur_write(struct worker *w, enum pkt_dir to_dev, size_t len)
{
	struct ur_slot *s = w->cur;
	size_t hdr = w->l->dev[to_dev]->vnet ? VNET_HDR_LEN : 0;
	struct io_uring_sqe *e = io_uring_get_sqe(w->ur);
	int fd = out_fd(w, to_dev, s->buf + PKT_HEADROOM, len - hdr);

	if (!e) {
		io_uring_submit(w->ur);
		e = io_uring_get_sqe(w->ur);
		if (!e)
			return false;
	}
	io_uring_prep_write(e, fd, s->buf + PKT_HEADROOM - hdr,
			    (unsigned)len, 0);
	/* the device written, for the error count, in the high bits */
	io_uring_sqe_set_data64(e, ur_data(w, s) | (uint64_t)to_dev << 32 |
				   1ULL << 40);
	s->writing = true;
	s->wlen = (uint32_t)len;
	return true;
}

/* A completed read of @s, @len bytes: a packet to handle. */
static bool ur_packet(struct worker *w, struct ur_slot *s, int len,
		      struct pkt *p)
{
	const struct tun *t = w->l->dev[s->dev];
	size_t hdr = t->vnet ? VNET_HDR_LEN : 0;
	uint8_t *data = s->buf + PKT_HEADROOM;

	if (len < 0) {
		if (len != -EAGAIN && len != -EINTR && len != -ECANCELED) {
			log_err("%s: device %s failed: %s",
				side_name[s->dev], t->name, strerror(-len));
			loop_stop(w->l, EXIT_DEVICE_LOST);
		}
		return false;
	}
	if ((size_t)len < hdr) {
		LOG_RATELIMIT(LVL_WARNING, "%s: short read of %d bytes from %s",
			      side_name[s->dev], len, t->name);
		return false;
	}
	pkt_init(p, data, (uint32_t)((size_t)len - hdr), PKT_DATA_MAX,
		 (enum pkt_dir)s->dev);
	if (hdr)
		vnet_load(&p->vnet, data - hdr);
	return true;
}

/*
 * Completions: reads become packets, written ones read again.  A read
 * queued again on a queue that holds packets completes at once, in the
 * submission, so the callback goes on while completions wait, up to the
 * budget the read(2) path gives all the worker's queues together: with
 * only the reads in flight per turn (UR_SLOTS over the queues), a backlog
 * left while the loop was busy elsewhere (a control client's long reply)
 * would drain a few packets per turn, slower than it grows.
 */
static void ur_cb(uv_poll_t *h, int status, int events)
{
	struct worker *w = h->data;
	struct ur_slot *batch[BATCH];
	struct pkt pkts[BATCH], *pp[BATCH];
	unsigned total = 0, turns = 0, n, i, k;
	unsigned budget = READ_BUDGET * (w->nq[DIR_OUT] + w->nq[DIR_IN]);
	struct io_uring_cqe *cqe;

	do {
		unsigned head, seen = 0;

		n = 0;
		io_uring_for_each_cqe(w->ur, head, cqe) {
			uint64_t d = io_uring_cqe_get_data64(cqe);
			struct ur_slot *s = &w->slots[d & 0xffffffff];

			seen++;
			if (d >> 40) {
				enum pkt_dir to = (enum pkt_dir)(d >> 32 & 1);

				if (cqe->res != (int)s->wlen)
					write_failed(w, to, s->wlen,
						     cqe->res < 0 ? -cqe->res
								  : 0);
				ur_read(w, s);
			} else if (ur_packet(w, s, cqe->res, &pkts[n])) {
				batch[n++] = s;
			} else if (cqe->res >= 0 || cqe->res == -EAGAIN ||
				   cqe->res == -EINTR) {
				ur_read(w, s);	/* not on a device that failed */
			}
			if (n == BATCH)
				break;
		}
		io_uring_cq_advance(w->ur, seen);
		for (i = k = 0; i < n; i++) {
			unsigned to = w->l->nw > 1 ?
				nat_steer(w->l->sh, pkts[i].data, pkts[i].len,
					  pkts[i].dir) : w->idx;

			if (to == w->idx) {
				pp[k] = &pkts[i];
				batch[k++] = batch[i];
				continue;
			}
			if (handoff(w, to, MSG_PACKET, &pkts[i]))
				handoff_commit(w, to);
			ur_read(w, batch[i]);
		}
		if (k > 1)
			nat_prefetch(w->nat, pp, k);
		for (i = 0; i < k; i++) {
			w->cur = batch[i];
			packet_handle(w, pp[i]->dir, pp[i]);
			w->cur = NULL;
			if (!batch[i]->writing)
				ur_read(w, batch[i]);
		}
		io_uring_submit(w->ur);
		total += n;
		/* (turns: completions that bring no packet, such as a read
		 * the kernel cut short, cannot keep it here either) */
	} while (++turns < budget && total < budget &&
		 io_uring_cq_ready(w->ur));
	kick_flush(w);
	maplog_flush();
}

/**
 * ur_init() - set up @w's io_uring and its buffers, and queue the reads
 *
 * Return: 0, or a negative errno (then @w reads and writes with system
 * calls)
 */
static int ur_init(struct worker *w)
{
	struct io_uring *r = calloc(1, sizeof(*r));
	unsigned i;
	int rc;

	w->slots = calloc(2 * UR_SLOTS, sizeof(*w->slots));
	if (!r || !w->slots) {
		free(r);
		return -ENOMEM;
	}
	rc = io_uring_queue_init(UR_ENTRIES, r, 0);
	if (rc) {
		free(r);
		return rc;
	}
	w->ur = r;
	for (i = 0; i < 2 * UR_SLOTS; i++) {
		void *b = NULL;

		if (posix_memalign(&b, 64, PKT_BUF_SIZE))
			return -ENOMEM;
		w->slots[i].buf = b;
		w->slots[i].dev = (uint8_t)(i % DIR_N);
		/* as many reads in flight on each fair queue */
		w->slots[i].q = (uint8_t)(i / DIR_N % w->nq[i % DIR_N]);
	}
	return 0;
}

/* Queue every slot's first read; start watching the ring. */
static int ur_start(struct worker *w)
{
	unsigned i;

	for (i = 0; i < 2 * UR_SLOTS; i++)
		if (!ur_read(w, &w->slots[i]))
			return UV_ENOMEM;
	io_uring_submit(w->ur);
	return uv_poll_start(&w->ur_poll, UV_READABLE, ur_cb);
}

/*
 * Cancel every request in flight and wait for them to end.  The kernel
 * tears a ring down in the background after io_uring_queue_exit(), and
 * until then a read in flight keeps the device's file open: a tunnat
 * started right after this one could not attach to the same device.
 */
static void ur_cancel(struct worker *w)
{
	struct __kernel_timespec ts = { .tv_nsec = 100 * 1000 * 1000 };
	struct io_uring_sqe *e = io_uring_get_sqe(w->ur);
	struct io_uring_cqe *cqe;
	unsigned left = 2 * UR_SLOTS + 1;	/* the cancel's own, too */

	if (!e)
		return;
	io_uring_prep_cancel(e, NULL, IORING_ASYNC_CANCEL_ANY);
	io_uring_sqe_set_data64(e, UINT64_MAX);
	io_uring_submit(w->ur);
	while (left && !io_uring_wait_cqe_timeout(w->ur, &cqe, &ts)) {
		io_uring_cqe_seen(w->ur, cqe);
		left--;
	}
}

/* Free what ur_init() took (the ring first: it cancels the requests). */
static void ur_fini(struct worker *w)
{
	unsigned i;

	if (w->ur) {
		ur_cancel(w);
		io_uring_queue_exit(w->ur);
		free(w->ur);
		w->ur = NULL;
	}
	for (i = 0; w->slots && i < 2 * UR_SLOTS; i++)
		free(w->slots[i].buf);
	free(w->slots);
	w->slots = NULL;
}

/**
 * batch_read() - read up to BATCH packets from queue @q of side @dir
 * @pkts:	filled in, each in its own buffer
 *
 * Return: packets read; *@more is false once the device had no more
 * (EAGAIN) or failed (the loop is then stopping)
 */
static unsigned batch_read(struct worker *w, enum pkt_dir dir, unsigned q,
			   struct pkt *pkts, bool *more)
{
	const struct tun *t = w->l->dev[dir];
	size_t hdr = t->vnet ? VNET_HDR_LEN : 0;
	int fd = w->qfd[dir][q];
	unsigned n = 0;

	*more = true;
	while (n < BATCH) {
		uint8_t *data = w->buf + (size_t)n * PKT_BUF_SIZE +
				PKT_HEADROOM;
		ssize_t r = read(fd, data - hdr, PKT_DATA_MAX + 1 + hdr);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			*more = false;
			if (errno == EAGAIN)
				break;
			log_err("%s: reading %s failed: %s", side_name[dir],
				t->name, strerror(errno));
			loop_stop(w->l, EXIT_DEVICE_LOST);
			break;
		}
		if ((size_t)r < hdr) {
			LOG_RATELIMIT(LVL_WARNING, "%s: short read of %zd bytes from %s",
				      side_name[dir], r, t->name);
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
	struct worker *w = h->data;
	struct loop *l = w->l;
	unsigned at = (unsigned)(h - &w->poll[0][0]);
	enum pkt_dir dir = (enum pkt_dir)(at / FAIR_MAX);
	unsigned q = at % FAIR_MAX;
	struct pkt pkts[BATCH], *pp[BATCH];
	unsigned total = 0, n, i, k;
	bool more = true;

	if (status < 0) {
		log_err("%s: device %s failed: %s", side_name[dir],
			l->dev[dir]->name, uv_strerror(status));
		loop_stop(l, EXIT_DEVICE_LOST);
		return;
	}
	while (more && total < READ_BUDGET) {
		n = batch_read(w, dir, q, pkts, &more);
		for (i = k = 0; i < n; i++) {
			unsigned to = l->nw > 1 ?
				nat_steer(l->sh, pkts[i].data, pkts[i].len,
					  dir) : w->idx;

			if (to == w->idx)
				pp[k++] = &pkts[i];
			else if (handoff(w, to, MSG_PACKET, &pkts[i]))
				handoff_commit(w, to);
		}
		if (k > 1)
			nat_prefetch(w->nat, pp, k);
		for (i = 0; i < k; i++)
			packet_handle(w, dir, pp[i]);
		total += n;
	}
	kick_flush(w);
	maplog_flush();
}

static void expiry_cb(uv_timer_t *h)
{
	struct worker *w = h->data;
	unsigned n = nat_expire(w->nat, uv_now(w->uv), EXPIRY_BUDGET);

	pending_write(w);
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
		loop_log_stats(l);
		break;
	case SIGHUP:
		if (l->hup)
			l->hup(l->hup_arg);
		break;
	}
}

/* A worker stopped the loop (several workers). */
static void main_wake_cb(uv_async_t *h)
{
	uv_stop(h->loop);
}

static void close_walk_cb(uv_handle_t *h, void *arg)
{
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

/* Set up worker @i of @l for engine @n, with its loop's handles. */
static int worker_init(struct loop *l, unsigned i, struct nat *n)
{
	struct worker *w = &l->w[i];
	void *buf = NULL, *scratch = NULL;
	unsigned q;
	int rc, d;

	w->l = l;
	w->idx = i;
	w->nat = n;
	if (posix_memalign(&buf, 64, (size_t)BATCH * PKT_BUF_SIZE) ||
	    posix_memalign(&scratch, 64, PKT_BUF_SIZE)) {
		free(buf);
		log_err("cannot allocate the packet buffers");
		return UV_ENOMEM;
	}
	w->buf = buf;
	w->scratch = scratch;
	if (l->nw == 1) {
		w->uv = &l->uv;
	} else {
		rc = uv_loop_init(&w->own);
		if (rc)
			return rc;
		w->uv = &w->own;
		rc = uv_async_init(w->uv, &w->wake, wake_cb);
		if (rc)
			return rc;
		w->wake.data = w;
	}
	for (d = 0; d < DIR_N; d++) {
		w->nq[d] = l->dev[d]->nq / l->nw;
		for (q = 0; q < w->nq[d]; q++) {
			w->qfd[d][q] = l->dev[d]->qfd[i * w->nq[d] + q];
			rc = uv_poll_init(w->uv, &w->poll[d][q],
					  w->qfd[d][q]);
			if (rc)
				return rc;
			w->poll[d][q].data = w;
		}
	}
	if (l->uring) {
		rc = ur_init(w);
		if (!rc) {
			rc = uv_poll_init(w->uv, &w->ur_poll, w->ur->ring_fd);
			if (rc)
				return rc;
			w->ur_poll.data = w;
		} else {
			ur_fini(w);
			if (!i)
				log_warn("io_uring: %s: reading and writing with system calls",
					 strerror(-rc));
		}
	}
	rc = uv_timer_init(w->uv, &w->expiry);
	w->expiry.data = w;
	return rc;
}

struct loop *loop_new(struct nat *const *n, unsigned nw,
		      struct nat_shared *sh, struct tun *inside,
		      struct tun *outside, bool uring)
{
	static const int signums[4] = { SIGTERM, SIGINT, SIGUSR1, SIGHUP };
	struct loop *l;
	unsigned i;
	int rc;

	l = calloc(1, sizeof(*l));
	if (!l)
		goto nomem;
	l->w = calloc(nw, sizeof(*l->w));
	if (!l->w)
		goto nomem;
	l->nw = nw;
	l->sh = sh;
	l->uring = uring;
	l->dev[DIR_OUT] = inside;
	l->dev[DIR_IN] = outside;
	tun_queue_drops(inside, &l->qfull0[DIR_OUT]);
	tun_queue_drops(outside, &l->qfull0[DIR_IN]);
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	rc = uv_loop_init(&l->uv);
	if (rc) {
		log_err("cannot start the event loop: %s", uv_strerror(rc));
		free(l->w);
		free(l);
		return NULL;
	}
	if (nw > 1) {
		l->rings = calloc((size_t)nw * nw, sizeof(*l->rings));
		if (!l->rings)
			goto fail_nomem;
		for (i = 0; i < nw * nw; i++)
			if (i / nw != i % nw &&
			    ring_init(&l->rings[i], RING_BYTES))
				goto fail_nomem;
		rc = uv_async_init(&l->uv, &l->wake, main_wake_cb);
		if (rc)
			goto fail;
	}
	for (i = 0; i < nw; i++) {
		rc = worker_init(l, i, n[i]);
		if (rc)
			goto fail;
	}
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
fail_nomem:
	rc = UV_ENOMEM;
fail:
	log_err("cannot set up the event loop: %s", uv_strerror(rc));
	loop_free(l);
	return NULL;
nomem:
	log_err("cannot allocate the event loop");
	free(l);
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
	unsigned i;

	write_errors[DIR_OUT] = write_errors[DIR_IN] = *gso_errors = 0;
	for (i = 0; i < l->nw; i++) {
		write_errors[DIR_OUT] += l->w[i].write_errors[DIR_OUT];
		write_errors[DIR_IN] += l->w[i].write_errors[DIR_IN];
		*gso_errors += l->w[i].gso_errors;
	}
}

void loop_queue_full(const struct loop *l, uint64_t full[DIR_N])
{
	int d;

	for (d = 0; d < DIR_N; d++) {
		uint64_t v = 0;

		full[d] = !tun_queue_drops(l->dev[d], &v) && v > l->qfull0[d] ?
			  v - l->qfull0[d] : 0;
	}
}

void loop_handoffs(const struct loop *l, uint64_t *handed,
		   uint64_t *ring_full)
{
	unsigned i;

	*handed = *ring_full = 0;
	for (i = 0; i < l->nw; i++) {
		*handed += l->w[i].handed;
		*ring_full += l->w[i].ring_full;
	}
}

void loop_pause(struct loop *l)
{
	unsigned i;

	if (l->nw == 1 || !l->w[0].running || l->pause_depth++)
		return;
	pthread_mutex_lock(&l->mu);
	__atomic_store_n(&l->pausing, true, __ATOMIC_RELEASE);
	l->parked = 0;
	pthread_mutex_unlock(&l->mu);
	for (i = 0; i < l->nw; i++)
		uv_async_send(&l->w[i].wake);
	pthread_mutex_lock(&l->mu);
	while (l->parked < l->nw && !l->stopping)
		pthread_cond_wait(&l->cv, &l->mu);
	pthread_mutex_unlock(&l->mu);
	/* the workers' clocks ran up to now: see no time before theirs */
	uv_update_time(&l->uv);
}

void loop_resume(struct loop *l)
{
	if (l->nw == 1 || !l->w[0].running || --l->pause_depth)
		return;
	pthread_mutex_lock(&l->mu);
	__atomic_store_n(&l->pausing, false, __ATOMIC_RELEASE);
	l->pause_gen++;
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	uv_run(w->uv, UV_RUN_DEFAULT);
	return NULL;
}

/* Start polling the devices and the expiry timer of worker @w. */
static int worker_start(struct worker *w)
{
	unsigned q;
	int rc = 0, d;

	if (w->ur)
		rc = ur_start(w);
	for (d = 0; d < DIR_N && !rc && !w->ur; d++)
		for (q = 0; q < w->nq[d] && !rc; q++)
			rc = uv_poll_start(&w->poll[d][q], UV_READABLE,
					   tun_readable_cb);
	if (!rc)
		rc = uv_timer_start(&w->expiry, expiry_cb, EXPIRY_TICK_MS, 0);
	return rc;
}

/* End the worker threads, and wait for them. */
static void workers_stop(struct loop *l)
{
	unsigned i;

	pthread_mutex_lock(&l->mu);
	__atomic_store_n(&l->stopping, true, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
	for (i = 0; i < l->nw; i++)
		if (l->w[i].running)
			uv_async_send(&l->w[i].wake);
	for (i = 0; i < l->nw; i++)
		if (l->w[i].running) {
			pthread_join(l->w[i].th, NULL);
			l->w[i].running = false;
		}
}

int loop_run(struct loop *l)
{
	unsigned i;
	int rc = 0;

	for (i = 0; i < l->nw && !rc; i++)
		rc = worker_start(&l->w[i]);
	if (rc) {
		log_err("cannot start the event loop: %s", uv_strerror(rc));
		return 71;
	}
	for (i = 0; l->nw > 1 && i < l->nw; i++) {
		rc = pthread_create(&l->w[i].th, NULL, worker_main, &l->w[i]);
		if (rc) {
			log_err("cannot start worker %u: %s", i, strerror(rc));
			workers_stop(l);
			return 71;
		}
		l->w[i].running = true;
	}
	if (l->nw > 1)
		log_info("forwarding between %s (inside) and %s (outside) with %u workers%s",
			 l->dev[DIR_OUT]->name, l->dev[DIR_IN]->name, l->nw,
			 l->w[0].ur ? ", io_uring" : "");
	else
		log_info("forwarding between %s (inside) and %s (outside)%s",
			 l->dev[DIR_OUT]->name, l->dev[DIR_IN]->name,
			 l->w[0].ur ? " with io_uring" : "");
	uv_run(&l->uv, UV_RUN_DEFAULT);
	if (l->nw > 1)
		workers_stop(l);
	maplog_flush();
	return l->exit_status;
}

/* Close every handle of @uv and run it dry. */
static void uv_close_all(uv_loop_t *uv)
{
	int rc;

	uv_walk(uv, close_walk_cb, NULL);
	uv_run(uv, UV_RUN_DEFAULT);
	rc = uv_loop_close(uv);
	if (rc)
		log_warn("event loop not closed cleanly: %s", uv_strerror(rc));
}

void loop_free(struct loop *l)
{
	unsigned i;

	if (!l)
		return;
	if (l->nw > 1)
		workers_stop(l);
	for (i = 0; l->nw > 1 && i < l->nw; i++)
		if (l->w[i].uv == &l->w[i].own)
			uv_close_all(&l->w[i].own);
	uv_close_all(&l->uv);
	if (l->w[0].nat)
		loop_log_stats(l);
	the_loop = NULL;
	for (i = 0; i < l->nw; i++) {
		ur_fini(&l->w[i]);
		free(l->w[i].buf);
		free(l->w[i].scratch);
	}
	for (i = 0; l->rings && i < l->nw * l->nw; i++)
		ring_fini(&l->rings[i]);
	free(l->rings);
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
	free(l->w);
	free(l);
}
