package org.reparamcl.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Runs a sweep. At each size and pass, every case (the pass on each backend and its roofs) is
 * warmed up, then timed in rounds: round r times each case once, so a pass and its roof see the
 * same machine conditions. A repetition repeats the call until it lasts at least
 * {@link BenchOptions#minRepMillis()} (wall clock) and records nanoseconds per call: it makes the
 * calls planned from the fastest warm-up call, then, should they end sooner, more calls one at a
 * time until the minimum has passed. After the rounds, each pass case's outputs are checked
 * against the CPU reference ({@link OutputCheck}); a difference stops the run. Where a round times
 * several cases, each repetition follows one untimed call of its own case, so that it starts from
 * the state its own calls leave behind (as in a loop calling it), not the one the case timed
 * before it left: a pass with ordinary stores leaves dirty cache lines (up to the size of the
 * last-level cache) whose write-back would otherwise be charged to the roof timed after it.
 */
public final class BenchRunner {
    /** Upper bound on calls per repetition and per warm-up. */
    static final int MAX_CALLS = 1 << 20;

    private BenchRunner() {
    }

    /**
     * Runs the sweep of {@code options}, drawing a progress bar on {@code progressOut} when the
     * options ask for it.
     */
    public static BenchResult run(BenchOptions options, String commandLine, PrintStream progressOut) throws IOException {
        final List<PeerRow> read = options.peers() == null ? List.of() : PeerRow.read(options.peers());
        // Only peers that drew this run's K per parameter are comparable (the same elements, another shape).
        final List<PeerRow> peers = read.stream().filter(r -> r.samples() == options.samples()).toList();
        final List<String> peerNotes = new ArrayList<>();
        if (peers.size() < read.size()) {
            peerNotes.add((read.size() - peers.size()) + " of " + read.size() + " peer rows in " + options.peers()
                    + " drew another K than this run's K = " + options.samples() + " and are left out"
                    + (peers.isEmpty() ? " (no peer comparison)" : ""));
        }
        final String startedAt = OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS).toString();
        final long t0 = System.nanoTime();
        try (BenchSetup setup = new BenchSetup(options)) {
            final MachineInfo machine = MachineInfo.current(
                    setup.openCl() == null ? null : setup.openCl().context().device());
            long steps = 0;
            for (Pass p : options.passes()) {
                steps += (long) setup.caseCount(p) * (1 + options.reps()) * options.sizes().size();
            }
            final ProgressBar bar = new ProgressBar(progressOut, steps, options.progress());
            final List<Measurement> out = new ArrayList<>();
            int checkedCases = 0;
            long checkedElements = 0;
            try {
                for (int n : options.sizes()) {
                    for (Pass p : options.passes()) {
                        final List<BenchCase> cases = setup.cases(p, n);
                        out.addAll(measureGroup(cases, options, bar));
                        for (BenchCase c : cases) {
                            if (c.check() != null) {
                                checkedCases++;
                                checkedElements += c.check().elements();
                            }
                        }
                    }
                }
            } finally {
                bar.finish();
            }
            final double wall = (System.nanoTime() - t0) / 1e9;
            final List<String> notes = new ArrayList<>(setup.notes());
            notes.addAll(peerNotes);
            return new BenchResult(options, commandLine, startedAt, wall, machine, MachineInfo.readLoadAverage(),
                    notes, out, peers, checkedCases, checkedElements);
        }
    }

    /** Times one group of cases (a pass and its roofs at one size) in interleaved rounds, then checks the passes' outputs. */
    static List<Measurement> measureGroup(List<BenchCase> cases, BenchOptions o, ProgressBar bar) {
        return measureGroup(cases, o, bar, System::nanoTime);
    }

    /** {@link #measureGroup(List, BenchOptions, ProgressBar)} on the clock {@code clock} (nanoseconds; tests pass a fake one). */
    static List<Measurement> measureGroup(List<BenchCase> cases, BenchOptions o, ProgressBar bar, LongSupplier clock) {
        final int k = cases.size();
        final int[] inner = new int[k];
        final int[] fewest = new int[k];
        Arrays.fill(fewest, Integer.MAX_VALUE);
        final double[][] ns = new double[k][o.reps()];
        final double[][] wallNs = new double[k][o.reps()];
        final long warmup = o.warmupMillis() * 1_000_000L;
        final long minRep = (long) (o.minRepMillis() * 1e6);
        for (int i = 0; i < k; i++) {
            final BenchCase c = cases.get(i);
            bar.advance(1, "warm-up " + label(c));
            inner[i] = warmUp(c, warmup, minRep, clock);
        }
        final long[] kernel = new long[1];
        final int[] calls = new int[1];
        for (int r = 0; r < o.reps(); r++) {
            for (int i = 0; i < k; i++) {
                final BenchCase c = cases.get(i);
                bar.advance(1, "round " + (r + 1) + "/" + o.reps() + " " + label(c));
                if (k > 1) {
                    c.call().getAsLong();                 // untimed: settle into this case's own state
                }
                final long w = timeCalls(c, inner[i], minRep, kernel, calls, clock);
                fewest[i] = Math.min(fewest[i], calls[0]);
                wallNs[i][r] = (double) w / calls[0];
                ns[i][r] = c.timing() == Timing.KERNEL ? (double) kernel[0] / calls[0] : wallNs[i][r];
            }
        }
        for (BenchCase c : cases) {
            check(c);
        }
        final List<Measurement> out = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            final BenchCase c = cases.get(i);
            out.add(new Measurement(c.pass(), c.backend(), c.timing(), c.roof(), c.elements(), fewest[i], ns[i]));
            if (c.timing() == Timing.KERNEL) {
                out.add(new Measurement(c.pass(), c.backend(), Timing.DEVICE, c.roof(), c.elements(), fewest[i], wallNs[i]));
            }
        }
        return out;
    }

    /**
     * Checks the outputs of a case that has a check: poisons the checked windows, makes one more
     * call exactly as timed, and compares the windows with the CPU reference bit for bit.
     * OutputMismatchException (one line) on the first difference.
     */
    static void check(BenchCase c) {
        if (c.check() == null) {
            return;
        }
        c.check().poison();
        c.call().getAsLong();
        final String bad = c.check().firstMismatch();
        if (bad != null) {
            throw new OutputMismatchException("output check failed: " + c.pass() + " on " + c.backend() + " ("
                    + c.timing().label() + ") at n = " + sizeLabel(c.elements()) + ": " + bad
                    + "; the timings are not reported");
        }
    }

    /**
     * Runs {@code c} for the warm-up time (at least once) and returns the planned calls per
     * repetition, from the fastest warm-up call: the first calls of a case are often the slowest
     * (compilation, first touch of its memory), and one slow call must not shorten every
     * repetition. {@link #timeCalls} also goes on calling until the repetition lasts the minimum.
     */
    private static int warmUp(BenchCase c, long warmupNanos, long minRepNanos, LongSupplier clock) {
        final long start = clock.getAsLong();
        int calls = 0;
        long fastest = Long.MAX_VALUE;
        long now;
        do {
            final long t = clock.getAsLong();
            c.call().getAsLong();
            now = clock.getAsLong();
            fastest = Math.min(fastest, now - t);
            calls++;
        } while (now - start < warmupNanos && calls < MAX_CALLS);
        final double perCall = Math.max(1.0, fastest);
        return (int) Math.max(1, Math.min(MAX_CALLS, Math.ceil(minRepNanos / perCall)));
    }

    /**
     * One repetition: {@code planned} calls, then more, one at a time, until it has lasted
     * {@code minRepNanos} (or made {@link #MAX_CALLS} calls). Returns its wall nanoseconds; the
     * summed device nanoseconds go to {@code kernel[0]}, the calls made to {@code calls[0]}.
     */
    private static long timeCalls(BenchCase c, int planned, long minRepNanos, long[] kernel, int[] calls,
                                  LongSupplier clock) {
        long dev = 0;
        int made = 0;
        final long t = clock.getAsLong();
        for (; made < planned; made++) {
            dev += c.call().getAsLong();
        }
        long wall = clock.getAsLong() - t;
        while (wall < minRepNanos && made < MAX_CALLS) {
            dev += c.call().getAsLong();
            made++;
            wall = clock.getAsLong() - t;
        }
        kernel[0] = dev;
        calls[0] = made;
        return wall;
    }

    private static String label(BenchCase c) {
        return c.key() + " n=" + sizeLabel(c.elements());
    }

    /** {@code 2^K} for powers of two, the number otherwise. */
    public static String sizeLabel(long n) {
        if (n > 0 && Long.bitCount(n) == 1) {
            return "2^" + Long.numberOfTrailingZeros(n);
        }
        return Long.toString(n);
    }
}
