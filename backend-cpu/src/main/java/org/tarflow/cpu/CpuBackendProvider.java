package org.tarflow.cpu;

import org.tarflow.tensor.Backend;
import org.tarflow.tensor.BackendProvider;

/**
 * Finds the CPU backend. It needs the incubating Vector API module, which the JVM only resolves when started with
 * {@code --add-modules jdk.incubator.vector}; the check below touches no Vector API class.
 */
public final class CpuBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public String unavailableReason() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return "the Vector API module is not loaded: start the JVM with --add-modules jdk.incubator.vector"
                    + " (the ./tarflow launcher and the Maven build do this)";
        }
        return null;
    }

    @Override
    public Backend create() {
        return new CpuBackend();
    }
}
