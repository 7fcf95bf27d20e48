/* SPDX-License-Identifier: MIT */
/* tcp.h - TCP segments the router itself sends */
#ifndef TN_TCP_H
#define TN_TCP_H

#include "pkt.h"

/**
 * tcp_reset_build() - replace the TCP segment @p, in place, by the RST that
 * answers it (RFC 793 "Reset Generation")
 *
 * The reset goes back to @p's sender: addresses and ports swapped; if @p
 * carried an ACK the reset's sequence number is that ACK, otherwise it
 * acknowledges everything @p occupied.  No options, no payload, TTL 64,
 * DF, ID 0 (RFC 6864); @p's IP options are not copied.
 */
void tcp_reset_build(struct pkt *p);

#endif /* TN_TCP_H */
