package org.reparamcl.chart;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/** Tick placement and labels for linear and log10 axes. */
final class Ticks {
    private static final int[] NICE = {1, 2, 5};
    private static final double EPS = 1e-9;

    private Ticks() {
    }

    /** Ticks for an axis of the given type over [lo, hi]. */
    static List<Tick> of(Axis axis, double lo, double hi, int maxTicks) {
        if (axis == Axis.INTEGER) {
            final List<Tick> whole = linear(lo, hi, maxTicks, 0);
            return whole.size() >= 2 ? whole : linear(lo, hi, maxTicks);   // a range too short for two whole numbers
        }
        return axis == Axis.LOG10 ? log10(lo, hi, maxTicks) : linear(lo, hi, maxTicks);
    }

    /**
     * Linear ticks at multiples of the smallest 1, 2 or 5 x 10^k step that yields at most
     * {@code maxTicks} ticks inside [lo, hi]. Labels are compact: "0", "0.2", "15", "2.5e6".
     */
    static List<Tick> linear(double lo, double hi, int maxTicks) {
        return linear(lo, hi, maxTicks, Integer.MIN_VALUE);
    }

    /** {@link #linear(double, double, int)} with steps of at least 10^minExponent. */
    static List<Tick> linear(double lo, double hi, int maxTicks, int minExponent) {
        checkRange(lo, hi);
        int max = Math.max(2, maxTicks);
        double span = hi - lo;
        int e = Math.max(minExponent, (int) Math.floor(Math.log10(span / max)) - 1);
        for (int guard = 0; guard < 40; guard++, e++) {
            for (int m : NICE) {
                double step = m * Math.pow(10, e);
                long k0 = (long) Math.ceil(lo / step - EPS);
                long k1 = (long) Math.floor(hi / step + EPS);
                if (k1 - k0 + 1 <= max) {
                    return linearTicks(k0, k1, m, e);
                }
            }
        }
        throw new IllegalStateException("no tick step found for [" + lo + ", " + hi + "]");
    }

    private static List<Tick> linearTicks(long k0, long k1, int m, int e) {
        List<BigDecimal> values = new ArrayList<>();
        for (long k = k0; k <= k1; k++) {
            values.add(BigDecimal.valueOf(k * m).scaleByPowerOfTen(e));
        }
        double maxAbs = 0;
        for (BigDecimal v : values) {
            maxAbs = Math.max(maxAbs, Math.abs(v.doubleValue()));
        }
        boolean sci = maxAbs >= 1e5 || maxAbs < 1e-3;
        List<Tick> ticks = new ArrayList<>();
        for (BigDecimal v : values) {
            String text;
            if (v.signum() == 0) {
                text = "0";
            } else if (sci) {
                text = scientific(v);
            } else {
                text = v.setScale(Math.max(0, -e), RoundingMode.HALF_EVEN).toPlainString();
            }
            ticks.add(Tick.major(v.doubleValue(), text));
        }
        return ticks;
    }

    /**
     * Log ticks over [lo, hi] (both positive). With at least 3 decades inside the range: ticks at
     * powers of ten labelled 10^k (every 2nd, 5th, ... decade if needed to stay within
     * {@code maxTicks}), with minor ticks at 2..9 x 10^k. With fewer decades: ticks at
     * 1, 2, 5 x 10^k, or failing that plain linear ticks.
     */
    static List<Tick> log10(double lo, double hi, int maxTicks) {
        checkRange(lo, hi);
        if (!(lo > 0)) {
            throw new IllegalArgumentException("log axis range must be positive, got [" + lo + ", " + hi + "]");
        }
        int max = Math.max(2, maxTicks);
        int k0 = (int) Math.ceil(Math.log10(lo) - EPS);
        int k1 = (int) Math.floor(Math.log10(hi) + EPS);
        int decades = k1 - k0 + 1;
        List<Tick> oneTwoFive = decades >= 3 ? List.of() : oneTwoFive(lo, hi, k0 - 1, k1);
        if (decades >= 3 || (decades == 2 && oneTwoFive.size() > max)) {
            return decadeTicks(lo, hi, k0, k1, max);
        }
        if (oneTwoFive.size() >= 3 && oneTwoFive.size() <= max) {
            List<Tick> ticks = new ArrayList<>(oneTwoFive);
            addMinor(ticks, lo, hi, k0 - 1, k1, new int[] {3, 4, 6, 7, 8, 9});
            return ticks;
        }
        List<Tick> ticks = new ArrayList<>();
        for (Tick t : linear(lo, hi, max)) {
            if (t.value() > 0) {
                ticks.add(t);
            }
        }
        return ticks;
    }

    private static List<Tick> decadeTicks(double lo, double hi, int k0, int k1, int max) {
        int decades = k1 - k0 + 1;
        int step = 1;
        outer:
        for (int scale = 1; ; scale *= 10) {
            for (int m : NICE) {
                step = m * scale;
                if (Math.floorDiv(k1, step) - Math.floorDiv(k0 + step - 1, step) + 1 <= max) {
                    break outer;
                }
            }
        }
        List<Tick> ticks = new ArrayList<>();
        for (int k = k0; k <= k1; k++) {
            if (Math.floorMod(k, step) == 0) {
                ticks.add(Tick.power(k));
            }
        }
        // Minor ticks only where decades are labelled one by one and there is room for them.
        if (step == 1 && decades <= 12) {
            addMinor(ticks, lo, hi, k0 - 1, k1, new int[] {2, 3, 4, 5, 6, 7, 8, 9});
        }
        return ticks;
    }

    private static List<Tick> oneTwoFive(double lo, double hi, int k0, int k1) {
        List<Tick> ticks = new ArrayList<>();
        for (int k = k0; k <= k1; k++) {
            for (int m : NICE) {
                BigDecimal v = BigDecimal.valueOf(m).scaleByPowerOfTen(k);
                if (inside(v.doubleValue(), lo, hi)) {
                    ticks.add(Tick.major(v.doubleValue(), compact(v)));
                }
            }
        }
        return ticks;
    }

    private static void addMinor(List<Tick> ticks, double lo, double hi, int k0, int k1, int[] digits) {
        for (int k = k0; k <= k1; k++) {
            for (int d : digits) {
                double v = BigDecimal.valueOf(d).scaleByPowerOfTen(k).doubleValue();
                if (inside(v, lo, hi)) {
                    ticks.add(Tick.minor(v));
                }
            }
        }
    }

    private static boolean inside(double v, double lo, double hi) {
        return v >= lo * (1 - EPS) && v <= hi * (1 + EPS);
    }

    /** Plain decimal for moderate magnitudes, "2e6" style otherwise. */
    static String compact(BigDecimal v) {
        double a = Math.abs(v.doubleValue());
        if (a == 0) {
            return "0";
        }
        if (a >= 1e5 || a < 1e-3) {
            return scientific(v);
        }
        return v.stripTrailingZeros().toPlainString();
    }

    /** Scientific label without redundant digits: 2500000 becomes "2.5e6", 0.0001 "1e-4". */
    static String scientific(BigDecimal v) {
        BigDecimal s = v.stripTrailingZeros();
        int exp = s.precision() - s.scale() - 1;
        String mantissa = s.movePointLeft(exp).stripTrailingZeros().toPlainString();
        return mantissa + "e" + exp;
    }

    private static void checkRange(double lo, double hi) {
        if (!Double.isFinite(lo) || !Double.isFinite(hi) || !(lo < hi)) {
            throw new IllegalArgumentException("axis range must be finite with lo < hi, got [" + lo + ", " + hi + "]");
        }
    }
}
