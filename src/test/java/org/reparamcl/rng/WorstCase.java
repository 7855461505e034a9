package org.reparamcl.rng;

import java.util.Locale;

/**
 * The largest error of one float32 quantity against its float64 reference seen so far, as an
 * absolute error, in float32 ulps of the reference ({@link Float64Reference#ulp32}) and relative
 * to the reference, each with the input words where it occurred.
 */
final class WorstCase {
    final String quantity;
    long count;
    double abs;
    double ulps;
    double rel;
    private long absWords;
    private long ulpsWords;
    private long relWords;
    private float absValue;
    private float ulpsValue;
    private double absRef;
    private double ulpsRef;

    WorstCase(String quantity) {
        this.quantity = quantity;
    }

    /** Records float32 {@code x} against reference {@code ref} for the words (a, b). */
    void add(float x, double ref, int a, int b) {
        count++;
        final double err = Math.abs(x - ref);
        if (err == 0) {
            return;
        }
        final long words = ((long) a << 32) | (b & 0xFFFFFFFFL);
        if (err > abs) {
            abs = err;
            absWords = words;
            absValue = x;
            absRef = ref;
        }
        final double u = err / Float64Reference.ulp32(ref);
        if (u > ulps) {
            ulps = u;
            ulpsWords = words;
            ulpsValue = x;
            ulpsRef = ref;
        }
        final double r = ref == 0 ? Double.POSITIVE_INFINITY : err / Math.abs(ref);
        if (r > rel) {
            rel = r;
            relWords = words;
        }
    }

    /** Keeps the larger errors of this and {@code other}. */
    void merge(WorstCase other) {
        count += other.count;
        if (other.abs > abs) {
            abs = other.abs;
            absWords = other.absWords;
            absValue = other.absValue;
            absRef = other.absRef;
        }
        if (other.ulps > ulps) {
            ulps = other.ulps;
            ulpsWords = other.ulpsWords;
            ulpsValue = other.ulpsValue;
            ulpsRef = other.ulpsRef;
        }
        if (other.rel > rel) {
            rel = other.rel;
            relWords = other.relWords;
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT,
                "%-7s n=%d  max abs %.4e at %s (%s vs %.9g)  max %.4f ulp at %s (%s vs %.9g)  max rel %.4e at %s",
                quantity, count, abs, words(absWords), Float.toHexString(absValue), absRef,
                ulps, words(ulpsWords), Float.toHexString(ulpsValue), ulpsRef, rel, words(relWords));
    }

    private static String words(long w) {
        return String.format(Locale.ROOT, "(0x%08x, 0x%08x)", (int) (w >>> 32), (int) w);
    }
}
