#!/bin/bash
# bench-cur.jar: benchmarks.jar at acd041a; bench-pf.jar: the same with a change, not kept, that had
# reparam_forward_rows prefetch the next row's mu and rho before it generates the current row's
# eps. 2026-12-07 16:53 UTC, AMD EPYC (Zen 5, 2 vCPU), PoCL 3.1. Forward pass with both extras,
# K = 1, `sigma`, D = 100 and 1000 at 2^20 and 2^24 elements, kernel time, two alternating rounds.
O=docs/perf/2026-12-07/forward-rows-prefetch-not-kept
J=${J:-/tmp/s16}
export POCL_AFFINITY=1 POCL_CACHE_DIR=/tmp/s16/pc-bench
export LD_PRELOAD=/usr/lib/jvm/java-17-openjdk-amd64/lib/libjsig.so
for r in 1 2; do
  for v in cur pf; do
    for c in d100:100:1048500 d1000:1000:1048000 d100-2p24:100:16777200 d1000-2p24:1000:16777000; do
      IFS=: read name d s <<< "$c"
      java -jar $J/bench-$v.jar 'ReparamDeviceBenchmark\.forward$' -p samples=1 -p dim=$d -p size=$s \
        -p extras=both -wi 2 -i 3 -f 1 -rf json -rff $O/$v-$name-$r.json > $O/$v-$name-$r.log 2>&1
    done
  done
done
echo done
