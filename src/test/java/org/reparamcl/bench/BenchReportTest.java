package org.reparamcl.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reparamcl.NoiseMode;

/** Derived figures (fraction of roof, speed-up, crossover) on hand-made measurements. */
class BenchReportTest {
    static final MachineInfo MACHINE = new MachineInfo("test cpu", "2000 MHz, avx2", 2, "os", "jvm", "dev", "drv", "0 0 0",
            Map.of("POCL_AFFINITY", "1", "-Dreparam.streamingStores", "never"));

    static Measurement m(String backend, Timing t, boolean roof, long n, double ns) {
        return new Measurement("noise", backend, t, roof, n, 1, new double[] {ns, ns * 1.1, ns * 0.95});
    }

    static BenchResult result(List<Integer> sizes, List<Measurement> ms, List<PeerRow> peers) {
        return result(Path.of("unused"), sizes, ms, peers);
    }

    static BenchResult result(Path outDir, List<Integer> sizes, List<Measurement> ms, List<PeerRow> peers) {
        final BenchOptions o = new BenchOptions(sizes, List.of(Pass.NOISE), BenchOptions.BACKENDS, 1, 3, 0, 0, "auto",
                outDir, null, 1, false);
        return new BenchResult(o, "reparam bench", "2020-01-01T00:00Z", 1.0, MACHINE, "0 0 0", List.of(), ms, peers);
    }

    /**
     * A file that cannot be written once the run is done (here bench.png is a directory) leaves
     * nothing: no bench.md or bench.json written before it, no temporary file, no directory this
     * call created; the exception names the target, not a temporary file.
     */
    @Test
    void aFailedWriteLeavesNoFile(@TempDir Path dir) throws IOException {
        final Path out = dir.resolve("out");
        Files.createDirectories(out.resolve(BenchReport.PNG));
        final BenchReport r = new BenchReport(result(out, List.of(1024), sweep(List.of(1024)), List.of()));
        final java.nio.file.FileSystemException e = assertThrows(java.nio.file.FileSystemException.class, r::writeAll);
        assertEquals(out.resolve(BenchReport.PNG).toString(), e.getFile());
        assertEquals(List.of("bench.png"), org.reparamcl.TestFiles.listing(out));

        // A copy of the crossover that cannot be written (its directory would be under a file):
        // the directories created for the report go too.
        final Path fresh = dir.resolve("new").resolve("sub");
        Files.writeString(dir.resolve("file"), "x");
        final BenchReport s = new BenchReport(result(fresh, List.of(1024), sweep(List.of(1024)), List.of()));
        assertThrows(IOException.class, () -> s.writeAll(List.of(dir.resolve("file").resolve("c").resolve("x.properties"))));
        assertEquals(List.of("file", "out"), org.reparamcl.TestFiles.listing(dir));
    }

    /** The report files are written whole: new ones get the umask's permissions, a replaced one keeps its own. */
    @Test
    void writeAllReplacesFilesKeepingTheirPermissions(@TempDir Path dir) throws IOException {
        final Path md = Files.writeString(dir.resolve(BenchReport.MARKDOWN), "old");
        Files.setPosixFilePermissions(md, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        final Path copy = dir.resolve("conf").resolve("crossover.properties");
        final BenchReport r = new BenchReport(result(dir, List.of(1024), sweep(List.of(1024)), List.of()));
        assertEquals(r.markdown(), r.writeAll(List.of(copy)));
        assertEquals(r.markdown(), Files.readString(md));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(md)));
        assertEquals(Files.getPosixFilePermissions(Files.createFile(dir.resolve("conf").resolve("reference"))),
                Files.getPosixFilePermissions(dir.resolve(BenchReport.JSON)));
        Files.delete(dir.resolve("conf").resolve("reference"));
        assertEquals(Files.readString(dir.resolve(BenchReport.CROSSOVER)), Files.readString(copy));
        assertEquals(List.of("bench.json", "bench.md", "bench.png", "conf", "crossover.properties"),
                org.reparamcl.TestFiles.listing(dir));
    }

    /** CPU costs 10 ns/element; OpenCL end to end costs 20 us + 1 ns/element: crossover near 2^11. */
    static List<Measurement> sweep(List<Integer> sizes) {
        final List<Measurement> ms = new ArrayList<>();
        for (int n : sizes) {
            ms.add(m("cpu-2", Timing.END_TO_END, false, n, 10.0 * n));
            ms.add(m("cpu-2", Timing.END_TO_END, true, n, 1.0 * n));
            ms.add(m("opencl", Timing.END_TO_END, false, n, 20_000 + 1.0 * n));
            ms.add(m("opencl", Timing.END_TO_END, true, n, 20_000 + 0.5 * n));
            ms.add(m("opencl", Timing.KERNEL, false, n, 0.8 * n));
            ms.add(m("opencl", Timing.KERNEL, true, n, 0.4 * n));
        }
        return ms;
    }

    @Test
    void medianAndMinComeFromTheRepetitions() {
        final Measurement x = m("cpu-2", Timing.END_TO_END, false, 100, 1000);
        assertEquals(1000, x.medianNs(), 1e-9);
        assertEquals(950, x.minNs(), 1e-9);
        assertEquals(10, x.nsPerElement(), 1e-12);
        assertEquals(1e8, x.elementsPerSecond(), 1e-3);
        assertEquals(1050, new Measurement("p", "b", Timing.KERNEL, false, 1, 1, new double[] {1100, 1000}).medianNs(), 1e-9);
    }

    @Test
    void rowsCarryTheSameRunRoofAndTheSpeedupOverTheCpuReference() {
        final List<Integer> sizes = List.of(1024, 4096);
        final BenchReport r = new BenchReport(result(sizes, sweep(sizes), List.of()));
        assertEquals("cpu-2", r.reference());
        final List<BenchReport.Row> rows = r.rows();
        assertEquals(6, rows.size());
        for (BenchReport.Row row : rows) {
            final long n = row.m().elements();
            switch (row.m().backend() + " " + row.m().timing().label()) {
                case "cpu-2 end-to-end" -> {
                    assertEquals(0.1, row.fractionOfRoof(), 1e-12);
                    assertEquals(1.0, row.speedup(), 1e-12);
                }
                case "opencl kernel" -> {
                    assertEquals(0.5, row.fractionOfRoof(), 1e-12);
                    assertEquals(10.0 / 0.8, row.speedup(), 1e-12);
                }
                case "opencl end-to-end" -> {
                    assertEquals((20_000 + 0.5 * n) / (20_000 + 1.0 * n), row.fractionOfRoof(), 1e-12);
                    assertEquals(10.0 * n / (20_000 + 1.0 * n), row.speedup(), 1e-12);
                }
                default -> throw new AssertionError(row);
            }
        }
    }

    @Test
    void crossoverIsTheSmallestSizeFromWhichOpenClStaysFaster() {
        final List<Integer> sizes = List.of(256, 1024, 4096, 16384);
        final BenchReport r = new BenchReport(result(sizes, sweep(sizes), List.of()));
        final BenchReport.Crossover c = r.crossovers().get(0);
        assertEquals(Timing.END_TO_END, c.timing());
        assertEquals(4096, c.size());                // 10n > 20000 + n from n = 2223
        assertTrue(c.note().contains("from 2^12 elements up"), c.note());
        assertTrue(r.crossoverProperties().contains("\nnoise.end-to-end=4096\n"), r.crossoverProperties());
        assertEquals(4096, c.routeBelow(), "the CPU won at 1024: batches below 4096 go to it");
    }

    /** The table the report saves, read back as auto reads it. */
    private static org.reparamcl.CrossoverTable saved(BenchReport r) throws IOException {
        final Properties p = new Properties();
        p.load(new java.io.StringReader(r.crossoverProperties()));
        return org.reparamcl.CrossoverTable.of(p, "test");
    }

    /**
     * The saved crossover claims only what was measured: when OpenCL wins at every measured size,
     * no smaller (unmeasured) batch is sent to the CPU; when the CPU wins at the largest measured
     * size, batches up to it go to the CPU and larger (unmeasured) ones stay on OpenCL.
     */
    @Test
    void theSavedCrossoverRoutesOnlyWhatWasMeasured() throws IOException {
        final List<Integer> big = List.of(1 << 16, 1 << 18);
        final BenchReport clWins = new BenchReport(result(big, sweep(big), List.of()));
        assertEquals(1, clWins.crossovers().get(0).routeBelow());
        final org.reparamcl.CrossoverTable everywhere = saved(clWins);
        for (long n : new long[] {1, 1024, (1 << 16) - 1, 1 << 16, 1 << 20}) {
            assertFalse(everywhere.preferCpu("noise", n), "OpenCL won at every measured size: n = " + n);
        }
        assertTrue(clWins.crossovers().get(0).note().contains("no batch to the CPU"), clWins.crossovers().get(0).note());

        final List<Integer> small = List.of(16, 64);
        final BenchReport cpuWins = new BenchReport(result(small, sweep(small), List.of()));
        assertEquals(65, cpuWins.crossovers().get(0).routeBelow());
        assertFalse(cpuWins.crossoverProperties().contains("=none"), cpuWins.crossoverProperties());
        final org.reparamcl.CrossoverTable upTo64 = saved(cpuWins);
        assertTrue(upTo64.preferCpu("noise", 1));
        assertTrue(upTo64.preferCpu("noise", 64));
        assertFalse(upTo64.preferCpu("noise", 65), "above the largest measured size nothing is known: OpenCL");
        assertFalse(upTo64.preferCpu("noise", 1 << 20));

        final List<Integer> sizes = List.of(256, 1024, 4096, 16384);
        final org.reparamcl.CrossoverTable between = saved(new BenchReport(result(sizes, sweep(sizes), List.of())));
        assertTrue(between.preferCpu("noise", 16));
        assertTrue(between.preferCpu("noise", 4095));
        assertFalse(between.preferCpu("noise", 4096));
        assertTrue(cpuWins.crossoverProperties().contains("K = 1, rows of D = 1024 where they divide, parameterization"
                + " sigma, value checks off, sizes 2^4 to 2^6; auto applies it to every host-array call"),
                cpuWins.crossoverProperties());
    }

    @Test
    void crossoverSaysWhenTheCpuWinsAtTheLargestSizeOrOpenClWinsEverywhere() {
        final List<Integer> small = List.of(16, 64);
        final BenchReport cpuWins = new BenchReport(result(small, sweep(small), List.of()));
        assertEquals(-1, cpuWins.crossovers().get(0).size());
        assertTrue(cpuWins.crossoverProperties().contains("noise.end-to-end=65\n"), cpuWins.crossoverProperties());
        final List<Integer> big = List.of(1 << 16, 1 << 18);
        final BenchReport clWins = new BenchReport(result(big, sweep(big), List.of()));
        assertEquals(1 << 16, clWins.crossovers().get(0).size());
        assertTrue(clWins.crossovers().get(0).note().contains("at or below 2^16"));
    }

    @Test
    void noCrossoverWithoutOpenClRows() {
        final List<Measurement> cpuOnly = new ArrayList<>();
        for (Measurement x : sweep(List.of(1024))) {
            if (x.backend().startsWith("cpu")) {
                cpuOnly.add(x);
            }
        }
        final BenchReport r = new BenchReport(result(List.of(1024), cpuOnly, List.of()));
        assertTrue(r.crossovers().isEmpty());
        assertNull(r.toMap().get("crossover") instanceof List<?> l && !l.isEmpty() ? "non-empty" : null);
    }

    @Test
    void forwardPlusBackwardIsComparedWithThePeersAtTheSameSize() {
        final List<Measurement> ms = new ArrayList<>();
        ms.add(new Measurement("forward", "opencl", Timing.DEVICE, false, 1024, 1, new double[] {1000}));
        ms.add(new Measurement("backward-recompute", "opencl", Timing.DEVICE, false, 1024, 1, new double[] {3000}));
        ms.add(new Measurement("forward", "cpu-2", Timing.END_TO_END, false, 1024, 1, new double[] {5000}));
        ms.add(new Measurement("forward-store", "opencl", Timing.DEVICE, false, 1024, 1, new double[] {1500}));
        ms.add(new Measurement("backward-store", "opencl", Timing.DEVICE, false, 1024, 1, new double[] {1700}));
        ms.add(new Measurement("backward-store", "opencl", Timing.KERNEL, false, 1024, 1, new double[] {1600}));
        final List<PeerRow> peers = List.of(new PeerRow("torch", "forward+backward", 1024, 1, 80_000, 70_000),
                new PeerRow("torch", "forward", 1024, 1, 50_000, 40_000), new PeerRow("torch", "forward+backward", 2048, 1, 1, 1));
        final BenchOptions o = new BenchOptions(List.of(1024), List.of(Pass.FORWARD, Pass.BACKWARD_RECOMPUTE),
                BenchOptions.BACKENDS, 1, 1, 0, 0, "auto", Path.of("unused"), null, 1, false);
        final BenchReport r = new BenchReport(new BenchResult(o, "c", "t", 1, MACHINE, "", List.of(), ms, peers));
        final List<BenchReport.PeerComparison> pc = r.peerComparisons();
        assertEquals(2, pc.size(), "only series with both passes of a mode, only the peer's forward+backward at the same size");
        assertEquals("opencl device", pc.get(0).ours());
        assertEquals(NoiseMode.RECOMPUTE, pc.get(0).mode());
        assertEquals(4000, pc.get(0).oursNs(), 0);
        assertEquals(20, pc.get(0).speedup(), 1e-12);
        assertEquals(NoiseMode.STORE, pc.get(1).mode());
        assertEquals(3200, pc.get(1).oursNs(), 0, "forward-store + backward-store of the same backend and timing");
        assertEquals(25, pc.get(1).speedup(), 1e-12);
        assertTrue(r.markdown().contains("| 2^10 | opencl device | RECOMPUTE | 3.91 | torch | 78.1 | 20.0x |"), r.markdown());
        assertTrue(r.markdown().contains("| 2^10 | opencl device | STORE | 3.13 | torch | 78.1 | 25.0x |"), r.markdown());
        assertTrue(Json.write(r.toMap()).contains("\"mode\": \"STORE\""), Json.write(r.toMap()));
    }

    @Test
    void peersFilesAreReadAndCheckedAndDrawnInTheMatchingPanel(@TempDir Path dir) throws IOException {
        final Path f = dir.resolve("peers.json");
        Files.writeString(f, "{\"results\": [{\"peer\": \"numpy 1.24 cpu\", \"pass\": \"noise\", \"n\": 1024,"
                + " \"median_ns\": 2048.0, \"min_ns\": 2000}]}");
        final List<PeerRow> rows = PeerRow.read(f);
        assertEquals(1, rows.size());
        assertEquals(2.0, rows.get(0).nsPerElement(), 1e-12);
        final BenchReport r = new BenchReport(result(List.of(1024), sweep(List.of(1024)), rows));
        assertTrue(r.markdown().contains("| numpy 1.24 cpu | noise | 2^10 | 2048 |"), r.markdown());
        assertTrue(r.panel(Pass.NOISE).series().stream().anyMatch(s -> s.name().equals("numpy 1.24 cpu noise")));
        Files.writeString(f, "{\"results\": [{\"peer\": \"x\", \"pass\": \"noise\", \"n\": 1024, \"median_ns\": -1, \"min_ns\": 1}]}");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PeerRow.read(f)).getMessage()
                .contains("results[0].median_ns is not a positive number"));
        Files.writeString(f, "{\"rows\": []}");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PeerRow.read(f)).getMessage()
                .contains("no \"results\" array"));
    }

    @Test
    void settingsThatChangeAMeasurementAreRecordedAndOthersAreNot() {
        final Properties props = new Properties();
        props.setProperty("reparam.streamingStores", "never");
        props.setProperty("java.version", "17");
        final Map<String, String> s = MachineInfo.readSettings(Map.of("POCL_AFFINITY", "1", "POCL_MAX_PTHREAD_COUNT", "1",
                "OCL_ICD_VENDORS", "/etc/OpenCL/vendors", "GLIBC_TUNABLES", "glibc.malloc.hugetlb=1", "HOME", "/root",
                "POCLX", "no", "LD_LIBRARY_PATH", "/x"), props);
        assertEquals(Map.of("POCL_AFFINITY", "1", "POCL_MAX_PTHREAD_COUNT", "1", "OCL_ICD_VENDORS", "/etc/OpenCL/vendors",
                "GLIBC_TUNABLES", "glibc.malloc.hugetlb=1", "-Dreparam.streamingStores", "never"), s);
        assertEquals(List.of("-Dreparam.streamingStores", "GLIBC_TUNABLES", "OCL_ICD_VENDORS", "POCL_AFFINITY",
                "POCL_MAX_PTHREAD_COUNT"), List.copyOf(new MachineInfo("c", "d", 1, "o", "j", null, null, "l", s).settings().keySet()),
                "sorted by name");

        final BenchReport r = new BenchReport(result(List.of(1024), sweep(List.of(1024)), List.of()));
        assertTrue(r.markdown().contains("- settings: -Dreparam.streamingStores=never, POCL_AFFINITY=1\n"), r.markdown());
        assertTrue(Json.write(r.toMap()).contains("\"POCL_AFFINITY\": \"1\""), Json.write(r.toMap()));
        final MachineInfo bare = new MachineInfo("c", "d", 1, "o", "j", null, null, "l", Map.of());
        assertTrue(new BenchReport(new BenchResult(result(List.of(1024), List.of(), List.of()).options(), "c", "t", 1, bare, "", List.of(), List.of(), List.of()))
                .markdown().contains("- settings: none"));
    }
}
