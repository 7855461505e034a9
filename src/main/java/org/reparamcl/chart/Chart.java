package org.reparamcl.chart;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import javax.imageio.ImageIO;

/**
 * A small PNG chart: lines, scatters and filled bands on linear or log10 axes, with title,
 * axis labels, light grid and legend. Rendering uses only java.awt and works headless.
 * The same input always gives the same image. Not thread-safe.
 *
 * <pre>{@code
 * Chart c = Chart.create(900, 560)
 *     .title("Noise throughput").xLabel("batch size (elements)").yLabel("elements / s")
 *     .xAxis(Axis.LOG10).yAxis(Axis.LOG10);
 * c.line("opencl forward", xs, ys).markers(true);
 * c.line("roof (copy)", xs, roof).dashed(true);
 * c.writePng(Path.of("target/throughput.png"));
 * }</pre>
 */
public final class Chart {
    static {
        // Charts are rendered off-screen; never require a display.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    static final int MIN_SIZE = 120;
    static final int MAX_SIZE = 16384;

    private final int width;
    private final int height;
    private String title = "";
    private String xLabel = "";
    private String yLabel = "";
    private Axis xAxis = Axis.LINEAR;
    private Axis yAxis = Axis.LINEAR;
    private double[] xRange;
    private double[] yRange;
    private Legend legend = Legend.AUTO;
    private float fontSize;
    private final List<Series> series = new ArrayList<>();

    private Chart(int width, int height) {
        this.width = width;
        this.height = height;
        this.fontSize = Math.max(11f, Math.round(Math.min(width, height) / 40.0f));
    }

    /** A new empty chart of {@code width x height} pixels (each in [120, 16384]). */
    public static Chart create(int width, int height) {
        if (width < MIN_SIZE || height < MIN_SIZE || width > MAX_SIZE || height > MAX_SIZE) {
            throw new IllegalArgumentException("chart size must be within [" + MIN_SIZE + ", " + MAX_SIZE
                    + "] pixels per side, got " + width + "x" + height);
        }
        return new Chart(width, height);
    }

    /** Title drawn centered above the plot; empty for none. */
    public Chart title(String text) {
        this.title = Objects.requireNonNull(text, "title");
        return this;
    }

    /** Label below the x axis; empty for none. */
    public Chart xLabel(String text) {
        this.xLabel = Objects.requireNonNull(text, "xLabel");
        return this;
    }

    /** Label left of the y axis, drawn rotated; empty for none. */
    public Chart yLabel(String text) {
        this.yLabel = Objects.requireNonNull(text, "yLabel");
        return this;
    }

    /** Scale of the x axis (default {@link Axis#LINEAR}). */
    public Chart xAxis(Axis axis) {
        this.xAxis = Objects.requireNonNull(axis, "xAxis");
        return this;
    }

    /** Scale of the y axis (default {@link Axis#LINEAR}). */
    public Chart yAxis(Axis axis) {
        this.yAxis = Objects.requireNonNull(axis, "yAxis");
        return this;
    }

    /** Fixes the x range instead of fitting it to the data; data outside are clipped. */
    public Chart xRange(double lo, double hi) {
        this.xRange = range("x", lo, hi);
        return this;
    }

    /** Fixes the y range instead of fitting it to the data; data outside are clipped. */
    public Chart yRange(double lo, double hi) {
        this.yRange = range("y", lo, hi);
        return this;
    }

    /** Legend placement (default {@link Legend#AUTO}). */
    public Chart legend(Legend position) {
        this.legend = Objects.requireNonNull(position, "legend");
        return this;
    }

    /** Base font size in pixels (default: the smaller side / 40, at least 11). */
    public Chart fontSize(double px) {
        if (!(px >= 6 && px <= 200)) {
            throw new IllegalArgumentException("font size must be in [6, 200] pixels, got " + px);
        }
        this.fontSize = (float) px;
        return this;
    }

    /** Adds a line through the points (xs[i], ys[i]) in the given order. */
    public Series line(String name, double[] xs, double[] ys) {
        return add(name, Series.Kind.LINE, xs, ys, null);
    }

    /** Adds unconnected dots at (xs[i], ys[i]); default alpha 0.7. */
    public Series scatter(String name, double[] xs, double[] ys) {
        return add(name, Series.Kind.SCATTER, xs, ys, null);
    }

    /**
     * Adds a filled area between {@code lower} and {@code upper} over {@code xs} (points are
     * sorted by x for drawing); default alpha 0.25. Bands are drawn under all other series.
     */
    public Series band(String name, double[] xs, double[] lower, double[] upper) {
        return add(name, Series.Kind.BAND, xs, lower, upper);
    }

    /** The series added so far, in order. */
    public List<Series> series() {
        return Collections.unmodifiableList(series);
    }

    /**
     * Renders the chart.
     *
     * @throws IllegalArgumentException if a value or fixed range is not positive on a LOG10 axis
     */
    public BufferedImage render() {
        checkLogAxes();
        return new Painter(this).paint();
    }

    /**
     * Renders the chart and writes it as PNG to {@code file}, creating parent directories. The file
     * is written to a temporary sibling first and then moved into place, so readers never see a
     * partial image.
     *
     * @return {@code file}
     */
    public Path writePng(Path file) throws IOException {
        BufferedImage image = render();
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        try {
            if (!ImageIO.write(image, "png", tmp.toFile())) {
                throw new IOException("no PNG writer available");
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        return file;
    }

    int width() {
        return width;
    }

    int height() {
        return height;
    }

    String title() {
        return title;
    }

    String xLabel() {
        return xLabel;
    }

    String yLabel() {
        return yLabel;
    }

    Axis xAxis() {
        return xAxis;
    }

    Axis yAxis() {
        return yAxis;
    }

    double[] fixedXRange() {
        return xRange;
    }

    double[] fixedYRange() {
        return yRange;
    }

    Legend legend() {
        return legend;
    }

    float fontSize() {
        return fontSize;
    }

    private Series add(String name, Series.Kind kind, double[] xs, double[] ys, double[] upper) {
        Objects.requireNonNull(name, "series name");
        String yName = kind == Series.Kind.BAND ? "lower" : "y";
        checkValues(name, "x", xs);
        checkValues(name, yName, ys);
        if (xs.length == 0) {
            throw new IllegalArgumentException("series '" + name + "' has no points");
        }
        checkLength(name, xs, yName, ys);
        if (upper != null) {
            checkValues(name, "upper", upper);
            checkLength(name, xs, "upper", upper);
        }
        int index = series.size();
        Series s = new Series(name, kind, xs.clone(), ys.clone(), upper == null ? null : upper.clone(),
                Palette.color(index), Marker.forIndex(countMarkerSeries()));
        checkLog(s);
        series.add(s);
        return s;
    }

    private int countMarkerSeries() {
        int n = 0;
        for (Series s : series) {
            n += s.kind() == Series.Kind.LINE ? 1 : 0;
        }
        return n;
    }

    private static void checkValues(String name, String what, double[] values) {
        if (values == null) {
            throw new NullPointerException("series '" + name + "': " + what + " values are null");
        }
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException("series '" + name + "': " + what + "[" + i + "] is "
                        + values[i] + "; all values must be finite");
            }
        }
    }

    private static void checkLength(String name, double[] xs, String what, double[] values) {
        if (values.length != xs.length) {
            throw new IllegalArgumentException("series '" + name + "': x has " + xs.length + " values but "
                    + what + " has " + values.length + "; lengths must match");
        }
    }

    private static double[] range(String axis, double lo, double hi) {
        if (!Double.isFinite(lo) || !Double.isFinite(hi) || !(lo < hi)) {
            throw new IllegalArgumentException(axis + " range must be finite with lo < hi, got ["
                    + lo + ", " + hi + "]");
        }
        return new double[] {lo, hi};
    }

    private void checkLogAxes() {
        if (xAxis == Axis.LOG10 && xRange != null && !(xRange[0] > 0)) {
            throw new IllegalArgumentException("x range [" + xRange[0] + ", " + xRange[1]
                    + "] must be positive on a LOG10 axis");
        }
        if (yAxis == Axis.LOG10 && yRange != null && !(yRange[0] > 0)) {
            throw new IllegalArgumentException("y range [" + yRange[0] + ", " + yRange[1]
                    + "] must be positive on a LOG10 axis");
        }
        for (Series s : series) {
            checkLog(s);
        }
    }

    /** Rejects non-positive values on the axes that are LOG10 at this moment. */
    private void checkLog(Series s) {
        if (xAxis == Axis.LOG10) {
            checkPositive(s, "x", s.xs(), "x");
        }
        if (yAxis == Axis.LOG10) {
            checkPositive(s, s.kind() == Series.Kind.BAND ? "lower" : "y", s.ys(), "y");
            if (s.upper() != null) {
                checkPositive(s, "upper", s.upper(), "y");
            }
        }
    }

    private static void checkPositive(Series s, String what, double[] values, String axis) {
        for (int i = 0; i < values.length; i++) {
            if (!(values[i] > 0)) {
                throw new IllegalArgumentException("series '" + s.name() + "': " + what + "[" + i + "] = "
                        + values[i] + " is not positive, but the " + axis + " axis is LOG10");
            }
        }
    }
}
