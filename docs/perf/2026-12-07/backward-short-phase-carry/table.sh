#!/bin/bash
# The table of docs/PERFORMANCE.md from this directory's JMH files (run from the repository root).
exec python3 benchmarks/ab_table.py docs/perf/2026-12-07/backward-short-phase-carry --before new3 --after new4 --order d1-o1,d2-o3,d1-o0
