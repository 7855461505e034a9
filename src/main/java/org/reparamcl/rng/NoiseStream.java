package org.reparamcl.rng;

/**
 * The single-threaded reference definition of the noise stream of SPEC §2: raw words and
 * normal eps addressed by (seed, stream, index), with 64-bit indices read as unsigned.
 *
 * <p>Element {@code i} of a fill with offset {@code O} is word or eps number {@code O + i}.
 * Eps {@code j} comes from the word pair (2m, 2m+1) that contains {@code j}: the cosine for even
 * {@code j}, the sine for odd {@code j}. A pair never straddles two blocks, so every element
 * depends on one Philox block only.
 */
public final class NoiseStream {
    /** Number of addressable elements of one (seed, stream): 2^64 (indices are unsigned longs). */
    public static final String LENGTH = "2^64";

    private NoiseStream() {
    }

    /** Writes words {@code offset .. offset+n-1} of (seed, stream) to {@code dst[pos ..]}. */
    public static void fillBits(long seed, long stream, long offset, int[] dst, int pos, int n) {
        final int[] w = new int[4];
        long block = offset >>> 2;
        int lane = (int) (offset & 3);
        int i = 0;
        while (i < n) {
            Philox4x32.streamBlock(seed, stream, block, w, 0);
            for (; lane < 4 && i < n; lane++, i++) {
                dst[pos + i] = w[lane];
            }
            lane = 0;
            block++;
        }
    }

    /** Writes eps {@code offset .. offset+n-1} of (seed, stream) to {@code dst[pos ..]}. */
    public static void fillNormal(long seed, long stream, long offset, float[] dst, int pos, int n) {
        final int[] w = new int[4];
        final int k0 = (int) seed;
        final int k1 = (int) (seed >>> 32);
        final int s0 = (int) stream;
        final int s1 = (int) (stream >>> 32);
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
        for (; n - i >= 4; i += 4, block++) {
            Philox4x32.block((int) block, (int) (block >>> 32), s0, s1, k0, k1, w, 0);
            final float r0 = NormalTransform.radius(w[0]);
            final float r2 = NormalTransform.radius(w[2]);
            dst[pos + i] = r0 * NormalTransform.cosTurn(w[1]);
            dst[pos + i + 1] = r0 * NormalTransform.sinTurn(w[1]);
            dst[pos + i + 2] = r2 * NormalTransform.cosTurn(w[3]);
            dst[pos + i + 3] = r2 * NormalTransform.sinTurn(w[3]);
        }
        // Tail: a partial block.
        if (i < n) {
            Philox4x32.block((int) block, (int) (block >>> 32), s0, s1, k0, k1, w, 0);
            for (lane = 0; i < n; lane++, i++) {
                dst[pos + i] = eps(w, lane);
            }
        }
    }

    /** Eps of lane {@code lane} of a block whose words are {@code w[0..3]}. */
    static float eps(int[] w, int lane) {
        final int a = w[lane & 2];
        final int b = w[lane | 1];
        return (lane & 1) == 0 ? NormalTransform.first(a, b) : NormalTransform.second(a, b);
    }

    /** Eps number {@code index} of (seed, stream). */
    public static float normalAt(long seed, long stream, long index) {
        final int[] w = new int[4];
        Philox4x32.streamBlock(seed, stream, index >>> 2, w, 0);
        return eps(w, (int) (index & 3));
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
