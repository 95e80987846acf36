package org.tarflow.tensor;

/**
 * A flat buffer of elements owned by one {@link Backend}: a {@code float[]} on the CPU, a {@code double[]} on the
 * reference backend, a device buffer on OpenCL. Tensors are contiguous row-major windows (offset + shape) into one.
 */
public interface Storage {
    /** Number of elements the buffer holds. */
    int length();
}
