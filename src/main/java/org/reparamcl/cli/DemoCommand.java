package org.reparamcl.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

import org.reparamcl.Backend;
import org.reparamcl.Backends;
import org.reparamcl.demo.DemoCharts;
import org.reparamcl.demo.HeadTraining;
import org.reparamcl.demo.HeteroscedasticData;
import org.reparamcl.demo.ToyExample;

/**
 * {@code reparam demo}: the two textbook examples end to end (docs/HEAD.md). (a) z = x + eps for
 * x = [1, 2, 3], as a table and toy.png; (b) the conditional Gaussian head trained by stochastic
 * backpropagation on y = sin(2u) + (0.1 + 0.3|u|) n, with fit.png, sigma.png and loss.png.
 */
final class DemoCommand {
    static final int DEFAULT_STEPS = 1500;
    static final long DEFAULT_SEED = 42;
    static final String DEFAULT_OUT_DIR = "demo-out";
    /** Samples drawn in (a). */
    static final int TOY_SAMPLES = 5;

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
        final Path dir = (a.has("out-dir") ? a.path("out-dir") : Path.of(DEFAULT_OUT_DIR)).toAbsolutePath();   // "" is refused
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new CliException("demo: --out-dir " + given + " exists and is not a directory");
        }
        Files.createDirectories(dir);
        final Backends.Choice choice = Backends.choose(a.backend(), a.string("device", "auto"));
        try (Backend backend = choice.backend()) {
            out.println("backend: " + choice.reason());
            out.println();
            toy(backend, seed, dir, out);
            out.println();
            train(backend, steps, seed, dir, out);
        }
        return 0;
    }

    private static void toy(Backend backend, long seed, Path dir, PrintStream out) throws IOException {
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
        out.println("  wrote " + DemoCharts.toy(r, dir.resolve("toy.png")));
    }

    private static void train(Backend backend, int steps, long seed, Path dir, PrintStream out) throws IOException {
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
        out.println("  wrote " + DemoCharts.fit(r, dir.resolve("fit.png")));
        out.println("  wrote " + DemoCharts.sigma(r, dir.resolve("sigma.png")));
        out.println("  wrote " + DemoCharts.loss(r, dir.resolve("loss.png")));
    }
}
