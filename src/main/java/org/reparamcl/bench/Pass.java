package org.reparamcl.bench;

import java.util.List;
import java.util.Locale;

import org.reparamcl.NoiseMode;

/**
 * What a benchmark point computes, and the bytes it and its roof move per element of z: bytes
 * touched once per element plus bytes touched once per parameter (mu and rho of shape (B, D),
 * shared by the K samples). Value checks are off in every pass
 * ({@code ReparamSpec.checkValues(false)}): the timing is of the pass itself.
 */
public enum Pass {
    /** eps for (seed, stream, offset, n), written to the output: 4 bytes written per element. */
    NOISE("noise", null, 4, 0),
    /** z = mu + sigma(rho) * eps, eps regenerated and not kept (RECOMPUTE): z written; mu, rho read. */
    FORWARD("forward", NoiseMode.RECOMPUTE, 4, 8),
    /** The forward pass that also writes eps for a STORE backward: z, eps written; mu, rho read. */
    FORWARD_STORE("forward-store", NoiseMode.STORE, 8, 8),
    /**
     * dL/dmu, dL/drho from dL/dz, eps regenerated: gradZ read; gradMu, gradRho written (with the
     * benchmarks' sigma parameterization and no KL or log q the pass reads neither mu nor rho).
     */
    BACKWARD_RECOMPUTE("backward-recompute", NoiseMode.RECOMPUTE, 4, 8),
    /** The backward pass reading the stored eps: gradZ, eps read; gradMu, gradRho written. */
    BACKWARD_STORE("backward-store", NoiseMode.STORE, 8, 8);

    /** The passes a run does when none are named. */
    public static final List<Pass> DEFAULT = List.of(NOISE, FORWARD, FORWARD_STORE, BACKWARD_RECOMPUTE, BACKWARD_STORE);

    private final String label;
    private final NoiseMode mode;
    private final int bytesPerElement;
    private final int bytesPerParameter;

    Pass(String label, NoiseMode mode, int bytesPerElement, int bytesPerParameter) {
        this.label = label;
        this.mode = mode;
        this.bytesPerElement = bytesPerElement;
        this.bytesPerParameter = bytesPerParameter;
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

    /** Bytes the pass (and its roof) moves per element of z with K samples per parameter. */
    public double bytesPerElement(int samples) {
        return bytesPerElement + (double) bytesPerParameter / samples;
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
