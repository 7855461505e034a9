package org.reparamcl.opencl;

import java.util.concurrent.locks.ReentrantLock;

import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.cl_mem;

/**
 * A device buffer owned by a {@link ClContext}. Closing it releases the memory; closing the
 * context closes it too. Use after close throws IllegalStateException; closing twice is safe.
 */
public final class ClBuffer implements AutoCloseable {
    private final ClContext owner;
    private final cl_mem mem;
    /** The handle as a kernel argument, made once: setting an argument then allocates nothing. */
    private final Pointer argument;
    private final long bytes;
    /** Whether this is a region of another buffer ({@link ClContext#slices}): it holds no memory of its own. */
    private final boolean slice;
    private volatile boolean closed;

    ClBuffer(ClContext owner, cl_mem mem, long bytes) {
        this(owner, mem, bytes, false);
    }

    ClBuffer(ClContext owner, cl_mem mem, long bytes, boolean slice) {
        this.owner = owner;
        this.mem = mem;
        this.argument = Pointer.to(mem);
        this.bytes = bytes;
        this.slice = slice;
    }

    /** Size in bytes. */
    public long bytes() {
        return bytes;
    }

    /** Capacity in 32-bit elements. */
    public long capacity32() {
        return bytes / 4;
    }

    /** The context that owns this buffer. */
    public ClContext owner() {
        return owner;
    }

    /** The native handle; IllegalStateException once closed. */
    public cl_mem mem() {
        if (closed) {
            throw new IllegalStateException("device buffer of " + bytes + " bytes is closed");
        }
        return mem;
    }

    /** The handle as a {@code clSetKernelArg} value (size {@code Sizeof.cl_mem}); IllegalStateException once closed. */
    Pointer argument() {
        mem();
        return argument;
    }

    /** Whether this buffer has been closed. */
    public boolean isClosed() {
        return closed;
    }

    /** Releases the memory; waits for a call in progress on the owner ({@link ClContext#callLock()}). */
    @Override
    public void close() {
        final ReentrantLock calls = owner.callLock();
        calls.lock();
        try {
            synchronized (owner) {
                if (!closed) {
                    release();
                    owner.forget(this);
                }
            }
        } finally {
            calls.unlock();
        }
    }

    void release() {
        if (!closed) {
            closed = true;
            CL.clReleaseMemObject(mem);
            ClResources.removeBuffer(slice ? 0 : bytes);
        }
    }
}
