package org.reparamcl.chart;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

class TicksTest {

    private static double[] values(List<Tick> ticks) {
        return ticks.stream().filter(Tick::major).mapToDouble(Tick::value).toArray();
    }

    private static String[] labels(List<Tick> ticks) {
        return ticks.stream().filter(Tick::major).map(Tick::label).toArray(String[]::new);
    }

    @Test
    void linearUnitRangeUsesStepOfTwoTenths() {
        List<Tick> ticks = Ticks.linear(0, 0.93, 8);
        assertArrayEquals(new double[] {0, 0.2, 0.4, 0.6, 0.8}, values(ticks), 0);
        assertArrayEquals(new String[] {"0", "0.2", "0.4", "0.6", "0.8"}, labels(ticks));
    }

    @Test
    void integerAxesTickOnlyWholeNumbers() {
        assertArrayEquals(new String[] {"1", "2", "3"}, labels(Ticks.of(Axis.INTEGER, 0.75, 3.25, 10)));
        assertArrayEquals(new double[] {0, 5, 10, 15, 20}, values(Ticks.of(Axis.INTEGER, 0, 21, 6)), 0);
        // a range holding fewer than two whole numbers falls back to the linear ticks
        assertArrayEquals(values(Ticks.linear(0.1, 0.9, 8)), values(Ticks.of(Axis.INTEGER, 0.1, 0.9, 8)), 0);
    }

    @Test
    void linearAllowsMoreTicksWhenRequested() {
        assertArrayEquals(new double[] {0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9},
                values(Ticks.linear(0, 0.93, 10)), 0);
    }

    @Test
    void linearNegativeRangeAndIntegerLabels() {
        List<Tick> ticks = Ticks.linear(-3.7, 12.1, 8);
        assertArrayEquals(new double[] {0, 5, 10}, values(Ticks.linear(-0.5, 12.1, 3)), 0);
        assertArrayEquals(new double[] {-2, 0, 2, 4, 6, 8, 10, 12}, values(ticks), 0);
        assertEquals("-2", labels(ticks)[0]);
    }

    @Test
    void linearStepsAreOneTwoOrFiveTimesPowerOfTen() {
        double[][] ranges = {{0, 1}, {0.013, 0.0171}, {-1e7, 3e7}, {5000, 5003}, {1.1, 1.9}, {0, 4873}};
        for (double[] r : ranges) {
            double[] v = values(Ticks.linear(r[0], r[1], 8));
            assertTrue(v.length >= 2 && v.length <= 8, () -> "count for " + r[0] + ".." + r[1]);
            double step = v[1] - v[0];
            double mantissa = step / Math.pow(10, Math.floor(Math.log10(step) + 1e-9));
            assertTrue(Math.abs(mantissa - 1) < 1e-6 || Math.abs(mantissa - 2) < 1e-6
                    || Math.abs(mantissa - 5) < 1e-6, () -> "step " + step);
            assertTrue(v[0] >= r[0] && v[v.length - 1] <= r[1]);
        }
    }

    @Test
    void linearLabelsAreCompact() {
        assertArrayEquals(new String[] {"0", "5e5", "1e6", "1.5e6", "2e6"}, labels(Ticks.linear(0, 2.1e6, 6)));
        assertArrayEquals(new String[] {"1000", "2000", "3000"}, labels(Ticks.linear(900, 3100, 4)));
        assertArrayEquals(new String[] {"1e-4", "2e-4", "3e-4"}, labels(Ticks.linear(1e-4, 3e-4, 4)));
        assertArrayEquals(new String[] {"0.5", "1.0", "1.5", "2.0"}, labels(Ticks.linear(0.4, 2.1, 4)));
    }

    @Test
    void logDecadeTicks() {
        List<Tick> ticks = Ticks.log10(900, 2.1e6, 8);
        assertArrayEquals(new double[] {1e3, 1e4, 1e5, 1e6}, values(ticks), 0);
        assertArrayEquals(new String[] {"10^3", "10^4", "10^5", "10^6"}, labels(ticks));
        // Minor grid at 2..9 x 10^k inside the range, including 2e6 but not 3e6.
        List<Double> minor = ticks.stream().filter(t -> !t.major()).map(Tick::value).toList();
        assertTrue(minor.contains(2e6) && minor.contains(5e4) && !minor.contains(3e6) && !minor.contains(800.0));
    }

    @Test
    void logManyDecadesThinsOutLabels() {
        double[] v = values(Ticks.log10(1e-12, 1e12, 8));
        assertTrue(v.length <= 8 && v.length >= 4);
        assertEquals(1.0, v[3] / v[2] / 1e5, 1e-9); // every 5th decade
        assertTrue(Ticks.log10(1e-12, 1e12, 8).stream().allMatch(Tick::major));
    }

    @Test
    void logFewDecadesUsesOneTwoFive() {
        List<Tick> ticks = Ticks.log10(0.04, 2.8, 8);
        assertArrayEquals(new double[] {0.05, 0.1, 0.2, 0.5, 1, 2}, values(ticks), 0);
        assertArrayEquals(new String[] {"0.05", "0.1", "0.2", "0.5", "1", "2"}, labels(ticks));
    }

    @Test
    void logNarrowRangeFallsBackToLinear() {
        assertArrayEquals(new double[] {2.2, 2.4, 2.6, 2.8}, values(Ticks.log10(2.1, 2.9, 6)), 1e-15);
    }

    @Test
    void invalidRangesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Ticks.linear(1, 1, 5));
        assertThrows(IllegalArgumentException.class, () -> Ticks.linear(0, Double.NaN, 5));
        assertThrows(IllegalArgumentException.class, () -> Ticks.log10(0, 10, 5));
        assertThrows(IllegalArgumentException.class, () -> Ticks.log10(-1, 10, 5));
    }

    @Test
    void scientificLabels() {
        assertEquals("2.5e6", Ticks.scientific(new BigDecimal("2500000")));
        assertEquals("1e-4", Ticks.scientific(new BigDecimal("0.0001")));
        assertEquals("-3e5", Ticks.scientific(new BigDecimal("-300000")));
    }
}
