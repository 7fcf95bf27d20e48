#!/bin/sh
# SPDX-License-Identifier: MIT
# traceroute.sh - real traceroute and tracepath through tunnat and a
# smaller outside MTU: tunnat is a hop, and path MTU discovery finds 1280
#
#  namespace LAN                                        namespace WAN
#  host 192.168.1.10, mtu 1500                          server 198.51.100.1
#  tin0 (default route) --fd--> tunnat 203.0.113.1 --fd--> tout0, mtu 1280
#                               router address 192.0.0.8   (route to
#                               (then 100.64.0.1)           203.0.113.1/32)
#
# traceroute (UDP, ICMP and TCP probes) from the LAN must list exactly two
# hops: tunnat's inside.router-address (its time exceeded, RFC 5508 7.2)
# and the server (its port unreachable or TCP reset, translated back).
# tracepath must report the path MTU 1280 (tunnat's fragmentation needed,
# RFC 5508 7.1.1) and reach the server; traceroute --mtu likewise.  Then
# tunnat is restarted with inside.router-address: 100.64.0.1, and the hop
# must show that address instead.  Rows 42 and 44 of the NAT requirements
# checklist, with real tools (tests/lab/conformance-rows.md).

. "$(dirname "$0")/lib.sh"

lab_begin traceroute tracepath
ns_add "$NS_LAN"
ns_add "$NS_WAN"
for ns in "$NS_LAN" "$NS_WAN"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 \
		net.ipv6.conf.all.disable_ipv6=1
done
# The server's kernel answers every probe: by default it sends a peer at
# most 6 ICMP errors in a burst, then one a second, and every traceroute
# here gets 4 port unreachables from it
ip netns exec "$NS_WAN" sysctl -qw net.ipv4.icmp_ratelimit=0

# config ROUTER-ADDRESS: the lab's configuration, with that router address
config() {
	cat <<YAML
inside:
  device: tin$ID
  netns: $NS_LAN
  address: 192.168.1.10/24
  routes: [0.0.0.0/0]
  router-address: $1
outside:
  device: tout$ID
  netns: $NS_WAN
  address: 198.51.100.1/24
  routes: [203.0.113.1/32]
  mtu: 1280
nat:
  addresses: [203.0.113.1]
YAML
}

# hops FILE: the hop addresses traceroute printed, one line, in order
hops() {
	sed -n 's/^ *[0-9][0-9]*  *\([0-9.][0-9.]*\) .*/\1/p' "$1" | tr '\n' ' '
}

# trace NAME [TRACEROUTE OPTION...]: traceroute from the LAN host to the
# server, output in $WORK/NAME.out; at most 5 hops, 1 probe each, 2 s
trace() {
	name=$1
	shift
	echo "  [$NS_LAN] traceroute -n -q 1 -w 2 -m 5 $* 198.51.100.1" >&2
	timeout 30 ip netns exec "$NS_LAN" traceroute -n -q 1 -w 2 -m 5 "$@" \
		198.51.100.1 >"$WORK/$name.out" 2>&1
	rc=$?
	cat "$WORK/$name.out"
	return "$rc"
}

# two_hops NAME ROUTER: NAME's hops were ROUTER, then the server
two_hops() {
	cat "$WORK/$1.out"
	[ "$(hops "$WORK/$1.out")" = "$2 198.51.100.1 " ]
}

# tracepath_to NAME: tracepath from the LAN host to the server, output in
# $WORK/NAME.out, starting from a clean route cache (traceroute --mtu, for
# one, leaves the path MTU it learnt there)
tracepath_to() {
	ip -n "$NS_LAN" route flush cache
	echo "  [$NS_LAN] tracepath -n -m 5 198.51.100.1" >&2
	timeout 30 ip netns exec "$NS_LAN" tracepath -n -m 5 198.51.100.1 \
		>"$WORK/$1.out" 2>&1
	rc=$?
	cat "$WORK/$1.out"
	return "$rc"
}

config 192.0.0.8 >"$WORK/tunnat.yaml"
tunnat_start "$WORK/tunnat.yaml"

for probe in udp icmp tcp; do
	case $probe in
	udp) opts="" ;;
	icmp) opts="-I" ;;
	tcp) opts="-T -p 22" ;;
	esac
	check "traceroute ($probe probes) ran" trace "$probe" $opts
	check "traceroute ($probe probes): hop 1 is 192.0.0.8, hop 2 the server" \
		two_hops "$probe" 192.0.0.8
done

check "traceroute --mtu ran" trace mtu --mtu
check "traceroute --mtu: the server's hop needs F=1280" \
	grep -q '^ *2  *198\.51\.100\.1 .*F=1280' "$WORK/mtu.out"

check "tracepath ran" tracepath_to tracepath
check "tracepath: hop 1 is 192.0.0.8" \
	grep -q '^ *1: *192\.0\.0\.8 ' "$WORK/tracepath.out"
check "tracepath: 192.0.0.8 reports pmtu 1280" \
	grep -q '^ *[0-9]*: *192\.0\.0\.8 .*pmtu 1280' "$WORK/tracepath.out"
check "tracepath: reached the server" \
	grep -q '198\.51\.100\.1 .*reached' "$WORK/tracepath.out"
check "tracepath: path MTU 1280, 2 hops" \
	grep -q 'Resume: pmtu 1280 hops 2 ' "$WORK/tracepath.out"
check "tunnat counted the ICMP errors it sent" \
	test "$(stat_value icmp-errors)" -ge 5
check "SIGTERM stops tunnat with status 0" tunnat_stop

# the hop is inside.router-address, whatever it is set to
config 100.64.0.1 >"$WORK/tunnat.yaml"
tunnat_start "$WORK/tunnat.yaml"
check "traceroute ran (router address 100.64.0.1)" trace router
check "traceroute: hop 1 is 100.64.0.1, hop 2 the server" \
	two_hops router 100.64.0.1
check "tracepath ran (router address 100.64.0.1)" tracepath_to tracepath2
check "tracepath: 100.64.0.1 reports pmtu 1280" \
	grep -q '^ *[0-9]*: *100\.64\.0\.1 .*pmtu 1280' "$WORK/tracepath2.out"
check "SIGTERM stops tunnat with status 0" tunnat_stop

lab_end
