package org.reparamcl.benchmarks;

import java.util.Arrays;
import java.util.Locale;

import org.reparamcl.opencl.ClBuffer;
import org.reparamcl.opencl.OpenClBackend;

/**
 * End-of-trial checks of the device benchmarks: the last output, read back whole, must equal the
 * CPU reference bit for bit (the library's contract), so a broken kernel fails the run instead of
 * scoring. The outputs are overwritten with {@link #POISON} after setup, so a benchmark that never
 * wrote them fails too.
 */
final class ReferenceCheck {
    /** A quiet NaN with a payload no pass writes. */
    static final float POISON = Float.intBitsToFloat(0x7FC5A5A5);

    private ReferenceCheck() {
    }

    /** Overwrites the first {@code n} elements of {@code b} with {@link #POISON}. */
    static void poison(OpenClBackend cl, ClBuffer b, int n) {
        final float[] p = new float[n];
        Arrays.fill(p, POISON);
        cl.write(b, p, 0, n);
    }

    /** Throws IllegalStateException naming the first element of {@code b} that differs from {@code want}. */
    static void requireSame(String benchmark, String output, OpenClBackend cl, ClBuffer b, float[] want) {
        final float[] got = new float[want.length];
        cl.read(b, got, 0, want.length);
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(want[i])) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "%s: %s[%d] = %s (0x%08x), the CPU reference gives %s (0x%08x)", benchmark, output, i, got[i],
                        Float.floatToRawIntBits(got[i]), want[i], Float.floatToRawIntBits(want[i])));
            }
        }
    }
}
