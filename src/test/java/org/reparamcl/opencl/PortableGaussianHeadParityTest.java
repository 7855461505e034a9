package org.reparamcl.opencl;

import org.junit.jupiter.api.BeforeAll;

/** {@link GaussianHeadParityTest} on the program built with -DRP_PORTABLE (see {@link PortableKernelsTest}). */
class PortableGaussianHeadParityTest extends GaussianHeadParityTest {
    @BeforeAll
    static void portableKernels() {
        cl = OpenClTestSupport.portableBackend();
    }
}
