#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# soak.py - the traffic of the soak test (tests/soak/soak.sh)
#
#   soak.py server ADDR
#       until SIGTERM, on ADDR: a TCP echo on port 8000 (one connection
#       per client exchange), a UDP echo on port 7000, a PPTP server on
#       port 1723 (control connection, calls, Call-Clear-Request answered
#       by Call-Disconnect-Notify, Stop-Control-Connection) that echoes
#       each call's GRE back with the client's Call ID.  Prints "listening"
#       when ready.
#   soak.py client SERVER SECONDS HOST...
#       for SECONDS, from each inside HOST at once: short TCP connections
#       (connect, 512 bytes echoed, close; 5 a second), UDP flows (a new
#       source port every second, 10 datagrams echoed), pings (5 a second)
#       and PPTP calls with churn (control connection, call, 2 s of GRE
#       at 10 a second, Call-Clear-Request, Stop-Control-Connection,
#       close; over again).  Each exchange waits for its answer, up to 2 s.
#       Prints one JSON object of what was sent and answered; exits 1 if
#       anything went unanswered or failed.
# The PPTP messages are flows.py's (tests/lab): enough of RFC 2637 for the
# ALG to see a real exchange; nothing here needs PPP.

import json
import os
import select
import signal
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lab"))
import flows  # noqa: E402

WAIT = 2.0


def ccrq(call_id):
    return flows.ctrl(12, struct.pack("!HH", call_id, 0), 16)


def cdn(call_id):
    return flows.ctrl(13, struct.pack("!HBBHH", call_id, 1, 0, 0, 0), 148)


def stop_rq():
    return flows.ctrl(3, struct.pack("!BBH", 1, 0, 0), 16)


def stop_rp():
    return flows.ctrl(4, struct.pack("!BBH", 1, 0, 0), 16)


# ---- server ----------------------------------------------------------------

def server(addr):
    stop = []
    signal.signal(signal.SIGTERM, lambda s, f: stop.append(1))
    tl = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tl.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tl.bind((addr, 8000))
    tl.listen(256)
    us = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    us.bind((addr, 7000))
    pl = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    pl.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    pl.bind((addr, 1723))
    pl.listen(64)
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_GRE)
    raw.bind((addr, 0))
    echo = {}		# TCP echo connections
    pptp = {}		# control connections -> peer address
    calls = {}		# our Call ID -> (peer address, peer Call ID)
    next_id = 256
    n = dict(tcp=0, udp=0, gre=0, calls=0, cleared=0)
    print("listening", flush=True)
    while not stop:
        try:
            r, _, _ = select.select([tl, us, pl, raw] + list(echo) +
                                    list(pptp), [], [], 0.5)
        except InterruptedError:
            continue
        for s in r:
            if s is tl:
                c, _ = tl.accept()
                echo[c] = 1
                n["tcp"] += 1
            elif s is us:
                b, peer = us.recvfrom(65536)
                us.sendto(b, peer)
                n["udp"] += 1
            elif s is pl:
                c, peer = pl.accept()
                pptp[c] = peer[0]
            elif s is raw:
                p = flows.gre_parse(raw.recv(65536))
                if p and p[2] in calls:
                    peer, peer_id = calls[p[2]]
                    raw.sendto(flows.gre(peer_id, p[3]), (peer, 0))
                    n["gre"] += 1
            elif s in echo:
                try:
                    b = s.recv(65536)
                except OSError:
                    b = b""
                if b:
                    s.sendall(b)
                else:
                    s.close()
                    del echo[s]
            else:
                try:
                    mtype, body = flows.read_msg(s)
                except (ValueError, OSError):
                    mtype = None
                if mtype == 1:
                    s.sendall(flows.sccrp())
                elif mtype == 7:
                    peer_id = struct.unpack("!H", body[:2])[0]
                    calls[next_id] = (pptp[s], peer_id)
                    s.sendall(flows.ocrp(next_id, peer_id))
                    next_id = 256 + (next_id - 255) % 30000
                    n["calls"] += 1
                elif mtype == 12:
                    peer_id = struct.unpack("!H", body[:2])[0]
                    for cid, (peer, pid) in list(calls.items()):
                        if peer == pptp[s] and pid == peer_id:
                            del calls[cid]
                            s.sendall(cdn(cid))
                            n["cleared"] += 1
                elif mtype == 3:
                    s.sendall(stop_rp())
                elif mtype is None:
                    s.close()
                    del pptp[s]
    print(json.dumps(n), flush=True)
    return 0


# ---- client ----------------------------------------------------------------

class Counts:
    def __init__(self):
        self.lock = threading.Lock()
        self.n = {}
        self.errors = []

    def add(self, key, v=1):
        with self.lock:
            self.n[key] = self.n.get(key, 0) + v

    def error(self, what):
        with self.lock:
            if len(self.errors) < 20:
                self.errors.append(what)
        self.add("errors")


def paced(end, interval, fn):
    """Call fn() every interval seconds until end."""
    nxt = time.monotonic()
    while nxt < end:
        fn()
        nxt += interval
        left = nxt - time.monotonic()
        if left > 0:
            time.sleep(left)


def tcp_worker(host, server, end, c):
    data = bytes(range(256)) * 2

    def one():
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(WAIT)
        try:
            s.bind((host, 0))
            s.connect((server, 8000))
            s.sendall(data)
            got = b""
            while len(got) < len(data):
                b = s.recv(len(data) - len(got))
                if not b:
                    break
                got += b
            if got != data:
                raise OSError("echo of %d bytes, not %d" %
                              (len(got), len(data)))
            c.add("tcp_connections")
        except OSError as e:
            c.add("tcp_failed")
            c.error("tcp from %s: %s" % (host, e))
        finally:
            s.close()
    paced(end, 0.2, one)


def udp_worker(host, server, end, c):
    def flow():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(WAIT)
        s.bind((host, 0))
        c.add("udp_flows")
        for i in range(10):
            msg = b"soak %s %d" % (host.encode(), i)
            s.sendto(msg, (server, 7000))
            c.add("udp_sent")
            try:
                while s.recv(2048) != msg:
                    pass
                c.add("udp_answered")
            except OSError as e:
                c.error("udp from %s: %s" % (host, e))
            time.sleep(0.08)
        s.close()
    paced(end, 1.0, flow)


def icmp_csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def ping_worker(host, server, end, c, ident):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.bind((host, 0))
    seq = [0]

    def one():
        seq[0] = (seq[0] + 1) & 0xffff
        payload = b"soak-ping-%08d" % seq[0]
        hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq[0])
        pkt = struct.pack("!BBHHH", 8, 0, icmp_csum(hdr + payload), ident,
                          seq[0]) + payload
        s.sendto(pkt, (server, 0))
        c.add("pings_sent")
        limit = time.monotonic() + WAIT
        while True:
            left = limit - time.monotonic()
            r = select.select([s], [], [], max(0, left))[0] if left > 0 \
                else []
            if not r:
                c.error("ping from %s: no reply to %d" % (host, seq[0]))
                return
            b, _ = s.recvfrom(2048)
            ihl = (b[0] & 15) * 4
            t, _, _, i, q = struct.unpack("!BBHHH", b[ihl:ihl + 8])
            if (t == 0 and i == ident and q == seq[0] and
                    socket.inet_ntoa(b[16:20]) == host):
                c.add("pings_answered")
                return
    paced(end, 0.2, one)
    s.close()


def pptp_worker(host, server, end, c):
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_GRE)
    raw.bind((host, 0))
    call_id = 0
    while time.monotonic() < end:
        call_id = call_id % 60000 + 1
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(WAIT)
        try:
            s.bind((host, 0))
            s.connect((server, 1723))
            s.sendall(flows.sccrq())
            if flows.read_msg(s)[0] != 2:
                raise OSError("no Start-Control-Connection-Reply")
            s.sendall(flows.ocrq(call_id, call_id))
            mtype, body = flows.read_msg(s)
            if mtype != 8:
                raise OSError("no Outgoing-Call-Reply")
            peer_id, mine = struct.unpack("!HH", body[:4])
            if mine != call_id:
                raise OSError("reply for Call ID %d, not %d" %
                              (mine, call_id))
            for i in range(20):
                msg = b"soak-gre %s %d %d" % (host.encode(), call_id, i)
                raw.sendto(flows.gre(peer_id, msg), (server, 0))
                c.add("gre_sent")
                limit = time.monotonic() + WAIT
                while True:
                    left = limit - time.monotonic()
                    if left <= 0 or not select.select([raw], [], [],
                                                      left)[0]:
                        c.error("gre from %s call %d: no echo of %d" %
                                (host, call_id, i))
                        break
                    p = flows.gre_parse(raw.recv(65536))
                    if p and p[1] == host and p[2] == call_id and \
                            p[3] == msg:
                        c.add("gre_answered")
                        break
                time.sleep(0.1)
            s.sendall(ccrq(call_id))
            mtype, body = flows.read_msg(s)
            if mtype != 13 or struct.unpack("!H", body[:2])[0] != peer_id:
                raise OSError("no Call-Disconnect-Notify")
            s.sendall(stop_rq())
            if flows.read_msg(s)[0] != 4:
                raise OSError("no Stop-Control-Connection-Reply")
            c.add("pptp_calls")
        except (OSError, ValueError) as e:
            c.add("pptp_failed")
            c.error("pptp from %s: %s" % (host, e))
        finally:
            s.close()
    raw.close()


def client(server, seconds, hosts):
    c = Counts()
    end = time.monotonic() + seconds
    threads = []
    for k, h in enumerate(hosts):
        for fn, args in ((tcp_worker, ()), (udp_worker, ()),
                         (ping_worker, (0x5000 + k,)), (pptp_worker, ())):
            t = threading.Thread(target=fn, args=(h, server, end, c) + args)
            t.start()
            threads.append(t)
    for t in threads:
        t.join()
    out = dict(sorted(c.n.items()))
    out["error_samples"] = c.errors
    print(json.dumps(out), flush=True)
    return 1 if c.n.get("errors") else 0


def main(argv):
    if argv[1] == "server":
        return server(argv[2])
    if argv[1] == "client":
        return client(argv[2], float(argv[3]), argv[4:])
    print("unknown command %s" % argv[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
