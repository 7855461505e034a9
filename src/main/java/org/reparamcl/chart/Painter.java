package org.reparamcl.chart;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.Stroke;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/** Lays out and draws one {@link Chart} onto an image. Single use. */
final class Painter {
    private static final Color BACKGROUND = Color.WHITE;
    private static final Color GRID = new Color(0xDDDDDD);
    private static final Color GRID_MINOR = new Color(0xF0F0F0);
    private static final Color FRAME = new Color(0x555555);
    private static final Color TEXT = new Color(0x222222);
    private static final Color LEGEND_FILL = new Color(255, 255, 255, 230);
    private static final Color LEGEND_BORDER = new Color(0xBBBBBB);

    private final Chart chart;
    private final int w;
    private final int h;
    private final float fs;
    /** Scale of strokes and markers: 1 at a 13 px font. */
    private final float u;
    private final Font font;
    private Font titleFont;
    private String titleText;
    private final Font supFont;
    private final List<Series> series;

    private FontMetrics fm;
    private FontMetrics supFm;
    private int pad;
    private int gap;
    private int tickLen;
    private int digitH;
    private int raise;
    /** Room above x tick labels for superscript exponents. */
    private int xExtra;
    private Rectangle plot;
    private Scale xScale;
    private Scale yScale;
    private List<Tick> xTicks;
    private List<Tick> yTicks;

    Painter(Chart chart) {
        this.chart = chart;
        this.w = chart.width();
        this.h = chart.height();
        this.fs = chart.fontSize();
        this.u = fs / 13f;
        this.font = new Font(Font.SANS_SERIF, Font.PLAIN, 1).deriveFont(fs);
        this.titleFont = new Font(Font.SANS_SERIF, Font.BOLD, 1).deriveFont(fs * 1.25f);
        this.supFont = font.deriveFont(fs * 0.72f);
        this.series = chart.series();
    }

    BufferedImage paint() {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_NORMALIZE);
            g.setColor(BACKGROUND);
            g.fillRect(0, 0, w, h);
            layout(g, range(chart.xAxis(), chart.fixedXRange(), true), range(chart.yAxis(), chart.fixedYRange(), false));
            drawGrid(g);
            drawSeries(g);
            drawFrame(g);
            drawText(g);
            drawLegend(g);
        } finally {
            g.dispose();
        }
        return image;
    }

    // ---- layout ----

    /** Fixed range, or the data range with a 5% margin; a default range for an empty chart. */
    private double[] range(Axis axis, double[] fixed, boolean x) {
        if (fixed != null) {
            return fixed;
        }
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (double[] values : x ? new double[][] {s.xs()} : new double[][] {s.ys(), s.upper()}) {
                if (values == null) {
                    continue;
                }
                for (double v : values) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
        }
        if (min > max) {
            return axis == Axis.LOG10 ? new double[] {1, 10} : new double[] {0, 1};
        }
        return Scale.padded(axis, min, max, 0.05);
    }

    private void layout(Graphics2D g, double[] xr, double[] yr) {
        fm = g.getFontMetrics(font);
        supFm = g.getFontMetrics(supFont);
        pad = Math.round(fs);
        fitTitle(g);
        FontMetrics tfm = g.getFontMetrics(titleFont);
        gap = Math.round(fs * 0.45f);
        tickLen = Math.round(4 * u);
        digitH = (int) Math.ceil(font.createGlyphVector(g.getFontRenderContext(), "0").getVisualBounds().getHeight());
        raise = Math.round(digitH * 0.55f);
        int supDigitH = (int) Math.ceil(supFont.createGlyphVector(g.getFontRenderContext(), "0")
                .getVisualBounds().getHeight());
        xExtra = chart.xAxis() == Axis.LOG10 ? Math.max(0, raise + supDigitH - digitH) : 0;

        int top = pad + (titleText.isEmpty() ? Math.round(fs * 0.3f) : tfm.getAscent() + tfm.getDescent() + pad);
        int xTickBlock = tickLen + gap + xExtra + digitH + fm.getDescent();
        int bottom = pad + xTickBlock + (chart.xLabel().isEmpty() ? 0 : gap + fm.getAscent() + fm.getDescent());
        int plotH = h - top - bottom;
        yTicks = Ticks.of(chart.yAxis(), yr[0], yr[1], clamp(Math.round(plotH / (fs * 2.6f)), 3, 10));

        int yTickW = widest(yTicks);
        int yLabelW = chart.yLabel().isEmpty() ? 0 : fm.getAscent() + fm.getDescent() + gap;
        int left = pad + yLabelW + yTickW + gap + tickLen;
        int right = 2 * pad;
        xTicks = fitXTicks(xr, w - left - right);
        right = Math.max(pad, widest(xTicks) / 2 + Math.round(fs * 0.4f));
        xTicks = fitXTicks(xr, w - left - right);
        int plotW = w - left - right;
        if (plotW < 20 || plotH < 20) {
            throw new IllegalStateException("chart " + w + "x" + h + " is too small for its labels at font size "
                    + fs + " px");
        }
        plot = new Rectangle(left, top, plotW, plotH);
        xScale = new Scale(chart.xAxis(), xr[0], xr[1], left, left + plotW);
        yScale = new Scale(chart.yAxis(), yr[0], yr[1], top + plotH, top);
    }

    /** Shrinks a too wide title down to the base font size, then cuts it with "...". */
    private void fitTitle(Graphics2D g) {
        titleText = chart.title();
        int room = w - 2 * pad;
        int tw = g.getFontMetrics(titleFont).stringWidth(titleText);
        if (tw <= room) {
            return;
        }
        titleFont = titleFont.deriveFont(Math.max(fs, titleFont.getSize2D() * room / tw));
        FontMetrics tfm = g.getFontMetrics(titleFont);
        if (tfm.stringWidth(titleText) <= room) {
            return;
        }
        int keep = titleText.length();
        while (keep > 0 && tfm.stringWidth(titleText.substring(0, keep) + "...") > room) {
            keep--;
        }
        titleText = titleText.substring(0, keep).stripTrailing() + "...";
    }

    /** The densest x ticks whose labels fit side by side with a gap of one font size. */
    private List<Tick> fitXTicks(double[] xr, int plotW) {
        for (int n = clamp(Math.round(plotW / (fs * 3)), 3, 12); ; n--) {
            List<Tick> ticks = Ticks.of(chart.xAxis(), xr[0], xr[1], n);
            long majors = ticks.stream().filter(Tick::major).count();
            if (n <= 2 || majors * (widest(ticks) + fs) <= plotW) {
                return ticks;
            }
        }
    }

    private int widest(List<Tick> ticks) {
        int max = 0;
        for (Tick t : ticks) {
            if (t.major()) {
                max = Math.max(max, labelWidth(t));
            }
        }
        return max;
    }

    private int labelWidth(Tick t) {
        return fm.stringWidth(t.text()) + (t.exponent() == null ? 0 : supFm.stringWidth(t.exponent()));
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    // ---- axes ----

    private void drawGrid(Graphics2D g) {
        for (boolean major : new boolean[] {false, true}) {
            g.setColor(major ? GRID : GRID_MINOR);
            for (Tick t : xTicks) {
                int px = xPixel(t);
                if (t.major() == major && px > plot.x && px < plot.x + plot.width) {
                    g.drawLine(px, plot.y, px, plot.y + plot.height);
                }
            }
            for (Tick t : yTicks) {
                int py = yPixel(t);
                if (t.major() == major && py > plot.y && py < plot.y + plot.height) {
                    g.drawLine(plot.x, py, plot.x + plot.width, py);
                }
            }
        }
    }

    private void drawFrame(Graphics2D g) {
        g.setColor(FRAME);
        g.setStroke(new BasicStroke(1f));
        g.drawRect(plot.x, plot.y, plot.width, plot.height);
        int bottom = plot.y + plot.height;
        for (Tick t : xTicks) {
            int px = xPixel(t);
            if (px >= plot.x && px <= plot.x + plot.width) {
                g.drawLine(px, bottom, px, bottom + (t.major() ? tickLen : tickLen / 2));
            }
        }
        for (Tick t : yTicks) {
            int py = yPixel(t);
            if (py >= plot.y && py <= bottom) {
                g.drawLine(plot.x - (t.major() ? tickLen : tickLen / 2), py, plot.x, py);
            }
        }
    }

    private int xPixel(Tick t) {
        return (int) Math.round(xScale.toPixel(t.value()));
    }

    private int yPixel(Tick t) {
        return (int) Math.round(yScale.toPixel(t.value()));
    }

    private void drawText(Graphics2D g) {
        g.setColor(TEXT);
        g.setFont(font);
        boolean xHasExponent = xTicks.stream().anyMatch(t -> t.exponent() != null);
        int xBase = plot.y + plot.height + tickLen + gap + digitH + (xHasExponent ? xExtra : 0);
        for (Tick t : xTicks) {
            int px = xPixel(t);
            if (t.major() && px >= plot.x - 1 && px <= plot.x + plot.width + 1) {
                drawTickLabel(g, t, px - labelWidth(t) / 2f, xBase);
            }
        }
        float yRight = plot.x - tickLen - gap;
        for (Tick t : yTicks) {
            int py = yPixel(t);
            if (t.major() && py >= plot.y - 1 && py <= plot.y + plot.height + 1) {
                drawTickLabel(g, t, yRight - labelWidth(t), py + digitH / 2f);
            }
        }
        if (!chart.xLabel().isEmpty()) {
            int base = plot.y + plot.height + tickLen + gap + xExtra + digitH + fm.getDescent() + gap
                    + fm.getAscent();
            drawCentered(g, chart.xLabel(), plot.x + plot.width / 2f, base);
        }
        if (!chart.yLabel().isEmpty()) {
            Graphics2D r = (Graphics2D) g.create();
            r.translate(pad + fm.getAscent(), plot.y + plot.height / 2.0);
            r.rotate(-Math.PI / 2);
            drawCentered(r, chart.yLabel(), 0, 0);
            r.dispose();
        }
        if (!titleText.isEmpty()) {
            g.setFont(titleFont);
            FontMetrics tfm = g.getFontMetrics();
            int tw = tfm.stringWidth(titleText);
            float tx = plot.x + (plot.width - tw) / 2f;
            tx = Math.max(pad, Math.min(w - pad - tw, tx));
            g.drawString(titleText, tx, pad + tfm.getAscent());
            g.setFont(font);
        }
    }

    private void drawTickLabel(Graphics2D g, Tick t, float x, float baseline) {
        g.setFont(font);
        g.drawString(t.text(), x, baseline);
        if (t.exponent() != null) {
            g.setFont(supFont);
            g.drawString(t.exponent(), x + fm.stringWidth(t.text()), baseline - raise);
            g.setFont(font);
        }
    }

    private static void drawCentered(Graphics2D g, String text, float cx, float baseline) {
        g.drawString(text, cx - g.getFontMetrics().stringWidth(text) / 2f, baseline);
    }

    // ---- data ----

    private void drawSeries(Graphics2D g) {
        Graphics2D d = (Graphics2D) g.create();
        try {
            d.clip(new Rectangle(plot.x, plot.y, plot.width + 1, plot.height + 1));
            d.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            for (Series s : series) {
                if (s.kind() == Series.Kind.BAND) {
                    drawBand(d, s);
                }
            }
            for (Series s : series) {
                if (s.kind() == Series.Kind.LINE) {
                    drawLine(d, s);
                } else if (s.kind() == Series.Kind.SCATTER) {
                    drawScatter(d, s);
                }
            }
        } finally {
            d.dispose();
        }
    }

    private void drawBand(Graphics2D d, Series s) {
        int[] order = byX(s);
        Path2D.Double p = new Path2D.Double();
        for (int j = 0; j < order.length; j++) {
            int i = order[j];
            double px = xScale.toPixel(s.xs()[i]);
            double py = yScale.toPixel(s.upper()[i]);
            if (j == 0) {
                p.moveTo(px, py);
            } else {
                p.lineTo(px, py);
            }
        }
        for (int j = order.length - 1; j >= 0; j--) {
            int i = order[j];
            p.lineTo(xScale.toPixel(s.xs()[i]), yScale.toPixel(s.ys()[i]));
        }
        p.closePath();
        d.setColor(s.paint());
        d.fill(p);
    }

    private static int[] byX(Series s) {
        double[] xs = s.xs();
        return IntStream.range(0, xs.length).boxed()
                .sorted(Comparator.comparingDouble(i -> xs[i]))
                .mapToInt(Integer::intValue).toArray();
    }

    private void drawLine(Graphics2D d, Series s) {
        Path2D.Double p = new Path2D.Double();
        for (int i = 0; i < s.size(); i++) {
            double px = xScale.toPixel(s.xs()[i]);
            double py = yScale.toPixel(s.ys()[i]);
            if (i == 0) {
                p.moveTo(px, py);
            } else {
                p.lineTo(px, py);
            }
        }
        float lw = lineWidth(s);
        d.setColor(s.paint());
        d.setStroke(stroke(s, lw));
        if (s.size() == 1) {
            d.fill(new Ellipse2D.Double(xScale.toPixel(s.xs()[0]) - lw / 2, yScale.toPixel(s.ys()[0]) - lw / 2, lw, lw));
        } else {
            d.draw(p);
        }
        if (s.hasMarkers()) {
            for (int i = 0; i < s.size(); i++) {
                drawMarker(d, s, xScale.toPixel(s.xs()[i]), yScale.toPixel(s.ys()[i]), lw);
            }
        }
    }

    private float lineWidth(Series s) {
        return s.lineWidthPx() > 0 ? s.lineWidthPx() : 2f * u;
    }

    private static Stroke stroke(Series s, float lw) {
        if (s.isDashed()) {
            float dash = Math.max(4f, lw * 3.5f);
            return new BasicStroke(lw, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f,
                    new float[] {dash, dash * 0.6f}, 0f);
        }
        return new BasicStroke(lw, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
    }

    private void drawMarker(Graphics2D d, Series s, double px, double py, float lw) {
        double r = s.markerSizePx() > 0 ? s.markerSizePx() : Math.max(3.5 * u, lw * 1.6);
        Shape m = s.marker().shape(px, py, r);
        d.setColor(s.paint());
        d.fill(m);
        d.setColor(BACKGROUND);
        d.setStroke(new BasicStroke(0.8f * u));
        d.draw(m);
    }

    private double dotRadius(Series s) {
        return s.markerSizePx() > 0 ? s.markerSizePx() : 2.6 * u;
    }

    private void drawScatter(Graphics2D d, Series s) {
        double r = dotRadius(s);
        d.setColor(s.paint());
        for (int i = 0; i < s.size(); i++) {
            double px = xScale.toPixel(s.xs()[i]);
            double py = yScale.toPixel(s.ys()[i]);
            d.fill(new Ellipse2D.Double(px - r, py - r, 2 * r, 2 * r));
        }
    }

    // ---- legend ----

    private void drawLegend(Graphics2D g) {
        List<Series> entries = new ArrayList<>();
        for (Series s : series) {
            if (s.showsInLegend()) {
                entries.add(s);
            }
        }
        if (entries.isEmpty() || chart.legend() == Legend.NONE) {
            return;
        }
        int inner = Math.round(fs * 0.6f);
        int swatchW = Math.round(fs * 2.4f);
        int rowH = Math.round(fm.getHeight() * 1.15f);
        int textW = 0;
        for (Series s : entries) {
            textW = Math.max(textW, fm.stringWidth(s.name()));
        }
        int boxW = inner + swatchW + gap + textW + inner;
        int boxH = inner + entries.size() * rowH + inner / 2;
        Rectangle box = place(boxW, boxH);

        Graphics2D d = (Graphics2D) g.create();
        try {
            d.clip(new Rectangle(plot.x, plot.y, plot.width + 1, plot.height + 1));
            d.setColor(LEGEND_FILL);
            d.fill(box);
            d.setColor(LEGEND_BORDER);
            d.setStroke(new BasicStroke(1f));
            d.draw(box);
            d.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            d.setFont(font);
            for (int k = 0; k < entries.size(); k++) {
                Series s = entries.get(k);
                float cy = box.y + inner * 0.75f + k * rowH + rowH / 2f;
                float sx = box.x + inner;
                drawSwatch(d, s, sx, cy, swatchW);
                d.setColor(TEXT);
                d.drawString(s.name(), sx + swatchW + gap, cy + digitH / 2f);
            }
        } finally {
            d.dispose();
        }
    }

    private void drawSwatch(Graphics2D d, Series s, float x, float cy, int width) {
        switch (s.kind()) {
            case BAND: {
                float bh = digitH * 1.2f;
                d.setColor(s.paint());
                d.fill(new Rectangle2D.Float(x, cy - bh / 2, width, bh));
                break;
            }
            case SCATTER: {
                double r = Math.min(dotRadius(s), digitH * 0.6);
                d.setColor(s.paint());
                for (double f : new double[] {0.25, 0.75}) {
                    d.fill(new Ellipse2D.Double(x + width * f - r, cy - r, 2 * r, 2 * r));
                }
                break;
            }
            default: {
                float lw = lineWidth(s);
                d.setColor(s.paint());
                d.setStroke(stroke(s, lw));
                d.draw(new Line2D.Float(x, cy, x + width, cy));
                if (s.hasMarkers()) {
                    drawMarker(d, s, x + width / 2.0, cy, lw);
                }
            }
        }
    }

    /** The legend rectangle at the configured corner, or the corner covering the least data. */
    private Rectangle place(int boxW, int boxH) {
        int inset = Math.round(fs * 0.6f);
        int xl = plot.x + inset;
        int xr = plot.x + plot.width - inset - boxW;
        int yt = plot.y + inset;
        int yb = plot.y + plot.height - inset - boxH;
        Rectangle upperRight = new Rectangle(xr, yt, boxW, boxH);
        Rectangle upperLeft = new Rectangle(xl, yt, boxW, boxH);
        Rectangle lowerRight = new Rectangle(xr, yb, boxW, boxH);
        Rectangle lowerLeft = new Rectangle(xl, yb, boxW, boxH);
        switch (chart.legend()) {
            case UPPER_LEFT:
                return upperLeft;
            case LOWER_RIGHT:
                return lowerRight;
            case LOWER_LEFT:
                return lowerLeft;
            case UPPER_RIGHT:
                return upperRight;
            default:
                break;
        }
        Rectangle best = upperRight;
        long bestScore = Long.MAX_VALUE;
        for (Rectangle r : new Rectangle[] {upperRight, upperLeft, lowerRight, lowerLeft}) {
            long score = covered(r);
            if (score < bestScore) {
                best = r;
                bestScore = score;
            }
        }
        return best;
    }

    /** How much data lies under r: sample points along lines, at dots, and across bands. */
    private long covered(Rectangle r) {
        long n = 0;
        for (Series s : series) {
            double[] xs = s.xs();
            double[] ys = s.ys();
            for (int i = 0; i < xs.length; i++) {
                double px = xScale.toPixel(xs[i]);
                double py = yScale.toPixel(ys[i]);
                if (s.kind() == Series.Kind.BAND) {
                    double pu = yScale.toPixel(s.upper()[i]);
                    int steps = (int) Math.min(500, Math.ceil(Math.abs(py - pu) / 6) + 1);
                    for (int k = 0; k <= steps; k++) {
                        n += r.contains(px, py + (pu - py) * k / steps) ? 1 : 0;
                    }
                    continue;
                }
                n += r.contains(px, py) ? 4 : 0;
                if (s.kind() == Series.Kind.LINE && i > 0) {
                    double qx = xScale.toPixel(xs[i - 1]);
                    double qy = yScale.toPixel(ys[i - 1]);
                    int steps = (int) Math.min(2000, Math.ceil(Math.hypot(px - qx, py - qy) / 3));
                    for (int k = 1; k < steps; k++) {
                        n += r.contains(qx + (px - qx) * k / steps, qy + (py - qy) * k / steps) ? 2 : 0;
                    }
                }
            }
        }
        return n;
    }
}
