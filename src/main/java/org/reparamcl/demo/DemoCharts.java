package org.reparamcl.demo;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Locale;

import javax.imageio.ImageIO;

import org.reparamcl.chart.Axis;
import org.reparamcl.chart.Chart;
import org.reparamcl.chart.Legend;

/**
 * The demo's charts, rendered as PNG bytes: the command writes them to files only once everything
 * else has succeeded (all or nothing).
 */
public final class DemoCharts {
    static final int WIDTH = 900;
    static final int HEIGHT = 560;
    /** At most this many training points are drawn in the fit chart (evenly spaced by index). */
    static final int MAX_SCATTER = 1500;

    private DemoCharts() {
    }

    /** (a): x and K samples z = x + eps, against the element index 1..n. */
    public static byte[] toy(ToyExample.Result r) throws IOException {
        final int n = r.x().length;
        final double[] index = new double[n];
        final double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            index[i] = i + 1;
            x[i] = r.x()[i];
        }
        final Chart c = Chart.create(WIDTH, HEIGHT)
                .title("Reparameterization: z = x + eps, eps ~ N(0, 1) (" + r.samples() + " samples)")
                .xLabel("element index i").yLabel("value").xAxis(Axis.INTEGER).xRange(0.75, n + 0.25)
                .legend(Legend.LOWER_RIGHT);
        c.line("x (the mean)", index, x).markers(true).lineWidth(3).color(Color.BLACK);
        for (int k = 0; k < r.samples(); k++) {
            final double[] z = new double[n];
            for (int i = 0; i < n; i++) {
                z[i] = r.z()[k * n + i];
            }
            c.line("z, sample " + (k + 1), index, z).markers(true).dashed(true);
        }
        return png(c);
    }

    /** (b): the training data with the learned mu(u), mu +/- sigma and mu +/- 2 sigma, and the true f(u). */
    public static byte[] fit(HeadTraining.Result r) throws IOException {
        final HeteroscedasticData d = r.train();
        final int shown = Math.min(MAX_SCATTER, d.size());
        final double[] u = new double[shown];
        final double[] y = new double[shown];
        for (int i = 0; i < shown; i++) {
            final int j = (int) ((long) i * d.size() / shown);
            u[i] = d.u(j);
            y[i] = d.y(j);
        }
        final double[] g = r.gridU();
        final int n = g.length;
        final double[] lo1 = new double[n];
        final double[] hi1 = new double[n];
        final double[] lo2 = new double[n];
        final double[] hi2 = new double[n];
        final double[] truth = new double[n];
        for (int i = 0; i < n; i++) {
            lo1[i] = r.gridMu()[i] - r.gridSigma()[i];
            hi1[i] = r.gridMu()[i] + r.gridSigma()[i];
            lo2[i] = r.gridMu()[i] - 2 * r.gridSigma()[i];
            hi2[i] = r.gridMu()[i] + 2 * r.gridSigma()[i];
            truth[i] = HeteroscedasticData.mean(g[i]);
        }
        // every point and band in view, with a strip below them for the legend (the data fill the top corners)
        double ymin = Double.POSITIVE_INFINITY;
        double ymax = Double.NEGATIVE_INFINITY;
        for (double v : y) {
            ymin = Math.min(ymin, v);
            ymax = Math.max(ymax, v);
        }
        for (int i = 0; i < n; i++) {
            ymin = Math.min(ymin, lo2[i]);
            ymax = Math.max(ymax, hi2[i]);
        }
        final double pad = 0.05 * (ymax - ymin);
        final double hi = ymax + pad;
        final double lo = ymin - pad - 0.3 * (ymax - ymin);
        final Color model = new Color(0x1F77B4);
        final Chart c = Chart.create(WIDTH, HEIGHT)
                .title("Conditional Gaussian head, y = sin(2u) + (0.1 + 0.3|u|) n, after "
                        + r.settings().steps() + " steps")
                .xLabel("u").yLabel("y").yRange(lo, hi).legend(Legend.LOWER_LEFT);
        c.band("mu +/- 2 sigma", g, lo2, hi2).color(model).alpha(0.15);
        c.band("mu +/- sigma", g, lo1, hi1).color(model).alpha(0.3);
        c.scatter("training data (" + shown + " of " + d.size() + ")", u, y).color(Color.GRAY).alpha(0.45).markerSize(2);
        c.line("learned mu(u)", g, r.gridMu()).color(model).lineWidth(2.5);
        c.line("true f(u) = sin(2u)", g, truth).color(Color.BLACK).dashed(true).lineWidth(1.5);
        return png(c);
    }

    /** (b): learned sigma(u) against the true s(u). */
    public static byte[] sigma(HeadTraining.Result r) throws IOException {
        final double[] g = r.gridU();
        final double[] truth = new double[g.length];
        for (int i = 0; i < g.length; i++) {
            truth[i] = HeteroscedasticData.sd(g[i]);
        }
        final Chart c = Chart.create(WIDTH, HEIGHT)
                .title(String.format(Locale.ROOT, "Recovered noise scale (mean abs. error %.4f)", r.sigmaMae()))
                .xLabel("u").yLabel("sigma").legend(Legend.LOWER_RIGHT);
        c.line("learned sigma(u)", g, r.gridSigma()).color(new Color(0x1F77B4)).lineWidth(2.5);
        c.line("true s(u) = 0.1 + 0.3|u|", g, truth).color(Color.BLACK).dashed(true);
        return png(c);
    }

    /** (b): the training loss per step, its moving average, and the lowest expected CRPS. */
    public static byte[] loss(HeadTraining.Result r) throws IOException {
        final double[] loss = r.lossPerStep();
        final int n = loss.length;
        final double[] step = new double[n];
        final double[] avg = new double[n];
        final int window = Math.max(1, Math.min(50, n / 20));
        double run = 0;
        for (int i = 0; i < n; i++) {
            step[i] = i + 1;
            run += loss[i];
            if (i >= window) {
                run -= loss[i - window];
            }
            avg[i] = run / Math.min(i + 1, window);
        }
        final double floor = HeteroscedasticData.crpsFloor();
        final Chart c = Chart.create(WIDTH, HEIGHT)
                .title("Training loss: sample CRPS of K = " + r.settings().samples() + " reparameterized draws")
                .xLabel("step").yLabel("loss (CRPS)").legend(Legend.UPPER_RIGHT);
        c.line("minibatch loss", step, loss).color(new Color(0xAEC7E8)).lineWidth(1);
        c.line("moving average (" + window + " steps)", step, avg).color(new Color(0x1F77B4)).lineWidth(2.5);
        c.line(String.format(Locale.ROOT, "best possible in expectation, E[s]/sqrt(pi) = %.4f", floor), new double[] {1, Math.max(2, n)},
                new double[] {floor, floor}).color(Color.BLACK).dashed(true);
        return png(c);
    }

    /** The chart rendered and encoded as PNG. */
    static byte[] png(Chart c) throws IOException {
        final BufferedImage image = c.render();
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        if (!ImageIO.write(image, "png", bytes)) {
            throw new IOException("no PNG writer available");
        }
        return bytes.toByteArray();
    }
}
