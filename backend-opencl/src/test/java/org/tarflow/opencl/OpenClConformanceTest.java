package org.tarflow.opencl;

import org.tarflow.tensor.Backend;
import org.tarflow.tensor.testing.BackendConformanceSuite;

/** The conformance suite on the OpenCL kernels (PoCL's CPU device in CI, a GPU where there is one). */
class OpenClConformanceTest extends BackendConformanceSuite {
    @Override
    protected Backend backend() {
        return OpenClTestSupport.backend();
    }
}
