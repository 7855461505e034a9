package org.reparamcl.opencl;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_kernel;
import org.reparamcl.Parameterization;
import org.reparamcl.cpu.AffineProduct;
import org.reparamcl.cpu.ProductCase;
import org.reparamcl.rng.NoiseStream;

/**
 * A check for a new OpenCL driver that builds parts of the program on their own, so that it does not
 * wait for the whole program's first build: the noise kernels (philox4x32.cl, normal.cl, noise.cl)
 * against the CPU reference's stream; the head's matrix products (head.cl, both variants: local-memory
 * tiles with barriers, and blocks) against {@code AffineProduct}; and the parameter transforms
 * and their derivatives (reparam_tile and reparam_transform_values built as the only kernels of
 * reparam.cl) against {@code Parameterization}; bit for bit.
 * Mesa's rusticl (22.3) compiles a kernel when it is created, through SPIR-V and NIR, and the time
 * grows steeply with the size of its float16 code (2-vCPU host, empty cache, 2026-12-08): fm_exp
 * on one float16 5 s, rp_transform on one float16 115 s, reparam_tile 257 s, and reparam_forward,
 * alone in its program, still compiling after 29 minutes, so the passes themselves are not
 * checked there. {@code DriverCheckTest} runs it on the test device; by hand, on a device a selector
 * names (docs/RELIABILITY.md, "Other OpenCL implementations"; {@code ci/rusticl-check.sh} runs it on
 * rusticl):
 *
 * <pre>
 * mvn -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp target/classes:target/test-classes:$(cat target/cp.txt) org.reparamcl.opencl.DriverCheck [DEVICE [SEED [OPTIONS]]]
 * </pre>
 * OPTIONS are added to the build options ({@code -DRP_PORTABLE} checks the plain OpenCL C paths).
 */
public final class DriverCheck {
    static final List<String> NOISE_SOURCES = List.of("philox4x32.cl", "normal.cl", "noise.cl");
    static final List<String> HEAD_SOURCES = List.of("head.cl");
    static final List<String> REPARAM_SOURCES = List.of("philox4x32.cl", "normal.cl", "reparam.cl");
    private static final Pattern KERNEL = Pattern.compile("__kernel void (\\w+)\\(");
    /** The build option for head_matmul's 4 x 4 work-groups (16 x 16 blocks of c) on devices that allow fewer than 256 work-items. */
    static final String SMALL_GROUPS = "-DHEAD_WG=4";

    private DriverCheck() {
    }

    /**
     * Runs noise_bits, noise_normal (plain and streaming stores) and noise_normal_lane_major on
     * {@code cases} random (seed, stream, offset, n), odd n and every offset phase among them.
     *
     * @return one line per kernel and case that differs from the CPU reference (empty: all equal)
     */
    static List<String> noiseMismatches(ClDeviceInfo device, String options, long seed, int cases) {
        return noiseMismatches(device, options, seed, cases, -1);
    }

    /** As above; {@code tamper} &ge; 0 flips the lowest bit of that reference word (tests show the check can fail). */
    static List<String> noiseMismatches(ClDeviceInfo device, String options, long seed, int cases, int tamper) {
        final List<String> out = new ArrayList<>();
        final SplittableRandom rnd = new SplittableRandom(seed);
        try (ClContext ctx = ClContext.create(device, NOISE_SOURCES, options)) {
            for (int c = 0; c < cases; c++) {
                final long s = rnd.nextLong();
                final long stream = c == 0 ? -1L : rnd.nextLong(1L << 40);
                final int n = 1 + 2 * rnd.nextInt(20_000);
                // case 1 ends at the stream's last element (2^64 - 1); the others start at every phase
                final long offset = c == 1 ? -(long) n : (rnd.nextLong(1L << 50) & ~3L) + c % 4;
                NoiseStream.checkRange(offset, n);
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

    /**
     * head_matmul (TILED) and head_matmul_blocked (BLOCKED) on {@code trials} random products per
     * variant: every init (bias, zero, accumulate) and stride pattern (x W, x^T G, G W^T), shapes
     * within one 64 x 64 tile and across several, none a multiple of 16; plus B = 517, Din = 67,
     * D = 41, the head's three products at a training shape.
     *
     * @param tamper &ge; 0 flips the lowest bit of that expected element of every product (tests
     *               show the check can fail)
     * @return one line per variant and product that differs from AffineProduct (empty: all equal)
     * @throws IllegalStateException if the device cannot run a variant (TILED needs 16 x 16
     *         work-groups, unless built with {@link #SMALL_GROUPS}: llvmpipe allows 32 work-items)
     */
    static List<String> headMismatches(ClDeviceInfo device, String options, long seed, int trials, int tamper,
                                       ClAffineProduct.Variant... variants) {
        final List<String> out = new ArrayList<>();
        try (ClContext ctx = ClContext.create(device, HEAD_SOURCES, options)) {
            for (ClAffineProduct.Variant variant : variants) {
                final SplittableRandom rnd = new SplittableRandom(seed);
                try (ClAffineProduct affine = ClAffineProduct.create(ctx, variant)) {
                    final List<ProductCase> cases = new ArrayList<>();
                    for (int t = 0; t < trials; t++) {
                        final int bound = t < trials / 2 ? 20 : 150;
                        cases.add(ProductCase.random(rnd, 1 + rnd.nextInt(bound), 1 + rnd.nextInt(bound),
                                1 + rnd.nextInt(bound), AffineProduct.Init.values()[t % 3], (t / 3) % 3));
                    }
                    for (int pattern = 0; pattern < 3; pattern++) {
                        final int[] mnp = pattern == 0 ? new int[] {517, 41, 67} : pattern == 1 ? new int[] {67, 41, 517}
                                : new int[] {517, 67, 41};
                        cases.add(ProductCase.random(rnd, mnp[0], mnp[1], mnp[2],
                                pattern == 0 ? AffineProduct.Init.BIAS : AffineProduct.Init.ZERO, pattern));
                    }
                    for (ProductCase pc : cases) {
                        final float[] expected = pc.expected();
                        if (tamper >= 0) {
                            final int e = tamper % expected.length;
                            expected[e] = Float.intBitsToFloat(Float.floatToRawIntBits(expected[e]) ^ 1);
                        }
                        compare(out, "head " + variant, pc.toString(), bits(expected), bits(multiply(ctx, affine, pc)));
                    }
                }
            }
        }
        return out;
    }

    /**
     * reparam_tile and reparam_transform_values, built as the only kernels of reparam.cl, on
     * {@code cases} random parameter vectors per parameterization: every output element i &lt; np + 64
     * of reparam_tile is mu, sigma and log sigma of parameter element i mod np, compared with
     * {@link Parameterization#sigma} and {@link Parameterization#logSigma}; reparam_transform_values
     * gives all four of rp_transform's outputs, compared with sigma, dSigma, logSigma and dLogSigma
     * (the derivatives the backward passes use). So the fm_exp, fm_log and fm_log1p float16 paths
     * are checked on the device. rho is drawn from the values the value check accepts
     * for the parameterization (rejectionOf: null): random bit patterns over every exponent, values
     * in [-30, 30] and the branch points (softplus's +/-20, exp's overflow bound, zero and the
     * subnormals), np from 1 to 3000.
     *
     * @param tamper &ge; 0 flips the lowest bit of that expected sigma element (reparam_tile) and
     *               dsigma/drho element (reparam_transform_values) of every case
     * @return one line per parameterization, case and output that differs (empty: all equal)
     */
    static List<String> transformMismatches(ClDeviceInfo device, String options, long seed, int cases, int tamper) {
        final List<String> out = new ArrayList<>();
        final SplittableRandom rnd = new SplittableRandom(seed);
        try (ClContext ctx = ClContext.create(device, REPARAM_SOURCES, options, onlyKernels("reparam_tile", "reparam_transform_values"))) {
            final ClKernel tile = new ClKernel(ctx, "reparam_tile");
            final ClKernel values = new ClKernel(ctx, "reparam_transform_values");
            for (Parameterization param : Parameterization.values()) {
                for (int c = 0; c < cases; c++) {
                    final int np = 1 + rnd.nextInt(c == 0 ? 63 : 3000);
                    final int len = np + 64;
                    final float[] mu = new float[np];
                    final float[] rho = new float[np];
                    for (int p = 0; p < np; p++) {
                        mu[p] = (float) rnd.nextDouble(-10, 10);
                        rho[p] = validRho(rnd, param, p);
                    }
                    final float[] sg = new float[len];
                    final float[] ls = new float[len];
                    final float[] mt = new float[len];
                    for (int i = 0; i < len; i++) {
                        mt[i] = mu[i % np];
                        sg[i] = param.sigma(rho[i % np]);
                        ls[i] = param.logSigma(rho[i % np]);
                    }
                    if (tamper >= 0) {
                        final int e = tamper % len;
                        sg[e] = Float.intBitsToFloat(Float.floatToRawIntBits(sg[e]) ^ 1);
                    }
                    final String what = String.format("%s, np %d, seed %d case %d", param.cliName(), np, seed, c);
                    try (ClBuffer muBuf = upload(ctx, mu); ClBuffer rhoBuf = upload(ctx, rho);
                         ClBuffer muT = sentinels(ctx, len); ClBuffer sgT = sentinels(ctx, len); ClBuffer lsT = sentinels(ctx, len)) {
                        tile.arg(0, muBuf).arg(1, rhoBuf).arg(2, muT).arg(3, sgT).arg(4, lsT).arg(5, (long) np)
                                .arg(6, (long) len).arg(7, param.ordinal()).arg(8, 1);
                        tile.launch((len + 63) / 64);
                        compare(out, "reparam_tile mu", what, bits(mt), bits(read(ctx, muT, len)));
                        compare(out, "reparam_tile sigma", what, bits(sg), bits(read(ctx, sgT, len)));
                        compare(out, "reparam_tile log sigma", what, bits(ls), bits(read(ctx, lsT, len)));
                    }
                    // rp_transform's four outputs, the derivatives included, on rho padded to whole float16s
                    final int n16 = (np + 15) / 16 * 16;
                    final float[] padded = java.util.Arrays.copyOf(rho, n16);
                    java.util.Arrays.fill(padded, np, n16, 1.0f);
                    final float[] four = new float[4 * n16];
                    for (int p = 0; p < n16; p++) {
                        four[p] = param.sigma(padded[p]);
                        four[n16 + p] = param.dSigma(padded[p]);
                        four[2 * n16 + p] = param.logSigma(padded[p]);
                        four[3 * n16 + p] = param.dLogSigma(padded[p]);
                    }
                    if (tamper >= 0) {
                        final int e = n16 + tamper % n16;
                        four[e] = Float.intBitsToFloat(Float.floatToRawIntBits(four[e]) ^ 1);
                    }
                    try (ClBuffer rhoBuf = upload(ctx, padded); ClBuffer outBuf = sentinels(ctx, 4 * n16)) {
                        values.arg(0, rhoBuf).arg(1, outBuf).arg(2, (long) n16).arg(3, param.ordinal());
                        values.launch(n16 / 16);
                        final float[] got = read(ctx, outBuf, 4 * n16);
                        final String[] names = {"sigma", "dsigma/drho", "log sigma", "d log sigma/drho"};
                        for (int q = 0; q < 4; q++) {
                            compare(out, "reparam_transform_values " + names[q], what,
                                    bits(java.util.Arrays.copyOfRange(four, q * n16, (q + 1) * n16)),
                                    bits(java.util.Arrays.copyOfRange(got, q * n16, (q + 1) * n16)));
                        }
                    }
                }
            }
        }
        return out;
    }

    /** A rho the value check accepts for {@code param}: element p cycles through the kinds of value. */
    private static float validRho(SplittableRandom rnd, Parameterization param, int p) {
        final float[] special = {0.0f, -0.0f, Float.MIN_VALUE, Float.MIN_NORMAL, 1e-37f, 20.0f, -20.0f,
                Math.nextUp(20.0f), Math.nextDown(20.0f), Math.nextUp(-20.0f), Math.nextDown(-20.0f),
                0x1.62e42ep6f, Math.nextDown(0x1.62e42ep6f), 2 * 0x1.62e42ep6f, 44.0f, 88.0f, -88.0f, -104.0f, 1.0f};
        for (;;) {
            final float r = switch (p % 3) {
                case 0 -> special[rnd.nextInt(special.length)];
                case 1 -> (float) rnd.nextDouble(-30, 30);
                default -> Float.intBitsToFloat(rnd.nextInt());
            };
            if (Float.isFinite(r) && param.rejectionOf(r) == null) {
                return r;
            }
        }
    }

    /**
     * An edit of the kernel sources that leaves {@code keep} the only kernels: every other
     * {@code __kernel void name(} becomes a static function, which nothing calls and clang leaves out.
     */
    static UnaryOperator<String> onlyKernels(String... keep) {
        final Set<String> kept = Set.of(keep);
        return text -> {
            final Matcher m = KERNEL.matcher(text);
            final StringBuilder sb = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(sb, Matcher.quoteReplacement(kept.contains(m.group(1)) ? m.group() : "static void " + m.group(1) + "("));
            }
            m.appendTail(sb);
            return sb.toString();
        };
    }

    private static ClBuffer sentinels(ClContext ctx, int n) {
        final float[] v = new float[n];
        java.util.Arrays.fill(v, Float.intBitsToFloat(NoiseParityTest.SENTINEL));
        return upload(ctx, v);
    }

    private static float[] read(ClContext ctx, ClBuffer buf, int n) {
        final float[] v = new float[n];
        CL.clEnqueueReadBuffer(ctx.queue(), buf.mem(), CL.CL_TRUE, 0, 4L * n, Pointer.to(v), 0, null, null);
        return v;
    }

    /** c of one product on the device (outputs start as a NaN pattern, so that unwritten elements show). */
    private static float[] multiply(ClContext ctx, ClAffineProduct affine, ProductCase pc) {
        final float[] start = pc.init() == AffineProduct.Init.ACCUMULATE ? pc.c0() : new float[pc.m() * pc.n()];
        if (pc.init() != AffineProduct.Init.ACCUMULATE) {
            java.util.Arrays.fill(start, Float.intBitsToFloat(NoiseParityTest.SENTINEL));
        }
        try (ClBuffer a = upload(ctx, pc.a()); ClBuffer b = upload(ctx, pc.b()); ClBuffer bias = upload(ctx, pc.bias());
             ClBuffer c = upload(ctx, start)) {
            affine.multiply(a, pc.aSi(), pc.aSp(), b, pc.bSp(), pc.bSj(), bias, pc.init(), c, pc.m(), pc.n(), pc.p());
            final float[] result = new float[start.length];
            CL.clEnqueueReadBuffer(ctx.queue(), c.mem(), CL.CL_TRUE, 0, 4L * result.length, Pointer.to(result), 0, null, null);
            return result;
        }
    }

    private static ClBuffer upload(ClContext ctx, float[] v) {
        final ClBuffer buf = ctx.allocate(4L * v.length);
        CL.clEnqueueWriteBuffer(ctx.queue(), buf.mem(), CL.CL_TRUE, 0, 4L * v.length, Pointer.to(v), 0, null, null);
        return buf;
    }

    private static int[] bits(float[] v) {
        final int[] w = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            w[i] = Float.floatToRawIntBits(v[i]);
        }
        return w;
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
        final String options = ClContext.BUILD_OPTIONS + (args.length > 2 ? " " + args[2] : "");
        System.out.println("device: " + device.describe());
        System.out.println("seed: " + seed + ", build options: " + options);
        long t0 = System.nanoTime();
        final List<String> noise = noiseMismatches(device, options, seed, 6);
        System.out.printf("noise kernels: %s (%.0f s)%n", noise.isEmpty() ? "all equal to the CPU reference"
                : noise.size() + " mismatches", (System.nanoTime() - t0) / 1e9);
        noise.forEach(System.out::println);
        final List<String> head = new ArrayList<>();
        for (ClAffineProduct.Variant variant : ClAffineProduct.Variant.values()) {
            t0 = System.nanoTime();
            try {
                final List<String> bad = headMismatches(device, options, seed, 12, -1, variant);
                System.out.printf("head products, %s: %s (%.0f s)%n", variant, bad.isEmpty() ? "all equal to AffineProduct"
                        : bad.size() + " mismatches", (System.nanoTime() - t0) / 1e9);
                bad.forEach(System.out::println);
                head.addAll(bad);
            } catch (IllegalStateException e) {
                // TILED on a device with small work-groups (llvmpipe: 32 work-items): 4 x 4 groups instead
                System.out.println("head products, " + variant + ": " + e.getMessage() + "; again with " + SMALL_GROUPS);
                final List<String> bad = headMismatches(device, options + " " + SMALL_GROUPS, seed, 12, -1, variant);
                System.out.printf("head products, %s, %s: %s (%.0f s)%n", variant, SMALL_GROUPS, bad.isEmpty()
                        ? "all equal to AffineProduct" : bad.size() + " mismatches", (System.nanoTime() - t0) / 1e9);
                bad.forEach(System.out::println);
                head.addAll(bad);
            }
        }
        t0 = System.nanoTime();
        final List<String> transforms = transformMismatches(device, options, seed, 3, -1);
        System.out.printf("parameter transforms (reparam_tile and reparam_transform_values alone): %s (%.0f s)%n", transforms.isEmpty()
                ? "all equal to the CPU reference" : transforms.size() + " mismatches", (System.nanoTime() - t0) / 1e9);
        transforms.forEach(System.out::println);
        System.exit(noise.isEmpty() && head.isEmpty() && transforms.isEmpty() ? 0 : 1);
    }
}
