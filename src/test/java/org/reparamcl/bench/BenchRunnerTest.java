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

    private static BenchOptions options(int reps, int warmupMillis, double minRepMillis) {
        final BenchOptions d = BenchOptions.defaults(Path.of("unused"));
        return new BenchOptions(d.sizes(), d.passes(), d.backends(), 1, reps, warmupMillis, minRepMillis, "auto",
                d.outDir(), null, 42L, false);
    }

    /**
     * Every repetition lasts at least the minimum even when the warm-up ends on a slow call: a
     * fake pass on a fake clock whose warm-up calls take 5 ms and the others 50 us. Calibrating
     * from the last warm-up call gave 1 call (50 us) per repetition; each repetition must now
     * make at least 40 calls (2 ms), and only the fast calls are timed.
     */
    @Test
    void repetitionsLastTheMinimumAfterSlowFirstCalls() {
        for (int warmupMillis : new int[] {0, 8}) {
            final int slow = warmupMillis == 0 ? 1 : 2;             // the warm-up's calls, the last one slow
            final long[] now = {0};
            final int[] calls = {0};
            final List<BenchCase> cases = List.of(new BenchCase("forward", "cpu-1", Timing.END_TO_END, false, 64, () -> {
                now[0] += calls[0]++ < slow ? 5_000_000L : 50_000L;
                return 0L;
            }));
            final List<Measurement> m = BenchRunner.measureGroup(cases, options(3, warmupMillis, 2.0), quietBar(),
                    () -> now[0]);
            assertEquals(1, m.size());
            final Measurement x = m.get(0);
            assertTrue(x.callsPerRep() >= 40, "warm-up " + warmupMillis + " ms: " + x.callsPerRep() + " calls per repetition");
            for (double ns : x.nsPerCall()) {
                assertEquals(50_000.0, ns, 1e-6, "only the fast calls are timed");
                assertTrue(ns * x.callsPerRep() >= 2e6, "repetition of " + ns * x.callsPerRep() + " ns");
            }
        }
    }

    /** Calls that get faster after the warm-up still fill the minimum: more calls, not shorter repetitions. */
    @Test
    void repetitionsAreExtendedWhenTheCallsGetFaster() {
        final long[] now = {0};
        final int[] calls = {0};
        final List<BenchCase> cases = List.of(new BenchCase("noise", "cpu-1", Timing.END_TO_END, false, 64, () -> {
            now[0] += calls[0]++ < 100 ? 100_000L : 10_000L;     // warm-up at 100 us a call, then 10 us
            return 0L;
        }));
        final Measurement x = BenchRunner.measureGroup(cases, options(2, 10, 2.0), quietBar(), () -> now[0]).get(0);
        assertEquals(200, x.callsPerRep());
        assertEquals(10_000.0, x.medianNs(), 1e-6);
    }
}
