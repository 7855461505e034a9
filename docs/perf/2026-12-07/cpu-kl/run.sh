#!/bin/bash
# bench-cpulq.jar: benchmarks.jar at 4cc1ff6 (log q in the CPU reference's forward pass, KL its own pass);
# bench-cpukl.jar: the same with KL computed there too when K = 1 (no broadcast; tried, not kept).
# 2026-12-07, AMD EPYC, 2 threads. Forward on host arrays, backend cpu, K = 1, shape (size / 1024, 1024),
# sigma and softplus, two alternating rounds.
O=docs/perf/2026-12-07/cpu-kl
J=${J:-/tmp/s14}
for r in 1 2; do
  for v in cpulq cpukl; do
    java -jar $J/bench-$v.jar 'ReparamBenchmark\.forward$' -p backend=cpu -p size=1048576,16777216 \
      -p extras=kl,both -rf json -rff $O/$v-$r.json > $O/$v-$r.log 2>&1
  done
done
echo done
