package org.reparamcl.opencl;

import java.util.SplittableRandom;

import org.reparamcl.Parameterization;
import org.reparamcl.ReparamCases;
import org.reparamcl.ReparamSpec;
import org.reparamcl.cpu.CpuBackend;

/**
 * Child-JVM program for {@link ReparamStreamingTest}: a (65, 1024, 1024) forward and backward pass
 * on OpenCL and on the CPU reference, compared bit for bit. Prints {@code key=value} lines.
 */
public final class ReparamStreamingProbe {
    private ReparamStreamingProbe() {
    }

    public static void main(String[] args) {
        final ClDeviceInfo device = ClDevices.select("auto");
        System.out.println("device.maxalloc=" + device.maxAllocBytes());
        final ReparamSpec s = ReparamSpec.builder().shape(65, 1024, 1024).parameterization(Parameterization.LOG_SIGMA)
                .seed(0x5EEDL).stream(3).offset((1L << 40) + 1).build();
        System.out.println("z.bytes=" + 4 * s.elements());
        final SplittableRandom rnd = new SplittableRandom(11);
        final int np = (int) s.paramElements();
        final float[] mu = ReparamCases.uniform(np, 2, rnd);
        final float[] rho = ReparamCases.rhos(s.parameterization(), np, rnd);
        final float[] gkl = ReparamCases.uniform((int) s.paramRows(), 1, rnd);
        final float[] glq = ReparamCases.uniform((int) s.sampleRows(), 1, rnd);
        final float[] z = new float[(int) s.elements()];
        final float[] kl = new float[(int) s.paramRows()];
        final float[] lq = new float[(int) s.sampleRows()];
        final float[] gm = new float[np];
        final float[] gr = new float[np];
        try (OpenClBackend cl = OpenClBackend.create(device)) {
            long t0 = System.nanoTime();
            cl.reparamForward(s, mu, rho, z, null, kl, lq);
            System.out.println("forward.ms=" + (System.nanoTime() - t0) / 1_000_000);
            final float[] gz = z;                   // any values do; reusing z saves 260 MiB
            t0 = System.nanoTime();
            cl.reparamBackward(s, mu, rho, null, gz, gkl, glq, gm, gr, false);
            System.out.println("backward.ms=" + (System.nanoTime() - t0) / 1_000_000);
            System.out.println("peak.bytes=" + ClResources.peakBufferBytes());
        }
        System.out.println("live=" + ClResources.liveTotal());
        try (CpuBackend cpu = CpuBackend.create(Runtime.getRuntime().availableProcessors())) {
            final float[] zRef = new float[z.length];
            final float[] klRef = new float[kl.length];
            final float[] lqRef = new float[lq.length];
            cpu.reparamForward(s, mu, rho, zRef, null, klRef, lqRef);
            System.out.println("z=" + same(z, zRef));
            System.out.println("kl=" + same(kl, klRef));
            System.out.println("logProb=" + same(lq, lqRef));
            final float[] gmRef = new float[np];
            final float[] grRef = new float[np];
            cpu.reparamBackward(s, mu, rho, null, z, gkl, glq, gmRef, grRef, false);
            System.out.println("gradMu=" + same(gm, gmRef));
            System.out.println("gradRho=" + same(gr, grRef));
        }
    }

    /** Compares raw bits, so NaN payloads and signed zeros count. */
    private static String same(float[] a, float[] b) {
        for (int i = 0; i < a.length; i++) {
            if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
                return "DIFFERENT at " + i;
            }
        }
        return a.length == b.length ? "same" : "DIFFERENT lengths";
    }
}
