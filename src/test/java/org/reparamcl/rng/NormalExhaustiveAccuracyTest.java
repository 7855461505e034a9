package org.reparamcl.rng;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Exhaustive accuracy of the radius (every float32 value the uniform takes, hence every word) and
 * of cos/sin (all 2^32 angle words) against {@link Float64Reference}. These runs establish the
 * component bounds that {@link NormalAccuracyTest} asserts and that docs/NOISE.md states.
 *
 * <p>Opt-in, because it takes about 175 CPU-seconds (five to seven minutes on two busy cores):
 * {@code mvn -B test -Dtest=NormalExhaustiveAccuracyTest -Dreparam.exhaustive=true}.
 */
@EnabledIfSystemProperty(named = "reparam.exhaustive", matches = "true")
class NormalExhaustiveAccuracyTest {

    /**
     * Walks every distinct value of {@code uniform(w)}: all w below 2^24, then one word per float32
     * value in each binade [2^k, 2^(k+1)) for k = 24..31 (the uniform is a non-decreasing function of
     * w, so every word shares its value with one of these), then w = 2^32 - 1 (u = 1).
     */
    @Test
    void everyUniformValue() {
        final int segments = 9;
        final WorstCase[] logs = new WorstCase[segments];
        final WorstCase[] radii = new WorstCase[segments];
        final float[] firstRadius = new float[segments];
        final float[] lastRadius = new float[segments];
        final long[] increases = new long[segments];
        IntStream.range(0, segments).parallel().forEach(k -> {
            final WorstCase log = new WorstCase("log");
            final WorstCase radius = new WorstCase("radius");
            final long start = k == 0 ? 0 : 1L << (23 + k);
            final long end = k == 0 ? 1L << 24 : 1L << (24 + k);
            final long step = k == 0 ? 1 : 1L << k;
            float prev = Float.POSITIVE_INFINITY;
            for (long w = start; w < end; w += step) {
                final int a = (int) w;
                final float u = NormalTransform.uniform(a);
                log.add(NormalTransform.log(u), Float64Reference.log(u), a, 0);
                final float r = NormalTransform.radius(a);
                radius.add(r, Float64Reference.radius(a), a, 0);
                if (r > prev) {
                    increases[k]++;
                }
                if (w == start) {
                    firstRadius[k] = r;
                }
                prev = r;
            }
            lastRadius[k] = prev;
            logs[k] = log;
            radii[k] = radius;
        });
        final WorstCase log = new WorstCase("log");
        final WorstCase radius = new WorstCase("radius");
        long increasing = 0;
        for (int k = 0; k < segments; k++) {
            log.merge(logs[k]);
            radius.merge(radii[k]);
            increasing += increases[k];
            if (k > 0 && firstRadius[k] > lastRadius[k - 1]) {
                increasing++;
            }
        }
        // The last word: u = 1, radius -0.0 (sqrt(-2 * +0.0)).
        final float top = NormalTransform.radius(-1);
        assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(top));
        System.out.println("[exhaustive] " + log);
        System.out.println("[exhaustive] " + radius);
        System.out.printf("[exhaustive] radius increases with w: %d times%n", increasing);
        assertEquals(0, increasing, "radius must be non-increasing in the word");
        assertTrue(log.ulps <= NormalAccuracyTest.LOG_ULPS, log.toString());
        assertTrue(radius.ulps <= NormalAccuracyTest.RADIUS_ULPS, radius.toString());
        assertTrue(radius.abs <= NormalAccuracyTest.RADIUS_ABS, radius.toString());
        assertTrue(radius.rel <= NormalAccuracyTest.RADIUS_REL, radius.toString());
    }

    /** log is non-decreasing on all positive normal floats (2^31 - 2^24 bit patterns). */
    @Test
    void logIsMonotone() {
        final long decreases = IntStream.range(1, 255).parallel().mapToLong(exponent -> {
            long n = 0;
            float prev = exponent == 1 ? Float.NEGATIVE_INFINITY
                    : NormalTransform.log(Math.nextDown(Float.intBitsToFloat(exponent << 23)));
            for (int bits = exponent << 23; bits < (exponent + 1) << 23; bits++) {
                final float l = NormalTransform.log(Float.intBitsToFloat(bits));
                if (l < prev) {
                    n++;
                }
                prev = l;
            }
            return n;
        }).sum();
        System.out.printf("[exhaustive] log decreases between neighbouring positive normal floats: %d times%n", decreases);
        assertEquals(0, decreases);
    }

    /**
     * Every angle word w = q * 2^30 + rho, q in 0..3, rho in [-2^29, 2^29): the reference for
     * +-rho is computed once from the double sin/cos of (pi/2) |rho| / 2^30, exactly odd/even.
     */
    @Test
    void everyAngleWord() {
        final int chunks = 1024;
        final int perChunk = (1 << 29) / chunks;
        final List<WorstCase[]> parts = new ArrayList<>();
        final long[] unitCos = new long[chunks];
        final boolean[] aboveOne = new boolean[chunks];
        IntStream.range(0, chunks).parallel().mapToObj(k -> {
            final WorstCase cos = new WorstCase("cos");
            final WorstCase sin = new WorstCase("sin");
            for (int r = k * perChunk; r < (k + 1) * perChunk; r++) {
                final double phi = Float64Reference.quarterAngle(r);
                final double c = Math.cos(phi);
                final double s = Math.sin(phi);
                for (int sign = 1; sign >= -1; sign -= 2) {
                    if (sign < 0 && r == 0) {
                        continue;
                    }
                    final int rho = sign * r;
                    final double sr = sign * s;
                    for (int q = 0; q < 4; q++) {
                        final int w = (q << 30) + rho;
                        final float ct = NormalTransform.cosTurn(w);
                        final float st = NormalTransform.sinTurn(w);
                        final double cRef = q == 0 ? c : q == 1 ? -sr : q == 2 ? -c : sr;
                        final double sRef = q == 0 ? sr : q == 1 ? c : q == 2 ? -sr : -c;
                        cos.add(ct, cRef, 0, w);
                        sin.add(st, sRef, 0, w);
                        if (Math.abs(ct) > 1 || Math.abs(st) > 1) {
                            aboveOne[k] = true;
                        }
                        if (Math.abs(ct) == 1) {
                            unitCos[k]++;
                        }
                    }
                }
            }
            // rho = -2^29 (f = -1/2) is the one remainder without a positive twin.
            if (k == chunks - 1) {
                for (int q = 0; q < 4; q++) {
                    final int w = (q << 30) - (1 << 29);
                    cos.add(NormalTransform.cosTurn(w), Float64Reference.cosTurn(w), 0, w);
                    sin.add(NormalTransform.sinTurn(w), Float64Reference.sinTurn(w), 0, w);
                }
            }
            return new WorstCase[] {cos, sin};
        }).forEachOrdered(parts::add);
        final WorstCase cos = new WorstCase("cos");
        final WorstCase sin = new WorstCase("sin");
        long unit = 0;
        for (int k = 0; k < chunks; k++) {
            cos.merge(parts.get(k)[0]);
            sin.merge(parts.get(k)[1]);
            unit += unitCos[k];
            assertTrue(!aboveOne[k], "|cos|, |sin| <= 1");
        }
        System.out.println("[exhaustive] " + cos);
        System.out.println("[exhaustive] " + sin);
        System.out.printf("[exhaustive] words with |cos| == 1 exactly: %d%n", unit);
        assertEquals(1L << 32, cos.count);
        assertTrue(cos.ulps <= NormalAccuracyTest.TURN_ULPS, cos.toString());
        assertTrue(sin.ulps <= NormalAccuracyTest.TURN_ULPS, sin.toString());
        assertTrue(Math.max(cos.abs, sin.abs) <= NormalAccuracyTest.TURN_ABS, sin.toString());
        assertTrue(Math.max(cos.rel, sin.rel) <= NormalAccuracyTest.TURN_REL, sin.toString());
    }
}
