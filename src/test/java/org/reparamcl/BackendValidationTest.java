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
        if (b instanceof CpuBackend cpu) {
            rejects(IllegalStateException.class, "closed", () -> cpu.parallel(10, (from, to) -> { }), null);
        }
    }
}
