package org.reparamcl.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

import org.reparamcl.Backend;
import org.reparamcl.GaussianHead;
import org.reparamcl.HeadGradients;
import org.reparamcl.NoiseMode;
import org.reparamcl.Parameterization;
import org.reparamcl.rng.NoiseStream;

/**
 * Trains a {@link GaussianHead} by stochastic backpropagation on {@link HeteroscedasticData}: each
 * step draws a minibatch, samples K values of {@code z = mu(x) + sigma(x) eps} per point on the
 * backend, scores them with the sample CRPS ({@link Crps}) on the host, and sends dL/dz back
 * through the head to the weights, which Adam updates.
 *
 * <p>The model: x = {@link ChebyshevFeatures} T_1..T_F(u/2) of the scalar input u, D = 1 output,
 * sigma = softplus(rho). Everything random comes from the library's noise stream under one seed,
 * one stream per purpose ({@code STREAM_*}), so a run is reproducible, and the CPU reference and
 * OpenCL give the same bits at every step.
 */
public final class HeadTraining {
    /** u of the training points (words). */
    public static final long STREAM_TRAIN_U = 0;
    /** Noise of the training targets (eps). */
    public static final long STREAM_TRAIN_NOISE = 1;
    /** u of the held-out points. */
    public static final long STREAM_TEST_U = 2;
    /** Noise of the held-out targets. */
    public static final long STREAM_TEST_NOISE = 3;
    /** Minibatch indices (words, K * step offsets). */
    public static final long STREAM_BATCH = 4;
    /** The head's eps during training. */
    public static final long STREAM_SAMPLES = 5;
    /** Initial weights (eps). */
    public static final long STREAM_INIT = 6;
    /** Standard deviation of the initial weights. */
    static final float INIT_SCALE = 0.1f;
    /** The learning rate decays along a half cosine to this fraction of its start. */
    static final double FINAL_LR_FRACTION = 0.05;

    private HeadTraining() {
    }

    /** What to train. */
    public record Settings(int steps, long seed, int features, int samples, int batch, int trainPoints,
                           int testPoints, double learningRate, int reportEvery) {
        public Settings {
            atLeast("steps", steps, 1);
            atLeast("features", features, 1);
            atLeast("samples", samples, 2);
            atLeast("batch", batch, 1);
            atLeast("trainPoints", trainPoints, 1);
            atLeast("testPoints", testPoints, 1);
            atLeast("reportEvery", reportEvery, 1);
            if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
                throw new IllegalArgumentException("learningRate must be finite and > 0, got " + learningRate);
            }
        }

        /**
         * The demo's defaults: 12 features, K = 16, minibatches of 256 from 4096 points, 4096
         * held-out points, Adam at 0.02, a report every steps / 10 steps.
         */
        public static Settings defaults(int steps, long seed) {
            return new Settings(steps, seed, 12, 16, 256, 4096, 4096, 0.02, Math.max(1, steps / 10));
        }

        private static void atLeast(String name, int v, int min) {
            if (v < min) {
                throw new IllegalArgumentException(name + " must be >= " + min + ", got " + v);
            }
        }
    }

    /**
     * Progress at one step: the mean sample CRPS of the minibatches since the last report, the
     * closed-form CRPS of the model on the held-out points, and how far sigma(u) is from s(u) on
     * the evaluation grid (mean absolute error).
     */
    public record Report(int step, double trainLoss, double testCrps, double sigmaMae) {
    }

    /**
     * The trained model on an evaluation grid, and the history. {@code testCrps} is the model's
     * mean closed-form CRPS on the held-out points, {@code oracleCrps} that of the true
     * distribution N(f(u), s(u)^2) on the same points (the best any model can score there).
     * {@code sigmaMae}, {@code sigmaMeanRelError}, {@code sigmaMaxRelError} and {@code muMae}
     * compare sigma(u) with s(u) and mu(u) with f(u) on the grid. {@code test} holds the held-out
     * points and {@code testMu}, {@code testSigma} the model's mu and sigma there (what
     * {@code testCrps} scores).
     */
    public record Result(Settings settings, HeteroscedasticData train, double[] lossPerStep, List<Report> reports,
                         double[] gridU, double[] gridMu, double[] gridSigma, double testCrps, double oracleCrps,
                         double sigmaMae, double sigmaMeanRelError, double sigmaMaxRelError, double muMae,
                         HeteroscedasticData test, double[] testMu, double[] testSigma) {
    }

    /** Points of the evaluation grid over [-2, 2]. */
    public static final int GRID = 201;

    /**
     * Trains on {@code backend}, calling {@code progress} (may be null) after the first step, every
     * {@code reportEvery} steps and after the last.
     */
    public static Result run(Backend backend, Settings s, Consumer<Report> progress) {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(s, "settings");
        final ChebyshevFeatures features = ChebyshevFeatures.of(s.features(), HeteroscedasticData.HALF_WIDTH);
        final HeteroscedasticData train = HeteroscedasticData.generate(s.seed(), STREAM_TRAIN_U, STREAM_TRAIN_NOISE,
                s.trainPoints());
        final HeteroscedasticData test = HeteroscedasticData.generate(s.seed(), STREAM_TEST_U, STREAM_TEST_NOISE,
                s.testPoints());
        final float[] trainX = features.matrix(train.inputs());
        final float[] testX = features.matrix(test.inputs());
        final double[] gridU = new double[GRID];
        for (int i = 0; i < GRID; i++) {
            gridU[i] = HeteroscedasticData.HALF_WIDTH * (2.0 * i / (GRID - 1) - 1.0);
        }
        final float[] gridX = features.matrix(gridU);

        final int din = s.features();
        final int k = s.samples();
        final int batch = s.batch();
        final int maxBatch = Math.max(batch, GRID);
        final GaussianHead.Spec spec = new GaussianHead.Spec(din, 1, k, maxBatch, Parameterization.SOFTPLUS,
                NoiseMode.RECOMPUTE);
        try (GaussianHead head = GaussianHead.create(backend, spec)) {
            final float[] wMu = new float[din];
            final float[] bMu = new float[1];
            final float[] wRho = new float[din];
            final float[] bRho = new float[1];
            final float[] init = new float[2 * din];
            NoiseStream.fillNormal(s.seed(), STREAM_INIT, 0, init, 0, init.length);
            for (int j = 0; j < din; j++) {
                wMu[j] = INIT_SCALE * init[j];
                wRho[j] = INIT_SCALE * init[din + j];
            }
            head.setParameters(wMu, bMu, wRho, bRho);
            final float[][] params = {wMu, bMu, wRho, bRho};
            final HeadGradients grads = HeadGradients.of(spec, false);
            final float[][] gradArrays = {grads.weightsMu(), grads.biasMu(), grads.weightsRho(), grads.biasRho()};
            final Adam adam = Adam.of(din, 1, din, 1);

            final float[] x = new float[batch * din];
            final float[] y = new float[batch];
            final float[] z = new float[k * batch];
            final float[] gradZ = new float[k * batch];
            final int[] picks = new int[batch];
            final double[] lossPerStep = new double[s.steps()];
            final List<Report> reports = new ArrayList<>();
            double sinceReport = 0;
            int stepsSinceReport = 0;
            for (int step = 0; step < s.steps(); step++) {
                NoiseStream.fillBits(s.seed(), STREAM_BATCH, (long) step * batch, picks, 0, batch);
                for (int b = 0; b < batch; b++) {
                    final int i = (int) (((picks[b] & 0xFFFFFFFFL) * train.size()) >>> 32);
                    System.arraycopy(trainX, i * din, x, b * din, din);
                    y[b] = (float) train.y(i);
                }
                head.forward(x, batch, s.seed(), STREAM_SAMPLES, (long) step * k * batch, z);
                final double loss = Crps.sampleLoss(z, y, k, batch, 1, gradZ);
                head.backward(gradZ, grads);
                adam.step(learningRate(s, step), params, gradArrays);
                head.setParameters(wMu, bMu, wRho, bRho);
                lossPerStep[step] = loss;
                sinceReport += loss;
                stepsSinceReport++;
                if (step == 0 || (step + 1) % s.reportEvery() == 0 || step + 1 == s.steps()) {
                    final Evaluation e = evaluate(head, testX, test, gridX, gridU, maxBatch, din);
                    final Report r = new Report(step + 1, sinceReport / stepsSinceReport, e.testCrps, e.sigmaMae);
                    reports.add(r);
                    if (progress != null) {
                        progress.accept(r);
                    }
                    sinceReport = 0;
                    stepsSinceReport = 0;
                }
            }
            final Evaluation e = evaluate(head, testX, test, gridX, gridU, maxBatch, din);
            double oracle = 0;
            for (int i = 0; i < test.size(); i++) {
                oracle += Crps.gaussian(HeteroscedasticData.mean(test.u(i)), HeteroscedasticData.sd(test.u(i)), test.y(i));
            }
            return new Result(s, train, lossPerStep, List.copyOf(reports), gridU, e.gridMu, e.gridSigma, e.testCrps,
                    oracle / test.size(), e.sigmaMae, e.sigmaMeanRel, e.sigmaMaxRel, e.muMae, test, e.testMu, e.testSigma);
        }
    }

    /** Half-cosine decay from {@code learningRate} to {@link #FINAL_LR_FRACTION} of it. */
    static double learningRate(Settings s, int step) {
        final double progress = s.steps() == 1 ? 0.0 : (double) step / (s.steps() - 1);
        final double cos = 0.5 * (1.0 + Math.cos(Math.PI * progress));
        return s.learningRate() * (FINAL_LR_FRACTION + (1.0 - FINAL_LR_FRACTION) * cos);
    }

    private record Evaluation(double testCrps, double[] gridMu, double[] gridSigma, double sigmaMae, double sigmaMeanRel,
                              double sigmaMaxRel, double muMae, double[] testMu, double[] testSigma) {
    }

    private static Evaluation evaluate(GaussianHead head, float[] testX, HeteroscedasticData test, float[] gridX,
                                       double[] gridU, int maxBatch, int din) {
        final float[] mu = new float[maxBatch];
        final float[] sigma = new float[maxBatch];
        double crps = 0;
        final double[] testMu = new double[test.size()];
        final double[] testSigma = new double[test.size()];
        for (int from = 0; from < test.size(); from += maxBatch) {
            final int n = Math.min(maxBatch, test.size() - from);
            forwardRows(head, testX, from, n, din);
            head.readMu(mu);
            head.readSigma(sigma);
            for (int i = 0; i < n; i++) {
                crps += Crps.gaussian(mu[i], sigma[i], test.y(from + i));
                testMu[from + i] = mu[i];
                testSigma[from + i] = sigma[i];
            }
        }
        final double[] gridMu = new double[gridU.length];
        final double[] gridSigma = new double[gridU.length];
        forwardRows(head, gridX, 0, gridU.length, din);
        head.readMu(mu);
        head.readSigma(sigma);
        double sigmaAbs = 0;
        double sigmaRel = 0;
        double sigmaMaxRel = 0;
        double muAbs = 0;
        for (int i = 0; i < gridU.length; i++) {
            gridMu[i] = mu[i];
            gridSigma[i] = sigma[i];
            final double sd = HeteroscedasticData.sd(gridU[i]);
            sigmaAbs += Math.abs(sigma[i] - sd);
            sigmaRel += Math.abs(sigma[i] - sd) / sd;
            sigmaMaxRel = Math.max(sigmaMaxRel, Math.abs(sigma[i] - sd) / sd);
            muAbs += Math.abs(mu[i] - HeteroscedasticData.mean(gridU[i]));
        }
        return new Evaluation(crps / test.size(), gridMu, gridSigma, sigmaAbs / gridU.length, sigmaRel / gridU.length,
                sigmaMaxRel, muAbs / gridU.length, testMu, testSigma);
    }

    private static void forwardRows(GaussianHead head, float[] x, int from, int n, int din) {
        final float[] rows = new float[n * din];
        System.arraycopy(x, from * din, rows, 0, n * din);
        // Evaluation reads mu and sigma only; the samples are not fetched.
        head.forward(rows, n, 0, 0, 0, null);
    }
}
