package org.reparamcl.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.reparamcl.rng.NoiseStream;

/**
 * Bad arguments on the device-buffer API and use after close of backends, buffers and
 * contexts: the documented exception naming the problem, nothing written, nothing leaked.
 */
class DeviceBufferValidationTest {
    private static void rejects(Class<? extends Throwable> type, String phrase, Executable call) {
        final Throwable e = assertThrows(type, call);
        assertTrue(e.getMessage() != null && e.getMessage().contains(phrase), "message '" + e.getMessage() + "' lacks '" + phrase + "'");
    }

    @Test
    void badDeviceCallsWriteNothing() {
        final OpenClBackend cl = OpenClTestSupport.backend();
        try (ClBuffer buf = cl.allocate(1000); OpenClBackend other = OpenClBackend.create(cl.context().device());
             ClBuffer foreign = other.allocate(1000)) {
            final int[] known = new int[1000];
            cl.fillBits(5, 6, 7, buf, 1000);
            NoiseStream.fillBits(5, 6, 7, known, 0, 1000);

            rejects(NullPointerException.class, "device buffer is null", () -> cl.fillNormal(1, 2, 3, null, 10));
            rejects(NullPointerException.class, "device buffer is null", () -> cl.read(null, new float[10], 0, 10));
            rejects(IllegalArgumentException.class, "another OpenCL context", () -> cl.fillNormal(1, 2, 3, foreign, 10));
            rejects(IllegalArgumentException.class, "another OpenCL context", () -> cl.read(foreign, new int[10], 0, 10));
            rejects(IndexOutOfBoundsException.class, "n = 1001 elements does not fit the device buffer of 1000 elements",
                    () -> cl.fillNormal(1, 2, 3, buf, 1001));
            rejects(IndexOutOfBoundsException.class, "n = -1 elements", () -> cl.fillBits(1, 2, 3, buf, -1));
            rejects(IndexOutOfBoundsException.class, "n = 2147483657 elements", () -> cl.fillBits(1, 2, 3, buf, (1L << 31) + 9));
            rejects(IndexOutOfBoundsException.class, "n = 9223372036854775807 elements",
                    () -> cl.fillNormal(1, 2, 3, buf, Long.MAX_VALUE));
            rejects(IllegalArgumentException.class, "runs past the end of the stream", () -> cl.fillNormal(1, 2, -1L, buf, 2));
            rejects(IndexOutOfBoundsException.class, "outside dst of length 10", () -> cl.read(buf, new float[10], 5, 6));
            rejects(IndexOutOfBoundsException.class, "does not fit the device buffer", () -> cl.read(buf, new int[2000], 0, 1001));
            rejects(NullPointerException.class, "dst array is null", () -> cl.read(buf, (float[]) null, 0, 1));
            rejects(NullPointerException.class, "src array is null", () -> cl.write(buf, (float[]) null, 0, 1));
            rejects(IndexOutOfBoundsException.class, "outside src of length 2", () -> cl.write(buf, new float[2], 0, 4));
            rejects(IllegalArgumentException.class, "elements must be in [1, 2^61), got 0", () -> cl.allocate(0));
            rejects(IllegalArgumentException.class, "got -5", () -> cl.allocate(-5));
            rejects(IllegalArgumentException.class, "exceeds the device's maximum allocation", () -> cl.allocate(1L << 40));
            rejects(IllegalArgumentException.class, "buffer size must be > 0 bytes, got 0", () -> cl.context().allocate(0));
            final org.reparamcl.ReparamSpec store = org.reparamcl.ReparamSpec.builder().shape(2, 4, 100).seed(1)
                    .noiseMode(org.reparamcl.NoiseMode.STORE).build();
            rejects(NullPointerException.class, "eps is null but the noise mode is STORE (forward writes eps",
                    () -> cl.reparamForward(store, buf, buf, buf, null));
            cl.fillNormal(1, 2, -1L, buf, 0);                        // n = 0: a no-op
            cl.read(buf, new int[0], 0, 0);
            cl.finish();
            final int[] after = new int[1000];
            cl.read(buf, after, 0, 1000);
            assertArrayEquals(known, after, "device buffer written by a rejected call");
        }
    }

    /**
     * Every output that is also an input (or another output) is refused with both names, in the
     * forward pass, the backward pass and sigma: all buffers are large enough for every role, so
     * only the distinct-buffer check can refuse them.
     */
    @Test
    void everyOutputAliasingAnyOtherArgumentIsRefused() {
        final OpenClBackend cl = OpenClTestSupport.backend();
        final org.reparamcl.ReparamSpec s = org.reparamcl.ReparamSpec.builder().shape(2, 2, 3).seed(1)
                .noiseMode(org.reparamcl.NoiseMode.STORE).build();
        final String[] fwdNames = {"mu", "rho", "z", "eps", "kl", "logProb"};
        final String[] bwdNames = {"mu", "rho", "eps", "gradZ", "gradKl", "gradLogProb", "gradMu", "gradRho"};
        final ClBuffer[] b = new ClBuffer[8];
        try {
            for (int i = 0; i < b.length; i++) {
                b[i] = cl.allocate(12);
                cl.write(b[i], new float[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 0, 12);   // valid as mu or rho
            }
            for (int out = 2; out < fwdNames.length; out++) {
                for (int other = 0; other < fwdNames.length; other++) {
                    if (other == out) {
                        continue;
                    }
                    final ClBuffer[] a = java.util.Arrays.copyOf(b, 6);
                    a[out] = a[other];
                    final String first = fwdNames[Math.min(out, other) < 2 ? out : Math.min(out, other)];
                    final String second = fwdNames[Math.min(out, other) < 2 ? other : Math.max(out, other)];
                    rejects(IllegalArgumentException.class, first + " and " + second + " are the same buffer",
                            () -> cl.reparamForward(s, a[0], a[1], a[2], a[3], a[4], a[5]));
                }
            }
            for (int out = 6; out < bwdNames.length; out++) {
                for (int other = 0; other < bwdNames.length; other++) {
                    if (other == out) {
                        continue;
                    }
                    final ClBuffer[] a = b.clone();
                    a[out] = a[other];
                    final String first = bwdNames[other < 6 ? out : Math.min(out, other)];
                    final String second = bwdNames[other < 6 ? other : Math.max(out, other)];
                    rejects(IllegalArgumentException.class, first + " and " + second + " are the same buffer",
                            () -> cl.reparamBackward(s, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], false));
                }
            }
            rejects(IllegalArgumentException.class, "sigma and rho are the same buffer", () -> cl.reparamSigma(s, b[1], b[1]));
        } finally {
            for (ClBuffer x : b) {
                if (x != null) {
                    x.close();
                }
            }
        }
    }

    /** Raw words read from a device buffer into an int array at a position: they land there, the rest untouched. */
    @Test
    void wordsReadAtAPositionLandThere() {
        final OpenClBackend cl = OpenClTestSupport.backend();
        final int[] want = new int[300];
        NoiseStream.fillBits(8, 9, 10, want, 0, 300);
        try (ClBuffer buf = cl.allocate(300)) {
            cl.fillBits(8, 9, 10, buf, 300);
            final int[] got = new int[310];
            java.util.Arrays.fill(got, 0x7FC0DEAD);
            cl.read(buf, got, 7, 300);
            for (int i = 0; i < 310; i++) {
                assertEquals(i >= 7 && i < 307 ? want[i - 7] : 0x7FC0DEAD, got[i], "word " + i);
            }
            final float[] f = new float[310];
            java.util.Arrays.fill(f, -1.0f);
            cl.read(buf, f, 9, 300);
            for (int i = 0; i < 310; i++) {
                assertEquals(i >= 9 && i < 309 ? want[i - 9] : Float.floatToRawIntBits(-1.0f), Float.floatToRawIntBits(f[i]),
                        "float " + i);
            }
        }
    }

    @Test
    void useAfterCloseOfBufferContextAndBackend() {
        OpenClTestSupport.requireOpenCl();
        final long[] baseline = ClResources.live();
        final long baselineBytes = ClResources.liveBufferBytes();
        final OpenClBackend cl = OpenClBackend.create(ClDevices.select("auto"));
        final ClBuffer b = cl.allocate(64);
        final ClBuffer kept = cl.allocate(64);
        b.close();
        b.close();                                                   // twice is safe
        assertTrue(b.isClosed());
        rejects(IllegalStateException.class, "device buffer of 256 bytes is closed", b::mem);
        rejects(IllegalStateException.class, "is closed", () -> cl.fillNormal(1, 2, 3, b, 10));
        rejects(IllegalStateException.class, "is closed", () -> cl.read(b, new float[10], 0, 10));
        assertFalse(kept.isClosed());

        final ClContext ctx = cl.context();
        cl.close();
        cl.close();
        assertTrue(ctx.isClosed());
        assertTrue(kept.isClosed(), "closing the backend closes its buffers");
        kept.close();
        rejects(IllegalStateException.class, "OpenCL backend is closed", () -> cl.allocate(10));
        rejects(IllegalStateException.class, "OpenCL backend is closed", () -> cl.fillNormal(1, 2, 3, kept, 0));
        rejects(IllegalStateException.class, "OpenCL backend is closed", () -> cl.read(kept, new int[1], 0, 1));
        rejects(IllegalStateException.class, "OpenCL backend is closed", cl::finish);
        rejects(IllegalStateException.class, "OpenCL backend is closed", () -> cl.fillRoof(kept, 1));
        rejects(IllegalStateException.class, "is closed", ctx::queue);
        rejects(IllegalStateException.class, "is closed", () -> ctx.kernel("noise_normal"));
        rejects(IllegalStateException.class, "is closed", () -> ctx.allocate(16));
        rejects(IllegalStateException.class, "is closed", ctx::finish);
        ctx.close();
        assertArrayEquals(baseline, ClResources.live(), "native objects after closing everything");
        assertEquals(baselineBytes, ClResources.liveBufferBytes(), "device bytes after closing everything");
    }
}
