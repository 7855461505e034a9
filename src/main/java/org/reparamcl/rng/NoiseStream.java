package org.reparamcl.rng;

/**
 * The single-threaded reference definition of the noise stream of SPEC §2: raw words and
 * normal eps addressed by (seed, stream, index), with 64-bit indices read as unsigned.
 *
 * <p>Element {@code i} of a fill with offset {@code O} is word or eps number {@code O + i}.
 * Eps {@code j} comes from the word pair (2m, 2m+1) that contains {@code j}: the cosine for even
 * {@code j}, the sine for odd {@code j}. A pair never straddles two blocks, so every element
 * depends on one Philox block only.
 *
 * <p>Implementation note: {@link #normalAt} and {@link #wordAt} are the plain per-element
 * definitions, built from {@link Philox4x32#block} and {@link NormalTransform}. The fills compute
 * the same operations faster. Whole blocks are generated {@value #BLOCKS_PER_PASS} at a time with
 * {@code Philox4x32.block}'s rounds written as simple loops over arrays of blocks (each word in the
 * low half of a long), which HotSpot's C2 turns into vector code. Eps then come from
 * {@link NormalTransform}'s formulas inlined, with the quadrant's case table of
 * {@link NormalTransform#cosTurn} and {@link NormalTransform#sinTurn} applied by bit masks instead
 * of a switch (negation is a sign-bit flip in both) and the int-to-float conversions done exactly
 * by integer and float operations (see {@link #unsignedToFloat}). NoiseStreamTest holds the fills
 * to the per-element definitions bit for bit.
 */
public final class NoiseStream {
    /** Number of addressable elements of one (seed, stream): 2^64 (indices are unsigned longs). */
    public static final String LENGTH = "2^64";

    /** Blocks generated per pass of a fill. */
    static final int BLOCKS_PER_PASS = 64;

    private static final long M0 = Philox4x32.M_PHILOX_4X32_0 & 0xFFFFFFFFL;
    private static final long M1 = Philox4x32.M_PHILOX_4X32_1 & 0xFFFFFFFFL;
    private static final long LO32 = 0xFFFFFFFFL;

    private NoiseStream() {
    }

    /** Writes words {@code offset .. offset+n-1} of (seed, stream) to {@code dst[pos ..]}. */
    public static void fillBits(long seed, long stream, long offset, int[] dst, int pos, int n) {
        final int k0 = (int) seed;
        final int k1 = (int) (seed >>> 32);
        final int s0 = (int) stream;
        final int s1 = (int) (stream >>> 32);
        final int[] w = new int[4];
        long block = offset >>> 2;
        int lane = (int) (offset & 3);
        int i = 0;
        // Head: a partial block.
        if (lane != 0 && n > 0) {
            Philox4x32.block((int) block, (int) (block >>> 32), s0, s1, k0, k1, w, 0);
            for (; lane < 4 && i < n; lane++, i++) {
                dst[pos + i] = w[lane];
            }
            block++;
        }
        // Body: whole blocks.
        if (n - i >= 4) {
            final Blocks b = new Blocks(Math.min(BLOCKS_PER_PASS, (n - i) >>> 2));
            while (n - i >= 4) {
                final int count = Math.min(b.capacity(), (n - i) >>> 2);
                b.generate(k0, k1, s0, s1, block, count);
                b.interleave(count, dst, pos + i);
                i += 4 * count;
                block += count;
            }
        }
        // Tail: a partial block.
        if (i < n) {
            Philox4x32.block((int) block, (int) (block >>> 32), s0, s1, k0, k1, w, 0);
            for (lane = 0; i < n; lane++, i++) {
                dst[pos + i] = w[lane];
            }
        }
    }

    /** Writes eps {@code offset .. offset+n-1} of (seed, stream) to {@code dst[pos ..]}. */
    public static void fillNormal(long seed, long stream, long offset, float[] dst, int pos, int n) {
        final int k0 = (int) seed;
        final int k1 = (int) (seed >>> 32);
        final int s0 = (int) stream;
        final int s1 = (int) (stream >>> 32);
        final int[] w = new int[4];
        long block = offset >>> 2;
        int lane = (int) (offset & 3);
        int i = 0;
        // Head: a partial block.
        if (lane != 0 && n > 0) {
            Philox4x32.block((int) block, (int) (block >>> 32), s0, s1, k0, k1, w, 0);
            for (; lane < 4 && i < n; lane++, i++) {
                dst[pos + i] = eps(w, lane);
            }
            block++;
        }
        // Body: whole blocks.
        if (n - i >= 4) {
            final Blocks b = new Blocks(Math.min(BLOCKS_PER_PASS, (n - i) >>> 2));
            while (n - i >= 4) {
                final int count = Math.min(b.capacity(), (n - i) >>> 2);
                b.generate(k0, k1, s0, s1, block, count);
                normalPairs(b.w0, b.w1, count, dst, pos + i);
                normalPairs(b.w2, b.w3, count, dst, pos + i + 2);
                i += 4 * count;
                block += count;
            }
        }
        // Tail: a partial block.
        if (i < n) {
            Philox4x32.block((int) block, (int) (block >>> 32), s0, s1, k0, k1, w, 0);
            for (lane = 0; i < n; lane++, i++) {
                dst[pos + i] = eps(w, lane);
            }
        }
    }

    /**
     * Words of consecutive blocks in lane-major arrays: word k of block i is the low 32 bits of
     * {@code wk[i]} (the high bits are unspecified).
     */
    private static final class Blocks {
        final long[] w0;
        final long[] w1;
        final long[] w2;
        final long[] w3;

        Blocks(int capacity) {
            w0 = new long[capacity];
            w1 = new long[capacity];
            w2 = new long[capacity];
            w3 = new long[capacity];
        }

        int capacity() {
            return w0.length;
        }

        /**
         * Blocks {@code block .. block+count-1} (64-bit, wrapping) into w0..w3[0 .. count):
         * {@link Philox4x32#block}'s rounds, unchanged, each round one loop over the blocks.
         */
        void generate(int k0, int k1, int s0, int s1, long block, int count) {
            final long[] x0 = w0;
            final long[] x1 = w1;
            final long[] x2 = w2;
            final long[] x3 = w3;
            for (int i = 0; i < count; i++) {
                final long b = block + i;
                x0[i] = b;
                x1[i] = b >>> 32;
                x2[i] = s0;
                x3[i] = s1;
            }
            long ka = k0;
            long kb = k1;
            for (int r = 0; r < Philox4x32.ROUNDS; r++) {
                for (int i = 0; i < count; i++) {
                    final long p0 = M0 * (x0[i] & LO32);
                    final long p1 = M1 * (x2[i] & LO32);
                    x0[i] = (p1 >>> 32) ^ x1[i] ^ ka;
                    x2[i] = (p0 >>> 32) ^ x3[i] ^ kb;
                    x1[i] = p1;
                    x3[i] = p0;
                }
                ka += Philox4x32.W_PHILOX_32_A;       // carries only reach the unused high half
                kb += Philox4x32.W_PHILOX_32_B;
            }
        }

        /** Words of blocks 0 .. count-1 in stream order to {@code dst[pos ..]}. */
        void interleave(int count, int[] dst, int pos) {
            for (int i = 0; i < count; i++) {
                dst[pos + 4 * i] = (int) w0[i];
                dst[pos + 4 * i + 1] = (int) w1[i];
                dst[pos + 4 * i + 2] = (int) w2[i];
                dst[pos + 4 * i + 3] = (int) w3[i];
            }
        }
    }

    /**
     * Eps of the word pairs {@code (a, b) = (words0[i], words1[i])}, i = 0 .. count-1, to
     * {@code dst[pos + 4i]} (cosine) and {@code dst[pos + 4i + 1]} (sine): the operations of
     * {@link NormalTransform#first} and {@link NormalTransform#second}, one radius per pair.
     */
    private static void normalPairs(long[] words0, long[] words1, int count, float[] dst, int pos) {
        for (int i = 0; i < count; i++) {
            final int a = (int) words0[i];
            final int b = (int) words1[i];
            // radius(a) = sqrt(-2 log(uniform(a))), NormalTransform.uniform, log and radius inlined.
            final float u = unsignedToFloat(a) * NormalTransform.TWO_POW_M32 + NormalTransform.TWO_POW_M33;
            final int bits = Float.floatToRawIntBits(u);
            final int e = (bits - NormalTransform.SQRT_HALF_BITS) >> 23;
            final float t = Float.intBitsToFloat(bits - (e << 23)) - 1.0f;
            float p = NormalTransform.LOG_Q8;
            p = Math.fma(p, t, NormalTransform.LOG_Q7);
            p = Math.fma(p, t, NormalTransform.LOG_Q6);
            p = Math.fma(p, t, NormalTransform.LOG_Q5);
            p = Math.fma(p, t, NormalTransform.LOG_Q4);
            p = Math.fma(p, t, NormalTransform.LOG_Q3);
            p = Math.fma(p, t, NormalTransform.LOG_Q2);
            p = Math.fma(p, t, NormalTransform.LOG_Q1);
            p = Math.fma(p, t, NormalTransform.LOG_Q0);
            p = Math.fma(t * t, p, t);
            final float ef = smallSignedToFloat(e);
            final float log = Math.fma(ef, NormalTransform.LN2_HI, Math.fma(ef, NormalTransform.LN2_LO, p));
            final float r = (float) Math.sqrt(-2.0f * log);
            // cosTurn(b), sinTurn(b): quadrant q, fraction f, then the switch tables by bit masks.
            final int q = NormalTransform.quadrant(b);
            final float f = signed30ToFloat(b - (q << 30)) * NormalTransform.TWO_POW_M30;
            final int c = Float.floatToRawIntBits(NormalTransform.cosQuarter(f));
            final int s = Float.floatToRawIntBits(NormalTransform.sinQuarter(f));
            // Quadrant q: cos = (c, -s, -c, s)[q], sin = (s, c, -s, -c)[q].
            final int odd = -(q & 1);
            final int cosBits = ((c & ~odd) | (s & odd)) ^ (((q + 1) & 2) << 30);
            final int sinBits = ((s & ~odd) | (c & odd)) ^ ((q & 2) << 30);
            dst[pos + 4 * i] = r * Float.intBitsToFloat(cosBits);
            dst[pos + 4 * i + 1] = r * Float.intBitsToFloat(sinBits);
        }
    }

    /*
     * Exact int-to-float conversions from integer operations and exact float operations.
     * Implementation note: HotSpot 17's C2 compiles (float) i to vcvtsi2ss, which merges into its
     * destination register and so waits for that register's last writer; in the loop above that
     * chains consecutive pairs together and halves the throughput. These give the same values.
     */

    /** (float) x for 0 <= x < 2^23: exact, as 2^23 + x is a float. */
    static float smallUnsignedToFloat(int x) {
        return Float.intBitsToFloat(0x4B000000 | x) - 0x1p23f;
    }

    /** (float) x for -2^22 <= x < 2^22: exact, as 1.5 * 2^23 + x is a float. */
    static float smallSignedToFloat(int x) {
        return Float.intBitsToFloat(0x4B400000 + x) - 0x1.8p23f;
    }

    /**
     * (float) (w & 0xFFFFFFFFL), rounded to nearest even: w = 512 hi + lo with both parts exact
     * floats, and one fused multiply-add rounds the exact sum once.
     */
    static float unsignedToFloat(int w) {
        return Math.fma(smallUnsignedToFloat(w >>> 9), 512.0f, smallUnsignedToFloat(w & 511));
    }

    /** (float) r for -2^29 <= r < 2^29, rounded to nearest even (r = 128 hi + lo, as above). */
    static float signed30ToFloat(int r) {
        return Math.fma(smallSignedToFloat(r >> 7), 128.0f, smallUnsignedToFloat(r & 127));
    }

    /** Eps of lane {@code lane} of a block whose words are {@code w[0..3]}. */
    static float eps(int[] w, int lane) {
        final int a = w[lane & 2];
        final int b = w[lane | 1];
        return (lane & 1) == 0 ? NormalTransform.first(a, b) : NormalTransform.second(a, b);
    }

    /** Eps number {@code index} of (seed, stream): the plain per-element definition. */
    public static float normalAt(long seed, long stream, long index) {
        final int[] w = new int[4];
        Philox4x32.streamBlock(seed, stream, index >>> 2, w, 0);
        return eps(w, (int) (index & 3));
    }

    /** Word number {@code index} of (seed, stream): the plain per-element definition. */
    public static int wordAt(long seed, long stream, long index) {
        final int[] w = new int[4];
        Philox4x32.streamBlock(seed, stream, index >>> 2, w, 0);
        return w[(int) (index & 3)];
    }

    /**
     * Checks that {@code n} elements starting at {@code offset} lie inside the 2^64-element
     * stream; throws IllegalArgumentException naming the values otherwise.
     */
    public static void checkRange(long offset, long n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, got " + n);
        }
        if (n > 0 && Long.compareUnsigned(offset - 1 + n, offset) < 0) {
            throw new IllegalArgumentException("offset " + Long.toUnsignedString(offset) + " + n " + n
                    + " runs past the end of the stream (2^64 elements)");
        }
    }
}
