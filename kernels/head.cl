/*
 * The affine part of the conditional Gaussian head: strided float32 matrix products with one
 * fixed summation order, tiled through local memory.
 *
 * Java twin: org.reparamcl.cpu.AffineProduct, the readable definition. Every output element is
 *
 *     acc = init(i, j)                      bias[j], 0, or c[i, j] (see HEAD_INIT_*)
 *     for p = 0 .. P-1:  acc = fma(A(i, p), B(p, j), acc)
 *     c[i, j] = acc
 *
 * with A(i, p) = a[i * a_si + p * a_sp] and B(p, j) = b[p * b_sp + j * b_sj]; c is row-major
 * (M, N). The strides give x W, x^T G and G W^T from the same kernel. Tiles only stage operands
 * and each work-item keeps several accumulators side by side; the loop over p stops at P (no
 * padded terms), so the result does not depend on the tile sizes.
 */
#pragma OPENCL FP_CONTRACT OFF

/*
 * A work-group of HEAD_WG x HEAD_WG work-items computes a HEAD_TILE x HEAD_TILE block of c, each
 * work-item a HEAD_MICRO x HEAD_MICRO sub-block (HEAD_MICRO rows, HEAD_MICRO consecutive columns as
 * one float4): 16 independent accumulators per work-item, each still summed over p in order.
 * Operands pass through local memory in slices of HEAD_KSLICE inner indices.
 */
#ifndef HEAD_WG                /* -DHEAD_WG=4: 4 x 4 work-groups for devices that allow fewer than 256 work-items */
#define HEAD_WG     16          /* (ClAffineProduct reads the size back from the kernel; DriverCheck uses it) */
#endif
#define HEAD_MICRO  4
#define HEAD_TILE   (HEAD_WG * HEAD_MICRO)
#define HEAD_KSLICE 16

#define HEAD_INIT_ZERO       0
#define HEAD_INIT_BIAS       1
#define HEAD_INIT_ACCUMULATE 2

/*
 * What one launch of head_matmul or head_matmul_blocked computes (the argument mode):
 *   HEAD_MODE_ONE    c = init + A B (a2, b2, bias2, c2 unused);
 *   HEAD_MODE_PAIR   two products of the same shape, strides and init, selected by dimension 2
 *                    of the launch: c = init + A B, and c2 = init2 + A2 B2 (A2 from a2, bias2);
 *   HEAD_MODE_CHAIN  c = init + A B + A2 B2, the second product's terms added after the first's
 *                    to the same accumulator: the bits of c = init + A B followed by
 *                    c = ACCUMULATE + A2 B2, in one launch.
 * A launch costs about 10 us on PoCL, so the head pairs its mu and rho products, and chains dL/dx.
 */
#define HEAD_MODE_ONE   0
#define HEAD_MODE_PAIR  1
#define HEAD_MODE_CHAIN 2

/* Start value of the accumulator of c[i, j] (0 outside c: those lanes are never stored). */
static inline float head_init(__global const float *bias, __global const float *c, int init,
                              int i, int j, int m, int n)
{
    if (i >= m || j >= n) {
        return 0.0f;
    }
    if (init == HEAD_INIT_BIAS) {
        return bias[j];
    }
    if (init == HEAD_INIT_ACCUMULATE) {
        return c[(long)i * n + j];
    }
    return 0.0f;
}

static inline float4 head_init4(__global const float *bias, __global const float *c, int init,
                                int i, int j, int m, int n)
{
    return (float4)(head_init(bias, c, init, i, j, m, n), head_init(bias, c, init, i, j + 1, m, n),
                    head_init(bias, c, init, i, j + 2, m, n), head_init(bias, c, init, i, j + 3, m, n));
}

static inline void head_store4(__global float *c, float4 v, int i, int j, int m, int n)
{
    if (i >= m) {
        return;
    }
    __global float *row = c + (long)i * n;
    if (j < n) row[j] = v.x;
    if (j + 1 < n) row[j + 1] = v.y;
    if (j + 2 < n) row[j + 2] = v.z;
    if (j + 3 < n) row[j + 3] = v.w;
}

/* Work-groups of HEAD_WG x HEAD_WG; dimension 0 runs over column blocks, dimension 1 over row blocks, 2 over the products of a pair. */
__kernel __attribute__((reqd_work_group_size(HEAD_WG, HEAD_WG, 1)))
void head_matmul(__global const float *a, int a_si, int a_sp,
                 __global const float *b, int b_sp, int b_sj,
                 __global const float *bias, int init,
                 __global float *c, int m, int n, int p,
                 __global const float *a2, __global const float *b2,
                 __global const float *bias2, __global float *c2, int mode)
{
    __local float at[HEAD_KSLICE][HEAD_TILE];     /* at[q][r] = A(i0 + r, t + q) */
    __local float bt[HEAD_KSLICE][HEAD_TILE];     /* bt[q][s] = B(t + q, j0 + s) */
    if (mode == HEAD_MODE_PAIR && get_global_id(2) == 1) {
        a = a2;
        b = b2;
        bias = bias2;
        c = c2;
    }
    const int lj = get_local_id(0);
    const int li = get_local_id(1);
    const int lid = li * HEAD_WG + lj;
    const int i0 = get_group_id(1) * HEAD_TILE;
    const int j0 = get_group_id(0) * HEAD_TILE;
    const int r0 = li * HEAD_MICRO;
    const int s0 = lj * HEAD_MICRO;

    float4 acc0 = head_init4(bias, c, init, i0 + r0, j0 + s0, m, n);
    float4 acc1 = head_init4(bias, c, init, i0 + r0 + 1, j0 + s0, m, n);
    float4 acc2 = head_init4(bias, c, init, i0 + r0 + 2, j0 + s0, m, n);
    float4 acc3 = head_init4(bias, c, init, i0 + r0 + 3, j0 + s0, m, n);

    for (int part = 0; part < (mode == HEAD_MODE_CHAIN ? 2 : 1); part++) {
    if (part == 1) {
        a = a2;
        b = b2;
    }
    for (int t = 0; t < p; t += HEAD_KSLICE) {
        for (int e = lid; e < HEAD_KSLICE * HEAD_TILE; e += HEAD_WG * HEAD_WG) {
            const int r = e / HEAD_KSLICE;
            const int q = e % HEAD_KSLICE;
            const int ai = i0 + r;
            const int ap = t + q;
            at[q][r] = (ai < m && ap < p) ? a[(long)ai * a_si + (long)ap * a_sp] : 0.0f;
            const int bq = e / HEAD_TILE;
            const int bs = e % HEAD_TILE;
            const int bp = t + bq;
            const int bj = j0 + bs;
            bt[bq][bs] = (bp < p && bj < n) ? b[(long)bp * b_sp + (long)bj * b_sj] : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        const int len = min(HEAD_KSLICE, p - t);
        for (int q = 0; q < len; q++) {
            const float4 bv = vload4(0, &bt[q][s0]);
            acc0 = fma((float4)(at[q][r0]), bv, acc0);
            acc1 = fma((float4)(at[q][r0 + 1]), bv, acc1);
            acc2 = fma((float4)(at[q][r0 + 2]), bv, acc2);
            acc3 = fma((float4)(at[q][r0 + 3]), bv, acc3);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    }
    head_store4(c, acc0, i0 + r0, j0 + s0, m, n);
    head_store4(c, acc1, i0 + r0 + 1, j0 + s0, m, n);
    head_store4(c, acc2, i0 + r0 + 2, j0 + s0, m, n);
    head_store4(c, acc3, i0 + r0 + 3, j0 + s0, m, n);
}

/*
 * head_matmul for CPU devices: no local memory and no barriers. Work-item (jb, ib) computes the
 * HB_ROWS x 16 block of c at rows i0 = HB_ROWS ib, columns j0 = 16 jb, one float16 accumulator per
 * row; for each p in order it loads B(p, j0 .. j0 + 15) once and adds A(i, p) times it to every
 * row: acc = fma(A(i, p), B(p, j), acc), the same operations in the same order as head_matmul and
 * AffineProduct. PoCL runs each work-item's float16 code as AVX-512 without the work-item loop
 * vectorizer (which head_matmul's barriers and float4 code defeat): on the 2-vCPU AMD EPYC,
 * 2026-12-07, x W at 4096 x 64 x 64 took 0.25 ms against head_matmul's 1.8 ms
 * (docs/PERFORMANCE.md, "The conditional head"). B's rows must be contiguous (b_sj = 1) for whole
 * blocks; the host transposes B first otherwise (head_transpose). Columns past n (the last block)
 * are gathered and never stored; rows past m repeat row m - 1 and are never stored.
 */
#define HB_ROWS 8

/* Start value of row i's accumulator over columns j0 .. j0 + 15 (lanes past n: 0, never stored). */
static inline float16 hb_init(__global const float *bias, __global const float *c, int init,
                              int i, int j0, int m, int n)
{
    if (init == HEAD_INIT_ZERO || i >= m) {
        return (float16)(0.0f);
    }
    if (j0 + 16 <= n) {
        return init == HEAD_INIT_BIAS ? vload16(0, bias + j0) : vload16(0, c + (long)i * n + j0);
    }
    float t[16];
    for (int l = 0; l < 16; l++) {
        t[l] = head_init(bias, c, init, i, j0 + l, m, n);
    }
    return vload16(0, t);
}

static inline void hb_store(__global float *c, float16 v, int i, int j0, int m, int n)
{
    if (i >= m) {
        return;
    }
    if (j0 + 16 <= n) {
        vstore16(v, 0, c + (long)i * n + j0);
        return;
    }
    float t[16];
    vstore16(v, 0, t);
    for (int l = 0; j0 + l < n; l++) {
        c[(long)i * n + j0 + l] = t[l];
    }
}

#define HB_ROW_PTR(k) const __global float *a##k = a + (long)min(i0 + (k), m - 1) * a_si
#define HB_FMA(k)     acc##k = fma((float16)(a##k[ao]), bv, acc##k)
#define HB_FMA_ALL    do { HB_FMA(0); HB_FMA(1); HB_FMA(2); HB_FMA(3); \
                           HB_FMA(4); HB_FMA(5); HB_FMA(6); HB_FMA(7); } while (0)

/*
 * Dimension 0 runs over column blocks of 16, dimension 1 over row blocks of HB_ROWS, 2 over the
 * products of a pair (HEAD_MODE_*); any work-group size (ClAffineProduct uses 1 x 1 x 1).
 */
__kernel void head_matmul_blocked(__global const float *a, int a_si, int a_sp,
                                  __global const float *b, int b_sp, int b_sj,
                                  __global const float *bias, int init,
                                  __global float *c, int m, int n, int p,
                                  __global const float *a2, __global const float *b2,
                                  __global const float *bias2, __global float *c2, int mode)
{
    const int j0 = (int)get_global_id(0) * 16;
    const int i0 = (int)get_global_id(1) * HB_ROWS;
    if (j0 >= n || i0 >= m) {
        return;
    }
    if (mode == HEAD_MODE_PAIR && get_global_id(2) == 1) {
        a = a2;
        b = b2;
        bias = bias2;
        c = c2;
    }
    float16 acc0 = hb_init(bias, c, init, i0, j0, m, n);
    float16 acc1 = hb_init(bias, c, init, i0 + 1, j0, m, n);
    float16 acc2 = hb_init(bias, c, init, i0 + 2, j0, m, n);
    float16 acc3 = hb_init(bias, c, init, i0 + 3, j0, m, n);
    float16 acc4 = hb_init(bias, c, init, i0 + 4, j0, m, n);
    float16 acc5 = hb_init(bias, c, init, i0 + 5, j0, m, n);
    float16 acc6 = hb_init(bias, c, init, i0 + 6, j0, m, n);
    float16 acc7 = hb_init(bias, c, init, i0 + 7, j0, m, n);
    for (int part = 0; part < (mode == HEAD_MODE_CHAIN ? 2 : 1); part++) {
    if (part == 1) {
        a = a2;
        b = b2;
    }
    HB_ROW_PTR(0); HB_ROW_PTR(1); HB_ROW_PTR(2); HB_ROW_PTR(3);
    HB_ROW_PTR(4); HB_ROW_PTR(5); HB_ROW_PTR(6); HB_ROW_PTR(7);
    if (j0 + 16 <= n && b_sj == 1) {
        const __global float *brow = b + j0;
        for (int t = 0; t < p; t++) {
            const float16 bv = vload16(0, brow + (long)t * b_sp);
            const long ao = (long)t * a_sp;
            HB_FMA_ALL;
        }
    } else {
        const int lanes = min(16, n - j0);
        for (int t = 0; t < p; t++) {
            float bt[16];
            for (int l = 0; l < 16; l++) {
                bt[l] = l < lanes ? b[(long)t * b_sp + (long)(j0 + l) * b_sj] : 0.0f;
            }
            const float16 bv = vload16(0, bt);
            const long ao = (long)t * a_sp;
            HB_FMA_ALL;
        }
    }
    }
    hb_store(c, acc0, i0, j0, m, n);
    hb_store(c, acc1, i0 + 1, j0, m, n);
    hb_store(c, acc2, i0 + 2, j0, m, n);
    hb_store(c, acc3, i0 + 3, j0, m, n);
    hb_store(c, acc4, i0 + 4, j0, m, n);
    hb_store(c, acc5, i0 + 5, j0, m, n);
    hb_store(c, acc6, i0 + 6, j0, m, n);
    hb_store(c, acc7, i0 + 7, j0, m, n);
}

/* out[t * n + j] = b[t * b_sp + j * b_sj] for t < p, j < n: B(p, j) with contiguous rows. Dimension 0 over j, 1 over t. */
__kernel void head_transpose(__global const float *b, int b_sp, int b_sj, __global float *out, int n, int p)
{
    const int j = (int)get_global_id(0);
    const int t = (int)get_global_id(1);
    if (j < n && t < p) {
        out[(long)t * n + j] = b[(long)t * b_sp + (long)j * b_sj];
    }
}

/*
 * out[j] = sum over i = 0 .. m-1 of a[i * n + j], added in order of i from 0.0f (and, with
 * dimension 1 of size 2, out2 from a2 of the same shape in the same launch). Work-item g sums
 * columns 16 g .. 16 g + 15 as one float16 (each lane its own column, rows in order), the last
 * partial group column by column. One work-item per column, summing down a stride of n, took
 * 1.08 ms at 4096 x 256 on PoCL (AMD EPYC, 2026-12-07; docs/PERFORMANCE.md, "The conditional head").
 */
__kernel void head_column_sum(__global const float *a, int m, int n, __global float *out,
                              __global const float *a2, __global float *out2)
{
    const int j0 = (int)get_global_id(0) * 16;
    if (j0 >= n) {
        return;
    }
    if (get_global_id(1) == 1) {   /* the second of a pair (launches of one use dimension 1 of size 1) */
        a = a2;
        out = out2;
    }
    if (j0 + 16 <= n) {
        float16 acc = (float16)(0.0f);
        for (int i = 0; i < m; i++) {
            acc = acc + vload16(0, a + (long)i * n + j0);
        }
        vstore16(acc, 0, out + j0);
        return;
    }
    for (int j = j0; j < n; j++) {
        float acc = 0.0f;
        for (int i = 0; i < m; i++) {
            acc = acc + a[(long)i * n + j];
        }
        out[j] = acc;
    }
}
