#!/bin/bash
# bench-base.jar: benchmarks.jar at 4bfae2d (rows at a phase not a multiple of 4 ran the generator
# twice); bench-unal.jar: the same after the commit that takes each 16 rows' 17th Philox blocks from
# one generator call. 2026-12-07, AMD EPYC (Zen 5, 2 vCPU), PoCL 3.1. Backward RECOMPUTE (and STORE,
# which does not change) with np = B D not a multiple of 4, n about 2^20, extras none and both,
# kernel time, two alternating rounds: K = 16 with D = 10 (B = 6553, np mod 4 = 2) and D = 15
# (B = 4369, np odd); broadcast (D,) with D = 1001 (B = 1047, rows split over work-items);
# K = 16, D = 16 (np a multiple of 4: control).
O=docs/perf/2026-12-07/backward-unaligned-rows
J=${J:-/tmp/s15}
export POCL_AFFINITY=1 POCL_CACHE_DIR=/tmp/s15/pc-bench
for r in 1 2; do
  for v in base unal; do
    for c in k16-d10:16:10:1048480:false k16-d15:16:15:1048560:false bc-d1001:1:1001:1048047:true k16-d16:16:16:1048576:false; do
      IFS=: read name k d s b <<< "$c"
      java -jar $J/bench-$v.jar 'ReparamDeviceBenchmark\.backward(Recompute|Store)$' -p broadcast=$b -p samples=$k \
        -p dim=$d -p size=$s -p extras=none,both -wi 2 -i 3 -f 1 -rf json -rff $O/$v-$name-$r.json > $O/$v-$name-$r.log 2>&1
    done
  done
done
echo done
