package org.reparamcl.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reparamcl.npy.Npy;
import org.reparamcl.npy.NpyArray;
import org.reparamcl.opencl.OpenClTestSupport;
import org.reparamcl.rng.NoiseStream;

class CliNoiseTest {
    @TempDir
    Path dir;

    record Result(int code, String out, String err, byte[] outBytes) {
    }

    static Result run(String... args) {
        final ByteArrayOutputStream o = new ByteArrayOutputStream();
        final ByteArrayOutputStream e = new ByteArrayOutputStream();
        final int code = Main.run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Result(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8), o.toByteArray());
    }

    @Test
    void bitsWritesUint32NpyAndRawStdout() throws Exception {
        final Path f = dir.resolve("w.npy");
        final Result r = run("bits", "--seed", "0x0123456789abcdef", "--stream", "7", "--offset", "3", "--n", "1001", "--out", f.toString());
        assertEquals(0, r.code(), r.err());
        final NpyArray a = Npy.read(f);
        final int[] ref = new int[1001];
        NoiseStream.fillBits(0x0123456789abcdefL, 7, 3, ref, 0, 1001);
        assertArrayEquals(ref, a.uint32Data());
        assertArrayEquals(new long[] {1001}, a.shape());
        final Result raw = run("bits", "--seed", "0x0123456789abcdef", "--stream", "7", "--offset", "3", "--n", "1001", "--out", "-");
        assertEquals(0, raw.code(), raw.err());
        final ByteBuffer bb = ByteBuffer.wrap(raw.outBytes()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(4 * 1001, raw.outBytes().length);
        for (int i = 0; i < 1001; i++) {
            assertEquals(ref[i], bb.getInt());
        }
        // --quiet is accepted as by the other commands, and changes nothing.
        final Result quiet = run("bits", "--seed", "0x0123456789abcdef", "--stream", "7", "--offset", "3", "--n", "1001",
                "--out", "-", "--quiet");
        assertEquals(0, quiet.code(), quiet.err());
        assertArrayEquals(raw.outBytes(), quiet.outBytes());
        assertEquals("", quiet.err());
    }

    @Test
    void noiseOnCpuAndOpenClWriteTheSameBits() throws Exception {
        final Path cpu = dir.resolve("cpu.npy");
        final Result r = run("noise", "--seed", "42", "--offset", "18446744073709551000", "--n", "555", "--backend", "cpu", "--out", cpu.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("CPU reference"), r.err());
        final float[] ref = new float[555];
        NoiseStream.fillNormal(42, 0, Long.parseUnsignedLong("18446744073709551000"), ref, 0, 555);
        assertArrayEquals(ref, Npy.read(cpu).float32Data());
        OpenClTestSupport.requireOpenCl();
        final Path cl = dir.resolve("cl.npy");
        final Result g = run("noise", "--seed", "42", "--offset", "18446744073709551000", "--n", "555", "--backend", "opencl", "--out", cl.toString());
        assertEquals(0, g.code(), g.err());
        assertTrue(g.err().contains("OpenCL"), g.err());
        assertArrayEquals(Files.readAllBytes(cpu), Files.readAllBytes(cl));
    }

    @Test
    void badInputGivesOneLineErrorAndNoFile() {
        final Path f = dir.resolve("x.npy");
        final String[][] bad = {
            {"noise", "--n", "10", "--out", f.toString()},                               // no seed
            {"noise", "--seed", "1", "--n", "-3", "--out", f.toString()},
            {"noise", "--seed", "abc", "--n", "3", "--out", f.toString()},
            {"noise", "--seed", "1", "--n", "3", "--out", f.toString(), "--backend", "gpu"},
            {"noise", "--seed", "1", "--n", "10", "--offset", "18446744073709551610", "--out", f.toString()},
            {"noise", "--seed", "1", "--n", "3", "--bogus", "1", "--out", f.toString()},
            {"bits", "--seed", "99999999999999999999999", "--n", "3", "--out", f.toString()},
            {"frobnicate"},
        };
        for (String[] args : bad) {
            final Result r = run(args);
            assertTrue(r.code() != 0, String.join(" ", args));
            assertTrue(r.err().startsWith("reparam: error: "), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertFalse(Files.exists(f), "partial output for " + String.join(" ", args));
        }
        final Result missingDir = run("noise", "--seed", "1", "--n", "3", "--backend", "cpu", "--out", dir.resolve("no/such/dir/x.npy").toString());
        assertTrue(missingDir.code() != 0);
        assertTrue(missingDir.err().startsWith("reparam: error: noise: --out"), missingDir.err());
        assertTrue(missingDir.err().contains("does not exist"), missingDir.err());
    }

    @Test
    void devicesListsSomethingOrSaysWhyNot() {
        final Result r = run("devices");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("auto:"), r.out());
    }
}
