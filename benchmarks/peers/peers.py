#!/usr/bin/python3
"""Peer timings for reparam-cl: PyTorch on the CPU and NumPy, at the sizes and passes of `reparam bench`.

Passes, per call on n parameters and K samples each (n*K elements):
  noise             N(0, 1) float32 into a preallocated buffer
                    (torch.randn(out=...), numpy Generator.standard_normal(out=...))
  forward           z = mu + sigma * eps
                    (torch: torch.distributions.Normal(mu, sigma).rsample(), mu and sigma requiring grad;
                     torch's argument validation as it ships (validate_args on: a check that sigma > 0
                     on every call) and, labelled "validate_args=False", without it, the like-for-like
                     peer of `reparam bench`, whose passes run without value checks;
                     numpy: eps into a buffer, then multiply and add in place)
  backward          dL/dmu and dL/dsigma from dL/dz, summed over K
                    (torch: z.backward(grad) after a fresh rsample, gradients reset to None first;
                     numpy: sum of grad and of grad * eps over K)
  forward+backward  the two above, back to back (the sum a training step pays)
Each point (a peer setting at one size) runs in a fresh process of this script (--no-isolate: all in
this one), since a peer's speed depended on what its process had measured before. Per pass: warm-up
(at least --warmup-ms and 3 calls), then REPS repetitions; a repetition repeats the call for at least
--min-rep-ms and records nanoseconds per call; the median and the minimum are written.

Writes JSON: {"tool", "started_at", "machine", "options", "results": [{"peer", "pass", "n", "k",
"median_ns", "min_ns", "ns_per_call", "calls_per_rep"}]} where n counts elements (parameters * K).
`reparam bench --peers FILE` reads it. Run with Debian's python3 (/usr/bin/python3) and its
python3-torch / python3-numpy packages (benchmarks/peers/install.sh installs them).

The allocator matters at large sizes: glibc serves the tensors a PyTorch call allocates above its
mmap threshold (at most 32 MiB) with fresh mappings, so every such call pays the kernel's page
faults and page zeroing. A non-default allocator setting in the environment (GLIBC_TUNABLES,
MALLOC_* variables, LD_PRELOAD) is recorded in "machine" and appended to every peer label, e.g.
`GLIBC_TUNABLES=glibc.malloc.hugetlb=1` (2 MiB pages where transparent huge pages are `madvise`).
`--combine A.json B.json ... --out C.json` writes one file with the results of several runs (for
example the default allocator and that setting), which `reparam bench --peers` then shows side by side.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time


def parse_sizes(spec):
    out = set()
    for item in spec.split(","):
        item = item.strip()
        if ".." in item:
            rng, _, step = item.partition(":")
            a, b = rng.split("..")
            step = int(step) if step else 1
            if not (a.startswith("2^") and b.startswith("2^")) or step < 1:
                raise ValueError(f"bad size range {item!r} (expected 2^A..2^B[:S])")
            out.update(1 << e for e in range(int(a[2:]), int(b[2:]) + 1, step))
        elif item.startswith("2^"):
            out.add(1 << int(item[2:]))
        else:
            out.add(int(item))
    if not out or min(out) < 1:
        raise ValueError("sizes must be >= 1")
    return sorted(out)


ALLOCATOR_ENV = ("GLIBC_TUNABLES", "LD_PRELOAD", "MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_",
                 "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_")


def allocator_setting():
    """The allocator variables set in the environment, as 'NAME=value' strings (empty: the defaults)."""
    return [f"{k}={os.environ[k]}" for k in ALLOCATOR_ENV if os.environ.get(k)]


def transparent_hugepages():
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as f:
            text = f.read().strip()
        return text[text.index("[") + 1:text.index("]")] if "[" in text else text
    except (OSError, ValueError):
        return "unknown"


def combine(files, out):
    """One peers document holding the results of several runs, each run's machine kept."""
    docs = []
    for path in files:
        try:
            with open(path) as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            sys.exit(f"peers.py: cannot read {path}: {e}")
        if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
            sys.exit(f"peers.py: {path} is not a peers.py result file (no results list)")
        docs.append((path, doc))
    labels = {}
    for path, doc in docs:
        for r in doc["results"]:
            key = (r.get("peer"), r.get("pass"), r.get("n"), r.get("k"))
            if key in labels:
                sys.exit(f"peers.py: {path} and {labels[key]} both hold {key[0]!r} {key[1]} n={key[2]}; "
                         "run them with different settings or sizes")
            labels[key] = path
    first = docs[0][1]
    merged = dict(first)
    merged["combined_from"] = [{"file": path, "started_at": d.get("started_at"), "machine": d.get("machine"),
                                "load_average": d.get("load_average")} for path, d in docs]
    merged["results"] = [r for _, d in docs for r in d["results"]]
    merged["notes"] = [n for _, d in docs for n in d.get("notes", [])]
    with open(out, "w") as f:
        json.dump(merged, f, indent=1)
    print(f"wrote {out} ({len(merged['results'])} results from {len(docs)} files)", file=sys.stderr)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


# The fewest untimed calls before a point's repetitions. With the earlier defaults (30 ms of warm-up,
# 5 repetitions) PyTorch's forward+backward at 2^20 on 2 threads without validation measured anywhere
# from 3.7 to 19.7 ns per element (2026-12-06, 23:00-23:15 UTC); with 1 s of warm-up and 15
# repetitions, three runs gave 3.8 to 4.2 ns (docs/PERFORMANCE.md, "Measuring PyTorch").
WARMUP_CALLS = 3


def time_point(call, reps, warmup_s, min_rep_s):
    """Warm up (at least warmup_s and WARMUP_CALLS calls), then `reps` repetitions; returns (ns per call list,
    calls per repetition)."""
    start = time.perf_counter()
    last = 0.0
    calls = 0
    while True:
        t = time.perf_counter()
        call()
        last = time.perf_counter() - t
        calls += 1
        if time.perf_counter() - start >= warmup_s and calls >= WARMUP_CALLS:
            break
    inner = max(1, int(min_rep_s / max(last, 1e-9) + 0.999))
    out = []
    for _ in range(reps):
        t = time.perf_counter_ns()
        for _ in range(inner):
            call()
        out.append((time.perf_counter_ns() - t) / inner)
    return out, inner


def torch_cases(torch, n, k, threads, validate):
    torch.set_num_threads(threads)
    validate_args = None if validate == "default" else False
    gen = torch.Generator().manual_seed(42)
    mu = (torch.rand(n, generator=gen) - 0.5).requires_grad_(True)
    sigma = (torch.rand(n, generator=gen) + 0.5).requires_grad_(True)
    grad = torch.randn((k, n), generator=gen) if k > 1 else torch.randn(n, generator=gen)
    shape = (k,) if k > 1 else ()
    noise_buf = torch.empty(n * k)

    def noise():
        torch.randn(n * k, out=noise_buf, generator=gen)

    def forward():
        return torch.distributions.Normal(mu, sigma, validate_args=validate_args).rsample(shape)

    state = {}

    def prepare_backward():
        mu.grad = None
        sigma.grad = None
        state["z"] = forward()

    def backward_only():
        state["z"].backward(grad)

    def fwd_bwd():
        mu.grad = None
        sigma.grad = None
        forward().backward(grad)

    cases = {"noise": noise, "forward": forward, "backward": (prepare_backward, backward_only),
             "forward+backward": fwd_bwd}
    if validate != "default":
        del cases["noise"]                  # no distribution object: the same as the default's noise
    return cases


def numpy_cases(np, n, k):
    rng = np.random.default_rng(42)
    mu = (rng.random(n, dtype=np.float32) - 0.5).astype(np.float32)
    sigma = (rng.random(n, dtype=np.float32) + 0.5).astype(np.float32)
    eps = np.empty((k, n), dtype=np.float32)
    z = np.empty((k, n), dtype=np.float32)
    grad = rng.standard_normal((k, n), dtype=np.float32)
    prod = np.empty((k, n), dtype=np.float32)
    dmu = np.empty(n, dtype=np.float32)
    dsigma = np.empty(n, dtype=np.float32)

    def noise():
        rng.standard_normal(out=eps, dtype=np.float32)

    def forward():
        rng.standard_normal(out=eps, dtype=np.float32)
        np.multiply(sigma, eps, out=z)
        np.add(z, mu, out=z)

    def backward():
        np.sum(grad, axis=0, out=dmu)
        np.multiply(grad, eps, out=prod)
        np.sum(prod, axis=0, out=dsigma)

    def fwd_bwd():
        forward()
        backward()

    return {"noise": noise, "forward": forward, "backward": backward, "forward+backward": fwd_bwd}


def time_backward(pair, reps, warmup_s, min_rep_s):
    """Times only the backward call of (prepare, backward): each call needs a fresh graph."""
    prepare, backward = pair
    start = time.perf_counter()
    last = 0.0
    calls = 0
    while True:
        prepare()
        t = time.perf_counter()
        backward()
        last = time.perf_counter() - t
        calls += 1
        if time.perf_counter() - start >= warmup_s and calls >= WARMUP_CALLS:
            break
    inner = max(1, int(min_rep_s / max(last, 1e-9) + 0.999))
    out = []
    for _ in range(reps):
        total = 0
        for _ in range(inner):
            prepare()
            t = time.perf_counter_ns()
            backward()
            total += time.perf_counter_ns() - t
        out.append(total / inner)
    return out, inner


def measure_in_child(a, key, n):
    """The passes of one (peer setting, size) point, measured by a fresh process of this script.

    A peer's speed depended on what its process had run before: PyTorch's forward+backward at 2^20
    on 2 threads without validation took 3.8 to 4.2 ns per element in processes that measured only
    forward+backward, and 6.5 ns in one that measured every pass of the 1-thread settings and the
    2^24 points first (2026-12-06, 23:20 UTC). Each point in its own process starts every setting
    from the same, fresh state (the passes inside a point still run one after another).
    """
    peer = key.split("-")[0]
    cmd = [sys.executable, os.path.abspath(__file__), "--point", f"{key}@{n}", "--sizes", str(n),
           "--samples", str(a.samples), "--peers", peer, "--passes", a.passes, "--threads", a.threads,
           "--torch-validate", a.torch_validate, "--reps", str(a.reps), "--warmup-ms", str(a.warmup_ms),
           "--min-rep-ms", str(a.min_rep_ms), "--out", a.out]
    done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(f"peers.py: the measurement of {key} at n={n} failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="2^10..2^24:2", help="elements per call (parameters x K): integers, 2^K, 2^A..2^B[:S]")
    ap.add_argument("--samples", type=int, default=1, help="K samples per parameter (default 1)")
    ap.add_argument("--peers", default="pytorch,numpy", help="pytorch, numpy (comma separated)")
    ap.add_argument("--passes", default="noise,forward,backward,forward+backward")
    ap.add_argument("--threads", default=f"1,{os.cpu_count()}",
                    help="torch thread counts to measure, comma separated (default: 1 and all processors)")
    ap.add_argument("--torch-validate", default="default,off",
                    help="torch argument validation to measure, comma separated: default (as torch ships it), "
                         "off (validate_args=False)")
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--warmup-ms", type=float, default=1000,
                    help="warm-up per point, at least %d calls (default 1000)" % WARMUP_CALLS)
    ap.add_argument("--min-rep-ms", type=float, default=2)
    ap.add_argument("--out", default="peers.json")
    ap.add_argument("--no-isolate", dest="isolate", action="store_false",
                    help="measure every point in this process instead of one fresh process per (setting, size)")
    ap.add_argument("--point", help=argparse.SUPPRESS)   # KEY@N: one point, results as JSON on stdout
    ap.add_argument("--combine", nargs="+", metavar="FILE",
                    help="write the results of these peers.py files into --out instead of measuring")
    a = ap.parse_args()
    # The output's directory before any measuring (a run takes minutes): made if missing.
    out_dir = os.path.dirname(os.path.abspath(a.out))
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as e:
        sys.exit(f"peers.py: --out {a.out}: cannot make its directory: {e.strerror}")
    if not os.access(out_dir, os.W_OK):
        sys.exit(f"peers.py: --out {a.out}: directory {out_dir} is not writable")
    if a.combine:
        combine(a.combine, a.out)
        return
    sizes = parse_sizes(a.sizes)
    passes = [p.strip() for p in a.passes.split(",") if p.strip()]
    for p in passes:
        if p not in ("noise", "forward", "backward", "forward+backward"):
            sys.exit(f"peers.py: unknown pass {p!r}")
    if a.samples < 1 or a.reps < 1:
        sys.exit("peers.py: --samples and --reps must be >= 1")

    alloc = allocator_setting()
    machine = {"cpu_model": cpu_model(), "logical_processors": os.cpu_count(),
               "python": sys.version.split()[0], "executable": sys.executable,
               "allocator_env": alloc, "transparent_hugepages": transparent_hugepages()}
    suffix = (", " + ", ".join(alloc)) if alloc else ""
    libs = {}
    notes = []
    for peer in [p.strip() for p in a.peers.split(",") if p.strip()]:
        try:
            if peer == "pytorch":
                import torch
                machine["torch"] = torch.__version__
                machine["torch_parallel_info"] = torch.__config__.parallel_info()
                validates = [v.strip() for v in a.torch_validate.split(",") if v.strip()]
                if not validates or any(v not in ("default", "off") for v in validates):
                    sys.exit("peers.py: --torch-validate takes default and/or off")
                for t in sorted({int(x) for x in a.threads.split(",") if x.strip()}):
                    if t < 1:
                        sys.exit("peers.py: --threads must be >= 1")
                    for v in validates:
                        extra = ", validate_args=False" if v == "off" else ""
                        libs[f"{peer}-{t}-{v}"] = (
                            f"pytorch {torch.__version__} cpu ({t} thread{'s' if t > 1 else ''}{extra}{suffix})",
                            lambda n, k, torch=torch, t=t, v=v: torch_cases(torch, n, k, t, v))
            elif peer == "numpy":
                import numpy as np
                machine["numpy"] = np.__version__
                libs[peer] = (f"numpy {np.__version__} (1 thread{suffix})", lambda n, k, np=np: numpy_cases(np, n, k))
            else:
                sys.exit(f"peers.py: unknown peer {peer!r} (pytorch, numpy)")
        except ImportError as e:
            notes.append(f"{peer} not measured: {e} (install with benchmarks/peers/install.sh)")
            print(f"peers.py: {notes[-1]}", file=sys.stderr)

    results = []
    started = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()
    points = [(key, n) for key in libs for n in sizes]
    if a.point:
        key, _, n = a.point.partition("@")
        if key not in libs or not n.isdigit() or int(n) not in sizes:
            sys.exit(f"peers.py: --point {a.point!r} names no measured point")
        points = [(key, int(n))]
    for i, (key, n) in enumerate(points, 1):
        label, make = libs[key]
        print(f"\r[{i}/{len(points)}] {label} n={n}        ", end="", file=sys.stderr, flush=True)
        if a.isolate and not a.point:
            results.extend(measure_in_child(a, key, n))
            continue
        params = max(1, n // a.samples)
        cases = make(params, a.samples)
        for p in passes:
            if p not in cases:
                continue
            if p == "backward" and isinstance(cases[p], tuple):
                ns, inner = time_backward(cases[p], a.reps, a.warmup_ms / 1e3, a.min_rep_ms / 1e3)
            else:
                ns, inner = time_point(cases[p], a.reps, a.warmup_ms / 1e3, a.min_rep_ms / 1e3)
            results.append({"peer": label, "pass": p, "n": params * a.samples, "k": a.samples,
                            "median_ns": statistics.median(ns), "min_ns": min(ns),
                            "ns_per_call": ns, "calls_per_rep": inner})
    if a.point:
        print(json.dumps(results))
        return
    print(file=sys.stderr)
    doc = {"tool": "benchmarks/peers/peers.py", "started_at": started, "machine": machine,
           "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
           "options": {"sizes": sizes, "samples": a.samples, "passes": passes, "reps": a.reps,
                       "warmup_ms": a.warmup_ms, "min_rep_ms": a.min_rep_ms, "torch_threads": a.threads,
                       "torch_validate": a.torch_validate, "isolated_points": a.isolate},
           "notes": notes, "results": results}
    with open(a.out, "w") as f:
        json.dump(doc, f, indent=1)
    print(f"| peer | pass | n | median ns | elements/s | ns/element |")
    print(f"|---|---|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['peer']} | {r['pass']} | {r['n']} | {r['median_ns']:.0f} | "
              f"{r['n'] * 1e9 / r['median_ns']:.3g} | {r['median_ns'] / r['n']:.3g} |")
    print(f"wrote {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
