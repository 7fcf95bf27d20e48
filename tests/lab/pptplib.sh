# SPDX-License-Identifier: MIT
# pptplib.sh - real PPTP peers in the lab, on a kernel without PPP
#
# Sourced after lib.sh by the tests that run pptp-linux clients and pptpd.
# This kernel has no PPP driver, so pppd cannot run: pppstub.py stands in
# for it at both ends (see its header).  pptpd and each client run as PID 1
# of their own PID namespace, with a private /dev and /run (private_root):
# killing that PID 1 ends pptpctrl, the pptp call managers and every stub
# with it, pptp's sockets in /var/run/pptp stay off the host, and their
# syslog lands in $WORK/syslog.log (shown on failure).  pptpd runs in the
# foreground on its own pptpd.conf and pid file in $WORK; /etc/pptpd.conf
# and /etc/ppp are not used.
#
#   pptp_begin                  after lab_begin: cleanup, /dev/log
#   pptpd_start NS LISTEN       pptpd on address LISTEN, stubs echo probes
#   pptp_client NAME NS SRC SERVER [random|fixed]
#                               a client bound to SRC; its stub logs to
#                               $WORK/NAME.stub
#   pptp_echoes NAME            echoes of its own probes NAME received
#   pptp_crossed NAME...        frames a client got of another client's
#   dissect PCAP OUT            a capture's PPTP fields, one line a message
#   field OUT CONDITION COLUMN  the distinct values of one of them

STUB="/usr/bin/python3 $TOP_SRCDIR/tests/lab/pppstub.py"
PRIV_PIDS=""

# private_root: write $WORK/private.sh, which runs a command with its own
# /dev (null, zero, random, urandom, tty, a new devpts instance, /dev/log
# pointing at this test's syslog socket) and an empty /run.  Meant to run
# inside "unshare --mount", so none of it is seen outside.  Its first
# argument is "random", or "fixed": then /dev/random is a file holding the
# bytes 01 00, and pptp-linux (which reads its Call ID from there) uses 1.
private_root() {
	cat >"$WORK/private.sh" <<'EOF'
set -e
random=$1
log=$2
shift 2
mount -t tmpfs -o mode=755 tmpfs /dev
mknod -m 666 /dev/null c 1 3
mknod -m 666 /dev/zero c 1 5
if [ "$random" = fixed ]; then
	printf '\001\000' >/dev/random
else
	mknod -m 666 /dev/random c 1 8
fi
mknod -m 666 /dev/urandom c 1 9
mknod -m 666 /dev/tty c 5 0
mkdir /dev/pts /dev/shm
mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts /dev/pts
ln -s pts/ptmx /dev/ptmx
ln -s /proc/self/fd /dev/fd
ln -s "$log" /dev/log
mount -t tmpfs -o mode=755 tmpfs /run
exec "$@"
EOF
}

# priv_start NAME NS random|fixed COMMAND...: like bg_start, but COMMAND
# is PID 1 of a new PID namespace with a private root (random|fixed: see
# private_root); the recorded PID is unshare's, and SIGKILL to it takes
# down everything COMMAND started
priv_start() {
	name=$1
	ns=$2
	random=$3
	shift 3
	ip netns exec "$ns" unshare --pid --fork --kill-child --mount \
		--propagation private --mount-proc \
		sh "$WORK/private.sh" "$random" "$WORK/syslog.sock" "$@" \
		>"$WORK/$name.log" 2>&1 &
	PRIV_PIDS="$PRIV_PIDS $!"
	eval "PID_$name=$!"
}

# priv_stop NAME: end what priv_start NAME started (see priv_kill)
priv_stop() {
	eval "pid=\$PID_$1"
	priv_kill "$pid"
	pid_wait 5 "$pid" || true
}

# priv_kill PID: unshare ignores SIGTERM while it waits, so SIGKILL the
# PID 1 of its namespace (the kernel then kills and reaps the rest of the
# namespace, and unshare reaps it and exits); unshare itself only if it has
# no child (yet).
priv_kill() {
	init=$(cat "/proc/$1/task/$1/children" 2>/dev/null)
	kill -KILL ${init:-$1} 2>/dev/null
}

# pptp_cleanup: the EXIT trap of a test that sourced this file
pptp_cleanup() {
	status=$?
	set +e
	for pid in $PRIV_PIDS; do
		priv_kill "$pid"
	done
	for pid in $PRIV_PIDS; do
		pid_wait 5 "$pid"
	done
	if [ "$status" -ne 0 ] && [ -f "$WORK/syslog.log" ]; then
		echo "--- syslog of pptpd and the clients (GRE chatter cut) ---"
		grep -v "accepting packet" "$WORK/syslog.log"
	fi
	if [ -n "${PPTP_KEEP:-}" ] && [ -n "$WORK" ]; then
		rm -rf "$PPTP_KEEP"
		cp -a "$WORK" "$PPTP_KEEP" && echo "work files kept: $PPTP_KEEP"
	fi
	return_status "$status"
	lab_cleanup
}

return_status() {
	return "$1"
}

# syslog_start NS: a /dev/log for the private roots, written to syslog.log
# by a listener in namespace NS (any: it is a Unix socket)
syslog_start() {
	bg_start syslogd "$1" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as f:
    while True:
        m = s.recv(65536).decode("utf-8", "replace")
        f.write(m.rstrip("\n\0") + "\n")
        f.flush()
' "$WORK/syslog.sock" "$WORK/syslog.log"
	wait_for 5 test -S "$WORK/syslog.sock" || broken "no syslog socket"
}

# pptp_begin: after lab_begin, in a test that runs PPTP peers
pptp_begin() {
	trap pptp_cleanup EXIT
	private_root
}

# pptpd_start NS LISTEN: pptpd in namespace NS on address LISTEN (port
# 1723), for up to 20 clients; each call gets a stub that echoes probes
# and logs to $WORK/server.stub.  Returns once pptpd listens.
pptpd_start() {
	[ -S "$WORK/syslog.sock" ] || syslog_start "$1"
	cat >"$WORK/ppp-server" <<EOF
#!/bin/sh
# what pptpctrl runs instead of pppd; pppd's options are logged and ignored
exec $STUB --name server.%p --echo --log "$WORK/server.stub" "\$@"
EOF
	chmod +x "$WORK/ppp-server"
	cat >"$WORK/pptpd.conf" <<EOF
ppp $WORK/ppp-server
pidfile $WORK/pptpd.pid
listen $2
connections 20
localip 10.99.0.1
remoteip 10.99.0.100-139
debug
EOF
	priv_start pptpd "$1" random pptpd --fg --conf "$WORK/pptpd.conf"
	wait_for 5 sh -c "ip netns exec $1 ss -Hltn | grep -q '$2:1723'" ||
		broken "pptpd is not listening on $2"
}

# pptp_client NAME NS SRC SERVER [random|fixed]: pptp-linux in namespace
# NS, bound to address SRC, calling SERVER; its stub probes once a second
# and logs to $WORK/NAME.stub
pptp_client() {
	[ -S "$WORK/syslog.sock" ] || syslog_start "$2"
	priv_start "$1" "$2" "${5:-random}" \
		$STUB --name "$1" --log "$WORK/$1.stub" \
		-- pptp "$4" --nolaunchpppd --localbind "$3" \
		--nohostroute --logstring "$1"
}

# pptp_echoes NAME: how many echoes of its own probes client NAME received
pptp_echoes() {
	cat "$WORK/$1.stub" 2>/dev/null |
		grep -c " rx 0021 tunnat-echo [^:]*: tunnat-probe $1 " || true
}

# pptp_crossed NAME...: print the frames each client NAME got that were
# another one's probes, or echoes of them; fail (printing nothing) if
# there are none, as when no data crossed to the wrong peer.  Probes of
# the server's stubs, which every client gets, are no client's.
pptp_crossed() {
	found=1
	for c in "$@"; do
		for o in "$@"; do
			[ "$o" != "$c" ] || continue
			grep -E " rx 0021 (tunnat-echo [^:]*: )?tunnat-probe $o " \
				"$WORK/$c.stub" && found=0
		done
	done
	return "$found"
}

# ----------------------------------------------------------------------
# Reading captures

# dissect PCAP OUT: one tab-separated line per PPTP control message and
# per other IP packet (pptpcap.py says how it reads them):
# src dst sport dport pptp-type call-id peer-call-id sccrp-result
# ocrp-result gre-call-id serial
dissect() {
	/usr/bin/python3 "$TOP_SRCDIR/tests/lab/pptpcap.py" "$1" >"$2"
}

# field OUT AWK-CONDITION COLUMN: sorted distinct values of a column
field() {
	awk -F'\t' "$2 { print \$$3 }" "$1" | tr ',' '\n' | grep . | sort -nu
}
