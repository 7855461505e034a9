package org.reparamcl.chart;

import java.awt.Color;
import java.util.Objects;

/**
 * One data series of a {@link Chart}: a line, a scatter of dots, or a filled band.
 * Data are copied when the series is created; style setters return {@code this} for chaining.
 */
public final class Series {

    /** What a series draws. */
    public enum Kind {
        /** Connected line, optionally with markers and dashes. */
        LINE,
        /** Unconnected dots. */
        SCATTER,
        /** Filled area between a lower and an upper curve. */
        BAND
    }

    private final String name;
    private final Kind kind;
    private final double[] xs;
    private final double[] ys;
    private final double[] upper;
    private Color color;
    private Marker marker;
    private boolean markers;
    private boolean dashed;
    private float lineWidth;
    private float markerSize;
    private double alpha;
    private boolean inLegend = true;

    Series(String name, Kind kind, double[] xs, double[] ys, double[] upper, Color color, Marker marker) {
        this.name = name;
        this.kind = kind;
        this.xs = xs;
        this.ys = ys;
        this.upper = upper;
        this.color = color;
        this.marker = marker;
        this.alpha = kind == Kind.LINE ? 1.0 : kind == Kind.SCATTER ? 0.7 : 0.25;
    }

    /** Name shown in the legend and in error messages. */
    public String name() {
        return name;
    }

    /** Kind of series. */
    public Kind kind() {
        return kind;
    }

    /** Number of data points. */
    public int size() {
        return xs.length;
    }

    /** Base color (without alpha); defaults to the palette color for this series' position. */
    public Color color() {
        return color;
    }

    /** Sets the base color; any alpha in {@code c} is ignored, use {@link #alpha(double)}. */
    public Series color(Color c) {
        Objects.requireNonNull(c, "color");
        this.color = new Color(c.getRGB() & 0xFFFFFF);
        return this;
    }

    /** Draws a marker at each point of a line series (default off). */
    public Series markers(boolean on) {
        this.markers = on;
        return this;
    }

    /** Sets the marker shape and turns markers on. */
    public Series marker(Marker m) {
        this.marker = Objects.requireNonNull(m, "marker");
        this.markers = true;
        return this;
    }

    /** Draws a line series dashed (default solid). */
    public Series dashed(boolean on) {
        this.dashed = on;
        return this;
    }

    /** Line width in pixels; 0 (the default) scales with the font size. */
    public Series lineWidth(double px) {
        if (!(px >= 0 && px <= 100)) {
            throw new IllegalArgumentException("series '" + name + "': line width must be in [0, 100], got " + px);
        }
        this.lineWidth = (float) px;
        return this;
    }

    /** Radius of markers and scatter dots in pixels; 0 (the default) scales with the font size. */
    public Series markerSize(double px) {
        if (!(px >= 0 && px <= 100)) {
            throw new IllegalArgumentException("series '" + name + "': marker size must be in [0, 100], got " + px);
        }
        this.markerSize = (float) px;
        return this;
    }

    /** Opacity in [0, 1]; defaults: line 1, scatter 0.7, band 0.25. */
    public Series alpha(double a) {
        if (!(a >= 0 && a <= 1)) {
            throw new IllegalArgumentException("series '" + name + "': alpha must be in [0, 1], got " + a);
        }
        this.alpha = a;
        return this;
    }

    /** Whether the series gets a legend entry (default true; series with an empty name never do). */
    public Series inLegend(boolean on) {
        this.inLegend = on;
        return this;
    }

    double[] xs() {
        return xs;
    }

    /** y values; the lower curve of a band. */
    double[] ys() {
        return ys;
    }

    /** Upper curve of a band; null otherwise. */
    double[] upper() {
        return upper;
    }

    Marker marker() {
        return marker;
    }

    boolean hasMarkers() {
        return markers;
    }

    boolean isDashed() {
        return dashed;
    }

    float lineWidthPx() {
        return lineWidth;
    }

    float markerSizePx() {
        return markerSize;
    }

    double alpha() {
        return alpha;
    }

    boolean showsInLegend() {
        return inLegend && !name.isEmpty();
    }

    /** Base color with this series' alpha applied. */
    Color paint() {
        int a = (int) Math.round(alpha * 255);
        return new Color(color.getRed(), color.getGreen(), color.getBlue(), a);
    }
}
