package org.reparamcl.opencl;

import java.util.Arrays;
import java.util.Objects;

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
 *
 * <p>Host-array calls hold at most {@link #hostBudgetBytes} of device memory (staging and
 * scratch), no buffer larger than the device's maximum allocation: a call that needs more is
 * streamed in pieces with the same bits (docs/RELIABILITY.md): the forward pass by samples, rows
 * or (without KL and log q) runs within a row; the backward pass by groups of 64 rows whose block
 * sums are added on the host in the documented order before one finishing launch, or, for K = 1
 * without broadcast, by parameter rows.
 */
final class ClReparam {
    /** Backward flags, as in reparam.cl. */
    static final int READ_EPS = 1;
    static final int KL = 2;
    static final int LOGQ = 4;
    static final int ACCUMULATE = 8;

    /** reparam_sigma's check argument (RP_CHECK_* in kernels/reparam.cl); 0 computes sigma. */
    private static final int CHECK_VALUES = 1;
    private static final int CHECK_KL_GRADIENT = 2;
    private static final int CHECK_LOGQ_GRADIENT = 4;

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
    private ClKernel forwardExtras;
    private ClKernel forwardRows;
    private ClKernel sigmaKernel;
    private ClKernel sigmaLog;
    private ClKernel tile;
    private ClKernel backwardShort;
    private ClKernel rowBlocks;
    private ClKernel rowSums;
    private ClKernel stridedSums;
    private ClKernel backward;
    private ClKernel forwardRoof;
    private ClKernel backwardRoof;
    private ClKernel backwardElementwise;
    private ClKernel backwardElementwiseRoof;
    /** One word: the value check's result, and the stand-in for absent optional buffers. */
    private ClBuffer flag;
    private final int[] flagHost = new int[1];
    private final Pointer flagHostPointer = Pointer.to(flagHost);
    private final Pointer flagReset = Pointer.to(new int[] {-1});
    private final Pointer zero = Pointer.to(new float[] {0.0f});
    /** Scratch of requireDistinct: the call's outputs and inputs (calls are serialized by the backend). */
    private final ClBuffer[] outs = new ClBuffer[4];
    private final ClBuffer[] ins = new ClBuffer[6];
    private ClBuffer rowPartials;
    /** KL block sums of the fused forward path, which fills them beside rowPartials (log q). */
    private ClBuffer klPartials;
    private ClBuffer backwardPartials;
    private ClBuffer slq;
    private ClBuffer sigma;
    /** log sigma per parameter element for the fused forward path when drawn rows share parameters. */
    private ClBuffer logSigma;
    /** mu tiled to np + 64 floats for short parameter arrays that runs wrap around (sigma and logSigma beside it). */
    private ClBuffer muTiled;
    private final ClBuffer[] staging = new ClBuffer[11];
    private final int[] key = new int[4];
    /**
     * The backward pass splits its rows over work-items (partials plus a second kernel) when it
     * has more than one row block and fewer parameter chunks of 64 than this; otherwise one
     * work-item walks all rows of its chunk. Both give the same bits. Package-private for tests.
     */
    long splitBelowChunks = SPLIT_BELOW_CHUNKS;
    static final long SPLIT_BELOW_CHUNKS = 512;

    /**
     * Device bytes a host-array call may hold: half the device's global memory. Package-private:
     * tests lower it to force streaming.
     */
    long hostBudgetBytes;
    /** Pieces run by streamed host-array calls so far (tests check that streaming happened). */
    long streamedPieces;
    /** Backward calls that took the short-parameter block sums (reparam_backward_short; tests check). */
    long shortBackwards;
    /** Forward calls that computed KL or log q in the forward kernel (tests check the fused path ran). */
    long fusedForwards;

    ClReparam(ClContext ctx) {
        this.ctx = ctx;
        this.hostBudgetBytes = ctx.device().globalMemBytes() / 2;
    }

    private void kernels() {
        if (flag == null) {
            flag = ctx.allocate(4);               // (again after releaseScratch)
        }
        if (forward != null) {
            return;
        }
        forward = new ClKernel(ctx, "reparam_forward");
        forwardExtras = new ClKernel(ctx, "reparam_forward_extras");
        forwardRows = new ClKernel(ctx, "reparam_forward_rows");
        sigmaKernel = new ClKernel(ctx, "reparam_sigma");
        sigmaLog = new ClKernel(ctx, "reparam_sigma_log");
        tile = new ClKernel(ctx, "reparam_tile");
        backwardShort = new ClKernel(ctx, "reparam_backward_short");
        rowBlocks = new ClKernel(ctx, "reparam_row_blocks");
        rowSums = new ClKernel(ctx, "reparam_row_sums");
        stridedSums = new ClKernel(ctx, "reparam_strided_sums");
        backward = new ClKernel(ctx, "reparam_backward");
        backwardElementwise = new ClKernel(ctx, "reparam_backward_elementwise");
        backwardElementwiseRoof = new ClKernel(ctx, "reparam_backward_elementwise_roof");
        forwardRoof = new ClKernel(ctx, "reparam_forward_roof");
        backwardRoof = new ClKernel(ctx, "reparam_backward_roof");
    }

    // ---------------------------------------------------------------- device buffers

    void forward(ReparamSpec spec, ClBuffer mu, ClBuffer rho, ClBuffer z, ClBuffer eps, ClBuffer kl, ClBuffer logProb) {
        Objects.requireNonNull(spec, "spec is null");
        requireBuffer("mu", mu, spec.paramElements(), true);
        requireBuffer("rho", rho, spec.paramElements(), true);
        requireBuffer("z", z, spec.elements(), true);
        if (eps == null && spec.noiseMode() == NoiseMode.STORE) {
            throw new NullPointerException(ReparamSpec.STORE_FORWARD_NEEDS_EPS);
        }
        requireBuffer("eps", eps, spec.elements(), false);
        requireBuffer("kl", kl, spec.paramRows(), false);
        requireBuffer("logProb", logProb, spec.sampleRows(), false);
        outs[0] = z;
        outs[1] = eps;
        outs[2] = kl;
        outs[3] = logProb;
        ins[0] = mu;
        ins[1] = rho;
        requireDistinct(FORWARD_OUTS, FORWARD_INS);
        kernels();
        if (spec.checkValues()) {
            checkValues(spec, mu, rho, false, false);
        }
        final long n = spec.elements();
        final int[] key = key(spec);
        if (fusesExtras(spec, kl != null, logProb != null)) {
            forwardExtras(spec, mu, rho, z, eps, kl, logProb);
            return;
        }
        if (fusesExtrasByRows(spec, kl != null, logProb != null)) {
            forwardRows(spec, mu, rho, z, eps, kl, logProb);
            return;
        }
        if (n > 0) {
            final long np = spec.paramElements();
            final long offset = spec.offset();
            final int phase = (int) (offset & 3);
            ClBuffer muArg = mu;
            ClBuffer scale = rho;
            int param = spec.parameterization().ordinal();
            long plen = np;
            if (tiles(spec)) {
                // Runs wrap around a short parameter array: mu and sigma tiled, every run loads vectors (same bits).
                plen = tile(spec, mu, rho, false);
                muArg = muTiled;
                scale = sigma;
                param = Parameterization.SIGMA.ordinal();
            } else if (param != Parameterization.SIGMA.ordinal() && spec.reductionRows() > 1) {
                // Each sigma is used by several rows: compute it once (same bits), then sample with sigma = rho.
                sigma = grow(sigma, np);
                sigmaKernel.arg(0, mu).arg(1, rho).arg(2, sigma).arg(3, flag).arg(4, np).arg(5, param).arg(6, 0);
                sigmaKernel.launch((np + BLOCK - 1) / BLOCK);
                scale = sigma;
                param = Parameterization.SIGMA.ordinal();
            }
            forward.arg(0, muArg).arg(1, scale).arg(2, z).arg(3, eps == null ? z : eps)
                    .arg(4, n).arg(5, np).arg(6, offset >>> 2).arg(7, phase)
                    .arg(8, key[0]).arg(9, key[1]).arg(10, key[2]).arg(11, key[3])
                    .arg(12, param).arg(13, eps == null ? 0 : 1)
                    .arg(14, eps == null ? ctx.streamingStoresAfterGenerator(4L * n) : ctx.streamingStores(8L * n))
                    .arg(15, plen);
            forward.launch((phase + n + 63) / 64);
        }
        if (kl != null) {
            klSums(spec, mu, rho, kl);
        }
        if (logProb != null && n > 0) {
            throw new IllegalStateException("log q of " + spec + " did not take a fused forward path");
        }
        if (logProb != null && spec.sampleRows() > 0) {
            // log q always fuses when there are elements (fusesExtras or fusesExtrasByRows): here D = 0
            ctx.fill(logProb, zero, 4, 0, 4L * spec.sampleRows());
        }
    }

    /**
     * Whether the backward pass sums rows with reparam_backward_short: several rows per parameter
     * element and np below 64 (a power of two with the offset a multiple of 4 or stored eps: a
     * run holds 64 / np whole rows; otherwise rows are staged across runs, which start where the
     * eps are whole Philox blocks). Otherwise each row would fill np of a work-item's 64 lanes and
     * generate 64 eps for them.
     */
    static boolean shortRows(ReparamSpec spec) {
        final long np = spec.paramElements();
        return spec.reductionRows() > 1 && np > 0 && np < BLOCK;
    }

    /** Row blocks per work-item of reparam_backward_short for np = 1 and 2 with generated eps at a phase. */
    static final int SHORT_RUN_BLOCKS = 8;

    /** The fewest runs a work-item of reparam_forward_extras walks at an offset that is not a multiple of 4. */
    static final int PHASE_RUNS = 8;

    /** Parameter arrays up to this many floats are tiled when the forward pass's runs wrap around them. */
    static final long TILE_MAX = 4096;

    /**
     * Whether the forward kernels read tiled parameters (reparam_tile): the call passes over a
     * short parameter array several times (broadcast rows, or K > 1 with small B D), and its runs
     * wrap around it (np not a multiple of 64, or an offset not a multiple of 4). Each such run
     * would otherwise gather its 64 parameters one by one.
     */
    static boolean tiles(ReparamSpec spec) {
        final long np = spec.paramElements();
        return np > 0 && np <= TILE_MAX && spec.elements() > np && (np % BLOCK != 0 || (spec.offset() & 3) != 0);
    }

    /**
     * muTiled, sigma and, when withLog, logSigma = mu, sigma(rho) and log sigma(rho) tiled to
     * np + 64 floats (element i from parameter element i mod np); returns that length.
     */
    private long tile(ReparamSpec spec, ClBuffer mu, ClBuffer rho, boolean withLog) {
        final long np = spec.paramElements();
        final long len = np + BLOCK;
        muTiled = grow(muTiled, len);
        sigma = grow(sigma, len);
        if (withLog) {
            logSigma = grow(logSigma, len);
        }
        tile.arg(0, mu).arg(1, rho).arg(2, muTiled).arg(3, sigma).arg(4, withLog ? logSigma : sigma).arg(5, np)
                .arg(6, len).arg(7, spec.parameterization().ordinal()).arg(8, withLog ? 1 : 0);
        tile.launch((len + BLOCK - 1) / BLOCK);
        return len;
    }

    /**
     * Whether a forward call computes its KL and log q in the forward kernel
     * (reparam_forward_extras): when it asks for one, its 64-element runs are whole sum blocks (D a
     * multiple of 64 and the offset a multiple of 4) or hold the starts of whole rows (D below 64,
     * any offset; the runs may wrap around the parameters, which the kernel then gathers) and,
     * when it asks only for KL, every drawn row has its own parameter row (K = 1, no broadcast).
     * KL alone with shared parameters keeps the two-kernel path (the plain forward pass, then KL
     * over the B D parameter elements): fused, it measured slower at K = 16 with sigma (D = 16:
     * 2.1e9 against 2.5e9 elements/s; D = 1024: 2.1e9 against 3.1e9) and with softplus at D = 1024,
     * faster only with softplus at D = 16 (PoCL, 2026-12-07). The bits are the same either way.
     */
    static boolean fusesExtras(ReparamSpec spec, boolean kl, boolean lq) {
        final long d = spec.dim();
        final boolean runs = d < BLOCK || (d % BLOCK == 0 && (spec.offset() & 3) == 0);
        return (kl || lq) && spec.elements() > 0 && runs && (lq || spec.reductionRows() == 1);
    }

    /**
     * Whether a forward call that {@link #fusesExtras} does not take computes its KL and log q in
     * reparam_forward_rows, which walks each sum block of 16 rows at the block's own alignment: D
     * of 64 or more that is not a multiple of 64, or a multiple of 64 at an offset that is not a
     * multiple of 4; as there, when log q is asked for or each drawn row has its own parameter row.
     */
    static boolean fusesExtrasByRows(ReparamSpec spec, boolean kl, boolean lq) {
        return (kl || lq) && spec.elements() > 0 && !fusesExtras(spec, kl, lq) && (lq || spec.reductionRows() == 1);
    }

    /** The fused forward path by sum blocks of 16 rows: z (and eps) with their KL and log q block sums, then the row totals. */
    private void forwardRows(ReparamSpec spec, ClBuffer mu, ClBuffer rho, ClBuffer z, ClBuffer eps, ClBuffer kl,
                             ClBuffer logProb) {
        final long np = spec.paramElements();
        final long dim = spec.dim();
        final long nblocks = blocks(dim);
        final long rows = spec.sampleRows();
        final int[] key = key(spec);
        final boolean pre = spec.reductionRows() > 1;
        ClBuffer muArg = mu;
        ClBuffer scale = rho;
        int param = spec.parameterization().ordinal();
        long plen = np;
        if (pre) {
            // sigma and log sigma once per parameter element (same bits), in arrays 64 floats longer
            // than the parameters (tiled, mu too), so that short blocks load whole vectors
            plen = tile(spec, mu, rho, true);
            muArg = muTiled;
            scale = sigma;
            param = Parameterization.SIGMA.ordinal();
        }
        ClBuffer klOut = kl;
        ClBuffer lqOut = logProb;
        if (nblocks > 1) {
            if (kl != null) {
                klOut = klPartials = grow(klPartials, spec.paramRows() * nblocks);
            }
            if (logProb != null) {
                lqOut = rowPartials = grow(rowPartials, rows * nblocks);
            }
        }
        final int shifted = ((spec.offset() | dim) & 3) != 0 ? 1 : 0;
        final long n = spec.elements();
        forwardRows.arg(0, muArg).arg(1, scale).arg(2, z).arg(3, eps == null ? z : eps)
                .arg(4, klOut == null ? flag : klOut).arg(5, lqOut == null ? flag : lqOut).arg(6, pre ? logSigma : flag)
                .arg(7, rows).arg(8, dim).arg(9, nblocks).arg(10, spec.paramRows()).arg(11, plen).arg(12, spec.offset())
                .arg(13, key[0]).arg(14, key[1]).arg(15, key[2]).arg(16, key[3])
                .arg(17, param).arg(18, eps == null ? 0 : 1)
                .arg(19, eps == null ? ctx.streamingStoresAfterGenerator(4L * n) : ctx.streamingStores(8L * n))
                .arg(20, kl == null ? 0 : 1).arg(21, logProb == null ? 0 : 1).arg(22, pre ? 1 : 0).arg(23, shifted);
        forwardRows.launch((rows + 15) / 16 * nblocks);
        if (nblocks > 1) {
            if (kl != null) {
                rowTotals(klPartials, kl, nblocks, spec.paramRows());
            }
            if (logProb != null) {
                rowTotals(rowPartials, logProb, nblocks, rows);
            }
        }
        fusedForwards++;
    }

    /** out[r] = the left-to-right total of the nblocks block sums part[r nblocks ..] of each of rows rows. */
    private void rowTotals(ClBuffer part, ClBuffer out, long nblocks, long rows) {
        rowSums.arg(0, part).arg(1, out).arg(2, nblocks).arg(3, rows);
        rowSums.launch(rows);
    }

    /** The fused forward path: z (and eps), with the KL and log q block sums of each run, then the row totals. */
    private void forwardExtras(ReparamSpec spec, ClBuffer mu, ClBuffer rho, ClBuffer z, ClBuffer eps, ClBuffer kl,
                               ClBuffer logProb) {
        final long n = spec.elements();
        final long np = spec.paramElements();
        final long nblocks = Math.max(1, spec.dim() / BLOCK);
        final int[] key = key(spec);
        // Several drawn rows per parameter row: sigma and log sigma once per parameter element (same bits).
        final boolean pre = spec.reductionRows() > 1;
        ClBuffer muArg = mu;
        ClBuffer scale = rho;
        int param = spec.parameterization().ordinal();
        long plen = np;
        if (tiles(spec)) {                         // implies pre (n > np)
            plen = tile(spec, mu, rho, true);
            muArg = muTiled;
            scale = sigma;
            param = Parameterization.SIGMA.ordinal();
        } else if (pre) {
            final boolean writeSigma = param != Parameterization.SIGMA.ordinal();
            logSigma = grow(logSigma, np);
            if (writeSigma) {
                sigma = grow(sigma, np);
                scale = sigma;
            }
            sigmaLog.arg(0, rho).arg(1, writeSigma ? sigma : logSigma).arg(2, logSigma).arg(3, np).arg(4, param)
                    .arg(5, writeSigma ? 1 : 0);
            sigmaLog.launch((np + BLOCK - 1) / BLOCK);
            param = Parameterization.SIGMA.ordinal();
        }
        // D below 64: a work-item walks lcm(D, 64) elements, D / gcd(D, 64) runs, and carries its rows across them;
        // at an offset that is not a multiple of 4, a multiple of that, at least 8 runs (each run's eps take the
        // next run's first block too: runs + 1 generator calls per work-item)
        final int phase = (int) (spec.offset() & 3);
        final int lcmRuns = spec.dim() < BLOCK ? (int) (spec.dim() / gcd(spec.dim(), BLOCK)) : 1;
        final int runs = phase == 0 ? lcmRuns : lcmRuns * ((PHASE_RUNS + lcmRuns - 1) / lcmRuns);
        final long span = (long) runs * BLOCK;
        ClBuffer klOut = kl;
        ClBuffer lqOut = logProb;
        if (nblocks > 1) {
            if (kl != null) {
                klOut = klPartials = grow(klPartials, np / BLOCK);
            }
            if (logProb != null) {
                lqOut = rowPartials = grow(rowPartials, n / BLOCK);
            }
        }
        forwardExtras.arg(0, muArg).arg(1, scale).arg(2, z).arg(3, eps == null ? z : eps)
                .arg(4, klOut == null ? flag : klOut).arg(5, lqOut == null ? flag : lqOut)
                .arg(6, n).arg(7, np).arg(8, nblocks).arg(9, spec.offset() >>> 2)
                .arg(10, key[0]).arg(11, key[1]).arg(12, key[2]).arg(13, key[3])
                .arg(14, param).arg(15, eps == null ? 0 : 1)
                .arg(16, eps == null ? ctx.streamingStoresAfterGenerator(4L * n) : ctx.streamingStores(8L * n))
                .arg(17, kl == null ? 0 : 1).arg(18, logProb == null ? 0 : 1)
                .arg(19, (int) Math.min(spec.dim(), BLOCK)).arg(20, runs)
                .arg(21, pre ? logSigma : flag).arg(22, pre ? 1 : 0).arg(23, plen).arg(24, phase);
        forwardExtras.launch((n + span - 1) / span);
        if (nblocks > 1) {
            if (kl != null) {
                rowTotals(klPartials, kl, nblocks, spec.paramRows());
            }
            if (logProb != null) {
                rowTotals(rowPartials, logProb, nblocks, spec.sampleRows());
            }
        }
        fusedForwards++;
    }

    /**
     * out[0 .. paramRows) = the blocked sums over d of the KL terms of each parameter row: block
     * sums, then the row totals when a row has more than one block.
     */
    private void klSums(ReparamSpec spec, ClBuffer mu, ClBuffer rho, ClBuffer out) {
        final long rows = spec.paramRows();
        if (rows == 0) {
            return;
        }
        final long nblocks = blocks(spec.dim());
        if (nblocks == 0) {
            ctx.fill(out, zero, 4, 0, 4L * rows);
            return;
        }
        final ClBuffer partials = nblocks == 1 ? out : (rowPartials = grow(rowPartials, rows * nblocks));
        rowBlocks.arg(0, mu).arg(1, rho).arg(2, partials).arg(3, spec.dim()).arg(4, nblocks).arg(5, rows)
                .arg(6, spec.parameterization().ordinal());
        rowBlocks.launch(rows * nblocks);
        if (nblocks > 1) {
            rowTotals(rowPartials, out, nblocks, rows);
        }
    }

    void backward(ReparamSpec spec, ClBuffer mu, ClBuffer rho, ClBuffer eps, ClBuffer gz, ClBuffer gkl, ClBuffer glq,
                  ClBuffer gmu, ClBuffer grho, boolean accumulate) {
        Objects.requireNonNull(spec, "spec is null");
        requireBuffer("mu", mu, spec.paramElements(), true);
        requireBuffer("rho", rho, spec.paramElements(), true);
        spec.requireEps(eps != null);
        requireBuffer("eps", eps, spec.elements(), false);
        requireBuffer("gradZ", gz, spec.elements(), true);
        requireBuffer("gradKl", gkl, spec.paramRows(), false);
        requireBuffer("gradLogProb", glq, spec.sampleRows(), false);
        requireBuffer("gradMu", gmu, spec.paramElements(), true);
        requireBuffer("gradRho", grho, spec.paramElements(), true);
        outs[0] = gmu;
        outs[1] = grho;
        ins[0] = mu;
        ins[1] = rho;
        ins[2] = eps;
        ins[3] = gz;
        ins[4] = gkl;
        ins[5] = glq;
        requireDistinct(BACKWARD_OUTS, BACKWARD_INS);
        kernels();
        if (spec.checkValues()) {
            checkValues(spec, mu, rho, gkl != null, glq != null);
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
            stridedSums.launch((prow + 15) / 16);                 // 16 columns per work-item
        }
        final int[] key = key(spec);
        final ClBuffer slqArg = glq != null ? slq : flag;
        final int nt = ctx.streamingStores(8L * np);
        if (rows == 1) {
            // RECOMPUTE: the stores follow the generator (ClContext.streamingStoresAfterGenerator).
            final int ntElementwise = eps == null ? ctx.streamingStoresAfterGenerator(8L * np) : nt;
            // One row per parameter element: elementwise, in the forward pass's layout (same bits).
            final int phase = (int) (spec.offset() & 3);
            backwardElementwise.arg(0, mu).arg(1, rho).arg(2, gz).arg(3, eps == null ? flag : eps)
                    .arg(4, gkl == null ? flag : gkl).arg(5, slqArg).arg(6, gmu).arg(7, grho)
                    .arg(8, np).arg(9, spec.dim()).arg(10, spec.offset() >>> 2).arg(11, phase)
                    .arg(12, key[0]).arg(13, key[1]).arg(14, key[2]).arg(15, key[3])
                    .arg(16, spec.parameterization().ordinal()).arg(17, flags).arg(18, ntElementwise);
            backwardElementwise.launch((phase + np + BLOCK - 1) / BLOCK);
            return;
        }
        final long shift = np % 4 == 0 ? spec.offset() & 3 : 0;
        final long nchunks = (np + shift + BLOCK - 1) / BLOCK;
        final long groups = (rows + BLOCK - 1) / BLOCK;
        if (shortRows(spec)) {
            // np below 64: each row block walks whole runs, rows side by side (same bits)
            backwardPartials = grow(backwardPartials, partialFloats(groups, np));
            backwardShort.arg(0, gz).arg(1, eps == null ? flag : eps).arg(2, backwardPartials).arg(3, np).arg(4, rows)
                    .arg(5, groups).arg(6, spec.offset() >>> 2).arg(7, key[0]).arg(8, key[1]).arg(9, key[2])
                    .arg(10, key[3]).arg(11, eps == null ? 0 : 1).arg(12, (int) (spec.offset() & 3));
            // np = 1 and 2 with generated eps at a phase: a work-item walks SHORT_RUN_BLOCKS row blocks, whose runs
            // continue one another, so that each run's eps take their next run's first block (one generator call
            // per run, and one more per work-item)
            final int per = np <= 2 && eps == null && (spec.offset() & 3) != 0 ? SHORT_RUN_BLOCKS : 1;
            backwardShort.arg(13, per);
            backwardShort.launch((groups + per - 1) / per);
            backward.arg(0, mu).arg(1, rho).arg(2, gz).arg(3, eps == null ? flag : eps).arg(4, gkl == null ? flag : gkl)
                    .arg(5, slqArg).arg(6, gmu).arg(7, grho).arg(8, backwardPartials)
                    .arg(9, np).arg(10, rows).arg(11, spec.dim()).arg(12, 0L).arg(13, 1L).arg(14, groups)
                    .arg(15, 2).arg(16, spec.offset())
                    .arg(17, key[0]).arg(18, key[1]).arg(19, key[2]).arg(20, key[3])
                    .arg(21, spec.parameterization().ordinal()).arg(22, flags).arg(23, nt);
            backward.launch(1);                   // the totals of the blocks in order, and the finish
            shortBackwards++;
            return;
        }
        final boolean split = groups > 1 && nchunks < splitBelowChunks;
        ClBuffer part = flag;
        if (split) {
            backwardPartials = grow(backwardPartials, partialFloats(groups, np));
            part = backwardPartials;
        }
        backward.arg(0, mu).arg(1, rho).arg(2, gz).arg(3, eps == null ? flag : eps).arg(4, gkl == null ? flag : gkl)
                .arg(5, slqArg).arg(6, gmu).arg(7, grho).arg(8, part)
                .arg(9, np).arg(10, rows).arg(11, spec.dim()).arg(12, shift).arg(13, nchunks).arg(14, groups)
                .arg(15, split ? 1 : 0).arg(16, spec.offset())
                .arg(17, key[0]).arg(18, key[1]).arg(19, key[2]).arg(20, key[3])
                .arg(21, spec.parameterization().ordinal()).arg(22, flags).arg(23, nt);
        backward.launch(split ? groups * nchunks : nchunks);
        if (split) {
            backward.arg(15, 2);                  // the totals and the finish, same arguments
            backward.launch(nchunks);
        }
    }

    /**
     * Floats of the split backward pass's part buffer: the 2 groups np block sums, and 64 more, so
     * that the finish reads a whole run at any block's sums when np is below 64.
     */
    static long partialFloats(long groups, long np) {
        return Math.addExact(Math.multiplyExact(2 * groups, np), BLOCK);
    }

    /** out[p] = sigma(rho[p]) for the spec's parameter elements. */
    void sigma(ReparamSpec spec, ClBuffer rho, ClBuffer out) {
        Objects.requireNonNull(spec, "spec is null");
        requireBuffer("rho", rho, spec.paramElements(), true);
        requireBuffer("sigma", out, spec.paramElements(), true);
        outs[0] = out;
        ins[0] = rho;
        requireDistinct(SIGMA_OUTS, SIGMA_INS);
        kernels();
        final long np = spec.paramElements();
        sigmaKernel.arg(0, rho).arg(1, rho).arg(2, out).arg(3, flag).arg(4, np)
                .arg(5, spec.parameterization().ordinal()).arg(6, 0);
        sigmaKernel.launch((np + BLOCK - 1) / BLOCK);
    }

    /**
     * The launches that touch more than this many bytes run their roof kernels with the passes'
     * prefetch of the inputs ahead (reparam.cl, RP_PREFETCH_AHEAD). The passes always prefetch;
     * for a roof, which has no generator to hide its loads behind, the prefetch pays only once the
     * data no longer sit in the caches: on PoCL (AMD EPYC, 2026-12-06, three alternating runs)
     * it slowed the forward and backward roofs at 2^20 elements (12 MiB: 5.0e9 -> 4.4e9
     * elements/s) and sped them up from 2^22 on (backward 3.1e9 -> 4.9e9 at 2^22; at 2^21 the
     * forward roof 3.7e9 -> 4.4e9, the backward one level). Each roof is meant to be the faster of
     * the two, so that "of roof" is not flattered.
     */
    static final long ROOF_PREFETCH_BYTES = 16L << 20;

    /** The roof kernels' prefetch argument for a launch touching {@code bytes} bytes: 1 or 0. */
    static int roofPrefetch(long bytes) {
        return bytes > ROOF_PREFETCH_BYTES ? 1 : 0;
    }

    /** The forward roof; with {@code eps} non-null it also writes eps there, as the STORE forward pass does. */
    void forwardRoof(ReparamSpec spec, ClBuffer mu, ClBuffer rho, ClBuffer z, ClBuffer eps) {
        requireBuffer("mu", mu, spec.paramElements(), true);
        requireBuffer("rho", rho, spec.paramElements(), true);
        requireBuffer("z", z, spec.elements(), true);
        requireBuffer("eps", eps, spec.elements(), false);
        kernels();
        final long n = spec.elements();
        final int phase = (int) (spec.offset() & 3);
        final int storeEps = eps == null ? 0 : 1;
        forwardRoof.arg(0, mu).arg(1, rho).arg(2, z).arg(3, eps == null ? z : eps).arg(4, n)
                .arg(5, spec.paramElements()).arg(6, phase).arg(7, storeEps)
                .arg(8, ctx.streamingStores(4L * (1 + storeEps) * n))
                .arg(9, roofPrefetch(8L * spec.paramElements() + 4L * (1 + storeEps) * n));
        forwardRoof.launch(n == 0 ? 0 : (phase + n + 63) / 64);
    }

    /**
     * The backward roof; with {@code eps} non-null it reads eps there, as the STORE backward pass
     * does, where the RECOMPUTE roof uses a constant.
     */
    void backwardRoof(ReparamSpec spec, ClBuffer mu, ClBuffer rho, ClBuffer eps, ClBuffer gz, ClBuffer gmu,
                      ClBuffer grho) {
        requireBuffer("mu", mu, spec.paramElements(), true);
        requireBuffer("rho", rho, spec.paramElements(), true);
        requireBuffer("eps", eps, spec.elements(), false);
        requireBuffer("gradZ", gz, spec.elements(), true);
        requireBuffer("gradMu", gmu, spec.paramElements(), true);
        requireBuffer("gradRho", grho, spec.paramElements(), true);
        kernels();
        final long np = spec.paramElements();
        final int readRho = spec.parameterization() == Parameterization.SIGMA ? 0 : 1;
        final int readEps = eps == null ? 0 : 1;
        final ClBuffer epsArg = eps == null ? gz : eps;
        final int nt = ctx.streamingStores(8L * np);
        if (spec.reductionRows() == 1) {
            final int phase = (int) (spec.offset() & 3);
            backwardElementwiseRoof.arg(0, rho).arg(1, gz).arg(2, epsArg).arg(3, gmu).arg(4, grho).arg(5, np)
                    .arg(6, phase).arg(7, readEps).arg(8, readRho).arg(9, nt)
                    .arg(10, roofPrefetch((12L + 4L * readEps + 4L * readRho) * np));
            backwardElementwiseRoof.launch(np == 0 ? 0 : (phase + np + BLOCK - 1) / BLOCK);
            return;
        }
        final long shift = np % 4 == 0 ? spec.offset() & 3 : 0;
        final long nchunks = (np + shift + BLOCK - 1) / BLOCK;
        backwardRoof.arg(0, rho).arg(1, gz).arg(2, epsArg).arg(3, gmu).arg(4, grho).arg(5, np)
                .arg(6, spec.reductionRows()).arg(7, shift).arg(8, nchunks).arg(9, readEps).arg(10, readRho)
                .arg(11, nt).arg(12, roofPrefetch(4L * (1 + readEps) * spec.elements() + (8L + 4L * readRho) * np));
        backwardRoof.launch(np == 0 ? 0 : nchunks);
    }

    /**
     * The device-side value check: one kernel over the parameters marks the least bad 64-element
     * chunk, one word comes back (the call's wait), and on a hit the chunk is read to name the element.
     * With {@code klGradient} or {@code logProbGradient} (a backward pass given those gradients) it
     * also checks the factors they multiply (Parameterization.rejectionOf(rho, kl, logProb)).
     */
    private void checkValues(ReparamSpec spec, ClBuffer mu, ClBuffer rho, boolean klGradient, boolean logProbGradient) {
        final long np = spec.paramElements();
        if (np == 0) {
            return;
        }
        final long chunks = (np + BLOCK - 1) / BLOCK;
        if (chunks >= 0xFFFFFFFFL) {
            throw new IllegalArgumentException("the value check handles at most 2^38 parameter elements, got " + np);
        }
        ctx.fill(flag, flagReset, 4, 0, 4);
        sigmaKernel.arg(0, mu).arg(1, rho).arg(2, flag).arg(3, flag).arg(4, np)
                .arg(5, spec.parameterization().ordinal())
                .arg(6, CHECK_VALUES | (klGradient ? CHECK_KL_GRADIENT : 0) | (logProbGradient ? CHECK_LOGQ_GRADIENT : 0));
        sigmaKernel.launch(chunks);
        ctx.read(flag, 0, 4, flagHostPointer);
        if (flagHost[0] == -1) {
            return;
        }
        final long first = BLOCK * (flagHost[0] & 0xFFFFFFFFL);
        final int len = (int) Math.min(BLOCK, np - first);
        final float[] m = new float[len];
        final float[] r = new float[len];
        ctx.read(mu, 4 * first, 4L * len, Pointer.to(m));
        ctx.read(rho, 4 * first, 4L * len, Pointer.to(r));
        for (int j = 0; j < len; j++) {
            if (!Float.isFinite(m[j]) || spec.parameterization().rejectionOf(r[j], klGradient, logProbGradient) != null) {
                throw spec.invalidParameter(first + j, m[j], r[j], klGradient, logProbGradient);
            }
        }
        throw new IllegalStateException("the device value check flagged parameter elements " + first + " .. "
                + (first + len - 1) + " but the host finds none bad");
    }

    // ---------------------------------------------------------------- host arrays

    void forward(ReparamSpec spec, float[] mu, float[] rho, float[] z, float[] eps, float[] kl, float[] logProb) {
        Objects.requireNonNull(spec, "spec is null");
        spec.requireForwardArrays(mu, rho, z, eps, kl, logProb);
        spec.requireValidParameters(mu, rho);
        kernels();
        final ReparamSpec dev = spec.checkValues() ? spec.toBuilder().checkValues(false).build() : spec;
        final long need = forwardBytes(dev, eps != null, kl != null, logProb != null);
        if (need < 0) {
            forwardPieces(dev, mu, rho, z, eps, kl, logProb);
            return;
        }
        makeRoom(need);
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
        Objects.requireNonNull(spec, "spec is null");
        spec.requireBackwardArrays(mu, rho, eps, gz, gkl, glq, gmu, grho);
        spec.requireValidParameters(mu, rho, gkl != null, glq != null);
        kernels();
        final ReparamSpec dev = spec.checkValues() ? spec.toBuilder().checkValues(false).build() : spec;
        final long need = backwardBytes(dev, eps != null, gkl != null, glq != null);
        if (need < 0) {
            backwardPieces(dev, mu, rho, eps, gz, gkl, glq, gmu, grho, accumulate);
            return;
        }
        makeRoom(need);
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
        return upload(role, src, 0, src.length);
    }

    /** The staging buffer of a role holding {@code src[from .. from+n)}. */
    private ClBuffer upload(int role, float[] src, long from, long n) {
        final ClBuffer b = stage(role, (int) n);
        if (n > 0) {
            ctx.write(b, 0, 4L * n, Pointer.to(src).withByteOffset(4L * from), true);
        }
        return b;
    }

    private void download(ClBuffer src, float[] dst) {
        if (dst != null) {
            download(src, dst, 0, dst.length);
        }
    }

    /** Copies the first n floats of src to {@code dst[from ..]}. */
    private void download(ClBuffer src, float[] dst, long from, long n) {
        if (dst != null && n > 0) {
            ctx.read(src, 0, 4L * n, Pointer.to(dst).withByteOffset(4L * from));
        }
    }

    // ---------------------------------------------------------------- host arrays larger than the device

    /** The largest buffer a host-array call may allocate. */
    private long maxBufferBytes() {
        return Math.min(ctx.device().maxAllocBytes(), hostBudgetBytes);
    }

    /**
     * Device bytes of the one-piece forward path for spec, or -1 when it exceeds the budget or
     * a buffer would pass the maximum allocation.
     */
    private long forwardBytes(ReparamSpec s, boolean eps, boolean kl, boolean lq) {
        final long np = s.paramElements();
        final long n = s.elements();
        final long nb = blocks(s.dim());
        final boolean byRows = fusesExtrasByRows(s, kl, lq);
        final boolean fused = byRows || fusesExtras(s, kl, lq);
        final long klRows = kl ? s.paramRows() : 0;
        final long lqRows = lq ? s.sampleRows() : 0;
        final long partials = nb <= 1 ? 0 : (fused ? klRows + lqRows : Math.max(klRows, lqRows)) * nb;
        final boolean shared = s.reductionRows() > 1;
        final long sig = byRows ? (shared ? 3 * (np + BLOCK) : 0)                                 // tiled mu, sigma, log sigma
                : tiles(s) ? (fused ? 3 : 2) * (np + BLOCK)                                        // tiled mu, sigma (, log sigma)
                : (shared && s.parameterization() != Parameterization.SIGMA ? np : 0)          // sigma once
                + (shared && fused ? np : 0);                                                  // log sigma once
        final long largest = Math.max(Math.max(np, n), Math.max(partials, Math.max(s.paramRows(), s.sampleRows())));
        final long floats = 2 * np + n + (eps ? n : 0) + (kl ? s.paramRows() : 0) + (lq ? s.sampleRows() : 0) + sig
                + partials + 1;
        return within(floats, largest);
    }

    /** Device bytes of the one-piece backward path, or -1 (as {@link #forwardBytes}). */
    private long backwardBytes(ReparamSpec s, boolean eps, boolean gkl, boolean glq) {
        final long np = s.paramElements();
        final long n = s.elements();
        final long groups = (s.reductionRows() + BLOCK - 1) / BLOCK;
        final long shift = np % 4 == 0 ? s.offset() & 3 : 0;
        final long nchunks = (np + shift + BLOCK - 1) / BLOCK;
        final long split = shortRows(s) || (groups > 1 && nchunks < splitBelowChunks) ? partialFloats(groups, np) : 0;
        final long largest = Math.max(Math.max(np, n), Math.max(split, s.sampleRows()));
        final long floats = 4 * np + n + (eps ? n : 0) + (gkl ? s.paramRows() : 0)
                + (glq ? s.sampleRows() + s.paramRows() : 0) + split + 1;
        return within(floats, largest);
    }

    private long within(long floats, long largestFloats) {
        if (floats > hostBudgetBytes / 4 || largestFloats > maxBufferBytes() / 4) {
            return -1;
        }
        return 4 * floats;
    }

    /** Releases every staging and scratch buffer when keeping them would take a call of need bytes past the budget. */
    private void makeRoom(long need) {
        long held = 0;
        for (ClBuffer b : staging) {
            held += b == null || b.isClosed() ? 0 : b.bytes();
        }
        for (ClBuffer b : new ClBuffer[] {sigma, logSigma, muTiled, rowPartials, klPartials, backwardPartials, slq}) {
            held += b == null || b.isClosed() ? 0 : b.bytes();
        }
        if (held + need <= hostBudgetBytes) {
            return;
        }
        for (int i = 0; i < staging.length; i++) {
            if (staging[i] != null) {
                staging[i].close();
                staging[i] = null;
            }
        }
        for (ClBuffer b : new ClBuffer[] {sigma, logSigma, muTiled, rowPartials, klPartials, backwardPartials, slq}) {
            if (b != null) {
                b.close();
            }
        }
        sigma = null;
        logSigma = null;
        muTiled = null;
        rowPartials = null;
        klPartials = null;
        backwardPartials = null;
        slq = null;
    }

    /** The largest count in [1, max] for which fits holds (fits is monotone), or 0 when 1 does not fit. */
    private static long largest(long max, java.util.function.LongPredicate fits) {
        if (max < 1 || !fits.test(1)) {
            return 0;
        }
        long lo = 1;
        long hi = max;
        while (lo < hi) {
            final long mid = lo + (hi - lo + 1) / 2;
            if (fits.test(mid)) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    private static long gcd(long a, long b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    /**
     * count rounded down so that count units of unit elements are a multiple of 4 elements, or
     * count itself where that would leave none: pieces of KL and log q calls then keep the offset's
     * alignment to 4, so that with D a multiple of 64 each takes reparam_forward_extras (when the
     * call's offset has it), which needs no shifted eps, rather than reparam_forward_rows.
     */
    static long aligned(long count, long unit) {
        final long m = 4 / gcd(unit, 4);
        return count >= m ? count - count % m : count;
    }

    private static ReparamSpec piece(ReparamSpec s, int samples, long rows, long dim, boolean broadcast, long offset) {
        return s.toBuilder().shape(samples, rows, dim).broadcast(broadcast).offset(offset).build();
    }

    private IllegalArgumentException tooLarge(String pass, ReparamSpec s, String why) {
        return new IllegalArgumentException("the " + pass + " pass of " + s + " cannot be streamed through "
                + hostBudgetBytes + " bytes of device memory (maximum allocation " + ctx.device().maxAllocBytes()
                + " bytes): " + why);
    }

    /**
     * The forward pass in pieces: whole samples (no broadcast), else rows, else runs within a row
     * (only without KL and log q, which sum whole rows). Each piece is a call of its own at the
     * offset of its first element, which the contract makes bit-identical to the whole call.
     */
    private void forwardPieces(ReparamSpec s, float[] mu, float[] rho, float[] z, float[] eps, float[] kl, float[] lq) {
        makeRoom(hostBudgetBytes);
        final boolean e = eps != null;
        final boolean k = kl != null;
        final boolean q = lq != null;
        final int samples = s.samples();
        final long b = s.rows();
        final long d = s.dim();
        final long np = s.paramElements();
        final long o = s.offset();
        if (!s.broadcast()) {
            long ks = largest(samples, c -> forwardBytes(piece(s, (int) c, b, d, false, o), e, k, q) >= 0);
            if (k || q) {
                ks = aligned(ks, np);
            }
            if (ks > 0) {
                for (long k0 = 0; k0 < samples; k0 += ks) {
                    final int kc = (int) Math.min(ks, samples - k0);
                    forwardPiece(piece(s, kc, b, d, false, o + k0 * np), mu, rho, 0, z, eps, k0 * np,
                            kl, k0 == 0 ? 0 : -1, lq, k0 * b);
                }
                return;
            }
            long rs = largest(b, c -> forwardBytes(piece(s, 1, c, d, false, o), e, k, q) >= 0);
            if (k || q) {
                rs = aligned(rs, d);
            }
            if (rs > 0) {
                for (long k0 = 0; k0 < samples; k0++) {
                    for (long b0 = 0; b0 < b; b0 += rs) {
                        final long bc = Math.min(rs, b - b0);
                        final long row = k0 * b + b0;
                        forwardPiece(piece(s, 1, bc, d, false, o + row * d), mu, rho, b0 * d, z, eps, row * d,
                                kl, k0 == 0 ? b0 : -1, lq, row);
                    }
                }
                return;
            }
        } else {
            final long rows = samples * b;
            long rs = largest(rows, c -> forwardBytes(piece(s, 1, c, d, true, o), e, k, q) >= 0);
            if (k || q) {
                rs = aligned(rs, d);
            }
            if (rs > 0) {
                for (long r0 = 0; r0 < rows; r0 += rs) {
                    final long rc = Math.min(rs, rows - r0);
                    forwardPiece(piece(s, 1, rc, d, true, o + r0 * d), mu, rho, 0, z, eps, r0 * d,
                            kl, r0 == 0 ? 0 : -1, lq, r0);
                }
                return;
            }
        }
        if (k || q) {
            throw tooLarge("forward", s, "one row of " + d + " elements does not fit, and KL and log q sum whole rows");
        }
        final long ds = largest(d, c -> forwardBytes(piece(s, 1, 1, c, false, o), e, false, false) >= 0);
        if (ds == 0) {
            throw tooLarge("forward", s, "not even one element fits");
        }
        final long rows = samples * b;
        for (long r = 0; r < rows; r++) {
            final long p0 = s.broadcast() ? 0 : (r % b) * d;
            for (long d0 = 0; d0 < d; d0 += ds) {
                final long dc = Math.min(ds, d - d0);
                forwardPiece(piece(s, 1, 1, dc, false, o + r * d + d0), mu, rho, p0 + d0, z, eps, r * d + d0,
                        null, -1, null, 0);
            }
        }
    }

    /** One forward piece: parameters from muFrom, z and eps at zFrom, kl at klFrom (or none when -1), log q at lqFrom. */
    private void forwardPiece(ReparamSpec p, float[] mu, float[] rho, long muFrom, float[] z, float[] eps, long zFrom,
                              float[] kl, long klFrom, float[] lq, long lqFrom) {
        streamedPieces++;
        final long np = p.paramElements();
        final long n = p.elements();
        final ClBuffer dMu = upload(MU, mu, muFrom, np);
        final ClBuffer dRho = upload(RHO, rho, muFrom, np);
        final ClBuffer dZ = stage(Z, (int) n);
        final ClBuffer dEps = eps == null ? null : stage(EPS, (int) n);
        final boolean withKl = kl != null && klFrom >= 0;
        final ClBuffer dKl = withKl ? stage(KL_OUT, (int) p.paramRows()) : null;
        final ClBuffer dLq = lq == null ? null : stage(LOGQ_OUT, (int) p.sampleRows());
        forward(p, dMu, dRho, dZ, dEps, dKl, dLq);
        download(dZ, z, zFrom, n);
        download(dEps, eps, zFrom, n);
        if (withKl) {
            download(dKl, kl, klFrom, p.paramRows());
        }
        download(dLq, lq, lqFrom, p.sampleRows());
    }

    /**
     * The backward pass in pieces. With the parameters on the device: rows in groups of 64, each
     * group's block sums (Smu, Ssig) computed on the device (reparam_backward mode 1) and added on
     * the host, in group order from +0.0f, exactly as the kernel adds them; then one launch
     * finishes from those totals (mode 2 with one group: +0.0f + T = T, T never being -0.0f).
     * Otherwise, for K = 1 without broadcast, by parameter rows or runs within a row (each
     * parameter's sum has one term).
     */
    private void backwardPieces(ReparamSpec s, float[] mu, float[] rho, float[] eps, float[] gz, float[] gkl,
                                float[] glq, float[] gmu, float[] grho, boolean accumulate) {
        makeRoom(hostBudgetBytes);
        final long np = s.paramElements();
        final long rows = s.reductionRows();
        final boolean e = eps != null;
        final long finishFloats = 6 * np + 2 * s.paramRows() + (glq != null ? s.sampleRows() : 0) + 1;
        final java.util.function.LongPredicate groupsFit = g -> {
            final long r = Math.min(rows, g * BLOCK);
            final long floats = r * np * (e ? 2 : 1) + 2 * g * np + 1;
            return floats <= hostBudgetBytes / 4 && r * np <= maxBufferBytes() / 4 && 2 * g * np <= maxBufferBytes() / 4
                    && 2 * g * np <= Integer.MAX_VALUE - 8;                   // the host copy of the block sums
        };
        if (rows > 1 && within(finishFloats, Math.max(2 * np, s.sampleRows())) >= 0) {
            final long gs = largest((rows + BLOCK - 1) / BLOCK, groupsFit);
            if (gs > 0) {
                backwardByRowGroups(s, mu, rho, eps, gz, gkl, glq, gmu, grho, accumulate, gs);
                return;
            }
        }
        // One row per parameter element (K = 1 without broadcast, or broadcast with K*B = 1): every
        // parameter's sum has one term, so parameter rows and runs within a row are independent.
        if (rows != 1) {
            throw tooLarge("backward", s, "64 rows of " + np + " parameter elements, or the parameters themselves,"
                    + " do not fit (with more than one row per parameter the rows are streamed in groups of 64)");
        }
        final long b = s.broadcast() ? 1 : s.rows();
        final long d = s.dim();
        final long o = s.offset();
        final long rs = largest(b, c -> backwardBytes(piece(s, 1, c, d, false, o), e, gkl != null, glq != null) >= 0);
        // pieces are (1, rows, D) calls without broadcast: the same eps indices and parameters as the whole call
        if (rs > 0) {
            for (long b0 = 0; b0 < b; b0 += rs) {
                final long bc = Math.min(rs, b - b0);
                backwardPiece(piece(s, 1, bc, d, false, o + b0 * d), mu, rho, eps, gz, gkl, glq, gmu, grho, accumulate,
                        b0 * d, b0);
            }
            return;
        }
        final long ds = largest(d, c -> backwardBytes(piece(s, 1, 1, c, false, o), e, gkl != null, glq != null) >= 0);
        if (ds == 0) {
            throw tooLarge("backward", s, "not even one element fits");
        }
        for (long b0 = 0; b0 < b; b0++) {
            for (long d0 = 0; d0 < d; d0 += ds) {
                final long dc = Math.min(ds, d - d0);
                backwardPiece(piece(s, 1, 1, dc, false, o + b0 * d + d0), mu, rho, eps, gz, gkl, glq, gmu, grho,
                        accumulate, b0 * d + d0, b0);
            }
        }
    }

    /** One backward piece of a K = 1 call: elements (and parameters) from pFrom, its one parameter row's gradKl and gradLogProb at row. */
    private void backwardPiece(ReparamSpec p, float[] mu, float[] rho, float[] eps, float[] gz, float[] gkl,
                               float[] glq, float[] gmu, float[] grho, boolean accumulate, long pFrom, long row) {
        streamedPieces++;
        final long np = p.paramElements();
        final long prow = p.paramRows();
        final ClBuffer dMu = upload(MU, mu, pFrom, np);
        final ClBuffer dRho = upload(RHO, rho, pFrom, np);
        final ClBuffer dEps = eps == null ? null : upload(EPS, eps, pFrom, np);
        final ClBuffer dGz = upload(GRAD_Z, gz, pFrom, np);
        final ClBuffer dGkl = gkl == null ? null : upload(GRAD_KL, gkl, row, prow);
        final ClBuffer dGlq = glq == null ? null : upload(GRAD_LOGQ, glq, row, prow);
        final ClBuffer dGmu = accumulate ? upload(GRAD_MU, gmu, pFrom, np) : stage(GRAD_MU, (int) np);
        final ClBuffer dGrho = accumulate ? upload(GRAD_RHO, grho, pFrom, np) : stage(GRAD_RHO, (int) np);
        backward(p, dMu, dRho, dEps, dGz, dGkl, dGlq, dGmu, dGrho, accumulate);
        download(dGmu, gmu, pFrom, np);
        download(dGrho, grho, pFrom, np);
    }

    private void backwardByRowGroups(ReparamSpec s, float[] mu, float[] rho, float[] eps, float[] gz, float[] gkl,
                                     float[] glq, float[] gmu, float[] grho, boolean accumulate, long groupsPerPiece) {
        final int np = (int) s.paramElements();
        final long rows = s.reductionRows();
        final float[] tmu = new float[np];
        final float[] tsig = new float[np];
        final float[] part = new float[(int) (2 * groupsPerPiece * np)];
        final long rowsPerPiece = groupsPerPiece * BLOCK;
        for (long r0 = 0; r0 < rows; r0 += rowsPerPiece) {
            final long rc = Math.min(rowsPerPiece, rows - r0);
            final long groups = (rc + BLOCK - 1) / BLOCK;
            streamedPieces++;
            final ReparamSpec p = s.broadcast()
                    ? piece(s, 1, rc, s.dim(), true, s.offset() + r0 * np)
                    : piece(s, (int) rc, s.rows(), s.dim(), false, s.offset() + r0 * np);
            final ClBuffer dGz = upload(GRAD_Z, gz, r0 * np, rc * np);
            final ClBuffer dEps = eps == null ? null : upload(EPS, eps, r0 * np, rc * np);
            backwardPartials = grow(backwardPartials, partialFloats(groups, np));
            blockSums(p, dGz, dEps, backwardPartials, groups);
            download(backwardPartials, part, 0, 2 * groups * np);
            for (int g = 0; g < groups; g++) {
                final int mu0 = (int) (g * np);
                final int sig0 = (int) ((groups + g) * np);
                for (int i = 0; i < np; i++) {
                    tmu[i] = tmu[i] + part[mu0 + i];
                    tsig[i] = tsig[i] + part[sig0 + i];
                }
            }
        }
        makeRoom(hostBudgetBytes);                // the pieces' buffers go before the finish's arrive
        final ClBuffer dMu = upload(MU, mu);
        final ClBuffer dRho = upload(RHO, rho);
        final ClBuffer dGkl = gkl == null ? null : upload(GRAD_KL, gkl);
        final ClBuffer dGlq = glq == null ? null : upload(GRAD_LOGQ, glq);
        final ClBuffer dGmu = accumulate ? upload(GRAD_MU, gmu) : stage(GRAD_MU, np);
        final ClBuffer dGrho = accumulate ? upload(GRAD_RHO, grho) : stage(GRAD_RHO, np);
        backwardPartials = grow(backwardPartials, partialFloats(1, np));
        ctx.write(backwardPartials, 0, 4L * np, Pointer.to(tmu), true);
        ctx.write(backwardPartials, 4L * np, 4L * np, Pointer.to(tsig), true);
        finishFromTotals(s, dMu, dRho, dGkl, dGlq, dGmu, dGrho, backwardPartials, accumulate);
        download(dGmu, gmu);
        download(dGrho, grho);
    }

    /** reparam_backward mode 1 over a piece: the block sums of each of its groups of 64 rows into part. */
    private void blockSums(ReparamSpec p, ClBuffer gz, ClBuffer eps, ClBuffer part, long groups) {
        final long np = p.paramElements();
        final long shift = np % 4 == 0 ? p.offset() & 3 : 0;
        final long nchunks = (np + shift + BLOCK - 1) / BLOCK;
        final int[] key = key(p);
        backward.arg(0, flag).arg(1, flag).arg(2, gz).arg(3, eps == null ? flag : eps).arg(4, flag)
                .arg(5, flag).arg(6, flag).arg(7, flag).arg(8, part)
                .arg(9, np).arg(10, p.reductionRows()).arg(11, p.dim()).arg(12, shift).arg(13, nchunks).arg(14, groups)
                .arg(15, 1).arg(16, p.offset())
                .arg(17, key[0]).arg(18, key[1]).arg(19, key[2]).arg(20, key[3])
                .arg(21, p.parameterization().ordinal()).arg(22, eps != null ? READ_EPS : 0).arg(23, 0);
        backward.launch(groups * nchunks);
    }

    /** reparam_backward mode 2 with one group: the finish (KL, log q, dsigma/drho, accumulate) from the totals in part. */
    private void finishFromTotals(ReparamSpec s, ClBuffer mu, ClBuffer rho, ClBuffer gkl, ClBuffer glq, ClBuffer gmu,
                                  ClBuffer grho, ClBuffer part, boolean accumulate) {
        final long np = s.paramElements();
        final long prow = s.paramRows();
        final int flags = (gkl != null ? KL : 0) | (glq != null ? LOGQ : 0) | (accumulate ? ACCUMULATE : 0);
        if (glq != null) {
            slq = grow(slq, prow);
            stridedSums.arg(0, glq).arg(1, slq).arg(2, s.reductionRows()).arg(3, prow);
            stridedSums.launch((prow + 15) / 16);                 // 16 columns per work-item
        }
        final long shift = np % 4 == 0 ? s.offset() & 3 : 0;
        final long nchunks = (np + shift + BLOCK - 1) / BLOCK;
        final int[] key = key(s);
        backward.arg(0, mu).arg(1, rho).arg(2, flag).arg(3, flag).arg(4, gkl == null ? flag : gkl)
                .arg(5, glq != null ? slq : flag).arg(6, gmu).arg(7, grho).arg(8, part)
                .arg(9, np).arg(10, s.reductionRows()).arg(11, s.dim()).arg(12, shift).arg(13, nchunks).arg(14, 1L)
                .arg(15, 2).arg(16, s.offset())
                .arg(17, key[0]).arg(18, key[1]).arg(19, key[2]).arg(20, key[3])
                .arg(21, s.parameterization().ordinal()).arg(22, flags)
                .arg(23, ctx.streamingStores(8L * np));
        backward.launch(nchunks);
    }

    // ---------------------------------------------------------------- helpers

    /** Scratch b grown to n floats ({@link ClContext#grow}). */
    /**
     * Closes the scratch buffers the passes grew and the flag word (made again on demand), so that the
     * backend holds only what it held before: OpenClBackend.create's known-answer check leaves
     * nothing behind. Called with the backend's call lock held or before the backend is shared.
     */
    void releaseScratch() {
        for (ClBuffer b : new ClBuffer[] {flag, rowPartials, klPartials, backwardPartials, slq, sigma, logSigma, muTiled}) {
            if (b != null) {
                b.close();
            }
        }
        flag = rowPartials = klPartials = backwardPartials = slq = sigma = logSigma = muTiled = null;
    }

    private ClBuffer grow(ClBuffer b, long n) {
        return ctx.grow(b, n);
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

    private static final String[] FORWARD_OUTS = {"z", "eps", "kl", "logProb"};
    private static final String[] FORWARD_INS = {"mu", "rho"};
    private static final String[] BACKWARD_OUTS = {"gradMu", "gradRho"};
    private static final String[] BACKWARD_INS = {"mu", "rho", "eps", "gradZ", "gradKl", "gradLogProb"};
    private static final String[] SIGMA_OUTS = {"sigma"};
    private static final String[] SIGMA_INS = {"rho"};

    /**
     * No output buffer (outs[0 .. outNames.length)) is another output or an input
     * (ins[0 .. inNames.length)); the scratch arrays are cleared either way, holding no buffer.
     */
    private void requireDistinct(String[] outNames, String[] inNames) {
        try {
            for (int i = 0; i < outNames.length; i++) {
                if (outs[i] == null) {
                    continue;
                }
                for (int j = i + 1; j < outNames.length; j++) {
                    if (outs[i] == outs[j]) {
                        throw new IllegalArgumentException(outNames[i] + " and " + outNames[j] + " are the same buffer");
                    }
                }
                for (int j = 0; j < inNames.length; j++) {
                    if (outs[i] == ins[j]) {
                        throw new IllegalArgumentException(outNames[i] + " and " + inNames[j] + " are the same buffer");
                    }
                }
            }
        } finally {
            Arrays.fill(outs, null);
            Arrays.fill(ins, null);
        }
    }
}
