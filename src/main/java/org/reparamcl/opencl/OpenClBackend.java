package org.reparamcl.opencl;

import java.nio.Buffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_event;
import org.jocl.cl_kernel;
import org.reparamcl.Backend;
import org.reparamcl.CrossoverTable;
import org.reparamcl.NoiseMode;
import org.reparamcl.ReparamSpec;
import org.reparamcl.cpu.CpuBackend;
import org.reparamcl.rng.NoiseStream;

/**
 * The OpenCL backend: kernels from {@code kernels/*.cl} on one device, bit-identical to the CPU
 * reference. Noise fills into host memory stream through one reusable device staging buffer;
 * device-buffer calls write straight into the caller's {@link ClBuffer}.
 *
 * <p>Thread-safe: calls are serialized on one in-order queue (a lock guards kernel arguments
 * and the staging buffer). In steady state a call allocates nothing and builds nothing.
 * {@link #close()} waits for the call in progress (and for enqueued device work), then releases
 * everything; calls that have not started by then throw IllegalStateException. A noise fill into
 * host memory of any length holds one staging buffer of at most {@link #STAGING_ELEMENTS} elements
 * on the device; a reparameterized pass on host arrays holds at most half the device's global
 * memory, in pieces when it needs more (docs/RELIABILITY.md, "Bounded device memory").
 * Arguments are checked before anything is written; if the device fails part-way through a call
 * (ClMemoryException), the destination's contents are unspecified and the backend stays usable.
 */
public final class OpenClBackend implements Backend {
    /** Elements per staging chunk for host-array calls (16 MiB of floats). */
    static final int STAGING_ELEMENTS = 1 << 22;
    /** Stream elements covered by one work-item: 16 Philox blocks of 4 words. */
    public static final int ELEMENTS_PER_WORK_ITEM = 64;
    /**
     * Work-items per work-group of the fill kernels (4096 elements), or the kernel's limit if lower.
     * Small enough that mid-sized fills spread over all compute units and that PoCL balances
     * work-groups between busy cores; large enough that per-group overhead stays small. One fixed
     * size also means one compiled work-group function per kernel on PoCL. Shared with the
     * reparameterization kernels ({@link ClKernel}).
     */
    static final int WORK_GROUP_SIZE = ClKernel.WORK_GROUP_SIZE;

    private final ClContext ctx;
    private final int stagingElements;
    /** The context's call lock ({@link ClContext#callLock()}), shared with the heads on this backend. */
    private final ReentrantLock lock;
    private final FillKernel bits;
    private final FillKernel normal;
    private final FillKernel roof;
    private final ClReparam reparam;
    private ClBuffer staging;
    private float[] hostFloat;
    private int[] hostInt;
    private volatile boolean closed;
    /** Host-array calls routed to the CPU reference so far (tests check the routing). */
    final AtomicLong smallBatchCalls = new AtomicLong();
    /** Where host-array batches below the measured crossover go (null: all stay on the device). */
    private volatile SmallBatches small;

    /** A crossover table, where it came from, and the CPU reference this backend owns for it. */
    private record SmallBatches(CrossoverTable table, String source, CpuBackend cpu) {
    }

    private OpenClBackend(ClContext ctx, int stagingElements) {
        this.ctx = ctx;
        this.lock = ctx.callLock();
        this.stagingElements = stagingElements;
        this.bits = new FillKernel(ctx, ctx.kernel("noise_bits"), false);
        this.normal = new FillKernel(ctx, ctx.kernel("noise_normal"), true);
        this.roof = new FillKernel(ctx, ctx.kernel("roof_store"), false);
        this.reparam = new ClReparam(ctx);
    }

    /** A backend on {@code device}; builds the program (once per device per process). */
    public static OpenClBackend create(ClDeviceInfo device) {
        return create(device, STAGING_ELEMENTS);
    }

    /** A backend whose host calls stream through chunks of {@code stagingElements} (tests of chunk seams). */
    static OpenClBackend create(ClDeviceInfo device, int stagingElements) {
        return create(device, stagingElements, ClContext.BUILD_OPTIONS);
    }

    /**
     * A backend whose program is built with {@code buildOptions} (tests: ClContext.BUILD_OPTIONS
     * plus -DRP_PORTABLE builds the plain OpenCL C paths that compilers other than clang take).
     */
    static OpenClBackend create(ClDeviceInfo device, int stagingElements, String buildOptions) {
        if (stagingElements < 1) {
            throw new IllegalArgumentException("stagingElements must be >= 1, got " + stagingElements);
        }
        final ClContext ctx = ClContext.create(device, ClContext.KERNEL_SOURCES, buildOptions);
        final OpenClBackend b;
        try {
            b = new OpenClBackend(ctx, stagingElements);
        } catch (RuntimeException e) {
            ctx.close();
            throw e;
        }
        try {
            final String bad = b.referenceBitsMismatch(0);
            if (bad != null) {
                throw new OpenClUnavailableException(device.describe() + " does not reproduce the CPU reference bit for bit ("
                        + bad + "; correctly rounded divide and sqrt: " + (correctlyRoundedDivideSqrt(device) ? "yes" : "no")
                        + ")", null);
            }
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
        return b;
    }

    /**
     * The known-answer check {@link #create} runs on every new backend, on device buffers (so no
     * call is routed to the CPU): a noise fill (Philox, log, sqrt, sine and cosine) at an offset
     * that carries into the block counter's high word and starts mid-block, and a softplus
     * backward pass with KL and log q gradients (exp, log1p, divisions, the fixed-order sums),
     * compared bit for bit with the CPU reference. A device that computes other bits (one without
     * correctly rounded divide and sqrt, a driver that contracts or flushes subnormals) is refused
     * here, with the first difference, instead of silently breaking the bit contract. Returns the
     * first difference, or null. {@code tamper} flips one bit of the reference (tests): of eps
     * ({@link #TAMPER_EPS}), dL/dmu ({@link #TAMPER_GRAD_MU}) or dL/drho ({@link #TAMPER_GRAD_RHO});
     * 0 flips none.
     */
    String referenceBitsMismatch(int tamper) {
        final long seed = 0x9E3779B97F4A7C15L;
        final long stream = 0xD1B54A32D192ED03L;
        final long offset = (1L << 34) - 7;
        final int n = 333;
        final float[] want = new float[n];
        NoiseStream.fillNormal(seed, stream, offset, want, 0, n);
        if (tamper == TAMPER_EPS) {
            flipLowBit(want, n / 2);
        }
        final float[] got = new float[n];
        try (ClBuffer e = allocate(n)) {
            fillNormal(seed, stream, offset, e, n);
            read(e, got, 0, n);
        }
        String bad = firstDifference("eps", got, want);
        if (bad != null) {
            return bad;
        }
        final ReparamSpec spec = ReparamSpec.builder().shape(3, 2, 67)
                .parameterization(org.reparamcl.Parameterization.SOFTPLUS).seed(seed).stream(stream).offset(offset)
                .checkValues(false).build();
        final int np = (int) spec.paramElements();
        final int ne = (int) spec.elements();
        final java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
        final float[] mu = new float[np];
        final float[] rho = new float[np];
        for (int p = 0; p < np; p++) {
            mu[p] = (float) rnd.nextDouble(-2, 2);
            rho[p] = (float) rnd.nextDouble(-25, 25);   // both sides of softplus's +-20 branches
        }
        final float[] gz = new float[ne];
        for (int i = 0; i < ne; i++) {
            gz[i] = (float) rnd.nextDouble(-1, 1);
        }
        final float[] gkl = {0.5f, -0.25f};
        final float[] glq = {0.125f, -1.5f, 0.75f, 0.3f, -0.6f, 1.1f};
        final float[] wantMu = new float[np];
        final float[] wantRho = new float[np];
        try (CpuBackend cpu = CpuBackend.create(1)) {
            cpu.reparamBackward(spec, mu, rho, null, gz, gkl, glq, wantMu, wantRho, false);
        }
        if (tamper == TAMPER_GRAD_MU) {
            flipLowBit(wantMu, np - 1);
        } else if (tamper == TAMPER_GRAD_RHO) {
            flipLowBit(wantRho, np - 1);
        }
        final float[] gotMu = new float[np];
        final float[] gotRho = new float[np];
        try (ClBuffer dMu = allocate(np); ClBuffer dRho = allocate(np); ClBuffer dGz = allocate(ne);
             ClBuffer dKl = allocate(gkl.length); ClBuffer dLq = allocate(glq.length);
             ClBuffer oMu = allocate(np); ClBuffer oRho = allocate(np)) {
            write(dMu, mu, 0, np);
            write(dRho, rho, 0, np);
            write(dGz, gz, 0, ne);
            write(dKl, gkl, 0, gkl.length);
            write(dLq, glq, 0, glq.length);
            reparamBackward(spec, dMu, dRho, null, dGz, dKl, dLq, oMu, oRho, false);
            read(oMu, gotMu, 0, np);
            read(oRho, gotRho, 0, np);
        }
        reparam.releaseScratch();             // the check leaves no device memory behind
        bad = firstDifference("dL/dmu", gotMu, wantMu);
        return bad != null ? bad : firstDifference("dL/drho", gotRho, wantRho);
    }

    /** referenceBitsMismatch's tamper argument: the reference value whose lowest bit it flips. */
    static final int TAMPER_EPS = 1;
    static final int TAMPER_GRAD_MU = 2;
    static final int TAMPER_GRAD_RHO = 3;

    private static void flipLowBit(float[] a, int i) {
        a[i] = Float.intBitsToFloat(Float.floatToRawIntBits(a[i]) ^ 1);
    }

    private static String firstDifference(String what, float[] got, float[] want) {
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(want[i])) {
                return what + "[" + i + "] = " + got[i] + " (0x" + Integer.toHexString(Float.floatToRawIntBits(got[i]))
                        + "), the CPU reference gives " + want[i] + " (0x"
                        + Integer.toHexString(Float.floatToRawIntBits(want[i])) + ")";
            }
        }
        return null;
    }

    /** Whether the device reports CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT in CL_DEVICE_SINGLE_FP_CONFIG. */
    private static boolean correctlyRoundedDivideSqrt(ClDeviceInfo device) {
        final long[] config = new long[1];
        CL.clGetDeviceInfo(device.device(), CL.CL_DEVICE_SINGLE_FP_CONFIG, Sizeof.cl_ulong, Pointer.to(config), null);
        return (config[0] & CL.CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT) != 0;
    }

    /** The context (device, queue, program); owned by this backend. */
    public ClContext context() {
        return ctx;
    }

    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public String description() {
        final SmallBatches sb = small;
        return "OpenCL " + ctx.device().describe() + (sb == null ? ""
                : "; host-array batches below the crossover in " + sb.source() + " (" + sb.table().summary()
                  + ") run on the CPU reference");
    }

    /**
     * From now on, host-array calls ({@code float[]} and {@code FloatBuffer} arguments) smaller
     * than the crossover in {@code table} run on a CPU reference that this backend creates, owns
     * and closes: noise fills by the {@code noise} entry, forward passes by {@code forward},
     * backward passes by {@code backward-recompute} or {@code backward-store} (by the spec's noise
     * mode); passes the table does not name stay on the device. The results are the same bits on
     * either path; only the time differs. Device-buffer calls are not affected. {@code source}
     * names the table in {@link #description()}. Used by {@link org.reparamcl.Backends#auto()}.
     */
    public void routeSmallBatches(CrossoverTable table, String source) {
        Objects.requireNonNull(table, "table is null");
        lock.lock();
        try {
            ensureOpenLocked();
            if (small != null) {
                small.cpu().close();
            }
            small = new SmallBatches(table, source, CpuBackend.create(Runtime.getRuntime().availableProcessors()));
        } finally {
            lock.unlock();
        }
    }

    /**
     * The bench pass whose crossover decides a host-array forward call: {@code forward-store} when
     * it writes eps and the table measured that pass (tables from before it was a default pass
     * did not), otherwise {@code forward}.
     */
    private String forwardPass(boolean writesEps) {
        final SmallBatches sb = small;
        return writesEps && sb != null && sb.table().knows("forward-store") ? "forward-store" : "forward";
    }

    /** The CPU reference to run a host-array call of {@code n} elements of {@code pass} on, or null. */
    private Backend smallBatchBackend(String pass, long n) {
        final SmallBatches sb = small;
        if (sb == null || !sb.table().preferCpu(pass, n)) {
            return null;
        }
        ensureOpen();
        smallBatchCalls.incrementAndGet();
        return sb.cpu();
    }

    /**
     * Sets every byte of {@code b} to zero and waits. A new buffer's contents are unspecified
     * (see {@link #allocate}); {@link org.reparamcl.GaussianSampler} clears its tensors this way.
     */
    public void zero(ClBuffer b) {
        ensureOpen();
        checkDevice(b, 0);
        lock.lock();
        try {
            ensureOpenLocked();
            ctx.zero(b);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Allocates a device buffer of {@code elements} 32-bit elements, owned by this backend. Its
     * contents are unspecified until written, as OpenCL leaves them ({@link #zero} clears it);
     * clearing every new buffer changed where PoCL's pages landed and slowed some passes
     * (docs/PERFORMANCE.md, "Fresh buffers").
     */
    public ClBuffer allocate(long elements) {
        ensureOpen();
        if (elements <= 0 || elements > Long.MAX_VALUE / 4) {
            throw new IllegalArgumentException("elements must be in [1, 2^61), got " + elements);
        }
        return ctx.allocate(4L * elements);
    }

    /** Fills {@code dst[0 .. n)} on the device with eps {@code offset ..} of (seed, stream); does not wait. */
    public void fillNormal(long seed, long stream, long offset, ClBuffer dst, long n) {
        enqueue(normal, seed, stream, offset, dst, n);
    }

    /**
     * {@link #fillNormal(long, long, long, ClBuffer, long)}, then waits and returns the kernel's
     * device time in nanoseconds (profiling START to END of the launch; 0 when n is 0). For benchmarks.
     */
    public long fillNormalTimed(long seed, long stream, long offset, ClBuffer dst, long n) {
        return enqueueTimed(normal, seed, stream, offset, dst, n);
    }

    /** Fills {@code dst[0 .. n)} on the device with words {@code offset ..} of (seed, stream); does not wait. */
    public void fillBits(long seed, long stream, long offset, ClBuffer dst, long n) {
        enqueue(bits, seed, stream, offset, dst, n);
    }

    /**
     * Fills {@code dst[0 .. n)} with the words of blocks {@code firstBlock, firstBlock + 1, ...}
     * (64-bit, wrapping), starting at lane 0: reaches the blocks near 2^64 that a 64-bit element
     * offset cannot. Does not wait.
     */
    void fillBitsFromBlock(long seed, long stream, long firstBlock, ClBuffer dst, long n) {
        ensureOpen();
        checkDevice(dst, n);
        lock.lock();
        try {
            ensureOpenLocked();
            bits.launchAt(seed, stream, firstBlock, 0, dst, n, null);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The roof kernel of {@link #fillNormal(long, long, long, ClBuffer, long)}: the same launch
     * shape and bytes written, no generator. For benchmarks.
     */
    public void fillRoof(ClBuffer dst, long n) {
        enqueue(roof, 0, 0, 0, dst, n);
    }

    /** {@link #fillRoof(ClBuffer, long)}, then waits and returns the kernel's device time in nanoseconds. */
    public long fillRoofTimed(ClBuffer dst, long n) {
        return enqueueTimed(roof, 0, 0, 0, dst, n);
    }

    /**
     * Runs {@code enqueue}, which makes calls on this backend that enqueue work (device-buffer
     * passes, fills, roofs), then waits and returns the summed device time of the kernel launches
     * it made, in nanoseconds (profiling START to END of each launch; transfers and gaps between
     * launches are not counted). Other threads' calls wait meanwhile. For benchmarks.
     */
    public long kernelNanos(Runnable enqueue) {
        final java.util.List<cl_event> events;
        lock.lock();
        try {
            ensureOpenLocked();
            ctx.startKernelTiming();
            try {
                enqueue.run();
            } finally {
                events = ctx.stopKernelTiming();
            }
        } finally {
            lock.unlock();
        }
        return ClProfiling.elapsedNanos(events);
    }

    /** Waits for all enqueued work. */
    public void finish() {
        lock.lock();
        try {
            ensureOpenLocked();
            ctx.finish();
        } finally {
            lock.unlock();
        }
    }

    /** Copies {@code n} floats from the start of {@code src} to {@code dst[pos ..]}; waits. */
    public void read(ClBuffer src, float[] dst, int pos, int n) {
        ensureOpen();
        checkHost("dst", dst == null ? -1 : dst.length, pos, n);
        checkDevice(src, n);
        lock.lock();
        try {
            ensureOpenLocked();
            if (n > 0) {
                readChunk(src, host(dst, pos), n);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Copies {@code n} words from the start of {@code src} to {@code dst[pos ..]}; waits. */
    public void read(ClBuffer src, int[] dst, int pos, int n) {
        ensureOpen();
        checkHost("dst", dst == null ? -1 : dst.length, pos, n);
        checkDevice(src, n);
        lock.lock();
        try {
            ensureOpenLocked();
            if (n > 0) {
                readChunk(src, host(dst, pos), n);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void fillNormal(long seed, long stream, long offset, float[] dst, int pos, int n) {
        checkHost("dst", dst == null ? -1 : dst.length, pos, n);
        NoiseStream.checkRange(offset, n);
        final Backend cpu = smallBatchBackend("noise", n);
        if (cpu != null) {
            cpu.fillNormal(seed, stream, offset, dst, pos, n);
            return;
        }
        stage(normal, seed, stream, offset, n,
                (chunk, done, m) -> readChunk(chunk, Pointer.to(dst).withByteOffset(4L * (pos + done)), m));
    }

    @Override
    public void fillNormal(long seed, long stream, long offset, FloatBuffer dst) {
        checkWritable(dst);
        if (dst.hasArray()) {
            fillNormal(seed, stream, offset, dst.array(), dst.arrayOffset() + dst.position(), dst.remaining());
        } else {
            final int n = dst.remaining();
            NoiseStream.checkRange(offset, n);
            final Backend cpu = smallBatchBackend("noise", n);
            if (cpu != null) {
                cpu.fillNormal(seed, stream, offset, dst);
                return;
            }
            final int base = dst.position();
            // JOCL does not reliably address views of direct buffers: go through a host array.
            stage(normal, seed, stream, offset, n, (chunk, done, m) -> {
                final float[] h = hostStagingFloat();
                readChunk(chunk, Pointer.to(h), m);
                dst.put(base + done, h, 0, m);
            });
        }
        dst.position(dst.limit());
    }

    @Override
    public void fillBits(long seed, long stream, long offset, int[] dst, int pos, int n) {
        checkHost("dst", dst == null ? -1 : dst.length, pos, n);
        NoiseStream.checkRange(offset, n);
        stage(bits, seed, stream, offset, n,
                (chunk, done, m) -> readChunk(chunk, Pointer.to(dst).withByteOffset(4L * (pos + done)), m));
    }

    @Override
    public void fillBits(long seed, long stream, long offset, IntBuffer dst) {
        checkWritable(dst);
        if (dst.hasArray()) {
            fillBits(seed, stream, offset, dst.array(), dst.arrayOffset() + dst.position(), dst.remaining());
        } else {
            final int n = dst.remaining();
            NoiseStream.checkRange(offset, n);
            final int base = dst.position();
            stage(bits, seed, stream, offset, n, (chunk, done, m) -> {
                final int[] h = hostStagingInt();
                readChunk(chunk, Pointer.to(h), m);
                dst.put(base + done, h, 0, m);
            });
        }
        dst.position(dst.limit());
    }

    /** Copies {@code n} floats from {@code src[pos ..]} to the start of {@code dst}; waits. */
    public void write(ClBuffer dst, float[] src, int pos, int n) {
        checkHost("src", src == null ? -1 : src.length, pos, n);
        checkDevice(dst, n);
        lock.lock();
        try {
            ensureOpenLocked();
            if (n > 0) {
                ctx.write(dst, 0, 4L * n, host(src, pos), true);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void reparamForward(ReparamSpec spec, float[] mu, float[] rho, float[] z, float[] eps, float[] kl,
                               float[] logProb) {
        final Backend cpu = spec == null ? null : smallBatchBackend(forwardPass(eps != null), spec.elements());
        if (cpu != null) {
            cpu.reparamForward(spec, mu, rho, z, eps, kl, logProb);
            return;
        }
        lock.lock();
        try {
            ensureOpenLocked();
            reparam.forward(spec, mu, rho, z, eps, kl, logProb);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void reparamBackward(ReparamSpec spec, float[] mu, float[] rho, float[] eps, float[] gradZ, float[] gradKl,
                                float[] gradLogProb, float[] gradMu, float[] gradRho, boolean accumulate) {
        final Backend cpu = spec == null ? null : smallBatchBackend(
                spec.noiseMode() == NoiseMode.STORE ? "backward-store" : "backward-recompute", spec.elements());
        if (cpu != null) {
            cpu.reparamBackward(spec, mu, rho, eps, gradZ, gradKl, gradLogProb, gradMu, gradRho, accumulate);
            return;
        }
        lock.lock();
        try {
            ensureOpenLocked();
            reparam.backward(spec, mu, rho, eps, gradZ, gradKl, gradLogProb, gradMu, gradRho, accumulate);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The forward pass on device buffers ({@link Backend#reparamForward(ReparamSpec, float[],
     * float[], float[], float[], float[], float[])} for the formulas and argument rules). Buffers
     * must belong to this backend's context, be open and hold at least the spec's element counts.
     * Returns once the work is enqueued; {@link #read} or {@link #finish()} waits. With
     * {@link ReparamSpec#checkValues()} it first checks mu and rho on the device and waits for that
     * one word (throwing before anything is written).
     */
    public void reparamForward(ReparamSpec spec, ClBuffer mu, ClBuffer rho, ClBuffer z, ClBuffer eps, ClBuffer kl,
                               ClBuffer logProb) {
        lock.lock();
        try {
            ensureOpenLocked();
            reparam.forward(spec, mu, rho, z, eps, kl, logProb);
        } finally {
            lock.unlock();
        }
    }

    /** {@link #reparamForward(ReparamSpec, ClBuffer, ClBuffer, ClBuffer, ClBuffer, ClBuffer, ClBuffer)} without KL and log q. */
    public void reparamForward(ReparamSpec spec, ClBuffer mu, ClBuffer rho, ClBuffer z, ClBuffer eps) {
        reparamForward(spec, mu, rho, z, eps, null, null);
    }

    /**
     * The backward pass on device buffers ({@link Backend#reparamBackward(ReparamSpec, float[],
     * float[], float[], float[], float[], float[], float[], float[], boolean)} for the formulas and
     * argument rules); enqueues and returns like the device forward pass.
     */
    public void reparamBackward(ReparamSpec spec, ClBuffer mu, ClBuffer rho, ClBuffer eps, ClBuffer gradZ,
                                ClBuffer gradKl, ClBuffer gradLogProb, ClBuffer gradMu, ClBuffer gradRho,
                                boolean accumulate) {
        lock.lock();
        try {
            ensureOpenLocked();
            reparam.backward(spec, mu, rho, eps, gradZ, gradKl, gradLogProb, gradMu, gradRho, accumulate);
        } finally {
            lock.unlock();
        }
    }

    /** {@link #reparamBackward(ReparamSpec, ClBuffer, ClBuffer, ClBuffer, ClBuffer, ClBuffer, ClBuffer, ClBuffer, ClBuffer, boolean)} without KL and log q. */
    public void reparamBackward(ReparamSpec spec, ClBuffer mu, ClBuffer rho, ClBuffer eps, ClBuffer gradZ,
                                ClBuffer gradMu, ClBuffer gradRho, boolean accumulate) {
        reparamBackward(spec, mu, rho, eps, gradZ, null, null, gradMu, gradRho, accumulate);
    }

    /**
     * sigma = {@link org.reparamcl.Parameterization#sigma(float)} of each of the spec's
     * {@link ReparamSpec#paramElements()} rho values, on the device (the same bits); enqueues only.
     * Values are not checked.
     */
    public void reparamSigma(ReparamSpec spec, ClBuffer rho, ClBuffer sigma) {
        lock.lock();
        try {
            ensureOpenLocked();
            reparam.sigma(spec, rho, sigma);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The roof of the device forward pass: the same work-items, loads (mu, rho) and stores (z,
     * streaming as the pass's), no generator and no transform ({@code z = fma(rho, c, mu)}, c a function of the index).
     * For benchmarks; enqueues only.
     */
    public void reparamForwardRoof(ReparamSpec spec, ClBuffer mu, ClBuffer rho, ClBuffer z) {
        reparamForwardRoof(spec, mu, rho, z, null);
    }

    /**
     * The roof of the device forward pass, which with {@code eps} non-null also writes eps there
     * (the roof of the STORE forward pass: z and eps written by one kernel, as the pass writes
     * them). For benchmarks; enqueues only.
     */
    public void reparamForwardRoof(ReparamSpec spec, ClBuffer mu, ClBuffer rho, ClBuffer z, ClBuffer eps) {
        lock.lock();
        try {
            ensureOpenLocked();
            reparam.forwardRoof(spec, mu, rho, z, eps);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The roof of the device backward pass in RECOMPUTE mode without KL or log q: the same
     * work-items, loads (gradZ per row; rho unless the parameterization is sigma, as the pass) and
     * stores (gradMu, gradRho, streaming as the pass's), a constant in place of eps; mu is not read
     * (the pass does not need it). For benchmarks; enqueues only.
     */
    public void reparamBackwardRoof(ReparamSpec spec, ClBuffer mu, ClBuffer rho, ClBuffer gradZ, ClBuffer gradMu,
                                    ClBuffer gradRho) {
        reparamBackwardRoof(spec, mu, rho, null, gradZ, gradMu, gradRho);
    }

    /**
     * The roof of the device backward pass without KL or log q; with {@code eps} non-null it reads
     * eps there as the STORE pass does (one kernel reading gradZ and eps), with {@code eps} null it
     * is the RECOMPUTE roof. For benchmarks; enqueues only.
     */
    public void reparamBackwardRoof(ReparamSpec spec, ClBuffer mu, ClBuffer rho, ClBuffer eps, ClBuffer gradZ,
                                    ClBuffer gradMu, ClBuffer gradRho) {
        lock.lock();
        try {
            ensureOpenLocked();
            reparam.backwardRoof(spec, mu, rho, eps, gradZ, gradMu, gradRho);
        } finally {
            lock.unlock();
        }
    }

    /** The reparameterization kernels (package-private: tests set the backward split threshold). */
    ClReparam reparam() {
        return reparam;
    }

    /** Host staging for direct buffers; allocated on first use, guarded by the lock. */
    private float[] hostStagingFloat() {
        if (hostFloat == null) {
            hostFloat = new float[stagingElements];
        }
        return hostFloat;
    }

    private int[] hostStagingInt() {
        if (hostInt == null) {
            hostInt = new int[stagingElements];
        }
        return hostInt;
    }

    /** Copies a staged chunk of {@code m} elements that starts at element {@code done} of the call. */
    @FunctionalInterface
    private interface ChunkReader {
        void read(ClBuffer chunk, int done, int m);
    }

    private void stage(FillKernel k, long seed, long stream, long offset, int n, ChunkReader reader) {
        ensureOpen();
        if (n == 0) {
            return;
        }
        lock.lock();
        try {
            ensureOpenLocked();
            if (staging == null) {
                staging = allocate(stagingElements);
            }
            // done is a long: with int, done + stagingElements overflows for n near 2^31.
            for (long done = 0; done < n; done += stagingElements) {
                final int m = (int) Math.min(stagingElements, n - done);
                k.launch(seed, stream, offset + done, staging, m, null);
                reader.read(staging, (int) done, m);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Blocking read of {@code n} 32-bit elements from the start of {@code src}; called under the lock. */
    /** A pointer to {@code a[pos]} (one object fewer when pos is 0, the common case). */
    private static Pointer host(float[] a, int pos) {
        return pos == 0 ? Pointer.to(a) : Pointer.to(a).withByteOffset(4L * pos);
    }

    private static Pointer host(int[] a, int pos) {
        return pos == 0 ? Pointer.to(a) : Pointer.to(a).withByteOffset(4L * pos);
    }

    /** A blocking read; callers hold the call lock, so src cannot be released between mem() and the read. */
    private void readChunk(ClBuffer src, Pointer dst, long n) {
        ctx.read(src, 0, 4L * n, dst);
    }

    private void enqueue(FillKernel k, long seed, long stream, long offset, ClBuffer dst, long n) {
        ensureOpen();
        checkDevice(dst, n);
        NoiseStream.checkRange(offset, n);
        if (n == 0) {
            return;
        }
        lock.lock();
        try {
            ensureOpenLocked();
            k.launch(seed, stream, offset, dst, n, null);   // the call lock: dst stays open until enqueued
        } finally {
            lock.unlock();
        }
    }

    private long enqueueTimed(FillKernel k, long seed, long stream, long offset, ClBuffer dst, long n) {
        ensureOpen();
        checkDevice(dst, n);
        NoiseStream.checkRange(offset, n);
        if (n == 0) {
            return 0;
        }
        final cl_event event = new cl_event();
        lock.lock();
        try {
            ensureOpenLocked();
            k.launch(seed, stream, offset, dst, n, event);
        } finally {
            lock.unlock();
        }
        return ClProfiling.elapsedNanos(event);
    }

    private void checkDevice(ClBuffer dst, long n) {
        if (dst == null) {
            throw new NullPointerException("device buffer is null");
        }
        if (dst.owner() != ctx) {
            throw new IllegalArgumentException("device buffer belongs to another OpenCL context");
        }
        dst.mem();                                // throws if closed
        if (n < 0 || n > dst.capacity32()) {
            throw new IndexOutOfBoundsException("n = " + n + " elements does not fit the device buffer of "
                    + dst.capacity32() + " elements");
        }
    }

    private static void checkWritable(Buffer dst) {
        if (dst == null) {
            throw new NullPointerException("dst buffer is null");
        }
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("dst buffer is read-only");
        }
    }

    private static void checkHost(String name, int length, int pos, int n) {
        if (length < 0) {
            throw new NullPointerException(name + " array is null");
        }
        if (n < 0 || pos < 0 || pos > length - n) {
            throw new IndexOutOfBoundsException("range [" + pos + ", " + pos + " + " + n + ") is outside " + name
                    + " of length " + length);
        }
    }

    /**
     * Before taking the lock: throws once close has begun, except inside a call this thread holds
     * the lock for (a Gaussian head's step, admitted before close, which close waits for).
     */
    private void ensureOpen() {
        if (closed && !lock.isHeldByCurrentThread()) {
            throw new IllegalStateException("OpenCL backend is closed");
        }
    }

    /** Holding the lock: as {@link #ensureOpen()}, for the outermost hold. */
    private void ensureOpenLocked() {
        if (closed && lock.getHoldCount() == 1) {
            throw new IllegalStateException("OpenCL backend is closed");
        }
    }

    /** Whether close has begun: new calls are rejected (one in progress finishes first). */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Rejects calls that have not started, waits for the one in progress and for enqueued device
     * work, then releases staging, kernels, program, queue and context. Idempotent; must not be
     * called from inside a call.
     */
    @Override
    public void close() {
        closed = true;                            // calls not yet holding the lock now throw
        lock.lock();
        try {
            ctx.close();                          // idempotent
            final SmallBatches sb = small;
            if (sb != null) {
                sb.cpu().close();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * One fill kernel with preallocated argument holders, so a launch allocates nothing.
     * Signature: (out, long n, ulong first_block, uint phase, uint k0, uint k1, uint s0, uint s1).
     * The global size is rounded up to a whole number of work-groups; the kernels return at once
     * in work-items past n.
     */
    private static final class FillKernel {
        private final cl_kernel kernel;
        /** Whether the kernel's stores follow the normal generator (ClContext.streamingStoresAfterGenerator). */
        private final boolean afterGenerator;
        private final long[] longArg = new long[1];
        private final int[] intArg = new int[1];
        private final Pointer longPtr = Pointer.to(longArg);
        private final Pointer intPtr = Pointer.to(intArg);
        private final long[] global = new long[1];
        private final long[] local = new long[1];

        /**
         * Launches use a fixed work-group size, the global size padded to it (the padded
         * work-items write nothing). Left to choose, PoCL picks a divisor of each global size and
         * compiles a work-group function for every new one: 100 fills of random lengths took 38 s
         * and left 108 compiled functions in a cold POCL_CACHE_DIR (docs/RELIABILITY.md).
         */
        FillKernel(ClContext ctx, cl_kernel kernel, boolean afterGenerator) {
            this.kernel = kernel;
            this.afterGenerator = afterGenerator;
            final long[] max = new long[1];
            CL.clGetKernelWorkGroupInfo(kernel, ctx.device().device(), CL.CL_KERNEL_WORK_GROUP_SIZE, Sizeof.size_t,
                    Pointer.to(max), null);
            this.local[0] = Math.max(1, Math.min(WORK_GROUP_SIZE, max[0]));
        }

        void launch(long seed, long stream, long offset, ClBuffer out, long n, cl_event event) {
            launchAt(seed, stream, offset >>> 2, (int) (offset & 3), out, n, event);
        }

        /** Enqueues the launch; {@code event}, when not null, receives the launch's event. */
        void launchAt(long seed, long stream, long firstBlock, int phase, ClBuffer out, long n, cl_event event) {
            CL.clSetKernelArg(kernel, 0, Sizeof.cl_mem, out.argument());
            setLong(1, n);
            setLong(2, firstBlock);
            setInt(3, phase);
            setInt(4, (int) seed);
            setInt(5, (int) (seed >>> 32));
            setInt(6, (int) stream);
            setInt(7, (int) (stream >>> 32));
            setInt(8, afterGenerator ? out.owner().streamingStoresAfterGenerator(4 * n) : out.owner().streamingStores(4 * n));
            final long items = (phase + n + ELEMENTS_PER_WORK_ITEM - 1) / ELEMENTS_PER_WORK_ITEM;
            global[0] = (items + local[0] - 1) / local[0] * local[0];
            try {
                CL.clEnqueueNDRangeKernel(out.owner().queue(), kernel, 1, null, global, local, 0, null,
                        event != null ? event : out.owner().launchEvent());
            } catch (CLException e) {
                throw new ClMemoryException("kernel launch failed on " + out.owner().device().deviceName()
                        + ": " + e.getMessage(), e);
            }
        }

        private void setLong(int i, long v) {
            longArg[0] = v;
            CL.clSetKernelArg(kernel, i, Sizeof.cl_long, longPtr);
        }

        private void setInt(int i, int v) {
            intArg[0] = v;
            CL.clSetKernelArg(kernel, i, Sizeof.cl_int, intPtr);
        }
    }
}
