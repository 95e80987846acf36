package org.tarflow.tensor;

/**
 * One decoupled-weight-decay Adam update (Loshchilov &amp; Hutter), as PyTorch's {@code torch.optim.AdamW} does it:
 * <pre>
 *   p ← p·(1 − lr·wd)
 *   m ← β1·m + (1−β1)·g ;  v ← β2·v + (1−β2)·g²
 *   p ← p − lr · (m / (1−β1^t)) / (√(v / (1−β2^t)) + eps)
 * </pre>
 * {@code step} is t, counted from 1. {@code gradScale} multiplies g first (gradient clipping uses it).
 */
public record AdamWStep(double lr, double beta1, double beta2, double eps, double weightDecay, long step,
                        double gradScale) {
    public AdamWStep {
        if (step < 1) {
            throw new IllegalArgumentException("adamw: step counts from 1, got " + step);
        }
    }

    public double biasCorrection1() {
        return 1 - Math.pow(beta1, step);
    }

    public double biasCorrection2() {
        return 1 - Math.pow(beta2, step);
    }
}
