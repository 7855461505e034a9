/*
 * The reparameterized forward and backward passes (docs/REPARAM.md), the float32 math they use,
 * and their roof kernels. Requires philox4x32.cl and normal.cl before it.
 *
 * Java twins: org.reparamcl.rng.FloatMath (fm_*), org.reparamcl.Parameterization (rp_transform,
 * rp_sigma) and org.reparamcl.cpu.CpuReparam (the kernels): the same constants and the same IEEE
 * float32 operations in the same order, every fused multiply-add an explicit fma (FP_CONTRACT OFF,
 * no fast-math, correctly rounded divide and sqrt).
 *
 * Layouts. Forward: like noise_normal, work-item g computes the 16 Philox blocks
 * first_block + 16 g + (0 .. 15), i.e. elements i = 64 g - phase + (0 .. 63) of the call; the
 * parameter element of i is i mod np, found with one division per work-item. Backward: work-item
 * (c, g) owns the 64 parameter elements p = 64 c - shift + (0 .. 63) and walks the rows r of
 * row block g (or of all blocks) in order; shift aligns the first element to a Philox block when
 * np is a multiple of 4, so that every row's 64 eps are 16 whole blocks.
 *
 * Launches are one-dimensional with a fixed work-group size (ClKernel pads the global size);
 * work-items past the end return at once.
 */
#pragma OPENCL FP_CONTRACT OFF

#define RP_INLINE static inline __attribute__((always_inline))

/* Ordinals of org.reparamcl.Parameterization. */
#define RP_SIGMA      0
#define RP_LOG_SIGMA  1
#define RP_LOG_VAR    2
#define RP_SOFTPLUS   3

/* ReparamSpec.SUM_BLOCK: terms per block of every fixed-order sum. */
#define RP_BLOCK 64

/* Backward flags (ClReparam). */
#define RP_READ_EPS   1
#define RP_KL         2
#define RP_LOGQ       4
#define RP_ACCUMULATE 8

/* float16 at the alignment of float: one unaligned vector load or store (vload16 may be split). */
typedef float16 rp_float16_a4 __attribute__((aligned(4)));

/* FloatMath constants. */
#define FM_LOG2E         0x1.715476p+0f
#define FM_ROUND_TO_INT  0x1.8p+23f
#define FM_EXP_LN2_HI    0x1.62e4p-1f
#define FM_EXP_LN2_LO    0x1.7f7d1cp-20f
#define FM_EXP_CLAMP     128.0f
#define FM_EXP_E0        0x1.0p-1f
#define FM_EXP_E1        0x1.555556p-3f
#define FM_EXP_E2        0x1.5554eap-5f
#define FM_EXP_E3        0x1.1110c6p-7f
#define FM_EXP_E4        0x1.6d4316p-10f
#define FM_EXP_E5        0x1.a1516ap-13f
#define FM_MIN_NORMAL    0x1p-126f
#define FM_TWO_POW_23    0x1p23f
#define FM_NAN_BITS      0x7FC00000
#define FM_HALF_LOG_2PI  0x1.d67f1cp-1f
#define FM_SOFTPLUS_LINEAR 20.0f
/* NormalTransform's log constants (the same values as NT_* in normal.cl, kept here so that this
 * file depends only on the x16 generator functions). */
#define FM_SQRT_HALF_BITS 0x3F3504F3
#define FM_LN2_HI        0x1.63p-1f
#define FM_LN2_LO        -0x1.bd0106p-13f
#define FM_LOG_Q0 -0x1.fffffep-2f
#define FM_LOG_Q1  0x1.55554ep-2f
#define FM_LOG_Q2 -0x1.000206p-2f
#define FM_LOG_Q3  0x1.99a3ecp-3f
#define FM_LOG_Q4 -0x1.548882p-3f
#define FM_LOG_Q5  0x1.22973ap-3f
#define FM_LOG_Q6 -0x1.0c524cp-3f
#define FM_LOG_Q7  0x1.0696e6p-3f
#define FM_LOG_Q8 -0x1.4238p-4f

/* FloatMath.exp. */
RP_INLINE float16 fm_exp(float16 x)
{
    x = select(x, (float16)(-FM_EXP_CLAMP), x < -FM_EXP_CLAMP);
    x = select(x, (float16)(FM_EXP_CLAMP), x > FM_EXP_CLAMP);
    const float16 kf = (x * FM_LOG2E + FM_ROUND_TO_INT) - FM_ROUND_TO_INT;
    float16 r = fma(-kf, (float16)(FM_EXP_LN2_HI), x);
    r = fma(-kf, (float16)(FM_EXP_LN2_LO), r);
    float16 p = (float16)(FM_EXP_E5);
    p = fma(p, r, (float16)(FM_EXP_E4));
    p = fma(p, r, (float16)(FM_EXP_E3));
    p = fma(p, r, (float16)(FM_EXP_E2));
    p = fma(p, r, (float16)(FM_EXP_E1));
    p = fma(p, r, (float16)(FM_EXP_E0));
    const float16 y = fma(r * r, p, r) + 1.0f;
    const int16 k = convert_int16(kf);
    const int16 k1 = k >> 1;
    const int16 k2 = k - k1;
    return y * as_float16((k1 + 127) << 23) * as_float16((k2 + 127) << 23);
}

/* FloatMath.log. */
RP_INLINE float16 fm_log(float16 x)
{
    const int16 sub = x < FM_MIN_NORMAL;
    const float16 xs = select(x, x * FM_TWO_POW_23, sub);
    const int16 bits = as_int16(xs);
    const int16 e = (bits - FM_SQRT_HALF_BITS) >> 23;
    const float16 m = as_float16(bits - (e << 23));
    const float16 t = m - 1.0f;
    float16 q = (float16)(FM_LOG_Q8);
    q = fma(q, t, (float16)(FM_LOG_Q7));
    q = fma(q, t, (float16)(FM_LOG_Q6));
    q = fma(q, t, (float16)(FM_LOG_Q5));
    q = fma(q, t, (float16)(FM_LOG_Q4));
    q = fma(q, t, (float16)(FM_LOG_Q3));
    q = fma(q, t, (float16)(FM_LOG_Q2));
    q = fma(q, t, (float16)(FM_LOG_Q1));
    q = fma(q, t, (float16)(FM_LOG_Q0));
    const float16 p = fma(t * t, q, t);
    const float16 ef = convert_float16(e - (sub & 23));
    float16 r = fma(ef, (float16)(FM_LN2_HI), fma(ef, (float16)(FM_LN2_LO), p));
    r = select(r, (float16)(-INFINITY), x == 0.0f);
    r = select(r, (float16)(INFINITY), x == (float16)(INFINITY));
    r = select(r, as_float16((int16)(FM_NAN_BITS)), !(x >= 0.0f));
    return r;
}

/* FloatMath.log1p, for t in [0, 1]. */
RP_INLINE float16 fm_log1p(float16 t)
{
    const float16 u = 1.0f + t;
    const float16 c = t - (u - 1.0f);
    return fm_log(u) + c / u;
}

/* Parameterization.sigma. */
RP_INLINE float16 rp_sigma(int param, float16 rho)
{
    if (param == RP_SIGMA) {
        return rho;
    } else if (param == RP_LOG_SIGMA) {
        return fm_exp(rho);
    } else if (param == RP_LOG_VAR) {
        return fm_exp(0.5f * rho);
    }
    const float16 e = fm_exp(-fabs(rho));
    float16 s = select((float16)(0.0f), rho, rho > 0.0f) + fm_log1p(e);
    s = select(s, rho, rho > FM_SOFTPLUS_LINEAR);
    return select(s, e, rho < -FM_SOFTPLUS_LINEAR);
}

/* Parameterization.sigma, dSigma, logSigma and dLogSigma at once (softplus shares exp(-|rho|)). */
RP_INLINE void rp_transform(int param, float16 rho, float16 *sigma, float16 *ds, float16 *ls, float16 *dl)
{
    if (param == RP_SIGMA) {
        *sigma = rho;
        *ds = (float16)(1.0f);
        *ls = fm_log(rho);
        *dl = 1.0f / rho;
    } else if (param == RP_LOG_SIGMA) {
        *sigma = fm_exp(rho);
        *ds = *sigma;
        *ls = rho;
        *dl = (float16)(1.0f);
    } else if (param == RP_LOG_VAR) {
        const float16 h = 0.5f * rho;
        *sigma = fm_exp(h);
        *ds = 0.5f * *sigma;
        *ls = h;
        *dl = (float16)(0.5f);
    } else {
        const float16 e = fm_exp(-fabs(rho));
        float16 s = select((float16)(0.0f), rho, rho > 0.0f) + fm_log1p(e);
        s = select(s, rho, rho > FM_SOFTPLUS_LINEAR);
        s = select(s, e, rho < -FM_SOFTPLUS_LINEAR);
        const float16 d = 1.0f + e;
        const float16 g = select(e / d, 1.0f / d, rho >= 0.0f);
        const int16 tiny = rho < -FM_SOFTPLUS_LINEAR;
        *sigma = s;
        *ds = g;
        *ls = select(fm_log(s), rho, tiny);
        *dl = select(g / s, (float16)(1.0f), tiny);
    }
}

/* The 64 eps of 16 blocks from nt_box_muller_x16 (lane-major) in element order. */
RP_INLINE void rp_interleave(float16 e0, float16 e1, float16 e2, float16 e3,
                             float16 *v0, float16 *v1, float16 *v2, float16 *v3)
{
    const float16 lo01 = shuffle2(e0, e1, (uint16)(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23));
    const float16 hi01 = shuffle2(e0, e1, (uint16)(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31));
    const float16 lo23 = shuffle2(e2, e3, (uint16)(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23));
    const float16 hi23 = shuffle2(e2, e3, (uint16)(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31));
    const uint16 m0 = (uint16)(0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
    const uint16 m1 = (uint16)(8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31);
    *v0 = shuffle2(lo01, lo23, m0);
    *v1 = shuffle2(lo01, lo23, m1);
    *v2 = shuffle2(hi01, hi23, m0);
    *v3 = shuffle2(hi01, hi23, m1);
}

/* eps of stream elements 4 first .. 4 first + 63 (blocks first .. first + 15), in element order. */
RP_INLINE void rp_eps_blocks(ulong first, uint k0, uint k1, uint s0, uint s1,
                             float16 *v0, float16 *v1, float16 *v2, float16 *v3)
{
    uint16 w0, w1, w2, w3;
    float16 e0, e1, e2, e3;
    philox_stream_x16(first, k0, k1, s0, s1, &w0, &w1, &w2, &w3);
    nt_box_muller_x16(w0, w1, w2, w3, &e0, &e1, &e2, &e3);
    rp_interleave(e0, e1, e2, e3, v0, v1, v2, v3);
}

/*
 * eps of stream elements s .. s + 63 for any s (indices modulo 2^64). One group of 16 blocks when
 * s is a multiple of 4, otherwise two, shifted by s mod 4 through private memory.
 */
RP_INLINE void rp_eps_at(ulong s, uint k0, uint k1, uint s0, uint s1,
                         float16 *v0, float16 *v1, float16 *v2, float16 *v3)
{
    const ulong first = s >> 2;
    const uint ph = (uint)(s & 3);
    rp_eps_blocks(first, k0, k1, s0, s1, v0, v1, v2, v3);
    if (ph != 0) {
        float t[128];
        float16 u0, u1, u2, u3;
        vstore16(*v0, 0, t);
        vstore16(*v1, 1, t);
        vstore16(*v2, 2, t);
        vstore16(*v3, 3, t);
        rp_eps_blocks(first + 16, k0, k1, s0, s1, &u0, &u1, &u2, &u3);
        vstore16(u0, 4, t);
        vstore16(u1, 5, t);
        vstore16(u2, 6, t);
        vstore16(u3, 7, t);
        *v0 = vload16(0, t + ph);
        *v1 = vload16(0, t + ph + 16);
        *v2 = vload16(0, t + ph + 32);
        *v3 = vload16(0, t + ph + 48);
    }
}

/* Loads src[base + j] for j < len, pad elsewhere, into four vectors (the partial-run path). */
RP_INLINE void rp_gather(__global const float *src, long base, long lo, long hi, float pad,
                         float16 *v0, float16 *v1, float16 *v2, float16 *v3)
{
    float t[64];
    for (int j = 0; j < 64; j++) {
        const long k = base + j;
        t[j] = (k >= lo && k < hi) ? src[k] : pad;
    }
    *v0 = vload16(0, t);
    *v1 = vload16(1, t);
    *v2 = vload16(2, t);
    *v3 = vload16(3, t);
}

/* Stores dst[base + j] = v[j] for lo <= base + j < hi. */
RP_INLINE void rp_scatter(__global float *dst, long base, long lo, long hi,
                          float16 v0, float16 v1, float16 v2, float16 v3)
{
    float t[64];
    vstore16(v0, 0, t);
    vstore16(v1, 1, t);
    vstore16(v2, 2, t);
    vstore16(v3, 3, t);
    for (int j = 0; j < 64; j++) {
        const long k = base + j;
        if (k >= lo && k < hi) {
            dst[k] = t[j];
        }
    }
}

/* src[base .. base + 64) into four vectors. */
RP_INLINE void rp_load(__global const float *src, long base, float16 *v0, float16 *v1, float16 *v2, float16 *v3)
{
    const __global rp_float16_a4 *p = (const __global rp_float16_a4 *)(src + base);
    *v0 = p[0];
    *v1 = p[1];
    *v2 = p[2];
    *v3 = p[3];
}

/* dst[base .. base + 64) from four vectors. */
RP_INLINE void rp_store(__global float *dst, long base, float16 v0, float16 v1, float16 v2, float16 v3)
{
    __global rp_float16_a4 *p = (__global rp_float16_a4 *)(dst + base);
    p[0] = v0;
    p[1] = v1;
    p[2] = v2;
    p[3] = v3;
}

/*
 * z[i] = fma(sigma(rho[p]), eps[i], mu[p]) for i = 64 g - phase + (0 .. 63) in [0, n), p = i mod np;
 * eps[i] too when store_eps. Runs inside one pass over the parameters use vector loads; the ends
 * of the call and runs that wrap around np gather.
 */
__kernel void reparam_forward(__global const float *mu, __global const float *rho,
                              __global float *z, __global float *eps,
                              long n, long np, ulong first_block, uint phase,
                              uint k0, uint k1, uint s0, uint s1, int param, int store_eps)
{
    const ulong g = get_global_id(0);
    const long i0 = (long)(64 * g) - (long)phase;
    if (i0 >= n) {
        return;
    }
    float16 e0, e1, e2, e3, m0, m1, m2, m3, r0, r1, r2, r3;
    rp_eps_blocks(first_block + 16 * g, k0, k1, s0, s1, &e0, &e1, &e2, &e3);
    const long istart = i0 < 0 ? 0 : i0;
    const long p0 = istart % np;
    const int full = i0 >= 0 && i0 + 64 <= n && p0 + 64 <= np;
    if (full) {
        rp_load(mu, p0, &m0, &m1, &m2, &m3);
        rp_load(rho, p0, &r0, &r1, &r2, &r3);
    } else {
        float mt[64], rt[64];
        long p = p0;
        for (int j = 0; j < 64; j++) {
            const long i = i0 + j;
            if (i >= 0 && i < n) {
                mt[j] = mu[p];
                rt[j] = rho[p];
                if (++p == np) {
                    p = 0;
                }
            } else {
                mt[j] = 0.0f;
                rt[j] = 1.0f;
            }
        }
        m0 = vload16(0, mt); m1 = vload16(1, mt); m2 = vload16(2, mt); m3 = vload16(3, mt);
        r0 = vload16(0, rt); r1 = vload16(1, rt); r2 = vload16(2, rt); r3 = vload16(3, rt);
    }
    const float16 z0 = fma(rp_sigma(param, r0), e0, m0);
    const float16 z1 = fma(rp_sigma(param, r1), e1, m1);
    const float16 z2 = fma(rp_sigma(param, r2), e2, m2);
    const float16 z3 = fma(rp_sigma(param, r3), e3, m3);
    if (full) {
        rp_store(z, i0, z0, z1, z2, z3);
        if (store_eps) {
            rp_store(eps, i0, e0, e1, e2, e3);
        }
    } else {
        rp_scatter(z, i0, 0, n, z0, z1, z2, z3);
        if (store_eps) {
            rp_scatter(eps, i0, 0, n, e0, e1, e2, e3);
        }
    }
}

/* Left-to-right sum of the first len of 64 terms, from +0.0f. */
RP_INLINE float rp_block_sum(float16 t0, float16 t1, float16 t2, float16 t3, int len)
{
    float t[64];
    vstore16(t0, 0, t);
    vstore16(t1, 1, t);
    vstore16(t2, 2, t);
    vstore16(t3, 3, t);
    float s = 0.0f;
    for (int j = 0; j < len; j++) {
        s = s + t[j];
    }
    return s;
}

/*
 * Block j of the KL sum of parameter row b (work-item b nblocks + j of rows nblocks):
 * sum of fma(0.5f, fma(mu, mu, fma(sigma, sigma, -1)), -log sigma) over d in [64 j, 64 j + 64) n [0, dim).
 * Writes out[b * nblocks + j] (partials), or out[b] = 0.0f + sum when nblocks is 1.
 */
__kernel void reparam_kl_blocks(__global const float *mu, __global const float *rho, __global float *out,
                                long dim, long nblocks, long rows, int param)
{
    const long idx = get_global_id(0);
    if (idx >= rows * nblocks) {
        return;
    }
    const long b = idx / nblocks;
    const long j = idx - b * nblocks;
    const long d0 = RP_BLOCK * j;
    const long base = b * dim + d0;
    const int len = (int)min((long)RP_BLOCK, dim - d0);
    float16 m0, m1, m2, m3, r0, r1, r2, r3;
    if (len == RP_BLOCK) {
        rp_load(mu, base, &m0, &m1, &m2, &m3);
        rp_load(rho, base, &r0, &r1, &r2, &r3);
    } else {
        rp_gather(mu, base, base, base + len, 0.0f, &m0, &m1, &m2, &m3);
        rp_gather(rho, base, base, base + len, 1.0f, &r0, &r1, &r2, &r3);
    }
    float16 s, ds, ls, dl, t0, t1, t2, t3;
    rp_transform(param, r0, &s, &ds, &ls, &dl);
    t0 = fma(0.5f, fma(m0, m0, fma(s, s, -1.0f)), -ls);
    rp_transform(param, r1, &s, &ds, &ls, &dl);
    t1 = fma(0.5f, fma(m1, m1, fma(s, s, -1.0f)), -ls);
    rp_transform(param, r2, &s, &ds, &ls, &dl);
    t2 = fma(0.5f, fma(m2, m2, fma(s, s, -1.0f)), -ls);
    rp_transform(param, r3, &s, &ds, &ls, &dl);
    t3 = fma(0.5f, fma(m3, m3, fma(s, s, -1.0f)), -ls);
    const float sum = rp_block_sum(t0, t1, t2, t3, len);
    if (nblocks == 1) {
        out[b] = 0.0f + sum;
    } else {
        out[b * nblocks + j] = sum;
    }
}

/*
 * Block j of log q of drawn row q (work-item q nblocks + j of qrows nblocks): sum of
 * fma(-0.5f, eps * eps, -(log sigma + HALF_LOG_2PI)) over d in block j. eps is read from the eps
 * buffer when read_eps, otherwise regenerated (stream index offset + q dim + d). Parameter row
 * q mod rows (0 when broadcast). Writes out[q * nblocks + j], or out[q] = 0.0f + sum.
 */
__kernel void reparam_logq_blocks(__global const float *rho, __global const float *eps, __global float *out,
                                  long dim, long nblocks, long qrows, long rows, int broadcast, int param,
                                  int read_eps, ulong offset, uint k0, uint k1, uint s0, uint s1)
{
    const long idx = get_global_id(0);
    if (idx >= qrows * nblocks) {
        return;
    }
    const long q = idx / nblocks;
    const long j = idx - q * nblocks;
    const long d0 = RP_BLOCK * j;
    const long i0 = q * dim + d0;
    const long pbase = (broadcast ? 0 : (q % rows) * dim) + d0;
    const int len = (int)min((long)RP_BLOCK, dim - d0);
    float16 e0, e1, e2, e3, r0, r1, r2, r3;
    if (len == RP_BLOCK) {
        rp_load(rho, pbase, &r0, &r1, &r2, &r3);
        if (read_eps) {
            rp_load(eps, i0, &e0, &e1, &e2, &e3);
        }
    } else {
        rp_gather(rho, pbase, pbase, pbase + len, 1.0f, &r0, &r1, &r2, &r3);
        if (read_eps) {
            rp_gather(eps, i0, i0, i0 + len, 0.0f, &e0, &e1, &e2, &e3);
        }
    }
    if (!read_eps) {
        rp_eps_at(offset + (ulong)i0, k0, k1, s0, s1, &e0, &e1, &e2, &e3);
    }
    float16 s, ds, ls, dl, t0, t1, t2, t3;
    rp_transform(param, r0, &s, &ds, &ls, &dl);
    t0 = fma(-0.5f, e0 * e0, -(ls + FM_HALF_LOG_2PI));
    rp_transform(param, r1, &s, &ds, &ls, &dl);
    t1 = fma(-0.5f, e1 * e1, -(ls + FM_HALF_LOG_2PI));
    rp_transform(param, r2, &s, &ds, &ls, &dl);
    t2 = fma(-0.5f, e2 * e2, -(ls + FM_HALF_LOG_2PI));
    rp_transform(param, r3, &s, &ds, &ls, &dl);
    t3 = fma(-0.5f, e3 * e3, -(ls + FM_HALF_LOG_2PI));
    const float sum = rp_block_sum(t0, t1, t2, t3, len);
    if (nblocks == 1) {
        out[q] = 0.0f + sum;
    } else {
        out[q * nblocks + j] = sum;
    }
}

/* out[row] = left-to-right sum of part[row * nblocks + (0 .. nblocks - 1)] from +0.0f. */
__kernel void reparam_row_sums(__global const float *part, __global float *out, long nblocks, long rows)
{
    const long row = get_global_id(0);
    if (row >= rows) {
        return;
    }
    const __global float *p = part + row * nblocks;
    float s = 0.0f;
    for (long j = 0; j < nblocks; j++) {
        s = s + p[j];
    }
    out[row] = s;
}

/* out[b] = blocked sum over r in [0, rows) of x[r * stride + b] (Slq of the backward pass). */
__kernel void reparam_strided_sums(__global const float *x, __global float *out, long rows, long stride)
{
    const long b = get_global_id(0);
    if (b >= stride) {
        return;
    }
    float total = 0.0f;
    for (long g = 0; g < rows; g += RP_BLOCK) {
        const long end = min(rows, g + RP_BLOCK);
        float s = 0.0f;
        for (long r = g; r < end; r++) {
            s = s + x[r * stride + b];
        }
        total = total + s;
    }
    out[b] = total;
}

/*
 * Block sums of rows [r_begin, r_end) for the 64 parameter elements from p0:
 * smu += gz; ssig = fma(gz, eps, ssig), starting from +0.0f.
 */
RP_INLINE void rp_backward_block(__global const float *gz, __global const float *eps, long np, long p0, int full,
                                 long r_begin, long r_end, int read_eps,
                                 ulong offset, uint k0, uint k1, uint s0, uint s1,
                                 float16 *a0, float16 *a1, float16 *a2, float16 *a3,
                                 float16 *b0, float16 *b1, float16 *b2, float16 *b3)
{
    float16 smu0 = 0.0f, smu1 = 0.0f, smu2 = 0.0f, smu3 = 0.0f;
    float16 ssg0 = 0.0f, ssg1 = 0.0f, ssg2 = 0.0f, ssg3 = 0.0f;
    for (long r = r_begin; r < r_end; r++) {
        const long base = r * np + p0;
        float16 g0, g1, g2, g3, e0, e1, e2, e3;
        if (full) {
            rp_load(gz, base, &g0, &g1, &g2, &g3);
            if (read_eps) {
                rp_load(eps, base, &e0, &e1, &e2, &e3);
            }
        } else {
            rp_gather(gz, base, r * np, r * np + np, 0.0f, &g0, &g1, &g2, &g3);
            if (read_eps) {
                rp_gather(eps, base, r * np, r * np + np, 0.0f, &e0, &e1, &e2, &e3);
            }
        }
        if (!read_eps) {
            rp_eps_at(offset + (ulong)base, k0, k1, s0, s1, &e0, &e1, &e2, &e3);
        }
        smu0 = smu0 + g0;
        smu1 = smu1 + g1;
        smu2 = smu2 + g2;
        smu3 = smu3 + g3;
        ssg0 = fma(g0, e0, ssg0);
        ssg1 = fma(g1, e1, ssg1);
        ssg2 = fma(g2, e2, ssg2);
        ssg3 = fma(g3, e3, ssg3);
    }
    *a0 = smu0; *a1 = smu1; *a2 = smu2; *a3 = smu3;
    *b0 = ssg0; *b1 = ssg1; *b2 = ssg2; *b3 = ssg3;
}

/* Loads v[j] = x[(p0 + j) / dim] for the valid p0 + j (KL and log q weights per parameter row). */
RP_INLINE void rp_row_values(__global const float *x, long p0, long np, long dim,
                             float16 *v0, float16 *v1, float16 *v2, float16 *v3)
{
    float t[64];
    const long pfirst = p0 < 0 ? 0 : p0;
    long b = pfirst / dim;
    long d = pfirst - b * dim;
    for (int j = 0; j < 64; j++) {
        const long p = p0 + j;
        if (p >= 0 && p < np) {
            t[j] = x[b];
            if (++d == dim) {
                d = 0;
                b++;
            }
        } else {
            t[j] = 0.0f;
        }
    }
    *v0 = vload16(0, t);
    *v1 = vload16(1, t);
    *v2 = vload16(2, t);
    *v3 = vload16(3, t);
}

RP_INLINE float16 rp_grad_mu(float16 tmu, float16 m, float16 gk, int flags)
{
    return (flags & RP_KL) ? fma(gk, m, tmu) : tmu;
}

RP_INLINE float16 rp_grad_rho(float16 tsig, float16 sg, float16 ds, float16 dl, float16 gk, float16 sl, int flags)
{
    float16 gr = tsig * ds;
    if (flags & RP_KL) {
        gr = fma(gk, fma(sg, ds, -dl), gr);
    }
    if (flags & RP_LOGQ) {
        gr = fma(-sl, dl, gr);
    }
    return gr;
}

/* The end of the backward pass for the 64 parameter elements from p0, given the row totals. */
RP_INLINE void rp_backward_finish(__global const float *mu, __global const float *rho,
                                  __global const float *gkl, __global const float *slq,
                                  __global float *gmu, __global float *grho,
                                  long np, long dim, long p0, int full, int param, int flags,
                                  float16 a0, float16 a1, float16 a2, float16 a3,
                                  float16 b0, float16 b1, float16 b2, float16 b3)
{
    float16 m0, m1, m2, m3, r0, r1, r2, r3;
    float16 k0 = 0.0f, k1 = 0.0f, k2 = 0.0f, k3 = 0.0f, l0 = 0.0f, l1 = 0.0f, l2 = 0.0f, l3 = 0.0f;
    if (full) {
        rp_load(mu, p0, &m0, &m1, &m2, &m3);
        rp_load(rho, p0, &r0, &r1, &r2, &r3);
    } else {
        rp_gather(mu, p0, 0, np, 0.0f, &m0, &m1, &m2, &m3);
        rp_gather(rho, p0, 0, np, 1.0f, &r0, &r1, &r2, &r3);
    }
    if (flags & RP_KL) {
        rp_row_values(gkl, p0, np, dim, &k0, &k1, &k2, &k3);
    }
    if (flags & RP_LOGQ) {
        rp_row_values(slq, p0, np, dim, &l0, &l1, &l2, &l3);
    }
    float16 sg, ds, ls, dl;
    float16 gm0, gm1, gm2, gm3, gr0, gr1, gr2, gr3;
    rp_transform(param, r0, &sg, &ds, &ls, &dl);
    gm0 = rp_grad_mu(a0, m0, k0, flags);
    gr0 = rp_grad_rho(b0, sg, ds, dl, k0, l0, flags);
    rp_transform(param, r1, &sg, &ds, &ls, &dl);
    gm1 = rp_grad_mu(a1, m1, k1, flags);
    gr1 = rp_grad_rho(b1, sg, ds, dl, k1, l1, flags);
    rp_transform(param, r2, &sg, &ds, &ls, &dl);
    gm2 = rp_grad_mu(a2, m2, k2, flags);
    gr2 = rp_grad_rho(b2, sg, ds, dl, k2, l2, flags);
    rp_transform(param, r3, &sg, &ds, &ls, &dl);
    gm3 = rp_grad_mu(a3, m3, k3, flags);
    gr3 = rp_grad_rho(b3, sg, ds, dl, k3, l3, flags);
    if (flags & RP_ACCUMULATE) {
        float16 o0, o1, o2, o3;
        if (full) {
            rp_load(gmu, p0, &o0, &o1, &o2, &o3);
        } else {
            rp_gather(gmu, p0, 0, np, 0.0f, &o0, &o1, &o2, &o3);
        }
        gm0 = o0 + gm0; gm1 = o1 + gm1; gm2 = o2 + gm2; gm3 = o3 + gm3;
        if (full) {
            rp_load(grho, p0, &o0, &o1, &o2, &o3);
        } else {
            rp_gather(grho, p0, 0, np, 0.0f, &o0, &o1, &o2, &o3);
        }
        gr0 = o0 + gr0; gr1 = o1 + gr1; gr2 = o2 + gr2; gr3 = o3 + gr3;
    }
    if (full) {
        rp_store(gmu, p0, gm0, gm1, gm2, gm3);
        rp_store(grho, p0, gr0, gr1, gr2, gr3);
    } else {
        rp_scatter(gmu, p0, 0, np, gm0, gm1, gm2, gm3);
        rp_scatter(grho, p0, 0, np, gr0, gr1, gr2, gr3);
    }
}

/*
 * Backward pass over the 64 parameter elements p0 = 64 c - shift + (0 .. 63) of chunk c.
 * Direct mode (split == 0, work-item c < nchunks): all row blocks in order, then the finish.
 * Split mode (work-item g nchunks + c): row block g only; its block sums go to part[g np + p]
 * (smu) and part[(groups + g) np + p] (ssig), and reparam_backward_finish adds them up.
 */
__kernel void reparam_backward(__global const float *mu, __global const float *rho,
                               __global const float *gz, __global const float *eps,
                               __global const float *gkl, __global const float *slq,
                               __global float *gmu, __global float *grho, __global float *part,
                               long np, long nrows, long dim, long shift, long nchunks, long groups, int split,
                               ulong offset, uint k0, uint k1, uint s0, uint s1, int param, int flags)
{
    const long idx = get_global_id(0);
    const long g = split ? idx / nchunks : 0;
    const long c = idx - g * nchunks;
    if (split ? g >= groups : c >= nchunks) {
        return;
    }
    const long p0 = RP_BLOCK * c - shift;
    const int full = p0 >= 0 && p0 + RP_BLOCK <= np;
    const int read_eps = flags & RP_READ_EPS;
    float16 a0, a1, a2, a3, b0, b1, b2, b3;
    if (split) {
        rp_backward_block(gz, eps, np, p0, full, RP_BLOCK * g, min(nrows, RP_BLOCK * (g + 1)), read_eps,
                          offset, k0, k1, s0, s1, &a0, &a1, &a2, &a3, &b0, &b1, &b2, &b3);
        if (full) {
            rp_store(part, g * np + p0, a0, a1, a2, a3);
            rp_store(part, (groups + g) * np + p0, b0, b1, b2, b3);
        } else {
            rp_scatter(part + g * np, p0, 0, np, a0, a1, a2, a3);
            rp_scatter(part + (groups + g) * np, p0, 0, np, b0, b1, b2, b3);
        }
        return;
    }
    float16 t0 = 0.0f, t1 = 0.0f, t2 = 0.0f, t3 = 0.0f, u0 = 0.0f, u1 = 0.0f, u2 = 0.0f, u3 = 0.0f;
    for (long r = 0; r < nrows; r += RP_BLOCK) {
        rp_backward_block(gz, eps, np, p0, full, r, min(nrows, r + RP_BLOCK), read_eps,
                          offset, k0, k1, s0, s1, &a0, &a1, &a2, &a3, &b0, &b1, &b2, &b3);
        t0 = t0 + a0; t1 = t1 + a1; t2 = t2 + a2; t3 = t3 + a3;
        u0 = u0 + b0; u1 = u1 + b1; u2 = u2 + b2; u3 = u3 + b3;
    }
    rp_backward_finish(mu, rho, gkl, slq, gmu, grho, np, dim, p0, full, param, flags,
                       t0, t1, t2, t3, u0, u1, u2, u3);
}

/* Split mode's second kernel: totals over the groups' block sums in order, then the finish. */
__kernel void reparam_backward_finish(__global const float *mu, __global const float *rho,
                                      __global const float *gkl, __global const float *slq,
                                      __global float *gmu, __global float *grho, __global const float *part,
                                      long np, long dim, long shift, long nchunks, long groups, int param, int flags)
{
    const long c = get_global_id(0);
    if (c >= nchunks) {
        return;
    }
    const long p0 = RP_BLOCK * c - shift;
    const int full = p0 >= 0 && p0 + RP_BLOCK <= np;
    float16 t0 = 0.0f, t1 = 0.0f, t2 = 0.0f, t3 = 0.0f, u0 = 0.0f, u1 = 0.0f, u2 = 0.0f, u3 = 0.0f;
    float16 a0, a1, a2, a3;
    for (long g = 0; g < groups; g++) {
        if (full) {
            rp_load(part, g * np + p0, &a0, &a1, &a2, &a3);
        } else {
            rp_gather(part + g * np, p0, 0, np, 0.0f, &a0, &a1, &a2, &a3);
        }
        t0 = t0 + a0; t1 = t1 + a1; t2 = t2 + a2; t3 = t3 + a3;
        if (full) {
            rp_load(part, (groups + g) * np + p0, &a0, &a1, &a2, &a3);
        } else {
            rp_gather(part + (groups + g) * np, p0, 0, np, 0.0f, &a0, &a1, &a2, &a3);
        }
        u0 = u0 + a0; u1 = u1 + a1; u2 = u2 + a2; u3 = u3 + a3;
    }
    rp_backward_finish(mu, rho, gkl, slq, gmu, grho, np, dim, p0, full, param, flags,
                       t0, t1, t2, t3, u0, u1, u2, u3);
}

/*
 * Value check (ReparamSpec.checkValues): flag = the least 64-element chunk c of the parameters
 * holding an element with non-finite mu or rho, rho <= 0 for sigma, or non-finite sigma(rho).
 * The host resets flag to 0xFFFFFFFF first and finds the element within the chunk.
 */
__kernel void reparam_check(__global const float *mu, __global const float *rho, volatile __global uint *flag,
                            long np, int param)
{
    const long c = get_global_id(0);
    if (RP_BLOCK * c >= np) {
        return;
    }
    const long p0 = RP_BLOCK * c;
    float16 m0, m1, m2, m3, r0, r1, r2, r3;
    if (p0 + RP_BLOCK <= np) {
        rp_load(mu, p0, &m0, &m1, &m2, &m3);
        rp_load(rho, p0, &r0, &r1, &r2, &r3);
    } else {
        rp_gather(mu, p0, 0, np, 0.0f, &m0, &m1, &m2, &m3);
        rp_gather(rho, p0, 0, np, 1.0f, &r0, &r1, &r2, &r3);
    }
    const int pos = param == RP_SIGMA ? -1 : 0;          /* all bits: any() tests the sign bit */
    int16 bad = !isfinite(m0) | !isfinite(r0) | !isfinite(rp_sigma(param, r0)) | (pos & !(r0 > 0.0f));
    bad |= !isfinite(m1) | !isfinite(r1) | !isfinite(rp_sigma(param, r1)) | (pos & !(r1 > 0.0f));
    bad |= !isfinite(m2) | !isfinite(r2) | !isfinite(rp_sigma(param, r2)) | (pos & !(r2 > 0.0f));
    bad |= !isfinite(m3) | !isfinite(r3) | !isfinite(rp_sigma(param, r3)) | (pos & !(r3 > 0.0f));
    if (any(bad)) {
        atomic_min(flag, (uint)c);
    }
}

/*
 * Roof of reparam_forward: the same work-items, loads and stores (mu, rho in; z out), no
 * generator and sigma = rho: z = fma(rho, c, mu) with c a cheap function of the index.
 */
__kernel void reparam_forward_roof(__global const float *mu, __global const float *rho, __global float *z,
                                   long n, long np, uint phase)
{
    const ulong g = get_global_id(0);
    if ((long)(64 * g) - (long)phase >= n) {
        return;
    }
    const float16 c = (float16)((float)(g & 15) * 0.0625f) + (float16)(0.0f, 1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f, 7.0f,
                                                                        8.0f, 9.0f, 10.0f, 11.0f, 12.0f, 13.0f, 14.0f, 15.0f);
    const long i0 = (long)(64 * g) - (long)phase;
    const long istart = i0 < 0 ? 0 : i0;
    const long p0 = istart % np;
    if (i0 >= 0 && i0 + 64 <= n && p0 + 64 <= np) {
        float16 m0, m1, m2, m3, r0, r1, r2, r3;
        rp_load(mu, p0, &m0, &m1, &m2, &m3);
        rp_load(rho, p0, &r0, &r1, &r2, &r3);
        rp_store(z, i0, fma(r0, c, m0), fma(r1, c, m1), fma(r2, c, m2), fma(r3, c, m3));
        return;
    }
    long p = p0;
    for (int j = 0; j < 64; j++) {
        const long i = i0 + j;
        if (i >= 0 && i < n) {
            z[i] = fma(rho[p], c.s0, mu[p]);
            if (++p == np) {
                p = 0;
            }
        }
    }
}

/*
 * Roof of reparam_backward (direct mode, RECOMPUTE): the same work-items, loads and stores
 * (gz per row, mu and rho once; gmu and grho out), no generator: eps is replaced by a constant.
 */
__kernel void reparam_backward_roof(__global const float *mu, __global const float *rho, __global const float *gz,
                                    __global float *gmu, __global float *grho, long np, long nrows, long shift,
                                    long nchunks)
{
    const long c = get_global_id(0);
    if (c >= nchunks) {
        return;
    }
    const long p0 = RP_BLOCK * c - shift;
    const int full = p0 >= 0 && p0 + RP_BLOCK <= np;
    const float16 e = (float16)((float)(c & 15) * 0.0625f);
    float16 a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f, b0 = 0.0f, b1 = 0.0f, b2 = 0.0f, b3 = 0.0f;
    for (long r = 0; r < nrows; r++) {
        const long base = r * np + p0;
        float16 g0, g1, g2, g3;
        if (full) {
            rp_load(gz, base, &g0, &g1, &g2, &g3);
        } else {
            rp_gather(gz, base, r * np, r * np + np, 0.0f, &g0, &g1, &g2, &g3);
        }
        a0 = a0 + g0; a1 = a1 + g1; a2 = a2 + g2; a3 = a3 + g3;
        b0 = fma(g0, e, b0); b1 = fma(g1, e, b1); b2 = fma(g2, e, b2); b3 = fma(g3, e, b3);
    }
    float16 m0, m1, m2, m3, r0, r1, r2, r3;
    if (full) {
        rp_load(mu, p0, &m0, &m1, &m2, &m3);
        rp_load(rho, p0, &r0, &r1, &r2, &r3);
        rp_store(gmu, p0, a0 + m0, a1 + m1, a2 + m2, a3 + m3);
        rp_store(grho, p0, b0 * r0, b1 * r1, b2 * r2, b3 * r3);
    } else {
        rp_gather(mu, p0, 0, np, 0.0f, &m0, &m1, &m2, &m3);
        rp_gather(rho, p0, 0, np, 0.0f, &r0, &r1, &r2, &r3);
        rp_scatter(gmu, p0, 0, np, a0 + m0, a1 + m1, a2 + m2, a3 + m3);
        rp_scatter(grho, p0, 0, np, b0 * r0, b1 * r1, b2 * r2, b3 * r3);
    }
}
