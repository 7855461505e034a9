#!/usr/bin/env python3
"""The table of docs/PERFORMANCE.md ("The backward pass over short parameter arrays", any np below 64) from this
directory's JMH files: backward kernel elements/s with broadcast (D,) parameters, per jar (long:
before, short: after) and round. Standard library only."""
import glob
import json
import os
import re
from collections import defaultdict

here = os.path.dirname(os.path.abspath(__file__))
rates = defaultdict(list)
for path in sorted(glob.glob(os.path.join(here, "*.json"))):
    m = re.match(r"(base|any)-d(\d+)-(\d)\.json", os.path.basename(path))
    if not m:
        continue
    jar, d, _ = m.groups()
    for b in json.load(open(path)):
        sec = b["secondaryMetrics"]
        rate = int(b["params"]["size"]) * sec["calls"]["score"] / sec["kernelNs"]["score"] * 1e9
        mode = b["benchmark"].rsplit(".", 1)[1]
        rates[(int(d), mode, b["params"]["extras"], jar)].append(rate)
print("| D | pass | extras | before | after | after / before |")
print("|---:|---|---|---:|---:|---:|")
for (d, mode, x) in sorted({key[:3] for key in rates}, key=lambda t: (t[0] == 16, t[0], t[1], t[2] != "none")):
    bef, aft = rates[(d, mode, x, "base")], rates[(d, mode, x, "any")]
    ratio = (sum(aft) / len(aft)) / (sum(bef) / len(bef)) if bef and aft else float("nan")
    print(f"| {d} | {mode} | {x} | {', '.join(f'{v:.2e}' for v in bef)} | {', '.join(f'{v:.2e}' for v in aft)} | {ratio:.2f} |")
