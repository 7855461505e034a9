package org.reparamcl.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.reparamcl.ReparamCases.bits;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.apache.commons.statistics.distribution.NormalDistribution;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.reparamcl.NoiseMode;
import org.reparamcl.Parameterization;
import org.reparamcl.ReparamCases;
import org.reparamcl.ReparamSpec;
import org.reparamcl.rng.NoiseStream;

/** The CPU reference of the reparameterized passes against the documented formulas and the mathematics. */
class CpuReparamTest {
    static CpuBackend cpu;

    @BeforeAll
    static void open() {
        cpu = CpuBackend.create(2);
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    static ReparamSpec spec(Parameterization pz, int k, int b, int d, boolean broadcast, long offset, NoiseMode mode) {
        return ReparamSpec.builder().shape(k, b, d).broadcast(broadcast).parameterization(pz)
                .seed(0x5EEDL * (k + 31L * b + 1009L * d)).stream(b % 3).offset(offset).noiseMode(mode).build();
    }

    /** z, eps, KL, log q and both gradients bit-identical to the element-by-element formulas of docs/REPARAM.md. */
    @Test
    void forwardAndBackwardAreTheDocumentedFormulas() {
        final SplittableRandom rnd = new SplittableRandom(11);
        final int[][] shapes = {{1, 1, 1}, {3, 5, 7}, {16, 2, 67}, {2, 3, 130}, {70, 1, 3}, {1, 9, 1}};
        for (Parameterization pz : Parameterization.values()) {
            for (int[] sh : shapes) {
                for (boolean bc : new boolean[] {false, true}) {
                    final ReparamSpec s = spec(pz, sh[0], sh[1], sh[2], bc, rnd.nextLong() >>> 1, NoiseMode.RECOMPUTE);
                    final String what = s.toString();
                    final int np = (int) s.paramElements();
                    final float[] mu = ReparamCases.uniform(np, 2, rnd);
                    final float[] rho = ReparamCases.rhos(pz, np, rnd);
                    final ReparamCases.Forward ref = ReparamCases.forward(s, mu, rho);
                    final float[] z = new float[(int) s.elements()];
                    final float[] eps = new float[(int) s.elements()];
                    final float[] kl = new float[(int) s.paramRows()];
                    final float[] lq = new float[(int) s.sampleRows()];
                    cpu.reparamForward(s, mu, rho, z, eps, kl, lq);
                    assertArrayEquals(bits(ref.z()), bits(z), what);
                    assertArrayEquals(bits(ref.eps()), bits(eps), what);
                    assertArrayEquals(bits(ref.kl()), bits(kl), what);
                    assertArrayEquals(bits(ref.logProb()), bits(lq), what);
                    final float[] gz = ReparamCases.uniform(z.length, 1, rnd);
                    final float[] gkl = ReparamCases.uniform(kl.length, 1, rnd);
                    final float[] glq = ReparamCases.uniform(lq.length, 1, rnd);
                    final float[] emu = ReparamCases.uniform(np, 1, rnd);
                    final float[] erho = ReparamCases.uniform(np, 1, rnd);
                    final float[] gmu = emu.clone();
                    final float[] grho = erho.clone();
                    ReparamCases.backward(s, mu, rho, gz, gkl, glq, emu, erho, true);
                    cpu.reparamBackward(s, mu, rho, null, gz, gkl, glq, gmu, grho, true);
                    assertArrayEquals(bits(emu), bits(gmu), what);
                    assertArrayEquals(bits(erho), bits(grho), what);
                }
            }
        }
    }

    @Test
    void bitsDoNotDependOnTheThreadCount() {
        final SplittableRandom rnd = new SplittableRandom(12);
        try (CpuBackend one = CpuBackend.create(1); CpuBackend three = CpuBackend.create(3)) {
            for (boolean bc : new boolean[] {false, true}) {
                final ReparamSpec s = spec(Parameterization.SOFTPLUS, 3, 37, 301, bc, 5, NoiseMode.RECOMPUTE);
                final int np = (int) s.paramElements();
                final float[] mu = ReparamCases.uniform(np, 2, rnd);
                final float[] rho = ReparamCases.rhos(s.parameterization(), np, rnd);
                final float[][] out = new float[2][];
                final float[][] lqs = new float[2][];
                final float[][] grads = new float[4][];
                final float[] gz = ReparamCases.uniform((int) s.elements(), 1, rnd);
                final float[] glq = ReparamCases.uniform((int) s.sampleRows(), 1, rnd);
                final CpuBackend[] bes = {one, three};
                for (int t = 0; t < 2; t++) {
                    out[t] = new float[(int) s.elements()];
                    lqs[t] = new float[(int) s.sampleRows()];
                    bes[t].reparamForward(s, mu, rho, out[t], null, null, lqs[t]);
                    grads[2 * t] = new float[np];
                    grads[2 * t + 1] = new float[np];
                    bes[t].reparamBackward(s, mu, rho, null, gz, null, glq, grads[2 * t], grads[2 * t + 1], false);
                }
                assertArrayEquals(bits(out[0]), bits(out[1]));
                assertArrayEquals(bits(lqs[0]), bits(lqs[1]));
                assertArrayEquals(bits(grads[0]), bits(grads[2]));
                assertArrayEquals(bits(grads[1]), bits(grads[3]));
                // Without log q the forward pass takes its element-wise path: its ranges start at
                // element indices that are not multiples of P (3 threads: ranges of 1396), so z and
                // eps must follow each range's own parameter index and position.
                assertTrue(s.elements() >= CpuBackend.MIN_PARALLEL, "the call must be split into ranges: " + s);
                final ReparamCases.Forward ref = ReparamCases.forward(s, mu, rho);
                for (int t = 0; t < 2; t++) {
                    final float[] z = new float[(int) s.elements()];
                    final float[] eps = new float[z.length];
                    bes[t].reparamForward(s, mu, rho, z, eps);
                    assertArrayEquals(bits(ref.z()), bits(z), "z, " + bes[t].threads() + " threads, " + s);
                    assertArrayEquals(bits(ref.eps()), bits(eps), "eps, " + bes[t].threads() + " threads, " + s);
                }
            }
        }
    }

    @Test
    void storeAndRecomputeGiveIdenticalGradientsAndAccumulateAdds() {
        final SplittableRandom rnd = new SplittableRandom(13);
        for (Parameterization pz : Parameterization.values()) {
            final ReparamSpec rec = spec(pz, 3, 11, 29, false, 77, NoiseMode.RECOMPUTE);
            final ReparamSpec sto = rec.toBuilder().noiseMode(NoiseMode.STORE).build();
            final int np = (int) rec.paramElements();
            final float[] mu = ReparamCases.uniform(np, 2, rnd);
            final float[] rho = ReparamCases.rhos(pz, np, rnd);
            final float[] z = new float[(int) rec.elements()];
            final float[] eps = new float[z.length];
            cpu.reparamForward(sto, mu, rho, z, eps);
            final float[] gz = ReparamCases.uniform(z.length, 1, rnd);
            final float[] gkl = ReparamCases.uniform((int) rec.paramRows(), 1, rnd);
            final float[][] g = new float[4][np];
            cpu.reparamBackward(rec, mu, rho, null, gz, gkl, null, g[0], g[1], false);
            cpu.reparamBackward(sto, mu, rho, eps, gz, gkl, null, g[2], g[3], false);
            assertArrayEquals(bits(g[0]), bits(g[2]), pz.toString());
            assertArrayEquals(bits(g[1]), bits(g[3]), pz.toString());
            final float[] oldMu = ReparamCases.uniform(np, 3, rnd);
            final float[] oldRho = ReparamCases.uniform(np, 3, rnd);
            final float[] accMu = oldMu.clone();
            final float[] accRho = oldRho.clone();
            cpu.reparamBackward(sto, mu, rho, eps, gz, gkl, null, accMu, accRho, true);
            for (int p = 0; p < np; p++) {
                assertEquals(oldMu[p] + g[0][p], accMu[p]);
                assertEquals(oldRho[p] + g[1][p], accRho[p]);
            }
        }
    }

    /**
     * L = sum_i w_i z_i + z_i^2 / 2 + sum_b gk_b KL_b + sum_q gl_q log q_q with eps fixed; central
     * differences in float64 with h = 1e-4 max(|theta|, 0.05). Tolerance 2e-5 of the sum of the
     * absolute contributions (float32 sums of up to 48 terms, h^2 truncation, float z in dL/dz).
     */
    @Test
    void gradientsMatchCentralFiniteDifferences() {
        final SplittableRandom rnd = new SplittableRandom(14);
        for (Parameterization pz : Parameterization.values()) {
            for (boolean bc : new boolean[] {false, true}) {
                final ReparamSpec s = spec(pz, 3, 4, 9, bc, 1234567, NoiseMode.STORE);
                final int np = (int) s.paramElements();
                final int n = (int) s.elements();
                final float[] mu = ReparamCases.uniform(np, 1.5, rnd);
                final float[] rho = ReparamCases.rhos(pz, np, rnd);
                if (pz == Parameterization.SIGMA) {
                    for (int p = 0; p < np; p++) {
                        rho[p] = 0.2f + Math.abs(rho[p]);
                    }
                }
                final float[] z = new float[n];
                final float[] eps = new float[n];
                cpu.reparamForward(s, mu, rho, z, eps);
                final float[] w = ReparamCases.uniform(n, 1, rnd);
                final float[] gz = new float[n];
                for (int i = 0; i < n; i++) {
                    gz[i] = w[i] + z[i];
                }
                final float[] gk = ReparamCases.uniform((int) s.paramRows(), 1, rnd);
                final float[] gl = ReparamCases.uniform((int) s.sampleRows(), 1, rnd);
                final float[] gmu = new float[np];
                final float[] grho = new float[np];
                cpu.reparamBackward(s, mu, rho, eps, gz, gk, gl, gmu, grho, false);
                for (int p = 0; p < np; p++) {
                    final int fp = p;
                    final double hm = 1e-4 * Math.max(Math.abs(mu[p]), 0.05);
                    final double hr = 1e-4 * Math.max(Math.abs(rho[p]), 0.05);
                    final double fdMu = (lossOf(s, pz, p, mu[p] + hm, rho[p], w, eps, gk, gl)
                            - lossOf(s, pz, p, mu[p] - hm, rho[p], w, eps, gk, gl)) / (2 * hm);
                    final double fdRho = (lossOf(s, pz, p, mu[p], rho[p] + hr, w, eps, gk, gl)
                            - lossOf(s, pz, p, mu[p], rho[p] - hr, w, eps, gk, gl)) / (2 * hr);
                    final double sg = ReparamCases.sigma(pz, rho[p]);
                    final double ds = ReparamCases.dSigma(pz, rho[p]);
                    final int b = bc ? 0 : p / (int) s.dim();
                    double scaleMu = Math.abs(gk[b] * mu[p]);
                    double scaleRho = Math.abs(gk[b]) * (Math.abs(sg * ds) + Math.abs(ds / sg));
                    for (int i = p; i < n; i += np) {
                        scaleMu += Math.abs(gz[i]);
                        scaleRho += Math.abs(gz[i] * eps[i] * ds);
                    }
                    for (int r = 0; r < s.reductionRows(); r++) {
                        scaleRho += Math.abs(gl[r * (int) s.paramRows() + b] * ds / sg);
                    }
                    final String what = s + " p=" + fp + " mu=" + mu[p] + " rho=" + rho[p];
                    assertEquals(fdMu, gmu[p], 2e-5 * scaleMu + 1e-9, "dmu " + what);
                    assertEquals(fdRho, grho[p], 2e-5 * scaleRho + 1e-9, "drho " + what);
                }
            }
        }
    }

    /** The part of L that depends on parameter element p, in float64, at (mu, rho) = (m, r). */
    private static double lossOf(ReparamSpec s, Parameterization pz, int p, double m, double r, float[] w, float[] eps,
                                 float[] gk, float[] gl) {
        final int np = (int) s.paramElements();
        final double sg = ReparamCases.sigma(pz, r);
        double l = 0;
        for (int i = p; i < eps.length; i += np) {
            final double z = m + sg * eps[i];
            l += w[i] * z + 0.5 * z * z;
        }
        final int b = s.broadcast() ? 0 : p / (int) s.dim();
        l += gk[b] * (0.5 * (m * m + sg * sg - 1) - Math.log(sg));
        for (int row = 0; row < s.reductionRows(); row++) {
            // log q of a drawn row depends on p through -log sigma_p only (eps fixed).
            l += gl[row * (int) s.paramRows() + b] * -Math.log(sg);
        }
        return l;
    }

    /**
     * Monte Carlo gradient identities. For L = mean over N = K*B draws of (z - c)^2 with a constant c,
     * dL/dmu = mean 2 (z - c) and dL/drho = mean 2 (z - c) eps dsigma/drho are unbiased for
     * 2 (mu - c) and 2 sigma dsigma/drho, with per-draw variances 4 sigma^2 and
     * 4 ((mu - c)^2 + 2 sigma^2) dsigma^2 (z eps = (mu - c) eps + sigma eps^2, Var(eps^2) = 2,
     * Cov(eps, eps^2) = 0). Two cases, each on 4 parameterizations x D = 6 parameters:
     * <ul>
     *   <li>c = 0, N = 2^14: d/dmu E[z^2] = 2 mu and d/drho E[z^2] = 2 sigma dsigma/drho;</li>
     *   <li>c = mu (centred), N = 2^20: 0 and 2 sigma dsigma/drho, the sharp form: the rho check's
     *       standard error is sqrt(2 / N) = 0.14% of its value whatever mu / sigma, so a 1% bias
     *       (e.g. eps scaled by 1.01 between forward and backward) is 7 standard errors.</li>
     * </ul>
     *
     * <p>Each check allows t standard errors plus R, a worst-case bound on float32 rounding: z's own
     * rounding (half an ulp of z per term), the blocked sums of docs/REPARAM.md (gamma_(63 + N/64 + 2)
     * times the sum of |terms|, Higham's bound for 64-term blocks then N/64 block sums, plus the
     * fma per term), and 8 ulp of the expected value for float32 sigma and dsigma/drho against the
     * float64 reference (FloatMath: at most 2.5 ulp each). R is what keeps the rate honest where
     * sigma is below float32's resolution of mu (softplus rho < -20: sigma < 2e-9, z = mu): the
     * former test, without R, failed there on 41 of 100 random input seeds, while its comment said
     * 1e-6.
     *
     * <p>False-failure rate: t = Phi^-1(1 - 1e-6 / 192) = 5.73 makes each of the 96 two-sided
     * checks fail with probability 1e-6 / 96 (normal approximation; at N = 2^14 the eps^2 terms'
     * skewness 2.83 / sqrt(N) = 0.022 changes the tail by about 10%), so at most 1e-6 for the
     * test over random seeds (Bonferroni). The input seed is fixed (15): the test passes or fails
     * identically on every run.
     */
    @Test
    void monteCarloGradientIdentitiesHold() {
        final SplittableRandom rnd = new SplittableRandom(15);
        final int d = 6;
        final double t = -NormalDistribution.of(0, 1).inverseCumulativeProbability(1e-6 / (2 * 2 * 2 * d * 4));
        for (boolean centred : new boolean[] {false, true}) {
            final int k = centred ? 16 : 4;
            final int b = centred ? 65536 : 4096;
            for (Parameterization pz : Parameterization.values()) {
                final ReparamSpec s = ReparamSpec.builder().shape(k, b, d).broadcast(true).parameterization(pz)
                        .seed(rnd.nextLong()).build();
                final float[] mu = ReparamCases.uniform(d, 2, rnd);
                final float[] rho = ReparamCases.rhos(pz, d, rnd);
                gradientIdentities(s, mu, rho, centred, t);
            }
        }
    }

    /** The checks of {@link #monteCarloGradientIdentitiesHold()} for one spec: c = mu if centred, else 0. */
    static void gradientIdentities(ReparamSpec s, float[] mu, float[] rho, boolean centred, double t) {
        final Parameterization pz = s.parameterization();
        final int d = (int) s.dim();
        final int n = (int) s.elements();
        final int draws = n / d;
        final float[] z = new float[n];
        final float[] eps = new float[n];
        cpu.reparamForward(s, mu, rho, z, eps);
        final float[] gz = new float[n];
        final double u = 0x1p-24;
        final double[] sumAbsGz = new double[d];
        final double[] sumAbsGzEps = new double[d];
        final double[] zRound = new double[d];
        final double[] zRoundEps = new double[d];
        for (int i = 0; i < n; i++) {
            final int p = i % d;
            final double c = centred ? mu[p] : 0;
            gz[i] = (float) (2.0 * (z[i] - c) / draws);
            sumAbsGz[p] += Math.abs(gz[i]);
            sumAbsGzEps[p] += Math.abs(gz[i] * (double) eps[i]);
            // z is mu + sigma eps rounded once: |error| <= u |z|, carried into gz with the factor 2 / N.
            zRound[p] += 2 * u * Math.abs(z[i]) / draws;
            zRoundEps[p] += 2 * u * Math.abs(z[i] * (double) eps[i]) / draws;
        }
        final float[] gmu = new float[d];
        final float[] grho = new float[d];
        cpu.reparamBackward(s, mu, rho, null, gz, gmu, grho, false);
        // gamma_m = m u / (1 - m u) for the blocked sum's 63 + blocks additions, the rounding of gz and the fma.
        final int m = 63 + (draws + ReparamSpec.SUM_BLOCK - 1) / ReparamSpec.SUM_BLOCK + 2;
        final double gamma = m * u / (1 - m * u);
        for (int p = 0; p < d; p++) {
            final double sg = ReparamCases.sigma(pz, rho[p]);
            final double ds = ReparamCases.dSigma(pz, rho[p]);
            final double c = centred ? mu[p] : 0;
            final double wantMu = 2 * (mu[p] - c);
            final double wantRho = 2 * sg * ds;
            final double seMu = 2 * sg / Math.sqrt(draws);
            final double seRho = 2 * Math.sqrt((mu[p] - c) * (mu[p] - c) + 2 * sg * sg) * Math.abs(ds) / Math.sqrt(draws);
            final double rMu = gamma * sumAbsGz[p] + zRound[p] + 8 * u * Math.abs(wantMu);
            final double rRho = (gamma * sumAbsGzEps[p] + zRoundEps[p]) * Math.abs(ds) * (1 + 8 * u) + 8 * u * Math.abs(wantRho);
            final String what = pz + (centred ? " d/dmu E[(z - mu)^2], N = " : " d/dmu E[z^2], N = ") + draws + ", p=" + p
                    + ", mu=" + mu[p] + ", rho=" + rho[p];
            assertEquals(wantMu, gmu[p], t * seMu + rMu, what + ": (gmu - want) / se = " + (gmu[p] - wantMu) / seMu);
            assertEquals(wantRho, grho[p], t * seRho + rRho, what.replace("d/dmu", "d/drho")
                    + ": (grho - want) / se = " + (grho[p] - wantRho) / seRho);
        }
    }

    /** KL and log q against float64 closed forms, and their gradients alone (gradZ = 0). */
    @Test
    void klAndLogProbMatchClosedForms() {
        final SplittableRandom rnd = new SplittableRandom(16);
        for (Parameterization pz : Parameterization.values()) {
            final ReparamSpec s = spec(pz, 3, 5, 150, false, 99, NoiseMode.RECOMPUTE);
            final int np = (int) s.paramElements();
            final int d = (int) s.dim();
            final float[] mu = ReparamCases.uniform(np, 2, rnd);
            final float[] rho = ReparamCases.rhos(pz, np, rnd);
            final float[] z = new float[(int) s.elements()];
            final float[] eps = new float[z.length];
            final float[] kl = new float[5];
            final float[] lq = new float[15];
            cpu.reparamForward(s, mu, rho, z, eps, kl, lq);
            for (int b = 0; b < 5; b++) {
                double e = 0;
                double scale = 0;
                for (int j = 0; j < d; j++) {
                    final double m = mu[b * d + j];
                    final double sg = ReparamCases.sigma(pz, rho[b * d + j]);
                    final double term = 0.5 * (m * m + sg * sg - 1) - Math.log(sg);
                    e += term;
                    scale += Math.abs(term) + 0.5 * (m * m + sg * sg + 1);
                }
                assertEquals(e, kl[b], 1e-5 * scale, pz + " KL row " + b);
            }
            for (int q = 0; q < 15; q++) {
                final int b = q % 5;
                double e = 0;
                double viaZ = 0;
                double viaZError = 0;
                double scale = 0;
                for (int j = 0; j < d; j++) {
                    final double sg = ReparamCases.sigma(pz, rho[b * d + j]);
                    final double ep = eps[q * d + j];
                    final double term = -0.5 * ep * ep - Math.log(sg) - 0.5 * Math.log(2 * Math.PI);
                    e += term;
                    viaZ += NormalDistribution.of(mu[b * d + j], sg).logDensity(z[q * d + j]);
                    // (z - mu) / sigma differs from eps by up to half an ulp of z over sigma.
                    final double dx = 0.5 * Math.ulp(z[q * d + j]) / sg;
                    viaZError += Math.abs(ep) * dx + dx * dx;
                    scale += Math.abs(term) + 1;
                }
                assertEquals(e, lq[q], 1e-5 * scale, pz + " log q row " + q);
                assertEquals(viaZ, lq[q], 1e-5 * scale + 2 * viaZError, pz + " log q row " + q + " against the normal log density of z");
            }
            // Gradients of sum_b gk_b KL_b alone, then of sum_q gl_q log q_q alone.
            final float[] zero = new float[z.length];
            final float[] gk = ReparamCases.uniform(5, 1, rnd);
            final float[] gl = ReparamCases.uniform(15, 1, rnd);
            final float[] gmu = new float[np];
            final float[] grho = new float[np];
            cpu.reparamBackward(s, mu, rho, null, zero, gk, null, gmu, grho, false);
            for (int p = 0; p < np; p++) {
                final double sg = ReparamCases.sigma(pz, rho[p]);
                final double ds = ReparamCases.dSigma(pz, rho[p]);
                final double w = gk[p / d];
                assertEquals(w * mu[p], gmu[p], 1e-6 * Math.abs(w * mu[p]) + 1e-30);
                assertEquals(w * (sg - 1 / sg) * ds, grho[p], 1e-5 * Math.abs(w) * (sg * ds + ds / sg), pz + " dKL/drho p=" + p);
            }
            cpu.reparamBackward(s, mu, rho, null, zero, null, gl, gmu, grho, false);
            for (int p = 0; p < np; p++) {
                final double dl = ReparamCases.dSigma(pz, rho[p]) / ReparamCases.sigma(pz, rho[p]);
                final int b = p / d;
                final double wsum = gl[b] + gl[5 + b] + gl[10 + b];
                assertEquals(0.0f, gmu[p]);
                assertEquals(-wsum * dl, grho[p], 1e-5 * (Math.abs(gl[b]) + Math.abs(gl[5 + b]) + Math.abs(gl[10 + b])) * dl,
                        pz + " dlogq/drho p=" + p);
            }
        }
    }

    /** Splitting a forward call by samples or by rows (with the offset advanced) gives the same bits. */
    @Test
    void forwardIsInvariantToSplittingTheCall() {
        final SplittableRandom rnd = new SplittableRandom(17);
        for (boolean bc : new boolean[] {false, true}) {
            final int k = 5;
            final int b = 7;
            final int d = 13;
            final ReparamSpec whole = spec(Parameterization.LOG_VAR, k, b, d, bc, rnd.nextLong() >>> 1, NoiseMode.RECOMPUTE);
            final int np = (int) whole.paramElements();
            final float[] mu = ReparamCases.uniform(np, 2, rnd);
            final float[] rho = ReparamCases.rhos(whole.parameterization(), np, rnd);
            final float[] z = new float[k * b * d];
            final float[] lq = new float[k * b];
            cpu.reparamForward(whole, mu, rho, z, null, null, lq);
            // By samples: K = 2 then K = 3.
            final ReparamSpec first = whole.toBuilder().shape(2, b, d).build();
            final ReparamSpec rest = whole.toBuilder().shape(3, b, d).offset(first.nextOffset()).build();
            final float[] z1 = new float[2 * b * d];
            final float[] z2 = new float[3 * b * d];
            final float[] l1 = new float[2 * b];
            final float[] l2 = new float[3 * b];
            cpu.reparamForward(first, mu, rho, z1, null, null, l1);
            cpu.reparamForward(rest, mu, rho, z2, null, null, l2);
            assertArrayEquals(bits(z), bits(concat(z1, z2)));
            assertArrayEquals(bits(lq), bits(concat(l1, l2)));
            if (!bc) {
                // With K = 1, by rows: rows 0..2 then 3..6, each with its slice of the parameters.
                final ReparamSpec one = whole.toBuilder().shape(1, b, d).build();
                final float[] zo = new float[b * d];
                final float[] kl = new float[b];
                cpu.reparamForward(one, mu, rho, zo, null, kl, null);
                final ReparamSpec top = one.toBuilder().shape(1, 3, d).build();
                final ReparamSpec bottom = one.toBuilder().shape(1, 4, d).offset(top.nextOffset()).build();
                final float[] zt = new float[3 * d];
                final float[] zb = new float[4 * d];
                final float[] kt = new float[3];
                final float[] kb = new float[4];
                cpu.reparamForward(top, Arrays.copyOf(mu, 3 * d), Arrays.copyOf(rho, 3 * d), zt, null, kt, null);
                cpu.reparamForward(bottom, Arrays.copyOfRange(mu, 3 * d, 7 * d), Arrays.copyOfRange(rho, 3 * d, 7 * d), zb, null, kb, null);
                assertArrayEquals(bits(zo), bits(concat(zt, zb)));
                assertArrayEquals(bits(kl), bits(concat(kt, kb)));
                final float[] gz = ReparamCases.uniform(b * d, 1, rnd);
                final float[] gm = new float[b * d];
                final float[] gr = new float[b * d];
                cpu.reparamBackward(one, mu, rho, null, gz, gm, gr, false);
                final float[] gmt = new float[3 * d];
                final float[] grt = new float[3 * d];
                final float[] gmb = new float[4 * d];
                final float[] grb = new float[4 * d];
                cpu.reparamBackward(top, Arrays.copyOf(mu, 3 * d), Arrays.copyOf(rho, 3 * d), null, Arrays.copyOf(gz, 3 * d), gmt, grt, false);
                cpu.reparamBackward(bottom, Arrays.copyOfRange(mu, 3 * d, 7 * d), Arrays.copyOfRange(rho, 3 * d, 7 * d), null,
                        Arrays.copyOfRange(gz, 3 * d, 7 * d), gmb, grb, false);
                assertArrayEquals(bits(gm), bits(concat(gmt, gmb)));
                assertArrayEquals(bits(gr), bits(concat(grt, grb)));
            }
        }
    }

    static float[] concat(float[] a, float[] b) {
        final float[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    @Test
    void emptyShapes() {
        // D = 0: no elements; every KL and log q is the empty sum 0.
        final ReparamSpec noD = ReparamSpec.builder().shape(2, 3, 0).seed(1).build();
        final float[] kl = {9, 9, 9};
        final float[] lq = {9, 9, 9, 9, 9, 9};
        cpu.reparamForward(noD, new float[0], new float[0], new float[0], null, kl, lq);
        assertArrayEquals(new float[3], kl);
        assertArrayEquals(new float[6], lq);
        cpu.reparamBackward(noD, new float[0], new float[0], null, new float[0], new float[0], new float[0], false);
        // Broadcast with B = 0: no draws, so gradients are the KL term alone (or zero).
        final ReparamSpec noB = ReparamSpec.builder().shape(2, 0, 3).broadcast(true).seed(1).build();
        final float[] mu = {1, 2, 3};
        final float[] rho = {1, 1, 1};
        final float[] gm = {7, 7, 7};
        final float[] gr = {7, 7, 7};
        final float[] one = new float[1];
        cpu.reparamForward(noB, mu, rho, new float[0], null, one, new float[0]);
        assertEquals(0.5f * (1 + 4 + 9), one[0]);
        cpu.reparamBackward(noB, mu, rho, null, new float[0], gm, gr, false);
        assertArrayEquals(new float[3], gm);
        assertArrayEquals(new float[3], gr);
        cpu.reparamBackward(noB, mu, rho, null, new float[0], new float[] {2}, null, gm, gr, true);
        assertArrayEquals(new float[] {2, 4, 6}, gm);
        assertArrayEquals(new float[3], gr);                  // sigma = 1: sigma * 1 - 1/sigma = 0
    }

    @Test
    void rejectsBadArraysAndValuesBeforeWriting() {
        final ReparamSpec s = ReparamSpec.builder().shape(2, 2, 3).seed(4).build();
        final float[] mu = new float[6];
        final float[] rho = {1, 1, 1, 1, 1, 1};
        final float[] z = new float[12];
        assertThrows(NullPointerException.class, () -> cpu.reparamForward(s, null, rho, z, null));
        assertThrows(NullPointerException.class, () -> cpu.reparamForward(s, mu, rho, null, null));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> cpu.reparamForward(s, mu, new float[5], z, null))
                .getMessage().contains("rho has length 5, expected 6"));
        assertThrows(IllegalArgumentException.class, () -> cpu.reparamForward(s, mu, rho, new float[13], null));
        assertThrows(IllegalArgumentException.class, () -> cpu.reparamForward(s, mu, rho, z, null, new float[3], null));
        assertThrows(IllegalArgumentException.class, () -> cpu.reparamForward(s, mu, rho, z, z));
        assertThrows(IllegalArgumentException.class, () -> cpu.reparamForward(s, mu, rho, z, null, null, new float[3]));
        // STORE needs eps on both passes; RECOMPUTE's backward takes none.
        final ReparamSpec store = s.toBuilder().noiseMode(NoiseMode.STORE).build();
        assertThrows(NullPointerException.class, () -> cpu.reparamForward(store, mu, rho, z, null));
        assertThrows(NullPointerException.class, () -> cpu.reparamBackward(store, mu, rho, null, z, new float[6], new float[6], false));
        assertThrows(IllegalArgumentException.class, () -> cpu.reparamBackward(s, mu, rho, new float[12], z, new float[6], new float[6], false));
        final float[] g = new float[6];
        assertThrows(IllegalArgumentException.class, () -> cpu.reparamBackward(s, mu, rho, null, z, g, g, false));
        assertThrows(IllegalArgumentException.class, () -> cpu.reparamBackward(s, mu, rho, null, z, mu, new float[6], false));
        // Values: nothing is written when a value is rejected.
        final float[] badRho = rho.clone();
        badRho[4] = 0.0f;
        Arrays.fill(z, 42.0f);
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cpu.reparamForward(s, mu, badRho, z, null));
        assertTrue(e.getMessage().startsWith("rho[4] (b = 1, d = 1) = 0.0 is not > 0"), e.getMessage());
        for (float v : z) {
            assertEquals(42.0f, v);
        }
        final float[] badMu = mu.clone();
        badMu[5] = Float.POSITIVE_INFINITY;
        assertTrue(assertThrows(IllegalArgumentException.class, () -> cpu.reparamBackward(s, badMu, rho, null, z, g, new float[6], false))
                .getMessage().startsWith("mu[5]"));
        final ReparamSpec logSigma = s.toBuilder().parameterization(Parameterization.LOG_SIGMA).broadcast(true).build();
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> cpu.reparamForward(logSigma, new float[3], new float[] {0, 100, Float.NaN}, z, null))
                .getMessage().startsWith("rho[1] = 100.0 gives sigma = Infinity"));
        // A backward pass given only gradLogProb rejects rho whose d log sigma/drho overflows (1/rho).
        final float[] tiny = rho.clone();
        tiny[3] = 1e-40f;
        final float[] gm = new float[6];
        final float[] gr = new float[6];
        cpu.reparamBackward(s, mu, tiny, null, z, null, null, gm, gr, false);     // without it, accepted
        Arrays.fill(gr, 42.0f);
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> cpu.reparamBackward(s, mu, tiny, null, z, null, new float[4], gm, gr, false)).getMessage()
                .startsWith("rho[3] (b = 1, d = 0) = 1.0E-40 gives d log sigma/drho = Infinity, which the log q gradient multiplies"));
        for (float v : gr) {
            assertEquals(42.0f, v);
        }
        // Unchecked: NaN propagates to exactly the elements it touches.
        final ReparamSpec unchecked = s.toBuilder().checkValues(false).build();
        cpu.reparamForward(unchecked, badMu, rho, z, null);
        for (int i = 0; i < 12; i++) {
            assertEquals(i % 6 == 5, Float.isInfinite(z[i]) || Float.isNaN(z[i]), "i=" + i);
        }
        // A closed backend.
        final CpuBackend closed = CpuBackend.create(1);
        closed.close();
        assertThrows(IllegalStateException.class, () -> closed.reparamForward(s, mu, rho, new float[12], null));
    }

    @Test
    void offsetsReachTheTopOfTheStream() {
        final ReparamSpec s = ReparamSpec.builder().shape(2, 3, 5).seed(8).stream(-1L).offset(-30L).build();
        final float[] mu = new float[15];
        final float[] rho = new float[15];
        Arrays.fill(rho, 1.0f);
        final float[] z = new float[30];
        cpu.reparamForward(s, mu, rho, z, null);
        for (int i = 0; i < 30; i++) {
            assertEquals(NoiseStream.normalAt(8, -1L, -30L + i), z[i]);
        }
    }
}
