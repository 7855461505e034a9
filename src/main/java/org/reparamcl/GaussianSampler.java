package org.reparamcl;

import java.util.EnumMap;
import java.util.Map;

import org.reparamcl.cpu.CpuBackend;
import org.reparamcl.opencl.ClBuffer;
import org.reparamcl.opencl.OpenClBackend;

/**
 * A reparameterized Gaussian sampler for one shape, holding its tensors where its backend
 * computes (device buffers on OpenCL, heap arrays on the CPU reference) and reusing them across
 * calls: the object a training loop keeps.
 *
 * <pre>
 *   try (GaussianSampler s = GaussianSampler.create(backend, spec)) {
 *       s.write(Tensor.MU, mu);
 *       s.write(Tensor.RHO, rho);
 *       for (long step = 0; ; step++) {
 *           long offset = step * spec.elements();       // fresh noise each step
 *           s.forward(offset, false, false);
 *           s.read(Tensor.Z, z);  ...  s.write(Tensor.GRAD_Z, gradZ);
 *           s.backward(offset, false, false, false);    // RECOMPUTE regenerates the same eps
 *           s.read(Tensor.GRAD_MU, gradMu);
 *       }
 *   }
 * </pre>
 *
 * Each tensor is allocated on first use, then reused: in steady state a call allocates no device
 * memory, builds nothing, and on OpenCL waits only for host reads and writes (and for the value
 * check when the spec asks for it). On the Java heap a forward or backward call on OpenCL allocates at most the
 * spec of a new offset (80 bytes); a host read or write, JOCL's wrapper of the array. The EPS
 * tensor exists only in {@link NoiseMode#STORE} mode. The formulas are those of
 * {@link Backend#reparamForward} and {@link Backend#reparamBackward}.
 *
 * <p>Thread-safe: calls are serialized on the sampler. Closing releases the tensors (not the
 * backend); use after close, or after the backend's close, throws IllegalStateException; closing
 * twice is safe. A tensor reads as zeros until written (accumulating into a fresh GRAD_MU adds to
 * zeros), on either backend: on OpenCL the sampler clears each device buffer when it creates it.
 */
public final class GaussianSampler implements AutoCloseable {
    /** The tensors of a sampler, with their element counts. */
    public enum Tensor {
        /** (B, D) or (D,): input. */
        MU,
        /** (B, D) or (D,): input. */
        RHO,
        /** (K, B, D): forward output. */
        Z,
        /** (K, B, D): forward output and backward input, STORE mode only. */
        EPS,
        /** (B,) or (1,): forward output when asked for. */
        KL,
        /** (K, B): forward output when asked for. */
        LOG_PROB,
        /** (K, B, D): backward input. */
        GRAD_Z,
        /** (B,) or (1,): backward input when asked for. */
        GRAD_KL,
        /** (K, B): backward input when asked for. */
        GRAD_LOG_PROB,
        /** (B, D) or (D,): backward output (or accumulator). */
        GRAD_MU,
        /** (B, D) or (D,): backward output (or accumulator). */
        GRAD_RHO;

        /** Elements of this tensor under {@code spec}. */
        public long length(ReparamSpec spec) {
            switch (this) {
                case MU: case RHO: case GRAD_MU: case GRAD_RHO: return spec.paramElements();
                case Z: case EPS: case GRAD_Z: return spec.elements();
                case KL: case GRAD_KL: return spec.paramRows();
                default: return spec.sampleRows();
            }
        }
    }

    private final Backend backend;
    private final OpenClBackend cl;
    private final ReparamSpec spec;
    private final Map<Tensor, float[]> arrays = new EnumMap<>(Tensor.class);
    private final Map<Tensor, ClBuffer> buffers = new EnumMap<>(Tensor.class);
    private ReparamSpec last;
    private boolean closed;

    private GaussianSampler(Backend backend, ReparamSpec spec) {
        this.backend = backend;
        this.cl = backend instanceof OpenClBackend ? (OpenClBackend) backend : null;
        this.spec = spec;
        this.last = spec;
    }

    /**
     * A sampler for {@code spec}'s shape, parameterization, seed, stream, noise mode and value
     * policy (its offset is the default; each call names its own). On the CPU reference every
     * tensor must fit a Java array.
     */
    public static GaussianSampler create(Backend backend, ReparamSpec spec) {
        if (backend == null || spec == null) {
            throw new NullPointerException(backend == null ? "backend is null" : "spec is null");
        }
        if (!(backend instanceof OpenClBackend) && !(backend instanceof CpuBackend)) {
            throw new IllegalArgumentException("unsupported backend " + backend.name());
        }
        if (backend instanceof CpuBackend cpu && cpu.isClosed()
                || backend instanceof OpenClBackend ocl && ocl.isClosed()) {
            throw new IllegalStateException(backend.name() + " backend is closed");
        }
        if (!(backend instanceof OpenClBackend)) {
            for (Tensor t : Tensor.values()) {              // not only Z: with D = 0 the row tensors can be longer
                if (t.length(spec) > Integer.MAX_VALUE - 8) {
                    throw new IllegalArgumentException("the CPU reference holds at most 2^31 - 9 elements per tensor, "
                            + t + " of " + spec + " has " + t.length(spec));
                }
            }
        }
        return new GaussianSampler(backend, spec);
    }

    public ReparamSpec spec() {
        return spec;
    }

    public Backend backend() {
        return backend;
    }

    /** Copies {@code src} (exactly {@code t.length(spec)} elements) into tensor t; waits on OpenCL. */
    public synchronized void write(Tensor t, float[] src) {
        ensureOpen();
        requireLength(t, src);
        if (cl != null) {
            cl.write(buffer(t), src, 0, src.length);
        } else {
            System.arraycopy(src, 0, array(t), 0, src.length);
        }
    }

    /** Copies tensor t into {@code dst} (exactly {@code t.length(spec)} elements); waits on OpenCL. */
    public synchronized void read(Tensor t, float[] dst) {
        ensureOpen();
        requireLength(t, dst);
        if (cl != null) {
            cl.read(buffer(t), dst, 0, dst.length);
        } else {
            System.arraycopy(array(t), 0, dst, 0, dst.length);
        }
    }

    /** Tensor t as a new array. */
    public float[] read(Tensor t) {
        final long n = t.length(spec);
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(t + " has " + n + " elements, more than a Java array holds");
        }
        final float[] a = new float[(int) n];
        read(t, a);
        return a;
    }

    /**
     * The device buffer of tensor t (allocated on first use), for kernels of the caller's own
     * on the same backend; OpenCL samplers only (IllegalStateException on the CPU reference).
     */
    public synchronized ClBuffer buffer(Tensor t) {
        ensureOpen();
        if (cl == null) {
            throw new IllegalStateException("a sampler on " + backend.name() + " holds host arrays, not device buffers");
        }
        requireTensor(t);
        ClBuffer b = buffers.get(t);
        if (b == null) {
            b = cl.allocate(Math.max(1, t.length(spec)));
            try {
                cl.zero(b);                               // reads as zeros until written, as on the CPU
            } catch (RuntimeException e) {
                b.close();
                throw e;
            }
            buffers.put(t, b);
        }
        return b;
    }

    /**
     * The forward pass at {@code offset} from MU and RHO into Z (and EPS in STORE mode), and into
     * KL and LOG_PROB when asked for. On OpenCL it returns once enqueued (after the value check,
     * when the spec checks values).
     */
    public synchronized void forward(long offset, boolean kl, boolean logProb) {
        ensureOpen();
        final ReparamSpec s = at(offset);
        final boolean store = s.noiseMode() == NoiseMode.STORE;
        if (cl != null) {
            cl.reparamForward(s, buffer(Tensor.MU), buffer(Tensor.RHO), buffer(Tensor.Z), store ? buffer(Tensor.EPS) : null,
                    kl ? buffer(Tensor.KL) : null, logProb ? buffer(Tensor.LOG_PROB) : null);
        } else {
            backend.reparamForward(s, array(Tensor.MU), array(Tensor.RHO), array(Tensor.Z), store ? array(Tensor.EPS) : null,
                    kl ? array(Tensor.KL) : null, logProb ? array(Tensor.LOG_PROB) : null);
        }
    }

    /**
     * The backward pass at {@code offset} (the forward pass's) from GRAD_Z (and GRAD_KL,
     * GRAD_LOG_PROB when asked for) into GRAD_MU and GRAD_RHO, adding to them when accumulating.
     */
    public synchronized void backward(long offset, boolean kl, boolean logProb, boolean accumulate) {
        ensureOpen();
        final ReparamSpec s = at(offset);
        final boolean store = s.noiseMode() == NoiseMode.STORE;
        if (cl != null) {
            cl.reparamBackward(s, buffer(Tensor.MU), buffer(Tensor.RHO), store ? buffer(Tensor.EPS) : null, buffer(Tensor.GRAD_Z),
                    kl ? buffer(Tensor.GRAD_KL) : null, logProb ? buffer(Tensor.GRAD_LOG_PROB) : null,
                    buffer(Tensor.GRAD_MU), buffer(Tensor.GRAD_RHO), accumulate);
        } else {
            backend.reparamBackward(s, array(Tensor.MU), array(Tensor.RHO), store ? array(Tensor.EPS) : null, array(Tensor.GRAD_Z),
                    kl ? array(Tensor.GRAD_KL) : null, logProb ? array(Tensor.GRAD_LOG_PROB) : null,
                    array(Tensor.GRAD_MU), array(Tensor.GRAD_RHO), accumulate);
        }
    }

    /** Releases the tensors. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (ClBuffer b : buffers.values()) {
            b.close();
        }
        buffers.clear();
        arrays.clear();
    }

    private ReparamSpec at(long offset) {
        if (last.offset() != offset) {
            last = spec.withOffset(offset);
        }
        return last;
    }

    private float[] array(Tensor t) {
        requireTensor(t);
        return arrays.computeIfAbsent(t, k -> new float[(int) k.length(spec)]);
    }

    private void requireTensor(Tensor t) {
        if (t == null) {
            throw new NullPointerException("tensor is null");
        }
        if (t == Tensor.EPS && spec.noiseMode() != NoiseMode.STORE) {
            throw new IllegalStateException("no EPS tensor in RECOMPUTE mode (backward regenerates eps)");
        }
    }

    private void requireLength(Tensor t, float[] a) {
        requireTensor(t);
        if (a == null) {
            throw new NullPointerException(t + " array is null");
        }
        if (a.length != t.length(spec)) {
            throw new IllegalArgumentException(t + " array has length " + a.length + ", expected " + t.length(spec));
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("sampler is closed");
        }
        if (cl == null ? ((CpuBackend) backend).isClosed() : cl.isClosed()) {
            throw new IllegalStateException("sampler's " + backend.name() + " backend is closed");
        }
    }
}
