#!/bin/sh
# SPDX-License-Identifier: MIT
# quota.sh - one inside host floods; another sees no loss
#
#  namespace LAN                                       namespace WAN
#  hosts 192.168.1.10 (flooder), .11                   server 198.51.100.1
#  tin0 (default route) ---fd--> tunnat 203.0.113.1 --fd--> tout0 (route to
#                                                            203.0.113.1/32)
#
# With nat.max-sessions-per-host 200 and alg.pptp.max-connections-per-host
# 4 (of 32), .10 sends 500 SYNs to the PPTP server's port 1723 and 1000
# UDP datagrams from ports of their own, twice.  Meanwhile .11 runs a ping,
# a TCP flow echoed by the server and a PPTP control connection with an
# echo every 100 ms.  Checks: .10 holds exactly its shares (4 PPTP
# connections, 200 sessions), the rest is counted as drops/alg-host-limit
# and drops/host-session-limit; the second flood creates nothing and
# tunnat's memory stays flat; .11 lost no ping, no byte, no echo; the
# refusals were logged as warnings naming .10, at most 5 per reason.

. "$(dirname "$0")/lib.sh"

HOSTILE="/usr/bin/python3 $TOP_SRCDIR/tests/lab/hostile.py"

lab_begin
/usr/bin/python3 -c "import scapy.all" 2>/dev/null ||
	skip "python3-scapy not installed"
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
  max-sessions-per-host: 200
alg:
  pptp:
    enabled: true
    max-connections: 32
    max-connections-per-host: 4
$(control_yaml)
YAML

tunnat_start "$WORK/tunnat.yaml"
n_lan ip addr add 192.168.1.11/24 dev "tin$ID"
n_wan sysctl -qw "net.ipv6.conf.tout$ID.disable_ipv6=1"
n_lan sysctl -qw "net.ipv6.conf.tin$ID.disable_ipv6=1"

# stat PATH: a counter of tunnatctl stats --json
stat() {
	ctl stats --json | /usr/bin/python3 -c 'import json, sys
d = json.load(sys.stdin)
for k in sys.argv[1].split("/"):
    d = d[k]
print(d)' "$1"
}

# sessions_of HOST: how many sessions inside host HOST has
sessions_of() {
	ctl sessions --json | /usr/bin/python3 -c 'import json, sys
print(sum(1 for s in json.load(sys.stdin)["sessions"]
          if s["inside"].split(":")[0] == sys.argv[1]))' "$1"
}

rss_kb() {
	sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$TUNNAT_PID/status"
}

# .11: the legitimate flows, until "$WORK/stop"
bg_start echosrv "$NS_WAN" $HOSTILE echo-server 5001 "$WORK/echo.log"
bg_start pptpsrv "$NS_WAN" $HOSTILE pptp-server 1723
wait_for 5 grep -q listening "$WORK/echo.log" || broken "no echo server"
wait_for 5 sh -c "ip netns exec $NS_WAN ss -ltn | grep -q ':1723 '" ||
	broken "no PPTP server"
bg_start echocli "$NS_LAN" sh -c \
	"$HOSTILE echo-client 192.168.1.11 198.51.100.1 5001 90 '$WORK/stop' \
	 >'$WORK/echocli.out' 2>&1; echo \$? >'$WORK/echocli.rc'"
bg_start pptpcli "$NS_LAN" sh -c \
	"$HOSTILE pptp-client 192.168.1.11 198.51.100.1 90 '$WORK/stop' \
	 >'$WORK/pptpcli.out' 2>&1; echo \$? >'$WORK/pptpcli.rc'"
bg_start ping "$NS_LAN" sh -c \
	"ping -I 192.168.1.11 -i 0.2 -W 2 -w 120 198.51.100.1 \
	 >'$WORK/ping.out' 2>&1 & echo \$! >'$WORK/ping.pid'; wait"
wait_for 5 test -s "$WORK/ping.pid" || broken "ping did not start"
wait_for 5 sh -c "'$TUNNATCTL' -s '$WORK/ctl.sock' sessions |
	grep -q '198.51.100.1:1723'" || broken "no PPTP connection from .11"

alg0=$(stat drops/alg-host-limit)
host0=$(stat drops/host-session-limit)
n_lan $HOSTILE flood 192.168.1.10 198.51.100.1 500 1000 ||
	broken "the flood could not be sent"
check ".10 holds exactly its 200 sessions" \
	test "$(sessions_of 192.168.1.10)" -eq 200
check ".10 holds 4 PPTP control connections, no more" test "$(ctl sessions \
	--json --inside 192.168.1.10 | grep -o '"alg": *"pptp"' | wc -l)" -eq 4
check "496 SYNs to 1723 counted as alg-host-limit" \
	test "$(($(stat drops/alg-host-limit) - alg0))" -eq 496
check "804 datagrams counted as host-session-limit" \
	test "$(($(stat drops/host-session-limit) - host0))" -eq 804
created=$(stat sessions/created)
rss1=$(rss_kb)
n_lan $HOSTILE flood 192.168.1.10 198.51.100.1 500 1000 ||
	broken "the second flood could not be sent"
rss2=$(rss_kb)
echo "tunnat VmRSS: $rss1 kB after the first flood, $rss2 kB after the second"
check "the second flood created no session" \
	test "$(stat sessions/created)" -eq "$created"
check "memory stayed flat (grew by $((rss2 - rss1)) kB, under 512)" \
	test $((rss2 - rss1)) -lt 512

# .11 lost nothing
touch "$WORK/stop"
wait_for 30 test -s "$WORK/echocli.rc" || broken "the TCP flow never ended"
wait_for 30 test -s "$WORK/pptpcli.rc" || broken "the PPTP client never ended"
cat "$WORK/echocli.out" "$WORK/pptpcli.out"
check ".11's TCP flow got every byte back" \
	test "$(cat "$WORK/echocli.rc")" -eq 0
check ".11's PPTP connection answered every echo" \
	test "$(cat "$WORK/pptpcli.rc")" -eq 0
kill -INT "$(cat "$WORK/ping.pid")"
wait_for 10 grep -q "packet loss" "$WORK/ping.out" || broken "ping did not end"
tail -n 2 "$WORK/ping.out"
check ".11 lost no ping" grep -q " 0% packet loss" "$WORK/ping.out"
check "no PPTP connection was reset" test "$(stat alg/pptp/resets)" -eq 0
for r in alg-host-limit host-session-limit; do
	check "refusals logged as warnings naming .10: $r" grep -q \
		"warning: inside: dropped a packet from 192.168.1.10: limit reached: $r" \
		"$WORK/tunnat.log"
	check "at most 5 lines for $r in 10 s" test "$(grep -c \
		"warning: inside: dropped a packet from .*: $r" \
		"$WORK/tunnat.log")" -le 5
done

check "SIGTERM stops tunnat with status 0" tunnat_stop
lab_end
