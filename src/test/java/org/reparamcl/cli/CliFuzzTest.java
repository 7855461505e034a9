package org.reparamcl.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reparamcl.npy.Npy;
import org.reparamcl.npy.NpyArray;
import org.reparamcl.opencl.ClDevices;
import org.reparamcl.opencl.OpenClUnavailableException;
import org.reparamcl.rng.NoiseStream;

/**
 * Seeded fuzzing of the command line: 3,000 argument vectors, each a valid {@code bits},
 * {@code noise} or {@code devices} command with 0 to 3 mutations (a required option dropped,
 * a value replaced by a malformed one: empty, {@code 0x}, {@code 1e3}, 2^64, -2^63 - 1, a
 * 10,000-digit number, NUL, a lone surrogate; an option given twice; an unknown option; a value
 * missing at the end; a stray argument; a bad output path: a directory, a missing directory, a
 * file as directory, an empty name, NUL, a 300-character name, a lone surrogate; an unknown
 * backend or device; {@code offset + n} past the end of the stream; an n whose array cannot fit
 * the heap; {@code --help}; a junk command; control characters and non-UTF-8-able strings).
 *
 * <p>Each vector runs through {@link Main#run} and must return (never throw, never take more
 * than 20 s) with either success or exactly one stderr line {@code reparam: error: ...} and a
 * non-zero code. A model of the documented grammar predicts which: the two must agree. A
 * success writes exactly the reference words or eps (file or stdout); a failure leaves the
 * output directory as it was (no partial or temporary file, an existing file unchanged) and
 * writes nothing to stdout. Nothing is ever written to the working directory.
 */
class CliFuzzTest {
    static final int VECTORS = 3_000;
    static final long SEED = 0xF022C11L;

    @TempDir
    Path dir;

    /** How an output path behaves. */
    enum PathKind { NEW, EXISTING, DIRECTORY, MISSING_PARENT, PARENT_IS_FILE, EMPTY, NUL, TOO_LONG, UNMAPPABLE, STDOUT }

    /** What the model expects. */
    enum Expect { USAGE, DEVICES, BITS_FILE, BITS_STDOUT, NOISE_FILE, ERROR }

    private final Map<String, BigInteger> numbers = new HashMap<>();
    private final Map<String, PathKind> paths = new HashMap<>();
    private final List<String> invalidNumbers = new ArrayList<>();
    private final List<String> badPaths = new ArrayList<>();
    private Path existing;
    private byte[] existingBytes;
    private int fresh;
    private long oomN;

    private void fixtures() throws IOException {
        existing = dir.resolve("existing.npy");
        Npy.write(existing, NpyArray.ofFloat32(new long[] {3}, new float[] {1, 2, 3}));
        existingBytes = Files.readAllBytes(existing);
        final Path file = dir.resolve("plain-file");
        Files.writeString(file, "not a directory");
        paths.put(existing.toString(), PathKind.EXISTING);
        paths.put(dir.toString(), PathKind.DIRECTORY);
        paths.put(dir.resolve("missing/sub/x.npy").toString(), PathKind.MISSING_PARENT);
        paths.put(file.resolve("x.npy").toString(), PathKind.PARENT_IS_FILE);
        paths.put("", PathKind.EMPTY);
        paths.put(dir + "/nul\u0000.npy", PathKind.NUL);
        paths.put(dir + "/" + "a".repeat(300) + ".npy", PathKind.TOO_LONG);
        paths.put(dir + "/bad\uD800.npy", PathKind.UNMAPPABLE);
        paths.put("/nonexistent-reparam-dir/x.npy", PathKind.MISSING_PARENT);
        paths.forEach((p, k) -> {
            if (k != PathKind.EXISTING) {
                badPaths.add(p);
            }
        });
        // Numbers as the CLI reads them: decimal (sign allowed, surrounding whitespace trimmed) or 0x hex, ASCII digits only.
        final String[][] good = {{"0", "0"}, {"1", "1"}, {"42", "42"}, {"0x2A", "42"}, {"0X2a", "42"}, {" 7", "7"},
            {"7 ", "7"}, {"+5", "5"}, {"-1", "-1"}, {"18446744073709551615", "-1"}, {"9223372036854775807", "9223372036854775807"},
            {"-9223372036854775808", "-9223372036854775808"}, {"0xffffffffffffffff", "-1"}, {"007", "7"}};
        for (String[] g : good) {
            numbers.put(g[0], new BigInteger(g[1]));
        }
        invalidNumbers.addAll(List.of("", " ", "0x", "0xZZ", "1e3", "1.5", "abc", "NaN", "--5", "0x-5", "-0x5",
                "18446744073709551616", "-9223372036854775809", "9".repeat(10_000), "0x" + "f".repeat(17), "\u0000",
                "\uD800", "\uFFFF", "1\n2", "\u202E42", "1_000", "0x+5", "0b101", "Infinity", "0x 5",
                "\u0663", "\uff11\uff12", "1\u0660", "0x\uff11"));                // non-ASCII digits
        oomN = Runtime.getRuntime().maxMemory() / 4 + 1;
    }

    private String number(SplittableRandom r) {
        if (r.nextInt(3) == 0) {
            final List<String> keys = new ArrayList<>(new TreeSet<>(numbers.keySet()));
            return keys.get(r.nextInt(keys.size()));
        }
        final long v = r.nextInt(4) == 0 ? r.nextLong() : r.nextLong(1_000_000);
        final String s = r.nextBoolean() ? Long.toUnsignedString(v) : "0x" + Long.toHexString(v);
        numbers.put(s, new BigInteger(Long.toUnsignedString(v)));
        return s;
    }

    private String count(SplittableRandom r) {
        final int n = r.nextInt(10) == 0 ? 0 : r.nextInt(1, 5000);
        final String s = r.nextInt(5) == 0 ? "0x" + Integer.toHexString(n) : Integer.toString(n);
        numbers.put(s, BigInteger.valueOf(n));
        return s;
    }

    private String newPath() {
        final String p = dir.resolve("out" + fresh++ + ".npy").toString();
        paths.put(p, PathKind.NEW);
        return p;
    }

    /** A valid command line, as option name to value (insertion order), before mutation. */
    private List<String> vector(SplittableRandom r) {
        final double u = r.nextDouble();
        final String cmd = u < 0.45 ? "bits" : u < 0.9 ? "noise" : "devices";
        final Map<String, String> o = new LinkedHashMap<>();
        final List<String> flags = new ArrayList<>();
        if (!cmd.equals("devices")) {
            o.put("seed", number(r));
            if (r.nextBoolean()) {
                o.put("stream", number(r));
            }
            o.put("n", count(r));
            if (r.nextBoolean()) {
                final BigInteger n = numbers.get(o.get("n"));
                final long room = r.nextInt(4) == 0 ? r.nextLong(0, 100) : r.nextLong(1L << 40);
                final String s = Long.toUnsignedString(-n.longValue() - room);  // offset + n <= 2^64
                numbers.put(s, new BigInteger(s));
                o.put("offset", s);
            }
            o.put("out", cmd.equals("bits") && r.nextInt(5) == 0 ? "-" : r.nextInt(6) == 0 ? existing.toString() : newPath());
            if (cmd.equals("noise")) {
                final double b = r.nextDouble();
                // OpenCL rarely: each run creates a context, far slower than the rest of a run.
                if (b < 0.01) {
                    o.put("backend", "auto");
                } else if (b < 0.02) {
                    o.put("backend", "opencl");
                } else if (b < 0.99) {
                    o.put("backend", r.nextBoolean() ? "cpu" : "CPU");
                }
                if (r.nextInt(4) == 0) {
                    o.put("device", List.of("auto", "0", "0:0", "pthread", "Portable").get(r.nextInt(5)));
                }
                if (r.nextBoolean()) {
                    flags.add("quiet");
                }
            }
        }
        final List<String> tokens = new ArrayList<>();
        tokens.add(cmd);
        for (Map.Entry<String, String> e : o.entrySet()) {
            if (r.nextInt(4) == 0) {
                tokens.add("--" + e.getKey() + "=" + e.getValue());
            } else {
                tokens.add("--" + e.getKey());
                tokens.add(e.getValue());
            }
        }
        for (String f : flags) {
            tokens.add(tokenBoundary(tokens, r), "--" + f);
        }
        final int mutations = pick(r, new double[] {0.25, 0.4, 0.2, 0.15});
        for (int m = 0; m < mutations; m++) {
            mutate(tokens, r);
        }
        return tokens;
    }

    /**
     * An index where a new token can go without splitting an option from its value, and never
     * after a trailing option that lacks its value (the new token would become that value).
     */
    private static int tokenBoundary(List<String> tokens, SplittableRandom r) {
        final List<Integer> ok = new ArrayList<>();
        ok.add(1);
        for (int i = 1; i < tokens.size(); i++) {
            final String t = tokens.get(i);
            final boolean takesNext = t.startsWith("--") && !t.contains("=") && !t.equals("--help") && !t.equals("--quiet");
            if (takesNext && i + 1 >= tokens.size()) {
                break;
            }
            if (takesNext) {
                i++;
            }
            ok.add(i + 1);
        }
        return ok.get(r.nextInt(ok.size()));
    }

    private static int pick(SplittableRandom r, double[] weights) {
        double u = r.nextDouble();
        for (int i = 0; i < weights.length; i++) {
            u -= weights[i];
            if (u < 0) {
                return i;
            }
        }
        return weights.length - 1;
    }

    private static final String[] OPTIONS = {"seed", "stream", "offset", "n", "out", "backend", "device"};
    private static final String[] JUNK = {"frobnicate", "", "BITS", "nois", "--seed", "-", "\u0000", "\uD800x",
        "bits\n", "\u001b[31mred", "\u0085", "\u2028", "h\u00e9lp", "-h", "help", "--help"};

    private void mutate(List<String> t, SplittableRandom r) {
        switch (r.nextInt(14)) {
            case 0 -> {                                     // drop an option (and its value)
                final int i = optionIndex(t, r);
                if (i > 0) {
                    removeOption(t, i);
                }
            }
            case 1, 2 -> {                                  // a malformed number
                final int i = valueIndex(t, r, Set.of("seed", "stream", "offset", "n"));
                if (i > 0) {
                    setValue(t, i, invalidNumbers.get(r.nextInt(invalidNumbers.size())));
                }
            }
            case 3 -> {                                     // an option twice
                final String name = OPTIONS[r.nextInt(OPTIONS.length)];
                t.add(tokenBoundary(t, r), "--" + name + "=" + (name.equals("out") ? newPath() : number(r)));
            }
            case 4 -> t.add(tokenBoundary(t, r), List.of("--bogus", "--SEED", "---seed", "--", "--=5", "--n-", "--seed\u0000")
                    .get(r.nextInt(7)));
            case 5 -> {                                     // a value missing at the end
                t.add("--" + OPTIONS[r.nextInt(OPTIONS.length)]);
            }
            case 6 -> t.add(tokenBoundary(t, r), List.of("foo", "1", "-", "-n", "5", "\uFFFF", "\t").get(r.nextInt(7)));
            case 7, 8 -> {                                  // a bad output path
                final int i = valueIndex(t, r, Set.of("out"));
                if (i > 0) {
                    setValue(t, i, badPaths.get(r.nextInt(badPaths.size())));
                }
            }
            case 9 -> {                                     // backend or device
                final int i = valueIndex(t, r, Set.of("backend", "device"));
                if (i > 0) {
                    setValue(t, i, List.of("gpu", "", "opencl ", "nosuchdevice", "9", "9:9", "99999999999", "\u0000",
                            "a\nb", "OpenCL").get(r.nextInt(10)));
                }
            }
            case 10 -> {                                    // offset + n past the end of the stream
                final int i = valueIndex(t, r, Set.of("offset"));
                if (i > 0) {
                    final String s = Long.toUnsignedString(-1L - r.nextLong(0, 3));
                    numbers.put(s, new BigInteger(s));
                    setValue(t, i, s);
                }
            }
            case 11 -> {                                    // n whose array cannot fit the heap, or past 2^31 - 9
                final int i = valueIndex(t, r, Set.of("n"));
                if (i > 0) {
                    final long n = r.nextInt(8) != 0 ? 2147483640L + r.nextInt(10) : oomN + r.nextLong(0, 1000);
                    final String s = Long.toString(n);
                    numbers.put(s, BigInteger.valueOf(n));
                    setValue(t, i, s);
                }
            }
            case 12 -> t.add(tokenBoundary(t, r), r.nextBoolean() ? "--help" : "--help=1");
            default -> t.set(0, JUNK[r.nextInt(JUNK.length)]);
        }
    }

    /** Index of a random option token (not the command), or -1. */
    private static int optionIndex(List<String> t, SplittableRandom r) {
        final List<Integer> idx = new ArrayList<>();
        for (int i = 1; i < t.size(); i++) {
            if (t.get(i).startsWith("--")) {
                idx.add(i);
                if (!t.get(i).contains("=") && i + 1 < t.size() && !t.get(i).equals("--quiet") && !t.get(i).equals("--help")) {
                    i++;
                }
            }
        }
        return idx.isEmpty() ? -1 : idx.get(r.nextInt(idx.size()));
    }

    private static void removeOption(List<String> t, int i) {
        final String tok = t.get(i);
        t.remove(i);
        if (!tok.contains("=") && !tok.equals("--quiet") && !tok.equals("--help") && i < t.size()) {
            t.remove(i);
        }
    }

    /** Index of the option token of a random option among {@code names}, or -1. */
    private static int valueIndex(List<String> t, SplittableRandom r, Set<String> names) {
        final List<Integer> idx = new ArrayList<>();
        for (int i = 1; i < t.size(); i++) {
            final String tok = t.get(i);
            if (!tok.startsWith("--")) {
                continue;
            }
            final String name = tok.contains("=") ? tok.substring(2, tok.indexOf('=')) : tok.substring(2);
            if (names.contains(name) && (tok.contains("=") || i + 1 < t.size())) {
                idx.add(i);
            }
            if (!tok.contains("=") && !name.equals("quiet") && !name.equals("help")) {
                i++;
            }
        }
        return idx.isEmpty() ? -1 : idx.get(r.nextInt(idx.size()));
    }

    private static void setValue(List<String> t, int i, String v) {
        final String tok = t.get(i);
        if (tok.contains("=")) {
            t.set(i, tok.substring(0, tok.indexOf('=') + 1) + v);
        } else {
            t.set(i + 1, v);
        }
    }

    /** The model's verdict and, for a success, the values the output must have been made from. */
    record Verdict(Expect expect, String why, long seed, long stream, long offset, int n, String out) {
        static Verdict error(String why) {
            return new Verdict(Expect.ERROR, why, 0, 0, 0, 0, null);
        }
    }

    /** The documented grammar (SPEC §4, Args), applied to a vector. */
    private Verdict model(List<String> t) {
        if (t.isEmpty()) {
            return Verdict.error("no arguments");
        }
        final String cmd = t.get(0);
        if (Set.of("help", "--help", "-h").contains(cmd)) {
            return new Verdict(Expect.USAGE, "help", 0, 0, 0, 0, null);
        }
        final Set<String> options;
        final Set<String> flags;
        switch (cmd) {
            case "bits" -> {
                options = Set.of("seed", "stream", "offset", "n", "out");
                flags = Set.of("help");
            }
            case "noise" -> {
                options = Set.of("seed", "stream", "offset", "n", "out", "backend", "device");
                flags = Set.of("help", "quiet");
            }
            case "devices" -> {
                options = Set.of();
                flags = Set.of("help");
            }
            default -> {
                return Verdict.error("unknown command");
            }
        }
        final Map<String, String> v = new HashMap<>();
        for (int i = 1; i < t.size(); i++) {
            final String tok = t.get(i).equals("-h") ? "--help" : t.get(i);
            if (!tok.startsWith("--") || tok.length() == 2) {
                return Verdict.error("unexpected argument");
            }
            String name = tok.substring(2);
            String value = null;
            if (name.contains("=")) {
                value = name.substring(name.indexOf('=') + 1);
                name = name.substring(0, name.indexOf('='));
            }
            if (flags.contains(name)) {
                if (value != null) {
                    return Verdict.error("flag with value");
                }
                value = "";
            } else if (options.contains(name)) {
                if (value == null) {
                    if (i + 1 >= t.size()) {
                        return Verdict.error("missing value");
                    }
                    value = t.get(++i);
                }
            } else {
                return Verdict.error("unknown option");
            }
            if (v.put(name, value) != null) {
                return Verdict.error("given twice");
            }
        }
        final String out = v.get("out");
        if (out != null && !out.equals("-") && !paths.containsKey(out)) {
            throw new AssertionError("generator bug: output path '" + out + "' is not one of the test's paths in " + t);
        }
        if (cmd.equals("noise") && "-".equals(out)) {
            throw new AssertionError("generator bug: noise --out - would write ./- in " + t);
        }
        if (v.containsKey("help")) {
            return new Verdict(Expect.USAGE, "help", 0, 0, 0, 0, null);
        }
        if (cmd.equals("devices")) {
            return new Verdict(Expect.DEVICES, "devices", 0, 0, 0, 0, null);
        }
        final BigInteger seed = u64(v.get("seed"));
        final BigInteger stream = v.containsKey("stream") ? u64(v.get("stream")) : BigInteger.ZERO;
        final BigInteger offset = v.containsKey("offset") ? u64(v.get("offset")) : BigInteger.ZERO;
        final BigInteger n = u64(v.get("n"));
        if (seed == null || stream == null || offset == null || n == null) {
            return Verdict.error("missing or malformed number");
        }
        if (n.signum() < 0 || n.compareTo(BigInteger.valueOf(Integer.MAX_VALUE - 8)) > 0) {
            return Verdict.error("n out of range");
        }
        final BigInteger unsignedOffset = offset.signum() < 0 ? offset.add(BigInteger.ONE.shiftLeft(64)) : offset;
        if (unsignedOffset.add(n).compareTo(BigInteger.ONE.shiftLeft(64)) > 0) {
            return Verdict.error("past the end of the stream");
        }
        if (out == null) {
            return Verdict.error("no --out");
        }
        final PathKind kind = out.equals("-") ? PathKind.STDOUT : paths.get(out);
        if (kind != PathKind.NEW && kind != PathKind.EXISTING && kind != PathKind.STDOUT) {
            return Verdict.error("bad output path " + kind);
        }
        if (cmd.equals("noise")) {
            final String backend = v.getOrDefault("backend", "auto").toLowerCase(java.util.Locale.ROOT);
            if (!Set.of("auto", "cpu", "opencl").contains(backend)) {
                return Verdict.error("unknown backend");
            }
            if (backend.equals("cpu") && !v.getOrDefault("device", "auto").equalsIgnoreCase("auto")) {
                return Verdict.error("--device with --backend cpu");
            }
            if (backend.equals("opencl")) {
                try {
                    ClDevices.select(v.getOrDefault("device", "auto"));
                } catch (OpenClUnavailableException e) {
                    return Verdict.error("no such OpenCL device");
                }
            }
        }
        if (n.longValue() >= oomN) {
            return Verdict.error("array larger than the heap");
        }
        return new Verdict(cmd.equals("noise") ? Expect.NOISE_FILE : kind == PathKind.STDOUT ? Expect.BITS_STDOUT : Expect.BITS_FILE,
                "ok", seed.longValue(), stream.longValue(), offset.longValue(), n.intValue(), out);
    }

    /** A value's meaning as a 64-bit number, or null where the CLI must reject it. */
    private BigInteger u64(String s) {
        if (s == null) {
            return null;
        }
        final BigInteger b = numbers.get(s);
        if (b == null) {
            return null;
        }
        return b.bitLength() > 64 || b.compareTo(BigInteger.ONE.shiftLeft(63).negate()) < 0 ? null : b;
    }

    @Test
    void argumentVectors() throws Exception {
        fixtures();
        final java.util.logging.Logger library = java.util.logging.Logger.getLogger("org.reparamcl");
        final java.util.logging.Level level = library.getLevel();
        library.setLevel(java.util.logging.Level.WARNING);           // auto's fallback reasons, thousands of them
        final Path cwd = Path.of(System.getProperty("user.dir"));
        final Set<String> cwdBefore = list(cwd);
        final Map<String, Integer> outcomes = new TreeMap<>();
        final Set<String> messages = new TreeSet<>();
        final long[] slowest = {0};
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(600), () -> {
                final SplittableRandom r = new SplittableRandom(SEED);
                final Set<String> fixed = list(dir);
                for (int i = 0; i < VECTORS; i++) {
                    final List<String> t = vector(r);
                    final String where = "vector " + i + ": " + t.stream().map(CliFuzzTest::show).collect(Collectors.joining(" "));
                    final Verdict want = model(t);
                    final ByteArrayOutputStream out = new ByteArrayOutputStream();
                    final ByteArrayOutputStream err = new ByteArrayOutputStream();
                    final long t0 = System.nanoTime();
                    final int code;
                    try {
                        code = Main.run(t.toArray(new String[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                                new PrintStream(err, true, StandardCharsets.UTF_8));
                    } catch (Throwable e) {
                        throw new AssertionError("Main.run threw for " + where, e);
                    }
                    final long ms = (System.nanoTime() - t0) / 1_000_000;
                    slowest[0] = Math.max(slowest[0], ms);
                    assertTrue(ms < 20_000, where + " took " + ms + " ms");
                    final String e = err.toString(StandardCharsets.UTF_8);
                    outcomes.merge(want.expect() + (want.expect() == Expect.ERROR ? " (" + want.why() + ")" : ""), 1, Integer::sum);
                    if (want.expect() == Expect.ERROR) {
                        assertTrue(code == 1 || code == 2, where + "\nexpected an error (" + want.why() + "), got code " + code + "\n" + e);
                        assertTrue(e.startsWith("reparam: error: ") && e.endsWith("\n") && e.lines().count() == 1,
                                where + "\nnot one error line: " + show(e));
                        assertEquals(0, out.size(), where + "\nstdout written by a failing command");
                        messages.add(e.substring(16, Math.min(e.length(), 16 + 40)).replaceAll("[0-9]+", "#"));
                    } else {
                        assertEquals(0, code, where + "\nexpected " + want.expect() + ", got\n" + e);
                        check(want, out.toByteArray(), e, where);
                    }
                    final Set<String> now = list(dir);
                    final Set<String> expected = new TreeSet<>(fixed);
                    if (want.expect() == Expect.BITS_FILE || want.expect() == Expect.NOISE_FILE) {
                        expected.add(Path.of(want.out()).getFileName().toString());
                    }
                    assertEquals(expected, now, where + "\nunexpected files in the output directory");
                    final boolean wroteExisting = (want.expect() == Expect.BITS_FILE || want.expect() == Expect.NOISE_FILE)
                            && Path.of(want.out()).equals(existing);
                    if (!wroteExisting) {
                        assertArrayEquals(existingBytes, Files.readAllBytes(existing), where + "\nexisting file changed");
                    }
                    if (want.expect() == Expect.BITS_FILE || want.expect() == Expect.NOISE_FILE) {
                        if (Path.of(want.out()).equals(existing)) {
                            Npy.write(existing, NpyArray.ofFloat32(new long[] {3}, new float[] {1, 2, 3}));
                        } else {
                            Files.delete(Path.of(want.out()));
                        }
                    }
                }
            });
        } finally {
            library.setLevel(level);
        }
        assertEquals(cwdBefore, list(cwd), "files appeared in the working directory");
        assertTrue(outcomes.keySet().stream().filter(k -> k.startsWith("ERROR")).count() >= 12, outcomes.toString());
        System.out.println("CLI fuzz: " + VECTORS + " vectors, slowest " + slowest[0] + " ms, outcomes " + outcomes
                + ", " + messages.size() + " distinct error messages");
    }

    private void check(Verdict want, byte[] stdout, String err, String where) throws IOException {
        switch (want.expect()) {
            case USAGE -> assertTrue(new String(stdout, StandardCharsets.UTF_8).contains("usage"), where);
            case DEVICES -> assertTrue(new String(stdout, StandardCharsets.UTF_8).contains("auto:"), where);
            case BITS_STDOUT -> {
                final int[] ref = new int[want.n()];
                NoiseStream.fillBits(want.seed(), want.stream(), want.offset(), ref, 0, want.n());
                assertEquals(4L * want.n(), stdout.length, where);
                final ByteBuffer b = ByteBuffer.wrap(stdout).order(ByteOrder.LITTLE_ENDIAN);
                for (int k = 0; k < want.n(); k++) {
                    assertEquals(ref[k], b.getInt(), where + " word " + k);
                }
            }
            case BITS_FILE -> {
                final NpyArray a = Npy.read(Path.of(want.out()));
                final int[] ref = new int[want.n()];
                NoiseStream.fillBits(want.seed(), want.stream(), want.offset(), ref, 0, want.n());
                assertArrayEquals(new long[] {want.n()}, a.shape(), where);
                assertArrayEquals(ref, a.uint32Data(), where);
                assertEquals(0, stdout.length, where);
            }
            case NOISE_FILE -> {
                final NpyArray a = Npy.read(Path.of(want.out()));
                final float[] ref = new float[want.n()];
                NoiseStream.fillNormal(want.seed(), want.stream(), want.offset(), ref, 0, want.n());
                assertArrayEquals(new long[] {want.n()}, a.shape(), where);
                assertArrayEquals(ref, a.float32Data(), where);
                assertTrue(err.isEmpty() || (err.startsWith("reparam: ") && err.lines().count() == 1), where + "\n" + show(err));
            }
            default -> fail("unexpected " + want);
        }
    }

    private static Set<String> list(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** A token as Java would write it, so failures show control characters and long values readably. */
    static String show(String s) {
        final StringBuilder b = new StringBuilder("\"");
        final String cut = s.length() > 80 ? s.substring(0, 80) + "...(" + s.length() + " chars)" : s;
        for (char c : cut.toCharArray()) {
            b.append(c < 0x20 || c == 0x7f || Character.isSurrogate(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return b.append('"').toString();
    }
}
