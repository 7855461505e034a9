package org.reparamcl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.reparamcl.ReparamCases.bits;

import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.function.Executable;
import org.reparamcl.GaussianSampler.Tensor;
import org.reparamcl.cpu.CpuBackend;
import org.reparamcl.opencl.ClBuffer;
import org.reparamcl.opencl.ClResources;
import org.reparamcl.opencl.OpenClBackend;
import org.reparamcl.opencl.OpenClTestSupport;

/**
 * Closing under load and the state of fresh tensors, on both backends:
 * <ul>
 * <li>a call admitted before close finishes with its whole result (close waits for it) and a call
 *     not admitted throws IllegalStateException before writing anything: never a half-written
 *     result, never a crash (Gaussian-head steps and device-buffer closes included);</li>
 * <li>once a backend is closed, its heads and samplers throw IllegalStateException on every call,
 *     and none can be created on it;</li>
 * <li>a sampler's fresh tensors read as zeros on OpenCL as on the CPU, so accumulating into a
 *     fresh gradient equals writing it.</li>
 * </ul>
 * The races are timed, not forced: each test runs several trials spread over the length of a
 * call, and a trial can only pass or fail in the ways listed (never by chance the other way).
 */
class CloseAndFreshStateTest {
    private static final float SENTINEL = Float.intBitsToFloat(0x7FC0DEAD);

    static Backend open(String kind) {
        return BackendConcurrencyTest.open(kind);
    }

    /**
     * A CPU forward pass (several parallel phases: sigma, z, KL) racing close at sixteen points
     * spread over its length: it either completes with the reference bits in z and KL or throws
     * IllegalStateException with both untouched.
     */
    @Test
    void cpuPassRacingCloseCompletesOrWritesNothing() {
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            // K = 16: the z phase (K * B * D elements) dominates the call, so most trials close inside it.
            final ReparamSpec spec = ReparamSpec.builder().shape(16, 128, 1024).parameterization(Parameterization.SOFTPLUS)
                    .seed(5).build();
            final int np = (int) spec.paramElements();
            final SplittableRandom rnd = new SplittableRandom(8);
            final float[] mu = ReparamCases.uniform(np, 1, rnd);
            final float[] rho = ReparamCases.rhos(spec.parameterization(), np, rnd);
            final float[] wantZ = new float[(int) spec.elements()];
            final float[] wantKl = new float[128];
            long callNanos = Long.MAX_VALUE;                   // the warm call's length
            try (CpuBackend ref = CpuBackend.create(2)) {
                for (int i = 0; i < 4; i++) {
                    final long t0 = System.nanoTime();
                    ref.reparamForward(spec, mu, rho, wantZ, null, wantKl, null);
                    callNanos = Math.min(callNanos, System.nanoTime() - t0);
                }
            }
            int completed = 0;
            int rejected = 0;
            for (int trial = 0; trial < 16; trial++) {
                final CpuBackend cpu = CpuBackend.create(2);
                final float[] z = new float[wantZ.length];
                final float[] kl = new float[wantKl.length];
                Arrays.fill(z, SENTINEL);
                Arrays.fill(kl, SENTINEL);
                final Throwable[] failure = new Throwable[1];
                final Thread caller = new Thread(() -> {
                    try {
                        cpu.reparamForward(spec, mu, rho, z, null, kl, null);
                    } catch (Throwable e) {
                        failure[0] = e;
                    }
                });
                caller.start();
                final long pause = callNanos * trial / 12;        // from before the call to past its end
                Thread.sleep(pause / 1_000_000, (int) (pause % 1_000_000));
                cpu.close();
                caller.join();
                if (failure[0] == null) {
                    assertArrayEquals(bits(wantZ), bits(z), "trial " + trial + ": completed call, z");
                    assertArrayEquals(bits(wantKl), bits(kl), "trial " + trial + ": completed call, KL");
                    completed++;
                } else {
                    assertTrue(failure[0] instanceof IllegalStateException, "trial " + trial + ": " + failure[0]);
                    assertTrue(allSentinel(z) && allSentinel(kl), "trial " + trial + ": a rejected call wrote its outputs");
                    rejected++;
                }
            }
            System.out.printf("CPU pass racing close (call %.1f ms): %d completed, %d rejected%n", callNanos / 1e6,
                    completed, rejected);
            // The timed trials nearly always complete; a call after close must be rejected untouched.
            final CpuBackend closed = CpuBackend.create(2);
            closed.close();
            final float[] z = new float[wantZ.length];
            final float[] kl = new float[wantKl.length];
            Arrays.fill(z, SENTINEL);
            Arrays.fill(kl, SENTINEL);
            assertThrows(IllegalStateException.class, () -> closed.reparamForward(spec, mu, rho, z, null, kl, null));
            assertTrue(allSentinel(z) && allSentinel(kl), "a call after close wrote its outputs");
        });
    }

    /**
     * Gaussian-head steps in a loop on one thread while another closes the backend, several times
     * on each backend: close waits for the step in progress, and the stepping thread ends with
     * IllegalStateException at the start of its next step, with no other failure (on OpenCL a step
     * racing close used to fail part-way, on a closed context or buffer, or kill the process in
     * clSetKernelArg or PoCL's queue release), and no native object outlives the backend.
     */
    @ParameterizedTest
    @ValueSource(strings = {"cpu", "opencl"})
    void headStepsRacingBackendClose(String kind) {
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            final long[] baseline = kind.equals("opencl") ? ClResources.live() : null;
            // Small steps: many enqueues per millisecond, so a close lands between a step's checks and its enqueues.
            final GaussianHead.Spec spec = new GaussianHead.Spec(8, 8, 2, 16, Parameterization.SOFTPLUS, NoiseMode.RECOMPUTE);
            final SplittableRandom rnd = new SplittableRandom(12);
            final float[] x = ReparamCases.uniform(16 * 8, 1, rnd);
            final float[] gz = ReparamCases.uniform(2 * 16 * 8, 1, rnd);
            final float[] wMu = ReparamCases.uniform(8 * 8, 0.2, rnd);
            final float[] bMu = ReparamCases.uniform(8, 0.2, rnd);
            final float[] wRho = ReparamCases.uniform(8 * 8, 0.2, rnd);
            final float[] bRho = ReparamCases.uniform(8, 0.2, rnd);
            for (int trial = 0; trial < 12; trial++) {
                final Backend b = open(kind);
                final GaussianHead head = GaussianHead.create(b, spec);
                head.setParameters(wMu, bMu, wRho, bRho);
                final HeadGradients grads = HeadGradients.of(spec, true);
                final AtomicLong steps = new AtomicLong();
                final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
                final Thread stepper = new Thread(() -> {
                    try {
                        for (long s = 0; ; s++) {
                            head.forward(x, 16, 7, 1, s * 2 * 16 * 8, null);
                            head.backward(gz, grads);
                            steps.incrementAndGet();
                        }
                    } catch (IllegalStateException e) {
                        // Rejected at a step's start: the head's own check (or, on the CPU, the
                        // backend's, before the step touches anything). A step that failed part-way
                        // would name a closed context, buffer or OpenCL backend instead.
                        if (!e.getMessage().startsWith("Gaussian head's " + (kind.equals("cpu") ? "CPU" : "OpenCL")
                                + " backend is closed") && !(kind.equals("cpu") && e.getMessage().equals("CPU backend is closed"))) {
                            failures.add("step failed part-way: " + e);
                        }
                    } catch (Throwable e) {
                        failures.add(e.toString());
                    }
                });
                stepper.start();
                while (steps.get() < 5 && stepper.isAlive()) {
                    Thread.sleep(0, 100_000);
                }
                Thread.sleep(trial % 6);
                b.close();
                stepper.join();
                assertTrue(failures.isEmpty(), "trial " + trial + ": " + failures);
                assertThrows(IllegalStateException.class, () -> head.forward(x, 16, 7, 1, 0, null));
                head.close();
            }
            if (baseline != null) {
                assertArrayEquals(baseline, ClResources.live(), "native objects after the backends closed");
            }
        });
    }

    /**
     * Gaussian heads created (and closed) in a loop on one thread while another closes the OpenCL
     * backend: creation either completes or throws IllegalStateException naming the closed
     * backend; it used to build kernels and enqueue without the call lock, and died in
     * clGetKernelWorkGroupInfo when the close released them first.
     */
    @Test
    void headCreationRacingBackendClose() {
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            final GaussianHead.Spec spec = new GaussianHead.Spec(8, 8, 2, 16, Parameterization.SOFTPLUS, NoiseMode.STORE);
            for (int trial = 0; trial < 12; trial++) {
                final Backend b = open("opencl");
                final AtomicLong created = new AtomicLong();
                final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
                final Thread maker = new Thread(() -> {
                    try {
                        while (true) {
                            GaussianHead.create(b, spec).close();
                            created.incrementAndGet();
                        }
                    } catch (IllegalStateException e) {
                        // Only at the start: a creation interleaved with close would fail on a
                        // released context, kernel or buffer instead (or crash).
                        if (!e.getMessage().equals("OpenCL backend is closed")) {
                            failures.add("creation failed part-way: " + e);
                        }
                    } catch (Throwable e) {
                        failures.add(e.toString());
                    }
                });
                maker.start();
                while (created.get() < 1 + trial % 4 && maker.isAlive()) {
                    Thread.sleep(0, 100_000);
                }
                b.close();
                maker.join();
                assertTrue(failures.isEmpty(), "trial " + trial + ": " + failures);
            }
        });
    }

    /**
     * A device buffer closed while another thread passes it to forward passes in a loop: the loop
     * ends with IllegalStateException (never a native use-after-free), and every call before that
     * gave the reference bits.
     */
    @Test
    void deviceBufferClosedWhileInUse() {
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            final OpenClBackend cl = OpenClTestSupport.backend();
            final ReparamSpec spec = ReparamSpec.builder().shape(1, 37, 1001).seed(3).build();
            final int n = (int) spec.elements();
            final SplittableRandom rnd = new SplittableRandom(4);
            final float[] mu = ReparamCases.uniform(n, 1, rnd);
            final float[] rho = ReparamCases.rhos(spec.parameterization(), n, rnd);
            final float[] want = new float[n];
            try (CpuBackend ref = CpuBackend.create(1)) {
                ref.reparamForward(spec, mu, rho, want, null, null, null);
            }
            for (int trial = 0; trial < 6; trial++) {
                final ClBuffer dMu = cl.allocate(n);
                final ClBuffer dRho = cl.allocate(n);
                final ClBuffer dZ = cl.allocate(n);
                cl.write(dMu, mu, 0, n);
                cl.write(dRho, rho, 0, n);
                final AtomicLong calls = new AtomicLong();
                final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
                final float[] got = new float[n];
                final Thread user = new Thread(() -> {
                    try {
                        while (true) {
                            cl.reparamForward(spec, dMu, dRho, dZ, null, null, null);
                            cl.read(dZ, got, 0, n);
                            if (!Arrays.equals(bits(want), bits(got))) {
                                failures.add("wrong bits");
                            }
                            calls.incrementAndGet();
                        }
                    } catch (IllegalStateException e) {
                        if (!e.getMessage().contains("closed")) {
                            failures.add("unexpected message: " + e);
                        }
                    } catch (Throwable e) {
                        failures.add(e.toString());
                    }
                });
                user.start();
                while (calls.get() < 1 + trial && user.isAlive()) {
                    Thread.sleep(0, 100_000);
                }
                (trial % 2 == 0 ? dZ : dMu).close();
                user.join();
                assertTrue(failures.isEmpty(), "trial " + trial + ": " + failures);
                dMu.close();
                dRho.close();
                dZ.close();
            }
        });
    }

    /** After the backend closes, every call of its heads and samplers throws IllegalStateException, and none can be made. */
    @ParameterizedTest
    @ValueSource(strings = {"cpu", "opencl"})
    void closedBackendClosesItsHeadsAndSamplers(String kind) {
        final Backend b = open(kind);
        final GaussianHead.Spec hs = new GaussianHead.Spec(2, 3, 1, 4, Parameterization.SIGMA, NoiseMode.STORE);
        final GaussianHead head = GaussianHead.create(b, hs);
        final float[] w = new float[6];
        final float[] bias = {1, 1, 1};
        head.setParameters(w, bias, w, bias);
        head.forward(new float[8], 4, 1, 2, 3, null);
        final ReparamSpec ss = ReparamSpec.builder().shape(1, 2, 3).seed(1).noiseMode(NoiseMode.STORE).build();
        final GaussianSampler sampler = GaussianSampler.create(b, ss);
        sampler.write(Tensor.RHO, new float[] {1, 1, 1, 1, 1, 1});
        b.close();
        final Executable[] calls = {
            () -> head.setParameters(w, bias, w, bias),
            () -> head.getParameters(new float[6], new float[3], new float[6], new float[3]),
            () -> head.forward(new float[8], 4, 1, 2, 3, null),
            () -> head.readMu(new float[12]),
            () -> head.readSigma(new float[12]),
            () -> head.backward(new float[12], HeadGradients.of(hs, true)),
            () -> sampler.write(Tensor.MU, new float[6]),
            () -> sampler.read(Tensor.RHO, new float[6]),
            () -> sampler.forward(0, false, false),
            () -> sampler.backward(0, false, false, false),
            () -> sampler.buffer(Tensor.RHO),                  // allocated before the close: not handed out closed
            () -> GaussianHead.create(b, hs),
            () -> GaussianSampler.create(b, ss),
        };
        for (int i = 0; i < calls.length; i++) {
            final IllegalStateException e = assertThrows(IllegalStateException.class, calls[i], kind + " call " + i);
            assertTrue(e.getMessage().contains("closed"), kind + " call " + i + ": " + e.getMessage());
        }
        head.close();
        sampler.close();
    }

    /**
     * A sampler's fresh tensors read as zeros on both backends, even where the device hands out
     * memory that earlier buffers filled (OpenClBackend.zero clears it), and a step that
     * accumulates into fresh gradients gives the bits of a step that writes them.
     */
    @ParameterizedTest
    @ValueSource(strings = {"cpu", "opencl"})
    void freshTensorsAreZero(String kind) {
        try (Backend b = open(kind)) {
            final ReparamSpec spec = ReparamSpec.builder().shape(2, 3, 41).parameterization(Parameterization.LOG_SIGMA)
                    .seed(77).build();
            final int np = (int) spec.paramElements();
            final int n = (int) spec.elements();
            if (b instanceof OpenClBackend cl) {
                // Leave garbage where the next buffers are likely to come from.
                final float[] junk = new float[4096];
                Arrays.fill(junk, -2.5e36f);
                for (int i = 0; i < 64; i++) {
                    try (ClBuffer used = cl.allocate(junk.length)) {
                        cl.write(used, junk, 0, junk.length);
                        cl.read(used, new float[1], 0, 1);
                    }
                }
                try (ClBuffer dirty = cl.allocate(junk.length)) {       // contents unspecified; zero clears them
                    cl.write(dirty, junk, 0, junk.length);
                    cl.zero(dirty);
                    final float[] got = new float[junk.length];
                    cl.read(dirty, got, 0, got.length);
                    assertArrayEquals(new float[junk.length], got, "a cleared device buffer");
                }
            }
            final SplittableRandom rnd = new SplittableRandom(9);
            final float[] mu = ReparamCases.uniform(np, 1, rnd);
            final float[] rho = ReparamCases.rhos(spec.parameterization(), np, rnd);
            final float[] gz = ReparamCases.uniform(n, 1, rnd);
            final float[] gk = ReparamCases.uniform(3, 1, rnd);
            final float[][] results = new float[2][];
            for (int accumulate = 0; accumulate < 2; accumulate++) {
                try (GaussianSampler s = GaussianSampler.create(b, spec)) {
                    for (Tensor t : Tensor.values()) {
                        if (t != Tensor.EPS) {
                            final float[] got = s.read(t);
                            assertArrayEquals(new float[got.length], got, kind + ": fresh " + t);
                        }
                    }
                    s.write(Tensor.MU, mu);
                    s.write(Tensor.RHO, rho);
                    s.write(Tensor.GRAD_Z, gz);
                    s.write(Tensor.GRAD_KL, gk);
                    s.backward(0, true, false, accumulate == 1);
                    final float[] gm = s.read(Tensor.GRAD_MU);
                    final float[] gr = s.read(Tensor.GRAD_RHO);
                    results[accumulate] = concat(gm, gr);
                    assertFalse(allZero(gr), kind + ": the step wrote nothing");
                }
            }
            assertArrayEquals(bits(results[0]), bits(results[1]), kind + ": accumulating into fresh gradients");
        }
    }

    private static float[] concat(float[] a, float[] b) {
        final float[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static boolean allSentinel(float[] a) {
        for (float v : a) {
            if (Float.floatToRawIntBits(v) != Float.floatToRawIntBits(SENTINEL)) {
                return false;
            }
        }
        return true;
    }

    private static boolean allZero(float[] a) {
        for (float v : a) {
            if (v != 0) {
                return false;
            }
        }
        return true;
    }
}
