package org.reparamcl;

import java.util.Locale;

import org.reparamcl.rng.FloatMath;

/**
 * How the standard deviation sigma is given through an unconstrained parameter rho, with the
 * float32 functions both backends use (SPEC §1). Each method is the readable definition of one
 * value the kernels compute; {@code rp_transform} in {@code kernels/reparam.cl} performs the same
 * IEEE float32 operations in the same order (the kernel computes e^-|rho| once for SOFTPLUS and
 * shares it; the value is the same).
 *
 * <pre>
 *   name        sigma(rho)        dsigma/drho         log sigma               dlog sigma/drho
 *   sigma       rho (rho > 0)     1                   log(rho)                1 / rho
 *   log-sigma   exp(rho)          sigma               rho                     1
 *   log-var     exp(rho / 2)      sigma / 2           rho / 2                 1/2
 *   softplus    log(1 + e^rho)    sigmoid(rho)        log(sigma), rho &lt; -20:  sigmoid / sigma,
 *                                                     rho                     rho &lt; -20: 1
 * </pre>
 * exp, log, softplus and sigmoid are {@link FloatMath}'s. The ordinal of each constant is its code
 * in the kernels ({@code RP_SIGMA} .. {@code RP_SOFTPLUS}).
 */
public enum Parameterization {
    /** sigma = rho, rho > 0. */
    SIGMA("sigma"),
    /** sigma = exp(rho). */
    LOG_SIGMA("log-sigma"),
    /** sigma = exp(rho / 2) (rho is the log variance). */
    LOG_VAR("log-var"),
    /** sigma = log(1 + exp(rho)). */
    SOFTPLUS("softplus");

    private final String cliName;

    Parameterization(String cliName) {
        this.cliName = cliName;
    }

    /** The name on the command line: sigma, log-sigma, log-var or softplus. */
    public String cliName() {
        return cliName;
    }

    @Override
    public String toString() {
        return cliName;
    }

    /**
     * The parameterization named {@code name}: a CLI name ({@code sigma}, {@code log-sigma},
     * {@code log-var}, {@code softplus}) or a constant name ({@code LOG_SIGMA}), case-insensitive.
     *
     * @throws NullPointerException when name is null
     * @throws IllegalArgumentException naming the accepted names otherwise
     */
    public static Parameterization parse(String name) {
        if (name == null) {
            throw new NullPointerException("parameterization name is null");
        }
        final String n = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (Parameterization p : values()) {
            if (p.cliName.equals(n)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown parameterization '" + name
                + "' (expected sigma, log-sigma, log-var or softplus)");
    }

    /** sigma(rho) in float32. */
    public float sigma(float rho) {
        switch (this) {
            case SIGMA: return rho;
            case LOG_SIGMA: return FloatMath.exp(rho);
            case LOG_VAR: return FloatMath.exp(0.5f * rho);
            default: return FloatMath.softplus(rho);
        }
    }

    /** dsigma/drho in float32. */
    public float dSigma(float rho) {
        switch (this) {
            case SIGMA: return 1.0f;
            case LOG_SIGMA: return FloatMath.exp(rho);
            case LOG_VAR: return 0.5f * FloatMath.exp(0.5f * rho);
            default: return FloatMath.sigmoid(rho);
        }
    }

    /** log sigma(rho) in float32. */
    public float logSigma(float rho) {
        switch (this) {
            case SIGMA: return FloatMath.log(rho);
            case LOG_SIGMA: return rho;
            case LOG_VAR: return 0.5f * rho;
            default: return rho < -FloatMath.SOFTPLUS_LINEAR ? rho : FloatMath.log(FloatMath.softplus(rho));
        }
    }

    /** d log sigma / drho in float32. */
    public float dLogSigma(float rho) {
        switch (this) {
            case SIGMA: return 1.0f / rho;
            case LOG_SIGMA: return 1.0f;
            case LOG_VAR: return 0.5f;
            default: return rho < -FloatMath.SOFTPLUS_LINEAR ? 1.0f : FloatMath.sigmoid(rho) / FloatMath.softplus(rho);
        }
    }

    /**
     * The rho that gives {@code sigma}, in float64 (for initializing parameters; not part of the
     * bit-exact contract). sigma must be positive and finite.
     */
    public double rhoFor(double sigma) {
        if (!(sigma > 0.0) || Double.isInfinite(sigma)) {
            throw new IllegalArgumentException("sigma must be positive and finite, got " + sigma);
        }
        switch (this) {
            case SIGMA: return sigma;
            case LOG_SIGMA: return Math.log(sigma);
            case LOG_VAR: return 2.0 * Math.log(sigma);
            default: return sigma > 30.0 ? sigma + Math.log(-Math.expm1(-sigma)) : Math.log(Math.expm1(sigma));
        }
    }

    /**
     * Why {@code rho} is not accepted, or null when it is: rho must be finite, positive for
     * {@link #SIGMA}, and give a finite sigma (log-sigma rho above about 88.72 and log-var rho
     * above about 177.4 overflow).
     */
    public String rejectionOf(float rho) {
        if (!Float.isFinite(rho)) {
            return "is not finite";
        }
        if (this == SIGMA && !(rho > 0.0f)) {
            return "is not > 0 (sigma = rho must be positive)";
        }
        if (!Float.isFinite(sigma(rho))) {
            return "gives sigma = " + sigma(rho);
        }
        return null;
    }

    /**
     * Why {@code rho} is not accepted by a backward pass that takes the KL gradient
     * ({@code klGradient}) or the log q gradient ({@code logProbGradient}), or null when it is:
     * besides {@link #rejectionOf(float)}, the factors those gradients multiply must be finite,
     * d log sigma/drho for either and {@code fma(sigma, dsigma/drho, -d log sigma/drho)} for KL.
     * They overflow (and a zero upstream gradient would give NaN) for {@code sigma} rho below about
     * 2.9e-39 (1/rho), {@code log-sigma} rho above about 44.36 and {@code log-var} rho above about
     * 89.4 (sigma^2); {@code softplus} never overflows there.
     */
    public String rejectionOf(float rho, boolean klGradient, boolean logProbGradient) {
        final String why = rejectionOf(rho);
        if (why != null || !(klGradient || logProbGradient)) {
            return why;
        }
        final float dl = dLogSigma(rho);
        if (!Float.isFinite(dl)) {
            return "gives d log sigma/drho = " + dl + ", which the " + (klGradient ? "KL" : "log q")
                    + " gradient multiplies";
        }
        if (klGradient) {
            final float f = Math.fma(sigma(rho), dSigma(rho), -dl);
            if (!Float.isFinite(f)) {
                return "gives sigma * dsigma/drho - d log sigma/drho = " + f + ", which the KL gradient multiplies";
            }
        }
        return null;
    }
}
