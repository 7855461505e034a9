package org.reparamcl.chart;

/** Scale type of a chart axis. */
public enum Axis {
    /** Linear scale with ticks at 1, 2 or 5 x 10^k steps. */
    LINEAR,
    /** Linear scale for counts and indices: ticks at whole numbers only (1, 2 or 5 x 10^k, k >= 0). */
    INTEGER,
    /** Base-10 logarithmic scale; every value plotted on it must be positive. */
    LOG10
}
