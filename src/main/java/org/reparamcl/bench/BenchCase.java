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
 */
public record BenchCase(String pass, String backend, Timing timing, boolean roof, long elements, LongSupplier call) {
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
