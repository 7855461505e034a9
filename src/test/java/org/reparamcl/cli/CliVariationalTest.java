package org.reparamcl.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reparamcl.Backends;
import org.reparamcl.NoiseMode;
import org.reparamcl.Parameterization;
import org.reparamcl.ReparamSpec;
import org.reparamcl.cpu.CpuBackend;
import org.reparamcl.npy.Npy;
import org.reparamcl.npy.NpyArray;
import org.reparamcl.opencl.OpenClTestSupport;

/**
 * {@code forward --kl-out --log-prob-out} and {@code backward --grad-kl --grad-log-prob --eps}: the
 * variational-inference extras and STORE mode on the command line, bit for bit against the
 * library's CPU reference, on every shape the CLI takes, and their errors.
 */
class CliVariationalTest {
    @TempDir
    Path dir;

    /** A CLI shape case: parameters (B, D) or (D,), optional --samples K, optional --rows B. */
    private record Case(long[] paramShape, Integer samples, Integer rows) {
        long b() {
            return rows != null ? rows : paramShape.length == 2 ? paramShape[0] : 1;
        }

        long d() {
            return paramShape[paramShape.length - 1];
        }

        int k() {
            return samples == null ? 1 : samples;
        }

        boolean broadcast() {
            return rows != null;
        }

        long[] zShape() {
            final List<Long> s = new ArrayList<>();
            if (samples != null) {
                s.add((long) samples);
            }
            if (paramShape.length == 2 || rows != null) {
                s.add(b());
            }
            s.add(d());
            return s.stream().mapToLong(Long::longValue).toArray();
        }

        long[] klShape() {
            return new long[] {paramShape.length == 2 ? paramShape[0] : 1};
        }

        long[] logProbShape() {
            final long[] z = zShape();
            return z.length == 1 ? new long[] {1} : Arrays.copyOf(z, z.length - 1);
        }

        int params() {
            return (int) (paramShape.length == 2 ? paramShape[0] * paramShape[1] : paramShape[0]);
        }
    }

    private static final List<Case> CASES = List.of(
            new Case(new long[] {3, 67}, null, null),         // (B, D), D not a multiple of the vector width
            new Case(new long[] {3, 67}, 3, null),            // (K, B, D)
            new Case(new long[] {65}, null, null),            // (D,): z (D,), one drawn row
            new Case(new long[] {65}, 16, null),              // (K, D)
            new Case(new long[] {65}, 3, 5));                 // (D,) broadcast over 5 rows: (K, B, D)

    private Path write(String name, long[] shape, float[] data) throws IOException {
        return CliReparamTest.write(dir, name, shape, data);
    }

    private static float[] random(SplittableRandom r, int n, double lo, double hi) {
        return CliReparamTest.random(r, n, lo, hi);
    }

    private static NpyArray read(Path p) throws IOException {
        return Npy.read(p);
    }

    private static CliNoiseTest.Result ok(String... args) {
        final CliNoiseTest.Result r = CliNoiseTest.run(args);
        assertEquals(0, r.code(), String.join(" ", args) + "\n" + r.err());
        return r;
    }

    private ReparamSpec spec(Case c, Parameterization p, long seed, long stream, long offset, NoiseMode mode) {
        return ReparamSpec.builder().shape(c.k(), c.b(), c.d()).broadcast(c.broadcast()).parameterization(p)
                .seed(seed).stream(stream).offset(offset).noiseMode(mode).build();
    }

    @Test
    void klLogProbAndTheirGradientsMatchTheLibraryBitForBitOnEveryShapeAndBackend() throws Exception {
        OpenClTestSupport.requireOpenCl();
        final long testSeed = org.reparamcl.TestSeeds.fresh("reparam.cliVariationalSeed");
        final SplittableRandom r = new SplittableRandom(testSeed);
        final List<String> backends = List.of("cpu", "opencl");
        for (Case c : CASES) {
            for (Parameterization p : Parameterization.values()) {
                final float[] mu = random(r, c.params(), -2, 2);
                final float[] rho = random(r, c.params(), p == Parameterization.SIGMA ? 0.1 : -3, 3);
                final Path muF = write("mu.npy", c.paramShape(), mu);
                final Path rhoF = write("rho.npy", c.paramShape(), rho);
                final long seed = r.nextLong();
                final long offset = r.nextInt(1 << 20);
                final String where = "test seed " + testSeed + ", shape " + Arrays.toString(c.paramShape()) + " K " + c.samples() + " rows " + c.rows()
                        + " " + p.cliName() + " seed " + seed + " offset " + offset;

                final ReparamSpec rec = spec(c, p, seed, 3, offset, NoiseMode.RECOMPUTE);
                final float[] z = new float[(int) rec.elements()];
                final float[] eps = new float[z.length];
                final float[] kl = new float[(int) rec.paramRows()];
                final float[] lq = new float[(int) rec.sampleRows()];
                final float[] gz = random(r, z.length, -1, 1);
                final float[] gkl = random(r, kl.length, -1, 1);
                final float[] glq = random(r, lq.length, -1, 1);
                final float[] gMu = new float[mu.length];
                final float[] gRho = new float[rho.length];
                try (CpuBackend cpu = Backends.cpu(1)) {
                    cpu.reparamForward(rec, mu, rho, z, eps, kl, lq);
                    cpu.reparamBackward(rec, mu, rho, null, gz, gkl, glq, gMu, gRho, false);
                }
                final Path gzF = write("gz.npy", c.zShape(), gz);
                final Path gklF = write("gkl.npy", c.klShape(), gkl);
                final Path glqF = write("glq.npy", c.logProbShape(), glq);

                for (String backend : backends) {
                    final List<String> fwd = new ArrayList<>(List.of("forward", "--mu", muF.toString(), "--sigma",
                            rhoF.toString(), "--param", p.cliName(), "--seed", Long.toString(seed), "--stream", "3",
                            "--offset", Long.toString(offset), "--backend", backend, "--quiet",
                            "--out", dir.resolve("z.npy").toString(), "--eps-out", dir.resolve("eps.npy").toString(),
                            "--kl-out", dir.resolve("kl.npy").toString(), "--log-prob-out", dir.resolve("lq.npy").toString()));
                    if (c.samples() != null) {
                        fwd.addAll(List.of("--samples", c.samples().toString()));
                    }
                    if (c.rows() != null) {
                        fwd.addAll(List.of("--rows", c.rows().toString()));
                    }
                    ok(fwd.toArray(String[]::new));
                    final String at = where + " " + backend;
                    assertArrayEquals(c.zShape(), read(dir.resolve("z.npy")).shape(), at);
                    assertArrayEquals(c.klShape(), read(dir.resolve("kl.npy")).shape(), at);
                    assertArrayEquals(c.logProbShape(), read(dir.resolve("lq.npy")).shape(), at);
                    assertArrayEquals(z, read(dir.resolve("z.npy")).float32Data(), at);
                    assertArrayEquals(kl, read(dir.resolve("kl.npy")).float32Data(), at);
                    assertArrayEquals(lq, read(dir.resolve("lq.npy")).float32Data(), at);

                    final List<String> common = new ArrayList<>(List.of("backward", "--grad", gzF.toString(), "--mu",
                            muF.toString(), "--sigma", rhoF.toString(), "--param", p.cliName(), "--backend", backend,
                            "--quiet", "--grad-kl", gklF.toString(), "--grad-log-prob", glqF.toString()));
                    if (c.samples() != null) {
                        common.addAll(List.of("--samples", c.samples().toString()));
                    }
                    // RECOMPUTE (eps regenerated from the address) and STORE (eps read from forward's file).
                    final List<String> recompute = new ArrayList<>(common);
                    recompute.addAll(List.of("--seed", Long.toString(seed), "--stream", "3", "--offset",
                            Long.toString(offset), "--grad-mu-out", dir.resolve("gm-r.npy").toString(),
                            "--grad-sigma-out", dir.resolve("gs-r.npy").toString()));
                    final List<String> store = new ArrayList<>(common);
                    store.addAll(List.of("--eps", dir.resolve("eps.npy").toString(), "--grad-mu-out",
                            dir.resolve("gm-s.npy").toString(), "--grad-sigma-out", dir.resolve("gs-s.npy").toString()));
                    ok(recompute.toArray(String[]::new));
                    ok(store.toArray(String[]::new));
                    for (String mode : List.of("r", "s")) {
                        final NpyArray gm = read(dir.resolve("gm-" + mode + ".npy"));
                        final NpyArray gs = read(dir.resolve("gs-" + mode + ".npy"));
                        assertArrayEquals(c.paramShape(), gm.shape(), at);
                        assertArrayEquals(gMu, gm.float32Data(), at + " mode " + mode);
                        assertArrayEquals(gRho, gs.float32Data(), at + " mode " + mode);
                    }
                }
            }
        }
    }

    /** Fails with one line containing {@code phrase} and the given exit code, writing nothing. */
    private void rejects(int code, String phrase, String... args) throws IOException {
        CliOutputTest.rejects(dir, code, phrase, args);
    }

    @Test
    void badExtrasAreOneLineErrorsBeforeAnyOutput() throws IOException {
        final Path mu = write("mu.npy", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6});
        final Path sig = write("sig.npy", new long[] {2, 3}, new float[] {1, 1, 1, 2, 2, 2});
        final Path gz = write("gz.npy", new long[] {2, 2, 3}, new float[12]);
        final Path gklWrong = write("gkl3.npy", new long[] {3}, new float[3]);
        final Path glqNan = write("glqnan.npy", new long[] {2, 2}, new float[] {0, Float.NaN, 0, 0});
        final Path epsShort = write("eps6.npy", new long[] {2, 3}, new float[6]);
        final String z = dir.resolve("z.npy").toString();
        rejects(2, "forward: --out and --kl-out name the same file", "forward", "--mu", mu.toString(), "--sigma",
                sig.toString(), "--seed", "1", "--backend", "cpu", "--out", z, "--kl-out", dir + "/./z.npy");
        rejects(2, "forward: --kl-out and --log-prob-out name the same file", "forward", "--mu", mu.toString(), "--sigma",
                sig.toString(), "--seed", "1", "--backend", "cpu", "--out", z, "--kl-out", dir.resolve("a.npy").toString(),
                "--log-prob-out", dir.resolve("a.npy").toString());
        // Shape options: usage errors (exit 2) before any backend, also where a wrong value would otherwise
        // reach the backend (--rows with (B, D) parameters) or wrap to a valid count (2^32 + 1 samples).
        rejects(2, "forward: --rows applies to (D,) parameters only; --mu has shape (2, 3)", "forward", "--mu",
                mu.toString(), "--sigma", sig.toString(), "--seed", "1", "--backend", "cpu", "--rows", "2", "--out", z);
        rejects(2, "forward: --samples must be in [1, 2147483639], got 4294967297", "forward", "--mu", mu.toString(),
                "--sigma", sig.toString(), "--seed", "1", "--backend", "cpu", "--samples", "4294967297", "--out", z);
        rejects(2, "forward: offset 18446744073709551612 + n 6 runs past the end of the stream (2^64 elements)", "forward",
                "--mu", mu.toString(), "--sigma", sig.toString(), "--seed", "1", "--backend", "cpu", "--offset", "-4",
                "--out", z);
        // Empty parameter arrays (no rows, or D = 0) are usage errors, not an empty z.
        for (long[] shape : new long[][] {{0, 3}, {2, 0}, {0}}) {
            final Path e = write("empty" + shape.length + shape[0] + ".npy", shape, new float[0]);
            final String sh = shape.length == 1 ? "(0,)" : "(" + shape[0] + ", " + shape[1] + ")";
            rejects(2, "forward: --mu " + e + " is empty (shape " + sh + ")", "forward", "--mu", e.toString(), "--sigma",
                    e.toString(), "--seed", "1", "--backend", "cpu", "--out", z);
        }
        final Path muD = write("mud.npy", new long[] {3}, new float[] {1, 2, 3});
        final Path sigD = write("sigd.npy", new long[] {3}, new float[] {1, 1, 1});
        rejects(2, "forward: --rows must be in [1, 2147483639], got 0x100000002", "forward", "--mu", muD.toString(),
                "--sigma", sigD.toString(), "--seed", "1", "--backend", "cpu", "--rows", "0x100000002", "--out", z);
        final String[] back = {"backward", "--grad", gz.toString(), "--mu", mu.toString(), "--sigma", sig.toString(),
            "--samples", "2", "--backend", "cpu", "--grad-mu-out", dir.resolve("gm.npy").toString(), "--grad-sigma-out",
            dir.resolve("gs.npy").toString()};
        rejects(2, "backward: --grad-kl has shape (3,); one value per parameter row needs (2,)",
                concat(back, "--seed", "1", "--grad-kl", gklWrong.toString()));
        rejects(2, "backward: --grad-log-prob element 1 is NaN (must be finite)",
                concat(back, "--seed", "1", "--grad-log-prob", glqNan.toString()));
        rejects(2, "backward: --eps has shape (2, 3); the shape of --grad needs (2, 2, 3)",
                concat(back, "--eps", epsShort.toString()));
        rejects(2, "backward: --seed addresses regenerated noise; with --eps the pass reads eps instead",
                concat(back, "--seed", "1", "--eps", epsShort.toString()));
        rejects(2, "backward: --offset addresses regenerated noise", concat(back, "--offset", "4", "--eps", epsShort.toString()));
        rejects(2, "backward: --seed is required", back);
        // log-sigma rho = 46: sigma^2 overflows, so the KL gradient's factor does; without --grad-kl it passes.
        final Path rhoBig = write("rhobig.npy", new long[] {2, 3}, new float[] {0, 0, 0, 0, 46, 0});
        final Path gkl = write("gkl.npy", new long[] {2}, new float[2]);
        final String[] logSigma = back.clone();
        logSigma[6] = rhoBig.toString();
        rejects(2, "backward: --sigma " + rhoBig + ": rho[4] (b = 1, d = 1) = 46.0 gives sigma * dsigma/drho - d log sigma/drho = Infinity, "
                + "which the KL gradient multiplies (parameterization log-sigma)",
                concat(logSigma, "--param", "log-sigma", "--seed", "1", "--grad-kl", gkl.toString()));
        assertEquals(0, CliNoiseTest.run(concat(logSigma, "--param", "log-sigma", "--seed", "1")).code());
    }

    private static String[] concat(String[] a, String... b) {
        final String[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
