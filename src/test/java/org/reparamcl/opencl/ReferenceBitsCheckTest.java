package org.reparamcl.opencl;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * OpenClBackend.create runs a known-answer check (a noise fill and a softplus backward pass with
 * KL and log q gradients, on device buffers) and refuses a device whose bits differ from the CPU
 * reference. On PoCL the check passes; with one bit of the reference flipped (of eps, dL/dmu or
 * dL/drho) it names the element and both values, so a device that differed would be refused with
 * that message.
 */
class ReferenceBitsCheckTest {
    @Test
    void theKnownAnswerCheckPassesHereAndSeesASingleBit() {
        OpenClTestSupport.requireOpenCl();
        try (OpenClBackend b = OpenClBackend.create(ClDevices.select("auto"))) {   // create ran the check
            assertNull(b.referenceBitsMismatch(0));
            final String bad = b.referenceBitsMismatch(OpenClBackend.TAMPER_EPS);
            assertNotNull(bad, "a flipped bit of the reference went unnoticed");
            assertTrue(bad.startsWith("eps[166] = ") && bad.contains("the CPU reference gives"), bad);
            // each part of the check compares its own output: a flipped bit of either gradient is seen too
            final String mu = b.referenceBitsMismatch(OpenClBackend.TAMPER_GRAD_MU);
            assertNotNull(mu, "a flipped bit of the dL/dmu reference went unnoticed");
            assertTrue(mu.startsWith("dL/dmu[133] = ") && mu.contains("the CPU reference gives"), mu);
            final String rho = b.referenceBitsMismatch(OpenClBackend.TAMPER_GRAD_RHO);
            assertNotNull(rho, "a flipped bit of the dL/drho reference went unnoticed");
            assertTrue(rho.startsWith("dL/drho[133] = ") && rho.contains("the CPU reference gives"), rho);
        }
    }
}
