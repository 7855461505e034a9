package org.reparamcl.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

class BenchOptionsTest {
    @Test
    void sizeListsAcceptIntegersPowersAndRanges() {
        assertEquals(List.of(1024, 4096, 16384), BenchOptions.parseSizes("2^10..2^14:2"));
        assertEquals(List.of(8, 16, 32), BenchOptions.parseSizes("2^3..2^5"));
        assertEquals(List.of(3, 100, 1024), BenchOptions.parseSizes("100, 2^10,3,100"));
        assertEquals(List.of(1 << 10, 1 << 12, 1 << 14, 1 << 16, 1 << 18, 1 << 20, 1 << 22),
                BenchOptions.parseSizes(BenchOptions.DEFAULT_SIZES));
    }

    @Test
    void badSizeListsNameTheItem() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BenchOptions.parseSizes("2^31"))
                .getMessage().contains("'2^31'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BenchOptions.parseSizes("2^5..2^3"))
                .getMessage().contains("start is above end"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BenchOptions.parseSizes("2^3..2^5:0"))
                .getMessage().contains("S >= 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BenchOptions.parseSizes("ten"))
                .getMessage().contains("'ten'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BenchOptions.parseSizes("0"))
                .getMessage().contains("must be >= 1"));
        assertThrows(IllegalArgumentException.class, () -> BenchOptions.parseSizes(" "));
        // ASCII digits only: Integer.parseInt would read U+0663 (ARABIC-INDIC DIGIT THREE) as 3.
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BenchOptions.parseSizes("\u0663"))
                .getMessage().contains("'\u0663'"));
        assertThrows(IllegalArgumentException.class, () -> BenchOptions.parseSizes("2^\uff11\uff10"));
        assertThrows(IllegalArgumentException.class, () -> BenchOptions.parseSizes("2^3..2^5:\u0662"));
    }

    @Test
    void optionsAreValidatedAndNormalized() {
        final BenchOptions o = new BenchOptions(List.of(64, 8, 64), List.of(Pass.NOISE), List.of("opencl", "cpu-1"), 1, 1,
                0, 0, "auto", Path.of("x"), null, 1, false);
        assertEquals(List.of(8, 64), o.sizes());
        assertEquals(List.of("cpu-1", "opencl"), o.backends());
        assertEquals(64, o.maxSize());
        assertThrows(IllegalArgumentException.class, () -> new BenchOptions(List.of(8), List.of(Pass.NOISE),
                List.of("cpu-1"), 1, 0, 0, 0, "auto", Path.of("x"), null, 1, false));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new BenchOptions(List.of(8, 12), List.of(Pass.NOISE),
                List.of("cpu-1"), 8, 1, 0, 0, "auto", Path.of("x"), null, 1, false)).getMessage()
                .contains("size 12 is not a multiple of samples K = 8"));
        assertThrows(IllegalArgumentException.class, () -> new BenchOptions(List.of(8), List.of(Pass.NOISE),
                List.of("cpu-1"), 0, 1, 0, 0, "auto", Path.of("x"), null, 1, false));
        assertThrows(IllegalArgumentException.class, () -> new BenchOptions(List.of(8), List.of(),
                List.of("cpu-1"), 1, 1, 0, 0, "auto", Path.of("x"), null, 1, false));
        assertThrows(IllegalArgumentException.class, () -> new BenchOptions(List.of(8), List.of(Pass.NOISE),
                List.of("tpu"), 1, 1, 0, 0, "auto", Path.of("x"), null, 1, false));
    }
}
