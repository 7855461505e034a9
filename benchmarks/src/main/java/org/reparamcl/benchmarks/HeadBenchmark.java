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
import org.openjdk.jmh.infra.BenchmarkParams;
import org.reparamcl.Backend;
import org.reparamcl.GaussianHead;
import org.reparamcl.HeadGradients;
import org.reparamcl.NoiseMode;
import org.reparamcl.Parameterization;
import org.reparamcl.cpu.CpuBackend;

/**
 * The conditional Gaussian head, one training step: forward (mu, rho = x W + b, sigma, z) then
 * backward (dL/dx, dL/dW, dL/db from dL/dz), end to end on host arrays, on the CPU reference and on
 * OpenCL. Din = D = {@code width}, K = {@code samples}, softplus, RECOMPUTE. The operations
 * counter is samples drawn (K * batch * D) per second; the primary score is steps per second.
 * The matmuls dominate: a step does about 6 * batch * Din * D flops against K * batch * D samples.
 * At the end of a trial, the last step's outputs (z, dL/dx, dL/dW_mu, dL/db_mu, dL/dW_rho,
 * dL/db_rho; poisoned after setup) must equal, bit for bit, those of a CPU reference head on one
 * thread ({@code GaussianHead.create} on {@code CpuBackend.create(1)}) with the same parameters,
 * input, dL/dz and noise address (seed, stream 0, the last step's offset), or the trial fails: for
 * {@code opencl} the parity contract, for {@code cpu} (all processors) a guard against a broken call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx4g")
public class HeadBenchmark {
    @Param({"cpu", "opencl"})
    public String backend;

    @Param({"256", "4096"})
    public int batch;

    @Param({"64"})
    public int width;

    @Param({"1", "16"})
    public int samples;

    private Backend b;
    private GaussianHead.Spec spec;
    private float[] wMu;
    private float[] wRho;
    private GaussianHead head;
    private HeadGradients grads;
    private float[] x;
    private float[] z;
    private float[] gradZ;
    private long offset;

    @Setup(Level.Trial)
    public void open() {
        b = SuiteBackends.open(backend);
        spec = new GaussianHead.Spec(width, width, samples, batch, Parameterization.SOFTPLUS,
                NoiseMode.RECOMPUTE);
        head = GaussianHead.create(b, spec);
        final SplittableRandom r = new SplittableRandom(SuiteBackends.SEED);
        final float[] w = new float[width * width];
        final float[] w2 = new float[width * width];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextDouble(-0.1, 0.1);
            w2[i] = (float) r.nextDouble(-0.1, 0.1);
        }
        head.setParameters(w, new float[width], w2, new float[width]);
        wMu = w;
        wRho = w2;
        x = new float[batch * width];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble(-1, 1);
        }
        z = new float[samples * batch * width];
        gradZ = new float[z.length];
        for (int i = 0; i < gradZ.length; i++) {
            gradZ[i] = (float) r.nextDouble(-1, 1);
        }
        grads = HeadGradients.of(spec, true);
        ReferenceCheck.poison(z);                                 // the check must see the benchmark's own writes
        ReferenceCheck.poison(grads.input());
        ReferenceCheck.poison(grads.weightsMu());
        ReferenceCheck.poison(grads.biasMu());
        ReferenceCheck.poison(grads.weightsRho());
        ReferenceCheck.poison(grads.biasRho());
    }

    @TearDown(Level.Trial)
    public void close(BenchmarkParams params) {
        try {
            check(ReferenceCheck.label(params));
        } finally {
            head.close();
            b.close();
        }
    }

    /** Repeats the last step (offset - z.length) on a single-thread CPU reference head and compares every output. */
    private void check(String label) {
        if (offset == 0) {
            throw new IllegalStateException(label + ": no step ran, nothing to check");
        }
        final float[] wz = new float[z.length];
        final HeadGradients want = HeadGradients.of(spec, true);
        try (CpuBackend cpu = CpuBackend.create(1); GaussianHead ref = GaussianHead.create(cpu, spec)) {
            ref.setParameters(wMu, new float[width], wRho, new float[width]);
            ref.forward(x, batch, SuiteBackends.SEED, 0, offset - z.length, wz);
            ref.backward(gradZ, want);
        }
        ReferenceCheck.requireSame(label, "z", z, wz);
        ReferenceCheck.requireSame(label, "dx", grads.input(), want.input(), batch * width);
        ReferenceCheck.requireSame(label, "dW_mu", grads.weightsMu(), want.weightsMu());
        ReferenceCheck.requireSame(label, "db_mu", grads.biasMu(), want.biasMu());
        ReferenceCheck.requireSame(label, "dW_rho", grads.weightsRho(), want.weightsRho());
        ReferenceCheck.requireSame(label, "db_rho", grads.biasRho(), want.biasRho());
    }

    @Benchmark
    public float step(ElementCounter c) {
        head.forward(x, batch, SuiteBackends.SEED, 0, offset, z);
        head.backward(gradZ, grads);
        offset += z.length;
        c.elements += z.length;
        return z[0];
    }
}
