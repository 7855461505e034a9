#!/bin/bash
# bench-xb.jar: benchmarks.jar of commit 951f3d5 (before) with this ReparamDeviceBenchmark (its dim parameter); bench-xa.jar: the same with the change. 03:19-03:27 UTC, 2026-12-07, AMD EPYC, PoCL 3.1.
# Fused extras for D below 64: alternating rounds of the jar before (bench-xb: two-kernel path for D = 16, 32)
# and after (bench-xa: reparam_forward_extras with whole rows per run); forward pass, device-resident, kernel time.
O=docs/perf/2026-12-07/fused-rows
export POCL_AFFINITY=1 POCL_CACHE_DIR=/tmp/s13/pc-bench
export LD_PRELOAD=/usr/lib/jvm/java-17-openjdk-amd64/lib/libjsig.so
for r in 1 2; do
  for v in xb xa; do
    java -jar /tmp/s13/bench-$v.jar 'ReparamDeviceBenchmark\.forward$' -p size=16777216 -p dim=16,32,1024 \
      -p param=sigma,softplus -p extras=none,logq,both -rf json -rff $O/$v-$r.json > $O/$v-$r.log 2>&1
  done
done
echo done
