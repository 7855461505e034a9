package org.reparamcl.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Set;

import org.reparamcl.npy.Npy;
import org.reparamcl.npy.NpyArray;
import org.reparamcl.rng.NoiseStream;

/** {@code reparam bits}: raw words of the stream (always computed by the CPU reference). */
final class BitsCommand {
    private BitsCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        final Args a = Args.parse("bits", args, Set.of("seed", "stream", "offset", "n", "out"), Set.of("help", "quiet"));
        if (a.flag("help")) {
            out.println("usage: reparam bits --seed S [--stream T] [--offset O] --n N --out FILE|- [--quiet]");
            out.println("  S, T, O: 64-bit integers, decimal 0 .. 2^64-1 or 0x hex; a negative decimal is its two's complement.");
            out.println("  uint32 .npy of words O .. O+N-1 of (S, T); '-' writes raw little-endian uint32 to stdout");
            out.println("  bits uses no backend and prints nothing on success; --quiet is accepted as for the other commands.");
            return 0;
        }
        final NoiseOptions o = NoiseOptions.of(a);
        final String dest = a.required("out");
        final java.nio.file.Path outPath = dest.equals("-") ? null : a.outputPath("out");
        final int[] words = new int[o.n()];
        NoiseStream.fillBits(o.seed(), o.stream(), o.offset(), words, 0, o.n());
        if (dest.equals("-")) {
            final OutputStream s = new BufferedOutputStream(out, 1 << 16);
            Npy.writeRaw(s, words);
            s.flush();
            if (out.checkError()) {                                     // a PrintStream swallows its IOExceptions
                throw new IOException("bits: cannot write to standard output");
            }
        } else {
            OutputFiles.write(a, java.util.List.of("out"), java.util.List.of(outPath),
                    java.util.List.of(NpyArray.ofUint32(new long[] {o.n()}, words)));
        }
        return 0;
    }
}
