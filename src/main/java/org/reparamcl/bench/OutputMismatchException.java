package org.reparamcl.bench;

/**
 * A timed pass wrote an output that differs from the CPU reference (see {@link OutputCheck}):
 * the run stops and reports nothing. The message is one line naming the pass, backend, timing,
 * size, the first element that differs and both values.
 */
public final class OutputMismatchException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public OutputMismatchException(String message) {
        super(message);
    }
}
