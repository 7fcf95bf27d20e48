#!/bin/sh
# SPDX-License-Identifier: MIT
# soak.sh - minutes of steady mixed traffic: nothing lost, nothing left,
# memory flat (make soak; SOAK_SECONDS=N sets the minutes, default 300 s)
#
#  namespace LAN                                       namespace WAN
#  hosts 192.168.1.10-.13                              server 198.51.100.1
#  tin0 (default route) ---fd--> tunnat 203.0.113.1 --fd--> tout0 (route to
#                                                            203.0.113.1/32)
#
# For SOAK_SECONDS, each of SOAK_HOSTS inside hosts (default 4) at once
# (tests/soak/soak.py): short TCP connections (5 a second, 512 bytes
# echoed), UDP flows (a new source port every second, 10 datagrams
# echoed), pings (5 a second) and PPTP calls with churn (control
# connection, call, 20 GRE packets echoed, Call-Clear-Request,
# Stop-Control-Connection, again).  tunnat runs with lab timers (seconds,
# nat.allow-short-timeouts), so that sessions come and go all the time.
# tunnat's resident memory (VmRSS) is sampled every second.
#
# It fails if:
#  - any exchange went unanswered or failed (the client's counts);
#  - tunnat dropped a packet for any reason but not-ipv4 (the kernel's
#    IPv6 router solicitations, sent before IPv6 is off): drops/REASON of
#    tunnatctl stats --json;
#  - a failed write was counted;
#  - sessions, mappings or PPTP calls are left once the timers have run
#    out after the traffic (SOAK_DRAIN seconds, default 30);
#  - the resident memory at the end of the traffic exceeds that after the
#    warm-up (the first fifth, at least 10 s) by more than SOAK_RSS_GROWTH
#    KiB (default 1024): after the warm-up the table's pages in use are
#    all touched, and a steady load must not grow it.
# It prints packets sent and received (tunnat's counters and the
# client's), the drops, the session count at the end, and VmRSS at the
# start, after warm-up, at its peak (VmHWM) and at the end.

. "$(dirname "$0")/../lab/lib.sh"

SOAK_SECONDS=${SOAK_SECONDS:-300}
SOAK_HOSTS=${SOAK_HOSTS:-4}
SOAK_DRAIN=${SOAK_DRAIN:-30}
SOAK_RSS_GROWTH=${SOAK_RSS_GROWTH:-1024}
SOAK="/usr/bin/python3 $TOP_SRCDIR/tests/soak/soak.py"
WARMUP=$((SOAK_SECONDS / 5))
[ "$WARMUP" -ge 10 ] || WARMUP=10
[ "$SOAK_SECONDS" -gt "$WARMUP" ] || broken "SOAK_SECONDS must be over 10"

lab_begin
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
  max-sessions: 65536
  allow-short-timeouts: true
  port-holddown: 5
  timeouts: { tcp-established: 20, tcp-transitory: 5, udp: 5, icmp: 5,
              gre: 10, other: 10 }
alg:
  pptp: { enabled: true }
$(control_yaml)
YAML
tunnat_start "$WORK/tunnat.yaml"
for ns in "$NS_LAN" "$NS_WAN"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
done
hosts=""
for i in $(seq 0 $((SOAK_HOSTS - 1))); do
	h=192.168.1.$((10 + i))
	[ "$i" -eq 0 ] || n_lan ip addr add "$h/24" dev "tin$ID"
	hosts="$hosts $h"
done

bg_start server "$NS_WAN" $SOAK server 198.51.100.1
wait_for 5 grep -q listening "$WORK/server.log" || broken "no soak server"

# rss NAME: tunnat's NAME (VmRSS, VmHWM) in KiB
rss() {
	sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$TUNNAT_PID/status"
}

rss_start=$(rss VmRSS)
echo "soak: $SOAK_SECONDS s from$hosts; tunnat pid $TUNNAT_PID, VmRSS $rss_start KiB"
t0=$(date +%s)
bg_start client "$NS_LAN" $SOAK client 198.51.100.1 "$SOAK_SECONDS" $hosts
# sample VmRSS every second while the client runs
rss_warm=""
rss_max=0
: >"$WORK/rss.txt"
while ! pid_gone "$PID_client"; do
	now=$(($(date +%s) - t0))
	r=$(rss VmRSS) || broken "tunnat is gone"
	echo "$now $r" >>"$WORK/rss.txt"
	[ "$r" -le "$rss_max" ] || rss_max=$r
	if [ -z "$rss_warm" ] && [ "$now" -ge "$WARMUP" ]; then
		rss_warm=$r
		echo "soak: after the $WARMUP s warm-up, VmRSS $rss_warm KiB"
	fi
	sleep 1
done
rss_traffic_end=$(rss VmRSS)
client_rc=0
pid_wait 5 "$PID_client" || client_rc=$?
echo "soak: the client ran $(($(date +%s) - t0)) s and says:"
cat "$WORK/client.log"
check "every exchange was answered (client exit 0)" test "$client_rc" -eq 0

ctl stats --json >"$WORK/stats-end.json" || broken "no stats"
# the counters, and what the check wants of them
drops_rc=0
/usr/bin/python3 - "$WORK/stats-end.json" "$WORK/client.log" \
	>"$WORK/summary.txt" <<'EOF' || drops_rc=$?
import json, sys
st = json.load(open(sys.argv[1]))
cl = json.loads(open(sys.argv[2]).read().strip().splitlines()[-1])


def flat(d, pre=""):
    for k, v in d.items():
        if isinstance(v, dict):
            yield from flat(v, pre + k + "/")
        else:
            yield pre + k, v


s = dict(flat(st))
drops = {k[6:]: v for k, v in s.items()
         if k.startswith("drops/") and v and k != "drops/not_ipv4"
         and k != "drops/not-ipv4"}
print("packets read: inside %d outside %d; forwarded: out %d in %d" %
      (s.get("received/outbound", -1), s.get("received/inbound", -1),
       s.get("forwarded/outbound", -1), s.get("forwarded/inbound", -1)))
print("sessions created %d, expired %d" %
      (s.get("sessions/created", -1), s.get("sessions/expired", -1)))
print("client: tcp %d (failed %d), udp %d/%d, ping %d/%d, gre %d/%d, "
      "pptp calls %d (failed %d)" %
      (cl.get("tcp_connections", 0), cl.get("tcp_failed", 0),
       cl.get("udp_answered", 0), cl.get("udp_sent", 0),
       cl.get("pings_answered", 0), cl.get("pings_sent", 0),
       cl.get("gre_answered", 0), cl.get("gre_sent", 0),
       cl.get("pptp_calls", 0), cl.get("pptp_failed", 0)))
print("drops: %s; unexpected: %s" %
      (json.dumps({k[6:]: v for k, v in s.items()
                   if k.startswith("drops/") and v}) or "none",
       json.dumps(drops) if drops else "none"))
print("write errors: %d" % sum(v for k, v in s.items()
                              if k.startswith("write_errors/")))
sys.exit(1 if drops else 0)
EOF
cat "$WORK/summary.txt"
check "no unexpected drop" test "$drops_rc" -eq 0
check "no failed write" grep -qx "write errors: 0" "$WORK/summary.txt"

# after the traffic, the timers run out: nothing is left
bg_stop server
# counter NAME: from tunnatctl stats
counter() {
	ctl stats | sed -n "s|^$1  *||p"
}
# drained: no session, mapping or call left
drained() {
	[ "$(counter sessions/active)" = 0 ] &&
		[ "$(counter mappings/active)" = 0 ]
}
check "no session or mapping left within $SOAK_DRAIN s" wait_for "$SOAK_DRAIN" \
	drained
echo "soak: at the end, $(counter sessions/active) sessions, $(counter mappings/active) mappings"
rss_end=$(rss VmRSS)
rss_peak=$(rss VmHWM)
echo "soak: VmRSS start $rss_start KiB, after warm-up $rss_warm KiB, end of traffic $rss_traffic_end KiB, peak (VmHWM) $rss_peak KiB, end $rss_end KiB"
check "VmRSS after warm-up grew by at most $SOAK_RSS_GROWTH KiB ($rss_warm -> $rss_traffic_end)" \
	test "$rss_traffic_end" -le $((rss_warm + SOAK_RSS_GROWTH))
check "SIGTERM stops tunnat with status 0" tunnat_stop
lab_end
