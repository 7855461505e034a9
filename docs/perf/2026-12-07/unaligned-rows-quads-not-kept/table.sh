#!/bin/bash
# The table of docs/PERFORMANCE.md from this directory's JMH files (run from the repository root).
exec python3 benchmarks/ab_table.py docs/perf/2026-12-07/unaligned-rows-quads-not-kept --before cur --after quad --order k16-d15,k16-d10,bc-d1001
