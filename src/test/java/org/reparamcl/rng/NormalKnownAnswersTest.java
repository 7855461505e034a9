package org.reparamcl.rng;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.zip.CRC32;

import org.junit.jupiter.api.Test;

/**
 * Known answers of stream version 1: the worked example of docs/NOISE.md §2.8 with its
 * intermediate values, and CRC-32 fingerprints of 2^20 eps. A change to any output bit fails
 * here and needs a new {@link NormalTransform#STREAM_VERSION}.
 */
class NormalKnownAnswersTest {

    @Test
    void streamVersionIsOne() {
        assertEquals(1, NormalTransform.STREAM_VERSION, "the answers below are those of stream version 1");
    }

    /** seed 42, stream 0: words 0..3 and eps 0..3 as in docs/NOISE.md. */
    @Test
    void workedExample() {
        final int[] words = new int[4];
        NoiseStream.fillBits(42, 0, 0, words, 0, 4);
        assertArrayEquals(new int[] {0x9CEAF053, 0x77F5493B, 0x12BF50AD, 0x5742B3D7}, words);
        final float[] eps = new float[4];
        NoiseStream.fillNormal(42, 0, 0, eps, 0, 4);
        assertArrayEquals(new float[] {-0x1.f0bcb8p-1f, 0x1.8d59dp-3f, -0x1.3c51a6p0f, 0x1.ec8678p0f}, eps);

        final float u = NormalTransform.uniform(words[0]);
        assertEquals(0x1.39d5ep-1f, u);
        assertEquals(-0x1.f533e8p-2f, NormalTransform.log(u));
        assertEquals(0x1.fa9296p-1f, NormalTransform.radius(words[0]));
        assertEquals(2, NormalTransform.quadrant(words[1]));
        assertEquals(-134919877, words[1] - (2 << 30));
        final float f = NormalTransform.quadrantFraction(words[1]);
        assertEquals(-0x1.0156d8p-3f, f);
        assertEquals(-0x1.919ba8p-3f, NormalTransform.sinQuarter(f));
        assertEquals(0x1.f60f28p-1f, NormalTransform.cosQuarter(f));
        assertEquals(-0x1.f60f28p-1f, NormalTransform.cosTurn(words[1]));
        assertEquals(0x1.919ba8p-3f, NormalTransform.sinTurn(words[1]));

        assertEquals(0x1.24ad42p1f, NormalTransform.radius(words[2]));
        assertEquals(1, NormalTransform.quadrant(words[3]));
        assertEquals(0x1.742b3ep-2f, NormalTransform.quadrantFraction(words[3]));
    }

    /**
     * CRC-32 (java.util.zip, as zlib.crc32) of the little-endian float32 bytes of 2^20 eps, i.e. of
     * the data of {@code reparam noise --n 1048576 ...}: (seed 42, stream 0, offset 0) and (seed -1,
     * stream 2^63 + 5, the last 2^20 indices of the 2^64).
     */
    @Test
    void fingerprints() {
        assertEquals(0x0ECEAC28L, crc32(42, 0, 0));
        assertEquals(0x6FE9CE2BL, crc32(-1, Long.MIN_VALUE + 5, -(1L << 20)));
    }

    private static long crc32(long seed, long stream, long offset) {
        final float[] eps = new float[1 << 20];
        NoiseStream.fillNormal(seed, stream, offset, eps, 0, eps.length);
        final byte[] bytes = new byte[4 * eps.length];
        for (int i = 0; i < eps.length; i++) {
            final int v = Float.floatToRawIntBits(eps[i]);
            bytes[4 * i] = (byte) v;
            bytes[4 * i + 1] = (byte) (v >>> 8);
            bytes[4 * i + 2] = (byte) (v >>> 16);
            bytes[4 * i + 3] = (byte) (v >>> 24);
        }
        final CRC32 crc = new CRC32();
        crc.update(bytes);
        return crc.getValue();
    }
}
