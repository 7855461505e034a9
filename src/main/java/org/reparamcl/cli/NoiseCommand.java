package org.reparamcl.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Set;

import org.reparamcl.Backend;
import org.reparamcl.Backends;
import org.reparamcl.npy.NpyArray;

/** {@code reparam noise}: eps of the stream on the chosen backend, as float32 .npy. */
final class NoiseCommand {
    private NoiseCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        final Args a = Args.parse("noise", args, Set.of("seed", "stream", "offset", "n", "out", "backend", "device"),
                Set.of("help", "quiet"));
        if (a.flag("help")) {
            out.println("usage: reparam noise --seed S [--stream T] [--offset O] --n N [--backend auto|cpu|opencl]");
            out.println("                     [--device SELECTOR] --out eps.npy [--quiet]");
            out.println("  S, T, O: 64-bit integers, decimal 0 .. 2^64-1 or 0x hex; a negative decimal is its two's complement.");
            out.println("  defaults: --stream 0, --offset 0, --backend auto, --device auto.");
            return 0;
        }
        final NoiseOptions o = NoiseOptions.of(a);
        final java.nio.file.Path outPath = a.outputPath("out");
        final float[] eps = new float[o.n()];                         // before any device work: fails fast
        final Backends.Choice choice = Backends.choose(a.backend(), a.device());
        try (Backend b = choice.backend()) {
            b.fillNormal(o.seed(), o.stream(), o.offset(), eps, 0, o.n());
            OutputFiles.write(a, java.util.List.of("out"), java.util.List.of(outPath),
                    java.util.List.of(NpyArray.ofFloat32(new long[] {o.n()}, eps)));
        }
        if (!a.flag("quiet")) {                                         // after success, so a failure prints one line
            err.println("reparam: " + Main.oneLine(choice.reason()));
        }
        return 0;
    }
}
