package org.reparamcl.npy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class NpyRoundTripTest {

    @TempDir
    Path dir;

    static Stream<Arguments> dtypesAndShapes() {
        long[][] shapes = {{}, {0}, {5}, {3, 4}, {2, 3, 5}, {4, 0, 3}};
        return Arrays.stream(NpyDType.values())
                .flatMap(t -> Arrays.stream(shapes).map(s -> Arguments.of(t, s)));
    }

    /** An array of the given type and shape filled with seeded values, including edge cases. */
    static NpyArray sample(NpyDType dtype, long[] shape, long seed) {
        int n = (int) NpyArray.elementCount(shape);
        Random rnd = new Random(seed);
        switch (dtype) {
            case FLOAT32: {
                float[] d = new float[n];
                float[] special = {Float.NaN, -0f, Float.POSITIVE_INFINITY, Float.MIN_VALUE, -Float.MAX_VALUE};
                for (int i = 0; i < n; i++) {
                    d[i] = i < special.length ? special[i] : (float) rnd.nextGaussian();
                }
                return NpyArray.ofFloat32(shape, d);
            }
            case UINT32: {
                int[] d = new int[n];
                for (int i = 0; i < n; i++) {
                    d[i] = i == 0 ? 0xffffffff : rnd.nextInt();
                }
                return NpyArray.ofUint32(shape, d);
            }
            case INT32: {
                int[] d = new int[n];
                for (int i = 0; i < n; i++) {
                    d[i] = i == 0 ? Integer.MIN_VALUE : rnd.nextInt();
                }
                return NpyArray.ofInt32(shape, d);
            }
            case FLOAT64: {
                double[] d = new double[n];
                for (int i = 0; i < n; i++) {
                    d[i] = i == 0 ? Double.NaN : i == 1 ? -0.0 : rnd.nextGaussian();
                }
                return NpyArray.ofFloat64(shape, d);
            }
            default:
                throw new AssertionError(dtype);
        }
    }

    @ParameterizedTest
    @MethodSource("dtypesAndShapes")
    void roundTripsThroughFileAndStream(NpyDType dtype, long[] shape) throws IOException {
        NpyArray a = sample(dtype, shape, 42);
        Path p = dir.resolve("a.npy");
        Npy.write(p, a);
        NpyArray back = Npy.read(p);
        assertEquals(a, back);
        assertEquals(dtype, back.dtype());
        assertArrayEquals(shape, back.shape());

        byte[] bytes = Files.readAllBytes(p);
        assertArrayEquals(bytes, NpyImages.written(a));
        assertEquals(a, Npy.read(new ByteArrayInputStream(bytes), "<mem>"));
        int headerEnd = bytes.length - (int) a.size() * dtype.itemSize();
        assertEquals(0, headerEnd % 64, "data must start at a multiple of 64");
        assertEquals('\n', bytes[headerEnd - 1]);
    }

    @Test
    void preservesFloatBitPatterns() throws IOException {
        float[] f = {Float.intBitsToFloat(0x7fc00001), Float.intBitsToFloat(0xff800001), -0f};
        Path p = dir.resolve("nan.npy");
        Npy.write(p, NpyArray.ofFloat32(new long[] {3}, f));
        float[] g = Npy.read(p).float32Data();
        for (int i = 0; i < f.length; i++) {
            assertEquals(Float.floatToRawIntBits(f[i]), Float.floatToRawIntBits(g[i]));
        }
    }

    /** What {@code np.save} writes for {@code np.array([1.0, 2.0], dtype=np.float32)}. */
    @Test
    void matchesNumpyBytesForTwoFloats() throws IOException {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
        byte[] header = new byte[128];
        byte[] prefix = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 118, 0};
        System.arraycopy(prefix, 0, header, 0, prefix.length);
        byte[] text = dict.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(text, 0, header, 10, text.length);
        Arrays.fill(header, 10 + text.length, 127, (byte) ' ');
        header[127] = '\n';
        byte[] data = {0x00, 0x00, (byte) 0x80, 0x3f, 0x00, 0x00, 0x00, 0x40};
        byte[] expected = NpyImages.concat(header, data);

        NpyArray a = NpyArray.ofFloat32(new long[] {2}, new float[] {1f, 2f});
        Path p = dir.resolve("two.npy");
        Npy.write(p, a);
        assertArrayEquals(expected, Files.readAllBytes(p));
        assertArrayEquals(expected, NpyImages.written(a));

        Files.write(p, expected);
        assertArrayEquals(new float[] {1f, 2f}, Npy.read(p).float32Data());
    }

    /** NumPy leaves room to grow the first axis to 21 digits, which can add a 64-byte block. */
    @Test
    void reservesNumpyGrowthSpace() {
        long[] shape = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
        byte[] header = NpyWriter.header(NpyDType.FLOAT32, shape);
        String dict = NpyImages.dict("'<f4'", "False", NpyArray.formatShape(shape));
        int unpadded = 10 + dict.length() + 1;
        assertEquals(128, (unpadded + 63) / 64 * 64, "without growth space this would fit 128 bytes");
        assertEquals(192, header.length);
        String text = new String(header, 10, header.length - 10, StandardCharsets.US_ASCII);
        assertEquals(dict + " ".repeat(192 - 10 - dict.length() - 1) + "\n", text);
    }

    @Test
    void usesVersion2WhenTheHeaderExceeds65535Bytes() throws IOException {
        long[] shape = new long[30000];
        Arrays.fill(shape, 1);
        NpyArray a = NpyArray.ofInt32(shape, new int[] {7});
        byte[] bytes = NpyImages.written(a);
        assertEquals(2, bytes[6]);
        assertEquals(0, bytes[7]);
        int len = ByteBuffer.wrap(bytes, 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        assertEquals(bytes.length - 4, 12 + len);
        assertEquals(0, (12 + len) % 64);
        Path p = dir.resolve("v2.npy");
        Npy.write(p, a);
        assertEquals(a, Npy.read(p));
    }

    @Test
    void readsVersion2And3Headers() throws IOException {
        byte[] data = NpyImages.floats(1f, 2f, 3f);
        String dict = NpyImages.dict("'<f4'", "False", "(3,)");
        for (int major = 1; major <= 3; major++) {
            Path p = dir.resolve("v" + major + ".npy");
            Files.write(p, NpyImages.image(major, NpyImages.pad(major, dict), data));
            assertArrayEquals(new float[] {1f, 2f, 3f}, Npy.read(p).float32Data(), "version " + major);
        }
        // Version 3.0 headers are UTF-8; a non-ASCII key is decoded, then rejected as unknown.
        Path p = dir.resolve("v3u.npy");
        Files.write(p, NpyImages.image(3, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'ß': 1}\n", data));
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npy.read(p));
        assertEquals(p + ": header has unknown key '\\u00df' (expected 'descr', 'fortran_order' and 'shape')",
                e.getMessage());
    }

    @Test
    void readsHeadersWrittenByOtherTools() throws IOException {
        // Unaligned, unpadded, other key order, double quotes: all valid Python dict literals.
        byte[] data = NpyImages.floats(5f);
        Path p = dir.resolve("odd.npy");
        Files.write(p, NpyImages.image(1, "{\"shape\":(1,),\"descr\":\"<f4\",\"fortran_order\":False}", data));
        assertArrayEquals(new float[] {5f}, Npy.read(p).float32Data());
        Files.write(p, NpyImages.image(1, "{'fortran_order': False, 'shape': (), 'descr': '<f4'}\n", data));
        NpyArray scalar = Npy.read(p);
        assertEquals(0, scalar.ndim());
        assertArrayEquals(new float[] {5f}, scalar.float32Data());
    }

    @Test
    void largeArrayRoundTrips() throws IOException {
        int n = 3_000_017; // several read/write chunks plus a partial one
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = i * 0.5f;
        }
        Path p = dir.resolve("big.npy");
        Npy.write(p, NpyArray.ofFloat32(new long[] {n}, f));
        assertEquals(128 + 4L * n, Files.size(p));
        assertArrayEquals(f, Npy.read(p).float32Data());
        try (var in = Files.newInputStream(p)) {
            assertArrayEquals(f, Npy.read(in, p.toString()).float32Data());
        }
        double[] d = new double[n];
        Arrays.setAll(d, i -> i * 0.25);
        Npy.write(p, NpyArray.ofFloat64(new long[] {n}, d));
        assertArrayEquals(d, Npy.read(p).float64Data());
        try (var in = Files.newInputStream(p)) {
            assertArrayEquals(d, Npy.read(in, p.toString()).float64Data());
        }
    }
}
