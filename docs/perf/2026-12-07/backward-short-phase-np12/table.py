#!/usr/bin/env python3
"""The table of docs/PERFORMANCE.md ("Short parameter arrays at a phase", np = 1 and 2) from this directory's JMH files: backward
kernel elements/s per case, jar (lag: before, np2: after) and round. Standard library only."""
import glob
import json
import os
import re
from collections import defaultdict

here = os.path.dirname(os.path.abspath(__file__))
rates = defaultdict(list)
for path in sorted(glob.glob(os.path.join(here, "*.json"))):
    m = re.match(r"(lag|np2)-(.+)-(\d)\.json", os.path.basename(path))
    if not m:
        continue
    jar, case, _ = m.groups()
    for b in json.load(open(path)):
        sec = b["secondaryMetrics"]
        rate = int(b["params"]["size"]) * sec["calls"]["score"] / sec["kernelNs"]["score"] * 1e9
        mode = "backward " + ("RECOMPUTE" if b["benchmark"].endswith("Recompute") else "STORE")
        rates[(case, mode, b["params"]["extras"], jar)].append(rate)
order = ["d1-o1", "d2-o1", "d1-o0", "d2-o0"]
print("| case | pass | extras | before | after | after / before |")
print("|---|---|---|---:|---:|---:|")
for (case, mode, x) in sorted({key[:3] for key in rates}, key=lambda t: (order.index(t[0]), t[1], t[2] != "none")):
    bef, aft = rates[(case, mode, x, "lag")], rates[(case, mode, x, "np2")]
    ratio = (sum(aft) / len(aft)) / (sum(bef) / len(bef))
    print(f"| {case} | {mode} | {x} | {', '.join(f'{v:.2e}' for v in bef)} | {', '.join(f'{v:.2e}' for v in aft)} | {ratio:.2f} |")
