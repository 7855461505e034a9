#!/bin/bash
# The table of docs/PERFORMANCE.md from this directory's JMH files (run from the repository root).
D=docs/perf/2026-12-07/forward-rows-short
python3 benchmarks/ab_table.py $D --before base --after new2 --order d10-o1,d48-o3,d1-o2,d32-o2
echo
python3 benchmarks/ab_table.py $D --before base --after new3 --order d10-o1,d48-o3,d1-o2,d32-o2
