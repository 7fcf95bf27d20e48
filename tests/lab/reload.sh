#!/bin/sh
# SPDX-License-Identifier: MIT
# reload.sh - tunnatctl reload and SIGHUP; the mapping log; rate limits
#
#  namespace LAN                                       namespace WAN
#  hosts 192.168.1.10 and .11                          server 198.51.100.1
#  tin0 (default route) ---fd--> tunnat 203.0.113.1 --fd--> tout0 (route to
#                                                            203.0.113.1/32)
#
# tunnat logs its mappings to $WORK/log/map.log.  Then its configuration file
# is edited and reloaded, and:
#  - a file with an error is refused whole, by tunnatctl (exit 1, the
#    error's line and column) and on SIGHUP (the same in the log); the
#    sessions stay and packets go on flowing;
#  - a change only a restart can apply is refused, naming the key;
#  - a forward on a port a mapping holds is refused by the engine, and
#    nothing of that file applies;
#  - a shorter UDP timeout applies to the live sessions: they stay, show
#    the new time left, and end on it (the mapping log says so);
#  - tunnatctl config prints what runs, which tunnat -t accepts;
#  - the mapping log file is reopened on SIGHUP after being moved;
#  - a flood of messages is rate-limited, and the log says how many were
#    suppressed.

. "$(dirname "$0")/lib.sh"

lab_begin
ns_add "$NS_LAN"
ns_add "$NS_WAN"

# conf UDP_TIMEOUT [EXTRA]: the configuration file, with EXTRA appended
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
  level: debug
  mappings: true
  destinations: true
  mappings-file: $WORK/log/map.log
$(control_yaml)
$(env_yaml)
${2:-}
YAML
}

# the mapping log's directory is the run user's, so that tunnat can
# make a new file there after a rotation, as in /var/log/tunnat
mkdir "$WORK/log"
chown nobody "$WORK/log"
conf 300 >"$WORK/tunnat.yaml"
tunnat_start "$WORK/tunnat.yaml"
n_lan ip addr add 192.168.1.11/24 dev "tin$ID"
for ns in "$NS_LAN" "$NS_WAN"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
done

bg_start udpsrv "$NS_WAN" $PEER udp-server 5002 "$WORK/udp.log" 20
wait_for 5 grep -q listening "$WORK/udp.log" || broken "no UDP server"
for src in 192.168.1.10 192.168.1.11; do
	n_lan $PEER udp-client "$src:700" 198.51.100.1 5002 1 >/dev/null ||
		broken "no UDP echo for $src"
done

# udp_sessions: "COUNT MAX_EXPIRES" of the UDP sessions
udp_sessions() {
	ctl sessions -p udp --json | /usr/bin/python3 -c 'import json, sys
s = json.load(sys.stdin)["sessions"]
print(len(s), max([x["expires"] for x in s] or [0]))'
}

# --- the mapping log -----------------------------------------------------
check "the mapping log has a mapping-up line per UDP mapping" sh -c \
	"[ \$(grep -Ec '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z mapping-up udp inside=192\.168\.1\.1[01]:700 public=203\.0\.113\.1:[0-9]+\$' '$WORK/log/map.log') -eq 2 ]"
check "and a session-up line per UDP session, with the remote" sh -c \
	"[ \$(grep -Ec 'Z session-up udp inside=192\.168\.1\.1[01]:700 public=203\.0\.113\.1:[0-9]+ remote=198\.51\.100\.1:5002\$' '$WORK/log/map.log') -eq 2 ]"
sed 's/^/    /' "$WORK/log/map.log"

# a flood of log messages (tunnat logs each dropped packet at debug)
for i in 1 2 3 4 5 6 7 8 9 10; do
	n_wan $PEER udp-send 198.51.100.1 203.0.113.1 9999 2>/dev/null
done
check "the rate limit suppressed some of them" sh -c \
	"[ \$('$TUNNATCTL' -s '$WORK/ctl.sock' stats | sed -n 's/^log.suppressed  *//p') -ge 5 ]"
flood_at=$(date +%s)

# --- a file with an error is refused whole -------------------------------
conf sixty "nat.extra: 1" >"$WORK/tunnat.yaml"
line=$(grep -n 'udp: sixty' "$WORK/tunnat.yaml" | cut -d: -f1)
rc=0
ctl reload >"$WORK/reload.out" 2>&1 || rc=$?
sed 's/^/    | /' "$WORK/reload.out"
check "tunnatctl reload of a broken file exits 1" test "$rc" -eq 1
check "it says the file was refused" grep -q \
	"tunnat.yaml: refused; the running configuration stays" "$WORK/reload.out"
check "with the line and column of each error" sh -c \
	"grep -q 'tunnat.yaml:$line:10: nat.timeouts.udp: expected an integer, got \"sixty\"' '$WORK/reload.out' &&
	 grep -q 'tunnat.yaml:[0-9]*:1: unknown key \"nat.extra\"' '$WORK/reload.out'"
check "both UDP sessions are still there" \
	test "$(udp_sessions | cut -d' ' -f1)" -eq 2
check "and packets still flow" n_lan $PEER udp-client 192.168.1.10:700 \
	198.51.100.1 5002 2
kill -HUP "$TUNNAT_PID"
check "SIGHUP with the broken file: the same errors in the log" wait_for 5 \
	grep -q "error: SIGHUP: .*tunnat.yaml:$line:10: nat.timeouts.udp: expected an integer" \
	"$WORK/tunnat.log"
check "tunnat is still running" kill -0 "$TUNNAT_PID"

# --- a key only a restart can apply ----------------------------------------
conf 300 | sed "s/device: tin$ID/device: tx$ID/" >"$WORK/tunnat.yaml"
rc=0
ctl reload >"$WORK/reload.out" 2>&1 || rc=$?
sed 's/^/    | /' "$WORK/reload.out"
check "a new inside device name is refused (exit 1), naming the key" sh -c \
	"[ $rc -eq 1 ] && grep -q '^inside.device: \"tin$ID\" -> \"tx$ID\": cannot change while tunnat runs; restart tunnat to apply it' '$WORK/reload.out'"

# --- the engine refuses a forward on a port a mapping holds ---------------
conf 3 "forwards: [{protocol: udp, public: 203.0.113.1:700, inside: 192.168.1.20:700}]" \
	>"$WORK/tunnat.yaml"
rc=0
ctl reload >"$WORK/reload.out" 2>&1 || rc=$?
sed 's/^/    | /' "$WORK/reload.out"
check "a forward on a mapped port is refused (exit 1)" test "$rc" -eq 1
check "nothing of that file applied: the UDP timeout is still 300" sh -c \
	"'$TUNNATCTL' -s '$WORK/ctl.sock' config | grep -qx '    udp: 300'"

# --- a shorter UDP timeout applies to the live sessions ---------------------
# both sessions refreshed between t0 and t1, then the timeout goes to 3 s
t0=$(date +%s.%N)
for src in 192.168.1.10 192.168.1.11; do
	n_lan $PEER udp-client "$src:700" 198.51.100.1 5002 1 >/dev/null ||
		broken "no UDP echo for $src"
done
t1=$(date +%s.%N)
conf 3 >"$WORK/tunnat.yaml"
rc=0
ctl reload >"$WORK/reload.out" 2>&1 || rc=$?
sed 's/^/    | /' "$WORK/reload.out"
check "tunnatctl reload exits 0" test "$rc" -eq 0
check "and says what changed" sh -c \
	"grep -q 'tunnat.yaml: reloaded; 1 key changed:' '$WORK/reload.out' &&
	 grep -qx 'nat.timeouts.udp: 300 -> 3' '$WORK/reload.out'"
got=$(udp_sessions)
echo "UDP sessions, most time left: $got"
check "the two UDP sessions are still there, with at most 3 s left" \
	/usr/bin/python3 -c "import sys; n, e = '$got'.split(); sys.exit(not (n == '2' and float(e) <= 3))"
check "they are gone within 5 s" wait_for 5 \
	sh -c "[ \"\$('$TUNNATCTL' -s '$WORK/ctl.sock' sessions -p udp --json | tr -d ' \n')\" = '{\"sessions\":[],\"truncated\":false}' ]"
# a session gone is freed (and its line written) at the next sweep, 1 s
# after at most
wait_for 2 sh -c "[ \$(grep -c 'Z session-down udp inside=192.168.1.1[01]:700 ' '$WORK/log/map.log') -eq 2 ]" || true
check "the mapping log: both ended 3 s after their last packet (+1.5 s sweep)" \
	/usr/bin/python3 - "$WORK/log/map.log" "$t0" "$t1" <<'EOF'
import datetime, re, sys
t0, t1 = float(sys.argv[2]), float(sys.argv[3])
downs = []
for line in open(sys.argv[1]):
    m = re.match(r"(\S+)Z session-down udp inside=192\.168\.1\.1[01]:700 ", line)
    if m:
        t = datetime.datetime.fromisoformat(m.group(1)).replace(
            tzinfo=datetime.timezone.utc).timestamp()
        downs.append(t)
print("ended at +%s s" % ", +".join("%.2f" % (t - t1) for t in downs))
assert len(downs) == 2, downs
assert all(t0 + 3 <= t <= t1 + 4.5 for t in downs), (t0, t1, downs)
EOF

# --- tunnatctl config ---------------------------------------------------------
ctl config >"$WORK/running.yaml"
check "tunnatctl config: tunnat -t accepts it" \
	"$TUNNAT" -t -c "$WORK/running.yaml"
check "and it has the new timeout and every section" sh -c \
	"grep -qx '    udp: 3' '$WORK/running.yaml' &&
	 grep -q '^  mappings-file: $WORK/log/map.log\$' '$WORK/running.yaml' &&
	 grep -q '^  socket: $WORK/ctl.sock\$' '$WORK/running.yaml' &&
	 grep -qx 'forwards: \\[\\]' '$WORK/running.yaml'"

# --- logrotate ------------------------------------------------------------------
mv "$WORK/log/map.log" "$WORK/log/map.log.1"
kill -HUP "$TUNNAT_PID"
check "SIGHUP with the same file: nothing changed" wait_for 5 grep -q \
	"info: SIGHUP: .*tunnat.yaml: reloaded; nothing changed" "$WORK/tunnat.log"
wait_for 5 test -e "$WORK/log/map.log" || true
n_lan $PEER udp-client 192.168.1.11:900 198.51.100.1 5002 1 >/dev/null
check "after SIGHUP the mapping log goes to a new file" wait_for 5 \
	grep -q 'Z session-up udp inside=192.168.1.11:900 ' "$WORK/log/map.log"
check_not "not to the moved one" grep -q 'inside=192.168.1.11:900 ' \
	"$WORK/log/map.log.1"
check "the new file is tunnat's user's, mode 0640" sh -c \
	"[ \"\$(stat -c '%U %a' '$WORK/log/map.log')\" = 'nobody 640' ]"

# --- a mapping log file that cannot be opened refuses the reload --------
conf 3 | sed "s|mappings-file: .*|mappings-file: /nonexistent/map.log|" \
	>"$WORK/tunnat.yaml"
rc=0
ctl reload >"$WORK/reload.out" 2>&1 || rc=$?
sed 's/^/    | /' "$WORK/reload.out"
check "an unwritable mappings-file is refused (exit 1), naming the key" \
	sh -c "[ $rc -eq 1 ] && grep -q 'log.mappings-file' '$WORK/reload.out'"
check "and the old file stays" sh -c \
	"'$TUNNATCTL' -s '$WORK/ctl.sock' config | grep -q 'mappings-file: $WORK/log/map.log\$'"

# --- the flood's report --------------------------------------------------------
left=$((flood_at + 12 - $(date +%s)))
[ "$left" -gt 0 ] || left=1
check "the log says how many messages it suppressed" wait_for "$left" \
	grep -q "debug: suppressed [0-9]* more messages like this in [0-9]* s: outside: dropped a packet: no-session" \
	"$WORK/tunnat.log"

check "SIGTERM stops tunnat with status 0" tunnat_stop
lab_end
