#!/bin/sh
# SPDX-License-Identifier: MIT
# hostile.sh - attacks from outside create nothing while real flows run
#
#  namespace LAN                                       namespace WAN
#  host 192.168.1.10                                   server 198.51.100.1
#  tin0 (default route) ---fd--> tunnat 203.0.113.1 --fd--> tout0 (route to
#                                                            203.0.113.1/32)
#
# A TCP flow (1000 bytes echoed every 20 ms), a ping and a UDP flow run
# from the LAN host to the server.  Meanwhile hostile.py, in the WAN
# namespace, sends with scapy: unsolicited TCP SYNs and segments, UDP,
# echo replies, GRE of both versions, forged PPTP messages, ICMP errors
# quoting nothing or spoofing the TCP flow, ICMP errors quoting the TCP
# flow exactly but a sequence number its client never sent (RFC 5927),
# RSTs and FINs on the TCP flow half the sequence space away, fragments
# too long, fragments over the first fragment of a UDP datagram, and
# later fragments without end.
# Checks: each attack moved its drop counter by exactly what was sent; no
# session was created (tunnatctl sessions --json lists the same sessions
# before and after, stats --json counts none created); the TCP flow got
# every byte back and its session stayed established; no ping was lost.

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
alg:
  pptp:
    enabled: true
$(control_yaml)
YAML

tunnat_start "$WORK/tunnat.yaml"
n_wan sysctl -qw "net.ipv6.conf.tout$ID.disable_ipv6=1"
n_lan sysctl -qw "net.ipv6.conf.tin$ID.disable_ipv6=1"

# stats_json NAME: tunnatctl stats --json into $WORK/NAME.json
stats_json() {
	ctl stats --json >"$WORK/$1.json"
}

# delta PATH: how much counter PATH grew from before.json to after.json
delta() {
	/usr/bin/python3 - "$WORK/before.json" "$WORK/after.json" "$1" <<'EOF'
import json, sys
def get(f):
    d = json.load(open(f))
    for k in sys.argv[3].split("/"):
        d = d[k]
    return d
print(get(sys.argv[2]) - get(sys.argv[1]))
EOF
}

# sessions_of NAME: the sessions, one per line, sorted (no idle times)
sessions_of() {
	ctl sessions --json | /usr/bin/python3 -c '
import json, sys
for s in sorted(json.load(sys.stdin)["sessions"],
                key=lambda s: (s["protocol"], s["inside"])):
    print(s["protocol"], s["inside"], s["public"], s["remote"], s["state"])
' >"$WORK/$1.sessions"
}

# The legitimate flows
bg_start echosrv "$NS_WAN" $HOSTILE echo-server 5001 "$WORK/echo.log"
wait_for 5 grep -q listening "$WORK/echo.log" || broken "no echo server"
# both run until the attacks are over and counted: "$WORK/stop"
bg_start echocli "$NS_LAN" sh -c \
	"$HOSTILE echo-client 192.168.1.10 198.51.100.1 5001 90 '$WORK/stop' \
	 >'$WORK/echocli.out' 2>&1; echo \$? >'$WORK/echocli.rc'"
# one ping process (one ICMP identifier, one session), ended by SIGINT,
# on which it prints its summary; -D stamps each reply with the time
bg_start ping "$NS_LAN" sh -c \
	"ping -D -i 0.2 -W 2 -w 120 198.51.100.1 >'$WORK/ping.out' 2>&1 &
	 echo \$! >'$WORK/ping.pid'; wait"
wait_for 5 test -s "$WORK/ping.pid" || broken "ping did not start"
n_lan $PEER udp-send 192.168.1.10:7000 198.51.100.1 7777
wait_for 5 sh -c "'$TUNNATCTL' -s '$WORK/ctl.sock' sessions |
	grep -q 198.51.100.1:5001" || broken "the TCP flow did not start"
UPORT=$(ctl sessions --json | /usr/bin/python3 -c '
import json, sys
for s in json.load(sys.stdin)["sessions"]:
    if s["inside"] == "192.168.1.10:7000":
        print(s["public"].split(":")[1])')
[ -n "$UPORT" ] || broken "no UDP session"

sessions_of before
cat "$WORK/before.sessions"
check "three legitimate sessions before the attacks" \
	test "$(wc -l <"$WORK/before.sessions")" -eq 3
stats_json before

# replies_between T0 T1: how many ping replies are stamped in [T0, T1]
replies_between() {
	awk -v t0="$1" -v t1="$2" -F'[][]' \
		'/ bytes from / && $2 >= t0 && $2 <= t1 { n++ } END { print n + 0 }' \
		"$WORK/ping.out"
}

# The attacks, timed so that the pings can be placed around them
t_attack0=$(date +%s.%N)
n_wan $HOSTILE attack 203.0.113.1 198.51.100.1 5001 "tout$ID" \
	>"$WORK/attack.out" || broken "the attacks could not be sent"
n_wan $HOSTILE frag-overlap 203.0.113.1 198.51.100.1 7777 "$UPORT" 50 ||
	broken "the overlapping fragments could not be sent"
n_wan $HOSTILE frag-endless 203.0.113.1 300 ||
	broken "the endless fragments could not be sent"
t_attack1=$(date +%s.%N)
cat "$WORK/attack.out"
sent() {
	sed -n "s/^$1 //p" "$WORK/attack.out"
}

sessions_of after
stats_json after
cat "$WORK/after.sessions"
check "the same sessions after the attacks" \
	cmp "$WORK/before.sessions" "$WORK/after.sessions"
check "no session was created" test "$(delta sessions/created)" -eq 0
for r in syn:unsolicited-syn \
	frag-long:fragment-too-long gre1:gre-no-call; do
	a=${r%%:*} reason=${r#*:}
	check "$a: $(sent "$a") sent, drops/$reason moved by as many" \
		test "$(delta "drops/$reason")" -eq "$(sent "$a")"
done
check "rst, fin: $(sent rst) and $(sent fin) sent, drops/tcp-out-of-window moved by as many" \
	test "$(delta drops/tcp-out-of-window)" -eq "$(($(sent rst) + $(sent fin)))"
check "ack, udp, icmp, gre0, pptp: all counted as no-session" \
	test "$(delta drops/no-session)" -eq \
	"$(($(sent ack) + $(sent udp) + $(sent icmp) + $(sent gre0) + $(sent pptp)))"
check "ICMP errors quoting nothing or a spoofed flow: icmp-error-no-session" \
	test "$(delta drops/icmp-error-no-session)" -eq \
	"$(($(sent icmp-err-none) + $(sent icmp-err-spoof)))"
check "ICMP errors quoting the flow with a sequence never sent: icmp-error-out-of-window" \
	test "$(delta drops/icmp-error-out-of-window)" -eq "$(sent icmp-err-seq)"
check "50 fragments over a first fragment: fragment-overlap" \
	test "$(delta drops/fragment-overlap)" -eq 50
held=$(delta fragments_held)
echo "endless fragments held: $held"
check "300 endless fragments: held up to the sender's share, the rest fragment-limit" \
	test "$held" -gt 0 -a "$(delta drops/fragment-limit)" -eq $((300 - held))
check "the TCP flow is still established" \
	grep -q "^tcp 192.168.1.10:.* 198.51.100.1:5001 established$" \
	"$WORK/after.sessions"

# The legitimate flows end as they should
touch "$WORK/stop"
wait_for 30 test -s "$WORK/echocli.rc" || broken "the TCP flow never ended"
cat "$WORK/echocli.out"
check "the TCP flow got every byte back" test "$(cat "$WORK/echocli.rc")" -eq 0
nsent=$(sed -n 's/^sent //p' "$WORK/echocli.out")
check "the server echoed all $nsent bytes" \
	wait_for 5 grep -q "^echo 203.0.113.1 $nsent\$" "$WORK/echo.log"
# the ping runs on until a reply comes after the attacks: then, with no
# ping lost, every ping sent while the attacks ran was answered
wait_for 10 sh -c "[ \$(awk -v t1=$t_attack1 -F'[][]' \
	'/ bytes from / && \$2 > t1 { n++ } END { print n + 0 }' \
	'$WORK/ping.out') -gt 0 ]" || broken "no ping reply after the attacks"
kill -INT "$(cat "$WORK/ping.pid")"
wait_for 10 grep -q "packet loss" "$WORK/ping.out" || broken "ping did not end"
tail -n 2 "$WORK/ping.out"
n_before=$(replies_between 0 "$t_attack0")
n_during=$(replies_between "$t_attack0" "$t_attack1")
echo "ping replies before the attacks: $n_before, during: $n_during"
check "pings were answered before the attacks" test "$n_before" -gt 0
check "pings were answered while the attacks ran" test "$n_during" -gt 0
check "no ping was lost" grep -q " 0% packet loss" "$WORK/ping.out"
before_to=$(/usr/bin/python3 -c 'import json,sys
print(json.load(open(sys.argv[1]))["drops"]["fragment-timeout"])' \
	"$WORK/after.json")
check "the held fragments ran out of time" wait_for 10 sh -c \
	"[ \$('$TUNNATCTL' -s '$WORK/ctl.sock' stats --json |
	   /usr/bin/python3 -c 'import json,sys
print(json.load(sys.stdin)[\"drops\"][\"fragment-timeout\"])') \
	   -eq $((before_to + held)) ]"

check "SIGTERM stops tunnat with status 0" tunnat_stop
lab_end
