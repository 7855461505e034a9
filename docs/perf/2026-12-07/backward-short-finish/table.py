#!/usr/bin/env python3
"""The table of docs/PERFORMANCE.md ("The finish of the short backward pass") from this directory's JMH files: backward
kernel elements/s per case, jar (np2: before, fin: after) and round. Standard library only."""
import glob
import json
import os
import re
from collections import defaultdict

here = os.path.dirname(os.path.abspath(__file__))
rates = defaultdict(list)
for path in sorted(glob.glob(os.path.join(here, "*.json"))):
    m = re.match(r"(np2|fin)-(.+)-(\d)\.json", os.path.basename(path))
    if not m:
        continue
    jar, case, _ = m.groups()
    for b in json.load(open(path)):
        sec = b["secondaryMetrics"]
        rate = int(b["params"]["size"]) * sec["calls"]["score"] / sec["kernelNs"]["score"] * 1e9
        mode = "backward " + ("RECOMPUTE" if b["benchmark"].endswith("Recompute") else "STORE")
        rates[(case, mode, b["params"]["extras"], jar)].append(rate)
order = ["d1", "d2", "d3", "d16"]
print("| case | pass | extras | before | after | after / before |")
print("|---|---|---|---:|---:|---:|")
for (case, mode, x) in sorted({key[:3] for key in rates}, key=lambda t: (order.index(t[0]), t[1], t[2] != "none")):
    bef, aft = rates[(case, mode, x, "np2")], rates[(case, mode, x, "fin")]
    ratio = (sum(aft) / len(aft)) / (sum(bef) / len(bef))
    print(f"| {case} | {mode} | {x} | {', '.join(f'{v:.2e}' for v in bef)} | {', '.join(f'{v:.2e}' for v in aft)} | {ratio:.2f} |")
