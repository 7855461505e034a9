package org.reparamcl.opencl;

import static org.jocl.CL.CL_TRUE;

import org.jocl.CL;
import org.jocl.Pointer;
import org.reparamcl.NoiseMode;
import org.reparamcl.Parameterization;
import org.reparamcl.ReparamSpec;

/**
 * The reparameterized passes on one OpenCL context: the kernels of {@code kernels/reparam.cl}
 * with preallocated arguments, the scratch buffers of the blocked sums (grown on demand, then
 * reused), and the host-array staging buffers. Its owner ({@link OpenClBackend}) holds the lock
 * around every call and checks that it is open.
 *
 * <p>In steady state (same or smaller shapes) a device-buffer call allocates no device memory,
 * builds nothing and does not wait, except for the value check (when the spec asks for it), which
 * reads one word back before the pass is enqueued so that nothing is written on rejection.
 */
final class ClReparam {
    /** Backward flags, as in reparam.cl. */
    static final int READ_EPS = 1;
    static final int KL = 2;
    static final int LOGQ = 4;
    static final int ACCUMULATE = 8;

    private static final int BLOCK = ReparamSpec.SUM_BLOCK;
    /** Staging roles of the host-array calls. */
    private static final int MU = 0;
    private static final int RHO = 1;
    private static final int Z = 2;
    private static final int EPS = 3;
    private static final int KL_OUT = 4;
    private static final int LOGQ_OUT = 5;
    private static final int GRAD_Z = 6;
    private static final int GRAD_KL = 7;
    private static final int GRAD_LOGQ = 8;
    private static final int GRAD_MU = 9;
    private static final int GRAD_RHO = 10;

    private final ClContext ctx;
    private ClKernel forward;
    private ClKernel sigmaKernel;
    private ClKernel rowBlocks;
    private ClKernel rowSums;
    private ClKernel stridedSums;
    private ClKernel backward;
    private ClKernel forwardRoof;
    private ClKernel backwardRoof;
    /** One word: the value check's result, and the stand-in for absent optional buffers. */
    private ClBuffer flag;
    private final int[] flagHost = new int[1];
    private final int[] flagReset = {-1};
    private final float[] zero = {0.0f};
    private ClBuffer rowPartials;
    private ClBuffer backwardPartials;
    private ClBuffer slq;
    private ClBuffer sigma;
    private final ClBuffer[] staging = new ClBuffer[11];
    private final int[] key = new int[4];
    /**
     * The backward pass splits its rows over work-items (partials plus a second kernel) when it
     * has more than one row block and fewer parameter chunks of 64 than this; otherwise one
     * work-item walks all rows of its chunk. Both give the same bits. Package-private for tests.
     */
    long splitBelowChunks = SPLIT_BELOW_CHUNKS;
    static final long SPLIT_BELOW_CHUNKS = 512;

    ClReparam(ClContext ctx) {
        this.ctx = ctx;
    }

    private void kernels() {
        if (forward != null) {
            return;
        }
        flag = ctx.allocate(4);
        forward = new ClKernel(ctx, "reparam_forward");
        sigmaKernel = new ClKernel(ctx, "reparam_sigma");
        rowBlocks = new ClKernel(ctx, "reparam_row_blocks");
        rowSums = new ClKernel(ctx, "reparam_row_sums");
        stridedSums = new ClKernel(ctx, "reparam_strided_sums");
        backward = new ClKernel(ctx, "reparam_backward");
        forwardRoof = new ClKernel(ctx, "reparam_forward_roof");
        backwardRoof = new ClKernel(ctx, "reparam_backward_roof");
    }

    // ---------------------------------------------------------------- device buffers

    void forward(ReparamSpec spec, ClBuffer mu, ClBuffer rho, ClBuffer z, ClBuffer eps, ClBuffer kl, ClBuffer logProb) {
        requireBuffer("mu", mu, spec.paramElements(), true);
        requireBuffer("rho", rho, spec.paramElements(), true);
        requireBuffer("z", z, spec.elements(), true);
        requireBuffer("eps", eps, spec.elements(), spec.noiseMode() == NoiseMode.STORE);
        requireBuffer("kl", kl, spec.paramRows(), false);
        requireBuffer("logProb", logProb, spec.sampleRows(), false);
        requireDistinct(new ClBuffer[] {z, eps, kl, logProb}, new String[] {"z", "eps", "kl", "logProb"},
                new ClBuffer[] {mu, rho}, new String[] {"mu", "rho"});
        kernels();
        if (spec.checkValues()) {
            checkValues(spec, mu, rho);
        }
        final long n = spec.elements();
        final int[] key = key(spec);
        if (n > 0) {
            final long np = spec.paramElements();
            final long offset = spec.offset();
            final int phase = (int) (offset & 3);
            ClBuffer scale = rho;
            int param = spec.parameterization().ordinal();
            if (param != Parameterization.SIGMA.ordinal() && spec.reductionRows() > 1) {
                // Each sigma is used by several rows: compute it once (same bits), then sample with sigma = rho.
                sigma = grow(sigma, np);
                sigmaKernel.arg(0, mu).arg(1, rho).arg(2, sigma).arg(3, flag).arg(4, np).arg(5, param).arg(6, 0);
                sigmaKernel.launch((np + BLOCK - 1) / BLOCK);
                scale = sigma;
                param = Parameterization.SIGMA.ordinal();
            }
            forward.arg(0, mu).arg(1, scale).arg(2, z).arg(3, eps == null ? z : eps)
                    .arg(4, n).arg(5, np).arg(6, offset >>> 2).arg(7, phase)
                    .arg(8, key[0]).arg(9, key[1]).arg(10, key[2]).arg(11, key[3])
                    .arg(12, param).arg(13, eps == null ? 0 : 1);
            forward.launch((phase + n + 63) / 64);
        }
        if (kl != null) {
            rowSums(spec, true, mu, rho, null, kl, spec.paramRows());
        }
        if (logProb != null) {
            rowSums(spec, false, mu, rho, eps, logProb, spec.sampleRows());
        }
    }

    /**
     * out[0 .. rows) = the blocked sums over d of KL terms (parameter rows) or log q terms (drawn
     * rows, eps read when given, else regenerated): block sums, then the row totals when a row
     * has more than one block.
     */
    private void rowSums(ReparamSpec spec, boolean kl, ClBuffer mu, ClBuffer rho, ClBuffer eps, ClBuffer out, long rows) {
        if (rows == 0) {
            return;
        }
        final long nblocks = blocks(spec.dim());
        if (nblocks == 0) {
            CL.clEnqueueFillBuffer(ctx.queue(), out.mem(), Pointer.to(zero), 4, 0, 4L * rows, 0, null, null);
            return;
        }
        final ClBuffer partials = nblocks == 1 ? out : (rowPartials = grow(rowPartials, rows * nblocks));
        final int[] k = key(spec);
        rowBlocks.arg(0, mu).arg(1, rho).arg(2, eps == null ? flag : eps).arg(3, partials).arg(4, spec.dim())
                .arg(5, nblocks).arg(6, rows).arg(7, spec.rows()).arg(8, spec.broadcast() ? 1 : 0)
                .arg(9, spec.parameterization().ordinal()).arg(10, kl ? 1 : 0).arg(11, eps == null ? 0 : 1)
                .arg(12, spec.offset()).arg(13, k[0]).arg(14, k[1]).arg(15, k[2]).arg(16, k[3]);
        rowBlocks.launch(rows * nblocks);
        if (nblocks > 1) {
            rowSums.arg(0, rowPartials).arg(1, out).arg(2, nblocks).arg(3, rows);
            rowSums.launch(rows);
        }
    }

    void backward(ReparamSpec spec, ClBuffer mu, ClBuffer rho, ClBuffer eps, ClBuffer gz, ClBuffer gkl, ClBuffer glq,
                  ClBuffer gmu, ClBuffer grho, boolean accumulate) {
        requireBuffer("mu", mu, spec.paramElements(), true);
        requireBuffer("rho", rho, spec.paramElements(), true);
        spec.requireEps(eps != null);
        requireBuffer("eps", eps, spec.elements(), false);
        requireBuffer("gradZ", gz, spec.elements(), true);
        requireBuffer("gradKl", gkl, spec.paramRows(), false);
        requireBuffer("gradLogProb", glq, spec.sampleRows(), false);
        requireBuffer("gradMu", gmu, spec.paramElements(), true);
        requireBuffer("gradRho", grho, spec.paramElements(), true);
        requireDistinct(new ClBuffer[] {gmu, grho}, new String[] {"gradMu", "gradRho"},
                new ClBuffer[] {mu, rho, eps, gz, gkl, glq}, new String[] {"mu", "rho", "eps", "gradZ", "gradKl", "gradLogProb"});
        kernels();
        if (spec.checkValues()) {
            checkValues(spec, mu, rho);
        }
        final long np = spec.paramElements();
        if (np == 0) {
            return;
        }
        final long rows = spec.reductionRows();
        final long prow = spec.paramRows();
        final int flags = (eps != null ? READ_EPS : 0) | (gkl != null ? KL : 0) | (glq != null ? LOGQ : 0)
                | (accumulate ? ACCUMULATE : 0);
        if (glq != null) {
            slq = grow(slq, prow);
            stridedSums.arg(0, glq).arg(1, slq).arg(2, rows).arg(3, prow);
            stridedSums.launch(prow);
        }
        final long shift = np % 4 == 0 ? spec.offset() & 3 : 0;
        final long nchunks = (np + shift + BLOCK - 1) / BLOCK;
        final long groups = (rows + BLOCK - 1) / BLOCK;
        final boolean split = groups > 1 && nchunks < splitBelowChunks;
        final int[] key = key(spec);
        final ClBuffer slqArg = glq != null ? slq : flag;
        ClBuffer part = flag;
        if (split) {
            backwardPartials = grow(backwardPartials, Math.multiplyExact(2 * groups, np));
            part = backwardPartials;
        }
        backward.arg(0, mu).arg(1, rho).arg(2, gz).arg(3, eps == null ? flag : eps).arg(4, gkl == null ? flag : gkl)
                .arg(5, slqArg).arg(6, gmu).arg(7, grho).arg(8, part)
                .arg(9, np).arg(10, rows).arg(11, spec.dim()).arg(12, shift).arg(13, nchunks).arg(14, groups)
                .arg(15, split ? 1 : 0).arg(16, spec.offset())
                .arg(17, key[0]).arg(18, key[1]).arg(19, key[2]).arg(20, key[3])
                .arg(21, spec.parameterization().ordinal()).arg(22, flags);
        backward.launch(split ? groups * nchunks : nchunks);
        if (split) {
            backward.arg(15, 2);                  // the totals and the finish, same arguments
            backward.launch(nchunks);
        }
    }

    /** out[p] = sigma(rho[p]) for the spec's parameter elements. */
    void sigma(ReparamSpec spec, ClBuffer rho, ClBuffer out) {
        requireBuffer("rho", rho, spec.paramElements(), true);
        requireBuffer("sigma", out, spec.paramElements(), true);
        requireDistinct(new ClBuffer[] {out}, new String[] {"sigma"}, new ClBuffer[] {rho}, new String[] {"rho"});
        kernels();
        final long np = spec.paramElements();
        sigmaKernel.arg(0, rho).arg(1, rho).arg(2, out).arg(3, flag).arg(4, np)
                .arg(5, spec.parameterization().ordinal()).arg(6, 0);
        sigmaKernel.launch((np + BLOCK - 1) / BLOCK);
    }

    void forwardRoof(ReparamSpec spec, ClBuffer mu, ClBuffer rho, ClBuffer z) {
        requireBuffer("mu", mu, spec.paramElements(), true);
        requireBuffer("rho", rho, spec.paramElements(), true);
        requireBuffer("z", z, spec.elements(), true);
        kernels();
        final long n = spec.elements();
        final int phase = (int) (spec.offset() & 3);
        forwardRoof.arg(0, mu).arg(1, rho).arg(2, z).arg(3, n).arg(4, spec.paramElements()).arg(5, phase);
        forwardRoof.launch(n == 0 ? 0 : (phase + n + 63) / 64);
    }

    void backwardRoof(ReparamSpec spec, ClBuffer mu, ClBuffer rho, ClBuffer gz, ClBuffer gmu, ClBuffer grho) {
        requireBuffer("mu", mu, spec.paramElements(), true);
        requireBuffer("rho", rho, spec.paramElements(), true);
        requireBuffer("gradZ", gz, spec.elements(), true);
        requireBuffer("gradMu", gmu, spec.paramElements(), true);
        requireBuffer("gradRho", grho, spec.paramElements(), true);
        kernels();
        final long np = spec.paramElements();
        final long shift = np % 4 == 0 ? spec.offset() & 3 : 0;
        final long nchunks = (np + shift + BLOCK - 1) / BLOCK;
        backwardRoof.arg(0, mu).arg(1, rho).arg(2, gz).arg(3, gmu).arg(4, grho).arg(5, np).arg(6, spec.reductionRows())
                .arg(7, shift).arg(8, nchunks);
        backwardRoof.launch(np == 0 ? 0 : nchunks);
    }

    /**
     * The device-side value check: one kernel over the parameters marks the least bad 64-element
     * chunk, one word comes back (the call's wait), and on a hit the chunk is read to name the element.
     */
    private void checkValues(ReparamSpec spec, ClBuffer mu, ClBuffer rho) {
        final long np = spec.paramElements();
        if (np == 0) {
            return;
        }
        final long chunks = (np + BLOCK - 1) / BLOCK;
        if (chunks >= 0xFFFFFFFFL) {
            throw new IllegalArgumentException("the value check handles at most 2^38 parameter elements, got " + np);
        }
        CL.clEnqueueFillBuffer(ctx.queue(), flag.mem(), Pointer.to(flagReset), 4, 0, 4, 0, null, null);
        sigmaKernel.arg(0, mu).arg(1, rho).arg(2, flag).arg(3, flag).arg(4, np)
                .arg(5, spec.parameterization().ordinal()).arg(6, 1);
        sigmaKernel.launch(chunks);
        CL.clEnqueueReadBuffer(ctx.queue(), flag.mem(), CL_TRUE, 0, 4, Pointer.to(flagHost), 0, null, null);
        if (flagHost[0] == -1) {
            return;
        }
        final long first = BLOCK * (flagHost[0] & 0xFFFFFFFFL);
        final int len = (int) Math.min(BLOCK, np - first);
        final float[] m = new float[len];
        final float[] r = new float[len];
        CL.clEnqueueReadBuffer(ctx.queue(), mu.mem(), CL_TRUE, 4 * first, 4L * len, Pointer.to(m), 0, null, null);
        CL.clEnqueueReadBuffer(ctx.queue(), rho.mem(), CL_TRUE, 4 * first, 4L * len, Pointer.to(r), 0, null, null);
        for (int j = 0; j < len; j++) {
            if (!Float.isFinite(m[j]) || spec.parameterization().rejectionOf(r[j]) != null) {
                throw spec.invalidParameter(first + j, m[j], r[j]);
            }
        }
        throw new IllegalStateException("the device value check flagged parameter elements " + first + " .. "
                + (first + len - 1) + " but the host finds none bad");
    }

    // ---------------------------------------------------------------- host arrays

    void forward(ReparamSpec spec, float[] mu, float[] rho, float[] z, float[] eps, float[] kl, float[] logProb) {
        spec.requireForwardArrays(mu, rho, z, eps, kl, logProb);
        spec.requireValidParameters(mu, rho);
        kernels();
        final ReparamSpec dev = spec.checkValues() ? spec.toBuilder().checkValues(false).build() : spec;
        final ClBuffer dMu = upload(MU, mu);
        final ClBuffer dRho = upload(RHO, rho);
        final ClBuffer dZ = stage(Z, z.length);
        final ClBuffer dEps = eps == null ? null : stage(EPS, eps.length);
        final ClBuffer dKl = kl == null ? null : stage(KL_OUT, kl.length);
        final ClBuffer dLq = logProb == null ? null : stage(LOGQ_OUT, logProb.length);
        forward(dev, dMu, dRho, dZ, dEps, dKl, dLq);
        download(dZ, z);
        download(dEps, eps);
        download(dKl, kl);
        download(dLq, logProb);
    }

    void backward(ReparamSpec spec, float[] mu, float[] rho, float[] eps, float[] gz, float[] gkl, float[] glq,
                  float[] gmu, float[] grho, boolean accumulate) {
        spec.requireBackwardArrays(mu, rho, eps, gz, gkl, glq, gmu, grho);
        spec.requireValidParameters(mu, rho);
        kernels();
        final ReparamSpec dev = spec.checkValues() ? spec.toBuilder().checkValues(false).build() : spec;
        final ClBuffer dMu = upload(MU, mu);
        final ClBuffer dRho = upload(RHO, rho);
        final ClBuffer dEps = eps == null ? null : upload(EPS, eps);
        final ClBuffer dGz = upload(GRAD_Z, gz);
        final ClBuffer dGkl = gkl == null ? null : upload(GRAD_KL, gkl);
        final ClBuffer dGlq = glq == null ? null : upload(GRAD_LOGQ, glq);
        final ClBuffer dGmu = accumulate ? upload(GRAD_MU, gmu) : stage(GRAD_MU, gmu.length);
        final ClBuffer dGrho = accumulate ? upload(GRAD_RHO, grho) : stage(GRAD_RHO, grho.length);
        backward(dev, dMu, dRho, dEps, dGz, dGkl, dGlq, dGmu, dGrho, accumulate);
        download(dGmu, gmu);
        download(dGrho, grho);
    }

    /** The staging buffer of a role with room for n floats (each role its own, even when n is 0). */
    private ClBuffer stage(int role, int n) {
        staging[role] = grow(staging[role], n);
        return staging[role];
    }

    private ClBuffer upload(int role, float[] src) {
        final ClBuffer b = stage(role, src.length);
        if (src.length > 0) {
            CL.clEnqueueWriteBuffer(ctx.queue(), b.mem(), CL_TRUE, 0, 4L * src.length, Pointer.to(src), 0, null, null);
        }
        return b;
    }

    private void download(ClBuffer src, float[] dst) {
        if (dst != null && dst.length > 0) {
            CL.clEnqueueReadBuffer(ctx.queue(), src.mem(), CL_TRUE, 0, 4L * dst.length, Pointer.to(dst), 0, null, null);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** b, or a new buffer of at least n floats (the old one released) when b is smaller. */
    private ClBuffer grow(ClBuffer b, long n) {
        if (b != null && b.capacity32() >= n) {
            return b;
        }
        if (b != null) {
            b.close();
        }
        return ctx.allocate(4 * Math.max(n, 1));
    }

    private static long blocks(long dim) {
        return (dim + BLOCK - 1) / BLOCK;
    }

    /** The kernel key words (low32(seed), high32(seed), low32(stream), high32(stream)) of a spec. */
    private int[] key(ReparamSpec spec) {
        key[0] = (int) spec.seed();
        key[1] = (int) (spec.seed() >>> 32);
        key[2] = (int) spec.stream();
        key[3] = (int) (spec.stream() >>> 32);
        return key;
    }

    private void requireBuffer(String name, ClBuffer b, long elements, boolean required) {
        if (b == null) {
            if (required) {
                throw new NullPointerException(name + " buffer is null");
            }
            return;
        }
        if (b.owner() != ctx) {
            throw new IllegalArgumentException(name + " buffer belongs to another OpenCL context");
        }
        if (b.isClosed()) {
            throw new IllegalStateException(name + " buffer is closed");
        }
        if (b.capacity32() < elements) {
            throw new IllegalArgumentException(name + " buffer holds " + b.capacity32() + " floats, the call needs " + elements);
        }
    }

    private static void requireDistinct(ClBuffer[] outs, String[] outNames, ClBuffer[] ins, String[] inNames) {
        for (int i = 0; i < outs.length; i++) {
            if (outs[i] == null) {
                continue;
            }
            for (int j = i + 1; j < outs.length; j++) {
                if (outs[i] == outs[j]) {
                    throw new IllegalArgumentException(outNames[i] + " and " + outNames[j] + " are the same buffer");
                }
            }
            for (int j = 0; j < ins.length; j++) {
                if (outs[i] == ins[j]) {
                    throw new IllegalArgumentException(outNames[i] + " and " + inNames[j] + " are the same buffer");
                }
            }
        }
    }
}
