package org.reparamcl.benchmarks;

import java.util.Arrays;
import java.util.Locale;
import java.util.StringJoiner;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.reparamcl.opencl.ClBuffer;
import org.reparamcl.opencl.OpenClBackend;

/**
 * End-of-trial checks of the benchmarks: the last output, read back whole, must equal the CPU
 * reference bit for bit (the library's contract), so a broken kernel or call fails the run instead
 * of scoring. The outputs are overwritten with {@link #POISON} after setup, so a benchmark that
 * never wrote them fails too. Where the benchmarked backend is the CPU itself, the reference is an
 * independent single-thread computation ({@code CpuBackend.create(1)}, or a fresh call into a new
 * array), which still catches a call that wrote nothing, wrote the wrong part, or was handed the
 * wrong arguments.
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

    /** Overwrites the whole of {@code a} with {@link #POISON}; null is left alone. */
    static void poison(float[] a) {
        if (a != null) {
            Arrays.fill(a, POISON);
        }
    }

    /** The benchmark's name and its parameters, {@code name {key=value, ...}}, for the check's message. */
    static String label(BenchmarkParams params) {
        final StringJoiner j = new StringJoiner(", ", params.getBenchmark() + " {", "}");
        for (String key : params.getParamsKeys()) {
            j.add(key + "=" + params.getParam(key));
        }
        return j.toString();
    }

    /** Throws IllegalStateException naming the first element of {@code b} that differs from {@code want}. */
    static void requireSame(String benchmark, String output, OpenClBackend cl, ClBuffer b, float[] want) {
        final float[] got = new float[want.length];
        cl.read(b, got, 0, want.length);
        requireSame(benchmark, output, got, want, want.length);
    }

    /** Throws IllegalStateException naming the first element of {@code got} that differs from {@code want}. */
    static void requireSame(String benchmark, String output, float[] got, float[] want) {
        requireSame(benchmark, output, got, want, want.length);
    }

    /**
     * Throws IllegalStateException naming the first of the first {@code n} elements of {@code got}
     * that differs from {@code want} (bit for bit).
     */
    static void requireSame(String benchmark, String output, float[] got, float[] want, int n) {
        if (got.length < n || want.length < n) {
            throw new IllegalStateException(String.format(Locale.ROOT, "%s: %s has %d elements, the CPU reference %d,"
                    + " the check needs %d", benchmark, output, got.length, want.length, n));
        }
        for (int i = 0; i < n; i++) {
            if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(want[i])) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "%s: %s[%d] = %s (0x%08x), the CPU reference gives %s (0x%08x)", benchmark, output, i, got[i],
                        Float.floatToRawIntBits(got[i]), want[i], Float.floatToRawIntBits(want[i])));
            }
        }
    }
}
