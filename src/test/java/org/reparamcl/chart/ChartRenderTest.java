package org.reparamcl.chart;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.GraphicsEnvironment;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChartRenderTest {

    /** Benchmark-style chart: two lines with markers and a dashed roof on log-log axes. */
    static Chart throughputChart() {
        double[] n = {1e3, 4e3, 1.6e4, 6.4e4, 2.56e5, 1.024e6, 2.1e6};
        double[] fwd = new double[n.length];
        double[] bwd = new double[n.length];
        double[] roof = new double[n.length];
        for (int i = 0; i < n.length; i++) {
            fwd[i] = 4e9 * n[i] / (n[i] + 2e5);
            bwd[i] = 2.5e9 * n[i] / (n[i] + 3e5);
            roof[i] = 6e9;
        }
        Chart c = Chart.create(900, 560)
                .title("Noise throughput").xLabel("batch size (elements)").yLabel("elements / s")
                .xAxis(Axis.LOG10).yAxis(Axis.LOG10);
        c.line("opencl forward", n, fwd).markers(true);
        c.line("opencl backward", n, bwd).markers(true);
        c.line("roof (copy)", n, roof).dashed(true);
        return c;
    }

    /** Demo-style chart: scatter of noisy data, mu(x) line, 1 and 2 sigma bands. */
    static Chart bandChart() {
        int m = 200;
        double[] gx = new double[m];
        double[] mu = new double[m];
        double[] lo1 = new double[m];
        double[] hi1 = new double[m];
        double[] lo2 = new double[m];
        double[] hi2 = new double[m];
        for (int i = 0; i < m; i++) {
            gx[i] = -3 + 6.0 * i / (m - 1);
            mu[i] = Math.sin(gx[i]);
            double sd = 0.15 + 0.1 * Math.abs(gx[i]);
            lo1[i] = mu[i] - sd;
            hi1[i] = mu[i] + sd;
            lo2[i] = mu[i] - 2 * sd;
            hi2[i] = mu[i] + 2 * sd;
        }
        int k = 150;
        double[] dx = new double[k];
        double[] dy = new double[k];
        java.util.Random rnd = new java.util.Random(7);
        for (int i = 0; i < k; i++) {
            dx[i] = -3 + 6 * rnd.nextDouble();
            dy[i] = Math.sin(dx[i]) + (0.15 + 0.1 * Math.abs(dx[i])) * rnd.nextGaussian();
        }
        Chart c = Chart.create(800, 500).title("Heteroscedastic fit").xLabel("x").yLabel("y");
        Series line = c.line("mu(x)", gx, mu);
        c.band("mu +/- 2 sigma", gx, lo2, hi2).color(line.color()).alpha(0.12);
        c.band("mu +/- sigma", gx, lo1, hi1).color(line.color()).alpha(0.28);
        c.scatter("data", dx, dy).alpha(1.0);
        return c;
    }

    /** Pixels within {@code tol} per channel of {@code c}. */
    static int countNear(BufferedImage img, Color c, int tol) {
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y);
                if (Math.abs(((rgb >> 16) & 255) - c.getRed()) <= tol
                        && Math.abs(((rgb >> 8) & 255) - c.getGreen()) <= tol
                        && Math.abs((rgb & 255) - c.getBlue()) <= tol) {
                    n++;
                }
            }
        }
        return n;
    }

    /** {@code c} at opacity {@code a} over white. */
    static Color overWhite(Color c, double a) {
        return new Color((int) Math.round(c.getRed() * a + 255 * (1 - a)),
                (int) Math.round(c.getGreen() * a + 255 * (1 - a)),
                (int) Math.round(c.getBlue() * a + 255 * (1 - a)));
    }

    static void assertNotBlank(BufferedImage img) {
        Set<Integer> colors = new HashSet<>();
        int nonWhite = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y) & 0xFFFFFF;
                colors.add(rgb);
                nonWhite += rgb == 0xFFFFFF ? 0 : 1;
            }
        }
        assertTrue(colors.size() > 20, "only " + colors.size() + " colors");
        assertTrue(nonWhite > img.getWidth() * img.getHeight() / 100, "only " + nonWhite + " non-white pixels");
    }

    @Test
    void logLogLinesWithRoofRoundTripThroughPng(@TempDir Path dir) throws IOException {
        Chart c = throughputChart();
        Path file = dir.resolve("nested/dir/throughput.png");
        assertEquals(file, c.writePng(file));
        BufferedImage img = ImageIO.read(file.toFile());
        assertEquals(900, img.getWidth());
        assertEquals(560, img.getHeight());
        assertNotBlank(img);
        for (Series s : c.series()) {
            int n = countNear(img, s.color(), 8);
            assertTrue(n > 50, s.name() + ": only " + n + " pixels of " + s.color());
        }
        // Distinct palette colors per series.
        assertEquals(3, c.series().stream().map(Series::color).distinct().count());
        // No temporary files left behind.
        try (var files = Files.list(file.getParent())) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void bandAndScatterRoundTripThroughPng(@TempDir Path dir) throws IOException {
        Chart c = bandChart();
        Path file = c.writePng(dir.resolve("band.png"));
        BufferedImage img = ImageIO.read(file.toFile());
        assertEquals(800, img.getWidth());
        assertEquals(500, img.getHeight());
        assertNotBlank(img);
        Series mu = c.series().get(0);
        Series scatter = c.series().get(3);
        assertTrue(countNear(img, mu.color(), 8) > 100, "mu line");
        assertTrue(countNear(img, scatter.color(), 8) > 100, "scatter dots");
        // Outer band alone, and both bands stacked.
        Color outer = overWhite(mu.color(), 0.12);
        assertTrue(countNear(img, outer, 3) > 1000, "2 sigma band");
        Color stacked = new Color(
                (int) Math.round(mu.color().getRed() * 0.28 + outer.getRed() * 0.72),
                (int) Math.round(mu.color().getGreen() * 0.28 + outer.getGreen() * 0.72),
                (int) Math.round(mu.color().getBlue() * 0.28 + outer.getBlue() * 0.72));
        assertTrue(countNear(img, stacked, 3) > 1000, "1 sigma band over 2 sigma band");
    }

    @Test
    void lossCurveWithLogY(@TempDir Path dir) throws IOException {
        int n = 500;
        double[] step = new double[n];
        double[] loss = new double[n];
        for (int i = 0; i < n; i++) {
            step[i] = i * 10;
            loss[i] = 0.05 + 2.2 * Math.exp(-i / 60.0) * (1 + 0.05 * Math.sin(i));
        }
        Chart c = Chart.create(700, 420).title("Training loss").xLabel("step").yLabel("loss").yAxis(Axis.LOG10);
        c.line("train", step, loss);
        BufferedImage img = ImageIO.read(c.writePng(dir.resolve("loss.png")).toFile());
        assertEquals(700, img.getWidth());
        assertTrue(countNear(img, Palette.color(0), 8) > 100);
    }

    @Test
    void renderingIsDeterministic(@TempDir Path dir) throws IOException {
        BufferedImage a = throughputChart().render();
        BufferedImage b = throughputChart().render();
        assertArrayEquals(a.getRGB(0, 0, 900, 560, null, 0, 900), b.getRGB(0, 0, 900, 560, null, 0, 900));
        byte[] fa = Files.readAllBytes(bandChart().writePng(dir.resolve("a.png")));
        byte[] fb = Files.readAllBytes(bandChart().writePng(dir.resolve("b.png")));
        assertArrayEquals(fa, fb);
    }

    @Test
    void overwritesExistingFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("x.png");
        Files.writeString(file, "old");
        throughputChart().writePng(file);
        assertEquals(900, ImageIO.read(file.toFile()).getWidth());
    }

    @Test
    void emptyChartAndSinglePointsRender() {
        assertNotBlank(Chart.create(300, 200).title("empty").xLabel("x").yLabel("y").render());
        Chart c = Chart.create(300, 200).xAxis(Axis.LOG10).yAxis(Axis.LOG10);
        c.line("one", new double[] {5}, new double[] {5}).markers(true);
        c.scatter("same", new double[] {5, 5}, new double[] {5, 5});
        assertEquals(300, c.render().getWidth());
    }

    @Test
    void fixedRangesAndLegendPositions() {
        for (Legend l : Legend.values()) {
            Chart c = throughputChart().legend(l).xRange(1e2, 1e7).yRange(1e6, 1e11);
            assertEquals(560, c.render().getHeight());
        }
    }

    @Test
    void runsHeadless() {
        throughputChart();
        assertTrue(GraphicsEnvironment.isHeadless());
    }
}
