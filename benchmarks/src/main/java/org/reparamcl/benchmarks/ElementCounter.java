package org.reparamcl.benchmarks;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Elements produced, as a JMH operations counter: in throughput mode JMH reports it as
 * elements per second next to the calls per second of the primary score.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class ElementCounter {
    public long elements;

    @Setup(Level.Iteration)
    public void reset() {
        elements = 0;
    }
}
