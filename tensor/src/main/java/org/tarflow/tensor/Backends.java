package org.tarflow.tensor;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Backend discovery. {@link #get()} returns the backend named by the system property {@code tarflow.backend}, or,
 * when none is named, the available one with the highest priority. Instances are created once and shared.
 */
public final class Backends {
    /** System property that forces a backend by name. */
    public static final String PROPERTY = "tarflow.backend";

    private static final Map<String, Backend> CREATED = new LinkedHashMap<>();

    private Backends() {
    }

    /** Every provider on the class path, highest priority first. */
    public static List<BackendProvider> providers() {
        List<BackendProvider> list = new ArrayList<>();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            list.add(p);
        }
        list.sort(Comparator.comparingInt(BackendProvider::priority).reversed());
        return list;
    }

    /** The default backend (see class comment). */
    public static Backend get() {
        String forced = System.getProperty(PROPERTY);
        if (forced != null && !forced.isBlank()) {
            return get(forced.trim());
        }
        StringBuilder why = new StringBuilder();
        for (BackendProvider p : providers()) {
            String reason = p.unavailableReason();
            if (reason == null) {
                return get(p.name());
            }
            why.append("\n  ").append(p.name()).append(": ").append(reason);
        }
        throw new IllegalStateException("no tensor backend is available" + why);
    }

    /** The backend with this name; a clear error when it is unknown or cannot run here. */
    public static synchronized Backend get(String name) {
        Backend existing = CREATED.get(name);
        if (existing != null) {
            return existing;
        }
        List<String> known = new ArrayList<>();
        // in discovery order, not by priority: asking for one backend by name must not probe the others (the
        // OpenCL provider's priority loads the OpenCL runtime and its driver threads into a CPU-only run)
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            known.add(p.name());
            if (p.name().equals(name)) {
                String reason = p.unavailableReason();
                if (reason != null) {
                    throw new IllegalStateException("backend '" + name + "' is not available: " + reason);
                }
                Backend b = p.create();
                CREATED.put(name, b);
                return b;
            }
        }
        throw new IllegalArgumentException("unknown backend '" + name + "'; known backends: " + known
                + " (a backend module missing from the class path is not listed)");
    }

    /** Names of the providers that can run here, highest priority first. */
    public static List<String> available() {
        List<String> names = new ArrayList<>();
        for (BackendProvider p : providers()) {
            if (p.unavailableReason() == null) {
                names.add(p.name());
            }
        }
        return names;
    }
}
