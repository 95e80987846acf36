package org.tarflow.train.optim;

import java.util.LinkedHashMap;
import java.util.Map;
import org.tarflow.tensor.AdamWStep;
import org.tarflow.tensor.Backend;
import org.tarflow.tensor.GradMode;
import org.tarflow.tensor.MemoryScope;
import org.tarflow.tensor.Tensor;

/**
 * AdamW over named parameters, PyTorch's update (see {@link AdamWStep}), with the recipe's defaults β = (0.9, 0.95),
 * eps 1e-8, weight decay 1e-4 on every parameter. Steps whose gradients hold a NaN or an infinity are skipped and
 * counted. Options, off by default: gradient-norm clipping and an exponential moving average of the weights.
 */
public final class AdamW {
    /** Hyper-parameters; {@code clipNorm} ≤ 0 and {@code emaDecay} ≤ 0 turn those options off. */
    public record Settings(double beta1, double beta2, double eps, double weightDecay, double clipNorm, double emaDecay) {
        public static final Settings RECIPE = new Settings(0.9, 0.95, 1e-8, 1e-4, 0, 0);

        public Settings {
            if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1) {
                throw new IllegalArgumentException("AdamW betas must lie in [0, 1), got " + beta1 + ", " + beta2);
            }
            if (!(eps > 0) || weightDecay < 0 || emaDecay >= 1) {
                throw new IllegalArgumentException("AdamW: eps > 0, weight decay >= 0 and EMA decay < 1 are required");
            }
        }
    }

    /** What one call of {@link #step} did. */
    public record Outcome(boolean applied, double gradNorm, double clipScale) {
    }

    private final Map<String, Tensor> params;
    private final Map<String, Tensor> m = new LinkedHashMap<>();
    private final Map<String, Tensor> v = new LinkedHashMap<>();
    private final Map<String, Tensor> ema = new LinkedHashMap<>();
    private final Settings settings;
    private long step;
    private long skipped;

    public AdamW(Map<String, Tensor> params, Settings settings) {
        this.params = params;
        this.settings = settings;
        try (MemoryScope u = MemoryScope.unmanaged(); GradMode.Off off = GradMode.off()) {
            for (Map.Entry<String, Tensor> e : params.entrySet()) {
                Backend be = e.getValue().backend();
                m.put(e.getKey(), Tensor.zeros(be, e.getValue().shape()));
                v.put(e.getKey(), Tensor.zeros(be, e.getValue().shape()));
                if (settings.emaDecay() > 0) {
                    ema.put(e.getKey(), e.getValue().copy());
                }
            }
        }
    }

    public Settings settings() {
        return settings;
    }

    /** Optimiser steps applied so far (skipped ones excluded). */
    public long steps() {
        return step;
    }

    public long skipped() {
        return skipped;
    }

    public Map<String, Tensor> firstMoments() {
        return m;
    }

    public Map<String, Tensor> secondMoments() {
        return v;
    }

    /** EMA weights by name (empty when the option is off). */
    public Map<String, Tensor> ema() {
        return ema;
    }

    /** Restores counters after loading moments (resume). */
    public void restoreCounters(long steps, long skippedSteps) {
        this.step = steps;
        this.skipped = skippedSteps;
    }

    /** Sets every gradient to zero (keeping the buffers). */
    public void zeroGrad() {
        for (Tensor p : params.values()) {
            p.zeroGrad();
        }
    }

    /**
     * Applies one update at learning rate {@code lr} from the parameters' current gradients, unless some gradient is
     * not finite (then nothing changes and the step is counted as skipped). Parameters without a gradient are left
     * alone.
     */
    public Outcome step(double lr) {
        double sumSq = 0;
        boolean finite = true;
        for (Tensor p : params.values()) {
            Tensor g = p.grad();
            if (g == null) {
                continue;
            }
            double[] st = g.backend().stats(g);
            if (st[2] > 0) {
                finite = false;
                break;
            }
            sumSq += st[1];
        }
        double norm = Math.sqrt(sumSq);
        if (!finite || !Double.isFinite(norm)) {
            skipped++;
            return new Outcome(false, Double.NaN, 1.0);
        }
        double clip = settings.clipNorm() > 0 && norm > settings.clipNorm() ? settings.clipNorm() / (norm + 1e-6) : 1.0;
        step++;
        AdamWStep s = new AdamWStep(lr, settings.beta1(), settings.beta2(), settings.eps(), settings.weightDecay(), step,
                clip);
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            Tensor p = e.getValue();
            if (p.grad() != null) {
                p.backend().adamw(s, p, p.grad(), m.get(e.getKey()), v.get(e.getKey()));
            }
        }
        if (!ema.isEmpty()) {
            double d = settings.emaDecay();
            try (MemoryScope scope = MemoryScope.open(); GradMode.Off off = GradMode.off()) {
                for (Map.Entry<String, Tensor> e : ema.entrySet()) {
                    Tensor avg = e.getValue();
                    avg.set(avg.mul(d).add(params.get(e.getKey()).mul(1 - d)));
                }
            }
        }
        return new Outcome(true, norm, clip);
    }
}
