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
import org.reparamcl.NoiseMode;
import org.reparamcl.Parameterization;
import org.reparamcl.ReparamSpec;
import org.reparamcl.bench.CpuRoof;
import org.reparamcl.cpu.CpuBackend;
import org.reparamcl.opencl.ClBuffer;
import org.reparamcl.opencl.OpenClBackend;

/**
 * Forward and backward (STORE and RECOMPUTE) end to end on host arrays, shape (K, B, D) with
 * D = 1024 (size = K*B*D elements), parameterization sigma, value checks off, beside roofs that
 * move the same bytes: on {@code cpu} plain Java loops on the same threads; on {@code opencl} the
 * same uploads, the library's roof kernels and the same downloads. At the end of a trial of a pass
 * (not a roof), its outputs (z, and KL and log q with {@code extras}, forward; gradMu and gradRho
 * backward) must equal, bit for bit, those of the CPU reference on one thread
 * ({@code CpuBackend.create(1)}) from the same inputs (the STORE backward's eps drawn by that
 * reference too), or the trial fails: for {@code opencl} this is the parity contract, for
 * {@code cpu} (all processors) a guard against a broken call. The outputs are poisoned after
 * setup, so a pass that never wrote them fails too.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx4g")
public class ReparamBenchmark {
    static final int ROW = 1024;

    @Param({"cpu", "opencl"})
    public String backend;

    @Param({"65536", "1048576"})
    public int size;

    @Param({"1"})
    public int samples;

    /**
     * The variational extras of the forward pass: none, kl (KL per parameter row), logq (log q per
     * drawn row) or both. The backward passes ignore it.
     */
    @Param({"none"})
    public String extras;

    private Backend b;
    private RoofBuffers roof;
    private ReparamSpec recompute;
    private ReparamSpec store;
    private float[] mu;
    private float[] rho;
    private float[] z;
    private float[] eps;
    private float[] gradZ;
    private float[] gradMu;
    private float[] gradRho;
    private float[] kl;
    private float[] logProb;

    @Setup(Level.Trial)
    public void open() {
        if (size % (samples * ROW) != 0) {
            throw new IllegalArgumentException("size " + size + " must be a multiple of samples * " + ROW);
        }
        if (!List.of("none", "kl", "logq", "both").contains(extras)) {
            throw new IllegalArgumentException("extras " + extras + ": expected none, kl, logq or both");
        }
        b = SuiteBackends.open(backend);
        final long rows = size / samples / ROW;
        recompute = ReparamSpec.builder().shape(samples, rows, ROW).parameterization(Parameterization.SIGMA)
                .seed(SuiteBackends.SEED).noiseMode(NoiseMode.RECOMPUTE).checkValues(false).build();
        store = recompute.toBuilder().noiseMode(NoiseMode.STORE).build();
        final int np = size / samples;
        final SplittableRandom r = new SplittableRandom(SuiteBackends.SEED);
        mu = new float[np];
        rho = new float[np];
        for (int i = 0; i < np; i++) {
            mu[i] = (float) r.nextDouble(-1, 1);
            rho[i] = (float) r.nextDouble(0.5, 1.5);
        }
        z = new float[size];
        eps = new float[size];
        gradZ = new float[size];
        for (int i = 0; i < size; i++) {
            gradZ[i] = (float) r.nextDouble(-1, 1);
        }
        gradMu = new float[np];
        gradRho = new float[np];
        kl = extras.equals("kl") || extras.equals("both") ? new float[(int) rows] : null;
        logProb = extras.equals("logq") || extras.equals("both") ? new float[(int) (samples * rows)] : null;
        b.reparamForward(store, mu, rho, z, eps);
        if (b instanceof OpenClBackend cl) {
            roof = new RoofBuffers(cl, np, size);
        }
        ReferenceCheck.poison(z);                                 // the check must see the benchmark's own writes
        ReferenceCheck.poison(kl);
        ReferenceCheck.poison(logProb);
        ReferenceCheck.poison(gradMu);
        ReferenceCheck.poison(gradRho);
    }

    @TearDown(Level.Trial)
    public void close(BenchmarkParams params) {
        try {
            check(params.getBenchmark(), ReferenceCheck.label(params));
        } finally {
            if (roof != null) {
                roof.close();
            }
            b.close();
        }
    }

    /**
     * Compares the last outputs of {@code benchmark} (a pass; roofs are not checked) with the CPU
     * reference on one thread, computed here from the same mu, rho and dL/dz.
     */
    private void check(String benchmark, String label) {
        final String method = benchmark.substring(benchmark.lastIndexOf('.') + 1);
        if (method.endsWith("Roof")) {
            return;
        }
        final int np = mu.length;
        try (CpuBackend ref = CpuBackend.create(1)) {
            if (method.equals("forward")) {
                final float[] wz = new float[size];
                final float[] wkl = kl == null ? null : new float[kl.length];
                final float[] wlp = logProb == null ? null : new float[logProb.length];
                ref.reparamForward(recompute, mu, rho, wz, null, wkl, wlp);
                ReferenceCheck.requireSame(label, "z", z, wz);
                if (wkl != null) {
                    ReferenceCheck.requireSame(label, "kl", kl, wkl);
                }
                if (wlp != null) {
                    ReferenceCheck.requireSame(label, "logProb", logProb, wlp);
                }
                return;
            }
            final boolean stored = method.equals("backwardStore");
            float[] e = null;
            if (stored) {
                e = new float[size];
                ref.reparamForward(store, mu, rho, new float[size], e);
            }
            final float[] wm = new float[np];
            final float[] wr = new float[np];
            ref.reparamBackward(stored ? store : recompute, mu, rho, e, gradZ, wm, wr, false);
            ReferenceCheck.requireSame(label, "gradMu", gradMu, wm);
            ReferenceCheck.requireSame(label, "gradRho", gradRho, wr);
        }
    }

    /** Device buffers of the OpenCL end-to-end roofs. */
    private static final class RoofBuffers implements AutoCloseable {
        final OpenClBackend cl;
        final ClBuffer mu;
        final ClBuffer rho;
        final ClBuffer big;
        final ClBuffer big2;
        final ClBuffer gmu;
        final ClBuffer grho;

        RoofBuffers(OpenClBackend cl, int np, int n) {
            this.cl = cl;
            mu = cl.allocate(np);
            rho = cl.allocate(np);
            big = cl.allocate(n);
            big2 = cl.allocate(n);
            gmu = cl.allocate(np);
            grho = cl.allocate(np);
        }

        @Override
        public void close() {
            for (ClBuffer x : new ClBuffer[] {mu, rho, big, big2, gmu, grho}) {
                x.close();
            }
        }
    }

    private void forwardRoofOnDevice(float[] epsOut) {
        final OpenClBackend cl = roof.cl;
        cl.write(roof.mu, mu, 0, mu.length);
        cl.write(roof.rho, rho, 0, rho.length);
        cl.reparamForwardRoof(recompute, roof.mu, roof.rho, roof.big, epsOut == null ? null : roof.big2);
        cl.read(roof.big, z, 0, size);
        if (epsOut != null) {
            cl.read(roof.big2, epsOut, 0, size);
        }
    }

    private void backwardRoofOnDevice(float[] epsIn) {
        final OpenClBackend cl = roof.cl;
        cl.write(roof.mu, mu, 0, mu.length);
        cl.write(roof.rho, rho, 0, rho.length);
        cl.write(roof.big, gradZ, 0, size);
        if (epsIn != null) {
            cl.write(roof.big2, epsIn, 0, size);
        }
        cl.reparamBackwardRoof(epsIn == null ? recompute : store, roof.mu, roof.rho, epsIn == null ? null : roof.big2,
                roof.big, roof.gmu, roof.grho);
        cl.read(roof.gmu, gradMu, 0, gradMu.length);
        cl.read(roof.grho, gradRho, 0, gradRho.length);
    }

    @Benchmark
    public float[] forward(ElementCounter c) {
        b.reparamForward(recompute, mu, rho, z, null, kl, logProb);
        c.elements += size;
        return z;
    }

    @Benchmark
    public float[] forwardRoof(ElementCounter c) {
        if (b instanceof CpuBackend cpu) {
            cpu.parallel(size, (from, to) -> CpuRoof.forward(mu, rho, z, null, from, to));
        } else {
            forwardRoofOnDevice(null);
        }
        c.elements += size;
        return z;
    }

    @Benchmark
    public float[] backwardRecompute(ElementCounter c) {
        b.reparamBackward(recompute, mu, rho, null, gradZ, gradMu, gradRho, false);
        c.elements += size;
        return gradRho;
    }

    @Benchmark
    public float[] backwardRecomputeRoof(ElementCounter c) {
        if (b instanceof CpuBackend cpu) {
            cpu.parallel(gradMu.length, (from, to) -> CpuRoof.backward(null, gradZ, gradMu, gradRho, from, to));
        } else {
            backwardRoofOnDevice(null);
        }
        c.elements += size;
        return gradRho;
    }

    @Benchmark
    public float[] backwardStore(ElementCounter c) {
        b.reparamBackward(store, mu, rho, eps, gradZ, gradMu, gradRho, false);
        c.elements += size;
        return gradRho;
    }

    @Benchmark
    public float[] backwardStoreRoof(ElementCounter c) {
        if (b instanceof CpuBackend cpu) {
            cpu.parallel(gradMu.length, (from, to) -> CpuRoof.backward(eps, gradZ, gradMu, gradRho, from, to));
        } else {
            backwardRoofOnDevice(eps);
        }
        c.elements += size;
        return gradRho;
    }
}
