package org.reparamcl.npy;

import java.util.Arrays;
import java.util.Objects;

/**
 * An n-dimensional array in C (row-major) order: a {@link NpyDType}, a shape and the flat data.
 *
 * <p>The shape is copied on the way in and out. The data array is <em>not</em> copied, so that
 * arrays of 10<sup>8</sup> elements do not need twice the memory: the factories keep the given
 * array and the accessors return it. Callers must not modify it after handing it over.
 */
public final class NpyArray {

    /** The largest element count a Java array can reliably hold. */
    public static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private final NpyDType dtype;
    private final long[] shape;
    private final Object data;

    private NpyArray(NpyDType dtype, long[] shape, Object data, int length) {
        this.dtype = dtype;
        this.shape = shape.clone();
        long expected = elementCount(this.shape);
        if (expected != length) {
            throw new IllegalArgumentException("data length " + length + " does not match shape "
                    + shapeForMessage(this.shape) + " (" + expected + " elements)");
        }
        this.data = data;
    }

    /**
     * Wraps float32 data.
     *
     * @param shape the dimensions, each non-negative; empty for a scalar
     * @param data the elements in C order; kept, not copied
     * @return the array
     * @throws IllegalArgumentException if {@code data.length} differs from the product of the shape
     */
    public static NpyArray ofFloat32(long[] shape, float[] data) {
        return new NpyArray(NpyDType.FLOAT32, shape, data, data.length);
    }

    /**
     * Wraps uint32 data; each {@code int} holds the unsigned value's bit pattern.
     *
     * @param shape the dimensions, each non-negative; empty for a scalar
     * @param data the elements in C order; kept, not copied
     * @return the array
     * @throws IllegalArgumentException if {@code data.length} differs from the product of the shape
     */
    public static NpyArray ofUint32(long[] shape, int[] data) {
        return new NpyArray(NpyDType.UINT32, shape, data, data.length);
    }

    /**
     * Wraps int32 data.
     *
     * @param shape the dimensions, each non-negative; empty for a scalar
     * @param data the elements in C order; kept, not copied
     * @return the array
     * @throws IllegalArgumentException if {@code data.length} differs from the product of the shape
     */
    public static NpyArray ofInt32(long[] shape, int[] data) {
        return new NpyArray(NpyDType.INT32, shape, data, data.length);
    }

    /**
     * Wraps float64 data.
     *
     * @param shape the dimensions, each non-negative; empty for a scalar
     * @param data the elements in C order; kept, not copied
     * @return the array
     * @throws IllegalArgumentException if {@code data.length} differs from the product of the shape
     */
    public static NpyArray ofFloat64(long[] shape, double[] data) {
        return new NpyArray(NpyDType.FLOAT64, shape, data, data.length);
    }

    /** Wraps data whose Java type matches {@code dtype}; used by the reader. */
    static NpyArray of(NpyDType dtype, long[] shape, Object data) {
        switch (dtype) {
            case FLOAT32: return ofFloat32(shape, (float[]) data);
            case UINT32: return ofUint32(shape, (int[]) data);
            case INT32: return ofInt32(shape, (int[]) data);
            case FLOAT64: return ofFloat64(shape, (double[]) data);
            default: throw new AssertionError(dtype);
        }
    }

    /**
     * Returns the element type.
     *
     * @return the dtype
     */
    public NpyDType dtype() {
        return dtype;
    }

    /**
     * Returns a copy of the shape.
     *
     * @return the dimensions; empty for a scalar
     */
    public long[] shape() {
        return shape.clone();
    }

    /**
     * Returns the number of dimensions.
     *
     * @return 0 for a scalar
     */
    public int ndim() {
        return shape.length;
    }

    /**
     * Returns the number of elements, the product of the shape (1 for a scalar).
     *
     * @return the element count
     */
    public long size() {
        return elementCount(shape);
    }

    /**
     * Returns the float32 data (the backing array, not a copy).
     *
     * @return the elements in C order
     * @throws IllegalStateException if the dtype is not {@link NpyDType#FLOAT32}
     */
    public float[] float32Data() {
        requireDType(NpyDType.FLOAT32);
        return (float[]) data;
    }

    /**
     * Returns the uint32 data as bit patterns (the backing array, not a copy); use
     * {@link Integer#toUnsignedLong(int)} for the values.
     *
     * @return the elements in C order
     * @throws IllegalStateException if the dtype is not {@link NpyDType#UINT32}
     */
    public int[] uint32Data() {
        requireDType(NpyDType.UINT32);
        return (int[]) data;
    }

    /**
     * Returns the int32 data (the backing array, not a copy).
     *
     * @return the elements in C order
     * @throws IllegalStateException if the dtype is not {@link NpyDType#INT32}
     */
    public int[] int32Data() {
        requireDType(NpyDType.INT32);
        return (int[]) data;
    }

    /**
     * Returns the float64 data (the backing array, not a copy).
     *
     * @return the elements in C order
     * @throws IllegalStateException if the dtype is not {@link NpyDType#FLOAT64}
     */
    public double[] float64Data() {
        requireDType(NpyDType.FLOAT64);
        return (double[]) data;
    }

    /** The backing array, whatever its type. */
    Object data() {
        return data;
    }

    private void requireDType(NpyDType wanted) {
        if (dtype != wanted) {
            throw new IllegalStateException("array has dtype " + dtype + " (" + dtype.descr()
                    + "), not " + wanted + " (" + wanted.descr() + ")");
        }
    }

    /**
     * Equal when dtype, shape and data are equal; floats are compared bit for bit as by
     * {@link Arrays#equals(float[], float[])}.
     */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof NpyArray)) {
            return false;
        }
        NpyArray other = (NpyArray) o;
        return dtype == other.dtype && Arrays.equals(shape, other.shape)
                && Objects.deepEquals(data, other.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(dtype, Arrays.hashCode(shape), Arrays.deepHashCode(new Object[] {data}));
    }

    @Override
    public String toString() {
        return "NpyArray[" + dtype.descr() + ", shape=" + shapeForMessage(shape) + "]";
    }

    /**
     * Returns the product of the dimensions.
     *
     * @throws IllegalArgumentException on a negative dimension or if the product overflows a long
     */
    static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + shapeForMessage(shape));
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("element count of shape " + shapeForMessage(shape)
                        + " overflows a long", e);
            }
        }
        return n;
    }

    /** Formats a shape as a Python tuple: {@code ()}, {@code (5,)}, {@code (3, 4)}. */
    static String formatShape(long[] shape) {
        if (shape.length == 1) {
            return "(" + shape[0] + ",)";
        }
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(shape[i]);
        }
        return sb.append(')').toString();
    }

    /** Like {@link #formatShape} but elides the middle of shapes with many dimensions. */
    static String shapeForMessage(long[] shape) {
        if (shape.length <= 8) {
            return formatShape(shape);
        }
        return "(" + shape[0] + ", " + shape[1] + ", " + shape[2] + ", ... " + (shape.length - 4)
                + " more ..., " + shape[shape.length - 1] + ")";
    }
}
