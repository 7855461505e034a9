#!/usr/bin/env python3
"""head_column_sum kernel time and bits (vs a sequential float32 sum) for a kernels/head.cl file.
Usage: /usr/bin/python3 column_sum_timing.py HEAD_CL "lambda n: (GLOBAL, LOCAL)"; data in this folder."""
import os, sys, statistics
os.environ.setdefault('POCL_AFFINITY','1')
import numpy as np, pyopencl as cl
ctx = cl.create_some_context(interactive=False)
q = cl.CommandQueue(ctx, properties=cl.command_queue_properties.PROFILING_ENABLE)
prg = cl.Program(ctx, open(sys.argv[1]).read()).build()
rng = np.random.default_rng(1)
for m, n in [(4096, 64), (4096, 256), (256, 64), (1000, 37)]:
    a = rng.uniform(-1,1,size=m*n).astype(np.float32)
    da = cl.Buffer(ctx, cl.mem_flags.READ_ONLY|cl.mem_flags.COPY_HOST_PTR, hostbuf=a)
    do = cl.Buffer(ctx, cl.mem_flags.READ_WRITE, size=4*n)
    g, l = eval(sys.argv[2])(n)
    ts=[]
    for r in range(12):
        ev = prg.head_column_sum(q, g, l, da, np.int32(m), np.int32(n), do); ev.wait()
        ts.append((ev.profile.end-ev.profile.start)*1e-9)
    out = np.empty(n, np.float32); cl.enqueue_copy(q, out, do); q.finish()
    ref = np.zeros(n, np.float32)
    for i in range(m): ref = (ref + a[i*n:(i+1)*n]).astype(np.float32)
    print(m, n, f'{statistics.median(ts[2:])*1e6:.1f} us', 'bits ok' if (ref.view(np.int32) == out.view(np.int32)).all() else 'BITS DIFFER')
