package org.reparamcl.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
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
        final List<Path> createdDirs = new ArrayList<>();
        final List<Path> createdFiles = new ArrayList<>();
        final List<String> names = new ArrayList<>(pngs.keySet());
        final Path[] temps = new Path[names.size()];
        boolean done = false;
        boolean stdoutFailed = false;
        String current = null;
        try {
            createDirectories(dir, createdDirs);
            for (int i = 0; i < names.size(); i++) {
                current = names.get(i);
                final Path target = dir.resolve(current);
                temps[i] = Files.createTempFile(dir, "." + current + "-", ".tmp");
                Files.write(temps[i], pngs.get(current));
                permissions(target, temps[i]);
            }
            current = null;
            for (String name : names) {
                out.println("  wrote " + dir.resolve(name));
            }
            if (out.checkError()) {
                stdoutFailed = true;
                throw new IOException("demo: cannot write to standard output");
            }
            for (int i = 0; i < names.size(); i++) {
                current = names.get(i);
                final Path target = dir.resolve(current);
                final boolean existed = Files.exists(target, LinkOption.NOFOLLOW_LINKS);
                move(temps[i], target);
                temps[i] = null;
                if (!existed) {
                    createdFiles.add(target);
                }
            }
            done = true;
        } catch (IOException e) {
            if (stdoutFailed) {
                throw e;
            }
            throw new IOException("demo: --out-dir " + given + ": " + (current == null ? "" : current + ": ")
                    + problem(e), e);
        } finally {
            for (Path t : temps) {
                deleteQuietly(t);
            }
            if (!done) {
                createdFiles.forEach(DemoCommand::deleteQuietly);
                for (int i = createdDirs.size() - 1; i >= 0; i--) {
                    deleteQuietly(createdDirs.get(i));
                }
            }
        }
    }

    /** What went wrong with a file, without its (possibly temporary) name. */
    private static String problem(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException f) {
            return f.getReason() != null ? f.getReason() : f.getClass().getSimpleName();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /** Creates {@code dir} and its missing parents, noting each one created (outermost first). */
    private static void createDirectories(Path dir, List<Path> created) throws IOException {
        final List<Path> missing = new ArrayList<>();
        for (Path p = dir; p != null && !Files.exists(p); p = p.getParent()) {
            missing.add(0, p);
        }
        for (Path p : missing) {
            Files.createDirectory(p);
            created.add(p);
        }
        if (!Files.isDirectory(dir)) {
            throw new FileSystemException(dir.toString(), null, "not a directory");
        }
    }

    /** A replaced file keeps its POSIX permissions; a new one is rw-r--r-- (temporary files start owner-only). */
    private static void permissions(Path target, Path tmp) throws IOException {
        try {
            Files.setPosixFilePermissions(tmp, Files.isRegularFile(target) ? Files.getPosixFilePermissions(target)
                    : PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        }
    }

    private static void move(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void deleteQuietly(Path p) {
        if (p == null) {
            return;
        }
        try {
            Files.deleteIfExists(p);
        } catch (IOException | RuntimeException e) {
            // best effort: the failure being reported matters more
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
