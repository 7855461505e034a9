package org.reparamcl.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.reparamcl.Backends;
import org.reparamcl.CrossoverTable;
import org.reparamcl.NoiseMode;
import org.reparamcl.ReparamCases;
import org.reparamcl.ReparamSpec;
import org.reparamcl.cpu.CpuBackend;

/** {@code auto} with a saved crossover: small host-array batches run on the CPU reference, same bits. */
@ResourceLock(CrossoverTable.PROPERTY)
class SmallBatchRoutingTest {

    static CrossoverTable table(String... entries) {
        final Properties p = new Properties();
        for (int i = 0; i < entries.length; i += 2) {
            p.setProperty(entries[i], entries[i + 1]);
        }
        return CrossoverTable.of(p, "test");
    }

    @Test
    void batchesBelowTheCrossoverRunOnTheCpuWithTheSameBits() {
        final SplittableRandom rnd = new SplittableRandom(31);
        try (OpenClBackend cl = OpenClTestSupport.backend(); CpuBackend cpu = CpuBackend.create(2)) {
            cl.routeSmallBatches(table("noise.end-to-end", "1000", "forward.end-to-end", "500",
                    "backward-recompute.end-to-end", "500", "backward-store.end-to-end", "none"), "test table");
            assertTrue(cl.description().contains("test table"), cl.description());
            for (int n : new int[] {1, 999, 1000, 4097}) {
                final long before = cl.smallBatchCalls.get();
                final float[] a = new float[n];
                final float[] b = new float[n];
                cl.fillNormal(7, 8, 3, a);
                cpu.fillNormal(7, 8, 3, b);
                assertArrayEquals(ReparamCases.bits(b), ReparamCases.bits(a), "n = " + n);
                assertEquals(n < 1000 ? 1 : 0, cl.smallBatchCalls.get() - before, "noise of " + n + " routed");
            }
            for (int d : new int[] {7, 499, 500, 1300}) {
                for (NoiseMode mode : NoiseMode.values()) {
                    final ReparamSpec s = ReparamSpec.builder().shape(1, 1, d).seed(rnd.nextLong()).offset(5)
                            .noiseMode(mode).build();
                    final float[] mu = ReparamCases.uniform(d, 1, rnd);
                    final float[] rho = ReparamCases.rhos(s.parameterization(), d, rnd);
                    final float[] gz = ReparamCases.uniform(d, 1, rnd);
                    final long before = cl.smallBatchCalls.get();
                    final float[] z1 = new float[d], e1 = new float[d], m1 = new float[d], r1 = new float[d];
                    final float[] z2 = new float[d], e2 = new float[d], m2 = new float[d], r2 = new float[d];
                    cl.reparamForward(s, mu, rho, z1, e1);
                    cl.reparamBackward(s, mu, rho, mode == NoiseMode.STORE ? e1 : null, gz, m1, r1, false);
                    cpu.reparamForward(s, mu, rho, z2, e2);
                    cpu.reparamBackward(s, mu, rho, mode == NoiseMode.STORE ? e2 : null, gz, m2, r2, false);
                    assertArrayEquals(ReparamCases.bits(z2), ReparamCases.bits(z1));
                    assertArrayEquals(ReparamCases.bits(e2), ReparamCases.bits(e1));
                    assertArrayEquals(ReparamCases.bits(m2), ReparamCases.bits(m1));
                    assertArrayEquals(ReparamCases.bits(r2), ReparamCases.bits(r1));
                    final long expect = (d < 500 ? 1 : 0)
                            + (mode == NoiseMode.STORE ? 1 : (d < 500 ? 1 : 0));     // backward-store: none = always CPU
                    assertEquals(expect, cl.smallBatchCalls.get() - before, s.toString());
                }
            }
            // Bad arguments are still rejected with the usual message on the CPU path.
            assertThrows(IndexOutOfBoundsException.class, () -> cl.fillNormal(1, 1, 0, new float[4], 2, 3));
        }
    }

    /** A forward call that writes eps follows the forward-store crossover when the table has one, else forward's. */
    @Test
    void forwardsWritingEpsFollowTheForwardStoreCrossover() {
        final SplittableRandom rnd = new SplittableRandom(32);
        try (OpenClBackend cl = OpenClTestSupport.backend(); CpuBackend cpu = CpuBackend.create(1)) {
            for (boolean measured : new boolean[] {true, false}) {
                cl.routeSmallBatches(measured ? table("forward.end-to-end", "500", "forward-store.end-to-end", "2000")
                        : table("forward.end-to-end", "500"), "test table");
                for (int d : new int[] {300, 1300, 2500}) {
                    // RECOMPUTE: eps is an optional output, written when asked for (STORE requires it).
                    final ReparamSpec s = ReparamSpec.builder().shape(1, 1, d).seed(rnd.nextLong()).build();
                    final float[] mu = ReparamCases.uniform(d, 1, rnd);
                    final float[] rho = ReparamCases.rhos(s.parameterization(), d, rnd);
                    final float[] z1 = new float[d], e1 = new float[d], z2 = new float[d], e2 = new float[d];
                    long before = cl.smallBatchCalls.get();
                    cl.reparamForward(s, mu, rho, z1, e1);
                    cpu.reparamForward(s, mu, rho, z2, e2);
                    assertArrayEquals(ReparamCases.bits(z2), ReparamCases.bits(z1));
                    assertArrayEquals(ReparamCases.bits(e2), ReparamCases.bits(e1));
                    assertEquals(d < (measured ? 2000 : 500) ? 1 : 0, cl.smallBatchCalls.get() - before,
                            "forward writing eps, d = " + d + (measured ? ", forward-store measured" : ", old table"));
                    before = cl.smallBatchCalls.get();
                    cl.reparamForward(s, mu, rho, z1, null);
                    assertArrayEquals(ReparamCases.bits(z2), ReparamCases.bits(z1));
                    assertEquals(d < 500 ? 1 : 0, cl.smallBatchCalls.get() - before, "forward without eps, d = " + d);
                }
            }
        }
    }

    @Test
    void autoUsesASavedCrossoverForItsDeviceOnly(@TempDir Path dir) throws Exception {
        final Path file = dir.resolve("crossover.properties");
        final String old = System.getProperty(CrossoverTable.PROPERTY);
        System.setProperty(CrossoverTable.PROPERTY, file.toString());
        try {
            final String name;
            try (OpenClBackend probe = OpenClTestSupport.backend()) {
                name = probe.context().device().deviceName();
            }
            Files.writeString(file, "device=[0:0] " + name + " (CPU)\nforward.end-to-end=4096\nnoise.end-to-end=none\n");
            Backends.Choice c = Backends.choose("auto", "auto");
            try {
                assertTrue(c.reason().contains("run on the CPU reference"), c.reason());
                assertTrue(c.reason().contains("forward below 4096"), c.reason());
                assertEquals(0, ((OpenClBackend) c.backend()).smallBatchCalls.get());
                c.backend().fillNormal(1, 2, 3, new float[10]);
                assertEquals(1, ((OpenClBackend) c.backend()).smallBatchCalls.get());
            } finally {
                c.backend().close();
            }
            Files.writeString(file, "device=some other accelerator\nforward.end-to-end=4096\n");
            c = Backends.choose("auto", "auto");
            try {
                assertTrue(c.reason().contains("measured on another device"), c.reason());
                c.backend().fillNormal(1, 2, 3, new float[10]);
                assertEquals(0, ((OpenClBackend) c.backend()).smallBatchCalls.get());
            } finally {
                c.backend().close();
            }
            Files.writeString(file, "forward.end-to-end=lots\n");
            c = Backends.choose("auto", "auto");
            try {
                assertTrue(c.reason().contains("not used") && c.reason().contains("lots"), c.reason());
                assertFalse(c.reason().contains("run on the CPU reference"), c.reason());
            } finally {
                c.backend().close();
            }
            c = Backends.choose("opencl", "auto");
            try {
                assertFalse(c.reason().contains("CPU reference"), "an explicit opencl choice does not route: " + c.reason());
            } finally {
                c.backend().close();
            }
        } finally {
            if (old == null) {
                System.clearProperty(CrossoverTable.PROPERTY);
            } else {
                System.setProperty(CrossoverTable.PROPERTY, old);
            }
        }
    }
}
