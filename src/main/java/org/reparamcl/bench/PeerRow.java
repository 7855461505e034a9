package org.reparamcl.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One timing of a peer library (PyTorch, NumPy) from a peers file written by
 * {@code benchmarks/peers/peers.py}.
 *
 * @param peer     the library and how it ran, e.g. {@code pytorch 2.1.2 cpu (2 threads)}
 * @param pass     {@code noise}, {@code forward}, {@code backward} or {@code forward+backward}
 * @param elements elements per call
 * @param samples  K, samples per parameter the peer drew (elements = parameters * K)
 * @param medianNs median nanoseconds per call
 * @param minNs    fastest repetition, nanoseconds per call
 */
public record PeerRow(String peer, String pass, long elements, int samples, double medianNs, double minNs) {

    /** Elements per second at the median. */
    public double elementsPerSecond() {
        return elements * 1e9 / medianNs;
    }

    /** Nanoseconds per element at the median. */
    public double nsPerElement() {
        return medianNs / elements;
    }

    /**
     * Reads a peers file: an object with a {@code results} array of objects with {@code peer},
     * {@code pass}, {@code n}, {@code k} (1 where absent), {@code median_ns} and {@code min_ns}.
     * IllegalArgumentException naming the file and the problem when it does not have that shape.
     */
    public static List<PeerRow> read(Path file) throws IOException {
        final Object root;
        try {
            root = Json.parse(Files.readString(file));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("peers file " + file + ": " + e.getMessage(), e);
        }
        if (!(root instanceof Map<?, ?> m) || !(m.get("results") instanceof List<?> results)) {
            throw new IllegalArgumentException("peers file " + file + " has no \"results\" array");
        }
        final List<PeerRow> out = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            if (!(results.get(i) instanceof Map<?, ?> r)) {
                throw new IllegalArgumentException("peers file " + file + ": results[" + i + "] is not an object");
            }
            final double k = r.containsKey("k") ? number(file, i, r, "k") : 1;
            if (k != Math.rint(k) || k > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("peers file " + file + ": results[" + i + "].k is not a whole number >= 1");
            }
            out.add(new PeerRow(text(file, i, r, "peer"), text(file, i, r, "pass"),
                    (long) number(file, i, r, "n"), (int) k, number(file, i, r, "median_ns"), number(file, i, r, "min_ns")));
        }
        return out;
    }

    private static String text(Path file, int i, Map<?, ?> r, String key) {
        if (!(r.get(key) instanceof String s)) {
            throw new IllegalArgumentException("peers file " + file + ": results[" + i + "]." + key + " is not a string");
        }
        return s;
    }

    private static double number(Path file, int i, Map<?, ?> r, String key) {
        if (!(r.get(key) instanceof Double d) || !(d > 0) || d.isInfinite()) {
            throw new IllegalArgumentException("peers file " + file + ": results[" + i + "]." + key
                    + " is not a positive number");
        }
        return d;
    }
}
