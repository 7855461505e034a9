#!/bin/bash
# The table of docs/PERFORMANCE.md from this directory's JMH files (run from the repository root).
exec python3 benchmarks/ab_table.py docs/perf/2026-12-07/forward-extras-control --before base --after new3 --order d16,d10,d1024
