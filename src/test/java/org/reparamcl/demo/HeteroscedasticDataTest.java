package org.reparamcl.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HeteroscedasticDataTest {

    @Test
    void sameSeedSamePoints() {
        final HeteroscedasticData a = HeteroscedasticData.generate(5, 0, 1, 100);
        final HeteroscedasticData b = HeteroscedasticData.generate(5, 0, 1, 100);
        assertArrayEquals(a.inputs(), b.inputs());
        assertArrayEquals(a.targets(), b.targets());
        final HeteroscedasticData c = HeteroscedasticData.generate(6, 0, 1, 100);
        assertTrue(a.u(0) != c.u(0));
    }

    /**
     * In 8 bins of u, the residual standard deviation matches the root mean square of s(u) over the
     * bin's points within 2% (each bin holds ~25000 points: the standard error of an sd estimate
     * is ~0.5%, so 2% is 4 standard errors; the seed is fixed, so the test cannot flake).
     */
    @Test
    void residualSpreadFollowsSd() {
        final HeteroscedasticData data = HeteroscedasticData.generate(42, 0, 1, 200_000);
        final int bins = 8;
        final double[] sumSq = new double[bins];
        final double[] sumS2 = new double[bins];
        final int[] count = new int[bins];
        for (int i = 0; i < data.size(); i++) {
            final double u = data.u(i);
            assertTrue(u > -2 && u < 2, "u in (-2, 2)");
            final int bin = (int) ((u + 2) / 4 * bins);
            final double r = data.y(i) - HeteroscedasticData.mean(u);
            sumSq[bin] += r * r;
            sumS2[bin] += HeteroscedasticData.sd(u) * HeteroscedasticData.sd(u);
            count[bin]++;
        }
        for (int b = 0; b < bins; b++) {
            assertTrue(count[b] > 20_000, "bin " + b + " has " + count[b] + " points");
            final double sd = Math.sqrt(sumSq[b] / count[b]);
            final double expected = Math.sqrt(sumS2[b] / count[b]);
            assertEquals(expected, sd, 0.02 * expected, "bin " + b);
        }
        assertEquals(0.4 / Math.sqrt(Math.PI), HeteroscedasticData.crpsFloor(), 1e-15);
    }
}
