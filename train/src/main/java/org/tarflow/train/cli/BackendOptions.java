package org.tarflow.train.cli;

import org.tarflow.tensor.Backend;
import org.tarflow.tensor.Backends;
import picocli.CommandLine.Option;

/** The options every command shares: which backend runs it, and with how many CPU threads. */
public final class BackendOptions {
    @Option(names = "--backend", paramLabel = "NAME",
            description = "Compute backend: cpu (Vector API), opencl (GPU through OpenCL) or reference (float64, slow)."
                    + " Default: the fastest one available here.")
    String backend;

    @Option(names = "--threads", paramLabel = "N",
            description = "Threads for the CPU backend (default: all cores).")
    Integer threads;

    Backend resolve() {
        if (threads != null) {
            if (threads < 1) {
                throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
            }
            System.setProperty("tarflow.threads", Integer.toString(threads));
        }
        return backend == null ? Backends.get() : Backends.get(backend);
    }
}
