package org.reparamcl.rng;

/**
 * Philox4x32-10, the counter-based generator of Salmon et al., "Parallel random numbers: as easy
 * as 1, 2, 3" (SC'11), exactly as Random123's {@code philox4x32_R(10, ctr, key)}.
 *
 * <p>A pure function: four 32-bit counter words and two key words in, four words out. The
 * OpenCL twin is {@code kernels/philox4x32.cl}; both perform the same rounds in the same order.
 *
 * <p>Stream layout (SPEC §2, documented once here and in {@code docs/NOISE.md}): for a 64-bit
 * {@code seed} and {@code stream}, key = (low32(seed), high32(seed)); block {@code b} uses
 * ctr = (low32(b), high32(b), low32(stream), high32(stream)); word {@code j} of the stream is
 * lane {@code j mod 4} of block {@code floor(j / 4)}.
 */
public final class Philox4x32 {
    /** Multiplier of counter word 0 (Random123 PHILOX_M4x32_0). */
    public static final int M_PHILOX_4X32_0 = 0xD2511F53;
    /** Multiplier of counter word 2 (Random123 PHILOX_M4x32_1). */
    public static final int M_PHILOX_4X32_1 = 0xCD9E8D57;
    /** Weyl increment of key word 0: the golden ratio, 2^32 * (sqrt(5) - 1) / 2. */
    public static final int W_PHILOX_32_A = 0x9E3779B9;
    /** Weyl increment of key word 1: 2^32 * (sqrt(3) - 1). */
    public static final int W_PHILOX_32_B = 0xBB67AE85;
    /** Number of rounds; 10 is Random123's default and the one with published known answers. */
    public static final int ROUNDS = 10;
    /** Words per block. */
    public static final int WORDS_PER_BLOCK = 4;

    private static final long M0 = M_PHILOX_4X32_0 & 0xFFFFFFFFL;
    private static final long M1 = M_PHILOX_4X32_1 & 0xFFFFFFFFL;

    private Philox4x32() {
    }

    /**
     * Computes {@code philox4x32_R(10, ctr, key)} and writes the four output words to
     * {@code out[pos..pos+3]}.
     */
    public static void block(int c0, int c1, int c2, int c3, int k0, int k1, int[] out, int pos) {
        for (int r = 0; r < ROUNDS; r++) {
            // 64-bit products give hi and lo halves in one multiply (a 64-bit product beats mul_hi).
            final long p0 = M0 * (c0 & 0xFFFFFFFFL);
            final long p1 = M1 * (c2 & 0xFFFFFFFFL);
            final int n0 = (int) (p1 >>> 32) ^ c1 ^ k0;
            final int n2 = (int) (p0 >>> 32) ^ c3 ^ k1;
            c1 = (int) p1;
            c3 = (int) p0;
            c0 = n0;
            c2 = n2;
            k0 += W_PHILOX_32_A;
            k1 += W_PHILOX_32_B;
        }
        out[pos] = c0;
        out[pos + 1] = c1;
        out[pos + 2] = c2;
        out[pos + 3] = c3;
    }

    /** The four words of block {@code block} of ({@code seed}, {@code stream}), per the layout above. */
    public static void streamBlock(long seed, long stream, long block, int[] out, int pos) {
        block((int) block, (int) (block >>> 32), (int) stream, (int) (stream >>> 32),
                (int) seed, (int) (seed >>> 32), out, pos);
    }
}
