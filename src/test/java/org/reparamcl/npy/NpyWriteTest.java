package org.reparamcl.npy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyWriteTest {

    @TempDir
    Path dir;

    private List<String> listing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
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
