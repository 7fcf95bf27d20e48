#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# peer.py - traffic endpoints for the lab tests, reporting what they saw
#
#   peer.py tcp-server PORT LOG COUNT     accept COUNT connections; for each,
#                                         read to EOF, answer "ok SHA256 LEN",
#                                         log "tcp PEER_IP PEER_PORT LEN SHA"
#   peer.py tcp-client SRC DST PORT SIZE  send SIZE random bytes from SRC,
#                                         check the answer; print local port
#   peer.py udp-server PORT LOG COUNT     echo COUNT datagrams, logging
#                                         "udp PEER_IP PEER_PORT LEN"
#   peer.py udp-client SRC DST PORT [N]   send N datagrams (default 3), each
#                                         must come back unchanged
#   peer.py udp-send SRC DST PORT         send one datagram, expect nothing
# SRC is an address, or ADDRESS:PORT to send from that source port
# (default: one the kernel picks).
# Exit status 0 on success, 1 on any mismatch or timeout.  Every socket
# operation times out after TIMEOUT seconds, and the whole run after
# CLIENT_DEADLINE (clients) or SERVER_DEADLINE (servers) seconds: a test
# that waits on this program never waits for ever.

import hashlib
import os
import signal
import socket
import sys

TIMEOUT = 5.0
CLIENT_DEADLINE = 30
SERVER_DEADLINE = 120


class Deadline(Exception):
    pass


def deadline_cb(signum, frame):
    raise Deadline("no result within the deadline")


def source(src):
    """SRC or SRC:PORT, as a bind() address."""
    addr, _, port = src.partition(":")
    return addr, int(port) if port else 0


def log(path, line):
    with open(path, "a") as f:
        f.write(line + "\n")


def tcp_server(port, path, count):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(16)
    log(path, "listening")
    for _ in range(count):
        c, (ip, pport) = s.accept()
        c.settimeout(TIMEOUT)
        h = hashlib.sha256()
        n = 0
        while True:
            b = c.recv(65536)
            if not b:
                break
            h.update(b)
            n += len(b)
        c.sendall(("ok %s %d\n" % (h.hexdigest(), n)).encode())
        c.close()
        log(path, "tcp %s %d %d %s" % (ip, pport, n, h.hexdigest()))
    return 0


def tcp_client(src, dst, port, size):
    data = os.urandom(size)
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.settimeout(TIMEOUT)
    c.bind(source(src))
    c.connect((dst, port))
    c.sendall(data)
    c.shutdown(socket.SHUT_WR)
    answer = b""
    while True:
        b = c.recv(4096)
        if not b:
            break
        answer += b
    want = "ok %s %d\n" % (hashlib.sha256(data).hexdigest(), size)
    if answer.decode() != want:
        print("bad answer %r, want %r" % (answer, want), file=sys.stderr)
        return 1
    print(c.getsockname()[1])
    return 0


def udp_server(port, path, count):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    log(path, "listening")
    for _ in range(count):
        b, (ip, pport) = s.recvfrom(65536)
        s.sendto(b, (ip, pport))
        log(path, "udp %s %d %d" % (ip, pport, len(b)))
    return 0


def udp_client(src, dst, port, n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(TIMEOUT)
    s.bind(source(src))
    for i in range(n):
        msg = os.urandom(64 + i)
        s.sendto(msg, (dst, port))
        b, peer = s.recvfrom(65536)
        if b != msg or peer != (dst, port):
            print("bad echo from %r" % (peer,), file=sys.stderr)
            return 1
    print(s.getsockname()[1])
    return 0


def udp_send(src, dst, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(source(src))
    s.sendto(b"unsolicited", (dst, port))
    return 0


def main(argv):
    cmd = argv[1]
    signal.signal(signal.SIGALRM, deadline_cb)
    signal.alarm(SERVER_DEADLINE if cmd.endswith("-server")
                 else CLIENT_DEADLINE)
    if cmd == "tcp-server":
        return tcp_server(int(argv[2]), argv[3], int(argv[4]))
    if cmd == "tcp-client":
        return tcp_client(argv[2], argv[3], int(argv[4]), int(argv[5]))
    if cmd == "udp-server":
        return udp_server(int(argv[2]), argv[3], int(argv[4]))
    if cmd == "udp-client":
        n = int(argv[5]) if len(argv) > 5 else 3
        return udp_client(argv[2], argv[3], int(argv[4]), n)
    if cmd == "udp-send":
        return udp_send(argv[2], argv[3], int(argv[4]))
    print("unknown command %s" % cmd, file=sys.stderr)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (OSError, socket.timeout, Deadline) as e:
        print("peer.py: %s" % e, file=sys.stderr)
        sys.exit(1)
