package org.reparamcl.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
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
}
