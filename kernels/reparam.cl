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
 * parameter element of i is i mod np, found with one division per work-item. Backward: a
 * work-item owns the 64 parameter elements p = 64 c - shift + (0 .. 63) of chunk c and walks the
 * rows r of one row block (split mode) or of all blocks in order; shift aligns the first element
 * to a Philox block when np is a multiple of 4, so that every row's 64 eps are 16 whole blocks.
 *
 * 64 consecutive elements are held as four float16 (v[0] = elements 0 .. 15, ...). Launches are
 * one-dimensional with a fixed work-group size (ClKernel pads the global size); work-items past
 * the end return at once. Every kernel has one inlined copy of the generator and the sigma
 * transforms run in loops over the four vectors (or, in the hot paths, as calls), which keeps
 * PoCL's build time down.
 *
 * Private arrays in the hot paths. PoCL runs a work-group as a loop over its work-items and gives
 * every private array that is still in memory after LLVM's scalar replacement (an array indexed
 * in a loop that is not unrolled, or passed to an out-of-line function) one slot per work-item: a
 * float16[4] becomes a 16 KiB "context array" for a work-group of 64, written and read back
 * through the caches on every work-item. The hot paths of the forward and K = 1 backward kernels
 * and of all roofs therefore use arrays of their own, indexed only by constants and never passed
 * out of line (their cold paths keep theirs). PoCL, AMD EPYC, 2026-12-06, eight alternating pairs
 * of runs, elements/s at 2^24 and 2^20: forward 2.54e9 -> 3.02e9 and 2.41e9 -> 3.15e9, backward
 * RECOMPUTE 2.36e9 -> 2.64e9 and 2.00e9 -> 2.69e9; the roofs gained more (forward roof at 2^24
 * 4.72e9 -> 6.40e9), so the passes' roof fractions fell (docs/PERFORMANCE.md). The row-walking
 * backward pass keeps its context arrays (see there).
 */
#pragma OPENCL FP_CONTRACT OFF

#define RP_INLINE static inline __attribute__((always_inline))
/* The cold paths (the partial 64-element runs at the ends of a call): out of line, which keeps
 * their private arrays and loops out of the hot path (PoCL: forward 0.89e9 -> 1.14e9 elements/s). */
#define RP_COLD static __attribute__((noinline))

/*
 * A read prefetch of the 64 floats from p (four cache lines), where the compiler has the builtin.
 * The row-walking backward kernel reads each work-item's 64 elements from K rows np elements
 * apart; a work-group's work-items run one after another, so every row is a separate sequential
 * stream, more than the hardware prefetchers follow: prefetching the next work-item's part of each
 * row took K = 64 from 4.4e8 to 1.07e9 elements/s on PoCL (K = 16: +11 %).
 */
/* (RP_HAVE_PREFETCH: philox4x32.cl decides, with the other compiler extensions.) */
/* The four cache lines of 64 floats from p, for reading (rw 0) or writing (rw 1): the builtin
 * takes rw as a constant, hence a macro. */
#ifdef RP_HAVE_PREFETCH
#define RP_PREFETCH_X64(p, rw) do { __builtin_prefetch((p), (rw), 3); __builtin_prefetch((p) + 16, (rw), 3); \
                                    __builtin_prefetch((p) + 32, (rw), 3); __builtin_prefetch((p) + 48, (rw), 3); } while (0)
#else
#define RP_PREFETCH_X64(p, rw) do { } while (0)
#endif

RP_INLINE void rp_prefetch64(__global const float *p)
{
    RP_PREFETCH_X64(p, 0);
}

/* A write prefetch of the 64 floats from p (four cache lines), where the compiler has the builtin. */
RP_INLINE void rp_prefetchw64(__global float *p)
{
    RP_PREFETCH_X64(p, 1);
}

/*
 * How far ahead of its own run a work-item of the elementwise kernels (forward, K = 1 backward)
 * prefetches its inputs: 2048 elements, 32 work-items, 8 KiB per array. Those kernels issue their
 * loads only after the generator's ~300 instructions, which the hardware prefetchers evidently do
 * not cover: measured on PoCL (AMD EPYC, 2026-12-06, alternating runs of each variant; kernel
 * time, elements/s at 2^24): forward 1.87e9 -> 2.32e9, backward RECOMPUTE 1.95e9 -> 2.08e9,
 * forward with eps stored 1.78e9 -> 2.31e9, backward STORE 2.18e9 -> 3.22e9; at 2^20 (in cache)
 * level to +26 %. 512 to 8192 elements ahead all helped, 1024 to 4096 most. A prefetch never
 * faults; it is still kept inside the array.
 */
#define RP_PREFETCH_AHEAD 2048

/* Prefetch of src[p0 + RP_PREFETCH_AHEAD ..] (64 floats) when that lies before end. */
RP_INLINE void rp_prefetch_ahead(__global const float *src, long p0, long end)
{
    if (p0 + RP_PREFETCH_AHEAD + 64 <= end) {
        rp_prefetch64(src + p0 + RP_PREFETCH_AHEAD);
    }
}

/*
 * Prefetch for writing of dst[p0 + RP_PREFETCH_AHEAD ..] (64 floats) when that lies before end:
 * for ordinary stores (not streaming), whose lines the core must first own; same host, 2^20 and
 * 2^22, five alternating runs: backward RECOMPUTE +20 % and +8 %, forward +0 % and +20 %.
 * Streaming stores need no such read and would only have their lines pulled into the caches.
 */
RP_INLINE void rp_prefetchw_ahead(__global float *dst, long p0, long end)
{
    if (p0 + RP_PREFETCH_AHEAD + 64 <= end) {
        rp_prefetchw64(dst + p0 + RP_PREFETCH_AHEAD);
    }
}

/*
 * The forward pass's prefetch for the run of z from i0 (parameters from p0): mu and rho ahead,
 * and, where the stores are ordinary, z (and eps when store_eps) ahead for writing. The roof
 * calls the same, so that it prefetches as the pass does.
 */
RP_INLINE void rp_forward_prefetch(__global const float *mu, __global const float *rho, __global float *z,
                                   __global float *eps, long i0, long n, long p0, long np, int store_eps, int nt)
{
    rp_prefetch_ahead(mu, p0, np);
    rp_prefetch_ahead(rho, p0, np);
    if (!nt) {
        rp_prefetchw_ahead(z, i0 < 0 ? 0 : i0, n);
        if (store_eps) {
            rp_prefetchw_ahead(eps, i0 < 0 ? 0 : i0, n);
        }
    }
}

/*
 * The K = 1 backward pass's prefetch for the run of parameters from p0: dL/dz, eps when read_eps
 * and rho when read_rho ahead, and, where the stores are ordinary, both gradients ahead for
 * writing. The roof calls the same.
 */
RP_INLINE void rp_backward_prefetch(__global const float *gz, __global const float *eps, __global const float *rho,
                                    __global float *gmu, __global float *grho, long p0, long np, int read_eps,
                                    int read_rho, int nt)
{
    rp_prefetch_ahead(gz, p0, np);
    if (read_eps) {
        rp_prefetch_ahead(eps, p0, np);
    }
    if (read_rho) {
        rp_prefetch_ahead(rho, p0, np);
    }
    if (!nt) {
        rp_prefetchw_ahead(gmu, p0, np);
        rp_prefetchw_ahead(grho, p0, np);
    }
}

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
#ifdef RP_CLANG_EXTENSIONS
typedef float16 rp_float16_a4 __attribute__((aligned(4)));
#endif

/* FloatMath constants. */
#define FM_LOG2E         0x1.715476p+0f
#define FM_ROUND_TO_INT  0x1.8p+23f
#define FM_EXP_LN2_HI    0x1.62e4p-1f
#define FM_EXP_LN2_LO    0x1.7f7d1cp-20f
#define FM_EXP_CLAMP     128.0f
#define FM_EXP_FINITE_MAX 0x1.62e42ep6f  /* FloatMath.EXP_FINITE_MAX: fm_exp(x) finite iff x <= it */
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

/* Parameterization.dSigma. */
RP_INLINE float16 rp_dsigma(int param, float16 rho)
{
    if (param == RP_SIGMA) {
        return (float16)(1.0f);
    } else if (param == RP_LOG_SIGMA) {
        return fm_exp(rho);
    } else if (param == RP_LOG_VAR) {
        return 0.5f * fm_exp(0.5f * rho);
    }
    const float16 e = fm_exp(-fabs(rho));
    return select(e, (float16)(1.0f), rho >= 0.0f) / (1.0f + e);
}

/* rp_sigma and rp_dsigma out of line, one vector per call: for the hot paths, whose arrays must
 * not be indexed in a loop (see the note at the top), without four inlined copies of the math. */
static __attribute__((noinline)) float16 rp_sigma_call(int param, float16 rho)
{
    return rp_sigma(param, rho);
}

static __attribute__((noinline)) float16 rp_dsigma_call(int param, float16 rho)
{
    return rp_dsigma(param, rho);
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
        const float16 g = select(e, (float16)(1.0f), rho >= 0.0f) / (1.0f + e);
        const int16 tiny = rho < -FM_SOFTPLUS_LINEAR;
        *sigma = s;
        *ds = g;
        *ls = select(fm_log(s), rho, tiny);
        *dl = select(g / s, (float16)(1.0f), tiny);
    }
}

/* sigma(rho), and log sigma(rho) to *ls: rp_transform out of line (the forward pass with extras). */
static __attribute__((noinline)) float16 rp_sigma_log_call(int param, float16 rho, float16 *ls)
{
    float16 sigma, ds, dl;
    rp_transform(param, rho, &sigma, &ds, ls, &dl);
    return sigma;
}

/* eps of stream elements 4 first .. 4 first + 63 (blocks first .. first + 15), in element order. */
RP_INLINE void rp_eps_blocks(ulong first, uint k0, uint k1, uint s0, uint s1, float16 *v)
{
    nt_stream_normal_x16(first, k0, k1, s0, s1, &v[0], &v[1], &v[2], &v[3]);
}

/* Lanes k .. k + 15 of the 32 lanes a, b (k = 1, 2, 3: a constant shuffle). */
#ifdef RP_CLANG_EXTENSIONS
#define RP_SHIFT(a, b, k) __builtin_shufflevector((a), (b), (k), (k) + 1, (k) + 2, (k) + 3, (k) + 4, (k) + 5, \
        (k) + 6, (k) + 7, (k) + 8, (k) + 9, (k) + 10, (k) + 11, (k) + 12, (k) + 13, (k) + 14, (k) + 15)
#else
#define RP_SHIFT(a, b, k) shuffle2((a), (b), (uint16)((k), (k) + 1, (k) + 2, (k) + 3, (k) + 4, (k) + 5, \
        (k) + 6, (k) + 7, (k) + 8, (k) + 9, (k) + 10, (k) + 11, (k) + 12, (k) + 13, (k) + 14, (k) + 15))
#endif

/*
 * eps of stream elements s .. s + 63 from u, those of the 16 blocks from s >> 2, and t, whose
 * lanes 0 .. 2 are the first eps of the next block (ph = s mod 4).
 */
RP_INLINE void rp_eps_shift(uint ph, const float16 *u, float16 t, float16 *v)
{
    if (ph == 0) {
        v[0] = u[0]; v[1] = u[1]; v[2] = u[2]; v[3] = u[3];
    } else if (ph == 1) {
        v[0] = RP_SHIFT(u[0], u[1], 1); v[1] = RP_SHIFT(u[1], u[2], 1); v[2] = RP_SHIFT(u[2], u[3], 1); v[3] = RP_SHIFT(u[3], t, 1);
    } else if (ph == 2) {
        v[0] = RP_SHIFT(u[0], u[1], 2); v[1] = RP_SHIFT(u[1], u[2], 2); v[2] = RP_SHIFT(u[2], u[3], 2); v[3] = RP_SHIFT(u[3], t, 2);
    } else {
        v[0] = RP_SHIFT(u[0], u[1], 3); v[1] = RP_SHIFT(u[1], u[2], 3); v[2] = RP_SHIFT(u[2], u[3], 3); v[3] = RP_SHIFT(u[3], t, 3);
    }
}

/* src[base .. base + 64). */
RP_INLINE void rp_load(__global const float *src, long base, float16 *v)
{
#ifdef RP_CLANG_EXTENSIONS
    const __global rp_float16_a4 *p = (const __global rp_float16_a4 *)(src + base);
    v[0] = p[0]; v[1] = p[1]; v[2] = p[2]; v[3] = p[3];
#else
    v[0] = vload16(0, src + base); v[1] = vload16(0, src + base + 16);
    v[2] = vload16(0, src + base + 32); v[3] = vload16(0, src + base + 48);
#endif
}

/* dst[base .. base + 64), with streaming stores when nt (PHILOX_STORE_NT, philox4x32.cl). */
RP_INLINE void rp_store(__global float *dst, long base, const float16 *v, int nt)
{
#ifdef RP_CLANG_EXTENSIONS
    __global rp_float16_a4 *p = (__global rp_float16_a4 *)(dst + base);
    if (nt && ((ulong)p & 63) == 0) {         /* the instruction needs a 64-byte aligned address */
        PHILOX_STORE_NT(v[0], p);
        PHILOX_STORE_NT(v[1], p + 1);
        PHILOX_STORE_NT(v[2], p + 2);
        PHILOX_STORE_NT(v[3], p + 3);
    } else {
        p[0] = v[0]; p[1] = v[1]; p[2] = v[2]; p[3] = v[3];
    }
#else
    vstore16(v[0], 0, dst + base); vstore16(v[1], 0, dst + base + 16);
    vstore16(v[2], 0, dst + base + 32); vstore16(v[3], 0, dst + base + 48);
#endif
}

/* src[i .. i + 16), zeros from n on (a row of reparam_backward_short). */
RP_INLINE float16 rp_row16(__global const float *src, long i, long n)
{
    if (i + 16 <= n) {
        return vload16(0, src + i);
    }
    float t[16];
    for (int j = 0; j < 16; j++) {
        t[j] = i + j < n ? src[i + j] : 0.0f;
    }
    return vload16(0, t);
}

/* src[base + j] for lo <= base + j < hi, pad elsewhere (the partial-run path). */
RP_COLD void rp_gather(__global const float *src, long base, long lo, long hi, float pad, float16 *v)
{
    float t[64];
    for (int j = 0; j < 64; j++) {
        const long k = base + j;
        t[j] = (k >= lo && k < hi) ? src[k] : pad;
    }
    v[0] = vload16(0, t); v[1] = vload16(1, t); v[2] = vload16(2, t); v[3] = vload16(3, t);
}

/* dst[base + j] = element j for lo <= base + j < hi. */
RP_COLD void rp_scatter(__global float *dst, long base, long lo, long hi, const float16 *v)
{
    float t[64];
    vstore16(v[0], 0, t); vstore16(v[1], 1, t); vstore16(v[2], 2, t); vstore16(v[3], 3, t);
    for (int j = 0; j < 64; j++) {
        const long k = base + j;
        if (k >= lo && k < hi) {
            dst[k] = t[j];
        }
    }
}

/* A row's 64 floats src[base ..] within the row [lo, lo + len) (zeros outside): whole when full. */
RP_INLINE void rp_row_read(__global const float *src, long base, long lo, long len, int full, float16 *v)
{
    if (full) {
        rp_load(src, base, v);
    } else {
        rp_gather(src, base, lo, lo + len, 0.0f, v);
    }
}

/*
 * rp_row_read with loads for whole vector loads; the gathered case fills an array of its own and
 * copies it, so that v (indexed by constants) is never passed out of line and stays in registers.
 */
RP_INLINE void rp_row_read_own(__global const float *src, long base, long lo, long len, int loads, float16 *v)
{
    if (loads) {
        rp_load(src, base, v);
    } else {
        float16 g[4];
        rp_gather(src, base, lo, lo + len, 0.0f, g);
        v[0] = g[0]; v[1] = g[1]; v[2] = g[2]; v[3] = g[3];
    }
}

/* src[base ..] as 64 values: vector loads when [base, base + 64) lies in [lo, hi), else gathered. */
RP_INLINE void rp_read(__global const float *src, long base, long lo, long hi, float pad, float16 *v)
{
    if (base >= lo && base + 64 <= hi) {
        rp_load(src, base, v);
    } else {
        rp_gather(src, base, lo, hi, pad, v);
    }
}

/*
 * The parameters of call elements i0 .. i0 + 63 when they wrap around np (p0 = i0 mod np, several
 * drawn rows per parameter row): src[(i0 + j) mod np] for i0 + j < n, pad elsewhere.
 */
RP_COLD void rp_gather_wrap(__global const float *src, long p0, long np, long i0, long n, float pad, float16 *v)
{
    float t[64];
    long p = p0;
    for (int j = 0; j < 64; j++) {
        if (i0 + j < n) {
            t[j] = src[p];
            if (++p == np) {
                p = 0;
            }
        } else {
            t[j] = pad;
        }
    }
    v[0] = vload16(0, t); v[1] = vload16(1, t); v[2] = vload16(2, t); v[3] = vload16(3, t);
}

/*
 * The parameters of call elements i0 .. i0 + 63 (p0 = i0 mod np, i0 >= 0): vector loads when they
 * lie in one pass over the parameters or, with tiled parameters (plen = np + 64, reparam_tile),
 * in the tiled array; gathered around np otherwise; pad past n (and past np when n == np).
 */
RP_INLINE void rp_read_params(__global const float *src, long p0, long np, long plen, long i0, long n, float pad,
                              float16 *v)
{
    if (p0 + 64 <= plen && i0 + 64 <= n) {
        rp_load(src, p0, v);
    } else {
        rp_gather_wrap(src, p0, np, i0, n, pad, v);
    }
}

/* dst[base ..] from 64 values, only inside [lo, hi); streaming stores when nt. */
RP_INLINE void rp_write(__global float *dst, long base, long lo, long hi, const float16 *v, int nt)
{
    if (base >= lo && base + 64 <= hi) {
        rp_store(dst, base, v, nt);
    } else {
        rp_scatter(dst, base, lo, hi, v);
    }
}

/*
 * Left-to-right sum of the first len of 64 values, from +0.0f. A whole block (len 64) is summed
 * from the vectors' lanes by constant index, so that no private array is indexed in a loop (a
 * PoCL context array, see the note at the top): the same additions in the same order. PoCL, AMD
 * EPYC, 2026-12-07, with the row loop of reparam_row_blocks unrolled too, four alternating rounds
 * of a harness: KL 1.89e9 -> 2.74e9 elements/s (sigma), log q regenerating eps 1.35e9 -> 1.66e9.
 */
RP_INLINE float rp_block_sum(const float16 *v, int len)
{
    float s = 0.0f;
    if (len == 64) {
        #pragma unroll
        for (int q = 0; q < 4; q++) {
            s = s + v[q].s0; s = s + v[q].s1; s = s + v[q].s2; s = s + v[q].s3;
            s = s + v[q].s4; s = s + v[q].s5; s = s + v[q].s6; s = s + v[q].s7;
            s = s + v[q].s8; s = s + v[q].s9; s = s + v[q].sa; s = s + v[q].sb;
            s = s + v[q].sc; s = s + v[q].sd; s = s + v[q].se; s = s + v[q].sf;
        }
        return s;
    }
    float t[64];
    vstore16(v[0], 0, t); vstore16(v[1], 1, t); vstore16(v[2], 2, t); vstore16(v[3], 3, t);
    for (int j = 0; j < len; j++) {
        s = s + t[j];
    }
    return s;
}

/*
 * The row totals of the whole rows in the first `lanes` (a multiple of dim) of v's 64 (dim a power
 * of two below 64): out[j] = 0.0f + (lanes j dim .. j dim + dim - 1 added left to right from
 * 0.0f), the one-block rows of reparam_row_blocks. Constant lane indices; the rows' chains are
 * independent of each other.
 */
#define RP_SEG(x, l) do { s = s + (x); if ((((l) + 1) & mask) == 0 && (l) < lanes) { out[j++] = 0.0f + s; s = 0.0f; } } while (0)
RP_INLINE void rp_row_sums64(const float16 *v, int dim, int lanes, __global float *out)
{
    const int mask = dim - 1;
    float s = 0.0f;
    int j = 0;
    #pragma unroll
    for (int q = 0; q < 4; q++) {
        RP_SEG(v[q].s0, 16 * q + 0);  RP_SEG(v[q].s1, 16 * q + 1);  RP_SEG(v[q].s2, 16 * q + 2);  RP_SEG(v[q].s3, 16 * q + 3);
        RP_SEG(v[q].s4, 16 * q + 4);  RP_SEG(v[q].s5, 16 * q + 5);  RP_SEG(v[q].s6, 16 * q + 6);  RP_SEG(v[q].s7, 16 * q + 7);
        RP_SEG(v[q].s8, 16 * q + 8);  RP_SEG(v[q].s9, 16 * q + 9);  RP_SEG(v[q].sa, 16 * q + 10); RP_SEG(v[q].sb, 16 * q + 11);
        RP_SEG(v[q].sc, 16 * q + 12); RP_SEG(v[q].sd, 16 * q + 13); RP_SEG(v[q].se, 16 * q + 14); RP_SEG(v[q].sf, 16 * q + 15);
    }
}
#undef RP_SEG

/*
 * rp_row_sums64 for a whole run (lanes == 64), the rows side by side in the lanes of vectors:
 * step j adds lane j of every row to its row's sum (the same additions in the same order per
 * row, without a branch per lane). 64 / dim rows; dim a power of two below 64.
 */
RP_INLINE void rp_row_sums64_full(const float16 *v, int dim, __global float *out)
{
    if (dim == 1) {
        #pragma unroll
        for (int q = 0; q < 4; q++) {
            vstore16(0.0f + (0.0f + v[q]), q, out);
        }
    } else if (dim == 2) {
        float16 a0 = (float16)(0.0f);
        float16 a1 = (float16)(0.0f);
        a0 = a0 + (float16)(v[0].s0, v[0].s2, v[0].s4, v[0].s6, v[0].s8, v[0].sa, v[0].sc, v[0].se,
                            v[1].s0, v[1].s2, v[1].s4, v[1].s6, v[1].s8, v[1].sa, v[1].sc, v[1].se);
        a1 = a1 + (float16)(v[2].s0, v[2].s2, v[2].s4, v[2].s6, v[2].s8, v[2].sa, v[2].sc, v[2].se,
                            v[3].s0, v[3].s2, v[3].s4, v[3].s6, v[3].s8, v[3].sa, v[3].sc, v[3].se);
        a0 = a0 + (float16)(v[0].s1, v[0].s3, v[0].s5, v[0].s7, v[0].s9, v[0].sb, v[0].sd, v[0].sf,
                            v[1].s1, v[1].s3, v[1].s5, v[1].s7, v[1].s9, v[1].sb, v[1].sd, v[1].sf);
        a1 = a1 + (float16)(v[2].s1, v[2].s3, v[2].s5, v[2].s7, v[2].s9, v[2].sb, v[2].sd, v[2].sf,
                            v[3].s1, v[3].s3, v[3].s5, v[3].s7, v[3].s9, v[3].sb, v[3].sd, v[3].sf);
        vstore16(0.0f + a0, 0, out);
        vstore16(0.0f + a1, 1, out);
    } else if (dim == 4) {
        float16 a0 = (float16)(0.0f);
        a0 = a0 + (float16)(v[0].s0, v[0].s4, v[0].s8, v[0].sc, v[1].s0, v[1].s4, v[1].s8, v[1].sc,
                            v[2].s0, v[2].s4, v[2].s8, v[2].sc, v[3].s0, v[3].s4, v[3].s8, v[3].sc);
        a0 = a0 + (float16)(v[0].s1, v[0].s5, v[0].s9, v[0].sd, v[1].s1, v[1].s5, v[1].s9, v[1].sd,
                            v[2].s1, v[2].s5, v[2].s9, v[2].sd, v[3].s1, v[3].s5, v[3].s9, v[3].sd);
        a0 = a0 + (float16)(v[0].s2, v[0].s6, v[0].sa, v[0].se, v[1].s2, v[1].s6, v[1].sa, v[1].se,
                            v[2].s2, v[2].s6, v[2].sa, v[2].se, v[3].s2, v[3].s6, v[3].sa, v[3].se);
        a0 = a0 + (float16)(v[0].s3, v[0].s7, v[0].sb, v[0].sf, v[1].s3, v[1].s7, v[1].sb, v[1].sf,
                            v[2].s3, v[2].s7, v[2].sb, v[2].sf, v[3].s3, v[3].s7, v[3].sb, v[3].sf);
        vstore16(0.0f + a0, 0, out);
    } else if (dim == 8) {
        float8 a0 = (float8)(0.0f);
        a0 = a0 + (float8)(v[0].s0, v[0].s8, v[1].s0, v[1].s8, v[2].s0, v[2].s8, v[3].s0, v[3].s8);
        a0 = a0 + (float8)(v[0].s1, v[0].s9, v[1].s1, v[1].s9, v[2].s1, v[2].s9, v[3].s1, v[3].s9);
        a0 = a0 + (float8)(v[0].s2, v[0].sa, v[1].s2, v[1].sa, v[2].s2, v[2].sa, v[3].s2, v[3].sa);
        a0 = a0 + (float8)(v[0].s3, v[0].sb, v[1].s3, v[1].sb, v[2].s3, v[2].sb, v[3].s3, v[3].sb);
        a0 = a0 + (float8)(v[0].s4, v[0].sc, v[1].s4, v[1].sc, v[2].s4, v[2].sc, v[3].s4, v[3].sc);
        a0 = a0 + (float8)(v[0].s5, v[0].sd, v[1].s5, v[1].sd, v[2].s5, v[2].sd, v[3].s5, v[3].sd);
        a0 = a0 + (float8)(v[0].s6, v[0].se, v[1].s6, v[1].se, v[2].s6, v[2].se, v[3].s6, v[3].se);
        a0 = a0 + (float8)(v[0].s7, v[0].sf, v[1].s7, v[1].sf, v[2].s7, v[2].sf, v[3].s7, v[3].sf);
        vstore8(0.0f + a0, 0, out);
    } else if (dim == 16) {
        float4 a0 = (float4)(0.0f);
        a0 = a0 + (float4)(v[0].s0, v[1].s0, v[2].s0, v[3].s0);
        a0 = a0 + (float4)(v[0].s1, v[1].s1, v[2].s1, v[3].s1);
        a0 = a0 + (float4)(v[0].s2, v[1].s2, v[2].s2, v[3].s2);
        a0 = a0 + (float4)(v[0].s3, v[1].s3, v[2].s3, v[3].s3);
        a0 = a0 + (float4)(v[0].s4, v[1].s4, v[2].s4, v[3].s4);
        a0 = a0 + (float4)(v[0].s5, v[1].s5, v[2].s5, v[3].s5);
        a0 = a0 + (float4)(v[0].s6, v[1].s6, v[2].s6, v[3].s6);
        a0 = a0 + (float4)(v[0].s7, v[1].s7, v[2].s7, v[3].s7);
        a0 = a0 + (float4)(v[0].s8, v[1].s8, v[2].s8, v[3].s8);
        a0 = a0 + (float4)(v[0].s9, v[1].s9, v[2].s9, v[3].s9);
        a0 = a0 + (float4)(v[0].sa, v[1].sa, v[2].sa, v[3].sa);
        a0 = a0 + (float4)(v[0].sb, v[1].sb, v[2].sb, v[3].sb);
        a0 = a0 + (float4)(v[0].sc, v[1].sc, v[2].sc, v[3].sc);
        a0 = a0 + (float4)(v[0].sd, v[1].sd, v[2].sd, v[3].sd);
        a0 = a0 + (float4)(v[0].se, v[1].se, v[2].se, v[3].se);
        a0 = a0 + (float4)(v[0].sf, v[1].sf, v[2].sf, v[3].sf);
        vstore4(0.0f + a0, 0, out);
    } else if (dim == 32) {
        float2 a0 = (float2)(0.0f);
        a0 = a0 + (float2)(v[0].s0, v[2].s0);
        a0 = a0 + (float2)(v[0].s1, v[2].s1);
        a0 = a0 + (float2)(v[0].s2, v[2].s2);
        a0 = a0 + (float2)(v[0].s3, v[2].s3);
        a0 = a0 + (float2)(v[0].s4, v[2].s4);
        a0 = a0 + (float2)(v[0].s5, v[2].s5);
        a0 = a0 + (float2)(v[0].s6, v[2].s6);
        a0 = a0 + (float2)(v[0].s7, v[2].s7);
        a0 = a0 + (float2)(v[0].s8, v[2].s8);
        a0 = a0 + (float2)(v[0].s9, v[2].s9);
        a0 = a0 + (float2)(v[0].sa, v[2].sa);
        a0 = a0 + (float2)(v[0].sb, v[2].sb);
        a0 = a0 + (float2)(v[0].sc, v[2].sc);
        a0 = a0 + (float2)(v[0].sd, v[2].sd);
        a0 = a0 + (float2)(v[0].se, v[2].se);
        a0 = a0 + (float2)(v[0].sf, v[2].sf);
        a0 = a0 + (float2)(v[1].s0, v[3].s0);
        a0 = a0 + (float2)(v[1].s1, v[3].s1);
        a0 = a0 + (float2)(v[1].s2, v[3].s2);
        a0 = a0 + (float2)(v[1].s3, v[3].s3);
        a0 = a0 + (float2)(v[1].s4, v[3].s4);
        a0 = a0 + (float2)(v[1].s5, v[3].s5);
        a0 = a0 + (float2)(v[1].s6, v[3].s6);
        a0 = a0 + (float2)(v[1].s7, v[3].s7);
        a0 = a0 + (float2)(v[1].s8, v[3].s8);
        a0 = a0 + (float2)(v[1].s9, v[3].s9);
        a0 = a0 + (float2)(v[1].sa, v[3].sa);
        a0 = a0 + (float2)(v[1].sb, v[3].sb);
        a0 = a0 + (float2)(v[1].sc, v[3].sc);
        a0 = a0 + (float2)(v[1].sd, v[3].sd);
        a0 = a0 + (float2)(v[1].se, v[3].se);
        a0 = a0 + (float2)(v[1].sf, v[3].sf);
        vstore2(0.0f + a0, 0, out);
    }
}

/*
 * Row totals carried across runs (dim below 64, not dividing 64): the first `lanes` of v's 64
 * continue the running row, whose sum so far is *s over *c of its dim terms; each row completed
 * goes to out[(*j)++] as 0.0f + (its dim terms added left to right from 0.0f), as
 * rp_row_sums64. Constant lane indices.
 */
#define RP_CARRY(x, l) do { if ((l) < lanes) { sum = sum + (x); if (++cnt == dim) { out[row++] = 0.0f + sum; sum = 0.0f; cnt = 0; } } } while (0)
#define RP_CARRY16(v, b) do { \
        RP_CARRY((v).s0, (b) + 0);  RP_CARRY((v).s1, (b) + 1);  RP_CARRY((v).s2, (b) + 2);  RP_CARRY((v).s3, (b) + 3);   \
        RP_CARRY((v).s4, (b) + 4);  RP_CARRY((v).s5, (b) + 5);  RP_CARRY((v).s6, (b) + 6);  RP_CARRY((v).s7, (b) + 7);   \
        RP_CARRY((v).s8, (b) + 8);  RP_CARRY((v).s9, (b) + 9);  RP_CARRY((v).sa, (b) + 10); RP_CARRY((v).sb, (b) + 11);  \
        RP_CARRY((v).sc, (b) + 12); RP_CARRY((v).sd, (b) + 13); RP_CARRY((v).se, (b) + 14); RP_CARRY((v).sf, (b) + 15);  \
    } while (0)
RP_INLINE void rp_row_sums_carry(const float16 *t, int lanes, int dim, float *s, int *c, __global float *out, long *j)
{
    float sum = *s;
    int cnt = *c;
    long row = *j;
    RP_CARRY16(t[0], 0); RP_CARRY16(t[1], 16); RP_CARRY16(t[2], 32); RP_CARRY16(t[3], 48);
    *s = sum;
    *c = cnt;
    *j = row;
}
#undef RP_CARRY16
#undef RP_CARRY

/*
 * The parameter element of call element i (i < 0 only for the first work-item of an unaligned
 * call): i mod np, without a division when i < np (one sample row) and with a 32-bit one when
 * both fit, a 64-bit division costing about a cycle per element of the work-item's 64.
 */
RP_INLINE long rp_param_index(long i, long np)
{
    if (i < np) {
        return i < 0 ? 0 : i;
    }
    if ((ulong)i <= 0xFFFFFFFFul && (ulong)np <= 0xFFFFFFFFul) {
        return (long)((uint)i % (uint)np);
    }
    return i % np;
}

/* reparam_forward on a partial run (the ends of a call, runs wrapping around np): gathered. */
RP_COLD void rp_forward_partial(__global const float *mu, __global const float *rho, __global float *z,
                                __global float *eps, long i0, long n, long np, long p0, int param, int store_eps,
                                const float16 *e)
{
    float16 m[4], r[4], zz[4];
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
    for (int q = 0; q < 4; q++) {
        m[q] = vload16(q, mt);
        r[q] = vload16(q, rt);
    }
    #pragma nounroll
    for (int q = 0; q < 4; q++) {
        zz[q] = fma(rp_sigma(param, r[q]), e[q], m[q]);
    }
    rp_scatter(z, i0, 0, n, zz);
    if (store_eps) {
        rp_scatter(eps, i0, 0, n, e);
    }
}

/*
 * z[i] = fma(sigma(rho[p]), eps[i], mu[p]) for i = 64 g - phase + (0 .. 63) in [0, n), p = i mod np;
 * eps[i] too when store_eps. Runs inside one pass over the parameters use vector loads; the ends
 * of the call and runs that wrap around np gather. When the host has precomputed sigma
 * (reparam_sigma), it passes sigma as rho and param = RP_SIGMA; when it has tiled short
 * parameters (reparam_tile: mu and sigma to plen = np + 64 floats), every run inside the call
 * loads vectors. plen is np otherwise.
 */
__kernel void reparam_forward(__global const float *mu, __global const float *rho,
                              __global float *z, __global float *eps,
                              long n, long np, ulong first_block, uint phase,
                              uint k0, uint k1, uint s0, uint s1, int param, int store_eps, int nt, long plen)
{
    const ulong g = get_global_id(0);
    const long i0 = (long)(64 * g) - (long)phase;
    if (i0 >= n) {
        return;
    }
    float16 e[4], m[4], r[4], zz[4];            /* constant indices only (see the note at the top) */
    const long p0 = rp_param_index(i0, np);
    rp_forward_prefetch(mu, rho, z, eps, i0, n, p0, np, store_eps, nt);
    rp_eps_blocks(first_block + 16 * g, k0, k1, s0, s1, e);
    if (!(i0 >= 0 && i0 + 64 <= n && p0 + 64 <= plen)) {
        float16 ep[4] = {e[0], e[1], e[2], e[3]};  /* the cold path's own copy, passed out of line */
        rp_forward_partial(mu, rho, z, eps, i0, n, np, p0, param, store_eps, ep);
        return;
    }
    rp_load(mu, p0, m);
    rp_load(rho, p0, r);
    if (param != RP_SIGMA) {
        r[0] = rp_sigma_call(param, r[0]);
        r[1] = rp_sigma_call(param, r[1]);
        r[2] = rp_sigma_call(param, r[2]);
        r[3] = rp_sigma_call(param, r[3]);
    }
    zz[0] = fma(r[0], e[0], m[0]);
    zz[1] = fma(r[1], e[1], m[1]);
    zz[2] = fma(r[2], e[2], m[2]);
    zz[3] = fma(r[3], e[3], m[3]);
    rp_store(z, i0, zz, nt);
    if (store_eps) {
        rp_store(eps, i0, e, nt);
    }
}

/*
 * reparam_forward with the KL and log q block sums of reparam_row_blocks fused in, for calls with
 * dim below 64, or a multiple of 64 and phase 0 (offset a multiple of 4). Work-item g walks `runs`
 * consecutive 64-element runs from 64 runs g (for dim below 64 a multiple of dim / gcd(dim, 64),
 * so that it starts and ends on row boundaries; 1 otherwise). With a phase (offset mod 4, then
 * runs > 1), run i0's eps start phase elements into block first_block + i0 / 4: its 16 blocks
 * are shifted by constant shuffles with the first eps of the next run's blocks, which that run
 * then uses, so a work-item runs the generator runs + 1 times. A run is block g mod (dim / 64) of drawn row
 * 64 g / dim (parameter row (64 g mod np) / dim) when dim >= 64, or holds 64 / dim whole rows
 * (dim a power of two), or rows that the work-item's sums carry from run to run (any other dim
 * below 64). Runs may wrap around np (several drawn rows per parameter row, np not a multiple of
 * 64): their parameters are gathered. The call's last run ends at n. sigma and log sigma are
 * computed here from rho, or, with pre (several drawn rows per parameter row), read: rho is then
 * sigma and lsig log sigma (reparam_sigma_log). log q takes the eps just generated. Whole rows in
 * a whole run are summed side by side in vector lanes (rp_row_sums64_full), in a last run cut
 * short row by row (rp_row_sums64). PoCL, AMD EPYC, 2026-12-07, K = 16, both extras, elements/s:
 * without a loop around the run when runs is 1, 1.55e9 -> 2.7e9 (both without terms or transforms);
 * sigma and log sigma once per parameter, softplus 6e8 -> 1.1e9; side by side, D = 16 1.2e9 ->
 * 1.6e9, D = 4 1.3e9 -> 1.9e9.
 *   kl:  the rows below np (the first sample row), their KL sums;
 *   lq:  every row, its log q sums;
 * dim >= 64: the block sum to out[g], as row total when dim is 64 (0.0f + sum, as
 * reparam_row_blocks), as partial for reparam_row_sums otherwise; dim < 64: the totals of the rows
 * it walks. Same terms, same order, same bits as the two-kernel path.
 */
#ifndef RP_EXTRAS_RUN
#define RP_EXTRAS_RUN RP_INLINE
#endif
/*
 * Run i0 .. i0 + 63 of reparam_forward_extras (work-item g, parameters from p0 = i0 mod np, eps
 * eg), with the carried rows' state when carry.
 */
RP_EXTRAS_RUN void rp_extras_run(__global const float *mu, __global const float *rho,
                                 __global float *z, __global float *eps,
                                 __global float *kl_out, __global float *lq_out,
                                 long n, long np, long nblocks, int param, int store_eps, int nt,
                                 int kl, int lq, int dim, int carry, __global const float *lsig, int pre,
                                 long plen, long g, long i0, long p0, float *kl_sum, int *kl_cnt, long *kl_row,
                                 float *lq_sum, int *lq_cnt, long *lq_row, const float16 *eg)
{
    float16 e[4], m[4], r[4], s[4], ls[4], zz[4], t[4];  /* constant indices only */
    /* Valid lanes: 64 but in the call's last run when n is not a multiple of 64 (dim below 64);
     * KL's: those of the first sample row (i < np), whole rows as np is a multiple of dim. */
    const int lanes = (int)min((long)64, n - i0);
    const int kl_lanes = (int)min((long)lanes, np - i0);
    rp_forward_prefetch(mu, rho, z, eps, i0, n, p0, np, store_eps, nt);
    e[0] = eg[0]; e[1] = eg[1]; e[2] = eg[2]; e[3] = eg[3];
    rp_read_params(mu, p0, np, plen, i0, n, 0.0f, m);
    rp_read_params(rho, p0, np, plen, i0, n, 1.0f, r);
    if (pre) {                                /* rho is sigma, log sigma is in lsig (reparam_sigma_log) */
        s[0] = r[0]; s[1] = r[1]; s[2] = r[2]; s[3] = r[3];
        rp_read_params(lsig, p0, np, plen, i0, n, 0.0f, ls);
    } else {
        s[0] = rp_sigma_log_call(param, r[0], &ls[0]);
        s[1] = rp_sigma_log_call(param, r[1], &ls[1]);
        s[2] = rp_sigma_log_call(param, r[2], &ls[2]);
        s[3] = rp_sigma_log_call(param, r[3], &ls[3]);
    }
    zz[0] = fma(s[0], e[0], m[0]);
    zz[1] = fma(s[1], e[1], m[1]);
    zz[2] = fma(s[2], e[2], m[2]);
    zz[3] = fma(s[3], e[3], m[3]);
    rp_write(z, i0, 0, n, zz, nt);
    if (store_eps) {
        rp_write(eps, i0, 0, n, e, nt);
    }
    if (kl && i0 < np) {
        #pragma unroll
        for (int q = 0; q < 4; q++) {
            t[q] = fma((float16)(0.5f), fma(m[q], m[q], fma(s[q], s[q], (float16)(-1.0f))), -ls[q]);
        }
        if (carry) {
            rp_row_sums_carry(t, kl_lanes, dim, kl_sum, kl_cnt, kl_out, kl_row);
        } else if (dim < 64) {
            if (kl_lanes == 64) {
                rp_row_sums64_full(t, dim, kl_out + i0 / dim);
            } else {
                rp_row_sums64(t, dim, kl_lanes, kl_out + i0 / dim);
            }
        } else {
            const float sum = rp_block_sum(t, 64);
            kl_out[g] = nblocks == 1 ? 0.0f + sum : sum;
        }
    }
    if (lq) {
        #pragma unroll
        for (int q = 0; q < 4; q++) {
            t[q] = fma((float16)(-0.5f), e[q] * e[q], -(ls[q] + FM_HALF_LOG_2PI));
        }
        if (carry) {
            rp_row_sums_carry(t, lanes, dim, lq_sum, lq_cnt, lq_out, lq_row);
        } else if (dim < 64) {
            if (lanes == 64) {
                rp_row_sums64_full(t, dim, lq_out + i0 / dim);
            } else {
                rp_row_sums64(t, dim, lanes, lq_out + i0 / dim);
            }
        } else {
            const float sum = rp_block_sum(t, 64);
            lq_out[g] = nblocks == 1 ? 0.0f + sum : sum;
        }
    }
}

__kernel void reparam_forward_extras(__global const float *mu, __global const float *rho,
                                     __global float *z, __global float *eps,
                                     __global float *kl_out, __global float *lq_out,
                                     long n, long np, long nblocks, ulong first_block,
                                     uint k0, uint k1, uint s0, uint s1, int param, int store_eps, int nt,
                                     int kl, int lq, int dim, int runs, __global const float *lsig, int pre,
                                     long plen, uint phase)
{
    const long g = get_global_id(0);
    const long start = 64 * (long)runs * g;
    if (start >= n) {
        return;
    }
    const int carry = dim < 64 && 64 % dim != 0;
    float kl_sum = 0.0f, lq_sum = 0.0f;           /* carried rows: sums so far, terms so far, next row */
    int kl_cnt = 0, lq_cnt = 0;
    long kl_row = start / dim, lq_row = start / dim;
    long p0 = rp_param_index(start, np);
    float16 u[4];
    rp_eps_blocks(first_block + (ulong)(start >> 2), k0, k1, s0, s1, u);
    if (runs == 1) {                              /* no loop around the run: 1.75x faster (PoCL) */
        rp_extras_run(mu, rho, z, eps, kl_out, lq_out, n, np, nblocks, param,
                      store_eps, nt, kl, lq, dim, carry, lsig, pre, plen, g, start, p0,
                      &kl_sum, &kl_cnt, &kl_row, &lq_sum, &lq_cnt, &lq_row, u);
        return;
    }
    for (int run = 0; run < runs; run++) {
        const long i0 = start + 64 * run;
        if (i0 >= n) {
            break;
        }
        if (run > 0) {
            p0 += 64;
            if (p0 >= np) {
                p0 %= np;
            }
        }
        float16 e[4];
        if (phase == 0) {
            if (run > 0) {
                rp_eps_blocks(first_block + (ulong)(i0 >> 2), k0, k1, s0, s1, u);
            }
            e[0] = u[0]; e[1] = u[1]; e[2] = u[2]; e[3] = u[3];
        } else {
            /* The run's eps start phase elements into its first block: its 16 blocks shifted,
             * with the first eps of the next run's, which the next run then uses. */
            float16 un[4];
            rp_eps_blocks(first_block + (ulong)((i0 + 64) >> 2), k0, k1, s0, s1, un);
            rp_eps_shift(phase, u, un[0], e);
            u[0] = un[0]; u[1] = un[1]; u[2] = un[2]; u[3] = un[3];
        }
        rp_extras_run(mu, rho, z, eps, kl_out, lq_out, n, np, nblocks, param,
                      store_eps, nt, kl, lq, dim, carry, lsig, pre, plen, g, i0, p0,
                      &kl_sum, &kl_cnt, &kl_row, &lq_sum, &lq_cnt, &lq_row, e);
    }
}

/*
 * Tiled parameters for calls whose runs wrap around a short parameter array (np small, several
 * drawn rows per parameter row): for i < len (np + 64), mu_t[i] = mu[i mod np],
 * sg_t[i] = sigma(rho[i mod np]) and, when with_log, ls_t[i] = log sigma(rho[i mod np]), so that
 * the forward kernels load any run's parameters from p0 = i0 mod np with vector loads (plen = len).
 */
__kernel void reparam_tile(__global const float *mu, __global const float *rho, __global float *mu_t,
                           __global float *sg_t, __global float *ls_t, long np, long len, int param, int with_log)
{
    const long i0 = RP_BLOCK * (long)get_global_id(0);
    if (i0 >= len) {
        return;
    }
    float16 m[4], r[4], s[4], l[4];
    rp_read_params(mu, i0 % np, np, np, i0, len, 0.0f, m);
    rp_read_params(rho, i0 % np, np, np, i0, len, 1.0f, r);
    #pragma nounroll
    for (int q = 0; q < 4; q++) {
        float16 ds, dl;
        rp_transform(param, r[q], &s[q], &ds, &l[q], &dl);
    }
    rp_write(mu_t, i0, 0, len, m, 0);
    rp_write(sg_t, i0, 0, len, s, 0);
    if (with_log) {
        rp_write(ls_t, i0, 0, len, l, 0);
    }
}

/*
 * Not used by the passes: rp_transform's four outputs for rho[p], p < n (n a multiple of 16, one
 * float16 per work-item): out[p] = sigma, out[n + p] = dsigma/drho, out[2n + p] = log sigma and
 * out[3n + p] = d log sigma/drho. DriverCheck holds them to Parameterization (sigma, dSigma,
 * logSigma, dLogSigma) on a new driver: the derivatives the backward passes use, in a kernel small
 * enough for compilers that take too long over the passes themselves (docs/RELIABILITY.md).
 */
__kernel void reparam_transform_values(__global const float *rho, __global float *out, long n, int param)
{
    const long p0 = 16 * (long)get_global_id(0);
    if (p0 >= n) {
        return;
    }
    float16 s, ds, ls, dl;
    rp_transform(param, vload16(0, rho + p0), &s, &ds, &ls, &dl);
    vstore16(s, 0, out + p0);
    vstore16(ds, 0, out + n + p0);
    vstore16(ls, 0, out + 2 * n + p0);
    vstore16(dl, 0, out + 3 * n + p0);
}

/*
 * Per 64-element chunk c of the parameters (work-item c): ls[p] = log sigma(rho[p]), and
 * sg[p] = sigma(rho[p]) when write_sigma: the fused forward pass's per-parameter values, computed
 * once when several drawn rows share them (reparam_forward_extras with pre).
 */
__kernel void reparam_sigma_log(__global const float *rho, __global float *sg, __global float *ls,
                                long np, int param, int write_sigma)
{
    const long p0 = RP_BLOCK * (long)get_global_id(0);
    if (p0 >= np) {
        return;
    }
    float16 r[4], s[4], l[4];
    rp_read(rho, p0, 0, np, 1.0f, r);
    #pragma nounroll
    for (int q = 0; q < 4; q++) {
        float16 ds, dl;
        rp_transform(param, r[q], &s[q], &ds, &l[q], &dl);
    }
    if (write_sigma) {
        rp_write(sg, p0, 0, np, s, 0);
    }
    rp_write(ls, p0, 0, np, l, 0);
}

/* reparam_sigma's check argument, bits (ClReparam.CHECK_*); 0 computes sigma. */
#define RP_CHECK_VALUES 1
#define RP_CHECK_KL_GRADIENT 2
#define RP_CHECK_LOGQ_GRADIENT 4

/*
 * Whether the factors that a backward pass's KL and log q gradients multiply are non-finite, for
 * the checks asked for: d log sigma/drho for either, fma(sigma, dsigma/drho, -d log sigma/drho) for
 * KL (Parameterization.rejectionOf(rho, kl, logProb)). Out of line: the value check's fast path
 * stays small, and calls it only for chunks with a rho near an overflow.
 */
static __attribute__((noinline)) int16 rp_gradient_factors_bad(int check, int param, float16 rho)
{
    float16 s, ds, ls, dl;
    rp_transform(param, rho, &s, &ds, &ls, &dl);
    int16 bad = !isfinite(dl);
    if (check & RP_CHECK_KL_GRADIENT) {
        bad |= !isfinite(fma(s, ds, -dl));
    }
    return bad;
}

/*
 * Per 64-element chunk c of the parameters (work-item c): with check == 0, out[p] = sigma(rho[p])
 * (the forward pass's sigma, computed once per parameter element when several rows use it);
 * otherwise the value check of ReparamSpec.checkValues: *flag = the least chunk holding an
 * element with non-finite mu or rho, rho <= 0 for sigma, or non-finite sigma(rho), and with
 * RP_CHECK_KL_GRADIENT or RP_CHECK_LOGQ_GRADIENT also non-finite gradient factors
 * (rp_gradient_factors_bad); the host resets it to 0xFFFFFFFF first and finds the element within
 * the chunk.
 */
__kernel void reparam_sigma(__global const float *mu, __global const float *rho, __global float *out,
                            volatile __global uint *flag, long np, int param, int check)
{
    const long c = get_global_id(0);
    const long p0 = RP_BLOCK * c;
    if (p0 >= np) {
        return;
    }
    if (check && p0 + RP_BLOCK <= np) {
        /*
         * The value check of a whole chunk, on vectors with constant indices (no per-work-item
         * context arrays, see the note at the top): one read of mu and rho, and no sigma(rho).
         * For a finite rho, sigma(rho) is finite except where exp overflows: softplus is rho above
         * 20, exp(rho) <= e^-20 below -20 and max(rho, 0) + log1p(exp(-|rho|)) between; exp(x) is
         * finite exactly for x <= FM_EXP_FINITE_MAX, with x = rho (log-sigma) or 0.5f * rho
         * (log-var, the product the transform rounds).
         */
        const float16 m0 = vload16(0, mu + p0), m1 = vload16(1, mu + p0), m2 = vload16(2, mu + p0), m3 = vload16(3, mu + p0);
        const float16 r0 = vload16(0, rho + p0), r1 = vload16(1, rho + p0), r2 = vload16(2, rho + p0), r3 = vload16(3, rho + p0);
        int16 bad = !isfinite(m0) | !isfinite(m1) | !isfinite(m2) | !isfinite(m3)
                  | !isfinite(r0) | !isfinite(r1) | !isfinite(r2) | !isfinite(r3);
        if (param == RP_SIGMA) {
            bad |= !(r0 > 0.0f) | !(r1 > 0.0f) | !(r2 > 0.0f) | !(r3 > 0.0f);
        } else if (param == RP_LOG_SIGMA) {
            bad |= !(r0 <= FM_EXP_FINITE_MAX) | !(r1 <= FM_EXP_FINITE_MAX) | !(r2 <= FM_EXP_FINITE_MAX)
                 | !(r3 <= FM_EXP_FINITE_MAX);
        } else if (param == RP_LOG_VAR) {
            bad |= !(0.5f * r0 <= FM_EXP_FINITE_MAX) | !(0.5f * r1 <= FM_EXP_FINITE_MAX)
                 | !(0.5f * r2 <= FM_EXP_FINITE_MAX) | !(0.5f * r3 <= FM_EXP_FINITE_MAX);
        }
        /*
         * The gradient factors are finite for sure, and not computed, while sigma's rho >= 1e-37
         * (1/rho <= 1e37), log-sigma's rho <= 44 (sigma^2 <= e^88), log-var's rho <= 88
         * (sigma^2 / 2 <= e^88 / 2), and always for softplus (d log sigma/drho <= 1/softplus(-20) and
         * sigma * sigmoid <= |rho| + 1); a chunk with a rho past those bounds is checked exactly.
         */
        if ((check & (RP_CHECK_KL_GRADIENT | RP_CHECK_LOGQ_GRADIENT)) && param != RP_SOFTPLUS) {
            const float lo = param == RP_SIGMA ? 1e-37f : -INFINITY;
            const float hi = param == RP_LOG_SIGMA ? 44.0f : param == RP_LOG_VAR ? 88.0f : INFINITY;
            const int16 near = (r0 < lo) | (r1 < lo) | (r2 < lo) | (r3 < lo) | (r0 > hi) | (r1 > hi) | (r2 > hi) | (r3 > hi);
            if (any(near)) {
                bad |= rp_gradient_factors_bad(check, param, r0) | rp_gradient_factors_bad(check, param, r1)
                     | rp_gradient_factors_bad(check, param, r2) | rp_gradient_factors_bad(check, param, r3);
            }
        }
        if (any(bad)) {
            atomic_min(flag, (uint)c);
        }
        return;
    }
    float16 m[4], r[4], sg[4];
    rp_read(rho, p0, 0, np, 1.0f, r);
    #pragma nounroll
    for (int q = 0; q < 4; q++) {
        sg[q] = rp_sigma(param, r[q]);
    }
    if (!check) {
        rp_write(out, p0, 0, np, sg, 0);
        return;
    }
    rp_read(mu, p0, 0, np, 0.0f, m);
    const int16 pos = (int16)(param == RP_SIGMA ? -1 : 0);      /* all bits: any() tests the sign bit */
    int16 bad = (int16)(0);
    for (int q = 0; q < 4; q++) {
        bad |= !isfinite(m[q]) | !isfinite(r[q]) | !isfinite(sg[q]) | (pos & !(r[q] > 0.0f));
        if (check & (RP_CHECK_KL_GRADIENT | RP_CHECK_LOGQ_GRADIENT)) {
            bad |= rp_gradient_factors_bad(check, param, r[q]);
        }
    }
    if (any(bad)) {
        atomic_min(flag, (uint)c);
    }
}

/*
 * Block j of a KL row sum over d in [64 j, 64 j + 64) n [0, dim), work-item row nblocks + j: row b
 * of the parameters, terms fma(0.5f, fma(mu, mu, fma(sigma, sigma, -1)), -log sigma). Writes
 * out[row * nblocks + j] (partials), or out[row] = 0.0f + sum when nblocks is 1. The forward pass
 * computes KL here only when asked for it alone with parameter rows shared by several drawn rows;
 * its other KL and all its log q sums are fused into the forward kernels.
 */
__kernel void reparam_row_blocks(__global const float *mu, __global const float *rho, __global float *out,
                                 long dim, long nblocks, long rows, int param)
{
    const long idx = get_global_id(0);
    if (idx >= rows * nblocks) {
        return;
    }
    const long row = idx / nblocks;
    const long j = idx - row * nblocks;
    const long d0 = RP_BLOCK * j;
    const long i0 = row * dim + d0;
    const int len = (int)min((long)RP_BLOCK, dim - d0);
    float16 x[4], r[4], t[4];
    rp_read(rho, i0, i0, i0 + len, 1.0f, r);
    rp_read(mu, i0, i0, i0 + len, 0.0f, x);
    #pragma unroll                              /* constant indices: no context arrays */
    for (int q = 0; q < 4; q++) {
        float16 s, ds, ls, dl;
        rp_transform(param, r[q], &s, &ds, &ls, &dl);
        t[q] = fma((float16)(0.5f), fma(x[q], x[q], fma(s, s, (float16)(-1.0f))), -ls);
    }
    const float sum = rp_block_sum(t, len);
    if (nblocks == 1) {
        out[row] = 0.0f + sum;
    } else {
        out[row * nblocks + j] = sum;
    }
}

/*
 * dst[base .. base + len) = the first len (1 .. 63) of 64 values: whole vectors, then the rest in
 * pieces of 8, 4, 2 and 1 lanes, each shifted down by a constant shuffle (no private array).
 */
RP_INLINE void rp_store_head(__global float *dst, long base, int len, const float16 *v)
{
    __global float *p = dst + base;
    const int whole = len >> 4;
    if (whole > 0) {
        vstore16(v[0], 0, p);
    }
    if (whole > 1) {
        vstore16(v[1], 1, p);
    }
    if (whole > 2) {
        vstore16(v[2], 2, p);
    }
    float16 w = whole == 0 ? v[0] : whole == 1 ? v[1] : whole == 2 ? v[2] : v[3];
    p += len & ~15;
    const int rest = len & 15;
    if (rest & 8) {
        vstore8(w.lo, 0, p);
        w = (float16)(w.hi, w.hi);
        p += 8;
    }
    if (rest & 4) {
        vstore4(w.s0123, 0, p);
        w = (float16)(w.s4567, w.s89ab, w.scdef, w.scdef);
        p += 4;
    }
    if (rest & 2) {
        vstore2(w.s01, 0, p);
        w = (float16)(w.s23, w.s4567, w.s89ab, w.scdef, w.sef);
        p += 2;
    }
    if (rest & 1) {
        p[0] = w.s0;
    }
}

/* Left-to-right sum of v's 64 lanes from +0.0f, lanes from len on being +0.0f: the vectors past len skipped. */
RP_INLINE float rp_block_sum_upto(const float16 *v, int len)
{
    float s = 0.0f;
    #pragma unroll
    for (int q = 0; q < 4; q++) {
        if (16 * q < len) {
            s = s + v[q].s0; s = s + v[q].s1; s = s + v[q].s2; s = s + v[q].s3;
            s = s + v[q].s4; s = s + v[q].s5; s = s + v[q].s6; s = s + v[q].s7;
            s = s + v[q].s8; s = s + v[q].s9; s = s + v[q].sa; s = s + v[q].sb;
            s = s + v[q].sc; s = s + v[q].sd; s = s + v[q].se; s = s + v[q].sf;
        }
    }
    return s;
}

/* v with the lanes from len on (len < 64) set to +0.0f: a block's terms past its row's end. */
RP_INLINE void rp_zero_from(int len, float16 *v)
{
    const int16 lane = (int16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    v[0] = select(v[0], (float16)(0.0f), lane >= (int16)(len));
    v[1] = select(v[1], (float16)(0.0f), lane >= (int16)(len - 16));
    v[2] = select(v[2], (float16)(0.0f), lane >= (int16)(len - 32));
    v[3] = select(v[3], (float16)(0.0f), lane >= (int16)(len - 48));
}

/*
 * Block j of row r from its terms t (the first len valid; the rest set to +0.0f here): the sum to
 * out[r nblocks + j], or out[r] = 0.0f + sum when a row is one block (as reparam_row_blocks writes KL).
 */
RP_INLINE void rp_block_out(float16 *t, int len, __global float *out, long r, long nblocks, long j)
{
    if (len < RP_BLOCK) {
        rp_zero_from(len, t);
    }
    const float sum = rp_block_sum_upto(t, len);
    if (nblocks == 1) {
        out[r] = 0.0f + sum;
    } else {
        out[r * nblocks + j] = sum;
    }
}

/*
 * The forward pass with KL and log q for rows whose sum blocks are not the forward layout's runs:
 * dim of 64 or more at any offset (dim not a multiple of 64, or an offset not a multiple of 4).
 * Work-item idx takes sum block j = idx mod nblocks (row elements 64 j .. min(dim, 64 j + 64))
 * of the 16 drawn rows 16 (idx / nblocks) + (0 .. 15), in row order: z (and eps) of the block,
 * and its KL (rows below prows, the parameter rows) and log q block sums, the 64-term blocks of
 * the CPU reference (docs/REPARAM.md). A block's eps start at stream element s = offset + r dim + 64 j: the 16 Philox
 * blocks from s >> 2 and, when shifted (s mod 4 not always 0), the first eps of the next block,
 * which one generator call with a block index per lane gives for all 16 rows (as the RECOMPUTE
 * row walk of reparam_backward). Terms past a row's end are +0.0f, which leaves a sum from +0.0f
 * unchanged (such a sum is never -0.0f), so every block sums whole vectors by constant index.
 * Drawn row r takes parameter row r mod prows; the parameter arrays hold plen floats (np, or
 * np + 64 when tiled by reparam_tile: then mu is mu tiled, rho sigma and lsig log sigma, for
 * several drawn rows per parameter row). Outputs: out[r nblocks + j] (partials for reparam_row_sums), or
 * out[r] = 0.0f + sum when nblocks is 1. Same terms, same order, same bits as the CPU reference.
 */
__kernel void reparam_forward_rows(__global const float *mu, __global const float *rho,
                                   __global float *z, __global float *eps,
                                   __global float *kl_out, __global float *lq_out, __global const float *lsig,
                                   long rows, long dim, long nblocks, long prows, long plen, ulong offset,
                                   uint k0, uint k1, uint s0, uint s1, int param, int store_eps, int nt,
                                   int kl, int lq, int pre, int shifted)
{
    const long idx = get_global_id(0);
    const long rg = idx / nblocks;
    const long j = idx - rg * nblocks;
    const long r16 = 16 * rg;
    if (r16 >= rows) {
        return;
    }
    const long d0 = RP_BLOCK * j;
    const int len = (int)min((long)RP_BLOCK, dim - d0);
    const int full = len == RP_BLOCK;
    const int rows16 = (int)min((long)16, rows - r16);
    float next[64];
    if (shifted) {
        const ulong16 lane_rows = (ulong16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) * (ulong16)((ulong)dim);
        const ulong16 starts = (ulong16)(offset + (ulong)(r16 * dim + d0)) + lane_rows;
        float16 x[4];
        nt_blocks_normal_x16((starts >> 2) + (ulong16)(16), k0, k1, s0, s1, &x[0], &x[1], &x[2], &x[3]);
        for (int q = 0; q < 4; q++) {
            vstore16(x[q], q, next);
        }
    }
    for (int jj = 0; jj < rows16; jj++) {
        const long r = r16 + jj;
        const long i0 = r * dim + d0;
        const long prow = r % prows;
        const long pb = prow * dim;
        const ulong es = offset + (ulong)i0;
        float16 u[4], e[4], m[4], rr[4], s[4], ls[4], zz[4], t[4];
        rp_eps_blocks(es >> 2, k0, k1, s0, s1, u);
        if (shifted) {
            const float4 nx = vload4(jj, next);
            rp_eps_shift((uint)(es & 3), u, (float16)(nx, nx, nx, nx), e);
        } else {
            e[0] = u[0]; e[1] = u[1]; e[2] = u[2]; e[3] = u[3];
        }
        /* A short block's parameters: 64 whole floats where the array (plen) has them, the lanes
         * past the row ignored (their terms are zeroed, their z not stored). */
        const int loads = pb + d0 + RP_BLOCK <= plen;
        rp_row_read_own(mu, pb + d0, pb, dim, loads, m);
        rp_row_read_own(rho, pb + d0, pb, dim, loads, rr);
        if (pre) {
            s[0] = rr[0]; s[1] = rr[1]; s[2] = rr[2]; s[3] = rr[3];
            rp_row_read_own(lsig, pb + d0, pb, dim, loads, ls);
        } else if (param == RP_SIGMA) {
            #pragma unroll
            for (int q = 0; q < 4; q++) {
                s[q] = rr[q];
                ls[q] = fm_log(rr[q]);
            }
        } else {                                 /* one temporary per call: the arrays stay in registers */
            float16 l0, l1, l2, l3;
            s[0] = rp_sigma_log_call(param, rr[0], &l0);
            s[1] = rp_sigma_log_call(param, rr[1], &l1);
            s[2] = rp_sigma_log_call(param, rr[2], &l2);
            s[3] = rp_sigma_log_call(param, rr[3], &l3);
            ls[0] = l0; ls[1] = l1; ls[2] = l2; ls[3] = l3;
        }
        zz[0] = fma(s[0], e[0], m[0]);
        zz[1] = fma(s[1], e[1], m[1]);
        zz[2] = fma(s[2], e[2], m[2]);
        zz[3] = fma(s[3], e[3], m[3]);
        if (full) {
            rp_store(z, i0, zz, nt);
            if (store_eps) {
                rp_store(eps, i0, e, nt);
            }
        } else {
            rp_store_head(z, i0, len, zz);
            if (store_eps) {
                rp_store_head(eps, i0, len, e);
            }
        }
        if (kl && r < prows) {
            #pragma unroll
            for (int q = 0; q < 4; q++) {
                t[q] = fma((float16)(0.5f), fma(m[q], m[q], fma(s[q], s[q], (float16)(-1.0f))), -ls[q]);
            }
            rp_block_out(t, len, kl_out, r, nblocks, j);
        }
        if (lq) {
            #pragma unroll
            for (int q = 0; q < 4; q++) {
                t[q] = fma((float16)(-0.5f), e[q] * e[q], -(ls[q] + FM_HALF_LOG_2PI));
            }
            rp_block_out(t, len, lq_out, r, nblocks, j);
        }
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

/*
 * out[b] = blocked sum over r in [0, rows) of x[r * stride + b] (Slq of the backward pass).
 * Work-item g sums columns 16 g .. 16 g + 15 as one float16 (each lane its own column, rows and
 * blocks in order), the last partial group column by column: with K = 1 and short rows there is
 * one column per parameter row, and a work-item per column cost a tenth of the pass (PoCL).
 */
__kernel void reparam_strided_sums(__global const float *x, __global float *out, long rows, long stride)
{
    const long b0 = 16 * (long)get_global_id(0);
    if (b0 >= stride) {
        return;
    }
    if (b0 + 16 <= stride) {
        float16 total = (float16)(0.0f);
        for (long g = 0; g < rows; g += RP_BLOCK) {
            const long end = min(rows, g + RP_BLOCK);
            float16 s = (float16)(0.0f);
            for (long r = g; r < end; r++) {
                s = s + vload16(0, x + r * stride + b0);
            }
            total = total + s;
        }
        vstore16(total, 0, out + b0);
        return;
    }
    for (long b = b0; b < stride; b++) {
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
}

/* v[j] = x[(p0 + j) / dim] for the valid p0 + j (KL and log q weights per parameter row). */
RP_INLINE void rp_row_values(__global const float *x, long p0, long np, long dim, float16 *v)
{
    if (p0 >= 0 && p0 + 64 <= np) {
        const long b0 = p0 / dim;
        const long d0 = p0 - b0 * dim;               /* long: D may pass 2^31 */
        const float16 w0 = (float16)(x[b0]);
        v[0] = w0; v[1] = w0; v[2] = w0; v[3] = w0;
        if (d0 + 64 <= dim) {
            /* The 64 elements lie in one parameter row (the common case when D >= 64): one value. */
            return;
        }
        /* A whole run over several rows (D below 64, or a row boundary inside the run): row
         * b0 + t starts at lane t dim - d0; one select per row and vector, constant lane indices
         * (a float[64] indexed by lane would be a PoCL context array, see the note at the top). */
        const int16 lane = (int16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        const int rows = (int)((d0 + 64 + dim - 1) / dim);    /* at most 64 / dim + 2 here */
        for (int t = 1; t < rows; t++) {
            const int16 from = (int16)((int)(t * dim - d0)); /* in [1, 64) for these rows */
            const float16 w = (float16)(x[b0 + t]);
            v[0] = select(v[0], w, lane >= from);
            v[1] = select(v[1], w, lane + 16 >= from);
            v[2] = select(v[2], w, lane + 32 >= from);
            v[3] = select(v[3], w, lane + 48 >= from);
        }
        return;
    }
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
    v[0] = vload16(0, t); v[1] = vload16(1, t); v[2] = vload16(2, t); v[3] = vload16(3, t);
}

/* One row of a row block: smu = smu + gz, ssig = fma(gz, eps, ssig) (ReparamSpec's block sums). */
RP_INLINE void rp_row_step(const float16 *gv, const float16 *e, float16 *smu, float16 *ssig)
{
    for (int q = 0; q < 4; q++) {
        smu[q] = smu[q] + gv[q];
        ssig[q] = fma(gv[q], e[q], ssig[q]);
    }
}

/* A row block's sums into the totals: t = t + block sum. */
RP_INLINE void rp_add_block(const float16 *smu, const float16 *ssig, float16 *tmu, float16 *tsig)
{
    for (int q = 0; q < 4; q++) {
        tmu[q] = tmu[q] + smu[q];
        tsig[q] = tsig[q] + ssig[q];
    }
}

/* The totals of a single row: one row step from +0.0f, then that block added to +0.0f. */
RP_INLINE void rp_one_row(const float16 *gv, const float16 *e, float16 *tmu, float16 *tsig)
{
    #pragma unroll                               /* constant indices for the hot paths (note at the top) */
    for (int q = 0; q < 4; q++) {
        tmu[q] = 0.0f + (0.0f + gv[q]);
        tsig[q] = 0.0f + fma(gv[q], e[q], (float16)(0.0f));
    }
}

/* tsig = tsig * dsigma/drho(rho): the chain rule without KL or log q (sigma needs none). */
RP_INLINE void rp_chain_dsigma(int param, const float16 *r, float16 *tsig)
{
    #pragma nounroll
    for (int q = 0; q < 4; q++) {
        tsig[q] = tsig[q] * rp_dsigma(param, r[q]);
    }
}

/*
 * The end of the backward pass for the 64 parameter elements from p0, given the row totals
 * tmu and tsig: the chain rule through sigma, the KL and log q terms, accumulation, stores.
 */
RP_INLINE void rp_backward_finish(__global const float *mu, __global const float *rho,
                                  __global const float *gkl, __global const float *slq,
                                  __global float *gmu, __global float *grho,
                                  long np, long dim, long p0, int param, int flags, int nt, float16 *tmu, float16 *tsig)
{
    float16 m[4], r[4], k[4], l[4], o[4];
    if (flags & (RP_KL | RP_LOGQ)) {
        rp_read(rho, p0, 0, np, 1.0f, r);
        rp_read(mu, p0, 0, np, 0.0f, m);
        if (flags & RP_KL) {
            rp_row_values(gkl, p0, np, dim, k);
        }
        if (flags & RP_LOGQ) {
            rp_row_values(slq, p0, np, dim, l);
        }
        #pragma unroll                          /* constant indices: no context arrays in the elementwise pass */
        for (int q = 0; q < 4; q++) {
            float16 sg, ds, ls, dl;
            rp_transform(param, r[q], &sg, &ds, &ls, &dl);
            float16 gr = tsig[q] * ds;
            if (flags & RP_KL) {
                tmu[q] = fma(k[q], m[q], tmu[q]);
                gr = fma(k[q], fma(sg, ds, -dl), gr);
            }
            if (flags & RP_LOGQ) {
                gr = fma(-l[q], dl, gr);
            }
            tsig[q] = gr;
        }
    } else if (param != RP_SIGMA) {          /* for sigma, dsigma/drho = 1 and rho is not read */
        rp_read(rho, p0, 0, np, 1.0f, r);
        rp_chain_dsigma(param, r, tsig);
    }
    if (flags & RP_ACCUMULATE) {
        rp_read(gmu, p0, 0, np, 0.0f, o);
        for (int q = 0; q < 4; q++) {
            tmu[q] = o[q] + tmu[q];
        }
        rp_read(grho, p0, 0, np, 0.0f, o);
        for (int q = 0; q < 4; q++) {
            tsig[q] = o[q] + tsig[q];
        }
    }
    rp_write(gmu, p0, 0, np, tmu, nt);
    rp_write(grho, p0, 0, np, tsig, nt);
}

/*
 * Backward pass over the 64 parameter elements p0 = 64 c - shift + (0 .. 63) of chunk c.
 *   mode 0 (direct, work-item c < nchunks): all row blocks in order, then the finish;
 *   mode 1 (split rows, work-item g nchunks + c): row block g only; its block sums go to
 *          part[g np + p] (smu) and part[(groups + g) np + p] (ssig);
 *   mode 2 (split finish, work-item c): the totals of those block sums in order, then the finish.
 * Block sums: smu = smu + gz, ssig = fma(gz, eps, ssig) over the block's rows in order from +0.0f;
 * totals: t = t + block sum over the blocks in order from +0.0f (0 + s = s: s is never -0).
 */
__kernel void reparam_backward(__global const float *mu, __global const float *rho,
                               __global const float *gz, __global const float *eps,
                               __global const float *gkl, __global const float *slq,
                               __global float *gmu, __global float *grho, __global float *part,
                               long np, long nrows, long dim, long shift, long nchunks, long groups, int mode,
                               ulong offset, uint k0, uint k1, uint s0, uint s1, int param, int flags, int nt)
{
    const long idx = get_global_id(0);
    const long gsplit = mode == 1 ? idx / nchunks : 0;
    const long c = idx - gsplit * nchunks;
    if (mode == 1 ? gsplit >= groups : c >= nchunks) {
        return;
    }
    const long p0 = RP_BLOCK * c - shift;
    float16 tmu[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    float16 tsig[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    if (mode == 2 && p0 == 0 && np < RP_BLOCK) {
        /* One chunk shorter than a run (reparam_backward_short's sums): whole 64-float loads, the
         * part buffer being 64 floats longer than its 2 groups np sums; lanes from np on add
         * whatever follows a block's sums and are never stored. A bounded read per block was a
         * call that gathered lane by lane, for each of the groups blocks (16384 at np = 1, 2^20). */
        for (long g = 0; g < groups; g++) {
            float16 a[4];
            rp_load(part, g * np, a);
            for (int q = 0; q < 4; q++) {
                tmu[q] = tmu[q] + a[q];
            }
            rp_load(part, (groups + g) * np, a);
            for (int q = 0; q < 4; q++) {
                tsig[q] = tsig[q] + a[q];
            }
        }
    } else if (mode == 2) {
        for (long g = 0; g < groups; g++) {
            float16 a[4];
            rp_read(part + g * np, p0, 0, np, 0.0f, a);
            for (int q = 0; q < 4; q++) {
                tmu[q] = tmu[q] + a[q];
            }
            rp_read(part + (groups + g) * np, p0, 0, np, 0.0f, a);
            for (int q = 0; q < 4; q++) {
                tsig[q] = tsig[q] + a[q];
            }
        }
    } else if (mode == 0 && !(flags & RP_READ_EPS) && p0 >= 0 && p0 + 2 * RP_BLOCK <= np && (np & 3) == 0
               && ((offset + (ulong)p0) & 3) == 0) {
        /* The common case on its own: RECOMPUTE, all row blocks in order, whole runs whose eps are
         * whole Philox blocks in every row (np a multiple of 4), the next work-item's run prefetched.
         * Its arrays stay as they are (context arrays, see the note at the top): kept in registers
         * with #pragma unroll, the row loop's eight accumulators leave the generator too few and
         * the pass ran 5 to 40 % slower (K = 16, 2026-12-06). */
        for (long g = 0; g < groups; g++) {
            float16 smu[4] = {0.0f, 0.0f, 0.0f, 0.0f};
            float16 ssig[4] = {0.0f, 0.0f, 0.0f, 0.0f};
            const long rend = min(nrows, RP_BLOCK * (g + 1));
            for (long r = RP_BLOCK * g; r < rend; r++) {
                const long base = r * np + p0;
                float16 gv[4], e[4];
                rp_prefetch64(gz + base + RP_BLOCK);
                rp_load(gz, base, gv);
                rp_eps_blocks((offset + (ulong)base) >> 2, k0, k1, s0, s1, e);
                rp_row_step(gv, e, smu, ssig);
            }
            rp_add_block(smu, ssig, tmu, tsig);
        }
    } else if (!(flags & RP_READ_EPS) && (np & 3) != 0) {
        /* RECOMPUTE with np not a multiple of 4 (then shift = 0): row r's eps start at
         * s = offset + r np + p0, whose phase s mod 4 changes from row to row, and take 17 Philox
         * blocks, the 16 from s >> 2 and the next. The 17th blocks of 16 rows come from one
         * generator call with a block index per lane and wait in private memory; each row shifts
         * its 16 blocks and the 17th's first eps by the phase with constant shuffles (two
         * generator calls per row before, 2026-12-07). */
        const int full = p0 >= 0 && p0 + RP_BLOCK <= np;
        const int ahead = p0 >= 0 && p0 + 2 * RP_BLOCK <= np;
        const long gend = mode == 1 ? gsplit + 1 : groups;
        const ulong16 lane_rows = (ulong16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) * (ulong16)((ulong)np);
        float next[64];
        for (long g = gsplit; g < gend; g++) {
            float16 smu[4] = {0.0f, 0.0f, 0.0f, 0.0f};
            float16 ssig[4] = {0.0f, 0.0f, 0.0f, 0.0f};
            const long rend = min(nrows, RP_BLOCK * (g + 1));
            for (long r16 = RP_BLOCK * g; r16 < rend; r16 += 16) {
                float16 x[4];
                const ulong16 starts = (ulong16)(offset + (ulong)(r16 * np + p0)) + lane_rows;
                nt_blocks_normal_x16((starts >> 2) + (ulong16)(16), k0, k1, s0, s1, &x[0], &x[1], &x[2], &x[3]);
                for (int q = 0; q < 4; q++) {
                    vstore16(x[q], q, next);
                }
                const int rows16 = (int)min((long)16, rend - r16);
                for (int j = 0; j < rows16; j++) {
                    const long r = r16 + j;
                    const long base = r * np + p0;
                    const ulong es = offset + (ulong)base;
                    float16 gv[4], u[4], e[4];
                    if (ahead) {
                        rp_prefetch64(gz + base + RP_BLOCK);
                    }
                    rp_row_read(gz, base, r * np, np, full, gv);
                    rp_eps_blocks(es >> 2, k0, k1, s0, s1, u);
                    const float4 t = vload4(j, next);
                    rp_eps_shift((uint)(es & 3), u, (float16)(t, t, t, t), e);
                    rp_row_step(gv, e, smu, ssig);
                }
            }
            rp_add_block(smu, ssig, tmu, tsig);
        }
    } else {
        const int full = p0 >= 0 && p0 + RP_BLOCK <= np;
        const int ahead = p0 >= 0 && p0 + 2 * RP_BLOCK <= np;
        const int read_eps = flags & RP_READ_EPS;
        const long gend = mode == 1 ? gsplit + 1 : groups;
        for (long g = gsplit; g < gend; g++) {
            float16 smu[4] = {0.0f, 0.0f, 0.0f, 0.0f};
            float16 ssig[4] = {0.0f, 0.0f, 0.0f, 0.0f};
            const long rend = min(nrows, RP_BLOCK * (g + 1));
            for (long r = RP_BLOCK * g; r < rend; r++) {
                const long base = r * np + p0;
                float16 gv[4], e[4];
                if (ahead) {
                    rp_prefetch64(gz + base + RP_BLOCK);
                    if (read_eps) {
                        rp_prefetch64(eps + base + RP_BLOCK);
                    }
                }
                rp_row_read(gz, base, r * np, np, full, gv);
                if (read_eps) {
                    rp_row_read(eps, base, r * np, np, full, e);
                } else {                          /* np a multiple of 4 here: whole blocks */
                    rp_eps_blocks((offset + (ulong)base) >> 2, k0, k1, s0, s1, e);
                }
                rp_row_step(gv, e, smu, ssig);
            }
            rp_add_block(smu, ssig, tmu, tsig);
        }
    }
    if (mode == 1) {                         /* the row block's sums */
        rp_write(part + gsplit * np, p0, 0, np, tmu, 0);
        rp_write(part + (groups + gsplit) * np, p0, 0, np, tsig, 0);
        return;
    }
    rp_backward_finish(mu, rho, gkl, slq, gmu, grho, np, dim, p0, param, flags, nt, tmu, tsig);
}

/*
 * The split backward pass's block sums (mode 1 of reparam_backward) when the parameters are short
 * (np below 64: broadcast short rows, or K > 1 with such a B D): work-item g0 walks the elements
 * of row block g0 (rows 64 g0 .. min(nrows, 64 g0 + 64), np elements each) in whole 64-element
 * runs, whose eps are 16 whole Philox blocks (or read), and adds each row to its parameters' sums
 * in row order, the parameters side by side in vector lanes. A power of two np with the offset
 * (4 first_block + phase) a multiple of 4, or stored eps, takes 64 / np whole rows per run (np = 1
 * and 2 at any phase too: a run's 16 blocks shifted by the phase with the first eps of the next
 * run's, which the next run then uses, one generator call per run and per + 1 per work-item, which
 * then walks `per` consecutive row blocks); any other np or phase
 * stages rows across runs, which then start phase elements early so that their eps are whole
 * blocks. The sums are smu = smu + gz, ssig = fma(gz, eps, ssig)
 * from +0.0f, as reparam_backward's row loop, then part[g0 np + p] = 0.0f + smu and
 * part[(groups + g0) np + p] = 0.0f + ssig. Lanes past the call's end add gz = +0.0f, which leaves
 * sums that are never -0.0f unchanged. reparam_backward mode 2 then finishes.
 */
#define RP_SHORT_RUN() \
    float16 g[4], e[4]; \
    rp_read(gz, i0, 0, n, 0.0f, g); \
    if (read_eps) { \
        rp_read(eps, i0, 0, n, 0.0f, e); \
    } else { \
        rp_eps_blocks(first_block + (ulong)(i0 >> 2), k0, k1, s0, s1, e); \
    }
/* np = 1 and 2, at any phase (lag): the run's 16 blocks shifted by lag with the first eps of the
 * next run's, which the next run then uses (u: the run's own blocks), one generator call per run. */
#define RP_SHORT_RUN_SHIFTED() \
    float16 g[4], e[4]; \
    rp_read(gz, i0, 0, n, 0.0f, g); \
    if (read_eps) { \
        rp_read(eps, i0, 0, n, 0.0f, e); \
    } else { \
        float16 un[4]; \
        rp_eps_blocks(first_block + (ulong)((i0 + (lag != 0 ? RP_BLOCK : 0)) >> 2), k0, k1, s0, s1, un); \
        if (lag != 0) { \
            rp_eps_shift((uint)lag, u, un[0], e); \
            u[0] = un[0]; u[1] = un[1]; u[2] = un[2]; u[3] = un[3]; \
        } else { \
            e[0] = un[0]; e[1] = un[1]; e[2] = un[2]; e[3] = un[3]; \
        } \
    }
__kernel void reparam_backward_short(__global const float *gz, __global const float *eps, __global float *part,
                                     long np, long nrows, long groups, ulong first_block,
                                     uint k0, uint k1, uint s0, uint s1, int read_eps, int phase, int per)
{
    const long g0 = per * (long)get_global_id(0);   /* per > 1: np <= 2 only, row blocks g0 .. g0 + per - 1 */
    if (g0 >= groups) {
        return;
    }
    const long n = nrows * np;
    const long e0 = RP_BLOCK * g0 * np;
    const long e1 = min(nrows, RP_BLOCK * (g0 + 1)) * np;
    const long lag = read_eps ? 0 : phase;               /* generated runs start lag elements early */
    if (lag == 0 && np == 32) {
        float16 a0 = (float16)(0.0f), a1 = (float16)(0.0f), b0 = (float16)(0.0f), b1 = (float16)(0.0f);
        for (long i0 = e0; i0 < e1; i0 += RP_BLOCK) {
            RP_SHORT_RUN();
            a0 = a0 + g[0]; b0 = fma(g[0], e[0], b0);
            a1 = a1 + g[1]; b1 = fma(g[1], e[1], b1);
            a0 = a0 + g[2]; b0 = fma(g[2], e[2], b0);
            a1 = a1 + g[3]; b1 = fma(g[3], e[3], b1);
        }
        vstore16(0.0f + a0, 0, part + g0 * np);
        vstore16(0.0f + a1, 1, part + g0 * np);
        vstore16(0.0f + b0, 0, part + (groups + g0) * np);
        vstore16(0.0f + b1, 1, part + (groups + g0) * np);
    } else if (lag == 0 && np == 16) {
        float16 a = (float16)(0.0f), b = (float16)(0.0f);
        for (long i0 = e0; i0 < e1; i0 += RP_BLOCK) {
            RP_SHORT_RUN();
            #pragma unroll
            for (int q = 0; q < 4; q++) {
                a = a + g[q];
                b = fma(g[q], e[q], b);
            }
        }
        vstore16(0.0f + a, 0, part + g0 * np);
        vstore16(0.0f + b, 0, part + (groups + g0) * np);
    } else if (lag == 0 && np == 8) {
        float8 a = (float8)(0.0f), b = (float8)(0.0f);
        for (long i0 = e0; i0 < e1; i0 += RP_BLOCK) {
            RP_SHORT_RUN();
            #pragma unroll
            for (int q = 0; q < 4; q++) {
                a = a + g[q].s01234567; b = fma(g[q].s01234567, e[q].s01234567, b);
                a = a + g[q].s89abcdef; b = fma(g[q].s89abcdef, e[q].s89abcdef, b);
            }
        }
        vstore8(0.0f + a, 0, part + g0 * np);
        vstore8(0.0f + b, 0, part + (groups + g0) * np);
    } else if (lag == 0 && np == 4) {
        float4 a = (float4)(0.0f), b = (float4)(0.0f);
        for (long i0 = e0; i0 < e1; i0 += RP_BLOCK) {
            RP_SHORT_RUN();
            #pragma unroll
            for (int q = 0; q < 4; q++) {
                a = a + g[q].s0123; b = fma(g[q].s0123, e[q].s0123, b);
                a = a + g[q].s4567; b = fma(g[q].s4567, e[q].s4567, b);
                a = a + g[q].s89ab; b = fma(g[q].s89ab, e[q].s89ab, b);
                a = a + g[q].scdef; b = fma(g[q].scdef, e[q].scdef, b);
            }
        }
        vstore4(0.0f + a, 0, part + g0 * np);
        vstore4(0.0f + b, 0, part + (groups + g0) * np);
    } else if (np <= 2) {                      /* at any phase: one generator call per run */
        float16 u[4];
        if (lag != 0 && !read_eps) {
            rp_eps_blocks(first_block + (ulong)(e0 >> 2), k0, k1, s0, s1, u);
        }
        for (long gb = g0; gb < min(groups, g0 + per); gb++) {   /* consecutive blocks: the runs continue */
            const long b0 = RP_BLOCK * gb * np;
            const long b1 = min(nrows, RP_BLOCK * (gb + 1)) * np;
            if (np == 2) {
                float2 a = (float2)(0.0f), b = (float2)(0.0f);
                for (long i0 = b0; i0 < b1; i0 += RP_BLOCK) {
                    RP_SHORT_RUN_SHIFTED();
                    #pragma unroll
                    for (int q = 0; q < 4; q++) {
                        a = a + g[q].s01; b = fma(g[q].s01, e[q].s01, b);
                        a = a + g[q].s23; b = fma(g[q].s23, e[q].s23, b);
                        a = a + g[q].s45; b = fma(g[q].s45, e[q].s45, b);
                        a = a + g[q].s67; b = fma(g[q].s67, e[q].s67, b);
                        a = a + g[q].s89; b = fma(g[q].s89, e[q].s89, b);
                        a = a + g[q].sab; b = fma(g[q].sab, e[q].sab, b);
                        a = a + g[q].scd; b = fma(g[q].scd, e[q].scd, b);
                        a = a + g[q].sef; b = fma(g[q].sef, e[q].sef, b);
                    }
                }
                vstore2(0.0f + a, 0, part + gb * np);
                vstore2(0.0f + b, 0, part + (groups + gb) * np);
            } else {
                float a = (float)(0.0f), b = (float)(0.0f);
                for (long i0 = b0; i0 < b1; i0 += RP_BLOCK) {
                    RP_SHORT_RUN_SHIFTED();
                    #pragma unroll
                    for (int q = 0; q < 4; q++) {
                        a = a + g[q].s0; b = fma(g[q].s0, e[q].s0, b);
                        a = a + g[q].s1; b = fma(g[q].s1, e[q].s1, b);
                        a = a + g[q].s2; b = fma(g[q].s2, e[q].s2, b);
                        a = a + g[q].s3; b = fma(g[q].s3, e[q].s3, b);
                        a = a + g[q].s4; b = fma(g[q].s4, e[q].s4, b);
                        a = a + g[q].s5; b = fma(g[q].s5, e[q].s5, b);
                        a = a + g[q].s6; b = fma(g[q].s6, e[q].s6, b);
                        a = a + g[q].s7; b = fma(g[q].s7, e[q].s7, b);
                        a = a + g[q].s8; b = fma(g[q].s8, e[q].s8, b);
                        a = a + g[q].s9; b = fma(g[q].s9, e[q].s9, b);
                        a = a + g[q].sa; b = fma(g[q].sa, e[q].sa, b);
                        a = a + g[q].sb; b = fma(g[q].sb, e[q].sb, b);
                        a = a + g[q].sc; b = fma(g[q].sc, e[q].sc, b);
                        a = a + g[q].sd; b = fma(g[q].sd, e[q].sd, b);
                        a = a + g[q].se; b = fma(g[q].se, e[q].se, b);
                        a = a + g[q].sf; b = fma(g[q].sf, e[q].sf, b);
                    }
                }
                part[gb * np] = 0.0f + a;
                part[(groups + gb) * np] = 0.0f + b;
            }
        }
    } else {
        /* Any other np below 64, or generated eps at a phase: rows straddle the runs. gz (and
         * stored eps) are read row by row from global memory; generated eps are staged in private
         * memory, the last two runs at te[0, 128) (the older first). A row is added in the iteration after the run that
         * completes it, once that run has been staged at the end of the previous iteration: its
         * loads then come a whole generator after the stores they read (a load from a store just
         * before it, across two stores, waits for them to reach the cache). nq float16 per row
         * and sum; lanes from np on add whatever follows the row (or zero padding) and are never
         * stored. */
        float te[144];
        for (int j = 128; j < 144; j++) {
            te[j] = 0.0f;
        }
        const int nq = (int)((np + 15) >> 4);
        float16 a[4] = {0.0f, 0.0f, 0.0f, 0.0f};
        float16 b[4] = {0.0f, 0.0f, 0.0f, 0.0f};
        long next = e0;                                  /* the first element of the next row to add */
        for (long i0 = e0; i0 < e1 + lag + RP_BLOCK; i0 += RP_BLOCK) {
            float16 e[4];
            if (!read_eps && i0 - lag < e1) {         /* elements i0 - lag .. i0 - lag + 63 */
                rp_eps_blocks(first_block + (ulong)(i0 >> 2), k0, k1, s0, s1, e);
            }
            /* the rows that end by i0 - lag; staged runs from i0 - lag - 128 to i0 - lag - 1 */
            for (const long end = min(i0 - lag, e1); next + np <= end; next += np) {
                const int at = (int)(next - (i0 - lag)) + 2 * RP_BLOCK;       /* in [1, 128 - np] */
                #pragma unroll
                for (int q = 0; q < 4; q++) {
                    if (q < nq) {
                        const float16 gv = rp_row16(gz, next + 16 * q, n);
                        const float16 ev = read_eps ? rp_row16(eps, next + 16 * q, n) : vload16(0, te + at + 16 * q);
                        a[q] = a[q] + gv;
                        b[q] = fma(gv, ev, b[q]);
                    }
                }
            }
            if (!read_eps) {
                #pragma unroll
                for (int q = 0; q < 4; q++) {
                    vstore16(vload16(4 + q, te), q, te);
                    vstore16(e[q], 4 + q, te);
                }
            }
        }
        #pragma unroll
        for (int q = 0; q < 4; q++) {
            vstore16(0.0f + a[q], q, te);
            vstore16(0.0f + b[q], 4 + q, te);
        }
        for (int j = 0; j < np; j++) {
            part[g0 * np + j] = te[j];
            part[(groups + g0) * np + j] = te[64 + j];
        }
    }
}
#undef RP_SHORT_RUN
#undef RP_SHORT_RUN_SHIFTED

/*
 * The backward pass with one row per parameter element (K = 1, no broadcast rows), elementwise,
 * in the forward pass's layout: work-item g owns parameter elements p = 64 g - phase + (0 .. 63)
 * in [0, np), whose eps are the 16 whole Philox blocks first_block + 16 g + (0 .. 15). The same
 * operations as reparam_backward's direct mode with one row (block sums from +0.0f, totals from
 * +0.0f), hence the same bits.
 */
__kernel void reparam_backward_elementwise(__global const float *mu, __global const float *rho,
                                           __global const float *gz, __global const float *eps,
                                           __global const float *gkl, __global const float *slq,
                                           __global float *gmu, __global float *grho,
                                           long np, long dim, ulong first_block, uint phase,
                                           uint k0, uint k1, uint s0, uint s1, int param, int flags, int nt)
{
    const ulong g = get_global_id(0);
    const long p0 = (long)(64 * g) - (long)phase;
    if (p0 >= np) {
        return;
    }
    const int read_eps = flags & RP_READ_EPS;
    rp_backward_prefetch(gz, eps, rho, gmu, grho, p0, np, read_eps, param != RP_SIGMA, nt);
    if (!(flags & (RP_KL | RP_LOGQ)) && p0 >= 0 && p0 + 64 <= np) {
        /* The common case on its own: no KL, no log q, a whole run (eps recomputed or, in STORE
         * mode, read; accumulation or not); rp_backward_finish's steps for it, in its order, on
         * arrays of its own indexed by constants only (see the note at the top). */
        float16 hg[4], he[4], hm[4], hs[4];
        rp_load(gz, p0, hg);
        if (read_eps) {
            rp_load(eps, p0, he);
        } else {
            rp_eps_blocks(first_block + 16 * g, k0, k1, s0, s1, he);
        }
        rp_one_row(hg, he, hm, hs);
        if (param != RP_SIGMA) {                 /* rp_chain_dsigma, one call per vector */
            float16 hr[4];
            rp_load(rho, p0, hr);
            hs[0] = hs[0] * rp_dsigma_call(param, hr[0]);
            hs[1] = hs[1] * rp_dsigma_call(param, hr[1]);
            hs[2] = hs[2] * rp_dsigma_call(param, hr[2]);
            hs[3] = hs[3] * rp_dsigma_call(param, hr[3]);
        }
        if (flags & RP_ACCUMULATE) {
            float16 ho[4];
            rp_load(gmu, p0, ho);
            hm[0] = ho[0] + hm[0]; hm[1] = ho[1] + hm[1]; hm[2] = ho[2] + hm[2]; hm[3] = ho[3] + hm[3];
            rp_load(grho, p0, ho);
            hs[0] = ho[0] + hs[0]; hs[1] = ho[1] + hs[1]; hs[2] = ho[2] + hs[2]; hs[3] = ho[3] + hs[3];
        }
        rp_store(gmu, p0, hm, nt);
        rp_store(grho, p0, hs, nt);
        return;
    }
    float16 gv[4], e[4], tmu[4], tsig[4];
    rp_read(gz, p0, 0, np, 0.0f, gv);
    if (read_eps) {
        rp_read(eps, p0, 0, np, 0.0f, e);
    } else {
        rp_eps_blocks(first_block + 16 * g, k0, k1, s0, s1, e);
    }
    rp_one_row(gv, e, tmu, tsig);
    rp_backward_finish(mu, rho, gkl, slq, gmu, grho, np, dim, p0, param, flags, nt, tmu, tsig);
}

/*
 * The backward roofs' end of a whole run (64 parameter elements from p0): b = b * rho where the
 * pass reads rho, then gmu = m and grho = b; constant indices only (see the note at the top).
 */
RP_INLINE void rp_roof_finish(__global const float *rho, __global float *gmu, __global float *grho, long p0,
                              int read_rho, int nt, const float16 *m, float16 *b)
{
    if (read_rho) {
        float16 rr[4];
        rp_load(rho, p0, rr);
        #pragma unroll
        for (int q = 0; q < 4; q++) {
            b[q] = b[q] * rr[q];
        }
    }
    rp_store(gmu, p0, m, nt);
    rp_store(grho, p0, b, nt);
}

/*
 * Roof of reparam_forward: the same work-items, loads and stores (mu, rho in; z out, and eps out
 * when store_eps, as the STORE forward pass writes it; streaming stores when nt), no generator and
 * sigma = rho: z = fma(rho, c, mu) with c a cheap function of the index, stored as eps. With
 * prefetch, the pass's prefetch of its inputs RP_PREFETCH_AHEAD elements ahead (the host asks for
 * it where it makes the roof faster: ClReparam.roofPrefetch).
 */
__kernel void reparam_forward_roof(__global const float *mu, __global const float *rho, __global float *z,
                                   __global float *eps, long n, long np, uint phase, int store_eps, int nt,
                                   int prefetch)
{
    const ulong g = get_global_id(0);
    const long i0 = (long)(64 * g) - (long)phase;
    if (i0 >= n) {
        return;
    }
    const float16 c = (float16)((float)(g & 15) * 0.0625f) + (float16)(0.0f, 1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f, 7.0f,
                                                                        8.0f, 9.0f, 10.0f, 11.0f, 12.0f, 13.0f, 14.0f, 15.0f);
    const long p0 = rp_param_index(i0, np);
    if (prefetch) {                               /* as reparam_forward does */
        rp_forward_prefetch(mu, rho, z, eps, i0, n, p0, np, store_eps, nt);
    }
    if (i0 >= 0 && i0 + 64 <= n && p0 + 64 <= np) {
        float16 m[4], r[4], e[4];
        rp_load(mu, p0, m);
        rp_load(rho, p0, r);
        #pragma unroll
        for (int q = 0; q < 4; q++) {
            e[q] = c + (float)q;
            m[q] = fma(r[q], e[q], m[q]);
        }
        rp_store(z, i0, m, nt);
        if (store_eps) {
            rp_store(eps, i0, e, nt);
        }
        return;
    }
    long p = p0;
    for (int j = 0; j < 64; j++) {
        const long i = i0 + j;
        if (i >= 0 && i < n) {
            z[i] = fma(rho[p], c.s0, mu[p]);
            if (store_eps) {
                eps[i] = c.s0;
            }
            if (++p == np) {
                p = 0;
            }
        }
    }
}

/*
 * Roof of reparam_backward (direct mode, no KL or log q): the same work-items, loads and stores
 * (gz per row, and eps per row when read_eps, as the STORE pass reads it; rho once when
 * read_rho, as the pass reads it for every parameterization but sigma; gmu and grho out,
 * streaming when nt), no generator: in RECOMPUTE mode eps is replaced by a constant; the pass's
 * prefetch of the next work-item's run when prefetch (ClReparam.roofPrefetch).
 */
__kernel void reparam_backward_roof(__global const float *rho, __global const float *gz, __global const float *eps,
                                    __global float *gmu, __global float *grho, long np, long nrows, long shift,
                                    long nchunks, int read_eps, int read_rho, int nt, int prefetch)
{
    const long c = get_global_id(0);
    if (c >= nchunks) {
        return;
    }
    const long p0 = RP_BLOCK * c - shift;
    const int full = p0 >= 0 && p0 + RP_BLOCK <= np;
    const int ahead = prefetch && p0 >= 0 && p0 + 2 * RP_BLOCK <= np;
    const float16 e = (float16)((float)(c & 15) * 0.0625f);
    if (full) {                                   /* whole runs, with arrays of their own as the pass has */
        float16 ha[4] = {0.0f, 0.0f, 0.0f, 0.0f};
        float16 hb[4] = {0.0f, 0.0f, 0.0f, 0.0f};
        for (long r = 0; r < nrows; r++) {
            const long base = r * np + p0;
            float16 gv[4];
            if (ahead) {
                rp_prefetch64(gz + base + RP_BLOCK);
                if (read_eps) {
                    rp_prefetch64(eps + base + RP_BLOCK);
                }
            }
            rp_load(gz, base, gv);
            if (read_eps) {
                float16 ev[4];
                rp_load(eps, base, ev);
                #pragma unroll
                for (int q = 0; q < 4; q++) {
                    ha[q] = ha[q] + gv[q];
                    hb[q] = fma(gv[q], ev[q], hb[q]);
                }
            } else {
                #pragma unroll
                for (int q = 0; q < 4; q++) {
                    ha[q] = ha[q] + gv[q];
                    hb[q] = fma(gv[q], e, hb[q]);
                }
            }
        }
        rp_roof_finish(rho, gmu, grho, p0, read_rho, nt, ha, hb);
        return;
    }
    float16 a[4] = {0.0f, 0.0f, 0.0f, 0.0f};     /* a partial run (the ends of the parameters): gathered */
    float16 b[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (long r = 0; r < nrows; r++) {
        const long base = r * np + p0;
        float16 gv[4], ev[4] = {e, e, e, e};
        rp_gather(gz, base, r * np, r * np + np, 0.0f, gv);
        if (read_eps) {
            rp_gather(eps, base, r * np, r * np + np, 0.0f, ev);
        }
        for (int q = 0; q < 4; q++) {
            a[q] = a[q] + gv[q];
            b[q] = fma(gv[q], ev[q], b[q]);
        }
    }
    if (read_rho) {
        float16 rr[4];
        rp_read(rho, p0, 0, np, 0.0f, rr);
        for (int q = 0; q < 4; q++) {
            b[q] = b[q] * rr[q];
        }
    }
    rp_write(gmu, p0, 0, np, a, nt);
    rp_write(grho, p0, 0, np, b, nt);
}

/*
 * Roof of reparam_backward_elementwise (no KL or log q): the same work-items, loads and stores
 * (gz in; eps in when read_eps, as the STORE pass reads it; rho in when read_rho; gmu and grho
 * out, streaming when nt), no generator (in RECOMPUTE mode a constant in place of eps); the
 * pass's prefetch when prefetch (ClReparam.roofPrefetch).
 */
__kernel void reparam_backward_elementwise_roof(__global const float *rho, __global const float *gz,
                                                __global const float *eps, __global float *gmu,
                                                __global float *grho, long np, uint phase, int read_eps,
                                                int read_rho, int nt, int prefetch)
{
    const ulong g = get_global_id(0);
    const long p0 = (long)(64 * g) - (long)phase;
    if (p0 >= np) {
        return;
    }
    const float16 e = (float16)((float)(g & 15) * 0.0625f);
    if (prefetch) {                               /* as reparam_backward_elementwise does */
        rp_backward_prefetch(gz, eps, rho, gmu, grho, p0, np, read_eps, read_rho, nt);
    }
    if (p0 >= 0 && p0 + 64 <= np) {              /* a whole run, with arrays of its own as the pass has */
        float16 hg[4], hb[4];
        rp_load(gz, p0, hg);
        /* Two loops, not hb preset to e and overwritten by the load: that form put hb in a
         * context array (PoCL, 2026-12-06 disassembly) and slowed the RECOMPUTE roof. */
        if (read_eps) {
            rp_load(eps, p0, hb);
            #pragma unroll
            for (int q = 0; q < 4; q++) {
                hb[q] = hg[q] * hb[q];
            }
        } else {
            #pragma unroll
            for (int q = 0; q < 4; q++) {
                hb[q] = hg[q] * e;
            }
        }
        rp_roof_finish(rho, gmu, grho, p0, read_rho, nt, hg, hb);
        return;
    }
    float16 gv[4], b[4] = {e, e, e, e};
    rp_read(gz, p0, 0, np, 0.0f, gv);
    if (read_eps) {
        rp_read(eps, p0, 0, np, 0.0f, b);
    }
    for (int q = 0; q < 4; q++) {
        b[q] = gv[q] * b[q];
    }
    if (read_rho) {
        float16 rr[4];
        rp_read(rho, p0, 0, np, 0.0f, rr);
        for (int q = 0; q < 4; q++) {
            b[q] = b[q] * rr[q];
        }
    }
    rp_write(gmu, p0, 0, np, gv, nt);
    rp_write(grho, p0, 0, np, b, nt);
}
