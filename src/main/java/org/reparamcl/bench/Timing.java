package org.reparamcl.bench;

/** How a point is timed. */
public enum Timing {
    /** Device time of the kernel launch alone, from OpenCL profiling events (START to END). */
    KERNEL("kernel"),
    /**
     * Wall-clock time of launch plus wait on device-resident buffers (what a loop that keeps its
     * tensors on the device sees per call); taken from the same calls as {@link #KERNEL}.
     */
    DEVICE("device"),
    /** Wall-clock time of the whole call with host arrays in and out. */
    END_TO_END("end-to-end");

    private final String label;

    Timing(String label) {
        this.label = label;
    }

    /** The name used in tables and JSON. */
    public String label() {
        return label;
    }
}
