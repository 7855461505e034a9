package org.reparamcl.benchmarks;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Kernel-only device time from OpenCL profiling events (START to END of each launch), as JMH
 * event counters: kernel nanoseconds per call = {@code kernelNs / launches}. Both counters are
 * aggregated the same way over iterations, so their ratio is the mean kernel time per call.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class KernelCounters {
    public long kernelNs;
    public long launches;

    @Setup(Level.Iteration)
    public void reset() {
        kernelNs = 0;
        launches = 0;
    }

    /** Records one launch of {@code ns} device nanoseconds; returns {@code ns}. */
    long add(long ns) {
        kernelNs += ns;
        launches++;
        return ns;
    }
}
