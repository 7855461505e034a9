package org.reparamcl.rng;

/**
 * The float32 Box-Muller transform of the noise stream, stream version {@value #STREAM_VERSION}.
 *
 * <p>This class is the readable definition of every bit of eps; {@code kernels/normal.cl}
 * performs the same IEEE float32 operations in the same order (no contraction: every fused
 * multiply-add here is an explicit {@link Math#fma(float, float, float)} and an explicit
 * {@code fma} there). {@code docs/NOISE.md} states the algorithm and its error bounds.
 *
 * <p>For the word pair (a, b) = (word 2m, word 2m+1):
 * <pre>
 *   u   = uniform(a)                 in (0, 1], resolution 2^-32 near 0
 *   r   = sqrt(-2 * log(u))          own polynomial log, correctly rounded sqrt
 *   (c, s) = cos, sin of 2 pi b / 2^32   own polynomials after an exact quadrant split
 *   eps_2m = r * c,  eps_2m+1 = r * s
 * </pre>
 *
 * <p>{@link NoiseStream}'s fills inline these operations for speed (its implementation note says
 * how); a change here must be made there too, and NoiseStreamTest checks that the two agree.
 *
 * <p>Implementation note: the coefficients were fitted by {@code tools/fit_polynomials.py}
 * (least squares on Chebyshev nodes, rounded to float32); their float64 approximation error is
 * below 1.5e-8 relative for log1p and 2.4e-8 absolute for sin/cos (up to 0.57 float32 ulp for sin,
 * mostly from pi/2 rounded to float32); docs/NOISE.md gives the measured end-to-end bounds.
 */
public final class NormalTransform {
    /** Version of the stream: any change to an output bit of eps must increment it. */
    public static final int STREAM_VERSION = 1;

    /** 2^-32: the uniform's step. */
    static final float TWO_POW_M32 = 0x1p-32f;
    /** 2^-33: half a step, so that the uniform is never 0 (its least value is 2^-33). */
    static final float TWO_POW_M33 = 0x1p-33f;
    /** 2^-30: scales a signed 30-bit quadrant remainder to [-1/2, 1/2). */
    static final float TWO_POW_M30 = 0x1p-30f;

    /** Bits of float32 sqrt(1/2): the log's reduction puts the mantissa in [sqrt(1/2), sqrt(2)). */
    static final int SQRT_HALF_BITS = 0x3F3504F3;
    /** ln 2 split: LN2_HI has 9 significant bits so that e * LN2_HI is exact for |e| < 2^15. */
    static final float LN2_HI = 0x1.63p-1f;
    /** ln 2 - LN2_HI, rounded to float32. */
    static final float LN2_LO = -0x1.bd0106p-13f;

    /** log1p(t) = t + t^2 * Q(t) on t in [sqrt(1/2) - 1, sqrt(2) - 1); Q_0 .. Q_8. */
    static final float LOG_Q0 = -0x1.fffffep-2f;
    static final float LOG_Q1 = 0x1.55554ep-2f;
    static final float LOG_Q2 = -0x1.000206p-2f;
    static final float LOG_Q3 = 0x1.99a3ecp-3f;
    static final float LOG_Q4 = -0x1.548882p-3f;
    static final float LOG_Q5 = 0x1.22973ap-3f;
    static final float LOG_Q6 = -0x1.0c524cp-3f;
    static final float LOG_Q7 = 0x1.0696e6p-3f;
    static final float LOG_Q8 = -0x1.4238p-4f;

    /** sin(pi/2 f) = f * S(f^2) on f in [-1/2, 1/2]; S_0 .. S_3. */
    static final float SIN_S0 = 0x1.921fb6p+0f;
    static final float SIN_S1 = -0x1.4abbbap-1f;
    static final float SIN_S2 = 0x1.465ec4p-4f;
    static final float SIN_S3 = -0x1.2d9b7cp-8f;

    /** cos(pi/2 f) = 1 + f^2 * C(f^2) on f in [-1/2, 1/2]; C_0 .. C_3. */
    static final float COS_C0 = -0x1.3bd3ccp+0f;
    static final float COS_C1 = 0x1.03c1eap-2f;
    static final float COS_C2 = -0x1.55cb9ap-6f;
    static final float COS_C3 = 0x1.db6558p-11f;

    private NormalTransform() {
    }

    /**
     * Maps a 32-bit word to a uniform in (0, 1]: {@code float(w) * 2^-32 + 2^-33}, with
     * {@code w} read as unsigned, the conversion rounded to nearest even and each operation
     * rounded separately. Least value 2^-33; words at or above 2^32 - 128 give exactly 1.
     */
    public static float uniform(int w) {
        final float f = (float) (w & 0xFFFFFFFFL);
        return f * TWO_POW_M32 + TWO_POW_M33;
    }

    /** Natural log of a positive normal float32 (the domain the uniform produces). */
    public static float log(float u) {
        return logOfNormalBits(Float.floatToRawIntBits(u), 0);
    }

    /**
     * The log of a positive normal float given by its bits, plus {@code extraExponent * ln 2}:
     * the one definition of the polynomial log, shared with {@link FloatMath#log(float)} (which
     * scales subnormals up by 2^23 and passes -23).
     */
    static float logOfNormalBits(int bits, int extraExponent) {
        final int e = (bits - SQRT_HALF_BITS) >> 23;
        final float m = Float.intBitsToFloat(bits - (e << 23));
        final float t = m - 1.0f;                 // exact: m is in [1/2, 2] (Sterbenz)
        float q = LOG_Q8;
        q = Math.fma(q, t, LOG_Q7);
        q = Math.fma(q, t, LOG_Q6);
        q = Math.fma(q, t, LOG_Q5);
        q = Math.fma(q, t, LOG_Q4);
        q = Math.fma(q, t, LOG_Q3);
        q = Math.fma(q, t, LOG_Q2);
        q = Math.fma(q, t, LOG_Q1);
        q = Math.fma(q, t, LOG_Q0);
        final float t2 = t * t;
        final float p = Math.fma(t2, q, t);
        final float ef = (float) (e + extraExponent);
        return Math.fma(ef, LN2_HI, Math.fma(ef, LN2_LO, p));
    }

    /** The radius {@code sqrt(-2 log(uniform(w)))}; at most sqrt(66 ln 2) = 6.7636. */
    public static float radius(int w) {
        final float l = log(uniform(w));
        return (float) Math.sqrt(-2.0f * l);      // float sqrt via double is correctly rounded
    }

    /** sin(pi/2 f) for f in [-1/2, 1/2]. */
    static float sinQuarter(float f) {
        final float f2 = f * f;
        float s = SIN_S3;
        s = Math.fma(s, f2, SIN_S2);
        s = Math.fma(s, f2, SIN_S1);
        s = Math.fma(s, f2, SIN_S0);
        return f * s;
    }

    /** cos(pi/2 f) for f in [-1/2, 1/2]. */
    static float cosQuarter(float f) {
        final float f2 = f * f;
        float c = COS_C3;
        c = Math.fma(c, f2, COS_C2);
        c = Math.fma(c, f2, COS_C1);
        c = Math.fma(c, f2, COS_C0);
        return Math.fma(c, f2, 1.0f);
    }

    /** Nearest quadrant of the angle 2 pi w / 2^32: (w + 2^29) >>> 30, in 0..3. */
    static int quadrant(int w) {
        return (w + 0x20000000) >>> 30;
    }

    /** Position of the angle within its quadrant as a fraction of pi/2, in [-1/2, 1/2). */
    static float quadrantFraction(int w) {
        final int r = w - (quadrant(w) << 30);    // signed, in [-2^29, 2^29)
        return (float) r * TWO_POW_M30;
    }

    /** cos(2 pi w / 2^32). */
    public static float cosTurn(int w) {
        final float f = quadrantFraction(w);
        switch (quadrant(w)) {
            case 0: return cosQuarter(f);
            case 1: return -sinQuarter(f);
            case 2: return -cosQuarter(f);
            default: return sinQuarter(f);
        }
    }

    /** sin(2 pi w / 2^32). */
    public static float sinTurn(int w) {
        final float f = quadrantFraction(w);
        switch (quadrant(w)) {
            case 0: return sinQuarter(f);
            case 1: return cosQuarter(f);
            case 2: return -sinQuarter(f);
            default: return -cosQuarter(f);
        }
    }

    /** eps_2m from the word pair (word 2m, word 2m+1). */
    public static float first(int a, int b) {
        return radius(a) * cosTurn(b);
    }

    /** eps_2m+1 from the word pair (word 2m, word 2m+1). */
    public static float second(int a, int b) {
        return radius(a) * sinTurn(b);
    }
}
