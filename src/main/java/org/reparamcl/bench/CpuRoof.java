package org.reparamcl.bench;

/**
 * The CPU roofs: plain Java loops that move the same bytes as a pass, with no generator. Each
 * stored value is a cheap function of its index so the loop cannot be skipped.
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
}
