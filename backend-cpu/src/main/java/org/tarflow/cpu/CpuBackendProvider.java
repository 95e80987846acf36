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

    @Override
    public java.util.List<String> devices() {
        String reason = unavailableReason();
        if (reason != null) {
            return java.util.List.of(reason);
        }
        return java.util.List.of(Runtime.getRuntime().availableProcessors() + " hardware threads ("
                + System.getProperty("os.arch") + "), Vector API preferred width "
                + VectorWidth.preferredBits() + " bits; " + CpuConfig.defaultThreads() + " worker threads by default");
    }

    /** Kept in its own class so that the provider itself never touches the Vector API. */
    private static final class VectorWidth {
        static int preferredBits() {
            return Simd.F.vectorBitSize();
        }
    }
}
