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
 * {@link NormalTransform}'s formulas split into steps over arrays so that the polynomials and
 * square roots vectorize too, with the quadrant's case table of {@link NormalTransform#cosTurn}
 * and {@link NormalTransform#sinTurn} applied by bit masks instead of a switch (negation is a
 * sign-bit flip in both) and the int-to-float conversions done exactly by integer and float
 * operations (see {@link #unsignedToFloat}). NoiseStreamTest holds the fills to the per-element
 * definitions bit for bit.
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
            final Pairs pairs = new Pairs(2 * b.capacity());
            while (n - i >= 4) {
                final int count = Math.min(b.capacity(), (n - i) >>> 2);
                b.generate(k0, k1, s0, s1, block, count);
                pairs.normals(b, count, dst, pos + i);
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
     * Eps of word pairs in three steps over arrays: per pair, the integer and conversion work of
     * {@link NormalTransform#uniform}, {@link NormalTransform#log} and
     * {@link NormalTransform#quadrantFraction}; the polynomials and the square root, loops that C2
     * vectorizes; the quadrant table of {@link NormalTransform#cosTurn} and
     * {@link NormalTransform#sinTurn} and the products with the radius.
     */
    private static final class Pairs {
        final float[] t;
        final float[] exponent;
        final float[] fraction;
        final int[] quadrant;
        final float[] radius;
        final float[] cosQuarter;
        final float[] sinQuarter;

        Pairs(int capacity) {
            t = new float[capacity];
            exponent = new float[capacity];
            fraction = new float[capacity];
            quadrant = new int[capacity];
            radius = new float[capacity];
            cosQuarter = new float[capacity];
            sinQuarter = new float[capacity];
        }

        /**
         * Eps of the words of blocks 0 .. count-1 of {@code b} to {@code dst[pos .. pos + 4 count)}:
         * pair m, in stream order, is words (0, 1) of block m / 2 for even m, (2, 3) for odd m.
         */
        void normals(Blocks b, int count, float[] dst, int pos) {
            for (int i = 0; i < count; i++) {
                split(2 * i, (int) b.w0[i], (int) b.w1[i]);
                split(2 * i + 1, (int) b.w2[i], (int) b.w3[i]);
            }
            radii(2 * count);
            quarters(2 * count);
            combine(2 * count, dst, pos);
        }

        /** Pair m = (a, b): the log's reduced argument t and exponent, the angle's quadrant and fraction. */
        private void split(int m, int a, int b) {
            final float u = unsignedToFloat(a) * NormalTransform.TWO_POW_M32 + NormalTransform.TWO_POW_M33;
            final int bits = Float.floatToRawIntBits(u);
            final int e = (bits - NormalTransform.SQRT_HALF_BITS) >> 23;
            t[m] = Float.intBitsToFloat(bits - (e << 23)) - 1.0f;
            exponent[m] = smallSignedToFloat(e);
            final int q = NormalTransform.quadrant(b);
            quadrant[m] = q;
            fraction[m] = signed30ToFloat(b - (q << 30)) * NormalTransform.TWO_POW_M30;
        }

        /** radius = sqrt(-2 log u), from t and the exponent as in NormalTransform.log and radius. */
        private void radii(int pairs) {
            final float[] ts = t;
            final float[] es = exponent;
            final float[] rs = radius;
            for (int m = 0; m < pairs; m++) {
                final float x = ts[m];
                float p = NormalTransform.LOG_Q8;
                p = Math.fma(p, x, NormalTransform.LOG_Q7);
                p = Math.fma(p, x, NormalTransform.LOG_Q6);
                p = Math.fma(p, x, NormalTransform.LOG_Q5);
                p = Math.fma(p, x, NormalTransform.LOG_Q4);
                p = Math.fma(p, x, NormalTransform.LOG_Q3);
                p = Math.fma(p, x, NormalTransform.LOG_Q2);
                p = Math.fma(p, x, NormalTransform.LOG_Q1);
                p = Math.fma(p, x, NormalTransform.LOG_Q0);
                p = Math.fma(x * x, p, x);
                final float ef = es[m];
                final float log = Math.fma(ef, NormalTransform.LN2_HI, Math.fma(ef, NormalTransform.LN2_LO, p));
                rs[m] = (float) Math.sqrt(-2.0f * log);
            }
        }

        /** NormalTransform.cosQuarter and sinQuarter of the fractions. */
        private void quarters(int pairs) {
            final float[] fs = fraction;
            final float[] cs = cosQuarter;
            final float[] ss = sinQuarter;
            for (int m = 0; m < pairs; m++) {
                final float f = fs[m];
                final float f2 = f * f;
                float s = NormalTransform.SIN_S3;
                s = Math.fma(s, f2, NormalTransform.SIN_S2);
                s = Math.fma(s, f2, NormalTransform.SIN_S1);
                s = Math.fma(s, f2, NormalTransform.SIN_S0);
                ss[m] = f * s;
                float c = NormalTransform.COS_C3;
                c = Math.fma(c, f2, NormalTransform.COS_C2);
                c = Math.fma(c, f2, NormalTransform.COS_C1);
                c = Math.fma(c, f2, NormalTransform.COS_C0);
                cs[m] = Math.fma(c, f2, 1.0f);
            }
        }

        /** dst[pos + 2m] = radius * cosTurn, dst[pos + 2m + 1] = radius * sinTurn. */
        private void combine(int pairs, float[] dst, int pos) {
            for (int m = 0; m < pairs; m++) {
                final int q = quadrant[m];
                final int c = Float.floatToRawIntBits(cosQuarter[m]);
                final int s = Float.floatToRawIntBits(sinQuarter[m]);
                // Quadrant q: cos = (c, -s, -c, s)[q], sin = (s, c, -s, -c)[q].
                final int odd = -(q & 1);
                final int cosBits = ((c & ~odd) | (s & odd)) ^ (((q + 1) & 2) << 30);
                final int sinBits = ((s & ~odd) | (c & odd)) ^ ((q & 2) << 30);
                final float r = radius[m];
                dst[pos + 2 * m] = r * Float.intBitsToFloat(cosBits);
                dst[pos + 2 * m + 1] = r * Float.intBitsToFloat(sinBits);
            }
        }
    }

    /*
     * Exact int-to-float conversions from integer operations and exact float operations.
     * Implementation note: HotSpot 17's C2 compiles (float) i to vcvtsi2ss, which merges into its
     * destination register and so waits for that register's last writer; in Pairs.split that
     * chained consecutive pairs together (a third of the speed). These give the same values.
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
