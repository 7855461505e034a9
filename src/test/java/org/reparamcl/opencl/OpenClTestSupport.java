package org.reparamcl.opencl;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Shared access to one OpenCL backend for device tests. Where no OpenCL platform exists the
 * tests skip, saying why, unless REPARAM_REQUIRE_OPENCL=1 (CI sets it): then they fail.
 */
public final class OpenClTestSupport {
    private static OpenClBackend shared;
    private static OpenClBackend portable;

    private OpenClTestSupport() {
    }

    /** The process-wide test backend on the {@code auto} device (never closed by tests). */
    public static synchronized OpenClBackend backend() {
        requireOpenCl();
        if (shared == null || isClosed(shared)) {
            shared = OpenClBackend.create(ClDevices.select(System.getenv().getOrDefault("REPARAM_DEVICE", "auto")));
        }
        return shared;
    }

    /**
     * A process-wide backend on the same device whose program is built with -DRP_PORTABLE: the
     * plain OpenCL C paths that compilers other than clang take, instead of clang's vector
     * shuffles, prefetches and streaming stores (never closed by tests).
     */
    public static synchronized OpenClBackend portableBackend() {
        requireOpenCl();
        if (portable == null || isClosed(portable)) {
            portable = OpenClBackend.create(backend().context().device(), OpenClBackend.STAGING_ELEMENTS, PORTABLE_OPTIONS);
        }
        return portable;
    }

    /** The build options of {@link #portableBackend}. */
    public static final String PORTABLE_OPTIONS = ClContext.BUILD_OPTIONS + " -DRP_PORTABLE";

    /** Skips (or fails, when OpenCL is required) where no OpenCL device is usable. */
    public static void requireOpenCl() {
        final String reason = ClDevices.unavailableReason();
        if (reason != null) {
            if ("1".equals(System.getenv("REPARAM_REQUIRE_OPENCL"))) {
                fail("REPARAM_REQUIRE_OPENCL=1 but OpenCL is not usable: " + reason);
            }
            assumeTrue(false, "skipped: no OpenCL device: " + reason);
        }
    }

    private static boolean isClosed(OpenClBackend b) {
        return b.context().isClosed();
    }
}
