package org.reparamcl.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.reparamcl.NoiseMode;
import org.reparamcl.Parameterization;
import org.reparamcl.ReparamCases;
import org.reparamcl.ReparamSpec;
import org.reparamcl.cpu.CpuBackend;
import org.reparamcl.rng.NoiseStream;

/**
 * The kernels' streaming-store paths ({@code reparam.streamingStores=always}) and the elementwise
 * backward kernel (one row per parameter element) against the CPU reference, bit for bit, on odd
 * lengths and every phase, with sentinels around the outputs.
 */
@ResourceLock("reparam.streamingStores")
class StreamingStoreParityTest {
    static final int SENTINEL = 0x7FC0DEAD;

    static OpenClBackend cl;
    static CpuBackend cpu;

    @BeforeAll
    static void open() {
        cl = OpenClTestSupport.backend();
        cpu = CpuBackend.create(2);
    }

    @AfterAll
    static void close() {
        if (cpu != null) {
            cpu.close();
        }
        if (cl != null) {
            cl.close();
        }
    }

    @AfterEach
    void restore() {
        System.clearProperty(ClContext.STREAMING_STORES_PROPERTY);
    }

    @Test
    void policyFollowsThePropertyAndRejectsUnknownModes() {
        final ClContext ctx = cl.context();
        System.setProperty(ClContext.STREAMING_STORES_PROPERTY, "always");
        assertEquals(1, ctx.streamingStores(4));
        System.setProperty(ClContext.STREAMING_STORES_PROPERTY, "never");
        assertEquals(0, ctx.streamingStores(Long.MAX_VALUE));
        System.setProperty(ClContext.STREAMING_STORES_PROPERTY, "auto");
        assertEquals(0, ctx.streamingStores(ClContext.STREAMING_STORE_BYTES - 1));
        assertEquals(ctx.device().type().equals("CPU") ? 1 : 0, ctx.streamingStores(ClContext.STREAMING_STORE_BYTES));
        System.clearProperty(ClContext.STREAMING_STORES_PROPERTY);
        assertEquals(0, ctx.streamingStores(ClContext.STREAMING_STORE_BYTES - 1), "default is auto");
        assertEquals(ctx.device().type().equals("CPU") ? 1 : 0, ctx.streamingStores(ClContext.STREAMING_STORE_BYTES),
                "default is auto");
        System.setProperty(ClContext.STREAMING_STORES_PROPERTY, "sometimes");
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ctx.streamingStores(4));
        assertTrue(e.getMessage().contains("sometimes"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ctx.streamingStoresAfterGenerator(4));
    }

    /**
     * Launches that store only the generator's output: no streaming stores on AMD CPU devices in
     * auto mode, whatever the size; elsewhere, and under always and never, the general policy.
     */
    @Test
    void generatorOutputPolicyDependsOnTheVendorOnlyInAutoMode() {
        final ClContext ctx = cl.context();
        final boolean amdCpu = ctx.device().type().equals("CPU") && ClContext.isAmd(ctx.device().deviceVendor());
        for (long bytes : new long[] {4, ClContext.STREAMING_STORE_BYTES - 1, ClContext.STREAMING_STORE_BYTES, Long.MAX_VALUE}) {
            System.clearProperty(ClContext.STREAMING_STORES_PROPERTY);
            assertEquals(amdCpu ? 0 : ctx.streamingStores(bytes), ctx.streamingStoresAfterGenerator(bytes), "auto, " + bytes);
            System.setProperty(ClContext.STREAMING_STORES_PROPERTY, "always");
            assertEquals(1, ctx.streamingStoresAfterGenerator(bytes), "always, " + bytes);
            System.setProperty(ClContext.STREAMING_STORES_PROPERTY, "never");
            assertEquals(0, ctx.streamingStoresAfterGenerator(bytes), "never, " + bytes);
        }
        assertTrue(ClContext.isAmd("AuthenticAMD"));
        assertTrue(ClContext.isAmd("Advanced Micro Devices, Inc."));
        assertTrue(!ClContext.isAmd("GenuineIntel") && !ClContext.isAmd("NVIDIA Corporation") && !ClContext.isAmd(null));
    }

    @Test
    void noiseFillsWithStreamingStores() {
        System.setProperty(ClContext.STREAMING_STORES_PROPERTY, "always");
        final SplittableRandom rnd = new SplittableRandom(4242);
        final int cap = 5 * OpenClBackend.WORK_GROUP_SIZE * OpenClBackend.ELEMENTS_PER_WORK_ITEM + 7;
        try (ClBuffer buf = cl.allocate(cap)) {
            final float[] ref = new float[cap];
            final float[] got = new float[cap];
            final float[] sentinel = new float[cap];
            Arrays.fill(sentinel, Float.intBitsToFloat(SENTINEL));
            for (int t = 0; t < 24; t++) {
                final long seed = rnd.nextLong();
                final long offset = (rnd.nextLong() >>> 2) + (t & 3);
                final int n = 1 + rnd.nextInt(cap);
                cl.write(buf, sentinel, 0, cap);
                cl.fillNormal(seed, 5, offset, buf, n);
                NoiseStream.fillNormal(seed, 5, offset, ref, 0, n);
                cl.read(buf, got, 0, cap);
                for (int i = 0; i < n; i++) {
                    assertEquals(Float.floatToRawIntBits(ref[i]), Float.floatToRawIntBits(got[i]), "eps " + i + " of n = " + n);
                }
                for (int i = n; i < cap; i++) {
                    assertEquals(SENTINEL, Float.floatToRawIntBits(got[i]), "element " + i + " past n = " + n);
                }
            }
        }
    }

    /**
     * K = 1 without broadcast (and broadcast with B = 1): the elementwise backward kernel. Every
     * parameterization, both noise modes, every phase, with and without KL and log q, accumulate
     * or not; ordinary and streaming stores.
     */
    /**
     * The fused forward kernel (KL and log q in the forward pass: D a multiple of 64, offset a
     * multiple of 4) with streaming stores, eps stored or not: the CPU reference's bits.
     */
    @Test
    void fusedForwardExtrasWithStreamingStores() {
        System.setProperty(ClContext.STREAMING_STORES_PROPERTY, "always");
        final SplittableRandom rnd = new SplittableRandom(0x5F05EL);
        final long fused = cl.reparam().fusedForwards;
        int cases = 0;
        for (int[] sh : new int[][] {{1, 9, 64}, {3, 5, 128}, {2, 3, 1024}}) {
            for (boolean withEps : new boolean[] {false, true}) {
                final ReparamSpec s = ReparamSpec.builder().shape(sh[0], sh[1], sh[2])
                        .parameterization(Parameterization.values()[cases % 4]).seed(rnd.nextLong())
                        .offset((rnd.nextLong() >>> 1) & ~3L).build();
                final int n = (int) s.elements();
                final int np = (int) s.paramElements();
                final float[] mu = ReparamCases.uniform(np, 2, rnd);
                final float[] rho = ReparamCases.rhos(s.parameterization(), np, rnd);
                final float[][] ref = {new float[n], withEps ? new float[n] : null, new float[(int) s.paramRows()],
                    new float[(int) s.sampleRows()]};
                cpu.reparamForward(s, mu, rho, ref[0], ref[1], ref[2], ref[3]);
                final float[][] got = {new float[n], withEps ? new float[n] : null, new float[ref[2].length],
                    new float[ref[3].length]};
                cl.reparamForward(s, mu, rho, got[0], got[1], got[2], got[3]);
                for (int o = 0; o < 4; o++) {
                    if (ref[o] != null) {
                        assertArrayEquals(ReparamCases.bits(ref[o]), ReparamCases.bits(got[o]), "output " + o + " " + s);
                    }
                }
                cases++;
            }
        }
        assertEquals(fused + cases, cl.reparam().fusedForwards, "every case fused");
    }

    @Test
    void elementwiseBackwardAndForwardMatchTheCpuReference() {
        final SplittableRandom rnd = new SplittableRandom(0x5EED);
        int cases = 0;
        for (String mode : new String[] {"never", "always"}) {
            System.setProperty(ClContext.STREAMING_STORES_PROPERTY, mode);
            for (Parameterization pz : Parameterization.values()) {
                for (int phase = 0; phase < 4; phase++) {
                    final boolean bc = phase == 3;
                    final int b = bc ? 1 : 1 + rnd.nextInt(40);
                    final int d = 1 + rnd.nextInt(700);
                    final long offset = (rnd.nextLong() >>> 3 & ~3L) + phase;
                    final ReparamSpec rec = ReparamSpec.builder().shape(1, b, d).broadcast(bc).parameterization(pz)
                            .seed(rnd.nextLong()).stream(rnd.nextLong()).offset(offset).build();
                    assertEquals(1, rec.reductionRows());
                    final ReparamSpec sto = rec.toBuilder().noiseMode(NoiseMode.STORE).build();
                    final int np = (int) rec.paramElements();
                    final float[] mu = ReparamCases.uniform(np, 2, rnd);
                    final float[] rho = ReparamCases.rhos(pz, np, rnd);
                    final float[] gz = ReparamCases.uniform((int) rec.elements(), 1, rnd);
                    final boolean extras = rnd.nextBoolean();
                    final float[] gkl = extras ? ReparamCases.uniform((int) rec.paramRows(), 1, rnd) : null;
                    final float[] glq = extras ? ReparamCases.uniform((int) rec.sampleRows(), 1, rnd) : null;
                    final float[] old = ReparamCases.uniform(np, 1, rnd);
                    final boolean acc = rnd.nextBoolean();
                    final String what = rec + " stores=" + mode + " extras=" + extras + " acc=" + acc;
                    final float[][] ref = run(cpu, rec, mu, rho, gz, gkl, glq, old, acc);
                    assertAllSame(ref, run(cl, rec, mu, rho, gz, gkl, glq, old, acc), what);
                    assertAllSame(ref, run(cl, sto, mu, rho, gz, gkl, glq, old, acc), what + " STORE");
                    cases++;
                }
            }
        }
        assertEquals(32, cases);
    }

    /** Device buffers, outputs pre-filled with a sentinel: every element written, nothing past the end. */
    @Test
    void elementwiseBackwardWritesExactlyItsElements() {
        final SplittableRandom rnd = new SplittableRandom(77);
        for (String mode : new String[] {"never", "always"}) {
            System.setProperty(ClContext.STREAMING_STORES_PROPERTY, mode);
            for (int t = 0; t < 6; t++) {
                final ReparamSpec s = ReparamSpec.builder().shape(1, 3 + t, 1000 + 17 * t).seed(rnd.nextLong())
                        .offset((rnd.nextLong() >>> 2) + t).parameterization(Parameterization.values()[t % 4]).build();
                final int np = (int) s.paramElements();
                final int cap = np + 70;
                final float[] mu = ReparamCases.uniform(np, 1, rnd);
                final float[] rho = ReparamCases.rhos(s.parameterization(), np, rnd);
                final float[] gz = ReparamCases.uniform(np, 1, rnd);
                final float[] refMu = new float[np];
                final float[] refRho = new float[np];
                cpu.reparamBackward(s, mu, rho, null, gz, null, null, refMu, refRho, false);
                final float[] sentinel = new float[cap];
                Arrays.fill(sentinel, Float.intBitsToFloat(SENTINEL));
                try (ClBuffer dmu = upload(mu); ClBuffer drho = upload(rho);
                     ClBuffer dgz = upload(gz); ClBuffer gm = upload(sentinel);
                     ClBuffer gr = upload(sentinel)) {
                    cl.reparamBackward(s, dmu, drho, null, dgz, null, null, gm, gr, false);
                    final float[] gotMu = download(gm, cap);
                    final float[] gotRho = download(gr, cap);
                    assertArrayEquals(ReparamCases.bits(refMu), ReparamCases.bits(Arrays.copyOf(gotMu, np)), s + " gradMu");
                    assertArrayEquals(ReparamCases.bits(refRho), ReparamCases.bits(Arrays.copyOf(gotRho, np)), s + " gradRho");
                    for (int i = np; i < cap; i++) {
                        assertEquals(SENTINEL, Float.floatToRawIntBits(gotMu[i]), "gradMu past the end");
                        assertEquals(SENTINEL, Float.floatToRawIntBits(gotRho[i]), "gradRho past the end");
                    }
                }
            }
        }
    }

    static ClBuffer upload(float[] a) {
        final ClBuffer b = cl.allocate(Math.max(1, a.length));
        cl.write(b, a, 0, a.length);
        return b;
    }

    static float[] download(ClBuffer b, int n) {
        final float[] a = new float[n];
        cl.read(b, a, 0, n);
        return a;
    }

    static float[][] run(org.reparamcl.Backend be, ReparamSpec s, float[] mu, float[] rho, float[] gz, float[] gkl,
                         float[] glq, float[] old, boolean acc) {
        final float[] z = new float[(int) s.elements()];
        final float[] eps = new float[z.length];
        final float[] kl = new float[(int) s.paramRows()];
        final float[] lq = new float[(int) s.sampleRows()];
        be.reparamForward(s, mu, rho, z, eps, kl, lq);
        final float[] gm = old.clone();
        final float[] gr = new float[old.length];     /* old values of their own: each accumulation must read its own output */
        for (int i = 0; i < gr.length; i++) {
            gr[i] = 0.25f - 0.5f * old[i];
        }
        be.reparamBackward(s, mu, rho, s.noiseMode() == NoiseMode.STORE ? eps : null, gz, gkl, glq, gm, gr, acc);
        return new float[][] {z, eps, kl, lq, gm, gr};
    }

    static void assertAllSame(float[][] ref, float[][] got, String what) {
        final String[] names = {"z", "eps", "kl", "logProb", "gradMu", "gradRho"};
        for (int i = 0; i < names.length; i++) {
            assertArrayEquals(ReparamCases.bits(ref[i]), ReparamCases.bits(got[i]), names[i] + " " + what);
        }
    }
}
