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
 * (M, N). The strides give x W, x^T G and G W^T from the same kernel. Tiles only stage operands;
 * the loop over p stops at P (no padded terms), so the result does not depend on the tile size.
 */
#pragma OPENCL FP_CONTRACT OFF

#define HEAD_TILE 16

#define HEAD_INIT_ZERO       0
#define HEAD_INIT_BIAS       1
#define HEAD_INIT_ACCUMULATE 2

/* One work-item per element of c; work-groups of HEAD_TILE x HEAD_TILE; dimension 0 runs over j. */
__kernel __attribute__((reqd_work_group_size(HEAD_TILE, HEAD_TILE, 1)))
void head_matmul(__global const float *a, int a_si, int a_sp,
                 __global const float *b, int b_sp, int b_sj,
                 __global const float *bias, int init,
                 __global float *c, int m, int n, int p)
{
    __local float at[HEAD_TILE][HEAD_TILE];
    __local float bt[HEAD_TILE][HEAD_TILE + 1];
    const int lj = get_local_id(0);
    const int li = get_local_id(1);
    const int i0 = get_group_id(1) * HEAD_TILE;
    const int j0 = get_group_id(0) * HEAD_TILE;
    const int i = i0 + li;
    const int j = j0 + lj;
    const bool inside = i < m && j < n;

    float acc = 0.0f;
    if (inside) {
        if (init == HEAD_INIT_BIAS) {
            acc = bias[j];
        } else if (init == HEAD_INIT_ACCUMULATE) {
            acc = c[(long)i * n + j];
        }
    }
    for (int t = 0; t < p; t += HEAD_TILE) {
        const int ap = t + lj;
        at[li][lj] = (i < m && ap < p) ? a[(long)i * a_si + (long)ap * a_sp] : 0.0f;
        const int bp = t + li;
        bt[li][lj] = (bp < p && j < n) ? b[(long)bp * b_sp + (long)j * b_sj] : 0.0f;
        barrier(CLK_LOCAL_MEM_FENCE);
        const int len = min(HEAD_TILE, p - t);
        for (int q = 0; q < len; q++) {
            acc = fma(at[li][q], bt[q][lj], acc);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (inside) {
        c[(long)i * n + j] = acc;
    }
}

/* out[j] = sum over i = 0 .. m-1 of a[i * n + j], added in order of i from 0.0f. */
__kernel void head_column_sum(__global const float *a, int m, int n, __global float *out)
{
    const int j = get_global_id(0);
    if (j >= n) {
        return;
    }
    float acc = 0.0f;
    for (int i = 0; i < m; i++) {
        acc = acc + a[(long)i * n + j];
    }
    out[j] = acc;
}
