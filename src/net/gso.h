/* SPDX-License-Identifier: MIT */
/* gso.h - do in software what an offloading device would: finish a partial
 * checksum, cut a superpacket into the packets it stands for */
#ifndef TN_GSO_H
#define TN_GSO_H

#include <stddef.h>
#include <stdint.h>

#include "pkt.h"

/**
 * gso_segment() - the packets @p stands for, each whole with checksums
 * @p:		a parsed packet with a virtio-net header
 * @out:	scratch for one packet at a time, at least 576 + @p's headers
 *		and one segment's payload (PKT_BUF_SIZE will do)
 * @emit:	called with each packet in order; @arg passed along
 *
 * A packet with only a partial checksum gets its checksum finished.  A
 * TCP superpacket (TSO) becomes segments of gso_size bytes of payload,
 * sequence numbers advanced, IPv4 IDs counting up, FIN and PSH on the last
 * segment only and CWR on the first; a UDP one (USO) becomes datagrams of
 * gso_size bytes.  This is the slow path for a device that did not agree
 * to take offloaded packets: never needed when both devices did.
 *
 * Return: packets emitted, or 0 if @p cannot be cut (counted by the caller)
 */
unsigned gso_segment(const struct pkt *p, uint8_t *out,
		     void (*emit)(void *arg, const uint8_t *pkt, size_t len),
		     void *arg);

/**
 * gso_csum_finish() - complete the partial transport checksum of @p in
 * place, as the device would, and clear its NEEDS_CSUM flag
 */
void gso_csum_finish(struct pkt *p);

#endif /* TN_GSO_H */
