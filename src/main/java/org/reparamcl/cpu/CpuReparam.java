package org.reparamcl.cpu;

import java.util.Arrays;
import java.util.Objects;

import org.reparamcl.Parameterization;
import org.reparamcl.ReparamSpec;
import org.reparamcl.rng.FloatMath;
import org.reparamcl.rng.NoiseStream;

/**
 * The CPU reference of the reparameterized passes: the readable definition of every bit the
 * OpenCL kernels in {@code kernels/reparam.cl} produce (docs/REPARAM.md states the same formulas).
 *
 * <p>Work is split over elements (forward), drawn rows (forward with log q), parameter rows
 * (KL) and parameter elements (backward); each output is computed by one thread in the one order below,
 * so the bits do not depend on the thread count.
 *
 * <p>Fixed-order sums ({@link #blockedSum}): terms are added left to right into a block sum
 * that starts at +0.0f, {@link ReparamSpec#SUM_BLOCK} terms per block, and the block sums are
 * added left to right into a total that starts at +0.0f.
 */
final class CpuReparam {
    /** Parameter elements per backward work unit (its accumulators stay in cache). */
    private static final int BACKWARD_CHUNK = 1024;
    private static final int BLOCK = ReparamSpec.SUM_BLOCK;

    private CpuReparam() {
    }

    static void forward(CpuBackend be, ReparamSpec spec, float[] mu, float[] rho, float[] z, float[] eps,
                        float[] kl, float[] logProb) {
        Objects.requireNonNull(spec, "spec is null");
        spec.requireForwardArrays(mu, rho, z, eps, kl, logProb);
        spec.requireValidParameters(mu, rho);
        final Parameterization pz = spec.parameterization();
        final int n = (int) spec.elements();
        final int np = (int) spec.paramElements();
        final long seed = spec.seed();
        final long stream = spec.stream();
        final long offset = spec.offset();
        if (n > 0) {
            // sigma = rho for Parameterization.SIGMA: no copy (at 2^24 a copy is a 64 MiB array per call).
            final float[] sigma = pz == Parameterization.SIGMA ? rho : new float[np];
            if (sigma != rho) {
                be.parallel(np, (from, to) -> {
                    for (int p = from; p < to; p++) {
                        sigma[p] = pz.sigma(rho[p]);
                    }
                });
            }
            if (logProb != null) {
                forwardWithLogProb(be, spec, mu, rho, sigma, z, eps, logProb);
            } else {
                be.parallel(n, (from, to) -> {
                    final float[] e = new float[Math.min(CpuBackend.STAGING, to - from)];
                    int p = from % np;
                    for (int i = from; i < to; i += e.length) {
                        final int m = Math.min(e.length, to - i);
                        NoiseStream.fillNormal(seed, stream, offset + i, e, 0, m);
                        for (int j = 0; j < m; j++) {
                            z[i + j] = Math.fma(sigma[p], e[j], mu[p]);
                            if (++p == np) {
                                p = 0;
                            }
                        }
                        if (eps != null) {
                            System.arraycopy(e, 0, eps, i, m);
                        }
                    }
                });
            }
        }
        if (kl != null) {
            kl(be, spec, mu, rho, kl);
        }
        if (logProb != null && n == 0) {
            Arrays.fill(logProb, 0.0f);      // D = 0: every row's sum of no terms (or no rows)
        }
    }

    /**
     * The forward pass with log q in one pass over the drawn rows: each range of rows generates its
     * eps once, in pieces of whole rows, and takes z and the row's log q terms from them:
     * logProb[q] = blocked sum over d of {@code fma(-0.5f, eps * eps, -(log sigma + HALF_LOG_2PI))}
     * for drawn row q = k*B + b (the order of {@link #blockedSum}), z as without log q.
     */
    private static void forwardWithLogProb(CpuBackend be, ReparamSpec spec, float[] mu, float[] rho, float[] sigma,
                                           float[] z, float[] eps, float[] logProb) {
        final int d = (int) spec.dim();
        final int rows = (int) spec.sampleRows();
        final int np = rho.length;
        final float[] nc = logProbConstants(be, spec.parameterization(), rho);
        final long seed = spec.seed();
        final long stream = spec.stream();
        final long offset = spec.offset();
        be.parallel(rows, (long) rows * d, (from, to) -> {
            final int chunk = Math.max(1, Math.min(to - from, CpuBackend.STAGING / Math.max(d, 1)));  // rows per piece
            final float[] e = new float[chunk * d];
            for (int q0 = from; q0 < to; q0 += chunk) {
                final int m = Math.min(chunk, to - q0);
                final int first = q0 * d;
                NoiseStream.fillNormal(seed, stream, offset + first, e, 0, m * d);
                int p = first % np;
                for (int r = 0; r < m; r++) {
                    final int base = r * d;
                    float total = 0.0f;
                    for (int start = 0; start < d; start += BLOCK) {
                        final int end = Math.min(d, start + BLOCK);
                        float s = 0.0f;
                        for (int j = start; j < end; j++) {
                            final float ej = e[base + j];
                            z[first + base + j] = Math.fma(sigma[p], ej, mu[p]);
                            s = s + Math.fma(-0.5f, ej * ej, nc[p]);
                            if (++p == np) {
                                p = 0;
                            }
                        }
                        total = total + s;
                    }
                    logProb[q0 + r] = total;
                }
                if (eps != null) {
                    System.arraycopy(e, 0, eps, first, m * d);
                }
            }
        });
    }

    /** -(log sigma(rho[p]) + HALF_LOG_2PI) for every parameter element: log q's constant terms. */
    private static float[] logProbConstants(CpuBackend be, Parameterization pz, float[] rho) {
        final float[] nc = new float[rho.length];
        be.parallel(rho.length, (from, to) -> {
            for (int p = from; p < to; p++) {
                nc[p] = -(pz.logSigma(rho[p]) + FloatMath.HALF_LOG_2PI);
            }
        });
        return nc;
    }

    /**
     * kl[b] = blocked sum over d of {@code fma(0.5f, fma(mu, mu, fma(sigma, sigma, -1f)), -log sigma)}
     * for parameter row b (one row when broadcast).
     */
    static void kl(CpuBackend be, ReparamSpec spec, float[] mu, float[] rho, float[] kl) {
        final Parameterization pz = spec.parameterization();
        final int d = (int) spec.dim();
        final int rows = (int) spec.paramRows();
        be.parallel(rows, (long) rows * d, (from, to) -> {
            final float[] t = new float[d];
            for (int b = from; b < to; b++) {
                final int base = b * d;
                for (int j = 0; j < d; j++) {
                    t[j] = klTerm(pz, mu[base + j], rho[base + j]);
                }
                kl[b] = blockedSum(t, d);
            }
        });
    }

    /** One KL term: 0.5 * (mu^2 + sigma^2 - 1) - log sigma, as the kernels round it. */
    static float klTerm(Parameterization pz, float mu, float rho) {
        final float s = pz.sigma(rho);
        final float t = Math.fma(mu, mu, Math.fma(s, s, -1.0f));
        return Math.fma(0.5f, t, -pz.logSigma(rho));
    }

    /** The fixed-order sum of t[0 .. n) (see the class comment). */
    static float blockedSum(float[] t, int n) {
        float total = 0.0f;
        for (int start = 0; start < n; start += BLOCK) {
            final int end = Math.min(n, start + BLOCK);
            float s = 0.0f;
            for (int j = start; j < end; j++) {
                s = s + t[j];
            }
            total = total + s;
        }
        return total;
    }

    static void backward(CpuBackend be, ReparamSpec spec, float[] mu, float[] rho, float[] eps, float[] gz,
                         float[] gkl, float[] glq, float[] gmu, float[] grho, boolean accumulate) {
        Objects.requireNonNull(spec, "spec is null");
        spec.requireBackwardArrays(mu, rho, eps, gz, gkl, glq, gmu, grho);
        spec.requireValidParameters(mu, rho, gkl != null, glq != null);
        final Parameterization pz = spec.parameterization();
        final int np = (int) spec.paramElements();
        final int rows = (int) spec.reductionRows();
        final int prow = (int) spec.paramRows();
        final int d = (int) spec.dim();
        final boolean broadcast = spec.broadcast();
        final long seed = spec.seed();
        final long stream = spec.stream();
        final long offset = spec.offset();
        if (np == 0) {
            return;
        }
        // slq[b]: blocked sum over rows r of gradLogProb[r * prow + b] (the drawn rows of parameter row b).
        final float[] slq = glq == null ? null : new float[prow];
        if (glq != null) {
            final float[] t = new float[rows];
            for (int b = 0; b < prow; b++) {
                for (int r = 0; r < rows; r++) {
                    t[r] = glq[r * prow + b];
                }
                slq[b] = blockedSum(t, rows);
            }
        }
        be.parallel(np, (long) np * rows * 8 + np, (from, to) -> {
            final int cap = Math.min(BACKWARD_CHUNK, to - from);
            final float[] tmu = new float[cap];
            final float[] tsig = new float[cap];
            final float[] smu = new float[cap];
            final float[] ssig = new float[cap];
            final float[] e = new float[cap];
            for (int c0 = from; c0 < to; c0 += cap) {
                final int m = Math.min(cap, to - c0);
                Arrays.fill(tmu, 0.0f);
                Arrays.fill(tsig, 0.0f);
                for (int g = 0; g < rows; g += BLOCK) {
                    Arrays.fill(smu, 0.0f);
                    Arrays.fill(ssig, 0.0f);
                    final int end = Math.min(rows, g + BLOCK);
                    for (int r = g; r < end; r++) {
                        final int base = r * np + c0;
                        if (eps != null) {
                            System.arraycopy(eps, base, e, 0, m);
                        } else {
                            NoiseStream.fillNormal(seed, stream, offset + base, e, 0, m);
                        }
                        for (int j = 0; j < m; j++) {
                            final float gv = gz[base + j];
                            smu[j] = smu[j] + gv;
                            ssig[j] = Math.fma(gv, e[j], ssig[j]);
                        }
                    }
                    for (int j = 0; j < m; j++) {
                        tmu[j] = tmu[j] + smu[j];
                        tsig[j] = tsig[j] + ssig[j];
                    }
                }
                for (int j = 0; j < m; j++) {
                    final int p = c0 + j;
                    final int b = broadcast ? 0 : p / d;
                    final float r = rho[p];
                    final float ds = pz.dSigma(r);
                    float gm = tmu[j];
                    float gr = tsig[j] * ds;
                    if (gkl != null) {
                        final float k = gkl[b];
                        gm = Math.fma(k, mu[p], gm);
                        gr = Math.fma(k, Math.fma(pz.sigma(r), ds, -pz.dLogSigma(r)), gr);
                    }
                    if (slq != null) {
                        gr = Math.fma(-slq[b], pz.dLogSigma(r), gr);
                    }
                    gmu[p] = accumulate ? gmu[p] + gm : gm;
                    grho[p] = accumulate ? grho[p] + gr : gr;
                }
            }
        });
    }
}
