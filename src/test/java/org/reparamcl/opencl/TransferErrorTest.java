package org.reparamcl.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.junit.jupiter.api.Test;

/**
 * Reads, writes, fills and copies of device buffers: a driver that runs out of memory or resources
 * there (GPU drivers commonly allocate a buffer at its first use) gives ClMemoryException naming
 * the bytes and the device, as an allocation or a launch does (docs/RELIABILITY.md); any other
 * error stays the driver's CLException.
 */
class TransferErrorTest {
    /** Every resource status becomes ClMemoryException; any other status is the same exception. */
    @Test
    void resourceErrorsBecomeClMemoryException() {
        final ClContext ctx = OpenClTestSupport.backend().context();
        for (int status : new int[] {CL.CL_OUT_OF_RESOURCES, CL.CL_OUT_OF_HOST_MEMORY, CL.CL_MEM_OBJECT_ALLOCATION_FAILURE}) {
            final CLException e = new CLException(CL.stringFor_errorCode(status), status);
            final RuntimeException mapped = ctx.deviceError("writing 64 bytes", e);
            assertInstanceOf(ClMemoryException.class, mapped);
            assertSame(e, mapped.getCause());
            assertEquals("writing 64 bytes on " + ctx.device().deviceName() + " failed: " + CL.stringFor_errorCode(status),
                    mapped.getMessage());
        }
        final CLException invalid = new CLException("CL_INVALID_VALUE", CL.CL_INVALID_VALUE);
        assertSame(invalid, ctx.deviceError("reading 4 bytes", invalid));
    }

    /** A read past a buffer's end, for real: the driver's CL_INVALID_VALUE, not a memory error. */
    @Test
    void aReadPastTheEndIsTheDriversError() {
        final ClContext ctx = OpenClTestSupport.backend().context();
        try (ClBuffer b = ctx.allocate(64)) {
            final CLException e = assertThrows(CLException.class, () -> ctx.read(b, 32, 64, Pointer.to(new float[16])));
            assertEquals(CL.CL_INVALID_VALUE, e.getStatus());
            final float[] got = new float[4];
            ctx.write(b, 0, 16, Pointer.to(new float[] {1, 2, 3, 4}), true);
            ctx.read(b, 0, 16, Pointer.to(got));
            assertEquals(List.of(1f, 2f, 3f, 4f), List.of(got[0], got[1], got[2], got[3]));
        }
    }

    /** No host code enqueues a transfer around ClContext's helpers, which map the errors. */
    @Test
    void everyTransferGoesThroughTheContext() throws IOException {
        final Pattern raw = Pattern.compile("clEnqueue(Read|Write|Fill|Copy)Buffer\\w*\\(");
        final List<String> found = new ArrayList<>();
        int inContext = 0;
        try (Stream<Path> files = Files.walk(Path.of("src/main/java/org/reparamcl"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                final Matcher m = raw.matcher(Files.readString(f));
                while (m.find()) {
                    if (f.getFileName().toString().equals("ClContext.java")) {
                        inContext++;
                    } else {
                        found.add(f + ": " + m.group());
                    }
                }
            }
        }
        assertEquals(List.of(), found);
        assertTrue(inContext == 5, "ClContext: " + inContext + " transfers, expected zero() and the four helpers");
    }
}
