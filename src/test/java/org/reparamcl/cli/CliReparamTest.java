package org.reparamcl.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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

/** {@code reparam forward} and {@code backward} round trips through .npy, and their errors. */
class CliReparamTest {
    @TempDir
    Path dir;

    private Path write(String name, long[] shape, float[] data) throws IOException {
        return write(dir, name, shape, data);
    }

    /** Writes a float32 .npy file {@code name} in {@code dir}. */
    static Path write(Path dir, String name, long[] shape, float[] data) throws IOException {
        final Path p = dir.resolve(name);
        Npy.write(p, NpyArray.ofFloat32(shape, data));
        return p;
    }

    /** n values uniform in [lo, hi). */
    static float[] random(SplittableRandom r, int n, double lo, double hi) {
        final float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (lo + (hi - lo) * r.nextDouble());
        }
        return a;
    }

    @Test
    void forwardAndBackwardMatchTheApiForEveryParameterization() throws Exception {
        final SplittableRandom r = new SplittableRandom(5);
        final int b = 3;
        final int d = 7;
        final int k = 4;
        final float[] mu = random(r, b * d, -2, 2);
        final Path muF = write("mu.npy", new long[] {b, d}, mu);
        for (Parameterization p : Parameterization.values()) {
            final float[] rho = random(r, b * d, p == Parameterization.SIGMA ? 0.1 : -2, 2);
            final Path rhoF = write("rho-" + p.cliName() + ".npy", new long[] {b, d}, rho);
            final Path z = dir.resolve("z.npy");
            final Path eps = dir.resolve("eps.npy");
            final CliNoiseTest.Result f = CliNoiseTest.run("forward", "--mu", muF.toString(), "--sigma", rhoF.toString(),
                    "--param", p.cliName(), "--samples", "" + k, "--seed", "11", "--stream", "2", "--offset", "5",
                    "--backend", "cpu", "--out", z.toString(), "--eps-out", eps.toString());
            assertEquals(0, f.code(), f.err());
            final ReparamSpec spec = ReparamSpec.builder().shape(k, b, d).parameterization(p).seed(11).stream(2).offset(5)
                    .noiseMode(NoiseMode.STORE).build();
            final float[] zRef = new float[k * b * d];
            final float[] epsRef = new float[k * b * d];
            try (CpuBackend cpu = Backends.cpu(1)) {
                cpu.reparamForward(spec, mu, rho, zRef, epsRef);
            }
            final NpyArray zA = Npy.read(z);
            assertArrayEquals(new long[] {k, b, d}, zA.shape());
            assertArrayEquals(zRef, zA.float32Data(), p.cliName());
            assertArrayEquals(epsRef, Npy.read(eps).float32Data());

            final float[] g = random(r, k * b * d, -1, 1);
            final Path gF = write("g.npy", new long[] {k, b, d}, g);
            final Path dmu = dir.resolve("dmu.npy");
            final Path drho = dir.resolve("drho.npy");
            final CliNoiseTest.Result bw = CliNoiseTest.run("backward", "--grad", gF.toString(), "--mu", muF.toString(),
                    "--sigma", rhoF.toString(), "--param", p.cliName(), "--samples", "" + k, "--seed", "11", "--stream", "2",
                    "--offset", "5", "--backend", "cpu", "--grad-mu-out", dmu.toString(), "--grad-sigma-out", drho.toString());
            assertEquals(0, bw.code(), bw.err());
            final float[] gMu = new float[b * d];
            final float[] gRho = new float[b * d];
            try (CpuBackend cpu = Backends.cpu(1)) {
                cpu.reparamBackward(spec, mu, rho, epsRef, g, gMu, gRho, false);
            }
            assertArrayEquals(gMu, Npy.read(dmu).float32Data());
            assertArrayEquals(gRho, Npy.read(drho).float32Data());
            assertArrayEquals(new long[] {b, d}, Npy.read(drho).shape());
        }
    }

    /**
     * Inputs in Fortran order, as np.save writes a transpose: the same output bytes as the same
     * arrays in C order, for forward and backward.
     */
    @Test
    void fortranOrderInputsGiveTheSameOutputs() throws Exception {
        final SplittableRandom r = new SplittableRandom(9);
        final int b = 4;
        final int d = 7;
        final int k = 3;
        final float[] mu = random(r, b * d, -1, 1);
        final float[] rho = random(r, b * d, -2, 2);
        final float[] g = random(r, k * b * d, -1, 1);
        final List<String> c = List.of(write("mu.npy", new long[] {b, d}, mu).toString(),
                write("rho.npy", new long[] {b, d}, rho).toString(), write("g.npy", new long[] {k, b, d}, g).toString());
        final List<String> f = List.of(fortran("mu_f.npy", new long[] {b, d}, mu), fortran("rho_f.npy", new long[] {b, d}, rho),
                fortran("g_f.npy", new long[] {k, b, d}, g));
        final List<byte[]> outputs = new ArrayList<>();
        for (List<String> in : List.of(c, f)) {
            final Path z = dir.resolve("z.npy");
            final Path dmu = dir.resolve("dmu.npy");
            final Path drho = dir.resolve("drho.npy");
            final CliNoiseTest.Result fwd = CliNoiseTest.run("forward", "--mu", in.get(0), "--sigma", in.get(1), "--param", "softplus",
                    "--samples", "3", "--seed", "11", "--backend", "cpu", "--out", z.toString());
            assertEquals(0, fwd.code(), fwd.err());
            final CliNoiseTest.Result bwd = CliNoiseTest.run("backward", "--grad", in.get(2), "--mu", in.get(0), "--sigma", in.get(1),
                    "--param", "softplus", "--samples", "3", "--seed", "11", "--backend", "cpu",
                    "--grad-mu-out", dmu.toString(), "--grad-sigma-out", drho.toString());
            assertEquals(0, bwd.code(), bwd.err());
            outputs.add(Files.readAllBytes(z));
            outputs.add(Files.readAllBytes(dmu));
            outputs.add(Files.readAllBytes(drho));
        }
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(outputs.get(i), outputs.get(i + 3), "output " + i);
        }
    }

    /** A float32 .npy file holding {@code data} (row-major) in Fortran order, written by hand as np.save does. */
    private String fortran(String name, long[] shape, float[] data) throws IOException {
        final int n = data.length;
        final java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(4 * n).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        final long[] at = new long[shape.length];
        for (int f = 0; f < n; f++) {                        // column-major walk: the first axis fastest
            long i = 0;
            for (int ax = 0; ax < shape.length; ax++) {
                i = i * shape[ax] + at[ax];
            }
            bytes.putFloat(data[(int) i]);
            for (int ax = 0; ax < shape.length && ++at[ax] == shape[ax]; ax++) {
                at[ax] = 0;
            }
        }
        final StringBuilder tuple = new StringBuilder();
        for (long dim : shape) {
            tuple.append(tuple.length() == 0 ? "" : ", ").append(dim);
        }
        final Path p = dir.resolve(name);
        Files.write(p, CliReparamFuzzTest.npy("{'descr': '<f4', 'fortran_order': True, 'shape': (" + tuple + "), }", bytes.array()));
        return p.toString();
    }

    @Test
    void shapesWithoutSamplesAndBroadcastRows() throws Exception {
        final SplittableRandom r = new SplittableRandom(6);
        final float[] mu = random(r, 5, -1, 1);
        final float[] sig = random(r, 5, 0.5, 1.5);
        final Path muF = write("mu.npy", new long[] {5}, mu);
        final Path sF = write("s.npy", new long[] {5}, sig);
        final Path z = dir.resolve("z.npy");
        assertEquals(0, CliNoiseTest.run("forward", "--mu", muF.toString(), "--sigma", sF.toString(), "--seed", "1",
                "--backend", "cpu", "--out", z.toString()).code());
        assertArrayEquals(new long[] {5}, Npy.read(z).shape());
        assertEquals(0, CliNoiseTest.run("forward", "--mu", muF.toString(), "--sigma", sF.toString(), "--seed", "1",
                "--rows", "3", "--samples", "2", "--backend", "cpu", "--out", z.toString()).code());
        final NpyArray zb = Npy.read(z);
        assertArrayEquals(new long[] {2, 3, 5}, zb.shape());
        final float[] ref = new float[30];
        try (CpuBackend cpu = Backends.cpu(1)) {
            cpu.reparamForward(ReparamSpec.builder().shape(2, 3, 5).broadcast(true).seed(1).build(), mu, sig, ref, null);
        }
        assertArrayEquals(ref, zb.float32Data());
        // Backward with (D,) parameters and a (K, B, D) gradient reduces over K and B.
        final Path g = write("g.npy", new long[] {2, 3, 5}, random(r, 30, -1, 1));
        final Path dmu = dir.resolve("dmu.npy");
        final Path ds = dir.resolve("ds.npy");
        final CliNoiseTest.Result res = CliNoiseTest.run("backward", "--grad", g.toString(), "--mu", muF.toString(),
                "--sigma", sF.toString(), "--samples", "2", "--seed", "1", "--backend", "cpu",
                "--grad-mu-out", dmu.toString(), "--grad-sigma-out", ds.toString());
        assertEquals(0, res.code(), res.err());
        final float[] gz = Npy.read(g).float32Data();
        final float[] gMu = new float[5];
        for (int i = 0; i < 30; i++) {
            gMu[i % 5] += gz[i];
        }
        final float[] got = Npy.read(dmu).float32Data();
        for (int d = 0; d < 5; d++) {
            assertEquals(gMu[d], got[d], 1e-5, "dmu[" + d + "]");
        }
        // --samples 1 asks for the K axis (SPEC: it is dropped only when K is 1 and not asked for):
        // z and the log q shape keep it, and backward takes a gradient with it.
        final Path lq = dir.resolve("lq.npy");
        assertEquals(0, CliNoiseTest.run("forward", "--mu", muF.toString(), "--sigma", sF.toString(), "--seed", "1",
                "--samples", "1", "--backend", "cpu", "--out", z.toString(), "--log-prob-out", lq.toString()).code());
        assertArrayEquals(new long[] {1, 5}, Npy.read(z).shape());
        assertArrayEquals(new long[] {1}, Npy.read(lq).shape());
        assertEquals(0, CliNoiseTest.run("forward", "--mu", muF.toString(), "--sigma", sF.toString(), "--seed", "1",
                "--samples", "1", "--rows", "3", "--backend", "cpu", "--out", z.toString(), "--log-prob-out", lq.toString(),
                "--quiet").code());
        assertArrayEquals(new long[] {1, 3, 5}, Npy.read(z).shape());
        assertArrayEquals(new long[] {1, 3}, Npy.read(lq).shape());
        final Path g1 = write("g1.npy", new long[] {1, 3, 5}, random(r, 15, -1, 1));
        final CliNoiseTest.Result one = CliNoiseTest.run("backward", "--grad", g1.toString(), "--mu", muF.toString(),
                "--sigma", sF.toString(), "--samples", "1", "--seed", "1", "--backend", "cpu",
                "--grad-mu-out", dmu.toString(), "--grad-sigma-out", ds.toString());
        assertEquals(0, one.code(), one.err());
    }

    @Test
    void cpuAndOpenClWriteIdenticalFiles() throws Exception {
        OpenClTestSupport.requireOpenCl();
        final SplittableRandom r = new SplittableRandom(8);
        final Path muF = write("mu.npy", new long[] {9, 131}, random(r, 9 * 131, -3, 3));
        final Path rhoF = write("rho.npy", new long[] {9, 131}, random(r, 9 * 131, -3, 3));
        final Path gF = write("g.npy", new long[] {3, 9, 131}, random(r, 3 * 9 * 131, -1, 1));
        final List<byte[]> outs = new ArrayList<>();
        for (String backend : new String[] {"cpu", "opencl"}) {
            final Path z = dir.resolve(backend + "-z.npy");
            final Path dmu = dir.resolve(backend + "-dmu.npy");
            final Path drho = dir.resolve(backend + "-drho.npy");
            assertEquals(0, CliNoiseTest.run("forward", "--mu", muF.toString(), "--sigma", rhoF.toString(), "--param", "softplus",
                    "--samples", "3", "--seed", "0xdeadbeef", "--offset", "3", "--backend", backend, "--out", z.toString()).code());
            final CliNoiseTest.Result bw = CliNoiseTest.run("backward", "--grad", gF.toString(), "--mu", muF.toString(),
                    "--sigma", rhoF.toString(), "--param", "softplus", "--samples", "3", "--seed", "0xdeadbeef", "--offset", "3",
                    "--backend", backend, "--grad-mu-out", dmu.toString(), "--grad-sigma-out", drho.toString());
            assertEquals(0, bw.code(), bw.err());
            outs.add(Files.readAllBytes(z));
            outs.add(Files.readAllBytes(dmu));
            outs.add(Files.readAllBytes(drho));
        }
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(outs.get(i), outs.get(i + 3), "output " + i);
        }
    }

    @Test
    void badInputsGiveOneLineErrorsAndNoOutputs() throws Exception {
        final Path mu = write("mu.npy", new long[] {2, 3}, new float[] {0, 1, 2, 3, 4, 5});
        final Path sig = write("sig.npy", new long[] {2, 3}, new float[] {1, 1, 1, 1, 1, 1});
        final Path sigNeg = write("signeg.npy", new long[] {2, 3}, new float[] {1, 1, 1, 1, -0.5f, 1});
        final Path muNan = write("munan.npy", new long[] {2, 3}, new float[] {0, 1, Float.NaN, 3, 4, 5});
        final Path sigShape = write("sigshape.npy", new long[] {3, 2}, new float[] {1, 1, 1, 1, 1, 1});
        final Path ints = dir.resolve("ints.npy");
        Npy.write(ints, NpyArray.ofInt32(new long[] {2, 3}, new int[6]));
        final Path g = write("g.npy", new long[] {2, 2}, new float[4]);
        final Path z = dir.resolve("z.npy");
        final Path e = dir.resolve("e.npy");
        final Path dm = dir.resolve("dm.npy");
        final Path ds = dir.resolve("ds.npy");
        final String[][] cases = {
            {"forward", "--mu", dir.resolve("missing.npy").toString(), "--sigma", sig.toString(), "--seed", "1", "--out", z.toString()},
            {"forward", "--mu", ints.toString(), "--sigma", sig.toString(), "--seed", "1", "--out", z.toString()},
            {"forward", "--mu", mu.toString(), "--sigma", sigShape.toString(), "--seed", "1", "--out", z.toString()},
            {"forward", "--mu", mu.toString(), "--sigma", sigNeg.toString(), "--seed", "1", "--out", z.toString(), "--eps-out", e.toString()},
            {"forward", "--mu", muNan.toString(), "--sigma", sig.toString(), "--seed", "1", "--out", z.toString()},
            {"forward", "--mu", mu.toString(), "--sigma", sig.toString(), "--seed", "1", "--param", "tanh", "--out", z.toString()},
            {"forward", "--mu", mu.toString(), "--sigma", sig.toString(), "--seed", "1", "--samples", "0", "--out", z.toString()},
            {"forward", "--mu", mu.toString(), "--sigma", sig.toString(), "--seed", "1", "--rows", "4", "--out", z.toString()},
            {"forward", "--mu", mu.toString(), "--sigma", sig.toString(), "--seed", "1", "--offset", "18446744073709551612", "--out", z.toString()},
            {"forward", "--mu", mu.toString(), "--sigma", sig.toString(), "--out", z.toString()},
            {"backward", "--grad", g.toString(), "--mu", mu.toString(), "--sigma", sig.toString(), "--seed", "1",
                "--grad-mu-out", dm.toString(), "--grad-sigma-out", ds.toString()},
            {"backward", "--grad", mu.toString(), "--mu", mu.toString(), "--sigma", sigNeg.toString(), "--seed", "1",
                "--grad-mu-out", dm.toString(), "--grad-sigma-out", ds.toString()},
            {"backward", "--grad", muNan.toString(), "--mu", mu.toString(), "--sigma", sig.toString(), "--seed", "1",
                "--grad-mu-out", dm.toString(), "--grad-sigma-out", ds.toString()},
        };
        for (String[] c : cases) {
            final CliNoiseTest.Result r = CliNoiseTest.run(c);
            final String line = String.join(" ", c);
            assertTrue(r.code() != 0, line);
            final List<String> lines = r.err().strip().lines().filter(s -> s.startsWith("reparam: error")).toList();
            assertEquals(1, lines.size(), line + " -> " + r.err());
            assertEquals(1, r.err().strip().lines().filter(s -> !s.startsWith("reparam: auto") && !s.startsWith("reparam: OpenCL")
                    && !s.startsWith("reparam: CPU")).count(), r.err());
            for (Path out : new Path[] {z, e, dm, ds}) {
                assertFalse(Files.exists(out), line + " left " + out);
            }
        }
        assertTrue(CliNoiseTest.run(cases[3]).err().contains("index 4") || CliNoiseTest.run(cases[3]).err().contains("[4]")
                || CliNoiseTest.run(cases[3]).err().contains("element 4"), CliNoiseTest.run(cases[3]).err());
    }
}
