#!/usr/bin/env python3
"""The README's fuzzing table from the logs scripts/fuzz.sh leaves in fuzz/corpus/<target>.log.

    python3 scripts/fuzz_summary.py [TARGET ...]

One row per target: seconds run (libFuzzer's own clock at the last status line), executions,
edges (cov) and features (ft) reached, corpus size, new inputs found, and when the last new
input was found (execution number and share of the run): a last find early in a long run is
what a plateau looks like. A target whose log holds a crash is flagged.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
# "#123456\tNEW    cov: 805 ft: 2413 corp: 62/1234b lim: ... exec/s: 2000 rss: 80Mb"
STATUS = re.compile(r"^#(\d+)\s+(\w+)\s+cov: (\d+) ft: (\d+) corp: (\d+)/")
STAT = re.compile(r"^stat::(\w+):\s+(\d+)")
DONE_TIME = re.compile(r"Done (\d+) runs in (\d+) second")


def summarise(target):
    path = os.path.join(CORPUS, f"{target}.log")
    row = {"target": target, "execs": 0, "cov": 0, "ft": 0, "corpus": 0, "new": 0,
           "last_new": 0, "seconds": None, "crashed": False}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = STATUS.match(line)
            if m:
                execs, kind, cov, ft, corp = m.groups()
                row.update(execs=int(execs), cov=int(cov), ft=int(ft), corpus=int(corp))
                if kind == "NEW":
                    row["last_new"] = int(execs)
                continue
            m = STAT.match(line)
            if m:
                key, value = m.groups()
                if key == "number_of_executed_units":
                    row["execs"] = int(value)
                elif key == "new_units_added":
                    row["new"] = int(value)
                continue
            m = DONE_TIME.search(line)
            if m:
                row["seconds"] = int(m.group(2))
            if "==ERROR" in line or "panicked at" in line or "deadly signal" in line:
                row["crashed"] = True
    return row


def main():
    targets = sys.argv[1:] or sorted(
        name[:-4] for name in os.listdir(CORPUS) if name.endswith(".log"))
    print("| target | seconds | executions | edges (cov) | features (ft) | corpus | new inputs "
          "| last new input at exec # (share of run) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    total_secs = 0
    for t in targets:
        r = summarise(t)
        share = f"{100 * r['last_new'] / r['execs']:.0f}%" if r["execs"] else "-"
        secs = r["seconds"] if r["seconds"] is not None else "?"
        total_secs += r["seconds"] or 0
        flag = " **crashed**" if r["crashed"] else ""
        print(f"| `{t}`{flag} | {secs} | {r['execs']:,} | {r['cov']} | {r['ft']} | {r['corpus']} "
              f"| {r['new']} | {r['last_new']:,} ({share}) |")
    print(f"\n{len(targets)} targets, {total_secs / 3600:.2f} fuzzing hours in all.")


if __name__ == "__main__":
    main()
