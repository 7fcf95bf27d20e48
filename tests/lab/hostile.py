#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# hostile.py - legitimate flows that must lose nothing, and the attacks and
# floods sent at tunnat meanwhile (tests/lab/hostile.sh, quota.sh)
#
#   hostile.py echo-server PORT LOG        echo every connection's bytes;
#                                          log "echo PEER_IP BYTES" at EOF
#   hostile.py echo-client SRC DST PORT S [STOP]
#                                          for S seconds, or until file STOP
#                                          exists, send 1000 bytes every 20
#                                          ms and read them back; print
#                                          "sent N"; exit 1 on any loss
#   hostile.py pptp-server PORT            answer Start-Control-Connection-
#                                          Request and Echo-Request (RFC 2637)
#   hostile.py pptp-client SRC DST S [STOP] start a PPTP control connection,
#                                          then an echo every 100 ms for S
#                                          seconds or until file STOP exists;
#                                          exit 1 if one is lost
#   hostile.py attack PUB SRV SPORT IFACE  from outside (the WAN namespace):
#                                          every attack of the list below at
#                                          PUB; the legitimate TCP flow is
#                                          SRV:SPORT, learnt on IFACE; print
#                                          "NAME COUNT" per attack
#   hostile.py flood SRC DST SYNS UDPS     from inside: SYNS SYNs to DST:1723
#                                          and UDPS datagrams to DST:9, each
#                                          from a port of its own
#
# The attacks, crafted with scapy, are chosen so that each must be dropped
# under one reason, whatever the legitimate flows do meanwhile: they go to
# ports no mapping holds, or they spoof a live flow out of its window.

import os
import random
import signal
import socket
import struct
import sys
import time

TIMEOUT = 5.0
DEADLINE = 120
EVIL = "198.51.100.66"


def deadline_cb(signum, frame):
    sys.exit("hostile.py: deadline passed")


def source(src):
    """SRC or SRC:PORT, as a bind() address."""
    if ":" in src:
        a, p = src.split(":")
        return (a, int(p))
    return (src, 0)


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise EOFError("connection closed after %d of %d bytes" %
                           (len(b), n))
        b += c
    return b


def echo_server(port, path):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("", port))
    ls.listen(8)
    open(path, "a").write("listening\n")
    while True:
        c, peer = ls.accept()
        if os.fork() == 0:
            total = 0
            while True:
                b = c.recv(65536)
                if not b:
                    break
                c.sendall(b)
                total += len(b)
            c.close()
            open(path, "a").write("echo %s %d\n" % (peer[0], total))
            os._exit(0)
        c.close()


def echo_client(src, dst, port, seconds, stop):
    s = socket.socket()
    s.settimeout(TIMEOUT)
    s.bind(source(src))
    s.connect((dst, port))
    sent = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end and not (stop and os.path.exists(stop)):
        chunk = os.urandom(1000)
        s.sendall(chunk)
        if recv_exact(s, len(chunk)) != chunk:
            sys.exit("echo-client: bytes changed")
        sent += len(chunk)
        time.sleep(0.02)
    s.shutdown(socket.SHUT_WR)
    if s.recv(1):
        sys.exit("echo-client: bytes after the end")
    print("sent %d" % sent)
    return 0


def pptp_msg(mtype, length):
    """A control message of type MTYPE, LENGTH bytes (RFC 2637 2.1)."""
    m = struct.pack("!HHIHH", length, 1, 0x1a2b3c4d, mtype, 0)
    if mtype in (1, 2):
        m += struct.pack("!H", 0x0100)
    return m + b"\0" * (length - len(m))


def pptp_server(port):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("", port))
    ls.listen(64)
    while True:
        c, _ = ls.accept()
        if os.fork() == 0:
            c.settimeout(30)
            try:
                while True:
                    h = recv_exact(c, 10)
                    length, mtype = struct.unpack("!H6xH", h)
                    recv_exact(c, length - 10)
                    if mtype == 1:
                        c.sendall(pptp_msg(2, 156))
                    elif mtype == 5:
                        c.sendall(pptp_msg(6, 20))
            except (EOFError, OSError):
                pass
            os._exit(0)
        c.close()


def pptp_client(src, dst, seconds, stop):
    s = socket.socket()
    s.settimeout(TIMEOUT)
    s.bind(source(src))
    s.connect((dst, 1723))
    s.sendall(pptp_msg(1, 156))
    if recv_exact(s, 156)[8:10] != b"\0\2":
        sys.exit("pptp-client: no Start-Control-Connection-Reply")
    echoes = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end and not (stop and os.path.exists(stop)):
        s.sendall(pptp_msg(5, 16))
        if recv_exact(s, 20)[8:10] != b"\0\6":
            sys.exit("pptp-client: no Echo-Reply")
        echoes += 1
        time.sleep(0.1)
    s.close()
    print("echoes %d" % echoes)
    return 0


def attack(pub, srv, sport, iface):
    from scapy.all import (GRE, ICMP, IP, TCP, UDP, Raw, conf, send, sniff)
    conf.verb = 0
    # the legitimate flow, as it passes: its public port and where the
    # server stands in its sequence space
    seen = sniff(iface=iface, count=1, timeout=10,
                 lfilter=lambda p: TCP in p and p[IP].src == srv and
                 p[TCP].sport == sport)
    if not seen:
        sys.exit("attack: the legitimate flow was not seen")
    pport, seq = seen[0][TCP].dport, seen[0][TCP].seq
    # and where the client stands in its own: what the server acknowledged
    cseq = seen[0][TCP].ack
    # public ports that no mapping holds: the attacks that go there find
    # nothing, under any filtering
    free = [p for p in range(61000, 62000) if p != pport]
    rnd = random.Random(5961)
    done = []

    def go(name, pkts):
        send(pkts)
        done.append((name, len(pkts)))

    go("syn", [IP(src=EVIL, dst=pub) / TCP(sport=4444, dport=p, flags="S")
               for p in free[:200]])
    go("ack", [IP(src=EVIL, dst=pub) / TCP(sport=80, dport=p, flags="PA",
                                           seq=rnd.getrandbits(32)) /
               Raw(b"x") for p in free[200:400]])
    go("udp", [IP(src=EVIL, dst=pub) / UDP(sport=53, dport=p) / Raw(b"x")
               for p in free[400:600]])
    go("icmp", [IP(src=EVIL, dst=pub) / ICMP(type=0, id=i, seq=1)
                for i in range(40000, 40200)])
    go("gre1", [IP(src=EVIL, dst=pub, proto=47) /
                Raw(struct.pack("!HHHH", 0x2001, 0x880b, 0, i))
                for i in range(1, 201)])
    go("gre0", [IP(src=EVIL, dst=pub) / GRE(proto=0x0800) / Raw(b"x" * 20)
                for _ in range(100)])
    # forged PPTP control messages (Call-Clear-Request), every Length but
    # its own (16), as if from a server
    go("pptp", [IP(src=EVIL, dst=pub) /
                TCP(sport=1723, dport=free[600 + k], flags="PA",
                    seq=rnd.getrandbits(32)) /
                Raw(struct.pack("!HHIHH", k, 1, 0x1a2b3c4d, 12, 0) +
                    b"\0" * 6)
                for k in range(100) if k != 16])
    # ICMP errors quoting a packet no session sent, and quoting the
    # legitimate flow with another remote (a spoofed session)
    go("icmp-err-none", [IP(src="192.0.2.1", dst=pub) /
                         ICMP(type=3, code=1) /
                         IP(src=pub, dst=srv) / UDP(sport=p, dport=53)
                         for p in free[:100]])
    go("icmp-err-spoof", [IP(src="192.0.2.1", dst=pub) /
                          ICMP(type=3, code=1) /
                          IP(src=pub, dst=EVIL) /
                          TCP(sport=pport, dport=sport, flags="A")
                          for _ in range(100)])
    # errors quoting the live flow exactly, from a router on the path, but
    # a sequence number the client never sent (RFC 5927)
    go("icmp-err-seq", [IP(src="192.0.2.1", dst=pub) /
                        ICMP(type=3, code=4, nexthopmtu=576) /
                        IP(src=pub, dst=srv) /
                        TCP(sport=pport, dport=sport, flags="A",
                            seq=(cseq + 0x80000000 + i * 1000) & 0xffffffff)
                        for i in range(100)])
    # RST and FIN from the server's own endpoint, half the sequence space
    # away from where it stands
    far = (seq + 0x80000000) & 0xffffffff
    go("rst", [IP(src=srv, dst=pub) /
               TCP(sport=sport, dport=pport, flags="R",
                   seq=(far + i * 1000) & 0xffffffff)
               for i in range(200)])
    go("fin", [IP(src=srv, dst=pub) /
               TCP(sport=sport, dport=pport, flags="FA",
                   seq=(far + i * 1000) & 0xffffffff)
               for i in range(200)])
    # fragments reaching past 65535 bytes
    go("frag-long", [IP(src=EVIL, dst=pub, proto=17, id=i, frag=8189) /
                     Raw(b"z" * 64) for i in range(100)])
    for name, cnt in done:
        print(name, cnt)
    return 0


def frag_overlap(pub, srv, sport, dport, cnt):
    """The first fragment of a datagram on a live UDP flow, then CNT later
    fragments over its bytes (from outside)."""
    from scapy.all import IP, UDP, Raw, conf, send
    conf.verb = 0
    first = IP(src=srv, dst=pub, id=777, flags="MF") / \
        UDP(sport=sport, dport=dport, len=8 + 200, chksum=0) / \
        Raw(b"a" * 56)
    send(first)
    send([IP(src=srv, dst=pub, id=777, flags="MF", frag=1, proto=17) /
          Raw(b"b" * 64) for _ in range(cnt)])
    return 0


def frag_endless(pub, cnt):
    """CNT later fragments of datagrams whose first never comes."""
    from scapy.all import IP, Raw, conf, send
    conf.verb = 0
    send([IP(src=EVIL, dst=pub, id=i // 50, flags="MF", proto=17,
             frag=(1 + i % 50) * 128) / Raw(b"e" * 1000)
          for i in range(cnt)])
    return 0


def flood(src, dst, syns, udps):
    from scapy.all import IP, TCP, UDP, Raw, conf, send
    conf.verb = 0
    send([IP(src=src, dst=dst) / TCP(sport=20000 + i, dport=1723, flags="S")
          for i in range(syns)])
    send([IP(src=src, dst=dst) / UDP(sport=30000 + i, dport=9) / Raw(b"f")
          for i in range(udps)])
    return 0


def main(argv):
    cmd = argv[1]
    signal.signal(signal.SIGALRM, deadline_cb)
    if cmd in ("echo-server", "pptp-server"):
        signal.alarm(DEADLINE * 2)
    else:
        signal.alarm(DEADLINE)
    if cmd == "echo-server":
        return echo_server(int(argv[2]), argv[3])
    if cmd == "echo-client":
        return echo_client(argv[2], argv[3], int(argv[4]), float(argv[5]),
                           argv[6] if len(argv) > 6 else None)
    if cmd == "pptp-server":
        return pptp_server(int(argv[2]))
    if cmd == "pptp-client":
        return pptp_client(argv[2], argv[3], float(argv[4]),
                           argv[5] if len(argv) > 5 else None)
    if cmd == "attack":
        return attack(argv[2], argv[3], int(argv[4]), argv[5])
    if cmd == "frag-overlap":
        return frag_overlap(argv[2], argv[3], int(argv[4]), int(argv[5]),
                            int(argv[6]))
    if cmd == "frag-endless":
        return frag_endless(argv[2], int(argv[3]))
    if cmd == "flood":
        return flood(argv[2], argv[3], int(argv[4]), int(argv[5]))
    sys.exit("hostile.py: unknown command " + cmd)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
