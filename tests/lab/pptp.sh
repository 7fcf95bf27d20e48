#!/bin/sh
# SPDX-License-Identifier: MIT
# pptp.sh - ten PPTP clients, one server, one public address: the PPTP ALG
#
#  namespace LAN (clients)             ROUTER                namespace WAN
#  192.168.1.10 ... 192.168.1.19  tin -> NAT to      -> tout  198.51.100.1
#  10 x pptp --nolaunchpppd             203.0.113.1           pptpd, ppp =
#       --localbind 192.168.1.1N                              pppstub.py
#
# PPTP_ROUTER picks the router:
#   tunnat (default)  tunnat between two TUN devices (as in basic.sh), with
#                     its PPTP ALG enabled;
#   kernel            a router namespace, two veth pairs, nftables snat to
#                     203.0.113.1 and the kernel's "pptp" conntrack helper
#                     (the reference the test was developed against).
#
# This kernel has no PPP driver, so pppd cannot run: pppstub.py stands in
# for it at both ends (async-HDLC PPP on the pty/stdin, one probe frame a
# second, the server echoes each probe back).  Each client is pptp-linux
# bound to its own LAN address; pptpd serves all ten through the one public
# address.  The test proves: every control connection and call is up, data
# crosses every tunnel both ways at once and reaches the right client and
# the right server instance, the WAN side sees only 203.0.113.1 and
# 198.51.100.1, and the ten calls carry distinct Call IDs there.  In tunnat
# mode, tunnat must also log one line per call mapping on SIGUSR1.
#
# The PPTP peers run as pptplib.sh runs them: each in a PID namespace of
# its own with a private /dev and /run, their syslog in $WORK/syslog.log.
#
# Environment: PPTP_ROUTER (above); PPTP_SAME_IDS (how many clients share
# one inside Call ID, default 5); PPTP_KEEP=DIR copies the work directory
# (captures, stub logs, syslog) to DIR at the end.

PPTP_ROUTER=${PPTP_ROUTER:-tunnat}
case $PPTP_ROUTER in
kernel) TUNNAT=${TUNNAT:-/bin/true} ;;	# not needed, need not be built
tunnat) ;;
*)
	echo "ERROR: PPTP_ROUTER must be tunnat or kernel" >&2
	exit 99
	;;
esac

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pptplib.sh"

N=10				# clients
CLIENTS=$(seq -s ' ' 0 $((N - 1)))	# client i: c$i on 192.168.1.1$i
SERVER=198.51.100.1
PUBLIC=203.0.113.1
ECHOES=3			# round trips each client must see
# The last PPTP_SAME_IDS clients (default 5) all use Call ID 1 (a fixed
# /dev/random, see private_root), as pptp-linux clients all used 0 before
# 2016: the ALG must not rely on inside Call IDs being distinct.
FIRST_SAME=$((N - ${PPTP_SAME_IDS:-5}))

# ----------------------------------------------------------------------
# The router.  Each variant leaves tin$ID in the LAN namespace holding
# 192.168.1.10/24 and a default route, and tout$ID in the WAN namespace
# holding 198.51.100.1/24 and a route to 203.0.113.1.

router_kernel() {
	ns_add "$NS_RTR"
	ip -n "$NS_RTR" link add "rin$ID" type veth peer name "tin$ID" \
		netns "$NS_LAN"
	ip -n "$NS_RTR" link add "rout$ID" type veth peer name "tout$ID" \
		netns "$NS_WAN"
	ip -n "$NS_RTR" addr add 192.168.1.1/24 dev "rin$ID"
	ip -n "$NS_RTR" addr add "$PUBLIC/32" dev "rout$ID"
	ip -n "$NS_RTR" link set "rin$ID" up
	ip -n "$NS_RTR" link set "rout$ID" up
	ip -n "$NS_RTR" route add 198.51.100.0/24 dev "rout$ID"
	ip netns exec "$NS_RTR" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$NS_LAN" addr add 192.168.1.10/24 dev "tin$ID"
	ip -n "$NS_LAN" link set "tin$ID" up
	ip -n "$NS_LAN" route add default via 192.168.1.1
	ip -n "$NS_WAN" addr add "$SERVER/24" dev "tout$ID"
	ip -n "$NS_WAN" link set "tout$ID" up
	ip -n "$NS_WAN" route add "$PUBLIC/32" dev "tout$ID"
	# Since Linux 4.7 helpers are not attached automatically: attach the
	# "pptp" helper to the control connection; it NATs the GRE calls.
	ip netns exec "$NS_RTR" nft -f - <<NFT
table ip pptplab {
	ct helper pptp-helper {
		type "pptp" protocol tcp
	}
	chain prerouting {
		type filter hook prerouting priority filter; policy accept;
		tcp dport 1723 ct helper set "pptp-helper"
	}
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "rout$ID" snat to $PUBLIC
	}
}
NFT
}

router_tunnat() {
	cat >"$WORK/tunnat.yaml" <<YAML
inside:
  device: tin$ID
  netns: $NS_LAN
  address: 192.168.1.10/24
  routes: [0.0.0.0/0]
outside:
  device: tout$ID
  netns: $NS_WAN
  address: $SERVER/24
  routes: [$PUBLIC/32]
nat:
  addresses: [$PUBLIC]
alg:
  pptp:
    enabled: true
$(control_yaml)
YAML
	tunnat_start "$WORK/tunnat.yaml"
}

router_setup() {
	"router_$PPTP_ROUTER"
	for i in $CLIENTS; do
		[ "$i" -eq 0 ] ||
			ip -n "$NS_LAN" addr add "192.168.1.1$i/24" dev "tin$ID"
	done
	for ns in "$NS_LAN" "$NS_WAN"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	done
}

# ---- adapt here once the ALG's log format is settled ------------------
# check_call_log: tunnat logs each call mapping at level info when its GRE
# goes live, as a line of the NAT table: inside address and Call ID, public
# address and Call ID, server and its Call ID.
check_call_log() {
	grep "pptp: call .* <-> .*(control " "$WORK/tunnat.log" \
		>"$WORK/calls.log" || true
	sed 's/^/    /' "$WORK/calls.log"
	for i in $CLIENTS; do
		check "tunnat logs one call mapping for 192.168.1.1$i" test \
			"$(grep -c "pptp: call 192\.168\.1\.1$i call-id [0-9]* -> $PUBLIC call-id [0-9]* <-> $SERVER call-id [0-9]* " \
			   "$WORK/calls.log")" -eq 1
	done
}
# ------------------------------------------------------------------------

# ----------------------------------------------------------------------
# Evidence

# own_echoes I: how many echoes of its own probes client I received
own_echoes() {
	pptp_echoes "c$1"
}

all_echoed() {
	for c in $CLIENTS; do
		[ "$(own_echoes "$c")" -ge "$ECHOES" ] || return 1
	done
}

# wait_echoed SECONDS: until every client has its echoes, or time is up
wait_echoed() {
	deadline=$(($(date +%s) + $1))
	until all_echoed; do
		[ "$(date +%s)" -lt "$deadline" ] || return 0
		sleep 0.2
	done
}

count() {
	grep -c . || true
}

words() {
	tr '\n' ' '
}

# ----------------------------------------------------------------------
# The lab

tools="tcpdump python3 pptp pptpd pptpctrl unshare mknod mount ss"
[ "$PPTP_ROUTER" = kernel ] && tools="$tools nft"
lab_begin $tools
pptp_begin
ns_add "$NS_LAN"
ns_add "$NS_WAN"
router_setup
echo "router: $PPTP_ROUTER"

capture_start wan "$NS_WAN" "tout$ID"
capture_start lan "$NS_LAN" "tin$ID"
syslog_start "$NS_WAN"
pptpd_start "$NS_WAN" "$SERVER"

# ten clients at once, each its own stub around pptp-linux
t0=$(date +%s)
for i in $CLIENTS; do
	random=random
	[ "$i" -lt "$FIRST_SAME" ] || random=fixed
	pptp_client "c$i" "$NS_LAN" "192.168.1.1$i" "$SERVER" "$random"
done
wait_echoed 20
echo "clients up and echoed within $(($(date +%s) - t0)) s"

# --- every call up, data both ways for every client at once ------------
alive=0
for i in $CLIENTS; do
	eval "kill -0 \$PID_c$i 2>/dev/null" && alive=$((alive + 1))
done
check "all $N pptp clients are still running" test "$alive" -eq "$N"
for i in $CLIENTS; do
	check "c$i (192.168.1.1$i): its probes came back from the server" \
		test "$(own_echoes "$i")" -ge "$ECHOES"
done
check_not "no client received another client's probes or echoes" sh -c \
	"for i in $CLIENTS; do
	   grep -E ' rx 0021 (tunnat-echo [^:]*: )?tunnat-probe c[0-9]+ ' \
		\"$WORK/c\$i.stub\" | grep -v \"tunnat-probe c\$i \"
	 done"
check "pptpctrl started one stub per client" test \
	"$(grep -c ' start pid ' "$WORK/server.stub")" -eq "$N"
awk '$3 == "rx" && $5 == "tunnat-probe" { print $2, $6 }' \
	"$WORK/server.stub" | sort -u >"$WORK/heard"
check "the server heard the probes of all $N clients" test \
	"$(cut -d' ' -f2 "$WORK/heard" | sort -u | count)" -eq "$N"
check "each server stub heard exactly one client, each client one stub" \
	sh -c "[ \$(grep -c . '$WORK/heard') -eq $N ] &&
	       [ \$(cut -d' ' -f1 '$WORK/heard' | sort -u | grep -c .) -eq $N ]"

# --- tunnat's view ------------------------------------------------------
if [ "$PPTP_ROUTER" = tunnat ]; then
	check_call_log
	ctl sessions -p gre --json >"$WORK/calls.json" ||
		fail "tunnatctl sessions -p gre --json"
	ctl sessions -p gre | sed 's/^/    /'
fi
if [ "$PPTP_ROUTER" = kernel ]; then
	echo "kernel conntrack, GRE entries:"
	ip netns exec "$NS_RTR" grep gre /proc/net/nf_conntrack |
		sed 's/^/    /' || true
	check "the kernel tracks $N GRE calls" test "$(ip netns exec \
		"$NS_RTR" grep -c ' gre .*ASSURED' /proc/net/nf_conntrack)" \
		-eq "$N"
fi

# --- the wire -------------------------------------------------------------
capture_stop wan
capture_stop lan
dissect "$WORK/wan.pcap" "$WORK/wan.txt"
dissect "$WORK/lan.pcap" "$WORK/lan.txt"

echo "WAN: Start-Control-Connection-Reply (src dst sport dport type -" \
	"result):"
awk -F'\t' 'index("," $5 ",", ",2,") {
	print "    " $1, $2, $3, $4, $5, "-", $8 }' "$WORK/wan.txt"
echo "WAN: Outgoing-Call-Request/Reply (src dst sport dport type call-id" \
	"peer-call-id - result):"
awk -F'\t' '$5 == 7 || $5 == 8 {
	print "    " $1, $2, $3, $4, $5, $6, $7, "-", $9 }' "$WORK/wan.txt"

check_not "the WAN capture holds no address but $PUBLIC and $SERVER" \
	sh -c "cut -f1,2 '$WORK/wan.txt' | tr '\t,' '\n\n' | sort -u |
	       grep -v -x -F -e '$PUBLIC' -e '$SERVER'"
check_not "no LAN address ever reached the WAN" grep -F "192.168." \
	"$WORK/wan.txt"
check "$N control connections from $PUBLIC, all accepted (SCCRP result 1)" \
	test "$(field "$WORK/wan.txt" '$5 == 2 && $8 == 1' 4 | count)" \
		-eq "$N"
check "no Start-Control-Connection-Reply refused anything" \
	test "$(field "$WORK/wan.txt" '$5 == 2 && $8 != 1' 4 | count)" \
		-eq 0
field "$WORK/wan.txt" "\$1 == \"$PUBLIC\" && \$5 == 7" 6 >"$WORK/wan-pns"
field "$WORK/wan.txt" "\$1 == \"$SERVER\" && \$5 == 8 && \$9 == 1" 7 \
	>"$WORK/wan-ocrp"
field "$WORK/wan.txt" "\$1 == \"$SERVER\" && \$5 == 8 && \$9 == 1" 6 \
	>"$WORK/wan-pac"
field "$WORK/wan.txt" "\$1 == \"$SERVER\" && \$10 != \"\"" 10 \
	>"$WORK/wan-gre-in"
field "$WORK/wan.txt" "\$1 == \"$PUBLIC\" && \$10 != \"\"" 10 \
	>"$WORK/wan-gre-out"
echo "WAN: client Call IDs (OCRQ):        $(words <"$WORK/wan-pns")"
echo "WAN: Call IDs in GRE to $PUBLIC:  $(words <"$WORK/wan-gre-in")"
echo "WAN: server Call IDs (OCRP):        $(words <"$WORK/wan-pac")"
echo "WAN: Call IDs in GRE to $SERVER: $(words <"$WORK/wan-gre-out")"
check "$N distinct client Call IDs on the WAN side" \
	test "$(count <"$WORK/wan-pns")" -eq "$N"
check "the server connected all $N calls (OCRP result 1) to those IDs" \
	cmp "$WORK/wan-pns" "$WORK/wan-ocrp"
check "GRE to $PUBLIC carries exactly those $N Call IDs" \
	cmp "$WORK/wan-pns" "$WORK/wan-gre-in"
check "GRE to $SERVER carries the $N server Call IDs" sh -c \
	"[ \$(grep -c . '$WORK/wan-pac') -eq $N ] &&
	 cmp '$WORK/wan-pac' '$WORK/wan-gre-out'"
if [ "$PPTP_ROUTER" = tunnat ]; then
	check "tunnatctl lists the $N calls, with the Call IDs the WAN saw" \
		/usr/bin/python3 - "$WORK/calls.json" "$WORK/wan-pns" \
		"$WORK/wan-pac" "$N" <<'EOF'
import json, sys
calls = json.load(open(sys.argv[1]))["sessions"]
pns = sorted(int(x) for x in open(sys.argv[2]).read().split())
pac = sorted(int(x) for x in open(sys.argv[3]).read().split())
n = int(sys.argv[4])
assert len(calls) == n, len(calls)
assert sorted(c["inside"] for c in calls) == \
    ["192.168.1.1%d" % i for i in range(n)], calls
assert all(c["public"] == "203.0.113.1" and c["remote"] == "198.51.100.1"
           for c in calls), calls
assert sorted(c["public_call_id"] for c in calls) == pns, (calls, pns)
assert sorted(c["remote_call_id"] for c in calls) == pac, (calls, pac)
EOF
fi

# Per client: its own Call ID (LAN capture and its log), the server's
# Call ID for its call (from the reply it got), which links it to the WAN
echo "Calls: client address: inside Call ID -> WAN Call ID (server Call ID)"
bad=0
: >"$WORK/same-ids"
for i in $CLIENTS; do
	a=192.168.1.1$i
	inside=$(field "$WORK/lan.txt" "\$1 == \"$a\" && \$5 == 7" 6)
	pac=$(field "$WORK/lan.txt" "\$2 == \"$a\" && \$5 == 8" 6)
	outside=
	[ -z "$pac" ] || outside=$(field "$WORK/wan.txt" \
		"\$1 == \"$SERVER\" && \$5 == 8 && \$6 == $pac" 7)
	gre=$(field "$WORK/lan.txt" \
		"\$1 == \"$SERVER\" && \$2 == \"$a\" && \$10 != \"\"" 10)
	# pptp-linux: "Outgoing call established (call ID 1, peer's call ID 0)"
	logged=$(grep " c$i log\[.*Outgoing call established" \
		"$WORK/syslog.log" |
		sed 's/.*call ID \([0-9]*\), .* ID \([0-9]*\).*/\1 \2/')
	note=
	if [ -z "$inside" ] || [ "$gre" != "$inside" ] ||
		[ "$logged" != "$inside $pac" ]; then
		bad=$((bad + 1))
		note=" MISMATCH: GRE in: $(echo "$gre" | words)"
		note="$note, pptp log: $logged"
	fi
	[ "$i" -lt "$FIRST_SAME" ] || echo "$inside" >>"$WORK/same-ids"
	echo "    c$i $a: $inside -> $outside ($pac)$note"
done
check "every client logged its call, and GRE reaches it with its own ID" \
	test "$bad" -eq 0
if [ "$FIRST_SAME" -lt "$N" ]; then
	check "c$FIRST_SAME..c$((N - 1)) all used Call ID 1 inside" sh -c \
		"[ \"\$(sort -u '$WORK/same-ids')\" = 1 ]"
fi

if [ "$PPTP_ROUTER" = tunnat ]; then
	check "SIGTERM stops tunnat with status 0" tunnat_stop
fi
echo "$(($(date +%s) - t0)) s since the clients started"

lab_end
