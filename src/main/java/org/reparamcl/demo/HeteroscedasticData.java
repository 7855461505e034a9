package org.reparamcl.demo;

import org.reparamcl.rng.NoiseStream;

/**
 * The demo's synthetic data: {@code y = f(u) + s(u) * n} with {@code f(u) = sin(2u)},
 * {@code s(u) = 0.1 + 0.3 |u|}, u uniform on [-2, 2] and n standard normal. Both come from the
 * library's noise stream, so a (seed, stream pair) always gives the same points.
 */
public final class HeteroscedasticData {
    /** Inputs lie in [-HALF_WIDTH, HALF_WIDTH]. */
    public static final double HALF_WIDTH = 2.0;

    private final double[] u;
    private final double[] y;

    private HeteroscedasticData(double[] u, double[] y) {
        this.u = u;
        this.y = y;
    }

    /** The true mean f(u) = sin(2u). */
    public static double mean(double u) {
        return Math.sin(2.0 * u);
    }

    /** The true standard deviation s(u) = 0.1 + 0.3 |u|. */
    public static double sd(double u) {
        return 0.1 + 0.3 * Math.abs(u);
    }

    /**
     * {@code n} points: u from the words of (seed, uStream), the noise from the eps of
     * (seed, noiseStream), both from index 0.
     */
    public static HeteroscedasticData generate(long seed, long uStream, long noiseStream, int n) {
        if (n < 1) {
            throw new IllegalArgumentException("number of points must be >= 1, got " + n);
        }
        final int[] words = new int[n];
        NoiseStream.fillBits(seed, uStream, 0, words, 0, n);
        final float[] noise = new float[n];
        NoiseStream.fillNormal(seed, noiseStream, 0, noise, 0, n);
        final double[] u = new double[n];
        final double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            // (w + 0.5) / 2^32 lies strictly inside (0, 1).
            final double unit = ((words[i] & 0xFFFFFFFFL) + 0.5) * 0x1p-32;
            u[i] = HALF_WIDTH * (2.0 * unit - 1.0);
            y[i] = mean(u[i]) + sd(u[i]) * noise[i];
        }
        return new HeteroscedasticData(u, y);
    }

    /** Number of points. */
    public int size() {
        return u.length;
    }

    /** Input of point i. */
    public double u(int i) {
        return u[i];
    }

    /** Target of point i. */
    public double y(int i) {
        return y[i];
    }

    /** A copy of the inputs. */
    public double[] inputs() {
        return u.clone();
    }

    /** A copy of the targets. */
    public double[] targets() {
        return y.clone();
    }

    /**
     * The expected CRPS of the true predictive N(f(u), s(u)^2), averaged over u uniform on the
     * interval: E[s(u)] / sqrt(pi) = 0.4 / sqrt(pi) = 0.2257. No model can do better in expectation.
     */
    public static double crpsFloor() {
        return (0.1 + 0.3 * HALF_WIDTH / 2.0) / Math.sqrt(Math.PI);
    }
}
