package org.reparamcl.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.reparamcl.Backend;
import org.reparamcl.Backends;
import org.reparamcl.NoiseMode;
import org.reparamcl.Parameterization;
import org.reparamcl.ReparamSpec;
import org.reparamcl.cpu.CpuBackend;
import org.reparamcl.opencl.ClBuffer;
import org.reparamcl.opencl.OpenClBackend;
import org.reparamcl.opencl.OpenClUnavailableException;

/**
 * The backends of one benchmark run and the cases timed at each (pass, size). The arrays and
 * buffers of a (pass, size) are allocated when its cases are built and dropped after it; the
 * harness adds no allocation of its own to a timed call beyond the profiling events of the
 * kernel timing. Every pass case carries an {@link OutputCheck}: windows of its outputs
 * recomputed on a one-thread CPU reference of its own, compared bit for bit once the case is
 * timed. Closing releases the backends.
 */
final class BenchSetup implements AutoCloseable {
    /** Parameters per row of the benchmark shape (B, D) when P divides by it. */
    static final int ROW = 1024;

    private final BenchOptions options;
    private final List<CpuBackend> cpus = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final List<ClBuffer> groupBuffers = new ArrayList<>();
    private OpenClBackend cl;
    /** The CPU reference the output checks recompute their windows on. */
    private CpuBackend reference;

    BenchSetup(BenchOptions options) {
        this.options = options;
        final int all = Runtime.getRuntime().availableProcessors();
        try {
            reference = Backends.cpu(1);
            if (options.backends().contains("cpu-1")) {
                cpus.add(Backends.cpu(1));
            }
            if (options.backends().contains("cpu-all")) {
                if (all > 1 || !options.backends().contains("cpu-1")) {
                    cpus.add(Backends.cpu(all));
                } else {
                    notes.add("cpu-all is the same as cpu-1 on this machine (1 processor): measured once");
                }
            }
            if (options.backends().contains("opencl")) {
                try {
                    cl = Backends.openCl(options.device());
                } catch (OpenClUnavailableException | LinkageError e) {
                    notes.add("no OpenCL rows: " + e.getMessage());
                }
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /** Why some requested rows are missing, or facts about the setup; empty when nothing to say. */
    List<String> notes() {
        return List.copyOf(notes);
    }

    /** The OpenCL backend, or null when it is not in this run. */
    OpenClBackend openCl() {
        return cl;
    }

    /** The backend id of a CPU backend: {@code cpu-THREADS}. */
    static String cpuId(CpuBackend b) {
        return "cpu-" + b.threads();
    }

    /** How many cases {@link #cases(Pass, int)} returns for {@code pass}. */
    int caseCount(Pass pass) {
        return 2 * cpus.size() + (cl != null ? 4 : 0);
    }

    /** The benchmark spec of a reparameterized pass over {@code n} elements: (K, B, D) with D = 1024 where it divides. */
    ReparamSpec spec(Pass pass, int n) {
        final int k = options.samples();
        final long p = n / k;
        final long d = p % ROW == 0 ? ROW : p;
        return ReparamSpec.builder().shape(k, p / d, d).parameterization(Parameterization.SIGMA)
                .seed(options.seed()).noiseMode(pass.noiseMode()).checkValues(false).build();
    }

    /**
     * The cases of one pass at one size, each pass case right before its roof. Releases the
     * buffers of the previous (pass, size) first.
     */
    List<BenchCase> cases(Pass pass, int n) {
        releaseGroup();
        return pass == Pass.NOISE ? noiseCases(n) : reparamCases(pass, n);
    }

    private List<BenchCase> noiseCases(int n) {
        final String p = Pass.NOISE.label();
        final long seed = options.seed();
        final List<BenchCase> out = new ArrayList<>();
        final float[] host = new float[n];
        final List<OutputCheck.Expected> expected = OutputCheck.noise(reference, seed, n);
        final OutputCheck onHost = new OutputCheck(expected, Map.of("noise", OutputCheck.host(host)));
        for (CpuBackend b : cpus) {
            final String id = cpuId(b);
            out.add(new BenchCase(p, id, Timing.END_TO_END, false, n, () -> {
                b.fillNormal(seed, 0, 0, host, 0, n);
                return 0;
            }, onHost));
            out.add(new BenchCase(p, id, Timing.END_TO_END, true, n, () -> {
                b.parallel(n, (from, to) -> CpuRoof.store(host, from, to, (int) seed));
                return 0;
            }));
        }
        if (cl != null) {
            final OpenClBackend c = cl;
            final ClBuffer d = groupBuffer(n);
            final OutputCheck onDevice = new OutputCheck(expected, Map.of("noise", OutputCheck.device(c, d, n, new float[n])));
            out.add(new BenchCase(p, "opencl", Timing.KERNEL, false, n, () -> c.fillNormalTimed(seed, 0, 0, d, n),
                    onDevice));
            out.add(new BenchCase(p, "opencl", Timing.KERNEL, true, n, () -> c.fillRoofTimed(d, n)));
            out.add(new BenchCase(p, "opencl", Timing.END_TO_END, false, n, () -> {
                c.fillNormal(seed, 0, 0, host, 0, n);
                return 0;
            }, onHost));
            out.add(new BenchCase(p, "opencl", Timing.END_TO_END, true, n, () -> {
                c.fillRoof(d, n);
                c.read(d, host, 0, n);
                return 0;
            }));
        }
        return out;
    }

    /** Host arrays of one reparameterized (pass, size), filled with valid inputs. */
    private record HostArrays(float[] mu, float[] rho, float[] z, float[] eps, float[] gradZ, float[] gradMu,
                              float[] gradRho) {
    }

    private HostArrays hostArrays(Pass pass, ReparamSpec spec) {
        final int n = (int) spec.elements();
        final int np = (int) spec.paramElements();
        final SplittableRandom r = new SplittableRandom(options.seed());
        final float[] mu = new float[np];
        final float[] rho = new float[np];
        for (int i = 0; i < np; i++) {
            mu[i] = (float) r.nextDouble(-1, 1);
            rho[i] = (float) r.nextDouble(0.5, 1.5);
        }
        final boolean store = pass == Pass.FORWARD_STORE || pass == Pass.BACKWARD_STORE;
        final float[] eps = store ? new float[n] : null;
        float[] z = null;
        float[] gradZ = null;
        float[] gradMu = null;
        float[] gradRho = null;
        if (pass.backward()) {
            gradZ = new float[n];
            for (int i = 0; i < n; i++) {
                gradZ[i] = (float) r.nextDouble(-1, 1);
            }
            gradMu = new float[np];
            gradRho = new float[np];
            if (store) {
                final Backend any = cpus.isEmpty() ? cl : cpus.get(cpus.size() - 1);
                any.reparamForward(spec, mu, rho, new float[n], eps);
            }
        } else {
            z = new float[n];
        }
        return new HostArrays(mu, rho, z, eps, gradZ, gradMu, gradRho);
    }

    private List<BenchCase> reparamCases(Pass pass, int n) {
        final List<BenchCase> out = new ArrayList<>();
        if (cpus.isEmpty() && cl == null) {
            return out;
        }
        final ReparamSpec spec = spec(pass, n);
        final HostArrays h = hostArrays(pass, spec);
        final String p = pass.label();
        final int np = (int) spec.paramElements();
        final OutputCheck onHost = hostCheck(pass, spec, h);
        for (CpuBackend b : cpus) {
            final String id = cpuId(b);
            if (pass.backward()) {
                out.add(new BenchCase(p, id, Timing.END_TO_END, false, n, () -> {
                    b.reparamBackward(spec, h.mu(), h.rho(), h.eps(), h.gradZ(), h.gradMu(), h.gradRho(), false);
                    return 0;
                }, onHost));
                out.add(new BenchCase(p, id, Timing.END_TO_END, true, n, () -> {
                    b.parallel(np, (from, to) -> CpuRoof.backward(h.eps(), h.gradZ(), h.gradMu(), h.gradRho(),
                            from, to));
                    return 0;
                }));
            } else {
                out.add(new BenchCase(p, id, Timing.END_TO_END, false, n, () -> {
                    b.reparamForward(spec, h.mu(), h.rho(), h.z(), h.eps());
                    return 0;
                }, onHost));
                out.add(new BenchCase(p, id, Timing.END_TO_END, true, n, () -> {
                    b.parallel(n, (from, to) -> CpuRoof.forward(h.mu(), h.rho(), h.z(), h.eps(), from, to));
                    return 0;
                }));
            }
        }
        if (cl != null) {
            out.addAll(openClReparamCases(pass, spec, h, onHost));
        }
        return out;
    }

    /** The reference windows of a reparameterized pass's outputs. */
    private List<OutputCheck.Expected> expected(Pass pass, ReparamSpec spec, HostArrays h) {
        return pass.backward()
                ? OutputCheck.backward(reference, spec, h.mu(), h.rho(), h.eps(), h.gradZ())
                : OutputCheck.forward(reference, spec, h.mu(), h.rho());
    }

    /** The check of a pass case whose outputs are the host arrays {@code h}. */
    private OutputCheck hostCheck(Pass pass, ReparamSpec spec, HostArrays h) {
        final Map<String, OutputCheck.Target> t = new LinkedHashMap<>();
        if (pass.backward()) {
            t.put("gradMu", OutputCheck.host(h.gradMu()));
            t.put("gradRho", OutputCheck.host(h.gradRho()));
        } else {
            t.put("z", OutputCheck.host(h.z()));
            if (pass.noiseMode() == NoiseMode.STORE) {
                t.put("eps", OutputCheck.host(h.eps()));
            }
        }
        return new OutputCheck(expected(pass, spec, h), t);
    }

    /**
     * OpenCL cases of a reparameterized pass. Kernel roofs: the library's forward and backward
     * roof kernels, which for the STORE passes also write (forward) or read (backward) eps in the
     * same kernel, so the roof moves the pass's bytes in one launch as the pass does. End-to-end
     * roofs: the same uploads, roof kernels and downloads as the host-array call.
     */
    private List<BenchCase> openClReparamCases(Pass pass, ReparamSpec spec, HostArrays h, OutputCheck onHost) {
        final OpenClBackend c = cl;
        final String p = pass.label();
        final int n = (int) spec.elements();
        final int np = (int) spec.paramElements();
        final boolean store = pass.noiseMode() == NoiseMode.STORE;
        final ClBuffer mu = groupBuffer(np);
        final ClBuffer rho = groupBuffer(np);
        c.write(mu, h.mu(), 0, np);
        c.write(rho, h.rho(), 0, np);
        final List<BenchCase> out = new ArrayList<>();
        final float[] scratch = new float[n];
        final Map<String, OutputCheck.Target> targets = new LinkedHashMap<>();
        if (pass.backward()) {
            final ClBuffer gz = groupBuffer(n);
            final ClBuffer eps = store ? groupBuffer(n) : null;
            final ClBuffer gmu = groupBuffer(np);
            final ClBuffer grho = groupBuffer(np);
            c.write(gz, h.gradZ(), 0, n);
            if (store) {
                c.write(eps, h.eps(), 0, n);
            }
            final Runnable pass1 = () -> c.reparamBackward(spec, mu, rho, eps, gz, gmu, grho, false);
            final Runnable roof = () -> c.reparamBackwardRoof(spec, mu, rho, eps, gz, gmu, grho);
            targets.put("gradMu", OutputCheck.device(c, gmu, np, scratch));
            targets.put("gradRho", OutputCheck.device(c, grho, np, scratch));
            final OutputCheck onDevice = new OutputCheck(expected(pass, spec, h), targets);
            out.add(new BenchCase(p, "opencl", Timing.KERNEL, false, n, () -> c.kernelNanos(pass1), onDevice));
            out.add(new BenchCase(p, "opencl", Timing.KERNEL, true, n, () -> c.kernelNanos(roof)));
            out.add(new BenchCase(p, "opencl", Timing.END_TO_END, false, n, () -> {
                c.reparamBackward(spec, h.mu(), h.rho(), h.eps(), h.gradZ(), h.gradMu(), h.gradRho(), false);
                return 0;
            }, onHost));
            out.add(new BenchCase(p, "opencl", Timing.END_TO_END, true, n, () -> {
                c.write(mu, h.mu(), 0, np);
                c.write(rho, h.rho(), 0, np);
                c.write(gz, h.gradZ(), 0, n);
                if (store) {
                    c.write(eps, h.eps(), 0, n);
                }
                c.reparamBackwardRoof(spec, mu, rho, eps, gz, gmu, grho);
                c.read(gmu, h.gradMu(), 0, np);
                c.read(grho, h.gradRho(), 0, np);
                return 0;
            }));
        } else {
            final ClBuffer z = groupBuffer(n);
            final ClBuffer eps = store ? groupBuffer(n) : null;
            final Runnable pass1 = () -> c.reparamForward(spec, mu, rho, z, eps);
            final Runnable roof = () -> c.reparamForwardRoof(spec, mu, rho, z, eps);
            targets.put("z", OutputCheck.device(c, z, n, scratch));
            if (store) {
                targets.put("eps", OutputCheck.device(c, eps, n, scratch));
            }
            final OutputCheck onDevice = new OutputCheck(expected(pass, spec, h), targets);
            out.add(new BenchCase(p, "opencl", Timing.KERNEL, false, n, () -> c.kernelNanos(pass1), onDevice));
            out.add(new BenchCase(p, "opencl", Timing.KERNEL, true, n, () -> c.kernelNanos(roof)));
            out.add(new BenchCase(p, "opencl", Timing.END_TO_END, false, n, () -> {
                c.reparamForward(spec, h.mu(), h.rho(), h.z(), h.eps());
                return 0;
            }, onHost));
            out.add(new BenchCase(p, "opencl", Timing.END_TO_END, true, n, () -> {
                c.write(mu, h.mu(), 0, np);
                c.write(rho, h.rho(), 0, np);
                c.reparamForwardRoof(spec, mu, rho, z, eps);
                c.read(z, h.z(), 0, n);
                if (store) {
                    c.read(eps, h.eps(), 0, n);
                }
                return 0;
            }));
        }
        return out;
    }

    private ClBuffer groupBuffer(long elements) {
        final ClBuffer b = cl.allocate(elements);
        groupBuffers.add(b);
        return b;
    }

    private void releaseGroup() {
        for (ClBuffer b : groupBuffers) {
            b.close();
        }
        groupBuffers.clear();
    }

    @Override
    public void close() {
        releaseGroup();
        if (cl != null) {
            cl.close();
        }
        for (CpuBackend b : cpus) {
            b.close();
        }
        if (reference != null) {
            reference.close();
        }
    }
}
