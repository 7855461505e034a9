#!/usr/bin/env python3
"""The conditional head's matrix products on this device: head_matmul (tiled) against head_matmul_blocked.

An experiment behind docs/PERFORMANCE.md ("The conditional head"), not a test: it builds the
repository's kernels/head.cl and times, with OpenCL profiling events, the three products one head
step runs (x W, x^T G, G W^T; docs/HEAD.md) at a few shapes, with both product kernels:

  tiled    head_matmul: 16 x 16 work-groups, 64 x 64 tiles staged through local memory (GPUs)
  blocked  head_matmul_blocked: 8 x 16 register blocks per work-item, no local memory (CPU
           devices), work-groups of one work-item as ClAffineProduct launches it; for G W^T, whose
           B is strided along j, head_transpose first, and its time is counted in the product's

ClAffineProduct picks the same way (blocked on CPU devices). Both must give the bits of
org.reparamcl.cpu.AffineProduct; the script checks a few elements of each result against a
sequential float32 fused multiply-add loop and refuses to report a variant that differs.

Alternates the variants `--rounds` times (the machine's speed moves from minute to minute), each
time `--reps` launches of which the first 2 are dropped; reports the median over rounds of each
round's median kernel time, and GFLOP/s as 2 M N P over it.

    /usr/bin/python3 benchmarks/experiments/head_matmul.py --out DIR

Needs pyopencl and numpy (Debian: python3-pyopencl, python3-numpy) and an OpenCL device (PoCL).
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import sys

# PoCL's worker threads pinned one per core, as ./reparam does (docs/PERFORMANCE.md, "PoCL's
# worker threads"); read when PoCL starts, so set before pyopencl loads it.
os.environ.setdefault('POCL_AFFINITY', '1')

import numpy as np  # noqa: E402
import pyopencl as cl  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
HEAD_CL = os.path.join(ROOT, 'kernels', 'head.cl')
INIT_BIAS = 1
MODE_ONE = 0  # HEAD_MODE_ONE: one product per launch (head.cl)

# (name, M, N, P, a_si, a_sp, b_sp, b_sj): x W is (B, Din) x (Din, D); x^T G is (Din, B) x (B, D);
# G W^T is (B, D) x (D, Din) with W stored (Din, D).
def shapes(b, din, d):
    return [
        (f'x W        B={b} Din={din} D={d}', b, d, din, din, 1, d, 1),
        (f'x^T G      B={b} Din={din} D={d}', din, d, b, 1, din, d, 1),
        (f'G W^T      B={b} Din={din} D={d}', b, din, d, d, 1, 1, d),
    ]


def fma_row_col(a_mat, b_mat, bias, i, j):
    """c[i, j] as the kernels compute it: from bias[j], fma over p in order, in float32."""
    acc = np.float32(bias[j])
    for t in range(a_mat.shape[1]):
        # The product of two float32 is exact in float64; adding acc there and rounding once to
        # float32 is the fused multiply-add except in double-rounding cases, which would show here as
        # a mismatch, never hide one.
        acc = np.float32(np.float64(a_mat[i, t]) * np.float64(b_mat[t, j]) + np.float64(acc))
    return acc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--rounds', type=int, default=4)
    ap.add_argument('--reps', type=int, default=10)
    ap.add_argument('--heads', default='4096x64x64,1024x256x128',
                    help='comma-separated BxDinxD head shapes (default %(default)s)')
    ap.add_argument('--out', required=True, help='directory for head_matmul.json')
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    ctx = cl.create_some_context(interactive=False)
    dev = ctx.devices[0]
    queue = cl.CommandQueue(ctx, properties=cl.command_queue_properties.PROFILING_ENABLE)
    prg = cl.Program(ctx, open(HEAD_CL).read()).build(options='-cl-fp32-correctly-rounded-divide-sqrt')
    mf = cl.mem_flags
    rng = np.random.default_rng(7)

    cases = []
    for h in args.heads.split(','):
        b, din, d = (int(v) for v in h.lower().split('x'))
        cases.extend(shapes(b, din, d))

    results = []
    for name, m, n, p, asi, asp, bsp, bsj in cases:
        a = rng.uniform(-1, 1, size=(m - 1) * asi + (p - 1) * asp + 1).astype(np.float32)
        b = rng.uniform(-1, 1, size=(p - 1) * bsp + (n - 1) * bsj + 1).astype(np.float32)
        bias = rng.uniform(-1, 1, size=n).astype(np.float32)
        a_mat = np.lib.stride_tricks.as_strided(a, shape=(m, p), strides=(asi * 4, asp * 4))
        b_mat = np.lib.stride_tricks.as_strided(b, shape=(p, n), strides=(bsp * 4, bsj * 4))
        da = cl.Buffer(ctx, mf.READ_ONLY | mf.COPY_HOST_PTR, hostbuf=a)
        db = cl.Buffer(ctx, mf.READ_ONLY | mf.COPY_HOST_PTR, hostbuf=b)
        dbias = cl.Buffer(ctx, mf.READ_ONLY | mf.COPY_HOST_PTR, hostbuf=bias)
        dt = cl.Buffer(ctx, mf.READ_WRITE, size=4 * p * n)
        dc = cl.Buffer(ctx, mf.READ_WRITE, size=4 * m * n)

        def tiled():
            ev = prg.head_matmul(queue, ((n + 63) // 64 * 16, (m + 63) // 64 * 16), (16, 16),
                                 da, np.int32(asi), np.int32(asp), db, np.int32(bsp), np.int32(bsj),
                                 dbias, np.int32(INIT_BIAS), dc, np.int32(m), np.int32(n), np.int32(p),
                                 da, db, dbias, dc, np.int32(MODE_ONE))
            ev.wait()
            return (ev.profile.end - ev.profile.start) * 1e-9

        def blocked():
            total = 0.0
            src, sp, sj = db, bsp, bsj
            if bsj != 1:
                ev = prg.head_transpose(queue, (n, p), None, db, np.int32(bsp), np.int32(bsj), dt,
                                        np.int32(n), np.int32(p))
                ev.wait()
                total += (ev.profile.end - ev.profile.start) * 1e-9
                src, sp, sj = dt, n, 1
            ev = prg.head_matmul_blocked(queue, ((n + 15) // 16, (m + 7) // 8), (1, 1),
                                         da, np.int32(asi), np.int32(asp), src, np.int32(sp), np.int32(sj),
                                         dbias, np.int32(INIT_BIAS), dc, np.int32(m), np.int32(n), np.int32(p),
                                         da, src, dbias, dc, np.int32(MODE_ONE))
            ev.wait()
            return total + (ev.profile.end - ev.profile.start) * 1e-9

        variants = {'tiled': tiled, 'blocked': blocked}
        rounds = {v: [] for v in variants}
        for _ in range(args.rounds):
            for v, run in variants.items():
                times = [run() for _ in range(args.reps)]
                rounds[v].append(statistics.median(times[2:]))
                c = np.empty(m * n, np.float32)
                cl.enqueue_copy(queue, c, dc)
                queue.finish()
                c = c.reshape(m, n)
                for i, j in [(0, 0), (m - 1, n - 1), (m // 2, n // 3), (1 % m, n - 1), (m - 1, 0)]:
                    want = fma_row_col(a_mat, b_mat, bias, i, j)
                    if want.view(np.int32) != c[i, j].view(np.int32):
                        sys.exit(f'{v} {name}: c[{i}, {j}] = {c[i, j]!r}, sequential fma gives {want!r}')
        row = {'case': name, 'm': m, 'n': n, 'p': p}
        for v in variants:
            sec = statistics.median(rounds[v])
            row[v] = {'seconds': sec, 'gflops': 2 * m * n * p / sec / 1e9, 'rounds': rounds[v]}
        row['speedup'] = row['tiled']['seconds'] / row['blocked']['seconds']
        results.append(row)
        print(f"{name:36s} tiled {row['tiled']['seconds'] * 1e3:8.3f} ms {row['tiled']['gflops']:7.1f} GFLOP/s"
              f"   blocked {row['blocked']['seconds'] * 1e3:8.3f} ms {row['blocked']['gflops']:7.1f} GFLOP/s"
              f"   x{row['speedup']:.1f}", flush=True)

    out = {
        'when': datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
        'command': ' '.join([os.path.basename(sys.executable)] + sys.argv),
        'device': f'{dev.name} ({dev.platform.name} {dev.platform.version}; {dev.max_compute_units} compute units)',
        'host': platform.processor() or platform.machine(),
        'pocl_affinity': os.environ.get('POCL_AFFINITY'),
        'rounds': args.rounds,
        'reps': args.reps,
        'results': results,
    }
    with open(os.path.join(args.out, 'head_matmul.json'), 'w') as f:
        json.dump(out, f, indent=1)


if __name__ == '__main__':
    main()
