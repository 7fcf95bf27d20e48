#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""pptpcap.py - the PPTP fields of a capture, one line per message

    pptpcap.py PCAP

reads a pcap file (tcpdump -w: raw IP, Ethernet or Linux cooked) and
prints one tab-separated line per PPTP control message and per other IP
packet, in the columns tests/lab/pptplib.sh's dissect() documents:

    src dst sport dport type call-id peer-call-id sccrp-result
    ocrp-result gre-call-id serial

Each TCP segment's payload is read as the whole PPTP messages it holds,
from its first byte on, with no reassembly: PPTP peers write whole
messages, each far below the MSS, so a segment starts on a message, and a
segment that holds several (coalesced by a retransmission, say) gives a
line for each.  Nothing depends on the order packets were captured in.
(tshark 4.0, which these tests used before, reads only the first message
of a segment, and skips the messages of a segment captured after a later
one, which it takes for a retransmission.)  An ICMP error
lists the addresses of the packet it quotes after its own, comma
separated.  Values are decimal; a field a message does not have is empty.
"""

import struct
import sys

PPTP_PORT = 1723
MAGIC = 0x1A2B3C4D

# control message type: (call-id offset, peer-call-id offset, SCCRP-style
# result offset, OCRP-style result offset, serial offset), offsets into
# the message, None where the message has no such field (RFC 2637 2.1-2.16)
LAYOUT = {
    1: (None, None, None, None, None),  # Start-Control-Connection-Request
    2: (None, None, 14, None, None),    # Start-Control-Connection-Reply
    3: (None, None, None, None, None),  # Stop-Control-Connection-Request
    4: (None, None, 12, None, None),    # Stop-Control-Connection-Reply
    5: (None, None, None, None, None),  # Echo-Request
    6: (None, None, None, None, None),  # Echo-Reply
    7: (12, None, None, None, 14),      # Outgoing-Call-Request
    8: (12, 14, None, 16, None),        # Outgoing-Call-Reply
    9: (12, None, None, None, 14),      # Incoming-Call-Request
    10: (12, 14, None, None, None),     # Incoming-Call-Reply
    11: (None, 12, None, None, None),   # Incoming-Call-Connected
    12: (12, None, None, None, None),   # Call-Clear-Request
    13: (12, None, None, None, None),   # Call-Disconnect-Notify
    14: (None, 12, None, None, None),   # WAN-Error-Notify
    15: (None, 12, None, None, None),   # Set-Link-Info
}


def ip_of(b):
    return "%d.%d.%d.%d" % tuple(b)


def u16(b, off):
    return str(struct.unpack_from("!H", b, off)[0]) if off + 2 <= len(b) \
        else ""


def u8(b, off):
    return str(b[off]) if off < len(b) else ""


def messages(payload):
    """The whole PPTP control messages at the start of @payload."""
    off = 0
    while off + 12 <= len(payload):
        length, kind, magic, ctype = struct.unpack_from("!HHIH", payload, off)
        if magic != MAGIC or kind != 1 or length < 12 or \
           off + length > len(payload):
            return
        yield ctype, payload[off:off + length]
        off += length


def lines(ip):
    """The lines of one IPv4 packet @ip."""
    if len(ip) < 20 or ip[0] >> 4 != 4:
        return
    ihl = (ip[0] & 15) * 4
    total = min(struct.unpack_from("!H", ip, 2)[0], len(ip))
    proto = ip[9]
    src, dst = ip_of(ip[12:16]), ip_of(ip[16:20])
    later_fragment = struct.unpack_from("!H", ip, 6)[0] & 0x1FFF
    l4 = ip[ihl:total]
    row = [src, dst, "", "", "", "", "", "", "", "", ""]
    if later_fragment:
        yield row
        return
    if proto == 6 and len(l4) >= 20:
        sport, dport = struct.unpack_from("!HH", l4, 0)
        row[2], row[3] = str(sport), str(dport)
        payload = l4[(l4[12] >> 4) * 4:]
        found = False
        if PPTP_PORT in (sport, dport):
            for ctype, m in messages(payload):
                found = True
                call, peer, res, ores, serial = LAYOUT.get(
                    ctype, (None,) * 5)
                r = row[:]
                r[4] = str(ctype)
                r[5] = u16(m, call) if call is not None else ""
                r[6] = u16(m, peer) if peer is not None else ""
                r[7] = u8(m, res) if res is not None else ""
                r[8] = u8(m, ores) if ores is not None else ""
                r[10] = u16(m, serial) if serial is not None else ""
                yield r
        if not found:
            yield row
        return
    if proto == 17 and len(l4) >= 8:
        row[2], row[3] = (str(p) for p in struct.unpack_from("!HH", l4, 0))
    elif proto == 47 and len(l4) >= 8:
        flags, ptype = struct.unpack_from("!HH", l4, 0)
        # enhanced GRE (version 1) with a key: payload length, Call ID
        if flags & 7 == 1 and flags & 0x2000 and ptype == 0x880B:
            row[9] = u16(l4, 6)
    elif proto == 1 and len(l4) >= 28 and l4[0] in (3, 4, 5, 11, 12):
        inner = l4[8:]
        if inner[0] >> 4 == 4 and len(inner) >= 20:
            row[0] += "," + ip_of(inner[12:16])
            row[1] += "," + ip_of(inner[16:20])
    yield row


def packets(f):
    """The IPv4 packets of pcap file @f."""
    head = f.read(24)
    if len(head) < 24:
        return
    magic = struct.unpack_from("<I", head, 0)[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        end = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        end = ">"
    else:
        sys.exit("pptpcap.py: not a pcap file (pcapng is not read)")
    link = struct.unpack_from(end + "I", head, 20)[0] & 0xFFFF
    while True:
        rec = f.read(16)
        if len(rec) < 16:
            return
        caplen = struct.unpack_from(end + "I", rec, 8)[0]
        data = f.read(caplen)
        if link == 1:           # Ethernet
            if len(data) >= 14 and data[12:14] == b"\x08\x00":
                yield data[14:]
        elif link == 113:       # Linux cooked
            if len(data) >= 16 and data[14:16] == b"\x08\x00":
                yield data[16:]
        elif link in (101, 12, 14, 228):   # raw IP, raw IPv4
            yield data
        else:
            sys.exit("pptpcap.py: link type %d is not read" % link)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: pptpcap.py PCAP")
    out = []
    with open(sys.argv[1], "rb") as f:
        for ip in packets(f):
            for row in lines(ip):
                out.append("\t".join(row))
    sys.stdout.write("".join(line + "\n" for line in out))


if __name__ == "__main__":
    main()
