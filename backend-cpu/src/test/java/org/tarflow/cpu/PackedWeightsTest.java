package org.tarflow.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tarflow.tensor.AdamWStep;
import org.tarflow.tensor.BinaryOp;
import org.tarflow.tensor.GemmSpec;
import org.tarflow.tensor.Tensor;
import org.tarflow.tensor.UnaryOp;

/**
 * The packed-operand cache ({@link PackedWeights}) must never serve a stale weight: after the weight is changed by
 * any kernel, the next product equals, bit for bit, the product of a backend that keeps no packed copies (the same
 * kernels, packing on every call). And it must actually serve hits, or the checks above would prove nothing.
 */
class PackedWeightsTest {
    /** m, n, k: owned columns (n of 16 strips), the shared-strip range path, and both with two k slices. */
    private static final int[][] SHAPES = {{200, 512, 256}, {200, 128, 256}, {400, 96, 1500}, {400, 512, 1100}};

    /** The oracle: the same kernels, packing op(B) on every call. */
    private static final CpuBackend UNCACHED = new CpuBackend(2, true, 0);
    private static final ThreadTeam TWO = new ThreadTeam(2);

    private record Mutation(String name, BiConsumer<CpuBackend, Tensor> apply) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static float[] random(Random rng, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rng.nextGaussian();
        }
        return v;
    }

    private static List<Mutation> mutations() {
        List<Mutation> list = new ArrayList<>();
        list.add(new Mutation("write", (be, w) -> be.write(w, random(new Random(7), w.size()), 0)));
        list.add(new Mutation("fill", (be, w) -> be.fill(w, 0.25)));
        list.add(new Mutation("copy", (be, w) -> {
            Tensor src = Tensor.of(be, random(new Random(8), w.size()), w.shape());
            be.copy(src, 0, new int[] {1}, w, 0, new int[] {1}, new int[] {w.size()}, false);
        }));
        list.add(new Mutation("unary", (be, w) -> {
            Tensor src = Tensor.of(be, random(new Random(9), w.size()), w.shape());
            be.unary(UnaryOp.GELU, src, w);
        }));
        list.add(new Mutation("affine", (be, w) -> be.affine(w, 0.5, 0.125, w)));
        list.add(new Mutation("binary", (be, w) -> {
            Tensor other = Tensor.of(be, random(new Random(10), w.size()), w.shape());
            int[] unit = {1};
            be.binary(BinaryOp.ADD, w, unit, other, unit, w, new int[] {w.size()});
        }));
        list.add(new Mutation("adamw", (be, w) -> {
            Tensor g = Tensor.of(be, random(new Random(11), w.size()), w.shape());
            Tensor m = Tensor.zeros(be, w.shape());
            Tensor v = Tensor.zeros(be, w.shape());
            be.adamw(new AdamWStep(1e-2, 0.9, 0.999, 1e-8, 0.01, 1, 1.0), w, g, m, v);
        }));
        list.add(new Mutation("one element, through a view of the same storage", (be, w) -> {
            Tensor last = w.reshape(w.size()).slice(0, w.size() - 1, w.size());
            be.write(last, new float[] {42f}, 0);
        }));
        return list;
    }

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (int[] shape : SHAPES) {
            for (Mutation mutation : mutations()) {
                cases.add(Arguments.of(shape[0], shape[1], shape[2], mutation));
            }
        }
        return cases.stream();
    }

    /** C = x·Wᵀ + bias on be, and on a backend that packs W afresh every time. */
    private static void assertProductMatchesUncached(CpuBackend be, Tensor x, Tensor w, Tensor bias, String what) {
        int m = x.shape()[0];
        int k = x.shape()[1];
        int n = w.shape()[0];
        GemmSpec spec = GemmSpec.of(m, n, k, false, true);
        Tensor c = Tensor.empty(be, m, n);
        be.gemm(spec, x, w, bias, c);
        Tensor c2 = Tensor.empty(UNCACHED, m, n);
        UNCACHED.gemm(spec, copy(UNCACHED, x), copy(UNCACHED, w), bias == null ? null : copy(UNCACHED, bias), c2);
        assertArrayEquals(values(c2), values(c), what);
    }

    private static Tensor copy(CpuBackend to, Tensor t) {
        return Tensor.of(to, values(t), t.shape());
    }

    private static float[] values(Tensor t) {
        float[] v = new float[t.size()];
        t.backend().read(t, v, 0);
        return v;
    }

    @ParameterizedTest(name = "{0}x{1}x{2}, {3}")
    @MethodSource("cases")
    void aWeightChangedByAnyKernelIsRepackedBeforeItIsUsed(int m, int n, int k, Mutation mutation) {
        CpuBackend be = new CpuBackend(2, true, 64);
        Random rng = new Random(m + n + k);
        Tensor x = Tensor.of(be, random(rng, m * k), m, k);
        Tensor w = Tensor.of(be, random(rng, n * k), n, k);
        Tensor bias = Tensor.of(be, random(rng, n), n);
        assertTrue(Gemm.packsWholeB(TWO, GemmSpec.of(m, n, k, false, true)), "shape takes the cache");
        for (int call = 0; call < 3; call++) {
            assertProductMatchesUncached(be, x, w, bias, "before, call " + call);
        }
        long hits = be.packedWeightHits();
        assertTrue(hits >= 1, "the third product must have found W packed");
        assertTrue(be.bytesHeld() >= 4L * PackedWeights.packedSize(GemmSpec.of(m, n, k, false, true)));

        mutation.apply().accept(be, w);
        assertProductMatchesUncached(be, x, w, bias, "first product after " + mutation);
        assertEquals(hits, be.packedWeightHits(), "a changed W must not count as a hit");
        for (int call = 0; call < 3; call++) {
            assertProductMatchesUncached(be, x, w, bias, "after " + mutation + ", call " + call);
        }
        assertTrue(be.packedWeightHits() > hits, "W is cached again once it stops changing");
    }

    @Test
    void oneWeightReadByProductsOfOtherHeightsSharesItsPackedCopyAcrossPaths() {
        // W [512, 8]: 300 rows take the owned-columns path on two threads, 100 rows (under a million FLOPs) the
        // single-thread range path, 8 rows the swapped small-m path, which keeps no copy. The first two read the
        // one packed copy in the same layout: a copy packed by either path must serve the other.
        CpuBackend be = new CpuBackend(2, true, 64);
        Random rng = new Random(6);
        int n = 512;
        int k = 8;
        Tensor w = Tensor.of(be, random(rng, n * k), n, k);
        Tensor bias = Tensor.of(be, random(rng, n), n);
        int[] heights = {300, 100, 8, 300, 100, 8, 100, 300};
        assertTrue(Gemm.packsWholeB(TWO, GemmSpec.of(300, n, k, false, true)));
        assertTrue(Gemm.packsWholeB(TWO, GemmSpec.of(100, n, k, false, true)));
        assertTrue(!Gemm.packsWholeB(TWO, GemmSpec.of(8, n, k, false, true)));
        for (int i = 0; i < heights.length; i++) {
            Tensor x = Tensor.of(be, random(rng, heights[i] * k), heights[i], k);
            assertProductMatchesUncached(be, x, w, bias, "product " + i + ", " + heights[i] + " rows");
        }
        // sightings 1 and 2 (300, 100 rows) record and pack; the later 300- and 100-row products all hit
        assertEquals(4, be.packedWeightHits());
    }

    @Test
    void aReleasedWeightsStorageIsForgottenAndItsNewContentsUsed() {
        CpuBackend be = new CpuBackend(2, true, 64);
        Random rng = new Random(3);
        int m = 200;
        int n = 512;
        int k = 256;
        Tensor x = Tensor.of(be, random(rng, m * k), m, k);
        Tensor w = Tensor.of(be, random(rng, n * k), n, k);
        for (int call = 0; call < 3; call++) {
            assertProductMatchesUncached(be, x, w, null, "call " + call);
        }
        long held = be.bytesHeld();
        w.release();
        assertTrue(be.bytesHeld() < held, "releasing the weight drops its packed copy");
        // the pool hands the same storage out again: its new contents must be used
        Tensor w2 = Tensor.of(be, random(rng, n * k), n, k);
        for (int call = 0; call < 3; call++) {
            assertProductMatchesUncached(be, x, w2, null, "reused storage, call " + call);
        }
    }

    @Test
    void noBudgetMeansNoCopiesAndTrimPoolDropsThem() {
        Random rng = new Random(4);
        int m = 200;
        int n = 512;
        int k = 256;
        CpuBackend off = new CpuBackend(2, true, 0);
        CpuBackend on = new CpuBackend(2, true, 64);
        for (CpuBackend be : new CpuBackend[] {off, on}) {
            Tensor x = Tensor.of(be, random(rng, m * k), m, k);
            Tensor w = Tensor.of(be, random(rng, n * k), n, k);
            for (int call = 0; call < 3; call++) {
                assertProductMatchesUncached(be, x, w, null, "call " + call);
            }
        }
        assertEquals(0, off.packedWeightHits());
        assertTrue(on.packedWeightHits() > 0);
        long held = on.bytesHeld();
        on.trimPool();
        assertTrue(on.bytesHeld() < held - 4L * PackedWeights.packedSize(GemmSpec.of(m, n, k, false, true)) + 1);
    }

    @Test
    void weightsBeyondTheBudgetArePackedAsUsualWithoutChurn() {
        // 1 MiB holds two packed 512×256 weights (128 Ki floats each) and not a third
        CpuBackend be = new CpuBackend(2, true, 1);
        Random rng = new Random(5);
        int m = 200;
        int n = 512;
        int k = 256;
        Tensor x = Tensor.of(be, random(rng, m * k), m, k);
        Tensor[] w = new Tensor[3];
        for (int i = 0; i < w.length; i++) {
            w[i] = Tensor.of(be, random(rng, n * k), n, k);
        }
        long pooled = be.bytesHeld();
        for (int call = 0; call < 4; call++) {
            for (Tensor wi : w) {
                assertProductMatchesUncached(be, x, wi, null, "call " + call);
            }
        }
        // calls 2 and 3 hit for the first two weights; the third never gets a copy
        assertEquals(4, be.packedWeightHits());
        assertTrue(be.bytesHeld() - pooled >= 2L * 4 * PackedWeights.packedSize(GemmSpec.of(m, n, k, false, true)),
                "two copies kept");
    }

    @Test
    void aBadBudgetPropertyIsRejectedWithItsName() {
        String old = System.getProperty(CpuConfig.PACKED_WEIGHTS_MIB);
        try {
            System.setProperty(CpuConfig.PACKED_WEIGHTS_MIB, "lots");
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    CpuConfig::packedWeightsMiB);
            assertTrue(e.getMessage().contains(CpuConfig.PACKED_WEIGHTS_MIB), e.getMessage());
        } finally {
            if (old == null) {
                System.clearProperty(CpuConfig.PACKED_WEIGHTS_MIB);
            } else {
                System.setProperty(CpuConfig.PACKED_WEIGHTS_MIB, old);
            }
        }
    }
}
