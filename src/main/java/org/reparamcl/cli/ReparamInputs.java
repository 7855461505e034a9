package org.reparamcl.cli;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.reparamcl.NoiseMode;
import org.reparamcl.Parameterization;
import org.reparamcl.ReparamSpec;
import org.reparamcl.npy.Npy;
import org.reparamcl.npy.NpyArray;
import org.reparamcl.npy.NpyDType;
import org.reparamcl.npy.NpyFormatException;
import org.reparamcl.rng.NoiseStream;

/**
 * The inputs shared by {@code forward} and {@code backward}: mu and sigma (or rho) from .npy files
 * of shape (B, D) or (D,), the parameterization, K, and the noise address.
 *
 * <p>Shapes: without {@code --samples}, K = 1 and z has the shape of mu; with it, z is (K, B, D)
 * or (K, D). With (D,) parameters, {@code --rows B} (forward) or a gradient of shape (K, B, D) /
 * (B, D) (backward) broadcasts them over B rows.
 */
final class ReparamInputs {
    final String command;
    final float[] mu;
    final float[] rho;
    final long[] paramShape;
    final Parameterization param;
    final boolean samplesGiven;
    final int samples;
    final long seed;
    final long stream;
    final long offset;
    /** The --mu and --sigma files as given (named in a value error). */
    final String muFile;
    final String sigmaFile;

    private ReparamInputs(String command, float[] mu, float[] rho, long[] paramShape, Parameterization param,
                          boolean samplesGiven, int samples, long seed, long stream, long offset, String muFile,
                          String sigmaFile) {
        this.command = command;
        this.muFile = muFile;
        this.sigmaFile = sigmaFile;
        this.mu = mu;
        this.rho = rho;
        this.paramShape = paramShape;
        this.param = param;
        this.samplesGiven = samplesGiven;
        this.samples = samples;
        this.seed = seed;
        this.stream = stream;
        this.offset = offset;
    }

    static ReparamInputs read(String command, Args a) throws IOException {
        return read(command, a, true);
    }

    /**
     * The inputs; {@code needsNoiseAddress} false (a backward pass given eps) takes no --seed,
     * --stream or --offset: they would address noise that is not generated, so giving one is an error.
     */
    static ReparamInputs read(String command, Args a, boolean needsNoiseAddress) throws IOException {
        if (!needsNoiseAddress) {
            for (String o : List.of("seed", "stream", "offset")) {
                if (a.has(o)) {
                    throw new CliException(command + ": --" + o + " addresses regenerated noise; with --eps the pass reads"
                            + " eps instead, so leave it out");
                }
            }
        }
        final Parameterization p;
        try {
            p = Parameterization.parse(a.string("param", "sigma"));
        } catch (IllegalArgumentException e) {
            throw new CliException(command + ": --param: " + e.getMessage());
        }
        final int k = a.intValue("samples", 1, 1, Integer.MAX_VALUE - 8);
        final long seed = needsNoiseAddress ? a.u64("seed") : 0;
        final long stream = a.u64("stream", 0);
        final long offset = a.u64("offset", 0);
        final NpyArray mu = float32(command, "mu", a.inputPath("mu"));
        final NpyArray rho = float32(command, "sigma", a.inputPath("sigma"));
        if (mu.ndim() < 1 || mu.ndim() > 2) {
            throw new CliException(command + ": --mu " + a.string("mu", "") + " has shape " + shape(mu.shape())
                    + "; expected (B, D) or (D,)");
        }
        if (!Arrays.equals(mu.shape(), rho.shape())) {
            throw new CliException(command + ": --mu has shape " + shape(mu.shape()) + " but --sigma has shape "
                    + shape(rho.shape()) + "; they must match");
        }
        if (mu.size() == 0) {
            throw new CliException(command + ": --mu " + a.string("mu", "") + " is empty (shape " + shape(mu.shape()) + ")");
        }
        return new ReparamInputs(command, mu.float32Data(), rho.float32Data(), mu.shape(), p, a.has("samples"), k,
                seed, stream, offset, a.string("mu", ""), a.string("sigma", ""));
    }

    /** D: the last axis of the parameters. */
    long dim() {
        return paramShape[paramShape.length - 1];
    }

    /** B of (B, D) parameters, 1 for (D,). */
    long paramRows() {
        return paramShape.length == 2 ? paramShape[0] : 1;
    }

    /** The spec for B rows (broadcast when the parameters are (D,) and B was given separately), RECOMPUTE. */
    ReparamSpec spec(long rows, boolean broadcast) {
        return spec(rows, broadcast, NoiseMode.RECOMPUTE);
    }

    /** The spec for B rows in the given noise mode. */
    ReparamSpec spec(long rows, boolean broadcast, NoiseMode mode) {
        final BigInteger product = BigInteger.valueOf(samples).multiply(BigInteger.valueOf(rows))
                .multiply(BigInteger.valueOf(dim()));                  // exact: K * B * D can pass 2^63
        if (product.compareTo(BigInteger.valueOf(Integer.MAX_VALUE - 8)) > 0) {
            throw new CliException(command + ": K * B * D = " + product + " elements is more than one .npy array of "
                    + "this tool holds (" + (Integer.MAX_VALUE - 8) + ")");
        }
        final long elements = product.longValueExact();
        try {
            NoiseStream.checkRange(offset, elements);
        } catch (IllegalArgumentException e) {
            throw new CliException(command + ": " + e.getMessage());
        }
        return ReparamSpec.builder().shape(samples, rows, dim()).broadcast(broadcast).parameterization(param)
                .seed(seed).stream(stream).offset(offset).noiseMode(mode).build();
    }

    /**
     * The parameter values (mu finite; rho valid for the parameterization) as the backends check
     * them, before any backend is chosen: a bad value is a usage error (exit 2), as a bad shape is.
     */
    void requireValidParameters(ReparamSpec spec) {
        requireValidParameters(spec, false, false);
    }

    /** As {@link #requireValidParameters(ReparamSpec)}, for a backward pass given the KL or log q gradients. */
    void requireValidParameters(ReparamSpec spec, boolean klGradient, boolean logProbGradient) {
        try {
            spec.requireValidParameters(mu, rho, klGradient, logProbGradient);
        } catch (IllegalArgumentException e) {
            final String m = e.getMessage();          // "mu[i] ..." or "rho[i] ...": name the option and its file
            final String where = m.startsWith("mu[") ? "--mu " + muFile + ": " : m.startsWith("rho[") ? "--sigma " + sigmaFile + ": " : "";
            throw new CliException(command + ": " + where + m);
        }
    }

    /** The shape of z (and of dL/dz) for B rows. */
    long[] zShape(long rows, boolean broadcast) {
        final List<Long> s = new ArrayList<>();
        if (samplesGiven) {
            s.add((long) samples);
        }
        if (paramShape.length == 2 || broadcast) {
            s.add(rows);
        }
        s.add(dim());
        return s.stream().mapToLong(Long::longValue).toArray();
    }

    /** The shape of KL and dL/dKL: one value per parameter row, (B,) for (B, D) parameters, (1,) for (D,). */
    long[] klShape() {
        return new long[] {paramRows()};
    }

    /**
     * The shape of log q and dL/dlog q: one value per drawn row, the shape of z without its last
     * axis ((K, B), (B,), (K,)), or (1,) where z has one axis.
     */
    long[] logProbShape(long rows, boolean broadcast) {
        final long[] z = zShape(rows, broadcast);
        return z.length == 1 ? new long[] {1} : Arrays.copyOf(z, z.length - 1);
    }

    /** A float32 input that must have {@code expected} shape and finite values (an upstream gradient, eps). */
    static float[] finiteInput(String command, String option, Path file, long[] expected, String what) throws IOException {
        final NpyArray a = float32(command, option, file);
        if (!Arrays.equals(a.shape(), expected)) {
            throw new CliException(command + ": --" + option + " has shape " + shape(a.shape()) + "; " + what
                    + " needs " + shape(expected));
        }
        final float[] v = a.float32Data();
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw new CliException(command + ": --" + option + " element " + i + " is " + v[i] + " (must be finite)");
            }
        }
        return v;
    }

    /** Fails when two of the output paths name the same file (./z.npy, links): before any work. */
    static void requireDistinct(String command, List<String> options, List<Path> paths) throws IOException {
        for (int i = 0; i < paths.size(); i++) {
            for (int j = i + 1; j < paths.size(); j++) {
                if (Npy.sameFile(paths.get(i), paths.get(j))) {
                    throw new CliException(command + ": --" + options.get(i) + " and --" + options.get(j)
                            + " name the same file");
                }
            }
        }
    }

    static NpyArray float32(String command, String option, Path file) throws IOException {
        final NpyArray a;
        try {
            a = Npy.read(file);
        } catch (NpyFormatException e) {
            if (e.unsupportedDtype() != null) {
                // A dtype the reader does not load at all (int64, bool, float16, ...): a wrong dtype, as for int32.
                throw new CliException(command + ": --" + option + " " + file + " has dtype "
                        + e.unsupportedDtype() + "; expected float32 ('<f4')");
            }
            throw new IOException(command + ": --" + option + " " + file + ": " + readFailure(e, file), e);
        } catch (IOException e) {
            // Name the command and option as the other input errors do; still exit 1 (an IOException).
            throw new IOException(command + ": --" + option + " " + file + ": " + readFailure(e, file), e);
        }
        if (a.dtype() != NpyDType.FLOAT32) {
            throw new CliException(command + ": --" + option + " " + file + " has dtype '" + a.dtype().descr()
                    + "'; expected float32 ('<f4')");                     // quoted as e.unsupportedDtype() is
        }
        return a;
    }

    /** Why reading {@code file} failed, without the file name the reader's message may start with. */
    static String readFailure(IOException e, Path file) {
        if (e instanceof java.nio.file.FileSystemException f
                && (f instanceof java.nio.file.NoSuchFileException || f instanceof java.nio.file.AccessDeniedException
                    || f.getReason() != null)) {
            return Main.fileProblem(f);
        }
        final String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        final String prefix = file + ": ";
        return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }

    static String shape(long[] s) {
        if (s.length == 1) {
            return "(" + s[0] + ",)";
        }
        final StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < s.length; i++) {
            b.append(i == 0 ? "" : ", ").append(s[i]);
        }
        return b.append(')').toString();
    }
}
