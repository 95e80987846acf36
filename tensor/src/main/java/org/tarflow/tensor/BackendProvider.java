package org.tarflow.tensor;

/**
 * A backend factory found by {@link java.util.ServiceLoader}. Implementations list themselves in
 * {@code META-INF/services/org.tarflow.tensor.BackendProvider}. Loading the provider class must not touch optional
 * native or incubator classes; {@link #unavailableReason()} is where that is checked.
 */
public interface BackendProvider {

    /** The name users pass to {@code -Dtarflow.backend}. */
    String name();

    /** Higher wins when no backend is named. The reference backend is 0, the CPU backend 100. */
    int priority();

    /** Null when the backend can run here, else a sentence saying why not and how to fix it. */
    String unavailableReason();

    /** Creates the backend; called at most once per process by {@link Backends}. */
    Backend create();

    /** Lines describing the devices this backend could run on (for {@code tarflow devices}). */
    default java.util.List<String> devices() {
        return java.util.List.of();
    }
}
