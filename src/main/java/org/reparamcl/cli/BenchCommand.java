package org.reparamcl.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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

    /**
     * Runs the command; returns the exit code: 0 ok, 2 bad arguments, 1 a failure while running.
     * Errors are one line on {@code err}: {@code reparam: error: ...}.
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        final BenchOptions options;
        try {
            options = parse(args);
        } catch (CliException | IllegalArgumentException e) {
            err.println("reparam: error: " + (e instanceof CliException ? "" : "bench: ") + e.getMessage());
            return 2;
        }
        if (options == null) {
            out.println(USAGE);
            return 0;
        }
        try {
            final BenchResult result = BenchRunner.run(options, "reparam bench " + String.join(" ", args), err);
            for (String note : result.notes()) {
                err.println("reparam: bench: " + note);
            }
            final BenchReport report = new BenchReport(result);
            out.print(report.markdown());
            report.writeAll();
            out.println();
            out.println("wrote " + options.outDir().resolve(BenchReport.MARKDOWN) + ", " + BenchReport.JSON + ", "
                    + BenchReport.PNG + ", " + BenchReport.CROSSOVER);
            if (Arrays.asList(args).contains("--save-crossover")) {
                if (report.crossovers().isEmpty()) {
                    err.println("reparam: bench: no crossover to save (it needs OpenCL and CPU rows)");
                } else {
                    final Path to = CrossoverTable.location().toAbsolutePath();
                    Files.createDirectories(to.getParent());
                    Files.copy(options.outDir().resolve(BenchReport.CROSSOVER), to, StandardCopyOption.REPLACE_EXISTING);
                    out.println("saved the crossover to " + to);
                }
            }
            return 0;
        } catch (IOException | RuntimeException e) {
            err.println("reparam: error: bench: " + String.valueOf(e.getMessage()).replace('\n', ' '));
            if ("1".equals(System.getenv("REPARAM_DEBUG"))) {
                e.printStackTrace(err);
            }
            return 1;
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
            peers = a.path("peers");
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
                a.has("out") ? a.path("out") : d.outDir(), peers,
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
