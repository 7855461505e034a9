package org.reparamcl.opencl;

import static org.jocl.CL.CL_TRUE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;

import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_kernel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.reparamcl.TestSeeds;
import org.reparamcl.cpu.CpuBackend;
import org.reparamcl.rng.NoiseStream;
import org.reparamcl.rng.Philox4x32;

/** OpenCL noise against the CPU reference, bit for bit. */
class NoiseParityTest {
    /** Sentinel written before a fill so an element the kernel skipped is caught (a NaN pattern no eps has). */
    static final int SENTINEL = 0x7FC0DEAD;

    static OpenClBackend cl;

    @BeforeAll
    static void device() {
        cl = OpenClTestSupport.backend();
    }

    @Test
    void philoxKnownAnswersOnDevice() {
        final int tests = 16;
        final int[] ctr = new int[4 * tests];
        final int[] key = new int[2 * tests];
        final int[][] kat = org.reparamcl.rng.Philox4x32TestVectors.KAT;
        for (int t = 0; t < tests; t++) {
            final int[] v = kat[t % kat.length];
            for (int k = 0; k < 4; k++) {
                ctr[k * tests + t] = v[k];
            }
            key[t] = v[4];
            key[tests + t] = v[5];
        }
        final ClContext ctx = cl.context();
        try (ClBuffer c = ctx.allocate(4L * ctr.length); ClBuffer k = ctx.allocate(4L * key.length);
             ClBuffer o = ctx.allocate(16L * tests)) {
            CL.clEnqueueWriteBuffer(ctx.queue(), c.mem(), CL_TRUE, 0, 4L * ctr.length, Pointer.to(ctr), 0, null, null);
            CL.clEnqueueWriteBuffer(ctx.queue(), k.mem(), CL_TRUE, 0, 4L * key.length, Pointer.to(key), 0, null, null);
            final cl_kernel kernel = ctx.kernel("philox_kat");
            CL.clSetKernelArg(kernel, 0, Sizeof.cl_mem, Pointer.to(c.mem()));
            CL.clSetKernelArg(kernel, 1, Sizeof.cl_mem, Pointer.to(k.mem()));
            CL.clSetKernelArg(kernel, 2, Sizeof.cl_mem, Pointer.to(o.mem()));
            CL.clSetKernelArg(kernel, 3, Sizeof.cl_int, Pointer.to(new int[] {tests}));
            CL.clEnqueueNDRangeKernel(ctx.queue(), kernel, 1, null, new long[] {tests / 16}, null, 0, null, null);
            final int[] out = new int[4 * tests];
            cl.read(o, out, 0, out.length);
            for (int t = 0; t < tests; t++) {
                final int[] v = kat[t % kat.length];
                assertArrayEquals(new int[] {v[6], v[7], v[8], v[9]}, Arrays.copyOfRange(out, 4 * t, 4 * t + 4), "test " + t);
            }
        }
    }

    /**
     * At least 10^7 eps over random seeds, streams and odd offsets (including offsets whose block
     * crosses 2^32 and the top of the 2^64 range) and lengths not multiples of 4 or 64.
     */
    @Test
    void normalBitIdenticalToCpuReference() {
        final SplittableRandom rnd = new SplittableRandom(TestSeeds.fresh("reparam.noiseParitySeed"));
        long total = 0;
        try (CpuBackend cpu = CpuBackend.create(2); ClBuffer buf = cl.allocate(1 << 18)) {
            final float[] ref = new float[1 << 18];
            final float[] got = new float[1 << 18];
            for (int t = 0; total < 10_000_000L; t++) {
                final long seed = rnd.nextLong();
                final long stream = t % 3 == 0 ? 0 : rnd.nextLong();
                final long offset = switch (t % 5) {
                    case 0 -> (1L << 34) - 1 - rnd.nextInt(1000);        // block index crosses 2^32
                    case 1 -> -1L - (1 << 18) - rnd.nextInt(1000);        // the top of the stream
                    case 2 -> rnd.nextInt(7);
                    default -> rnd.nextLong() >>> 1 | 1;                 // odd
                };
                final int n = 1 + rnd.nextInt(1 << 18);
                cpu.fillNormal(seed, stream, offset, ref, 0, n);
                Arrays.fill(got, Float.intBitsToFloat(SENTINEL));
                cl.fillNormal(seed, stream, offset, buf, n);
                cl.read(buf, got, 0, n);
                compare(ref, got, n, "seed=" + seed + " stream=" + stream + " offset=" + Long.toUnsignedString(offset));
                total += n;
            }
        }
        assertTrue(total >= 10_000_000L);
    }

    /**
     * The lane-major entry points (philox_stream_x16, nt_box_muller_x16, store_interleaved_x16),
     * which other kernels build on, give the same eps as the reference, at every phase and with
     * ragged ends and an unpadded global size.
     */
    @Test
    void laneMajorEntryPointsBitIdenticalToCpuReference() {
        final SplittableRandom rnd = new SplittableRandom(4242);
        final ClContext ctx = cl.context();
        final cl_kernel kernel = ctx.kernel("noise_normal_lane_major");
        try (ClBuffer buf = cl.allocate(1 << 15)) {
            final float[] ref = new float[1 << 15];
            final float[] got = new float[1 << 15];
            for (int t = 0; t < 60; t++) {
                final long seed = rnd.nextLong();
                final long stream = rnd.nextLong();
                final long offset = t % 4 == 0 ? (1L << 34) - 1 - rnd.nextInt(300) : rnd.nextLong() >>> 1;
                final int n = 1 + rnd.nextInt(1 << 15);
                final int phase = (int) (offset & 3);
                NoiseStream.fillNormal(seed, stream, offset, ref, 0, n);
                Arrays.fill(got, Float.intBitsToFloat(SENTINEL));
                CL.clEnqueueWriteBuffer(ctx.queue(), buf.mem(), CL_TRUE, 0, 4L * got.length, Pointer.to(got), 0, null, null);
                CL.clSetKernelArg(kernel, 0, Sizeof.cl_mem, Pointer.to(buf.mem()));
                CL.clSetKernelArg(kernel, 1, Sizeof.cl_long, Pointer.to(new long[] {n}));
                CL.clSetKernelArg(kernel, 2, Sizeof.cl_long, Pointer.to(new long[] {offset >>> 2}));
                final int[] ints = {phase, (int) seed, (int) (seed >>> 32), (int) stream, (int) (stream >>> 32)};
                for (int i = 0; i < ints.length; i++) {
                    CL.clSetKernelArg(kernel, 3 + i, Sizeof.cl_int, Pointer.to(new int[] {ints[i]}));
                }
                final long items = (phase + n + OpenClBackend.ELEMENTS_PER_WORK_ITEM - 1) / OpenClBackend.ELEMENTS_PER_WORK_ITEM;
                CL.clEnqueueNDRangeKernel(ctx.queue(), kernel, 1, null, new long[] {items}, null, 0, null, null);
                cl.read(buf, got, 0, got.length);
                compare(ref, got, n, "lane-major seed=" + seed + " offset=" + Long.toUnsignedString(offset));
                for (int i = n; i < got.length; i++) {
                    assertEquals(SENTINEL, Float.floatToRawIntBits(got[i]), "written past n at " + i);
                }
            }
        }
    }

    @Test
    void bitsBitIdenticalToCpuReferenceIncludingBlocksNear2To64() {
        final SplittableRandom rnd = new SplittableRandom(77);
        try (ClBuffer buf = cl.allocate(1 << 16)) {
            final int[] got = new int[1 << 16];
            final int[] ref = new int[1 << 16];
            for (int t = 0; t < 40; t++) {
                final long seed = rnd.nextLong();
                final long stream = rnd.nextLong();
                final long offset = t % 2 == 0 ? rnd.nextLong() : (1L << 34) - 5 - rnd.nextInt(300);
                final int n = 1 + rnd.nextInt(1 << 16);
                NoiseStream.fillBits(seed, stream, offset, ref, 0, n);
                cl.fillBits(seed, stream, offset, buf, n);
                cl.read(buf, got, 0, n);
                assertArrayEquals(Arrays.copyOf(ref, n), Arrays.copyOf(got, n), "offset " + Long.toUnsignedString(offset));
            }
            // Blocks 2^64 - 40 .. 2^64 + 23 (wrapping to 0): only reachable at block level.
            final long first = -40L;
            final int n = 64 * 4;
            cl.fillBitsFromBlock(5, 6, first, buf, n);
            cl.read(buf, got, 0, n);
            final int[] w = new int[4];
            for (int b = 0; b < 64; b++) {
                Philox4x32.streamBlock(5, 6, first + b, w, 0);
                assertArrayEquals(w, Arrays.copyOfRange(got, 4 * b, 4 * b + 4), "block " + Long.toUnsignedString(first + b));
            }
        }
    }

    /**
     * Fills pad the launch to whole work-groups; elements at n and beyond (up to the buffer's end)
     * keep their previous contents, at every phase.
     */
    @Test
    void fillsLeaveElementsPastNUntouched() {
        final SplittableRandom rnd = new SplittableRandom(8080);
        final int cap = 3 * OpenClBackend.WORK_GROUP_SIZE * OpenClBackend.ELEMENTS_PER_WORK_ITEM + 5;
        final ClContext ctx = cl.context();
        try (ClBuffer buf = cl.allocate(cap)) {
            final int[] sentinel = new int[cap];
            Arrays.fill(sentinel, SENTINEL);
            final int[] got = new int[cap];
            final int[] ref = new int[cap];
            final float[] refEps = new float[cap];
            for (int t = 0; t < 40; t++) {
                final long seed = rnd.nextLong();
                final long offset = (rnd.nextLong() >>> 2) + (t & 3);
                final int n = t < 4 ? 1 + t : 1 + rnd.nextInt(cap);
                final boolean normal = t % 2 == 0;
                CL.clEnqueueWriteBuffer(ctx.queue(), buf.mem(), CL_TRUE, 0, 4L * cap, Pointer.to(sentinel), 0, null, null);
                if (normal) {
                    cl.fillNormal(seed, 3, offset, buf, n);
                    NoiseStream.fillNormal(seed, 3, offset, refEps, 0, n);
                    for (int i = 0; i < n; i++) {
                        ref[i] = Float.floatToRawIntBits(refEps[i]);
                    }
                } else {
                    cl.fillBits(seed, 3, offset, buf, n);
                    NoiseStream.fillBits(seed, 3, offset, ref, 0, n);
                }
                cl.read(buf, got, 0, cap);
                assertArrayEquals(Arrays.copyOf(ref, n), Arrays.copyOf(got, n), (normal ? "eps" : "words") + ", n = " + n);
                for (int i = n; i < cap; i++) {
                    assertEquals(SENTINEL, got[i], "element " + i + " written by a fill of n = " + n);
                }
            }
        }
    }

    @Test
    void chunkingInvarianceOnDevice() {
        final SplittableRandom rnd = new SplittableRandom(31337);
        try (ClBuffer whole = cl.allocate(5000); ClBuffer a = cl.allocate(5000); ClBuffer b = cl.allocate(5000)) {
            final float[] w = new float[5000];
            final float[] pa = new float[5000];
            final float[] pb = new float[5000];
            for (int t = 0; t < 100; t++) {
                final long seed = rnd.nextLong();
                final long offset = rnd.nextLong() >>> 2;
                final int n = 1 + rnd.nextInt(5000);
                final int s = rnd.nextInt(n + 1);
                cl.fillNormal(seed, 9, offset, whole, n);
                cl.read(whole, w, 0, n);
                if (s > 0) {
                    cl.fillNormal(seed, 9, offset, a, s);
                    cl.read(a, pa, 0, s);
                }
                if (n - s > 0) {
                    cl.fillNormal(seed, 9, offset + s, b, n - s);
                    cl.read(b, pb, 0, n - s);
                }
                final float[] joined = new float[n];
                System.arraycopy(pa, 0, joined, 0, s);
                System.arraycopy(pb, 0, joined, s, n - s);
                assertArrayEquals(Arrays.copyOf(w, n), joined, "split " + s + " of " + n);
            }
        }
    }

    @Test
    void hostArrayAndDirectBufferCallsMatchCpu() {
        final int n = (1 << 22) + 12345;                    // crosses the staging chunk
        final float[] ref = new float[n];
        NoiseStream.fillNormal(1, 2, 3, ref, 0, n);
        final float[] got = new float[n + 10];
        Arrays.fill(got, Float.intBitsToFloat(SENTINEL));
        cl.fillNormal(1, 2, 3, got, 7, n);
        compare(ref, Arrays.copyOfRange(got, 7, 7 + n), n, "host array");
        assertEquals(SENTINEL, Float.floatToRawIntBits(got[6]));
        assertEquals(SENTINEL, Float.floatToRawIntBits(got[7 + n]));
        final FloatBuffer direct = ByteBuffer.allocateDirect(4 * 1000).order(ByteOrder.nativeOrder()).asFloatBuffer();
        direct.position(10);
        cl.fillNormal(1, 2, 3, direct);
        assertEquals(1000, direct.position());
        for (int i = 0; i < 990; i++) {
            assertEquals(Float.floatToRawIntBits(ref[i]), Float.floatToRawIntBits(direct.get(10 + i)), "direct " + i);
        }
        // Raw words into a direct IntBuffer from a position that is not 0: the words land from there
        // (the chunk copy is absolute), and the words before it keep their values.
        final int[] refWords = new int[990];
        NoiseStream.fillBits(1, 2, 3, refWords, 0, 990);
        final IntBuffer words = ByteBuffer.allocateDirect(4 * 1000).order(ByteOrder.nativeOrder()).asIntBuffer();
        for (int i = 0; i < 1000; i++) {
            words.put(i, SENTINEL);
        }
        words.position(10);
        cl.fillBits(1, 2, 3, words);
        assertEquals(1000, words.position());
        for (int i = 0; i < 10; i++) {
            assertEquals(SENTINEL, words.get(i), "direct words before the position: " + i);
        }
        for (int i = 0; i < 990; i++) {
            assertEquals(refWords[i], words.get(10 + i), "direct words " + i);
        }
    }

    static void compare(float[] ref, float[] got, int n, String what) {
        for (int i = 0; i < n; i++) {
            if (Float.floatToRawIntBits(ref[i]) != Float.floatToRawIntBits(got[i])) {
                fail(what + ": element " + i + " of " + n + " differs: cpu " + ref[i] + " (0x"
                        + Integer.toHexString(Float.floatToRawIntBits(ref[i])) + "), opencl " + got[i] + " (0x"
                        + Integer.toHexString(Float.floatToRawIntBits(got[i])) + ")");
            }
        }
    }
}
