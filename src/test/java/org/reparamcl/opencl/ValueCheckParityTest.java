package org.reparamcl.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.reparamcl.Parameterization;
import org.reparamcl.ReparamSpec;
import org.reparamcl.cpu.CpuBackend;
import org.reparamcl.rng.FloatMath;

/**
 * The device value check ({@code ReparamSpec.checkValues}, kernel {@code reparam_sigma} in check
 * mode) rejects exactly the inputs the CPU reference rejects, with the same message: the first
 * bad element in parameter order. Bad values (NaN, infinities, rho <= 0 for sigma, rho whose
 * sigma overflows, the exact overflow edge of exp) are planted at random in whole 64-element
 * chunks, in the partial last chunk, and several at once; every parameterization; fresh random
 * shapes each run.
 */
class ValueCheckParityTest {
    static OpenClBackend cl;
    private static CpuBackend cpu;

    @BeforeAll
    static void open() {
        cl = OpenClTestSupport.backend();
        cpu = CpuBackend.create(2);
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    /** Values that some parameterization rejects in rho, or every one in mu. */
    static float[] badCandidates(float edge) {
        final List<Float> v = new ArrayList<>(List.of(Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                Float.intBitsToFloat(0x7FC00001), -0.0f, 0.0f, -1.0f, Float.MIN_VALUE, -Float.MAX_VALUE, Float.MAX_VALUE,
                edge, Math.nextUp(edge), 2 * edge, Math.nextUp(2 * edge), Math.nextDown(2 * edge), 89.0f, 200.0f,
                -200.0f, 20.0f, -20.0f, Math.nextUp(20.0f), 1e30f, -1e30f));
        final float[] a = new float[v.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = v.get(i);
        }
        return a;
    }

    @Test
    void deviceCheckRejectsExactlyWhatTheCpuRejectsWithTheSameMessage() {
        final long seed = org.reparamcl.TestSeeds.fresh("reparam.valueCheckSeed");
        final Random rnd = new Random(seed);
        final float edge = largestWithFiniteSigma(Parameterization.LOG_SIGMA);
        int rejected = 0;
        int accepted = 0;
        for (Parameterization p : Parameterization.values()) {
            final float[] bad = badCandidates(edge);
            for (int trial = 0; trial < 40; trial++) {
                final int b = 1 + rnd.nextInt(6);
                final int d = 1 + rnd.nextInt(150);
                final int np = b * d;
                final ReparamSpec spec = ReparamSpec.builder().shape(1, b, d).parameterization(p).seed(7).build();
                final float[] mu = new float[np];
                final float[] rho = new float[np];
                for (int i = 0; i < np; i++) {
                    mu[i] = (float) rnd.nextGaussian();
                    rho[i] = 0.25f + rnd.nextFloat();           // valid for every parameterization
                }
                final int plants = trial % 4;                   // 0: all valid; 1-3 bad values
                for (int k = 0; k < plants; k++) {
                    final int at = switch (rnd.nextInt(3)) {
                        case 0 -> rnd.nextInt(np);                                  // anywhere
                        case 1 -> np - 1 - rnd.nextInt(Math.min(np, 64));          // the last chunk
                        default -> Math.min(np - 1, 64 * rnd.nextInt(np / 64 + 1)); // a chunk's start
                    };
                    final float v = bad[rnd.nextInt(bad.length)];
                    if (rnd.nextInt(4) == 0) {
                        mu[at] = v;
                    } else {
                        rho[at] = v;
                    }
                }
                final String where = p + " b=" + b + " d=" + d + " seed " + seed + " trial " + trial;
                String cpuMessage = null;
                try {
                    cpu.reparamForward(spec, mu, rho, new float[np], null);
                } catch (IllegalArgumentException e) {
                    cpuMessage = e.getMessage();
                }
                try (ClBuffer dMu = upload(mu); ClBuffer dRho = upload(rho);
                     ClBuffer dZ = cl.allocate(np)) {
                    if (cpuMessage == null) {
                        cl.reparamForward(spec, dMu, dRho, dZ, null);
                        cl.finish();
                        accepted++;
                    } else {
                        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                                () -> cl.reparamForward(spec, dMu, dRho, dZ, null), "OpenCL accepted what the CPU rejects: "
                                        + cpuMessage + "; " + where);
                        assertEquals(cpuMessage, e.getMessage(), where);
                        rejected++;
                    }
                }
            }
        }
        assertTrue(rejected > 40 && accepted > 40, "rejected " + rejected + ", accepted " + accepted);
    }

    @Test
    void theExpOverflowEdgeIsDecidedAsOnTheCpu() {
        final float edge = largestWithFiniteSigma(Parameterization.LOG_SIGMA);
        assertEquals(FloatMath.EXP_FINITE_MAX, edge);
        // log-sigma: sigma = exp(rho); log-var: sigma = exp(rho / 2). Edge values in a whole chunk
        // (index 70 of 128) and in a partial one (index 130 of 140).
        for (Parameterization p : new Parameterization[] {Parameterization.LOG_SIGMA, Parameterization.LOG_VAR}) {
            final float lastOk = largestWithFiniteSigma(p);
            for (int np : new int[] {128, 140}) {
                final int at = np == 128 ? 70 : 130;
                for (float v : new float[] {lastOk, Math.nextUp(lastOk)}) {
                    final float[] rho = fill(np, 1.0f);
                    rho[at] = v;
                    final ReparamSpec spec = ReparamSpec.builder().shape(1, 1, np).parameterization(p).seed(3).build();
                    final boolean finite = Float.isFinite(p.sigma(v));
                    assertEquals(v == lastOk, finite, p + " at " + v);
                    try (ClBuffer dMu = upload(new float[np]); ClBuffer dRho = upload(rho);
                         ClBuffer dZ = cl.allocate(np)) {
                        if (finite) {
                            cl.reparamForward(spec, dMu, dRho, dZ, null);
                            cl.finish();
                        } else {
                            final String m = assertThrows(IllegalArgumentException.class,
                                    () -> cl.reparamForward(spec, dMu, dRho, dZ, null)).getMessage();
                            assertTrue(m.startsWith("rho[" + at + "]") && m.contains("gives sigma = Infinity"), m);
                        }
                    }
                }
            }
        }
    }

    /**
     * Each rule of the check, one bad (or edge but valid) value at a time, in every group of 16
     * lanes of a whole chunk (the check's fast path tests four vectors), at both ends of the first
     * chunk and in the partial last one (the general path): the device accepts exactly what the
     * CPU reference accepts and otherwise throws its message. Deterministic, unlike the random
     * plants above: each position is tried for each parameterization.
     */
    @Test
    void everyRuleHoldsInEveryLaneGroupAndInThePartialChunk() {
        final float logSigmaEdge = largestWithFiniteSigma(Parameterization.LOG_SIGMA);
        final float logVarEdge = largestWithFiniteSigma(Parameterization.LOG_VAR);
        final int[] positions = {0, 63, 64, 79, 80, 95, 96, 111, 112, 127, 128, 139};
        final int np = 140;
        int rejected = 0;
        int accepted = 0;
        for (Parameterization p : Parameterization.values()) {
            final float[] values = switch (p) {
                case SIGMA -> new float[] {0.0f, -0.0f, -1.0f, Float.MIN_VALUE, Float.NaN};
                case LOG_SIGMA -> new float[] {logSigmaEdge, Math.nextUp(logSigmaEdge), Float.POSITIVE_INFINITY};
                case LOG_VAR -> new float[] {89.0f, logVarEdge, Math.nextUp(logVarEdge), Float.NEGATIVE_INFINITY};
                case SOFTPLUS -> new float[] {3e38f, -3e38f, Float.POSITIVE_INFINITY, Float.NaN};
            };
            final ReparamSpec spec = ReparamSpec.builder().shape(1, 2, np / 2).parameterization(p).seed(11).build();
            try (ClBuffer dMu = cl.allocate(np); ClBuffer dRho = cl.allocate(np); ClBuffer dZ = cl.allocate(np)) {
                for (int at : positions) {
                    for (int inMu = 0; inMu < 2; inMu++) {
                        for (float v : inMu == 1 ? new float[] {Float.NaN, Float.NEGATIVE_INFINITY} : values) {
                            final float[] mu = fill(np, 0.5f);
                            final float[] rho = fill(np, 1.0f);
                            if (inMu == 1) {
                                mu[at] = v;
                            } else {
                                rho[at] = v;
                            }
                            final String where = p + (inMu == 1 ? " mu[" : " rho[") + at + "] = " + v;
                            String cpuMessage = null;
                            try {
                                cpu.reparamForward(spec, mu, rho, new float[np], null);
                            } catch (IllegalArgumentException e) {
                                cpuMessage = e.getMessage();
                            }
                            cl.write(dMu, mu, 0, np);
                            cl.write(dRho, rho, 0, np);
                            if (cpuMessage == null) {
                                cl.reparamForward(spec, dMu, dRho, dZ, null);
                                cl.finish();
                                accepted++;
                            } else {
                                final String expected = cpuMessage;
                                assertEquals(expected, assertThrows(IllegalArgumentException.class,
                                        () -> cl.reparamForward(spec, dMu, dRho, dZ, null),
                                        "OpenCL accepted what the CPU rejects: " + expected).getMessage(), where);
                                rejected++;
                            }
                        }
                    }
                }
            }
        }
        assertTrue(rejected >= 12 * 12 && accepted >= 12 * 5, "rejected " + rejected + ", accepted " + accepted);
        // Several bad chunks at once: the first in parameter order is named, whichever chunk's
        // work-item marks the flag last (chunks 0, 1 and the partial chunk 2).
        final ReparamSpec spec = ReparamSpec.builder().shape(1, 2, np / 2).seed(11).build();
        for (int[] bad : new int[][] {{5, 70, 135}, {70, 135}, {5, 135}, {5, 70}, {100, 139}}) {
            final float[] rho = fill(np, 1.0f);
            for (int at : bad) {
                rho[at] = -1.0f;
            }
            final float[] mu = fill(np, 0.5f);
            final String cpuMessage = assertThrows(IllegalArgumentException.class,
                    () -> cpu.reparamForward(spec, mu, rho, new float[np], null)).getMessage();
            assertTrue(cpuMessage.startsWith("rho[" + bad[0] + "]"), cpuMessage);
            try (ClBuffer dMu = upload(mu); ClBuffer dRho = upload(rho); ClBuffer dZ = cl.allocate(np)) {
                assertEquals(cpuMessage, assertThrows(IllegalArgumentException.class,
                        () -> cl.reparamForward(spec, dMu, dRho, dZ, null)).getMessage(), java.util.Arrays.toString(bad));
            }
        }
    }

    private static ClBuffer upload(float[] a) {
        final ClBuffer b = cl.allocate(a.length);
        cl.write(b, a, 0, a.length);
        return b;
    }

    private static float[] fill(int n, float v) {
        final float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    /** The largest rho with a finite sigma(rho), by bisection on the float order (log-sigma, log-var: in (80, 400)). */
    private static float largestWithFiniteSigma(Parameterization p) {
        int lo = Float.floatToRawIntBits(80f);
        int hi = Float.floatToRawIntBits(400f);
        assertTrue(Float.isFinite(p.sigma(80f)) && !Float.isFinite(p.sigma(400f)), p.toString());
        while (hi - lo > 1) {
            final int mid = (lo + hi) >>> 1;
            if (Float.isFinite(p.sigma(Float.intBitsToFloat(mid)))) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return Float.intBitsToFloat(lo);
    }
}
