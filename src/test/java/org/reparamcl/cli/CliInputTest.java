package org.reparamcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reparamcl.TestFiles;
import org.reparamcl.npy.Npy;
import org.reparamcl.npy.NpyArray;
import org.reparamcl.opencl.ClDevices;

/** Bad inputs to {@code forward} and {@code backward} end with one stderr line naming the problem and leave no file. */
class CliInputTest {
    @TempDir
    Path dir;

    private Path mu;
    private Path sig;
    private Path out;

    @BeforeEach
    void inputs() throws IOException {
        mu = dir.resolve("mu.npy");
        sig = dir.resolve("sig.npy");
        out = dir.resolve("out.npy");
        Npy.write(mu, NpyArray.ofFloat32(new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}));
        Npy.write(sig, NpyArray.ofFloat32(new long[] {2, 3}, new float[] {1, 1, 1, 2, 2, 2}));
    }

    private List<String> listing() throws IOException {
        return TestFiles.listing(dir);
    }

    /** Fails with exactly one stderr line containing {@code phrase}, the given exit code, and no new file. */
    private void rejects(int code, String phrase, String... args) throws IOException {
        final List<String> before = listing();
        final CliNoiseTest.Result r = CliNoiseTest.run(args);
        final String where = String.join(" ", args) + "\n" + r.err();
        assertEquals(code, r.code(), where);
        assertTrue(r.err().startsWith("reparam: error: ") && r.err().lines().count() == 1, where);
        assertTrue(r.err().contains(phrase), "'" + phrase + "' missing from: " + where);
        assertEquals(before, listing(), where);
    }

    @Test
    void aDirectoryAsAnInputIsNamed() throws IOException {
        final Path d = Files.createDirectory(dir.resolve("somedir"));
        rejects(1, "forward: --mu " + d + ": is a directory", "forward", "--mu", d.toString(), "--sigma", sig.toString(), "--seed", "1",
                "--backend", "cpu", "--out", out.toString());
        rejects(1, "backward: --grad " + d + ": is a directory", "backward", "--grad", d.toString(), "--mu", mu.toString(), "--sigma", sig.toString(),
                "--seed", "1", "--backend", "cpu", "--grad-mu-out", out.toString(), "--grad-sigma-out", dir + "/o2.npy");
    }

    @Test
    void unreadableInputsNameTheCommandAndOption() throws IOException {
        final Path missing = dir.resolve("missing.npy");
        rejects(1, "forward: --mu " + missing + ": no such file or directory", "forward", "--mu", missing.toString(),
                "--sigma", sig.toString(), "--seed", "1", "--backend", "cpu", "--out", out.toString());
        rejects(1, "backward: --sigma " + missing + ": no such file or directory", "backward", "--grad", mu.toString(),
                "--mu", mu.toString(), "--sigma", missing.toString(), "--seed", "1", "--backend", "cpu",
                "--grad-mu-out", out.toString(), "--grad-sigma-out", dir + "/o2.npy");
        // A reader error (here big-endian data) keeps its reason, without the file name twice.
        final Path big = dir.resolve("big.npy");
        Files.write(big, CliReparamFuzzTest.npy("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }",
                CliReparamFuzzTest.floatBytes(6, java.nio.ByteOrder.BIG_ENDIAN)));
        rejects(1, "forward: --sigma " + big + ": dtype '>f4' has big-endian byte order", "forward", "--mu", mu.toString(),
                "--sigma", big.toString(), "--seed", "1", "--backend", "cpu", "--out", out.toString());
    }

    /**
     * A dtype the reader does not load at all (numpy's default int64, bool, float16) is a wrong
     * dtype, exit 2, as one it loads (int32) is: the message asks for float32.
     */
    @Test
    void dtypesTheReaderDoesNotLoadAreWrongDtypes() throws IOException {
        final Path i8 = dir.resolve("i8.npy");
        Files.write(i8, CliReparamFuzzTest.npy("{'descr': '<i8', 'fortran_order': False, 'shape': (2, 3), }", new byte[48]));
        rejects(2, "forward: --mu " + i8 + " has dtype '<i8'; expected float32 ('<f4')", "forward", "--mu", i8.toString(),
                "--sigma", sig.toString(), "--seed", "1", "--backend", "cpu", "--out", out.toString());
        final Path b1 = dir.resolve("b1.npy");
        Files.write(b1, CliReparamFuzzTest.npy("{'descr': '|b1', 'fortran_order': False, 'shape': (2, 3), }", new byte[6]));
        rejects(2, "backward: --grad " + b1 + " has dtype '|b1'; expected float32 ('<f4')", "backward", "--grad", b1.toString(),
                "--mu", mu.toString(), "--sigma", sig.toString(), "--seed", "1", "--backend", "cpu",
                "--grad-mu-out", out.toString(), "--grad-sigma-out", dir + "/o2.npy");
        // A structured dtype, as np.save writes np.zeros((3, 5), dtype=[('a', '<f4')]), was a "malformed header" (exit 1).
        final Path st = dir.resolve("st.npy");
        Files.write(st, CliReparamFuzzTest.npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3, 5), }",
                new byte[60]));
        rejects(2, "forward: --mu " + st + " has dtype '[('a', '<f4')]'; expected float32 ('<f4')", "forward", "--mu",
                st.toString(), "--sigma", sig.toString(), "--seed", "1", "--backend", "cpu", "--out", out.toString());
        final Path i4 = dir.resolve("i4.npy");
        Npy.write(i4, NpyArray.ofInt32(new long[] {2, 3}, new int[6]));
        rejects(2, "forward: --sigma " + i4 + " has dtype '<i4'; expected float32 ('<f4')", "forward", "--mu", mu.toString(),
                "--sigma", i4.toString(), "--seed", "1", "--backend", "cpu", "--out", out.toString());
    }

    @Test
    void badValuesFailBeforeAnyBackendIsChosen() throws IOException {
        final Path bad = dir.resolve("bad-sigma.npy");
        Npy.write(bad, NpyArray.ofFloat32(new long[] {2, 3}, new float[] {1, 1, 1, 2, -0.5f, 2}));
        final String why = "--sigma " + bad + ": rho[4] (b = 1, d = 1) = -0.5 is not > 0";
        // A device that does not exist: the values are checked first, so their message wins.
        rejects(2, why, "forward", "--mu", mu.toString(), "--sigma", bad.toString(), "--seed", "1",
                "--backend", "opencl", "--device", "99999999999", "--out", out.toString());
        rejects(2, why, "backward", "--grad", mu.toString(), "--mu", mu.toString(), "--sigma", bad.toString(), "--seed", "1",
                "--backend", "opencl", "--device", "99999999999", "--grad-mu-out", out.toString(),
                "--grad-sigma-out", dir + "/o2.npy");
        rejects(2, why, "forward", "--mu", mu.toString(), "--sigma", bad.toString(), "--seed", "1",
                "--backend", "nonsense", "--out", out.toString());
        final Path badMu = dir.resolve("bad-mu.npy");
        Npy.write(badMu, NpyArray.ofFloat32(new long[] {2, 3}, new float[] {0, 0, 0, 0, 0, Float.NaN}));
        rejects(2, "forward: --mu " + badMu + ": mu[5] (b = 1, d = 2) = NaN is not finite", "forward", "--mu",
                badMu.toString(), "--sigma", sig.toString(), "--seed", "1", "--backend", "cpu", "--out", out.toString());
        // With good values, an unknown backend name is a usage error too.
        rejects(2, "forward: --backend: unknown backend 'nonsense' (expected auto, cpu or opencl)", "forward", "--mu",
                mu.toString(), "--sigma", sig.toString(), "--seed", "1", "--backend", "nonsense", "--out", out.toString());
        if (ClDevices.unavailableReason() == null) {
            rejects(2, why, "forward", "--mu", mu.toString(), "--sigma", bad.toString(), "--seed", "1",
                    "--backend", "opencl", "--out", out.toString());
            rejects(2, why, "backward", "--grad", mu.toString(), "--mu", mu.toString(), "--sigma", bad.toString(),
                    "--seed", "1", "--backend", "auto", "--grad-mu-out", out.toString(), "--grad-sigma-out", dir + "/o2.npy");
        }
    }

    @Test
    void sizesPastTwoToTheSixtyThreeAreAUsageError() throws IOException {
        // K * B * D = 2147483639^2 * 4 overflows a long; it used to end as "long overflow", exit 1.
        Npy.write(dir.resolve("mu4.npy"), NpyArray.ofFloat32(new long[] {4}, new float[4]));
        Npy.write(dir.resolve("sig4.npy"), NpyArray.ofFloat32(new long[] {4}, new float[] {1, 1, 1, 1}));
        rejects(2, "forward: K * B * D = 18446743919090729284 elements is more than one .npy array of this tool holds",
                "forward", "--mu", dir + "/mu4.npy", "--sigma", dir + "/sig4.npy", "--rows", "2147483639",
                "--samples", "2147483639", "--seed", "1", "--backend", "cpu", "--out", out.toString());
    }
}
