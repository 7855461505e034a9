package org.reparamcl.cpu;

/**
 * Strided float32 matrix products and column sums with one fixed summation order: the readable
 * definition of the head's affine kernels ({@code kernels/head.cl}, {@code head_matmul} and
 * {@code head_column_sum}), which give the same bits.
 *
 * <p>{@code c[i, j] = init(i, j) + sum_p A(i, p) B(p, j)} accumulated as
 * {@code acc = fma(A(i, p), B(p, j), acc)} for {@code p = 0, 1, ..., P-1}, where
 * {@code A(i, p) = a[i * aSi + p * aSp]}, {@code B(p, j) = b[p * bSp + j * bSj]} and {@code c}
 * is row-major (M, N). The strides express {@code x W} (forward), {@code x^T G} (weight
 * gradient) and {@code G W^T} (input gradient) without copies.
 */
public final class AffineProduct {

    /** Where the accumulator of {@code c[i, j]} starts; the codes match {@code HEAD_INIT_*} in head.cl. */
    public enum Init {
        /** From 0.0f. */
        ZERO(0),
        /** From {@code bias[j]}. */
        BIAS(1),
        /** From the value already in {@code c[i, j]}: continues a sum over a longer inner dimension. */
        ACCUMULATE(2);

        private final int code;

        Init(int code) {
            this.code = code;
        }

        /** The code the kernel takes. */
        public int code() {
            return code;
        }
    }

    private AffineProduct() {
    }

    /**
     * Computes rows {@code [rowFrom, rowTo)} of {@code c} (M, N); see the class comment. {@code bias}
     * is read only for {@link Init#BIAS}. Rows are independent, so any split gives the same bits.
     *
     * <p>Blocks of 4 x 4 elements of c are held in 16 local accumulators while p runs in order,
     * so that each load of A or B feeds four fused multiply-adds; the elements of a partial block
     * at the bottom or right edge run one by one. Every element still sees the class comment's
     * operations in its order. One thread, 2-vCPU AMD EPYC, 2026-12-07, the head's three products
     * at B = 4096, Din = D = 64 and 256 (JMH HeadProductBenchmark): 7.3 to 10.7 GFLOP/s, against
     * 0.6 to 2.4 for one element at a time (docs/PERFORMANCE.md, "The conditional head").
     * {@code AffineProductTest} holds it to the element-by-element definition, bit for bit.
     */
    public static void multiplyRows(float[] a, int aSi, int aSp, float[] b, int bSp, int bSj, float[] bias, Init init,
                                    float[] c, int n, int p, int rowFrom, int rowTo) {
        final int rowEnd = rowFrom + (rowTo - rowFrom) / 4 * 4;
        final int colEnd = n / 4 * 4;
        for (int i = rowFrom; i < rowEnd; i += 4) {
            for (int j = 0; j < colEnd; j += 4) {
                block(a, aSi, aSp, b, bSp, bSj, bias, init, c, n, p, i, j);
            }
            for (int r = i; r < i + 4; r++) {
                for (int j = colEnd; j < n; j++) {
                    element(a, aSi, aSp, b, bSp, bSj, bias, init, c, n, p, r, j);
                }
            }
        }
        for (int r = rowEnd; r < rowTo; r++) {
            for (int j = 0; j < n; j++) {
                element(a, aSi, aSp, b, bSp, bSj, bias, init, c, n, p, r, j);
            }
        }
    }

    /** c[i, j] from its start value, fma over p in order: the class comment's definition. */
    private static void element(float[] a, int aSi, int aSp, float[] b, int bSp, int bSj, float[] bias, Init init,
                                float[] c, int n, int p, int i, int j) {
        float acc = start(init, bias, c, n, i, j);
        final long ai = (long) i * aSi;
        final long bj = (long) j * bSj;
        for (int q = 0; q < p; q++) {
            acc = Math.fma(a[(int) (ai + (long) q * aSp)], b[(int) ((long) q * bSp + bj)], acc);
        }
        c[i * n + j] = acc;
    }

    private static float start(Init init, float[] bias, float[] c, int n, int i, int j) {
        return switch (init) {
            case ZERO -> 0.0f;
            case BIAS -> bias[j];
            case ACCUMULATE -> c[i * n + j];
        };
    }

    /** c[i .. i+3, j .. j+3] as sixteen elements of {@link #element}, sharing the loads of A and B. */
    private static void block(float[] a, int aSi, int aSp, float[] b, int bSp, int bSj, float[] bias, Init init,
                              float[] c, int n, int p, int i, int j) {
        float c00 = start(init, bias, c, n, i, j);
        float c01 = start(init, bias, c, n, i, j + 1);
        float c02 = start(init, bias, c, n, i, j + 2);
        float c03 = start(init, bias, c, n, i, j + 3);
        float c10 = start(init, bias, c, n, i + 1, j);
        float c11 = start(init, bias, c, n, i + 1, j + 1);
        float c12 = start(init, bias, c, n, i + 1, j + 2);
        float c13 = start(init, bias, c, n, i + 1, j + 3);
        float c20 = start(init, bias, c, n, i + 2, j);
        float c21 = start(init, bias, c, n, i + 2, j + 1);
        float c22 = start(init, bias, c, n, i + 2, j + 2);
        float c23 = start(init, bias, c, n, i + 2, j + 3);
        float c30 = start(init, bias, c, n, i + 3, j);
        float c31 = start(init, bias, c, n, i + 3, j + 1);
        float c32 = start(init, bias, c, n, i + 3, j + 2);
        float c33 = start(init, bias, c, n, i + 3, j + 3);
        final long a0 = (long) i * aSi;
        final long a1 = a0 + aSi;
        final long a2 = a1 + aSi;
        final long a3 = a2 + aSi;
        final long bj = (long) j * bSj;
        for (int q = 0; q < p; q++) {
            final long ao = (long) q * aSp;
            final float x0 = a[(int) (a0 + ao)];
            final float x1 = a[(int) (a1 + ao)];
            final float x2 = a[(int) (a2 + ao)];
            final float x3 = a[(int) (a3 + ao)];
            final int bo = (int) ((long) q * bSp + bj);
            final float y0 = b[bo];
            final float y1 = b[bo + bSj];
            final float y2 = b[bo + 2 * bSj];
            final float y3 = b[bo + 3 * bSj];
            c00 = Math.fma(x0, y0, c00);
            c01 = Math.fma(x0, y1, c01);
            c02 = Math.fma(x0, y2, c02);
            c03 = Math.fma(x0, y3, c03);
            c10 = Math.fma(x1, y0, c10);
            c11 = Math.fma(x1, y1, c11);
            c12 = Math.fma(x1, y2, c12);
            c13 = Math.fma(x1, y3, c13);
            c20 = Math.fma(x2, y0, c20);
            c21 = Math.fma(x2, y1, c21);
            c22 = Math.fma(x2, y2, c22);
            c23 = Math.fma(x2, y3, c23);
            c30 = Math.fma(x3, y0, c30);
            c31 = Math.fma(x3, y1, c31);
            c32 = Math.fma(x3, y2, c32);
            c33 = Math.fma(x3, y3, c33);
        }
        int o = i * n + j;
        c[o] = c00;
        c[o + 1] = c01;
        c[o + 2] = c02;
        c[o + 3] = c03;
        o += n;
        c[o] = c10;
        c[o + 1] = c11;
        c[o + 2] = c12;
        c[o + 3] = c13;
        o += n;
        c[o] = c20;
        c[o + 1] = c21;
        c[o + 2] = c22;
        c[o + 3] = c23;
        o += n;
        c[o] = c30;
        c[o + 1] = c31;
        c[o + 2] = c32;
        c[o + 3] = c33;
    }

    /** Computes all M rows of {@code c}. */
    public static void multiply(float[] a, int aSi, int aSp, float[] b, int bSp, int bSj, float[] bias, Init init,
                                float[] c, int m, int n, int p) {
        multiplyRows(a, aSi, aSp, b, bSp, bSj, bias, init, c, n, p, 0, m);
    }

    /** {@code out[j] = sum_i a[i * n + j]} for {@code i = 0 .. m-1}, added in order from 0.0f. */
    public static void columnSum(float[] a, int m, int n, float[] out) {
        for (int j = 0; j < n; j++) {
            float acc = 0.0f;
            for (int i = 0; i < m; i++) {
                acc = acc + a[i * n + j];
            }
            out[j] = acc;
        }
    }
}
