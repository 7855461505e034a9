#!/bin/bash
# bench-lag.jar: benchmarks.jar at 82dcbc5 (short parameter arrays at a phase: rows staged across
# runs, np = 1 and 2 included); bench-np2.jar: the same after the commit that keeps np = 1 and 2
# in their whole-row loops at a phase, with eps from two generator calls per run (rp_eps_at).
# 2026-12-07, AMD EPYC (Zen 5, 2 vCPU), PoCL 3.1. Backward RECOMPUTE and STORE with broadcast (D,)
# parameters, K = 1, n = 2^20, extras none and both, kernel time, two alternating rounds: D = 1
# and 2 at offsets 1 and 0 (offset 0: the same loops before and after, the control).
O=docs/perf/2026-12-07/backward-short-phase-np12
J=${J:-/tmp/s15}
export POCL_AFFINITY=1 POCL_CACHE_DIR=/tmp/s15/pc-bench
for r in 1 2; do
  for v in lag np2; do
    for c in d1-o1:1:1 d2-o1:2:1 d1-o0:1:0 d2-o0:2:0; do
      IFS=: read name d o <<< "$c"
      java -jar $J/bench-$v.jar 'ReparamDeviceBenchmark\.backward(Recompute|Store)$' -p broadcast=true -p samples=1 \
        -p dim=$d -p size=1048576 -p offset=$o -p extras=none,both -wi 2 -i 3 -f 1 -rf json -rff $O/$v-$name-$r.json > $O/$v-$name-$r.log 2>&1
    done
  done
done
echo done
