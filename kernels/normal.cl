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

/* eps of the 64 words of 16 blocks: e0..e3 are lanes 0..3 of each block. */
static inline __attribute__((always_inline)) void nt_box_muller_x16(uint16 w0, uint16 w1, uint16 w2, uint16 w3,
                              float16 *e0, float16 *e1, float16 *e2, float16 *e3)
{
    float16 c, s;
    const float16 r0 = nt_radius(w0);
    nt_cossin_turn(w1, &c, &s);
    *e0 = r0 * c;
    *e1 = r0 * s;
    const float16 r2 = nt_radius(w2);
    nt_cossin_turn(w3, &c, &s);
    *e2 = r2 * c;
    *e3 = r2 * s;
}
