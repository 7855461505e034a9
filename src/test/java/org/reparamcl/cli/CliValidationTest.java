package org.reparamcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each kind of bad command line gives one stderr line naming the problem (the option and the
 * value as typed), a non-zero exit code, nothing on stdout and no file.
 */
class CliValidationTest {
    @TempDir
    Path dir;

    private void rejects(int code, String phrase, String... args) throws IOException {
        final ByteArrayOutputStream o = new ByteArrayOutputStream();
        final ByteArrayOutputStream e = new ByteArrayOutputStream();
        final int got = Main.run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        final String err = e.toString(StandardCharsets.UTF_8);
        final String where = String.join(" ", args).replace("\u0000", "\\0") + "\n" + err;
        assertEquals(code, got, where);
        assertTrue(err.startsWith("reparam: error: ") && err.lines().count() == 1, where);
        assertTrue(err.contains(phrase), "'" + phrase + "' missing from: " + where);
        assertEquals(0, o.size(), where);
        try (Stream<Path> s = Files.list(dir)) {
            final List<Path> left = new ArrayList<>(s.filter(p -> !p.getFileName().toString().equals("plain")).toList());
            assertTrue(left.isEmpty(), "files left: " + left + " by " + where);
        }
    }

    /**
     * Two outputs where the second cannot be written (a name too long for the file system, which
     * only the write finds): neither is left, and an existing first output keeps its bytes.
     */
    @Test
    void aFailedSecondOutputLeavesTheFirstUntouched() throws IOException {
        final Path mu = dir.resolve("mu.npy");
        final Path sig = dir.resolve("sig.npy");
        org.reparamcl.npy.Npy.write(mu, org.reparamcl.npy.NpyArray.ofFloat32(new long[] {2, 3}, new float[6]));
        org.reparamcl.npy.Npy.write(sig, org.reparamcl.npy.NpyArray.ofFloat32(new long[] {2, 3}, new float[] {1, 1, 1, 1, 1, 1}));
        final Path existing = dir.resolve("existing.npy");
        Files.writeString(existing, "old contents");
        final String tooLong = dir + "/" + "e".repeat(300) + ".npy";
        final String[][] calls = {
            {"forward", "--mu", mu.toString(), "--sigma", sig.toString(), "--seed", "1", "--backend", "cpu",
                "--out", existing.toString(), "--eps-out", tooLong},
            {"backward", "--grad", mu.toString(), "--mu", mu.toString(), "--sigma", sig.toString(), "--seed", "1",
                "--backend", "cpu", "--grad-mu-out", existing.toString(), "--grad-sigma-out", tooLong},
        };
        for (String[] c : calls) {
            final ByteArrayOutputStream e = new ByteArrayOutputStream();
            final int code = Main.run(c, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                    new PrintStream(e, true, StandardCharsets.UTF_8));
            final String err = e.toString(StandardCharsets.UTF_8);
            assertEquals(1, code, err);
            assertTrue(err.startsWith("reparam: error: ") && err.lines().count() == 1 && err.contains("File name too long"), err);
            assertTrue(Files.exists(existing), c[0] + " removed the existing output");
            assertEquals("old contents", Files.readString(existing), c[0] + " changed the existing output");
            try (Stream<Path> s = Files.list(dir)) {
                assertEquals(List.of("existing.npy", "mu.npy", "sig.npy"),
                        s.map(p -> p.getFileName().toString()).sorted().toList(), c[0] + " left files");
            }
        }
    }

    /** A negative number is a value, not an option: --seed -1 is the seed 2^64 - 1. */
    @Test
    void aNegativeValueIsNotAnOption() throws IOException {
        final Path x = dir.resolve("x.npy");
        final ByteArrayOutputStream e = new ByteArrayOutputStream();
        final int code = Main.run(new String[] {"bits", "--seed", "-1", "--offset", "-0", "--n", "2", "--out", x.toString()},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        assertEquals(0, code, e.toString(StandardCharsets.UTF_8));
        final int[] want = new int[2];
        org.reparamcl.rng.NoiseStream.fillBits(-1L, 0, 0, want, 0, 2);
        org.junit.jupiter.api.Assertions.assertArrayEquals(want, org.reparamcl.npy.Npy.read(x).uint32Data());
    }

    /**
     * A name the JVM cannot hand to the file system as typed is named with its command and option.
     * Under a non-UTF-8 locale (LC_ALL=C: sun.jnu.encoding ANSI_X3.4-1968) every non-ASCII name
     * fails this way; the bare InvalidPathException said only "Malformed input or input contains
     * unmappable characters: z??.npy". A U+FFFD is what the JVM makes of argument bytes that are not
     * valid in that encoding (byte 0xff under UTF-8): Path.of takes it, and the output went to
     * another file (z\uFFFD.npy, bytes EF BF BD) than the one named, with exit 0.
     */
    @Test
    void aNameTheJvmCannotPassOnIsAnErrorNamingTheOption() throws IOException {
        final String sig = dir.resolve("sig.npy").toString();           // not read: the --mu name fails first
        final String enc = System.getProperty("sun.jnu.encoding");
        rejects(1, "noise: --out " + dir + "/a\\u0000.npy: Nul character not allowed",
                "noise", "--seed", "1", "--n", "2", "--backend", "cpu", "--out", dir + "/a\u0000.npy");
        // (a lone surrogate: the UTF-8 stderr shows it as ?)
        rejects(1, "noise: --out " + dir + "/b?.npy: the name cannot be encoded in the file name encoding " + enc,
                "noise", "--seed", "1", "--n", "2", "--backend", "cpu", "--out", dir + "/b\uD800.npy");
        rejects(1, "noise: --out " + dir + "/z\uFFFD.npy: the name holds bytes that are not valid " + enc,
                "noise", "--seed", "1", "--n", "2", "--backend", "cpu", "--out", dir + "/z\uFFFD.npy");
        rejects(1, "forward: --mu " + dir + "/m\uFFFD.npy: the name holds bytes that are not valid " + enc,
                "forward", "--mu", dir + "/m\uFFFD.npy", "--sigma", sig, "--seed", "1", "--backend", "cpu",
                "--out", dir.resolve("z.npy").toString());
        rejects(1, "demo: --out-dir " + dir + "/d\uFFFD: the name holds bytes that are not valid " + enc,
                "demo", "--steps", "1", "--backend", "cpu", "--out-dir", dir + "/d\uFFFD");
    }

    @Test
    void eachProblemIsNamed() throws IOException {
        final String out = dir.resolve("x.npy").toString();
        Files.writeString(dir.resolve("plain"), "a file");
        rejects(2, "bits: --seed expects an integer, got '0x-5'", "bits", "--seed", "0x-5", "--n", "3", "--out", out);
        rejects(2, "bits: --seed expects an integer, got ''", "bits", "--seed=", "--n", "3", "--out", out);
        // Only ASCII digits: BigInteger and Long would read U+0663 (ARABIC-INDIC DIGIT THREE) as 3.
        rejects(2, "bits: --seed expects an integer, got '\u0663'", "bits", "--seed", "\u0663", "--n", "3", "--out", out);
        rejects(2, "noise: --n expects an integer, got '\uff11\uff12'", "noise", "--seed", "1", "--n", "\uff11\uff12", "--out", out);
        rejects(2, "noise: --offset expects an integer, got '1\u0660'", "noise", "--seed", "1", "--offset", "1\u0660", "--n", "3",
                "--out", out);
        rejects(2, "bits: --stream expects an integer, got '0x\uff11'", "bits", "--seed", "1", "--stream", "0x\uff11", "--n", "3",
                "--out", out);
        rejects(2, "bits: --seed 18446744073709551616 does not fit in 64 bits",
                "bits", "--seed", "18446744073709551616", "--n", "3", "--out", out);
        rejects(2, "noise: --n must be in [0, 2147483639], got -3", "noise", "--seed", "1", "--n", "-3", "--out", out);
        rejects(2, "noise: --n must be in [0, 2147483639], got 2147483640", "noise", "--seed", "1", "--n", "2147483640", "--out", out);
        rejects(2, "noise: offset 18446744073709551615 + n 2 runs past the end of the stream (2^64 elements)",
                "noise", "--seed", "1", "--offset", "0xffffffffffffffff", "--n", "2", "--out", out);
        rejects(2, "bits: offset 18446744073709551615 + n 2 runs past the end of the stream (2^64 elements)",
                "bits", "--seed", "1", "--offset", "-1", "--n", "2", "--out", out);
        rejects(2, "noise: --seed is required", "noise", "--n", "2", "--out", out);
        // Counts are range-checked as 64-bit values: 2^32 + 2 must not wrap to 2.
        rejects(2, "bits: --n must be in [0, 2147483639], got 4294967298", "bits", "--seed", "1", "--n", "4294967298", "--out", out);
        rejects(2, "noise: --n must be in [0, 2147483639], got 0x100000002", "noise", "--seed", "1", "--n", "0x100000002", "--out", out);
        rejects(2, "bits: --out is required", "bits", "--seed", "1", "--n", "2");
        rejects(2, "noise: --seed given twice", "noise", "--seed", "1", "--seed=2", "--n", "2", "--out", out);
        rejects(2, "noise: --n needs a value", "noise", "--seed", "1", "--out", out, "--n");
        // A value that is one of the command's option names is a forgotten value, not a file named --quiet.
        rejects(2, "bits: --out needs a value, got the option --quiet", "bits", "--seed", "1", "--out", "--quiet");   // no --n: the old parser wrote ./--quiet
        rejects(2, "forward: --out needs a value, got the option --quiet", "forward", "--mu", out, "--sigma", out,
                "--seed", "1", "--out", "--quiet");
        rejects(2, "noise: --seed needs a value, got the option --n", "noise", "--seed", "--n", "2", "--out", out);
        rejects(2, "noise: --n needs a value, got the option --help", "noise", "--seed", "1", "--n", "--help", "--out", out);
        rejects(2, "noise: unknown option --bogus", "noise", "--seed", "1", "--bogus", "--n", "2", "--out", out);
        rejects(2, "bits: unknown option --backend", "bits", "--seed", "1", "--n", "2", "--out", out, "--backend", "cpu");
        rejects(2, "noise: --help takes no value", "noise", "--help=yes");
        rejects(2, "bits: unexpected argument 'extra'", "bits", "--seed", "1", "extra");
        rejects(2, "unknown command 'frobnicate'", "frobnicate");
        rejects(2, "unknown command 'bits\\u001b[31m'", "bits\u001b[31m");
        rejects(2, "noise: --out " + dir + " is a directory", "noise", "--seed", "1", "--n", "2", "--out", dir.toString());
        rejects(2, "does not exist", "noise", "--seed", "1", "--n", "2", "--out", dir.resolve("no/such/x.npy").toString());
        rejects(2, "noise: --out " + dir.resolve("plain/x.npy") + ": " + dir.resolve("plain") + " is not a directory",
                "noise", "--seed", "1", "--n", "2", "--out", dir.resolve("plain/x.npy").toString());
        // A relative path's directory is named as typed, not made absolute (RELIABILITY.md).
        final String missing = "no-such-dir-" + Long.toHexString(System.nanoTime());
        rejects(2, "noise: --out " + missing + "/x.npy: directory " + missing + " does not exist",
                "noise", "--seed", "1", "--n", "2", "--out", missing + "/x.npy");
        rejects(2, "noise: --out is empty", "noise", "--seed", "1", "--n", "2", "--out", "");
        rejects(2, "noise: --out / names a directory", "noise", "--seed", "1", "--n", "2", "--out", "/");
        rejects(2, "noise: --out -: standard output ('-') is only for `reparam bits`", "noise", "--seed", "1", "--n", "2",
                "--out", "-");
        assertTrue(Files.notExists(Path.of("-")), "a file named - was written");
        rejects(2, "demo: --out-dir is empty", "demo", "--steps", "1", "--out-dir", "");
        rejects(1, "Nul character not allowed", "noise", "--seed", "1", "--n", "2", "--backend", "cpu", "--out", dir + "/a\u0000.npy");
        for (String[] cmd : new String[][] {{"noise", "--seed", "1", "--n", "2", "--out", out},
                                            {"demo", "--steps", "1", "--out-dir", dir.resolve("d").toString()}}) {
            final List<String> a = new ArrayList<>(List.of(cmd));
            a.addAll(List.of("--backend", "CPU", "--device", "0:0"));
            rejects(2, cmd[0] + ": --device 0:0 selects an OpenCL device, but --backend cpu asks for the CPU reference",
                    a.toArray(String[]::new));
        }
        rejects(2, "unknown backend 'gpu' (expected auto, cpu or opencl)", "noise", "--seed", "1", "--n", "2", "--backend", "gpu", "--out", out);
        rejects(1, "File name too long", "bits", "--seed", "1", "--n", "2", "--out", dir + "/" + "a".repeat(300) + ".npy");
        final long tooMany = Runtime.getRuntime().maxMemory() / 4 + 1;
        if (tooMany <= Integer.MAX_VALUE - 8) {
            rejects(1, "out of Java heap memory", "bits", "--seed", "1", "--n", Long.toString(tooMany), "--out", out);
            rejects(1, "out of Java heap memory", "noise", "--seed", "1", "--n", Long.toString(tooMany), "--backend", "cpu", "--out", out);
        }
        if (org.reparamcl.opencl.ClDevices.unavailableReason() == null) {
            rejects(1, "OpenCL was requested but is not usable: no OpenCL device matches '99999999999'",
                    "noise", "--seed", "1", "--n", "2", "--backend", "opencl", "--device", "99999999999", "--out", out);
        }
    }
}
