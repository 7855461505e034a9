package org.reparamcl.demo;

/**
 * The fixed feature map of the demo's conditional head: a scalar u in [-h, h] becomes the
 * Chebyshev polynomials {@code T_1(u/h), ..., T_F(u/h)}, each in [-1, 1]. A linear head on these
 * features is a polynomial of degree F in u, fitted in a well-conditioned basis. T_0 is left out
 * because the head's bias plays its part.
 */
public final class ChebyshevFeatures {
    private final int count;
    private final double halfWidth;

    private ChebyshevFeatures(int count, double halfWidth) {
        this.count = count;
        this.halfWidth = halfWidth;
    }

    /** F = {@code count} features for inputs in [-halfWidth, halfWidth]. */
    public static ChebyshevFeatures of(int count, double halfWidth) {
        if (count < 1) {
            throw new IllegalArgumentException("feature count must be >= 1, got " + count);
        }
        if (!(halfWidth > 0) || !Double.isFinite(halfWidth)) {
            throw new IllegalArgumentException("half width must be finite and > 0, got " + halfWidth);
        }
        return new ChebyshevFeatures(count, halfWidth);
    }

    /** Number of features F. */
    public int count() {
        return count;
    }

    /** Half width h of the input interval. */
    public double halfWidth() {
        return halfWidth;
    }

    /** Writes {@code T_1(u/h) .. T_F(u/h)} to {@code dst[pos .. pos+F)} (three-term recurrence in double). */
    public void write(double u, float[] dst, int pos) {
        final double t = u / halfWidth;
        double prev = 1.0;
        double cur = t;
        for (int j = 0; j < count; j++) {
            dst[pos + j] = (float) cur;
            final double next = 2.0 * t * cur - prev;
            prev = cur;
            cur = next;
        }
    }

    /** Features of every {@code u[i]}, row-major (n, F). */
    public float[] matrix(double[] u) {
        final float[] x = new float[u.length * count];
        for (int i = 0; i < u.length; i++) {
            write(u[i], x, i * count);
        }
        return x;
    }
}
