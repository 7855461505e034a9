package org.reparamcl.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
            "usage: reparam bench [--sizes LIST] [--passes LIST] [--backends LIST] [--reps N]",
            "                     [--warmup-ms N] [--min-rep-ms X] [--device SEL] [--seed S]",
            "                     [--peers FILE] [--out DIR] [--no-progress]",
            "",
            "  --sizes LIST     batch sizes: integers, 2^K, or ranges 2^A..2^B[:STEP] (exponent step),",
            "                   comma separated (default " + BenchOptions.DEFAULT_SIZES + ")",
            "  --passes LIST    " + Pass.known() + " (default: all)",
            "  --backends LIST  cpu-1 (one thread), cpu-all (all processors), opencl (default: all)",
            "  --reps N         timed repetitions per point; the median is reported (default 5)",
            "  --warmup-ms N    warm-up per point before timing (default 30)",
            "  --min-rep-ms X   a repetition repeats the call for at least X ms (default 2)",
            "  --device SEL     OpenCL device: auto, an index P:D or D, or a name (default auto)",
            "  --seed S         seed of the noise stream (default 42)",
            "  --peers FILE     include peer timings written by benchmarks/peers/peers.py",
            "  --out DIR        output directory (default bench-results)",
            "  --no-progress    no progress bar on stderr");

    private BenchCommand() {
    }

    /** Runs the command; returns the exit code (0 ok, 1 failure while running, 2 bad arguments). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        final BenchOptions options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            err.println("reparam bench: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        if (options == null) {
            out.println(USAGE);
            return 0;
        }
        try {
            final BenchResult result = BenchRunner.run(options, "reparam bench " + String.join(" ", args), err);
            for (String note : result.notes()) {
                err.println("reparam bench: " + note);
            }
            final BenchReport report = new BenchReport(result);
            out.print(report.markdown());
            report.writeAll();
            out.println();
            out.println("wrote " + options.outDir().resolve(BenchReport.MARKDOWN) + ", " + BenchReport.JSON + ", "
                    + BenchReport.PNG + ", " + BenchReport.CROSSOVER);
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("reparam bench: " + e.getMessage());
            return 2;
        } catch (IOException | RuntimeException e) {
            err.println("reparam bench: failed: " + e);
            return 1;
        }
    }

    /** The options the arguments ask for, or null for {@code --help}. */
    static BenchOptions parse(String[] args) {
        final BenchOptions d = BenchOptions.defaults(Path.of("bench-results"));
        List<Integer> sizes = d.sizes();
        List<Pass> passes = d.passes();
        List<String> backends = d.backends();
        int reps = d.reps();
        int warmup = d.warmupMillis();
        double minRep = d.minRepMillis();
        String device = d.device();
        Path out = d.outDir();
        Path peers = null;
        long seed = d.seed();
        boolean progress = true;
        for (int i = 0; i < args.length; i++) {
            final String a = args[i];
            switch (a) {
                case "-h", "--help" -> {
                    return null;
                }
                case "--no-progress" -> progress = false;
                case "--sizes" -> sizes = BenchOptions.parseSizes(value(args, ++i, a));
                case "--passes" -> {
                    final List<Pass> l = new ArrayList<>();
                    for (String s : list(value(args, ++i, a))) {
                        l.add(Pass.parse(s));
                    }
                    passes = l;
                }
                case "--backends" -> backends = list(value(args, ++i, a));
                case "--reps" -> reps = intValue(args, ++i, a);
                case "--warmup-ms" -> warmup = intValue(args, ++i, a);
                case "--min-rep-ms" -> {
                    final String v = value(args, ++i, a);
                    try {
                        minRep = Double.parseDouble(v);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException(a + " expects a number, got '" + v + "'");
                    }
                }
                case "--device" -> device = value(args, ++i, a);
                case "--seed" -> {
                    final String v = value(args, ++i, a);
                    try {
                        seed = Long.parseLong(v);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--seed expects a 64-bit integer, got '" + v + "'");
                    }
                }
                case "--peers" -> {
                    peers = Path.of(value(args, ++i, a));
                    if (!Files.isRegularFile(peers)) {
                        throw new IllegalArgumentException("--peers file " + peers + " does not exist");
                    }
                }
                case "--out" -> out = Path.of(value(args, ++i, a));
                default -> throw new IllegalArgumentException("unknown argument '" + a + "'");
            }
        }
        return new BenchOptions(sizes, passes, backends, reps, warmup, minRep, device, out, peers, seed, progress);
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }

    private static int intValue(String[] args, int i, String flag) {
        final String v = value(args, i, flag);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " expects an integer, got '" + v + "'");
        }
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
