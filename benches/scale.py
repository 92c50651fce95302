#!/usr/bin/env python3
"""How flowsieve's cost grows with the number of concurrent flows.

    python3 benches/scale.py [--sizes 10000,100000,1000000,5000000] [--runs 3] [--no-build]

Writes synthetic captures with runtime/examples/synth_flows.rs (kept in
$FLOWSIEVE_BENCH_DIR/synth, default /work/bench-data/synth) and runs flowsieve over each
(1 worker, all built-in packs, TLS on, records to /dev/null) with idle timeouts longer than
the capture and a flow cap above the flow count, so every flow is tracked at once:

  long mix   every flow opens (TCP: handshake + HTTP request/response; UDP: DNS query/answer),
             is classified, goes quiet past tls.wait_seconds (its inspection state is freed),
             then sends one more packet: the table holds N classified flows at the end.
  SYN flood  N SYNs from distinct sources, under flows.max_flows = 100000 and under the default
             cap (1,000,000): memory must stay bounded by the cap, not grow with N.

Prints, per size, packets/s, flows/s, peak RSS (median of the runs) and the peak RSS above a
1,000-flow run divided by the flows: the memory per tracked, classified flow.
Timings are measurements, never test assertions.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from compare import run_once  # noqa: E402
from throughput import build_release, summary_value  # noqa: E402

SYNTH_DIR = os.path.join(os.environ.get("FLOWSIEVE_BENCH_DIR", "/work/bench-data"), "synth")


# New flows per second of packet time while flows open. Each flow keeps its inspection state
# for tls.wait_seconds (10 s) after its verdict, so at this rate ~20,000 flows are under
# inspection at any time whatever the table size: the peak RSS then shows what a tracked,
# classified flow costs. (The inspection window's own cost is measured separately, see the
# README: it grows with the arrival rate, not with the number of concurrent flows.)
RATE = 2000


def capture(target, mix, flows):
    path = os.path.join(SYNTH_DIR, f"{mix}_{flows}_r{RATE}.pcap")
    if not os.path.exists(path):
        os.makedirs(SYNTH_DIR, exist_ok=True)
        tmp = path + ".part"
        subprocess.run([os.path.join(target, "release", "examples", "synth_flows"), "--flows", str(flows),
                        "--mix", mix, "--rate", str(RATE), "-o", tmp], check=True, stdout=subprocess.DEVNULL)
        os.replace(tmp, path)
    return path


def config(cap):
    path = os.path.join(SYNTH_DIR, f"scale_cap_{cap}.yaml")
    with open(path, "w") as f:
        # Timeouts beyond the capture's span keep every flow; one output interval per day
        # keeps flow_interval records out of a capture that spans up to 2,500 s.
        f.write(f"flows:\n  max_flows: {cap}\n  timeouts:\n    tcp: 3600\n    tcp_handshake: 3600\n"
                f"    udp: 3600\nflow_statistics:\n  output_interval: 86400\n")
    return path


def measure(fs, cap_file, conf, runs):
    cmd = [fs, "run", "-r", cap_file, "-o", "/dev/null", "--threads", "1", "-c", conf]
    res = [run_once(cmd) for _ in range(runs)]
    err = res[0]["err"]
    return {
        "wall": statistics.median(r["wall"] for r in res),
        "rss_kib": statistics.median(r["rss_kib"] for r in res),
        "packets": summary_value(err, "packets"),
        "flows": summary_value(err, "flows"),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,100000,1000000,5000000")
    ap.add_argument("--flood", default="1000000,5000000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    if not args.no_build:
        build_release("synth_flows")
    fs = os.path.join(target, "release", "flowsieve")
    sizes = [int(s) for s in args.sizes.split(",") if s]
    floods = [int(s) for s in args.flood.split(",") if s]
    big_cap = config(max(sizes + floods) + 1000)

    base = measure(fs, capture(target, "long", 1000), big_cap, args.runs)
    out = {"base_1000": base, "long": {}, "syn": {}}
    print(f"baseline: 1,000 flows, peak RSS {base['rss_kib'] / 1024:.0f} MiB")
    print("| concurrent flows | packets | wall s | packets/s | flows/s | peak RSS MiB | bytes per flow |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for n in sizes:
        m = measure(fs, capture(target, "long", n), big_cap, args.runs)
        per_flow = (m["rss_kib"] - base["rss_kib"]) * 1024 / (n - 1000)
        m["bytes_per_flow"] = per_flow
        out["long"][n] = m
        print(f"| {n:,} | {m['packets']:,} | {m['wall']:.2f} | {m['packets'] / m['wall'] / 1e6:.2f} M | "
              f"{m['flows'] / m['wall'] / 1e3:.0f} k | {m['rss_kib'] / 1024:.0f} | {per_flow:.0f} |", flush=True)
    print()
    print("| SYN flood | flow cap | wall s | packets/s | peak RSS MiB |")
    print("| --- | --- | --- | --- | --- |")
    for cap in (100_000, 1_000_000):
        conf = config(cap)
        for n in floods:
            m = measure(fs, capture(target, "syn", n), conf, args.runs)
            out["syn"][f"{n}/{cap}"] = m
            print(f"| {n:,} SYNs | {cap:,} | {m['wall']:.2f} | {m['packets'] / m['wall'] / 1e6:.2f} M | "
                  f"{m['rss_kib'] / 1024:.0f} |", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
