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
     */
    public static void multiplyRows(float[] a, int aSi, int aSp, float[] b, int bSp, int bSj, float[] bias, Init init,
                                    float[] c, int n, int p, int rowFrom, int rowTo) {
        for (int i = rowFrom; i < rowTo; i++) {
            final long ai = (long) i * aSi;
            final int ci = i * n;
            for (int j = 0; j < n; j++) {
                float acc = switch (init) {
                    case ZERO -> 0.0f;
                    case BIAS -> bias[j];
                    case ACCUMULATE -> c[ci + j];
                };
                final long bj = (long) j * bSj;
                for (int q = 0; q < p; q++) {
                    acc = Math.fma(a[(int) (ai + (long) q * aSp)], b[(int) ((long) q * bSp + bj)], acc);
                }
                c[ci + j] = acc;
            }
        }
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
