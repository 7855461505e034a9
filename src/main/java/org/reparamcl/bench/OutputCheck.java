package org.reparamcl.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import org.reparamcl.Backend;
import org.reparamcl.NoiseMode;
import org.reparamcl.ReparamSpec;
import org.reparamcl.opencl.ClBuffer;
import org.reparamcl.opencl.OpenClBackend;

/**
 * The check of one timed case's outputs: windows of whole rows of every output the pass writes,
 * recomputed on the CPU reference, against what the case's call wrote, bit for bit. The runner
 * overwrites the windows with {@link #POISON} ({@link #poison()}), makes one more call of the
 * case, exactly as timed, and then compares ({@link #firstMismatch()}), so a call that writes
 * nothing, or writes wrong values, fails the run.
 *
 * <p>The windows rest on the library's addressing contract (docs/REPARAM.md): element i of a
 * (K, B, D) call uses eps number {@code offset + i}, so a window of parameter rows
 * {@code b0 .. b0+w} of sample k is a (1, w, D) call at {@code offset + (k*B + b0)*D} with the
 * parameter rows sliced; with K = 1 a backward row window is likewise a (1, w, D) call (the
 * gradients of a parameter row sum only its own rows); with K &gt; 1 it is a STORE-mode (K, w, D)
 * call on the eps of those rows, gathered (read from the stored eps, or regenerated from the
 * stream), which gives the same bits as RECOMPUTE. The noise fill's windows are fills at the
 * window's offset.
 */
public final class OutputCheck {
    /** About this many elements per window (whole rows, at least one). */
    static final int WINDOW = 4096;
    /** Written over the windows before the checked call: a quiet NaN with a payload no pass produces. */
    static final float POISON = Float.intBitsToFloat(0x7FC5A5A5);

    /** The reference values of one window of one output. */
    record Expected(String output, int from, float[] values) {
        Expected {
            Objects.requireNonNull(output, "output");
            Objects.requireNonNull(values, "values");
        }
    }

    /** Where an output of a case lives. */
    interface Target {
        /** Overwrites (at least) the elements of {@code windows} with {@link #POISON}. */
        void poison(List<Expected> windows);

        /** An array whose element i is the output's element i, for the windows' elements (at least). */
        float[] contents();

        /** Sets element {@code i} to {@code v} (tests: a pass that got one element wrong). */
        void set(int i, float v);
    }

    private final List<Expected> expected;
    private final Map<String, Target> targets;

    OutputCheck(List<Expected> expected, Map<String, Target> targets) {
        this.expected = List.copyOf(expected);
        this.targets = new LinkedHashMap<>(targets);
        for (Expected e : this.expected) {
            if (!this.targets.containsKey(e.output())) {
                throw new IllegalArgumentException("no target for output " + e.output());
            }
        }
        for (String name : this.targets.keySet()) {
            if (this.expected.stream().noneMatch(e -> e.output().equals(name))) {
                throw new IllegalArgumentException("no reference windows for output " + name);
            }
        }
    }

    /** Where output {@code name} lives (tests). */
    Target target(String name) {
        return targets.get(name);
    }

    /** The outputs checked, by name. */
    public List<String> outputs() {
        return List.copyOf(targets.keySet());
    }

    /** Elements compared by one check. */
    public long elements() {
        long n = 0;
        for (Expected e : expected) {
            n += e.values().length;
        }
        return n;
    }

    /** Overwrites every window with {@link #POISON}. */
    void poison() {
        for (Map.Entry<String, Target> t : targets.entrySet()) {
            t.getValue().poison(expected.stream().filter(e -> e.output().equals(t.getKey())).toList());
        }
    }

    /** The first element that differs from the reference, in words; null when every window matches. */
    String firstMismatch() {
        for (Map.Entry<String, Target> t : targets.entrySet()) {
            final float[] got = t.getValue().contents();
            for (Expected e : expected) {
                if (!e.output().equals(t.getKey())) {
                    continue;
                }
                for (int j = 0; j < e.values().length; j++) {
                    final float g = got[e.from() + j];
                    final float w = e.values()[j];
                    if (Float.floatToRawIntBits(g) != Float.floatToRawIntBits(w)) {
                        return String.format(Locale.ROOT, "%s[%d] = %s (0x%08x), the CPU reference gives %s (0x%08x)",
                                e.output(), e.from() + j, g, Float.floatToRawIntBits(g), w, Float.floatToRawIntBits(w));
                    }
                }
            }
        }
        return null;
    }

    /** A host array. */
    static Target host(float[] a) {
        return new Target() {
            @Override
            public void poison(List<Expected> windows) {
                for (Expected e : windows) {
                    Arrays.fill(a, e.from(), e.from() + e.values().length, POISON);
                }
            }

            @Override
            public float[] contents() {
                return a;
            }

            @Override
            public void set(int i, float v) {
                a[i] = v;
            }
        };
    }

    /**
     * A device buffer of {@code n} elements, read and written whole (the backend copies from the
     * start of a buffer) through {@code scratch}, at least n long, shared by the checks of a group.
     */
    static Target device(OpenClBackend cl, ClBuffer b, int n, float[] scratch) {
        return new Target() {
            @Override
            public void poison(List<Expected> windows) {
                Arrays.fill(scratch, 0, n, POISON);
                cl.write(b, scratch, 0, n);
            }

            @Override
            public float[] contents() {
                cl.read(b, scratch, 0, n);
                return scratch;
            }

            @Override
            public void set(int i, float v) {
                cl.read(b, scratch, 0, n);
                scratch[i] = v;
                cl.write(b, scratch, 0, n);
            }
        };
    }

    /** Starts of windows of {@code w} of {@code count} items: the first, a middle and the last, distinct. */
    static long[] starts(long count, long w) {
        final long last = count - w;
        return Arrays.stream(new long[] {0, last / 2, last}).distinct().toArray();
    }

    /** Reference windows of the noise fill of {@code n} elements at (seed, stream 0, offset 0). */
    static List<Expected> noise(Backend ref, long seed, int n) {
        final int w = Math.min(WINDOW, n);
        final List<Expected> out = new ArrayList<>();
        for (long from : starts(n, w)) {
            final float[] v = new float[w];
            ref.fillNormal(seed, 0, from, v, 0, w);
            out.add(new Expected("noise", (int) from, v));
        }
        return out;
    }

    /** Rows per window for rows of {@code dim} elements, at most {@code rows}. */
    private static long rowsPerWindow(long rows, long dim) {
        return Math.max(1, Math.min(rows, WINDOW / Math.max(1, dim)));
    }

    /**
     * Reference windows of z (and eps in STORE mode) of the forward pass {@code spec} (no
     * broadcast, no extras): sample rows of (k = 0, first rows), (k = K/2, middle rows),
     * (k = K-1, last rows).
     */
    static List<Expected> forward(Backend ref, ReparamSpec spec, float[] mu, float[] rho) {
        requireSimple(spec);
        final int k = spec.samples();
        final long b = spec.rows();
        final long d = spec.dim();
        final long w = rowsPerWindow(b, d);
        final long[] starts = starts(b, w);
        final boolean store = spec.noiseMode() == NoiseMode.STORE;
        final List<Expected> out = new ArrayList<>();
        for (int j = 0; j < starts.length; j++) {
            final int sample = j == 0 ? 0 : j == starts.length - 1 ? k - 1 : k / 2;
            final long b0 = starts[j];
            final int from = (int) ((sample * b + b0) * d);
            final int len = (int) (w * d);
            final ReparamSpec sub = spec.toBuilder().shape(1, w, d).offset(spec.offset() + from).build();
            final float[] z = new float[len];
            final float[] eps = store ? new float[len] : null;
            ref.reparamForward(sub, slice(mu, b0 * d, len), slice(rho, b0 * d, len), z, eps);
            out.add(new Expected("z", from, z));
            if (store) {
                out.add(new Expected("eps", from, eps));
            }
        }
        return out;
    }

    /**
     * Reference windows of gradMu and gradRho of the backward pass {@code spec} (no broadcast, no
     * extras, not accumulating) on parameter rows first, middle and last; {@code eps} is the
     * stored eps in STORE mode (null in RECOMPUTE).
     */
    static List<Expected> backward(Backend ref, ReparamSpec spec, float[] mu, float[] rho, float[] eps, float[] gradZ) {
        requireSimple(spec);
        final int k = spec.samples();
        final long b = spec.rows();
        final long d = spec.dim();
        final long w = rowsPerWindow(b, d);
        final int len = (int) (w * d);
        final List<Expected> out = new ArrayList<>();
        for (long b0 : starts(b, w)) {
            final int from = (int) (b0 * d);
            final float[] gm = new float[len];
            final float[] gr = new float[len];
            if (k == 1) {
                final ReparamSpec sub = spec.toBuilder().shape(1, w, d).offset(spec.offset() + from).build();
                ref.reparamBackward(sub, slice(mu, from, len), slice(rho, from, len),
                        eps == null ? null : slice(eps, from, len), slice(gradZ, from, len), gm, gr, false);
            } else {
                // The K rows of each parameter row, gathered: a STORE call on their eps gives the same bits.
                final float[] e = new float[k * len];
                final float[] g = new float[k * len];
                for (int s = 0; s < k; s++) {
                    final long at = (s * b + b0) * d;
                    System.arraycopy(gradZ, (int) at, g, s * len, len);
                    if (eps != null) {
                        System.arraycopy(eps, (int) at, e, s * len, len);
                    } else {
                        ref.fillNormal(spec.seed(), spec.stream(), spec.offset() + at, e, s * len, len);
                    }
                }
                final ReparamSpec sub = spec.toBuilder().shape(k, w, d).noiseMode(NoiseMode.STORE).build();
                ref.reparamBackward(sub, slice(mu, from, len), slice(rho, from, len), e, g, gm, gr, false);
            }
            out.add(new Expected("gradMu", from, gm));
            out.add(new Expected("gradRho", from, gr));
        }
        return out;
    }

    private static void requireSimple(ReparamSpec spec) {
        if (spec.broadcast()) {
            throw new IllegalArgumentException("row windows need (B, D) parameters, not broadcast ones");
        }
    }

    private static float[] slice(float[] a, long from, int len) {
        return Arrays.copyOfRange(a, (int) from, (int) from + len);
    }
}
