package org.reparamcl.chart;

/**
 * One axis tick. A major tick has a label {@code text}, optionally followed by a superscript
 * {@code exponent} (for "10^k" labels); minor ticks only get a light grid line and have empty text.
 */
record Tick(double value, String text, String exponent, boolean major) {

    static Tick major(double value, String text) {
        return new Tick(value, text, null, true);
    }

    static Tick power(int k) {
        return new Tick(Double.parseDouble("1e" + k), "10", Integer.toString(k), true);
    }

    static Tick minor(double value) {
        return new Tick(value, "", null, false);
    }

    /** The label as plain text, e.g. "0.2" or "10^3". */
    String label() {
        return exponent == null ? text : text + "^" + exponent;
    }
}
