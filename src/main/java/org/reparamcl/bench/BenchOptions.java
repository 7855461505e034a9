package org.reparamcl.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.TreeSet;

/**
 * What {@code reparam bench} measures and where it writes.
 *
 * @param sizes       batch sizes in elements, ascending, distinct
 * @param passes      passes to run
 * @param backends    backend choices: {@code cpu-1}, {@code cpu-all}, {@code opencl}
 * @param samples     K, samples per parameter of the reparameterized passes (every size a multiple of K)
 * @param reps        timed repetitions per point (the median and the minimum are reported)
 * @param warmupMillis minimum warm-up per point before timing
 * @param minRepMillis a repetition repeats the call until it lasts at least this long
 * @param device      OpenCL device selector ({@code auto}, an index or a name)
 * @param outDir      where the artifacts go
 * @param peers       a peers JSON file to include, or null
 * @param seed        seed of the noise stream
 * @param progress    whether to draw the progress bar
 */
public record BenchOptions(List<Integer> sizes, List<Pass> passes, List<String> backends, int samples, int reps,
                           int warmupMillis, double minRepMillis, String device, Path outDir, Path peers,
                           long seed, boolean progress) {

    /** Backend choices, in report order. */
    public static final List<String> BACKENDS = List.of("cpu-1", "cpu-all", "opencl");
    /**
     * The default sweep: 2^10 .. 2^22 in steps of 4x, which keeps the default run near a minute
     * on a busy 2-core machine (2^24 alone costs about as much again; ask for it with --sizes).
     */
    public static final String DEFAULT_SIZES = "2^10..2^22:2";

    public BenchOptions {
        Objects.requireNonNull(sizes, "sizes");
        Objects.requireNonNull(passes, "passes");
        Objects.requireNonNull(backends, "backends");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(outDir, "outDir");
        if (sizes.isEmpty() || passes.isEmpty() || backends.isEmpty()) {
            throw new IllegalArgumentException("sizes, passes and backends must each name at least one item");
        }
        for (int s : sizes) {
            if (s < 1) {
                throw new IllegalArgumentException("sizes must be >= 1, got " + s);
            }
        }
        for (String b : backends) {
            if (!BACKENDS.contains(b)) {
                throw new IllegalArgumentException("unknown backend '" + b + "' (known: " + String.join(", ", BACKENDS) + ")");
            }
        }
        if (samples < 1) {
            throw new IllegalArgumentException("samples K must be >= 1, got " + samples);
        }
        for (int s : sizes) {
            if (s % samples != 0) {
                throw new IllegalArgumentException("size " + s + " is not a multiple of samples K = " + samples);
            }
        }
        if (reps < 1) {
            throw new IllegalArgumentException("reps must be >= 1, got " + reps);
        }
        if (warmupMillis < 0 || !(minRepMillis >= 0)) {
            throw new IllegalArgumentException("warm-up and repetition times must be >= 0");
        }
        sizes = List.copyOf(new TreeSet<>(sizes));
        passes = List.copyOf(passes);
        backends = BACKENDS.stream().filter(backends::contains).toList();
    }

    /** The defaults: the default passes, every backend, K = 1, 5 repetitions, the default sweep, output in {@code dir}. */
    public static BenchOptions defaults(Path dir) {
        return new BenchOptions(parseSizes(DEFAULT_SIZES), Pass.DEFAULT, BACKENDS, 1, 5, 20, 2.0,
                "auto", dir, null, 42L, true);
    }

    /**
     * Parses a size list: comma-separated items, each an integer, {@code 2^K}, or a range
     * {@code 2^A..2^B} with an optional exponent step {@code :S} (default 1).
     */
    public static List<Integer> parseSizes(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("size list is empty");
        }
        final List<Integer> out = new ArrayList<>();
        for (String item : spec.split(",")) {
            final String t = item.trim().toLowerCase(Locale.ROOT);
            if (t.contains("..")) {
                final String[] stepSplit = t.split(":", -1);
                if (stepSplit.length > 2) {
                    throw new IllegalArgumentException("bad size range '" + item + "' (expected 2^A..2^B[:S])");
                }
                final int step = stepSplit.length == 2 ? parseInt(stepSplit[1], item) : 1;
                final String[] ends = stepSplit[0].split("\\.\\.", -1);
                if (ends.length != 2 || !ends[0].startsWith("2^") || !ends[1].startsWith("2^") || step < 1) {
                    throw new IllegalArgumentException("bad size range '" + item + "' (expected 2^A..2^B[:S], S >= 1)");
                }
                final int a = exponent(ends[0], item);
                final int b = exponent(ends[1], item);
                if (a > b) {
                    throw new IllegalArgumentException("bad size range '" + item + "': start is above end");
                }
                for (int e = a; e <= b; e += step) {
                    out.add(1 << e);
                }
            } else if (t.startsWith("2^")) {
                out.add(1 << exponent(t, item));
            } else {
                final int v = parseInt(t, item);
                if (v < 1) {
                    throw new IllegalArgumentException("size must be >= 1, got '" + item + "'");
                }
                out.add(v);
            }
        }
        return List.copyOf(new TreeSet<>(out));
    }

    private static int exponent(String t, String item) {
        final int e = parseInt(t.substring(2), item);
        if (e < 0 || e > 30) {
            throw new IllegalArgumentException("size exponent must be in [0, 30], got '" + item + "'");
        }
        return e;
    }

    private static int parseInt(String s, String item) {
        try {
            if (!s.trim().matches("[+-]?[0-9]+")) {
                throw new NumberFormatException("not ASCII digits");   // Integer.parseInt also takes U+0663 (3)
            }
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad size '" + item + "' (expected an integer, 2^K or 2^A..2^B[:S])");
        }
    }

    /** Largest size. */
    public int maxSize() {
        return sizes.get(sizes.size() - 1);
    }
}
