/* SPDX-License-Identifier: MIT */
/* alg.c - the engine's side of the ALG contract: state slots, calls, limits
 *
 * Theory of operation.
 *
 * Control connections.  When a TCP session opens toward an ALG's server
 * port (an outbound connection to it, or an inbound one through a static
 * mapping of it), alg_conn_attach() gives it a state slot; without a free
 * slot the connection is refused, because a connection the ALG cannot
 * watch would carry untranslated identifiers; so is one beyond its client
 * host's share (max_connections_per_host), so that a host flooding a
 * server's port takes only its own share of the slots.  Every later
 * segment goes through alg_segment() before translation.  A connection the
 * ALG resets is marked dead: every segment from either side is then
 * answered with a RST, so both ends learn of it.  A hairpinned connection
 * (an inside client of an inside server) has two sessions, each with its
 * slot: a reset of one resets the other, so its inside end and its calls
 * learn of it too.
 *
 * Calls.  A call is a GRE session without a mapping.  Its translated Call
 * ID is its public "port", unique per (public address, remote host) because
 * the session table indexes it there: the allocator tries the inside ID,
 * then a random low byte under the same high byte, and takes the first ID
 * no call of that pair holds.  Keeping the high byte means that when a
 * Call ID field is split between two TCP segments, the byte that arrives
 * first never needs changing, so the ALG can always decide the rewrite
 * from bytes it has seen (see alg_pptp.c).  A call lives through these
 * classes:
 *
 *   PENDING (60 s, RFC 2637 3.0) --activate--> GRE (nat.timeouts.gre)
 *      |                                        |  grace: CLOSING (10 s)
 *      +------------- close, or time out -------+--> QUARANTINE (120 s)
 *
 * and is freed when its quarantine ends, so a late GRE packet of an old
 * call never reaches a new one.  Calls are counted per inside host and per
 * remote host against the configured limits while they are pending, live
 * or closing, and per inside host until their quarantine ends too.
 */

#include <arpa/inet.h>

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../net/csum.h"
#include "../net/tcp.h"
#include "alg.h"
#include "nat_int.h"
#include "siphash.h"

static const struct alg_ops *const alg_table[NAT_ALG_N] = {
	[NAT_ALG_PPTP] = &alg_pptp_ops,
};

/**
 * struct alg_ctx - what an ALG call is about
 * @n:		the engine
 * @si:		the control connection's session
 * @p:		the segment, or NULL outside alg_segment()
 * @payload:	its payload, @len bytes
 * @dir:	who sent it
 * @now:	the caller's clock
 * @reset_why:	set with alg_reset_why()
 * @drop:	set with alg_set_drop()
 */
struct alg_ctx {
	struct nat *n;
	uint32_t si;
	struct pkt *p;
	uint8_t *payload;
	uint32_t len;
	enum pkt_dir dir;
	uint64_t now;
	const char *reset_why;
	enum drop_reason drop;
};

/* ---- set up ----------------------------------------------------------- */

const char *nat_alg_name(enum nat_alg a)
{
	if (a <= NAT_ALG_NONE || a >= NAT_ALG_N)
		return NULL;
	return alg_table[a]->name;
}

/* Bytes of one state slot of ALG @id under limits @ac. */
static size_t slot_size(enum nat_alg id, const struct nat_alg_config *ac)
{
	return (alg_table[id]->priv_size(ac) + 7) & ~(size_t)7;
}

/* Reserve ALG @id's state slots and call counts under its limits @ac. */
static int alg_state_init(struct alg_state *a, enum nat_alg id,
			  const struct nat_alg_config *ac,
			  uint32_t max_sessions)
{
	uint64_t calls;

	a->size = slot_size(id, ac);
	a->pool = (struct rec_pool){ .max = ac->max_connections,
				     .unused = 1 };
	/* slot 0 unused, like session index 0 */
	a->slots = malloc((size_t)(ac->max_connections + 1) * a->size);
	calls = (uint64_t)ac->max_connections * ac->max_calls_per_connection;
	if (calls > max_sessions)
		calls = max_sessions;
	if (!a->slots || addr_counts_init(&a->conns_host, ac->max_connections) ||
	    addr_counts_init(&a->calls_host, calls) ||
	    addr_counts_init(&a->calls_server, calls))
		return -ENOMEM;
	return 0;
}

int alg_enable(struct nat *n, enum nat_alg id, const struct nat_alg_config *cfg,
	       uint32_t max_sessions)
{
	return alg_state_init(&n->alg[id], id, cfg, max_sessions);
}

int alg_init(struct nat *n, const struct nat_config *cfg)
{
	enum nat_alg id;

	for (id = NAT_ALG_NONE + 1; id < NAT_ALG_N; id++)
		if (cfg->alg[id].enabled &&
		    alg_state_init(&n->alg[id], id, &cfg->alg[id],
				   cfg->max_sessions))
			return -ENOMEM;
	return 0;
}

bool alg_state_fits(const struct nat *n, enum nat_alg id,
		    const struct nat_alg_config *cfg)
{
	const struct alg_state *a = &n->alg[id];

	return !a->slots || (a->pool.max == cfg->max_connections &&
			     a->size == slot_size(id, cfg));
}

void alg_fini(struct nat *n)
{
	unsigned i;

	for (i = 0; i < NAT_ALG_N; i++) {
		free(n->alg[i].slots);
		addr_counts_fini(&n->alg[i].conns_host);
		addr_counts_fini(&n->alg[i].calls_host);
		addr_counts_fini(&n->alg[i].calls_server);
	}
}

enum nat_alg alg_for_port(const struct nat *n, uint16_t port)
{
	enum nat_alg id;
	unsigned i;

	for (id = NAT_ALG_NONE + 1; id < NAT_ALG_N; id++) {
		const struct nat_alg_config *ac = &n->cfg.alg[id];

		for (i = 0; ac->enabled && i < ac->nports; i++)
			if (ac->ports[i] == port)
				return id;
	}
	return NAT_ALG_NONE;
}

static void *slot_priv(struct nat *n, enum nat_alg alg, uint32_t slot)
{
	return n->alg[alg].slots + (size_t)slot * n->alg[alg].size;
}

enum drop_reason alg_has_room(const struct nat *n, enum nat_alg alg,
			      uint32_t client)
{
	const struct alg_state *a = &n->alg[alg];
	uint32_t lim = n->cfg.alg[alg].max_connections_per_host;

	if (a->pool.used >= a->pool.max)
		return DROP_ALG_NO_STATE;
	if (client && lim && addr_count(&a->conns_host, n->hkey, client) >= lim)
		return DROP_ALG_HOST_LIMIT;
	return DROP_NONE;
}

/* The host a control connection counts against: whoever opened it, an
 * inside host or (through a forward) a remote one.  The inbound half of
 * a hairpin counts against no one: its outbound half already counts. */
static uint32_t conn_client(const struct nat_session *s)
{
	if (s->flags & SESS_HAIRPIN)
		return 0;
	return s->flags & SESS_INBOUND ? s->rem_addr : s->in_addr;
}

void alg_conn_attach(struct nat *n, uint32_t si, enum nat_alg alg)
{
	struct alg_state *a = &n->alg[alg];
	struct nat_session *s = &n->t.s[si];
	uint32_t slot, client = conn_client(s);
	void *priv;

	assert(a->pool.used < a->pool.max);
	if (a->pool.free) {
		slot = a->pool.free;
		memcpy(&a->pool.free, slot_priv(n, alg, slot), sizeof(slot));
	} else {
		slot = a->pool.unused++;
	}
	a->pool.used++;
	priv = slot_priv(n, alg, slot);
	memset(priv, 0, a->size);
	alg_table[alg]->conn_init(priv, &n->cfg.alg[alg]);
	/* a control connection keeps its slot where a host keeps the
	 * links of its mapping: the mapping moves to a record */
	if (s->flags & SESS_MAP_HOST)
		mapping_unhost(&n->t, si);
	s->alg = (uint8_t)alg;
	s->ctl_slot = slot;
	if (client)
		addr_count_add(&a->conns_host, n->hkey, client, 1);
}

static void slot_free(struct nat *n, struct nat_session *s)
{
	struct alg_state *a = &n->alg[s->alg];
	uint32_t client = conn_client(s);

	if (client)
		addr_count_sub(&a->conns_host, n->hkey, client, 1);
	memcpy(slot_priv(n, s->alg, s->ctl_slot), &a->pool.free,
	       sizeof(a->pool.free));
	a->pool.free = s->ctl_slot;
	a->pool.used--;
	s->ctl_slot = 0;
}

/* ---- events ----------------------------------------------------------- */

static void emit(struct nat *n, enum nat_event_type type, uint32_t ctl,
		 uint32_t call, const char *reason)
{
	const struct nat_session *c = &n->t.s[ctl];
	struct nat_event ev = {
		.type = type,
		.alg = alg_table[c->alg]->name,
		.in_addr = c->in_addr,
		.pub_addr = session_pub_addr(&n->t, c),
		.rem_addr = c->rem_addr,
		.in_port = ntohs(c->in_port),
		.pub_port = ntohs(c->pub_port),
		.rem_port = ntohs(c->rem_port),
		.reason = reason,
	};

	if (call) {
		ev.in_id = ntohs(n->t.s[call].in_port);
		ev.pub_id = ntohs(n->t.s[call].pub_port);
		ev.rem_id = ntohs(n->t.s[call].rem_port);
	}
	if (n->cfg.event)
		n->cfg.event(n->cfg.event_arg, &ev);
}

/* ---- segments --------------------------------------------------------- */

void alg_set_byte(struct alg_ctx *c, uint32_t off, uint8_t val)
{
	struct tcp_hdr *th = (struct tcp_hdr *)(void *)pkt_l4(c->p);
	uint8_t old = c->payload[off];
	uint16_t cs;

	assert(off < c->len);
	if (old == val)
		return;
	c->payload[off] = val;
	/* a partial sum does not cover the payload: offload sums it later */
	if (pkt_csum_partial(c->p))
		return;
	/* the TCP header is an even number of bytes: an even payload offset
	 * is the high byte of its 16-bit word */
	cs = csum_update16(ntohs(th->check),
			   off & 1 ? old : (uint16_t)(old << 8),
			   off & 1 ? val : (uint16_t)(val << 8));
	th->check = htons(cs);
}

void alg_set_drop(struct alg_ctx *c, enum drop_reason r)
{
	c->drop = r;
}

void alg_reset_why(struct alg_ctx *c, const char *why)
{
	c->reset_why = why;
}

void alg_server_refused(struct alg_ctx *c)
{
	c->n->st.alg[c->n->t.s[c->si].alg].server_refused++;
	emit(c->n, NAT_EV_SERVER_REFUSED, c->si, 0,
	     "Start-Control-Connection-Reply result 3");
}

/* Answer a segment of a dead connection: RST to its sender, never to a
 * RST, and only where its sender is reachable from here. */
static enum verdict reset_sender(struct nat *n, struct pkt *p, bool hairpin)
{
	const struct tcp_hdr *th = (const void *)pkt_l4(p);

	if (hairpin || th->flags & TCP_RST)
		return nat_drop(n, p, DROP_ALG_RESET);
	tcp_reset_build(p);
	return VERDICT_BACK;
}

/* Reset control connection @si for reason @why: its calls end, and every
 * later segment of it is answered with a RST. */
static void conn_reset(struct nat *n, uint32_t si, const char *why,
		       uint64_t now)
{
	struct nat_session *s = &n->t.s[si];
	struct alg_ctx c = { .n = n, .si = si, .now = now };

	n->st.alg[s->alg].resets++;
	emit(n, NAT_EV_ALG_RESET, si, 0, why);
	alg_table[s->alg]->conn_end(&c, slot_priv(n, s->alg, s->ctl_slot));
	s->flags |= SESS_ALG_DEAD;
	session_refresh(&n->t, si, proto_tcp_track(s, TCP_RST, DIR_OUT), now);
}

/* The other half of control connection @si if it is hairpinned (its
 * remote is one of our public addresses), else 0. */
static uint32_t hairpin_other_half(struct nat *n, uint32_t si, uint64_t now)
{
	const struct nat_session *s = &n->t.s[si];
	struct flow_key k;

	if (nat_pool_index(n, s->rem_addr) < 0)
		return 0;
	flow_key_set(&k, SIDE_OUT, IPPROTO_TCP, s->rem_addr, s->rem_port,
		     session_pub_addr(&n->t, s), s->pub_port);
	return nat_session_live(n, &k, now);
}

enum verdict alg_segment(struct nat *n, uint32_t si, struct pkt *p,
			 enum pkt_dir dir, bool hairpin, uint64_t now)
{
	struct nat_session *s = &n->t.s[si];
	struct tcp_hdr *th = (struct tcp_hdr *)(void *)pkt_l4(p);
	unsigned doff = (th->doff >> 4) * 4u;
	const struct alg_ops *ops = alg_table[s->alg];
	struct alg_ctx c = {
		.n = n, .si = si, .p = p, .dir = dir, .now = now,
		.payload = pkt_l4(p) + doff, .len = p->l4_len - doff,
	};
	struct alg_seg seg = {
		.dir = dir, .flags = th->flags, .seq = ntohl(th->seq),
		.data = c.payload, .len = c.len,
	};
	enum alg_verdict v;
	uint32_t other;

	if (s->flags & SESS_ALG_DEAD)
		return reset_sender(n, p, hairpin);
	if (p->frag) {
		/* a control segment split by IP: its payload is not all here */
		alg_reset_why(&c, "fragmented control segment");
		v = ALG_RESET;
	} else {
		v = ops->segment(&c, slot_priv(n, s->alg, s->ctl_slot), &seg);
	}
	switch (v) {
	case ALG_PASS:
		return VERDICT_FORWARD;
	case ALG_DROP:
		return nat_drop(n, p, c.drop ? c.drop : DROP_ALG_RESET);
	case ALG_RESET:
		break;
	}
	conn_reset(n, si, c.reset_why ? c.reset_why : "?", now);
	/* a hairpinned connection has a second half, whose inside end
	 * must hear of it too (at its next segment), and whose calls end */
	other = hairpin_other_half(n, si, now);
	if (other && session_ctl_slot(&n->t.s[other]) &&
	    !(n->t.s[other].flags & SESS_ALG_DEAD))
		conn_reset(n, other, c.reset_why ? c.reset_why : "?", now);
	return reset_sender(n, p, hairpin);
}

void alg_conn_end(struct nat *n, uint32_t si, uint64_t now)
{
	struct nat_session *s = &n->t.s[si];
	struct alg_ctx c = { .n = n, .si = si, .now = now };

	alg_table[s->alg]->conn_end(&c, slot_priv(n, s->alg, s->ctl_slot));
	slot_free(n, s);
}

/* ---- calls ------------------------------------------------------------ */

static void set_quarantine(struct nat_session *s, const void *arg)
{
	s->klass = CLASS_GRE_QUARANTINE;
	s->owner = 0;
}

/* End call @call: uncount it, log it, keep its Call ID out of use. */
static void call_quarantine(struct nat *n, uint32_t call, const char *why,
			    uint64_t now)
{
	struct nat_session *s = &n->t.s[call];

	assert(s->klass != CLASS_GRE_QUARANTINE && s->owner);
	/* the host's count drops only when the quarantine ends: a host that
	 * opens and ends calls fast cannot hold more IDs than its limit */
	addr_count_sub(&n->alg[s->alg].calls_server, n->hkey, s->rem_addr, 1);
	n->st.proto[NAT_PC_GRE].sessions--;
	n->st.proto[NAT_PC_GRE].sessions_ended++;
	n->st.resting_calls++;
	emit(n, s->klass == CLASS_GRE_PENDING ? NAT_EV_CALL_REFUSED
					      : NAT_EV_CALL_DOWN,
	     s->owner, call, why);
	session_rekey(&n->t, call, set_quarantine, NULL, now);
}

/*
 * With several workers, a translated Call ID is unique per public
 * address, whatever the server: steering finds a call's worker by the
 * Call ID alone, so each is claimed in the pool's owner array (compare
 * and exchange from free to this worker) and given back when its record
 * is freed.  With one worker nothing is claimed, and a Call ID is unique
 * per (public address, server) as the session table tells.
 */
bool call_id_claim(struct nat *n, unsigned slot, uint16_t id)
{
	uint8_t *o, want = 0;

	if (!n->sh->owner)
		return true;
	o = &n->sh->owner[slot][(size_t)OWN_CALL * 65536 + id];
	return __atomic_compare_exchange_n(o, &want,
					   (uint8_t)(n->worker + 1), false,
					   __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

void call_id_release(struct nat *n, unsigned slot, uint16_t id)
{
	owner_set(n->sh, slot, OWN_CALL, id, 0);
}

uint32_t alg_call_open(struct alg_ctx *c, uint16_t inside_id,
		       uint16_t *xlated, const char **why)
{
	struct nat *n = c->n;
	const struct nat_session *ctl = &n->t.s[c->si];
	const struct nat_alg_config *lim = &n->cfg.alg[ctl->alg];
	struct alg_state *a = &n->alg[ctl->alg];
	uint32_t call, start;
	struct nat_session tmpl;
	enum drop_reason full;
	struct flow_key k;
	unsigned i;

	if (addr_count(&a->calls_host, n->hkey, ctl->in_addr) >=
	    lim->max_calls_per_host) {
		*why = "max-calls-per-host reached";
		return 0;
	}
	if (addr_count(&a->calls_server, n->hkey, ctl->rem_addr) >=
	    lim->max_calls_per_server) {
		*why = "max-calls-per-server reached";
		return 0;
	}
	/* the inside ID itself if free, else a random low byte */
	start = rng_next(n);
	for (i = 0; i <= 256; i++) {
		uint16_t id = i ? (uint16_t)((inside_id & 0xff00) |
					     ((start + i) & 0xff))
				: inside_id;

		if (!id)
			continue;
		flow_key_set(&k, SIDE_OUT, IPPROTO_GRE,
			     session_pub_addr(&n->t, ctl), htons(id),
			     ctl->rem_addr, 0);
		if (!session_find(&n->t, &k) &&
		    call_id_claim(n, ctl->pub_idx, id)) {
			*xlated = id;
			break;
		}
	}
	if (i > 256) {
		*why = "no free Call ID with that high byte";
		return 0;
	}
	if (i)
		n->st.alg[ctl->alg].id_collisions++;

	tmpl = (struct nat_session){
		.in_addr = ctl->in_addr,
		.rem_addr = ctl->rem_addr,
		.in_port = htons(inside_id),
		.pub_port = htons(*xlated),
		.pub_idx = ctl->pub_idx,
		.proto = IPPROTO_GRE,
		.klass = CLASS_GRE_PENDING,
		.alg = ctl->alg,
		.owner = c->si,
	};
	call = table_session_add(n, 0, &tmpl, c->now, &full);
	if (!call)
		call_id_release(n, ctl->pub_idx, *xlated);
	if (!call) {
		*why = full == DROP_HOST_LIMIT ? "max-sessions-per-host reached"
					       : "session table full";
		return 0;
	}
	addr_count_add(&a->calls_host, n->hkey, ctl->in_addr, 1);
	addr_count_add(&a->calls_server, n->hkey, ctl->rem_addr, 1);
	n->st.alg[ctl->alg].calls++;
	return call;
}

static void set_live(struct nat_session *s, const void *arg)
{
	s->klass = CLASS_GRE;
	s->rem_port = htons(*(const uint16_t *)arg);
}

void alg_call_activate(struct alg_ctx *c, uint32_t call, uint16_t outside_id)
{
	struct nat_session *s = &c->n->t.s[call];

	assert(s->owner == c->si);
	if (s->klass == CLASS_GRE && ntohs(s->rem_port) == outside_id) {
		session_refresh(&c->n->t, call, CLASS_GRE, c->now);
		return;		/* a retransmitted reply */
	}
	session_rekey(&c->n->t, call, set_live, &outside_id, c->now);
	emit(c->n, NAT_EV_CALL_UP, c->si, call, NULL);
}

bool alg_call_close(struct alg_ctx *c, uint32_t call, bool grace,
		    const char *why)
{
	struct nat_session *s = &c->n->t.s[call];

	assert(s->owner == c->si);
	if (grace && s->klass == CLASS_GRE) {
		session_refresh(&c->n->t, call, CLASS_GRE_CLOSING, c->now);
		return true;
	}
	if (grace && s->klass == CLASS_GRE_CLOSING)
		return true;
	call_quarantine(c->n, call, why, c->now);
	return false;
}

bool alg_call_alive(struct alg_ctx *c, uint32_t call)
{
	if (!session_expired(&c->n->t, &c->n->t.s[call], c->now))
		return true;
	alg_call_expired(c->n, call, c->now);
	return false;
}

void alg_call_refresh(struct alg_ctx *c, uint32_t call)
{
	struct nat_session *s = &c->n->t.s[call];

	if (s->klass == CLASS_GRE)
		session_refresh(&c->n->t, call, CLASS_GRE, c->now);
}

bool alg_call_recent(struct alg_ctx *c, uint16_t xlated, uint16_t *inside_id)
{
	const struct nat_session *ctl = &c->n->t.s[c->si];
	const struct nat_session *s;
	struct flow_key k;
	uint32_t si;

	flow_key_set(&k, SIDE_OUT, IPPROTO_GRE,
		     session_pub_addr(&c->n->t, ctl), htons(xlated),
		     ctl->rem_addr, 0);
	si = session_find(&c->n->t, &k);
	if (!si)
		return false;
	s = &c->n->t.s[si];
	if (s->klass != CLASS_GRE_QUARANTINE || s->in_addr != ctl->in_addr)
		return false;
	*inside_id = ntohs(s->in_port);
	return true;
}

void alg_call_freed(struct nat *n, uint32_t si)
{
	addr_count_sub(&n->alg[n->t.s[si].alg].calls_host, n->hkey,
		       n->t.s[si].in_addr, 1);
}

void alg_call_expired(struct nat *n, uint32_t si, uint64_t now)
{
	struct nat_session *s = &n->t.s[si];
	static const char *const why[CLASS_N] = {
		[CLASS_GRE_PENDING] = "no reply within 60 s",
		[CLASS_GRE] = "idle",
		[CLASS_GRE_CLOSING] = "cleared",
	};
	uint32_t owner = s->owner;
	struct nat_session *ctl = &n->t.s[owner];
	struct alg_ctx c = { .n = n, .si = owner, .now = now };

	alg_table[ctl->alg]->call_ended(&c, slot_priv(n, ctl->alg,
				ctl->ctl_slot), si);
	call_quarantine(n, si, why[s->klass] ? why[s->klass] : "expired",
			now);
}
