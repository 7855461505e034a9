package org.reparamcl.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
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
import org.reparamcl.Parameterization;
import org.reparamcl.ReparamSpec;
import org.reparamcl.cpu.CpuBackend;
import org.reparamcl.npy.Npy;
import org.reparamcl.npy.NpyArray;

/**
 * Seeded fuzzing of {@code reparam forward} and {@code reparam backward}: 1,500 command lines,
 * each a valid call (2-D or broadcast 1-D parameters, with or without --samples, every
 * parameterization, optional --eps-out, --quiet, {@code --name=value} forms) or the same call
 * with 1 to 3 mutations that each make it invalid: an input replaced by a malformed {@code .npy}
 * (truncated header or data, trailing garbage, bad magic, empty file, float64, int32, big-endian,
 * a shape of 10^11 or negative, zero size, 3-D, a scalar, NaN, infinity, a
 * negative sigma, a shape that does not match), a directory, a missing file or a NUL in its
 * path; a bad --param, --samples or --rows; an offset past the end of the stream; a bad output
 * path (also one too long for the file system, which fails only when written); the same file for
 * two outputs; a dropped, unknown or duplicated option; a malformed number; an unknown backend.
 *
 * <p>Valid calls must succeed and write exactly what the CPU reference computes from the same
 * inputs (shapes and bits); mutated calls must fail with one stderr line, nothing on stdout, no
 * output or temporary file and the existing output file unchanged. Main.run must never throw.
 */
class CliReparamFuzzTest {
    static final int VECTORS = 1_500;
    static final long SEED = 0xF022BEEFL;
    static final int B = 3;
    static final int D = 5;
    static final int K = 2;
    static final int ROWS = 4;

    @TempDir
    Path dir;

    /** A fixture: its float data and shape when it is a valid float32 array, else null; why it is bad. */
    record Input(float[] data, long[] shape, String bad) {
    }

    private final Map<String, Input> inputs = new LinkedHashMap<>();
    private final Map<String, String> badPaths = new LinkedHashMap<>();
    private final Map<String, Long> numbers = new HashMap<>();
    private final List<String> malformed = new ArrayList<>();
    private Path existing;
    private byte[] existingBytes;
    private int fresh;

    private String valid(String name, long[] shape, float[] data) throws IOException {
        final Path p = dir.resolve(name);
        Npy.write(p, NpyArray.ofFloat32(shape, data));
        inputs.put(p.toString(), new Input(data, shape, null));
        return p.toString();
    }

    private void bad(String name, byte[] bytes, String why) throws IOException {
        final Path p = dir.resolve(name);
        Files.write(p, bytes);
        inputs.put(p.toString(), new Input(null, null, why));
        malformed.add(p.toString());
    }

    /** An .npy image: version 1.0, the header dict padded to 64 bytes, then the data. */
    static byte[] npy(String dict, byte[] data) {
        final StringBuilder h = new StringBuilder(dict);
        while ((10 + h.length() + 1) % 64 != 0) {
            h.append(' ');
        }
        h.append('\n');
        final ByteBuffer b = ByteBuffer.allocate(10 + h.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        b.putShort((short) h.length()).put(h.toString().getBytes(StandardCharsets.US_ASCII)).put(data);
        return b.array();
    }

    static byte[] floatBytes(int n, ByteOrder order) {
        final ByteBuffer b = ByteBuffer.allocate(4 * n).order(order);
        for (int i = 0; i < n; i++) {
            b.putFloat(0.5f + i * 0.01f);
        }
        return b.array();
    }

    static float[] values(SplittableRandom r, int n, double lo, double hi) {
        final float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (lo + (hi - lo) * r.nextDouble());
        }
        return v;
    }

    private String mu2;
    private String sig2;
    private String mu1;
    private String sig1;
    private final Map<String, String> grads = new HashMap<>();

    private void fixtures() throws IOException {
        final SplittableRandom r = new SplittableRandom(7);
        mu2 = valid("mu2.npy", new long[] {B, D}, values(r, B * D, -2, 2));
        sig2 = valid("sig2.npy", new long[] {B, D}, values(r, B * D, 0.5, 2));
        mu1 = valid("mu1.npy", new long[] {D}, values(r, D, -2, 2));
        sig1 = valid("sig1.npy", new long[] {D}, values(r, D, 0.5, 2));
        grads.put("2", valid("g_bd.npy", new long[] {B, D}, values(r, B * D, -1, 1)));
        grads.put("2K", valid("g_kbd.npy", new long[] {K, B, D}, values(r, K * B * D, -1, 1)));
        grads.put("1", valid("g_d.npy", new long[] {D}, values(r, D, -1, 1)));
        grads.put("1K", valid("g_kd.npy", new long[] {K, D}, values(r, K * D, -1, 1)));
        grads.put("1R", valid("g_rd.npy", new long[] {ROWS, D}, values(r, ROWS * D, -1, 1)));
        grads.put("1KR", valid("g_krd.npy", new long[] {K, ROWS, D}, values(r, K * ROWS * D, -1, 1)));
        final float[] nan = values(r, B * D, -2, 2);
        nan[7] = Float.NaN;
        valid("mu_nan.npy", new long[] {B, D}, nan);
        final float[] inf = values(r, B * D, -1, 1);
        inf[4] = Float.POSITIVE_INFINITY;
        valid("g_inf.npy", new long[] {B, D}, inf);
        final float[] neg = values(r, B * D, 0.5, 2);
        neg[2] = -0.25f;
        valid("sig_neg.npy", new long[] {B, D}, neg);
        valid("wrong_d.npy", new long[] {B, D + 2}, values(r, B * (D + 2), 0.5, 2));
        valid("empty_rows.npy", new long[] {0, D}, new float[0]);
        valid("three_d.npy", new long[] {1, B, D}, values(r, B * D, 0.5, 2));
        valid("scalar.npy", new long[] {}, new float[] {1});
        for (String n : new String[] {"mu_nan.npy", "g_inf.npy", "sig_neg.npy", "wrong_d.npy", "empty_rows.npy",
            "three_d.npy", "scalar.npy"}) {
            malformed.add(dir.resolve(n).toString());
        }
        final String f4 = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 5), }";
        final byte[] good = npy(f4, floatBytes(B * D, ByteOrder.LITTLE_ENDIAN));
        bad("truncated_header.npy", java.util.Arrays.copyOf(good, 30), "truncated header");
        bad("truncated_data.npy", java.util.Arrays.copyOf(good, good.length - 7), "truncated data");
        final byte[] trailing = java.util.Arrays.copyOf(good, good.length + 3);
        bad("trailing.npy", trailing, "trailing garbage");
        final byte[] magic = good.clone();
        magic[1] = 'X';
        bad("magic.npy", magic, "bad magic");
        bad("zero_bytes.npy", new byte[0], "empty file");
        bad("f8.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 5), }", new byte[8 * B * D]), "float64");
        bad("i4.npy", npy("{'descr': '<i4', 'fortran_order': False, 'shape': (3, 5), }", new byte[4 * B * D]), "int32");
        bad("big_endian.npy", npy("{'descr': '>f4', 'fortran_order': False, 'shape': (3, 5), }",
                floatBytes(B * D, ByteOrder.BIG_ENDIAN)), "big-endian");
        bad("huge.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 5), }", new byte[64]), "huge shape");
        bad("negative.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-3, 5), }", new byte[64]), "negative dim");
        Files.createDirectory(dir.resolve("a_directory.npy"));
        malformed.add(dir.resolve("a_directory.npy").toString());
        malformed.add(dir.resolve("missing.npy").toString());
        malformed.add(dir + "/nul\u0000.npy");
        existing = dir.resolve("existing.npy");
        Npy.write(existing, NpyArray.ofFloat32(new long[] {2}, new float[] {7, 8}));
        existingBytes = Files.readAllBytes(existing);
        final Path plain = dir.resolve("plain-file");
        Files.writeString(plain, "x");
        badPaths.put(dir.toString(), "directory");
        badPaths.put(dir.resolve("no/such/dir/o.npy").toString(), "missing parent");
        badPaths.put(plain.resolve("o.npy").toString(), "parent is a file");
        badPaths.put("", "empty");
        badPaths.put(dir + "/o\u0000.npy", "NUL");
        badPaths.put(dir + "/" + "o".repeat(300) + ".npy", "too long (fails only when written)");
        badPaths.put(dir + "/o\uDC00.npy", "unmappable");
    }

    private String newOut() {
        return dir.resolve("out" + fresh++ + ".npy").toString();
    }

    private String num(SplittableRandom r) {
        final long v = r.nextInt(3) == 0 ? r.nextLong() : r.nextLong(1_000_000);
        final String s = r.nextBoolean() ? Long.toUnsignedString(v) : "0x" + Long.toHexString(v);
        numbers.put(s, v);
        return s;
    }

    /** A vector and the number of invalidating mutations applied to it. */
    record Vector(List<String> tokens, int mutations, List<String> why) {
    }

    /** Names --param accepts (case, surrounding blanks and '_' for '-' do not matter). */
    private static final String[] PARAMS = {"sigma", "log-sigma", "log-var", "softplus", "LOG_VAR", " Softplus"};

    private Vector vector(SplittableRandom r) {
        final boolean forward = r.nextBoolean();
        final boolean oneD = r.nextBoolean();
        final boolean withRows = oneD && r.nextBoolean();
        final boolean samples = r.nextBoolean();
        final Map<String, String> o = new LinkedHashMap<>();
        final List<String> flags = new ArrayList<>();
        if (!forward) {
            o.put("grad", grads.get((oneD ? "1" : "2") + (samples ? "K" : "") + (withRows ? "R" : "")));
        }
        o.put("mu", oneD ? mu1 : mu2);
        o.put("sigma", oneD ? sig1 : sig2);
        if (r.nextBoolean()) {
            o.put("param", PARAMS[r.nextInt(PARAMS.length)]);
        }
        if (samples) {
            o.put("samples", Integer.toString(K));
        }
        if (forward && withRows) {
            o.put("rows", Integer.toString(ROWS));
        }
        o.put("seed", num(r));
        if (r.nextBoolean()) {
            o.put("stream", num(r));
        }
        if (r.nextBoolean()) {
            o.put("offset", num(r));
        }
        o.put("backend", r.nextInt(50) == 0 ? "auto" : r.nextBoolean() ? "cpu" : "CPU");   // auto builds a context: slow
        if (forward) {
            o.put("out", r.nextInt(8) == 0 ? existing.toString() : newOut());
            if (r.nextBoolean()) {
                o.put("eps-out", newOut());
            }
        } else {
            o.put("grad-mu-out", r.nextInt(8) == 0 ? existing.toString() : newOut());
            o.put("grad-sigma-out", newOut());
        }
        if (r.nextBoolean()) {
            flags.add("quiet");
        }
        final List<String> why = new ArrayList<>();
        final int mutations = r.nextInt(10) < 3 ? 0 : 1 + r.nextInt(3);
        final List<String> extra = new ArrayList<>();
        for (int m = 0; m < mutations; m++) {
            mutate(o, extra, forward, oneD, r, why);
        }
        final List<String> t = new ArrayList<>();
        t.add(forward ? "forward" : "backward");
        for (Map.Entry<String, String> e : o.entrySet()) {
            if (r.nextInt(4) == 0) {
                t.add("--" + e.getKey() + "=" + e.getValue());
            } else {
                t.add("--" + e.getKey());
                t.add(e.getValue());
            }
        }
        for (String f : flags) {
            t.add("--" + f);
        }
        t.addAll(extra);
        return new Vector(t, mutations, why);
    }

    /** One change that makes the call invalid; why says which. */
    private void mutate(Map<String, String> o, List<String> extra, boolean forward, boolean oneD, SplittableRandom r,
                        List<String> why) {
        switch (r.nextInt(12)) {
            case 0, 1 -> {                                  // an input replaced by a bad one
                final List<String> slots = new ArrayList<>(List.of("mu", "sigma"));
                if (!forward) {
                    slots.add("grad");
                }
                final String slot = slots.get(r.nextInt(slots.size()));
                String bad = malformed.get(r.nextInt(malformed.size()));
                if (bad.endsWith("sig_neg.npy")) {
                    o.put("param", "sigma");                // only sigma rejects a negative value
                    if (!slot.equals("sigma") || oneD) {
                        bad = dir.resolve("wrong_d.npy").toString();
                    }
                }
                if (bad.endsWith("mu_nan.npy") && slot.equals("grad")) {
                    bad = dir.resolve("g_inf.npy").toString();     // a NaN in grad is also rejected, but keep the name honest
                }
                o.put(slot, bad);
                why.add(slot + " = " + Path.of(bad.replace("\u0000", "0")).getFileName());
            }
            case 2 -> {
                o.put("param", List.of("tanh", "", "SIGMA2", "log-sigmoid", "sig").get(r.nextInt(5)));
                why.add("param");
            }
            case 3 -> {
                o.put("samples", List.of("0", "-1", "abc", "2147483640", "2147483639", "1e3").get(r.nextInt(6)));
                why.add("samples");
            }
            case 4 -> {
                if (forward) {
                    o.put("rows", oneD ? List.of("0", "-2", "x").get(r.nextInt(3)) : "4");
                } else {
                    extra.add("--rows");
                    extra.add("4");
                }
                why.add("rows");
            }
            case 5 -> {
                final String s = Long.toUnsignedString(-1L - r.nextInt(3));
                numbers.put(s, Long.parseUnsignedLong(s));
                o.put("offset", s);
                why.add("offset past the end");
            }
            case 6 -> {
                final List<String> outs = forward ? List.of("out", "eps-out") : List.of("grad-mu-out", "grad-sigma-out");
                final List<String> bad = new ArrayList<>(badPaths.keySet());
                final String p = bad.get(r.nextInt(bad.size()));
                final String slot = outs.get(r.nextInt(outs.size()));
                o.put(slot, p);
                why.add(slot + " " + badPaths.get(p));
            }
            case 7 -> {
                if (forward) {
                    o.put("eps-out", o.getOrDefault("out", newOut()));
                } else {
                    o.put("grad-sigma-out", o.getOrDefault("grad-mu-out", newOut()));
                }
                why.add("two outputs, one file");
            }
            case 8 -> {
                final List<String> required = new ArrayList<>(List.of("mu", "sigma", "seed"));
                required.addAll(forward ? List.of("out") : List.of("grad", "grad-mu-out", "grad-sigma-out"));
                final String drop = required.get(r.nextInt(required.size()));
                if (o.remove(drop) != null) {
                    why.add("no --" + drop);
                } else {
                    extra.add("--bogus");
                    why.add("unknown option");
                }
            }
            case 9 -> {
                extra.add(List.of("--bogus", "stray", "--", "-x", "--quiet=1").get(r.nextInt(5)));
                why.add("unknown or stray argument");
            }
            case 10 -> {
                final String slot = List.of("seed", "stream", "offset").get(r.nextInt(3));
                o.put(slot, List.of("", "0x", "1.5", "18446744073709551616", "-9223372036854775809", "0x-1", "\u0000")
                        .get(r.nextInt(7)));
                why.add(slot + " malformed");
            }
            default -> {
                o.put("backend", List.of("gpu", "", "opencl ", "\u001b").get(r.nextInt(4)));
                why.add("backend");
            }
        }
    }

    @Test
    void forwardAndBackwardCommandLines() throws Exception {
        fixtures();
        final Path cwd = Path.of(System.getProperty("user.dir"));
        final Set<String> cwdBefore = list(cwd);
        final Map<String, Integer> outcomes = new TreeMap<>();
        final Set<String> messages = new TreeSet<>();
        final java.util.logging.Logger library = java.util.logging.Logger.getLogger("org.reparamcl");
        final java.util.logging.Level level = library.getLevel();
        library.setLevel(java.util.logging.Level.WARNING);
        try (CpuBackend reference = CpuBackend.create(1)) {
            assertTimeoutPreemptively(Duration.ofSeconds(600), () -> {
                final SplittableRandom r = new SplittableRandom(SEED);
                final Set<String> fixed = list(dir);
                for (int i = 0; i < VECTORS; i++) {
                    final Vector v = vector(r);
                    final String where = "vector " + i + " " + v.why() + ": " + v.tokens().stream().map(CliFuzzTest::show)
                            .collect(Collectors.joining(" "));
                    final ByteArrayOutputStream out = new ByteArrayOutputStream();
                    final ByteArrayOutputStream err = new ByteArrayOutputStream();
                    final int code;
                    try {
                        code = Main.run(v.tokens().toArray(new String[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                                new PrintStream(err, true, StandardCharsets.UTF_8));
                    } catch (Throwable e) {
                        throw new AssertionError("Main.run threw for " + where, e);
                    }
                    final String e = err.toString(StandardCharsets.UTF_8);
                    final Set<String> written = new TreeSet<>(list(dir));
                    written.removeAll(fixed);
                    if (v.mutations() > 0) {
                        assertTrue(code == 1 || code == 2, where + "\nexpected an error, got code " + code + "\n" + e);
                        assertTrue(e.startsWith("reparam: error: ") && e.endsWith("\n") && e.lines().count() == 1,
                                where + "\nnot one error line: " + CliFuzzTest.show(e));
                        assertEquals(0, out.size(), where);
                        assertTrue(written.isEmpty(), where + "\nfiles left: " + written);
                        assertArrayEquals(existingBytes, Files.readAllBytes(existing), where + "\nexisting file changed");
                        messages.add(e.substring(16, Math.min(e.length(), 56)).replaceAll("[0-9]+", "#"));
                        outcomes.merge("error", 1, Integer::sum);
                    } else {
                        assertEquals(0, code, where + "\n" + e);
                        check(v.tokens(), reference, where);
                        outcomes.merge(v.tokens().get(0), 1, Integer::sum);
                        for (String f : written) {
                            Files.delete(dir.resolve(f));
                        }
                        Npy.write(existing, NpyArray.ofFloat32(new long[] {2}, new float[] {7, 8}));
                    }
                }
            });
        } finally {
            library.setLevel(level);
        }
        assertEquals(cwdBefore, list(cwd), "files appeared in the working directory");
        assertTrue(outcomes.getOrDefault("forward", 0) > 100 && outcomes.getOrDefault("backward", 0) > 100, outcomes.toString());
        System.out.println("CLI reparam fuzz: " + VECTORS + " vectors " + outcomes + ", " + messages.size() + " distinct error messages");
    }

    /** A valid call's outputs against the CPU reference on the same inputs. */
    private void check(List<String> t, CpuBackend reference, String where) throws IOException {
        final Map<String, String> o = new HashMap<>();
        for (int i = 1; i < t.size(); i++) {
            final String tok = t.get(i).substring(2);
            if (tok.equals("quiet")) {
                continue;
            }
            if (tok.contains("=")) {
                o.put(tok.substring(0, tok.indexOf('=')), tok.substring(tok.indexOf('=') + 1));
            } else {
                o.put(tok, t.get(++i));
            }
        }
        final boolean forward = t.get(0).equals("forward");
        final Input mu = inputs.get(o.get("mu"));
        final Input rho = inputs.get(o.get("sigma"));
        final boolean samples = o.containsKey("samples");
        final int k = samples ? Integer.parseInt(o.get("samples")) : 1;
        boolean broadcast;
        long rows;
        if (forward) {
            broadcast = o.containsKey("rows");
            rows = broadcast ? Long.parseLong(o.get("rows")) : mu.shape().length == 2 ? mu.shape()[0] : 1;
        } else {
            final long[] g = inputs.get(o.get("grad")).shape();
            broadcast = mu.shape().length == 1 && g.length == (samples ? 3 : 2);
            rows = broadcast ? g[samples ? 1 : 0] : mu.shape().length == 2 ? mu.shape()[0] : 1;
        }
        final ReparamSpec s = ReparamSpec.builder().shape(k, rows, D).broadcast(broadcast)
                .parameterization(Parameterization.parse(o.getOrDefault("param", "sigma")))
                .seed(numbers.get(o.get("seed"))).stream(o.containsKey("stream") ? numbers.get(o.get("stream")) : 0)
                .offset(o.containsKey("offset") ? numbers.get(o.get("offset")) : 0).build();
        final List<Long> zShape = new ArrayList<>();
        if (samples) {
            zShape.add((long) k);
        }
        if (mu.shape().length == 2 || broadcast) {
            zShape.add(rows);
        }
        zShape.add((long) D);
        if (forward) {
            final float[] z = new float[(int) s.elements()];
            final float[] eps = new float[z.length];
            reference.reparamForward(s, mu.data(), rho.data(), z, eps);
            final NpyArray got = Npy.read(Path.of(o.get("out")));
            assertArrayEquals(zShape.stream().mapToLong(Long::longValue).toArray(), got.shape(), where);
            assertArrayEquals(bits(z), bits(got.float32Data()), where + " z");
            if (o.containsKey("eps-out")) {
                assertArrayEquals(bits(eps), bits(Npy.read(Path.of(o.get("eps-out"))).float32Data()), where + " eps");
            }
        } else {
            final float[] gm = new float[mu.data().length];
            final float[] gr = new float[gm.length];
            reference.reparamBackward(s, mu.data(), rho.data(), null, inputs.get(o.get("grad")).data(), gm, gr, false);
            final NpyArray dm = Npy.read(Path.of(o.get("grad-mu-out")));
            assertArrayEquals(mu.shape(), dm.shape(), where);
            assertArrayEquals(bits(gm), bits(dm.float32Data()), where + " dL/dmu");
            assertArrayEquals(bits(gr), bits(Npy.read(Path.of(o.get("grad-sigma-out"))).float32Data()), where + " dL/drho");
        }
    }

    private static int[] bits(float[] a) {
        final int[] b = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = Float.floatToRawIntBits(a[i]);
        }
        return b;
    }

    private static Set<String> list(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }
}
