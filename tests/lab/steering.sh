#!/bin/sh
# SPDX-License-Identifier: MIT
# steering.sh - with two workers, both ways of getting a packet to the
# worker that owns it: the BPF steering programs (steering: auto) and the
# handoff rings (steering: off)
#
#  namespace LAN                                       namespace WAN
#  hosts 192.168.1.10-.13                              server 198.51.100.1
#  tin0 (default route) ---fd--> tunnat 203.0.113.1 --fd--> tout0 (route to
#                                                            203.0.113.1/32)
#
# Each run sends FLOWS UDP flows of one datagram each (four inside hosts,
# many source ports), each echoed by the server, and pings from each host.
# Every echo must come back, through either path.  The first datagram of
# a flow is where the two differ: without a program, the kernel puts it on
# a queue by its own flow hash, so about half land on the worker that does
# not own them and are handed on (at least MIN_HANDED, or the handoff
# path was not exercised); with the programs, none is (the count starts
# after tunnat is up: what the kernel sent while the devices came up,
# before the programs were attached, may have been handed on).

. "$(dirname "$0")/lib.sh"

FLOWS=80
MIN_HANDED=10

lab_begin
ns_add "$NS_LAN"
ns_add "$NS_WAN"

# flows: send FLOWS datagrams, each from its own source, to the echo
# server; succeed if every one comes back
flows() {
	n_lan /usr/bin/python3 - "$FLOWS" <<'PY'
import socket, sys, time
n = int(sys.argv[1])
socks = []
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("192.168.1.%d" % (10 + i % 4), 30000 + i))
    s.settimeout(5)
    s.sendto(b"flow %d" % i, ("198.51.100.1", 5002))
    socks.append(s)
    time.sleep(0.002)
bad = 0
for i, s in enumerate(socks):
    try:
        if s.recv(100) != b"flow %d" % i:
            bad += 1
    except OSError:
        bad += 1
print("%d of %d echoes missing" % (bad, n))
sys.exit(1 if bad else 0)
PY
}

for mode in auto off; do
	echo "=== steering: $mode"
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
workers: 2
steering: $mode
YAML
	tunnat_start "$WORK/tunnat.yaml"
	n_lan sysctl -qw "net.ipv6.conf.tin$ID.disable_ipv6=1"
	n_wan sysctl -qw "net.ipv6.conf.tout$ID.disable_ipv6=1"
	for h in 11 12 13; do
		n_lan ip addr add "192.168.1.$h/24" dev "tin$ID"
	done
	if [ "$mode" = auto ]; then
		check "steering: auto loads the BPF programs" \
			grep -q "steering: BPF programs put packets" \
			"$WORK/tunnat.log"
	else
		check_not "steering: off loads no program" \
			grep -q "steering: BPF" "$WORK/tunnat.log"
	fi
	before=$(stat_value handed-off)
	bg_start "udpsrv$mode" "$NS_WAN" $PEER udp-server 5002 \
		"$WORK/udp.$mode.log" "$FLOWS"
	wait_for 5 grep -q listening "$WORK/udp.$mode.log" ||
		broken "no UDP server"
	check "steering: $mode: $FLOWS flows from 4 hosts, every echo back" \
		flows
	check "steering: $mode: the server saw only 203.0.113.1" sh -c \
		"[ \$(grep -c '^udp 203.0.113.1 ' '$WORK/udp.$mode.log') -eq $FLOWS ]"
	for h in 10 11 12 13; do
		check "steering: $mode: ping from 192.168.1.$h" \
			n_lan ping -c 2 -i 0.2 -W 2 -I "192.168.1.$h" \
			198.51.100.1
	done
	handed=$(($(stat_value handed-off) - before))
	echo "steering: $mode: $handed packets handed between workers"
	if [ "$mode" = auto ]; then
		check "steering: auto: none handed on" \
			test "$handed" -eq 0
	else
		check "steering: off: at least $MIN_HANDED handed on" \
			test "$handed" -ge "$MIN_HANDED"
	fi
	bg_stop "udpsrv$mode"
	check "steering: $mode: SIGTERM stops tunnat with status 0" \
		tunnat_stop
done

lab_end
