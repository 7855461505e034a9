package org.reparamcl.opencl;

import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_kernel;

/**
 * One kernel of a context's program with preallocated argument holders, launched
 * one-dimensionally with a fixed work-group size: the global size is padded to whole work-groups
 * and the kernel returns at once in work-items past its count. Setting arguments and launching
 * allocate no device memory. Not thread-safe: its owner serializes use.
 *
 * <p>Implementation note: PoCL picks work-groups of up to 4096 work-items when left to choose,
 * which puts a mid-sized launch on one core; {@value #WORK_GROUP_SIZE} spreads it and lets PoCL
 * balance work-groups between busy cores.
 */
final class ClKernel {
    /** Work-items per work-group (or the kernel's limit if lower). */
    static final int WORK_GROUP_SIZE = 64;

    private final ClContext ctx;
    private final String name;
    private final cl_kernel kernel;
    private final long[] longArg = new long[1];
    private final int[] intArg = new int[1];
    private final Pointer longPtr = Pointer.to(longArg);
    private final Pointer intPtr = Pointer.to(intArg);
    private final long[] global = new long[1];
    private final long[] local = new long[1];

    ClKernel(ClContext ctx, String name) {
        this.ctx = ctx;
        this.name = name;
        this.kernel = ctx.kernel(name);
        final long[] max = new long[1];
        CL.clGetKernelWorkGroupInfo(kernel, ctx.device().device(), CL.CL_KERNEL_WORK_GROUP_SIZE, Sizeof.size_t,
                Pointer.to(max), null);
        this.local[0] = Math.max(1, Math.min(WORK_GROUP_SIZE, max[0]));
    }

    ClKernel arg(int index, ClBuffer buffer) {
        CL.clSetKernelArg(kernel, index, Sizeof.cl_mem, buffer.argument());
        return this;
    }

    ClKernel arg(int index, long value) {
        longArg[0] = value;
        CL.clSetKernelArg(kernel, index, Sizeof.cl_long, longPtr);
        return this;
    }

    ClKernel arg(int index, int value) {
        intArg[0] = value;
        CL.clSetKernelArg(kernel, index, Sizeof.cl_int, intPtr);
        return this;
    }

    /** Enqueues {@code items} work-items (nothing when items is 0); does not wait. */
    void launch(long items) {
        if (items <= 0) {
            return;
        }
        global[0] = (items + local[0] - 1) / local[0] * local[0];
        try {
            CL.clEnqueueNDRangeKernel(ctx.queue(), kernel, 1, null, global, local, 0, null, ctx.launchEvent());
        } catch (CLException e) {
            throw new ClMemoryException("launch of " + name + " (" + items + " work-items) failed on "
                    + ctx.device().deviceName() + ": " + e.getMessage(), e);
        }
    }
}
