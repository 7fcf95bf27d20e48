#!/bin/sh
# SPDX-License-Identifier: MIT
# control.sh - tunnatctl: the NAT table, the counters, flush
#
#  namespace LAN                                       namespace WAN
#  hosts 192.168.1.10 and .11                          server 198.51.100.1
#  tin0 (default route) ---fd--> tunnat 203.0.113.1 --fd--> tout0 (route to
#                                                            203.0.113.1/32)
#  tunnatctl -s $WORK/ctl.sock (control.socket)
#
# A known set of flows: one TCP transfer, UDP from both hosts (same source
# port), a ping from each, and two PPTP clients (flows.py: a scripted
# RFC 2637 exchange) with the same Call ID to one server.  Then:
#  - sessions --json lists exactly those sessions, each with its inside,
#    public and remote endpoint, and the two calls with their three Call
#    IDs: inside 1 for both, two public ones, the server's own (which the
#    server's log gives for each public one);
#  - filters and --limit select what they say;
#  - stats --json: packets and bytes per protocol and direction grow by
#    exactly what a counted burst sent; the session and drop counters too;
#  - stats --prometheus parses as the text exposition format (a parser
#    below) and says what stats --json says;
#  - flush ends the UDP sessions, whose ports then rest (hold-down);
#  - the usage errors exit 64, and no tunnat at the socket exits 69.

. "$(dirname "$0")/lib.sh"

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
alg:
  pptp: on
$(control_yaml)
YAML

# a socket left by a tunnat that stopped: nothing listens on it
/usr/bin/python3 -c 'import socket, sys
socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$WORK/ctl.sock"
tunnat_start "$WORK/tunnat.yaml"
n_lan ip addr add 192.168.1.11/24 dev "tin$ID"
check "a stale socket at control.socket is replaced" grep -q \
	"control socket $WORK/ctl.sock: removed a stale socket" "$WORK/tunnat.log"
for ns in "$NS_LAN" "$NS_WAN"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
done

# The socket: owned by tunnat's user, mode 0660
check "the control socket is nobody's, mode 0660" sh -c \
	"[ \"\$(stat -c '%U %a %F' '$WORK/ctl.sock')\" = 'nobody 660 socket' ]"

# --- the flows -----------------------------------------------------------
bg_start pptpsrv "$NS_WAN" $FLOWS pptp-server 198.51.100.1 40
wait_for 5 grep -q listening "$WORK/pptpsrv.log" || broken "no PPTP server"
for i in 0 1; do
	bg_start "pptp$i" "$NS_LAN" $FLOWS pptp-client "192.168.1.1$i" \
		198.51.100.1 1 6
done
bg_start tcpsrv "$NS_WAN" $PEER tcp-server 5001 "$WORK/tcp.log" 1
bg_start udpsrv "$NS_WAN" $PEER udp-server 5002 "$WORK/udp.log" 5
wait_for 5 grep -q listening "$WORK/tcp.log" || broken "no TCP server"
wait_for 5 grep -q listening "$WORK/udp.log" || broken "no UDP server"
check "TCP transfer from 192.168.1.10:40000" \
	n_lan $PEER tcp-client 192.168.1.10:40000 198.51.100.1 5001 65536
for src in 192.168.1.10 192.168.1.11; do
	check "UDP echo from $src:700" \
		n_lan $PEER udp-client "$src:700" 198.51.100.1 5002 2
	check "ping from $src" n_lan ping -c 1 -W 2 -I "$src" 198.51.100.1
done
for i in 0 1; do
	wait_for 10 grep -q "^call 1 peer" "$WORK/pptp$i.log" ||
		broken "PPTP client $i set up no call"
done

# --- sessions --json: exactly these ----------------------------------------
check "tunnatctl sessions --json" sh -c \
	"'$TUNNATCTL' -s '$WORK/ctl.sock' sessions --json >'$WORK/sessions.json'"
cat "$WORK/sessions.json"
check "it lists exactly the sessions of the flows" /usr/bin/python3 - \
	"$WORK/sessions.json" "$WORK/pptpsrv.log" <<'EOF'
import json, re, sys
d = json.load(open(sys.argv[1]))
assert set(d) == {"sessions", "truncated"}, d.keys()
assert d["truncated"] is False
ss = d["sessions"]
for s in ss:
    for k in ("protocol", "inside", "public", "remote", "state"):
        assert isinstance(s[k], str), (k, s)
    for k in ("idle", "expires"):
        assert isinstance(s[k], (int, float)) and s[k] >= 0, (k, s)
def one(pred, what):
    m = [s for s in ss if pred(s)]
    assert len(m) == 1, "%s: %d sessions match: %r" % (what, len(m), m)
    return m[0]
ep = re.compile(r"^203\.0\.113\.1:\d+$")
t = one(lambda s: s["protocol"] == "tcp" and s["remote"] == "198.51.100.1:5001",
        "the TCP transfer")
assert t["inside"] == "192.168.1.10:40000" and t["public"] == "203.0.113.1:40000", t
assert t["state"] in ("established", "half-closed", "closing", "reset"), t
pubs = set()
for h in ("10", "11"):
    u = one(lambda s: s["protocol"] == "udp" and
            s["inside"] == "192.168.1.%s:700" % h, "UDP from .%s" % h)
    assert u["remote"] == "198.51.100.1:5002" and ep.match(u["public"]), u
    assert 295 <= u["expires"] <= 300, u
    pubs.add(u["public"])
    i = one(lambda s: s["protocol"] == "icmp" and
            s["inside"].startswith("192.168.1.%s:" % h), "ping from .%s" % h)
    assert i["remote"] == "198.51.100.1" and ep.match(i["public"]), i
    c = one(lambda s: s["protocol"] == "tcp" and
            s["inside"].startswith("192.168.1.%s:" % h) and
            s["remote"] == "198.51.100.1:1723", "PPTP control from .%s" % h)
    assert c["alg"] == "pptp" and c["state"] == "established", c
assert "203.0.113.1:700" in pubs and len(pubs) == 2, pubs
# the server's log: "call from 203.0.113.1 peer-call-id P our-call-id S"
server = {}
for line in open(sys.argv[2]):
    m = re.match(r"call from 203\.0\.113\.1 peer-call-id (\d+) our-call-id (\d+)", line)
    if m:
        server[int(m.group(1))] = int(m.group(2))
calls = [s for s in ss if s["protocol"] == "gre"]
assert len(calls) == 2, calls
assert sorted(s["inside"] for s in calls) == ["192.168.1.10", "192.168.1.11"]
for s in calls:
    assert s["public"] == "203.0.113.1" and s["remote"] == "198.51.100.1", s
    assert s["inside_call_id"] == 1, s
    assert s["remote_call_id"] == server[s["public_call_id"]], (s, server)
    assert "call" in s["flags"] and s["alg"] == "pptp", s
assert calls[0]["public_call_id"] != calls[1]["public_call_id"], calls
assert len(ss) == 9, "%d sessions" % len(ss)
print("9 sessions as expected; calls:", [(s["inside"], s["inside_call_id"],
      s["public_call_id"], s["remote_call_id"]) for s in calls])
EOF
check "human output: a header and one line per session" sh -c \
	"'$TUNNATCTL' -s '$WORK/ctl.sock' sessions >'$WORK/sessions.txt' &&
	 head -n 1 '$WORK/sessions.txt' | grep -q '^PROTO *INSIDE *PUBLIC *REMOTE *STATE *IDLE *EXPIRES' &&
	 [ \$(wc -l <'$WORK/sessions.txt') -eq 10 ] &&
	 grep -q '^gre  *192.168.1.11 call 1 *203.0.113.1 call [0-9]* *198.51.100.1 call 25[67] ' '$WORK/sessions.txt'"
sed 's/^/    /' "$WORK/sessions.txt"

# --- filters ----------------------------------------------------------------
count_json() {
	ctl sessions --json "$@" | /usr/bin/python3 -c \
		'import json,sys; d=json.load(sys.stdin); print(len(d["sessions"]), d["truncated"])'
}
check "-p udp: the two UDP sessions" test "$(count_json -p udp)" = "2 False"
check "-p 47 is -p gre" test "$(count_json -p 47)" = "2 False"
check "--inside 192.168.1.11: its four sessions" \
	test "$(count_json --inside 192.168.1.11)" = "4 False"
check "--inside 192.168.1.10:40000: one" \
	test "$(count_json --inside 192.168.1.10:40000)" = "1 False"
check "--public 203.0.113.1:700: one" \
	test "$(count_json --public 203.0.113.1:700)" = "1 False"
check "--remote 198.51.100.1:1723 -p tcp: the two control connections" \
	test "$(count_json --remote 198.51.100.1:1723 -p tcp)" = "2 False"
check "--limit 3: three, and it says there are more" \
	test "$(count_json --limit 3)" = "3 True"
check "--limit 9: all nine, and no more" \
	test "$(count_json --limit 9)" = "9 False"
check "no match: an empty list" \
	test "$(count_json --remote 192.0.2.1)" = "0 False"

# --- counters ---------------------------------------------------------------
for i in 0 1; do
	pid_wait 15 "$(eval echo \$PID_pptp$i)" ||
		broken "PPTP client $i did not end"
done
check "both PPTP clients got their GRE echoed, each its own" sh -c \
	"grep -q '^call 1 peer 25[67] echoes [1-9]' '$WORK/pptp0.log' &&
	 grep -q '^call 1 peer 25[67] echoes [1-9]' '$WORK/pptp1.log'"

stats_json() {
	ctl stats --json >"$WORK/$1.json"
}
# stat_of FILE PATH: a counter of a stats --json output, by its path
stat_of() {
	/usr/bin/python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("/"):
    d = d[k]
print(d)' "$1" "$2"
}
delta() {
	echo $(($(stat_of "$WORK/after.json" "$1") - $(stat_of "$WORK/before.json" "$1")))
}

sleep 1		# the PPTP clients' last packets
stats_json before
bg_start echo "$NS_WAN" $FLOWS udp-echo 7000 20
sleep 0.3
n_lan $FLOWS udp-probe 192.168.1.10 198.51.100.1 7000 100 0.5 \
	>"$WORK/burst.txt"
cat "$WORK/burst.txt"
sent=$(cut -d' ' -f2 "$WORK/burst.txt")
got=$(cut -d' ' -f4 "$WORK/burst.txt")
n_lan ping -c 3 -i 0.2 -W 2 198.51.100.1 >/dev/null ||
	broken "ping failed"
n_wan $PEER udp-send 198.51.100.1 203.0.113.1 9999
sleep 0.3
stats_json after
check "$sent UDP datagrams out, $got back: packets/outbound/udp" \
	test "$(delta packets/outbound/udp)" -eq "$sent"
check "packets/inbound/udp: the $got echoes" \
	test "$(delta packets/inbound/udp)" -eq "$got"
check "bytes/outbound/udp: $sent datagrams of 32 bytes" \
	test "$(delta bytes/outbound/udp)" -eq $((sent * 32))
check "packets/outbound/icmp: 3 echo requests" \
	test "$(delta packets/outbound/icmp)" -eq 3
check "bytes/inbound/icmp: 3 echo replies of 84 bytes" \
	test "$(delta bytes/inbound/icmp)" -eq 252
check "packets/outbound/tcp: none meanwhile" \
	test "$(delta packets/outbound/tcp)" -eq 0
check "sessions/udp/created: the burst's one" \
	test "$(delta sessions/udp/created)" -eq 1
check "drops/no-session: the unsolicited datagram" \
	test "$(delta drops/no-session)" -eq 1
listed=$(ctl sessions --json | /usr/bin/python3 -c \
	'import json,sys; print(len(json.load(sys.stdin)["sessions"]))')
check "sessions/active is what sessions lists ($listed)" \
	test "$(stat_of "$WORK/after.json" sessions/active)" -eq "$listed"
check "the PPTP calls are counted" \
	test "$(stat_of "$WORK/after.json" alg/pptp/calls)" -eq 2
check "ports/203.0.113.1/active" \
	test "$(stat_of "$WORK/after.json" ports/203.0.113.1/active)" -eq 1

# --- Prometheus ----------------------------------------------------------
ctl stats --prometheus >"$WORK/metrics.prom"
ctl stats --json >"$WORK/now.json"
check "stats --prometheus is the text exposition format, and agrees" \
	/usr/bin/python3 - "$WORK/metrics.prom" "$WORK/now.json" <<'EOF'
import json, re, sys
name_re = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
label_re = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
sample = re.compile(r"^(%s)(?:\{(%s(?:,%s)*)\})? (\S+)$" % (name_re, label_re, label_re))
families, order, done = {}, [], set()
samples = {}
for n, line in enumerate(open(sys.argv[1]), 1):
    line = line.rstrip("\n")
    if line.startswith("# HELP "):
        name, _, text = line[7:].partition(" ")
        assert re.fullmatch(name_re, name) and text, (n, line)
        continue
    if line.startswith("# TYPE "):
        name, typ = line[7:].split(" ")
        assert typ in ("counter", "gauge"), (n, line)
        assert name not in families, ("two TYPE lines", n, name)
        families[name] = typ
        if order:
            done.add(order[-1])
        order.append(name)
        continue
    assert not line.startswith("#"), (n, line)
    m = sample.match(line)
    assert m, ("not a sample", n, line)
    name = m.group(1)
    assert name.startswith("tunnat_"), (n, name)
    assert name == order[-1], ("sample outside its family", n, line)
    assert families[name] != "counter" or name.endswith("_total"), name
    v = float(m.group(3))
    labels = tuple(sorted(re.findall(r'([a-zA-Z_]\w*)="([^"]*)"', m.group(2) or "")))
    assert (name, labels) not in samples, ("twice", n, line)
    samples[(name, labels)] = v
d = json.load(open(sys.argv[2]))
def s(name, **l):
    return samples[(name, tuple(sorted(l.items())))]
for direction in ("outbound", "inbound"):
    for proto in ("tcp", "udp", "icmp", "gre", "other"):
        assert s("tunnat_packets_total", direction=direction, protocol=proto) == \
            d["packets"][direction][proto]
for reason, v in d["drops"].items():
    assert s("tunnat_drops_total", reason=reason) == v, reason
for proto in ("tcp", "udp", "icmp", "gre", "other"):
    assert s("tunnat_sessions", protocol=proto) == d["sessions"][proto]["active"]
assert s("tunnat_ports_used", address="203.0.113.1", protocol="udp") == \
    d["ports"]["203.0.113.1"]["udp"]["used"]
assert s("tunnat_alg_calls_total", alg="pptp") == d["alg"]["pptp"]["calls"]
print(len(families), "families,", len(samples), "samples")
EOF

# every name of every counter path is in tunnatctl(8) (but addresses and
# drop reasons, which the page gives as ADDR and REASON)
ctl stats >"$WORK/stats.txt"
check "tunnatctl(8) names every part of every counter's path" \
	/usr/bin/python3 - "$WORK/stats.txt" \
	"$TOP_SRCDIR/man/tunnatctl.8.in" <<'EOF'
import re, sys
page = open(sys.argv[2]).read().replace("\\-", "-")
words = set(re.findall(r"[a-z_]+(?:-[a-z]+)*", page))
missing = set()
for line in open(sys.argv[1]):
    parts = line.split()[0].split("/")
    for i, part in enumerate(parts):
        if re.fullmatch(r"[0-9.]+", part) or (parts[0] == "drops" and i):
            continue
        if part not in words:
            missing.add(part)
assert not missing, "not in tunnatctl(8): %s" % " ".join(sorted(missing))
EOF

# --- flush -------------------------------------------------------------------
udp_before=$(count_json -p udp | cut -d' ' -f1)
check "flush -p udp ends the $udp_before UDP sessions" sh -c \
	"'$TUNNATCTL' -s '$WORK/ctl.sock' flush -p udp |
	 grep -qx '$udp_before sessions flushed'"
check "no UDP session is left" test "$(count_json -p udp)" = "0 False"
check "the other sessions stay: the three pings" \
	test "$(count_json -p icmp)" = "3 False"
check "the ports rest: 192.168.1.10:700 now leaves from another port" sh -c \
	"ip netns exec $NS_LAN $PEER udp-client 192.168.1.10:700 198.51.100.1 5002 1 &&
	 '$TUNNATCTL' -s '$WORK/ctl.sock' sessions -p udp --inside 192.168.1.10:700 |
	 grep -v '203.0.113.1:700 ' | grep -q '203.0.113.1:'"

# --- errors --------------------------------------------------------------------
expect_status() {
	want=$1
	shift
	rc=0
	"$@" >"$WORK/out" 2>&1 || rc=$?
	cat "$WORK/out"
	[ "$rc" -eq "$want" ]
}
check "bad filter: usage error 64" expect_status 64 \
	"$TUNNATCTL" -s "$WORK/ctl.sock" sessions --inside 192.168.1.300
check "unknown command: 64" expect_status 64 \
	"$TUNNATCTL" -s "$WORK/ctl.sock" frobnicate
check "stats takes no --limit: 64" expect_status 64 \
	"$TUNNATCTL" -s "$WORK/ctl.sock" stats --limit 3
check "--json and --prometheus: 64" expect_status 64 \
	"$TUNNATCTL" -s "$WORK/ctl.sock" stats --json --prometheus
check "nothing listens: 69" expect_status 69 \
	"$TUNNATCTL" -s "$WORK/none.sock" stats
check "TUNNAT_SOCKET names the socket" sh -c \
	"TUNNAT_SOCKET='$WORK/ctl.sock' '$TUNNATCTL' stats | grep -q '^sessions/active '"

# --- the examples of tunnatctl(8) work when pasted ---------------------------
# (the lines of its EXAMPLES that start with "tunnatctl " or "tunnat ",
# with TUNNAT_SOCKET naming this test's socket)
awk '/^\.SH / { on = ($0 == ".SH EXAMPLES") } on' \
	"$TOP_SRCDIR/man/tunnatctl.8.in" |
	awk '/^\.EX$/ { ex = 1; next } /^\.EE$/ { ex = 0 } ex' |
	sed -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" -e 's/\\e/\\/g' |
	grep -E '^tunnatctl |^tunnat ' >"$WORK/examples" || true
check "tunnatctl(8) has examples to run" test -s "$WORK/examples"
bindir=$(dirname "$TUNNATCTL")
while read -r example; do
	check "example: $example" sh -c "cd '$WORK' &&
		PATH='$bindir':\"\$PATH\" TUNNAT_SOCKET='$WORK/ctl.sock' $example"
done <"$WORK/examples"

check "SIGTERM stops tunnat with status 0" tunnat_stop
lab_end
