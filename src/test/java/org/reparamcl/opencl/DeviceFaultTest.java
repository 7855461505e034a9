package org.reparamcl.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reparamcl.ChildJvm;
import org.reparamcl.rng.NoiseStream;

/**
 * Device faults, each provoked for real: a missing ICD, platform, device or libOpenCL (in child
 * JVMs, whose environment hides the driver), a kernel that does not compile, and allocations the
 * device cannot satisfy (in a child JVM whose data segment is limited with {@code ulimit -d}).
 */
class DeviceFaultTest {
    @TempDir
    Path dir;

    /** OCL_ICD_VENDORS pointing at an empty directory: ocl-icd finds no ICD, so no platform. */
    @Test
    void noIcdFallsBackUnderAutoAndFailsWhenOpenClIsDemanded() throws Exception {
        OpenClTestSupport.requireOpenCl();
        final Path empty = Files.createDirectory(dir.resolve("vendors"));
        checkUnavailable(ChildJvm.of(DeviceFaultProbe.class).env("OCL_ICD_VENDORS", empty.toString()), "no OpenCL platform");
    }

    /** The only ICD listed is a library that does not exist: still no platform. */
    @Test
    void unloadableIcdIsNoPlatform() throws Exception {
        OpenClTestSupport.requireOpenCl();
        final Path empty = Files.createDirectory(dir.resolve("vendors"));
        checkUnavailable(ChildJvm.of(DeviceFaultProbe.class).env("OCL_ICD_VENDORS", empty.toString())
                .env("OCL_ICD_FILENAMES", dir.resolve("libno-such-icd.so").toString()), "no OpenCL platform");
    }

    /** PoCL with POCL_DEVICES naming no driver: the platform exists and has no device. */
    @Test
    void platformWithoutDevice() throws Exception {
        OpenClTestSupport.requireOpenCl();
        assumeTrue(ClDevices.list().stream().allMatch(d -> d.platformName().contains("Portable Computing Language")),
                "POCL_DEVICES only applies to PoCL");
        checkUnavailable(ChildJvm.of(DeviceFaultProbe.class).env("POCL_DEVICES", "none"), "none has a device");
    }

    /**
     * No loadable libOpenCL: LD_LIBRARY_PATH puts empty files named libOpenCL.so.1 and
     * libOpenCL.so first, so JOCL's dlopen of both fails ("file too short").
     */
    @Test
    void noLoadableLibOpenCl() throws Exception {
        OpenClTestSupport.requireOpenCl();
        final Path libs = Files.createDirectory(dir.resolve("lib"));
        Files.createFile(libs.resolve("libOpenCL.so.1"));
        Files.createFile(libs.resolve("libOpenCL.so"));
        final String old = System.getenv("LD_LIBRARY_PATH");
        checkUnavailable(ChildJvm.of(DeviceFaultProbe.class)
                .env("LD_LIBRARY_PATH", libs + (old == null || old.isEmpty() ? "" : ":" + old)), "OpenCL runtime could not be loaded");
    }

    private static void checkUnavailable(ChildJvm child, String cause) throws Exception {
        final ChildJvm.Result r = child.timeout(Duration.ofSeconds(60)).run();
        final String all = r.describe();
        assertEquals(0, r.exitCode(), all);
        assertEquals("cpu", ChildJvm.field(r, "auto.backend"), all);
        final String reason = ChildJvm.field(r, "auto.reason");
        assertTrue(reason.startsWith("auto fell back to the CPU reference") && reason.contains(cause), all);
        assertTrue(r.stderr().contains("INFO: auto fell back to the CPU reference"), "fallback not logged at INFO:\n" + all);
        assertEquals("same", ChildJvm.field(r, "auto.bits"), all);
        final String demanded = ChildJvm.field(r, "opencl.error");
        assertTrue(demanded.startsWith(OpenClUnavailableException.class.getName() + ": OpenCL was requested but is not usable: ")
                && demanded.contains(cause), all);
        assertTrue(ChildJvm.field(r, "unavailable").contains(cause), all);
        assertEquals("0", ChildJvm.field(r, "live"), all);
        assertEquals("1", ChildJvm.field(r, "cli.opencl.code"), all);
        assertEquals("1", ChildJvm.field(r, "cli.opencl.errlines"), all);
        assertTrue(ChildJvm.field(r, "cli.opencl.err").startsWith("reparam: error: OpenCL was requested but is not usable: "), all);
        assertEquals("absent", ChildJvm.field(r, "cli.opencl.file"), all);
        assertEquals("0", ChildJvm.field(r, "cli.auto.code"), all);
        assertTrue(ChildJvm.field(r, "cli.auto.err").startsWith("reparam: auto fell back to the CPU reference"), all);
        assertEquals("same", ChildJvm.field(r, "cli.auto.bits"), all);
        assertEquals("0", ChildJvm.field(r, "cli.devices.code"), all);
        assertTrue(ChildJvm.field(r, "cli.devices.out").startsWith("no OpenCL device: "), all);
    }

    @Test
    void brokenKernelRaisesBuildExceptionWithLogAndLeaksNothing() {
        OpenClTestSupport.requireOpenCl();
        final ClDeviceInfo device = ClDevices.select("auto");
        final long[] before = ClResources.live();
        final ClBuildException e = assertThrows(ClBuildException.class,
                () -> ClContext.create(device, List.of("broken_kernel.cl"), ClContext.BUILD_OPTIONS));
        assertTrue(e.buildLog().contains("undeclared_reparam_identifier"), e.buildLog());
        assertTrue(e.getMessage().contains(device.describe()) && e.getMessage().contains(ClContext.BUILD_OPTIONS)
                && e.getMessage().contains("undeclared_reparam_identifier"), e.getMessage());
        assertArrayEquals(before, ClResources.live(), "native objects after a failed build");
        final IllegalStateException missing = assertThrows(IllegalStateException.class,
                () -> ClContext.create(device, List.of("no_such_source.cl"), ClContext.BUILD_OPTIONS));
        assertTrue(missing.getMessage().contains("/kernels/no_such_source.cl"), missing.getMessage());
        assertArrayEquals(before, ClResources.live(), "native objects after a missing source");
        try (ClContext ok = ClContext.create(device)) {                 // the device still builds the real program
            assertTrue(!ok.isClosed());
        }
        assertArrayEquals(before, ClResources.live());
    }

    @Test
    void allocationPastMaxAllocNamesSizesAndBackendStaysUsable() {
        final OpenClBackend cl = OpenClTestSupport.backend();
        final long max = cl.context().device().maxAllocBytes();
        final long[] before = ClResources.live();
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cl.allocate(max / 4 + 1));
        assertTrue(e.getMessage().contains(Long.toString(4 * (max / 4 + 1))) && e.getMessage().contains(Long.toString(max)),
                e.getMessage());
        final IllegalArgumentException huge = assertThrows(IllegalArgumentException.class, () -> cl.allocate(Long.MAX_VALUE));
        assertTrue(huge.getMessage().contains(Long.toString(Long.MAX_VALUE)), huge.getMessage());
        assertArrayEquals(before, ClResources.live());
        final float[] got = new float[333];
        final float[] want = new float[333];
        cl.fillNormal(1, 2, 3, got);
        NoiseStream.fillNormal(1, 2, 3, want, 0, want.length);
        assertArrayEquals(want, got);
    }

    /**
     * A real allocation failure: the child's data segment is limited (ulimit -d 3 GiB), it holds
     * 64 MiB device buffers until the device refuses one, then makes a host call whose 256 MiB
     * staging buffer cannot be allocated. Both fail with ClMemoryException naming the size, the
     * destination stays untouched, and once the buffers are released the same calls succeed
     * with the reference bits.
     */
    @Test
    void allocationFailureIsClearAndTheBackendRecovers() throws Exception {
        OpenClTestSupport.requireOpenCl();
        assumeTrue(ClDevices.select("auto").type().equals("CPU"), "ulimit -d bounds device memory only on CPU devices");
        final ChildJvm.Result r = ChildJvm.of(DeviceMemoryProbe.class)
                .ulimit("-d " + (3L << 20))
                .env("MALLOC_ARENA_MAX", "2")
                .jvm("-Xms256m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:ReservedCodeCacheSize=64m", "-XX:MaxMetaspaceSize=128m")
                .timeout(Duration.ofSeconds(90)).run();
        final String all = r.describe();
        assertEquals(0, r.exitCode(), all);
        final int held = Integer.parseInt(ChildJvm.field(r, "alloc.count"));
        assertTrue(held >= 1 && held < DeviceMemoryProbe.MAX_BUFFERS, all);
        final String allocError = ChildJvm.field(r, "alloc.error");
        assertTrue(allocError.startsWith(ClMemoryException.class.getName() + ": cannot allocate " + DeviceMemoryProbe.BUFFER_BYTES
                + " bytes on "), all);
        assertTrue(ChildJvm.field(r, "staged.error").startsWith(ClMemoryException.class.getName() + ": cannot allocate "
                + 4L * DeviceMemoryProbe.STAGING_ELEMENTS + " bytes on "), all);
        assertEquals("true", ChildJvm.field(r, "staged.untouched"), all);
        assertEquals(Integer.toString(held), ChildJvm.field(r, "failed.buffers"), all);
        assertEquals("same", ChildJvm.field(r, "after.host"), all);
        assertEquals("same", ChildJvm.field(r, "after.device"), all);
        assertEquals("0", ChildJvm.field(r, "live"), all);
        assertTrue(Arrays.asList(r.stdout().split("\n")).contains("done"), all);
    }
}
