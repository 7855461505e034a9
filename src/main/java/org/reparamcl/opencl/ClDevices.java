package org.reparamcl.opencl;

import static org.jocl.CL.CL_DEVICE_GLOBAL_MEM_SIZE;
import static org.jocl.CL.CL_DEVICE_MAX_COMPUTE_UNITS;
import static org.jocl.CL.CL_DEVICE_MAX_MEM_ALLOC_SIZE;
import static org.jocl.CL.CL_DEVICE_NAME;
import static org.jocl.CL.CL_DEVICE_TYPE;
import static org.jocl.CL.CL_DEVICE_TYPE_ACCELERATOR;
import static org.jocl.CL.CL_DEVICE_TYPE_CPU;
import static org.jocl.CL.CL_DEVICE_TYPE_GPU;
import static org.jocl.CL.CL_DEVICE_VENDOR;
import static org.jocl.CL.CL_DEVICE_VERSION;
import static org.jocl.CL.CL_DRIVER_VERSION;
import static org.jocl.CL.CL_PLATFORM_NAME;
import static org.jocl.CL.CL_PLATFORM_VERSION;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * Discovery and selection of OpenCL devices.
 *
 * <p>A selector is {@code auto} (the first GPU, else the first accelerator, else the first
 * device), an index {@code P:D} (platform P, device D) or {@code D} (device D of the flattened
 * list), or a case-insensitive substring of the device or platform name.
 */
public final class ClDevices {
    /**
     * CL_DEVICE_TYPE_ALL as the 32-bit bit field the standard defines. JOCL's constant is the int
     * literal 0xFFFFFFFF widened to a long, i.e. all 64 bits set; PoCL accepts that, but Mesa's
     * rusticl rejects the undefined high bits (CL_INVALID_DEVICE_TYPE), which hid its devices.
     */
    static final long DEVICE_TYPE_ALL = 0xFFFFFFFFL;

    private static volatile String unavailableReason;
    private static volatile List<ClDeviceInfo> cached;

    private ClDevices() {
    }

    /**
     * All devices of all platforms, or an OpenClUnavailableException saying why there are none
     * (no ICD loader, no platform, no device). The result is computed once per process.
     */
    public static List<ClDeviceInfo> list() {
        List<ClDeviceInfo> l = cached;
        if (l != null) {
            return l;
        }
        synchronized (ClDevices.class) {
            if (cached != null) {
                return cached;
            }
            if (unavailableReason != null) {
                throw new OpenClUnavailableException(unavailableReason, null);
            }
            try {
                cached = List.copyOf(discover());
                return cached;
            } catch (OpenClUnavailableException e) {
                unavailableReason = e.getMessage();
                throw e;
            }
        }
    }

    /** The devices, or an empty list; never throws. */
    public static List<ClDeviceInfo> listOrEmpty() {
        try {
            return list();
        } catch (OpenClUnavailableException e) {
            return List.of();
        }
    }

    /** Why no OpenCL device is usable, or null when one is. */
    public static String unavailableReason() {
        try {
            list();
            return null;
        } catch (OpenClUnavailableException e) {
            return e.getMessage();
        }
    }

    /** The device a selector names; OpenClUnavailableException when none matches. */
    public static ClDeviceInfo select(String selector) {
        final List<ClDeviceInfo> all = list();
        final String s = selector == null ? "auto" : selector.trim();
        if (s.isEmpty() || s.equalsIgnoreCase("auto")) {
            for (String type : new String[] {"GPU", "ACCELERATOR"}) {
                for (ClDeviceInfo d : all) {
                    if (d.type().equals(type)) {
                        return d;
                    }
                }
            }
            return all.get(0);
        }
        if (s.matches("\\d+:\\d+")) {
            for (ClDeviceInfo d : all) {
                if (d.id().equals(s)) {
                    return d;
                }
            }
        } else if (s.matches("\\d+")) {
            if (s.length() < 10 && Integer.parseInt(s) < all.size()) {
                return all.get(Integer.parseInt(s));
            }
        } else {
            final String needle = s.toLowerCase(Locale.ROOT);
            for (ClDeviceInfo d : all) {
                if (d.deviceName().toLowerCase(Locale.ROOT).contains(needle)
                        || d.platformName().toLowerCase(Locale.ROOT).contains(needle)) {
                    return d;
                }
            }
        }
        throw new OpenClUnavailableException("no OpenCL device matches '" + s + "'; devices: "
                + all.stream().map(ClDeviceInfo::describe).toList(), null);
    }

    private static List<ClDeviceInfo> discover() {
        try {
            CL.setExceptionsEnabled(true);
        } catch (LinkageError e) {                // UnsatisfiedLinkError, NoClassDefFoundError, ExceptionInInitializerError
            throw new OpenClUnavailableException("OpenCL runtime could not be loaded (no ICD loader "
                    + "libOpenCL.so.1? install ocl-icd-libopencl1 and a driver such as pocl-opencl-icd): " + e, e);
        }
        final int[] n = new int[1];
        try {
            CL.clGetPlatformIDs(0, null, n);
        } catch (CLException e) {
            throw new OpenClUnavailableException("no OpenCL platform (is an ICD such as pocl-opencl-icd "
                    + "installed?): " + e.getMessage(), e);
        } catch (LinkageError e) {
            throw new OpenClUnavailableException("OpenCL runtime could not be loaded: " + e, e);
        }
        if (n[0] == 0) {
            throw new OpenClUnavailableException("no OpenCL platform installed", null);
        }
        final cl_platform_id[] platforms = new cl_platform_id[n[0]];
        CL.clGetPlatformIDs(n[0], platforms, null);
        final List<ClDeviceInfo> out = new ArrayList<>();
        for (int p = 0; p < platforms.length; p++) {
            final int[] nd = new int[1];
            try {
                CL.clGetDeviceIDs(platforms[p], DEVICE_TYPE_ALL, 0, null, nd);
            } catch (CLException e) {
                continue;                         // CL_DEVICE_NOT_FOUND on this platform
            }
            final cl_device_id[] devices = new cl_device_id[nd[0]];
            CL.clGetDeviceIDs(platforms[p], DEVICE_TYPE_ALL, nd[0], devices, null);
            for (int d = 0; d < devices.length; d++) {
                final cl_device_id dev = devices[d];
                out.add(new ClDeviceInfo(p, d,
                        platformString(platforms[p], CL_PLATFORM_NAME),
                        platformString(platforms[p], CL_PLATFORM_VERSION),
                        deviceString(dev, CL_DEVICE_NAME), deviceString(dev, CL_DEVICE_VENDOR),
                        deviceString(dev, CL_DEVICE_VERSION), deviceString(dev, CL_DRIVER_VERSION),
                        typeName(deviceLong(dev, CL_DEVICE_TYPE)),
                        (int) deviceInt(dev, CL_DEVICE_MAX_COMPUTE_UNITS),
                        deviceLong(dev, CL_DEVICE_GLOBAL_MEM_SIZE),
                        deviceLong(dev, CL_DEVICE_MAX_MEM_ALLOC_SIZE),
                        platforms[p], dev));
            }
        }
        if (out.isEmpty()) {
            throw new OpenClUnavailableException("OpenCL platforms exist but none has a device", null);
        }
        return out;
    }

    private static String typeName(long type) {
        if ((type & CL_DEVICE_TYPE_GPU) != 0) {
            return "GPU";
        }
        if ((type & CL_DEVICE_TYPE_ACCELERATOR) != 0) {
            return "ACCELERATOR";
        }
        if ((type & CL_DEVICE_TYPE_CPU) != 0) {
            return "CPU";
        }
        return "OTHER";
    }

    static String deviceString(cl_device_id dev, int param) {
        final long[] size = new long[1];
        CL.clGetDeviceInfo(dev, param, 0, null, size);
        final byte[] b = new byte[(int) size[0]];
        CL.clGetDeviceInfo(dev, param, b.length, Pointer.to(b), null);
        return cString(b);
    }

    private static String platformString(cl_platform_id p, int param) {
        final long[] size = new long[1];
        CL.clGetPlatformInfo(p, param, 0, null, size);
        final byte[] b = new byte[(int) size[0]];
        CL.clGetPlatformInfo(p, param, b.length, Pointer.to(b), null);
        return cString(b);
    }

    private static long deviceLong(cl_device_id dev, int param) {
        final long[] v = new long[1];
        CL.clGetDeviceInfo(dev, param, Sizeof.cl_long, Pointer.to(v), null);
        return v[0];
    }

    private static long deviceInt(cl_device_id dev, int param) {
        final int[] v = new int[1];
        CL.clGetDeviceInfo(dev, param, Sizeof.cl_int, Pointer.to(v), null);
        return v[0];
    }

    private static String cString(byte[] b) {
        int len = 0;
        while (len < b.length && b[len] != 0) {
            len++;
        }
        return new String(b, 0, len, java.nio.charset.StandardCharsets.UTF_8);
    }
}
