package org.reparamcl.opencl;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts of the native OpenCL objects this library holds right now (created and not yet
 * released), so that tests and users can check that nothing leaks.
 */
public final class ClResources {
    static final AtomicLong CONTEXTS = new AtomicLong();
    static final AtomicLong QUEUES = new AtomicLong();
    static final AtomicLong PROGRAMS = new AtomicLong();
    static final AtomicLong KERNELS = new AtomicLong();
    static final AtomicLong BUFFERS = new AtomicLong();
    private static final AtomicLong BUFFER_BYTES = new AtomicLong();
    private static final AtomicLong PEAK_BUFFER_BYTES = new AtomicLong();
    private static final AtomicLong ALLOCATED_BUFFER_BYTES = new AtomicLong();

    private ClResources() {
    }

    /** Live contexts, queues, programs, kernels and buffers, in that order. */
    public static long[] live() {
        return new long[] {CONTEXTS.get(), QUEUES.get(), PROGRAMS.get(), KERNELS.get(), BUFFERS.get()};
    }

    /** The sum of all live native objects. */
    public static long liveTotal() {
        long s = 0;
        for (long v : live()) {
            s += v;
        }
        return s;
    }

    /** Bytes of device memory held by live buffers. */
    public static long liveBufferBytes() {
        return BUFFER_BYTES.get();
    }

    /** The most bytes of device memory live buffers held at any one time since the process started. */
    public static long peakBufferBytes() {
        return PEAK_BUFFER_BYTES.get();
    }

    /**
     * Bytes of device memory allocated since the process started, released or not: a call that
     * leaves it unchanged allocated nothing (steady state, or a request rejected before any work).
     */
    public static long allocatedBufferBytes() {
        return ALLOCATED_BUFFER_BYTES.get();
    }

    static void addBuffer(long bytes) {
        BUFFERS.incrementAndGet();
        ALLOCATED_BUFFER_BYTES.addAndGet(bytes);
        final long live = BUFFER_BYTES.addAndGet(bytes);
        PEAK_BUFFER_BYTES.accumulateAndGet(live, Math::max);
    }

    static void removeBuffer(long bytes) {
        BUFFERS.decrementAndGet();
        BUFFER_BYTES.addAndGet(-bytes);
    }
}
