package org.reparamcl.opencl;

/** A kernel program failed to build; the message carries {@code CL_PROGRAM_BUILD_LOG}. */
public final class ClBuildException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String buildLog;

    public ClBuildException(String device, String options, String buildLog, Throwable cause) {
        super("OpenCL program build failed on " + device + " with options '" + options + "':\n" + buildLog, cause);
        this.buildLog = buildLog;
    }

    /** The device compiler's log. */
    public String buildLog() {
        return buildLog;
    }
}
