/* SPDX-License-Identifier: MIT */
/* gre.h - GRE header view: version 0 (RFC 2784/2890) and 1 (RFC 2637 4.1)
 *
 * Version 1 is PPTP's "enhanced GRE": the key is present and holds the
 * payload length (high half) and the receiver's Call ID (low half);
 * sequence and acknowledgment numbers are optional (an ack-only packet has
 * no payload and no sequence number); there is no checksum.
 */
#ifndef TN_GRE_H
#define TN_GRE_H

#include <arpa/inet.h>

#include <assert.h>
#include <stdint.h>

#define GRE_C		0x8000	/* checksum present */
#define GRE_R		0x4000	/* routing present (obsolete) */
#define GRE_K		0x2000	/* key present */
#define GRE_S		0x1000	/* sequence number present */
#define GRE_SSR		0x0800	/* strict source route (obsolete) */
#define GRE_RECUR	0x0700	/* recursion control */
#define GRE_A		0x0080	/* acknowledgment present (version 1) */
#define GRE_FLAGS	0x0078	/* must be 0 */
#define GRE_VER		0x0007

#define GRE_PROTO_PPP	0x880b
#define GRE_V1_CALL_ID	6	/* offset of the Call ID in a version 1 header */

struct gre_hdr {
	uint16_t flags_ver;
	uint16_t proto;
};
static_assert(sizeof(struct gre_hdr) == 4, "GRE base header is 4 bytes");

/**
 * gre_hdr_len() - length of a valid GRE header in @len bytes at @g, or 0
 *
 * Version 1 must look exactly as RFC 2637 4.1 says: K set, C, R, s,
 * recursion and flags clear, protocol PPP; S and A in any combination.
 * Version 0 may carry a checksum, key and sequence number, but no routing.
 * Other versions are invalid.
 */
static inline unsigned gre_hdr_len(const struct gre_hdr *g, unsigned len)
{
	uint16_t f;
	unsigned need;

	if (len < sizeof(*g))
		return 0;
	f = ntohs(g->flags_ver);
	switch (f & GRE_VER) {
	case 0:
		if (f & (GRE_R | GRE_SSR | GRE_RECUR | GRE_A | GRE_FLAGS))
			return 0;
		need = 4 + (f & GRE_C ? 4 : 0) + (f & GRE_K ? 4 : 0) +
		       (f & GRE_S ? 4 : 0);
		break;
	case 1:
		if ((f & (GRE_C | GRE_R | GRE_K | GRE_SSR | GRE_RECUR |
			  GRE_FLAGS)) != GRE_K ||
		    ntohs(g->proto) != GRE_PROTO_PPP)
			return 0;
		need = 8 + (f & GRE_S ? 4 : 0) + (f & GRE_A ? 4 : 0);
		break;
	default:
		return 0;
	}
	return need <= len ? need : 0;
}

/* gre_version() - the version field of @g */
static inline unsigned gre_version(const struct gre_hdr *g)
{
	return ntohs(g->flags_ver) & GRE_VER;
}

#endif /* TN_GRE_H */
