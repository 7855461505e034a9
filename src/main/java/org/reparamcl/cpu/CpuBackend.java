package org.reparamcl.cpu;

import java.nio.Buffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.reparamcl.Backend;
import org.reparamcl.ReparamSpec;
import org.reparamcl.rng.NoiseStream;

/**
 * The pure-Java CPU reference. Work is split into contiguous ranges across a fixed pool of
 * threads; every element is a pure function of its index, so the bits never depend on the
 * thread count or the split.
 *
 * <p>Thread-safe: calls run concurrently. {@link #close()} waits for calls in progress (each
 * holds a read lock, close the write lock), then stops the pool; later calls throw
 * IllegalStateException.
 */
public final class CpuBackend implements Backend {
    /** Below this many elements a call runs on the calling thread (threading costs more than it saves). */
    static final int MIN_PARALLEL = 1 << 15;
    /** Elements per staging chunk for direct buffers. */
    static final int STAGING = 1 << 14;
    /** Ranges per thread of a parallel call: enough that threads that fall behind get fewer. */
    static final int RANGES_PER_THREAD = 8;

    private static final AtomicInteger POOLS = new AtomicInteger();

    private final int threads;
    private final ExecutorService pool;
    private final ReentrantReadWriteLock inFlight = new ReentrantReadWriteLock();
    private volatile boolean closed;

    private CpuBackend(int threads) {
        this.threads = threads;
        final int id = POOLS.incrementAndGet();
        final AtomicInteger n = new AtomicInteger();
        this.pool = threads == 1 ? null : Executors.newFixedThreadPool(threads, r -> {
            final Thread t = new Thread(r, "reparam-cpu-" + id + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** A CPU reference with {@code threads} worker threads (1 runs everything on the caller). */
    public static CpuBackend create(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        return new CpuBackend(threads);
    }

    /** Number of worker threads. */
    public int threads() {
        return threads;
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String description() {
        return "CPU reference, " + threads + (threads == 1 ? " thread" : " threads");
    }

    @Override
    public void fillNormal(long seed, long stream, long offset, float[] dst, int pos, int n) {
        checkCall(offset, dst == null ? -1 : dst.length, pos, n);
        parallel(n, (from, to) -> NoiseStream.fillNormal(seed, stream, offset + from, dst, pos + from, to - from));
    }

    @Override
    public void fillNormal(long seed, long stream, long offset, FloatBuffer dst) {
        checkWritable(dst);
        final int n = dst.remaining();
        checkCall(offset, n, 0, n);
        if (dst.hasArray()) {
            fillNormal(seed, stream, offset, dst.array(), dst.arrayOffset() + dst.position(), n);
        } else {
            final int base = dst.position();
            parallel(n, (from, to) -> {
                final float[] staging = new float[Math.min(STAGING, to - from)];
                for (int i = from; i < to; i += staging.length) {
                    final int m = Math.min(staging.length, to - i);
                    NoiseStream.fillNormal(seed, stream, offset + i, staging, 0, m);
                    dst.put(base + i, staging, 0, m);
                }
            });
        }
        dst.position(dst.limit());
    }

    @Override
    public void fillBits(long seed, long stream, long offset, int[] dst, int pos, int n) {
        checkCall(offset, dst == null ? -1 : dst.length, pos, n);
        parallel(n, (from, to) -> NoiseStream.fillBits(seed, stream, offset + from, dst, pos + from, to - from));
    }

    @Override
    public void fillBits(long seed, long stream, long offset, IntBuffer dst) {
        checkWritable(dst);
        final int n = dst.remaining();
        checkCall(offset, n, 0, n);
        if (dst.hasArray()) {
            fillBits(seed, stream, offset, dst.array(), dst.arrayOffset() + dst.position(), n);
        } else {
            final int base = dst.position();
            parallel(n, (from, to) -> {
                final int[] staging = new int[Math.min(STAGING, to - from)];
                for (int i = from; i < to; i += staging.length) {
                    final int m = Math.min(staging.length, to - i);
                    NoiseStream.fillBits(seed, stream, offset + i, staging, 0, m);
                    dst.put(base + i, staging, 0, m);
                }
            });
        }
        dst.position(dst.limit());
    }

    /** A range task [from, to) of a call. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int from, int to);
    }

    /**
     * Runs {@code task} over [0, n) split into contiguous ranges, which the calling thread and the
     * pool's threads take in turn until none is left, and waits. Exceptions from a range are
     * rethrown on the caller. {@link #close()} waits for it.
     */
    public void parallel(int n, RangeTask task) {
        parallel(n, n, task);
    }

    /**
     * {@link #parallel(int, RangeTask)} where the whole call does about {@code work} element
     * operations (more than n when each index carries a loop), which decides whether to use threads.
     */
    public void parallel(int n, long work, RangeTask task) {
        call(() -> run(n, work, task));
    }

    /**
     * Runs {@code body} as one call: under the read lock that {@link #close()} waits for, after
     * one check that the backend is open. A call already in progress on this thread (a pass made of
     * several parallel phases, a head's step) is not checked again: close waits for it to finish
     * rather than failing it half-way.
     */
    void call(Runnable body) {
        final ReentrantReadWriteLock.ReadLock call = inFlight.readLock();
        call.lock();
        try {
            if (inFlight.getReadHoldCount() == 1) {
                ensureOpen();
            }
            body.run();
        } finally {
            call.unlock();
        }
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return closed;
    }

    private void run(int n, long work, RangeTask task) {
        if (pool == null || work < MIN_PARALLEL || n < 2) {
            if (n > 0) {
                task.run(0, n);
            }
            return;
        }
        final int parts = threads;
        final List<Future<?>> futures = new ArrayList<>(parts - 1);
        // RANGES_PER_THREAD ranges per thread, taken from a shared counter: a thread that gets less
        // of a core (other load, late start) takes fewer. Sizes above 4 are multiples of 4, which
        // keeps whole Philox blocks in one range.
        final int ranges = (int) Math.min(n, (long) parts * RANGES_PER_THREAD);
        final int size = roundUpTo4IfAbove4((int) (((long) n + ranges - 1) / ranges));
        final int count = (int) (((long) n + size - 1) / size);
        final AtomicInteger next = new AtomicInteger();
        final Runnable drain = () -> {
            for (int r = next.getAndIncrement(); r < count; r = next.getAndIncrement()) {
                final int from = r * size;
                task.run(from, (int) Math.min(n, (long) from + size));
            }
        };
        for (int p = 1; p < parts; p++) {
            futures.add(pool.submit(drain));
        }
        Throwable failure = null;
        try {
            drain.run();
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        // Every part is waited for, even when this thread is interrupted: the call returns (or
        // throws) only once no worker writes into the caller's arrays any more, and close(), which
        // waits for the read lock, never overtakes a worker. An interrupt does not stop the call
        // (as on OpenCL, whose waits ignore it); its flag is restored for the caller to see.
        boolean interrupted = false;
        for (Future<?> f : futures) {
            while (true) {
                try {
                    f.get();
                    break;
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause();
                    }
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        if (failure instanceof Error er) {
            throw er;
        }
        if (failure != null) {
            throw new IllegalStateException("CPU task failed", failure);
        }
    }

    @Override
    public void reparamForward(ReparamSpec spec, float[] mu, float[] rho, float[] z, float[] eps, float[] kl,
                               float[] logProb) {
        call(() -> CpuReparam.forward(this, spec, mu, rho, z, eps, kl, logProb));   // one call across the pass's phases
    }

    @Override
    public void reparamBackward(ReparamSpec spec, float[] mu, float[] rho, float[] eps, float[] gradZ, float[] gradKl,
                                float[] gradLogProb, float[] gradMu, float[] gradRho, boolean accumulate) {
        call(() -> CpuReparam.backward(this, spec, mu, rho, eps, gradZ, gradKl, gradLogProb, gradMu, gradRho, accumulate));
    }

    private static void checkWritable(Buffer dst) {
        if (dst == null) {
            throw new NullPointerException("dst buffer is null");
        }
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("dst buffer is read-only");
        }
    }

    private static int roundUpTo4IfAbove4(int size) {
        return size > 4 ? (int) Math.min(Integer.MAX_VALUE & ~3, ((long) size + 3) & ~3L) : size;
    }

    private void checkCall(long offset, int length, int pos, int n) {
        ensureOpen();
        if (length < 0) {
            throw new NullPointerException("dst array is null");
        }
        if (n < 0 || pos < 0 || pos > length - n) {
            throw new IndexOutOfBoundsException("range [" + pos + ", " + pos + " + " + n + ") is outside dst of length " + length);
        }
        NoiseStream.checkRange(offset, n);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("CPU backend is closed");
        }
    }

    /** Rejects calls that have not started, waits for those in progress, stops the pool. Idempotent. */
    @Override
    public void close() {
        closed = true;                            // calls not yet holding the read lock now throw
        final Lock all = inFlight.writeLock();
        all.lock();
        try {
            if (pool != null) {
                pool.shutdown();
            }
        } finally {
            all.unlock();
        }
    }
}
