package org.reparamcl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.Arrays;

import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.reparamcl.cpu.CpuBackend;
import org.reparamcl.opencl.OpenClBackend;
import org.reparamcl.opencl.OpenClTestSupport;
import org.reparamcl.rng.NoiseStream;

/**
 * Bad arguments at the API boundary, on both backends: each gives the documented exception with
 * a message naming the problem, before anything is written (destinations hold a sentinel that
 * must survive), and the backend stays usable.
 */
class BackendValidationTest {
    /** A device selector with the CPU reference is refused, not ignored; auto (or none) is fine. */
    @org.junit.jupiter.api.Test
    void theCpuReferenceTakesNoDeviceSelector() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.choose("cpu", "0:0"));
        assertTrue(e.getMessage().contains("device '0:0' selects an OpenCL device"), e.getMessage());
        try (Backend a = Backends.choose("cpu", "AUTO").backend(); Backend b = Backends.choose("cpu", null).backend()) {
            assertTrue(a instanceof CpuBackend && b instanceof CpuBackend);
        }
    }

    /** A NaN pattern no eps has; an element that changes from it was written. */
    static final int SENTINEL = 0x7FC0DEAD;
    static final long LAST = -1L;                              // 2^64 - 1, the last element of a stream

    static Backend open(String kind) {
        return kind.equals("cpu") ? CpuBackend.create(2) : OpenClBackend.create(
                org.reparamcl.opencl.ClDevices.select(System.getenv().getOrDefault("REPARAM_DEVICE", "auto")));
    }

    static Backend shared(String kind) {
        if (kind.equals("opencl")) {
            return OpenClTestSupport.backend();
        }
        return CpuBackend.create(2);
    }

    static float[] sentinelFloats(int n) {
        final float[] a = new float[n];
        Arrays.fill(a, Float.intBitsToFloat(SENTINEL));
        return a;
    }

    static int[] sentinelInts(int n) {
        final int[] a = new int[n];
        Arrays.fill(a, SENTINEL);
        return a;
    }

    static <T extends Throwable> void rejects(Class<T> type, String phrase, Executable call, Object dst) {
        final Object before = copy(dst);
        final T e = assertThrows(type, call);
        assertTrue(e.getMessage() != null && e.getMessage().contains(phrase), "message '" + e.getMessage() + "' lacks '" + phrase + "'");
        if (dst != null) {
            assertTrue(Arrays.deepEquals(new Object[] {before}, new Object[] {copy(dst)}), "destination written by a rejected call");
        }
    }

    private static Object copy(Object dst) {
        if (dst instanceof float[] f) {
            return f.clone();
        }
        if (dst instanceof int[] w) {
            return w.clone();
        }
        if (dst instanceof FloatBuffer b) {
            final float[] c = new float[b.capacity()];
            b.duplicate().clear().get(c);
            return c;
        }
        if (dst instanceof IntBuffer b) {
            final int[] c = new int[b.capacity()];
            b.duplicate().clear().get(c);
            return c;
        }
        return null;
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "opencl"})
    void hostArrays(String kind) {
        final Backend b = shared(kind);
        try {
            final float[] f = sentinelFloats(100);
            final int[] w = sentinelInts(100);
            rejects(NullPointerException.class, "dst array is null", () -> b.fillNormal(1, 2, 3, null, 0, 5), null);
            rejects(NullPointerException.class, "dst array is null", () -> b.fillNormal(1, 2, 3, (float[]) null), null);
            rejects(NullPointerException.class, "dst array is null", () -> b.fillBits(1, 2, 3, null, 0, 5), null);
            rejects(IndexOutOfBoundsException.class, "outside dst of length 100", () -> b.fillNormal(1, 2, 3, f, -1, 5), f);
            rejects(IndexOutOfBoundsException.class, "outside dst of length 100", () -> b.fillNormal(1, 2, 3, f, 0, -1), f);
            rejects(IndexOutOfBoundsException.class, "outside dst of length 100", () -> b.fillNormal(1, 2, 3, f, 96, 5), f);
            rejects(IndexOutOfBoundsException.class, "outside dst of length 100", () -> b.fillNormal(1, 2, 3, f, 101, 0), f);
            rejects(IndexOutOfBoundsException.class, "outside dst of length 100",
                    () -> b.fillNormal(1, 2, 3, f, Integer.MAX_VALUE, Integer.MAX_VALUE), f);
            rejects(IndexOutOfBoundsException.class, "outside dst of length 100", () -> b.fillBits(1, 2, 3, w, 50, 51), w);
            rejects(IndexOutOfBoundsException.class, "outside dst of length 100",
                    () -> b.fillBits(1, 2, 3, w, Integer.MIN_VALUE, 10), w);
            // offset + n past the end of the 2^64-element stream
            rejects(IllegalArgumentException.class, "runs past the end of the stream", () -> b.fillNormal(1, 2, LAST, f, 0, 2), f);
            rejects(IllegalArgumentException.class, "runs past the end of the stream", () -> b.fillBits(1, 2, LAST - 98, w, 0, 100), w);
            // n = 0: a no-op, at any offset and at the end of the array
            b.fillNormal(1, 2, LAST, f, 0, 0);
            b.fillNormal(1, 2, 0, f, 100, 0);
            b.fillBits(1, 2, LAST, w, 100, 0);
            b.fillNormal(1, 2, 7, new float[0]);
            assertArrayEquals(sentinelFloats(100), f);
            assertArrayEquals(sentinelInts(100), w);
            // the last element of the stream is reachable; the rest of the array is untouched
            b.fillNormal(1, 2, LAST, f, 10, 1);
            assertEquals(NoiseStream.normalAt(1, 2, LAST), f[10]);
            assertEquals(SENTINEL, Float.floatToRawIntBits(f[9]));
            assertEquals(SENTINEL, Float.floatToRawIntBits(f[11]));
        } finally {
            if (kind.equals("cpu")) {
                b.close();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "opencl"})
    void nioBuffers(String kind) {
        final Backend b = shared(kind);
        try {
            rejects(NullPointerException.class, "dst buffer is null", () -> b.fillNormal(1, 2, 3, (FloatBuffer) null), null);
            rejects(NullPointerException.class, "dst buffer is null", () -> b.fillBits(1, 2, 3, (IntBuffer) null), null);
            final FloatBuffer heap = FloatBuffer.wrap(sentinelFloats(64));
            final FloatBuffer direct = ByteBuffer.allocateDirect(256).order(ByteOrder.nativeOrder()).asFloatBuffer();
            direct.put(sentinelFloats(64)).clear();
            for (FloatBuffer ro : new FloatBuffer[] {heap.asReadOnlyBuffer(), direct.asReadOnlyBuffer()}) {
                rejects(IllegalArgumentException.class, "read-only", () -> b.fillNormal(1, 2, 3, ro), ro);
                assertEquals(0, ro.position());
            }
            final IntBuffer words = IntBuffer.wrap(sentinelInts(64));
            rejects(IllegalArgumentException.class, "read-only", () -> b.fillBits(1, 2, 3, words.asReadOnlyBuffer()), words);
            direct.position(60);
            rejects(IllegalArgumentException.class, "runs past the end of the stream", () -> b.fillNormal(1, 2, LAST - 2, direct), direct);
            assertEquals(60, direct.position(), "position moved by a rejected call");
            b.fillNormal(1, 2, LAST - 3, direct);                    // exactly reaches the end
            assertEquals(64, direct.position());
            for (int i = 0; i < 60; i++) {
                assertEquals(SENTINEL, Float.floatToRawIntBits(direct.get(i)), "element " + i);
            }
            for (int i = 0; i < 4; i++) {
                assertEquals(NoiseStream.normalAt(1, 2, LAST - 3 + i), direct.get(60 + i));
            }
            direct.position(64);
            b.fillNormal(1, 2, LAST, direct);                        // n = 0
            assertEquals(64, direct.position());
        } finally {
            if (kind.equals("cpu")) {
                b.close();
            }
        }
    }

    /**
     * The reparameterized passes on host arrays: every kind of bad call (missing, short, long or
     * aliased arrays, eps against the noise mode, NaN, infinite or out-of-domain parameters) is
     * rejected naming the problem, with every output (z, eps, KL, log q, both gradients) untouched;
     * then a good call gives the CPU reference's bits.
     */
    @ParameterizedTest
    @ValueSource(strings = {"cpu", "opencl"})
    void reparamHostArrays(String kind) {
        final Backend b = shared(kind);
        try (CpuBackend ref = CpuBackend.create(1)) {
            final ReparamSpec s = ReparamSpec.builder().shape(3, 2, 5).seed(4).offset(-31L).build();
            final ReparamSpec store = s.toBuilder().noiseMode(NoiseMode.STORE).build();
            final float[] mu = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
            final float[] rho = {1, 1, 1, 1, 1, 2, 2, 2, 2, 2};
            final float[] z = sentinelFloats(30);
            final float[] eps = sentinelFloats(30);
            final float[] kl = sentinelFloats(2);
            final float[] lq = sentinelFloats(6);
            final float[] gz = new float[30];
            final float[] gm = sentinelFloats(10);
            final float[] gr = sentinelFloats(10);
            final Object[] outs = {z, eps, kl, lq, gm, gr};
            final float[] nanMu = mu.clone();
            nanMu[7] = Float.NaN;
            final float[] zeroRho = rho.clone();
            zeroRho[3] = 0.0f;
            final float[] infRho = rho.clone();
            infRho[9] = Float.POSITIVE_INFINITY;
            rejectsAll(NullPointerException.class, "mu is null", () -> b.reparamForward(s, null, rho, z, eps, kl, lq), outs);
            rejectsAll(NullPointerException.class, "spec is null", () -> b.reparamForward(null, mu, rho, z, eps, kl, lq), outs);
            rejectsAll(NullPointerException.class, "spec is null",
                    () -> b.reparamBackward(null, mu, rho, eps, z, kl, lq, new float[10], new float[10], false), outs);
            rejectsAll(IllegalArgumentException.class, "rho has length 9, expected 10",
                    () -> b.reparamForward(s, mu, Arrays.copyOf(rho, 9), z, eps, kl, lq), outs);
            rejectsAll(IllegalArgumentException.class, "z has length 31, expected 30",
                    () -> b.reparamForward(s, mu, rho, new float[31], eps, kl, lq), outs);
            rejectsAll(IllegalArgumentException.class, "logProb has length 2, expected 6",
                    () -> b.reparamForward(s, mu, rho, z, eps, kl, kl), outs);
            rejectsAll(IllegalArgumentException.class, "z and eps are the same array", () -> b.reparamForward(s, mu, rho, z, z, kl, lq), outs);
            rejectsAll(NullPointerException.class, "eps is null but the noise mode is STORE (forward writes eps",
                    () -> b.reparamForward(store, mu, rho, z, null, kl, lq), outs);
            rejectsAll(IllegalArgumentException.class, "mu[7] (b = 1, d = 2) = NaN is not finite",
                    () -> b.reparamForward(s, nanMu, rho, z, eps, kl, lq), outs);
            rejectsAll(IllegalArgumentException.class, "rho[3] (b = 0, d = 3) = 0.0 is not > 0",
                    () -> b.reparamForward(s, mu, zeroRho, z, eps, kl, lq), outs);
            rejectsAll(IllegalArgumentException.class, "rho[9] (b = 1, d = 4) = Infinity",
                    () -> b.reparamBackward(s, mu, infRho, null, gz, kl, lq, gm, gr, false), outs);
            rejectsAll(IllegalArgumentException.class, "eps was given but the noise mode is RECOMPUTE",
                    () -> b.reparamBackward(s, mu, rho, eps, gz, null, null, gm, gr, false), outs);
            rejectsAll(IllegalArgumentException.class, "gradMu and gradRho are the same array",
                    () -> b.reparamBackward(s, mu, rho, null, gz, null, null, gm, gm, false), outs);
            rejectsAll(IllegalArgumentException.class, "gradRho and rho are the same array",
                    () -> b.reparamBackward(s, mu, rho, null, gz, null, null, gm, rho, false), outs);
            rejectsAll(IllegalArgumentException.class, "gradKl has length 6, expected 2",
                    () -> b.reparamBackward(s, mu, rho, null, gz, lq, null, gm, gr, false), outs);
            b.reparamForward(s, mu, rho, z, eps, kl, lq);
            final float[] zRef = new float[30];
            final float[] epsRef = new float[30];
            final float[] klRef = new float[2];
            final float[] lqRef = new float[6];
            ref.reparamForward(s, mu, rho, zRef, epsRef, klRef, lqRef);
            assertArrayEquals(zRef, z);
            assertArrayEquals(epsRef, eps);
            assertArrayEquals(klRef, kl);
            assertArrayEquals(lqRef, lq);
        } finally {
            if (kind.equals("cpu")) {
                b.close();
            }
        }
    }

    private static void rejectsAll(Class<? extends Throwable> type, String phrase, Executable call, Object[] outs) {
        final Object[] before = new Object[outs.length];
        for (int i = 0; i < outs.length; i++) {
            before[i] = copy(outs[i]);
        }
        final Throwable e = assertThrows(type, call);
        assertTrue(e.getMessage() != null && e.getMessage().contains(phrase), "message '" + e.getMessage() + "' lacks '" + phrase + "'");
        for (int i = 0; i < outs.length; i++) {
            assertTrue(Arrays.equals(bits((float[]) before[i]), bits((float[]) outs[i])), "output " + i + " written by a rejected call: " + phrase);
        }
    }

    private static int[] bits(float[] a) {
        final int[] b = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = Float.floatToRawIntBits(a[i]);
        }
        return b;
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "opencl"})
    void closedBackendRejectsEveryCall(String kind) {
        if (kind.equals("opencl")) {
            OpenClTestSupport.requireOpenCl();
        }
        final Backend b = open(kind);
        b.fillNormal(1, 2, 3, new float[10]);
        b.close();
        b.close();                                                   // twice is safe
        final float[] f = sentinelFloats(10);
        final int[] w = sentinelInts(10);
        final FloatBuffer direct = ByteBuffer.allocateDirect(40).order(ByteOrder.nativeOrder()).asFloatBuffer();
        rejects(IllegalStateException.class, "closed", () -> b.fillNormal(1, 2, 3, f, 0, 10), f);
        rejects(IllegalStateException.class, "closed", () -> b.fillNormal(1, 2, 3, f, 0, 0), f);
        rejects(IllegalStateException.class, "closed", () -> b.fillNormal(1, 2, 3, f), f);
        rejects(IllegalStateException.class, "closed", () -> b.fillBits(1, 2, 3, w, 0, 10), w);
        rejects(IllegalStateException.class, "closed", () -> b.fillNormal(1, 2, 3, direct), direct);
        rejects(IllegalStateException.class, "closed", () -> b.fillBits(1, 2, 3, IntBuffer.wrap(w)), w);
        assertEquals(0, direct.position());
        final ReparamSpec s = ReparamSpec.builder().shape(1, 2, 5).seed(1).build();
        final float[] z = sentinelFloats(10);
        rejects(IllegalStateException.class, "closed", () -> b.reparamForward(s, new float[10], sentinelFloats(10), z, null), z);
        rejects(IllegalStateException.class, "closed",
                () -> b.reparamBackward(s, new float[10], new float[10], null, new float[10], f, z, false), z);
        if (b instanceof CpuBackend cpu) {
            rejects(IllegalStateException.class, "closed", () -> cpu.parallel(10, (from, to) -> { }), null);
        }
    }
}
