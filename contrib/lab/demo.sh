#!/bin/sh
# SPDX-License-Identifier: MIT
# demo.sh - the container lab examples, built by labrun, with traffic
#
# Usage: contrib/lab/demo.sh   (as root, in a built tree)
#
# 1. contrib/containerlab/nat.clab.yml: a LAN host, tunnat in a router
#    node with links eth1 and eth2, a server.  Ping, TCP and UDP from the
#    LAN; what the server and the wire saw (only the public address);
#    the NAT table (tunnatctl sessions) and tunnat's counters.
# 2. contrib/containerlab/pptp.clab.yml: two PPTP clients (pptp-linux) on
#    two inside links, both with Call ID 1, call one pptpd through one
#    public address; tunnat logs each call as a line of its NAT table,
#    and tunnatctl shows each call's Call ID on each side: the table of
#    PPTP through a NAT, live.
#
# tunnatctl asks the socket the router's tunnat says it serves (its log),
# so that another tunnat on this machine is never the one asked.
#
# contrib/lab/labrun builds each lab from its file (namespaces and veth
# pairs, no containers) and runs this script again inside it with
# --inside; it takes the lab down afterwards, whatever happens.  The PPTP
# peers run as the tests run them (tests/lab/pptplib.sh), with a stand-in
# for pppd, as this kernel may have no PPP driver.

set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
LABRUN="/usr/bin/python3 $TOP/contrib/lab/labrun"
export TUNNAT=${TUNNAT:-$TOP/src/tunnat}
TUNNATCTL=${TUNNATCTL:-$TOP/src/tunnatctl}
PUBLIC=198.51.100.10
SERVER=198.51.100.1

say() { printf '\n== %s\n' "$*"; }
run() { echo "\$ $*"; "$@"; }

# router_sock: the control socket the router's tunnat says (in its log) it
# serves; nothing if it has none
router_sock() {
	sed -n 's/^tunnat: info: control socket \(.*\) (uid .*/\1/p' \
		"$LAB_DIR/tunnat.log" | tail -n 1
}

# router_ctl ARGS...: show and run tunnatctl on the router's tunnat; false
# (and why) if it has no control socket
router_ctl() {
	if [ -z "$(router_sock)" ]; then
		echo "(tunnat has no control socket: see $LAB_DIR/tunnat.log)"
		return 1
	fi
	echo "\$ tunnatctl $*"
	"$TUNNATCTL" -s "$(router_sock)" "$@"
}

# on NODE COMMAND...: show and run COMMAND in node NODE's namespace
on() {
	node=$1
	shift
	echo "[$node] \$ $*"
	ip netns exec "$LAB_PREFIX$node" "$@"
}

demo_nat() {
	say "tunnat set itself up in the router node"
	grep -E "link .* routed|forwarding between|running as" \
		"$LAB_DIR/tunnat.log"
	bg_start wan "${LAB_PREFIX}server" tcpdump -l -n -i eth1 ip
	bg_start tcpsrv "${LAB_PREFIX}server" $PEER tcp-server 8080 \
		"$WORK/tcp.log" 1
	bg_start udpsrv "${LAB_PREFIX}server" $PEER udp-server 5353 \
		"$WORK/udp.log" 1
	wait_for 5 grep -q listening "$WORK/udp.log"
	sleep 0.5

	say "ping, TCP and UDP from the LAN host to the server"
	on lan ping -c 2 "$SERVER"
	on lan $PEER tcp-client 192.168.1.10 "$SERVER" 8080 100000
	on lan $PEER udp-client 192.168.1.10 "$SERVER" 5353 1
	sleep 0.5
	echo "the server saw (protocol, peer address, peer port, bytes):"
	grep -hv listening "$WORK/tcp.log" "$WORK/udp.log"

	say "what the WAN side saw: only the public address $PUBLIC"
	bg_stop wan
	sed -n '1,10p' "$WORK/wan.log"

	say "the NAT table: one line per session"
	router_ctl sessions || true

	say "tunnat's counters (SIGUSR1, and tunnatctl stats)"
	kill -USR1 "$(cat "$LAB_DIR/tunnat.pid")"
	sleep 0.3
	grep "stats:" "$LAB_DIR/tunnat.log" | tail -n 1
	router_ctl stats | grep -E '^(packets/outbound/(tcp|udp|icmp)|sessions/active|drops/no-session) ' || true
}

demo_pptp() {
	pptp_begin
	say "pptpd on the server, a pptp-linux client on each LAN link, both with Call ID 1"
	pptpd_start "${LAB_PREFIX}server" "$SERVER"
	pptp_client c1 "${LAB_PREFIX}client1" 192.168.1.10 "$SERVER" fixed
	pptp_client c2 "${LAB_PREFIX}client2" 192.168.2.10 "$SERVER" fixed
	wait_for 20 sh -c "[ \$(grep -c 'tunnat-echo' '$WORK/c1.stub' \
		2>/dev/null) -ge 3 ] && [ \$(grep -c 'tunnat-echo' \
		'$WORK/c2.stub' 2>/dev/null) -ge 3 ]" || true

	say "each client's data came back through its own call"
	for c in c1 c2; do
		echo "$c: $(pptp_echoes $c) echoes of its own probes"
	done
	say "tunnat's NAT table: both calls leave from $PUBLIC"
	grep "pptp: call" "$LAB_DIR/tunnat.log"
	router_ctl sessions -p gre || return 0

	say "PPTP through NAT: each call's Call ID on each side, live"
	"$TUNNATCTL" -s "$(router_sock)" sessions -p gre --json |
		/usr/bin/python3 -c '
import json, sys
row = "  {:<15} {:>7}   {:<14} {:>7}   {:<14} {:>7}"
print(row.format("inside", "Call ID", "public", "Call ID", "server",
                 "Call ID"))
for c in sorted(json.load(sys.stdin)["sessions"], key=lambda c: c["inside"]):
    print(row.format(c["inside"], c["inside_call_id"], c["public"],
                     c["public_call_id"], c["remote"], c["remote_call_id"]))'
	echo "Both clients chose Call ID 1; the server sees two calls from $PUBLIC"
	echo "with two Call IDs, and tunnat sends each one's GRE to its client."
}

if [ "${1:-}" = --inside ]; then
	. "$TOP/tests/lab/lib.sh"
	. "$TOP/tests/lab/pptplib.sh"
	lab_begin tcpdump pptp pptpd
	"demo_$2"
	lab_end
fi

[ "$(id -u)" -eq 0 ] || { echo "demo.sh: run as root" >&2; exit 1; }
[ -x "$TUNNAT" ] && [ -x "$TUNNATCTL" ] ||
	{ echo "demo.sh: build tunnat first" >&2; exit 1; }
for lab in nat pptp; do
	say "lab $lab: $LABRUN contrib/containerlab/$lab.clab.yml"
	$LABRUN --prefix "demo-" "$TOP/contrib/containerlab/$lab.clab.yml" \
		-- /bin/sh "$0" --inside "$lab"
done
