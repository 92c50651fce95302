#!/usr/bin/env python3
"""The README's fuzzing table from the logs scripts/fuzz.sh leaves in fuzz/corpus.

    python3 scripts/fuzz_summary.py [TARGET ...]

Each run of a target writes fuzz/corpus/<target>.log; scripts/fuzz.sh moves the previous one to
<target>.log.1, .2, ... (oldest first), and each run starts from the corpus the earlier ones
grew. One row per target: runs, seconds and executions over all runs (libFuzzer's "Done N runs
in S seconds" and stat:: lines), edges (cov), features (ft) and corpus at the end, and for the
last run: its seconds, the edges it added to those it loaded, and when it last gained one
(seconds into the run: a status line's execution number over its exec/s, which libFuzzer
computes since the process started). Edges are the plateau measure: features (hit-count
buckets, value profiles) keep trickling in long after the code reached stops growing; a last
run that adds no edge, or adds its last one early, is a plateau. A log holding a crash is
flagged.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
# "#123456\tNEW    cov: 805 ft: 2413 corp: 62/1234b lim: ... exec/s: 2000 rss: 80Mb"
STATUS = re.compile(r"^#(\d+)\s+(\w+)\s+cov: (\d+) ft: (\d+) corp: (\d+)/")
EXEC_S = re.compile(r"exec/s: (\d+)")
STAT = re.compile(r"^stat::(\w+):\s+(\d+)")
DONE_TIME = re.compile(r"Done (\d+) runs in (\d+) second")
CRASH = ("==ERROR", "panicked at", "deadly signal")


def read_run(path):
    """One libFuzzer run's log."""
    run = {"execs": 0, "seconds": 0, "cov": 0, "ft": 0, "corpus": 0, "loaded_cov": None,
           "last_edge_s": 0.0, "crashed": False}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = STATUS.match(line)
            if m:
                execs, kind, cov, ft, corp = (m.group(1), m.group(2), *map(int, m.groups()[2:]))
                if kind == "INITED":
                    run["loaded_cov"] = cov
                rate = EXEC_S.search(line)
                at = int(execs) / int(rate.group(1)) if rate and int(rate.group(1)) else 0.0
                if cov > run["cov"] and run["loaded_cov"] is not None and kind != "INITED":
                    run["last_edge_s"] = at
                run.update(execs=int(execs), cov=cov, ft=ft, corpus=corp)
                continue
            m = STAT.match(line)
            if m and m.group(1) == "number_of_executed_units":
                run["execs"] = int(m.group(2))
                continue
            m = DONE_TIME.search(line)
            if m:
                run["seconds"] = int(m.group(2))
            if any(c in line for c in CRASH):
                run["crashed"] = True
    return run


def logs_of(target):
    """The target's logs, oldest first."""
    older = []
    for name in os.listdir(CORPUS):
        m = re.fullmatch(re.escape(target) + r"\.log\.(\d+)", name)
        if m:
            older.append((int(m.group(1)), name))
    names = [name for _, name in sorted(older)]
    if os.path.exists(os.path.join(CORPUS, f"{target}.log")):
        names.append(f"{target}.log")
    return [os.path.join(CORPUS, n) for n in names]


def main():
    targets = sys.argv[1:] or sorted(
        name[:-4] for name in os.listdir(CORPUS) if name.endswith(".log"))
    print("| target | runs | seconds | executions | edges (cov) | features (ft) | corpus "
          "| last run: seconds | edges it added | last edge at s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    total_secs = 0
    for t in targets:
        runs = [read_run(p) for p in logs_of(t)]
        if not runs:
            continue
        last = runs[-1]
        secs = sum(r["seconds"] for r in runs)
        total_secs += secs
        added = last["cov"] - (last["loaded_cov"] or 0)
        flag = " **crashed**" if any(r["crashed"] for r in runs) else ""
        print(f"| `{t}`{flag} | {len(runs)} | {secs} | {sum(r['execs'] for r in runs):,} "
              f"| {last['cov']} | {last['ft']} | {last['corpus']} | {last['seconds']} "
              f"| {added} | {last['last_edge_s']:.0f} |")
    print(f"\n{len(targets)} targets, {total_secs / 3600:.2f} fuzzing hours in all.")


if __name__ == "__main__":
    main()
