package org.reparamcl.npy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads one {@code .npy} array from a channel. With a known size (a file) every length is
 * checked against it before anything is allocated; with an unknown size (a stream) the data
 * array grows only as bytes actually arrive, so a false header cannot force a huge allocation.
 */
final class NpyReader {

    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    /** Headers longer than this are rejected; NumPy's own default limit is 10000. */
    static final int MAX_HEADER_LENGTH = 1 << 20;

    /** Stream reads start with at most this many elements and double as data arrives. */
    private static final int INITIAL_STREAM_ELEMENTS = 1 << 16;

    private static final int FILE_CHUNK_BYTES = 1 << 20;
    private static final int STREAM_CHUNK_BYTES = 1 << 16;

    private final ReadableByteChannel channel;
    private final String name;
    private final long size;
    private long position;

    private NpyReader(ReadableByteChannel channel, String name, long size) {
        this.channel = channel;
        this.name = name;
        this.size = size;
    }

    /**
     * Reads a whole {@code .npy} image and checks that nothing follows it.
     *
     * @param channel positioned at the magic string
     * @param name the file name for messages
     * @param size the number of bytes the channel holds, or -1 if unknown
     */
    static NpyArray read(ReadableByteChannel channel, String name, long size) throws IOException {
        return new NpyReader(channel, name, size).read();
    }

    private NpyArray read() throws IOException {
        NpyHeader header = readHeader();
        NpyDType dtype = header.dtype;
        String what = "shape " + NpyArray.shapeForMessage(header.shape) + " of " + dtype.descr();
        long count;
        long bytes;
        try {
            count = NpyArray.elementCount(header.shape);
            bytes = Math.multiplyExact(count, (long) dtype.itemSize());
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw fail(what + " has too many elements (the byte count overflows a 64-bit integer)");
        }
        if (size >= 0) {
            long available = size - position;
            if (bytes > available) {
                throw fail("data is truncated: " + what + " needs " + bytes + " bytes but only "
                        + available + " follow the header");
            }
            if (bytes < available) {
                throw fail("trailing garbage: " + (available - bytes) + " bytes follow the " + bytes
                        + " data bytes of " + what);
            }
        }
        if (count > NpyArray.MAX_ELEMENTS) {
            throw fail(what + " has " + count + " elements, too many for a Java array (at most "
                    + NpyArray.MAX_ELEMENTS + ")");
        }
        Object data = readData(dtype, (int) count, bytes);
        expectEnd(bytes);
        return NpyArray.of(dtype, header.shape, header.fortranOrder ? toCOrder(data, header.shape) : data);
    }

    /**
     * Column-major data of the given shape in row-major order (what {@code np.load} gives as an
     * F-contiguous array, copied as {@code np.ascontiguousarray} would). Data with at most one axis
     * longer than 1 is the same in both orders and is returned as it is.
     */
    static Object toCOrder(Object data, long[] shape) {
        int longAxes = 0;
        for (long d : shape) {
            longAxes += d > 1 ? 1 : 0;
        }
        final int n = java.lang.reflect.Array.getLength(data);
        if (longAxes < 2 || n == 0) {
            return data;
        }
        final int rank = shape.length;
        final long[] stride = new long[rank];      // of axis k in the column-major source
        long s = 1;
        for (int k = 0; k < rank; k++) {
            stride[k] = s;
            s *= shape[k];
        }
        final long[] at = new long[rank];
        final Object out = java.lang.reflect.Array.newInstance(data.getClass().getComponentType(), n);
        long src = 0;
        for (int i = 0; i < n; i++) {
            copy(data, (int) src, out, i);
            for (int k = rank - 1; k >= 0; k--) {  // the next row-major index: the last axis fastest
                if (++at[k] < shape[k]) {
                    src += stride[k];
                    break;
                }
                at[k] = 0;
                src -= (shape[k] - 1) * stride[k];
            }
        }
        return out;
    }

    private static void copy(Object from, int i, Object to, int j) {
        if (from instanceof float[] f) {
            ((float[]) to)[j] = f[i];
        } else if (from instanceof int[] a) {
            ((int[]) to)[j] = a[i];
        } else {
            ((double[]) to)[j] = ((double[]) from)[i];
        }
    }

    private NpyHeader readHeader() throws IOException {
        ByteBuffer preamble = readUpTo(8);
        for (int i = 0; i < Math.min(preamble.limit(), MAGIC.length); i++) {
            if (preamble.get(i) != MAGIC[i]) {
                throw fail("not an .npy file (bad magic string, expected \\x93NUMPY)");
            }
        }
        if (preamble.limit() < 8) {
            throw fail("truncated header: input ends after " + preamble.limit() + " bytes");
        }
        int major = preamble.get(6) & 0xff;
        int minor = preamble.get(7) & 0xff;
        if (major < 1 || major > 3 || minor != 0) {
            throw fail("unsupported format version " + major + "." + minor
                    + " (expected 1.0, 2.0 or 3.0)");
        }
        int lengthBytes = major == 1 ? 2 : 4;
        ByteBuffer lengthField = readUpTo(lengthBytes);
        if (lengthField.limit() < lengthBytes) {
            throw fail("truncated header: input ends after " + position + " bytes");
        }
        long headerLength = major == 1 ? lengthField.getShort(0) & 0xffffL : lengthField.getInt(0) & 0xffffffffL;
        if (size >= 0 && headerLength > size - position) {
            throw fail("header length " + headerLength + " runs past the end of the file ("
                    + size + " bytes)");
        }
        if (headerLength > MAX_HEADER_LENGTH) {
            throw fail("header length " + headerLength + " exceeds the limit of "
                    + MAX_HEADER_LENGTH + " bytes");
        }
        ByteBuffer raw = readUpTo((int) headerLength);
        if (raw.limit() < headerLength) {
            throw fail("truncated header: expected " + headerLength + " header bytes but the input"
                    + " ends after " + raw.limit());
        }
        return NpyHeader.parse(decode(raw, major), name);
    }

    private String decode(ByteBuffer raw, int major) throws NpyFormatException {
        if (major < 3) {
            return StandardCharsets.ISO_8859_1.decode(raw).toString();
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(raw).toString();
        } catch (CharacterCodingException e) {
            throw fail("header is not valid UTF-8");
        }
    }

    /** Reads {@code count} elements; the caller has already checked {@code count} and {@code bytes}. */
    private Object readData(NpyDType dtype, int count, long bytes) throws IOException {
        int item = dtype.itemSize();
        int capacity = size >= 0 ? count : Math.min(count, INITIAL_STREAM_ELEMENTS);
        Object data = allocate(dtype, capacity);
        int chunk = size >= 0 ? FILE_CHUNK_BYTES : STREAM_CHUNK_BYTES;
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(chunk, Math.max(bytes, 8)))
                .order(ByteOrder.LITTLE_ENDIAN);
        int filled = 0;
        while (filled < count) {
            int n = Math.min(count - filled, buf.capacity() / item);
            buf.clear().limit(n * item);
            fill(buf);
            if (buf.hasRemaining()) {
                long got = (long) filled * item + buf.position();
                throw fail("data is truncated: expected " + bytes + " bytes after the header but the"
                        + " input ends after " + got);
            }
            buf.flip();
            if (filled + n > capacity) {
                capacity = (int) Math.min(count, Math.max(2L * capacity, filled + n));
                data = grow(data, capacity);
            }
            switch (dtype) {
                case FLOAT32: buf.asFloatBuffer().get((float[]) data, filled, n); break;
                case UINT32:
                case INT32: buf.asIntBuffer().get((int[]) data, filled, n); break;
                case FLOAT64: buf.asDoubleBuffer().get((double[]) data, filled, n); break;
                default: throw new AssertionError(dtype);
            }
            filled += n;
        }
        return data;
    }

    private void expectEnd(long bytes) throws IOException {
        ByteBuffer extra = readUpTo(1);
        if (extra.limit() > 0) {
            throw fail("trailing garbage: more bytes follow the " + bytes + " data bytes");
        }
    }

    private static Object allocate(NpyDType dtype, int n) {
        switch (dtype) {
            case FLOAT32: return new float[n];
            case UINT32:
            case INT32: return new int[n];
            case FLOAT64: return new double[n];
            default: throw new AssertionError(dtype);
        }
    }

    private static Object grow(Object data, int n) {
        if (data instanceof float[]) {
            return Arrays.copyOf((float[]) data, n);
        }
        if (data instanceof int[]) {
            return Arrays.copyOf((int[]) data, n);
        }
        return Arrays.copyOf((double[]) data, n);
    }

    /** Reads up to {@code n} bytes, fewer only at end of input; the result is flipped. */
    private ByteBuffer readUpTo(int n) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        fill(buf);
        return buf.flip();
    }

    /** Reads until {@code buf} is full or the input ends. */
    private void fill(ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            int r = channel.read(buf);
            if (r < 0) {
                return;
            }
            position += r;
        }
    }

    private NpyFormatException fail(String problem) {
        return NpyFormatException.of(name, problem);
    }
}
