package org.reparamcl.cli;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.reparamcl.npy.Npy;
import org.reparamcl.npy.NpyArray;

/**
 * Writes a command's {@code .npy} outputs through {@link Npy#writeAll} and words a failure as the
 * other errors are: the command, the option and the path as the user gave it
 * ({@code forward: --eps-out z.npy: No space left on device}), never a temporary or absolute path.
 */
final class OutputFiles {
    private OutputFiles() {
    }

    /**
     * Writes {@code arrays} to {@code paths} (as {@link Args#outputPath} returned them), all or nothing.
     *
     * @param options the option of each path, without {@code --}
     */
    static void write(Args a, List<String> options, List<Path> paths, List<NpyArray> arrays) throws IOException {
        try {
            Npy.writeAll(paths, arrays);
        } catch (IOException e) {
            throw named(a, options, paths, e);
        }
    }

    /** The failure, prefixed with the command and the option and path it concerns (Npy names the path as passed). */
    static IOException named(Args a, List<String> options, List<Path> paths, IOException e) {
        if (e instanceof FileSystemException f) {
            for (int i = 0; i < paths.size(); i++) {
                if (paths.get(i).toString().equals(f.getFile())) {
                    return new IOException(a.command() + ": --" + options.get(i) + " " + a.string(options.get(i), "")
                            + ": " + Main.fileProblem(f), e);
                }
            }
        }
        return new IOException(a.command() + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
    }

    /**
     * A directory that does not exist: a dangling link on the way, or no writable directory to
     * create it in, is a usage error (exit 2). Messages start with {@code what}, then {@code how}
     * (e.g. "cannot be created, " or ""), and name the ancestor as a prefix of the path as given.
     */
    static void requireCreatable(String what, Path dir, String how) {
        Path p = dir;
        while (p != null && !Files.exists(p)) {
            if (Files.isSymbolicLink(p)) {
                throw new CliException(what + ": " + p + " is a symbolic link that cannot be followed");
            }
            p = p.getParent();
        }
        if (p == null) {
            p = Path.of("").toAbsolutePath();                      // a relative path: the working directory
        }
        if (!Files.isDirectory(p)) {
            throw new CliException(what + ": " + how + p + " is not a directory");
        }
        if (!Files.isWritable(p)) {
            throw new CliException(what + ": " + how + "directory " + p + " is not writable");
        }
    }
}
