package org.reparamcl.opencl;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

import org.jocl.Pointer;
import org.reparamcl.GaussianHead;
import org.reparamcl.HeadGradients;
import org.reparamcl.NoiseMode;
import org.reparamcl.ReparamSpec;
import org.reparamcl.cpu.AffineProduct.Init;

/**
 * {@link GaussianHead} on an OpenCL device: {@code head_matmul} and {@code head_column_sum}
 * ({@link ClAffineProduct}) for the affine parts and the backend's reparameterized kernels for
 * sampling and for dL/dmu, dL/drho, all on device buffers that the head allocates once for
 * {@code maxBatch} rows. Bit-identical to {@link org.reparamcl.cpu.CpuGaussianHead}.
 *
 * <p>Two ways in. Host arrays: {@link #forward(float[], int, long, long, long, float[])} and
 * {@link #backward(float[], HeadGradients)} copy x or dL/dz in through pinned staging memory
 * (non-blocking), enqueue the passes, and wait once, when the results are read back. Device
 * buffers: {@link #forward(ClBuffer, int, long, long, long)} and
 * {@link #backward(ClBuffer, boolean)} only enqueue, and leave z, mu, rho and the gradients in the
 * head's buffers ({@link #z()}, {@link #gradWeightsMu()}, ...), where further kernels can use them.
 * In steady state no call allocates device memory or builds a kernel.
 *
 * <p>Thread-safe: the context's call lock ({@link ClContext#callLock()}) serializes the head's calls
 * with each other and with the backend's, so closing the backend waits for a head call in progress.
 * The buffers the accessors return belong to the head: read them, do not close them; they are
 * released when the head (or the backend) closes.
 */
public final class ClGaussianHead implements GaussianHead {
    private final OpenClBackend cl;
    private final ClContext ctx;
    private final Spec spec;
    /** The context's call lock: a head call and a backend call (or close) never overlap. */
    private final ReentrantLock lock;
    private final List<ClBuffer> owned = new ArrayList<>();
    private final ClAffineProduct affine;
    /**
     * The parameters as regions of one buffer ({@link ClContext#slices}): W_mu, b_mu, W_rho, b_rho.
     * The host fills {@link #stageParams} in the same layout and writes it with one command.
     */
    private final ClBuffer params;
    private final long[] paramsAt = new long[4];
    private final ClBuffer wMu;
    private final ClBuffer bMu;
    private final ClBuffer wRho;
    private final ClBuffer bRho;
    /**
     * W_mu^T and W_rho^T (D, Din), regions of one buffer, for the blocked product kernel, whose B
     * must have contiguous rows (dL/dx = dmu W_mu^T + drho W_rho^T); null with the tiled kernel,
     * which reads W with a stride. Transposed on the device at the first backward pass with dL/dx
     * after the parameters change ({@link #transposeStale}), not per step.
     */
    private final ClBuffer wMuT;
    private final ClBuffer wRhoT;
    private boolean transposeStale = true;
    private final ClBuffer x;
    private final ClBuffer mu;
    private final ClBuffer rho;
    private final ClBuffer sigma;
    private final ClBuffer z;
    private final ClBuffer eps;
    private final ClBuffer gradZ;
    private final ClBuffer gradMu;
    private final ClBuffer gradRho;
    /**
     * The gradients as regions of one buffer: dW_mu, db_mu, dW_rho, db_rho, dx. A host-array
     * backward call reads them into {@link #stageGrads} with one blocking read: one command and one
     * round trip per call instead of one per tensor (each command costs about 10 us on PoCL, a wait
     * about 45 us).
     */
    private final ClBuffer grads;
    private final long[] gradsAt = new long[5];
    private final ClBuffer gradWMu;
    private final ClBuffer gradBMu;
    private final ClBuffer gradWRho;
    private final ClBuffer gradBRho;
    private final ClBuffer gradX;
    /** Direct (non-moving) host staging for non-blocking writes: x, dL/dz and the parameters. */
    private final Staging stageX;
    private final Staging stageGradZ;
    private final Staging stageParams;
    /** Where blocking reads land: the gradients, or the parameters for getParameters (same leading layout). */
    private final Staging stageGrads;
    /** Whether {@link #sigma} still holds an earlier pass's values: it is computed when asked for, not in every forward pass. */
    private boolean sigmaStale;
    private int batch;
    private ReparamSpec last;
    /** The spec of the most recent forward call (unlike last, kept when a forward pass fails). */
    private ReparamSpec recent;
    private boolean closed;

    private ClGaussianHead(OpenClBackend cl, Spec spec) {
        this.cl = cl;
        this.ctx = cl.context();
        this.lock = ctx.callLock();
        this.spec = spec;
        final long p = (long) spec.maxBatch() * spec.outputs();
        final long n = spec.samples() * p;
        final long in = (long) spec.maxBatch() * spec.inputs();
        // The host staging limits, before any device memory is claimed (the exact sizes, with the
        // regions' alignment, are checked again when the staging buffers are made).
        Staging.require(in);
        Staging.require(n);
        Staging.require(2L * spec.weights() + 2L * spec.outputs() + in);
        boolean done = false;
        ClAffineProduct a = null;
        try {
            a = ClAffineProduct.create(ctx);
            final long w = spec.weights();
            final long d = spec.outputs();
            final ClBuffer[] ps = slices(new long[] {w, d, w, d}, paramsAt);
            params = ps[0];
            wMu = ps[1];
            bMu = ps[2];
            wRho = ps[3];
            bRho = ps[4];
            if (a.variant() == ClAffineProduct.Variant.BLOCKED) {
                final ClBuffer[] ts = slices(new long[] {w, w}, new long[2]);
                wMuT = ts[1];
                wRhoT = ts[2];
            } else {
                wMuT = null;
                wRhoT = null;
            }
            x = allocate(in);
            mu = allocate(p);
            rho = allocate(p);
            sigma = allocate(p);
            z = allocate(n);
            eps = spec.noiseMode() == NoiseMode.STORE ? allocate(n) : null;
            gradZ = allocate(n);
            gradMu = allocate(p);
            gradRho = allocate(p);
            final ClBuffer[] gs = slices(new long[] {w, d, w, d, in}, gradsAt);
            grads = gs[0];
            gradWMu = gs[1];
            gradBMu = gs[2];
            gradWRho = gs[3];
            gradBRho = gs[4];
            gradX = gs[5];
            stageX = new Staging(in);
            stageGradZ = new Staging(n);
            // The two layouts agree on their first four regions (same sizes, same alignment).
            stageGrads = new Staging(grads.capacity32());
            stageParams = new Staging(params.capacity32());
            affine = a;
            // Parameters start at zero, as on the CPU (a new direct buffer is zeroed).
            writeParameters();
            ctx.finish();
            stageParams.inFlight = false;
            done = true;
        } finally {
            if (!done) {
                for (ClBuffer b : owned) {
                    b.close();
                }
                if (a != null) {
                    a.close();
                }
            }
        }
    }

    /** A head on {@code backend}'s device; allocates its buffers for {@code spec.maxBatch()} rows. */
    public static ClGaussianHead create(OpenClBackend backend, Spec spec) {
        Objects.requireNonNull(backend, "backend is null");
        Objects.requireNonNull(spec, "spec is null");
        // Under the call lock: the constructor creates kernels and enqueues, which a close must not interleave.
        final ReentrantLock calls = backend.context().callLock();
        calls.lock();
        try {
            if (backend.isClosed()) {
                throw new IllegalStateException("OpenCL backend is closed");
            }
            return new ClGaussianHead(backend, spec);
        } finally {
            calls.unlock();
        }
    }

    @Override
    public Spec spec() {
        return spec;
    }

    @Override
    public void setParameters(float[] wMu, float[] bMu, float[] wRho, float[] bRho) {
        spec.requireParameters(wMu, bMu, wRho, bRho, true);
        lock.lock();
        try {
            ensureOpen();
            awaitStaging(stageParams);
            final FloatBuffer f = stageParams.floats;
            f.put((int) paramsAt[0], wMu).put((int) paramsAt[1], bMu).put((int) paramsAt[2], wRho).put((int) paramsAt[3], bRho);
            writeParameters();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void getParameters(float[] wMu, float[] bMu, float[] wRho, float[] bRho) {
        spec.requireParameters(wMu, bMu, wRho, bRho, false);
        lock.lock();
        try {
            ensureOpen();
            final int w = spec.weights();
            final int d = spec.outputs();
            readInto(params, paramsAt[3] + d);
            stageGrads.floats.get((int) paramsAt[0], wMu, 0, w).get((int) paramsAt[1], bMu, 0, d)
                    .get((int) paramsAt[2], wRho, 0, w).get((int) paramsAt[3], bRho, 0, d);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void forward(float[] x, int batch, long seed, long stream, long offset, float[] z) {
        spec.requireForward(x, batch, z);
        lock.lock();
        try {
            ensureOpen();
            final ReparamSpec rs = reparamSpec(batch, seed, stream, offset);
            awaitStaging(stageX);
            final int n = batch * spec.inputs();
            stageX.floats.put(0, x, 0, n);
            write(this.x, stageX, n);
            enqueueForward(rs, batch);
            if (z != null) {
                read(this.z, z, spec.samples() * batch * spec.outputs());
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * The forward pass on a device buffer {@code x} (batch, Din) of this backend's context: copies
     * it into the head (so that x may change afterwards), enqueues the passes and returns without
     * waiting. z, mu, rho and sigma are then in {@link #z()}, {@link #mu()}, {@link #rho()} and
     * {@link #sigma()}. x is not checked for finite values.
     */
    public void forward(ClBuffer x, int batch, long seed, long stream, long offset) {
        if (batch < 1 || batch > spec.maxBatch()) {
            throw new IllegalArgumentException("batch must be in [1, " + spec.maxBatch() + "] (maxBatch), got " + batch);
        }
        requireDeviceBuffer("x", x, (long) batch * spec.inputs());
        lock.lock();
        try {
            ensureOpen();
            final ReparamSpec rs = reparamSpec(batch, seed, stream, offset);
            ctx.copy(x, this.x, 4L * batch * spec.inputs());
            enqueueForward(rs, batch);
        } finally {
            lock.unlock();
        }
    }

    /** The call's spec: the previous one at a new offset when batch, seed and stream repeat (one object, no builder). */
    private ReparamSpec reparamSpec(int batch, long seed, long stream, long offset) {
        final ReparamSpec r = recent;
        recent = r != null && r.rows() == batch && r.seed() == seed && r.stream() == stream
                ? r.withOffset(offset) : spec.reparamSpec(batch, seed, stream, offset);
        return recent;
    }

    private void enqueueForward(ReparamSpec rs, int b) {
        last = null;
        final int din = spec.inputs();
        final int d = spec.outputs();
        // mu = x W_mu + b_mu and rho = x W_rho + b_rho, one launch.
        affine.multiplyPair(x, x, din, 1, wMu, wRho, d, 1, bMu, bRho, Init.BIAS, mu, rho, b, d, din);
        cl.reparamForward(rs, mu, rho, z, eps, null, null);
        batch = b;
        last = rs;
        sigmaStale = true;
    }

    @Override
    public void readMu(float[] dst) {
        lock.lock();
        try {
            ensureForward();
            final int n = batch * spec.outputs();
            Spec.requireRoom("mu", dst, n);
            read(mu, dst, n);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void readSigma(float[] dst) {
        lock.lock();
        try {
            ensureForward();
            final int n = batch * spec.outputs();
            Spec.requireRoom("sigma", dst, n);
            updateSigma();
            read(sigma, dst, n);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void backward(float[] gradZ, HeadGradients out) {
        if (out == null) {
            throw new NullPointerException("gradients are null");
        }
        out.checkFits(spec);
        lock.lock();
        try {
            ensureForward();
            final int n = spec.samples() * batch * spec.outputs();
            Spec.requireRoom("gradZ", gradZ, n);
            awaitStaging(stageGradZ);
            stageGradZ.floats.put(0, gradZ, 0, n);
            write(this.gradZ, stageGradZ, n);
            enqueueBackward(out.hasInput());
            final int w = spec.weights();
            final int d = spec.outputs();
            final int nx = out.hasInput() ? batch * spec.inputs() : 0;
            readInto(grads, nx > 0 ? gradsAt[4] + nx : gradsAt[3] + d);
            stageGrads.floats.get((int) gradsAt[0], out.weightsMu(), 0, w).get((int) gradsAt[1], out.biasMu(), 0, d)
                    .get((int) gradsAt[2], out.weightsRho(), 0, w).get((int) gradsAt[3], out.biasRho(), 0, d);
            if (nx > 0) {
                stageGrads.floats.get((int) gradsAt[4], out.input(), 0, nx);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * The backward pass of the most recent forward pass from a device buffer {@code gradZ}
     * (K, batch, D); enqueues and returns without waiting. The gradients are then in
     * {@link #gradWeightsMu()}, {@link #gradBiasMu()}, {@link #gradWeightsRho()},
     * {@link #gradBiasRho()} and, with {@code inputGradient}, {@link #gradInput()}.
     */
    public void backward(ClBuffer gradZ, boolean inputGradient) {
        lock.lock();
        try {
            ensureForward();
            final long n = (long) spec.samples() * batch * spec.outputs();
            requireDeviceBuffer("gradZ", gradZ, n);
            ctx.copy(gradZ, this.gradZ, 4L * n);
            enqueueBackward(inputGradient);
        } finally {
            lock.unlock();
        }
    }

    private void enqueueBackward(boolean inputGradient) {
        final int din = spec.inputs();
        final int d = spec.outputs();
        final int b = batch;
        cl.reparamBackward(last, mu, rho, eps, gradZ, null, null, gradMu, gradRho, false);
        // dW = x^T G: A(i, p) = x[p * Din + i], B(p, j) = G[p * D + j].
        affine.multiplyPair(x, x, 1, din, gradMu, gradRho, d, 1, null, null, Init.ZERO, gradWMu, gradWRho, din, d, b);
        affine.columnSumPair(gradMu, gradRho, b, d, gradBMu, gradBRho);
        if (inputGradient) {
            // dx = dmu W_mu^T, continued by drho W_rho^T (one launch): B(p, j) = W[j * D + p] = W^T[p * Din + j].
            if (wMuT == null) {
                affine.multiplyChain(gradMu, gradRho, d, 1, wMu, wRho, 1, d, null, Init.ZERO, gradX, b, din, d);
            } else {
                if (transposeStale) {
                    affine.transpose(wMu, 1, d, wMuT, din, d);
                    affine.transpose(wRho, 1, d, wRhoT, din, d);
                    transposeStale = false;
                }
                affine.multiplyChain(gradMu, gradRho, d, 1, wMuT, wRhoT, din, 1, null, Init.ZERO, gradX, b, din, d);
            }
        }
    }

    /** Waits for everything this head (and the backend) has enqueued. */
    public void finish() {
        lock.lock();
        try {
            ensureOpen();
            ctx.finish();
            settled();
        } finally {
            lock.unlock();
        }
    }

    /** z (K, batch, D) of the most recent forward pass. */
    public ClBuffer z() {
        return owned(z);
    }

    /** mu (batch, D) of the most recent forward pass. */
    public ClBuffer mu() {
        return owned(mu);
    }

    /** rho (batch, D) of the most recent forward pass. */
    public ClBuffer rho() {
        return owned(rho);
    }

    /**
     * sigma = param(rho) (batch, D) of the most recent forward pass: this call enqueues its
     * computation (the first call after each forward pass), so call it after every forward pass
     * rather than keeping the buffer from an earlier call. After a forward pass that failed, this
     * buffer, like the others, holds no defined values.
     */
    public ClBuffer sigma() {
        lock.lock();
        try {
            ensureOpen();
            updateSigma();
            return sigma;
        } finally {
            lock.unlock();
        }
    }

    /** Enqueues sigma = param(rho) for the most recent forward pass unless that is done. */
    private void updateSigma() {
        if (sigmaStale && last != null) {
            cl.reparamSigma(last, rho, sigma);
            sigmaStale = false;
        }
    }

    /** eps (K, batch, D) of the most recent forward pass in STORE mode; null in RECOMPUTE mode. */
    public ClBuffer eps() {
        return eps == null ? null : owned(eps);
    }

    /** dL/dx (batch, Din) of the most recent backward pass that asked for it. */
    public ClBuffer gradInput() {
        return owned(gradX);
    }

    /** dL/dW_mu (Din, D). */
    public ClBuffer gradWeightsMu() {
        return owned(gradWMu);
    }

    /** dL/db_mu (D). */
    public ClBuffer gradBiasMu() {
        return owned(gradBMu);
    }

    /** dL/dW_rho (Din, D). */
    public ClBuffer gradWeightsRho() {
        return owned(gradWRho);
    }

    /** dL/db_rho (D). */
    public ClBuffer gradBiasRho() {
        return owned(gradBRho);
    }

    private ClBuffer owned(ClBuffer b) {
        lock.lock();
        try {
            ensureOpen();
            return b;
        } finally {
            lock.unlock();
        }
    }

    /** One non-blocking write of every parameter region (W_mu, b_mu, W_rho, b_rho) from stageParams. */
    private void writeParameters() {
        write(params, stageParams, (int) (paramsAt[3] + spec.outputs()));
        transposeStale = true;
    }

    /** Non-blocking write of {@code n} floats from the start of {@code src}; the staging stays untouched until a wait. */
    private void write(ClBuffer dst, Staging src, int n) {
        if (n == 0) {
            return;
        }
        ctx.write(dst, 0, 4L * n, src.pointer, false);
        src.inFlight = true;
    }

    /** Blocking read of {@code src[0 .. n)} into stageGrads: one command and one round trip. */
    private void readInto(ClBuffer src, long n) {
        ctx.read(src, 0, 4L * n, stageGrads.pointer);
        settled();
    }

    /** Blocking read of {@code n} floats; the in-order queue has then finished every earlier command. */
    private void read(ClBuffer src, float[] dst, int n) {
        if (n > 0) {
            ctx.read(src, 0, 4L * n, Pointer.to(dst));
            settled();
        }
    }

    /**
     * Waits for a pending write from {@code s} before it is refilled (steady state: none is
     * pending). It waits for the whole queue: an event per write, released by the head, crashed
     * in clReleaseEvent (JOCL keeps the event of a non-blocking write from a direct buffer for its
     * own bookkeeping), and on the in-order queue the write is done only after the work queued
     * before it anyway.
     */
    private void awaitStaging(Staging s) {
        if (s.inFlight) {
            ctx.finish();
            settled();
        }
    }

    /** After a wait on the in-order queue no write from staging is pending. */
    private void settled() {
        stageX.inFlight = false;
        stageGradZ.inFlight = false;
        stageParams.inFlight = false;
    }

    private void requireDeviceBuffer(String name, ClBuffer b, long n) {
        if (b == null) {
            throw new NullPointerException(name + " buffer is null");
        }
        if (b.owner() != ctx) {
            throw new IllegalArgumentException(name + " buffer belongs to another OpenCL context");
        }
        if (b.isClosed()) {
            throw new IllegalStateException(name + " buffer is closed");
        }
        if (b.capacity32() < n) {
            throw new IllegalArgumentException(name + " buffer holds " + b.capacity32() + " floats, the call needs " + n);
        }
    }

    private ClBuffer allocate(long floats) {
        final ClBuffer b = cl.allocate(floats);
        owned.add(b);
        return b;
    }

    /** One buffer with aligned regions ({@link ClContext#slices}), all owned; regions close before the whole. */
    private ClBuffer[] slices(long[] floats, long[] at) {
        final ClBuffer[] s = ctx.slices(floats, at);   // (ClGaussianHead's constructor holds the call lock)
        for (int r = s.length - 1; r >= 0; r--) {
            owned.add(s[r]);
        }
        return s;
    }

    /** A direct host buffer: filled through {@code floats}, handed to OpenCL through {@code pointer} (its start). */
    private static final class Staging {
        final FloatBuffer floats;
        final Pointer pointer;
        /** Whether a non-blocking write from this buffer may still be pending. */
        boolean inFlight;

        /** A direct buffer holds at most 2^31 - 1 bytes: 2^29 - 1 floats. */
        static void require(long n) {
            if (n > Integer.MAX_VALUE / 4) {
                throw new IllegalArgumentException("staging of " + n + " floats exceeds one direct buffer");
            }
        }


        Staging(long n) {
            require(n);
            final ByteBuffer bytes = ByteBuffer.allocateDirect((int) Math.max(4, 4 * n)).order(ByteOrder.nativeOrder());
            this.floats = bytes.asFloatBuffer();
            this.pointer = Pointer.to(bytes);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("Gaussian head is closed");
        }
        if (cl.isClosed() || ctx.isClosed()) {
            throw new IllegalStateException("Gaussian head's OpenCL backend is closed");
        }
    }

    private void ensureForward() {
        ensureOpen();
        if (last == null) {
            throw new IllegalStateException("no forward pass yet: call forward before backward, readMu or readSigma");
        }
    }

    /** Waits for pending work, then releases the head's buffers and kernels. Idempotent. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (!ctx.isClosed()) {
                ctx.finish();
            }
            for (ClBuffer b : owned) {
                b.close();
            }
            owned.clear();
            affine.close();
            last = null;
        } finally {
            lock.unlock();
        }
    }
}
