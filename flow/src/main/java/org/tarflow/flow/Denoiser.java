package org.tarflow.flow;

import java.util.ArrayList;
import java.util.List;
import org.tarflow.tensor.GradMode;
import org.tarflow.tensor.MemoryScope;
import org.tarflow.tensor.Tensor;

/**
 * Score-based denoising (one Tweedie step): x̂ = x + σ²·∇ₓ log p(x) for each sample, where σ is the training noise
 * and log p the flow's log-density of that sample, through the forward pass without guidance. Parameters are frozen:
 * their gradients are neither computed nor touched.
 */
public final class Denoiser {
    private final TarFlow model;

    public Denoiser(TarFlow model) {
        this.model = model;
    }

    /** x [B, C, H, W] → denoised [B, C, H, W] (a new tensor). */
    public Tensor denoise(Tensor x, int[] labels, double sigma) {
        if (!(sigma >= 0) || Double.isInfinite(sigma)) {
            throw new IllegalArgumentException("denoise: sigma must be finite and >= 0, got " + sigma);
        }
        List<Tensor> frozen = new ArrayList<>();
        for (Tensor p : model.parameters().values()) {
            if (p.requiresGrad()) {
                p.requiresGrad(false);
                frozen.add(p);
            }
        }
        try {
            Tensor grad;
            try (MemoryScope scope = MemoryScope.open()) {
                Tensor xg = x.detach().copy().requiresGrad(true);
                // −log p(x_b) summed over the batch, in nats: N·D·Σ_b (½ mean_d z² − logdet_b) plus a constant;
                // its gradient with respect to x_b is −∇ log p(x_b), per sample
                Tensor nll = model.forward(xg, labels).nllPerSample().sum().mul(model.config().dataDim());
                nll.backward();
                grad = xg.grad().keep();
            }
            try (GradMode.Off off = GradMode.off()) {
                return x.sub(grad.mul(sigma * sigma));
            }
        } finally {
            for (Tensor p : frozen) {
                p.requiresGrad(true);
            }
        }
    }
}
