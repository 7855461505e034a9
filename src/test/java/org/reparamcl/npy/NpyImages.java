package org.reparamcl.npy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Builds raw {@code .npy} byte images, well-formed or not, for tests. */
final class NpyImages {

    private NpyImages() {
    }

    /** A dict in NumPy's key order with the given value texts, unpadded. */
    static String dict(String descr, String fortranOrder, String shape) {
        return "{'descr': " + descr + ", 'fortran_order': " + fortranOrder + ", 'shape': " + shape + ", }";
    }

    /** Pads a header text with spaces and a final newline so the data starts at a multiple of 64. */
    static String pad(int major, String header) {
        int prefix = major == 1 ? 10 : 12;
        int len = header.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1).length + 1;
        int total = (prefix + len + 63) / 64 * 64;
        return header + " ".repeat(total - prefix - len) + "\n";
    }

    /** A version {@code major}.0 image of the header text (used as is) followed by {@code data}. */
    static byte[] image(int major, String header, byte[] data) {
        byte[] h = header.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate((major == 1 ? 10 : 12) + h.length + data.length)
                .order(ByteOrder.LITTLE_ENDIAN);
        b.put(NpyReader.MAGIC).put((byte) major).put((byte) 0);
        if (major == 1) {
            b.putShort((short) h.length);
        } else {
            b.putInt(h.length);
        }
        return b.put(h).put(data).array();
    }

    /** A padded version 1.0 image. */
    static byte[] image(String header, byte[] data) {
        return image(1, pad(1, header), data);
    }

    /** Little-endian float32 bytes. */
    static byte[] floats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    /** The image {@link Npy#write(java.io.OutputStream, NpyArray)} produces. */
    static byte[] written(NpyArray array) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            Npy.write(out, array);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Concatenates byte arrays. */
    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
