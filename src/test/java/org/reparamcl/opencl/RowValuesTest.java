package org.reparamcl.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_kernel;
import org.junit.jupiter.api.Test;

/**
 * rp_row_values (kernels/reparam.cl), which spreads each parameter row's KL or log q gradient over
 * a run of 64 elements in the backward pass, called directly through a probe kernel: lane j must
 * hold x[(p0 + j) / D]. Rows far longer than any test could allocate (D past 2^30 and 2^31) need
 * no buffers of that size here, since only the run's row indices are used.
 */
class RowValuesTest {
    @Test
    void everyLaneTakesItsRowsValue() {
        final List<String> sources = new ArrayList<>(ClContext.KERNEL_SOURCES);
        sources.add("row_values_probe.cl");
        try (ClContext ctx = ClContext.create(ClDevices.select("auto"), sources, ClContext.BUILD_OPTIONS)) {
            final cl_kernel k = ctx.kernel("probe_row_values");
            final float[] x = new float[70];
            for (int i = 0; i < x.length; i++) {
                x[i] = i + 1;
            }
            final long[][] cases = {           // {p0, dim}: the run starts at row p0 / dim
                {0, 1}, {5, 3}, {7, 10}, {64, 16}, {90, 24}, {36, 100}, {100, 100}, {130, 63},
                {(1L << 30) + 32 - 32, (1L << 30) + 32},        // rows 0 and 1, the boundary at lane 32
                {(1L << 31) + 100 - 40, (1L << 31) + 100},      // past 2^31: the boundary at lane 40
                {3 * ((1L << 31) + 100) - 1, (1L << 31) + 100}, // rows 2 and 3, the boundary at lane 1
            };
            try (ClBuffer xb = ctx.allocate(4L * x.length); ClBuffer out = ctx.allocate(4 * 64)) {
                CL.clEnqueueWriteBuffer(ctx.queue(), xb.mem(), CL.CL_TRUE, 0, 4L * x.length, Pointer.to(x), 0, null, null);
                for (long[] c : cases) {
                    final long p0 = c[0];
                    final long dim = c[1];
                    final long np = ((p0 + 64) / dim + 1) * dim;   // past the run: its whole-run path
                    CL.clSetKernelArg(k, 0, Sizeof.cl_mem, Pointer.to(xb.mem()));
                    CL.clSetKernelArg(k, 1, Sizeof.cl_long, Pointer.to(new long[] {p0}));
                    CL.clSetKernelArg(k, 2, Sizeof.cl_long, Pointer.to(new long[] {np}));
                    CL.clSetKernelArg(k, 3, Sizeof.cl_long, Pointer.to(new long[] {dim}));
                    CL.clSetKernelArg(k, 4, Sizeof.cl_mem, Pointer.to(out.mem()));
                    CL.clEnqueueNDRangeKernel(ctx.queue(), k, 1, null, new long[] {1}, new long[] {1}, 0, null, null);
                    final float[] lanes = new float[64];
                    CL.clEnqueueReadBuffer(ctx.queue(), out.mem(), CL.CL_TRUE, 0, 4 * 64, Pointer.to(lanes), 0, null, null);
                    for (int j = 0; j < 64; j++) {
                        assertEquals(x[(int) ((p0 + j) / dim)], lanes[j], "p0 = " + p0 + ", D = " + dim + ", lane " + j);
                    }
                }
            }
        }
    }
}
