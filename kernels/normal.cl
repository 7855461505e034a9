/*
 * The float32 Box-Muller transform of the noise stream, stream version 1, on 16 lanes.
 *
 * Java twin: org.reparamcl.rng.NormalTransform, which is the readable definition: the same
 * constants, the same IEEE float32 operations in the same order, every fused multiply-add an
 * explicit fma (FP_CONTRACT OFF; built without fast-math and with
 * -cl-fp32-correctly-rounded-divide-sqrt). docs/NOISE.md states the algorithm and its bounds.
 * Requires philox4x32.cl before it.
 */
#pragma OPENCL FP_CONTRACT OFF

#define NT_TWO_POW_M32   0x1p-32f
#define NT_TWO_POW_M33   0x1p-33f
#define NT_TWO_POW_M30   0x1p-30f
#define NT_SQRT_HALF_BITS 0x3F3504F3
#define NT_LN2_HI        0x1.63p-1f
#define NT_LN2_LO        -0x1.bd0106p-13f

#define NT_LOG_Q0 -0x1.fffffep-2f
#define NT_LOG_Q1  0x1.55554ep-2f
#define NT_LOG_Q2 -0x1.000206p-2f
#define NT_LOG_Q3  0x1.99a3ecp-3f
#define NT_LOG_Q4 -0x1.548882p-3f
#define NT_LOG_Q5  0x1.22973ap-3f
#define NT_LOG_Q6 -0x1.0c524cp-3f
#define NT_LOG_Q7  0x1.0696e6p-3f
#define NT_LOG_Q8 -0x1.4238p-4f

#define NT_SIN_S0  0x1.921fb6p+0f
#define NT_SIN_S1 -0x1.4abbbap-1f
#define NT_SIN_S2  0x1.465ec4p-4f
#define NT_SIN_S3 -0x1.2d9b7cp-8f

#define NT_COS_C0 -0x1.3bd3ccp+0f
#define NT_COS_C1  0x1.03c1eap-2f
#define NT_COS_C2 -0x1.55cb9ap-6f
#define NT_COS_C3  0x1.db6558p-11f

/* float(w) * 2^-32 + 2^-33 in (0, 1], w unsigned, conversion rounded to nearest even. */
static inline __attribute__((always_inline)) float16 nt_uniform(uint16 w)
{
    return convert_float16(w) * NT_TWO_POW_M32 + NT_TWO_POW_M33;
}

/* Natural log of positive normal floats: exponent split at sqrt(1/2), log1p polynomial. */
static inline __attribute__((always_inline)) float16 nt_log(float16 u)
{
    const int16 bits = as_int16(u);
    const int16 e = (bits - NT_SQRT_HALF_BITS) >> 23;
    const float16 m = as_float16(bits - (e << 23));
    const float16 t = m - 1.0f;
    float16 q = (float16)(NT_LOG_Q8);
    q = fma(q, t, (float16)(NT_LOG_Q7));
    q = fma(q, t, (float16)(NT_LOG_Q6));
    q = fma(q, t, (float16)(NT_LOG_Q5));
    q = fma(q, t, (float16)(NT_LOG_Q4));
    q = fma(q, t, (float16)(NT_LOG_Q3));
    q = fma(q, t, (float16)(NT_LOG_Q2));
    q = fma(q, t, (float16)(NT_LOG_Q1));
    q = fma(q, t, (float16)(NT_LOG_Q0));
    const float16 t2 = t * t;
    const float16 p = fma(t2, q, t);
    const float16 ef = convert_float16(e);
    return fma(ef, (float16)(NT_LN2_HI), fma(ef, (float16)(NT_LN2_LO), p));
}

/* sqrt(-2 log(uniform(w))), correctly rounded sqrt. */
static inline __attribute__((always_inline)) float16 nt_radius(uint16 w)
{
    return sqrt(-2.0f * nt_log(nt_uniform(w)));
}

/* cos and sin of 2 pi w / 2^32: exact quadrant split, then polynomials on [-pi/4, pi/4). */
static inline __attribute__((always_inline)) void nt_cossin_turn(uint16 w, float16 *cosv, float16 *sinv)
{
    const uint16 q = (w + 0x20000000u) >> 30;
    const int16 r = as_int16(w - (q << 30));
    const float16 f = convert_float16(r) * NT_TWO_POW_M30;
    const float16 f2 = f * f;
    float16 s = (float16)(NT_SIN_S3);
    s = fma(s, f2, (float16)(NT_SIN_S2));
    s = fma(s, f2, (float16)(NT_SIN_S1));
    s = fma(s, f2, (float16)(NT_SIN_S0));
    s = f * s;
    float16 c = (float16)(NT_COS_C3);
    c = fma(c, f2, (float16)(NT_COS_C2));
    c = fma(c, f2, (float16)(NT_COS_C1));
    c = fma(c, f2, (float16)(NT_COS_C0));
    c = fma(c, f2, (float16)(1.0f));
    /* Quadrant q: cos = (c, -s, -c, s)[q], sin = (s, c, -s, -c)[q]; negation flips the sign bit. */
    const int16 odd = as_int16((q & 1u) << 31);          /* sign bit set for q = 1, 3 */
    const float16 cb = select(c, s, odd);
    const float16 sb = select(s, c, odd);
    *cosv = as_float16(as_uint16(cb) ^ (((q + 1u) & 2u) << 30));
    *sinv = as_float16(as_uint16(sb) ^ ((q & 2u) << 30));
}

/* eps of 16 word pairs: first = radius(a) * cos(turn(b)), second = radius(a) * sin(turn(b)). */
static inline __attribute__((always_inline)) void nt_box_muller_pairs_x16(uint16 a, uint16 b, float16 *first, float16 *second)
{
    float16 c, s;
    const float16 r = nt_radius(a);
    nt_cossin_turn(b, &c, &s);
    *first = r * c;
    *second = r * s;
}

/* eps of the 64 words of 16 blocks: e0..e3 are lanes 0..3 of each block. */
static inline __attribute__((always_inline)) void nt_box_muller_x16(uint16 w0, uint16 w1, uint16 w2, uint16 w3,
                              float16 *e0, float16 *e1, float16 *e2, float16 *e3)
{
    nt_box_muller_pairs_x16(w0, w1, e0, e1);
    nt_box_muller_pairs_x16(w2, w3, e2, e3);
}

/*
 * eps of the 16 blocks b (one 64-bit block index per lane, any order): block b[m]'s four eps are
 * elements 4m .. 4m + 3 of e0 .. e3 (e0 holds elements 0..15, e1 16..31, e2 32..47, e3 48..63).
 *
 * Implementation note: pairs are formed in stream order before the transform (pair m is
 * words 2m, 2m+1 of the 64: words 0, 1 or 2, 3 of block m / 2), so the only reordering left is
 * one interleave of first and second per 32 elements.
 */
static inline __attribute__((always_inline)) void nt_blocks_normal_x16(ulong16 b, uint k0, uint k1, uint s0, uint s1,
                                 float16 *e0, float16 *e1, float16 *e2, float16 *e3)
{
    const uint16 lo = (uint16)(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const uint16 hi = (uint16)(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    ulong16 x0, x1, x2, x3;
    philox_blocks_x16_wide(b, k0, k1, s0, s1, &x0, &x1, &x2, &x3);
    const ulong16 radius_words = philox_pack_words(x0, x2);   /* words 2m of pairs m = 0 .. 31 */
    const ulong16 angle_words = philox_pack_words(x1, x3);    /* words 2m + 1 */
    float16 f, s;
    nt_box_muller_pairs_x16(as_uint16(radius_words.lo), as_uint16(angle_words.lo), &f, &s);
    *e0 = shuffle2(f, s, lo);
    *e1 = shuffle2(f, s, hi);
    nt_box_muller_pairs_x16(as_uint16(radius_words.hi), as_uint16(angle_words.hi), &f, &s);
    *e2 = shuffle2(f, s, lo);
    *e3 = shuffle2(f, s, hi);
}

/* eps of the 64 stream elements of the 16 blocks first, first+1, ..., first+15, in stream order:
 * e0 holds elements 0..15, e1 16..31, e2 32..47, e3 48..63 (block indices wrap modulo 2^64). */
static inline __attribute__((always_inline)) void nt_stream_normal_x16(ulong first, uint k0, uint k1, uint s0, uint s1,
                                 float16 *e0, float16 *e1, float16 *e2, float16 *e3)
{
    nt_blocks_normal_x16((ulong16)(first) + (ulong16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                         k0, k1, s0, s1, e0, e1, e2, e3);
}
