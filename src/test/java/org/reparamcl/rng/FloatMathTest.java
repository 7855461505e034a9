package org.reparamcl.rng;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.DoubleUnaryOperator;

import org.junit.jupiter.api.Test;

/**
 * FloatMath against float64 on a sweep over float32 bit patterns (every 977th float of each range;
 * docs/REPARAM.md records the maxima of a denser sweep), and its special values.
 */
class FloatMathTest {
    interface FloatOp {
        float apply(float x);
    }

    /** Error in units of the float32 ulp at the exact value (subnormal results: the subnormal step). */
    static double ulps(float got, double exact) {
        if (Double.isNaN(exact)) {
            return Float.isNaN(got) ? 0 : Double.POSITIVE_INFINITY;
        }
        if (Math.abs(exact) > Float.MAX_VALUE) {
            final float f = (float) exact;                     // rounds to +-inf or MAX_VALUE
            return Float.isInfinite(f) ? (got == f ? 0 : Double.POSITIVE_INFINITY) : Math.abs(got - exact) / Math.ulp(Float.MAX_VALUE);
        }
        final double u = Math.abs(exact) < Float.MIN_NORMAL ? Float.MIN_VALUE : Math.ulp((float) exact);
        return Math.abs(got - exact) / u;
    }

    /** Max ulp error over floats in [lo, hi] (same sign), every {@code stride}-th bit pattern and the ends. */
    static double sweep(FloatOp f, DoubleUnaryOperator exact, float lo, float hi, int stride) {
        double max = 0;
        if (lo < 0 && hi > 0) {
            return Math.max(sweep(f, exact, lo, -0.0f, stride), sweep(f, exact, 0.0f, hi, stride));
        }
        final int a = Float.floatToRawIntBits(Math.abs(lo) < Math.abs(hi) ? lo : hi);
        final int b = Float.floatToRawIntBits(Math.abs(lo) < Math.abs(hi) ? hi : lo);
        for (long i = a; i <= b; i += stride) {
            final float x = Float.intBitsToFloat((int) i);
            max = Math.max(max, ulps(f.apply(x), exact.applyAsDouble(x)));
        }
        return Math.max(max, ulps(f.apply(Float.intBitsToFloat(b)), exact.applyAsDouble(Float.intBitsToFloat(b))));
    }

    static double softplus64(double x) {
        return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
    }

    /**
     * EXP_FINITE_MAX is exactly where exp stops being finite (the device value check relies on
     * it): every float from 64 to 128, then a sweep of the rest (below 64 exp stays under e^64;
     * from 128 up its argument is clamped). And softplus is finite for every finite argument, the
     * other fact the check relies on (every 1009th float).
     */
    @Test
    void expIsFiniteExactlyUpToExpFiniteMaxAndSoftplusOfFiniteIsFinite() {
        final float edge = FloatMath.EXP_FINITE_MAX;
        for (int b = Float.floatToRawIntBits(64f); b <= Float.floatToRawIntBits(128f); b++) {
            final float x = Float.intBitsToFloat(b);
            assertEquals(x <= edge, Float.isFinite(FloatMath.exp(x)), "exp(" + x + ")");
        }
        assertTrue(!Float.isFinite(FloatMath.exp(Float.POSITIVE_INFINITY)) && FloatMath.exp(Float.NEGATIVE_INFINITY) == 0f);
        for (long b = 0; b <= 0xFFFFFFFFL; b += 1009) {
            final float x = Float.intBitsToFloat((int) b);
            if (!Float.isFinite(x)) {
                continue;
            }
            if (x < 64f || x > 128f) {
                assertEquals(x <= edge, Float.isFinite(FloatMath.exp(x)), "exp(" + x + ")");
            }
            assertTrue(Float.isFinite(FloatMath.softplus(x)), "softplus(" + x + ")");
        }
    }

    @Test
    void expWithinOneUlpIncludingSubnormalResults() {
        final double e = sweep(FloatMath::exp, Math::exp, -104.0f, 88.72f, 977);
        assertTrue(e < 1.0, "exp max ulp " + e);
    }

    @Test
    void logWithinOneUlpOnAllPositiveFloats() {
        final double e = sweep(FloatMath::log, Math::log, Float.MIN_VALUE, Float.MAX_VALUE, 977);
        assertTrue(e < 1.0, "log max ulp " + e);
    }

    @Test
    void log1pWithinOnePointThreeUlpOnZeroToOne() {
        final double e = sweep(FloatMath::log1p, Math::log1p, 0.0f, 1.0f, 977);
        assertTrue(e < 1.3, "log1p max ulp " + e);
    }

    @Test
    void softplusAndSigmoidWithinTwoAndAHalfUlp() {
        final double s = sweep(FloatMath::softplus, FloatMathTest::softplus64, -150.0f, 150.0f, 977);
        assertTrue(s < 2.0, "softplus max ulp " + s);
        final double g = sweep(FloatMath::sigmoid, x -> 1.0 / (1.0 + Math.exp(-x)), -150.0f, 150.0f, 977);
        assertTrue(g < 2.5, "sigmoid max ulp " + g);
    }

    /**
     * log q's constant HALF_LOG_2PI is log(2 pi) / 2 correctly rounded to float32: an ulp off, shared
     * by both backends, shifts every log q term by 6e-8, inside every closed-form tolerance.
     */
    @Test
    void halfLog2PiIsCorrectlyRounded() {
        final double exact = 0.5 * Math.log(2 * Math.PI);
        assertEquals((float) exact, FloatMath.HALF_LOG_2PI);
        assertTrue(Math.abs(FloatMath.HALF_LOG_2PI - exact) <= Math.ulp(FloatMath.HALF_LOG_2PI) / 2);
    }

    @Test
    void specialValues() {
        assertEquals(0.0f, FloatMath.exp(Float.NEGATIVE_INFINITY));
        assertEquals(0.0f, FloatMath.exp(-200.0f));
        assertEquals(Float.POSITIVE_INFINITY, FloatMath.exp(Float.POSITIVE_INFINITY));
        assertEquals(Float.POSITIVE_INFINITY, FloatMath.exp(89.0f));
        assertEquals(1.0f, FloatMath.exp(0.0f));
        assertEquals(1.0f, FloatMath.exp(-0.0f));
        assertTrue(Float.isNaN(FloatMath.exp(Float.NaN)));
        assertEquals(Float.MIN_VALUE, FloatMath.exp(-103.5f));             // rounds to the least subnormal
        assertEquals(0.0f, FloatMath.log(1.0f));
        assertEquals(Float.NEGATIVE_INFINITY, FloatMath.log(0.0f));
        assertEquals(Float.NEGATIVE_INFINITY, FloatMath.log(-0.0f));
        assertEquals(Float.POSITIVE_INFINITY, FloatMath.log(Float.POSITIVE_INFINITY));
        assertEquals(Float.floatToRawIntBits(FloatMath.NAN), Float.floatToRawIntBits(FloatMath.log(-1.0f)));
        assertTrue(Float.isNaN(FloatMath.log(Float.NaN)));
        assertEquals(Math.log(Float.MIN_VALUE), FloatMath.log(Float.MIN_VALUE), 1e-5);
        assertEquals(0.0f, FloatMath.log1p(0.0f));
        assertEquals(1e-30f, FloatMath.log1p(1e-30f));
        assertEquals(1000.0f, FloatMath.softplus(1000.0f));
        assertEquals(Float.MAX_VALUE, FloatMath.softplus(Float.MAX_VALUE));
        assertEquals(0.0f, FloatMath.softplus(-1000.0f));
        assertEquals(FloatMath.exp(-30.0f), FloatMath.softplus(-30.0f));
        assertEquals(1.0f, FloatMath.sigmoid(100.0f));
        assertEquals(0.0f, FloatMath.sigmoid(-200.0f));
        assertEquals(0.5f, FloatMath.sigmoid(0.0f));
    }

    @Test
    void logAgreesWithTheNoiseStreamLogOnItsDomain() {
        for (int w = 0; w < 1 << 20; w++) {
            final float u = NormalTransform.uniform(w * 4099);
            assertEquals(Float.floatToRawIntBits(NormalTransform.log(u)), Float.floatToRawIntBits(FloatMath.log(u)));
        }
    }
}
