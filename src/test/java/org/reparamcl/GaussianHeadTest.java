package org.reparamcl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.reparamcl.cpu.CpuBackend;
import org.reparamcl.rng.NoiseStream;

/** The head's contract on the CPU reference: what it computes for known inputs, and its errors. */
class GaussianHeadTest {

    /** mu = x W + b and z = fma(sigma, eps, mu) with eps number offset + (k B + b) D + d. */
    @Test
    void forwardComputesTheDocumentedValues() {
        final GaussianHead.Spec spec = new GaussianHead.Spec(2, 2, 2, 3, Parameterization.LOG_SIGMA, NoiseMode.STORE);
        try (CpuBackend cpu = CpuBackend.create(1); GaussianHead h = GaussianHead.create(cpu, spec)) {
            final float[] wMu = {1f, 2f, 3f, 4f};
            final float[] bMu = {0.5f, -0.5f};
            final float[] wRho = {0f, 0.25f, -0.5f, 0f};
            final float[] bRho = {0f, 1f};
            h.setParameters(wMu, bMu, wRho, bRho);
            final float[] x = {1f, 1f, 2f, -1f};
            final float[] z = new float[2 * 2 * 2];
            h.forward(x, 2, 77, 3, 10, z);
            final float[] mu = new float[4];
            final float[] sigma = new float[4];
            h.readMu(mu);
            h.readSigma(sigma);
            assertArrayEquals(new float[] {4.5f, 5.5f, -0.5f, -0.5f}, mu);
            final float[] rho = {-0.5f, 1.25f, 0.5f, 1.5f};
            final float[] eps = new float[8];
            NoiseStream.fillNormal(77, 3, 10, eps, 0, 8);
            for (int i = 0; i < 8; i++) {
                final int p = i % 4;
                assertEquals(Parameterization.LOG_SIGMA.sigma(rho[p]), sigma[p]);
                assertEquals(Math.fma(sigma[p], eps[i], mu[p]), z[i], "z[" + i + "]");
            }
            final float[] back = new float[4];
            final float[] b2 = new float[2];
            final float[] back2 = new float[4];
            final float[] b3 = new float[2];
            h.getParameters(back, b2, back2, b3);
            assertArrayEquals(wMu, back);
            assertArrayEquals(bMu, b2);
            assertArrayEquals(wRho, back2);
            assertArrayEquals(bRho, b3);
        }
    }

    @Test
    void badCallsNameTheProblem() {
        final GaussianHead.Spec spec = new GaussianHead.Spec(3, 2, 1, 4, Parameterization.SOFTPLUS, NoiseMode.RECOMPUTE);
        try (CpuBackend cpu = CpuBackend.create(1); GaussianHead h = GaussianHead.create(cpu, spec)) {
            assertMessage(IllegalArgumentException.class, "batch must be in [1, 4]",
                    () -> h.forward(new float[15], 5, 0, 0, 0, null));
            assertMessage(IllegalArgumentException.class, "x has 5 elements",
                    () -> h.forward(new float[5], 2, 0, 0, 0, null));
            final float[] x = new float[6];
            x[4] = Float.NaN;
            assertMessage(IllegalArgumentException.class, "x[4] (row 1, column 1) = NaN",
                    () -> h.forward(x, 2, 0, 0, 0, null));
            assertMessage(IllegalArgumentException.class, "z has 3 elements",
                    () -> h.forward(new float[6], 2, 0, 0, 0, new float[3]));
            assertMessage(IllegalArgumentException.class, "W_mu has 5 elements, the head needs 6",
                    () -> h.setParameters(new float[5], new float[2], new float[6], new float[2]));
            assertMessage(IllegalArgumentException.class, "b_rho[1] = Infinity",
                    () -> h.setParameters(new float[6], new float[2], new float[6], new float[] {0f, Float.POSITIVE_INFINITY}));
            assertMessage(NullPointerException.class, "b_mu is null",
                    () -> h.setParameters(new float[6], null, new float[6], new float[2]));
            assertMessage(IllegalStateException.class, "no forward pass yet", () -> h.readMu(new float[8]));
            h.forward(new float[6], 2, 0, 0, 0, null);
            assertMessage(IllegalArgumentException.class, "gradZ has 3 elements",
                    () -> h.backward(new float[3], HeadGradients.of(spec, false)));
            final GaussianHead.Spec other = new GaussianHead.Spec(3, 3, 1, 4, Parameterization.SOFTPLUS, NoiseMode.RECOMPUTE);
            assertMessage(IllegalArgumentException.class, "dW_mu has 9 elements",
                    () -> h.backward(new float[4], HeadGradients.of(other, false)));
            // Gradients made for a head of smaller maxBatch: dx (maxBatch x Din) is too short; nothing is written.
            final GaussianHead.Spec smaller = new GaussianHead.Spec(3, 2, 1, 1, Parameterization.SOFTPLUS, NoiseMode.RECOMPUTE);
            final HeadGradients small = HeadGradients.of(smaller, true);
            java.util.Arrays.fill(small.weightsMu(), 42.0f);
            java.util.Arrays.fill(small.input(), 42.0f);
            assertMessage(IllegalArgumentException.class, "dx has 3 elements, the head needs maxBatch * inputs = 12",
                    () -> h.backward(new float[4], small));
            for (float v : small.weightsMu()) {
                assertEquals(42.0f, v);
            }
            for (float v : small.input()) {
                assertEquals(42.0f, v);
            }
        }
        assertMessage(IllegalArgumentException.class, "samples must be >= 1",
                () -> new GaussianHead.Spec(1, 1, 0, 1, Parameterization.SIGMA, NoiseMode.STORE));
        assertMessage(IllegalArgumentException.class, "too large",
                () -> new GaussianHead.Spec(1, 1 << 16, 1 << 16, 1, Parameterization.SIGMA, NoiseMode.STORE));
    }

    @Test
    void closedHeadThrowsAndClosingTwiceIsSafe() {
        final GaussianHead.Spec spec = new GaussianHead.Spec(1, 1, 1, 1, Parameterization.SIGMA, NoiseMode.STORE);
        try (CpuBackend cpu = CpuBackend.create(1)) {
            final GaussianHead h = GaussianHead.create(cpu, spec);
            h.close();
            h.close();
            assertMessage(IllegalStateException.class, "closed", () -> h.forward(new float[1], 1, 0, 0, 0, null));
            assertMessage(IllegalStateException.class, "closed", () -> h.getParameters(new float[1], new float[1],
                    new float[1], new float[1]));
            final GaussianHead g = GaussianHead.create(cpu, spec);
            cpu.close();
            assertThrows(IllegalStateException.class, () -> g.forward(new float[1], 1, 0, 0, 0, null));
        }
    }

    static void assertMessage(Class<? extends Throwable> type, String part, org.junit.jupiter.api.function.Executable call) {
        final Throwable t = assertThrows(type, call);
        assertTrue(t.getMessage() != null && t.getMessage().contains(part), "message '" + t.getMessage() + "' lacks '" + part + "'");
    }
}
