package org.reparamcl;

import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.Objects;

/**
 * A place where the noise stream and the reparameterized passes are computed: the
 * pure-Java CPU reference or an OpenCL device. Every backend produces the same bits for the same
 * call; see {@code docs/NOISE.md}.
 *
 * <p>Indices into the stream ({@code offset}) are unsigned 64-bit: a (seed, stream) pair has 2^64
 * elements, and {@code offset + n} must not pass its end. Implementations are thread-safe.
 * Use after {@link #close()} throws IllegalStateException; closing twice is safe.
 *
 * <p>Every argument is checked before anything is written: a null destination throws
 * NullPointerException, a range outside the destination IndexOutOfBoundsException, a read-only
 * buffer or {@code offset + n} past the end of the stream IllegalArgumentException. {@code n = 0}
 * is a no-op once the arguments are checked. {@link #close()} waits for calls in progress; calls
 * that start after it throw IllegalStateException. See {@code docs/RELIABILITY.md}.
 */
public interface Backend extends AutoCloseable {

    /** Short name: {@code cpu} or {@code opencl}. */
    String name();

    /** One line saying what runs the work (device, threads). */
    String description();

    /** Writes eps {@code offset .. offset+n-1} of (seed, stream) into {@code dst[pos .. pos+n-1]}. */
    void fillNormal(long seed, long stream, long offset, float[] dst, int pos, int n);

    /** Writes eps {@code offset .. offset+dst.length-1} into all of {@code dst}. */
    default void fillNormal(long seed, long stream, long offset, float[] dst) {
        Objects.requireNonNull(dst, "dst array is null");
        fillNormal(seed, stream, offset, dst, 0, dst.length);
    }

    /** Writes eps into {@code dst} from its position to its limit, then advances its position to its limit. */
    void fillNormal(long seed, long stream, long offset, FloatBuffer dst);

    /** Writes words {@code offset .. offset+n-1} of (seed, stream) into {@code dst[pos .. pos+n-1]}. */
    void fillBits(long seed, long stream, long offset, int[] dst, int pos, int n);

    /** Writes words into {@code dst} from its position to its limit, then advances its position to its limit. */
    void fillBits(long seed, long stream, long offset, IntBuffer dst);

    /**
     * The reparameterized forward pass on host arrays (docs/REPARAM.md): for every element i of
     * (K, B, D) with parameter element p = i mod P,
     * <pre>
     *   eps[i] = eps number offset + i of (seed, stream)
     *   z[i]   = fma(sigma(rho[p]), eps[i], mu[p])
     * </pre>
     * and, when requested, KL(N(mu, sigma^2) || N(0, 1)) of each parameter row and log q(z) of
     * each drawn row (K*B of them), both summed over d in the fixed blocked order of
     * {@link ReparamSpec#SUM_BLOCK}. On OpenCL the forward kernel computes them in the same pass,
     * log q from the eps it has just generated, at any D and offset; only KL alone with parameter
     * rows shared by several drawn rows (K &gt; 1 or broadcast) is a second pass, over the
     * parameters. The bits are the same either way (docs/REPARAM.md).
     *
     * @param mu      (B, D) or (D,), required
     * @param rho     (B, D) or (D,), required; sigma = spec.parameterization().sigma(rho)
     * @param z       (K, B, D) output, required
     * @param eps     (K, B, D) output; required in STORE mode, optional (null) in RECOMPUTE
     * @param kl      {@link ReparamSpec#paramRows()} output, or null
     * @param logProb {@link ReparamSpec#sampleRows()} output, or null
     * @throws NullPointerException for a missing required array
     * @throws IllegalArgumentException for a wrong length, aliased outputs, or (when the spec checks
     *         values) the first bad mu or rho, before anything is written
     */
    void reparamForward(ReparamSpec spec, float[] mu, float[] rho, float[] z, float[] eps, float[] kl, float[] logProb);

    /** {@link #reparamForward(ReparamSpec, float[], float[], float[], float[], float[], float[])} without KL and log q. */
    default void reparamForward(ReparamSpec spec, float[] mu, float[] rho, float[] z, float[] eps) {
        reparamForward(spec, mu, rho, z, eps, null, null);
    }

    /**
     * The reparameterized backward pass on host arrays (docs/REPARAM.md): from dL/dz (and
     * optionally dL/dKL per parameter row and dL/dlog q per drawn row) to dL/dmu and dL/drho:
     * <pre>
     *   Smu[p]  = sum over rows r of gradZ[r*P + p]                  (fixed blocked order)
     *   Ssig[p] = sum over rows r of gradZ[r*P + p] * eps[r*P + p]   (each term an fma into the block sum)
     *   gMu     = Smu;                     gRho = Ssig * dsigma/drho
     *   with gradKl:      gMu  = fma(gKl, mu, gMu);  gRho = fma(gKl, fma(sigma, dsigma, -dlogsigma), gRho)
     *   with gradLogProb: gRho = fma(-Slq, dlogsigma, gRho),  Slq = sum of gradLogProb over p's drawn rows
     *   gradMu[p] = gMu, or gradMu[p] + gMu when accumulating (gradRho alike)
     * </pre>
     * The log q gradient is the total derivative along the reparameterized path: log q =
     * sum_d (-eps^2/2 - log sigma - log(2 pi)/2) with eps fixed, so d/dmu = 0 and
     * d/drho = -dlog sigma/drho.
     *
     * @param eps        the forward pass's eps in STORE mode; must be null in RECOMPUTE (regenerated)
     * @param gradZ      (K, B, D), required
     * @param gradKl     {@link ReparamSpec#paramRows()} or null
     * @param gradLogProb {@link ReparamSpec#sampleRows()} or null
     * @param gradMu     (B, D) or (D,) output, required
     * @param gradRho    (B, D) or (D,) output, required
     * @param accumulate add into gradMu and gradRho instead of overwriting them
     */
    void reparamBackward(ReparamSpec spec, float[] mu, float[] rho, float[] eps, float[] gradZ, float[] gradKl,
                         float[] gradLogProb, float[] gradMu, float[] gradRho, boolean accumulate);

    /** {@link #reparamBackward(ReparamSpec, float[], float[], float[], float[], float[], float[], float[], float[], boolean)} without KL and log q. */
    default void reparamBackward(ReparamSpec spec, float[] mu, float[] rho, float[] eps, float[] gradZ,
                                 float[] gradMu, float[] gradRho, boolean accumulate) {
        reparamBackward(spec, mu, rho, eps, gradZ, null, null, gradMu, gradRho, accumulate);
    }

    /** Waits for calls in progress, then releases what the backend holds. Idempotent. */
    @Override
    void close();
}
