#!/usr/bin/env python3
"""Protocol names on the benchmark capture's live part, against what generated each flow.

    python3 benches/bench_accuracy.py [--capture DIR/live_lo.pcap] [--bin target/release/flowsieve]

make.sh (../shared/corpus/bench) records real servers on loopback, each on its own port (see
live_lo.manifest): nginx on 80 (HTTP) and 443/7443/8443/9443/10443 (TLS), sshd on 22, dnsmasq on
53 (UDP and TCP), mosquitto on 1883 (MQTT), a Python SMTP server on 25, syslog lines to UDP 514.
The server port therefore says which protocol a flow carries. This runs flowsieve over
live_lo.pcap and prints, per server port, the names it gave; the figure is the share of TCP/UDP
flows named as their generator. It fails (exit 1) below 99.5%, or if any TLS, DNS, HTTP, SSH,
MQTT or SMTP flow is Unknown, as issue 5 requires. Builds the capture when missing (as
benches/throughput.py does).
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from throughput import build_release, ensure_capture  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TLS = {"HTTPS", "SSL/TLS"}
# (transport, server port) -> names that agree, and the family the issue names.
EXPECTED = {
    ("tcp", 80): ({"HTTP"}, "HTTP"),
    ("tcp", 443): (TLS, "TLS"),
    ("tcp", 7443): (TLS, "TLS"),
    ("tcp", 8443): (TLS, "TLS"),
    ("tcp", 9443): (TLS, "TLS"),
    ("tcp", 10443): (TLS, "TLS"),
    ("tcp", 22): ({"SSH"}, "SSH"),
    ("tcp", 25): ({"SMTP"}, "SMTP"),
    ("tcp", 53): ({"DNS_TCP"}, "DNS"),
    ("udp", 53): ({"DNS"}, "DNS"),
    ("tcp", 1883): ({"MQTT"}, "MQTT"),
    ("udp", 514): ({"Syslog"}, "Syslog"),
}


def main():
    bench_dir = os.environ.get("FLOWSIEVE_BENCH_DIR", "/work/bench-data")
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--capture", default=os.path.join(bench_dir, "live_lo.pcap"))
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "flowsieve"))
    args = ap.parse_args()
    ensure_capture(os.path.join(os.path.dirname(args.capture), "bench_mixed.pcap"))
    if not os.path.exists(args.bin):
        build_release()

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "records.jsonl")
        subprocess.run([args.bin, "run", "-q", "-r", args.capture, "-o", out], check=True)
        per_port = collections.defaultdict(collections.Counter)
        total = agreed = 0
        unknown_in_family = collections.Counter()
        unexpected_ports = collections.Counter()
        with open(out) as f:
            for line in f:
                r = json.loads(line)
                flow = r["flow"]
                if flow["type"] != "flow_end" or flow["transport"] not in ("tcp", "udp"):
                    continue
                ports = (r["source"]["port"], r["destination"]["port"])
                key = next(((flow["transport"], p) for p in ports if (flow["transport"], p) in EXPECTED), None)
                if key is None:
                    unexpected_ports[(flow["transport"], ports)] += 1
                    continue
                names, family = EXPECTED[key]
                got = flow["protocol"]
                per_port[key][got] += 1
                total += 1
                if got in names:
                    agreed += 1
                elif got.startswith("Unknown") or got == "No_Payload":
                    unknown_in_family[family] += 1

    print(f"{'server port':<12} {'expected':<16} {'flowsieve':<14} {'flows':>7}")
    for key in sorted(per_port):
        for got, n in per_port[key].most_common():
            print(f"{key[0]}/{key[1]:<8} {'/'.join(sorted(EXPECTED[key][0])):<16} {got:<14} {n:>7}")
    if unexpected_ports:
        print(f"flows on no generator's port (not counted): {sum(unexpected_ports.values())}")
    figure = 100.0 * agreed / max(total, 1)
    print(f"\nnamed as their generator: {agreed}/{total} flows = {figure:.2f}%")
    failed = False
    if figure < 99.5:
        print("FAIL: below 99.5%")
        failed = True
    for family in ("TLS", "DNS", "HTTP", "SSH", "MQTT", "SMTP"):
        if unknown_in_family[family]:
            print(f"FAIL: {unknown_in_family[family]} {family} flows are Unknown or No_Payload")
            failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
