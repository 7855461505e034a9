package org.reparamcl.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.reparamcl.GaussianHead;
import org.reparamcl.HeadGradients;
import org.reparamcl.NoiseMode;
import org.reparamcl.Parameterization;
import org.reparamcl.cpu.CpuBackend;

/**
 * The head on OpenCL against the CPU reference, bit for bit: mu, sigma, z and every gradient,
 * for random shapes (B, D and Din not multiples of the tile or vector width), K in {1, 3, 16},
 * every parameterization and both noise modes.
 */
class GaussianHeadParityTest {
    static OpenClBackend cl;

    @BeforeAll
    static void device() {
        cl = OpenClTestSupport.backend();
    }

    @Test
    void forwardAndGradientsBitIdentical() {
        final SplittableRandom rnd = new SplittableRandom(0x4EAD);
        final int[] ks = {1, 3, 16};
        int trial = 0;
        try (CpuBackend cpu = CpuBackend.create(2)) {
            for (Parameterization p : Parameterization.values()) {
                for (NoiseMode mode : NoiseMode.values()) {
                    for (int k : ks) {
                        final int din = 1 + rnd.nextInt(trial % 2 == 0 ? 19 : 40);
                        final int d = 1 + rnd.nextInt(trial % 3 == 0 ? 5 : 37);
                        final int maxBatch = 1 + rnd.nextInt(70);
                        final GaussianHead.Spec spec = new GaussianHead.Spec(din, d, k, maxBatch, p, mode);
                        final String what = "trial " + trial + " " + spec;
                        try (GaussianHead a = GaussianHead.create(cpu, spec); GaussianHead b = GaussianHead.create(cl, spec)) {
                            final Params params = Params.random(rnd, spec);
                            params.set(a);
                            params.set(b);
                            // Two calls of different batch sizes on the same head: buffers are reused.
                            for (int call = 0; call < 2; call++) {
                                final int batch = call == 0 ? maxBatch : 1 + rnd.nextInt(maxBatch);
                                final long seed = rnd.nextLong();
                                final long stream = rnd.nextLong(4);
                                final long offset = rnd.nextLong(1L << 40);
                                compare(a, b, spec, batch, seed, stream, offset, rnd, what + " call " + call);
                            }
                        }
                        trial++;
                    }
                }
            }
        }
    }

    /**
     * The head with each product kernel (-Dreparam.headMatmul, read when a head is created): the
     * CPU reference's bits, including dx, whose two strided products share the blocked kernel's
     * transposing scratch.
     */
    @Test
    void bothProductKernelsGiveTheReferenceBits() {
        final SplittableRandom rnd = new SplittableRandom(0x7111D);
        final String old = System.getProperty(ClAffineProduct.VARIANT_PROPERTY);
        try (CpuBackend cpu = CpuBackend.create(2)) {
            for (String variant : new String[] {"tiled", "blocked"}) {
                System.setProperty(ClAffineProduct.VARIANT_PROPERTY, variant);
                final GaussianHead.Spec spec = new GaussianHead.Spec(37, 29, 3, 70, Parameterization.SOFTPLUS,
                        NoiseMode.RECOMPUTE);
                try (GaussianHead a = GaussianHead.create(cpu, spec); GaussianHead b = GaussianHead.create(cl, spec)) {
                    final Params params = Params.random(rnd, spec);
                    params.set(a);
                    params.set(b);
                    compare(a, b, spec, 70, rnd.nextLong(), 1, rnd.nextLong(1L << 40), rnd, variant);
                    compare(a, b, spec, 33, rnd.nextLong(), 2, rnd.nextLong(1L << 40), rnd, variant + ", smaller batch");
                }
            }
        } finally {
            if (old == null) {
                System.clearProperty(ClAffineProduct.VARIANT_PROPERTY);
            } else {
                System.setProperty(ClAffineProduct.VARIANT_PROPERTY, old);
            }
        }
    }

    /** STORE and RECOMPUTE give the same gradients on each backend. */
    @Test
    void storeAndRecomputeAgree() {
        final SplittableRandom rnd = new SplittableRandom(0x57);
        try (CpuBackend cpu = CpuBackend.create(1)) {
            for (Parameterization p : Parameterization.values()) {
                final GaussianHead.Spec store = new GaussianHead.Spec(13, 7, 3, 21, p, NoiseMode.STORE);
                final GaussianHead.Spec recompute = new GaussianHead.Spec(13, 7, 3, 21, p, NoiseMode.RECOMPUTE);
                final Params params = Params.random(rnd, store);
                final float[] x = Params.values(rnd, 21 * 13, 1.0);
                final float[] g = Params.values(rnd, 3 * 21 * 7, 1.0);
                for (org.reparamcl.Backend backend : new org.reparamcl.Backend[] {cpu, cl}) {
                    final HeadGradients gs = HeadGradients.of(store, true);
                    final HeadGradients gr = HeadGradients.of(recompute, true);
                    try (GaussianHead hs = GaussianHead.create(backend, store);
                         GaussianHead hr = GaussianHead.create(backend, recompute)) {
                        params.set(hs);
                        params.set(hr);
                        hs.forward(x, 21, 9, 1, 5, null);
                        hr.forward(x, 21, 9, 1, 5, null);
                        hs.backward(g, gs);
                        hr.backward(g, gr);
                    }
                    assertGradientsEqual(gs, gr, 21 * 13, backend.name() + " " + p);
                }
            }
        }
    }

    @Test
    void steadyStateAllocatesNoDeviceObjects() {
        final GaussianHead.Spec spec = new GaussianHead.Spec(9, 4, 3, 40, Parameterization.SOFTPLUS, NoiseMode.STORE);
        final SplittableRandom rnd = new SplittableRandom(3);
        try (GaussianHead h = GaussianHead.create(cl, spec)) {
            Params.random(rnd, spec).set(h);
            final float[] x = Params.values(rnd, 40 * 9, 1.0);
            final float[] z = new float[3 * 40 * 4];
            final HeadGradients grads = HeadGradients.of(spec, true);
            h.forward(x, 40, 1, 0, 0, z);
            h.backward(z, grads);
            final long before = ClResources.liveTotal();
            for (int i = 0; i < 5; i++) {
                h.forward(x, 40 - i, 1, 0, i, z);
                h.backward(z, grads);
            }
            assertEquals(before, ClResources.liveTotal(), "native objects live after five more calls");
        }
    }

    /**
     * A head holds its parameters (and, for the blocked product, their transposes) as regions of
     * one buffer: closing it returns the device bytes and native objects to what they were, the
     * regions counting no bytes of their own (ClResources). Measured after a first head has run a
     * step and closed, so that the backend's scratch buffers, which outlive heads, already exist.
     */
    @Test
    void closingAHeadReturnsItsDeviceBytes() {
        final GaussianHead.Spec spec = new GaussianHead.Spec(7, 5, 2, 33, Parameterization.LOG_VAR, NoiseMode.RECOMPUTE);
        final SplittableRandom rnd = new SplittableRandom(0xB17E5);
        final float[] x = Params.values(rnd, 33 * 7, 1.0);
        final float[] z = new float[2 * 33 * 5];
        final HeadGradients grads = HeadGradients.of(spec, true);
        long[] live = null;
        long bytes = 0;
        for (int round = 0; round < 3; round++) {
            try (GaussianHead h = GaussianHead.create(cl, spec)) {
                Params.random(rnd, spec).set(h);
                h.forward(x, 33, 1, 0, 0, z);
                h.backward(z, grads);
            }
            if (round == 0) {
                live = ClResources.live();
                bytes = ClResources.liveBufferBytes();
            } else {
                assertArrayEquals(live, ClResources.live(), "native objects after closing head " + round);
                assertEquals(bytes, ClResources.liveBufferBytes(), "device bytes after closing head " + round);
            }
        }
    }

    /**
     * setParameters then getParameters returns every array exactly (the four come back through one
     * gathered read, so a wrong offset would swap or shift them), also after backward calls that
     * used the same gather buffer and with batches past the gathered parameters' length.
     */
    @Test
    void parametersRoundTripThroughTheGatheredRead() {
        final GaussianHead.Spec spec = new GaussianHead.Spec(7, 3, 2, 11, Parameterization.SOFTPLUS, NoiseMode.RECOMPUTE);
        final SplittableRandom rnd = new SplittableRandom(17);
        try (GaussianHead h = GaussianHead.create(cl, spec)) {
            for (int round = 0; round < 3; round++) {
                final Params p = Params.random(rnd, spec);
                p.set(h);
                if (round > 0) {
                    final int batch = 4 + 3 * round;
                    final float[] z = new float[2 * batch * 3];
                    h.forward(Params.values(rnd, batch * 7, 1.0), batch, round, 0, 0, z);
                    h.backward(Params.values(rnd, z.length, 1.0), HeadGradients.of(spec, true));
                }
                final float[] wMu = new float[21];
                final float[] bMu = new float[3];
                final float[] wRho = new float[21];
                final float[] bRho = new float[3];
                h.getParameters(wMu, bMu, wRho, bRho);
                assertArrayEquals(p.wMu(), wMu, "W_mu, round " + round);
                assertArrayEquals(p.bMu(), bMu, "b_mu, round " + round);
                assertArrayEquals(p.wRho(), wRho, "W_rho, round " + round);
                assertArrayEquals(p.bRho(), bRho, "b_rho, round " + round);
            }
        }
    }

    @Test
    void closedHeadThrowsAndClosingTwiceIsSafe() {
        final GaussianHead.Spec spec = new GaussianHead.Spec(2, 2, 1, 4, Parameterization.SIGMA, NoiseMode.STORE);
        final long before = ClResources.liveTotal();
        final GaussianHead h = GaussianHead.create(cl, spec);
        h.close();
        h.close();
        assertEquals(before, ClResources.liveTotal(), "native objects after close");
        assertThrows(IllegalStateException.class, () -> h.forward(new float[8], 4, 0, 0, 0, null));
        assertThrows(IllegalStateException.class, () -> h.setParameters(new float[4], new float[2], new float[4], new float[2]));
    }

    /** Four threads, each with its own head on the one shared backend (one queue): each matches the CPU. */
    @Test
    void headsOnManyThreadsShareOneBackend() throws Exception {
        final GaussianHead.Spec spec = new GaussianHead.Spec(17, 5, 3, 33, Parameterization.LOG_VAR, NoiseMode.STORE);
        final java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try (CpuBackend cpu = CpuBackend.create(1)) {
            final java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                final long seed = 100 + t;
                done.add(pool.submit(() -> {
                    final SplittableRandom rnd = new SplittableRandom(seed);
                    try (GaussianHead a = GaussianHead.create(cpu, spec); GaussianHead b = GaussianHead.create(cl, spec)) {
                        final Params params = Params.random(rnd, spec);
                        params.set(a);
                        params.set(b);
                        for (int call = 0; call < 15; call++) {
                            compare(a, b, spec, 1 + rnd.nextInt(33), seed, call, 7L * call, rnd, "thread " + seed + " call " + call);
                        }
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    /** Closing the backend releases the head's buffers: the head then throws, and closing it is still safe. */
    @Test
    void closingTheBackendClosesItsHeads() {
        final long before = ClResources.liveTotal();
        final OpenClBackend own = OpenClBackend.create(cl.context().device());
        final GaussianHead h = GaussianHead.create(own, new GaussianHead.Spec(3, 2, 2, 8, Parameterization.SOFTPLUS,
                NoiseMode.RECOMPUTE));
        h.forward(new float[24], 8, 1, 0, 0, new float[32]);
        own.close();
        assertEquals(before, ClResources.liveTotal(), "native objects after the backend closed");
        assertThrows(IllegalStateException.class, () -> h.forward(new float[24], 8, 1, 0, 0, null));
        assertThrows(IllegalStateException.class, () -> h.readMu(new float[16]));
        h.close();
        assertEquals(before, ClResources.liveTotal());
    }

    /**
     * Backward passes without dL/dx (HeadGradients without an input array), alone and between
     * passes with it, on heads that are reused across batch sizes: the four parameter gradients
     * the CPU reference's bits every time. The host-array backward reads back a shorter region
     * then (the gradients up to db_rho), and nothing else covered that length.
     */
    @Test
    void gradientsWithoutTheInputGradient() {
        final SplittableRandom rnd = new SplittableRandom(0x9D1);
        try (CpuBackend cpu = CpuBackend.create(1)) {
            int trial = 0;
            for (Parameterization p : Parameterization.values()) {
                final NoiseMode mode = NoiseMode.values()[trial % 2];
                final GaussianHead.Spec spec = new GaussianHead.Spec(1 + rnd.nextInt(30), 1 + rnd.nextInt(40),
                        1 + rnd.nextInt(4), 1 + rnd.nextInt(50), p, mode);
                try (GaussianHead a = GaussianHead.create(cpu, spec); GaussianHead b = GaussianHead.create(cl, spec)) {
                    final Params params = Params.random(rnd, spec);
                    params.set(a);
                    params.set(b);
                    for (int call = 0; call < 4; call++) {
                        final boolean input = call == 1;
                        final int batch = 1 + rnd.nextInt(spec.maxBatch());
                        final String what = "trial " + trial + " call " + call + " input=" + input + " " + spec;
                        final float[] x = Params.values(rnd, batch * spec.inputs(), 2.0);
                        final int n = spec.samples() * batch * spec.outputs();
                        final float[] za = new float[n];
                        final float[] zb = new float[n];
                        final long seed = rnd.nextLong();
                        final long stream = rnd.nextLong(4);
                        final long offset = rnd.nextLong(1L << 40);
                        a.forward(x, batch, seed, stream, offset, za);
                        b.forward(x, batch, seed, stream, offset, zb);
                        assertBits(za, zb, what + ": z");
                        final float[] g = Params.values(rnd, n, 1.0);
                        final HeadGradients ga = HeadGradients.of(spec, input);
                        final HeadGradients gb = HeadGradients.of(spec, input);
                        a.backward(g, ga);
                        b.backward(g, gb);
                        if (input) {
                            assertGradientsEqual(ga, gb, batch * spec.inputs(), what);
                        } else {
                            assertBits(ga.weightsMu(), gb.weightsMu(), what + ": dW_mu");
                            assertBits(ga.biasMu(), gb.biasMu(), what + ": db_mu");
                            assertBits(ga.weightsRho(), gb.weightsRho(), what + ": dW_rho");
                            assertBits(ga.biasRho(), gb.biasRho(), what + ": db_rho");
                        }
                    }
                }
                trial++;
            }
        }
    }

    static void compare(GaussianHead a, GaussianHead b, GaussianHead.Spec spec, int batch, long seed, long stream,
                        long offset, SplittableRandom rnd, String what) {
        final int din = spec.inputs();
        final int d = spec.outputs();
        final int k = spec.samples();
        final float[] x = Params.values(rnd, batch * din, 2.0);
        final float[] za = new float[k * batch * d];
        final float[] zb = new float[k * batch * d];
        a.forward(x, batch, seed, stream, offset, za);
        b.forward(x, batch, seed, stream, offset, zb);
        assertBits(za, zb, what + ": z");
        final float[] ma = new float[batch * d];
        final float[] mb = new float[batch * d];
        a.readMu(ma);
        b.readMu(mb);
        assertBits(ma, mb, what + ": mu");
        a.readSigma(ma);
        b.readSigma(mb);
        assertBits(ma, mb, what + ": sigma");
        final float[] g = Params.values(rnd, k * batch * d, 1.0);
        final HeadGradients ga = HeadGradients.of(spec, true);
        final HeadGradients gb = HeadGradients.of(spec, true);
        a.backward(g, ga);
        b.backward(g, gb);
        assertGradientsEqual(ga, gb, batch * din, what);
    }

    static void assertGradientsEqual(HeadGradients a, HeadGradients b, int inputs, String what) {
        assertBits(java.util.Arrays.copyOf(a.input(), inputs), java.util.Arrays.copyOf(b.input(), inputs), what + ": dx");
        assertBits(a.weightsMu(), b.weightsMu(), what + ": dW_mu");
        assertBits(a.biasMu(), b.biasMu(), what + ": db_mu");
        assertBits(a.weightsRho(), b.weightsRho(), what + ": dW_rho");
        assertBits(a.biasRho(), b.biasRho(), what + ": db_rho");
    }

    static void assertBits(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                throw new AssertionError(what + ": element " + i + " differs: cpu " + expected[i] + ", opencl " + actual[i]);
            }
        }
    }

    /** Random parameters that keep sigma valid: for the SIGMA parameterization rho must stay positive. */
    record Params(float[] wMu, float[] bMu, float[] wRho, float[] bRho) {
        static Params random(SplittableRandom rnd, GaussianHead.Spec spec) {
            final int w = spec.weights();
            final int d = spec.outputs();
            if (spec.parameterization() == Parameterization.SIGMA) {
                // x in [-2, 2]; |x W_rho| <= 2 * Din * 0.01 / Din < 0.05 < b_rho.
                final float[] wRho = values(rnd, w, 0.01 / spec.inputs());
                final float[] bRho = new float[d];
                for (int i = 0; i < d; i++) {
                    bRho[i] = (float) (0.5 + rnd.nextDouble());
                }
                return new Params(values(rnd, w, 1.0), values(rnd, d, 1.0), wRho, bRho);
            }
            return new Params(values(rnd, w, 1.0), values(rnd, d, 1.0), values(rnd, w, 0.5), values(rnd, d, 0.5));
        }

        void set(GaussianHead h) {
            h.setParameters(wMu, bMu, wRho, bRho);
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
