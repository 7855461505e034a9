package org.reparamcl.rng;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * Accuracy of the float32 transform against the float64 evaluation of the same formula on the
 * same words ({@link Float64Reference}), with the bounds docs/NOISE.md states.
 *
 * <p>The component bounds below are the maxima of {@link NormalExhaustiveAccuracyTest} (every
 * uniform value, all 2^32 angle words) rounded up by the stated margin; this test re-measures
 * them on random, adversarial and swept words in a few seconds and prints the worst cases. The
 * eps bounds are not measured maxima: they follow from the component bounds for every word pair
 * (see {@link #EPS_REL}), and the measured eps errors must stay inside them.
 */
class NormalAccuracyTest {
    /** log(u): exhaustive max 0.8728 ulp; margin +0.05 ulp. */
    static final double LOG_ULPS = 0.93;
    /** radius: exhaustive max 0.9683 ulp; margin +0.05 ulp. */
    static final double RADIUS_ULPS = 1.02;
    /** radius: exhaustive max 3.9551e-7 absolute (at r = 5.78); margin 5%. */
    static final double RADIUS_ABS = 4.16e-7;
    /** radius: exhaustive max 9.7483e-8 relative; margin 5%. */
    static final double RADIUS_REL = 1.024e-7;
    /** cos and sin of the angle word: exhaustive max 2.4585 ulp; margin +0.05 ulp. */
    static final double TURN_ULPS = 2.51;
    /** cos and sin: exhaustive max 1.0276e-7 absolute; margin 5%. */
    static final double TURN_ABS = 1.079e-7;
    /** cos and sin: exhaustive max 1.7641e-7 relative; margin 5%. */
    static final double TURN_REL = 1.853e-7;

    /**
     * eps relative error bound for every word pair: eps = fl(r * c) with r = r64 (1 + a),
     * c = c64 (1 + b), |a| <= RADIUS_REL, |b| <= TURN_REL and the product's rounding at most 2^-24
     * relative, so |eps - eps64| <= |eps64| ((1 + RADIUS_REL)(1 + TURN_REL)(1 + 2^-24) - 1).
     * (c64 = 0 only where c is exactly +-0, the words q * 2^30 + 2^30 with f = 0.)
     */
    static final double EPS_REL = (1 + RADIUS_REL) * (1 + TURN_REL) * (1 + 0x1p-24) - 1;
    /** eps in float32 ulps: |eps64| < 2^24 ulp32(eps64), so at most 2^24 EPS_REL ulps. */
    static final double EPS_ULPS = EPS_REL * 0x1p24;
    /**
     * eps absolute error: at most |fl(p) - p| + |r - r64| |c| + r64 |c - c64| with p = r c exact,
     * |p| <= r64max (1 + RADIUS_REL) < 8 so the rounding is at most 2^-22, and r64max =
     * sqrt(66 ln 2); also at most r64max EPS_REL. The smaller of the two.
     */
    static final double EPS_ABS = Math.min(0x1p-22 + RADIUS_ABS + Math.sqrt(66 * Math.log(2)) * TURN_ABS,
            Math.sqrt(66 * Math.log(2)) * EPS_REL);

    /** The quantities measured on a set of word pairs. */
    private static final class Errors {
        final WorstCase log = new WorstCase("log");
        final WorstCase radius = new WorstCase("radius");
        final WorstCase cos = new WorstCase("cos");
        final WorstCase sin = new WorstCase("sin");
        final WorstCase eps = new WorstCase("eps");

        void addRadius(int a) {
            final float u = NormalTransform.uniform(a);
            log.add(NormalTransform.log(u), Float64Reference.log(u), a, 0);
            radius.add(NormalTransform.radius(a), Float64Reference.radius(a), a, 0);
        }

        void addAngle(int b) {
            cos.add(NormalTransform.cosTurn(b), Float64Reference.cosTurn(b), 0, b);
            sin.add(NormalTransform.sinTurn(b), Float64Reference.sinTurn(b), 0, b);
        }

        void addPair(int a, int b) {
            addRadius(a);
            addAngle(b);
            eps.add(NormalTransform.first(a, b), Float64Reference.first(a, b), a, b);
            eps.add(NormalTransform.second(a, b), Float64Reference.second(a, b), a, b);
        }

        void print(String label) {
            for (WorstCase w : new WorstCase[] {log, radius, cos, sin, eps}) {
                if (w.count > 0) {
                    System.out.println("[" + label + "] " + w);
                }
            }
        }

        void assertWithinBounds() {
            assertTrue(log.ulps <= LOG_ULPS, log.toString());
            assertTrue(radius.ulps <= RADIUS_ULPS && radius.abs <= RADIUS_ABS && radius.rel <= RADIUS_REL, radius.toString());
            for (WorstCase t : new WorstCase[] {cos, sin}) {
                assertTrue(t.ulps <= TURN_ULPS && t.abs <= TURN_ABS && t.rel <= TURN_REL, t.toString());
            }
            assertTrue(eps.ulps <= EPS_ULPS && eps.abs <= EPS_ABS && eps.rel <= EPS_REL, eps.toString());
        }
    }

    @Test
    void randomWordPairs() {
        final SplittableRandom rnd = new SplittableRandom(0x5EED_ACC0L);
        final Errors e = new Errors();
        for (int i = 0; i < 1 << 20; i++) {
            e.addPair(rnd.nextInt(), rnd.nextInt());
        }
        e.print("random 2^20 pairs");
        System.out.printf(Locale.ROOT, "[bounds] eps: %.4e abs, %.4f ulp, %.4e rel (from the component bounds)%n",
                EPS_ABS, EPS_ULPS, EPS_REL);
        e.assertWithinBounds();
    }

    /**
     * Every pair of an adversarial radius word and an adversarial angle word: the ends of the
     * uniform's range, the binade edges of float(w) and of u, the log's reduction boundary
     * sqrt(1/2) 2^-k in every binade the uniform reaches, the quadrant edges and centres, the
     * edges where float(rho) starts rounding, and the worst words of the exhaustive run.
     */
    @Test
    void adversarialWords() {
        final List<Integer> radiusWords = new ArrayList<>();
        for (long w : new long[] {0, 1, 2, 3, 4, 5, 0x7FFFFF, 0x800000, 0x800001, 0xFFFFFF, 0x1000000, 0x1000001,
                0x1000002, 0x1000003, 0x7FFFFFFFL, 0x80000000L, 0x80000001L, 0xFFFFFF00L, 0xFFFFFF7FL, 0xFFFFFF80L,
                0xFFFFFF81L, 0xFFFFFFFFL,
                // Worst words of the exhaustive run: log abs, ulp, rel; radius abs, ulp, rel.
                0x17E, 0xA4144F00L, 0x5DB37580, 0xEB, 0x5A7F5C80, 0x9A85F300L}) {
            radiusWords.add((int) w);
        }
        for (int k = 1; k < 32; k++) {
            for (long d = -1; d <= 1; d++) {
                radiusWords.add((int) ((1L << k) + d));
            }
        }
        // Words whose u is next to the reduction boundary 0x3F3504F3 scaled by 2^-k.
        for (int k = 0; k <= 32; k++) {
            final float boundary = Float.intBitsToFloat(NormalTransform.SQRT_HALF_BITS - (k << 23));
            final long w0 = (long) Math.floor(boundary * 0x1p32);
            final long s = Math.max(1, (long) Math.ulp((float) w0));
            for (long d = -2; d <= 2; d++) {
                for (long w : new long[] {w0 + d, w0 + d * s}) {
                    if (w >= 0 && w <= 0xFFFFFFFFL) {
                        radiusWords.add((int) w);
                    }
                }
            }
            final float below = Math.nextDown(boundary);
            assertTrue(NormalTransform.log(below) <= NormalTransform.log(boundary), "log decreases across 2^-" + k + " sqrt(1/2)");
        }
        final List<Integer> angleWords = new ArrayList<>();
        final int[] remainders = {0, 1, -1, 2, -2, 3, (1 << 23) - 1, 1 << 23, (1 << 24) - 1, 1 << 24, (1 << 24) + 1,
            -((1 << 24) + 1), (1 << 28) - 8, (1 << 28) + 8, (1 << 28) + 24, (1 << 29) - 17, (1 << 29) - 16,
            (1 << 29) - 1, -(1 << 29), -(1 << 29) + 1, -(1 << 29) + 16, -(1 << 29) + 17};
        for (int q = 0; q < 4; q++) {
            for (int r : remainders) {
                angleWords.add((q << 30) + r);
            }
        }
        // Worst words of the exhaustive run: cos and sin abs, ulp, rel.
        for (int b : new int[] {0x5EE6A4B0, 0x1EE6A4B0, 0x4A455ED8, 0x0A455ED8, 0x4A5A03B8, 0x0A5A03B8}) {
            angleWords.add(b);
        }
        final Errors e = new Errors();
        for (int a : radiusWords) {
            for (int b : angleWords) {
                e.addPair(a, b);
            }
        }
        e.print("adversarial " + radiusWords.size() + " x " + angleWords.size());
        e.assertWithinBounds();
    }

    /**
     * The radius on every word below 2^17 (u below 2^-15, radius above 4.56: the whole deep tail)
     * and on every 4093rd word above; the radius must not increase with the word.
     */
    @Test
    void radiusSweep() {
        final Errors e = new Errors();
        float prev = Float.POSITIVE_INFINITY;
        long w = 0;
        while (w <= 0xFFFFFFFFL) {
            final int a = (int) w;
            e.addRadius(a);
            final float r = NormalTransform.radius(a);
            assertTrue(r <= prev, () -> "radius increases at word " + a);
            prev = r;
            w += w < 1 << 17 ? 1 : 4093;
        }
        e.print("radius sweep");
        e.assertWithinBounds();
    }

    /**
     * cos/sin on every 1021st remainder rho in [0, 2^29) of quadrant 0, and on the first and last
     * remainder that float(rho) rounds to the same value (the error peaks there); the quadrant
     * symmetries tested in {@link #quadrantsAreExactSignSwapsOfQuadrantZero()} carry the result
     * to every word.
     */
    @Test
    void angleSweep() {
        final Errors e = new Errors();
        for (int rho = 0; rho < 1 << 29; rho += 1021) {
            e.addAngle(rho);
            if (rho >= 1 << 24) {
                final float f = rho;
                final int half = (int) Math.ulp(f) / 2;
                for (int end : new int[] {(int) f - half, (int) f - half + 1, (int) f + half - 1, (int) f + half}) {
                    if ((float) end == f && end < 1 << 29) {
                        e.addAngle(end);
                    }
                }
            }
        }
        e.print("angle sweep");
        e.assertWithinBounds();
    }

    /**
     * cos(t + pi/2) = -sin t and sin(t + pi/2) = cos t hold bit for bit between neighbouring
     * quadrants, and cos(-t) = cos t, sin(-t) = -sin t hold between the words w and -w (up to the
     * sign of zero; except where rho = -2^29, whose mirror -w has rho = -2^29 in another quadrant),
     * so quadrant 0 with rho >= 0 stands for all words.
     */
    @Test
    void quadrantsAreExactSignSwapsOfQuadrantZero() {
        final SplittableRandom rnd = new SplittableRandom(90);
        final int[] edges = {0, 1, -1, (1 << 29) - 1, -(1 << 29), -(1 << 29) + 1};
        for (int i = 0; i < 1 << 18; i++) {
            final int w = i < 4 * edges.length ? ((i & 3) << 30) + edges[i >> 2] : rnd.nextInt();
            final int next = w + (1 << 30);
            assertEquals(Float.floatToRawIntBits(-NormalTransform.sinTurn(w)),
                    Float.floatToRawIntBits(NormalTransform.cosTurn(next)), "cos at word " + next);
            assertEquals(Float.floatToRawIntBits(NormalTransform.cosTurn(w)),
                    Float.floatToRawIntBits(NormalTransform.sinTurn(next)), "sin at word " + next);
            if (w - (NormalTransform.quadrant(w) << 30) != -(1 << 29)) {
                assertEquals(NormalTransform.cosTurn(w), NormalTransform.cosTurn(-w), 0.0f, "cos even at word " + w);
                assertEquals(-NormalTransform.sinTurn(w), NormalTransform.sinTurn(-w), 0.0f, "sin odd at word " + w);
            }
        }
    }

    /**
     * The uniform is the centre (w + 1/2) 2^-32 of its word's bin exactly for w < 2^23, and within
     * 1.5 * 2^-24 relative above (float(w) rounds by up to 2^-24 relative, and for w >= 2^24 the
     * added half step is below half an ulp and vanishes).
     */
    @Test
    void uniformIsTheBinCentreUpToFloatRounding() {
        for (int w = 0; w < 1 << 23; w += 7) {
            assertEquals((w + 0.5) * 0x1p-32, NormalTransform.uniform(w), 0.0, "word " + w);
        }
        final SplittableRandom rnd = new SplittableRandom(23);
        for (int i = 0; i < 1 << 18; i++) {
            final long w = rnd.nextLong(1L << 32);
            final double centre = (w + 0.5) * 0x1p-32;
            assertTrue(Math.abs(NormalTransform.uniform((int) w) - centre) <= 0x1.8p-24 * centre, "word " + w);
        }
    }
}
