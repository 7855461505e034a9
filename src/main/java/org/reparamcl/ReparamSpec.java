package org.reparamcl;

import java.util.Objects;

import org.reparamcl.rng.NoiseStream;

/**
 * What one reparameterized call computes: the shapes, the parameterization, where its noise
 * comes from in the stream, the noise mode and the value policy. Immutable; build with
 * {@link #builder()}. docs/REPARAM.md is the full contract.
 *
 * <p><b>Shapes.</b> mu and rho have shape (B, D), or (D,) when {@link #broadcast()} (shared by
 * all B rows). K samples per parameter give z and eps of shape (K, B, D), row-major:
 * element (k, b, d) is at index {@code (k*B + b)*D + d} and uses eps number
 * {@code offset + (k*B + b)*D + d} of (seed, stream) (SPEC §2). Every element count is a long.
 * <ul>
 *   <li>{@link #elements()} = K*B*D: z, eps, gradZ;</li>
 *   <li>{@link #paramElements()} P = B*D, or D when broadcast: mu, rho, gradMu, gradRho;</li>
 *   <li>{@link #paramRows()} = B, or 1 when broadcast: kl and gradKl (one KL per parameter row);</li>
 *   <li>{@link #sampleRows()} = K*B: logProb and gradLogProb (one log q per drawn row).</li>
 * </ul>
 * Parameter element p of z's element i is {@code i mod P}: z is mu repeated {@link #reductionRows()}
 * times along a leading axis (K rows, or K*B when broadcast), element i in repetition i / P.
 *
 * <p><b>Value policy.</b> With {@link #checkValues()} (the default) every call first checks mu
 * and rho and throws IllegalArgumentException naming the first bad element (lowest index) before
 * writing anything: mu and rho must be finite, rho must be positive for
 * {@link Parameterization#SIGMA}, and sigma(rho) must be finite; a backward pass given gradKl or
 * gradLogProb also needs the factors those gradients multiply finite
 * ({@link Parameterization#rejectionOf(float, boolean, boolean)}). Without it nothing is checked and
 * values propagate by IEEE arithmetic. Upstream gradients (gradZ, gradKl, gradLogProb) are never
 * checked.
 */
public final class ReparamSpec {
    /**
     * Width of the blocks of every fixed-order sum: sums over d (KL, log q) and over the rows of
     * the backward pass add blocks of this many consecutive terms, then add the block sums in order.
     */
    public static final int SUM_BLOCK = 64;

    private final Parameterization parameterization;
    private final int samples;
    private final long rows;
    private final long dim;
    private final boolean broadcast;
    private final long seed;
    private final long stream;
    private final long offset;
    private final NoiseMode noiseMode;
    private final boolean checkValues;
    private final long elements;

    /** The spec a builder describes, after checking it. */
    private static ReparamSpec of(Builder b) {
        if (!b.shapeSet) {
            throw new IllegalArgumentException("shape (samples, rows, dim) is not set");
        }
        if (!b.seedSet) {
            throw new IllegalArgumentException("seed is not set");
        }
        if (b.samples < 1) {
            throw new IllegalArgumentException("samples K must be >= 1, got " + b.samples);
        }
        if (b.rows < 0 || b.dim < 0) {
            throw new IllegalArgumentException("rows B and dim D must be >= 0, got B = " + b.rows + ", D = " + b.dim);
        }
        final long n;
        try {
            n = Math.multiplyExact(Math.multiplyExact((long) b.samples, b.rows), b.dim);
            Math.multiplyExact(b.rows, b.dim);                // P
            Math.multiplyExact((long) b.samples, b.rows);     // K*B, even when D = 0
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("shape (K, B, D) = (" + b.samples + ", " + b.rows + ", " + b.dim
                    + ") has more than 2^63 - 1 elements", e);
        }
        NoiseStream.checkRange(b.offset, n);
        return new ReparamSpec(Objects.requireNonNull(b.parameterization, "parameterization is null"),
                Objects.requireNonNull(b.noiseMode, "noise mode is null"), b.samples, b.rows, b.dim, b.broadcast,
                b.seed, b.stream, b.offset, b.checkValues, n);
    }

    private ReparamSpec(Parameterization parameterization, NoiseMode noiseMode, int samples, long rows, long dim,
                        boolean broadcast, long seed, long stream, long offset, boolean checkValues, long elements) {
        this.parameterization = parameterization;
        this.noiseMode = noiseMode;
        this.samples = samples;
        this.rows = rows;
        this.dim = dim;
        this.broadcast = broadcast;
        this.seed = seed;
        this.stream = stream;
        this.offset = offset;
        this.checkValues = checkValues;
        this.elements = elements;
    }

    /** A builder with parameterization sigma, stream 0, offset 0, no broadcast, RECOMPUTE and checked values. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this spec's settings. */
    public Builder toBuilder() {
        final Builder b = new Builder();
        b.parameterization = parameterization;
        b.samples = samples;
        b.rows = rows;
        b.dim = dim;
        b.shapeSet = true;
        b.broadcast = broadcast;
        b.seed = seed;
        b.seedSet = true;
        b.stream = stream;
        b.offset = offset;
        b.noiseMode = noiseMode;
        b.checkValues = checkValues;
        return b;
    }

    /** This spec with another offset (an unsigned 64-bit index into the stream). */
    public ReparamSpec withOffset(long newOffset) {
        if (newOffset == offset) {
            return this;
        }
        NoiseStream.checkRange(newOffset, elements);      // one object, no builder: samplers call this every step
        return new ReparamSpec(parameterization, noiseMode, samples, rows, dim, broadcast, seed, stream, newOffset,
                checkValues, elements);
    }

    /**
     * The offset just past this call's noise: {@code offset + elements()} (where the next call may
     * start). Throws IllegalStateException when this call ends the stream (its last element is
     * eps_{2^64 - 1}): no offset follows it, and wrapping to 0 would reuse the stream's first eps.
     */
    public long nextOffset() {
        final long next = offset + elements;
        if (elements > 0 && Long.compareUnsigned(next, offset) <= 0) {
            throw new IllegalStateException("the stream ends with this call (offset " + Long.toUnsignedString(offset)
                    + ", " + elements + " elements): no next offset");
        }
        return next;
    }

    public Parameterization parameterization() {
        return parameterization;
    }

    /** K >= 1. */
    public int samples() {
        return samples;
    }

    /** B >= 0. */
    public long rows() {
        return rows;
    }

    /** D >= 0. */
    public long dim() {
        return dim;
    }

    /** Whether mu and rho have shape (D,) and are shared by all rows. */
    public boolean broadcast() {
        return broadcast;
    }

    public long seed() {
        return seed;
    }

    public long stream() {
        return stream;
    }

    /** Index of eps for element 0, read as unsigned. */
    public long offset() {
        return offset;
    }

    public NoiseMode noiseMode() {
        return noiseMode;
    }

    /** Whether calls reject non-finite or out-of-domain mu and rho (see the class comment). */
    public boolean checkValues() {
        return checkValues;
    }

    /** K*B*D: elements of z, eps and gradZ. */
    public long elements() {
        return elements;
    }

    /** P = B*D, or D when broadcast: elements of mu, rho, gradMu and gradRho. */
    public long paramElements() {
        return broadcast ? dim : rows * dim;
    }

    /** B, or 1 when broadcast: elements of kl and gradKl. */
    public long paramRows() {
        return broadcast ? 1 : rows;
    }

    /** K*B: elements of logProb and gradLogProb. */
    public long sampleRows() {
        return samples * rows;
    }

    /** The rows the backward pass sums over for each parameter element: K, or K*B when broadcast. */
    public long reductionRows() {
        return broadcast ? samples * rows : samples;
    }

    /**
     * Checks the host arrays of a forward call: mu, rho and z are required, eps is required in
     * STORE mode and optional in RECOMPUTE, kl and logProb are optional (null: not computed);
     * each given array has exactly its element count and no output is another argument.
     */
    public void requireForwardArrays(float[] mu, float[] rho, float[] z, float[] eps, float[] kl, float[] logProb) {
        requireLength("mu", mu, paramElements(), true);
        requireLength("rho", rho, paramElements(), true);
        requireLength("z", z, elements, true);
        if (eps == null && noiseMode == NoiseMode.STORE) {
            throw new NullPointerException(STORE_FORWARD_NEEDS_EPS);
        }
        requireLength("eps", eps, elements, false);
        requireLength("kl", kl, paramRows(), false);
        requireLength("logProb", logProb, sampleRows(), false);
        requireDistinct(new Object[] {z, eps, kl, logProb}, new String[] {"z", "eps", "kl", "logProb"},
                new Object[] {mu, rho}, new String[] {"mu", "rho"});
    }

    /**
     * Checks the host arrays of a backward call: mu, rho, gradZ, gradMu and gradRho are required;
     * eps is required in STORE mode and must be null in RECOMPUTE; gradKl and gradLogProb are
     * optional; each given array has exactly its element count and no output is another argument.
     */
    public void requireBackwardArrays(float[] mu, float[] rho, float[] eps, float[] gradZ, float[] gradKl,
                                      float[] gradLogProb, float[] gradMu, float[] gradRho) {
        requireLength("mu", mu, paramElements(), true);
        requireLength("rho", rho, paramElements(), true);
        requireEps(eps != null);
        requireLength("eps", eps, elements, false);
        requireLength("gradZ", gradZ, elements, true);
        requireLength("gradKl", gradKl, paramRows(), false);
        requireLength("gradLogProb", gradLogProb, sampleRows(), false);
        requireLength("gradMu", gradMu, paramElements(), true);
        requireLength("gradRho", gradRho, paramElements(), true);
        requireDistinct(new Object[] {gradMu, gradRho}, new String[] {"gradMu", "gradRho"},
                new Object[] {mu, rho, eps, gradZ, gradKl, gradLogProb},
                new String[] {"mu", "rho", "eps", "gradZ", "gradKl", "gradLogProb"});
    }

    /** The message when a STORE-mode forward call gets no eps (host arrays or device buffers). */
    public static final String STORE_FORWARD_NEEDS_EPS =
            "eps is null but the noise mode is STORE (forward writes eps for the backward pass to read)";

    /** Checks that a backward call's eps presence matches the noise mode. */
    public void requireEps(boolean given) {
        if (noiseMode == NoiseMode.STORE && !given) {
            throw new NullPointerException("eps is null but the noise mode is STORE (backward reads the stored eps)");
        }
        if (noiseMode == NoiseMode.RECOMPUTE && given) {
            throw new IllegalArgumentException("eps was given but the noise mode is RECOMPUTE (backward regenerates eps; pass null)");
        }
    }

    /**
     * When {@link #checkValues()}, throws for the first bad (mu, rho) element (see the class
     * comment); does nothing otherwise.
     */
    public void requireValidParameters(float[] mu, float[] rho) {
        requireValidParameters(mu, rho, false, false);
    }

    /**
     * As {@link #requireValidParameters(float[], float[])}, for a backward pass that takes the KL
     * gradient ({@code klGradient}) or the log q gradient ({@code logProbGradient}): rho must then
     * also pass {@link Parameterization#rejectionOf(float, boolean, boolean)}.
     */
    public void requireValidParameters(float[] mu, float[] rho, boolean klGradient, boolean logProbGradient) {
        if (!checkValues) {
            return;
        }
        final int n = mu.length;
        for (int p = 0; p < n; p++) {
            final float m = mu[p];
            final float r = rho[p];
            if (!Float.isFinite(m) || parameterization.rejectionOf(r, klGradient, logProbGradient) != null) {
                throw invalidParameter(p, m, r, klGradient, logProbGradient);
            }
        }
    }

    /**
     * The exception for parameter element {@code p}, whose values are (mu, rho), under the check
     * of a call that takes the KL gradient ({@code klGradient}) or the log q gradient
     * ({@code logProbGradient}), or neither; names the index (and its (b, d) position when mu is
     * (B, D)) and what is wrong.
     */
    public IllegalArgumentException invalidParameter(long p, float mu, float rho, boolean klGradient,
                                                     boolean logProbGradient) {
        final String where = broadcast || dim == 0 ? "[" + p + "]" : "[" + p + "] (b = " + p / dim + ", d = " + p % dim + ")";
        if (!Float.isFinite(mu)) {
            return new IllegalArgumentException("mu" + where + " = " + mu + " is not finite");
        }
        final String why = parameterization.rejectionOf(rho, klGradient, logProbGradient);
        return new IllegalArgumentException("rho" + where + " = " + rho + " " + (why == null ? "is invalid" : why)
                + " (parameterization " + parameterization.cliName() + ")");
    }

    private static void requireLength(String name, float[] a, long expected, boolean required) {
        if (a == null) {
            if (required) {
                throw new NullPointerException(name + " is null");
            }
            return;
        }
        if (a.length != expected) {
            throw new IllegalArgumentException(name + " has length " + a.length + ", expected " + expected);
        }
    }

    private static void requireDistinct(Object[] outs, String[] outNames, Object[] ins, String[] inNames) {
        for (int i = 0; i < outs.length; i++) {
            if (outs[i] == null) {
                continue;
            }
            for (int j = i + 1; j < outs.length; j++) {
                if (outs[i] == outs[j]) {
                    throw new IllegalArgumentException(outNames[i] + " and " + outNames[j] + " are the same array");
                }
            }
            for (int j = 0; j < ins.length; j++) {
                if (outs[i] == ins[j]) {
                    throw new IllegalArgumentException(outNames[i] + " and " + inNames[j] + " are the same array");
                }
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ReparamSpec)) {
            return false;
        }
        final ReparamSpec s = (ReparamSpec) o;
        return parameterization == s.parameterization && samples == s.samples && rows == s.rows && dim == s.dim
                && broadcast == s.broadcast && seed == s.seed && stream == s.stream && offset == s.offset
                && noiseMode == s.noiseMode && checkValues == s.checkValues;
    }

    @Override
    public int hashCode() {
        return Objects.hash(parameterization, samples, rows, dim, broadcast, seed, stream, offset, noiseMode, checkValues);
    }

    @Override
    public String toString() {
        return "ReparamSpec[K=" + samples + ", B=" + rows + ", D=" + dim + (broadcast ? ", broadcast" : "")
                + ", " + parameterization.cliName() + ", seed=" + seed + ", stream=" + stream
                + ", offset=" + Long.toUnsignedString(offset) + ", " + noiseMode + (checkValues ? "" : ", unchecked") + "]";
    }

    /** Builder of {@link ReparamSpec}; shape and seed are required. */
    public static final class Builder {
        private Parameterization parameterization = Parameterization.SIGMA;
        private int samples;
        private long rows;
        private long dim;
        private boolean shapeSet;
        private boolean broadcast;
        private long seed;
        private boolean seedSet;
        private long stream;
        private long offset;
        private NoiseMode noiseMode = NoiseMode.RECOMPUTE;
        private boolean checkValues = true;

        private Builder() {
        }

        /** z has shape (samples, rows, dim); mu and rho (rows, dim), or (dim,) with {@link #broadcast(boolean)}. */
        public Builder shape(int samples, long rows, long dim) {
            this.samples = samples;
            this.rows = rows;
            this.dim = dim;
            this.shapeSet = true;
            return this;
        }

        /** Whether mu and rho have shape (D,), shared by all B rows (default false). */
        public Builder broadcast(boolean broadcast) {
            this.broadcast = broadcast;
            return this;
        }

        /** Default {@link Parameterization#SIGMA}. */
        public Builder parameterization(Parameterization parameterization) {
            this.parameterization = parameterization;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            this.seedSet = true;
            return this;
        }

        /** Default 0. */
        public Builder stream(long stream) {
            this.stream = stream;
            return this;
        }

        /** Index of eps for element 0, unsigned 64-bit (default 0). */
        public Builder offset(long offset) {
            this.offset = offset;
            return this;
        }

        /** Default {@link NoiseMode#RECOMPUTE}. */
        public Builder noiseMode(NoiseMode noiseMode) {
            this.noiseMode = noiseMode;
            return this;
        }

        /** Whether to reject bad mu and rho (default true); false lets values propagate by IEEE arithmetic. */
        public Builder checkValues(boolean checkValues) {
            this.checkValues = checkValues;
            return this;
        }

        /**
         * The spec; IllegalArgumentException when the shape or seed is missing, K &lt; 1, B or D is
         * negative, K*B*D overflows a long, or offset + K*B*D runs past the end of the stream.
         */
        public ReparamSpec build() {
            return ReparamSpec.of(this);
        }
    }
}
