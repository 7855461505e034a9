package org.reparamcl.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.reparamcl.TestSeeds;

/** The driver check of the noise kernels (NoiseKernelsCheck) on the test device, and that it can fail. */
class NoiseKernelsCheckTest {
    @Test
    void theNoiseKernelsAloneMatchTheCpuReference() {
        final ClDeviceInfo device = OpenClTestSupport.backend().context().device();
        final long seed = TestSeeds.fresh("reparam.noiseKernelsCheckSeed");
        assertEquals(List.of(), NoiseKernelsCheck.mismatches(device, ClContext.BUILD_OPTIONS, seed, 6));
    }

    /** One reference bit flipped (the last word of a case) is reported for every kernel. */
    @Test
    void oneDifferentBitIsReported() {
        final ClDeviceInfo device = OpenClTestSupport.backend().context().device();
        final List<String> bad = NoiseKernelsCheck.mismatches(device, ClContext.BUILD_OPTIONS, 1, 1, Integer.MAX_VALUE);
        assertEquals(4, bad.size(), String.join("\n", bad));
        assertTrue(bad.get(0).startsWith("noise_bits, seed "), bad.get(0));
        assertTrue(bad.get(0).contains(": 1 of "), bad.get(0));
    }
}
