package org.reparamcl.benchmarks;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.reparamcl.Backend;
import org.reparamcl.Backends;
import org.reparamcl.NoiseMode;
import org.reparamcl.Parameterization;
import org.reparamcl.ReparamSpec;
import org.reparamcl.opencl.ClBuffer;
import org.reparamcl.opencl.OpenClBackend;

/**
 * Forward (RECOMPUTE) and backward (STORE and RECOMPUTE) on OpenCL with device-resident buffers. The primary
 * score is enqueue plus wait (wall); {@link KernelCounters} carry the kernel-only device time of
 * every launch of the pass ({@link OpenClBackend#kernelNanos(Runnable)}). Roofs: the library's
 * forward and backward roof kernels; the STORE backward's roof reads eps in the same kernel, as
 * the pass does. At the end of a trial of a pass (not a roof), its outputs (z and the extras
 * forward; gradMu and gradRho backward) must equal the CPU reference's, whole, bit for bit, for
 * every parameter (size, dim, samples, param, checkValues, extras, broadcast, offset), or the
 * trial fails; they are poisoned after setup, so a pass that never wrote them fails too.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx4g")
public class ReparamDeviceBenchmark {
    @Param({"65536", "1048576"})
    public int size;

    /**
     * D, the row length: shape (samples, size / (samples * dim), dim). It matters for the extras
     * (KL and log q sum over each row; the forward kernel computes them when D is a multiple of 64
     * or a power of two below 64, docs/REPARAM.md) and little for the passes without them.
     */
    @Param({"1024"})
    public int dim;

    @Param({"1"})
    public int samples;

    /** The parameterization (CLI name); sigma, the CLI's default, has the cheapest transform. */
    @Param({"sigma"})
    public String param;

    /**
     * Whether the spec checks mu and rho before each pass (the library's default is true; the
     * headline figures time the pass alone, false). A check is one more kernel over mu and rho
     * and a wait for its one-word result, so it shows in the wall-clock rate more than in the
     * kernel time.
     */
    @Param({"false"})
    public boolean checkValues;

    /**
     * The variational extras computed in the same launches: none, kl (KL per parameter row and,
     * backward, its gradient), logq (log q per drawn row and its gradient) or both. The roofs do not
     * change with it. The extras' outputs are K*B or B values, but the backward pass with them also
     * reads mu (4 B per parameter element), which its roof does not: with extras the backward roof
     * moves fewer bytes than the pass (docs/PERFORMANCE.md, "What is measured").
     */
    @Param({"none"})
    public String extras;

    /** Broadcast (D,) parameters: every drawn row of the (K, B, D) call shares one parameter row. */
    @Param({"false"})
    public boolean broadcast;

    /**
     * The calls' stream offset (element index of the first eps). Its phase mod 4 decides whether
     * a 64-element run's eps are 16 whole Philox blocks; kernels at another phase shift them.
     */
    @Param({"0"})
    public long offset;

    private OpenClBackend cl;
    private ReparamSpec recompute;
    private ReparamSpec store;
    private ClBuffer mu;
    private ClBuffer rho;
    private ClBuffer z;
    private ClBuffer eps;
    private ClBuffer gradZ;
    private ClBuffer gradMu;
    private ClBuffer gradRho;
    private ClBuffer kl;
    private ClBuffer logProb;
    private ClBuffer gradKl;
    private ClBuffer gradLogProb;
    private Runnable forward;
    private Runnable forwardRoof;
    private Runnable backwardRecompute;
    private Runnable backwardRecomputeRoof;
    private Runnable backwardStore;
    private Runnable backwardStoreRoof;
    private float[] hostMu;
    private float[] hostRho;
    private float[] hostGradZ;
    private float[] hostGradKl;
    private float[] hostGradLogProb;

    @Setup(Level.Trial)
    public void open() {
        if (dim < 1 || size % ((long) samples * dim) != 0) {
            throw new IllegalArgumentException("size " + size + " must be a multiple of samples * dim (" + samples + " * " + dim + ")");
        }
        cl = SuiteBackends.openCl();
        recompute = ReparamSpec.builder().shape(samples, size / samples / dim, dim).broadcast(broadcast)
                .parameterization(Parameterization.parse(param)).seed(SuiteBackends.SEED).noiseMode(NoiseMode.RECOMPUTE)
                .checkValues(checkValues).offset(offset).build();
        store = recompute.toBuilder().noiseMode(NoiseMode.STORE).build();
        final int np = (int) recompute.paramElements();
        final SplittableRandom r = new SplittableRandom(SuiteBackends.SEED);
        final float[] m = new float[np];
        final float[] s = new float[np];
        for (int i = 0; i < np; i++) {
            m[i] = (float) r.nextDouble(-1, 1);
            s[i] = (float) r.nextDouble(0.5, 1.5);          // rho: sigma positive and finite for every param
        }
        final float[] g = new float[size];
        for (int i = 0; i < size; i++) {
            g[i] = (float) r.nextDouble(-1, 1);
        }
        mu = cl.allocate(np);
        rho = cl.allocate(np);
        gradMu = cl.allocate(np);
        gradRho = cl.allocate(np);
        z = cl.allocate(size);
        eps = cl.allocate(size);
        gradZ = cl.allocate(size);
        cl.write(mu, m, 0, np);
        cl.write(rho, s, 0, np);
        cl.write(gradZ, g, 0, size);
        if (!List.of("none", "kl", "logq", "both").contains(extras)) {
            throw new IllegalArgumentException("extras " + extras + ": expected none, kl, logq or both");
        }
        final boolean withKl = extras.equals("kl") || extras.equals("both");
        final boolean withLogQ = extras.equals("logq") || extras.equals("both");
        if (withKl) {
            kl = cl.allocate(recompute.paramRows());
            gradKl = cl.allocate(recompute.paramRows());
            cl.write(gradKl, new float[(int) recompute.paramRows()], 0, (int) recompute.paramRows());
        }
        if (withLogQ) {
            logProb = cl.allocate(recompute.sampleRows());
            gradLogProb = cl.allocate(recompute.sampleRows());
            cl.write(gradLogProb, new float[(int) recompute.sampleRows()], 0, (int) recompute.sampleRows());
        }
        cl.reparamForward(store, mu, rho, z, eps);
        cl.finish();
        hostMu = m;
        hostRho = s;
        hostGradZ = g;
        hostGradKl = withKl ? new float[(int) recompute.paramRows()] : null;
        hostGradLogProb = withLogQ ? new float[(int) recompute.sampleRows()] : null;
        ReferenceCheck.poison(cl, z, size);                       // the check must see the benchmark's own writes
        ReferenceCheck.poison(cl, gradMu, np);
        ReferenceCheck.poison(cl, gradRho, np);
        if (withKl) {
            ReferenceCheck.poison(cl, kl, (int) recompute.paramRows());
        }
        if (withLogQ) {
            ReferenceCheck.poison(cl, logProb, (int) recompute.sampleRows());
        }
        forward = () -> cl.reparamForward(recompute, mu, rho, z, null, kl, logProb);
        forwardRoof = () -> cl.reparamForwardRoof(recompute, mu, rho, z);
        backwardRecompute = () -> cl.reparamBackward(recompute, mu, rho, null, gradZ, gradKl, gradLogProb, gradMu, gradRho,
                false);
        backwardRecomputeRoof = () -> cl.reparamBackwardRoof(recompute, mu, rho, gradZ, gradMu, gradRho);
        backwardStore = () -> cl.reparamBackward(store, mu, rho, eps, gradZ, gradKl, gradLogProb, gradMu, gradRho, false);
        backwardStoreRoof = () -> cl.reparamBackwardRoof(store, mu, rho, eps, gradZ, gradMu, gradRho);
    }

    @TearDown(Level.Trial)
    public void close(BenchmarkParams params) {
        try {
            check(params.getBenchmark(), ReferenceCheck.label(params));
        } finally {
            cl.close();                           // closes the buffers too
        }
    }

    /** Compares the last outputs of {@code benchmark} (a pass; roofs are not checked) with the CPU reference. */
    private void check(String benchmark, String label) {
        final String method = benchmark.substring(benchmark.lastIndexOf('.') + 1);
        if (method.endsWith("Roof")) {
            return;
        }
        final int np = (int) recompute.paramElements();
        try (Backend cpu = Backends.cpu()) {
            if (method.equals("forward")) {
                final float[] wz = new float[size];
                final float[] wkl = kl == null ? null : new float[(int) recompute.paramRows()];
                final float[] wlp = logProb == null ? null : new float[(int) recompute.sampleRows()];
                cpu.reparamForward(recompute, hostMu, hostRho, wz, null, wkl, wlp);
                ReferenceCheck.requireSame(label, "z", cl, z, wz);
                if (wkl != null) {
                    ReferenceCheck.requireSame(label, "kl", cl, kl, wkl);
                }
                if (wlp != null) {
                    ReferenceCheck.requireSame(label, "logProb", cl, logProb, wlp);
                }
                return;
            }
            final boolean stored = method.equals("backwardStore");
            float[] e = null;
            if (stored) {
                e = new float[size];
                cpu.reparamForward(store, hostMu, hostRho, new float[size], e);
            }
            final float[] wm = new float[np];
            final float[] wr = new float[np];
            cpu.reparamBackward(stored ? store : recompute, hostMu, hostRho, e, hostGradZ, hostGradKl, hostGradLogProb,
                    wm, wr, false);
            ReferenceCheck.requireSame(label, "gradMu", cl, gradMu, wm);
            ReferenceCheck.requireSame(label, "gradRho", cl, gradRho, wr);
        }
    }

    private long timed(Runnable pass, ElementCounter c, KernelCounters k) {
        c.elements += size;
        return k.add(cl.kernelNanos(pass));
    }

    @Benchmark
    public long forward(ElementCounter c, KernelCounters k) {
        return timed(forward, c, k);
    }

    @Benchmark
    public long forwardRoof(ElementCounter c, KernelCounters k) {
        return timed(forwardRoof, c, k);
    }

    @Benchmark
    public long backwardRecompute(ElementCounter c, KernelCounters k) {
        return timed(backwardRecompute, c, k);
    }

    @Benchmark
    public long backwardRecomputeRoof(ElementCounter c, KernelCounters k) {
        return timed(backwardRecomputeRoof, c, k);
    }

    @Benchmark
    public long backwardStore(ElementCounter c, KernelCounters k) {
        return timed(backwardStore, c, k);
    }

    @Benchmark
    public long backwardStoreRoof(ElementCounter c, KernelCounters k) {
        return timed(backwardStoreRoof, c, k);
    }
}
