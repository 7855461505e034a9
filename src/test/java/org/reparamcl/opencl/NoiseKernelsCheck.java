package org.reparamcl.opencl;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_kernel;
import org.reparamcl.rng.NoiseStream;

/**
 * The noise kernels alone, bit for bit against the CPU reference, on any OpenCL device: a check
 * for a new driver that builds only philox4x32.cl, normal.cl and noise.cl (the full program's
 * first build takes about an hour on Mesa's rusticl, which compiles each kernel when it is created).
 * {@code NoiseKernelsCheckTest} runs it on the test device; by hand, on a device a selector names
 * (docs/RELIABILITY.md, "Other OpenCL implementations"):
 *
 * <pre>
 * mvn -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp target/classes:target/test-classes:$(cat target/cp.txt) org.reparamcl.opencl.NoiseKernelsCheck [DEVICE [SEED [OPTIONS]]]
 * </pre>
 * OPTIONS are added to the build options ({@code -DRP_PORTABLE} checks the plain OpenCL C paths).
 */
public final class NoiseKernelsCheck {
    static final List<String> SOURCES = List.of("philox4x32.cl", "normal.cl", "noise.cl");

    private NoiseKernelsCheck() {
    }

    /**
     * Runs noise_bits, noise_normal (plain and streaming stores) and noise_normal_lane_major on
     * {@code cases} random (seed, stream, offset, n), odd n and every offset phase among them.
     *
     * @return one line per kernel and case that differs from the CPU reference (empty: all equal)
     */
    static List<String> mismatches(ClDeviceInfo device, String options, long seed, int cases) {
        return mismatches(device, options, seed, cases, -1);
    }

    /** As above; {@code tamper} &ge; 0 flips the lowest bit of that reference word (tests show the check can fail). */
    static List<String> mismatches(ClDeviceInfo device, String options, long seed, int cases, int tamper) {
        final List<String> out = new ArrayList<>();
        final SplittableRandom rnd = new SplittableRandom(seed);
        try (ClContext ctx = ClContext.create(device, SOURCES, options)) {
            for (int c = 0; c < cases; c++) {
                final long s = rnd.nextLong();
                final long stream = c == 0 ? -1L : rnd.nextLong(1L << 40);
                final long offset = c == 1 ? -4 * 70L + c : (rnd.nextLong(1L << 50) & ~3L) + c % 4;   // case 1 wraps
                final int n = 1 + 2 * rnd.nextInt(20_000);
                final int[] bits = new int[n];
                NoiseStream.fillBits(s, stream, offset, bits, 0, n);
                final float[] eps = new float[n];
                NoiseStream.fillNormal(s, stream, offset, eps, 0, n);
                if (tamper >= 0) {
                    bits[tamper % n] ^= 1;
                    eps[tamper % n] = Float.intBitsToFloat(Float.floatToRawIntBits(eps[tamper % n]) ^ 1);
                }
                final String what = String.format("seed 0x%x stream %d offset %d n %d", s, stream, offset, n);
                compare(out, "noise_bits", what, bits, run(ctx, "noise_bits", s, stream, offset, n, 0));
                final int[] normal = new int[n];
                for (int i = 0; i < n; i++) {
                    normal[i] = Float.floatToRawIntBits(eps[i]);
                }
                compare(out, "noise_normal", what, normal, run(ctx, "noise_normal", s, stream, offset, n, 0));
                compare(out, "noise_normal (streaming stores)", what, normal, run(ctx, "noise_normal", s, stream, offset, n, 1));
                compare(out, "noise_normal_lane_major", what, normal, run(ctx, "noise_normal_lane_major", s, stream, offset, n, -1));
            }
        }
        return out;
    }

    private static void compare(List<String> out, String kernel, String what, int[] expected, int[] actual) {
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] != actual[i]) {
                int count = 0;
                for (int j = i; j < expected.length; j++) {
                    count += expected[j] != actual[j] ? 1 : 0;
                }
                out.add(String.format("%s, %s: %d of %d words differ, first at %d: 0x%08x, reference 0x%08x",
                        kernel, what, count, expected.length, i, actual[i], expected[i]));
                return;
            }
        }
    }

    /** One launch of a noise kernel (nt &lt; 0: the kernel has no streaming-store argument); the words it wrote. */
    private static int[] run(ClContext ctx, String name, long seed, long stream, long offset, int n, int nt) {
        final int phase = (int) (offset & 3);
        try (ClBuffer buf = ctx.allocate(4L * n)) {
            final int[] sentinel = new int[n];
            java.util.Arrays.fill(sentinel, NoiseParityTest.SENTINEL);
            CL.clEnqueueWriteBuffer(ctx.queue(), buf.mem(), CL.CL_TRUE, 0, 4L * n, Pointer.to(sentinel), 0, null, null);
            final cl_kernel k = ctx.kernel(name);
            int a = 0;
            CL.clSetKernelArg(k, a++, Sizeof.cl_mem, Pointer.to(buf.mem()));
            CL.clSetKernelArg(k, a++, Sizeof.cl_long, Pointer.to(new long[] {n}));
            CL.clSetKernelArg(k, a++, Sizeof.cl_ulong, Pointer.to(new long[] {offset >>> 2}));
            CL.clSetKernelArg(k, a++, Sizeof.cl_uint, Pointer.to(new int[] {phase}));
            for (int w : new int[] {(int) seed, (int) (seed >>> 32), (int) stream, (int) (stream >>> 32)}) {
                CL.clSetKernelArg(k, a++, Sizeof.cl_uint, Pointer.to(new int[] {w}));
            }
            if (nt >= 0) {
                CL.clSetKernelArg(k, a++, Sizeof.cl_int, Pointer.to(new int[] {nt}));
            }
            final long items = (n + phase + 63) / 64;
            CL.clEnqueueNDRangeKernel(ctx.queue(), k, 1, null, new long[] {items}, null, 0, null, null);
            final int[] words = new int[n];
            CL.clEnqueueReadBuffer(ctx.queue(), buf.mem(), CL.CL_TRUE, 0, 4L * n, Pointer.to(words), 0, null, null);
            return words;
        }
    }

    public static void main(String[] args) {
        final ClDeviceInfo device = ClDevices.select(args.length > 0 ? args[0] : "auto");
        final long seed = args.length > 1 ? Long.parseLong(args[1]) : System.nanoTime();
        System.out.println("device: " + device.describe());
        final String options = ClContext.BUILD_OPTIONS + (args.length > 2 ? " " + args[2] : "");
        System.out.println("seed: " + seed + ", build options: " + options);
        final long t0 = System.nanoTime();
        final List<String> bad = mismatches(device, options, seed, 6);
        System.out.printf("%s in %.0f s%n", bad.isEmpty() ? "all equal to the CPU reference" : bad.size() + " mismatches",
                (System.nanoTime() - t0) / 1e9);
        bad.forEach(System.out::println);
        System.exit(bad.isEmpty() ? 0 : 1);
    }
}
