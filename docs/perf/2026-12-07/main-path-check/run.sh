#!/bin/bash
# A regression check of the main path after today's kernel changes (the generator's entry points
# now take a block index per lane, nt_blocks_normal_x16, which the consecutive-block calls wrap):
# bench-any.jar: benchmarks.jar at 4bfae2d (before them); bench-fin.jar: at 8484655 (after).
# 2026-12-07, AMD EPYC (Zen 5, 2 vCPU), PoCL 3.1. Noise kernel, forward, backward RECOMPUTE and
# STORE on device buffers, (B, 1024), K = 1, 2^20 elements, sigma, kernel time, two alternating rounds.
O=docs/perf/2026-12-07/main-path-check
J=${J:-/tmp/s15}
export POCL_AFFINITY=1 POCL_CACHE_DIR=/tmp/s15/pc-bench
for r in 1 2; do
  for v in any fin; do
    java -jar $J/bench-$v.jar 'NoiseDeviceBenchmark\.kernel$|ReparamDeviceBenchmark\.(forward|backwardRecompute|backwardStore)$' \
      -p size=1048576 -wi 2 -i 3 -f 1 -rf json -rff $O/$v-$r.json > $O/$v-$r.log 2>&1
  done
done
echo done
