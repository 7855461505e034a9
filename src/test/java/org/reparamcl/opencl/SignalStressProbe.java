package org.reparamcl.opencl;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Child-JVM program for {@link SignalChainingTest}: builds the kernels (PoCL runs LLVM, which
 * installs its signal handlers), then keeps four threads in compiled loops while the main thread
 * forces safepoints with {@code System.gc()} for the given number of milliseconds: the workload
 * where two threads trap at once. With {@code quick}, it only builds and exits.
 */
public final class SignalStressProbe {
    private static volatile double sink;

    private SignalStressProbe() {
    }

    public static void main(String[] args) throws Exception {
        try (OpenClBackend cl = OpenClBackend.create(ClDevices.select("auto"))) {
            cl.fillNormal(1, 2, 3, new float[1000]);
        }
        System.out.println("jsig=" + Files.readString(Path.of("/proc/self/maps")).contains("libjsig"));
        if (args[0].equals("quick")) {
            System.out.println("done");
            return;
        }
        final long end = System.nanoTime() + Long.parseLong(args[0]) * 1_000_000L;
        final Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                double s = 0;
                while (System.nanoTime() < end) {
                    for (int i = 0; i < 100_000; i++) {
                        s += Math.sqrt(i);
                    }
                    sink = s;
                }
            });
            threads[t].start();
        }
        int safepoints = 0;
        while (System.nanoTime() < end) {
            System.gc();
            safepoints++;
            Thread.sleep(5);
        }
        for (Thread t : threads) {
            t.join();
        }
        System.out.println("safepoints=" + safepoints);
        System.out.println("done");
    }
}
