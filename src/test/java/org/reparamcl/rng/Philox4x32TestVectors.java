package org.reparamcl.rng;

/** Known-answer vectors shared by the CPU and OpenCL tests. */
public final class Philox4x32TestVectors {
    private Philox4x32TestVectors() {
    }

    /**
     * Random123 1.14 {@code tests/kat_vectors}, lines "philox4x32 10": ctr[4], key[2], expected[4].
     * The same vectors run on OpenCL in {@code opencl.NoiseParityTest}.
     */
    public static final int[][] KAT = {
        {0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
            0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
        {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
            0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
        {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0,
            0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
    };

}
