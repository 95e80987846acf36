package org.tarflow.cpu;

import org.tarflow.tensor.Backend;
import org.tarflow.tensor.testing.BackendConformanceSuite;

/** The conformance suite on the SIMD kernels, two threads (so the task splitting is exercised even on one core). */
class CpuSimdConformanceTest extends BackendConformanceSuite {
    private final CpuBackend backend = new CpuBackend(2, true);

    @Override
    protected Backend backend() {
        return backend;
    }
}
