package org.reparamcl.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.reparamcl.Backend;
import org.reparamcl.ChildJvm;
import org.reparamcl.NoiseMode;
import org.reparamcl.Parameterization;
import org.reparamcl.ReparamCases;
import org.reparamcl.ReparamSpec;
import org.reparamcl.cpu.CpuBackend;

/**
 * Host-array forward and backward passes larger than the device's budget are streamed in pieces
 * and give the CPU reference's bits: with the budget lowered to a few KiB in process (every
 * streaming path: whole samples, rows, runs within a row, broadcast rows, backward row groups in
 * both noise modes with KL, log q and accumulation, backward parameter rows), and for real in a
 * child JVM under POCL_MEMORY_LIMIT=1, where z and gradZ are larger than the device's maximum
 * allocation. The device never holds more than the budget.
 */
class ReparamStreamingTest {
    static final int SENTINEL = 0x7FC0DEAD;
    static OpenClBackend cl;
    static CpuBackend cpu;

    @BeforeAll
    static void open() {
        OpenClTestSupport.requireOpenCl();
        cl = OpenClBackend.create(ClDevices.select("auto"));
        cpu = CpuBackend.create(2);
    }

    @AfterAll
    static void close() {
        if (cl != null) {
            cl.close();
        }
        if (cpu != null) {
            cpu.close();
        }
    }

    /** Forward and backward outputs of one call pair. */
    record Outputs(float[] z, float[] eps, float[] kl, float[] logProb, float[] gradMu, float[] gradRho) {
    }

    record Inputs(float[] mu, float[] rho, float[] gz, float[] gkl, float[] glq, float[] old) {
        static Inputs of(ReparamSpec s, SplittableRandom rnd) {
            final int np = (int) s.paramElements();
            return new Inputs(ReparamCases.uniform(np, 2, rnd), ReparamCases.rhos(s.parameterization(), np, rnd),
                    ReparamCases.uniform((int) s.elements(), 1, rnd), ReparamCases.uniform((int) s.paramRows(), 1, rnd),
                    ReparamCases.uniform((int) s.sampleRows(), 1, rnd), ReparamCases.uniform(np, 1, rnd));
        }
    }

    static Outputs run(Backend be, ReparamSpec s, Inputs in, boolean klLq, boolean accumulate) {
        return run(be, s, in, klLq, accumulate, () -> { }, () -> { });
    }

    /** Runs forward then backward, calling beforeForward and beforeBackward first (to set budgets). */
    static Outputs run(Backend be, ReparamSpec s, Inputs in, boolean klLq, boolean accumulate, Runnable beforeForward,
                       Runnable beforeBackward) {
        final float[] z = sentinel((int) s.elements());
        final float[] eps = sentinel(z.length);
        final float[] kl = klLq ? sentinel((int) s.paramRows()) : null;
        final float[] lq = klLq ? sentinel((int) s.sampleRows()) : null;
        beforeForward.run();
        be.reparamForward(s, in.mu(), in.rho(), z, eps, kl, lq);
        beforeBackward.run();
        final float[] gm = in.old().clone();
        final float[] gr = new float[gm.length];      /* old values of their own: each accumulation must read its own output */
        for (int i = 0; i < gr.length; i++) {
            gr[i] = 0.25f - 0.5f * gm[i];
        }
        be.reparamBackward(s, in.mu(), in.rho(), s.noiseMode() == NoiseMode.STORE ? eps : null, in.gz(),
                klLq ? in.gkl() : null, klLq ? in.glq() : null, gm, gr, accumulate);
        return new Outputs(z, eps, kl, lq, gm, gr);
    }

    static float[] sentinel(int n) {
        final float[] a = new float[n];
        Arrays.fill(a, Float.intBitsToFloat(SENTINEL));
        return a;
    }

    static int[] bits(float[] a) {
        if (a == null) {
            return null;
        }
        final int[] b = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = Float.floatToRawIntBits(a[i]);
        }
        return b;
    }

    static void assertSame(Outputs want, Outputs got, String what) {
        assertArrayEquals(bits(want.z()), bits(got.z()), "z " + what);
        assertArrayEquals(bits(want.eps()), bits(got.eps()), "eps " + what);
        assertArrayEquals(bits(want.kl()), bits(got.kl()), "kl " + what);
        assertArrayEquals(bits(want.logProb()), bits(got.logProb()), "logProb " + what);
        assertArrayEquals(bits(want.gradMu()), bits(got.gradMu()), "gradMu " + what);
        assertArrayEquals(bits(want.gradRho()), bits(got.gradRho()), "gradRho " + what);
    }

    /**
     * One case: shape (K, B, D), broadcast, and the device budgets (bytes) of its forward call and
     * of its backward call in each noise mode (STORE moves eps too). 1 MiB: not streamed.
     */
    record Case(int k, int b, int d, boolean broadcast, boolean klLq, long forwardBudget, long recomputeBudget,
                long storeBudget) {
        long backwardBudget(NoiseMode mode) {
            return mode == NoiseMode.STORE ? storeBudget : recomputeBudget;
        }
    }

    @Test
    void streamedPassesHaveTheReferenceBits() {
        final ClReparam reparam = cl.reparam();
        final long saved = reparam.hostBudgetBytes;
        final Case[] cases = {
            new Case(16, 7, 19, false, true, 8 << 10, 1 << 20, 1 << 20),      // forward by whole samples
            new Case(3, 40, 19, false, true, 4 << 10, 20 << 10, 26 << 10),    // forward by rows; backward: one group of 3 rows
            new Case(2, 2, 1000, false, false, 2 << 10, 1 << 20, 50 << 10),   // forward within rows
            new Case(5, 30, 50, true, true, 6 << 10, 30 << 10, 30 << 10),     // broadcast: forward by rows, backward 3 groups
            new Case(200, 3, 5, false, true, 8 << 10, 8 << 10, 8 << 10),      // 200 rows per parameter: groups of 64 or 128
            new Case(4, 50, 7, true, true, 2 << 10, 4 << 10, 4 << 10),        // broadcast, 200 rows per parameter
            new Case(1, 50, 40, false, true, 4 << 10, 4 << 10, 4 << 10),      // K = 1: backward by parameter rows
            new Case(1, 2, 3000, false, false, 2 << 10, 2 << 10, 2 << 10),    // K = 1: both passes within rows
            new Case(1, 1, 3000, true, true, 1 << 20, 4 << 10, 4 << 10),      // broadcast, one row: backward within the row
        };
        final SplittableRandom rnd = new SplittableRandom(0x57AEA4L);
        final long base = ClResources.liveBufferBytes();
        int calls = 0;
        long piecesRun = 0;
        try {
            for (Case c : cases) {
                for (Parameterization pz : new Parameterization[] {Parameterization.SIGMA, Parameterization.SOFTPLUS}) {
                    for (NoiseMode mode : NoiseMode.values()) {
                        final ReparamSpec s = ReparamSpec.builder().shape(c.k(), c.b(), c.d()).broadcast(c.broadcast())
                                .parameterization(pz).noiseMode(mode).seed(rnd.nextLong()).stream(rnd.nextInt(9))
                                .offset(rnd.nextLong() >>> 1 | rnd.nextInt(4)).build();
                        final Inputs in = Inputs.of(s, rnd);
                        final boolean acc = rnd.nextBoolean();
                        final Outputs want = run(cpu, s, in, c.klLq(), acc);
                        final long[] held = new long[2];
                        final long[] pieces = new long[3];
                        final Outputs got = run(cl, s, in, c.klLq(), acc,
                                () -> {
                                    reparam.hostBudgetBytes = c.forwardBudget();
                                    pieces[0] = reparam.streamedPieces;
                                },
                                () -> {
                                    held[0] = ClResources.liveBufferBytes() - base;
                                    pieces[1] = reparam.streamedPieces;
                                    reparam.hostBudgetBytes = c.backwardBudget(mode);
                                });
                        held[1] = ClResources.liveBufferBytes() - base;
                        pieces[2] = reparam.streamedPieces;
                        if (c.forwardBudget() < 1 << 20) {
                            assertTrue(pieces[1] - pieces[0] > 1, "forward not streamed: " + c);
                        }
                        if (c.backwardBudget(mode) < 1 << 20) {
                            assertTrue(pieces[2] - pieces[1] >= 1, "backward not streamed: " + c);
                        }
                        piecesRun += pieces[2] - pieces[0];
                        reparam.hostBudgetBytes = saved;
                        assertTrue(held[0] <= c.forwardBudget() + 4 && held[1] <= c.backwardBudget(mode) + 4,
                                "device bytes " + Arrays.toString(held) + " past the budgets of " + c);
                        assertSame(want, got, s + " " + c);
                        calls += 2;
                    }
                }
            }
        } finally {
            reparam.hostBudgetBytes = saved;
        }
        System.out.println("reparam streaming: " + calls + " calls in " + piecesRun + " pieces, bit-identical to the CPU reference");
    }

    /**
     * Host-array forward calls that take the fused KL and log q path (D a multiple of 64 or below
     * 64, offset a multiple of 4), streamed in pieces under small budgets: the reference bits, the
     * fused path in every piece (pieces keep the offset's alignment to 4, also where B D or D is
     * not a multiple of 4), and the device bytes within the budget (both partials buffers, or
     * sigma and log sigma of shared parameters, live at once).
     */
    @Test
    void streamedFusedForwardHasTheReferenceBits() {
        final ClReparam reparam = cl.reparam();
        final long saved = reparam.hostBudgetBytes;
        final Case[] cases = {
            new Case(3, 10, 128, false, true, 8 << 10, 1 << 20, 1 << 20),    // pieces of rows, two blocks per row
            new Case(1, 20, 64, false, true, 4 << 10, 1 << 20, 1 << 20),     // K = 1, one block per row
            new Case(4, 6, 192, true, true, 6 << 10, 1 << 20, 1 << 20),      // broadcast (D,) parameters
            new Case(2, 128, 16, false, true, 6 << 10, 1 << 20, 1 << 20),   // D = 16: four whole rows per run
            new Case(3, 64, 24, false, true, 6 << 10, 1 << 20, 1 << 20),    // D = 24: rows continuing into the next run
            new Case(16, 7, 19, false, true, 8 << 10, 1 << 20, 1 << 20),    // pieces of 4 samples (B D = 133), runs wrapping
            new Case(4, 50, 7, true, true, 4 << 10, 1 << 20, 1 << 20),      // broadcast D = 7: every run wraps
            new Case(1, 300, 63, false, true, 40 << 10, 1 << 20, 1 << 20),  // pieces of 4k rows of 63
        };
        final SplittableRandom rnd = new SplittableRandom(0xF5EDL);
        final long base = ClResources.liveBufferBytes();
        try {
            for (Case c : cases) {
                for (Parameterization pz : new Parameterization[] {Parameterization.SIGMA, Parameterization.LOG_VAR}) {
                    final ReparamSpec s = ReparamSpec.builder().shape(c.k(), c.b(), c.d()).broadcast(c.broadcast())
                            .parameterization(pz).seed(rnd.nextLong()).stream(rnd.nextInt(9))
                            .offset((rnd.nextLong() >>> 1) & ~3L).build();
                    final Inputs in = Inputs.of(s, rnd);
                    final Outputs want = run(cpu, s, in, true, false);
                    final long[] before = new long[3];
                    final Outputs got = run(cl, s, in, true, false,
                            () -> {
                                reparam.hostBudgetBytes = c.forwardBudget();
                                before[0] = reparam.streamedPieces;
                                before[1] = reparam.fusedForwards;
                            },
                            () -> {
                                before[2] = ClResources.liveBufferBytes() - base;
                                assertTrue(reparam.streamedPieces - before[0] > 1, "forward not streamed: " + c);
                                assertEquals(reparam.streamedPieces - before[0], reparam.fusedForwards - before[1],
                                        "pieces not fused: " + c);
                                reparam.hostBudgetBytes = saved;
                            });
                    assertTrue(before[2] <= c.forwardBudget() + 4, "device bytes " + before[2] + " past the budget of " + c);
                    assertSame(want, got, s + " " + c);
                }
            }
        } finally {
            reparam.hostBudgetBytes = saved;
        }
    }

    /** Pieces that cannot be formed: a clear error before anything is written, and the next call works. */
    @Test
    void unstreamableCallsFailCleanly() {
        final ClReparam reparam = cl.reparam();
        final long saved = reparam.hostBudgetBytes;
        try {
            reparam.hostBudgetBytes = 2 << 10;
            final ReparamSpec s = ReparamSpec.builder().shape(2, 1, 2000).seed(5).build();
            final Inputs in = Inputs.of(s, new SplittableRandom(3));
            final float[] z = sentinel((int) s.elements());
            final float[] kl = sentinel(1);
            final IllegalArgumentException f = assertThrows(IllegalArgumentException.class,
                    () -> cl.reparamForward(s, in.mu(), in.rho(), z, null, kl, null));
            assertTrue(f.getMessage().contains("cannot be streamed through 2048 bytes") && f.getMessage().contains("KL and log q"),
                    f.getMessage());
            assertArrayEquals(bits(sentinel(z.length)), bits(z), "z written by a rejected call");
            final float[] gm = sentinel((int) s.paramElements());
            final float[] gr = sentinel(gm.length);
            final IllegalArgumentException b = assertThrows(IllegalArgumentException.class,
                    () -> cl.reparamBackward(s, in.mu(), in.rho(), null, in.gz(), gm, gr, false));
            assertTrue(b.getMessage().contains("the backward pass of"), b.getMessage());
            assertArrayEquals(bits(sentinel(gm.length)), bits(gm), "gradMu written by a rejected call");
            reparam.hostBudgetBytes = saved;
            final Outputs want = run(cpu, s, in, true, false);
            assertSame(want, run(cl, s, in, true, false), "after the rejected calls");
        } finally {
            reparam.hostBudgetBytes = saved;
        }
    }

    /**
     * For real: POCL_MEMORY_LIMIT=1 (1 GiB global, 256 MiB maximum allocation) and a (65, 1024,
     * 1024) call: z, eps and gradZ of 260 MiB each cannot be one buffer. Forward with KL and
     * log q, backward in RECOMPUTE with KL and log q weights: the CPU reference's bits.
     */
    @Test
    void passesLargerThanTheDeviceMaximumAllocation() throws Exception {
        assumeTrue(ClDevices.list().stream().allMatch(d -> d.platformName().contains("Portable Computing Language")),
                "POCL_MEMORY_LIMIT only applies to PoCL");
        final ChildJvm.Result r = ChildJvm.of(ReparamStreamingProbe.class)
                .env("POCL_MEMORY_LIMIT", "1")
                .jvm("-Xmx3g")
                .timeout(Duration.ofSeconds(300)).run();
        final String all = r.describe();
        assertEquals(0, r.exitCode(), all);
        assertEquals(Long.toString(256L << 20), ChildJvm.field(r, "device.maxalloc"), all);
        assertTrue(Long.parseLong(ChildJvm.field(r, "z.bytes")) > 256L << 20, all);
        for (String k : new String[] {"z", "kl", "logProb", "gradMu", "gradRho"}) {
            assertEquals("same", ChildJvm.field(r, k), all);
        }
        assertTrue(Long.parseLong(ChildJvm.field(r, "peak.bytes")) <= 512L << 20, all);
        assertEquals("0", ChildJvm.field(r, "live"), all);
        System.out.println("reparam streaming under POCL_MEMORY_LIMIT=1: z of " + ChildJvm.field(r, "z.bytes")
                + " bytes, peak device bytes " + ChildJvm.field(r, "peak.bytes") + ", forward " + ChildJvm.field(r, "forward.ms")
                + " ms, backward " + ChildJvm.field(r, "backward.ms") + " ms, child " + r.millis() + " ms");
    }
}
