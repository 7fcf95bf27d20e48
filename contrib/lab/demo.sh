#!/bin/sh
# SPDX-License-Identifier: MIT
# demo.sh - run tunnat in a two-namespace lab and show traffic crossing it
#
#   namespace tunnat-lan                        namespace tunnat-wan
#   LAN hosts 192.168.1.10, .11     tunnat      server 198.51.100.1
#   tin0, default route ------> 203.0.113.1 --> tout0, route 203.0.113.1/32
#
# Usage: contrib/lab/demo.sh [CONFIG]   (as root; default etc/tunnat.yaml)
# The namespaces tunnat-lan and tunnat-wan are created here and deleted on
# exit; if they exist already the demo refuses to touch them.

set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
TUNNAT=${TUNNAT:-$TOP/src/tunnat}
CONF=${1:-$TOP/etc/tunnat.yaml}
PEER="/usr/bin/python3 $TOP/tests/lab/peer.py"
LAN=tunnat-lan
WAN=tunnat-wan
CREATED=""
PIDS=""
WORK=""

[ "$(id -u)" -eq 0 ] || { echo "demo.sh: run as root" >&2; exit 1; }
[ -x "$TUNNAT" ] || { echo "demo.sh: build tunnat first" >&2; exit 1; }
for ns in $LAN $WAN; do
	if [ -e "/run/netns/$ns" ]; then
		echo "demo.sh: namespace $ns exists; delete it (ip netns del $ns) and retry" >&2
		exit 1
	fi
done

cleanup() {
	set +e
	for pid in $PIDS; do kill "$pid" 2>/dev/null; done
	for pid in $PIDS; do wait "$pid" 2>/dev/null; done
	for ns in $CREATED; do ip netns del "$ns"; done
	[ -n "$WORK" ] && rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

say() { printf '\n== %s\n' "$*"; }
run() { echo "\$ $*"; "$@"; }

WORK=$(mktemp -d /tmp/tunnat-demo.XXXXXX)
for ns in $LAN $WAN; do
	ip netns add "$ns"
	CREATED="$CREATED $ns"
	ip -n "$ns" link set lo up
done

say "starting tunnat on $CONF"
"$TUNNAT" -c "$CONF" >"$WORK/tunnat.log" 2>&1 &
TUNNAT_PID=$!
PIDS="$TUNNAT_PID"
i=0
until grep -q "forwarding between" "$WORK/tunnat.log"; do
	i=$((i + 1))
	if [ "$i" -gt 100 ] || ! kill -0 "$TUNNAT_PID" 2>/dev/null; then
		cat "$WORK/tunnat.log"
		exit 1
	fi
	sleep 0.1
done
cat "$WORK/tunnat.log"
ip -n $LAN addr add 192.168.1.11/24 dev tin0

ip netns exec $WAN tcpdump -l -n -i tout0 ip >"$WORK/wan.txt" 2>/dev/null &
PIDS="$PIDS $!"
ip netns exec $WAN $PEER tcp-server 8080 "$WORK/tcp.log" 2 &
PIDS="$PIDS $!"
ip netns exec $WAN $PEER udp-server 5353 "$WORK/udp.log" 2 &
PIDS="$PIDS $!"
sleep 1

say "ping the server from both LAN addresses"
for src in 192.168.1.10 192.168.1.11; do
	run ip netns exec $LAN ping -c 2 -I $src 198.51.100.1
done

say "a TTL of 1 is answered by tunnat itself (192.0.0.8)"
run ip netns exec $LAN ping -c 1 -t 1 198.51.100.1 || true

say "TCP and UDP from both LAN addresses; the server reports its peers"
for src in 192.168.1.10 192.168.1.11; do
	run ip netns exec $LAN $PEER tcp-client $src 198.51.100.1 8080 100000
	run ip netns exec $LAN $PEER udp-client $src 198.51.100.1 5353 1
done
sleep 0.5
echo "server saw (protocol, peer address, peer port, bytes ...):"
cat "$WORK/tcp.log" "$WORK/udp.log" | grep -v listening

say "what the WAN side saw: only the public address 203.0.113.1"
sed -n '1,12p' "$WORK/wan.txt"

say "tunnat's counters (SIGUSR1)"
kill -USR1 "$TUNNAT_PID"
sleep 0.3
grep "stats:" "$WORK/tunnat.log" | tail -n 1

say "stopping tunnat (SIGTERM)"
kill -TERM "$TUNNAT_PID"
wait "$TUNNAT_PID" && echo "tunnat exited with status 0"
PIDS=${PIDS#"$TUNNAT_PID"}
