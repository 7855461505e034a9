package org.reparamcl.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.reparamcl.Backend;
import org.reparamcl.Backends;
import org.reparamcl.ReparamSpec;
import org.reparamcl.npy.NpyArray;

/** {@code reparam forward}: z = mu + sigma(rho) * eps on the chosen backend. */
final class ForwardCommand {
    private ForwardCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        final Args a = Args.parse("forward", args, Set.of("mu", "sigma", "param", "samples", "rows", "seed", "stream",
                "offset", "backend", "device", "out", "eps-out", "kl-out", "log-prob-out"), Set.of("help", "quiet"));
        if (a.flag("help")) {
            out.println("usage: reparam forward --mu mu.npy --sigma sigma.npy [--param sigma|log-sigma|log-var|softplus]");
            out.println("         [--samples K] [--rows B] --seed S [--stream T] [--offset O] [--backend auto|cpu|opencl]");
            out.println("         [--device SELECTOR] --out z.npy [--eps-out eps.npy] [--kl-out kl.npy] [--log-prob-out lq.npy]");
            out.println("         [--quiet]");
            out.println("  mu, sigma: float32 (B, D) or (D,); with --param other than sigma the --sigma file holds rho.");
            out.println("  z is (K, B, D) with --samples ((K, D) for (D,) parameters without --rows), else the shape of mu;");
            out.println("  --rows B broadcasts (D,) parameters over B rows.");
            out.println("  S, T, O: 64-bit integers, decimal 0 .. 2^64-1 or 0x hex; a negative decimal is its two's complement.");
            out.println("  defaults: --param sigma (the --sigma file holds sigma > 0), --stream 0, --offset 0, --backend auto,");
            out.println("  --device auto; no --samples: K = 1 and no K axis.");
            out.println("  --kl-out: KL(N(mu, sigma^2) || N(0, 1)) per parameter row, (B,) or (1,) for (D,) parameters;");
            out.println("  --log-prob-out: log q(z) per drawn row, the shape of z without its last axis ((1,) for a 1-D z).");
            out.println("  Both are float32 sums over D in the fixed blocked order of docs/REPARAM.md.");
            return 0;
        }
        final List<String> outputOptions = new ArrayList<>();
        final List<Path> outputPaths = new ArrayList<>();
        for (String o : List.of("out", "eps-out", "kl-out", "log-prob-out")) {      // --out is required
            if (o.equals("out") || a.has(o)) {
                outputOptions.add(o);
                outputPaths.add(a.outputPath(o));
            }
        }
        ReparamInputs.requireDistinct("forward", outputOptions, outputPaths);
        final ReparamInputs in = ReparamInputs.read("forward", a);
        final boolean broadcast = a.has("rows");
        if (broadcast && in.paramShape.length != 1) {
            throw new CliException("forward: --rows applies to (D,) parameters only; --mu has shape "
                    + ReparamInputs.shape(in.paramShape));
        }
        final long rows = broadcast ? a.intValue("rows", 1, 1, Integer.MAX_VALUE - 8) : in.paramRows();
        final ReparamSpec spec = in.spec(rows, broadcast);
        final float[] z = new float[(int) spec.elements()];                 // before any device work: fails fast
        final float[] eps = a.has("eps-out") ? new float[z.length] : null;
        final float[] kl = a.has("kl-out") ? new float[(int) spec.paramRows()] : null;
        final float[] logProb = a.has("log-prob-out") ? new float[(int) spec.sampleRows()] : null;
        in.requireValidParameters(spec);               // as the backends do, but before one starts (no OpenCL set-up, warnings)
        final Backends.Choice choice = Backends.choose(a.backend(), a.device());
        try (Backend b = choice.backend()) {
            b.reparamForward(spec, in.mu, in.rho, z, eps, kl, logProb);
            final long[] shape = in.zShape(rows, broadcast);
            final List<NpyArray> arrays = new ArrayList<>(List.of(NpyArray.ofFloat32(shape, z)));
            if (eps != null) {
                arrays.add(NpyArray.ofFloat32(shape, eps));
            }
            if (kl != null) {
                arrays.add(NpyArray.ofFloat32(in.klShape(), kl));
            }
            if (logProb != null) {
                arrays.add(NpyArray.ofFloat32(in.logProbShape(rows, broadcast), logProb));
            }
            OutputFiles.write(a, outputOptions, outputPaths, arrays);            // in the order of outputPaths: z, eps, kl, log q
        }
        if (!a.flag("quiet")) {                                                 // after success: a failure prints one line
            err.println("reparam: " + Main.oneLine(choice.reason()));
        }
        return 0;
    }
}
