/* SPDX-License-Identifier: MIT */
/* alg.h - the contract between the engine and its application gateways
 *
 * An ALG watches the TCP control connections of one protocol (chosen by
 * server port) and translates the identifiers they carry, as the engine
 * translates ports.  The engine gives it, for each segment of such a
 * connection, the payload and the direction, before any address is
 * rewritten; the ALG may rewrite payload bytes in place (never the length,
 * so sequence numbers never move), ask the engine for related flows (GRE
 * calls keyed by Call ID), and tell the engine to drop the segment or to
 * reset the connection.  The engine tells it when a connection ends and
 * when one of its calls ends on its own (idle, unanswered).
 *
 * An ALG sees only struct alg_ctx through the helpers below: never the
 * session table, never I/O.  Its per-connection state (priv) is a slot of
 * ops->priv_size bytes the engine reserves for every tracked connection.
 * The engine walks a table of ALGs (alg.c) for everything else: which
 * server ports each one watches, its state slots, its limits and its
 * counters, all kept per ALG under the same names (struct nat_alg_config,
 * struct nat_alg_stats).  Adding an ALG adds its file, a value of enum
 * nat_alg (nat.h) and a row in alg.c's table; nat.c does not change.  The
 * related flows the helpers below can open are GRE calls keyed by a 16-bit
 * identifier, what PPTP needs; an ALG whose data flows are of another kind
 * (FTP's TCP data connections, say) would add a helper here for them.
 */
#ifndef TN_ALG_H
#define TN_ALG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../net/pkt.h"
#include "nat.h"

enum alg_verdict {
	ALG_PASS,	/* translate and forward the segment */
	ALG_DROP,	/* drop it (the ALG says why with the segment's drop) */
	ALG_RESET,	/* reset the connection: answer this segment, and the
			 * next one from the other side, with a TCP RST */
};

/**
 * struct alg_seg - one TCP segment of a control connection
 * @dir:	DIR_OUT if the inside peer sent it, DIR_IN if the outside one
 * @flags:	TCP flags
 * @seq:	sequence number of its first payload byte (SYN: of the SYN),
 *		host order
 * @data:	payload, @len bytes; change it only with alg_set_byte()
 */
struct alg_seg {
	enum pkt_dir dir;
	uint8_t flags;
	uint32_t seq;
	const uint8_t *data;
	uint32_t len;
};

struct alg_ctx;

/**
 * struct alg_ops - one ALG
 * @name:	as in the configuration and the logs
 * @priv_size:	bytes of per-connection state it needs under its @cfg
 * @conn_init:	a new control connection: set up @priv (zeroed)
 * @segment:	a segment of the connection, before translation
 * @conn_end:	the connection's session is going away: close its calls
 * @call_ended:	the engine ended call @call on its own (idle, unanswered,
 *		grace over); forget it
 */
struct alg_ops {
	const char *name;
	size_t (*priv_size)(const struct nat_alg_config *cfg);
	void (*conn_init)(void *priv, const struct nat_alg_config *cfg);
	enum alg_verdict (*segment)(struct alg_ctx *c, void *priv,
				    const struct alg_seg *seg);
	void (*conn_end)(struct alg_ctx *c, void *priv);
	void (*call_ended)(struct alg_ctx *c, void *priv, uint32_t call);
};

extern const struct alg_ops alg_pptp_ops;

/* ---- helpers an ALG may call ------------------------------------------ */

/* alg_set_byte() - set payload byte @off of the segment to @val, keeping
 * the TCP checksum right */
void alg_set_byte(struct alg_ctx *c, uint32_t off, uint8_t val);

/* alg_set_drop() - the reason the engine counts if the ALG drops */
void alg_set_drop(struct alg_ctx *c, enum drop_reason r);

/**
 * alg_call_open() - reserve a translated Call ID for the inside peer's
 * @inside_id, and a GRE call (pending until activated) to hold it
 * @xlated:	the translated ID: unique for (public address, remote host)
 *		among live, pending and quarantined calls; @inside_id itself
 *		when free; never 0; same high byte as @inside_id
 * @why:	on failure, a static reason
 *
 * Return: the call's handle, or 0 if it could not be opened
 */
uint32_t alg_call_open(struct alg_ctx *c, uint16_t inside_id,
		       uint16_t *xlated, const char **why);

/* alg_call_activate() - the call was accepted; @outside_id is the outside
 * peer's Call ID: GRE now passes both ways (logs the mapping) */
void alg_call_activate(struct alg_ctx *c, uint32_t call, uint16_t outside_id);

/**
 * alg_call_close() - end a call: at once, or after a short grace during
 * which its GRE still passes; its Call ID is then quarantined
 *
 * A call that never went live ends at once, grace or not.
 *
 * Return: true if the call lives on for its grace (the engine will report
 * its end through ->call_ended), false if it has ended
 */
bool alg_call_close(struct alg_ctx *c, uint32_t call, bool grace,
		    const char *why);

/* alg_call_alive() - false if call @call has run out its time: it is then
 * ended, and the ALG hears of it through ->call_ended first */
bool alg_call_alive(struct alg_ctx *c, uint32_t call);

/* alg_call_refresh() - the control connection shows the call is alive */
void alg_call_refresh(struct alg_ctx *c, uint32_t call);

/* alg_call_recent() - the inside Call ID behind @xlated on a call of this
 * connection's inside host and remote that already ended (quarantined) */
bool alg_call_recent(struct alg_ctx *c, uint16_t xlated, uint16_t *inside_id);

/* alg_reset_why() - why the ALG is about to return ALG_RESET (logged) */
void alg_reset_why(struct alg_ctx *c, const char *why);

/* alg_server_refused() - the server refused a control connection (logged,
 * counted: RFC 2637 3.1.3 lets it allow one per client address) */
void alg_server_refused(struct alg_ctx *c);

/* ---- the engine's side (alg.c) ---------------------------------------- */

struct nat;

/* alg_init() - reserve state for the enabled ALGs; 0 or -ENOMEM */
int alg_init(struct nat *n, const struct nat_config *cfg);

/* alg_enable() - reserve state for ALG @id, enabled by a reload under
 * @cfg (tables sized for @max_sessions); 0 or -ENOMEM */
int alg_enable(struct nat *n, enum nat_alg id, const struct nat_alg_config *cfg,
	       uint32_t max_sessions);

/**
 * alg_state_fits() - was the state of ALG @id made for the limits of @cfg
 * (max_connections, max_calls_per_connection)?  True if it has none yet.
 *
 * The state is made when the ALG is first enabled, and lives on while it
 * is off, for the connections and calls it tracks: it cannot be resized.
 */
bool alg_state_fits(const struct nat *n, enum nat_alg id,
		    const struct nat_alg_config *cfg);

/* alg_fini() - free what alg_init() reserved */
void alg_fini(struct nat *n);

/* alg_for_port() - the enabled ALG serving TCP port @port (host order) */
enum nat_alg alg_for_port(const struct nat *n, uint16_t port);

/* alg_has_room() - a new connection of @alg would get a state slot */
bool alg_has_room(const struct nat *n, enum nat_alg alg);

/* alg_conn_attach() - give new session @si of @alg a state slot, which
 * alg_has_room() said there is */
void alg_conn_attach(struct nat *n, uint32_t si, enum nat_alg alg);

/**
 * alg_segment() - run session @si's ALG on TCP segment @p, of direction
 * @dir, before @p is translated
 * @hairpin:	@p already went through the other half of a hairpin: a
 *		reset is then a drop (the sender is reset on its own side)
 *
 * Return: VERDICT_FORWARD to go on translating; VERDICT_BACK with @p
 * turned into a TCP RST to its sender; VERDICT_DROP (counted)
 */
enum verdict alg_segment(struct nat *n, uint32_t si, struct pkt *p,
			 enum pkt_dir dir, bool hairpin, uint64_t now);

/* alg_conn_end() - control connection @si's session is being freed */
void alg_conn_end(struct nat *n, uint32_t si, uint64_t now);

/* alg_call_freed() - quarantined call @si is about to be freed */
void alg_call_freed(struct nat *n, uint32_t si);

/* alg_call_expired() - call @si's time in its class ran out: end it
 * (quarantine), telling the ALG that owns it */
void alg_call_expired(struct nat *n, uint32_t si, uint64_t now);

#endif /* TN_ALG_H */
