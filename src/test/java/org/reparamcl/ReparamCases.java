package org.reparamcl;

import java.util.SplittableRandom;

import org.reparamcl.rng.FloatMath;
import org.reparamcl.rng.NoiseStream;

/** Random inputs for the reparameterization tests, shared by the CPU and OpenCL suites. */
public final class ReparamCases {
    private ReparamCases() {
    }

    /**
     * A valid rho for {@code pz}: sigma in a range where every branch of the parameterization is
     * used (softplus rho crosses +-20), with a few exact branch points.
     */
    public static float rho(Parameterization pz, SplittableRandom rnd) {
        switch (pz) {
            case SIGMA:
                return (float) (0.02 + 3.0 * rnd.nextDouble());
            case LOG_SIGMA:
                return (float) (-4.0 + 6.0 * rnd.nextDouble());
            case LOG_VAR:
                return (float) (-8.0 + 12.0 * rnd.nextDouble());
            default: {
                final int k = rnd.nextInt(20);
                if (k == 0) {
                    return rnd.nextBoolean() ? 20.0f : -20.0f;
                }
                if (k < 4) {
                    return (float) (rnd.nextBoolean() ? 20.0 + 10.0 * rnd.nextDouble() : -20.0 - 10.0 * rnd.nextDouble());
                }
                return (float) (-6.0 + 10.0 * rnd.nextDouble());
            }
        }
    }

    /** n rho values for {@code pz}. */
    public static float[] rhos(Parameterization pz, int n, SplittableRandom rnd) {
        final float[] r = new float[n];
        for (int i = 0; i < n; i++) {
            r[i] = rho(pz, rnd);
        }
        return r;
    }

    /** n values uniform in [-a, a]. */
    public static float[] uniform(int n, double a, SplittableRandom rnd) {
        final float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (a * (2.0 * rnd.nextDouble() - 1.0));
        }
        return v;
    }

    /** sigma(rho) in float64, the textbook formula (for finite-difference and closed-form checks). */
    public static double sigma(Parameterization pz, double rho) {
        switch (pz) {
            case SIGMA: return rho;
            case LOG_SIGMA: return Math.exp(rho);
            case LOG_VAR: return Math.exp(rho / 2);
            default: return rho > 0 ? rho + Math.log1p(Math.exp(-rho)) : Math.log1p(Math.exp(rho));
        }
    }

    /** dsigma/drho in float64. */
    public static double dSigma(Parameterization pz, double rho) {
        switch (pz) {
            case SIGMA: return 1.0;
            case LOG_SIGMA: return Math.exp(rho);
            case LOG_VAR: return Math.exp(rho / 2) / 2;
            default: return 1.0 / (1.0 + Math.exp(-rho));
        }
    }

    /** The documented fixed-order sum: blocks of SUM_BLOCK terms from +0.0f, block sums added in order from +0.0f. */
    public static float blockedSum(float[] t) {
        float total = 0.0f;
        for (int start = 0; start < t.length; start += ReparamSpec.SUM_BLOCK) {
            float s = 0.0f;
            for (int j = start; j < Math.min(t.length, start + ReparamSpec.SUM_BLOCK); j++) {
                s = s + t[j];
            }
            total = total + s;
        }
        return total;
    }

    /** Everything a forward call computes, by the formulas of docs/REPARAM.md, one element at a time. */
    public record Forward(float[] z, float[] eps, float[] kl, float[] logProb) {
    }

    /** The documented forward pass, written independently of the backends. */
    public static Forward forward(ReparamSpec s, float[] mu, float[] rho) {
        final Parameterization pz = s.parameterization();
        final int n = (int) s.elements();
        final int np = (int) s.paramElements();
        final int d = (int) s.dim();
        final float[] z = new float[n];
        final float[] eps = new float[n];
        for (int i = 0; i < n; i++) {
            final int p = i % np;
            eps[i] = NoiseStream.normalAt(s.seed(), s.stream(), s.offset() + i);
            z[i] = Math.fma(pz.sigma(rho[p]), eps[i], mu[p]);
        }
        final float[] kl = new float[(int) s.paramRows()];
        for (int b = 0; b < kl.length; b++) {
            final float[] t = new float[d];
            for (int j = 0; j < d; j++) {
                final float m = mu[b * d + j];
                final float r = rho[b * d + j];
                final float sg = pz.sigma(r);
                t[j] = Math.fma(0.5f, Math.fma(m, m, Math.fma(sg, sg, -1.0f)), -pz.logSigma(r));
            }
            kl[b] = blockedSum(t);
        }
        final float[] lq = new float[(int) s.sampleRows()];
        for (int q = 0; q < lq.length; q++) {
            final int b = s.broadcast() ? 0 : q % (int) s.rows();
            final float[] t = new float[d];
            for (int j = 0; j < d; j++) {
                final float e = eps[q * d + j];
                t[j] = Math.fma(-0.5f, e * e, -(pz.logSigma(rho[b * d + j]) + FloatMath.HALF_LOG_2PI));
            }
            lq[q] = blockedSum(t);
        }
        return new Forward(z, eps, kl, lq);
    }

    /**
     * The documented backward pass, written independently of the backends; gkl and glq may be
     * null; gmu and grho hold the old gradients and are updated.
     */
    public static void backward(ReparamSpec s, float[] mu, float[] rho, float[] gz, float[] gkl, float[] glq,
                                float[] gmu, float[] grho, boolean accumulate) {
        final Parameterization pz = s.parameterization();
        final int np = (int) s.paramElements();
        final int rows = (int) s.reductionRows();
        final int prow = (int) s.paramRows();
        final int block = ReparamSpec.SUM_BLOCK;
        for (int p = 0; p < np; p++) {
            final int b = s.broadcast() ? 0 : p / (int) s.dim();
            float tmu = 0.0f;
            float tsig = 0.0f;
            float tlq = 0.0f;
            for (int g = 0; g < rows; g += block) {
                float smu = 0.0f;
                float ssig = 0.0f;
                float slq = 0.0f;
                for (int r = g; r < Math.min(rows, g + block); r++) {
                    final int i = r * np + p;
                    final float e = NoiseStream.normalAt(s.seed(), s.stream(), s.offset() + i);
                    smu = smu + gz[i];
                    ssig = Math.fma(gz[i], e, ssig);
                    if (glq != null) {
                        slq = slq + glq[r * prow + b];
                    }
                }
                tmu = tmu + smu;
                tsig = tsig + ssig;
                tlq = tlq + slq;
            }
            final float r = rho[p];
            float gm = tmu;
            float gr = tsig * pz.dSigma(r);
            if (gkl != null) {
                gm = Math.fma(gkl[b], mu[p], gm);
                gr = Math.fma(gkl[b], Math.fma(pz.sigma(r), pz.dSigma(r), -pz.dLogSigma(r)), gr);
            }
            if (glq != null) {
                gr = Math.fma(-tlq, pz.dLogSigma(r), gr);
            }
            gmu[p] = accumulate ? gmu[p] + gm : gm;
            grho[p] = accumulate ? grho[p] + gr : gr;
        }
    }

    /** Float bits of an array (for assertArrayEquals that compares NaN payloads and signed zeros too). */
    public static int[] bits(float[] a) {
        final int[] b = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = Float.floatToRawIntBits(a[i]);
        }
        return b;
    }
}
