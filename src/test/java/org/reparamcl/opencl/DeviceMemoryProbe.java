package org.reparamcl.opencl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.reparamcl.rng.NoiseStream;

/**
 * Child-JVM program for {@link DeviceFaultTest}: run with a limited data segment, it fills the
 * device with buffers until an allocation fails, makes a host call that cannot get its staging
 * buffer, releases everything and checks that the next calls succeed. Prints {@code key=value}.
 */
public final class DeviceMemoryProbe {
    static final int MAX_BUFFERS = 256;
    static final long BUFFER_ELEMENTS = 1L << 24;
    static final long BUFFER_BYTES = 4 * BUFFER_ELEMENTS;
    /** Staging of 256 MiB: more than is left once a 64 MiB buffer has been refused. */
    static final int STAGING_ELEMENTS = 1 << 26;
    private static final int SENTINEL = 0x7FC0DEAD;

    private DeviceMemoryProbe() {
    }

    public static void main(String[] args) {
        final ClDeviceInfo device = ClDevices.select("auto");
        try (OpenClBackend warm = OpenClBackend.create(device)) {     // compile paths before memory runs out
            final float[] f = new float[4096];
            warm.fillNormal(1, 2, 3, f);
            check(f, 1, 2, 3);
        }
        final OpenClBackend cl = OpenClBackend.create(device, STAGING_ELEMENTS);
        final List<ClBuffer> held = new ArrayList<>();
        try {
            while (held.size() < MAX_BUFFERS) {
                held.add(cl.allocate(BUFFER_ELEMENTS));
            }
            System.out.println("alloc.error=none");
        } catch (ClMemoryException e) {
            System.out.println("alloc.error=" + e.getClass().getName() + ": " + e.getMessage());
        }
        System.out.println("alloc.count=" + held.size());

        final float[] out = new float[100_003];
        Arrays.fill(out, Float.intBitsToFloat(SENTINEL));
        try {
            cl.fillNormal(11, 12, 13, out);
            System.out.println("staged.error=none");
        } catch (ClMemoryException e) {
            System.out.println("staged.error=" + e.getClass().getName() + ": " + e.getMessage());
        }
        boolean untouched = true;
        for (float v : out) {
            untouched &= Float.floatToRawIntBits(v) == SENTINEL;
        }
        System.out.println("staged.untouched=" + untouched);
        System.out.println("failed.buffers=" + ClResources.live()[4]);

        for (ClBuffer b : held) {
            b.close();
        }
        cl.fillNormal(11, 12, 13, out);
        System.out.println("after.host=" + check(out, 11, 12, 13));
        try (ClBuffer b = cl.allocate(BUFFER_ELEMENTS)) {
            cl.fillNormal(21, 22, 23, b, out.length);
            cl.read(b, out, 0, out.length);
            System.out.println("after.device=" + check(out, 21, 22, 23));
        }
        cl.close();
        System.out.println("live=" + ClResources.liveTotal());
        System.out.println("done");
    }

    private static String check(float[] got, long seed, long stream, long offset) {
        final float[] want = new float[got.length];
        NoiseStream.fillNormal(seed, stream, offset, want, 0, want.length);
        return Arrays.equals(got, want) ? "same" : "DIFFERENT";
    }
}
