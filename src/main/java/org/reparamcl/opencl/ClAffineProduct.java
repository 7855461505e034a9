package org.reparamcl.opencl;

import static org.jocl.CL.CL_KERNEL_COMPILE_WORK_GROUP_SIZE;
import static org.jocl.CL.CL_KERNEL_WORK_GROUP_SIZE;

import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_kernel;
import org.reparamcl.cpu.AffineProduct;

/**
 * Launches the affine kernels of {@code kernels/head.cl} ({@code head_matmul} or
 * {@code head_matmul_blocked}, {@code head_column_sum}) on device buffers; bit-identical to
 * {@link AffineProduct}.
 *
 * <p>Two product kernels give the same bits: {@link Variant#TILED} ({@code head_matmul}, work-groups
 * of 16 x 16 staging tiles through local memory, the usual GPU layout) and {@link Variant#BLOCKED}
 * ({@code head_matmul_blocked}, each work-item an 8 x 16 block in float16 registers, no local
 * memory, B's rows transposed to contiguous first where they are strided), 7x to 15x faster on
 * PoCL. {@link #create(ClContext)} takes BLOCKED on CPU devices and TILED elsewhere; the system
 * property {@value #VARIANT_PROPERTY} ({@code auto}, {@code tiled} or {@code blocked}) overrides it.
 *
 * <p>Launches only enqueue (they do not wait). Argument holders are preallocated and the transposing
 * scratch grows to the largest B seen and is then reused, so a steady-state launch allocates no
 * device memory and builds nothing. Not thread-safe: the owner serializes launches. Closing
 * releases the kernels and the scratch (closing the context does too); a launch after either
 * throws IllegalStateException, and closing twice is safe.
 */
public final class ClAffineProduct implements AutoCloseable {
    /** Side of the square work-group of {@code head_matmul}: HEAD_WG in head.cl (a build may set another with -DHEAD_WG). */
    public static final int WORK_GROUP = 16;
    /** Side of the block of c one work-item of {@code head_matmul} computes (HEAD_MICRO in head.cl). */
    static final int MICRO = 4;

    /** The system property that picks the product kernel: {@code auto} (default), {@code tiled} or {@code blocked}. */
    public static final String VARIANT_PROPERTY = "reparam.headMatmul";
    /** Rows of c one work-item of {@code head_matmul_blocked} computes (HB_ROWS in head.cl); its columns are 16. */
    static final int BLOCK_ROWS = 8;
    static final int BLOCK_COLUMNS = 16;

    /** The product kernel; both give the bits of {@link AffineProduct}. */
    public enum Variant {
        /** {@code head_matmul}: 16 x 16 work-groups, tiles through local memory (GPUs). */
        TILED,
        /** {@code head_matmul_blocked}: register blocks, no local memory (CPU devices). */
        BLOCKED
    }

    private final ClContext ctx;
    private final Variant variant;
    private final cl_kernel matmul;
    private final cl_kernel transpose;
    private final cl_kernel columnSum;
    /** B with contiguous rows, for BLOCKED products whose B is strided along j. */
    private ClBuffer transposed;
    private boolean closed;
    private final int[] intArg = new int[1];
    private final Pointer intPtr = Pointer.to(intArg);
    private final long[] global2 = new long[2];
    private final long[] global3 = new long[3];
    /** TILED: head_matmul's work-group (its reqd_work_group_size, read from the kernel), and the side of c's block one group computes. */
    private final long[] local3 = {WORK_GROUP, WORK_GROUP, 1};
    private final int tile;
    private static final int ROW_GROUP = 64;
    /** head_matmul's mode argument (HEAD_MODE_* in head.cl). */
    private static final int MODE_ONE = 0;
    private static final int MODE_PAIR = 1;
    private static final int MODE_CHAIN = 2;
    /**
     * BLOCKED launches use work-groups of one work-item. Left to itself (a null local size), PoCL
     * put the 32 work-items of x^T G at Din = D = 64 into one group, so one core did all the work:
     * 82 GFLOP/s, against 208 with groups of one (AMD EPYC, 2026-12-07; docs/PERFORMANCE.md, "The
     * conditional head"). A work-item is a whole 8 x 16 block, so per-group overhead is small.
     */
    private final long[] localBlocked = {1, 1, 1};
    /** head_column_sum on CPU devices (BLOCKED): work-groups of one work-item, so that its few work-items spread over the cores. */
    private final long[] localBlocked2 = {1, 1};
    /**
     * head_transpose, and head_column_sum in the TILED variant: a fixed work-group of up to 64
     * work-items along dimension 0, the global size padded to it (the kernels skip the padding).
     * Left to PoCL (a null local size), each new shape compiled a new work-group function, 86 to
     * 134 ms on first use (docs/RELIABILITY.md, "Kernel compilation on PoCL").
     */
    private final long[] localRow = {1, 1};

    private ClAffineProduct(ClContext ctx, Variant variant) {
        this.ctx = ctx;
        this.variant = variant;
        cl_kernel mm = null;
        cl_kernel tr = null;
        try {
            mm = ctx.kernel(variant == Variant.TILED ? "head_matmul" : "head_matmul_blocked");
            tr = ctx.kernel("head_transpose");
            this.columnSum = ctx.kernel("head_column_sum");
        } catch (RuntimeException e) {
            // Release what was created (the context would only at its close).
            for (cl_kernel k : new cl_kernel[] {mm, tr}) {
                if (k != null) {
                    ctx.release(k);
                }
            }
            throw e;
        }
        this.matmul = mm;
        this.transpose = tr;
        final long[] wg = new long[1];
        long limit = Long.MAX_VALUE;
        for (cl_kernel k : new cl_kernel[] {transpose, columnSum}) {
            CL.clGetKernelWorkGroupInfo(k, ctx.device().device(), CL_KERNEL_WORK_GROUP_SIZE, Sizeof.size_t,
                    Pointer.to(wg), null);
            limit = Math.min(limit, wg[0]);
        }
        localRow[0] = Math.max(1, Math.min(ROW_GROUP, limit));
        if (variant == Variant.BLOCKED) {
            this.tile = 0;
            return;
        }
        final long[] required = new long[3];
        CL.clGetKernelWorkGroupInfo(matmul, ctx.device().device(), CL_KERNEL_COMPILE_WORK_GROUP_SIZE, 3L * Sizeof.size_t,
                Pointer.to(required), null);
        final int side = required[0] > 0 ? (int) required[0] : WORK_GROUP;
        local3[0] = side;
        local3[1] = side;
        this.tile = side * MICRO;
        CL.clGetKernelWorkGroupInfo(matmul, ctx.device().device(), CL_KERNEL_WORK_GROUP_SIZE, Sizeof.size_t,
                Pointer.to(wg), null);
        if (wg[0] < (long) side * side) {
            close();
            throw new IllegalStateException("head_matmul needs work-groups of " + side + " x " + side
                    + " but " + ctx.device().deviceName() + " allows at most " + wg[0] + " work-items per group"
                    + " (a program built with -DHEAD_WG=4 needs 16)");
        }
    }

    /** Creates the kernels in {@code ctx}, the variant for its device (or {@value #VARIANT_PROPERTY}). */
    public static ClAffineProduct create(ClContext ctx) {
        return new ClAffineProduct(ctx, variantFor(ctx.device()));
    }

    /** Creates the kernels of the given variant in {@code ctx}. */
    public static ClAffineProduct create(ClContext ctx, Variant variant) {
        return new ClAffineProduct(ctx, java.util.Objects.requireNonNull(variant, "variant is null"));
    }

    /** The variant {@link #create(ClContext)} takes on a device. */
    static Variant variantFor(ClDeviceInfo device) {
        final String v = System.getProperty(VARIANT_PROPERTY, "auto");
        switch (v) {
            case "auto":
                return device.type().equals("CPU") ? Variant.BLOCKED : Variant.TILED;
            case "tiled":
                return Variant.TILED;
            case "blocked":
                return Variant.BLOCKED;
            default:
                throw new IllegalArgumentException("-D" + VARIANT_PROPERTY + "=" + v + ": expected auto, tiled or blocked");
        }
    }

    /** The product kernel this instance launches. */
    public Variant variant() {
        return variant;
    }

    /**
     * Enqueues {@code c (M, N) = init + A B} with {@code A(i, p) = a[i * aSi + p * aSp]} and
     * {@code B(p, j) = b[p * bSp + j * bSj]}; see {@link AffineProduct}. {@code bias} may be null
     * unless {@code init} is BIAS. The caller has checked that every index fits its buffer.
     */
    public void multiply(ClBuffer a, int aSi, int aSp, ClBuffer b, int bSp, int bSj, ClBuffer bias,
                         AffineProduct.Init init, ClBuffer c, int m, int n, int p) {
        product(MODE_ONE, a, null, aSi, aSp, b, null, bSp, bSj, bias, null, init, c, null, m, n, p);
    }

    /**
     * Two products of the same shape, strides and init in one launch: {@code c = init + A B} and
     * {@code c2 = init2 + A2 B2}, A2 and B2 read from {@code a2} and {@code b2} with the same strides
     * and init2 from {@code bias2}. The bits of two {@link #multiply} calls. (With BLOCKED and B
     * strided along j it is two launches, each after its transpose.)
     */
    public void multiplyPair(ClBuffer a, ClBuffer a2, int aSi, int aSp, ClBuffer b, ClBuffer b2, int bSp, int bSj,
                             ClBuffer bias, ClBuffer bias2, AffineProduct.Init init, ClBuffer c, ClBuffer c2,
                             int m, int n, int p) {
        if (variant == Variant.BLOCKED && bSj != 1 && p > 0) {
            multiply(a, aSi, aSp, b, bSp, bSj, bias, init, c, m, n, p);
            multiply(a2, aSi, aSp, b2, bSp, bSj, bias2, init, c2, m, n, p);
            return;
        }
        product(MODE_PAIR, a, a2, aSi, aSp, b, b2, bSp, bSj, bias, bias2, init, c, c2, m, n, p);
    }

    /**
     * {@code c = init + A B + A2 B2} in one launch, the terms of A2 B2 added after those of A B to
     * the same accumulators: the bits of {@code multiply(a, b, init, c)} followed by
     * {@code multiply(a2, b2, ACCUMULATE, c)}. A2 and B2 have A's and B's shapes and strides.
     */
    public void multiplyChain(ClBuffer a, ClBuffer a2, int aSi, int aSp, ClBuffer b, ClBuffer b2, int bSp, int bSj,
                              ClBuffer bias, AffineProduct.Init init, ClBuffer c, int m, int n, int p) {
        if (variant == Variant.BLOCKED && bSj != 1 && p > 0) {
            multiply(a, aSi, aSp, b, bSp, bSj, bias, init, c, m, n, p);
            multiply(a2, aSi, aSp, b2, bSp, bSj, null, AffineProduct.Init.ACCUMULATE, c, m, n, p);
            return;
        }
        product(MODE_CHAIN, a, a2, aSi, aSp, b, b2, bSp, bSj, bias, null, init, c, null, m, n, p);
    }

    private void product(int mode, ClBuffer a, ClBuffer a2, int aSi, int aSp, ClBuffer b, ClBuffer b2, int bSp, int bSj,
                         ClBuffer bias, ClBuffer bias2, AffineProduct.Init init, ClBuffer c, ClBuffer c2,
                         int m, int n, int p) {
        ensureOpen();
        if (m == 0 || n == 0) {
            return;
        }
        if (init == AffineProduct.Init.BIAS && (bias == null || (mode == MODE_PAIR && bias2 == null))) {
            throw new NullPointerException("bias buffer is null but init is BIAS");
        }
        if (variant == Variant.BLOCKED && bSj != 1 && p > 0) {
            // B(p, j) with contiguous rows, so that the kernel loads 16 columns at once (MODE_ONE only).
            transposed = ctx.grow(transposed, (long) p * n);
            transpose(b, bSp, bSj, transposed, n, p);
            b = transposed;
            bSp = n;
            bSj = 1;
        }
        CL.clSetKernelArg(matmul, 0, Sizeof.cl_mem, a.argument());
        setInt(matmul, 1, aSi);
        setInt(matmul, 2, aSp);
        CL.clSetKernelArg(matmul, 3, Sizeof.cl_mem, b.argument());
        setInt(matmul, 4, bSp);
        setInt(matmul, 5, bSj);
        // Unused buffer arguments still need valid buffers: c stands in.
        CL.clSetKernelArg(matmul, 6, Sizeof.cl_mem, (bias == null ? c : bias).argument());
        setInt(matmul, 7, init.code());
        CL.clSetKernelArg(matmul, 8, Sizeof.cl_mem, c.argument());
        setInt(matmul, 9, m);
        setInt(matmul, 10, n);
        setInt(matmul, 11, p);
        CL.clSetKernelArg(matmul, 12, Sizeof.cl_mem, (a2 == null ? c : a2).argument());
        CL.clSetKernelArg(matmul, 13, Sizeof.cl_mem, (b2 == null ? c : b2).argument());
        CL.clSetKernelArg(matmul, 14, Sizeof.cl_mem, (bias2 == null ? c : bias2).argument());
        CL.clSetKernelArg(matmul, 15, Sizeof.cl_mem, (c2 == null ? c : c2).argument());
        setInt(matmul, 16, mode);
        global3[2] = mode == MODE_PAIR ? 2 : 1;
        if (variant == Variant.BLOCKED) {
            global3[0] = ((long) n + BLOCK_COLUMNS - 1) / BLOCK_COLUMNS;
            global3[1] = ((long) m + BLOCK_ROWS - 1) / BLOCK_ROWS;
            launch(matmul, 3, global3, localBlocked);
        } else {
            global3[0] = groups(n) * local3[0];
            global3[1] = groups(m) * local3[1];
            launch(matmul, 3, global3, local3);
        }
    }

    /**
     * Enqueues {@code out[t * n + j] = b[t * bSp + j * bSj]} for {@code t < p}, {@code j < n}: B(p, j) with
     * contiguous rows (head_transpose), which the blocked kernel needs.
     */
    public void transpose(ClBuffer b, int bSp, int bSj, ClBuffer out, int n, int p) {
        ensureOpen();
        if (n == 0 || p == 0) {
            return;
        }
        final cl_kernel k = transpose;
        CL.clSetKernelArg(k, 0, Sizeof.cl_mem, b.argument());
        setInt(k, 1, bSp);
        setInt(k, 2, bSj);
        CL.clSetKernelArg(k, 3, Sizeof.cl_mem, out.argument());
        setInt(k, 4, n);
        setInt(k, 5, p);
        global2[0] = padded(n, localRow[0]);
        global2[1] = p;
        launch(k, 2, global2, localRow);
    }

    /** Enqueues {@code out[j] = sum_i a[i * n + j]}, i in order from 0; see {@link AffineProduct#columnSum}. */
    public void columnSum(ClBuffer a, int m, int n, ClBuffer out) {
        columnSums(a, null, m, n, out, null);
    }

    /** {@link #columnSum} of {@code a} into {@code out} and of {@code a2} (same shape) into {@code out2}, in one launch. */
    public void columnSumPair(ClBuffer a, ClBuffer a2, int m, int n, ClBuffer out, ClBuffer out2) {
        columnSums(a, a2, m, n, out, out2);
    }

    private void columnSums(ClBuffer a, ClBuffer a2, int m, int n, ClBuffer out, ClBuffer out2) {
        ensureOpen();
        if (n == 0) {
            return;
        }
        CL.clSetKernelArg(columnSum, 0, Sizeof.cl_mem, a.argument());
        setInt(columnSum, 1, m);
        setInt(columnSum, 2, n);
        CL.clSetKernelArg(columnSum, 3, Sizeof.cl_mem, out.argument());
        CL.clSetKernelArg(columnSum, 4, Sizeof.cl_mem, (a2 == null ? a : a2).argument());
        CL.clSetKernelArg(columnSum, 5, Sizeof.cl_mem, (out2 == null ? out : out2).argument());
        final long items = ((long) n + BLOCK_COLUMNS - 1) / BLOCK_COLUMNS;     // 16 columns per work-item
        global2[0] = variant == Variant.BLOCKED ? items : padded(items, localRow[0]);
        global2[1] = a2 == null ? 1 : 2;
        launch(columnSum, 2, global2, variant == Variant.BLOCKED ? localBlocked2 : localRow);
    }

    private void launch(cl_kernel k, int dims, long[] global, long[] local) {
        try {
            CL.clEnqueueNDRangeKernel(ctx.queue(), k, dims, null, global, local, 0, null, ctx.launchEvent());
        } catch (CLException e) {
            throw new ClMemoryException("kernel launch failed on " + ctx.device().deviceName() + ": " + e.getMessage(), e);
        }
    }

    private void setInt(cl_kernel k, int index, int v) {
        intArg[0] = v;
        CL.clSetKernelArg(k, index, Sizeof.cl_int, intPtr);
    }

    /** Its kernels are released once this or the context is closed: launching them would crash in the driver. */
    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("affine product is closed");
        }
        if (ctx.isClosed()) {
            throw new IllegalStateException("affine product's OpenCL context is closed");
        }
    }

    /** Releases the kernels and the scratch. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        ctx.release(matmul);
        if (transpose != null) {
            ctx.release(transpose);
        }
        ctx.release(columnSum);
        if (transposed != null) {
            transposed.close();
            transposed = null;
        }
    }

    /** {@code v} rounded up to a multiple of {@code g}. */
    private static long padded(long v, long g) {
        return (v + g - 1) / g * g;
    }

    /** Work-groups of head_matmul along an extent of c. */
    private long groups(int v) {
        return ((long) v + tile - 1) / tile;
    }
}
