package org.tarflow.tensor;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * Free lists of buffers keyed by exact length. A training step allocates the same sizes every iteration, so after
 * the first one every request is served from here and no large array is allocated again.
 */
public final class StoragePool<S extends Storage> {
    private final Map<Integer, ArrayDeque<S>> free = new HashMap<>();
    private final IntFunction<S> factory;
    private final Consumer<S> destroyer;
    private final int bytesPerElement;
    private long allocations;
    private long elementsHeld;

    /**
     * @param factory makes a fresh buffer of the given length
     * @param destroyer frees a buffer for good when the pool is trimmed (a no-op for heap arrays)
     */
    public StoragePool(IntFunction<S> factory, Consumer<S> destroyer, int bytesPerElement) {
        this.factory = factory;
        this.destroyer = destroyer;
        this.bytesPerElement = bytesPerElement;
    }

    public synchronized S take(int length) {
        ArrayDeque<S> list = free.get(length);
        S s = list == null ? null : list.pollLast();
        if (s != null) {
            return s;
        }
        allocations++;
        elementsHeld += length;
        return factory.apply(length);
    }

    public synchronized void give(S s) {
        free.computeIfAbsent(s.length(), k -> new ArrayDeque<>()).addLast(s);
    }

    public synchronized void trim() {
        for (ArrayDeque<S> list : free.values()) {
            for (S s : list) {
                elementsHeld -= s.length();
                destroyer.accept(s);
            }
        }
        free.clear();
    }

    /** Buffers created so far (pool hits are not counted). */
    public synchronized long allocations() {
        return allocations;
    }

    public synchronized long bytesHeld() {
        return elementsHeld * bytesPerElement;
    }

    /** Forget a buffer that was handed out but will never come back (it was left to the garbage collector). */
    public synchronized void forget(int length) {
        elementsHeld -= length;
    }
}
