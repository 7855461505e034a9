package org.reparamcl.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a set of files all or nothing, as far as the file system allows (the reports of
 * {@code reparam bench} and the PNGs of {@code reparam demo}; {@code .npy} outputs have
 * {@code Npy.writeAll}). Every file is first written to a hidden temporary file beside its target,
 * creating missing directories; only when all are written, and {@code beforeMove} has succeeded,
 * are they moved into place (atomically where the file system allows, see {@link #moveAll}). On
 * any failure every temporary file is removed, and so are the files and directories this call
 * created, and every file that existed has its old content back, including files whose move had
 * already happened. A replaced file keeps its POSIX permissions; a new one gets the umask's
 * (rw-rw-rw- less the umask), as any new file does.
 */
public final class FileBatch {
    /** What runs after every file is staged and before any is moved into place. */
    @FunctionalInterface
    public interface BeforeMove {
        void run() throws IOException;
    }

    private static final SecureRandom RANDOM = new SecureRandom();

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
                temps[i] = createTemp(abs);
                Files.write(temps[i], files.get(current));
                permissions(abs, temps[i]);
            }
            current = null;
            beforeMove.run();
            try {
                moveAll(List.of(temps), targets);
            } catch (MoveFailed f) {
                current = targets.get(f.index());
                throw f.failure();
            }
            Arrays.fill(temps, null);
            done = true;
        } catch (IOException e) {
            throw current == null ? e : naming(current, e);
        } finally {
            for (Path t : temps) {
                deleteQuietly(t);
            }
            if (!done) {
                for (int i = createdDirs.size() - 1; i >= 0; i--) {
                    deleteQuietly(createdDirs.get(i));
                }
            }
        }
    }

    /**
     * Why {@link #moveAll} failed: which move ({@link #index()}) and the exception it threw
     * ({@link #failure()}, which carries as suppressed exceptions any file that could not be put
     * back). By the time it is thrown, every earlier move has been undone.
     */
    public static final class MoveFailed extends IOException {
        private static final long serialVersionUID = 1L;
        private final int index;

        MoveFailed(int index, IOException failure) {
            super(failure.getMessage(), failure);
            this.index = index;
        }

        /** The position in the lists given to {@link #moveAll} of the move that failed. */
        public int index() {
            return index;
        }

        /** The exception the failed move threw. */
        public IOException failure() {
            return (IOException) getCause();
        }
    }

    /**
     * Moves each {@code staged[i]} onto {@code targets[i]}, in order, all or nothing. Each move
     * replaces its target atomically where the file system allows (so a target is never missing
     * or partial). Before a target that exists is replaced, its old content is kept under a hidden
     * name beside it (a hard link, or a copy where the file system has none); if a later move
     * fails, the targets already replaced get their old content back (moved back atomically), the
     * targets that did not exist are deleted, and the kept copies are removed. On success the kept
     * copies are removed. Only a crash of the process in the middle leaves a kept copy behind
     * (named {@code .old-<16 hex digits>} beside the target); so does a failure to put one back, which is
     * added to the thrown exception's failure as a suppressed exception naming the kept copy.
     *
     * @param staged the files to move, each on the same file system as its target
     * @param targets where they go (a symbolic link is replaced by the file, not followed)
     * @throws MoveFailed naming the target whose move (or the keeping of whose old content) failed,
     *         after every earlier move was undone
     * @throws IllegalArgumentException if the lists differ in length
     */
    public static void moveAll(List<Path> staged, List<Path> targets) throws MoveFailed {
        if (staged.size() != targets.size()) {
            throw new IllegalArgumentException(staged.size() + " staged files but " + targets.size() + " targets");
        }
        final Path[] kept = new Path[targets.size()];
        final boolean[] existed = new boolean[targets.size()];
        int i = 0;
        try {
            for (; i < targets.size(); i++) {
                final Path target = targets.get(i);
                existed[i] = Files.exists(target, LinkOption.NOFOLLOW_LINKS);
                if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                    throw new FileSystemException(target.toString(), null, "is a directory");
                }
                if (existed[i]) {
                    kept[i] = keep(target);
                }
                move(staged.get(i), target);
            }
        } catch (IOException e) {
            for (int j = i - 1; j >= 0; j--) {
                undo(targets.get(j), existed[j], kept[j], e);
            }
            if (kept[i] != null) {
                deleteQuietly(kept[i]);
            }
            throw new MoveFailed(i, e);
        }
        for (Path k : kept) {
            deleteQuietly(k);
        }
    }

    /** A hard link to {@code target} (or, where links are not supported, a copy) under a new hidden name beside it. */
    private static Path keep(Path target) throws IOException {
        final Path abs = target.toAbsolutePath();
        for (int attempt = 0; ; attempt++) {
            final Path name = abs.resolveSibling(String.format(Locale.ROOT, ".old-%016x", RANDOM.nextLong()));   // short: any target name works
            try {
                try {
                    Files.createLink(name, abs);
                } catch (FileAlreadyExistsException e) {
                    throw e;
                } catch (UnsupportedOperationException | FileSystemException e) {
                    Files.copy(abs, name, LinkOption.NOFOLLOW_LINKS, StandardCopyOption.COPY_ATTRIBUTES);
                }
                return name;
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 16) {
                    throw e;
                }
            }
        }
    }

    /** Puts {@code target} back as it was before its move; a failure is added to {@code failure}. */
    private static void undo(Path target, boolean existed, Path kept, IOException failure) {
        try {
            if (existed) {
                move(kept, target);
            } else {
                Files.deleteIfExists(target);
            }
        } catch (IOException | RuntimeException e) {
            final FileSystemException note = new FileSystemException(target.toString(), kept == null ? null
                    : kept.toString(), "could not be put back" + (kept == null ? " (it was new)"
                    : "; its old content is in the other file"));
            note.initCause(e);
            failure.addSuppressed(note);
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

    /**
     * A hidden temporary file beside {@code target}, created rw-rw-rw- less the umask, as a new file
     * is (Files.createTempFile alone makes it owner-only), so that a new target gets the umask's
     * permissions.
     */
    private static Path createTemp(Path target) throws IOException {
        try {
            return Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-rw-rw-")));
        } catch (UnsupportedOperationException e) {
            return Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");   // not POSIX
        }
    }

    /** The permissions of the file {@code tmp} will replace; a new one keeps the umask's. Ignored off POSIX. */
    private static void permissions(Path target, Path tmp) throws IOException {
        if (!Files.isRegularFile(target)) {
            return;
        }
        try {
            Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(target));
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
