package org.reparamcl.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;

import org.reparamcl.NoiseMode;
import org.reparamcl.chart.Axis;
import org.reparamcl.chart.Chart;
import org.reparamcl.chart.Legend;
import org.reparamcl.chart.Palette;
import org.reparamcl.chart.Series;
import org.reparamcl.CrossoverTable;
import org.reparamcl.io.FileBatch;

/**
 * The artifacts of a run: a Markdown table, a JSON file with the raw numbers and the machine,
 * a PNG chart (one log-log panel per pass, the roofs dashed) and {@code crossover.properties}.
 *
 * <p>Each row's roof is the roof case of the same pass, backend and timing at the same size, from
 * the same run. The CPU reference of the speed-up column is the CPU backend with the most threads
 * in the run, end to end.
 */
public final class BenchReport {
    /** File names written into the output directory. */
    public static final String MARKDOWN = "bench.md";
    public static final String JSON = "bench.json";
    public static final String PNG = "bench.png";
    public static final String CROSSOVER = "crossover.properties";

    /** Width of one chart; the legend column to its right is {@link #LEGEND_WIDTH} wide. */
    static final int PANEL_WIDTH = 1000;
    static final int PANEL_HEIGHT = 560;
    static final int LEGEND_WIDTH = 380;

    private final BenchResult result;
    private final String reference;

    /** A report on {@code result}. */
    public BenchReport(BenchResult result) {
        this.result = result;
        String ref = null;
        int best = 0;
        for (Measurement m : result.measurements()) {
            if (m.backend().startsWith("cpu-")) {
                final int t = Integer.parseInt(m.backend().substring(4));
                if (t > best) {
                    best = t;
                    ref = m.backend();
                }
            }
        }
        this.reference = ref;
    }

    /** The CPU reference backend id of the speed-up column, or null when no CPU row was measured. */
    public String reference() {
        return reference;
    }

    /** One table row: a pass measurement with its same-run roof and its speed-up over the CPU reference. */
    public record Row(Measurement m, Measurement roof, Measurement ref) {
        /** Roof median over this median (1 = as fast as the roof), or NaN without a roof. */
        public double fractionOfRoof() {
            return roof == null ? Double.NaN : roof.medianNs() / m.medianNs();
        }

        /** CPU reference median over this median, or NaN without a reference. */
        public double speedup() {
            return ref == null ? Double.NaN : ref.medianNs() / m.medianNs();
        }
    }

    /** The pass rows (roofs are columns, not rows), ordered by pass, size and series. */
    public List<Row> rows() {
        final List<Row> rows = new ArrayList<>();
        for (Pass p : result.options().passes()) {
            for (int n : result.options().sizes()) {
                for (Measurement m : result.measurements()) {
                    if (!m.roof() && m.pass().equals(p.label()) && m.elements() == n) {
                        rows.add(new Row(m, result.find(m.pass(), m.backend(), m.timing(), true, n),
                                reference == null ? null : result.find(m.pass(), reference, Timing.END_TO_END, false, n)));
                    }
                }
            }
        }
        return rows;
    }

    /**
     * Where OpenCL overtakes the CPU reference for one pass and timing.
     *
     * @param pass   pass label
     * @param timing the OpenCL timing compared with the CPU reference (end to end)
     * @param size   smallest measured size from which OpenCL is faster at every larger measured
     *               size, or -1 when it is not faster at the largest
     * @param routeBelow what {@code crossover.properties} saves: batches below it go to the CPU
     *               reference. Only what was measured: {@code size} when the CPU was faster at a
     *               smaller measured size (smaller batches, where OpenCL's fixed costs weigh more,
     *               go to the CPU too); 1, nothing routed, when OpenCL was faster at every measured
     *               size (below the smallest nothing is known, and OpenCL stays as without a file);
     *               the largest measured size + 1 when the CPU was faster there (above it nothing is
     *               known, and OpenCL stays as without a file)
     * @param note   the finding in words
     */
    public record Crossover(String pass, Timing timing, long size, long routeBelow, String note) {
    }

    /** The crossovers of every pass for the end-to-end and device timings; empty without OpenCL or CPU rows. */
    public List<Crossover> crossovers() {
        final List<Crossover> out = new ArrayList<>();
        if (reference == null) {
            return out;
        }
        for (Pass p : result.options().passes()) {
            for (Timing t : new Timing[] {Timing.END_TO_END, Timing.DEVICE}) {
                final List<Integer> sizes = result.options().sizes();
                long from = -1;
                boolean any = false;
                long smallest = -1;
                long largest = -1;
                for (int i = sizes.size() - 1; i >= 0; i--) {
                    final Measurement cl = result.find(p.label(), "opencl", t, false, sizes.get(i));
                    final Measurement cpu = result.find(p.label(), reference, Timing.END_TO_END, false, sizes.get(i));
                    if (cl != null && cpu != null) {
                        smallest = sizes.get(i);
                        largest = largest < 0 ? sizes.get(i) : largest;
                    }
                }
                for (int i = sizes.size() - 1; i >= 0; i--) {
                    final Measurement cl = result.find(p.label(), "opencl", t, false, sizes.get(i));
                    final Measurement cpu = result.find(p.label(), reference, Timing.END_TO_END, false, sizes.get(i));
                    if (cl == null || cpu == null) {
                        continue;
                    }
                    any = true;
                    if (cl.medianNs() < cpu.medianNs()) {
                        from = sizes.get(i);
                    } else {
                        break;
                    }
                }
                if (!any) {
                    continue;
                }
                final String what = "OpenCL " + t.label() + " vs " + reference + " end-to-end";
                final String note;
                final long routeBelow;
                if (from < 0) {
                    routeBelow = largest + 1;
                    note = what + ": the CPU is faster at the largest size measured ("
                            + BenchRunner.sizeLabel(largest) + "); saved: batches up to "
                            + BenchRunner.sizeLabel(largest) + " to the CPU, larger ones (not measured) stay on OpenCL";
                } else if (from == smallest) {
                    routeBelow = 1;
                    note = what + ": OpenCL is faster at every size measured (crossover at or below "
                            + BenchRunner.sizeLabel(from) + "); saved: no batch to the CPU, since smaller sizes were not"
                            + " measured (start the sweep lower to find the crossover)";
                } else {
                    routeBelow = from;
                    note = what + ": OpenCL is faster from " + BenchRunner.sizeLabel(from) + " elements up; saved:"
                            + " batches below " + BenchRunner.sizeLabel(from) + " to the CPU";
                }
                out.add(new Crossover(p.label(), t, from, routeBelow, note));
            }
        }
        return out;
    }

    /**
     * forward plus backward per element, ours against a peer's {@code forward+backward} at the
     * same size: ours is the sum of the forward and backward medians of one backend and timing, in
     * one noise mode (RECOMPUTE: forward + backward-recompute; STORE: forward-store +
     * backward-store, which keeps eps as the peers' autograd does).
     *
     * @param n        elements
     * @param ours     "backend timing" of our series
     * @param mode     the noise mode of our pair of passes
     * @param oursNs   our forward + backward nanoseconds per call
     * @param peer     the peer's label
     * @param peerNs   the peer's forward+backward nanoseconds per call
     */
    public record PeerComparison(long n, String ours, NoiseMode mode, double oursNs, String peer, double peerNs) {
        /** Peer time over ours: how many times faster ours is. */
        public double speedup() {
            return peerNs / oursNs;
        }
    }

    /** The forward and backward passes of each noise mode, in report order. */
    private static final Pass[][] PAIRS = {{Pass.FORWARD, Pass.BACKWARD_RECOMPUTE}, {Pass.FORWARD_STORE, Pass.BACKWARD_STORE}};

    /** Every (size, our series, noise mode, peer) with both of the mode's passes and a peer forward+backward. */
    public List<PeerComparison> peerComparisons() {
        final List<PeerComparison> out = new ArrayList<>();
        for (PeerRow peer : result.peers()) {
            if (!peer.pass().equals("forward+backward")) {
                continue;
            }
            for (Pass[] pair : PAIRS) {
                for (Measurement f : result.measurements()) {
                    if (f.roof() || !f.pass().equals(pair[0].label()) || f.elements() != peer.elements()) {
                        continue;
                    }
                    final Measurement b = result.find(pair[1].label(), f.backend(), f.timing(), false, f.elements());
                    if (b != null) {
                        out.add(new PeerComparison(f.elements(), f.backend() + " " + f.timing().label(), pair[1].noiseMode(),
                                f.medianNs() + b.medianNs(), peer.peer(), peer.medianNs()));
                    }
                }
            }
        }
        return out;
    }

    /** Writes the four artifacts into the output directory and returns the Markdown text. */
    public String writeAll() throws IOException {
        return writeAll(List.of());
    }

    /**
     * Writes the four artifacts into the output directory, and {@code crossover.properties} also
     * to each of {@code crossoverCopies}, all or nothing as far as the file system allows: every
     * file is first written to a hidden temporary file beside its target, and only when all are
     * written are they moved into place. On failure every temporary file is removed, and so are
     * the files and directories this call created; a file that existed is left as it was unless
     * its move had already happened. A replaced file keeps its POSIX permissions; a new one gets
     * the umask's.
     *
     * @return the Markdown text
     * @throws FileSystemException naming the target (not the temporary file) that failed
     */
    public String writeAll(List<Path> crossoverCopies) throws IOException {
        final Path dir = result.options().outDir();
        final String md = markdown();
        final byte[] crossover = crossoverProperties().getBytes(StandardCharsets.UTF_8);
        final Map<Path, byte[]> files = new LinkedHashMap<>();
        files.put(dir.resolve(MARKDOWN), md.getBytes(StandardCharsets.UTF_8));
        files.put(dir.resolve(JSON), Json.write(toMap()).getBytes(StandardCharsets.UTF_8));
        files.put(dir.resolve(PNG), png());
        files.put(dir.resolve(CROSSOVER), crossover);
        for (Path c : crossoverCopies) {
            files.put(c, crossover);
        }
        FileBatch.write(files, () -> { });
        return md;
    }

    /** How the bench checks the passes' outputs, in words (the report and the JSON carry it). */
    static final String CHECK_METHOD = "after each pass case (not the roofs) is timed, the windows checked are"
            + " overwritten with NaN, the case's call is made once more exactly as timed, and every output it"
            + " writes (noise; z and, STORE, eps; gradMu and gradRho) is compared bit for bit with the CPU reference"
            + " (one thread) on windows of whole rows, about " + OutputCheck.WINDOW + " elements each (the first,"
            + " a middle and the last), recomputed from the same inputs at the windows' offsets in the noise stream"
            + " (docs/REPARAM.md: element i uses eps number offset + i); a difference stops the run with an error and"
            + " no report";

    /** The output-check line of the report. */
    private String outputCheck() {
        if (result.checkedCases() == 0) {
            return "not checked";
        }
        return result.checkedCases() + " pass timings verified, " + result.checkedElements()
                + " elements, all bit-identical to the CPU reference (" + CHECK_METHOD + ")";
    }

    /** The Markdown report: machine, notes, the table, crossovers and peer rows. */
    public String markdown() {
        final StringBuilder sb = new StringBuilder();
        final MachineInfo mi = result.machine();
        sb.append("# reparam bench\n\n");
        sb.append("- command: `").append(result.commandLine()).append("`\n");
        sb.append("- started: ").append(result.startedAt()).append(String.format(Locale.ROOT, ", %.1f s%n", result.wallSeconds()));
        sb.append("- CPU: ").append(mi.cpuModel()).append(" (").append(mi.cpuDetail()).append("), ")
                .append(mi.logicalProcessors()).append(" logical processors\n");
        sb.append("- OpenCL: ").append(mi.openclDevice() == null ? "none" : mi.openclDevice()).append('\n');
        sb.append("- JVM: ").append(mi.jvm()).append("; OS: ").append(mi.os()).append('\n');
        sb.append("- load average: ").append(mi.loadAverage()).append(" at start, ").append(result.loadAtEnd()).append(" at end\n");
        sb.append("- settings: ").append(mi.settings().isEmpty() ? "none (no POCL_*, OCL_ICD_*, GLIBC_TUNABLES, LD_PRELOAD or -Dreparam.*)"
                : mi.settings().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                        .collect(Collectors.joining(", "))).append('\n');
        sb.append(String.format(Locale.ROOT, "- %d repetitions per point; median reported, min in the JSON;"
                + " K = %d sample(s) per parameter, shape (B, D) with D = %d where it divides, parameterization sigma,"
                + " value checks off%n", result.options().reps(), result.options().samples(), BenchSetup.ROW));
        sb.append("- outputs: ").append(outputCheck()).append('\n');
        for (String note : result.notes()) {
            sb.append("- note: ").append(note).append('\n');
        }
        sb.append('\n');
        sb.append("| pass | n | backend | timing | median ns | elements/s | ns/element | roof elements/s | of roof | vs ")
                .append(reference == null ? "cpu" : reference).append(" |\n");
        sb.append("|---|---:|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows()) {
            final Measurement m = r.m();
            sb.append("| ").append(m.pass()).append(" | ").append(BenchRunner.sizeLabel(m.elements())).append(" | ")
                    .append(m.backend()).append(" | ").append(m.timing().label()).append(" | ")
                    .append(fmt(m.medianNs())).append(" | ").append(sci(m.elementsPerSecond())).append(" | ")
                    .append(fmt3(m.nsPerElement())).append(" | ")
                    .append(r.roof() == null ? "" : sci(r.roof().elementsPerSecond())).append(" | ")
                    .append(Double.isNaN(r.fractionOfRoof()) ? "" : String.format(Locale.ROOT, "%.3g", r.fractionOfRoof()))
                    .append(" | ")
                    .append(Double.isNaN(r.speedup()) ? "" : String.format(Locale.ROOT, "%.3gx", r.speedup()))
                    .append(" |\n");
        }
        final List<Crossover> cs = crossovers();
        if (!cs.isEmpty()) {
            sb.append("\nCrossover (smallest measured batch from which OpenCL stays faster than the CPU reference;"
                    + " crossover.properties saves only what was measured):\n\n");
            for (Crossover c : cs) {
                sb.append("- ").append(c.pass()).append(": ").append(c.note()).append('\n');
            }
        }
        final List<PeerComparison> pcs = peerComparisons();
        if (!pcs.isEmpty()) {
            sb.append("\nforward + backward per element against the peers' forward+backward (RECOMPUTE: forward +"
                    + " backward-recompute; STORE: forward-store + backward-store, eps kept as autograd keeps it):\n\n");
            sb.append("| n | reparam-cl | mode | ns/element | peer | ns/element | speed-up |\n|---:|---|---|---:|---|---:|---:|\n");
            for (PeerComparison c : pcs) {
                sb.append("| ").append(BenchRunner.sizeLabel(c.n())).append(" | ").append(c.ours()).append(" | ")
                        .append(c.mode()).append(" | ")
                        .append(fmt3(c.oursNs() / c.n())).append(" | ").append(c.peer()).append(" | ")
                        .append(fmt3(c.peerNs() / c.n())).append(" | ")
                        .append(String.format(Locale.ROOT, "%.3gx", c.speedup())).append(" |\n");
            }
        }
        if (!result.peers().isEmpty()) {
            sb.append("\nPeers (from ").append(result.options().peers()).append("):\n\n");
            sb.append("| peer | pass | n | median ns | elements/s | ns/element |\n|---|---|---:|---:|---:|---:|\n");
            for (PeerRow p : result.peers()) {
                sb.append("| ").append(p.peer()).append(" | ").append(p.pass()).append(" | ")
                        .append(BenchRunner.sizeLabel(p.elements())).append(" | ").append(fmt(p.medianNs())).append(" | ")
                        .append(sci(p.elementsPerSecond())).append(" | ").append(fmt3(p.nsPerElement())).append(" |\n");
            }
        }
        return sb.toString();
    }

    /** The JSON document: run, machine, options, notes, raw measurements with derived figures, crossovers, peers. */
    public Map<String, Object> toMap() {
        final Map<String, Object> root = new LinkedHashMap<>();
        final BenchOptions o = result.options();
        root.put("tool", "reparam bench");
        root.put("format_version", 1);
        root.put("command", result.commandLine());
        root.put("started_at", result.startedAt());
        root.put("wall_seconds", result.wallSeconds());
        root.put("machine", result.machine().toMap());
        root.put("load_average_at_end", result.loadAtEnd());
        final Map<String, Object> opt = new LinkedHashMap<>();
        opt.put("sizes", new ArrayList<Object>(o.sizes()));
        opt.put("passes", o.passes().stream().map(Pass::label).map(s -> (Object) s).toList());
        opt.put("backends", new ArrayList<Object>(o.backends()));
        opt.put("samples", o.samples());
        opt.put("parameterization", "sigma");
        opt.put("row_length", BenchSetup.ROW);
        opt.put("reps", o.reps());
        opt.put("warmup_ms", o.warmupMillis());
        opt.put("min_rep_ms", o.minRepMillis());
        opt.put("device", o.device());
        opt.put("seed", o.seed());
        root.put("options", opt);
        root.put("notes", new ArrayList<Object>(result.notes()));
        final Map<String, Object> check = new LinkedHashMap<>();
        check.put("checked_cases", result.checkedCases());
        check.put("checked_elements", result.checkedElements());
        check.put("all_identical", result.checkedCases() > 0);
        check.put("method", CHECK_METHOD);
        root.put("output_check", check);
        root.put("reference_backend", reference);
        final List<Object> ms = new ArrayList<>();
        for (Measurement m : result.measurements()) {
            final Map<String, Object> x = new LinkedHashMap<>();
            x.put("pass", m.pass());
            x.put("backend", m.backend());
            x.put("timing", m.timing().label());
            x.put("roof", m.roof());
            x.put("n", m.elements());
            x.put("bytes_per_element", Pass.parse(m.pass()).bytesPerElement(o.samples()));
            x.put("calls_per_rep", m.callsPerRep());
            final List<Object> reps = new ArrayList<>();
            for (double v : m.nsPerCall()) {
                reps.add(v);
            }
            x.put("ns_per_call", reps);
            x.put("median_ns", m.medianNs());
            x.put("min_ns", m.minNs());
            x.put("elements_per_s", m.elementsPerSecond());
            x.put("ns_per_element", m.nsPerElement());
            if (!m.roof()) {
                final Row r = new Row(m, result.find(m.pass(), m.backend(), m.timing(), true, m.elements()),
                        reference == null ? null : result.find(m.pass(), reference, Timing.END_TO_END, false, m.elements()));
                x.put("fraction_of_roof", r.fractionOfRoof());
                x.put("speedup_vs_reference", r.speedup());
            }
            ms.add(x);
        }
        root.put("measurements", ms);
        final List<Object> cs = new ArrayList<>();
        for (Crossover c : crossovers()) {
            final Map<String, Object> x = new LinkedHashMap<>();
            x.put("pass", c.pass());
            x.put("timing", c.timing().label());
            x.put("n", c.size() < 0 ? null : c.size());
            x.put("route_to_cpu_below", c.routeBelow());
            x.put("note", c.note());
            cs.add(x);
        }
        root.put("crossover", cs);
        final List<Object> ps = new ArrayList<>();
        for (PeerRow p : result.peers()) {
            final Map<String, Object> x = new LinkedHashMap<>();
            x.put("peer", p.peer());
            x.put("pass", p.pass());
            x.put("n", p.elements());
            x.put("median_ns", p.medianNs());
            x.put("min_ns", p.minNs());
            x.put("elements_per_s", p.elementsPerSecond());
            ps.add(x);
        }
        root.put("peers", ps);
        final List<Object> cmp = new ArrayList<>();
        for (PeerComparison c : peerComparisons()) {
            final Map<String, Object> x = new LinkedHashMap<>();
            x.put("n", c.n());
            x.put("ours", c.ours());
            x.put("mode", c.mode().name());
            x.put("ours_forward_plus_backward_ns", c.oursNs());
            x.put("peer", c.peer());
            x.put("peer_forward_plus_backward_ns", c.peerNs());
            x.put("speedup", c.speedup());
            cmp.add(x);
        }
        root.put("peer_comparison", cmp);
        return root;
    }

    /**
     * {@code crossover.properties}: for each pass and timing, {@link Crossover#routeBelow()}:
     * host-array batches below it run on the CPU reference, and only where the run measured the
     * CPU faster (or below such a size); the finding of each pass as a comment.
     */
    public String crossoverProperties() {
        final StringBuilder sb = new StringBuilder();
        sb.append("# reparam bench ").append(result.startedAt()).append('\n');
        sb.append("# PASS.TIMING=N: host-array batches below N elements run on the CPU reference (")
                .append(reference).append("), N = the smallest\n");
        sb.append("# measured size from which OpenCL was faster than it; 1 = none (OpenCL faster at every size measured);\n");
        sb.append("# the largest size measured + 1 when the CPU was faster there (larger sizes were not measured).\n");
        sb.append("# measured with K = ").append(result.options().samples()).append(", rows of D = ").append(BenchSetup.ROW)
                .append(" where they divide, parameterization sigma, value checks off, sizes ")
                .append(BenchRunner.sizeLabel(result.options().sizes().get(0))).append(" to ")
                .append(BenchRunner.sizeLabel(result.options().maxSize()))
                .append("; auto applies it to every host-array call of the pass\n");
        sb.append("# opencl: ").append(result.machine().openclDevice()).append('\n');
        if (result.machine().openclDevice() != null) {
            sb.append(CrossoverTable.DEVICE_KEY).append('=').append(result.machine().openclDevice()).append('\n');
        }
        sb.append("# cpu: ").append(result.machine().cpuModel()).append(", ")
                .append(result.machine().logicalProcessors()).append(" logical processors\n");
        for (Crossover c : crossovers()) {
            sb.append("# ").append(c.pass()).append(", ").append(c.note()).append('\n');
            sb.append(c.pass()).append('.').append(c.timing().label()).append('=').append(c.routeBelow()).append('\n');
        }
        return sb.toString();
    }

    /**
     * Renders one panel per pass, stacked, each with its legend in a column to the right, into one
     * PNG. Peer lines are drawn at the run's sizes only.
     */
    public void writePng(Path file) throws IOException {
        FileBatch.write(Map.of(file, png()), () -> { });
    }

    /** The chart as PNG bytes (see {@link #writePng}). */
    byte[] png() throws IOException {
        final List<Chart> charts = new ArrayList<>();
        for (Pass p : result.options().passes()) {
            charts.add(panel(p));
        }
        final BufferedImage img = new BufferedImage(PANEL_WIDTH + LEGEND_WIDTH, PANEL_HEIGHT * charts.size(),
                BufferedImage.TYPE_INT_RGB);
        final Graphics2D g = img.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, img.getWidth(), img.getHeight());
            for (int i = 0; i < charts.size(); i++) {
                final Chart c = charts.get(i);
                c.legend(Legend.NONE);
                g.drawImage(c.render(), 0, i * PANEL_HEIGHT, null);
                drawLegend(g, c, PANEL_WIDTH, i * PANEL_HEIGHT + 50);
            }
        } finally {
            g.dispose();
        }
        final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        if (!ImageIO.write(img, "png", bytes)) {
            throw new IOException("no PNG writer available");
        }
        return bytes.toByteArray();
    }

    /** One legend row per series: a line sample in its color (dashed for roofs) and its name. */
    private static void drawLegend(Graphics2D g, Chart c, int x, int y) {
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        final int row = 22;
        int yy = y;
        for (Series s : c.series()) {
            g.setColor(s.color());
            g.setStroke(s.name().endsWith(" roof")
                    ? new BasicStroke(2.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {7f, 5f}, 0f)
                    : new BasicStroke(2.5f));
            g.drawLine(x + 8, yy - 5, x + 44, yy - 5);
            g.setColor(Color.DARK_GRAY);
            g.drawString(s.name(), x + 52, yy);
            yy += row;
        }
    }

    /** The chart of one pass: elements/s against batch size, a line per backend and timing, roofs dashed. */
    Chart panel(Pass pass) {
        final Chart c = Chart.create(PANEL_WIDTH, PANEL_HEIGHT)
                .title(pass.label() + ": throughput vs batch size (" + result.machine().cpuModel() + ", "
                        + result.machine().logicalProcessors() + " logical processors)")
                .xLabel("batch size (elements)").yLabel("elements / s")
                .xAxis(Axis.LOG10).yAxis(Axis.LOG10);
        final Set<String> seriesKeys = new LinkedHashSet<>();
        for (Measurement m : result.measurements()) {
            if (!m.roof() && m.pass().equals(pass.label())) {
                seriesKeys.add(m.backend() + " " + m.timing().label());
            }
        }
        int color = 0;
        for (String key : seriesKeys) {
            final Color col = Palette.color(color++);
            final double[][] line = points(pass.label(), key, false);
            if (line[0].length > 0) {
                c.line(key, line[0], line[1]).markers(true).color(col);
            }
            final double[][] roof = points(pass.label(), key, true);
            if (roof[0].length > 0) {
                c.line(key + " roof", roof[0], roof[1]).dashed(true).color(col);
            }
        }
        final Map<String, List<PeerRow>> peers = new LinkedHashMap<>();
        for (PeerRow p : result.peers()) {
            final boolean measuredSize = p.elements() <= Integer.MAX_VALUE
                    && result.options().sizes().contains((int) p.elements());
            if (peerPassMatches(pass, p.pass()) && measuredSize) {
                peers.computeIfAbsent(p.peer() + " " + p.pass(), k -> new ArrayList<>()).add(p);
            }
        }
        for (Map.Entry<String, List<PeerRow>> e : peers.entrySet()) {
            final List<PeerRow> l = new ArrayList<>(e.getValue());
            l.sort((a, b) -> Long.compare(a.elements(), b.elements()));
            final double[] xs = new double[l.size()];
            final double[] ys = new double[l.size()];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = l.get(i).elements();
                ys[i] = l.get(i).elementsPerSecond();
            }
            c.line(e.getKey(), xs, ys).markers(true).color(Palette.color(color++));
        }
        return c;
    }

    /** Whether a peer's pass is drawn in the panel of {@code pass}. */
    static boolean peerPassMatches(Pass pass, String peerPass) {
        final String ours = pass.label();
        return ours.equals(peerPass) || (ours.startsWith("backward") && peerPass.equals("backward"));
    }

    private double[][] points(String pass, String key, boolean roof) {
        final List<double[]> pts = new ArrayList<>();
        for (Measurement m : result.measurements()) {
            if (m.roof() == roof && m.pass().equals(pass) && (m.backend() + " " + m.timing().label()).equals(key)) {
                pts.add(new double[] {m.elements(), m.elementsPerSecond()});
            }
        }
        pts.sort((a, b) -> Double.compare(a[0], b[0]));
        final double[][] out = new double[2][pts.size()];
        for (int i = 0; i < pts.size(); i++) {
            out[0][i] = pts.get(i)[0];
            out[1][i] = pts.get(i)[1];
        }
        return out;
    }

    private static String fmt(double ns) {
        return ns >= 100 ? String.format(Locale.ROOT, "%.0f", ns) : String.format(Locale.ROOT, "%.1f", ns);
    }

    private static String fmt3(double v) {
        return String.format(Locale.ROOT, "%.3g", v);
    }

    private static String sci(double v) {
        return String.format(Locale.ROOT, "%.3g", v);
    }
}
