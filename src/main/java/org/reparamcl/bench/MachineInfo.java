package org.reparamcl.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import org.reparamcl.opencl.ClDeviceInfo;

/**
 * The machine a run measured: CPU model (from /proc/cpuinfo where it exists), logical
 * processors, OS, JVM, the OpenCL device and driver (null without OpenCL), the load average, and
 * the settings that change what the same command measures ({@link #settings()}).
 */
public record MachineInfo(String cpuModel, String cpuDetail, int logicalProcessors, String os, String jvm,
                          String openclDevice, String openclDriver, String loadAverage, Map<String, String> settings) {

    /** Environment variables recorded under their full name: the allocator's. */
    private static final List<String> SETTING_VARIABLES = List.of("GLIBC_TUNABLES", "LD_PRELOAD");

    /** Environment variables recorded by prefix: PoCL's (threads, pinning, vectorizer) and the ICD loader's. */
    private static final List<String> SETTING_PREFIXES = List.of("POCL_", "OCL_ICD_");

    /** Copies {@code settings} (sorted, unmodifiable). */
    public MachineInfo {
        settings = Collections.unmodifiableMap(new TreeMap<>(settings));
    }

    /** Describes this machine; {@code device} is the OpenCL device of the run, or null. */
    public static MachineInfo current(ClDeviceInfo device) {
        return new MachineInfo(readCpuModel(), readCpuDetail(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
                device == null ? null : device.describe(),
                device == null ? null : device.platformName().trim() + " " + device.platformVersion().trim()
                        + ", driver " + device.driverVersion().trim(),
                readLoadAverage(), readSettings(System.getenv(), System.getProperties()));
    }

    /**
     * The settings that change what a benchmark measures without changing its command line: the
     * environment's PoCL and ICD-loader variables (POCL_AFFINITY pins PoCL's threads: see
     * docs/PERFORMANCE.md, "PoCL's worker threads"), GLIBC_TUNABLES and LD_PRELOAD, and the
     * library's own {@code reparam.*} system properties (for example
     * {@code -Dreparam.streamingStores=never}), the latter under a {@code -D} prefix.
     */
    static Map<String, String> readSettings(Map<String, String> env, Properties props) {
        final Map<String, String> m = new TreeMap<>();
        env.forEach((k, v) -> {
            if (SETTING_VARIABLES.contains(k) || SETTING_PREFIXES.stream().anyMatch(k::startsWith)) {
                m.put(k, v);
            }
        });
        for (String k : props.stringPropertyNames()) {
            if (k.startsWith("reparam.")) {
                m.put("-D" + k, props.getProperty(k));
            }
        }
        return m;
    }

    /** The CPU model name, or the os.arch property where /proc/cpuinfo is not readable. */
    static String readCpuModel() {
        try {
            final List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            for (String l : lines) {
                if (l.startsWith("model name")) {
                    final int c = l.indexOf(':');
                    return l.substring(c + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through
        }
        return "unknown (" + System.getProperty("os.arch") + ")";
    }

    /** The clock ("cpu MHz") and widest SIMD flags of the first processor in /proc/cpuinfo, or "unknown". */
    static String readCpuDetail() {
        try {
            String mhz = "?";
            String simd = "";
            for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (l.startsWith("cpu MHz") && mhz.equals("?")) {
                    mhz = l.substring(l.indexOf(':') + 1).trim();
                } else if (l.startsWith("flags") && simd.isEmpty()) {
                    final List<String> f = List.of(l.substring(l.indexOf(':') + 1).trim().split("\\s+"));
                    simd = f.contains("avx512f") ? "avx512f" : f.contains("avx2") ? "avx2" : f.contains("sse4_2") ? "sse4_2" : "-";
                }
            }
            return mhz + " MHz, " + (simd.isEmpty() ? "-" : simd);
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** The 1, 5 and 15 minute load averages from /proc/loadavg, or "unknown". */
    static String readLoadAverage() {
        try {
            final String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** The fields as an ordered map for JSON. */
    public Map<String, Object> toMap() {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpu_model", cpuModel);
        m.put("cpu_detail", cpuDetail);
        m.put("logical_processors", logicalProcessors);
        m.put("os", os);
        m.put("jvm", jvm);
        m.put("opencl_device", openclDevice);
        m.put("opencl_driver", openclDriver);
        m.put("load_average_at_start", loadAverage);
        m.put("settings", settings);
        return m;
    }
}
