package org.reparamcl.cli;

import java.io.PrintStream;
import java.util.List;
import java.util.Set;

import org.reparamcl.opencl.ClDeviceInfo;
import org.reparamcl.opencl.ClDevices;
import org.reparamcl.opencl.OpenClUnavailableException;

/** {@code reparam devices}: the OpenCL devices and which one {@code auto} picks. */
final class DevicesCommand {
    private DevicesCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        final Args a = Args.parse("devices", args, Set.of(), Set.of("help"));
        if (a.flag("help")) {
            out.println("usage: reparam devices");
            return 0;
        }
        final List<ClDeviceInfo> all;
        try {
            all = ClDevices.list();
        } catch (OpenClUnavailableException e) {
            out.println("no OpenCL device: " + e.getMessage());
            out.println("auto: CPU reference (" + Runtime.getRuntime().availableProcessors() + " threads)");
            return 0;
        }
        for (ClDeviceInfo d : all) {
            out.println(d.describe());
            out.println("    OpenCL: " + d.deviceVersion().trim() + "; platform " + d.platformVersion().trim());
        }
        out.println("auto: OpenCL device " + ClDevices.select("auto").id());
        return 0;
    }
}
