#!/bin/bash
# The table of docs/PERFORMANCE.md from this directory's JMH files (run from the repository root).
exec python3 benchmarks/ab_table.py docs/perf/2026-12-07/forward-rows-prefetch-not-kept --before cur --after pf --order d100,d1000,d100-2p24,d1000-2p24
