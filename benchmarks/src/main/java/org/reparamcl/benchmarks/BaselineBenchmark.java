package org.reparamcl.benchmarks;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.ZigguratSampler;
import org.apache.commons.rng.simple.RandomSource;
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
import org.reparamcl.bench.CpuRoof;
import org.reparamcl.cpu.CpuBackend;
import org.reparamcl.rng.NoiseStream;

/**
 * Single-threaded Java baselines filling a {@code float[]} of normals, beside the library's
 * reference stream on one thread and a plain store loop moving the same bytes (the CPU roof).
 * Ziggurat and nextGaussian are sequential generators: fast, but not counter-based, so their
 * values depend on call order (see docs/PERFORMANCE.md). Only {@code reparamReference1Thread}
 * produces a library output: at the end of its trial the array (poisoned after setup) must equal,
 * bit for bit, the fill of {@code CpuBackend.create(1)}, or the trial fails (a guard against a
 * broken call). The store loop is a roof and the other two are third-party generators: unchecked.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx4g")
public class BaselineBenchmark {
    @Param({"65536", "1048576"})
    public int size;

    private float[] dst;
    private ZigguratSampler.NormalizedGaussian ziggurat;
    private SplittableRandom splittable;

    @Setup(Level.Trial)
    public void open() {
        dst = new float[size];
        final UniformRandomProvider philox = RandomSource.PHILOX_4X32.create(SuiteBackends.SEED);
        ziggurat = ZigguratSampler.NormalizedGaussian.of(philox);
        splittable = new SplittableRandom(SuiteBackends.SEED);
        ReferenceCheck.poison(dst);                               // the check must see the benchmark's own writes
    }

    @TearDown(Level.Trial)
    public void close(BenchmarkParams params) {
        if (params.getBenchmark().endsWith(".reparamReference1Thread")) {
            final float[] want = new float[size];
            try (CpuBackend ref = CpuBackend.create(1)) {
                ref.fillNormal(SuiteBackends.SEED, 0, 0, want, 0, size);
            }
            ReferenceCheck.requireSame(ReferenceCheck.label(params), "noise", dst, want);
        }
    }

    /** The CPU roof: stores the same 4 bytes per element, no generator. */
    @Benchmark
    public float[] storeLoop(ElementCounter c) {
        CpuRoof.store(dst, 0, size, (int) SuiteBackends.SEED);
        c.elements += size;
        return dst;
    }

    /** The library's counter-based stream (Philox4x32-10 + float32 Box-Muller) on one thread. */
    @Benchmark
    public float[] reparamReference1Thread(ElementCounter c) {
        NoiseStream.fillNormal(SuiteBackends.SEED, 0, 0, dst, 0, size);
        c.elements += size;
        return dst;
    }

    /** Commons RNG ZigguratSampler.NormalizedGaussian on a Philox4x32 source (same generator). */
    @Benchmark
    public float[] zigguratPhilox(ElementCounter c) {
        for (int i = 0; i < size; i++) {
            dst[i] = (float) ziggurat.sample();
        }
        c.elements += size;
        return dst;
    }

    /** JDK 17 SplittableRandom.nextGaussian (a modified ziggurat). */
    @Benchmark
    public float[] splittableRandomGaussian(ElementCounter c) {
        for (int i = 0; i < size; i++) {
            dst[i] = (float) splittable.nextGaussian();
        }
        c.elements += size;
        return dst;
    }
}
