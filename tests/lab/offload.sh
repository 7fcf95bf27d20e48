#!/bin/sh
# SPDX-License-Identifier: MIT
# offload.sh - superpackets through tunnat, checked by a software checksum
#
#  namespace LAN              namespace WAN                 namespace END
#  10.0.1.1 tin0 --> tunnat --> tout0 10.0.2.1 --router--> veth 10.0.3.2
#  (TSO, partial csums)       ip_forward, veth TX checksum   iperf3 server
#                             offload OFF: the kernel finishes
#                             every partial checksum in software
#
# With offloads tunnat forwards GSO superpackets whose TCP checksum field
# holds only the pseudo-header sum.  Delivered locally such a packet is
# never checked, so a wrong partial sum would pass a two-namespace test.
# Here the WAN namespace routes on to END over a veth that cannot offload
# checksums: the kernel completes them from tunnat's partial sum, and END
# verifies them.  The other direction arrives in LAN with full checksums
# (DATA_VALID cleared by tunnat) that LAN verifies.  TcpInCsumErrors must
# stay 0 on both ends while real data flows both ways.

. "$(dirname "$0")/lib.sh"

lab_begin iperf3 ethtool nstat ss
n_end() { pp "$NS_END" "$@"; }
ns_add "$NS_LAN"
ns_add "$NS_WAN"
NS_END="tnend$ID"
ns_add "$NS_END"

ip link add "vw$ID" netns "$NS_WAN" type veth peer name "ve$ID" \
	netns "$NS_END" || broken "cannot create a veth pair"
n_wan ip addr add 10.0.3.1/24 dev "vw$ID"
n_wan ip link set "vw$ID" up
n_wan ethtool -K "vw$ID" tx off >/dev/null
n_wan sysctl -qw net.ipv4.ip_forward=1
n_wan sysctl -qw net.ipv4.conf.all.rp_filter=0
n_end ip addr add 10.0.3.2/24 dev "ve$ID"
n_end ip link set "ve$ID" up
n_end ethtool -K "ve$ID" tx off >/dev/null
n_end ip route add 203.0.113.0/24 via 10.0.3.1

cat >"$WORK/tunnat.yaml" <<YAML
inside: { device: tin$ID, netns: $NS_LAN, address: 10.0.1.1/24,
          routes: [0.0.0.0/0] }
outside: { device: tout$ID, netns: $NS_WAN, address: 10.0.2.1/24,
           routes: [203.0.113.1/32] }
nat: { addresses: [203.0.113.1] }
offload: auto
YAML

tunnat_start "$WORK/tunnat.yaml"
check "TCP segmentation offload was agreed" \
	grep -q "offloads: csum tso4" "$WORK/tunnat.log"

csum_errors() {
	ip netns exec "$1" nstat -az TcpInCsumErrors |
		awk '/TcpInCsumErrors/ { print $2 }'
}

bg_start iperf "$NS_END" iperf3 -s -p 5201
wait_for 5 sh -c "ip netns exec $NS_END ss -ltn | grep -q :5201" ||
	broken "no iperf3 server"
n_lan nstat -n >/dev/null
n_end nstat -n >/dev/null
for mode in "" "-R"; do
	before=$(stat_value rx-inside)
	# 3 s of data; a transfer that stalls (a bad checksum, say) ends
	# at 30 s as a failure instead of hanging
	check "iperf3 $mode through tunnat and a software-checksum hop" \
		sh -c "timeout -k 5 30 ip netns exec $NS_LAN iperf3 \
			-c 10.0.3.2 -t 3 --connect-timeout 3000 $mode -J \
			>'$WORK/iperf$mode.json'"
	bytes=$(/usr/bin/python3 -c "import json
try:
    d = json.load(open('$WORK/iperf$mode.json'))
    print(d['end']['sum_received']['bytes'])
except (OSError, ValueError, KeyError):
    print(0)")
	check "iperf3 $mode moved data" test "$bytes" -gt 10485760
	after=$(stat_value rx-inside)
	reads=$((after - before + 1))
	# uploads arrive as superpackets: far fewer reads than MSS segments
	[ -n "$mode" ] || check "uploads were read as superpackets" \
		test $((bytes / reads)) -gt 4000
done
check "no TCP checksum error at the far end" test "$(csum_errors "$NS_END")" = 0
check "no TCP checksum error in the LAN" test "$(csum_errors "$NS_LAN")" = 0
check "no superpacket needed cutting" test "$(stat_value gso-errors)" = 0
check "SIGTERM stops tunnat with status 0" tunnat_stop

lab_end
