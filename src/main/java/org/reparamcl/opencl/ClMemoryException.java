package org.reparamcl.opencl;

/** The device could not allocate memory or ran out of resources for a command. */
public final class ClMemoryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ClMemoryException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Whether an OpenCL error says the device or host ran out of memory or resources. */
    static boolean isResourceError(org.jocl.CLException e) {
        final int s = e.getStatus();
        return s == org.jocl.CL.CL_OUT_OF_RESOURCES || s == org.jocl.CL.CL_OUT_OF_HOST_MEMORY
                || s == org.jocl.CL.CL_MEM_OBJECT_ALLOCATION_FAILURE;
    }
}
