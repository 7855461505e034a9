package org.reparamcl.demo;

import java.util.Objects;

/**
 * Adam (Kingma and Ba 2015) over float32 parameter arrays, with its moments in double:
 * {@code m = b1 m + (1 - b1) g}, {@code v = b2 v + (1 - b2) g^2},
 * {@code p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)}. Plain Java on the host,
 * so the same gradients give the same parameters on every backend.
 */
public final class Adam {
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final double[][] m;
    private final double[][] v;
    private long t;

    private Adam(double beta1, double beta2, double epsilon, int[] sizes) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.m = new double[sizes.length][];
        this.v = new double[sizes.length][];
        for (int i = 0; i < sizes.length; i++) {
            m[i] = new double[sizes[i]];
            v[i] = new double[sizes[i]];
        }
    }

    /** Adam with beta1 = 0.9, beta2 = 0.999, eps = 1e-8 for parameter arrays of the given lengths. */
    public static Adam of(int... sizes) {
        Objects.requireNonNull(sizes, "sizes");
        for (int s : sizes) {
            if (s < 0) {
                throw new IllegalArgumentException("parameter array length must be >= 0, got " + s);
            }
        }
        return new Adam(0.9, 0.999, 1e-8, sizes.clone());
    }

    /** Number of steps taken. */
    public long steps() {
        return t;
    }

    /** One step with learning rate {@code lr}: {@code params[i]} moves against {@code grads[i]}. */
    public void step(double lr, float[][] params, float[][] grads) {
        if (params.length != m.length || grads.length != m.length) {
            throw new IllegalArgumentException("expected " + m.length + " parameter and gradient arrays, got "
                    + params.length + " and " + grads.length);
        }
        for (int i = 0; i < m.length; i++) {
            if (params[i].length != m[i].length || grads[i].length != m[i].length) {
                throw new IllegalArgumentException("array " + i + ": expected length " + m[i].length + ", got parameters "
                        + params[i].length + " and gradients " + grads[i].length);
            }
        }
        t++;
        final double c1 = 1.0 - Math.pow(beta1, t);
        final double c2 = 1.0 - Math.pow(beta2, t);
        for (int i = 0; i < m.length; i++) {
            final float[] p = params[i];
            final float[] g = grads[i];
            final double[] mi = m[i];
            final double[] vi = v[i];
            for (int j = 0; j < p.length; j++) {
                final double gj = g[j];
                mi[j] = beta1 * mi[j] + (1.0 - beta1) * gj;
                vi[j] = beta2 * vi[j] + (1.0 - beta2) * gj * gj;
                p[j] = (float) (p[j] - lr * (mi[j] / c1) / (Math.sqrt(vi[j] / c2) + epsilon));
            }
        }
    }
}
