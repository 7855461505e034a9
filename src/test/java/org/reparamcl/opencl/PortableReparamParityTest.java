package org.reparamcl.opencl;

import org.junit.jupiter.api.BeforeAll;

/** {@link ReparamParityTest} on the program built with -DRP_PORTABLE (see {@link PortableKernelsTest}). */
class PortableReparamParityTest extends ReparamParityTest {
    @BeforeAll
    static void portableKernels() {
        cl = OpenClTestSupport.portableBackend();
    }
}
