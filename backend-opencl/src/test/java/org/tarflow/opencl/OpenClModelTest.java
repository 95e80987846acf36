package org.tarflow.opencl;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tarflow.cpu.CpuBackend;
import org.tarflow.flow.GoldenChecks;
import org.tarflow.flow.ModelConfig;
import org.tarflow.flow.TarFlow;
import org.tarflow.tensor.Backend;
import org.tarflow.tensor.MemoryScope;
import org.tarflow.tensor.Tensor;
import org.tarflow.train.optim.AdamW;

/** The model end to end on OpenCL: golden parity, and training steps that track the CPU backend's. */
class OpenClModelTest {
    @Test
    void goldenParityUnconditional() throws IOException {
        Backend be = OpenClTestSupport.backend();
        GoldenChecks.forwardLossAndGradients("uncond", be);
        GoldenChecks.reverseSamplingAndGuidance("uncond", be);
        GoldenChecks.denoisingAndClassification("uncond", be);
    }

    @Test
    void goldenParityConditional() throws IOException {
        Backend be = OpenClTestSupport.backend();
        GoldenChecks.forwardLossAndGradients("cond", be);
        GoldenChecks.reverseSamplingAndGuidance("cond", be);
        GoldenChecks.denoisingAndClassification("cond", be);
    }

    /**
     * Five AdamW steps of the same model on the same batches: the losses on OpenCL follow the CPU backend's. Both are
     * float32 with different summation orders; the gap grows through the updates but stays far below the loss's
     * own step-to-step change.
     */
    @Test
    void trainingStepsMatchTheCpuBackend() {
        Backend cl = OpenClTestSupport.backend();
        Backend cpu = new CpuBackend(2, true);
        ModelConfig cfg = ModelConfig.of(1, 8, 2, 64, 2, 1, 4);
        double[][] losses = new double[2][];
        Backend[] bes = {cpu, cl};
        for (int k = 0; k < 2; k++) {
            Backend be = bes[k];
            TarFlow m = TarFlow.create(cfg, be, 3);
            AdamW opt = new AdamW(m.parameters(), AdamW.Settings.RECIPE);
            Random rng = new Random(4);
            losses[k] = new double[5];
            for (int step = 0; step < 5; step++) {
                float[] x = new float[16 * 64];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) Math.tanh(rng.nextGaussian());
                }
                int[] y = new int[16];
                for (int i = 0; i < 16; i++) {
                    y[i] = i % 4;
                }
                try (MemoryScope s = MemoryScope.open()) {
                    Tensor loss = m.loss(Tensor.of(be, x, 16, 1, 8, 8), y);
                    opt.zeroGrad();
                    loss.backward();
                    losses[k][step] = loss.item();
                    opt.step(3e-3);
                }
            }
        }
        for (int step = 0; step < 5; step++) {
            double d = Math.abs(losses[0][step] - losses[1][step]);
            System.out.printf(Locale.ROOT, "  step %d: loss cpu %.6f opencl %.6f |diff| %.2e%n", step, losses[0][step],
                    losses[1][step], d);
            assertTrue(d < 1e-4, "step " + step + ": " + d);
        }
        assertTrue(losses[1][4] < losses[1][0], "the loss falls on OpenCL too");
    }
}
