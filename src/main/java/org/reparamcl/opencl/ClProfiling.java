package org.reparamcl.opencl;

import static org.jocl.CL.CL_PROFILING_COMMAND_END;
import static org.jocl.CL.CL_PROFILING_COMMAND_START;

import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_event;

/**
 * Device time of one enqueued command from its profiling event (the library's queues are created
 * with CL_QUEUE_PROFILING_ENABLE). For benchmarks: the timed path allocates an event per call;
 * the ordinary enqueue path passes no event and allocates nothing.
 */
public final class ClProfiling {
    private ClProfiling() {
    }

    /** The summed {@link #elapsedNanos(cl_event)} of {@code events}; every event is released. */
    public static long elapsedNanos(java.util.List<cl_event> events) {
        long total = 0;
        RuntimeException failure = null;
        for (cl_event e : events) {
            try {
                total += elapsedNanos(e);
            } catch (RuntimeException ex) {
                if (failure == null) {
                    failure = ex;
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        return total;
    }

    /**
     * Waits for {@code event}, returns CL_PROFILING_COMMAND_END minus CL_PROFILING_COMMAND_START
     * in nanoseconds, and releases the event.
     */
    public static long elapsedNanos(cl_event event) {
        if (event == null) {
            throw new NullPointerException("event is null");
        }
        try {
            CL.clWaitForEvents(1, new cl_event[] {event});
            final long[] start = new long[1];
            final long[] end = new long[1];
            CL.clGetEventProfilingInfo(event, CL_PROFILING_COMMAND_START, Sizeof.cl_ulong, Pointer.to(start), null);
            CL.clGetEventProfilingInfo(event, CL_PROFILING_COMMAND_END, Sizeof.cl_ulong, Pointer.to(end), null);
            return end[0] - start[0];
        } finally {
            CL.clReleaseEvent(event);
        }
    }
}
