package org.tarflow.tensor.reference;

import org.tarflow.tensor.Backend;
import org.tarflow.tensor.BackendProvider;

/** Always available; lowest priority, so it is the default only when no faster backend is on the class path. */
public final class ReferenceBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "reference";
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public String unavailableReason() {
        return null;
    }

    @Override
    public Backend create() {
        return new ReferenceBackend();
    }

    @Override
    public java.util.List<String> devices() {
        return java.util.List.of("plain Java loops in float64 on the calling thread (the semantics, not for speed)");
    }
}
