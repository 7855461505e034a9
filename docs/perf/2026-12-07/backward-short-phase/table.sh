#!/bin/bash
# The table of docs/PERFORMANCE.md from this directory's JMH files (run from the repository root).
exec python3 benchmarks/ab_table.py docs/perf/2026-12-07/backward-short-phase --before base2 --after lag --order d16-o1,d10-o3,d3-o2,d1-o1,d16-o0
