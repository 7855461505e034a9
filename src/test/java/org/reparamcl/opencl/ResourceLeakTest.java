package org.reparamcl.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.reparamcl.GaussianSampler;
import org.reparamcl.NoiseMode;
import org.reparamcl.Parameterization;
import org.reparamcl.ReparamSpec;
import org.reparamcl.cpu.CpuBackend;
import org.reparamcl.rng.NoiseStream;

/**
 * Native objects are counted by {@link ClResources}: across 10^5 calls (noise fills of every
 * kind and reparameterized forward and backward passes) the counts stay flat, and closing
 * returns them to their baseline; so do 10^4 buffer allocations, repeated context, backend and
 * sampler lifecycles. CPU backends stop their pool threads when closed.
 */
class ResourceLeakTest {
    static final int CALLS = 100_000;

    @Test
    void hundredThousandCallsHoldNothingNew() {
        OpenClTestSupport.requireOpenCl();
        assertTimeoutPreemptively(Duration.ofSeconds(240), () -> {
            final long[] baseline = ClResources.live();
            final long baselineBytes = ClResources.liveBufferBytes();
            final OpenClBackend cl = OpenClBackend.create(ClDevices.select("auto"));
            final ClBuffer buf = cl.allocate(256);
            final float[] f = new float[120];
            final float[] w2 = new float[120];
            final int[] w = new int[256];
            final FloatBuffer direct = ByteBuffer.allocateDirect(1024).order(ByteOrder.nativeOrder()).asFloatBuffer();
            final ReparamSpec spec = ReparamSpec.builder().shape(2, 3, 40).parameterization(Parameterization.SOFTPLUS)
                    .noiseMode(NoiseMode.STORE).seed(9).build();
            final float[] mu = new float[120];
            final float[] rho = new float[120];
            final float[] z = new float[240];
            final float[] eps = new float[240];
            final float[] kl = new float[3];
            final float[] lq = new float[6];
            cl.fillNormal(0, 0, 0, f);                              // the staging buffer now exists
            cl.reparamForward(spec, mu, rho, z, eps, kl, lq);       // and the reparam kernels and staging
            cl.reparamBackward(spec, mu, rho, eps, z, kl, lq, f, w2, false);
            final long[] steady = ClResources.live();
            final long steadyBytes = ClResources.liveBufferBytes();
            assertEquals(baseline[0] + 1, steady[0], "contexts");
            assertTrue(steady[4] > baseline[4] + 2, "buffers: the caller's, the staging buffer and the reparam staging");
            final SplittableRandom r = new SplittableRandom(42);
            long elements = 0;
            long passes = 0;
            for (int i = 1; i <= CALLS; i++) {
                final int n = r.nextInt(1, 121);
                final long offset = r.nextLong();
                final long off = Long.compareUnsigned(offset, -1L - n) > 0 ? 0 : offset;
                if (i % 50 == 25) {
                    final ReparamSpec s = spec.withOffset(off >>> 1);
                    cl.reparamForward(s, mu, rho, z, eps, kl, lq);
                    cl.reparamBackward(s, mu, rho, eps, z, kl, lq, f, w2, (i & 64) != 0);
                    passes++;
                    continue;
                }
                switch (r.nextInt(5)) {
                    case 0, 1 -> cl.fillNormal(i, 3, off, f, 0, n);
                    case 2 -> cl.fillBits(i, 3, off, w, 256 - n, n);
                    case 3 -> cl.fillNormal(i, 3, off, direct.clear().limit(n));
                    default -> {
                        cl.fillNormal(i, 3, off, buf, n);
                        if (i % 64 == 0) {
                            cl.read(buf, f, 0, n);
                        }
                    }
                }
                elements += n;
                if (i % 10_000 == 0) {
                    cl.finish();
                    assertArrayEquals(steady, ClResources.live(), "native objects after " + i + " calls");
                    assertEquals(steadyBytes, ClResources.liveBufferBytes(), "device bytes after " + i + " calls");
                    final float[] want = new float[n];
                    NoiseStream.fillNormal(i, 3, off, want, 0, n);
                    cl.fillNormal(i, 3, off, buf, n);
                    cl.read(buf, f, 0, n);
                    assertArrayEquals(want, Arrays.copyOf(f, n), "call " + i);
                }
            }
            cl.close();
            cl.close();
            assertArrayEquals(baseline, ClResources.live(), "native objects after close");
            assertEquals(baselineBytes, ClResources.liveBufferBytes(), "device bytes after close");
            System.out.printf("resources: %d calls (%d elements, %d forward + backward pairs), live objects flat at %s,"
                    + " back to %s after close%n", CALLS, elements, passes, Arrays.toString(steady), Arrays.toString(baseline));
        });
    }

    /**
     * Scratch and staging buffers grow in place: a call larger than every earlier one replaces the
     * buffers it outgrows (ClContext.grow closes the old one) rather than adding to them. Calls of
     * one kind (host arrays, K = 3, D = 100: tiled parameters, KL and log q partials, the log q
     * column sums, every staging role) at growing B: after the first, the number of live buffers
     * stays put while the bytes grow; and the bits stay the CPU reference's.
     */
    @Test
    void growingCallsReplaceTheBuffersTheyOutgrow() {
        OpenClTestSupport.requireOpenCl();
        final SplittableRandom rnd = new SplittableRandom(0x6E0);
        try (OpenClBackend cl = OpenClBackend.create(ClDevices.select("auto")); CpuBackend cpu = CpuBackend.create(1)) {
            long buffers = -1;
            long bytes = -1;
            for (int b : new int[] {2, 5, 11, 23, 40}) {
                final ReparamSpec s = ReparamSpec.builder().shape(3, b, 100).parameterization(Parameterization.SOFTPLUS)
                        .noiseMode(NoiseMode.STORE).seed(rnd.nextLong()).offset(rnd.nextLong() >>> 1).build();
                final int n = (int) s.elements();
                final int np = (int) s.paramElements();
                final float[] mu = new float[np];
                final float[] rho = new float[np];
                for (int i = 0; i < np; i++) {
                    mu[i] = (float) rnd.nextGaussian();
                    rho[i] = (float) rnd.nextGaussian();
                }
                final float[][] out = new float[2][];
                for (org.reparamcl.Backend be : new org.reparamcl.Backend[] {cpu, cl}) {
                    final float[] z = new float[n];
                    final float[] eps = new float[n];
                    final float[] kl = new float[b];
                    final float[] lq = new float[3 * b];
                    be.reparamForward(s, mu, rho, z, eps, kl, lq);
                    final float[] gm = new float[np];
                    final float[] gr = new float[np];
                    be.reparamBackward(s, mu, rho, eps, z, kl, lq, gm, gr, false);
                    final float[] all = new float[2 * n + 4 * b + 2 * np];
                    System.arraycopy(z, 0, all, 0, n);
                    System.arraycopy(eps, 0, all, n, n);
                    System.arraycopy(kl, 0, all, 2 * n, b);
                    System.arraycopy(lq, 0, all, 2 * n + b, 3 * b);
                    System.arraycopy(gm, 0, all, 2 * n + 4 * b, np);
                    System.arraycopy(gr, 0, all, 2 * n + 4 * b + np, np);
                    out[be == cpu ? 0 : 1] = all;
                }
                assertArrayEquals(org.reparamcl.ReparamCases.bits(out[0]), org.reparamcl.ReparamCases.bits(out[1]), s.toString());
                cl.finish();
                final long nowBuffers = ClResources.live()[4];
                final long nowBytes = ClResources.liveBufferBytes();
                if (buffers >= 0) {
                    assertEquals(buffers, nowBuffers, "live buffers after a larger call, B = " + b);
                    assertTrue(nowBytes > bytes, "device bytes did not grow at B = " + b + ": " + nowBytes);
                }
                buffers = nowBuffers;
                bytes = nowBytes;
            }
        }
    }

    @Test
    void buffersContextsAndBackendsReturnToBaseline() {
        OpenClTestSupport.requireOpenCl();
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            final long[] baseline = ClResources.live();
            final long baselineBytes = ClResources.liveBufferBytes();
            final ClDeviceInfo device = ClDevices.select("auto");
            try (OpenClBackend cl = OpenClBackend.create(device)) {
                final long[] created = ClResources.live();
                final SplittableRandom r = new SplittableRandom(7);
                for (int i = 0; i < 10_000; i++) {
                    try (ClBuffer b = cl.allocate(r.nextInt(1, 1 << 16))) {
                        if (i % 1000 == 0) {
                            cl.fillBits(1, 2, 3, b, 1);
                        }
                    }
                }
                // buffers left open are released by the backend's close
                for (int i = 0; i < 100; i++) {
                    cl.allocate(1000);
                }
                assertEquals(created[4] + 100, ClResources.live()[4]);
            }
            assertArrayEquals(baseline, ClResources.live(), "after 10^4 buffers");
            try (OpenClBackend cl = OpenClBackend.create(device)) {
                final ReparamSpec spec = ReparamSpec.builder().shape(3, 4, 5).seed(2).build();
                long[] open = null;
                for (int i = 0; i <= 200; i++) {
                    if (i == 1) {
                        open = ClResources.live();          // after the first: the kernels and scratch of the passes exist
                    }
                    final GaussianSampler g = GaussianSampler.create(cl, spec);
                    g.write(GaussianSampler.Tensor.MU, new float[20]);
                    g.write(GaussianSampler.Tensor.RHO, ones(20));
                    g.forward(i * spec.elements(), true, true);
                    g.write(GaussianSampler.Tensor.GRAD_Z, new float[60]);
                    g.backward(i * spec.elements(), true, true, false);
                    g.close();
                    g.close();
                    final int step = i;
                    final IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                            () -> g.forward(step, false, false));
                    assertTrue(e.getMessage().contains("closed"), e.getMessage());
                }
                cl.finish();
                assertArrayEquals(open, ClResources.live(), "after 200 samplers");
            }
            for (int i = 0; i < 10; i++) {
                try (ClContext ctx = ClContext.create(device)) {
                    ctx.kernel("noise_normal");
                    ctx.allocate(4096);
                }
                final OpenClBackend b = OpenClBackend.create(device);
                b.fillNormal(i, 0, 0, new float[100]);
                b.close();
            }
            assertArrayEquals(baseline, ClResources.live(), "after 10 contexts and 10 backends");
            assertEquals(baselineBytes, ClResources.liveBufferBytes());
        });
    }

    @Test
    void cpuBackendsStopTheirThreads() throws InterruptedException {
        final long before = cpuThreads();
        for (int i = 0; i < 50; i++) {
            final CpuBackend cpu = CpuBackend.create(4);
            cpu.fillNormal(i, 0, 0, new float[1 << 16]);             // past the threshold: the pool starts its threads
            cpu.close();
            cpu.close();
        }
        long now = cpuThreads();
        for (int wait = 0; wait < 100 && now > before; wait++) {
            Thread.sleep(50);
            now = cpuThreads();
        }
        assertTrue(now <= before, "CPU pool threads still alive after close: " + now + " > " + before);
    }

    private static float[] ones(int n) {
        final float[] a = new float[n];
        Arrays.fill(a, 1.0f);
        return a;
    }

    private static long cpuThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("reparam-cpu-")).count();
    }
}
