#!/bin/bash
# The table of docs/PERFORMANCE.md from this directory's JMH files (run from the repository root).
for v in noshift noextra one sel; do echo "cur against $v:"; python3 benchmarks/ab_table.py docs/perf/2026-12-07/unaligned-rows-probe --before cur --after $v; done
