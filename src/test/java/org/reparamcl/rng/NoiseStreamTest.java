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
