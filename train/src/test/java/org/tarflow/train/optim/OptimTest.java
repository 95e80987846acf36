package org.tarflow.train.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tarflow.tensor.Backend;
import org.tarflow.tensor.MemoryScope;
import org.tarflow.tensor.Tensor;
import org.tarflow.tensor.reference.ReferenceBackend;

class OptimTest {
    private final Backend be = new ReferenceBackend();

    @Test
    void scheduleWarmsUpLinearlyThenFollowsTheCosine() {
        LrSchedule s = LrSchedule.recipe(2e-3, 100, 1100);
        assertEquals(1e-6, s.at(0), 1e-15);
        assertEquals(1e-6 + (2e-3 - 1e-6) * 0.5, s.at(50), 1e-15);
        assertEquals(2e-3, s.at(100), 1e-15);
        assertEquals(1e-6 + 0.5 * (2e-3 - 1e-6), s.at(600), 1e-15, "cosine midpoint");
        assertEquals(1e-6 + 0.5 * (2e-3 - 1e-6) * (1 + Math.cos(Math.PI * 0.25)), s.at(350), 1e-15);
        assertEquals(1e-6, s.at(1100), 1e-15);
        assertEquals(1e-6, s.at(5000), 1e-15, "stays at the floor past the end");
        for (long t = 101; t < 1100; t++) {
            assertTrue(s.at(t) <= s.at(t - 1), "non-increasing after warm-up");
        }
    }

    private Map<String, Tensor> params(float... v) {
        Map<String, Tensor> p = new LinkedHashMap<>();
        try (MemoryScope u = MemoryScope.unmanaged()) {
            p.put("w", Tensor.of(be, v, v.length).requiresGrad(true));
        }
        return p;
    }

    @Test
    void firstStepMatchesAdamWByHand() {
        Map<String, Tensor> p = params(1f, -2f);
        AdamW opt = new AdamW(p, AdamW.Settings.RECIPE);
        try (MemoryScope s = MemoryScope.open()) {
            p.get("w").mul(Tensor.of(be, new float[] {3f, 4f}, 2)).sum().backward(); // grad = (3, 4)
        }
        AdamW.Outcome o = opt.step(0.1);
        assertTrue(o.applied());
        assertEquals(5.0, o.gradNorm(), 1e-12);
        // step 1: m̂ = g, v̂ = g², update = lr·g/(|g| + eps) ≈ lr·sign(g), after decay p·(1 − lr·wd)
        double[] w = p.get("w").toDoubleArray();
        assertEquals(1 * (1 - 0.1 * 1e-4) - 0.1 * 3 / (3 + 1e-8), w[0], 1e-7);
        assertEquals(-2 * (1 - 0.1 * 1e-4) - 0.1 * 4 / (4 + 1e-8), w[1], 1e-7);
    }

    @Test
    void nonFiniteGradientsSkipTheStepAndLeaveEverythingAlone() {
        Map<String, Tensor> p = params(1f, 2f);
        AdamW opt = new AdamW(p, AdamW.Settings.RECIPE);
        try (MemoryScope s = MemoryScope.open()) {
            p.get("w").mul(Tensor.of(be, new float[] {Float.NaN, 1f}, 2)).sum().backward();
        }
        AdamW.Outcome o = opt.step(0.1);
        assertFalse(o.applied());
        assertEquals(1, opt.skipped());
        assertEquals(0, opt.steps());
        assertArrayEquals(new double[] {1, 2}, p.get("w").toDoubleArray());
        assertArrayEquals(new double[] {0, 0}, opt.firstMoments().get("w").toDoubleArray(), "moments untouched");
    }

    @Test
    void clippingScalesTheGradientAndEmaTracksTheWeights() {
        Map<String, Tensor> p = params(0f);
        AdamW opt = new AdamW(p, new AdamW.Settings(0.9, 0.95, 1e-8, 0, 1.0, 0.5));
        try (MemoryScope s = MemoryScope.open()) {
            p.get("w").mul(10.0).sum().backward(); // grad 10, norm 10 > 1
        }
        AdamW.Outcome o = opt.step(0.1);
        assertEquals(1.0 / (10 + 1e-6), o.clipScale(), 1e-12);
        // Adam is scale-free on its first step: the update is still ≈ −lr
        assertEquals(-0.1, p.get("w").toDoubleArray()[0], 1e-6);
        assertEquals(0.5 * 0 + 0.5 * -0.1, opt.ema().get("w").toDoubleArray()[0], 1e-6);
    }
}
