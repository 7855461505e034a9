#!/bin/bash
# The table of docs/PERFORMANCE.md from this directory's JMH files (run from the repository root).
exec python3 benchmarks/ab_table.py docs/perf/2026-12-07/backward-short-any --before base --after any --order d3,d10,d12,d48,d16
