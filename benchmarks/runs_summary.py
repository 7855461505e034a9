#!/usr/bin/env python3
"""Summarizes several `reparam bench` runs (their bench.json files) of the same passes and sizes.

Timings on a shared machine move by tens of percent from run to run; one run's median can land
on either side of a target. This prints, per pass, size, backend and timing, the spread of the
runs' medians (min, median, max of elements/s), the median fraction of the same-run roof, and in
how many runs the issue targets were met (rate and roof fraction in the same run; the targets are for device-resident buffers, so only the
kernel and device timings are held to them).

    for i in 1 2 3 4 5; do ./reparam bench --passes noise,forward,backward-recompute \\
        --backends opencl --sizes 2^20,2^24 --reps 7 --out target/runs/$i --no-progress; done
    python3 benchmarks/runs_summary.py target/runs/*/bench.json
"""
import argparse
import json
import statistics
import sys

# pass -> (minimum elements/s, minimum fraction of roof); issue 2 (noise) and issue 3.
TARGETS = {
    "noise": (1.0e9, None),
    "forward": (1.0e9, 0.5),
    "backward-recompute": (0.9e9, 0.5),
}


def size_label(n):
    return f"2^{n.bit_length() - 1}" if n > 0 and n & (n - 1) == 0 else str(n)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+", help="bench.json files, one per run")
    ap.add_argument("--sizes", default="", help="comma-separated element counts to keep (default: all)")
    a = ap.parse_args(argv)
    keep = {int(x) for x in a.sizes.split(",") if x}
    runs = []
    for f in a.files:
        with open(f) as fh:
            runs.append(json.load(fh))
    groups = {}
    for r in runs:
        for m in r["measurements"]:
            if m["roof"] or not m["backend"].startswith("opencl") or (keep and m["n"] not in keep):
                continue
            groups.setdefault((m["pass"], m["n"], m["backend"], m["timing"]), []).append(m)
    starts = ", ".join(r["started_at"] for r in runs)
    print(f"{len(runs)} runs ({starts}); per run the median of its repetitions; the figures below are over runs.\n")
    print("| pass | n | timing | runs | elements/s min | median | max | of roof (median) | target | met in |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---|---:|")
    for (p, n, b, t), ms in sorted(groups.items(), key=lambda kv: (list(TARGETS).index(kv[0][0]) if kv[0][0] in TARGETS else 9, kv[0][1], kv[0][3])):
        rates = sorted(m["elements_per_s"] for m in ms)
        fr = statistics.median(m["fraction_of_roof"] for m in ms)
        rate_min, frac_min = TARGETS.get(p, (None, None))
        target = ""
        met = ""
        if rate_min is not None and t in ("kernel", "device"):     # the targets are for device-resident buffers
            target = f">= {rate_min:.1e}/s" + (f" and >= {frac_min} of roof" if frac_min else "")
            ok = sum(1 for m in ms if m["elements_per_s"] >= rate_min and (frac_min is None or m["fraction_of_roof"] >= frac_min))
            met = f"{ok} of {len(ms)}"
        print(f"| {p} | {size_label(n)} | {b} {t} | {len(ms)} | {rates[0]:.3g} | {statistics.median(rates):.3g} | "
              f"{rates[-1]:.3g} | {fr:.2f} | {target} | {met} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
