package org.reparamcl.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;

import org.jocl.CL;
import org.jocl.cl_event;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.reparamcl.GaussianHead;
import org.reparamcl.HeadGradients;
import org.reparamcl.NoiseMode;
import org.reparamcl.Parameterization;
import org.reparamcl.cpu.CpuBackend;
import org.reparamcl.opencl.GaussianHeadParityTest.Params;

/**
 * The OpenCL head's device-buffer calls ({@code forward(ClBuffer, ...)}, {@code backward(ClBuffer,
 * boolean)} and the buffer accessors, which are regions of shared buffers) against the CPU
 * reference's host-array calls, bit for bit; and how many kernels a training step launches.
 */
class GaussianHeadDeviceApiTest {
    static OpenClBackend cl;

    @BeforeAll
    static void device() {
        cl = OpenClTestSupport.backend();
    }

    /**
     * Two rounds on one head (the second with another batch and new parameters): z, mu, rho,
     * sigma (computed when first asked for after each forward pass), eps in STORE mode and the
     * five gradients, read from the accessors' buffers, equal the CPU head's.
     */
    /**
     * A Spec whose staging would not fit one direct buffer (dL/dz of 2^29 floats here: K = 2^15,
     * maxBatch = 2^14, D = 1) fails at creation before any device memory is allocated; it used
     * to allocate z and dL/dz (4 GiB) first, and on a smaller device failed with an out-of-memory
     * error instead. 2^29 - 1 floats fit the staging (the device buffers are then the limit).
     */
    @Test
    void aSpecPastTheStagingLimitFailsBeforeAllocating() {
        final GaussianHead.Spec spec = new GaussianHead.Spec(1, 1, 1 << 15, 1 << 14, Parameterization.SOFTPLUS, NoiseMode.STORE);
        final long before = ClResources.allocatedBufferBytes();
        final long[] live = ClResources.live();
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GaussianHead.create(cl, spec));
        assertEquals("staging of 536870912 floats exceeds one direct buffer", e.getMessage());
        assertEquals(before, ClResources.allocatedBufferBytes(), "device bytes allocated by a rejected Spec");
        assertEquals(java.util.Arrays.toString(live), java.util.Arrays.toString(ClResources.live()));
    }

    @Test
    void deviceBufferCallsGiveTheReferenceBits() {
        final SplittableRandom rnd = new SplittableRandom(0xDE71CE);
        for (NoiseMode mode : NoiseMode.values()) {
            final GaussianHead.Spec spec = new GaussianHead.Spec(21, 35, 3, 50, Parameterization.SOFTPLUS, mode);
            final int din = spec.inputs();
            final int d = spec.outputs();
            final int k = spec.samples();
            try (CpuBackend cpu = CpuBackend.create(2); GaussianHead ref = GaussianHead.create(cpu, spec);
                 ClGaussianHead head = ClGaussianHead.create(cl, spec);
                 ClBuffer x = cl.allocate(spec.maxBatch() * din); ClBuffer gz = cl.allocate(k * spec.maxBatch() * d)) {
                for (int round = 0; round < 2; round++) {
                    final Params p = Params.random(rnd, spec);
                    p.set(ref);
                    p.set(head);
                    final int batch = round == 0 ? spec.maxBatch() : 17;
                    final String what = mode + " round " + round;
                    final float[] hx = Params.values(rnd, batch * din, 2.0);
                    final float[] hz = new float[k * batch * d];
                    ref.forward(hx, batch, 5, 1, 1000L * round, hz);
                    cl.write(x, hx, 0, hx.length);
                    head.forward(x, batch, 5, 1, 1000L * round);
                    GaussianHeadParityTest.assertBits(hz, read(head.z(), hz.length), what + ": z");
                    final float[] mu = new float[batch * d];
                    ref.readMu(mu);
                    GaussianHeadParityTest.assertBits(mu, read(head.mu(), mu.length), what + ": mu");
                    final float[] sigma = new float[batch * d];
                    ref.readSigma(sigma);
                    GaussianHeadParityTest.assertBits(sigma, read(head.sigma(), sigma.length), what + ": sigma");
                    final float[] rho = read(head.rho(), batch * d);
                    for (int i = 0; i < rho.length; i++) {
                        assertEquals(Float.floatToRawIntBits(sigma[i]),
                                Float.floatToRawIntBits(Parameterization.SOFTPLUS.sigma(rho[i])), what + ": rho " + i);
                    }
                    if (mode == NoiseMode.STORE) {
                        final float[] eps = read(head.eps(), hz.length);
                        for (int i = 0; i < eps.length; i++) {
                            final int row = (i / d) % batch;
                            final float z = Math.fma(sigma[row * d + i % d], eps[i], mu[row * d + i % d]);   // as the passes compute it
                            assertEquals(Float.floatToRawIntBits(hz[i]), Float.floatToRawIntBits(z), what + ": eps " + i);
                        }
                    } else {
                        assertNull(head.eps(), "no eps buffer in RECOMPUTE mode");
                    }

                    final float[] g = Params.values(rnd, hz.length, 1.0);
                    final HeadGradients expected = HeadGradients.of(spec, true);
                    ref.backward(g, expected);
                    cl.write(gz, g, 0, g.length);
                    head.backward(gz, true);
                    GaussianHeadParityTest.assertBits(expected.weightsMu(), read(head.gradWeightsMu(), din * d), what + ": dW_mu");
                    GaussianHeadParityTest.assertBits(expected.biasMu(), read(head.gradBiasMu(), d), what + ": db_mu");
                    GaussianHeadParityTest.assertBits(expected.weightsRho(), read(head.gradWeightsRho(), din * d), what + ": dW_rho");
                    GaussianHeadParityTest.assertBits(expected.biasRho(), read(head.gradBiasRho(), d), what + ": db_rho");
                    GaussianHeadParityTest.assertBits(java.util.Arrays.copyOf(expected.input(), batch * din),
                            read(head.gradInput(), batch * din), what + ": dx");
                }
            }
        }
    }

    /**
     * A training step launches six kernels: the mu/rho product pair and the forward pass; the
     * backward pass, the weight-gradient pair, the column-sum pair and the chained dL/dx product.
     * (Four transfers come on top: x and dL/dz in, z and the gradients out.) sigma is one more
     * launch, only when read; with the blocked kernel, transposing W_mu and W_rho two more, once
     * after each setParameters.
     */
    @Test
    void aTrainingStepLaunchesSixKernels() {
        final GaussianHead.Spec spec = new GaussianHead.Spec(12, 20, 1, 64, Parameterization.SOFTPLUS, NoiseMode.RECOMPUTE);
        final SplittableRandom rnd = new SplittableRandom(6);
        try (ClGaussianHead head = ClGaussianHead.create(cl, spec)) {
            Params.random(rnd, spec).set(head);
            final float[] x = Params.values(rnd, 64 * 12, 1.0);
            final float[] z = new float[64 * 20];
            final HeadGradients grads = HeadGradients.of(spec, true);
            head.forward(x, 64, 1, 0, 0, z);
            head.backward(z, grads);
            assertEquals(6, launches(() -> {
                head.forward(x, 64, 1, 0, 1 << 20, z);
                head.backward(z, grads);
            }), "kernel launches in a training step");
            assertEquals(1, launches(() -> head.readSigma(new float[64 * 20])), "launches to read sigma");
            assertEquals(0, launches(() -> head.readSigma(new float[64 * 20])), "launches to read sigma again");
            // New parameters: the blocked kernel's W^T is transposed again, once, at the next backward pass.
            final int transposes = ClAffineProduct.variantFor(cl.context().device()) == ClAffineProduct.Variant.BLOCKED ? 2 : 0;
            Params.random(rnd, spec).set(head);
            assertEquals(6 + transposes, launches(() -> {
                head.forward(x, 64, 1, 0, 2 << 20, z);
                head.backward(z, grads);
            }), "kernel launches in a step after setParameters");
            assertEquals(6, launches(() -> {
                head.forward(x, 64, 1, 0, 3 << 20, z);
                head.backward(z, grads);
            }), "kernel launches in the step after that");
        }
    }

    @Test
    void deviceBuffersOfAnotherSizeOrClosedAreRefused() {
        final GaussianHead.Spec spec = new GaussianHead.Spec(4, 3, 2, 8, Parameterization.SOFTPLUS, NoiseMode.RECOMPUTE);
        try (ClGaussianHead head = ClGaussianHead.create(cl, spec); ClBuffer small = cl.allocate(4 * 8 - 1)) {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> head.forward(small, 8, 1, 0, 0));
            assertEquals("x buffer holds 31 floats, the call needs 32", e.getMessage());
            head.forward(small, 7, 1, 0, 0);
            final ClBuffer closed = cl.allocate(2 * 7 * 3);
            closed.close();
            assertThrows(IllegalStateException.class, () -> head.backward(closed, true));
            final IllegalArgumentException tooSmall = assertThrows(IllegalArgumentException.class,
                    () -> head.backward(small, false));
            assertTrue(tooSmall.getMessage().startsWith("gradZ buffer holds 31 floats, the call needs 42"),
                    tooSmall.getMessage());
        }
    }

    private static long launches(Runnable r) {
        final ClContext ctx = cl.context();
        ctx.startKernelTiming();
        final List<cl_event> events;
        try {
            r.run();
        } finally {
            events = ctx.stopKernelTiming();
        }
        for (cl_event e : events) {
            CL.clReleaseEvent(e);
        }
        return events.size();
    }

    private static float[] read(ClBuffer b, int n) {
        final float[] v = new float[n];
        cl.read(b, v, 0, n);
        return v;
    }
}
