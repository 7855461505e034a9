package org.reparamcl;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Where OpenCL overtakes the CPU reference on this machine, as measured by {@code reparam bench}
 * and saved in a {@code crossover.properties} file: for each pass, the batch size (elements)
 * below which host-array calls run on the CPU reference. {@code auto} uses it to keep smaller
 * batches on the CPU.
 *
 * <p>The bench saves only what it measured (docs/PERFORMANCE.md, "Crossover and auto"): the
 * smallest measured size from which OpenCL, end to end, was faster when the CPU was faster at a
 * smaller measured size; 1 (no batch routed) when OpenCL was faster at every size measured; the
 * largest size measured + 1 when the CPU was faster even there. It is measured for one
 * configuration (K samples as asked, default 1; rows of 1024; parameterization sigma; value
 * checks off) and applied to every host-array call of the pass, whatever its shape,
 * parameterization, checks or extras.
 *
 * <p>File format (java.util.Properties): {@code PASS.end-to-end=N}, or {@code =none} as written
 * by earlier versions of the bench (OpenCL was not faster at the largest size measured; read as
 * CPU at every size, since such a file does not say which sizes were measured), and
 * {@code device=} the OpenCL device measured (its description; optional); other keys and
 * comments are ignored. Location:
 * the system property {@value #PROPERTY}, else the environment variable {@value #ENV}, else
 * {@link #defaultLocation()}.
 */
public final class CrossoverTable {
    /** System property naming a crossover.properties file. */
    public static final String PROPERTY = "reparam.crossover";
    /** Environment variable naming a crossover.properties file. */
    public static final String ENV = "REPARAM_CROSSOVER";
    /** The timing the routing decision uses: host arrays in and out. */
    static final String SUFFIX = ".end-to-end";

    /** The key naming the OpenCL device the table was measured on. */
    public static final String DEVICE_KEY = "device";

    /** Pass label to smallest OpenCL batch; Long.MAX_VALUE for "none". */
    private final Map<String, Long> minElements;
    private final String device;

    private CrossoverTable(Map<String, Long> minElements, String device) {
        this.minElements = Collections.unmodifiableMap(new TreeMap<>(minElements));
        this.device = device;
    }

    /** The description of the OpenCL device the table was measured on, when the file names it. */
    public Optional<String> device() {
        return Optional.ofNullable(device);
    }

    /**
     * Whether the table applies to the device named {@code deviceName}: the file names no device,
     * or its description contains that name.
     */
    public boolean appliesTo(String deviceName) {
        return device == null || (deviceName != null && device.contains(deviceName));
    }

    /**
     * {@code $XDG_CONFIG_HOME/reparam-cl/crossover.properties}, or
     * {@code ~/.config/reparam-cl/crossover.properties} without XDG_CONFIG_HOME.
     */
    public static Path defaultLocation() {
        final String xdg = System.getenv("XDG_CONFIG_HOME");
        final Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
        return base.resolve("reparam-cl").resolve("crossover.properties");
    }

    /** The file the property, the environment or the default location names (it may not exist). */
    public static Path location() {
        final String p = System.getProperty(PROPERTY);
        if (p != null && !p.isBlank()) {
            return Path.of(p);
        }
        final String e = System.getenv(ENV);
        if (e != null && !e.isBlank()) {
            return Path.of(e);
        }
        return defaultLocation();
    }

    /** The table at {@link #location()}, or empty when there is no such file. */
    public static Optional<CrossoverTable> find() throws IOException {
        final Path p = location();
        return Files.isRegularFile(p) ? Optional.of(load(p)) : Optional.empty();
    }

    /** Reads a crossover.properties file; IllegalArgumentException naming a bad entry. */
    public static CrossoverTable load(Path file) throws IOException {
        final Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            p.load(in);
        }
        return of(p, file.toString());
    }

    /** A table from properties; {@code source} names them in error messages. */
    public static CrossoverTable of(Properties p, String source) {
        final Map<String, Long> m = new TreeMap<>();
        for (String key : p.stringPropertyNames()) {
            if (!key.endsWith(SUFFIX)) {
                continue;
            }
            final String v = p.getProperty(key).trim().toLowerCase(Locale.ROOT);
            final long n;
            if (v.equals("none")) {
                n = Long.MAX_VALUE;
            } else {
                try {
                    n = Long.parseLong(v);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(source + ": " + key + " = '" + p.getProperty(key)
                            + "' is neither a number of elements nor 'none'");
                }
                if (n < 1) {
                    throw new IllegalArgumentException(source + ": " + key + " = " + n + " must be >= 1");
                }
            }
            m.put(key.substring(0, key.length() - SUFFIX.length()), n);
        }
        final String dev = p.getProperty(DEVICE_KEY);
        return new CrossoverTable(m, dev == null || dev.isBlank() ? null : dev.trim());
    }

    /** A one-line summary: the end-to-end crossover of each pass, e.g. {@code forward below 4096}. */
    public String summary() {
        final StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Long> e : minElements.entrySet()) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(e.getKey()).append(e.getValue() == Long.MAX_VALUE ? " at every size"
                    : e.getValue() <= 1 ? " at no size" : " below " + e.getValue());
        }
        return sb.length() == 0 ? "no passes" : sb.toString();
    }

    /**
     * The batch size from which {@code pass} stays on OpenCL (1: every batch does); empty when
     * unknown, or for a legacy {@code none} (every batch to the CPU).
     */
    public OptionalLong minElements(String pass) {
        final Long n = minElements.get(pass);
        return n == null || n == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(n);
    }

    /** Whether the table has a crossover (a size or {@code none}) for {@code pass}. */
    public boolean knows(String pass) {
        return minElements.containsKey(pass);
    }

    /**
     * Whether a batch of {@code n} elements of {@code pass} should stay on the CPU reference:
     * true below the saved size (never for 1), and at every size for a legacy {@code none};
     * false for a pass the table does not know.
     */
    public boolean preferCpu(String pass, long n) {
        final Long min = minElements.get(pass);
        return min != null && n < min;
    }
}
