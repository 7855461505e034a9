#!/bin/bash
# bench-new3.jar: benchmarks.jar of the tree at 93b700b (its backward kernels); bench-new4.jar: the
# same after the commit that gives reparam_backward_short's np = 1 and 2 at a phase one generator
# call per run (a run's blocks shifted with the next run's first eps; a work-item walks 8 row
# blocks) instead of two. 2026-12-07 16:33 UTC, AMD EPYC (Zen 5, 2 vCPU), PoCL 3.1. Backward
# RECOMPUTE and STORE (STORE does not take the changed code: control) with broadcast (D,)
# parameters, K = 1, n = 2^20, extras none and both, kernel time, two alternating rounds: D = 1
# at offset 1, D = 2 at offset 3, D = 1 at offset 0 (control).
O=docs/perf/2026-12-07/backward-short-phase-carry
J=${J:-/tmp/s16}
export POCL_AFFINITY=1 POCL_CACHE_DIR=/tmp/s16/pc-bench
export LD_PRELOAD=/usr/lib/jvm/java-17-openjdk-amd64/lib/libjsig.so
for r in 1 2; do
  for v in new3 new4; do
    for c in d1-o1:1:1 d2-o3:2:3 d1-o0:1:0; do
      IFS=: read name d o <<< "$c"
      java -jar $J/bench-$v.jar 'ReparamDeviceBenchmark\.backward(Recompute|Store)$' -p broadcast=true -p samples=1 \
        -p dim=$d -p size=1048576 -p offset=$o -p extras=none,both -wi 2 -i 3 -f 1 -rf json -rff $O/$v-$name-$r.json > $O/$v-$name-$r.log 2>&1
    done
  done
done
echo done
