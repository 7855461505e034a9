package org.reparamcl.opencl;

import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * One OpenCL device as discovered: its position (platform index, device index), what it calls
 * itself, and its memory limits.
 */
public record ClDeviceInfo(
        int platformIndex,
        int deviceIndex,
        String platformName,
        String platformVersion,
        String deviceName,
        String deviceVendor,
        String deviceVersion,
        String driverVersion,
        String type,
        int computeUnits,
        long globalMemBytes,
        long maxAllocBytes,
        cl_platform_id platform,
        cl_device_id device) {

    /** "platform:device", the index form a selector accepts. */
    public String id() {
        return platformIndex + ":" + deviceIndex;
    }

    /** One line for logs and the CLI. */
    public String describe() {
        return String.format("[%s] %s (%s, %s; %d compute units, %d MiB global, %d MiB max alloc; %s; driver %s)",
                id(), deviceName.trim(), type, deviceVendor.trim(), computeUnits, globalMemBytes >> 20,
                maxAllocBytes >> 20, platformName.trim(), driverVersion.trim());
    }
}
