package org.reparamcl.cpu;

import java.util.SplittableRandom;

import org.reparamcl.cpu.AffineProduct.Init;

/**
 * A random product for the affine tests: shapes, one of the head's three stride patterns, an init,
 * and operands of mixed sign and magnitude (so that the rounding order shows in the bits).
 *
 * @param pattern 0: A (m, p) row-major, B (p, n) row-major (x W); 1: A stored (p, m), B (p, n)
 *                row-major (x^T G); 2: A (m, p) row-major, B stored (n, p) (G W^T)
 * @param c0      the start of c, for {@link Init#ACCUMULATE}
 */
public record ProductCase(int m, int n, int p, Init init, int pattern, int aSi, int aSp, int bSp, int bSj,
                          float[] a, float[] b, float[] bias, float[] c0) {

    /** A case of the given shape, init and pattern, its operands drawn from rnd. */
    public static ProductCase random(SplittableRandom rnd, int m, int n, int p, Init init, int pattern) {
        return new ProductCase(m, n, p, init, pattern, pattern == 1 ? 1 : p, pattern == 1 ? m : 1,
                pattern == 2 ? 1 : n, pattern == 2 ? p : 1,
                values(rnd, m * p), values(rnd, p * n), values(rnd, n), values(rnd, m * n));
    }

    /** n values (2u - 1) 2^k with u uniform on [0, 1) and k uniform on -6 .. 6. */
    public static float[] values(SplittableRandom rnd, int n) {
        final float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((rnd.nextDouble() * 2 - 1) * Math.pow(2, rnd.nextInt(-6, 7)));
        }
        return v;
    }

    /** c by {@link AffineProduct#multiply}, from c0. */
    public float[] expected() {
        final float[] c = c0.clone();
        AffineProduct.multiply(a, aSi, aSp, b, bSp, bSj, bias, init, c, m, n, p);
        return c;
    }

    @Override
    public String toString() {
        return "m=" + m + " n=" + n + " p=" + p + " init=" + init + " pattern=" + pattern;
    }
}
