package org.reparamcl.bench;

import java.util.ArrayList;
import java.util.List;

import org.reparamcl.Backends;
import org.reparamcl.cpu.CpuBackend;
import org.reparamcl.opencl.ClBuffer;
import org.reparamcl.opencl.OpenClBackend;
import org.reparamcl.opencl.OpenClUnavailableException;

/**
 * The backends and buffers of one benchmark run, sized for its largest point, and the cases
 * timed at each size. Buffers are allocated once; a timed call allocates nothing (the kernel
 * timing path allocates one profiling event per call). Closing releases everything.
 */
final class BenchSetup implements AutoCloseable {
    private final BenchOptions options;
    private final List<CpuBackend> cpus = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private OpenClBackend cl;
    private ClBuffer deviceOut;
    private float[] hostOut;

    BenchSetup(BenchOptions options) {
        this.options = options;
        final int all = Runtime.getRuntime().availableProcessors();
        try {
            if (options.backends().contains("cpu-1")) {
                cpus.add(Backends.cpu(1));
            }
            if (options.backends().contains("cpu-all")) {
                if (all > 1 || !options.backends().contains("cpu-1")) {
                    cpus.add(Backends.cpu(all));
                } else {
                    notes.add("cpu-all is the same as cpu-1 on this machine (1 processor): measured once");
                }
            }
            if (options.backends().contains("opencl")) {
                try {
                    cl = Backends.openCl(options.device());
                } catch (OpenClUnavailableException | LinkageError e) {
                    notes.add("no OpenCL rows: " + e.getMessage());
                }
            }
            hostOut = new float[options.maxSize()];
            if (cl != null) {
                deviceOut = cl.allocate(options.maxSize());
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /** Why some requested rows are missing, or facts about the setup; empty when nothing to say. */
    List<String> notes() {
        return List.copyOf(notes);
    }

    /** The OpenCL backend, or null when it is not in this run. */
    OpenClBackend openCl() {
        return cl;
    }

    /** The CPU backends in this run (1 thread first). */
    List<CpuBackend> cpus() {
        return List.copyOf(cpus);
    }

    /** The backend id of a CPU backend: {@code cpu-THREADS}. */
    static String cpuId(CpuBackend b) {
        return "cpu-" + b.threads();
    }

    /** The cases of one pass at one size, in a fixed order: each pass case right before its roof. */
    List<BenchCase> cases(Pass pass, int n) {
        return switch (pass) {
            case NOISE -> noiseCases(n);
        };
    }

    private List<BenchCase> noiseCases(int n) {
        final String p = Pass.NOISE.label();
        final long seed = options.seed();
        final List<BenchCase> out = new ArrayList<>();
        final float[] host = hostOut;
        for (CpuBackend b : cpus) {
            final String id = cpuId(b);
            out.add(new BenchCase(p, id, Timing.END_TO_END, false, n, () -> {
                b.fillNormal(seed, 0, 0, host, 0, n);
                return 0;
            }));
            out.add(new BenchCase(p, id, Timing.END_TO_END, true, n, () -> {
                b.parallel(n, (from, to) -> CpuRoof.store(host, from, to, (int) seed));
                return 0;
            }));
        }
        if (cl != null) {
            final OpenClBackend c = cl;
            final ClBuffer d = deviceOut;
            out.add(new BenchCase(p, "opencl", Timing.KERNEL, false, n, () -> c.fillNormalTimed(seed, 0, 0, d, n)));
            out.add(new BenchCase(p, "opencl", Timing.KERNEL, true, n, () -> c.fillRoofTimed(d, n)));
            out.add(new BenchCase(p, "opencl", Timing.END_TO_END, false, n, () -> {
                c.fillNormal(seed, 0, 0, host, 0, n);
                return 0;
            }));
            out.add(new BenchCase(p, "opencl", Timing.END_TO_END, true, n, () -> {
                c.fillRoof(d, n);
                c.read(d, host, 0, n);
                return 0;
            }));
        }
        return out;
    }

    @Override
    public void close() {
        if (deviceOut != null) {
            deviceOut.close();
        }
        if (cl != null) {
            cl.close();
        }
        for (CpuBackend b : cpus) {
            b.close();
        }
    }
}
