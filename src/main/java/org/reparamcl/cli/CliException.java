package org.reparamcl.cli;

/** A usage error: bad or missing arguments. Main prints its message on one line and exits with 2. */
public final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CliException(String message) {
        super(message);
    }
}
