package org.reparamcl;

/** Where the backward pass gets the eps of the forward pass. */
public enum NoiseMode {
    /**
     * The forward pass writes eps to a caller-provided array or buffer of shape (K, B, D), and the
     * backward pass reads it from there.
     */
    STORE,
    /**
     * The backward pass regenerates eps from (seed, stream, offset); no eps array exists
     * (the forward pass may still write one on request, for inspection).
     */
    RECOMPUTE
}
