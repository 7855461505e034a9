package org.reparamcl.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.reparamcl.cpu.CpuBackend;

/**
 * The demo's training on the CPU reference reaches the stated loss and recovers s(u).
 *
 * <p>Stated targets after 600 steps (measured over seeds 1..200: excess CRPS 0.0001 .. 0.0021,
 * sigma MAE 0.0125 .. 0.0262, mean relative error of sigma 0.039 .. 0.070, mu MAE 0.008 .. 0.037,
 * last report's loss 0.216 .. 0.235, its ratio to the first 20 steps' 0.495 .. 0.7499):
 * <ul>
 *   <li>held-out CRPS within 0.005 of the true distribution's CRPS on the same points (the
 *       oracle; about 0.226, the population value being E[s]/sqrt(pi) = 0.2257);</li>
 *   <li>sigma(u) within 0.03 of s(u) = 0.1 + 0.3|u| in mean absolute error over [-2, 2], and
 *       within 10% in mean relative error;</li>
 *   <li>mu(u) within 0.05 of sin(2u) in mean absolute error;</li>
 *   <li>the minibatch loss falls: the mean of the last report's steps is at most 0.24 and at
 *       most 0.75 of the mean of the first 20 steps.</li>
 * </ul>
 *
 * <p>False-failure rate. The seeds are fixed (1 and 2; ratios 0.613 and 0.577), so the test passes
 * or fails identically on every run. Over seeds it is measured, not derived (training has no
 * closed-form distribution): none of seeds 1..200 misses a target, but the loss ratio comes
 * closest, 0.74988 at seed 51 against 0.75 (3 of 200 seeds above 0.74); a normal fit to the
 * ratio (mean 0.618, s.d. 0.053, the limit 2.5 s.d. above) puts a fresh seed's failure rate at
 * about 0.6%, about 1% for the two seeds here. The other targets are 4 or more s.d. from their
 * means over the 200 seeds (sigma MAE and last loss 4.0, mu MAE 5.9, relative error 8.1,
 * excess CRPS 10.6). A change that leaves the training's distribution alone can therefore still
 * fail here, through the ratio, with probability of order 1%.
 */
class HeadTrainingTest {
    static final int STEPS = 600;

    @Test
    void trainingReachesStatedLossAndRecoversSd() {
        for (long seed : new long[] {1, 2}) {
            final HeadTraining.Result r;
            try (CpuBackend cpu = CpuBackend.create(2)) {
                r = HeadTraining.run(cpu, HeadTraining.Settings.defaults(STEPS, seed), null);
            }
            final String what = "seed " + seed;
            assertTrue(r.testCrps() - r.oracleCrps() <= 0.005, what + ": held-out CRPS " + r.testCrps()
                    + " vs oracle " + r.oracleCrps());
            assertTrue(r.sigmaMae() <= 0.03, what + ": sigma MAE " + r.sigmaMae());
            assertTrue(r.sigmaMeanRelError() <= 0.10, what + ": sigma mean relative error " + r.sigmaMeanRelError());
            assertTrue(r.muMae() <= 0.05, what + ": mu MAE " + r.muMae());
            // The metrics again from the grid's mu and sigma and the documented f and s (not
            // HeteroscedasticData's, nor HeadTraining's arithmetic): a slip in either would move
            // the targets without the model getting better.
            assertEquals(HeadTraining.GRID, r.gridU().length);
            double sigmaAbs = 0;
            double sigmaRel = 0;
            double muAbs = 0;
            for (int i = 0; i < HeadTraining.GRID; i++) {
                final double u = r.gridU()[i];
                assertEquals(-2.0 + 4.0 * i / (HeadTraining.GRID - 1), u, 1e-12, "grid point " + i);
                final double sd = 0.1 + 0.3 * Math.abs(u);
                sigmaAbs += Math.abs(r.gridSigma()[i] - sd);
                sigmaRel += Math.abs(r.gridSigma()[i] - sd) / sd;
                muAbs += Math.abs(r.gridMu()[i] - Math.sin(2 * u));
            }
            assertEquals(sigmaAbs / HeadTraining.GRID, r.sigmaMae(), 1e-12, what + ": sigma MAE as reported");
            assertEquals(sigmaRel / HeadTraining.GRID, r.sigmaMeanRelError(), 1e-12, what + ": sigma mean relative error as reported");
            assertEquals(muAbs / HeadTraining.GRID, r.muMae(), 1e-12, what + ": mu MAE as reported");
            // The held-out CRPS of the model and of the true N(f(u), s(u)^2), from the closed form
            // sigma (w (2 Phi(w) - 1) + 2 phi(w) - 1/sqrt(pi)), w = (y - mu) / sigma, with Commons
            // Statistics' normal distribution (not Crps, nor HeadTraining's sums). Within 1e-6: Crps's
            // erfc is a fit with relative error below 1.2e-7; the target below is 0.005.
            final int m = r.test().size();
            assertEquals(m, r.testMu().length);
            double model = 0;
            double oracle = 0;
            for (int i = 0; i < m; i++) {
                final double u = r.test().u(i);
                model += gaussianCrps(r.testMu()[i], r.testSigma()[i], r.test().y(i));
                oracle += gaussianCrps(Math.sin(2 * u), 0.1 + 0.3 * Math.abs(u), r.test().y(i));
            }
            assertEquals(model / m, r.testCrps(), 1e-6, what + ": held-out CRPS as reported");
            assertEquals(oracle / m, r.oracleCrps(), 1e-6, what + ": oracle CRPS as reported");
            double first = 0;
            for (int i = 0; i < 20; i++) {
                first += r.lossPerStep()[i];
            }
            first /= 20;
            final double last = r.reports().get(r.reports().size() - 1).trainLoss();
            assertTrue(last <= 0.24 && last <= 0.75 * first, what + ": loss from " + first + " to " + last);
            assertEquals(11, r.reports().size(), "a report after step 1 and every steps / 10 steps");
            assertEquals(1, r.reports().get(0).step());
            assertEquals(STEPS, r.reports().get(10).step());
        }
    }

    /**
     * The schedule docs/HEAD.md states: 0.02 at the first step, decaying along a half cosine to
     * 0.001 at the last (the stated targets alone do not pin it: a constant 0.02 also meets them).
     */
    @Test
    void learningRateDecaysAlongAHalfCosineFrom002To0001() {
        final HeadTraining.Settings s = HeadTraining.Settings.defaults(1501, 42);
        assertEquals(0.02, HeadTraining.learningRate(s, 0), 1e-15);
        assertEquals(0.02 * (0.05 + 0.95 * 0.5), HeadTraining.learningRate(s, 750), 1e-15);
        assertEquals(0.001, HeadTraining.learningRate(s, 1500), 1e-15);
        for (int step = 1; step <= 1500; step++) {
            assertTrue(HeadTraining.learningRate(s, step) < HeadTraining.learningRate(s, step - 1), "step " + step);
        }
        assertEquals(0.02, HeadTraining.learningRate(HeadTraining.Settings.defaults(1, 42), 0), 1e-15, "one step");
    }

    @Test
    void sameSeedSameRun() {
        final HeadTraining.Settings s = new HeadTraining.Settings(20, 9, 6, 4, 32, 256, 64, 0.02, 5);
        try (CpuBackend one = CpuBackend.create(1); CpuBackend two = CpuBackend.create(2)) {
            final HeadTraining.Result a = HeadTraining.run(one, s, null);
            final HeadTraining.Result b = HeadTraining.run(two, s, null);
            for (int i = 0; i < s.steps(); i++) {
                assertEquals(Double.doubleToRawLongBits(a.lossPerStep()[i]), Double.doubleToRawLongBits(b.lossPerStep()[i]),
                        "step " + i);
            }
            assertEquals(a.testCrps(), b.testCrps());
        }
    }

    private static final org.apache.commons.statistics.distribution.NormalDistribution STANDARD =
            org.apache.commons.statistics.distribution.NormalDistribution.of(0, 1);

    /** CRPS of N(mu, sigma^2) at y in closed form (Gneiting and Raftery 2007). */
    private static double gaussianCrps(double mu, double sigma, double y) {
        final double w = (y - mu) / sigma;
        return sigma * (w * (2 * STANDARD.cumulativeProbability(w) - 1) + 2 * STANDARD.density(w) - 1 / Math.sqrt(Math.PI));
    }
}
