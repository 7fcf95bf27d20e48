#!/bin/sh
# SPDX-License-Identifier: MIT
# overload.sh - floods both ways; an idle host's ping loses nothing
#
#  namespace LAN                                       namespace WAN
#  hosts 192.168.1.10, .12 (flooders), .11 (idle)   servers 198.51.100.1,
#  tin0 (default route) ---fd--> tunnat 203.0.113.1 --fd--> .2 on tout0 (route
#                                                            to 203.0.113.1/32)
#
# .10 sends UDP as fast as two iperf3 clients can (64-byte datagrams) to
# 198.51.100.1, and a third iperf3, reversed, makes 198.51.100.2 send to
# .12 as fast as it can: far more than tunnat can carry, both ways.
# tunnat runs at nice 5, below the floods' own processes, so that they
# overload it whatever else the machine runs (at its default, -10, it
# may read all two starved senders offer, and nothing overflows).
# Meanwhile .11 pings 198.51.100.1 every 50 ms.  With fair queues (the
# default, 4), the flood from .10 fills its own queue of the inside
# device and the one from 198.51.100.2 its own of the outside device,
# and the ping's packets find theirs short (a flooder's own TCP control
# connection shares its fate, so the iperf3 clients are stopped, not
# waited for).  Checks: no ping is lost; tunnatctl answers throughout;
# both directions are forwarded; the drops are counted (queue_full/DEVICE
# equals the device's own TX dropped counter, and the inside one is not
# 0).

. "$(dirname "$0")/lib.sh"

lab_begin iperf3
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
nice: 5
$(control_yaml)
YAML

tunnat_start "$WORK/tunnat.yaml"
n_lan ip addr add 192.168.1.11/24 dev "tin$ID"
n_lan ip addr add 192.168.1.12/24 dev "tin$ID"
n_wan ip addr add 198.51.100.2/24 dev "tout$ID"
n_wan sysctl -qw "net.ipv6.conf.tout$ID.disable_ipv6=1"
n_lan sysctl -qw "net.ipv6.conf.tin$ID.disable_ipv6=1"

# tx_dropped NS DEV: the device's own count of packets dropped on the way
# to its reader (tunnat)
tx_dropped() {
	ip -n "$1" -j -s link show dev "$2" | /usr/bin/python3 -c '
import json, sys
print(json.load(sys.stdin)[0]["stats64"]["tx"]["dropped"])'
}

# stat PATH [FILE]: a counter of tunnatctl stats --json (or of FILE)
stat() {
	if [ -n "${2:-}" ]; then cat "$2"; else ctl stats --json; fi |
		/usr/bin/python3 -c 'import json, sys
d = json.load(sys.stdin)
for k in sys.argv[1].split("/"):
    d = d[k]
print(d)' "$1"
}

bg_start srv1 "$NS_WAN" iperf3 -s -p 5201 -B 198.51.100.1
bg_start srv2 "$NS_WAN" iperf3 -s -p 5202 -B 198.51.100.1
bg_start srv3 "$NS_WAN" iperf3 -s -p 5203 -B 198.51.100.2
for p in 5201 5202 5203; do
	wait_for 5 sh -c "ip netns exec $NS_WAN ss -Hltn 'sport = :$p' |
		grep -q ." || broken "no iperf3 server on port $p"
done
n_lan ping -c 1 -W 2 -I 192.168.1.11 198.51.100.1 >/dev/null ||
	broken "no path through tunnat"
ctl stats --json >"$WORK/before.json"

# The floods, both ways, until stopped
FLOOD="-u -b 0 -l 64 -t 60"
bg_start up1 "$NS_LAN" iperf3 -c 198.51.100.1 -p 5201 -B 192.168.1.10 $FLOOD
bg_start up2 "$NS_LAN" iperf3 -c 198.51.100.1 -p 5202 -B 192.168.1.10 $FLOOD
bg_start down "$NS_LAN" iperf3 -c 198.51.100.2 -p 5203 -R -B 192.168.1.12 \
	$FLOOD
sleep 1

# The idle host, 3 s of pings in the middle of the floods, and the
# control socket asked five times meanwhile
bg_start ping "$NS_LAN" ping -c 60 -i 0.05 -W 2 -I 192.168.1.11 198.51.100.1
answered=0
for i in 1 2 3 4 5; do
	if timeout -k 1 2 "$TUNNATCTL" -s "$WORK/ctl.sock" stats --json \
	    >"$WORK/during.json"; then
		answered=$((answered + 1))
	fi
	sleep 0.5
done
pid_wait 10 "$PID_ping" || true	# its status says whether any was lost
tail -n 2 "$WORK/ping.log"
check "tunnatctl answered all 5 requests within 2 s during the floods" \
	test "$answered" -eq 5
check "the idle host's 60 pings were answered, none lost" \
	grep -q "^60 packets transmitted, 60 received" "$WORK/ping.log"
for c in up1 up2 down; do
	bg_stop "$c"
done
sleep 1	# what the queues still hold drains

ctl stats --json >"$WORK/after.json"
out=$(($(stat forwarded/outbound "$WORK/after.json") -
	$(stat forwarded/outbound "$WORK/before.json")))
in=$(($(stat forwarded/inbound "$WORK/after.json") -
	$(stat forwarded/inbound "$WORK/before.json")))
qin=$(stat queue_full/inside "$WORK/after.json")
qout=$(stat queue_full/outside "$WORK/after.json")
kin=$(tx_dropped "$NS_LAN" "tin$ID")
kout=$(tx_dropped "$NS_WAN" "tout$ID")
echo "forwarded out $out, in $in; queues full inside $qin (device: $kin)," \
	"outside $qout (device: $kout)"
check "the upload flood overflowed its queue, and it was counted" \
	test "$qin" -gt 0
check "queue_full/inside is the inside device's TX dropped" \
	test "$qin" -eq "$kin"
check "queue_full/outside is the outside device's TX dropped" \
	test "$qout" -eq "$kout"
check "both directions were forwarded, each at least a tenth of it all" \
	test $((out * 10)) -ge $((out + in)) -a $((in * 10)) -ge $((out + in))
check "SIGTERM stops tunnat with status 0" tunnat_stop
lab_end
