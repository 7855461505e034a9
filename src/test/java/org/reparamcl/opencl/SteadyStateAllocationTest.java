package org.reparamcl.opencl;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import java.util.function.LongConsumer;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.reparamcl.GaussianHead;
import org.reparamcl.GaussianSampler;
import org.reparamcl.GaussianSampler.Tensor;
import org.reparamcl.HeadGradients;
import org.reparamcl.NoiseMode;
import org.reparamcl.Parameterization;
import org.reparamcl.ReparamSpec;

/**
 * The tight-loop promise on the Java heap. In steady state a device-resident step of a
 * {@link GaussianSampler} on OpenCL (forward and backward on its buffers) allocates only the spec
 * of the step's new offset; kernel arguments, value checks and launches allocate nothing. A step
 * that also moves host arrays adds JOCL's wrapper of each array, and a {@link GaussianHead} step
 * JOCL's bookkeeping of its non-blocking writes: a fixed number of small objects either way,
 * never anything that grows with the batch. Measured with the JVM's per-thread allocation counter
 * (exact, not sampled) over windows of {@value #STEPS} steps after a warm-up, at two sizes 64x apart: the
 * bytes per step must stay under the bound at both and must not grow with the size (an array of
 * the batch, or of one row per sample, would break both).
 */
class SteadyStateAllocationTest {
    /** Device-resident sampler step: one ReparamSpec (80 bytes on a 64-bit JVM with compressed references), no Pointer, array or event. */
    static final long DEVICE_STEP_BYTES = 128;
    /** Sampler step with three host reads and one host write (a JOCL Pointer and array wrapper each). */
    static final long HOST_STEP_BYTES = 1024;
    /** Head step: host x in, z out, dL/dz in, five gradients out (one read); JOCL's write bookkeeping. */
    static final long HEAD_STEP_BYTES = 512;
    static final int STEPS = 1000;
    static final int WARM_UP = 500;
    static final int WINDOWS = 3;

    private static OpenClBackend cl;
    private static com.sun.management.ThreadMXBean threads;

    @BeforeAll
    static void setUp() {
        cl = OpenClTestSupport.backend();
        final java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        assumeTrue(mx instanceof com.sun.management.ThreadMXBean, "skipped: this JVM has no per-thread allocation counter");
        threads = (com.sun.management.ThreadMXBean) mx;
        assumeTrue(threads.isThreadAllocatedMemorySupported(), "skipped: per-thread allocation counting unsupported");
        threads.setThreadAllocatedMemoryEnabled(true);
    }

    private static long allocated() {
        return threads.getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    @Test
    void deviceResidentSamplerStepsAllocateOnlyTheOffsetsSpec() {
        for (NoiseMode mode : NoiseMode.values()) {
            for (boolean check : new boolean[] {false, true}) {
                final double small = samplerBytesPerStep(3, 16, 40, mode, check, false);
                final double large = samplerBytesPerStep(3, 64, 640, mode, check, false);
                report("device-resident sampler " + mode + (check ? " with value checks" : ""), small, large, DEVICE_STEP_BYTES);
            }
        }
    }

    @Test
    void samplerStepsWithHostArraysAllocateAFixedSmallAmount() {
        for (NoiseMode mode : NoiseMode.values()) {
            final double small = samplerBytesPerStep(3, 16, 40, mode, true, true);
            final double large = samplerBytesPerStep(3, 64, 640, mode, true, true);
            report("sampler with host arrays " + mode, small, large, HOST_STEP_BYTES);
        }
    }

    @Test
    void headStepsAllocateAFixedSmallAmount() {
        for (NoiseMode mode : NoiseMode.values()) {
            final double small = headBytesPerStep(7, 5, 3, 24, mode);
            final double large = headBytesPerStep(7, 5, 3, 24 * 64, mode);
            report("head " + mode, small, large, HEAD_STEP_BYTES);
        }
    }

    private static void report(String what, double small, double large, long bound) {
        final String msg = what + ": " + Math.round(small) + " bytes per step at the small size, " + Math.round(large)
                + " at the 64x larger size (bound " + bound + ")";
        System.out.println("SteadyStateAllocationTest: " + msg);
        assertTrue(small <= bound && large <= bound, msg);
        assertTrue(large <= small + 64, "allocation grows with the size: " + msg);
    }

    /**
     * Heap bytes per step of a sampler loop: forward, backward (accumulating every other step),
     * and with {@code host} the host traffic of a training step (read z, write gradZ, read the
     * gradients).
     */
    private static double samplerBytesPerStep(int k, int b, int d, NoiseMode mode, boolean check, boolean host) {
        final ReparamSpec spec = ReparamSpec.builder().shape(k, b, d).parameterization(Parameterization.SOFTPLUS)
                .seed(11).stream(2).noiseMode(mode).checkValues(check).build();
        final SplittableRandom rnd = new SplittableRandom(5);
        final float[] mu = values(rnd, b * d);
        final float[] rho = values(rnd, b * d);
        final float[] z = new float[k * b * d];
        final float[] gz = values(rnd, k * b * d);
        final float[] gmu = new float[b * d];
        final float[] grho = new float[b * d];
        try (GaussianSampler s = GaussianSampler.create(cl, spec)) {
            s.write(Tensor.MU, mu);
            s.write(Tensor.RHO, rho);
            s.write(Tensor.GRAD_Z, gz);
            return bytesPerStep(step -> {
                final long offset = step * spec.elements();
                s.forward(offset, false, false);
                if (host) {
                    s.read(Tensor.Z, z);
                    s.write(Tensor.GRAD_Z, gz);
                }
                s.backward(offset, false, false, step % 2 == 1);
                if (host) {
                    s.read(Tensor.GRAD_MU, gmu);
                    s.read(Tensor.GRAD_RHO, grho);
                }
            });
        }
    }

    /** Heap bytes per step of a head loop: forward into z, backward into reused gradients. */
    private static double headBytesPerStep(int din, int d, int k, int batch, NoiseMode mode) {
        final GaussianHead.Spec spec = new GaussianHead.Spec(din, d, k, batch, Parameterization.LOG_VAR, mode);
        final SplittableRandom rnd = new SplittableRandom(6);
        final float[] x = values(rnd, batch * din);
        final float[] z = new float[k * batch * d];
        final float[] gz = values(rnd, k * batch * d);
        final HeadGradients grads = HeadGradients.of(spec, true);
        try (GaussianHead h = GaussianHead.create(cl, spec)) {
            h.setParameters(values(rnd, din * d), values(rnd, d), values(rnd, din * d), values(rnd, d));
            return bytesPerStep(step -> {
                h.forward(x, batch, 3, 1, step * k * batch * d, z);
                h.backward(gz, grads);
            });
        }
    }

    /**
     * Heap bytes per step: {@value #WARM_UP} steps to warm up, then the least of {@value #WINDOWS}
     * windows of {@value #STEPS} steps (compilation in the JVM can only add bytes to a window).
     */
    private static double bytesPerStep(LongConsumer step) {
        long i = 0;
        while (i < WARM_UP) {
            step.accept(i++);
        }
        long least = Long.MAX_VALUE;
        for (int w = 0; w < WINDOWS; w++) {
            final long start = allocated();
            for (int j = 0; j < STEPS; j++) {
                step.accept(i++);
            }
            least = Math.min(least, allocated() - start);
        }
        return least / (double) STEPS;
    }

    private static float[] values(SplittableRandom rnd, int n) {
        final float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rnd.nextDouble() - 0.5);
        }
        return v;
    }
}
