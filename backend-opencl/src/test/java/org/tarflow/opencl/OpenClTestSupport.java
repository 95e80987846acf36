package org.tarflow.opencl;

import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Assumptions;
import org.tarflow.tensor.Backend;

/**
 * The OpenCL backend for tests, created once. Without an OpenCL device the tests are skipped with a message that
 * says how to install PoCL, except under CI=true, where a missing device is a failure.
 */
final class OpenClTestSupport {
    private static Backend backend;
    private static String unavailable;

    private OpenClTestSupport() {
    }

    static synchronized Backend backend() {
        if (backend == null && unavailable == null) {
            OpenClBackendProvider p = new OpenClBackendProvider();
            unavailable = p.unavailableReason();
            if (unavailable == null) {
                backend = p.create();
                System.out.println("OpenCL tests on " + backend.description());
            }
        }
        if (backend == null) {
            if ("true".equals(System.getenv("CI"))) {
                fail("CI=true but the OpenCL backend cannot run: " + unavailable);
            }
            Assumptions.assumeTrue(false, "OpenCL tests skipped: " + unavailable);
        }
        return backend;
    }
}
