#!/usr/bin/env python3
"""CPU seconds per thread of one flowsieve run: where the time goes between the capture
thread, the workers and the exporter.

    python3 benches/thread_cpu.py [--capture FILE] [--threads N] [-- extra flowsieve args]

Polls /proc/PID/task/*/stat every 20 ms and keeps each thread's last utime + stime, so a
thread that ends before the process does is still counted (to within one poll). CPU time,
unlike wall time, stays meaningful on a machine busy with something else; the sum over
threads against the wall time says how much the threads overlapped.
"""
import argparse
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TICK = os.sysconf("SC_CLK_TCK")


def sample(pid, seen):
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
        except (FileNotFoundError, ProcessLookupError):
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        cpu = (int(fields[11]) + int(fields[12])) / TICK  # utime, stime
        seen[tid] = (name, cpu)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--capture", default=os.path.join(os.environ.get("FLOWSIEVE_BENCH_DIR", "/work/bench-data"),
                                                      "bench_mixed.pcap"))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "flowsieve"))
    ap.add_argument("extra", nargs="*")
    args = ap.parse_args()
    cmd = [args.bin, "run", "-r", args.capture, "-o", "/dev/null", "--threads", str(args.threads), "-q",
           *args.extra]
    seen = {}
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    while p.poll() is None:
        sample(p.pid, seen)
        time.sleep(0.02)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({p.returncode})")
    by_name = {}
    for name, cpu in seen.values():
        by_name[name] = by_name.get(name, 0.0) + cpu
    total = sum(by_name.values())
    print(f"threads={args.threads}: wall {wall:.2f} s, CPU {total:.2f} s (threads overlapped {total / wall:.2f}x)")
    for name, cpu in sorted(by_name.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<16} {cpu:7.2f} s  {100 * cpu / total:5.1f}%")


if __name__ == "__main__":
    main()
