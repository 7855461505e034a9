package org.reparamcl.rng;

/**
 * Float32 exp, log, log1p, softplus and sigmoid built from IEEE float32 operations only, so that
 * the CPU reference and the OpenCL kernels agree bit for bit. {@code kernels/reparam.cl}
 * ({@code fm_exp}, {@code fm_log}, {@code fm_log1p}, and the SOFTPLUS case of
 * {@code rp_transform}) performs the same operations in the same order; every fused multiply-add
 * is an explicit {@link Math#fma(float, float, float)} here and an explicit {@code fma} there.
 *
 * <p>Accuracy against float64, measured on every 7th float32 of each range (docs/REPARAM.md;
 * {@code FloatMathTest} enforces the bounds on a sparser sweep): exp 0.98 ulp, log 0.94 ulp,
 * log1p on [0, 1] 1.27 ulp, softplus 1.97 ulp, sigmoid 2.41 ulp.
 *
 * <p>Implementation note: exp is Cody-Waite reduction x = k ln2 + r, |r| &lt;= ln2/2, a degree-7
 * polynomial {@code 1 + r + r^2 E(r)} fitted by {@code tools/fit_floatmath.py}, and a scale by
 * 2^k applied as two exact powers of two so that results down to the subnormal range round once.
 * log reuses the log1p polynomial of {@link NormalTransform#log(float)} after an exponent split at
 * sqrt(1/2), with subnormal inputs scaled by 2^23 first.
 */
public final class FloatMath {
    /** log2(e) rounded to float32. */
    static final float LOG2E = 0x1.715476p+0f;
    /** 1.5 * 2^23: adding and subtracting it rounds a float below 2^22 to the nearest integer (ties to even). */
    static final float ROUND_TO_INT = 0x1.8p+23f;
    /** ln 2 split for exp: EXP_LN2_HI has 15 significant bits, so k * EXP_LN2_HI is exact for |k| < 2^9. */
    static final float EXP_LN2_HI = 0x1.62e4p-1f;
    /** ln 2 - EXP_LN2_HI, rounded to float32. */
    static final float EXP_LN2_LO = 0x1.7f7d1cp-20f;
    /** exp's argument is clamped to [-EXP_CLAMP, EXP_CLAMP]: beyond it the result is 0 or +inf anyway. */
    static final float EXP_CLAMP = 128.0f;
    /**
     * The largest float whose {@link #exp(float)} is finite: exp(x) is finite for every x up to it
     * (including -inf) and +inf above it and at +inf (FloatMathTest checks every float from 64 to
     * 128; below 64 the result is under e^64, and from 128 up the argument is clamped to 128).
     * The device value check uses it instead of evaluating exp.
     */
    public static final float EXP_FINITE_MAX = 0x1.62e42ep6f;

    /** exp(r) = 1 + r + r^2 * E(r) on |r| <= ln2/2; E_0 .. E_5 (float64 error of the rounded polynomial 6.8e-10 relative). */
    static final float EXP_E0 = 0x1.0p-1f;
    static final float EXP_E1 = 0x1.555556p-3f;
    static final float EXP_E2 = 0x1.5554eap-5f;
    static final float EXP_E3 = 0x1.1110c6p-7f;
    static final float EXP_E4 = 0x1.6d4316p-10f;
    static final float EXP_E5 = 0x1.a1516ap-13f;

    /** Smallest positive normal float32, 2^-126: below it log scales its argument by 2^23 first. */
    static final float MIN_NORMAL = 0x1p-126f;
    /** 2^23. */
    static final float TWO_POW_23 = 0x1p23f;
    /** The NaN every function here returns for an invalid argument (the canonical quiet NaN, 0x7FC00000). */
    public static final float NAN = Float.intBitsToFloat(0x7FC00000);

    /** log(2 pi) / 2 rounded to float32 (the constant of the normal log density). */
    public static final float HALF_LOG_2PI = 0x1.d67f1cp-1f;

    /** Beyond |x| > SOFTPLUS_LINEAR softplus is x (x > 20) or exp(x) (x &lt; -20), within float32 rounding. */
    public static final float SOFTPLUS_LINEAR = 20.0f;

    private FloatMath() {
    }

    /**
     * e^x for every float32: 0 below about -103.97 (subnormal results from -87.34), +inf above
     * about 88.72, NaN for NaN. Under 1 ulp from the exact value.
     */
    public static float exp(float x) {
        float xc = x < -EXP_CLAMP ? -EXP_CLAMP : x;           // comparisons keep NaN
        xc = xc > EXP_CLAMP ? EXP_CLAMP : xc;
        final float kf = (xc * LOG2E + ROUND_TO_INT) - ROUND_TO_INT;
        float r = Math.fma(-kf, EXP_LN2_HI, xc);
        r = Math.fma(-kf, EXP_LN2_LO, r);
        float p = EXP_E5;
        p = Math.fma(p, r, EXP_E4);
        p = Math.fma(p, r, EXP_E3);
        p = Math.fma(p, r, EXP_E2);
        p = Math.fma(p, r, EXP_E1);
        p = Math.fma(p, r, EXP_E0);
        final float y = Math.fma(r * r, p, r) + 1.0f;
        final int k = (int) kf;                               // |k| <= 185
        final int k1 = k >> 1;
        final int k2 = k - k1;
        return y * Float.intBitsToFloat((k1 + 127) << 23) * Float.intBitsToFloat((k2 + 127) << 23);
    }

    /**
     * Natural log: finite positive arguments (normal and subnormal) to under 1 ulp; log(0) =
     * -inf, log(+inf) = +inf, NaN (the canonical {@link #NAN}) for negative and NaN arguments.
     */
    public static float log(float x) {
        if (!(x > 0.0f)) {
            return x == 0.0f ? Float.NEGATIVE_INFINITY : NAN;
        }
        if (x == Float.POSITIVE_INFINITY) {
            return Float.POSITIVE_INFINITY;
        }
        final boolean sub = x < MIN_NORMAL;
        final float xs = sub ? x * TWO_POW_23 : x;
        return NormalTransform.logOfNormalBits(Float.floatToRawIntBits(xs), sub ? -23 : 0);
    }

    /**
     * log(1 + t) for t in [0, 1] (the range softplus uses), under 1.3 ulp there:
     * {@code u = 1 + t; log(u) + (t - (u - 1)) / u}, where {@code t - (u - 1)} is the exact
     * rounding error of {@code 1 + t}.
     */
    public static float log1p(float t) {
        final float u = 1.0f + t;
        final float c = t - (u - 1.0f);
        return log(u) + c / u;
    }

    /**
     * softplus(x) = log(1 + e^x), stable for every x: x for x > 20, e^x for x &lt; -20, and
     * {@code max(x, 0) + log1p(e^-|x|)} between.
     */
    public static float softplus(float x) {
        if (x > SOFTPLUS_LINEAR) {
            return x;
        }
        final float e = exp(-Math.abs(x));
        if (x < -SOFTPLUS_LINEAR) {
            return e;
        }
        return (x > 0.0f ? x : 0.0f) + log1p(e);
    }

    /** sigmoid(x) = 1 / (1 + e^-x), stable for every x: {@code 1/(1+e)} for x >= 0 and {@code e/(1+e)} below, e = e^-|x|. */
    public static float sigmoid(float x) {
        final float e = exp(-Math.abs(x));
        final float d = 1.0f + e;
        return (x >= 0.0f ? 1.0f : e) / d;
    }
}
