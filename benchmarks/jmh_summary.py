#!/usr/bin/env python3
"""Summarize a JMH JSON result file (java -jar target/benchmarks.jar -rf json -rff FILE) as Markdown.

For every benchmark and parameter set: elements/s from the `elements` counter (wall clock),
kernel-only elements/s from the `kernelNs` / `calls` event counters where present, and the
fraction of the same-run roof: benchmark `X` is paired with `XRoof` at the same parameters, or,
where a class has no `XRoof`, with that class's `storeLoop` (the single-threaded baselines).
Standard library only.
"""
import json
import sys


def key(b):
    params = b.get("params") or {}
    return tuple(sorted((k, int(v) if v.isdigit() else v) for k, v in params.items()))


def main(path):
    with open(path) as f:
        runs = json.load(f)
    rows = {}
    for b in runs:
        name = b["benchmark"].rsplit(".", 2)
        cls, method = name[-2], name[-1]
        sec = b["primaryMetric"]
        secondary = b.get("secondaryMetrics") or {}
        elements = secondary.get("elements", {}).get("score")
        kernel = None
        if "kernelNs" in secondary and "calls" in secondary:
            ns, n = secondary["kernelNs"]["score"], secondary["calls"]["score"]
            size = int((b.get("params") or {}).get("size", 0))
            if ns > 0 and n > 0 and size > 0:
                kernel = size * n / ns * 1e9
        rows[(cls, method, key(b))] = (elements, kernel, sec["score"], sec["scoreUnit"])
    print("| benchmark | params | elements/s (wall) | of roof | kernel elements/s | of kernel roof |")
    print("|---|---|---:|---:|---:|---:|")
    for (cls, method, params), (el, kern, score, unit) in sorted(rows.items()):
        if method.endswith("Roof") or method == "storeLoop":
            continue
        roof = rows.get((cls, method + "Roof", params)) or rows.get((cls, "storeLoop", params))
        frac = f"{el / roof[0]:.2f}" if roof and el and roof[0] else ""
        kfrac = f"{kern / roof[1]:.2f}" if roof and kern and roof[1] else ""
        ptxt = ", ".join(f"{k}={v}" for k, v in params)
        el_txt = f"{el:.3g}" if el else f"{score:.3g} {unit}"
        print(f"| {cls}.{method} | {ptxt} | {el_txt} | {frac} | {f'{kern:.3g}' if kern else ''} | {kfrac} |")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: jmh_summary.py JMH_RESULT.json")
    main(sys.argv[1])
