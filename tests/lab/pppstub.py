#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# pppstub.py - a stand-in for pppd, for PPTP lab tests on kernels without PPP
#
# PPTP peers (pptp-linux, pptpd) hand their tunnel to pppd over a pty, as
# async-HDLC-framed PPP (RFC 1662): frames between 0x7E flags, 0x7D escapes
# (default ACCM: every byte below 0x20, and 0x7D and 0x7E themselves), an
# FCS-16 at the end.  This program speaks just enough of that to prove that
# data crosses the tunnel both ways; it does no LCP/IPCP at all:
#
#  - every INTERVAL seconds it sends a frame with PPP protocol 0x0021 whose
#    payload is the text "tunnat-probe NAME N" (N counts from 1);
#  - it logs every frame it receives whose FCS is right, one line each:
#      "TIME NAME rx PROTO TEXT"     e.g. "12.3 c4 rx 0021 tunnat-probe c4 2"
#    and counts, but does not decode, frames with a bad FCS ("bad-fcs");
#  - with --echo, it answers each probe it receives with a frame
#    "tunnat-echo NAME: <the probe's text>", so the far end's log proves the
#    round trip.
#
# Usage:
#   pppstub.py [OPTIONS] [IGNORED...]            PPP on stdin/stdout
#   pppstub.py [OPTIONS] --fd N [IGNORED...]     PPP on file descriptor N
#   pppstub.py [OPTIONS] -- COMMAND [ARG...]     run COMMAND with its stdin
#       and stdout on one end of a socket pair, PPP on the other end (what
#       pppd's "pty" option does); exit with COMMAND's status when it ends
# Options: --name NAME (default "stub"; "%p" in it becomes the PID),
#   --log FILE (default stderr), --echo, --interval SECONDS (default 1),
#   --count N (stop probing after N probes; default 0, never stop).
# Arguments it does not know (e.g. the pppd options pptpctrl passes: tty,
# speed, "file", "ipparam", ...) are logged once and otherwise ignored.
# A terminal on the PPP fd is switched to raw mode, as pppd does.  SIGTERM
# ends the program (and COMMAND, SIGKILL after 3 s) with status 0.  A write
# to the PPP fd that cannot finish within WRITE_TIMEOUT seconds (the other
# side stopped reading) ends it with status 1: it never blocks for ever.

import argparse
import os
import select
import signal
import socket
import sys
import termios
import time
import tty

FLAG = 0x7E
ESC = 0x7D
PROTO_IPV4 = 0x0021
GOOD_FCS = 0xF0B8
WRITE_TIMEOUT = 5


class WriteStalled(Exception):
    pass


def write_stalled_cb(signum, frame):
    raise WriteStalled()


def fcs16(data, fcs=0xFFFF):
    """RFC 1662 FCS-16 (CRC-16/X.25 polynomial, bit-reversed, no table)."""
    for b in data:
        fcs ^= b
        for _ in range(8):
            fcs = (fcs >> 1) ^ 0x8408 if fcs & 1 else fcs >> 1
    return fcs


def encode(proto, payload):
    """One async-HDLC frame: flag, escaped FF 03 PROTO PAYLOAD FCS, flag."""
    frame = bytes([0xFF, 0x03, proto >> 8, proto & 0xFF]) + payload
    fcs = fcs16(frame) ^ 0xFFFF
    frame += bytes([fcs & 0xFF, fcs >> 8])
    out = bytearray([FLAG])
    for b in frame:
        if b < 0x20 or b in (ESC, FLAG):
            out += bytes([ESC, b ^ 0x20])
        else:
            out.append(b)
    out.append(FLAG)
    return bytes(out)


class Decoder:
    """Split a byte stream into frames; yield (proto, payload) or None."""

    def __init__(self):
        self.buf = bytearray()
        self.escaped = False
        self.aborted = False

    def feed(self, data):
        for b in data:
            if b == FLAG:
                frame = self.buf
                bad = self.aborted or self.escaped
                self.buf = bytearray()
                self.escaped = self.aborted = False
                if frame or bad:
                    yield None if bad else self.check(bytes(frame))
            elif b == ESC:
                if self.escaped:
                    self.aborted = True
                self.escaped = True
            else:
                if self.escaped:
                    b ^= 0x20
                    self.escaped = False
                self.buf.append(b)

    @staticmethod
    def check(frame):
        if len(frame) < 4 or fcs16(frame) != GOOD_FCS:
            return None
        frame = frame[:-2]
        if frame[:2] == b"\xff\x03":
            frame = frame[2:]
        if frame and frame[0] & 1:          # compressed protocol field
            return frame[0], frame[1:]
        if len(frame) >= 2:
            return (frame[0] << 8) | frame[1], frame[2:]
        return None


class Stub:
    def __init__(self, opts, rfd, wfd):
        self.opts = opts
        self.rfd = rfd
        self.wfd = wfd
        self.start = time.monotonic()
        self.logf = open(opts.log, "a") if opts.log else sys.stderr

    def log(self, text):
        t = time.monotonic() - self.start
        # one write per line: several stubs may share one log file
        self.logf.write("%.3f %s %s\n" % (t, self.opts.name, text))
        self.logf.flush()

    def send(self, proto, text):
        data = encode(proto, text.encode())
        # a blocked write is interrupted by SIGALRM, whose handler raises
        old = signal.signal(signal.SIGALRM, write_stalled_cb)
        signal.alarm(WRITE_TIMEOUT)
        try:
            while data:
                data = data[os.write(self.wfd, data):]
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, old)
        self.log("tx %04x %s" % (proto, text))

    def received(self, frame):
        if frame is None:
            self.log("rx bad-fcs")
            return
        proto, payload = frame
        text = payload.decode("ascii", "backslashreplace")
        self.log("rx %04x %s" % (proto, text))
        if self.opts.echo and text.startswith("tunnat-probe "):
            self.send(proto, "tunnat-echo %s: %s" % (self.opts.name, text))

    def run(self, done):
        """Probe and listen until EOF on the fd or done() is true."""
        decoder = Decoder()
        sent = 0
        due = time.monotonic()
        while not done():
            now = time.monotonic()
            if now >= due and (self.opts.count == 0
                               or sent < self.opts.count):
                sent += 1
                self.send(PROTO_IPV4,
                          "tunnat-probe %s %d" % (self.opts.name, sent))
                due = now + self.opts.interval
            try:
                ready, _, _ = select.select([self.rfd], [], [],
                                            max(0.0, min(due - now, 0.2)))
                if not ready:
                    continue
                data = os.read(self.rfd, 4096)
            except InterruptedError:
                continue
            except OSError as e:            # EIO: the pty's other side left
                self.log("read error: %s" % e)
                return
            if not data:
                self.log("eof")
                return
            for frame in decoder.feed(data):
                self.received(frame)


def parse(argv):
    command = []
    if "--" in argv:
        i = argv.index("--")
        argv, command = argv[:i], argv[i + 1:]
    p = argparse.ArgumentParser(allow_abbrev=False,
                                description="pppd stand-in (see source)")
    p.add_argument("--name", default="stub")
    p.add_argument("--log")
    p.add_argument("--fd", type=int)
    p.add_argument("--echo", action="store_true")
    p.add_argument("--interval", type=float, default=1.0)
    p.add_argument("--count", type=int, default=0)
    opts, ignored = p.parse_known_args(argv)
    opts.name = opts.name.replace("%p", str(os.getpid()))
    return opts, ignored, command


def main():
    opts, ignored, command = parse(sys.argv[1:])
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    signal.signal(signal.SIGINT, lambda *_: stop.append(True))
    child = None
    status = []
    if command:
        mine, theirs = socket.socketpair()
        child = os.fork()
        if child == 0:
            mine.close()
            os.dup2(theirs.fileno(), 0)
            os.dup2(theirs.fileno(), 1)
            theirs.close()
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            try:
                os.execvp(command[0], command)
            except OSError as e:
                print("pppstub.py: %s: %s" % (command[0], e), file=sys.stderr)
            os._exit(127)
        theirs.close()
        rfd = wfd = mine.fileno()
    elif opts.fd is not None:
        rfd = wfd = opts.fd
    else:
        rfd, wfd = 0, 1
    if os.isatty(rfd):
        tty.setraw(rfd, termios.TCSANOW)
    stub = Stub(opts, rfd, wfd)
    stub.log("start pid %d%s%s" % (
        os.getpid(),
        " command %s" % " ".join(command) if command else "",
        " ignoring %s" % " ".join(ignored) if ignored else ""))

    def done():
        # Reap everything: as PID 1 of a PID namespace we inherit orphans.
        while True:
            try:
                pid, st = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            if pid == child:
                status.append(os.waitstatus_to_exitcode(st))
                stub.log("command exited with status %d" % status[0])
        return bool(stop or status)

    stalled = False
    try:
        stub.run(done)
    except BrokenPipeError:
        stub.log("write error: broken pipe")
    except WriteStalled:
        stub.log("write stalled for %d s: the other side is not reading"
                 % WRITE_TIMEOUT)
        stalled = True
    if child and not status:
        os.kill(child, signal.SIGTERM)
        deadline = time.monotonic() + 3
        while not status and time.monotonic() < deadline:
            done()
            time.sleep(0.05)
        if not status:
            os.kill(child, signal.SIGKILL)
            os.waitpid(child, 0)
    stub.log("exit")
    if stalled:
        return 1
    if stop:
        return 0
    return status[0] if status else 0


if __name__ == "__main__":
    sys.exit(main())
