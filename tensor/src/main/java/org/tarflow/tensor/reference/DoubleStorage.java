package org.tarflow.tensor.reference;

import org.tarflow.tensor.Storage;

/** The reference backend's buffer: float64 values on the heap. */
public final class DoubleStorage implements Storage {
    final double[] data;

    DoubleStorage(int length) {
        this.data = new double[length];
    }

    @Override
    public int length() {
        return data.length;
    }
}
