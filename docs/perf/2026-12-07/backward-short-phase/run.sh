#!/bin/bash
# bench-base2.jar: benchmarks.jar at 632f881 plus the benchmark's offset parameter (short parameter
# arrays at an offset that is not a multiple of 4 took the row walk); bench-lag.jar: the same after
# the commit that gives them reparam_backward_short (runs start phase elements early).
# 2026-12-07, AMD EPYC (Zen 5, 2 vCPU), PoCL 3.1. Backward RECOMPUTE and STORE with broadcast (D,)
# parameters, K = 1, n about 2^20 (a multiple of D), extras none and both, kernel time, two
# alternating rounds: D = 16 at offset 1, D = 10 at offset 3, D = 3 at offset 2, D = 1 at offset
# 1; D = 16 at offset 0 (short before and after: control).
O=docs/perf/2026-12-07/backward-short-phase
J=${J:-/tmp/s15}
export POCL_AFFINITY=1 POCL_CACHE_DIR=/tmp/s15/pc-bench
for r in 1 2; do
  for v in base2 lag; do
    for c in d16-o1:16:1048576:1 d10-o3:10:1048570:3 d3-o2:3:1048575:2 d1-o1:1:1048576:1 d16-o0:16:1048576:0; do
      IFS=: read name d s o <<< "$c"
      java -jar $J/bench-$v.jar 'ReparamDeviceBenchmark\.backward(Recompute|Store)$' -p broadcast=true -p samples=1 \
        -p dim=$d -p size=$s -p offset=$o -p extras=none,both -wi 2 -i 3 -f 1 -rf json -rff $O/$v-$name-$r.json > $O/$v-$name-$r.log 2>&1
    done
  done
done
echo done
