#!/bin/bash
# Control for the forward-rows and forward-rows-short experiments: the fused forward pass with KL
# and log q on shapes whose path did not change (offset 0; D = 16 and 10 in reparam_forward_extras,
# whose generator call moved out of the per-run function; D = 1024). bench-base.jar: benchmarks.jar
# at 1c6c95b; bench-new3.jar: the commit's code. 2026-12-07 16:20 UTC, AMD EPYC (Zen 5, 2 vCPU),
# PoCL 3.1, K = 1, parameters (B, D), kernel time, two alternating rounds.
O=docs/perf/2026-12-07/forward-extras-control
J=${J:-/tmp/s16}
export POCL_AFFINITY=1 POCL_CACHE_DIR=/tmp/s16/pc-bench
export LD_PRELOAD=/usr/lib/jvm/java-17-openjdk-amd64/lib/libjsig.so
for r in 1 2; do
  for v in base new3; do
    for c in d16:16:1048576 d10:10:1048570 d1024:1024:1048576; do
      IFS=: read name d s <<< "$c"
      java -jar $J/bench-$v.jar 'ReparamDeviceBenchmark\.forward$' -p samples=1 \
        -p dim=$d -p size=$s -p offset=0 -p extras=both -wi 2 -i 3 -f 1 -rf json -rff $O/$v-$name-$r.json > $O/$v-$name-$r.log 2>&1
    done
  done
done
echo done
