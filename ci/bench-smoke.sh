#!/usr/bin/env bash
# Keeps the JMH suite (benchmarks/) from rotting: builds it against this checkout's library and
# runs every benchmark once, briefly, at a small size (numbers meaningless; about 40 s), then
# checks that each listed benchmark produced a finite, positive score and that the summary
# script reads the result. Called by ci/test.sh after the tests; needs the library's tests to
# have passed first (it installs the library into the local Maven repository).
set -euo pipefail
cd "$(dirname "$0")/.."

mvn -B -q install -DskipTests
mvn -B -q -f benchmarks/pom.xml package

out=benchmarks/target/smoke
mkdir -p "$out"
jar=benchmarks/target/benchmarks.jar
java -jar "$jar" -l | sed -n 's/^\(org\.reparamcl\.benchmarks\.[A-Za-z0-9_.]*\)$/\1/p' | sort > "$out/listed.txt"
[ -s "$out/listed.txt" ] || { echo "bench-smoke: the JMH jar lists no benchmarks" >&2; exit 1; }
# -foe: a benchmark that throws fails the run; this includes every benchmark's end-of-trial check
# of its last outputs against the CPU reference (ReferenceCheck; roofs and third-party baselines are
# not checked, benchmarks/HOWTO.md "Output checks"). size=4096 keeps every call short.
java -jar "$jar" -foe true -f 1 -wi 0 -i 1 -r 100ms -p size=4096 \
     -rf json -rff "$out/jmh.json" > "$out/jmh.log" 2>&1 \
  || { tail -40 "$out/jmh.log" >&2; echo "bench-smoke: JMH run failed (log: $out/jmh.log)" >&2; exit 1; }

python3 - "$out/listed.txt" "$out/jmh.json" <<'PY'
import json, math, sys
listed = set(open(sys.argv[1]).read().split())
runs = json.load(open(sys.argv[2]))
seen = set()
bad = []
for r in runs:
    name = r["benchmark"]
    seen.add(name)
    score = r["primaryMetric"]["score"]
    if not (isinstance(score, (int, float)) and math.isfinite(score) and score > 0):
        bad.append(f"{name} {r.get('params')}: score {score}")
missing = sorted(listed - seen)
if missing or bad:
    for m in missing:
        print(f"bench-smoke: no result for {m}", file=sys.stderr)
    for b in bad:
        print(f"bench-smoke: {b}", file=sys.stderr)
    sys.exit(1)
print(f"bench-smoke: {len(listed)} benchmarks, {len(runs)} parameter sets, all scores finite and positive")
PY
# The device benchmark's non-default paths: KL and log q in the same launches, value checks on.
java -jar "$jar" 'ReparamDeviceBenchmark' -foe true -f 1 -wi 0 -i 1 -r 100ms -p size=4096 -p extras=both \
     -p param=softplus -p checkValues=true -rf json -rff "$out/jmh-extras.json" > "$out/jmh-extras.log" 2>&1 \
  || { tail -40 "$out/jmh-extras.log" >&2; echo "bench-smoke: JMH run with extras failed (log: $out/jmh-extras.log)" >&2; exit 1; }
python3 - "$out/jmh-extras.json" <<'PY'
import json, math, sys
runs = json.load(open(sys.argv[1]))
ok = [r for r in runs if r["params"].get("extras") == "both"
      and math.isfinite(r["primaryMetric"]["score"]) and r["primaryMetric"]["score"] > 0]
if len(ok) != len(runs) or len(runs) < 6:
    sys.exit(f"bench-smoke: ReparamDeviceBenchmark with extras=both: {len(ok)} good results of {len(runs)}, expected 6")
print(f"bench-smoke: ReparamDeviceBenchmark with KL, log q and value checks: {len(runs)} benchmarks scored")
PY
python3 benchmarks/jmh_summary.py "$out/jmh.json" > "$out/summary.md"
rows=$(grep -c '^| [A-Za-z]' "$out/summary.md" || true)
[ "$rows" -gt 1 ] || { echo "bench-smoke: jmh_summary.py produced no table rows" >&2; exit 1; }
echo "bench-smoke: jmh_summary.py wrote $((rows - 1)) rows ($out/summary.md)"
