package org.reparamcl.npy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.reparamcl.npy.NpyImages.dict;
import static org.reparamcl.npy.NpyImages.floats;
import static org.reparamcl.npy.NpyImages.image;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of bad input is rejected with a one-line message naming the file and the problem. */
class NpyRejectTest {

    private static final byte[] THREE = floats(1f, 2f, 3f);

    @TempDir
    Path dir;

    private Path file;

    @BeforeEach
    void setUp() {
        file = dir.resolve("x.npy");
    }

    /** Reads {@code bytes} from a file, expects rejection and returns the problem after the file name. */
    private String problem(byte[] bytes) throws IOException {
        Files.write(file, bytes);
        String message = assertThrows(NpyFormatException.class, () -> Npy.read(file)).getMessage();
        assertTrue(message.startsWith(file + ": "), message);
        assertTrue(!message.contains("\n") && !message.contains("\r"), message);
        return message.substring(file.toString().length() + 2);
    }

    /** The same through the stream reader, named {@code s.npy}. */
    private static String streamProblem(byte[] bytes) {
        String message = assertThrows(NpyFormatException.class,
                () -> Npy.read(new ByteArrayInputStream(bytes), "s.npy")).getMessage();
        assertTrue(message.startsWith("s.npy: "), message);
        return message.substring(7);
    }

    private static byte[] valid(String shape, byte[] data) {
        return image(dict("'<f4'", "False", shape), data);
    }

    @Test
    void badMagic() throws IOException {
        byte[] b = valid("(3,)", THREE);
        b[5] = 'X';
        assertEquals("not an .npy file (bad magic string, expected \\x93NUMPY)", problem(b));
        assertEquals("not an .npy file (bad magic string, expected \\x93NUMPY)", problem("hello".getBytes()));
        assertEquals("not an .npy file (bad magic string, expected \\x93NUMPY)", streamProblem(new byte[] {'P', 'K', 3, 4}));
    }

    @Test
    void truncatedPreambleAndHeader() throws IOException {
        byte[] b = valid("(3,)", THREE);
        assertEquals("truncated header: input ends after 0 bytes", problem(new byte[0]));
        assertEquals("truncated header: input ends after 7 bytes", problem(Arrays.copyOf(b, 7)));
        assertEquals("truncated header: input ends after 9 bytes", problem(Arrays.copyOf(b, 9)));
        assertEquals("header length 118 runs past the end of the file (50 bytes)", problem(Arrays.copyOf(b, 50)));
        assertEquals("truncated header: expected 118 header bytes but the input ends after 40",
                streamProblem(Arrays.copyOf(b, 50)));
    }

    @Test
    void headerLengthPastEndOfFile() throws IOException {
        byte[] b = valid("(3,)", THREE);
        b[8] = (byte) 0xff;
        b[9] = (byte) 0xff;
        assertEquals("header length 65535 runs past the end of the file (" + b.length + " bytes)", problem(b));
    }

    @Test
    void oversizedHeader() throws IOException {
        String huge = "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }" + " ".repeat(2 << 20) + "\n";
        assertEquals("header length 2097210 exceeds the limit of 1048576 bytes",
                problem(image(2, huge, THREE)));
    }

    @Test
    void unsupportedVersions() throws IOException {
        byte[] b = valid("(3,)", THREE);
        b[6] = 4;
        assertEquals("unsupported format version 4.0 (expected 1.0, 2.0 or 3.0)", problem(b));
        b[6] = 1;
        b[7] = 1;
        assertEquals("unsupported format version 1.1 (expected 1.0, 2.0 or 3.0)", problem(b));
    }

    @Test
    void unsupportedDtypeNamesTheTypeFound() throws IOException {
        assertEquals("dtype '<f2' is not supported (expected one of <f4, <u4, <i4, <f8)",
                problem(image(dict("'<f2'", "False", "(3,)"), new byte[6])));
        assertEquals("dtype '|u1' is not supported (expected one of <f4, <u4, <i4, <f8)",
                problem(image(dict("'|u1'", "False", "(3,)"), new byte[3])));
        assertEquals("dtype '=f4' is not supported (expected one of <f4, <u4, <i4, <f8)",
                problem(image(dict("'=f4'", "False", "(3,)"), THREE)));
        assertEquals("'descr' must be a type string such as '<f4' (structured dtypes are not supported)",
                problem(image(dict("4", "False", "(3,)"), THREE)));
    }

    /**
     * A structured dtype (np.save of dtype=[('a', '<f4')]) is a well-formed header of a dtype
     * this reader does not load, not a malformed header: the message names the dtype and
     * unsupportedDtype() is set, so the command line can say "not float32" (exit 2).
     */
    @Test
    void structuredDtypeIsAnUnsupportedDtype() throws IOException {
        Files.write(file, image(dict("[('a', '<f4')]", "False", "(3, 5)"), new byte[60]));
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npy.read(file));
        assertEquals(file + ": dtype '[('a', '<f4')]' is a structured dtype, which is not supported"
                + " (expected one of <f4, <u4, <i4, <f8)", e.getMessage());
        assertEquals("'[('a', '<f4')]'", e.unsupportedDtype());
        NpyFormatException nested = assertThrows(NpyFormatException.class, () -> Npy.read(new ByteArrayInputStream(
                image(dict("[('a', '<f4', (2,)), (\"b\", [('c', '|u1')]), ]", "False", "(3,)"), new byte[27])), "s.npy"));
        assertEquals("'[('a', '<f4', (2,)), (\"b\", [('c', '|u1')...'", nested.unsupportedDtype());   // long ones elided
        assertTrue(streamProblem(image(dict("[('a', '<f4')", "False", "(3,)"), THREE)).startsWith("malformed header: unexpected character in list"));
        assertTrue(streamProblem(image(dict("[('a', '<f4']", "False", "(3,)"), THREE)).startsWith("malformed header: expected ')'"));
    }

    @Test
    void bigEndianNamesTheByteOrder() throws IOException {
        assertEquals("dtype '>f4' has big-endian byte order '>'; only little-endian '<' is supported",
                problem(image(dict("'>f4'", "False", "(3,)"), THREE)));
        assertEquals("dtype '>u4' has big-endian byte order '>'; only little-endian '<' is supported",
                streamProblem(image(dict("'>u4'", "False", "(3,)"), THREE)));
    }

    @Test
    void fortranOrderThatIsNotABoolean() throws IOException {      // (True is read: NpyFortranOrderTest)
        assertEquals("'fortran_order' must be True or False",
                problem(image(dict("'<f4'", "0", "(3,)"), THREE)));
    }

    @Test
    void missingAndUnknownKeys() throws IOException {
        assertEquals("header is missing key 'shape'",
                problem(image("{'descr': '<f4', 'fortran_order': False}", THREE)));
        assertEquals("header is missing key 'descr'",
                problem(image("{'fortran_order': False, 'shape': (3,)}", THREE)));
        assertEquals("header has unknown key 'extra' (expected 'descr', 'fortran_order' and 'shape')",
                problem(image("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'extra': 1}", THREE)));
    }

    @Test
    void malformedHeaders() throws IOException {
        assertEquals("malformed header: duplicate key 'shape' at offset 56 (found ''')",
                problem(image("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'shape': (3,)}", THREE)));
        assertEquals("malformed header: parenthesized integer is not a tuple (a one-element tuple needs a"
                + " trailing comma) at offset 50 (found '(')", problem(valid("(3)", THREE)));
        assertEquals("'shape' must be a tuple of non-negative integers", problem(valid("3", THREE)));
        assertTrue(problem(valid("[3]", THREE)).startsWith("malformed header: expected a value"));
        assertTrue(problem(image(1, "garbage", THREE)).startsWith("malformed header: expected '{'"));
        assertTrue(problem(image(1, dict("'<f4'", "False", "(3,)") + " \n x", THREE))
                .startsWith("malformed header: unexpected text after the header dict"));
        byte[] b = valid("(3,)", THREE);
        b[20] = (byte) 0xe9; // a Latin-1 letter inside 'fortran_order'
        assertTrue(problem(b).startsWith("malformed header: "));
    }

    @Test
    void invalidUtf8InVersion3Header() throws IOException {
        byte[] b = image(3, NpyImages.pad(3, dict("'<f4'", "False", "(3,)")), THREE);
        b[20] = (byte) 0xff;
        assertEquals("header is not valid UTF-8", problem(b));
    }

    @Test
    void negativeDimensions() throws IOException {
        assertEquals("shape (-3,) has a negative dimension", problem(valid("(-3,)", THREE)));
        assertEquals("shape (3, -1) has a negative dimension", problem(valid("(3, -1)", THREE)));
    }

    @Test
    void hugeShapesFailBeforeAllocating() throws IOException {
        byte[] tenBytes = new byte[10];
        assertEquals("data is truncated: shape (1000000000000,) of <f4 needs 4000000000000 bytes but only"
                + " 10 follow the header", problem(valid("(1000000000000,)", tenBytes)));
        assertEquals("data is truncated: shape (99999999999999,) of <f4 needs 399999999999996 bytes but"
                + " only 12 follow the header", problem(valid("(99999999999999,)", THREE)));
        assertEquals("shape (99999999999999, 99999999999999) of <f4 has too many elements (the byte count"
                + " overflows a 64-bit integer)", problem(valid("(99999999999999, 99999999999999)", THREE)));
        assertEquals("shape (4611686018427387904,) of <f4 has too many elements (the byte count overflows a"
                + " 64-bit integer)", problem(valid("(4611686018427387904,)", THREE)));
        assertTrue(problem(valid("(99999999999999999999,)", THREE)).contains("is too large"));
        // A stream has no size to check against: the element count is capped, and the data array
        // only grows as bytes arrive.
        assertEquals("shape (1000000000000,) of <f4 has 1000000000000 elements, too many for a Java array"
                + " (at most 2147483639)", streamProblem(valid("(1000000000000,)", tenBytes)));
        assertEquals("data is truncated: expected 8589934556 bytes after the header but the input ends"
                + " after 12", streamProblem(valid("(2147483639,)", THREE)));
    }

    /** A sparse file really holding 2^31 - 7 floats is too large for a Java array, and says so. */
    @Test
    void tooLargeForAJavaArray() throws IOException {
        byte[] header = valid("(2147483641,)", new byte[0]);
        long length = header.length + 4L * 2147483641L;
        Files.write(file, header);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(length); // sparse on the usual file systems
        } catch (IOException e) {
            Assumptions.abort("cannot create an 8 GiB sparse file here: " + e);
        }
        String message = assertThrows(NpyFormatException.class, () -> Npy.read(file)).getMessage();
        assertEquals(file + ": shape (2147483641,) of <f4 has 2147483641 elements, too many for a Java array"
                + " (at most 2147483639)", message);
        Files.delete(file);
    }

    @Test
    void truncatedData() throws IOException {
        byte[] b = valid("(3,)", Arrays.copyOf(THREE, 11));
        assertEquals("data is truncated: shape (3,) of <f4 needs 12 bytes but only 11 follow the header", problem(b));
        assertEquals("data is truncated: expected 12 bytes after the header but the input ends after 11",
                streamProblem(b));
        assertEquals("data is truncated: shape () of <f8 needs 8 bytes but only 0 follow the header",
                problem(image(dict("'<f8'", "False", "()"), new byte[0])));
    }

    @Test
    void trailingGarbage() throws IOException {
        byte[] b = valid("(3,)", NpyImages.concat(THREE, new byte[] {1, 2}));
        assertEquals("trailing garbage: 2 bytes follow the 12 data bytes of shape (3,) of <f4", problem(b));
        assertEquals("trailing garbage: more bytes follow the 12 data bytes", streamProblem(b));
        assertEquals("trailing garbage: 4 bytes follow the 0 data bytes of shape (0,) of <f4",
                problem(valid("(0,)", new byte[4])));
    }

    @Test
    void missingFileIsAnIoErrorNotAFormatError() {
        assertThrows(NoSuchFileException.class, () -> Npy.read(dir.resolve("absent.npy")));
    }

    @Test
    void aDirectoryIsAnIoErrorNamingIt() throws IOException {
        Path d = Files.createDirectory(dir.resolve("d.npy"));
        IOException e = assertThrows(IOException.class, () -> Npy.read(d));
        assertEquals(d + ": is a directory", e.getMessage());
    }
}
