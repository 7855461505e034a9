package org.reparamcl.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The order in which the runner calls the cases of a group. */
class BenchRunnerTest {
    private static BenchOptions options(int reps) {
        final BenchOptions d = BenchOptions.defaults(Path.of("unused"));
        return new BenchOptions(d.sizes(), d.passes(), d.backends(), 1, reps, 0, 0.0, "auto", d.outDir(), null,
                42L, false);
    }

    private static ProgressBar quietBar() {
        return new ProgressBar(new PrintStream(OutputStream.nullOutputStream()), 1, false);
    }

    /**
     * With a pass and its roof, every repetition of a case follows an untimed call of the same
     * case, so the timed calls never start from the state the other case left: after the
     * warm-ups, the calls come in runs of at least two of one case, one run per case and round.
     */
    @Test
    void eachRepetitionFollowsAnUntimedCallOfItsOwnCase() {
        final List<String> log = new ArrayList<>();
        final List<BenchCase> cases = List.of(
                new BenchCase("forward", "opencl", Timing.KERNEL, false, 64, () -> { log.add("pass"); return 10L; }),
                new BenchCase("forward", "opencl", Timing.KERNEL, true, 64, () -> { log.add("roof"); return 5L; }));
        final int reps = 4;
        final List<Measurement> m = BenchRunner.measureGroup(cases, options(reps), quietBar());
        assertEquals(4, m.size(), "kernel and device timings of both cases");
        // warm-up: one call each (0 ms warm-up, at least one call), then the rounds.
        assertEquals(List.of("pass", "roof"), log.subList(0, 2));
        final List<String> rounds = log.subList(2, log.size());
        final List<Integer> runLengths = new ArrayList<>();
        final List<String> runCases = new ArrayList<>();
        for (int i = 0; i < rounds.size(); ) {
            int j = i;
            while (j < rounds.size() && rounds.get(j).equals(rounds.get(i))) {
                j++;
            }
            runCases.add(rounds.get(i));
            runLengths.add(j - i);
            i = j;
        }
        assertEquals(2 * reps, runCases.size(), runCases.toString());
        for (int r = 0; r < runCases.size(); r++) {
            assertEquals(r % 2 == 0 ? "pass" : "roof", runCases.get(r));
            assertTrue(runLengths.get(r) >= 2, "settle call plus at least one timed call: " + runLengths);
        }
        for (Measurement x : m) {
            if (x.timing() == Timing.KERNEL) {
                assertEquals(x.roof() ? 5.0 : 10.0, x.medianNs(), 1e-9, "only the timed calls are counted");
            }
        }
    }

    /** A group of one case has nothing to settle from: its repetitions follow one another directly. */
    @Test
    void aSingleCaseIsNotCalledTwicePerRepetition() {
        final List<String> log = new ArrayList<>();
        final List<BenchCase> cases = List.of(
                new BenchCase("noise", "cpu-1", Timing.END_TO_END, false, 64, () -> { log.add("pass"); return 0L; }));
        BenchRunner.measureGroup(cases, options(3), quietBar());
        assertEquals(1 + 3, log.size(), log.toString());
    }
}
