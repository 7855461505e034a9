package org.reparamcl.opencl;

import static org.jocl.CL.CL_TRUE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.jocl.CL;
import org.jocl.Pointer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.reparamcl.cpu.AffineProduct;
import org.reparamcl.cpu.AffineProduct.Init;
import org.reparamcl.cpu.ProductCase;
import org.reparamcl.opencl.ClAffineProduct.Variant;

/**
 * head_matmul, head_matmul_blocked (with head_transpose) and head_column_sum against AffineProduct,
 * bit for bit, on shapes within one tile or block and across several (not multiples of 64, 16 or 8).
 */
class AffineProductParityTest {
    /** A NaN pattern no product yields, written to outputs first so an unwritten element is caught. */
    static final float SENTINEL = Float.intBitsToFloat(0x7FC0DEAD);

    static OpenClBackend cl;
    static final Map<Variant, ClAffineProduct> AFFINE = new EnumMap<>(Variant.class);

    @BeforeAll
    static void device() {
        cl = OpenClTestSupport.backend();
        for (Variant v : Variant.values()) {
            AFFINE.put(v, ClAffineProduct.create(cl.context(), v));
        }
    }

    @AfterAll
    static void release() {
        AFFINE.values().forEach(ClAffineProduct::close);
        AFFINE.clear();
    }

    @Test
    void cpuDevicesTakeTheBlockedKernelAndThePropertyOverrides() {
        final ClDeviceInfo dev = cl.context().device();
        final String old = System.getProperty(ClAffineProduct.VARIANT_PROPERTY);
        try {
            System.clearProperty(ClAffineProduct.VARIANT_PROPERTY);
            assertEquals(dev.type().equals("CPU") ? Variant.BLOCKED : Variant.TILED, ClAffineProduct.variantFor(dev));
            System.setProperty(ClAffineProduct.VARIANT_PROPERTY, "tiled");
            assertEquals(Variant.TILED, ClAffineProduct.variantFor(dev));
            System.setProperty(ClAffineProduct.VARIANT_PROPERTY, "blocked");
            assertEquals(Variant.BLOCKED, ClAffineProduct.variantFor(dev));
            System.setProperty(ClAffineProduct.VARIANT_PROPERTY, "fast");
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ClAffineProduct.create(cl.context()));
            assertEquals("-Dreparam.headMatmul=fast: expected auto, tiled or blocked", e.getMessage());
        } finally {
            if (old == null) {
                System.clearProperty(ClAffineProduct.VARIANT_PROPERTY);
            } else {
                System.setProperty(ClAffineProduct.VARIANT_PROPERTY, old);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void threeStridePatternsAndAllInitsMatchTwin(Variant variant) {
        final ClAffineProduct affine = AFFINE.get(variant);
        final SplittableRandom rnd = new SplittableRandom(0xAFF1E);
        for (int trial = 0; trial < 24; trial++) {
            final int m = 1 + rnd.nextInt(trial < 12 ? 20 : 150);
            final int n = 1 + rnd.nextInt(trial < 12 ? 20 : 150);
            final int p = 1 + rnd.nextInt(trial < 12 ? 20 : 150);
            final Init init = Init.values()[trial % 3];
            final int pattern = (trial / 3) % 3;
            final ProductCase pc = ProductCase.random(rnd, m, n, p, init, pattern);
            final float[] expected = pc.expected();
            final float[] actual = new float[m * n];
            try (ClBuffer da = upload(pc.a()); ClBuffer db = upload(pc.b()); ClBuffer dbias = upload(pc.bias());
                 ClBuffer dc = upload(init == Init.ACCUMULATE ? pc.c0() : filled(m * n))) {
                affine.multiply(da, pc.aSi(), pc.aSp(), db, pc.bSp(), pc.bSj(), dbias, init, dc, m, n, p);
                cl.read(dc, actual, 0, actual.length);
            }
            assertBitsEqual(expected, actual, variant + " " + pc);
        }
    }

    /**
     * The head's three products at a training shape (B = 517, Din = 67, D = 41: whole 8 x 16 blocks
     * and both edges), twice with B's transposing scratch reused and then grown: bit for bit.
     */
    @ParameterizedTest
    @EnumSource(Variant.class)
    void headShapesMatchTwinWithTheScratchReused(Variant variant) {
        final ClAffineProduct affine = AFFINE.get(variant);
        final SplittableRandom rnd = new SplittableRandom(0x4EAD);
        for (int[] sh : new int[][] {{517, 67, 41}, {517, 67, 41}, {300, 90, 130}}) {
            final int b = sh[0];
            final int din = sh[1];
            final int d = sh[2];
            final float[] x = random(rnd, b * din);
            final float[] w = random(rnd, din * d);
            final float[] g = random(rnd, b * d);
            final float[] bias = random(rnd, d);
            final float[] mu = new float[b * d];
            final float[] dw = new float[din * d];
            final float[] dx = new float[b * din];
            AffineProduct.multiply(x, din, 1, w, d, 1, bias, Init.BIAS, mu, b, d, din);
            AffineProduct.multiply(x, 1, din, g, d, 1, null, Init.ZERO, dw, din, d, b);
            AffineProduct.multiply(g, d, 1, w, 1, d, null, Init.ZERO, dx, b, din, d);
            try (ClBuffer dX = upload(x); ClBuffer dW = upload(w); ClBuffer dG = upload(g); ClBuffer dBias = upload(bias);
                 ClBuffer dMu = upload(filled(b * d)); ClBuffer dDw = upload(filled(din * d));
                 ClBuffer dDx = upload(filled(b * din))) {
                affine.multiply(dX, din, 1, dW, d, 1, dBias, Init.BIAS, dMu, b, d, din);
                affine.multiply(dX, 1, din, dG, d, 1, null, Init.ZERO, dDw, din, d, b);
                affine.multiply(dG, d, 1, dW, 1, d, null, Init.ZERO, dDx, b, din, d);
                final String what = variant + " B=" + b + " Din=" + din + " D=" + d;
                assertBitsEqual(mu, read(dMu, mu.length), "x W " + what);
                assertBitsEqual(dw, read(dDw, dw.length), "x^T G " + what);
                assertBitsEqual(dx, read(dDx, dx.length), "G W^T " + what);
            }
        }
    }

    /** P = 0: c holds its start values (0, the bias, or what it held), the transpose skipped. */
    @ParameterizedTest
    @EnumSource(Variant.class)
    void emptyInnerDimensionLeavesTheStartValues(Variant variant) {
        final ClAffineProduct affine = AFFINE.get(variant);
        final SplittableRandom rnd = new SplittableRandom(0xE0);
        final int m = 13;
        final int n = 21;
        for (Init init : Init.values()) {
            for (int pattern = 0; pattern < 3; pattern++) {
                final ProductCase pc = ProductCase.random(rnd, m, n, 0, init, pattern);
                final float[] expected = pc.expected();
                try (ClBuffer da = upload(new float[1]); ClBuffer db = upload(new float[1]); ClBuffer dbias = upload(pc.bias());
                     ClBuffer dc = upload(init == Init.ACCUMULATE ? pc.c0() : filled(m * n))) {
                    affine.multiply(da, pc.aSi(), pc.aSp(), db, pc.bSp(), pc.bSj(), dbias, init, dc, m, n, 0);
                    assertBitsEqual(expected, read(dc, m * n), variant + " " + pc);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void accumulatingTwoProductsContinuesOneSum(Variant variant) {
        final ClAffineProduct affine = AFFINE.get(variant);
        final SplittableRandom rnd = new SplittableRandom(0x5EC0);
        final int m = 19;
        final int n = 23;
        final int p1 = 7;
        final int p2 = 30;
        final float[] a1 = random(rnd, m * p1);
        final float[] b1 = random(rnd, p1 * n);
        final float[] a2 = random(rnd, m * p2);
        final float[] b2 = random(rnd, p2 * n);
        final float[] twoSteps = new float[m * n];
        AffineProduct.multiply(a1, p1, 1, b1, n, 1, null, Init.ZERO, twoSteps, m, n, p1);
        AffineProduct.multiply(a2, p2, 1, b2, n, 1, null, Init.ACCUMULATE, twoSteps, m, n, p2);
        // The same sum over the concatenated inner dimension [a1 | a2] [b1 ; b2].
        final int p = p1 + p2;
        final float[] a = new float[m * p];
        for (int i = 0; i < m; i++) {
            System.arraycopy(a1, i * p1, a, i * p, p1);
            System.arraycopy(a2, i * p2, a, i * p + p1, p2);
        }
        final float[] b = new float[p * n];
        System.arraycopy(b1, 0, b, 0, p1 * n);
        System.arraycopy(b2, 0, b, p1 * n, p2 * n);
        final float[] oneStep = new float[m * n];
        AffineProduct.multiply(a, p, 1, b, n, 1, null, Init.ZERO, oneStep, m, n, p);
        assertBitsEqual(oneStep, twoSteps, "two accumulated products");

        final float[] device = new float[m * n];
        try (ClBuffer da1 = upload(a1); ClBuffer db1 = upload(b1); ClBuffer da2 = upload(a2); ClBuffer db2 = upload(b2);
             ClBuffer dc = upload(filled(m * n))) {
            affine.multiply(da1, p1, 1, db1, n, 1, null, Init.ZERO, dc, m, n, p1);
            affine.multiply(da2, p2, 1, db2, n, 1, null, Init.ACCUMULATE, dc, m, n, p2);
            cl.read(dc, device, 0, device.length);
        }
        assertBitsEqual(oneStep, device, variant + ": two accumulated products on the device");
    }

    /**
     * One launch of a pair (two products, selected by dimension 2) and of a chain (c = init + A B +
     * A2 B2) against AffineProduct called twice, bit for bit: every stride pattern and init, shapes
     * within and across blocks (with BLOCKED and B strided, the pair and the chain fall back to two
     * launches, each after its transpose).
     */
    @ParameterizedTest
    @EnumSource(Variant.class)
    void pairsAndChainsMatchTwoProducts(Variant variant) {
        final ClAffineProduct affine = AFFINE.get(variant);
        final SplittableRandom rnd = new SplittableRandom(0x9A125);
        for (int trial = 0; trial < 18; trial++) {
            final int m = 1 + rnd.nextInt(trial < 9 ? 20 : 150);
            final int n = 1 + rnd.nextInt(trial < 9 ? 20 : 150);
            final int p = rnd.nextInt(trial < 9 ? 20 : 150);
            final Init init = Init.values()[trial % 3];
            final int pattern = (trial / 3) % 3;
            final ProductCase one = ProductCase.random(rnd, m, n, p, init, pattern);
            final ProductCase two = ProductCase.random(rnd, m, n, p, init, pattern);
            final float[] chained = one.expected();
            AffineProduct.multiply(two.a(), two.aSi(), two.aSp(), two.b(), two.bSp(), two.bSj(), null, Init.ACCUMULATE,
                    chained, m, n, p);
            final String what = variant + " " + one;
            try (ClBuffer a1 = upload(nonEmpty(one.a())); ClBuffer b1 = upload(nonEmpty(one.b()));
                 ClBuffer a2 = upload(nonEmpty(two.a())); ClBuffer b2 = upload(nonEmpty(two.b()));
                 ClBuffer bias1 = upload(one.bias()); ClBuffer bias2 = upload(two.bias());
                 ClBuffer c1 = upload(init == Init.ACCUMULATE ? one.c0() : filled(m * n));
                 ClBuffer c2 = upload(init == Init.ACCUMULATE ? two.c0() : filled(m * n))) {
                affine.multiplyPair(a1, a2, one.aSi(), one.aSp(), b1, b2, one.bSp(), one.bSj(), bias1, bias2, init,
                        c1, c2, m, n, p);
                assertBitsEqual(one.expected(), read(c1, m * n), "pair, first: " + what);
                assertBitsEqual(two.expected(), read(c2, m * n), "pair, second: " + what);
                cl.write(c1, init == Init.ACCUMULATE ? one.c0() : filled(m * n), 0, m * n);
                affine.multiplyChain(a1, a2, one.aSi(), one.aSp(), b1, b2, one.bSp(), one.bSj(), bias1, init, c1, m, n, p);
                assertBitsEqual(chained, read(c1, m * n), "chain: " + what);
            }
        }
    }

    /** A pair of column sums in one launch, for both variants' launch shapes. */
    @ParameterizedTest
    @EnumSource(Variant.class)
    void columnSumPairMatchesTwin(Variant variant) {
        final ClAffineProduct affine = AFFINE.get(variant);
        final SplittableRandom rnd = new SplittableRandom(0xC02);
        for (int trial = 0; trial < 8; trial++) {
            final int m = 1 + rnd.nextInt(300);
            final int n = 1 + rnd.nextInt(70);
            final float[] a = random(rnd, m * n);
            final float[] a2 = random(rnd, m * n);
            final float[] expected = new float[n];
            final float[] expected2 = new float[n];
            AffineProduct.columnSum(a, m, n, expected);
            AffineProduct.columnSum(a2, m, n, expected2);
            try (ClBuffer da = upload(a); ClBuffer da2 = upload(a2); ClBuffer out = upload(filled(n));
                 ClBuffer out2 = upload(filled(n))) {
                affine.columnSumPair(da, da2, m, n, out, out2);
                assertBitsEqual(expected, read(out, n), variant + " first: m=" + m + " n=" + n);
                assertBitsEqual(expected2, read(out2, n), variant + " second: m=" + m + " n=" + n);
            }
        }
    }

    /**
     * A closed ClAffineProduct refuses every launch with IllegalStateException (its kernels are
     * released: launching them crashed the JVM in clSetKernelArg), as does one whose context is
     * closed; closing twice is safe.
     */
    @Test
    void useAfterCloseThrowsInsteadOfLaunchingReleasedKernels() {
        for (Variant v : Variant.values()) {
            final ClAffineProduct affine = ClAffineProduct.create(cl.context(), v);
            try (ClBuffer a = upload(new float[16]); ClBuffer b = upload(new float[16]); ClBuffer c = upload(filled(16))) {
                affine.close();
                affine.close();
                for (org.junit.jupiter.api.function.Executable call : new org.junit.jupiter.api.function.Executable[] {
                        () -> affine.multiply(a, 4, 1, b, 4, 1, null, Init.ZERO, c, 4, 4, 4),
                        () -> affine.multiply(a, 4, 1, b, 1, 4, null, Init.ZERO, c, 4, 4, 4),
                        () -> affine.multiplyPair(a, a, 4, 1, b, b, 4, 1, null, null, Init.ZERO, c, c, 4, 4, 4),
                        () -> affine.multiplyChain(a, a, 4, 1, b, b, 4, 1, null, Init.ZERO, c, 4, 4, 4),
                        () -> affine.transpose(a, 4, 1, c, 4, 4),
                        () -> affine.columnSum(a, 4, 4, c),
                        () -> affine.columnSumPair(a, a, 4, 4, c, c)}) {
                    final IllegalStateException e = assertThrows(IllegalStateException.class, call, v.toString());
                    assertEquals("affine product is closed", e.getMessage());
                }
                assertBitsEqual(filled(16), read(c, 16), v + ": written after close");
            }
        }
    }

    private static float[] nonEmpty(float[] v) {
        return v.length == 0 ? new float[1] : v;
    }

    @Test
    void columnSumMatchesTwin() {
        final ClAffineProduct affine = AFFINE.get(Variant.BLOCKED);
        final SplittableRandom rnd = new SplittableRandom(0xC01);
        for (int trial = 0; trial < 10; trial++) {
            final int m = 1 + rnd.nextInt(300);
            final int n = 1 + rnd.nextInt(40);
            final float[] a = random(rnd, m * n);
            final float[] expected = new float[n];
            AffineProduct.columnSum(a, m, n, expected);
            final float[] actual = new float[n];
            try (ClBuffer da = upload(a); ClBuffer out = upload(filled(n))) {
                affine.columnSum(da, m, n, out);
                cl.read(out, actual, 0, n);
            }
            assertBitsEqual(expected, actual, "m=" + m + " n=" + n);
        }
    }

    static float[] random(SplittableRandom rnd, int n) {
        return ProductCase.values(rnd, n);
    }

    static float[] filled(int n) {
        final float[] v = new float[n];
        java.util.Arrays.fill(v, SENTINEL);
        return v;
    }

    static float[] read(ClBuffer b, int n) {
        final float[] v = new float[n];
        cl.read(b, v, 0, n);
        return v;
    }

    static ClBuffer upload(float[] v) {
        final ClBuffer b = cl.allocate(v.length);
        CL.clEnqueueWriteBuffer(cl.context().queue(), b.mem(), CL_TRUE, 0, 4L * v.length, Pointer.to(v), 0, null, null);
        return b;
    }

    static void assertBitsEqual(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                throw new AssertionError(what + ": element " + i + " differs: expected " + expected[i] + " ("
                        + Integer.toHexString(Float.floatToRawIntBits(expected[i])) + "), got " + actual[i] + " ("
                        + Integer.toHexString(Float.floatToRawIntBits(actual[i])) + ")");
            }
        }
    }
}
