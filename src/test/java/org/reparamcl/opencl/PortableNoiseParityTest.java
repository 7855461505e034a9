package org.reparamcl.opencl;

import org.junit.jupiter.api.BeforeAll;

/** {@link NoiseParityTest} on the program built with -DRP_PORTABLE (see {@link PortableKernelsTest}). */
class PortableNoiseParityTest extends NoiseParityTest {
    @BeforeAll
    static void portableKernels() {
        cl = OpenClTestSupport.portableBackend();
    }
}
