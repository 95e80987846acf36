package org.tarflow.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.tarflow.tensor.reference.ReferenceBackend;

/** Backend-independent behaviour of the core: scopes, autograd bookkeeping, error messages, discovery. */
class TensorCoreTest {
    private final Backend be = new ReferenceBackend();

    @Test
    void scopeReleasesIntermediatesAndKeepSurvives() {
        Tensor kept;
        Tensor dropped;
        try (MemoryScope s = MemoryScope.open()) {
            Tensor a = Tensor.of(be, new float[] {1, 2, 3}, 3);
            dropped = a.mul(2.0);
            kept = a.add(1.0).keep();
            assertEquals(3, s.size());
        }
        assertTrue(dropped.isReleased());
        assertFalse(kept.isReleased());
        assertArrayEquals(new float[] {2, 3, 4}, kept.toFloatArray());
        IllegalStateException e = assertThrows(IllegalStateException.class, dropped::toFloatArray);
        assertTrue(e.getMessage().contains("released"), e.getMessage());
    }

    @Test
    void keepMovesToTheEnclosingScope() {
        Tensor inner;
        try (MemoryScope outer = MemoryScope.open()) {
            try (MemoryScope s = MemoryScope.open()) {
                inner = Tensor.zeros(be, 2).keep();
            }
            assertFalse(inner.isReleased());
        }
        assertTrue(inner.isReleased());
    }

    @Test
    void viewsShareTheirOwnersLifetime() {
        Tensor view;
        try (MemoryScope s = MemoryScope.open()) {
            Tensor a = Tensor.of(be, new float[] {1, 2, 3, 4}, 2, 2);
            view = a.reshape(4).slice(0, 1, 3);
            assertArrayEquals(new float[] {2, 3}, view.toFloatArray());
        }
        assertTrue(view.isReleased());
    }

    @Test
    void poolRecyclesBuffersAcrossScopes() {
        ReferenceBackend fresh = new ReferenceBackend();
        for (int i = 0; i < 3; i++) {
            try (MemoryScope s = MemoryScope.open()) {
                Tensor.zeros(fresh, 100).add(1.0).exp();
            }
        }
        assertEquals(3, fresh.allocationCount(), "three buffers in the first pass, none afterwards");
    }

    /**
     * The backward sweep gives back each intermediate gradient once nothing will read it again, so a chain of n ops
     * needs a few gradient buffers, not n; gradients handed to two inputs (the residual add) and sums of two
     * contributions must still come out right.
     */
    @Test
    void backwardRecyclesSpentGradientsAndStaysExact() {
        ReferenceBackend fresh = new ReferenceBackend();
        int steps = 20;
        Tensor w = Tensor.of(fresh, new double[] {0.5, -1.0, 2.0}, 3).requiresGrad(true);
        long forwardBuffers;
        long afterBackward;
        try (MemoryScope s = MemoryScope.open()) {
            Tensor h = w;
            for (int i = 0; i < steps; i++) {
                h = h.add(h.mul(0.1)); // residual: h's gradient arrives twice and is summed
            }
            Tensor loss = h.sum();
            forwardBuffers = fresh.allocationCount();
            loss.backward();
            afterBackward = fresh.allocationCount();
        }
        double expected = Math.pow(1.1, steps);
        assertArrayEquals(new double[] {expected, expected, expected}, w.grad().toDoubleArray(), 1e-12 * expected);
        long gradientBuffers = afterBackward - forwardBuffers;
        // without recycling: the seed, and per step the mul's input gradient, the sum and the add's (shared) one
        assertTrue(gradientBuffers <= 8, gradientBuffers + " fresh buffers for the backward pass of " + steps
                + " residual steps");
    }

    @Test
    void gradientsAccumulateAcrossBackwardCallsUntilZeroed() {
        Tensor w = Tensor.of(be, new float[] {1, 2}, 2).requiresGrad(true);
        for (int i = 0; i < 2; i++) {
            try (MemoryScope s = MemoryScope.open()) {
                w.mul(w).sum().backward();
            }
        }
        assertArrayEquals(new double[] {4, 8}, w.grad().toDoubleArray(), 1e-12);
        assertFalse(w.grad().isReleased(), "a leaf's gradient lives as long as the leaf, not the step's scope");
        w.zeroGrad();
        assertArrayEquals(new double[] {0, 0}, w.grad().toDoubleArray());
    }

    /**
     * zeroGrad leaves the buffer to be overwritten: a linear layer then writes its weight and bias gradients straight
     * into the leaves' buffers. Expected values are computed by hand: for y = x·Wᵀ + b summed, dW[o][i] = Σ_rows x[r][i]
     * and db[o] = rows.
     */
    @Test
    void gradientsWrittenInPlaceAfterZeroGradMatchAddedOnes() {
        Tensor w = Tensor.of(be, new float[] {1, -2, 3, 0.5f, 2, -1}, 2, 3).requiresGrad(true);
        Tensor b = Tensor.of(be, new float[] {0.25f, -0.5f}, 2).requiresGrad(true);
        Tensor x = Tensor.of(be, new float[] {1, 2, 3, -1, 0.5f, 2}, 2, 3);
        double[] dw = {0, 2.5, 5, 0, 2.5, 5}; // the column sums of x, for each of the two outputs
        double[] db = {2, 2};
        for (int step = 0; step < 3; step++) {
            w.zeroGrad();
            b.zeroGrad();
            try (MemoryScope s = MemoryScope.open()) {
                Tensor.linear(x, w, b).sum().backward();
            }
            assertArrayEquals(dw, w.grad().toDoubleArray(), 1e-12, "step " + step);
            assertArrayEquals(db, b.grad().toDoubleArray(), 1e-12, "step " + step);
        }
        Tensor before = w.grad();
        w.zeroGrad();
        b.zeroGrad();
        assertSame(before, w.grad(), "the buffer is kept");
        assertArrayEquals(new double[6], w.grad().toDoubleArray(), "grad() after zeroGrad reads zeros");
        // without zeroGrad a second pass adds; the same weight used twice in one pass gets both uses' sum
        try (MemoryScope s = MemoryScope.open()) {
            Tensor.linear(x, w, b).sum().backward();
            Tensor.linear(x, w, b).sum().backward();
        }
        assertArrayEquals(new double[] {0, 5, 10, 0, 5, 10}, w.grad().toDoubleArray(), 1e-12);
        assertArrayEquals(new double[] {4, 4}, b.grad().toDoubleArray(), 1e-12);
        w.zeroGrad();
        b.zeroGrad();
        try (MemoryScope s = MemoryScope.open()) {
            Tensor.linear(x, w, b).add(Tensor.linear(x.mul(2.0), w, null)).sum().backward();
        }
        assertArrayEquals(new double[] {0, 7.5, 15, 0, 7.5, 15}, w.grad().toDoubleArray(), 1e-12);
        assertArrayEquals(db, b.grad().toDoubleArray(), 1e-12);
        // a weight used as the input of its own product: the input gradient adds to the weight gradient written
        Tensor v = Tensor.of(be, new float[] {1, 2, 3, 4}, 2, 2).requiresGrad(true);
        try (MemoryScope s = MemoryScope.open()) {
            Tensor.linear(v, v, null).sum().backward();
        }
        // y = v·vᵀ summed: d/dv = (Σ_rows v) broadcast + (Σ_rows v) broadcast = 2·colsum(v) = 2·[4, 6] per row
        assertArrayEquals(new double[] {8, 12, 8, 12}, v.grad().toDoubleArray(), 1e-12);
    }

    @Test
    void inputGradientsForTheDenoiser() {
        try (MemoryScope s = MemoryScope.open()) {
            Tensor x = Tensor.of(be, new double[] {0.5, -1.0}, 2).requiresGrad(true);
            x.square().mul(0.5).sum().backward();
            assertArrayEquals(new double[] {0.5, -1.0}, x.grad().toDoubleArray(), 1e-15);
        }
    }

    @Test
    void gradModeOffRecordsNothing() {
        Tensor w = Tensor.of(be, new float[] {1}, 1).requiresGrad(true);
        Tensor y;
        try (GradMode.Off off = GradMode.off()) {
            assertFalse(GradMode.isEnabled());
            y = w.mul(3.0);
        }
        assertTrue(GradMode.isEnabled());
        assertFalse(y.requiresGrad());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> y.sum().backward());
        assertTrue(e.getMessage().contains("does not require a gradient"), e.getMessage());
    }

    @Test
    void graphIsFreedAfterBackward() {
        Tensor w = Tensor.of(be, new float[] {1}, 1).requiresGrad(true);
        Tensor loss = w.exp().sum();
        loss.backward();
        assertNull(loss.gradFn(), "the graph is dropped after the sweep");
        assertNotNull(w.grad());
    }

    @Test
    void shapeErrorsNameTheOpAndBothShapes() {
        Tensor a = Tensor.zeros(be, 2, 3);
        Tensor b = Tensor.zeros(be, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.add(b));
        assertTrue(e.getMessage().contains("add") && e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4]"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> a.matmul(Tensor.zeros(be, 4, 5)));
        assertTrue(e.getMessage().contains("matmul") && e.getMessage().contains("[4, 5]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.linear(a, Tensor.zeros(be, 5, 4), null));
        assertTrue(e.getMessage().contains("linear"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> a.reshape(4, 2));
        assertTrue(e.getMessage().contains("reshape") && e.getMessage().contains("[2, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> a.slice(1, 2, 5));
        assertTrue(e.getMessage().contains("slice"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(be, 1, 5, 10).attention(2, 4, 1.0, true));
        assertTrue(e.getMessage().contains("attention") && e.getMessage().contains("[1, 5, 10]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> a.layerNorm(Tensor.zeros(be, 2), null, 1e-5));
        assertTrue(e.getMessage().contains("layerNorm"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> a.gatherRows(new int[] {2}));
        assertTrue(e.getMessage().contains("gatherRows"), e.getMessage());
    }

    @Test
    void mixingBackendsIsAClearError() {
        Tensor a = Tensor.zeros(be, 2);
        Tensor b = Tensor.zeros(new ReferenceBackend(), 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.add(b));
        assertTrue(e.getMessage().contains("different backends"), e.getMessage());
    }

    @Test
    void setSliceRefusesToRunUnderRecording() {
        Tensor x = Tensor.zeros(be, 2, 3).requiresGrad(true);
        assertThrows(IllegalStateException.class, () -> x.setSlice(1, 0, Tensor.zeros(be, 2, 1)));
    }

    @Test
    void discoveryFindsTheReferenceAndRejectsUnknownNames() {
        assertTrue(Backends.available().contains("reference"));
        assertSame(Backends.get("reference"), Backends.get("reference"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.get("nosuch"));
        assertTrue(e.getMessage().contains("unknown backend 'nosuch'") && e.getMessage().contains("reference"),
                e.getMessage());
    }

    @Test
    void askingForABackendByNameProbesNoOtherProvider() {
        int before = ProbeCountingProvider.PROBES.get();
        // a name not created yet, so that the lookup walks the providers (created backends are cached)
        assertThrows(IllegalArgumentException.class, () -> Backends.get("not-a-backend"));
        assertEquals(before, ProbeCountingProvider.PROBES.get(), "get(name) probed another provider");
        assertFalse(Backends.available().contains("probe-counting"));
    }

    @Test
    void forcedBackendPropertyIsHonoured() {
        String old = System.getProperty(Backends.PROPERTY);
        try {
            System.setProperty(Backends.PROPERTY, "reference");
            assertEquals("reference", Backends.get().name());
            System.setProperty(Backends.PROPERTY, "missing");
            assertThrows(IllegalArgumentException.class, Backends::get);
        } finally {
            if (old == null) {
                System.clearProperty(Backends.PROPERTY);
            } else {
                System.setProperty(Backends.PROPERTY, old);
            }
        }
    }

    @Test
    void coalesceMergesContiguousAxes() {
        int[][] c = Shapes.coalesce(new int[] {4, 49, 128}, Shapes.strides(new int[] {4, 49, 128}),
                new int[] {0, 0, 1});
        assertArrayEquals(new int[] {196, 128}, c[0]);
        assertArrayEquals(new int[] {128, 1}, c[1]);
        assertArrayEquals(new int[] {0, 1}, c[2]);
    }
}
