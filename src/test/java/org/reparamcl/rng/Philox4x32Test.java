package org.reparamcl.rng;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.commons.rng.core.source32.Philox4x32;
import org.junit.jupiter.api.Test;

class Philox4x32Test {
    @Test
    void random123KnownAnswers() {
        for (int[] v : Philox4x32TestVectors.KAT) {
            final int[] out = new int[4];
            org.reparamcl.rng.Philox4x32.block(v[0], v[1], v[2], v[3], v[4], v[5], out, 0);
            assertArrayEquals(new int[] {v[6], v[7], v[8], v[9]}, out);
        }
    }

    /**
     * Commons RNG 1.7 {@code Philox4x32} increments its 128-bit counter before each block. Seeded
     * with the counter all ones it wraps to block 0 of stream 0, and then its words are ours.
     */
    @Test
    void firstMillionWordsOfStreamZeroEqualCommonsRng() {
        final long seed = 0x0123456789ABCDEFL;
        final int n = 1_000_000;
        final int[] ours = new int[n];
        NoiseStream.fillBits(seed, 0, 0, ours, 0, n);
        final Philox4x32 oracle = new Philox4x32(new int[] {(int) seed, (int) (seed >>> 32), -1, -1, -1, -1});
        for (int i = 0; i < n; i++) {
            final int expected = oracle.nextInt();
            if (expected != ours[i]) {
                assertEquals(expected, ours[i], "word " + i);
            }
        }
        // Seeded with the key only, Commons RNG starts at block 1: our word 4.
        final Philox4x32 keyOnly = new Philox4x32(new int[] {(int) seed, (int) (seed >>> 32)});
        for (int i = 4; i < 1000; i++) {
            assertEquals(ours[i], keyOnly.nextInt(), "word " + i);
        }
    }

    /**
     * Any stream and block against Commons RNG: seeded with the 128-bit counter (stream << 64 |
     * block) - 1 (it increments before each block), its next 16 blocks are our blocks
     * block .. block + 15 of that stream. Streams 1, 2^32 - 1, 2^32, 2^63 + 5 and 2^64 - 1, blocks
     * 0 (the borrow from the stream word), 1, 2^32 - 3 (a carry into the block's high word) and
     * 2^62 - 16 (the last 16 blocks of the 2^64-element stream), under two keys.
     */
    @Test
    void anyStreamAndBlockEqualCommonsRng() {
        final long[] streams = {1L, 0xFFFFFFFFL, 1L << 32, (1L << 63) + 5, -1L};
        final long[] blocks = {0L, 1L, (1L << 32) - 3, (1L << 62) - 16};
        for (long seed : new long[] {0x0123456789ABCDEFL, 0xF0E1D2C3B4A59687L}) {
            for (long stream : streams) {
                for (long block : blocks) {
                    final int[] ours = new int[64];
                    NoiseStream.fillBits(seed, stream, block << 2, ours, 0, 64);
                    final long lo = block - 1;
                    final long hi = block == 0 ? stream - 1 : stream;
                    final Philox4x32 oracle = new Philox4x32(new int[] {(int) seed, (int) (seed >>> 32),
                        (int) lo, (int) (lo >>> 32), (int) hi, (int) (hi >>> 32)});
                    for (int i = 0; i < 64; i++) {
                        assertEquals(oracle.nextInt(), ours[i], "seed " + Long.toHexString(seed) + " stream "
                                + Long.toUnsignedString(stream) + " block " + Long.toUnsignedString(block) + " word " + i);
                    }
                }
            }
        }
    }

    @Test
    void streamLayoutPutsBlockInCounterWords01AndStreamIn23() {
        final long seed = 0x1111222233334444L;
        final long stream = 0x5555666677778888L;
        final long block = 0x9999AAAABBBBCCCCL;
        final int[] a = new int[4];
        final int[] b = new int[4];
        org.reparamcl.rng.Philox4x32.streamBlock(seed, stream, block, a, 0);
        org.reparamcl.rng.Philox4x32.block(0xBBBBCCCC, 0x9999AAAA, 0x77778888, 0x55556666, 0x33334444, 0x11112222, b, 0);
        assertArrayEquals(b, a);
    }
}
