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
import org.reparamcl.Backends;
import org.reparamcl.opencl.ClBuffer;
import org.reparamcl.opencl.OpenClBackend;

/**
 * Noise on OpenCL into a device-resident buffer. The primary score is launch plus wait (wall);
 * {@link KernelCounters} carry the kernel-only device time from profiling events. The roof is
 * the no-RNG kernel with the same launch shape and bytes written. At the end of a trial of
 * {@code kernel}, the buffer must equal the CPU reference's fill bit for bit, or the trial fails.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx4g")
public class NoiseDeviceBenchmark {
    @Param({"65536", "1048576"})
    public int size;

    private OpenClBackend cl;
    private ClBuffer out;

    @Setup(Level.Trial)
    public void open() {
        cl = SuiteBackends.openCl();
        out = cl.allocate(size);
        ReferenceCheck.poison(cl, out, size);
    }

    @TearDown(Level.Trial)
    public void close(BenchmarkParams params) {
        try {
            if (params.getBenchmark().endsWith(".kernel")) {
                final float[] want = new float[size];
                try (Backend cpu = Backends.cpu()) {
                    cpu.fillNormal(SuiteBackends.SEED, 0, 0, want, 0, size);
                }
                ReferenceCheck.requireSame(ReferenceCheck.label(params), "noise", cl, out, want);
            }
        } finally {
            closeBackend();
        }
    }

    private void closeBackend() {
        out.close();
        cl.close();
    }

    @Benchmark
    public long kernel(ElementCounter c, KernelCounters k) {
        c.elements += size;
        return k.add(cl.fillNormalTimed(SuiteBackends.SEED, 0, 0, out, size));
    }

    @Benchmark
    public long kernelRoof(ElementCounter c, KernelCounters k) {
        c.elements += size;
        return k.add(cl.fillRoofTimed(out, size));
    }
}
