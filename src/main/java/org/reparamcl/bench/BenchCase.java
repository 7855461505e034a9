package org.reparamcl.bench;

import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * One thing timed at one size: a pass on a backend, or the roof that moves the same bytes.
 *
 * @param pass     the pass label (see {@link Pass#label()})
 * @param backend  the backend id: {@code cpu-1}, {@code cpu-N} (N threads) or {@code opencl}
 * @param timing   how it is timed
 * @param roof     whether this is the roof (same bytes moved, no generator) rather than the pass
 * @param elements elements produced per call
 * @param call     runs one call; for {@link Timing#KERNEL} returns the device nanoseconds of the
 *                 launch, otherwise its value is ignored
 * @param check    the bit-for-bit check of the outputs of {@code call} against the CPU reference,
 *                 made once after the case is timed; null for a roof (whose values are not the
 *                 pass's)
 */
public record BenchCase(String pass, String backend, Timing timing, boolean roof, long elements, LongSupplier call,
                        OutputCheck check) {
    /** A case whose outputs are not checked (a roof, or a test's stand-in). */
    public BenchCase(String pass, String backend, Timing timing, boolean roof, long elements, LongSupplier call) {
        this(pass, backend, timing, roof, elements, call, null);
    }

    public BenchCase {
        Objects.requireNonNull(pass, "pass");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(timing, "timing");
        Objects.requireNonNull(call, "call");
        if (elements <= 0) {
            throw new IllegalArgumentException("elements must be > 0, got " + elements);
        }
    }

    /** "pass backend timing [roof]", for progress lines and series names. */
    public String key() {
        return pass + " " + backend + " " + timing.label() + (roof ? " roof" : "");
    }
}
