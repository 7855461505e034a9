package org.reparamcl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.reparamcl.cpu.CpuBackend;
import org.reparamcl.opencl.ClBuffer;
import org.reparamcl.opencl.ClDevices;
import org.reparamcl.opencl.ClResources;
import org.reparamcl.opencl.OpenClBackend;
import org.reparamcl.opencl.OpenClTestSupport;
import org.reparamcl.rng.NoiseStream;

/**
 * One backend shared by 16 threads: 10^4 mixed calls (normal and bits into host arrays at odd
 * positions, heap and direct NIO buffers and device buffers, and reparameterized forward plus
 * backward passes of random shapes, parameterizations and noise modes; random seeds, streams,
 * offsets up to the end of the stream, lengths from 0 to 70,000) give exactly the results of the
 * same calls run serially, which equal the reference; and closing while calls are in flight
 * neither deadlocks nor corrupts: close waits, later calls throw IllegalStateException.
 */
class BackendConcurrencyTest {
    static final int THREADS = 16;
    static final int CALLS = 10_000;
    static final int MAX_N = 70_000;
    static final int SENTINEL = 0x7FC0DEAD;

    /** Kind of call that runs the reparameterized forward and backward passes on host arrays. */
    static final int REPARAM = 6;
    /** The reference for reparameterized calls (single-threaded, used serially). */
    static final CpuBackend REFERENCE = CpuBackend.create(1);

    /**
     * One call: what to fill (0-5 noise into arrays, buffers, device buffers; 6 a forward and
     * backward pass of at most n elements), from where in which stream, and where in the destination.
     */
    record Call(int kind, long seed, long stream, long offset, int n, int pos, int margin) {
        boolean normal() {
            return kind % 2 == 0;
        }
    }

    static List<Call> calls(long seed, int count, boolean device, int maxN) {
        final SplittableRandom r = new SplittableRandom(seed);
        final List<Call> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(nextCall(r, device, maxN));
        }
        return out;
    }

    /**
     * A random call: 2% empty, 70% up to 600 elements, 27% up to 5,000, 1% from 30,000 (the CPU
     * backend's threaded path); one in ten ends within 8 elements of the end of the stream.
     */
    static Call nextCall(SplittableRandom r, boolean device, int maxN) {
        final int pick = r.nextInt(device ? 7 : 5);
        final int kind = pick == (device ? 6 : 4) ? REPARAM : pick;
        final double u = r.nextDouble();
        int n = u < 0.02 ? 0 : u < 0.72 ? r.nextInt(1, 600) : u < 0.99 ? r.nextInt(600, 5000) : r.nextInt(30_000, MAX_N);
        n = Math.min(n, maxN);
        final long offset = r.nextInt(10) == 0 ? -(long) n - r.nextInt(8) : r.nextLong() >>> r.nextInt(1, 40);
        return new Call(kind, r.nextLong(), r.nextInt(4) == 0 ? r.nextLong() : r.nextInt(4), offset, n,
                r.nextInt(8), r.nextInt(8));
    }

    /**
     * Runs a call and returns a digest of the destination (the filled range and the sentinel
     * margins around it). {@code device} is the calling thread's device buffer, or null.
     */
    static long run(Backend b, Call c, ClBuffer device) {
        final int len = c.pos() + c.n() + c.margin();
        switch (c.kind()) {
            case REPARAM:
                return reparam(b, c);
            case 0: {
                final float[] a = floats(len);
                b.fillNormal(c.seed(), c.stream(), c.offset(), a, c.pos(), c.n());
                return digest(a);
            }
            case 1: {
                final int[] a = ints(len);
                b.fillBits(c.seed(), c.stream(), c.offset(), a, c.pos(), c.n());
                return digest(a);
            }
            case 2: {
                final FloatBuffer d = ByteBuffer.allocateDirect(4 * len).order(ByteOrder.nativeOrder()).asFloatBuffer();
                d.put(floats(len)).position(c.pos()).limit(c.pos() + c.n());
                b.fillNormal(c.seed(), c.stream(), c.offset(), d);
                if (d.position() != c.pos() + c.n()) {
                    return -1;
                }
                final float[] a = new float[len];
                d.clear().get(a);
                return digest(a);
            }
            case 3: {
                final int[] a = ints(len);
                final IntBuffer h = IntBuffer.wrap(a, c.pos(), c.n()).slice();
                b.fillBits(c.seed(), c.stream(), c.offset(), h);
                return h.position() == c.n() ? digest(a) : -1;
            }
            case 4: {
                final OpenClBackend cl = (OpenClBackend) b;
                final float[] a = floats(len);
                cl.fillNormal(c.seed(), c.stream(), c.offset(), device, c.n());
                cl.read(device, a, c.pos(), c.n());
                return digest(a);
            }
            default: {
                final OpenClBackend cl = (OpenClBackend) b;
                final int[] a = ints(len);
                cl.fillBits(c.seed(), c.stream(), c.offset(), device, c.n());
                cl.read(device, a, c.pos(), c.n());
                return digest(a);
            }
        }
    }

    /** The digest the reference (single-threaded NoiseStream) gives for a call. */
    static long reference(Call c) {
        if (c.kind() == REPARAM) {
            return reparam(REFERENCE, c);
        }
        final int len = c.pos() + c.n() + c.margin();
        if (c.normal()) {
            final float[] a = floats(len);
            NoiseStream.fillNormal(c.seed(), c.stream(), c.offset(), a, c.pos(), c.n());
            return digest(a);
        }
        final int[] a = ints(len);
        NoiseStream.fillBits(c.seed(), c.stream(), c.offset(), a, c.pos(), c.n());
        return digest(a);
    }

    /**
     * A forward pass (z, eps in STORE mode or half the time in RECOMPUTE, KL, log q) and a
     * backward pass (KL and log q weights, accumulating or not) of a shape drawn from the call's
     * seed with at most n elements; the digest of every output.
     */
    static long reparam(Backend b, Call c) {
        final SplittableRandom r = new SplittableRandom(c.seed());
        final int k = 1 + r.nextInt(3);
        final int rows = 1 + r.nextInt(8);
        final Parameterization pz = Parameterization.values()[r.nextInt(Parameterization.values().length)];
        final NoiseMode mode = r.nextBoolean() ? NoiseMode.STORE : NoiseMode.RECOMPUTE;
        final ReparamSpec s = ReparamSpec.builder().shape(k, rows, c.n() / (k * rows)).broadcast(r.nextBoolean())
                .parameterization(pz).noiseMode(mode).seed(c.seed()).stream(c.stream()).offset(c.offset()).build();
        final int np = (int) s.paramElements();
        final float[] mu = ReparamCases.uniform(np, 2, r);
        final float[] rho = ReparamCases.rhos(pz, np, r);
        final float[] z = floats((int) s.elements());
        final float[] eps = mode == NoiseMode.STORE || r.nextBoolean() ? floats(z.length) : null;
        final float[] kl = floats((int) s.paramRows());
        final float[] lq = floats((int) s.sampleRows());
        b.reparamForward(s, mu, rho, z, eps, kl, lq);
        final float[] gm = ReparamCases.uniform(np, 1, r);
        final float[] gr = ReparamCases.uniform(np, 1, r);
        b.reparamBackward(s, mu, rho, mode == NoiseMode.STORE ? eps : null, ReparamCases.uniform(z.length, 1, r),
                ReparamCases.uniform(kl.length, 1, r), ReparamCases.uniform(lq.length, 1, r), gm, gr, r.nextBoolean());
        long h = digest(z) * 31 + digest(kl);
        h = h * 31 + digest(lq);
        h = h * 31 + digest(gm);
        h = h * 31 + digest(gr);
        return eps == null ? h : h * 31 + digest(eps);
    }

    static float[] floats(int n) {
        final float[] a = new float[n];
        Arrays.fill(a, Float.intBitsToFloat(SENTINEL));
        return a;
    }

    static int[] ints(int n) {
        final int[] a = new int[n];
        Arrays.fill(a, SENTINEL);
        return a;
    }

    static long digest(float[] a) {
        long h = a.length;
        for (float v : a) {
            h = (h ^ Float.floatToRawIntBits(v)) * 0x9E3779B97F4A7C15L;
        }
        return h;
    }

    static long digest(int[] a) {
        long h = a.length;
        for (int v : a) {
            h = (h ^ v) * 0x9E3779B97F4A7C15L;
        }
        return h;
    }

    static Backend open(String kind) {
        if (kind.equals("cpu")) {
            return CpuBackend.create(2);
        }
        OpenClTestSupport.requireOpenCl();
        return OpenClBackend.create(ClDevices.select(System.getenv().getOrDefault("REPARAM_DEVICE", "auto")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "opencl"})
    void sixteenThreadsGiveTheSerialResults(String kind) {
        assertTimeoutPreemptively(Duration.ofSeconds(180), () -> {
            final Backend b = open(kind);
            final boolean device = b instanceof OpenClBackend;
            final List<Call> calls = calls(0x5EED0000L + kind.hashCode(), CALLS, device, MAX_N);
            final long[] serial = new long[CALLS];
            final long[] concurrent = new long[CALLS];
            final long[] reference = new long[CALLS];
            final List<ClBuffer> buffers = new ArrayList<>();
            try {
                final ClBuffer serialBuffer = device ? ((OpenClBackend) b).allocate(MAX_N) : null;
                for (int i = 0; i < CALLS; i++) {
                    serial[i] = run(b, calls.get(i), serialBuffer);
                    reference[i] = reference(calls.get(i));
                }
                final AtomicInteger next = new AtomicInteger();
                final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
                final CountDownLatch go = new CountDownLatch(1);
                final List<Thread> threads = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    final ClBuffer own = device ? ((OpenClBackend) b).allocate(MAX_N) : null;
                    buffers.add(own);
                    threads.add(new Thread(() -> {
                        try {
                            go.await();
                            for (int i = next.getAndIncrement(); i < CALLS; i = next.getAndIncrement()) {
                                concurrent[i] = run(b, calls.get(i), own);
                            }
                        } catch (Throwable e) {
                            failures.add(e);
                        }
                    }, "concurrency-" + t));
                }
                threads.forEach(Thread::start);
                go.countDown();
                for (Thread t : threads) {
                    t.join();
                }
                if (!failures.isEmpty()) {
                    throw new AssertionError(failures.size() + " calls failed", failures.peek());
                }
                long elements = 0;
                int passes = 0;
                for (Call c : calls) {
                    elements += c.n();
                    passes += c.kind() == REPARAM ? 1 : 0;
                }
                assertArrayEquals(reference, serial, "serial calls differ from the reference");
                for (int i = 0; i < CALLS; i++) {
                    assertEquals(serial[i], concurrent[i], "call " + i + " " + calls.get(i));
                }
                System.out.printf("%s: %d threads, %d calls (%d forward + backward pairs), up to %d elements:"
                        + " concurrent == serial == reference%n", kind, THREADS, CALLS, passes, elements);
            } finally {
                b.close();
            }
        });
    }

    /**
     * 16 threads call in a loop (each call checked against the reference) while the main thread
     * closes the backend: close returns, every thread stops with IllegalStateException, no call
     * returned wrong bits, and every native object is released.
     */
    @ParameterizedTest
    @ValueSource(strings = {"cpu", "opencl"})
    void closeWhileCallsAreInFlight(String kind) {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            final long[] baseline = kind.equals("opencl") ? ClResources.live() : null;
            final Backend b = open(kind);
            final boolean device = b instanceof OpenClBackend;
            final AtomicLong completed = new AtomicLong();
            final AtomicInteger rejected = new AtomicInteger();
            final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            final List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                final ClBuffer own = device ? ((OpenClBackend) b).allocate(MAX_N) : null;
                final SplittableRandom mine = new SplittableRandom(0xC105E000L + t);
                threads.add(new Thread(() -> {
                    for (int i = 0; i < 1_000_000; i++) {
                        final Call c = nextCall(mine, device, 20_000);
                        try {
                            if (run(b, c, own) != reference(c)) {
                                failures.add("wrong bits for " + c);
                            }
                            completed.incrementAndGet();
                        } catch (IllegalStateException e) {
                            if (!e.getMessage().contains("closed")) {
                                failures.add("unexpected message: " + e);
                            }
                            rejected.incrementAndGet();
                            return;
                        } catch (Throwable e) {
                            failures.add(c + ": " + e);
                            return;
                        }
                    }
                    failures.add("ran out of calls before close");
                }, "close-race-" + t));
            }
            threads.forEach(Thread::start);
            while (completed.get() < 500 && threads.stream().anyMatch(Thread::isAlive)) {
                Thread.sleep(1);
            }
            final long t0 = System.nanoTime();
            b.close();
            final long closeMs = (System.nanoTime() - t0) / 1_000_000;
            for (Thread t : threads) {
                t.join();
            }
            assertTrue(failures.isEmpty(), failures.toString());
            assertEquals(THREADS, rejected.get(), "every thread ends with IllegalStateException");
            assertThrows(IllegalStateException.class, () -> b.fillNormal(1, 2, 3, new float[4]));
            b.close();
            if (baseline != null) {
                assertArrayEquals(baseline, ClResources.live(), "native objects after close");
            }
            System.out.printf("%s: close with %d threads in flight returned in %d ms after %d checked calls%n",
                    kind, THREADS, closeMs, completed.get());
        });
    }

    /** Close waits for a call in progress: the call finishes before close returns. */
    @Test
    void cpuCloseWaitsForTheCallInProgress() {
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            final CpuBackend cpu = CpuBackend.create(2);
            final CountDownLatch started = new CountDownLatch(1);
            final AtomicBoolean finished = new AtomicBoolean();
            final Thread caller = new Thread(() -> cpu.parallel(1, (from, to) -> {
                started.countDown();
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                finished.set(true);
            }));
            caller.start();
            started.await();
            cpu.close();
            assertTrue(finished.get(), "close returned before the call in progress finished");
            caller.join();
            assertThrows(IllegalStateException.class, () -> cpu.parallel(1, (from, to) -> fail("ran after close")));
        });
    }

    /** A long OpenCL call racing close: it either completes with the right bits or is rejected untouched. */
    @Test
    void openClCloseDuringALongCall() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            final Backend b = open("opencl");
            final int n = 1 << 24;
            final float[] out = floats(n);
            final AtomicBoolean done = new AtomicBoolean();
            final Throwable[] failure = new Throwable[1];
            final CountDownLatch started = new CountDownLatch(1);
            final Thread caller = new Thread(() -> {
                started.countDown();
                try {
                    b.fillNormal(9, 8, 7, out);
                    done.set(true);
                } catch (Throwable e) {
                    failure[0] = e;
                }
            });
            caller.start();
            started.await();
            Thread.sleep(20);
            b.close();
            caller.join();
            if (done.get()) {
                final float[] want = new float[n];
                NoiseStream.fillNormal(9, 8, 7, want, 0, n);
                assertArrayEquals(want, out, "a call that completed returned wrong bits");
            } else {
                assertTrue(failure[0] instanceof IllegalStateException, String.valueOf(failure[0]));
                assertEquals(digest(floats(n)), digest(out), "a rejected call wrote its destination");
            }
        });
    }
}
