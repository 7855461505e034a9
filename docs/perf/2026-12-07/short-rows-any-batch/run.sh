#!/bin/bash
# bench-xe.jar: benchmarks.jar at 9117027; bench-xg.jar: the same at the commit that cut the last run short (after 810f19d). 04:29-04:34 UTC, 2026-12-07, AMD EPYC, PoCL 3.1.
# Forward with KL / log q, K = 1, B D not a multiple of 64 (D = 10, B = 1258291; D = 16, B = 786431):
# alternating rounds of the jar before (bench-xe: two-kernel path there) and after (bench-xg: the fused
# kernel with its last run cut short at n).
O=docs/perf/2026-12-07/short-rows-any-batch
export POCL_AFFINITY=1 POCL_CACHE_DIR=/tmp/s13/pc-bench
export LD_PRELOAD=/usr/lib/jvm/java-17-openjdk-amd64/lib/libjsig.so
for r in 1 2; do
  for v in xe xg; do
    java -jar /tmp/s13/bench-$v.jar 'ReparamDeviceBenchmark\.forward$' -p size=12582910 -p dim=10 \
      -p param=sigma -p extras=none,kl,logq,both -rf json -rff $O/$v-10-$r.json > $O/$v-10-$r.log 2>&1
    java -jar /tmp/s13/bench-$v.jar 'ReparamDeviceBenchmark\.forward$' -p size=12582896 -p dim=16 \
      -p param=sigma -p extras=none,both -rf json -rff $O/$v-16-$r.json > $O/$v-16-$r.log 2>&1
  done
done
echo done
