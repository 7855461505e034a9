package org.reparamcl.npy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NpyArrayTest {

    @Test
    void scalarHasSizeOneAndNoDimensions() {
        NpyArray a = NpyArray.ofFloat32(new long[0], new float[] {3f});
        assertEquals(0, a.ndim());
        assertEquals(1, a.size());
        assertArrayEquals(new long[0], a.shape());
    }

    @Test
    void accessorsReturnTheBackingDataAndCopiesOfTheShape() {
        float[] data = new float[12];
        long[] shape = {3, 4};
        NpyArray a = NpyArray.ofFloat32(shape, data);
        assertSame(data, a.float32Data());
        shape[0] = 99;
        assertArrayEquals(new long[] {3, 4}, a.shape());
        a.shape()[1] = 99;
        assertArrayEquals(new long[] {3, 4}, a.shape());
        assertEquals(2, a.ndim());
        assertEquals(12, a.size());
        assertEquals(NpyDType.FLOAT32, a.dtype());
    }

    @Test
    void wrongAccessorNamesBothTypes() {
        NpyArray a = NpyArray.ofUint32(new long[] {2}, new int[2]);
        IllegalStateException e = assertThrows(IllegalStateException.class, a::float32Data);
        assertEquals("array has dtype UINT32 (<u4), not FLOAT32 (<f4)", e.getMessage());
        assertThrows(IllegalStateException.class, a::int32Data);
        assertThrows(IllegalStateException.class, a::float64Data);
        assertThrows(IllegalStateException.class, NpyArray.ofInt32(new long[] {0}, new int[0])::uint32Data);
    }

    @Test
    void rejectsLengthMismatch() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NpyArray.ofFloat32(new long[] {2, 3}, new float[5]));
        assertEquals("data length 5 does not match shape (2, 3) (6 elements)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NpyArray.ofFloat64(new long[0], new double[0]));
    }

    @Test
    void rejectsNegativeAndOverflowingDimensions() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NpyArray.ofInt32(new long[] {-1}, new int[0]));
        assertTrue(e.getMessage().contains("negative dimension in shape (-1,)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> NpyArray.ofInt32(new long[] {1L << 40, 1L << 40}, new int[0]));
        assertTrue(e.getMessage().contains("overflows"), e.getMessage());
    }

    @Test
    void zeroDimensionAllowsEmptyData() {
        NpyArray a = NpyArray.ofFloat64(new long[] {3, 0, 1L << 50}, new double[0]);
        assertEquals(0, a.size());
    }

    @Test
    void equalityCoversDtypeShapeAndData() {
        NpyArray a = NpyArray.ofInt32(new long[] {2}, new int[] {1, 2});
        assertEquals(a, NpyArray.ofInt32(new long[] {2}, new int[] {1, 2}));
        assertEquals(a.hashCode(), NpyArray.ofInt32(new long[] {2}, new int[] {1, 2}).hashCode());
        assertNotEquals(a, NpyArray.ofUint32(new long[] {2}, new int[] {1, 2}));
        assertNotEquals(a, NpyArray.ofInt32(new long[] {2, 1}, new int[] {1, 2}));
        assertNotEquals(a, NpyArray.ofInt32(new long[] {2}, new int[] {1, 3}));
        assertEquals("NpyArray[<i4, shape=(2,)]", a.toString());
    }

    @Test
    void formatsShapesAsPythonTuples() {
        assertEquals("()", NpyArray.formatShape(new long[0]));
        assertEquals("(5,)", NpyArray.formatShape(new long[] {5}));
        assertEquals("(2, 3, 5)", NpyArray.formatShape(new long[] {2, 3, 5}));
    }

    @Test
    void dtypeLookup() {
        assertEquals(NpyDType.FLOAT64, NpyDType.fromDescr("<f8").orElseThrow());
        assertTrue(NpyDType.fromDescr(">f8").isEmpty());
        assertEquals("<f4, <u4, <i4, <f8", NpyDType.supportedList());
    }
}
