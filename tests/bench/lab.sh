#!/bin/sh
# SPDX-License-Identifier: MIT
# lab.sh - tunnat against the kernel's own NAT, side by side, in one run
#
# K, the kernel: nftables masquerade in a router namespace
#
#  ns KCLI               ns KRTR (ip_forward=1)                 ns KSRV
#  kc0 10.0.1.1/24 ---- kr0 10.0.1.254  kr1 10.0.2.254 ---- ks0 10.0.2.1/24
#  default via .254     (veth)    masquerade out of kr1  (veth)
#
# T, tunnat: started as tests/lab/basic.sh does, in the script's namespace
#
#  ns TCLI                                      ns TSRV (ip_forward=1)
#  tinPID 10.0.1.1/24 --fd--> tunnat --fd--> toutPID 10.0.2.1/24,
#  default route into it    public 10.0.2.254  route 10.0.2.254/32 into it
#                                               ts1 10.0.3.254/24
#                                                |  (veth, tx csum off)
#  T3: the same, one hop further:     ns TEND:  te0 10.0.3.1/24 (tx csum off)
#                                               default via 10.0.3.254
#
# Both sides have the same addresses: client 10.0.1.1, server 10.0.2.1,
# public address 10.0.2.254 in the server's subnet.  Both TUNs get
# txqueuelen 8192 (at the default 500 the kernel drops bursts silently);
# the veths keep their defaults (GRO, TSO and checksum offload on).
#
# Rows (runs alternate K, T, K, T, ...; the table shows medians, and
# ratio = tunnat / kernel where a ratio means something):
#  1. TCP 1 stream, iperf3 -t BENCH_SECONDS -O 2, client->server and -R.
#  2. TCP 4 streams (-P 4), both ways.
#  3. UDP, 64-byte payload, two iperf3 clients at once (iperf3 3.12 is
#     single-threaded) on ports 5201 and 5202 with -b 0; packets delivered
#     per second at the receiver (iperf3's server-side count), summed, and
#     the loss; no -O, so iperf3's UDP counts cover the whole run.
#  4. New TCP connections per second: connrate, 32 workers, RST close;
#     and the connect() calls that failed.
#  5. With the TCP rows: retransmits (iperf3), CPU seconds per GB (1e9
#     bytes of iperf3 payload, omitted seconds included) for the whole
#     machine (/proc/stat: so anything else running counts too) and for
#     the tunnat process alone; with the UDP row, CPU seconds per million
#     packets delivered, the same two ways
#     (/proc/PID/stat utime + stime), and the growth of tx_dropped on both
#     TUNs (ip -s -j link).
#  6. A million idle sessions: udpfill opens 1000 x 1000 UDP flows from
#     TCLI (one datagram each, paced) and tunnat holds them; then TCP 1
#     stream c->s runs again through T.  Its ratio is to the empty-table
#     runs of row 1, not to the kernel.  tunnat's resident memory growth
#     per session (VmRSS) is shown too: here 1000 sessions share each
#     mapping, as flows of a real host do.
#  7. T3, correctness at speed: TCP 1 stream both ways from TCLI to TEND.
#     The veth between TSRV and TEND has TX checksum offload off at both
#     ends, so TSRV finishes in software the checksum of every packet it
#     forwards from tunnat, and TEND sends fully checksummed packets that
#     TCLI then verifies.  A two-namespace test cannot catch a wrong
#     partial (CHECKSUM_PARTIAL) checksum: local delivery never verifies
#     it (performance.md 1.4).  TcpInCsumErrors in TEND and TCLI must not
#     grow, or the script exits 1.
# UDP, connrate and T3 runs last 2/5 of BENCH_SECONDS (at least 2 s), to
# keep the default run under 6 minutes.
#
# If "$TUNNAT -t" accepts a top-level "offload: auto", the configuration
# gets it; tunnat's log lines that mention offloads go in the header.
#
# Environment:
#   TUNNAT         the daemon (default $TOP_BUILDDIR/src/tunnat)
#   CONNRATE       the connection-rate helper built from connrate.c
#                  (default $TOP_BUILDDIR/tests/bench/connrate)
#   UDPFILL        the flow opener built from udpfill.c
#                  (default $TOP_BUILDDIR/tests/bench/udpfill)
#   TOP_BUILDDIR   default: two levels above this script
#   BENCH_RUNS     runs per row and side (default 3)
#   BENCH_SECONDS  length of a TCP run, without the 2 omitted (default 10)
#   BENCH_JSON     also write the results, every run included, as JSON here
#   TUNNAT_WORKERS tunnat's workers (default: the configuration's default,
#                  1); nat.max-sessions grows with it, since the idle
#                  flows all come from one inside host, so one worker
#                  holds them all
#   TUNNAT_IO_URING  tunnat's io-uring key (default: the configuration's
#                  default)
#
# Run as root, by "make bench" (never by "make check").  Exit status: 0
# done, 1 a run failed or T3 saw checksum errors, 77 not root or a tool is
# missing, 99 the lab could not be set up.

TOP_BUILDDIR=${TOP_BUILDDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
TUNNAT=${TUNNAT:-$TOP_BUILDDIR/src/tunnat}
CONNRATE=${CONNRATE:-$TOP_BUILDDIR/tests/bench/connrate}
UDPFILL=${UDPFILL:-$TOP_BUILDDIR/tests/bench/udpfill}
FILL_SESSIONS=1000000

. "$(dirname "$0")/../lab/lib.sh"

RUNS=${BENCH_RUNS:-3}
SECS=${BENCH_SECONDS:-10}
SHORT=$((SECS * 2 / 5))
[ "$SHORT" -ge 2 ] || SHORT=2
PY=/usr/bin/python3
KCLI="tnkcli$ID"
KRTR="tnkrtr$ID"
KSRV="tnksrv$ID"
TCLI="tntcli$ID"
TSRV="tntsrv$ID"
TEND="tntend$ID"
TIN="tin$ID"
TOUT="tout$ID"
RUN_PIDS=""
RUN_FAILED=0
T0=$(date +%s)
LOAD0=$(cut -d ' ' -f 1-3 /proc/loadavg)

# bench_cleanup: stop the clients of a run in progress, then lib.sh's cleanup
bench_cleanup() {
	status=$?
	set +e
	for pid in $RUN_PIDS; do
		kill "$pid" 2>/dev/null
	done
	(exit "$status")
	lab_cleanup
}

lab_begin iperf3 nft ethtool timeout
trap bench_cleanup EXIT
[ -x "$CONNRATE" ] || broken "$CONNRATE not built (make bench builds it)"
[ -x "$UDPFILL" ] || broken "$UDPFILL not built (make bench builds it)"
case "$RUNS$SECS" in
*[!0-9]*) broken "BENCH_RUNS and BENCH_SECONDS must be integers" ;;
esac
if [ "$RUNS" -lt 1 ] || [ "$SECS" -lt 1 ]; then
	broken "BENCH_RUNS and BENCH_SECONDS must be at least 1"
fi
RESULTS="$WORK/results"
: >"$RESULTS"

for ns in $KCLI $KRTR $KSRV $TCLI $TSRV $TEND; do
	ns_add "$ns"
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
done

# K
ip link add kc0 netns "$KCLI" type veth peer name kr0 netns "$KRTR" ||
	broken "cannot create veths"
ip link add kr1 netns "$KRTR" type veth peer name ks0 netns "$KSRV" ||
	broken "cannot create veths"
pp "$KCLI" ip addr add 10.0.1.1/24 dev kc0
pp "$KCLI" ip link set kc0 up
pp "$KCLI" ip route add default via 10.0.1.254
pp "$KRTR" ip addr add 10.0.1.254/24 dev kr0
pp "$KRTR" ip addr add 10.0.2.254/24 dev kr1
pp "$KRTR" ip link set kr0 up
pp "$KRTR" ip link set kr1 up
pp "$KRTR" sysctl -qw net.ipv4.ip_forward=1
pp "$KRTR" nft -f - <<NFT
table ip nat {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "kr1" masquerade
	}
}
NFT
pp "$KSRV" ip addr add 10.0.2.1/24 dev ks0
pp "$KSRV" ip link set ks0 up

# T
cat >"$WORK/tunnat.yaml" <<YAML
inside:
  device: $TIN
  netns: $TCLI
  address: 10.0.1.1/24
  routes: [0.0.0.0/0]
outside:
  device: $TOUT
  netns: $TSRV
  address: 10.0.2.1/24
  routes: [10.0.2.254/32]
nat:
  addresses: [10.0.2.254]
  max-sessions: $((1100000 * ${TUNNAT_WORKERS:-1}))
  max-sessions-per-host: 0     # udpfill: a million flows from one host
YAML
if [ -n "${TUNNAT_IO_URING:-}" ]; then
	echo "io-uring: $TUNNAT_IO_URING" >>"$WORK/tunnat.yaml"
fi
{ echo "offload: auto"; cat "$WORK/tunnat.yaml"; } >"$WORK/offload.yaml"
if "$TUNNAT" -t -c "$WORK/offload.yaml" >/dev/null 2>&1; then
	mv "$WORK/offload.yaml" "$WORK/tunnat.yaml"
	OFFLOAD_KEY="offload: auto"
else
	OFFLOAD_KEY="no offload key"
fi
tunnat_start "$WORK/tunnat.yaml"
pp "$TCLI" ip link set dev "$TIN" txqueuelen 8192
pp "$TSRV" ip link set dev "$TOUT" txqueuelen 8192
ip link add ts1 netns "$TSRV" type veth peer name te0 netns "$TEND" ||
	broken "cannot create veths"
pp "$TSRV" ip addr add 10.0.3.254/24 dev ts1
pp "$TSRV" ip link set ts1 up
pp "$TSRV" sysctl -qw net.ipv4.ip_forward=1
pp "$TSRV" ethtool -K ts1 tx off >/dev/null
pp "$TEND" ip addr add 10.0.3.1/24 dev te0
pp "$TEND" ip link set te0 up
pp "$TEND" ip route add default via 10.0.3.254
pp "$TEND" ethtool -K te0 tx off >/dev/null
# the idle flows' datagrams end here without an ICMP answer each
pp "$TSRV" nft -f - <<NFT
table inet tnsink {
	chain input {
		type filter hook input priority filter; policy accept;
		udp dport 30000-30999 drop
	}
}
NFT

# listening NS PORT: something listens on TCP PORT in NS
listening() {
	ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q .
}

for ns in $KSRV $TSRV; do
	bg_start "iperf3a$ns" "$ns" iperf3 -s -p 5201
	bg_start "iperf3b$ns" "$ns" iperf3 -s -p 5202
	bg_start "connrate$ns" "$ns" "$CONNRATE" -s 5300
	for port in 5201 5202 5300; do
		wait_for 5 listening "$ns" "$port" ||
			broken "no server on port $port in $ns"
	done
done
bg_start iperf3end "$TEND" iperf3 -s -p 5201
wait_for 5 listening "$TEND" 5201 || broken "no iperf3 server in $TEND"
for dst in 10.0.2.1 10.0.3.1; do
	ip netns exec "$TCLI" ping -c 1 -W 2 "$dst" >/dev/null ||
		broken "no path through tunnat to $dst"
done
ip netns exec "$KCLI" ping -c 1 -W 2 10.0.2.1 >/dev/null ||
	broken "no path through the kernel's NAT"

# The number crunching: parse iperf3 -J and, at the end, the report.
cat >"$WORK/bench.py" <<'PY'
import json, statistics, sys

def failed(test, topo, metric):
    """A run whose output is not a result: NaN, which the report skips."""
    print(test, topo, metric, "nan")

def tcp(test, topo, path, hz, tn_ticks, busy, drops):
    """Result lines of one iperf3 TCP run."""
    try:
        r = json.load(open(path))
        end = r["end"]
        end["sum_received"]["bits_per_second"]
    except (OSError, ValueError, KeyError):
        return failed(test, topo, "gbps")
    total = sum(i["sum"]["bytes"] for i in r["intervals"])  # omitted too
    gb = total / 1e9
    print(test, topo, "gbps", end["sum_received"]["bits_per_second"] / 1e9)
    print(test, topo, "retr", end["sum_sent"].get("retransmits", 0))
    print(test, topo, "sys_cpu", busy / hz / gb)
    if topo == "T":
        print(test, topo, "tn_cpu", tn_ticks / hz / gb)
        print(test, topo, "drop", drops)

def udp(test, topo, hz, tn_ticks, busy, drops, *paths):
    """Result lines of one UDP run with several iperf3 clients at once."""
    pps = 0.0
    sent = lost = 0
    for p in paths:
        try:
            s = json.load(open(p))["end"]["sum_received"]
            pps += (s["packets"] - s["lost_packets"]) / s["seconds"]
        except (OSError, ValueError, KeyError, ZeroDivisionError):
            return failed(test, topo, "kpps")
        sent += s["packets"]
        lost += s["lost_packets"]
    mpkt = (sent - lost) / 1e6
    print(test, topo, "kpps", pps / 1e3)
    print(test, topo, "loss", 100.0 * lost / sent if sent else 100.0)
    if mpkt:
        print(test, topo, "sys_mp", busy / hz / mpkt)
        if topo == "T":
            print(test, topo, "tn_mp", tn_ticks / hz / mpkt)
    if topo == "T":
        print(test, topo, "drop", drops)

TESTS = [
    ("tcp1_cs", "TCP 1 stream  c->s"),
    ("tcp1_full", "  with 1 M sessions"),
    ("mem", "tunnat, 1 M sess."),
    ("tcp1_sc", "TCP 1 stream  s->c"),
    ("tcp4_cs", "TCP 4 streams c->s"),
    ("tcp4_sc", "TCP 4 streams s->c"),
    ("udp64", "UDP 64 B, 2 clients"),
    ("conn", "TCP connections"),
    ("t3_cs", "T3 TCP 1 st. c->s"),
    ("t3_sc", "T3 TCP 1 st. s->c"),
]
T3_METRICS = ("gbps", "retr", "csum")
# metric: label, format, whether tunnat / kernel is meaningful
METRICS = [
    ("gbps", "Gbit/s", "%.2f", True),
    ("kpps", "kpps delivered", "%.1f", True),
    ("loss", "loss %", "%.1f", False),
    ("cps", "conn/s", "%.0f", True),
    ("cfail", "connect failed", "%.0f", False),
    ("retr", "retransmits", "%.0f", False),
    ("sys_cpu", "CPU s/GB all", "%.2f", True),
    ("tn_cpu", "CPU s/GB tunnat", "%.2f", False),
    ("sys_mp", "CPU s/Mpkt all", "%.2f", True),
    ("tn_mp", "CPU s/Mpkt tunnat", "%.2f", False),
    ("drop", "TUN tx_dropped", "%.0f", False),
    ("csum", "TcpInCsumErrors", "%.0f", False),
    ("sessions", "sessions held", "%.0f", False),
    ("bps", "RSS bytes/session", "%.1f", False),
]
# the ratio of these rows is tunnat's own: to the same metric of a test
SELF_RATIO = {"tcp1_full": "tcp1_cs"}

def nulls(values):
    """NaN (a failed run) is not JSON: null instead."""
    return [x if x == x else None for x in values]

def report(results, header, json_path):
    runs = {}
    for line in open(results):
        test, topo, metric, value = line.split()
        runs.setdefault((test, metric), {"K": [], "T": []})
        runs[(test, metric)][topo].append(float(value))
    rows = []
    print(header, end="")
    print("%-36s %12s %12s %8s" % ("row", "kernel", "tunnat", "ratio"))
    for test, tlabel in TESTS:
        first = True
        for metric, mlabel, fmt, ratio_ok in METRICS:
            v = runs.get((test, metric))
            if v is None or (test.startswith("t3") and
                             metric not in T3_METRICS):
                continue
            med = {}
            for topo in "KT":
                ok = [x for x in v[topo] if x == x]  # NaN: failed run
                med[topo] = statistics.median(ok) if ok else None
            ratio = None
            if test in SELF_RATIO:
                base = runs.get((SELF_RATIO[test], metric), {"T": []})
                ok = [x for x in base["T"] if x == x]
                if ratio_ok and ok and med["T"] is not None and \
                        statistics.median(ok):
                    ratio = med["T"] / statistics.median(ok)
            elif ratio_ok and med["K"] and med["T"] is not None:
                ratio = med["T"] / med["K"]
            cell = lambda x, f=fmt: "-" if x is None else f % x
            print("%-20s %-15s %12s %12s %8s" % (
                tlabel if first else "", mlabel, cell(med["K"]),
                cell(med["T"]), cell(ratio, "%.3f")))
            first = False
            rows.append({"test": test, "label": tlabel, "metric": metric,
                         "unit": mlabel, "kernel": med["K"],
                         "tunnat": med["T"], "ratio": ratio,
                         "runs": {"kernel": nulls(v["K"]),
                                  "tunnat": nulls(v["T"])}})
    if json_path:
        hdr = dict(l.split(": ", 1) for l in header.splitlines() if ": " in l)
        with open(json_path, "w") as f:
            json.dump({"header": hdr, "rows": rows}, f, indent=1)
            f.write("\n")

if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "tcp":
        tcp(args[0], args[1], args[2], *(float(a) for a in args[3:]))
    elif cmd == "udp":
        udp(args[0], args[1], *(float(a) for a in args[2:6]), *args[6:])
    elif cmd == "dropped":
        print(json.load(sys.stdin)[0]["stats64"]["tx"]["dropped"])
    else:
        report(args[0], sys.stdin.read(), args[1] if len(args) > 1 else "")
PY

HZ=$(getconf CLK_TCK)

# tunnat_ticks: utime + stime of tunnat, in clock ticks
tunnat_ticks() {
	sed 's/^.*) //' "/proc/$TUNNAT_PID/stat" | awk '{ print $12 + $13 }'
}

# busy_ticks: non-idle CPU time of the whole machine, in clock ticks
busy_ticks() {
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat
}

# tx_dropped NS DEV: the TUN's tx_dropped counter
tx_dropped() {
	ip -n "$1" -s -j link show dev "$2" | $PY "$WORK/bench.py" dropped
}

# counters TOPO: tunnat ticks, machine ticks, dropped on the TUNs
counters() {
	if [ "$1" = T ]; then
		kill -0 "$TUNNAT_PID" 2>/dev/null || broken "tunnat died"
		echo "$(tunnat_ticks) $(busy_ticks)" \
			"$(($(tx_dropped "$TCLI" "$TIN") + \
			    $(tx_dropped "$TSRV" "$TOUT")))"
	else
		echo "0 $(busy_ticks) 0"
	fi
}

# csum_errors NS: TcpInCsumErrors in NS
csum_errors() {
	ip netns exec "$1" cat /proc/net/snmp | awk '$1 == "Tcp:" {
		if (!col) { for (i = 2; i <= NF; i++) if ($i == "InCsumErrors")
			col = i } else print $col }'
}

# run_failed TEST TOPO WHAT LOG: record a failed run
run_failed() {
	echo "  $2 $1: FAILED ($3)" >&2
	[ -f "$4" ] && sed 's/^/    | /' "$4" | tail -n 5 >&2
	RUN_FAILED=$((RUN_FAILED + 1))
}

# cli_of TOPO: the client namespace
cli_of() {
	if [ "$1" = K ]; then echo "$KCLI"; else echo "$TCLI"; fi
}

# run_tcp TEST TOPO DST IPERF3-ARGS...: one TCP run, results appended
run_tcp() {
	test=$1
	topo=$2
	dst=$3
	shift 3
	out="$WORK/$test.$topo.json"
	set -- $(counters "$topo") "$@"
	b_tn=$1 b_busy=$2 b_drop=$3
	shift 3
	if ! timeout $((SECS + 30)) ip netns exec "$(cli_of "$topo")" \
	    iperf3 -c "$dst" -J --connect-timeout 3000 "$@" >"$out" 2>&1; then
		echo "$test $topo gbps nan" >>"$RESULTS"
		run_failed "$test" "$topo" "iperf3 $*" "$out"
		return 0
	fi
	set -- $(counters "$topo")
	$PY "$WORK/bench.py" tcp "$test" "$topo" "$out" "$HZ" \
		$(($1 - b_tn)) $(($2 - b_busy)) $(($3 - b_drop)) >>"$RESULTS"
	if tail -n 1 "$RESULTS" | grep -q " nan\$"; then
		run_failed "$test" "$topo" "iperf3 $*: no result" "$out"
		return 0
	fi
	grep "^$test $topo gbps" "$RESULTS" | tail -n 1 |
		awk '{ printf "  %s %s: %.2f Gbit/s\n", $2, $1, $4 }' >&2
}

# run_udp TOPO: two iperf3 UDP clients at once, 64-byte payload, -b 0;
# once more if a client failed (an iperf3 server can still be busy with
# the previous run's clean-up)
run_udp() {
	run_udp_once "$1" || { sleep 1; run_udp_once "$1" final; }
}

# run_udp_once TOPO [final]: one try; fails (status 1) without recording
# anything unless "final"
run_udp_once() {
	topo=$1
	final=${2:-}
	cli=$(cli_of "$topo")
	set -- $(counters "$topo")
	b_tn=$1 b_busy=$2 b_drop=$3
	RUN_PIDS=""
	for port in 5201 5202; do
		timeout $((SHORT + 30)) ip netns exec "$cli" iperf3 -c 10.0.2.1 \
			-p "$port" -J --connect-timeout 3000 -u -l 64 -b 0 \
			-t "$SHORT" >"$WORK/udp$port.$topo.json" 2>&1 &
		RUN_PIDS="$RUN_PIDS $!"
	done
	ok=1
	for pid in $RUN_PIDS; do
		wait "$pid" || ok=0
	done
	RUN_PIDS=""
	set -- $(counters "$topo")
	$PY "$WORK/bench.py" udp udp64 "$topo" "$HZ" $(($1 - b_tn)) \
		$(($2 - b_busy)) $(($3 - b_drop)) \
		"$WORK/udp5201.$topo.json" "$WORK/udp5202.$topo.json" \
		>"$WORK/udp.result"
	grep -q nan "$WORK/udp.result" && ok=0
	if [ "$ok" -eq 0 ]; then
		[ -n "$final" ] || return 1
		echo "udp64 $topo kpps nan" >>"$RESULTS"
		run_failed udp64 "$topo" "iperf3 -u" "$WORK/udp5201.$topo.json"
		return 0
	fi
	cat "$WORK/udp.result" >>"$RESULTS"
	grep "^udp64 $topo kpps" "$RESULTS" | tail -n 1 |
		awk '{ printf "  %s %s: %.1f kpps\n", $2, $1, $4 }' >&2
}

# run_conn TOPO: new TCP connections per second
run_conn() {
	topo=$1
	out="$WORK/conn.$topo.out"
	if ! timeout $((SHORT + 30)) ip netns exec "$(cli_of "$topo")" \
	    "$CONNRATE" -d "$SHORT" 10.0.2.1 5300 >"$out" 2>"$out.err"; then
		echo "conn $topo cps nan" >>"$RESULTS"
		cat "$out.err" >>"$out"
		run_failed conn "$topo" connrate "$out"
		return 0
	fi
	echo "  $topo conn: $(head -n 1 "$out")" >&2
	awk -v topo="$topo" 'NR == 1 { print "conn", topo, "cps", $1
		print "conn", topo, "cfail", $(NF - 1) }' "$out" >>"$RESULTS"
}

echo "bench: $RUNS runs per side, ${SECS} s TCP runs, ${SHORT} s UDP," \
	"connrate and T3 runs" >&2
run=1
while [ "$run" -le "$RUNS" ]; do
	for topo in K T; do
		run_tcp tcp1_cs "$topo" 10.0.2.1 -t "$SECS" -O 2
	done
	run=$((run + 1))
done
for args in "tcp1_sc -R" "tcp4_cs -P 4" "tcp4_sc -P 4 -R"; do
	set -- $args
	test=$1
	shift
	run=1
	while [ "$run" -le "$RUNS" ]; do
		for topo in K T; do
			run_tcp "$test" "$topo" 10.0.2.1 -t "$SECS" -O 2 "$@"
		done
		run=$((run + 1))
	done
done
run=1
while [ "$run" -le "$RUNS" ]; do
	for topo in K T; do
		run_udp "$topo"
	done
	run=$((run + 1))
done
run=1
while [ "$run" -le "$RUNS" ]; do
	for topo in K T; do
		run_conn "$topo"
	done
	run=$((run + 1))
done

# A million idle sessions, then TCP 1 stream c->s again through tunnat
rss_kb() {
	awk '/^VmRSS/ { print $2 }' "/proc/$TUNNAT_PID/status"
}
# (the sessions held before, from the rows above, may expire meanwhile:
# the fill's own are those held now over those of them still held)
rss0=$(rss_kb)
held0=$(stat_value sessions)
gone0=$(stat_value sessions-expired)
pass=1
while [ "$pass" -le 3 ]; do
	timeout 120 ip netns exec "$TCLI" "$UDPFILL" -r 150000 10.0.1.1 20000 \
		1000 10.0.2.1 30000 1000 >/dev/null ||
		broken "udpfill failed"
	held=$(stat_value sessions)
	filled=$((held - held0 + $(stat_value sessions-expired) - gone0))
	[ "$filled" -lt "$FILL_SESSIONS" ] || break
	pass=$((pass + 1))
done
echo "  T: $held sessions held ($filled of the fill)," \
	"$(($(rss_kb) - rss0)) KiB more resident" >&2
echo "mem T sessions $held" >>"$RESULTS"
echo "mem T bps $(( ($(rss_kb) - rss0) * 1024 / filled ))" >>"$RESULTS"
[ "$filled" -ge "$FILL_SESSIONS" ] ||
	run_failed mem T "only $filled sessions of the fill held" /dev/null
run=1
while [ "$run" -le "$RUNS" ]; do
	run_tcp tcp1_full T 10.0.2.1 -t "$SECS" -O 2
	run=$((run + 1))
done

# T3: one run each way; checksum errors anywhere on the path fail the bench
CSUM_BAD=0
for args in "t3_cs" "t3_sc -R"; do
	set -- $args
	test=$1
	shift
	b_end=$(csum_errors "$TEND")
	b_cli=$(csum_errors "$TCLI")
	run_tcp "$test" T 10.0.3.1 -t "$SHORT" "$@"
	errs=$(($(csum_errors "$TEND") - b_end + $(csum_errors "$TCLI") - b_cli))
	echo "$test T csum $errs" >>"$RESULTS"
	if [ "$errs" -ne 0 ]; then
		echo "  T $test: $errs TcpInCsumErrors" >&2
		CSUM_BAD=1
	fi
done

offloads=$(grep -i offload "$WORK/tunnat.log" | sed 's/^.*offloads: //' |
	paste -sd ';' -)
{
	echo "machine: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo |
		head -n 1), $(nproc) cores, kernel $(uname -r)," \
		"iperf3 $(iperf3 --version | awk 'NR == 1 { print $2 }')," \
		"tunnat offloads: ${offloads:-none logged}"
	echo "mitigations: meltdown $(cat \
		/sys/devices/system/cpu/vulnerabilities/meltdown 2>/dev/null ||
		echo unknown); load average at start $LOAD0, at end" \
		"$(cut -d ' ' -f 1-3 /proc/loadavg)"
	echo "tunnat: $($TUNNAT -V 2>&1 | head -n 1), $OFFLOAD_KEY," \
		"workers ${TUNNAT_WORKERS:-1}," \
		"io-uring ${TUNNAT_IO_URING:-default}," \
		"TUN txqueuelen 8192"
	echo "runs: $RUNS per side, medians; TCP ${SECS} s (+2 s omitted)," \
		"UDP/connrate/T3 ${SHORT} s; runtime $(($(date +%s) - T0)) s"
} >"$WORK/header"
$PY "$WORK/bench.py" report "$RESULTS" ${BENCH_JSON:+"$BENCH_JSON"} \
	<"$WORK/header"

if [ "$CSUM_BAD" -ne 0 ]; then
	echo "FAIL: TCP checksum errors behind tunnat (T3)"
	exit 1
fi
if [ "$RUN_FAILED" -ne 0 ]; then
	echo "FAIL: $RUN_FAILED run(s) failed"
	exit 1
fi
exit 0
