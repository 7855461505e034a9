#!/usr/bin/env python3
"""Tables for docs/PERFORMANCE.md from the files a run wrote (standard library only).

    python3 benchmarks/perf_tables.py bench-results/bench.json [--sizes 1048576,16777216]
        [--jmh target/jmh.json] [--hbm-tbps 3.0]

Prints Markdown: per pass, each backend and timing at the chosen sizes with its fraction of the
same-run roof; the targets of issues 2 and 3 against the measured figures; the memory floor of
each pass (bytes per element over the bandwidth the same-run roof reached); the peer
comparison; and the bytes-per-element projection at an HBM bandwidth. Every number comes from
the JSON files given; nothing is typed in.
"""
import argparse
import json


def fmt(v, digits=3):
    return "" if v is None else f"{v:.{digits}g}"


def size_label(n):
    n = int(n)
    return f"2^{n.bit_length() - 1}" if n > 0 and n & (n - 1) == 0 else str(n)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bench")
    ap.add_argument("--sizes", default="", help="sizes for the pass tables (default: the two largest)")
    ap.add_argument("--jmh", default=None, help="a JMH JSON result file to cross-check")
    ap.add_argument("--peers", default=None, help="the peers JSON (benchmarks/peers/peers.py) for a peer table")
    ap.add_argument("--hbm-tbps", type=float, default=3.0, help="bandwidth of the projection, TB/s")
    a = ap.parse_args()
    with open(a.bench) as f:
        b = json.load(f)
    ms = b["measurements"]
    sizes = sorted({m["n"] for m in ms})
    show = [int(s) for s in a.sizes.split(",") if s] if a.sizes else sizes[-2:]
    passes = b["options"]["passes"]
    ref = b.get("reference_backend")

    def find(p, backend, timing, roof, n):
        for m in ms:
            if (m["pass"], m["backend"], m["timing"], m["roof"], m["n"]) == (p, backend, timing, roof, n):
                return m
        return None

    mach = b["machine"]
    print(f"Run: `{b['command']}` at {b['started_at']} ({b['wall_seconds']:.0f} s); "
          f"CPU {mach['cpu_model']} ({mach.get('cpu_detail', '?')}), {mach['logical_processors']} logical processors; "
          f"OpenCL {mach['opencl_device'] or 'none'}; load average {mach['load_average_at_start']} at start, "
          f"{b['load_average_at_end']} at end.\n")
    for note in b.get("notes", []):
        print(f"- note: {note}")
    print()

    print("| pass | n | backend | timing | elements/s | ns/element | roof elements/s | of roof | vs " + str(ref) + " |")
    print("|---|---:|---|---|---:|---:|---:|---:|---:|")
    for p in passes:
        for n in show:
            for m in ms:
                if m["pass"] != p or m["n"] != n or m["roof"]:
                    continue
                r = find(p, m["backend"], m["timing"], True, n)
                print(f"| {p} | {size_label(n)} | {m['backend']} | {m['timing']} | {fmt(m['elements_per_s'])} | "
                      f"{fmt(m['ns_per_element'])} | {fmt(r['elements_per_s']) if r else ''} | "
                      f"{fmt(m.get('fraction_of_roof'))} | {fmt(m.get('speedup_vs_reference'))}x |")
    print()

    cross = b.get("crossover") or []
    if cross:
        print("| pass | OpenCL timing (vs the CPU reference end to end) | OpenCL faster from |")
        print("|---|---|---:|")
        for c in cross:
            print(f"| {c['pass']} | {c['timing']} | {size_label(c['n']) if c['n'] else 'not at the largest size'} |")
        print()

    # Targets of issues 2 and 3, at the largest size measured.
    top = sizes[-1]
    cpu_all = f"cpu-{mach['logical_processors']}"
    targets = [
        ("noise", "opencl", ("kernel", "device"), 1.0e9, None, "issue 2: OpenCL eps into a device buffer >= 1.0e9/s"),
        ("noise", cpu_all, ("end-to-end",), 1.5e8, None, "issue 2: CPU reference on all threads >= 1.5e8 eps/s"),
        ("forward", "opencl", ("kernel", "device"), 1.0e9, 0.5, "issue 3: forward >= 1.0e9 elements/s and >= 0.5 of roof"),
        ("backward-recompute", "opencl", ("kernel", "device"), 0.9e9, 0.5,
         "issue 3: backward (RECOMPUTE) >= 0.9e9 elements/s and >= 0.5 of roof"),
    ]
    print(f"Targets at n = {size_label(top)}:\n")
    print("| target | backend timing | elements/s | of roof | met |")
    print("|---|---|---:|---:|---|")
    for p, backend, timings, rate, frac, text in targets:
        for t in timings:
            m = find(p, backend, t, False, top)
            if m is None:
                print(f"| {text} | {backend} {t} | not measured | | |")
                continue
            ok = m["elements_per_s"] >= rate and (frac is None or (m.get("fraction_of_roof") or 0) >= frac)
            print(f"| {text} | {backend} {t} | {fmt(m['elements_per_s'])} | {fmt(m.get('fraction_of_roof'))} | "
                  f"{'yes' if ok else 'no'} |")
    print()

    cmp = [c for c in (b.get("peer_comparison") or []) if c["n"] in show]
    if cmp:
        peers = sorted({c["peer"] for c in cmp})
        print("forward + backward per element, and how many times faster than each peer's forward+backward at "
              "the same size (issue 3: >= 10x PyTorch on the CPU at 2^20 and 2^24); mode RECOMPUTE is forward + "
              "backward-recompute, STORE forward-store + backward-store (eps kept, as autograd keeps it):\n")
        print("| n | reparam-cl | mode | ns/element | " + " | ".join(f"vs {p}" for p in peers) + " |")
        print("|---:|---|---|---:|" + "---:|" * len(peers))
        rows = {}
        for c in cmp:
            # bench.json files written before the STORE pair was reported have no mode: RECOMPUTE
            rows.setdefault((c["n"], c["ours"], c.get("mode", "RECOMPUTE")), {})[c["peer"]] = c
        for (n, ours, mode), byp in sorted(rows.items()):
            any_c = next(iter(byp.values()))
            cells = [f"{fmt(byp[p]['speedup'])}x ({fmt(byp[p]['peer_forward_plus_backward_ns'] / n)} ns)"
                     if p in byp else "" for p in peers]
            print(f"| {size_label(n)} | {ours} | {mode} | {fmt(any_c['ours_forward_plus_backward_ns'] / n)} | "
                  + " | ".join(cells) + " |")
        print()

    if a.peers:
        with open(a.peers) as f:
            pj = json.load(f)
        print(f"Peers (`{pj['tool']}` at {pj['started_at']}, load average {pj.get('load_average', '?')}):\n")
        print("| peer | pass | n | elements/s | ns/element |")
        print("|---|---|---:|---:|---:|")
        for r in pj["results"]:
            if r["n"] in show:
                n = r["n"]
                print(f"| {r['peer']} | {r['pass']} | {size_label(n)} | {fmt(n * 1e9 / r['median_ns'])} | "
                      f"{fmt(r['median_ns'] / n)} |")
        print()

    # Floors: bytes per element over the bandwidth the same-run roof reached at the largest size.
    print(f"Memory floor per pass at n = {size_label(top)} (bandwidth = roof elements/s x bytes per element; "
          f"projection at {a.hbm_tbps:g} TB/s):\n")
    print("| pass | bytes/element | backend timing | roof bandwidth GB/s | floor ns/element | measured ns/element "
          f"| measured / floor | at {a.hbm_tbps:g} TB/s: elements/s |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    for p in passes:
        for m in ms:
            if m["pass"] != p or m["n"] != top or m["roof"] or m["timing"] == "device":
                continue
            r = find(p, m["backend"], m["timing"], True, top)
            if not r:
                continue
            bpe = m["bytes_per_element"]
            bw = r["elements_per_s"] * bpe
            floor_ns = bpe / bw * 1e9
            print(f"| {p} | {bpe:g} | {m['backend']} {m['timing']} | {bw / 1e9:.3g} | {fmt(floor_ns)} | "
                  f"{fmt(m['ns_per_element'])} | {fmt(m['ns_per_element'] / floor_ns)} | "
                  f"{fmt(a.hbm_tbps * 1e12 / bpe)} |")
    print()

    if a.jmh:
        with open(a.jmh) as f:
            runs = json.load(f)
        print("JMH cross-check (elements/s; kernel-only from profiling events where present):\n")
        print("| benchmark | params | elements/s | kernel elements/s |")
        print("|---|---|---:|---:|")
        for r in runs:
            sec = r.get("secondaryMetrics") or {}
            el = sec.get("elements", {}).get("score")
            params = r.get("params") or {}
            kern = None
            if "kernelNs" in sec and sec["kernelNs"]["score"] > 0:
                kern = int(params.get("size", 0)) * sec["calls"]["score"] / sec["kernelNs"]["score"] * 1e9
            name = ".".join(r["benchmark"].rsplit(".", 2)[-2:])
            print(f"| {name} | {', '.join(f'{k}={v}' for k, v in sorted(params.items()))} | {fmt(el)} | {fmt(kern)} |")
        print()


if __name__ == "__main__":
    main()
