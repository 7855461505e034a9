package org.reparamcl.demo;

/**
 * The continuous ranked probability score, the demo's training loss. It is a strictly proper
 * scoring rule: its expectation over y is smallest when the predicted distribution is the true
 * one, so, unlike the squared error of samples (whose expectation (y - mu)^2 + sigma^2 drives sigma
 * to 0), it recovers both mu and sigma.
 *
 * <p>From K >= 2 samples z_1 .. z_K of the prediction (Gneiting and Raftery 2007, energy form):
 * <pre>
 *   CRPS^(z; y) = (1/K) sum_k |z_k - y| - 1/(2K(K-1)) sum_{k != l} |z_k - z_l|
 * </pre>
 * an unbiased estimate of CRPS(F, y) = E|Z - y| - E|Z - Z'| / 2. It depends on the parameters
 * only through the samples, so its gradient reaches mu and sigma by the reparameterization:
 * <pre>
 *   d CRPS^ / d z_k = sign(z_k - y) / K - sum_{l != k} sign(z_k - z_l) / (K(K-1))
 * </pre>
 */
public final class Crps {
    private static final double INV_SQRT_PI = 1.0 / Math.sqrt(Math.PI);
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);

    private Crps() {
    }

    /**
     * The mean of CRPS^ over the B x D points of {@code z} (K, B, D) against {@code y} (B, D), in
     * double; writes its gradient with respect to {@code z} into {@code gradZ} (K, B, D), or skips
     * the gradient when {@code gradZ} is null.
     */
    public static double sampleLoss(float[] z, float[] y, int k, int b, int d, float[] gradZ) {
        if (k < 2) {
            throw new IllegalArgumentException("the sample CRPS needs K >= 2 samples, got " + k);
        }
        final int points = b * d;
        if (z.length < k * points || y.length < points || (gradZ != null && gradZ.length < k * points)) {
            throw new IllegalArgumentException("arrays too short for K=" + k + ", B=" + b + ", D=" + d + ": z has "
                    + z.length + ", y " + y.length + (gradZ == null ? "" : ", gradZ " + gradZ.length));
        }
        final double pairScale = 1.0 / ((double) k * (k - 1));
        double total = 0.0;
        for (int i = 0; i < points; i++) {
            final double yi = y[i];
            double absErr = 0.0;
            double spread = 0.0;
            for (int s = 0; s < k; s++) {
                final double zs = z[s * points + i];
                absErr += Math.abs(zs - yi);
                double signs = 0.0;
                for (int t = 0; t < k; t++) {
                    if (t != s) {
                        final double diff = zs - z[t * points + i];
                        spread += Math.abs(diff);
                        signs += Math.signum(diff);
                    }
                }
                if (gradZ != null) {
                    final double g = Math.signum(zs - yi) / k - signs * pairScale;
                    gradZ[s * points + i] = (float) (g / points);
                }
            }
            total += absErr / k - 0.5 * spread * pairScale;
        }
        return total / points;
    }

    /**
     * CRPS of N(mu, sigma^2) at y in closed form:
     * {@code sigma (w (2 Phi(w) - 1) + 2 phi(w) - 1/sqrt(pi))} with {@code w = (y - mu) / sigma}.
     */
    public static double gaussian(double mu, double sigma, double y) {
        if (!(sigma > 0)) {
            throw new IllegalArgumentException("sigma must be > 0, got " + sigma);
        }
        final double w = (y - mu) / sigma;
        final double cdf = 0.5 * erfc(-w / Math.sqrt(2.0));
        final double pdf = INV_SQRT_2PI * Math.exp(-0.5 * w * w);
        return sigma * (w * (2.0 * cdf - 1.0) + 2.0 * pdf - INV_SQRT_PI);
    }

    /**
     * The complementary error function with relative error below 1.2e-7 everywhere (Chebyshev
     * fit of Press et al., Numerical Recipes, 2nd ed., section 6.2, {@code erfcc}).
     */
    public static double erfc(double x) {
        final double z = Math.abs(x);
        final double t = 1.0 / (1.0 + 0.5 * z);
        final double r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2.0 - r;
    }
}
