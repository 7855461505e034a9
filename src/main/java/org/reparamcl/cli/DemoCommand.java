package org.reparamcl.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.reparamcl.Backend;
import org.reparamcl.Backends;
import org.reparamcl.demo.DemoCharts;
import org.reparamcl.demo.HeadTraining;
import org.reparamcl.demo.HeteroscedasticData;
import org.reparamcl.demo.ToyExample;
import org.reparamcl.io.FileBatch;

/**
 * {@code reparam demo}: the two textbook examples end to end (docs/HEAD.md). (a) z = x + eps for
 * x = [1, 2, 3], as a table and toy.png; (b) the conditional Gaussian head trained by stochastic
 * backpropagation on y = sin(2u) + (0.1 + 0.3|u|) n, with fit.png, sigma.png and loss.png.
 *
 * <p>The PNGs are all or nothing: the output directory is checked before any work (exit 2), the
 * charts are rendered in memory, written to hidden temporary files beside their targets once the
 * training is done, and moved into place only after the "wrote" lines reached standard output. A
 * failure (a full disk, a closed stdout) removes the temporary files and every file and directory
 * the call created, and leaves files that were there before as they were.
 */
final class DemoCommand {
    static final int DEFAULT_STEPS = 1500;
    static final long DEFAULT_SEED = 42;
    static final String DEFAULT_OUT_DIR = "demo-out";
    /** Samples drawn in (a). */
    static final int TOY_SAMPLES = 5;
    /** The files the demo writes into its directory, in the order it writes them. */
    static final List<String> PNGS = List.of("toy.png", "fit.png", "sigma.png", "loss.png");

    private DemoCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        final Args a = Args.parse("demo", args, Set.of("backend", "device", "steps", "seed", "out-dir"), Set.of("help"));
        if (a.flag("help")) {
            out.println("usage: reparam demo [--backend auto|cpu|opencl] [--device SELECTOR] [--steps N (default "
                    + DEFAULT_STEPS + ")]");
            out.println("                    [--seed S (default " + DEFAULT_SEED + ")] [--out-dir DIR (default "
                    + DEFAULT_OUT_DIR + ")]");
            out.println("(a) z = x + eps for x = [1, 2, 3]: a table and DIR/toy.png");
            out.println("(b) a conditional Gaussian head trained by stochastic backpropagation:");
            out.println("    DIR/fit.png (data, mu +/- sigma, mu +/- 2 sigma), DIR/sigma.png, DIR/loss.png");
            return 0;
        }
        final int steps = a.intValue("steps", DEFAULT_STEPS, 1, 10_000_000);
        final long seed = a.u64("seed", DEFAULT_SEED);
        final String given = a.string("out-dir", DEFAULT_OUT_DIR);
        if ("-".equals(given)) {
            // SPEC: '-' means standard output for `bits` only; the demo writes PNG files into a directory.
            throw new CliException("demo: --out-dir -: standard output ('-') is only for `reparam bits`;"
                    + " name a directory (./- for one called -)");
        }
        final Path asGiven = a.has("out-dir") ? a.path("out-dir") : Path.of(DEFAULT_OUT_DIR);   // "" is refused
        checkOutputDirectory(given, asGiven);
        final Path dir = asGiven.toAbsolutePath();
        final Backends.Choice choice = Backends.choose(a.backend(), a.device());
        final Map<String, byte[]> pngs = new LinkedHashMap<>();
        try (Backend backend = choice.backend()) {
            out.println("backend: " + choice.reason());
            out.println();
            pngs.put("toy.png", toy(backend, seed, out));
            if (out.checkError()) {                                    // no point training for a closed stdout
                throw new IOException("demo: cannot write to standard output");
            }
            out.println();
            pngs.putAll(train(backend, steps, seed, out));
        }
        writeAll(given, dir, pngs, out);
        return 0;
    }

    /**
     * The checks made before any work, as for the other commands' outputs (exit 2): the directory
     * exists, or can be created (no dangling link on the way, its nearest existing ancestor is a
     * writable directory); it is writable; none of the PNG names in it is a directory.
     */
    static void checkOutputDirectory(String given, Path asGiven) {
        final String what = "demo: --out-dir " + given;
        final Path dir = asGiven.toAbsolutePath();
        if (Files.exists(dir)) {
            if (!Files.isDirectory(dir)) {
                throw new CliException(what + " exists and is not a directory");
            }
            if (!Files.isWritable(dir)) {
                throw new CliException(what + ": directory is not writable");
            }
            for (String png : PNGS) {
                if (Files.isDirectory(dir.resolve(png))) {
                    throw new CliException(what + ": " + png + " in it is a directory");
                }
            }
            return;
        }
        OutputFiles.requireCreatable(what, asGiven, "cannot be created, ");
    }

    /**
     * Writes {@code pngs} into {@code dir}, all or nothing: creates the directory (noting what it
     * created), writes every file to a hidden temporary file beside its target, prints the "wrote"
     * lines and checks that standard output took them, then moves the files into place. On any
     * failure the temporary files, the files this call created and the directories it created are
     * removed; an error names the option and the path as given, never a temporary file.
     */
    private static void writeAll(String given, Path dir, Map<String, byte[]> pngs, PrintStream out) throws IOException {
        final Map<Path, byte[]> files = new LinkedHashMap<>();
        pngs.forEach((name, png) -> files.put(dir.resolve(name), png));
        final boolean[] stdoutFailed = {false};
        try {
            FileBatch.write(files, () -> {
                for (Path p : files.keySet()) {
                    out.println("  wrote " + p);
                }
                if (out.checkError()) {
                    stdoutFailed[0] = true;
                    throw new IOException("demo: cannot write to standard output");
                }
            });
        } catch (IOException e) {
            if (stdoutFailed[0]) {
                throw e;
            }
            String file = "";                                   // a PNG's name, or none for the directory
            if (e instanceof FileSystemException f) {
                for (Path p : files.keySet()) {
                    if (p.toString().equals(f.getFile())) {
                        file = p.getFileName() + ": ";
                    }
                }
            }
            throw new IOException("demo: --out-dir " + given + ": " + file + FileBatch.problem(e), e);
        }
    }

    private static byte[] toy(Backend backend, long seed, PrintStream out) throws IOException {
        final ToyExample.Result r = ToyExample.run(backend, TOY_SAMPLES, seed, 0);
        final int n = r.x().length;
        out.printf(Locale.ROOT, "(a) z = x + eps, eps ~ N(0, 1): mu = x = [1, 2, 3], sigma = 1, %d samples"
                + " (seed %s, stream 0)%n", r.samples(), Long.toUnsignedString(seed));
        out.println("  sample  i     x         eps           z");
        for (int k = 0; k < r.samples(); k++) {
            for (int i = 0; i < n; i++) {
                out.printf(Locale.ROOT, "  %6d  %d  %4.1f  %+10.6f  %+10.6f%n", k + 1, i + 1, r.x()[i], r.eps()[k * n + i],
                        r.z()[k * n + i]);
            }
        }
        final StringBuilder gm = new StringBuilder();
        final StringBuilder gs = new StringBuilder();
        for (int i = 0; i < n; i++) {
            gm.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.6g", r.gradMu()[i]));
            gs.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.6f", r.gradSigma()[i]));
        }
        out.println("  backward pass of L = sum of all z (the gradient passes through the sample):");
        out.println("    dL/dmu    = [" + gm + "]   (one per sample)");
        out.println("    dL/dsigma = [" + gs + "]   (the sum of each element's eps)");
        return DemoCharts.toy(r);
    }

    /** Trains and prints the progress; returns fit.png, sigma.png and loss.png. */
    private static Map<String, byte[]> train(Backend backend, int steps, long seed, PrintStream out) throws IOException {
        final HeadTraining.Settings s = HeadTraining.Settings.defaults(steps, seed);
        out.println("(b) conditional Gaussian head Y = mu(x) + sigma(x) eps, trained by stochastic backpropagation");
        out.printf(Locale.ROOT, "    data: y = sin(2u) + (0.1 + 0.3|u|) n, u ~ U(-2, 2), %d training and %d held-out points%n",
                s.trainPoints(), s.testPoints());
        out.printf(Locale.ROOT, "    model: x = Chebyshev T_1..T_%d(u/2), D = 1, sigma = softplus(rho), K = %d samples per point%n",
                s.features(), s.samples());
        out.printf(Locale.ROOT, "    loss: sample CRPS of the K draws (a proper scoring rule), Adam lr %.3g with cosine decay,"
                + " batch %d, %d steps%n", s.learningRate(), s.batch(), s.steps());
        out.printf(Locale.ROOT, "    lowest expected CRPS (the true distribution): E[s]/sqrt(pi) = %.4f%n",
                HeteroscedasticData.crpsFloor());
        out.println("     step   train loss   held-out CRPS   sigma MAE");
        final HeadTraining.Result r = HeadTraining.run(backend, s, rep -> out.printf(Locale.ROOT,
                "  %7d   %10.4f   %13.4f   %9.4f%n", rep.step(), rep.trainLoss(), rep.testCrps(), rep.sigmaMae()));
        out.printf(Locale.ROOT, "  held-out CRPS %.4f (the true distribution scores %.4f on the same points)%n",
                r.testCrps(), r.oracleCrps());
        out.printf(Locale.ROOT, "  sigma(u) vs s(u) over [-2, 2]: mean abs. error %.4f, mean rel. error %.1f%%, max rel. error"
                + " %.1f%%; mu(u) vs sin(2u): mean abs. error %.4f%n", r.sigmaMae(), 100 * r.sigmaMeanRelError(),
                100 * r.sigmaMaxRelError(), r.muMae());
        final Map<String, byte[]> pngs = new LinkedHashMap<>();
        pngs.put("fit.png", DemoCharts.fit(r));
        pngs.put("sigma.png", DemoCharts.sigma(r));
        pngs.put("loss.png", DemoCharts.loss(r));
        return pngs;
    }
}
