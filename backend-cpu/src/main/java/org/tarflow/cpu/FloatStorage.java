package org.tarflow.cpu;

import org.tarflow.tensor.Storage;

/** The CPU backend's buffer: float32 values on the heap. */
public final class FloatStorage implements Storage {
    final float[] data;
    /**
     * Bumped by every access that may write (see {@link CpuBackend#data}), so that {@link PackedWeights} can tell an
     * operand it packed before from one that changed since. Bumps from worker threads may race and be lost in part,
     * but any bump moves it off the value an entry recorded, and team runs publish it to the calling thread.
     */
    int version;

    FloatStorage(int length) {
        this.data = new float[length];
    }

    @Override
    public int length() {
        return data.length;
    }
}
