package org.reparamcl.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.reparamcl.opencl.ClDevices;

/**
 * The bench checks what it times: every pass case's outputs are compared with the CPU reference
 * on row windows after it is timed, and a pass that writes wrong values, or nothing, stops the
 * run with a one-line error naming the pass, backend, size, index and both values.
 */
class OutputCheckTest {
    private static final boolean OPENCL = ClDevices.unavailableReason() == null;

    private static BenchOptions options(int samples, int... sizes) {
        return new BenchOptions(java.util.Arrays.stream(sizes).boxed().toList(), Pass.DEFAULT,
                OPENCL ? List.of("cpu-1", "opencl") : List.of("cpu-1"), samples, 1, 0, 0.0, "auto", Path.of("unused"),
                null, 42L, false);
    }

    private static ProgressBar quietBar() {
        return new ProgressBar(new PrintStream(OutputStream.nullOutputStream()), 1, false);
    }

    private static Set<String> outputs(Pass p) {
        return switch (p) {
            case NOISE -> Set.of("noise");
            case FORWARD -> Set.of("z");
            case FORWARD_STORE -> Set.of("z", "eps");
            case BACKWARD_RECOMPUTE, BACKWARD_STORE -> Set.of("gradMu", "gradRho");
        };
    }

    /**
     * At sizes whose windows leave most of the output unchecked (32 rows of 1024, windows of 4
     * rows), at a size whose row is the whole parameter vector (D = P = 3000), and with K = 2,
     * every pass case of every pass carries a check of every output it writes, the roofs none,
     * and the real passes pass it.
     */
    @Test
    void everyPassCaseIsCheckedAndTheRealPassesMatch() {
        for (int k : new int[] {1, 2}) {
            final BenchOptions o = options(k, 1 << 15, 3000 * k);
            try (BenchSetup setup = new BenchSetup(o)) {
                for (int n : o.sizes()) {
                    for (Pass p : Pass.values()) {
                        final List<BenchCase> cases = setup.cases(p, n);
                        assertEquals(OPENCL ? 6 : 2, cases.size());
                        for (BenchCase c : cases) {
                            if (c.roof()) {
                                assertNull(c.check(), c.key());
                            } else {
                                assertNotNull(c.check(), c.key());
                                assertEquals(outputs(p), Set.copyOf(c.check().outputs()), c.key());
                                assertTrue(c.check().elements() > 0);
                            }
                        }
                        BenchRunner.measureGroup(cases, o, quietBar());    // throws on a mismatch
                    }
                }
            }
        }
    }

    /**
     * A pass that gets one element of one output wrong (the last of each output in turn), on each
     * backend and timing, fails the group: one line naming the pass, backend, timing, size, the
     * bad index and both values.
     */
    @Test
    void aPassThatWritesAWrongValueFailsTheRun() {
        final int n = 1 << 15;
        for (int k : new int[] {1, 2}) {
            final BenchOptions o = options(k, n);
            try (BenchSetup setup = new BenchSetup(o)) {
                for (Pass p : Pass.values()) {
                    final List<BenchCase> cases = setup.cases(p, n);
                    final int last = p.backward() ? n / k - 1 : n - 1;
                    for (int i = 0; i < cases.size(); i += 2) {
                        final BenchCase pass = cases.get(i);
                        final BenchCase roof = cases.get(i + 1);
                        assertFalse(pass.roof());
                        assertTrue(roof.roof());
                        for (String out : pass.check().outputs()) {
                            final BenchCase broken = new BenchCase(pass.pass(), pass.backend(), pass.timing(), false,
                                    pass.elements(), () -> {
                                        final long t = pass.call().getAsLong();
                                        pass.check().target(out).set(last, 1234.5f);
                                        return t;
                                    }, pass.check());
                            final OutputMismatchException e = assertThrows(OutputMismatchException.class,
                                    () -> BenchRunner.measureGroup(List.of(broken, roof), o, quietBar()), pass.key());
                            final String m = e.getMessage();
                            assertTrue(m.startsWith("output check failed: " + p.label() + " on " + pass.backend() + " ("
                                    + pass.timing().label() + ") at n = 2^15: " + out + "[" + last + "] = 1234.5 (0x449a5000),"
                                    + " the CPU reference gives "), m);
                            assertTrue(m.matches(".* gives \\S+ \\(0x[0-9a-f]{8}\\); the timings are not reported"), m);
                            assertFalse(m.contains("\n"));
                        }
                    }
                }
            }
        }
    }

    /**
     * A call that writes nothing fails although the outputs already hold the right values from
     * an earlier call: the windows are overwritten before the checked call.
     */
    @Test
    void aPassThatWritesNothingFails() {
        final int n = 1 << 14;
        final BenchOptions o = options(1, n);
        try (BenchSetup setup = new BenchSetup(o)) {
            for (Pass p : Pass.values()) {
                for (BenchCase c : setup.cases(p, n)) {
                    if (c.roof()) {
                        continue;
                    }
                    BenchRunner.check(c);                          // the real call: the right values are in place
                    final BenchCase idle = new BenchCase(c.pass(), c.backend(), c.timing(), false, c.elements(),
                            () -> 0L, c.check());
                    final OutputMismatchException e = assertThrows(OutputMismatchException.class,
                            () -> BenchRunner.check(idle), c.key());
                    assertTrue(e.getMessage().contains("[0] = NaN (0x7fc5a5a5)"), e.getMessage());
                }
            }
        }
    }

    /** Windows: the first, a middle and the last, distinct; whole rows of about WINDOW elements. */
    @Test
    void windowsAreTheFirstAMiddleAndTheLast() {
        assertEquals(List.of(0L, 14L, 28L), java.util.Arrays.stream(OutputCheck.starts(32, 4)).boxed().toList());
        assertEquals(List.of(0L), java.util.Arrays.stream(OutputCheck.starts(1, 1)).boxed().toList());
        final OutputCheck c = new OutputCheck(List.of(new OutputCheck.Expected("z", 2, new float[] {1f, -0f})),
                Map.of("z", OutputCheck.host(new float[] {9f, 9f, 1f, 0f})));
        assertEquals("z[3] = 0.0 (0x00000000), the CPU reference gives -0.0 (0x80000000)", c.firstMismatch(),
                "bits, not values: -0 is not +0");
    }
}
