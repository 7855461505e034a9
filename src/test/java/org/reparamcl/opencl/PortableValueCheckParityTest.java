package org.reparamcl.opencl;

import org.junit.jupiter.api.BeforeAll;

/** {@link ValueCheckParityTest} on the program built with -DRP_PORTABLE (see {@link PortableKernelsTest}). */
class PortableValueCheckParityTest extends ValueCheckParityTest {
    @BeforeAll
    static void portableKernels() {
        cl = OpenClTestSupport.portableBackend();
    }
}
