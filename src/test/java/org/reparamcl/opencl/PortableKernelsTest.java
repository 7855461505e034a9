package org.reparamcl.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_kernel;
import org.junit.jupiter.api.Test;

/**
 * The kernels use clang's vector shuffles, prefetches and streaming stores where the compiler is
 * clang (PoCL, and the clang-based drivers of AMD, Intel and Apple), and plain OpenCL C paths that
 * compute the same bits elsewhere. -DRP_PORTABLE forces the plain paths on clang, so that they run
 * here: the Portable*ParityTest classes rerun the parity tests on a program built that way. This
 * class checks that the two builds really differ in what they compile (so the reruns cannot pass
 * by testing the clang paths twice) and that the portable program passes the backend's own
 * known-answer check.
 */
class PortableKernelsTest {
    private static int features(ClDeviceInfo device, String options) {
        // philox4x32.cl decides the extensions for the whole program; it alone builds in moments
        final List<String> sources = List.of(ClContext.KERNEL_SOURCES.get(0), "build_features_probe.cl");
        try (ClContext ctx = ClContext.create(device, sources, options); ClBuffer out = ctx.allocate(4)) {
            final cl_kernel k = ctx.kernel("probe_build_features");
            CL.clSetKernelArg(k, 0, Sizeof.cl_mem, Pointer.to(out.mem()));
            CL.clEnqueueNDRangeKernel(ctx.queue(), k, 1, null, new long[] {1}, new long[] {1}, 0, null, null);
            final int[] f = new int[1];
            CL.clEnqueueReadBuffer(ctx.queue(), out.mem(), CL.CL_TRUE, 0, 4, Pointer.to(f), 0, null, null);
            return f[0];
        }
    }

    @Test
    void thePortableBuildCompilesNoCompilerExtension() {
        final ClDeviceInfo device = OpenClTestSupport.backend().context().device();
        assertEquals(0, features(device, OpenClTestSupport.PORTABLE_OPTIONS), "extensions left in the -DRP_PORTABLE build");
        final int normal = features(device, ClContext.BUILD_OPTIONS);
        if (device.platformName().contains("Portable Computing Language")) {
            assertEquals(7, normal, "PoCL's clang should build shuffles and under-aligned vectors (1), streaming stores (2) and prefetches (4)");
        }
    }

    /**
     * Drivers that compile OpenCL C to SPIR-V (Mesa's rusticl; clang then defines __SPIR64__ or
     * __SPIR__) get no prefetches: the SPIR-V translator has no form for llvm.prefetch and aborts
     * the process inside clBuildProgram (found on rusticl 22.3). Shuffles and streaming stores
     * translate, and stay. Here the target macro is defined by hand on PoCL.
     */
    @Test
    void aSpirTargetGetsNoPrefetches() {
        final ClDeviceInfo device = OpenClTestSupport.backend().context().device();
        final int normal = features(device, ClContext.BUILD_OPTIONS);
        assertEquals(normal & ~4, features(device, ClContext.BUILD_OPTIONS + " -D__SPIR64__=1"));
        assertEquals(normal & ~4, features(device, ClContext.BUILD_OPTIONS + " -D__SPIR__=1"));
    }

    /**
     * Devices are listed with CL_DEVICE_TYPE_ALL as the standard's 32-bit field. JOCL's constant has
     * all 64 bits set, which rusticl refuses (CL_INVALID_DEVICE_TYPE), so that no device showed.
     */
    @Test
    void devicesAreListedWithTheStandardDeviceTypeField() {
        assertEquals(0xFFFFFFFFL, ClDevices.DEVICE_TYPE_ALL);
        assertEquals(-1L, CL.CL_DEVICE_TYPE_ALL, "JOCL's constant changed: ClDevices.DEVICE_TYPE_ALL may go");
        final long[] type = new long[1];
        final ClDeviceInfo device = OpenClTestSupport.backend().context().device();
        CL.clGetDeviceInfo(device.device(), CL.CL_DEVICE_TYPE, Sizeof.cl_ulong, Pointer.to(type), null);
        assertEquals(0, type[0] & ~ClDevices.DEVICE_TYPE_ALL, "a device type outside the 32-bit field");
    }

    @Test
    void thePortableBackendPassesTheKnownAnswerCheck() {
        final OpenClBackend portable = OpenClTestSupport.portableBackend();
        assertEquals(null, portable.referenceBitsMismatch(0));
        // and the check can fail on it: a tampered reference is reported
        assertEquals(true, portable.referenceBitsMismatch(OpenClBackend.TAMPER_GRAD_RHO) != null);
    }
}
