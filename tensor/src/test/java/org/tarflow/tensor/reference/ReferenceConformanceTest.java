package org.tarflow.tensor.reference;

import org.tarflow.tensor.Backend;
import org.tarflow.tensor.testing.BackendConformanceSuite;
import org.tarflow.tensor.testing.OpCheck;

/** The suite on the reference backend: every gradient rule against central differences in float64. */
class ReferenceConformanceTest extends BackendConformanceSuite {
    @Override
    protected Backend backend() {
        return OpCheck.reference();
    }
}
