package org.reparamcl.opencl;

/** The device could not allocate memory or ran out of resources for a command. */
public final class ClMemoryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ClMemoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
