package org.reparamcl.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.reparamcl.cpu.AffineProduct.Init;

/** AffineProduct's 4 x 4 blocked loops against the element-by-element definition of its class comment, bit for bit. */
class AffineProductTest {

    /** The definition: every c[i, j] from its start value, fma over p in order. */
    static void definition(float[] a, int aSi, int aSp, float[] b, int bSp, int bSj, float[] bias, Init init,
                           float[] c, int m, int n, int p) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float acc = init == Init.ZERO ? 0.0f : init == Init.BIAS ? bias[j] : c[i * n + j];
                for (int q = 0; q < p; q++) {
                    acc = Math.fma(a[i * aSi + q * aSp], b[q * bSp + j * bSj], acc);
                }
                c[i * n + j] = acc;
            }
        }
    }

    /**
     * Random shapes (1 to 150, so odd sizes occur; p = 0 and p = 1 too), the three stride patterns the head
     * uses, every init, and row ranges split at a random row: the same bits as the definition.
     */
    @Test
    void blockedLoopsEqualTheDefinition() {
        final SplittableRandom rnd = new SplittableRandom(0xA77);
        for (int trial = 0; trial < 60; trial++) {
            final int m = 1 + rnd.nextInt(150);
            final int n = 1 + rnd.nextInt(150);
            final int p = trial % 10 == 0 ? 1 : trial % 10 == 5 ? 0 : 1 + rnd.nextInt(150);
            final Init init = Init.values()[trial % 3];
            final int pattern = (trial / 3) % 3;
            final ProductCase pc = ProductCase.random(rnd, m, n, p, init, pattern);
            final float[] expected = pc.c0().clone();
            definition(pc.a(), pc.aSi(), pc.aSp(), pc.b(), pc.bSp(), pc.bSj(), pc.bias(), init, expected, m, n, p);
            final float[] actual = pc.c0().clone();
            final int split = rnd.nextInt(m + 1);
            AffineProduct.multiplyRows(pc.a(), pc.aSi(), pc.aSp(), pc.b(), pc.bSp(), pc.bSj(), pc.bias(), init, actual, n, p,
                    0, split);
            AffineProduct.multiplyRows(pc.a(), pc.aSi(), pc.aSp(), pc.b(), pc.bSp(), pc.bSj(), pc.bias(), init, actual, n, p,
                    split, m);
            for (int k = 0; k < expected.length; k++) {
                assertEquals(Float.floatToRawIntBits(expected[k]), Float.floatToRawIntBits(actual[k]),
                        pc + " element " + k);
            }
        }
    }
}
