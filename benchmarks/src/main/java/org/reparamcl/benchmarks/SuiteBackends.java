package org.reparamcl.benchmarks;

import org.reparamcl.Backend;
import org.reparamcl.Backends;
import org.reparamcl.opencl.OpenClBackend;

/** Opens the backends the suite's {@code backend} parameter names. */
final class SuiteBackends {
    /** Seed of every noise stream the suite draws. */
    static final long SEED = 42;

    private SuiteBackends() {
    }

    /**
     * {@code cpu}: the CPU reference on all processors; {@code opencl}: the device the system
     * property {@code reparam.device} selects (default {@code auto}).
     */
    static Backend open(String name) {
        return switch (name) {
            case "cpu" -> Backends.cpu();
            case "opencl" -> openCl();
            default -> throw new IllegalArgumentException("unknown backend '" + name + "' (expected cpu or opencl)");
        };
    }

    static OpenClBackend openCl() {
        return Backends.openCl(System.getProperty("reparam.device", "auto"));
    }
}
