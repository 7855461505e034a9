package org.reparamcl.bench;

import java.util.Locale;

/** What a benchmark point computes. */
public enum Pass {
    /** eps for (seed, stream, offset, n), written to the output. */
    NOISE("noise");

    private final String label;

    Pass(String label) {
        this.label = label;
    }

    /** The name used in flags, tables and JSON. */
    public String label() {
        return label;
    }

    /** The pass a flag value names; IllegalArgumentException listing the known ones otherwise. */
    public static Pass parse(String s) {
        final String v = s.trim().toLowerCase(Locale.ROOT);
        for (Pass p : values()) {
            if (p.label.equals(v)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown pass '" + s + "' (known: " + known() + ")");
    }

    /** The known pass names, comma separated. */
    public static String known() {
        final StringBuilder sb = new StringBuilder();
        for (Pass p : values()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(p.label);
        }
        return sb.toString();
    }
}
