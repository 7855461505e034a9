package org.reparamcl.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The CPU roofs touch every element they are charged for (so a run's roof moves the bytes it claims). */
class CpuRoofTest {
    @Test
    void forwardRoofWritesEveryElementFromItsParameter() {
        final float[] mu = {1, 2, 3};
        final float[] rho = {10, 20, 30};
        final float[] z = new float[7];
        final float[] eps = new float[7];
        CpuRoof.forward(mu, rho, z, eps, 0, 7);
        assertArrayEquals(new float[] {11, 22, 33, 11, 22, 33, 11}, z);
        assertArrayEquals(new float[] {10, 20, 30, 10, 20, 30, 10}, eps);
        final float[] z2 = new float[7];
        CpuRoof.forward(mu, rho, z2, null, 4, 7);
        assertArrayEquals(new float[] {0, 0, 0, 0, 22, 33, 11}, z2);
    }

    @Test
    void backwardRoofReadsEverySampleRow() {
        final float[] gradZ = {1, 2, 3, 4, 5, 6};            // K = 3 rows of P = 2
        final float[] eps = {1, 1, 2, 2, 3, 3};
        final float[] gm = new float[2];
        final float[] gr = new float[2];
        CpuRoof.backward(eps, gradZ, gm, gr, 0, 2);
        assertArrayEquals(new float[] {9, 12}, gm);
        assertArrayEquals(new float[] {1 + 6 + 15, 2 + 8 + 18}, gr);
        CpuRoof.backward(null, gradZ, gm, gr, 0, 2);
        assertArrayEquals(new float[] {4.5f, 6}, gr);
        final float[] g1 = {4, 5};
        CpuRoof.backward(null, g1, gm, gr, 0, 2);
        assertArrayEquals(new float[] {4, 5}, gm);
        assertArrayEquals(new float[] {2, 2.5f}, gr);
        CpuRoof.backward(new float[] {0.5f, 2}, g1, gm, gr, 1, 2);
        assertEquals(10, gr[1]);
    }

    @Test
    void bytesPerElementCountParametersOncePerKSamples() {
        org.junit.jupiter.api.Assertions.assertEquals(4, Pass.NOISE.bytesPerElement(1));
        org.junit.jupiter.api.Assertions.assertEquals(12, Pass.FORWARD.bytesPerElement(1));
        org.junit.jupiter.api.Assertions.assertEquals(5, Pass.FORWARD.bytesPerElement(8));
        org.junit.jupiter.api.Assertions.assertEquals(12, Pass.BACKWARD_RECOMPUTE.bytesPerElement(1));
        org.junit.jupiter.api.Assertions.assertEquals(4.5, Pass.BACKWARD_RECOMPUTE.bytesPerElement(16));
        org.junit.jupiter.api.Assertions.assertEquals(16, Pass.BACKWARD_STORE.bytesPerElement(1));
    }

    @Test
    void storeRoofWritesTheRange() {
        final float[] d = new float[5];
        CpuRoof.store(d, 1, 4, 0);
        assertEquals(0, Float.floatToRawIntBits(d[0]));
        assertEquals(0, Float.floatToRawIntBits(d[4]));
        assertEquals(2, Float.floatToRawIntBits(d[2]));
    }
}
