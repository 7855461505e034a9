#!/bin/bash
# bench-base.jar: benchmarks.jar at 60f94d6 (reparam_backward_short for np = 1, 2, 4, ..., 32 only);
# bench-any.jar: the same after the commit that takes reparam_backward_short to any np below 64.
# 2026-12-07, AMD EPYC (Zen 5, 2 vCPU), PoCL 3.1. Backward RECOMPUTE and STORE with broadcast (D,)
# parameters, K = 1, n about 2^20 (a multiple of D), extras none and both, kernel time, two
# alternating rounds. D = 3, 10, 12, 48 (newly short); D = 16 (short before and after: control).
O=docs/perf/2026-12-07/backward-short-any
J=${J:-/tmp/s15}
export POCL_AFFINITY=1 POCL_CACHE_DIR=/tmp/s15/pc-bench
for r in 1 2; do
  for v in base any; do
    for ds in 3:1048575 10:1048570 12:1048572 48:1048560 16:1048576; do
      d=${ds%%:*}; s=${ds##*:}
      java -jar $J/bench-$v.jar 'ReparamDeviceBenchmark\.backward(Recompute|Store)$' -p broadcast=true -p samples=1 \
        -p dim=$d -p size=$s -p extras=none,both -wi 2 -i 3 -f 1 -rf json -rff $O/$v-d$d-$r.json > $O/$v-d$d-$r.log 2>&1
    done
  done
done
echo done
