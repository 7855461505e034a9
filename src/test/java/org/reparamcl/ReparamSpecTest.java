package org.reparamcl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReparamSpecTest {
    @Test
    void countsElementsOfEveryArray() {
        final ReparamSpec s = ReparamSpec.builder().shape(3, 5, 7).seed(1).build();
        assertEquals(105, s.elements());
        assertEquals(35, s.paramElements());
        assertEquals(5, s.paramRows());
        assertEquals(15, s.sampleRows());
        assertEquals(3, s.reductionRows());
        final ReparamSpec b = s.toBuilder().broadcast(true).build();
        assertEquals(105, b.elements());
        assertEquals(7, b.paramElements());
        assertEquals(1, b.paramRows());
        assertEquals(15, b.sampleRows());
        assertEquals(15, b.reductionRows());
        assertEquals(Parameterization.SIGMA, s.parameterization());
        assertEquals(NoiseMode.RECOMPUTE, s.noiseMode());
        assertTrue(s.checkValues());
        assertEquals(105, s.nextOffset());
        // Across 2^63 the offset is unsigned; at the end of the stream there is no next offset.
        assertEquals(Long.MIN_VALUE + 101, s.withOffset(Long.MAX_VALUE - 3).nextOffset());
        assertEquals(-1L, s.withOffset(-106L).nextOffset());
        final IllegalStateException end = assertThrows(IllegalStateException.class, () -> s.withOffset(-105L).nextOffset());
        assertTrue(end.getMessage().contains("stream ends"), end.getMessage());
        assertEquals(s, s.withOffset(0));
        assertEquals(9, s.withOffset(9).offset());
        // withOffset checks the range as build() does: 105 elements from 2^64 - 104 run past the end.
        assertTrue(assertThrows(IllegalArgumentException.class, () -> s.withOffset(-104L)).getMessage()
                .contains("runs past the end of the stream"));
        assertThrows(IllegalArgumentException.class, () -> s.withOffset(-1L));
        // No elements (D = 0 or B = 0) occupy no part of the stream: any offset, even 2^64 - 1, is valid.
        for (long o : new long[] {1, 7, Long.MIN_VALUE, -1L}) {
            final ReparamSpec empty = ReparamSpec.builder().shape(3, 5, 0).seed(1).offset(o).build();
            assertEquals(o, empty.nextOffset());
            assertEquals(o, ReparamSpec.builder().shape(2, 0, 4).broadcast(true).seed(1).build().withOffset(o).offset());
        }
        assertEquals(s, s.toBuilder().build());
        assertEquals(s.hashCode(), s.toBuilder().build().hashCode());
    }

    /**
     * toBuilder keeps every setting (the OpenCL backend rebuilds specs through it, e.g. to drop
     * checkValues), and equals tells apart specs that differ in any one setting.
     */
    @Test
    void toBuilderKeepsAndEqualsComparesEverySetting() {
        final ReparamSpec s = ReparamSpec.builder().shape(3, 5, 7).broadcast(true).parameterization(Parameterization.LOG_VAR)
                .seed(-2L).stream(0x1_0000_0003L).offset(Long.MIN_VALUE + 9).noiseMode(NoiseMode.STORE).checkValues(false)
                .build();
        final ReparamSpec t = s.toBuilder().build();
        assertEquals(s, t);
        assertEquals(s.hashCode(), t.hashCode());
        assertEquals(s.toString(), t.toString());
        assertEquals(3, t.samples());
        assertEquals(5, t.rows());
        assertEquals(7, t.dim());
        assertTrue(t.broadcast());
        assertEquals(Parameterization.LOG_VAR, t.parameterization());
        assertEquals(-2L, t.seed());
        assertEquals(0x1_0000_0003L, t.stream());
        assertEquals(Long.MIN_VALUE + 9, t.offset());
        assertEquals(NoiseMode.STORE, t.noiseMode());
        assertEquals(false, t.checkValues());
        final ReparamSpec[] others = {
            s.toBuilder().shape(4, 5, 7).build(), s.toBuilder().shape(3, 6, 7).build(), s.toBuilder().shape(3, 5, 8).build(),
            s.toBuilder().broadcast(false).build(), s.toBuilder().parameterization(Parameterization.LOG_SIGMA).build(),
            s.toBuilder().seed(-1L).build(), s.toBuilder().stream(3).build(), s.toBuilder().offset(9).build(),
            s.toBuilder().noiseMode(NoiseMode.RECOMPUTE).build(), s.toBuilder().checkValues(true).build(),
        };
        for (ReparamSpec o : others) {
            assertTrue(!s.equals(o) && !o.equals(s), o.toString());
        }
    }

    @Test
    void rejectsBadShapesAndRanges() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ReparamSpec.builder().shape(0, 1, 1).seed(1).build())
                .getMessage().contains("samples K must be >= 1"));
        assertThrows(IllegalArgumentException.class, () -> ReparamSpec.builder().shape(1, -1, 1).seed(1).build());
        assertThrows(IllegalArgumentException.class, () -> ReparamSpec.builder().shape(1, 1, -2).seed(1).build());
        assertThrows(IllegalArgumentException.class, () -> ReparamSpec.builder().seed(1).build());
        assertThrows(IllegalArgumentException.class, () -> ReparamSpec.builder().shape(1, 1, 1).build());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> ReparamSpec.builder().shape(2, 1L << 32, 1L << 31).seed(1).build()).getMessage().contains("2^63"));
        assertThrows(IllegalArgumentException.class, () -> ReparamSpec.builder().shape(2, 1L << 62, 0).seed(1).build());
        // The last 12 elements of the stream are usable; one more is not.
        ReparamSpec.builder().shape(3, 2, 2).seed(1).offset(-12L).build();
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> ReparamSpec.builder().shape(3, 2, 2).seed(1).offset(-11L).build()).getMessage().contains("end of the stream"));
        assertThrows(NullPointerException.class, () -> ReparamSpec.builder().shape(1, 1, 1).seed(1).parameterization(null).build());
        // Empty shapes are fine.
        assertEquals(0, ReparamSpec.builder().shape(4, 0, 3).seed(1).build().elements());
        assertEquals(0, ReparamSpec.builder().shape(4, 3, 0).seed(1).build().elements());
    }

    /** Counts are longs: a spec past int indexing is valid; host arrays (int-indexed) cannot match it. */
    @Test
    void sizesPastIntIndexing() {
        final ReparamSpec s = ReparamSpec.builder().shape(4, 1L << 20, 1L << 12).broadcast(true).seed(1).build();
        assertEquals(1L << 34, s.elements());
        assertEquals(1L << 12, s.paramElements());
        assertEquals(1L << 22, s.reductionRows());
        try (org.reparamcl.cpu.CpuBackend cpu = org.reparamcl.cpu.CpuBackend.create(1)) {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> cpu.reparamForward(s, new float[1 << 12], new float[1 << 12], new float[16], null));
            assertEquals("z has length 16, expected 17179869184", e.getMessage());
        }
    }

    @Test
    void namesTheFirstBadParameter() {
        final ReparamSpec s = ReparamSpec.builder().shape(1, 2, 3).seed(1).build();
        final float[] mu = {0, 0, 0, 0, Float.NaN, 0};
        final float[] rho = {1, 1, -1, 1, 1, 1};
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.requireValidParameters(mu, rho));
        assertEquals("rho[2] (b = 0, d = 2) = -1.0 is not > 0 (sigma = rho must be positive) (parameterization sigma)", e.getMessage());
        rho[2] = 1;
        assertEquals("mu[4] (b = 1, d = 1) = NaN is not finite",
                assertThrows(IllegalArgumentException.class, () -> s.requireValidParameters(mu, rho)).getMessage());
        s.toBuilder().checkValues(false).build().requireValidParameters(mu, rho);
    }
}
