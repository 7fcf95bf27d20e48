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
#
# After ping, TCP and UDP, tunnatctl shows the NAT table.  Then two PPTP
# clients, 192.168.1.10 and .11, both with Call ID 1, call one server
# through the one public address (tests/lab/flows.py speaks the PPTP of
# each side), and tunnatctl shows the Call IDs of each call on each side:
# the table of PPTP through a NAT, live.  The demo's tunnat has a control
# socket of its own, in place of CONFIG's control section, so that
# another tunnat on the machine is never the one asked.

set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
TUNNAT=${TUNNAT:-$TOP/src/tunnat}
TUNNATCTL=${TUNNATCTL:-$TOP/src/tunnatctl}
CONF=${1:-$TOP/etc/tunnat.yaml}
PEER="/usr/bin/python3 $TOP/tests/lab/peer.py"
FLOWS="/usr/bin/python3 $TOP/tests/lab/flows.py"
LAN=tunnat-lan
WAN=tunnat-wan
CREATED=""
PIDS=""
WORK=""

[ "$(id -u)" -eq 0 ] || { echo "demo.sh: run as root" >&2; exit 1; }
[ -x "$TUNNAT" ] && [ -x "$TUNNATCTL" ] ||
	{ echo "demo.sh: build tunnat first" >&2; exit 1; }
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
ctl() { echo "\$ tunnatctl $*"; "$TUNNATCTL" "$@"; }

WORK=$(mktemp -d /tmp/tunnat-demo.XXXXXX)
for ns in $LAN $WAN; do
	ip netns add "$ns"
	CREATED="$CREATED $ns"
	ip -n "$ns" link set lo up
done

# the demo's own control socket, in place of the configuration's
export TUNNAT_SOCKET="$WORK/tunnat.sock"
sed '/^control:/,/^[^ #]/{/^control:/d;/^ /d;/^#/d}' "$CONF" \
	>"$WORK/tunnat.yaml"
printf 'control:\n  socket: %s\n' "$TUNNAT_SOCKET" >>"$WORK/tunnat.yaml"

say "starting tunnat on $CONF"
"$TUNNAT" -c "$WORK/tunnat.yaml" >"$WORK/tunnat.log" 2>&1 &
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

say "the NAT table: one line per session (tunnatctl sessions)"
ctl sessions

say "PPTP: two inside clients with the same Call ID, one server, one public address"
ip netns exec $WAN $FLOWS pptp-server 198.51.100.1 30 >"$WORK/pptpd.log" 2>&1 &
PIDS="$PIDS $!"
i=0
until grep -q listening "$WORK/pptpd.log"; do
	i=$((i + 1))
	[ "$i" -le 50 ] || { cat "$WORK/pptpd.log"; exit 1; }
	sleep 0.1
done
for src in 192.168.1.10 192.168.1.11; do
	echo "\$ ip netns exec $LAN flows.py pptp-client $src 198.51.100.1 1 4"
	ip netns exec $LAN $FLOWS pptp-client $src 198.51.100.1 1 4 \
		>"$WORK/pptp-$src.log" 2>&1 &
	PIDS="$PIDS $!"
done
i=0
until [ "$(cat "$WORK"/pptp-*.log | grep -c '^call 1 peer')" -eq 2 ]; do
	i=$((i + 1))
	[ "$i" -le 50 ] || { cat "$WORK"/pptp-*.log; exit 1; }
	sleep 0.1
done
echo "the server saw:"
grep '^call from' "$WORK/pptpd.log"
ctl sessions -p gre
echo
echo "PPTP through NAT: each call's Call ID on each side"
"$TUNNATCTL" sessions -p gre --json | /usr/bin/python3 -c '
import json, sys
calls = json.load(sys.stdin)["sessions"]
row = "  {:<15} {:>7}   {:<13} {:>7}   {:<14} {:>7}"
print(row.format("inside", "Call ID", "public", "Call ID", "server", "Call ID"))
for c in sorted(calls, key=lambda c: c["inside"]):
    print(row.format(c["inside"], c["inside_call_id"], c["public"],
                     c["public_call_id"], c["remote"], c["remote_call_id"]))'
sleep 4.5
echo
echo "each client got its own GRE back (flows.py: its probes, echoed):"
for src in 192.168.1.10 192.168.1.11; do
	echo "  $src: $(grep echoes "$WORK/pptp-$src.log")"
done

say "tunnat's counters, a few of them"
echo "\$ tunnatctl stats | grep ..."
"$TUNNATCTL" stats | grep -E '^(sessions/(active|udp/active|tcp/active|gre/active)|packets/outbound/(tcp|udp|gre)|drops/not-ipv4|alg/pptp/(calls|id_collisions)) '

say "stopping tunnat (SIGTERM)"
kill -TERM "$TUNNAT_PID"
wait "$TUNNAT_PID" && echo "tunnat exited with status 0"
PIDS=${PIDS#"$TUNNAT_PID"}
