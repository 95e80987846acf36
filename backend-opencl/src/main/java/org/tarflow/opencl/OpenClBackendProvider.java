package org.tarflow.opencl;

import java.util.ArrayList;
import java.util.List;
import org.tarflow.tensor.Backend;
import org.tarflow.tensor.BackendProvider;

/**
 * Finds the OpenCL backend. It is available when JOCL's native library loads and some platform offers a device with
 * the work-group size the kernels need. It outranks the CPU backend only when that device is a GPU: OpenCL on a
 * CPU (PoCL) works, but the Vector API backend is faster there.
 */
public final class OpenClBackendProvider implements BackendProvider {
    static final String INSTALL_HINT = "install your GPU driver's OpenCL runtime, or PoCL to run on the CPU:"
            + " apt-get install pocl-opencl-icd ocl-icd-opencl-dev clinfo";
    private volatile List<ClDevices.Device> devices;
    private volatile String failure;

    private synchronized List<ClDevices.Device> probe() {
        if (devices == null && failure == null) {
            try {
                devices = ClDevices.list();
                if (devices.isEmpty()) {
                    failure = "no OpenCL platform or device found; " + INSTALL_HINT;
                }
            } catch (Throwable t) { // UnsatisfiedLinkError when libOpenCL.so is missing, CLException, ...
                failure = "OpenCL cannot be used (" + t + "); " + INSTALL_HINT;
            }
        }
        return devices == null ? List.of() : devices;
    }

    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public int priority() {
        List<ClDevices.Device> d = probe();
        return d.stream().anyMatch(ClDevices.Device::gpu) ? 200 : 50;
    }

    @Override
    public String unavailableReason() {
        List<ClDevices.Device> d = probe();
        if (failure != null) {
            return failure;
        }
        try {
            ClDevices.Device chosen = ClDevices.choose(d);
            if (chosen.maxWorkGroup() < ClDevices.REQUIRED_WORK_GROUP) {
                return "OpenCL device " + chosen.name() + " allows work-groups of " + chosen.maxWorkGroup()
                        + "; the kernels need " + ClDevices.REQUIRED_WORK_GROUP;
            }
        } catch (RuntimeException e) {
            return e.getMessage();
        }
        return null;
    }

    @Override
    public Backend create() {
        return new OpenClBackend(ClDevices.choose(probe()));
    }

    @Override
    public List<String> devices() {
        List<String> out = new ArrayList<>();
        for (ClDevices.Device d : probe()) {
            out.add(d.describe());
        }
        if (out.isEmpty() && failure != null) {
            out.add(failure);
        }
        return out;
    }
}
