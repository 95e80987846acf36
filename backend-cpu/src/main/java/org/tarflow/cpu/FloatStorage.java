package org.tarflow.cpu;

import org.tarflow.tensor.Storage;

/** The CPU backend's buffer: float32 values on the heap. */
public final class FloatStorage implements Storage {
    final float[] data;

    FloatStorage(int length) {
        this.data = new float[length];
    }

    @Override
    public int length() {
        return data.length;
    }
}
