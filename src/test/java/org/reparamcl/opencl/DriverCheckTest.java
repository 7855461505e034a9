package org.reparamcl.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.reparamcl.TestSeeds;

/** The driver check (DriverCheck) on the test device, and that it can fail. */
class DriverCheckTest {
    @Test
    void theNoiseKernelsAloneMatchTheCpuReference() {
        final ClDeviceInfo device = OpenClTestSupport.backend().context().device();
        final long seed = TestSeeds.fresh("reparam.driverCheckSeed");
        assertEquals(List.of(), DriverCheck.noiseMismatches(device, ClContext.BUILD_OPTIONS, seed, 6));
    }

    /** One reference bit flipped (the last word of a case) is reported for every kernel. */
    @Test
    void oneDifferentBitIsReported() {
        final ClDeviceInfo device = OpenClTestSupport.backend().context().device();
        final List<String> bad = DriverCheck.noiseMismatches(device, ClContext.BUILD_OPTIONS, 1, 1, Integer.MAX_VALUE);
        assertEquals(4, bad.size(), String.join("\n", bad));
        assertTrue(bad.get(0).startsWith("noise_bits, seed "), bad.get(0));
        assertTrue(bad.get(0).contains(": 1 of "), bad.get(0));
    }

    @Test
    void theHeadProductsAloneMatchAffineProduct() {
        final ClDeviceInfo device = OpenClTestSupport.backend().context().device();
        final long seed = TestSeeds.fresh("reparam.driverCheckSeed");
        assertEquals(List.of(), DriverCheck.headMismatches(device, ClContext.BUILD_OPTIONS, seed, 12, -1, ClAffineProduct.Variant.values()));
    }

    /** TILED with 4 x 4 work-groups (what DriverCheck runs where 16 x 16 groups are too large): the same bits. */
    @Test
    void theTiledProductWithSmallGroupsMatchesAffineProduct() {
        final ClDeviceInfo device = OpenClTestSupport.backend().context().device();
        final long seed = TestSeeds.fresh("reparam.driverCheckSeed");
        assertEquals(List.of(), DriverCheck.headMismatches(device, ClContext.BUILD_OPTIONS + " " + DriverCheck.SMALL_GROUPS,
                seed, 12, -1, ClAffineProduct.Variant.TILED));
    }

    @Test
    void theParameterTransformsAloneMatchTheCpuReference() {
        final ClDeviceInfo device = OpenClTestSupport.backend().context().device();
        final long seed = TestSeeds.fresh("reparam.driverCheckSeed");
        assertEquals(List.of(), DriverCheck.transformMismatches(device, ClContext.BUILD_OPTIONS, seed, 3, -1));
    }

    /** One expected sigma bit and one dsigma bit flipped in every case are reported for every case of every parameterization, and nothing else. */
    @Test
    void oneDifferentSigmaBitIsReported() {
        final ClDeviceInfo device = OpenClTestSupport.backend().context().device();
        final List<String> bad = DriverCheck.transformMismatches(device, ClContext.BUILD_OPTIONS, 1, 2, 0);
        assertEquals(2 * 4 * 2, bad.size(), String.join("\n", bad));
        assertTrue(bad.stream().allMatch(line -> (line.startsWith("reparam_tile sigma, ")
                || line.startsWith("reparam_transform_values dsigma/drho, ")) && line.contains(": 1 of ")), String.join("\n", bad));
    }

    /** The edit leaves the named kernels and turns the others into static functions. */
    @Test
    void onlyKernelsKeepsTheNamedKernels() {
        final String text = "__kernel void a(int x) { }\n__kernel void b(int y) { }\n__kernel void ab(int z) { }\n";
        assertEquals("static void a(int x) { }\n__kernel void b(int y) { }\nstatic void ab(int z) { }\n",
                DriverCheck.onlyKernels("b").apply(text));
        final String reparam = DriverCheck.onlyKernels("reparam_tile").apply(ClContext.loadSource("reparam.cl"));
        assertEquals(1, reparam.split("__kernel ", -1).length - 1);
        assertTrue(reparam.contains("__kernel void reparam_tile("));
    }

    /** One expected bit flipped in every product is reported for every product of both variants. */
    @Test
    void oneDifferentHeadBitIsReported() {
        final ClDeviceInfo device = OpenClTestSupport.backend().context().device();
        final List<String> bad = DriverCheck.headMismatches(device, ClContext.BUILD_OPTIONS, 1, 2, 5, ClAffineProduct.Variant.values());
        assertEquals(2 * (2 + 3), bad.size(), String.join("\n", bad));
        assertTrue(bad.get(0).startsWith("head TILED, m="), bad.get(0));
    }
}
