package org.reparamcl.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import org.reparamcl.Backend;
import org.reparamcl.Backends;
import org.reparamcl.NoiseMode;
import org.reparamcl.ReparamSpec;
import org.reparamcl.npy.NpyArray;

/**
 * {@code reparam backward}: dL/dmu and dL/drho from dL/dz (and, optionally, dL/dKL per parameter
 * row and dL/dlog q per drawn row), regenerating eps from (seed, stream, offset) (RECOMPUTE: no eps
 * file is needed) or reading the eps that {@code forward --eps-out} wrote (STORE).
 */
final class BackwardCommand {
    private BackwardCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        final Args a = Args.parse("backward", args, Set.of("grad", "mu", "sigma", "param", "samples", "seed", "stream",
                "offset", "backend", "device", "grad-mu-out", "grad-sigma-out", "eps", "grad-kl", "grad-log-prob"),
                Set.of("help", "quiet"));
        if (a.flag("help")) {
            out.println("usage: reparam backward --grad grad_z.npy --mu mu.npy --sigma sigma.npy [--param P] [--samples K]");
            out.println("         --seed S [--stream T] [--offset O] [--backend auto|cpu|opencl] [--device SELECTOR]");
            out.println("         --grad-mu-out dmu.npy --grad-sigma-out dsigma.npy [--grad-kl gkl.npy] [--grad-log-prob glq.npy]");
            out.println("         [--eps eps.npy] [--quiet]");
            out.println("  grad has the shape forward gives z; with (D,) parameters a (K, B, D) or (B, D) grad broadcasts them.");
            out.println("  --grad-sigma-out receives dL/drho for the chosen --param; the sums over K (and B) run in a fixed order.");
            out.println("  S, T, O: 64-bit integers, decimal 0 .. 2^64-1 or 0x hex; a negative decimal is its two's complement.");
            out.println("  defaults: --param sigma (the --sigma file holds sigma > 0), --stream 0, --offset 0, --backend auto,");
            out.println("  --device auto; no --samples: K = 1 and grad has no K axis.");
            out.println("  --grad-kl: dL/dKL in forward --kl-out's shape; --grad-log-prob: dL/dlog q in --log-prob-out's shape.");
            out.println("  --eps: the eps forward --eps-out wrote (STORE), read instead of regenerated; then no --seed,");
            out.println("  --stream or --offset. The gradients are the same bits either way.");
            return 0;
        }
        final Path muOut = a.outputPath("grad-mu-out");
        final Path rhoOut = a.outputPath("grad-sigma-out");
        ReparamInputs.requireDistinct("backward", List.of("grad-mu-out", "grad-sigma-out"), List.of(muOut, rhoOut));
        final boolean store = a.has("eps");
        final ReparamInputs in = ReparamInputs.read("backward", a, !store);
        final NpyArray grad = ReparamInputs.float32("backward", "grad", a.inputPath("grad"));
        final long[] g = grad.shape();
        boolean broadcast = false;
        long rows = in.paramRows();
        if (!Arrays.equals(g, in.zShape(rows, false))) {
            // (D,) parameters with a gradient that has a row axis: broadcast over its rows.
            final int rowAxis = in.samplesGiven ? 1 : 0;
            if (in.paramShape.length == 1 && g.length == rowAxis + 2) {
                broadcast = true;
                rows = g[rowAxis];
            }
            if (!broadcast || !Arrays.equals(g, in.zShape(rows, true))) {
                throw new CliException("backward: --grad has shape " + ReparamInputs.shape(g) + " but mu "
                        + ReparamInputs.shape(in.paramShape) + (in.samplesGiven ? " with --samples " + in.samples : "")
                        + " gives z of shape " + ReparamInputs.shape(in.zShape(in.paramRows(), false)));
            }
        }
        final ReparamSpec spec = in.spec(rows, broadcast, store ? NoiseMode.STORE : NoiseMode.RECOMPUTE);
        final float[] gradZ = grad.float32Data();
        for (int i = 0; i < gradZ.length; i++) {
            if (!Float.isFinite(gradZ[i])) {
                throw new CliException("backward: --grad element " + i + " is " + gradZ[i] + " (must be finite)");
            }
        }
        final float[] eps = store ? ReparamInputs.finiteInput("backward", "eps", a.inputPath("eps"), g, "the shape of --grad") : null;
        final float[] gradKl = a.has("grad-kl")
                ? ReparamInputs.finiteInput("backward", "grad-kl", a.inputPath("grad-kl"), in.klShape(), "one value per parameter row")
                : null;
        final float[] gradLogProb = a.has("grad-log-prob")
                ? ReparamInputs.finiteInput("backward", "grad-log-prob", a.inputPath("grad-log-prob"),
                        in.logProbShape(rows, broadcast), "one value per drawn row")
                : null;
        final float[] gMu = new float[in.mu.length];
        final float[] gRho = new float[in.rho.length];
        in.requireValidParameters(spec, gradKl != null, gradLogProb != null);   // as the backends do, but before one starts (no OpenCL set-up, warnings)
        final Backends.Choice choice = Backends.choose(a.backend(), a.device());
        try (Backend b = choice.backend()) {
            b.reparamBackward(spec, in.mu, in.rho, eps, gradZ, gradKl, gradLogProb, gMu, gRho, false);
            OutputFiles.write(a, List.of("grad-mu-out", "grad-sigma-out"), List.of(muOut, rhoOut),
                    List.of(NpyArray.ofFloat32(in.paramShape, gMu), NpyArray.ofFloat32(in.paramShape, gRho)));
        }
        if (!a.flag("quiet")) {                                                 // after success: a failure prints one line
            err.println("reparam: " + Main.oneLine(choice.reason()));
        }
        return 0;
    }
}
