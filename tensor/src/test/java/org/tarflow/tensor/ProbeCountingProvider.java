package org.tarflow.tensor;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test-only provider that is never available and counts how often it is probed, standing in for a provider whose
 * probe is expensive or loads native code (OpenCL): asking for another backend by name must not probe it.
 */
public final class ProbeCountingProvider implements BackendProvider {
    static final AtomicInteger PROBES = new AtomicInteger();

    @Override
    public String name() {
        return "probe-counting";
    }

    @Override
    public int priority() {
        PROBES.incrementAndGet();
        return -1000;
    }

    @Override
    public String unavailableReason() {
        PROBES.incrementAndGet();
        return "a test provider that never runs";
    }

    @Override
    public Backend create() {
        throw new IllegalStateException("never available");
    }
}
