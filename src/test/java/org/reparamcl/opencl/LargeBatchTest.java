package org.reparamcl.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.reparamcl.ChildJvm;
import org.reparamcl.rng.NoiseStream;

/**
 * Host calls larger than the device stream through one staging buffer: bounded device memory,
 * and the same bits as the CPU reference whatever the chunking.
 */
class LargeBatchTest {
    static final int SENTINEL = 0x7FC0DEAD;

    /**
     * A staging buffer of 1,000 elements (not a multiple of 4 or 64, so chunks start at every
     * lane of a Philox block): fills of up to 12,345 elements, at offsets near 2^34 and at the
     * end of the stream, into arrays at odd positions and into direct buffers, equal the
     * reference and never touch the elements around them. The device holds 4,000 bytes.
     */
    @Test
    void chunkSeamsAreInvisible() {
        OpenClTestSupport.requireOpenCl();
        final long bytesBefore = ClResources.liveBufferBytes();
        try (OpenClBackend cl = OpenClBackend.create(ClDevices.select("auto"), 1000)) {
            final int[] lengths = {1, 3, 999, 1000, 1001, 2001, 2999, 3001, 12_345};
            for (int n : lengths) {
                for (long offset : new long[] {0, 3, (1L << 34) - 5, -(long) n - 1, -(long) n}) {
                    final String where = "n = " + n + ", offset = " + Long.toUnsignedString(offset);
                    final float[] f = sentinelFloats(n + 10);
                    cl.fillNormal(17, 5, offset, f, 7, n);
                    final float[] wantF = sentinelFloats(n + 10);
                    NoiseStream.fillNormal(17, 5, offset, wantF, 7, n);
                    assertArrayEquals(wantF, f, where);
                    final int[] w = sentinelInts(n + 10);
                    cl.fillBits(17, 5, offset, w, 3, n);
                    final int[] wantW = sentinelInts(n + 10);
                    NoiseStream.fillBits(17, 5, offset, wantW, 3, n);
                    assertArrayEquals(wantW, w, where);
                    final FloatBuffer df = ByteBuffer.allocateDirect(4 * (n + 2)).order(ByteOrder.nativeOrder()).asFloatBuffer();
                    df.put(sentinelFloats(n + 2)).position(1).limit(n + 1);
                    cl.fillNormal(17, 5, offset, df);
                    final float[] gotF = new float[n + 2];
                    df.clear().get(gotF);
                    final float[] wantDf = sentinelFloats(n + 2);
                    NoiseStream.fillNormal(17, 5, offset, wantDf, 1, n);
                    assertArrayEquals(wantDf, gotF, where + " (direct FloatBuffer)");
                    final IntBuffer di = ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder()).asIntBuffer();
                    cl.fillBits(17, 5, offset, di);
                    final int[] gotW = new int[n];
                    di.clear().get(gotW);
                    assertArrayEquals(Arrays.copyOfRange(wantW, 3, 3 + n), gotW, where + " (direct IntBuffer)");
                }
            }
            assertEquals(bytesBefore + 4000, ClResources.liveBufferBytes(), "device bytes held: one 1,000-element staging buffer");
        }
        assertEquals(bytesBefore, ClResources.liveBufferBytes());
    }

    /**
     * Under POCL_MEMORY_LIMIT=1 the device reports 1 GiB of global memory and 256 MiB of maximum
     * allocation; one call fills 2^28 + 4,099 eps (1 GiB + 16 KiB), ending 3 elements before the
     * end of the stream, and every one equals the CPU reference. The device never held more than
     * the 16 MiB staging buffer.
     */
    @Test
    void fillLargerThanDeviceMemoryMatchesCpuReference() throws Exception {
        OpenClTestSupport.requireOpenCl();
        assumeTrue(ClDevices.list().stream().allMatch(d -> d.platformName().contains("Portable Computing Language")),
                "POCL_MEMORY_LIMIT only applies to PoCL");
        final int n = (1 << 28) + 4099;
        final ChildJvm.Result r = ChildJvm.of(LargeFillProbe.class)
                .env("POCL_MEMORY_LIMIT", "1")
                .jvm("-Xmx1600m")
                .args(Integer.toString(n), Long.toUnsignedString(-(long) n - 3), "full")
                .timeout(Duration.ofSeconds(180)).run();
        final String all = r.describe();
        assertEquals(0, r.exitCode(), all);
        final long global = Long.parseLong(ChildJvm.field(r, "device.global"));
        assertEquals(1L << 30, global, all);
        assertTrue(Long.parseLong(ChildJvm.field(r, "request.bytes")) > global, all);
        assertEquals(Integer.toString(n), ChildJvm.field(r, "checked"), all);
        assertEquals("0", ChildJvm.field(r, "mismatches"), all);
        assertEquals(Long.toString(4L * OpenClBackend.STAGING_ELEMENTS), ChildJvm.field(r, "peak.bytes"), all);
        assertEquals("0", ChildJvm.field(r, "live"), all);
        System.out.println("large batch: " + ChildJvm.field(r, "request.bytes") + " bytes through a device reporting "
                + global + " bytes, fill " + ChildJvm.field(r, "fill.ms") + " ms, child " + r.millis() + " ms, 0 mismatches");
    }

    /**
     * The largest host call, 2^31 - 9 eps (8 GiB) into one float[], under POCL_MEMORY_LIMIT=1:
     * checked in 64-element windows around each of the 511 staging seams, at both ends and at
     * 1,000 random places. Needs a 9 GiB child JVM, so it runs only where 12 GiB are available.
     */
    @Test
    void largestHostArray() throws Exception {
        OpenClTestSupport.requireOpenCl();
        assumeTrue(ClDevices.list().stream().allMatch(d -> d.platformName().contains("Portable Computing Language")),
                "POCL_MEMORY_LIMIT only applies to PoCL");
        final long available = memAvailableBytes();
        assumeTrue(available >= 12L << 30, "needs 12 GiB of available memory for a 9 GiB child JVM, have " + (available >> 20) + " MiB");
        final int n = Integer.MAX_VALUE - 8;
        final ChildJvm.Result r = ChildJvm.of(LargeFillProbe.class)
                .env("POCL_MEMORY_LIMIT", "1")
                .jvm("-Xmx9g")
                .args(Integer.toString(n), Long.toUnsignedString((1L << 63) + 12_345), "windows")
                .timeout(Duration.ofSeconds(240)).run();
        final String all = r.describe();
        assertEquals(0, r.exitCode(), all);
        assertEquals(Long.toString(4L * n), ChildJvm.field(r, "request.bytes"), all);
        assertEquals("0", ChildJvm.field(r, "mismatches"), all);
        assertTrue(Long.parseLong(ChildJvm.field(r, "checked")) >= 511 * 64 + 1000 * 64, all);
        assertEquals(Long.toString(4L * OpenClBackend.STAGING_ELEMENTS), ChildJvm.field(r, "peak.bytes"), all);
        System.out.println("largest host array: " + ChildJvm.field(r, "request.bytes") + " bytes, fill "
                + ChildJvm.field(r, "fill.ms") + " ms, " + ChildJvm.field(r, "checked") + " elements checked, 0 mismatches");
    }

    /** MemAvailable from /proc/meminfo, less where a cgroup v2 limit leaves less; 0 where unknown. */
    static long memAvailableBytes() throws IOException {
        final Path p = Path.of("/proc/meminfo");
        long available = 0;
        if (Files.isReadable(p)) {
            for (String line : Files.readAllLines(p)) {
                if (line.startsWith("MemAvailable:")) {
                    available = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        }
        final Path max = Path.of("/sys/fs/cgroup/memory.max");
        final Path current = Path.of("/sys/fs/cgroup/memory.current");
        if (Files.isReadable(max) && Files.isReadable(current)) {
            final String m = Files.readString(max).trim();
            if (!m.equals("max")) {
                available = Math.min(available, Long.parseLong(m) - Long.parseLong(Files.readString(current).trim()));
            }
        }
        return available;
    }

    static float[] sentinelFloats(int n) {
        final float[] a = new float[n];
        Arrays.fill(a, Float.intBitsToFloat(SENTINEL));
        return a;
    }

    static int[] sentinelInts(int n) {
        final int[] a = new int[n];
        Arrays.fill(a, SENTINEL);
        return a;
    }
}
