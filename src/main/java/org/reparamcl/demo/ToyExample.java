package org.reparamcl.demo;

import java.util.Arrays;
import java.util.Objects;

import org.reparamcl.Backend;
import org.reparamcl.NoiseMode;
import org.reparamcl.Parameterization;
import org.reparamcl.ReparamSpec;

/**
 * The first textbook example: {@code z = g(eps, x) = x + eps} with x = [1, 2, 3] and
 * eps ~ N(0, 1), i.e. the reparameterized sample of N(mu, sigma^2) with mu = x and sigma = 1,
 * drawn K times on a backend. The backward pass of L = sum z shows the gradient passing through
 * the sample: dL/dmu = K for every element and dL/dsigma = the sum of that element's eps.
 */
public final class ToyExample {
    /** The observed values x of the example. */
    static final float[] X = {1f, 2f, 3f};

    private ToyExample() {
    }

    /**
     * x, eps and z (K, 3) (row k is sample k), and the gradients of L = sum over all z of z with
     * respect to mu (= x) and sigma.
     */
    public record Result(float[] x, int samples, float[] eps, float[] z, float[] gradMu, float[] gradSigma) {
    }

    /** Draws {@code samples} samples with eps of (seed, stream) from index 0. */
    public static Result run(Backend backend, int samples, long seed, long stream) {
        Objects.requireNonNull(backend, "backend");
        if (samples < 1) {
            throw new IllegalArgumentException("samples must be >= 1, got " + samples);
        }
        final int d = X.length;
        final ReparamSpec spec = ReparamSpec.builder().shape(samples, 1, d).parameterization(Parameterization.SIGMA)
                .seed(seed).stream(stream).noiseMode(NoiseMode.STORE).build();
        final float[] mu = X.clone();
        final float[] sigma = new float[d];
        Arrays.fill(sigma, 1f);
        final float[] z = new float[samples * d];
        final float[] eps = new float[samples * d];
        backend.reparamForward(spec, mu, sigma, z, eps);
        final float[] ones = new float[samples * d];
        Arrays.fill(ones, 1f);
        final float[] gradMu = new float[d];
        final float[] gradSigma = new float[d];
        backend.reparamBackward(spec, mu, sigma, eps, ones, gradMu, gradSigma, false);
        return new Result(X.clone(), samples, eps, z, gradMu, gradSigma);
    }
}
