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
#                  --srcdir TOP_SRCDIR [--only NAME,...] [--seed N]
#   conformance.py --list
# Exit status: 0 all passed, 1 a test failed, 99 the lab itself broke.

import os
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
      nat=dict(SHORT, **{"unsolicited-syn": "reject"}))
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

def main():
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--lan")
    ap.add_argument("--wan")
    ap.add_argument("--id")
    ap.add_argument("--work")
    ap.add_argument("--tunnat")
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
