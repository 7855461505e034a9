#!/bin/bash
# The table of docs/PERFORMANCE.md from this directory's JMH files (run from the repository root).
exec python3 benchmarks/ab_table.py docs/perf/2026-12-07/backward-unaligned-rows --before base --after unal --order k16-d10,k16-d15,bc-d1001,k16-d16
