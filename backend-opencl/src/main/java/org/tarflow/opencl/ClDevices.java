package org.tarflow.opencl;

import static org.jocl.CL.CL_DEVICE_GLOBAL_MEM_SIZE;
import static org.jocl.CL.CL_DEVICE_MAX_COMPUTE_UNITS;
import static org.jocl.CL.CL_DEVICE_MAX_WORK_GROUP_SIZE;
import static org.jocl.CL.CL_DEVICE_NAME;
import static org.jocl.CL.CL_DEVICE_TYPE;
import static org.jocl.CL.CL_DEVICE_TYPE_ACCELERATOR;
import static org.jocl.CL.CL_DEVICE_TYPE_ALL;
import static org.jocl.CL.CL_DEVICE_TYPE_CPU;
import static org.jocl.CL.CL_DEVICE_TYPE_GPU;
import static org.jocl.CL.CL_DEVICE_VERSION;
import static org.jocl.CL.CL_DRIVER_VERSION;
import static org.jocl.CL.CL_PLATFORM_NAME;
import static org.jocl.CL.clGetDeviceIDs;
import static org.jocl.CL.clGetDeviceInfo;
import static org.jocl.CL.clGetPlatformIDs;
import static org.jocl.CL.clGetPlatformInfo;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * The OpenCL devices this machine offers, across platforms, and the choice among them: {@code -Dtarflow.opencl.device}
 * takes an index into {@link #list()} or part of a device name; otherwise GPUs come first, then accelerators, then
 * CPUs.
 */
public final class ClDevices {
    public static final String PROPERTY = "tarflow.opencl.device";
    /** Work-group size the kernels require. */
    static final int REQUIRED_WORK_GROUP = 256;

    private ClDevices() {
    }

    /** One device. */
    public record Device(int index, cl_platform_id platform, cl_device_id id, String platformName, String name,
                         long type, long globalMemory, int computeUnits, long maxWorkGroup, String version,
                         String driver) {
        public String typeName() {
            if ((type & CL_DEVICE_TYPE_GPU) != 0) {
                return "GPU";
            }
            if ((type & CL_DEVICE_TYPE_ACCELERATOR) != 0) {
                return "accelerator";
            }
            return (type & CL_DEVICE_TYPE_CPU) != 0 ? "CPU" : "other";
        }

        public boolean gpu() {
            return (type & CL_DEVICE_TYPE_GPU) != 0;
        }

        public String describe() {
            return String.format(Locale.ROOT, "#%d %s: %s (%s, %d compute units, %.1f GiB, %s, driver %s)", index,
                    typeName(), name, platformName, computeUnits, globalMemory / (1024.0 * 1024 * 1024), version,
                    driver);
        }
    }

    /** Every device of every platform; empty when there is no OpenCL runtime. Throws if JOCL cannot load. */
    public static List<Device> list() {
        CL.setExceptionsEnabled(true);
        List<Device> out = new ArrayList<>();
        int[] count = new int[1];
        try {
            clGetPlatformIDs(0, null, count);
        } catch (CLException e) {
            return out; // CL_PLATFORM_NOT_FOUND_KHR: an ICD loader without platforms
        }
        cl_platform_id[] platforms = new cl_platform_id[count[0]];
        clGetPlatformIDs(platforms.length, platforms, null);
        for (cl_platform_id p : platforms) {
            int[] n = new int[1];
            try {
                clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 0, null, n);
            } catch (CLException e) {
                continue; // CL_DEVICE_NOT_FOUND
            }
            cl_device_id[] devices = new cl_device_id[n[0]];
            clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, devices.length, devices, null);
            String platformName = platformString(p, CL_PLATFORM_NAME);
            for (cl_device_id d : devices) {
                out.add(new Device(out.size(), p, d, platformName, deviceString(d, CL_DEVICE_NAME),
                        deviceLong(d, CL_DEVICE_TYPE), deviceLong(d, CL_DEVICE_GLOBAL_MEM_SIZE),
                        (int) deviceInt(d, CL_DEVICE_MAX_COMPUTE_UNITS), deviceSizeT(d, CL_DEVICE_MAX_WORK_GROUP_SIZE),
                        deviceString(d, CL_DEVICE_VERSION), deviceString(d, CL_DRIVER_VERSION)));
            }
        }
        return out;
    }

    /** The device to use: the property's choice, else the first GPU, accelerator or CPU. */
    public static Device choose(List<Device> devices) {
        String want = System.getProperty(PROPERTY);
        if (devices.isEmpty()) {
            throw new IllegalStateException("no OpenCL device found");
        }
        if (want != null && !want.isBlank()) {
            String w = want.trim();
            if (w.chars().allMatch(Character::isDigit)) {
                int i = Integer.parseInt(w);
                if (i >= devices.size()) {
                    throw new IllegalArgumentException("-D" + PROPERTY + "=" + w + ": there are only " + devices.size()
                            + " OpenCL devices (see `tarflow devices`)");
                }
                return devices.get(i);
            }
            for (Device d : devices) {
                if (d.name().toLowerCase(Locale.ROOT).contains(w.toLowerCase(Locale.ROOT))) {
                    return d;
                }
            }
            throw new IllegalArgumentException("-D" + PROPERTY + "=" + w + " matches no OpenCL device (see"
                    + " `tarflow devices`)");
        }
        for (long type : new long[] {CL_DEVICE_TYPE_GPU, CL_DEVICE_TYPE_ACCELERATOR, CL_DEVICE_TYPE_CPU}) {
            for (Device d : devices) {
                if ((d.type() & type) != 0 && d.maxWorkGroup() >= REQUIRED_WORK_GROUP) {
                    return d;
                }
            }
        }
        return devices.get(0);
    }

    private static String platformString(cl_platform_id p, int param) {
        long[] size = new long[1];
        clGetPlatformInfo(p, param, 0, null, size);
        byte[] buf = new byte[(int) size[0]];
        clGetPlatformInfo(p, param, buf.length, Pointer.to(buf), null);
        return new String(buf, 0, Math.max(0, buf.length - 1)).trim();
    }

    private static String deviceString(cl_device_id d, int param) {
        long[] size = new long[1];
        clGetDeviceInfo(d, param, 0, null, size);
        byte[] buf = new byte[(int) size[0]];
        clGetDeviceInfo(d, param, buf.length, Pointer.to(buf), null);
        return new String(buf, 0, Math.max(0, buf.length - 1)).trim();
    }

    private static long deviceLong(cl_device_id d, int param) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
        clGetDeviceInfo(d, param, 8, Pointer.to(b), null);
        return b.getLong(0);
    }

    private static long deviceInt(cl_device_id d, int param) {
        ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder());
        clGetDeviceInfo(d, param, 4, Pointer.to(b), null);
        return b.getInt(0) & 0xffffffffL;
    }

    private static long deviceSizeT(cl_device_id d, int param) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
        clGetDeviceInfo(d, param, org.jocl.Sizeof.size_t, Pointer.to(b), null);
        return org.jocl.Sizeof.size_t == 8 ? b.getLong(0) : b.getInt(0) & 0xffffffffL;
    }
}
