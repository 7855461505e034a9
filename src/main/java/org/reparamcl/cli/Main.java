package org.reparamcl.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import org.reparamcl.opencl.ClBuildException;
import org.reparamcl.opencl.ClMemoryException;
import org.reparamcl.opencl.OpenClUnavailableException;

/**
 * The {@code reparam} command line (SPEC §4). Every error ends as one line on stderr,
 * {@code reparam: error: ...}, and a non-zero exit: 2 for usage errors, 1 for everything else.
 * Set REPARAM_DEBUG=1 to get stack traces.
 */
public final class Main {
    /** A subcommand: arguments after its name, stdout, stderr; returns the exit code. */
    @FunctionalInterface
    public interface Command {
        int run(String[] args, PrintStream out, PrintStream err) throws IOException;
    }

    /** The library's logger, held so that the level and handler set in {@link #main} stick. */
    private static final java.util.logging.Logger LIBRARY_LOG = java.util.logging.Logger.getLogger("org.reparamcl");
    private static final Map<String, Command> COMMANDS = new LinkedHashMap<>();
    private static final Map<String, String> SUMMARIES = new LinkedHashMap<>();

    static {
        register("devices", "list OpenCL platforms and devices, and what auto would choose", DevicesCommand::run);
        register("bits", "raw Philox4x32-10 words of (seed, stream) as uint32 .npy (or raw LE to stdout)", BitsCommand::run);
        register("noise", "eps ~ N(0,1) of (seed, stream) as float32 .npy", NoiseCommand::run);
        register("forward", "z = mu + sigma * eps for mu, sigma (or rho) .npy files, K samples", ForwardCommand::run);
        register("backward", "dL/dmu and dL/drho from dL/dz, eps regenerated from (seed, stream, offset)", BackwardCommand::run);
        register("demo", "the textbook examples: z = x + eps, and a Gaussian head trained by stochastic backprop (PNGs)",
                DemoCommand::run);
        register("bench", "CPU vs OpenCL timings over batch sizes: table, chart, JSON, crossover", BenchCommand::run);
    }

    private Main() {
    }

    static void register(String name, String summary, Command c) {
        COMMANDS.put(name, c);
        SUMMARIES.put(name, summary);
    }

    public static void main(String[] args) {
        logTo(System.err, "1".equals(System.getenv("REPARAM_DEBUG")));
        final int code = run(args, System.out, System.err);
        System.out.flush();
        System.exit(code);
    }

    /**
     * Sends the library's log (logger {@code org.reparamcl}) to {@code err} as one line per record,
     * {@code reparam: warning: ...}, instead of java.util.logging's two-line console format. Only
     * WARNING and above unless {@code debug} (then INFO too): the commands print the backend
     * choice themselves.
     */
    static void logTo(PrintStream err, boolean debug) {
        for (java.util.logging.Handler h : LIBRARY_LOG.getHandlers()) {
            LIBRARY_LOG.removeHandler(h);
        }
        LIBRARY_LOG.setUseParentHandlers(false);
        LIBRARY_LOG.setLevel(debug ? java.util.logging.Level.INFO : java.util.logging.Level.WARNING);
        final java.util.logging.Formatter text = new java.util.logging.SimpleFormatter();
        LIBRARY_LOG.addHandler(new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                err.println("reparam: " + r.getLevel().getName().toLowerCase(java.util.Locale.ROOT) + ": "
                        + oneLine(String.valueOf(text.formatMessage(r))));
                if (debug && r.getThrown() != null) {
                    r.getThrown().printStackTrace(err);
                }
            }

            @Override
            public void flush() {
                err.flush();
            }

            @Override
            public void close() {
                flush();
            }
        });
    }

    /** Runs a command line; returns the exit code. Never throws. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args == null || Arrays.asList(args).contains(null)) {
            err.println("reparam: error: null argument vector or element");
            return 2;
        }
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
            usage(args.length == 0 ? err : out);
            if (args.length > 0 && out.checkError()) {
                return fail(err, new IOException("cannot write to standard output"), 1);
            }
            return args.length == 0 ? 2 : 0;
        }
        final Command c = COMMANDS.get(args[0]);
        if (c == null) {
            err.println("reparam: error: unknown command '" + oneLine(args[0]) + "' (commands: " + String.join(", ", COMMANDS.keySet()) + ")");
            return 2;
        }
        try {
            final int code = c.run(Arrays.copyOfRange(args, 1, args.length), out, err);
            if (code == 0 && out.checkError()) {                        // flushes; a PrintStream swallows IOExceptions
                throw new IOException(args[0] + ": cannot write to standard output");
            }
            return code;
        } catch (CliException e) {
            return fail(err, e, 2);
        } catch (IOException | UncheckedIOException | IllegalArgumentException | IllegalStateException
                 | IndexOutOfBoundsException | OpenClUnavailableException | ClBuildException | ClMemoryException e) {
            return fail(err, e, 1);
        } catch (OutOfMemoryError e) {
            return fail(err, new IllegalStateException("out of Java heap memory (raise -Xmx via JAVA_OPTS)", e), 1);
        } catch (RuntimeException e) {
            return fail(err, e, 1);
        }
    }

    /** What went wrong with a file, without its name: "no such file or directory", "permission denied" or the reason. */
    static String fileProblem(java.nio.file.FileSystemException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        return e.getReason() == null ? e.getClass().getSimpleName() : e.getReason();
    }

    private static int fail(PrintStream err, Throwable e, int code) {
        String msg = e.getMessage() == null ? e.toString() : e.getMessage();
        if (e instanceof java.nio.file.FileSystemException f) {
            msg = f instanceof java.nio.file.NoSuchFileException || f instanceof java.nio.file.AccessDeniedException
                    ? fileProblem(f) + ": " + f.getFile() : f.getFile() + ": " + fileProblem(f);
        }
        if (!(e instanceof ClBuildException)) {
            msg = oneLine(msg);
        }
        err.println("reparam: error: " + msg);
        if ("1".equals(System.getenv("REPARAM_DEBUG"))) {
            e.printStackTrace(err);
        }
        return code;
    }

    /** Line breaks become spaces and other control characters {@code \\uXXXX}, so a message stays on one line. */
    static String oneLine(String msg) {
        final StringBuilder b = new StringBuilder(msg.length());
        for (int i = 0; i < msg.length(); i++) {
            final char c = msg.charAt(i);
            if (c == '\n' || c == '\r') {
                b.append(' ');
            } else if (Character.isISOControl(c)) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static void usage(PrintStream s) {
        s.println("usage: reparam COMMAND [OPTIONS]    (reparam COMMAND --help for a command's options)");
        s.println();
        for (Map.Entry<String, String> e : SUMMARIES.entrySet()) {
            s.printf("  %-9s %s%n", e.getKey(), e.getValue());
        }
    }
}
