import pyopencl as cl, numpy as np, statistics, os, sys
# Evidence for docs/PERFORMANCE.md, "PoCL's worker threads": the noise kernel at 2^20, one process per
# measurement, run 12 times each with POCL_AFFINITY=0 and =1, alternating (output: noise-2^20.txt,
# "AFFINITY RATE"). Reads the kernels from /work/main/kernels; /usr/bin/python3 with pyopencl.
K='/work/main/kernels/'
src=''.join(open(K+f).read() for f in ['philox4x32.cl','normal.cl','noise.cl'])
ctx=cl.Context(cl.get_platforms()[0].get_devices()); q=cl.CommandQueue(ctx, properties=cl.command_queue_properties.PROFILING_ENABLE)
prg=cl.Program(ctx,src).build(options=['-cl-fp32-correctly-rounded-divide-sqrt'])
n=1<<20
out=cl.Buffer(ctx,cl.mem_flags.WRITE_ONLY,4*n)
def run(reps=40):
    ts=[]
    for r in range(reps):
        e=prg.noise_normal(q,(16384,),(64,),out,np.int64(n),np.uint64(0),np.uint32(0),np.uint32(42),np.uint32(0),np.uint32(0),np.uint32(0),np.int32(0)); e.wait()
        ts.append((e.profile.end-e.profile.start)*1e-9)
    return ts
ts=run()
def threads():
    r=[]
    for t in os.listdir('/proc/self/task'):
        st=open('/proc/self/task/%s/stat'%t).read().split(')')[-1].split()
        r.append((t, st[0], 'cpu%s'%st[36], 'utime%s'%st[11]))
    return r
print('%.3g'%(n/statistics.median(ts[5:])), ' '.join('%.2g'%(n/t) for t in ts[5:15]), threads())
