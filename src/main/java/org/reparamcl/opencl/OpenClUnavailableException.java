package org.reparamcl.opencl;

/** No usable OpenCL device: no ICD loader, no platform, no device, or none matching a selector. */
public final class OpenClUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public OpenClUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
