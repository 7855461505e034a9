package org.reparamcl.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.reparamcl.ReparamCases.bits;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.reparamcl.NoiseMode;
import org.reparamcl.Parameterization;
import org.reparamcl.ReparamCases;
import org.reparamcl.ReparamSpec;
import org.reparamcl.cpu.CpuBackend;

/** The OpenCL reparameterized passes against the CPU reference, bit for bit. */
class ReparamParityTest {
    /** Written before a call so that an element the kernels skipped is caught (a NaN pattern no result has). */
    static final float SENTINEL = Float.intBitsToFloat(0x7FC0DEAD);

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
    }

    /** Everything one forward and one backward call produce. */
    record Outputs(float[] z, float[] eps, float[] kl, float[] logProb, float[] gradMu, float[] gradRho) {
    }

    /** Runs forward (z, eps, KL, log q) and backward (with KL and log q weights, accumulating onto old). */
    static Outputs run(org.reparamcl.Backend be, ReparamSpec s, float[] mu, float[] rho, float[] gz, float[] gkl,
                       float[] glq, float[] old, boolean accumulate) {
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
        be.reparamBackward(s, mu, rho, s.noiseMode() == NoiseMode.STORE ? eps : null, gz, gkl, glq, gm, gr, accumulate);
        return new Outputs(z, eps, kl, lq, gm, gr);
    }

    /** Random inputs of a forward-then-backward case: gradients of KL and log q or none, accumulation or not. */
    record BackwardInputs(float[] mu, float[] rho, float[] gz, float[] gkl, float[] glq, float[] old, boolean extras,
                          boolean accumulate) {
        static BackwardInputs random(ReparamSpec s, SplittableRandom rnd) {
            final int np = (int) s.paramElements();
            final float[] mu = ReparamCases.uniform(np, 2, rnd);
            final float[] rho = ReparamCases.rhos(s.parameterization(), np, rnd);
            final float[] gz = ReparamCases.uniform((int) s.elements(), 1, rnd);
            final boolean extras = rnd.nextBoolean();
            final float[] gkl = extras ? ReparamCases.uniform((int) s.paramRows(), 1, rnd) : null;
            final float[] glq = extras ? ReparamCases.uniform((int) s.sampleRows(), 1, rnd) : null;
            final float[] old = ReparamCases.uniform(np, 1, rnd);
            return new BackwardInputs(mu, rho, gz, gkl, glq, old, extras, rnd.nextBoolean());
        }

        Outputs run(org.reparamcl.Backend be, ReparamSpec s) {
            return ReparamParityTest.run(be, s, mu, rho, gz, gkl, glq, old, accumulate);
        }
    }

    /** Runs {@code in} on both backends: the OpenCL call takes the short-parameter path once and matches bit for bit. */
    static void assertShortPathMatches(ReparamSpec s, BackwardInputs in) {
        final ClReparam reparam = cl.reparam();
        final String what = s + " extras=" + in.extras() + " accumulate=" + in.accumulate();
        final Outputs want = in.run(cpu, s);
        final long before = reparam.shortBackwards;
        final Outputs got = in.run(cl, s);
        assertEquals(1, reparam.shortBackwards - before, "short path ran: " + what);
        assertSame(want, got, what);
    }

    static void assertSame(Outputs a, Outputs b, String what) {
        assertArrayEquals(bits(a.z()), bits(b.z()), "z " + what);
        assertArrayEquals(bits(a.eps()), bits(b.eps()), "eps " + what);
        assertArrayEquals(bits(a.kl()), bits(b.kl()), "kl " + what);
        assertArrayEquals(bits(a.logProb()), bits(b.logProb()), "logProb " + what);
        assertArrayEquals(bits(a.gradMu()), bits(b.gradMu()), "gradMu " + what);
        assertArrayEquals(bits(a.gradRho()), bits(b.gradRho()), "gradRho " + what);
    }

    /**
     * Random shapes (B and D not multiples of 4, 16 or 64, D = 1 and B = 1 included, D past one
     * sum block), K in {1, 3, 16}, every parameterization, broadcast or not, both noise modes,
     * offsets of every phase: z, eps, KL, log q and both gradients bit-identical to the CPU
     * reference, and STORE gives the same gradients as RECOMPUTE.
     */
    @Test
    void hostArrayCallsAreBitIdenticalToTheCpuReference() {
        final SplittableRandom rnd = new SplittableRandom(0xBEEF);
        final int[][] shapes = {{1, 1}, {1, 67}, {5, 1}, {3, 131}, {7, 19}, {2, 64}, {6, 200}};
        int cases = 0;
        for (Parameterization pz : Parameterization.values()) {
            for (int k : new int[] {1, 3, 16}) {
                for (boolean bc : new boolean[] {false, true}) {
                    final int[] sh = shapes[rnd.nextInt(shapes.length)];
                    final long offset = cases % 3 == 0 ? rnd.nextInt(8) : rnd.nextLong() >>> 1;
                    final ReparamSpec rec = ReparamSpec.builder().shape(k, sh[0], sh[1]).broadcast(bc).parameterization(pz)
                            .seed(rnd.nextLong()).stream(rnd.nextLong()).offset(offset).build();
                    final ReparamSpec sto = rec.toBuilder().noiseMode(NoiseMode.STORE).build();
                    final int np = (int) rec.paramElements();
                    final float[] mu = ReparamCases.uniform(np, 2, rnd);
                    final float[] rho = ReparamCases.rhos(pz, np, rnd);
                    final float[] gz = ReparamCases.uniform((int) rec.elements(), 1, rnd);
                    final float[] gkl = ReparamCases.uniform((int) rec.paramRows(), 1, rnd);
                    final float[] glq = ReparamCases.uniform((int) rec.sampleRows(), 1, rnd);
                    final float[] old = ReparamCases.uniform(np, 1, rnd);
                    final boolean acc = rnd.nextBoolean();
                    final Outputs ref = run(cpu, rec, mu, rho, gz, gkl, glq, old, acc);
                    assertSame(ref, run(cl, rec, mu, rho, gz, gkl, glq, old, acc), rec.toString());
                    assertSame(ref, run(cl, sto, mu, rho, gz, gkl, glq, old, acc), sto.toString());
                    cases++;
                }
            }
        }
        assertEquals(24, cases);
    }

    /**
     * The row-walking backward kernel (K > 1 or broadcast) on shapes whose parameter count is a
     * multiple of 4, so that its whole-block fast path (with prefetching) runs, beside odd ones and
     * unaligned offsets that take the general path: every parameterization, both noise modes,
     * K up to 70 (more than one row block), with and without KL, log q and accumulation.
     */
    @Test
    void rowWalkingBackwardMatchesTheCpuReference() {
        final SplittableRandom rnd = new SplittableRandom(0xAB0C);
        final int[][] shapes = {{2, 4, 64}, {16, 3, 256}, {70, 2, 100}, {5, 7, 131}, {3, 1, 1000}, {66, 1, 32768}};
        int cases = 0;
        for (int[] sh : shapes) {
            for (Parameterization pz : Parameterization.values()) {
                final long offset = (rnd.nextLong() >>> 3 & ~3L) + (cases % 5 == 4 ? 1 + rnd.nextInt(3) : 0);
                final ReparamSpec rec = ReparamSpec.builder().shape(sh[0], sh[1], sh[2]).parameterization(pz)
                        .seed(rnd.nextLong()).stream(rnd.nextLong()).offset(offset).build();
                final ReparamSpec sto = rec.toBuilder().noiseMode(NoiseMode.STORE).build();
                final BackwardInputs in = BackwardInputs.random(rec, rnd);
                final Outputs ref = in.run(cpu, rec);
                assertSame(ref, in.run(cl, rec), rec + " extras=" + in.extras());
                assertSame(ref, in.run(cl, sto), sto + " extras=" + in.extras());
                cases++;
            }
        }
        assertEquals(24, cases);
    }

    /**
     * The K = 1 backward kernel (one row per parameter element, elementwise) on shapes with whole
     * 64-element runs, where its hot path runs for RECOMPUTE and STORE, with and without
     * accumulation, beside odd lengths and offsets of every phase whose ends take the general path,
     * and with KL and log q weights, which take the general path throughout: every
     * parameterization, bit for bit against the CPU reference.
     */
    @Test
    void elementwiseBackwardMatchesTheCpuReference() {
        final SplittableRandom rnd = new SplittableRandom(0xE1E7);
        final int[][] shapes = {{4, 64}, {3, 1000}, {7, 131}, {1, 4099}};
        int cases = 0;
        for (int[] sh : shapes) {
            for (Parameterization pz : Parameterization.values()) {
                for (int variant = 0; variant < 4; variant++) {
                    final boolean acc = (variant & 1) != 0;
                    final boolean extras = (variant & 2) != 0;
                    final long offset = cases % 2 == 0 ? rnd.nextInt(8) : rnd.nextLong() >>> 1;
                    final ReparamSpec rec = ReparamSpec.builder().shape(1, sh[0], sh[1]).parameterization(pz)
                            .seed(rnd.nextLong()).stream(rnd.nextLong()).offset(offset).build();
                    final ReparamSpec sto = rec.toBuilder().noiseMode(NoiseMode.STORE).build();
                    assertEquals(1, rec.reductionRows());
                    final int np = (int) rec.paramElements();
                    final float[] mu = ReparamCases.uniform(np, 2, rnd);
                    final float[] rho = ReparamCases.rhos(pz, np, rnd);
                    final float[] gz = ReparamCases.uniform((int) rec.elements(), 1, rnd);
                    final float[] gkl = extras ? ReparamCases.uniform((int) rec.paramRows(), 1, rnd) : null;
                    final float[] glq = extras ? ReparamCases.uniform((int) rec.sampleRows(), 1, rnd) : null;
                    final float[] old = ReparamCases.uniform(np, 1, rnd);
                    final Outputs ref = run(cpu, rec, mu, rho, gz, gkl, glq, old, acc);
                    final String what = " extras=" + extras + " accumulate=" + acc;
                    assertSame(ref, run(cl, rec, mu, rho, gz, gkl, glq, old, acc), rec + what);
                    assertSame(ref, run(cl, sto, mu, rho, gz, gkl, glq, old, acc), sto + what);
                    cases++;
                }
            }
        }
        assertEquals(64, cases);
    }

    /** Larger shapes through device buffers, outputs pre-filled with a sentinel; both backward modes. */
    @Test
    void deviceBufferCallsAreBitIdenticalAndWriteEveryElement() {
        final SplittableRandom rnd = new SplittableRandom(0xD0D0);
        final int[][] cases = {{3, 40, 1001, 0}, {16, 1, 4096, 1}, {1, 300, 67, 0}, {3, 70, 9, 1}, {2, 5, 20000, 0}};
        for (int[] c : cases) {
            for (Parameterization pz : new Parameterization[] {Parameterization.SIGMA, Parameterization.SOFTPLUS}) {
                final ReparamSpec s = ReparamSpec.builder().shape(c[0], c[1], c[2]).broadcast(c[3] == 1).parameterization(pz)
                        .seed(rnd.nextLong()).offset(rnd.nextLong() >>> 1).noiseMode(NoiseMode.STORE).build();
                final int n = (int) s.elements();
                final int np = (int) s.paramElements();
                final float[] mu = ReparamCases.uniform(np, 2, rnd);
                final float[] rho = ReparamCases.rhos(pz, np, rnd);
                final float[] gz = ReparamCases.uniform(n, 1, rnd);
                final float[] gkl = ReparamCases.uniform((int) s.paramRows(), 1, rnd);
                final float[] glq = ReparamCases.uniform((int) s.sampleRows(), 1, rnd);
                final float[] zero = new float[np];
                final Outputs ref = run(cpu, s, mu, rho, gz, gkl, glq, zero, false);
                try (ClBuffer dMu = upload(mu); ClBuffer dRho = upload(rho); ClBuffer dGz = upload(gz);
                     ClBuffer dGkl = upload(gkl); ClBuffer dGlq = upload(glq);
                     ClBuffer dZ = sentinel(n); ClBuffer dEps = sentinel(n); ClBuffer dKl = sentinel(gkl.length);
                     ClBuffer dLq = sentinel(glq.length); ClBuffer dGm = sentinel(np); ClBuffer dGr = sentinel(np)) {
                    cl.reparamForward(s, dMu, dRho, dZ, dEps, dKl, dLq);
                    assertArrayEquals(bits(ref.z()), bits(download(dZ, n)), "z " + s);
                    assertArrayEquals(bits(ref.eps()), bits(download(dEps, n)), "eps " + s);
                    assertArrayEquals(bits(ref.kl()), bits(download(dKl, gkl.length)), "kl " + s);
                    assertArrayEquals(bits(ref.logProb()), bits(download(dLq, glq.length)), "logProb " + s);
                    for (long split : new long[] {0, Long.MAX_VALUE}) {
                        cl.reparam().splitBelowChunks = split;
                        try {
                            cl.write(dGm, fill(np, SENTINEL), 0, np);
                            cl.write(dGr, fill(np, SENTINEL), 0, np);
                            cl.reparamBackward(s, dMu, dRho, dEps, dGz, dGkl, dGlq, dGm, dGr, false);
                            assertArrayEquals(bits(ref.gradMu()), bits(download(dGm, np)), "gradMu split<" + split + " " + s);
                            assertArrayEquals(bits(ref.gradRho()), bits(download(dGr, np)), "gradRho split<" + split + " " + s);
                            final ReparamSpec rec = s.toBuilder().noiseMode(NoiseMode.RECOMPUTE).build();
                            cl.reparamBackward(rec, dMu, dRho, null, dGz, dGkl, dGlq, dGm, dGr, true);
                            final float[] twiceMu = download(dGm, np);
                            final float[] twiceRho = download(dGr, np);
                            for (int p = 0; p < np; p++) {
                                assertEquals(ref.gradMu()[p] + ref.gradMu()[p], twiceMu[p], "accumulated gradMu p=" + p);
                                assertEquals(ref.gradRho()[p] + ref.gradRho()[p], twiceRho[p], "accumulated gradRho p=" + p);
                            }
                        } finally {
                            cl.reparam().splitBelowChunks = ClReparam.SPLIT_BELOW_CHUNKS;
                        }
                    }
                }
            }
        }
    }

    /**
     * The fused forward paths (KL and log q computed by the forward kernel, when log q is asked for
     * or each drawn row has its own parameter row: reparam_forward_extras for D below 64, or a
     * multiple of 64 at an offset that is a multiple of 4; reparam_forward_rows otherwise): every
     * parameterization, K in {1, 3, 16}, broadcast or not, one and several sum blocks per row, KL
     * and log q alone and together, eps stored or not, offsets of every phase, past block 2^32 and
     * near the top of the stream, outputs pre-filled with a sentinel. Bit for bit against the CPU
     * reference; each kernel must run exactly where its conditions hold (KL alone with shared
     * parameter rows: the two-kernel path, the same bits).
     */
    @Test
    void fusedForwardExtrasMatchTheCpuReference() {
        final SplittableRandom rnd = new SplittableRandom(0xF05E);
        final int[] dims = {1, 2, 4, 8, 16, 32, 64, 128, 192, 1024, 3, 10, 24, 63, 65, 96, 100};   /* fused: 64 | D, or D < 64 */
        final long[] offsets = {0, 4, (1L << 34) - 128, -(1L << 17), -(1L << 18) + 4};   /* n <= 98304 + 3 */
        int cases = 0;
        int fusedCases = 0;
        int fusedRows = 0;
        for (Parameterization pz : Parameterization.values()) {
            for (int k : new int[] {1, 3, 16}) {
                for (boolean bc : new boolean[] {false, true}) {
                    for (int which = 1; which <= 3; which++) {      /* 1: KL, 2: log q, 3: both */
                      for (int rep = 0; rep < 2; rep++) {
                        final boolean withKl = (which & 1) != 0;
                        final boolean withLq = (which & 2) != 0;
                        final boolean withEps = rnd.nextBoolean();
                        final int d = dims[rnd.nextInt(dims.length)];
                        /* D not a multiple of 64: mostly B with B D a multiple of 64 (runs that do not wrap around the parameters). */
                        final int runRows = 64 / gcd(d, 64);
                        final int b = d % 64 != 0 && rnd.nextInt(4) != 0
                                ? runRows * (k * 2 * runRows * d <= 98304 ? 1 + rnd.nextInt(2) : 1)
                                : 1 + rnd.nextInt(6);
                        final long offset = cases % 4 == 3 ? (rnd.nextLong() >>> 1) & ~3L : offsets[rnd.nextInt(offsets.length)];
                        final long phase = cases % 3 == 2 ? 1 + rnd.nextInt(3) : 0;   /* runs' eps shifted; D >= 64: by rows */
                        final ReparamSpec s = ReparamSpec.builder().shape(k, b, d).broadcast(bc).parameterization(pz)
                                .seed(rnd.nextLong()).stream(rnd.nextLong()).offset(offset + phase).build();
                        final boolean runs = d < 64 || (d % 64 == 0 && phase == 0);
                        final boolean inRuns = runs && (withLq || s.reductionRows() == 1);
                        /* otherwise reparam_forward_rows (unalignedForwardExtrasMatchTheCpuReference) */
                        final boolean fused = withLq || s.reductionRows() == 1;
                        assertEquals(inRuns, ClReparam.fusesExtras(s, withKl, withLq), "fusesExtras " + s);
                        assertEquals(fused && !inRuns, ClReparam.fusesExtrasByRows(s, withKl, withLq), "fusesExtrasByRows " + s);
                        final String what = s + " kl=" + withKl + " logq=" + withLq + " eps=" + withEps;
                        assertEquals(fused ? 1 : 0, deviceForwardMatches(s, withEps, withKl, withLq, rnd, what),
                                "fused path ran: " + what);
                        cases++;
                        fusedCases += fused ? 1 : 0;
                        fusedRows += inRuns && d % 64 != 0 ? 1 : 0;
                      }
                    }
                }
            }
        }
        assertEquals(144, cases);
        assertTrue(fusedCases >= 60 && fusedRows >= 40, "fused cases: " + fusedCases + ", with D not a multiple of 64: " + fusedRows);
    }

    /**
     * The fused forward kernel with D below 64: rows that straddle its 64-element runs (D not a
     * divisor of 64), carried from run to run by the work-item that walks them; rows side by side
     * in whole runs and row by row in a last run cut short (D a power of two); where B D is not a
     * multiple of 64, with K = 1 the last run cut short at n, with K = 3 runs that wrap around the
     * parameters; broadcast, where np = D and every run wraps. KL alone, log q alone and both in
     * turn, every parameterization, eps stored or not: the CPU reference's bits, nothing written
     * past any output (a sentinel tail), and the fused path taken exactly where it applies; with D
     * above 64 and not a multiple of it, the fused path by sum blocks of rows (reparam_forward_rows)
     * and the same bits.
     */
    @Test
    void fusedExtrasWithBlocksAcrossRuns() {
        final SplittableRandom rnd = new SplittableRandom(0xB10C5);
        final Parameterization[] pzs = Parameterization.values();
        int c = 0;
        for (int d : new int[] {1, 2, 4, 8, 16, 32, 3, 10, 24, 63, 65, 100, 333}) {
            for (int k : new int[] {1, 3, -3}) {                  /* -3: K = 3, broadcast */
                for (int runs = 0; runs <= 2; runs++) {            /* 0: B D not a multiple of 64 */
                    final Parameterization pz = pzs[c++ % pzs.length];
                    final int b = runs == 0 ? 2 * 64 / gcd(d, 64) + 1 + rnd.nextInt(5) : runs * 64 / gcd(d, 64);
                    final boolean withEps = rnd.nextBoolean();
                    final ReparamSpec s = ReparamSpec.builder().shape(Math.abs(k), b, d).broadcast(k < 0).parameterization(pz)
                            .seed(rnd.nextLong()).stream(rnd.nextLong()).offset((rnd.nextLong() >>> 2) << 2).build();
                    final int which = 1 + c % 3;                   /* 1: KL, 2: log q, 3: both */
                    final boolean withKl = (which & 1) != 0;
                    final boolean withLq = (which & 2) != 0;
                    final String what = s + " eps=" + withEps + " kl=" + withKl + " logq=" + withLq;
                    final boolean fused = withLq || s.reductionRows() == 1;
                    assertEquals(fused ? 1 : 0, deviceForwardMatches(s, withEps, withKl, withLq, rnd, what),
                            "fused path ran: " + what);
                }
            }
        }
    }

    /**
     * The forward kernels on tiled parameters (np up to 4096, several passes over them, runs that
     * wrap): np on both sides of 64 and of the 4096 limit, broadcast and K > 1, every offset phase,
     * KL and log q or not, eps stored or not: the CPU reference's bits, nothing written past any
     * output, and tiling exactly where ClReparam.tiles says.
     */
    @Test
    void tiledParametersMatchTheCpuReference() {
        final SplittableRandom rnd = new SplittableRandom(0x711E);
        final Parameterization[] pzs = Parameterization.values();
        int c = 0;
        int tiled = 0;
        for (int np : new int[] {1, 3, 10, 63, 64, 65, 4095, 4096, 4097}) {
            for (int shape = 0; shape < 3; shape++) {      /* 0: broadcast K = 2; 1: K = 3, B D = np; 2: K = 1, B = 1 */
                final Parameterization pz = pzs[c++ % pzs.length];
                final int k = shape == 0 ? 2 : shape == 1 ? 3 : 1;
                final int b = shape == 0 ? 2 + rnd.nextInt(3) : 1;
                final long offset = (rnd.nextLong() >>> 2 << 2) + (c % 4);   /* every phase */
                final ReparamSpec s = ReparamSpec.builder().shape(k, b, np).broadcast(shape == 0).parameterization(pz)
                        .seed(rnd.nextLong()).stream(rnd.nextLong()).offset(offset).build();
                final boolean expect = shape < 2 && np <= 4096 && (np % 64 != 0 || offset % 4 != 0);
                assertEquals(expect, ClReparam.tiles(s), "tiles " + s);
                tiled += expect ? 1 : 0;
                final boolean extras = rnd.nextBoolean();
                final boolean withEps = rnd.nextBoolean();
                deviceForwardMatches(s, withEps, extras, extras, rnd, s + " extras=" + extras + " eps=" + withEps);
            }
        }
        assertTrue(tiled >= 10, "tiled cases: " + tiled);
    }

    /**
     * The backward pass over short parameter arrays (np below 64 with several rows per parameter
     * element: broadcast short rows, or K > 1 with such a B D), whose row blocks walk whole runs
     * with the parameters side by side (powers of two at an offset that is a multiple of 4, or
     * with stored eps: whole rows per run; any other np or phase: rows staged across runs, at
     * every phase of a row against the runs): offsets of every phase, both noise modes, KL and
     * log q gradients or none, accumulation or not, row counts below, at and past 64 and not
     * multiples of it, every parameterization: the CPU reference's bits, and the short path taken
     * every time.
     */
    @Test
    void shortParameterBackwardMatchesTheCpuReference() {
        final SplittableRandom rnd = new SplittableRandom(0x5407);
        final Parameterization[] pzs = Parameterization.values();
        int c = 0;
        final int[] sizes = {1, 2, 4, 8, 16, 32, 3, 5, 6, 7, 10, 12, 15, 17, 20, 31, 33, 48, 63,
            9 + rnd.nextInt(54), 3 + rnd.nextInt(60)};
        for (int np : sizes) {
            for (int shape = 0; shape < 4; shape++) {
                /* 0, 1: broadcast (D = np) with K = 1 or 3; 2: K > 64, B D = np; 3: K = 2, B D = np, offset not a multiple of 4 */
                final Parameterization pz = pzs[c++ % pzs.length];
                final int k = shape == 0 ? 1 : shape == 1 ? 3 : shape == 2 ? 65 + rnd.nextInt(80) : 2;
                final int b = shape <= 1 ? 2 + rnd.nextInt(150) : np % 2 == 0 && rnd.nextBoolean() ? 2 : 1;
                final int d = shape <= 1 ? np : np / b;
                final long offset = ((rnd.nextLong() >>> 2) << 2) + (shape == 3 ? 1 + rnd.nextInt(3) : rnd.nextInt(4));
                for (NoiseMode mode : NoiseMode.values()) {
                    final ReparamSpec s = ReparamSpec.builder().shape(k, b, d).broadcast(shape <= 1).parameterization(pz)
                            .seed(rnd.nextLong()).stream(rnd.nextLong()).offset(offset).noiseMode(mode).build();
                    assertEquals(np, s.paramElements(), s.toString());
                    assertShortPathMatches(s, BackwardInputs.random(s, rnd));
                }
            }
        }
    }

    /**
     * The backward pass where np is not a multiple of 4 (RECOMPUTE: row r's eps start at a phase
     * offset + r np mod 4 that changes from row to row, and each group of 16 rows takes the 17th
     * Philox blocks from one generator call): np mod 4 = 1, 2 and 3, above and below 64 (below 64
     * with an unaligned offset, which the short path leaves to this one), rows split over work-items
     * (more than 64 rows, few chunks) or walked by one (64 rows or fewer; or many chunks, where
     * one work-item walks several row blocks), row counts that are not multiples of 16, offsets of
     * every phase, KL and log q gradients and accumulation or not, every parameterization, both
     * noise modes: the CPU reference's bits.
     */
    @Test
    void unalignedRowsBackwardMatchesTheCpuReference() {
        final SplittableRandom rnd = new SplittableRandom(0x0dd4);
        final Parameterization[] pzs = Parameterization.values();
        final int[] sizes = {65, 66, 67, 99, 130, 131, 257, 1001, 5, 63, 65 + 4 * rnd.nextInt(200) + rnd.nextInt(3)};
        int c = 0;
        for (int np : sizes) {
            for (int shape = 0; shape < 3; shape++) {
                /* 0: K > 64, B D = np (rows split); 1: K = 3 (one row block); 2: broadcast, K = 1 or 2, B > 64 */
                final int k = shape == 0 ? 65 + rnd.nextInt(80) : shape == 1 ? 3 : 1 + rnd.nextInt(2);
                final int b = shape == 2 ? 65 + rnd.nextInt(100) : np % 2 == 0 ? 2 : 1;
                final int d = shape == 2 ? np : np / b;
                final long offset = (rnd.nextLong() >>> 2 << 2) + c % 4;
                for (NoiseMode mode : NoiseMode.values()) {
                    final ReparamSpec s = ReparamSpec.builder().shape(k, b, d).broadcast(shape == 2)
                            .parameterization(pzs[c % pzs.length]).seed(rnd.nextLong()).stream(rnd.nextLong())
                            .offset(offset).noiseMode(mode).build();
                    assertEquals(np, s.paramElements(), s.toString());
                    final BackwardInputs in = BackwardInputs.random(s, rnd);
                    final String what = s + " extras=" + in.extras() + " accumulate=" + in.accumulate();
                    assertSame(in.run(cpu, s), in.run(cl, s), what);
                }
                c++;
            }
        }
        /* 515 chunks: one work-item walks all 2 row blocks (67 rows) of its 64 parameters */
        final ReparamSpec big = ReparamSpec.builder().shape(67, 1, 32899).seed(rnd.nextLong()).stream(rnd.nextLong())
                .offset(3).build();
        final BackwardInputs in = BackwardInputs.random(big, rnd);
        assertSame(in.run(cpu, big), in.run(cl, big), big + " extras=" + in.extras());
    }

    /**
     * The forward pass with KL and log q where sum blocks and 64-element runs do not line up: by sum
     * blocks of 16 rows (reparam_forward_rows: D of 64 or more that is not a multiple of 64, or a
     * multiple at an offset not a multiple of 4), and D below 64 at such offsets (reparam_forward_extras
     * with shifted eps): D just above 64, between multiples of 64, and multiples of 64 and D below 64 at
     * every phase; offsets of every phase, near the top of the
     * stream and past block 2^32; K in {1, 3, 16},
     * broadcast or not (parameter rows shared: sigma and log sigma once per parameter element), row
     * counts that are and are not multiples of 16, one and several sum blocks per row, every
     * parameterization, eps stored or not. Bit for bit against the CPU reference, with sentinels past
     * every output; the path must have run.
     */
    @Test
    void unalignedForwardExtrasMatchTheCpuReference() {
        final SplittableRandom rnd = new SplittableRandom(0x0ff5e7);
        final int[] dims = {64, 65, 67, 100, 127, 128, 129, 190, 256, 1000, 1025, 1, 3, 16, 48, 63};
        final long[] offsets = {1, 2, 3, 0, -(1L << 16) + 1, -(1L << 16) + 2, (1L << 34) + 1, (1L << 34) + 3};
        final Parameterization[] pzs = Parameterization.values();
        int cases = 0;
        int shifted = 0;
        for (int d : dims) {
            for (int rep = 0; rep < 4; rep++) {
                final int k = new int[] {1, 3, 16}[rnd.nextInt(3)];
                final boolean bc = rnd.nextInt(3) == 0;
                final int maxRows = Math.max(1, 40000 / (k * d));
                final int b = 1 + rnd.nextInt(Math.min(40, maxRows));
                final int which = 1 + rnd.nextInt(3);               /* 1: KL, 2: log q, 3: both */
                final boolean withKl = (which & 1) != 0;
                final boolean withLq = (which & 2) != 0 || k > 1 || bc;   /* KL alone with shared rows: two kernels */
                long offset = offsets[(cases + rep) % offsets.length];
                if ((d % 64 == 0 || d < 64) && (offset & 3) == 0) {
                    offset += 1 + rnd.nextInt(3);
                }
                final ReparamSpec s = ReparamSpec.builder().shape(k, b, d).broadcast(bc)
                        .parameterization(pzs[(cases + rep) % pzs.length]).seed(rnd.nextLong()).stream(rnd.nextLong())
                        .offset(offset).build();
                assertEquals(d >= 64, ClReparam.fusesExtrasByRows(s, withKl, withLq), "fusesExtrasByRows " + s);
                assertEquals(d < 64, ClReparam.fusesExtras(s, withKl, withLq), "fusesExtras " + s);
                final boolean withEps = rnd.nextBoolean();
                final String what = s + " kl=" + withKl + " logq=" + withLq + " eps=" + withEps;
                assertEquals(1, deviceForwardMatches(s, withEps, withKl, withLq, rnd, what), "fused path ran: " + what);
                cases++;
                shifted += ((offset | d) & 3) != 0 ? 1 : 0;
            }
        }
        assertEquals(64, cases);
        assertTrue(shifted >= 30, "cases with shifted eps: " + shifted);
    }

    /**
     * A device-buffer forward call with the given outputs on random mu and rho (drawn from rnd):
     * the CPU reference's bits in every output, and the sentinel in the TAIL after each (no write
     * past an output: it fails here instead of crashing the JVM). Returns the fused forward calls
     * it ran (0 or 1).
     */
    static long deviceForwardMatches(ReparamSpec s, boolean withEps, boolean withKl, boolean withLq,
                                     SplittableRandom rnd, String what) {
        final int n = (int) s.elements();
        final int np = (int) s.paramElements();
        final float[] mu = ReparamCases.uniform(np, 2, rnd);
        final float[] rho = ReparamCases.rhos(s.parameterization(), np, rnd);
        final float[] z = new float[n];
        final float[] eps = withEps ? new float[n] : null;
        final float[] kl = withKl ? new float[(int) s.paramRows()] : null;
        final float[] lq = withLq ? new float[(int) s.sampleRows()] : null;
        cpu.reparamForward(s, mu, rho, z, eps, kl, lq);
        try (ClBuffer dMu = upload(mu); ClBuffer dRho = upload(rho); ClBuffer dZ = sentinel(n + TAIL);
             ClBuffer dEps = withEps ? sentinel(n + TAIL) : null;
             ClBuffer dKl = withKl ? sentinel(kl.length + TAIL) : null;
             ClBuffer dLq = withLq ? sentinel(lq.length + TAIL) : null) {
            final long before = cl.reparam().fusedForwards;
            cl.reparamForward(s, dMu, dRho, dZ, dEps, dKl, dLq);
            final long fused = cl.reparam().fusedForwards - before;
            assertWithTail(z, dZ, "z " + what);
            if (withEps) {
                assertWithTail(eps, dEps, "eps " + what);
            }
            if (withKl) {
                assertWithTail(kl, dKl, "kl " + what);
            }
            if (withLq) {
                assertWithTail(lq, dLq, "logProb " + what);
            }
            return fused;
        }
    }

    /** Sentinel floats after each output of the tests that check for writes past an output. */
    static final int TAIL = 64;

    /** want's bits in the first want.length floats of b, and the sentinel in the TAIL after them. */
    static void assertWithTail(float[] want, ClBuffer b, String what) {
        final float[] got = download(b, want.length + TAIL);
        assertArrayEquals(bits(want), bits(Arrays.copyOf(got, want.length)), what);
        assertArrayEquals(bits(fill(TAIL, SENTINEL)), bits(Arrays.copyOfRange(got, want.length, got.length)),
                "written past the end: " + what);
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    /**
     * log q weights summed over more than one block of 64 rows (K > 64) for 16 or more parameter
     * rows: reparam_strided_sums adds 16 columns at a time as one float16 (block sums from +0.0f,
     * then the totals), the last partial group column by column; a sum that skipped the blocks
     * (one running total) rounds differently. gradRho (and gradMu) bit for bit, every
     * parameterization, both noise modes. The other backward tests have at most 2 parameter rows
     * when K > 64, which only reach the column-by-column path.
     */
    @Test
    void logProbWeightsOverSeveralRowBlocksAndManyParameterRows() {
        final SplittableRandom rnd = new SplittableRandom(0x51A5);
        final int[][] shapes = {{67, 17, 3}, {130, 16, 5}, {65, 33, 2}, {200, 40, 1}};
        int c = 0;
        for (int[] sh : shapes) {
            for (NoiseMode mode : NoiseMode.values()) {
                final Parameterization pz = Parameterization.values()[c++ % Parameterization.values().length];
                final ReparamSpec s = ReparamSpec.builder().shape(sh[0], sh[1], sh[2]).parameterization(pz)
                        .seed(rnd.nextLong()).stream(rnd.nextLong()).offset(rnd.nextLong() >>> 1).noiseMode(mode).build();
                final int np = (int) s.paramElements();
                final float[] mu = ReparamCases.uniform(np, 2, rnd);
                final float[] rho = ReparamCases.rhos(pz, np, rnd);
                final float[] gz = ReparamCases.uniform((int) s.elements(), 1, rnd);
                final float[] glq = ReparamCases.uniform((int) s.sampleRows(), 1, rnd);
                final float[] old = ReparamCases.uniform(np, 1, rnd);
                assertSame(run(cpu, s, mu, rho, gz, null, glq, old, false), run(cl, s, mu, rho, gz, null, glq, old, false),
                        s.toString());
            }
        }
    }

    /**
     * One and two parameter elements with eps regenerated at an offset that is not a multiple of 4:
     * reparam_backward_short's work-items then walk SHORT_RUN_BLOCKS (8) row blocks each, their
     * runs continuing one another; with more than 8 row blocks (over 512 rows) several work-items
     * run, each starting its generator at its own first run, the last one with fewer blocks. The
     * CPU reference's bits, every phase, with and without KL and log q weights.
     */
    @Test
    void shortParametersWithManyRowBlocksAtAPhase() {
        final SplittableRandom rnd = new SplittableRandom(0x5B10C);
        int c = 0;
        for (int d : new int[] {1, 2}) {
            for (int rows : new int[] {513, 1100, 64 * ClReparam.SHORT_RUN_BLOCKS * 2 + 65}) {
                final long offset = ((rnd.nextLong() >>> 2) << 2) + 1 + c % 3;
                final boolean bc = c % 2 == 0;                  /* broadcast rows, or K rows of B = 1 */
                final ReparamSpec s = ReparamSpec.builder().shape(bc ? 1 : rows, bc ? rows : 1, d).broadcast(bc)
                        .parameterization(Parameterization.values()[c % Parameterization.values().length])
                        .seed(rnd.nextLong()).stream(rnd.nextLong()).offset(offset).build();
                assertTrue(s.reductionRows() > 64 * ClReparam.SHORT_RUN_BLOCKS, s.toString());
                assertShortPathMatches(s, BackwardInputs.random(s, rnd));
                c++;
            }
        }
    }

    /**
     * Element counts that are whole multiples of 4096 (64 work-groups of 64 runs) at offsets of
     * every phase: at a phase p > 0 the call covers n / 64 + 1 runs, which the launch must count;
     * a launch of n / 64 runs, padded to whole work-groups, covers every other length, so only
     * these show its last run missing. The plain forward pass (no KL or log q; tiled parameters
     * for K = 2), eps stored or not, and the backward pass (K = 1: elementwise; K = 2: row walk)
     * with and without KL and log q weights: the CPU reference's bits, sentinels past every output.
     */
    @Test
    void wholeWorkGroupLengthsAtEveryPhase() {
        final SplittableRandom rnd = new SplittableRandom(0x4096);
        int c = 0;
        for (int[] sh : new int[][] {{1, 1, 4096}, {1, 2, 2048}, {1, 1, 8192}, {2, 1, 2048}}) {
            for (int phase = 0; phase < 4; phase++) {
                final Parameterization pz = Parameterization.values()[c % Parameterization.values().length];
                final ReparamSpec s = ReparamSpec.builder().shape(sh[0], sh[1], sh[2]).parameterization(pz)
                        .seed(rnd.nextLong()).stream(rnd.nextLong()).offset(((rnd.nextLong() >>> 2) << 2) + phase).build();
                final String what = s.toString();
                assertEquals(0, deviceForwardMatches(s, c % 2 == 0, false, false, rnd, what), "plain forward: " + what);
                final int n = (int) s.elements();
                final int np = (int) s.paramElements();
                final boolean extras = c % 4 >= 2;
                final float[] mu = ReparamCases.uniform(np, 2, rnd);
                final float[] rho = ReparamCases.rhos(pz, np, rnd);
                final float[] gz = ReparamCases.uniform(n, 1, rnd);
                final float[] gkl = extras ? ReparamCases.uniform((int) s.paramRows(), 1, rnd) : null;
                final float[] glq = extras ? ReparamCases.uniform((int) s.sampleRows(), 1, rnd) : null;
                final float[] wantMu = new float[np];
                final float[] wantRho = new float[np];
                cpu.reparamBackward(s, mu, rho, null, gz, gkl, glq, wantMu, wantRho, false);
                try (ClBuffer dMu = upload(mu); ClBuffer dRho = upload(rho); ClBuffer dGz = upload(gz);
                     ClBuffer dKl = extras ? upload(gkl) : null; ClBuffer dLq = extras ? upload(glq) : null;
                     ClBuffer dGm = sentinel(np + TAIL); ClBuffer dGr = sentinel(np + TAIL)) {
                    cl.reparamBackward(s, dMu, dRho, null, dGz, dKl, dLq, dGm, dGr, false);
                    assertWithTail(wantMu, dGm, "gradMu extras=" + extras + " " + what);
                    assertWithTail(wantRho, dGr, "gradRho extras=" + extras + " " + what);
                }
                c++;
            }
        }
    }

    /** Offsets at every phase, crossing block 2^32 and at the top of the 2^64 stream. */
    @Test
    void offsetsAnywhereInTheStream() {
        final SplittableRandom rnd = new SplittableRandom(3);
        final long[] offsets = {(1L << 34) - 129, (1L << 34) - 130, -3000L, -2999L, 1, 2, 3};
        for (long offset : offsets) {
            for (int d : new int[] {64, 65, 12}) {
                final ReparamSpec s = ReparamSpec.builder().shape(3, 5, d).parameterization(Parameterization.LOG_SIGMA)
                        .seed(rnd.nextLong()).stream(-1L).offset(offset).build();
                final int np = (int) s.paramElements();
                final float[] mu = ReparamCases.uniform(np, 2, rnd);
                final float[] rho = ReparamCases.rhos(s.parameterization(), np, rnd);
                final float[] gz = ReparamCases.uniform((int) s.elements(), 1, rnd);
                final float[] glq = ReparamCases.uniform((int) s.sampleRows(), 1, rnd);
                final float[] old = new float[np];
                assertSame(run(cpu, s, mu, rho, gz, null, glq, old, false), run(cl, s, mu, rho, gz, null, glq, old, false),
                        s.toString());
            }
        }
    }

    /** A forward call split by samples gives the same bits on the device. */
    @Test
    void forwardSplitBySamplesIsInvariantOnDevice() {
        final SplittableRandom rnd = new SplittableRandom(4);
        final ReparamSpec whole = ReparamSpec.builder().shape(7, 3, 37).parameterization(Parameterization.LOG_VAR)
                .seed(rnd.nextLong()).offset(rnd.nextLong() >>> 1).build();
        final float[] mu = ReparamCases.uniform(111, 2, rnd);
        final float[] rho = ReparamCases.rhos(whole.parameterization(), 111, rnd);
        final float[] z = new float[7 * 111];
        cl.reparamForward(whole, mu, rho, z, null);
        final ReparamSpec head = whole.toBuilder().shape(4, 3, 37).build();
        final ReparamSpec tail = whole.toBuilder().shape(3, 3, 37).offset(head.nextOffset()).build();
        final float[] a = new float[4 * 111];
        final float[] b = new float[3 * 111];
        cl.reparamForward(head, mu, rho, a, null);
        cl.reparamForward(tail, mu, rho, b, null);
        assertArrayEquals(bits(z), bits(cat(a, b)));
    }

    @Test
    void deviceValueCheckNamesTheFirstBadElementAndWritesNothing() {
        final ReparamSpec s = ReparamSpec.builder().shape(2, 3, 50).seed(9).build();
        final float[] mu = new float[150];
        final float[] rho = fill(150, 1.0f);
        rho[140] = -2.0f;
        mu[141] = Float.NaN;
        rho[70] = 0.0f;
        try (ClBuffer dMu = upload(mu); ClBuffer dRho = upload(rho); ClBuffer dZ = sentinel(300)) {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> cl.reparamForward(s, dMu, dRho, dZ, null));
            final IllegalArgumentException h = assertThrows(IllegalArgumentException.class,
                    () -> cpu.reparamForward(s, mu, rho, new float[300], null));
            assertEquals(h.getMessage(), e.getMessage());
            assertTrue(e.getMessage().startsWith("rho[70] (b = 1, d = 20) = 0.0 is not > 0"), e.getMessage());
            for (float v : download(dZ, 300)) {
                assertEquals(Float.floatToRawIntBits(SENTINEL), Float.floatToRawIntBits(v));
            }
            try (ClBuffer g1 = sentinel(150); ClBuffer g2 = sentinel(150)) {
                assertThrows(IllegalArgumentException.class, () -> cl.reparamBackward(s, dMu, dRho, null, dZ, g1, g2, false));
            }
            // Unchecked: the call runs; NaN and the invalid sigma propagate.
            cl.reparamForward(s.toBuilder().checkValues(false).build(), dMu, dRho, dZ, null);
            final float[] z = download(dZ, 300);
            assertTrue(Float.isNaN(z[141]) && Float.isNaN(z[291]));
            assertEquals(0.0f, z[70]);
        }
        // sigma(rho) overflowing is rejected on the device too.
        final ReparamSpec logSigma = s.toBuilder().parameterization(Parameterization.LOG_SIGMA).build();
        final float[] big = new float[150];
        big[99] = 89.0f;
        try (ClBuffer dMu = upload(new float[150]); ClBuffer dRho = upload(big); ClBuffer dZ = sentinel(300)) {
            assertEquals("rho[99] (b = 1, d = 49) = 89.0 gives sigma = Infinity (parameterization log-sigma)",
                    assertThrows(IllegalArgumentException.class, () -> cl.reparamForward(logSigma, dMu, dRho, dZ, null)).getMessage());
        }
        // A bad value in the last, partial chunk, and mu infinite.
        final float[] mu2 = new float[150];
        mu2[149] = Float.NEGATIVE_INFINITY;
        try (ClBuffer dMu = upload(mu2); ClBuffer dRho = upload(fill(150, 1.0f)); ClBuffer dZ = sentinel(300)) {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> cl.reparamForward(s, dMu, dRho, dZ, null))
                    .getMessage().startsWith("mu[149] (b = 2, d = 49) = -Infinity is not finite"));
        }
    }

    /**
     * A backward pass given gradKl or gradLogProb also rejects rho whose gradient factors overflow
     * (log-sigma rho = 46: sigma^2; log-var rho = 90: sigma^2 / 2; sigma rho = 1e-40: 1/rho),
     * with the CPU reference's message, in a whole chunk (where the device first tests cheap
     * bounds) and in the last partial one, and writes
     * nothing; without those gradients the same rho passes, and softplus at its extremes passes
     * with both and gives finite gradients, bit for bit as the CPU reference.
     */
    @Test
    void backwardRejectsRhoWhoseKlOrLogQGradientFactorsOverflow() {
        record Case(Parameterization p, int at, float bad, boolean kl, boolean lq, String why) { }
        final String kl = ", which the KL gradient multiplies";
        final Case[] cases = {
            new Case(Parameterization.LOG_SIGMA, 99, 46.0f, true, false,
                    "gives sigma * dsigma/drho - d log sigma/drho = Infinity" + kl),
            new Case(Parameterization.LOG_SIGMA, 99, 46.0f, false, true, null),
            new Case(Parameterization.LOG_VAR, 140, 90.0f, true, true,
                    "gives sigma * dsigma/drho - d log sigma/drho = Infinity" + kl),
            new Case(Parameterization.LOG_VAR, 140, 88.0f, true, true, null),
            new Case(Parameterization.LOG_VAR, 100, 90.0f, true, false,
                    "gives sigma * dsigma/drho - d log sigma/drho = Infinity" + kl),
            new Case(Parameterization.LOG_SIGMA, 64, 44.2f, true, true, null),
            new Case(Parameterization.SIGMA, 5, 1e-40f, false, true,
                    "gives d log sigma/drho = Infinity, which the log q gradient multiplies"),
            new Case(Parameterization.SIGMA, 149, 1e-40f, true, false, "gives d log sigma/drho = Infinity" + kl),
            new Case(Parameterization.SIGMA, 70, 1e-37f, true, true, null),
            new Case(Parameterization.SOFTPLUS, 3, -1000.0f, true, true, null),
            new Case(Parameterization.SOFTPLUS, 130, 3e38f, true, true, null),
        };
        final SplittableRandom rnd = new SplittableRandom(31);
        for (Case c : cases) {
            final ReparamSpec s = ReparamSpec.builder().shape(2, 3, 50).seed(9).parameterization(c.p()).build();
            final String label = c.p() + " rho[" + c.at() + "] = " + c.bad() + (c.kl() ? " kl" : "") + (c.lq() ? " lq" : "");
            final float[] mu = ReparamCases.uniform(150, 1, rnd);
            final float[] rho = fill(150, c.p() == Parameterization.SIGMA ? 0.7f : 0.3f);
            rho[c.at()] = c.bad();
            final float[] gz = ReparamCases.uniform(300, 1, rnd);
            final float[] gkl = c.kl() ? new float[3] : null;              // zero upstream: 0 * Inf would be NaN
            final float[] glq = c.lq() ? ReparamCases.uniform(6, 1e-3, rnd) : null;
            final float[] hMu = new float[150];
            final float[] hRho = new float[150];
            // Without those gradients the same parameters pass.
            cpu.reparamBackward(s, mu, rho, null, gz, hMu, hRho, false);
            try (ClBuffer dMu = upload(mu); ClBuffer dRho = upload(rho); ClBuffer dGz = upload(gz);
                 ClBuffer dKl = gkl == null ? null : upload(gkl); ClBuffer dLq = glq == null ? null : upload(glq);
                 ClBuffer g1 = sentinel(150); ClBuffer g2 = sentinel(150)) {
                if (c.why() != null) {
                    final String expected = "rho[" + c.at() + "] (b = " + c.at() / 50 + ", d = " + c.at() % 50 + ") = "
                            + c.bad() + " " + c.why() + " (parameterization " + c.p().cliName() + ")";
                    assertEquals(expected, assertThrows(IllegalArgumentException.class,
                            () -> cpu.reparamBackward(s, mu, rho, null, gz, gkl, glq, hMu, hRho, false)).getMessage(), label);
                    assertEquals(expected, assertThrows(IllegalArgumentException.class,
                            () -> cl.reparamBackward(s, mu, rho, null, gz, gkl, glq, hMu, hRho, false)).getMessage(), label);
                    assertEquals(expected, assertThrows(IllegalArgumentException.class,
                            () -> cl.reparamBackward(s, dMu, dRho, null, dGz, dKl, dLq, g1, g2, false)).getMessage(), label);
                    for (float v : download(g1, 150)) {
                        assertEquals(Float.floatToRawIntBits(SENTINEL), Float.floatToRawIntBits(v), label);
                    }
                    for (float v : download(g2, 150)) {
                        assertEquals(Float.floatToRawIntBits(SENTINEL), Float.floatToRawIntBits(v), label);
                    }
                } else {
                    cpu.reparamBackward(s, mu, rho, null, gz, gkl, glq, hMu, hRho, false);
                    cl.reparamBackward(s, dMu, dRho, null, dGz, dKl, dLq, g1, g2, false);
                    final float[] dmu = download(g1, 150);
                    final float[] drho = download(g2, 150);
                    for (int i = 0; i < 150; i++) {
                        assertTrue(Float.isFinite(hMu[i]) && Float.isFinite(hRho[i]), label + " gradient " + i);
                        assertEquals(Float.floatToRawIntBits(hMu[i]), Float.floatToRawIntBits(dmu[i]), label + " dmu " + i);
                        assertEquals(Float.floatToRawIntBits(hRho[i]), Float.floatToRawIntBits(drho[i]), label + " drho " + i);
                    }
                }
            }
        }
    }

    @Test
    void rejectsBadBuffers() {
        final ReparamSpec s = ReparamSpec.builder().shape(2, 2, 3).seed(1).build();
        try (ClBuffer mu = upload(new float[6]); ClBuffer rho = upload(fill(6, 1)); ClBuffer z = cl.allocate(12);
             ClBuffer small = cl.allocate(11); ClBuffer g1 = cl.allocate(6); ClBuffer g2 = cl.allocate(6)) {
            assertThrows(NullPointerException.class, () -> cl.reparamForward(s, null, rho, z, null));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> cl.reparamForward(s, mu, rho, small, null))
                    .getMessage().contains("z buffer holds 11 floats, the call needs 12"));
            assertThrows(IllegalArgumentException.class, () -> cl.reparamForward(s, mu, rho, mu, null));
            assertThrows(IllegalArgumentException.class, () -> cl.reparamBackward(s, mu, rho, null, z, g1, g1, false));
            assertThrows(IllegalArgumentException.class, () -> cl.reparamBackward(s, mu, rho, z, z, g1, g2, false));
            final ReparamSpec store = s.toBuilder().noiseMode(NoiseMode.STORE).build();
            assertThrows(NullPointerException.class, () -> cl.reparamForward(store, mu, rho, z, null));
            final ClBuffer closed = cl.allocate(12);
            closed.close();
            assertThrows(IllegalStateException.class, () -> cl.reparamForward(s, mu, rho, closed, null));
            try (CpuBackend other = CpuBackend.create(1)) {
                assertThrows(IllegalArgumentException.class, () -> other.reparamForward(s, new float[6], fill(6, 1), new float[11], null));
            }
        }
    }

    /** Empty shapes: no sampling; KL and log q of D = 0 are 0; broadcast B = 0 gives the KL term alone. */
    @Test
    void emptyShapesMatchTheCpuReference() {
        final ReparamSpec noD = ReparamSpec.builder().shape(2, 3, 0).seed(1).build();
        final float[] kl = {9, 9, 9};
        final float[] lq = fill(6, 9);
        cl.reparamForward(noD, new float[0], new float[0], new float[0], null, kl, lq);
        assertArrayEquals(new float[3], kl);
        assertArrayEquals(new float[6], lq);
        final ReparamSpec noB = ReparamSpec.builder().shape(2, 0, 3).broadcast(true).seed(1).build();
        final float[] mu = {1, 2, 3};
        final float[] rho = {1, 2, 3};
        final float[] gm = {7, 7, 7};
        final float[] gr = {7, 7, 7};
        final float[] cm = gm.clone();
        final float[] cr = gr.clone();
        cl.reparamBackward(noB, mu, rho, null, new float[0], new float[] {2}, null, gm, gr, true);
        cpu.reparamBackward(noB, mu, rho, null, new float[0], new float[] {2}, null, cm, cr, true);
        assertArrayEquals(bits(cm), bits(gm));
        assertArrayEquals(bits(cr), bits(gr));
    }

    /** Many threads on one backend: each call is atomic and correct. */
    @Test
    void concurrentCallsFromManyThreads() throws Exception {
        final ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            final List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                final int seed = t;
                fs.add(pool.submit(() -> {
                    final SplittableRandom rnd = new SplittableRandom(seed);
                    final ReparamSpec s = ReparamSpec.builder().shape(2, 3 + seed, 33).parameterization(Parameterization.SOFTPLUS)
                            .seed(seed).build();
                    final int np = (int) s.paramElements();
                    final float[] mu = ReparamCases.uniform(np, 1, rnd);
                    final float[] rho = ReparamCases.rhos(s.parameterization(), np, rnd);
                    final float[] gz = ReparamCases.uniform((int) s.elements(), 1, rnd);
                    final float[] old = new float[np];
                    for (int rep = 0; rep < 5; rep++) {
                        assertSame(run(cpu, s, mu, rho, gz, null, null, old, false), run(cl, s, mu, rho, gz, null, null, old, false),
                                "thread " + seed);
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

    /** sigma on the device equals Parameterization.sigma bit for bit, including the softplus branches. */
    @Test
    void sigmaOnTheDevice() {
        final SplittableRandom rnd = new SplittableRandom(8);
        for (Parameterization pz : Parameterization.values()) {
            final ReparamSpec s = ReparamSpec.builder().shape(1, 3, 333).parameterization(pz).seed(1).build();
            final float[] rho = ReparamCases.rhos(pz, 999, rnd);
            final float[] ref = new float[999];
            for (int p = 0; p < 999; p++) {
                ref[p] = pz.sigma(rho[p]);
            }
            try (ClBuffer dRho = upload(rho); ClBuffer out = sentinel(999)) {
                cl.reparamSigma(s, dRho, out);
                assertArrayEquals(bits(ref), bits(download(out, 999)), pz.toString());
            }
        }
    }

    /** The roof kernels write every output element (their values are only a function of the inputs). */
    @Test
    void roofKernelsWriteEveryOutput() {
        final SplittableRandom rnd = new SplittableRandom(6);
        for (ReparamSpec s : new ReparamSpec[] {ReparamSpec.builder().shape(3, 7, 101).seed(1).offset(3).build(),
                ReparamSpec.builder().shape(1, 7, 101).seed(1).offset(3).parameterization(Parameterization.SOFTPLUS).build(),
                ReparamSpec.builder().shape(1, 7, 101).seed(1).offset(2).build(),
                /* whole work-groups of runs (4096 elements) at a phase: one run more than n / 64 */
                ReparamSpec.builder().shape(1, 1, 4096).seed(1).offset(3).parameterization(Parameterization.LOG_SIGMA).build(),
                ReparamSpec.builder().shape(2, 2, 2048).seed(1).offset(1).build()}) {
            roofsWriteEveryOutput(s, rnd);
        }
        /* Launches past ClReparam.ROOF_PREFETCH_BYTES: the roofs' prefetching paths. */
        final ReparamSpec big1 = ReparamSpec.builder().shape(1, 1024, 1501).seed(1).offset(1).build();
        final ReparamSpec bigK = ReparamSpec.builder().shape(4, 1024, 1100).seed(1).offset(0).build();
        assertEquals(1, ClReparam.roofPrefetch(8L * big1.paramElements() + 4L * big1.elements()));
        assertEquals(1, ClReparam.roofPrefetch(12L * big1.paramElements()));
        assertEquals(1, ClReparam.roofPrefetch(4L * bigK.elements() + 8L * bigK.paramElements()));
        assertEquals(0, ClReparam.roofPrefetch(ClReparam.ROOF_PREFETCH_BYTES));
        roofsWriteEveryOutput(big1, rnd);
        roofsWriteEveryOutput(bigK, rnd);
    }

    private static void roofsWriteEveryOutput(ReparamSpec s, SplittableRandom rnd) {
        final int n = (int) s.elements();
        final int np = (int) s.paramElements();
        try (ClBuffer mu = upload(ReparamCases.uniform(np, 1, rnd)); ClBuffer rho = upload(ReparamCases.uniform(np, 1, rnd));
             ClBuffer z = sentinel(n); ClBuffer gz = upload(ReparamCases.uniform(n, 1, rnd)); ClBuffer gm = sentinel(np);
             ClBuffer gr = sentinel(np)) {
            cl.reparamForwardRoof(s, mu, rho, z);
            cl.reparamBackwardRoof(s, mu, rho, gz, gm, gr);
            for (float[] out : new float[][] {download(z, n), download(gm, np), download(gr, np)}) {
                for (float v : out) {
                    assertTrue(Float.isFinite(v));
                }
            }
        }
        /* The STORE roofs: the forward one writes eps beside z, the backward one reads eps for every
         * element (NaN in eps reaches every dL/drho, and only dL/drho). */
        try (ClBuffer mu = upload(ReparamCases.uniform(np, 1, rnd)); ClBuffer rho = upload(ReparamCases.uniform(np, 1, rnd));
             ClBuffer z = sentinel(n); ClBuffer eps = sentinel(n); ClBuffer gz = upload(ReparamCases.uniform(n, 1, rnd));
             ClBuffer gm = sentinel(np); ClBuffer gr = sentinel(np)) {
            cl.reparamBackwardRoof(s, mu, rho, eps, gz, gm, gr);
            for (float v : download(gm, np)) {
                assertTrue(Float.isFinite(v));
            }
            for (float v : download(gr, np)) {
                assertTrue(Float.isNaN(v), "the backward STORE roof must read eps for every element");
            }
            cl.reparamForwardRoof(s, mu, rho, z, eps);
            cl.reparamBackwardRoof(s, mu, rho, eps, gz, gm, gr);
            for (float[] out : new float[][] {download(z, n), download(eps, n), download(gm, np), download(gr, np)}) {
                for (float v : out) {
                    assertTrue(Float.isFinite(v));
                }
            }
        }
    }

    static float[] fill(int n, float v) {
        final float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }

    static float[] cat(float[] a, float[] b) {
        final float[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    static ClBuffer upload(float[] a) {
        final ClBuffer b = cl.allocate(Math.max(1, a.length));
        cl.write(b, a, 0, a.length);
        return b;
    }

    static ClBuffer sentinel(int n) {
        return upload(fill(n, SENTINEL));
    }

    static float[] download(ClBuffer b, int n) {
        final float[] a = new float[n];
        cl.read(b, a, 0, n);
        return a;
    }
}
