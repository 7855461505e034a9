#!/usr/bin/env python3
"""What each part of the float32 Box-Muller transform costs in the noise kernel, on this device.

An experiment for the stakeholders' question in docs/PERFORMANCE.md ("What a new stream version
could buy"), not a test and not a product path: it builds kernels/noise.cl's `noise_normal` from
the repository's own kernels/philox4x32.cl, kernels/normal.cl and kernels/noise.cl, in variants
that drop or shorten one part of kernels/normal.cl each (compiled in by -D macros that this script
splices into a copy of normal.cl; every splice must match exactly once, so a change of normal.cl
makes the script fail instead of measuring something else). The variants' outputs are NOT the
stream (their bits differ); only their speed means anything. `noise_bits` (Philox4x32-10 and the
same stores, no transform) is the bound of any stream version that keeps SPEC §2's generator.

Variants (all at the noise kernel's work-item shape: 16 Philox blocks, 64 elements per work-item):
  full                 stream version 1 as shipped
  log-4                the log polynomial 4 terms shorter (Q8..Q5 dropped)
  trig-1               the sine and cosine polynomials one term shorter (S3, C3 dropped)
  no-sqrt              radius -2 log u without the square root
  log-4+trig-1+no-sqrt all three: the most that shorter polynomials could save
  no-log               radius sqrt(u): no log at all
  no-trig              cos and sin replaced by a conversion and a multiply
  no-log+no-trig       neither: Philox, the uniform, the square root and the stores
  bits                 noise_bits: Philox and the stores only

Runs all variants in one process (PoCL's threads pinned, see below), alternating them `--rounds` times (the machine's speed moves
from minute to minute), each time `--reps` launches of which the first 3 are dropped; reports the
median over rounds of each round's median kernel time (OpenCL profiling events).

    /usr/bin/python3 benchmarks/experiments/transform_ablation.py --sizes 2^20,2^24 --out DIR

Needs pyopencl and numpy (Debian: python3-pyopencl, python3-numpy) and an OpenCL device (PoCL).
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import sys

# PoCL's worker threads pinned one per core (read when PoCL starts, so set before pyopencl loads
# it): unpinned, 5 of 12 processes on the 2-vCPU machine ran every kernel at the one-core rate at
# 2^20 (docs/PERFORMANCE.md, "PoCL's worker threads"). POCL_AFFINITY=0 in the environment turns it
# off. The output records the setting.
os.environ.setdefault('POCL_AFFINITY', '1')

import numpy as np  # noqa: E402
import pyopencl as cl  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
KERNELS = os.path.join(ROOT, 'kernels')

# (exact text in kernels/normal.cl, replacement with the variant macros)
SPLICES = [
    ("""    float16 q = (float16)(NT_LOG_Q8);
    q = fma(q, t, (float16)(NT_LOG_Q7));
    q = fma(q, t, (float16)(NT_LOG_Q6));
    q = fma(q, t, (float16)(NT_LOG_Q5));
    q = fma(q, t, (float16)(NT_LOG_Q4));""",
     """#ifdef V_LOG_SHORT
    float16 q = (float16)(NT_LOG_Q4);
#else
    float16 q = (float16)(NT_LOG_Q8);
    q = fma(q, t, (float16)(NT_LOG_Q7));
    q = fma(q, t, (float16)(NT_LOG_Q6));
    q = fma(q, t, (float16)(NT_LOG_Q5));
    q = fma(q, t, (float16)(NT_LOG_Q4));
#endif"""),
    ("""    return sqrt(-2.0f * nt_log(nt_uniform(w)));""",
     """#if defined(V_NO_LOG)
    return sqrt(nt_uniform(w));
#elif defined(V_NO_SQRT)
    return -2.0f * nt_log(nt_uniform(w));
#else
    return sqrt(-2.0f * nt_log(nt_uniform(w)));
#endif"""),
    ("""    float16 s = (float16)(NT_SIN_S3);
    s = fma(s, f2, (float16)(NT_SIN_S2));""",
     """#ifdef V_TRIG_SHORT
    float16 s = (float16)(NT_SIN_S2);
#else
    float16 s = (float16)(NT_SIN_S3);
    s = fma(s, f2, (float16)(NT_SIN_S2));
#endif"""),
    ("""    float16 c = (float16)(NT_COS_C3);
    c = fma(c, f2, (float16)(NT_COS_C2));""",
     """#ifdef V_TRIG_SHORT
    float16 c = (float16)(NT_COS_C2);
#else
    float16 c = (float16)(NT_COS_C3);
    c = fma(c, f2, (float16)(NT_COS_C2));
#endif"""),
    ("""    nt_cossin_turn(b, &c, &s);""",
     """#ifdef V_NO_TRIG
    c = convert_float16(b);
    s = c * 0.5f;
#else
    nt_cossin_turn(b, &c, &s);
#endif"""),
]

VARIANTS = [
    ('full', []),
    ('log-4', ['V_LOG_SHORT']),
    ('trig-1', ['V_TRIG_SHORT']),
    ('no-sqrt', ['V_NO_SQRT']),
    ('log-4+trig-1+no-sqrt', ['V_LOG_SHORT', 'V_TRIG_SHORT', 'V_NO_SQRT']),
    ('no-log', ['V_NO_LOG']),
    ('no-trig', ['V_NO_TRIG']),
    ('no-log+no-trig', ['V_NO_LOG', 'V_NO_TRIG']),
]


def read(name):
    with open(os.path.join(KERNELS, name)) as f:
        return f.read()


def spliced_normal():
    src = read('normal.cl')
    for old, new in SPLICES:
        count = src.count(old)
        if count != 1:
            sys.exit('transform_ablation: kernels/normal.cl has changed: a splice matches %d times, not once:\n%s'
                     % (count, old))
        src = src.replace(old, new)
    return src


def parse_size(text):
    text = text.strip()
    return 1 << int(text[2:]) if text.startswith('2^') else int(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--sizes', default='2^20,2^24', help='comma-separated element counts (2^k allowed)')
    ap.add_argument('--rounds', type=int, default=8)
    ap.add_argument('--reps', type=int, default=11)
    ap.add_argument('--out', help='directory for ablation.json and ablation.md')
    args = ap.parse_args()
    sizes = [parse_size(s) for s in args.sizes.split(',')]
    if args.reps < 4 or args.rounds < 1:
        sys.exit('transform_ablation: --reps must be at least 4 and --rounds at least 1')

    ctx = cl.create_some_context(interactive=False)
    device = ctx.devices[0]
    queue = cl.CommandQueue(ctx, properties=cl.command_queue_properties.PROFILING_ENABLE)
    src = read('philox4x32.cl') + spliced_normal() + read('noise.cl')
    base_opts = ['-cl-fp32-correctly-rounded-divide-sqrt']
    programs = {name: cl.Program(ctx, src).build(options=base_opts + ['-D' + m for m in macros])
                for name, macros in VARIANTS}

    def kernel_seconds(program, kernel_name, n, out):
        kernel = getattr(program, kernel_name)
        work_items = (n + 63) // 64
        global_size = (work_items + 63) // 64 * 64
        times = []
        for _ in range(args.reps):
            ev = kernel(queue, (global_size,), (64,), out, np.int64(n), np.uint64(0), np.uint32(0),
                        np.uint32(42), np.uint32(0), np.uint32(0), np.uint32(0), np.int32(0))
            ev.wait()
            times.append((ev.profile.end - ev.profile.start) * 1e-9)
        return statistics.median(times[3:])

    rows = []
    for n in sizes:
        out = cl.Buffer(ctx, cl.mem_flags.WRITE_ONLY, 4 * n)
        runs = {name: [] for name, _ in VARIANTS}
        runs['bits'] = []
        for _ in range(args.rounds):
            for name, _ in VARIANTS:
                runs[name].append(kernel_seconds(programs[name], 'noise_normal', n, out))
            runs['bits'].append(kernel_seconds(programs['full'], 'noise_bits', n, out))
        full = statistics.median(runs['full'])
        for name, secs in runs.items():
            med = statistics.median(secs)
            rows.append({'n': n, 'variant': name, 'median_s': med, 'per_s': n / med,
                         'ns_per_64': 64e9 * med / n, 'vs_full': full / med,
                         'rounds_per_s': [n / s for s in secs]})
        out.release()

    stamp = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
    lines = ['Transform ablation, %s, %s (%s), %d rounds of %d launches (median of the last %d), kernel time'
             % (stamp, device.name.strip(), device.platform.name.strip(), args.rounds, args.reps, args.reps - 3),
             '', '| n | variant | eps (or words)/s | ns per 64 | x full |', '|---:|---|---:|---:|---:|']
    for r in rows:
        n = r['n']
        size = '2^%d' % (n.bit_length() - 1) if n & (n - 1) == 0 else str(n)
        lines.append('| %s | %s | %.3g | %.2f | %.2f |' % (size, r['variant'], r['per_s'], r['ns_per_64'], r['vs_full']))
    table = '\n'.join(lines)
    print(table)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, 'ablation.json'), 'w') as f:
            json.dump({'time': stamp, 'device': device.name.strip(), 'platform': device.platform.name.strip(),
                       'pocl_affinity': os.environ.get('POCL_AFFINITY'),
                       'host': platform.node(), 'rounds': args.rounds, 'reps': args.reps, 'rows': rows}, f, indent=1)
        with open(os.path.join(args.out, 'ablation.md'), 'w') as f:
            f.write(table + '\n')


if __name__ == '__main__':
    main()
