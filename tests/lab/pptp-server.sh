#!/bin/sh
# SPDX-License-Identifier: MIT
# pptp-server.sh - a PPTP server inside, behind a forward of TCP 1723, and
# three real clients outside at once: the PPTP ALG in the server's role
#
#  namespace LAN (server)               tunnat              namespace WAN
#  192.168.1.10                  tin <- forward      <- tout  198.51.100.1
#  pptpd, ppp = pppstub.py              203.0.113.1:1723      198.51.100.2
#                                       -> 192.168.1.10:1723  198.51.100.3
#                                       alg.pptp.enabled      3 x pptp
#                                                             --nolaunchpppd
#                                                             --localbind .N
#
# Each client is pptp-linux bound to its own WAN address and calls the
# public address (the peers run as pptplib.sh runs them, pppstub.py
# standing in for pppd); the forward takes its control connection to
# pptpd, which sees the client's real address, and the PPTP ALG translates
# the Call ID the server announces (the inside peer's, in
# Outgoing-Call-Reply) and maps the clients' GRE, which carries that ID,
# back to the server.  pptpd numbers its calls from 0, and a translated
# Call ID is never 0: so at least one call's ID must differ on the two
# sides.  The test proves: every call is up and carries data both ways
# (the clients' stubs probe, the server's echo) to the right peer; pptpd
# saw the three client addresses; the WAN side sees only 203.0.113.1 and
# the clients; each call's server Call ID is translated consistently in
# the control messages and the GRE both ways; tunnat logs one line per
# call.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pptplib.sh"

SERVER=192.168.1.10
PUBLIC=203.0.113.1
ECHOES=3			# round trips each client must see
NAMES="s1 s2 s3"		# client sN on 198.51.100.N

lab_begin tcpdump python3 pptp pptpd pptpctrl unshare mknod mount ss
pptp_begin
ns_add "$NS_LAN"
ns_add "$NS_WAN"
cat >"$WORK/tunnat.yaml" <<YAML
inside:
  device: tin$ID
  netns: $NS_LAN
  address: $SERVER/24
  routes: [0.0.0.0/0]
outside:
  device: tout$ID
  netns: $NS_WAN
  address: 198.51.100.1/24
  routes: [$PUBLIC/32]
nat:
  addresses: [$PUBLIC]
forwards:
  - {protocol: tcp, public: "$PUBLIC:1723", inside: "$SERVER:1723"}
alg:
  pptp: {enabled: true}
YAML
tunnat_start "$WORK/tunnat.yaml"
ip -n "$NS_WAN" addr add 198.51.100.2/24 dev "tout$ID"
ip -n "$NS_WAN" addr add 198.51.100.3/24 dev "tout$ID"
for ns in "$NS_LAN" "$NS_WAN"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
done

capture_start wan "$NS_WAN" "tout$ID"
capture_start lan "$NS_LAN" "tin$ID"
pptpd_start "$NS_LAN" "$SERVER"

# all_echoed: every client has its echoes
all_echoed() {
	for c in $NAMES; do
		[ "$(pptp_echoes "$c")" -ge "$ECHOES" ] || return 1
	done
}

t0=$(date +%s)
for c in $NAMES; do
	pptp_client "$c" "$NS_WAN" "198.51.100.${c#s}" "$PUBLIC"
done
wait_for 20 all_echoed || true
echo "clients up and echoed within $(($(date +%s) - t0)) s"

# --- every call up, data both ways, each to its own peer --------------
for c in $NAMES; do
	check "$c (198.51.100.${c#s}) is still running" \
		eval "kill -0 \$PID_$c 2>/dev/null"
	check "$c: its probes came back from the server" \
		test "$(pptp_echoes "$c")" -ge "$ECHOES"
done
check_not "no client received another client's probes or echoes" \
	pptp_crossed $NAMES
check "pptpctrl started one stub per client" test \
	"$(grep -c ' start pid ' "$WORK/server.stub")" -eq 3
awk '$3 == "rx" && $5 == "tunnat-probe" { print $2, $6 }' \
	"$WORK/server.stub" | sort -u >"$WORK/heard"
check "each server stub heard exactly one client, each client one stub" \
	sh -c "[ \$(grep -c . '$WORK/heard') -eq 3 ] &&
	       [ \$(cut -d' ' -f1 '$WORK/heard' | sort -u | grep -c .) -eq 3 ] &&
	       [ \$(cut -d' ' -f2 '$WORK/heard' | sort -u | grep -c .) -eq 3 ]"

# --- tunnat's view ------------------------------------------------------
check "tunnat counted 3 PPTP calls" test "$(stat_value pptp-calls)" -eq 3
grep "pptp: call .* <-> .*(control " "$WORK/tunnat.log" >"$WORK/calls.log" ||
	true
sed 's/^/    /' "$WORK/calls.log"

# --- the wire -------------------------------------------------------------
capture_stop wan
capture_stop lan
dissect "$WORK/wan.pcap" "$WORK/wan.txt"
dissect "$WORK/lan.pcap" "$WORK/lan.txt"

check_not "the WAN capture holds no address but $PUBLIC and the clients" \
	sh -c "cut -f1,2 '$WORK/wan.txt' | tr '\t,' '\n\n' | sort -u |
	       grep -v -x -F -e '$PUBLIC' -e 198.51.100.1 -e 198.51.100.2 \
		-e 198.51.100.3"
check "pptpd saw the three clients' own addresses (the forward keeps them)" \
	test "$(awk -F'\t' "\$2 == \"$SERVER\" && \$5 == 1 { print \$1 }" \
		"$WORK/lan.txt" | sort -u | tr '\n' ' ')" = \
	"198.51.100.1 198.51.100.2 198.51.100.3 "

# Per call: the server's Call ID inside (O) and outside (T), the client's
# (C, never translated), and the Call IDs in each side's GRE
echo "Calls: client: server Call ID inside -> outside; client Call ID"
bad=0
translated=0
for c in $NAMES; do
	a=198.51.100.${c#s}
	o=$(field "$WORK/lan.txt" "\$1 == \"$SERVER\" && \$2 == \"$a\" && \$5 == 8 && \$9 == 1" 6)
	t=$(field "$WORK/wan.txt" "\$1 == \"$PUBLIC\" && \$2 == \"$a\" && \$5 == 8 && \$9 == 1" 6)
	cid=$(field "$WORK/wan.txt" "\$1 == \"$a\" && \$5 == 7" 6)
	cid_in=$(field "$WORK/lan.txt" "\$1 == \"$a\" && \$5 == 7" 6)
	gre_wan_in=$(field "$WORK/wan.txt" "\$1 == \"$a\" && \$2 == \"$PUBLIC\" && \$10 != \"\"" 10)
	gre_lan_in=$(field "$WORK/lan.txt" "\$1 == \"$a\" && \$2 == \"$SERVER\" && \$10 != \"\"" 10)
	gre_lan_out=$(field "$WORK/lan.txt" "\$1 == \"$SERVER\" && \$2 == \"$a\" && \$10 != \"\"" 10)
	gre_wan_out=$(field "$WORK/wan.txt" "\$1 == \"$PUBLIC\" && \$2 == \"$a\" && \$10 != \"\"" 10)
	logged=$(grep -c "pptp: call $SERVER call-id $o -> $PUBLIC call-id $t <-> $a call-id $cid " "$WORK/calls.log")
	note=
	if [ -z "$o" ] || [ -z "$t" ] || [ -z "$cid" ] || [ "$t" = 0 ] ||
	    [ "$cid_in" != "$cid" ] || [ "$gre_wan_in" != "$t" ] ||
	    [ "$gre_lan_in" != "$o" ] || [ "$gre_lan_out" != "$cid" ] ||
	    [ "$gre_wan_out" != "$cid" ] || [ "$logged" != 1 ]; then
		bad=$((bad + 1))
		note=" MISMATCH: client ID inside $cid_in; GRE to $PUBLIC"
		note="$note $gre_wan_in, to the server $gre_lan_in, from it"
		note="$note $gre_lan_out, out $gre_wan_out; logged $logged"
	fi
	[ "$o" = "$t" ] || translated=$((translated + 1))
	echo "    $c $a: $o -> $t; $cid$note"
done
if [ "$bad" -ne 0 ]; then
	# for the reader of a failure: what the captures hold of GRE
	for side in lan wan; do
		echo "--- $side capture: GRE packets, by addresses and Call ID"
		awk -F'\t' '$10 != "" { print $1, $2, $10 }' "$WORK/$side.txt" |
			sort | uniq -c
		echo "--- $side capture: $(grep -c . "$WORK/$side.txt") packets"
	done
fi
check "every call's Call IDs agree on both sides, in control and GRE" \
	test "$bad" -eq 0
check "the ALG translated a server Call ID (pptpd's first is 0)" \
	test "$translated" -ge 1

check "SIGTERM stops tunnat with status 0" tunnat_stop
echo "$(($(date +%s) - t0)) s since the clients started"

lab_end
