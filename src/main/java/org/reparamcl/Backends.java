package org.reparamcl;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

import org.reparamcl.cpu.CpuBackend;
import org.reparamcl.opencl.ClDevices;
import org.reparamcl.opencl.OpenClBackend;
import org.reparamcl.opencl.OpenClUnavailableException;

/** Factories for backends, and the {@code auto} choice between OpenCL and the CPU reference. */
public final class Backends {
    private static final System.Logger LOG = System.getLogger("org.reparamcl");

    private Backends() {
    }

    /** A backend and why it was chosen. */
    public record Choice(Backend backend, String reason) {
    }

    /** The CPU reference using all available processors. */
    public static CpuBackend cpu() {
        return CpuBackend.create(Runtime.getRuntime().availableProcessors());
    }

    /** The CPU reference using {@code threads} threads (results do not depend on it). */
    public static CpuBackend cpu(int threads) {
        return CpuBackend.create(threads);
    }

    /** An OpenCL backend on the device a selector names (see {@link ClDevices#select(String)}). */
    public static OpenClBackend openCl(String deviceSelector) {
        return OpenClBackend.create(ClDevices.select(deviceSelector));
    }

    /**
     * {@code auto}: OpenCL when a device is usable, otherwise the CPU reference; the reason is
     * returned, and logged (logger {@code org.reparamcl}) at DEBUG for OpenCL and at INFO for the
     * fallback. A device is not usable when there is no ICD loader, platform or device, or when
     * its context cannot be created, the kernels do not build on it, or it fails the known-answer
     * check (other bits than the CPU reference; {@link OpenClBackend#create}).
     */
    public static Choice auto() {
        return choose("auto", "auto");
    }

    /**
     * Chooses by name: {@code cpu}, {@code opencl} (fails with OpenClUnavailableException when no
     * device is usable) or {@code auto}. {@code deviceSelector} picks the OpenCL device; with
     * {@code cpu} it must be null or {@code auto} (IllegalArgumentException otherwise: a device
     * asked for is never silently ignored).
     */
    public static Choice choose(String backend, String deviceSelector) {
        final String b = backend == null ? "auto" : backend.toLowerCase(Locale.ROOT);
        switch (b) {
            case "cpu": {
                if (deviceSelector != null && !deviceSelector.equalsIgnoreCase("auto")) {
                    throw new IllegalArgumentException("device '" + deviceSelector
                            + "' selects an OpenCL device, but the CPU reference was requested (--backend cpu takes no --device)");
                }
                final CpuBackend cpu = cpu();
                return log(new Choice(cpu, "CPU reference requested (" + cpu.description() + ")"));
            }
            case "opencl":
                try {
                    final OpenClBackend cl = openCl(deviceSelector);
                    return log(new Choice(cl, "OpenCL requested: " + cl.description()));
                } catch (OpenClUnavailableException e) {
                    throw new OpenClUnavailableException("OpenCL was requested but is not usable: " + e.getMessage(), e);
                }
            case "auto":
                try {
                    final OpenClBackend cl = openCl(deviceSelector);
                    final String note = routeSmallBatches(cl);
                    return log(new Choice(cl, "auto chose OpenCL: " + cl.description() + note));
                } catch (RuntimeException | LinkageError e) {
                    final CpuBackend cpu = cpu();
                    final Choice c = new Choice(cpu, "auto fell back to the CPU reference (" + cpu.description()
                            + ") because no OpenCL device is usable: " + e.getMessage());
                    LOG.log(Level.INFO, c.reason());
                    return c;
                }
            default:
                throw new IllegalArgumentException("unknown backend '" + backend + "' (expected auto, cpu or opencl)");
        }
    }

    /**
     * Applies the saved crossover ({@link CrossoverTable#find()}) to {@code cl} when there is one
     * for its device: host-array batches below it then run on the CPU reference. Returns a note
     * for the reason when the table is not used (unreadable, or measured on another device).
     */
    static String routeSmallBatches(OpenClBackend cl) {
        final Path where = CrossoverTable.location();
        try {
            final Optional<CrossoverTable> t = CrossoverTable.find();
            if (t.isEmpty()) {
                return "";
            }
            if (!t.get().appliesTo(cl.context().device().deviceName())) {
                return " (the crossover in " + where + " was measured on another device: "
                        + t.get().device().orElse("?") + "; not used)";
            }
            cl.routeSmallBatches(t.get(), where.toString());
            return "";
        } catch (IOException | IllegalArgumentException e) {
            LOG.log(Level.WARNING, "crossover file " + where + " not used: " + e.getMessage());
            return " (crossover file " + where + " not used: " + e.getMessage() + ")";
        }
    }

    private static Choice log(Choice c) {
        LOG.log(Level.DEBUG, c.reason());
        return c;
    }
}
