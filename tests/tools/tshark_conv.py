#!/usr/bin/env python3
"""Writes the expected per-conversation counts of each test capture, as tshark sees them.

For every capture listed in tests/data/conv/CAPTURES (paths under tests/data/corpus) it runs

    tshark -q -z conv,tcp -z conv,udp          (frames per direction: the conversation table)
    tshark -T fields ... tcp.len / udp.length  (L4 payload bytes per direction)

and writes tests/data/conv/<capture file name>.json:

    {"capture": ..., "tshark": "<version>",
     "conversations": [{"transport": "tcp", "a": ["10.0.0.1", 1234], "b": ["10.0.0.2", 80],
                        "frames_ab": 5, "frames_ba": 4, "payload_ab": 517, "payload_ba": 1200,
                        "packets_ab": 5, "packets_ba": 4}]}

"packets" differ from "frames" only for IP fragments: tshark reassembles a fragmented datagram
into one frame of its table, while it was several packets on the wire (what flowsieve counts).

flowsieve counts L4 payload bytes (the seed's byte meaning), tshark's table counts frame bytes,
so the bytes come from tshark's per-packet tcp.len / udp.length instead; the script checks
that both tshark views agree on the frame counts before it writes anything.

Packets inside ICMP errors are left out (tshark's conversation table leaves them out too).

Rerun after changing the capture set:  python3 tests/tools/tshark_conv.py
Needs tshark (Debian: apt-get install tshark).
"""
import json
import os
import subprocess
import sys
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "data", "corpus")
OUT = os.path.join(ROOT, "data", "conv")

# tshark's default decoding follows the same tunnels as flowsieve: GRE (and PPTP's), IP-in-IP,
# 6in4/4in6, VXLAN, Geneve and GTP-U; the innermost flow is the conversation.
TSHARK_OPTS = []
TUNNEL_PORTS = {4789, 2152, 6081}  # VXLAN, GTP-U, Geneve


def tshark(args):
    r = subprocess.run(["tshark", *args], capture_output=True, text=True)
    if r.returncode not in (0, 2):  # 2: the capture is cut short; still valid output
        raise SystemExit(f"tshark {' '.join(args)} failed: {r.stderr}")
    return r.stdout


def split_endpoint(s):
    host, _, port = s.rpartition(":")
    return host, int(port)


def conv_table(path):
    """{(transport, a, b): (frames a->b, frames b->a)} from tshark's conversation tables."""
    out = tshark(["-r", path, *TSHARK_OPTS, "-q", "-z", "conv,tcp", "-z", "conv,udp"])
    convs = {}
    transport = None
    for line in out.splitlines():
        if line.startswith("TCP Conversations"):
            transport = "tcp"
        elif line.startswith("UDP Conversations"):
            transport = "udp"
        elif "<->" in line and transport:
            f = line.split()
            left, right = split_endpoint(f[0]), split_endpoint(f[2])
            # columns: "<-" frames bytes unit, "->" frames bytes unit, total ...
            frames_to_left = int(f[3].replace(",", ""))
            frames_to_right = int(f[6].replace(",", ""))
            # tshark sometimes splits one 5-tuple into two table rows (e.g. when a dissector
            # starts a new conversation); a flow is the 5-tuple, so the rows are summed.
            if (transport, right, left) in convs:
                ab, ba = convs[(transport, right, left)]
                convs[(transport, right, left)] = (ab + frames_to_left, ba + frames_to_right)
            else:
                ab, ba = convs.get((transport, left, right), (0, 0))
                convs[(transport, left, right)] = (ab + frames_to_right, ba + frames_to_left)
    return convs


def link_overhead(protos):
    """Bytes before the first IP header, for the link layers where that is fixed."""
    first = protos[0] if protos else ""
    fixed = {"eth": 14, "sll": 16, "null": 4, "raw": 0}
    if first not in fixed:
        return None
    return fixed[first] + 4 * protos[:protos.index("ip")].count("vlan") if "ip" in protos else None


def packet_fields(path):
    """Per-packet (transport, src, dst, payload) from tshark's fields, innermost headers."""
    fields = ["frame.protocols", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
              "tcp.srcport", "tcp.dstport", "tcp.len", "udp.srcport", "udp.dstport", "udp.length",
              "ip.fragment.count", "ipv6.fragment.count", "ip.flags.mf", "ip.len", "ip.hdr_len",
              "frame.len"]
    args = ["-r", path, *TSHARK_OPTS, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=l"]
    for f in fields:
        args += ["-e", f]
    rows = []
    for line in tshark(args).splitlines():
        v = line.split("\t")
        v += [""] * (len(fields) - len(v))
        protos = v[0].split(":")
        if "icmp" in protos or "icmpv6" in protos:
            continue
        # The innermost IP layer decides which address family the flow has.
        last_ip = max((i for i, p in enumerate(protos) if p in ("ip", "ipv6")), default=-1)
        if last_ip < 0:
            continue
        if protos[last_ip] == "ip":
            src, dst = v[1], v[2]
        else:
            src, dst = v[3], v[4]
        # A datagram tshark reassembled from N fragments is one frame in its table and N
        # packets on the wire; flowsieve counts packets on the wire.
        fragments = int(v[11] or v[12] or 1)
        if v[5] and "tcp" in protos:
            rows.append(("tcp", (src, int(v[5])), (dst, int(v[6])), int(v[7] or 0), fragments))
        elif v[8] and "udp" in protos:
            payload = max(int(v[10] or 8) - 8, 0)
            if v[13] in ("1", "True") and not (v[11] or v[12]):
                # A first fragment whose other fragments never came: the UDP length field
                # speaks for the whole datagram, the wire carried only this fragment, and
                # no more than the frame's length on the wire (badpackets.pcap has IP
                # lengths of 1500 in 253-byte frames).
                ip_len = int(v[14])
                overhead = link_overhead(protos)
                if overhead is not None and v[16]:
                    ip_len = min(ip_len, int(v[16]) - overhead)
                payload = max(ip_len - int(v[15]) - 8, 0)
            rows.append(("udp", (src, int(v[8])), (dst, int(v[9])), payload, fragments))
    return rows


class Disagree(Exception):
    """tshark's conversation table and its per-packet fields tell different stories."""


def expected(path):
    table = conv_table(path)
    by_pair = defaultdict(lambda: [0, 0, 0, 0, 0, 0])  # frames ab, ba, payload ab, ba, wire ab, ba
    index = {}
    for (t, a, b) in table:
        index[(t, a, b)] = ((t, a, b), 0)
        index[(t, b, a)] = ((t, a, b), 1)
    for t, src, dst, payload, fragments in packet_fields(path):
        key, d = index.get((t, src, dst), (None, None))
        if key is None:
            raise Disagree(f"packet {t} {src}->{dst} is in no conversation of the table")
        by_pair[key][d] += 1
        by_pair[key][2 + d] += payload
        by_pair[key][4 + d] += fragments
    convs = []
    for key, (ab, ba) in sorted(table.items()):
        got = by_pair[key]
        t, a, b = key
        if t == "udp" and ({a[1], b[1]} & TUNNEL_PORTS):
            # The outer flow of a UDP tunnel: tshark lists it besides the inner one, flowsieve
            # counts each packet once, in its innermost flow. What stays outer is what
            # tshark's fields do not show inside (signalling, undecodable payloads).
            if got[0] + got[1] == 0:
                continue
            ab, ba = got[0], got[1]
        if (got[0], got[1]) != (ab, ba):
            raise Disagree(f"{key}: table says {ab}/{ba} frames, fields say {got[0]}/{got[1]}")
        convs.append({"transport": t, "a": list(a), "b": list(b),
                      "frames_ab": ab, "frames_ba": ba, "payload_ab": got[2], "payload_ba": got[3],
                      "packets_ab": got[4], "packets_ba": got[5]})
    return convs


def time_span(path):
    """Epoch microseconds of the first and last packet, as tshark reads them."""
    times = tshark(["-r", path, "-T", "fields", "-e", "frame.time_epoch"]).split()
    us = [round(float(t) * 1e6) for t in times]
    return (min(us), max(us)) if us else (None, None)


def main():
    version = tshark(["--version"]).splitlines()[0]
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "CAPTURES")) as f:
        listed = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    for rel in sys.argv[1:] or listed:
        path = os.path.join(CORPUS, rel)
        name = os.path.basename(rel)
        try:
            convs = expected(path)
        except Disagree as e:
            print(f"{rel}: SKIPPED, tshark disagrees with itself: {e}")
            continue
        with open(os.path.join(OUT, name + ".json"), "w") as f:
            first, last = time_span(path)
            json.dump({"capture": rel, "tshark": version, "first_packet_us": first,
                       "last_packet_us": last, "conversations": convs}, f, indent=1)
            f.write("\n")
        print(f"{name}: {len(convs)} conversations")


if __name__ == "__main__":
    main()
