package org.reparamcl.bench;

import java.util.Arrays;

/**
 * The timings of one case at one size.
 *
 * @param pass         pass label
 * @param backend      backend id
 * @param timing       how it was timed
 * @param roof         whether this is a roof case
 * @param elements     elements per call
 * @param callsPerRep  calls in the repetition that made the fewest (each repetition makes the calls
 *                     planned from the warm-up, and more where they took less than the minimum time)
 * @param nsPerCall    nanoseconds per call, one value per repetition, in the order taken
 */
public record Measurement(String pass, String backend, Timing timing, boolean roof, long elements,
                          int callsPerRep, double[] nsPerCall) {
    public Measurement {
        if (nsPerCall == null || nsPerCall.length == 0) {
            throw new IllegalArgumentException("a measurement needs at least one repetition");
        }
        nsPerCall = nsPerCall.clone();
    }

    /** Median nanoseconds per call over the repetitions. */
    public double medianNs() {
        final double[] s = nsPerCall.clone();
        Arrays.sort(s);
        final int m = s.length / 2;
        return s.length % 2 == 1 ? s[m] : 0.5 * (s[m - 1] + s[m]);
    }

    /** Fastest repetition, nanoseconds per call. */
    public double minNs() {
        double m = Double.POSITIVE_INFINITY;
        for (double v : nsPerCall) {
            m = Math.min(m, v);
        }
        return m;
    }

    /** Elements per second at the median. */
    public double elementsPerSecond() {
        return elements * 1e9 / medianNs();
    }

    /** Nanoseconds per element at the median. */
    public double nsPerElement() {
        return medianNs() / elements;
    }

    /** Whether this measurement is of the same (pass, backend, timing) as {@code o}. */
    public boolean sameSeries(Measurement o) {
        return pass.equals(o.pass) && backend.equals(o.backend) && timing == o.timing;
    }
}
