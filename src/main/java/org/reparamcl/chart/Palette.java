package org.reparamcl.chart;

import java.awt.Color;

/**
 * Fixed colorblind-friendly palette (Okabe and Ito, 2008), ordered for contrast on white.
 * Series take colors in order; after the last color the palette repeats.
 */
public final class Palette {
    private static final int[] RGB = {
        0x0072B2, // blue
        0xD55E00, // vermillion
        0x009E73, // bluish green
        0xCC79A7, // reddish purple
        0xE69F00, // orange
        0x56B4E9, // sky blue
        0x000000, // black
        0xF0E442, // yellow (low contrast on white, hence last)
    };

    private Palette() {
    }

    /** The color at {@code index}, wrapping around after {@link #size()} colors. */
    public static Color color(int index) {
        return new Color(RGB[Math.floorMod(index, RGB.length)]);
    }

    /** Number of distinct colors before the palette repeats. */
    public static int size() {
        return RGB.length;
    }
}
