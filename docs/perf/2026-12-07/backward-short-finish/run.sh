#!/bin/bash
# bench-np2.jar: benchmarks.jar at 5321561 (the finish of the short backward pass read each block's
# sums through a bounded, lane-by-lane gather); bench-fin.jar: the same after the commit that
# reads them with whole loads (the part buffer 64 floats longer). 2026-12-07, AMD EPYC (Zen 5,
# 2 vCPU), PoCL 3.1. Backward RECOMPUTE and STORE with broadcast (D,) parameters, K = 1, n about
# 2^20, offset 0, extras none and both, kernel time, two alternating rounds: D = 1, 2, 3, 16.
O=docs/perf/2026-12-07/backward-short-finish
J=${J:-/tmp/s15}
export POCL_AFFINITY=1 POCL_CACHE_DIR=/tmp/s15/pc-bench
for r in 1 2; do
  for v in np2 fin; do
    for c in d1:1:1048576 d2:2:1048576 d3:3:1048575 d16:16:1048576; do
      IFS=: read name d s <<< "$c"
      java -jar $J/bench-$v.jar 'ReparamDeviceBenchmark\.backward(Recompute|Store)$' -p broadcast=true -p samples=1 \
        -p dim=$d -p size=$s -p extras=none,both -wi 2 -i 3 -f 1 -rf json -rff $O/$v-$name-$r.json > $O/$v-$name-$r.log 2>&1
    done
  done
done
echo done
