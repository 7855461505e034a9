#!/usr/bin/env python3
"""The table of docs/PERFORMANCE.md ("Every D below 64 ...") from this directory's JMH files:
kernel elements/s of the forward pass without extras (none) and with both, per jar and round, and
the ratio of the two jars' means with both extras. Standard library only."""
import glob
import json
import os
import re
from collections import defaultdict

here = os.path.dirname(os.path.abspath(__file__))
rates = defaultdict(list)   # (K, param, D, jar, extras) -> [elements/s per round]
for path in sorted(glob.glob(os.path.join(here, "*.json"))):
    m = re.match(r"(base|new)-k(\d+)-([a-z-]+)-d(\d+)-(\d)\.json", os.path.basename(path))
    if not m:
        continue
    jar, k, param, d, _ = m.groups()
    for b in json.load(open(path)):
        sec = b["secondaryMetrics"]
        ns, calls = sec["kernelNs"]["score"], sec["calls"]["score"]
        size = int(b["params"]["size"])
        rates[(int(k), param, int(d), jar, b["params"]["extras"])].append(size * calls / ns * 1e9)
print("| K | param | D | none, before | both, before | none, after | both, after | both: after / before |")
print("|---:|---|---:|---:|---:|---:|---:|---:|")
for (k, param, d) in sorted({key[:3] for key in rates}, key=lambda t: (-t[0], t[1], t[2])):
    def cell(jar, x):
        return ", ".join(f"{v:.2e}" for v in rates[(k, param, d, jar, x)])
    def mean(jar, x):
        v = rates[(k, param, d, jar, x)]
        return sum(v) / len(v) if v else float("nan")
    print(f"| {k} | `{param}` | {d} | {cell('base', 'none')} | {cell('base', 'both')} | {cell('new', 'none')} | "
          f"{cell('new', 'both')} | {mean('new', 'both') / mean('base', 'both'):.2f} |")
