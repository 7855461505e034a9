package org.reparamcl;

import java.util.Objects;

import org.reparamcl.cpu.CpuBackend;
import org.reparamcl.cpu.CpuGaussianHead;
import org.reparamcl.opencl.ClGaussianHead;
import org.reparamcl.opencl.OpenClBackend;

/**
 * The conditional Gaussian head {@code Y = mu(x) + sigma(x) * eps} of SPEC §1: an affine map of
 * the input x (B, Din) to the mean and to the sigma parameter rho, then K reparameterized samples
 * per output,
 * <pre>
 *   mu  = x W_mu  + b_mu          (B, D)
 *   rho = x W_rho + b_rho         (B, D)
 *   sigma = param(rho)            (see {@link Parameterization})
 *   z[k, b, d] = mu[b, d] + sigma[b, d] * eps_{offset + (k B + b) D + d}      (K, B, D)
 * </pre>
 * and the backward pass from dL/dz to dL/dx, dL/dW and dL/db by the chain rule:
 * {@code dW_mu = x^T dmu}, {@code db_mu = sum_b dmu}, the same for rho, and
 * {@code dx = dmu W_mu^T + drho W_rho^T}.
 *
 * <p>Every backend gives the same bits: each element of a product is summed over its inner
 * index in order with fused multiply-adds, a bias gradient is summed over rows in order, and
 * dx sums the D terms of dmu W_mu^T before continuing with those of drho W_rho^T (docs/HEAD.md).
 *
 * <p>A head owns its buffers, allocated once for {@code maxBatch} rows; calls reuse them. Each
 * call is atomic (heads are thread-safe), and {@link #backward} uses the inputs and noise of the
 * most recent {@link #forward}: threads that interleave forward/backward pairs on one head must
 * pair them under their own lock (or use one head each). Use after {@link #close()} throws
 * IllegalStateException; closing twice is safe; closing the backend closes its heads.
 */
public interface GaussianHead extends AutoCloseable {

    /**
     * The shape of a head: {@code inputs} = Din, {@code outputs} = D, {@code samples} = K per
     * output, up to {@code maxBatch} rows per call, the parameterization of sigma, and whether the
     * backward pass reads the eps the forward pass stored or regenerates them.
     */
    record Spec(int inputs, int outputs, int samples, int maxBatch, Parameterization parameterization,
                NoiseMode noiseMode) {
        public Spec {
            positive("inputs", inputs);
            positive("outputs", outputs);
            positive("samples", samples);
            positive("maxBatch", maxBatch);
            Objects.requireNonNull(parameterization, "parameterization");
            Objects.requireNonNull(noiseMode, "noiseMode");
            final long z = (long) samples * maxBatch * outputs;
            if (z > Integer.MAX_VALUE - 8 || (long) maxBatch * inputs > Integer.MAX_VALUE - 8
                    || (long) inputs * outputs > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("head too large for one Java array: samples * maxBatch * outputs = "
                        + z + ", maxBatch * inputs = " + (long) maxBatch * inputs + ", inputs * outputs = "
                        + (long) inputs * outputs);
            }
        }

        /** Weight matrix length, Din * D. */
        public int weights() {
            return inputs * outputs;
        }

        /**
         * The reparameterized call of a batch: z (K, batch, D) from eps {@code offset ..} of
         * (seed, stream). Values are not checked there: the head checks its inputs and parameters.
         */
        public ReparamSpec reparamSpec(int batch, long seed, long stream, long offset) {
            return ReparamSpec.builder().shape(samples, batch, outputs).parameterization(parameterization)
                    .seed(seed).stream(stream).offset(offset).noiseMode(noiseMode).checkValues(false).build();
        }

        /**
         * Checks parameter arrays: non-null, lengths Din * D, D, Din * D, D, and, when
         * {@code finite}, finite values (IllegalArgumentException naming the first that is not).
         */
        public void requireParameters(float[] wMu, float[] bMu, float[] wRho, float[] bRho, boolean finite) {
            requireLength("W_mu", wMu, weights(), finite);
            requireLength("b_mu", bMu, outputs, finite);
            requireLength("W_rho", wRho, weights(), finite);
            requireLength("b_rho", bRho, outputs, finite);
        }

        /**
         * Checks a forward call: 1 &lt;= batch &lt;= maxBatch, x holds batch * Din finite values, z is
         * null or holds K * batch * D.
         */
        public void requireForward(float[] x, int batch, float[] z) {
            if (batch < 1 || batch > maxBatch) {
                throw new IllegalArgumentException("batch must be in [1, " + maxBatch + "] (maxBatch), got " + batch);
            }
            if (x == null) {
                throw new NullPointerException("x is null");
            }
            requireRoom("x", x, batch * inputs);
            for (int i = 0; i < batch * inputs; i++) {
                if (!Float.isFinite(x[i])) {
                    throw new IllegalArgumentException("x[" + i + "] (row " + i / inputs + ", column " + i % inputs
                            + ") = " + x[i] + " is not finite");
                }
            }
            if (z != null) {
                requireRoom("z", z, samples * batch * outputs);
            }
        }

        /** Checks that {@code a} is non-null and holds at least {@code n} elements. */
        public static void requireRoom(String name, float[] a, int n) {
            if (a == null) {
                throw new NullPointerException(name + " is null");
            }
            if (a.length < n) {
                throw new IllegalArgumentException(name + " has " + a.length + " elements, the call needs " + n);
            }
        }

        private static void requireLength(String name, float[] a, int n, boolean finite) {
            if (a == null) {
                throw new NullPointerException(name + " is null");
            }
            if (a.length != n) {
                throw new IllegalArgumentException(name + " has " + a.length + " elements, the head needs " + n);
            }
            if (finite) {
                for (int i = 0; i < n; i++) {
                    if (!Float.isFinite(a[i])) {
                        throw new IllegalArgumentException(name + "[" + i + "] = " + a[i] + " is not finite");
                    }
                }
            }
        }

        private static void positive(String name, int v) {
            if (v < 1) {
                throw new IllegalArgumentException(name + " must be >= 1, got " + v);
            }
        }
    }

    /**
     * A head on {@code backend}: the CPU reference for a {@link CpuBackend}, device kernels for an
     * {@link OpenClBackend}. Parameters start at zero.
     */
    static GaussianHead create(Backend backend, Spec spec) {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(spec, "spec");
        if (backend instanceof CpuBackend cpu) {
            return CpuGaussianHead.create(cpu, spec);
        }
        if (backend instanceof OpenClBackend cl) {
            return ClGaussianHead.create(cl, spec);
        }
        throw new IllegalArgumentException("no Gaussian head for backend " + backend.name());
    }

    /** The shape this head was created with. */
    Spec spec();

    /**
     * Sets W_mu (Din x D, row-major), b_mu (D), W_rho (Din x D) and b_rho (D). Values must be
     * finite (IllegalArgumentException naming the first that is not).
     */
    void setParameters(float[] wMu, float[] bMu, float[] wRho, float[] bRho);

    /** Copies the current parameters into arrays of the lengths {@link #setParameters} takes. */
    void getParameters(float[] wMu, float[] bMu, float[] wRho, float[] bRho);

    /**
     * The forward pass for the first {@code batch} rows of {@code x} (batch, Din), row-major,
     * with eps of (seed, stream) from index {@code offset}. Writes z (K, batch, D) into
     * {@code z} unless it is null; mu and sigma stay available through {@link #readMu} and
     * {@link #readSigma}.
     */
    void forward(float[] x, int batch, long seed, long stream, long offset, float[] z);

    /** Copies mu (batch, D) of the most recent forward pass into {@code dst[0 .. batch*D)}. */
    void readMu(float[] dst);

    /** Copies sigma (batch, D) of the most recent forward pass into {@code dst[0 .. batch*D)}. */
    void readSigma(float[] dst);

    /**
     * The backward pass of the most recent forward pass: from {@code gradZ} = dL/dz (K, batch, D)
     * to the gradients in {@code out} (overwritten; dL/dx only when {@code out} has it,
     * {@link HeadGradients#hasInput()}). IllegalArgumentException when {@code out}'s arrays do not
     * fit this head ({@link HeadGradients#checkFits}); IllegalStateException when no forward pass
     * came before.
     */
    void backward(float[] gradZ, HeadGradients out);

    /** Releases the head's buffers. Idempotent. */
    @Override
    void close();
}
