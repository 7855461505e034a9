#!/bin/bash
# bench-bc.jar: benchmarks.jar with ReparamDeviceBenchmark's broadcast parameter over the library at
# c812202; bench-tile.jar: the same after the commit that tiles short parameter arrays (reparam_tile).
# 2026-12-07, AMD EPYC, PoCL 3.1. Forward with broadcast (D,) parameters, whose runs wrap around
# np = D: without extras (none) and with both, kernel time, two alternating rounds of each jar;
# D = 1024 (no tiling) beside it.
O=docs/perf/2026-12-07/extras-broadcast
J=${J:-/tmp/s14}
export POCL_AFFINITY=1 POCL_CACHE_DIR=/tmp/s14/pc-bench
for r in 1 2; do
  for v in bc tile; do
    for spec in "1 10 1048570" "1 16 1048576" "16 10 1048480" "16 16 1048576" "1 1024 1048576"; do
      set -- $spec
      java -jar $J/bench-$v.jar 'ReparamDeviceBenchmark\.forward$' -p broadcast=true -p samples=$1 -p dim=$2 -p size=$3 \
        -p extras=none,both -wi 2 -i 4 -f 1 -rf json -rff $O/$v-k$1-d$2-$r.json > $O/$v-k$1-d$2-$r.log 2>&1
    done
  done
done
echo done
