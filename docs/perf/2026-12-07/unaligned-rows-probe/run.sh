#!/bin/bash
# Where the time of reparam_backward's rows at a phase goes (np not a multiple of 4), 2026-12-07
# 14:45 UTC, AMD EPYC (Zen 5, 2 vCPU), PoCL 3.1: benchmarks.jar at a0550cc (cur) against jars built
# with one change to kernels/reparam.cl each (variants.diff; wrong bits, timing only):
#   noshift: rp_eps_shift gets phase 0 (no branch, no shuffles);
#   noextra: no generator call for the 17th blocks (x = the block indices, converted);
#   one:     rp_eps_shift gets phase 1 (shuffles, no branch);
#   sel:     rp_eps_shift computes all three shifts and selects (no branch, 12 shuffles).
# Backward RECOMPUTE, K = 16, D = 15, B = 4369 (np = 65535), kernel time; rounds 1-2 cur, noshift,
# noextra; rounds 3-4 cur, one, sel.
O=docs/perf/2026-12-07/unaligned-rows-probe
J=${J:-/tmp/s15}
export POCL_AFFINITY=1 POCL_CACHE_DIR=/tmp/s15/pc-bench
run() { java -jar $J/bench-$1.jar 'ReparamDeviceBenchmark\.backwardRecompute$' -p samples=16 -p dim=15 -p size=1048560 \
  -wi 2 -i 3 -f 1 -rf json -rff $O/$1-$2.json > $O/$1-$2.log 2>&1; }
for r in 1 2; do for v in cur noshift noextra; do run $v $r; done; done
for r in 3 4; do for v in cur one sel; do run $v $r; done; done
