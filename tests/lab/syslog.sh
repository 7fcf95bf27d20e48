#!/bin/sh
# SPDX-License-Identifier: MIT
# syslog.sh - log.target: syslog, the mapping log to syslog, and back
#
#  namespace LAN                                       namespace WAN
#  host 192.168.1.10                                   server 198.51.100.1
#  tin0 (default route) ---fd--> tunnat 203.0.113.1 --fd--> tout0 (route to
#                                                            203.0.113.1/32)
#
# tunnat runs in a mount namespace of its own whose /dev is a tmpfs with
# /dev/net/tun and /dev/null, and /dev/log pointing at a syslog socket of
# this test (a few lines of Python that write what they receive): so
# syslog(3) in tunnat reaches the test, and the host's syslog sees
# nothing.  With log.target: syslog its messages arrive there, facility
# daemon, with the priority of their level, and none on standard error;
# so do the mapping log's lines; a reload to log.target: stderr sends the
# next messages to standard error.

. "$(dirname "$0")/lib.sh"

lab_begin unshare mknod mount
ns_add "$NS_LAN"
ns_add "$NS_WAN"

conf() {
	cat <<YAML
inside: { device: tin$ID, netns: $NS_LAN, address: 192.168.1.10/24,
          routes: [0.0.0.0/0] }
outside: { device: tout$ID, netns: $NS_WAN, address: 198.51.100.1/24,
           routes: [203.0.113.1/32] }
nat: { addresses: [203.0.113.1] }
log: { level: info, target: $1, mappings: true, destinations: true }
$(control_yaml)
YAML
}
conf syslog >"$WORK/tunnat.yaml"

# the syslog socket, and what arrives at it
bg_start syslogd "$NS_WAN" /usr/bin/python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
with open(sys.argv[2], "a") as f:
    while True:
        f.write(s.recv(65536).decode("utf-8", "replace").rstrip("\n\0") + "\n")
        f.flush()
' "$WORK/log.sock" "$WORK/syslog.log"
wait_for 5 test -S "$WORK/log.sock" || broken "no syslog socket"

cat >"$WORK/devlog.sh" <<EOF
set -e
mount -t tmpfs -o mode=755 tmpfs /dev
mkdir /dev/net
mknod -m 666 /dev/net/tun c 10 200
mknod -m 666 /dev/null c 1 3
ln -s "$WORK/log.sock" /dev/log
exec "\$@"
EOF
: >"$WORK/tunnat.log"
unshare --mount --propagation private sh "$WORK/devlog.sh" \
	"$TUNNAT" -c "$WORK/tunnat.yaml" >"$WORK/tunnat.log" 2>&1 &
TUNNAT_PID=$!
wait_for 10 grep -q "forwarding between" "$WORK/syslog.log" ||
	broken "tunnat did not start (or did not log to syslog)"
for ns in "$NS_LAN" "$NS_WAN"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
done

check "messages go to syslog: facility daemon, priority info, ident tunnat" \
	grep -Eq '^<30>.* tunnat\[[0-9]+\]: forwarding between tin' \
	"$WORK/syslog.log"
check "from the first one" grep -Eq '^<30>.* tunnat\[[0-9]+\]: tunnat .* starting with ' \
	"$WORK/syslog.log"
check "and none to standard error" test ! -s "$WORK/tunnat.log"
sed 's/^/    | /' "$WORK/syslog.log"

bg_start udpsrv "$NS_WAN" $PEER udp-server 5002 "$WORK/udp.log" 1
wait_for 5 grep -q listening "$WORK/udp.log" || broken "no UDP server"
n_lan $PEER udp-client 192.168.1.10:5000 198.51.100.1 5002 1 >/dev/null ||
	broken "no UDP echo"
check "the mapping log goes to syslog too, priority info" wait_for 5 \
	grep -Eq '^<30>.* tunnat\[[0-9]+\]: mapping: [0-9T:.-]+Z session-up udp inside=192\.168\.1\.10:5000 public=203\.0\.113\.1:5000 remote=198\.51\.100\.1:5002$' \
	"$WORK/syslog.log"

# a warning: a reload refused (log.target: syslog still)
printf 'nat: [\n' >"$WORK/tunnat.yaml"
kill -HUP "$TUNNAT_PID"
check "errors at priority err (daemon.err = 27)" wait_for 5 \
	grep -Eq '^<27>.* tunnat\[[0-9]+\]: SIGHUP: .*tunnat.yaml: refused' \
	"$WORK/syslog.log"

conf stderr >"$WORK/tunnat.yaml"
check "a reload to log.target: stderr" ctl reload
kill -USR1 "$TUNNAT_PID"
check "the next messages go to standard error" wait_for 5 \
	grep -q "^tunnat: info: stats: " "$WORK/tunnat.log"
check_not "and not to syslog" grep -q "stats: " "$WORK/syslog.log"

check "SIGTERM stops tunnat with status 0" tunnat_stop
lab_end
