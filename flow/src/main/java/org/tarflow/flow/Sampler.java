package org.tarflow.flow;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.tarflow.tensor.GradMode;
import org.tarflow.tensor.MemoryScope;
import org.tarflow.tensor.Tensor;

/**
 * Sampling: inverts the flow from prior noise, blocks in reverse order, inside each block token by token with a
 * preallocated per-layer key/value cache (x_{i+1} = x_{i+1}·exp(α_i) + μ_i, token 0 unchanged).
 *
 * <p>Guidance (every block, every token) runs a second, unconditional prediction: the mean class embedding for
 * conditional models, and/or attention temperature τ in every layer of that branch. α ← α + g·(α − α_u),
 * μ ← μ + g·(μ − μ_u), with g = w, or g = (i+1)/(N−1)·w when annealed. Both branches run as one batch of 2B.
 */
public final class Sampler {
    /** Guidance settings; {@link #NONE} samples plainly. */
    public record Guidance(double weight, boolean annealed, double attnTemp) {
        public static final Guidance NONE = new Guidance(0, false, 1.0);

        public Guidance {
            if (!(weight >= 0) || Double.isInfinite(weight)) {
                throw new IllegalArgumentException("guidance weight must be finite and >= 0, got " + weight);
            }
            if (!(attnTemp > 0) || Double.isInfinite(attnTemp)) {
                throw new IllegalArgumentException("attention temperature must be finite and > 0, got " + attnTemp);
            }
        }

        public boolean active() {
            return weight > 0;
        }
    }

    private final TarFlow model;

    public Sampler(TarFlow model) {
        this.model = model;
    }

    /**
     * Inverts the flow: eps [B, N, D] (prior noise, patch-sequence form) → images [B, C, H, W]. {@code labels} [B]
     * for conditional models (−1 or null: unconditional), null otherwise.
     */
    public Tensor reverse(Tensor eps, int[] labels, Guidance guidance) {
        ModelConfig cfg = model.config();
        int[] s = eps.shape();
        if (s.length != 3 || s[1] != cfg.numPatches() || s[2] != cfg.tokenDim()) {
            throw new IllegalArgumentException("sample: noise " + java.util.Arrays.toString(s) + " must be [batch, "
                    + cfg.numPatches() + ", " + cfg.tokenDim() + "] for this model");
        }
        if (labels != null && !cfg.conditional()) {
            throw new IllegalArgumentException("labels given to an unconditional model (num_classes = 0)");
        }
        if (labels != null && labels.length != s[0]) {
            throw new IllegalArgumentException("sample: " + labels.length + " labels for " + s[0] + " noise samples");
        }
        try (GradMode.Off off = GradMode.off()) {
            Tensor x = eps.mul(model.priorVariance().sqrt()); // a fresh tensor: the blocks overwrite it in place
            Plan plan = new Plan(cfg, s[0], labels, guidance, x.backend());
            for (int k = model.blocks.length - 1; k >= 0; k--) {
                model.blocks[k].reverse(x, plan);
            }
            return model.unpatchify(x);
        }
    }

    /** Result of {@link #sample}: images [B, C, H, W] and how many samples had to be redrawn. */
    public record Result(Tensor images, int redrawn, List<String> warnings) {
    }

    /**
     * Samples {@code count} images from seeded prior noise. Samples that come out non-finite (possible with strong
     * guidance) get fresh noise from a seeded stream and are sampled again, up to {@code maxRedraws} rounds; the
     * result says how many were redrawn.
     */
    public Result sample(int count, long seed, int[] labels, Guidance guidance, int maxRedraws) {
        return guarded(drawNoise(count, new Random(seed)), seed, labels, guidance, maxRedraws);
    }

    /** As {@link #sample}, from given noise (the NaN guard draws replacements from {@code seed}). */
    public Result guarded(Tensor eps, long seed, int[] labels, Guidance guidance, int maxRedraws) {
        ModelConfig cfg = model.config();
        Tensor images = reverse(eps, labels, guidance);
        int dim = cfg.dataDim();
        List<String> warnings = new ArrayList<>();
        int redrawn = 0;
        Random rng = new Random(seed ^ 0x5DEECE66DL);
        for (int round = 0; round < maxRedraws; round++) {
            float[] v = images.toFloatArray();
            List<Integer> bad = new ArrayList<>();
            for (int b = 0; b < images.dim(0); b++) {
                for (int j = 0; j < dim; j++) {
                    if (!Float.isFinite(v[b * dim + j])) {
                        bad.add(b);
                        break;
                    }
                }
            }
            if (bad.isEmpty()) {
                return new Result(images, redrawn, warnings);
            }
            warnings.add("sample: " + bad.size() + " sample(s) " + bad + " were not finite; redrawing their noise"
                    + " (round " + (round + 1) + ")");
            redrawn += bad.size();
            int[] sub = labels == null ? null : bad.stream().mapToInt(i -> labels[i]).toArray();
            try (MemoryScope scope = MemoryScope.open(); GradMode.Off off = GradMode.off()) {
                Tensor again = reverse(drawNoise(bad.size(), rng), sub, guidance);
                for (int j = 0; j < bad.size(); j++) {
                    int b = bad.get(j);
                    images.setSlice(0, b, again.slice(0, j, j + 1));
                }
            }
        }
        float[] v = images.toFloatArray();
        for (float f : v) {
            if (!Float.isFinite(f)) {
                warnings.add("sample: some samples are still not finite after " + maxRedraws
                        + " redraws; lower the guidance weight");
                break;
            }
        }
        return new Result(images, redrawn, warnings);
    }

    /** Standard normal noise [count, N, D] from the given stream. */
    public Tensor drawNoise(int count, Random rng) {
        ModelConfig cfg = model.config();
        float[] e = new float[count * cfg.numPatches() * cfg.tokenDim()];
        for (int i = 0; i < e.length; i++) {
            e[i] = (float) rng.nextGaussian();
        }
        return Tensor.of(model.backend(), e, count, cfg.numPatches(), cfg.tokenDim());
    }

    /**
     * The batch layout of one sampling run, shared by all blocks: B sequences, or 2B with guidance (conditional half
     * first); per-sequence attention scales; one key and one value cache [Bt, N, C] per layer, reused block after
     * block since blocks are inverted one at a time.
     */
    static final class Plan {
        private final ModelConfig cfg;
        private final int batch;
        private final int[] branchLabels;
        private final Guidance guidance;
        private final double[] scales;
        private final Tensor[] kCaches;
        private final Tensor[] vCaches;

        Plan(ModelConfig cfg, int batch, int[] labels, Guidance guidance, org.tarflow.tensor.Backend be) {
            this.cfg = cfg;
            this.batch = batch;
            this.guidance = guidance;
            int bt = guidance.active() ? 2 * batch : batch;
            if (cfg.conditional()) {
                branchLabels = new int[bt];
                for (int i = 0; i < bt; i++) {
                    branchLabels[i] = i < batch && labels != null ? labels[i] : -1;
                }
            } else {
                branchLabels = null;
            }
            scales = new double[bt];
            for (int i = 0; i < bt; i++) {
                double temp = i < batch ? 1.0 : guidance.attnTemp();
                scales[i] = 1.0 / (Math.sqrt(cfg.headDim()) * temp);
            }
            kCaches = new Tensor[cfg.layersPerBlock()];
            vCaches = new Tensor[cfg.layersPerBlock()];
            for (int l = 0; l < kCaches.length; l++) {
                kCaches[l] = Tensor.zeros(be, bt, cfg.numPatches(), cfg.channels());
                vCaches[l] = Tensor.zeros(be, bt, cfg.numPatches(), cfg.channels());
            }
        }

        boolean guided() {
            return guidance.active();
        }

        double guidanceAt(int token, int tokens) {
            return guidance.annealed() ? (token + 1.0) / (tokens - 1) * guidance.weight() : guidance.weight();
        }

        double[] scales() {
            return scales;
        }

        Tensor kCache(int layer) {
            return kCaches[layer];
        }

        Tensor vCache(int layer) {
            return vCaches[layer];
        }

        /** Class conditioning rows [Bt, C] (or [1, C] when all rows share the mean), null when unconditional. */
        Tensor classRows(MetaBlock block) {
            if (branchLabels == null) {
                return null;
            }
            int bt = branchLabels.length;
            boolean allMean = true;
            for (int y : branchLabels) {
                allMean &= y < 0;
            }
            Tensor rows = block.classRows(allMean ? null : branchLabels, bt);
            return rows.reshape(rows.dim(0), cfg.channels());
        }
    }
}
