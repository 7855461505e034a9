package org.reparamcl.npy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutation fuzzing of the reader: <b>25,032 inputs</b>, each read both from a file and
 * from a stream (50,064 reads).
 *
 * <p>Starting from 8 valid files (every dtype; shapes (), (0,), (5,), (3, 4), (2, 3, 5); 128-byte
 * headers), it first cuts each one at every length from 0 through the end of its header (1,032
 * inputs), then applies 24,000 seeded random mutations (10 kinds, equally likely): bit flips in
 * the data, bit flips in the preamble or header, truncation anywhere, appended garbage, a header
 * character replaced, a header byte inserted or deleted, a random header length field, random
 * version bytes, and (twice as likely) a header rebuilt from good and bad pieces: huge shapes
 * such as {@code (99999999999999,)} and {@code (10000, 10000)}, negative dimensions, malformed
 * tuples, Fortran order (read, transposed), big-endian and unsupported dtypes, missing, unknown and duplicate keys,
 * versions 1.0 to 3.0, padded or not, with data that fits, falls short or runs over.
 *
 * <p>Each read must either return an array consistent with the input (size equal to the shape's
 * product, data exactly filling the input, file and stream readers agreeing) or throw
 * {@link NpyFormatException} with a one-line message: never another exception or error. Where
 * the JVM can measure it, a read may allocate at most 8 MiB plus 16 bytes per input byte, so a
 * header's claims never drive an allocation. The run must also reach every kind of rejection
 * in {@link #EXPECTED_PROBLEMS}. It takes a few seconds.
 */
class NpyFuzzTest {

    private static final int RANDOM_MUTATIONS = 24_000;

    private static final String[] GOOD_DESCRS = {"'<f4'", "'<u4'", "'<i4'", "'<f8'"};
    private static final int[] GOOD_ITEM_SIZES = {4, 4, 4, 8};
    private static final String[] BAD_DESCRS = {"'>f4'", "'>f8'", "'|u1'", "'<f2'", "'=f4'", "'f4'",
        "[('a', '<f4')]", "4", "True", "'<f4", "'<f\\x34'", "'<c8'", "'<F4'", "'<f4 '"};
    private static final String[] ORDERS = {"False", "False", "False", "True", "0", "'False'", "None", "Fals"};
    private static final String[] GOOD_SHAPES = {"()", "(0,)", "(1,)", "(3,)", "(5,)", "(3, 4)", "(2, 3, 5)",
        "(2,3,5,)", "( )", "(-0,)", "(0, 99999999999999, 99999999999999)", "(99999999999999, 0)"};
    private static final int[] GOOD_SHAPE_SIZES = {1, 0, 1, 3, 5, 12, 30, 30, 1, 0, 0, 0};
    private static final String[] BAD_SHAPES = {"(5)", "(99999999999999,)", "(99999999999999, 99999999999999)",
        "(1000000000000,)", "(2147483640,)", "(2147483647,)", "(536870912, 4)", "(4611686018427387904,)",
        "(18446744073709551616,)", "(-1,)", "(2, -3)", "(1e3,)", "(3,,)", "(,)", "(05,)", "[5]", "(5, 4", "5",
        "(3.0,)", "(99999999999999, 99999999999999, 0)", "(400000000,)", "(10000, 10000)", "(2147483639,)"};
    private static final String[] SPACES = {"", " ", " ", "  ", "\n", "\t"};
    /** Key phrases of the rejections the fuzzing must reach. */
    private static final List<String> EXPECTED_PROBLEMS = List.of("bad magic", "truncated header",
        "unsupported format version", "runs past the end", "malformed header", "missing key", "unknown key",
        "big-endian", "is not supported", "structured dtypes", "must be True or False",
        "must be a tuple", "negative dimension", "overflows a 64-bit integer", "too many for a Java array",
        "data is truncated", "trailing garbage");

    private static final int[] DATA_LENGTHS = {0, 1, 3, 4, 8, 11, 12, 16, 20, 24, 40, 48, 60, 80, 96, 120, 240, 241};

    @TempDir
    Path dir;

    private final com.sun.management.ThreadMXBean threads = memoryMeter();
    private Path file;
    private FileChannel out;
    private int accepted;
    private int rejected;
    private final Set<String> problemsSeen = new TreeSet<>();

    @Test
    void readerOnlyEverReturnsConsistentArraysOrThrowsNpyFormatException() throws IOException {
        long start = System.nanoTime();
        file = dir.resolve("fuzz.npy");
        // One channel rewritten in place: truncating to zero and rewriting each time is slow on
        // ext4, which flushes such files on close.
        out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        List<byte[]> bases = new ArrayList<>();
        long[][] shapes = {{}, {0}, {5}, {3, 4}, {2, 3, 5}};
        int k = 0;
        for (NpyDType t : NpyDType.values()) {
            for (int j = 0; j < 2; j++) {
                bases.add(NpyImages.written(NpyRoundTripTest.sample(t, shapes[k++ % shapes.length], k)));
            }
        }
        int tried = 0;
        try {
            for (byte[] base : bases) {
                int headerEnd = dataOffset(base);
                for (int cut = 0; cut <= headerEnd; cut++) {
                    check(Arrays.copyOf(base, cut), "truncated to " + cut);
                    tried++;
                }
            }
            Random rnd = new Random(20240607L);
            for (int i = 0; i < RANDOM_MUTATIONS; i++) {
                byte[] base = bases.get(rnd.nextInt(bases.size()));
                int kind = rnd.nextInt(10);
                check(mutate(base, kind, rnd), "mutation " + i + " of kind " + kind);
                tried++;
            }
        } finally {
            out.close();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(tried >= 20_000, "tried " + tried);
        assertTrue(accepted > 2_000 && rejected > 10_000, "accepted " + accepted + ", rejected " + rejected);
        assertTrue(seconds < 60, "fuzzing took " + seconds + " s");
        assertEquals(EXPECTED_PROBLEMS, EXPECTED_PROBLEMS.stream().filter(problemsSeen::contains)
                .collect(Collectors.toList()), "rejections reached");
    }

    private static byte[] mutate(byte[] base, int kind, Random rnd) {
        int headerEnd = dataOffset(base);
        byte[] b = base.clone();
        switch (kind) {
            case 0: { // bit flips in the data, or anywhere if there is none
                int flips = 1 + rnd.nextInt(4);
                for (int f = 0; f < flips; f++) {
                    int at = b.length > headerEnd ? headerEnd + rnd.nextInt(b.length - headerEnd) : rnd.nextInt(b.length);
                    b[at] ^= (byte) (1 << rnd.nextInt(8));
                }
                return b;
            }
            case 1: { // bit flips in the preamble and header
                int at = rnd.nextInt(headerEnd);
                b[at] ^= (byte) (1 << rnd.nextInt(8));
                return b;
            }
            case 2: // truncation anywhere
                return Arrays.copyOf(b, rnd.nextInt(b.length + 1));
            case 3: { // appended garbage
                byte[] extra = new byte[1 + rnd.nextInt(64)];
                rnd.nextBytes(extra);
                return NpyImages.concat(b, extra);
            }
            case 4: { // one header character replaced by a random ASCII character
                int at = 10 + rnd.nextInt(headerEnd - 10);
                b[at] = (byte) (rnd.nextBoolean() ? 32 + rnd.nextInt(95) : rnd.nextInt(256));
                return b;
            }
            case 5: { // a header byte inserted or deleted, length field unchanged
                int at = 10 + rnd.nextInt(headerEnd - 10);
                byte[] edited = new byte[rnd.nextBoolean() ? b.length + 1 : b.length - 1];
                System.arraycopy(b, 0, edited, 0, at);
                if (edited.length > b.length) {
                    edited[at] = (byte) ",() '0123456789-{}:\n".charAt(rnd.nextInt(20));
                    System.arraycopy(b, at, edited, at + 1, b.length - at);
                } else {
                    System.arraycopy(b, at + 1, edited, at, b.length - at - 1);
                }
                return edited;
            }
            case 6: { // random header length field
                int len = rnd.nextBoolean() ? rnd.nextInt(65536) : headerEnd - 10 + rnd.nextInt(9) - 4;
                b[8] = (byte) len;
                b[9] = (byte) (len >>> 8);
                return b;
            }
            case 7: { // random version bytes; the header is still laid out for 1.0
                b[6] = (byte) rnd.nextInt(5);
                b[7] = (byte) (rnd.nextInt(4) == 0 ? 1 : 0);
                return b;
            }
            default: // header rebuilt from good and bad pieces
                return rebuilt(rnd);
        }
    }

    private static byte[] rebuilt(Random rnd) {
        List<String> entries = new ArrayList<>();
        boolean goodDescr = rnd.nextInt(5) < 3;
        boolean goodShape = rnd.nextInt(5) < 3;
        int d = rnd.nextInt(goodDescr ? GOOD_DESCRS.length : BAD_DESCRS.length);
        int s = rnd.nextInt(goodShape ? GOOD_SHAPES.length : BAD_SHAPES.length);
        if (rnd.nextInt(12) != 0) {
            entries.add("'descr':" + pick(SPACES, rnd) + (goodDescr ? GOOD_DESCRS : BAD_DESCRS)[d]);
        }
        if (rnd.nextInt(12) != 0) {
            entries.add("'fortran_order':" + pick(SPACES, rnd) + pick(ORDERS, rnd));
        }
        if (rnd.nextInt(12) != 0) {
            entries.add("'shape':" + pick(SPACES, rnd) + (goodShape ? GOOD_SHAPES : BAD_SHAPES)[s]);
        }
        if (rnd.nextInt(15) == 0) {
            entries.add("'extra': 1");
        }
        if (rnd.nextInt(15) == 0 && !entries.isEmpty()) {
            entries.add(entries.get(0));
        }
        Collections.shuffle(entries, rnd);
        StringBuilder sb = new StringBuilder(pick(SPACES, rnd)).append('{');
        for (int i = 0; i < entries.size(); i++) {
            sb.append(i > 0 ? "," + pick(SPACES, rnd) : "").append(entries.get(i));
        }
        sb.append(rnd.nextBoolean() ? ", " : "").append('}');
        int major = 1 + rnd.nextInt(3);
        String header = rnd.nextInt(4) == 0 ? sb.toString() : NpyImages.pad(major, sb.toString());
        int length = goodDescr && goodShape && rnd.nextInt(4) != 0
                ? GOOD_ITEM_SIZES[d] * GOOD_SHAPE_SIZES[s]
                : DATA_LENGTHS[rnd.nextInt(DATA_LENGTHS.length)];
        byte[] data = new byte[length];
        rnd.nextBytes(data);
        return NpyImages.image(major, header, data);
    }

    private static String pick(String[] options, Random rnd) {
        return options[rnd.nextInt(options.length)];
    }

    /** Where the data starts according to the preamble, or -1 if the preamble is unreadable. */
    private static int dataOffset(byte[] b) {
        if (b.length < 12 || b[6] < 1 || b[6] > 3) {
            return -1;
        }
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        return b[6] == 1 ? 10 + (bb.getShort(8) & 0xffff) : 12 + bb.getInt(8);
    }

    private void check(byte[] input, String what) throws IOException {
        out.write(ByteBuffer.wrap(input), 0);
        out.truncate(input.length);
        NpyArray fromFile = readGuarded(input, true, what);
        NpyArray fromStream = readGuarded(input, false, what);
        if ((fromFile == null) != (fromStream == null)) {
            fail(what + ": file reader " + (fromFile == null ? "rejected" : "accepted")
                    + " but stream reader did not; input " + show(input));
        }
        if (fromFile == null) {
            rejected++;
            return;
        }
        accepted++;
        assertEquals(fromFile, fromStream, what);
        long size = 1;
        for (long d : fromFile.shape()) {
            size *= d;
        }
        assertEquals(size, fromFile.size(), what);
        assertEquals(size, java.lang.reflect.Array.getLength(fromFile.data()), what);
        assertEquals(input.length, dataOffset(input) + size * fromFile.dtype().itemSize(), what);
        assertArrayEquals(fromFile.shape(), Npy.read(new ByteArrayInputStream(NpyImages.written(fromFile)), "w").shape());
    }

    /** Returns the array, or null for an {@link NpyFormatException}; fails on anything else. */
    private NpyArray readGuarded(byte[] input, boolean asFile, String what) {
        long before = allocated();
        try {
            return asFile ? Npy.read(file) : Npy.read(new ByteArrayInputStream(input), "fuzz");
        } catch (NpyFormatException e) {
            String m = e.getMessage();
            if (m.contains("\n") || m.contains("\r") || m.length() > 400) {
                fail(what + ": message is not one short line: " + m);
            }
            EXPECTED_PROBLEMS.stream().filter(m::contains).forEach(problemsSeen::add);
            return null;
        } catch (Throwable t) {
            throw new AssertionError(what + ": " + (asFile ? "file" : "stream") + " reader threw " + t
                    + " for input " + show(input), t);
        } finally {
            long used = allocated() - before;
            long bound = (8L << 20) + 16L * input.length;
            if (before >= 0 && used > bound) {
                fail(what + ": read allocated " + used + " bytes for a " + input.length + "-byte input");
            }
        }
    }

    private long allocated() {
        return threads == null ? -1 : threads.getCurrentThreadAllocatedBytes();
    }

    private static com.sun.management.ThreadMXBean memoryMeter() {
        try {
            var bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            return bean.isThreadAllocatedMemorySupported() && bean.isThreadAllocatedMemoryEnabled() ? bean : null;
        } catch (ClassCastException | UnsupportedOperationException e) {
            return null;
        }
    }

    private static String show(byte[] b) {
        int headerEnd = Math.min(b.length, Math.max(10, Math.min(dataOffset(b), 400)));
        return b.length + " bytes, starting " + new String(b, 0, headerEnd, StandardCharsets.ISO_8859_1)
                .replace("\n", "\\n");
    }
}
