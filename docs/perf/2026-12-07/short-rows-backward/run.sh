#!/bin/bash
# bench-xa.jar: benchmarks.jar at 7fe13d4; bench-xd.jar: the same with the backward change. 03:36-03:42 UTC, 2026-12-07, AMD EPYC, PoCL 3.1.
# Backward RECOMPUTE with KL / log q gradients and short rows: alternating rounds of the jar before
# (bench-xa) and after (bench-xd: rp_row_values by selects, reparam_strided_sums 16 columns per work-item).
O=docs/perf/2026-12-07/short-rows-backward
export POCL_AFFINITY=1 POCL_CACHE_DIR=/tmp/s13/pc-bench
export LD_PRELOAD=/usr/lib/jvm/java-17-openjdk-amd64/lib/libjsig.so
for r in 1 2; do
  for v in xa xd; do
    java -jar /tmp/s13/bench-$v.jar 'ReparamDeviceBenchmark\.backwardRecompute$' -p size=12582912 -p dim=16,24,1024 \
      -p param=sigma -p extras=none,kl,logq,both -rf json -rff $O/$v-$r.json > $O/$v-$r.log 2>&1
  done
done
echo done
