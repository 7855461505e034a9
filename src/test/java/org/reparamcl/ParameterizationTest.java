package org.reparamcl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class ParameterizationTest {
    @Test
    void parsesCliAndConstantNames() {
        assertEquals(Parameterization.SIGMA, Parameterization.parse("sigma"));
        assertEquals(Parameterization.LOG_SIGMA, Parameterization.parse("log-sigma"));
        assertEquals(Parameterization.LOG_VAR, Parameterization.parse("LOG_VAR"));
        assertEquals(Parameterization.SOFTPLUS, Parameterization.parse(" Softplus "));
        for (Parameterization p : Parameterization.values()) {
            assertEquals(p, Parameterization.parse(p.cliName()));
            assertEquals(p.cliName(), p.toString());
        }
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Parameterization.parse("exp"));
        assertTrue(e.getMessage().contains("'exp'") && e.getMessage().contains("log-var"), e.getMessage());
        assertThrows(NullPointerException.class, () -> Parameterization.parse(null));
    }

    /** Every float32 function within a few float32 ulps (relative 2^-21) of its float64 formula. */
    @Test
    void functionsAgreeWithFloat64Formulas() {
        final SplittableRandom rnd = new SplittableRandom(5);
        for (Parameterization p : Parameterization.values()) {
            for (int t = 0; t < 20000; t++) {
                final float rho = ReparamCases.rho(p, rnd);
                final double s = ReparamCases.sigma(p, rho);
                final double ds = ReparamCases.dSigma(p, rho);
                close(s, p.sigma(rho), p + " sigma " + rho);
                close(ds, p.dSigma(rho), p + " dsigma " + rho);
                // log near sigma = 1 is ill-conditioned: compare in absolute terms there.
                assertEquals(Math.log(s), p.logSigma(rho), 0x1p-21 * Math.max(1, Math.abs(Math.log(s))), p + " log sigma " + rho);
                close(ds / s, p.dLogSigma(rho), p + " dlog sigma " + rho);
                assertEquals(rho, p.rhoFor(s), 1e-9 * Math.max(1, Math.abs(rho)) + (p == Parameterization.SOFTPLUS && rho < -20 ? 1e-6 : 0));
            }
        }
    }

    private static void close(double expected, float got, String what) {
        assertEquals(expected, got, 0x1p-21 * Math.abs(expected) + Float.MIN_NORMAL, what);
    }

    @Test
    void softplusIsStableForLargeArguments() {
        final Parameterization p = Parameterization.SOFTPLUS;
        assertEquals(50.0f, p.sigma(50.0f));
        assertEquals(1.0f, p.dSigma(50.0f));
        assertEquals(-50.0f, p.logSigma(-50.0f));
        assertEquals(1.0f, p.dLogSigma(-50.0f));
        assertEquals(0.0f, p.sigma(-200.0f));                  // underflows; log sigma stays exact
        assertEquals(-200.0f, p.logSigma(-200.0f));
        assertTrue(Float.isFinite(p.dLogSigma(-200.0f)));
    }

    /**
     * Below rho = -20 softplus's log sigma and d log sigma/drho take the linear branch (log sigma = rho,
     * d log sigma/drho = 1): log(softplus(rho)) would lose precision once e^rho is subnormal (rho
     * below -87.3) and be -inf once it underflows (below -103.97), although such rho is accepted.
     * The float64 values are rho - e^rho / 2 + ... and 1 - e^rho / 2 + ..., within 1e-9 of rho and 1.
     */
    @Test
    void softplusLogSigmaIsRhoAllTheWayDown() {
        final Parameterization p = Parameterization.SOFTPLUS;
        for (double r = -20.001; r > -1000; r = r * 1.001 - 0.01) {
            final float rho = (float) r;
            assertNull(p.rejectionOf(rho, true, true), "rho " + rho);
            assertEquals(rho, p.logSigma(rho), 0x1p-21 * Math.abs(rho), "log sigma at rho " + rho);
            assertEquals(1.0, p.dLogSigma(rho), 0x1p-21, "d log sigma/drho at rho " + rho);
        }
        for (float rho : new float[] {-20.0001f, -87.5f, -100.0f, -104.0f, -150.0f, -Float.MAX_VALUE}) {
            assertEquals(rho, p.logSigma(rho), 0x1p-21 * Math.abs(rho), "log sigma at rho " + rho);
            assertEquals(1.0f, p.dLogSigma(rho), "d log sigma/drho at rho " + rho);
        }
    }

    /**
     * The factors a backward pass with gradKl or gradLogProb multiplies, checked by the CPU
     * reference itself (ReparamParityTest holds the device to the same messages): 1/rho for sigma
     * (either gradient), sigma dsigma/drho - d log sigma/drho for KL only.
     */
    @Test
    void gradientFactorRejectionNamesTheGradient() {
        final Parameterization s = Parameterization.SIGMA;
        assertNull(s.rejectionOf(1e-40f, false, false));
        assertEquals("gives d log sigma/drho = Infinity, which the log q gradient multiplies", s.rejectionOf(1e-40f, false, true));
        assertEquals("gives d log sigma/drho = Infinity, which the KL gradient multiplies", s.rejectionOf(1e-40f, true, false));
        assertEquals("gives d log sigma/drho = Infinity, which the KL gradient multiplies", s.rejectionOf(1e-40f, true, true));
        assertNull(s.rejectionOf(1e-37f, true, true));
        final Parameterization ls = Parameterization.LOG_SIGMA;
        assertNull(ls.rejectionOf(46.0f, false, true));
        assertEquals("gives sigma * dsigma/drho - d log sigma/drho = Infinity, which the KL gradient multiplies",
                ls.rejectionOf(46.0f, true, false));
        assertNull(ls.rejectionOf(44.2f, true, true));
        assertNotNull(Parameterization.LOG_VAR.rejectionOf(90.0f, true, false));
        assertNull(Parameterization.LOG_VAR.rejectionOf(90.0f, false, true));
        assertNull(Parameterization.LOG_VAR.rejectionOf(88.0f, true, true));
        assertNull(Parameterization.SOFTPLUS.rejectionOf(-1000.0f, true, true));
        assertNull(Parameterization.SOFTPLUS.rejectionOf(3e38f, true, true));
        // The basic domain still comes first.
        assertEquals(s.rejectionOf(0.0f), s.rejectionOf(0.0f, true, true));
    }

    @Test
    void rejectionNamesTheDomain() {
        assertNull(Parameterization.SIGMA.rejectionOf(0.1f));
        assertNotNull(Parameterization.SIGMA.rejectionOf(0.0f));
        assertNotNull(Parameterization.SIGMA.rejectionOf(-1.0f));
        assertNotNull(Parameterization.SOFTPLUS.rejectionOf(Float.NaN));
        assertNotNull(Parameterization.LOG_SIGMA.rejectionOf(Float.NEGATIVE_INFINITY));
        assertNull(Parameterization.LOG_SIGMA.rejectionOf(88.0f));
        assertTrue(Parameterization.LOG_SIGMA.rejectionOf(89.0f).contains("Infinity"));
        assertNull(Parameterization.LOG_VAR.rejectionOf(170.0f));
        assertNotNull(Parameterization.LOG_VAR.rejectionOf(178.0f));
        assertNull(Parameterization.SOFTPLUS.rejectionOf(-1e30f));
        assertThrows(IllegalArgumentException.class, () -> Parameterization.SIGMA.rhoFor(0.0));
    }
}
