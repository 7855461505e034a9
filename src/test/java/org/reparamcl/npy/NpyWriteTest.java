package org.reparamcl.npy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.reparamcl.TestFiles;

class NpyWriteTest {

    @TempDir
    Path dir;

    private List<String> listing() throws IOException {
        return TestFiles.listing(dir);
    }

    @Test
    void replacesAnExistingFileAndLeavesNoTemporaryFiles() throws IOException {
        Path p = dir.resolve("out.npy");
        Files.writeString(p, "old contents");
        NpyArray a = NpyArray.ofUint32(new long[] {2, 2}, new int[] {1, 2, 3, -1});
        Npy.write(p, a);
        assertEquals(a, Npy.read(p));
        assertEquals(List.of("out.npy"), listing());
    }

    @Test
    void relativePathsWork() throws IOException {
        Path p = dir.resolve("rel.npy");
        Path relative = Path.of("").toAbsolutePath().relativize(p);
        Npy.write(relative, NpyArray.ofInt32(new long[0], new int[] {9}));
        assertEquals(9, Npy.read(p).int32Data()[0]);
    }

    @Test
    void failedMoveDeletesTheTemporaryFileAndKeepsTheTarget() throws IOException {
        Path target = dir.resolve("taken");
        Files.createDirectory(target);
        Files.writeString(target.resolve("keep.txt"), "x");
        assertThrows(IOException.class,
                () -> Npy.write(target, NpyArray.ofFloat32(new long[] {1}, new float[] {1f})));
        assertEquals(List.of("taken"), listing());
        assertEquals("x", Files.readString(target.resolve("keep.txt")));
    }

    @Test
    void missingDirectoryFailsWithoutOutput() {
        Path p = dir.resolve("no/such/dir/a.npy");
        assertThrows(IOException.class, () -> Npy.write(p, NpyArray.ofFloat32(new long[] {0}, new float[0])));
        assertTrue(Files.notExists(p));
    }

    /**
     * Replacing an existing file keeps its permissions (the temporary file used to come with the
     * umask's defaults), also through a symbolic link; the replacement is a new file, so a hard
     * link to the old one keeps the old contents.
     */
    @Test
    void replacingAFileKeepsItsPermissions() throws IOException {
        assertTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"), "these tests run on POSIX");
        NpyArray a = NpyArray.ofFloat32(new long[] {1}, new float[] {1f});
        for (String mode : List.of("rwxr-x---", "rw-------", "r--r--r--", "rw-rw-rw-")) {
            Path p = dir.resolve("p-" + mode + ".npy");
            Files.writeString(p, "old contents");
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(mode));
            Path link = Files.createSymbolicLink(dir.resolve("link-" + mode + ".npy"), p.getFileName());
            Npy.write(p, a);
            assertEquals(mode, java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(mode));
            Npy.write(link, a);
            assertEquals(mode, java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p)), "via link");
            assertEquals(a, Npy.read(p));
        }
        Path q = dir.resolve("q.npy");
        Files.writeString(q, "old contents");
        Path hard = Files.createLink(dir.resolve("hard.npy"), q);
        Npy.write(q, a);
        assertEquals("old contents", Files.readString(hard));
    }

    @Test
    void outputHasDefaultPermissionsNotPrivateTempPermissions() throws IOException {
        Path reference = Files.createFile(dir.resolve("reference"));
        Path p = dir.resolve("perm.npy");
        Npy.write(p, NpyArray.ofFloat32(new long[] {1}, new float[] {1f}));
        try {
            Set<PosixFilePermission> expected = Files.getPosixFilePermissions(reference);
            assertEquals(expected, Files.getPosixFilePermissions(p));
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system; nothing to compare.
        }
    }

    private static byte[] image(NpyArray a) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npy.write(out, a);
        return out.toByteArray();
    }

    @Test
    void aSymbolicLinkIsWrittenThroughToItsTarget() throws IOException {
        Path real = dir.resolve("real.npy");
        Files.writeString(real, "old contents");
        Path link = Files.createSymbolicLink(dir.resolve("link.npy"), Path.of("real.npy"));
        NpyArray a = NpyArray.ofFloat32(new long[] {2}, new float[] {1f, 2f});
        Npy.write(link, a);
        assertTrue(Files.isSymbolicLink(link), "the link was replaced");
        assertEquals(Path.of("real.npy"), Files.readSymbolicLink(link));
        assertEquals(a, Npy.read(real));
        assertEquals(List.of("link.npy", "real.npy"), listing());
    }

    @Test
    @Timeout(60)                                  // a FIFO never opened blocks: fail, do not hang CI
    void aFifoIsWrittenInPlace() throws Exception {
        Path f = TestFiles.fifo(dir, "fifo");
        NpyArray a = NpyArray.ofUint32(new long[] {3}, new int[] {1, 2, 3});
        CompletableFuture<byte[]> read = TestFiles.drain(f);
        Npy.write(f, a);
        assertArrayEquals(image(a), read.get(30, TimeUnit.SECONDS));
        assertTrue(Files.exists(f) && !Files.isRegularFile(f) && !Files.isSymbolicLink(f), "the FIFO was replaced");
        assertEquals(List.of("fifo"), listing());
    }

    /**
     * A move that fails after an earlier one succeeded: the earlier output gets its old content
     * back. The FIFO output is written in place after the regular outputs are staged and before any
     * move; its reader (once the FIFO's data, larger than a pipe's buffer, has started flowing)
     * turns the third output into a directory, so its move fails even as root.
     */
    @Test
    @Timeout(60)
    void aFailedLaterMovePutsBackTheEarlierOutputs() throws Exception {
        Path first = dir.resolve("first.npy");
        NpyArray old = NpyArray.ofInt32(new long[] {1}, new int[] {7});
        Npy.write(first, old);
        Path f = TestFiles.fifo(dir, "fifo");
        Path third = dir.resolve("third.npy");
        NpyArray big = NpyArray.ofFloat32(new long[] {1 << 20}, new float[1 << 20]);
        CompletableFuture<Long> reader = CompletableFuture.supplyAsync(() -> {
            try (java.io.InputStream in = Files.newInputStream(f)) {
                long n = in.read(new byte[4096]);
                Files.createDirectories(third.resolve("inside"));
                return n + in.transferTo(java.io.OutputStream.nullOutputStream());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        NpyArray one = NpyArray.ofInt32(new long[] {1}, new int[] {1});
        IOException e = assertThrows(IOException.class,
                () -> Npy.writeAll(List.of(first, f, third), List.of(one, big, one)));
        assertTrue(reader.get(30, TimeUnit.SECONDS) > 4L << 20);
        assertTrue(e.getMessage().startsWith(third.toString()), e.getMessage());
        assertEquals(old, Npy.read(first));
        assertEquals(List.of("fifo", "first.npy", "third.npy"), listing());
    }

    /** A FIFO (as bash's {@code <(...)} gives) is read as a stream: it has no size to check against. */
    @Test
    @Timeout(60)
    void aFifoIsReadAsAStream() throws Exception {
        Path f = TestFiles.fifo(dir, "in-fifo");
        NpyArray a = NpyArray.ofFloat32(new long[] {2, 3}, new float[] {1f, 2f, 3f, 4f, 5f, 6f});
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try (java.io.OutputStream out = Files.newOutputStream(f)) {
                Npy.write(out, a);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertEquals(a, Npy.read(f));
        writer.get(30, TimeUnit.SECONDS);
    }

    @Test
    void aDanglingSymbolicLinkIsAnErrorNamingIt() throws IOException {
        Path link = Files.createSymbolicLink(dir.resolve("link.npy"), Path.of("nowhere.npy"));
        IOException e = assertThrows(IOException.class,
                () -> Npy.write(link, NpyArray.ofFloat32(new long[] {1}, new float[] {1f})));
        assertTrue(e.getMessage().startsWith(link + ": dangling symbolic link (to nowhere.npy"), e.getMessage());
        assertTrue(Files.isSymbolicLink(link));
        assertEquals(List.of("link.npy"), listing());
    }

    @Test
    void longestLegalNamesWork() throws IOException {
        // 255 bytes, the usual limit for one name: a temporary name longer than the target's would not fit.
        Path p = dir.resolve("n".repeat(251) + ".npy");
        NpyArray a = NpyArray.ofFloat32(new long[] {1}, new float[] {3f});
        Npy.write(p, a);
        assertEquals(a, Npy.read(p));
        Path q = dir.resolve("m".repeat(251) + ".npy");
        Npy.writeAll(List.of(p, q), List.of(a, a));
        assertEquals(a, Npy.read(q));
        assertEquals(List.of(q.getFileName().toString(), p.getFileName().toString()), listing());
    }

    @Test
    void errorsNameThePathAsGivenNotATemporaryFile() {
        Path p = dir.resolve("no/such/dir/a.npy");
        IOException e = assertThrows(IOException.class, () -> Npy.write(p, NpyArray.ofFloat32(new long[] {0}, new float[0])));
        assertTrue(e.getMessage().contains(p.toString()) && !e.getMessage().contains(".tmp"), e.getMessage());
        Path tooLong = dir.resolve("t".repeat(300) + ".npy");
        e = assertThrows(IOException.class, () -> Npy.write(tooLong, NpyArray.ofFloat32(new long[] {0}, new float[0])));
        assertTrue(e.getMessage().startsWith(tooLong + ": "), e.getMessage());
    }

    @Test
    void sameFileSeesThroughSpellingsAndLinks() throws IOException {
        Path z = dir.resolve("z.npy");
        Path dotted = dir.resolve("sub/../z.npy");
        Files.createDirectory(dir.resolve("sub"));
        assertTrue(Npy.sameFile(z, dir.resolve("./z.npy")));
        assertTrue(Npy.sameFile(z, dotted));
        assertFalse(Npy.sameFile(z, dir.resolve("y.npy")));
        Files.writeString(z, "x");
        assertTrue(Npy.sameFile(z, dotted));
        assertTrue(Npy.sameFile(z, Files.createSymbolicLink(dir.resolve("link.npy"), Path.of("z.npy"))));
        assertTrue(Npy.sameFile(z, Files.createLink(dir.resolve("hard.npy"), z)));
        assertFalse(Npy.sameFile(z, dir.resolve("y.npy")));
    }

    @Test
    void writeAllRejectsTwoNamesOfOneFileBeforeWriting() throws IOException {
        Path z = dir.resolve("z.npy");
        Files.writeString(z, "old contents");
        NpyArray a = NpyArray.ofFloat32(new long[] {1}, new float[] {1f});
        assertThrows(IllegalArgumentException.class, () -> Npy.writeAll(List.of(z, dir.resolve("./z.npy")), List.of(a, a)));
        assertEquals("old contents", Files.readString(z));
        assertEquals(List.of("z.npy"), listing());
    }

    @Test
    void rawWordsAreLittleEndianWithoutHeader() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npy.writeRaw(out, new int[] {0x04030201, 0xfffefdfc});
        assertArrayEquals(new byte[] {1, 2, 3, 4, (byte) 0xfc, (byte) 0xfd, (byte) 0xfe, (byte) 0xff},
                out.toByteArray());
        out.reset();
        Npy.writeRaw(out, new float[] {1f});
        assertArrayEquals(new byte[] {0, 0, (byte) 0x80, 0x3f}, out.toByteArray());
        out.reset();
        Npy.writeRaw(out, new int[0]);
        assertEquals(0, out.size());
    }

    @Test
    void rawWritingSpansChunks() throws IOException {
        int n = 700_001;
        int[] words = new int[n];
        for (int i = 0; i < n; i++) {
            words[i] = (int) (i * 2654435761L);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npy.writeRaw(out, words);
        byte[] b = out.toByteArray();
        assertEquals(4L * n, b.length);
        for (int i = 0; i < n; i += 9973) {
            int w = (b[4 * i] & 0xff) | (b[4 * i + 1] & 0xff) << 8 | (b[4 * i + 2] & 0xff) << 16 | b[4 * i + 3] << 24;
            assertEquals(words[i], w);
        }
    }
}
