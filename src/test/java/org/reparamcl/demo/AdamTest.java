package org.reparamcl.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class AdamTest {

    /** The first step moves every parameter by lr against the sign of its gradient (bias correction). */
    @Test
    void firstStepHasLearningRateLength() {
        final Adam adam = Adam.of(3);
        final float[] p = {1f, -2f, 0.5f};
        adam.step(0.01, new float[][] {p}, new float[][] {{3f, -0.001f, 100f}});
        assertEquals(0.99f, p[0], 1e-6f);
        assertEquals(-1.99f, p[1], 1e-5f);
        assertEquals(0.49f, p[2], 1e-6f);
        assertEquals(1, adam.steps());
    }

    @Test
    void minimizesAnIllConditionedQuadratic() {
        final Adam adam = Adam.of(2, 1);
        final float[] a = {5f, -3f};
        final float[] b = {4f};
        final float[] ga = new float[2];
        final float[] gb = new float[1];
        for (int t = 0; t < 3000; t++) {
            // L = 100 (a0 - 1)^2 + (a1 + 2)^2 + 0.01 (b - 3)^2
            ga[0] = 200f * (a[0] - 1f);
            ga[1] = 2f * (a[1] + 2f);
            gb[0] = 0.02f * (b[0] - 3f);
            adam.step(0.01 * (1.0 - t / 3000.0) + 1e-4, new float[][] {a, b}, new float[][] {ga, gb});
        }
        assertEquals(1f, a[0], 1e-3f);
        assertEquals(-2f, a[1], 1e-3f);
        assertEquals(3f, b[0], 1e-2f);
    }

    @Test
    void mismatchedArraysAreRejected() {
        final Adam adam = Adam.of(2);
        assertThrows(IllegalArgumentException.class, () -> adam.step(0.1, new float[][] {{1f}}, new float[][] {{1f}}));
        assertThrows(IllegalArgumentException.class, () -> Adam.of(-1));
    }
}
