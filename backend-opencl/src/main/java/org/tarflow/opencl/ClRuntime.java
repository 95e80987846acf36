package org.tarflow.opencl;

import static org.jocl.CL.CL_CONTEXT_PLATFORM;
import static org.jocl.CL.CL_MEM_COPY_HOST_PTR;
import static org.jocl.CL.CL_MEM_READ_ONLY;
import static org.jocl.CL.CL_MEM_READ_WRITE;
import static org.jocl.CL.CL_PROGRAM_BUILD_LOG;
import static org.jocl.CL.CL_TRUE;
import static org.jocl.CL.clBuildProgram;
import static org.jocl.CL.clCreateBuffer;
import static org.jocl.CL.clCreateCommandQueue;
import static org.jocl.CL.clCreateContext;
import static org.jocl.CL.clCreateKernel;
import static org.jocl.CL.clCreateProgramWithSource;
import static org.jocl.CL.clEnqueueNDRangeKernel;
import static org.jocl.CL.clEnqueueReadBuffer;
import static org.jocl.CL.clEnqueueWriteBuffer;
import static org.jocl.CL.clFinish;
import static org.jocl.CL.clGetProgramBuildInfo;
import static org.jocl.CL.clReleaseMemObject;
import static org.jocl.CL.clSetKernelArg;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.ref.Cleaner;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;

/**
 * One OpenCL device: its context, one in-order command queue, the programs built from the kernel sources (once,
 * cached; attention per head size) and typed kernel launches. Failures name the OpenCL error and the kernel.
 */
final class ClRuntime {
    private static final Cleaner CLEANER = Cleaner.create();

    final ClDevices.Device device;
    private final cl_context context;
    private final cl_command_queue queue;
    private final cl_program main;
    private final Map<Integer, cl_program> attention = new HashMap<>();
    private final Map<String, cl_kernel> kernels = new HashMap<>();

    ClRuntime(ClDevices.Device device) {
        CL.setExceptionsEnabled(true);
        this.device = device;
        cl_context_properties props = new cl_context_properties();
        props.addProperty(CL_CONTEXT_PLATFORM, device.platform());
        this.context = clCreateContext(props, 1, new cl_device_id[] {device.id()}, null, null, null);
        @SuppressWarnings("deprecation")
        cl_command_queue q = clCreateCommandQueue(context, device.id(), 0, null);
        this.queue = q;
        this.main = build(source("tarflow.cl"), "");
    }

    private static String source(String name) {
        try (InputStream in = ClRuntime.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("OpenCL kernel source " + name + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private cl_program build(String src, String options) {
        cl_program p = clCreateProgramWithSource(context, 1, new String[] {src}, null, null);
        try {
            clBuildProgram(p, 1, new cl_device_id[] {device.id()}, "-cl-fp32-correctly-rounded-divide-sqrt " + options,
                    null, null);
        } catch (CLException e) {
            long[] size = new long[1];
            clGetProgramBuildInfo(p, device.id(), CL_PROGRAM_BUILD_LOG, 0, null, size);
            byte[] log = new byte[(int) size[0]];
            clGetProgramBuildInfo(p, device.id(), CL_PROGRAM_BUILD_LOG, log.length, Pointer.to(log), null);
            throw new IllegalStateException("OpenCL program build failed on " + device.name() + " (" + e.getMessage()
                    + "):\n" + new String(log, StandardCharsets.UTF_8).trim());
        }
        return p;
    }

    /** A kernel of the main program, or of the attention program for a head size (headDim > 0). */
    synchronized cl_kernel kernel(String name, int headDim) {
        String key = headDim > 0 ? name + "@" + headDim : name;
        cl_kernel k = kernels.get(key);
        if (k == null) {
            cl_program p = main;
            if (headDim > 0) {
                p = attention.computeIfAbsent(headDim, hd -> build(source("attention.cl"), "-DHD=" + hd));
            }
            k = clCreateKernel(p, name, null);
            kernels.put(key, k);
        }
        return k;
    }

    /** A device buffer of {@code length} floats (at least one). */
    ClStorage allocate(int length) {
        long bytes = 4L * Math.max(1, length);
        cl_mem mem;
        try {
            mem = clCreateBuffer(context, CL_MEM_READ_WRITE, bytes, null, null);
        } catch (CLException e) {
            throw new IllegalStateException("OpenCL: cannot allocate " + bytes + " bytes on " + device.name() + " ("
                    + e.getMessage() + ")", e);
        }
        return new ClStorage(mem, length, CLEANER);
    }

    /** A read-only buffer holding a copy of {@code values}, for per-call index lists. */
    cl_mem ints(int[] values) {
        int[] v = values.length == 0 ? new int[1] : values;
        return clCreateBuffer(context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, 4L * v.length, Pointer.to(v), null);
    }

    cl_mem floats(float[] values) {
        float[] v = values.length == 0 ? new float[1] : values;
        return clCreateBuffer(context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, 4L * v.length, Pointer.to(v), null);
    }

    void write(cl_mem mem, long elementOffset, float[] src, int srcOffset, int n) {
        if (n > 0) {
            clEnqueueWriteBuffer(queue, mem, CL_TRUE, 4 * elementOffset, 4L * n,
                    Pointer.to(src).withByteOffset(4L * srcOffset), 0, null, null);
        }
    }

    void read(cl_mem mem, long elementOffset, float[] dst, int dstOffset, int n) {
        if (n > 0) {
            clEnqueueReadBuffer(queue, mem, CL_TRUE, 4 * elementOffset, 4L * n,
                    Pointer.to(dst).withByteOffset(4L * dstOffset), 0, null, null);
        }
    }

    void finish() {
        clFinish(queue);
    }

    static void release(cl_mem mem) {
        clReleaseMemObject(mem);
    }

    /**
     * Sets the arguments and enqueues a kernel. Arguments: {@link ClStorage} or {@link cl_mem} (buffers), Integer,
     * Float, Double (as float), int[8] (an int8 vector).
     */
    synchronized void launch(String name, int headDim, long[] global, long[] local, Object... args) {
        cl_kernel k = kernel(name, headDim);
        try {
            for (int i = 0; i < args.length; i++) {
                Object a = args[i];
                if (a instanceof ClStorage s) {
                    clSetKernelArg(k, i, Sizeof.cl_mem, Pointer.to(s.mem()));
                } else if (a instanceof cl_mem m) {
                    clSetKernelArg(k, i, Sizeof.cl_mem, Pointer.to(m));
                } else if (a instanceof Integer v) {
                    clSetKernelArg(k, i, Sizeof.cl_int, Pointer.to(new int[] {v}));
                } else if (a instanceof Float v) {
                    clSetKernelArg(k, i, Sizeof.cl_float, Pointer.to(new float[] {v}));
                } else if (a instanceof Double v) {
                    clSetKernelArg(k, i, Sizeof.cl_float, Pointer.to(new float[] {v.floatValue()}));
                } else if (a instanceof int[] v && v.length == 8) {
                    clSetKernelArg(k, i, Sizeof.cl_int8, Pointer.to(v));
                } else {
                    throw new IllegalArgumentException("kernel " + name + ": unsupported argument " + i + ": " + a);
                }
            }
            clEnqueueNDRangeKernel(queue, k, global.length, null, global, local, 0, null, null);
        } catch (CLException e) {
            throw new IllegalStateException("OpenCL kernel '" + name + "' failed on " + device.name() + ": "
                    + e.getMessage(), e);
        }
    }

    /** A 1-D launch over n work-items (rounded up to a multiple of 64; kernels bound-check). */
    void launch1d(String name, int n, Object... args) {
        if (n <= 0) {
            return;
        }
        long global = ((n + 63L) / 64) * 64;
        launch(name, 0, new long[] {global}, null, args);
    }
}
