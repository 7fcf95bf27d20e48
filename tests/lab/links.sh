#!/bin/sh
# SPDX-License-Identifier: MIT
# links.sh - tunnat as a router between two veth links in one namespace
#
#  namespace LAN            namespace RTR                   namespace WAN
#  192.168.1.10 eth1 ---- eth1 192.168.1.1     198.51.100.2 eth2 ---- eth1
#  default via .1           \-> tin (tunnat) tout <-/            198.51.100.1
#                           public 198.51.100.10 (proxy ARP)     server, pptpd
#
# tunnat runs in RTR with inside.links [eth1] and outside.links [eth2]: the
# kernel does ARP on the links, policy routing sends what arrives on them
# into tunnat's TUN devices.  The test proves: ping, TCP, UDP and a PPTP
# call from the LAN reach the server as 198.51.100.10 only; nothing from
# the WAN reaches the LAN untranslated; after tunnat exits the links stay
# closed; a restart (also after a link was made again with a new index)
# leaves one rule per link and family, one table per link and one proxy
# entry; outside.proxy-arp: false removes the proxy entry; a missing link
# and a public address that is local are refused.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pptplib.sh"

PUBLIC=198.51.100.10
SERVER=198.51.100.1

lab_begin tcpdump pptp pptpd pptpctrl unshare mknod mount ss
pptp_begin
ns_add "$NS_RTR"
ns_add "$NS_LAN"
ns_add "$NS_WAN"

# lan_link: the veth pair RTR eth1 -- LAN eth1, addressed
lan_link() {
	ip -n "$NS_RTR" link add eth1 type veth peer name eth1 netns "$NS_LAN"
	ip -n "$NS_RTR" addr add 192.168.1.1/24 dev eth1
	ip -n "$NS_RTR" link set eth1 up
	ip -n "$NS_LAN" addr add 192.168.1.10/24 dev eth1
	ip -n "$NS_LAN" link set eth1 up
	ip -n "$NS_LAN" route add default via 192.168.1.1
}
lan_link
ip -n "$NS_RTR" link add eth2 type veth peer name eth1 netns "$NS_WAN"
ip -n "$NS_RTR" addr add 198.51.100.2/24 dev eth2
ip -n "$NS_RTR" link set eth2 up
ip -n "$NS_WAN" addr add "$SERVER/24" dev eth1
ip -n "$NS_WAN" link set eth1 up
for ns in "$NS_LAN" "$NS_WAN"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
done

# conf FILE [KEY: VALUE (outside)] [POOL]: a configuration
conf() {
	cat >"$1" <<YAML
inside: { device: tin$ID, links: [eth1] }
outside: { device: tout$ID, links: [eth2]${2:+, $2} }
nat: { addresses: [${3:-$PUBLIC}] }
alg: { pptp: { enabled: true } }
YAML
}
conf "$WORK/tunnat.yaml"

# refused DESCRIPTION MESSAGE CONFIG: tunnat exits 71 on CONFIG, saying
# MESSAGE, and adds no rule
refused() {
	rc=0
	ip netns exec "$NS_RTR" timeout 10 "$TUNNAT" -c "$3" \
		>"$WORK/refused.log" 2>&1 || rc=$?
	cat "$WORK/refused.log"
	[ "$rc" -eq 71 ] && grep -q -- "$2" "$WORK/refused.log" &&
		! ip -n "$NS_RTR" rule | grep -q "proto 116"
}

conf "$WORK/nolink.yaml"
sed -i 's/links: \[eth1\]/links: [eth1, eth9]/' "$WORK/nolink.yaml"
check "a missing link is refused" refused "missing link" \
	"link eth9 (inside.links) does not exist" "$WORK/nolink.yaml"
conf "$WORK/local.yaml" "" 198.51.100.2
check "a public address that is local is refused" refused "local" \
	"public address 198.51.100.2 (nat.addresses) is an address of eth2" \
	"$WORK/local.yaml"

tunnat_start "$WORK/tunnat.yaml" ip netns exec "$NS_RTR"

capture_start wan "$NS_WAN" eth1
capture_start lan "$NS_LAN" eth1

check "the kernel routes the LAN link into the inside TUN" sh -c \
	"ip -n $NS_RTR route get $SERVER from 192.168.1.10 iif eth1 |
	 grep -q 'dev tin$ID'"
check "ping through tunnat" n_lan ping -c 2 -W 2 "$SERVER"
check "the router still answers on its own LAN address" \
	n_lan ping -c 1 -W 2 192.168.1.1

bg_start tcpsrv "$NS_WAN" $PEER tcp-server 5001 "$WORK/tcp.log" 1
bg_start udpsrv "$NS_WAN" $PEER udp-server 5002 "$WORK/udp.log" 3
wait_for 5 grep -q listening "$WORK/tcp.log" || broken "no TCP server"
wait_for 5 grep -q listening "$WORK/udp.log" || broken "no UDP server"
check "TCP transfer of 1 MiB" \
	n_lan $PEER tcp-client 192.168.1.10 "$SERVER" 5001 1048576
check "UDP echo" n_lan $PEER udp-client 192.168.1.10 "$SERVER" 5002 3
check "the TCP server saw only $PUBLIC" grep -q "^tcp $PUBLIC " \
	"$WORK/tcp.log"
check "the UDP server saw only $PUBLIC" test \
	"$(grep -c "^udp $PUBLIC " "$WORK/udp.log")" -eq 3

pptpd_start "$NS_WAN" "$SERVER"
pptp_client c0 "$NS_LAN" 192.168.1.10 "$SERVER"
wait_for 15 sh -c "[ \$(grep -c ' rx 0021 tunnat-echo [^:]*: tunnat-probe c0 ' \
	'$WORK/c0.stub' 2>/dev/null) -ge 3 ]" || true
check "a PPTP call from the LAN: its probes came back" \
	test "$(pptp_echoes c0)" -ge 3
check "tunnat logged the call" grep -q \
	"pptp: call 192.168.1.10 call-id [0-9]* -> $PUBLIC call-id" \
	"$WORK/tunnat.log"
priv_stop c0

# From the WAN, the LAN is not reachable, routed or not
n_wan ip route add 192.168.1.0/24 via 198.51.100.2
n_wan $PEER udp-send "$SERVER" 192.168.1.10 9999
n_wan $PEER udp-send "$SERVER" "$PUBLIC" 9998
check "unsolicited traffic to the public address is dropped and counted" \
	drop_is no-session 1

check "SIGTERM stops tunnat with status 0" tunnat_stop
check "after exit, the LAN link leads nowhere" sh -c \
	"ip -n $NS_RTR route get $SERVER from 192.168.1.10 iif eth1 2>&1 |
	 grep -q 'No route to host'"
check_not "after exit, ping does not pass" n_lan ping -c 1 -W 1 "$SERVER"
check_not "after exit, UDP does not pass" \
	n_lan $PEER udp-client 192.168.1.10 "$SERVER" 5002 1
n_wan $PEER udp-send "$SERVER" 192.168.1.10 9997
sleep 0.5

capture_stop wan
capture_stop lan
check "the WAN saw the translated flows" sh -c \
	"tcpdump -n -r '$WORK/wan.pcap' 2>/dev/null |
	 grep -q '$PUBLIC.* > $SERVER.5001'"
check "the WAN saw the PPTP call's GRE from $PUBLIC" sh -c \
	"tcpdump -n -r '$WORK/wan.pcap' 2>/dev/null |
	 grep -q 'IP $PUBLIC > $SERVER: GREv1'"
check_not "no LAN address ever reached the WAN" sh -c \
	"tcpdump -n -r '$WORK/wan.pcap' 2>/dev/null | grep 'IP 192\\.168\\.'"
check_not "nothing sent from the WAN to the LAN arrived there" sh -c \
	"tcpdump -n -r '$WORK/lan.pcap' 2>/dev/null |
	 grep -E '\\.(9997|9998|9999):'"

# count COMMAND...: the number of lines COMMAND prints
count() {
	"$@" | grep -c . || true
}
# state: rules, tagged routes, proxy entries, as one line
state() {
	echo "rules4=$(ip -n "$NS_RTR" rule | count grep "proto 116")" \
	     "rules6=$(ip -n "$NS_RTR" -6 rule | count grep "proto 116")" \
	     "routes4=$(count ip -n "$NS_RTR" -4 route show table all proto 116)" \
	     "routes6=$(count ip -n "$NS_RTR" -6 route show table all proto 116)" \
	     "proxy=$(count ip -n "$NS_RTR" neigh show proxy)"
}
# state_is WANT: the state is WANT (else print it)
state_is() {
	now=$(state)
	echo "$now"
	[ "$now" = "$1" ]
}
# after exit, the routes into the TUN devices are gone with them
check "after exit: one rule per link and family, only unreachable left" \
	state_is "rules4=2 rules6=2 routes4=2 routes6=2 proxy=1"
want="rules4=2 rules6=2 routes4=4 routes6=2 proxy=1"

tunnat_start "$WORK/tunnat.yaml" ip netns exec "$NS_RTR"
check "after a restart: $want" state_is "$want"
check "ping after the restart" n_lan ping -c 1 -W 2 "$SERVER"
check "SIGTERM stops tunnat with status 0" tunnat_stop

# The LAN link made again: a new interface index, so a new table
old=$(ip -n "$NS_RTR" rule | grep "iif eth1 .*proto 116")
ip -n "$NS_RTR" link del eth1
lan_link
tunnat_start "$WORK/tunnat.yaml" ip netns exec "$NS_RTR"
check "a new link: $want" state_is "$want"
check "a new link: its rule points at a new table" test \
	"$(ip -n "$NS_RTR" rule | grep "iif eth1 .*proto 116")" != "$old"
check "ping over the new link" n_lan ping -c 1 -W 2 "$SERVER"
check "SIGTERM stops tunnat with status 0" tunnat_stop

# Without proxy ARP, the WAN must route the pool to the router itself
conf "$WORK/noproxy.yaml" "proxy-arp: false"
tunnat_start "$WORK/noproxy.yaml" ip netns exec "$NS_RTR"
n_wan ip neigh flush all
check "proxy-arp false: no proxy entry left" \
	test "$(count ip -n "$NS_RTR" neigh show proxy)" -eq 0
check_not "proxy-arp false: the WAN cannot find $PUBLIC by ARP" \
	n_lan ping -c 1 -W 1 "$SERVER"
n_wan ip route add "$PUBLIC/32" via 198.51.100.2
check "proxy-arp false: ping once the WAN routes $PUBLIC to the router" \
	n_lan ping -c 1 -W 2 "$SERVER"
check "SIGTERM stops tunnat with status 0" tunnat_stop

lab_end
