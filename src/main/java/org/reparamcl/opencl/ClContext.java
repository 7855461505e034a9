package org.reparamcl.opencl;

import static org.jocl.CL.CL_BUFFER_CREATE_TYPE_REGION;
import static org.jocl.CL.CL_CONTEXT_PLATFORM;
import static org.jocl.CL.CL_DEVICE_MEM_BASE_ADDR_ALIGN;
import static org.jocl.CL.CL_MEM_ALLOC_HOST_PTR;
import static org.jocl.CL.CL_MEM_READ_WRITE;
import static org.jocl.CL.CL_PROGRAM_BINARIES;
import static org.jocl.CL.CL_PROGRAM_BINARY_SIZES;
import static org.jocl.CL.CL_PROGRAM_BUILD_LOG;
import static org.jocl.CL.CL_QUEUE_PROFILING_ENABLE;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;

import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_buffer_region;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_event;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;

/**
 * An OpenCL context on one device with one in-order, profiling-enabled command queue and the
 * library's kernel program, built from the classpath sources under {@code /kernels/}.
 *
 * <p>The program is compiled from source once per device per process; later contexts on the same
 * device load the binary the first build produced. Owns the buffers it creates: closing the
 * context closes them. Not thread-safe by itself: its owner serializes use on {@link #callLock()},
 * the one lock that every call using this context's queue, kernels or buffers holds (the backend's
 * calls, its Gaussian heads' calls, {@link ClBuffer#close()}), so that closing a buffer or the
 * backend waits for a call in progress instead of freeing what it is using.
 */
public final class ClContext implements AutoCloseable {
    /** Kernel sources in build order (each may use what the ones before it define). */
    public static final List<String> KERNEL_SOURCES = List.of(
            "philox4x32.cl", "normal.cl", "noise.cl", "reparam.cl", "head.cl");
    /** Build options: no fast-math, correctly rounded divide and sqrt (FP_CONTRACT OFF is in the sources). */
    public static final String BUILD_OPTIONS = "-cl-fp32-correctly-rounded-divide-sqrt";

    private static final Map<String, byte[]> BINARIES = new ConcurrentHashMap<>();
    private static final System.Logger LOG = System.getLogger("org.reparamcl");
    private static final java.util.concurrent.atomic.AtomicBoolean SIGNALS_CHECKED = new java.util.concurrent.atomic.AtomicBoolean();

    private final ClDeviceInfo device;
    private final cl_context context;
    private final cl_command_queue queue;
    private final cl_program program;
    private final List<ClBuffer> buffers = new ArrayList<>();
    private final List<cl_kernel> kernels = new ArrayList<>();
    /** Held by every call on this context (see the class comment); taken before this object's monitor. */
    private final ReentrantLock callLock = new ReentrantLock();
    /** Events of the kernel launches made while timing (benchmarks); null when not timing. */
    private List<cl_event> timedLaunches;
    private boolean closed;
    /** A CPU device from AMD (streamingStoresAfterGenerator); decided once, not per launch. */
    private final boolean amdCpu;
    /** CL_DEVICE_MEM_BASE_ADDR_ALIGN in bytes: where a sub-buffer may start. */
    private final long baseAlignBytes;

    private ClContext(ClDeviceInfo device, cl_context context, cl_command_queue queue, cl_program program) {
        this.device = device;
        this.amdCpu = device.type().equals("CPU") && isAmd(device.deviceVendor());
        final int[] bits = new int[1];
        CL.clGetDeviceInfo(device.device(), CL_DEVICE_MEM_BASE_ADDR_ALIGN, Sizeof.cl_uint, Pointer.to(bits), null);
        this.baseAlignBytes = Math.max(4, bits[0] / 8);
        this.context = context;
        this.queue = queue;
        this.program = program;
    }

    /** Creates a context, queue and built program on a device. */
    public static ClContext create(ClDeviceInfo device) {
        return create(device, KERNEL_SOURCES, BUILD_OPTIONS);
    }

    /** Creates a context and builds the given classpath kernel sources (used by tests of build errors). */
    public static ClContext create(ClDeviceInfo device, List<String> sources, String options) {
        return create(device, sources, options, UnaryOperator.identity());
    }

    /**
     * As {@link #create(ClDeviceInfo, List, String)}, with each source's text passed through
     * {@code edit} before the build: DriverCheck builds chosen kernels of a file alone, on drivers
     * that compile every kernel of a program in full when it is created (Mesa's rusticl).
     */
    static ClContext create(ClDeviceInfo device, List<String> sources, String options, UnaryOperator<String> edit) {
        CL.setExceptionsEnabled(true);
        warnWithoutSignalChaining(device);
        final cl_context_properties props = new cl_context_properties();
        props.addProperty(CL_CONTEXT_PLATFORM, device.platform());
        final cl_device_id[] devs = {device.device()};
        cl_context ctx = null;
        cl_command_queue q = null;
        cl_program prog = null;
        try {
            try {
                ctx = CL.clCreateContext(props, 1, devs, null, null, null);
                ClResources.CONTEXTS.incrementAndGet();
                @SuppressWarnings("deprecation")
                final cl_command_queue created = CL.clCreateCommandQueue(ctx, device.device(), CL_QUEUE_PROFILING_ENABLE, null);
                q = created;
                ClResources.QUEUES.incrementAndGet();
            } catch (CLException e) {
                throw new OpenClUnavailableException("cannot create an OpenCL " + (ctx == null ? "context" : "command queue")
                        + " on " + device.describe() + ": " + e.getMessage(), e);
            }
            prog = build(ctx, device, sources, options, edit);
            return new ClContext(device, ctx, q, prog);          // (its constructor queries the device)
        } catch (RuntimeException e) {
            if (prog != null) {
                CL.clReleaseProgram(prog);
                ClResources.PROGRAMS.decrementAndGet();
            }
            if (q != null) {
                CL.clReleaseCommandQueue(q);
                ClResources.QUEUES.decrementAndGet();
            }
            if (ctx != null) {
                CL.clReleaseContext(ctx);
                ClResources.CONTEXTS.decrementAndGet();
            }
            throw e;
        }
    }

    /**
     * Logs a warning (once per process) when a PoCL device is used in a JVM without the JDK's
     * signal-chaining library. Implementation note: PoCL compiles kernels with LLVM in process,
     * and LLVM installs SIGSEGV handlers (SA_RESETHAND) over the JVM's, which uses SIGSEGV for
     * safepoint polls and implicit null checks: when two Java threads trap at once, one meets the
     * default action and the JVM dies with SIGSEGV (seen in about one run in three of a
     * multi-threaded workload after a build). With libjsig preloaded the JVM's handlers stay first
     * and LLVM's are chained behind them.
     */
    static void warnWithoutSignalChaining(ClDeviceInfo device) {
        if (!device.platformName().contains("Portable Computing Language") || !SIGNALS_CHECKED.compareAndSet(false, true)) {
            return;
        }
        final java.nio.file.Path maps = java.nio.file.Path.of("/proc/self/maps");
        try {
            if (!java.nio.file.Files.isReadable(maps) || java.nio.file.Files.readString(maps).contains("libjsig")) {
                return;
            }
        } catch (IOException | RuntimeException e) {
            return;                               // not Linux, or unreadable: nothing to say
        }
        LOG.log(System.Logger.Level.WARNING, "PoCL's LLVM replaces the JVM's SIGSEGV handler, which can crash this JVM;"
                + " run it with LD_PRELOAD=" + System.getProperty("java.home") + "/lib/libjsig.so (docs/RELIABILITY.md)");
    }

    private static cl_program build(cl_context ctx, ClDeviceInfo device, List<String> sources, String options,
                                    UnaryOperator<String> edit) {
        final String[] src = new String[sources.size()];
        for (int i = 0; i < src.length; i++) {
            src[i] = edit.apply(loadSource(sources.get(i)));
        }
        final String key = device.id() + "|" + device.deviceName() + "|" + options + "|"
                + String.join("\n", src).hashCode() + "|" + sources;
        final cl_device_id[] devs = {device.device()};
        final byte[] binary = BINARIES.get(key);
        cl_program prog = null;
        try {
            if (binary != null) {
                prog = CL.clCreateProgramWithBinary(ctx, 1, devs, new long[] {binary.length},
                        new byte[][] {binary}, null, null);
            } else {
                prog = CL.clCreateProgramWithSource(ctx, src.length, src, null, null);
            }
            ClResources.PROGRAMS.incrementAndGet();
            try {
                CL.clBuildProgram(prog, 1, devs, options, null, null);
            } catch (CLException e) {
                throw new ClBuildException(device.describe(), options, buildLog(prog, device.device()), e);
            }
            if (binary == null) {
                final byte[] built = programBinary(prog);
                if (built != null) {
                    BINARIES.putIfAbsent(key, built);
                }
            }
            return prog;
        } catch (RuntimeException e) {
            if (prog != null) {
                CL.clReleaseProgram(prog);
                ClResources.PROGRAMS.decrementAndGet();
            }
            throw e;
        }
    }

    private static byte[] programBinary(cl_program prog) {
        try {
            final long[] sizes = new long[1];
            CL.clGetProgramInfo(prog, CL_PROGRAM_BINARY_SIZES, Sizeof.size_t, Pointer.to(sizes), null);
            if (sizes[0] <= 0 || sizes[0] > Integer.MAX_VALUE) {
                return null;
            }
            final byte[] b = new byte[(int) sizes[0]];
            CL.clGetProgramInfo(prog, CL_PROGRAM_BINARIES, Sizeof.POINTER, Pointer.to(Pointer.to(b)), null);
            return b;
        } catch (CLException e) {
            return null;                          // binaries are an optimization only
        }
    }

    private static String buildLog(cl_program prog, cl_device_id dev) {
        try {
            final long[] size = new long[1];
            CL.clGetProgramBuildInfo(prog, dev, CL_PROGRAM_BUILD_LOG, 0, null, size);
            final byte[] b = new byte[(int) size[0]];
            CL.clGetProgramBuildInfo(prog, dev, CL_PROGRAM_BUILD_LOG, b.length, Pointer.to(b), null);
            int len = 0;
            while (len < b.length && b[len] != 0) {
                len++;
            }
            return new String(b, 0, len, StandardCharsets.UTF_8);
        } catch (CLException e) {
            return "(build log unavailable: " + e.getMessage() + ")";
        }
    }

    /** The text of a kernel source from the classpath resource {@code /kernels/NAME}. */
    public static String loadSource(String name) {
        try (InputStream in = ClContext.class.getResourceAsStream("/kernels/" + name)) {
            if (in == null) {
                throw new IllegalStateException("kernel source /kernels/" + name + " is not on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read kernel source /kernels/" + name, e);
        }
    }

    /** The device this context runs on. */
    public ClDeviceInfo device() {
        return device;
    }

    /**
     * The lock that serializes calls on this context: a caller holds it from its arguments' checks
     * to its last enqueue (or blocking read), so that nothing it uses is released meanwhile.
     * Ordered before this object's monitor.
     */
    public ReentrantLock callLock() {
        return callLock;
    }

    /** The command queue (in order, profiling enabled). */
    public cl_command_queue queue() {
        ensureOpen();
        return queue;
    }

    /** Creates a kernel of the program; released when this context closes. */
    public synchronized cl_kernel kernel(String name) {
        ensureOpen();
        final cl_kernel k = CL.clCreateKernel(program, name, null);
        ClResources.KERNELS.incrementAndGet();
        kernels.add(k);
        return k;
    }

    /** Releases a kernel that {@link #kernel(String)} created, before the context closes; unknown kernels are ignored. */
    public synchronized void release(cl_kernel k) {
        if (!closed && kernels.remove(k)) {
            CL.clReleaseKernel(k);
            ClResources.KERNELS.decrementAndGet();
        }
    }

    /**
     * Scratch that grows on demand: b when it is open and holds at least n floats, otherwise a new
     * buffer of max(n, 1) floats, b released first. After a failed allocation the caller's field
     * still names the released buffer, so the next call allocates again rather than use it.
     */
    ClBuffer grow(ClBuffer b, long n) {
        if (b != null && !b.isClosed() && b.capacity32() >= n) {
            return b;
        }
        if (b != null) {
            b.close();
        }
        return allocate(4 * Math.max(n, 1));
    }

    /**
     * Allocates a device buffer of {@code bytes} bytes, owned by this context. Throws
     * IllegalArgumentException past the device's maximum allocation, and ClMemoryException when
     * the device cannot allocate it. Its contents are unspecified until written (as OpenCL's
     * clCreateBuffer leaves them; {@link OpenClBackend#zero} clears one).
     *
     * <p>Implementation note: on CPU devices the buffer is created with CL_MEM_ALLOC_HOST_PTR, so
     * the memory is committed here, where a failure is an error code, rather than lazily at its
     * first use, where PoCL 3.1 aborts the process (an assertion in
     * pocl_create_migration_commands). Device memory is host memory there either way.
     */
    public synchronized ClBuffer allocate(long bytes) {
        ensureOpen();
        if (bytes <= 0) {
            throw new IllegalArgumentException("buffer size must be > 0 bytes, got " + bytes);
        }
        if (bytes > device.maxAllocBytes()) {
            throw new IllegalArgumentException("buffer of " + bytes + " bytes exceeds the device's maximum allocation of "
                    + device.maxAllocBytes() + " bytes (" + device.deviceName() + ")");
        }
        final cl_mem mem;
        try {
            final long flags = device.type().equals("CPU") ? CL_MEM_READ_WRITE | CL_MEM_ALLOC_HOST_PTR : CL_MEM_READ_WRITE;
            mem = CL.clCreateBuffer(context, flags, bytes, null, null);
        } catch (CLException e) {
            throw new ClMemoryException("cannot allocate " + bytes + " bytes on " + device.deviceName() + ": "
                    + e.getMessage(), e);
        }
        ClResources.addBuffer(bytes);
        final ClBuffer b = new ClBuffer(this, mem, bytes);
        buffers.add(b);
        return b;
    }

    /**
     * Fills {@code b} with zero bytes and waits (a fill left pending would keep a released
     * buffer's memory until the queue next runs).
     */
    void zero(ClBuffer b) {
        final cl_event filled = new cl_event();
        try {
            CL.clEnqueueFillBuffer(queue(), b.mem(), Pointer.to(new byte[1]), 1, 0, b.bytes(), 0, null, filled);
        } catch (CLException e) {
            throw deviceError("filling " + b.bytes() + " bytes", e);
        }
        try {
            CL.clWaitForEvents(1, new cl_event[] {filled});
        } finally {
            CL.clReleaseEvent(filled);
        }
    }

    /*
     * The transfers of the host code: every read, write, fill and copy of a buffer goes through
     * these, so that a driver that runs out of memory or resources there (GPU drivers commonly
     * allocate a buffer at its first use) gives ClMemoryException naming the bytes and the device,
     * as an allocation or a launch does; any other error stays the driver's CLException (a bug).
     */

    /** Writes {@code bytes} bytes from {@code src} into {@code dst} at {@code offset}; waits when {@code blocking}. */
    void write(ClBuffer dst, long offset, long bytes, Pointer src, boolean blocking) {
        try {
            CL.clEnqueueWriteBuffer(queue(), dst.mem(), blocking, offset, bytes, src, 0, null, null);
        } catch (CLException e) {
            throw deviceError("writing " + bytes + " bytes", e);
        }
    }

    /** Reads {@code bytes} bytes of {@code src} from {@code offset} into {@code dst}, and waits. */
    void read(ClBuffer src, long offset, long bytes, Pointer dst) {
        try {
            CL.clEnqueueReadBuffer(queue(), src.mem(), true, offset, bytes, dst, 0, null, null);
        } catch (CLException e) {
            throw deviceError("reading " + bytes + " bytes", e);
        }
    }

    /** Fills {@code bytes} bytes of {@code dst} from {@code offset} with a pattern of {@code patternBytes}; does not wait. */
    void fill(ClBuffer dst, Pointer pattern, int patternBytes, long offset, long bytes) {
        try {
            CL.clEnqueueFillBuffer(queue(), dst.mem(), pattern, patternBytes, offset, bytes, 0, null, null);
        } catch (CLException e) {
            throw deviceError("filling " + bytes + " bytes", e);
        }
    }

    /** Copies the first {@code bytes} bytes of {@code src} to the start of {@code dst}; does not wait. */
    void copy(ClBuffer src, ClBuffer dst, long bytes) {
        try {
            CL.clEnqueueCopyBuffer(queue(), src.mem(), dst.mem(), 0, 0, bytes, 0, null, null);
        } catch (CLException e) {
            throw deviceError("copying " + bytes + " bytes", e);
        }
    }

    /**
     * {@code e} as ClMemoryException ("WHAT on DEVICE failed: STATUS") when it says the device or
     * host ran out of memory or resources; otherwise {@code e} itself.
     */
    RuntimeException deviceError(String what, CLException e) {
        return ClMemoryException.isResourceError(e)
                ? new ClMemoryException(what + " on " + device.deviceName() + " failed: " + e.getMessage(), e) : e;
    }

    /**
     * One device buffer holding regions of the given sizes (in floats) one after another, each
     * starting at a multiple of the device's base-address alignment, and a sub-buffer
     * ({@code clCreateSubBuffer}) for each region: element 0 of the result is the whole buffer,
     * element r + 1 region r (a region of 0 floats still gets one float). {@code offsets[r]}
     * receives region r's start in floats. Kernels take the regions as separate buffers while one
     * copy moves them all: a host write or read of several tensors is then one command.
     * Closing the whole buffer does not close the regions; close them first (the context's close
     * releases all). Package-private: a buffer and its region are different objects, which the
     * passes' distinct-buffer checks cannot tell apart, so only the head uses them, internally.
     */
    synchronized ClBuffer[] slices(long[] floats, long[] offsets) {
        ensureOpen();
        if (offsets.length != floats.length) {
            throw new IllegalArgumentException("offsets has " + offsets.length + " entries for " + floats.length + " regions");
        }
        final long align = Math.max(4, baseAlignBytes);
        long end = 0;
        for (int r = 0; r < floats.length; r++) {
            if (floats[r] < 0) {
                throw new IllegalArgumentException("region " + r + " has " + floats[r] + " floats");
            }
            final long start = (end + align - 1) / align * align;
            offsets[r] = start / 4;
            end = start + 4 * Math.max(1, floats[r]);
        }
        final ClBuffer[] out = new ClBuffer[floats.length + 1];
        out[0] = allocate(end);
        boolean done = false;
        try {
            for (int r = 0; r < floats.length; r++) {
                final cl_buffer_region region = new cl_buffer_region(4 * offsets[r], 4 * Math.max(1, floats[r]));
                final cl_mem sub;
                try {
                    sub = CL.clCreateSubBuffer(out[0].mem(), CL_MEM_READ_WRITE, CL_BUFFER_CREATE_TYPE_REGION, region, null);
                } catch (CLException e) {
                    throw new ClMemoryException("cannot create a sub-buffer of " + region.size + " bytes at " + region.origin
                            + " on " + device.deviceName() + ": " + e.getMessage(), e);
                }
                ClResources.addBuffer(0);
                out[r + 1] = new ClBuffer(this, sub, region.size, true);
                buffers.add(out[r + 1]);
            }
            done = true;
        } finally {
            if (!done) {
                for (int r = out.length - 1; r >= 0; r--) {
                    if (out[r] != null) {
                        out[r].release();
                        buffers.remove(out[r]);
                    }
                }
            }
        }
        return out;
    }

    synchronized void forget(ClBuffer b) {
        buffers.remove(b);
    }

    /**
     * Starts recording an event for every kernel launch on this context (ClKernel and the noise
     * fills) until {@link #stopKernelTiming()}; for benchmarks. The caller serializes use (the
     * backend's lock). Without timing a launch passes no event and allocates nothing.
     */
    void startKernelTiming() {
        if (timedLaunches != null) {
            throw new IllegalStateException("kernel timing is already running on this context");
        }
        timedLaunches = new ArrayList<>();
    }

    /** The event a launch should pass: a fresh one while timing, otherwise null. */
    cl_event launchEvent() {
        if (timedLaunches == null) {
            return null;
        }
        final cl_event e = new cl_event();
        timedLaunches.add(e);
        return e;
    }

    /** Stops recording and returns the events recorded since {@link #startKernelTiming()}. */
    List<cl_event> stopKernelTiming() {
        final List<cl_event> l = timedLaunches == null ? List.of() : timedLaunches;
        timedLaunches = null;
        return l;
    }

    /**
     * In {@code auto} mode (the default), launches that write at least this many bytes use
     * streaming (non-temporal) stores on CPU devices. Such stores skip the read of each destination
     * cache line that an ordinary store makes, which doubles PoCL's store bandwidth on this
     * project's machine, but leave the data out of the caches, which costs a following kernel that
     * reads it when it would have fit there (break-even at 16 MiB written there, 35 % slower at
     * 4 MiB): hence the threshold. Measured at 2^24 elements (docs/PERFORMANCE.md, "Streaming
     * stores"): backward +14 %, forward +2 %, noise unchanged on the Intel Xeon; on the AMD EPYC the
     * roofs 11 to 42 % and backward STORE up to 40 % faster, while the launches that store only
     * the generator's output were faster with ordinary stores ({@link #streamingStoresAfterGenerator}).
     */
    public static final long STREAMING_STORE_BYTES = 32L << 20;

    /**
     * The system property that chooses streaming stores: {@code auto} (the default: CPU devices,
     * launches writing at least {@link #STREAMING_STORE_BYTES}), {@code never} or {@code always}.
     * Stored values are the same bits either way; the tests use {@code always} to run the
     * streaming path on small inputs.
     */
    public static final String STREAMING_STORES_PROPERTY = "reparam.streamingStores";

    /**
     * Whether a launch writing {@code bytes} bytes uses streaming stores: 1 or 0, the value of the
     * kernels' {@code nt} argument (the roof kernels always use this; so do the passes, except the
     * launches that {@link #streamingStoresAfterGenerator} decides).
     */
    public int streamingStores(long bytes) {
        final String mode = mode();
        switch (mode) {
            case "always":
                return 1;
            case "never":
                return 0;
            case "auto":
                return device.type().equals("CPU") && bytes >= STREAMING_STORE_BYTES ? 1 : 0;
            default:
                throw new IllegalArgumentException("system property " + STREAMING_STORES_PROPERTY
                        + " must be auto, never or always, not '" + mode + "'");
        }
    }

    /**
     * Whether a launch whose stores follow the normal generator, writing {@code bytes} bytes, uses
     * streaming stores: noise fills, forward passes writing z alone, and the K = 1 backward pass in
     * RECOMPUTE mode (the generator's eps times dL/dz). In {@code auto} mode on AMD CPU devices:
     * never. There ordinary stores overlap with the generator's arithmetic where streaming ones
     * stall it (PoCL on an AMD EPYC, Zen 5, 2026-12-06, batches of alternating runs at 2^24
     * elements: noise 16 to 23 % and forward 3 to 14 % faster with ordinary stores in every batch,
     * backward RECOMPUTE by a median of 11 % over six batches, five of them faster; the forward
     * pass that also writes eps, backward STORE and every roof kernel were faster streaming;
     * docs/PERFORMANCE.md, "Streaming stores on this machine"). Elsewhere, and for {@code always}
     * and {@code never}, as {@link #streamingStores(long)} (on the Intel Xeon measured earlier noise
     * did not care, forward was 2 % and backward 14 % faster streaming). Stored values are the same
     * bits either way.
     */
    public int streamingStoresAfterGenerator(long bytes) {
        if (amdCpu && mode().equals("auto")) {
            return 0;
        }
        return streamingStores(bytes);
    }

    /** Whether an OpenCL vendor string names AMD (CPU devices report the CPUID vendor, "AuthenticAMD"). */
    static boolean isAmd(String vendor) {
        final String v = vendor == null ? "" : vendor.trim();
        return v.contains("AuthenticAMD") || v.contains("Advanced Micro Devices") || v.equals("AMD");
    }

    private static String mode() {
        return System.getProperty(STREAMING_STORES_PROPERTY, "auto");
    }

    /** Blocks until all queued commands have finished. */
    public void finish() {
        try {
            CL.clFinish(queue());
        } catch (CLException e) {
            throw deviceError("finishing the queue", e);
        }
    }

    /** Whether {@link #close()} has been called. */
    public synchronized boolean isClosed() {
        return closed;
    }

    void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("OpenCL context on " + device.deviceName() + " is closed");
        }
    }

    /** Finishes the queue and releases buffers, kernels, program, queue and context. Idempotent. */
    @Override
    public void close() {
        callLock.lock();                          // waits for a call in progress (lock order: call lock, then monitor)
        try {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
                try {
                    CL.clFinish(queue);
                } catch (CLException ignored) {
                    // releasing anyway
                }
                // Newest first: a sub-buffer before the buffer it is a region of.
                for (int i = buffers.size() - 1; i >= 0; i--) {
                    buffers.get(i).release();
                }
                buffers.clear();
                for (cl_kernel k : kernels) {
                    CL.clReleaseKernel(k);
                    ClResources.KERNELS.decrementAndGet();
                }
                kernels.clear();
                CL.clReleaseProgram(program);
                ClResources.PROGRAMS.decrementAndGet();
                CL.clReleaseCommandQueue(queue);
                ClResources.QUEUES.decrementAndGet();
                CL.clReleaseContext(context);
                ClResources.CONTEXTS.decrementAndGet();
            }
        } finally {
            callLock.unlock();
        }
    }
}
