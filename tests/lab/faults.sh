#!/bin/sh
# SPDX-License-Identifier: MIT
# faults.sh - faults around a running tunnat: it logs, counts, forwards on
#
#  namespace LAN                                       namespace WAN
#  host 192.168.1.10                                   server 198.51.100.1
#  tin0 (default route) ---fd--> tunnat 203.0.113.1 --fd--> tout0 (route to
#                                                            203.0.113.1/32)
#
# tunnat runs with tests/lab/faultshim.so preloaded (see its header): a
# packet that carries "tunnat-fault:ERRNO" fails its write(2) to a TUN
# device with that errno, and the wall clock is stepped on request.
# The shim sees only write(2), so tunnat reads and writes with system
# calls here (io-uring: off); faults-uring.sh runs this script again with
# io-uring: auto, without part 1, and checks in part 2 that the io_uring
# path counts and names the failed writes as the write(2) path does.  A
# UDP server in the WAN answers each datagram with its bytes, "ASK:"
# turned into "tunnat-fault:", so that a reply, and only the reply, fails
# on its way into the LAN.  With a UDP flow running throughout:
#  1. writes that fail with EAGAIN, ENOBUFS or EIO, in both directions:
#     each failed packet is lost and counted (write_errors/DEVICE), the
#     log says so at a limited rate, and every other packet goes through;
#  2. the outside device set down (ip link set down): the kernel refuses
#     every write to it with EIO; tunnat counts and goes on, and forwards
#     again once the device is up (and the WAN's route is back);
#  3. control clients that vanish mid-reply (read a part, then reset the
#     connection): tunnat goes on serving the others and forwarding;
#  4. the configuration file deleted, unreadable, or empty before a
#     reload (tunnatctl reload and SIGHUP): refused with a message that
#     names the file and the error, tunnatctl exits 1, the running
#     configuration and every session stay;
#  5. the wall clock stepped a year forward, then two back: the mapping
#     log's times follow it, but sessions neither expire early nor live
#     on: tunnat times them on the monotonic clock.
# A device deleted while tunnat runs (exit status 74) is signals.sh's.

. "$(dirname "$0")/lib.sh"

SHIM=${TOP_BUILDDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lab/faultshim.so

lab_begin
[ -f "$SHIM" ] || broken "$SHIM not built (make check builds it)"
ns_add "$NS_LAN"
ns_add "$NS_WAN"

# conf UDP_TIMEOUT: the configuration file
conf() {
	cat <<YAML
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
  allow-short-timeouts: true
  timeouts:
    udp: $1
log:
  mappings: true
$(control_yaml)
io-uring: ${TUNNAT_IO_URING:-off}
YAML
}
conf 60 >"$WORK/tunnat.yaml"
cp "$WORK/tunnat.yaml" "$WORK/tunnat.yaml.orig"
echo 0 >"$WORK/clock"
chmod 644 "$WORK/clock"
# verify_asan_link_order: with --enable-sanitizers, libasan must otherwise
# come first of the preloaded libraries
tunnat_start "$WORK/tunnat.yaml" env LD_PRELOAD="$SHIM" \
	TUNNAT_SHIM_CLOCK="$WORK/clock" \
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
for ns in "$NS_LAN" "$NS_WAN"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
done

# the WAN's server: echo, with "ASK:" made "tunnat-fault:"
bg_start askecho "$NS_WAN" /usr/bin/python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 7000))
print("listening", flush=True)
while True:
    b, peer = s.recvfrom(65536)
    s.sendto(b.replace(b"ASK:", b"tunnat-fault:"), peer)'
wait_for 5 grep -q listening "$WORK/askecho.log" || broken "no UDP server"
# a flow that runs throughout (flows.py's echo, for the probe)
bg_start echo "$NS_WAN" $FLOWS udp-echo 7001 200
sleep 0.3

# send PORT PAYLOAD...: from 192.168.1.10:PORT, one datagram per payload
# to 198.51.100.1:7000, 1 ms apart; then take the answers until none has
# come for 1 s; print "sent N answered M"
send() {
	timeout -k 2 60 ip netns exec "$NS_LAN" /usr/bin/python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.168.1.10", int(sys.argv[1])))
for p in sys.argv[2:]:
    s.sendto(p.encode(), ("198.51.100.1", 7000))
    time.sleep(0.001)
s.settimeout(1.0)
got = 0
try:
    while True:
        s.recv(65536)
        got += 1
except socket.timeout:
    pass
print("sent", len(sys.argv) - 2, "answered", got)' "$@"
}

# answered N PORT PAYLOAD...: send answers N of them
answered() {
	want=$1
	shift
	send "$@" >"$WORK/send.out"
	cat "$WORK/send.out"
	grep -qx "sent $(($# - 1)) answered $want" "$WORK/send.out"
}

# stat NAME: a counter from tunnatctl stats
stat() {
	ctl stats | sed -n "s|^$1  *||p"
}

# stat_ge NAME N: counter NAME is at least N
stat_ge() {
	v=$(stat "$1")
	echo "$1 is $v"
	[ "$v" -ge "$2" ]
}

# stat_is_0: no session is left
stat_is_0() {
	[ "$(stat sessions/active)" = 0 ]
}

# no_session INSIDE: the opposite of has_session, but only if listing works
no_session() {
	ctl sessions -p udp >"$WORK/udp.out" && ! grep -q "$1" "$WORK/udp.out"
}

# has_session INSIDE: a UDP session of INSIDE (address:port) is listed
has_session() {
	ctl sessions -p udp --inside "$1" | grep -q "$1"
}

# probe_start NAME: the flow that runs throughout, 200 datagrams a second
probe_start() {
	timeout 120 ip netns exec "$NS_LAN" $FLOWS udp-probe 192.168.1.10 \
		198.51.100.1 7001 200 100 "$WORK/$1.stop" >"$WORK/$1.txt" &
	PROBE_PID=$!
	LAB_PIDS="$LAB_PIDS $PROBE_PID"
	sleep 0.5	# under way before what it watches
}

# probe_stop NAME: stop it; it must have lost nothing
probe_stop() {
	touch "$WORK/$1.stop"
	wait "$PROBE_PID" || true
	read -r _ sent _ got _ gap _ rtt <"$WORK/$1.txt"
	echo "probe, $1: sent $sent, received $got, longest gap $gap ms"
	[ "$sent" -gt 0 ] && [ "$got" -eq "$sent" ]
}

# --- 1. writes that fail --------------------------------------------------
if [ "${TUNNAT_IO_URING:-off}" = off ]; then
probe_start writes
check "an unmarked datagram is answered" answered 1 5000 hello
# 10 each: out (the request fails), in (the answer fails), and between
# them unmarked ones, each answered
payloads=""
# them unmarked ones, each answered; the errors in turn, so that the
# first messages, which the rate limit lets through, show each
for i in 1 2 3 4 5 6 7 8 9 10; do
	for err in EAGAIN ENOBUFS EIO; do
		payloads="$payloads tunnat-fault:$err ASK:$err ok"
	done
done
check "only the 30 unmarked datagrams of 90 are answered" \
	answered 30 5001 $payloads
check "the 30 failed writes to tout$ID are counted" \
	test "$(stat write_errors/outside)" -eq 30
check "the 30 failed writes to tin$ID are counted" \
	test "$(stat write_errors/inside)" -eq 30
for msg in "Resource temporarily unavailable" "No buffer space available" \
    "Input/output error"; do
	check "the log names the error: $msg" grep -q \
		"warning: .*: write of [0-9]* bytes to t[a-z]*$ID failed: $msg" \
		"$WORK/tunnat.log"
done
n=$(grep -c "write of .* failed" "$WORK/tunnat.log" || true)
check "at a limited rate: $n lines for 60 failures" test "$n" -le 6
check "tunnat is still running" kill -0 "$TUNNAT_PID"
check "the flow lost nothing meanwhile" probe_stop writes
check "after them, datagrams are answered" answered 1 5001 again
else
	echo "part 1 is for write(2), which the shim fails: not with io_uring"
fi

# --- 2. the outside device down --------------------------------------------
before=$(stat write_errors/outside)
sessions=$(stat sessions/active)
ip -n "$NS_WAN" link set "tout$ID" down
check "tout$ID down: no answer" answered 0 5002 a b c d e
check "each write the kernel refused is counted" \
	test "$(stat write_errors/outside)" -ge $((before + 5))
if [ "${TUNNAT_IO_URING:-off}" != off ]; then
	# the first failures of this run: the rate limit lets them through
	check "the log names the write's size and the kernel's error" grep -q \
		"warning: .*: write of [1-9][0-9]* bytes to tout$ID failed: Input/output error" \
		"$WORK/tunnat.log"
fi
check "tunnat is still running" kill -0 "$TUNNAT_PID"
ip -n "$NS_WAN" link set "tout$ID" up
# the kernel took the route away with the device: put it back
ip -n "$NS_WAN" route replace 203.0.113.1/32 dev "tout$ID"
check "tout$ID up again: datagrams are answered" answered 1 5002 f
check "and the flow that ran throughout gets its echoes again" sh -c \
	"timeout 20 ip netns exec '$NS_LAN' $FLOWS udp-probe 192.168.1.10 \
	198.51.100.1 7001 100 1 | grep -q ' received 100 '"
check "no session was lost ($sessions before, plus the new one)" \
	test "$(stat sessions/active)" -ge "$sessions"

# --- 3. control clients that vanish mid-reply ------------------------------
timeout 60 ip netns exec "$NS_LAN" $FLOWS udp-fill 192.168.1.10 \
	198.51.100.1 20000 20 30000 100 || broken "udp-fill failed"
wait_for 5 stat_ge sessions/active 2000 || broken "no 2000 sessions"
sessions=$(stat sessions/active)
probe_start ctl
vanish() {
	timeout 20 /usr/bin/python3 -c 'import socket, struct, sys
for i in range(20):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.sendall(b"command=sessions\n\n")
    got = 0
    while got < 4096:
        b = s.recv(4096 - got)
        if not b:
            sys.exit("the reply ended after %d bytes" % got)
        got += len(b)
    # linger 0: the close resets the connection, mid-reply
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                 struct.pack("ii", 1, 0))
    s.close()' "$WORK/ctl.sock"
}
check "20 clients read 4 KiB of a listing of $sessions sessions and vanish" \
	vanish
check "tunnat is still running" kill -0 "$TUNNAT_PID"
ctl sessions >"$WORK/list.out" || true
check "and answers the next client in full" \
	test "$(wc -l <"$WORK/list.out")" -gt "$sessions"
check "the flow lost nothing meanwhile" probe_stop ctl
check "no session was lost" test "$(stat sessions/active)" -ge "$sessions"

# --- 4. the configuration file gone before a reload -------------------------
# reload_refused WHY: tunnatctl reload exits 1; its message names the
# file, says it was refused, and WHY; the sessions stay
reload_refused() {
	rc=0
	ctl reload >"$WORK/reload.out" 2>&1 || rc=$?
	sed 's/^/    | /' "$WORK/reload.out"
	[ "$rc" -eq 1 ] &&
		grep -q "$WORK/tunnat.yaml: refused; the running configuration stays" \
			"$WORK/reload.out" &&
		grep -q "$1" "$WORK/reload.out"
}
sessions=$(stat sessions/active)
probe_start reload
rm "$WORK/tunnat.yaml"
check "deleted: tunnatctl reload exits 1, saying why" reload_refused \
	"$WORK/tunnat.yaml: cannot read: No such file or directory"
kill -HUP "$TUNNAT_PID"
check "deleted: SIGHUP logs the same, as an error" wait_for 5 grep -q \
	"error: SIGHUP: $WORK/tunnat.yaml: cannot read: No such file or directory" \
	"$WORK/tunnat.log"
cp "$WORK/tunnat.yaml.orig" "$WORK/tunnat.yaml"
chmod 600 "$WORK/tunnat.yaml"
check "unreadable by nobody: refused, saying why" reload_refused \
	"tunnat reads it again as user nobody, who may not read it"
: >"$WORK/tunnat.yaml"
chmod 644 "$WORK/tunnat.yaml"
check "empty: refused" reload_refused "$WORK/tunnat.yaml"
check "tunnat is still running" kill -0 "$TUNNAT_PID"
ctl config >"$WORK/config.out" || true
check "the running configuration stayed" \
	grep -q "^    udp: 60\$" "$WORK/config.out"
check "the flow lost nothing meanwhile" probe_stop reload
check "no session was lost" test "$(stat sessions/active)" -ge "$sessions"
cp "$WORK/tunnat.yaml.orig" "$WORK/tunnat.yaml"
ctl reload >"$WORK/reload.out" || true
check "the file back: reload exits 0, nothing changed" \
	grep -q "reloaded; nothing changed" "$WORK/reload.out"

# --- 5. the wall clock stepped ----------------------------------------------
# a UDP timeout of 6 s, for a short test; the sessions so far, idle for
# longer, end at once, so that only the next one is seen
UDP_TIMEOUT=6
conf $UDP_TIMEOUT >"$WORK/tunnat.yaml"
ctl reload >"$WORK/reload.out" || true
check "a UDP timeout of $UDP_TIMEOUT s applies" \
	grep -q "nat.timeouts.udp: 60 -> $UDP_TIMEOUT" "$WORK/reload.out"
check "every session ends on its timeout" wait_for 15 stat_is_0

year=$(date -u +%Y)
year_back=$(date -u -d "@$(($(date +%s) - 366 * 86400))" +%Y)
t0=$(date +%s%3N)
send 6000 one >/dev/null
# step SECONDS: the wall clock as tunnat sees it moves by SECONDS
step() {
	echo "$1" >"$WORK/clock"
}
step $((366 * 86400))
sleep 2
check "a year forward: the session is still there 2 s later" \
	has_session 192.168.1.10:6000
step $((-366 * 86400))
sleep 1
check "a year back: it is still there" has_session 192.168.1.10:6000
check "and ends on time, $UDP_TIMEOUT s after its packet (+1.5 s)" \
	wait_for 10 no_session 192.168.1.10:6000
t1=$(date +%s%3N)
echo "the session lived at most $((t1 - t0)) ms (timeout $UDP_TIMEOUT s)"
check "not before its timeout" test $((t1 - t0)) -ge $((UDP_TIMEOUT * 1000))
check "the mapping log's times follow the wall clock: made at $year" \
	grep -q "mapping: ${year}-.* mapping-up udp inside=192.168.1.10:6000 " \
	"$WORK/tunnat.log"
check "and ended a year before it" wait_for 5 grep -q \
	"mapping: $year_back-.* mapping-down udp inside=192.168.1.10:6000 " \
	"$WORK/tunnat.log"
step 0
# the log's times: it ended its timeout after it was made, a year back
check "the log: it ended $UDP_TIMEOUT s after it was made, less 366 days" \
	/usr/bin/python3 - "$WORK/tunnat.log" "$UDP_TIMEOUT" <<'EOF'
import datetime, re, sys
t = {}
for line in open(sys.argv[1]):
    m = re.search(r"mapping: (\S+)Z (mapping-up|mapping-down) udp "
                  r"inside=192\.168\.1\.10:6000 ", line)
    if m:
        t[m.group(2)] = datetime.datetime.fromisoformat(m.group(1))
d = (t["mapping-down"] - t["mapping-up"]).total_seconds() + 366 * 86400
print("the mapping log: up to down %.3f s, plus 366 days" % d)
sys.exit(0 if abs(d - int(sys.argv[2])) < 0.5 else 1)
EOF

# (part 1's 60 failures are what the rate limit held back)
if [ "${TUNNAT_IO_URING:-off}" = off ]; then
	check "suppressed write errors are reported once the 10 s are over" \
		wait_for 15 grep -q "suppressed [0-9]* more messages like this in [0-9]* s: .*write of" \
		"$WORK/tunnat.log"
fi
check "SIGTERM stops tunnat with status 0" tunnat_stop
lab_end
