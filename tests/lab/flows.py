#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# flows.py - traffic and control-socket clients for the control tests
#
#   flows.py udp-fill SRC DST SPORT NSPORT DPORT NDPORT
#       one datagram from each of NSPORT source ports (from SPORT) of SRC to
#       each of NDPORT ports (from DPORT) of DST: NSPORT * NDPORT sessions
#   flows.py udp-echo PORT SECONDS
#       echo every datagram to PORT back to its sender, for SECONDS
#   flows.py udp-probe SRC DST PORT RATE SECONDS [STOP]
#       send RATE datagrams a second for SECONDS (or until the file STOP
#       exists) to an echo at DST:PORT; print "sent N received M
#       max_gap_ms G max_rtt_ms R" (gaps between echoes received, round
#       trips of those that came back)
#   flows.py ctl-stuck SOCKET SECONDS
#       ask tunnat for its sessions, then read nothing for SECONDS; print
#       "dropped" if tunnat closed the connection meanwhile, else "open"
#   flows.py ctl-raw SOCKET [HOLD]
#       send standard input as it is (HOLD: then keep the connection open
#       without sending more), print the reply; exit 0 when tunnat closed
#       the connection within 15 s
#   flows.py pptp-server ADDR SECONDS
#       a PPTP server on ADDR:1723: answers Start-Control-Connection and
#       Outgoing-Call requests (its Call IDs 256, 257, ...) and echoes each
#       call's GRE back with the peer's Call ID
#   flows.py pptp-client SRC SERVER CALL_ID SECONDS
#       from SRC: open a control connection and a call with CALL_ID, then
#       send GRE every 100 ms; print "call CALL_ID peer PEER_ID echoes N"
# The PPTP peers speak just enough of RFC 2637 for a NAT's ALG to see a
# real exchange; nothing here needs PPP.  Every command ends by itself.

import os
import select
import socket
import struct
import sys
import time

MAGIC = 0x1A2B3C4D
GRE_PPP = 0x880B


def udp_fill(src, dst, sport, nsport, dport, ndport):
    socks = []
    for i in range(nsport):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((src, sport + i))
        socks.append(s)
    # paced at about 40000 a second, which a TUN queue takes without
    # dropping while tunnat makes each session
    n = 0
    start = time.monotonic()
    for p in range(dport, dport + ndport):
        for s in socks:
            while True:
                try:
                    s.sendto(b"f", (dst, p))
                    break
                except OSError:
                    time.sleep(0.001)
            n += 1
            if n % 200 == 0:
                ahead = start + n / 40000.0 - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)
    return 0


def udp_echo(port, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    end = time.monotonic() + seconds
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return 0
        r, _, _ = select.select([s], [], [], left)
        if r:
            b, peer = s.recvfrom(65536)
            s.sendto(b, peer)


def udp_probe(src, dst, port, rate, seconds, stop=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.setblocking(False)
    interval = 1.0 / rate
    start = time.monotonic()
    end = start + seconds
    sent = received = 0
    sent_at = {}
    max_rtt = 0.0
    last_rx = start
    max_gap = 0.0
    nxt = start
    while True:
        now = time.monotonic()
        if stop and now < end and sent % 100 == 0 and os.path.exists(stop):
            end = now
        if now >= end + 1.0:
            break
        if now >= nxt and now < end:
            sent_at[sent] = now
            s.sendto(struct.pack("!I", sent), (dst, port))
            sent += 1
            nxt += interval
        wait = max(0.0, min(nxt, end + 1.0) - time.monotonic())
        r, _, _ = select.select([s], [], [], wait)
        while r:
            try:
                b, _ = s.recvfrom(64)
            except BlockingIOError:
                break
            t = time.monotonic()
            n = struct.unpack("!I", b[:4])[0]
            if n in sent_at:
                max_rtt = max(max_rtt, t - sent_at.pop(n))
                received += 1
                max_gap = max(max_gap, t - last_rx)
                last_rx = t
        if now >= end and not sent_at:
            break
    print("sent %d received %d max_gap_ms %d max_rtt_ms %d" %
          (sent, received, max_gap * 1000, max_rtt * 1000))
    return 0


def ctl_connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def ctl_stuck(path, seconds):
    s = ctl_connect(path)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(b"command=sessions\n\n")
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(0.1)
        # peek only: whether tunnat closed its end (POLLHUP)
        p = select.poll()
        p.register(s, select.POLLHUP)
        if p.poll(0):
            print("dropped")
            return 0
    print("open")
    return 0


def ctl_raw(path, hold):
    s = ctl_connect(path)
    data = sys.stdin.buffer.read()
    try:
        s.sendall(data)
        if not hold:
            s.shutdown(socket.SHUT_WR)
    except OSError as e:
        print("send failed: %s" % e)
    s.settimeout(15)
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except socket.timeout:
        sys.stdout.write(out.decode("utf-8", "replace"))
        print("(still open after 15 s)")
        return 1
    except OSError as e:
        out += ("(%s)" % e).encode()
    sys.stdout.write(out.decode("utf-8", "replace"))
    return 0


# ---- PPTP ----------------------------------------------------------------

def ctrl(msg_type, body, length):
    hdr = struct.pack("!HHIHH", length, 1, MAGIC, msg_type, 0)
    m = hdr + body
    return m + bytes(length - len(m))


def sccrq():
    return ctrl(1, struct.pack("!HHIIHH", 0x0100, 0, 1, 1, 0, 1), 156)


def sccrp():
    return ctrl(2, struct.pack("!HBBIIHH", 0x0100, 1, 0, 1, 1, 0, 1), 156)


def ocrq(call_id, serial):
    return ctrl(7, struct.pack("!HHIIIIHHHH", call_id, serial, 300, 100000000,
                               3, 3, 64, 0, 0, 0), 168)


def ocrp(call_id, peer_id):
    return ctrl(8, struct.pack("!HHBBHIHHI", call_id, peer_id, 1, 0, 0,
                               100000000, 64, 0, 0), 32)


def read_msg(s):
    hdr = b""
    while len(hdr) < 12:
        b = s.recv(12 - len(hdr))
        if not b:
            return None, None
        hdr += b
    length, _, magic, mtype, _ = struct.unpack("!HHIHH", hdr)
    if magic != MAGIC or length < 12:
        raise ValueError("not PPTP")
    body = b""
    while len(body) < length - 12:
        b = s.recv(length - 12 - len(body))
        if not b:
            return None, None
        body += b
    return mtype, body


def gre(call_id, payload):
    # RFC 2637 4.1: K set, version 1; key = payload length, call ID
    return struct.pack("!HHHH", 0x2001, GRE_PPP, len(payload),
                       call_id) + payload


def gre_parse(pkt):
    """(source address, destination address, call ID, payload) of a raw
    IPv4 packet holding GRE version 1, or None."""
    ihl = (pkt[0] & 15) * 4
    src = socket.inet_ntoa(pkt[12:16])
    dst = socket.inet_ntoa(pkt[16:20])
    g = pkt[ihl:]
    if len(g) < 8:
        return None
    flags, proto, plen, call = struct.unpack("!HHHH", g[:8])
    if flags & 7 != 1 or proto != GRE_PPP or not flags & 0x2000:
        return None
    off = 8 + (4 if flags & 0x1000 else 0) + (4 if flags & 0x0080 else 0)
    return src, dst, call, g[off:off + plen]


def pptp_server(addr, seconds):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, 1723))
    ls.listen(16)
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_GRE)
    raw.bind((addr, 0))
    conns = {}
    calls = {}		# our call ID -> (peer address, peer call ID)
    next_id = 256
    end = time.monotonic() + seconds
    print("listening", flush=True)
    while time.monotonic() < end:
        r, _, _ = select.select([ls, raw] + list(conns), [], [],
                                max(0.0, end - time.monotonic()))
        for s in r:
            if s is ls:
                c, peer = ls.accept()
                conns[c] = peer
            elif s is raw:
                p = gre_parse(raw.recv(65536))
                if p and p[2] in calls:
                    peer, peer_id = calls[p[2]]
                    raw.sendto(gre(peer_id, p[3]), (peer, 0))
            else:
                try:
                    mtype, body = read_msg(s)
                except (ValueError, OSError):
                    mtype = None
                if mtype is None:
                    s.close()
                    del conns[s]
                elif mtype == 1:
                    s.sendall(sccrp())
                elif mtype == 7:
                    peer_id = struct.unpack("!H", body[:2])[0]
                    calls[next_id] = (conns[s][0], peer_id)
                    print("call from %s peer-call-id %d our-call-id %d" %
                          (conns[s][0], peer_id, next_id), flush=True)
                    s.sendall(ocrp(next_id, peer_id))
                    next_id += 1
    return 0


def pptp_client(src, server, call_id, seconds):
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.settimeout(5)
    c.bind((src, 0))
    c.connect((server, 1723))
    c.sendall(sccrq())
    mtype, _ = read_msg(c)
    if mtype != 2:
        print("no Start-Control-Connection-Reply", file=sys.stderr)
        return 1
    c.sendall(ocrq(call_id, 1))
    mtype, body = read_msg(c)
    if mtype != 8:
        print("no Outgoing-Call-Reply", file=sys.stderr)
        return 1
    peer_id, mine = struct.unpack("!HH", body[:4])
    if mine != call_id:
        print("the reply names Call ID %d, not ours (%d)" % (mine, call_id),
              file=sys.stderr)
        return 1
    print("call %d peer %d" % (call_id, peer_id), flush=True)
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_GRE)
    raw.bind((src, 0))
    end = time.monotonic() + seconds
    nxt = 0.0
    echoes = sent = 0
    while time.monotonic() < end:
        now = time.monotonic()
        if now >= nxt:
            raw.sendto(gre(peer_id, b"probe %s %d" % (src.encode(), sent)),
                       (server, 0))
            sent += 1
            nxt = now + 0.1
        r, _, _ = select.select([raw], [], [], max(0.0, min(nxt, end) - now))
        if r:
            p = gre_parse(raw.recv(65536))
            if p and p[1] == src and p[2] == call_id and \
                    p[3].startswith(b"probe %s " % src.encode()):
                echoes += 1
    print("call %d peer %d echoes %d" % (call_id, peer_id, echoes),
          flush=True)
    c.close()
    return 0


def main(argv):
    cmd, a = argv[1], argv[2:]
    if cmd == "udp-fill":
        return udp_fill(a[0], a[1], int(a[2]), int(a[3]), int(a[4]),
                        int(a[5]))
    if cmd == "udp-echo":
        return udp_echo(int(a[0]), float(a[1]))
    if cmd == "udp-probe":
        return udp_probe(a[0], a[1], int(a[2]), int(a[3]), float(a[4]),
                         a[5] if len(a) > 5 else None)
    if cmd == "ctl-stuck":
        return ctl_stuck(a[0], float(a[1]))
    if cmd == "ctl-raw":
        return ctl_raw(a[0], len(a) > 1)
    if cmd == "pptp-server":
        return pptp_server(a[0], float(a[1]))
    if cmd == "pptp-client":
        return pptp_client(a[0], a[1], int(a[2]), float(a[3]))
    print("unknown command %s" % cmd, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
