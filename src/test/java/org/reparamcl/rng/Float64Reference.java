package org.reparamcl.rng;

/**
 * The float64 evaluation of the noise stream's formula, against which the float32 transform of
 * {@link NormalTransform} is measured (docs/NOISE.md, "Accuracy").
 *
 * <p>For the word pair (a, b): {@code u64} is the exact value of the float32 uniform
 * {@code NormalTransform.uniform(a)} (the uniform's own rounding is part of the stream's
 * definition, not an error), {@code r64 = sqrt(-2 ln u64)} with {@link Math#log}, and
 * {@code (c64, s64) = (cos, sin)(2 pi b / 2^32)}, with {@code eps64 = r64 * c64} or
 * {@code r64 * s64}.
 *
 * <p>Implementation note: the angle is reduced exactly before the double evaluation: b is split
 * into its nearest quadrant q and a signed remainder r (an integer, |r| <= 2^29), the double
 * sin/cos are taken of {@code (pi/2) * r / 2^30}, and the quadrant's sign/swap is applied. This
 * is the same mathematical value as {@code Math.cos(2 * Math.PI * b / 2^32)} but stays accurate to
 * a few double ulps near the zeros of sin and cos: the unreduced double angle for b = 2^30 gives
 * cos = 6.1e-17 where the exact value is 0, which would read as millions of float32 ulps.
 */
final class Float64Reference {
    private Float64Reference() {
    }

    /** ln u in double precision. */
    static double log(float u) {
        return Math.log(u);
    }

    /** sqrt(-2 ln u64) for u64 the exact value of the float32 uniform of word {@code a}. */
    static double radius(int a) {
        return Math.sqrt(-2.0 * Math.log(NormalTransform.uniform(a)));
    }

    /** cos(2 pi b / 2^32). */
    static double cosTurn(int b) {
        final int q = (b + 0x20000000) >>> 30;
        final double phi = quarterAngle(b - (q << 30));
        switch (q) {
            case 0: return Math.cos(phi);
            case 1: return -Math.sin(phi);
            case 2: return -Math.cos(phi);
            default: return Math.sin(phi);
        }
    }

    /** sin(2 pi b / 2^32). */
    static double sinTurn(int b) {
        final int q = (b + 0x20000000) >>> 30;
        final double phi = quarterAngle(b - (q << 30));
        switch (q) {
            case 0: return Math.sin(phi);
            case 1: return Math.cos(phi);
            case 2: return -Math.sin(phi);
            default: return -Math.cos(phi);
        }
    }

    /** (pi/2) * r / 2^30 for the exact signed quadrant remainder r. */
    static double quarterAngle(int r) {
        return Math.PI / 2 * (r * 0x1p-30);
    }

    /** eps64 of the cosine half of the pair (a, b). */
    static double first(int a, int b) {
        return radius(a) * cosTurn(b);
    }

    /** eps64 of the sine half of the pair (a, b). */
    static double second(int a, int b) {
        return radius(a) * sinTurn(b);
    }

    /**
     * The float32 ulp at {@code y}: 2^(e - 23) for |y| in [2^e, 2^(e+1)), and 2^-149 below the
     * normal range. Taken from the exact value (not from y rounded to float), so that a reference
     * just below a power of two is not measured in the coarser ulp above it.
     */
    static double ulp32(double y) {
        return Math.scalb(1.0, Math.max(Math.getExponent(y), Float.MIN_EXPONENT) - 23);
    }

    /** |x - y| in float32 ulps of the reference y. */
    static double ulps(float x, double y) {
        return Math.abs(x - y) / ulp32(y);
    }
}
