package org.reparamcl.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ChebyshevFeaturesTest {

    /** T_n(cos t) = cos(n t). */
    @Test
    void featuresAreChebyshevPolynomials() {
        final ChebyshevFeatures f = ChebyshevFeatures.of(12, 2.0);
        final float[] x = new float[12];
        for (double t = 0; t <= Math.PI; t += 0.05) {
            f.write(2.0 * Math.cos(t), x, 0);
            for (int n = 1; n <= 12; n++) {
                assertEquals((float) Math.cos(n * t), x[n - 1], 2e-6f, "T_" + n + " at t=" + t);
            }
        }
    }

    @Test
    void matrixIsRowMajor() {
        final ChebyshevFeatures f = ChebyshevFeatures.of(3, 1.0);
        final float[] x = f.matrix(new double[] {0.5, -1.0});
        // T1, T2, T3 at 0.5: 0.5, -0.5, -1; at -1: -1, 1, -1
        assertEquals(0.5f, x[0]);
        assertEquals(-0.5f, x[1]);
        assertEquals(-1f, x[2]);
        assertEquals(-1f, x[3]);
        assertEquals(1f, x[4]);
        assertEquals(-1f, x[5]);
    }

    @Test
    void badArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> ChebyshevFeatures.of(0, 1));
        assertThrows(IllegalArgumentException.class, () -> ChebyshevFeatures.of(3, 0));
        assertThrows(IllegalArgumentException.class, () -> ChebyshevFeatures.of(3, Double.NaN));
    }
}
