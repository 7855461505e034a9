package org.reparamcl.cli;

import org.reparamcl.rng.NoiseStream;

/** The (seed, stream, offset, n) options shared by {@code bits} and {@code noise}. */
record NoiseOptions(long seed, long stream, long offset, int n) {
    static NoiseOptions of(Args a) {
        final NoiseOptions o = new NoiseOptions(a.u64("seed"), a.u64("stream", 0), a.u64("offset", 0), a.count("n", 0));
        try {
            NoiseStream.checkRange(o.offset, o.n);
        } catch (IllegalArgumentException e) {
            throw new CliException(a.command() + ": " + e.getMessage());   // as forward and backward word it
        }
        return o;
    }
}
