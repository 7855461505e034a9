package org.reparamcl.npy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import org.reparamcl.io.FileBatch;

/**
 * Reads and writes NumPy {@code .npy} files (format versions 1.0, 2.0 and 3.0; little-endian
 * {@code <f4}, {@code <u4}, {@code <i4} and {@code <f8}). Files are written in C order; a file in
 * Fortran order, as NumPy saves an F-contiguous array such as a transpose, is read into C order.
 *
 * @see <a href="https://numpy.org/devdocs/reference/generated/numpy.lib.format.html">numpy.lib.format</a>
 */
public final class Npy {

    private Npy() {
    }

    /**
     * Reads an {@code .npy} file. The declared shape is checked against the file's size before
     * any data array is allocated; a FIFO or other file without a size (bash's {@code <(...)}) is
     * read as a stream ({@link #read(InputStream, String)}).
     *
     * @param path the file
     * @return the array
     * @throws NpyFormatException if the file is malformed, truncated, has trailing bytes or uses a
     *     feature this package does not support; the message names the file
     * @throws IOException if the file cannot be read (a directory, say); the message names the file
     */
    public static NpyArray read(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            throw new FileSystemException(path.toString(), null, "is a directory");
        }
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            // A FIFO or other stream (bash's <(...), /dev/stdin) has no size: read it as a stream.
            return NpyReader.read(channel, path.toString(), Files.isRegularFile(path) ? channel.size() : -1);
        } catch (NpyFormatException e) {
            throw e;
        } catch (IOException e) {
            throw naming(path, e);
        }
    }

    /**
     * Reads one {@code .npy} image from a stream, which must end right after the data. The data
     * array grows as bytes arrive, so a header claiming more data than the stream holds fails
     * without a large allocation. The stream is not closed.
     *
     * @param in the stream, positioned at the magic string
     * @param name a name for the source, used in messages (e.g. {@code "<stdin>"})
     * @return the array
     * @throws NpyFormatException if the input is malformed, truncated, has trailing bytes or uses a
     *     feature this package does not support
     * @throws IOException if the stream cannot be read
     */
    public static NpyArray read(InputStream in, String name) throws IOException {
        Objects.requireNonNull(in, "in");
        return NpyReader.read(Channels.newChannel(in), name, -1);
    }

    /**
     * Writes an {@code .npy} file exactly as NumPy's {@code np.save} would: version 1.0 (2.0 if
     * the header needs it), data aligned to 64 bytes. Same as {@link #writeAll(List, List)} with
     * one file: a regular file (or a symbolic link's target) is replaced atomically, so
     * {@code path} never holds a partial file; a FIFO or device is written in place.
     *
     * @param path the file to create or replace
     * @param array the array
     * @throws IOException if writing or moving fails; the message names {@code path}
     */
    public static void write(Path path, NpyArray array) throws IOException {
        writeAll(List.of(path), List.of(array));
    }

    /**
     * Writes several {@code .npy} files all or nothing (as far as the file system allows). Each
     * output that is, or will be, a regular file is written to a short hidden temporary file in
     * the directory of the file it replaces (given the replaced file's POSIX permissions), synced,
     * and moved into place (atomically where the file system allows) only when every output has
     * been written; on failure the temporary files are deleted, no new file stays and every
     * existing file has its old content (a file already replaced when a later move fails is put
     * back, see {@link FileBatch#moveAll}). A path that is a symbolic link writes to the link's
     * target (the link stays); a path that names an existing FIFO or character device is written
     * in place, without a temporary file (what a reader took from it cannot be taken back); a
     * dangling symbolic link or a directory is an error before anything is written.
     *
     * @param paths the files, none naming the same file as another (see {@link #sameFile})
     * @param arrays the arrays, one per path
     * @throws IOException if a path cannot be written; the message names that path as given
     * @throws IllegalArgumentException if the lists differ in length or two paths name the same file
     */
    public static void writeAll(List<Path> paths, List<NpyArray> arrays) throws IOException {
        if (paths.size() != arrays.size()) {
            throw new IllegalArgumentException(paths.size() + " paths but " + arrays.size() + " arrays");
        }
        arrays.forEach(a -> Objects.requireNonNull(a, "array"));
        final List<Target> targets = new ArrayList<>();
        for (Path p : paths) {
            targets.add(target(Objects.requireNonNull(p, "path")));
        }
        for (int i = 0; i < paths.size(); i++) {
            for (int j = i + 1; j < paths.size(); j++) {
                if (sameFile(paths.get(i), paths.get(j))) {
                    throw new IllegalArgumentException(paths.get(i) + " and " + paths.get(j) + " name the same file");
                }
            }
        }
        final Path[] temps = new Path[targets.size()];
        int current = 0;
        try {
            for (current = 0; current < targets.size(); current++) {
                final Target t = targets.get(current);
                if (!t.inPlace()) {
                    temps[current] = createTemp(t.file().getParent());
                    try (FileChannel channel = FileChannel.open(temps[current], StandardOpenOption.WRITE)) {
                        NpyWriter.write(channel, arrays.get(current));
                        channel.force(true);
                    }
                    keepPermissions(t.file(), temps[current]);
                }
            }
            for (current = 0; current < targets.size(); current++) {
                final Target t = targets.get(current);
                if (t.inPlace()) {
                    try (FileChannel channel = FileChannel.open(t.file(), StandardOpenOption.WRITE)) {
                        NpyWriter.write(channel, arrays.get(current));
                    }
                }
            }
            final List<Integer> moved = new ArrayList<>();
            final List<Path> staged = new ArrayList<>();
            final List<Path> files = new ArrayList<>();
            for (int i = 0; i < targets.size(); i++) {
                if (!targets.get(i).inPlace()) {
                    moved.add(i);
                    staged.add(temps[i]);
                    files.add(targets.get(i).file());
                }
            }
            try {
                FileBatch.moveAll(staged, files);
            } catch (FileBatch.MoveFailed f) {
                current = moved.get(f.index());
                throw f.failure();
            }
            Arrays.fill(temps, null);
        } catch (IOException e) {
            throw naming(paths.get(Math.min(current, paths.size() - 1)), e);
        } finally {
            for (Path t : temps) {
                if (t != null) {
                    try {
                        Files.deleteIfExists(t);
                    } catch (IOException ignored) {
                        // The original failure is the one worth reporting.
                    }
                }
            }
        }
    }

    /**
     * Whether two output paths name the same file: the same path after resolving {@code .},
     * {@code ..} and symbolic links, or (for existing files) the same file under two names, such
     * as two hard links.
     *
     * @param a a path
     * @param b another path
     * @return true if writing {@code a} would write the file {@code b} names
     * @throws IOException if a path cannot be examined
     */
    public static boolean sameFile(Path a, Path b) throws IOException {
        final boolean ea = Files.exists(a);
        if (ea != Files.exists(b)) {
            return false;
        }
        return ea ? Files.isSameFile(a, b) : canonical(a).equals(canonical(b));
    }

    /**
     * Writes an {@code .npy} image (header and data, as {@link #write(Path, NpyArray)}) to a
     * stream, then flushes it. The stream is not closed.
     *
     * @param out the stream
     * @param array the array
     * @throws IOException if writing fails
     */
    public static void write(OutputStream out, NpyArray array) throws IOException {
        Objects.requireNonNull(array, "array");
        NpyWriter.write(Channels.newChannel(out), array);
        out.flush();
    }

    /**
     * Writes words as raw little-endian 32-bit values with no header (4 bytes per element),
     * then flushes the stream. The stream is not closed.
     *
     * @param out the stream, e.g. standard output
     * @param words the values (uint32 bit patterns or int32)
     * @throws IOException if writing fails
     */
    public static void writeRaw(OutputStream out, int[] words) throws IOException {
        NpyWriter.writeData(Channels.newChannel(out), Objects.requireNonNull(words, "words"));
        out.flush();
    }

    /**
     * Writes floats as raw little-endian IEEE 754 binary32 values with no header (4 bytes per
     * element), then flushes the stream. The stream is not closed.
     *
     * @param out the stream, e.g. standard output
     * @param values the values
     * @throws IOException if writing fails
     */
    public static void writeRaw(OutputStream out, float[] values) throws IOException {
        NpyWriter.writeData(Channels.newChannel(out), Objects.requireNonNull(values, "values"));
        out.flush();
    }

    /** Where an output goes: {@code file} is replaced through a temporary file, or written in place. */
    private record Target(Path file, boolean inPlace) {
    }

    /** Resolves an output path before anything is written; fails for a directory or a dangling link. */
    private static Target target(Path path) throws IOException {
        final Path abs = path.toAbsolutePath();
        try {
            final BasicFileAttributes own;
            try {
                own = Files.readAttributes(abs, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                return new Target(abs, false);                 // a new file (a missing directory fails when written)
            }
            BasicFileAttributes attrs = own;
            if (own.isSymbolicLink()) {
                try {
                    attrs = Files.readAttributes(abs, BasicFileAttributes.class);
                } catch (NoSuchFileException e) {
                    throw new FileSystemException(path.toString(), null, "dangling symbolic link (to "
                            + Files.readSymbolicLink(abs) + ", which does not exist)");
                }
            }
            if (attrs.isDirectory()) {
                throw new FileSystemException(path.toString(), null, "is a directory");
            }
            if (!attrs.isRegularFile()) {
                return new Target(abs, true);                  // a FIFO or device: opening the path follows any link
            }
            return new Target(own.isSymbolicLink() ? abs.toRealPath() : abs, false);
        } catch (IOException e) {
            throw naming(path, e);
        }
    }

    /**
     * Gives {@code temp} the POSIX permissions of {@code target} when that is an existing regular
     * file, so that replacing a file keeps its mode (the temporary file starts with the umask's
     * defaults). Owner, group, ACLs and hard links are not carried over: the replacement is a new
     * file. Nothing happens for a new file or where POSIX permissions are not supported.
     */
    static void keepPermissions(Path target, Path temp) throws IOException {
        if (!Files.isRegularFile(target)) {
            return;
        }
        try {
            Files.setPosixFilePermissions(temp, Files.getPosixFilePermissions(target));
        } catch (UnsupportedOperationException | NoSuchFileException e) {
            // not a POSIX file system, or the target went away meanwhile: the defaults stay
        }
    }

    /** A path that does not exist, with its directory's links and {@code .}/{@code ..} resolved. */
    private static Path canonical(Path p) throws IOException {
        final Path abs = p.toAbsolutePath();
        final Path parent = abs.getParent();
        if (parent == null || abs.getFileName() == null || !Files.isDirectory(parent)) {
            return abs.normalize();
        }
        return parent.toRealPath().resolve(abs.getFileName());
    }

    /** The same failure, naming {@code path} (as the caller gave it) rather than a temporary or resolved path. */
    private static IOException naming(Path path, IOException e) {
        final String file = path.toString();
        if (e instanceof FileSystemException f && file.equals(f.getFile())) {
            return e;
        }
        final FileSystemException named;
        if (e instanceof AccessDeniedException) {
            named = new AccessDeniedException(file);
        } else if (e instanceof NoSuchFileException) {
            named = new NoSuchFileException(file);
        } else if (e instanceof FileSystemException f) {
            named = new FileSystemException(file, null, f.getReason() == null ? f.getClass().getSimpleName() : f.getReason());
        } else {
            named = new FileSystemException(file, null, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        }
        named.initCause(e);
        return named;
    }

    /**
     * Creates an empty hidden file in {@code dir} with default permissions and a short name of
     * fixed length, so that any legal target name works.
     */
    private static Path createTemp(Path dir) throws IOException {
        for (int attempt = 0; ; attempt++) {
            final Path temp = dir.resolve(String.format(".npy-%016x.tmp", ThreadLocalRandom.current().nextLong()));
            try {
                Files.newByteChannel(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                return temp;
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 100) {
                    throw e;
                }
            }
        }
    }
}
