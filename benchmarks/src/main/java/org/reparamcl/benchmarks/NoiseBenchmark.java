package org.reparamcl.benchmarks;

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
import org.reparamcl.bench.CpuRoof;
import org.reparamcl.cpu.CpuBackend;
import org.reparamcl.opencl.ClBuffer;
import org.reparamcl.opencl.OpenClBackend;

/**
 * Noise end to end: eps into a host {@code float[]} on the CPU reference (all processors) or on
 * OpenCL (kernel into a staging buffer, then read back), beside the roof that moves the same
 * bytes: a plain Java store loop on the same threads, or the no-RNG roof kernel plus the read. At
 * the end of a trial of {@code endToEnd}, the host array (poisoned after setup) must equal, bit for
 * bit, the fill of the CPU reference on one thread ({@code CpuBackend.create(1)}), or the trial
 * fails: for {@code opencl} the parity contract, for {@code cpu} a guard against a broken call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx4g")
public class NoiseBenchmark {
    @Param({"cpu", "opencl"})
    public String backend;

    @Param({"65536", "1048576"})
    public int size;

    private Backend b;
    private float[] host;
    private ClBuffer roofBuffer;

    @Setup(Level.Trial)
    public void open() {
        b = SuiteBackends.open(backend);
        host = new float[size];
        if (b instanceof OpenClBackend cl) {
            roofBuffer = cl.allocate(size);
        }
        ReferenceCheck.poison(host);                              // the check must see the benchmark's own writes
    }

    @TearDown(Level.Trial)
    public void close(BenchmarkParams params) {
        try {
            if (params.getBenchmark().endsWith(".endToEnd")) {
                final float[] want = new float[size];
                try (CpuBackend ref = CpuBackend.create(1)) {
                    ref.fillNormal(SuiteBackends.SEED, 0, 0, want, 0, size);
                }
                ReferenceCheck.requireSame(ReferenceCheck.label(params), "noise", host, want);
            }
        } finally {
            if (roofBuffer != null) {
                roofBuffer.close();
            }
            b.close();
        }
    }

    @Benchmark
    public float[] endToEnd(ElementCounter c) {
        b.fillNormal(SuiteBackends.SEED, 0, 0, host, 0, size);
        c.elements += size;
        return host;
    }

    @Benchmark
    public float[] endToEndRoof(ElementCounter c) {
        if (b instanceof CpuBackend cpu) {
            cpu.parallel(size, (from, to) -> CpuRoof.store(host, from, to, (int) SuiteBackends.SEED));
        } else {
            final OpenClBackend cl = (OpenClBackend) b;
            cl.fillRoof(roofBuffer, size);
            cl.read(roofBuffer, host, 0, size);
        }
        c.elements += size;
        return host;
    }
}
