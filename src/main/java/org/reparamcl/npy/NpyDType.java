package org.reparamcl.npy;

import java.util.Optional;
import java.util.StringJoiner;

/** The element types this package reads and writes; all little-endian. */
public enum NpyDType {
    /** IEEE 754 binary32, stored as a Java {@code float[]}. */
    FLOAT32("<f4", 4),
    /** Unsigned 32-bit integer, stored as the bit pattern in a Java {@code int[]}. */
    UINT32("<u4", 4),
    /** Signed 32-bit integer, stored as a Java {@code int[]}. */
    INT32("<i4", 4),
    /** IEEE 754 binary64, stored as a Java {@code double[]}. */
    FLOAT64("<f8", 8);

    private final String descr;
    private final int itemSize;

    NpyDType(String descr, int itemSize) {
        this.descr = descr;
        this.itemSize = itemSize;
    }

    /**
     * Returns the NumPy type string written in the header, e.g. {@code "<f4"}.
     *
     * @return the {@code descr} value
     */
    public String descr() {
        return descr;
    }

    /**
     * Returns the size of one element in bytes.
     *
     * @return 4 or 8
     */
    public int itemSize() {
        return itemSize;
    }

    /**
     * Looks up a type by its exact NumPy type string.
     *
     * @param descr a type string such as {@code "<f4"}
     * @return the type, or empty if this package does not support it
     */
    public static Optional<NpyDType> fromDescr(String descr) {
        for (NpyDType t : values()) {
            if (t.descr.equals(descr)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** Comma-separated list of supported type strings, for messages. */
    static String supportedList() {
        StringJoiner j = new StringJoiner(", ");
        for (NpyDType t : values()) {
            j.add(t.descr);
        }
        return j.toString();
    }
}
