package org.tarflow.flow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tarflow.cpu.CpuBackend;
import org.tarflow.tensor.Backend;
import org.tarflow.tensor.GradMode;
import org.tarflow.tensor.MemoryScope;
import org.tarflow.tensor.Tensor;

/** Sampling behaviour beyond golden parity: the NaN guard, determinism, input checks, frozen denoising. */
class SamplerTest {
    private static final Backend CPU = new CpuBackend(2, true);
    private final ModelConfig cfg = ModelConfig.of(1, 8, 2, 32, 2, 1, 3, 16);

    @Test
    void nonFiniteSamplesAreRedrawnAndTheOthersKept() {
        TarFlow m = FlowPropertiesTest.randomModel(cfg, CPU, 1, 0.05);
        Sampler sampler = new Sampler(m);
        try (MemoryScope s = MemoryScope.open(); GradMode.Off off = GradMode.off()) {
            Tensor eps = sampler.drawNoise(3, new Random(4));
            float[] e = eps.toFloatArray();
            int perSample = cfg.numPatches() * cfg.tokenDim();
            e[perSample + 5] = Float.NaN; // sample 1 is poisoned
            Tensor poisoned = Tensor.of(CPU, e, eps.shape());
            int[] labels = {0, 1, 2};
            double[] plain = sampler.reverse(poisoned, labels, Sampler.Guidance.NONE).toDoubleArray();
            Sampler.Result r = sampler.guarded(poisoned, 99, labels, Sampler.Guidance.NONE, 3);
            assertEquals(1, r.redrawn());
            assertTrue(r.warnings().get(0).contains("[1]"), r.warnings().toString());
            double[] got = r.images().toDoubleArray();
            int dim = cfg.dataDim();
            for (int i = 0; i < dim; i++) {
                assertEquals(plain[i], got[i], 0.0, "sample 0 untouched");
                assertEquals(plain[2 * dim + i], got[2 * dim + i], 0.0, "sample 2 untouched");
                assertTrue(Double.isFinite(got[dim + i]), "sample 1 redrawn to finite values");
            }
        }
    }

    @Test
    void sameSeedSameSamples() {
        TarFlow m = FlowPropertiesTest.randomModel(cfg, CPU, 2, 0.05);
        Sampler sampler = new Sampler(m);
        Sampler.Guidance g = new Sampler.Guidance(1.5, true, 0.8);
        try (MemoryScope s = MemoryScope.open()) {
            double[] a = sampler.sample(4, 7, new int[] {0, 1, 2, -1}, g, 2).images().toDoubleArray();
            double[] b = sampler.sample(4, 7, new int[] {0, 1, 2, -1}, g, 2).images().toDoubleArray();
            assertArrayEquals(a, b);
        }
    }

    @Test
    void zeroGuidanceIsPlainSampling() {
        TarFlow m = FlowPropertiesTest.randomModel(cfg, CPU, 3, 0.05);
        Sampler sampler = new Sampler(m);
        try (MemoryScope s = MemoryScope.open(); GradMode.Off off = GradMode.off()) {
            Tensor eps = sampler.drawNoise(2, new Random(1));
            assertArrayEquals(sampler.reverse(eps, new int[] {1, 2}, Sampler.Guidance.NONE).toDoubleArray(),
                    sampler.reverse(eps, new int[] {1, 2}, new Sampler.Guidance(0, false, 0.5)).toDoubleArray());
        }
    }

    @Test
    void badInputsAreClearErrors() {
        TarFlow m = TarFlow.create(cfg, CPU, 0);
        Sampler sampler = new Sampler(m);
        try (MemoryScope s = MemoryScope.open()) {
            Tensor eps = sampler.drawNoise(2, new Random(1));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> sampler.reverse(eps, new int[] {1}, Sampler.Guidance.NONE));
            assertTrue(e.getMessage().contains("1 labels for 2"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> sampler.reverse(eps, new int[] {1, 3}, Sampler.Guidance.NONE));
            assertTrue(e.getMessage().contains("3 is not a class"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> sampler.reverse(Tensor.zeros(CPU, 2, 5, 4), null, Sampler.Guidance.NONE));
            assertTrue(e.getMessage().contains("[2, 5, 4]") && e.getMessage().contains("[batch, 16, 4]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> new Sampler.Guidance(-1, false, 1));
            assertTrue(e.getMessage().contains("guidance"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> new Sampler.Guidance(1, false, 0));
            assertTrue(e.getMessage().contains("temperature"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> m.forward(Tensor.zeros(CPU, 2, 1, 7, 7), null));
            assertTrue(e.getMessage().contains("[2, 1, 7, 7]") && e.getMessage().contains("[batch, 1, 8, 8]"),
                    e.getMessage());
        }
    }

    @Test
    void denoisingLeavesParameterGradientsAlone() {
        TarFlow m = FlowPropertiesTest.randomModel(cfg, CPU, 4, 0.05);
        Tensor w = m.parameters().get("blocks.0.proj_in.weight");
        try (MemoryScope s = MemoryScope.open()) {
            m.loss(FlowPropertiesTest.images(CPU, cfg, 2, 1), new int[] {0, 1}).backward();
        }
        double[] before = w.grad().toDoubleArray();
        try (MemoryScope s = MemoryScope.open()) {
            Tensor x = FlowPropertiesTest.images(CPU, cfg, 2, 2);
            Tensor d = new Denoiser(m).denoise(x, new int[] {0, 1}, 0.1);
            assertTrue(FlowPropertiesTest.images(CPU, cfg, 2, 2).sub(d).square().sum().item() > 0, "denoising moved x");
        }
        assertArrayEquals(before, w.grad().toDoubleArray(), "parameter gradients untouched");
        assertTrue(w.requiresGrad());
    }
}
