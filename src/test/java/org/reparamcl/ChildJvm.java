package org.reparamcl;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class of the test classpath in a fresh JVM with a changed environment (no OpenCL
 * driver, a memory limit, ...), for faults that cannot be undone inside one process. The child
 * gets this JVM's classpath and environment (so POCL_CACHE_DIR carries over), plus the changes.
 */
public final class ChildJvm {
    /** What the child did. */
    public record Result(int exitCode, String stdout, String stderr, long millis) {
        /** Exit code, stdout and stderr, for assertion messages. */
        public String describe() {
            return "exit " + exitCode + " after " + millis + " ms\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    private final String mainClass;
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<String> jvmOptions = new ArrayList<>();
    private final List<String> args = new ArrayList<>();
    private String shellLimits;
    private String umask;
    private Duration timeout = Duration.ofSeconds(60);

    private ChildJvm(String mainClass) {
        this.mainClass = mainClass;
    }

    /** A child that will run {@code main}. */
    public static ChildJvm of(Class<?> main) {
        return new ChildJvm(main.getName());
    }

    /** Sets (or, with a null value, removes) an environment variable. */
    public ChildJvm env(String name, String value) {
        env.put(name, value);
        return this;
    }

    public ChildJvm jvm(String... options) {
        jvmOptions.addAll(List.of(options));
        return this;
    }

    public ChildJvm args(String... a) {
        args.addAll(List.of(a));
        return this;
    }

    /** Shell {@code ulimit} options applied before the JVM starts, e.g. {@code "-d 1572864"}. */
    public ChildJvm ulimit(String options) {
        shellLimits = options;
        return this;
    }

    /** The file mode creation mask the child starts with, e.g. {@code "027"}. */
    public ChildJvm umask(String mask) {
        umask = mask;
        return this;
    }

    public ChildJvm timeout(Duration t) {
        timeout = t;
        return this;
    }

    /** Runs the child to completion; fails the test if it outlives the timeout. */
    public Result run() throws IOException, InterruptedException {
        final List<String> cmd = new ArrayList<>();
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        if (shellLimits != null || umask != null) {
            cmd.addAll(List.of("/bin/sh", "-c", (shellLimits != null ? "ulimit " + shellLimits + " && " : "")
                    + (umask != null ? "umask " + umask + " && " : "") + "exec \"$0\" \"$@\""));
        }
        cmd.add(java);
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(args);
        final ProcessBuilder pb = new ProcessBuilder(cmd);
        for (Map.Entry<String, String> e : env.entrySet()) {
            if (e.getValue() == null) {
                pb.environment().remove(e.getKey());
            } else {
                pb.environment().put(e.getKey(), e.getValue());
            }
        }
        final Path out = Files.createTempFile("reparam-child", ".out");
        final Path err = Files.createTempFile("reparam-child", ".err");
        try {
            pb.redirectOutput(out.toFile()).redirectError(err.toFile());
            final long t0 = System.nanoTime();
            final Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                fail("child JVM " + mainClass + " " + args + " did not finish within " + timeout + "\n--- stdout\n"
                        + text(out) + "--- stderr\n" + text(err));
            }
            final long ms = (System.nanoTime() - t0) / 1_000_000;
            return new Result(p.exitValue(), text(out),
                    text(err), ms);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static String text(Path f) throws IOException {
        return new String(Files.readAllBytes(f), StandardCharsets.UTF_8);      // malformed bytes become U+FFFD
    }

    /** The value of a {@code key=value} line of a child's stdout, or null. */
    public static String field(Result r, String key) {
        for (String line : r.stdout().split("\n")) {
            if (line.startsWith(key + "=")) {
                return line.substring(key.length() + 1);
            }
        }
        return null;
    }
}
