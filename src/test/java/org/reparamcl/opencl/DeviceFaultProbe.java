package org.reparamcl.opencl;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.reparamcl.Backend;
import org.reparamcl.Backends;
import org.reparamcl.cli.Main;
import org.reparamcl.npy.Npy;
import org.reparamcl.rng.NoiseStream;

/**
 * Child-JVM program for {@link DeviceFaultTest}: run in an environment where OpenCL is broken
 * (no ICD, no platform, no device, no loadable libOpenCL), it exercises {@code auto}, a demand for
 * OpenCL and the CLI, and prints {@code key=value} lines for the parent to check.
 */
public final class DeviceFaultProbe {
    private DeviceFaultProbe() {
    }

    public static void main(String[] args) throws Exception {
        final Backends.Choice auto = Backends.auto();
        try (Backend b = auto.backend()) {
            System.out.println("auto.backend=" + b.name());
            System.out.println("auto.reason=" + auto.reason());
            final float[] got = new float[1001];
            final float[] want = new float[1001];
            b.fillNormal(7, 3, 5, got);
            NoiseStream.fillNormal(7, 3, 5, want, 0, want.length);
            System.out.println("auto.bits=" + (Arrays.equals(got, want) ? "same" : "DIFFERENT"));
        }
        try (Backend b = Backends.choose("opencl", "auto").backend()) {
            System.out.println("opencl.error=none: " + b.description());
        } catch (Throwable e) {
            System.out.println("opencl.error=" + e.getClass().getName() + ": " + e.getMessage().replace('\n', ' '));
        }
        System.out.println("unavailable=" + ClDevices.unavailableReason());
        System.out.println("live=" + ClResources.liveTotal());

        final Path dir = Files.createTempDirectory("reparam-fault");
        try {
            final Path demanded = dir.resolve("demanded.npy");
            cli("cli.opencl", demanded, "noise", "--seed", "7", "--stream", "3", "--offset", "5", "--n", "1001",
                    "--backend", "opencl", "--out", demanded.toString());
            final Path fallback = dir.resolve("auto.npy");
            cli("cli.auto", fallback, "noise", "--seed", "7", "--stream", "3", "--offset", "5", "--n", "1001",
                    "--out", fallback.toString());
            if (Files.exists(fallback)) {
                final float[] want = new float[1001];
                NoiseStream.fillNormal(7, 3, 5, want, 0, want.length);
                System.out.println("cli.auto.bits=" + (Arrays.equals(Npy.read(fallback).float32Data(), want) ? "same" : "DIFFERENT"));
            }
            final ByteArrayOutputStream o = new ByteArrayOutputStream();
            final int code = Main.run(new String[] {"devices"}, new PrintStream(o, true, StandardCharsets.UTF_8), System.err);
            System.out.println("cli.devices.code=" + code);
            System.out.println("cli.devices.out=" + o.toString(StandardCharsets.UTF_8).replace('\n', '|'));
        } finally {
            try (var s = Files.list(dir)) {
                for (Path p : s.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    private static void cli(String key, Path file, String... args) {
        final ByteArrayOutputStream o = new ByteArrayOutputStream();
        final ByteArrayOutputStream e = new ByteArrayOutputStream();
        final int code = Main.run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        final String err = e.toString(StandardCharsets.UTF_8);
        System.out.println(key + ".code=" + code);
        System.out.println(key + ".errlines=" + err.lines().count());
        System.out.println(key + ".err=" + err.replace('\n', '|'));
        System.out.println(key + ".file=" + (Files.exists(file) ? "present" : "absent"));
    }
}
