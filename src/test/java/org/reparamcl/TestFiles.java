package org.reparamcl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Assumptions;

/** Special files for output tests, made in a test's own directory (never a device node). */
public final class TestFiles {
    private TestFiles() {
    }

    /** The names of the entries of {@code dir}, sorted (what a command left there). */
    public static java.util.List<String> listing(Path dir) throws IOException {
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** A FIFO made with mkfifo(1) in {@code dir}; skips the test where there is no mkfifo. */
    public static Path fifo(Path dir, String name) throws IOException, InterruptedException {
        final Path f = dir.resolve(name);
        final Process p;
        try {
            p = new ProcessBuilder("mkfifo", f.toString()).inheritIO().start();
        } catch (IOException e) {
            Assumptions.assumeTrue(false, "no mkfifo: " + e.getMessage());
            throw e;
        }
        assertEquals(0, p.waitFor(), "mkfifo " + f);
        assertTrue(Files.exists(f) && !Files.isRegularFile(f), f + " is not a FIFO");
        return f;
    }

    /** Reads everything from {@code f} on another thread (opening a FIFO blocks until a writer opens it). */
    public static CompletableFuture<byte[]> drain(Path f) {
        return CompletableFuture.supplyAsync(() -> {
            try (InputStream in = Files.newInputStream(f)) {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
