package org.reparamcl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.reparamcl.ReparamCases.bits;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.reparamcl.GaussianSampler.Tensor;
import org.reparamcl.cpu.CpuBackend;
import org.reparamcl.opencl.ClResources;
import org.reparamcl.opencl.OpenClTestSupport;

class GaussianSamplerTest {
    static CpuBackend cpu;

    @BeforeAll
    static void open() {
        cpu = CpuBackend.create(2);
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    /** A few training steps through the sampler equal the same steps through direct host-array calls. */
    static void trainingLoopMatchesDirectCalls(Backend be, NoiseMode mode) {
        final SplittableRandom rnd = new SplittableRandom(21);
        final ReparamSpec spec = ReparamSpec.builder().shape(3, 5, 77).parameterization(Parameterization.SOFTPLUS)
                .seed(99).noiseMode(mode).build();
        final int np = (int) spec.paramElements();
        final int n = (int) spec.elements();
        final float[] mu = ReparamCases.uniform(np, 1, rnd);
        final float[] rho = ReparamCases.rhos(spec.parameterization(), np, rnd);
        final float[] z = new float[n];
        final float[] eps = new float[n];
        final float[] gm = new float[np];
        final float[] gr = new float[np];
        final float[] kl = new float[5];
        final float[] lq = new float[15];
        try (GaussianSampler s = GaussianSampler.create(be, spec)) {
            s.write(Tensor.MU, mu);
            s.write(Tensor.RHO, rho);
            for (int step = 0; step < 3; step++) {
                final long offset = step * spec.elements();
                final ReparamSpec at = spec.withOffset(offset);
                s.forward(offset, true, true);
                cpu.reparamForward(at, mu, rho, z, mode == NoiseMode.STORE ? eps : null, kl, lq);
                assertArrayEquals(bits(z), bits(s.read(Tensor.Z)), "step " + step);
                assertArrayEquals(bits(kl), bits(s.read(Tensor.KL)));
                assertArrayEquals(bits(lq), bits(s.read(Tensor.LOG_PROB)));
                final float[] gz = ReparamCases.uniform(n, 1, rnd);
                final float[] gk = ReparamCases.uniform(5, 1, rnd);
                s.write(Tensor.GRAD_Z, gz);
                s.write(Tensor.GRAD_KL, gk);
                s.backward(offset, true, false, step > 0);
                cpu.reparamBackward(at, mu, rho, mode == NoiseMode.STORE ? eps : null, gz, gk, null, gm, gr, step > 0);
                assertArrayEquals(bits(gm), bits(s.read(Tensor.GRAD_MU)), "step " + step);
                assertArrayEquals(bits(gr), bits(s.read(Tensor.GRAD_RHO)), "step " + step);
            }
            if (mode == NoiseMode.RECOMPUTE) {
                assertThrows(IllegalStateException.class, () -> s.read(Tensor.EPS));
            } else {
                assertArrayEquals(bits(eps), bits(s.read(Tensor.EPS)));
            }
            assertThrows(IllegalArgumentException.class, () -> s.write(Tensor.MU, new float[np + 1]));
            assertThrows(NullPointerException.class, () -> s.write(Tensor.RHO, null));
        }
    }

    @Test
    void cpuSamplerMatchesDirectCalls() {
        trainingLoopMatchesDirectCalls(cpu, NoiseMode.RECOMPUTE);
        trainingLoopMatchesDirectCalls(cpu, NoiseMode.STORE);
    }

    @Test
    void openClSamplerMatchesTheCpuReferenceAndReleasesItsBuffers() {
        final Backend cl = OpenClTestSupport.backend();
        trainingLoopMatchesDirectCalls(cl, NoiseMode.RECOMPUTE);      // the backend's own scratch is allocated here
        final long before = ClResources.live()[4];
        trainingLoopMatchesDirectCalls(cl, NoiseMode.STORE);
        trainingLoopMatchesDirectCalls(cl, NoiseMode.RECOMPUTE);
        org.junit.jupiter.api.Assertions.assertEquals(before, ClResources.live()[4], "device buffers left open");
    }

    @Test
    void closedSamplerAndHostOnlySampler() {
        final ReparamSpec spec = ReparamSpec.builder().shape(1, 2, 3).seed(1).build();
        final GaussianSampler s = GaussianSampler.create(cpu, spec);
        assertThrows(IllegalStateException.class, () -> s.buffer(Tensor.MU));
        s.close();
        s.close();
        assertThrows(IllegalStateException.class, () -> s.forward(0, false, false));
        assertThrows(IllegalStateException.class, () -> s.read(Tensor.Z));
        assertThrows(NullPointerException.class, () -> GaussianSampler.create(null, spec));
    }

    /** On the CPU reference every tensor must fit a Java array, not only Z: with D = 0 the row tensors are the long ones. */
    @Test
    void cpuSamplerRejectsTensorsPastAJavaArray() {
        final ReparamSpec tooManyRows = ReparamSpec.builder().shape(2, 1L << 31, 0).seed(1).build();
        final IllegalArgumentException rows = assertThrows(IllegalArgumentException.class,
                () -> GaussianSampler.create(cpu, tooManyRows));
        org.junit.jupiter.api.Assertions.assertTrue(rows.getMessage().contains("KL") && rows.getMessage().contains("2147483648"),
                rows.getMessage());
        final ReparamSpec wideBroadcast = ReparamSpec.builder().shape(1, 0, (1L << 32) + 5).broadcast(true).seed(1).build();
        final IllegalArgumentException wide = assertThrows(IllegalArgumentException.class,
                () -> GaussianSampler.create(cpu, wideBroadcast));
        org.junit.jupiter.api.Assertions.assertTrue(wide.getMessage().contains("MU") && wide.getMessage().contains("4294967301"),
                wide.getMessage());
    }

    /** One sampler shared by several threads: every call is atomic (each thread's read sees its own forward). */
    @Test
    void oneSamplerManyThreads() throws Exception {
        final ReparamSpec spec = ReparamSpec.builder().shape(2, 4, 50).seed(5).build();
        final float[] mu = new float[200];
        final float[] rho = new float[200];
        java.util.Arrays.fill(rho, 1.0f);
        final ExecutorService pool = Executors.newFixedThreadPool(4);
        try (GaussianSampler s = GaussianSampler.create(cpu, spec)) {
            s.write(Tensor.MU, mu);
            s.write(Tensor.RHO, rho);
            final List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                final long offset = 1000L * t;
                fs.add(pool.submit(() -> {
                    final float[] expected = new float[400];
                    cpu.reparamForward(spec.withOffset(offset), mu, rho, expected, null);
                    for (int rep = 0; rep < 20; rep++) {
                        final float[] got;
                        synchronized (s) {
                            s.forward(offset, false, false);
                            got = s.read(Tensor.Z);
                        }
                        assertArrayEquals(bits(expected), bits(got));
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }
}
