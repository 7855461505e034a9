package org.reparamcl.chart;

/** Maps data values on one axis to pixel coordinates. */
final class Scale {
    private final Axis axis;
    private final double t0;
    private final double t1;
    private final double p0;
    private final double p1;

    /** Maps [lo, hi] onto pixels [p0, p1] (p1 may be smaller than p0, as for y). */
    Scale(Axis axis, double lo, double hi, double p0, double p1) {
        this.axis = axis;
        this.t0 = transform(axis, lo);
        this.t1 = transform(axis, hi);
        this.p0 = p0;
        this.p1 = p1;
    }

    double toPixel(double v) {
        return p0 + (transform(axis, v) - t0) / (t1 - t0) * (p1 - p0);
    }

    private static double transform(Axis axis, double v) {
        return axis == Axis.LOG10 ? Math.log10(v) : v;
    }

    /**
     * [min, max] widened by {@code fraction} of its span on each side, measured in log space for
     * LOG10. A degenerate range (min == max) is widened to a usable one.
     */
    static double[] padded(Axis axis, double min, double max, double fraction) {
        if (axis == Axis.LOG10) {
            double a = Math.log10(min);
            double b = Math.log10(max);
            double pad = a == b ? 0.5 : (b - a) * fraction;
            return new double[] {Math.pow(10, a - pad), Math.pow(10, b + pad)};
        }
        double pad = min == max ? (min == 0 ? 1 : Math.abs(min) * 0.1) : (max - min) * fraction;
        double lo = min - pad;
        double hi = max + pad;
        if (!Double.isFinite(lo) || !Double.isFinite(hi)) {
            return new double[] {min, max}; // padding would overflow: use the bare data range
        }
        return new double[] {lo, hi};
    }
}
