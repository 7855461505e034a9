package org.reparamcl.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reparamcl.TestFiles;

/**
 * The all-or-nothing writer's last step: a move that fails after others succeeded puts the
 * earlier targets back (old content for files that existed, nothing for new ones). A move is made
 * to fail, even as root, by turning its target into a directory that is not empty.
 */
class FileBatchTest {
    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private Path staged(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    private void blockWithADirectory(Path target) throws IOException {
        Files.createDirectories(target.resolve("inside"));
    }

    @Test
    void moveAllReplacesEveryTargetAndKeepsNoOldCopies() throws IOException {
        final Path a = Files.writeString(dir.resolve("a.txt"), "old a");
        final Path b = dir.resolve("b.txt");
        FileBatch.moveAll(List.of(staged("sa", "new a"), staged("sb", "new b")), List.of(a, b));
        assertEquals("new a", Files.readString(a));
        assertEquals("new b", Files.readString(b));
        assertEquals(List.of("a.txt", "b.txt"), TestFiles.listing(dir));
    }

    @Test
    void aFailedMovePutsBackEveryEarlierTarget() throws IOException {
        final Path a = Files.writeString(dir.resolve("a.txt"), "old a");
        Files.setPosixFilePermissions(a, PosixFilePermissions.fromString("rw-------"));
        final Path b = dir.resolve("b.txt");                         // new
        final Path c = Files.writeString(dir.resolve("c.txt"), "old c");
        final Path d = dir.resolve("d.txt");
        blockWithADirectory(d);
        final List<Path> staged = List.of(staged("sa", "new a"), staged("sb", "new b"), staged("sc", "new c"),
                staged("sd", "new d"));

        final FileBatch.MoveFailed f = assertThrows(FileBatch.MoveFailed.class,
                () -> FileBatch.moveAll(staged, List.of(a, b, c, d)));

        assertEquals(3, f.index());
        assertEquals("is a directory", ((FileSystemException) f.failure()).getReason());
        assertEquals(0, f.failure().getSuppressed().length, "every target was put back");
        assertEquals("old a", Files.readString(a));
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(a));
        assertFalse(Files.exists(b));
        assertEquals("old c", Files.readString(c));
        assertTrue(Files.isDirectory(d.resolve("inside")));
        // The staged files already moved are gone; the one that failed is the caller's to delete.
        assertEquals(List.of("a.txt", "c.txt", "d.txt", "sd"), TestFiles.listing(dir));
    }

    @Test
    void aFailedFirstMoveChangesNothing() throws IOException {
        final Path a = dir.resolve("a.txt");
        blockWithADirectory(a);
        final Path b = Files.writeString(dir.resolve("b.txt"), "old b");
        final FileBatch.MoveFailed f = assertThrows(FileBatch.MoveFailed.class,
                () -> FileBatch.moveAll(List.of(staged("sa", "new a"), staged("sb", "new b")), List.of(a, b)));
        assertEquals(0, f.index());
        assertEquals("old b", Files.readString(b));
        assertEquals(List.of("a.txt", "b.txt", "sa", "sb"), TestFiles.listing(dir));
    }

    /** The old content is kept by a hard link, so another link to the old file still sees it. */
    @Test
    void anotherHardLinkKeepsTheOldContent() throws IOException {
        final Path a = Files.writeString(dir.resolve("a.txt"), "old a");
        final Path other = Files.createLink(dir.resolve("other"), a);
        FileBatch.moveAll(List.of(staged("sa", "new a")), List.of(a));
        assertEquals("new a", Files.readString(a));
        assertEquals("old a", Files.readString(other));
    }

    @Test
    void theListsMustMatch() {
        assertThrows(IllegalArgumentException.class, () -> FileBatch.moveAll(List.of(dir.resolve("x")), List.of()));
    }

    /**
     * The whole writer: a move that fails after {@code beforeMove} (which here blocks the third
     * target) leaves the first target's old content, removes the second (new) one and the
     * directory created for it, and names the target that failed.
     */
    @Test
    void writeIsAllOrNothingWhenALateMoveFails() throws IOException {
        final Path a = Files.writeString(dir.resolve("a.png"), "old a");
        final Path b = dir.resolve("new-dir").resolve("b.png");
        final Path c = dir.resolve("c.png");
        final Map<Path, byte[]> files = new LinkedHashMap<>();
        files.put(a, bytes("new a"));
        files.put(b, bytes("new b"));
        files.put(c, bytes("new c"));

        final FileSystemException e = assertThrows(FileSystemException.class,
                () -> FileBatch.write(files, () -> blockWithADirectory(c)));

        assertEquals(c.toString(), e.getFile());
        assertEquals("old a", Files.readString(a));
        assertEquals(List.of("a.png", "c.png"), TestFiles.listing(dir));
        assertEquals(List.of("inside"), TestFiles.listing(c));
    }

    @Test
    void writeReplacesAndCreates() throws IOException {
        final Path a = Files.writeString(dir.resolve("a.png"), "old a");
        final Path b = dir.resolve("sub").resolve("b.png");
        final Map<Path, byte[]> files = new LinkedHashMap<>();
        files.put(a, bytes("new a"));
        files.put(b, bytes("new b"));
        FileBatch.write(files, () -> { });
        assertArrayEquals(bytes("new a"), Files.readAllBytes(a));
        assertArrayEquals(bytes("new b"), Files.readAllBytes(b));
        assertEquals(List.of("a.png", "sub"), TestFiles.listing(dir));
        assertEquals(List.of("b.png"), TestFiles.listing(dir.resolve("sub")));
    }

    /**
     * A new file gets the permissions the process's umask gives a new file, as the .npy outputs
     * do: under umask 027 a demo PNG or bench report was rw-r--r-- (readable by everyone) whatever
     * the mask. A replaced file keeps its own permissions.
     */
    @Test
    void aNewFileGetsTheUmasksPermissions() throws Exception {
        Files.writeString(dir.resolve("old.png"), "old");
        Files.setPosixFilePermissions(dir.resolve("old.png"), PosixFilePermissions.fromString("rw-rw-rw-"));
        final org.reparamcl.ChildJvm.Result r = org.reparamcl.ChildJvm.of(WriteTwo.class).umask("027")
                .args(dir.toString()).run();
        assertEquals(0, r.exitCode(), r.describe());
        assertEquals("new", Files.readString(dir.resolve("new.png")));
        assertEquals(PosixFilePermissions.fromString("rw-r-----"), Files.getPosixFilePermissions(dir.resolve("new.png")));
        assertEquals(PosixFilePermissions.fromString("rwxr-x---"), Files.getPosixFilePermissions(dir.resolve("sub")));
        assertEquals(PosixFilePermissions.fromString("rw-r-----"), Files.getPosixFilePermissions(dir.resolve("sub/b.png")));
        assertEquals(PosixFilePermissions.fromString("rw-rw-rw-"), Files.getPosixFilePermissions(dir.resolve("old.png")));
        assertEquals(List.of("new.png", "old.png", "sub"), TestFiles.listing(dir));
    }

    /** The child of {@link #aNewFileGetsTheUmasksPermissions}: writes new.png, sub/b.png and old.png into args[0]. */
    static final class WriteTwo {
        public static void main(String[] args) throws IOException {
            final Path d = Path.of(args[0]);
            final Map<Path, byte[]> files = new LinkedHashMap<>();
            files.put(d.resolve("new.png"), bytes("new"));
            files.put(d.resolve("sub").resolve("b.png"), bytes("b"));
            files.put(d.resolve("old.png"), bytes("replaced"));
            FileBatch.write(files, () -> { });
        }
    }
}
