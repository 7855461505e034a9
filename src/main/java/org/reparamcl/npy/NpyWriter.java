package org.reparamcl.npy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;

/** Encodes headers and little-endian element data onto a channel in bulk. */
final class NpyWriter {

    /** NumPy aligns the start of the data to this many bytes. */
    static final int ALIGNMENT = 64;

    private static final int CHUNK_BYTES = 1 << 20;

    private NpyWriter() {
    }

    /**
     * Returns the complete preamble and header as NumPy writes it: version 1.0 when the padded
     * header fits a 16-bit length, 2.0 otherwise; padded with spaces and a final newline so that
     * the data starts at a multiple of {@link #ALIGNMENT}.
     */
    static byte[] header(NpyDType dtype, long[] shape) {
        byte[] dict = NpyHeader.format(dtype, shape).getBytes(StandardCharsets.US_ASCII);
        int major = 1;
        int prefix = NpyReader.MAGIC.length + 2 + 2;
        int padded = paddedLength(prefix, dict.length);
        if (padded > 0xffff) {
            major = 2;
            prefix = NpyReader.MAGIC.length + 2 + 4;
            padded = paddedLength(prefix, dict.length);
        }
        ByteBuffer out = ByteBuffer.allocate(prefix + padded).order(ByteOrder.LITTLE_ENDIAN);
        out.put(NpyReader.MAGIC).put((byte) major).put((byte) 0);
        if (major == 1) {
            out.putShort((short) padded);
        } else {
            out.putInt(padded);
        }
        out.put(dict);
        while (out.position() < out.capacity() - 1) {
            out.put((byte) ' ');
        }
        out.put((byte) '\n');
        return out.array();
    }

    /** Header length including padding and the newline, as NumPy computes it (1 to 64 pad bytes). */
    private static int paddedLength(int prefix, int dictLength) {
        int withNewline = dictLength + 1;
        int pad = ALIGNMENT - (prefix + withNewline) % ALIGNMENT;
        return withNewline + pad;
    }

    /** Writes header and data of {@code array}. */
    static void write(WritableByteChannel channel, NpyArray array) throws IOException {
        writeFully(channel, ByteBuffer.wrap(header(array.dtype(), array.shape())));
        writeData(channel, array.data());
    }

    /**
     * Writes the elements of a {@code float[]}, {@code int[]} or {@code double[]} as
     * little-endian bytes, one chunk at a time.
     */
    static void writeData(WritableByteChannel channel, Object data) throws IOException {
        int item = data instanceof double[] ? 8 : 4;
        int length = data instanceof float[] ? ((float[]) data).length
                : data instanceof int[] ? ((int[]) data).length : ((double[]) data).length;
        long bytes = (long) length * item;
        ByteBuffer buf = ByteBuffer.allocateDirect((int) Math.min(CHUNK_BYTES, Math.max(bytes, 8)))
                .order(ByteOrder.LITTLE_ENDIAN);
        int done = 0;
        while (done < length) {
            int n = Math.min(length - done, buf.capacity() / item);
            buf.clear();
            if (data instanceof float[]) {
                buf.asFloatBuffer().put((float[]) data, done, n);
            } else if (data instanceof int[]) {
                buf.asIntBuffer().put((int[]) data, done, n);
            } else {
                buf.asDoubleBuffer().put((double[]) data, done, n);
            }
            buf.limit(n * item);
            writeFully(channel, buf);
            done += n;
        }
    }

    private static void writeFully(WritableByteChannel channel, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
    }
}
