package org.tarflow.opencl;

import java.lang.ref.Cleaner;
import org.jocl.cl_mem;
import org.tarflow.tensor.Storage;

/**
 * A device buffer of floats. Pooled buffers are freed when the pool is trimmed; a buffer that was never given back
 * (a tensor outside every MemoryScope) is freed by a {@link Cleaner} once the garbage collector drops it.
 */
public final class ClStorage implements Storage {
    private final cl_mem mem;
    private final int length;
    private final Cleaner.Cleanable cleanable;

    ClStorage(cl_mem mem, int length, Cleaner cleaner) {
        this.mem = mem;
        this.length = length;
        // the action must not capture this object, only the handle
        this.cleanable = cleaner.register(this, new Release(mem));
    }

    cl_mem mem() {
        return mem;
    }

    @Override
    public int length() {
        return length;
    }

    /** Frees the device memory now (idempotent). */
    void free() {
        cleanable.clean();
    }

    private record Release(cl_mem mem) implements Runnable {
        @Override
        public void run() {
            ClRuntime.release(mem);
        }
    }
}
