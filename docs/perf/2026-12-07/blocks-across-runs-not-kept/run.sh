#!/bin/bash
# bench-xe.jar: benchmarks.jar at 9117027; bench-xf.jar: the same with kernel.diff (and the host taking the fused path for any D with B D a multiple of 64). 03:59-04:04 UTC, 2026-12-07, AMD EPYC, PoCL 3.1.
# Forward with KL / log q and D above 64, not a multiple of 64 (100; 784 = 28 x 28): alternating rounds of
# the jar before (bench-xe: two-kernel path) and after (bench-xf: reparam_forward_extras sums the blocks
# that start in each run, the last continuing into the next run).
O=docs/perf/2026-12-07/blocks-across-runs-not-kept
export POCL_AFFINITY=1 POCL_CACHE_DIR=/tmp/s13/pc-bench
export LD_PRELOAD=/usr/lib/jvm/java-17-openjdk-amd64/lib/libjsig.so
for r in 1 2; do
  for v in xe xf; do
    java -jar /tmp/s13/bench-$v.jar 'ReparamDeviceBenchmark\.forward$' -p size=13107200 -p dim=100 \
      -p param=sigma -p extras=none,kl,logq,both -rf json -rff $O/$v-100-$r.json > $O/$v-100-$r.log 2>&1
    java -jar /tmp/s13/bench-$v.jar 'ReparamDeviceBenchmark\.forward$' -p size=12845056 -p dim=784 \
      -p param=sigma -p extras=none,kl,logq,both -rf json -rff $O/$v-784-$r.json > $O/$v-784-$r.log 2>&1
  done
done
echo done
