package org.tarflow.tensor;

import java.util.ArrayList;

/**
 * Owns the tensors created while it is open on this thread and gives their buffers back to the backend's pool when
 * it closes. A training step runs inside one scope, so every activation, gradient and temporary of the step is
 * recycled by the next step instead of allocated again.
 *
 * <pre>{@code
 * try (MemoryScope step = MemoryScope.open()) {
 *     Tensor loss = model.loss(x);
 *     loss.backward();           // parameter gradients live outside the scope
 *     lossValue = loss.item();
 * }                              // intermediates released here
 * }</pre>
 *
 * Tensors created outside any scope are left to the garbage collector. {@link Tensor#keep()} moves a tensor to the
 * enclosing scope (or out of scopes altogether) so that it survives this one. Using a released tensor is an error
 * that says so, never a silent read of recycled memory.
 */
public final class MemoryScope implements AutoCloseable {
    private static final ThreadLocal<MemoryScope> CURRENT = new ThreadLocal<>();

    private final MemoryScope parent;
    private final boolean managed;
    private final Thread thread = Thread.currentThread();
    private final ArrayList<Tensor> owned = new ArrayList<>();
    private boolean closed;

    private MemoryScope(MemoryScope parent, boolean managed) {
        this.parent = parent;
        this.managed = managed;
    }

    /** Opens a scope on this thread; close it in the same thread, innermost first (try-with-resources). */
    public static MemoryScope open() {
        MemoryScope s = new MemoryScope(CURRENT.get(), true);
        CURRENT.set(s);
        return s;
    }

    /**
     * Opens a region in which new tensors belong to no scope (parameters, optimiser state, long-lived caches): the
     * garbage collector frees them.
     */
    public static MemoryScope unmanaged() {
        MemoryScope s = new MemoryScope(CURRENT.get(), false);
        CURRENT.set(s);
        return s;
    }

    /** The innermost managed scope open on this thread, or null. */
    static MemoryScope currentOwner() {
        MemoryScope s = CURRENT.get();
        return s == null || !s.managed ? null : s;
    }

    /** The scope a kept tensor moves to: the next managed scope outward, or null (unmanaged). */
    MemoryScope outer() {
        MemoryScope p = parent;
        while (p != null && p.closed) {
            p = p.parent;
        }
        if (p == null || !p.managed) {
            return null;
        }
        return p;
    }

    void adopt(Tensor owner) {
        owned.add(owner);
    }

    /** Number of tensors this scope has released or will release. */
    public int size() {
        return owned.size();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException("a MemoryScope must be closed by the thread that opened it");
        }
        if (CURRENT.get() != this) {
            throw new IllegalStateException("MemoryScopes must be closed innermost first");
        }
        closed = true;
        CURRENT.set(parent);
        for (Tensor t : owned) {
            if (t.ownerScope() == this) {
                t.releaseStorage();
            }
        }
        owned.clear();
    }
}
