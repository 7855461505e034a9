package org.reparamcl.bench;

/**
 * The CPU roofs: plain Java loops that move the same bytes as a pass, with no generator and no
 * transcendental functions. Each stored value is a cheap function of what was read (or of the
 * index) so the loop cannot be skipped. Ranges are of elements [from, to) of z; parameter
 * element p of element i is {@code i mod P} (P = mu.length).
 */
public final class CpuRoof {
    private CpuRoof() {
    }

    /** The noise roof: stores 4 bytes per element into {@code dst[from .. to)}. */
    public static void store(float[] dst, int from, int to, int key) {
        for (int i = from; i < to; i++) {
            dst[i] = Float.intBitsToFloat((i ^ key) & 0x3FFFFFFF);
        }
    }

    /** The forward roof: reads mu and rho, writes z (and eps when not null). */
    public static void forward(float[] mu, float[] rho, float[] z, float[] eps, int from, int to) {
        final int np = mu.length;
        int p = from % np;
        for (int i = from; i < to; i++) {
            final float m = mu[p];
            final float r = rho[p];
            z[i] = m + r;
            if (eps != null) {
                eps[i] = r;
            }
            if (++p == np) {
                p = 0;
            }
        }
    }

    /**
     * The backward roof over parameter elements [from, to): reads gradZ for every sample row (and
     * eps when not null) and writes gradMu and gradRho once per parameter: the bytes the backward
     * pass moves with the sigma parameterization, which needs neither mu nor rho (dsigma/drho = 1).
     */
    public static void backward(float[] eps, float[] gradZ, float[] gradMu, float[] gradRho, int from, int to) {
        final int np = gradMu.length;
        final int rows = gradZ.length / np;
        if (rows == 1) {
            if (eps == null) {
                for (int p = from; p < to; p++) {
                    final float g = gradZ[p];
                    gradMu[p] = g;
                    gradRho[p] = g * 0.5f;
                }
            } else {
                for (int p = from; p < to; p++) {
                    final float g = gradZ[p];
                    gradMu[p] = g;
                    gradRho[p] = g * eps[p];
                }
            }
            return;
        }
        for (int p = from; p < to; p++) {
            float sm = 0f;
            float sr = 0f;
            for (int k = 0, i = p; k < rows; k++, i += np) {
                final float g = gradZ[i];
                sm += g;
                sr += eps == null ? g * 0.5f : g * eps[i];
            }
            gradMu[p] = sm;
            gradRho[p] = sr;
        }
    }
}
