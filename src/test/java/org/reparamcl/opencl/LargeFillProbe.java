package org.reparamcl.opencl;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.reparamcl.cpu.CpuBackend;
import org.reparamcl.rng.NoiseStream;

/**
 * Child-JVM program for {@link LargeBatchTest}: one OpenCL host call filling {@code n} eps (more
 * than the device's memory) from {@code offset}, checked against the CPU reference either
 * everywhere ({@code full}) or in windows around every staging seam, at both ends and at random
 * places ({@code windows}, for arrays too large to check whole in seconds). Prints
 * {@code key=value} lines.
 */
public final class LargeFillProbe {
    static final int SENTINEL = 0x7FC0DEAD;
    static final int WINDOW = 64;

    private LargeFillProbe() {
    }

    public static void main(String[] args) {
        final int n = Integer.parseInt(args[0]);
        final long offset = Long.parseUnsignedLong(args[1]);
        final boolean full = args[2].equals("full");
        final ClDeviceInfo device = ClDevices.select("auto");
        System.out.println("device.global=" + device.globalMemBytes());
        System.out.println("device.maxalloc=" + device.maxAllocBytes());
        System.out.println("request.bytes=" + 4L * n);
        final float[] out = new float[n];
        final long[] windows = full ? new long[0] : windows(n);
        for (long w : windows) {
            Arrays.fill(out, (int) w, (int) Math.min(n, w + WINDOW), Float.intBitsToFloat(SENTINEL));
        }
        final long t0 = System.nanoTime();
        try (OpenClBackend cl = OpenClBackend.create(device)) {
            cl.fillNormal(0xB16B00B5L, 77, offset, out, 0, n);
            System.out.println("fill.ms=" + (System.nanoTime() - t0) / 1_000_000);
            System.out.println("peak.bytes=" + ClResources.peakBufferBytes());
        }
        System.out.println("live=" + ClResources.liveTotal());
        long checked = 0;
        long mismatches = 0;
        long first = -1;
        if (full) {
            try (CpuBackend cpu = CpuBackend.create(Runtime.getRuntime().availableProcessors())) {
                final float[] want = new float[1 << 22];
                for (int from = 0; from < n; from += want.length) {
                    final int m = Math.min(want.length, n - from);
                    cpu.fillNormal(0xB16B00B5L, 77, offset + from, want, 0, m);
                    for (int i = 0; i < m; i++) {
                        if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(out[from + i])) {
                            mismatches++;
                            first = first < 0 ? from + i : first;
                        }
                    }
                    checked += m;
                }
            }
        } else {
            final float[] want = new float[WINDOW];
            for (long w : windows) {
                final int m = (int) Math.min(WINDOW, n - w);
                NoiseStream.fillNormal(0xB16B00B5L, 77, offset + w, want, 0, m);
                for (int i = 0; i < m; i++) {
                    if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(out[(int) w + i])) {
                        mismatches++;
                        first = first < 0 ? w + i : first;
                    }
                }
                checked += m;
            }
        }
        System.out.println("checked=" + checked);
        System.out.println("mismatches=" + mismatches);
        System.out.println("first.mismatch=" + first);
        System.out.println("done");
    }

    /** Window starts: around every staging seam, the first and last elements, and 1,000 random places. */
    static long[] windows(int n) {
        final int seams = (int) ((n - 1L) / OpenClBackend.STAGING_ELEMENTS);
        final long[] w = new long[seams + 1002];
        int k = 0;
        for (long s = 1; s <= seams; s++) {
            w[k++] = s * OpenClBackend.STAGING_ELEMENTS - WINDOW / 2;
        }
        w[k++] = 0;
        w[k++] = Math.max(0, n - WINDOW);
        final SplittableRandom r = new SplittableRandom(n);
        while (k < w.length) {
            w[k++] = r.nextLong(Math.max(1, n - WINDOW));
        }
        return w;
    }
}
