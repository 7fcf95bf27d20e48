#!/bin/sh
# SPDX-License-Identifier: MIT
# clab.sh - every contrib/containerlab/*.clab.yml, up with labrun, checked
#
# For each topology file, contrib/lab/labrun builds the lab it describes
# (a namespace per node, a veth pair per link, the nodes' exec commands,
# tunnat in the router's namespace) and runs this script again inside it
# ("--check NAME"), which runs the checks of that topology, then takes
# the lab down and says whether tunnat exited with status 0.  A topology
# without checks here is a failure: every file is tried.
#
#   nat          ping, TCP and UDP from the LAN; the server sees only
#                the public address 198.51.100.10
#   pptp         two PPTP clients on two inside links call one server
#                through the one public address; each gets its echoes
#   pptp-server  a client outside calls the PPTP server inside through
#                the forward of 198.51.100.10:1723; the server sees the
#                client's own address
#
# The PPTP peers run as pptplib.sh runs them (pppstub.py for pppd).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pptplib.sh"

LABRUN="/usr/bin/python3 $TOP_SRCDIR/contrib/lab/labrun"
PUBLIC=198.51.100.10
SERVER=198.51.100.1
TOOLS="pptp pptpd pptpctrl unshare mknod mount ss"

# n NODE COMMAND...: run COMMAND in the namespace of node NODE
n() {
	node=$1
	shift
	pp "$LAB_PREFIX$node" "$@"
}

# echoed NAME...: each PPTP client NAME has at least 3 of its echoes
echoed() {
	for c in "$@"; do
		[ "$(pptp_echoes "$c")" -ge 3 ] || return 1
	done
}

check_nat() {
	check "the router's links are routed into tunnat" grep -q \
		"link eth1 routed into tin0" "$LAB_DIR/tunnat.log"
	check "ping from the LAN host to the server" \
		n lan ping -c 2 -W 2 "$SERVER"
	bg_start tcpsrv "${LAB_PREFIX}server" $PEER tcp-server 5001 \
		"$WORK/tcp.log" 1
	bg_start udpsrv "${LAB_PREFIX}server" $PEER udp-server 5002 \
		"$WORK/udp.log" 2
	wait_for 5 grep -q listening "$WORK/tcp.log" || broken "no TCP server"
	wait_for 5 grep -q listening "$WORK/udp.log" || broken "no UDP server"
	check "TCP from the LAN host" \
		n lan $PEER tcp-client 192.168.1.10 "$SERVER" 5001 100000
	check "UDP from the LAN host" \
		n lan $PEER udp-client 192.168.1.10 "$SERVER" 5002 2
	check "the server saw only $PUBLIC" sh -c \
		"grep -q '^tcp $PUBLIC ' '$WORK/tcp.log' &&
		 [ \$(grep -c '^udp $PUBLIC ' '$WORK/udp.log') -eq 2 ]"
}

check_pptp() {
	pptpd_start "${LAB_PREFIX}server" "$SERVER"
	pptp_client c1 "${LAB_PREFIX}client1" 192.168.1.10 "$SERVER"
	pptp_client c2 "${LAB_PREFIX}client2" 192.168.2.10 "$SERVER"
	wait_for 20 echoed c1 c2 || true
	check "client1's call carries data both ways" echoed c1
	check "client2's call carries data both ways" echoed c2
	for a in 192.168.1.10 192.168.2.10; do
		check "tunnat logged $a's call from $PUBLIC" grep -q \
			"pptp: call $a call-id [0-9]* -> $PUBLIC call-id" \
			"$LAB_DIR/tunnat.log"
	done
	check "the server heard both clients" sh -c \
		"grep -q ' rx 0021 tunnat-probe c1 ' '$WORK/server.stub' &&
		 grep -q ' rx 0021 tunnat-probe c2 ' '$WORK/server.stub'"
}

check_pptp_server() {
	pptpd_start "${LAB_PREFIX}vpn" 192.168.1.10
	pptp_client remote "${LAB_PREFIX}remote" "$SERVER" "$PUBLIC"
	wait_for 20 echoed remote || true
	check "the call to the forwarded server carries data both ways" \
		echoed remote
	check "the server inside saw the client's own address" grep -q \
		"Client $SERVER control connection started" "$WORK/syslog.log"
}

if [ "${1:-}" = --check ]; then
	# inside a lab that labrun built
	lab_begin $TOOLS
	pptp_begin
	echo "checks of $2 (namespaces $LAB_PREFIX*)"
	"check_$(echo "$2" | tr - _)"
	lab_end
fi

lab_begin $TOOLS
/usr/bin/python3 -c "import yaml" 2>/dev/null ||
	skip "python3-yaml not installed (labrun reads YAML)"
found=0
for topo in "$TOP_SRCDIR"/contrib/containerlab/*.clab.yml; do
	found=$((found + 1))
	name=$(basename "$topo" .clab.yml)
	fn=check_$(echo "$name" | tr - _)
	if ! command -v "$fn" >/dev/null 2>&1; then
		fail "$name.clab.yml has no checks in this test"
		continue
	fi
	echo "=== $name.clab.yml"
	mkdir "$WORK/$name"
	if timeout -k 5 90 $LABRUN --prefix "tn$ID-" --dir "$WORK/$name" \
		"$topo" -- /bin/sh "$0" --check "$name"; then
		pass "$name.clab.yml: up, checked, down, tunnat exited with 0"
	else
		fail "$name.clab.yml"
	fi
done
check "there are topologies to check" test "$found" -ge 3
check_not "labrun left no namespace behind" sh -c \
	"ip netns list | grep '^tn$ID-'"

lab_end
