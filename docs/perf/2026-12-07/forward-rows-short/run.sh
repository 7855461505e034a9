#!/bin/bash
# bench-base.jar: benchmarks.jar at 1c6c95b; bench-new2.jar: an intermediate build, not committed,
# that sent forward calls with KL and log q, D below 64 and an offset that is not a multiple of 4
# to reparam_forward_rows too (they took the plain forward kernel, then reparam_row_blocks, which
# regenerated each row's eps with two generator calls); bench-new3.jar: the same after the commit
# that gives these calls reparam_forward_extras instead, its runs' eps shifted by the phase (the
# rounds of base and new2 ran at 16:04 UTC, those of new3 at 16:14 UTC with VS=new3).
# 2026-12-07, AMD EPYC (Zen 5, 2 vCPU), PoCL 3.1. Forward pass, extras none and both, kernel time, two alternating rounds, K = 1, parameters
# (B, D): D = 10 at offset 1, D = 48 at offset 3, D = 1 at offset 2, D = 32 at offset 2.
O=docs/perf/2026-12-07/forward-rows-short
J=${J:-/tmp/s16}
export POCL_AFFINITY=1 POCL_CACHE_DIR=/tmp/s16/pc-bench
export LD_PRELOAD=/usr/lib/jvm/java-17-openjdk-amd64/lib/libjsig.so
for r in 1 2; do
  for v in ${VS:-base new2 new3}; do
    for c in d10-o1:10:1048570:1 d48-o3:48:1048560:3 d1-o2:1:1048576:2 d32-o2:32:1048576:2; do
      IFS=: read name d s o <<< "$c"
      java -jar $J/bench-$v.jar 'ReparamDeviceBenchmark\.forward$' -p samples=1 \
        -p dim=$d -p size=$s -p offset=$o -p extras=none,both -wi 2 -i 3 -f 1 -rf json -rff $O/$v-$name-$r.json > $O/$v-$name-$r.log 2>&1
    done
  done
done
echo done
