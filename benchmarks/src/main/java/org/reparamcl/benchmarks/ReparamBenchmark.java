package org.reparamcl.benchmarks;

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
import org.reparamcl.NoiseMode;
import org.reparamcl.Parameterization;
import org.reparamcl.ReparamSpec;
import org.reparamcl.bench.CpuRoof;
import org.reparamcl.cpu.CpuBackend;

/**
 * Forward and backward (STORE and RECOMPUTE) end to end on host arrays, shape (K, B, D) with
 * D = 1024 (size = K*B*D elements), parameterization sigma, value checks off, beside the plain
 * Java loops that move the same bytes on the same threads.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx4g")
public class ReparamBenchmark {
    static final int ROW = 1024;

    @Param({"cpu"})
    public String backend;

    @Param({"65536", "1048576"})
    public int size;

    @Param({"1"})
    public int samples;

    private CpuBackend b;
    private ReparamSpec recompute;
    private ReparamSpec store;
    private float[] mu;
    private float[] rho;
    private float[] z;
    private float[] eps;
    private float[] gradZ;
    private float[] gradMu;
    private float[] gradRho;

    @Setup(Level.Trial)
    public void open() {
        if (size % (samples * ROW) != 0) {
            throw new IllegalArgumentException("size " + size + " must be a multiple of samples * " + ROW);
        }
        b = (CpuBackend) SuiteBackends.open(backend);
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
        b.reparamForward(store, mu, rho, z, eps);
    }

    @TearDown(Level.Trial)
    public void close() {
        b.close();
    }

    @Benchmark
    public float[] forward(ElementCounter c) {
        b.reparamForward(recompute, mu, rho, z, null);
        c.elements += size;
        return z;
    }

    @Benchmark
    public float[] forwardRoof(ElementCounter c) {
        b.parallel(size, (from, to) -> CpuRoof.forward(mu, rho, z, null, from, to));
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
        b.parallel(gradMu.length, (from, to) -> CpuRoof.backward(mu, rho, null, gradZ, gradMu, gradRho, from, to));
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
        b.parallel(gradMu.length, (from, to) -> CpuRoof.backward(mu, rho, eps, gradZ, gradMu, gradRho, from, to));
        c.elements += size;
        return gradRho;
    }
}
