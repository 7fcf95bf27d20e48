# SPDX-License-Identifier: MIT
# conflib.py - the machinery of conformance.py: namespaces, sockets,
# packet checks, tunnat runs, the test registry and runner
#
# A test sees a Ctx: an AF_PACKET socket on the kernel side of each of
# tunnat's TUN devices (made in the device's network namespace by
# setns(2), then used from any thread), and helpers that send a packet on
# one side and expect, or rule out, what tunnat makes of it on the other.
# Every packet received is parsed by our own code and checked:
#
#   - the IPv4 header checksum and total length;
#   - the UDP, TCP or ICMP checksum; a UDP checksum of 0 means none;
#   - fragments: reassembled, and the whole datagram's transport checksum
#     checked; a fragment set still incomplete when the test ends fails it;
#   - ICMP errors: the quoted IPv4 header's checksum, and the quoted
#     transport checksum when the quote is whole (RFC 4884 length
#     respected).
#
# "Nothing came out" is decided by a barrier (Ctx.settle): an echo
# request to tunnat's own address on each side, which tunnat answers only
# after everything written before it on that side (it reads a device in
# order and writes what a packet becomes before reading the next).
#
# Checksums here are our own ones' complement sums, never scapy's, which
# only builds the packets we send.

import ctypes
import itertools
import json
import os
import random
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import traceback

from scapy.all import (  # noqa: E402  (Debian python3-scapy)
    ICMP, IP, TCP, UDP, IPOption_LSRR, IPOption_NOP, IPOption_SSRR, Raw,
    conf as scapy_conf)

scapy_conf.verb = 0

ETH_P_IP = 0x0800
PACKET_HOST = 0
SOL_PACKET = 263
PACKET_IGNORE_OUTGOING = 23
SO_RCVBUFFORCE = 33
CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1

ICMP_P, TCP_P, UDP_P = 1, 6, 17
ESP_P, GRE_P, SCTP_P = 50, 47, 132

PUB = "203.0.113.1"        # the public address of every group but "pool"
ROUTER = "192.0.0.8"       # inside.router-address (default)
Y1 = "198.51.100.7"        # remote hosts
Y2 = "198.51.100.8"
Y3 = "192.0.2.33"
WANRTR = "192.0.2.254"     # a router on the WAN side, source of errors
SYNC_LAN = "10.255.255.254"    # the barrier's inside and outside hosts
SYNC_WAN = "198.51.100.254"

# TCP flags
F, S, R, P, A = 0x01, 0x02, 0x04, 0x08, 0x10

libc = ctypes.CDLL(None, use_errno=True)
ns_lock = threading.Lock()


class Broken(Exception):
    """The lab itself failed (not tunnat's behaviour): exit 99."""


class Fail(Exception):
    """A test's assertion failed."""


# ----------------------------------------------------------------------
# Checksums and parsing: our own code, independent of scapy and of tunnat

def sum16(data, s=0):
    """Ones' complement sum of DATA (padded to even), folded to 16 bits."""
    if len(data) % 2:
        data = bytes(data) + b"\0"
    s += sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def pseudo(src, dst, proto, length):
    return (socket.inet_aton(src) + socket.inet_aton(dst) +
            struct.pack("!BBH", 0, proto, length))


def u16(b, o):
    return struct.unpack_from("!H", b, o)[0]


def u32(b, o):
    return struct.unpack_from("!I", b, o)[0]


ICMP_ERRORS = (3, 11, 12)
ICMP_QUERIES = (0, 8, 13, 14)


class Pkt:
    """A parsed IPv4 packet.  QUOTED: the packet an ICMP error quotes,
    which may be cut short; its fields are parsed as far as they go."""

    def __init__(self, raw, quoted=False):
        b = self.raw = bytes(raw)
        if len(b) < 20 or b[0] >> 4 != 4 or (b[0] & 15) < 5:
            raise ValueError("not an IPv4 packet: %s" % b[:24].hex())
        self.ihl = (b[0] & 15) * 4
        self.tos = b[1]
        self.tot_len = u16(b, 2)
        self.id = u16(b, 4)
        fo = u16(b, 6)
        self.df = bool(fo & 0x4000)
        self.mf = bool(fo & 0x2000)
        self.off = (fo & 0x1fff) * 8
        self.ttl = b[8]
        self.proto = b[9]
        self.ip_csum = u16(b, 10)
        self.src = socket.inet_ntoa(b[12:16])
        self.dst = socket.inet_ntoa(b[16:20])
        self.opts = b[20:self.ihl]
        self.quoted = quoted
        self.whole = len(b) >= self.tot_len
        self.l4 = b[self.ihl:min(self.tot_len, len(b))]
        self.frag = self.mf or self.off != 0
        self.sport = self.dport = None
        self.flags = self.seq = self.ack = None
        self.itype = self.icode = self.iid = self.iseq = None
        self.payload = b""
        self.inner = None
        self.l4_csum = None
        self.mtu = self.ext_len = self.quote = None
        if self.off == 0:
            self._l4()

    def _l4(self):
        l4 = self.l4
        if self.proto in (UDP_P, TCP_P) and len(l4) >= 4:
            self.sport, self.dport = struct.unpack_from("!HH", l4)
        if self.proto == UDP_P and len(l4) >= 8:
            self.l4_csum = u16(l4, 6)
            self.payload = l4[8:]
        elif self.proto == TCP_P and len(l4) >= 8:
            self.seq = u32(l4, 4)
            if len(l4) >= 20:
                self.ack = u32(l4, 8)
                self.flags = l4[13]
                self.l4_csum = u16(l4, 16)
                self.payload = l4[(l4[12] >> 4) * 4:]
        elif self.proto == ICMP_P and len(l4) >= 8:
            self.itype, self.icode = l4[0], l4[1]
            self.l4_csum = u16(l4, 2)
            if self.itype in ICMP_QUERIES:
                self.iid, self.iseq = struct.unpack_from("!HH", l4, 4)
                self.payload = l4[8:]
            elif self.itype in ICMP_ERRORS and not self.quoted:
                self.mtu = u16(l4, 6) if self.itype == 3 else None
                self.ext_len = l4[5] * 4    # RFC 4884 length, 0 if none
                body = l4[8:]
                if self.ext_len:
                    body = body[:self.ext_len]
                self.quote = body
                try:
                    self.inner = Pkt(body, quoted=True)
                except ValueError:
                    self.inner = None
        elif self.proto in (GRE_P, ESP_P, SCTP_P):
            self.payload = l4

    def tflags(self):
        return "".join(c for c, bit in zip("FSRPAU", (1, 2, 4, 8, 16, 32))
                       if self.flags is not None and self.flags & bit)

    def __repr__(self):
        s = "%s > %s proto %d len %d id %d ttl %d%s%s" % (
            self.src, self.dst, self.proto, self.tot_len, self.id, self.ttl,
            " DF" if self.df else "", " frag@%d%s" % (self.off,
                                                       "+" if self.mf else "")
            if self.frag else "")
        if self.sport is not None:
            s += " %d > %d" % (self.sport, self.dport)
        if self.flags is not None:
            s += " [%s] seq %d" % (self.tflags(), self.seq)
        if self.itype is not None:
            s += " icmp %d/%d" % (self.itype, self.icode)
            if self.iid is not None:
                s += " id %d seq %d" % (self.iid, self.iseq)
            if self.inner is not None:
                s += " {quote: %r}" % self.inner
        return s


def l4_problems(p):
    """Checksum problems of the transport header of a whole datagram."""
    l4 = p.l4
    if p.proto == UDP_P:
        if len(l4) < 8 or u16(l4, 4) != len(l4):
            return ["UDP length %s, datagram %d" %
                    (u16(l4, 4) if len(l4) >= 6 else "?", len(l4))]
        if u16(l4, 6) == 0:
            return []           # no checksum (RFC 768)
        if sum16(pseudo(p.src, p.dst, UDP_P, len(l4)) + l4) != 0xffff:
            return ["bad UDP checksum %04x" % u16(l4, 6)]
    elif p.proto == TCP_P:
        if sum16(pseudo(p.src, p.dst, TCP_P, len(l4)) + l4) != 0xffff:
            return ["bad TCP checksum %04x" % u16(l4, 16)]
    elif p.proto == ICMP_P:
        if sum16(l4) != 0xffff:
            return ["bad ICMP checksum %04x" % u16(l4, 2)]
    return []


def problems(p):
    """Every checksum or length problem of captured packet P (fragments:
    the IPv4 header only; the caller checks the reassembled datagram)."""
    out = []
    if sum16(p.raw[:p.ihl]) != 0xffff:
        out.append("bad IPv4 header checksum %04x" % p.ip_csum)
    if p.tot_len != len(p.raw):
        out.append("IPv4 total length %d, packet %d" % (p.tot_len,
                                                         len(p.raw)))
    if p.frag:
        return out
    out += l4_problems(p)
    if p.itype in ICMP_ERRORS:
        q = p.inner
        if q is None:
            out.append("ICMP error without a quoted IPv4 header")
        else:
            if sum16(q.raw[:q.ihl]) != 0xffff:
                out.append("bad quoted IPv4 header checksum %04x" %
                           q.ip_csum)
            if q.whole and not q.frag and q.proto in (UDP_P, TCP_P, ICMP_P):
                out += ["quoted packet: " + m for m in l4_problems(q)]
    return out


# ----------------------------------------------------------------------
# Namespaces and sockets

def in_netns(ns, fn):
    """Run FN with this thread in network namespace NS; return its value."""
    with ns_lock:
        me = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        fd = os.open("/run/netns/" + ns, os.O_RDONLY)
        try:
            if libc.setns(fd, CLONE_NEWNET) != 0:
                raise Broken("setns(%s): %s" % (
                    ns, os.strerror(ctypes.get_errno())))
            try:
                return fn()
            finally:
                if libc.setns(me, CLONE_NEWNET) != 0:
                    raise Broken("setns back: %s" %
                                 os.strerror(ctypes.get_errno()))
        finally:
            os.close(fd)
            os.close(me)


def packet_socket(ns, dev):
    def make():
        s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM,
                          socket.htons(ETH_P_IP))
        s.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
        s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
        s.bind((dev, ETH_P_IP))
        return s
    return in_netns(ns, make)


class Port:
    """One side's device as a test sees it: send packets into it (tunnat
    reads them) and receive what tunnat writes to it, every packet
    checked (see problems()).  Fragments are also reassembled, and the
    whole datagram checked: see datagrams."""

    def __init__(self, lab, side):
        self.side = side
        self.dev = lab.dev[side]
        self.sock = packet_socket(lab.ns[side], self.dev)
        self.pending = []       # received, not yet taken by expect()
        self.log = []           # everything received, for messages
        self.frags = {}         # (src, dst, proto, id) -> [Pkt]
        self.datagrams = []     # reassembled: (Pkt, [fragment Pkt])
        self.bad = []           # checksum problems seen

    def close(self):
        self.sock.close()

    def send(self, pkt):
        data = bytes(pkt)
        self.sock.sendto(data, (self.dev, ETH_P_IP))
        return data

    def _take(self, data):
        try:
            p = Pkt(data)
        except ValueError as e:
            self.bad.append("%s: %s" % (self.side, e))
            return
        p.t = time.monotonic()
        for m in problems(p):
            self.bad.append("%s: %s: %r" % (self.side, m, p))
        self.log.append(p)
        self.pending.append(p)
        if p.frag:
            self._fragment(p)

    def _fragment(self, p):
        key = (p.src, p.dst, p.proto, p.id)
        fl = self.frags.setdefault(key, [])
        fl.append(p)
        last = [f for f in fl if not f.mf]
        if not last:
            return
        end = last[0].off + len(last[0].l4)
        have = 0
        for f in sorted(fl, key=lambda f: f.off):
            if f.off > have:
                return
            have = max(have, f.off + len(f.l4))
        if have < end:
            return
        body = bytearray(end)
        for f in sorted(fl, key=lambda f: f.off):
            body[f.off:f.off + len(f.l4)] = f.l4
        first = [f for f in fl if f.off == 0][0]
        hdr = bytearray(first.raw[:first.ihl])
        struct.pack_into("!H", hdr, 2, first.ihl + end)
        struct.pack_into("!H", hdr, 6, 0)
        struct.pack_into("!H", hdr, 10, 0)
        struct.pack_into("!H", hdr, 10, 0xffff - sum16(bytes(hdr)))
        whole = Pkt(bytes(hdr) + bytes(body))
        for m in l4_problems(whole):
            self.bad.append("%s: reassembled: %s: %r" % (self.side, m,
                                                         whole))
        del self.frags[key]
        self.datagrams.append((whole, fl))

    def poll(self, timeout=0.0):
        """Read what is there, waiting up to TIMEOUT for the first."""
        r, _, _ = select.select([self.sock], [], [], timeout)
        if not r:
            return
        while True:
            try:
                data, addr = self.sock.recvfrom(65535, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return
            if addr[2] == PACKET_HOST:
                self._take(data)

    def find(self, pred):
        for i, p in enumerate(self.pending):
            if pred(p):
                return self.pending.pop(i)
        return None

    def expect(self, pred, what, timeout=2.0):
        """The first packet matching PRED, received within TIMEOUT."""
        deadline = time.monotonic() + timeout
        while True:
            p = self.find(pred)
            if p is not None:
                return p
            left = deadline - time.monotonic()
            if left <= 0:
                raise Fail("%s: nothing on %s within %.1f s%s" % (
                    what, self.side, timeout, self.recent()))
            self.poll(min(left, 0.2))

    def recent(self):
        if not self.log:
            return " (it received nothing at all)"
        return "; the last it received:\n        " + "\n        ".join(
            repr(p) for p in self.log[-4:])


# ----------------------------------------------------------------------
# tunnat

class Tunnat:
    def __init__(self, lab, name, conf):
        self.lab = lab
        self.name = name
        self.conf_path = os.path.join(lab.work, "conformance-%s.yaml" % name)
        self.log_path = os.path.join(lab.work, "conformance-%s.log" % name)
        with open(self.conf_path, "w") as f:
            f.write(conf)
        self.stats_lock = threading.Lock()
        logf = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [lab.tunnat, "-c", self.conf_path, "-l", "debug"],
            stdout=logf, stderr=subprocess.STDOUT,
            preexec_fn=lambda: libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM))
        logf.close()
        lab.record_pid(self.proc.pid)
        deadline = time.monotonic() + 10
        while "forwarding between" not in self.text():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise Broken("tunnat (%s) did not start:\n%s" %
                             (name, self.text()))
            time.sleep(0.02)

    def text(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def whole_lines(self):
        """The log's lines that tunnat has finished writing."""
        text = self.text()
        return text[:text.rfind("\n") + 1].splitlines()

    def stats(self):
        """Every counter of a fresh stats line (SIGUSR1), as a dict.
        Only whole lines count: one read mid-write once met a counter
        without its value."""
        with self.stats_lock:
            before = len([ln for ln in self.whole_lines()
                          if " stats: " in ln])
            if self.proc.poll() is not None:
                raise Fail("tunnat has exited (status %s)" %
                           self.proc.returncode)
            self.proc.send_signal(signal.SIGUSR1)
            deadline = time.monotonic() + 5
            while True:
                lines = [ln for ln in self.whole_lines()
                         if " stats: " in ln]
                if len(lines) > before:
                    break
                if time.monotonic() > deadline:
                    raise Fail("no stats line within 5 s of SIGUSR1")
                time.sleep(0.01)
            out = {}
            for kv in lines[-1].split(" stats: ", 1)[1].split():
                k, _, v = kv.partition("=")
                out[k] = int(v)
            return out

    def stop(self):
        """SIGTERM; tunnat must exit 0 within 10 s."""
        if self.proc.poll() is not None:
            raise Fail("tunnat had already exited with status %d" %
                       self.proc.returncode)
        self.proc.terminate()
        try:
            rc = self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise Fail("tunnat did not exit within 10 s of SIGTERM")
        if rc != 0:
            raise Fail("tunnat exited with status %d" % rc)


class Lab:
    def __init__(self, args):
        self.ns = {"lan": args.lan, "wan": args.wan}
        self.dev = {"lan": "tin%s" % args.id, "wan": "tout%s" % args.id}
        self.work = args.work
        self.tunnat = args.tunnat
        self.tunnatctl = args.tunnatctl
        self.ctl_sock = os.path.join(args.work, "conformance-ctl.sock")
        self.srcdir = args.srcdir
        self.pidfile = os.path.join(args.work, "conformance.pids")
        self.drop_reasons = self._drop_reasons()

    def record_pid(self, pid):
        with open(self.pidfile, "a") as f:
            f.write("%d\n" % pid)

    def _drop_reasons(self):
        path = os.path.join(self.srcdir, "src/net/ipv4.c")
        with open(path) as f:
            names = re.findall(r'\[DROP_[A-Z0-9_]+\]\s*=\s*"([a-z0-9-]+)"',
                               f.read())
        if len(names) < 10:
            raise Broken("cannot read the drop reasons from %s" % path)
        return set(names) - {"none"}

    def config(self, nat=None, top=None, inside=None, outside=None):
        """The YAML (as JSON, which YAML reads) of a test configuration."""
        conf = {
            "inside": dict({"device": self.dev["lan"],
                            "netns": self.ns["lan"]}, **(inside or {})),
            "outside": dict({"device": self.dev["wan"],
                             "netns": self.ns["wan"]}, **(outside or {})),
            "nat": dict({"addresses": [PUB]}, **(nat or {})),
        }
        conf.update(top or {})
        # every tunnat the suite starts has its own control socket
        conf.setdefault("control", {"socket": self.ctl_sock})
        # the keys the environment asks for, as lib.sh's env_yaml gives
        # them (workers.sh runs some tests with io_uring on)
        for key, var in (("workers", "TUNNAT_WORKERS"),
                         ("io-uring", "TUNNAT_IO_URING")):
            if os.environ.get(var):
                conf.setdefault(key, os.environ[var])
        return json.dumps(conf, indent=1) + "\n"


# ----------------------------------------------------------------------
# Allocation: every test works on inside hosts and ports of its own

_alloc_lock = threading.Lock()
_hosts = itertools.count(1)
_ports = itertools.count(20000)
_ids = itertools.count(1)
_sync_ids = itertools.count(61000)
_tokens = itertools.count(1)
rng = random.Random()


def new_host():
    with _alloc_lock:
        n = next(_hosts)
    return "10.0.%d.%d" % (n // 250 + 1, n % 250 + 1)


def new_port():
    with _alloc_lock:
        return next(_ports)


def new_icmp_id():
    with _alloc_lock:
        return 1000 + next(_ids)


def new_token(n=16):
    with _alloc_lock:
        t = b"tn%06d-" % next(_tokens)
    return t + bytes(rng.randrange(97, 123) for _ in range(max(0, n - 9)))


def rand_id():
    return rng.randrange(1, 65536)


def rand_seq():
    return rng.randrange(0, 1 << 32)


# ----------------------------------------------------------------------
# What a test sees

class Ctx:
    """A test's view: its own sockets on both sides, helpers that send a
    packet and expect (or rule out) what tunnat makes of it."""

    def __init__(self, run, name):
        self.run = run
        self.name = name
        self.lan = Port(run.lab, "lan")
        self.wan = Port(run.lab, "wan")

    def close(self):
        self.lan.close()
        self.wan.close()

    # -- assertions ---------------------------------------------------
    def check(self, cond, msg):
        if not cond:
            raise Fail(msg)

    def eq(self, got, want, what):
        if got != want:
            raise Fail("%s: got %r, want %r" % (what, got, want))

    # -- barrier --------------------------------------------------------
    def settle(self, grace=0.05):
        """Return once tunnat has handled every packet written so far on
        either side: each side gets an echo request to tunnat itself,
        which tunnat answers in order after what came before it."""
        for port, src, dst in ((self.lan, SYNC_LAN, ROUTER),
                               (self.wan, SYNC_WAN, self.run.pub)):
            with _alloc_lock:
                i = next(_sync_ids)
            port.send(IP(src=src, dst=dst, id=rand_id()) /
                      ICMP(type=8, id=i, seq=1) / Raw(b"barrier"))
            port.expect(lambda p: p.itype == 0 and p.iid == i and
                        p.src == dst and p.dst == src,
                        "barrier: tunnat's echo reply from %s" % dst, 3.0)
        time.sleep(grace)
        self.lan.poll()
        self.wan.poll()

    def none(self, port, pred, what):
        """Nothing matching PRED came out on PORT (after a barrier)."""
        self.settle()
        got = [p for p in port.pending if pred(p)]
        if got:
            raise Fail("%s: it came out on %s: %r" % (what, port.side,
                                                      got[0]))

    # -- counters, and the NAT table ----------------------------------
    def stats(self):
        return self.run.tunnat.stats()

    def sessions(self, *filters):
        """tunnatctl sessions --json FILTERS...: the sessions listed."""
        r = subprocess.run([self.run.lab.tunnatctl, "-s",
                            self.run.lab.ctl_sock, "sessions", "--json"] +
                           list(filters), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=30)
        if r.returncode != 0:
            raise Fail("tunnatctl sessions %s: exit %d: %s" % (
                " ".join(filters), r.returncode, r.stdout.decode()))
        return json.loads(r.stdout)["sessions"]

    def drop(self, reason, st=None):
        if reason not in self.run.lab.drop_reasons:
            raise Broken("drop reason %r is not one of the engine's" %
                         reason)
        st = st or self.stats()
        return st.get("drop-" + reason, 0)

    # -- UDP ------------------------------------------------------------
    def squat(self, kind, port, dst, dport):
        """Another inside host takes public port (or ICMP id) PORT first,
        so that the flow that follows from PORT must get another one:
        what tunnat restores on the way back can then be seen.  (If a
        mapping moved off its own port earlier took PORT at random, the
        squatter gets another: PORT is just as taken.)"""
        if kind == "udp":
            self.out_udp(new_host(), port, dst, dport)
        elif kind == "tcp":
            self.out_tcp(new_host(), port, dst, dport)
        else:
            self.out_echo(new_host(), port, dst)

    def gets_in(self, kind, port):
        """Whether a stranger's packet to the public address and PORT
        gets in (KIND "udp": a datagram; "tcp": a SYN; "icmp": an echo
        reply with identifier PORT): under endpoint-independent
        filtering, whether a mapping of KIND holds PORT."""
        data = new_token()
        ip = IP(src="192.0.2.77", dst=self.run.pub, id=rand_id())
        if kind == "udp":
            self.wan.send(ip / UDP(sport=9, dport=port) / Raw(data))
        elif kind == "tcp":
            self.wan.send(ip / TCP(sport=9, dport=port, flags="S",
                                   seq=rand_seq()) / Raw(data))
        else:
            self.wan.send(ip / ICMP(type=0, id=port, seq=1) / Raw(data))
        self.settle()
        got = [p for p in self.lan.pending if data in p.raw]
        for p in got:
            self.lan.pending.remove(p)
        return bool(got)

    def free_port(self, *kinds, tries=5):
        """A fresh port no mapping of any of KINDS holds (see gets_in):
        one that an earlier mapping took at random when it moved is
        passed over, up to TRIES times."""
        for _ in range(tries):
            p = new_port()
            if not any(self.gets_in(k, p) for k in kinds):
                return p
        raise Fail("%d fresh ports in a row were mapped (%s)" %
                   (tries, "/".join(kinds)))

    def mapped_on_free(self, kind, others, send, tries=5):
        """SEND(port) a flow of KIND from a fresh port that no mapping of
        OTHERS holds, which tunnat keeps: what left.  (Tried again, up to
        TRIES times, when an earlier mapping took a fresh port at
        random.)"""
        for _ in range(tries):
            p = self.free_port(*others)
            got = send(p)
            if got.sport == p:
                return got
        raise Fail("%d fresh %s ports in a row were not kept" % (tries,
                                                                 kind))

    def kept(self, kind, src, dst, dport, tries=5):
        """A flow from SRC ("udp" or "tcp") on a fresh port that tunnat
        keeps, as it should a free one: (port, what left).  A fresh port
        may have been taken at random by an earlier mapping that had to
        move; then another is tried, up to TRIES: a tunnat that never
        keeps a free port still fails."""
        for _ in range(tries):
            p = new_port()
            if kind == "udp":
                got = self.out_udp(src, p, dst, dport)
            else:
                got = self.out_tcp(src, p, dst, dport)
            if got.sport == p:
                return p, got
        raise Fail("%d fresh %s ports in a row were not kept" % (tries,
                                                                 kind))

    def moved(self, got, port):
        if got == port:
            raise Fail("port %d kept, though another host holds it" % port)

    def out_udp(self, src, sport, dst, dport, data=None, expect=True,
                ip=None, csum=None, moved=False):
        """UDP from inside; return what left on the WAN side (checked:
        payload, TTL, public source) or, with EXPECT false, rule it out.
        MOVED: another host holds SPORT first, so it must change."""
        if moved:
            self.squat("udp", sport, dst, dport)
        data = new_token() if data is None else data
        ipkw = dict(id=rand_id(), ttl=64)
        ipkw.update(ip or {})
        udp = UDP(sport=sport, dport=dport)
        if csum is not None:
            udp.chksum = csum
        sent = Pkt(self.lan.send(IP(src=src, dst=dst, **ipkw) / udp /
                                 Raw(data)))

        def match(p):
            return (p.proto == UDP_P and p.dst == dst and p.dport == dport
                    and p.payload == data)
        what = "UDP %s:%d -> %s:%d" % (src, sport, dst, dport)
        if not expect:
            self.none(self.wan, match, what + " (should not leave)")
            return None
        got = self.wan.expect(match, what)
        self.check(got.src in self.run.pool,
                   "%s left from %s, not a public address" % (what, got.src))
        self.eq(got.ttl, sent.ttl - 1, what + ": TTL")
        self.eq(got.tos, sent.tos, what + ": TOS")
        if moved:
            self.moved(got.sport, sport)
        got.sent = sent
        return got

    def in_udp(self, src, sport, pub, pport, to=None, data=None,
               expect=True, ip=None, csum=None):
        """UDP from outside to PUB:PPORT; with EXPECT, return what reached
        the LAN and check it went TO (host, port); else rule it out."""
        data = new_token() if data is None else data
        ipkw = dict(id=rand_id(), ttl=64)
        ipkw.update(ip or {})
        udp = UDP(sport=sport, dport=pport)
        if csum is not None:
            udp.chksum = csum
        sent = Pkt(self.wan.send(IP(src=src, dst=pub, **ipkw) / udp /
                                 Raw(data)))

        def match(p):
            return p.proto == UDP_P and p.payload == data
        what = "UDP %s:%d -> %s:%d" % (src, sport, pub, pport)
        if not expect:
            self.none(self.lan, match, what + " (should not get in)")
            return None
        got = self.lan.expect(match, what)
        self.eq((got.src, got.sport), (src, sport), what + ": source")
        if to is not None:
            self.eq((got.dst, got.dport), tuple(to), what + ": delivered to")
        self.eq(got.ttl, sent.ttl - 1, what + ": TTL")
        got.sent = sent
        return got

    # -- TCP ------------------------------------------------------------
    def out_tcp(self, src, sport, dst, dport, flags=S, seq=None, ack=0,
                data=b"", expect=True, ip=None, moved=False):
        if moved:
            self.squat("tcp", sport, dst, dport)
        seq = rand_seq() if seq is None else seq
        ipkw = dict(id=rand_id())
        ipkw.update(ip or {})
        sent = Pkt(self.lan.send(
            IP(src=src, dst=dst, **ipkw) /
            TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack,
                window=8192) / Raw(data)))

        def match(p):
            return (p.proto == TCP_P and p.dst == dst and p.dport == dport
                    and p.seq == seq and p.flags == flags and
                    p.payload == data)
        what = "TCP [%s] %s:%d -> %s:%d" % (sent.tflags(), src, sport, dst,
                                             dport)
        if not expect:
            self.none(self.wan, match, what + " (should not leave)")
            return None
        got = self.wan.expect(match, what)
        self.check(got.src in self.run.pool,
                   "%s left from %s, not a public address" % (what, got.src))
        self.eq(got.ttl, sent.ttl - 1, what + ": TTL")
        if moved:
            self.moved(got.sport, sport)
        got.sent = sent
        return got

    def in_tcp(self, src, sport, pub, pport, to=None, flags=S | A, seq=None,
               ack=0, data=b"", expect=True, ip=None):
        seq = rand_seq() if seq is None else seq
        ipkw = dict(id=rand_id())
        ipkw.update(ip or {})
        sent = Pkt(self.wan.send(
            IP(src=src, dst=pub, **ipkw) /
            TCP(sport=sport, dport=pport, flags=flags, seq=seq, ack=ack,
                window=8192) / Raw(data)))

        def match(p):
            return (p.proto == TCP_P and p.src == src and p.sport == sport
                    and p.seq == seq and p.flags == flags and
                    p.payload == data)
        what = "TCP [%s] %s:%d -> %s:%d" % (sent.tflags(), src, sport, pub,
                                             pport)
        if not expect:
            self.none(self.lan, match, what + " (should not get in)")
            return None
        got = self.lan.expect(match, what)
        if to is not None:
            self.eq((got.dst, got.dport), tuple(to), what + ": delivered to")
        got.sent = sent
        return got

    def handshake(self, h, hp, y, yp, moved=False):
        """SYN out, SYN-ACK in, ACK out: an established connection.
        Return (public address, public port, our seq, their seq)."""
        cs, ss = rand_seq(), rand_seq()
        syn = self.out_tcp(h, hp, y, yp, S, cs, moved=moved)
        self.in_tcp(y, yp, syn.src, syn.sport, (h, hp), S | A, ss, cs + 1)
        self.out_tcp(h, hp, y, yp, A, cs + 1, ss + 1)
        return syn.src, syn.sport, cs + 1, ss + 1

    # -- ICMP queries ---------------------------------------------------
    def out_echo(self, src, ident, dst, seq=1, expect=True, itype=8,
                 ip=None, extra=None, moved=False):
        if moved:
            self.squat("icmp", ident, dst, 0)
        data = new_token()
        ipkw = dict(id=rand_id())
        ipkw.update(ip or {})
        icmp = ICMP(type=itype, id=ident, seq=seq)
        if extra:
            for k, v in extra.items():
                setattr(icmp, k, v)
        sent = Pkt(self.lan.send(IP(src=src, dst=dst, **ipkw) / icmp /
                                 Raw(data)))

        def match(p):
            return (p.proto == ICMP_P and p.dst == dst and p.itype == itype
                    and p.payload.endswith(data))
        what = "ICMP %d id %d %s -> %s" % (itype, ident, src, dst)
        if not expect:
            self.none(self.wan, match, what + " (should not leave)")
            return None
        got = self.wan.expect(match, what)
        self.check(got.src in self.run.pool,
                   "%s left from %s, not a public address" % (what, got.src))
        self.eq(got.iseq, seq, what + ": sequence number")
        if moved:
            self.moved(got.iid, ident)
        got.sent = sent
        return got

    def in_echo_reply(self, src, pub, ident, to=None, seq=1, expect=True,
                      itype=0):
        data = new_token()
        self.wan.send(IP(src=src, dst=pub, id=rand_id()) /
                      ICMP(type=itype, id=ident, seq=seq) / Raw(data))

        def match(p):
            return p.proto == ICMP_P and p.itype == itype and \
                p.payload.endswith(data)
        what = "ICMP %d id %d %s -> %s" % (itype, ident, src, pub)
        if not expect:
            self.none(self.lan, match, what + " (should not get in)")
            return None
        got = self.lan.expect(match, what)
        self.eq(got.src, src, what + ": source")
        if to is not None:
            self.eq((got.dst, got.iid), tuple(to), what + ": to (host, id)")
        return got

    # -- ICMP errors ----------------------------------------------------
    def error_pkt(self, src, dst, itype, code, quote, mtu=0, tos=0):
        icmp = ICMP(type=itype, code=code)
        if itype == 3 and code == 4:
            icmp.nexthopmtu = mtu
        return IP(src=src, dst=dst, id=rand_id(), tos=tos) / icmp / \
            Raw(bytes(quote))


# ----------------------------------------------------------------------
# Registry and runner

GROUPS = {}        # name -> dict(conf=..., parallel=..., tests=[...])
ORDER = []


def group(name, parallel=False, **conf):
    GROUPS[name] = dict(conf=conf, parallel=parallel, tests=[], setup=None,
                        pool=conf.pop("pool", [PUB]))
    ORDER.append(name)


def case(gname):
    def reg(fn):
        GROUPS[gname]["tests"].append(fn)
        return fn
    return reg


def setup(gname):
    def reg(fn):
        GROUPS[gname]["setup"] = fn
        return fn
    return reg


class GroupRun:
    def __init__(self, lab, name, g):
        self.lab = lab
        self.name = name
        self.pool = g["pool"]
        self.pub = self.pool[0]
        self.tunnat = None
        self.state = {}


class Runner:
    def __init__(self, lab, only):
        self.lab = lab
        self.only = only
        self.results = []
        self.lock = threading.Lock()

    def report(self, name, ok, msg, secs):
        with self.lock:
            self.results.append((name, ok))
            if ok:
                print("PASS: %s (%.1f s)" % (name, secs))
            else:
                print("FAIL: %s (%.1f s)" % (name, secs))
                for line in msg.rstrip().splitlines():
                    print("    | " + line)
            sys.stdout.flush()

    def one(self, run, fn, ctx=None, shared=False):
        t0 = time.monotonic()
        ok, msg = True, ""
        try:
            c = ctx or Ctx(run, fn.__name__)
            try:
                fn(c)
                # late packets, then every checksum of the whole test
                c.lan.poll(0.02)
                c.wan.poll(0.0)
                bad = c.lan.bad + c.wan.bad
                if bad:
                    raise Fail("bad packets captured:\n" + "\n".join(bad))
                left = [k for k, v in list(c.lan.frags.items()) +
                        list(c.wan.frags.items())]
                # in a parallel group every capture also sees the other
                # tests' packets, and may close in the middle of another
                # test's fragmented datagram: only a test alone on the
                # devices can tell a datagram that never came whole
                if left and not shared:
                    raise Fail("fragments that never made a datagram: %r" %
                               left)
            finally:
                c.close()
        except Fail as e:
            ok, msg = False, str(e)
        except Exception:       # Broken too: a test never dies unreported
            ok, msg = False, traceback.format_exc()
        self.report(fn.__name__, ok, msg, time.monotonic() - t0)

    def group(self, name):
        g = GROUPS[name]
        tests = [t for t in g["tests"]
                 if not self.only or t.__name__ in self.only]
        if not tests:
            return
        run = GroupRun(self.lab, name, g)
        conf = g["conf"]
        if "raw" in conf:       # a test that runs tunnat itself
            for t in tests:
                self.one(run, t, ctx=NoCtx(run, t.__name__))
            return
        print("# group %s: %d test%s%s" % (name, len(tests),
                                          "s" if len(tests) > 1 else "",
                                          " in parallel" if g["parallel"]
                                          else ""))
        sys.stdout.flush()
        run.tunnat = Tunnat(self.lab, name, self.lab.config(**conf))
        try:
            if g["setup"]:
                c = Ctx(run, name + "-setup")
                try:
                    g["setup"](c)
                finally:
                    c.close()
            if g["parallel"]:
                ctxs = [Ctx(run, t.__name__) for t in tests]
                threads = [threading.Thread(target=self.one,
                                            args=(run, t, c, True))
                           for t, c in zip(tests, ctxs)]
                for th in threads:
                    th.start()
                for th in threads:
                    th.join(120)
                    if th.is_alive():
                        raise Broken("a test thread of %s hangs" % name)
            else:
                for t in tests:
                    self.one(run, t)
        except Fail as e:
            raise Broken("group %s setup: %s" % (name, e))
        finally:
            try:
                run.tunnat.stop()
            except Fail as e:
                self.report(name + "_tunnat_stop", False, str(e), 0)


class NoPort:
    """The Port of a test that has no devices (it runs tunnat -t)."""
    bad = []
    frags = {}

    def poll(self, timeout=0.0):
        pass

    def close(self):
        pass


class NoCtx:
    """The Ctx of a test that runs tunnat -t itself: no devices."""

    def __init__(self, run, name):
        self.run = run
        self.name = name
        self.lan = self.wan = NoPort()

    def close(self):
        pass

    def check(self, cond, msg):
        if not cond:
            raise Fail(msg)


def run_all(args):
    """Run every group (or only ARGS.only); return the exit status."""
    seed = args.seed if args.seed is not None else \
        int.from_bytes(os.urandom(4), "big")
    rng.seed(seed)
    print("# conformance: random seed %d (--seed to repeat)" % seed)

    def term(signum, frame):
        raise KeyboardInterrupt("signal %d" % signum)
    signal.signal(signal.SIGTERM, term)
    lab = Lab(args)
    only = set(x for x in args.only.split(",") if x)
    known = set(t.__name__ for g in ORDER for t in GROUPS[g]["tests"])
    if only - known:
        print("ERROR: unknown tests: %s" % " ".join(sorted(only - known)))
        return 99
    runner = Runner(lab, only)
    t0 = time.monotonic()
    try:
        for g in ORDER:
            runner.group(g)
    except Broken as e:
        print("ERROR: %s" % e)
        return 99
    want = [t.__name__ for g in ORDER for t in GROUPS[g]["tests"]
            if not only or t.__name__ in only]
    ran = [n for n, ok in runner.results]
    if sorted(set(want) - set(ran)):
        print("ERROR: tests that never reported: %s" %
              " ".join(sorted(set(want) - set(ran))))
        return 99
    failed = [n for n, ok in runner.results if not ok]
    print("# conformance: %d tests, %d failed, %.1f s" % (
        len(runner.results), len(failed), time.monotonic() - t0))
    if failed:
        print("# failed: " + " ".join(failed))
    return 1 if failed else 0
