#!/bin/bash
# bench-old.jar: benchmarks/target/benchmarks.jar built at f115386 (before); bench-new.jar: the same at 5e8ed31 (ten commands per head step).
# Each built with `mvn install -DskipTests` at the root, then `mvn package` in benchmarks/. Run 03:02-03:08 UTC, 2026-12-07, AMD EPYC (2 vCPU), PoCL 3.1.
# Alternating rounds: old and new jars, blocked kernel (auto on CPU), then the CPU reference once.
set -e
O=/tmp/s13/perf
export POCL_AFFINITY=1 POCL_CACHE_DIR=/tmp/s13/pc-bench
export LD_PRELOAD=/usr/lib/jvm/java-17-openjdk-amd64/lib/libjsig.so
for r in 1 2; do
  for v in old new; do
    java -jar /tmp/s13/bench-$v.jar HeadBenchmark -p backend=opencl -p batch=256,4096 -p width=64,256 -p samples=1,16 -rf json -rff $O/hd-$v-$r.json > $O/hd-$v-$r.log 2>&1
    java -jar /tmp/s13/bench-$v.jar HeadBenchmark -p backend=opencl -p batch=64 -p width=16 -p samples=1,16 -rf json -rff $O/hds-$v-$r.json > $O/hds-$v-$r.log 2>&1
  done
done
java -jar /tmp/s13/bench-new.jar HeadBenchmark -p backend=cpu -p batch=256,4096 -p width=64,256 -p samples=1,16 -rf json -rff $O/hd-cpu-1.json > $O/hd-cpu-1.log 2>&1
java -jar /tmp/s13/bench-new.jar HeadBenchmark -p backend=cpu -p batch=64 -p width=16 -p samples=1,16 -rf json -rff $O/hds-cpu-1.json > $O/hds-cpu-1.log 2>&1
echo done
