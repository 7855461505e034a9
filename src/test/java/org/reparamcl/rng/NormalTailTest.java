package org.reparamcl.rng;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;

import org.apache.commons.statistics.distribution.NormalDistribution;
import org.junit.jupiter.api.Test;

/**
 * How far the tail of eps reaches (SPEC §2: past 6.6, where a 2^-24 uniform stops at 5.9), and
 * that the largest |eps| of the whole stream is the radius of the least uniform.
 */
class NormalTailTest {
    private static final double SQRT_66_LN2 = Math.sqrt(66 * Math.log(2));

    /** Word 0 gives u = 2^-33 and the radius sqrt(-2 ln 2^-33) = sqrt(66 ln 2) = 6.76371, correctly rounded. */
    @Test
    void leastUniformGivesRadiusSqrt66Ln2() {
        assertEquals(0x1p-33f, NormalTransform.uniform(0));
        final float r0 = NormalTransform.radius(0);
        System.out.printf(Locale.ROOT, "[tail] radius(word 0) = %s = %.9g; sqrt(66 ln 2) = %.12g%n",
                Float.toHexString(r0), r0, SQRT_66_LN2);
        assertTrue(Math.abs(r0 - SQRT_66_LN2) <= 0.5 * Math.ulp(r0), "radius(0) correctly rounded");
        assertTrue(r0 > 6.6);
    }

    /**
     * Only word 0 passes 6.6: word 1 (u = 1.5 * 2^-32) gives 6.5993, and the radius does not
     * increase with the word (checked here on the first 2^16 words, on all words by
     * {@link NormalExhaustiveAccuracyTest#everyUniformValue()}).
     */
    @Test
    void onlyWordZeroPasses6point6() {
        final float r1 = NormalTransform.radius(1);
        assertEquals(Math.sqrt(-2 * Math.log(1.5 * 0x1p-32)), r1, Math.ulp(r1));
        assertTrue(r1 < 6.6, "radius(1) = " + r1);
        float prev = NormalTransform.radius(0);
        for (int w = 1; w <= 1 << 16; w++) {
            final float r = NormalTransform.radius(w);
            assertTrue(r <= prev, "radius increases at word " + w);
            prev = r;
        }
    }

    /**
     * |cos| and |sin| are at most 1 and equal 1 exactly on a band of angle words around each axis,
     * so the extremes of eps are +-radius(0), reached with word 2m = 0 and those angle words; and
     * fl(r * c) <= r when |c| <= 1, so no eps exceeds radius(0) in magnitude.
     */
    @Test
    void largestEpsIsTheRadiusOfTheLeastUniform() {
        final float r0 = NormalTransform.radius(0);
        assertEquals(r0, NormalTransform.first(0, 0));
        assertEquals(-r0, NormalTransform.first(0, 1 << 31));
        assertEquals(r0, NormalTransform.second(0, 1 << 30));
        assertEquals(-r0, NormalTransform.second(0, 3 << 30));
        // The band where cos(2 pi w / 2^32) rounds to exactly 1: |rho| <= band.
        int band = 0;
        while (NormalTransform.cosTurn(band + 1) == 1.0f) {
            band++;
        }
        for (int rho = -band; rho <= band; rho++) {
            assertEquals(1.0f, NormalTransform.cosTurn(rho));
            assertEquals(-1.0f, NormalTransform.cosTurn((2 << 30) + rho));
            assertEquals(1.0f, NormalTransform.sinTurn((1 << 30) + rho));
            assertEquals(-1.0f, NormalTransform.sinTurn((3 << 30) + rho));
        }
        assertTrue(NormalTransform.cosTurn(-band - 1) < 1.0f);
        // 1 - (pi/2 f)^2 / 2 rounds to 1 while it is within a quarter ulp (2^-25) of 1.
        final double predicted = Math.sqrt(2 * 0x1p-25) / (Math.PI / 2) * 0x1p30;
        System.out.printf(Locale.ROOT, "[tail] cos = 1 exactly for |rho| <= %d (%.6g predicted): %d words per axis%n",
                band, predicted, 2 * band + 1);
        assertEquals(predicted, band, 0.01 * predicted);
        // Sampled: no |cos|, |sin| above 1 (all 2^32 words: NormalExhaustiveAccuracyTest).
        for (long w = 0; w < 1L << 32; w += 65537) {
            assertTrue(Math.abs(NormalTransform.cosTurn((int) w)) <= 1 && Math.abs(NormalTransform.sinTurn((int) w)) <= 1);
            assertTrue(Math.abs(NormalTransform.first(0, (int) w)) <= r0);
        }
    }

    /**
     * The angle words whose eps passes 6.6 with word 2m = 0: |cos| > 6.6 / radius(0), a fraction
     * about 0.140 of them, so P(|eps| > 6.6) = 0.140 * 2^-32 = 3.3e-11 per eps against 4.1e-11 for
     * N(0, 1): the stream's tail beyond 6.6 holds 80% of the normal's mass there.
     */
    @Test
    void massBeyond6point6() {
        final float r0 = NormalTransform.radius(0);
        // Largest rho with r0 * cos(pi/2 rho 2^-30) > 6.6 (cos decreases in |rho| on quadrant 0).
        int lo = 0;
        int hi = 1 << 29;
        while (hi - lo > 1) {
            final int mid = (lo + hi) >>> 1;
            if (Math.abs(r0 * NormalTransform.cosTurn(mid)) > 6.6f) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        assertTrue(r0 * NormalTransform.cosTurn(lo) > 6.6f && r0 * NormalTransform.cosTurn(lo + 1) <= 6.6f);
        // Quadrants 0 and 2 for the cosine, each with rho in [-lo, lo].
        final double fraction = 2.0 * (2 * lo + 1) / 0x1p32;
        final double expectedFraction = 2 * Math.acos(6.6 / SQRT_66_LN2) / Math.PI;
        final double perEps = fraction * 0x1p-32;
        final double normal = 2 * NormalDistribution.of(0, 1).survivalProbability(6.6);
        System.out.printf(Locale.ROOT,
                "[tail] |eps| > 6.6 needs word 2m = 0 and one of %.4f of the angle words: P = %.3e per eps (N(0,1): %.3e)%n",
                fraction, perEps, normal);
        assertEquals(expectedFraction, fraction, 1e-6);
        assertTrue(perEps > 0.5 * normal && perEps < normal);
    }

    /**
     * A uniform with 24 bits, (k + 1/2) 2^-24, has its least value at 2^-25 and its radius stops at
     * sqrt(50 ln 2) = 5.887 (5.768 for a uniform k 2^-24 without the half step): short of 5.9,
     * where the stream's 32-bit uniform reaches 6.764.
     */
    @Test
    void aUniformOf24BitsStopsShortOf5point9() {
        final double r25 = Math.sqrt(-2.0f * NormalTransform.log(0x1p-25f));
        final double r24 = Math.sqrt(-2.0f * NormalTransform.log(0x1p-24f));
        System.out.printf(Locale.ROOT, "[tail] radius at u = 2^-25: %.6f, at 2^-24: %.6f, at 2^-33: %.6f%n",
                r25, r24, NormalTransform.radius(0));
        assertEquals(Math.sqrt(50 * Math.log(2)), r25, 1e-6);
        assertEquals(Math.sqrt(48 * Math.log(2)), r24, 1e-6);
        assertTrue(r24 < r25 && r25 < 5.9 && NormalTransform.radius(0) > 6.6);
    }
}
