package org.reparamcl.chart;

import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;

/** Marker shapes for line series; by default series cycle through them in this order. */
public enum Marker {
    CIRCLE,
    SQUARE,
    TRIANGLE,
    DIAMOND;

    /** The marker centered at (cx, cy) with "radius" r in pixels. */
    Shape shape(double cx, double cy, double r) {
        switch (this) {
            case SQUARE: {
                double s = r * 0.9;
                return new Rectangle2D.Double(cx - s, cy - s, 2 * s, 2 * s);
            }
            case TRIANGLE: {
                double s = r * 1.2;
                Path2D.Double p = new Path2D.Double();
                p.moveTo(cx, cy - s);
                p.lineTo(cx + s * 0.866, cy + s * 0.5);
                p.lineTo(cx - s * 0.866, cy + s * 0.5);
                p.closePath();
                return p;
            }
            case DIAMOND: {
                double s = r * 1.2;
                Path2D.Double p = new Path2D.Double();
                p.moveTo(cx, cy - s);
                p.lineTo(cx + s, cy);
                p.lineTo(cx, cy + s);
                p.lineTo(cx - s, cy);
                p.closePath();
                return p;
            }
            default:
                return new Ellipse2D.Double(cx - r, cy - r, 2 * r, 2 * r);
        }
    }

    /** The marker for the series at position {@code index}. */
    static Marker forIndex(int index) {
        Marker[] all = values();
        return all[Math.floorMod(index, all.length)];
    }
}
