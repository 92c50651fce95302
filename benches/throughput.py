#!/usr/bin/env python3
"""Whole-pipeline throughput of flowsieve on the benchmark capture.

    python3 benches/throughput.py [--capture FILE] [--runs 5]

Builds the benchmark capture with ../shared/corpus/bench/make.sh when it is missing (root,
Debian packages, ~4 minutes; written to $FLOWSIEVE_BENCH_DIR or /work/bench-data), builds
flowsieve in release mode, then runs, alternating A B C A B C ...:

    floor      runtime/examples/pcap_floor.rs: libpcap reads every packet, nothing else
    threads=1  flowsieve run -r CAPTURE -o /dev/null --threads 1   (everything on)
    no-rules   the same with classifiers.enabled: false (what the rule packs cost)
    threads=2  flowsieve run -r CAPTURE -o /dev/null --threads 2

and prints the median wall time, packets/s, flows/s and peak RSS of each, and the ratios.
The capture should be in the page cache: the first, untimed run of each puts it there.
Timings are measurements, never test assertions.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAKE = os.path.normpath(os.path.join(ROOT, "..", "shared", "corpus", "bench", "make.sh"))


def ensure_capture(path):
    if os.path.exists(path):
        return
    out = os.path.dirname(path)
    print(f"building the benchmark capture in {out} with {MAKE} (about 4 minutes)", file=sys.stderr)
    pkgs = ("tcpdump nginx-light openssl curl openssh-server openssh-client dnsmasq dnsutils mosquitto "
            "mosquitto-clients python3 iputils-ping ethtool iproute2 util-linux wireshark-common tcpreplay").split()
    subprocess.run(["apt-get", "install", "-y", "-qq", *pkgs], check=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    os.makedirs(out, exist_ok=True)
    subprocess.run(["bash", MAKE], check=True, env={**os.environ, "OUT": out})


def timed(cmd):
    """Wall seconds, CPU seconds (user + system, all threads) and stderr of one run. CPU time
    is the figure to trust on a machine that is busy with something else: wall time then
    includes waiting for a core."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    err = p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}): {err}")
    return wall, usage.ru_utime + usage.ru_stime, err


def peak_rss_kib(cmd):
    """Peak RSS of one run: ru_maxrss of children is a maximum over all children so far, so
    each measured run gets a fresh Python parent."""
    code = ("import resource,subprocess,sys;"
            "subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL,check=True);"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    return int(subprocess.run([sys.executable, "-c", code, *cmd], capture_output=True, text=True,
                              check=True).stdout)


def summary_value(stderr, label):
    for line in stderr.splitlines():
        words = line.split()
        if len(words) > 1 and words[0] == label:
            return int(words[1])
    raise SystemExit(f"no '{label}' line in flowsieve's summary:\n{stderr}")


def build_release(*targets):
    """Builds flowsieve's release binaries after the build set-up a fresh machine lacks
    (libpcap-dev, the wasm target for the rule packs: scripts/setup.sh --build-only)."""
    subprocess.run(["bash", os.path.join(ROOT, "scripts", "setup.sh"), "--build-only"], check=True)
    cmd = ["cargo", "build", "--release", "--quiet", "--bin", "flowsieve"]
    for example in targets:
        cmd += ["--example", example]
    subprocess.run(cmd, cwd=ROOT, check=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--capture", default=os.path.join(os.environ.get("FLOWSIEVE_BENCH_DIR", "/work/bench-data"),
                                                      "bench_mixed.pcap"))
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    ensure_capture(args.capture)
    build_release("pcap_floor")
    fs = os.path.join(ROOT, "target", "release", "flowsieve")
    floor = os.path.join(ROOT, "target", "release", "examples", "pcap_floor")
    no_rules = os.path.join(ROOT, "target", "bench-no-rules.yaml")
    with open(no_rules, "w") as f:
        f.write("classifiers:\n  enabled: false\n")
    cases = {
        "floor": [floor, args.capture],
        "threads=1": [fs, "run", "-r", args.capture, "-o", "/dev/null", "--threads", "1"],
        "no-rules": [fs, "run", "-r", args.capture, "-o", "/dev/null", "--threads", "1", "-c", no_rules],
        "threads=2": [fs, "run", "-r", args.capture, "-o", "/dev/null", "--threads", "2"],
    }
    # Warm the page cache and read the counts.
    _, _, err = timed(cases["threads=1"])
    packets = summary_value(err, "packets")
    flows = summary_value(err, "flows")
    walls = {k: [] for k in cases}
    cpus = {k: [] for k in cases}
    for _ in range(args.runs):
        for name, cmd in cases.items():
            wall, cpu, _ = timed(cmd)
            walls[name].append(wall)
            cpus[name].append(cpu)
    rss = {name: peak_rss_kib(cmd) for name, cmd in cases.items()}
    print(f"capture: {args.capture}: {packets} packets, {flows} flows; median of {args.runs} runs")
    print(f"{'case':<10} {'wall s':>8} {'cpu s':>8} {'packets/s':>12} {'flows/s':>10} {'peak RSS MiB':>13}")
    med = {k: statistics.median(v) for k, v in walls.items()}
    cpu = {k: statistics.median(v) for k, v in cpus.items()}
    for name in cases:
        print(f"{name:<10} {med[name]:>8.3f} {cpu[name]:>8.3f} {packets / med[name]:>12,.0f} "
              f"{flows / med[name]:>10,.0f} {rss[name] / 1024:>13.1f}")
    print(f"threads=1 is {med['threads=1'] / med['floor']:.2f}x the floor's time; "
          f"rule packs cost {100 * (med['threads=1'] / med['no-rules'] - 1):.1f}% of throughput; "
          f"threads=2 runs {med['threads=1'] / med['threads=2']:.2f}x faster than threads=1")
    print(f"by CPU time: rule packs cost {100 * (cpu['threads=1'] / cpu['no-rules'] - 1):.1f}%; "
          f"threads=1 is {cpu['threads=1'] / cpu['floor']:.2f}x the floor")


if __name__ == "__main__":
    main()
