# KL alone, K = 16, n = 2^20, forward, kernel elements/s, two alternating rounds (2026-12-07 06:03 UTC, AMD EPYC, PoCL 3.1).
# bench-klsep.jar: benchmarks.jar at 4cc1ff6 (two-kernel path for KL alone with shared parameters);
# bench-klfused.jar: the same with the "(lq || reductionRows() == 1)" condition of ClReparam.fusesExtras removed (not kept).
cd /work/main/benchmarks
export POCL_AFFINITY=1 POCL_CACHE_DIR=/tmp/s14/pc-bench
for r in 1 2; do for v in klsep klfused; do
 for spec in "sigma 16" "sigma 1024" "softplus 16" "softplus 1024"; do set -- $spec
  java -jar /tmp/s14/bench-$v.jar 'ReparamDeviceBenchmark\.forward$' -p samples=16 -p param=$1 -p dim=$2 -p size=1048576 -p extras=kl -wi 2 -i 4 -f 1 -rf json -rff /tmp/s14/kl-$v-$1-$2-$r.json > /dev/null 2>&1
  echo "$v $r $1 $2 $(python3 jmh_summary.py /tmp/s14/kl-$v-$1-$2-$r.json | grep forward | awk -F'|' '{print $6}')"
 done; done; done
