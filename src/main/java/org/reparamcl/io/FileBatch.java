package org.reparamcl.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a set of files all or nothing, as far as the file system allows (the reports of
 * {@code reparam bench} and the PNGs of {@code reparam demo}; {@code .npy} outputs have
 * {@code Npy.writeAll}). Every file is first written to a hidden temporary file beside its target,
 * creating missing directories; only when all are written, and {@code beforeMove} has succeeded,
 * are they moved into place (atomically where the file system allows). On any failure every
 * temporary file is removed, and so are the files and directories this call created; a file that
 * existed is left as it was unless its move had already happened. A replaced file keeps its POSIX
 * permissions; a new one is rw-r--r-- (temporary files start owner-only).
 */
public final class FileBatch {
    /** What runs after every file is staged and before any is moved into place. */
    @FunctionalInterface
    public interface BeforeMove {
        void run() throws IOException;
    }

    private FileBatch() {
    }

    /**
     * Writes {@code files} (target to content, in iteration order).
     *
     * @throws FileSystemException naming, as given, the target (or the directory of targets) that
     *         failed rather than a temporary file; an exception from {@code beforeMove} propagates
     *         as it is
     */
    public static void write(Map<Path, byte[]> files, BeforeMove beforeMove) throws IOException {
        final List<Path> createdDirs = new ArrayList<>();
        final List<Path> createdFiles = new ArrayList<>();
        final List<Path> targets = new ArrayList<>(files.keySet());
        final Path[] temps = new Path[targets.size()];
        boolean done = false;
        Path current = null;
        try {
            for (Path t : targets) {
                current = t.getParent() != null ? t.getParent() : t;
                createDirectories(t.toAbsolutePath().getParent(), createdDirs);
            }
            for (int i = 0; i < targets.size(); i++) {
                current = targets.get(i);
                final Path abs = current.toAbsolutePath();
                if (Files.isDirectory(abs)) {
                    throw new FileSystemException(current.toString(), null, "is a directory");
                }
                temps[i] = Files.createTempFile(abs.getParent(), "." + abs.getFileName(), ".tmp");
                Files.write(temps[i], files.get(current));
                permissions(abs, temps[i]);
            }
            current = null;
            beforeMove.run();
            for (int i = 0; i < targets.size(); i++) {
                current = targets.get(i);
                final boolean existed = Files.exists(current, LinkOption.NOFOLLOW_LINKS);
                move(temps[i], current);
                temps[i] = null;
                if (!existed) {
                    createdFiles.add(current);
                }
            }
            done = true;
        } catch (IOException e) {
            throw current == null ? e : naming(current, e);
        } finally {
            for (Path t : temps) {
                deleteQuietly(t);
            }
            if (!done) {
                createdFiles.forEach(FileBatch::deleteQuietly);
                for (int i = createdDirs.size() - 1; i >= 0; i--) {
                    deleteQuietly(createdDirs.get(i));
                }
            }
        }
    }

    /** Creates {@code dir} and its missing parents, noting each one created (outermost first). */
    private static void createDirectories(Path dir, List<Path> created) throws IOException {
        final List<Path> missing = new ArrayList<>();
        for (Path p = dir; p != null && !Files.exists(p); p = p.getParent()) {
            missing.add(0, p);
        }
        for (Path p : missing) {
            Files.createDirectory(p);
            created.add(p);
        }
        if (!Files.isDirectory(dir)) {
            throw new FileSystemException(dir.toString(), null, "not a directory");
        }
    }

    /** The failure, naming {@code target} as given rather than a temporary file. */
    private static IOException naming(Path target, IOException e) {
        if (e instanceof FileSystemException f && target.toString().equals(f.getFile())) {
            return e;
        }
        final FileSystemException named = new FileSystemException(target.toString(), null, problem(e));
        named.initCause(e);
        return named;
    }

    /** What went wrong with a file, without its name: "no such file or directory", "permission denied" or the reason. */
    public static String problem(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException f) {           // its message would name the (temporary) file
            return f.getReason() != null ? f.getReason() : f.getClass().getSimpleName();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /** The permissions of the file {@code tmp} will replace, or rw-r--r-- for a new one; ignored off POSIX. */
    private static void permissions(Path target, Path tmp) throws IOException {
        try {
            Files.setPosixFilePermissions(tmp, Files.isRegularFile(target) ? Files.getPosixFilePermissions(target)
                    : PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        }
    }

    private static void move(Path tmp, Path file) throws IOException {
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void deleteQuietly(Path p) {
        if (p == null) {
            return;
        }
        try {
            Files.deleteIfExists(p);
        } catch (IOException | RuntimeException e) {
            // the original failure is the one worth reporting (a directory someone filled meanwhile stays)
        }
    }
}
