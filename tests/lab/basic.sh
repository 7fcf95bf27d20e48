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

bg_start cap "$NS_WAN" tcpdump -n -U -i "tout$ID" -w "$WORK/wan.pcap" ip
wait_for 5 test -s "$WORK/wan.pcap" || broken "tcpdump did not start"

for src in 192.168.1.10 192.168.1.11; do
	check "ping from $src" n_lan ping -c 2 -W 2 -I "$src" 198.51.100.1
done
check "ping the router address" n_lan ping -c 1 -W 2 192.0.0.8
check "ping the public address from outside" \
	n_wan ping -c 1 -W 2 203.0.113.1
check "TTL 1 answered with time exceeded from 192.0.0.8" sh -c \
	"ip netns exec $NS_LAN ping -c 1 -W 2 -t 1 198.51.100.1 |
	 grep -q 'From 192.0.0.8.*Time to live exceeded'"

# TCP: one transfer from each LAN address
bg_start tcpsrv "$NS_WAN" $PEER tcp-server 5001 "$WORK/tcp.log" 2
wait_for 5 grep -q listening "$WORK/tcp.log" || broken "no TCP server"
for src in 192.168.1.10 192.168.1.11; do
	check "TCP transfer of 1 MiB from $src" \
		n_lan $PEER tcp-client "$src" 198.51.100.1 5001 1048576
done
check "the TCP server saw only 203.0.113.1" sh -c \
	"[ \$(grep -c '^tcp 203.0.113.1 ' '$WORK/tcp.log') -eq 2 ] &&
	 ! grep -q '^tcp 192.168' '$WORK/tcp.log'"
check "the two TCP connections used distinct public ports" sh -c \
	"[ \$(grep '^tcp' '$WORK/tcp.log' | cut -d' ' -f3 | sort -u |
	     wc -l) -eq 2 ]"

# UDP: an echo exchange from each LAN address
bg_start udpsrv "$NS_WAN" $PEER udp-server 5002 "$WORK/udp.log" 6
wait_for 5 grep -q listening "$WORK/udp.log" || broken "no UDP server"
for src in 192.168.1.10 192.168.1.11; do
	check "UDP echo from $src" \
		n_lan $PEER udp-client "$src" 198.51.100.1 5002 3
done
check "the UDP server saw only 203.0.113.1" sh -c \
	"[ \$(grep -c '^udp 203.0.113.1 ' '$WORK/udp.log') -eq 6 ]"

# Unsolicited inbound traffic goes nowhere and is counted
before=$(drop_value no-session)
n_wan $PEER udp-send 198.51.100.1 203.0.113.1 9999
check "unsolicited inbound UDP counted as no-session" \
	drop_is no-session $((before + 1))
check "the sessions are in the table" test "$(stat_value sessions)" -ge 4

# The WAN side never saw a LAN address
bg_stop cap
check "WAN capture holds the translated flows" sh -c \
	"tcpdump -n -r '$WORK/wan.pcap' 2>/dev/null |
	 grep -q '203.0.113.1.* > 198.51.100.1.5001'"
check_not "no LAN address ever reached the WAN" sh -c \
	"tcpdump -n -r '$WORK/wan.pcap' 2>/dev/null | grep '192\\.168\\.'"

check "SIGTERM stops tunnat with status 0" tunnat_stop
check_not "the inside device is gone" ip -n "$NS_LAN" link show "tin$ID"
check_not "the outside device is gone" ip -n "$NS_WAN" link show "tout$ID"

lab_end
