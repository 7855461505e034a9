#!/usr/bin/env python3
"""A/B table of kernel rates from the JMH files of a before/after experiment (standard library only).

    python3 benchmarks/ab_table.py DIR --before JAR --after JAR [--order CASE,CASE,...]

DIR holds the JSON files a run.sh wrote, named JAR-CASE-ROUND.json (or JAR-ROUND.json for a single
case), one per jar, case and round, the rounds alternating between the two jars. Each JMH result
gives kernel elements/s = size * calls / kernelNs (the device benchmarks' secondary metrics). Prints
a Markdown table with one row per case, benchmark and extras: every round's rate before and after,
and the ratio of the mean rates. Cases come in --order (others after, sorted); nothing is typed in.
"""
import argparse
import glob
import json
import os
import re
from collections import defaultdict


def label(benchmark):
    """backwardRecompute -> backward RECOMPUTE, backwardStore -> backward STORE, else Class.method."""
    cls, method = benchmark.split(".")[-2:]
    for suffix in ("Recompute", "Store"):
        if method.endswith(suffix) and method != suffix:
            return method[: -len(suffix)] + " " + suffix.upper()
    return method if cls == "ReparamDeviceBenchmark" else cls + "." + method


def rates(directory, jars):
    """{(case, benchmark label, extras, jar): [rate per round]} from the files of the given jars."""
    pattern = re.compile(r"(%s)(?:-(.+))?-(\d+)\.json$" % "|".join(re.escape(j) for j in jars))
    out = defaultdict(list)
    for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
        m = pattern.match(os.path.basename(path))
        if not m:
            continue
        jar, case = m.group(1), m.group(2) or ""
        for b in json.load(open(path)):
            sec = b["secondaryMetrics"]
            rate = int(b["params"]["size"]) * sec["calls"]["score"] / sec["kernelNs"]["score"] * 1e9
            out[(case, label(b["benchmark"]), b["params"].get("extras", "none"), jar)].append(rate)
    return out


def table(directory, before, after, order=()):
    r = rates(directory, (before, after))
    keys = sorted({k[:3] for k in r},
                  key=lambda k: (order.index(k[0]) if k[0] in order else len(order), k[0], k[1], k[2] != "none"))
    lines = ["| case | pass | extras | before | after | after / before |", "|---|---|---|---:|---:|---:|"]
    for case, name, extras in keys:
        bef, aft = r[(case, name, extras, before)], r[(case, name, extras, after)]
        ratio = (sum(aft) / len(aft)) / (sum(bef) / len(bef)) if bef and aft else float("nan")
        lines.append(f"| {case} | {name} | {extras} | {', '.join(f'{v:.2e}' for v in bef)} | "
                     f"{', '.join(f'{v:.2e}' for v in aft)} | {ratio:.2f} |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--before", required=True, help="the jar name before the change (file prefix)")
    ap.add_argument("--after", required=True, help="the jar name after the change (file prefix)")
    ap.add_argument("--order", default="", help="cases in table order, comma-separated")
    a = ap.parse_args()
    t = table(a.dir, a.before, a.after, tuple(c for c in a.order.split(",") if c))
    if t.count("\n") < 2:
        raise SystemExit(f"ab_table.py: no {a.before}-*.json or {a.after}-*.json results in {a.dir}")
    print(t)


if __name__ == "__main__":
    main()
