package org.reparamcl.benchmarks;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Kernel-only device time from OpenCL profiling events (START to END of each kernel launch of a
 * call, summed), as JMH event counters: kernel nanoseconds per call = {@code kernelNs / calls}.
 * Both counters are summed over the iterations, so their ratio is the mean kernel time per call.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class KernelCounters {
    public long kernelNs;
    public long calls;

    @Setup(Level.Iteration)
    public void reset() {
        kernelNs = 0;
        calls = 0;
    }

    /** Records one call of {@code ns} kernel nanoseconds; returns {@code ns}. */
    long add(long ns) {
        kernelNs += ns;
        calls++;
        return ns;
    }
}
