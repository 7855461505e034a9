package org.reparamcl.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Options of one subcommand: {@code --name value} pairs and {@code --flag}s, each name known in
 * advance; anything else is a CliException naming it.
 */
public final class Args {
    private final String command;
    private final Map<String, String> values = new LinkedHashMap<>();

    private Args(String command) {
        this.command = command;
    }

    /**
     * Parses {@code args} for {@code command}; {@code options} take a value, {@code flags} do not.
     * A value may also be given as {@code --name=value}.
     */
    public static Args parse(String command, String[] args, Set<String> options, Set<String> flags) {
        final Args a = new Args(command);
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("-h") && flags.contains("help")) {
                arg = "--help";                    // the one short option, as for reparam itself
            }
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new CliException(command + ": unexpected argument '" + arg + "'");
            }
            String name = arg.substring(2);
            String value = null;
            final int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (flags.contains(name)) {
                if (value != null) {
                    throw new CliException(command + ": --" + name + " takes no value");
                }
                value = "true";
            } else if (options.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new CliException(command + ": --" + name + " needs a value");
                    }
                    value = args[++i];
                    // `--out --quiet` would write a file named --quiet: a value that is exactly one of this
                    // command's option names is a forgotten value (./--quiet or --out=--quiet names such a file).
                    if (value.startsWith("--") && (options.contains(value.substring(2)) || flags.contains(value.substring(2)))) {
                        throw new CliException(command + ": --" + name + " needs a value, got the option " + value
                                + " (write ./" + value + " or --" + name + "=" + value + " for a file of that name)");
                    }
                }
            } else {
                throw new CliException(command + ": unknown option --" + name);
            }
            if (a.values.put(name, value) != null) {
                throw new CliException(command + ": --" + name + " given twice");
            }
        }
        return a;
    }

    /** The command these options belong to, for messages ({@code forward}, {@code bits}, ...). */
    public String command() {
        return command;
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    public boolean flag(String name) {
        return values.containsKey(name);
    }

    /** The value of a required option. */
    public String required(String name) {
        final String v = values.get(name);
        if (v == null) {
            throw new CliException(command + ": --" + name + " is required");
        }
        return v;
    }

    public String string(String name, String dflt) {
        return values.getOrDefault(name, dflt);
    }

    /** {@code --backend}: auto (the default), cpu or opencl, in any case; any other name is a usage error (exit 2). */
    public String backend() {
        final String b = string("backend", "auto");
        final String lower = b.toLowerCase(Locale.ROOT);
        if (!lower.equals("auto") && !lower.equals("cpu") && !lower.equals("opencl")) {
            throw new CliException(command + ": --backend: unknown backend '" + b + "' (expected auto, cpu or opencl)");
        }
        return b;
    }

    /**
     * The OpenCL device selector (default auto). With --backend cpu a --device other than auto is a
     * usage error: a device asked for is never silently ignored.
     */
    public String device() {
        final String d = string("device", "auto");
        if (backend().equalsIgnoreCase("cpu") && !d.equalsIgnoreCase("auto")) {
            throw new CliException(command + ": --device " + d + " selects an OpenCL device, but --backend cpu asks for the CPU reference");
        }
        return d;
    }

    /**
     * The path an option names. A name the JVM cannot hand to the file system as typed fails (exit
     * 1, as a name the file system refuses does), naming the option: a NUL; characters the file
     * name encoding (sun.jnu.encoding, from the locale) cannot encode, which under LC_ALL=C is
     * every non-ASCII character; and U+FFFD, which is what the JVM makes of argument bytes that are
     * not valid in that encoding, so that the file used would be another one than the one named.
     */
    public Path path(String name) {
        final String v = required(name);
        if (v.isEmpty()) {
            throw new CliException(command + ": --" + name + " is empty");
        }
        final String given = command + ": --" + name + " " + v + ": ";
        if (v.indexOf('\uFFFD') >= 0) {
            throw new UncheckedIOException(given + "the name holds bytes that are not valid " + fileNameEncoding()
                    + ", which Java reads as U+FFFD and would not find again" + utf8Hint(), new IOException(v));
        }
        try {
            return Path.of(v);
        } catch (InvalidPathException e) {
            final Charset cs = Charset.isSupported(fileNameEncoding()) ? Charset.forName(fileNameEncoding()) : null;
            throw new UncheckedIOException(given + (cs == null || cs.newEncoder().canEncode(v) ? e.getReason()
                    : "the name cannot be encoded in the file name encoding " + fileNameEncoding() + utf8Hint()),
                    new IOException(e));
        }
    }

    /** The encoding the JVM turns file names into bytes with (from the locale). */
    private static String fileNameEncoding() {
        return System.getProperty("sun.jnu.encoding", Charset.defaultCharset().name());
    }

    /** Advice to use a UTF-8 locale, unless file names are UTF-8 already. */
    private static String utf8Hint() {
        final String enc = fileNameEncoding();
        return Charset.isSupported(enc) && Charset.forName(enc).equals(StandardCharsets.UTF_8)
                ? "" : " (run under a UTF-8 locale, such as LC_ALL=C.UTF-8)";
    }

    /**
     * An input file given by option {@code name}. {@link Path#of} drops a trailing slash, so
     * {@code mu.npy/} would read {@code mu.npy}; as the operating system would, a name ending in
     * a slash must be a directory (which the reader then rejects as one), so otherwise this fails
     * (exit 1, as an unreadable input does), naming the path as given.
     */
    public Path inputPath(String name) throws IOException {
        final Path p = path(name);
        final String v = values.get(name);
        if (endsWithSeparator(v) && !Files.isDirectory(p)) {
            throw new IOException(command + ": --" + name + " " + v + ": "
                    + (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS) ? "not a directory" : "no such file or directory"));
        }
        return p;
    }

    private static boolean endsWithSeparator(String v) {
        return v.endsWith("/") || v.endsWith(java.io.File.separator);
    }

    /**
     * An output file path whose directory exists and is writable, checked before any work is
     * done so that a bad destination fails fast and leaves nothing behind. A symbolic link is
     * checked as its target (the file that will be written); a dangling one, or one that cannot
     * be followed (a loop), is an error. An existing FIFO or device is written in place, so its
     * directory need not be writable. A name that can only be a directory ({@code out/},
     * {@code .}, {@code ..}) is an error. Returns the path as given (not made absolute), so that
     * a later write error names it as the user typed it.
     */
    public Path outputPath(String name) {
        if ("-".equals(values.get(name))) {
            // SPEC: '-' means standard output for `bits` only (raw words), which handles it before this check.
            throw new CliException(command + ": --" + name + " -: standard output ('-') is only for `reparam bits`;"
                    + " name a file (./- for one called -)");
        }
        final Path asGiven = path(name);
        final String v = values.get(name);
        final String given = command + ": --" + name + " " + v;
        final Path last = asGiven.getFileName();
        if (endsWithSeparator(v) || last == null || last.toString().equals(".") || last.toString().equals("..")) {
            // Path.of drops a trailing slash: `--out new/` would otherwise write a file called new.
            throw new CliException(given + " names a directory; name a file");
        }
        final Path p = asGiven.toAbsolutePath();
        if (Files.isSymbolicLink(p) && !Files.exists(p)) {
            try {
                p.toRealPath();                                  // resolves after all (changed meanwhile): go on
            } catch (java.nio.file.NoSuchFileException e) {
                String to;
                try {
                    to = Files.readSymbolicLink(p).toString();
                } catch (IOException e2) {
                    to = "?";
                }
                throw new CliException(given + " is a symbolic link to " + to + ", which does not exist");
            } catch (IOException e) {
                final String why = e instanceof java.nio.file.FileSystemException f ? Main.fileProblem(f) : e.getMessage();
                throw new CliException(given + (String.valueOf(why).startsWith("Too many levels of symbolic links")
                        ? " is a symbolic link loop" : " is a symbolic link that cannot be followed: " + why));
            }
        }
        if (Files.exists(p) && !Files.isDirectory(p) && !Files.isRegularFile(p)) {
            return asGiven;
        }
        Path real = p;
        if (Files.isSymbolicLink(p)) {
            try {
                real = p.toRealPath();
            } catch (IOException e) {
                real = p;                                        // the write names the problem
            }
        }
        if (Files.isDirectory(p)) {
            throw new CliException(given + " is a directory");
        }
        final Path parent = real.getParent();
        // Named as typed (nodir, not /home/.../nodir); a symbolic link's by its target's directory.
        final Path shown = real != p ? parent : asGiven.getParent() != null ? asGiven.getParent() : Path.of(".");
        if (parent == null || !Files.isDirectory(parent)) {
            throw new CliException(given + ": " + (parent != null && Files.exists(parent) ? shown + " is not a directory"
                    : "directory " + shown + " does not exist"));
        }
        if (!Files.isWritable(parent)) {
            throw new CliException(given + ": directory " + shown + " is not writable");
        }
        return asGiven;
    }

    /**
     * A 64-bit value: decimal (negative allowed, or unsigned up to 2^64 - 1) or 0x-prefixed hex,
     * in ASCII digits only; returned as the two's-complement long.
     */
    public long u64(String name, long dflt) {
        final String v = values.get(name);
        return v == null ? dflt : parseU64(name, v);
    }

    public long u64(String name) {
        return parseU64(name, required(name));
    }

    private long parseU64(String name, String v) {
        try {
            final String s = v.trim().toLowerCase(Locale.ROOT);
            // BigInteger would also take 0x-5, 0x+5 and non-ASCII digits such as U+0663 (3) or U+FF11 (1).
            if (!s.matches(s.startsWith("0x") ? "0x[0-9a-f]+" : "[+-]?[0-9]+")) {
                throw new NumberFormatException("not ASCII decimal or 0x hex digits");
            }
            final BigInteger b = s.startsWith("0x") ? new BigInteger(s.substring(2), 16) : new BigInteger(s);
            if (b.bitLength() > 64 || b.compareTo(BigInteger.ONE.shiftLeft(63).negate()) < 0) {
                throw new CliException(command + ": --" + name + " " + v + " does not fit in 64 bits");
            }
            return b.longValue();
        } catch (NumberFormatException e) {
            throw new CliException(command + ": --" + name + " expects an integer, got '" + v + "'");
        }
    }

    /** A non-negative count below 2^31 - 8 (one Java array). */
    public int count(String name, int min) {
        final long v = u64(name);
        if (v < min || v > Integer.MAX_VALUE - 8) {
            throw new CliException(command + ": --" + name + " must be in [" + min + ", " + (Integer.MAX_VALUE - 8)
                    + "], got " + values.get(name).trim());
        }
        return (int) v;
    }

    public int intValue(String name, int dflt, int min, int max) {
        if (!has(name)) {
            return dflt;
        }
        final long v = u64(name);
        if (v < min || v > max) {
            throw new CliException(command + ": --" + name + " must be in [" + min + ", " + max + "], got "
                    + values.get(name).trim());
        }
        return (int) v;
    }
}
