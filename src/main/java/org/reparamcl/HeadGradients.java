package org.reparamcl;

import java.util.Objects;

/**
 * Host arrays that receive the gradients of a {@link GaussianHead} backward pass: dL/dW_mu and
 * dL/dW_rho (Din x D, row-major), dL/db_mu and dL/db_rho (D), and optionally dL/dx (maxBatch x
 * Din, of which the first batch rows are written). The accessors return the live arrays.
 */
public final class HeadGradients {
    private final float[] input;
    private final float[] wMu;
    private final float[] bMu;
    private final float[] wRho;
    private final float[] bRho;

    private HeadGradients(float[] input, float[] wMu, float[] bMu, float[] wRho, float[] bRho) {
        this.input = input;
        this.wMu = wMu;
        this.bMu = bMu;
        this.wRho = wRho;
        this.bRho = bRho;
    }

    /** Arrays for a head of {@code spec}; with {@code inputGradient}, also dL/dx for maxBatch rows. */
    public static HeadGradients of(GaussianHead.Spec spec, boolean inputGradient) {
        Objects.requireNonNull(spec, "spec");
        return new HeadGradients(inputGradient ? new float[spec.maxBatch() * spec.inputs()] : null,
                new float[spec.weights()], new float[spec.outputs()], new float[spec.weights()], new float[spec.outputs()]);
    }

    /** dL/dx (maxBatch x Din), or null when not asked for. */
    public float[] input() {
        return input;
    }

    /** Whether dL/dx is computed. */
    public boolean hasInput() {
        return input != null;
    }

    /** dL/dW_mu (Din x D). */
    public float[] weightsMu() {
        return wMu;
    }

    /** dL/db_mu (D). */
    public float[] biasMu() {
        return bMu;
    }

    /** dL/dW_rho (Din x D). */
    public float[] weightsRho() {
        return wRho;
    }

    /** dL/db_rho (D). */
    public float[] biasRho() {
        return bRho;
    }

    /** Throws IllegalArgumentException unless the arrays fit a head of {@code spec}. */
    public void checkFits(GaussianHead.Spec spec) {
        checkLength("dW_mu", wMu, spec.weights());
        checkLength("db_mu", bMu, spec.outputs());
        checkLength("dW_rho", wRho, spec.weights());
        checkLength("db_rho", bRho, spec.outputs());
        if (input != null && input.length < spec.maxBatch() * spec.inputs()) {
            throw new IllegalArgumentException("dx has " + input.length + " elements, the head needs maxBatch * inputs = "
                    + spec.maxBatch() * spec.inputs());
        }
    }

    private static void checkLength(String name, float[] a, int n) {
        if (a.length != n) {
            throw new IllegalArgumentException(name + " has " + a.length + " elements, the head needs " + n);
        }
    }
}
