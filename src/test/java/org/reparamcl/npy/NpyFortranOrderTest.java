package org.reparamcl.npy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fortran-order (column-major) files, as NumPy writes an F-contiguous array such as a transpose
 * ({@code np.save(f, a.T)}): read in C order, as {@code np.load} then {@code np.ascontiguousarray}
 * give them, for every dtype and rank, from files and from streams.
 */
class NpyFortranOrderTest {
    @TempDir
    Path dir;

    /** A 2 x 3 matrix whose columns are stored one after another. */
    @Test
    void aMatrixIsTransposedIntoRowMajorOrder() throws IOException {
        final byte[] image = NpyImages.image(NpyImages.dict("'<f4'", "True", "(2, 3)"), NpyImages.floats(1, 4, 2, 5, 3, 6));
        for (NpyArray a : reads(image)) {
            assertArrayEquals(new long[] {2, 3}, a.shape());
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, a.float32Data());
        }
    }

    /**
     * Random shapes of rank 0 to 4 (axes of length 0 to 5) and every dtype: element (i0, i1, ..)
     * of the result is the one at i0 + d0 (i1 + d1 (i2 + ..)) in the file.
     */
    @Test
    void everyRankAndDtypeMatchesTheColumnMajorIndex() throws IOException {
        final SplittableRandom rnd = new SplittableRandom(20261208L);
        for (int trial = 0; trial < 200; trial++) {
            final long[] shape = new long[rnd.nextInt(5)];
            int n = 1;
            for (int k = 0; k < shape.length; k++) {
                shape[k] = rnd.nextInt(trial < 20 ? 2 : 6);
                n *= (int) shape[k];
            }
            final NpyDType dtype = NpyDType.values()[trial % NpyDType.values().length];
            final ByteBuffer data = ByteBuffer.allocate(n * dtype.itemSize()).order(ByteOrder.LITTLE_ENDIAN);
            for (int f = 0; f < n; f++) {                      // the file's element f holds its own index f
                if (dtype == NpyDType.FLOAT64) {
                    data.putDouble(f);
                } else if (dtype == NpyDType.FLOAT32) {
                    data.putFloat(f);
                } else {
                    data.putInt(f);
                }
            }
            final StringBuilder tuple = new StringBuilder("(");
            for (long d : shape) {
                tuple.append(d).append(shape.length == 1 ? "," : ", ");
            }
            final String shapeText = tuple.toString().replaceAll(", $", "") + ")";
            final byte[] image = NpyImages.image(NpyImages.dict("'" + dtype.descr() + "'", "True", shapeText), data.array());
            final double[] expected = new double[n];
            final long[] at = new long[shape.length];
            for (int i = 0; i < n; i++) {                      // row-major walk; column-major index of each element
                long f = 0;
                for (int k = shape.length - 1; k >= 0; k--) {
                    f = f * shape[k] + at[k];
                }
                expected[i] = f;
                for (int k = shape.length - 1; k >= 0 && ++at[k] == shape[k]; k--) {
                    at[k] = 0;
                }
            }
            for (NpyArray a : reads(image)) {
                assertArrayEquals(shape, a.shape(), shapeText);
                assertArrayEquals(expected, asDoubles(a), 0.0, dtype + " " + shapeText);
            }
        }
    }

    /** With at most one axis longer than 1 both orders hold the same bytes: the data is used as read. */
    @Test
    void dataWithOneLongAxisIsUsedAsItIs() {
        final float[] data = {1, 2, 3, 4, 5};
        for (long[] shape : new long[][] {{5}, {1, 5}, {5, 1}, {1, 5, 1}}) {
            assertSame(data, NpyReader.toCOrder(data, shape));
        }
    }

    private NpyArray[] reads(byte[] image) throws IOException {
        final Path f = dir.resolve("f.npy");
        Files.write(f, image);
        return new NpyArray[] {Npy.read(f), Npy.read(new ByteArrayInputStream(image), "stream")};
    }

    private static double[] asDoubles(NpyArray a) {
        final double[] d = new double[(int) a.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = switch (a.dtype()) {
                case FLOAT32 -> a.float32Data()[i];
                case FLOAT64 -> a.float64Data()[i];
                case UINT32 -> a.uint32Data()[i];
                case INT32 -> a.int32Data()[i];
            };
        }
        return d;
    }
}
