package org.reparamcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reparamcl.opencl.OpenClTestSupport;
import org.reparamcl.rng.NoiseStream;

/**
 * {@code reparam demo}: (a) prints z = x + eps with the stream's eps and the gradients of sum z;
 * (b) trains to the stated targets (held-out CRPS within 0.005 of the true distribution's, sigma
 * MAE <= 0.03 and mean relative error <= 10%, mu MAE <= 0.05, the last report's minibatch loss
 * <= 0.24, after 600 steps, as HeadTrainingTest states); all four PNGs are written and decode.
 *
 * <p>The seed is fixed (7) and seed 7's printed numbers are pinned, so the test passes or fails
 * identically on every run. Its targets omit HeadTrainingTest's loss ratio; over seeds 1..200 the
 * nearest of them to its limit were sigma MAE (largest 0.0262, limit 0.03) and the last report's
 * loss (largest 0.2351, limit 0.24), each 4.0 s.d. from its mean: about 3e-5 each for a fresh seed
 * (normal fit; none of the 200 failed).
 */
class CliDemoTest {
    static final Pattern CRPS = Pattern.compile("held-out CRPS ([0-9.]+) \\(the true distribution scores ([0-9.]+)");
    static final Pattern SIGMA = Pattern.compile("sigma\\(u\\) vs s\\(u\\) over \\[-2, 2\\]: mean abs\\. error ([0-9.]+),"
            + " mean rel\\. error ([0-9.]+)%, max rel\\. error [0-9.]+%; mu\\(u\\) vs sin\\(2u\\): mean abs\\. error ([0-9.]+)");
    static final Pattern LAST_REPORT = Pattern.compile("(?m)^\\s+600\\s+([0-9.]+)\\s+[0-9.]+\\s+[0-9.]+$");

    @TempDir
    Path dir;

    record Result(int code, String out, String err) {
    }

    static Result run(String... args) {
        final ByteArrayOutputStream o = new ByteArrayOutputStream();
        final ByteArrayOutputStream e = new ByteArrayOutputStream();
        final int code = Main.run(args, new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Result(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    @Test
    void demoOnCpuReachesStatedTargetsAndWritesPngs() throws Exception {
        final Path out = dir.resolve("cpu");
        final Result r = run("demo", "--backend", "cpu", "--steps", "600", "--seed", "7", "--out-dir", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("backend: CPU reference requested"), r.out());

        // (a): rows "k i x eps z" with eps from the stream and z = x + eps; dL/dmu = 5.
        final float[] eps = new float[15];
        NoiseStream.fillNormal(7, 0, 0, eps, 0, 15);
        for (int k = 0; k < 5; k++) {
            for (int i = 0; i < 3; i++) {
                final String row = String.format(java.util.Locale.ROOT, "  %6d  %d  %4.1f  %+10.6f  %+10.6f", k + 1, i + 1,
                        (float) (i + 1), eps[3 * k + i], (i + 1) + eps[3 * k + i]);
                assertTrue(r.out().contains(row), "missing table row '" + row + "' in\n" + r.out());
            }
        }
        assertTrue(r.out().contains("dL/dmu    = [5.00000, 5.00000, 5.00000]"), r.out());

        // (b): the stated targets.
        final Matcher c = CRPS.matcher(r.out());
        assertTrue(c.find(), r.out());
        final double crps = Double.parseDouble(c.group(1));
        final double oracle = Double.parseDouble(c.group(2));
        assertTrue(crps - oracle <= 0.005, "held-out CRPS " + crps + " vs " + oracle);
        final Matcher s = SIGMA.matcher(r.out());
        assertTrue(s.find(), r.out());
        assertTrue(Double.parseDouble(s.group(1)) <= 0.03, "sigma MAE " + s.group(1));
        assertTrue(Double.parseDouble(s.group(2)) <= 10, "sigma mean relative error " + s.group(2) + "%");
        assertTrue(Double.parseDouble(s.group(3)) <= 0.05, "mu MAE " + s.group(3));
        // A seed fixes the run (docs/HEAD.md): these are seed 7's numbers since the demo was written, so a
        // change to the data, the schedule, Adam or the initialisation that still meets the targets shows here.
        assertTrue(r.out().contains("  held-out CRPS 0.2271 (the true distribution scores 0.2266 on the same points)\n"
                + "  sigma(u) vs s(u) over [-2, 2]: mean abs. error 0.0195, mean rel. error 5.5%, max rel. error 31.8%;"
                + " mu(u) vs sin(2u): mean abs. error 0.0260\n"), r.out());
        final Matcher last = LAST_REPORT.matcher(r.out());
        assertTrue(last.find(), r.out());
        assertTrue(Double.parseDouble(last.group(1)) <= 0.24, "mean minibatch loss of the last report " + last.group(1));
        assertEquals(11, r.out().lines().filter(l -> l.matches("\\s+\\d+\\s+[0-9.]+\\s+[0-9.]+\\s+[0-9.]+")).count(),
                "eleven progress lines (step 1, then every 60 steps)");

        for (String png : new String[] {"toy.png", "fit.png", "sigma.png", "loss.png"}) {
            final Path f = out.resolve(png);
            assertTrue(Files.isRegularFile(f), png + " written");
            final BufferedImage img = ImageIO.read(f.toFile());
            assertNotNull(img, png + " decodes as an image");
            assertEquals(900, img.getWidth(), png);
            assertEquals(560, img.getHeight(), png);
        }
    }

    /** The device runs the same steps bit for bit: the printed numbers equal the CPU's. */
    @Test
    void openClPrintsTheSameNumbersAsTheCpu() {
        OpenClTestSupport.requireOpenCl();
        final Result cpu = run("demo", "--backend", "cpu", "--steps", "40", "--seed", "3", "--out-dir", dir.resolve("a").toString());
        final Result cl = run("demo", "--backend", "opencl", "--steps", "40", "--seed", "3", "--out-dir", dir.resolve("b").toString());
        assertEquals(0, cpu.code(), cpu.err());
        assertEquals(0, cl.code(), cl.err());
        assertTrue(cl.out().startsWith("backend: OpenCL requested"), cl.out());
        assertEquals(numbers(cpu.out()), numbers(cl.out()));
    }

    /**
     * The PNGs do not depend on the JVM's default locale: chart titles and legends format numbers
     * with a '.' as the table does (under a German locale sigma.png's title read "0,3149").
     */
    @Test
    void pngsAreTheSameInAnyLocale() throws Exception {
        final java.util.Locale before = java.util.Locale.getDefault();
        final Result root;
        final Result german;
        try {
            java.util.Locale.setDefault(java.util.Locale.ROOT);
            root = run("demo", "--backend", "cpu", "--steps", "3", "--seed", "5", "--out-dir", dir.resolve("root").toString());
            java.util.Locale.setDefault(java.util.Locale.GERMANY);
            german = run("demo", "--backend", "cpu", "--steps", "3", "--seed", "5", "--out-dir", dir.resolve("de").toString());
        } finally {
            java.util.Locale.setDefault(before);
        }
        assertEquals(0, root.code(), root.err());
        assertEquals(0, german.code(), german.err());
        assertEquals(numbers(root.out()), numbers(german.out()));
        for (String png : new String[] {"toy.png", "fit.png", "sigma.png", "loss.png"}) {
            assertTrue(java.util.Arrays.equals(Files.readAllBytes(dir.resolve("root").resolve(png)),
                    Files.readAllBytes(dir.resolve("de").resolve(png))), png + " differs under Locale.GERMANY");
        }
    }

    /** Runs with a stdout that fails once {@code failWhen} holds for a chunk written to it. */
    static Result runWithFailingStdout(java.util.function.Predicate<String> failWhen, String... args) {
        final java.io.OutputStream broken = new java.io.OutputStream() {
            @Override
            public void write(int b) throws java.io.IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws java.io.IOException {
                if (failWhen.test(new String(b, off, len, StandardCharsets.UTF_8))) {
                    throw new java.io.IOException("No space left on device");
                }
            }
        };
        final ByteArrayOutputStream e = new ByteArrayOutputStream();
        final int code = Main.run(args, new PrintStream(broken, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Result(code, "", e.toString(StandardCharsets.UTF_8));
    }

    /** Every entry under {@code root}, relative, sorted. */
    static java.util.List<String> listing(Path root) throws java.io.IOException {
        try (java.util.stream.Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> !p.equals(root)).map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }

    /**
     * All or nothing: a stdout that fails (a full disk, a closed pipe) is exit 1 with one error
     * line, and leaves no PNG, no temporary file and no directory the call created; files that
     * were there stay as they were. Before, `demo > /dev/full` exited 1 and left all four PNGs.
     */
    @Test
    void aFailedStdoutLeavesNoPngs() throws Exception {
        // stdout fails at once: the demo stops after (a), creates nothing.
        final Result early = runWithFailingStdout(chunk -> true, "demo", "--backend", "cpu", "--steps", "3",
                "--out-dir", dir.resolve("new/sub").toString());
        assertEquals(1, early.code(), early.err());
        assertEquals("reparam: error: demo: cannot write to standard output\n", early.err().replace("\r\n", "\n"));
        assertEquals(java.util.List.of(), listing(dir));

        // stdout fails at the last moment, when the "wrote" lines come: the PNGs were rendered and
        // written to temporary files by then; none stays, the old toy.png is untouched.
        final Path keep = dir.resolve("keep");
        Files.createDirectories(keep);
        Files.writeString(keep.resolve("toy.png"), "old");
        final Result late = runWithFailingStdout(chunk -> chunk.contains("wrote "), "demo", "--backend", "cpu",
                "--steps", "3", "--out-dir", keep.toString());
        assertEquals(1, late.code(), late.err());
        assertTrue(late.err().startsWith("reparam: error: demo: cannot write to standard output")
                && late.err().lines().count() == 1, late.err());
        assertEquals(java.util.List.of("keep", "keep/toy.png"), listing(dir));
        assertEquals("old", Files.readString(keep.resolve("toy.png")));

        final Result lateNew = runWithFailingStdout(chunk -> chunk.contains("wrote "), "demo", "--backend", "cpu",
                "--steps", "3", "--out-dir", dir.resolve("a/b").toString());
        assertEquals(1, lateNew.code(), lateNew.err());
        assertEquals(java.util.List.of("keep", "keep/toy.png"), listing(dir), "a/b created and left behind");

        // The same run with a working stdout writes all four, replacing toy.png.
        final Result ok = run("demo", "--backend", "cpu", "--steps", "3", "--out-dir", keep.toString());
        assertEquals(0, ok.code(), ok.err());
        assertEquals(java.util.List.of("keep", "keep/fit.png", "keep/loss.png", "keep/sigma.png", "keep/toy.png"),
                listing(dir));
        assertNotNull(ImageIO.read(keep.resolve("toy.png").toFile()));
        assertEquals(4, ok.out().lines().filter(l -> l.startsWith("  wrote " + keep.toAbsolutePath())).count(), ok.out());
    }

    /**
     * The output directory is checked before any work (exit 2, nothing written), as the other
     * commands' outputs are: a PNG name in it that is a directory (before: exit 1 after the
     * training, toy.png left, the error naming a temporary file), a dangling symbolic link on the
     * way (before: "FileAlreadyExistsException"), a file where a parent directory should be.
     */
    @Test
    void outputDirectoryProblemsAreFoundBeforeAnyWork() throws Exception {
        final Path d = dir.resolve("d");
        Files.createDirectories(d.resolve("fit.png"));
        final Result isDir = run("demo", "--backend", "cpu", "--steps", "3", "--out-dir", d.toString());
        assertEquals(2, isDir.code(), isDir.err());
        assertEquals("reparam: error: demo: --out-dir " + d + ": fit.png in it is a directory", isDir.err().strip());
        assertEquals("", isDir.out());
        assertEquals(java.util.List.of("d", "d/fit.png"), listing(dir));

        final Path link = dir.resolve("dangling");
        Files.createSymbolicLink(link, dir.resolve("nowhere/at/all"));
        final Result dangling = run("demo", "--backend", "cpu", "--steps", "3", "--out-dir", link + "/sub");
        assertEquals(2, dangling.code(), dangling.err());
        assertEquals("reparam: error: demo: --out-dir " + link + "/sub: " + link + " is a symbolic link that cannot be followed",
                dangling.err().strip());

        final Path file = dir.resolve("file");
        Files.writeString(file, "x");
        final Result underFile = run("demo", "--backend", "cpu", "--steps", "3", "--out-dir", file + "/sub");
        assertEquals(2, underFile.code(), underFile.err());
        assertEquals("reparam: error: demo: --out-dir " + file + "/sub: cannot be created, " + file + " is not a directory",
                underFile.err().strip());
        assertEquals(java.util.List.of("d", "d/fit.png", "dangling", "file"), listing(dir));
    }

    /** The output without the backend line and the paths of written files. */
    static String numbers(String out) {
        return out.lines().filter(l -> !l.startsWith("backend:") && !l.contains("wrote "))
                .reduce("", (a, b) -> a + b + "\n");
    }

    @Test
    void badOptionsGiveOneLineErrors() throws Exception {
        final Result steps = run("demo", "--steps", "0", "--out-dir", dir.toString());
        assertEquals(2, steps.code());
        assertTrue(steps.err().startsWith("reparam: error: demo: --steps must be in [1, "), steps.err());
        final Path file = dir.resolve("file");
        Files.writeString(file, "x");
        final Result notDir = run("demo", "--backend", "cpu", "--out-dir", file.toString());
        assertEquals(2, notDir.code());
        assertTrue(notDir.err().contains("demo: --out-dir " + file + " exists and is not a directory"), notDir.err());
        final Result dash = run("demo", "--backend", "cpu", "--out-dir", "-");
        assertEquals(2, dash.code());
        assertTrue(dash.err().contains("demo: --out-dir -: standard output ('-') is only for `reparam bits`"), dash.err());
        assertEquals(1, dash.err().lines().count(), dash.err());
        assertTrue(Files.notExists(Path.of("-")), "a directory named - was created");
        final Result backend = run("demo", "--backend", "gpu", "--out-dir", dir.toString());
        assertEquals(2, backend.code());
        assertTrue(backend.err().contains("unknown backend 'gpu'"), backend.err());
        assertEquals(1, backend.err().lines().count(), backend.err());
    }
}
