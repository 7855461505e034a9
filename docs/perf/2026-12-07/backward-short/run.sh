#!/bin/bash
# bench-long.jar: benchmarks.jar at 4a06b4e; bench-short.jar: the same after the commit that adds
# reparam_backward_short. 2026-12-07, AMD EPYC, PoCL 3.1. Backward RECOMPUTE and STORE with broadcast
# (D,) parameters, D = 16 and 4, K = 1, n = 2^20, extras none and both, kernel time, two alternating
# rounds; D = 1024 broadcast beside it (not short).
O=docs/perf/2026-12-07/backward-short
J=${J:-/tmp/s14}
export POCL_AFFINITY=1 POCL_CACHE_DIR=/tmp/s14/pc-bench
for r in 1 2; do
  for v in long short; do
    for d in 16 4 1024; do
      java -jar $J/bench-$v.jar 'ReparamDeviceBenchmark\.backward(Recompute|Store)$' -p broadcast=true -p samples=1 \
        -p dim=$d -p size=1048576 -p extras=none,both -wi 2 -i 3 -f 1 -rf json -rff $O/$v-d$d-$r.json > $O/$v-d$d-$r.log 2>&1
    done
  done
done
echo done
