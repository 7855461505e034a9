package org.reparamcl;

import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.Objects;

/**
 * A place where the noise stream (and, later, the reparameterized passes) are computed: the
 * pure-Java CPU reference or an OpenCL device. Every backend produces the same bits for the same
 * call; see {@code docs/NOISE.md}.
 *
 * <p>Indices into the stream ({@code offset}) are unsigned 64-bit: a (seed, stream) pair has 2^64
 * elements, and {@code offset + n} must not pass its end. Implementations are thread-safe.
 * Use after {@link #close()} throws IllegalStateException; closing twice is safe.
 *
 * <p>Every argument is checked before anything is written: a null destination throws
 * NullPointerException, a range outside the destination IndexOutOfBoundsException, a read-only
 * buffer or {@code offset + n} past the end of the stream IllegalArgumentException. {@code n = 0}
 * is a no-op once the arguments are checked. {@link #close()} waits for calls in progress; calls
 * that start after it throw IllegalStateException. See {@code docs/RELIABILITY.md}.
 */
public interface Backend extends AutoCloseable {

    /** Short name: {@code cpu} or {@code opencl}. */
    String name();

    /** One line saying what runs the work (device, threads). */
    String description();

    /** Writes eps {@code offset .. offset+n-1} of (seed, stream) into {@code dst[pos .. pos+n-1]}. */
    void fillNormal(long seed, long stream, long offset, float[] dst, int pos, int n);

    /** Writes eps {@code offset .. offset+dst.length-1} into all of {@code dst}. */
    default void fillNormal(long seed, long stream, long offset, float[] dst) {
        Objects.requireNonNull(dst, "dst array is null");
        fillNormal(seed, stream, offset, dst, 0, dst.length);
    }

    /** Writes eps into {@code dst} from its position to its limit, then advances its position to its limit. */
    void fillNormal(long seed, long stream, long offset, FloatBuffer dst);

    /** Writes words {@code offset .. offset+n-1} of (seed, stream) into {@code dst[pos .. pos+n-1]}. */
    void fillBits(long seed, long stream, long offset, int[] dst, int pos, int n);

    /** Writes words into {@code dst} from its position to its limit, then advances its position to its limit. */
    void fillBits(long seed, long stream, long offset, IntBuffer dst);

    /** Waits for calls in progress, then releases what the backend holds. Idempotent. */
    @Override
    void close();
}
