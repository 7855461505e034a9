#!/bin/bash
# bench-base.jar: benchmarks.jar at 1c6c95b; bench-new.jar: the working tree at 15:53 UTC, with the
# kernel reparam_forward_rows as committed for the forward pass with KL and log q, D >= 64 not a
# multiple of 64, or a multiple at an offset not a multiple of 4 (these took the plain forward
# kernel, then reparam_row_blocks, which regenerated eps, at those offsets with two generator calls
# per sum block). Rounds at 15:54-16:02 UTC. 2026-12-07, AMD EPYC (Zen 5, 2 vCPU),
# PoCL 3.1. Forward pass, extras none and both, kernel time, two alternating rounds: K = 1 with
# D = 100, 1000, 65 (offset 0) and D = 1024 at offset 1; K = 16 with D = 100, parameters (B, D);
# broadcast D = 784, K = 1; softplus with D = 1000.
O=docs/perf/2026-12-07/forward-rows
J=${J:-/tmp/s16}
export POCL_AFFINITY=1 POCL_CACHE_DIR=/tmp/s16/pc-bench
export LD_PRELOAD=/usr/lib/jvm/java-17-openjdk-amd64/lib/libjsig.so
for r in 1 2; do
  for v in base new; do
    for c in d100:1:100:1048500:0:false:sigma d1000:1:1000:1048000:0:false:sigma d65:1:65:1048515:0:false:sigma \
             d1024-o1:1:1024:1048576:1:false:sigma k16-d100:16:100:1048000:0:false:sigma \
             bc-d784:1:784:1048992:0:true:sigma d1000-softplus:1:1000:1048000:0:false:softplus; do
      IFS=: read name k d s o bc pz <<< "$c"
      java -jar $J/bench-$v.jar 'ReparamDeviceBenchmark\.forward$' -p broadcast=$bc -p samples=$k -p param=$pz \
        -p dim=$d -p size=$s -p offset=$o -p extras=none,both -wi 2 -i 3 -f 1 -rf json -rff $O/$v-$name-$r.json > $O/$v-$name-$r.log 2>&1
    done
  done
done
echo done
