package org.reparamcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import javax.imageio.ImageIO;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reparamcl.CrossoverTable;
import org.reparamcl.bench.BenchReport;
import org.reparamcl.bench.Pass;
import org.reparamcl.opencl.ClDevices;

/** The artifacts of {@code reparam bench} on a tiny configuration are well formed (not its speed). */
class BenchCommandTest {
    /** A configuration that runs in about a second. */
    static final String[] TINY = {"--sizes", "2^6,100", "--reps", "2", "--warmup-ms", "1", "--min-rep-ms", "0.2",
        "--no-progress"};
    /** The passes of the artifact test: the noise fill and one reparameterized pass. */
    static final List<Pass> PASSES = List.of(Pass.NOISE, Pass.BACKWARD_STORE);

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int code = BenchCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static String[] tiny(Path dir, String... more) {
        final List<String> a = new ArrayList<>(List.of(TINY));
        a.add("--out");
        a.add(dir.toString());
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    @Test
    void writesWellFormedArtifacts(@TempDir Path dir) throws IOException {
        final Run r = run(tiny(dir, "--passes", "noise,backward-store"));
        assertEquals(0, r.code(), r.err());
        final boolean openCl = ClDevices.unavailableReason() == null;
        final Set<String> cpuSeries = Set.of("cpu-1 end-to-end", "cpu-" + Runtime.getRuntime().availableProcessors()
                + " end-to-end");
        final Set<String> clSeries = Set.of("opencl kernel", "opencl device", "opencl end-to-end");
        int seriesCount = 0;
        for (Pass p : PASSES) {
            seriesCount += cpuSeries.size() + (openCl ? clSeries.size() : 0);
        }

        // Markdown: the same table on stdout and in bench.md, one row per series and size, every number positive.
        final String md = Files.readString(dir.resolve(BenchReport.MARKDOWN));
        assertTrue(r.out().startsWith(md), "stdout starts with the report");
        final List<String[]> rows = tableRows(md);
        assertEquals(2 * seriesCount, rows.size(), md);
        final Set<String> seen = new HashSet<>();
        for (String[] cells : rows) {
            assertEquals(10, cells.length, String.join("|", cells));
            final Pass pass = Pass.parse(cells[0]);
            assertTrue(PASSES.contains(pass), cells[0]);
            assertTrue(cells[1].equals("2^6") || cells[1].equals("100"), cells[1]);
            final String s = cells[2] + " " + cells[3];
            assertTrue(cpuSeries.contains(s) || (openCl && clSeries.contains(s)), s);
            seen.add(pass.label() + " " + s);
            for (int c = 4; c <= 8; c++) {
                assertTrue(Double.parseDouble(cells[c]) > 0, "column " + c + " of " + String.join("|", cells));
            }
            assertTrue(Double.parseDouble(cells[9].replace("x", "")) > 0);
        }
        assertEquals(seriesCount, seen.size());

        assertTrue(Files.isReadable(dir.resolve(BenchReport.JSON)));
        if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            final Path reference = Files.createFile(dir.resolve("reference"));    // a new file: the umask's permissions
            for (String f : new String[] {BenchReport.MARKDOWN, BenchReport.JSON, BenchReport.PNG, BenchReport.CROSSOVER}) {
                assertEquals(Files.getPosixFilePermissions(reference), Files.getPosixFilePermissions(dir.resolve(f)), f);
            }
            Files.delete(reference);
        }

        // JSON: parses with an independent parser and carries the machine and the raw numbers.
        final JsonNode root = new ObjectMapper().readTree(dir.resolve(BenchReport.JSON).toFile());
        assertEquals("reparam bench", root.get("tool").asText());
        final JsonNode machine = root.get("machine");
        assertFalse(machine.get("cpu_model").asText().isEmpty());
        assertTrue(machine.get("logical_processors").asInt() >= 1);
        assertTrue(machine.get("jvm").asText().contains("17") || !machine.get("jvm").asText().isEmpty());
        assertEquals(openCl, !machine.get("opencl_device").isNull());
        final JsonNode ms = root.get("measurements");
        assertTrue(ms.isArray());
        int roofs = 0;
        for (JsonNode m : ms) {
            for (String f : new String[] {"pass", "backend", "timing", "roof", "n", "calls_per_rep", "ns_per_call",
                "median_ns", "min_ns", "elements_per_s", "ns_per_element"}) {
                assertTrue(m.has(f), "measurement lacks " + f + ": " + m);
            }
            assertEquals(2, m.get("ns_per_call").size());
            assertTrue(m.get("min_ns").asDouble() <= m.get("median_ns").asDouble());
            assertTrue(m.get("median_ns").asDouble() > 0);
            if (m.get("roof").asBoolean()) {
                roofs++;
            } else {
                assertTrue(m.get("fraction_of_roof").asDouble() > 0, m.toString());
            }
        }
        assertEquals(2 * seriesCount, roofs, "every series has its roof at every size");

        // Outputs: every pass case (not the roofs, and kernel and device are one case) was checked.
        final int passCases = (openCl ? 2 + 2 : 2) * PASSES.size() * 2;   // (cpu-1, cpu-N[, opencl kernel, e2e]) x passes x sizes
        final JsonNode check = root.get("output_check");
        assertNotNull(check, "bench.json says whether outputs were checked");
        assertEquals(passCases, check.get("checked_cases").asInt());
        assertTrue(check.get("checked_elements").asLong() > 0);
        assertTrue(check.get("all_identical").asBoolean());
        assertTrue(check.get("method").asText().contains("bit for bit"));
        assertTrue(md.contains("\n- outputs: " + passCases + " pass timings verified, "), md);
        assertEquals(4 * seriesCount, ms.size());

        // PNG: readable, one panel.
        final BufferedImage png = ImageIO.read(dir.resolve(BenchReport.PNG).toFile());
        assertNotNull(png);
        assertEquals(1000 + 380, png.getWidth(), "chart plus legend column");
        assertEquals(560 * PASSES.size(), png.getHeight(), "one panel per pass");

        // Crossover: a properties file with one entry per compared timing when OpenCL ran.
        final Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(dir.resolve(BenchReport.CROSSOVER))) {
            p.load(in);
        }
        if (openCl) {
            final String v = p.getProperty("noise.end-to-end");
            assertNotNull(v);
            // 1: OpenCL faster at 2^6 and 100; 100: the CPU at 2^6 only; 101: the CPU at 100 (largest measured).
            assertTrue(v.equals("1") || v.equals("100") || v.equals("101"), v);
            final CrossoverTable t = CrossoverTable.load(dir.resolve(BenchReport.CROSSOVER));
            assertEquals(Long.parseLong(v), t.minElements("noise").orElseThrow());
            assertFalse(t.preferCpu("noise", 1 << 20), "nothing above the largest measured size goes to the CPU");
        } else {
            assertTrue(p.isEmpty());
        }
    }

    @Test
    void saveCrossoverCopiesTheFileWhereAutoLooks(@TempDir Path dir) throws IOException {
        final boolean openCl = ClDevices.unavailableReason() == null;
        final Path saved = dir.resolve("config").resolve("crossover.properties");
        final String before = System.getProperty(CrossoverTable.PROPERTY);
        System.setProperty(CrossoverTable.PROPERTY, saved.toString());
        try {
            final Run r = run("--sizes", "64", "--reps", "1", "--warmup-ms", "1", "--min-rep-ms", "0.2",
                    "--no-progress", "--out", dir.resolve("out").toString(), "--backends", "cpu-1,opencl", "--passes", "noise", "--save-crossover");
            assertEquals(0, r.code(), r.err());
            if (openCl) {
                assertTrue(r.out().contains("saved the crossover to " + saved.toAbsolutePath()), r.out());
                assertEquals(Files.readString(dir.resolve("out").resolve(BenchReport.CROSSOVER)), Files.readString(saved));
            } else {
                assertTrue(r.err().contains("no crossover to save"), r.err());
                assertFalse(Files.exists(saved));
            }
        } finally {
            if (before == null) {
                System.clearProperty(CrossoverTable.PROPERTY);
            } else {
                System.setProperty(CrossoverTable.PROPERTY, before);
            }
        }
    }

    @Test
    void withoutAnOpenClDeviceItRunsCpuRowsAndSaysWhy(@TempDir Path dir) throws IOException {
        final Run r = run(tiny(dir, "--device", "no-such-device-xyz", "--backends", "cpu-1,opencl", "--passes", "noise,forward"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("no OpenCL rows: "), r.err());
        final String md = Files.readString(dir.resolve(BenchReport.MARKDOWN));
        assertTrue(md.contains("note: no OpenCL rows: "), md);
        for (String[] cells : tableRows(md)) {
            assertEquals("cpu-1", cells[2]);
        }
        final JsonNode root = new ObjectMapper().readTree(dir.resolve(BenchReport.JSON).toFile());
        assertTrue(root.get("notes").get(0).asText().startsWith("no OpenCL rows: "));
        assertTrue(root.get("machine").get("opencl_device").isNull());
    }

    /**
     * An --out that cannot take the report (a file, /dev/null, a directory whose bench.png is a
     * directory, '-', under a file) fails before the benchmark runs: exit 2, one line naming the
     * option and the path as given, nothing on stdout, no file written.
     */
    @Test
    void aBadOutputDirectoryFailsBeforeAnyWork(@TempDir Path dir) throws IOException {
        final Path file = Files.writeString(dir.resolve("afile"), "x");
        final Path d = dir.resolve("d");
        Files.createDirectories(d.resolve(BenchReport.PNG));
        final String[][] cases = {
            {file.toString(), "bench: --out " + file + " is not a directory"},
            {"/dev/null", "bench: --out /dev/null is not a directory"},
            {d.toString(), "bench: --out " + d + ": " + d.resolve(BenchReport.PNG) + " is a directory"},
            {file + "/sub", "bench: --out " + file + "/sub: " + file + " is not a directory"},
            {"", "bench: --out is empty"},
            {"-", "bench: --out -: standard output ('-') is only for `reparam bits`"},    // last: the old code wrote ./-
        };
        for (String[] c : cases) {
            final Run r = run("--sizes", "64", "--reps", "1", "--warmup-ms", "1", "--min-rep-ms", "0.2", "--backends", "cpu-1",
                    "--passes", "noise", "--no-progress", "--out", c[0]);
            // Exit 2 (a usage error, not a failure after the run) and an empty stdout: checked before the work.
            assertEquals(2, r.code(), c[0] + "\n" + r.err());
            assertTrue(r.err().startsWith("reparam: error: " + c[1]) && r.err().lines().count() == 1, r.err());
            assertEquals("", r.out(), c[0]);
        }
        assertEquals(List.of("afile", "d"), org.reparamcl.TestFiles.listing(dir));
        assertEquals(List.of("bench.png"), org.reparamcl.TestFiles.listing(d));
        assertTrue(org.reparamcl.TestFiles.listing(d.resolve(BenchReport.PNG)).isEmpty());
    }

    /** bench's errors are one line with control characters escaped, as every other command's are. */
    @Test
    void errorsAreOneLineWithControlCharactersEscaped() {
        Run r = run("--sizes", "12\nx");
        assertEquals(2, r.code());
        assertEquals("reparam: error: bench: bad size '12 x' (expected an integer, 2^K or 2^A..2^B[:S])\n",
                r.err().replace(System.lineSeparator(), "\n"));
        r = run("--sizes", "\u001b[31m");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("reparam: error: bench: bad size '\\u001b[31m'") && r.err().lines().count() == 1, r.err());
        assertFalse(r.err().contains("\u001b"), r.err());
        r = run("--passes", "a\rb");
        assertEquals(2, r.code());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @Test
    void badArgumentsExitWithTwoAndAMessage(@TempDir Path dir) {
        Run r = run("--sizes", "2^40", "--out", dir.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("size exponent must be in [0, 30]"), r.err());
        r = run("--passes", "sideways");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown pass 'sideways'"), r.err());
        r = run("--backends", "gpu");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown backend 'gpu'"), r.err());
        r = run("--reps");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--reps needs a value"), r.err());
        r = run("--peers", dir.resolve("missing.json").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("does not exist"), r.err());
        for (String bad : List.of("NaN", "Infinity", "1d", "0x1p3", "-1", "", "1e3", "\u0663")) {
            r = run("--min-rep-ms", bad);
            assertEquals(2, r.code(), bad);
            assertTrue(r.err().contains("--min-rep-ms expects a number of milliseconds"), r.err());
        }
        r = run("--reps", "2", "--reps", "3");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("reparam: error: bench: --reps given twice"), r.err());
        assertEquals(0, run("--help").code());
    }

    /**
     * Peers are compared only where they drew the run's K: a K = 1 peer row of the same element
     * count is left out of a K = 2 run (with a note), the K = 2 row is compared.
     */
    @Test
    void peersOfAnotherKAreLeftOut(@TempDir Path dir) throws IOException {
        final Path peers = dir.resolve("peers.json");
        Files.writeString(peers, "{\"results\": ["
                + "{\"peer\": \"torch k1\", \"pass\": \"forward+backward\", \"n\": 64, \"k\": 1, \"median_ns\": 5000.0, \"min_ns\": 4000.0},"
                + "{\"peer\": \"torch k2\", \"pass\": \"forward+backward\", \"n\": 64, \"k\": 2, \"median_ns\": 6000.0, \"min_ns\": 5000.0}]}");
        final Path out = dir.resolve("out");
        final Run r = run("--sizes", "2^6", "--reps", "1", "--warmup-ms", "1", "--min-rep-ms", "0.2", "--no-progress",
                "--samples", "2", "--backends", "cpu-1", "--passes", "forward,backward-recompute", "--peers", peers.toString(),
                "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        final String json = Files.readString(out.resolve(BenchReport.JSON));
        assertTrue(json.contains("torch k2") && !json.contains("torch k1"), json);
        assertTrue(json.contains("1 of 2 peer rows in " + peers + " drew another K than this run's K = 2"), json);
        assertTrue(json.contains("\"peer_comparison\"") && json.contains("\"peer\": \"torch k2\""), json);
    }

    @Test
    void mainDispatchesToBench() {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        final PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertEquals(0, Main.run(new String[] {"bench", "--help"}, o, e));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("usage: reparam bench"));
        assertEquals(2, Main.run(new String[] {"bench", "--sizes", "2^99"}, o, e));
        final String msg = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, msg.lines().count(), msg);
        assertTrue(msg.startsWith("reparam: error: bench: "), msg);
    }

    /** The cells of the data rows of the first Markdown table (header and separator skipped). */
    static List<String[]> tableRows(String md) {
        final List<String[]> rows = new ArrayList<>();
        int line = 0;
        for (String l : md.split("\n")) {
            if (l.startsWith("| pass |")) {
                line = 1;
                continue;
            }
            if (line == 1) {
                line = 2;                         // separator
                continue;
            }
            if (line == 2) {
                if (!l.startsWith("|")) {
                    break;
                }
                final String[] raw = l.substring(1, l.length() - 1).split("\\|", -1);
                for (int i = 0; i < raw.length; i++) {
                    raw[i] = raw[i].trim();
                }
                rows.add(raw);
            }
        }
        return rows;
    }

    /**
     * A pass whose output differs from the CPU reference fails the command: exit 1, the checker's
     * one line on stderr, nothing on stdout and no report file.
     */
    @Test
    void anOutputMismatchFailsWithOneLineAndNoReport(@TempDir Path dir) throws IOException {
        final Path out = dir.resolve("out");
        final ByteArrayOutputStream o = new ByteArrayOutputStream();
        final ByteArrayOutputStream e = new ByteArrayOutputStream();
        final String why = "output check failed: forward on opencl (kernel) at n = 2^16: z[65535] = 1.0 (0x3f800000),"
                + " the CPU reference gives 2.0 (0x40000000); the timings are not reported";
        final int code = BenchCommand.run(tiny(out), new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8), (options, cmd, progress) -> {
                    throw new org.reparamcl.bench.OutputMismatchException(why);
                });
        assertEquals(1, code);
        assertEquals("reparam: error: bench: " + why + "\n", e.toString(StandardCharsets.UTF_8).replace("\r", ""));
        assertEquals("", o.toString(StandardCharsets.UTF_8));
        assertFalse(Files.exists(out.resolve(BenchReport.MARKDOWN)) || Files.exists(out.resolve(BenchReport.JSON))
                || Files.exists(out.resolve(BenchReport.CROSSOVER)));
    }
}
