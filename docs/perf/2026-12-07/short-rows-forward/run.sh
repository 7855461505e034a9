#!/bin/bash
# bench-xd.jar and bench-xe.jar: benchmarks.jar built from the working tree before and after the change (commit 7fe13d4 plus the backward change of the same commit; see PERFORMANCE.md). 03:45-03:53 UTC, 2026-12-07, AMD EPYC, PoCL 3.1.
# Forward with KL / log q and rows of D below 64 that do not divide 64: alternating rounds of the jar
# before (bench-xd: two-kernel path for D = 24, 48) and after (bench-xe: reparam_forward_extras sums the
# rows that start in each run, the last continuing into the next run).
O=docs/perf/2026-12-07/short-rows-forward
export POCL_AFFINITY=1 POCL_CACHE_DIR=/tmp/s13/pc-bench
export LD_PRELOAD=/usr/lib/jvm/java-17-openjdk-amd64/lib/libjsig.so
for r in 1 2; do
  for v in xd xe; do
    java -jar /tmp/s13/bench-$v.jar 'ReparamDeviceBenchmark\.forward$' -p size=12582912 -p dim=24,48 \
      -p param=sigma,softplus -p extras=none,kl,logq,both -rf json -rff $O/$v-$r.json > $O/$v-$r.log 2>&1
  done
done
echo done
