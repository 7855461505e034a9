#!/bin/bash
# Tried and not kept, 2026-12-07 14:46 UTC, AMD EPYC (Zen 5, 2 vCPU), PoCL 3.1: reparam_backward's
# rows at a phase in fours (kernel.diff: the four rows' 16 blocks generated first into a private
# array, then one switch over the 12 phase patterns with each row's shift a constant).
# bench-cur.jar: benchmarks.jar at a0550cc; bench-quad.jar: the same with kernel.diff.
# Backward RECOMPUTE, extras none, kernel time, two alternating rounds: K = 16 with D = 15
# (B = 4369) and D = 10 (B = 6553); broadcast D = 1001 (B = 1047).
O=docs/perf/2026-12-07/unaligned-rows-quads-not-kept
J=${J:-/tmp/s15}
export POCL_AFFINITY=1 POCL_CACHE_DIR=/tmp/s15/pc-bench
for r in 1 2; do for v in cur quad; do
  for c in k16-d15:16:15:1048560:false k16-d10:16:10:1048480:false bc-d1001:1:1001:1048047:true; do
    IFS=: read name k d sz b <<< "$c"
    java -jar $J/bench-$v.jar 'ReparamDeviceBenchmark\.backwardRecompute$' -p broadcast=$b -p samples=$k -p dim=$d -p size=$sz \
      -wi 2 -i 3 -f 1 -rf json -rff $O/$v-$name-$r.json > $O/$v-$name-$r.log 2>&1
  done
done; done
