#!/bin/bash
# The table of docs/PERFORMANCE.md from this directory's JMH files (run from the repository root).
exec python3 benchmarks/ab_table.py docs/perf/2026-12-07/forward-rows --before base --after new --order d100,d1000,d65,d1024-o1,k16-d100,bc-d784,d1000-softplus
