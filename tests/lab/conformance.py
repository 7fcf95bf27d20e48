#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# conformance.py - black-box BEHAVE conformance of tunnat, one test per row
#
# Every test is named after the row of shared/reference/nat-requirements.md
# it checks (row15_filtering_adf_udp checks row 15); tests/lab/
# conformance-rows.md lists every row with its tests.  tunnat runs for real
# between the two network namespaces conformance.sh made; conflib.py
# injects hand-built IPv4 packets on one side and captures what tunnat
# writes on the other, checking every checksum of every packet:
#
#   namespace LAN (no addresses)            namespace WAN (no addresses)
#   AF_PACKET on tin<ID>  <--fd-- tunnat --fd-->  AF_PACKET on tout<ID>
#   inside hosts 10.0.x.y          pool 203.0.113.1   remotes 198.51.100.x,
#   (packets we write)             (group "pool":     192.0.2.x (packets we
#                                   more addresses)    write)
#
# Tests are grouped by the configuration they need (group() below); tunnat
# is restarted for each group.  The timer groups set
# nat.allow-short-timeouts with timers of 4 seconds (TCP established: 8)
# and run their tests in parallel, each on hosts and ports of its own;
# "alive" is probed MARGIN before a timer ends and "gone" MARGIN after.
#
# Usage (conformance.sh runs it as root):
#   conformance.py --lan NS --wan NS --id ID --work DIR --tunnat PATH
#                  --tunnatctl PATH --srcdir TOP_SRCDIR [--only NAME,...]
#                  [--seed N]
#   conformance.py --list
# Exit status: 0 all passed, 1 a test failed, 99 the lab itself broke.

import calendar
import os
import re
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conflib import *  # noqa: E402,F401,F403
from conflib import (  # noqa: E402
    A, F, P, R, S, ICMP, IP, TCP, UDP, Raw, IPOption_LSRR, IPOption_NOP,
    IPOption_SSRR)

T = 4.0             # the short timers: udp, icmp, other, tcp-transitory
T_EST = 8.0         # tcp-established
HOLD = 4.0          # port-holddown
MARGIN = 1.5        # probe this long before a timer ends, or after
SWEEP = 1.0         # a mapping or filter may outlive its session this much

SHORT = {"allow-short-timeouts": True, "port-holddown": int(HOLD),
         "timeouts": {"udp": int(T), "icmp": int(T), "other": int(T),
                      "gre": int(T), "tcp-transitory": int(T),
                      "tcp-established": int(T_EST)}}

group("config", raw=True)
group("default")
group("pool", pool=[PUB, "203.0.113.9", "203.0.113.64", "203.0.113.65",
                    "203.0.113.66", "203.0.113.67"],
      nat={"addresses": [PUB, "203.0.113.9", "203.0.113.64/30"]})
group("filter1", nat={"filtering": {"tcp": "address-dependent",
                                    "udp": "address-and-port-dependent",
                                    "icmp": "address-dependent"}})
group("filter2", nat={"filtering": {"tcp": "address-and-port-dependent",
                                    "udp": "address-dependent",
                                    "icmp": "address-and-port-dependent"}})
group("ports4", nat={"ports": "2000-2003"})
group("hostlimit", nat={"ports": "1024-65535", "max-sessions-per-host": 3})
group("tablefull", nat={"max-sessions": 4, "icmp-on-failure": False})
group("mapfull")
group("exempt", nat={"exempt": ["198.51.100.128/25"],
                     "inside-prefixes": ["10.0.0.0/17"],
                     "port-parity": False})
group("forwards", top={"forwards": [
    {"protocol": "tcp", "public": PUB + ":8080", "inside": "10.0.0.50:80"},
    {"protocol": "udp", "public": PUB + ":5000-5009",
     "inside": "10.0.0.51:6000-6009", "from": ["198.51.100.0/24"]},
    {"protocol": "sctp", "public": PUB, "inside": "10.0.0.52"}]})
group("mtu_out", outside={"mtu": 1280})
group("mtu_in", inside={"mtu": 1280})
group("alg_pptp", top={"alg": {"pptp": {"enabled": True}}})
group("timers", parallel=True,
      nat=dict(SHORT, **{"unsolicited-syn": "reject"}),
      top={"log": {"mappings": True}})
group("timers_inbound", parallel=True,
      nat=dict(SHORT, **{"inbound-refresh": True}))


# ======================================================================
# Configuration checks (tunnat -t): rows 11, 24, 28

def tunnat_check(c, text):
    """tunnat -t on a configuration: (exit status, output)."""
    path = os.path.join(c.run.lab.work, "conformance-check.yaml")
    with open(path, "w") as f:
        f.write(text)
    r = subprocess.run([c.run.lab.tunnat, "-t", "-c", path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=10)
    return r.returncode, r.stdout.decode(errors="replace")


@case("config")
def row11_address_conflicts_rejected(c):
    """RFC 4787 REQ-7: inside and outside addresses that cannot be told
    apart are refused before anything runs (exit 78, the key named)."""
    lab = c.run.lab
    bad = [
        ("nat.inside-prefixes", lab.config(nat={
            "inside-prefixes": ["203.0.113.0/24"]})),
        ("nat.exempt", lab.config(nat={"exempt": ["203.0.113.1"]})),
        ("inside.address", lab.config(inside={"address": PUB + "/24"})),
        ("inside.router-address", lab.config(inside={
            "router-address": PUB})),
        ("forwards", lab.config(top={"forwards": [
            {"protocol": "udp", "public": PUB + ":53",
             "inside": PUB + ":53"}]})),
    ]
    for key, text in bad:
        rc, out = tunnat_check(c, text)
        c.check(rc == 78 and key in out,
                "a configuration whose %s overlaps the public pool: exit "
                "%d (want 78), output:\n%s" % (key, rc, out))
    rc, out = tunnat_check(c, lab.config(nat={
        "inside-prefixes": ["10.0.0.0/8"]}))
    c.check(rc == 0, "a valid configuration was refused:\n" + out)


@case("config")
def row28_timer_minimums_enforced(c):
    """RFC 6146 section 4 constants as floors: below the RFC minimums a
    timer is refused (naming the requirement) unless the lab override
    nat.allow-short-timeouts is set; at the minimum it is accepted."""
    lab = c.run.lab
    floors = [("udp", 120, "RFC 4787 REQ-5"),
              ("tcp-established", 7440, "RFC 5382 REQ-5"),
              ("icmp", 60, "RFC 5508 REQ-2")]
    for key, low, req in floors:
        rc, out = tunnat_check(c, lab.config(nat={"timeouts": {key: low}}))
        c.check(rc == 0, "timeouts.%s: %d (the minimum) refused:\n%s" %
                (key, low, out))
        rc, out = tunnat_check(c, lab.config(nat={"timeouts":
                                                  {key: low - 1}}))
        c.check(rc == 78 and req in out and key in out,
                "timeouts.%s: %d (below %s) gave exit %d:\n%s" %
                (key, low - 1, req, rc, out))
        rc, out = tunnat_check(c, lab.config(nat={
            "timeouts": {key: 1}, "allow-short-timeouts": True}))
        c.check(rc == 0, "timeouts.%s: 1 with allow-short-timeouts "
                "refused:\n%s" % (key, out))
    rc, out = tunnat_check(c, lab.config(nat={"port-holddown": 119}))
    c.check(rc == 78 and "RFC 6888 REQ-8" in out,
            "port-holddown: 119 gave exit %d:\n%s" % (rc, out))


@case("config")
def row24_open_close_timers_separate(c):
    """RFC 7857 section 2.1: "a NAT SHOULD provide different configurable
    parameters for configuring the open and closing idle timeouts".
    nat.timeouts.tcp-opening and tcp-closing, 2 s and 5 s here: a
    connection only opening is gone after 2 s, one closed by FIN both
    ways lives past that and is gone after 5 s."""
    lab = c.run.lab
    conf = lab.config(nat={"allow-short-timeouts": True, "timeouts": {
        "tcp-opening": 2, "tcp-closing": 5, "tcp-established": 60}})
    rc, out = tunnat_check(c, conf)
    c.check(rc == 0, "no separate opening and closing TCP timers: tunnat "
            "-t exit %d:\n%s" % (rc, out))
    run = GroupRun(lab, "row24", {"pool": [PUB]})
    run.tunnat = Tunnat(lab, "row24", conf)
    t = Ctx(run, "row24")
    try:
        t0 = time.monotonic()
        h1, p1, h2, p2 = new_host(), new_port(), new_host(), new_port()
        a = t.out_tcp(h1, p1, Y1, 80)
        pub, pp, cs, ss = t.handshake(h2, p2, Y1, 80)
        t.out_tcp(h2, p2, Y1, 80, F | A, cs, ss)
        t.in_tcp(Y1, 80, pub, pp, (h2, p2), F | A, ss, cs + 1)
        at(t0, 2.0 + MARGIN)
        t.in_tcp(Y1, 80, a.src, a.sport, flags=S | A, ack=a.seq + 1,
                 expect=False)
        t.in_tcp(Y1, 80, pub, pp, (h2, p2), A, ss + 1, cs + 1)
        at(t0, 2.0 + MARGIN + 5.0 + MARGIN)
        t.in_tcp(Y1, 80, pub, pp, flags=A, seq=ss + 1, ack=cs + 1,
                 expect=False)
        t.lan.poll(0.02)
        t.check(not t.lan.bad + t.wan.bad, "bad packets captured:\n" +
                "\n".join(t.lan.bad + t.wan.bad))
    finally:
        t.close()
        run.tunnat.stop()


# ======================================================================
# Mapping (rows 1-8, 10, 12, 13)

@case("default")
def row01_eim_udp(c):
    """RFC 4787 REQ-1: one inside endpoint, one public endpoint, whatever
    the destination; replies from each destination come back."""
    h, p = new_host(), new_port()
    a = c.out_udp(h, p, Y1, 7, moved=True)
    b = c.out_udp(h, p, Y2, 9)
    d = c.out_udp(h, p, Y1, 8)
    c.eq((b.src, b.sport), (a.src, a.sport), "to %s:9 vs %s:7" % (Y2, Y1))
    c.eq((d.src, d.sport), (a.src, a.sport), "to %s:8 vs %s:7" % (Y1, Y1))
    for y, yp in ((Y1, 7), (Y2, 9), (Y1, 8)):
        c.in_udp(y, yp, a.src, a.sport, (h, p))


@case("default")
def row01_eim_tcp(c):
    """RFC 5382 REQ-1: the same for TCP connections."""
    h, p = new_host(), new_port()
    a = c.out_tcp(h, p, Y1, 80, moved=True)
    b = c.out_tcp(h, p, Y2, 443)
    d = c.out_tcp(h, p, Y3, 80)
    c.eq((b.src, b.sport), (a.src, a.sport), "SYN to %s:443" % Y2)
    c.eq((d.src, d.sport), (a.src, a.sport), "SYN to %s:80" % Y3)


@case("default")
def row02_eim_icmp_id(c):
    """RFC 5508 REQ-1a: an echo identifier keeps one translation whatever
    the peer; each peer's reply gets the inside identifier back."""
    h, i = new_host(), new_icmp_id()
    a = c.out_echo(h, i, Y1, moved=True)
    b = c.out_echo(h, i, Y2)
    c.eq((b.src, b.iid), (a.src, a.iid), "echo id to %s vs %s" % (Y2, Y1))
    c.in_echo_reply(Y1, a.src, a.iid, (h, i))
    c.in_echo_reply(Y2, a.src, a.iid, (h, i))


@case("pool")
def row03_paired_pooling(c):
    """RFC 4787 REQ-2: with six public addresses, one inside host leaves
    from one address for every UDP, TCP and ICMP flow; many hosts are
    spread over the pool, each on one address."""
    h = new_host()
    seen = set()
    for k in range(20):
        seen.add(c.out_udp(h, new_port(), Y1 if k % 2 else Y2, 53).src)
        seen.add(c.out_tcp(h, new_port(), Y1, 80 + k).src)
    for k in range(5):
        seen.add(c.out_echo(h, new_icmp_id(), Y3).src)
    c.eq(len(seen), 1, "public addresses of one host's 45 flows: %s" %
         sorted(seen))
    used = set()
    for _ in range(40):
        g = new_host()
        addrs = {c.out_udp(g, new_port(), Y1, 53).src,
                 c.out_tcp(g, new_port(), Y2, 80).src,
                 c.out_echo(g, new_icmp_id(), Y1).src}
        c.eq(len(addrs), 1, "public addresses of host %s" % g)
        used |= addrs
    c.check(len(used) >= 2, "40 hosts all used one address: %s" % used)
    c.state_used = used


@case("pool")
def row13_pool_ranges(c):
    """RFC 6888 REQ-3: a pool of non-contiguous ranges (203.0.113.1,
    .9 and the block .64/30): flows land in the single addresses and in
    the block, and only on pool addresses."""
    used = set()
    for _ in range(40):
        used.add(c.out_udp(new_host(), new_port(), Y1, 53).src)
    block = {a for a in used if a.startswith("203.0.113.6")}
    single = used - block
    c.check(used <= set(c.run.pool), "addresses outside the pool: %s" %
            (used - set(c.run.pool)))
    c.check(block and single, "40 hosts used %s: not both the block "
            "and the single addresses" % sorted(used))


@case("default")
def row04_no_port_overloading(c):
    """RFC 4787 REQ-3, RFC 5382 REQ-7: two inside hosts with the same
    source port to the same remote endpoint get different public ports,
    and each reply reaches its own host."""
    h1, h2 = new_host(), new_host()
    for proto in ("udp", "tcp"):
        if proto == "udp":
            p, a = c.kept("udp", h1, Y1, 3478)
            b = c.out_udp(h2, p, Y1, 3478)
        else:
            p, a = c.kept("tcp", h1, Y1, 80)
            b = c.out_tcp(h2, p, Y1, 80)
        c.check((a.src, a.sport) != (b.src, b.sport),
                "%s: both hosts left from %s:%d" % (proto, a.src, a.sport))
        if proto == "udp":
            c.in_udp(Y1, 3478, a.src, a.sport, (h1, p))
            c.in_udp(Y1, 3478, b.src, b.sport, (h2, p))
        else:
            c.in_tcp(Y1, 80, a.src, a.sport, (h1, p), S | A, None,
                     a.seq + 1)
            c.in_tcp(Y1, 80, b.src, b.sport, (h2, p), S | A, None,
                     b.seq + 1)


@case("default")
def row05_port_class(c):
    """RFC 4787 REQ-3a: a source port below 1024 maps below 1024, one
    above to one above, when the port has to change."""
    h0 = new_host()
    c.eq(c.out_udp(h0, 123, Y1, 123).sport, 123, "a free low port is kept")
    hi, _ = c.kept("udp", h0, Y1, 123)
    lows, highs = set(), set()
    for _ in range(10):
        h = new_host()
        lows.add(c.out_udp(h, 123, Y1, 123).sport)
        highs.add(c.out_udp(h, hi, Y1, 123).sport)
    c.check(all(1 <= x <= 1023 and x != 123 for x in lows) and
            len(lows) == 10, "source port 123 moved to %s" % sorted(lows))
    c.check(all(x >= 1024 and x != hi for x in highs) and len(highs) == 10,
            "source port %d moved to %s" % (hi, sorted(highs)))


def port_of_parity(odd):
    """A fresh port, even or ODD."""
    while True:
        p = new_port()
        if p % 2 == odd:
            return p


@case("default")
def row06_port_parity(c):
    """RFC 4787 REQ-4 (nat.port-parity, on by default): a moved port
    keeps its parity."""
    even, odd = port_of_parity(0), port_of_parity(1)
    c.squat("udp", even, Y1, 5004)
    c.squat("udp", odd, Y1, 5005)
    moved = []
    for _ in range(30):
        h = new_host()
        moved.append((even, c.out_udp(h, even, Y1, 5004).sport))
        moved.append((odd, c.out_udp(h, odd, Y1, 5005).sport))
    wrong = [(a, b) for a, b in moved if a % 2 != b % 2]
    c.check(not wrong, "parity changed (inside, public): %s" % wrong)
    c.check(all(a != b for a, b in moved), "a taken port was given again")


@case("exempt")
def row06_port_parity_off(c):
    """RFC 7857 section 8 lets parity preservation be turned off
    (nat.port-parity: false): moved ports then take either parity."""
    even = port_of_parity(0)
    c.squat("udp", even, Y1, 5004)
    changed = 0
    for _ in range(30):
        b = c.out_udp(new_host(), even, Y1, 5004).sport
        changed += b % 2
    c.check(changed > 0, "30 moved ports all kept their parity with "
            "port-parity: false")


@case("default")
def row08_port_randomization(c):
    """RFC 7857 section 9, RFC 6056: ports the NAT picks are not
    predictable: 60 colliding flows get distinct, scattered ports."""
    p = new_port()
    c.out_udp(new_host(), p, Y1, 53)
    got = [c.out_udp(new_host(), p, Y1, 53).sport for _ in range(60)]
    c.eq(len(set(got)), 60, "distinct ports")
    steps = [abs(b - a) for a, b in zip(got, got[1:])]
    close = sum(1 for s in steps if s <= 16)
    c.check(close <= 3, "%d of 59 successive ports are within 16 of each "
            "other (sequential?): %s" % (close, got))
    c.check(max(got) - min(got) > 16384, "60 ports span only %d..%d" %
            (min(got), max(got)))


@case("default")
def row10_protocols_independent(c):
    """RFC 7857 sections 5-6: a TCP mapping opens no UDP or ICMP port,
    and a UDP mapping no TCP port (filtering is endpoint-independent
    here, so any remote could use a mapping of the right protocol)."""
    h = new_host()
    # a TCP mapping on a port no UDP or ICMP mapping held before
    t = c.mapped_on_free("tcp", ("udp", "icmp"),
                         lambda p: c.out_tcp(h, p, Y1, 80))
    c.in_udp(Y1, 80, t.src, t.sport, expect=False)
    c.in_echo_reply(Y1, t.src, t.sport, expect=False)
    u = c.mapped_on_free("udp", ("tcp",), lambda p: c.out_udp(h, p, Y1, 53))
    c.in_tcp(Y1, 53, u.src, u.sport, flags=S, expect=False)
    c.in_tcp(Y1, 53, u.src, u.sport, flags=A, expect=False)
    # the mappings work for their own protocol from anyone (EIF)
    c.in_udp(Y2, 53, u.src, u.sport, (h, u.sent.sport))
    c.in_tcp(Y2, 80, t.src, t.sport, (h, t.sent.sport), flags=S)


# ======================================================================
# Filtering (rows 15, 17)

EI, AD, APD = "endpoint-independent", "address-dependent", \
    "address-and-port-dependent"


def filtering_udp(c, mode):
    """After X:x sent to Y1:y1: Y1:y1 always gets in; Y1 from another
    port under EIF and ADF only; Y2 under EIF only.  Each refusal is
    counted as drop-filtered."""
    h, p = new_host(), new_port()
    a = c.out_udp(h, p, Y1, 3478)
    before = c.drop("filtered")
    c.in_udp(Y1, 3478, a.src, a.sport, (h, p))
    c.in_udp(Y1, 3479, a.src, a.sport, (h, p), expect=mode in (EI, AD))
    c.in_udp(Y2, 3478, a.src, a.sport, (h, p), expect=mode == EI)
    c.in_udp(Y3, 9, a.src, a.sport, (h, p), expect=mode == EI)
    want = {EI: 0, AD: 2, APD: 3}[mode]
    c.eq(c.drop("filtered") - before, want, "drop-filtered counted")


def filtering_tcp(c, mode):
    """After X:x opened a connection to Y1:80: a new connection (SYN)
    from Y1:81 gets in under EIF and ADF, one from Y2 under EIF only; a
    segment of no connection never does."""
    h, p = new_host(), new_port()
    a = c.out_tcp(h, p, Y1, 80)
    before = c.drop("unsolicited-syn")
    c.in_tcp(Y1, 80, a.src, a.sport, (h, p), S | A, None, a.seq + 1)
    c.in_tcp(Y1, 81, a.src, a.sport, (h, p), S, expect=mode in (EI, AD))
    c.in_tcp(Y2, 80, a.src, a.sport, (h, p), S, expect=mode == EI)
    c.in_tcp(Y2, 443, a.src, a.sport, (h, p), A, expect=False)
    want = {EI: 0, AD: 1, APD: 2}[mode]
    c.eq(c.drop("unsolicited-syn") - before, want,
         "drop-unsolicited-syn counted (filtered SYNs are held)")


def filtering_icmp(c, mode):
    """After X pinged Y1: Y1's reply always gets in, Y2's (same
    identifier) under EIF only.  An echo has no remote port, so
    address-and-port-dependent filtering is address-dependent."""
    h, i = new_host(), new_icmp_id()
    a = c.out_echo(h, i, Y1)
    before = c.drop("filtered")
    c.in_echo_reply(Y1, a.src, a.iid, (h, i))
    c.in_echo_reply(Y2, a.src, a.iid, (h, i), expect=mode == EI)
    c.eq(c.drop("filtered") - before, 0 if mode == EI else 1,
         "drop-filtered counted")


@case("default")
def row15_filtering_eif_udp(c):
    filtering_udp(c, EI)


@case("default")
def row15_filtering_eif_tcp(c):
    filtering_tcp(c, EI)


@case("default")
def row15_filtering_eif_icmp(c):
    filtering_icmp(c, EI)


@case("filter1")
def row15_filtering_adf_tcp(c):
    filtering_tcp(c, AD)


@case("filter1")
def row15_filtering_apdf_udp(c):
    filtering_udp(c, APD)


@case("filter1")
def row15_filtering_adf_icmp(c):
    filtering_icmp(c, AD)


@case("filter2")
def row15_filtering_apdf_tcp(c):
    filtering_tcp(c, APD)


@case("filter2")
def row15_filtering_adf_udp(c):
    filtering_udp(c, AD)


@case("filter2")
def row15_filtering_apdf_icmp(c):
    filtering_icmp(c, APD)


@case("filter1")
def row17_icmp_errors_not_filtered(c):
    """RFC 4787 REQ-12a: under address-and-port-dependent filtering an
    ICMP error about a flow reaches the inside host whoever sent it: a
    router on the path, or another host."""
    h, p = new_host(), new_port()
    a = c.out_udp(h, p, Y1, 53, moved=True)
    for src, itype, code in ((WANRTR, 3, 1), (Y2, 3, 3), (WANRTR, 11, 0)):
        c.wan.send(c.error_pkt(src, a.src, itype, code, a.raw))
        e = c.lan.expect(lambda q: q.itype == itype and q.icode == code and
                         q.src == src, "ICMP %d/%d from %s" % (itype, code,
                                                              src))
        c.eq(e.dst, h, "the error's destination")
        c.eq((e.inner.src, e.inner.sport), (h, p), "the quoted source")


# ======================================================================
# Exemptions and inside prefixes (rows 18, 19)

@case("exempt")
def row18_exempt_destinations(c):
    """RFC 6888 REQ-6 (nat.exempt: 198.51.100.128/25): packets to an
    exempt destination leave untranslated and its answers come back
    untranslated; other destinations are translated as ever."""
    h, p, ex = new_host(), new_port(), "198.51.100.200"
    data = new_token()
    c.lan.send(IP(src=h, dst=ex, id=4321) / UDP(sport=p, dport=53) /
               Raw(data))
    got = c.wan.expect(lambda q: q.payload == data, "UDP to exempt " + ex)
    c.eq((got.src, got.sport, got.dst, got.dport, got.id, got.ttl),
         (h, p, ex, 53, 4321, 63), "the exempt packet as it left")
    data = new_token()
    c.wan.send(IP(src=ex, dst=h) / UDP(sport=53, dport=p) / Raw(data))
    back = c.lan.expect(lambda q: q.payload == data, "answer from " + ex)
    c.eq((back.src, back.sport, back.dst, back.dport), (ex, 53, h, p),
         "the answer as it came in")
    a = c.out_udp(h, p, Y1, 53)
    c.eq(a.src, PUB, "a packet to %s is translated" % Y1)
    # a remote that is not exempt cannot reach an inside address
    c.in_udp(Y1, 53, h, p, expect=False)


@case("exempt")
def row19_inside_prefixes_only(c):
    """nat.inside-prefixes: 10.0.0.0/17: a source outside the prefixes is
    dropped and counted, one inside is translated."""
    before = c.drop("not-inside-prefix")
    c.out_udp("10.0.200.9", new_port(), Y1, 53, expect=False)
    c.out_tcp("10.0.200.9", new_port(), Y1, 80, expect=False)
    c.eq(c.drop("not-inside-prefix") - before, 2, "drop-not-inside-prefix")
    c.out_udp(new_host(), new_port(), Y1, 53)


# ======================================================================
# Exhaustion, limits, failure (rows 4, 5, 12, 41, 60, 61, 62)

@setup("ports4")
def ports4_fill(c):
    """nat.ports: 2000-2003: four inside hosts take the four ports."""
    held = []
    for _ in range(4):
        h = new_host()
        a = c.out_udp(h, 5000, Y1, 53)
        held.append((h, a.sport))
    c.run.state["held"] = held


def refused_with_icmp(c, src, sport, dst, dport, tos=0):
    """A new UDP flow that gets no session: nothing leaves, and the
    sender hears ICMP 3/13 from the router address quoting its packet."""
    data = new_token()
    sent = Pkt(c.lan.send(IP(src=src, dst=dst, tos=tos, id=rand_id()) /
                          UDP(sport=sport, dport=dport) / Raw(data)))
    e = c.lan.expect(lambda q: q.itype == 3 and q.dst == src and
                     q.inner is not None and q.inner.payload == data,
                     "ICMP error for a refused flow from %s" % src)
    c.eq((e.src, e.itype, e.icode), (ROUTER, 3, 13),
         "the refusal (source, type, code)")
    c.eq(e.inner.raw, sent.raw, "the refused packet, quoted whole")
    c.eq(e.tos, tos, "the error's TOS (RFC 5508 7.7: DSCP copied)")
    c.none(c.wan, lambda q: q.payload == data, "the refused packet")


@case("ports4")
def row04_exhausted_pool_shares_nothing(c):
    """RFC 4787 REQ-3: with every port taken a fifth host's flow fails;
    no port is shared or taken from its holder."""
    held = c.run.state["held"]
    c.eq(sorted(p for _, p in held), [2000, 2001, 2002, 2003],
         "the four hosts' public ports")
    before = c.drop("no-free-port")
    refused_with_icmp(c, new_host(), 5000, Y1, 53)
    c.eq(c.drop("no-free-port") - before, 1, "drop-no-free-port")
    for h, pp in held:
        c.in_udp(Y1, 53, PUB, pp, (h, 5000))


@case("ports4")
def row12_exhaustion_is_deterministic(c):
    """RFC 4787 REQ-11: exhausted, the NAT still maps and filters as
    before: existing mappings keep their ports toward new destinations
    (EIM), any remote still reaches them (EIF), new ones keep failing."""
    for h, pp in c.run.state["held"]:
        a = c.out_udp(h, 5000, Y2, 99)
        c.eq(a.sport, pp, "the mapping of %s toward a new destination" % h)
        c.in_udp(Y2, 99, PUB, pp, (h, 5000))
        c.in_udp(Y3, 7, PUB, pp, (h, 5000))
    for _ in range(2):
        refused_with_icmp(c, new_host(), new_port(), Y1, 53)


@case("ports4")
def row41_icmp_on_failure(c):
    """RFC 5508 REQ-8 (nat.icmp-on-failure, the default): a flow that
    gets no session is answered with destination unreachable, code 13,
    from inside.router-address, with the sender's DSCP; a TCP SYN too."""
    refused_with_icmp(c, new_host(), new_port(), Y1, 53, tos=0x48)
    for _ in range(4):          # TCP has ports 2000-2003 of its own
        c.out_tcp(new_host(), 5000, Y1, 80)
    h, p, seq = new_host(), new_port(), rand_seq()
    c.lan.send(IP(src=h, dst=Y1) / TCP(sport=p, dport=80, flags="S",
                                       seq=seq))
    e = c.lan.expect(lambda q: q.itype == 3 and q.dst == h,
                     "ICMP error for a refused SYN")
    c.eq((e.src, e.icode, e.inner.sport, e.inner.seq), (ROUTER, 13, p, seq),
         "the refusal of the SYN")


@case("hostlimit")
def row60_ports_per_host_limited(c):
    """RFC 6888 REQ-4 (nat.max-sessions-per-host: 3): a host's fourth
    port (or ICMP identifier) is refused with ICMP 3/13; its first three
    flows go on; other hosts are not affected."""
    h = new_host()
    flows = [c.out_udp(h, new_port(), Y1, 53) for _ in range(3)]
    before = c.drop("host-session-limit")
    refused_with_icmp(c, h, new_port(), Y1, 53)
    c.eq(c.drop("host-session-limit") - before, 1, "drop-host-session-limit")
    for a in flows:
        c.in_udp(Y1, 53, a.src, a.sport, (h, a.sent.sport))
    g = new_host()
    for _ in range(3):
        c.out_udp(g, new_port(), Y1, 53)
    e = new_host()
    for _ in range(3):
        c.out_echo(e, new_icmp_id(), Y1)
    c.out_echo(e, new_icmp_id(), Y1, expect=False)
    c.eq(c.drop("host-session-limit") - before, 2,
         "drop-host-session-limit after the fourth identifier")


@case("hostlimit")
def row61_sessions_per_host_limited(c):
    """RFC 6888 REQ-5: the same limit counts sessions, so one mapping
    talking to many remotes is held to it too."""
    h, p = new_host(), new_port()
    a = [c.out_udp(h, p, y, 53) for y in (Y1, Y2, Y3)]
    c.eq(len({(x.src, x.sport) for x in a}), 1, "one mapping")
    refused_with_icmp(c, h, p, "198.51.100.9", 53)
    for y in (Y1, Y2, Y3):
        c.in_udp(y, 53, a[0].src, a[0].sport, (h, p))


@case("hostlimit")
def row05_low_port_outside_pool_refused(c):
    """RFC 4787 REQ-3a with nat.ports: 1024-65535: a source port below
    1024 gets no mapping (there is no port of its class), and says so;
    1024 itself is kept."""
    h = new_host()
    before = c.drop("no-free-port")
    refused_with_icmp(c, h, 123, Y1, 123)
    c.eq(c.drop("no-free-port") - before, 1, "drop-no-free-port")
    c.eq(c.out_udp(h, 1024, Y1, 123).sport, 1024, "port 1024 kept")


@case("mapfull")
def row61_sessions_per_mapping_limited(c):
    """RFC 6888 REQ-5: one mapping holds at most 65535 sessions (tunnat(8),
    Limits): one inside endpoint talks to 65535 remote ports, the next
    remote is refused with ICMP 3/13 and counted; the same host's other
    mappings are not affected."""
    h, p = new_host(), new_port()
    hdr = bytearray(bytes(IP(src=h, dst=Y3, id=1) / UDP(sport=p, dport=1,
                                                        chksum=0) /
                          Raw(b"many")))
    st0 = c.stats()
    for port in range(1, 65536):
        struct.pack_into("!H", hdr, 22, port)          # UDP destination
        c.lan.sock.sendto(bytes(hdr), (c.lan.dev, 0x0800))
        if port % 2000 == 0:
            # the TUN queue holds 4096 packets: let tunnat drain it, and
            # drop our copies of what it sent out
            c.settle(grace=0)
            c.wan.pending.clear()
            c.wan.log.clear()
    c.settle(grace=0)
    c.wan.pending.clear()
    st = c.stats()
    c.eq(st["sessions"] - st0["sessions"], 65535, "sessions on the mapping")
    c.eq(st["mappings"] - st0["mappings"], 1, "mappings")
    refused_with_icmp(c, h, p, "198.51.100.9", 53)
    c.eq(c.drop("mapping-session-limit") -
         c.drop("mapping-session-limit", st0), 1,
         "drop-mapping-session-limit")
    c.out_udp(h, new_port(), Y3, 53)


@setup("tablefull")
def tablefull_fill(c):
    """nat.max-sessions: 4: four flows fill the table."""
    c.run.state["flows"] = [(h, c.out_udp(h, 7000, Y1, 53))
                            for h in (new_host() for _ in range(4))]


@case("tablefull")
def row62_table_full_evicts_nothing(c):
    """RFC 6888 REQ-11: a full table drops the new flow (counted, and
    logged at debug level), never evicts a live one: all four still
    work both ways."""
    before = c.drop("session-table-full")
    c.out_udp(new_host(), new_port(), Y1, 53, expect=False)
    c.out_tcp(new_host(), new_port(), Y1, 80, expect=False)
    st = c.stats()
    c.eq(c.drop("session-table-full", st) - before, 2,
         "drop-session-table-full")
    c.eq(st["sessions"], 4, "sessions")
    for h, a in c.run.state["flows"]:
        c.in_udp(Y1, 53, a.src, a.sport, (h, 7000))
        c.eq(c.out_udp(h, 7000, Y1, 53).sport, a.sport, "flow of " + h)
    c.check("dropped a packet: session-table-full" in c.run.tunnat.text(),
            "no log line about the full table")


@case("tablefull")
def row41_icmp_on_failure_off(c):
    """nat.icmp-on-failure: false: the refused flow is dropped in
    silence (RFC 5508 REQ-8 lets the administrator turn it off)."""
    h = new_host()
    data = new_token()
    c.lan.send(IP(src=h, dst=Y1) / UDP(sport=new_port(), dport=53) /
               Raw(data))
    c.none(c.lan, lambda q: q.proto == 1 and q.dst == h,
           "an ICMP error to the refused sender")
    c.none(c.wan, lambda q: q.payload == data, "the refused packet")


# ======================================================================
# TCP (row 29)

@case("default")
def row29_simultaneous_open(c):
    """RFC 5382 REQ-2a: crossing SYNs: the inside host's SYN goes out,
    the remote's SYN (no ACK) comes in on that connection, both SYN-ACKs
    cross, then data flows both ways and FINs close it."""
    h, p = new_host(), new_port()
    cs, ss = rand_seq(), rand_seq()
    syn = c.out_tcp(h, p, Y1, 4000, S, cs, moved=True)
    c.in_tcp(Y1, 4000, syn.src, syn.sport, (h, p), S, ss)
    c.out_tcp(h, p, Y1, 4000, S | A, cs, ss + 1)
    c.in_tcp(Y1, 4000, syn.src, syn.sport, (h, p), S | A, ss, cs + 1)
    c.out_tcp(h, p, Y1, 4000, A | P, cs + 1, ss + 1, b"hello")
    c.in_tcp(Y1, 4000, syn.src, syn.sport, (h, p), A | P, ss + 1, cs + 6,
             b"world")
    c.out_tcp(h, p, Y1, 4000, F | A, cs + 6, ss + 6)
    c.in_tcp(Y1, 4000, syn.src, syn.sport, (h, p), F | A, ss + 6, cs + 7)
    c.out_tcp(h, p, Y1, 4000, A, cs + 7, ss + 7)


# ======================================================================
# ICMP (rows 32-40, 43-49)

@case("default")
def row32_icmp_queries_pass(c):
    """RFC 5508 REQ-1: echo and timestamp requests from inside go out
    and their replies come back with the inside identifier."""
    for req, rep in ((8, 0), (13, 14)):
        h, i = new_host(), new_icmp_id()
        extra = {"ts_ori": 1000, "ts_rx": 0, "ts_tx": 0} if req == 13 \
            else None
        a = c.out_echo(h, i, Y1, seq=7, itype=req, extra=extra,
                       moved=True)
        r = c.in_echo_reply(Y1, a.src, a.iid, (h, i), seq=7, itype=rep)
        c.eq(r.iseq, 7, "reply sequence number")


def udp_error_in(c, src, itype, code, mtu=0):
    """A UDP flow out, then an error about it from SRC: return (flow,
    the error as delivered)."""
    h, p = new_host(), new_port()
    a = c.out_udp(h, p, Y1, 53, moved=True)
    c.wan.send(c.error_pkt(src, a.src, itype, code, a.raw, mtu))
    e = c.lan.expect(lambda q: q.itype == itype and q.inner is not None and
                     q.inner.payload == a.payload,
                     "ICMP %d/%d about a UDP flow" % (itype, code))
    return a, e


def check_quote_restored(c, e, a, h, p):
    """E quotes flow A as inside host H:P sent it (after its TTL -1)."""
    q = e.inner
    c.eq((q.src, q.sport, q.dst, q.dport), (h, p, a.dst, a.dport),
         "the quoted packet's addresses and ports")
    c.eq((q.id, q.ttl, q.payload), (a.id, a.ttl, a.payload),
         "the rest of the quoted packet")


@case("default")
def row34_unreachable_translated(c):
    """RFC 4787 REQ-12b, RFC 5382 REQ-9: destination unreachable about
    a UDP flow and about a TCP connection reaches the inside host."""
    a, e = udp_error_in(c, WANRTR, 3, 1)
    h, p = a.sent.src, a.sent.sport
    c.eq((e.src, e.dst, e.itype, e.icode), (WANRTR, h, 3, 1), "UDP error")
    check_quote_restored(c, e, a, h, p)
    h, p = new_host(), new_port()
    s = c.out_tcp(h, p, Y1, 80, moved=True)
    c.wan.send(c.error_pkt(Y1, s.src, 3, 3, s.raw))
    e = c.lan.expect(lambda q: q.itype == 3 and q.inner is not None and
                     q.inner.seq == s.seq, "port unreachable about a SYN")
    c.eq((e.src, e.dst, e.icode, e.inner.src, e.inner.sport),
         (Y1, h, 3, h, p), "TCP error")


@case("default")
def row36_inbound_error_translated(c):
    """RFC 5508 REQ-4: an error from outside is sent to the inside host
    with the quoted packet restored (addresses, ports, both checksums:
    row 53), type, code and MTU field unchanged; one about no mapping
    is dropped."""
    a, e = udp_error_in(c, WANRTR, 3, 4, mtu=1400)
    h, p = a.sent.src, a.sent.sport
    c.eq((e.src, e.dst, e.itype, e.icode, e.mtu), (WANRTR, h, 3, 4, 1400),
         "the error's header")
    check_quote_restored(c, e, a, h, p)
    c.check(e.inner.whole and e.inner.l4_csum != 0,
            "the quote should be whole, with its UDP checksum (checked)")
    before = c.drop("icmp-error-no-session")
    stranger = bytes(IP(src=PUB, dst=Y1) / UDP(sport=9, dport=53) /
                     Raw(b"x" * 8))
    c.wan.send(c.error_pkt(WANRTR, PUB, 3, 3, stranger))
    c.none(c.lan, lambda q: q.itype == 3 and q.inner is not None and
           q.inner.dport == 53 and q.inner.dst == Y1 and q.inner.sport == 9,
           "an error about no mapping")
    c.eq(c.drop("icmp-error-no-session") - before, 1,
         "drop-icmp-error-no-session")


@case("default")
def row43_frag_needed_forwarded(c):
    """RFC 5508 7.1.2: fragmentation needed from a router outside
    reaches the right inside host with its next-hop MTU."""
    a, e = udp_error_in(c, WANRTR, 3, 4, mtu=576)
    c.eq((e.dst, e.icode, e.mtu), (a.sent.src, 4, 576), "frag needed")
    check_quote_restored(c, e, a, a.sent.src, a.sent.sport)


@case("default")
def row35_bad_error_checksums_dropped(c):
    """RFC 5508 REQ-3, REQ-3a: an error with a bad ICMP checksum, or
    quoting an IPv4 header with a bad checksum, is dropped and counted."""
    h, p = new_host(), new_port()
    a = c.out_udp(h, p, Y1, 53)
    before = c.drop("bad-icmp-checksum")
    good = bytes(c.error_pkt(WANRTR, a.src, 3, 1, a.raw))
    bad = bytearray(good)
    bad[22] ^= 0x40                     # the ICMP checksum
    c.wan.send(bytes(bad))
    bad_quote = bytearray(a.raw)
    bad_quote[10] ^= 0x40               # the quoted IPv4 header checksum
    c.wan.send(c.error_pkt(WANRTR, a.src, 3, 3, bytes(bad_quote)))
    c.none(c.lan, lambda q: q.itype == 3, "an error with a bad checksum")
    c.eq(c.drop("bad-icmp-checksum") - before, 2, "drop-bad-icmp-checksum")
    c.wan.send(good)
    c.lan.expect(lambda q: q.itype == 3 and q.icode == 1,
                 "the same error with good checksums")


@case("default")
def row37_quoted_ip_options(c):
    """RFC 5508 REQ-3b: the quoted packet has IP options (IHL 6): the
    transport header behind them is still found and restored."""
    h, p = new_host(), new_port()
    c.squat("udp", p, Y1, 53)
    data = new_token()
    c.lan.send(IP(src=h, dst=Y1, options=[IPOption_NOP()] * 4) /
               UDP(sport=p, dport=53) / Raw(data))
    a = c.wan.expect(lambda q: q.payload == data, "UDP with IP options")
    c.eq((a.ihl, a.opts), (24, b"\x01" * 4), "the options, kept")
    c.moved(a.sport, p)
    c.wan.send(c.error_pkt(WANRTR, a.src, 3, 3, a.raw))
    e = c.lan.expect(lambda q: q.itype == 3 and q.inner is not None and
                     q.inner.payload == data, "the error quoting it")
    c.eq((e.dst, e.inner.ihl, e.inner.src, e.inner.sport), (h, 24, h, p),
         "the quoted packet behind its options")


@case("default")
def row38_truncated_quote(c):
    """RFC 5508 REQ-3c: a quote of only the IPv4 header and 8 bytes of
    TCP (RFC 792's minimum; no checksum field) is translated, not
    dropped."""
    h, p = new_host(), new_port()
    s = c.out_tcp(h, p, Y1, 80, moved=True)
    c.wan.send(c.error_pkt(WANRTR, s.src, 11, 0, s.raw[:28]))
    e = c.lan.expect(lambda q: q.itype == 11 and q.inner is not None and
                     q.inner.seq == s.seq, "time exceeded, short quote")
    c.eq((e.dst, e.inner.src, e.inner.sport, e.inner.dport, len(e.quote)),
         (h, h, p, 80, 28), "the short quote, restored")


@case("default")
def row39_icmp_extensions_kept(c):
    """RFC 5508 REQ-3d, RFC 4884: an error with a length field and an
    extension structure: the quote is restored, the extension passes
    byte for byte, the ICMP checksum is right (checked)."""
    h, p = new_host(), new_port()
    a = c.out_udp(h, p, Y1, 53, moved=True)
    body = bytearray(128)
    body[:len(a.raw)] = a.raw
    obj = struct.pack("!HBB", 8, 1, 1) + b"tnat"
    ext = bytearray(struct.pack("!BBH", 0x20, 0, 0) + obj)
    struct.pack_into("!H", ext, 2, 0xffff - sum16(bytes(ext)))
    pkt = IP(src=WANRTR, dst=a.src) / ICMP(type=3, code=3, length=32) / \
        Raw(bytes(body) + bytes(ext))
    c.wan.send(pkt)
    e = c.lan.expect(lambda q: q.itype == 3 and q.inner is not None and
                     q.inner.payload[:len(a.payload)] == a.payload,
                     "the error with extensions")
    c.eq(e.ext_len, 128, "the RFC 4884 length field")
    c.eq(e.l4[8 + 128:], bytes(ext), "the extension structure")
    c.eq((e.dst, e.inner.src, e.inner.sport), (h, h, p), "the quote")


@case("default")
def row40_outbound_error_translated(c):
    """RFC 5508 REQ-5: an inside host's error about a packet it got goes
    out from the public address, quoting the packet as the remote sent
    it; one about no mapping is dropped."""
    h, p = new_host(), new_port()
    a = c.out_udp(h, p, Y1, 53, moved=True)
    got = c.in_udp(Y1, 53, a.src, a.sport, (h, p))
    c.lan.send(c.error_pkt(h, Y1, 3, 3, got.raw))
    e = c.wan.expect(lambda q: q.itype == 3 and q.inner is not None and
                     q.inner.payload == got.payload, "port unreachable out")
    c.eq((e.src, e.dst, e.itype, e.icode), (a.src, Y1, 3, 3),
         "the error's header")
    q = e.inner
    c.eq((q.src, q.sport, q.dst, q.dport), (Y1, 53, a.src, a.sport),
         "the quote, as the remote sent it")
    before = c.drop("icmp-error-no-session")
    other = bytes(IP(src=Y2, dst=h) / UDP(sport=1, dport=new_port()) /
                  Raw(b"nothing"))
    c.lan.send(c.error_pkt(h, Y2, 3, 3, other))
    c.none(c.wan, lambda q: q.itype == 3 and q.dst == Y2,
           "an error about no mapping")
    c.eq(c.drop("icmp-error-no-session") - before, 1,
         "drop-icmp-error-no-session")


@case("default")
def row44_ttl_expiry_answered(c):
    """RFC 5508 7.2: TTL 1 from inside: time exceeded from the router
    address (quoting the packet, DSCP copied: row 47), nothing leaves;
    TTL 2 leaves with 1; TTL 1 from outside: answered from the public
    address."""
    h, p = new_host(), new_port()
    data = new_token()
    sent = Pkt(c.lan.send(IP(src=h, dst=Y1, ttl=1, tos=0xb8) /
                          UDP(sport=p, dport=53) / Raw(data)))
    e = c.lan.expect(lambda q: q.itype == 11 and q.inner is not None and
                     q.inner.payload == data, "time exceeded")
    c.eq((e.src, e.dst, e.icode, e.tos), (ROUTER, h, 0, 0xb8),
         "time exceeded (source, destination, code, TOS)")
    c.eq(e.inner.raw, sent.raw, "the quote: the packet as sent")
    c.none(c.wan, lambda q: q.payload == data, "the expired packet")
    a = c.out_udp(h, p, Y1, 53, ip={"ttl": 2})
    c.eq(a.ttl, 1, "TTL 2 leaves with")
    data = new_token()
    sent = Pkt(c.wan.send(IP(src=Y1, dst=a.src, ttl=1) /
                          UDP(sport=53, dport=a.sport) / Raw(data)))
    e = c.wan.expect(lambda q: q.itype == 11 and q.inner is not None and
                     q.inner.payload == data, "time exceeded outside")
    c.eq((e.src, e.dst), (a.src, Y1), "time exceeded outside (addresses)")
    c.eq(e.inner.raw, sent.raw, "the quote outside")
    c.none(c.lan, lambda q: q.payload == data, "the expired packet")


@case("default")
def row45_source_route_dropped(c):
    """RFC 5508 7.3: loose and strict source routes are dropped, either
    way, and counted."""
    h = new_host()
    before = c.drop("source-route")
    for opt in (IPOption_LSRR(routers=["198.51.100.9"]),
                IPOption_SSRR(routers=["198.51.100.9"])):
        c.out_echo(h, new_icmp_id(), Y1, ip={"options": [opt]},
                   expect=False)
    a = c.out_udp(h, new_port(), Y1, 53)
    c.wan.send(IP(src=Y1, dst=a.src, options=[IPOption_LSRR(
        routers=["198.51.100.9"])]) / UDP(sport=53, dport=a.sport) /
        Raw(b"routed"))
    c.none(c.lan, lambda q: q.payload == b"routed", "a source-routed reply")
    c.eq(c.drop("source-route") - before, 3, "drop-source-route")


@case("default")
def row46_other_icmp(c):
    """RFC 5508 7.4-7.6: what tunnat does with the other ICMP messages
    (tunnat(8), ICMP): parameter problem is an error and is translated;
    address mask and router solicitation are dropped and counted."""
    a, e = udp_error_in(c, WANRTR, 12, 0)
    c.eq((e.dst, e.inner.src), (a.sent.src, a.sent.src),
         "parameter problem, translated")
    h = new_host()
    before = c.drop("unsupported-icmp-type")
    for t in (17, 10):
        data = new_token()
        c.lan.send(IP(src=h, dst=Y1) / ICMP(type=t) / Raw(data))
        c.none(c.wan, lambda q: data in q.raw, "ICMP type %d" % t)
    c.eq(c.drop("unsupported-icmp-type") - before, 2,
         "drop-unsupported-icmp-type")


@case("default")
def row48_icmp_not_blocked(c):
    """RFC 5508 section 10: the default configuration passes ICMP: echo
    out and back, errors in (unreachable, time exceeded) and out."""
    h, i = new_host(), new_icmp_id()
    a = c.out_echo(h, i, Y1, moved=True)
    c.in_echo_reply(Y1, a.src, a.iid, (h, i))
    for t, code in ((3, 0), (11, 0)):
        c.wan.send(c.error_pkt(WANRTR, a.src, t, code, a.raw))
        e = c.lan.expect(lambda q: q.itype == t and q.inner is not None and
                         q.inner.payload == a.payload,
                         "ICMP %d/%d about the echo" % (t, code))
        c.eq((e.inner.src, e.inner.iid), (h, i), "its quote")
    u = c.out_udp(h, new_port(), Y1, 53)
    got = c.in_udp(Y1, 53, u.src, u.sport)
    c.lan.send(c.error_pkt(h, Y1, 3, 3, got.raw))
    c.wan.expect(lambda q: q.itype == 3 and q.src == u.src,
                 "an inside host's error")


@case("default")
def row49_hairpinned_error(c):
    """RFC 5508 REQ-7: A sends UDP to B's public endpoint; B answers
    port unreachable; A gets it with outer destination A and its own
    packet quoted as it sent it."""
    ha, pa, hb, pb = new_host(), new_port(), new_host(), new_port()
    b = c.out_udp(hb, pb, Y1, 53, moved=True)
    c.squat("udp", pa, Y2, 53)          # so that A's port moves too
    data = new_token()
    c.lan.send(IP(src=ha, dst=b.src, id=777) /
               UDP(sport=pa, dport=b.sport) / Raw(data))
    got = c.lan.expect(lambda q: q.payload == data and q.dst == hb,
                       "the hairpinned datagram")
    c.moved(got.sport, pa)
    c.lan.send(c.error_pkt(hb, got.src, 3, 3, got.raw))
    e = c.lan.expect(lambda q: q.itype == 3 and q.dst == ha,
                     "the hairpinned error")
    c.eq(e.src, b.src, "its outer source")
    q = e.inner
    c.eq((q.src, q.sport, q.dst, q.dport, q.id, q.payload),
         (ha, pa, b.src, b.sport, 777, data), "its quote")


@case("default")
def row59_hairpinned_icmp_query(c):
    """RFC 5508 REQ-7, RFC 7857 section 12: an echo request from inside
    to the public address is answered (by tunnat: ICMP cannot be
    forwarded, see tunnat.yaml(5)); hairpinned errors are row 49."""
    h, i = new_host(), new_icmp_id()
    data = new_token()
    c.lan.send(IP(src=h, dst=PUB) / ICMP(type=8, id=i, seq=3) / Raw(data))
    r = c.lan.expect(lambda q: q.itype == 0 and q.payload == data,
                     "echo reply from the public address")
    c.eq((r.src, r.dst, r.iid, r.iseq), (PUB, h, i, 3), "the echo reply")


# ======================================================================
# Checksums (rows 50-53; every packet of every test is checked too)

@case("default")
def row50_checksums_random_traffic(c):
    """RFC 1624: 150 UDP and 150 TCP packets with random ports, lengths,
    payloads and IP IDs, out and back: every checksum verifies (the
    harness checks each) and every payload arrives unchanged.  Half the
    UDP flows have to change their port (the others keep a random one,
    from 40000 up, above the ports the other tests take)."""
    for k in range(150):
        moved = k % 2 == 1
        h = new_host() if k % 10 == 0 else h
        p = new_port() if moved else rng.randrange(40000, 65536)
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 40)))
        data = new_token() + data
        a = c.out_udp(h, p, Y1, rng.randrange(1, 65536), data=data,
                      moved=moved)
        c.in_udp(a.dst, a.dport, a.src, a.sport, (h, p),
                 data=new_token() + data[::-1])
    for k in range(150):
        h = new_host() if k % 10 == 0 else h
        c.out_tcp(h, rng.randrange(40000, 65536), Y2, rng.randrange(1, 65536),
                  A | P, data=new_token() + bytes(rng.randrange(256)
                                                  for _ in range(k % 37)),
                  ack=rand_seq())


@case("default")
def row50_incremental_update_keeps_errors(c):
    """RFC 1624 (and RFC 3022): checksums are adjusted, not recomputed:
    a datagram sent with a wrong UDP checksum leaves wrong by exactly
    the same amount (a recomputation would hide the corruption)."""
    h, p = new_host(), new_port()
    a = c.out_udp(h, p, Y1, 53)
    data = new_token()
    good = bytes(IP(src=h, dst=Y1) / UDP(sport=p, dport=53) / Raw(data))
    bad = bytearray(good)
    off = 20 + 6
    struct.pack_into("!H", bad, off, (u16(good, off) + 0x0101) & 0xffff or 1)
    sent = Pkt(bytes(bad))
    err_in = sum16(pseudo(h, Y1, 17, len(sent.l4)) + sent.l4)
    c.check(err_in != 0xffff, "the test packet is not wrong")
    c.lan.send(bytes(bad))
    got = c.wan.expect(lambda q: q.payload == data, "the corrupt datagram")
    err_out = sum16(pseudo(got.src, got.dst, 17, len(got.l4)) + got.l4)
    c.eq(err_out, err_in, "verification sum before and after (0xffff = "
         "right); the packet on the wire: %r" % got)
    c.eq(got.sport, a.sport, "the same mapping")
    # the harness reported it as bad: that is expected here, once
    c.wan.bad = [b for b in c.wan.bad if "bad UDP checksum" not in b]


@case("default")
def row52_udp_zero_checksum(c):
    """RFC 768: a UDP checksum of 0 (none) stays 0 both ways; a datagram
    whose adjusted checksum computes to 0 leaves as 0xffff, both ways."""
    h, p = new_host(), new_port()
    a = c.out_udp(h, p, Y1, 53, csum=0, moved=True)
    c.eq(a.l4_csum, 0, "outbound checksum 0")
    b = c.in_udp(Y1, 53, a.src, a.sport, (h, p), csum=0)
    c.eq(b.l4_csum, 0, "inbound checksum 0")

    def zero_tail(src, dst, sport, dport, head):
        """Two bytes after HEAD that make the UDP sum of that datagram
        0xffff, i.e. a computed checksum of 0."""
        ulen = 8 + len(head) + 2
        s = sum16(pseudo(src, dst, 17, ulen) +
                  struct.pack("!HHHH", sport, dport, ulen, 0) + head)
        w = 0xffff - s
        tail = struct.pack("!H", w)
        body = struct.pack("!HHHH", sport, dport, ulen, 0) + head + tail
        assert sum16(pseudo(src, dst, 17, ulen) + body) == 0xffff
        return tail

    head = new_token()          # even length: the tail is a 16-bit word
    data = head + zero_tail(a.src, Y1, a.sport, 53, head)
    o = c.out_udp(h, p, Y1, 53, data=data)
    c.eq(o.l4_csum, 0xffff, "a computed 0 sent outbound as")
    head = new_token()
    data = head + zero_tail(Y1, h, 53, p, head)
    i = c.in_udp(Y1, 53, a.src, a.sport, (h, p), data=data)
    c.eq(i.l4_csum, 0xffff, "a computed 0 sent inbound as")


@case("default")
def row51_53_checksums_of_every_kind(c):
    """RFC 3022, RFC 5508 REQ-4/5: one of each packet kind whose
    checksums the NAT must adjust: UDP, TCP, echo identifier, and an
    ICMP error both ways (outer, quoted IPv4, quoted UDP); the harness
    verifies each, this test makes sure each was seen and checked."""
    h, p, i = new_host(), new_port(), new_icmp_id()
    u = c.out_udp(h, p, Y1, 53, moved=True)
    t = c.out_tcp(h, new_port(), Y1, 80, S, moved=True)
    e = c.out_echo(h, i, Y1, moved=True)
    for q in (u, t, e):
        c.check(q.l4_csum not in (None, 0), "no checksum field: %r" % q)
    c.wan.send(c.error_pkt(WANRTR, u.src, 3, 3, u.raw))
    ei = c.lan.expect(lambda q: q.itype == 3 and q.inner is not None and
                      q.inner.payload == u.payload, "error in")
    g = c.in_udp(Y1, 53, u.src, u.sport)
    c.lan.send(c.error_pkt(h, Y1, 3, 3, g.raw))
    eo = c.wan.expect(lambda q: q.itype == 3 and q.inner is not None and
                      q.inner.payload == g.payload, "error out")
    for q in (ei, eo):
        c.check(q.inner.whole and q.inner.l4_csum, "quote not whole: %r" % q)
    c.eq(c.lan.bad + c.wan.bad, [], "checksum problems")


# ======================================================================
# Fragments (rows 54, 57)

def fragments(pkt, size):
    """Cut the IPv4 packet PKT (bytes) into fragments of SIZE bytes of
    payload (a multiple of 8): a list of bytes, first to last."""
    p = Pkt(pkt)
    body = p.l4
    out = []
    for off in range(0, len(body), size):
        chunk = body[off:off + size]
        more = off + size < len(body)
        hdr = bytearray(p.raw[:p.ihl])
        struct.pack_into("!HHH", hdr, 2, p.ihl + len(chunk), p.id,
                         (0x2000 if more else 0) | (off // 8) |
                         (0x4000 if p.df else 0))
        struct.pack_into("!H", hdr, 10, 0)
        struct.pack_into("!H", hdr, 10, 0xffff - sum16(bytes(hdr)))
        out.append(bytes(hdr) + chunk)
    return out


@case("default")
def row54_fragments_out_of_order(c):
    """RFC 4787 REQ-14: a 3000-byte UDP datagram in three fragments sent
    last first, both ways: all leave translated, the first fragment
    first (the others were held), with one IP ID, and reassemble to the
    datagram (the harness checks its UDP checksum)."""
    h, p = new_host(), new_port()
    a = c.out_udp(h, p, Y1, 9, moved=True)
    for way in ("out", "in"):
        data = new_token(3000)
        if way == "out":
            whole = bytes(IP(src=h, dst=Y1, id=0x5151) /
                          UDP(sport=p, dport=9) / Raw(data))
            port, send = c.wan, c.lan
        else:
            whole = bytes(IP(src=Y1, dst=a.src, id=0x6161) /
                          UDP(sport=9, dport=a.sport) / Raw(data))
            port, send = c.lan, c.wan
        frs = fragments(whole, 1480)
        c.eq(len(frs), 3, "fragments made")
        for f in reversed(frs):
            send.send(f)
        deadline = time.monotonic() + 3
        while not port.datagrams and time.monotonic() < deadline:
            port.poll(0.1)
        c.check(port.datagrams, "%s: no whole datagram came out%s" %
                (way, port.recent()))
        d, fl = port.datagrams.pop(0)
        c.eq(d.payload, data, way + ": the reassembled payload")
        if way == "out":
            c.eq((d.src, d.sport, d.dst, d.dport), (a.src, a.sport, Y1, 9),
                 "out: the datagram's addresses")
        else:
            c.eq((d.src, d.sport, d.dst, d.dport), (Y1, 9, h, p),
                 "in: the datagram's addresses")
        c.eq(fl[0].off, 0, way + ": the first fragment leaves first")
        c.eq(sorted(f.off for f in fl), [0, 1480, 2960], way + ": fragments")
        c.eq(len({f.id for f in fl}), 1, way + ": one IP ID")
        for f in fl:
            port.pending.remove(f)


@case("default")
def row57_ip_ids_kept_apart(c):
    """RFC 7857 section 10, RFC 6864: two inside hosts send fragmented
    datagrams with the same IP ID to one remote: they leave with
    different IDs, and each reassembles to its own payload."""
    hs = [new_host(), new_host()]
    frs, datas = [], []
    for h in hs:
        d = new_token(2000)
        datas.append(d)
        frs.append(fragments(bytes(IP(src=h, dst=Y1, id=4242) /
                                   UDP(sport=4242, dport=9) / Raw(d)), 1480))
    for k in range(2):
        for i in range(2):
            c.lan.send(frs[i][k])
    deadline = time.monotonic() + 3
    while len(c.wan.datagrams) < 2 and time.monotonic() < deadline:
        c.wan.poll(0.1)
    c.eq(len(c.wan.datagrams), 2, "whole datagrams out")
    got = {d.payload: d for d, fl in c.wan.datagrams}
    c.eq(set(got), set(datas), "the payloads, each whole")
    ids = [got[d].id for d in datas]
    c.check(ids[0] != ids[1], "both left with IP ID %d" % ids[0])
    c.eq(ids[0], 4242, "the first keeps its ID")


# ======================================================================
# Hairpinning (row 58)

@case("default")
def row58_hairpin_udp(c):
    """RFC 4787 REQ-9, REQ-9a: A sends to B's public endpoint: B sees
    A's public address and port (its EIM mapping), and B's answer to it
    reaches A."""
    ha, pa, hb, pb = new_host(), new_port(), new_host(), new_port()
    b = c.out_udp(hb, pb, Y1, 53, moved=True)
    c.squat("udp", pa, Y2, 53)          # so that A's port moves too
    data = new_token()
    c.lan.send(IP(src=ha, dst=b.src) / UDP(sport=pa, dport=b.sport) /
               Raw(data))
    got = c.lan.expect(lambda q: q.payload == data, "hairpinned to B")
    c.eq((got.dst, got.dport, got.src), (hb, pb, PUB), "B got it")
    ap = got.sport
    c.moved(ap, pa)
    c.eq(c.out_udp(ha, pa, Y2, 53).sport, ap,
         "A's mapping toward outside (REQ-9a: the external port)")
    data = new_token()
    c.lan.send(IP(src=hb, dst=PUB) / UDP(sport=pb, dport=ap) / Raw(data))
    back = c.lan.expect(lambda q: q.payload == data, "B's answer")
    c.eq((back.src, back.sport, back.dst, back.dport),
         (PUB, b.sport, ha, pa), "A got the answer")


@case("default")
def row58_hairpin_tcp(c):
    """RFC 5382 REQ-8: a TCP connection from A to B's public endpoint
    opens and carries data both ways."""
    ha, pa, hb, pb = new_host(), new_port(), new_host(), new_port()
    b = c.out_tcp(hb, pb, Y1, 80, moved=True)
    cs, ss = rand_seq(), rand_seq()
    for src, sp, dst, dp, fl, seq, ack, data, to in (
            (ha, pa, PUB, b.sport, S, cs, 0, b"", hb),
            (hb, pb, PUB, None, S | A, ss, cs + 1, b"", ha),
            (ha, pa, PUB, b.sport, A | P, cs + 1, ss + 1, b"ping", hb),
            (hb, pb, PUB, None, A | P, ss + 1, cs + 5, b"pong", ha)):
        if dp is None:
            dp = ap
        c.lan.send(IP(src=src, dst=dst) / TCP(sport=sp, dport=dp, flags=fl,
                                               seq=seq, ack=ack) / Raw(data))
        got = c.lan.expect(lambda q: q.proto == 6 and q.seq == seq and
                           q.dst == to, "hairpinned TCP to %s" % to)
        c.eq(got.src, PUB, "source of what %s got" % to)
        if to == hb:
            ap = got.sport
            c.eq(got.dport, pb, "B's port")
        else:
            c.eq((got.sport, got.dport), (b.sport, pa), "A's ports")


# ======================================================================
# Counters (row 66; row 65, the log, is the default group's last test)

@case("default")
def row66_counters_match_traffic(c):
    """RFC 6888 REQ-10 (NAT-MIB's counters): SIGUSR1's counters move by
    exactly the traffic this test made."""
    unmapped = c.free_port("udp")
    st0 = c.stats()
    h, p = new_host(), new_port()
    for k in range(5):
        a = c.out_udp(h, p, Y1, 53)
    for k in range(3):
        c.in_udp(Y1, 53, a.src, a.sport, (h, p))
    for k in range(2):
        c.wan.send(IP(src=Y1, dst=PUB) / UDP(sport=53, dport=unmapped) /
                   Raw(b"nobody"))
    c.settle()          # two echo requests answered, one each side
    st = c.stats()
    want = {"rx-inside": 6, "rx-outside": 6, "forwarded-out": 5,
            "forwarded-in": 3, "echo-answered": 2, "sessions": 1,
            "mappings": 1, "sessions-created": 1, "drop-no-session": 2}
    got = {k: st.get(k, 0) - st0.get(k, 0) for k in want}
    c.eq(got, want, "counter changes")


# ======================================================================
# ALGs and other protocols (rows 68, 69)

def pptp_msg(ctype, body, length):
    """A PPTP control message (RFC 2637 section 2): header, then BODY
    padded with zeroes to LENGTH."""
    m = struct.pack("!HHIHH", length, 1, 0x1A2B3C4D, ctype, 0) + body
    return m + b"\0" * (length - len(m))


def sccrq():
    return pptp_msg(1, struct.pack("!HHIIHH", 0x0100, 0, 1, 1, 1, 0), 156)


def sccrp():
    return pptp_msg(2, struct.pack("!HBBIIHH", 0x0100, 1, 0, 1, 1, 1, 0),
                    156)


def ocrq(call_id, serial=1):
    return pptp_msg(7, struct.pack("!HHIIIIHH", call_id, serial, 300,
                                   100000000, 3, 3, 64, 0), 168)


def pptp_client(c, h, p, server, call_id):
    """A PPTP control connection from H:P to SERVER:1723 up to an
    Outgoing-Call-Request with CALL_ID; return the OCRQ as it left."""
    cs, ss = rand_seq(), rand_seq()
    syn = c.out_tcp(h, p, server, 1723, S, cs)
    c.in_tcp(server, 1723, syn.src, syn.sport, (h, p), S | A, ss, cs + 1)
    c.out_tcp(h, p, server, 1723, A, cs + 1, ss + 1)
    rq = sccrq()
    c.out_tcp(h, p, server, 1723, A | P, cs + 1, ss + 1, rq)
    rp = sccrp()
    c.in_tcp(server, 1723, syn.src, syn.sport, (h, p), A | P, ss + 1,
             cs + 1 + len(rq), rp)
    o = ocrq(call_id)
    c.lan.send(IP(src=h, dst=server) /
               TCP(sport=p, dport=1723, flags=A | P, seq=cs + 1 + len(rq),
                   ack=ss + 1 + len(rp)) / Raw(o))
    return c.wan.expect(lambda q: q.proto == 6 and q.dst == server and
                        q.seq == cs + 1 + len(rq) and len(q.payload) == 168,
                        "Outgoing-Call-Request from %s" % h)


@case("default")
def row68_algs_off_by_default(c):
    """RFC 4787 REQ-10, RFC 5382 REQ-6: no ALG is on by default: an FTP
    PORT command naming the inside address crosses unchanged, and so
    does a PPTP Call ID (the PPTP ALG is off unless enabled)."""
    h, p = new_host(), new_port()
    cs, ss = rand_seq(), rand_seq()
    syn = c.out_tcp(h, p, Y1, 21, S, cs)
    c.in_tcp(Y1, 21, syn.src, syn.sport, (h, p), S | A, ss, cs + 1)
    cmd = ("PORT %s,%d,%d\r\n" % (h.replace(".", ","), 40000 >> 8,
                                  40000 & 255)).encode()
    got = c.out_tcp(h, p, Y1, 21, A | P, cs + 1, ss + 1, cmd)
    c.eq(got.payload, cmd, "the PORT command")
    q1 = pptp_client(c, new_host(), new_port(), Y2, 0x1234)
    q2 = pptp_client(c, new_host(), new_port(), Y2, 0x1234)
    for q in (q1, q2):
        c.eq(u16(q.payload, 12), 0x1234, "a PPTP Call ID (no ALG)")


@case("alg_pptp")
def row68_alg_switchable(c):
    """RFC 4787 REQ-10a: each ALG can be switched on: with
    alg.pptp.enabled, two inside clients that use the same Call ID to
    one server leave with different ones."""
    q1 = pptp_client(c, new_host(), new_port(), Y2, 0x1234)
    q2 = pptp_client(c, new_host(), new_port(), Y2, 0x1234)
    ids = [u16(q.payload, 12) for q in (q1, q2)]
    c.eq(ids[0], 0x1234, "the first client's Call ID (kept)")
    c.check(ids[1] != 0x1234, "both clients left with Call ID 0x1234")


@case("default")
def row69_other_protocols_by_address(c):
    """RFC 6888 REQ-1 (tunnat(8), Mappings): ESP, SCTP and GRE (version
    0, and version 1 with the PPTP ALG off) are translated by address:
    out and back unchanged but for the addresses; a second inside host
    to the same remote is refused (drop-address-in-use); nothing comes
    in unasked (drop-no-session)."""
    headers = {"esp": (ESP_P, b"\x00\x00\x10\x01\x00\x00\x00\x01"),
               "sctp": (SCTP_P, b"\x13\x88\x13\x88" + b"\0" * 8),
               "gre0": (GRE_P, b"\x00\x00\x08\x00"),
               "gre1": (GRE_P, b"\x20\x01\x88\x0b\x00\x08\x00\x07")}
    before = c.stats()
    for k, (name, (ipp, hdr)) in enumerate(headers.items()):
        h1, h2, y = new_host(), new_host(), "198.51.100.%d" % (20 + k)
        body = hdr + new_token(8)
        c.lan.send(IP(src=h1, dst=y, proto=ipp) / Raw(body))
        o = c.wan.expect(lambda q: q.proto == ipp and q.payload == body,
                         name + " out")
        c.eq((o.src, o.dst), (PUB, y), name + " out")
        back = hdr + new_token(8)
        c.wan.send(IP(src=y, dst=PUB, proto=ipp) / Raw(back))
        i = c.lan.expect(lambda q: q.proto == ipp and q.payload == back,
                         name + " back")
        c.eq((i.src, i.dst), (y, h1), name + " back")
        second = hdr + new_token(8)
        c.lan.send(IP(src=h2, dst=y, proto=ipp) / Raw(second))
        unasked = hdr + new_token(8)
        c.wan.send(IP(src="198.51.100.99", dst=PUB, proto=ipp) /
                   Raw(unasked))
        c.none(c.wan, lambda q: q.payload == second,
               name + " from a second host")
        c.none(c.lan, lambda q: q.payload == unasked, name + " unasked")
    st = c.stats()
    c.eq(c.drop("address-in-use", st) - c.drop("address-in-use", before),
         4, "drop-address-in-use")
    c.eq(c.drop("no-session", st) - c.drop("no-session", before), 4,
         "drop-no-session")


# ======================================================================
# MTU (rows 42, 47, 56)

@case("mtu_out")
def row42_df_too_big_outbound(c):
    """RFC 5508 7.1.1, RFC 4787 REQ-13 (outside.mtu: 1280): 1400 bytes
    with DF from inside: fragmentation needed with MTU 1280 from the
    router address, DSCP copied (row 47), quoting the packet; nothing
    leaves; 1280 bytes with DF pass."""
    h, p = new_host(), new_port()
    data = new_token(1400 - 28)
    sent = Pkt(c.lan.send(IP(src=h, dst=Y1, flags="DF", tos=0x28) /
                          UDP(sport=p, dport=53) / Raw(data)))
    c.eq(sent.tot_len, 1400, "the test packet's length")
    e = c.lan.expect(lambda q: q.itype == 3 and q.inner is not None and
                     q.inner.sport == p, "fragmentation needed")
    c.eq((e.src, e.dst, e.icode, e.mtu, e.tos), (ROUTER, h, 4, 1280, 0x28),
         "fragmentation needed (source, destination, code, MTU, TOS)")
    c.eq(e.inner.raw[:20], sent.raw[:20], "the quoted header")
    c.check(len(e.raw) <= 576, "the error is %d bytes, over 576" %
            len(e.raw))
    c.none(c.wan, lambda q: q.payload == data or q.frag,
           "the too-big DF packet")
    c.out_udp(h, p, Y1, 53, data=new_token(1280 - 28), ip={"flags": "DF"})


@case("mtu_out")
def row56_fragmented_to_fit(c):
    """RFC 4787 REQ-13a: 1400 bytes without DF, outside.mtu 1280: leave
    translated in two fragments of at most 1280 bytes, in order, one ID,
    reassembling to the datagram."""
    h, p = new_host(), new_port()
    data = new_token(1400 - 28)
    c.lan.send(IP(src=h, dst=Y1, id=999) / UDP(sport=p, dport=53) /
               Raw(data))
    deadline = time.monotonic() + 3
    while not c.wan.datagrams and time.monotonic() < deadline:
        c.wan.poll(0.1)
    c.check(c.wan.datagrams, "no whole datagram came out" + c.wan.recent())
    d, fl = c.wan.datagrams.pop(0)
    c.eq((d.src, d.sport, d.dst, d.dport, d.payload), (PUB, p, Y1, 53, data),
         "the reassembled datagram")
    c.eq(len(fl), 2, "fragments")
    c.eq(fl[0].off, 0, "the first fragment leaves first")
    c.check(all(len(f.raw) <= 1280 for f in fl), "fragment sizes %s" %
            [len(f.raw) for f in fl])
    c.eq(len({f.id for f in fl}), 1, "one IP ID")


@case("mtu_in")
def row42_df_too_big_inbound(c):
    """RFC 5508 7.1.1 (inside.mtu: 1280): 1400 bytes with DF from a
    remote: fragmentation needed with MTU 1280 back to it from the public
    address, quoting what it sent; nothing gets in."""
    h, p = new_host(), new_port()
    a = c.out_udp(h, p, Y1, 53)
    data = new_token(1400 - 28)
    sent = Pkt(c.wan.send(IP(src=Y1, dst=a.src, flags="DF") /
                          UDP(sport=53, dport=a.sport) / Raw(data)))
    e = c.wan.expect(lambda q: q.itype == 3 and q.inner is not None and
                     q.inner.dport == a.sport, "fragmentation needed out")
    c.eq((e.src, e.dst, e.icode, e.mtu), (a.src, Y1, 4, 1280),
         "fragmentation needed (source, destination, code, MTU)")
    c.eq(e.inner.raw[:20], sent.raw[:20], "the quoted header")
    c.none(c.lan, lambda q: q.payload == data or q.frag,
           "the too-big DF packet")


@case("mtu_in")
def row56_fragmented_inbound(c):
    """RFC 4787 REQ-13a the other way: 1400 bytes without DF from a
    remote reach the inside host as fragments within inside.mtu 1280."""
    h, p = new_host(), new_port()
    a = c.out_udp(h, p, Y1, 53)
    data = new_token(1400 - 28)
    c.wan.send(IP(src=Y1, dst=a.src) / UDP(sport=53, dport=a.sport) /
               Raw(data))
    deadline = time.monotonic() + 3
    while not c.lan.datagrams and time.monotonic() < deadline:
        c.lan.poll(0.1)
    c.check(c.lan.datagrams, "no whole datagram came in" + c.lan.recent())
    d, fl = c.lan.datagrams.pop(0)
    c.eq((d.dst, d.dport, d.payload), (h, p, data), "the datagram")
    c.check(len(fl) == 2 and all(len(f.raw) <= 1280 for f in fl),
            "fragments %s" % [len(f.raw) for f in fl])


# ======================================================================
# Forwards (rows 58, 69 through static mappings)

@case("forwards")
def row58_hairpin_through_forward(c):
    """RFC 4787 REQ-9, RFC 5382 REQ-8 through forwards: an inside client
    reaches the inside server of a forward by the public address: the
    server sees the client's public endpoint, and its answer comes back
    from the forwarded port; UDP likewise (a port of a range)."""
    h, p = new_host(), new_port()
    cs, ss = rand_seq(), rand_seq()
    c.lan.send(IP(src=h, dst=PUB) / TCP(sport=p, dport=8080, flags="S",
                                        seq=cs))
    s = c.lan.expect(lambda q: q.proto == 6 and q.seq == cs,
                     "SYN to the forward")
    c.eq((s.src, s.dst, s.dport), (PUB, "10.0.0.50", 80),
         "the server got it")
    c.lan.send(IP(src="10.0.0.50", dst=PUB) /
               TCP(sport=80, dport=s.sport, flags="SA", seq=ss, ack=cs + 1))
    r = c.lan.expect(lambda q: q.proto == 6 and q.seq == ss,
                     "the server's answer")
    c.eq((r.src, r.sport, r.dst, r.dport), (PUB, 8080, h, p),
         "the client got it")
    data = new_token()
    c.lan.send(IP(src=h, dst=PUB) / UDP(sport=p, dport=5003) / Raw(data))
    u = c.lan.expect(lambda q: q.payload == data, "UDP to the forward")
    c.eq((u.src, u.dst, u.dport), (PUB, "10.0.0.51", 6003),
         "the UDP server got it")


@case("forwards")
def row69_protocol_forward(c):
    """RFC 6888 REQ-1: a protocol without ports can reach an inside host
    through a protocol forward (sctp: 203.0.113.1 -> 10.0.0.52), and
    that host's SCTP leaves from the public address."""
    body = b"\x13\x88\x13\x88\x00\x00\x00\x01" + new_token(12)
    c.wan.send(IP(src=Y1, dst=PUB, proto=SCTP_P) / Raw(body))
    i = c.lan.expect(lambda q: q.proto == SCTP_P and q.payload == body,
                     "SCTP through the forward")
    c.eq((i.src, i.dst), (Y1, "10.0.0.52"), "SCTP delivered")
    c.lan.send(IP(src="10.0.0.52", dst=Y2, proto=SCTP_P) / Raw(body))
    o = c.wan.expect(lambda q: q.proto == SCTP_P and q.dst == Y2,
                     "the server's SCTP out")
    c.eq((o.src, o.payload), (PUB, body), "SCTP out")


# ======================================================================
# Timers (rows 14, 16, 20-23, 25-27, 30, 33, 55, 69), in parallel.
# Each test's times count from its own start, t0; the outbound packet
# that starts a timer leaves right after t0.  ALIVE probes come MARGIN
# before the timer ends; a session's own packets find it gone exactly at
# its timeout, but a mapping (which lets other remotes in) or a port may
# outlive it by SWEEP, so GONE probes of mappings wait that too.

ALIVE = T - MARGIN
GONE = T + MARGIN
GONE_MAPPING = T + SWEEP + MARGIN


def at(t0, secs):
    """Sleep until SECS after T0."""
    d = t0 + secs - time.monotonic()
    if d > 0:
        time.sleep(d)


def watch(port, until, pred):
    """Read PORT until the monotonic time UNTIL: the packets matching
    PRED (they stay pending too)."""
    while True:
        left = until - time.monotonic()
        if left <= 0:
            return [p for p in port.pending if pred(p)]
        port.poll(min(left, 0.2))


@case("timers")
def row20_udp_timeout(c):
    """RFC 4787 REQ-5 (nat.timeouts.udp: 4, allow-short-timeouts): a
    reply MARGIN before the timeout gets in; MARGIN after (plus the
    sweep) it does not, and the mapping is gone for everyone."""
    t0 = time.monotonic()
    h1, h2, p1, p2 = new_host(), new_host(), new_port(), new_port()
    a = c.out_udp(h1, p1, Y1, 53)
    b = c.out_udp(h2, p2, Y1, 53)
    at(t0, ALIVE)
    c.in_udp(Y1, 53, a.src, a.sport, (h1, p1))
    at(t0, GONE_MAPPING)
    c.in_udp(Y1, 53, b.src, b.sport, expect=False)
    c.in_udp(Y2, 53, b.src, b.sport, expect=False)


@case("timers")
def row21_outbound_refresh(c):
    """RFC 4787 REQ-6: outbound packets every T - MARGIN keep the mapping
    (the same public port) for more than twice its timeout."""
    t0 = time.monotonic()
    h, p = new_host(), new_port()
    a = c.out_udp(h, p, Y1, 53)
    for k in (1, 2, 3):
        at(t0, k * ALIVE)
        c.eq(c.out_udp(h, p, Y1, 53).sport, a.sport,
             "the public port after %.1f s" % (k * ALIVE))
    at(t0, 3 * ALIVE + ALIVE)
    c.in_udp(Y1, 53, a.src, a.sport, (h, p))


@case("timers")
def row21_inbound_does_not_refresh(c):
    """RFC 4787 REQ-6a off (nat.inbound-refresh: false, the default):
    replies every second do not keep a mapping past its timeout (had the
    last one, 1 s before the timeout, refreshed it, it would still live
    when the probe comes)."""
    t0 = time.monotonic()
    h, p = new_host(), new_port()
    a = c.out_udp(h, p, Y1, 53)
    for k in (1.0, 2.0, T - 1.0):
        at(t0, k)
        c.in_udp(Y1, 53, a.src, a.sport, (h, p))
    at(t0, GONE_MAPPING)
    c.in_udp(Y1, 53, a.src, a.sport, expect=False)


@case("timers_inbound")
def row21_inbound_refresh_enabled(c):
    """RFC 4787 REQ-6a on (nat.inbound-refresh: true): replies keep the
    mapping alive past its timeout; without them it ends on time."""
    t0 = time.monotonic()
    h, p, g, q = new_host(), new_port(), new_host(), new_port()
    a = c.out_udp(h, p, Y1, 53)
    b = c.out_udp(g, q, Y1, 53)
    for k in range(1, 6):
        at(t0, k * 1.5)
        c.in_udp(Y1, 53, a.src, a.sport, (h, p))
    at(t0, max(GONE_MAPPING, 7.5))
    c.in_udp(Y1, 53, b.src, b.sport, expect=False)


def error_does_not_refresh(c):
    """A UDP flow from X to Y1; at 0.5 s a datagram from Y2 gets in
    through the mapping (EIF); at T - 1 s X's port unreachable about it
    goes out, translated.  Had it refreshed the mapping, the mapping
    would live past GONE_MAPPING: it must not."""
    t0 = time.monotonic()
    h, p = new_host(), new_port()
    a = c.out_udp(h, p, Y1, 53, moved=True)
    at(t0, 0.5)
    got = c.in_udp(Y2, 99, a.src, a.sport, (h, p))
    at(t0, T - 1.0)
    c.lan.send(c.error_pkt(h, Y2, 3, 3, got.raw))
    e = c.wan.expect(lambda q: q.itype == 3 and q.dst == Y2,
                     "the inside host's port unreachable")
    c.eq((e.src, e.inner.dst, e.inner.dport), (a.src, a.src, a.sport),
         "the error, translated")
    at(t0, GONE_MAPPING)
    c.in_udp(Y1, 53, a.src, a.sport, expect=False)
    c.in_udp(Y2, 99, a.src, a.sport, expect=False)


@case("timers")
def row22_error_does_not_refresh(c):
    """RFC 7857 section 7.1: an inside host's ICMP error answering an
    inbound datagram refreshes nothing: the mapping ends on time (here
    the datagram went through the mapping without a session)."""
    error_does_not_refresh(c)


@case("timers_inbound")
def row22_error_does_not_refresh_inbound_refresh(c):
    """RFC 7857 section 7.1 with nat.inbound-refresh: the datagram from
    the other remote opens a session of its own; the error answering it
    must not refresh that one either."""
    error_does_not_refresh(c)


@case("timers")
def row23_tcp_established_timeout(c):
    """RFC 5382 REQ-5 (tcp-established: 8, tcp-transitory: 4): an
    established connection idle past the transitory timer lives on; idle
    past its own timer it is gone."""
    t0 = time.monotonic()
    h1, p1, h2, p2 = new_host(), new_port(), new_host(), new_port()
    pub1, pp1, cs1, ss1 = c.handshake(h1, p1, Y1, 80)
    pub2, pp2, cs2, ss2 = c.handshake(h2, p2, Y1, 80)
    at(t0, T_EST - MARGIN)
    c.check(T_EST - MARGIN > GONE, "the probe would not tell the timers "
            "apart")
    c.in_tcp(Y1, 80, pub1, pp1, (h1, p1), A | P, ss1, cs1, b"alive")
    at(t0, T_EST + MARGIN)
    c.in_tcp(Y1, 80, pub2, pp2, flags=A | P, seq=ss2, ack=cs2,
             data=b"gone", expect=False)


@case("timers")
def row23_tcp_transitory_timeout(c):
    """RFC 5382 REQ-5, RFC 7857 2.1: a connection that is only opening
    (SYN out, no answer) ends after tcp-transitory, not tcp-established:
    a SYN-ACK MARGIN before it gets in, MARGIN after it does not."""
    t0 = time.monotonic()
    h1, p1, h2, p2 = new_host(), new_port(), new_host(), new_port()
    a = c.out_tcp(h1, p1, Y1, 80)
    b = c.out_tcp(h2, p2, Y1, 80)
    at(t0, ALIVE)
    c.in_tcp(Y1, 80, a.src, a.sport, (h1, p1), S | A, None, a.seq + 1)
    at(t0, GONE)
    c.in_tcp(Y1, 80, b.src, b.sport, flags=S | A, ack=b.seq + 1,
             expect=False)


@case("timers")
def row25_rst_keeps_state_transitory(c):
    """RFC 7857 2.2: a RST is translated, and its connection stays for
    the transitory time (a retransmitted RST gets through), then goes."""
    t0 = time.monotonic()
    h1, p1, h2, p2 = new_host(), new_port(), new_host(), new_port()
    pub1, pp1, cs1, ss1 = c.handshake(h1, p1, Y1, 80)
    pub2, pp2, cs2, ss2 = c.handshake(h2, p2, Y1, 80)
    at(t0, 0.5)
    c.in_tcp(Y1, 80, pub1, pp1, (h1, p1), R | A, ss1, cs1)
    c.in_tcp(Y1, 80, pub2, pp2, (h2, p2), R | A, ss2, cs2)
    at(t0, 0.5 + ALIVE)
    c.in_tcp(Y1, 80, pub1, pp1, (h1, p1), R | A, ss1, cs1)
    at(t0, 0.5 + GONE)
    c.in_tcp(Y1, 80, pub2, pp2, flags=R | A, seq=ss2, ack=cs2,
             expect=False)


@case("timers")
def row26_icmp_query_timeout(c):
    """RFC 5508 REQ-2 (timeouts.icmp: 4): an echo reply MARGIN before
    the timeout gets in, one MARGIN after does not; row 27 (RFC 7857
    section 11): the identifier's mapping went with its last session, so
    no other remote gets in through it either."""
    t0 = time.monotonic()
    h1, h2, i1, i2 = new_host(), new_host(), new_icmp_id(), new_icmp_id()
    a = c.out_echo(h1, i1, Y1)
    b = c.out_echo(h2, i2, Y1)
    at(t0, ALIVE)
    c.in_echo_reply(Y1, a.src, a.iid, (h1, i1))
    at(t0, GONE_MAPPING)
    c.in_echo_reply(Y1, b.src, b.iid, expect=False)
    c.in_echo_reply(Y2, b.src, b.iid, expect=False)


@case("timers")
def row30_tcp_close_is_transitory(c):
    """RFC 7857 section 2 (state from the flags): FIN both ways makes a
    connection transitory (gone after 4 s idle, not 8); a half-close
    (FIN one way) keeps it established.  The NAT table (tunnatctl
    sessions) shows each state."""
    t0 = time.monotonic()
    h1, p1, h2, p2 = new_host(), new_port(), new_host(), new_port()
    h3 = new_host()
    a3 = c.out_tcp(h3, new_port(), Y1, 80)
    pub1, pp1, cs1, ss1 = c.handshake(h1, p1, Y1, 80)
    pub2, pp2, cs2, ss2 = c.handshake(h2, p2, Y1, 80)
    c.eq([x["state"] for x in c.sessions("--inside", h1)], ["established"],
         "the state of %s's connection after the handshake" % h1)
    at(t0, 0.5)
    c.out_tcp(h1, p1, Y1, 80, F | A, cs1, ss1)
    c.in_tcp(Y1, 80, pub1, pp1, (h1, p1), F | A, ss1, cs1 + 1)
    c.out_tcp(h2, p2, Y1, 80, F | A, cs2, ss2)
    for h, want in ((h1, "closing"), (h2, "half-closed"), (h3, "opening")):
        c.eq([x["state"] for x in c.sessions("--inside", h)], [want],
             "the state of %s's connection" % h)
    c.in_tcp(Y1, 80, a3.src, a3.sport, (h3, a3.sent.sport), R | A,
             ack=a3.seq + 1)
    c.eq([x["state"] for x in c.sessions("--inside", h3)], ["reset"],
         "the state of a connection after a RST")
    at(t0, 0.5 + GONE)
    c.in_tcp(Y1, 80, pub1, pp1, flags=A, seq=ss1 + 1, ack=cs1 + 1,
             expect=False)
    c.in_tcp(Y1, 80, pub2, pp2, (h2, p2), A | P, ss2, cs2 + 1, b"more")


@case("timers")
def row33_errors_neither_refresh_nor_end(c):
    """RFC 4787 REQ-12, RFC 5382 REQ-10, RFC 5508 REQ-6: unreachables
    about UDP flows, errors about a TCP connection and about echoes are
    each delivered; none ends its flow (it goes on, on the same mapping);
    none refreshes it (errors keep coming for 3 s, yet the flow ends on
    time: 4 s after its last packet of its own)."""
    t0 = time.monotonic()
    flows = [(new_host(), new_port()) for _ in range(2)]
    u = [c.out_udp(h, p, Y1, 53) for h, p in flows]
    ih = [new_host(), new_host()]
    ii = [new_icmp_id(), new_icmp_id()]
    e = [c.out_echo(h, i, Y1) for h, i in zip(ih, ii)]
    th, tp = new_host(), new_port()
    tpub, tpp, tcs, tss = c.handshake(th, tp, Y1, 80)
    sent = [0]

    def errors(until, which):
        while time.monotonic() < t0 + until:
            for a in which:
                t, code = (3, 1) if a.proto == UDP_P else (11, 0)
                c.wan.send(c.error_pkt(WANRTR, a.src, t, code, a.raw))
                sent[0] += 1
            time.sleep(0.05)

    def delivered():
        deadline = time.monotonic() + 3
        while True:
            got = [q for q in c.lan.pending if q.itype in (3, 11, 12)]
            if len(got) >= sent[0] or time.monotonic() > deadline:
                break
            c.lan.poll(0.1)
        c.eq(len(got), sent[0], "errors delivered")
        c.lan.pending = [q for q in c.lan.pending if q not in got]
        sent[0] = 0

    errors(0.8, u + e)
    for itype, code in ((3, 3), (3, 1), (11, 0), (12, 0)):
        q = bytes(IP(src=tpub, dst=Y1) / TCP(sport=tpp, dport=80,
                                              flags="A", seq=tcs, ack=tss))
        c.wan.send(c.error_pkt(Y1 if code == 3 else WANRTR, tpub, itype,
                               code, q))
        sent[0] += 1
    delivered()
    # not ended: the connection, the first UDP flow and echo go on
    c.check(time.monotonic() - t0 < ALIVE - 0.5, "too slow for the probes")
    c.in_tcp(Y1, 80, tpub, tpp, (th, tp), A | P, tss, tcs, b"still here")
    c.eq(c.out_tcp(th, tp, Y1, 80, A | P, tcs, tss + 10, b"me too").sport,
         tpp, "the connection's port")
    c.eq(c.out_udp(flows[0][0], flows[0][1], Y1, 53).sport, u[0].sport,
         "the UDP flow's port")
    c.in_echo_reply(Y1, e[0].src, e[0].iid, (ih[0], ii[0]))
    # not refreshed: errors about the second UDP flow and echo until 3 s,
    # yet both end 4 s after their start
    errors(3.0, [u[1], e[1]])
    delivered()
    at(t0, GONE_MAPPING)
    c.in_udp(Y1, 53, u[1].src, u[1].sport, expect=False)
    c.in_echo_reply(Y1, e[1].src, e[1].iid, expect=False)


@case("timers")
def row14_port_holddown(c):
    """RFC 6888 REQ-8 (nat.port-holddown: 4): a released public port is
    not given to another inside endpoint while it rests, and is again
    afterwards (so it was free and kept, not just unlucky)."""
    t0 = time.monotonic()
    p, _ = c.kept("udp", new_host(), Y1, 53)
    at(t0, T + SWEEP + 1.0)
    b = c.out_udp(new_host(), p, Y1, 53).sport
    c.check(b != p, "port %d given to another endpoint %.1f s after it was "
            "released, within the %.0f s hold-down" % (p, SWEEP + 1.0, HOLD))
    at(t0, T + SWEEP + HOLD + MARGIN)
    c.eq(c.out_udp(new_host(), p, Y1, 53).sport, p,
         "port %d after its hold-down" % p)


@case("timers")
def row16_unsolicited_syn_rejected(c):
    """RFC 5382 REQ-4 (nat.unsolicited-syn: reject): an unsolicited SYN
    gets no answer for 6 s, then ICMP port unreachable from the public
    address quoting it, with its DSCP (row 47); it never gets in."""
    t0 = time.monotonic()
    q, sp, seq = new_port(), new_port(), rand_seq()
    c.wan.send(IP(src=Y1, dst=PUB, tos=0x20) /
               TCP(sport=sp, dport=q, flags="S", seq=seq))

    def mine(e):
        return e.itype == 3 and e.inner is not None and e.inner.seq == seq
    early = watch(c.wan, t0 + 5.5, mine)
    c.check(not early, "answered within 6 s: %r" % early)
    e = c.wan.expect(mine, "port unreachable for the SYN", 3.0)
    c.check(e.t - t0 >= 5.95, "answered after %.2f s" % (e.t - t0))
    c.eq((e.src, e.dst, e.icode, e.tos), (PUB, Y1, 3, 0x20),
         "the answer (source, destination, code, TOS)")
    c.eq((e.inner.src, e.inner.sport, e.inner.dport), (Y1, sp, q),
         "its quote")
    c.check(not [x for x in c.lan.log if x.seq == seq],
            "the SYN got in")


@case("timers")
def row16_simultaneous_open_held_syn(c):
    """RFC 5382 REQ-4: an outbound SYN of the same connection within the
    6 s drops the held SYN silently, and the connection opens."""
    t0 = time.monotonic()
    h, q, sp, yseq = new_host(), new_port(), new_port(), rand_seq()
    c.wan.send(IP(src=Y1, dst=PUB) / TCP(sport=sp, dport=q, flags="S",
                                         seq=yseq))
    at(t0, 1.0)
    cs = rand_seq()
    o = c.out_tcp(h, q, Y1, sp, S, cs)
    c.eq((o.src, o.sport), (PUB, q), "the inside SYN's public endpoint")
    c.in_tcp(Y1, sp, PUB, q, (h, q), S | A, yseq, cs + 1)
    c.out_tcp(h, q, Y1, sp, A, cs + 1, yseq + 1)
    late = watch(c.wan, t0 + 8.0, lambda e: e.itype == 3 and
                 e.inner is not None and e.inner.seq == yseq)
    c.check(not late, "the held SYN was answered: %r" % late)
    c.check(not [x for x in c.lan.log if x.seq == yseq and x.flags == S],
            "the held SYN got in")


@case("timers_inbound")
def row16_unsolicited_syn_dropped_silently(c):
    """RFC 5382 REQ-4a (nat.unsolicited-syn: drop, the default): an
    unsolicited SYN is never answered and never gets in; it is counted."""
    t0 = time.monotonic()
    before = c.drop("unsolicited-syn")
    seq = rand_seq()
    c.wan.send(IP(src=Y1, dst=PUB) / TCP(sport=new_port(), dport=new_port(),
                                         flags="S", seq=seq))
    ans = watch(c.wan, t0 + 8.0, lambda e: e.itype is not None and
                e.inner is not None and e.inner.seq == seq)
    c.check(not ans, "answered: %r" % ans)
    c.check(not [x for x in c.lan.log if x.seq == seq], "the SYN got in")
    c.eq(c.drop("unsolicited-syn") - before, 1, "drop-unsolicited-syn")


@case("timers")
def row55_fragment_flood_bounded(c):
    """RFC 4787 REQ-14a: 1000 orphan later fragments from one host
    (never a first one) are held within bounds, dropped, counted, and
    expire; meanwhile another host's datagrams, whole and fragmented,
    all get through."""
    t0 = time.monotonic()
    f = new_host()
    before = c.stats()
    for k in range(1000):
        body = struct.pack("!HH", 0x7000, k) + b"x" * 196
        c.lan.send(IP(src=f, dst=Y1, id=(k + 1) & 0xffff, proto=17,
                      frag=185) / Raw(body))
        if k % 100 == 0:
            h, p = new_host(), new_port()
            c.out_udp(h, p, Y1, 53)
            data = new_token(2000)
            for fr in fragments(bytes(IP(src=h, dst=Y1, id=k + 7) /
                                      UDP(sport=p, dport=53) / Raw(data)),
                                1480):
                c.lan.send(fr)
            deadline = time.monotonic() + 2
            while not [d for d, _ in c.wan.datagrams if d.payload == data]:
                c.check(time.monotonic() < deadline,
                        "a fragmented datagram was lost in the flood")
                c.wan.poll(0.05)
    t_end = time.monotonic()
    c.none(c.wan, lambda q: q.frag and q.off == 1480 and
           q.l4[:2] == b"\x70\x00", "an orphan fragment")
    st = c.stats()
    lim = c.drop("fragment-limit", st) - c.drop("fragment-limit", before)
    c.check(1000 - 256 <= lim < 1000, "drop-fragment-limit rose by %d" % lim)
    at(t_end, 5.0 + SWEEP + MARGIN)
    st = c.stats()
    tmo = c.drop("fragment-timeout", st) - c.drop("fragment-timeout", before)
    lim = c.drop("fragment-limit", st) - c.drop("fragment-limit", before)
    c.eq(lim + tmo, 1000, "orphans dropped (limit %d + timeout %d)" %
         (lim, tmo))


@case("timers")
def row69_other_protocol_timeout(c):
    """RFC 6888 REQ-1 (nat.timeouts.other: 4): an ESP session is alive
    MARGIN before its timer, refreshed by traffic either way, and gone
    MARGIN after."""
    t0 = time.monotonic()
    sessions = []
    for y in ("198.51.100.40", "198.51.100.41"):
        h = new_host()
        c.lan.send(IP(src=h, dst=y, proto=ESP_P) / Raw(b"\0\0\0\1esp"))
        c.wan.expect(lambda q: q.proto == ESP_P and q.dst == y,
                     "ESP to " + y)
        sessions.append((h, y))
    (h1, y1), (h2, y2) = sessions
    at(t0, ALIVE)
    c.wan.send(IP(src=y1, dst=PUB, proto=ESP_P) / Raw(b"alive"))
    i = c.lan.expect(lambda q: q.payload == b"alive", "ESP back, in time")
    c.eq(i.dst, h1, "ESP delivered to")
    at(t0, GONE)
    c.wan.send(IP(src=y2, dst=PUB, proto=ESP_P) / Raw(b"gone"))
    c.none(c.lan, lambda q: q.payload == b"gone", "ESP back, too late")
    at(t0, ALIVE + ALIVE)
    c.wan.send(IP(src=y1, dst=PUB, proto=ESP_P) / Raw(b"refreshed"))
    c.lan.expect(lambda q: q.payload == b"refreshed",
                 "ESP back, refreshed by the last one in")


# ======================================================================
# The mapping log (rows 64, 65), in the timers group: log.mappings is on

MAPLOG = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})Z "
                    r"(mapping|session|call)-(up|down) (\S+) (.*)$")


def maplog(text):
    """The mapping log lines in TEXT: (UTC seconds, kind, event, protocol,
    {field: value})."""
    out = []
    for line in text.splitlines():
        m = MAPLOG.search(line)
        if not m:
            continue
        t = calendar.timegm(time.strptime(m.group(1)[:19],
                                          "%Y-%m-%dT%H:%M:%S"))
        t += int(m.group(1)[20:]) / 1000
        fields = dict(kv.split("=", 1) for kv in m.group(5).split())
        out.append((t, m.group(2), m.group(3), m.group(4), fields))
    return out


@case("timers")
def row64_mapping_log(c):
    """RFC 6888 section 4 (log.mappings: true): the making and the end of
    each mapping is one line with the protocol, the inside address and
    port, the public address and port and the time in UTC; a mapping
    that idles out is logged as ended about its timeout after it began.
    UDP, TCP and ICMP, each moved off its own port so that the inside
    and public ports differ."""
    t0, w0 = time.monotonic(), time.time()
    h = new_host()
    u = c.out_udp(h, new_port(), Y1, 53, moved=True)
    t = c.out_tcp(h, new_port(), Y1, 80, moved=True)
    e = c.out_echo(h, new_icmp_id(), Y1, moved=True)
    at(t0, GONE_MAPPING)
    lines = maplog(c.run.tunnat.text())
    for proto, inside, public in (
            ("udp", "%s:%d" % (h, u.sent.sport), "%s:%d" % (u.src, u.sport)),
            ("tcp", "%s:%d" % (h, t.sent.sport), "%s:%d" % (t.src, t.sport)),
            ("icmp", "%s:%d" % (h, e.sent.iid), "%s:%d" % (e.src, e.iid))):
        got = {ev: [ln[0] for ln in lines if ln[1] == "mapping" and
                    ln[2] == ev and ln[3] == proto and
                    ln[4].get("inside") == inside and
                    ln[4].get("public") == public]
               for ev in ("up", "down")}
        c.check(len(got["up"]) == 1 and len(got["down"]) == 1,
                "%s mapping %s -> %s: lines %r in:\n%s" % (
                    proto, inside, public, got, "\n".join(
                        ln for ln in c.run.tunnat.text().splitlines()
                        if h + ":" in ln)))
        up, down = got["up"][0], got["down"][0]
        c.check(abs(up - w0) < 2, "%s: mapping-up stamped %.3f, the "
                "flow began at %.3f (UTC)" % (proto, up, w0))
        c.check(T - 0.1 <= down - up <= T + SWEEP + 0.5,
                "%s: the mapping ended %.3f s after it began (timeout "
                "%.0f s)" % (proto, down - up, T))


@case("timers")
def row65_mapping_log_names_no_destination(c):
    """RFC 6888 REQ-12: destinations are not logged unless required, and
    then by a choice of their own.  With the mapping log on (row 64: an
    operator tracing abuse needs it) and log.destinations left off, no
    line may name the remote a flow went to."""
    y = "198.51.100.71"
    h = new_host()
    c.out_udp(h, new_port(), y, 53)
    c.out_tcp(h, new_port(), y, 80)
    c.settle()
    named = [ln for ln in c.run.tunnat.text().splitlines() if y in ln]
    c.check(not named, "the log names the destination %s:\n%s" % (
        y, "\n".join(named)))


# ======================================================================
# Last of the default group: its whole log (row 65)

@case("default")
def row65_no_destinations_logged(c):
    """RFC 6888 REQ-12: tunnat's log (at debug level) names no remote
    address: neither those of this test's UDP, TCP and ICMP flows and
    dropped packet, nor any of the rest of the default group's."""
    h = new_host()
    ys = ["198.51.100.%d" % k for k in (60, 61, 62, 63)]
    c.out_udp(h, new_port(), ys[0], 53)
    c.out_tcp(h, new_port(), ys[1], 80)
    c.out_echo(h, new_icmp_id(), ys[2])
    c.in_udp(ys[3], 53, PUB, c.free_port("udp"), expect=False)
    text = c.run.tunnat.text()
    for y in ys + [Y1, Y2, Y3, WANRTR]:
        c.check(y not in text, "the log names %s:\n%s" % (
            y, "\n".join(ln for ln in text.splitlines() if y in ln)[:2000]))


# ======================================================================

def main():
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--lan")
    ap.add_argument("--wan")
    ap.add_argument("--id")
    ap.add_argument("--work")
    ap.add_argument("--tunnat")
    ap.add_argument("--tunnatctl")
    ap.add_argument("--srcdir")
    ap.add_argument("--only", default="")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    if args.list:
        for g in ORDER:
            for t in GROUPS[g]["tests"]:
                print("%s %s" % (g, t.__name__))
        return 0
    return run_all(args)


if __name__ == "__main__":
    sys.exit(main())
