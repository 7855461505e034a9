package org.reparamcl.npy;

import java.util.Map;
import java.util.Set;

/**
 * The meaning of an {@code .npy} header: element type, shape, and whether the data is in Fortran
 * (column-major) order, as NumPy writes an F-contiguous array such as a transpose; the reader
 * turns such data into C order.
 */
final class NpyHeader {

    private static final Set<String> KEYS = Set.of("descr", "fortran_order", "shape");

    /** NumPy pads the header so that it can grow in place to a first dimension of this many digits. */
    private static final int GROWTH_AXIS_MAX_DIGITS = 21;

    final NpyDType dtype;
    final long[] shape;
    final boolean fortranOrder;

    private NpyHeader(NpyDType dtype, long[] shape, boolean fortranOrder) {
        this.dtype = dtype;
        this.shape = shape;
        this.fortranOrder = fortranOrder;
    }

    /**
     * Parses and checks the header dict.
     *
     * @param text the decoded header text
     * @param name the file name for messages
     * @throws NpyFormatException if the dict is malformed, has missing or unknown keys, or
     *     describes something this package does not support
     */
    static NpyHeader parse(String text, String name) throws NpyFormatException {
        Map<String, Object> dict = HeaderDictParser.parse(text, name);
        for (String key : dict.keySet()) {
            if (!KEYS.contains(key)) {
                throw NpyFormatException.of(name, "header has unknown key " + HeaderDictParser.show(key)
                        + " (expected 'descr', 'fortran_order' and 'shape')");
            }
        }
        for (String key : new String[] {"descr", "fortran_order", "shape"}) {
            if (!dict.containsKey(key)) {
                throw NpyFormatException.of(name, "header is missing key '" + key + "'");
            }
        }
        NpyDType dtype = dtype(dict.get("descr"), name);
        final boolean fortranOrder = order(dict.get("fortran_order"), name);
        return new NpyHeader(dtype, shape(dict.get("shape"), name), fortranOrder);
    }

    private static NpyDType dtype(Object descr, String name) throws NpyFormatException {
        if (descr instanceof HeaderDictParser.ListLiteral list) {
            // A structured dtype: well formed, but not one this reader loads (the caller may say "not float32").
            final String shown = HeaderDictParser.show(list.text());
            throw NpyFormatException.unsupportedDtype(name, "dtype " + shown + " is a structured dtype, which is not supported"
                    + " (expected one of " + NpyDType.supportedList() + ")", shown);
        }
        if (!(descr instanceof String)) {
            throw NpyFormatException.of(name, "'descr' must be a type string such as '<f4'"
                    + " (structured dtypes are not supported)");
        }
        String s = (String) descr;
        if (s.startsWith(">")) {
            throw NpyFormatException.of(name, "dtype " + HeaderDictParser.show(s)
                    + " has big-endian byte order '>'; only little-endian '<' is supported");
        }
        return NpyDType.fromDescr(s).orElseThrow(() -> NpyFormatException.unsupportedDtype(name,
                "dtype " + HeaderDictParser.show(s) + " is not supported (expected one of "
                        + NpyDType.supportedList() + ")", HeaderDictParser.show(s)));
    }

    private static boolean order(Object fortran, String name) throws NpyFormatException {
        if (!(fortran instanceof Boolean)) {
            throw NpyFormatException.of(name, "'fortran_order' must be True or False");
        }
        return (Boolean) fortran;
    }

    private static long[] shape(Object shape, String name) throws NpyFormatException {
        if (!(shape instanceof long[])) {
            throw NpyFormatException.of(name, "'shape' must be a tuple of non-negative integers");
        }
        long[] dims = (long[]) shape;
        for (long d : dims) {
            if (d < 0) {
                throw NpyFormatException.of(name, "shape " + NpyArray.shapeForMessage(dims)
                        + " has a negative dimension");
            }
        }
        return dims;
    }

    /**
     * Formats the header text as NumPy's {@code np.save} does, without the alignment padding:
     * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (2,), }} plus the spare spaces
     * NumPy leaves for growing the first axis.
     */
    static String format(NpyDType dtype, long[] shape) {
        StringBuilder sb = new StringBuilder(64 + 24 * shape.length);
        sb.append("{'descr': '").append(dtype.descr()).append("', 'fortran_order': False, 'shape': ")
                .append(NpyArray.formatShape(shape)).append(", }");
        if (shape.length > 0) {
            int digits = Long.toString(shape[0]).length();
            sb.append(" ".repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - digits)));
        }
        return sb.toString();
    }
}
