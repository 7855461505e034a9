#!/bin/bash
# 2026-12-07 18:05-18:40 UTC, AMD EPYC (Zen 5, 2 vCPU), PoCL 3.1. Backward RECOMPUTE with both
# extras (gradKl and gradLogProb), K = 1, (1024 rows, 1024), value checks on and off.
# bench-before.jar: benchmarks.jar at 40f0f5a (the value check without the gradient factors);
# bench-after2.jar: the check with the factors, computed exactly for chunks past the cheap bounds
# (inline); bench-after3.jar: the same with the exact part out of line (as committed).
# a/: before and after2, rounds 1-2 in that order, rounds 3-4 in the other (run.sh with the loop
#     order swapped); b/: before, after2, after3, two rounds.
O=${O:-docs/perf/2026-12-07/value-check-gradient-factors/b}
J=${J:-/tmp/s17}
export POCL_AFFINITY=1 POCL_CACHE_DIR=/tmp/s17/pc-bench
export LD_PRELOAD=/usr/lib/jvm/java-17-openjdk-amd64/lib/libjsig.so
for r in 1 2; do
  for v in before after2 after3; do
    java -jar $J/bench-$v.jar 'ReparamDeviceBenchmark\.backwardRecompute$' -p checkValues=true,false -p extras=both \
      -p dim=1024 -p size=1048576 -p param=sigma,log-sigma -wi 2 -i 3 -f 1 -rf json -rff $O/$v-$r.json > /dev/null 2>&1
  done
done
