package org.reparamcl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CrossoverTableTest {
    @Test
    void routesBatchesBelowTheCrossoverToTheCpu(@TempDir Path dir) throws IOException {
        final Path f = dir.resolve("crossover.properties");
        Files.writeString(f, "# reparam bench\nnoise.end-to-end=4096\nnoise.device=1024\nforward.end-to-end=none\n");
        final CrossoverTable t = CrossoverTable.load(f);
        assertEquals(OptionalLong.of(4096), t.minElements("noise"));
        assertTrue(t.preferCpu("noise", 4095));
        assertFalse(t.preferCpu("noise", 4096));
        assertEquals(OptionalLong.empty(), t.minElements("forward"));
        assertTrue(t.preferCpu("forward", 1L << 40), "OpenCL never won: stay on the CPU");
        assertFalse(t.preferCpu("backward-recompute", 1), "unknown pass: no routing");
    }

    /** 1 is what the bench saves when OpenCL won at every measured size: no batch is routed. */
    @Test
    void oneRoutesNothing() {
        final Properties p = new Properties();
        p.setProperty("forward.end-to-end", "1");
        p.setProperty("noise.end-to-end", "65537");
        final CrossoverTable t = CrossoverTable.of(p, "t");
        assertTrue(t.knows("forward"));
        assertFalse(t.preferCpu("forward", 1));
        assertEquals(OptionalLong.of(1), t.minElements("forward"));
        assertTrue(t.preferCpu("noise", 65536));
        assertFalse(t.preferCpu("noise", 65537));
        assertEquals("forward at no size, noise below 65537", t.summary());
    }

    @Test
    void badEntriesNameTheKeyAndFile() {
        final Properties p = new Properties();
        p.setProperty("noise.end-to-end", "lots");
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CrossoverTable.of(p, "x.properties"));
        assertTrue(e.getMessage().contains("x.properties: noise.end-to-end = 'lots'"), e.getMessage());
        p.setProperty("noise.end-to-end", "0");
        assertThrows(IllegalArgumentException.class, () -> CrossoverTable.of(p, "x"));
    }

    @Test
    void theSystemPropertyNamesTheFile(@TempDir Path dir) throws IOException {
        final Path f = dir.resolve("c.properties");
        Files.writeString(f, "noise.end-to-end=64\n");
        final String before = System.getProperty(CrossoverTable.PROPERTY);
        System.setProperty(CrossoverTable.PROPERTY, f.toString());
        try {
            assertEquals(f, CrossoverTable.location());
            assertTrue(CrossoverTable.find().orElseThrow().preferCpu("noise", 63));
            System.setProperty(CrossoverTable.PROPERTY, dir.resolve("missing").toString());
            assertTrue(CrossoverTable.find().isEmpty());
        } finally {
            if (before == null) {
                System.clearProperty(CrossoverTable.PROPERTY);
            } else {
                System.setProperty(CrossoverTable.PROPERTY, before);
            }
        }
        assertTrue(CrossoverTable.defaultLocation().endsWith(Path.of("reparam-cl", "crossover.properties")));
    }

    @Test
    void deviceAndSummary() {
        final Properties p = new Properties();
        p.setProperty("noise.end-to-end", "16384");
        p.setProperty("backward-store.end-to-end", "none");
        final CrossoverTable anyDevice = CrossoverTable.of(p, "t");
        assertTrue(anyDevice.device().isEmpty());
        assertTrue(anyDevice.appliesTo("whatever"));
        assertEquals("backward-store at every size, noise below 16384", anyDevice.summary());
        p.setProperty(CrossoverTable.DEVICE_KEY, "[0:0] pthread-skylake-avx512-Intel(R) Xeon(R) Processor (CPU, 2 compute units)");
        final CrossoverTable t = CrossoverTable.of(p, "t");
        assertTrue(t.appliesTo("pthread-skylake-avx512-Intel(R) Xeon(R) Processor"));
        assertFalse(t.appliesTo("NVIDIA H100 80GB HBM3"));
        assertFalse(t.appliesTo(null));
        assertEquals("no passes", CrossoverTable.of(new Properties(), "t").summary());
    }
}
