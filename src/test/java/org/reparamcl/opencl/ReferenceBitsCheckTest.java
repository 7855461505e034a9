package org.reparamcl.opencl;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * OpenClBackend.create runs a known-answer check (a noise fill and a softplus backward pass with
 * KL and log q gradients, on device buffers) and refuses a device whose bits differ from the CPU
 * reference. On PoCL the check passes; with one bit of the reference flipped it names the element
 * and both values, so a device that differed would be refused with that message.
 */
class ReferenceBitsCheckTest {
    @Test
    void theKnownAnswerCheckPassesHereAndSeesASingleBit() {
        OpenClTestSupport.requireOpenCl();
        try (OpenClBackend b = OpenClBackend.create(ClDevices.select("auto"))) {   // create ran the check
            assertNull(b.referenceBitsMismatch(false));
            final String bad = b.referenceBitsMismatch(true);
            assertNotNull(bad, "a flipped bit of the reference went unnoticed");
            assertTrue(bad.startsWith("eps[166] = ") && bad.contains("the CPU reference gives"), bad);
        }
    }
}
