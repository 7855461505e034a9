#!/bin/bash
# bench-cpubase.jar: benchmarks.jar with the extras parameter of ReparamBenchmark over the library at
# 41ea22d; bench-cpunew.jar: the same over the library after the commit that computes log q in the
# CPU reference's forward pass. 2026-12-07, AMD EPYC, 2 threads. Forward on host arrays, backend cpu,
# shape (K, size / (K 1024), 1024), two alternating rounds.
O=docs/perf/2026-12-07/cpu-logq
J=${J:-/tmp/s14}
for r in 1 2; do
  for v in cpubase cpunew; do
    java -jar $J/bench-$v.jar 'ReparamBenchmark\.forward$' -p backend=cpu -p size=1048576,16777216 \
      -p samples=1,16 -p extras=none,logq,both -rf json -rff $O/$v-$r.json > $O/$v-$r.log 2>&1
  done
done
echo done
