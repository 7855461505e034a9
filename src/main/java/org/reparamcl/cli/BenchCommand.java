package org.reparamcl.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import org.reparamcl.CrossoverTable;
import org.reparamcl.bench.BenchOptions;
import org.reparamcl.bench.BenchReport;
import org.reparamcl.bench.BenchResult;
import org.reparamcl.bench.BenchRunner;
import org.reparamcl.bench.Pass;

/**
 * {@code reparam bench}: times the passes on every available backend over a sweep of batch
 * sizes, beside roofs measured in the same run, and writes {@code bench.md}, {@code bench.json},
 * {@code bench.png} and {@code crossover.properties} into the output directory.
 */
public final class BenchCommand {
    static final String USAGE = String.join("\n",
            "usage: reparam bench [--sizes LIST] [--passes LIST] [--backends LIST] [--samples K] [--reps N]",
            "                     [--warmup-ms N] [--min-rep-ms X] [--device SEL] [--seed S]",
            "                     [--peers FILE] [--out DIR] [--save-crossover] [--no-progress]",
            "",
            "  --sizes LIST     batch sizes: integers, 2^K, or ranges 2^A..2^B[:STEP] (exponent step),",
            "                   comma separated (default " + BenchOptions.DEFAULT_SIZES + ")",
            "  --passes LIST    " + Pass.known(),
            "                   (default: " + String.join(",", Pass.DEFAULT.stream().map(Pass::label).toList()) + ")",
            "  --backends LIST  cpu-1 (one thread), cpu-all (all processors), opencl (default: all)",
            "  --samples K      samples per parameter in forward/backward; sizes count K*B*D elements (default 1)",
            "  --reps N         timed repetitions per point; the median is reported (default 5)",
            "  --warmup-ms N    warm-up per point before timing (default 20)",
            "  --min-rep-ms X   a repetition repeats the call for at least X ms (default 2)",
            "  --device SEL     OpenCL device: auto, an index P:D or D, or a name (default auto)",
            "  --seed S         seed of the noise stream (default 42)",
            "  --peers FILE     include peer timings written by benchmarks/peers/peers.py",
            "  --out DIR        output directory (default bench-results)",
            "  --save-crossover also copy crossover.properties to where auto looks for it:",
            "                   -D" + CrossoverTable.PROPERTY + ", $" + CrossoverTable.ENV + ", or "
                    + "$XDG_CONFIG_HOME/reparam-cl/ (~/.config/reparam-cl/)",
            "  --no-progress    no progress bar on stderr");

    private BenchCommand() {
    }

    /** What runs the sweep: {@link BenchRunner#run} (tests substitute one that fails). */
    interface Runner {
        BenchResult run(BenchOptions options, String commandLine, PrintStream progressOut) throws IOException;
    }

    /**
     * Runs the command; returns the exit code: 0 ok, 2 bad arguments, 1 a failure while running.
     * Errors are one line on {@code err}: {@code reparam: error: ...}. A pass whose output differs
     * from the CPU reference (BenchRunner checks them) is such an error: exit 1, no report written.
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, BenchRunner::run);
    }

    static int run(String[] args, PrintStream out, PrintStream err, Runner runner) {
        final BenchOptions options;
        final boolean save = Arrays.asList(args).contains("--save-crossover");
        try {
            options = parse(args);
            if (options != null && save) {
                requireWritableFile("--save-crossover", CrossoverTable.location());
            }
        } catch (CliException | IllegalArgumentException e) {
            // One line, control characters escaped, as Main words every other command's errors.
            err.println("reparam: error: " + Main.oneLine((e instanceof CliException ? "" : "bench: ") + e.getMessage()));
            return 2;
        }
        if (options == null) {
            out.println(USAGE);
            return 0;
        }
        final String outGiven = outGiven(args);
        try {
            final BenchResult result = runner.run(options, "reparam bench " + String.join(" ", args), err);
            final BenchReport report = new BenchReport(result);
            final boolean copy = save && !report.crossovers().isEmpty();
            final Path to = CrossoverTable.location().toAbsolutePath();
            // Every file first, all or nothing; stdout only once they are in place, so a failure prints one line.
            final String md = report.writeAll(copy ? List.of(to) : List.of());
            for (String note : result.notes()) {
                err.println("reparam: bench: " + Main.oneLine(note));
            }
            out.print(md);
            out.println();
            out.println("wrote " + options.outDir().resolve(BenchReport.MARKDOWN) + ", " + BenchReport.JSON + ", "
                    + BenchReport.PNG + ", " + BenchReport.CROSSOVER);
            if (save && !copy) {
                err.println("reparam: bench: no crossover to save (it needs OpenCL and CPU rows)");
            } else if (copy) {
                out.println("saved the crossover to " + to);
            }
            return 0;
        } catch (IOException | RuntimeException e) {
            String msg = e.getMessage() == null ? e.toString() : e.getMessage();
            if (e instanceof java.nio.file.FileSystemException f) {
                final String file = String.valueOf(f.getFile());
                final boolean inOut = file.startsWith(options.outDir().toString());
                msg = (inOut ? "--out " + outGiven : "--save-crossover") + ": " + file + ": " + Main.fileProblem(f);
            }
            err.println("reparam: error: bench: " + Main.oneLine(msg));
            if ("1".equals(System.getenv("REPARAM_DEBUG"))) {
                e.printStackTrace(err);
            }
            return 1;
        }
    }

    /** The --out value as typed (the last --out or --out=), or the default directory's name. */
    private static String outGiven(String[] args) {
        String v = "bench-results";
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--out") && i + 1 < args.length) {
                v = args[++i];
            } else if (args[i].startsWith("--out=")) {
                v = args[i].substring("--out=".length());
            }
        }
        return v;
    }

    /**
     * The output directory, checked before any work, as the other commands check their outputs:
     * it is a directory or can be created (its nearest existing ancestor is a writable directory),
     * and none of the report's file names in it is a directory. Messages name the path as given.
     */
    static Path outputDirectory(String given) {
        final String what = "bench: --out " + given;
        if (given.isEmpty()) {
            throw new CliException("bench: --out is empty");
        }
        if (given.equals("-")) {
            throw new CliException(what + ": standard output ('-') is only for `reparam bits`; name a directory"
                    + " (./- for one called -)");
        }
        final Path dir = Path.of(given);
        final Path abs = dir.toAbsolutePath();
        if (Files.exists(abs)) {
            if (!Files.isDirectory(abs)) {
                throw new CliException(what + " is not a directory");
            }
            if (!Files.isWritable(abs)) {
                throw new CliException(what + ": directory is not writable");
            }
            for (String f : new String[] {BenchReport.MARKDOWN, BenchReport.JSON, BenchReport.PNG, BenchReport.CROSSOVER}) {
                if (Files.isDirectory(abs.resolve(f))) {
                    throw new CliException(what + ": " + dir.resolve(f) + " is a directory");
                }
            }
        } else {
            OutputFiles.requireCreatable(what, dir, "");
        }
        return dir;
    }

    /** Where {@code --save-crossover} copies the file: not a directory, and its directory exists or can be created. */
    static void requireWritableFile(String option, Path file) {
        final String what = "bench: " + option + " " + file;
        final Path abs = file.toAbsolutePath();
        if (Files.isDirectory(abs)) {
            throw new CliException(what + " is a directory");
        }
        if (abs.getParent() == null) {
            throw new CliException(what + ": no directory");
        }
        if (Files.isDirectory(abs.getParent())) {
            if (!Files.isWritable(abs.getParent())) {
                throw new CliException(what + ": directory " + abs.getParent() + " is not writable");
            }
        } else {
            OutputFiles.requireCreatable(what, abs.getParent(), "");
        }
    }

    /** The options the arguments ask for, or null for {@code --help}. */
    static BenchOptions parse(String[] args) {
        final Args a = Args.parse("bench", args, Set.of("sizes", "passes", "backends", "samples", "reps", "warmup-ms",
                "min-rep-ms", "device", "seed", "peers", "out"), Set.of("help", "no-progress", "save-crossover"));
        if (a.flag("help")) {
            return null;
        }
        final BenchOptions d = BenchOptions.defaults(Path.of("bench-results"));
        final List<Pass> passes = new ArrayList<>();
        for (String s : list(a.string("passes", ""))) {
            passes.add(Pass.parse(s));
        }
        final double minRep;
        final String mr = a.string("min-rep-ms", null);
        // Plain decimals only: Double.parseDouble would also take NaN, Infinity, 1d, 0x1p3 and 1e9.
        if (mr != null && !mr.matches("[0-9]{1,7}(\\.[0-9]{1,6})?")) {
            throw new CliException("bench: --min-rep-ms expects a number of milliseconds such as 2 or 0.5, got '"
                    + Main.oneLine(mr) + "'");
        }
        minRep = mr == null ? d.minRepMillis() : Double.parseDouble(mr);
        Path peers = null;
        if (a.has("peers")) {
            try {
                peers = a.inputPath("peers");
            } catch (IOException e) {
                throw new CliException(e.getMessage());
            }
            if (!Files.isRegularFile(peers)) {
                throw new CliException("bench: --peers file " + peers + " does not exist");
            }
        }
        return new BenchOptions(
                a.has("sizes") ? BenchOptions.parseSizes(a.string("sizes", "")) : d.sizes(),
                passes.isEmpty() ? d.passes() : passes,
                a.has("backends") ? list(a.string("backends", "")) : d.backends(),
                a.intValue("samples", d.samples(), 1, 1 << 20),
                a.intValue("reps", d.reps(), 1, 1_000_000),
                a.intValue("warmup-ms", d.warmupMillis(), 0, 3_600_000),
                minRep, a.string("device", d.device()),
                outputDirectory(a.string("out", d.outDir().toString())), peers,
                a.u64("seed", d.seed()), !a.flag("no-progress"));
    }

    private static List<String> list(String v) {
        final List<String> out = new ArrayList<>();
        for (String s : v.split(",")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }
}
