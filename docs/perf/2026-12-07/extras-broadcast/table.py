#!/usr/bin/env python3
"""The table of docs/PERFORMANCE.md ("Short parameter arrays tiled") from this directory's JMH
files: forward kernel elements/s with broadcast parameters, per jar (bc: before, tile: after) and
round, without extras and with both. Standard library only."""
import glob
import json
import os
import re
from collections import defaultdict

here = os.path.dirname(os.path.abspath(__file__))
rates = defaultdict(list)
for path in sorted(glob.glob(os.path.join(here, "*.json"))):
    m = re.match(r"(bc|tile)-k(\d+)-d(\d+)-(\d)\.json", os.path.basename(path))
    if not m:
        continue
    jar, k, d, _ = m.groups()
    for b in json.load(open(path)):
        sec = b["secondaryMetrics"]
        rate = int(b["params"]["size"]) * sec["calls"]["score"] / sec["kernelNs"]["score"] * 1e9
        rates[(int(k), int(d), jar, b["params"]["extras"])].append(rate)
print("| K | D | extras | before | after | after / before |")
print("|---:|---:|---|---:|---:|---:|")
for (k, d) in sorted({key[:2] for key in rates}):
    for x in ("none", "both"):
        bef, aft = rates[(k, d, "bc", x)], rates[(k, d, "tile", x)]
        ratio = (sum(aft) / len(aft)) / (sum(bef) / len(bef)) if bef and aft else float("nan")
        print(f"| {k} | {d} | {x} | {', '.join(f'{v:.2e}' for v in bef)} | {', '.join(f'{v:.2e}' for v in aft)} | {ratio:.2f} |")
