package org.reparamcl.bench;

import java.io.PrintStream;

/** A one-line text progress bar redrawn with carriage returns; silent when disabled. */
final class ProgressBar {
    private static final int WIDTH = 30;
    /** Minimum time between redraws. */
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintStream err;
    private final long total;
    private final boolean enabled;
    private final long started = System.nanoTime();
    private long done;
    private int lastLength;
    private long lastDraw = Long.MIN_VALUE;

    ProgressBar(PrintStream err, long total, boolean enabled) {
        this.err = err;
        this.total = Math.max(1, total);
        this.enabled = enabled && err != null;
    }

    /** Advances by {@code steps} and redraws with {@code label}. */
    void advance(long steps, String label) {
        done = Math.min(total, done + steps);
        final long now = System.nanoTime();
        if (!enabled || (done < total && lastDraw != Long.MIN_VALUE && now - lastDraw < REDRAW_NANOS)) {
            return;
        }
        lastDraw = now;
        final int filled = (int) (WIDTH * done / total);
        final String line = String.format("[%s%s] %3d%% %5.1fs %s", "#".repeat(filled), "-".repeat(WIDTH - filled),
                100 * done / total, (System.nanoTime() - started) / 1e9, label);
        final String padded = line.length() < lastLength ? line + " ".repeat(lastLength - line.length()) : line;
        lastLength = line.length();
        err.print("\r" + padded);
        err.flush();
    }

    /** Ends the bar's line. */
    void finish() {
        if (enabled) {
            err.println();
            err.flush();
        }
    }
}
