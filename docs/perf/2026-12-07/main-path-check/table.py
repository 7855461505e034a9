#!/usr/bin/env python3
"""The main-path regression check of docs/PERFORMANCE.md from this directory's JMH files: kernel
elements/s per benchmark, jar (any: before, fin: after) and round. Standard library only."""
import glob
import json
import os
import re
from collections import defaultdict

here = os.path.dirname(os.path.abspath(__file__))
rates = defaultdict(list)
for path in sorted(glob.glob(os.path.join(here, "*.json"))):
    m = re.match(r"(any|fin)-(\d)\.json", os.path.basename(path))
    if not m:
        continue
    for b in json.load(open(path)):
        sec = b["secondaryMetrics"]
        rate = int(b["params"]["size"]) * sec["calls"]["score"] / sec["kernelNs"]["score"] * 1e9
        rates[(b["benchmark"].split(".")[-2] + "." + b["benchmark"].split(".")[-1], m.group(1))].append(rate)
print("| benchmark | before | after | after / before |")
print("|---|---:|---:|---:|")
for name in sorted({k[0] for k in rates}):
    bef, aft = rates[(name, "any")], rates[(name, "fin")]
    print(f"| {name} | {', '.join(f'{v:.2e}' for v in bef)} | {', '.join(f'{v:.2e}' for v in aft)} | "
          f"{(sum(aft) / len(aft)) / (sum(bef) / len(bef)):.2f} |")
