/* SPDX-License-Identifier: MIT */
/* proto_udp.c - UDP: ports are the endpoint, RFC 768 zero-checksum rule */

#include <stddef.h>

#include "nat_int.h"

enum drop_reason proto_udp_flow(struct pkt *p, struct pkt_flow *f)
{
	nat_flow_ports(p, f, offsetof(struct udp_hdr, check));
	f->v.udp = true;
	f->klass = CLASS_UDP;
	f->tcp_flags = 0;
	f->may_create = true;
	return DROP_NONE;
}
