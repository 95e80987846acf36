package org.tarflow.cpu;

import org.tarflow.tensor.Backend;
import org.tarflow.tensor.testing.BackendConformanceSuite;

/** The conformance suite on the scalar twins (what -Dtarflow.cpu.simd=false runs), single-threaded. */
class CpuScalarConformanceTest extends BackendConformanceSuite {
    private final CpuBackend backend = new CpuBackend(1, false);

    @Override
    protected Backend backend() {
        return backend;
    }
}
