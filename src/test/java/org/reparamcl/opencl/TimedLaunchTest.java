package org.reparamcl.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.reparamcl.NoiseMode;
import org.reparamcl.ReparamSpec;
import org.reparamcl.rng.NoiseStream;

/** The timed launches write what the untimed ones write and report a positive device time. */
class TimedLaunchTest {
    @Test
    void timedNoiseFillMatchesTheReferenceAndReportsDeviceTime() {
        final OpenClBackend cl = OpenClTestSupport.backend();
        final int n = 1001;
        try (ClBuffer b = cl.allocate(n)) {
            final long ns = cl.fillNormalTimed(7, 3, 5, b, n);
            assertTrue(ns > 0, "device time " + ns);
            final float[] got = new float[n];
            cl.read(b, got, 0, n);
            final float[] want = new float[n];
            NoiseStream.fillNormal(7, 3, 5, want, 0, n);
            assertArrayEquals(want, got);
            assertTrue(cl.fillRoofTimed(b, n) > 0);
            assertEquals(0, cl.fillNormalTimed(7, 3, 5, b, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> cl.fillNormalTimed(7, 3, 5, b, n + 1));
        }
    }

    @Test
    void kernelNanosTimesEveryLaunchOfAPassAndOnlyWhileAsked() {
        final OpenClBackend cl = OpenClTestSupport.backend();
        final int np = 300;
        final int k = 3;
        final ReparamSpec spec = ReparamSpec.builder().shape(k, 3, 100).seed(11).noiseMode(NoiseMode.RECOMPUTE)
                .checkValues(false).build();
        final float[] mu = new float[np];
        final float[] rho = new float[np];
        java.util.Arrays.fill(rho, 1f);
        try (ClBuffer m = cl.allocate(np); ClBuffer r = cl.allocate(np); ClBuffer z = cl.allocate(k * np);
             ClBuffer noise = cl.allocate(k * np)) {
            cl.write(m, mu, 0, np);
            cl.write(r, rho, 0, np);
            final long ns = cl.kernelNanos(() -> {
                cl.reparamForward(spec, m, r, z, null);
                cl.fillNormal(11, 0, 0, noise, k * np);
            });
            assertTrue(ns > 0, "device time " + ns);
            assertNull(cl.context().launchEvent(), "no event outside kernelNanos");
            final float[] got = new float[k * np];
            cl.read(noise, got, 0, k * np);
            final float[] want = new float[k * np];
            NoiseStream.fillNormal(11, 0, 0, want, 0, k * np);
            assertArrayEquals(want, got, "the timed launches did their work");
            cl.read(z, got, 0, k * np);
            assertArrayEquals(want, got, "z = 0 + 1 * eps");
            assertThrows(IllegalStateException.class, () -> cl.kernelNanos(() -> cl.kernelNanos(() -> { })));
            assertNull(cl.context().launchEvent(), "timing ends after a failure too");
        }
    }
}
