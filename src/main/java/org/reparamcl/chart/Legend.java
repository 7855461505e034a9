package org.reparamcl.chart;

/** Where the legend box goes; it is always drawn inside the plot area, never over the title. */
public enum Legend {
    /** The inside corner that covers the fewest data points. */
    AUTO,
    UPPER_RIGHT,
    UPPER_LEFT,
    LOWER_RIGHT,
    LOWER_LEFT,
    /** No legend. */
    NONE
}
