package org.reparamcl.chart;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ChartValidationTest {
    private static final double[] XS = {1, 2, 3};

    private static void assertMessage(Exception e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), () -> "'" + e.getMessage() + "' lacks '" + p + "'");
        }
    }

    @Test
    void nanAndInfinityAreRejected() {
        Chart c = Chart.create(400, 300);
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> c.line("loss", XS, new double[] {1, Double.NaN, 3})), "loss", "y[1]", "NaN", "finite");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> c.scatter("pts", new double[] {1, 2, Double.POSITIVE_INFINITY}, XS)), "pts", "x[2]", "Infinity");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> c.band("b", XS, XS, new double[] {1, Double.NEGATIVE_INFINITY, 3})), "'b'", "upper[1]");
        assertTrue(c.series().isEmpty());
    }

    @Test
    void lengthsMustMatch() {
        Chart c = Chart.create(400, 300);
        assertMessage(assertThrows(IllegalArgumentException.class, () -> c.line("l", XS, new double[] {1, 2})),
                "'l'", "3", "2", "lengths must match");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> c.band("b", XS, XS, new double[] {1, 2, 3, 4})), "'b'", "upper has 4");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> c.line("e", new double[0], new double[0])), "'e'", "no points");
        assertThrows(NullPointerException.class, () -> c.line("n", null, XS));
        assertThrows(NullPointerException.class, () -> c.line(null, XS, XS));
    }

    @Test
    void nonPositiveOnLogAxisNamesSeriesAndIndex() {
        Chart c = Chart.create(400, 300).yAxis(Axis.LOG10);
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> c.line("roof", XS, new double[] {1, 0, 3})), "roof", "y[1]", "LOG10");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> c.band("sd", XS, new double[] {1, 1, -1}, XS)), "sd", "lower[2]");
    }

    @Test
    void logAxisChosenAfterAddingIsCheckedAtRender() {
        Chart c = Chart.create(400, 300);
        c.line("fine", XS, XS);
        c.line("bad", new double[] {-1, 1, 2}, XS);
        c.xAxis(Axis.LOG10);
        assertMessage(assertThrows(IllegalArgumentException.class, c::render), "bad", "x[0]", "LOG10");
        c.xAxis(Axis.LINEAR);
        assertDoesNotThrow(c::render);
    }

    @Test
    void fixedRangesAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> Chart.create(400, 300).xRange(2, 1));
        assertThrows(IllegalArgumentException.class, () -> Chart.create(400, 300).yRange(0, Double.NaN));
        Chart c = Chart.create(400, 300).yAxis(Axis.LOG10).yRange(0, 10);
        assertMessage(assertThrows(IllegalArgumentException.class, c::render), "y range", "LOG10");
    }

    @Test
    void sizesAndStylesAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> Chart.create(50, 300));
        assertThrows(IllegalArgumentException.class, () -> Chart.create(300, 100_000));
        Series s = Chart.create(400, 300).line("l", XS, XS);
        assertThrows(IllegalArgumentException.class, () -> s.alpha(1.5));
        assertThrows(IllegalArgumentException.class, () -> s.lineWidth(-1));
        assertThrows(IllegalArgumentException.class, () -> s.markerSize(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Chart.create(400, 300).fontSize(2));
    }

    @Test
    void inputArraysAreCopied() {
        double[] ys = {1, 2, 3};
        Chart c = Chart.create(400, 300).yAxis(Axis.LOG10);
        c.line("l", XS, ys);
        ys[0] = -5; // must not affect the chart
        assertDoesNotThrow(c::render);
    }
}
