/*
 * Philox4x32-10 (Salmon et al., SC'11), exactly as Random123's philox4x32_R(10, ctr, key),
 * on 16 independent blocks at once: lane i of c0..c3 is word 0..3 of block i.
 *
 * Java twin: org.reparamcl.rng.Philox4x32 (same constants, same rounds, same order).
 * Stream layout (SPEC §2): key = (low32(seed), high32(seed));
 * ctr = (low32(block), high32(block), low32(stream), high32(stream)).
 *
 * Implementation note: the 32x32 -> 64 products are one 64-bit multiply each, which PoCL
 * vectorizes well; mul_hi plus a separate low product is slower there.
 */
#pragma OPENCL FP_CONTRACT OFF

#define M_PHILOX_4X32_0 0xD2511F53u
#define M_PHILOX_4X32_1 0xCD9E8D57u
#define W_PHILOX_32_A   0x9E3779B9u
#define W_PHILOX_32_B   0xBB67AE85u
#define PHILOX_ROUNDS   10

static inline __attribute__((always_inline)) void philox4x32_10_x16(uint16 *c0, uint16 *c1, uint16 *c2, uint16 *c3, uint16 k0, uint16 k1)
{
    uint16 x0 = *c0, x1 = *c1, x2 = *c2, x3 = *c3;
    #pragma unroll
    for (int r = 0; r < PHILOX_ROUNDS; r++) {
        const ulong16 p0 = convert_ulong16(x0) * (ulong)M_PHILOX_4X32_0;
        const ulong16 p1 = convert_ulong16(x2) * (ulong)M_PHILOX_4X32_1;
        const uint16 n0 = convert_uint16(p1 >> 32) ^ x1 ^ k0;
        const uint16 n2 = convert_uint16(p0 >> 32) ^ x3 ^ k1;
        x1 = convert_uint16(p1);
        x3 = convert_uint16(p0);
        x0 = n0;
        x2 = n2;
        k0 += W_PHILOX_32_A;
        k1 += W_PHILOX_32_B;
    }
    *c0 = x0; *c1 = x1; *c2 = x2; *c3 = x3;
}

/* The four words of the 16 consecutive blocks first, first+1, ..., first+15 of a stream
 * (block indices are 64-bit and wrap modulo 2^64). */
static inline __attribute__((always_inline)) void philox_stream_x16(ulong first, uint k0, uint k1, uint s0, uint s1,
                              uint16 *w0, uint16 *w1, uint16 *w2, uint16 *w3)
{
    const ulong16 b = (ulong16)(first) + (ulong16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    *w0 = convert_uint16(b);
    *w1 = convert_uint16(b >> 32);
    *w2 = (uint16)(s0);
    *w3 = (uint16)(s1);
    philox4x32_10_x16(w0, w1, w2, w3, (uint16)(k0), (uint16)(k1));
}

/*
 * Writes 64 words in stream order (block-major: word k of block i goes to dst[4 i + k]) from
 * the lane-major vectors w0..w3. Element j of the 64 lands at out[base + j] for 0 <= base + j < n;
 * when all 64 fit, four vstore16, otherwise guarded scalar stores (only at the ends of a fill).
 */
static inline __attribute__((always_inline)) void store_interleaved_x16(__global uint *out, long base, long n,
                                  uint16 w0, uint16 w1, uint16 w2, uint16 w3)
{
    const uint16 lo01 = shuffle2(w0, w1, (uint16)(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23));
    const uint16 hi01 = shuffle2(w0, w1, (uint16)(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31));
    const uint16 lo23 = shuffle2(w2, w3, (uint16)(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23));
    const uint16 hi23 = shuffle2(w2, w3, (uint16)(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31));
    const uint16 m0 = (uint16)(0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
    const uint16 m1 = (uint16)(8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31);
    const uint16 v0 = shuffle2(lo01, lo23, m0);
    const uint16 v1 = shuffle2(lo01, lo23, m1);
    const uint16 v2 = shuffle2(hi01, hi23, m0);
    const uint16 v3 = shuffle2(hi01, hi23, m1);
    if (base >= 0 && base + 64 <= n) {
        __global uint *p = out + base;
        vstore16(v0, 0, p);
        vstore16(v1, 1, p);
        vstore16(v2, 2, p);
        vstore16(v3, 3, p);
    } else {
        uint tmp[64];
        vstore16(v0, 0, tmp);
        vstore16(v1, 1, tmp);
        vstore16(v2, 2, tmp);
        vstore16(v3, 3, tmp);
        for (int j = 0; j < 64; j++) {
            const long i = base + j;
            if (i >= 0 && i < n) {
                out[i] = tmp[j];
            }
        }
    }
}

/*
 * Known-answer entry: n (a multiple of 16) independent (ctr, key) tests in structure-of-arrays
 * form: ctr[t], ctr[n + t], ctr[2n + t], ctr[3n + t] and key[t], key[n + t]; the output words go to
 * out[4 t + k]. One work-item runs 16 tests, each lane with its own key.
 */
__kernel void philox_kat(__global const uint *ctr, __global const uint *key, __global uint *out, uint n)
{
    const uint g = get_global_id(0);
    uint16 x0 = vload16(g, ctr), x1 = vload16(g, ctr + n), x2 = vload16(g, ctr + 2 * n), x3 = vload16(g, ctr + 3 * n);
    philox4x32_10_x16(&x0, &x1, &x2, &x3, vload16(g, key), vload16(g, key + n));
    store_interleaved_x16(out, 64 * (long)g, 4 * (long)n, x0, x1, x2, x3);
}
