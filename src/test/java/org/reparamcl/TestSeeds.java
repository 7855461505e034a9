package org.reparamcl;

import java.security.SecureRandom;

/**
 * Seeds of the tests that draw fresh random inputs every run: a new seed each time, printed to the
 * test's output (the surefire report) with the system property that replays it.
 */
public final class TestSeeds {
    private TestSeeds() {
    }

    /** The seed of {@code property} (-Dproperty=SEED replays a run), else a fresh one; printed either way. */
    public static long fresh(String property) {
        final String fixed = System.getProperty(property);
        final long seed = fixed != null ? Long.parseLong(fixed.trim()) : new SecureRandom().nextLong();
        System.out.println(property + ": inputs from seed " + seed + " (replay: -D" + property + "=" + seed + ")");
        return seed;
    }
}
