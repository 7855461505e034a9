/*
 * Noise fills: raw words and normal eps of (seed, stream) from index offset, into out[0 .. n).
 * Requires philox4x32.cl and normal.cl before it.
 *
 * The host passes first_block = offset / 4 and phase = offset % 4; work-item g computes the 16
 * blocks first_block + 16 g + (0 .. 15), i.e. the stream elements whose position relative to
 * first_block * 4 is 64 g .. 64 g + 63, stored at out[64 g - phase + j]. The global size may be
 * padded up to a multiple of the work-group size: work-items past n return at once.
 * Java twin: org.reparamcl.rng.NoiseStream.
 */
#pragma OPENCL FP_CONTRACT OFF

__kernel void noise_bits(__global uint *out, long n, ulong first_block, uint phase,
                         uint k0, uint k1, uint s0, uint s1, int nt)
{
    const ulong g = get_global_id(0);
    const long base = (long)(64 * g) - (long)phase;
    if (base >= n) {
        return;
    }
    uint16 v0, v1, v2, v3;
    philox_stream_words_x16(first_block + 16 * g, k0, k1, s0, s1, &v0, &v1, &v2, &v3);
    store_x64(out, base, n, v0, v1, v2, v3, nt);
}

__kernel void noise_normal(__global float *out, long n, ulong first_block, uint phase,
                           uint k0, uint k1, uint s0, uint s1, int nt)
{
    const ulong g = get_global_id(0);
    const long base = (long)(64 * g) - (long)phase;
    if (base >= n) {
        return;
    }
    float16 e0, e1, e2, e3;
    nt_stream_normal_x16(first_block + 16 * g, k0, k1, s0, s1, &e0, &e1, &e2, &e3);
    store_x64((__global uint *)out, base, n, as_uint16(e0), as_uint16(e1), as_uint16(e2), as_uint16(e3), nt);
}

/*
 * noise_normal through the lane-major entry points (philox_stream_x16, nt_box_muller_x16,
 * store_interleaved_x16) that other kernels build on; the parity tests hold it to the same bits.
 */
__kernel void noise_normal_lane_major(__global float *out, long n, ulong first_block, uint phase,
                                      uint k0, uint k1, uint s0, uint s1)
{
    const ulong g = get_global_id(0);
    const long base = (long)(64 * g) - (long)phase;
    if (base >= n) {
        return;
    }
    uint16 w0, w1, w2, w3;
    float16 e0, e1, e2, e3;
    philox_stream_x16(first_block + 16 * g, k0, k1, s0, s1, &w0, &w1, &w2, &w3);
    nt_box_muller_x16(w0, w1, w2, w3, &e0, &e1, &e2, &e3);
    store_interleaved_x16((__global uint *)out, base, n, as_uint16(e0), as_uint16(e1), as_uint16(e2), as_uint16(e3));
}

/*
 * The roof for noise_normal: the same work-item shape and the same 4 bytes written per element,
 * no generator: each element gets a cheap function of its index.
 */
__kernel void roof_store(__global float *out, long n, ulong first_block, uint phase,
                         uint k0, uint k1, uint s0, uint s1, int nt)
{
    const ulong g = get_global_id(0);
    const long base = (long)(64 * g) - (long)phase;
    if (base >= n) {
        return;
    }
    const uint16 w0 = (uint16)((uint)g) + (uint16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    store_x64((__global uint *)out, base, n, w0 ^ k0, w0 ^ k1, w0 ^ s0, w0 ^ s1, nt);
}
