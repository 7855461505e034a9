#!/bin/bash
# bench-base.jar: benchmarks.jar at 4e5e984 (session 13's last commit); bench-new.jar: the same after
# the commit "Fused forward with KL/log q: vector row sums ..." (this session). 2026-12-07, AMD EPYC,
# PoCL 3.1. Forward with both extras (KL and log q) and without (none), kernel time, two alternating
# rounds of each jar. Sizes near 2^20: n = K B D with B D not a multiple of 64 for D = 10, 20, 48
# (K = 16: runs wrap around the parameters) and D = 10 (K = 1: the last run cut short).
O=docs/perf/2026-12-07/extras-any-rows
J=${J:-/tmp/s14}
export POCL_AFFINITY=1 POCL_CACHE_DIR=/tmp/s14/pc-bench
export LD_PRELOAD=/usr/lib/jvm/java-17-openjdk-amd64/lib/libjsig.so
one() {   # jar round K param dim size
  java -jar $J/bench-$1.jar 'ReparamDeviceBenchmark\.forward$' -p samples=$3 -p param=$4 -p dim=$5 -p size=$6 \
    -p extras=none,both -wi 2 -i 4 -f 1 -rf json -rff $O/$1-k$3-$4-d$5-$2.json > $O/$1-k$3-$4-d$5-$2.log 2>&1
}
for r in 1 2; do
  for v in base new; do
    for spec in "16 sigma 10 1048480" "16 sigma 20 1048640" "16 sigma 48 1048320" "16 sigma 4 1048576" \
                "16 sigma 16 1048576" "16 sigma 1024 1048576" "16 softplus 20 1048640" "16 softplus 1024 1048576" \
                "1 sigma 10 1048570" "1 sigma 24 1048320" "1 sigma 16 1048576"; do
      one $v $r $spec
    done
  done
done
echo done
