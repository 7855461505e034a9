package org.reparamcl.cpu;

import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

import org.reparamcl.GaussianHead;
import org.reparamcl.HeadGradients;
import org.reparamcl.NoiseMode;
import org.reparamcl.ReparamSpec;

/**
 * The CPU reference of {@link GaussianHead}: {@link AffineProduct} for the affine parts and the
 * backend's reparameterized passes for sampling and for dL/dmu, dL/drho. The readable definition
 * of what {@code org.reparamcl.opencl.ClGaussianHead} computes on a device, bit for bit.
 *
 * <p>Host arrays sized for the current batch are kept and reused while the batch size stays the
 * same. Thread-safe: calls are serialized by a lock. A forward or backward step is one call on the
 * backend (closing the backend waits for it); once the backend is closed every call throws
 * IllegalStateException, as on OpenCL.
 */
public final class CpuGaussianHead implements GaussianHead {
    private final CpuBackend backend;
    private final Spec spec;
    private final ReentrantLock lock = new ReentrantLock();
    private final float[] wMu;
    private final float[] bMu;
    private final float[] wRho;
    private final float[] bRho;
    private int batch = -1;
    private float[] x;
    private float[] mu;
    private float[] rho;
    private float[] z;
    private float[] eps;
    private float[] gradZ;
    private float[] gradMu;
    private float[] gradRho;
    private ReparamSpec last;
    private boolean closed;

    private CpuGaussianHead(CpuBackend backend, Spec spec) {
        this.backend = backend;
        this.spec = spec;
        this.wMu = new float[spec.weights()];
        this.bMu = new float[spec.outputs()];
        this.wRho = new float[spec.weights()];
        this.bRho = new float[spec.outputs()];
    }

    /** A head computed by {@code backend}; parameters start at zero. */
    public static CpuGaussianHead create(CpuBackend backend, Spec spec) {
        Objects.requireNonNull(backend, "backend is null");
        Objects.requireNonNull(spec, "spec is null");
        if (backend.isClosed()) {
            throw new IllegalStateException("CPU backend is closed");
        }
        return new CpuGaussianHead(backend, spec);
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
            System.arraycopy(wMu, 0, this.wMu, 0, this.wMu.length);
            System.arraycopy(bMu, 0, this.bMu, 0, this.bMu.length);
            System.arraycopy(wRho, 0, this.wRho, 0, this.wRho.length);
            System.arraycopy(bRho, 0, this.bRho, 0, this.bRho.length);
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
            System.arraycopy(this.wMu, 0, wMu, 0, wMu.length);
            System.arraycopy(this.bMu, 0, bMu, 0, bMu.length);
            System.arraycopy(this.wRho, 0, wRho, 0, wRho.length);
            System.arraycopy(this.bRho, 0, bRho, 0, bRho.length);
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
            backend.call(() -> forwardStep(x, batch, seed, stream, offset, z));   // close waits for the whole step
        } finally {
            lock.unlock();
        }
    }

    private void forwardStep(float[] x, int batch, long seed, long stream, long offset, float[] z) {
        final ReparamSpec rs = spec.reparamSpec(batch, seed, stream, offset);
        resize(batch);
        System.arraycopy(x, 0, this.x, 0, batch * spec.inputs());
        final int din = spec.inputs();
        final int d = spec.outputs();
        backend.parallel(batch, 2L * batch * din * d, (from, to) -> {
            AffineProduct.multiplyRows(this.x, din, 1, wMu, d, 1, bMu, AffineProduct.Init.BIAS, mu, d, din, from, to);
            AffineProduct.multiplyRows(this.x, din, 1, wRho, d, 1, bRho, AffineProduct.Init.BIAS, rho, d, din, from, to);
        });
        last = null;
        backend.reparamForward(rs, mu, rho, this.z, eps, null, null);
        last = rs;
        if (z != null) {
            System.arraycopy(this.z, 0, z, 0, this.z.length);
        }
    }

    @Override
    public void readMu(float[] dst) {
        lock.lock();
        try {
            ensureForward();
            GaussianHead.Spec.requireRoom("mu", dst, mu.length);
            System.arraycopy(mu, 0, dst, 0, mu.length);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void readSigma(float[] dst) {
        lock.lock();
        try {
            ensureForward();
            GaussianHead.Spec.requireRoom("sigma", dst, rho.length);
            for (int i = 0; i < rho.length; i++) {
                dst[i] = spec.parameterization().sigma(rho[i]);
            }
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
            GaussianHead.Spec.requireRoom("gradZ", gradZ, this.gradZ.length);
            backend.call(() -> backwardStep(gradZ, out));                      // close waits for the whole step
        } finally {
            lock.unlock();
        }
    }

    private void backwardStep(float[] gradZ, HeadGradients out) {
        System.arraycopy(gradZ, 0, this.gradZ, 0, this.gradZ.length);
        backend.reparamBackward(last, mu, rho, spec.noiseMode() == NoiseMode.STORE ? eps : null, this.gradZ,
                null, null, gradMu, gradRho, false);
        final int din = spec.inputs();
        final int d = spec.outputs();
        final int b = batch;
        // dW = x^T dmu: A(i, p) = x[p * Din + i], B(p, j) = dmu[p * D + j]; parallel over the Din rows.
        backend.parallel(din, 2L * b * din * d, (from, to) -> {
            AffineProduct.multiplyRows(x, 1, din, gradMu, d, 1, null, AffineProduct.Init.ZERO, out.weightsMu(),
                    d, b, from, to);
            AffineProduct.multiplyRows(x, 1, din, gradRho, d, 1, null, AffineProduct.Init.ZERO, out.weightsRho(),
                    d, b, from, to);
        });
        AffineProduct.columnSum(gradMu, b, d, out.biasMu());
        AffineProduct.columnSum(gradRho, b, d, out.biasRho());
        if (out.hasInput()) {
            // dx = dmu W_mu^T, continued by drho W_rho^T: B(p, j) = W[j * D + p].
            final float[] dx = out.input();
            backend.parallel(b, 2L * b * din * d, (from, to) -> {
                AffineProduct.multiplyRows(gradMu, d, 1, wMu, 1, d, null, AffineProduct.Init.ZERO, dx, din, d,
                        from, to);
                AffineProduct.multiplyRows(gradRho, d, 1, wRho, 1, d, null, AffineProduct.Init.ACCUMULATE, dx, din,
                        d, from, to);
            });
        }
    }

    /** Arrays of exactly the sizes a batch of {@code b} rows needs (the reparameterized passes take exact lengths). */
    private void resize(int b) {
        if (b == batch) {
            return;
        }
        final int p = b * spec.outputs();
        final int n = spec.samples() * p;
        x = new float[b * spec.inputs()];
        mu = new float[p];
        rho = new float[p];
        z = new float[n];
        eps = spec.noiseMode() == NoiseMode.STORE ? new float[n] : null;
        gradZ = new float[n];
        gradMu = new float[p];
        gradRho = new float[p];
        batch = b;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("Gaussian head is closed");
        }
        if (backend.isClosed()) {
            throw new IllegalStateException("Gaussian head's CPU backend is closed");
        }
    }

    private void ensureForward() {
        ensureOpen();
        if (last == null) {
            throw new IllegalStateException("no forward pass yet: call forward before backward, readMu or readSigma");
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            x = mu = rho = z = eps = gradZ = gradMu = gradRho = null;
            last = null;
        } finally {
            lock.unlock();
        }
    }
}
