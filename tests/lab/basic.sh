#!/bin/sh
# SPDX-License-Identifier: MIT
# basic.sh - ping, TCP and UDP from two LAN hosts through tunnat
#
#  namespace LAN                                       namespace WAN
#  hosts 192.168.1.10 and .11                          server 198.51.100.1
#  tin0 (default route) ---fd--> tunnat 203.0.113.1 --fd--> tout0 (route to
#                                                            203.0.113.1/32)
#
# tunnat runs in the test's own namespace and opens each TUN inside its
# namespace.  The server must see only 203.0.113.1; replies must come back;
# a capture on the WAN side must never show a LAN address; unsolicited
# inbound traffic is dropped and counted; TTL 1 gets "time exceeded" from
# the router address; SIGTERM ends tunnat with status 0 and removes the
# devices it created.

. "$(dirname "$0")/lib.sh"

lab_begin tcpdump
ns_add "$NS_LAN"
ns_add "$NS_WAN"

cat >"$WORK/tunnat.yaml" <<YAML
inside:
  device: tin$ID
  netns: $NS_LAN
  address: 192.168.1.10/24
  routes: [0.0.0.0/0]
outside:
  device: tout$ID
  netns: $NS_WAN
  address: 198.51.100.1/24
  routes: [203.0.113.1/32]
nat:
  addresses: [203.0.113.1]
YAML

tunnat_start "$WORK/tunnat.yaml"
n_lan ip addr add 192.168.1.11/24 dev "tin$ID"
n_wan sysctl -qw "net.ipv6.conf.tout$ID.disable_ipv6=1"

capture_start wan "$NS_WAN" "tout$ID"

for src in 192.168.1.10 192.168.1.11; do
	check "ping from $src" n_lan ping -c 2 -W 2 -I "$src" 198.51.100.1
done
check "ping the router address" n_lan ping -c 1 -W 2 192.0.0.8
check "ping the public address from outside" \
	n_wan ping -c 1 -W 2 203.0.113.1
check "TTL 1 answered with time exceeded from 192.0.0.8" sh -c \
	"ip netns exec $NS_LAN ping -c 1 -W 2 -t 1 198.51.100.1 |
	 grep -q 'From 192.0.0.8.*Time to live exceeded'"

# ports_seen PROTO: the source ports the server logged, in order
ports_seen() {
	grep "^$1 " "$WORK/$1.log" | cut -d' ' -f3 | tr '\n' ' '
}

# port_mapping PROTO PORT LO HI FIRST SECOND...: the server saw the first
# inside endpoint's packets (FIRST of them) from port PORT (kept, as it was
# free) and the second's (SECOND) from one other port in LO..HI (PORT was
# taken, so one of the same class was picked)
port_mapping() {
	set -- "$@" $(ports_seen "$1")
	proto=$1 port=$2 lo=$3 hi=$4 first=$5
	shift 5
	echo "$proto ports seen: $*"
	[ $# -eq $((first * 2)) ] || return 1
	while [ "$first" -gt 0 ]; do
		[ "$1" -eq "$port" ] || return 1
		first=$((first - 1))
		shift
	done
	other=$1
	[ "$other" -ne "$port" ] && [ "$other" -ge "$lo" ] &&
		[ "$other" -le "$hi" ] || return 1
	for p in "$@"; do
		[ "$p" -eq "$other" ] || return 1
	done
}

# TCP: one transfer from each LAN address, both from source port 40000, so
# that the second needs another public port
bg_start tcpsrv "$NS_WAN" $PEER tcp-server 5001 "$WORK/tcp.log" 2
wait_for 5 grep -q listening "$WORK/tcp.log" || broken "no TCP server"
for src in 192.168.1.10 192.168.1.11; do
	check "TCP transfer of 1 MiB from $src port 40000" \
		n_lan $PEER tcp-client "$src:40000" 198.51.100.1 5001 1048576
done
check "the TCP server saw only 203.0.113.1" sh -c \
	"[ \$(grep -c '^tcp 203.0.113.1 ' '$WORK/tcp.log') -eq 2 ] &&
	 ! grep -q '^tcp 192.168' '$WORK/tcp.log'"
check "TCP: port 40000 kept for the first, another of 1024-65535 for the second" \
	port_mapping tcp 40000 1024 65535 1

# UDP: an echo exchange from each LAN address, both from source port 700:
# the second gets another port below 1024 (RFC 4787 REQ-3a)
bg_start udpsrv "$NS_WAN" $PEER udp-server 5002 "$WORK/udp.log" 6
wait_for 5 grep -q listening "$WORK/udp.log" || broken "no UDP server"
for src in 192.168.1.10 192.168.1.11; do
	check "UDP echo from $src port 700" \
		n_lan $PEER udp-client "$src:700" 198.51.100.1 5002 3
done
check "the UDP server saw only 203.0.113.1" sh -c \
	"[ \$(grep -c '^udp 203.0.113.1 ' '$WORK/udp.log') -eq 6 ]"
check "UDP: port 700 kept for the first, another of 1-1023 for the second" \
	port_mapping udp 700 1 1023 3

# Unsolicited inbound traffic goes nowhere and is counted
before=$(drop_value no-session)
n_wan $PEER udp-send 198.51.100.1 203.0.113.1 9999
check "unsolicited inbound UDP counted as no-session" \
	drop_is no-session $((before + 1))
check "the sessions are in the table" test "$(stat_value sessions)" -ge 4

# The WAN side never saw a LAN address
capture_stop wan
check "WAN capture holds the translated flows" sh -c \
	"tcpdump -n -r '$WORK/wan.pcap' 2>/dev/null |
	 grep -q '203.0.113.1.* > 198.51.100.1.5001'"
check_not "no LAN address ever reached the WAN" sh -c \
	"tcpdump -n -r '$WORK/wan.pcap' 2>/dev/null | grep '192\\.168\\.'"

check "SIGTERM stops tunnat with status 0" tunnat_stop
check_not "the inside device is gone" ip -n "$NS_LAN" link show "tin$ID"
check_not "the outside device is gone" ip -n "$NS_WAN" link show "tout$ID"

lab_end
