# SPDX-License-Identifier: MIT
# lib.sh - shared plumbing for the network-namespace end-to-end tests
#
# Each test sources this file, draws its topology in a comment, and calls
# lab_begin.  Namespace names carry the test's PID, so runs never collide,
# and cleanup removes only what this run created and stops only the PIDs it
# recorded.  Exit statuses follow automake: 0 pass, 1 fail, 77 skip (not
# root, or a tool is missing), 99 error (the lab itself could not be built).
# With TUNNAT_NO_SKIP set (to anything but "" or 0), as CI does, a test
# that would skip is an error instead: automake counts a skip as success.

set -eu

TUNNAT=${TUNNAT:-$(cd "$(dirname "$0")/../.." && pwd)/src/tunnat}
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
TUNNATCTL=${TUNNATCTL:-$(cd "$(dirname "$0")/../.." && pwd)/src/tunnatctl}
PEER="/usr/bin/python3 $TOP_SRCDIR/tests/lab/peer.py"
FLOWS="/usr/bin/python3 $TOP_SRCDIR/tests/lab/flows.py"
ID=$$
NS_LAN="tnlan$ID"
NS_WAN="tnwan$ID"
NS_RTR="tnrtr$ID"
LAB_NS=""
LAB_PIDS=""
TUNNAT_PID=""
FAILED=0
WORK=""

skip() {
	if [ "${TUNNAT_NO_SKIP:-0}" != 0 ]; then
		echo "ERROR: would skip ($*), but TUNNAT_NO_SKIP is set"
		exit 99
	fi
	echo "SKIP: $*"
	exit 77
}

broken() {
	echo "ERROR: $*" >&2
	exit 99
}

pass() {
	echo "PASS: $*"
}

fail() {
	echo "FAIL: $*"
	FAILED=$((FAILED + 1))
}

# check DESCRIPTION COMMAND...: one PASS or FAIL line for one assertion
check() {
	desc=$1
	shift
	if "$@" >"$WORK/check.out" 2>&1; then
		pass "$desc"
	else
		fail "$desc"
		sed 's/^/    | /' "$WORK/check.out"
	fi
}

# check_not DESCRIPTION COMMAND...: passes when the command fails
check_not() {
	desc=$1
	shift
	if "$@" >"$WORK/check.out" 2>&1; then
		fail "$desc"
		sed 's/^/    | /' "$WORK/check.out"
	else
		pass "$desc"
	fi
}

# pp NS COMMAND...: show, then run, a command in namespace NS
pp() {
	ns=$1
	shift
	echo "  [$ns] $*" >&2
	ip netns exec "$ns" "$@"
}

n_lan() { pp "$NS_LAN" "$@"; }
n_wan() { pp "$NS_WAN" "$@"; }
n_rtr() { pp "$NS_RTR" "$@"; }

# wait_for SECONDS COMMAND...: poll until the command succeeds
wait_for() {
	limit=$(($1 * 10))
	shift
	i=0
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ "$i" -lt "$limit" ] || return 1
		sleep 0.1
	done
}

# pid_gone PID: the process has ended (an unreaped zombie has ended too)
pid_gone() {
	state=$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 0
	[ -z "$state" ] || [ "$state" = Z ]
}

# pid_wait SECONDS PID: wait for our child PID to end and return its exit
# status; if it still runs after SECONDS, SIGKILL it and return 124 (as
# timeout(1) does), so that no wait in a test is unbounded
pid_wait() {
	if ! wait_for "$1" pid_gone "$2"; then
		echo "process $2 still running after $1 s: killing it" >&2
		kill -KILL "$2" 2>/dev/null || true
		wait "$2" 2>/dev/null || true
		return 124
	fi
	rc=0
	wait "$2" 2>/dev/null || rc=$?
	return "$rc"
}

ns_add() {
	ip netns add "$1" || broken "cannot create namespace $1"
	LAB_NS="$LAB_NS $1"
	ip -n "$1" link set lo up
}

# bg_start NAME NS COMMAND...: run a command in NS in the background,
# output in $WORK/NAME.log; its PID is recorded for cleanup
bg_start() {
	name=$1
	ns=$2
	shift 2
	ip netns exec "$ns" "$@" >"$WORK/$name.log" 2>&1 &
	LAB_PIDS="$LAB_PIDS $!"
	eval "PID_$name=$!"
}

# bg_stop NAME: SIGTERM what bg_start NAME started, and reap it (SIGKILL
# after 5 s)
bg_stop() {
	eval "pid=\$PID_$1"
	kill "$pid" 2>/dev/null || true
	pid_wait 5 "$pid" || true
}

# capture_start NAME NS DEV: capture DEV's IPv4 packets in NS to
# $WORK/NAME.pcap, in the background.
# --immediate-mode: otherwise tcpdump takes packets from the kernel a
# block at a time (up to a second late), and the block still open when
# capture_stop ends it is lost.  In that mode each slot of the kernel's
# ring is as large as the snapshot length: at the default 256 KiB, the
# default 2 MiB ring held 8 packets, and a burst of ten PPTP clients'
# control messages lost some.  Hence -s 4096 (every header and control
# message; a GSO superpacket's payload is cut) and a 32 MiB ring.
capture_start() {
	bg_start "$1cap" "$2" tcpdump -n -U --immediate-mode -s 4096 \
		-B 32768 -i "$3" -w "$WORK/$1.pcap" ip
	wait_for 5 test -s "$WORK/$1.pcap" ||
		broken "tcpdump did not start ($1 capture)"
}

# capture_stop NAME: stop capture NAME; a check that the kernel dropped
# none of its packets (the checks on what it holds mean nothing else)
capture_stop() {
	bg_stop "$1cap"
	dropped=$(sed -n 's/^\([0-9]*\) packets* dropped by kernel$/\1/p' \
		"$WORK/$1cap.log")
	what="the $1 capture lost nothing (${dropped:-?} dropped by the kernel)"
	check "$what" test "${dropped:-1}" -eq 0
}

lab_cleanup() {
	status=$?
	set +e
	for pid in $TUNNAT_PID $LAB_PIDS; do
		kill "$pid" 2>/dev/null
	done
	for pid in $TUNNAT_PID $LAB_PIDS; do
		pid_wait 5 "$pid"
	done
	for ns in $LAB_NS; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ "$status" -ne 0 ] && [ -f "$WORK/tunnat.old.log" ]; then
		echo "--- tunnat logs of earlier runs ---"
		cat "$WORK/tunnat.old.log"
	fi
	if [ "$status" -ne 0 ] && [ -f "$WORK/tunnat.log" ]; then
		echo "--- tunnat log ---"
		cat "$WORK/tunnat.log"
	fi
	[ -n "$WORK" ] && rm -rf "$WORK"
	exit "$status"
}

lab_begin() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, TUN)"
	for tool in ip ping sysctl timeout /usr/bin/python3 "$@"; do
		command -v "$tool" >/dev/null 2>&1 || skip "$tool not installed"
	done
	[ -x "$TUNNAT" ] || broken "$TUNNAT not built"
	[ -c /dev/net/tun ] || skip "no /dev/net/tun"
	WORK=$(mktemp -d /tmp/tunnat-lab.XXXXXX)
	# tunnat reads its configuration again (reload) as the user it runs
	# as, nobody: it must reach the file
	chmod 755 "$WORK"
	trap lab_cleanup EXIT
	trap 'exit 1' HUP INT PIPE TERM
}

# tunnat_start CONFIG [WRAPPER...]: run tunnat on CONFIG in the background
# (optionally under a wrapper command) and wait until it forwards.  Every
# start is under TUNNAT_WRAPPER too, if set (make check-valgrind sets
# valgrind), and waits TUNNAT_START_WAIT seconds at most (10 unless set:
# a slow wrapper needs longer to start; nothing else waits longer).
tunnat_start() {
	conf=$1
	shift
	# The background shell truncates the log only when it gets to run:
	# empty it here, or the wait below may read the last run's "forwarding
	# between" (that log is kept in tunnat.old.log).
	if [ -s "$WORK/tunnat.log" ]; then
		echo "--- an earlier run ---" >>"$WORK/tunnat.old.log"
		cat "$WORK/tunnat.log" >>"$WORK/tunnat.old.log"
	fi
	: >"$WORK/tunnat.log"
	if ! grep -q '^workers:\|^io-uring:' "$conf"; then
		env_yaml >>"$conf"
	fi
	# unquoted: the wrapper is a command and its arguments
	"$@" ${TUNNAT_WRAPPER:-} "$TUNNAT" -c "$conf" -l debug >"$WORK/tunnat.log" 2>&1 &
	TUNNAT_PID=$!
	if ! wait_for "${TUNNAT_START_WAIT:-10}" \
	    grep -q "forwarding between" "$WORK/tunnat.log"; then
		cat "$WORK/tunnat.log" >&2
		broken "tunnat did not start"
	fi
	if [ -n "${TUNNAT_WORKERS:-}" ] && [ "$TUNNAT_WORKERS" -gt 1 ] &&
	    ! grep -q "with $TUNNAT_WORKERS workers" "$WORK/tunnat.log"; then
		cat "$WORK/tunnat.log" >&2
		broken "tunnat does not forward with $TUNNAT_WORKERS workers"
	fi
	if [ "${TUNNAT_IO_URING:-}" = auto ] &&
	    ! grep -q "forwarding between.* io_uring" "$WORK/tunnat.log"; then
		cat "$WORK/tunnat.log" >&2
		broken "tunnat does not forward with io_uring"
	fi
}

# stats_fail MESSAGE: a counter could not be read.  Say so, with the newest
# stats line, and make the test fail at lab_end even when the caller (a
# command substitution, say) drops the exit status.
stats_fail() {
	echo "FAIL: $*" >&2
	echo "    last stats line: $(grep "stats:" "$WORK/tunnat.log" |
		tail -n 1 || true)" >&2
	echo "$*" >>"$WORK/stats.failed"
	return 1
}

# tunnat_stats: make tunnat log its counters; print the stats line that
# signal produced.  Fails (stats_fail) if no new line comes within 5 s.
tunnat_stats() {
	before=$(grep -c "stats:" "$WORK/tunnat.log" || true)
	if ! kill -USR1 "$TUNNAT_PID" 2>/dev/null; then
		stats_fail "cannot signal tunnat (pid ${TUNNAT_PID:-none})"
		return 1
	fi
	if ! wait_for 5 sh -c \
	    "[ \$(grep -c 'stats:' '$WORK/tunnat.log') -gt $before ]"; then
		stats_fail "tunnat logged no stats line within 5 s of SIGUSR1"
		return 1
	fi
	grep "stats:" "$WORK/tunnat.log" | tail -n 1
}

# stats_field LINE NAME: the value of NAME=VALUE in a stats line, or nothing
stats_field() {
	printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

# stat_value NAME: counter NAME from a fresh stats line.  Every counter but
# the drop-REASON ones is always on the line, so a missing NAME is a
# failure, never a 0 (for drop counters use drop_value).
stat_value() {
	line=$(tunnat_stats) || return 1
	v=$(stats_field "$line" "$1")
	case $v in
	'' | *[!0-9]*)
		stats_fail "counter $1 is not on the stats line${v:+ (value $v)}"
		return 1
		;;
	esac
	echo "$v"
}

# drop_reasons: the names of the engine's drop reasons (src/net/ipv4.c),
# but "none", which is never counted
drop_reasons() {
	sed -n 's/^[[:space:]]*\[DROP_[A-Z0-9_]*\][[:space:]]*=[[:space:]]*"\([a-z0-9-]*\)",$/\1/p' \
		"$TOP_SRCDIR/src/net/ipv4.c" | grep -vx none
}

# drop_value REASON: counter drop-REASON from a fresh stats line.  tunnat
# logs only the reasons that are not 0, so an absent drop-REASON is 0 --
# but only if the stats line itself was read, and REASON is one the engine
# knows (a misspelt reason would otherwise read 0 for ever).
drop_value() {
	if ! drop_reasons | grep -qx -- "$1"; then
		stats_fail "drop reason \"$1\" is not one of the engine's: $(
			drop_reasons | tr '\n' ' ')"
		return 1
	fi
	line=$(tunnat_stats) || return 1
	v=$(stats_field "$line" "drop-$1")
	case $v in
	'') echo 0 ;;
	*[!0-9]*)
		stats_fail "counter drop-$1 has the value $v"
		return 1
		;;
	*) echo "$v" ;;
	esac
}

# stat_is NAME VALUE, drop_is REASON VALUE: poll (5 s) until counter NAME
# (drop-REASON) equals VALUE; fail at once if it cannot be read
stat_is() {
	counter_is stat_value "$@"
}

drop_is() {
	counter_is drop_value "$@"
}

counter_is() {
	i=0
	while :; do
		v=$("$1" "$2") || return 1
		[ "$v" != "$3" ] || return 0
		i=$((i + 1))
		if [ "$i" -ge 50 ]; then
			echo "$2 is $v after 5 s, want $3" >&2
			return 1
		fi
		sleep 0.1
	done
}

# tunnat_stop [SIGNAL]: send SIGNAL (default TERM) and wait, at most 10 s,
# for tunnat to exit; succeeds if it was still running and its exit status
# is 0 (a tunnat that had already ended, even with 0, fails)
tunnat_stop() {
	if pid_gone "$TUNNAT_PID"; then
		rc=0
		pid_wait 1 "$TUNNAT_PID" || rc=$?
		TUNNAT_PID=""
		echo "tunnat had already exited (status $rc) before SIG${1:-TERM}" >&2
		return 1
	fi
	kill -"${1:-TERM}" "$TUNNAT_PID"
	rc=0
	pid_wait 10 "$TUNNAT_PID" || rc=$?
	TUNNAT_PID=""
	[ "$rc" -eq 0 ] || echo "tunnat exited with status $rc" >&2
	return "$rc"
}

# tunnat_exits SECONDS STATUS: tunnat ends by itself within SECONDS (else
# it is killed), with exit status STATUS
tunnat_exits() {
	rc=0
	pid_wait "$1" "$TUNNAT_PID" || rc=$?
	TUNNAT_PID=""
	echo "tunnat exit status: $rc"
	[ "$rc" -eq "$2" ]
}

# env_yaml: the top-level keys tests/lab/workers.sh asks for through the
# environment: TUNNAT_WORKERS=N, "workers: N"; TUNNAT_IO_URING=auto,
# "io-uring: auto" (or off).  tunnat_start adds
# them to a file that has neither; a script that rewrites its file for a
# reload puts them in itself.
env_yaml() {
	if [ -n "${TUNNAT_WORKERS:-}" ]; then
		echo "workers: $TUNNAT_WORKERS"
	fi
	if [ -n "${TUNNAT_IO_URING:-}" ]; then
		echo "io-uring: $TUNNAT_IO_URING"
	fi
}

# control_yaml: a control section that puts tunnat's socket in $WORK, for
# ctl (every test runs its own tunnat: the default socket is shared)
control_yaml() {
	printf 'control:\n  socket: %s\n' "$WORK/ctl.sock"
}

# ctl ARGS...: tunnatctl on this test's tunnat, at most 60 s
ctl() {
	timeout -k 2 60 "$TUNNATCTL" -s "$WORK/ctl.sock" "$@"
}

lab_end() {
	if [ -s "$WORK/stats.failed" ]; then
		echo "counters that could not be read:"
		sed 's/^/    /' "$WORK/stats.failed"
		FAILED=$((FAILED + 1))
	fi
	if [ "$FAILED" -ne 0 ]; then
		echo "$FAILED check(s) failed"
		exit 1
	fi
	exit 0
}
