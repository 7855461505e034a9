package org.reparamcl.npy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Reads and writes NumPy {@code .npy} files (format versions 1.0, 2.0 and 3.0; little-endian
 * {@code <f4}, {@code <u4}, {@code <i4} and {@code <f8}; C order).
 *
 * @see <a href="https://numpy.org/devdocs/reference/generated/numpy.lib.format.html">numpy.lib.format</a>
 */
public final class Npy {

    private Npy() {
    }

    /**
     * Reads an {@code .npy} file. The declared shape is checked against the file's size before
     * any data array is allocated.
     *
     * @param path the file
     * @return the array
     * @throws NpyFormatException if the file is malformed, truncated, has trailing bytes or uses a
     *     feature this package does not support; the message names the file
     * @throws IOException if the file cannot be read
     */
    public static NpyArray read(Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            return NpyReader.read(channel, path.toString(), channel.size());
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
     * the header needs it), data aligned to 64 bytes. The bytes go to a temporary file in the
     * same directory, which is synced and then moved into place (atomically where the file system
     * allows), so {@code path} never holds a partial file; the temporary file is deleted on failure.
     *
     * @param path the file to create or replace
     * @param array the array
     * @throws IOException if writing or moving fails
     */
    public static void write(Path path, NpyArray array) throws IOException {
        Objects.requireNonNull(array, "array");
        Path target = path.toAbsolutePath();
        Path temp = createTemp(target);
        boolean moved = false;
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                NpyWriter.write(channel, array);
                channel.force(true);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
        } finally {
            if (!moved) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // The original failure is the one worth reporting.
                }
            }
        }
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

    /** Creates an empty, uniquely named hidden file next to {@code target} with default permissions. */
    private static Path createTemp(Path target) throws IOException {
        Path dir = target.getParent();
        String base = "." + target.getFileName() + ".";
        for (int attempt = 0; ; attempt++) {
            Path temp = dir.resolve(base + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
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
