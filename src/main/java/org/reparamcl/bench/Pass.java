package org.reparamcl.bench;

import java.util.List;
import java.util.Locale;

import org.reparamcl.NoiseMode;

/**
 * What a benchmark point computes, and the bytes per element its roof moves (K = 1, mu and rho
 * of shape (B, D); per element of z). Value checks are off in every pass
 * ({@code ReparamSpec.checkValues(false)}): the timing is of the pass itself.
 */
public enum Pass {
    /** eps for (seed, stream, offset, n), written to the output: 4 bytes written. */
    NOISE("noise", null, 0, 4),
    /** z = mu + sigma(rho) * eps, eps regenerated and not kept (RECOMPUTE): mu, rho read; z written. */
    FORWARD("forward", NoiseMode.RECOMPUTE, 8, 4),
    /** The forward pass that also writes eps for a STORE backward: mu, rho read; z, eps written. */
    FORWARD_STORE("forward-store", NoiseMode.STORE, 8, 8),
    /** dL/dmu, dL/drho from dL/dz, eps regenerated: gradZ, rho read; gradMu, gradRho written. */
    BACKWARD_RECOMPUTE("backward-recompute", NoiseMode.RECOMPUTE, 8, 8),
    /** The backward pass reading the stored eps: gradZ, eps, rho read; gradMu, gradRho written. */
    BACKWARD_STORE("backward-store", NoiseMode.STORE, 12, 8);

    /** The passes a run does when none are named. */
    public static final List<Pass> DEFAULT = List.of(NOISE, FORWARD, BACKWARD_RECOMPUTE, BACKWARD_STORE);

    private final String label;
    private final NoiseMode mode;
    private final int bytesRead;
    private final int bytesWritten;

    Pass(String label, NoiseMode mode, int bytesRead, int bytesWritten) {
        this.label = label;
        this.mode = mode;
        this.bytesRead = bytesRead;
        this.bytesWritten = bytesWritten;
    }

    /** The name used in flags, tables and JSON. */
    public String label() {
        return label;
    }

    /** The noise mode of a reparameterized pass; null for {@link #NOISE}. */
    public NoiseMode noiseMode() {
        return mode;
    }

    /** Whether this is a backward pass. */
    public boolean backward() {
        return this == BACKWARD_RECOMPUTE || this == BACKWARD_STORE;
    }

    /** Whether the OpenCL backend of this build runs this pass. */
    public boolean runsOnOpenCl() {
        return this == NOISE;
    }

    /** Bytes read per element by the pass and by its roof (K = 1). */
    public int bytesRead() {
        return bytesRead;
    }

    /** Bytes written per element by the pass and by its roof (K = 1). */
    public int bytesWritten() {
        return bytesWritten;
    }

    /** The pass a flag value names; IllegalArgumentException listing the known ones otherwise. */
    public static Pass parse(String s) {
        final String v = s.trim().toLowerCase(Locale.ROOT);
        for (Pass p : values()) {
            if (p.label.equals(v)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown pass '" + s + "' (known: " + known() + ")");
    }

    /** The known pass names, comma separated. */
    public static String known() {
        final StringBuilder sb = new StringBuilder();
        for (Pass p : values()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(p.label);
        }
        return sb.toString();
    }
}
