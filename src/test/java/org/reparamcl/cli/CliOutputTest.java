package org.reparamcl.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.reparamcl.TestFiles;
import org.reparamcl.npy.Npy;
import org.reparamcl.npy.NpyArray;
import org.reparamcl.rng.NoiseStream;

/**
 * Where outputs go: two spellings of one file are rejected before any work, a symbolic link is
 * written through to its target, a FIFO is written in place, a dangling link is an error, names
 * up to the file system's limit work, and a failed write to stdout is an error.
 */
class CliOutputTest {
    @TempDir
    Path dir;

    private Path mu;
    private Path sig;

    @BeforeEach
    void inputs() throws IOException {
        mu = dir.resolve("mu.npy");
        sig = dir.resolve("sig.npy");
        Npy.write(mu, NpyArray.ofFloat32(new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}));
        Npy.write(sig, NpyArray.ofFloat32(new long[] {2, 3}, new float[] {1, 1, 1, 2, 2, 2}));
    }

    private List<String> listing() throws IOException {
        return TestFiles.listing(dir);
    }

    private String[] forward(String out, String epsOut) {
        return new String[] {"forward", "--mu", mu.toString(), "--sigma", sig.toString(), "--samples", "2", "--seed", "7",
            "--backend", "cpu", "--quiet", "--out", out, "--eps-out", epsOut};
    }

    private String[] backward(String muOut, String sigOut) {
        return new String[] {"backward", "--grad", mu.toString(), "--mu", mu.toString(), "--sigma", sig.toString(),
            "--seed", "7", "--backend", "cpu", "--quiet", "--grad-mu-out", muOut, "--grad-sigma-out", sigOut};
    }

    /** Fails with one line containing {@code phrase}, the given exit code, and the directory as it was. */
    private void rejects(int code, String phrase, String... args) throws IOException {
        rejects(dir, code, phrase, args);
    }

    /** The run fails with one line containing {@code phrase} and the given exit code, and leaves {@code dir} as it was. */
    static void rejects(Path dir, int code, String phrase, String... args) throws IOException {
        final List<String> before = TestFiles.listing(dir);
        final CliNoiseTest.Result r = CliNoiseTest.run(args);
        final String where = String.join(" ", args) + "\n" + r.err();
        assertEquals(code, r.code(), where);
        assertTrue(r.err().startsWith("reparam: error: ") && r.err().lines().count() == 1, where);
        assertTrue(r.err().contains(phrase), "'" + phrase + "' missing from: " + where);
        assertEquals(before, TestFiles.listing(dir), where);
    }

    @Test
    void twoSpellingsOfOneOutputAreRejectedBeforeAnyWork() throws IOException {
        final Path z = dir.resolve("z.npy");
        Files.writeString(z, "old contents");
        final Path hard = Files.createLink(dir.resolve("hard.npy"), z);
        final Path link = Files.createSymbolicLink(dir.resolve("link.npy"), Path.of("z.npy"));
        Files.createDirectory(dir.resolve("sub"));
        for (String other : List.of(dir + "/./z.npy", dir + "/sub/../z.npy", hard.toString(), link.toString())) {
            rejects(2, "forward: --out and --eps-out name the same file", forward(z.toString(), other));
            rejects(2, "backward: --grad-mu-out and --grad-sigma-out name the same file", backward(z.toString(), other));
            assertEquals("old contents", Files.readString(z), other);
        }
        // Two spellings of a file that does not exist yet.
        final Path fresh = dir.resolve("fresh.npy");
        rejects(2, "forward: --out and --eps-out name the same file", forward(fresh.toString(), dir + "/./fresh.npy"));
        rejects(2, "backward: --grad-mu-out and --grad-sigma-out name the same file",
                backward(dir + "/sub/../fresh.npy", fresh.toString()));
    }

    @Test
    void aSymbolicLinkOutputWritesItsTarget() throws IOException {
        final Path real = dir.resolve("real.npy");
        final Path realEps = dir.resolve("real-eps.npy");
        Files.writeString(real, "old contents");
        final Path link = Files.createSymbolicLink(dir.resolve("link.npy"), Path.of("real.npy"));
        Files.writeString(realEps, "old eps");
        final Path epsLink = Files.createSymbolicLink(dir.resolve("eps-link.npy"), realEps);       // absolute target
        final CliNoiseTest.Result r = CliNoiseTest.run(forward(link.toString(), epsLink.toString()));
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isSymbolicLink(link) && Files.isSymbolicLink(epsLink), "a link was replaced");
        assertArrayEquals(new long[] {2, 2, 3}, Npy.read(real).shape());
        assertArrayEquals(new long[] {2, 2, 3}, Npy.read(realEps).shape());
        final Path bits = dir.resolve("bits.npy");
        Files.writeString(bits, "old");
        final Path bitsLink = Files.createSymbolicLink(dir.resolve("bits-link.npy"), bits);
        assertEquals(0, CliNoiseTest.run("bits", "--seed", "1", "--n", "5", "--out", bitsLink.toString()).code());
        assertTrue(Files.isSymbolicLink(bitsLink));
        assertArrayEquals(new long[] {5}, Npy.read(bits).shape());
        assertEquals(List.of("bits-link.npy", "bits.npy", "eps-link.npy", "link.npy", "mu.npy", "real-eps.npy", "real.npy",
                "sig.npy"), listing());
    }

    @Test
    @Timeout(60)                                  // a FIFO never opened blocks: fail, do not hang CI
    void aFifoOutputIsWrittenInPlace() throws Exception {
        final Path fifo = TestFiles.fifo(dir, "fifo");
        final CompletableFuture<byte[]> read = TestFiles.drain(fifo);
        final CliNoiseTest.Result r = CliNoiseTest.run("bits", "--seed", "1", "--n", "5", "--out", fifo.toString());
        assertEquals(0, r.code(), r.err());
        final int[] words = new int[5];
        NoiseStream.fillBits(1, 0, 0, words, 0, 5);
        final ByteArrayOutputStream want = new ByteArrayOutputStream();
        Npy.write(want, NpyArray.ofUint32(new long[] {5}, words));
        assertArrayEquals(want.toByteArray(), read.get(30, TimeUnit.SECONDS));
        assertTrue(Files.exists(fifo) && !Files.isRegularFile(fifo), "the FIFO was replaced by a file");
        assertEquals(List.of("fifo", "mu.npy", "sig.npy"), listing());
    }

    @Test
    void aDanglingSymbolicLinkIsAnError() throws IOException {
        final Path link = Files.createSymbolicLink(dir.resolve("link.npy"), Path.of("nowhere.npy"));
        rejects(2, "bits: --out " + link + " is a symbolic link to nowhere.npy, which does not exist",
                "bits", "--seed", "1", "--n", "5", "--out", link.toString());
        rejects(2, "forward: --eps-out " + link + " is a symbolic link to nowhere.npy, which does not exist",
                forward(dir.resolve("z.npy").toString(), link.toString()));
        assertTrue(Files.isSymbolicLink(link));
    }

    /**
     * A symbolic link that cannot be followed (a loop) fails before any work, as a dangling one
     * does: Files.notExists is false for it (the check cannot tell), so it used to pass.
     */
    @Test
    void aSymbolicLinkLoopIsAnError() throws IOException {
        final Path a = Files.createSymbolicLink(dir.resolve("a.npy"), Path.of("b.npy"));
        Files.createSymbolicLink(dir.resolve("b.npy"), Path.of("a.npy"));
        rejects(2, "bits: --out " + a + " is a symbolic link loop", "bits", "--seed", "1", "--n", "5", "--out", a.toString());
        rejects(2, "noise: --out " + a + " is a symbolic link loop", "noise", "--seed", "1", "--n", "5", "--backend", "cpu",
                "--out", a.toString());
        rejects(2, "forward: --eps-out " + a + " is a symbolic link loop", forward(dir.resolve("z.npy").toString(), a.toString()));
        rejects(2, "backward: --grad-mu-out " + a + " is a symbolic link loop",
                backward(a.toString(), dir.resolve("s.npy").toString()));
        assertTrue(Files.isSymbolicLink(a));
    }

    /**
     * Path.of drops a trailing slash, so `--out new/` wrote a regular file called new (and
     * `--out z.npy/` replaced z.npy): an output name ending in a slash, or . or .., names a
     * directory and is an error before any work.
     */
    @Test
    void anOutputEndingInASlashIsAnError() throws IOException {
        final Path z = dir.resolve("z.npy");
        Files.writeString(z, "old contents");
        for (String out : List.of(dir + "/new/", z + "/", dir + "/", dir + "/.", dir + "/new/..")) {
            rejects(2, "bits: --out " + out + " names a directory", "bits", "--seed", "1", "--n", "5", "--out", out);
            rejects(2, "noise: --out " + out + " names a directory", "noise", "--seed", "1", "--n", "5", "--backend", "cpu",
                    "--out", out);
            rejects(2, "forward: --eps-out " + out + " names a directory", forward(dir.resolve("o.npy").toString(), out));
            rejects(2, "backward: --grad-sigma-out " + out + " names a directory", backward(dir.resolve("o.npy").toString(), out));
        }
        assertEquals("old contents", Files.readString(z));
    }

    /**
     * An input name ending in a slash must be a directory, as the operating system would have
     * it: `--mu mu.npy/` used to read mu.npy. Exit 1, as for any input that cannot be read.
     */
    @Test
    void anInputEndingInASlashIsNotAFile() throws IOException {
        final String out = dir.resolve("o.npy").toString();
        rejects(1, "forward: --mu " + mu + "/: not a directory", "forward", "--mu", mu + "/", "--sigma", sig.toString(),
                "--seed", "1", "--backend", "cpu", "--out", out);
        rejects(1, "forward: --sigma " + sig + "/: not a directory", "forward", "--mu", mu.toString(), "--sigma", sig + "/",
                "--seed", "1", "--backend", "cpu", "--out", out);
        rejects(1, "backward: --grad " + mu + "/: not a directory", withGrad(mu + "/", out));
        rejects(1, "forward: --mu " + dir + "/missing.npy/: no such file or directory", "forward", "--mu", dir + "/missing.npy/",
                "--sigma", sig.toString(), "--seed", "1", "--backend", "cpu", "--out", out);
        // A directory with a slash is still a directory: the reader says so.
        rejects(1, "is a directory", "forward", "--mu", dir + "/", "--sigma", sig.toString(), "--seed", "1", "--backend", "cpu",
                "--out", out);
    }

    private String[] withGrad(String grad, String muOut) {
        return new String[] {"backward", "--grad", grad, "--mu", mu.toString(), "--sigma", sig.toString(),
            "--seed", "7", "--backend", "cpu", "--quiet", "--grad-mu-out", muOut, "--grad-sigma-out", dir.resolve("o2.npy").toString()};
    }

    /**
     * An error found only by the write (a name too long for the file system, a full device) names
     * the command, the option and the path as typed (here with a doubled slash, which Path.of
     * would drop), not the absolute or temporary path.
     */
    @Test
    void aFailedWriteNamesTheCommandOptionAndPathAsGiven() throws IOException {
        final String tooLong = dir + "//" + "e".repeat(300) + ".npy";
        rejects(1, "bits: --out " + tooLong + ": File name too long", "bits", "--seed", "1", "--n", "5", "--out", tooLong);
        rejects(1, "noise: --out " + tooLong + ": File name too long", "noise", "--seed", "1", "--n", "5", "--backend", "cpu",
                "--out", tooLong);
        rejects(1, "forward: --eps-out " + tooLong + ": File name too long", forward(dir.resolve("z.npy").toString(), tooLong));
        rejects(1, "backward: --grad-sigma-out " + tooLong + ": File name too long",
                backward(dir.resolve("m.npy").toString(), tooLong));
        if (Files.isWritable(Path.of("/dev/full"))) {                    // Linux: every write fails with ENOSPC
            rejects(1, "bits: --out /dev/full: No space left on device", "bits", "--seed", "1", "--n", "5", "--out", "/dev/full");
            rejects(1, "forward: --out /dev/full: No space left on device", forward("/dev/full", dir.resolve("e.npy").toString()));
        }
    }

    @Test
    void namesUpToTheFileSystemLimitWork() throws IOException {
        final Path z = dir.resolve("z".repeat(251) + ".npy");                 // 255 bytes
        final Path e = dir.resolve("e".repeat(251) + ".npy");
        final CliNoiseTest.Result r = CliNoiseTest.run(forward(z.toString(), e.toString()));
        assertEquals(0, r.code(), r.err());
        assertArrayEquals(new long[] {2, 2, 3}, Npy.read(z).shape());
        final CliNoiseTest.Result b = CliNoiseTest.run(backward(z.toString(), e.toString()));
        assertEquals(0, b.code(), b.err());
        assertArrayEquals(new long[] {2, 3}, Npy.read(e).shape());
        assertEquals(List.of(e.getFileName().toString(), "mu.npy", "sig.npy", z.getFileName().toString()), listing());
    }

    @Test
    void aFailedWriteToStdoutIsAnError() {
        final OutputStream broken = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("Broken pipe");
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                throw new IOException("Broken pipe");
            }
        };
        for (String[] args : List.of(new String[] {"bits", "--seed", "1", "--n", "100000", "--out", "-"},
                new String[] {"bits", "--seed", "1", "--n", "1", "--out", "-"}, new String[] {"noise", "--help"},
                new String[] {"--help"})) {
            final ByteArrayOutputStream e = new ByteArrayOutputStream();
            final int code = Main.run(args, new PrintStream(broken, true, StandardCharsets.UTF_8),
                    new PrintStream(e, true, StandardCharsets.UTF_8));
            final String err = e.toString(StandardCharsets.UTF_8);
            assertEquals(1, code, String.join(" ", args) + "\n" + err);
            assertTrue(err.startsWith("reparam: error: ") && err.lines().count() == 1
                    && err.contains("cannot write to standard output"), err);
        }
    }

    /** -h is --help for every command, as for reparam itself: its usage on stdout and exit 0; both at once are one option twice. */
    @Test
    void dashHIsHelpForEveryCommand() {
        for (String command : List.of("devices", "bits", "noise", "forward", "backward", "bench", "demo")) {
            final ByteArrayOutputStream o = new ByteArrayOutputStream();
            final ByteArrayOutputStream e = new ByteArrayOutputStream();
            final int code = Main.run(new String[] {command, "-h"}, new PrintStream(o, true, StandardCharsets.UTF_8),
                    new PrintStream(e, true, StandardCharsets.UTF_8));
            final String out = o.toString(StandardCharsets.UTF_8);
            assertEquals(0, code, command + "\n" + e.toString(StandardCharsets.UTF_8));
            assertTrue(out.startsWith("usage: reparam " + command), command + ": " + out);
            assertEquals(0, e.size(), command);
            final ByteArrayOutputStream e2 = new ByteArrayOutputStream();
            assertEquals(2, Main.run(new String[] {command, "-h", "--help"}, new PrintStream(new ByteArrayOutputStream(), true,
                    StandardCharsets.UTF_8), new PrintStream(e2, true, StandardCharsets.UTF_8)), command);
            assertTrue(e2.toString(StandardCharsets.UTF_8).contains(command + ": --help given twice"), e2.toString(StandardCharsets.UTF_8));
        }
    }
}
