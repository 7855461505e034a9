package org.reparamcl.rng;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class NoiseStreamTest {
    @Test
    void normalAtAgreesWithFillAtEveryPhase() {
        final float[] all = new float[103];
        NoiseStream.fillNormal(7, 3, 5, all, 0, all.length);
        for (int i = 0; i < all.length; i++) {
            assertEquals(Float.floatToRawIntBits(all[i]), Float.floatToRawIntBits(NoiseStream.normalAt(7, 3, 5 + i)), "i=" + i);
        }
    }

    /**
     * The fast fills against the plain per-element definitions, bit for bit: random seeds,
     * streams and offsets (block index crossing 2^32, the top of the stream), every phase,
     * lengths from 0 to several passes of the block buffer.
     */
    @Test
    void fillsEqualThePerElementDefinitionAtRandomOffsetsAndLengths() {
        final SplittableRandom rnd = new SplittableRandom(0x5EED);
        final int maxN = 5 * 4 * NoiseStream.BLOCKS_PER_PASS + 7;
        final float[] eps = new float[maxN + 2];
        final int[] words = new int[maxN + 2];
        for (int t = 0; t < 400; t++) {
            final long seed = rnd.nextLong();
            final long stream = t % 5 == 0 ? 0 : rnd.nextLong();
            final int n = t < 40 ? t : rnd.nextInt(maxN + 1);
            final long offset = switch (t % 4) {
                case 0 -> (1L << 34) - rnd.nextInt(2 * maxN);            // block index crosses 2^32
                case 1 -> -1L - n - rnd.nextInt(8) + 1;                    // ends at or near 2^64 - 1
                default -> rnd.nextLong();
            };
            final int pos = rnd.nextInt(3);
            eps[pos + n] = 42.0f;
            words[pos + n] = 42;
            NoiseStream.fillNormal(seed, stream, offset, eps, pos, n);
            NoiseStream.fillBits(seed, stream, offset, words, pos, n);
            for (int i = 0; i < n; i++) {
                final long index = offset + i;
                if (Float.floatToRawIntBits(eps[pos + i]) != Float.floatToRawIntBits(NoiseStream.normalAt(seed, stream, index))) {
                    assertEquals(NoiseStream.normalAt(seed, stream, index), eps[pos + i],
                            "eps " + Long.toUnsignedString(index) + " (element " + i + " of " + n + ", seed " + seed + ")");
                }
                if (words[pos + i] != NoiseStream.wordAt(seed, stream, index)) {
                    assertEquals(NoiseStream.wordAt(seed, stream, index), words[pos + i],
                            "word " + Long.toUnsignedString(index) + " (element " + i + " of " + n + ", seed " + seed + ")");
                }
            }
            assertEquals(42.0f, eps[pos + n], "wrote past the end, n = " + n);
            assertEquals(42, words[pos + n], "wrote past the end, n = " + n);
        }
    }

    /** The exact conversions of the fast path equal Java's casts, ties to even included. */
    @Test
    void exactConversionsEqualCasts() {
        for (int x = 0; x < (1 << 23); x += 1 + (x >>> 10)) {
            assertEquals((float) x, NoiseStream.smallUnsignedToFloat(x), "x = " + x);
        }
        for (int x = -(1 << 22); x < (1 << 22); x += 1 + (Math.abs(x) >>> 10)) {
            assertEquals((float) x, NoiseStream.smallSignedToFloat(x), "x = " + x);
        }
        final SplittableRandom rnd = new SplittableRandom(17);
        for (int k = 25; k <= 32; k++) {
            // Around the rounding ties of [2^(k-1), 2^k): multiples of half a float step, +-1.
            final long half = 1L << (k - 25);
            for (int t = 0; t < 4000; t++) {
                final long tie = (1L << (k - 1)) + half * rnd.nextLong((1L << 24));
                for (long d = -1; d <= 1; d++) {
                    final long v = Math.min(0xFFFFFFFFL, tie + d);
                    assertEquals((float) v, NoiseStream.unsignedToFloat((int) v), "w = " + v);
                    if (k <= 30) {
                        final int r = (int) (v >> 1);
                        assertEquals((float) r, NoiseStream.signed30ToFloat(r), "r = " + r);
                        assertEquals((float) -r, NoiseStream.signed30ToFloat(-r), "r = " + -r);
                    }
                }
            }
        }
        for (int t = 0; t < 1_000_000; t++) {
            final int w = rnd.nextInt();
            assertEquals((float) (w & 0xFFFFFFFFL), NoiseStream.unsignedToFloat(w), "w = " + Integer.toUnsignedString(w));
            final int r = w >> 2;
            assertEquals((float) r, NoiseStream.signed30ToFloat(r), "r = " + r);
        }
        for (int w : new int[] {0, 1, 511, 512, -1, -2, Integer.MIN_VALUE, Integer.MAX_VALUE, 0x00FFFFFF, 0x01000001}) {
            assertEquals((float) (w & 0xFFFFFFFFL), NoiseStream.unsignedToFloat(w), "w = " + Integer.toUnsignedString(w));
        }
        for (int r : new int[] {-(1 << 29), (1 << 29) - 1, 0, -1, 1, (1 << 24) + 1, -(1 << 24) - 1}) {
            assertEquals((float) r, NoiseStream.signed30ToFloat(r), "r = " + r);
        }
    }

    @Test
    void pairsUseCosineThenSineOfTheSameRadius() {
        final int[] w = new int[8];
        NoiseStream.fillBits(99, 1, 0, w, 0, 8);
        final float[] e = new float[8];
        NoiseStream.fillNormal(99, 1, 0, e, 0, 8);
        for (int m = 0; m < 4; m++) {
            final float r = NormalTransform.radius(w[2 * m]);
            assertEquals(r * NormalTransform.cosTurn(w[2 * m + 1]), e[2 * m]);
            assertEquals(r * NormalTransform.sinTurn(w[2 * m + 1]), e[2 * m + 1]);
        }
    }

    @Test
    void chunkingDoesNotChangeTheStream() {
        final SplittableRandom rnd = new SplittableRandom(2024);
        for (int t = 0; t < 200; t++) {
            final long seed = rnd.nextLong();
            final long stream = rnd.nextLong();
            final long offset = rnd.nextLong() >>> 1;
            final int n = 1 + rnd.nextInt(500);
            final int a = rnd.nextInt(n + 1);
            final float[] whole = new float[n];
            NoiseStream.fillNormal(seed, stream, offset, whole, 0, n);
            final float[] parts = new float[n];
            NoiseStream.fillNormal(seed, stream, offset, parts, 0, a);
            NoiseStream.fillNormal(seed, stream, offset + a, parts, a, n - a);
            assertArrayEquals(whole, parts);
            final int[] wb = new int[n];
            final int[] pb = new int[n];
            NoiseStream.fillBits(seed, stream, offset, wb, 0, n);
            NoiseStream.fillBits(seed, stream, offset, pb, 0, a);
            NoiseStream.fillBits(seed, stream, offset + a, pb, a, n - a);
            assertArrayEquals(wb, pb);
        }
    }

    @Test
    void rangeCheckRejectsRunningPastTheEndOfTheStream() {
        NoiseStream.checkRange(-4L, 4);                       // last four of 2^64: fine
        NoiseStream.checkRange(0, Integer.MAX_VALUE);
        NoiseStream.checkRange(5, 0);                          // nothing to generate: any offset
        NoiseStream.checkRange(-1L, 0);
        NoiseStream.checkRange(-1L, 1);                       // the last element
        final float[] none = new float[0];
        NoiseStream.fillNormal(1, 2, 12345, none, 0, 0);
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NoiseStream.checkRange(-4L, 5));
        assertEquals(true, e.getMessage().contains("past the end of the stream"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NoiseStream.checkRange(0, -1));
    }

    @Test
    void uniformSpansHalfStepToOne() {
        assertEquals(0x1p-33f, NormalTransform.uniform(0));
        assertEquals(0x1p-32f + 0x1p-33f, NormalTransform.uniform(1));
        assertEquals(1.0f, NormalTransform.uniform(-1));
        // The radius of the least uniform: sqrt(-2 ln 2^-33) = 6.7636, past SPEC's 6.6.
        assertEquals(Math.sqrt(66 * Math.log(2)), NormalTransform.radius(0), 2e-6);
    }
}
