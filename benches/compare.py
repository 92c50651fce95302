#!/usr/bin/env python3
"""flowsieve side by side with its peers, on the same capture, in the same run.

    python3 benches/compare.py [--capture FILE] [--runs 5] [--no-build] [--skip-tshark]

Builds the benchmark capture with ../shared/corpus/bench/make.sh when it is missing (see
benches/throughput.py), installs the peers from Debian when they are missing (`libndpi-bin`,
`tshark`; as root, DEBIAN_FRONTEND=noninteractive), builds flowsieve in release mode, then times,
alternating A B C D E A B C D E ...:

    floor        runtime/examples/pcap_floor.rs: a bare libpcap read loop over the file
    flowsieve-1  flowsieve run -r FILE -o /dev/null --threads 1  (all built-in packs, TLS on)
    flowsieve-2  the same with --threads 2
    ndpiReader   ndpiReader -i FILE  (nDPI's reference tool; one thread on a file)
    tshark       tshark -n -q -r FILE -z conv,tcp -z conv,udp  (conversation statistics)

Each run is a fresh process started by a fresh Python child, which reports the run's wall time
and its peak RSS (ru_maxrss of its only child). Prints the median of the runs: wall time,
packets/s (the file's packets over wall time), flows/s (each tool's own flow count over wall
time), peak RSS, and the ratios to ndpiReader's packets/s and to the floor's wall time.
Timings are measurements, never test assertions.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from throughput import build_release, ensure_capture, summary_value  # noqa: E402  (shared capture builder)

# One measured run: wall seconds and peak RSS (KiB) of the command, its stdout and stderr.
RUNNER = r"""
import json, resource, subprocess, sys, time
t0 = time.perf_counter()
r = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
wall = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
out = r.stdout.decode("utf-8", "replace")
print(json.dumps({"wall": wall, "rss_kib": ru.ru_maxrss, "cpu": ru.ru_utime + ru.ru_stime,
                  "conversations": sum(1 for line in out.splitlines() if " <-> " in line),
                  "rc": r.returncode, "out": out[-20000:],
                  "err": r.stderr.decode("utf-8", "replace")[-20000:]}))
"""

PEERS = {"ndpiReader": "libndpi-bin", "tshark": "tshark"}


def ensure_peers(skip_tshark):
    """Installs the Debian packages of the peers that are missing."""
    missing = [pkg for tool, pkg in PEERS.items()
               if not (skip_tshark and tool == "tshark") and shutil.which(tool) is None]
    if not missing:
        return
    print(f"installing {' '.join(missing)} from Debian", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=env)


def run_once(cmd):
    r = subprocess.run([sys.executable, "-c", RUNNER, *cmd], capture_output=True, text=True, check=True)
    res = json.loads(r.stdout)
    if res["rc"] != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({res['rc']}):\n{res['err']}")
    return res


def ndpi_counts(out):
    """(packets processed, packets in the file, flows) from ndpiReader's report."""
    m = re.search(r"IP packets:\s+(\d+)\s+of\s+(\d+)\s+packets total", out)
    f = re.search(r"Unique flows:\s+(\d+)", out)
    if not (m and f):
        raise SystemExit(f"cannot read ndpiReader's report:\n{out[-3000:]}")
    return int(m.group(1)), int(m.group(2)), int(f.group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--capture", default=os.path.join(os.environ.get("FLOWSIEVE_BENCH_DIR", "/work/bench-data"),
                                                      "bench_mixed.pcap"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-build", action="store_true", help="use the release binaries already built")
    ap.add_argument("--skip-tshark", action="store_true", help="leave tshark out (it is the slowest)")
    ap.add_argument("--flowsieve", help="the flowsieve binary to time (default: the release build)")
    args = ap.parse_args()
    ensure_capture(args.capture)
    ensure_peers(args.skip_tshark)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    if not args.no_build:
        build_release("pcap_floor")
    fs = args.flowsieve or os.path.join(target, "release", "flowsieve")
    floor = os.path.join(target, "release", "examples", "pcap_floor")
    cap = args.capture
    cases = {
        "floor": [floor, cap],
        "flowsieve-1": [fs, "run", "-r", cap, "-o", "/dev/null", "--threads", "1"],
        "flowsieve-2": [fs, "run", "-r", cap, "-o", "/dev/null", "--threads", "2"],
        "ndpiReader": ["ndpiReader", "-i", cap],
        "tshark": ["tshark", "-n", "-q", "-r", cap, "-z", "conv,tcp", "-z", "conv,udp"],
    }
    if args.skip_tshark:
        del cases["tshark"]

    # Untimed first round: the file into the page cache, and every tool's counts.
    first = {name: run_once(cmd) for name, cmd in cases.items()}
    packets = summary_value(first["flowsieve-1"]["err"], "packets")
    flows = {"flowsieve-1": summary_value(first["flowsieve-1"]["err"], "flows"),
             "flowsieve-2": summary_value(first["flowsieve-2"]["err"], "flows")}
    ndpi_seen, ndpi_total, flows["ndpiReader"] = ndpi_counts(first["ndpiReader"]["out"])
    if ndpi_total != packets:
        raise SystemExit(f"ndpiReader read {ndpi_total} packets, flowsieve {packets}: not the same file?")
    if "tshark" in cases:
        # Conversations listed by tshark's conv,tcp and conv,udp tables.
        flows["tshark"] = first["tshark"]["conversations"]

    walls = {k: [] for k in cases}
    rss = {k: [] for k in cases}
    cpus = {k: [] for k in cases}
    for i in range(args.runs):
        for name, cmd in cases.items():
            r = run_once(cmd)
            walls[name].append(r["wall"])
            rss[name].append(r["rss_kib"])
            cpus[name].append(r["cpu"])
        print(f"round {i + 1}/{args.runs}: " + ", ".join(f"{k} {walls[k][-1]:.3f} s" for k in cases),
              file=sys.stderr)

    med = {k: statistics.median(v) for k, v in walls.items()}
    mrss = {k: statistics.median(v) for k, v in rss.items()}
    mcpu = {k: statistics.median(v) for k, v in cpus.items()}
    pps = {k: packets / med[k] for k in cases}
    print(f"capture: {cap}: {packets} packets (ndpiReader: {ndpi_seen} IP packets); "
          f"median of {args.runs} alternating runs")
    print("| case | wall s | CPU s | packets/s | flows | flows/s | peak RSS MiB | × ndpiReader pkt/s | × floor time |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for k in cases:
        fl = flows.get(k)
        print(f"| {k} | {med[k]:.3f} | {mcpu[k]:.3f} | {pps[k] / 1e6:.2f} M | {fl if fl is not None else '—'} | "
              f"{(f'{fl / med[k] / 1e3:.0f} k') if fl else '—'} | {mrss[k] / 1024:.0f} | "
              f"{pps[k] / pps['ndpiReader']:.2f} | {med[k] / med['floor']:.2f} |")
    t1, t2, nd = med["flowsieve-1"], med["flowsieve-2"], med["ndpiReader"]
    print()
    print(f"flowsieve-1: {nd / t1:.2f}x ndpiReader's packets/s (target >= 3), {t1 / med['floor']:.2f}x the floor's "
          f"time (target <= 3)")
    print(f"flowsieve-2: {t1 / t2:.2f}x flowsieve-1 (target >= 1.7), {t2 / med['floor']:.2f}x the floor's time")
    print(f"CPU time (all threads): flowsieve-1 {mcpu['flowsieve-1']:.3f} s, ndpiReader {mcpu['ndpiReader']:.3f} s "
          f"({mcpu['ndpiReader'] / mcpu['flowsieve-1']:.2f}x), floor {mcpu['floor']:.3f} s; "
          f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"peak RSS: flowsieve-1 {mrss['flowsieve-1'] / 1024:.0f} MiB, flowsieve-2 {mrss['flowsieve-2'] / 1024:.0f} MiB, "
          f"ndpiReader {mrss['ndpiReader'] / 1024:.0f} MiB (target: below ndpiReader)")


if __name__ == "__main__":
    main()
