package org.reparamcl.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.api.Test;
import org.reparamcl.rng.NoiseStream;

class CpuBackendTest {
    /** Every index of [0, n) runs exactly once, in ranges whose sizes above 4 are multiples of 4. */
    @Test
    void parallelCoversEachIndexOnce() {
        try (CpuBackend cpu = CpuBackend.create(3)) {
            for (int n : new int[] {0, 1, 2, 5, 17, CpuBackend.MIN_PARALLEL - 1, CpuBackend.MIN_PARALLEL,
                                    CpuBackend.MIN_PARALLEL + 3, 1_000_003}) {
                final AtomicIntegerArray hits = new AtomicIntegerArray(n);
                cpu.parallel(n, (from, to) -> {
                    assertTrue(0 <= from && from < to && to <= n, "range [" + from + ", " + to + ") of " + n);
                    assertTrue(to == n || (to - from) <= 4 || (to - from) % 4 == 0, "range size " + (to - from));
                    for (int i = from; i < to; i++) {
                        hits.incrementAndGet(i);
                    }
                });
                for (int i = 0; i < n; i++) {
                    assertEquals(1, hits.get(i), "index " + i + " of " + n);
                }
            }
        }
    }

    @Test
    void parallelRethrowsATaskFailureOnTheCaller() {
        try (CpuBackend cpu = CpuBackend.create(2)) {
            final IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> cpu.parallel(1 << 20, (from, to) -> {
                        if (to == 1 << 20) {
                            throw new IllegalStateException("last range");
                        }
                    }));
            assertEquals("last range", e.getMessage());
        }
    }

    /**
     * A caller whose interrupt flag is set still waits for every worker: the call returns only
     * after the last range is written (a worker still writing after the return, or after close,
     * is what this guards against), and the flag stays set for the caller to see.
     */
    @Test
    void anInterruptedCallWaitsForEveryWorkerAndKeepsItsFlag() {
        try (CpuBackend cpu = CpuBackend.create(2)) {
            final Thread caller = Thread.currentThread();
            final int n = 4 * CpuBackend.MIN_PARALLEL;
            final AtomicIntegerArray hits = new AtomicIntegerArray(n);
            final AtomicBoolean workerStarted = new AtomicBoolean();
            final int[] missing = {-1};
            boolean flagAfter;
            caller.interrupt();
            try {
                cpu.parallel(n, (from, to) -> {
                    if (Thread.currentThread() != caller) {
                        workerStarted.set(true);
                        try {
                            Thread.sleep(300);                     // the worker finishes well after the caller
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    } else {
                        final long deadline = System.nanoTime() + 10_000_000_000L;
                        while (!workerStarted.get() && System.nanoTime() < deadline) {
                            Thread.onSpinWait();                   // until a worker holds a range
                        }
                    }
                    for (int i = from; i < to; i++) {
                        hits.incrementAndGet(i);
                    }
                });
                int unwritten = 0;
                for (int i = 0; i < n; i++) {
                    unwritten += hits.get(i) == 0 ? 1 : 0;
                }
                missing[0] = unwritten;
            } finally {
                flagAfter = Thread.interrupted();
            }
            assertTrue(workerStarted.get(), "no pool worker took a range");
            assertEquals(0, missing[0], "indices not yet written when the call returned");
            assertTrue(flagAfter, "the interrupt flag was cleared");
            for (int i = 0; i < n; i++) {
                assertEquals(1, hits.get(i), "index " + i);
            }
        }
    }

    /** The same bits as the single-threaded reference whatever the thread count. */
    @Test
    void fillsAreIndependentOfTheThreadCount() {
        final SplittableRandom rnd = new SplittableRandom(99);
        for (int t = 0; t < 6; t++) {
            final long seed = rnd.nextLong();
            final long offset = rnd.nextLong() >>> 1;
            final int n = CpuBackend.MIN_PARALLEL + rnd.nextInt(1 << 18);
            final float[] ref = new float[n];
            final int[] refBits = new int[n];
            NoiseStream.fillNormal(seed, 7, offset, ref, 0, n);
            NoiseStream.fillBits(seed, 7, offset, refBits, 0, n);
            for (int threads = 1; threads <= 3; threads++) {
                try (CpuBackend cpu = CpuBackend.create(threads)) {
                    final float[] got = new float[n + 1];
                    final int[] gotBits = new int[n + 1];
                    cpu.fillNormal(seed, 7, offset, got, 1, n);
                    cpu.fillBits(seed, 7, offset, gotBits, 1, n);
                    for (int i = 0; i < n; i++) {
                        if (Float.floatToRawIntBits(ref[i]) != Float.floatToRawIntBits(got[i + 1])) {
                            assertEquals(ref[i], got[i + 1], "eps " + i + " of " + n + ", " + threads + " threads");
                        }
                    }
                    assertArrayEquals(refBits, java.util.Arrays.copyOfRange(gotBits, 1, n + 1), threads + " threads");
                }
            }
        }
    }
}
