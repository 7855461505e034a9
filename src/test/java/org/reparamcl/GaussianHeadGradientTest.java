package org.reparamcl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.reparamcl.cpu.CpuBackend;
import org.reparamcl.rng.NoiseStream;

/**
 * The head's float32 gradients against central finite differences of the same model evaluated
 * in double precision with the same eps, for L = sum g * z with random g.
 *
 * <p>Tolerance: |analytic - difference| <= 1e-4 * max(1, |difference|). The differences (step
 * 1e-5 in double) are good to about 1e-9; the float32 gradients carry a relative rounding error of
 * a few 1e-7 per summed term, so 1e-4 leaves room for the sums over K * B terms while any wrong
 * term of the chain rule shows as an error of order 1.
 */
class GaussianHeadGradientTest {
    static final double STEP = 1e-5;
    static final double TOLERANCE = 1e-4;

    @Test
    void gradientsMatchFiniteDifferencesForEveryParameterization() {
        final SplittableRandom rnd = new SplittableRandom(0xFD);
        try (CpuBackend cpu = CpuBackend.create(1)) {
            for (Parameterization p : Parameterization.values()) {
                for (NoiseMode mode : NoiseMode.values()) {
                    check(cpu, new GaussianHead.Spec(5, 3, 3, 6, p, mode), 4, rnd);
                    check(cpu, new GaussianHead.Spec(3, 2, 1, 2, p, mode), 2, rnd);
                }
            }
        }
    }

    static void check(Backend backend, GaussianHead.Spec spec, int batch, SplittableRandom rnd) {
        final int din = spec.inputs();
        final int d = spec.outputs();
        final int k = spec.samples();
        final Model m = Model.random(spec, batch, rnd);
        final long seed = rnd.nextLong();
        final long offset = rnd.nextLong(1000);
        final float[] eps = new float[k * batch * d];
        NoiseStream.fillNormal(seed, 2, offset, eps, 0, eps.length);
        final float[] g = new float[k * batch * d];
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) (2 * rnd.nextDouble() - 1);
        }
        final HeadGradients grads = HeadGradients.of(spec, true);
        try (GaussianHead head = GaussianHead.create(backend, spec)) {
            head.setParameters(m.wMu, m.bMu, m.wRho, m.bRho);
            head.forward(m.x, batch, seed, 2, offset, null);
            head.backward(g, grads);
        }
        final String what = spec.parameterization() + " " + spec.noiseMode() + " K=" + k;
        compare(m, m.x, grads.input(), batch * din, spec, batch, eps, g, what + " dx");
        compare(m, m.wMu, grads.weightsMu(), din * d, spec, batch, eps, g, what + " dW_mu");
        compare(m, m.bMu, grads.biasMu(), d, spec, batch, eps, g, what + " db_mu");
        compare(m, m.wRho, grads.weightsRho(), din * d, spec, batch, eps, g, what + " dW_rho");
        compare(m, m.bRho, grads.biasRho(), d, spec, batch, eps, g, what + " db_rho");
    }

    /** Perturbs each element of {@code target} (one of the model's arrays) and compares with {@code analytic}. */
    static void compare(Model m, float[] target, float[] analytic, int n, GaussianHead.Spec spec, int batch, float[] eps,
                        float[] g, String what) {
        for (int i = 0; i < n; i++) {
            final float keep = target[i];
            m.delta = STEP;
            m.perturbed = target;
            m.index = i;
            final double up = m.loss(spec, batch, eps, g);
            m.delta = -STEP;
            final double down = m.loss(spec, batch, eps, g);
            m.perturbed = null;
            target[i] = keep;
            final double fd = (up - down) / (2 * STEP);
            assertEquals(fd, analytic[i], TOLERANCE * Math.max(1.0, Math.abs(fd)), what + "[" + i + "]");
        }
    }

    @Test
    void backwardBeforeForwardIsAnError() {
        try (CpuBackend cpu = CpuBackend.create(1);
             GaussianHead h = GaussianHead.create(cpu, new GaussianHead.Spec(2, 2, 1, 2, Parameterization.SIGMA,
                     NoiseMode.STORE))) {
            assertThrows(IllegalStateException.class, () -> h.backward(new float[4], HeadGradients.of(h.spec(), false)));
        }
    }

    /** The head's model in double precision; one array element can be shifted by {@code delta}. */
    static final class Model {
        final float[] x;
        final float[] wMu;
        final float[] bMu;
        final float[] wRho;
        final float[] bRho;
        float[] perturbed;
        int index;
        double delta;

        Model(float[] x, float[] wMu, float[] bMu, float[] wRho, float[] bRho) {
            this.x = x;
            this.wMu = wMu;
            this.bMu = bMu;
            this.wRho = wRho;
            this.bRho = bRho;
        }

        static Model random(GaussianHead.Spec spec, int batch, SplittableRandom rnd) {
            final int din = spec.inputs();
            final int d = spec.outputs();
            final boolean positive = spec.parameterization() == Parameterization.SIGMA;
            final float[] bRho = new float[d];
            for (int i = 0; i < d; i++) {
                bRho[i] = (float) (positive ? 1.0 + rnd.nextDouble() : rnd.nextDouble() - 0.5);
            }
            return new Model(values(rnd, batch * din, 1), values(rnd, din * d, 1), values(rnd, d, 1),
                    values(rnd, din * d, positive ? 0.1 / din : 0.5), bRho);
        }

        double at(float[] a, int i) {
            return a == perturbed && i == index ? a[i] + delta : a[i];
        }

        double loss(GaussianHead.Spec spec, int batch, float[] eps, float[] g) {
            final int din = spec.inputs();
            final int d = spec.outputs();
            double sum = 0;
            for (int b = 0; b < batch; b++) {
                for (int j = 0; j < d; j++) {
                    double mu = at(bMu, j);
                    double rho = at(bRho, j);
                    for (int p = 0; p < din; p++) {
                        mu += at(x, b * din + p) * at(wMu, p * d + j);
                        rho += at(x, b * din + p) * at(wRho, p * d + j);
                    }
                    final double sigma = sigma(spec.parameterization(), rho);
                    for (int s = 0; s < spec.samples(); s++) {
                        final int e = (s * batch + b) * d + j;
                        sum += g[e] * (mu + sigma * eps[e]);
                    }
                }
            }
            return sum;
        }

        static double sigma(Parameterization p, double rho) {
            return switch (p) {
                case SIGMA -> rho;
                case LOG_SIGMA -> Math.exp(rho);
                case LOG_VAR -> Math.exp(rho / 2);
                case SOFTPLUS -> Math.log1p(Math.exp(rho));
            };
        }

        static float[] values(SplittableRandom rnd, int n, double scale) {
            final float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = (float) (scale * (2 * rnd.nextDouble() - 1));
            }
            return v;
        }
    }
}
