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
import org.reparamcl.cpu.AffineProduct;
import org.reparamcl.opencl.ClAffineProduct;
import org.reparamcl.opencl.ClBuffer;
import org.reparamcl.opencl.OpenClBackend;

/**
 * One of the conditional head's matrix products (docs/HEAD.md), alone: {@code xW} (forward,
 * (B, Din) x (Din, D)), {@code xTG} (weight gradient, x^T times dL/dmu) or {@code GWT} (input
 * gradient, dL/dmu times W^T, B strided along j), with B = {@code batch} and Din = D =
 * {@code width}. {@code kernel}: {@code tiled} or {@code blocked} on OpenCL, device-resident buffers,
 * each call waited for (kernel time from profiling events in the counters, the transpose of
 * {@code GWT} included); {@code cpu}, {@code AffineProduct.multiply} on one thread. The operations
 * counter {@code elements} is floating-point operations (2 B Din D per call), so its rate is FLOP/s.
 * The same bits every way (AffineProductParityTest), and checked at the end of each trial: the
 * product (poisoned after setup; read back whole on OpenCL) must equal, bit for bit, a fresh
 * {@code AffineProduct.multiply} of the same operands into a new array, or the trial fails (for
 * {@code cpu} a guard against a broken call).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx4g")
public class HeadProductBenchmark {
    @Param({"tiled", "blocked", "cpu"})
    public String kernel;

    @Param({"xW", "xTG", "GWT"})
    public String product;

    @Param({"4096"})
    public int batch;

    @Param({"64"})
    public int width;

    private OpenClBackend cl;
    private ClAffineProduct affine;
    private ClBuffer dx;
    private ClBuffer dw;
    private ClBuffer dg;
    private ClBuffer dbias;
    private ClBuffer dc;
    private float[] x;
    private float[] w;
    private float[] g;
    private float[] bias;
    private float[] c;
    private Runnable call;
    private Runnable reference;
    private float[] want;

    @Setup(Level.Trial)
    public void open() {
        final int b = batch;
        final int n = width;
        final SplittableRandom r = new SplittableRandom(SuiteBackends.SEED);
        x = values(r, b * n);
        w = values(r, n * n);
        g = values(r, b * n);
        bias = values(r, n);
        c = new float[b * n];
        want = new float[product.equals("xTG") ? n * n : b * n];    // xTG is (Din, D); xW and GWT are (B, D)
        reference = switch (product) {
            case "xW" -> () -> AffineProduct.multiply(x, n, 1, w, n, 1, bias, AffineProduct.Init.BIAS, want, b, n, n);
            case "xTG" -> () -> AffineProduct.multiply(x, 1, n, g, n, 1, null, AffineProduct.Init.ZERO, want, n, n, b);
            case "GWT" -> () -> AffineProduct.multiply(g, n, 1, w, 1, n, null, AffineProduct.Init.ZERO, want, b, n, n);
            default -> throw new IllegalArgumentException("product " + product + ": expected xW, xTG or GWT");
        };
        ReferenceCheck.poison(c);                                 // the check must see the benchmark's own writes
        if (kernel.equals("cpu")) {
            call = switch (product) {
                case "xW" -> () -> AffineProduct.multiply(x, n, 1, w, n, 1, bias, AffineProduct.Init.BIAS, c, b, n, n);
                case "xTG" -> () -> AffineProduct.multiply(x, 1, n, g, n, 1, null, AffineProduct.Init.ZERO, c, n, n, b);
                case "GWT" -> () -> AffineProduct.multiply(g, n, 1, w, 1, n, null, AffineProduct.Init.ZERO, c, b, n, n);
                default -> throw new IllegalArgumentException("product " + product + ": expected xW, xTG or GWT");
            };
            return;
        }
        cl = SuiteBackends.openCl();
        affine = ClAffineProduct.create(cl.context(), ClAffineProduct.Variant.valueOf(kernel.toUpperCase()));
        dx = upload(x);
        dw = upload(w);
        dg = upload(g);
        dbias = upload(bias);
        dc = cl.allocate((long) b * n);
        ReferenceCheck.poison(cl, dc, b * n);
        call = switch (product) {
            case "xW" -> () -> affine.multiply(dx, n, 1, dw, n, 1, dbias, AffineProduct.Init.BIAS, dc, b, n, n);
            case "xTG" -> () -> affine.multiply(dx, 1, n, dg, n, 1, null, AffineProduct.Init.ZERO, dc, n, n, b);
            case "GWT" -> () -> affine.multiply(dg, n, 1, dw, 1, n, null, AffineProduct.Init.ZERO, dc, b, n, n);
            default -> throw new IllegalArgumentException("product " + product + ": expected xW, xTG or GWT");
        };
    }

    @TearDown(Level.Trial)
    public void close(BenchmarkParams params) {
        try {
            reference.run();
            if (cl == null) {
                ReferenceCheck.requireSame(ReferenceCheck.label(params), product, c, want);
            } else {
                ReferenceCheck.requireSame(ReferenceCheck.label(params), product, cl, dc, want);
            }
        } finally {
            if (cl != null) {
                affine.close();
                cl.close();
            }
        }
    }

    @Benchmark
    public long multiply(ElementCounter flops, KernelCounters k) {
        flops.elements += 2L * batch * width * width;
        if (cl == null) {
            call.run();
            return c[0] == 0 ? 0 : 1;
        }
        return k.add(cl.kernelNanos(call));
    }

    private ClBuffer upload(float[] v) {
        final ClBuffer buf = cl.allocate(v.length);
        cl.write(buf, v, 0, v.length);
        return buf;
    }

    private static float[] values(SplittableRandom r, int n) {
        final float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextDouble(-1, 1);
        }
        return v;
    }
}
